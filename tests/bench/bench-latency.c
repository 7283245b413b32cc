/* bench-latency.c — from a sample's arrival to the frame that draws it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app's path under Xvfb: simulator → streamer worker → main-context
 * batch → history → chart, redrawn from the frame clock.
 *
 * For every sample: the time from its receipt (host_time_us, taken in the
 * worker when the bytes arrived) to the end of the frame that drew it,
 * and how many frames began after its receipt up to and including that
 * one (1: drawn by the next frame). A frame draws the samples that were
 * in the history when its update phase began. Target: p99 ≤ one frame at
 * 60 Hz.
 */
#include "config.h"

#include <stdlib.h>

#include <adwaita.h>

#include "steve-chart.h"
#include "steve-client.h"
#include "steve-history.h"
#include "steve-sim.h"
#include "steve-streamer.h"

typedef struct
{
  gint64 received;   /* host_time_us: the worker read it */
  gint64 appended;   /* it reached the history */
} Pending;

typedef struct
{
  SteveHistory  *history;
  GArray        *pending;     /* Pending: samples not drawn yet */
  GArray        *frames;      /* gint64: every frame's start (before-paint), in order */
  gint64         frame_cut;   /* the last frame's update phase began: what it draws */
  GArray        *total;       /* ms, receipt → painted */
  GArray        *to_frame;    /* ms, receipt → its frame begins */
  GArray        *handoff;     /* ms, receipt → in the history */
  GArray        *paint;       /* ms, its frame begins → painted */
  GArray        *late;        /* frames begun after receipt, up to the one that drew it */
} Bench;

static void
on_samples (SteveStreamer *streamer,
            GArray        *batch,
            Bench         *b)
{
  gint64 now = g_get_monotonic_time ();

  steve_history_append (b->history, (const SteveSample *) (gpointer) batch->data, batch->len);
  for (guint i = 0; i < batch->len; i++)
    {
      Pending p = { g_array_index (batch, SteveSample, i).host_time_us, now };

      g_array_append_val (b->pending, p);
    }
}

static void
add_ms (GArray *array,
        gint64  us)
{
  double ms = us / 1000.0;

  g_array_append_val (array, ms);
}

static void
before_paint (GdkFrameClock *clock,
              Bench         *b)
{
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (b->frames, now);
}

static void
update (GdkFrameClock *clock,
        Bench         *b)
{
  b->frame_cut = g_get_monotonic_time ();
}

/* How many frames began after `received`, this one included. */
static double
frames_late (Bench  *b,
             gint64  received)
{
  guint n = 0;

  for (guint i = b->frames->len; i > 0 && g_array_index (b->frames, gint64, i - 1) > received; i--)
    n++;
  return n;
}

static void
after_paint (GdkFrameClock *clock,
             Bench         *b)
{
  gint64 now = g_get_monotonic_time ();
  gint64 frame_start;
  guint kept = 0;

  if (b->frames->len == 0)   /* connected in the middle of a frame */
    return;
  frame_start = g_array_index (b->frames, gint64, b->frames->len - 1);

  for (guint i = 0; i < b->pending->len; i++)
    {
      Pending p = g_array_index (b->pending, Pending, i);
      double late;

      if (p.appended > b->frame_cut)
        {
          g_array_index (b->pending, Pending, kept++) = p;
          continue;
        }
      late = frames_late (b, p.received);
      g_array_append_val (b->late, late);
      add_ms (b->total, now - p.received);
      add_ms (b->to_frame, frame_start - p.received);
      add_ms (b->handoff, p.appended - p.received);
      add_ms (b->paint, now - frame_start);
    }
  g_array_set_size (b->pending, kept);
}

static int
compare_double (const void *x,
                const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;
  return (a > b) - (a < b);
}

static void
percentiles (GArray *array,
             double *median,
             double *p99,
             double *max)
{
  double *v = (double *) (gpointer) array->data;
  guint n = array->len;

  qsort (v, n, sizeof *v, compare_double);
  *median = v[n / 2];
  *p99 = v[MIN (n - 1, n * 99 / 100)];
  *max = v[n - 1];
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(gboolean *) user_data = steve_client_connect_finish (STEVE_CLIENT (source), result, NULL) ? 1 : 2;
}

int
main (int   argc,
      char *argv[])
{
  double seconds = 20;
  g_autoptr(SteveSim) sim = NULL;
  g_autoptr(SteveClient) client = NULL;
  g_autoptr(SteveStreamer) streamer = NULL;
  GtkWidget *window, *chart;
  Bench b = { 0 };
  gboolean ok = FALSE;
  gint64 end;
  guint first_frame;

  if (argc > 2 || (argc == 2 && (seconds = g_ascii_strtod (argv[1], NULL)) <= 0))
    {
      g_printerr ("usage: bench-latency [SECONDS]\n");
      return EXIT_FAILURE;
    }

  gtk_init ();
  adw_init ();

  sim = g_object_new (STEVE_TYPE_SIM, NULL);
  if (!steve_sim_start (sim, NULL))
    return EXIT_FAILURE;

  client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), NULL);
  steve_client_connect_async (client, NULL, connected, &ok);
  while (!ok)
    g_main_context_iteration (NULL, TRUE);
  if (ok != 1)
    return EXIT_FAILURE;

  b.history = steve_history_new ();
  b.pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  b.total = g_array_new (FALSE, FALSE, sizeof (double));
  b.to_frame = g_array_new (FALSE, FALSE, sizeof (double));
  b.handoff = g_array_new (FALSE, FALSE, sizeof (double));
  b.paint = g_array_new (FALSE, FALSE, sizeof (double));
  b.frames = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.late = g_array_new (FALSE, FALSE, sizeof (double));

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  chart = steve_chart_new ();
  steve_chart_set_history (STEVE_CHART (chart), b.history);
  steve_chart_set_window (STEVE_CHART (chart), 10);
  gtk_window_set_child (GTK_WINDOW (window), chart);
  gtk_window_present (GTK_WINDOW (window));

  streamer = steve_streamer_new (client, "127.0.0.1", steve_sim_get_stream_port (sim), 10);
  g_signal_connect (streamer, "samples", G_CALLBACK (on_samples), &b);
  steve_streamer_start (streamer);

  while (gtk_widget_get_frame_clock (chart) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_signal_connect (gtk_widget_get_frame_clock (chart), "before-paint", G_CALLBACK (before_paint), &b);
  g_signal_connect (gtk_widget_get_frame_clock (chart), "update", G_CALLBACK (update), &b);
  g_signal_connect (gtk_widget_get_frame_clock (chart), "after-paint", G_CALLBACK (after_paint), &b);

  /* warm up, then measure */
  end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_array_set_size (b.total, 0);
  g_array_set_size (b.to_frame, 0);
  g_array_set_size (b.handoff, 0);
  g_array_set_size (b.paint, 0);
  g_array_set_size (b.late, 0);
  first_frame = b.frames->len;
  end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);

  if (b.total->len == 0)
    {
      g_printerr ("bench-latency: no frame drew a sample\n");
      return EXIT_FAILURE;
    }

  {
    double med, p99, max, f_med, f_p99, f_max, h_med, h_p99, h_max, p_med, p_p99, p_max;
    double l_med, l_p99, l_max, i_med, i_p99, i_max;
    g_autoptr(GArray) interval = g_array_new (FALSE, FALSE, sizeof (double));
    guint in_next = 0;

    for (guint i = 0; i < b.late->len; i++)
      in_next += g_array_index (b.late, double, i) <= 1;
    percentiles (b.total, &med, &p99, &max);
    percentiles (b.to_frame, &f_med, &f_p99, &f_max);
    percentiles (b.handoff, &h_med, &h_p99, &h_max);
    percentiles (b.paint, &p_med, &p_p99, &p_max);
    percentiles (b.late, &l_med, &l_p99, &l_max);
    for (guint i = first_frame + 1; i < b.frames->len; i++)
      add_ms (interval, g_array_index (b.frames, gint64, i) - g_array_index (b.frames, gint64, i - 1));
    percentiles (interval, &i_med, &i_p99, &i_max);

    g_print ("sample arrival → drawn (%u samples over %.0f s, 100 Hz, chart 1280×800 under Xvfb)\n",
             b.total->len, seconds);
    g_print ("  frames of latency            median %.0f  p99 %.0f  max %.0f   drawn by the next frame: %u of %u (%.2f %%)\n",
             l_med, l_p99, l_max, in_next, b.late->len, 100.0 * in_next / b.late->len);
    g_print ("  arrival → painted            median %5.2f  p99 %5.2f  max %5.2f ms\n", med, p99, max);
    g_print ("    arrival → its frame begins median %5.2f  p99 %5.2f  max %5.2f ms\n", f_med, f_p99, f_max);
    g_print ("    frame begins → painted     median %5.2f  p99 %5.2f  max %5.2f ms  (layout, snapshot, render, X11)\n",
             p_med, p_p99, p_max);
    g_print ("  worker → history             median %5.2f  p99 %5.2f  max %5.2f ms\n", h_med, h_p99, h_max);
    g_print ("  frame interval               median %5.2f  p99 %5.2f  max %5.2f ms\n", i_med, i_p99, i_max);
    g_print ("RESULT|sample arrival → drawn (Xvfb)|p99 %.0f frame (%.2f %% drawn by the next frame); in time: median %.1f, p99 %.1f ms (to its frame's start p99 %.1f; painting median %.1f, p99 %.1f ms)|p99 ≤ one frame at 60 Hz|%s\n",
             l_p99, 100.0 * in_next / b.late->len, med, p99, f_p99, p_med, p_p99,
             l_p99 <= 1 ? "met in frames, not in ms (see below)" : "MISSED");
  }

  steve_streamer_stop (streamer);
  steve_client_disconnect (client);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  steve_sim_stop (sim);
  g_object_unref (b.history);
  g_array_unref (b.pending);
  g_array_unref (b.total);
  g_array_unref (b.to_frame);
  g_array_unref (b.handoff);
  g_array_unref (b.paint);
  g_array_unref (b.frames);
  g_array_unref (b.late);
  return EXIT_SUCCESS;
}
