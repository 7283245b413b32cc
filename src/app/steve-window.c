/* steve-window.c — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Owns one session at a time: the client, the streamer, the tuner and, for
 * "Try the simulated device", an in-process simulator. Everything here runs
 * in the main thread: the streamer hands its batches over through its
 * "samples" signal, and the client completes its requests here.
 *
 * Safety: the e-stop action is enabled whenever a client exists (also while
 * reconnecting), bound to Esc in the capture phase so no focused widget can
 * swallow it, and its button is always in the header bar. Losing the
 * telemetry while the valve runs raises a banner with the e-stop, and
 * closing the window while the valve runs asks first.
 */
#define G_LOG_DOMAIN "steve-window"

#include "config.h"

#include "steve-app-resources.h"

#include <string.h>

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "steve-error.h"
#include "steve-field-row.h"
#include "steve-tuner-panel.h"
#include "steve-window.h"
#include "steve-window-private.h"

#define POLL_INTERVAL_MS  500
#define MAX_RECENT        6

static const SecretSchema api_key_schema = {
  "io.github.stevetuner.SteveTuner.ApiKey", SECRET_SCHEMA_NONE,
  {
    { "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "port", SECRET_SCHEMA_ATTRIBUTE_INTEGER },
    { NULL, 0 },
  },
};

G_DEFINE_FINAL_TYPE (SteveWindow, steve_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_LIVE_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_actions (SteveWindow *self);
static void update_banner (SteveWindow *self);

/* ------------------------------------------------------------------ helpers */

void
steve_window_show_toast (SteveWindow *self,
                         const char  *message)
{
  AdwToast *toast;

  g_return_if_fail (STEVE_IS_WINDOW (self));

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  g_set_weak_pointer (&self->last_toast, toast);
  self->last_toast_shown_us = g_get_monotonic_time ();
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static gboolean
is_connected (SteveWindow *self)
{
  return self->client != NULL && steve_client_get_state (self->client) == STEVE_CLIENT_CONNECTED;
}

/**
 * steve_window_get_valve_state:
 *
 * Returns: the valve state as last heard from the device
 */
SteveValveState
steve_window_get_valve_state (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), STEVE_VALVE_STATE_UNKNOWN);

  return self->valve_state;
}

/**
 * steve_window_has_session:
 *
 * Returns: whether a session is under way or being set up (connected,
 *   reconnecting, connecting or waiting for the keyring)
 */
gboolean
steve_window_has_session (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), FALSE);

  return self->client != NULL || self->connecting;
}

gboolean
steve_window_is_connected (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), FALSE);
  return is_connected (self);
}

static void
set_valve_state (SteveWindow     *self,
                 SteveValveState  state)
{
  if (self->valve_state == state)
    return;

  self->valve_state = state;
  steve_tuner_panel_set_valve_state (self->tuner_panel, state);
  update_actions (self);
  update_banner (self);
}

/* ------------------------------------------------------------------ header and banner */

static void
update_title (SteveWindow *self)
{
  g_autofree char *title = NULL;
  const char *state;

  if (self->client == NULL)
    return;

  if (self->sim != NULL)
    title = g_strdup (_("Simulated Device"));
  else
    title = g_strdup_printf ("%s:%u", self->host, self->port);

  state = steve_client_state_to_string (steve_client_get_state (self->client));
  adw_window_title_set_title (self->device_title, title);
  gtk_widget_set_visible (self->quirk_label, steve_client_get_dialect (self->client) == STEVE_DIALECT_FIRMWARE);

  if (steve_client_get_dialect (self->client) == STEVE_DIALECT_DOCUMENTED)
    {
      g_autofree char *subtitle = g_strdup_printf (_("%s · documented API"), state);
      adw_window_title_set_subtitle (self->device_title, subtitle);
    }
  else
    adw_window_title_set_subtitle (self->device_title, state);
}

static void
update_health (SteveWindow *self)
{
  SteveStreamerStats stats;
  g_autofree char *text = NULL;

  if (self->streamer == NULL)
    {
      gtk_label_set_text (self->health_label, "");
      return;
    }

  steve_streamer_get_stats (self->streamer, &stats);

  if (steve_streamer_get_state (self->streamer) != STEVE_STREAMER_STREAMING)
    text = g_strdup (steve_streamer_state_to_string (steve_streamer_get_state (self->streamer)));
  else if (stats.clock_valid)
    /* Translators: link health, e.g. “100 Hz · RTT 0.4 ms · 0 gaps” */
    text = g_strdup_printf (_("%.0f Hz · RTT %.1f ms · %llu gaps"),
                            stats.rate_hz, stats.rtt_ms, (unsigned long long) (stats.gaps + stats.reconnect_gaps));
  else
    text = g_strdup_printf (_("%.0f Hz · %llu gaps"),
                            stats.rate_hz, (unsigned long long) (stats.gaps + stats.reconnect_gaps));

  gtk_label_set_text (self->health_label, text);
}

static void
show_banner (SteveWindow *self,
             const char  *text,
             gboolean     danger)
{
  gtk_label_set_text (self->banner_label, text);
  gtk_widget_set_visible (self->banner_button, danger);
  if (danger)
    {
      gtk_widget_add_css_class (self->banner, "error");
      gtk_widget_remove_css_class (self->banner, "warning");
    }
  else
    {
      gtk_widget_add_css_class (self->banner, "warning");
      gtk_widget_remove_css_class (self->banner, "error");
    }
  gtk_revealer_set_reveal_child (self->banner_revealer, TRUE);
}

/* The banner says the worst thing that is true right now. */
static void
update_banner (SteveWindow *self)
{
  SteveClientState state;
  gboolean stream_lost;

  if (self->client == NULL)
    {
      gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
      return;
    }

  /* a failed e-stop stays in view until one gets through */
  if (self->estop_failure != NULL)
    {
      show_banner (self, self->estop_failure, TRUE);
      return;
    }

  state = steve_client_get_state (self->client);
  stream_lost = self->streamer != NULL &&
                steve_streamer_get_state (self->streamer) != STEVE_STREAMER_STREAMING &&
                self->stream_was_up;

  if (self->valve_state == STEVE_VALVE_STATE_RUNNING && (stream_lost || state == STEVE_CLIENT_RECONNECTING))
    show_banner (self, _("Telemetry lost while the valve is running: the motor may still be applying torque. "
                         "Press Esc or the button for an emergency stop."), TRUE);
  else if (state == STEVE_CLIENT_RECONNECTING)
    {
      g_autofree char *text = g_strdup_printf (_("The device stopped answering (%s). Reconnecting…"),
                                               steve_client_get_last_error (self->client)
                                                 ? steve_client_get_last_error (self->client)->message
                                                 : _("no answer"));
      show_banner (self, text, FALSE);
    }
  else if (state == STEVE_CLIENT_AUTH_FAILED)
    show_banner (self, _("The device refused the API key. Disconnect and connect again with the right key."), FALSE);
  else if (stream_lost)
    show_banner (self, _("Telemetry interrupted. Reconnecting the stream…"), FALSE);
  else
    gtk_revealer_set_reveal_child (self->banner_revealer, FALSE);
}

/* ------------------------------------------------------------------ actions state */

static void
update_actions (SteveWindow *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean connected = is_connected (self);
  gboolean running = self->valve_state == STEVE_VALVE_STATE_RUNNING;

  gtk_widget_action_set_enabled (w, "win.estop", self->client != NULL);
  gtk_widget_action_set_enabled (w, "win.disconnect", self->client != NULL);
  gtk_widget_action_set_enabled (w, "win.connect", self->client == NULL && !self->connecting);
  gtk_widget_action_set_enabled (w, "win.connect-simulated", self->client == NULL && !self->connecting);

  gtk_widget_action_set_enabled (w, "valve.start", connected && !running);
  gtk_widget_action_set_enabled (w, "valve.stop", connected &&
                                 (running || self->valve_state == STEVE_VALVE_STATE_ERROR));
  gtk_widget_action_set_enabled (w, "motor.enable", connected && !running);
  gtk_widget_action_set_enabled (w, "motor.disable", connected && !running);
  gtk_widget_action_set_enabled (w, "motor.calibrate", connected && !running);
  gtk_widget_action_set_enabled (w, "motor.clear", connected);

  gtk_widget_action_set_enabled (w, "tuner.undo", connected && self->tuner && steve_tuner_can_undo (self->tuner));
  gtk_widget_action_set_enabled (w, "tuner.redo", connected && self->tuner && steve_tuner_can_redo (self->tuner));
  gtk_widget_action_set_enabled (w, "tuner.revert-all", self->tuner && steve_tuner_get_dirty (self->tuner));
  gtk_widget_action_set_enabled (w, "tuner.apply", connected && self->tuner && steve_tuner_get_unsent (self->tuner));
  gtk_widget_action_set_enabled (w, "tuner.live", self->tuner != NULL);
  steve_window_recording_update_actions (self);
}

void
steve_window_update_actions (SteveWindow *self)
{
  update_actions (self);
}

/* ------------------------------------------------------------------ polling */

static void
status_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(SteveStatus) status = steve_client_get_status_finish (STEVE_CLIENT (source), result, NULL);

  self->status_pending = FALSE;
  if (status == NULL || self->client != STEVE_CLIENT (source))
    return;

  /* the stream is fresher while it flows; this covers the rest */
  if ((status->present & STEVE_STATUS_STATE) &&
      (self->streamer == NULL || steve_streamer_get_state (self->streamer) != STEVE_STREAMER_STREAMING))
    set_valve_state (self, status->state);
}

static void
odrive_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(SteveOdriveStatus) odrive = steve_client_get_odrive_finish (STEVE_CLIENT (source), result, NULL);

  self->odrive_pending = FALSE;
  /* a failed read of this panel is not a lost device: keep the last */
  if (odrive == NULL || self->client != STEVE_CLIENT (source))
    return;

  self->odrive = *odrive;
  steve_tuner_panel_set_odrive (self->tuner_panel, odrive);
}

static gboolean
poll_cb (gpointer data)
{
  SteveWindow *self = data;

  update_health (self);

  if (!is_connected (self))
    return G_SOURCE_CONTINUE;

  if (!self->status_pending)
    {
      self->status_pending = TRUE;
      steve_client_get_status_async (self->client, self->cancellable, status_done, g_object_ref (self));
    }
  if (!self->odrive_pending && gtk_widget_get_mapped (GTK_WIDGET (self->tuner_panel)))
    {
      self->odrive_pending = TRUE;
      steve_client_get_odrive_async (self->client, self->cancellable, odrive_done, g_object_ref (self));
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ session signals */

static void
on_client_state (SteveClient *client,
                 GParamSpec  *pspec,
                 SteveWindow *self)
{
  update_title (self);
  update_actions (self);
  update_banner (self);
}

static void
on_connection_restored (SteveClient *client,
                        SteveWindow *self)
{
  steve_window_show_toast (self, _("Connection restored"));
}

static void
on_stream_samples (SteveStreamer *streamer,
                   GArray        *batch,
                   SteveWindow   *self)
{
  const SteveSample *last;

  if (batch->len == 0)
    return;

  steve_window_plots_append (self, batch);

  last = &g_array_index (batch, SteveSample, batch->len - 1);
  if (last->present & STEVE_SAMPLE_STATUS)
    set_valve_state (self, (SteveValveState) last->status);
}

static void
on_streamer_state (SteveStreamer *streamer,
                   GParamSpec    *pspec,
                   SteveWindow   *self)
{
  if (steve_streamer_get_state (streamer) == STEVE_STREAMER_STREAMING)
    self->stream_was_up = TRUE;
  update_banner (self);
  update_health (self);
}

static void
on_tuner_applied (SteveTuner        *tuner,
                  const SteveConfig *before,
                  const SteveConfig *after,
                  SteveWindow       *self)
{
  steve_window_plots_config_applied (self, before, after);
  steve_window_recording_config_applied (self, before, after);
}

static void
on_tuner_error (SteveTuner   *tuner,
                const GError *error,
                SteveWindow  *self)
{
  steve_window_show_toast (self, error->message);
}

static void
on_tuner_state (GObject     *object,
                GParamSpec  *pspec,
                SteveWindow *self)
{
  update_actions (self);
}

static void
on_row_error (SteveTunerPanel *panel,
              const char      *message,
              SteveWindow     *self)
{
  steve_window_show_toast (self, message);
}

/* ------------------------------------------------------------------ recent devices and keys */

static void rebuild_recent (SteveWindow *self);

static void
remember_device (SteveWindow *self)
{
  g_auto(GStrv) old = g_settings_get_strv (self->settings, "recent-devices");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *entry = g_strdup_printf ("%s:%u", self->host, self->port);
  g_auto(GStrv) list = NULL;
  guint n = 1;

  g_strv_builder_add (builder, entry);
  for (guint i = 0; old[i] && n < MAX_RECENT; i++)
    if (!g_str_equal (old[i], entry))
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }

  list = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-devices", (const char * const *) list);
}

static void
key_stored (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = g_strdup_printf (_("The API key could not be kept in the keyring: %s"), error->message);
      steve_window_show_toast (self, text);
    }
}

static void
store_key (SteveWindow *self)
{
  g_autofree char *label = NULL;

  if (self->sim != NULL || self->api_key == NULL || g_str_equal (self->api_key, STEVE_DEFAULT_API_KEY))
    return;

  label = g_strdup_printf (_("STEVE valve API key for %s:%u"), self->host, self->port);
  secret_password_store (&api_key_schema, SECRET_COLLECTION_DEFAULT, label, self->api_key,
                         NULL, key_stored, g_object_ref (self),
                         "host", self->host, "port", (int) self->port, NULL);
}

static void connect_action (GtkWidget  *widget,
                            const char *action,
                            GVariant   *param);

/* A keyring lookup for the start page; with @connect, the connection it
 * is for. */
typedef struct
{
  SteveWindow *window;
  gboolean     connect;
} KeyLookup;

static void
key_lookup_free (KeyLookup *lookup)
{
  g_object_unref (lookup->window);
  g_free (lookup);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KeyLookup, key_lookup_free)

static void
key_found (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(KeyLookup) lookup = user_data;
  SteveWindow *self = lookup->window;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = secret_password_lookup_finish (result, &error);

  /* overtaken by another lookup or connection, a disconnect or the
   * window closing */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->disposing)
    return;

  g_clear_object (&self->key_lookup);
  if (key != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->key_row), key);
  else if (error != NULL)
    g_debug ("no API key from the keyring: %s", error->message);

  if (lookup->connect)
    {
      /* as the start page's Connect button does */
      self->connecting = FALSE;
      connect_action (GTK_WIDGET (self), NULL, NULL);
    }
}

/* The start page filled in for @host:@port, with the key the keyring
 * holds for it; with @connect, then connected. */
static void
look_up_device (SteveWindow *self,
                const char  *host,
                guint        port,
                gboolean     connect)
{
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  KeyLookup *lookup = g_new0 (KeyLookup, 1);

  gtk_editable_set_text (GTK_EDITABLE (self->host_row), host);
  gtk_editable_set_text (GTK_EDITABLE (self->port_row), port_text);
  gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");

  g_cancellable_cancel (self->key_lookup);
  g_clear_object (&self->key_lookup);
  self->key_lookup = g_cancellable_new ();
  /* a connection waiting for its key is under way (see has_session()) */
  if (self->client == NULL)
    {
      self->connecting = connect;
      update_actions (self);
    }

  lookup->window = g_object_ref (self);
  lookup->connect = connect;
  secret_password_lookup (&api_key_schema, self->key_lookup, key_found, lookup,
                          "host", host, "port", (int) port, NULL);
}

static void
on_recent_activated (AdwActionRow *row,
                     SteveWindow  *self)
{
  const char *entry = g_object_get_data (G_OBJECT (row), "device");
  const char *colon = strrchr (entry, ':');
  g_autofree char *host = g_strndup (entry, (gsize) (colon - entry));

  look_up_device (self, host, (guint) g_ascii_strtoull (colon + 1, NULL, 10), FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->key_row));
}

static void
on_recent_forget (GtkButton   *button,
                  SteveWindow *self)
{
  const char *entry = g_object_get_data (G_OBJECT (button), "device");
  g_auto(GStrv) old = g_settings_get_strv (self->settings, "recent-devices");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; old[i]; i++)
    if (!g_str_equal (old[i], entry))
      g_strv_builder_add (builder, old[i]);
  list = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "recent-devices", (const char * const *) list);
}

static void
rebuild_recent (SteveWindow *self)
{
  g_auto(GStrv) devices = g_settings_get_strv (self->settings, "recent-devices");
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (self->recent_list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->recent_list), child);

  for (guint i = 0; devices[i]; i++)
    {
      GtkWidget *row, *forget;

      if (strrchr (devices[i], ':') == NULL)
        continue;

      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), devices[i]);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "device", g_strdup (devices[i]), g_free);
      g_signal_connect (row, "activated", G_CALLBACK (on_recent_activated), self);

      forget = gtk_button_new_from_icon_name ("user-trash-symbolic");
      gtk_widget_add_css_class (forget, "flat");
      gtk_widget_set_valign (forget, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (forget, _("Forget this device"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (forget), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Forget this device"), -1);
      g_object_set_data_full (G_OBJECT (forget), "device", g_strdup (devices[i]), g_free);
      g_signal_connect (forget, "clicked", G_CALLBACK (on_recent_forget), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), forget);

      gtk_list_box_append (GTK_LIST_BOX (self->recent_list), row);
      n++;
    }

  gtk_widget_set_visible (self->recent_group, n > 0);
}

/* ------------------------------------------------------------------ session */

static void
end_session (SteveWindow *self)
{
  /* first, while the streamer still feeds them: what was recorded is
   * saved, and a running sweep stops (and saves what it recorded) */
  steve_window_recording_session_ending (self);
  steve_sweep_page_set_session (self->sweep_page, NULL, NULL, NULL);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  /* a disconnect still waiting for a sweep, and a connection still
   * waiting for its key from the keyring, are overtaken */
  g_clear_handle_id (&self->disconnect_wait_id, g_source_remove);
  g_cancellable_cancel (self->key_lookup);
  g_clear_object (&self->key_lookup);

  steve_window_plots_detach (self);

  if (self->streamer)
    {
      steve_streamer_stop (self->streamer);
      g_signal_handlers_disconnect_by_data (self->streamer, self);
      g_clear_object (&self->streamer);
    }

  steve_presets_page_set_session (self->presets_page, NULL, NULL);
  steve_diagnostics_page_set_session (self->diagnostics_page, NULL, NULL);
  steve_tuner_panel_set_tuner (self->tuner_panel, NULL, STEVE_DIALECT_UNKNOWN);
  if (self->tuner)
    {
      g_signal_handlers_disconnect_by_data (self->tuner, self);
      g_clear_object (&self->tuner);
    }

  if (self->client)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      steve_client_disconnect (self->client);
      g_clear_object (&self->client);
    }

  if (self->sim)
    {
      steve_sim_stop (self->sim);
      g_clear_object (&self->sim);
    }

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->api_key, g_free);
  self->connecting = FALSE;
  self->valve_state = STEVE_VALVE_STATE_UNKNOWN;
  self->stream_was_up = FALSE;
  g_clear_pointer (&self->estop_failure, g_free);
  self->status_pending = self->odrive_pending = FALSE;
  memset (&self->odrive, 0, sizeof self->odrive);
}

static void
start_session (SteveWindow *self)
{
  guint interval = g_settings_get_uint (self->settings, "stream-interval");
  guint stream_port = self->sim ? steve_sim_get_stream_port (self->sim) : STEVE_DEFAULT_STREAM_PORT;

  self->tuner = steve_tuner_new (self->client);
  steve_tuner_set_mode (self->tuner, self->live_mode ? STEVE_TUNER_MODE_LIVE : STEVE_TUNER_MODE_APPLY);
  g_signal_connect (self->tuner, "applied", G_CALLBACK (on_tuner_applied), self);
  g_signal_connect (self->tuner, "error", G_CALLBACK (on_tuner_error), self);
  g_signal_connect (self->tuner, "notify::dirty", G_CALLBACK (on_tuner_state), self);
  g_signal_connect (self->tuner, "notify::can-undo", G_CALLBACK (on_tuner_state), self);
  g_signal_connect (self->tuner, "notify::can-redo", G_CALLBACK (on_tuner_state), self);
  g_signal_connect (self->tuner, "notify::mode", G_CALLBACK (on_tuner_state), self);
  steve_tuner_panel_set_tuner (self->tuner_panel, self->tuner, steve_client_get_dialect (self->client));
  steve_tuner_panel_set_valve_state (self->tuner_panel, STEVE_VALVE_STATE_UNKNOWN);
  steve_tuner_panel_set_odrive (self->tuner_panel, NULL);

  self->streamer = steve_streamer_new (self->client, self->host, stream_port, interval);
  g_signal_connect (self->streamer, "samples", G_CALLBACK (on_stream_samples), self);
  g_signal_connect (self->streamer, "notify::state", G_CALLBACK (on_streamer_state), self);
  steve_window_plots_attach (self);
  steve_presets_page_set_session (self->presets_page, self->client, self->tuner);
  steve_sweep_page_set_session (self->sweep_page, self->client, self->streamer, self->tuner);
  steve_diagnostics_page_set_session (self->diagnostics_page, self->client, self->streamer);
  steve_streamer_start (self->streamer);

  self->poll_id = g_timeout_add (POLL_INTERVAL_MS, poll_cb, self);
  poll_cb (self);

  update_title (self);
  gtk_stack_set_visible_child_name (self->stack, "device");
  update_actions (self);
  update_banner (self);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  SteveClient *client = STEVE_CLIENT (source);

  if (!steve_client_connect_finish (client, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->client != client)
        return;

      if (g_error_matches (error, STEVE_ERROR, STEVE_ERROR_AUTH))
        gtk_widget_add_css_class (GTK_WIDGET (self->key_row), "error");
      steve_window_show_toast (self, error->message);
      end_session (self);
      update_actions (self);
      return;
    }

  if (self->client != client)
    return;

  self->connecting = FALSE;
  gtk_widget_remove_css_class (GTK_WIDGET (self->key_row), "error");
  if (self->sim == NULL)
    {
      remember_device (self);
      store_key (self);
    }
  start_session (self);
}

static void
begin_connect (SteveWindow *self,
               const char  *host,
               guint        port,
               const char  *api_key)
{
  self->host = g_strdup (host);
  self->port = port;
  self->api_key = g_strdup (api_key && *api_key ? api_key : STEVE_DEFAULT_API_KEY);
  self->cancellable = g_cancellable_new ();
  self->connecting = TRUE;

  self->client = steve_client_new (host, port, self->api_key);
  g_signal_connect (self->client, "notify::state", G_CALLBACK (on_client_state), self);
  g_signal_connect (self->client, "notify::dialect", G_CALLBACK (on_client_state), self);
  g_signal_connect (self->client, "connection-restored", G_CALLBACK (on_connection_restored), self);
  update_actions (self);

  steve_client_connect_async (self->client, self->cancellable, connected_cb, g_object_ref (self));
}

/**
 * steve_window_connect:
 * @api_key: (nullable): the key; %NULL or empty means the firmware's default
 */
void
steve_window_connect (SteveWindow *self,
                      const char  *host,
                      guint        port,
                      const char  *api_key)
{
  g_return_if_fail (STEVE_IS_WINDOW (self));
  g_return_if_fail (host != NULL);

  end_session (self);
  begin_connect (self, host, port, api_key);
}

/**
 * steve_window_connect_stored:
 *
 * Connects to @host:@port with the API key the keyring holds for it (the
 * firmware's default when it holds none), as if chosen on the start page.
 */
void
steve_window_connect_stored (SteveWindow *self,
                             const char  *host,
                             guint        port)
{
  g_return_if_fail (STEVE_IS_WINDOW (self));
  g_return_if_fail (host != NULL);

  look_up_device (self, host, port, TRUE);
}

/**
 * steve_window_connect_simulated:
 *
 * Starts the simulated device on free loopback ports and connects to it.
 */
void
steve_window_connect_simulated (SteveWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *state_file = NULL;
  g_autofree char *profile_name = NULL;
  SteveSimProfile profile = STEVE_SIM_PROFILE_SINE;

  g_return_if_fail (STEVE_IS_WINDOW (self));

  end_session (self);

  profile_name = g_settings_get_string (self->settings, "simulator-profile");
  steve_sim_profile_from_string (profile_name, &profile);
  state_file = g_build_filename (g_get_user_data_dir (), "steve-tuner", "simulator-presets.ini", NULL);

  self->sim = g_object_new (STEVE_TYPE_SIM,
                            "profile", profile,
                            "state-file", state_file,
                            NULL);
  if (!steve_sim_start (self->sim, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The simulated device could not start: %s"), error->message);
      steve_window_show_toast (self, text);
      g_clear_object (&self->sim);
      return;
    }

  begin_connect (self, "127.0.0.1", steve_sim_get_http_port (self->sim), NULL);
}

void
steve_window_disconnect (SteveWindow *self)
{
  g_return_if_fail (STEVE_IS_WINDOW (self));

  end_session (self);
  gtk_stack_set_visible_child_name (self->stack, "start");
  update_actions (self);
  update_banner (self);
}

/* ------------------------------------------------------------------ action handlers */

static void
connect_action (GtkWidget  *widget,
                const char *action,
                GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);
  const char *host = gtk_editable_get_text (GTK_EDITABLE (self->host_row));
  const char *port_text = gtk_editable_get_text (GTK_EDITABLE (self->port_row));
  g_autofree char *host_clean = g_strstrip (g_strdup (host));
  guint64 port = 0;

  if (host_clean[0] == '\0')
    {
      steve_window_show_toast (self, _("Enter the host name or address of the device."));
      gtk_widget_grab_focus (GTK_WIDGET (self->host_row));
      return;
    }

  if (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
    {
      steve_window_show_toast (self, _("The port must be a number from 1 to 65535."));
      gtk_widget_add_css_class (GTK_WIDGET (self->port_row), "error");
      gtk_widget_grab_focus (GTK_WIDGET (self->port_row));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->port_row), "error");

  steve_window_connect (self, host_clean, (guint) port, gtk_editable_get_text (GTK_EDITABLE (self->key_row)));
}

static void
connect_simulated_action (GtkWidget  *widget,
                          const char *action,
                          GVariant   *param)
{
  steve_window_connect_simulated (STEVE_WINDOW (widget));
}

/* A sweep restores the original settings when it stops, through the
 * client: the disconnect waits for that (at most a few seconds). */
#define SWEEP_RESTORE_WAIT_US (5 * G_USEC_PER_SEC)

static gboolean
disconnect_when_sweep_done (gpointer data)
{
  SteveWindow *self = data;

  if (steve_sweep_page_is_busy (self->sweep_page) &&
      g_get_monotonic_time () < self->disconnect_deadline_us)
    return G_SOURCE_CONTINUE;

  self->disconnect_wait_id = 0;
  steve_window_disconnect (self);
  return G_SOURCE_REMOVE;
}

static void
disconnect_action (GtkWidget  *widget,
                   const char *action,
                   GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);

  if (self->disconnect_wait_id != 0)
    return;

  if (steve_sweep_page_is_busy (self->sweep_page) && is_connected (self))
    {
      steve_sweep_page_abort (self->sweep_page);
      steve_window_show_toast (self, _("Stopping the sweep and restoring the original settings before disconnecting…"));
      self->disconnect_deadline_us = g_get_monotonic_time () + SWEEP_RESTORE_WAIT_US;
      self->disconnect_wait_id = g_timeout_add (100, disconnect_when_sweep_done, self);
      return;
    }

  steve_window_disconnect (self);
}

static void
estop_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean sent = steve_client_estop_finish (STEVE_CLIENT (source), result, &error);

  /* the window is going, or the answer is from a session that ended */
  if (self->disposing || self->client != STEVE_CLIENT (source))
    return;

  if (sent)
    {
      g_clear_pointer (&self->estop_failure, g_free);
      steve_window_show_toast (self, _("Emergency stop sent: the motor holds zero torque"));
    }
  else
    {
      g_free (self->estop_failure);
      self->estop_failure = g_strdup_printf (_("EMERGENCY STOP FAILED: %s"), error->message);
      steve_window_show_toast (self, self->estop_failure);
    }
  update_banner (self);
}

static void
estop_action (GtkWidget  *widget,
              const char *action,
              GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);

  if (self->client == NULL)
    {
      g_debug ("e-stop: no device connected");
      return;
    }

  g_debug ("e-stop: requested");
  steve_client_estop_async (self->client, NULL, estop_done, g_object_ref (self));
  /* after the e-stop: the client sends one request at a time, so the
   * e-stop is out before the sweep's restore of the settings */
  steve_sweep_page_abort (self->sweep_page);
}

static void
control_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  SteveControlReply reply;

  if (!steve_client_control_finish (STEVE_CLIENT (source), result, &reply, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        steve_window_show_toast (self, error->message);
      return;
    }

  set_valve_state (self, reply.mode);
}

static void
valve_action (GtkWidget  *widget,
              const char *action,
              GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);
  SteveControlAction what = g_str_equal (action, "valve.start") ? STEVE_CONTROL_START : STEVE_CONTROL_STOP;

  if (self->client == NULL)
    return;
  steve_client_control_async (self->client, what, -1, self->cancellable, control_done, g_object_ref (self));
}

static void
odrive_done_action (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!steve_client_odrive_action_finish (STEVE_CLIENT (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    steve_window_show_toast (self, error->message);

  poll_cb (self);
}

static void
motor_action (GtkWidget  *widget,
              const char *action,
              GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);
  SteveOdriveAction what;

  if (self->client == NULL)
    return;

  if (g_str_equal (action, "motor.enable"))
    what = STEVE_ODRIVE_ACTION_ENABLE;
  else if (g_str_equal (action, "motor.disable"))
    what = STEVE_ODRIVE_ACTION_DISABLE;
  else if (g_str_equal (action, "motor.calibrate"))
    what = STEVE_ODRIVE_ACTION_CALIBRATE;
  else
    what = STEVE_ODRIVE_ACTION_CLEAR;

  steve_client_odrive_action_async (self->client, what, 0, self->cancellable,
                                    odrive_done_action, g_object_ref (self));
}

static void
tuner_action (GtkWidget  *widget,
              const char *action,
              GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);

  if (self->tuner == NULL)
    return;

  if (g_str_equal (action, "tuner.undo"))
    steve_tuner_undo (self->tuner);
  else if (g_str_equal (action, "tuner.redo"))
    steve_tuner_redo (self->tuner);
  else if (g_str_equal (action, "tuner.apply"))
    steve_tuner_apply (self->tuner);
  else if (g_str_equal (action, "tuner.revert-all"))
    steve_tuner_revert_all (self->tuner);
}

/* ------------------------------------------------------------------ closing */

/* "Stop and Close" closes once the device has the stop; if it did not get
 * it, the window stays, with the reason, and the dialog asks again. */
static void
stop_then_close_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean stopped;

  if (g_async_result_is_tagged (result, steve_client_estop_async))
    stopped = steve_client_estop_finish (STEVE_CLIENT (source), result, &error);
  else
    stopped = steve_client_control_finish (STEVE_CLIENT (source), result, NULL, &error);

  self->closing_after_stop = FALSE;
  /* gone, or the session it was for ended (disconnected meanwhile): a
   * late answer closes nothing */
  if (self->disposing || self->client != STEVE_CLIENT (source))
    return;

  if (stopped)
    {
      self->quit_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
      return;
    }

  {
    g_autofree char *text = g_strdup_printf (_("The valve was not stopped, so the window stays open: %s"),
                                             error->message);

    steve_window_show_toast (self, text);
  }
}

static void
close_response (AdwMessageDialog *dialog,
                const char       *response,
                SteveWindow      *self)
{
  if (self->disposing)
    return;

  /* answered: a new close asks anew */
  g_clear_weak_pointer (&self->close_dialog);

  if (g_str_equal (response, "stop") && self->client == NULL)
    {
      /* the session ended while the dialog was open: nothing to stop */
      self->quit_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
  else if (g_str_equal (response, "stop"))
    {
      self->closing_after_stop = TRUE;
      /* the stop request is refused while the device is unreachable; the
       * e-stop still tries, on a connection of its own */
      if (is_connected (self))
        steve_client_control_async (self->client, STEVE_CONTROL_STOP, -1, NULL,
                                    stop_then_close_done, g_object_ref (self));
      else
        steve_client_estop_async (self->client, NULL, stop_then_close_done, g_object_ref (self));
    }
  else if (g_str_equal (response, "leave"))
    {
      self->quit_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

static gboolean
steve_window_close_request (GtkWindow *window)
{
  SteveWindow *self = STEVE_WINDOW (window);
  GtkWidget *dialog;

  /* "Stop and Close" is waiting for the device */
  if (self->closing_after_stop)
    return TRUE;

  /* asked already: the same question again */
  if (self->close_dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->close_dialog));
      return TRUE;
    }

  /* the valve was running when last heard of, also while the device is
   * out of reach */
  if (!self->quit_confirmed && self->client != NULL && self->valve_state == STEVE_VALVE_STATE_RUNNING)
    {
      gboolean reachable = is_connected (self);

      dialog = adw_message_dialog_new (window, _("Stop the Valve Before Closing?"),
                                       reachable
                                         ? _("The valve is running. If you close without stopping it, the device keeps applying the current feel.")
                                         : _("The valve was running when the device stopped answering. If you close without stopping it, "
                                             "it may keep applying the current feel. An emergency stop is tried on a connection of its own."));
      adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                        "cancel", _("_Cancel"),
                                        "leave", _("Close _Without Stopping"),
                                        "stop", reachable ? _("_Stop and Close") : _("_Emergency Stop and Close"),
                                        NULL);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "leave", ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop", ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "stop");
      adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
      /* the window's reference lives as long as the handler, however often
       * the dialog answers */
      g_signal_connect_data (dialog, "response", G_CALLBACK (close_response), g_object_ref (self),
                             (GClosureNotify) (void (*) (void)) g_object_unref, 0);
      g_set_weak_pointer (&self->close_dialog, dialog);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }

  /* save the geometry, then end the session before the window goes */
  {
    int width, height;

    gtk_window_get_default_size (window, &width, &height);
    g_settings_set_int (self->settings, "window-width", width);
    g_settings_set_int (self->settings, "window-height", height);
    g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  }
  end_session (self);

  return GTK_WINDOW_CLASS (steve_window_parent_class)->close_request (window);
}

/* ------------------------------------------------------------------ accessors */

void
steve_window_dismiss_toasts (SteveWindow *self)
{
  g_return_if_fail (STEVE_IS_WINDOW (self));

  /* libadwaita 1.2 crashes later when a toast is dismissed while it is
   * still sliding in: let it finish appearing first */
  while (self->last_toast != NULL && g_get_monotonic_time () - self->last_toast_shown_us < 500 * 1000)
    g_main_context_iteration (NULL, FALSE);

  if (self->last_toast)
    adw_toast_dismiss (self->last_toast);
}

SteveClient *
steve_window_get_client (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return self->client;
}

SteveStreamer *
steve_window_get_streamer (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return self->streamer;
}

SteveTuner *
steve_window_get_tuner (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return self->tuner;
}

SteveSim *
steve_window_get_simulator (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return self->sim;
}

GtkWidget *
steve_window_get_tuner_panel (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->tuner_panel);
}

/* ------------------------------------------------------------------ GObject */

SteveWindow *
steve_window_new (GtkApplication *application)
{
  return g_object_new (STEVE_TYPE_WINDOW, "application", application, NULL);
}

static void
apply_live_mode (SteveWindow *self)
{
  if (self->tuner)
    steve_tuner_set_mode (self->tuner, self->live_mode ? STEVE_TUNER_MODE_LIVE : STEVE_TUNER_MODE_APPLY);
  update_actions (self);
}

static void
steve_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SteveWindow *self = STEVE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LIVE_MODE: g_value_set_boolean (value, self->live_mode); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SteveWindow *self = STEVE_WINDOW (object);

  switch (prop_id)
    {
    case PROP_LIVE_MODE:
      if (self->live_mode != g_value_get_boolean (value))
        {
          self->live_mode = g_value_get_boolean (value);
          apply_live_mode (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
mode_get (GValue   *value,
          GVariant *variant,
          gpointer  user_data)
{
  g_value_set_boolean (value, g_strcmp0 (g_variant_get_string (variant, NULL), "live") == 0);
  return TRUE;
}

static GVariant *
mode_set (const GValue       *value,
          const GVariantType *type,
          gpointer            user_data)
{
  return g_variant_new_string (g_value_get_boolean (value) ? "live" : "apply");
}

static void
steve_window_constructed (GObject *object)
{
  SteveWindow *self = STEVE_WINDOW (object);

  G_OBJECT_CLASS (steve_window_parent_class)->constructed (object);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
steve_window_dispose (GObject *object)
{
  SteveWindow *self = STEVE_WINDOW (object);

  self->disposing = TRUE;
  end_session (self);
  steve_window_recording_dispose (self);
  steve_window_plots_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_WINDOW);
  g_clear_object (&self->settings);
  g_clear_weak_pointer (&self->last_toast);
  g_clear_weak_pointer (&self->close_dialog);

  G_OBJECT_CLASS (steve_window_parent_class)->dispose (object);
}

static void
steve_window_class_init (SteveWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  steve_app_ensure_resources ();

  object_class->constructed = steve_window_constructed;
  object_class->dispose = steve_window_dispose;
  object_class->get_property = steve_window_get_property;
  object_class->set_property = steve_window_set_property;
  window_class->close_request = steve_window_close_request;

  properties[PROP_LIVE_MODE] =
    g_param_spec_boolean ("live-mode", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (STEVE_TYPE_TUNER_PANEL);
  g_type_ensure (STEVE_TYPE_PRESETS_PAGE);
  g_type_ensure (STEVE_TYPE_SWEEP_PAGE);
  g_type_ensure (STEVE_TYPE_DIAGNOSTICS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, start_page);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, host_row);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, port_row);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, key_row);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, connect_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, simulate_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, recent_group);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, recent_list);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, device_title);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, estop_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, health_label);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, banner_revealer);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, banner_label);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, banner_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, plot_box);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, plot_stack);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, quirk_label);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, window_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, follow_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, time_view_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, model_view_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, tuner_panel);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, record_button);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, record_label);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, recording_revealer);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, recording_label);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, presets_page);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, sweep_page);
  gtk_widget_class_bind_template_child (widget_class, SteveWindow, diagnostics_page);

  gtk_widget_class_install_action (widget_class, "win.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "win.connect-simulated", NULL, connect_simulated_action);
  gtk_widget_class_install_action (widget_class, "win.disconnect", NULL, disconnect_action);
  gtk_widget_class_install_action (widget_class, "win.estop", NULL, estop_action);
  gtk_widget_class_install_action (widget_class, "valve.start", NULL, valve_action);
  gtk_widget_class_install_action (widget_class, "valve.stop", NULL, valve_action);
  gtk_widget_class_install_action (widget_class, "motor.enable", NULL, motor_action);
  gtk_widget_class_install_action (widget_class, "motor.disable", NULL, motor_action);
  gtk_widget_class_install_action (widget_class, "motor.calibrate", NULL, motor_action);
  gtk_widget_class_install_action (widget_class, "motor.clear", NULL, motor_action);
  gtk_widget_class_install_action (widget_class, "tuner.undo", NULL, tuner_action);
  gtk_widget_class_install_action (widget_class, "tuner.redo", NULL, tuner_action);
  gtk_widget_class_install_action (widget_class, "tuner.apply", NULL, tuner_action);
  gtk_widget_class_install_action (widget_class, "tuner.revert-all", NULL, tuner_action);
  gtk_widget_class_install_property_action (widget_class, "tuner.live", "live-mode");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "tuner.undo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "tuner.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "tuner.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "tuner.apply", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "valve.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK, "valve.stop", NULL);

  steve_window_plots_class_init (widget_class);
  steve_window_recording_class_init (widget_class);
}

static gboolean
estop_key (GtkWidget *widget,
           GVariant  *args,
           gpointer   user_data)
{
  gtk_widget_activate_action (widget, "win.estop", NULL);
  /* not "handled": Esc still reaches the focused widget */
  return FALSE;
}

/* The preference applies to the running stream too. */
static void
on_stream_interval_changed (GSettings   *settings,
                            const char  *key,
                            SteveWindow *self)
{
  if (self->streamer != NULL)
    steve_streamer_set_interval (self->streamer, g_settings_get_uint (settings, key));
}

static void
on_recent_changed (GSettings   *settings,
                   const char  *key,
                   SteveWindow *self)
{
  rebuild_recent (self);
}

static void
steve_window_init (SteveWindow *self)
{
  GtkEventController *controller;
  GtkShortcut *shortcut;

  self->settings = g_settings_new (APP_ID);
  self->valve_state = STEVE_VALVE_STATE_UNKNOWN;
  self->live_mode = TRUE;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self))),
                                    "/io/github/stevetuner/SteveTuner/icons");
  adw_status_page_set_icon_name (self->start_page, APP_ID);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->connect_button);

  /* Esc is the emergency stop wherever the focus is: a capture-phase
   * shortcut sees the key before any focused widget can take it. The key
   * then goes on, so that it still closes an open menu or popover. */
  controller = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  shortcut = gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                               gtk_callback_action_new (estop_key, NULL, NULL));
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
  gtk_widget_add_controller (GTK_WIDGET (self), controller);

  g_settings_bind_with_mapping (self->settings, "tuner-mode", self, "live-mode", G_SETTINGS_BIND_DEFAULT,
                                mode_get, mode_set, NULL, NULL);
  g_signal_connect_object (self->settings, "changed::recent-devices", G_CALLBACK (on_recent_changed), self, 0);
  g_signal_connect_object (self->settings, "changed::stream-interval", G_CALLBACK (on_stream_interval_changed), self, 0);
  g_signal_connect (self->tuner_panel, "show-error", G_CALLBACK (on_row_error), self);
  rebuild_recent (self);

  steve_window_plots_init (self);
  update_actions (self);
}
