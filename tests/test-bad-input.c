/* test-bad-input.c — every device error code, and every invalid value, end to end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Part 1 walks the device error codes of the protocol file, one table row
 * each. Every row is provoked on a simulated device by a real request and
 * reaches a real SteveClient, which must report the right STEVE_ERROR code
 * and the exact message the window shows the user.
 *
 * Most codes answer requests the client never builds (broken JSON, unknown
 * paths, wrong types): for those the client talks to the simulator through
 * a small relay on loopback that forwards every byte, except that the one
 * request under test is replaced by the bad request of the row. The answer
 * is the simulator's own, and it goes back to the client unchanged. A few
 * codes exist in the protocol but no request can make the simulator send
 * them; their rows say why, and the relay answers those with bytes made by
 * the simulator's own HTTP formatter, so the client's mapping is still
 * checked over a real socket.
 *
 * Part 2 feeds values outside the hard limits of every field of the field
 * table through the request builders, SteveClient and SteveTuner, and
 * checks in the simulator's request log that none of them ever left the
 * client, and that valid edits still go through afterwards.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "steve-client.h"
#include "steve-error.h"
#include "steve-field.h"
#include "steve-sim-http.h"
#include "steve-tuner.h"
#include "steve-test-utils.h"

#define WRONG_KEY "not-the-device-key"
#define SIM_IDLE_TIMEOUT_MS 300

/* ================================================================== relay */

typedef struct
{
  GMutex    lock;
  GSocket  *listener;
  guint     port;
  guint     device_port;
  SteveSim *sim;
  GThread  *thread;
  gint      quit;           /* atomic */

  /* the rule, under the lock */
  char     *match;          /* request-line prefix it applies to */
  GBytes   *replacement;    /* sent to the device instead of the client's request */
  GBytes   *answer;         /* answered without the device */
  gboolean  reboot_first;   /* restart the device just before forwarding */
  guint     hits;
  GBytes   *last_response;  /* what the client got for the last matching request */
} Relay;

static gboolean
send_all (GSocket       *socket,
          const guint8  *data,
          gsize          len)
{
  while (len > 0)
    {
      gssize n = g_socket_send (socket, (const char *) data, len, NULL, NULL);

      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static void
receive_all (GSocket    *socket,
             GByteArray *into)
{
  for (;;)
    {
      char chunk[4096];
      gssize n = g_socket_receive (socket, chunk, sizeof chunk, NULL, NULL);

      if (n <= 0)
        return;
      g_byte_array_append (into, (const guint8 *) chunk, (guint) n);
    }
}

/* One whole HTTP request: the head, and as much body as it announces. */
static gboolean
receive_request (GSocket    *socket,
                 GByteArray *into)
{
  for (;;)
    {
      const char *data = (const char *) into->data;
      const char *head_end = into->len ? g_strstr_len (data, into->len, "\r\n\r\n") : NULL;
      char chunk[4096];
      gssize n;

      if (head_end != NULL)
        {
          gsize head_len = (gsize) (head_end - data) + 4;
          g_autofree char *head = g_ascii_strdown (data, (gssize) head_len);
          const char *cl = strstr (head, "\r\ncontent-length:");
          gsize body_len = 0;

          if (cl != NULL)
            {
              cl += strlen ("\r\ncontent-length:");
              while (*cl == ' ')
                cl++;
              body_len = (gsize) g_ascii_strtoull (cl, NULL, 10);
            }
          if (into->len >= head_len + body_len)
            return TRUE;
        }

      n = g_socket_receive (socket, chunk, sizeof chunk, NULL, NULL);
      if (n <= 0)
        return FALSE;
      g_byte_array_append (into, (const guint8 *) chunk, (guint) n);
    }
}

static void
reboot_device (Relay *self)
{
  guint boots = steve_sim_get_boot_count (self->sim);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  steve_sim_restart (self->sim, 0);
  while ((steve_sim_get_boot_count (self->sim) == boots || !steve_sim_is_up (self->sim)) &&
         g_get_monotonic_time () < deadline)
    g_usleep (200);
}

static void
relay_serve (Relay   *self,
             GSocket *client)
{
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GByteArray) response = g_byte_array_new ();
  g_autoptr(GBytes) replacement = NULL;
  g_autoptr(GBytes) answer = NULL;
  gboolean matched = FALSE;
  gboolean reboot = FALSE;

  g_socket_set_timeout (client, 20);
  if (!receive_request (client, request))
    return;

  g_mutex_lock (&self->lock);
  if (self->match != NULL && request->len >= strlen (self->match) &&
      memcmp (request->data, self->match, strlen (self->match)) == 0)
    {
      matched = TRUE;
      self->hits++;
      replacement = self->replacement ? g_bytes_ref (self->replacement) : NULL;
      answer = self->answer ? g_bytes_ref (self->answer) : NULL;
      reboot = self->reboot_first;
    }
  g_mutex_unlock (&self->lock);

  if (answer != NULL)
    g_byte_array_append (response, g_bytes_get_data (answer, NULL), (guint) g_bytes_get_size (answer));
  else
    {
      g_autoptr(GSocket) device = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", self->device_port);

      if (reboot)
        reboot_device (self);

      g_socket_set_timeout (device, 20);
      if (device != NULL && g_socket_connect (device, address, NULL, NULL))
        {
          if (replacement != NULL)
            send_all (device, g_bytes_get_data (replacement, NULL), g_bytes_get_size (replacement));
          else
            send_all (device, request->data, request->len);
          receive_all (device, response);
          g_socket_close (device, NULL);
        }
    }

  /* kept before the client can see it */
  if (matched)
    {
      g_mutex_lock (&self->lock);
      g_clear_pointer (&self->last_response, g_bytes_unref);
      self->last_response = g_bytes_new (response->data, response->len);
      g_mutex_unlock (&self->lock);
    }

  send_all (client, response->data, response->len);
  g_socket_shutdown (client, FALSE, TRUE, NULL);
}

static gpointer
relay_thread (gpointer data)
{
  Relay *self = data;

  while (!g_atomic_int_get (&self->quit))
    {
      g_autoptr(GSocket) client = NULL;

      if (!g_socket_condition_timed_wait (self->listener, G_IO_IN, 20 * 1000, NULL, NULL))
        continue;
      client = g_socket_accept (self->listener, NULL, NULL);
      if (client == NULL)
        continue;
      g_socket_set_blocking (client, TRUE);
      /* one exchange at a time, like the client's own queue */
      relay_serve (self, client);
      g_socket_close (client, NULL);
    }
  return NULL;
}

static Relay *
relay_new (SteveSim *sim)
{
  Relay *self = g_new0 (Relay, 1);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_init (&self->lock);
  self->sim = g_object_ref (sim);
  self->device_port = steve_sim_get_http_port (sim);
  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (self->listener, any, TRUE, &error));
  g_assert_true (g_socket_listen (self->listener, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (self->listener, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  self->thread = g_thread_new ("relay", relay_thread, self);
  return self;
}

static void
relay_set_rule (Relay      *self,
                const char *match,
                GBytes     *replacement,
                GBytes     *answer,
                gboolean    reboot_first)
{
  g_mutex_lock (&self->lock);
  g_free (self->match);
  self->match = g_strdup (match);
  g_clear_pointer (&self->replacement, g_bytes_unref);
  g_clear_pointer (&self->answer, g_bytes_unref);
  g_clear_pointer (&self->last_response, g_bytes_unref);
  self->replacement = replacement ? g_bytes_ref (replacement) : NULL;
  self->answer = answer ? g_bytes_ref (answer) : NULL;
  self->reboot_first = reboot_first;
  self->hits = 0;
  g_mutex_unlock (&self->lock);
}

static GBytes *
relay_dup_last_response (Relay *self,
                         guint *hits)
{
  GBytes *bytes;

  g_mutex_lock (&self->lock);
  bytes = self->last_response ? g_bytes_ref (self->last_response) : NULL;
  *hits = self->hits;
  g_mutex_unlock (&self->lock);
  return bytes;
}

static void
relay_free (Relay *self)
{
  g_atomic_int_set (&self->quit, 1);
  g_thread_join (self->thread);
  g_socket_close (self->listener, NULL);
  g_object_unref (self->listener);
  relay_set_rule (self, NULL, NULL, NULL, FALSE);
  g_object_unref (self->sim);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ================================================================== helpers */

static SteveSim *
start_sim (SteveDialect dialect)
{
  g_autoptr(GError) error = NULL;
  SteveSim *sim = g_object_new (STEVE_TYPE_SIM,
                                "dialect", dialect,
                                "profile", STEVE_SIM_PROFILE_IDLE,
                                "http-idle-timeout-ms", SIM_IDLE_TIMEOUT_MS,
                                NULL);

  g_assert_true (steve_sim_start (sim, &error));
  g_assert_no_error (error);
  /* past the ODrive's first telemetry frame after boot */
  steve_test_sleep_ms (60);
  return sim;
}

static SteveClient *
connect_client (guint       port,
                const char *key,
                GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  SteveClient *client = steve_client_new ("127.0.0.1", port, key);

  steve_client_connect_async (client, NULL, steve_test_result_cb, &result);
  steve_client_connect_finish (client, steve_test_wait_result (&result, 20), error);
  return client;
}

static void
finalize_client (SteveClient *client)
{
  steve_client_disconnect (client);
  steve_test_sleep_ms (50);
  g_assert_finalize_object (client);
}

/* ================================================================== part 1: the table */

typedef enum
{
  CALL_CONNECT_WRONG_KEY,   /* a new client with another key connects */
  CALL_GET_STATUS,
  CALL_GET_CONFIG,
  CALL_SET_VISCOUS,         /* set viscous = 0.05 */
  CALL_SET_OPEN_40,         /* set open_pos = 40 */
  CALL_START,
  CALL_LOAD_PRESET_1,
  CALL_SAVE_PRESET_1,       /* explicit, valid values */
  CALL_GET_ODRIVE,
  CALL_ODRIVE_ENABLE,
  CALL_ODRIVE_SET_TORQUE,   /* 0.1 N·m */
  CALL_STREAM_START,
  CALL_GET_PERFORMANCE,
} Call;

/* the request line each call sends; the relay rule is keyed on it */
static const char * const call_request_line[] = {
  [CALL_CONNECT_WRONG_KEY] = "GET /api/v1/status ",
  [CALL_GET_STATUS] = "GET /api/v1/status ",
  [CALL_GET_CONFIG] = "GET /api/v1/config ",
  [CALL_SET_VISCOUS] = "POST /api/v1/config ",
  [CALL_SET_OPEN_40] = "POST /api/v1/config ",
  [CALL_START] = "POST /api/v1/control ",
  [CALL_LOAD_PRESET_1] = "POST /api/v1/control ",
  [CALL_SAVE_PRESET_1] = "POST /api/v1/presets ",
  [CALL_GET_ODRIVE] = "GET /api/v1/odrive ",
  [CALL_ODRIVE_ENABLE] = "POST /api/v1/odrive ",
  [CALL_ODRIVE_SET_TORQUE] = "POST /api/v1/odrive ",
  [CALL_STREAM_START] = "POST /api/v1/stream ",
  [CALL_GET_PERFORMANCE] = "GET /api/v1/performance ",
};

typedef enum
{
  SETUP_NONE,
  SETUP_UNINITIALIZED,        /* the valve never initialises */
  SETUP_ODRIVE_MISSING,       /* the ODrive does not answer */
  SETUP_ODRIVE_FLAKY,         /* every ODrive status read times out */
  SETUP_UNCALIBRATED,         /* the ODrive cannot reach closed loop */
  SETUP_RUNNING,              /* the valve is already running */
  SETUP_ESTOPPED,             /* an ODrive estop latched an axis error */
  SETUP_OTHER_CLIENT_STOPS,   /* another client moved the end stops to 50°/60° */
  SETUP_OTHER_CLIENT_SLOT,    /* another client stored smoothing 0 in slot 1 */
  SETUP_STREAM_PORT_TAKEN,    /* another program holds the stream port */
  SETUP_HTTP_FAULT,           /* the simulator's injected 500 internal_error */
  SETUP_NOT_PRODUCIBLE,       /* no request makes the simulator send it */
} Setup;

typedef enum
{
  RAW_NONE       = 0,
  RAW_NO_LENGTH  = 1 << 0,    /* POST without Content-Length */
  RAW_TRUNCATED  = 1 << 1,    /* the body never arrives in full */
  RAW_OVERSIZE   = 1 << 2,    /* body padded past 2048 bytes */
  RAW_MANY_KEYS  = 1 << 3,    /* 33 keys = 67 JSON tokens */
  RAW_WRONG_KEY  = 1 << 4,    /* X-API-Key the device does not hold */
  RAW_REBOOT     = 1 << 5,    /* the client's request, right after a device boot */
} RawFlags;

typedef struct
{
  const char *line;       /* request line without the version; NULL: the client's own request */
  const char *body;       /* NULL: none */
  const char *body_doc;   /* body on a documented-dialect device; NULL: the same */
  RawFlags    flags;
} Raw;

#define OWN_REQUEST          { NULL, NULL, NULL, RAW_NONE }
#define RAW(line, body)      { line, body, NULL, RAW_NONE }
#define RAW_F(line, body, f) { line, body, NULL, f }
#define RAW_2(line, fw, doc) { line, fw, doc, RAW_NONE }

typedef struct
{
  const char *code;         /* the device's error string ("": none) */
  guint       status;       /* the HTTP status it comes with */
  const char *how;          /* how the test provokes it */
  Call        call;         /* what the client is asked to do */
  Setup       setup;        /* the device state first */
  Raw         raw;          /* the request the device gets instead of the client's */
  SteveError  error;        /* expected code in STEVE_ERROR */
  const char *message;      /* the exact text the user sees */
  gboolean    firmware_only;
} ErrorCase;

static const ErrorCase error_cases[] = {
  /* ---- transport (protocol §1) */
  { "unauthorized", 401, "connect with an API key the device does not hold",
    CALL_CONNECT_WRONG_KEY, SETUP_NONE, OWN_REQUEST,
    STEVE_ERROR_AUTH, "The device refused the API key. Check the key configured for this device." },
  { "unauthorized", 401, "mid-session: the config update carries another key (the device was given a new one)",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_F ("POST /api/v1/config", "{\"viscous\":0.05}", RAW_WRONG_KEY),
    STEVE_ERROR_AUTH, "The device refused the API key. Check the key configured for this device." },
  { "bad_request", 400, "request line with a URI of 64 characters or more (a query string)",
    CALL_GET_STATUS, SETUP_NONE, RAW ("GET /api/v1/status?fields=pos_deg,vel_rad_s,torque_nm,temp_fet,temp_motor", NULL),
    STEVE_ERROR_BAD_REQUEST, "The device could not read the request line." },
  { "bad_request", 400, "lower-case method",
    CALL_GET_STATUS, SETUP_NONE, RAW ("get /api/v1/status", NULL),
    STEVE_ERROR_BAD_REQUEST, "The device could not read the request line." },
  { "unsupported_method", 400, "PUT instead of POST",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("PUT /api/v1/config", "{\"viscous\":0.05}"),
    STEVE_ERROR_UNSUPPORTED_METHOD, "The device does not support this HTTP method." },
  { "not_found", 404, "path with a trailing slash",
    CALL_GET_STATUS, SETUP_NONE, RAW ("GET /api/v1/status/", NULL),
    STEVE_ERROR_NOT_FOUND, "The device does not offer this endpoint." },
  { "not_found", 404, "GET on a POST-only path",
    CALL_GET_STATUS, SETUP_NONE, RAW ("GET /api/v1/control", NULL),
    STEVE_ERROR_NOT_FOUND, "The device does not offer this endpoint." },
  { "not_found", 404, "GET /performance on the firmware (not offered)",
    CALL_GET_PERFORMANCE, SETUP_NONE, OWN_REQUEST,
    STEVE_ERROR_NOT_SUPPORTED, "This device does not offer performance statistics.", TRUE },
  { "content_length_required", 411, "POST without Content-Length",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_F ("POST /api/v1/config", "{\"viscous\":0.05}", RAW_NO_LENGTH),
    STEVE_ERROR_CONTENT_LENGTH_REQUIRED, "The device requires a Content-Length header on this request." },
  { "timeout", 408, "POST whose body stops arriving (device idle timeout)",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_F ("POST /api/v1/config", "{\"viscous\":0.05}", RAW_TRUNCATED),
    STEVE_ERROR_REQUEST_TIMEOUT, "The device closed the connection because the request arrived too slowly." },
  { "request_too_large", 413, "POST body padded past 2048 bytes",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_F ("POST /api/v1/config", "{\"viscous\":0.05}", RAW_OVERSIZE),
    STEVE_ERROR_REQUEST_TOO_LARGE, "The request is too large for the device (the limit is 2048 bytes)." },

  /* ---- valve */
  { "valve_uninitialized", 503, "read the config while the valve never initialised",
    CALL_GET_CONFIG, SETUP_UNINITIALIZED, OWN_REQUEST,
    STEVE_ERROR_VALVE_UNINITIALIZED, "The valve controller has not finished initialising. Try again in a moment." },

  /* ---- body parsing */
  { "invalid_request", 400, "POST /config with an empty body",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", ""),
    STEVE_ERROR_INVALID_REQUEST, "The device received an empty request body." },
  { "json_parse_error", 400, "truncated JSON",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"viscous\":0.05"),
    STEVE_ERROR_JSON_PARSE_ERROR, "The device could not parse the request as JSON." },
  { "root_not_object", 400, "a JSON array",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "[{\"viscous\":0.05}]"),
    STEVE_ERROR_ROOT_NOT_OBJECT, "The device expects a JSON object as the request body." },
  { "malformed_json", 400, "a nested object",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"viscous\":{\"value\":0.05}}"),
    STEVE_ERROR_MALFORMED_JSON, "The device expects a flat JSON object with at most 64 tokens." },
  { "malformed_json", 400, "33 keys (67 JSON tokens)",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_F ("POST /api/v1/config", NULL, RAW_MANY_KEYS),
    STEVE_ERROR_MALFORMED_JSON, "The device expects a flat JSON object with at most 64 tokens." },

  /* ---- config */
  { "invalid_viscous", 400, "viscous as text",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"viscous\":\"abc\"}"),
    STEVE_ERROR_INVALID_VISCOUS, "The device could not read the viscous damping value." },
  { "invalid_coulomb", 400, "coulomb with a decimal comma",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"coulomb\":\"0,06\"}"),
    STEVE_ERROR_INVALID_COULOMB, "The device could not read the Coulomb friction value." },
  { "invalid_wall_stiffness", 400, "wall_stiffness \"NaN\"",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"wall_stiffness\":\"NaN\"}"),
    STEVE_ERROR_INVALID_WALL_STIFFNESS, "The device could not read the wall stiffness value." },
  { "invalid_wall_damping", 400, "wall_damping null",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"wall_damping\":null}"),
    STEVE_ERROR_INVALID_WALL_DAMPING, "The device could not read the wall damping value." },
  { "invalid_smoothing", 400, "smoothing \"inf\"",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"smoothing\":\"inf\"}"),
    STEVE_ERROR_INVALID_SMOOTHING, "The device could not read the smoothing value." },
  { "invalid_torque", 400, "torque_limit with a unit",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"torque_limit\":\"8 Nm\"}"),
    STEVE_ERROR_INVALID_TORQUE, "The device could not read the torque limit." },
  { "invalid_torque_limit", 400, "NOT PRODUCIBLE: neither the firmware nor the simulator sends it (both send invalid_torque); "
                                 "an alias in the client's table for the documented naming",
    CALL_SET_VISCOUS, SETUP_NOT_PRODUCIBLE, OWN_REQUEST,
    STEVE_ERROR_INVALID_TORQUE, "The device could not read the torque limit." },
  { "invalid_travel", 400, "travel empty text",
    CALL_SET_VISCOUS, SETUP_NONE, RAW ("POST /api/v1/config", "{\"travel\":\"\"}"),
    STEVE_ERROR_INVALID_TRAVEL, "The device could not read the travel value." },
  { "invalid_open_pos", 400, "open position true (key of the device's dialect)",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_2 ("POST /api/v1/config", "{\"open_pos\":true}", "{\"open_position\":true}"),
    STEVE_ERROR_INVALID_OPEN_POS, "The device could not read the open position." },
  { "invalid_closed_pos", 400, "closed position \"-\" (key of the device's dialect)",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_2 ("POST /api/v1/config", "{\"closed_pos\":\"-\"}", "{\"closed_position\":\"-\"}"),
    STEVE_ERROR_INVALID_CLOSED_POS, "The device could not read the closed position." },
  { "no_fields", 400, "only the other dialect's key for the open position",
    CALL_SET_VISCOUS, SETUP_NONE, RAW_2 ("POST /api/v1/config", "{\"open_position\":45}", "{\"open_pos\":45}"),
    STEVE_ERROR_NO_FIELDS, "The device found no configuration field it knows in the request." },
  { "config_update_failed", 400, "open = 40° while another client moved closed to 50° (stale config)",
    CALL_SET_OPEN_40, SETUP_OTHER_CLIENT_STOPS, OWN_REQUEST,
    STEVE_ERROR_CONFIG_UPDATE_FAILED, "The device rejected the configuration: the closed position must be below the open position, "
                                      "the travel at most 3600°, damping, friction and stiffness not negative, and smoothing above zero." },

  /* ---- control */
  { "invalid_action", 400, "action as a number",
    CALL_START, SETUP_NONE, RAW ("POST /api/v1/control", "{\"action\":1}"),
    STEVE_ERROR_INVALID_ACTION, "The device could not read the requested action." },
  { "unsupported_action", 400, "action \"pause\"",
    CALL_START, SETUP_NONE, RAW ("POST /api/v1/control", "{\"action\":\"pause\"}"),
    STEVE_ERROR_UNSUPPORTED_ACTION, "The device does not know the requested action." },
  { "invalid_preset", 400, "preset by a name (the documented example; a name the device lacks)",
    CALL_LOAD_PRESET_1, SETUP_NONE, RAW_2 ("POST /api/v1/control", "{\"preset\":\"Heavy\"}", "{\"preset\":\"nonexistent\"}"),
    STEVE_ERROR_INVALID_PRESET, "The device expects a preset number from 0 to 3." },
  { "unsupported_preset", 400, "preset 4",
    CALL_LOAD_PRESET_1, SETUP_NONE, RAW ("POST /api/v1/control", "{\"preset\":4}"),
    STEVE_ERROR_UNSUPPORTED_PRESET, "The device has no preset with this number (it has slots 0 to 3)." },
  { "no_control_action", 400, "empty object",
    CALL_START, SETUP_NONE, RAW ("POST /api/v1/control", "{}"),
    STEVE_ERROR_NO_CONTROL_ACTION, "The control request named neither an action nor a preset." },
  { "preset_invalid", 400, "load slot 1 after another client stored smoothing 0 in it",
    CALL_LOAD_PRESET_1, SETUP_OTHER_CLIENT_SLOT, OWN_REQUEST,
    STEVE_ERROR_PRESET_INVALID, "The stored preset holds values the valve cannot use. Save valid values into the slot first." },
  { "preset_failed", 500, "NOT PRODUCIBLE: a mapped internal failure of the firmware's preset load; "
                          "the simulator's load can only fail validation (preset_invalid)",
    CALL_LOAD_PRESET_1, SETUP_NOT_PRODUCIBLE, OWN_REQUEST,
    STEVE_ERROR_PRESET_FAILED, "The device failed to apply the preset." },
  { "start_failed", 500, "start while the valve is running (wrong state)",
    CALL_START, SETUP_RUNNING, OWN_REQUEST,
    STEVE_ERROR_START_FAILED, "The valve could not start. It starts only from idle, and the ODrive must reach closed-loop control "
                              "(calibrated, connected, without a fault)." },
  { "start_failed", 500, "start with an uncalibrated ODrive",
    CALL_START, SETUP_UNCALIBRATED, OWN_REQUEST,
    STEVE_ERROR_START_FAILED, "The valve could not start. It starts only from idle, and the ODrive must reach closed-loop control "
                              "(calibrated, connected, without a fault)." },

  /* ---- presets */
  { "invalid_index", 400, "save_current into slot 4",
    CALL_SAVE_PRESET_1, SETUP_NONE, RAW ("POST /api/v1/presets", "{\"index\":4,\"save_current\":true}"),
    STEVE_ERROR_INVALID_INDEX, "The device has no preset slot with this index (it has slots 0 to 3)." },
  { "invalid_name", 400, "a 16-character preset name",
    CALL_SAVE_PRESET_1, SETUP_NONE, RAW ("POST /api/v1/presets", "{\"index\":1,\"name\":\"Sixteen chars!!x\",\"viscous\":0.05}"),
    STEVE_ERROR_INVALID_NAME, "The preset name is not accepted by the device (at most 15 characters)." },
  { "invalid_values", 400, "a preset with negative viscous",
    CALL_SAVE_PRESET_1, SETUP_NONE, RAW ("POST /api/v1/presets", "{\"index\":1,\"name\":\"neg\",\"viscous\":-0.01}"),
    STEVE_ERROR_INVALID_VALUES, "The device rejected the preset values: none may be negative and the travel must be above zero." },
  { "invalid_values", 400, "a preset with travel 0",
    CALL_SAVE_PRESET_1, SETUP_NONE, RAW ("POST /api/v1/presets", "{\"index\":1,\"travel\":0}"),
    STEVE_ERROR_INVALID_VALUES, "The device rejected the preset values: none may be negative and the travel must be above zero." },
  { "invalid_travel", 400, "a preset whose travel is a word",
    CALL_SAVE_PRESET_1, SETUP_NONE, RAW ("POST /api/v1/presets", "{\"index\":1,\"travel\":\"quarter\"}"),
    STEVE_ERROR_INVALID_TRAVEL, "The device could not read the travel value." },

  /* ---- odrive */
  { "odrive_unavailable", 503, "read the ODrive while it does not answer",
    CALL_GET_ODRIVE, SETUP_ODRIVE_MISSING, OWN_REQUEST,
    STEVE_ERROR_ODRIVE_UNAVAILABLE, "The ODrive motor controller is not available." },
  { "odrive_status_failed", 500, "every ODrive status read times out (all three attempts)",
    CALL_GET_ODRIVE, SETUP_ODRIVE_FLAKY, OWN_REQUEST,
    STEVE_ERROR_ODRIVE_STATUS_FAILED, "The ODrive did not answer the status request in time." },
  { "odrive_encoder_failed", 500, "NOT PRODUCIBLE: the simulated ODrive never fails an encoder read on GET /odrive "
                                  "(a stale encoder errors the valve instead)",
    CALL_GET_ODRIVE, SETUP_NOT_PRODUCIBLE, OWN_REQUEST,
    STEVE_ERROR_ODRIVE_ENCODER_FAILED, "The ODrive did not report an encoder reading." },
  { "odrive_telemetry_failed", 500, "read the ODrive right after every device boot",
    CALL_GET_ODRIVE, SETUP_NONE, RAW_F (NULL, NULL, RAW_REBOOT),
    STEVE_ERROR_ODRIVE_TELEMETRY_FAILED, "The ODrive has not reported its temperatures and bus values yet." },
  { "missing_action", 400, "ODrive request with a value and no action",
    CALL_ODRIVE_ENABLE, SETUP_NONE, RAW ("POST /api/v1/odrive", "{\"value\":1}"),
    STEVE_ERROR_MISSING_ACTION, "The request named no action." },
  { "unsupported_action", 400, "ODrive action \"reboot\"",
    CALL_ODRIVE_ENABLE, SETUP_NONE, RAW ("POST /api/v1/odrive", "{\"action\":\"reboot\"}"),
    STEVE_ERROR_UNSUPPORTED_ACTION, "The device does not know the requested action." },
  { "missing_value", 400, "set_torque without a value",
    CALL_ODRIVE_SET_TORQUE, SETUP_NONE, RAW ("POST /api/v1/odrive", "{\"action\":\"set_torque\"}"),
    STEVE_ERROR_MISSING_VALUE, "This ODrive action needs a value." },
  { "invalid_value", 400, "set_torque with a decimal comma",
    CALL_ODRIVE_SET_TORQUE, SETUP_NONE, RAW ("POST /api/v1/odrive", "{\"action\":\"set_torque\",\"value\":\"0,1\"}"),
    STEVE_ERROR_INVALID_VALUE, "The device could not read the value of the ODrive action." },
  { "invalid_mode", 400, "set_mode 1.5",
    CALL_ODRIVE_SET_TORQUE, SETUP_NONE, RAW ("POST /api/v1/odrive", "{\"action\":\"set_mode\",\"value\":1.5}"),
    STEVE_ERROR_INVALID_MODE, "The ODrive control mode must be 0 (voltage), 1 (torque), 2 (velocity) or 3 (position)." },
  { "odrive_command_failed", 500, "enable while an estop's axis error is latched (wrong state)",
    CALL_ODRIVE_ENABLE, SETUP_ESTOPPED, OWN_REQUEST,
    STEVE_ERROR_ODRIVE_COMMAND_FAILED, "The ODrive did not accept the command." },

  /* ---- stream */
  { "missing_action", 400, "stream request without an action",
    CALL_STREAM_START, SETUP_NONE, RAW ("POST /api/v1/stream", "{\"interval_ms\":20}"),
    STEVE_ERROR_MISSING_ACTION, "The request named no action." },
  { "invalid_interval_ms", 400, "interval as a word",
    CALL_STREAM_START, SETUP_NONE, RAW ("POST /api/v1/stream", "{\"action\":\"start\",\"interval_ms\":\"fast\"}"),
    STEVE_ERROR_INVALID_INTERVAL_MS, "The device could not read the stream interval." },
  { "operation_failed", 500, "start the stream while another program holds its port",
    CALL_STREAM_START, SETUP_STREAM_PORT_TAKEN, OWN_REQUEST,
    STEVE_ERROR_OPERATION_FAILED, "The device could not change the telemetry stream." },

  /* ---- status codes without a code string, and codes the protocol does not list */
  { "", 409, "NOT PRODUCIBLE: the protocol maps \"busy\" to 409 but lists no endpoint that sends it, "
             "and the simulator never does",
    CALL_SET_VISCOUS, SETUP_NOT_PRODUCIBLE, OWN_REQUEST,
    STEVE_ERROR_BUSY, "The device is busy. Try again in a moment." },
  { "internal_error", 500, "the simulator's injected HTTP fault (not a firmware code)",
    CALL_GET_CONFIG, SETUP_HTTP_FAULT, OWN_REQUEST,
    STEVE_ERROR_UNKNOWN_DEVICE_ERROR, "The device reported the error “internal_error” (HTTP 500), which this version does not know." },
};

typedef struct
{
  const ErrorCase *c;
  SteveDialect     dialect;
} CaseData;

typedef struct
{
  SteveSim    *sim;
  Relay       *relay;
  SteveClient *client;
  GSocket     *blocker;
  guint        warning_handler;
  GLogLevelFlags old_fatal;
  gint         warnings;
} Fixture;

static GBytes *
build_raw_request (const Raw    *raw,
                   SteveDialect  dialect,
                   const char   *key)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GString) body = NULL;
  const char *text = dialect == STEVE_DIALECT_DOCUMENTED && raw->body_doc ? raw->body_doc : raw->body;

  if (raw->flags & RAW_MANY_KEYS)
    {
      body = g_string_new ("{");
      for (guint i = 0; i < 33; i++)
        g_string_append_printf (body, "%s\"k%02u\":0", i ? "," : "", i);
      g_string_append_c (body, '}');
    }
  else if (text != NULL)
    {
      body = g_string_new (text);
      if (raw->flags & RAW_OVERSIZE)
        {
          g_string_truncate (body, body->len - 1);
          g_string_append (body, ",\"pad\":\"");
          for (guint i = 0; i < 2100; i++)
            g_string_append_c (body, 'x');
          g_string_append (body, "\"}");
        }
    }

  g_string_append_printf (s, "%s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: %s\r\nConnection: close\r\n",
                          raw->line, (raw->flags & RAW_WRONG_KEY) ? WRONG_KEY : key);
  if (body != NULL)
    {
      g_string_append (s, "Content-Type: application/json\r\n");
      if (!(raw->flags & RAW_NO_LENGTH))
        g_string_append_printf (s, "Content-Length: %" G_GSIZE_FORMAT "\r\n",
                                body->len + ((raw->flags & RAW_TRUNCATED) ? 20 : 0));
      g_string_append (s, "\r\n");
      g_string_append_len (s, body->str, (gssize) body->len);
    }
  else
    g_string_append (s, "\r\n");

  return g_bytes_new (s->str, s->len);
}

/* The simulator says why it answers operation_failed: expected here. */
static void
expected_sim_warning (const char     *log_domain,
                      GLogLevelFlags  log_level,
                      const char     *message,
                      gpointer        user_data)
{
  gint *seen = user_data;

  g_assert_nonnull (strstr (message, "Could not open the stream port"));
  g_atomic_int_inc (seen);
}

static void
setup_device (Fixture         *f,
              const ErrorCase *c)
{
  guint port = steve_sim_get_http_port (f->sim);

  switch (c->setup)
    {
    case SETUP_NONE:
    case SETUP_NOT_PRODUCIBLE:
      break;

    case SETUP_UNINITIALIZED:
      steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_UNINITIALIZED);
      break;

    case SETUP_ODRIVE_MISSING:
      steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_ODRIVE_MISSING);
      break;

    case SETUP_ODRIVE_FLAKY:
      steve_sim_set_odrive_flaky_rate (f->sim, 1.0);
      break;

    case SETUP_UNCALIBRATED:
      steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_UNCALIBRATED);
      break;

    case SETUP_RUNNING:
      {
        g_autoptr(GAsyncResult) result = NULL;
        g_autoptr(GError) error = NULL;

        steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &result);
        g_assert_true (steve_client_control_finish (f->client, steve_test_wait_result (&result, 20), NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpint (steve_sim_get_valve_state (f->sim), ==, STEVE_VALVE_STATE_RUNNING);
      }
      break;

    case SETUP_ESTOPPED:
      {
        g_autoptr(GAsyncResult) result = NULL;
        g_autoptr(GError) error = NULL;

        steve_client_odrive_action_async (f->client, STEVE_ODRIVE_ACTION_ESTOP, 0, NULL, steve_test_result_cb, &result);
        g_assert_true (steve_client_odrive_action_finish (f->client, steve_test_wait_result (&result, 20), &error));
        g_assert_no_error (error);
        g_assert_cmphex (steve_sim_get_axis_error (f->sim), !=, 0);
      }
      break;

    case SETUP_OTHER_CLIENT_STOPS:
      {
        /* both dialects' names: each device ignores the other's */
        g_autoptr(SteveTestHttp) resp = steve_test_http (port, "POST", "/api/v1/config",
                                                         "{\"closed_pos\":50,\"open_pos\":60,"
                                                         "\"closed_position\":50,\"open_position\":60}");
        g_assert_cmpuint (resp->status, ==, 200);
      }
      break;

    case SETUP_OTHER_CLIENT_SLOT:
      {
        g_autoptr(SteveTestHttp) resp = steve_test_http (port, "POST", "/api/v1/presets",
                                                         "{\"index\":1,\"name\":\"broken\",\"smoothing\":0}");
        g_assert_cmpuint (resp->status, ==, 200);
      }
      break;

    case SETUP_STREAM_PORT_TAKEN:
      {
        g_autoptr(SteveTestHttp) resp = steve_test_http (port, "POST", "/api/v1/stream", "{\"action\":\"stop\"}");
        g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", steve_sim_get_stream_port (f->sim));
        g_autoptr(GError) error = NULL;

        g_assert_cmpuint (resp->status, ==, 200);
        f->blocker = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
        g_assert_no_error (error);
        /* the simulator holds the port with a socket that does not listen:
         * only a socket that allows address reuse can bind beside it, and
         * listening there takes the port from the stream's listener */
        g_assert_true (g_socket_bind (f->blocker, address, TRUE, &error));
        g_assert_true (g_socket_listen (f->blocker, &error));
        g_assert_no_error (error);
        f->old_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK);
        f->warning_handler = g_log_set_handler ("steve-sim", G_LOG_LEVEL_WARNING, expected_sim_warning, &f->warnings);
      }
      break;

    case SETUP_HTTP_FAULT:
      steve_sim_set_http_error_rate (f->sim, 1.0);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Runs the call; returns its error (the call must fail). */
static GError *
run_call (Fixture *f,
          Call     call)
{
  g_autoptr(GAsyncResult) result = NULL;
  GError *error = NULL;

  switch (call)
    {
    case CALL_CONNECT_WRONG_KEY:
      {
        SteveClient *client = connect_client (f->relay->port, WRONG_KEY, &error);

        g_assert_cmpint (steve_client_get_state (client), ==, STEVE_CLIENT_AUTH_FAILED);
        finalize_client (client);
      }
      break;

    case CALL_GET_STATUS:
      steve_client_get_status_async (f->client, NULL, steve_test_result_cb, &result);
      g_assert_null (steve_client_get_status_finish (f->client, steve_test_wait_result (&result, 20), &error));
      break;

    case CALL_GET_CONFIG:
      steve_client_get_config_async (f->client, NULL, steve_test_result_cb, &result);
      g_assert_null (steve_client_get_config_finish (f->client, steve_test_wait_result (&result, 20), &error));
      break;

    case CALL_SET_VISCOUS:
    case CALL_SET_OPEN_40:
      {
        SteveConfig update = { { 0 }, 0 };

        if (call == CALL_SET_VISCOUS)
          steve_config_set (&update, STEVE_FIELD_VISCOUS, 0.05);
        else
          steve_config_set (&update, STEVE_FIELD_OPEN_POS, 40.0);
        steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &result);
        g_assert_null (steve_client_set_config_finish (f->client, steve_test_wait_result (&result, 20), &error));
      }
      break;

    case CALL_START:
    case CALL_LOAD_PRESET_1:
      steve_client_control_async (f->client,
                                  call == CALL_START ? STEVE_CONTROL_START : STEVE_CONTROL_NONE,
                                  call == CALL_START ? -1 : 1,
                                  NULL, steve_test_result_cb, &result);
      g_assert_false (steve_client_control_finish (f->client, steve_test_wait_result (&result, 20), NULL, &error));
      break;

    case CALL_SAVE_PRESET_1:
      {
        g_autoptr(StevePreset) preset = steve_preset_new (1, "Soft");

        steve_config_init_factory (&preset->config);
        steve_config_set (&preset->config, STEVE_FIELD_TRAVEL, 90.0);
        steve_client_save_preset_async (f->client, preset, NULL, steve_test_result_cb, &result);
        g_assert_false (steve_client_save_preset_finish (f->client, steve_test_wait_result (&result, 20), &error));
      }
      break;

    case CALL_GET_ODRIVE:
      steve_client_get_odrive_async (f->client, NULL, steve_test_result_cb, &result);
      g_assert_null (steve_client_get_odrive_finish (f->client, steve_test_wait_result (&result, 20), &error));
      break;

    case CALL_ODRIVE_ENABLE:
    case CALL_ODRIVE_SET_TORQUE:
      steve_client_odrive_action_async (f->client,
                                        call == CALL_ODRIVE_ENABLE ? STEVE_ODRIVE_ACTION_ENABLE : STEVE_ODRIVE_ACTION_SET_TORQUE,
                                        0.1, NULL, steve_test_result_cb, &result);
      g_assert_false (steve_client_odrive_action_finish (f->client, steve_test_wait_result (&result, 20), &error));
      break;

    case CALL_STREAM_START:
      steve_client_stream_start_async (f->client, 20, NULL, steve_test_result_cb, &result);
      g_assert_false (steve_client_stream_finish (f->client, steve_test_wait_result (&result, 20), &error));
      break;

    case CALL_GET_PERFORMANCE:
      steve_client_get_performance_async (f->client, NULL, steve_test_result_cb, &result);
      g_assert_null (steve_client_get_performance_finish (f->client, steve_test_wait_result (&result, 20), &error));
      break;

    default:
      g_assert_not_reached ();
    }

  g_assert_nonnull (error);
  return error;
}

static void
test_device_error (gconstpointer data)
{
  const CaseData *cd = data;
  const ErrorCase *c = cd->c;
  Fixture fx = { 0 }, *f = &fx;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) connect_error = NULL;
  g_autoptr(GBytes) replacement = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GBytes) response = NULL;
  const SteveDeviceErrorInfo *info;
  guint hits = 0;

  g_test_message ("%s (HTTP %u): %s", c->code[0] ? c->code : "(no code)", c->status, c->how);

  f->sim = start_sim (cd->dialect);
  f->relay = relay_new (f->sim);
  f->client = connect_client (f->relay->port, NULL, &connect_error);
  g_assert_no_error (connect_error);
  g_assert_cmpint (steve_client_get_dialect (f->client), ==, cd->dialect);

  setup_device (f, c);

  if (c->setup == SETUP_NOT_PRODUCIBLE)
    {
      /* the bytes the simulator's HTTP layer would send, over a real socket */
      g_autofree char *body = c->code[0] ? g_strdup_printf ("{\"status\":\"error\",\"error\":\"%s\"}", c->code)
                                         : g_strdup ("{\"status\":\"error\"}");
      gsize len = 0;
      g_autofree char *bytes = steve_sim_http_format_response (c->status, "application/json", body, &len);

      answer = g_bytes_new (bytes, len);
    }
  else if (c->raw.line != NULL)
    replacement = build_raw_request (&c->raw, cd->dialect, steve_sim_get_api_key (f->sim));

  relay_set_rule (f->relay, call_request_line[c->call], replacement, answer, (c->raw.flags & RAW_REBOOT) != 0);

  error = run_call (f, c->call);

  /* the device (or, for the rows marked NOT PRODUCIBLE, its formatter) really sent the code */
  response = relay_dup_last_response (f->relay, &hits);
  g_assert_cmpuint (hits, >=, 1);
  g_assert_nonnull (response);
  {
    g_autofree char *raw = g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
    g_autoptr(SteveTestHttp) http = steve_test_http_parse (g_strdup (raw), strlen (raw));
    g_autofree char *code = NULL;

    g_assert_cmpuint (http->status, ==, c->status);
    if (c->code[0])
      {
        g_assert_true (steve_parse_error_body (http->body, (gssize) http->body_len, &code));
        g_assert_cmpstr (code, ==, c->code);
      }
  }

  /* what the client makes of it, and what the user reads */
  g_assert_error (error, STEVE_ERROR, (gint) c->error);
  g_assert_cmpstr (error->message, ==, c->message);

  /* a code of the client's table shows that table's message */
  info = steve_device_error_lookup (c->code);
  if (info != NULL && info->error == c->error)
    {
      g_assert_cmpuint (info->http_status, ==, c->status);
      g_assert_cmpstr (error->message, ==, steve_device_error_message (c->code));
    }

  /* a refused key ends the session; nothing else does */
  if (c->call != CALL_CONNECT_WRONG_KEY)
    g_assert_cmpint (steve_client_get_state (f->client), ==,
                     c->error == STEVE_ERROR_AUTH ? STEVE_CLIENT_AUTH_FAILED : STEVE_CLIENT_CONNECTED);

  finalize_client (f->client);
  relay_free (f->relay);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
  if (f->blocker)
    {
      g_socket_close (f->blocker, NULL);
      g_clear_object (&f->blocker);
      g_assert_cmpint (g_atomic_int_get (&f->warnings), ==, 1);
      g_log_remove_handler ("steve-sim", f->warning_handler);
      g_log_set_always_fatal (f->old_fatal);
    }
}

/* Every code of the client's table has a row, so a new code needs one. */
static void
test_table_complete (void)
{
  guint n = 0;
  const SteveDeviceErrorInfo *table = steve_device_error_table (&n);

  for (guint i = 0; i < n; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (error_cases) && !found; j++)
        found = g_str_equal (error_cases[j].code, table[i].code) && error_cases[j].error == table[i].error;
      if (!found)
        g_error ("device error code “%s” has no row in the table of this test", table[i].code);
    }
}

/* ================================================================== part 2: invalid values */

/* Every value in every POST body the device received lies within the hard
 * limits, and the positions it would produce do not cross. */
static guint
assert_requests_within_limits (SteveSim *sim)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (sim);
  guint checked = 0;

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);
      g_autoptr(JsonParser) parser = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *obj;
      JsonObjectIter iter;
      const char *key;
      JsonNode *node;
      SteveConfig update = { { 0 }, 0 };
      gboolean is_config = g_str_equal (r->path, "/api/v1/config");

      if (!g_str_equal (r->method, "POST") ||
          !(is_config || g_str_equal (r->path, "/api/v1/presets")))
        continue;

      parser = json_parser_new ();
      if (!json_parser_load_from_data (parser, r->body, -1, &error))
        g_error ("the client sent a body that is not JSON: %s", r->body);
      obj = json_node_get_object (json_parser_get_root (parser));

      json_object_iter_init (&iter, obj);
      while (json_object_iter_next (&iter, &key, &node))
        {
          const SteveFieldInfo *info = steve_field_lookup_key (key, STEVE_DIALECT_UNKNOWN);
          g_autoptr(GError) limit_error = NULL;
          double v;

          if (info == NULL)
            continue;
          if (!JSON_NODE_HOLDS_VALUE (node) ||
              (json_node_get_value_type (node) != G_TYPE_DOUBLE && json_node_get_value_type (node) != G_TYPE_INT64))
            g_error ("%s %s: %s is not a number: %s", r->method, r->path, key, r->body);

          v = json_node_get_double (node);
          if (!steve_field_check_value (info->field, v, &limit_error))
            g_error ("%s %s left the client with %s outside the hard limits (%s): %s",
                     r->method, r->path, key, limit_error->message, r->body);
          steve_config_set (&update, info->field, v);
          checked++;
        }

      if (is_config)
        {
          SteveConfig config, result;
          g_autoptr(GError) cross_error = NULL;

          /* the device's config at the time is not logged: check against
           * the factory end stops the tests start from, where known */
          steve_config_init_factory (&config);
          if (!steve_config_apply_update (&config, &update, &result, &cross_error) &&
              (update.present & (STEVE_FIELD_BIT (STEVE_FIELD_CLOSED_POS) | STEVE_FIELD_BIT (STEVE_FIELD_OPEN_POS))) ==
                (STEVE_FIELD_BIT (STEVE_FIELD_CLOSED_POS) | STEVE_FIELD_BIT (STEVE_FIELD_OPEN_POS)))
            g_error ("the client sent crossing end stops: %s (%s)", r->body, cross_error->message);
        }
    }
  return checked;
}

static guint
count_posts (SteveSim *sim)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (sim);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      if (g_str_equal (r->method, "POST"))
        n++;
    }
  return n;
}

/* The invalid values of @field, with what each one is. */
typedef struct
{
  double      value;
  const char *what;
} BadValue;

static GArray *
bad_values (const SteveFieldInfo *info)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (BadValue));
  double step = pow (10.0, -(double) info->decimals);
  BadValue v;

#define ADD(val, text) G_STMT_START { v.value = (val); v.what = (text); g_array_append_val (values, v); } G_STMT_END
  ADD (info->hard_min - 1.0, "hard_min - 1");
  ADD (info->hard_min - step, "hard_min - one wire step");
  ADD (info->hard_max + step, "hard_max + one wire step");
  ADD (info->hard_max + 1.0, "hard_max + 1");
  ADD (info->hard_max * 1000.0 + 1.0, "far above hard_max");
  ADD (-1e300, "-1e300");
  ADD (1e300, "1e300");
  ADD (NAN, "NaN");
  ADD (INFINITY, "+inf");
  ADD (-INFINITY, "-inf");
  if (info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE)
    {
      ADD (info->hard_min, "exactly the exclusive minimum");
      ADD (info->hard_min + step * 0.4, "rounds to the exclusive minimum on the wire");
    }
#undef ADD
  return values;
}

/* The builders refuse every invalid value, in both dialects, and accept
 * the limits themselves. */
static void
test_builders_refuse (void)
{
  SteveConfig factory;

  steve_config_init_factory (&factory);

  for (guint f = 0; f < STEVE_N_FIELDS; f++)
    {
      const SteveFieldInfo *info = steve_field_info (f);
      g_autoptr(GArray) values = bad_values (info);
      double step = pow (10.0, -(double) info->decimals);
      double lowest = (info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE) ? info->hard_min + step : info->hard_min;

      for (guint i = 0; i < values->len; i++)
        {
          const BadValue *bad = &g_array_index (values, BadValue, i);
          SteveConfig update = { { 0 }, 0 };

          steve_config_set (&update, f, bad->value);
          for (SteveDialect d = STEVE_DIALECT_UNKNOWN; d <= STEVE_DIALECT_DOCUMENTED; d++)
            {
              g_autoptr(GError) error = NULL;
              g_autofree char *body = steve_build_config_request (&update, d, &factory, &error);

              if (body != NULL)
                g_error ("%s = %g (%s) built into %s", info->key_documented, bad->value, bad->what, body);
              g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
              /* the message names the field the user edited */
              g_assert_nonnull (strstr (error->message, info->label));
            }

          /* nor does a preset carry it */
          if (info->flags & STEVE_FIELD_FLAG_IN_PRESET)
            {
              g_autoptr(StevePreset) preset = steve_preset_new (1, "bad");
              g_autoptr(GError) error = NULL;
              g_autofree char *body = NULL;

              steve_config_init_factory (&preset->config);
              steve_config_set (&preset->config, STEVE_FIELD_TRAVEL, 90.0);
              steve_config_set (&preset->config, f, bad->value);
              body = steve_build_preset_save (preset, &error);
              g_assert_null (body);
              g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
            }
        }

      /* the limits themselves are values the device accepts */
      if (f != STEVE_FIELD_CLOSED_POS && f != STEVE_FIELD_OPEN_POS)
        {
          double edges[] = { lowest, info->hard_max };

          for (guint e = 0; e < G_N_ELEMENTS (edges); e++)
            {
              SteveConfig update = { { 0 }, 0 };
              g_autoptr(GError) error = NULL;
              g_autofree char *body = NULL;
              SteveConfig current = factory;

              /* from the factory's closed 0°, a travel of 3600° is the most */
              steve_config_set (&update, f, edges[e]);
              body = steve_build_config_request (&update, STEVE_DIALECT_DOCUMENTED, &current, &error);
              g_assert_no_error (error);
              g_assert_nonnull (body);
            }
        }
    }

  /* positions: each one fine alone, crossing together */
  {
    SteveConfig update = { { 0 }, 0 };
    g_autoptr(GError) error = NULL;
    g_autofree char *body = NULL;

    steve_config_set (&update, STEVE_FIELD_CLOSED_POS, 100.0);
    body = steve_build_config_request (&update, STEVE_DIALECT_FIRMWARE, &factory, &error);
    g_assert_null (body);
    g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
    g_clear_error (&error);

    /* 7200° of travel */
    steve_config_set (&update, STEVE_FIELD_CLOSED_POS, -3600.0);
    steve_config_set (&update, STEVE_FIELD_OPEN_POS, 3600.0);
    body = steve_build_config_request (&update, STEVE_DIALECT_FIRMWARE, &factory, &error);
    g_assert_null (body);
    g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  }
}

typedef struct
{
  SteveSim    *sim;
  SteveClient *client;
  SteveTuner  *tuner;
  guint        errors;
} ValueFixture;

static void
on_tuner_error (SteveTuner   *tuner,
                const GError *error,
                ValueFixture *f)
{
  g_test_message ("tuner error: %s", error->message);
  f->errors++;
}

static void
value_fixture_setup (ValueFixture  *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->sim = start_sim (GPOINTER_TO_INT (data));
  steve_sim_set_log_requests (f->sim, TRUE);
  f->client = connect_client (steve_sim_get_http_port (f->sim), NULL, &error);
  g_assert_no_error (error);
  f->tuner = steve_tuner_new (f->client);
  g_signal_connect (f->tuner, "error", G_CALLBACK (on_tuner_error), f);
  g_assert_true (steve_tuner_has_device_value (f->tuner, STEVE_FIELD_VISCOUS));
}

static void
value_fixture_teardown (ValueFixture  *f,
                        gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  /* requests still in flight hold the tuner (slow under valgrind): let
   * them finish before checking that nothing else does */
  while ((G_OBJECT (f->tuner)->ref_count > 1 || steve_client_get_queue_length (f->client) > 0) &&
         g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }

  g_assert_finalize_object (f->tuner);
  finalize_client (f->client);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
}

static gboolean
sim_field_is (ValueFixture *f,
              SteveField    field,
              double        value)
{
  SteveConfig config;

  steve_sim_get_config (f->sim, &config);
  return steve_field_round (field, config.values[field]) == steve_field_round (field, value);
}

static void
wait_sim_field (ValueFixture *f,
                SteveField    field,
                double        value)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!sim_field_is (f, field, value))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      steve_test_sleep_ms (5);
    }
}

/* A valid value for @field, different from the device's. */
static double
valid_other_value (SteveField field,
                   double     current)
{
  const SteveFieldInfo *info = steve_field_info (field);
  double v = info->recommended_max;

  if (field == STEVE_FIELD_CLOSED_POS)
    v = -10.0;
  else if (field == STEVE_FIELD_OPEN_POS)
    v = 120.0;
  if (steve_field_round (field, v) == steve_field_round (field, current))
    v = info->recommended_min;
  return v;
}

/* Through SteveTuner and SteveClient: every invalid value of every field
 * is refused before it is queued, nothing reaches the device, the tuner
 * keeps the value it had, and a valid edit of the same field still goes
 * through afterwards. */
static void
test_tuner_and_client_refuse (ValueFixture  *f,
                              gconstpointer  data)
{
  SteveDialect dialect = GPOINTER_TO_INT (data);
  guint refused = 0;

  for (guint field = 0; field < STEVE_N_FIELDS; field++)
    {
      const SteveFieldInfo *info = steve_field_info (field);
      g_autoptr(GArray) values = bad_values (info);
      double before = steve_tuner_get_value (f->tuner, field);
      guint posts = count_posts (f->sim);

      for (guint i = 0; i < values->len; i++)
        {
          const BadValue *bad = &g_array_index (values, BadValue, i);
          g_autoptr(GError) error = NULL;
          g_autoptr(GAsyncResult) result = NULL;
          g_autoptr(SteveConfig) reply = NULL;
          SteveConfig update = { { 0 }, 0 };

          /* the tuner refuses and keeps what it had */
          g_assert_false (steve_tuner_set_value (f->tuner, field, bad->value, &error));
          g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
          g_clear_error (&error);
          if (isnan (before))
            g_assert_true (isnan (steve_tuner_get_value (f->tuner, field)));
          else
            g_assert_cmpfloat (steve_tuner_get_value (f->tuner, field), ==, before);
          g_assert_false (steve_tuner_is_dirty (f->tuner, field));

          /* so does the client */
          steve_config_set (&update, field, bad->value);
          steve_client_set_config_async (f->client, &update, NULL, steve_test_result_cb, &result);
          reply = steve_client_set_config_finish (f->client, steve_test_wait_result (&result, 20), &error);
          g_assert_null (reply);
          g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
          refused += 2;
        }

      steve_test_sleep_ms (20);
      g_assert_cmpuint (count_posts (f->sim), ==, posts);

      /* a valid edit of the same field still goes through */
      if (field == STEVE_FIELD_TRAVEL ||
          (field == STEVE_FIELD_DEGREES_PER_TURN && dialect == STEVE_DIALECT_FIRMWARE))
        continue;
      {
        g_autoptr(GError) error = NULL;
        double v = valid_other_value (field, before);

        g_assert_true (steve_tuner_set_value (f->tuner, field, v, &error));
        g_assert_no_error (error);
        wait_sim_field (f, field, v);
        g_assert_cmpuint (count_posts (f->sim), ==, posts + 1);
      }
    }

  g_test_message ("%u invalid values refused", refused);
  g_assert_cmpuint (f->errors, ==, 0);
  g_assert_cmpuint (assert_requests_within_limits (f->sim), >, 0);
}

/* Two updates that are each valid but cross the end stops once merged in
 * the queue are refused as a whole when sent. */
static void
test_merged_updates_refused (ValueFixture  *f,
                             gconstpointer  data)
{
  g_autoptr(GAsyncResult) r0 = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(SteveConfig) c0 = NULL;
  g_autoptr(SteveConfig) c1 = NULL;
  g_autoptr(SteveConfig) c2 = NULL;
  SteveConfig open50 = { { 0 }, 0 }, closed60 = { { 0 }, 0 };
  guint posts = count_posts (f->sim);

  steve_config_set (&open50, STEVE_FIELD_OPEN_POS, 50.0);
  steve_config_set (&closed60, STEVE_FIELD_CLOSED_POS, 60.0);

  /* one request in flight, the two updates wait behind it and merge */
  steve_client_get_config_async (f->client, NULL, steve_test_result_cb, &r0);
  steve_client_set_config_async (f->client, &open50, NULL, steve_test_result_cb, &r1);
  steve_client_set_config_async (f->client, &closed60, NULL, steve_test_result_cb, &r2);
  c0 = steve_client_get_config_finish (f->client, steve_test_wait_result (&r0, 20), NULL);
  c1 = steve_client_set_config_finish (f->client, steve_test_wait_result (&r1, 20), &e1);
  c2 = steve_client_set_config_finish (f->client, steve_test_wait_result (&r2, 20), &e2);

  g_assert_nonnull (c0);
  g_assert_null (c1);
  g_assert_null (c2);
  g_assert_error (e1, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_assert_error (e2, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_assert_cmpuint (count_posts (f->sim), ==, posts);
  g_assert_true (sim_field_is (f, STEVE_FIELD_OPEN_POS, 90.0));
  g_assert_true (sim_field_is (f, STEVE_FIELD_CLOSED_POS, 0.0));
}

/* Edits that are valid as typed but cross the other end stop once rounded
 * to the device's decimals are refused by the tuner, not sent and then
 * refused. */
static void
test_rounding_onto_the_other_stop (ValueFixture  *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint posts = count_posts (f->sim);

  /* closed 89.996° rounds to 90.00°, the open position */
  g_assert_false (steve_tuner_set_value (f->tuner, STEVE_FIELD_CLOSED_POS, 89.996, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_clear_error (&error);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_CLOSED_POS), ==, 0.0);
  g_assert_false (steve_tuner_get_dirty (f->tuner));

  /* open 0.004° rounds to 0.00°, the closed position */
  g_assert_false (steve_tuner_set_value (f->tuner, STEVE_FIELD_OPEN_POS, 0.004, &error));
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
  g_clear_error (&error);
  g_assert_cmpfloat (steve_tuner_get_value (f->tuner, STEVE_FIELD_OPEN_POS), ==, 90.0);

  steve_test_sleep_ms (100);
  g_assert_cmpuint (f->errors, ==, 0);
  g_assert_cmpuint (count_posts (f->sim), ==, posts);

  /* just inside still goes through */
  g_assert_true (steve_tuner_set_value (f->tuner, STEVE_FIELD_CLOSED_POS, 89.994, &error));
  g_assert_no_error (error);
  wait_sim_field (f, STEVE_FIELD_CLOSED_POS, 89.99);
  g_assert_cmpuint (f->errors, ==, 0);
  assert_requests_within_limits (f->sim);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) case_data = g_ptr_array_new_with_free_func (g_free);

  steve_test_init (&argc, &argv);

  steve_test_add_func ("/bad-input/device-errors/table-complete", test_table_complete);

  for (SteveDialect d = STEVE_DIALECT_FIRMWARE; d <= STEVE_DIALECT_DOCUMENTED; d++)
    for (guint i = 0; i < G_N_ELEMENTS (error_cases); i++)
      {
        const ErrorCase *c = &error_cases[i];
        CaseData *cd;
        g_autofree char *path = NULL;

        if (c->firmware_only && d != STEVE_DIALECT_FIRMWARE)
          continue;

        cd = g_new0 (CaseData, 1);
        cd->c = c;
        cd->dialect = d;
        g_ptr_array_add (case_data, cd);
        path = g_strdup_printf ("/bad-input/device-errors/%s/%02u-%s",
                                d == STEVE_DIALECT_FIRMWARE ? "firmware" : "documented",
                                i, c->code[0] ? c->code : "no-code");
        steve_test_add_data_func (path, cd, test_device_error);
      }

  steve_test_add_func ("/bad-input/values/builders", test_builders_refuse);
  steve_test_add ("/bad-input/values/tuner-and-client/firmware", ValueFixture, GINT_TO_POINTER (STEVE_DIALECT_FIRMWARE),
              value_fixture_setup, test_tuner_and_client_refuse, value_fixture_teardown);
  steve_test_add ("/bad-input/values/tuner-and-client/documented", ValueFixture, GINT_TO_POINTER (STEVE_DIALECT_DOCUMENTED),
              value_fixture_setup, test_tuner_and_client_refuse, value_fixture_teardown);
  steve_test_add ("/bad-input/values/merged-updates", ValueFixture, GINT_TO_POINTER (STEVE_DIALECT_FIRMWARE),
              value_fixture_setup, test_merged_updates_refused, value_fixture_teardown);
  steve_test_add ("/bad-input/values/rounding-onto-the-other-stop", ValueFixture, GINT_TO_POINTER (STEVE_DIALECT_FIRMWARE),
              value_fixture_setup, test_rounding_onto_the_other_stop, value_fixture_teardown);

  return g_test_run ();
}
