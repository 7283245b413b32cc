/* steve-client.c — the one serialized client of a STEVE device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threading
 * ---------
 * A SteveClient belongs to the GMainContext that was thread-default when it
 * was created (its "owner"). All of its state lives in that thread: the
 * queue, the request in flight, the libsoup sessions, the properties and
 * the signals. The public `_async` functions may be called from any thread:
 * the GTask is created in the caller's thread-default context (so the
 * callback runs there), and the request is handed to the owner through
 * the inbox: a FIFO under `inbox_lock`, drained at once when the caller is
 * the owner thread and can hold the context, else by one idle source in
 * the owner context. So hand-offs keep the order they were made in, and
 * none ever runs in another thread (g_main_context_invoke() would run it
 * in a worker without a thread-default context whenever nobody held the
 * global one, and would overtake one it had deferred a moment before).
 * The one other thing that crosses threads is the e-stop's hold on the
 * queue, an atomic counter (see Serialization). Getters and properties
 * are for the owner thread only.
 *
 * Serialization
 * -------------
 * One FIFO queue and exactly one request in flight (the device closes the
 * connection after every answer). A config update queued behind another
 * still-queued config update is merged into it field by field, latest value
 * winning, so a slider at 120 events/s costs at most one request in flight
 * plus one pending, and the last value is always applied. The emergency
 * stop never queues: a thread started for it alone (not one from GLib's
 * shared task pool, where it could wait behind other work) sends it at
 * once on a connection of its own, without waiting for this thread's main
 * loop. Until the device
 * has answered it the queue sends nothing (an atomic counter, raised by
 * the caller and lowered by that worker, which then resumes the queue in
 * this thread), so only a request already in flight can arrive first.
 *
 * Failures
 * --------
 * A lost connection (refused, reset, timed out) moves a connected client
 * to RECONNECTING and probes GET /status after 0.25 s, then every
 * 0.5 s. Idempotent requests (GETs, config sets, stream start and stop)
 * wait and are sent again when the device is back; control, ODrive
 * and preset-save requests are never repeated: they fail with the error.
 * 5xx answers with no meaning for the request are retried for idempotent
 * requests only, at most three attempts. A 401 ends in AUTH_FAILED.
 *
 * Lifetime: a client keeps itself alive while it has work (requests in
 * flight, reconnection). steve_client_disconnect() ends all of it.
 */
#define G_LOG_DOMAIN "steve-client"

#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "steve-client.h"
#include "steve-enums.h"
#include "steve-error.h"
#include "steve-field.h"
#include "steve-task-private.h"

#define BACKOFF_MIN_MS         250
/* at most this long between probes: a device that reboots is found again
 * well within a second of coming back */
#define BACKOFF_MAX_MS         500
#define RETRY_WINDOW_US        (30 * G_USEC_PER_SEC)
#define MAX_5XX_ATTEMPTS       3
#define DEFAULT_TIMEOUT_S      5
#define ESTOP_TIMEOUT_S        2

typedef enum
{
  OP_PROBE,
  OP_GET_STATUS,
  OP_GET_CONFIG,
  OP_SET_CONFIG,
  OP_CONTROL,
  OP_GET_PRESETS,
  OP_SAVE_PRESET,
  OP_GET_ODRIVE,
  OP_ODRIVE_ACTION,
  OP_GET_CAN,
  OP_GET_PERFORMANCE,
  OP_GET_STREAM,
  OP_STREAM,
  OP_ESTOP,
} OpKind;

typedef struct
{
  SteveClient *client;        /* strong */
  OpKind       kind;
  const char  *method;
  const char  *path;
  char        *body;
  SteveConfig  update;        /* OP_SET_CONFIG */
  SteveConfig  before;        /* OP_GET_CONFIG after a preset: for config-applied */
  gboolean     emit_applied;
  gboolean     idempotent;
  gboolean     internal;
  GPtrArray   *tasks;         /* GTask*, several when config updates were merged */
  GCancellable *cancellable;  /* cancels the HTTP exchange */
  SoupMessage *msg;
  guint        attempts;
  guint        generation;
  gint64       sent_us;
} Op;

struct _SteveClient
{
  GObject           parent_instance;

  char             *host;
  guint             port;
  char             *api_key;
  guint             timeout_s;

  GMainContext     *context;
  GThread          *owner_thread;
  SoupSession      *session;

  /* Hand-offs to the owner thread (Handoff*), oldest first, and the idle
   * source that drains them when the caller could not: any thread, under
   * inbox_lock. */
  GMutex            inbox_lock;
  GQueue            inbox;
  GSource          *inbox_source;

  SteveClientState  state;
  GError           *last_error;
  SteveDialect      dialect;
  SteveFeature      performance;
  SteveRttStats     rtt;
  SteveConfig       device_config;

  GQueue            queue;
  Op               *in_flight;
  GSource          *retry_source;
  GSource          *reconnect_source;
  guint             backoff_ms;
  gint64            reconnecting_since;
  GTask            *connect_task;
  guint             generation;

  /* E-stops being delivered (raised in any thread, lowered in the e-stop
   * worker; atomic). While it is above zero the queue sends nothing, so
   * nothing queued reaches the device before the e-stop does. */
  gint              estops_pending;
};

G_DEFINE_FINAL_TYPE (SteveClient, steve_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_API_KEY,
  PROP_TIMEOUT,
  PROP_STATE,
  PROP_DIALECT,
  PROP_PERFORMANCE_SUPPORT,
  PROP_RTT_MS,
  PROP_DEVICE_CONFIG,
  PROP_LAST_ERROR_MESSAGE,
  N_PROPS
};

enum {
  CONNECTION_LOST,
  CONNECTION_RESTORED,
  CONFIG_APPLIED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void pump (SteveClient *self);

static void
clear_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* ------------------------------------------------------------------ hand-offs */

typedef void (*OwnerFunc) (gpointer data);

typedef struct
{
  OwnerFunc      func;
  gpointer       data;
  GDestroyNotify destroy;
} Handoff;

/* Owner thread: runs every hand-off waiting, oldest first. */
static void
drain_inbox (SteveClient *self)
{
  for (;;)
    {
      Handoff *h;

      g_mutex_lock (&self->inbox_lock);
      h = g_queue_pop_head (&self->inbox);
      g_mutex_unlock (&self->inbox_lock);
      if (h == NULL)
        return;

      h->func (h->data);
      if (h->destroy)
        h->destroy (h->data);
      g_free (h);
    }
}

static gboolean
inbox_dispatch (gpointer data)
{
  SteveClient *self = data;

  g_mutex_lock (&self->inbox_lock);
  g_clear_pointer (&self->inbox_source, g_source_unref);
  g_mutex_unlock (&self->inbox_lock);
  drain_inbox (self);
  return G_SOURCE_REMOVE;
}

/* Any thread: @func (@data) runs in the owner thread after every hand-off
 * made before it; at once when the caller is the owner thread and holds,
 * or can take, the owner context; else from an idle source there. */
static void
to_owner (SteveClient    *self,
          OwnerFunc       func,
          gpointer        data,
          GDestroyNotify  destroy)
{
  Handoff *h = g_new (Handoff, 1);
  gboolean now = FALSE, acquired = FALSE;

  *h = (Handoff) { func, data, destroy };

  if (g_thread_self () == self->owner_thread)
    now = g_main_context_is_owner (self->context) || (acquired = g_main_context_acquire (self->context));

  g_mutex_lock (&self->inbox_lock);
  g_queue_push_tail (&self->inbox, h);
  if (!now && self->inbox_source == NULL)
    {
      self->inbox_source = g_idle_source_new ();
      g_source_set_priority (self->inbox_source, G_PRIORITY_HIGH);
      g_source_set_static_name (self->inbox_source, "[steve] client hand-off");
      g_source_set_callback (self->inbox_source, inbox_dispatch, g_object_ref (self), g_object_unref);
      g_source_attach (self->inbox_source, self->context);
    }
  g_mutex_unlock (&self->inbox_lock);

  if (now)
    drain_inbox (self);
  if (acquired)
    g_main_context_release (self->context);
}

static void send_op (SteveClient *self, Op *op);
static void enter_reconnecting (SteveClient *self, const GError *error);

/* ------------------------------------------------------------------ ops */

static Op *
op_new (SteveClient *self,
        OpKind       kind,
        const char  *method,
        const char  *path,
        gboolean     idempotent)
{
  Op *op = g_new0 (Op, 1);

  op->client = g_object_ref (self);
  op->kind = kind;
  op->method = method;
  op->path = path;
  op->idempotent = idempotent;
  op->tasks = g_ptr_array_new_with_free_func (g_object_unref);
  return op;
}

static void
op_free (Op *op)
{
  g_free (op->body);
  g_clear_pointer (&op->tasks, g_ptr_array_unref);
  g_clear_object (&op->cancellable);
  g_clear_object (&op->msg);
  g_clear_object (&op->client);
  g_free (op);
}

static void
op_fail (Op           *op,
         const GError *error)
{
  for (guint i = 0; i < op->tasks->len; i++)
    g_task_return_error (g_ptr_array_index (op->tasks, i), g_error_copy (error));
  g_ptr_array_set_size (op->tasks, 0);
}

static void
op_fail_literal (Op         *op,
                 GQuark      domain,
                 int         code,
                 const char *message)
{
  g_autoptr(GError) error = g_error_new_literal (domain, code, message);

  op_fail (op, error);
}

static gboolean
op_all_cancelled (Op *op)
{
  for (guint i = 0; i < op->tasks->len; i++)
    {
      GCancellable *c = g_task_get_cancellable (g_ptr_array_index (op->tasks, i));

      if (c == NULL || !g_cancellable_is_cancelled (c))
        return FALSE;
    }
  return op->tasks->len > 0;
}

/* ------------------------------------------------------------------ state */

static void
set_state (SteveClient      *self,
           SteveClientState  state)
{
  if (self->state == state)
    return;

  g_debug ("%s:%u: %s → %s", self->host, self->port,
           steve_client_state_to_string (self->state), steve_client_state_to_string (state));
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_last_error (SteveClient  *self,
                const GError *error)
{
  g_clear_error (&self->last_error);
  if (error)
    self->last_error = g_error_copy (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR_MESSAGE]);
}

static void
set_dialect (SteveClient  *self,
             SteveDialect  dialect)
{
  if (dialect == STEVE_DIALECT_UNKNOWN || self->dialect == dialect)
    return;

  self->dialect = dialect;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIALECT]);
}

static void
set_device_config (SteveClient       *self,
                   const SteveConfig *config)
{
  if (memcmp (&self->device_config, config, sizeof *config) == 0)
    return;

  self->device_config = *config;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_CONFIG]);
}

static void
record_rtt (SteveClient *self,
            gint64       sent_us)
{
  double ms = (g_get_monotonic_time () - sent_us) / 1000.0;

  self->rtt.count++;
  self->rtt.last_ms = ms;
  self->rtt.mean_ms += (ms - self->rtt.mean_ms) / (double) MIN (self->rtt.count, 50);
  self->rtt.max_ms = MAX (self->rtt.max_ms, ms);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RTT_MS]);
}

/* Fails every queued request that must not wait for a lost device. */
static void
fail_queued (SteveClient  *self,
             const GError *error,
             gboolean      only_non_idempotent)
{
  GList *l = self->queue.head;

  while (l)
    {
      GList *next = l->next;
      Op *op = l->data;

      if (!only_non_idempotent || !op->idempotent)
        {
          g_queue_delete_link (&self->queue, l);
          op_fail (op, error);
          op_free (op);
        }
      l = next;
    }
}

/* ------------------------------------------------------------------ errors */

static GError *
transport_error (SteveClient  *self,
                 const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_error_new (STEVE_ERROR, STEVE_ERROR_TIMEOUT,
                        _("The device at %s:%u did not answer within %u s."),
                        self->host, self->port, self->timeout_s);

  return g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                      /* Translators: the last %s is the system's reason, e.g. “Connection refused” */
                      _("Could not reach the device at %s:%u: %s"),
                      self->host, self->port, error->message);
}

/* ------------------------------------------------------------------ reconnecting */

static gboolean
reconnect_cb (gpointer data)
{
  SteveClient *self = data;
  Op *probe;

  g_clear_pointer (&self->reconnect_source, g_source_unref);

  if (self->state != STEVE_CLIENT_RECONNECTING || self->in_flight != NULL)
    return G_SOURCE_REMOVE;

  if (g_get_monotonic_time () - self->reconnecting_since > RETRY_WINDOW_US)
    {
      g_autoptr(GError) error = g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                                             _("The device at %s:%u has not answered for %d s."),
                                             self->host, self->port, (int) (RETRY_WINDOW_US / G_USEC_PER_SEC));
      fail_queued (self, error, FALSE);
    }

  probe = op_new (self, OP_PROBE, "GET", "/api/v1/status", TRUE);
  probe->internal = TRUE;
  send_op (self, probe);
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (SteveClient *self)
{
  if (self->reconnect_source)
    return;

  self->reconnect_source = g_timeout_source_new (self->backoff_ms);
  g_source_set_callback (self->reconnect_source, reconnect_cb, g_object_ref (self), g_object_unref);
  g_source_attach (self->reconnect_source, self->context);
  g_debug ("reconnecting in %u ms", self->backoff_ms);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
}

static void
enter_reconnecting (SteveClient  *self,
                    const GError *error)
{
  g_autoptr(GError) unreachable = NULL;

  if (self->state == STEVE_CLIENT_RECONNECTING)
    return;

  set_last_error (self, error);
  self->backoff_ms = BACKOFF_MIN_MS;
  self->reconnecting_since = g_get_monotonic_time ();
  set_state (self, STEVE_CLIENT_RECONNECTING);

  /* never hold a control, ODrive or preset action for later */
  unreachable = g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                             _("Not sent: the connection to the device was lost (%s)."), error->message);
  fail_queued (self, unreachable, TRUE);

  g_signal_emit (self, signals[CONNECTION_LOST], 0, error);
  schedule_reconnect (self);
}

/* ------------------------------------------------------------------ completion */

static void
complete_pointer (Op             *op,
                  gpointer        result,
                  GBoxedCopyFunc  copy,
                  GDestroyNotify  free_func)
{
  for (guint i = 0; i < op->tasks->len; i++)
    g_task_return_pointer (g_ptr_array_index (op->tasks, i),
                           i + 1 < op->tasks->len ? copy (result) : result,
                           free_func);
  if (op->tasks->len == 0)
    free_func (result);
  g_ptr_array_set_size (op->tasks, 0);
}

static void
complete_boolean (Op *op)
{
  for (guint i = 0; i < op->tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (op->tasks, i), TRUE);
  g_ptr_array_set_size (op->tasks, 0);
}

static gpointer
copy_presets (gpointer data)
{
  GPtrArray *src = data;
  GPtrArray *copy = g_ptr_array_new_full (src->len, (GDestroyNotify) steve_preset_free);

  for (guint i = 0; i < src->len; i++)
    g_ptr_array_add (copy, steve_preset_copy (g_ptr_array_index (src, i)));
  return copy;
}

static gpointer
copy_control_reply (gpointer data)
{
  return g_memdup2 (data, sizeof (SteveControlReply));
}

static void
finish_connect (SteveClient  *self,
                const GError *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

  if (task == NULL)
    return;

  if (error)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
queue_config_refresh (SteveClient       *self,
                      const SteveConfig *before)
{
  Op *op = op_new (self, OP_GET_CONFIG, "GET", "/api/v1/config", TRUE);

  op->internal = TRUE;
  if (before)
    {
      op->before = *before;
      op->emit_applied = TRUE;
    }
  g_queue_push_head (&self->queue, op);
}

/* Handles a 200 answer. Returns FALSE with @error if the body is malformed. */
static gboolean
handle_success (SteveClient  *self,
                Op           *op,
                const char   *body,
                gsize         len,
                GError      **error)
{
  switch (op->kind)
    {
    case OP_PROBE:
    case OP_GET_STATUS:
      {
        SteveStatus status;

        if (!steve_parse_status (body, (gssize) len, &status, error))
          return FALSE;
        set_dialect (self, status.dialect);

        if (op->kind == OP_PROBE)
          {
            gboolean was_reconnecting = self->state == STEVE_CLIENT_RECONNECTING;

            set_last_error (self, NULL);
            self->backoff_ms = BACKOFF_MIN_MS;
            queue_config_refresh (self, NULL);
            set_state (self, STEVE_CLIENT_CONNECTED);
            if (was_reconnecting)
              g_signal_emit (self, signals[CONNECTION_RESTORED], 0);
          }
        else
          complete_pointer (op, steve_status_copy (&status), (GBoxedCopyFunc) steve_status_copy,
                            (GDestroyNotify) steve_status_free);
        return TRUE;
      }

    case OP_GET_CONFIG:
      {
        SteveConfig config;
        SteveDialect dialect;

        if (!steve_parse_config (body, (gssize) len, &config, &dialect, error))
          return FALSE;
        set_dialect (self, dialect);
        set_device_config (self, &config);
        if (op->emit_applied)
          g_signal_emit (self, signals[CONFIG_APPLIED], 0, &op->before, &config);
        if (op->internal)
          finish_connect (self, NULL);
        complete_pointer (op, steve_config_copy (&config), (GBoxedCopyFunc) steve_config_copy,
                          (GDestroyNotify) steve_config_free);
        return TRUE;
      }

    case OP_SET_CONFIG:
      {
        SteveConfigReply reply;
        SteveConfig before = self->device_config;
        SteveConfig after;

        if (!steve_parse_config_reply (body, (gssize) len, &reply, error))
          return FALSE;
        if (!steve_config_apply_update (&before, &op->update, &after, NULL))
          after = before;
        /* the device derives open from travel; keep travel out of the known config */
        steve_config_unset (&after, STEVE_FIELD_TRAVEL);
        set_device_config (self, &after);
        g_signal_emit (self, signals[CONFIG_APPLIED], 0, &before, &after);
        complete_pointer (op, steve_config_copy (&after), (GBoxedCopyFunc) steve_config_copy,
                          (GDestroyNotify) steve_config_free);
        return TRUE;
      }

    case OP_CONTROL:
      {
        SteveControlReply reply;

        if (!steve_parse_control_reply (body, (gssize) len, &reply, error))
          return FALSE;
        if (reply.preset_applied)
          {
            /* the device changed its config: learn the new one */
            SteveConfig before = self->device_config;
            queue_config_refresh (self, &before);
          }
        complete_pointer (op, g_memdup2 (&reply, sizeof reply), copy_control_reply, g_free);
        return TRUE;
      }

    case OP_GET_PRESETS:
      {
        GPtrArray *presets = steve_parse_presets (body, (gssize) len, error);

        if (presets == NULL)
          return FALSE;
        complete_pointer (op, presets, copy_presets, (GDestroyNotify) g_ptr_array_unref);
        return TRUE;
      }

    case OP_GET_ODRIVE:
      {
        SteveOdriveStatus odrive;

        if (!steve_parse_odrive (body, (gssize) len, &odrive, error))
          return FALSE;
        complete_pointer (op, steve_odrive_status_copy (&odrive), (GBoxedCopyFunc) steve_odrive_status_copy,
                          (GDestroyNotify) steve_odrive_status_free);
        return TRUE;
      }

    case OP_GET_CAN:
      {
        SteveCanStatus can;

        if (!steve_parse_can (body, (gssize) len, &can, error))
          return FALSE;
        complete_pointer (op, steve_can_status_copy (&can), (GBoxedCopyFunc) steve_can_status_copy,
                          (GDestroyNotify) steve_can_status_free);
        return TRUE;
      }

    case OP_GET_PERFORMANCE:
      {
        StevePerformance perf;

        if (!steve_parse_performance (body, (gssize) len, &perf, error))
          return FALSE;
        if (self->performance != STEVE_FEATURE_OFFERED)
          {
            self->performance = STEVE_FEATURE_OFFERED;
            g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERFORMANCE_SUPPORT]);
          }
        complete_pointer (op, steve_performance_copy (&perf), (GBoxedCopyFunc) steve_performance_copy,
                          (GDestroyNotify) steve_performance_free);
        return TRUE;
      }

    case OP_GET_STREAM:
      {
        SteveStreamStats stats;

        if (!steve_parse_stream_stats (body, (gssize) len, &stats, error))
          return FALSE;
        complete_pointer (op, steve_stream_stats_copy (&stats), (GBoxedCopyFunc) steve_stream_stats_copy,
                          (GDestroyNotify) steve_stream_stats_free);
        return TRUE;
      }

    case OP_SAVE_PRESET:
    case OP_ODRIVE_ACTION:
    case OP_STREAM:
    case OP_ESTOP:
      if (!steve_parse_ok_reply (body, (gssize) len, error))
        return FALSE;
      complete_boolean (op);
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
retry_cb (gpointer data)
{
  SteveClient *self = data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  pump (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (SteveClient *self,
                guint        delay_ms)
{
  g_return_if_fail (self->retry_source == NULL);

  self->retry_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->retry_source, retry_cb, g_object_ref (self), g_object_unref);
  g_source_attach (self->retry_source, self->context);
}

static void
on_response (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Op *op = user_data;
  SteveClient *self = op->client;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint status;
  gsize len = 0;
  const char *body;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (self->in_flight == op)
    self->in_flight = NULL;

  /* disconnected meanwhile: nothing of this counts any more */
  if (op->generation != self->generation)
    {
      op_fail_literal (op, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The client was disconnected."));
      op_free (op);
      return;
    }

  if (bytes == NULL)
    {
      g_autoptr(GError) mapped = transport_error (self, error);

      g_debug ("%s %s: %s", op->method, op->path, error->message);

      if (op->kind == OP_PROBE)
        {
          op_free (op);
          if (self->state == STEVE_CLIENT_CONNECTING)
            {
              set_last_error (self, mapped);
              set_state (self, STEVE_CLIENT_DISCONNECTED);
              fail_queued (self, mapped, FALSE);
              finish_connect (self, mapped);
            }
          else if (self->state == STEVE_CLIENT_RECONNECTING)
            schedule_reconnect (self);
          return;
        }

      if (self->state == STEVE_CLIENT_CONNECTED)
        enter_reconnecting (self, mapped);

      if (op->idempotent && self->state == STEVE_CLIENT_RECONNECTING)
        {
          /* sent again once the device is back */
          g_queue_push_head (&self->queue, op);
        }
      else
        {
          op_fail (op, mapped);
          op_free (op);
        }

      if (self->state == STEVE_CLIENT_CONNECTING)
        {
          set_state (self, STEVE_CLIENT_DISCONNECTED);
          fail_queued (self, mapped, FALSE);
          finish_connect (self, mapped);
        }
      return;
    }

  record_rtt (self, op->sent_us);
  status = soup_message_get_status (op->msg);
  body = g_bytes_get_data (bytes, &len);

  if (status == SOUP_STATUS_OK)
    {
      g_autoptr(GError) parse_error = NULL;

      if (!handle_success (self, op, body, len, &parse_error))
        {
          g_debug ("%s %s: %s", op->method, op->path, parse_error->message);
          if (op->internal)
            {
              set_last_error (self, parse_error);
              finish_connect (self, op->kind == OP_GET_CONFIG ? NULL : parse_error);
            }
          op_fail (op, parse_error);
        }
      op_free (op);
      pump (self);
      return;
    }

  {
    g_autofree char *code = NULL;
    g_autoptr(GError) device_error = NULL;

    steve_parse_error_body (body, (gssize) len, &code);
    device_error = steve_device_error_new (status, code);
    g_debug ("%s %s: HTTP %u %s", op->method, op->path, status, code ? code : "");

    if (status == SOUP_STATUS_UNAUTHORIZED)
      {
        set_last_error (self, device_error);
        set_state (self, STEVE_CLIENT_AUTH_FAILED);
        op_fail (op, device_error);
        op_free (op);
        fail_queued (self, device_error, FALSE);
        finish_connect (self, device_error);
        return;
      }

    if (op->kind == OP_GET_PERFORMANCE && status == SOUP_STATUS_NOT_FOUND)
      {
        g_autoptr(GError) unsupported = g_error_new_literal (STEVE_ERROR, STEVE_ERROR_NOT_SUPPORTED,
                                                             _("This device does not offer performance statistics."));
        if (self->performance != STEVE_FEATURE_NOT_OFFERED)
          {
            self->performance = STEVE_FEATURE_NOT_OFFERED;
            g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERFORMANCE_SUPPORT]);
          }
        op_fail (op, unsupported);
        op_free (op);
        pump (self);
        return;
      }

    if (op->kind == OP_PROBE)
      {
        /* the device answers: it is reachable even if the valve is not ready */
        op_free (op);
        set_last_error (self, device_error);
        if (status >= 500 && self->state == STEVE_CLIENT_RECONNECTING &&
            device_error->code != STEVE_ERROR_VALVE_UNINITIALIZED)
          {
            /* it answers: ask again soon, not after a longer back-off */
            self->backoff_ms = BACKOFF_MIN_MS;
            schedule_reconnect (self);
            return;
          }
        {
          gboolean was_reconnecting = self->state == STEVE_CLIENT_RECONNECTING;

          self->backoff_ms = BACKOFF_MIN_MS;
          queue_config_refresh (self, NULL);
          set_state (self, STEVE_CLIENT_CONNECTED);
          if (was_reconnecting)
            g_signal_emit (self, signals[CONNECTION_RESTORED], 0);
        }
        pump (self);
        return;
      }

    if (status >= 500 && op->idempotent && steve_error_is_transient (device_error) &&
        op->attempts < MAX_5XX_ATTEMPTS)
      {
        g_queue_push_head (&self->queue, op);
        schedule_retry (self, 50 * op->attempts);
        return;
      }

    if (op->internal && op->kind == OP_GET_CONFIG)
      finish_connect (self, NULL);

    op_fail (op, device_error);
    op_free (op);
    pump (self);
  }
}

/* ------------------------------------------------------------------ sending */

static SoupMessage *
build_message (SteveClient  *self,
               const char   *method,
               const char   *path,
               const char   *body)
{
  g_autoptr(GUri) uri = g_uri_build (G_URI_FLAGS_NONE, "http", NULL, self->host, (gint) self->port,
                                     path, NULL, NULL);
  SoupMessage *msg = soup_message_new_from_uri (method, uri);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "X-API-Key", self->api_key);
  /* the device closes after every answer; say so rather than rely on it */
  soup_message_headers_replace (headers, "Connection", "close");

  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  return msg;
}

static void
send_op (SteveClient *self,
         Op          *op)
{
  g_assert (self->in_flight == NULL);

  if (op->kind == OP_SET_CONFIG)
    {
      g_autoptr(GError) error = NULL;

      /* the update may have been merged since it was checked: check again
       * against what the device holds now */
      g_free (op->body);
      op->body = steve_build_config_request (&op->update, self->dialect, &self->device_config, &error);
      if (op->body == NULL)
        {
          op_fail (op, error);
          op_free (op);
          pump (self);
          return;
        }
    }

  op->attempts++;
  op->generation = self->generation;
  g_clear_object (&op->msg);
  g_clear_object (&op->cancellable);
  op->cancellable = g_cancellable_new ();
  op->msg = build_message (self, op->method, op->path, op->body);
  op->sent_us = g_get_monotonic_time ();
  self->in_flight = op;

  soup_session_send_and_read_async (self->session, op->msg, G_PRIORITY_DEFAULT,
                                    op->cancellable, on_response, op);
}

static void
pump (SteveClient *self)
{
  while (self->in_flight == NULL && self->retry_source == NULL && !g_queue_is_empty (&self->queue))
    {
      Op *op;

      /* held while an e-stop is on its way; resumed by resume_after_estop() */
      if (g_atomic_int_get (&self->estops_pending) > 0)
        return;

      if (self->state != STEVE_CLIENT_CONNECTED && self->state != STEVE_CLIENT_CONNECTING)
        return;

      op = g_queue_pop_head (&self->queue);

      /* nobody is waiting any more */
      if (!op->internal && op_all_cancelled (op))
        {
          op_fail_literal (op, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
          op_free (op);
          continue;
        }

      send_op (self, op);
      return;
    }
}

/* Runs in the owner thread: takes @op into the queue. */
static void
submit_in_owner (gpointer data)
{
  Op *op = data;
  SteveClient *self = op->client;

  switch (self->state)
    {
    case STEVE_CLIENT_DISCONNECTED:
      op_fail_literal (op, STEVE_ERROR, STEVE_ERROR_CONNECTION, _("Not connected to a device."));
      op_free (op);
      return;

    case STEVE_CLIENT_AUTH_FAILED:
      op_fail (op, self->last_error);
      op_free (op);
      return;

    case STEVE_CLIENT_RECONNECTING:
      if (!op->idempotent)
        {
          g_autoptr(GError) error = g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                                                 _("Not sent: the device at %s:%u is not reachable right now; reconnecting."),
                                                 self->host, self->port);
          op_fail (op, error);
          op_free (op);
          return;
        }
      break;

    case STEVE_CLIENT_CONNECTING:
    case STEVE_CLIENT_CONNECTED:
    default:
      break;
    }

  if (op->kind == OP_SET_CONFIG)
    {
      Op *tail = g_queue_peek_tail (&self->queue);

      if (tail != NULL && tail->kind == OP_SET_CONFIG && !tail->internal)
        {
          /* merge into the update still waiting: latest value wins */
          steve_config_merge (&tail->update, &op->update);
          g_ptr_array_extend_and_steal (tail->tasks, g_steal_pointer (&op->tasks));
          op->tasks = g_ptr_array_new_with_free_func (g_object_unref);
          op_free (op);
          return;
        }
    }

  g_queue_push_tail (&self->queue, op);
  pump (self);
}

static void
submit (SteveClient *self,
        Op          *op,
        GTask       *task)
{
  if (task)
    g_ptr_array_add (op->tasks, task);

  /* Runs at once when called from the owner thread, else in it. */
  to_owner (self, submit_in_owner, op, NULL);
}

static GTask *
new_task (SteveClient         *self,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

static void
simple_request (SteveClient         *self,
                OpKind               kind,
                const char          *method,
                const char          *path,
                char                *body,
                gboolean             idempotent,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data,
                gpointer             source_tag)
{
  Op *op = op_new (self, kind, method, path, idempotent);

  op->body = body;
  submit (self, op, new_task (self, cancellable, callback, user_data, source_tag));
}

static void
fail_now (SteveClient         *self,
          GError              *error,
          GAsyncReadyCallback  callback,
          gpointer             user_data,
          gpointer             source_tag)
{
  g_autoptr(GTask) task = new_task (self, NULL, callback, user_data, source_tag);

  g_task_return_error (task, error);
}

/* ------------------------------------------------------------------ connect */

static void
connect_in_owner (gpointer data)
{
  GTask *task = data;
  SteveClient *self = g_task_get_source_object (task);
  Op *probe;

  if (self->connect_task != NULL)
    {
      g_task_return_new_error (task, STEVE_ERROR, STEVE_ERROR_BUSY, _("Already connecting."));
      g_object_unref (task);
      return;
    }

  if (self->state == STEVE_CLIENT_CONNECTED)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  clear_source (&self->reconnect_source);
  self->connect_task = task;
  set_state (self, STEVE_CLIENT_CONNECTING);

  probe = op_new (self, OP_PROBE, "GET", "/api/v1/status", TRUE);
  probe->internal = TRUE;
  if (self->in_flight == NULL)
    send_op (self, probe);
  else
    g_queue_push_head (&self->queue, probe);
}

/**
 * steve_client_connect_async:
 *
 * Probes the device (GET /status, then GET /config) and moves to
 * CONNECTED, or to AUTH_FAILED / DISCONNECTED with the reason.
 */
void
steve_client_connect_async (SteveClient         *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (STEVE_IS_CLIENT (self));

  task = new_task (self, cancellable, callback, user_data, steve_client_connect_async);
  to_owner (self, connect_in_owner, task, NULL);
}

gboolean
steve_client_connect_finish (SteveClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
disconnect_in_owner (gpointer data)
{
  SteveClient *self = data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("The client was disconnected."));

  self->generation++;
  clear_source (&self->reconnect_source);
  clear_source (&self->retry_source);
  fail_queued (self, error, FALSE);
  finish_connect (self, error);
  if (self->in_flight)
    {
      g_cancellable_cancel (self->in_flight->cancellable);
      self->in_flight = NULL;
    }
  set_state (self, STEVE_CLIENT_DISCONNECTED);
}

/**
 * steve_client_disconnect:
 *
 * Fails everything queued with G_IO_ERROR_CANCELLED, stops reconnecting and
 * moves to DISCONNECTED. The e-stop still works afterwards.
 */
void
steve_client_disconnect (SteveClient *self)
{
  g_return_if_fail (STEVE_IS_CLIENT (self));

  to_owner (self, disconnect_in_owner, g_object_ref (self), g_object_unref);
}

/* ------------------------------------------------------------------ endpoints */

#define DEFINE_GET(name, KIND, PATH, Type, type_free)                               \
  void                                                                            \
  steve_client_##name##_async (SteveClient         *self,                         \
                               GCancellable        *cancellable,                  \
                               GAsyncReadyCallback  callback,                     \
                               gpointer             user_data)                    \
  {                                                                               \
    g_return_if_fail (STEVE_IS_CLIENT (self));                                    \
    simple_request (self, KIND, "GET", PATH, NULL, TRUE, cancellable, callback,   \
                    user_data, steve_client_##name##_async);                      \
  }                                                                               \
  Type *                                                                          \
  steve_client_##name##_finish (SteveClient   *self,                              \
                                GAsyncResult  *result,                            \
                                GError       **error)                             \
  {                                                                               \
    g_return_val_if_fail (g_task_is_valid (result, self), NULL);                  \
    g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==              \
                          steve_client_##name##_async, NULL);                     \
    return g_task_propagate_pointer (G_TASK (result), error);                     \
  }

DEFINE_GET (get_status, OP_GET_STATUS, "/api/v1/status", SteveStatus, steve_status_free)
DEFINE_GET (get_config, OP_GET_CONFIG, "/api/v1/config", SteveConfig, steve_config_free)
DEFINE_GET (get_presets, OP_GET_PRESETS, "/api/v1/presets", GPtrArray, g_ptr_array_unref)
DEFINE_GET (get_odrive, OP_GET_ODRIVE, "/api/v1/odrive", SteveOdriveStatus, steve_odrive_status_free)
DEFINE_GET (get_can, OP_GET_CAN, "/api/v1/can", SteveCanStatus, steve_can_status_free)
DEFINE_GET (get_performance, OP_GET_PERFORMANCE, "/api/v1/performance", StevePerformance, steve_performance_free)
DEFINE_GET (get_stream, OP_GET_STREAM, "/api/v1/stream", SteveStreamStats, steve_stream_stats_free)

/**
 * steve_client_set_config_async:
 * @update: the fields to change (checked against the hard limits and the
 *   device's known positions before anything is queued)
 *
 * Queues a config update. While it waits, later updates merge into it.
 * The result is the device's config after the update.
 */
void
steve_client_set_config_async (SteveClient         *self,
                               const SteveConfig   *update,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  Op *op;

  g_return_if_fail (STEVE_IS_CLIENT (self));
  g_return_if_fail (update != NULL);

  /* Refuse anything outside the hard limits right here, in the caller's
   * thread: no such value is ever queued. (The positions are checked
   * against the device again when the request is sent.) */
  body = steve_build_config_request (update, STEVE_DIALECT_UNKNOWN, NULL, &error);
  if (body == NULL)
    {
      fail_now (self, g_steal_pointer (&error), callback, user_data, steve_client_set_config_async);
      return;
    }

  op = op_new (self, OP_SET_CONFIG, "POST", "/api/v1/config", TRUE);
  op->update = *update;
  /* what the device will hold is what goes on the wire */
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (steve_config_has (&op->update, i))
      op->update.values[i] = steve_field_round (i, op->update.values[i]);
  submit (self, op, new_task (self, cancellable, callback, user_data, steve_client_set_config_async));
}

SteveConfig *
steve_client_set_config_finish (SteveClient   *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * steve_client_control_async:
 * @action: start, stop or none
 * @preset: a preset slot to apply first, or -1
 *
 * Never repeated on failure. A successful preset load refreshes the
 * device config (and emits #SteveClient::config-applied).
 */
void
steve_client_control_async (SteveClient         *self,
                            SteveControlAction   action,
                            int                  preset,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  char *body;

  g_return_if_fail (STEVE_IS_CLIENT (self));

  body = steve_build_control_request (action, preset, &error);
  if (body == NULL)
    {
      fail_now (self, g_steal_pointer (&error), callback, user_data, steve_client_control_async);
      return;
    }

  simple_request (self, OP_CONTROL, "POST", "/api/v1/control", body, FALSE,
                  cancellable, callback, user_data, steve_client_control_async);
}

gboolean
steve_client_control_finish (SteveClient        *self,
                             GAsyncResult       *result,
                             SteveControlReply  *reply,
                             GError            **error)
{
  g_autofree SteveControlReply *r = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  r = g_task_propagate_pointer (G_TASK (result), error);
  if (r == NULL)
    return FALSE;
  if (reply)
    *reply = *r;
  return TRUE;
}

void
steve_client_save_preset_async (SteveClient         *self,
                                const StevePreset   *preset,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  char *body;

  g_return_if_fail (STEVE_IS_CLIENT (self));
  g_return_if_fail (preset != NULL);

  body = steve_build_preset_save (preset, &error);
  if (body == NULL)
    {
      fail_now (self, g_steal_pointer (&error), callback, user_data, steve_client_save_preset_async);
      return;
    }

  simple_request (self, OP_SAVE_PRESET, "POST", "/api/v1/presets", body, FALSE,
                  cancellable, callback, user_data, steve_client_save_preset_async);
}

void
steve_client_save_current_preset_async (SteveClient         *self,
                                        guint                index,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  char *body;

  g_return_if_fail (STEVE_IS_CLIENT (self));

  body = steve_build_preset_save_current (index, &error);
  if (body == NULL)
    {
      fail_now (self, g_steal_pointer (&error), callback, user_data, steve_client_save_preset_async);
      return;
    }

  /* same tag: both finish with steve_client_save_preset_finish() */
  simple_request (self, OP_SAVE_PRESET, "POST", "/api/v1/presets", body, FALSE,
                  cancellable, callback, user_data, steve_client_save_preset_async);
}

gboolean
steve_client_save_preset_finish (SteveClient   *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
steve_client_odrive_action_async (SteveClient         *self,
                                  SteveOdriveAction    action,
                                  double               value,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  char *body;

  g_return_if_fail (STEVE_IS_CLIENT (self));

  body = steve_build_odrive_request (action, value, &error);
  if (body == NULL)
    {
      fail_now (self, g_steal_pointer (&error), callback, user_data, steve_client_odrive_action_async);
      return;
    }

  simple_request (self, OP_ODRIVE_ACTION, "POST", "/api/v1/odrive", body, FALSE,
                  cancellable, callback, user_data, steve_client_odrive_action_async);
}

gboolean
steve_client_odrive_action_finish (SteveClient   *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
steve_client_stream_start_async (SteveClient         *self,
                                 guint                interval_ms,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  char *body;

  g_return_if_fail (STEVE_IS_CLIENT (self));

  body = steve_build_stream_request (TRUE, interval_ms, &error);
  if (body == NULL)
    {
      fail_now (self, g_steal_pointer (&error), callback, user_data, steve_client_stream_start_async);
      return;
    }

  simple_request (self, OP_STREAM, "POST", "/api/v1/stream", body, TRUE,
                  cancellable, callback, user_data, steve_client_stream_start_async);
}

void
steve_client_stream_stop_async (SteveClient         *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (STEVE_IS_CLIENT (self));

  simple_request (self, OP_STREAM, "POST", "/api/v1/stream",
                  steve_build_stream_request (FALSE, 0, NULL), TRUE,
                  cancellable, callback, user_data, steve_client_stream_start_async);
}

gboolean
steve_client_stream_finish (SteveClient   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ emergency stop */

/* The e-stop does not go through libsoup or the owner's main loop: a
 * thread of its own opens its own TCP connection and writes the request
 * with blocking I/O. So it leaves at once even when the owner thread is
 * busy, and it never waits behind anything queued, here or in GLib's
 * shared task pool (whose threads other work can hold for seconds). */

typedef struct
{
  char  *host;
  guint  port;
  char  *request;
} EstopData;

static void
estop_data_free (EstopData *d)
{
  g_free (d->host);
  g_free (d->request);
  g_free (d);
}

static GError *
estop_exchange (EstopData     *d,
                GCancellable  *cancellable)
{
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GByteArray) answer = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  GSocket *socket;
  const char *text, *head_end, *body;
  guint status;
  gsize done = 0;

  g_socket_client_set_timeout (connector, ESTOP_TIMEOUT_S);
  conn = g_socket_client_connect_to_host (connector, d->host, (guint16) d->port, cancellable, &error);
  if (conn == NULL)
    return g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                        _("The emergency stop could not be sent to %s:%u: %s"), d->host, d->port, error->message);

  socket = g_socket_connection_get_socket (conn);
  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  g_socket_set_timeout (socket, ESTOP_TIMEOUT_S);

  while (done < strlen (d->request))
    {
      gssize n = g_socket_send (socket, d->request + done, strlen (d->request) - done, cancellable, &error);

      if (n < 0)
        return g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                            _("The emergency stop could not be sent to %s:%u: %s"), d->host, d->port, error->message);
      done += (gsize) n;
    }

  /* the device answers and closes */
  for (;;)
    {
      guint8 buf[1024];
      gssize n = g_socket_receive (socket, (char *) buf, sizeof buf, cancellable, &error);

      if (n < 0)
        return g_error_new (STEVE_ERROR, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)
                                           ? STEVE_ERROR_TIMEOUT : STEVE_ERROR_CONNECTION,
                            _("The emergency stop was sent to %s:%u, but its answer did not arrive: %s"),
                            d->host, d->port, error->message);
      if (n == 0)
        break;
      g_byte_array_append (answer, buf, (guint) n);
      if (answer->len > 16 * 1024)
        break;
    }

  g_byte_array_append (answer, (const guint8 *) "", 1);
  text = (const char *) answer->data;
  head_end = strstr (text, "\r\n\r\n");
  if (!g_str_has_prefix (text, "HTTP/1.") || strlen (text) < 12 || head_end == NULL)
    return g_error_new (STEVE_ERROR, STEVE_ERROR_PROTOCOL,
                        _("The device at %s:%u answered the emergency stop with something that is not HTTP."),
                        d->host, d->port);

  status = (guint) g_ascii_strtoull (text + 9, NULL, 10);
  body = head_end + 4;

  if (status != SOUP_STATUS_OK)
    {
      g_autofree char *code = NULL;
      g_autoptr(GError) device_error = NULL;

      steve_parse_error_body (body, -1, &code);
      device_error = steve_device_error_new (status, code);
      return g_error_new (STEVE_ERROR, device_error->code,
                          _("The device refused the emergency stop: %s"), device_error->message);
    }

  if (!steve_parse_ok_reply (body, -1, &error))
    return g_steal_pointer (&error);

  return NULL;
}

/* Owner thread: the queue was held while an e-stop was delivered. */
static void
resume_after_estop (gpointer data)
{
  pump (STEVE_CLIENT (data));
}

/* The e-stop's own thread (steve-task-private.h). */
static void
estop_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SteveClient *self = source;
  EstopData *d = task_data;
  gint64 start = g_get_monotonic_time ();
  GError *error;

  g_debug ("e-stop: sending to %s:%u", d->host, d->port);
  error = estop_exchange (d, cancellable);

  /* up to two immediate retries when the failure says nothing about the
   * request (lost connection, timeout, a 5xx): latching the estop twice
   * is harmless, not latching it is not */
  for (guint retry = 0; retry < 2 && error != NULL && steve_error_is_transient (error) &&
                        !g_cancellable_is_cancelled (cancellable); retry++)
    {
      g_clear_error (&error);
      error = estop_exchange (d, cancellable);
    }

  if (error)
    g_debug ("e-stop: failed after %.1f ms: %s", (g_get_monotonic_time () - start) / 1000.0, error->message);
  else
    g_debug ("e-stop: the device answered after %.1f ms", (g_get_monotonic_time () - start) / 1000.0);

  /* the device has answered (or cannot be reached): the queue may go on */
  if (g_atomic_int_dec_and_test (&self->estops_pending))
    to_owner (self, resume_after_estop, g_object_ref (self), g_object_unref);

  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
drop_config_updates (gpointer data)
{
  SteveClient *self = data;
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     _("Cancelled by the emergency stop."));

  for (GList *l = self->queue.head; l;)
    {
      GList *next = l->next;
      Op *op = l->data;

      if (op->kind == OP_SET_CONFIG)
        {
          g_queue_delete_link (&self->queue, l);
          op_fail (op, cancelled);
          op_free (op);
        }
      l = next;
    }
}

/**
 * steve_client_estop_async:
 *
 * Sends the ODrive emergency stop at once, from a thread started for it
 * on a connection of its own: ahead of anything queued, while another request
 * is in flight, and even while the owner thread is busy. Config updates
 * still waiting are dropped, and the queue sends nothing more until the
 * device has answered the e-stop (or it has failed), so a request queued
 * before it can never reach the device first; only the one already in
 * flight may. The valve reaches its error state at the
 * device's next heartbeat check (≈ 100 ms). Any thread.
 */
void
steve_client_estop_async (SteveClient         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *body = steve_build_odrive_request (STEVE_ODRIVE_ACTION_ESTOP, 0, NULL);
  EstopData *d;

  g_return_if_fail (STEVE_IS_CLIENT (self));

  d = g_new0 (EstopData, 1);
  d->host = g_strdup (self->host);
  d->port = self->port;
  d->request = g_strdup_printf ("POST /api/v1/odrive HTTP/1.1\r\n"
                                "Host: %s:%u\r\n"
                                "X-API-Key: %s\r\n"
                                "Content-Type: application/json\r\n"
                                "Content-Length: %zu\r\n"
                                "Connection: close\r\n"
                                "\r\n%s",
                                self->host, self->port, self->api_key, strlen (body), body);

  /* hold the queue before anything else can be dispatched */
  g_atomic_int_inc (&self->estops_pending);

  task = new_task (self, cancellable, callback, user_data, steve_client_estop_async);
  g_task_set_task_data (task, d, (GDestroyNotify) estop_data_free);
  g_task_set_name (task, "[steve] emergency stop");
  g_task_set_priority (task, G_PRIORITY_HIGH);
  steve_task_run_in_own_thread (task, "steve-estop", estop_thread);

  to_owner (self, drop_config_updates, g_object_ref (self), g_object_unref);
}

gboolean
steve_client_estop_finish (SteveClient   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ getters */

const char *
steve_client_get_host (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), NULL);
  return self->host;
}

guint
steve_client_get_port (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), 0);
  return self->port;
}

SteveClientState
steve_client_get_state (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), STEVE_CLIENT_DISCONNECTED);
  return self->state;
}

const GError *
steve_client_get_last_error (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), NULL);
  return self->last_error;
}

SteveDialect
steve_client_get_dialect (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), STEVE_DIALECT_UNKNOWN);
  return self->dialect;
}

SteveFeature
steve_client_get_performance_support (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), STEVE_FEATURE_UNKNOWN);
  return self->performance;
}

void
steve_client_get_rtt_stats (SteveClient   *self,
                            SteveRttStats *stats)
{
  g_return_if_fail (STEVE_IS_CLIENT (self));
  g_return_if_fail (stats != NULL);
  *stats = self->rtt;
}

const SteveConfig *
steve_client_get_device_config (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), NULL);
  return &self->device_config;
}

guint
steve_client_get_queue_length (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), 0);
  return self->queue.length + (self->in_flight ? 1 : 0);
}

GMainContext *
steve_client_get_context (SteveClient *self)
{
  g_return_val_if_fail (STEVE_IS_CLIENT (self), NULL);
  return self->context;
}

const char *
steve_client_state_to_string (SteveClientState state)
{
  switch (state)
    {
    case STEVE_CLIENT_DISCONNECTED: return _("Disconnected");
    case STEVE_CLIENT_CONNECTING: return _("Connecting");
    case STEVE_CLIENT_CONNECTED: return _("Connected");
    case STEVE_CLIENT_RECONNECTING: return _("Reconnecting");
    case STEVE_CLIENT_AUTH_FAILED: return _("API key refused");
    default: return _("Unknown");
    }
}

/* ------------------------------------------------------------------ GObject */

/**
 * steve_client_new:
 * @host: host name or address of the device
 * @port: its REST port (8080 on the firmware)
 * @api_key: (nullable): the key; %NULL means the firmware's default
 *
 * Creates a client owned by the calling thread's default main context.
 */
SteveClient *
steve_client_new (const char *host,
                  guint       port,
                  const char *api_key)
{
  g_return_val_if_fail (host != NULL, NULL);

  return g_object_new (STEVE_TYPE_CLIENT,
                       "host", host,
                       "port", port,
                       "api-key", api_key ? api_key : STEVE_DEFAULT_API_KEY,
                       NULL);
}

static void
steve_client_constructed (GObject *object)
{
  SteveClient *self = STEVE_CLIENT (object);
  g_autofree char *agent = g_strdup_printf ("SteveTuner/%s", PACKAGE_VERSION);

  G_OBJECT_CLASS (steve_client_parent_class)->constructed (object);

  self->context = g_main_context_ref_thread_default ();
  self->owner_thread = g_thread_self ();
  self->session = soup_session_new_with_options ("timeout", self->timeout_s,
                                                 "idle-timeout", 1,
                                                 "max-conns-per-host", 1,
                                                 "user-agent", agent,
                                                 NULL);
}

static void
steve_client_dispose (GObject *object)
{
  SteveClient *self = STEVE_CLIENT (object);

  /* Ops hold a reference: nothing can be queued or in flight here. */
  g_assert (self->in_flight == NULL);
  g_assert (g_queue_is_empty (&self->queue));
  g_assert (g_queue_is_empty (&self->inbox));

  clear_source (&self->reconnect_source);
  clear_source (&self->retry_source);
  if (self->session)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (steve_client_parent_class)->dispose (object);
}

static void
steve_client_finalize (GObject *object)
{
  SteveClient *self = STEVE_CLIENT (object);

  g_free (self->host);
  g_free (self->api_key);
  g_clear_error (&self->last_error);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->inbox_lock);

  G_OBJECT_CLASS (steve_client_parent_class)->finalize (object);
}

static void
steve_client_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SteveClient *self = STEVE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOST: g_value_set_string (value, self->host); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    case PROP_API_KEY: g_value_set_string (value, self->api_key); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout_s); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_DIALECT: g_value_set_enum (value, self->dialect); break;
    case PROP_PERFORMANCE_SUPPORT: g_value_set_enum (value, self->performance); break;
    case PROP_RTT_MS: g_value_set_double (value, self->rtt.last_ms); break;
    case PROP_DEVICE_CONFIG: g_value_set_boxed (value, &self->device_config); break;
    case PROP_LAST_ERROR_MESSAGE:
      g_value_set_string (value, self->last_error ? self->last_error->message : NULL);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_client_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SteveClient *self = STEVE_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HOST:
      g_free (self->host);
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_API_KEY:
      g_free (self->api_key);
      self->api_key = g_value_dup_string (value);
      break;
    case PROP_TIMEOUT:
      self->timeout_s = g_value_get_uint (value);
      if (self->session)
        soup_session_set_timeout (self->session, self->timeout_s);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_client_class_init (SteveClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = steve_client_constructed;
  object_class->dispose = steve_client_dispose;
  object_class->finalize = steve_client_finalize;
  object_class->get_property = steve_client_get_property;
  object_class->set_property = steve_client_set_property;

  properties[PROP_HOST] =
    g_param_spec_string ("host", NULL, NULL, "127.0.0.1",
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL, 1, 65535, STEVE_DEFAULT_HTTP_PORT,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL, STEVE_DEFAULT_API_KEY,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, 120, DEFAULT_TIMEOUT_S,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, STEVE_TYPE_CLIENT_STATE, STEVE_CLIENT_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DIALECT] =
    g_param_spec_enum ("dialect", NULL, NULL, STEVE_TYPE_DIALECT, STEVE_DIALECT_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PERFORMANCE_SUPPORT] =
    g_param_spec_enum ("performance-support", NULL, NULL, STEVE_TYPE_FEATURE, STEVE_FEATURE_UNKNOWN,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RTT_MS] =
    g_param_spec_double ("rtt-ms", NULL, NULL, 0, G_MAXDOUBLE, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DEVICE_CONFIG] =
    g_param_spec_boxed ("device-config", NULL, NULL, STEVE_TYPE_CONFIG,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LAST_ERROR_MESSAGE] =
    g_param_spec_string ("last-error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SteveClient::connection-lost:
   * @error: why
   *
   * The device stopped answering; the client now reconnects by itself.
   */
  signals[CONNECTION_LOST] =
    g_signal_new ("connection-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  signals[CONNECTION_RESTORED] =
    g_signal_new ("connection-restored", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * SteveClient::config-applied:
   * @before: the device's config before
   * @after: the device's config after
   *
   * A config update or a preset load succeeded on the device.
   */
  signals[CONFIG_APPLIED] =
    g_signal_new ("config-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  STEVE_TYPE_CONFIG | G_SIGNAL_TYPE_STATIC_SCOPE,
                  STEVE_TYPE_CONFIG | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
steve_client_init (SteveClient *self)
{
  self->timeout_s = DEFAULT_TIMEOUT_S;
  self->backoff_ms = BACKOFF_MIN_MS;
  g_queue_init (&self->queue);
  g_queue_init (&self->inbox);
  g_mutex_init (&self->inbox_lock);
}
