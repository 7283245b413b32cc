/* steve-field.c — the configuration field table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "steve-field"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "steve-error.h"
#include "steve-field.h"

/* Hard limits: what the firmware validates (closed < open, travel ≤ 3600,
 * damping/friction/stiffness ≥ 0, smoothing > 0) plus torque_limit in
 * (0, 30], which the firmware does not check and the client must. Where the
 * device sets no upper bound the table holds a client safety cap, marked
 * STEVE_FIELD_FLAG_MAX_IS_CAP: far beyond any useful feel, but finite so
 * that the fixed-point formatting on the device cannot overflow. */
static const SteveFieldInfo fields[STEVE_N_FIELDS] = {
  [STEVE_FIELD_VISCOUS] = {
    STEVE_FIELD_VISCOUS, "viscous", "viscous", "invalid_viscous",
    N_("Viscous damping"),
    N_("Drag proportional to speed: torque = −b·ω."),
    "N·m·s/rad", 4, 1,
    0.01, 0.5, 0.02, 0.12, 0.0, 10.0, 0.02,
    STEVE_FIELD_FLAG_LOG_SCALE | STEVE_FIELD_FLAG_IN_PRESET | STEVE_FIELD_FLAG_MAX_IS_CAP },
  [STEVE_FIELD_COULOMB] = {
    STEVE_FIELD_COULOMB, "coulomb", "coulomb", "invalid_coulomb",
    N_("Coulomb friction"),
    N_("Constant friction torque against the direction of motion."),
    "N·m", 4, 2,
    0.005, 0.05, 0.06, 0.40, 0.0, 30.0, 0.06,
    STEVE_FIELD_FLAG_LOG_SCALE | STEVE_FIELD_FLAG_IN_PRESET | STEVE_FIELD_FLAG_MAX_IS_CAP },
  [STEVE_FIELD_WALL_STIFFNESS] = {
    STEVE_FIELD_WALL_STIFFNESS, "wall_stiffness", "wall_stiffness", "invalid_wall_stiffness",
    N_("Wall stiffness"),
    N_("Spring of the end-stop walls beyond the closed and open positions."),
    "N·m/turn", 2, 4,
    0.5, 5.0, 10.0, 35.0, 0.0, 1000.0, 10.0,
    STEVE_FIELD_FLAG_LOG_SCALE | STEVE_FIELD_FLAG_IN_PRESET | STEVE_FIELD_FLAG_MAX_IS_CAP },
  [STEVE_FIELD_WALL_DAMPING] = {
    STEVE_FIELD_WALL_DAMPING, "wall_damping", "wall_damping", "invalid_wall_damping",
    N_("Wall damping"),
    N_("Damping inside the end-stop walls."),
    "N·m·s/turn", 4, 8,
    0.05, 0.5, 0.1, 0.6, 0.0, 100.0, 0.1,
    STEVE_FIELD_FLAG_LOG_SCALE | STEVE_FIELD_FLAG_IN_PRESET | STEVE_FIELD_FLAG_MAX_IS_CAP },
  [STEVE_FIELD_SMOOTHING] = {
    STEVE_FIELD_SMOOTHING, "smoothing", "smoothing", "invalid_smoothing",
    N_("Smoothing"),
    N_("Width ε of the smooth sign function used for friction."),
    "", 6, 16,
    0.0001, 0.01, 0.001, 0.001, 0.0, 1.0, 0.001,
    STEVE_FIELD_FLAG_MIN_EXCLUSIVE | STEVE_FIELD_FLAG_LOG_SCALE | STEVE_FIELD_FLAG_IN_PRESET | STEVE_FIELD_FLAG_MAX_IS_CAP },
  [STEVE_FIELD_TORQUE_LIMIT] = {
    STEVE_FIELD_TORQUE_LIMIT, "torque_limit", "torque_limit", "invalid_torque",
    N_("Torque limit"),
    N_("Clamp on the output torque."),
    "N·m", 2, 32,
    0.1, 2.0, 6.0, 8.0, 0.0, 30.0, 8.0,
    STEVE_FIELD_FLAG_MIN_EXCLUSIVE | STEVE_FIELD_FLAG_LOG_SCALE | STEVE_FIELD_FLAG_IN_PRESET },
  [STEVE_FIELD_CLOSED_POS] = {
    STEVE_FIELD_CLOSED_POS, "closed_pos", "closed_position", "invalid_closed_pos",
    N_("Closed position"),
    N_("Angle of the closed end stop."),
    "°", 2, 128,
    0.0, 360.0, 0.0, 0.0, -3600.0, 3600.0, 0.0,
    STEVE_FIELD_FLAG_MAX_IS_CAP },
  [STEVE_FIELD_OPEN_POS] = {
    STEVE_FIELD_OPEN_POS, "open_pos", "open_position", "invalid_open_pos",
    N_("Open position"),
    N_("Angle of the open end stop."),
    "°", 2, 64,
    0.0, 360.0, 90.0, 360.0, -3600.0, 3600.0, 90.0,
    STEVE_FIELD_FLAG_MAX_IS_CAP },
  [STEVE_FIELD_TRAVEL] = {
    STEVE_FIELD_TRAVEL, "travel", "travel", "invalid_travel",
    N_("Travel"),
    N_("Angle between the closed and the open end stop."),
    "°", 1, 64,
    0.0, 360.0, 90.0, 360.0, 0.0, STEVE_MAX_TRAVEL_DEG, 90.0,
    STEVE_FIELD_FLAG_MIN_EXCLUSIVE | STEVE_FIELD_FLAG_REQUEST_ONLY | STEVE_FIELD_FLAG_IN_PRESET },
  [STEVE_FIELD_DEGREES_PER_TURN] = {
    STEVE_FIELD_DEGREES_PER_TURN, NULL, "degrees_per_turn", "invalid_degrees_per_turn",
    N_("Degrees per turn"),
    N_("Valve degrees per motor turn (documented dialect only)."),
    "°/turn", 2, 0,
    1.0, 3600.0, 360.0, 360.0, 0.0, 36000.0, 360.0,
    STEVE_FIELD_FLAG_MIN_EXCLUSIVE | STEVE_FIELD_FLAG_MAX_IS_CAP },
};

/**
 * steve_field_info:
 * @field: a #SteveField
 *
 * Returns: (transfer none): the table row of @field
 */
const SteveFieldInfo *
steve_field_info (SteveField field)
{
  g_return_val_if_fail ((guint) field < STEVE_N_FIELDS, NULL);

  return &fields[field];
}

/**
 * steve_field_key:
 * @field: a #SteveField
 * @dialect: the dialect; %STEVE_DIALECT_UNKNOWN means the firmware's
 *
 * Returns: (nullable): the JSON key in @dialect, or %NULL when the
 *   dialect has none
 */
const char *
steve_field_key (SteveField   field,
                 SteveDialect dialect)
{
  g_return_val_if_fail ((guint) field < STEVE_N_FIELDS, NULL);

  if (dialect == STEVE_DIALECT_DOCUMENTED)
    return fields[field].key_documented;

  return fields[field].key_firmware;
}

/**
 * steve_field_lookup_key:
 * @key: a JSON key
 * @dialect: the dialect to look in; %STEVE_DIALECT_UNKNOWN looks in both
 *
 * Returns: (nullable): the row whose key is @key
 */
const SteveFieldInfo *
steve_field_lookup_key (const char   *key,
                        SteveDialect  dialect)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      if (dialect != STEVE_DIALECT_DOCUMENTED &&
          fields[i].key_firmware != NULL &&
          strcmp (fields[i].key_firmware, key) == 0)
        return &fields[i];

      if (dialect != STEVE_DIALECT_FIRMWARE &&
          fields[i].key_documented != NULL &&
          strcmp (fields[i].key_documented, key) == 0)
        return &fields[i];
    }

  return NULL;
}

/**
 * steve_field_check_value:
 * @field: a #SteveField
 * @value: the value to check
 * @error: return location for a %STEVE_ERROR_VALIDATION error
 *
 * Checks @value against the hard limits of @field.
 *
 * Returns: %TRUE if @value may be sent to a device
 */
gboolean
steve_field_check_value (SteveField   field,
                         double       value,
                         GError     **error)
{
  const SteveFieldInfo *info;
  g_autofree char *min_text = NULL;
  g_autofree char *max_text = NULL;
  g_autofree char *value_text = NULL;

  g_return_val_if_fail ((guint) field < STEVE_N_FIELDS, FALSE);

  info = &fields[field];

  if (!isfinite (value))
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   /* Translators: %s is a field label such as “Viscous damping” */
                   _("%s must be a finite number."), _(info->label));
      return FALSE;
    }

  min_text = steve_field_format_value (field, info->hard_min);
  max_text = steve_field_format_value (field, info->hard_max);
  value_text = g_strdup_printf ("%.*g", 8, value);

  if ((info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE) ? value <= info->hard_min : value < info->hard_min)
    {
      if (info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE)
        g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                     /* Translators: “Smoothing = 0: must be above 0” */
                     _("%s = %s: must be above %s."),
                     _(info->label), value_text, min_text);
      else
        g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                     /* Translators: “Coulomb friction = -1: must be at least 0” */
                     _("%s = %s: must be at least %s."),
                     _(info->label), value_text, min_text);
      return FALSE;
    }

  if (value > info->hard_max)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   /* Translators: “Torque limit = 31: must be at most 30.00” */
                   _("%s = %s: must be at most %s."),
                   _(info->label), value_text, max_text);
      return FALSE;
    }

  /* A value that rounds to the excluded minimum on the wire would reach the
   * device as that minimum (0.0000001 smoothing → "0.000000"). */
  if ((info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE) &&
      steve_field_round (field, value) <= info->hard_min)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("%s = %s: too small for the device’s %u decimals; it would be sent as %s."),
                   _(info->label), value_text, info->decimals, min_text);
      return FALSE;
    }

  return TRUE;
}

/**
 * steve_field_is_recommended:
 *
 * Returns: whether @value lies within the documented (recommended) range
 */
gboolean
steve_field_is_recommended (SteveField field,
                            double     value)
{
  const SteveFieldInfo *info = steve_field_info (field);

  g_return_val_if_fail (info != NULL, FALSE);

  return value >= info->recommended_min && value <= info->recommended_max;
}

/**
 * steve_field_round:
 *
 * Returns: @value rounded to the decimals the device uses on the wire
 */
double
steve_field_round (SteveField field,
                   double     value)
{
  const SteveFieldInfo *info = steve_field_info (field);
  double scale;

  g_return_val_if_fail (info != NULL, value);

  scale = pow (10.0, info->decimals);
  return round (value * scale) / scale;
}

/**
 * steve_field_format_value:
 *
 * Formats @value with the field's wire decimals, locale-independent (the
 * text the device itself would print).
 *
 * Returns: (transfer full): the text
 */
char *
steve_field_format_value (SteveField field,
                          double     value)
{
  const SteveFieldInfo *info = steve_field_info (field);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *format = NULL;

  g_return_val_if_fail (info != NULL, NULL);

  format = g_strdup_printf ("%%.%uf", info->decimals);
  g_ascii_formatd (buf, sizeof buf, format, value);
  return g_strdup (buf);
}
