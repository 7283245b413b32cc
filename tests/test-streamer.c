/* test-streamer.c — SteveStreamer against the simulator and a raw TCP source
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "steve-client.h"
#include "steve-streamer.h"
#include "steve-test-utils.h"

typedef struct
{
  GMutex   lock;
  GArray  *samples;    /* SteveSample, from the raw sink */
  GArray  *events;     /* SteveStreamEvent */
  GThread *thread;     /* the thread the sink ran in */
  gboolean mixed_threads;
} RawLog;

static void
raw_samples (const SteveSample *samples,
             guint              n,
             gpointer           user_data)
{
  RawLog *log = user_data;

  g_mutex_lock (&log->lock);
  g_array_append_vals (log->samples, samples, n);
  if (log->thread == NULL)
    log->thread = g_thread_self ();
  else if (log->thread != g_thread_self ())
    log->mixed_threads = TRUE;
  g_mutex_unlock (&log->lock);
}

static void
raw_event (const SteveStreamEvent *event,
           gpointer                user_data)
{
  RawLog *log = user_data;

  g_mutex_lock (&log->lock);
  g_array_append_val (log->events, *event);
  g_mutex_unlock (&log->lock);
}

static const SteveRawSinkFuncs raw_funcs = { raw_samples, raw_event };

static RawLog *
raw_log_new (void)
{
  RawLog *log = g_new0 (RawLog, 1);

  g_mutex_init (&log->lock);
  log->samples = g_array_new (FALSE, FALSE, sizeof (SteveSample));
  log->events = g_array_new (FALSE, FALSE, sizeof (SteveStreamEvent));
  return log;
}

static void
raw_log_free (RawLog *log)
{
  g_array_unref (log->samples);
  g_array_unref (log->events);
  g_mutex_clear (&log->lock);
  g_free (log);
}

static guint
raw_count (RawLog *log)
{
  guint n;

  g_mutex_lock (&log->lock);
  n = log->samples->len;
  g_mutex_unlock (&log->lock);
  return n;
}

static guint
raw_count_events (RawLog               *log,
                  SteveStreamEventKind  kind)
{
  guint n = 0;

  g_mutex_lock (&log->lock);
  for (guint i = 0; i < log->events->len; i++)
    if (g_array_index (log->events, SteveStreamEvent, i).kind == kind)
      n++;
  g_mutex_unlock (&log->lock);
  return n;
}

typedef struct
{
  SteveSim      *sim;
  SteveClient   *client;
  SteveStreamer *streamer;
  RawLog        *raw;
  GArray        *ui;        /* samples delivered in the main context */
  guint          batches;
} Fixture;

static void
ui_samples (SteveStreamer *streamer,
            GArray        *batch,
            Fixture       *f)
{
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  g_array_append_vals (f->ui, batch->data, batch->len);
  f->batches++;
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
setup_with (Fixture      *f,
            SteveDialect  dialect,
            guint         interval)
{
  g_autoptr(GAsyncResult) r = NULL;

  f->sim = steve_test_sim_new (dialect, STEVE_SIM_PROFILE_SINE, NULL);
  f->client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (f->sim), NULL);
  steve_client_connect_async (f->client, NULL, result_cb, &r);
  while (r == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (steve_client_connect_finish (f->client, r, NULL));

  f->streamer = steve_streamer_new (f->client, "127.0.0.1", steve_sim_get_stream_port (f->sim), interval);
  f->raw = raw_log_new ();
  f->ui = g_array_new (FALSE, FALSE, sizeof (SteveSample));
  steve_streamer_add_raw_sink (f->streamer, &raw_funcs, f->raw, NULL);
  g_signal_connect (f->streamer, "samples", G_CALLBACK (ui_samples), f);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  setup_with (f, STEVE_DIALECT_FIRMWARE, 10);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  steve_streamer_stop (f->streamer);
  g_signal_handlers_disconnect_by_data (f->streamer, f);
  steve_client_disconnect (f->client);
  steve_test_sleep_ms (50);
  g_assert_finalize_object (f->streamer);
  g_assert_finalize_object (f->client);
  raw_log_free (f->raw);
  g_array_unref (f->ui);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
}

static gboolean
raw_at_least (gpointer data)
{
  gpointer *d = data;
  return raw_count (d[0]) >= GPOINTER_TO_UINT (d[1]);
}

static void
wait_raw (RawLog *log,
          guint   n,
          guint   timeout_ms)
{
  gpointer d[2] = { log, GUINT_TO_POINTER (n) };

  if (!steve_test_wait_for (raw_at_least, d, timeout_ms))
    g_error ("only %u samples after %u ms, expected %u", raw_count (log), timeout_ms, n);
}

static void
test_basic (Fixture       *f,
            gconstpointer  data)
{
  SteveStreamerStats stats;
  guint n;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 150, 5000);
  steve_test_sleep_ms (50);

  g_assert_cmpint (steve_streamer_get_state (f->streamer), ==, STEVE_STREAMER_STREAMING);
  g_assert_false (f->raw->mixed_threads);
  g_assert_true (f->raw->thread != g_thread_self ());

  /* consecutive samples 10 ms apart, no gap reported on a healthy stream */
  g_mutex_lock (&f->raw->lock);
  n = f->raw->samples->len;
  for (guint i = 1; i < n; i++)
    g_assert_cmpuint (g_array_index (f->raw->samples, SteveSample, i).timestamp_ms -
                      g_array_index (f->raw->samples, SteveSample, i - 1).timestamp_ms, ==, 10);
  g_mutex_unlock (&f->raw->lock);

  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.gaps, ==, 0);
  g_assert_cmpuint (stats.reconnect_gaps, ==, 0);
  g_assert_cmpuint (stats.rejected_lines, ==, 0);
  g_assert_cmpint (stats.dialect, ==, STEVE_DIALECT_FIRMWARE);
  g_assert_cmpuint (stats.interval_ms, ==, 10);

  /* the main context got the same samples */
  g_assert_cmpuint (f->ui->len, >=, n - 20);
  for (guint i = 0; i < f->ui->len; i++)
    g_assert_cmpuint (g_array_index (f->ui, SteveSample, i).timestamp_ms, ==,
                      g_array_index (f->raw->samples, SteveSample, i).timestamp_ms);
}

static void
test_stop_is_quick (Fixture       *f,
                    gconstpointer  data)
{
  gint64 t0;
  double ms;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 20, 5000);

  /* blocked in a read: stop wakes and joins the worker */
  t0 = g_get_monotonic_time ();
  steve_streamer_stop (f->streamer);
  ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_test_message ("stop took %.2f ms", ms);
  g_assert_cmpfloat (ms, <, 1000.0);
  steve_test_sleep_ms (50);
  g_assert_cmpint (steve_streamer_get_state (f->streamer), ==, STEVE_STREAMER_STOPPED);

  /* and again while it cannot connect (stream port closed) */
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (steve_sim_get_http_port (f->sim), "POST", "/api/v1/stream", "{\"action\":\"stop\"}");
    g_autoptr(SteveStreamer) lone = steve_streamer_new (NULL, "127.0.0.1", steve_sim_get_stream_port (f->sim), 10);

    steve_streamer_start (lone);
    steve_test_sleep_ms (400);
    t0 = g_get_monotonic_time ();
    steve_streamer_stop (lone);
    ms = (g_get_monotonic_time () - t0) / 1000.0;
    g_assert_cmpfloat (ms, <, 1000.0);
  }
}

/* A bare TCP source that sends the hello and samples in one write. */
typedef struct
{
  GSocket *listener;
  char    *payload;
  gsize    len;
} OneShot;

static gpointer
one_shot_thread (gpointer data)
{
  OneShot *s = data;
  g_autoptr(GSocket) client = g_socket_accept (s->listener, NULL, NULL);

  if (client)
    {
      g_socket_send (client, s->payload, s->len, NULL, NULL);
      /* keep the connection open a moment, then close */
      g_usleep (300 * 1000);
      g_socket_close (client, NULL);
    }
  return NULL;
}

static void
test_hello_and_samples_in_one_segment (void)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GString) payload = g_string_new ("{\"stream\":\"valve\",\"message\":\"connected\",\"interval_ms\":10}\n");
  g_autoptr(SteveStreamer) streamer = NULL;
  RawLog *log = raw_log_new ();
  OneShot shot;
  GThread *thread;

  for (guint i = 0; i < 50; i++)
    {
      SteveSample s = { 0 };
      char line[512];

      s.timestamp_ms = 1000 + i * 10;
      s.seq = i * 10;
      s.status = STEVE_VALVE_STATE_RUNNING;
      s.data_valid = TRUE;
      s.hb_age = 5;
      g_string_append_len (payload, line, (gssize) steve_telemetry_format_sample (&s, STEVE_DIALECT_FIRMWARE, line, sizeof line));
    }

  shot.listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_true (g_socket_bind (shot.listener, addr, TRUE, NULL));
  g_assert_true (g_socket_listen (shot.listener, NULL));
  bound = g_socket_get_local_address (shot.listener, NULL);
  shot.payload = payload->str;
  shot.len = payload->len;
  thread = g_thread_new ("one-shot", one_shot_thread, &shot);

  streamer = steve_streamer_new (NULL, "127.0.0.1", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), 10);
  steve_streamer_add_raw_sink (streamer, &raw_funcs, log, NULL);
  steve_streamer_start (streamer);
  wait_raw (log, 50, 5000);
  g_thread_join (thread);
  steve_streamer_stop (streamer);

  /* not one sample lost to the hello sharing their read */
  g_assert_cmpuint (log->samples->len, ==, 50);
  g_assert_cmpuint (g_array_index (log->samples, SteveSample, 0).timestamp_ms, ==, 1000);
  g_assert_cmpuint (g_array_index (log->samples, SteveSample, 49).timestamp_ms, ==, 1490);

  g_socket_close (shot.listener, NULL);
  g_object_unref (shot.listener);
  raw_log_free (log);
}

static gboolean
streaming_again (gpointer data)
{
  Fixture *f = data;
  return raw_count_events (f->raw, STEVE_STREAM_EVENT_RECONNECT_GAP) == 1 &&
         steve_streamer_get_state (f->streamer) == STEVE_STREAMER_STREAMING;
}

/* The last event of @kind the raw sink saw (all zero when none). */
static SteveStreamEvent
last_event (RawLog              *raw,
            SteveStreamEventKind kind)
{
  SteveStreamEvent event = { 0 };

  g_mutex_lock (&raw->lock);
  for (guint i = 0; i < raw->events->len; i++)
    if (g_array_index (raw->events, SteveStreamEvent, i).kind == kind)
      event = g_array_index (raw->events, SteveStreamEvent, i);
  g_mutex_unlock (&raw->lock);
  return event;
}

/* The device restarts mid-stream: the streamer reconnects, asks the device
 * to stream again, and counts one reconnection gap; no false gaps. */
static void
test_device_restart (Fixture       *f,
                     gconstpointer  data)
{
  SteveStreamerStats stats;
  SteveStreamEvent gap;
  guint before;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 50, 5000);

  steve_sim_restart (f->sim, 700);
  g_assert_true (steve_test_wait_for (streaming_again, f, 10000));
  before = raw_count (f->raw);
  wait_raw (f->raw, before + 50, 5000);

  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.reconnect_gaps, ==, 1);
  g_assert_cmpuint (stats.gaps, ==, 0);
  g_assert_cmpuint (stats.connections, ==, 2);

  gap = last_event (f->raw, STEVE_STREAM_EVENT_RECONNECT_GAP);

  /* the device rebooted: its clock went back; the outage lasted ≥ the downtime */
  g_assert_true (gap.device_restarted);
  g_assert_cmpfloat (gap.duration_ms, >=, 600);
  g_assert_cmpfloat (gap.duration_ms, <, 6000);
  g_assert_cmpuint (gap.missing, >=, 60);
}

static void
test_stall_gap (Fixture       *f,
                gconstpointer  data)
{
  SteveStreamerStats stats;
  SteveStreamEvent gap;
  guint before;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 30, 5000);
  steve_sim_stall_stream (f->sim, 300);
  steve_test_sleep_ms (350);
  before = raw_count (f->raw);
  wait_raw (f->raw, before + 20, 3000);

  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.gaps, ==, 1);
  g_assert_cmpuint (stats.reconnect_gaps, ==, 0);

  gap = last_event (f->raw, STEVE_STREAM_EVENT_GAP);

  g_assert_false (gap.device_restarted);
  g_assert_cmpfloat (gap.duration_ms, >=, 280);
  g_assert_cmpfloat (gap.duration_ms, <=, 330);
  g_assert_cmpuint (gap.to_timestamp_ms - gap.from_timestamp_ms, ==, (guint) gap.duration_ms + 10);
  g_assert_cmpuint (gap.missing, ==, (gap.to_timestamp_ms - gap.from_timestamp_ms + 9) / 10 - 1);
}

/* A connection that stays up but carries no sample (the device's stream
 * hung, sync replies or not) is ended and made again; the samples lost
 * show as a reconnection gap. */
static void
test_stall_reconnect (Fixture       *f,
                      gconstpointer  data)
{
  SteveStreamerStats stats;
  SteveStreamEvent gap;
  guint before;
  gint64 start;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 30, 5000);
  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.connections, ==, 1);

  /* longer than the stall timeout (5 s at this interval) */
  start = g_get_monotonic_time ();
  steve_sim_stall_stream (f->sim, 6000);
  /* the same connection, silent: the rate says so */
  steve_test_sleep_ms (2600);
  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.connections, ==, 1);
  g_assert_cmpfloat (stats.rate_hz, <, 5.0);
  steve_test_sleep_ms (3500);
  before = raw_count (f->raw);
  wait_raw (f->raw, before + 20, 5000);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 12 * G_USEC_PER_SEC);

  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.connections, ==, 2);
  g_assert_cmpuint (stats.reconnect_gaps, ==, 1);
  g_assert_cmpuint (stats.gaps, ==, 0);

  gap = last_event (f->raw, STEVE_STREAM_EVENT_RECONNECT_GAP);

  g_assert_false (gap.device_restarted);
  g_assert_cmpfloat (gap.duration_ms, >=, 5900);
  g_assert_cmpfloat (gap.duration_ms, <, 7000);
  g_assert_cmpuint (gap.missing, >=, 590);
}

static void
test_interval_change (Fixture       *f,
                      gconstpointer  data)
{
  SteveStreamerStats stats;
  guint before, n;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 20, 5000);
  steve_streamer_set_interval (f->streamer, 50);
  steve_test_sleep_ms (100);
  before = raw_count (f->raw);
  wait_raw (f->raw, before + 10, 5000);

  g_mutex_lock (&f->raw->lock);
  n = f->raw->samples->len;
  g_assert_cmpuint (g_array_index (f->raw->samples, SteveSample, n - 1).timestamp_ms -
                    g_array_index (f->raw->samples, SteveSample, n - 2).timestamp_ms, ==, 50);
  g_mutex_unlock (&f->raw->lock);

  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.gaps, ==, 0);
  g_assert_cmpuint (stats.interval_ms, ==, 50);
}

static void
test_sync_clock (Fixture       *f,
                 gconstpointer  data)
{
  SteveStreamerStats stats;
  SteveSample last;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 150, 5000);
  steve_test_sleep_ms (1300);

  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_true (stats.clock_valid);
  g_assert_cmpfloat (stats.rtt_ms, >, 0);
  g_assert_cmpfloat (stats.rtt_ms, <, 100);
  g_assert_cmpfloat (stats.rtt_min_ms, <=, stats.rtt_ms);

  /* the mapped device time lands within a few ms of when the sample arrived */
  g_mutex_lock (&f->raw->lock);
  last = g_array_index (f->raw->samples, SteveSample, f->raw->samples->len - 1);
  g_mutex_unlock (&f->raw->lock);
  g_assert_cmpint (ABS (steve_streamer_device_to_host_us (f->streamer, last.timestamp_ms) - last.host_time_us), <, 20000);
}

/* The main thread stalls: the UI path keeps a bounded amount and counts
 * what it dropped; the raw path loses nothing. */
static void
test_ui_bounded (Fixture       *f,
                 gconstpointer  data)
{
  SteveStreamerStats stats;
  guint64 received;

  steve_streamer_set_ui_limit (f->streamer, 50);
  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 10, 5000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_array_set_size (f->ui, 0);
  f->batches = 0;

  /* do not iterate the main context for 1.5 s */
  g_usleep (1500 * 1000);
  g_main_context_iteration (NULL, FALSE);

  /* one pending idle, one batch with everything kept */
  g_assert_cmpuint (f->batches, ==, 1);

  /* stopped, so the counts below are final: a batch arriving between two
   * of the reads would reach the raw sink before the counters */
  steve_streamer_stop (f->streamer);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  steve_streamer_get_stats (f->streamer, &stats);
  received = raw_count (f->raw);
  g_assert_cmpuint (stats.samples, ==, received);
  g_assert_cmpuint (f->ui->len, <=, 50 + 5);
  g_assert_cmpuint (stats.ui_dropped, >=, 80);
  /* the newest were kept */
  g_mutex_lock (&f->raw->lock);
  g_assert_cmpuint (g_array_index (f->ui, SteveSample, f->ui->len - 1).timestamp_ms, ==,
                    g_array_index (f->raw->samples, SteveSample, f->raw->samples->len - 1).timestamp_ms);
  g_mutex_unlock (&f->raw->lock);
}

static void
test_garbage (Fixture       *f,
              gconstpointer  data)
{
  SteveStreamerStats stats;

  steve_sim_set_garbage_every (f->sim, 5);
  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 100, 5000);

  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpuint (stats.rejected_lines, >=, 15);
  g_assert_cmpuint (stats.gaps, ==, 0);
}

static void
test_documented (Fixture       *f,
                 gconstpointer  data)
{
  SteveStreamerStats stats;

  steve_streamer_start (f->streamer);
  wait_raw (f->raw, 10, 5000);
  steve_streamer_get_stats (f->streamer, &stats);
  g_assert_cmpint (stats.dialect, ==, STEVE_DIALECT_DOCUMENTED);
}

static void
documented_setup (Fixture       *f,
                  gconstpointer  data)
{
  setup_with (f, STEVE_DIALECT_DOCUMENTED, 20);
}

static void
test_start_stop_cycles (Fixture       *f,
                        gconstpointer  data)
{
  for (guint i = 0; i < 10; i++)
    {
      guint before = raw_count (f->raw);

      steve_streamer_start (f->streamer);
      wait_raw (f->raw, before + 5, 5000);
      steve_streamer_stop (f->streamer);
    }
  g_assert_cmpuint (steve_sim_get_stream_clients (f->sim), <=, 1);
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

#define ADD(path, func) steve_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/streamer/basic", test_basic);
  ADD ("/streamer/stop-is-quick", test_stop_is_quick);
  ADD ("/streamer/device-restart", test_device_restart);
  ADD ("/streamer/stall-gap", test_stall_gap);
  ADD ("/streamer/stall-reconnect", test_stall_reconnect);
  ADD ("/streamer/interval-change", test_interval_change);
  ADD ("/streamer/sync-clock", test_sync_clock);
  ADD ("/streamer/ui-bounded", test_ui_bounded);
  ADD ("/streamer/garbage", test_garbage);
  ADD ("/streamer/start-stop-cycles", test_start_stop_cycles);
#undef ADD
  steve_test_add ("/streamer/documented", Fixture, NULL, documented_setup, test_documented, fixture_teardown);
  steve_test_add_func ("/streamer/hello-and-samples-in-one-segment", test_hello_and_samples_in_one_segment);

  return g_test_run ();
}
