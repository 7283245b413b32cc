/* test-soak-gui.c — the device-restart soak with the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window, connected to its simulated device, records while the device
 * reboots every 10 s (down for 1.5 s), the telemetry connection is cut
 * every 7 s and 10 % of the HTTP requests answer 500; the tuner changes a
 * setting every 2 s and once during every outage. Headless (Xvfb), with
 * warnings and criticals fatal. Then:
 *
 *  - the window survived, is connected and streams again;
 *  - the recording it saved holds every sample the device sent while it
 *    recorded (0 lost), with a reconnect-gap event exactly at every outage
 *    and nowhere else, and the stream came back within 1 s of the device
 *    (see tests/steve-soak-check.h);
 *  - during every reboot the banner showed the outage, and it was gone
 *    again shortly after the stream came back;
 *  - right after a reconnection the e-stop shortcut (Esc, a real key press
 *    when xdotool is there) still works: the simulated valve goes to its
 *    error state;
 *  - settings changed during an outage reached the device afterwards;
 *  - file descriptors and threads do not pile up (RSS is printed only: the
 *    plots keep their history by design).
 *
 * Duration: 40 s by default. STEVE_SOAK_SECONDS sets it (10 … 86400),
 * e.g. ten minutes, headless; `-t 0` lifts meson's 240 s timeout:
 *
 *     STEVE_SOAK_SECONDS=600 xvfb-run -a dbus-run-session -- \
 *       meson test -C _build test-soak-gui -t 0
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "steve-history.h"
#include "steve-window.h"

#include "steve-gui-test-utils.h"
#include "steve-soak-check.h"

#define DEFAULT_SECONDS     40
#define RESTART_PERIOD_MS   10000
#define DOWNTIME_MS         1500
#define CUT_PERIOD_MS       7000
#define HTTP_ERROR_RATE     0.1
#define TUNE_PERIOD_US      (2 * G_USEC_PER_SEC)
/* the banner may stay this long after the stream is back (the client's
 * state and the next status poll) */
#define BANNER_CLEAR_US     (1500 * 1000)

static SteveWindow *window;
static char *tmpdir;

/* every change of the banner, noted while the soak spins */
static GtkWidget *banner_revealer;
static GArray *banner_changes;

typedef enum
{
  ESTOP_WAITING,       /* for a reconnection after a reboot */
  ESTOP_STARTING,      /* the valve is being started */
  ESTOP_SENT,          /* Esc pressed, the valve must error */
  ESTOP_DONE,
} EstopStep;

typedef struct
{
  gint64   time_us;
  gboolean shown;
} BannerChange;

/* ------------------------------------------------------------------ helpers */

static gboolean
session_ready (gpointer data)
{
  SteveStreamer *streamer = steve_window_get_streamer (window);
  SteveTuner *tuner = steve_window_get_tuner (window);

  return steve_window_is_connected (window) && tuner != NULL &&
         steve_tuner_has_device_value (tuner, STEVE_FIELD_VISCOUS) &&
         streamer != NULL && steve_streamer_get_state (streamer) == STEVE_STREAMER_STREAMING &&
         steve_history_get_n_samples (steve_window_get_history (window)) > 20;
}

static gboolean
streaming (gpointer data)
{
  SteveStreamer *streamer = steve_window_get_streamer (window);

  return streamer != NULL && steve_streamer_get_state (streamer) == STEVE_STREAMER_STREAMING &&
         steve_window_is_connected (window);
}

static gboolean
recording_idle (gpointer data)
{
  return steve_window_get_recording_state (window) == STEVE_WINDOW_RECORDING_IDLE;
}

static gboolean
sim_viscous_is (gpointer data)
{
  SteveConfig config;

  steve_sim_get_config (steve_window_get_simulator (window), &config);
  return fabs (config.values[STEVE_FIELD_VISCOUS] - *(double *) data) < 1e-9;
}

static gboolean
is_banner_revealer (GtkWidget     *widget,
                    gconstpointer  data)
{
  GtkWidget *child = gtk_widget_get_first_child (widget);

  return GTK_IS_REVEALER (widget) && child != NULL && gtk_widget_has_css_class (child, "banner");
}

/* The banner: the revealer around the box styled "banner". */
static GtkWidget *
find_banner (GtkWidget *widget)
{
  return steve_gui_find_widget (widget, is_banner_revealer, NULL);
}

static const char *
banner_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_text (GTK_LABEL (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      const char *text = banner_text (child);

      if (text)
        return text;
    }
  return NULL;
}

/* One main loop turn; notes the banner when it changes. */
static void
spin_once (void)
{
  gboolean shown;

  g_main_context_iteration (NULL, FALSE);
  g_usleep (1000);

  shown = gtk_revealer_get_reveal_child (GTK_REVEALER (banner_revealer));
  if (banner_changes->len == 0 ? shown : shown != g_array_index (banner_changes, BannerChange, banner_changes->len - 1).shown)
    {
      BannerChange c = { g_get_monotonic_time (), shown };

      g_array_append_val (banner_changes, c);
      if (shown)
        g_debug ("banner: %s", banner_text (banner_revealer));
    }
}

static gboolean
spin_until (SteveTestCondition cond,
            gpointer          data,
            guint             timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (cond == NULL || !cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return cond == NULL;
      spin_once ();
    }
  return TRUE;
}

static gboolean
banner_shown_at (GArray *changes,
                 gint64  time_us)
{
  gboolean shown = FALSE;

  for (guint i = 0; i < changes->len; i++)
    {
      const BannerChange *c = &g_array_index (changes, BannerChange, i);

      if (c->time_us > time_us)
        break;
      shown = c->shown;
    }
  return shown;
}

static gboolean
banner_shown_between (GArray *changes,
                      gint64  from_us,
                      gint64  to_us)
{
  if (banner_shown_at (changes, from_us))
    return TRUE;
  for (guint i = 0; i < changes->len; i++)
    {
      const BannerChange *c = &g_array_index (changes, BannerChange, i);

      if (c->time_us > from_us && c->time_us <= to_us && c->shown)
        return TRUE;
    }
  return FALSE;
}

static void
on_applied (SteveTuner        *tuner,
            const SteveConfig *before,
            const SteveConfig *after,
            SoakOutageChanges *outage)
{
  soak_outage_changes_note_applied (outage, after);
}

static void
on_tuner_error (SteveTuner        *tuner,
                const GError      *error,
                SoakOutageChanges *outage)
{
  if (outage->errors++ < 5)
    g_test_message ("tuner error: %s", error->message);
}

static void
tune (double value)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (steve_tuner_set_value (steve_window_get_tuner (window), STEVE_FIELD_VISCOUS, value, &error));
  g_assert_no_error (error);
}

/* Esc as the user presses it, through the X server; the action it is
 * bound to when that cannot be done here. Returns when the press reached
 * the window (or the action was activated). */
static gint64
press_escape (void)
{
  gint64 arrived_us = 0;

  if (steve_gui_press_key (GTK_WINDOW (window), "Escape", &arrived_us))
    return arrived_us;

  arrived_us = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.estop", NULL));
  return arrived_us;
}

/* ------------------------------------------------------------------ the soak */

static void
test_soak (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "soak.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GArray) log = NULL;
  g_autoptr(GArray) states = NULL;
  g_autoptr(GError) error = NULL;
  guint seconds = soak_duration_s (DEFAULT_SECONDS);
  SteveSim *sim;
  SteveTuner *tuner;
  SoakWatch *watch;
  SoakResult r;
  SoakOutageChanges outage;
  EstopStep estop = ESTOP_WAITING;
  gint64 t0, t_end, next_tune, estop_us = 0, estop_deadline = 0;
  gboolean changed_this_outage = FALSE;
  guint n_tunes = 0, banner_missed = 0, banner_stuck = 0, base_fds = 0, end_fds, base_threads = 0, end_threads;
  guint64 base_rss = 0, end_rss;
  double final_value = 0.0444, restart_max, restart_median, cut_max, cut_median, estop_ms = -1;

  g_assert_true (steve_test_wait_for (session_ready, NULL, 15000));
  sim = steve_window_get_simulator (window);
  tuner = steve_window_get_tuner (window);
  banner_revealer = find_banner (GTK_WIDGET (window));
  g_assert_nonnull (banner_revealer);
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (banner_revealer)));
  banner_changes = g_array_new (FALSE, FALSE, sizeof (BannerChange));

  soak_outage_changes_init (&outage);
  g_signal_connect (tuner, "applied", G_CALLBACK (on_applied), &outage);
  g_signal_connect (tuner, "error", G_CALLBACK (on_tuner_error), &outage);

  steve_sim_set_log_samples (sim, TRUE);
  watch = soak_watch_new (sim);
  g_assert_true (steve_window_start_recording (window, file, STEVE_RECORDING_FORMAT_JSON, &error));
  g_assert_no_error (error);

  steve_sim_set_restart_every (sim, RESTART_PERIOD_MS, DOWNTIME_MS);
  steve_sim_set_stream_close_every (sim, CUT_PERIOD_MS);
  steve_sim_set_http_error_rate (sim, HTTP_ERROR_RATE);

  t0 = g_get_monotonic_time ();
  t_end = t0 + (gint64) seconds * G_USEC_PER_SEC;
  next_tune = t0 + TUNE_PERIOD_US;
  g_test_message ("GUI soak: %u s; reboot every %u ms (down %u ms), stream cut every %u ms, %.0f %% HTTP 500",
                  seconds, RESTART_PERIOD_MS, DOWNTIME_MS, CUT_PERIOD_MS, HTTP_ERROR_RATE * 100);

  while (g_get_monotonic_time () < t_end || estop == ESTOP_STARTING || estop == ESTOP_SENT)
    {
      gint64 now;
      gboolean up;

      spin_once ();
      now = g_get_monotonic_time ();
      up = soak_watch_is_up (watch);

      if (!up && !changed_this_outage)
        {
          tune (soak_outage_changes_next (&outage));
          changed_this_outage = TRUE;
        }
      else if (up)
        changed_this_outage = FALSE;

      if (now >= next_tune)
        {
          next_tune += TUNE_PERIOD_US;
          /* not while an outage change is still queued (see SoakOutageChanges) */
          if (up && steve_window_is_connected (window) && soak_outage_changes_settled (&outage))
            tune (0.0200 + 0.0010 * (n_tunes++ % 100));
        }

      /* the e-stop right after the first reconnection after a reboot.
       * The 500s are paused meanwhile: this is about reconnecting, and an
       * e-stop that meets a 500 fails loudly (that has its own test). */
      switch (estop)
        {
        case ESTOP_WAITING:
          if (steve_sim_get_boot_count (sim) >= 2 && up && streaming (NULL) &&
              now + 6 * G_USEC_PER_SEC < t_end)
            {
              base_rss = soak_rss_bytes ();
              base_fds = soak_count_fds ();
              base_threads = soak_count_threads ();
              steve_sim_set_http_error_rate (sim, 0);
              g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "valve.start", NULL));
              estop_deadline = now + 3 * G_USEC_PER_SEC;
              estop = ESTOP_STARTING;
            }
          break;

        case ESTOP_STARTING:
          if (steve_sim_get_valve_state (sim) == STEVE_VALVE_STATE_RUNNING)
            {
              /* from the moment the press reached the window: the
               * helper waits for that, and the e-stop leaves meanwhile */
              estop_us = press_escape ();
              estop_deadline = estop_us + 3 * G_USEC_PER_SEC;
              estop = ESTOP_SENT;
            }
          else if (now >= estop_deadline)
            g_error ("the valve did not start within 3 s after the reconnection");
          break;

        case ESTOP_SENT:
          if (steve_sim_get_valve_state (sim) == STEVE_VALVE_STATE_ERROR)
            {
              estop_ms = (now - estop_us) / 1000.0;
              g_assert_cmphex (steve_sim_get_axis_error (sim), ==, 0x4000);
              steve_sim_set_http_error_rate (sim, HTTP_ERROR_RATE);
              estop = ESTOP_DONE;
            }
          else if (now >= estop_deadline)
            g_error ("the e-stop after the reconnection did not put the valve in its error state within 3 s");
          break;

        case ESTOP_DONE:
        default:
          break;
        }
    }

  /* calm again */
  steve_sim_set_restart_every (sim, 0, 0);
  steve_sim_set_stream_close_every (sim, 0);
  steve_sim_set_http_error_rate (sim, 0);
  g_assert_true (spin_until (streaming, NULL, DOWNTIME_MS + 5000));
  spin_until (soak_outage_changes_settled, &outage, 5000);
  tune (final_value);
  g_assert_true (spin_until (sim_viscous_is, &final_value, 5000));
  spin_until (NULL, NULL, BANNER_CLEAR_US / 1000);

  /* the window is fine: connected, streaming, no banner */
  g_assert_true (steve_window_is_connected (window));
  g_assert_true (streaming (NULL));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (banner_revealer)));
  end_rss = soak_rss_bytes ();
  end_fds = soak_count_fds ();
  end_threads = soak_count_threads ();

  steve_window_stop_recording (window);
  g_assert_true (steve_test_wait_for (recording_idle, NULL, 20000));
  g_assert_cmpuint (steve_window_get_n_recordings_saved (window), ==, 1);
  states = soak_watch_free (watch);
  log = steve_sim_dup_sample_log (sim);
  steve_sim_set_log_samples (sim, FALSE);
  g_signal_handlers_disconnect_by_data (tuner, &outage);

  recording = steve_recording_load (path, &error);
  g_assert_no_error (error);
  soak_check (log, recording, states, steve_recording_get_info (recording)->interval_ms, &r);
  soak_max_median (r.restart_ms, &restart_max, &restart_median);
  soak_max_median (r.cut_ms, &cut_max, &cut_median);

  /* the banner during every reboot, and gone soon after the stream is back */
  {
    gint64 down_us = 0;

    for (guint k = 0; k < states->len; k++)
      {
        const SoakSimState *st = &g_array_index (states, SoakSimState, k);
        const SteveSample *samples;
        guint n;
        gint64 back_us = 0;

        if (!st->up)
          {
            down_us = st->time_us;
            continue;
          }
        if (down_us == 0)
          continue;

        /* the first sample recorded after the device came back */
        samples = steve_recording_get_samples (recording, &n);
        for (guint i = 0; i < n && back_us == 0; i++)
          if (samples[i].host_time_us > st->time_us)
            back_us = samples[i].host_time_us;
        if (back_us == 0)
          continue;   /* the recording ended before */

        if (!banner_shown_between (banner_changes, down_us, back_us))
          {
            banner_missed++;
            g_test_message ("no banner during the outage at +%.1f s", (down_us - t0) / 1e6);
          }
        if (banner_shown_at (banner_changes, back_us + BANNER_CLEAR_US) &&
            back_us + BANNER_CLEAR_US < g_array_index (states, SoakSimState, MIN (k + 1, states->len - 1)).time_us)
          {
            banner_stuck++;
            g_test_message ("the banner still showed %.1f s after the stream was back at +%.1f s",
                            BANNER_CLEAR_US / 1e6, (back_us - t0) / 1e6);
          }
        down_us = 0;
      }
  }

  g_test_message ("GUI soak %u s: %" G_GUINT64_FORMAT " samples sent, %" G_GUINT64_FORMAT " recorded, "
                  "%" G_GUINT64_FORMAT " lost, %" G_GUINT64_FORMAT " extra; "
                  "%u outages (%u reboots, %u cuts), %u gap events (%u within a connection); "
                  "reconnection after reboot max %.0f ms, median %.0f ms; after a cut max %.0f ms, median %.0f ms; "
                  "banner shown %u times, missed %u, stuck %u; e-stop to valve error %.0f ms; "
                  "%u/%u outage changes applied, %u tuner errors; RSS %.1f → %.1f MiB; fds %u → %u; threads %u → %u",
                  seconds, r.sent, r.recorded, r.lost, r.extra,
                  r.restart_gaps + r.cuts, r.restart_gaps, r.cuts, r.gap_events, r.stall_events,
                  restart_max, restart_median, cut_max, cut_median,
                  (banner_changes->len + 1) / 2, banner_missed, banner_stuck, estop_ms,
                  outage.applied, outage.changes, outage.errors,
                  base_rss / 1048576.0, end_rss / 1048576.0, base_fds, end_fds, base_threads, end_threads);

  /* 0 lost while connected, gaps exactly at the outages */
  g_assert_true (r.aligned);
  g_assert_cmpuint (r.lost, ==, 0);
  g_assert_cmpuint (r.extra, ==, 0);
  g_assert_cmpuint (r.sent, ==, r.recorded);
  g_assert_cmpuint (r.recorded, >=, (guint64) seconds * 1000 / steve_recording_get_info (recording)->interval_ms / 2);
  if (seconds >= 2 * RESTART_PERIOD_MS / 1000)
    g_assert_cmpuint (r.restarts, >=, seconds * 1000 / RESTART_PERIOD_MS - 1);
  g_assert_cmpuint (r.skipped_boots, ==, 0);
  g_assert_cmpuint (r.restart_gaps, ==, r.restarts);
  g_assert_cmpuint (r.gaps_bad, ==, 0);
  g_assert_cmpuint (r.gap_events, ==, r.restart_gaps + r.cuts);
  g_assert_cmpuint (r.stall_events, ==, 0);
  g_assert_cmpfloat (r.max_gap_error_ms, <=, 250.0);
  g_assert_cmpfloat (restart_max, <=, soak_reconnect_bound_ms ());
  g_assert_cmpfloat (cut_max, <=, soak_reconnect_bound_ms ());

  /* the banner told, then cleared */
  g_assert_cmpuint (banner_missed, ==, 0);
  g_assert_cmpuint (banner_stuck, ==, 0);

  /* the e-stop after a reconnection */
  if (seconds >= 20)
    g_assert_cmpint (estop, ==, ESTOP_DONE);

  /* settings made during outages flowed */
  g_assert_cmpuint (outage.applied + outage.errors, >=, outage.changes);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_CONFIG_CHANGE), >=, 1);

  /* nothing piles up */
  if (base_fds > 0)
    {
      g_assert_cmpuint (end_fds, <=, base_fds + 2);
      g_assert_cmpuint (end_threads, <=, base_threads + 2);
    }

  soak_result_clear (&r);
  g_clear_pointer (&banner_changes, g_array_unref);
  soak_outage_changes_clear (&outage);
  g_unlink (path);
}

static void
test_finalize (void)
{
  steve_gui_close_window (g_steal_pointer (&window));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  steve_gui_test_init (&argc, &argv);
  tmpdir = g_dir_make_tmp ("steve-soak-XXXXXX", NULL);

  window = steve_gui_simulated_window_new ();

  steve_test_add_func ("/soak-gui/restarts", test_soak);
  steve_test_add_func ("/soak-gui/finalize", test_finalize);

  status = g_test_run ();

  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
