/* test-app.c — the Steve Tuner window against the simulated device, headless
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under Xvfb. One window for the whole run, connected through "Try the
 * simulated device"; the tests then drive it the way a user would (sliders,
 * actions, the Esc key through the X server) and check what reaches the
 * simulated device and what the window shows.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "steve-chart.h"
#include "steve-field-row.h"
#include "steve-history.h"
#include "steve-model-view.h"
#include "steve-physics.h"
#include "steve-tuner-panel.h"
#include "steve-window.h"

#include "steve-gui-test-utils.h"

static SteveWindow *window;

static gboolean
session_ready (gpointer data)
{
  SteveTuner *tuner = steve_window_get_tuner (window);
  SteveStreamer *streamer = steve_window_get_streamer (window);

  return steve_window_is_connected (window) && tuner != NULL &&
         steve_tuner_has_device_value (tuner, STEVE_FIELD_VISCOUS) &&
         streamer != NULL && steve_streamer_get_state (streamer) == STEVE_STREAMER_STREAMING &&
         steve_history_get_n_samples (steve_window_get_history (window)) > 20;
}

static SteveFieldRow *
row_for (SteveField field)
{
  return STEVE_FIELD_ROW (steve_tuner_panel_get_row (STEVE_TUNER_PANEL (steve_window_get_tuner_panel (window)), field));
}

static double
sim_value (SteveField field)
{
  SteveConfig config;

  steve_sim_get_config (steve_window_get_simulator (window), &config);
  return config.values[field];
}

/* ------------------------------------------------------------------ tests */

static void
test_connect_simulated (void)
{
  g_assert_true (steve_test_wait_for (session_ready, NULL, 15000));

  /* the tuner shows the device's values */
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (steve_field_row_get_spin (row_for (STEVE_FIELD_VISCOUS)))), ==, 0.02);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (steve_field_row_get_spin (row_for (STEVE_FIELD_TORQUE_LIMIT)))), ==, 8.0);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (steve_field_row_get_spin (row_for (STEVE_FIELD_OPEN_POS)))), ==, 90.0);
  g_assert_cmpstr (adw_window_title_get_title (ADW_WINDOW_TITLE (steve_window_get_title_widget (window))), ==, "Simulated Device");
}

static gboolean
sim_viscous_is_005 (gpointer data)
{
  return fabs (sim_value (STEVE_FIELD_VISCOUS) - 0.05) < 1e-9;
}

static void
test_slider_reaches_device (void)
{
  SteveFieldRow *row = row_for (STEVE_FIELD_VISCOUS);
  GtkWidget *scale = steve_field_row_get_scale (row);

  /* as a hand on the slider would: it ends at 0.05 */
  for (double v = 0.03; v < 0.05; v += 0.002)
    gtk_range_set_value (GTK_RANGE (scale), steve_field_row_value_to_slider (row, v));
  gtk_range_set_value (GTK_RANGE (scale), steve_field_row_value_to_slider (row, 0.05));

  g_assert_true (steve_test_wait_for (sim_viscous_is_005, NULL, 5000));
  steve_test_sleep_ms (100);
  g_assert_cmpfloat_with_epsilon (gtk_spin_button_get_value (GTK_SPIN_BUTTON (steve_field_row_get_spin (row))), 0.05, 1e-4);
  g_assert_false (steve_tuner_is_dirty (steve_window_get_tuner (window), STEVE_FIELD_VISCOUS));
}

static gboolean
sim_running (gpointer data)
{
  return steve_sim_get_valve_state (steve_window_get_simulator (window)) == STEVE_VALVE_STATE_RUNNING;
}

static gboolean
sim_error (gpointer data)
{
  return steve_sim_get_valve_state (steve_window_get_simulator (window)) == STEVE_VALVE_STATE_ERROR;
}

static void
test_estop_shortcut (void)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "valve.start", NULL));
  g_assert_true (steve_test_wait_for (sim_running, NULL, 5000));

  /* put the keyboard focus deep inside the tuner: Esc must still stop */
  gtk_widget_grab_focus (steve_field_row_get_spin (row_for (STEVE_FIELD_COULOMB)));

  /* a real key press through the X server, which reaches the window */
  g_assert_true (steve_gui_press_key (GTK_WINDOW (window), "Escape", NULL));

  /* the ODrive estop latches; the valve errors at its next heartbeat check */
  if (!steve_test_wait_for (sim_error, NULL, 3000))
    g_test_message ("Escape arrived, but the device's axis error is 0x%x, its valve state %d",
                    steve_sim_get_axis_error (steve_window_get_simulator (window)),
                    (int) steve_sim_get_valve_state (steve_window_get_simulator (window)));
  g_assert_true (sim_error (NULL));
  g_assert_cmphex (steve_sim_get_axis_error (steve_window_get_simulator (window)), ==, 0x4000);

  /* recover for the next tests: stop, then the start clears the ODrive error */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "valve.stop", NULL));
  steve_test_sleep_ms (300);
}

static gboolean
history_grows (gpointer data)
{
  guint *before = data;
  return steve_history_get_n_samples (steve_window_get_history (window)) > *before + 50;
}

static void
test_plots_receive_samples (void)
{
  SteveHistory *history = steve_window_get_history (window);
  guint before = steve_history_get_n_samples (history);
  double t0, t1, value;

  g_assert_true (steve_test_wait_for (history_grows, &before, 5000));
  g_assert_true (steve_history_get_time_range (history, &t0, &t1));
  g_assert_cmpfloat (t1 - t0, >, 0.5);
  /* the newest position in the history is the sim's last streamed value */
  g_assert_true (steve_history_value_at (history, t1, STEVE_CHANNEL_POSITION, &value));
  g_assert_true (isfinite (value));
}

static gboolean
stream_interval_is (gpointer data)
{
  SteveStreamerStats stats;

  steve_streamer_get_stats (steve_window_get_streamer (window), &stats);
  return stats.interval_ms == GPOINTER_TO_UINT (data) &&
         steve_streamer_get_state (steve_window_get_streamer (window)) == STEVE_STREAMER_STREAMING;
}

/* The stream interval preference reaches the running stream. */
static void
test_stream_interval_preference (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  guint before = g_settings_get_uint (settings, "stream-interval");
  SteveStreamerStats stats;
  guint64 connections;

  g_assert_cmpuint (before, !=, 50);
  g_assert_true (steve_test_wait_for (stream_interval_is, GUINT_TO_POINTER (before), 5000));
  steve_streamer_get_stats (steve_window_get_streamer (window), &stats);
  connections = stats.connections;
  g_settings_set_uint (settings, "stream-interval", 50);
  g_assert_true (steve_test_wait_for (stream_interval_is, GUINT_TO_POINTER (50), 5000));
  g_assert_cmpuint (steve_streamer_get_interval (steve_window_get_streamer (window)), ==, 50);
  /* the same connection: the device was told, not reconnected */
  steve_streamer_get_stats (steve_window_get_streamer (window), &stats);
  g_assert_cmpuint (stats.connections, ==, connections);

  g_settings_set_uint (settings, "stream-interval", before);
  g_assert_true (steve_test_wait_for (stream_interval_is, GUINT_TO_POINTER (before), 5000));
}

/* A setting written outside the app may hold any window in the key's
 * range: the chart and the dropdown both show the nearest one offered. */
static void
test_plot_window_setting (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  SteveChart *chart = STEVE_CHART (steve_window_get_chart (window));
  GtkDropDown *dropdown = GTK_DROP_DOWN (steve_gui_find_named (GTK_WIDGET (window), "plot-window-dropdown"));
  double before = g_settings_get_double (settings, "plot-window");
  static const struct { double setting, shown; guint index; } cases[] = {
    { 45, 60, 4 },      /* nearer to 60 s than to 30 s by ratio */
    { 1, 2, 0 },
    { 600, 600, 7 },
    { 7.5, 10, 2 },
    { 0, 0, 8 },        /* everything */
    { 30, 30, 3 },
  };

  g_assert_nonnull (dropdown);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_settings_set_double (settings, "plot-window", cases[i].setting);
      g_assert_cmpfloat (steve_chart_get_window (chart), ==, cases[i].shown);
      g_assert_cmpuint (gtk_drop_down_get_selected (dropdown), ==, cases[i].index);
    }

  /* and the other way: the dropdown writes the setting */
  gtk_drop_down_set_selected (dropdown, 6);
  g_assert_cmpfloat (g_settings_get_double (settings, "plot-window"), ==, 300);
  g_assert_cmpfloat (steve_chart_get_window (chart), ==, 300);

  g_settings_set_double (settings, "plot-window", before);
}

static void
test_model_overlay (void)
{
  SteveModelView *view = STEVE_MODEL_VIEW (steve_window_get_model_view (window));
  const SteveConfig *config = steve_client_get_device_config (steve_window_get_client (window));
  StevePhysicsParams params;

  steve_physics_params_from_config (&params, config);

  for (double w = -20; w <= 20; w += 2.5)
    {
      double drawn = 0;
      double expected = steve_physics_torque (&params, (params.closed_turns + params.open_turns) / 2,
                                              w / (2 * G_PI), NULL);

      g_assert_true (steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY, w, &drawn));
      g_assert_cmpfloat_with_epsilon (drawn, expected, 1e-9);
    }
}

static void
render_device_page (const char *suffix)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *name = g_strdup_printf ("main-%s.png", suffix);
  GdkRGBA position, torque, filtered;
  guint n_position, n_torque;

  /* the pointer away from the plots, no toast: a clean picture */
  steve_window_dismiss_toasts (window);
  g_spawn_command_line_sync ("xdotool mousemove 1279 1023", NULL, NULL, NULL, NULL);
  steve_test_sleep_ms (400);
  texture = steve_gui_render (GTK_WIDGET (window));
  steve_gui_save_png (texture, name);

  steve_chart_get_series_color (STEVE_CHANNEL_POSITION, &position);
  steve_chart_get_series_color (STEVE_CHANNEL_TORQUE, &torque);
  steve_chart_get_series_color (STEVE_CHANNEL_FILT_TORQUE, &filtered);
  n_position = steve_gui_count_color (texture, &position);
  /* the filtered torque is drawn over the torque: count both */
  n_torque = steve_gui_count_color (texture, &torque) + steve_gui_count_color (texture, &filtered);
  g_test_message ("%s: %u position pixels, %u torque pixels", name, n_position, n_torque);
  g_assert_cmpuint (n_position, >, 300);
  g_assert_cmpuint (n_torque, >, 300);
}

static void
test_render_pages (void)
{
  AdwStyleManager *manager = adw_style_manager_get_default ();

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_unmaximize (GTK_WINDOW (window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "valve.start", NULL));
  /* long enough to fill most of the 10 s plot window: these renders are
   * the screenshots in data/screenshots */
  steve_test_sleep_ms (6000);
  /* no text selected in a field from the e-stop test */
  gtk_window_set_focus (GTK_WINDOW (window), NULL);

  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  render_device_page ("light");
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  render_device_page ("dark");

  /* the model view too */
  steve_window_show_model_view (window, TRUE);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GdkTexture) texture = NULL;

      adw_style_manager_set_color_scheme (manager, i ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
      steve_window_dismiss_toasts (window);
      steve_test_sleep_ms (600);
      texture = steve_gui_render (GTK_WIDGET (window));
      steve_gui_save_png (texture, i ? "model-dark.png" : "model-light.png");
    }
  steve_window_show_model_view (window, FALSE);

  /* every other page of the window, in place */
  for (guint p = 0; p < 3; p++)
    {
      static const char * const pages[] = { "presets", "sweeps", "diagnostics" };

      steve_window_show_page (window, pages[p]);
      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(GdkTexture) texture = NULL;
          g_autofree char *name = g_strdup_printf ("window-%s-%s.png", pages[p], i ? "dark" : "light");

          adw_style_manager_set_color_scheme (manager, i ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
          steve_window_dismiss_toasts (window);
          steve_test_sleep_ms (1200);
          texture = steve_gui_render (GTK_WIDGET (window));
          steve_gui_save_png (texture, name);
        }
    }
  steve_window_show_page (window, "tune");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "valve.stop", NULL));
  steve_test_sleep_ms (300);
  adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
}

static void
test_start_page_and_finalize (void)
{
  g_autoptr(GdkTexture) texture = NULL;

  steve_window_disconnect (window);
  steve_window_dismiss_toasts (window);
  steve_test_sleep_ms (600);
  texture = steve_gui_render (GTK_WIDGET (window));
  steve_gui_save_png (texture, "start.png");

  /* the start page shows the app icon, an SVG: the SVG loader is there
   * (librsvg2-common is only recommended by GTK on Debian) */
  {
    g_autofree char *svg = g_test_build_filename (G_TEST_DIST, "..", "data", "icons", "hicolor", "scalable",
                                                  "apps", "io.github.stevetuner.SteveTuner.svg", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GdkTexture) icon = gdk_texture_new_from_filename (svg, &error);

    g_assert_no_error (error);
    g_assert_cmpint (gdk_texture_get_width (icon), >, 0);
  }

  /* closing: no leaked window */
  steve_gui_close_window (g_steal_pointer (&window));
}

int
main (int   argc,
      char *argv[])
{
  steve_gui_test_init (&argc, &argv);

  window = steve_gui_simulated_window_new ();

  steve_test_add_func ("/app/connect-simulated", test_connect_simulated);
  steve_test_add_func ("/app/slider-reaches-device", test_slider_reaches_device);
  steve_test_add_func ("/app/estop-shortcut", test_estop_shortcut);
  steve_test_add_func ("/app/plots-receive-samples", test_plots_receive_samples);
  steve_test_add_func ("/app/stream-interval-preference", test_stream_interval_preference);
  steve_test_add_func ("/app/plot-window-setting", test_plot_window_setting);
  steve_test_add_func ("/app/model-overlay", test_model_overlay);
  steve_test_add_func ("/app/render-pages", test_render_pages);
  steve_test_add_func ("/app/start-page-and-finalize", test_start_page_and_finalize);

  return g_test_run ();
}
