/* test-sweep-page.c — the Sweeps page against the simulated device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under Xvfb. Each test starts a simulator on loopback, connects a
 * SteveClient, a SteveStreamer and a SteveTuner to it, starts the valve and
 * shows the page in a 1280×800 window. Sweeps run for real (short dwell
 * times); what the page shows, records and exports is checked against the
 * core's results and against the simulator's own configuration.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "steve-client.h"
#include "steve-error.h"
#include "steve-field.h"
#include "steve-recording.h"
#include "steve-streamer.h"
#include "steve-sweep-page.h"
#include "steve-tuner.h"

#include "steve-gui-test-utils.h"
#include "steve-test-utils.h"

typedef struct
{
  SteveTestTmp   *tmp;
  SteveSim       *sim;
  SteveClient    *client;
  SteveStreamer  *streamer;
  SteveTuner     *tuner;
  GtkWidget      *window;
  SteveSweepPage *page;   /* weak */
} Fixture;

/* ------------------------------------------------------------------ helpers */

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
  g_autoptr(SteveConfig) config = NULL;
  SteveConfig update = { { 0 }, 0 };

  steve_config_set (&update, STEVE_FIELD_VISCOUS, value);
  steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &r);
  config = steve_client_set_config_finish (f->client, steve_test_wait_result (&r, 10), NULL);
  g_assert_nonnull (config);
}

typedef struct
{
  Fixture    *f;
  SteveField  field;
  double      want;
} SimValue;

static gboolean
sim_value_is (gpointer data)
{
  SimValue *v = data;
  SteveConfig config;

  steve_sim_get_config (v->f->sim, &config);
  return steve_config_has (&config, v->field) && fabs (config.values[v->field] - v->want) < 1e-9;
}

/* while running, the device stages a change for its next 1 ms cycle */
static void
assert_sim_value (Fixture    *f,
                  SteveField  field,
                  double      want)
{
  SimValue v = { f, field, want };

  g_assert_true (steve_test_wait_for (sim_value_is, &v, 3000));
}

static gboolean
page_idle (gpointer data)
{
  Fixture *f = data;

  return !steve_sweep_page_is_busy (f->page);
}

static void
wait_page_idle (Fixture *f,
                guint    timeout_ms)
{
  g_assert_true (steve_test_wait_for (page_idle, f, timeout_ms));
  /* the list view makes its rows on the next frames */
  steve_test_sleep_ms (300);
}

static gboolean
first_step_done (gpointer data)
{
  Fixture *f = data;
  SteveSweep *sweep = steve_sweep_page_get_sweep (f->page);
  guint n = 0;

  if (sweep)
    steve_sweep_get_results (sweep, &n);
  return n >= 1;
}

static SteveSweepPlan
viscous_plan (double start,
              double end,
              guint  steps,
              double dwell)
{
  SteveSweepPlan plan = { 0 };

  plan.n_axes = 1;
  plan.axes[0].field = STEVE_FIELD_VISCOUS;
  plan.axes[0].start = start;
  plan.axes[0].end = end;
  plan.axes[0].steps = steps;
  plan.axes[0].scale = STEVE_SWEEP_SCALE_LINEAR;
  plan.dwell_s = dwell;
  plan.settle_s = 0.1;
  return plan;
}

static GFile *
tmp_file (Fixture    *f,
          const char *name)
{
  g_autofree char *path = g_build_filename (f->tmp->dir, name, NULL);

  return g_file_new_for_path (path);
}

/* Every label's text under @widget, in widget order. */
static void
collect_labels (GtkWidget *widget,
                GPtrArray *texts)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget))
    g_ptr_array_add (texts, g_strdup (gtk_label_get_text (GTK_LABEL (widget))));
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect_labels (c, texts);
}

/* Whether @row appears as consecutive cells. */
static gboolean
has_row (GPtrArray   *texts,
         const char **row,
         guint        n)
{
  for (guint i = 0; i + n <= texts->len; i++)
    {
      guint k = 0;

      while (k < n && g_strcmp0 (g_ptr_array_index (texts, i + k), row[k]) == 0)
        k++;
      if (k == n)
        return TRUE;
    }
  return FALSE;
}

/* The table shows every result of the core, as the page formats it. */
static void
assert_table_matches (Fixture *f)
{
  SteveSweep *sweep = steve_sweep_page_get_sweep (f->page);
  const SteveSweepPlan *plan = steve_sweep_get_plan (sweep);
  GtkColumnView *view = GTK_COLUMN_VIEW (steve_sweep_page_get_results_view (f->page));
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  const SteveSweepResult *results;
  guint n;

  results = steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (view))), ==, n);
  g_assert_cmpuint (g_list_model_get_n_items (gtk_column_view_get_columns (view)), ==,
                    1 + plan->n_axes + STEVE_N_SWEEP_METRICS);
  collect_labels (GTK_WIDGET (view), texts);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) row = g_ptr_array_new_with_free_func (g_free);

      g_ptr_array_add (row, g_strdup_printf ("%u", i + 1));
      for (guint a = 0; a < plan->n_axes; a++)
        g_ptr_array_add (row, steve_field_format_value (plan->axes[a].field, results[i].values[a]));
      for (guint m = 0; m < STEVE_N_SWEEP_METRICS; m++)
        g_ptr_array_add (row, steve_sweep_page_format_number (results[i].metrics[m]));

      if (!has_row (texts, (const char **) row->pdata, row->len))
        {
          g_autofree char *want = g_strjoinv (" | ", (char **) g_ptr_array_steal (row, NULL));
          g_error ("row %u not shown: %s", i + 1, want);
        }
    }
}

static guint
count_marks (SteveRecording *rec,
             const char     *prefix)
{
  const SteveRecordingEvent *events;
  guint n_events, marks = 0;

  events = steve_recording_get_events (rec, &n_events);
  for (guint i = 0; i < n_events; i++)
    if (events[i].kind == STEVE_RECORDING_EVENT_MARK && g_str_has_prefix (events[i].label, prefix))
      marks++;
  return marks;
}

static guint
count_journals (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "steve-tuner", "journals", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  if (d)
    while (g_dir_read_name (d))
      n++;
  return n;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return find_message_dialog () != NULL;
}

static void
answer_dialog (AdwMessageDialog *dialog,
               const char       *response)
{
  g_object_ref (dialog);
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
  steve_test_sleep_ms (50);
}

/* ------------------------------------------------------------------ fixture */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GAsyncResult) s = NULL;
  GtkWidget *overlay, *page;

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
  f->tuner = steve_tuner_new (f->client);

  f->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);
  overlay = adw_toast_overlay_new ();
  page = steve_sweep_page_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), page);
  gtk_window_set_child (GTK_WINDOW (f->window), overlay);
  f->page = STEVE_SWEEP_PAGE (page);
  g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &f->page);
  gtk_window_present (GTK_WINDOW (f->window));

  steve_sweep_page_set_session (f->page, f->client, f->streamer, f->tuner);
  steve_test_sleep_ms (200);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  AdwMessageDialog *dialog;

  while ((dialog = find_message_dialog ()) != NULL)
    gtk_window_destroy (GTK_WINDOW (dialog));

  /* the page goes with its window */
  gtk_window_destroy (GTK_WINDOW (f->window));
  steve_test_sleep_ms (100);
  g_assert_null (f->page);

  g_clear_object (&f->tuner);
  steve_streamer_stop (f->streamer);
  g_clear_object (&f->streamer);
  steve_client_disconnect (f->client);
  steve_test_sleep_ms (50);
  g_clear_object (&f->client);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
  steve_test_tmp_free (f->tmp);
}

/* ------------------------------------------------------------------ tests */

static void
test_empty_state (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *page = steve_sweep_page_new ();
  SteveSweepPlan plan = viscous_plan (0.03, 0.09, 3, 0.3);
  g_autoptr(GError) error = NULL;
  gpointer weak = page;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_set_child (GTK_WINDOW (window), page);
  g_object_add_weak_pointer (G_OBJECT (page), &weak);
  gtk_window_present (GTK_WINDOW (window));
  steve_test_sleep_ms (100);

  g_assert_nonnull (steve_gui_find_label (page, "No Device Connected"));
  {
    g_autoptr(GdkTexture) shot = steve_gui_render (window);

    steve_gui_save_png (shot, "sweep-empty.png");
  }
  g_assert_false (gtk_widget_get_mapped (steve_sweep_page_get_results_view (STEVE_SWEEP_PAGE (page))));
  g_assert_false (steve_sweep_page_start (STEVE_SWEEP_PAGE (page), &plan, NULL, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_CONNECTION);
  g_assert_false (steve_sweep_page_is_busy (STEVE_SWEEP_PAGE (page)));

  gtk_window_destroy (GTK_WINDOW (window));
  steve_test_sleep_ms (50);
  g_assert_null (weak);
}

/* The form: hard limits in the inputs, live validation and duration. */
static void
test_form (Fixture       *f,
           gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (0.03, 0.09, 3, 0.3), back;
  GtkWidget *validation;
  g_autoptr(GError) error = NULL;

  steve_sweep_page_set_plan (f->page, &plan);
  steve_sweep_page_get_plan (f->page, &back);
  g_assert_cmpuint (back.n_axes, ==, 1);
  g_assert_cmpint (back.axes[0].field, ==, STEVE_FIELD_VISCOUS);
  g_assert_cmpfloat_with_epsilon (back.axes[0].start, 0.03, 1e-9);
  g_assert_cmpfloat_with_epsilon (back.axes[0].end, 0.09, 1e-9);
  g_assert_cmpuint (back.axes[0].steps, ==, 3);
  g_assert_cmpfloat_with_epsilon (back.dwell_s, 0.3, 1e-9);
  g_assert_cmpfloat_with_epsilon (back.settle_s, 0.1, 1e-9);
  /* 3 × (0.1 + 0.3) s */
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "3 steps · 1.2 s"));
  g_assert_true (gtk_widget_is_sensitive (gtk_widget_get_ancestor (steve_gui_find_label (GTK_WIDGET (f->page), "Start Sweep…"), GTK_TYPE_BUTTON)));

  /* the inputs cannot go past the hard limit: the form holds 30 N·m at most */
  plan.axes[0].field = STEVE_FIELD_TORQUE_LIMIT;
  plan.axes[0].start = 1;
  plan.axes[0].end = 45;
  steve_sweep_page_set_plan (f->page, &plan);
  steve_sweep_page_get_plan (f->page, &back);
  g_assert_cmpfloat (back.axes[0].end, ==, 30.0);
  /* and the core refuses such a plan outright */
  g_assert_false (steve_sweep_page_start (f->page, &plan, NULL, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_clear_error (&error);

  /* an invalid plan: the reason inline, the start disabled */
  plan = viscous_plan (0.0, 0.09, 3, 0.3);
  plan.axes[0].scale = STEVE_SWEEP_SCALE_LOG;
  steve_sweep_page_set_plan (f->page, &plan);
  steve_test_sleep_ms (50);
  validation = steve_gui_find_label (GTK_WIDGET (f->page), "logarithmic sweep needs a start and an end above zero");
  g_assert_nonnull (validation);
  g_assert_true (gtk_widget_get_visible (validation));
  g_assert_false (gtk_widget_is_sensitive (gtk_widget_get_ancestor (steve_gui_find_label (GTK_WIDGET (f->page), "Start Sweep…"), GTK_TYPE_BUTTON)));

  /* a grid of the same field twice */
  plan = viscous_plan (0.03, 0.09, 3, 0.3);
  plan.n_axes = 2;
  plan.axes[1] = (SteveSweepAxis) { STEVE_FIELD_VISCOUS, 0.02, 0.04, 2, STEVE_SWEEP_SCALE_LINEAR };
  steve_sweep_page_set_plan (f->page, &plan);
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "A grid needs two different fields."));
  {
    g_autoptr(GdkTexture) shot = NULL;

    steve_test_sleep_ms (200);
    shot = steve_gui_render (f->window);
    steve_gui_save_png (shot, "sweep-form.png");
  }
}

static void
test_three_steps (Fixture       *f,
                  gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (0.03, 0.09, 3, 0.3);
  g_autoptr(GFile) recording_file = tmp_file (f, "sweep-viscous.h5");
  g_autoptr(GFile) csv_file = tmp_file (f, "results.csv");
  g_autoptr(SteveRecording) rec = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv = NULL;
  g_auto(GStrv) lines = NULL;
  const SteveSweepResult *results;
  SteveSweep *sweep;
  guint n, samples;

  set_viscous (f, 0.02);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);

  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_no_error (error);
  g_assert_true (steve_sweep_page_is_busy (f->page));
  /* the form is locked while it runs */
  g_assert_false (gtk_widget_is_sensitive (steve_gui_find_label (GTK_WIDGET (f->page), "Dwell per Step")));
  g_assert_true (steve_test_wait_for (first_step_done, f, 5000));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Sweep Running"));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Now: Viscous damping = 0.0600 N·m·s/rad"));

  wait_page_idle (f, 20000);
  sweep = steve_sweep_page_get_sweep (f->page);
  g_assert_cmpint (steve_sweep_get_state (sweep), ==, STEVE_SWEEP_DONE);
  results = steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (n, ==, 3);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpfloat_with_epsilon (results[i].values[0], 0.03 + 0.03 * i, 1e-12);
      g_assert_cmpuint (results[i].n_samples, >=, 20);
    }
  assert_table_matches (f);

  /* done, and the device is as it was */
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Sweep Done"));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Original settings restored: Viscous damping = 0.0200 N·m·s/rad"));
  g_assert_true (gtk_widget_is_sensitive (steve_gui_find_label (GTK_WIDGET (f->page), "Dwell per Step")));

  /* one file with the step boundaries; the journal is gone once it is written */
  rec = steve_recording_load (g_file_peek_path (recording_file), &error);
  g_assert_no_error (error);
  g_assert_nonnull (rec);
  g_assert_cmpuint (count_marks (rec, "Sweep step "), ==, 3);
  g_assert_cmpuint (count_marks (rec, "Sweep started"), ==, 1);
  g_assert_cmpuint (count_marks (rec, "Sweep: original values restored"), ==, 1);
  steve_recording_get_samples (rec, &samples);
  g_assert_cmpuint (samples, >, 3 * 25);
  g_assert_cmpfloat_with_epsilon (steve_recording_get_info (rec)->config_at_start.values[STEVE_FIELD_VISCOUS], 0.02, 1e-9);
  g_assert_cmpuint (count_journals (), ==, 0);
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Recorded to "));

  /* the table as CSV, parsed back */
  g_assert_true (steve_sweep_page_export_csv_to_file (f->page, csv_file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_load_contents (csv_file, NULL, &csv, NULL, NULL, NULL));
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "step,viscous,mean_torque_nm,rms_torque_nm,peak_torque_nm,"
                                 "mean_abs_velocity_rad_s,energy_dissipated_j,time_in_walls_s,n_samples");
  for (guint i = 0; i < 3; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i + 1], ",", -1);

      g_assert_cmpuint (g_strv_length (cells), ==, 2 + STEVE_N_SWEEP_METRICS + 1);
      g_assert_cmpuint (g_ascii_strtoull (cells[0], NULL, 10), ==, i + 1);
      g_assert_cmpfloat_with_epsilon (g_ascii_strtod (cells[1], NULL), results[i].values[0], 1e-9);
      for (guint m = 0; m < STEVE_N_SWEEP_METRICS; m++)
        g_assert_cmpfloat_with_epsilon (g_ascii_strtod (cells[2 + m], NULL), results[i].metrics[m],
                                        1e-7 * MAX (1.0, fabs (results[i].metrics[m])));
      g_assert_cmpuint (g_ascii_strtoull (cells[2 + STEVE_N_SWEEP_METRICS], NULL, 10), ==, results[i].n_samples);
    }
  g_assert_cmpstr (lines[4], ==, "");

  /* a place that cannot be written: a specific error, nothing half-written */
  {
    g_autoptr(GFile) bad = tmp_file (f, "missing-dir/results.csv");

    g_assert_false (steve_sweep_page_export_csv_to_file (f->page, bad, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_assert_false (g_file_query_exists (bad, NULL));
  }
}

static void
test_abort (Fixture       *f,
            gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (0.03, 0.09, 5, 0.4);
  g_autoptr(GFile) recording_file = tmp_file (f, "aborted.json");
  g_autoptr(SteveRecording) rec = NULL;
  g_autoptr(GError) error = NULL;
  SteveSweep *sweep;
  guint n;

  set_viscous (f, 0.025);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.025);

  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_true (steve_test_wait_for (first_step_done, f, 5000));
  g_assert_true (gtk_widget_get_visible (steve_gui_find_label (GTK_WIDGET (f->page), "Abort")));
  {
    g_autoptr(GdkTexture) shot = NULL;

    steve_test_sleep_ms (100);
    shot = steve_gui_render (f->window);
    steve_gui_save_png (shot, "sweep-running.png");
  }
  steve_sweep_page_abort (f->page);

  wait_page_idle (f, 10000);
  sweep = steve_sweep_page_get_sweep (f->page);
  g_assert_cmpint (steve_sweep_get_state (sweep), ==, STEVE_SWEEP_ABORTED);
  steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <, 5);
  assert_table_matches (f);

  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.025);
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Sweep Aborted"));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Original settings restored: Viscous damping = 0.0250"));

  /* the abort is in the recording, which went to the JSON file */
  rec = steve_recording_load (g_file_peek_path (recording_file), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_marks (rec, "Sweep aborted"), ==, 1);
  /* every measured step, and the one in progress once the device took it */
  g_assert_cmpuint (count_marks (rec, "Sweep step "), >=, n);
  g_assert_cmpuint (count_marks (rec, "Sweep step "), <=, n + 1);
}

static void
estop_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_assert_true (steve_client_estop_finish (STEVE_CLIENT (source), result, NULL));
}

/* The valve goes into its error state (an e-stop from elsewhere): the sweep
 * stops within a moment, says why, and the original value comes back. */
static void
test_valve_error_stops (Fixture       *f,
                        gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (0.03, 0.09, 10, 0.5);
  g_autoptr(GFile) recording_file = tmp_file (f, "estop.csv");
  g_autoptr(GError) error = NULL;
  SteveSweep *sweep;
  gint64 t0;
  guint n;

  set_viscous (f, 0.02);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);

  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_true (steve_test_wait_for (first_step_done, f, 5000));

  t0 = g_get_monotonic_time ();
  steve_client_estop_async (f->client, NULL, estop_cb, NULL);
  wait_page_idle (f, 10000);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 3 * G_USEC_PER_SEC);

  sweep = steve_sweep_page_get_sweep (f->page);
  g_assert_cmpint (steve_sweep_get_state (sweep), ==, STEVE_SWEEP_FAILED);
  steve_sweep_get_results (sweep, &n);
  g_assert_cmpuint (n, <=, 2);
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Sweep Failed"));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "the valve went into its error state"));
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);
  g_assert_true (g_file_query_exists (recording_file, NULL));

  /* with the valve in error, no new sweep starts */
  g_assert_false (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_FAILED);
}

/* The window's e-stop calls steve_sweep_page_abort(): it also drops a
 * confirmation still open, so no sweep starts after it. */
static void
test_confirm_outside_recommended (Fixture       *f,
                                  gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (0.3, 0.8, 2, 0.3);   /* 0.8 > 0.5 recommended */
  g_autoptr(GFile) recording_file = tmp_file (f, "confirmed.h5");
  g_autoptr(GError) error = NULL;
  AdwMessageDialog *dialog;

  set_viscous (f, 0.02);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);

  /* asked; cancelled: nothing is sent */
  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_true (steve_test_wait_for (dialog_shown, NULL, 2000));
  dialog = find_message_dialog ();
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Sweep Outside the Recommended Range?");
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Viscous damping: recommended 0.0100 to 0.5000"));
  g_assert_true (steve_sweep_page_is_busy (f->page));
  g_assert_null (steve_sweep_page_get_sweep (f->page));
  answer_dialog (dialog, "cancel");
  g_assert_false (steve_sweep_page_is_busy (f->page));
  g_assert_null (steve_sweep_page_get_sweep (f->page));
  steve_test_sleep_ms (200);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);

  /* the same through the form and its Start button's action */
  steve_sweep_page_set_plan (f->page, &plan);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "sweep.start", NULL));
  g_assert_true (steve_test_wait_for (dialog_shown, NULL, 2000));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Waiting for Confirmation"));
  answer_dialog (find_message_dialog (), "cancel");
  g_assert_false (steve_sweep_page_is_busy (f->page));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Ready"));

  /* asked; an abort (e-stop) meanwhile closes the question */
  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_true (steve_test_wait_for (dialog_shown, NULL, 2000));
  steve_sweep_page_abort (f->page);
  steve_test_sleep_ms (50);
  g_assert_null (find_message_dialog ());
  g_assert_false (steve_sweep_page_is_busy (f->page));
  g_assert_null (steve_sweep_page_get_sweep (f->page));

  /* asked; confirmed: it runs and restores */
  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_true (steve_test_wait_for (dialog_shown, NULL, 2000));
  answer_dialog (find_message_dialog (), "start");
  g_assert_nonnull (steve_sweep_page_get_sweep (f->page));
  wait_page_idle (f, 15000);
  g_assert_cmpint (steve_sweep_get_state (steve_sweep_page_get_sweep (f->page)), ==, STEVE_SWEEP_DONE);
  assert_table_matches (f);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);
  g_assert_true (g_file_query_exists (recording_file, NULL));
}

/* The session ends in the middle (the window disconnects): the sweep is
 * stopped, the device gets its value back, the recording so far is kept. */
static void
test_session_end (Fixture       *f,
                  gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (0.03, 0.09, 6, 0.4);
  g_autoptr(GFile) recording_file = tmp_file (f, "session.h5");
  g_autoptr(GError) error = NULL;

  set_viscous (f, 0.02);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);

  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_true (steve_test_wait_for (first_step_done, f, 5000));
  steve_sweep_page_set_session (f->page, NULL, NULL, NULL);
  g_assert_false (steve_sweep_page_is_busy (f->page));
  g_assert_null (steve_sweep_page_get_sweep (f->page));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "No Device Connected"));

  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);
  {
    g_autoptr(GFile) file = g_object_ref (recording_file);
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (!g_file_query_exists (file, NULL) && g_get_monotonic_time () < deadline)
      steve_test_sleep_ms (20);
    g_assert_true (g_file_query_exists (file, NULL));
  }
}

static void
render (Fixture    *f,
        const char *name)
{
  g_autoptr(GdkTexture) page = NULL;
  g_autoptr(GdkTexture) plot = NULL;
  GdkRGBA first, second;

  steve_test_sleep_ms (300);
  page = steve_gui_render (f->window);
  steve_gui_save_png (page, name);

  /* both lines of the grid are drawn in their colours */
  plot = steve_gui_render (steve_sweep_page_get_plot (f->page));
  gdk_rgba_parse (&first, "#3584e4");
  gdk_rgba_parse (&second, "#e66100");
  g_assert_cmpuint (steve_gui_count_color (plot, &first), >, 100);
  g_assert_cmpuint (steve_gui_count_color (plot, &second), >, 100);
}

/* A grid: one line per value of the second field; pictures in light and dark. */
static void
test_grid_render (Fixture       *f,
                  gconstpointer  data)
{
  SteveSweepPlan plan = viscous_plan (0.02, 0.12, 4, 0.25);
  g_autoptr(GFile) recording_file = tmp_file (f, "grid.h5");
  g_autoptr(GError) error = NULL;
  GtkWidget *plot = steve_sweep_page_get_plot (f->page);

  /* equal ratios along the first field (a log axis), two lines */
  plan.axes[0].scale = STEVE_SWEEP_SCALE_LOG;
  plan.n_axes = 2;
  plan.axes[1] = (SteveSweepAxis) { STEVE_FIELD_COULOMB, 0.01, 0.04, 2, STEVE_SWEEP_SCALE_LINEAR };
  plan.settle_s = 0;

  g_assert_true (steve_sweep_page_start (f->page, &plan, recording_file, &error));
  g_assert_no_error (error);
  wait_page_idle (f, 20000);
  g_assert_cmpint (steve_sweep_get_state (steve_sweep_page_get_sweep (f->page)), ==, STEVE_SWEEP_DONE);
  assert_table_matches (f);
  assert_sim_value (f, STEVE_FIELD_VISCOUS, 0.02);
  assert_sim_value (f, STEVE_FIELD_COULOMB, 0.06);

  steve_sweep_page_set_plot_metric (f->page, STEVE_SWEEP_METRIC_MEAN_ABS_VELOCITY);
  g_assert_true (gtk_widget_get_mapped (plot));

  steve_gui_set_dark (FALSE);
  render (f, "sweep-light.png");
  steve_gui_set_dark (TRUE);
  render (f, "sweep-dark.png");
  steve_gui_set_dark (FALSE);
}

int
main (int   argc,
      char *argv[])
{
  steve_gui_test_init (&argc, &argv);

  steve_test_add_func ("/sweep-page/empty-state", test_empty_state);
#define ADD(path, func) steve_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sweep-page/form", test_form);
  ADD ("/sweep-page/three-steps", test_three_steps);
  ADD ("/sweep-page/abort", test_abort);
  ADD ("/sweep-page/valve-error-stops", test_valve_error_stops);
  ADD ("/sweep-page/confirm-outside-recommended", test_confirm_outside_recommended);
  ADD ("/sweep-page/session-end", test_session_end);
  ADD ("/sweep-page/grid-render", test_grid_render);
#undef ADD

  return g_test_run ();
}
