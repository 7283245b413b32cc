/* test-bad-input-gui.c — device errors and invalid typing, as the user meets them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window talks to a simulated device through a small loopback relay
 * that forwards every byte; for the error cases the relay changes the one
 * request under test the way the case needs (another API key, a name the
 * device refuses), so the error the window handles is the simulator's own
 * answer. The tests check the toast and banner texts the user reads, and
 * that what the user typed stays in the tuner.
 *
 * The typing tests type invalid text into the spin button of every field
 * row, as a user would (the GtkText inside it, then Enter), and check that
 * the row says why it was refused, shows the value it kept, and that no
 * request carrying a value outside the hard limits ever reaches the device.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "steve-error.h"
#include "steve-field.h"
#include "steve-field-row.h"
#include "steve-presets-page.h"
#include "steve-tuner-panel.h"
#include "steve-window.h"

#include "steve-gui-test-utils.h"
#include "steve-test-utils.h"

#define WRONG_KEY "not-the-device-key"
#define WAIT_MS   10000

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
  gboolean  swap_key;       /* forward the client's request with another API key */
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
relay_serve (Relay   *self,
             GSocket *client)
{
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GByteArray) response = g_byte_array_new ();
  g_autoptr(GBytes) replacement = NULL;
  gboolean matched = FALSE;

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
      if (self->swap_key)
        {
          /* the device was given another key: the client's no longer fits */
          g_autoptr(GString) swapped = g_string_new_len ((const char *) request->data, request->len);

          g_string_replace (swapped, steve_sim_get_api_key (self->sim), WRONG_KEY, 1);
          replacement = g_bytes_new (swapped->str, swapped->len);
        }
    }
  g_mutex_unlock (&self->lock);

  {
    g_autoptr(GSocket) device = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", self->device_port);

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
                gboolean    swap_key)
{
  g_mutex_lock (&self->lock);
  g_free (self->match);
  self->match = g_strdup (match);
  g_clear_pointer (&self->replacement, g_bytes_unref);
  g_clear_pointer (&self->last_response, g_bytes_unref);
  self->replacement = replacement ? g_bytes_ref (replacement) : NULL;
  self->swap_key = swap_key;
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
  relay_set_rule (self, NULL, NULL, FALSE);
  g_object_unref (self->sim);
  g_mutex_clear (&self->lock);
  g_free (self);
}

/* ================================================================== fixture */

typedef struct
{
  SteveSim    *sim;
  Relay       *relay;
  SteveWindow *window;
} Fixture;

static Fixture *fx;  /* for the wait conditions */

static gboolean
session_ready (gpointer data)
{
  SteveTuner *tuner = steve_window_get_tuner (fx->window);

  return steve_window_is_connected (fx->window) && tuner != NULL &&
         steve_tuner_has_device_value (tuner, STEVE_FIELD_VISCOUS);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx = f;
  f->sim = g_object_new (STEVE_TYPE_SIM,
                         "dialect", GPOINTER_TO_INT (data),
                         "profile", STEVE_SIM_PROFILE_IDLE,
                         NULL);
  g_assert_true (steve_sim_start (f->sim, &error));
  g_assert_no_error (error);
  steve_sim_set_log_requests (f->sim, TRUE);
  f->relay = relay_new (f->sim);

  f->window = steve_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 900);
  gtk_window_present (GTK_WINDOW (f->window));
  steve_window_connect (f->window, "127.0.0.1", f->relay->port, NULL);
  g_assert_true (steve_test_wait_for (session_ready, NULL, WAIT_MS));
  steve_test_sleep_ms (200);
}

static gint64 last_frame_us;
static guint  n_frames;

static gboolean
count_frame (GtkWidget     *widget,
             GdkFrameClock *clock,
             gpointer       data)
{
  last_frame_us = gdk_frame_clock_get_frame_time (clock);
  n_frames++;
  return G_SOURCE_CONTINUE;
}

static gboolean
frames_past (gpointer data)
{
  return n_frames >= 2 && last_frame_us >= *(gint64 *) data;
}

static gboolean
first_frame (gpointer data)
{
  return n_frames >= 1;
}

/* libadwaita 1.2 crashes when a toast is dismissed while its show
 * animation runs. Animations follow the frame clock, not the wall clock:
 * let the window draw frames until 400 ms of frame time have passed
 * (every animation begun before has ended), then dismiss. */
static void
dismiss_toasts (SteveWindow *window)
{
  guint id = gtk_widget_add_tick_callback (GTK_WIDGET (window), count_frame, NULL, NULL);
  gint64 until;

  n_frames = 0;
  g_assert_true (steve_test_wait_for (first_frame, NULL, WAIT_MS));
  until = last_frame_us + 400 * 1000;
  n_frames = 0;
  g_assert_true (steve_test_wait_for (frames_past, &until, WAIT_MS));
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), id);
  steve_window_dismiss_toasts (window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  steve_window_disconnect (f->window);
  dismiss_toasts (f->window);
  gtk_window_destroy (GTK_WINDOW (f->window));
  steve_test_sleep_ms (200);
  relay_free (f->relay);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
  fx = NULL;
}

/* ================================================================== helpers */

static SteveFieldRow *
row_for (SteveField field)
{
  GtkWidget *row = steve_tuner_panel_get_row (STEVE_TUNER_PANEL (steve_window_get_tuner_panel (fx->window)), field);

  return row ? STEVE_FIELD_ROW (row) : NULL;
}

static GtkWidget *
text_of (GtkWidget *spin)
{
  for (GtkWidget *child = gtk_widget_get_first_child (spin); child; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TEXT (child))
      return child;
  g_assert_not_reached ();
}

/* Types @text into the field's spin button and presses Enter. */
static void
type_into (SteveField  field,
           const char *text)
{
  GtkWidget *entry = text_of (steve_field_row_get_spin (row_for (field)));

  gtk_widget_grab_focus (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "activate");
  steve_test_sleep_ms (30);
}

static const char *
spin_text (SteveField field)
{
  return gtk_editable_get_text (GTK_EDITABLE (steve_field_row_get_spin (row_for (field))));
}

static char *
format_field (SteveField field,
              double     value)
{
  return g_strdup_printf ("%.*f", (int) steve_field_info (field)->decimals, value);
}

static const char *wanted_label;

static gboolean
label_shown (gpointer data)
{
  return steve_gui_find_label (GTK_WIDGET (fx->window), wanted_label) != NULL;
}

/* Whether a label with exactly @text shows up in the window (a toast, the banner). */
static gboolean
shows_text (const char *text)
{
  GtkWidget *label;

  wanted_label = text;
  if (!steve_test_wait_for (label_shown, NULL, WAIT_MS))
    return FALSE;
  label = steve_gui_find_label (GTK_WIDGET (fx->window), text);
  return g_str_equal (gtk_label_get_text (GTK_LABEL (label)), text);
}

static guint
count_posts (const char *path)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (fx->sim);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      if (g_str_equal (r->method, "POST") && (path == NULL || g_str_equal (r->path, path)))
        n++;
    }
  return n;
}

/* No body the device received carries a value outside the hard limits. */
static guint
assert_requests_within_limits (void)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (fx->sim);
  guint checked = 0;

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObjectIter iter;
      const char *key;
      JsonNode *node;

      if (!g_str_equal (r->method, "POST") ||
          !(g_str_equal (r->path, "/api/v1/config") || g_str_equal (r->path, "/api/v1/presets")))
        continue;

      g_assert_true (json_parser_load_from_data (parser, r->body, -1, NULL));
      json_object_iter_init (&iter, json_node_get_object (json_parser_get_root (parser)));
      while (json_object_iter_next (&iter, &key, &node))
        {
          const SteveFieldInfo *info = steve_field_lookup_key (key, STEVE_DIALECT_UNKNOWN);
          g_autoptr(GError) error = NULL;

          if (info == NULL)
            continue;
          if (!steve_field_check_value (info->field, json_node_get_double (node), &error))
            g_error ("%s %s left the window with %s outside the hard limits (%s): %s",
                     r->method, r->path, key, error->message, r->body);
          checked++;
        }
    }
  return checked;
}

static SteveField wanted_field;
static double wanted_value;

static gboolean
sim_has_value (gpointer data)
{
  SteveConfig config;

  steve_sim_get_config (fx->sim, &config);
  return steve_field_round (wanted_field, config.values[wanted_field]) == steve_field_round (wanted_field, wanted_value);
}

static gboolean
wait_sim_value (SteveField field,
                double     value)
{
  wanted_field = field;
  wanted_value = value;
  return steve_test_wait_for (sim_has_value, NULL, WAIT_MS);
}

/* The edited value the tuner holds, and the spin button shows it. */
static void
assert_kept (SteveField field,
             double     value)
{
  SteveTuner *tuner = steve_window_get_tuner (fx->window);
  g_autofree char *text = format_field (field, value);

  g_assert_cmpfloat (steve_tuner_get_value (tuner, field), ==, steve_field_round (field, value));
  g_assert_true (steve_tuner_is_dirty (tuner, field));
  g_assert_cmpstr (spin_text (field), ==, text);
}

static void
assert_device_answered (guint       status,
                        const char *code)
{
  guint hits = 0;
  g_autoptr(GBytes) response = relay_dup_last_response (fx->relay, &hits);
  g_autofree char *raw = NULL;
  g_autoptr(SteveTestHttp) http = NULL;
  g_autofree char *sent = NULL;

  g_assert_cmpuint (hits, >=, 1);
  g_assert_nonnull (response);
  raw = g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
  http = steve_test_http_parse (g_strdup (raw), strlen (raw));
  g_assert_cmpuint (http->status, ==, status);
  g_assert_true (steve_parse_error_body (http->body, (gssize) http->body_len, &sent));
  g_assert_cmpstr (sent, ==, code);
}

/* ================================================================== device errors */

/* The device refuses a value (another client moved the end stops, so the
 * open position the user types lies below the closed one). */
static void
test_device_rejects_value (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(SteveTestHttp) resp = NULL;

  resp = steve_test_http (steve_sim_get_http_port (f->sim), "POST", "/api/v1/config",
                          "{\"closed_pos\":50,\"open_pos\":60}");
  g_assert_cmpuint (resp->status, ==, 200);
  relay_set_rule (f->relay, "POST /api/v1/config ", NULL, FALSE);

  dismiss_toasts (f->window);
  type_into (STEVE_FIELD_OPEN_POS, "40");

  g_assert_true (shows_text (steve_device_error_message ("config_update_failed")));
  g_assert_true (shows_text ("The device rejected the configuration: the closed position must be below the open position, "
                             "the travel at most 3600°, damping, friction and stiffness not negative, and smoothing above zero."));
  assert_device_answered (400, "config_update_failed");
  assert_kept (STEVE_FIELD_OPEN_POS, 40.0);
  g_assert_true (steve_window_is_connected (f->window));
}

static gboolean
torque_limit_zero (gpointer data)
{
  return steve_tuner_get_device_value (steve_window_get_tuner (fx->window), STEVE_FIELD_TORQUE_LIMIT) == 0.0;
}

/* Another client set a torque limit of 0 (the firmware takes it and zeroes
 * the output): the row cannot show 0, so its warning says what the
 * device holds, and nothing is sent back. */
static void
test_device_value_past_limits (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(SteveTestHttp) resp = NULL;
  SteveFieldRow *row = row_for (STEVE_FIELD_TORQUE_LIMIT);
  GtkWidget *warning = steve_field_row_get_warning (row);
  const char *tip;
  guint posts = count_posts ("/api/v1/config");

  /* 8 N·m: past the recommended range, within the limits */
  g_assert_false (gtk_widget_has_css_class (warning, "error"));
  resp = steve_test_http (steve_sim_get_http_port (f->sim), "POST", "/api/v1/config", "{\"torque_limit\":0}");
  g_assert_cmpuint (resp->status, ==, 200);
  posts++;
  steve_tuner_refresh (steve_window_get_tuner (f->window));
  g_assert_true (steve_test_wait_for (torque_limit_zero, NULL, WAIT_MS));
  steve_test_sleep_ms (100);

  g_assert_true (gtk_widget_get_visible (warning));
  g_assert_true (gtk_widget_has_css_class (warning, "error"));
  tip = gtk_widget_get_tooltip_text (warning);
  g_assert_nonnull (strstr (tip, "The device holds 0.00 N·m, a value this app does not send: "));
  g_assert_false (steve_tuner_is_dirty (steve_window_get_tuner (f->window), STEVE_FIELD_TORQUE_LIMIT));
  g_assert_cmpuint (count_posts ("/api/v1/config"), ==, posts);

  /* a valid value from the user (within the recommended range: no
   * confirmation) clears it */
  type_into (STEVE_FIELD_TORQUE_LIMIT, "1");
  g_assert_true (wait_sim_value (STEVE_FIELD_TORQUE_LIMIT, 1.0));
  steve_test_sleep_ms (100);
  g_assert_false (gtk_widget_has_css_class (warning, "error"));
  g_assert_false (gtk_widget_get_visible (warning));
  g_assert_true (g_str_has_prefix (gtk_widget_get_tooltip_text (warning), "Outside the recommended range "));
}

/* The device no longer takes the key (it was given a new one). */
static void
test_auth_refused (Fixture       *f,
                   gconstpointer  data)
{
  relay_set_rule (f->relay, "POST /api/v1/config ", NULL, TRUE);

  dismiss_toasts (f->window);
  type_into (STEVE_FIELD_VISCOUS, "0.07");

  g_assert_true (shows_text ("The device refused the API key. Check the key configured for this device."));
  g_assert_true (shows_text ("The device refused the API key. Disconnect and connect again with the right key."));
  assert_device_answered (401, "unauthorized");
  g_assert_cmpint (steve_client_get_state (steve_window_get_client (f->window)), ==, STEVE_CLIENT_AUTH_FAILED);
  assert_kept (STEVE_FIELD_VISCOUS, 0.07);
}

static gboolean
start_failed_seen (gpointer data)
{
  return steve_gui_find_label (GTK_WIDGET (fx->window), "The valve could not start.") != NULL;
}

/* Start while the ODrive cannot close the loop: the device answers
 * start_failed; the edit waiting to be applied stays. */
static void
test_start_in_wrong_state (Fixture       *f,
                           gconstpointer  data)
{
  guint posts;

  g_object_set (f->window, "live-mode", FALSE, NULL);
  steve_test_sleep_ms (50);
  type_into (STEVE_FIELD_VISCOUS, "0.07");
  assert_kept (STEVE_FIELD_VISCOUS, 0.07);
  posts = count_posts ("/api/v1/config");

  relay_set_rule (f->relay, "POST /api/v1/control ", NULL, FALSE);
  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_UNCALIBRATED);
  dismiss_toasts (f->window);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "valve.start", NULL));

  g_assert_true (steve_test_wait_for (start_failed_seen, NULL, WAIT_MS));
  g_assert_true (shows_text ("The valve could not start. It starts only from idle, and the ODrive must reach closed-loop control "
                             "(calibrated, connected, without a fault)."));
  assert_device_answered (500, "start_failed");
  g_assert_cmpint (steve_sim_get_valve_state (f->sim), !=, STEVE_VALVE_STATE_RUNNING);
  assert_kept (STEVE_FIELD_VISCOUS, 0.07);
  g_assert_cmpuint (count_posts ("/api/v1/config"), ==, posts);

  /* and it still goes to the device when applied */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "tuner.apply", NULL));
  g_assert_true (wait_sim_value (STEVE_FIELD_VISCOUS, 0.07));
  g_object_set (f->window, "live-mode", TRUE, NULL);
}

static gboolean
is_presets_page (GtkWidget     *widget,
                 gconstpointer  data)
{
  return STEVE_IS_PRESETS_PAGE (widget);
}

static gboolean
presets_loaded (gpointer data)
{
  return steve_presets_page_get_presets (data) != NULL;
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
dialog_open (gpointer data)
{
  return find_dialog () != NULL;
}

/* Answers the message dialog now open with @response, as its button does. */
static void
answer_dialog (const char *response)
{
  AdwMessageDialog *dialog;

  g_assert_true (steve_test_wait_for (dialog_open, NULL, WAIT_MS));
  dialog = find_dialog ();
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* A POST of @body to @path as the client sends it, for the relay to send
 * instead of the client's request. */
static GBytes *
post_request (const char *path,
              const char *body)
{
  char *request = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: %s\r\n"
                                   "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                                   path, steve_sim_get_api_key (fx->sim), strlen (body), body);

  return g_bytes_new_take (request, strlen (request));
}

static gboolean
sim_running (gpointer data)
{
  return steve_sim_get_valve_state (fx->sim) == STEVE_VALVE_STATE_RUNNING;
}

static gboolean
window_sees_running (gpointer data)
{
  return steve_window_get_valve_state (data) == STEVE_VALVE_STATE_RUNNING;
}

static gboolean
window_finalized (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static gboolean
window_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static gboolean
window_has_no_session (gpointer data)
{
  return !steve_window_has_session (data);
}

static gboolean
window_stopped_and_gone (gpointer data)
{
  return !gtk_widget_get_visible (data) && steve_sim_get_valve_state (fx->sim) == STEVE_VALVE_STATE_IDLE;
}

/* Closing while the valve runs asks first. "Stop and Close" closes only
 * once the device has taken the stop: refused, the window stays and says
 * why, with the valve still running. */
static void
test_close_while_running (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GBytes) refused = post_request ("/api/v1/control", "{\"action\":\"halt\"}");
  SteveWindow *window = g_object_ref (f->window);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "valve.start", NULL));
  g_assert_true (steve_test_wait_for (sim_running, NULL, WAIT_MS));
  g_assert_true (steve_test_wait_for (window_sees_running, window, WAIT_MS));

  /* the device gets a stop it does not know, and refuses it */
  relay_set_rule (f->relay, "POST /api/v1/control ", refused, FALSE);
  dismiss_toasts (window);

  gtk_window_close (GTK_WINDOW (window));
  answer_dialog ("stop");
  wanted_label = "The valve was not stopped, so the window stays open: ";
  g_assert_true (steve_test_wait_for (label_shown, NULL, WAIT_MS));
  assert_device_answered (400, "unsupported_action");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_cmpint (steve_sim_get_valve_state (f->sim), ==, STEVE_VALVE_STATE_RUNNING);

  /* asked again, and this time the stop goes through: then it closes */
  relay_set_rule (f->relay, NULL, NULL, FALSE);
  dismiss_toasts (window);
  gtk_window_close (GTK_WINDOW (window));
  answer_dialog ("stop");
  g_assert_true (steve_test_wait_for (window_stopped_and_gone, window, WAIT_MS));
  g_assert_false (steve_test_wait_for (dialog_open, NULL, 300));

  /* closed for good, no leak (once the last callbacks have run);
   * teardown gets a window of its own */
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  g_object_unref (window);
  g_assert_true (steve_test_wait_for (window_finalized, &window, WAIT_MS));
  f->window = steve_window_new (NULL);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (steve_test_wait_for (window_mapped, f->window, WAIT_MS));
}

static gboolean
window_connected (gpointer data)
{
  return steve_window_is_connected (data);
}

/* steve-tuner --host H --port P: the start page is filled in, the key is
 * looked up (none here: no keyring), and the connection counts as a
 * session from the start. A disconnect before the keyring answers ends
 * it; a port out of range stays on the start page, marked. */
static void
test_connect_stored (Fixture       *f,
                     gconstpointer  data)
{
  SteveWindow *window = steve_window_new (NULL);
  g_autofree char *port = g_strdup_printf ("%u", steve_sim_get_http_port (f->sim));

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (steve_test_wait_for (window_mapped, window, WAIT_MS));
  g_assert_false (steve_window_has_session (window));

  /* overtaken by a disconnect: no connection comes of it */
  steve_window_connect_stored (window, "127.0.0.1", steve_sim_get_http_port (f->sim));
  g_assert_true (steve_window_has_session (window));
  steve_window_disconnect (window);
  g_assert_false (steve_window_has_session (window));
  steve_test_sleep_ms (500);
  g_assert_null (steve_window_get_client (window));

  /* a port no device has */
  steve_window_connect_stored (window, "127.0.0.1", 70000);
  g_assert_true (steve_test_wait_for (window_has_no_session, window, WAIT_MS));
  g_assert_null (steve_window_get_client (window));
  g_assert_true (gtk_widget_has_css_class (steve_gui_find_named (GTK_WIDGET (window), "port-row"), "error"));

  /* and one that has */
  steve_window_connect_stored (window, "127.0.0.1", steve_sim_get_http_port (f->sim));
  g_assert_true (steve_test_wait_for (window_connected, window, WAIT_MS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (steve_gui_find_named (GTK_WIDGET (window), "port-row"))),
                   ==, port);

  steve_window_disconnect (window);
  gtk_window_destroy (GTK_WINDOW (window));
  steve_test_sleep_ms (200);
}

/* The device refuses the preset's name: the page says so and the editor
 * keeps what the user typed. */
static void
test_preset_name_rejected (Fixture       *f,
                           gconstpointer  data)
{
  GtkWidget *page;
  GtkWidget *name;
  g_autoptr(GBytes) refused = NULL;
  g_autoptr(StevePreset) before = steve_sim_dup_preset (f->sim, 1);

  steve_window_show_page (f->window, "presets");
  page = steve_gui_find_widget (GTK_WIDGET (f->window), is_presets_page, NULL);
  g_assert_nonnull (page);
  g_assert_true (steve_test_wait_for (presets_loaded, page, WAIT_MS));

  name = steve_gui_find_named (page, "slot-1-name");
  g_assert_nonnull (name);
  gtk_editable_set_text (GTK_EDITABLE (name), "Gentle");

  /* this device stores shorter names than the client allows: it gets a
   * 16-character name, and refuses it */
  refused = post_request ("/api/v1/presets", "{\"index\":1,\"name\":\"gentle and slow1\",\"viscous\":0.03}");
  relay_set_rule (f->relay, "POST /api/v1/presets ", refused, FALSE);

  dismiss_toasts (f->window);
  g_assert_true (gtk_widget_activate_action (page, "presets.save", "u", 1));
  answer_dialog ("accept");

  g_assert_true (shows_text ("Slot 1 could not be saved: The preset name is not accepted by the device (at most 15 characters)."));
  assert_device_answered (400, "invalid_name");

  /* nothing the user typed is lost, and the slot is unchanged */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name)), ==, "Gentle");
  {
    g_autoptr(StevePreset) after = steve_sim_dup_preset (f->sim, 1);

    g_assert_cmpstr (after->name, ==, before->name);
  }
  steve_window_show_page (f->window, "tune");
}

/* ================================================================== typing */

typedef struct
{
  char *text;
  char *what;
} Typed;

static void
typed_clear (Typed *t)
{
  g_free (t->text);
  g_free (t->what);
}

static GArray *
invalid_texts (SteveField field)
{
  const SteveFieldInfo *info = steve_field_info (field);
  GArray *texts = g_array_new (FALSE, FALSE, sizeof (Typed));
  double step = pow (10.0, -(double) info->decimals);
  Typed t;
  char *comma;

  g_array_set_clear_func (texts, (GDestroyNotify) typed_clear);

#define ADD(text_, what_) G_STMT_START { t.text = (text_); t.what = g_strdup (what_); g_array_append_val (texts, t); } G_STMT_END
  ADD (format_field (field, info->hard_min - 1.0), "below hard_min");
  ADD (format_field (field, info->hard_max + step), "one wire step above hard_max");
  ADD (format_field (field, info->hard_max + 1.0), "above hard_max");
  if (info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE)
    {
      ADD (format_field (field, info->hard_min), "exactly the exclusive minimum");
      ADD (g_strdup_printf ("%.*f", (int) info->decimals + 2, info->hard_min + step * 0.4), "rounds to the exclusive minimum");
    }
  ADD (g_strdup ("nan"), "NaN");
  ADD (g_strdup ("inf"), "infinity");
  ADD (g_strdup ("-inf"), "minus infinity");
  ADD (g_strdup (""), "empty");
  ADD (g_strdup ("abc"), "not a number");
  ADD (g_strdup ("12abc"), "a number and text");
  comma = format_field (field, info->recommended_min);
  g_strdelimit (comma, ".", ',');
  ADD (comma, "decimal comma");
  ADD (g_strnfill (500, '9'), "500 digits");
  ADD (g_strnfill (300, 'x'), "300 letters");
  ADD (g_strdup ("1e999"), "overflows a double");
#undef ADD
  return texts;
}

/* A valid value, different from @current, that needs no confirmation. */
static double
valid_value (SteveField field,
             double     current)
{
  const SteveFieldInfo *info = steve_field_info (field);
  double v;

  switch (field)
    {
    case STEVE_FIELD_CLOSED_POS: v = -5.0; break;
    case STEVE_FIELD_OPEN_POS: v = 100.0; break;
    case STEVE_FIELD_DEGREES_PER_TURN: v = 180.0; break;
    default: v = (info->recommended_min + info->recommended_max) / 2; break;
    }
  if (steve_field_round (field, v) == steve_field_round (field, current))
    v = info->recommended_min;
  return steve_field_round (field, v);
}

static void
test_invalid_typing (Fixture       *f,
                     gconstpointer  data)
{
  SteveDialect dialect = GPOINTER_TO_INT (data);
  SteveTuner *tuner = steve_window_get_tuner (f->window);
  guint rows = 0, typed = 0;

  for (guint field = 0; field < STEVE_N_FIELDS; field++)
    {
      const SteveFieldInfo *info = steve_field_info (field);
      g_autoptr(GArray) texts = NULL;
      double kept;
      g_autofree char *kept_text = NULL;
      guint posts;

      if (row_for (field) == NULL)
        continue;
      rows++;
      /* on a documented-dialect device: the rows whose keys differ */
      if (dialect == STEVE_DIALECT_DOCUMENTED &&
          g_strcmp0 (info->key_firmware, info->key_documented) == 0)
        continue;

      texts = invalid_texts (field);
      kept = steve_tuner_get_value (tuner, field);
      kept_text = format_field (field, kept);
      posts = count_posts (NULL);

      for (guint i = 0; i < texts->len; i++)
        {
          const Typed *t = &g_array_index (texts, Typed, i);
          g_autofree char *expected = NULL;
          g_autofree char *stripped = g_strstrip (g_strdup (t->text));
          g_autoptr(GError) error = NULL;
          char *end = NULL;
          double v = g_ascii_strtod (stripped, &end);

          g_test_message ("%s: typing “%.20s%s” (%s)", info->key_documented, t->text,
                          strlen (t->text) > 20 ? "…" : "", t->what);

          /* what the row must say */
          if (stripped[0] == '\0')
            expected = g_strdup_printf ("%s: enter a number.", info->label);
          else if (end == stripped || *end != '\0')
            {
              gboolean long_text = g_utf8_strlen (stripped, -1) > 24;
              g_autofree char *head = long_text ? g_utf8_substring (stripped, 0, 24) : g_strdup (stripped);

              expected = g_strdup_printf ("%s: “%s%s” is not a number.", info->label, head,
                                          long_text ? "…" : "");
            }
          else if (!steve_field_check_value (field, v, &error))
            expected = g_strdup (error->message);
          else
            {
              /* inside the hard limits, outside what the spin button offers */
              GtkAdjustment *adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (steve_field_row_get_spin (row_for (field))));
              g_autofree char *lo = format_field (field, gtk_adjustment_get_lower (adj));
              g_autofree char *hi = format_field (field, gtk_adjustment_get_upper (adj));
              const char *sep = info->unit[0] ? " " : "";

              expected = g_strdup_printf ("%s must be between %s%s%s and %s%s%s.", info->label,
                                          lo, sep, info->unit, hi, sep, info->unit);
            }

          dismiss_toasts (f->window);
          type_into (field, t->text);

          if (!shows_text (expected))
            g_error ("%s: typing “%s” (%s) showed no “%s”", info->key_documented, t->text, t->what, expected);

          /* the value stays what it was, and the row shows it */
          g_assert_cmpfloat (steve_tuner_get_value (tuner, field), ==, kept);
          g_assert_false (steve_tuner_is_dirty (tuner, field));
          g_assert_cmpstr (spin_text (field), ==, kept_text);
          typed++;
        }

      steve_test_sleep_ms (50);
      g_assert_cmpuint (count_posts (NULL), ==, posts);

      /* a valid edit still goes through */
      {
        double v = valid_value (field, kept);
        g_autofree char *text = format_field (field, v);

        type_into (field, text);
        if (!wait_sim_value (field, v))
          g_error ("%s: the valid value %s did not reach the device", info->key_documented, text);
        g_assert_cmpuint (count_posts (NULL), ==, posts + 1);
        g_assert_cmpstr (spin_text (field), ==, text);
      }
    }

  /* end stops that would cross are refused with a message too */
  {
    double open = steve_tuner_get_value (tuner, STEVE_FIELD_OPEN_POS);
    double closed = steve_tuner_get_value (tuner, STEVE_FIELD_CLOSED_POS);
    g_autofree char *text = format_field (STEVE_FIELD_CLOSED_POS, open + 5);
    g_autofree char *closed_text = format_field (STEVE_FIELD_CLOSED_POS, closed);
    g_autofree char *expected = g_strdup_printf ("The closed position (%.2f°) must be below the open position (%.2f°).",
                                                 open + 5, open);
    guint posts = count_posts (NULL);

    dismiss_toasts (f->window);
    type_into (STEVE_FIELD_CLOSED_POS, text);
    g_assert_true (shows_text (expected));
    g_assert_cmpfloat (steve_tuner_get_value (tuner, STEVE_FIELD_CLOSED_POS), ==, closed);
    g_assert_cmpstr (spin_text (STEVE_FIELD_CLOSED_POS), ==, closed_text);
    steve_test_sleep_ms (50);
    g_assert_cmpuint (count_posts (NULL), ==, posts);
  }

  g_test_message ("%u rows, %u invalid texts typed, %u values checked in the request log",
                  rows, typed, assert_requests_within_limits ());
  g_assert_cmpuint (rows, ==, dialect == STEVE_DIALECT_DOCUMENTED ? 9 : 8);
}

int
main (int   argc,
      char *argv[])
{
  steve_gui_test_init (&argc, &argv);

#define ADD(path, func, dialect) \
  steve_test_add (path, Fixture, GINT_TO_POINTER (dialect), fixture_setup, func, fixture_teardown)
  ADD ("/bad-input-gui/device-error/value-rejected", test_device_rejects_value, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/device-error/auth-refused", test_auth_refused, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/device-error/connect-stored", test_connect_stored, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/device-error/value-past-limits", test_device_value_past_limits, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/device-error/start-in-wrong-state", test_start_in_wrong_state, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/device-error/preset-name-rejected", test_preset_name_rejected, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/device-error/close-while-running", test_close_while_running, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/typing/firmware", test_invalid_typing, STEVE_DIALECT_FIRMWARE);
  ADD ("/bad-input-gui/typing/documented", test_invalid_typing, STEVE_DIALECT_DOCUMENTED);
#undef ADD

  return g_test_run ();
}
