/* test-client.c — SteveClient against the simulator over loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libglib-testing/signal-logger.h>

#include "steve-client.h"
#include "steve-error.h"
#include "steve-test-utils.h"

typedef struct
{
  SteveSim    *sim;
  SteveClient *client;
} Fixture;

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (*slot == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  return *slot;
}

static SteveClient *
connect_client (SteveSim   *sim,
                const char *key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SteveClient *client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), key);

  steve_client_connect_async (client, NULL, result_cb, &result);
  g_assert_true (steve_client_connect_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);
  return client;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->sim = steve_test_sim_new (data ? GPOINTER_TO_INT (data) : STEVE_DIALECT_FIRMWARE,
                               STEVE_SIM_PROFILE_SINE, NULL);
  steve_test_sleep_ms (60);
  f->client = connect_client (f->sim, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  steve_client_disconnect (f->client);
  /* let the cancelled exchanges finish, then the client must go away */
  steve_test_sleep_ms (50);
  g_assert_finalize_object (f->client);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
}

static guint
count_requests (SteveSim   *sim,
                const char *method,
                const char *path)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (sim);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      if (g_str_equal (r->method, method) && g_str_equal (r->path, path))
        n++;
    }
  return n;
}

static void
test_connect (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  g_autoptr(SteveClient) client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), NULL);
  g_autoptr(GtSignalLogger) logger = gt_signal_logger_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const SteveConfig *config;

  gt_signal_logger_connect (logger, client, "notify::state");
  gt_signal_logger_connect (logger, client, "notify::dialect");

  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_DISCONNECTED);
  steve_client_connect_async (client, NULL, result_cb, &result);
  g_assert_true (steve_client_connect_finish (client, wait_result (&result), &error));
  g_assert_no_error (error);

  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_CONNECTED);
  g_assert_cmpint (steve_client_get_dialect (client), ==, STEVE_DIALECT_FIRMWARE);
  gt_signal_logger_assert_notify_emission_pop (logger, client, "state");   /* connecting */
  gt_signal_logger_assert_notify_emission_pop (logger, client, "dialect");
  gt_signal_logger_assert_notify_emission_pop (logger, client, "state");   /* connected */
  gt_signal_logger_assert_no_emissions (logger);

  /* the device's config is known once connected */
  config = steve_client_get_device_config (client);
  g_assert_cmphex (config->present & (STEVE_FIELDS_PHYSICS | STEVE_FIELDS_POSITIONS), ==,
                   STEVE_FIELDS_PHYSICS | STEVE_FIELDS_POSITIONS);
  g_assert_cmpfloat (config->values[STEVE_FIELD_VISCOUS], ==, 0.02);
  g_assert_cmpfloat (config->values[STEVE_FIELD_OPEN_POS], ==, 90.0);

  steve_client_disconnect (client);
  steve_test_sleep_ms (20);
  steve_sim_stop (sim);
}

static void
test_auth_failed (void)
{
  g_autoptr(SteveSim) sim = g_object_new (STEVE_TYPE_SIM, "api-key", "lab-secret", NULL);
  g_autoptr(SteveClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) again = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (steve_sim_start (sim, NULL));
  client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), "wrong-key");

  steve_client_connect_async (client, NULL, result_cb, &result);
  g_assert_false (steve_client_connect_finish (client, wait_result (&result), &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "API key"));
  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_AUTH_FAILED);
  g_clear_error (&error);

  /* requests fail at once with the same reason */
  steve_client_get_config_async (client, NULL, result_cb, &again);
  g_assert_null (steve_client_get_config_finish (client, wait_result (&again), &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_AUTH);

  steve_client_disconnect (client);
  steve_test_sleep_ms (20);
  steve_sim_stop (sim);
}

static void
test_refused (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  guint port = steve_sim_get_http_port (sim);
  g_autoptr(SteveClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  steve_sim_stop (sim);
  client = steve_client_new ("127.0.0.1", port, NULL);
  steve_client_connect_async (client, NULL, result_cb, &result);
  g_assert_false (steve_client_connect_finish (client, wait_result (&result), &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_CONNECTION);
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_DISCONNECTED);
}

static void
test_coalescing (Fixture       *f,
                 gconstpointer  data)
{
  GAsyncResult *results[1000] = { NULL };
  SteveConfig sim_config;
  guint ok = 0;

  steve_sim_set_log_requests (f->sim, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      SteveConfig update = { { 0 }, 0 };

      steve_config_set (&update, STEVE_FIELD_VISCOUS, 0.01 + i * 0.0001);
      if (i % 2)
        steve_config_set (&update, STEVE_FIELD_COULOMB, 0.05 + i * 0.0001);
      steve_client_set_config_async (f->client, &update, NULL, result_cb, &results[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SteveConfig) after = steve_client_set_config_finish (f->client, wait_result (&results[i]), &error);

      g_assert_no_error (error);
      g_assert_nonnull (after);
      ok++;
      g_clear_object (&results[i]);
    }

  g_assert_cmpuint (ok, ==, 1000);
  /* one request went out at once, the other 999 merged into one */
  g_assert_cmpuint (count_requests (f->sim, "POST", "/api/v1/config"), <=, 3);
  steve_sim_get_config (f->sim, &sim_config);
  g_assert_cmpfloat_with_epsilon (sim_config.values[STEVE_FIELD_VISCOUS], 0.01 + 999 * 0.0001, 1e-9);
  g_assert_cmpfloat_with_epsilon (sim_config.values[STEVE_FIELD_COULOMB], 0.05 + 999 * 0.0001, 1e-9);
  g_assert_cmpfloat_with_epsilon (steve_client_get_device_config (f->client)->values[STEVE_FIELD_VISCOUS],
                                  0.01 + 999 * 0.0001, 1e-9);
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

  g_test_add_func ("/client/connect", test_connect);
  g_test_add_func ("/client/auth-failed", test_auth_failed);
  g_test_add_func ("/client/refused", test_refused);
  g_test_add ("/client/coalescing", Fixture, NULL, fixture_setup, test_coalescing, fixture_teardown);

  return g_test_run ();
}
