/* test-sim-device.c — the simulated valve, ODrive and presets behave like the firmware
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "steve-test-utils.h"
#include "steve-error.h"
#include "steve-protocol.h"
#include "steve-telemetry.h"

static SteveStatus
get_status (guint port)
{
  g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/status", NULL);
  g_autoptr(GError) error = NULL;
  SteveStatus status;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (steve_parse_status (r->body, -1, &status, &error));
  g_assert_no_error (error);
  return status;
}

static SteveOdriveStatus
get_odrive (guint port)
{
  g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/odrive", NULL);
  g_autoptr(GError) error = NULL;
  SteveOdriveStatus odrive;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (steve_parse_odrive (r->body, -1, &odrive, &error));
  g_assert_no_error (error);
  return odrive;
}

static char *
post (guint       port,
      const char *path,
      const char *body)
{
  g_autoptr(SteveTestHttp) r = steve_test_http (port, "POST", path, body);

  return g_strdup (r->body);
}

static void
assert_post (guint       port,
             const char *path,
             const char *body,
             const char *expect)
{
  g_autofree char *got = post (port, path, body);

  g_assert_cmpstr (got, ==, expect);
}

#define START_OK "{\"status\":\"ok\",\"mode\":\"running\",\"preset_applied\":false}"
#define STOP_OK "{\"status\":\"ok\",\"mode\":\"idle\",\"preset_applied\":false}"
#define OK "{\"status\":\"ok\"}"

static void
test_calibration (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_IDLE, NULL);
  guint port = steve_sim_get_http_port (sim);
  g_autoptr(GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint));
  gint64 deadline;

  steve_test_sleep_ms (100);
  assert_post (port, "/api/v1/odrive", "{\"action\":\"calibrate\"}", OK);

  /* watch the axis state pass through full calibration, motor
   * calibration and encoder offset calibration back to idle */
  deadline = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    {
      SteveOdriveStatus o = get_odrive (port);

      if (seen->len == 0 || g_array_index (seen, guint, seen->len - 1) != o.axis_state)
        g_array_append_val (seen, o.axis_state);
      if (o.axis_state == STEVE_AXIS_STATE_IDLE && seen->len > 1)
        break;
      steve_test_sleep_ms (40);
    }

  g_assert_cmpuint (seen->len, ==, 4);
  g_assert_cmpuint (g_array_index (seen, guint, 0), ==, STEVE_AXIS_STATE_FULL_CALIBRATION);
  g_assert_cmpuint (g_array_index (seen, guint, 1), ==, STEVE_AXIS_STATE_MOTOR_CALIBRATION);
  g_assert_cmpuint (g_array_index (seen, guint, 2), ==, STEVE_AXIS_STATE_ENCODER_OFFSET_CALIBRATION);
  g_assert_cmpuint (g_array_index (seen, guint, 3), ==, STEVE_AXIS_STATE_IDLE);

  /* enable → closed loop, disable → idle */
  assert_post (port, "/api/v1/odrive", "{\"action\":\"enable\"}", OK);
  g_assert_cmpuint (get_odrive (port).axis_state, ==, STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL);
  assert_post (port, "/api/v1/odrive", "{\"action\":\"disable\"}", OK);
  g_assert_cmpuint (get_odrive (port).axis_state, ==, STEVE_AXIS_STATE_IDLE);
  steve_sim_stop (sim);
}

static gboolean
valve_in_error (gpointer data)
{
  return steve_sim_get_valve_state (data) == STEVE_VALVE_STATE_ERROR;
}

static void
test_estop (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  guint port = steve_sim_get_http_port (sim);
  SteveStatus status;
  SteveOdriveStatus odrive;
  gint64 t0;
  double latency_ms;

  steve_test_sleep_ms (100);
  assert_post (port, "/api/v1/control", "{\"action\":\"start\"}", START_OK);
  g_assert_cmpint (get_status (port).state, ==, STEVE_VALVE_STATE_RUNNING);

  /* the ODrive estop latches an axis error at once; the valve notices at
   * its next heartbeat check (every ~100 ms) */
  t0 = g_get_monotonic_time ();
  assert_post (port, "/api/v1/odrive", "{\"action\":\"estop\"}", OK);
  odrive = get_odrive (port);
  g_assert_cmphex (odrive.axis_error, ==, 0x4000);
  g_assert_cmpuint (odrive.axis_state, ==, STEVE_AXIS_STATE_IDLE);
  g_assert_true (steve_test_wait_for (valve_in_error, sim, 1000));
  latency_ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_assert_cmpfloat (latency_ms, <=, 150.0);

  status = get_status (port);
  g_assert_cmpint (status.state, ==, STEVE_VALVE_STATE_ERROR);
  g_assert_cmpuint (status.safety_estops, ==, 1);
  g_assert_cmpuint (status.safety_errors, ==, 1);
  g_assert_cmpuint (status.safety_last_error, !=, 0);

  /* a start from the error state fails; stop, then start recovers */
  assert_post (port, "/api/v1/control", "{\"action\":\"start\"}", "{\"status\":\"error\",\"error\":\"start_failed\"}");
  assert_post (port, "/api/v1/control", "{\"action\":\"stop\"}", STOP_OK);
  g_assert_cmpint (get_status (port).state, ==, STEVE_VALVE_STATE_IDLE);
  assert_post (port, "/api/v1/control", "{\"action\":\"start\"}", START_OK);
  odrive = get_odrive (port);
  g_assert_cmphex (odrive.axis_error, ==, 0);
  g_assert_cmpuint (odrive.axis_state, ==, STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL);
  steve_sim_stop (sim);
}

static void
test_start_needs_closed_loop (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  guint port = steve_sim_get_http_port (sim);
  gint64 t0;

  steve_sim_set_faults (sim, STEVE_SIM_FAULT_UNCALIBRATED);
  steve_test_sleep_ms (100);

  /* an uncalibrated ODrive cannot reach closed loop: start fails after its wait */
  t0 = g_get_monotonic_time ();
  assert_post (port, "/api/v1/control", "{\"action\":\"start\"}", "{\"status\":\"error\",\"error\":\"start_failed\"}");
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 450000);
  g_assert_cmpint (get_status (port).state, ==, STEVE_VALVE_STATE_IDLE);
  assert_post (port, "/api/v1/odrive", "{\"action\":\"enable\"}", "{\"status\":\"error\",\"error\":\"odrive_command_failed\"}");

  /* a healthy start takes ≥ 300 ms and needs no prior enable */
  steve_sim_set_faults (sim, STEVE_SIM_FAULT_NONE);
  assert_post (port, "/api/v1/odrive", "{\"action\":\"calibrate\"}", OK);
  steve_test_sleep_ms (3700);
  g_assert_cmpuint (get_odrive (port).axis_state, ==, STEVE_AXIS_STATE_IDLE);
  t0 = g_get_monotonic_time ();
  assert_post (port, "/api/v1/control", "{\"action\":\"start\"}", START_OK);
  g_assert_cmpint (g_get_monotonic_time () - t0, >=, 290000);

  /* start while running */
  assert_post (port, "/api/v1/control", "{\"action\":\"start\"}", "{\"status\":\"error\",\"error\":\"start_failed\"}");
  steve_sim_stop (sim);
}

static void
test_missing_and_uninitialized (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  guint port = steve_sim_get_http_port (sim);

  steve_test_sleep_ms (100);
  steve_sim_set_faults (sim, STEVE_SIM_FAULT_ODRIVE_MISSING);
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/odrive", NULL);
    g_assert_cmpstr (r->status_line, ==, "HTTP/1.1 503 Internal Server Error");
    g_assert_cmpstr (r->body, ==, "{\"status\":\"error\",\"error\":\"odrive_unavailable\"}");
  }
  assert_post (port, "/api/v1/odrive", "{\"action\":\"ping\"}", "{\"status\":\"error\",\"error\":\"odrive_unavailable\"}");
  assert_post (port, "/api/v1/control", "{\"action\":\"start\"}", "{\"status\":\"error\",\"error\":\"start_failed\"}");

  steve_sim_set_faults (sim, STEVE_SIM_FAULT_UNINITIALIZED);
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/status", NULL);
    g_autoptr(SteveTestHttp) c = steve_test_http (port, "GET", "/api/v1/config", NULL);
    g_autoptr(SteveTestHttp) s = steve_test_http (port, "GET", "/api/v1/stream", NULL);

    g_assert_cmpstr (r->status_line, ==, "HTTP/1.1 503 Internal Server Error");
    g_assert_cmpstr (r->body, ==, "{\"status\":\"error\",\"error\":\"valve_uninitialized\"}");
    g_assert_cmpstr (c->body, ==, "{\"status\":\"error\",\"error\":\"valve_uninitialized\"}");
    g_assert_cmpuint (s->status, ==, 200);
  }
  steve_sim_stop (sim);
}

static void
test_odrive_actions (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  guint port = steve_sim_get_http_port (sim);
  static const struct { const char *body; const char *answer; } cases[] = {
    { "{\"action\":\"ping\"}", OK },
    { "{}", "{\"status\":\"error\",\"error\":\"missing_action\"}" },
    { "{\"action\":3}", "{\"status\":\"error\",\"error\":\"invalid_action\"}" },
    { "{\"action\":\"fly\"}", "{\"status\":\"error\",\"error\":\"unsupported_action\"}" },
    { "{\"action\":\"set_mode\"}", "{\"status\":\"error\",\"error\":\"missing_value\"}" },
    { "{\"action\":\"set_mode\",\"value\":\"x\"}", "{\"status\":\"error\",\"error\":\"invalid_value\"}" },
    { "{\"action\":\"set_mode\",\"value\":7}", "{\"status\":\"error\",\"error\":\"invalid_mode\"}" },
    { "{\"action\":\"set_mode\",\"value\":1.5}", "{\"status\":\"error\",\"error\":\"invalid_mode\"}" },
    { "{\"action\":\"set_mode\",\"value\":1}", OK },
    { "{\"action\":\"SET_TORQUE\",\"value\":\"0.1\"}", OK },
    { "{\"action\":\"set_velocity\",\"value\":0.5}", OK },
    { "{\"action\":\"set_position\",\"value\":1}", OK },
    { "{\"action\":\"clear\"}", OK },
  };

  steve_test_sleep_ms (100);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_post (port, "/api/v1/odrive", cases[i].body, cases[i].answer);

  /* stream action errors */
  assert_post (port, "/api/v1/stream", "{}", "{\"status\":\"error\",\"error\":\"missing_action\"}");
  assert_post (port, "/api/v1/stream", "{\"action\":\"pause\"}", "{\"status\":\"error\",\"error\":\"unsupported_action\"}");
  assert_post (port, "/api/v1/stream", "{\"action\":\"start\",\"interval_ms\":\"soon\"}", "{\"status\":\"error\",\"error\":\"invalid_interval_ms\"}");
  /* the interval is clamped to 10…1000 */
  assert_post (port, "/api/v1/stream", "{\"action\":\"start\",\"interval_ms\":1}", OK);
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/stream", NULL);
    g_assert_true (g_str_has_prefix (r->body, "{\"active\":true,\"connected_clients\":0,\"default_interval_ms\":10,"));
  }
  assert_post (port, "/api/v1/stream", "{\"action\":\"start\"}", OK);
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/stream", NULL);
    g_assert_true (g_str_has_prefix (r->body, "{\"active\":true,\"connected_clients\":0,\"default_interval_ms\":100,"));
  }
  steve_sim_stop (sim);
}

static void
test_presets (void)
{
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) presets = NULL;
  SteveConfig config;
  guint port;

  {
    g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, tmp->state_file);
    port = steve_sim_get_http_port (sim);

    /* applying a preset over REST forces travel to 90° */
    assert_post (port, "/api/v1/control", "{\"preset\":3}", "{\"status\":\"ok\",\"mode\":\"idle\",\"preset_applied\":true}");
    steve_sim_get_config (sim, &config);
    g_assert_cmpfloat (config.values[STEVE_FIELD_OPEN_POS], ==, 90.0);
    g_assert_cmpfloat (config.values[STEVE_FIELD_CLOSED_POS], ==, 0.0);
    g_assert_cmpfloat (config.values[STEVE_FIELD_VISCOUS], ==, 0.12);

    /* explicit save: the name is lower-cased, missing smoothing and torque limit are kept */
    assert_post (port, "/api/v1/presets",
                 "{\"index\":1,\"name\":\"LabFeel\",\"viscous\":0.05,\"coulomb\":0.1,\"wall_stiffness\":12,\"wall_damping\":0.2,\"travel\":120}", OK);
    /* missing physics values become 0, a missing travel 90 */
    assert_post (port, "/api/v1/presets", "{\"index\":2,\"viscous\":0.07}", OK);
    /* save_current, even false, copies the active config */
    assert_post (port, "/api/v1/presets", "{\"index\":0,\"save_current\":false}", OK);
    assert_post (port, "/api/v1/presets", "{\"index\":4,\"save_current\":true}", "{\"status\":\"error\",\"error\":\"invalid_index\"}");
    assert_post (port, "/api/v1/presets", "{\"index\":1,\"viscous\":-1}", "{\"status\":\"error\",\"error\":\"invalid_values\"}");
    assert_post (port, "/api/v1/presets", "{\"index\":1,\"travel\":0}", "{\"status\":\"error\",\"error\":\"invalid_values\"}");
    assert_post (port, "/api/v1/presets", "{\"index\":1,\"coulomb\":\"much\"}", "{\"status\":\"error\",\"error\":\"invalid_coulomb\"}");
    steve_sim_stop (sim);
  }

  /* a new device process reads its flash */
  {
    g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, tmp->state_file);
    g_autoptr(SteveTestHttp) r = steve_test_http (steve_sim_get_http_port (sim), "GET", "/api/v1/presets", NULL);
    StevePreset *p0, *p1, *p2;

    presets = steve_parse_presets (r->body, -1, &error);
    g_assert_no_error (error);
    p0 = g_ptr_array_index (presets, 0);
    p1 = g_ptr_array_index (presets, 1);
    p2 = g_ptr_array_index (presets, 2);

    g_assert_cmpstr (p0->name, ==, "Light");
    g_assert_cmpfloat (p0->config.values[STEVE_FIELD_VISCOUS], ==, 0.12);
    g_assert_cmpfloat (p0->config.values[STEVE_FIELD_TRAVEL], ==, 90.0);
    g_assert_cmpstr (p1->name, ==, "labfeel");
    g_assert_cmpfloat (p1->config.values[STEVE_FIELD_TRAVEL], ==, 120.0);
    g_assert_cmpfloat (p1->config.values[STEVE_FIELD_TORQUE_LIMIT], ==, 8.0);
    g_assert_cmpfloat (p1->config.values[STEVE_FIELD_SMOOTHING], ==, 0.001);
    g_assert_cmpstr (p2->name, ==, "Heavy");
    g_assert_cmpfloat (p2->config.values[STEVE_FIELD_VISCOUS], ==, 0.07);
    g_assert_cmpfloat (p2->config.values[STEVE_FIELD_COULOMB], ==, 0.0);
    g_assert_cmpfloat (p2->config.values[STEVE_FIELD_TRAVEL], ==, 90.0);
    g_assert_cmpfloat (p2->config.values[STEVE_FIELD_TORQUE_LIMIT], ==, 6.0);

    /* at boot the device loads preset 0 with its stored travel */
    steve_sim_get_config (sim, &config);
    g_assert_cmpfloat (config.values[STEVE_FIELD_VISCOUS], ==, 0.12);
    steve_sim_stop (sim);
  }
}

static void
test_unescaped_name (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  guint port = steve_sim_get_http_port (sim);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) presets = NULL;
  g_autoptr(SteveTestHttp) r = NULL;

  /* the device stores a quote and prints it raw: the list breaks */
  assert_post (port, "/api/v1/presets", "{\"index\":3,\"name\":\"my\\\"valve\",\"viscous\":0.1}", OK);
  r = steve_test_http (port, "GET", "/api/v1/presets", NULL);
  g_assert_nonnull (strstr (r->body, "\"name\":\"my\"valve\""));
  presets = steve_parse_presets (r->body, -1, &error);
  g_assert_null (presets);
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "quote"));
  steve_sim_stop (sim);
}

typedef struct
{
  guint port;
  char *answer;
} StartData;

static gpointer
start_thread (gpointer data)
{
  StartData *d = data;

  d->answer = post (d->port, "/api/v1/control", "{\"action\":\"start\"}");
  return NULL;
}

static gboolean
valve_initializing (gpointer data)
{
  return steve_sim_get_valve_state (data) == STEVE_VALVE_STATE_INITIALIZING;
}

static void
test_start_discards_staged (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  StartData d = { steve_sim_get_http_port (sim), NULL };
  GThread *thread;
  SteveConfig config;

  steve_test_sleep_ms (100);
  thread = g_thread_new ("start", start_thread, &d);
  g_assert_true (steve_test_wait_for (valve_initializing, sim, 1000));

  /* accepted while the start is under way, then discarded by it */
  assert_post (d.port, "/api/v1/config", "{\"viscous\":0.3}", "{\"status\":\"ok\",\"mask\":1}");
  g_thread_join (thread);
  g_assert_cmpstr (d.answer, ==, START_OK);
  g_free (d.answer);

  steve_sim_get_config (sim, &config);
  g_assert_cmpfloat (config.values[STEVE_FIELD_VISCOUS], ==, 0.02);

  /* while running a change takes effect at the next cycle */
  assert_post (d.port, "/api/v1/config", "{\"viscous\":0.3}", "{\"status\":\"ok\",\"mask\":1}");
  steve_test_sleep_ms (20);
  steve_sim_get_config (sim, &config);
  g_assert_cmpfloat (config.values[STEVE_FIELD_VISCOUS], ==, 0.3);
  steve_sim_stop (sim);
}

static void
read_sample (GSocketConnection *conn,
             SteveSample       *out)
{
  for (;;)
    {
      g_autofree char *line = steve_test_read_line (conn, 3000);
      SteveStreamLine parsed;

      g_assert_nonnull (line);
      if (steve_telemetry_parse_line (line, strlen (line), &parsed, NULL) && parsed.kind == STEVE_LINE_SAMPLE)
        {
          *out = parsed.sample;
          return;
        }
    }
}

static void
test_quiet_gate (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_DOCUMENTED, STEVE_SIM_PROFILE_IDLE, NULL);
  guint port = steve_sim_get_http_port (sim);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autofree char *ok = NULL;
  SteveSample s;

  ok = post (port, "/api/v1/stream", "{\"action\":\"start\",\"interval_ms\":10}");
  conn = steve_test_connect (steve_sim_get_stream_port (sim), NULL);
  g_free (post (port, "/api/v1/control", "{\"action\":\"start\"}"));

  /* nobody touches the shaft: at start its velocity is exactly 0, so the
   * quiet gate holds the torque at 0 for the whole run */
  do
    read_sample (conn, &s);
  while (s.status != STEVE_VALVE_STATE_RUNNING);
  steve_sim_set_external_torque (sim, 0.5);
  for (guint i = 0; i < 30; i++)
    {
      read_sample (conn, &s);
      g_assert_true (s.quiet);
      g_assert_cmpfloat (s.filt_torque_nm, ==, 0.0);
    }
  steve_sim_stop (sim);
}

/* End to end: push the shaft into the open wall with a steady torque; it
 * settles where the wall spring balances it (documented dialect: signs are
 * printed faithfully). */
static void
test_wall_equilibrium (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_DOCUMENTED, STEVE_SIM_PROFILE_IDLE, NULL);
  guint port = steve_sim_get_http_port (sim);
  g_autoptr(GSocketConnection) conn = NULL;
  SteveSample s;
  double expected_deg;
  gint64 deadline;

  g_free (post (port, "/api/v1/config", "{\"viscous\":0.05,\"coulomb\":0.02,\"wall_stiffness\":10,\"wall_damping\":0.2,\"torque_limit\":2}"));
  g_free (post (port, "/api/v1/stream", "{\"action\":\"start\",\"interval_ms\":20}"));
  conn = steve_test_connect (steve_sim_get_stream_port (sim), NULL);

  /* get the shaft moving first so the quiet gate stays open */
  steve_sim_set_external_torque (sim, 0.3);
  steve_test_sleep_ms (20);
  g_free (post (port, "/api/v1/control", "{\"action\":\"start\"}"));

  /* 0.3 N·m against 10 N·m/turn: 0.03 turn = 10.8° past the 90° stop */
  expected_deg = 90.0 + 360.0 * 0.3 / 10.0;
  /* settled: at the spot, at rest, and the torque has come to balance
   * (the sim's clock runs slower than the wall's under valgrind) */
  deadline = g_get_monotonic_time () + 4 * (gint64) steve_test_timeout_scale () * G_USEC_PER_SEC;
  do
    read_sample (conn, &s);
  while (g_get_monotonic_time () < deadline &&
         !(s.status == STEVE_VALVE_STATE_RUNNING && fabs (s.position_deg - expected_deg) < 1.0 &&
           fabs (s.omega_rad_s) < 0.05 && fabs (s.filt_torque_nm + 0.3) < 0.02));

  g_assert_cmpint (s.status, ==, STEVE_VALVE_STATE_RUNNING);
  g_assert_cmpfloat_with_epsilon (s.position_deg, expected_deg, 1.0);
  g_assert_cmpfloat_with_epsilon (s.filt_torque_nm, -0.3, 0.02);
  g_assert_false (s.quiet);
  g_assert_cmpint (s.passivity_mj, <=, 0);
  steve_sim_stop (sim);
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

  steve_test_add_func ("/sim-device/calibration", test_calibration);
  steve_test_add_func ("/sim-device/estop", test_estop);
  steve_test_add_func ("/sim-device/start-needs-closed-loop", test_start_needs_closed_loop);
  steve_test_add_func ("/sim-device/missing-and-uninitialized", test_missing_and_uninitialized);
  steve_test_add_func ("/sim-device/odrive-and-stream-actions", test_odrive_actions);
  steve_test_add_func ("/sim-device/presets", test_presets);
  steve_test_add_func ("/sim-device/unescaped-name", test_unescaped_name);
  steve_test_add_func ("/sim-device/start-discards-staged", test_start_discards_staged);
  steve_test_add_func ("/sim-device/quiet-gate", test_quiet_gate);
  steve_test_add_func ("/sim-device/wall-equilibrium", test_wall_equilibrium);

  return g_test_run ();
}
