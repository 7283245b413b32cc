/* steve-protocol.c — REST data types, response parsers and request builders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "steve-protocol"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "steve-error.h"
#include "steve-json-private.h"
#include "steve-field.h"
#include "steve-protocol.h"

/* ------------------------------------------------------------------ boxed */

#define DEFINE_PLAIN_BOXED(TypeName, type_name)                              \
  TypeName *                                                                 \
  type_name##_copy (const TypeName *src)                                     \
  {                                                                          \
    g_return_val_if_fail (src != NULL, NULL);                                \
    return g_memdup2 (src, sizeof *src);                                     \
  }                                                                          \
  void                                                                       \
  type_name##_free (TypeName *self)                                          \
  {                                                                          \
    g_free (self);                                                           \
  }                                                                          \
  G_DEFINE_BOXED_TYPE (TypeName, type_name, type_name##_copy, type_name##_free)

DEFINE_PLAIN_BOXED (SteveConfig, steve_config)
DEFINE_PLAIN_BOXED (SteveStatus, steve_status)
DEFINE_PLAIN_BOXED (SteveOdriveStatus, steve_odrive_status)
DEFINE_PLAIN_BOXED (SteveCanStatus, steve_can_status)
DEFINE_PLAIN_BOXED (SteveStreamStats, steve_stream_stats)
DEFINE_PLAIN_BOXED (StevePerformance, steve_performance)

G_DEFINE_BOXED_TYPE (StevePreset, steve_preset, steve_preset_copy, steve_preset_free)

/* ------------------------------------------------------------------ config */

SteveConfig *
steve_config_new (void)
{
  return g_new0 (SteveConfig, 1);
}

/**
 * steve_config_init_factory:
 *
 * Fills @config with what a firmware device holds after boot: factory
 * preset 0 with its stored travel, closed at 0°, 360 degrees per turn.
 */
void
steve_config_init_factory (SteveConfig *config)
{
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (i != STEVE_FIELD_TRAVEL)
      steve_config_set (config, i, steve_field_info (i)->default_value);
}

void
steve_config_set (SteveConfig *config,
                  SteveField   field,
                  double       value)
{
  g_return_if_fail (config != NULL);
  g_return_if_fail ((guint) field < STEVE_N_FIELDS);

  config->values[field] = value;
  config->present |= STEVE_FIELD_BIT (field);
}

void
steve_config_unset (SteveConfig *config,
                    SteveField   field)
{
  g_return_if_fail (config != NULL);
  g_return_if_fail ((guint) field < STEVE_N_FIELDS);

  config->values[field] = 0.0;
  config->present &= ~STEVE_FIELD_BIT (field);
}

gboolean
steve_config_has (const SteveConfig *config,
                  SteveField         field)
{
  g_return_val_if_fail (config != NULL, FALSE);
  g_return_val_if_fail ((guint) field < STEVE_N_FIELDS, FALSE);

  return (config->present & STEVE_FIELD_BIT (field)) != 0;
}

double
steve_config_get (const SteveConfig *config,
                  SteveField         field)
{
  g_return_val_if_fail (config != NULL, NAN);
  g_return_val_if_fail ((guint) field < STEVE_N_FIELDS, NAN);

  if (!(config->present & STEVE_FIELD_BIT (field)))
    return NAN;

  return config->values[field];
}

/**
 * steve_config_get_degrees_per_turn:
 *
 * Returns: the shaft degrees a turn of the encoder stands for: the
 *   config's, or 360 where it holds none or a meaningless one (0,
 *   negative, not a number)
 */
double
steve_config_get_degrees_per_turn (const SteveConfig *config)
{
  double v = steve_config_get (config, STEVE_FIELD_DEGREES_PER_TURN);

  return isfinite (v) && v > 0.0 ? v : 360.0;
}

/**
 * steve_config_merge:
 *
 * Copies every field set in @update into @into (latest value wins).
 */
void
steve_config_merge (SteveConfig       *into,
                    const SteveConfig *update)
{
  g_return_if_fail (into != NULL);
  g_return_if_fail (update != NULL);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (update->present & STEVE_FIELD_BIT (i))
      steve_config_set (into, i, update->values[i]);

  /* A later explicit open position supersedes an earlier travel and the
   * other way round: keep only the latest of the two. */
  if ((update->present & STEVE_FIELD_BIT (STEVE_FIELD_OPEN_POS)) &&
      !(update->present & STEVE_FIELD_BIT (STEVE_FIELD_TRAVEL)))
    steve_config_unset (into, STEVE_FIELD_TRAVEL);
  else if ((update->present & STEVE_FIELD_BIT (STEVE_FIELD_TRAVEL)) &&
           !(update->present & STEVE_FIELD_BIT (STEVE_FIELD_OPEN_POS)))
    steve_config_unset (into, STEVE_FIELD_OPEN_POS);
}

/**
 * steve_config_field_equal:
 *
 * Whether @field is known in both and equal at the device's wire precision.
 */
gboolean
steve_config_field_equal (const SteveConfig *a,
                          const SteveConfig *b,
                          SteveField         field)
{
  if (!steve_config_has (a, field) || !steve_config_has (b, field))
    return steve_config_has (a, field) == steve_config_has (b, field);

  return steve_field_round (field, a->values[field]) ==
         steve_field_round (field, b->values[field]);
}

static gboolean
check_positions (const SteveConfig  *config,
                 GError            **error)
{
  double closed, open;

  if (!steve_config_has (config, STEVE_FIELD_CLOSED_POS) ||
      !steve_config_has (config, STEVE_FIELD_OPEN_POS))
    return TRUE;

  closed = config->values[STEVE_FIELD_CLOSED_POS];
  open = config->values[STEVE_FIELD_OPEN_POS];

  if (!(closed < open))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The closed position (%.2f°) must be below the open position (%.2f°)."),
                   closed, open);
      return FALSE;
    }

  if (open - closed > STEVE_MAX_TRAVEL_DEG)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The travel from %.2f° to %.2f° is %.2f°; the device allows at most %.0f°."),
                   closed, open, open - closed, STEVE_MAX_TRAVEL_DEG);
      return FALSE;
    }

  return TRUE;
}

/**
 * steve_config_validate:
 *
 * Checks every known field against its hard limits and the known positions
 * against each other (closed < open, travel ≤ 3600°).
 */
gboolean
steve_config_validate (const SteveConfig  *config,
                       GError            **error)
{
  g_return_val_if_fail (config != NULL, FALSE);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if ((config->present & STEVE_FIELD_BIT (i)) &&
        !steve_field_check_value (i, config->values[i], error))
      return FALSE;

  return check_positions (config, error);
}

/**
 * steve_config_apply_update:
 * @current: the device's config as last known (fields may be unknown)
 * @update: the fields to change
 * @result: (out caller-allocates): @current with @update applied the way
 *   the firmware applies a body (physics, closed, open, then travel)
 *
 * Returns: %FALSE with a validation error if the update, or the config
 *   it would produce, breaks a hard limit
 */
gboolean
steve_config_apply_update (const SteveConfig  *current,
                           const SteveConfig  *update,
                           SteveConfig        *result,
                           GError            **error)
{
  SteveConfig tmp;

  g_return_val_if_fail (current != NULL, FALSE);
  g_return_val_if_fail (update != NULL, FALSE);
  g_return_val_if_fail (result != NULL, FALSE);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if ((update->present & STEVE_FIELD_BIT (i)) &&
        !steve_field_check_value (i, update->values[i], error))
      return FALSE;

  tmp = *current;
  tmp.present &= ~STEVE_FIELD_BIT (STEVE_FIELD_TRAVEL);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (i != STEVE_FIELD_TRAVEL && (update->present & STEVE_FIELD_BIT (i)))
      steve_config_set (&tmp, i, update->values[i]);

  if (update->present & STEVE_FIELD_BIT (STEVE_FIELD_TRAVEL))
    {
      if (steve_config_has (&tmp, STEVE_FIELD_CLOSED_POS))
        steve_config_set (&tmp, STEVE_FIELD_OPEN_POS,
                          tmp.values[STEVE_FIELD_CLOSED_POS] + update->values[STEVE_FIELD_TRAVEL]);
      else
        steve_config_unset (&tmp, STEVE_FIELD_OPEN_POS);
    }

  if (!check_positions (&tmp, error))
    return FALSE;

  *result = tmp;
  return TRUE;
}

/**
 * steve_config_describe_change:
 *
 * Returns: (transfer full): e.g. "viscous 0.0400 → 0.0600, coulomb 0.0600 → 0.1000",
 *   or %NULL when nothing differs
 */
char *
steve_config_describe_change (const SteveConfig *before,
                              const SteveConfig *after)
{
  g_autoptr(GString) str = g_string_new (NULL);

  g_return_val_if_fail (before != NULL, NULL);
  g_return_val_if_fail (after != NULL, NULL);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const SteveFieldInfo *info = steve_field_info (i);
      const char *key = info->key_firmware ? info->key_firmware : info->key_documented;
      g_autofree char *old_text = NULL;
      g_autofree char *new_text = NULL;

      if (!steve_config_has (after, i) || steve_config_field_equal (before, after, i))
        continue;

      old_text = steve_config_has (before, i) ? steve_field_format_value (i, before->values[i]) : g_strdup ("?");
      new_text = steve_field_format_value (i, after->values[i]);

      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append_printf (str, "%s %s → %s", key, old_text, new_text);
    }

  if (str->len == 0)
    return NULL;

  return g_string_free (g_steal_pointer (&str), FALSE);
}

/* ------------------------------------------------------------------ presets */

StevePreset *
steve_preset_new (guint       index,
                  const char *name)
{
  StevePreset *preset = g_new0 (StevePreset, 1);

  preset->index = index;
  preset->name = g_strdup (name ? name : "");
  return preset;
}

StevePreset *
steve_preset_copy (const StevePreset *preset)
{
  StevePreset *copy;

  g_return_val_if_fail (preset != NULL, NULL);

  copy = g_memdup2 (preset, sizeof *preset);
  copy->name = g_strdup (preset->name);
  return copy;
}

void
steve_preset_free (StevePreset *preset)
{
  if (preset == NULL)
    return;

  g_free (preset->name);
  g_free (preset);
}

/**
 * steve_preset_name_is_valid:
 *
 * A name the device stores and can list back: 1–15 bytes of UTF-8 with no
 * quote, backslash or control character (the device does not escape names
 * in `GET /presets`, so a quote would break the list for every client).
 */
gboolean
steve_preset_name_is_valid (const char  *name,
                            GError     **error)
{
  gsize len;

  g_return_val_if_fail (name != NULL, FALSE);

  len = strlen (name);
  if (len == 0)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("A preset name cannot be empty."));
      return FALSE;
    }

  if (!g_utf8_validate (name, len, NULL))
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("The preset name is not valid UTF-8 text."));
      return FALSE;
    }

  if (len > STEVE_PRESET_NAME_MAX)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The preset name “%s” is %u bytes long; the device stores at most %u."),
                   name, (guint) len, STEVE_PRESET_NAME_MAX);
      return FALSE;
    }

  for (const char *p = name; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '"' || c == '\\' || g_unichar_iscntrl (c))
        {
          g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                               _("A preset name cannot contain quotes, backslashes or control characters: the device would break its preset list."));
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * steve_preset_name_normalize:
 *
 * Returns: (transfer full): @name as the device will store it (ASCII
 *   letters lower-cased)
 */
char *
steve_preset_name_normalize (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return g_ascii_strdown (name, -1);
}

/* ------------------------------------------------------------------ odrive */

const char *
steve_axis_state_to_string (guint axis_state)
{
  switch (axis_state)
    {
    case STEVE_AXIS_STATE_UNDEFINED: return _("Undefined");
    case STEVE_AXIS_STATE_IDLE: return _("Idle");
    case STEVE_AXIS_STATE_STARTUP_SEQUENCE: return _("Startup sequence");
    case STEVE_AXIS_STATE_FULL_CALIBRATION: return _("Full calibration");
    case STEVE_AXIS_STATE_MOTOR_CALIBRATION: return _("Motor calibration");
    case STEVE_AXIS_STATE_ENCODER_INDEX_SEARCH: return _("Encoder index search");
    case STEVE_AXIS_STATE_ENCODER_OFFSET_CALIBRATION: return _("Encoder offset calibration");
    case STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL: return _("Closed-loop control");
    default: return _("Unknown state");
    }
}

/* ODrive 0.5 axis error bits (the CAN heartbeat this firmware relays). */
static const struct { guint32 bit; const char *name; } axis_errors[] = {
  { 0x00000001, N_("invalid state") },
  { 0x00000040, N_("motor failed") },
  { 0x00000080, N_("sensorless estimator failed") },
  { 0x00000100, N_("encoder failed") },
  { 0x00000200, N_("controller failed") },
  { 0x00000800, N_("watchdog timer expired") },
  { 0x00001000, N_("minimum end stop pressed") },
  { 0x00002000, N_("maximum end stop pressed") },
  { 0x00004000, N_("emergency stop requested") },
  { 0x00020000, N_("homing without end stop") },
  { 0x00040000, N_("over temperature") },
  { 0x00080000, N_("unknown position") },
};

/**
 * steve_axis_error_describe:
 *
 * Returns: (transfer full): the names of the bits set in @axis_error
 */
char *
steve_axis_error_describe (guint32 axis_error)
{
  g_autoptr(GString) str = g_string_new (NULL);
  guint32 rest = axis_error;

  if (axis_error == 0)
    return g_strdup (_("no error"));

  for (guint i = 0; i < G_N_ELEMENTS (axis_errors); i++)
    if (axis_error & axis_errors[i].bit)
      {
        if (str->len)
          g_string_append (str, ", ");
        g_string_append (str, _(axis_errors[i].name));
        rest &= ~axis_errors[i].bit;
      }

  if (rest)
    {
      if (str->len)
        g_string_append (str, ", ");
      g_string_append_printf (str, _("unknown bits 0x%08X"), rest);
    }

  return g_string_free (g_steal_pointer (&str), FALSE);
}

/* ------------------------------------------------------------------ performance keys */

static const struct { const char *key; guint decimals; } perf_keys[STEVE_N_PERF] = {
  { "pos_min_deg", 2 }, { "pos_max_deg", 2 }, { "pos_mean_deg", 2 }, { "pos_rms_deg", 2 },
  { "vel_min_rad_s", 3 }, { "vel_max_rad_s", 3 }, { "vel_mean_rad_s", 3 }, { "vel_rms_rad_s", 3 },
  { "tau_min_nm", 3 }, { "tau_max_nm", 3 }, { "tau_mean_nm", 3 }, { "tau_rms_nm", 3 },
  { "pos_peak_to_peak_deg", 2 }, { "vel_peak_to_peak_rad_s", 3 }, { "zero_crossing_hz", 2 },
  { "loop_total_min_us", 1 }, { "loop_total_max_us", 1 }, { "loop_total_mean_us", 1 },
  { "loop_physics_min_us", 1 }, { "loop_physics_max_us", 1 }, { "loop_physics_mean_us", 1 },
  { "torque_clamps", 0 }, { "rate_limits", 0 }, { "stability_events", 0 },
};

const char *
steve_perf_key_name (StevePerfKey key)
{
  g_return_val_if_fail ((guint) key < STEVE_N_PERF, NULL);
  return perf_keys[key].key;
}

guint
steve_perf_key_decimals (StevePerfKey key)
{
  g_return_val_if_fail ((guint) key < STEVE_N_PERF, 0);
  return perf_keys[key].decimals;
}

/* ------------------------------------------------------------------ parsing helpers */

typedef enum
{
  KIND_DOUBLE,
  KIND_U32,
  KIND_U64,
  KIND_BOOL,
  KIND_HEX_U32,
} ValueKind;

typedef struct
{
  const char *key;
  ValueKind   kind;
  gsize       offset;
  guint32     bit;
} MemberSpec;

/* json-glib reads an integer literal beyond the range of a gint64 without
 * complaint, as a wrapped or saturated value (99999999999999999999 → -1,
 * -99999999999999999999 → 1), so that a garbled number would pass as a
 * plausible one. Such literals are looked for in the text (already known
 * to be valid JSON) and reported with the key they belong to. */
static gboolean
check_integer_literals (const char  *data,
                        gsize        len,
                        const char  *what,
                        GError     **error)
{
  const char *p = data;
  const char *end = data + len;
  const char *str = NULL, *key = NULL;
  gsize str_len = 0, key_len = 0;

  while (p < end)
    {
      if (*p == '"')
        {
          str = ++p;
          while (p < end && *p != '"')
            p += (*p == '\\' && p + 1 < end) ? 2 : 1;
          str_len = (gsize) (p - str);
          if (p < end)
            p++;
        }
      else if (*p == ':')
        {
          key = str;
          key_len = str_len;
          p++;
        }
      else if (*p == '-' || g_ascii_isdigit (*p))
        {
          gboolean negative = *p == '-';
          const char *digits;
          gsize n;

          if (negative)
            p++;
          while (p + 1 < end && *p == '0' && g_ascii_isdigit (p[1]))
            p++;
          digits = p;
          while (p < end && g_ascii_isdigit (*p))
            p++;
          n = (gsize) (p - digits);

          if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
            {
              /* a floating-point number: read as a double */
              while (p < end && (g_ascii_isdigit (*p) || *p == '.' || *p == 'e' || *p == 'E' ||
                                 *p == '+' || *p == '-'))
                p++;
              continue;
            }

          if (n > 19 ||
              (n == 19 && memcmp (digits, negative ? "9223372036854775808" : "9223372036854775807", 19) > 0))
            {
              g_autofree char *name = key ? g_strndup (key, key_len) : g_strdup ("?");

              g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                           _("The device’s %s response is malformed: “%s” %s."),
                           what, name, _("is out of range"));
              return FALSE;
            }
        }
      else
        p++;
    }

  return TRUE;
}

static JsonNode *
parse_root (const char    *data,
            gssize         len,
            JsonNodeType   expected,
            const char    *what,
            GError       **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) root = NULL;

  if (data == NULL || len == 0 || (len < 0 && *data == '\0'))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                   /* Translators: %s is a response name such as “status” */
                   _("The device sent an empty %s response."), what);
      return NULL;
    }

  if (!steve_json_parser_load (parser, data, len, &local_error))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                   _("The device’s %s response is not valid JSON: %s"),
                   what, local_error->message);
      return NULL;
    }

  if (!check_integer_literals (data, len < 0 ? strlen (data) : (gsize) len, what, error))
    return NULL;

  root = json_parser_steal_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != expected)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                   expected == JSON_NODE_ARRAY
                     ? _("The device’s %s response is not a JSON array.")
                     : _("The device’s %s response is not a JSON object."),
                   what);
      return NULL;
    }

  return g_steal_pointer (&root);
}

static gboolean
malformed (GError     **error,
           const char  *what,
           const char  *key,
           const char  *problem)
{
  g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
               /* Translators: “The device’s config response is malformed: “viscous” is not a number.” */
               _("The device’s %s response is malformed: “%s” %s."),
               what, key, problem);
  return FALSE;
}

/* Reads one member. A missing member (or JSON null) leaves its present bit
 * clear; a member of the wrong type or out of range is an error. */
static gboolean
read_member (JsonObject        *obj,
             const char        *key,
             ValueKind          kind,
             gpointer           dest,
             guint32           *present,
             guint32            bit,
             const char        *what,
             GError           **error)
{
  JsonNode *node = json_object_get_member (obj, key);
  GType vtype;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node))
    return malformed (error, what, key, _("is not a plain value"));

  vtype = json_node_get_value_type (node);

  switch (kind)
    {
    case KIND_DOUBLE:
      {
        double v;

        if (vtype == G_TYPE_DOUBLE)
          v = json_node_get_double (node);
        else if (vtype == G_TYPE_INT64)
          v = (double) json_node_get_int (node);
        else
          return malformed (error, what, key, _("is not a number"));

        if (!isfinite (v))
          return malformed (error, what, key, _("is not a finite number"));

        *(double *) dest = v;
        break;
      }

    case KIND_U32:
    case KIND_U64:
      {
        gint64 v;

        if (vtype != G_TYPE_INT64)
          return malformed (error, what, key, _("is not an integer"));

        v = json_node_get_int (node);
        if (v < 0 || (kind == KIND_U32 && v > G_MAXUINT32))
          return malformed (error, what, key, _("is out of range"));

        if (kind == KIND_U32)
          *(guint32 *) dest = (guint32) v;
        else
          *(guint64 *) dest = (guint64) v;
        break;
      }

    case KIND_BOOL:
      if (vtype != G_TYPE_BOOLEAN)
        return malformed (error, what, key, _("is not true or false"));
      *(gboolean *) dest = json_node_get_boolean (node);
      break;

    case KIND_HEX_U32:
      {
        const char *text;
        char *end = NULL;
        guint64 v;

        if (vtype != G_TYPE_STRING)
          return malformed (error, what, key, _("is not a hexadecimal string"));

        text = json_node_get_string (node);
        if (!(text[0] == '0' && (text[1] == 'x' || text[1] == 'X') && g_ascii_isxdigit (text[2])))
          return malformed (error, what, key, _("is not a hexadecimal string"));

        v = g_ascii_strtoull (text + 2, &end, 16);
        if (*end != '\0' || v > G_MAXUINT32)
          return malformed (error, what, key, _("is not a 32-bit hexadecimal number"));

        *(guint32 *) dest = (guint32) v;
        break;
      }

    default:
      g_assert_not_reached ();
    }

  *present |= bit;
  return TRUE;
}

static gboolean
read_members (JsonObject       *obj,
              const MemberSpec *specs,
              guint             n_specs,
              gpointer          base,
              guint32          *present,
              const char       *what,
              GError          **error)
{
  for (guint i = 0; i < n_specs; i++)
    if (!read_member (obj, specs[i].key, specs[i].kind,
                      G_STRUCT_MEMBER_P (base, specs[i].offset),
                      present, specs[i].bit, what, error))
      return FALSE;

  return TRUE;
}

static gboolean
read_string (JsonObject  *obj,
             const char  *key,
             const char **out,
             const char  *what,
             GError     **error)
{
  JsonNode *node = json_object_get_member (obj, key);

  *out = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return malformed (error, what, key, _("is not a string"));

  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
check_ok_status (JsonObject  *obj,
                 const char  *what,
                 GError     **error)
{
  const char *status;

  if (!read_string (obj, "status", &status, what, error))
    return FALSE;

  if (status == NULL)
    return malformed (error, what, "status", _("is missing"));

  if (g_str_equal (status, "error"))
    {
      const char *code = NULL;

      read_string (obj, "error", &code, what, NULL);
      g_propagate_error (error, steve_device_error_new (200, code));
      return FALSE;
    }

  if (!g_str_equal (status, "ok") && !g_str_equal (status, "success"))
    return malformed (error, what, "status", _("is neither “ok” nor “success”"));

  return TRUE;
}

/* ------------------------------------------------------------------ parsers */

/**
 * steve_parse_error_body:
 * @code: (out) (transfer full): the device's error string
 *
 * Parses `{"status":"error","error":"<code>"}`.
 *
 * Returns: %TRUE if the body has that shape
 */
gboolean
steve_parse_error_body (const char  *data,
                        gssize       len,
                        char       **code)
{
  g_autoptr(JsonNode) root = NULL;
  const char *text = NULL;
  JsonObject *obj;

  g_return_val_if_fail (code != NULL, FALSE);

  *code = NULL;

  root = parse_root (data, len, JSON_NODE_OBJECT, "error", NULL);
  if (root == NULL)
    return FALSE;

  obj = json_node_get_object (root);
  if (!read_string (obj, "error", &text, "error", NULL) || text == NULL)
    return FALSE;

  *code = g_strdup (text);
  return TRUE;
}

/**
 * steve_parse_ok_reply:
 *
 * Parses `{"status":"ok"}` or the documented `{"status":"success",…}`.
 */
gboolean
steve_parse_ok_reply (const char  *data,
                      gssize       len,
                      GError     **error)
{
  g_autoptr(JsonNode) root = parse_root (data, len, JSON_NODE_OBJECT, _("command"), error);

  if (root == NULL)
    return FALSE;

  return check_ok_status (json_node_get_object (root), _("command"), error);
}

static const MemberSpec status_specs[] = {
  { "pos_deg", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, pos_deg), STEVE_STATUS_POS_DEG },
  { "vel_rad_s", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, vel_rad_s), STEVE_STATUS_VEL_RAD_S },
  { "torque_nm", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, torque_nm), STEVE_STATUS_TORQUE_NM },
  { "temp_fet", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, temp_fet), STEVE_STATUS_TEMP_FET },
  { "temp_motor", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, temp_motor), STEVE_STATUS_TEMP_MOTOR },
  { "bus_voltage", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, bus_voltage), STEVE_STATUS_BUS_VOLTAGE },
  { "energy_j", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, energy_j), STEVE_STATUS_ENERGY_J },
  { "loop_hz", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, loop_hz), STEVE_STATUS_LOOP_HZ },
  { "pos_raw", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, pos_raw), STEVE_STATUS_POS_RAW },
  { "vel_raw", KIND_DOUBLE, G_STRUCT_OFFSET (SteveStatus, vel_raw), STEVE_STATUS_VEL_RAW },
};

static const MemberSpec safety_specs[] = {
  { "errors", KIND_U32, G_STRUCT_OFFSET (SteveStatus, safety_errors), STEVE_STATUS_SAFETY },
  { "last_error", KIND_U32, G_STRUCT_OFFSET (SteveStatus, safety_last_error), STEVE_STATUS_SAFETY },
  { "estops", KIND_U32, G_STRUCT_OFFSET (SteveStatus, safety_estops), STEVE_STATUS_SAFETY },
};

/**
 * steve_parse_status:
 * @out: (out caller-allocates): the status
 *
 * Parses `GET /api/v1/status` in either dialect (firmware: integer
 * `status`; documented: string `mode`).
 */
gboolean
steve_parse_status (const char   *data,
                    gssize        len,
                    SteveStatus  *out,
                    GError      **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  const char *what = _("status");

  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  out->state = STEVE_VALVE_STATE_UNKNOWN;

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;
  obj = json_node_get_object (root);

  if (!read_members (obj, status_specs, G_N_ELEMENTS (status_specs), out, &out->present, what, error))
    return FALSE;

  if (json_object_has_member (obj, "status"))
    {
      guint32 state = 0;
      guint32 bit = 0;

      if (!read_member (obj, "status", KIND_U32, &state, &bit, STEVE_STATUS_STATE, what, error))
        return FALSE;

      out->dialect = STEVE_DIALECT_FIRMWARE;
      if (bit)
        {
          out->present |= STEVE_STATUS_STATE;
          out->state = state <= STEVE_VALVE_STATE_ERROR ? (SteveValveState) state : STEVE_VALVE_STATE_UNKNOWN;
        }
    }
  else if (json_object_has_member (obj, "mode"))
    {
      const char *mode;

      if (!read_string (obj, "mode", &mode, what, error))
        return FALSE;

      out->dialect = STEVE_DIALECT_DOCUMENTED;
      if (mode != NULL)
        {
          out->present |= STEVE_STATUS_STATE;
          if (g_ascii_strcasecmp (mode, "idle") == 0)
            out->state = STEVE_VALVE_STATE_IDLE;
          else if (g_ascii_strcasecmp (mode, "running") == 0)
            out->state = STEVE_VALVE_STATE_RUNNING;
          else if (g_ascii_strcasecmp (mode, "error") == 0)
            out->state = STEVE_VALVE_STATE_ERROR;
          else
            out->state = STEVE_VALVE_STATE_UNKNOWN;
        }
    }

  if (json_object_has_member (obj, "safety"))
    {
      JsonNode *node = json_object_get_member (obj, "safety");
      guint32 safety_read = 0;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return malformed (error, what, "safety", _("is not an object"));

      /* One bit per counter: a null counter is as unknown as a missing one. */
      for (guint i = 0; i < G_N_ELEMENTS (safety_specs); i++)
        if (!read_member (json_node_get_object (node), safety_specs[i].key, safety_specs[i].kind,
                          G_STRUCT_MEMBER_P (out, safety_specs[i].offset),
                          &safety_read, 1u << i, what, error))
          return FALSE;

      /* All three counters or the group is unknown. */
      if (safety_read == (1u << G_N_ELEMENTS (safety_specs)) - 1)
        out->present |= STEVE_STATUS_SAFETY;
    }

  if (out->dialect == STEVE_DIALECT_UNKNOWN && (out->present & (STEVE_STATUS_ENERGY_J | STEVE_STATUS_LOOP_HZ)))
    out->dialect = STEVE_DIALECT_DOCUMENTED;

  return TRUE;
}

/**
 * steve_parse_config:
 * @out: (out caller-allocates): the config; fields absent from the
 *   response stay unknown
 * @out_dialect: (out) (optional): the dialect the key names reveal
 *
 * Parses `GET /api/v1/config` in either dialect.
 */
gboolean
steve_parse_config (const char    *data,
                    gssize         len,
                    SteveConfig   *out,
                    SteveDialect  *out_dialect,
                    GError       **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  SteveDialect dialect = STEVE_DIALECT_UNKNOWN;
  const char *what = _("config");

  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;
  obj = json_node_get_object (root);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const SteveFieldInfo *info = steve_field_info (i);
      double value = 0.0;
      guint32 bit = 0;
      const char *key = NULL;

      if (info->flags & STEVE_FIELD_FLAG_REQUEST_ONLY)
        continue;

      if (info->key_firmware && json_object_has_member (obj, info->key_firmware))
        {
          key = info->key_firmware;
          if (info->key_documented == NULL || strcmp (info->key_firmware, info->key_documented) != 0)
            dialect = STEVE_DIALECT_FIRMWARE;
        }
      else if (info->key_documented && json_object_has_member (obj, info->key_documented))
        {
          key = info->key_documented;
          if (dialect == STEVE_DIALECT_UNKNOWN)
            dialect = STEVE_DIALECT_DOCUMENTED;
        }

      if (key == NULL)
        continue;

      if (!read_member (obj, key, KIND_DOUBLE, &value, &bit, 1, what, error))
        return FALSE;

      if (bit)
        steve_config_set (out, i, value);
    }

  if (out_dialect)
    *out_dialect = dialect;

  return TRUE;
}

/**
 * steve_parse_config_reply:
 *
 * Parses the answer to `POST /api/v1/config`: `{"status":"ok","mask":N}`
 * (firmware) or `{"status":"ok","fields_updated":N}` (documented).
 */
gboolean
steve_parse_config_reply (const char        *data,
                          gssize             len,
                          SteveConfigReply  *out,
                          GError           **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  guint32 present = 0;
  const char *what = _("config update");

  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;
  obj = json_node_get_object (root);

  if (!check_ok_status (obj, what, error))
    return FALSE;

  if (!read_member (obj, "mask", KIND_U32, &out->mask, &present, 1, what, error) ||
      !read_member (obj, "fields_updated", KIND_U32, &out->fields_updated, &present, 2, what, error))
    return FALSE;

  out->has_mask = (present & 1) != 0;
  out->has_fields_updated = (present & 2) != 0;
  return TRUE;
}

/**
 * steve_parse_control_reply:
 *
 * Parses `{"status":"ok","mode":"running"|"idle","preset_applied":…}`.
 */
gboolean
steve_parse_control_reply (const char         *data,
                           gssize              len,
                           SteveControlReply  *out,
                           GError            **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  const char *mode = NULL;
  guint32 present = 0;
  const char *what = _("control");

  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);
  out->mode = STEVE_VALVE_STATE_UNKNOWN;

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;
  obj = json_node_get_object (root);

  if (!check_ok_status (obj, what, error) ||
      !read_string (obj, "mode", &mode, what, error) ||
      !read_member (obj, "preset_applied", KIND_BOOL, &out->preset_applied, &present, 1, what, error))
    return FALSE;

  if (mode != NULL)
    {
      if (g_ascii_strcasecmp (mode, "running") == 0)
        out->mode = STEVE_VALVE_STATE_RUNNING;
      else if (g_ascii_strcasecmp (mode, "idle") == 0)
        out->mode = STEVE_VALVE_STATE_IDLE;
      else if (g_ascii_strcasecmp (mode, "error") == 0)
        out->mode = STEVE_VALVE_STATE_ERROR;
    }

  return TRUE;
}

static const SteveField preset_fields[] = {
  STEVE_FIELD_VISCOUS, STEVE_FIELD_COULOMB, STEVE_FIELD_WALL_STIFFNESS, STEVE_FIELD_WALL_DAMPING,
  STEVE_FIELD_TRAVEL, STEVE_FIELD_TORQUE_LIMIT, STEVE_FIELD_SMOOTHING,
};

/**
 * steve_parse_presets:
 *
 * Parses `GET /api/v1/presets`. The device does not escape preset names,
 * so a name with a quote breaks the array: that is reported as an error
 * that says so.
 *
 * Returns: (transfer full) (element-type StevePreset): the presets sorted
 *   by index, or %NULL
 */
GPtrArray *
steve_parse_presets (const char  *data,
                     gssize       len,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) presets = NULL;
  JsonNode *root;
  JsonArray *array;
  const char *what = _("preset list");

  if (data == NULL || len == 0)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                   _("The device sent an empty %s response."), what);
      return NULL;
    }

  if (!steve_json_parser_load (parser, data, len, &local_error))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                   _("The device sent a preset list that is not valid JSON (%s). "
                     "A preset name probably contains a quote or a backslash, which the device "
                     "does not escape; save that slot again with a plain name."),
                   local_error->message);
      return NULL;
    }

  if (!check_integer_literals (data, len < 0 ? strlen (data) : (gsize) len, what, error))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                   _("The device’s %s response is not a JSON array."), what);
      return NULL;
    }

  array = json_node_get_array (root);
  if (json_array_get_length (array) != STEVE_N_PRESETS)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                   _("The device listed %u presets; it should list exactly %u."),
                   json_array_get_length (array), STEVE_N_PRESETS);
      return NULL;
    }

  /* slot i holds the preset with index i */
  presets = g_ptr_array_new_with_free_func ((GDestroyNotify) steve_preset_free);
  g_ptr_array_set_size (presets, STEVE_N_PRESETS);

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(StevePreset) preset = NULL;
      JsonObject *obj;
      const char *name = NULL;
      guint32 index = 0;
      guint32 present = 0;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                       _("Entry %u of the device’s preset list is not an object."), i);
          return NULL;
        }
      obj = json_node_get_object (node);

      if (!read_member (obj, "index", KIND_U32, &index, &present, 1, what, error) ||
          !read_string (obj, "name", &name, what, error))
        return NULL;

      if (!present || index >= STEVE_N_PRESETS || g_ptr_array_index (presets, index) != NULL)
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                       _("Entry %u of the device’s preset list has a missing, out-of-range or repeated index."), i);
          return NULL;
        }

      preset = steve_preset_new (index, name);

      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        {
          const SteveFieldInfo *info = steve_field_info (preset_fields[f]);
          double value = 0.0;
          guint32 bit = 0;

          if (!read_member (obj, info->key_firmware, KIND_DOUBLE, &value, &bit, 1, what, error))
            return NULL;
          if (bit)
            steve_config_set (&preset->config, preset_fields[f], value);
        }

      g_ptr_array_index (presets, index) = g_steal_pointer (&preset);
    }

  return g_steal_pointer (&presets);
}

static const MemberSpec odrive_specs[] = {
  { "axis_error", KIND_U32, G_STRUCT_OFFSET (SteveOdriveStatus, axis_error), STEVE_ODRIVE_AXIS_ERROR },
  { "axis_state", KIND_U32, G_STRUCT_OFFSET (SteveOdriveStatus, axis_state), STEVE_ODRIVE_AXIS_STATE },
  { "motor_flags", KIND_U32, G_STRUCT_OFFSET (SteveOdriveStatus, motor_flags), STEVE_ODRIVE_MOTOR_FLAGS },
  { "encoder_flags", KIND_U32, G_STRUCT_OFFSET (SteveOdriveStatus, encoder_flags), STEVE_ODRIVE_ENCODER_FLAGS },
  { "controller_status", KIND_U32, G_STRUCT_OFFSET (SteveOdriveStatus, controller_status), STEVE_ODRIVE_CONTROLLER_STATUS },
  { "position", KIND_DOUBLE, G_STRUCT_OFFSET (SteveOdriveStatus, position), STEVE_ODRIVE_POSITION },
  { "velocity", KIND_DOUBLE, G_STRUCT_OFFSET (SteveOdriveStatus, velocity), STEVE_ODRIVE_VELOCITY },
  { "bus_voltage", KIND_DOUBLE, G_STRUCT_OFFSET (SteveOdriveStatus, bus_voltage), STEVE_ODRIVE_BUS_VOLTAGE },
  { "bus_current", KIND_DOUBLE, G_STRUCT_OFFSET (SteveOdriveStatus, bus_current), STEVE_ODRIVE_BUS_CURRENT },
  { "fet_temp", KIND_DOUBLE, G_STRUCT_OFFSET (SteveOdriveStatus, fet_temp), STEVE_ODRIVE_FET_TEMP },
  { "motor_temp", KIND_DOUBLE, G_STRUCT_OFFSET (SteveOdriveStatus, motor_temp), STEVE_ODRIVE_MOTOR_TEMP },
};

gboolean
steve_parse_odrive (const char         *data,
                    gssize              len,
                    SteveOdriveStatus  *out,
                    GError            **error)
{
  g_autoptr(JsonNode) root = NULL;
  const char *what = _("ODrive");

  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;

  return read_members (json_node_get_object (root), odrive_specs, G_N_ELEMENTS (odrive_specs),
                       out, &out->present, what, error);
}

static const MemberSpec can_bus_specs[] = {
  { "tx_count", KIND_U64, G_STRUCT_OFFSET (SteveCanStatus, tx_count), STEVE_CAN_TX_COUNT },
  { "rx_count", KIND_U64, G_STRUCT_OFFSET (SteveCanStatus, rx_count), STEVE_CAN_RX_COUNT },
  { "error_count", KIND_U64, G_STRUCT_OFFSET (SteveCanStatus, error_count), STEVE_CAN_ERROR_COUNT },
  { "last_error", KIND_HEX_U32, G_STRUCT_OFFSET (SteveCanStatus, last_error), STEVE_CAN_LAST_ERROR },
  { "bus_state", KIND_U32, G_STRUCT_OFFSET (SteveCanStatus, bus_state), STEVE_CAN_BUS_STATE },
};
static const MemberSpec can_encoder_specs[] = {
  { "position", KIND_DOUBLE, G_STRUCT_OFFSET (SteveCanStatus, encoder_position), STEVE_CAN_ENCODER_POSITION },
  { "velocity", KIND_DOUBLE, G_STRUCT_OFFSET (SteveCanStatus, encoder_velocity), STEVE_CAN_ENCODER_VELOCITY },
};
static const MemberSpec can_telemetry_specs[] = {
  { "bus_voltage", KIND_DOUBLE, G_STRUCT_OFFSET (SteveCanStatus, bus_voltage), STEVE_CAN_BUS_VOLTAGE },
  { "bus_current", KIND_DOUBLE, G_STRUCT_OFFSET (SteveCanStatus, bus_current), STEVE_CAN_BUS_CURRENT },
  { "fet_temp", KIND_DOUBLE, G_STRUCT_OFFSET (SteveCanStatus, fet_temp), STEVE_CAN_FET_TEMP },
  { "motor_temp", KIND_DOUBLE, G_STRUCT_OFFSET (SteveCanStatus, motor_temp), STEVE_CAN_MOTOR_TEMP },
};

static gboolean
read_group (JsonObject       *obj,
            const char       *group,
            const MemberSpec *specs,
            guint             n_specs,
            SteveCanStatus   *out,
            const char       *what,
            GError          **error)
{
  JsonNode *node = json_object_get_member (obj, group);

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return malformed (error, what, group, _("is not an object"));

  return read_members (json_node_get_object (node), specs, n_specs, out, &out->present, what, error);
}

/**
 * steve_parse_can:
 *
 * Parses `GET /api/v1/can`: nested groups (firmware) or one flat object
 * (documented).
 */
gboolean
steve_parse_can (const char      *data,
                 gssize           len,
                 SteveCanStatus  *out,
                 GError         **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  const char *what = _("CAN");

  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;
  obj = json_node_get_object (root);

  if (json_object_has_member (obj, "bus") || json_object_has_member (obj, "encoder") ||
      json_object_has_member (obj, "telemetry"))
    {
      out->dialect = STEVE_DIALECT_FIRMWARE;
      return read_group (obj, "bus", can_bus_specs, G_N_ELEMENTS (can_bus_specs), out, what, error) &&
             read_group (obj, "encoder", can_encoder_specs, G_N_ELEMENTS (can_encoder_specs), out, what, error) &&
             read_group (obj, "telemetry", can_telemetry_specs, G_N_ELEMENTS (can_telemetry_specs), out, what, error);
    }

  out->dialect = STEVE_DIALECT_DOCUMENTED;
  return read_members (obj, can_bus_specs, G_N_ELEMENTS (can_bus_specs), out, &out->present, what, error) &&
         read_members (obj, can_encoder_specs, G_N_ELEMENTS (can_encoder_specs), out, &out->present, what, error) &&
         read_members (obj, can_telemetry_specs, G_N_ELEMENTS (can_telemetry_specs), out, &out->present, what, error);
}

static const MemberSpec stream_specs[] = {
  { "active", KIND_BOOL, G_STRUCT_OFFSET (SteveStreamStats, active), STEVE_STREAM_STATS_ACTIVE },
  { "connected_clients", KIND_U32, G_STRUCT_OFFSET (SteveStreamStats, connected_clients), STEVE_STREAM_STATS_CONNECTED_CLIENTS },
  { "default_interval_ms", KIND_U32, G_STRUCT_OFFSET (SteveStreamStats, default_interval_ms), STEVE_STREAM_STATS_DEFAULT_INTERVAL_MS },
  { "messages_sent", KIND_U64, G_STRUCT_OFFSET (SteveStreamStats, messages_sent), STEVE_STREAM_STATS_MESSAGES_SENT },
  { "send_errors", KIND_U64, G_STRUCT_OFFSET (SteveStreamStats, send_errors), STEVE_STREAM_STATS_SEND_ERRORS },
  { "invalid_samples", KIND_U64, G_STRUCT_OFFSET (SteveStreamStats, invalid_samples), STEVE_STREAM_STATS_INVALID_SAMPLES },
  { "last_send_tick_ms", KIND_U64, G_STRUCT_OFFSET (SteveStreamStats, last_send_tick_ms), STEVE_STREAM_STATS_LAST_SEND_TICK_MS },
};

gboolean
steve_parse_stream_stats (const char        *data,
                          gssize             len,
                          SteveStreamStats  *out,
                          GError           **error)
{
  g_autoptr(JsonNode) root = NULL;
  const char *what = _("stream");

  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;

  return read_members (json_node_get_object (root), stream_specs, G_N_ELEMENTS (stream_specs),
                       out, &out->present, what, error);
}

gboolean
steve_parse_performance (const char        *data,
                         gssize             len,
                         StevePerformance  *out,
                         GError           **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *obj;
  const char *what = _("performance");

  g_return_val_if_fail (out != NULL, FALSE);
  memset (out, 0, sizeof *out);

  if (!(root = parse_root (data, len, JSON_NODE_OBJECT, what, error)))
    return FALSE;
  obj = json_node_get_object (root);

  for (guint i = 0; i < STEVE_N_PERF; i++)
    if (!read_member (obj, perf_keys[i].key, KIND_DOUBLE, &out->values[i], &out->present,
                      1u << i, what, error))
      return FALSE;

  return TRUE;
}

/* ------------------------------------------------------------------ builders */

static void
append_json_string (GString    *str,
                    const char *text)
{
  g_string_append_c (str, '"');
  for (const char *p = text; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"': g_string_append (str, "\\\""); break;
        case '\\': g_string_append (str, "\\\\"); break;
        case '\n': g_string_append (str, "\\n"); break;
        case '\r': g_string_append (str, "\\r"); break;
        case '\t': g_string_append (str, "\\t"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (str, "\\u%04x", c);
          else
            g_string_append_c (str, (char) c);
        }
    }
  g_string_append_c (str, '"');
}

static void
append_field (GString    *str,
              const char *key,
              SteveField  field,
              double      value)
{
  g_autofree char *text = steve_field_format_value (field, value);

  if (str->len > 1)
    g_string_append_c (str, ',');
  append_json_string (str, key);
  g_string_append_c (str, ':');
  g_string_append (str, text);
}

/* The order in which fields go into a body. The device applies keys in
 * body order and resolves travel against the closed position known at that
 * point, so closed comes before open and travel. */
static const SteveField request_order[] = {
  STEVE_FIELD_VISCOUS, STEVE_FIELD_COULOMB, STEVE_FIELD_WALL_STIFFNESS,
  STEVE_FIELD_WALL_DAMPING, STEVE_FIELD_SMOOTHING, STEVE_FIELD_TORQUE_LIMIT,
  STEVE_FIELD_DEGREES_PER_TURN, STEVE_FIELD_CLOSED_POS, STEVE_FIELD_OPEN_POS,
  STEVE_FIELD_TRAVEL,
};

/**
 * steve_build_config_request:
 * @update: the fields to change
 * @dialect: the device's dialect; firmware names are always sent, the
 *   documented names are added when the dialect is not known to be the
 *   firmware's (the firmware ignores them)
 * @current: (nullable): the device's config, to check the positions the
 *   update would produce
 *
 * Returns: (transfer full): the body of `POST /api/v1/config`, or %NULL
 *   with a %STEVE_ERROR_VALIDATION error
 */
char *
steve_build_config_request (const SteveConfig  *update,
                            SteveDialect        dialect,
                            const SteveConfig  *current,
                            GError            **error)
{
  g_autoptr(GString) str = NULL;
  SteveConfig empty = { { 0 }, 0 };
  SteveConfig result;
  gboolean any = FALSE;

  g_return_val_if_fail (update != NULL, NULL);

  if (!steve_config_apply_update (current ? current : &empty, update, &result, error))
    return NULL;

  str = g_string_new ("{");

  for (guint i = 0; i < G_N_ELEMENTS (request_order); i++)
    {
      SteveField f = request_order[i];
      const SteveFieldInfo *info = steve_field_info (f);

      if (!(update->present & STEVE_FIELD_BIT (f)))
        continue;

      if (info->key_firmware)
        {
          append_field (str, info->key_firmware, f, update->values[f]);
          any = TRUE;
        }

      if (dialect != STEVE_DIALECT_FIRMWARE && info->key_documented &&
          g_strcmp0 (info->key_documented, info->key_firmware) != 0)
        {
          append_field (str, info->key_documented, f, update->values[f]);
          any = TRUE;
        }
    }

  if (!any)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           dialect == STEVE_DIALECT_FIRMWARE && (update->present & STEVE_FIELD_BIT (STEVE_FIELD_DEGREES_PER_TURN))
                             ? _("This device’s firmware does not let degrees per turn be changed.")
                             : _("The configuration update changes no field."));
      return NULL;
    }

  g_string_append_c (str, '}');
  return g_string_free (g_steal_pointer (&str), FALSE);
}

/**
 * steve_build_control_request:
 * @action: start, stop or none
 * @preset: preset slot 0–3, or -1 for none
 *
 * Returns: (transfer full): the body of `POST /api/v1/control`
 */
char *
steve_build_control_request (SteveControlAction   action,
                             int                  preset,
                             GError             **error)
{
  g_autoptr(GString) str = g_string_new ("{");

  if (preset >= STEVE_N_PRESETS || preset < -1)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("There is no preset slot %d; the device has slots 0 to 3."), preset);
      return NULL;
    }

  if (action == STEVE_CONTROL_NONE && preset < 0)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("A control request needs an action or a preset."));
      return NULL;
    }

  if (preset >= 0)
    g_string_append_printf (str, "\"preset\":%d", preset);

  if (action != STEVE_CONTROL_NONE)
    g_string_append_printf (str, "%s\"action\":\"%s\"",
                            preset >= 0 ? "," : "",
                            action == STEVE_CONTROL_START ? "start" : "stop");

  g_string_append_c (str, '}');
  return g_string_free (g_steal_pointer (&str), FALSE);
}

/**
 * steve_build_preset_save_current:
 *
 * Returns: (transfer full): `{"index":i,"save_current":true}`
 */
char *
steve_build_preset_save_current (guint    index,
                                 GError **error)
{
  if (index >= STEVE_N_PRESETS)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("There is no preset slot %u; the device has slots 0 to 3."), index);
      return NULL;
    }

  return g_strdup_printf ("{\"index\":%u,\"save_current\":true}", index);
}

/**
 * steve_build_preset_save:
 *
 * Builds a save with explicit values. Every value is sent (the device
 * would silently default missing ones to 0 or 90), `save_current` never is
 * (its mere presence makes the device copy the active config instead).
 *
 * Returns: (transfer full): the body of `POST /api/v1/presets`
 */
char *
steve_build_preset_save (const StevePreset  *preset,
                         GError            **error)
{
  g_autoptr(GString) str = NULL;

  g_return_val_if_fail (preset != NULL, NULL);

  if (preset->index >= STEVE_N_PRESETS)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("There is no preset slot %u; the device has slots 0 to 3."), preset->index);
      return NULL;
    }

  if (!steve_preset_name_is_valid (preset->name ? preset->name : "", error))
    return NULL;

  for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
    {
      if (!steve_config_has (&preset->config, preset_fields[f]))
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("The preset has no value for %s."),
                       _(steve_field_info (preset_fields[f])->label));
          return NULL;
        }

      if (!steve_field_check_value (preset_fields[f], preset->config.values[preset_fields[f]], error))
        return NULL;
    }

  str = g_string_new (NULL);
  g_string_append_printf (str, "{\"index\":%u,\"name\":", preset->index);
  append_json_string (str, preset->name);

  for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
    {
      g_autofree char *text = steve_field_format_value (preset_fields[f], preset->config.values[preset_fields[f]]);
      g_string_append_printf (str, ",\"%s\":%s", steve_field_info (preset_fields[f])->key_firmware, text);
    }

  g_string_append_c (str, '}');
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static const char *odrive_action_names[] = {
  [STEVE_ODRIVE_ACTION_PING] = "ping",
  [STEVE_ODRIVE_ACTION_ENABLE] = "enable",
  [STEVE_ODRIVE_ACTION_DISABLE] = "disable",
  [STEVE_ODRIVE_ACTION_ESTOP] = "estop",
  [STEVE_ODRIVE_ACTION_CLEAR] = "clear",
  [STEVE_ODRIVE_ACTION_CALIBRATE] = "calibrate",
  [STEVE_ODRIVE_ACTION_SET_MODE] = "set_mode",
  [STEVE_ODRIVE_ACTION_SET_TORQUE] = "set_torque",
  [STEVE_ODRIVE_ACTION_SET_VELOCITY] = "set_velocity",
  [STEVE_ODRIVE_ACTION_SET_POSITION] = "set_position",
};

const char *
steve_odrive_action_to_string (SteveOdriveAction action)
{
  g_return_val_if_fail ((guint) action < G_N_ELEMENTS (odrive_action_names), NULL);
  return odrive_action_names[action];
}

gboolean
steve_odrive_action_needs_value (SteveOdriveAction action)
{
  return action >= STEVE_ODRIVE_ACTION_SET_MODE;
}

/* Client safety caps for direct ODrive set-points: a person's hand is on
 * the shaft. */
#define ODRIVE_MAX_TORQUE_NM 30.0
#define ODRIVE_MAX_VELOCITY_TURNS_S 10.0
#define ODRIVE_MAX_POSITION_TURNS 100.0

/**
 * steve_build_odrive_request:
 * @value: the value for the set_* actions (ignored by the others)
 *
 * Returns: (transfer full): the body of `POST /api/v1/odrive`
 */
char *
steve_build_odrive_request (SteveOdriveAction   action,
                            double              value,
                            GError            **error)
{
  double limit = 0.0;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if ((guint) action >= G_N_ELEMENTS (odrive_action_names))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("Unknown ODrive action %d."), (int) action);
      return NULL;
    }

  if (!steve_odrive_action_needs_value (action))
    return g_strdup_printf ("{\"action\":\"%s\"}", odrive_action_names[action]);

  if (!isfinite (value))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The value of the ODrive action “%s” must be a finite number."),
                   odrive_action_names[action]);
      return NULL;
    }

  switch (action)
    {
    case STEVE_ODRIVE_ACTION_SET_MODE:
      if (value != floor (value) || value < STEVE_CONTROL_MODE_VOLTAGE || value > STEVE_CONTROL_MODE_POSITION)
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("The ODrive control mode must be 0 (voltage), 1 (torque), 2 (velocity) or 3 (position), not %g."),
                       value);
          return NULL;
        }
      return g_strdup_printf ("{\"action\":\"set_mode\",\"value\":%d}", (int) value);

    case STEVE_ODRIVE_ACTION_SET_TORQUE:
      limit = ODRIVE_MAX_TORQUE_NM;
      break;
    case STEVE_ODRIVE_ACTION_SET_VELOCITY:
      limit = ODRIVE_MAX_VELOCITY_TURNS_S;
      break;
    case STEVE_ODRIVE_ACTION_SET_POSITION:
      limit = ODRIVE_MAX_POSITION_TURNS;
      break;
    default:
      g_assert_not_reached ();
    }

  if (fabs (value) > limit)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The value %g of the ODrive action “%s” is beyond the safety limit ±%g."),
                   value, odrive_action_names[action], limit);
      return NULL;
    }

  g_ascii_formatd (buf, sizeof buf, "%.6f", value);
  return g_strdup_printf ("{\"action\":\"%s\",\"value\":%s}", odrive_action_names[action], buf);
}

/**
 * steve_build_stream_request:
 * @start: start or stop
 * @interval_ms: the default interval for new stream clients (10–1000)
 *
 * Returns: (transfer full): the body of `POST /api/v1/stream`
 */
char *
steve_build_stream_request (gboolean   start,
                            guint      interval_ms,
                            GError   **error)
{
  if (!start)
    return g_strdup ("{\"action\":\"stop\"}");

  if (interval_ms < STEVE_STREAM_INTERVAL_MIN || interval_ms > STEVE_STREAM_INTERVAL_MAX)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The stream interval must be between %u and %u ms, not %u ms."),
                   STEVE_STREAM_INTERVAL_MIN, STEVE_STREAM_INTERVAL_MAX, interval_ms);
      return NULL;
    }

  return g_strdup_printf ("{\"action\":\"start\",\"interval_ms\":%u}", interval_ms);
}

/* ------------------------------------------------------------------ preset files */

#define PRESET_FILE_FORMAT "steve-tuner-presets"

/**
 * steve_presets_to_json:
 * @presets: (element-type StevePreset): the presets to share
 *
 * Returns: (transfer full): a preset file, so a lab can share a set of feels
 */
char *
steve_presets_to_json (GPtrArray *presets)
{
  g_autoptr(JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (presets != NULL, NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, PRESET_FILE_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "presets");
  json_builder_begin_array (b);
  for (guint i = 0; i < presets->len; i++)
    {
      const StevePreset *p = g_ptr_array_index (presets, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "index");
      json_builder_add_int_value (b, p->index);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, p->name ? p->name : "");
      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        if (steve_config_has (&p->config, preset_fields[f]))
          {
            json_builder_set_member_name (b, steve_field_info (preset_fields[f])->key_firmware);
            json_builder_add_double_value (b, steve_field_round (preset_fields[f], p->config.values[preset_fields[f]]));
          }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  return json_generator_to_data (gen, NULL);
}

/**
 * steve_presets_from_json:
 *
 * Reads a preset file. Every preset must have a slot 0–3 (each at most
 * once), a name the device accepts and all seven values within the hard
 * limits; anything else is refused with an error naming the preset.
 *
 * Returns: (transfer full) (element-type StevePreset): the presets
 */
GPtrArray *
steve_presets_from_json (const char  *data,
                         gssize       len,
                         GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) presets = g_ptr_array_new_with_free_func ((GDestroyNotify) steve_preset_free);
  gboolean seen[STEVE_N_PRESETS] = { FALSE };
  JsonNode *root;
  JsonObject *obj;
  JsonNode *list;
  JsonArray *array;

  if (!steve_json_parser_load (parser, data, len, &local_error))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The preset file is not valid JSON: %s"), local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root) ||
      g_strcmp0 (steve_json_string (json_node_get_object (root), "format", ""),
                 PRESET_FILE_FORMAT) != 0)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("This is not a Steve Tuner preset file."));
      return NULL;
    }
  obj = json_node_get_object (root);

  list = json_object_get_member (obj, "presets");
  if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list) || json_array_get_length (json_node_get_array (list)) == 0)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("The preset file holds no presets."));
      return NULL;
    }
  array = json_node_get_array (list);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      g_autoptr(StevePreset) preset = NULL;
      JsonObject *p;
      gint64 index;
      const char *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("Preset %u of the file is not an object."), i + 1);
          return NULL;
        }
      p = json_node_get_object (node);

      index = steve_json_int (p, "index", -1);
      if (index < 0 || index >= STEVE_N_PRESETS || seen[index])
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("Preset %u of the file needs its own slot from 0 to 3."), i + 1);
          return NULL;
        }
      seen[index] = TRUE;

      name = steve_json_string (p, "name", "");
      if (!steve_preset_name_is_valid (name, &local_error))
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("Preset %u of the file: %s"), i + 1, local_error->message);
          return NULL;
        }

      preset = steve_preset_new ((guint) index, name);
      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        {
          const SteveFieldInfo *info = steve_field_info (preset_fields[f]);
          JsonNode *v = json_object_get_member (p, info->key_firmware);

          if (v == NULL || !JSON_NODE_HOLDS_VALUE (v) ||
              (json_node_get_value_type (v) != G_TYPE_DOUBLE && json_node_get_value_type (v) != G_TYPE_INT64))
            {
              g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("Preset “%s” in the file has no valid %s."), name, _(info->label));
              return NULL;
            }
          if (!steve_field_check_value (preset_fields[f], json_node_get_double (v), &local_error))
            {
              g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("Preset “%s” in the file: %s"), name, local_error->message);
              return NULL;
            }
          steve_config_set (&preset->config, preset_fields[f], json_node_get_double (v));
        }

      g_ptr_array_add (presets, g_steal_pointer (&preset));
    }

  return g_steal_pointer (&presets);
}
