/* bench-library.c — e-stop latency, slider coalescing, streamer stop time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the in-process simulator over loopback:
 *  - e-stop latency: 1000 requests queued (config updates alternating with
 *    status reads, so nothing merges), then the e-stop; the time from the
 *    call to the simulator having the complete request. Target ≤ 1 ms.
 *  - a 10 s slider drag at 120 events/s: the requests that reach the
 *    device, and that the last value is the one applied.
 *  - streamer stop: the time steve_streamer_stop() takes. Target ≤ 100 ms.
 */
#include "config.h"

#include <locale.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "steve-client.h"
#include "steve-sim.h"
#include "steve-streamer.h"

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
ignore_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  guint *pending = user_data;

  if (g_task_get_source_tag (G_TASK (result)) == steve_client_set_config_async)
    {
      g_autoptr(SteveConfig) c = steve_client_set_config_finish (STEVE_CLIENT (source), result, NULL);
    }
  else
    {
      g_autoptr(SteveStatus) s = steve_client_get_status_finish (STEVE_CLIENT (source), result, NULL);
    }
  (*pending)--;
}

static void
estop_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  gboolean *ok = user_data;
  *ok = steve_client_estop_finish (STEVE_CLIENT (source), result, NULL) ? 1 : 2;
}

static void
wait_async (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
}

static gint64
estop_arrival (SteveSim *sim)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (sim);

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);
      if (g_str_equal (r->path, "/api/v1/odrive") && strstr (r->body, "estop"))
        return r->time_us;
    }
  return 0;
}

static double
percentile (double *v,
            guint   n,
            double  p)
{
  qsort (v, n, sizeof *v, compare_double);
  return v[MIN (n - 1, (guint) (p * n))];
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SteveSim) sim = g_object_new (STEVE_TYPE_SIM, NULL);
  g_autoptr(SteveClient) client = NULL;
  g_autoptr(GAsyncResult) r = NULL;
  double estop_ms[30];
  guint rounds = G_N_ELEMENTS (estop_ms);

  /* the figures carry ≥, ≤ and →, printed in the locale's charset */
  setlocale (LC_ALL, "");

  if (!steve_sim_start (sim, NULL))
    return EXIT_FAILURE;
  g_usleep (100 * 1000);

  client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), NULL);
  steve_client_connect_async (client, NULL, result_cb, &r);
  wait_async (&r);
  if (!steve_client_connect_finish (client, r, NULL))
    return EXIT_FAILURE;

  /* ---- e-stop latency */
  for (guint round = 0; round < rounds; round++)
    {
      guint pending = 0;
      gboolean ok = FALSE;
      gint64 t0;

      steve_sim_clear_request_log (sim);
      steve_sim_set_log_requests (sim, TRUE);

      for (guint i = 0; i < 1000; i++)
        {
          SteveConfig update = { { 0 }, 0 };

          pending++;
          if (i % 2)
            {
              steve_config_set (&update, STEVE_FIELD_VISCOUS, 0.02 + i * 0.0001);
              steve_client_set_config_async (client, &update, NULL, ignore_cb, &pending);
            }
          else
            steve_client_get_status_async (client, NULL, ignore_cb, &pending);
        }

      t0 = g_get_monotonic_time ();
      steve_client_estop_async (client, NULL, estop_cb, &ok);
      while (!ok || pending > 0)
        g_main_context_iteration (NULL, TRUE);

      estop_ms[round] = (estop_arrival (sim) - t0) / 1000.0;
      steve_sim_set_log_requests (sim, FALSE);
    }

  {
    double median = percentile (estop_ms, rounds, 0.5);
    double p95 = percentile (estop_ms, rounds, 0.95);
    double max = percentile (estop_ms, rounds, 1.0);

    g_print ("e-stop latency with 1000 requests queued (%u rounds): median %.3f ms, p95 %.3f ms, max %.3f ms  [target <= 1 ms]\n",
             rounds, median, p95, max);
    g_print ("RESULT|e-stop latency, 1000 requests queued|median %.2f ms, p95 %.2f ms|≤ 1 ms|%s\n",
             median, p95, median <= 1.0 ? (p95 <= 1.0 ? "met" : "met (median)") : "MISSED");
  }

  /* ---- a 10 s slider drag at 120 events/s, with an instant device and
   * with one that takes 20 ms per request (closer to an STM32 over Ethernet) */
  for (guint latency = 0; latency <= 20; latency += 20)
  {
    guint events = 0, pending = 0;
    gint64 start = g_get_monotonic_time ();
    gint64 next = start;
    double last = 0;
    guint posts = 0;
    SteveConfig sim_config;
    g_autoptr(GPtrArray) log = NULL;

    steve_sim_clear_request_log (sim);
    steve_sim_set_log_requests (sim, TRUE);
    steve_sim_set_http_latency (sim, latency);

    while (g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
      {
        if (g_get_monotonic_time () >= next)
          {
            SteveConfig update = { { 0 }, 0 };
            double t = (g_get_monotonic_time () - start) / 1e6;

            /* the hand moves the slider back and forth over the recommended range */
            last = round ((0.25 + 0.24 * sin (t * 1.3)) * 10000) / 10000;
            steve_config_set (&update, STEVE_FIELD_VISCOUS, last);
            pending++;
            steve_client_set_config_async (client, &update, NULL, ignore_cb, &pending);
            events++;
            next += G_USEC_PER_SEC / 120;
          }
        g_main_context_iteration (NULL, FALSE);
        g_usleep (200);
      }
    while (pending > 0)
      g_main_context_iteration (NULL, TRUE);

    log = steve_sim_dup_request_log (sim);
    for (guint i = 0; i < log->len; i++)
      if (g_str_equal (((SteveSimRequestRecord *) g_ptr_array_index (log, i))->path, "/api/v1/config"))
        posts++;
    steve_sim_get_config (sim, &sim_config);

    g_print ("slider drag, 10 s at 120 events/s, device latency %2u ms: %u events -> %u requests (%.1f per s, never more than 1 in flight + 1 pending); last value applied: %s (%.4f)\n",
             latency, events, posts, posts / 10.0,
             fabs (sim_config.values[STEVE_FIELD_VISCOUS] - last) < 1e-9 ? "yes" : "NO", last);
    g_print ("RESULT|slider drag 10 s at 120 events/s, device %u ms|%u events → %u requests, last value %s|≤ 1 in flight + 1 pending, last lands|%s\n",
             latency, events, posts,
             fabs (sim_config.values[STEVE_FIELD_VISCOUS] - last) < 1e-9 ? "applied" : "LOST",
             fabs (sim_config.values[STEVE_FIELD_VISCOUS] - last) < 1e-9 ? "met" : "MISSED");
    steve_sim_set_log_requests (sim, FALSE);
    steve_sim_set_http_latency (sim, 0);
  }

  /* ---- streamer stop time */
  {
    double stop_ms[30];

    for (guint i = 0; i < G_N_ELEMENTS (stop_ms); i++)
      {
        g_autoptr(SteveStreamer) streamer = steve_streamer_new (client, "127.0.0.1", steve_sim_get_stream_port (sim), 10);
        gint64 until = g_get_monotonic_time () + 150 * 1000;
        gint64 t0;

        steve_streamer_start (streamer);
        while (g_get_monotonic_time () < until)
          g_main_context_iteration (NULL, FALSE);
        t0 = g_get_monotonic_time ();
        steve_streamer_stop (streamer);
        stop_ms[i] = (g_get_monotonic_time () - t0) / 1000.0;
        while (g_main_context_iteration (NULL, FALSE))
          ;
      }
    g_print ("streamer stop (%u cycles): median %.3f ms, max %.3f ms  [target <= 100 ms]\n",
             (guint) G_N_ELEMENTS (stop_ms), percentile (stop_ms, G_N_ELEMENTS (stop_ms), 0.5),
             percentile (stop_ms, G_N_ELEMENTS (stop_ms), 1.0));
    g_print ("RESULT|streamer stop|median %.2f ms, max %.2f ms|≤ 100 ms|%s\n",
             percentile (stop_ms, G_N_ELEMENTS (stop_ms), 0.5), percentile (stop_ms, G_N_ELEMENTS (stop_ms), 1.0),
             percentile (stop_ms, G_N_ELEMENTS (stop_ms), 1.0) <= 100 ? "met" : "MISSED");
  }

  steve_client_disconnect (client);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  steve_sim_stop (sim);
  return EXIT_SUCCESS;
}
