/* bench-plot.c — frame cost of the live chart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One hour of telemetry at 100 Hz in a SteveHistory, a 1280×800 SteveChart,
 * frames rendered offscreen: the widget's snapshot (its CPU work: history
 * changes, decimation, cached nodes) and the snapshot plus the rendering of
 * the node tree to a texture by the window's renderer. Needs a display
 * (`./test --bench` runs it under Xvfb). Each frame case runs once on
 * every core, pinned there (bench-cpu.h).
 */
#include "config.h"

#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench-cpu.h"
#include "steve-chart-private.h"
#include "steve-chart.h"
#include "steve-history.h"
#include "steve-model-view.h"

#define RATE_HZ     100
#define HOUR        (3600 * RATE_HZ)
#define N_FRAMES    400
#define N_WARMUP    10
#define FPS         60.0
#define TARGET_MS   2.0
#define WIDTH       1280
#define HEIGHT      800

static guint64     next_index;
static guint       n_missed;
static const char *only;   /* run only the cases whose name contains this */

static void
make_sample (SteveSample *x,
             guint64      i)
{
  double t = i / (double) RATE_HZ;
  double noise = ((i * 2654435761u) % 1000) / 1000.0 - 0.5;

  x->host_time_us = (gint64) i * (G_USEC_PER_SEC / RATE_HZ);
  x->timestamp_ms = (guint32) (i * (1000 / RATE_HZ));
  x->position_deg = 45 + 40 * sin (2 * G_PI * 0.2 * t) + noise;
  x->omega_rad_s = 0.88 * cos (2 * G_PI * 0.2 * t) + 0.05 * noise;
  x->torque_nm = -0.4 * x->omega_rad_s + 0.02 * noise;
  x->filt_torque_nm = 0.9 * x->torque_nm;
  x->passivity_mj = -(gint32) (500 + 400 * sin (t / 7.0));
  x->present = STEVE_SAMPLE_ALL_FIELDS;
}

static void
append_samples (SteveHistory *h,
                guint         n)
{
  g_autofree SteveSample *batch = g_new0 (SteveSample, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    make_sample (&batch[i], next_index++);
  steve_history_append (h, batch, n);
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
stats (GArray *v,
       double *median,
       double *p99)
{
  g_array_sort (v, cmp_double);
  *median = g_array_index (v, double, v->len / 2);
  *p99 = g_array_index (v, double, MIN (v->len - 1, (v->len * 99) / 100));
}

typedef enum
{
  MODE_APPEND = 1 << 0,      /* 100 samples/s arrive (1–2 per frame) */
  MODE_INVALIDATE = 1 << 1,  /* drop every cache before each frame */
  MODE_CURSOR = 1 << 2,      /* the pointer moves */
  MODE_PAN = 1 << 3,         /* the view is dragged, 3 pixels a frame */
} Mode;

static const struct
{
  double      window_s;   /* 0: the whole history */
  const char *name;
  Mode        mode;
} frame_cases[] = {
  { 0, "window all, following, +100 samples/s", MODE_APPEND },
  { 0, "window all, every cache dropped each frame", MODE_INVALIDATE },
  { 0, "window all, pointer moving", MODE_CURSOR },
  { 0, "window all, dragged 3 px a frame", MODE_PAN },
  { 10, "10 s window, following live, +100 samples/s", MODE_APPEND },
  { 10, "10 s window, following, +100/s, pointer moving", MODE_APPEND | MODE_CURSOR },
  { 10, "10 s window, every cache dropped each frame", MODE_INVALIDATE },
};

/* One frame case, with the calling thread pinned to @cpu. */
static void
run (GtkWidget    *chart,
     GskRenderer  *renderer,
     SteveHistory *h,
     int           cpu,
     const char   *name,
     Mode          mode)
{
  GtkWidgetClass *klass = GTK_WIDGET_GET_CLASS (chart);
  g_autoptr(GArray) snap = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) total = g_array_new (FALSE, FALSE, sizeof (double));
  int w = gtk_widget_get_width (chart);
  int hh = gtk_widget_get_height (chart);
  double carry = 0.0, snap_med, snap_p99, tot_med, tot_p99;
  gboolean ok;

  if (only != NULL && strstr (name, only) == NULL)
    return;

  bench_cpu_pin (cpu);
  for (guint frame = 0; frame < N_WARMUP + N_FRAMES; frame++)
    {
      GtkSnapshot *snapshot;
      GskRenderNode *node;
      GdkTexture *texture;
      gint64 a, b, c;
      double ms_snap, ms_total;

      if (mode & MODE_APPEND)
        {
          guint n;

          carry += RATE_HZ / FPS;
          n = (guint) carry;
          carry -= n;
          if (n > 0)
            append_samples (h, n);
        }
      if (mode & MODE_INVALIDATE)
        steve_chart_invalidate_caches (STEVE_CHART (chart));
      if (mode & MODE_CURSOR)
        {
          double t0, t1;

          steve_chart_get_view (STEVE_CHART (chart), &t0, &t1);
          steve_chart_set_cursor_time (STEVE_CHART (chart), t0 + (t1 - t0) * (frame % 97) / 97.0);
        }
      if (mode & MODE_PAN)
        {
          double t0, t1;

          /* back and forth, so that the data stays in view (3 widget
           * pixels are some 2.8 columns of the plot): the chart moves
           * along its column grid, decimating and writing only the
           * columns that come into view (before the grid, every column
           * each frame, as in a resize) */
          steve_chart_get_view (STEVE_CHART (chart), &t0, &t1);
          steve_chart_pan (STEVE_CHART (chart), ((frame / 40) % 2 ? -3.0 : 3.0) * (t1 - t0) / w);
        }

      a = g_get_monotonic_time ();
      snapshot = gtk_snapshot_new ();
      klass->snapshot (chart, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      b = g_get_monotonic_time ();
      texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, hh));
      c = g_get_monotonic_time ();

      g_object_unref (texture);
      g_clear_pointer (&node, gsk_render_node_unref);

      if (frame < N_WARMUP)
        continue;
      ms_snap = (b - a) / 1000.0;
      ms_total = (c - a) / 1000.0;
      g_array_append_val (snap, ms_snap);
      g_array_append_val (total, ms_total);
    }

  bench_cpu_unpin ();
  steve_chart_set_cursor_time (STEVE_CHART (chart), NAN);
  steve_chart_follow_live (STEVE_CHART (chart));

  stats (snap, &snap_med, &snap_p99);
  stats (total, &tot_med, &tot_p99);
  /* the target is for the whole offscreen frame: snapshot and render */
  ok = tot_med <= TARGET_MS && tot_p99 <= TARGET_MS;
  if (!ok)
    n_missed++;

  g_print ("%-44s cpu %d: snapshot median %6.3f ms  p99 %6.3f ms | snapshot+render median %6.3f ms  p99 %6.3f ms"
           "   (target ≤ %.0f ms per frame: %s)\n",
           name, cpu, snap_med, snap_p99, tot_med, tot_p99, TARGET_MS, ok ? "met" : "MISSED");
  g_print ("RESULT|plot frame, 1 h history, %s (cpu %d)|snapshot + cairo render median %.2f / p99 %.2f ms (snapshot alone %.2f / %.2f)|≤ %.0f ms per frame|%s\n",
           name, cpu, tot_med, tot_p99, snap_med, snap_p99, TARGET_MS, ok ? "met" : "MISSED");
}

/* The model view redraws everything each frame (dots, curves). */
static void
run_model (SteveHistory *h,
           double        seconds)
{
  g_autoptr(GArray) snap = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) total = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *name = NULL;
  GtkWidget *view = steve_model_view_new ();
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GskRenderer *renderer;
  SteveConfig config;
  double snap_med, snap_p99, tot_med, tot_p99;

  steve_config_init_factory (&config);
  steve_model_view_set_history (STEVE_MODEL_VIEW (view), h);
  steve_model_view_set_config (STEVE_MODEL_VIEW (view), &config);
  steve_model_view_set_seconds (STEVE_MODEL_VIEW (view), seconds);
  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_default_size (window, WIDTH, HEIGHT / 2);
  gtk_window_set_child (window, view);
  gtk_window_present (window);
  while (gtk_widget_get_width (view) != WIDTH || !gtk_widget_get_mapped (view))
    g_main_context_iteration (NULL, TRUE);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  for (guint frame = 0; frame < N_WARMUP + N_FRAMES / 2; frame++)
    {
      GtkSnapshot *snapshot;
      GskRenderNode *node;
      GdkTexture *texture;
      gint64 a, b, c;
      double ms;

      append_samples (h, frame % 3 == 0 ? 1 : 2);
      a = g_get_monotonic_time ();
      snapshot = gtk_snapshot_new ();
      GTK_WIDGET_GET_CLASS (view)->snapshot (view, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      b = g_get_monotonic_time ();
      texture = gsk_renderer_render_texture (renderer, node,
                                             &GRAPHENE_RECT_INIT (0, 0, WIDTH, gtk_widget_get_height (view)));
      c = g_get_monotonic_time ();
      g_object_unref (texture);
      gsk_render_node_unref (node);

      if (frame < N_WARMUP)
        continue;
      ms = (b - a) / 1000.0;
      g_array_append_val (snap, ms);
      ms = (c - a) / 1000.0;
      g_array_append_val (total, ms);
    }

  stats (snap, &snap_med, &snap_p99);
  stats (total, &tot_med, &tot_p99);
  name = g_strdup_printf ("model view %d×%d, last %.0f s (%u dots)", WIDTH, gtk_widget_get_height (view),
                          seconds, steve_model_view_get_n_points (STEVE_MODEL_VIEW (view)));
  g_print ("%-44s snapshot median %6.3f ms  p99 %6.3f ms | snapshot+render median %6.3f ms  p99 %6.3f ms\n",
           name, snap_med, snap_p99, tot_med, tot_p99);

  gtk_window_destroy (window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(SteveHistory) h = NULL;
  g_autofree SteveColumn *cols = NULL;
  g_autoptr(GArray) dec = g_array_new (FALSE, FALSE, sizeof (double));
  GtkWindow *window;
  GtkWidget *chart;
  GskRenderer *renderer;
  double med, p99, t0, t1;
  gint64 start;
  int cpus[BENCH_CPU_MAX];
  guint n_cpus;

  /* bench-plot [TEXT]: only the frame cases whose name contains TEXT */
  only = argc > 1 ? argv[1] : NULL;

  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  gtk_init ();

  n_cpus = bench_cpu_list (cpus);

  /* One hour at 100 Hz */
  h = steve_history_new ();
  start = g_get_monotonic_time ();
  for (guint i = 0; i < HOUR / 1000; i++)
    append_samples (h, 1000);
  g_print ("history: %u samples (1 h at 100 Hz), %.1f MB, filled in %.0f ms\n",
           steve_history_get_n_samples (h), steve_history_get_memory_size (h) / 1e6,
           (g_get_monotonic_time () - start) / 1000.0);

  /* Decimation alone: 5 channels × 1280 columns over the hour */
  cols = g_new (SteveColumn, 1280);
  steve_history_get_time_range (h, &t0, &t1);
  for (guint rep = 0; rep < 200; rep++)
    {
      double ms;

      start = g_get_monotonic_time ();
      for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
        steve_history_decimate_columns (h, ch, t0 - rep * 1e-3, t1, 1280, cols);
      ms = (g_get_monotonic_time () - start) / 1000.0;
      g_array_append_val (dec, ms);
    }
  stats (dec, &med, &p99);
  g_print ("decimate 1 h → 1280 columns, all 5 channels: median %.3f ms  p99 %.3f ms\n", med, p99);

  chart = steve_chart_new ();
  steve_chart_set_history (STEVE_CHART (chart), h);
  gtk_widget_set_can_target (chart, FALSE);
  window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_default_size (window, WIDTH, HEIGHT);
  gtk_window_set_child (window, chart);
  gtk_window_present (window);
  while (gtk_widget_get_width (chart) != WIDTH || gtk_widget_get_height (chart) != HEIGHT ||
         !gtk_widget_get_mapped (chart))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  g_print ("chart %d×%d, renderer %s, %d frames per case\n",
           gtk_widget_get_width (chart), gtk_widget_get_height (chart),
           G_OBJECT_TYPE_NAME (renderer), N_FRAMES);

  /* each frame case on every core in turn (bench-cpu.h), so that the
   * cores' figures for a case are taken seconds apart, not a run apart */
  for (guint i = 0; i < G_N_ELEMENTS (frame_cases); i++)
    {
      steve_chart_set_window (STEVE_CHART (chart), frame_cases[i].window_s);
      for (guint c = 0; c < n_cpus; c++)
        run (chart, renderer, h, cpus[c], frame_cases[i].name, frame_cases[i].mode);
    }

  gtk_window_destroy (window);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (only == NULL || strstr ("model view", only) != NULL)
    {
      run_model (h, 10);
      run_model (h, 60);
    }

  g_print ("%s\n", n_missed == 0 ? "all frame cases within the target"
                                 : "some frame cases missed the target");

  return EXIT_SUCCESS;
}
