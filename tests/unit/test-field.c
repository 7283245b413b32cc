/* test-field.c — unit tests of the configuration field table (steve-field.[ch])
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "steve-error.h"
#include "steve-field.h"
#include "steve-types.h"

/* What the protocol file says about each field (§2, GET/POST /config and
 * the range table; travel's decimals come from GET /presets, "travel":90.0). */
typedef struct
{
  SteveField  field;
  const char *key_firmware;
  const char *key_documented;
  const char *error_code;
  const char *unit;
  guint       decimals;
  guint       mask_bit;
  double      recommended_min;
  double      recommended_max;
  double      preset_min;
  double      preset_max;
  double      default_value;
  gboolean    in_preset;
} ExpectedField;

static const ExpectedField expected_fields[] = {
  { STEVE_FIELD_VISCOUS, "viscous", "viscous", "invalid_viscous", "N·m·s/rad",
    4, 1, 0.01, 0.5, 0.02, 0.12, 0.02, TRUE },
  { STEVE_FIELD_COULOMB, "coulomb", "coulomb", "invalid_coulomb", "N·m",
    4, 2, 0.005, 0.05, 0.06, 0.40, 0.06, TRUE },
  { STEVE_FIELD_WALL_STIFFNESS, "wall_stiffness", "wall_stiffness", "invalid_wall_stiffness", "N·m/turn",
    2, 4, 0.5, 5.0, 10.0, 35.0, 10.0, TRUE },
  { STEVE_FIELD_WALL_DAMPING, "wall_damping", "wall_damping", "invalid_wall_damping", "N·m·s/turn",
    4, 8, 0.05, 0.5, 0.1, 0.6, 0.1, TRUE },
  { STEVE_FIELD_SMOOTHING, "smoothing", "smoothing", "invalid_smoothing", "",
    6, 16, 0.0001, 0.01, 0.001, 0.001, 0.001, TRUE },
  { STEVE_FIELD_TORQUE_LIMIT, "torque_limit", "torque_limit", "invalid_torque", "N·m",
    2, 32, 0.1, 2.0, 6.0, 8.0, 8.0, TRUE },
  { STEVE_FIELD_CLOSED_POS, "closed_pos", "closed_position", "invalid_closed_pos", "°",
    2, 128, 0.0, 360.0, 0.0, 0.0, 0.0, FALSE },
  { STEVE_FIELD_OPEN_POS, "open_pos", "open_position", "invalid_open_pos", "°",
    2, 64, 0.0, 360.0, 90.0, 360.0, 90.0, FALSE },
  { STEVE_FIELD_TRAVEL, "travel", "travel", "invalid_travel", "°",
    1, 64, 0.0, 360.0, 90.0, 360.0, 90.0, TRUE },
  { STEVE_FIELD_DEGREES_PER_TURN, NULL, "degrees_per_turn", NULL, "°/turn",
    2, 0, 1.0, 3600.0, 360.0, 360.0, 360.0, FALSE },
};

static void
test_field_table_complete (void)
{
  g_assert_cmpuint (G_N_ELEMENTS (expected_fields), ==, STEVE_N_FIELDS);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const SteveFieldInfo *info = steve_field_info (i);

      g_assert_nonnull (info);
      g_assert_cmpint (info->field, ==, i);
      g_assert_cmpint (expected_fields[i].field, ==, i);

      g_assert_nonnull (info->label);
      g_assert_cmpuint (strlen (info->label), >, 0);
      g_assert_nonnull (info->description);
      g_assert_cmpuint (strlen (info->description), >, 0);
      g_assert_nonnull (info->unit);
      g_assert_cmpstr (info->unit, ==, expected_fields[i].unit);
      g_assert_true (g_utf8_validate (info->unit, -1, NULL));
      g_assert_true (g_utf8_validate (info->label, -1, NULL));

      g_assert_cmpstr (info->key_firmware, ==, expected_fields[i].key_firmware);
      g_assert_cmpstr (info->key_documented, ==, expected_fields[i].key_documented);
      g_assert_cmpuint (info->mask_bit, ==, expected_fields[i].mask_bit);

      /* default = factory preset 0 as loaded at boot */
      g_assert_cmpfloat (info->default_value, ==, expected_fields[i].default_value);

      g_assert_cmpint (!!(info->flags & STEVE_FIELD_FLAG_IN_PRESET), ==, expected_fields[i].in_preset);
      g_assert_cmpint (!!(info->flags & STEVE_FIELD_FLAG_REQUEST_ONLY), ==, i == STEVE_FIELD_TRAVEL);
    }
}

static void
test_field_decimals (void)
{
  /* "Ndp" of the protocol file */
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    g_assert_cmpuint (steve_field_info (i)->decimals, ==, expected_fields[i].decimals);

  g_assert_cmpuint (steve_field_info (STEVE_FIELD_CLOSED_POS)->decimals, ==, 2);
  g_assert_cmpuint (steve_field_info (STEVE_FIELD_OPEN_POS)->decimals, ==, 2);
  g_assert_cmpuint (steve_field_info (STEVE_FIELD_VISCOUS)->decimals, ==, 4);
  g_assert_cmpuint (steve_field_info (STEVE_FIELD_COULOMB)->decimals, ==, 4);
  g_assert_cmpuint (steve_field_info (STEVE_FIELD_WALL_DAMPING)->decimals, ==, 4);
  g_assert_cmpuint (steve_field_info (STEVE_FIELD_WALL_STIFFNESS)->decimals, ==, 2);
  g_assert_cmpuint (steve_field_info (STEVE_FIELD_SMOOTHING)->decimals, ==, 6);
  g_assert_cmpuint (steve_field_info (STEVE_FIELD_TORQUE_LIMIT)->decimals, ==, 2);
}

static void
test_field_ranges (void)
{
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const SteveFieldInfo *info = steve_field_info (i);
      const ExpectedField *e = &expected_fields[i];

      if (i == STEVE_FIELD_DEGREES_PER_TURN || i == STEVE_FIELD_TRAVEL)
        continue;  /* not in the protocol's range table */

      g_assert_cmpfloat (info->recommended_min, ==, e->recommended_min);
      g_assert_cmpfloat (info->recommended_max, ==, e->recommended_max);
      g_assert_cmpfloat (info->preset_min, ==, e->preset_min);
      g_assert_cmpfloat (info->preset_max, ==, e->preset_max);
    }

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const SteveFieldInfo *info = steve_field_info (i);

      g_assert_true (isfinite (info->hard_min));
      g_assert_true (isfinite (info->hard_max));
      g_assert_cmpfloat (info->hard_min, <, info->hard_max);
      g_assert_cmpfloat (info->recommended_min, <=, info->recommended_max);
      g_assert_cmpfloat (info->preset_min, <=, info->preset_max);

      /* every recommended and every factory value can be sent */
      g_assert_true (steve_field_check_value (i, info->recommended_min, NULL) ||
                     ((info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE) && info->recommended_min == info->hard_min));
      g_assert_true (steve_field_check_value (i, info->recommended_max, NULL));
      g_assert_true (steve_field_check_value (i, info->preset_min, NULL));
      g_assert_true (steve_field_check_value (i, info->preset_max, NULL));
      g_assert_true (steve_field_check_value (i, info->default_value, NULL));
    }
}

static void
test_field_is_recommended (void)
{
  g_assert_true (steve_field_is_recommended (STEVE_FIELD_TORQUE_LIMIT, 0.1));
  g_assert_true (steve_field_is_recommended (STEVE_FIELD_TORQUE_LIMIT, 2.0));
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_TORQUE_LIMIT, 2.01));
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_TORQUE_LIMIT, 0.09));
  /* the factory presets are outside the documented range */
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_TORQUE_LIMIT, 8.0));
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_COULOMB, 0.06));
  g_assert_true (steve_field_is_recommended (STEVE_FIELD_COULOMB, 0.05));
  g_assert_true (steve_field_is_recommended (STEVE_FIELD_VISCOUS, 0.02));
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_WALL_STIFFNESS, 10.0));
  g_assert_true (steve_field_is_recommended (STEVE_FIELD_SMOOTHING, 0.001));
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_SMOOTHING, 0.02));
  g_assert_true (steve_field_is_recommended (STEVE_FIELD_OPEN_POS, 360.0));
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_OPEN_POS, 360.5));
  g_assert_false (steve_field_is_recommended (STEVE_FIELD_CLOSED_POS, -1.0));
}

static void
test_field_limits (void)
{
  const SteveField non_negative[] = {
    STEVE_FIELD_VISCOUS, STEVE_FIELD_COULOMB, STEVE_FIELD_WALL_STIFFNESS, STEVE_FIELD_WALL_DAMPING,
  };

  /* viscous, coulomb, wall_* ≥ 0 */
  for (guint i = 0; i < G_N_ELEMENTS (non_negative); i++)
    {
      const SteveFieldInfo *info = steve_field_info (non_negative[i]);

      g_assert_cmpfloat (info->hard_min, ==, 0.0);
      g_assert_false (info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE);
      /* no device maximum: the table holds a client cap */
      g_assert_true (info->flags & STEVE_FIELD_FLAG_MAX_IS_CAP);
      g_assert_cmpfloat (info->hard_max, >, info->preset_max);
      g_assert_cmpfloat (info->hard_max, >, info->recommended_max);
    }

  /* smoothing > 0 */
  g_assert_cmpfloat (steve_field_info (STEVE_FIELD_SMOOTHING)->hard_min, ==, 0.0);
  g_assert_true (steve_field_info (STEVE_FIELD_SMOOTHING)->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE);

  /* torque_limit in (0, 30]: a device-independent safety limit, not a cap */
  g_assert_cmpfloat (steve_field_info (STEVE_FIELD_TORQUE_LIMIT)->hard_min, ==, 0.0);
  g_assert_cmpfloat (steve_field_info (STEVE_FIELD_TORQUE_LIMIT)->hard_max, ==, 30.0);
  g_assert_true (steve_field_info (STEVE_FIELD_TORQUE_LIMIT)->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE);
  g_assert_false (steve_field_info (STEVE_FIELD_TORQUE_LIMIT)->flags & STEVE_FIELD_FLAG_MAX_IS_CAP);

  /* travel in (0, 3600] */
  g_assert_cmpfloat (steve_field_info (STEVE_FIELD_TRAVEL)->hard_min, ==, 0.0);
  g_assert_cmpfloat (steve_field_info (STEVE_FIELD_TRAVEL)->hard_max, ==, 3600.0);
  g_assert_cmpfloat (STEVE_MAX_TRAVEL_DEG, ==, 3600.0);
  g_assert_true (steve_field_info (STEVE_FIELD_TRAVEL)->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE);
  g_assert_false (steve_field_info (STEVE_FIELD_TRAVEL)->flags & STEVE_FIELD_FLAG_MAX_IS_CAP);

  /* positions: no device limit of their own, only closed < open */
  g_assert_cmpfloat (steve_field_info (STEVE_FIELD_CLOSED_POS)->hard_min, <, 0.0);
  g_assert_cmpfloat (steve_field_info (STEVE_FIELD_OPEN_POS)->hard_max, >=, 3600.0);
}

static void
assert_refused (SteveField  field,
                double      value)
{
  g_autoptr(GError) error = NULL;
  const char *label = steve_field_info (field)->label;

  g_assert_false (steve_field_check_value (field, value, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, label));
}

static void
assert_accepted (SteveField  field,
                 double      value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (steve_field_check_value (field, value, &error));
  g_assert_no_error (error);
}

static void
test_field_check_value (void)
{
  const SteveField non_negative[] = {
    STEVE_FIELD_VISCOUS, STEVE_FIELD_COULOMB, STEVE_FIELD_WALL_STIFFNESS, STEVE_FIELD_WALL_DAMPING,
  };

  for (guint i = 0; i < G_N_ELEMENTS (non_negative); i++)
    {
      SteveField f = non_negative[i];

      assert_accepted (f, 0.0);
      assert_accepted (f, 0.0001);
      assert_accepted (f, steve_field_info (f)->hard_max);
      assert_refused (f, -0.0001);
      assert_refused (f, -1e-9);
      assert_refused (f, -1.0);
      assert_refused (f, steve_field_info (f)->hard_max * 1.001);
    }

  /* smoothing > 0, and not so small that it is sent as 0.000000 */
  assert_refused (STEVE_FIELD_SMOOTHING, 0.0);
  assert_refused (STEVE_FIELD_SMOOTHING, -0.001);
  assert_refused (STEVE_FIELD_SMOOTHING, 4e-7);
  assert_refused (STEVE_FIELD_SMOOTHING, 1e-12);
  assert_accepted (STEVE_FIELD_SMOOTHING, 1e-6);
  assert_accepted (STEVE_FIELD_SMOOTHING, 0.0001);
  assert_accepted (STEVE_FIELD_SMOOTHING, 0.01);

  /* torque_limit in (0, 30] */
  assert_refused (STEVE_FIELD_TORQUE_LIMIT, 0.0);
  assert_refused (STEVE_FIELD_TORQUE_LIMIT, -1.0);
  assert_refused (STEVE_FIELD_TORQUE_LIMIT, 0.004);   /* sent as 0.00 */
  assert_accepted (STEVE_FIELD_TORQUE_LIMIT, 0.01);
  assert_accepted (STEVE_FIELD_TORQUE_LIMIT, 8.0);
  assert_accepted (STEVE_FIELD_TORQUE_LIMIT, 30.0);
  assert_refused (STEVE_FIELD_TORQUE_LIMIT, 30.000001);
  assert_refused (STEVE_FIELD_TORQUE_LIMIT, 30.01);
  assert_refused (STEVE_FIELD_TORQUE_LIMIT, 31.0);

  /* travel in (0, 3600] */
  assert_refused (STEVE_FIELD_TRAVEL, 0.0);
  assert_refused (STEVE_FIELD_TRAVEL, -90.0);
  assert_refused (STEVE_FIELD_TRAVEL, 0.04);          /* sent as 0.0 */
  assert_accepted (STEVE_FIELD_TRAVEL, 0.1);
  assert_accepted (STEVE_FIELD_TRAVEL, 90.0);
  assert_accepted (STEVE_FIELD_TRAVEL, 3600.0);
  assert_refused (STEVE_FIELD_TRAVEL, 3600.5);
  assert_refused (STEVE_FIELD_TRAVEL, 3601.0);

  /* positions may be negative (only closed < open is checked, elsewhere) */
  assert_accepted (STEVE_FIELD_CLOSED_POS, -10.0);
  assert_accepted (STEVE_FIELD_CLOSED_POS, 0.0);
  assert_accepted (STEVE_FIELD_OPEN_POS, 360.0);
  assert_accepted (STEVE_FIELD_OPEN_POS, 3600.0);

  assert_accepted (STEVE_FIELD_DEGREES_PER_TURN, 360.0);
  assert_refused (STEVE_FIELD_DEGREES_PER_TURN, 0.0);

  /* non-finite values are refused for every field */
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      assert_refused (i, NAN);
      assert_refused (i, INFINITY);
      assert_refused (i, -INFINITY);
    }
}

static void
test_field_check_value_message (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (steve_field_check_value (STEVE_FIELD_TORQUE_LIMIT, 31.0, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_assert_cmpstr (error->message, ==, "Torque limit = 31: must be at most 30.00.");
  g_clear_error (&error);

  g_assert_false (steve_field_check_value (STEVE_FIELD_COULOMB, -1.0, &error));
  g_assert_cmpstr (error->message, ==, "Coulomb friction = -1: must be at least 0.0000.");
  g_clear_error (&error);

  g_assert_false (steve_field_check_value (STEVE_FIELD_SMOOTHING, 0.0, &error));
  g_assert_cmpstr (error->message, ==, "Smoothing = 0: must be above 0.000000.");
  g_clear_error (&error);

  g_assert_false (steve_field_check_value (STEVE_FIELD_VISCOUS, NAN, &error));
  g_assert_cmpstr (error->message, ==, "Viscous damping must be a finite number.");
  g_clear_error (&error);

  /* NULL error is allowed */
  g_assert_false (steve_field_check_value (STEVE_FIELD_VISCOUS, -1.0, NULL));
}

static void
test_field_keys (void)
{
  const SteveFieldInfo *info;

  /* firmware dialect: open_pos / closed_pos */
  g_assert_cmpstr (steve_field_key (STEVE_FIELD_OPEN_POS, STEVE_DIALECT_FIRMWARE), ==, "open_pos");
  g_assert_cmpstr (steve_field_key (STEVE_FIELD_CLOSED_POS, STEVE_DIALECT_FIRMWARE), ==, "closed_pos");
  g_assert_null (steve_field_key (STEVE_FIELD_DEGREES_PER_TURN, STEVE_DIALECT_FIRMWARE));
  /* unknown dialect means the firmware's names */
  g_assert_cmpstr (steve_field_key (STEVE_FIELD_OPEN_POS, STEVE_DIALECT_UNKNOWN), ==, "open_pos");
  g_assert_null (steve_field_key (STEVE_FIELD_DEGREES_PER_TURN, STEVE_DIALECT_UNKNOWN));

  /* documented dialect */
  g_assert_cmpstr (steve_field_key (STEVE_FIELD_OPEN_POS, STEVE_DIALECT_DOCUMENTED), ==, "open_position");
  g_assert_cmpstr (steve_field_key (STEVE_FIELD_CLOSED_POS, STEVE_DIALECT_DOCUMENTED), ==, "closed_position");
  g_assert_cmpstr (steve_field_key (STEVE_FIELD_DEGREES_PER_TURN, STEVE_DIALECT_DOCUMENTED), ==, "degrees_per_turn");

  /* shared names */
  for (guint i = 0; i <= STEVE_FIELD_TORQUE_LIMIT; i++)
    g_assert_cmpstr (steve_field_key (i, STEVE_DIALECT_FIRMWARE), ==,
                     steve_field_key (i, STEVE_DIALECT_DOCUMENTED));
  g_assert_cmpstr (steve_field_key (STEVE_FIELD_TRAVEL, STEVE_DIALECT_FIRMWARE), ==, "travel");

  /* lookup per dialect */
  info = steve_field_lookup_key ("open_pos", STEVE_DIALECT_FIRMWARE);
  g_assert_nonnull (info);
  g_assert_cmpint (info->field, ==, STEVE_FIELD_OPEN_POS);
  g_assert_null (steve_field_lookup_key ("open_position", STEVE_DIALECT_FIRMWARE));
  g_assert_null (steve_field_lookup_key ("closed_position", STEVE_DIALECT_FIRMWARE));
  g_assert_null (steve_field_lookup_key ("degrees_per_turn", STEVE_DIALECT_FIRMWARE));

  info = steve_field_lookup_key ("open_position", STEVE_DIALECT_DOCUMENTED);
  g_assert_nonnull (info);
  g_assert_cmpint (info->field, ==, STEVE_FIELD_OPEN_POS);
  info = steve_field_lookup_key ("closed_position", STEVE_DIALECT_DOCUMENTED);
  g_assert_nonnull (info);
  g_assert_cmpint (info->field, ==, STEVE_FIELD_CLOSED_POS);
  info = steve_field_lookup_key ("degrees_per_turn", STEVE_DIALECT_DOCUMENTED);
  g_assert_nonnull (info);
  g_assert_cmpint (info->field, ==, STEVE_FIELD_DEGREES_PER_TURN);
  g_assert_null (steve_field_lookup_key ("open_pos", STEVE_DIALECT_DOCUMENTED));
  g_assert_null (steve_field_lookup_key ("closed_pos", STEVE_DIALECT_DOCUMENTED));

  /* unknown dialect looks in both */
  info = steve_field_lookup_key ("open_pos", STEVE_DIALECT_UNKNOWN);
  g_assert_nonnull (info);
  g_assert_cmpint (info->field, ==, STEVE_FIELD_OPEN_POS);
  info = steve_field_lookup_key ("open_position", STEVE_DIALECT_UNKNOWN);
  g_assert_nonnull (info);
  g_assert_cmpint (info->field, ==, STEVE_FIELD_OPEN_POS);
  info = steve_field_lookup_key ("degrees_per_turn", STEVE_DIALECT_UNKNOWN);
  g_assert_nonnull (info);
  g_assert_cmpint (info->field, ==, STEVE_FIELD_DEGREES_PER_TURN);

  /* every firmware key maps back onto its own row in both firmware and
   * unknown dialect */
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const char *key = steve_field_info (i)->key_firmware;

      if (key == NULL)
        continue;
      g_assert_cmpint (steve_field_lookup_key (key, STEVE_DIALECT_FIRMWARE)->field, ==, i);
      g_assert_cmpint (steve_field_lookup_key (key, STEVE_DIALECT_UNKNOWN)->field, ==, i);
    }

  /* keys are case-sensitive, no prefix matching */
  g_assert_null (steve_field_lookup_key ("Viscous", STEVE_DIALECT_UNKNOWN));
  g_assert_null (steve_field_lookup_key ("visc", STEVE_DIALECT_UNKNOWN));
  g_assert_null (steve_field_lookup_key ("viscous ", STEVE_DIALECT_UNKNOWN));
  g_assert_null (steve_field_lookup_key ("", STEVE_DIALECT_UNKNOWN));
}

static void
test_field_error_codes (void)
{
  /* every field the firmware reads has an invalid_<field> code the device
   * error table knows */
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const SteveFieldInfo *info = steve_field_info (i);
      const SteveDeviceErrorInfo *err;

      if (info->key_firmware == NULL)
        continue;

      g_assert_cmpstr (info->error_code, ==, expected_fields[i].error_code);
      err = steve_device_error_lookup (info->error_code);
      g_assert_nonnull (err);
      g_assert_cmpuint (err->http_status, ==, 400);
    }
}

static void
assert_format (SteveField  field,
               double      value,
               const char *expected)
{
  g_autofree char *text = steve_field_format_value (field, value);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_field_format (void)
{
  /* the texts of GET /config and GET /presets (captures 03 and 04) */
  assert_format (STEVE_FIELD_CLOSED_POS, 0.0, "0.00");
  assert_format (STEVE_FIELD_OPEN_POS, 90.0, "90.00");
  assert_format (STEVE_FIELD_VISCOUS, 0.02, "0.0200");
  assert_format (STEVE_FIELD_COULOMB, 0.06, "0.0600");
  assert_format (STEVE_FIELD_WALL_STIFFNESS, 10.0, "10.00");
  assert_format (STEVE_FIELD_WALL_DAMPING, 0.1, "0.1000");
  assert_format (STEVE_FIELD_SMOOTHING, 0.001, "0.001000");
  assert_format (STEVE_FIELD_TORQUE_LIMIT, 8.0, "8.00");
  assert_format (STEVE_FIELD_TRAVEL, 90.0, "90.0");
  assert_format (STEVE_FIELD_TRAVEL, 360.0, "360.0");
  assert_format (STEVE_FIELD_DEGREES_PER_TURN, 360.0, "360.00");

  /* rounding and sign */
  assert_format (STEVE_FIELD_CLOSED_POS, -10.0, "-10.00");
  assert_format (STEVE_FIELD_VISCOUS, 0.123456, "0.1235");
  assert_format (STEVE_FIELD_VISCOUS, 0.04, "0.0400");
  assert_format (STEVE_FIELD_SMOOTHING, 0.0000004, "0.000000");
  assert_format (STEVE_FIELD_SMOOTHING, 0.0000016, "0.000002");
  assert_format (STEVE_FIELD_TORQUE_LIMIT, 7.996, "8.00");
  assert_format (STEVE_FIELD_TORQUE_LIMIT, 30.0, "30.00");
  assert_format (STEVE_FIELD_WALL_STIFFNESS, 12.0, "12.00");
  assert_format (STEVE_FIELD_TRAVEL, 80.0, "80.0");
  assert_format (STEVE_FIELD_OPEN_POS, 3600.0, "3600.00");
}

static void
test_field_round (void)
{
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_VISCOUS, 0.123456), ==, 0.1235);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_VISCOUS, 0.02), ==, 0.02);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_SMOOTHING, 4e-7), ==, 0.0);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_SMOOTHING, 1.4e-6), ==, 0.000001);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_TORQUE_LIMIT, 7.996), ==, 8.0);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_TORQUE_LIMIT, 0.004), ==, 0.0);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_TRAVEL, 90.04), ==, 90.0);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_TRAVEL, 90.06), ==, 90.1);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_CLOSED_POS, -10.004), ==, -10.0);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_CLOSED_POS, -10.006), ==, -10.01);
  g_assert_cmpfloat (steve_field_round (STEVE_FIELD_WALL_STIFFNESS, 12.345678), ==, 12.35);
}

/* The text sent on the wire and the value steve_field_round() predicts are
 * the same number, for every field. */
static void
test_field_format_matches_round (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);

  for (guint n = 0; n < 20000; n++)
    {
      SteveField field = g_rand_int_range (rand, 0, STEVE_N_FIELDS);
      const SteveFieldInfo *info = steve_field_info (field);
      double scale = pow (10.0, info->decimals);
      double value = g_rand_double_range (rand, -1000.0, 1000.0);
      double frac = fabs (value * scale) - floor (fabs (value * scale));
      g_autofree char *text = NULL;
      char *end = NULL;
      double parsed;

      /* skip values too close to a tie, where binary and decimal rounding
       * may legitimately disagree */
      if (fabs (frac - 0.5) < 1e-6)
        continue;

      text = steve_field_format_value (field, value);
      parsed = g_ascii_strtod (text, &end);
      g_assert_cmpint (*end, ==, '\0');
      g_assert_cmpfloat (parsed, ==, steve_field_round (field, value));

      /* exactly info->decimals digits after the point, and a point only
       * if decimals > 0 */
      if (info->decimals > 0)
        {
          const char *dot = strchr (text, '.');
          g_assert_nonnull (dot);
          g_assert_cmpuint (strlen (dot + 1), ==, info->decimals);
        }
      else
        g_assert_null (strchr (text, '.'));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/field/table", test_field_table_complete);
  g_test_add_func ("/field/decimals", test_field_decimals);
  g_test_add_func ("/field/ranges", test_field_ranges);
  g_test_add_func ("/field/is-recommended", test_field_is_recommended);
  g_test_add_func ("/field/limits", test_field_limits);
  g_test_add_func ("/field/check-value", test_field_check_value);
  g_test_add_func ("/field/check-value-message", test_field_check_value_message);
  g_test_add_func ("/field/keys", test_field_keys);
  g_test_add_func ("/field/error-codes", test_field_error_codes);
  g_test_add_func ("/field/format", test_field_format);
  g_test_add_func ("/field/round", test_field_round);
  g_test_add_func ("/field/format-matches-round", test_field_format_matches_round);

  return g_test_run ();
}
