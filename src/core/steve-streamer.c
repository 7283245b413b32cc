/* steve-streamer.c — telemetry in a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threading
 * ---------
 * The socket I/O runs in a GTask worker with blocking reads, on a thread
 * of its own ("steve-stream"), not one of GLib's shared task pool: it runs
 * for as long as the stream does, and its start must not wait behind
 * other work in the pool. A GCancellable wakes it, and
 * steve_streamer_stop() waits for it to end.
 * The streamer object belongs to the main context that was thread-default
 * when it was created (its "owner"); signals and property notifications
 * happen there only.
 *
 * Hand-offs, all explicit:
 *  - worker → raw sinks: called in the worker thread, under sink_lock, for
 *    every batch (nothing is ever dropped on this path);
 *  - worker → owner: samples and events are appended to ui_buffer under
 *    `lock`, and at most one idle source is pending to drain them into the
 *    #SteveStreamer::samples signal. If the owner stalls, ui_buffer keeps
 *    the newest ui_limit samples and counts what it drops;
 *  - owner → worker: the wanted interval, under `lock`;
 *  - worker → owner: "make sure the device streams" requests, a flag
 *    under `lock` that the same idle source picks up (the client lives in
 *    the owner thread; g_main_context_invoke() could run it in the worker).
 */
#define G_LOG_DOMAIN "steve-streamer"

#include "config.h"

#include <math.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <glib/gi18n-lib.h>

#include "steve-enums.h"
#include "steve-streamer.h"
#include "steve-task-private.h"

#define BACKOFF_MIN_MS      250
#define BACKOFF_MAX_MS      5000
#define CONNECT_TIMEOUT_S   2
#define SYNC_PERIOD_US      G_USEC_PER_SEC
#define READ_BUFFER_SIZE    (256 * 1024)
#define DEFAULT_UI_LIMIT    10000
#define N_SYNC_SAMPLES      8
/* The device streams at its interval whether the valve runs or not: no
 * sample for this long (or five intervals, if longer) means a stalled
 * stream behind a connection that looks alive, which is ended and made
 * again. As long as the device's idle timeout for HTTP. */
#define STALL_TIMEOUT_MS    5000

G_DEFINE_BOXED_TYPE (SteveStreamEvent, steve_stream_event, steve_stream_event_copy, steve_stream_event_free)

SteveStreamEvent *
steve_stream_event_copy (const SteveStreamEvent *event)
{
  g_return_val_if_fail (event != NULL, NULL);
  return g_memdup2 (event, sizeof *event);
}

void
steve_stream_event_free (SteveStreamEvent *event)
{
  g_free (event);
}

typedef struct
{
  guint             id;
  SteveRawSinkFuncs funcs;
  gpointer          user_data;
  GDestroyNotify    destroy;
} Sink;

/* Worker-only state: touched by nobody else. */
typedef struct
{
  char        *buf;
  gsize        len;
  gboolean     discarding;         /* inside an over-long line */
  GArray      *batch;              /* SteveSample */
  GArray      *events;             /* SteveStreamEvent */
  gboolean     have_prev;
  SteveSample  prev;
  gboolean     have_last;          /* last sample of the previous connection */
  SteveSample  last;
  gint64       boot_us;            /* host time of the device's boot (min of host − device time) */
  gint64       last_boot_us;       /* the same for the previous connection */
  guint        conn_interval;
  gboolean     skip_gap_check;
  gboolean     got_hello;
  guint        sync_counter;
  guint        sync_outstanding;   /* token number awaited, 0: none */
  gint64       sync_sent_us;
  double       sync_rtt[N_SYNC_SAMPLES];
  gint64       sync_offset[N_SYNC_SAMPLES];
  guint        n_sync;
  gint64       rate_window_us;
  guint64      rate_count;
} Worker;

struct _SteveStreamer
{
  GObject             parent_instance;

  SteveClient        *client;
  char               *host;
  guint               port;
  GMainContext       *context;

  /* shared with the worker, under lock */
  GMutex              lock;
  GCond               cond;
  guint               interval_ms;
  gboolean            interval_changed;
  SteveStreamerState  state;
  SteveStreamerStats  stats;
  GArray             *ui_buffer;
  GArray             *ui_events;
  guint               ui_limit;
  GSource            *ui_source;
  gboolean            worker_running;
  gboolean            kick;             /* the device streams again: connect now */
  gint64              last_ensure_us;
  gboolean            ensure_wanted;    /* the worker cannot reach the stream port */

  /* raw sinks, under sink_lock (held while they run) */
  GMutex              sink_lock;
  GPtrArray          *sinks;
  guint               next_sink_id;

  /* owner thread only */
  GCancellable       *cancellable;
  SteveStreamerState  notified_state;
  SteveStreamerStats  notified_stats;
  gulong              restored_id;
};

G_DEFINE_FINAL_TYPE (SteveStreamer, steve_streamer, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_INTERVAL,
  PROP_RATE_HZ,
  PROP_RTT_MS,
  PROP_GAPS,
  PROP_RECONNECT_GAPS,
  PROP_DROPPED,
  N_PROPS
};

enum {
  SAMPLES,
  EVENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ owner side */

static void ensure_streaming (SteveStreamer *self);

static gboolean
ui_dispatch (gpointer data)
{
  SteveStreamer *self = data;
  g_autoptr(GArray) batch = NULL;
  g_autoptr(GArray) events = NULL;
  SteveStreamerState state;
  SteveStreamerStats stats;
  gboolean ensure;

  g_mutex_lock (&self->lock);
  batch = g_steal_pointer (&self->ui_buffer);
  events = g_steal_pointer (&self->ui_events);
  self->ui_buffer = g_array_sized_new (FALSE, FALSE, sizeof (SteveSample), MAX (batch->len, 64));
  self->ui_events = g_array_new (FALSE, FALSE, sizeof (SteveStreamEvent));
  state = self->state;
  stats = self->stats;
  ensure = self->ensure_wanted;
  self->ensure_wanted = FALSE;
  g_clear_pointer (&self->ui_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  g_object_freeze_notify (G_OBJECT (self));

  if (state != self->notified_state)
    {
      self->notified_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }

  for (guint i = 0; i < events->len; i++)
    g_signal_emit (self, signals[EVENT], 0, &g_array_index (events, SteveStreamEvent, i));

  if (batch->len > 0)
    g_signal_emit (self, signals[SAMPLES], 0, batch);

#define NOTIFY_IF(field, prop) \
  if (stats.field != self->notified_stats.field) g_object_notify_by_pspec (G_OBJECT (self), properties[prop])
  NOTIFY_IF (rate_hz, PROP_RATE_HZ);
  NOTIFY_IF (rtt_ms, PROP_RTT_MS);
  NOTIFY_IF (gaps, PROP_GAPS);
  NOTIFY_IF (reconnect_gaps, PROP_RECONNECT_GAPS);
  NOTIFY_IF (ui_dropped, PROP_DROPPED);
#undef NOTIFY_IF
  self->notified_stats = stats;

  g_object_thaw_notify (G_OBJECT (self));

  if (ensure)
    ensure_streaming (self);
  return G_SOURCE_REMOVE;
}

/* Called with lock held, from any thread. */
static void
schedule_ui_locked (SteveStreamer *self)
{
  if (self->ui_source != NULL)
    return;

  /* default priority: batches keep flowing while GTK is busy drawing */
  self->ui_source = g_idle_source_new ();
  g_source_set_priority (self->ui_source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (self->ui_source, "[steve] streamer batch");
  g_source_set_callback (self->ui_source, ui_dispatch, g_object_ref (self), g_object_unref);
  g_source_attach (self->ui_source, self->context);
}

/* Any thread: the device was asked to stream again, so the worker need
 * not wait out its back-off to find the port open. */
static void
kick_worker (SteveStreamer *self)
{
  g_mutex_lock (&self->lock);
  self->kick = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static void
stream_started_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SteveStreamer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!steve_client_stream_finish (STEVE_CLIENT (source), result, &error))
    {
      g_debug ("could not start streaming on the device: %s", error->message);
      return;
    }

  if (self->cancellable != NULL && !g_cancellable_is_cancelled (self->cancellable))
    kick_worker (self);
}

static void
stream_state_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SteveStreamer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveStreamStats) stats = steve_client_get_stream_finish (STEVE_CLIENT (source), result, &error);

  if (stats == NULL)
    return;

  if ((stats->present & STEVE_STREAM_STATS_ACTIVE) && !stats->active &&
      self->cancellable != NULL && !g_cancellable_is_cancelled (self->cancellable))
    {
      g_debug ("the device is not streaming (restarted?): starting it again");
      steve_client_stream_start_async (self->client, steve_streamer_get_interval (self),
                                       NULL, stream_started_cb, g_object_ref (self));
    }
}

/* Owner thread: the worker cannot reach the stream port. */
static void
ensure_streaming (SteveStreamer *self)
{
  if (self->client != NULL && self->cancellable != NULL &&
      !g_cancellable_is_cancelled (self->cancellable) &&
      steve_client_get_state (self->client) == STEVE_CLIENT_CONNECTED)
    steve_client_get_stream_async (self->client, NULL, stream_state_cb, g_object_ref (self));
}

static void
on_connection_restored (SteveClient   *client,
                        SteveStreamer *self)
{
  /* after a device restart streaming is off: ask again */
  if (self->cancellable != NULL && !g_cancellable_is_cancelled (self->cancellable))
    steve_client_stream_start_async (client, steve_streamer_get_interval (self), NULL, stream_started_cb,
                                     g_object_ref (self));
}

/* ------------------------------------------------------------------ worker */

static void
set_state_from_worker (SteveStreamer      *self,
                       SteveStreamerState  state)
{
  g_mutex_lock (&self->lock);
  if (self->state != state)
    {
      self->state = state;
      schedule_ui_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

static void
request_ensure_streaming (SteveStreamer *self)
{
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  if (now - self->last_ensure_us > G_USEC_PER_SEC)
    {
      self->last_ensure_us = now;
      self->ensure_wanted = TRUE;
      schedule_ui_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

/* A reboot moves the device's boot instant (in host time) by at least the
 * downtime; a mere reconnection moves it by no more than the latency. */
#define REBOOT_THRESHOLD_US (100 * 1000)

static void
push_event (Worker               *w,
            SteveStreamEventKind  kind,
            const SteveSample    *from,
            const SteveSample    *to,
            guint                 interval)
{
  SteveStreamEvent e = { 0 };

  e.kind = kind;
  e.host_time_us = g_get_monotonic_time ();
  if (from)
    {
      e.from_timestamp_ms = from->timestamp_ms;
      e.from_host_us = from->host_time_us;
    }
  if (to)
    {
      e.to_timestamp_ms = to->timestamp_ms;
      e.to_host_us = to->host_time_us;
    }

  if (from && to && interval > 0)
    {
      double span_ms;

      e.device_restarted = to->timestamp_ms < from->timestamp_ms;
      if (kind == STEVE_STREAM_EVENT_RECONNECT_GAP && w->last_boot_us != 0)
        e.device_restarted = e.device_restarted ||
          ABS ((to->host_time_us - (gint64) to->timestamp_ms * 1000) - w->last_boot_us) > REBOOT_THRESHOLD_US;
      if (kind == STEVE_STREAM_EVENT_GAP || !e.device_restarted)
        span_ms = (double) (guint32) (to->timestamp_ms - from->timestamp_ms);
      else
        span_ms = (to->host_time_us - from->host_time_us) / 1000.0;

      e.duration_ms = MAX (0.0, span_ms - interval);
      /* samples due strictly between the two that arrived */
      e.missing = (guint64) MAX (0.0, ceil (span_ms / interval - 1e-9) - 1);
    }

  g_array_append_val (w->events, e);
}

static void
handle_sample (SteveStreamer *self,
               Worker        *w,
               SteveSample   *s)
{
  guint interval = w->conn_interval;

  if (w->have_prev)
    {
      guint32 dt = s->timestamp_ms - w->prev.timestamp_ms;

      if (w->skip_gap_check)
        w->skip_gap_check = FALSE;
      else if (s->timestamp_ms >= w->prev.timestamp_ms && dt > interval + interval / 2 + 1)
        push_event (w, STEVE_STREAM_EVENT_GAP, &w->prev, s, interval);
    }
  else if (w->have_last)
    {
      /* first sample after a reconnection */
      push_event (w, STEVE_STREAM_EVENT_RECONNECT_GAP, &w->last, s, interval);
      w->have_last = FALSE;
    }

  {
    gint64 boot = s->host_time_us - (gint64) s->timestamp_ms * 1000;

    if (w->boot_us == 0 || boot < w->boot_us)
      w->boot_us = boot;
  }

  w->prev = *s;
  w->have_prev = TRUE;
  g_array_append_val (w->batch, *s);
}

static void
handle_sync (SteveStreamer        *self,
             Worker               *w,
             const SteveSyncReply *sync,
             gint64                now)
{
  double rtt_ms, best;
  gint64 offset;
  guint slot;

  if (!sync->has_token || w->sync_outstanding == 0 ||
      g_ascii_strtoull (sync->token + 2, NULL, 10) != w->sync_outstanding ||
      !g_str_has_prefix (sync->token, "st"))
    return;

  w->sync_outstanding = 0;
  rtt_ms = (now - w->sync_sent_us) / 1000.0;
  offset = (w->sync_sent_us + now) / 2 - (gint64) sync->timestamp_ms * 1000;

  slot = w->n_sync++ % N_SYNC_SAMPLES;
  w->sync_rtt[slot] = rtt_ms;
  w->sync_offset[slot] = offset;

  /* the round trip with the least delay maps the clocks best */
  best = G_MAXDOUBLE;
  for (guint i = 0; i < MIN (w->n_sync, N_SYNC_SAMPLES); i++)
    if (w->sync_rtt[i] < best)
      {
        best = w->sync_rtt[i];
        offset = w->sync_offset[i];
      }

  g_mutex_lock (&self->lock);
  self->stats.rtt_ms = rtt_ms;
  self->stats.rtt_min_ms = best;
  self->stats.clock_offset_us = offset;
  self->stats.clock_valid = TRUE;
  g_mutex_unlock (&self->lock);
}

static void
process_line (SteveStreamer *self,
              Worker        *w,
              GSocket       *socket,
              const char    *line,
              gsize          len,
              gint64         now)
{
  SteveStreamLine parsed;
  SteveLineError error;

  if (len > 0 && line[len - 1] == '\r')
    len--;

  if (!steve_telemetry_parse_line (line, len, &parsed, &error))
    {
      g_mutex_lock (&self->lock);
      self->stats.rejected_lines++;
      g_mutex_unlock (&self->lock);
      return;
    }

  switch (parsed.kind)
    {
    case STEVE_LINE_SAMPLE:
      parsed.sample.host_time_us = now;
      handle_sample (self, w, &parsed.sample);
      break;

    case STEVE_LINE_HELLO:
      {
        guint wanted;

        w->got_hello = TRUE;
        w->conn_interval = parsed.hello.has_interval ? parsed.hello.interval_ms : 0;

        g_mutex_lock (&self->lock);
        wanted = self->interval_ms;
        self->stats.dialect = parsed.hello.dialect;
        self->stats.connections++;
        g_mutex_unlock (&self->lock);

        /* the device's default interval may not be ours */
        if (wanted != w->conn_interval)
          {
            g_autofree char *cmd = g_strdup_printf ("interval %u\n", wanted);

            g_socket_send (socket, cmd, strlen (cmd), NULL, NULL);
            w->conn_interval = wanted;
            w->skip_gap_check = TRUE;
          }

        push_event (w, STEVE_STREAM_EVENT_CONNECTED, NULL, NULL, 0);
        set_state_from_worker (self, STEVE_STREAMER_STREAMING);
        break;
      }

    case STEVE_LINE_SYNC:
      handle_sync (self, w, &parsed.sync, now);
      break;

    default:
      break;
    }
}

/* Under self->lock: the sample rate over the last second or more, also
 * when nothing came (a stalled stream shows as such). */
static void
update_rate_locked (SteveStreamer *self,
                    Worker        *w,
                    gint64         now)
{
  if (now - w->rate_window_us >= G_USEC_PER_SEC)
    {
      self->stats.rate_hz = w->rate_count * (double) G_USEC_PER_SEC / (now - w->rate_window_us);
      w->rate_window_us = now;
      w->rate_count = 0;
    }
}

/* Hands a batch over: raw sinks first (worker thread, nothing dropped),
 * then the bounded buffer for the owner. */
static void
deliver (SteveStreamer *self,
         Worker        *w,
         gint64         now)
{
  if (w->batch->len == 0 && w->events->len == 0)
    {
      /* nothing came: the rate still says so */
      g_mutex_lock (&self->lock);
      update_rate_locked (self, w, now);
      g_mutex_unlock (&self->lock);
      return;
    }

  g_mutex_lock (&self->sink_lock);
  for (guint i = 0; i < self->sinks->len; i++)
    {
      Sink *sink = g_ptr_array_index (self->sinks, i);

      if (sink->funcs.event)
        for (guint e = 0; e < w->events->len; e++)
          sink->funcs.event (&g_array_index (w->events, SteveStreamEvent, e), sink->user_data);
      if (sink->funcs.samples && w->batch->len > 0)
        sink->funcs.samples ((const SteveSample *) (gpointer) w->batch->data, w->batch->len, sink->user_data);
    }
  g_mutex_unlock (&self->sink_lock);

  w->rate_count += w->batch->len;

  g_mutex_lock (&self->lock);

  if (w->batch->len > 0)
    {
      guint room;

      g_array_append_vals (self->ui_buffer, w->batch->data, w->batch->len);
      if (self->ui_buffer->len > self->ui_limit)
        {
          room = self->ui_buffer->len - self->ui_limit;
          g_array_remove_range (self->ui_buffer, 0, room);
          self->stats.ui_dropped += room;
        }
      self->stats.samples += w->batch->len;
    }

  for (guint e = 0; e < w->events->len; e++)
    {
      const SteveStreamEvent *ev = &g_array_index (w->events, SteveStreamEvent, e);

      if (ev->kind == STEVE_STREAM_EVENT_GAP)
        {
          self->stats.gaps++;
          self->stats.gap_ms += ev->duration_ms;
          self->stats.gap_samples += ev->missing;
        }
      else if (ev->kind == STEVE_STREAM_EVENT_RECONNECT_GAP)
        {
          self->stats.reconnect_gaps++;
          self->stats.reconnect_gap_ms += ev->duration_ms;
          self->stats.reconnect_gap_samples += ev->missing;
        }
    }
  g_array_append_vals (self->ui_events, w->events->data, w->events->len);

  update_rate_locked (self, w, now);

  self->stats.interval_ms = w->conn_interval;
  schedule_ui_locked (self);
  g_mutex_unlock (&self->lock);

  g_array_set_size (w->batch, 0);
  g_array_set_size (w->events, 0);
}

static void
process_bytes (SteveStreamer *self,
               Worker        *w,
               GSocket       *socket,
               gint64         now)
{
  gsize start = 0;

  for (;;)
    {
      const char *nl = memchr (w->buf + start, '\n', w->len - start);
      gsize line_len;

      if (nl == NULL)
        break;

      line_len = (gsize) (nl - (w->buf + start));
      if (w->discarding)
        w->discarding = FALSE;   /* end of an over-long line: already counted */
      else
        process_line (self, w, socket, w->buf + start, line_len, now);
      start += line_len + 1;
    }

  /* keep the partial line; one that cannot be a sample is dropped */
  if (w->len - start > STEVE_TELEMETRY_LINE_MAX)
    {
      if (!w->discarding)
        {
          g_mutex_lock (&self->lock);
          self->stats.rejected_lines++;
          g_mutex_unlock (&self->lock);
        }
      w->discarding = TRUE;
      w->len = 0;
      return;
    }

  memmove (w->buf, w->buf + start, w->len - start);
  w->len -= start;
}

static void
send_commands (SteveStreamer *self,
               Worker        *w,
               GSocket       *socket,
               gint64         now)
{
  guint interval = 0;

  g_mutex_lock (&self->lock);
  if (self->interval_changed)
    {
      interval = self->interval_ms;
      self->interval_changed = FALSE;
    }
  g_mutex_unlock (&self->lock);

  if (interval != 0 && w->got_hello)
    {
      g_autofree char *cmd = g_strdup_printf ("interval %u\n", interval);

      g_socket_send (socket, cmd, strlen (cmd), NULL, NULL);
      w->conn_interval = interval;
      w->skip_gap_check = TRUE;
    }

  if (w->got_hello && now - w->sync_sent_us >= SYNC_PERIOD_US)
    {
      g_autofree char *cmd = g_strdup_printf ("sync st%u\n", ++w->sync_counter);

      w->sync_outstanding = w->sync_counter;
      w->sync_sent_us = g_get_monotonic_time ();
      g_socket_send (socket, cmd, strlen (cmd), NULL, NULL);
    }
}

static void
run_connection (SteveStreamer *self,
                Worker        *w,
                GSocket       *socket,
                GCancellable  *cancellable)
{
  gint64 started_us;

  w->len = 0;
  w->discarding = FALSE;
  w->have_prev = FALSE;
  w->got_hello = FALSE;
  /* the wanted interval until the hello names the connection's own */
  w->conn_interval = steve_streamer_get_interval (self);
  w->skip_gap_check = FALSE;
  w->sync_outstanding = 0;
  w->sync_sent_us = g_get_monotonic_time () - SYNC_PERIOD_US + 200 * 1000;
  w->n_sync = 0;
  started_us = g_get_monotonic_time ();

  while (!g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(GError) error = NULL;
      gint64 now = g_get_monotonic_time ();
      /* the receipt of the newest sample, or the connection's start */
      gint64 last_us = w->have_prev ? w->prev.host_time_us : started_us;
      gint64 stall_us = (gint64) MAX (STALL_TIMEOUT_MS, 5 * w->conn_interval) * 1000;
      gint64 wait_us = MAX (1000, MIN (w->sync_sent_us + SYNC_PERIOD_US, last_us + stall_us) - now);
      gssize n;

      /* (nothing waiting to be read: a worker held up by a slow raw sink
       * is not a silent stream) */
      if (now - last_us >= stall_us && g_socket_condition_check (socket, G_IO_IN) == 0)
        {
          g_debug ("no sample for %" G_GINT64_FORMAT " ms: connecting again", (now - last_us) / 1000);
          /* and the device may have stopped streaming: ask it */
          request_ensure_streaming (self);
          break;
        }

      if (!g_socket_condition_timed_wait (socket, G_IO_IN, wait_us, cancellable, &error))
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            {
              now = g_get_monotonic_time ();
              send_commands (self, w, socket, now);
              deliver (self, w, now);
              continue;
            }
          break;
        }

      n = g_socket_receive (socket, w->buf + w->len, READ_BUFFER_SIZE - w->len, cancellable, &error);
      if (n <= 0)
        break;

      now = g_get_monotonic_time ();
      w->len += (gsize) n;
      process_bytes (self, w, socket, now);
      deliver (self, w, now);
      send_commands (self, w, socket, now);
    }

  /* remember where the stream stopped, to measure the gap */
  if (w->have_prev)
    {
      w->last = w->prev;
      w->have_last = TRUE;
      w->last_boot_us = w->boot_us;
    }
  w->boot_us = 0;
  if (w->got_hello)
    {
      push_event (w, STEVE_STREAM_EVENT_DISCONNECTED, w->have_prev ? &w->prev : NULL, NULL, 0);
      deliver (self, w, g_get_monotonic_time ());
    }

  g_mutex_lock (&self->lock);
  self->stats.clock_valid = FALSE;
  g_mutex_unlock (&self->lock);
}

/* Sleeps @ms, or less when cancelled or kicked. FALSE if cancelled. */
static gboolean
wait_backoff (SteveStreamer *self,
              GCancellable  *cancellable,
              guint          ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  g_mutex_lock (&self->lock);
  while (!self->kick && !g_cancellable_is_cancelled (cancellable))
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  self->kick = FALSE;
  g_mutex_unlock (&self->lock);
  return !g_cancellable_is_cancelled (cancellable);
}

static void
worker_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SteveStreamer *self = source_object;
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  Worker w = { 0 };
  guint backoff = BACKOFF_MIN_MS;
  gboolean ever_connected = FALSE;

  w.buf = g_malloc (READ_BUFFER_SIZE);
  w.batch = g_array_sized_new (FALSE, FALSE, sizeof (SteveSample), 1024);
  w.events = g_array_new (FALSE, FALSE, sizeof (SteveStreamEvent));
  w.rate_window_us = g_get_monotonic_time ();
  g_socket_client_set_timeout (connector, CONNECT_TIMEOUT_S);

  while (!g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnection) conn = NULL;

      set_state_from_worker (self, ever_connected ? STEVE_STREAMER_RECONNECTING : STEVE_STREAMER_CONNECTING);

      conn = g_socket_client_connect_to_host (connector, self->host, (guint16) self->port, cancellable, &error);
      if (conn == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          g_debug ("stream %s:%u: %s", self->host, self->port, error->message);
          request_ensure_streaming (self);
          if (!wait_backoff (self, cancellable, backoff))
            break;
          backoff = MIN (backoff * 2, BACKOFF_MAX_MS);
          continue;
        }

      backoff = BACKOFF_MIN_MS;
      g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      run_connection (self, &w, g_socket_connection_get_socket (conn), cancellable);
      ever_connected = ever_connected || w.got_hello;
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }

  g_free (w.buf);
  g_array_unref (w.batch);
  g_array_unref (w.events);

  g_mutex_lock (&self->lock);
  self->state = STEVE_STREAMER_STOPPED;
  self->worker_running = FALSE;
  schedule_ui_locked (self);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  g_task_return_boolean (task, TRUE);
}

static void
worker_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_task_propagate_boolean (G_TASK (result), NULL);
}

/* Owner thread only. */
static void
start_worker (SteveStreamer *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->cancellable, worker_done, NULL);

  g_mutex_lock (&self->lock);
  self->worker_running = TRUE;
  g_mutex_unlock (&self->lock);

  g_task_set_source_tag (task, start_worker);
  g_task_set_name (task, "[steve] stream worker");
  steve_task_run_in_own_thread (task, "steve-stream", worker_thread);
}

typedef struct
{
  SteveStreamer *self;
  GCancellable  *cancellable;   /* identifies the start this answers */
} StartData;

static void
device_stream_started (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  StartData *d = user_data;
  SteveStreamer *self = d->self;
  g_autoptr(GError) error = NULL;

  if (!steve_client_stream_finish (STEVE_CLIENT (source), result, &error))
    g_debug ("POST /stream failed: %s; the worker keeps trying", error->message);

  /* only if this start is still the current one and was not stopped */
  if (d->cancellable == self->cancellable && !g_cancellable_is_cancelled (d->cancellable))
    start_worker (self);

  g_object_unref (d->cancellable);
  g_object_unref (d->self);
  g_free (d);
}

/* ------------------------------------------------------------------ public API */

/**
 * steve_streamer_new:
 * @client: (nullable): the device's client, used to start streaming on the
 *   device (`POST /api/v1/stream`) and to start it again after a device
 *   restart; %NULL connects to @host:@port only (a bare NDJSON source)
 * @host: the device's address
 * @port: its stream port (8888 on the firmware)
 * @interval_ms: the sample interval wanted (10–1000 ms)
 */
SteveStreamer *
steve_streamer_new (SteveClient *client,
                    const char  *host,
                    guint        port,
                    guint        interval_ms)
{
  SteveStreamer *self;

  g_return_val_if_fail (client == NULL || STEVE_IS_CLIENT (client), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  self = g_object_new (STEVE_TYPE_STREAMER, NULL);
  self->client = client ? g_object_ref (client) : NULL;
  self->host = g_strdup (host);
  self->port = port;
  self->interval_ms = CLAMP (interval_ms, STEVE_STREAM_INTERVAL_MIN, STEVE_STREAM_INTERVAL_MAX);

  if (self->client)
    self->restored_id = g_signal_connect (self->client, "connection-restored",
                                          G_CALLBACK (on_connection_restored), self);
  return self;
}

/**
 * steve_streamer_add_raw_sink:
 *
 * Adds a sink called in the worker thread with every batch (see
 * #SteveRawSinkFuncs). It must be fast and must not call back into the
 * streamer. May be called at any time, from any thread.
 *
 * Returns: an id for steve_streamer_remove_raw_sink()
 */
guint
steve_streamer_add_raw_sink (SteveStreamer           *self,
                             const SteveRawSinkFuncs *funcs,
                             gpointer                 user_data,
                             GDestroyNotify           destroy)
{
  Sink *sink;
  guint id;

  g_return_val_if_fail (STEVE_IS_STREAMER (self), 0);
  g_return_val_if_fail (funcs != NULL, 0);

  sink = g_new0 (Sink, 1);
  sink->funcs = *funcs;
  sink->user_data = user_data;
  sink->destroy = destroy;

  g_mutex_lock (&self->sink_lock);
  id = sink->id = ++self->next_sink_id;
  g_ptr_array_add (self->sinks, sink);
  g_mutex_unlock (&self->sink_lock);

  return id;
}

/**
 * steve_streamer_remove_raw_sink:
 *
 * Once this returns, the sink is not running and will not be called again.
 */
void
steve_streamer_remove_raw_sink (SteveStreamer *self,
                                guint          id)
{
  Sink *found = NULL;

  g_return_if_fail (STEVE_IS_STREAMER (self));

  g_mutex_lock (&self->sink_lock);
  for (guint i = 0; i < self->sinks->len; i++)
    if (((Sink *) g_ptr_array_index (self->sinks, i))->id == id)
      found = g_ptr_array_steal_index (self->sinks, i);
  g_mutex_unlock (&self->sink_lock);

  if (found && found->destroy)
    found->destroy (found->user_data);
  g_free (found);
}

/**
 * steve_streamer_start:
 *
 * Asks the device to stream at the chosen interval (through the client),
 * then connects in the worker thread. Reconnects by itself until stopped.
 */
void
steve_streamer_start (SteveStreamer *self)
{
  g_return_if_fail (STEVE_IS_STREAMER (self));

  if (self->cancellable != NULL && !g_cancellable_is_cancelled (self->cancellable))
    return;  /* already started */

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_mutex_lock (&self->lock);
  self->state = STEVE_STREAMER_CONNECTING;
  self->last_ensure_us = 0;
  schedule_ui_locked (self);
  g_mutex_unlock (&self->lock);

  if (self->client)
    {
      StartData *d = g_new0 (StartData, 1);

      /* the worker starts once the device has been asked to stream */
      d->self = g_object_ref (self);
      d->cancellable = g_object_ref (self->cancellable);
      steve_client_stream_start_async (self->client, self->interval_ms, NULL,
                                       device_stream_started, d);
    }
  else
    start_worker (self);
}

/* Cancels the worker and waits for it. @notify: tell the owner (not from
 * dispose: the idle would take a new reference on a dying object). */
static void
stop_worker (SteveStreamer *self,
             gboolean       notify)
{
  if (self->cancellable == NULL)
    return;

  g_cancellable_cancel (self->cancellable);

  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);   /* out of a back-off wait */
  while (self->worker_running)
    g_cond_wait (&self->cond, &self->lock);
  if (self->state != STEVE_STREAMER_STOPPED)
    {
      self->state = STEVE_STREAMER_STOPPED;
      if (notify)
        schedule_ui_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * steve_streamer_stop:
 *
 * Cancels the worker and waits for it to end. It wakes at once: reads,
 * connects and back-off waits all watch the cancellable. The device keeps
 * streaming for other clients. Owner thread only.
 */
void
steve_streamer_stop (SteveStreamer *self)
{
  g_return_if_fail (STEVE_IS_STREAMER (self));

  stop_worker (self, TRUE);
}

SteveStreamerState
steve_streamer_get_state (SteveStreamer *self)
{
  g_return_val_if_fail (STEVE_IS_STREAMER (self), STEVE_STREAMER_STOPPED);
  return self->notified_state;
}

/**
 * steve_streamer_get_stats:
 *
 * A consistent copy of the counters; any thread.
 */
void
steve_streamer_get_stats (SteveStreamer      *self,
                          SteveStreamerStats *stats)
{
  g_return_if_fail (STEVE_IS_STREAMER (self));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

/**
 * steve_streamer_set_interval:
 *
 * Changes the interval of the live connection (`interval N`) and of the
 * next ones.
 */
void
steve_streamer_set_interval (SteveStreamer *self,
                             guint          interval_ms)
{
  g_return_if_fail (STEVE_IS_STREAMER (self));

  interval_ms = CLAMP (interval_ms, STEVE_STREAM_INTERVAL_MIN, STEVE_STREAM_INTERVAL_MAX);

  g_mutex_lock (&self->lock);
  if (self->interval_ms != interval_ms)
    {
      self->interval_ms = interval_ms;
      self->interval_changed = TRUE;
    }
  g_mutex_unlock (&self->lock);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
}

guint
steve_streamer_get_interval (SteveStreamer *self)
{
  guint interval;

  g_return_val_if_fail (STEVE_IS_STREAMER (self), 0);

  g_mutex_lock (&self->lock);
  interval = self->interval_ms;
  g_mutex_unlock (&self->lock);
  return interval;
}

void
steve_streamer_set_ui_limit (SteveStreamer *self,
                             guint          max_samples)
{
  g_return_if_fail (STEVE_IS_STREAMER (self));

  g_mutex_lock (&self->lock);
  self->ui_limit = MAX (1, max_samples);
  g_mutex_unlock (&self->lock);
}

/**
 * steve_streamer_device_to_host_us:
 *
 * Maps a device timestamp to g_get_monotonic_time() using the `sync`
 * round trips of the current connection.
 *
 * Returns: the host time, or 0 while no mapping is known
 */
gint64
steve_streamer_device_to_host_us (SteveStreamer *self,
                                  guint32        timestamp_ms)
{
  gint64 host = 0;

  g_return_val_if_fail (STEVE_IS_STREAMER (self), 0);

  g_mutex_lock (&self->lock);
  if (self->stats.clock_valid)
    host = (gint64) timestamp_ms * 1000 + self->stats.clock_offset_us;
  g_mutex_unlock (&self->lock);
  return host;
}

const char *
steve_streamer_state_to_string (SteveStreamerState state)
{
  switch (state)
    {
    case STEVE_STREAMER_STOPPED: return _("Stopped");
    case STEVE_STREAMER_CONNECTING: return _("Connecting");
    case STEVE_STREAMER_STREAMING: return _("Streaming");
    case STEVE_STREAMER_RECONNECTING: return _("Reconnecting");
    default: return _("Unknown");
    }
}

/* ------------------------------------------------------------------ GObject */

static void
sink_free (gpointer data)
{
  Sink *sink = data;

  if (sink->destroy)
    sink->destroy (sink->user_data);
  g_free (sink);
}

static void
steve_streamer_dispose (GObject *object)
{
  SteveStreamer *self = STEVE_STREAMER (object);

  stop_worker (self, FALSE);

  if (self->client && self->restored_id)
    g_clear_signal_handler (&self->restored_id, self->client);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (steve_streamer_parent_class)->dispose (object);
}

static void
steve_streamer_finalize (GObject *object)
{
  SteveStreamer *self = STEVE_STREAMER (object);

  g_assert (self->ui_source == NULL);

  g_clear_pointer (&self->sinks, g_ptr_array_unref);
  g_clear_pointer (&self->ui_buffer, g_array_unref);
  g_clear_pointer (&self->ui_events, g_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->host);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->sink_lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (steve_streamer_parent_class)->finalize (object);
}

static void
steve_streamer_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SteveStreamer *self = STEVE_STREAMER (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_enum (value, self->notified_state); break;
    case PROP_INTERVAL: g_value_set_uint (value, steve_streamer_get_interval (self)); break;
    case PROP_RATE_HZ: g_value_set_double (value, self->notified_stats.rate_hz); break;
    case PROP_RTT_MS: g_value_set_double (value, self->notified_stats.rtt_ms); break;
    case PROP_GAPS: g_value_set_uint64 (value, self->notified_stats.gaps); break;
    case PROP_RECONNECT_GAPS: g_value_set_uint64 (value, self->notified_stats.reconnect_gaps); break;
    case PROP_DROPPED: g_value_set_uint64 (value, self->notified_stats.ui_dropped); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_streamer_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  SteveStreamer *self = STEVE_STREAMER (object);

  switch (prop_id)
    {
    case PROP_INTERVAL: steve_streamer_set_interval (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_streamer_class_init (SteveStreamerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = steve_streamer_dispose;
  object_class->finalize = steve_streamer_finalize;
  object_class->get_property = steve_streamer_get_property;
  object_class->set_property = steve_streamer_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, STEVE_TYPE_STREAMER_STATE, STEVE_STREAMER_STOPPED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, STEVE_STREAM_INTERVAL_MIN, STEVE_STREAM_INTERVAL_MAX,
                       STEVE_STREAM_INTERVAL_DEFAULT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RATE_HZ] =
    g_param_spec_double ("rate-hz", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RTT_MS] =
    g_param_spec_double ("rtt-ms", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_GAPS] =
    g_param_spec_uint64 ("gaps", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RECONNECT_GAPS] =
    g_param_spec_uint64 ("reconnect-gaps", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DROPPED] =
    g_param_spec_uint64 ("dropped", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SteveStreamer::samples:
   * @batch: (element-type SteveSample): the samples since the last emission
   *
   * Emitted in the owner's main context, at most once per main-loop
   * iteration, with every sample received since (unless the owner stalled
   * past the UI limit: then the oldest were dropped and counted).
   */
  signals[SAMPLES] =
    g_signal_new ("samples", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ARRAY);

  signals[EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  STEVE_TYPE_STREAM_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
steve_streamer_init (SteveStreamer *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->sink_lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_ref_thread_default ();
  self->interval_ms = STEVE_STREAM_INTERVAL_DEFAULT;
  self->ui_limit = DEFAULT_UI_LIMIT;
  self->ui_buffer = g_array_new (FALSE, FALSE, sizeof (SteveSample));
  self->ui_events = g_array_new (FALSE, FALSE, sizeof (SteveStreamEvent));
  self->sinks = g_ptr_array_new_with_free_func (sink_free);
}
