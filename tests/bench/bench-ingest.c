/* bench-ingest.c — streamer ingest over loopback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sender thread pushes a hello and N firmware-format lines as fast as
 * the socket takes them; the streamer's worker parses them and hands them
 * to a raw sink while the main loop runs (as in the app). Prints samples/s
 * delivered to the raw sink; fails if a single sample is lost or reordered.
 * Target: ≥ 2 M samples/s.
 */
#include "config.h"

#include <locale.h>

#include <stdlib.h>
#include <string.h>

#include "steve-streamer.h"

typedef struct
{
  guint64  count;
  guint32  next_ts;
  gboolean ordered;
  gint64   first_us;
  gint64   last_us;
} Counter;

static void
count_samples (const SteveSample *samples,
               guint              n,
               gpointer           user_data)
{
  Counter *c = user_data;

  if (c->count == 0)
    c->first_us = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      if (samples[i].timestamp_ms != c->next_ts)
        c->ordered = FALSE;
      c->next_ts = samples[i].timestamp_ms + 10;
    }
  c->count += n;
  c->last_us = g_get_monotonic_time ();
}

static const SteveRawSinkFuncs funcs = { count_samples, NULL };

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  GSocket *listener;
  GBytes  *payload;
} Sender;

static gpointer
sender_thread (gpointer data)
{
  Sender *s = data;
  g_autoptr(GSocket) client = g_socket_accept (s->listener, NULL, NULL);
  gsize len;
  const char *p = g_bytes_get_data (s->payload, &len);
  gsize done = 0;

  while (client && done < len)
    {
      gssize n = g_socket_send (client, p + done, MIN (len - done, 1 << 20), NULL, NULL);
      if (n <= 0)
        break;
      done += (gsize) n;
    }
  /* hold the connection (reading what the streamer sends, e.g. sync)
   * until the reader hangs up: closing with unread bytes would reset it */
  if (client)
    {
      char buf[256];

      g_socket_set_timeout (client, 60);
      while (g_socket_receive (client, buf, sizeof buf, NULL, NULL) > 0)
        ;
      g_socket_close (client, NULL);
    }
  return NULL;
}

int
main (int   argc,
      char *argv[])
{
  guint n_lines = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 200000;
  guint rounds = 5;
  g_autoptr(GString) text = g_string_new ("{\"stream\":\"valve\",\"message\":\"connected\",\"interval_ms\":10}\n");
  g_autoptr(GBytes) payload = NULL;
  double rates[8];
  gboolean all_ok = TRUE;

  /* the figures carry ≥, ≤ and →, printed in the locale's charset */
  setlocale (LC_ALL, "");

  for (guint i = 0; i < n_lines; i++)
    {
      SteveSample s = { 0 };
      char line[512];

      s.timestamp_ms = 10 + i * 10;
      s.seq = i * 10;
      s.position_turns = 0.1 + (i % 1000) * 0.0001;
      s.position_deg = -45.0 + (i % 900) * 0.1;
      s.torque_nm = 1.5 - (i % 300) * 0.01;
      s.filt_torque_nm = s.torque_nm;
      s.omega_rad_s = -2.0 + (i % 400) * 0.01;
      s.passivity_mj = -(gint32) (i % 2000);
      s.status = STEVE_VALVE_STATE_RUNNING;
      s.hb_age = i % 100;
      s.data_valid = TRUE;
      s.loop_time_us = 30;
      s.t_us = (guint64) i * 300;
      g_string_append_len (text, line, (gssize) steve_telemetry_format_sample (&s, STEVE_DIALECT_FIRMWARE, line, sizeof line));
    }
  payload = g_bytes_new (text->str, text->len);

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(SteveStreamer) streamer = NULL;
      Counter counter = { 0, 10, TRUE, 0, 0 };
      Sender sender;
      GThread *thread;
      gint64 deadline;

      sender.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      g_socket_bind (sender.listener, addr, TRUE, NULL);
      g_socket_listen (sender.listener, NULL);
      bound = g_socket_get_local_address (sender.listener, NULL);
      sender.payload = payload;
      thread = g_thread_new ("sender", sender_thread, &sender);

      streamer = steve_streamer_new (NULL, "127.0.0.1",
                                     g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), 10);
      steve_streamer_add_raw_sink (streamer, &funcs, &counter, NULL);
      steve_streamer_start (streamer);

      /* the main loop runs as in the app: it sleeps until the streamer's
       * batch idle (or this check's timer) wakes it */
      deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
      {
        guint tick = g_timeout_add (5, wake_up, NULL);

        while (*(volatile guint64 *) &counter.count < n_lines && g_get_monotonic_time () < deadline)
          g_main_context_iteration (NULL, TRUE);
        g_source_remove (tick);
      }

      steve_streamer_stop (streamer);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_socket_close (sender.listener, NULL);
      g_thread_join (thread);
      g_object_unref (sender.listener);

      if (counter.count != n_lines || !counter.ordered)
        {
          g_printerr ("bench-ingest: round %u delivered %" G_GUINT64_FORMAT " of %u samples (%s)\n",
                      r, counter.count, n_lines, counter.ordered ? "in order" : "out of order");
          all_ok = FALSE;
        }
      rates[r] = counter.count / ((counter.last_us - counter.first_us) / 1e6);
    }

  {
    double sorted[8];

    memcpy (sorted, rates, sizeof rates);
    for (guint i = 0; i < rounds; i++)
      for (guint j = i + 1; j < rounds; j++)
        if (sorted[j] < sorted[i])
          {
            double t = sorted[i];
            sorted[i] = sorted[j];
            sorted[j] = t;
          }
    g_print ("streamer ingest: %u lines (%.1f MB) over loopback, %u rounds, 0 lost: %s\n",
             n_lines, text->len / 1e6, rounds, all_ok ? "yes" : "NO");
    g_print ("  median %.2f M samples/s to the raw sink (worst %.2f, best %.2f)  [target >= 2 M samples/s]\n",
             sorted[rounds / 2] / 1e6, sorted[0] / 1e6, sorted[rounds - 1] / 1e6);
    g_print ("RESULT|streamer ingest over loopback|%.2f M samples/s (median), %s lost|≥ 2 M samples/s, 0 lost|%s\n",
             sorted[rounds / 2] / 1e6, all_ok ? "0" : "some",
             all_ok && sorted[rounds / 2] >= 2e6 ? "met" : "MISSED");
  }

  return all_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
