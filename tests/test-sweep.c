/* test-sweep.c — parameter sweeps and computed statistics against the simulator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "steve-error.h"
#include "steve-field.h"
#include "steve-stats.h"
#include "steve-sweep.h"
#include "steve-test-utils.h"

typedef struct
{
  SteveSim      *sim;
  SteveClient   *client;
  SteveStreamer *streamer;
  SteveRecorder *recorder;
  SteveTestTmp  *tmp;
} Fixture;

static gboolean
streaming (gpointer data)
{
  Fixture *f = data;
  SteveStreamerStats stats;

  steve_streamer_get_stats (f->streamer, &stats);
  return stats.samples > 20;
}

static void
set_viscous (Fixture *f,
             double   value)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(SteveConfig) c = NULL;
  SteveConfig update = { { 0 }, 0 };

  steve_config_set (&update, STEVE_FIELD_VISCOUS, value);
  steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &r);
  c = steve_client_set_config_finish (f->client, steve_test_wait_result (&r, 10), NULL);
  g_assert_nonnull (c);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) s = NULL;
  g_autoptr(GError) error = NULL;
  SteveRecordingInfo info = { 0 };
  g_autofree char *journal = NULL;

  f->tmp = steve_test_tmp_new ();
  f->sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  f->client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (f->sim), NULL);
  steve_client_connect_async (f->client, NULL, steve_test_result_cb, &r);
  g_assert_true (steve_client_connect_finish (f->client, steve_test_wait_result (&r, 10), NULL));

  steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &s);
  g_assert_true (steve_client_control_finish (f->client, steve_test_wait_result (&s, 10), NULL, NULL));

  f->streamer = steve_streamer_new (f->client, "127.0.0.1", steve_sim_get_stream_port (f->sim), 10);
  steve_streamer_start (f->streamer);
  g_assert_true (steve_test_wait_for (streaming, f, 5000));

  journal = g_build_filename (f->tmp->dir, "sweep.journal", NULL);
  info.device_host = (char *) "127.0.0.1";
  info.interval_ms = 10;
  f->recorder = steve_recorder_new ();
  g_assert_true (steve_recorder_start (f->recorder, f->streamer, &info, journal, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SteveRecording) rec = steve_recorder_stop (f->recorder, NULL);

  g_clear_object (&f->recorder);
  steve_streamer_stop (f->streamer);
  g_clear_object (&f->streamer);
  steve_client_disconnect (f->client);
  steve_test_sleep_ms (50);
  g_assert_finalize_object (f->client);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
  steve_test_tmp_free (f->tmp);
}

static gboolean
sim_viscous_is (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];
  double *want = ((gpointer *) data)[1];
  SteveConfig config;

  steve_sim_get_config (f->sim, &config);
  return config.present && config.values[STEVE_FIELD_VISCOUS] == *want;
}

static void
assert_sim_viscous (Fixture *f,
                    double   want)
{
  gpointer cond[2] = { f, &want };

  /* while running, the device stages a change for its next 1 ms cycle */
  g_assert_true (steve_test_wait_for (sim_viscous_is, cond, 2000));
}

static SteveSweepPlan
viscous_plan (guint  steps,
              double dwell,
              double settle)
{
  SteveSweepPlan plan = { 0 };

  plan.n_axes = 1;
  plan.axes[0].field = STEVE_FIELD_VISCOUS;
  plan.axes[0].start = 0.03;
  plan.axes[0].end = 0.09;
  plan.axes[0].steps = steps;
  plan.axes[0].scale = STEVE_SWEEP_SCALE_LINEAR;
  plan.dwell_s = dwell;
  plan.settle_s = settle;
  return plan;
}

static void
test_plan (void)
{
  SteveSweepPlan plan = viscous_plan (3, 1, 0);
  g_autoptr(GError) error = NULL;
  gboolean outside = TRUE;
  double v[2];

  g_assert_true (steve_sweep_plan_validate (&plan, &outside, &error));
  g_assert_false (outside);
  g_assert_cmpuint (steve_sweep_plan_n_steps (&plan), ==, 3);
  steve_sweep_plan_point (&plan, 0, v);
  g_assert_cmpfloat (v[0], ==, 0.03);
  steve_sweep_plan_point (&plan, 1, v);
  g_assert_cmpfloat (v[0], ==, 0.06);
  steve_sweep_plan_point (&plan, 2, v);
  g_assert_cmpfloat (v[0], ==, 0.09);
  g_assert_cmpfloat (steve_sweep_plan_duration_s (&plan), ==, 3);

  /* log steps and a grid: the second axis varies fastest */
  plan.axes[0].start = 0.01;
  plan.axes[0].end = 1.0;
  plan.axes[0].scale = STEVE_SWEEP_SCALE_LOG;
  plan.n_axes = 2;
  plan.axes[1] = (SteveSweepAxis) { STEVE_FIELD_COULOMB, 0.01, 0.05, 2, STEVE_SWEEP_SCALE_LINEAR };
  g_assert_true (steve_sweep_plan_validate (&plan, &outside, &error));
  g_assert_true (outside);   /* viscous 1.0 is past the recommended 0.5 */
  g_assert_cmpuint (steve_sweep_plan_n_steps (&plan), ==, 6);
  steve_sweep_plan_point (&plan, 3, v);
  g_assert_cmpfloat (v[0], ==, 0.1);
  g_assert_cmpfloat (v[1], ==, 0.05);

  /* refused */
  plan.axes[1].field = STEVE_FIELD_VISCOUS;
  g_assert_false (steve_sweep_plan_validate (&plan, NULL, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_clear_error (&error);

  plan = viscous_plan (3, 1, 0);
  plan.axes[0].field = STEVE_FIELD_TORQUE_LIMIT;
  plan.axes[0].start = 1;
  plan.axes[0].end = 31;   /* past the hard limit at the last point */
  g_assert_false (steve_sweep_plan_validate (&plan, NULL, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_assert_nonnull (strstr (error->message, "Torque limit"));
  g_clear_error (&error);

  plan = viscous_plan (3, 1, 0);
  plan.axes[0].start = 0;
  plan.axes[0].scale = STEVE_SWEEP_SCALE_LOG;
  g_assert_false (steve_sweep_plan_validate (&plan, NULL, &error));
  g_clear_error (&error);

  plan = viscous_plan (0, 1, 0);
  g_assert_false (steve_sweep_plan_validate (&plan, NULL, &error));
  g_clear_error (&error);

  plan = viscous_plan (3, 0, 0);
  g_assert_false (steve_sweep_plan_validate (&plan, NULL, &error));
  g_clear_error (&error);

  plan = viscous_plan (3, 1, 0);
  plan.axes[0].field = STEVE_FIELD_OPEN_POS;
  g_assert_false (steve_sweep_plan_validate (&plan, NULL, &error));
}

/* The accumulator against the formulas computed here by hand. */
static void
test_metrics (void)
{
  SteveSweepAccumulator acc = { 0 };
  SteveSweepResult r;
  SteveSample s[4] = { 0 };
  double expect_energy, expect_walls;

  /* torque opposing motion: dissipation */
  s[0] = (SteveSample) { .timestamp_ms = 1000, .filt_torque_nm = -0.2, .omega_rad_s = 2.0, .position_deg = 10 };
  s[1] = (SteveSample) { .timestamp_ms = 1010, .filt_torque_nm = -0.4, .omega_rad_s = 3.0, .position_deg = 95 };
  s[2] = (SteveSample) { .timestamp_ms = 1020, .filt_torque_nm = 0.5, .omega_rad_s = -1.0, .position_deg = 100 };
  s[3] = (SteveSample) { .timestamp_ms = 1030, .filt_torque_nm = 0.1, .omega_rad_s = -0.5, .position_deg = 45 };
  for (guint i = 0; i < 4; i++)
    steve_sweep_accumulator_add (&acc, &s[i], 0, 90);
  steve_sweep_accumulator_result (&acc, &r);

  expect_energy = 0.010 * (0.4 * 3.0 + 0.5 * 1.0 + 0.1 * 0.5);
  expect_walls = 0.010 * 2;   /* s[1] and s[2] are past 90° */

  g_assert_cmpuint (r.n_samples, ==, 4);
  g_assert_cmpfloat_with_epsilon (r.metrics[STEVE_SWEEP_METRIC_MEAN_TORQUE], (-0.2 - 0.4 + 0.5 + 0.1) / 4, 1e-12);
  g_assert_cmpfloat_with_epsilon (r.metrics[STEVE_SWEEP_METRIC_RMS_TORQUE], sqrt ((0.04 + 0.16 + 0.25 + 0.01) / 4), 1e-12);
  g_assert_cmpfloat_with_epsilon (r.metrics[STEVE_SWEEP_METRIC_PEAK_TORQUE], 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (r.metrics[STEVE_SWEEP_METRIC_MEAN_ABS_VELOCITY], (2 + 3 + 1 + 0.5) / 4, 1e-12);
  g_assert_cmpfloat_with_epsilon (r.metrics[STEVE_SWEEP_METRIC_ENERGY], expect_energy, 1e-12);
  g_assert_cmpfloat_with_epsilon (r.metrics[STEVE_SWEEP_METRIC_TIME_IN_WALLS], expect_walls, 1e-12);
}

/* Client-side performance statistics against an independent computation. */
static void
test_computed_performance (void)
{
  g_autoptr(GArray) samples = g_array_new (FALSE, FALSE, sizeof (SteveSample));
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  StevePerformance perf;
  double pmin = G_MAXDOUBLE, pmax = -G_MAXDOUBLE, psum = 0, psq = 0;
  double tsum = 0, tsq = 0, vmin = G_MAXDOUBLE, vmax = -G_MAXDOUBLE;
  guint crossings = 0, n = 500;

  for (guint i = 0; i < n; i++)
    {
      SteveSample s = { 0 };

      s.timestamp_ms = 5000 + i * 10;
      s.position_deg = 45 + 30 * sin (i * 0.05) + g_rand_double_range (rand, -1, 1);
      s.omega_rad_s = 1.5 * cos (i * 0.05);
      s.filt_torque_nm = -0.08 * s.omega_rad_s + g_rand_double_range (rand, -0.01, 0.01);
      s.loop_time_us = 25 + i % 7;
      g_array_append_val (samples, s);

      pmin = MIN (pmin, s.position_deg);
      pmax = MAX (pmax, s.position_deg);
      psum += s.position_deg;
      psq += s.position_deg * s.position_deg;
      tsum += s.filt_torque_nm;
      tsq += s.filt_torque_nm * s.filt_torque_nm;
      vmin = MIN (vmin, s.omega_rad_s);
      vmax = MAX (vmax, s.omega_rad_s);
      if (i > 0 && (g_array_index (samples, SteveSample, i - 1).omega_rad_s < 0) != (s.omega_rad_s < 0))
        crossings++;
    }

  steve_performance_compute ((const SteveSample *) (gpointer) samples->data, n, &perf);

  g_assert_true (perf.computed);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_POS_MIN_DEG], pmin, 1e-9);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_POS_MAX_DEG], pmax, 1e-9);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_POS_MEAN_DEG], psum / n, 1e-9);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_POS_RMS_DEG], sqrt (psq / n), 1e-9);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_POS_PEAK_TO_PEAK_DEG], pmax - pmin, 1e-9);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_TAU_MEAN_NM], tsum / n, 1e-12);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_TAU_RMS_NM], sqrt (tsq / n), 1e-12);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_VEL_PEAK_TO_PEAK_RAD_S], vmax - vmin, 1e-12);
  g_assert_cmpfloat_with_epsilon (perf.values[STEVE_PERF_ZERO_CROSSING_HZ], crossings / (2.0 * 4.99), 1e-9);
  g_assert_cmpfloat (perf.values[STEVE_PERF_LOOP_TOTAL_MIN_US], ==, 25);
  g_assert_cmpfloat (perf.values[STEVE_PERF_LOOP_TOTAL_MAX_US], ==, 31);
  /* what the stream cannot tell stays unknown */
  g_assert_false (perf.present & (1u << STEVE_PERF_TORQUE_CLAMPS));
  g_assert_false (perf.present & (1u << STEVE_PERF_LOOP_PHYSICS_MEAN_US));
}

/* A step of 0.6 s at 10 ms: 0.6 s of device time holds 60 samples (± one
 * for the simulated device's timer jitter). */
static void
assert_dwell_samples (const SteveSweepResult *result)
{
  g_assert_cmpuint (result->n_samples, >=, 59);
  g_assert_cmpuint (result->n_samples, <=, 61);
}

static void
test_three_steps (Fixture       *f,
                  gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (3, 0.6, 0.2);
  g_autoptr(SteveSweep) sweep = steve_sweep_new (f->client, f->streamer, f->recorder, &plan);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  const SteveSweepResult *results;
  SteveRecorderStats stats;
  g_autofree char *csv_path = g_build_filename (f->tmp->dir, "results.csv", NULL);
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  set_viscous (f, 0.02);
  steve_sweep_run_async (sweep, NULL, steve_test_result_cb, &r);
  g_assert_true (steve_sweep_run_finish (sweep, steve_test_wait_result (&r, 20), &error));
  g_assert_no_error (error);
  g_assert_cmpint (steve_sweep_get_state (sweep), ==, STEVE_SWEEP_DONE);
  g_assert_cmpfloat (steve_sweep_get_progress (sweep), ==, 1.0);

  results = steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (n, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      const double *m = results[i].metrics;

      g_assert_cmpuint (results[i].index, ==, i);
      g_assert_cmpfloat_with_epsilon (results[i].values[0], 0.03 + 0.03 * i, 1e-12);
      assert_dwell_samples (&results[i]);
      g_assert_cmpfloat (m[STEVE_SWEEP_METRIC_PEAK_TORQUE], >=, m[STEVE_SWEEP_METRIC_RMS_TORQUE]);
      g_assert_cmpfloat (m[STEVE_SWEEP_METRIC_RMS_TORQUE], >=, fabs (m[STEVE_SWEEP_METRIC_MEAN_TORQUE]));
      g_assert_cmpfloat (m[STEVE_SWEEP_METRIC_MEAN_ABS_VELOCITY], >, 0.1);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (isfinite (results[i].metrics[STEVE_SWEEP_METRIC_ENERGY]));
      g_assert_cmpfloat (results[i].metrics[STEVE_SWEEP_METRIC_TIME_IN_WALLS], <=, plan.dwell_s + 0.02);
    }

  /* the original value is back */
  assert_sim_viscous (f, 0.02);

  /* step boundaries are in the recording */
  steve_recorder_get_stats (f->recorder, &stats);
  g_assert_cmpuint (stats.samples, >, 150);
  {
    g_autoptr(SteveRecording) rec = steve_recorder_stop (f->recorder, NULL);
    const SteveRecordingEvent *events;
    guint n_events, marks = 0;

    events = steve_recording_get_events (rec, &n_events);
    for (guint i = 0; i < n_events; i++)
      if (events[i].kind == STEVE_RECORDING_EVENT_MARK && g_str_has_prefix (events[i].label, "Sweep step "))
        marks++;
    g_assert_cmpuint (marks, ==, 3);
    {
      g_autofree char *again = g_build_filename (f->tmp->dir, "again.journal", NULL);

      g_assert_true (steve_recorder_start (f->recorder, f->streamer, NULL, again, NULL));
    }
  }

  /* the table */
  g_assert_true (steve_sweep_export_csv (sweep, csv_path, &error));
  g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "step,viscous,mean_torque_nm,rms_torque_nm,peak_torque_nm,"
                                 "mean_abs_velocity_rad_s,energy_dissipated_j,time_in_walls_s,n_samples");
  g_assert_true (g_str_has_prefix (lines[1], "1,0.03,"));
  g_assert_true (g_str_has_prefix (lines[3], "3,0.09,"));
  g_assert_cmpstr (lines[4], ==, "");
}

static gboolean
first_step_done (gpointer data)
{
  guint n;

  steve_sweep_get_results (data, &n);
  return n >= 1;
}

static gboolean
block_main_loop (gpointer data)
{
  g_usleep (GPOINTER_TO_UINT (data) * 1000);
  return G_SOURCE_REMOVE;
}

/* A step measures its dwell time on the device's clock: a main loop that
 * is busy when the step should end does not widen the window. */
static void
test_busy_main_loop (Fixture       *f,
                     gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (2, 0.6, 0.2);
  g_autoptr(SteveSweep) sweep = steve_sweep_new (f->client, f->streamer, f->recorder, &plan);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  const SteveSweepResult *results;
  guint n;

  set_viscous (f, 0.02);
  steve_sweep_run_async (sweep, NULL, steve_test_result_cb, &r);
  /* the first step measures from about 0.2 s to 0.8 s: this thread is
   * busy from 0.5 s to 1.1 s */
  g_timeout_add_full (G_PRIORITY_HIGH, 500, block_main_loop, GUINT_TO_POINTER (600), NULL);
  g_assert_true (steve_sweep_run_finish (sweep, steve_test_wait_result (&r, 20), &error));
  g_assert_no_error (error);

  results = steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (n, ==, 2);
  for (guint i = 0; i < n; i++)
    assert_dwell_samples (&results[i]);
}

static void
test_abort (Fixture       *f,
            gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (5, 0.4, 0);
  g_autoptr(SteveSweep) sweep = steve_sweep_new (f->client, f->streamer, NULL, &plan);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  set_viscous (f, 0.025);
  steve_sweep_run_async (sweep, NULL, steve_test_result_cb, &r);
  g_assert_true (steve_test_wait_for (first_step_done, sweep, 5000));
  steve_sweep_abort (sweep);

  g_assert_false (steve_sweep_run_finish (sweep, steve_test_wait_result (&r, 10), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (steve_sweep_get_state (sweep), ==, STEVE_SWEEP_ABORTED);
  steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (n, <, 5);

  assert_sim_viscous (f, 0.025);
}

static void
estop_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_assert_true (steve_client_estop_finish (STEVE_CLIENT (source), result, NULL));
}

static void
test_estop_stops (Fixture       *f,
                  gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (10, 0.5, 0);
  g_autoptr(SteveSweep) sweep = steve_sweep_new (f->client, f->streamer, NULL, &plan);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  gint64 t0;
  guint n;

  set_viscous (f, 0.02);
  steve_sweep_run_async (sweep, NULL, steve_test_result_cb, &r);
  g_assert_true (steve_test_wait_for (first_step_done, sweep, 5000));

  t0 = g_get_monotonic_time ();
  steve_client_estop_async (f->client, NULL, estop_cb, NULL);
  g_assert_false (steve_sweep_run_finish (sweep, steve_test_wait_result (&r, 10), &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "error state"));
  /* within the device's heartbeat check plus a stream interval or two */
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 1000 * 1000);
  steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (n, <=, 2);

  assert_sim_viscous (f, 0.02);
}

/* The device goes away in the middle: the sweep fails, and the original
 * value is put back once the device is there again. */
static void
test_restore_after_restart (Fixture       *f,
                            gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (6, 0.5, 0);
  g_autoptr(SteveSweep) sweep = steve_sweep_new (f->client, f->streamer, NULL, &plan);
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  double want = 0.055;
  gpointer cond[2] = { f, &want };

  set_viscous (f, want);
  steve_sweep_run_async (sweep, NULL, steve_test_result_cb, &r);
  g_assert_true (steve_test_wait_for (first_step_done, sweep, 5000));

  /* the reboot brings back preset 0 (viscous 0.02) */
  steve_sim_restart (f->sim, 1500);
  g_assert_false (steve_sweep_run_finish (sweep, steve_test_wait_result (&r, 60), &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_CONNECTION);
  g_assert_nonnull (strstr (error->message, "connection to the device was lost"));
  g_assert_cmpint (steve_sweep_get_state (sweep), ==, STEVE_SWEEP_FAILED);
  g_assert_true (steve_test_wait_for (sim_viscous_is, cond, 10000));
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

  steve_test_add_func ("/sweep/plan", test_plan);
  steve_test_add_func ("/sweep/metrics", test_metrics);
  steve_test_add_func ("/stats/computed-performance", test_computed_performance);
#define ADD(path, func) steve_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sweep/three-steps", test_three_steps);
  ADD ("/sweep/busy-main-loop", test_busy_main_loop);
  ADD ("/sweep/abort", test_abort);
  ADD ("/sweep/estop-stops", test_estop_stops);
  ADD ("/sweep/restore-after-restart", test_restore_after_restart);
#undef ADD

  return g_test_run ();
}
