/* bench-latency.c — from a sample's arrival to the frame that draws it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The app's path under Xvfb: simulator → streamer worker → main-context
 * batch → history → chart, redrawn from the frame clock. For every sample
 * the time from its receipt (host_time_us, taken in the worker when the
 * bytes arrived) to the end of the first frame painted after it reached
 * the history. Target: p99 ≤ one frame at 60 Hz (16.7 ms).
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
  SteveHistory *history;
  GArray       *pending;     /* host_time_us of samples not drawn yet */
  GArray       *latencies;   /* ms */
} Bench;

static void
on_samples (SteveStreamer *streamer,
            GArray        *batch,
            Bench         *b)
{
  steve_history_append (b->history, (const SteveSample *) (gpointer) batch->data, batch->len);
  for (guint i = 0; i < batch->len; i++)
    g_array_append_val (b->pending, g_array_index (batch, SteveSample, i).host_time_us);
}

static void
after_paint (GdkFrameClock *clock,
             Bench         *b)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < b->pending->len; i++)
    {
      double ms = (now - g_array_index (b->pending, gint64, i)) / 1000.0;
      g_array_append_val (b->latencies, ms);
    }
  g_array_set_size (b->pending, 0);
}

static int
compare_double (const void *x,
                const void *y)
{
  double a = *(const double *) x, b = *(const double *) y;
  return (a > b) - (a < b);
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
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 20;
  g_autoptr(SteveSim) sim = NULL;
  g_autoptr(SteveClient) client = NULL;
  g_autoptr(SteveStreamer) streamer = NULL;
  GtkWidget *window, *chart;
  Bench b = { 0 };
  gboolean ok = FALSE;
  gint64 end;
  double *v;
  guint n;

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
  b.pending = g_array_new (FALSE, FALSE, sizeof (gint64));
  b.latencies = g_array_new (FALSE, FALSE, sizeof (double));

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
  g_signal_connect (gtk_widget_get_frame_clock (chart), "after-paint", G_CALLBACK (after_paint), &b);

  /* warm up, then measure */
  end = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_array_set_size (b.latencies, 0);
  end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);

  n = b.latencies->len;
  v = (double *) (gpointer) b.latencies->data;
  qsort (v, n, sizeof *v, compare_double);
  if (n == 0)
    {
      g_printerr ("bench-latency: no frame drew a sample\n");
      return EXIT_FAILURE;
    }

  g_print ("sample arrival -> drawn (%u samples over %.0f s, 100 Hz, chart 1280x800 under Xvfb): "
           "median %.1f ms, p99 %.1f ms, max %.1f ms  [target p99 <= 16.7 ms]\n",
           n, seconds, v[n / 2], v[MIN (n - 1, n * 99 / 100)], v[n - 1]);
  g_print ("RESULT|sample arrival → drawn (Xvfb)|median %.1f ms, p99 %.1f ms|p99 ≤ 16.7 ms|%s\n",
           v[n / 2], v[MIN (n - 1, n * 99 / 100)], v[MIN (n - 1, n * 99 / 100)] <= 16.7 ? "met" : "MISSED");

  steve_streamer_stop (streamer);
  steve_client_disconnect (client);
  gtk_window_destroy (GTK_WINDOW (window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  steve_sim_stop (sim);
  g_object_unref (b.history);
  g_array_unref (b.pending);
  g_array_unref (b.latencies);
  return EXIT_SUCCESS;
}
