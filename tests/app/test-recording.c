/* test-recording.c — recording, reviewing and exporting in the window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Headless, against the in-process simulated device: a 5 s session is
 * recorded through the window (with a setting change and a mark), saved,
 * written again in all three formats, and every file must read back with
 * the same samples, metadata and markers. The review window shows it; the
 * plots export as PNG, SVG and CSV; an interrupted recording is offered
 * for recovery.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "steve-chart.h"
#include "steve-history.h"
#include "steve-plot-export.h"
#include "steve-recorder.h"
#include "steve-review-window.h"
#include "steve-window.h"

#include "steve-gui-test-utils.h"

static SteveWindow *window;
static char *tmpdir;
static char *saved_path;

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
sim_running (gpointer data)
{
  return steve_sim_get_valve_state (steve_window_get_simulator (window)) == STEVE_VALVE_STATE_RUNNING;
}

static void
check_same_recording (SteveRecording *a,
                      SteveRecording *b)
{
  const SteveRecordingInfo *ia = steve_recording_get_info (a);
  const SteveRecordingInfo *ib = steve_recording_get_info (b);
  const SteveSample *sa, *sb;
  guint na, nb;

  sa = steve_recording_get_samples (a, &na);
  sb = steve_recording_get_samples (b, &nb);
  g_assert_cmpuint (na, ==, nb);
  for (guint i = 0; i < na; i++)
    {
      g_assert_cmpuint (sa[i].timestamp_ms, ==, sb[i].timestamp_ms);
      g_assert_cmpfloat_with_epsilon (sa[i].torque_nm, sb[i].torque_nm, 1e-6);
      g_assert_cmpfloat_with_epsilon (sa[i].position_deg, sb[i].position_deg, 1e-6);
    }

  g_assert_cmpstr (ia->device_host, ==, ib->device_host);
  g_assert_cmpint (ia->dialect, ==, ib->dialect);
  g_assert_cmpuint (ia->interval_ms, ==, ib->interval_ms);
  for (SteveField f = 0; f < STEVE_N_FIELDS; f++)
    g_assert_true (steve_config_field_equal (&ia->config_at_start, &ib->config_at_start, f));

  g_assert_cmpuint (steve_recording_count_events (a, STEVE_RECORDING_EVENT_CONFIG_CHANGE), ==,
                    steve_recording_count_events (b, STEVE_RECORDING_EVENT_CONFIG_CHANGE));
  g_assert_cmpuint (steve_recording_count_events (a, STEVE_RECORDING_EVENT_MARK), ==,
                    steve_recording_count_events (b, STEVE_RECORDING_EVENT_MARK));
}

static void
test_record_session (void)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GPtrArray) journals = NULL;
  const SteveRecordingEvent *events;
  const SteveSample *samples;
  double target = 0.035;
  guint n_samples, n_events, n_changes = 0, n_marks = 0;
  gint64 start, before_start, after_start, before_stop, after_stop;

  g_assert_true (steve_test_wait_for (session_ready, NULL, 15000));
  /* the valve runs, so the hand on the shaft shows in the data */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "valve.start", NULL));
  g_assert_true (steve_test_wait_for (sim_running, NULL, 5000));

  saved_path = g_build_filename (tmpdir, "session.h5", NULL);
  file = g_file_new_for_path (saved_path);
  before_start = g_get_monotonic_time ();
  g_assert_true (steve_window_start_recording (window, file, STEVE_RECORDING_FORMAT_HDF5, &error));
  after_start = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_assert_cmpint (steve_window_get_recording_state (window), ==, STEVE_WINDOW_RECORDING);

  /* a second recording cannot start over the first */
  g_assert_false (steve_window_start_recording (window, file, STEVE_RECORDING_FORMAT_CSV, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BUSY);
  g_clear_error (&error);

  /* the journal exists while recording, and is not an orphan */
  journals = steve_window_list_orphan_journals (window);
  g_assert_cmpuint (journals->len, ==, 0);

  start = g_get_monotonic_time ();
  steve_test_sleep_ms (1500);
  g_assert_true (steve_tuner_set_value (steve_window_get_tuner (window), STEVE_FIELD_VISCOUS, target, &error));
  g_assert_no_error (error);
  g_assert_true (steve_test_wait_for (sim_viscous_is, &target, 5000));
  steve_test_sleep_ms (1000);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.add-mark", NULL);
  while (g_get_monotonic_time () - start < 5 * G_USEC_PER_SEC)
    steve_test_sleep_ms (50);

  /* the bar shows what is being recorded */
  before_stop = g_get_monotonic_time ();
  steve_window_stop_recording (window);
  after_stop = g_get_monotonic_time ();
  g_assert_true (steve_test_wait_for (recording_idle, NULL, 10000));
  g_assert_cmpuint (steve_window_get_n_recordings_saved (window), ==, 1);
  g_assert_true (g_file_test (saved_path, G_FILE_TEST_EXISTS));

  /* the journal went away with the save */
  g_clear_pointer (&journals, g_ptr_array_unref);
  journals = steve_window_list_orphan_journals (window);
  g_assert_cmpuint (journals->len, ==, 0);

  recording = steve_recording_load (saved_path, &error);
  g_assert_no_error (error);
  samples = steve_recording_get_samples (recording, &n_samples);
  /* about 5 s (more on a slow machine: valgrind) at the default 100 Hz:
   * the samples of the time between start and stop, consecutive */
  g_assert_cmpint (n_samples, >=, (before_stop - after_start) / (10 * 1000) * 9 / 10 - 10);
  g_assert_cmpint (n_samples, <=, (after_stop - before_start) / (10 * 1000) + 10);
  g_assert_cmpuint (steve_recording_get_gap_count (recording), ==, 0);
  for (guint i = 1; i < n_samples; i++)
    g_assert_cmpuint (samples[i].timestamp_ms - samples[i - 1].timestamp_ms, ==, 10);

  events = steve_recording_get_events (recording, &n_events);
  for (guint i = 0; i < n_events; i++)
    {
      if (events[i].kind == STEVE_RECORDING_EVENT_CONFIG_CHANGE)
        {
          n_changes++;
          g_assert_cmpfloat_with_epsilon (events[i].after.values[STEVE_FIELD_VISCOUS], target, 1e-9);
          g_assert_cmpfloat (events[i].before.values[STEVE_FIELD_VISCOUS], !=, target);
        }
      else if (events[i].kind == STEVE_RECORDING_EVENT_MARK)
        {
          n_marks++;
          g_assert_cmpstr (events[i].label, ==, "Mark 1");
        }
    }
  g_assert_cmpuint (n_changes, ==, 1);
  g_assert_cmpuint (n_marks, ==, 1);

  /* metadata: the device and the settings at the start */
  g_assert_nonnull (strstr (steve_recording_get_info (recording)->device_host, "127.0.0.1"));
  g_assert_cmpint (steve_recording_get_info (recording)->dialect, ==, STEVE_DIALECT_FIRMWARE);
  g_assert_true (steve_config_has (&steve_recording_get_info (recording)->config_at_start, STEVE_FIELD_VISCOUS));
  g_assert_cmpfloat (steve_recording_get_info (recording)->config_at_start.values[STEVE_FIELD_VISCOUS], !=, target);

  /* the same recording in the other two formats reads back the same */
  for (guint i = 0; i < 2; i++)
    {
      SteveRecordingFormat format = i == 0 ? STEVE_RECORDING_FORMAT_CSV : STEVE_RECORDING_FORMAT_JSON;
      g_autofree char *path = g_build_filename (tmpdir, i == 0 ? "session.csv" : "session.json", NULL);
      g_autoptr(SteveRecording) again = NULL;

      g_assert_true (steve_recording_save (recording, format, path, &error));
      g_assert_no_error (error);
      again = steve_recording_load (path, &error);
      g_assert_no_error (error);
      check_same_recording (recording, again);
    }
}

static GtkWidget *
find_review_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i);

      if (STEVE_IS_REVIEW_WINDOW (w))
        return w;
    }
  return NULL;
}

static gboolean
review_window_open (gpointer data)
{
  return find_review_window () != NULL;
}

static void
test_review_window (void)
{
  g_autoptr(GFile) file = g_file_new_for_path (saved_path);
  g_autoptr(SteveRecording) recording = steve_recording_load (saved_path, NULL);
  g_autoptr(GdkTexture) texture = NULL;
  SteveReviewWindow *review;
  SteveHistory *history;
  GdkRGBA color;
  guint n_samples;

  g_assert_nonnull (recording);
  steve_recording_get_samples (recording, &n_samples);

  steve_review_open_file (NULL, GTK_WIDGET (window), file);
  g_assert_true (steve_test_wait_for (review_window_open, NULL, 10000));
  review = STEVE_REVIEW_WINDOW (find_review_window ());
  gtk_window_set_default_size (GTK_WINDOW (review), 1280, 800);
  steve_test_sleep_ms (500);

  /* the same samples, and the change and the mark as markers */
  history = steve_review_window_get_history (review);
  g_assert_cmpuint (steve_history_get_n_samples (history), ==, n_samples);
  g_assert_cmpuint (steve_history_get_n_markers (history), ==, 2);

  for (guint dark = 0; dark < 2; dark++)
    {
      steve_gui_set_dark (dark);
      steve_test_sleep_ms (300);
      texture = steve_gui_render (GTK_WIDGET (review));
      steve_gui_save_png (texture, dark ? "review-dark.png" : "review-light.png");
      /* the torque line is drawn */
      steve_chart_get_series_color (STEVE_CHANNEL_POSITION, &color);
      g_assert_cmpuint (steve_gui_count_color (texture, &color), >, 200);
      g_clear_object (&texture);
    }
  steve_gui_set_dark (FALSE);

  g_object_ref (review);
  gtk_window_destroy (GTK_WINDOW (review));
  steve_test_sleep_ms (200);
  g_assert_finalize_object (review);
}

static void
test_open_bad_file (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "not-a-recording.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_assert_true (g_file_set_contents (path, "hello,world\n1,2\n", -1, NULL));
  steve_review_open_file (NULL, GTK_WIDGET (window), file);
  steve_test_sleep_ms (1000);
  /* no window for a file that is not a recording; the toast says why */
  g_assert_null (find_review_window ());
}

static void
test_export_view (void)
{
  GtkWidget *chart = steve_window_get_chart (window);
  SteveHistory *history = steve_window_get_history (window);
  g_autofree char *png = g_build_filename (tmpdir, "view.png", NULL);
  g_autofree char *svg = g_build_filename (tmpdir, "view.svg", NULL);
  g_autofree char *csv = g_build_filename (tmpdir, "view.csv", NULL);
  g_autoptr(GFile) png_file = g_file_new_for_path (png);
  g_autoptr(GFile) svg_file = g_file_new_for_path (svg);
  g_autoptr(GFile) csv_file = g_file_new_for_path (csv);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint first, end;
  double t0, t1;
  gboolean svg_checked;

  steve_chart_set_paused (STEVE_CHART (chart), TRUE);
  steve_test_sleep_ms (200);
  steve_chart_get_view (STEVE_CHART (chart), &t0, &t1);

  g_assert_true (steve_plot_export_png (chart, png_file, &error));
  g_assert_no_error (error);
  texture = gdk_texture_new_from_file (png_file, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, gtk_widget_get_width (chart));
  g_assert_cmpint (gdk_texture_get_height (texture), ==, gtk_widget_get_height (chart));

  /* cairo 1.16's SVG backend keeps each document alive from the font
   * cache (fontconfig) until exit: LeakSanitizer reports that as leaked
   * cairo surfaces, and memcheck, now and then, one block of a path
   * recorded into it as definitely lost. The normal run covers the SVG
   * export. */
#ifdef __SANITIZE_ADDRESS__
  svg_checked = FALSE;
#else
  svg_checked = g_getenv ("STEVE_TEST_VALGRIND") == NULL;
#endif
  if (svg_checked)
    {
      g_assert_true (steve_plot_export_svg (chart, svg_file, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (svg, &text, NULL, NULL));
      g_assert_true (g_str_has_prefix (text, "<?xml"));
      g_assert_nonnull (strstr (text, "<svg"));
      g_assert_nonnull (strstr (text, "<path"));
      /* the series are shapes in the file, in their colours (cairo writes
       * rgb(r%,g%,b%)): the torque's orange #e66100 */
      g_assert_nonnull (strstr (text, "rgb(90.19"));
      g_clear_pointer (&text, g_free);
    }
  else
    g_test_message ("SVG export not run under a memory checker (cairo retains SVG documents in its font cache)");

  g_assert_true (steve_plot_export_csv (history, t0, t1, csv_file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "time_s,position_deg,velocity_rad_s,torque_nm,filtered_torque_nm,passivity_energy_j");
  g_assert_true (steve_history_get_index_range (history, t0, t1, &first, &end));
  /* header + one line per visible sample + the empty string after the last newline */
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + (end - first) + 1);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (lines[1], NULL), steve_history_get_time (history, first), 1e-3);

  /* an empty range is refused, and nothing is written */
  g_assert_false (steve_plot_export_csv (history, t1 + 1000, t1 + 2000, csv_file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  steve_chart_set_paused (STEVE_CHART (chart), FALSE);
}

static void
test_survives_stream_cut (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "cut.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveRecording) recording = NULL;
  guint n_samples;

  g_assert_true (steve_window_start_recording (window, file, STEVE_RECORDING_FORMAT_JSON, &error));
  steve_test_sleep_ms (1000);
  steve_sim_close_stream_clients (steve_window_get_simulator (window));
  steve_test_sleep_ms (2500);
  steve_window_stop_recording (window);
  g_assert_true (steve_test_wait_for (recording_idle, NULL, 10000));

  recording = steve_recording_load (path, &error);
  g_assert_no_error (error);
  steve_recording_get_samples (recording, &n_samples);
  /* it kept recording after the cut, and the cut is in the file */
  g_assert_cmpuint (n_samples, >, 250);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_RECONNECT_GAP) +
                    steve_recording_count_events (recording, STEVE_RECORDING_EVENT_GAP), >=, 1);
}

static gboolean
has_file (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
test_crash_recovery (void)
{
  g_autofree char *dir = steve_window_dup_journal_dir ();
  g_autofree char *live_journal = g_build_filename (dir, "20261125-120000-live.journal", NULL);
  g_autofree char *orphan = g_build_filename (dir, "20261125-110000-0badf00d.journal", NULL);
  g_autofree char *dest_path = g_build_filename (tmpdir, "recovered.h5", NULL);
  g_autoptr(GFile) dest = g_file_new_for_path (dest_path);
  g_autoptr(SteveRecorder) recorder = steve_recorder_new ();
  g_autoptr(SteveRecording) stopped = NULL;
  g_autoptr(SteveRecording) recovered = NULL;
  g_autoptr(GPtrArray) journals = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  SteveRecordingInfo info = { 0 };
  GtkWidget *dialog;
  guint n_samples;

  /* what a killed app leaves: the journal as written so far, no end */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  info.device_host = (char *) "127.0.0.1:8080";
  info.dialect = STEVE_DIALECT_FIRMWARE;
  info.interval_ms = 10;
  info.start_time = g_date_time_new_now_local ();
  g_assert_true (steve_recorder_start (recorder, steve_window_get_streamer (window), &info, live_journal, &error));
  g_assert_no_error (error);
  steve_test_sleep_ms (1500);
  g_assert_true (g_file_get_contents (live_journal, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 0);
  g_assert_true (g_file_set_contents (orphan, contents, (gssize) length, NULL));
  stopped = steve_recorder_stop (recorder, NULL);
  g_assert_cmpint (g_unlink (live_journal), ==, 0);
  g_date_time_unref (info.start_time);

  journals = steve_window_list_orphan_journals (window);
  g_assert_cmpuint (journals->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (journals, 0), ==, orphan);

  /* the app offers it */
  dialog = steve_window_offer_recovery (window);
  g_assert_nonnull (dialog);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "interrupted"));
  {
    g_autoptr(GdkTexture) texture = NULL;

    steve_test_sleep_ms (400);
    texture = steve_gui_render (dialog);
    steve_gui_save_png (texture, "recovery-dialog.png");
  }
  /* “Not Now” keeps it */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "later");
  steve_test_sleep_ms (200);
  g_assert_true (g_file_test (orphan, G_FILE_TEST_EXISTS));

  /* saving it (what the dialog does after the file chooser) */
  g_assert_true (steve_window_save_recovered_journal (window, orphan, dest, STEVE_RECORDING_FORMAT_HDF5, &error));
  g_assert_no_error (error);
  g_assert_true (has_file (dest_path));
  g_assert_false (g_file_test (orphan, G_FILE_TEST_EXISTS));

  recovered = steve_recording_load (dest_path, &error);
  g_assert_no_error (error);
  steve_recording_get_samples (recovered, &n_samples);
  g_assert_cmpuint (n_samples, >, 50);
  g_assert_cmpstr (steve_recording_get_info (recovered)->device_host, ==, "127.0.0.1:8080");

  /* nothing left to offer */
  g_assert_null (steve_window_offer_recovery (window));
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
  tmpdir = g_dir_make_tmp ("steve-recording-XXXXXX", NULL);

  window = steve_gui_simulated_window_new ();

  steve_test_add_func ("/recording/record-session", test_record_session);
  steve_test_add_func ("/recording/review-window", test_review_window);
  steve_test_add_func ("/recording/open-bad-file", test_open_bad_file);
  steve_test_add_func ("/recording/export-view", test_export_view);
  steve_test_add_func ("/recording/survives-stream-cut", test_survives_stream_cut);
  steve_test_add_func ("/recording/crash-recovery", test_crash_recovery);
  steve_test_add_func ("/recording/finalize", test_finalize);

  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name (dir)))
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);
        g_unlink (path);
      }
    g_rmdir (tmpdir);
    g_free (tmpdir);
    g_free (saved_path);
  }
  return status;
}
