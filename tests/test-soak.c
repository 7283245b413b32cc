/* test-soak.c — the device-restart soak of the library stack
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SteveClient, a SteveStreamer, a SteveRecorder and a SteveTuner in live
 * mode run against the simulator while it reboots every 10 s (down for
 * 1.5 s), cuts the telemetry connection every 7 s and answers 10 % of the
 * HTTP requests with a 500. The tuner changes a setting every 2 s, and once
 * more during every outage. Then (see steve-soak-check.h):
 *
 *  - every sample the simulator sent on a stream connection during the
 *    recording is in the recording: 0 lost, none extra, in order;
 *  - every outage (reboot or cut) has its reconnect-gap event between
 *    exactly the samples around it, and there is no other gap event;
 *  - the stream is back at most 1 s after the device is up again (the max
 *    and the median are printed), and after a cut just as soon;
 *  - a setting changed during an outage reaches the device afterwards (or
 *    the tuner reports why not), and the last change is on the device;
 *  - memory does not grow beyond what the recording (and the simulator's
 *    own sample log) hold by design; file descriptors, threads and main
 *    context sources come back to what they were after the warm-up; the
 *    client's queue is empty. (RSS is not checked under ASan.)
 *  - the recorder's crash journal holds the same samples and events.
 *
 * Duration: 60 s by default. STEVE_SOAK_SECONDS sets it (10 … 86400),
 * e.g. ten minutes; `-t 0` lifts meson's 300 s timeout for the test:
 *
 *     STEVE_SOAK_SECONDS=600 meson test -C _build test-soak -t 0
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "steve-client.h"
#include "steve-recorder.h"
#include "steve-recording.h"
#include "steve-streamer.h"
#include "steve-tuner.h"
#include "steve-test-utils.h"
#include "steve-soak-check.h"

#define DEFAULT_SECONDS       60
#define INTERVAL_MS           10
#define RESTART_PERIOD_MS     10000
#define DOWNTIME_MS           1500
#define CUT_PERIOD_MS         7000
#define HTTP_ERROR_RATE       0.1
#define TUNE_PERIOD_US        (2 * G_USEC_PER_SEC)
/* RSS may grow by what is kept by design, twice (arrays double), plus this */
#define RSS_SLACK_BYTES       (4 * 1024 * 1024)

typedef struct
{
  SteveSim      *sim;
  SteveClient   *client;
  SteveStreamer *streamer;
  SteveTuner    *tuner;
  SteveRecorder *recorder;
  SoakWatch     *watch;

  SoakOutageChanges outage;
  guint          applied;          /* real changes (not to the same value) */
  double         final_value;
} Soak;

/* ------------------------------------------------------------------ helpers */

static gboolean
streaming (gpointer data)
{
  Soak *soak = data;

  return steve_streamer_get_state (soak->streamer) == STEVE_STREAMER_STREAMING &&
         steve_client_get_state (soak->client) == STEVE_CLIENT_CONNECTED;
}

static gboolean
has_samples (gpointer data)
{
  SteveStreamerStats stats;

  steve_streamer_get_stats (data, &stats);
  return stats.samples >= 20;
}

static gboolean
sim_viscous_is (gpointer data)
{
  Soak *soak = data;
  SteveConfig config;

  steve_sim_get_config (soak->sim, &config);
  return fabs (config.values[STEVE_FIELD_VISCOUS] - soak->final_value) < 1e-9;
}

/* one distinct value per change, exact at the device's 4 decimals */
static double
tune_value (guint n)
{
  return 0.0200 + 0.0010 * (n % 100);
}

static void
tune (Soak   *soak,
      double  value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (steve_tuner_set_value (soak->tuner, STEVE_FIELD_VISCOUS, value, &error));
  g_assert_no_error (error);
}

static void
on_applied (SteveTuner        *tuner,
            const SteveConfig *before,
            const SteveConfig *after,
            Soak              *soak)
{
  g_autofree char *change = steve_config_describe_change (before, after);

  /* what the app does: the recording notes every real change */
  if (change != NULL)
    soak->applied++;
  if (steve_recorder_is_recording (soak->recorder))
    steve_recorder_add_config_change (soak->recorder, before, after);
  soak_outage_changes_note_applied (&soak->outage, after);
}

static void
on_tuner_error (SteveTuner   *tuner,
                const GError *error,
                Soak         *soak)
{
  /* a change refused after three 500s, or given up: reported, not lost */
  if (soak->outage.errors++ < 5)
    g_test_message ("tuner error: %s", error->message);
}

typedef struct
{
  guint64 rss;
  guint   fds;
  guint   threads;
  guint   sources;
  guint64 samples;
} Figures;

static void
take_figures (Soak    *soak,
              Figures *f)
{
  SteveStreamerStats stats;

  /* let pending idles and completions run first */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  steve_streamer_get_stats (soak->streamer, &stats);
  f->samples = stats.samples;
  f->rss = soak_rss_bytes ();
  f->fds = soak_count_fds ();
  f->threads = soak_count_threads ();
  f->sources = soak_count_sources (NULL);
}

/* ------------------------------------------------------------------ the soak */

static void
test_soak (void)
{
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autofree char *journal = g_build_filename (tmp->dir, "soak.journal", NULL);
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(SteveRecording) from_journal = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GArray) log = NULL;
  g_autoptr(GArray) states = NULL;
  g_autoptr(GError) error = NULL;
  guint seconds = soak_duration_s (DEFAULT_SECONDS);
  SteveRecordingInfo info = { 0 };
  SteveStreamerStats sstats;
  SoakResult r;
  Figures base = { 0 }, end = { 0 };
  gboolean have_base = FALSE, changed_this_outage = FALSE;
  gint64 t0, t_end, next_tune;
  guint n_tunes = 0;
  double restart_max, restart_median, cut_max, cut_median, down_max, down_median;
  double expected_growth;
  Soak soak = { 0 };

  soak_outage_changes_init (&soak.outage);

  /* the device, the client, the stream */
  soak.sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  steve_sim_set_log_samples (soak.sim, TRUE);
  soak.watch = soak_watch_new (soak.sim);

  soak.client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (soak.sim), NULL);
  steve_client_connect_async (soak.client, NULL, steve_test_result_cb, &result);
  g_assert_true (steve_client_connect_finish (soak.client, steve_test_wait_result (&result, 20), &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  steve_client_control_async (soak.client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &result);
  g_assert_true (steve_client_control_finish (soak.client, steve_test_wait_result (&result, 20), NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  soak.streamer = steve_streamer_new (soak.client, "127.0.0.1", steve_sim_get_stream_port (soak.sim), INTERVAL_MS);
  steve_streamer_start (soak.streamer);
  g_assert_true (steve_test_wait_for (has_samples, soak.streamer, 10000));

  soak.tuner = steve_tuner_new (soak.client);
  steve_tuner_set_mode (soak.tuner, STEVE_TUNER_MODE_LIVE);
  g_signal_connect (soak.tuner, "applied", G_CALLBACK (on_applied), &soak);
  g_signal_connect (soak.tuner, "error", G_CALLBACK (on_tuner_error), &soak);

  soak.recorder = steve_recorder_new ();
  info.device_host = (char *) "127.0.0.1";
  info.device_port = steve_sim_get_http_port (soak.sim);
  info.dialect = steve_client_get_dialect (soak.client);
  info.interval_ms = INTERVAL_MS;
  info.config_at_start = *steve_client_get_device_config (soak.client);
  g_assert_true (steve_recorder_start (soak.recorder, soak.streamer, &info, journal, &error));
  g_assert_no_error (error);

  /* the faults */
  steve_sim_set_restart_every (soak.sim, RESTART_PERIOD_MS, DOWNTIME_MS);
  steve_sim_set_stream_close_every (soak.sim, CUT_PERIOD_MS);
  steve_sim_set_http_error_rate (soak.sim, HTTP_ERROR_RATE);

  t0 = g_get_monotonic_time ();
  t_end = t0 + (gint64) seconds * G_USEC_PER_SEC;
  next_tune = t0 + TUNE_PERIOD_US;
  g_test_message ("soak: %u s; reboot every %u ms (down %u ms), stream cut every %u ms, %.0f %% HTTP 500",
                  seconds, RESTART_PERIOD_MS, DOWNTIME_MS, CUT_PERIOD_MS, HTTP_ERROR_RATE * 100);

  while (g_get_monotonic_time () < t_end)
    {
      gint64 now;
      gboolean up;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
      now = g_get_monotonic_time ();
      up = soak_watch_is_up (soak.watch);

      /* a change while the device is away: queued, sent when it is back */
      if (!up && !changed_this_outage)
        {
          tune (&soak, soak_outage_changes_next (&soak.outage));
          changed_this_outage = TRUE;
        }
      else if (up)
        changed_this_outage = FALSE;

      /* the regular changes, while all is well and the outage change
       * has gone through (so they do not merge with, and hide, it) */
      if (now >= next_tune)
        {
          next_tune += TUNE_PERIOD_US;
          if (up && steve_client_get_state (soak.client) == STEVE_CLIENT_CONNECTED &&
              soak_outage_changes_settled (&soak.outage))
            tune (&soak, tune_value (n_tunes++));
        }

      /* warmed up: once the stream is back after the first reboot (or
       * half-way through a run too short for one); compared with the end,
       * when it streams too */
      if (!have_base && streaming (&soak) &&
          (steve_sim_get_boot_count (soak.sim) >= 2 || now - t0 > (gint64) seconds * G_USEC_PER_SEC / 2))
        {
          take_figures (&soak, &base);
          have_base = TRUE;
          g_test_message ("warmed up after %.1f s: RSS %.1f MiB, %u fds, %u threads, %u sources",
                          (now - t0) / 1e6, base.rss / 1048576.0, base.fds, base.threads, base.sources);
        }
    }

  /* calm again: the stream comes back, the last change goes through */
  steve_sim_set_restart_every (soak.sim, 0, 0);
  steve_sim_set_stream_close_every (soak.sim, 0);
  steve_sim_set_http_error_rate (soak.sim, 0);
  g_assert_true (steve_test_wait_for (streaming, &soak, DOWNTIME_MS + 5000));

  steve_test_wait_for (soak_outage_changes_settled, &soak.outage, 5000);
  soak.final_value = 0.0444;
  tune (&soak, soak.final_value);
  g_assert_true (steve_test_wait_for (sim_viscous_is, &soak, 5000));
  steve_test_sleep_ms (500);

  take_figures (&soak, &end);
  g_assert_cmpuint (steve_client_get_queue_length (soak.client), ==, 0);
  steve_streamer_get_stats (soak.streamer, &sstats);

  recording = steve_recorder_stop (soak.recorder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (recording);
  states = soak_watch_free (g_steal_pointer (&soak.watch));
  log = steve_sim_dup_sample_log (soak.sim);

  /* ---- the recording against the simulator */
  soak_check (log, recording, states, INTERVAL_MS, &r);
  soak_max_median (r.restart_ms, &restart_max, &restart_median);
  soak_max_median (r.cut_ms, &cut_max, &cut_median);
  soak_max_median (r.downtime_ms, &down_max, &down_median);
  expected_growth = (double) (end.samples - base.samples) * (sizeof (SteveSample) + sizeof (SteveSimSentSample));

  g_test_message ("soak %u s: %" G_GUINT64_FORMAT " samples sent, %" G_GUINT64_FORMAT " recorded, "
                  "%" G_GUINT64_FORMAT " lost, %" G_GUINT64_FORMAT " extra; "
                  "%u outages (%u reboots, %u cuts), %u gap events (%u within a connection); "
                  "reconnection after reboot max %.0f ms, median %.0f ms; after a cut max %.0f ms, median %.0f ms; "
                  "down %.0f ms (median); gap length error max %.1f ms; "
                  "RSS %.1f → %.1f MiB (recording and log: +%.1f MiB); fds %u → %u; threads %u → %u; sources %u → %u; "
                  "%u settings applied, %u/%u outage changes applied, %u tuner errors",
                  seconds, r.sent, r.recorded, r.lost, r.extra,
                  r.restart_gaps + r.cuts, r.restart_gaps, r.cuts, r.gap_events, r.stall_events,
                  restart_max, restart_median, cut_max, cut_median, down_median, r.max_gap_error_ms,
                  base.rss / 1048576.0, end.rss / 1048576.0, expected_growth / 1048576.0,
                  base.fds, end.fds, base.threads, end.threads, base.sources, end.sources,
                  soak.applied, soak.outage.applied, soak.outage.changes, soak.outage.errors);

  /* 0 lost, nothing invented */
  g_assert_true (r.aligned);
  g_assert_cmpuint (r.lost, ==, 0);
  g_assert_cmpuint (r.extra, ==, 0);
  g_assert_cmpuint (r.sent, ==, r.recorded);
  /* about every sample the whole time minus the outages: the stream really ran */
  g_assert_cmpuint (r.recorded, >=, (guint64) seconds * 1000 / INTERVAL_MS / 2);

  /* the outages happened, each has its gap, nothing else has one */
  if (seconds >= 2 * RESTART_PERIOD_MS / 1000)
    {
      g_assert_cmpuint (r.restarts, >=, seconds * 1000 / RESTART_PERIOD_MS - 1);
      g_assert_cmpuint (r.cuts, >=, 1);
    }
  g_assert_cmpuint (r.skipped_boots, ==, 0);
  g_assert_cmpuint (r.restart_gaps, ==, r.restarts);
  g_assert_cmpuint (r.gaps_bad, ==, 0);
  g_assert_cmpuint (r.gaps_matched, ==, r.restart_gaps + r.cuts);
  g_assert_cmpuint (r.gap_events, ==, r.restart_gaps + r.cuts);
  g_assert_cmpuint (r.stall_events, ==, 0);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_RECONNECT_GAP), ==, r.gap_events);
  g_assert_cmpuint (sstats.gaps, ==, 0);
  /* a gap lasts as long as the simulator sent nothing */
  g_assert_cmpfloat (r.max_gap_error_ms, <=, 250.0);

  /* back within a second of the device */
  g_assert_cmpuint (r.restart_ms->len, ==, r.restart_gaps);
  g_assert_cmpfloat (restart_max, <=, soak_reconnect_bound_ms ());
  g_assert_cmpfloat (cut_max, <=, soak_reconnect_bound_ms ());

  /* settings flowed, also those made while the device was away */
  g_assert_cmpuint (soak.applied, >=, 2);
  if (r.restarts > 0)
    g_assert_cmpuint (soak.outage.changes, >=, 1);
  g_assert_cmpuint (soak.outage.applied + soak.outage.errors, >=, soak.outage.changes);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_CONFIG_CHANGE), ==, soak.applied);

  /* nothing piles up */
  g_assert_true (have_base);
  g_assert_cmpuint (end.fds, <=, base.fds + 2);
  g_assert_cmpuint (end.threads, <=, base.threads + 2);
  g_assert_cmpuint (end.sources, <=, base.sources + 4);
  if (soak_under_asan ())
    g_test_message ("under ASan: RSS not checked");
  else
    g_assert_cmpfloat ((double) end.rss - (double) base.rss, <=, 2 * expected_growth + RSS_SLACK_BYTES);

  /* the crash journal says the same */
  from_journal = steve_recording_load (journal, &error);
  g_assert_no_error (error);
  {
    guint n_a, n_b, e_a, e_b;
    const SteveSample *a = steve_recording_get_samples (recording, &n_a);
    const SteveSample *b = steve_recording_get_samples (from_journal, &n_b);

    steve_recording_get_events (recording, &e_a);
    steve_recording_get_events (from_journal, &e_b);
    g_assert_cmpuint (n_a, ==, n_b);
    g_assert_cmpuint (e_a, ==, e_b);
    for (guint i = 0; i < n_a; i++)
      {
        g_assert_cmpuint (a[i].timestamp_ms, ==, b[i].timestamp_ms);
        g_assert_cmpuint (a[i].seq, ==, b[i].seq);
      }
  }

  soak_result_clear (&r);

  /* nothing crashes on the way out, nothing is left behind */
  g_signal_handlers_disconnect_by_data (soak.tuner, &soak);
  steve_streamer_stop (soak.streamer);
  steve_client_disconnect (soak.client);
  steve_test_sleep_ms (100);
  g_assert_finalize_object (g_steal_pointer (&soak.recorder));
  g_assert_finalize_object (g_steal_pointer (&soak.tuner));
  g_assert_finalize_object (g_steal_pointer (&soak.streamer));
  g_assert_finalize_object (g_steal_pointer (&soak.client));
  steve_sim_stop (soak.sim);
  g_clear_object (&soak.sim);
  soak_outage_changes_clear (&soak.outage);
  g_unlink (journal);
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);
  steve_test_add_func ("/soak/restarts", test_soak);
  return g_test_run ();
}
