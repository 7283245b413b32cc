/* steve-sim.c — a protocol-faithful simulated STEVE device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One private thread runs everything: the 1 kHz control loop (a 1 ms tick
 * that catches up on elapsed cycles), the HTTP server (one connection per
 * request, closed after the answer) and the telemetry server. All state
 * lives behind self->lock, which the thread holds while it dispatches and
 * public functions hold briefly; nothing waits for the network under it.
 */
#define G_LOG_DOMAIN "steve-sim"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <gio/gio.h>

#include "steve-enums.h"
#include "steve-sim.h"
#include "steve-sim-http.h"

#define MAX_HTTP_CONNECTIONS    8
#define MAX_STREAM_CLIENTS      6
#define HTTP_IDLE_TIMEOUT_MS    5000
#define DRAIN_TIMEOUT_MS        1000
#define STREAM_OUT_LIMIT        (1024 * 1024)
#define STREAM_CMD_MAX          256
#define MAX_CATCH_UP_CYCLES     5000

G_DEFINE_ENUM_TYPE (SteveSimProfile, steve_sim_profile,
                    G_DEFINE_ENUM_VALUE (STEVE_SIM_PROFILE_IDLE, "idle"),
                    G_DEFINE_ENUM_VALUE (STEVE_SIM_PROFILE_SINE, "sine"),
                    G_DEFINE_ENUM_VALUE (STEVE_SIM_PROFILE_RANDOM, "random"),
                    G_DEFINE_ENUM_VALUE (STEVE_SIM_PROFILE_WALLS, "walls"))

typedef enum
{
  HTTP_READING,
  HTTP_WAITING_LATENCY,
  HTTP_WAITING_START,
  HTTP_WRITING,
  HTTP_DRAINING,
} HttpState;

typedef struct
{
  SteveSim            *sim;
  guint64              id;
  GSocket             *socket;
  GSource             *io_source;
  GSource             *timer;
  HttpState            state;
  GByteArray          *in;
  SteveSimHttpRequest  req;
  SteveSimResponse     resp;
  char                *out;
  gsize                out_len;
  gsize                out_pos;
} HttpConn;

typedef struct
{
  SteveSim   *sim;
  guint32     id;
  GSocket    *socket;
  GSource    *in_source;
  GSource    *out_source;
  GByteArray *out;
  gsize       out_pos;
  char        cmd[STREAM_CMD_MAX];
  gsize       cmd_len;
  gboolean    cmd_overflow;
  guint       interval;
  guint64     next_due;
  guint       since_garbage;
  guint       garbage_kind;
} StreamConn;

struct _SteveSim
{
  GObject          parent_instance;

  /* configuration (set before start) */
  char            *listen_address;
  guint            http_port;
  guint            stream_port;
  char            *api_key;
  SteveDialect     dialect;
  SteveSimProfile  profile;
  char            *state_file;
  guint            seed;
  guint            idle_timeout_ms;

  GMutex           lock;
  GThread         *thread;
  GMainContext    *context;
  gint             quit;
  gboolean         running;

  /* everything below: under lock, sockets touched only by the thread */
  SteveSimDevice  *dev;
  GRand           *rand;
  gint64           boot_us;
  guint            boot_count;
  GSocket         *http_hold;      /* see hold_port(); made in start()
                                    * and closed in stop(), never touched
                                    * by the thread */
  GSocket         *stream_hold;
  GSocket         *http_listener;
  GSource         *http_listener_source;
  GSocket         *stream_listener;
  GSource         *stream_listener_source;
  GSource         *tick_source;
  GList           *http_conns;
  GList           *stream_conns;
  guint64          next_conn_id;
  guint32          next_stream_id;
  gboolean         down;
  gint64           up_at_us;

  /* faults */
  SteveSimFaults   faults;
  guint            latency_ms;
  double           error_rate;
  guint            close_every_ms;
  gint64           next_close_us;
  guint            garbage_every;
  gint64           stall_until_us;
  guint            stall_every_ms;
  guint            stall_duration_ms;
  gint64           next_stall_us;
  guint            restart_every_ms;
  guint            restart_downtime_ms;
  gint64           next_restart_us;
  gint             restart_requested_ms;   /* -1: none */

  /* logs */
  gboolean         log_requests;
  GPtrArray       *request_log;
  gboolean         log_samples;
  GArray          *sample_log;

  /* stream counters since the last hand-over to the device */
  guint64          sent_pending;
  guint64          errors_pending;
  guint64          invalid_pending;
};

G_DEFINE_FINAL_TYPE (SteveSim, steve_sim, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LISTEN_ADDRESS,
  PROP_HTTP_PORT,
  PROP_STREAM_PORT,
  PROP_API_KEY,
  PROP_DIALECT,
  PROP_PROFILE,
  PROP_STATE_FILE,
  PROP_SEED,
  PROP_IDLE_TIMEOUT_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void http_conn_close (SteveSim *self, HttpConn *c);
static void stream_conn_close (SteveSim *self, StreamConn *c);
static gboolean open_stream_listener (SteveSim *self, GError **error);
static void close_stream_listener (SteveSim *self);

/* ------------------------------------------------------------------ helpers */

void
steve_sim_request_record_free (SteveSimRequestRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->method);
  g_free (record->path);
  g_free (record->body);
  g_free (record);
}

const char *
steve_sim_profile_to_string (SteveSimProfile profile)
{
  GEnumClass *klass = g_type_class_ref (steve_sim_profile_get_type ());
  GEnumValue *value = g_enum_get_value (klass, profile);
  const char *nick = value ? value->value_nick : "idle";

  g_type_class_unref (klass);
  return nick;
}

gboolean
steve_sim_profile_from_string (const char      *text,
                               SteveSimProfile *profile)
{
  GEnumClass *klass = g_type_class_ref (steve_sim_profile_get_type ());
  GEnumValue *value = text ? g_enum_get_value_by_nick (klass, text) : NULL;

  if (value)
    *profile = value->value;
  g_type_class_unref (klass);
  return value != NULL;
}

/* A TCP socket bound to @address:@port (a free port when 0), with address
 * reuse, listening when @listen. */
static GSocket *
bind_socket (const char  *address,
             guint        port,
             gboolean     listen,
             GError     **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) sockaddr = NULL;
  g_autoptr(GSocket) socket = NULL;

  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return NULL;
    }

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  sockaddr = g_inet_socket_address_new (inet, (guint16) port);
  g_socket_set_blocking (socket, FALSE);
  g_socket_set_listen_backlog (socket, 32);

  if (!g_socket_bind (socket, sockaddr, TRUE, error) ||
      (listen && !g_socket_listen (socket, error)))
    return NULL;

  return g_steal_pointer (&socket);
}

static GSocket *
bind_listener (const char  *address,
               guint        port,
               GError     **error)
{
  return bind_socket (address, port, TRUE, error);
}

/* Keeps @port this simulator's for as long as it runs, also while nothing
 * listens on it (the stream port between streams, the HTTP port while the
 * device reboots): a socket bound to it that never listens. Connecting to
 * the port is refused then, as with a closed port, but unlike a closed
 * port the number is not free: a bind that does not ask for address reuse
 * fails, a free-port pick (another test's simulator) passes it over, and
 * an outgoing connection never gets it as its local port. A program that
 * binds with address reuse and listens can still take it while it is
 * closed. The listener binds beside the hold: on Linux that is allowed
 * when both sockets ask for address reuse and the hold does not listen. */
static GSocket *
hold_port (const char  *address,
           guint        port,
           GError     **error)
{
  return bind_socket (address, port, FALSE, error);
}

static guint
socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) addr = g_socket_get_local_address (socket, NULL);

  return addr ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr)) : 0;
}

static void
socket_reset (GSocket *socket)
{
  struct linger lg = { 1, 0 };

  /* SO_LINGER with a zero timeout makes close() send a RST. */
  setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  g_socket_close (socket, NULL);
}

static void
destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_source_unref (*source);
      *source = NULL;
    }
}

/* Closes *@socket, if any, and drops it. */
static void
close_socket (GSocket **socket)
{
  if (*socket)
    g_socket_close (*socket, NULL);
  g_clear_object (socket);
}

static GSource *
attach_socket_source (SteveSim         *self,
                      GSocket          *socket,
                      GIOCondition      condition,
                      GSocketSourceFunc func,
                      gpointer          data)
{
  GSource *source = g_socket_create_source (socket, condition, NULL);

  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static GSource *
attach_timer (SteveSim    *self,
              guint        ms,
              GSourceFunc  func,
              gpointer     data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
save_state (SteveSim *self)
{
  g_autoptr(GKeyFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;

  if (self->state_file == NULL)
    return;

  file = steve_sim_device_save_presets (self->dev);
  dir = g_path_get_dirname (self->state_file);
  g_mkdir_with_parents (dir, 0700);

  /* g_key_file_save_to_file() writes a temporary file and renames it. */
  if (!g_key_file_save_to_file (file, self->state_file, &error))
    g_warning ("Could not save the presets to %s: %s", self->state_file, error->message);
}

static void
load_state (SteveSim *self)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  if (self->state_file == NULL || !g_file_test (self->state_file, G_FILE_TEST_EXISTS))
    return;

  if (!g_key_file_load_from_file (file, self->state_file, G_KEY_FILE_NONE, &error) ||
      !steve_sim_device_load_presets (self->dev, file, &error))
    g_warning ("Ignoring the unreadable state file %s: %s", self->state_file, error->message);
}

static void
boot_device (SteveSim *self)
{
  load_state (self);
  steve_sim_device_boot (self->dev);
  self->boot_us = g_get_monotonic_time ();
  self->boot_count++;
}

/* ------------------------------------------------------------------ stream server */

static void
stream_conn_free (StreamConn *c)
{
  destroy_source (&c->in_source);
  destroy_source (&c->out_source);
  close_socket (&c->socket);
  g_clear_pointer (&c->out, g_byte_array_unref);
  g_free (c);
}

static void
stream_conn_close (SteveSim   *self,
                   StreamConn *c)
{
  self->stream_conns = g_list_remove (self->stream_conns, c);
  stream_conn_free (c);
}

static gboolean stream_conn_writable (GSocket *socket, GIOCondition cond, gpointer data);

/* Returns FALSE if the connection was closed. */
static gboolean
stream_conn_flush (SteveSim   *self,
                   StreamConn *c)
{
  while (c->out_pos < c->out->len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (c->socket, (const char *) c->out->data + c->out_pos,
                                c->out->len - c->out_pos, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              if (c->out_source == NULL)
                c->out_source = attach_socket_source (self, c->socket, G_IO_OUT, stream_conn_writable, c);
              return TRUE;
            }
          stream_conn_close (self, c);
          return FALSE;
        }
      c->out_pos += (gsize) n;
    }

  g_byte_array_set_size (c->out, 0);
  c->out_pos = 0;
  destroy_source (&c->out_source);
  return TRUE;
}

static gboolean
stream_conn_writable (GSocket      *socket,
                      GIOCondition  cond,
                      gpointer      data)
{
  StreamConn *c = data;
  SteveSim *self = c->sim;

  /* the flush destroys this source once the buffer has drained */
  g_mutex_lock (&self->lock);
  stream_conn_flush (self, c);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

/* Queues bytes; returns FALSE if they were dropped (buffer full). */
static gboolean
stream_conn_queue (StreamConn *c,
                   const char *data,
                   gsize       len)
{
  if (c->out->len - c->out_pos + len > STREAM_OUT_LIMIT)
    return FALSE;

  if (c->out_pos > 0 && c->out_pos == c->out->len)
    {
      g_byte_array_set_size (c->out, 0);
      c->out_pos = 0;
    }

  g_byte_array_append (c->out, (const guint8 *) data, (guint) len);
  return TRUE;
}

static void
stream_conn_command (SteveSim   *self,
                     StreamConn *c,
                     char       *line)
{
  gsize len = strlen (line);

  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
    line[--len] = '\0';

  if (g_str_has_prefix (line, "interval "))
    {
      char *end = NULL;
      guint64 v = g_ascii_strtoull (line + 9, &end, 10);

      if (end != line + 9 && *end == '\0' &&
          v >= STEVE_STREAM_INTERVAL_MIN && v <= STEVE_STREAM_INTERVAL_MAX)
        {
          c->interval = (guint) v;
          c->next_due = steve_sim_device_now_ms (self->dev) + c->interval;
        }
    }
  else if (g_str_equal (line, "sync") || g_str_has_prefix (line, "sync "))
    {
      char buf[256];
      char token[STEVE_SYNC_TOKEN_MAX + 1];
      gsize n;

      if (line[4] == ' ')
        {
          g_strlcpy (token, line + 5, sizeof token);
          n = steve_sim_device_format_sync (self->dev, token, buf, sizeof buf);
        }
      else
        n = steve_sim_device_format_sync (self->dev, NULL, buf, sizeof buf);

      if (n > 0)
        {
          stream_conn_queue (c, buf, n);
          stream_conn_flush (self, c);
        }
    }
  /* anything else is ignored, like the firmware does */
}

static gboolean
stream_conn_readable (GSocket      *socket,
                      GIOCondition  cond,
                      gpointer      data)
{
  StreamConn *c = data;
  SteveSim *self = c->sim;
  char buf[1024];
  gssize n;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&self->lock);

  n = g_socket_receive (c->socket, buf, sizeof buf, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_mutex_unlock (&self->lock);
      return G_SOURCE_CONTINUE;
    }

  if (n <= 0)
    {
      c->in_source = (g_source_unref (c->in_source), NULL);
      stream_conn_close (self, c);
      g_mutex_unlock (&self->lock);
      return G_SOURCE_REMOVE;
    }

  for (gssize i = 0; i < n; i++)
    {
      if (buf[i] == '\n')
        {
          if (!c->cmd_overflow)
            {
              c->cmd[c->cmd_len] = '\0';
              stream_conn_command (self, c, c->cmd);
              if (g_list_find (self->stream_conns, c) == NULL)
                {
                  g_mutex_unlock (&self->lock);
                  return G_SOURCE_REMOVE;
                }
            }
          c->cmd_len = 0;
          c->cmd_overflow = FALSE;
        }
      else if (c->cmd_len + 1 < sizeof c->cmd)
        c->cmd[c->cmd_len++] = buf[i];
      else
        c->cmd_overflow = TRUE;
    }

  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static gboolean
stream_listener_ready (GSocket      *socket,
                       GIOCondition  cond,
                       gpointer      data)
{
  SteveSim *self = data;

  g_mutex_lock (&self->lock);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) client = g_socket_accept (self->stream_listener, NULL, &error);
      StreamConn *c;
      char hello[128];
      gsize n;

      if (client == NULL)
        break;

      if (g_list_length (self->stream_conns) >= MAX_STREAM_CLIENTS)
        {
          /* a 7th client is accepted and closed at once */
          g_socket_close (client, NULL);
          continue;
        }

      g_socket_set_blocking (client, FALSE);
      g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, 1, NULL);

      c = g_new0 (StreamConn, 1);
      c->sim = self;
      c->id = ++self->next_stream_id;
      c->socket = g_steal_pointer (&client);
      c->out = g_byte_array_sized_new (4096);
      c->interval = steve_sim_device_stream_interval (self->dev);
      c->next_due = steve_sim_device_now_ms (self->dev) + c->interval;
      self->stream_conns = g_list_append (self->stream_conns, c);

      c->in_source = attach_socket_source (self, c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                           stream_conn_readable, c);

      n = steve_sim_device_format_hello (self->dev, c->interval, hello, sizeof hello);
      stream_conn_queue (c, hello, n);
      stream_conn_flush (self, c);
    }

  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static gboolean
open_stream_listener (SteveSim  *self,
                      GError   **error)
{
  if (self->stream_listener != NULL)
    return TRUE;

  self->stream_listener = bind_listener (self->listen_address, self->stream_port, error);
  if (self->stream_listener == NULL)
    return FALSE;

  self->stream_listener_source = attach_socket_source (self, self->stream_listener, G_IO_IN,
                                                       stream_listener_ready, self);
  return TRUE;
}

static void
close_stream_clients (SteveSim *self)
{
  while (self->stream_conns)
    stream_conn_close (self, self->stream_conns->data);
}

static void
close_stream_listener (SteveSim *self)
{
  destroy_source (&self->stream_listener_source);
  close_socket (&self->stream_listener);
  close_stream_clients (self);
}

static const char *garbage_lines[] = {
  "{\"timestamp_ms\":12,\"seq\":\n",
  "\x01\x02\xff\xfe garbage \x7f\n",
  "{\"timestamp_ms\":NaN,\"seq\":1}\n",
  "not json at all\n",
  "{\"timestamp_ms\":1,\"seq\":1,\"position_deg\":1e999,\"torque_nm\":0,\"omega_rad_s\":0,\"status\":\"IDLE\"}\n",
};

static void
stream_send_sample (SteveSim   *self,
                    StreamConn *c)
{
  SteveSample sample;
  char line[512];
  gsize n;

  if (self->garbage_every > 0 && ++c->since_garbage >= self->garbage_every)
    {
      const char *g = garbage_lines[c->garbage_kind++ % G_N_ELEMENTS (garbage_lines)];

      c->since_garbage = 0;
      stream_conn_queue (c, g, strlen (g));
    }

  steve_sim_device_fill_sample (self->dev, &sample);
  n = steve_telemetry_format_sample (&sample, steve_sim_device_get_dialect (self->dev), line, sizeof line);

  if (n == 0 || !stream_conn_queue (c, line, n))
    {
      self->errors_pending++;
      return;
    }

  self->sent_pending++;
  if (!sample.data_valid)
    self->invalid_pending++;

  if (self->log_samples)
    {
      SteveSimSentSample rec = {
        g_get_monotonic_time (), steve_sim_device_boot_id (self->dev), c->id,
        sample.timestamp_ms, sample.seq,
      };
      g_array_append_val (self->sample_log, rec);
    }
}

/* ------------------------------------------------------------------ HTTP server */

static void
http_conn_free (HttpConn *c)
{
  destroy_source (&c->io_source);
  destroy_source (&c->timer);
  close_socket (&c->socket);
  g_clear_pointer (&c->in, g_byte_array_unref);
  g_clear_pointer (&c->out, g_free);
  steve_sim_response_clear (&c->resp);
  g_free (c);
}

static void
http_conn_close (SteveSim *self,
                 HttpConn *c)
{
  self->http_conns = g_list_remove (self->http_conns, c);
  http_conn_free (c);
}

static gboolean http_conn_readable (GSocket *socket, GIOCondition cond, gpointer data);
static gboolean http_conn_writable (GSocket *socket, GIOCondition cond, gpointer data);

static gboolean
http_drain_timeout (gpointer data)
{
  HttpConn *c = data;
  SteveSim *self = c->sim;

  g_mutex_lock (&self->lock);
  http_conn_close (self, c);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

static void
http_conn_flush (SteveSim *self,
                 HttpConn *c)
{
  while (c->out_pos < c->out_len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (c->socket, c->out + c->out_pos, c->out_len - c->out_pos, NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              if (c->io_source == NULL)
                c->io_source = attach_socket_source (self, c->socket, G_IO_OUT, http_conn_writable, c);
              return;
            }
          http_conn_close (self, c);
          return;
        }
      c->out_pos += (gsize) n;
    }

  /* Sent: the flash write of a preset save happens after the answer. */
  if (c->resp.save_state)
    {
      c->resp.save_state = FALSE;
      save_state (self);
    }

  /* Half-close and drain what the peer still sends, so the answer is not
   * lost to a reset; then close. */
  destroy_source (&c->io_source);
  destroy_source (&c->timer);
  g_socket_shutdown (c->socket, FALSE, TRUE, NULL);
  c->state = HTTP_DRAINING;
  c->io_source = attach_socket_source (self, c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, http_conn_readable, c);
  c->timer = attach_timer (self, DRAIN_TIMEOUT_MS, http_drain_timeout, c);
}

static gboolean
http_conn_writable (GSocket      *socket,
                    GIOCondition  cond,
                    gpointer      data)
{
  HttpConn *c = data;
  SteveSim *self = c->sim;

  g_mutex_lock (&self->lock);
  /* the source is replaced or destroyed by the flush when done */
  c->io_source = (g_source_unref (c->io_source), NULL);
  http_conn_flush (self, c);
  g_mutex_unlock (&self->lock);

  /* if the flush needed this condition again it attached a new source */
  return G_SOURCE_REMOVE;
}

static void
http_conn_send (SteveSim   *self,
                HttpConn   *c,
                guint       status,
                const char *content_type,
                const char *body)
{
  destroy_source (&c->io_source);
  destroy_source (&c->timer);

  g_free (c->out);
  c->out = steve_sim_http_format_response (status, content_type, body, &c->out_len);
  c->out_pos = 0;
  c->state = HTTP_WRITING;
  http_conn_flush (self, c);
}

static void
http_conn_send_error (SteveSim   *self,
                      HttpConn   *c,
                      guint       status,
                      const char *code)
{
  g_autofree char *body = g_strdup_printf ("{\"status\":\"error\",\"error\":\"%s\"}", code);

  http_conn_send (self, c, status, "application/json", body);
}

static void
advance_clock (SteveSim *self);

static void
apply_stream_state (SteveSim         *self,
                    SteveSimResponse *resp)
{
  if (steve_sim_device_stream_active (self->dev))
    {
      g_autoptr(GError) error = NULL;

      if (!open_stream_listener (self, &error))
        {
          g_warning ("Could not open the stream port %u: %s", self->stream_port, error->message);
          steve_sim_device_stream_force_stop (self->dev);
          steve_sim_response_set_error (resp, 500, "operation_failed");
        }
    }
  else
    close_stream_listener (self);
}

static void
http_conn_dispatch (SteveSim *self,
                    HttpConn *c)
{
  if (self->error_rate > 0 && g_rand_double (self->rand) < self->error_rate)
    {
      http_conn_send_error (self, c, 500, "internal_error");
      return;
    }

  advance_clock (self);

  steve_sim_device_handle (self->dev, c->req.method, c->req.uri,
                           c->req.has_api_key ? c->req.api_key : NULL,
                           c->req.body, c->req.body_len, &c->resp);

  if (c->resp.stream_changed)
    apply_stream_state (self, &c->resp);

  if (c->resp.defer == STEVE_SIM_DEFER_START)
    {
      c->state = HTTP_WAITING_START;
      return;
    }

  http_conn_send (self, c, c->resp.status, c->resp.content_type, c->resp.body);
}

static gboolean
http_latency_done (gpointer data)
{
  HttpConn *c = data;
  SteveSim *self = c->sim;

  g_mutex_lock (&self->lock);
  c->timer = (g_source_unref (c->timer), NULL);
  http_conn_dispatch (self, c);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

static gboolean
http_idle_timeout (gpointer data)
{
  HttpConn *c = data;
  SteveSim *self = c->sim;

  g_mutex_lock (&self->lock);
  c->timer = (g_source_unref (c->timer), NULL);
  http_conn_send_error (self, c, 408, "timeout");
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

static void
http_conn_process (SteveSim *self,
                   HttpConn *c)
{
  if (self->log_requests)
    {
      SteveSimRequestRecord *rec = g_new0 (SteveSimRequestRecord, 1);

      rec->method = g_strdup (c->req.method);
      rec->path = g_strdup (c->req.uri);
      rec->body = g_strndup (c->req.body ? c->req.body : "", c->req.body_len);
      rec->time_us = g_get_monotonic_time ();
      rec->conn_id = c->id;
      g_ptr_array_add (self->request_log, rec);
    }

  destroy_source (&c->io_source);
  destroy_source (&c->timer);

  if (self->latency_ms > 0)
    {
      c->state = HTTP_WAITING_LATENCY;
      c->timer = attach_timer (self, self->latency_ms, http_latency_done, c);
      return;
    }

  http_conn_dispatch (self, c);
}

static gboolean
http_conn_readable (GSocket      *socket,
                    GIOCondition  cond,
                    gpointer      data)
{
  HttpConn *c = data;
  SteveSim *self = c->sim;
  char buf[STEVE_SIM_HTTP_MAX_REQUEST];
  g_autoptr(GError) error = NULL;
  gssize n;

  g_mutex_lock (&self->lock);

  n = g_socket_receive (c->socket, buf, sizeof buf, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_mutex_unlock (&self->lock);
      return G_SOURCE_CONTINUE;
    }

  if (n <= 0 || c->state == HTTP_DRAINING)
    {
      if (n <= 0)
        {
          /* peer closed (or reset): drop the connection without answering */
          c->io_source = (g_source_unref (c->io_source), NULL);
          http_conn_close (self, c);
          g_mutex_unlock (&self->lock);
          return G_SOURCE_REMOVE;
        }
      g_mutex_unlock (&self->lock);
      return G_SOURCE_CONTINUE;
    }

  if (c->state != HTTP_READING)
    {
      /* bytes after a complete request are ignored */
      g_mutex_unlock (&self->lock);
      return G_SOURCE_CONTINUE;
    }

  g_byte_array_append (c->in, (const guint8 *) buf,
                       (guint) MIN ((gsize) n, STEVE_SIM_HTTP_MAX_REQUEST + 1 - c->in->len));

  switch (steve_sim_http_parse ((const char *) c->in->data, c->in->len, &c->req))
    {
    case STEVE_SIM_HTTP_NEED_MORE:
      destroy_source (&c->timer);
      c->timer = attach_timer (self, self->idle_timeout_ms, http_idle_timeout, c);
      break;

    case STEVE_SIM_HTTP_ERROR:
      c->io_source = (g_source_unref (c->io_source), NULL);
      http_conn_send_error (self, c, c->req.error_status, c->req.error_code);
      g_mutex_unlock (&self->lock);
      return G_SOURCE_REMOVE;

    case STEVE_SIM_HTTP_COMPLETE:
      c->io_source = (g_source_unref (c->io_source), NULL);
      http_conn_process (self, c);
      g_mutex_unlock (&self->lock);
      return G_SOURCE_REMOVE;

    default:
      g_assert_not_reached ();
    }

  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static gboolean
http_listener_ready (GSocket      *socket,
                     GIOCondition  cond,
                     gpointer      data)
{
  SteveSim *self = data;

  g_mutex_lock (&self->lock);

  while (self->http_listener != NULL)
    {
      g_autoptr(GSocket) client = g_socket_accept (self->http_listener, NULL, NULL);
      HttpConn *c;

      if (client == NULL)
        break;

      if (g_list_length (self->http_conns) >= MAX_HTTP_CONNECTIONS)
        {
          /* a 9th concurrent connection is aborted */
          socket_reset (client);
          continue;
        }

      g_socket_set_blocking (client, FALSE);

      c = g_new0 (HttpConn, 1);
      c->sim = self;
      c->id = ++self->next_conn_id;
      c->socket = g_steal_pointer (&client);
      c->in = g_byte_array_sized_new (512);
      c->state = HTTP_READING;
      self->http_conns = g_list_append (self->http_conns, c);

      c->io_source = attach_socket_source (self, c->socket, G_IO_IN | G_IO_HUP | G_IO_ERR,
                                           http_conn_readable, c);
      c->timer = attach_timer (self, self->idle_timeout_ms, http_idle_timeout, c);
    }

  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static gboolean
open_http_listener (SteveSim  *self,
                    GError   **error)
{
  if (self->http_listener == NULL)
    {
      self->http_listener = bind_listener (self->listen_address, self->http_port, error);
      if (self->http_listener == NULL)
        return FALSE;
    }

  if (self->http_listener_source == NULL && self->context != NULL)
    self->http_listener_source = attach_socket_source (self, self->http_listener, G_IO_IN,
                                                       http_listener_ready, self);
  return TRUE;
}

static void
close_http (SteveSim *self)
{
  destroy_source (&self->http_listener_source);
  close_socket (&self->http_listener);
  while (self->http_conns)
    http_conn_close (self, self->http_conns->data);
}

static void
close_holds (SteveSim *self)
{
  close_socket (&self->http_hold);
  close_socket (&self->stream_hold);
}

/* ------------------------------------------------------------------ the tick */

static void
go_down (SteveSim *self,
         guint     downtime_ms)
{
  g_debug ("device restart: down for %u ms", downtime_ms);
  close_http (self);
  close_stream_listener (self);
  self->down = TRUE;
  self->up_at_us = g_get_monotonic_time () + (gint64) downtime_ms * 1000;
}

static void
try_go_up (SteveSim *self)
{
  g_autoptr(GError) error = NULL;

  if (!open_http_listener (self, &error))
    {
      g_debug ("device restart: port %u not free yet: %s", self->http_port, error->message);
      return;
    }

  boot_device (self);
  self->down = FALSE;
  g_debug ("device restart: up (boot %u)", self->boot_count);
}

/* Runs the control cycles that are due and sends the samples that fall on
 * them, each stamped with its own cycle. */
static void
advance_clock (SteveSim *self)
{
  gint64 now = g_get_monotonic_time ();
  guint64 target;
  guint32 done;
  gboolean stalled = now < self->stall_until_us;

  if (self->down)
    return;

  target = (guint64) (now - self->boot_us) / 1000;
  done = steve_sim_device_now_ms (self->dev);

  if (target > done + MAX_CATCH_UP_CYCLES)
    {
      /* the device itself stalled (we were not scheduled): its clock
       * stood still for the excess */
      self->boot_us += (gint64) (target - done - MAX_CATCH_UP_CYCLES) * 1000;
      target = done + MAX_CATCH_UP_CYCLES;
    }

  while (steve_sim_device_now_ms (self->dev) < target)
    {
      guint32 ms;

      steve_sim_device_cycle (self->dev);
      ms = steve_sim_device_now_ms (self->dev);

      for (GList *l = self->stream_conns; l; l = l->next)
        {
          StreamConn *c = l->data;

          if (stalled)
            {
              c->next_due = (guint64) ms + c->interval;
              continue;
            }

          if (ms >= c->next_due)
            {
              stream_send_sample (self, c);
              c->next_due += c->interval;
              if (c->next_due <= ms)
                c->next_due = (guint64) ms + c->interval;
            }
        }
    }

  for (GList *l = self->stream_conns; l;)
    {
      StreamConn *c = l->data;

      l = l->next;
      if (c->out->len > c->out_pos)
        stream_conn_flush (self, c);
    }

  steve_sim_device_count_stream (self->dev, g_list_length (self->stream_conns),
                                 self->sent_pending, self->errors_pending, self->invalid_pending);
  self->sent_pending = self->errors_pending = self->invalid_pending = 0;
}

static gboolean
tick (gpointer data)
{
  SteveSim *self = data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);

  if (self->restart_requested_ms >= 0 && !self->down)
    {
      go_down (self, (guint) self->restart_requested_ms);
      self->restart_requested_ms = -1;
    }

  if (self->restart_every_ms > 0 && !self->down && now >= self->next_restart_us)
    {
      go_down (self, self->restart_downtime_ms);
      self->next_restart_us = now + (gint64) self->restart_every_ms * 1000;
    }

  if (self->down && now >= self->up_at_us)
    try_go_up (self);

  if (!self->down)
    {
      if (self->stall_every_ms > 0 && now >= self->next_stall_us)
        {
          self->stall_until_us = now + (gint64) self->stall_duration_ms * 1000;
          self->next_stall_us = now + (gint64) self->stall_every_ms * 1000;
        }

      advance_clock (self);

      if (self->close_every_ms > 0 && now >= self->next_close_us)
        {
          close_stream_clients (self);
          self->next_close_us = now + (gint64) self->close_every_ms * 1000;
        }

      /* answer the starts that have completed */
      for (GList *l = self->http_conns; l;)
        {
          HttpConn *c = l->data;

          l = l->next;
          if (c->state == HTTP_WAITING_START && !steve_sim_device_start_pending (self->dev))
            {
              steve_sim_device_start_result (self->dev, &c->resp);
              http_conn_send (self, c, c->resp.status, c->resp.content_type, c->resp.body);
            }
        }
    }

  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

static gpointer
sim_thread (gpointer data)
{
  SteveSim *self = data;

  g_main_context_push_thread_default (self->context);

  g_mutex_lock (&self->lock);
  self->http_listener_source = attach_socket_source (self, self->http_listener, G_IO_IN,
                                                     http_listener_ready, self);
  self->tick_source = attach_timer (self, 1, tick, self);
  g_mutex_unlock (&self->lock);

  while (!g_atomic_int_get (&self->quit))
    g_main_context_iteration (self->context, TRUE);

  g_mutex_lock (&self->lock);
  destroy_source (&self->tick_source);
  close_http (self);
  close_stream_listener (self);
  g_mutex_unlock (&self->lock);

  /* let destroyed sources be finalized */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ------------------------------------------------------------------ public API */

/**
 * steve_sim_start:
 *
 * Takes the HTTP and stream ports (free ones when the http-port and
 * stream-port properties are 0) for as long as the simulator runs (see
 * hold_port()), listens on the HTTP port, boots the device and starts
 * its thread. The stream port listens only while the device streams.
 */
gboolean
steve_sim_start (SteveSim  *self,
                 GError   **error)
{
  guint want_http, want_stream;

  g_return_val_if_fail (STEVE_IS_SIM (self), FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  g_mutex_lock (&self->lock);

  self->dev = steve_sim_device_new (self->dialect, self->profile, self->seed);
  steve_sim_device_set_api_key (self->dev, self->api_key);
  steve_sim_device_set_faults (self->dev, self->faults);
  self->rand = g_rand_new_with_seed (self->seed ^ 0x5eed);

  want_http = self->http_port;
  want_stream = self->stream_port;

  /* the holds first: a listener binds beside a hold, not the other way */
  self->http_hold = hold_port (self->listen_address, self->http_port, error);
  if (self->http_hold == NULL)
    goto fail;
  self->http_port = socket_port (self->http_hold);
  self->stream_hold = hold_port (self->listen_address, self->stream_port, error);
  if (self->stream_hold == NULL)
    goto fail;
  self->stream_port = socket_port (self->stream_hold);

  if (!open_http_listener (self, error))
    goto fail;

  boot_device (self);
  self->context = g_main_context_new ();
  self->quit = 0;
  self->running = TRUE;
  self->restart_requested_ms = -1;
  self->next_restart_us = g_get_monotonic_time () + (gint64) self->restart_every_ms * 1000;
  self->next_close_us = g_get_monotonic_time () + (gint64) self->close_every_ms * 1000;
  self->next_stall_us = g_get_monotonic_time () + (gint64) self->stall_every_ms * 1000;
  g_mutex_unlock (&self->lock);

  self->thread = g_thread_new ("steve-sim", sim_thread, self);
  return TRUE;

fail:
  close_http (self);
  close_holds (self);
  self->http_port = want_http;
  self->stream_port = want_stream;
  g_clear_pointer (&self->dev, steve_sim_device_free);
  g_clear_pointer (&self->rand, g_rand_free);
  g_mutex_unlock (&self->lock);
  return FALSE;
}

/**
 * steve_sim_stop:
 *
 * Closes every socket and joins the device thread.
 */
void
steve_sim_stop (SteveSim *self)
{
  g_return_if_fail (STEVE_IS_SIM (self));

  if (!self->running)
    return;

  g_atomic_int_set (&self->quit, 1);
  g_main_context_wakeup (self->context);
  g_thread_join (g_steal_pointer (&self->thread));

  g_mutex_lock (&self->lock);
  self->running = FALSE;
  close_holds (self);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->dev, steve_sim_device_free);
  g_clear_pointer (&self->rand, g_rand_free);
  g_mutex_unlock (&self->lock);
}

gboolean
steve_sim_is_running (SteveSim *self)
{
  g_return_val_if_fail (STEVE_IS_SIM (self), FALSE);
  return self->running;
}

guint
steve_sim_get_http_port (SteveSim *self)
{
  g_return_val_if_fail (STEVE_IS_SIM (self), 0);
  return self->http_port;
}

guint
steve_sim_get_stream_port (SteveSim *self)
{
  g_return_val_if_fail (STEVE_IS_SIM (self), 0);
  return self->stream_port;
}

const char *
steve_sim_get_listen_address (SteveSim *self)
{
  g_return_val_if_fail (STEVE_IS_SIM (self), NULL);
  return self->listen_address;
}

const char *
steve_sim_get_api_key (SteveSim *self)
{
  g_return_val_if_fail (STEVE_IS_SIM (self), NULL);
  return self->api_key;
}

#define LOCKED(...) G_STMT_START { g_mutex_lock (&self->lock); __VA_ARGS__; g_mutex_unlock (&self->lock); } G_STMT_END

void
steve_sim_set_faults (SteveSim       *self,
                      SteveSimFaults  faults)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->faults = faults; if (self->dev) steve_sim_device_set_faults (self->dev, faults));
}

void
steve_sim_set_http_latency (SteveSim *self,
                            guint     latency_ms)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->latency_ms = latency_ms);
}

void
steve_sim_set_http_error_rate (SteveSim *self,
                               double    rate)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->error_rate = CLAMP (rate, 0.0, 1.0));
}

void
steve_sim_set_odrive_flaky_rate (SteveSim *self,
                                 double    rate)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (if (self->dev) steve_sim_device_set_odrive_flaky_rate (self->dev, rate));
}

void
steve_sim_set_stream_close_every (SteveSim *self,
                                  guint     period_ms)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->close_every_ms = period_ms;
          self->next_close_us = g_get_monotonic_time () + (gint64) period_ms * 1000);
}

void
steve_sim_set_garbage_every (SteveSim *self,
                             guint     n_samples)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->garbage_every = n_samples);
}

void
steve_sim_stall_stream (SteveSim *self,
                        guint     duration_ms)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->stall_until_us = g_get_monotonic_time () + (gint64) duration_ms * 1000);
}

void
steve_sim_set_stall_every (SteveSim *self,
                           guint     period_ms,
                           guint     duration_ms)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->stall_every_ms = period_ms;
          self->stall_duration_ms = duration_ms;
          self->next_stall_us = g_get_monotonic_time () + (gint64) period_ms * 1000);
}

/**
 * steve_sim_restart:
 * @downtime_ms: how long the ports stay away
 *
 * Simulates a power cycle: every connection and both ports go away at the
 * next tick, then the device boots again (clock at 0, streaming off,
 * presets from flash). Returns at once.
 */
void
steve_sim_restart (SteveSim *self,
                   guint     downtime_ms)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->restart_requested_ms = (gint) MIN (downtime_ms, G_MAXINT));
}

void
steve_sim_set_restart_every (SteveSim *self,
                             guint     period_ms,
                             guint     downtime_ms)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->restart_every_ms = period_ms;
          self->restart_downtime_ms = downtime_ms;
          self->next_restart_us = g_get_monotonic_time () + (gint64) period_ms * 1000);
}

static gboolean
close_clients_cb (gpointer data)
{
  SteveSim *self = data;

  g_mutex_lock (&self->lock);
  close_stream_clients (self);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

/**
 * steve_sim_close_stream_clients:
 *
 * Cuts every telemetry connection (the port stays open). Sockets belong to
 * the device thread, so this is done there.
 */
void
steve_sim_close_stream_clients (SteveSim *self)
{
  g_return_if_fail (STEVE_IS_SIM (self));

  /* No reference is taken: steve_sim_stop() joins the thread before the
   * object can go, and a context freed with this source pending drops it
   * without running it. */
  if (self->context)
    g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, close_clients_cb, self, NULL);
}

void
steve_sim_set_profile (SteveSim        *self,
                       SteveSimProfile  profile)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->profile = profile; if (self->dev) steve_sim_device_set_profile (self->dev, profile));
}

void
steve_sim_set_external_torque (SteveSim *self,
                               double    torque_nm)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (if (self->dev) steve_sim_device_set_external_torque (self->dev, torque_nm));
}

void
steve_sim_get_config (SteveSim    *self,
                      SteveConfig *config)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  g_return_if_fail (config != NULL);

  memset (config, 0, sizeof *config);
  LOCKED (if (self->dev) steve_sim_device_get_config (self->dev, config));
}

StevePreset *
steve_sim_dup_preset (SteveSim *self,
                      guint     index)
{
  StevePreset *copy = NULL;

  g_return_val_if_fail (STEVE_IS_SIM (self), NULL);
  g_return_val_if_fail (index < STEVE_N_PRESETS, NULL);

  LOCKED (if (self->dev) copy = steve_preset_copy (steve_sim_device_get_preset (self->dev, index)));
  return copy;
}

SteveValveState
steve_sim_get_valve_state (SteveSim *self)
{
  SteveValveState state = STEVE_VALVE_STATE_UNKNOWN;

  g_return_val_if_fail (STEVE_IS_SIM (self), state);
  LOCKED (if (self->dev) state = steve_sim_device_get_valve_state (self->dev));
  return state;
}

guint
steve_sim_get_axis_state (SteveSim *self)
{
  guint state = 0;

  g_return_val_if_fail (STEVE_IS_SIM (self), 0);
  LOCKED (if (self->dev) state = steve_sim_device_get_axis_state (self->dev));
  return state;
}

guint32
steve_sim_get_axis_error (SteveSim *self)
{
  guint32 err = 0;

  g_return_val_if_fail (STEVE_IS_SIM (self), 0);
  LOCKED (if (self->dev) err = steve_sim_device_get_axis_error (self->dev));
  return err;
}

guint
steve_sim_get_stream_clients (SteveSim *self)
{
  guint n;

  g_return_val_if_fail (STEVE_IS_SIM (self), 0);
  LOCKED (n = g_list_length (self->stream_conns));
  return n;
}

guint
steve_sim_get_http_connections (SteveSim *self)
{
  guint n;

  g_return_val_if_fail (STEVE_IS_SIM (self), 0);
  LOCKED (n = g_list_length (self->http_conns));
  return n;
}

gboolean
steve_sim_is_up (SteveSim *self)
{
  gboolean up;

  g_return_val_if_fail (STEVE_IS_SIM (self), FALSE);
  LOCKED (up = self->running && !self->down && self->restart_requested_ms < 0);
  return up;
}

guint
steve_sim_get_boot_count (SteveSim *self)
{
  guint n;

  g_return_val_if_fail (STEVE_IS_SIM (self), 0);
  LOCKED (n = self->boot_count);
  return n;
}

void
steve_sim_set_log_requests (SteveSim *self,
                            gboolean  enabled)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->log_requests = enabled);
}

/**
 * steve_sim_dup_request_log:
 *
 * Returns: (transfer full) (element-type SteveSimRequestRecord): the
 *   requests received since logging was enabled, in arrival order
 */
GPtrArray *
steve_sim_dup_request_log (SteveSim *self)
{
  GPtrArray *copy = g_ptr_array_new_with_free_func ((GDestroyNotify) steve_sim_request_record_free);

  g_return_val_if_fail (STEVE_IS_SIM (self), copy);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->request_log->len; i++)
    {
      const SteveSimRequestRecord *r = g_ptr_array_index (self->request_log, i);
      SteveSimRequestRecord *c = g_new0 (SteveSimRequestRecord, 1);

      c->method = g_strdup (r->method);
      c->path = g_strdup (r->path);
      c->body = g_strdup (r->body);
      c->time_us = r->time_us;
      c->conn_id = r->conn_id;
      g_ptr_array_add (copy, c);
    }
  g_mutex_unlock (&self->lock);

  return copy;
}

void
steve_sim_clear_request_log (SteveSim *self)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (g_ptr_array_set_size (self->request_log, 0));
}

void
steve_sim_set_log_samples (SteveSim *self,
                           gboolean  enabled)
{
  g_return_if_fail (STEVE_IS_SIM (self));
  LOCKED (self->log_samples = enabled);
}

/**
 * steve_sim_dup_sample_log:
 *
 * Returns: (transfer full) (element-type SteveSimSentSample): every sample
 *   queued on a stream socket since logging was enabled
 */
GArray *
steve_sim_dup_sample_log (SteveSim *self)
{
  GArray *copy;

  g_return_val_if_fail (STEVE_IS_SIM (self), NULL);

  g_mutex_lock (&self->lock);
  copy = g_array_sized_new (FALSE, FALSE, sizeof (SteveSimSentSample), self->sample_log->len);
  g_array_append_vals (copy, self->sample_log->data, self->sample_log->len);
  g_mutex_unlock (&self->lock);

  return copy;
}

/* ------------------------------------------------------------------ GObject */

SteveSim *
steve_sim_new (void)
{
  return g_object_new (STEVE_TYPE_SIM, NULL);
}

static void
steve_sim_finalize (GObject *object)
{
  SteveSim *self = STEVE_SIM (object);

  steve_sim_stop (self);

  g_free (self->listen_address);
  g_free (self->api_key);
  g_free (self->state_file);
  g_ptr_array_unref (self->request_log);
  g_array_unref (self->sample_log);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (steve_sim_parent_class)->finalize (object);
}

static void
steve_sim_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  SteveSim *self = STEVE_SIM (object);

  switch (prop_id)
    {
    case PROP_LISTEN_ADDRESS: g_value_set_string (value, self->listen_address); break;
    case PROP_HTTP_PORT: g_value_set_uint (value, self->http_port); break;
    case PROP_STREAM_PORT: g_value_set_uint (value, self->stream_port); break;
    case PROP_API_KEY: g_value_set_string (value, self->api_key); break;
    case PROP_DIALECT: g_value_set_enum (value, self->dialect); break;
    case PROP_PROFILE: g_value_set_enum (value, self->profile); break;
    case PROP_STATE_FILE: g_value_set_string (value, self->state_file); break;
    case PROP_SEED: g_value_set_uint (value, self->seed); break;
    case PROP_IDLE_TIMEOUT_MS: g_value_set_uint (value, self->idle_timeout_ms); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_sim_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  SteveSim *self = STEVE_SIM (object);

  if (self->running && prop_id != PROP_PROFILE)
    {
      g_warning ("SteveSim: property “%s” can only be set before steve_sim_start()", pspec->name);
      return;
    }

  switch (prop_id)
    {
    case PROP_LISTEN_ADDRESS:
      g_free (self->listen_address);
      self->listen_address = g_value_dup_string (value);
      if (self->listen_address == NULL)
        self->listen_address = g_strdup ("127.0.0.1");
      break;
    case PROP_HTTP_PORT: self->http_port = g_value_get_uint (value); break;
    case PROP_STREAM_PORT: self->stream_port = g_value_get_uint (value); break;
    case PROP_API_KEY:
      g_free (self->api_key);
      self->api_key = g_value_dup_string (value);
      if (self->api_key == NULL)
        self->api_key = g_strdup (STEVE_DEFAULT_API_KEY);
      break;
    case PROP_DIALECT: self->dialect = g_value_get_enum (value); break;
    case PROP_PROFILE: steve_sim_set_profile (self, g_value_get_enum (value)); break;
    case PROP_STATE_FILE:
      g_free (self->state_file);
      self->state_file = g_value_dup_string (value);
      break;
    case PROP_SEED: self->seed = g_value_get_uint (value); break;
    case PROP_IDLE_TIMEOUT_MS: self->idle_timeout_ms = MAX (1, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_sim_class_init (SteveSimClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = steve_sim_finalize;
  object_class->get_property = steve_sim_get_property;
  object_class->set_property = steve_sim_set_property;

  properties[PROP_LISTEN_ADDRESS] =
    g_param_spec_string ("listen-address", NULL, NULL, "127.0.0.1",
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HTTP_PORT] =
    g_param_spec_uint ("http-port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STREAM_PORT] =
    g_param_spec_uint ("stream-port", NULL, NULL, 0, 65535, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_KEY] =
    g_param_spec_string ("api-key", NULL, NULL, STEVE_DEFAULT_API_KEY,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIALECT] =
    g_param_spec_enum ("dialect", NULL, NULL, STEVE_TYPE_DIALECT, STEVE_DIALECT_FIRMWARE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROFILE] =
    g_param_spec_enum ("profile", NULL, NULL, steve_sim_profile_get_type (), STEVE_SIM_PROFILE_SINE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE_FILE] =
    g_param_spec_string ("state-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEED] =
    g_param_spec_uint ("seed", NULL, NULL, 0, G_MAXUINT, 1,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDLE_TIMEOUT_MS] =
    g_param_spec_uint ("http-idle-timeout-ms", NULL, NULL, 1, 600000, HTTP_IDLE_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
steve_sim_init (SteveSim *self)
{
  g_mutex_init (&self->lock);
  self->listen_address = g_strdup ("127.0.0.1");
  self->api_key = g_strdup (STEVE_DEFAULT_API_KEY);
  self->dialect = STEVE_DIALECT_FIRMWARE;
  self->profile = STEVE_SIM_PROFILE_SINE;
  self->seed = 1;
  self->idle_timeout_ms = HTTP_IDLE_TIMEOUT_MS;
  self->restart_requested_ms = -1;
  self->request_log = g_ptr_array_new_with_free_func ((GDestroyNotify) steve_sim_request_record_free);
  self->sample_log = g_array_new (FALSE, FALSE, sizeof (SteveSimSentSample));
}
