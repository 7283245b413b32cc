/* test-tuner.c — SteveTuner against the simulator over loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs a real simulated device on loopback ports and a real
 * SteveClient; the tuner is asserted through its public API, the
 * simulator's own config and its request log.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <libglib-testing/signal-logger.h>

#include "steve-client.h"
#include "steve-error.h"
#include "steve-field.h"
#include "steve-tuner.h"
#include "steve-test-utils.h"

#define WAIT_TIMEOUT_MS 20000

typedef struct
{
  SteveSim    *sim;
  SteveClient *client;
  SteveTuner  *tuner;
  GPtrArray   *errors;    /* GError*, from SteveTuner::error */
  GPtrArray   *applied;   /* SteveConfig*, before and after of SteveTuner::applied */
} Fixture;

/* ------------------------------------------------------------------ waiting */

/* One round of the main context. Returns FALSE (after failing the test)
 * once @deadline has passed. */
static gboolean
iterate_or_fail (gint64      deadline,
                 const char *what,
                 const char *file,
                 int         line)
{
  if (g_get_monotonic_time () > deadline)
    {
      g_autofree char *message = g_strdup_printf ("timed out after %d ms waiting for: %s",
                                                  WAIT_TIMEOUT_MS, what);

      g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, message);
      return FALSE;
    }

  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* give the simulator's thread a moment */
  g_usleep (1000);
  return TRUE;
}

/* Iterates the default main context until @cond holds; fails the test
 * after WAIT_TIMEOUT_MS. */
#define WAIT_UNTIL(cond) \
  G_STMT_START { \
    gint64 wu_deadline = g_get_monotonic_time () + (gint64) WAIT_TIMEOUT_MS * 1000; \
    while (!(cond)) \
      if (!iterate_or_fail (wu_deadline, #cond, __FILE__, __LINE__)) \
        break; \
  } G_STMT_END

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static SteveClient *
connect_client (SteveSim *sim)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SteveClient *client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), NULL);

  steve_client_connect_async (client, NULL, result_cb, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_true (steve_client_connect_finish (client, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_CONNECTED);
  return client;
}

/* ------------------------------------------------------------------ inspection */

static double
sim_value (SteveSim   *sim,
           SteveField  field)
{
  SteveConfig config;

  steve_sim_get_config (sim, &config);
  return config.values[field];
}

static guint
count_config_posts (SteveSim *sim)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (sim);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      if (g_str_equal (r->method, "POST") && g_str_equal (r->path, "/api/v1/config"))
        n++;
    }
  return n;
}

/* Returns: (transfer full) (nullable): the body of the last POST /config */
static char *
dup_last_config_body (SteveSim *sim)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (sim);

  for (guint i = log->len; i > 0; i--)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i - 1);

      if (g_str_equal (r->method, "POST") && g_str_equal (r->path, "/api/v1/config"))
        return g_strdup (r->body);
    }
  return NULL;
}

static gboolean
get_bool_property (gpointer    object,
                   const char *name)
{
  gboolean value = FALSE;

  g_object_get (object, name, &value, NULL);
  return value;
}

/* Nothing queued or in flight in the client and no edit waiting. */
static gboolean
settled (Fixture *f)
{
  return steve_client_get_queue_length (f->client) == 0 && !steve_tuner_get_dirty (f->tuner);
}

/* Iterates for @ms so that anything that would go out does. */
static void
settle_for (guint ms)
{
  steve_test_sleep_ms (ms);
}

/* Sets @field, which the tuner must accept. */
static void
set_now (Fixture    *f,
         SteveField  field,
         double      value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (steve_tuner_set_value (f->tuner, field, value, &error));
  g_assert_no_error (error);
}

/* Sets @field in live mode and waits until the device has confirmed it. */
static void
set_and_wait (Fixture    *f,
              SteveField  field,
              double      value)
{
  set_now (f, field, value);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, field), ==, value);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, field), ==, value);
}

/* ------------------------------------------------------------------ fixture */

static void
on_tuner_error (SteveTuner   *tuner,
                const GError *error,
                Fixture      *f)
{
  g_ptr_array_add (f->errors, g_error_copy (error));
}

static void
on_tuner_applied (SteveTuner        *tuner,
                  const SteveConfig *before,
                  const SteveConfig *after,
                  Fixture           *f)
{
  g_ptr_array_add (f->applied, steve_config_copy (before));
  g_ptr_array_add (f->applied, steve_config_copy (after));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  SteveDialect dialect = data ? (SteveDialect) GPOINTER_TO_INT (data) : STEVE_DIALECT_FIRMWARE;

  f->sim = steve_test_sim_new (dialect, STEVE_SIM_PROFILE_IDLE, NULL);
  steve_sim_set_log_requests (f->sim, TRUE);
  f->client = connect_client (f->sim);
  g_assert_cmpint (steve_client_get_dialect (f->client), ==, dialect);

  f->errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  f->applied = g_ptr_array_new_with_free_func ((GDestroyNotify) steve_config_free);

  f->tuner = steve_tuner_new (f->client);
  g_assert_true (steve_tuner_get_client (f->tuner) == f->client);
  g_signal_connect (f->tuner, "error", G_CALLBACK (on_tuner_error), f);
  g_signal_connect (f->tuner, "applied", G_CALLBACK (on_tuner_applied), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  /* a test that expects errors takes them out of the array */
  g_assert_cmpuint (f->errors->len, ==, 0);

  steve_client_disconnect (f->client);
  /* let the cancelled exchanges finish: then both must go away */
  steve_test_sleep_ms (50);
  g_assert_finalize_object (f->tuner);
  g_assert_finalize_object (f->client);

  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
  g_clear_pointer (&f->errors, g_ptr_array_unref);
  g_clear_pointer (&f->applied, g_ptr_array_unref);
}

/* ------------------------------------------------------------------ tests */

static const struct
{
  SteveField field;
  double     value;
} firmware_boot_values[] = {
  { STEVE_FIELD_VISCOUS, 0.02 },
  { STEVE_FIELD_COULOMB, 0.06 },
  { STEVE_FIELD_WALL_STIFFNESS, 10.0 },
  { STEVE_FIELD_WALL_DAMPING, 0.1 },
  { STEVE_FIELD_SMOOTHING, 0.001 },
  { STEVE_FIELD_TORQUE_LIMIT, 8.0 },
  { STEVE_FIELD_CLOSED_POS, 0.0 },
  { STEVE_FIELD_OPEN_POS, 90.0 },
};

static void
assert_firmware_boot_values (Fixture *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (firmware_boot_values); i++)
    {
      SteveField field = firmware_boot_values[i].field;
      double expected = firmware_boot_values[i].value;

      g_test_message ("field %s", steve_field_info (field)->key_firmware);
      g_assert_true (steve_tuner_has_device_value (f->tuner, field));
      g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, field), ==, expected);
      g_assert_cmpfloat (steve_tuner_get_value (f->tuner, field), ==, expected);
      g_assert_false (steve_tuner_is_dirty (f->tuner, field));
      g_assert_cmpfloat (sim_value (f->sim, field), ==, expected);
    }
}

static void
test_device_values (Fixture       *f,
                    gconstpointer  data)
{
  SteveConfig edited;

  assert_firmware_boot_values (f);

  /* the firmware reports neither travel nor degrees per turn */
  g_assert_false (steve_tuner_has_device_value (f->tuner, STEVE_FIELD_TRAVEL));
  g_assert_true (isnan (steve_tuner_get_value (f->tuner, STEVE_FIELD_TRAVEL)));
  g_assert_false (steve_tuner_has_device_value (f->tuner, STEVE_FIELD_DEGREES_PER_TURN));
  g_assert_true (isnan (steve_tuner_get_value (f->tuner, STEVE_FIELD_DEGREES_PER_TURN)));

  g_assert_false (steve_tuner_get_dirty (f->tuner));
  g_assert_false (get_bool_property (f->tuner, "dirty"));
  g_assert_false (steve_tuner_can_undo (f->tuner));
  g_assert_false (steve_tuner_can_redo (f->tuner));
  g_assert_cmpint (steve_tuner_get_mode (f->tuner), ==, STEVE_TUNER_MODE_LIVE);
  g_assert_cmpuint (steve_tuner_get_n_snapshots (f->tuner), ==, 0);

  steve_tuner_get_edited_config (f->tuner, &edited);
  g_assert_cmphex (edited.present, ==, STEVE_FIELDS_PHYSICS | STEVE_FIELDS_POSITIONS);

  /* a refresh reads the same values again and changes nothing */
  steve_sim_clear_request_log (f->sim);
  steve_tuner_refresh (f->tuner);
  WAIT_UNTIL (steve_client_get_queue_length (f->client) == 0);
  {
    g_autoptr(GPtrArray) log = steve_sim_dup_request_log (f->sim);
    SteveSimRequestRecord *r;

    g_assert_cmpuint (log->len, ==, 1);
    r = g_ptr_array_index (log, 0);
    g_assert_cmpstr (r->method, ==, "GET");
    g_assert_cmpstr (r->path, ==, "/api/v1/config");
  }
  assert_firmware_boot_values (f);
  g_assert_false (steve_tuner_get_dirty (f->tuner));
}

typedef struct
{
  Fixture  *f;
  GArray   *records;   /* DirtyRecord */
} DirtyWatch;

typedef struct
{
  gboolean dirty;
  double   sim_viscous;
  double   device_viscous;
} DirtyRecord;

static void
on_dirty_notify (GObject    *object,
                 GParamSpec *pspec,
                 DirtyWatch *watch)
{
  DirtyRecord record;

  record.dirty = steve_tuner_is_dirty (watch->f->tuner, STEVE_FIELD_VISCOUS);
  record.sim_viscous = sim_value (watch->f->sim, STEVE_FIELD_VISCOUS);
  record.device_viscous = steve_tuner_get_device_value (watch->f->tuner, STEVE_FIELD_VISCOUS);
  g_array_append_val (watch->records, record);
}

static void
test_live (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) records = g_array_new (FALSE, FALSE, sizeof (DirtyRecord));
  g_autofree char *body = NULL;
  DirtyWatch watch = { f, records };
  gulong id;
  double last = 0;

  g_assert_cmpint (steve_tuner_get_mode (f->tuner), ==, STEVE_TUNER_MODE_LIVE);
  id = g_signal_connect (f->tuner, "notify::dirty", G_CALLBACK (on_dirty_notify), &watch);

  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.05, &error));
  g_assert_no_error (error);

  /* edited at once, not confirmed yet */
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_true (steve_tuner_get_dirty (f->tuner));
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_COULOMB));

  WAIT_UNTIL (settled (f));
  g_signal_handler_disconnect (f->tuner, id);

  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_false (get_bool_property (f->tuner, "dirty"));
  g_assert_cmpuint (count_config_posts (f->sim), ==, 1);
  body = dup_last_config_body (f->sim);
  g_assert_cmpstr (body, ==, "{\"viscous\":0.0500}");
  g_clear_pointer (&body, g_free);

  /* dirty was announced, stayed dirty while the device had not answered,
   * and went clean only once the device held the value */
  g_assert_cmpuint (records->len, >=, 2);
  g_assert_true (g_array_index (records, DirtyRecord, 0).dirty);
  for (guint i = 0; i < records->len; i++)
    {
      DirtyRecord *r = &g_array_index (records, DirtyRecord, i);

      if (r->device_viscous != 0.05)
        g_assert_true (r->dirty);
      if (!r->dirty)
        {
          g_assert_cmpfloat (r->sim_viscous, ==, 0.05);
          g_assert_cmpfloat (r->device_viscous, ==, 0.05);
        }
    }
  g_assert_false (g_array_index (records, DirtyRecord, records->len - 1).dirty);

  /* the other fields did not move */
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_TORQUE_LIMIT), ==, 8.0);

  /* a slider drag: 200 values as fast as they come */
  steve_sim_clear_request_log (f->sim);
  for (guint i = 0; i < 200; i++)
    {
      last = 0.03 + i * 0.0001;
      g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, last, &error));
      g_assert_no_error (error);
    }
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, steve_field_round (STEVE_FIELD_VISCOUS, last));
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.0499);
  g_assert_true (steve_tuner_get_dirty (f->tuner));

  WAIT_UNTIL (settled (f));
  g_assert_cmpuint (count_config_posts (f->sim), >=, 1);
  g_assert_cmpuint (count_config_posts (f->sim), <=, 3);
  body = dup_last_config_body (f->sim);
  g_assert_cmpstr (body, ==, "{\"viscous\":0.0499}");
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.0499);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.0499);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.0499);
  g_assert_false (steve_tuner_get_dirty (f->tuner));

  /* nothing more goes out afterwards */
  settle_for (200);
  g_assert_cmpuint (count_config_posts (f->sim), <=, 3);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.0499);
}

static void
test_apply_mode (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GtSignalLogger) logger = gt_signal_logger_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  steve_tuner_set_mode (f->tuner, STEVE_TUNER_MODE_APPLY);
  g_assert_cmpint (steve_tuner_get_mode (f->tuner), ==, STEVE_TUNER_MODE_APPLY);
  steve_sim_clear_request_log (f->sim);

  gt_signal_logger_connect (logger, f->tuner, "notify::dirty");

  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.07, &error));
  g_assert_no_error (error);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "dirty");
  gt_signal_logger_assert_no_emissions (logger);
  g_assert_true (get_bool_property (f->tuner, "dirty"));

  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_COULOMB, 0.1, &error));
  g_assert_no_error (error);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "dirty");
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_OPEN_POS, 120.0, &error));
  g_assert_no_error (error);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "dirty");
  gt_signal_logger_assert_no_emissions (logger);

  g_assert_true (steve_tuner_get_dirty (f->tuner));
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_COULOMB));
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_OPEN_POS));
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_TORQUE_LIMIT));
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.07);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);

  /* nothing left the tuner */
  settle_for (300);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_OPEN_POS), ==, 90.0);
  g_assert_true (steve_tuner_get_dirty (f->tuner));
  g_assert_true (steve_tuner_get_unsent (f->tuner));
  gt_signal_logger_assert_no_emissions (logger);

  /* switched to live, the edits that waited are still Apply's to send
   * (told with dirty); back to apply mode for the rest of the test */
  steve_tuner_set_mode (f->tuner, STEVE_TUNER_MODE_LIVE);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "dirty");
  g_assert_true (steve_tuner_get_unsent (f->tuner));
  steve_tuner_set_mode (f->tuner, STEVE_TUNER_MODE_APPLY);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "dirty");
  gt_signal_logger_assert_no_emissions (logger);
  settle_for (100);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 0);

  /* one request carries every edit */
  steve_tuner_apply (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpuint (count_config_posts (f->sim), ==, 1);
  body = dup_last_config_body (f->sim);
  g_assert_cmpstr (body, ==, "{\"viscous\":0.0700,\"coulomb\":0.1000,\"open_pos\":120.00}");

  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.07);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.1);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_OPEN_POS), ==, 120.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_TORQUE_LIMIT), ==, 8.0);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_COULOMB), ==, 0.1);
  g_assert_false (steve_tuner_get_dirty (f->tuner));
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_COULOMB));
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_OPEN_POS));
  g_assert_false (get_bool_property (f->tuner, "dirty"));
  /* going clean was announced (possibly more than once) */
  g_assert_cmpuint (gt_signal_logger_get_n_emissions (logger), >=, 1);
  while (gt_signal_logger_get_n_emissions (logger) > 0)
    gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "dirty");

  /* applying with nothing edited sends nothing */
  steve_tuner_apply (f->tuner);
  settle_for (200);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 1);

  /* someone else changes the device: the tuner follows where nothing is
   * edited (an edit moved back to the device's value is no edit) and
   * keeps the user's edits elsewhere */
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.3, &error));
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.07, &error));
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_WALL_DAMPING, 0.45, &error));
  g_assert_no_error (error);
  {
    g_autoptr(SteveTestHttp) resp = steve_test_http (steve_sim_get_http_port (f->sim), "POST", "/api/v1/config",
                                                     "{\"viscous\":0.0900,\"wall_damping\":0.2000,\"coulomb\":0.1100}");
    g_assert_cmpuint (resp->status, ==, 200);
  }
  steve_tuner_refresh (f->tuner);
  WAIT_UNTIL (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_VISCOUS) == 0.09 &&
              steve_client_get_queue_length (f->client) == 0);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.09);
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_COULOMB), ==, 0.11);
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_COULOMB));
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_WALL_DAMPING), ==, 0.2);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_WALL_DAMPING), ==, 0.45);
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_WALL_DAMPING));
  g_assert_true (steve_tuner_get_dirty (f->tuner));
}

static void
test_revert (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GtSignalLogger) logger = gt_signal_logger_new ();
  g_autoptr(GError) error = NULL;
  SteveConfig values = { { 0 }, 0 };

  steve_tuner_set_mode (f->tuner, STEVE_TUNER_MODE_APPLY);
  steve_sim_clear_request_log (f->sim);

  steve_config_set (&values, STEVE_FIELD_VISCOUS, 0.3);
  steve_config_set (&values, STEVE_FIELD_WALL_STIFFNESS, 20.0);
  steve_config_set (&values, STEVE_FIELD_CLOSED_POS, 10.0);
  steve_config_set (&values, STEVE_FIELD_OPEN_POS, 180.0);
  g_assert_true (steve_tuner_set_values (f->tuner, &values, &error));
  g_assert_no_error (error);
  g_assert_true (steve_tuner_get_dirty (f->tuner));

  gt_signal_logger_connect (logger, f->tuner, "notify::dirty");

  /* one field */
  steve_tuner_revert (f->tuner, STEVE_FIELD_VISCOUS);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "dirty");
  gt_signal_logger_assert_no_emissions (logger);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_WALL_STIFFNESS), ==, 20.0);
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_WALL_STIFFNESS));
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_CLOSED_POS));
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_OPEN_POS));
  g_assert_true (steve_tuner_get_dirty (f->tuner));

  /* all of them */
  steve_tuner_revert_all (f->tuner);
  for (guint i = 0; i < G_N_ELEMENTS (firmware_boot_values); i++)
    {
      g_assert_cmpfloat (steve_tuner_get_value (f->tuner, firmware_boot_values[i].field), ==,
                         firmware_boot_values[i].value);
      g_assert_false (steve_tuner_is_dirty (f->tuner, firmware_boot_values[i].field));
    }
  g_assert_false (steve_tuner_get_dirty (f->tuner));
  g_assert_false (get_bool_property (f->tuner, "dirty"));
  g_assert_cmpuint (gt_signal_logger_get_n_emissions (logger), >=, 1);

  /* reverting never talks to the device */
  settle_for (200);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 0);
  assert_firmware_boot_values (f);

  /* revert follows the device's current value, not the boot value */
  steve_tuner_set_mode (f->tuner, STEVE_TUNER_MODE_LIVE);
  set_and_wait (f, STEVE_FIELD_COULOMB, 0.2);
  steve_tuner_set_mode (f->tuner, STEVE_TUNER_MODE_APPLY);
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_COULOMB, 0.35, &error));
  g_assert_no_error (error);
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_COULOMB));
  steve_tuner_revert (f->tuner, STEVE_FIELD_COULOMB);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_COULOMB), ==, 0.2);
  g_assert_false (steve_tuner_get_dirty (f->tuner));
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  static const struct
  {
    SteveField field;
    double     value;
  } refused[] = {
    { STEVE_FIELD_VISCOUS, -0.01 },
    { STEVE_FIELD_COULOMB, -1.0 },
    { STEVE_FIELD_WALL_STIFFNESS, -5.0 },
    { STEVE_FIELD_WALL_DAMPING, -0.1 },
    { STEVE_FIELD_TORQUE_LIMIT, 0.0 },
    { STEVE_FIELD_TORQUE_LIMIT, -2.0 },
    { STEVE_FIELD_TORQUE_LIMIT, 31.0 },
    { STEVE_FIELD_SMOOTHING, 0.0 },
    { STEVE_FIELD_SMOOTHING, 0.0000001 },   /* sent as 0.000000 */
    { STEVE_FIELD_VISCOUS, NAN },
    { STEVE_FIELD_COULOMB, INFINITY },
    { STEVE_FIELD_CLOSED_POS, 90.0 },       /* closed == open */
    { STEVE_FIELD_CLOSED_POS, 120.0 },      /* closed > open */
    { STEVE_FIELD_OPEN_POS, 0.0 },          /* open == closed */
    { STEVE_FIELD_OPEN_POS, -45.0 },
    { STEVE_FIELD_OPEN_POS, 3700.0 },       /* travel > 3600 */
    { STEVE_FIELD_TRAVEL, 45.0 },           /* derived, not editable */
  };
  g_autoptr(GtSignalLogger) logger = gt_signal_logger_new ();

  steve_sim_clear_request_log (f->sim);
  gt_signal_logger_connect (logger, f->tuner, "notify::dirty");
  gt_signal_logger_connect (logger, f->tuner, "value-changed");

  for (guint mode = STEVE_TUNER_MODE_LIVE; mode <= STEVE_TUNER_MODE_APPLY; mode++)
    {
      steve_tuner_set_mode (f->tuner, (SteveTunerMode) mode);

      for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
        {
          g_autoptr(GError) error = NULL;

          g_test_message ("mode %u, field %u = %g", mode, refused[i].field, refused[i].value);
          g_assert_false (steve_tuner_set_value (f->tuner, refused[i].field, refused[i].value, &error));
          g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
          g_assert_nonnull (error->message);
          g_assert_cmpstr (error->message, !=, "");
        }

      /* several at once: the whole update is refused, the valid part too */
      {
        g_autoptr(GError) error = NULL;
        SteveConfig values = { { 0 }, 0 };

        steve_config_set (&values, STEVE_FIELD_VISCOUS, 0.3);
        steve_config_set (&values, STEVE_FIELD_CLOSED_POS, 200.0);
        steve_config_set (&values, STEVE_FIELD_OPEN_POS, 100.0);
        g_assert_false (steve_tuner_set_values (f->tuner, &values, &error));
        g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
      }

      assert_firmware_boot_values (f);
      g_assert_false (steve_tuner_get_dirty (f->tuner));
      gt_signal_logger_assert_no_emissions (logger);
    }

  /* nothing went to the device */
  settle_for (300);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 0);
  assert_firmware_boot_values (f);

  /* the limits themselves are allowed (apply mode: kept local) */
  {
    g_autoptr(GError) error = NULL;

    g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_TORQUE_LIMIT, 30.0, &error));
    g_assert_no_error (error);
    g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.0, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_TORQUE_LIMIT), ==, 30.0);
    g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.0);
    steve_tuner_revert_all (f->tuner);
    g_assert_false (steve_tuner_get_dirty (f->tuner));
  }
}

static void
test_error_keeps_value (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const GError *reported;

  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_UNINITIALIZED);
  steve_sim_clear_request_log (f->sim);

  g_assert_cmpint (steve_tuner_get_mode (f->tuner), ==, STEVE_TUNER_MODE_LIVE);
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.09, &error));
  g_assert_no_error (error);
  /* on its way: live mode has nothing for Apply to send */
  g_assert_true (steve_tuner_get_dirty (f->tuner));
  g_assert_false (steve_tuner_get_unsent (f->tuner));

  WAIT_UNTIL (f->errors->len > 0 && steve_client_get_queue_length (f->client) == 0);
  g_assert_cmpuint (f->errors->len, ==, 1);
  reported = g_ptr_array_index (f->errors, 0);
  g_assert_error (reported, STEVE_ERROR, STEVE_ERROR_VALVE_UNINITIALIZED);
  g_ptr_array_set_size (f->errors, 0);

  /* the device really was asked and refused */
  g_assert_cmpuint (count_config_posts (f->sim), ==, 1);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.02);

  /* what the user typed is still there, marked as not applied */
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.09);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_true (steve_tuner_get_dirty (f->tuner));
  g_assert_false (steve_tuner_can_undo (f->tuner));
  g_assert_cmpint (steve_client_get_state (f->client), ==, STEVE_CLIENT_CONNECTED);
  /* refused: Apply can send it again, also in live mode */
  g_assert_true (steve_tuner_get_unsent (f->tuner));

  /* another field goes out and is refused too; sending it again leaves
   * the first one unsent */
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_COULOMB, 0.03, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (f->errors->len > 0 && steve_client_get_queue_length (f->client) == 0);
  g_ptr_array_set_size (f->errors, 0);
  g_assert_true (steve_tuner_get_unsent (f->tuner));
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_COULOMB, steve_tuner_get_device_value (f->tuner, STEVE_FIELD_COULOMB), &error));
  g_assert_no_error (error);
  WAIT_UNTIL (steve_client_get_queue_length (f->client) == 0);
  g_ptr_array_set_size (f->errors, 0);
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_COULOMB));
  g_assert_true (steve_tuner_get_unsent (f->tuner));
  steve_sim_clear_request_log (f->sim);

  /* the device recovers: applying sends the kept value */
  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_NONE);
  steve_tuner_apply (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpuint (f->errors->len, ==, 0);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 1);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.09);
  g_assert_false (steve_tuner_get_unsent (f->tuner));
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.09);
  g_assert_false (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));
  g_assert_true (steve_tuner_can_undo (f->tuner));
}

static void
assert_undo_redo (Fixture  *f,
                  gboolean  can_undo,
                  gboolean  can_redo)
{
  g_assert_cmpint (steve_tuner_can_undo (f->tuner), ==, can_undo);
  g_assert_cmpint (steve_tuner_can_redo (f->tuner), ==, can_redo);
  g_assert_cmpint (get_bool_property (f->tuner, "can-undo"), ==, can_undo);
  g_assert_cmpint (get_bool_property (f->tuner, "can-redo"), ==, can_redo);
}

static void
test_undo_redo (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GtSignalLogger) logger = gt_signal_logger_new ();

  gt_signal_logger_connect (logger, f->tuner, "notify::can-undo");
  gt_signal_logger_connect (logger, f->tuner, "notify::can-redo");
  assert_undo_redo (f, FALSE, FALSE);

  /* undo with nothing to undo does nothing */
  steve_sim_clear_request_log (f->sim);
  steve_tuner_undo (f->tuner);
  steve_tuner_redo (f->tuner);
  settle_for (100);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 0);
  gt_signal_logger_assert_no_emissions (logger);

  /* two changes to different fields: two steps */
  set_and_wait (f, STEVE_FIELD_VISCOUS, 0.05);
  assert_undo_redo (f, TRUE, FALSE);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-undo");
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-redo");
  gt_signal_logger_assert_no_emissions (logger);
  set_and_wait (f, STEVE_FIELD_COULOMB, 0.15);
  assert_undo_redo (f, TRUE, FALSE);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-undo");
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-redo");
  gt_signal_logger_assert_no_emissions (logger);

  /* undo: the second change's field goes back on the device */
  steve_tuner_undo (f->tuner);
  assert_undo_redo (f, TRUE, TRUE);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-undo");
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-redo");
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.05);
  assert_undo_redo (f, TRUE, TRUE);
  gt_signal_logger_assert_no_emissions (logger);

  /* undo again: the first */
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);
  assert_undo_redo (f, FALSE, TRUE);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-undo");
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-redo");
  gt_signal_logger_assert_no_emissions (logger);

  /* redo: the first again, then the second */
  steve_tuner_redo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.05);
  assert_undo_redo (f, TRUE, TRUE);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-undo");
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-redo");
  gt_signal_logger_assert_no_emissions (logger);

  steve_tuner_redo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.15);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.05);
  assert_undo_redo (f, TRUE, FALSE);
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-undo");
  gt_signal_logger_assert_notify_emission_pop (logger, f->tuner, "can-redo");
  gt_signal_logger_assert_no_emissions (logger);

  /* a drag of one slider, spread over a few hundred ms so that several
   * requests reach the device: one undo step */
  steve_sim_clear_request_log (f->sim);
  for (guint i = 1; i <= 20; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_WALL_STIFFNESS, 10.0 + i, &error));
      g_assert_no_error (error);
      settle_for (15);
    }
  WAIT_UNTIL (settled (f));
  g_assert_cmpuint (count_config_posts (f->sim), >=, 2);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_STIFFNESS), ==, 30.0);
  assert_undo_redo (f, TRUE, FALSE);

  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_STIFFNESS), ==, 10.0);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_WALL_STIFFNESS), ==, 10.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.15);
  assert_undo_redo (f, TRUE, TRUE);

  /* the step before the drag is the coulomb change */
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_STIFFNESS), ==, 10.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.05);
  assert_undo_redo (f, TRUE, TRUE);

  /* a new change drops what could be redone */
  set_and_wait (f, STEVE_FIELD_TORQUE_LIMIT, 7.0);
  assert_undo_redo (f, TRUE, FALSE);
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_TORQUE_LIMIT), ==, 8.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
}

typedef struct
{
  Fixture *f;
  GArray  *shown;   /* double: the tuner's viscous each time the device config changed */
} ShownWatch;

static void
on_device_config_shown (SteveClient *client,
                        GParamSpec  *pspec,
                        ShownWatch  *watch)
{
  double v = steve_tuner_get_value (watch->f->tuner, STEVE_FIELD_VISCOUS);

  g_array_append_val (watch->shown, v);
}

/* A slider moved away and back to where the device was: the value the
 * user set must stay on screen while the first value is confirmed. */
static void
test_live_return (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) shown = g_array_new (FALSE, FALSE, sizeof (double));
  ShownWatch watch = { f, shown };
  gulong id;

  /* connected after the tuner's own handler: sees the tuner's result */
  id = g_signal_connect (f->client, "notify::device-config", G_CALLBACK (on_device_config_shown), &watch);

  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.05, &error));
  g_assert_no_error (error);
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_VISCOUS, 0.02, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);

  WAIT_UNTIL (settled (f));
  g_signal_handler_disconnect (f->client, id);

  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_false (steve_tuner_get_dirty (f->tuner));
  g_assert_cmpuint (shown->len, >=, 1);
  for (guint i = 0; i < shown->len; i++)
    g_assert_cmpfloat (g_array_index (shown, double, i), ==, 0.02);
}

/* Undo pressed several times in a row, faster than the device answers. */
static void
test_undo_rapid (Fixture       *f,
                 gconstpointer  data)
{
  set_and_wait (f, STEVE_FIELD_VISCOUS, 0.05);
  set_and_wait (f, STEVE_FIELD_COULOMB, 0.15);
  set_and_wait (f, STEVE_FIELD_WALL_DAMPING, 0.3);
  assert_undo_redo (f, TRUE, FALSE);

  steve_tuner_undo (f->tuner);
  steve_tuner_undo (f->tuner);
  steve_tuner_undo (f->tuner);
  assert_undo_redo (f, FALSE, TRUE);
  WAIT_UNTIL (settled (f));
  assert_firmware_boot_values (f);
  assert_undo_redo (f, FALSE, TRUE);

  steve_tuner_redo (f->tuner);
  steve_tuner_redo (f->tuner);
  steve_tuner_redo (f->tuner);
  assert_undo_redo (f, TRUE, FALSE);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.15);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_DAMPING), ==, 0.3);
  assert_undo_redo (f, TRUE, FALSE);

  /* the history still records what the user does next */
  steve_tuner_undo (f->tuner);
  steve_tuner_undo (f->tuner);
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  assert_firmware_boot_values (f);
  set_and_wait (f, STEVE_FIELD_TORQUE_LIMIT, 7.0);
  assert_undo_redo (f, TRUE, FALSE);
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_TORQUE_LIMIT), ==, 8.0);
  assert_undo_redo (f, FALSE, TRUE);
}

/* The user's changes that reach the device while an undo waits are
 * changes of their own, also when the client merges one into the undo's
 * request: each can be undone. */
static void
test_undo_while_editing (Fixture       *f,
                         gconstpointer  data)
{
  set_and_wait (f, STEVE_FIELD_VISCOUS, 0.05);
  steve_sim_clear_request_log (f->sim);

  /* on its way: coulomb; queued behind it: the undo (viscous back to
   * 0.02), and merged into that, wall damping */
  set_now (f, STEVE_FIELD_COULOMB, 0.15);
  steve_tuner_undo (f->tuner);
  set_now (f, STEVE_FIELD_WALL_DAMPING, 0.3);
  g_assert_cmpuint (steve_client_get_queue_length (f->client), ==, 2);
  WAIT_UNTIL (settled (f));
  g_assert_cmpuint (count_config_posts (f->sim), ==, 2);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.15);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_DAMPING), ==, 0.3);

  /* the new changes dropped the undone one from redo; each is a step */
  assert_undo_redo (f, TRUE, FALSE);
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_DAMPING), !=, 0.3);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.15);
  assert_undo_redo (f, TRUE, TRUE);
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  assert_firmware_boot_values (f);
  assert_undo_redo (f, FALSE, TRUE);
}

/* An undo the device refuses keeps the history working. */
static void
test_undo_refused (Fixture       *f,
                   gconstpointer  data)
{
  const GError *reported;

  set_and_wait (f, STEVE_FIELD_VISCOUS, 0.05);

  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_UNINITIALIZED);
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (f->errors->len > 0 && steve_client_get_queue_length (f->client) == 0);
  g_assert_cmpuint (f->errors->len, ==, 1);
  reported = g_ptr_array_index (f->errors, 0);
  g_assert_error (reported, STEVE_ERROR, STEVE_ERROR_VALVE_UNINITIALIZED);
  g_ptr_array_set_size (f->errors, 0);

  /* the undone value is kept as an edit that did not reach the device */
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_true (steve_tuner_is_dirty (f->tuner, STEVE_FIELD_VISCOUS));

  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_NONE);
  steve_tuner_revert_all (f->tuner);
  g_assert_false (steve_tuner_get_dirty (f->tuner));

  /* the next change is recorded and can be undone */
  set_and_wait (f, STEVE_FIELD_COULOMB, 0.2);
  g_assert_true (steve_tuner_can_undo (f->tuner));
  steve_tuner_undo (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpuint (f->errors->len, ==, 0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_COULOMB), ==, 0.06);
}

static void
test_preset (Fixture       *f,
             gconstpointer  data)
{
  static const struct
  {
    SteveField field;
    double     value;
  } heavy[] = {
    { STEVE_FIELD_VISCOUS, 0.08 },
    { STEVE_FIELD_COULOMB, 0.25 },
    { STEVE_FIELD_WALL_STIFFNESS, 25.0 },
    { STEVE_FIELD_WALL_DAMPING, 0.4 },
    { STEVE_FIELD_SMOOTHING, 0.001 },
    { STEVE_FIELD_TORQUE_LIMIT, 6.0 },
    { STEVE_FIELD_CLOSED_POS, 0.0 },
    { STEVE_FIELD_OPEN_POS, 90.0 },   /* the slot says 360; REST forces 90 */
  };
  const SteveConfig *before, *after;

  /* move away from the boot values first, so that the preset shows */
  set_and_wait (f, STEVE_FIELD_OPEN_POS, 120.0);
  set_and_wait (f, STEVE_FIELD_VISCOUS, 0.3);
  g_ptr_array_set_size (f->applied, 0);
  steve_sim_clear_request_log (f->sim);

  steve_tuner_apply_preset (f->tuner, 2);
  WAIT_UNTIL (f->applied->len >= 2 && settled (f));
  g_assert_cmpuint (f->applied->len, ==, 2);

  for (guint i = 0; i < G_N_ELEMENTS (heavy); i++)
    {
      g_test_message ("field %s", steve_field_info (heavy[i].field)->key_firmware);
      g_assert_cmpfloat (sim_value (f->sim, heavy[i].field), ==, heavy[i].value);
      g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, heavy[i].field), ==, heavy[i].value);
      g_assert_cmpfloat (steve_tuner_get_value (f->tuner, heavy[i].field), ==, heavy[i].value);
      g_assert_false (steve_tuner_is_dirty (f->tuner, heavy[i].field));
    }
  g_assert_false (steve_tuner_get_dirty (f->tuner));

  /* the applied signal carries the configs either side of the preset */
  before = g_ptr_array_index (f->applied, 0);
  after = g_ptr_array_index (f->applied, 1);
  g_assert_cmpfloat (steve_config_get (before, STEVE_FIELD_VISCOUS), ==, 0.3);
  g_assert_cmpfloat (steve_config_get (before, STEVE_FIELD_OPEN_POS), ==, 120.0);
  g_assert_cmpfloat (steve_config_get (before, STEVE_FIELD_TORQUE_LIMIT), ==, 8.0);
  for (guint i = 0; i < G_N_ELEMENTS (heavy); i++)
    g_assert_cmpfloat (steve_config_get (after, heavy[i].field), ==, heavy[i].value);

  /* one control request with the preset index, no config post */
  {
    g_autoptr(GPtrArray) log = steve_sim_dup_request_log (f->sim);
    guint controls = 0;

    for (guint i = 0; i < log->len; i++)
      {
        SteveSimRequestRecord *r = g_ptr_array_index (log, i);

        if (g_str_equal (r->path, "/api/v1/control"))
          {
            controls++;
            g_assert_cmpstr (r->method, ==, "POST");
            g_assert_cmpstr (r->body, ==, "{\"preset\":2}");
          }
      }
    g_assert_cmpuint (controls, ==, 1);
    g_assert_cmpuint (count_config_posts (f->sim), ==, 0);
  }

  /* the preset is one undo step */
  g_assert_true (steve_tuner_can_undo (f->tuner));
}

static void
test_snapshots (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SteveConfig values = { { 0 }, 0 };
  guint original, wide;

  original = steve_tuner_save_snapshot (f->tuner, "original");
  g_assert_cmpuint (original, ==, 0);
  g_assert_cmpuint (steve_tuner_get_n_snapshots (f->tuner), ==, 1);
  g_assert_cmpstr (steve_tuner_get_snapshot_name (f->tuner, original), ==, "original");

  /* change several fields on the device */
  steve_config_set (&values, STEVE_FIELD_VISCOUS, 0.3);
  steve_config_set (&values, STEVE_FIELD_WALL_DAMPING, 0.5);
  steve_config_set (&values, STEVE_FIELD_TORQUE_LIMIT, 4.5);
  steve_config_set (&values, STEVE_FIELD_CLOSED_POS, 20.0);
  steve_config_set (&values, STEVE_FIELD_OPEN_POS, 200.0);
  g_assert_true (steve_tuner_set_values (f->tuner, &values, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (settled (f));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.3);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_DAMPING), ==, 0.5);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_TORQUE_LIMIT), ==, 4.5);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_CLOSED_POS), ==, 20.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_OPEN_POS), ==, 200.0);

  wide = steve_tuner_save_snapshot (f->tuner, "wide");
  g_assert_cmpuint (wide, ==, 1);
  g_assert_cmpuint (steve_tuner_get_n_snapshots (f->tuner), ==, 2);
  g_assert_cmpstr (steve_tuner_get_snapshot_name (f->tuner, wide), ==, "wide");

  /* live: restoring puts the device back */
  g_assert_true (steve_tuner_restore_snapshot (f->tuner, original, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (settled (f));
  assert_firmware_boot_values (f);

  /* apply mode: restoring edits locally, apply sends it */
  steve_tuner_set_mode (f->tuner, STEVE_TUNER_MODE_APPLY);
  steve_sim_clear_request_log (f->sim);
  g_assert_true (steve_tuner_restore_snapshot (f->tuner, wide, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_VISCOUS), ==, 0.3);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_OPEN_POS), ==, 200.0);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_CLOSED_POS), ==, 20.0);
  g_assert_true (steve_tuner_get_dirty (f->tuner));
  settle_for (200);
  g_assert_cmpuint (count_config_posts (f->sim), ==, 0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.02);

  steve_tuner_apply (f->tuner);
  WAIT_UNTIL (settled (f));
  g_assert_cmpuint (count_config_posts (f->sim), ==, 1);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.3);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_WALL_DAMPING), ==, 0.5);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_TORQUE_LIMIT), ==, 4.5);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_CLOSED_POS), ==, 20.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_OPEN_POS), ==, 200.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_COULOMB), ==, 0.06);
}

static void
test_documented (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  SteveConfig values = { { 0 }, 0 };

  g_assert_cmpint (steve_client_get_dialect (f->client), ==, STEVE_DIALECT_DOCUMENTED);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_CLOSED_POS), ==, 0.0);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_OPEN_POS), ==, 90.0);
  g_assert_true (steve_tuner_has_device_value (f->tuner, STEVE_FIELD_DEGREES_PER_TURN));
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_DEGREES_PER_TURN), ==, 360.0);
  g_assert_false (steve_tuner_get_dirty (f->tuner));
  steve_sim_clear_request_log (f->sim);

  /* the open position, alone */
  set_and_wait (f, STEVE_FIELD_OPEN_POS, 135.0);
  body = dup_last_config_body (f->sim);
  g_assert_nonnull (strstr (body, "\"open_position\":135.00"));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_CLOSED_POS), ==, 0.0);
  g_clear_pointer (&body, g_free);

  /* both end stops and a physics field in one edit */
  steve_config_set (&values, STEVE_FIELD_CLOSED_POS, 30.0);
  steve_config_set (&values, STEVE_FIELD_OPEN_POS, 250.0);
  steve_config_set (&values, STEVE_FIELD_VISCOUS, 0.1);
  g_assert_true (steve_tuner_set_values (f->tuner, &values, &error));
  g_assert_no_error (error);
  WAIT_UNTIL (settled (f));
  body = dup_last_config_body (f->sim);
  g_assert_nonnull (strstr (body, "\"closed_position\":30.00"));
  g_assert_nonnull (strstr (body, "\"open_position\":250.00"));
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_CLOSED_POS), ==, 30.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_OPEN_POS), ==, 250.0);
  g_assert_cmpfloat (sim_value (f->sim, STEVE_FIELD_VISCOUS), ==, 0.1);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_OPEN_POS), ==, 250.0);
  g_assert_false (steve_tuner_get_dirty (f->tuner));

  /* what the device now reports agrees with what the tuner believes */
  steve_tuner_refresh (f->tuner);
  WAIT_UNTIL (steve_client_get_queue_length (f->client) == 0);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_OPEN_POS), ==, 250.0);
  g_assert_cmpfloat (steve_tuner_get_device_value (f->tuner, STEVE_FIELD_CLOSED_POS), ==, 30.0);
  g_assert_false (steve_tuner_get_dirty (f->tuner));
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

#define ADD(path, func, dialect) \
  steve_test_add (path, Fixture, GINT_TO_POINTER (dialect), fixture_setup, func, fixture_teardown)

  ADD ("/tuner/device-values", test_device_values, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/live", test_live, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/apply-mode", test_apply_mode, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/revert", test_revert, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/validation", test_validation, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/error-keeps-value", test_error_keeps_value, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/live-return", test_live_return, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/undo-redo", test_undo_redo, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/undo-rapid", test_undo_rapid, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/undo-while-editing", test_undo_while_editing, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/undo-refused", test_undo_refused, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/preset", test_preset, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/snapshots", test_snapshots, STEVE_DIALECT_FIRMWARE);
  ADD ("/tuner/documented", test_documented, STEVE_DIALECT_DOCUMENTED);

#undef ADD

  return g_test_run ();
}
