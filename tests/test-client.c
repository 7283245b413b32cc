/* test-client.c — SteveClient against the simulator over loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
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

static SteveClient *
connect_client (SteveSim   *sim,
                const char *key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SteveClient *client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), key);

  steve_client_connect_async (client, NULL, steve_test_result_cb, &result);
  g_assert_true (steve_client_connect_finish (client, steve_test_wait_result (&result, 20), &error));
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
  steve_client_connect_async (client, NULL, steve_test_result_cb, &result);
  g_assert_true (steve_client_connect_finish (client, steve_test_wait_result (&result, 20), &error));
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

  steve_client_connect_async (client, NULL, steve_test_result_cb, &result);
  g_assert_false (steve_client_connect_finish (client, steve_test_wait_result (&result, 20), &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "API key"));
  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_AUTH_FAILED);
  g_clear_error (&error);

  /* requests fail at once with the same reason */
  steve_client_get_config_async (client, NULL, steve_test_result_cb, &again);
  g_assert_null (steve_client_get_config_finish (client, steve_test_wait_result (&again, 20), &error));
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
  steve_client_connect_async (client, NULL, steve_test_result_cb, &result);
  g_assert_false (steve_client_connect_finish (client, steve_test_wait_result (&result, 20), &error));
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
      steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &results[i]);
    }

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SteveConfig) after = steve_client_set_config_finish (f->client, steve_test_wait_result (&results[i], 20), &error);

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


static gboolean
state_is (gpointer data)
{
  gpointer *d = data;
  return (int) steve_client_get_state (d[0]) == GPOINTER_TO_INT (d[1]);
}

static void
wait_state (SteveClient      *client,
            SteveClientState  state,
            guint             timeout_ms)
{
  gpointer d[2] = { client, GINT_TO_POINTER (state) };

  if (!steve_test_wait_for (state_is, d, timeout_ms))
    g_error ("client state %s, expected %s", steve_client_state_to_string (steve_client_get_state (client)),
             steve_client_state_to_string (state));
}

static void
test_timeout (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(SteveClient) slow = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) control = NULL;
  g_autoptr(GAsyncResult) later = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveStatus) status = NULL;

  slow = g_object_new (STEVE_TYPE_CLIENT, "host", "127.0.0.1", "port", steve_sim_get_http_port (f->sim),
                       "timeout", 1, NULL);
  {
    g_autoptr(GAsyncResult) r = NULL;
    steve_client_connect_async (slow, NULL, steve_test_result_cb, &r);
    g_assert_true (steve_client_connect_finish (slow, steve_test_wait_result (&r, 20), NULL));
  }

  /* the device stops answering in time: a control request fails with the
   * timeout and is not repeated; the client starts reconnecting */
  steve_sim_set_log_requests (f->sim, TRUE);
  steve_sim_set_http_latency (f->sim, 2500);
  steve_client_control_async (slow, STEVE_CONTROL_STOP, -1, NULL, steve_test_result_cb, &control);
  g_assert_false (steve_client_control_finish (slow, steve_test_wait_result (&control, 20), NULL, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "1 s"));
  g_clear_error (&error);
  g_assert_cmpint (steve_client_get_state (slow), ==, STEVE_CLIENT_RECONNECTING);
  g_assert_cmpuint (count_requests (f->sim, "POST", "/api/v1/control"), ==, 1);

  /* a GET waits for the device to come back, then goes out */
  steve_client_get_status_async (slow, NULL, steve_test_result_cb, &result);
  steve_sim_set_http_latency (f->sim, 0);
  status = steve_client_get_status_finish (slow, steve_test_wait_result (&result, 20), &error);
  g_assert_no_error (error);
  g_assert_nonnull (status);
  g_assert_cmpint (steve_client_get_state (slow), ==, STEVE_CLIENT_CONNECTED);
  g_assert_cmpuint (count_requests (f->sim, "POST", "/api/v1/control"), ==, 1);

  steve_client_disconnect (slow);
  steve_test_sleep_ms (50);
}

static void
test_5xx (Fixture       *f,
          gconstpointer  data)
{
  g_autoptr(GAsyncResult) get = NULL;
  g_autoptr(GAsyncResult) control = NULL;
  g_autoptr(GAsyncResult) flaky = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) config = NULL;

  steve_sim_set_log_requests (f->sim, TRUE);
  steve_sim_set_http_error_rate (f->sim, 1.0);

  /* idempotent: three attempts, then the device's error */
  steve_client_get_config_async (f->client, NULL, steve_test_result_cb, &get);
  g_assert_null (steve_client_get_config_finish (f->client, steve_test_wait_result (&get, 20), &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_UNKNOWN_DEVICE_ERROR);
  g_assert_nonnull (strstr (error->message, "internal_error"));
  g_clear_error (&error);
  g_assert_cmpuint (count_requests (f->sim, "GET", "/api/v1/config"), ==, 3);

  /* never repeated: control */
  steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &control);
  g_assert_false (steve_client_control_finish (f->client, steve_test_wait_result (&control, 20), NULL, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_UNKNOWN_DEVICE_ERROR);
  g_clear_error (&error);
  g_assert_cmpuint (count_requests (f->sim, "POST", "/api/v1/control"), ==, 1);

  /* a 5xx is an answer: the device is still there */
  g_assert_cmpint (steve_client_get_state (f->client), ==, STEVE_CLIENT_CONNECTED);

  /* with 40 % failures a GET gets through by retrying */
  steve_sim_set_http_error_rate (f->sim, 0.4);
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(SteveStatus) s = NULL;
      g_autoptr(GError) e = NULL;

      steve_client_get_status_async (f->client, NULL, steve_test_result_cb, &r);
      s = steve_client_get_status_finish (f->client, steve_test_wait_result (&r, 20), &e);
      if (s == NULL)
        g_assert_error (e, STEVE_ERROR, STEVE_ERROR_UNKNOWN_DEVICE_ERROR);
    }
  steve_sim_set_http_error_rate (f->sim, 0.0);
  steve_client_get_config_async (f->client, NULL, steve_test_result_cb, &flaky);
  config = steve_client_get_config_finish (f->client, steve_test_wait_result (&flaky, 20), &error);
  g_assert_no_error (error);
}

static void
estop_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (steve_client_estop_finish (STEVE_CLIENT (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

typedef struct
{
  guint ok;
  guint cancelled;
  guint other;
} Tally;

static void
tally_config_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Tally *t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) c = steve_client_set_config_finish (STEVE_CLIENT (source), result, &error);

  if (c)
    t->ok++;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    t->cancelled++;
  else
    t->other++;
}

static void
tally_status_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Tally *t = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveStatus) s = steve_client_get_status_finish (STEVE_CLIENT (source), result, &error);

  if (s)
    t->ok++;
  else
    t->other++;
}

static gboolean
valve_in_error (gpointer data)
{
  return steve_sim_get_valve_state (data) == STEVE_VALVE_STATE_ERROR;
}

/* Where the e-stop is in the simulator's request log (G_MAXUINT: not there). */
static guint
find_estop (GPtrArray *log)
{
  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      if (g_str_equal (r->path, "/api/v1/odrive") && strstr (r->body, "estop"))
        return i;
    }
  return G_MAXUINT;
}

/* The e-stop overtakes a thousand queued requests: the device sees it
 * before all of them but the one already in flight. */
static void
test_estop_overtakes (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GAsyncResult) start = NULL;
  Tally configs = { 0 }, statuses = { 0 };
  gboolean done = FALSE;
  guint estop_at;

  steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &start);
  g_assert_true (steve_client_control_finish (f->client, steve_test_wait_result (&start, 20), NULL, NULL));

  steve_sim_set_log_requests (f->sim, TRUE);

  for (guint i = 0; i < 1000; i++)
    {
      SteveConfig update = { { 0 }, 0 };

      /* alternate so that nothing merges: 1000 queued requests */
      if (i % 2 == 0)
        steve_client_get_status_async (f->client, NULL, tally_status_cb, &statuses);
      else
        {
          steve_config_set (&update, STEVE_FIELD_VISCOUS, 0.02 + i * 0.0001);
          steve_client_set_config_async (f->client, &update, NULL, tally_config_cb, &configs);
        }
    }
  g_assert_cmpuint (steve_client_get_queue_length (f->client), >=, 999);

  steve_client_estop_async (f->client, NULL, estop_cb, &done);
  while (!done || statuses.ok + statuses.other < 500)
    g_main_context_iteration (NULL, TRUE);

  log = steve_sim_dup_request_log (f->sim);
  estop_at = find_estop (log);

  g_assert_cmpuint (estop_at, !=, G_MAXUINT);
  /* only the request already in flight may arrive first */
  g_assert_cmpuint (estop_at, <=, 1);
  /* every queued config update was dropped by the e-stop */
  g_assert_cmpuint (configs.cancelled + configs.ok, ==, 500);
  g_assert_cmpuint (configs.ok, <=, 1);
  g_assert_cmpuint (configs.other, ==, 0);
  g_assert_cmpuint (statuses.ok, ==, 500);

  /* the valve reaches its error state at the next heartbeat check */
  g_assert_true (steve_test_wait_for (valve_in_error, f->sim, 1000));
  g_assert_cmphex (steve_sim_get_axis_error (f->sim), ==, 0x4000);
}

/* Tasks that hold threads of GLib's shared task pool until released. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean released;
  guint    started;
  guint    finished;
} PoolHog;

static void
hog_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  PoolHog *hog = task_data;

  g_mutex_lock (&hog->lock);
  hog->started++;
  while (!hog->released)
    g_cond_wait (&hog->cond, &hog->lock);
  g_mutex_unlock (&hog->lock);
  g_task_return_boolean (task, TRUE);
}

static void
hog_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  PoolHog *hog = user_data;

  g_assert_true (g_task_propagate_boolean (G_TASK (result), NULL));
  hog->finished++;
}

static gboolean
hog_started (gpointer data)
{
  PoolHog *hog = data;
  guint started;

  g_mutex_lock (&hog->lock);
  started = hog->started;
  g_mutex_unlock (&hog->lock);
  return started > 0;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
hog_finished (gpointer data)
{
  return ((PoolHog *) data)->finished == 64;
}

/* Other work can hold every thread of GLib's shared task pool for a
 * while (icon loading, file I/O, a library's own tasks): the e-stop must
 * not wait for one of them. */
static void
test_estop_pool_busy (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GAsyncResult) start = NULL;
  PoolHog hog = { 0 };
  gboolean done = FALSE;

  g_mutex_init (&hog.lock);
  g_cond_init (&hog.cond);

  steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &start);
  g_assert_true (steve_client_control_finish (f->client, steve_test_wait_result (&start, 20), NULL, NULL));

  for (guint i = 0; i < 64; i++)
    {
      g_autoptr(GTask) task = g_task_new (NULL, NULL, hog_done, &hog);

      g_task_set_task_data (task, &hog, NULL);
      g_task_run_in_thread (task, hog_thread);
    }
  g_assert_true (steve_test_wait_for (hog_started, &hog, 2000));

  steve_client_estop_async (f->client, NULL, estop_cb, &done);

  /* the device latches it while the pool is still held */
  if (!steve_test_wait_for (valve_in_error, f->sim, 3000))
    g_test_message ("the e-stop %s", done ? "was answered" : "has not been answered");
  g_assert_true (valve_in_error (f->sim));
  g_assert_cmphex (steve_sim_get_axis_error (f->sim), ==, 0x4000);
  g_assert_true (steve_test_wait_for (flag_set, &done, 2000));

  g_mutex_lock (&hog.lock);
  hog.released = TRUE;
  g_cond_broadcast (&hog.cond);
  g_mutex_unlock (&hog.lock);
  g_assert_true (steve_test_wait_for (hog_finished, &hog, 20000));
  g_mutex_clear (&hog.lock);
  g_cond_clear (&hog.cond);
}

static gboolean
status_requested (gpointer data)
{
  return count_requests (data, "GET", "/api/v1/status") > 0;
}

/* While the device has not answered the e-stop, the queue sends nothing:
 * with every answer 150 ms late, the request in flight is answered first,
 * and the next queued one must still wait for the e-stop's answer. */
static void
test_estop_holds_queue (Fixture       *f,
                        gconstpointer  data)
{
  const guint latency_ms = 150;
  g_autoptr(GPtrArray) log = NULL;
  Tally statuses = { 0 };
  gboolean done = FALSE;
  gint64 estop_us;
  guint estop_at;

  steve_sim_set_http_latency (f->sim, latency_ms);
  steve_sim_set_log_requests (f->sim, TRUE);

  for (guint i = 0; i < 5; i++)
    steve_client_get_status_async (f->client, NULL, tally_status_cb, &statuses);
  /* the first one is in flight: the device has it, and answers it 100 ms
   * before it can answer an e-stop sent now */
  g_assert_true (steve_test_wait_for (status_requested, f->sim, 2000));
  steve_test_sleep_ms (50);

  steve_client_estop_async (f->client, NULL, estop_cb, &done);
  while (!done || statuses.ok + statuses.other < 5)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (statuses.ok, ==, 5);

  log = steve_sim_dup_request_log (f->sim);
  g_assert_cmpuint (log->len, ==, 6);
  estop_at = find_estop (log);
  g_assert_cmpuint (estop_at, ==, 1);
  estop_us = ((SteveSimRequestRecord *) g_ptr_array_index (log, estop_at))->time_us;

  /* each of the others reached the device after the e-stop was answered */
  for (guint i = estop_at + 1; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      g_assert_cmpstr (r->path, ==, "/api/v1/status");
      g_assert_cmpint (r->time_us - estop_us, >=, (gint64) latency_ms * 1000);
    }
}

static void
test_validation (Fixture       *f,
                 gconstpointer  data)
{
  static const struct { SteveField field; double value; } bad[] = {
    { STEVE_FIELD_VISCOUS, -0.001 },
    { STEVE_FIELD_COULOMB, -1 },
    { STEVE_FIELD_TORQUE_LIMIT, 0 },
    { STEVE_FIELD_TORQUE_LIMIT, 30.5 },
    { STEVE_FIELD_SMOOTHING, 0 },
    { STEVE_FIELD_WALL_STIFFNESS, NAN },
    { STEVE_FIELD_CLOSED_POS, 95 },     /* ≥ open (90) */
    { STEVE_FIELD_TRAVEL, 3601 },
  };

  steve_sim_set_log_requests (f->sim, TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(GError) error = NULL;
      SteveConfig update = { { 0 }, 0 };

      steve_config_set (&update, bad[i].field, bad[i].value);
      steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &r);
      g_assert_null (steve_client_set_config_finish (f->client, steve_test_wait_result (&r, 20), &error));
      g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
    }

  /* nothing left the client */
  steve_test_sleep_ms (50);
  g_assert_cmpuint (count_requests (f->sim, "POST", "/api/v1/config"), ==, 0);

  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;

    steve_client_control_async (f->client, STEVE_CONTROL_NONE, 4, NULL, steve_test_result_cb, &r);
    g_assert_false (steve_client_control_finish (f->client, steve_test_wait_result (&r, 20), NULL, &error));
    g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  }
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(StevePreset) p = steve_preset_new (1, "bad\"name");

    steve_client_save_preset_async (f->client, p, NULL, steve_test_result_cb, &r);
    g_assert_false (steve_client_save_preset_finish (f->client, steve_test_wait_result (&r, 20), &error));
    g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  }
  g_assert_cmpuint (count_requests (f->sim, "POST", "/api/v1/control"), ==, 0);
  g_assert_cmpuint (count_requests (f->sim, "POST", "/api/v1/presets"), ==, 0);
}

static void
applied_cb (SteveClient       *client,
            const SteveConfig *before,
            const SteveConfig *after,
            gpointer           user_data)
{
  SteveConfig *pair = user_data;

  pair[0] = *before;
  pair[1] = *after;
}

static void
test_endpoints (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SteveConfig pair[2] = { 0 };

  g_signal_connect (f->client, "config-applied", G_CALLBACK (applied_cb), pair);

  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(SteveStatus) s = NULL;

    steve_client_get_status_async (f->client, NULL, steve_test_result_cb, &r);
    s = steve_client_get_status_finish (f->client, steve_test_wait_result (&r, 20), &error);
    g_assert_no_error (error);
    g_assert_cmpint (s->state, ==, STEVE_VALVE_STATE_IDLE);
    g_assert_true (s->present & STEVE_STATUS_SAFETY);
  }
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(SteveConfig) after = NULL;
    SteveConfig update = { { 0 }, 0 };

    steve_config_set (&update, STEVE_FIELD_CLOSED_POS, 10);
    steve_config_set (&update, STEVE_FIELD_TRAVEL, 80);
    steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &r);
    after = steve_client_set_config_finish (f->client, steve_test_wait_result (&r, 20), &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (after->values[STEVE_FIELD_OPEN_POS], ==, 90);
    g_assert_cmpfloat (after->values[STEVE_FIELD_CLOSED_POS], ==, 10);
    g_assert_cmpfloat (pair[0].values[STEVE_FIELD_CLOSED_POS], ==, 0);
    g_assert_cmpfloat (pair[1].values[STEVE_FIELD_CLOSED_POS], ==, 10);
  }
  {
    /* a preset load: the client reads the new config and reports the change */
    g_autoptr(GAsyncResult) r = NULL;
    SteveControlReply reply;

    memset (pair, 0, sizeof pair);
    steve_client_control_async (f->client, STEVE_CONTROL_NONE, 2, NULL, steve_test_result_cb, &r);
    g_assert_true (steve_client_control_finish (f->client, steve_test_wait_result (&r, 20), &reply, &error));
    g_assert_true (reply.preset_applied);
    g_assert_cmpint (reply.mode, ==, STEVE_VALVE_STATE_IDLE);
    while (pair[1].values[STEVE_FIELD_VISCOUS] != 0.08)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpfloat (pair[0].values[STEVE_FIELD_VISCOUS], ==, 0.02);
    g_assert_cmpfloat (steve_client_get_device_config (f->client)->values[STEVE_FIELD_TORQUE_LIMIT], ==, 6);
    g_assert_cmpfloat (steve_client_get_device_config (f->client)->values[STEVE_FIELD_CLOSED_POS], ==, 0);
  }
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GAsyncResult) r2 = NULL;
    g_autoptr(GPtrArray) presets = NULL;
    g_autoptr(StevePreset) p = steve_preset_new (3, "Lab");

    steve_config_set (&p->config, STEVE_FIELD_VISCOUS, 0.05);
    steve_config_set (&p->config, STEVE_FIELD_COULOMB, 0.1);
    steve_config_set (&p->config, STEVE_FIELD_WALL_STIFFNESS, 12);
    steve_config_set (&p->config, STEVE_FIELD_WALL_DAMPING, 0.2);
    steve_config_set (&p->config, STEVE_FIELD_TRAVEL, 120);
    steve_config_set (&p->config, STEVE_FIELD_TORQUE_LIMIT, 5);
    steve_config_set (&p->config, STEVE_FIELD_SMOOTHING, 0.002);
    steve_client_save_preset_async (f->client, p, NULL, steve_test_result_cb, &r);
    g_assert_true (steve_client_save_preset_finish (f->client, steve_test_wait_result (&r, 20), &error));
    steve_client_get_presets_async (f->client, NULL, steve_test_result_cb, &r2);
    presets = steve_client_get_presets_finish (f->client, steve_test_wait_result (&r2, 20), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (presets->len, ==, 4);
    g_assert_cmpstr (((StevePreset *) g_ptr_array_index (presets, 3))->name, ==, "lab");
    g_assert_cmpfloat (((StevePreset *) g_ptr_array_index (presets, 3))->config.values[STEVE_FIELD_TORQUE_LIMIT], ==, 5);
  }
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GAsyncResult) r2 = NULL;
    g_autoptr(SteveOdriveStatus) o = NULL;

    steve_client_odrive_action_async (f->client, STEVE_ODRIVE_ACTION_ENABLE, 0, NULL, steve_test_result_cb, &r);
    g_assert_true (steve_client_odrive_action_finish (f->client, steve_test_wait_result (&r, 20), &error));
    steve_client_get_odrive_async (f->client, NULL, steve_test_result_cb, &r2);
    o = steve_client_get_odrive_finish (f->client, steve_test_wait_result (&r2, 20), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (o->axis_state, ==, STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL);
  }
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(SteveCanStatus) c = NULL;

    steve_client_get_can_async (f->client, NULL, steve_test_result_cb, &r);
    c = steve_client_get_can_finish (f->client, steve_test_wait_result (&r, 20), &error);
    g_assert_no_error (error);
    g_assert_cmpint (c->dialect, ==, STEVE_DIALECT_FIRMWARE);
    g_assert_true (c->present & STEVE_CAN_LAST_ERROR);
  }
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GAsyncResult) r2 = NULL;
    g_autoptr(SteveStreamStats) st = NULL;

    steve_client_stream_start_async (f->client, 25, NULL, steve_test_result_cb, &r);
    g_assert_true (steve_client_stream_finish (f->client, steve_test_wait_result (&r, 20), &error));
    steve_client_get_stream_async (f->client, NULL, steve_test_result_cb, &r2);
    st = steve_client_get_stream_finish (f->client, steve_test_wait_result (&r2, 20), &error);
    g_assert_true (st->active);
    g_assert_cmpuint (st->default_interval_ms, ==, 25);
  }
  {
    /* the firmware does not offer /performance: that is not a failure of the link */
    g_autoptr(GAsyncResult) r = NULL;

    g_assert_cmpint (steve_client_get_performance_support (f->client), ==, STEVE_FEATURE_UNKNOWN);
    steve_client_get_performance_async (f->client, NULL, steve_test_result_cb, &r);
    g_assert_null (steve_client_get_performance_finish (f->client, steve_test_wait_result (&r, 20), &error));
    g_assert_error (error, STEVE_ERROR, STEVE_ERROR_NOT_SUPPORTED);
    g_clear_error (&error);
    g_assert_cmpint (steve_client_get_performance_support (f->client), ==, STEVE_FEATURE_NOT_OFFERED);
    g_assert_cmpint (steve_client_get_state (f->client), ==, STEVE_CLIENT_CONNECTED);
  }
  {
    /* a device error keeps its specific meaning */
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GAsyncResult) r2 = NULL;

    steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_UNCALIBRATED);
    steve_client_odrive_action_async (f->client, STEVE_ODRIVE_ACTION_DISABLE, 0, NULL, steve_test_result_cb, &r2);
    g_assert_true (steve_client_odrive_action_finish (f->client, steve_test_wait_result (&r2, 20), NULL));
    steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &r);
    g_assert_false (steve_client_control_finish (f->client, steve_test_wait_result (&r, 20), NULL, &error));
    g_assert_error (error, STEVE_ERROR, STEVE_ERROR_START_FAILED);
    g_assert_nonnull (strstr (error->message, "closed-loop"));
  }

  {
    SteveRttStats rtt;

    steve_client_get_rtt_stats (f->client, &rtt);
    g_assert_cmpuint (rtt.count, >=, 10);
    g_assert_cmpfloat (rtt.mean_ms, >, 0);
    g_assert_cmpfloat (rtt.max_ms, >=, rtt.last_ms);
  }

  g_signal_handlers_disconnect_by_data (f->client, pair);
}

static void
test_documented (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) after = NULL;
  g_autoptr(StevePerformance) perf = NULL;
  SteveConfig update = { { 0 }, 0 };
  SteveConfig sim_config;

  g_assert_cmpint (steve_client_get_dialect (f->client), ==, STEVE_DIALECT_DOCUMENTED);
  g_assert_cmpfloat (steve_client_get_device_config (f->client)->values[STEVE_FIELD_DEGREES_PER_TURN], ==, 360);

  steve_config_set (&update, STEVE_FIELD_OPEN_POS, 120);
  steve_config_set (&update, STEVE_FIELD_DEGREES_PER_TURN, 180);
  steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &r);
  after = steve_client_set_config_finish (f->client, steve_test_wait_result (&r, 20), &error);
  g_assert_no_error (error);
  steve_sim_get_config (f->sim, &sim_config);
  g_assert_cmpfloat (sim_config.values[STEVE_FIELD_OPEN_POS], ==, 120);
  g_assert_cmpfloat (sim_config.values[STEVE_FIELD_DEGREES_PER_TURN], ==, 180);

  steve_client_get_performance_async (f->client, NULL, steve_test_result_cb, &p);
  perf = steve_client_get_performance_finish (f->client, steve_test_wait_result (&p, 20), &error);
  g_assert_no_error (error);
  g_assert_cmpint (steve_client_get_performance_support (f->client), ==, STEVE_FEATURE_OFFERED);
}

static void
lost_cb (SteveClient  *client,
         const GError *error,
         gpointer      user_data)
{
  gint64 *when = user_data;
  *when = g_get_monotonic_time ();
}

static void
restored_cb (SteveClient *client,
             gpointer     user_data)
{
  gint64 *when = user_data;
  *when = g_get_monotonic_time ();
}

static gboolean
sim_up (gpointer data)
{
  return steve_sim_is_up (data);
}

static void
test_reconnect (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) during = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) config = NULL;
  gint64 lost = 0, restored = 0, up;

  g_signal_connect (f->client, "connection-lost", G_CALLBACK (lost_cb), &lost);
  g_signal_connect (f->client, "connection-restored", G_CALLBACK (restored_cb), &restored);

  steve_sim_restart (f->sim, 1500);
  steve_test_sleep_ms (100);

  /* a request finds the device gone */
  steve_client_get_config_async (f->client, NULL, steve_test_result_cb, &r);
  wait_state (f->client, STEVE_CLIENT_RECONNECTING, 3000);
  g_assert_cmpint (lost, >, 0);

  /* control is not held back for later */
  steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &during);
  g_assert_false (steve_client_control_finish (f->client, steve_test_wait_result (&during, 20), NULL, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_CONNECTION);
  g_clear_error (&error);

  g_assert_true (steve_test_wait_for (sim_up, f->sim, 5000));
  up = g_get_monotonic_time ();

  /* the queued GET completes once the device is back */
  config = steve_client_get_config_finish (f->client, steve_test_wait_result (&r, 20), &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  wait_state (f->client, STEVE_CLIENT_CONNECTED, 3000);
  g_assert_cmpint (restored, >, 0);
  /* back within a second of the device */
  g_assert_cmpint (restored - up, <=, 1100 * 1000);

  g_signal_handlers_disconnect_by_data (f->client, &lost);
  g_signal_handlers_disconnect_by_data (f->client, &restored);
}

typedef struct
{
  SteveClient *client;
  guint        ok;
  guint        wrong_thread;
  GThread     *self;
} ThreadData;

static void
thread_status_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ThreadData *d = user_data;
  g_autoptr(SteveStatus) s = steve_client_get_status_finish (STEVE_CLIENT (source), result, NULL);

  if (g_thread_self () != d->self)
    d->wrong_thread++;
  if (s)
    d->ok++;
}

static void
thread_config_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ThreadData *d = user_data;
  g_autoptr(SteveConfig) c = steve_client_set_config_finish (STEVE_CLIENT (source), result, NULL);

  if (g_thread_self () != d->self)
    d->wrong_thread++;
  if (c)
    d->ok++;
}

static gpointer
caller_thread (gpointer data)
{
  ThreadData *d = data;
  g_autoptr(GMainContext) context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  d->self = g_thread_self ();

  for (guint i = 0; i < 50; i++)
    {
      SteveConfig update = { { 0 }, 0 };

      steve_client_get_status_async (d->client, NULL, thread_status_cb, d);
      steve_config_set (&update, STEVE_FIELD_WALL_DAMPING, 0.1 + (i % 10) * 0.01);
      steve_client_set_config_async (d->client, &update, NULL, thread_config_cb, d);
    }

  while (d->ok < 100)
    g_main_context_iteration (context, TRUE);

  g_main_context_pop_thread_default (context);
  return NULL;
}

/* Several threads use one client at once, with no lock of their own:
 * every call completes, in the calling thread's context. */
static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  ThreadData d[4];
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      d[i] = (ThreadData) { f->client, 0, 0, NULL };
      threads[i] = g_thread_new ("caller", caller_thread, &d[i]);
    }

  /* the owner thread keeps its loop running for the client */
  for (;;)
    {
      guint done = 0;

      g_main_context_iteration (NULL, FALSE);
      for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
        done += d[i].ok;
      if (done == 400)
        break;
      g_usleep (200);
    }

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (d[i].ok, ==, 100);
      g_assert_cmpuint (d[i].wrong_thread, ==, 0);
    }
}

/* ------------------------------------------------------------------ hand-offs */

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean held;
  gboolean release;
} Holder;

/* Holds the global default context, as any thread may, until released. */
static gpointer
holder_thread (gpointer data)
{
  Holder *h = data;

  g_assert_true (g_main_context_acquire (NULL));
  g_mutex_lock (&h->lock);
  h->held = TRUE;
  g_cond_broadcast (&h->cond);
  while (!h->release)
    g_cond_wait (&h->cond, &h->lock);
  g_mutex_unlock (&h->lock);
  g_main_context_release (NULL);
  return NULL;
}

static void
set_viscous (SteveClient   *client,
             double         value,
             GAsyncResult **result)
{
  SteveConfig update = { { 0 }, 0 };

  steve_config_set (&update, STEVE_FIELD_VISCOUS, value);
  steve_client_set_config_async (client, &update, NULL, steve_test_result_cb, result);
}

/* Two changes from the owner thread reach the device in the order they
 * were made, also when the first one had to wait because another thread
 * held the context: the last value wins. */
static void
test_handoff_order (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(SteveConfig) after_first = NULL;
  g_autoptr(SteveConfig) after_second = NULL;
  g_autoptr(GError) error = NULL;
  Holder h = { 0 };
  SteveConfig sim_config;
  GThread *thread;

  g_mutex_init (&h.lock);
  g_cond_init (&h.cond);
  thread = g_thread_new ("holder", holder_thread, &h);
  g_mutex_lock (&h.lock);
  while (!h.held)
    g_cond_wait (&h.cond, &h.lock);
  g_mutex_unlock (&h.lock);

  set_viscous (f->client, 0.0310, &first);

  g_mutex_lock (&h.lock);
  h.release = TRUE;
  g_cond_broadcast (&h.cond);
  g_mutex_unlock (&h.lock);
  g_thread_join (thread);

  set_viscous (f->client, 0.0520, &second);

  after_first = steve_client_set_config_finish (f->client, steve_test_wait_result (&first, 20), &error);
  g_assert_no_error (error);
  after_second = steve_client_set_config_finish (f->client, steve_test_wait_result (&second, 20), &error);
  g_assert_no_error (error);

  /* two requests, in order: the first was not merged into the second */
  g_assert_cmpfloat_with_epsilon (after_first->values[STEVE_FIELD_VISCOUS], 0.0310, 1e-9);
  g_assert_cmpfloat_with_epsilon (after_second->values[STEVE_FIELD_VISCOUS], 0.0520, 1e-9);
  steve_sim_get_config (f->sim, &sim_config);
  g_assert_cmpfloat_with_epsilon (sim_config.values[STEVE_FIELD_VISCOUS], 0.0520, 1e-9);
  g_assert_cmpfloat_with_epsilon (steve_client_get_device_config (f->client)->values[STEVE_FIELD_VISCOUS],
                                  0.0520, 1e-9);
  g_mutex_clear (&h.lock);
  g_cond_clear (&h.cond);
}

typedef struct
{
  SteveClient  *client;
  GAsyncResult *result;
} Connector;

/* A thread without a context of its own: its default is the owner's. */
static gpointer
connector_thread (gpointer data)
{
  Connector *c = data;

  steve_client_connect_async (c->client, NULL, steve_test_result_cb, &c->result);
  return NULL;
}

typedef struct
{
  GThread *owner;
  guint    foreign;
} NotifyThreads;

static void
count_foreign_notify (GObject    *object,
                      GParamSpec *pspec,
                      gpointer    user_data)
{
  NotifyThreads *n = user_data;

  if (g_thread_self () != n->owner)
    n->foreign++;
}

/* A call made in a worker while the owner thread is not running its loop
 * waits for the owner: the client's state never changes in the worker. */
static void
test_handoff_thread (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SteveClient) client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (f->sim), NULL);
  g_autoptr(GError) error = NULL;
  Connector c = { client, NULL };
  NotifyThreads n = { g_thread_self (), 0 };

  g_signal_connect (client, "notify::state", G_CALLBACK (count_foreign_notify), &n);
  g_thread_join (g_thread_new ("connector", connector_thread, &c));

  /* handed over, not run: nothing happened yet */
  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_DISCONNECTED);

  g_assert_true (steve_client_connect_finish (client, steve_test_wait_result (&c.result, 20), &error));
  g_assert_no_error (error);
  g_clear_object (&c.result);
  g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_CONNECTED);
  g_assert_cmpuint (n.foreign, ==, 0);

  steve_client_disconnect (client);
  steve_test_sleep_ms (50);
  g_assert_finalize_object (g_steal_pointer (&client));
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

  steve_test_add_func ("/client/connect", test_connect);
  steve_test_add_func ("/client/auth-failed", test_auth_failed);
  steve_test_add_func ("/client/refused", test_refused);
#define ADD(path, func) steve_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/client/coalescing", test_coalescing);
  ADD ("/client/timeout", test_timeout);
  ADD ("/client/5xx", test_5xx);
  ADD ("/client/estop-overtakes", test_estop_overtakes);
  ADD ("/client/estop-holds-queue", test_estop_holds_queue);
  ADD ("/client/estop-pool-busy", test_estop_pool_busy);
  ADD ("/client/validation", test_validation);
  ADD ("/client/endpoints", test_endpoints);
  ADD ("/client/reconnect", test_reconnect);
  ADD ("/client/threads", test_threads);
  ADD ("/client/handoff-order", test_handoff_order);
  ADD ("/client/handoff-thread", test_handoff_thread);
#undef ADD
  steve_test_add ("/client/documented", Fixture, GINT_TO_POINTER (STEVE_DIALECT_DOCUMENTED),
              fixture_setup, test_documented, fixture_teardown);

  return g_test_run ();
}
