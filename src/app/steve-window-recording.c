/* steve-window-recording.c — recording the session, reviewing recordings,
 * exporting the plots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recorder is fed by the streamer's worker thread (a raw sink), so a
 * recording never loses a sample to a busy UI; this file only starts and
 * stops it, forwards applied config changes and marks, and shows its
 * statistics. While it runs the recorder keeps an append-only journal under
 * the user's state directory; a journal left behind by a crash is offered
 * for saving the next time the app starts.
 */
#define G_LOG_DOMAIN "steve-window"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "steve-app-util.h"
#include "steve-chart.h"
#include "steve-plot-export.h"
#include "steve-recorder.h"
#include "steve-review-window.h"
#include "steve-window-private.h"

#define STATS_INTERVAL_MS 250

static const SteveFileType recording_types[] = {
  { N_("HDF5 recording"), "*.h5;*.hdf5" },
  { N_("CSV recording"), "*.csv" },
  { N_("JSON recording"), "*.json" },
};
static const SteveRecordingFormat recording_type_formats[] = {
  STEVE_RECORDING_FORMAT_HDF5,
  STEVE_RECORDING_FORMAT_CSV,
  STEVE_RECORDING_FORMAT_JSON,
};

/* The format comes from the file name; a name without a known extension
 * gets the one of the type chosen in the file chooser. FALSE if @file is
 * not a local file. */
static gboolean
resolve_recording_file (GFile                **file,
                        int                    type_index,
                        SteveRecordingFormat  *format)
{
  g_autofree char *path = g_file_get_path (*file);

  if (path == NULL)
    return FALSE;

  if (!steve_recording_format_from_path (path, format) || *format == STEVE_RECORDING_FORMAT_JOURNAL)
    {
      g_autofree char *with_ext = NULL;

      *format = type_index >= 0 && type_index < (int) G_N_ELEMENTS (recording_type_formats)
                  ? recording_type_formats[type_index] : STEVE_RECORDING_FORMAT_HDF5;
      with_ext = g_strconcat (path, steve_recording_format_extension (*format), NULL);
      g_object_unref (*file);
      *file = g_file_new_for_path (with_ext);
    }
  return TRUE;
}

/* Where journals live: one per running recording, removed once saved. */
char *
steve_window_dup_journal_dir (void)
{
  return steve_journal_dir ();
}

static void
update_recording_ui (SteveWindow *self)
{
  SteveRecorderStats stats = { 0 };
  g_autofree char *name = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *size = NULL;
  g_autofree char *text = NULL;
  gboolean recording = self->recording_state == STEVE_WINDOW_RECORDING;

  /* a save can finish after the window is gone */
  if (self->recording_revealer == NULL)
    return;

  gtk_revealer_set_reveal_child (self->recording_revealer, self->recording_state != STEVE_WINDOW_RECORDING_IDLE);

  if (recording)
    {
      gtk_widget_add_css_class (self->record_button, "recording");
      gtk_widget_set_tooltip_text (self->record_button, _("Stop recording and write the file (Ctrl+R)"));
    }
  else
    {
      gtk_widget_remove_css_class (self->record_button, "recording");
      gtk_widget_set_tooltip_text (self->record_button, _("Record the telemetry to a file (Ctrl+R)"));
      gtk_widget_set_visible (GTK_WIDGET (self->record_label), FALSE);
    }

  if (self->recording_state == STEVE_WINDOW_RECORDING_SAVING)
    {
      gtk_label_set_text (self->recording_label, _("Saving the recording…"));
      return;
    }
  if (!recording)
    return;

  steve_recorder_get_stats (self->recorder, &stats);
  name = g_file_get_basename (self->recording_file);
  duration = steve_format_duration (stats.duration_s);
  size = g_format_size (stats.journal_bytes);
  /* the header shows how long it has been recording */
  gtk_label_set_text (self->record_label, duration);
  gtk_widget_set_visible (GTK_WIDGET (self->record_label), TRUE);

  if (stats.journal_failed)
    /* Translators: recording bar when the crash-safety journal cannot be written */
    text = g_strdup_printf (_("Recording to %s — %s · %llu samples · %u gaps · crash journal not written (disk full or not writable)"),
                            name, duration, (unsigned long long) stats.samples, stats.gaps);
  else
    /* Translators: recording bar: file name — duration · samples · gaps · journal size */
    text = g_strdup_printf (_("Recording to %s — %s · %llu samples · %u gaps · %s"),
                            name, duration, (unsigned long long) stats.samples, stats.gaps, size);
  gtk_label_set_text (self->recording_label, text);
}

static gboolean
stats_tick (gpointer data)
{
  update_recording_ui (data);
  return G_SOURCE_CONTINUE;
}

static void
set_recording_state (SteveWindow              *self,
                     SteveWindowRecordingState state)
{
  self->recording_state = state;
  if (state == STEVE_WINDOW_RECORDING && self->recording_tick_id == 0)
    self->recording_tick_id = g_timeout_add (STATS_INTERVAL_MS, stats_tick, self);
  else if (state != STEVE_WINDOW_RECORDING)
    g_clear_handle_id (&self->recording_tick_id, g_source_remove);
  update_recording_ui (self);
  if (self->recording_revealer != NULL)
    steve_window_update_actions (self);
}

/* ------------------------------------------------------------------ start */

/**
 * steve_window_start_recording:
 * @file: where the recording is saved when it stops
 * @format: its format
 *
 * Starts recording the telemetry of the current session. The file is
 * written when the recording stops (steve_window_stop_recording(), the
 * record action, the end of the session); until then the journal keeps it
 * safe.
 */
gboolean
steve_window_start_recording (SteveWindow          *self,
                              GFile                *file,
                              SteveRecordingFormat  format,
                              GError              **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *journal = NULL;
  g_autofree char *host = NULL;
  SteveRecordingInfo info = { 0 };

  g_return_val_if_fail (STEVE_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->recording_state != STEVE_WINDOW_RECORDING_IDLE)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("A recording is already running."));
      return FALSE;
    }
  if (self->streamer == NULL || self->client == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                           _("Connect to a device before recording."));
      return FALSE;
    }
  if ((journal = steve_new_journal_path ("recording", error)) == NULL)
    return FALSE;

  host = g_strdup_printf ("%s:%u", steve_client_get_host (self->client), steve_client_get_port (self->client));
  info.device_host = host;
  info.device_port = steve_client_get_port (self->client);
  info.dialect = steve_client_get_dialect (self->client);
  info.interval_ms = steve_streamer_get_interval (self->streamer);
  info.start_time = now;
  info.config_at_start = *steve_client_get_device_config (self->client);

  if (self->recorder == NULL)
    self->recorder = steve_recorder_new ();
  if (!steve_recorder_start (self->recorder, self->streamer, &info, journal, error))
    return FALSE;

  g_set_object (&self->recording_file, file);
  self->recording_format = format;
  self->mark_count = 0;
  set_recording_state (self, STEVE_WINDOW_RECORDING);
  return TRUE;
}

static void
record_file_chosen (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  int type_index = -1;
  g_autoptr(GFile) file = steve_choose_file_finish (result, &type_index, &error);
  SteveRecordingFormat format;

  if (file == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        steve_window_show_toast (self, error->message);
      return;
    }

  if (!resolve_recording_file (&file, type_index, &format))
    {
      steve_window_show_toast (self, _("Recordings can only be saved to local files."));
      return;
    }

  if (!steve_window_start_recording (self, file, format, &error))
    steve_window_show_toast (self, error->message);
}

static void
ask_for_recording_file (SteveWindow *self)
{
  SteveFileType types[G_N_ELEMENTS (recording_types)];
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *name = g_strdup_printf ("steve-%s.h5", stamp);

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    types[i] = (SteveFileType) { _(recording_types[i].name), recording_types[i].pattern };

  steve_choose_file_async (GTK_WIDGET (self), STEVE_FILE_SAVE, _("Record To"), _("_Record"),
                           name, types, G_N_ELEMENTS (types), record_file_chosen, g_object_ref (self));
}

/* ------------------------------------------------------------------ stop and save */

static void save_recording (SteveWindow    *self,
                            SteveRecording *recording,
                            GFile          *file,
                            SteveRecordingFormat format,
                            char           *journal);

typedef struct
{
  SteveWindow          *self;
  SteveRecording       *recording;
  GFile                *file;
  SteveRecordingFormat  format;
  char                 *journal;     /* removed once saved; NULL if none */
} SaveData;

static void
save_data_free (SaveData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->recording);
  g_clear_object (&data->file);
  g_free (data->journal);
  g_free (data);
}

static void
retry_file_chosen (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SaveData *data = user_data;
  g_autoptr(GError) error = NULL;
  int type_index = -1;
  g_autoptr(GFile) file = steve_choose_file_finish (result, &type_index, &error);
  SteveRecordingFormat format;

  if (file == NULL || !resolve_recording_file (&file, type_index, &format))
    {
      /* still safe in the journal, offered again at the next start */
      steve_window_show_toast (data->self, _("The recording was not saved; it will be offered again when Steve Tuner starts."));
      save_data_free (data);
      return;
    }

  save_recording (data->self, data->recording, file, format, g_steal_pointer (&data->journal));
  save_data_free (data);
}

static void
ask_again (SteveWindow    *self,
           SaveData       *data)
{
  SteveFileType types[G_N_ELEMENTS (recording_types)];
  g_autofree char *name = g_file_get_basename (data->file);

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    types[i] = (SteveFileType) { _(recording_types[i].name), recording_types[i].pattern };

  steve_choose_file_async (GTK_WIDGET (self), STEVE_FILE_SAVE, _("Save Recording As"), _("_Save"),
                           name, types, G_N_ELEMENTS (types), retry_file_chosen, data);
}

static void
on_save_failed_response (AdwMessageDialog *dialog,
                         const char       *response,
                         SaveData         *data)
{
  if (g_str_equal (response, "save-as"))
    ask_again (data->self, data);
  else
    {
      steve_window_show_toast (data->self, _("The recording was not saved; it will be offered again when Steve Tuner starts."));
      save_data_free (data);
    }
}

static void
recording_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SaveData *data = user_data;
  SteveWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_basename (data->file);
  GApplication *app = g_application_get_default ();
  gboolean window_gone = self->toast_overlay == NULL;

  if (app != NULL)
    g_application_release (app);

  if (self->recording_state == STEVE_WINDOW_RECORDING_SAVING)
    set_recording_state (self, STEVE_WINDOW_RECORDING_IDLE);

  if (!steve_recording_save_finish (STEVE_RECORDING (source), result, &error))
    {
      AdwMessageDialog *dialog;
      g_autofree char *body = g_strdup_printf (_("“%s” could not be written: %s\n\nThe recording is still safe. Choose another place for it, or it will be offered again when Steve Tuner starts."),
                                               name, error->message);

      g_clear_error (&self->last_recording_error);
      self->last_recording_error = g_error_copy (error);
      if (window_gone)
        {
          /* nobody to ask: the journal stays for the next start */
          g_warning ("%s", body);
          save_data_free (data);
          return;
        }
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Recording Not Saved"), body));
      adw_message_dialog_add_responses (dialog, "later", _("_Later"), "save-as", _("_Save As…"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "save-as", ADW_RESPONSE_SUGGESTED);
      adw_message_dialog_set_default_response (dialog, "save-as");
      adw_message_dialog_set_close_response (dialog, "later");
      g_signal_connect (dialog, "response", G_CALLBACK (on_save_failed_response), data);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  g_clear_error (&self->last_recording_error);
  if (data->journal != NULL && g_unlink (data->journal) != 0 && errno != ENOENT)
    g_warning ("Could not remove the journal %s: %s", data->journal, g_strerror (errno));

  if (!window_gone)
  {
    g_autofree char *uri = g_file_get_uri (data->file);
    g_autofree char *title = NULL;
    guint n_samples = 0;
    AdwToast *toast;

    steve_recording_get_samples (data->recording, &n_samples);
    title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Saved “%s” (%u sample)", "Saved “%s” (%u samples)", n_samples),
                             name, n_samples);
    toast = adw_toast_new (title);
    adw_toast_set_timeout (toast, 8);
    adw_toast_set_button_label (toast, _("_Open"));
    adw_toast_set_action_name (toast, "win.open-recording-uri");
    adw_toast_set_action_target_value (toast, g_variant_new_string (uri));
    adw_toast_overlay_add_toast (self->toast_overlay, toast);
  }

  self->n_recordings_saved++;
  save_data_free (data);
}

static void
save_recording (SteveWindow          *self,
                SteveRecording       *recording,
                GFile                *file,
                SteveRecordingFormat  format,
                char                 *journal)
{
  SaveData *data = g_new0 (SaveData, 1);
  g_autofree char *path = g_file_get_path (file);

  data->self = g_object_ref (self);
  data->recording = g_object_ref (recording);
  data->file = g_object_ref (file);
  data->format = format;
  data->journal = journal;
  /* the app stays up until the file is written, even if the window closes */
  if (g_application_get_default () != NULL)
    g_application_hold (g_application_get_default ());
  steve_recording_save_async (recording, format, path, NULL, recording_saved, data);
}

/**
 * steve_window_stop_recording:
 *
 * Stops the running recording and writes its file in the background
 * (steve_window_get_recording_state() is %STEVE_WINDOW_RECORDING_SAVING
 * until it is written). If the file cannot be written, the user is asked
 * for another place; the journal keeps the data until it is saved.
 */
void
steve_window_stop_recording (SteveWindow *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveRecording) recording = NULL;
  g_autofree char *journal = NULL;

  g_return_if_fail (STEVE_IS_WINDOW (self));

  if (self->recording_state != STEVE_WINDOW_RECORDING)
    return;

  journal = g_strdup (steve_recorder_get_journal_path (self->recorder));
  recording = steve_recorder_stop (self->recorder, &error);
  if (recording == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not finish the recording: %s"), error->message);

      set_recording_state (self, STEVE_WINDOW_RECORDING_IDLE);
      steve_window_show_toast (self, text);
      return;
    }

  set_recording_state (self, STEVE_WINDOW_RECORDING_SAVING);
  save_recording (self, recording, self->recording_file, self->recording_format, g_steal_pointer (&journal));
}

SteveWindowRecordingState
steve_window_get_recording_state (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), STEVE_WINDOW_RECORDING_IDLE);
  return self->recording_state;
}

guint
steve_window_get_n_recordings_saved (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), 0);
  return self->n_recordings_saved;
}

/* ------------------------------------------------------------------ session hooks */

void
steve_window_recording_config_applied (SteveWindow       *self,
                                       const SteveConfig *before,
                                       const SteveConfig *after)
{
  if (self->recording_state == STEVE_WINDOW_RECORDING)
    steve_recorder_add_config_change (self->recorder, before, after);
}

/* The session ends (disconnect, window closing): what was recorded is saved. */
void
steve_window_recording_session_ending (SteveWindow *self)
{
  /* while disposing, steve_window_recording_dispose() keeps the journal */
  if (!self->disposing)
    steve_window_stop_recording (self);
}

void
steve_window_recording_dispose (SteveWindow *self)
{
  g_clear_handle_id (&self->recording_tick_id, g_source_remove);
  if (self->recorder && steve_recorder_is_recording (self->recorder))
    {
      /* the window goes away without its session ending normally: keep
       * the journal for the next start rather than lose the data */
      g_autoptr(SteveRecording) recording = steve_recorder_stop (self->recorder, NULL);
    }
  g_clear_object (&self->recorder);
  g_clear_object (&self->recording_file);
  g_clear_error (&self->last_recording_error);
}

/* ------------------------------------------------------------------ actions */

static void
record_action (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);

  if (self->recording_state == STEVE_WINDOW_RECORDING)
    steve_window_stop_recording (self);
  else if (self->recording_state == STEVE_WINDOW_RECORDING_IDLE)
    ask_for_recording_file (self);
}

static void
add_mark_action (GtkWidget  *widget,
                 const char *action,
                 GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);
  g_autofree char *label = NULL;

  if (self->recording_state != STEVE_WINDOW_RECORDING)
    return;

  /* Translators: a mark the user puts into a recording */
  label = g_strdup_printf (_("Mark %u"), ++self->mark_count);
  steve_recorder_add_mark (self->recorder, label);
  steve_history_add_marker (self->history, g_get_monotonic_time (), label, label);
}

static void
open_file_chosen (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SteveWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = steve_choose_file_finish (result, NULL, &error);

  if (file == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        steve_window_show_toast (self, error->message);
      return;
    }

  steve_review_open_file (gtk_window_get_application (GTK_WINDOW (self)), GTK_WIDGET (self), file);
}

static void
open_recording_action (GtkWidget  *widget,
                       const char *action,
                       GVariant   *param)
{
  const SteveFileType types[] = {
    { _("Recordings"), "*.h5;*.hdf5;*.csv;*.json;*.journal" },
    { _("HDF5 recording"), "*.h5;*.hdf5" },
    { _("CSV recording"), "*.csv" },
    { _("JSON recording"), "*.json" },
  };

  steve_choose_file_async (widget, STEVE_FILE_OPEN, _("Open Recording"), _("_Open"), NULL,
                           types, G_N_ELEMENTS (types), open_file_chosen, g_object_ref (widget));
}

static void
open_recording_uri_action (GtkWidget  *widget,
                           const char *action,
                           GVariant   *param)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (param, NULL));

  steve_review_open_file (gtk_window_get_application (GTK_WINDOW (widget)), widget, file);
}

static void
export_action (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);
  StevePlotExportFormat format = g_str_equal (action, "plot.export-png") ? STEVE_PLOT_EXPORT_PNG
                               : g_str_equal (action, "plot.export-svg") ? STEVE_PLOT_EXPORT_SVG
                               : STEVE_PLOT_EXPORT_CSV;
  double t0, t1;

  steve_chart_get_view (STEVE_CHART (self->chart), &t0, &t1);
  steve_plot_export_ask (widget, format, gtk_stack_get_visible_child (self->plot_stack),
                         self->history, t0, t1);
}

void
steve_window_recording_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.record", NULL, record_action);
  gtk_widget_class_install_action (widget_class, "win.add-mark", NULL, add_mark_action);
  gtk_widget_class_install_action (widget_class, "win.open-recording", NULL, open_recording_action);
  gtk_widget_class_install_action (widget_class, "win.open-recording-uri", "s", open_recording_uri_action);
  gtk_widget_class_install_action (widget_class, "plot.export-png", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "plot.export-svg", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "plot.export-csv", NULL, export_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.record", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, GDK_CONTROL_MASK, "win.add-mark", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open-recording", NULL);
}

void
steve_window_recording_update_actions (SteveWindow *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean streaming = self->streamer != NULL;

  gtk_widget_action_set_enabled (w, "win.record",
                                 self->recording_state == STEVE_WINDOW_RECORDING ||
                                 (self->recording_state == STEVE_WINDOW_RECORDING_IDLE && streaming));
  gtk_widget_action_set_enabled (w, "win.add-mark", self->recording_state == STEVE_WINDOW_RECORDING);
  gtk_widget_action_set_enabled (w, "plot.export-png", streaming);
  gtk_widget_action_set_enabled (w, "plot.export-svg", streaming);
  gtk_widget_action_set_enabled (w, "plot.export-csv", streaming);
}

/* ------------------------------------------------------------------ crash recovery */

/**
 * steve_window_list_orphan_journals:
 *
 * Journals in the state directory that no recorder of this process is
 * writing: recordings interrupted by a crash. Oldest first.
 */
GPtrArray *
steve_window_list_orphan_journals (SteveWindow *self)
{
  g_autofree char *dir_path = steve_window_dup_journal_dir ();
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *active = self->recorder && steve_recorder_is_recording (self->recorder)
                         ? steve_recorder_get_journal_path (self->recorder) : NULL;
  const char *name;

  if (dir == NULL)
    return g_steal_pointer (&found);

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (!g_str_has_suffix (name, ".journal"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      if (g_strcmp0 (path, active) != 0)
        g_ptr_array_add (found, g_steal_pointer (&path));
    }

  /* names start with the time they were started */
  g_ptr_array_sort (found, (GCompareFunc) (void (*) (void)) g_strcmp0);
  return g_steal_pointer (&found);
}

/**
 * steve_window_save_recovered_journal:
 *
 * Reads the journal at @journal, writes it to @file in @format, and
 * removes the journal once the file is written.
 */
gboolean
steve_window_save_recovered_journal (SteveWindow          *self,
                                     const char           *journal,
                                     GFile                *file,
                                     SteveRecordingFormat  format,
                                     GError              **error)
{
  g_autoptr(SteveRecording) recording = steve_recording_load (journal, error);
  g_autofree char *path = g_file_get_path (file);

  if (recording == NULL)
    return FALSE;
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Recordings can only be saved to local files."));
      return FALSE;
    }
  if (!steve_recording_save (recording, format, path, error))
    return FALSE;
  if (g_unlink (journal) != 0 && errno != ENOENT)
    g_warning ("Could not remove the journal %s: %s", journal, g_strerror (errno));
  return TRUE;
}

typedef struct
{
  SteveWindow *self;
  char        *journal;
} RecoverData;

static void
recover_data_free (RecoverData *data)
{
  g_clear_object (&data->self);
  g_free (data->journal);
  g_free (data);
}

static void
recover_file_chosen (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  RecoverData *data = user_data;
  g_autoptr(GError) error = NULL;
  int type_index = -1;
  g_autoptr(GFile) file = steve_choose_file_finish (result, &type_index, &error);
  SteveRecordingFormat format;

  if (file != NULL && resolve_recording_file (&file, type_index, &format))
    {
      if (steve_window_save_recovered_journal (data->self, data->journal, file, format, &error))
        {
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf (_("Saved the recovered recording as “%s”"), name);

          steve_window_show_toast (data->self, text);
        }
      else
        steve_window_show_toast (data->self, error->message);
    }

  recover_data_free (data);
}

static void
on_recover_response (AdwMessageDialog *dialog,
                     const char       *response,
                     RecoverData      *data)
{
  if (g_str_equal (response, "save"))
    {
      SteveFileType types[G_N_ELEMENTS (recording_types)];
      g_autofree char *base = g_path_get_basename (data->journal);
      g_autofree char *name = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (types); i++)
        types[i] = (SteveFileType) { _(recording_types[i].name), recording_types[i].pattern };
      base[strlen (base) - strlen (".journal")] = '\0';
      name = g_strdup_printf ("steve-recovered-%s.h5", base);
      steve_choose_file_async (GTK_WIDGET (data->self), STEVE_FILE_SAVE, _("Save Recovered Recording"),
                               _("_Save"), name, types, G_N_ELEMENTS (types), recover_file_chosen, data);
      return;
    }

  if (g_str_equal (response, "discard"))
    {
      if (g_unlink (data->journal) != 0 && errno != ENOENT)
        g_warning ("Could not remove the journal %s: %s", data->journal, g_strerror (errno));
    }

  recover_data_free (data);
}

/**
 * steve_window_offer_recovery:
 *
 * If a recording was interrupted (the app crashed or was killed while
 * recording), asks whether to save it. One journal per call: the oldest.
 * Returns the dialog, or %NULL when there is nothing to recover.
 */
GtkWidget *
steve_window_offer_recovery (SteveWindow *self)
{
  g_autoptr(GPtrArray) journals = steve_window_list_orphan_journals (self);
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *when = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *body = NULL;
  AdwMessageDialog *dialog;
  RecoverData *data;
  guint n_samples = 0;

  if (journals->len == 0)
    return NULL;

  recording = steve_recording_load (g_ptr_array_index (journals, 0), &error);
  if (recording == NULL)
    {
      /* unreadable (an empty journal from a crash at the first moment):
       * say so and leave it for the user to inspect */
      g_warning ("Could not read the interrupted recording %s: %s",
                 (const char *) g_ptr_array_index (journals, 0), error->message);
      return NULL;
    }

  steve_recording_get_samples (recording, &n_samples);
  when = steve_recording_get_info (recording)->start_time
           ? g_date_time_format (steve_recording_get_info (recording)->start_time, "%x %X")
           : g_strdup (_("an unknown time"));
  duration = steve_format_duration (steve_recording_get_duration_s (recording));
  body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "A recording started at %s was interrupted before it was saved. It holds %s of telemetry (%u sample). Save it now?",
                                       "A recording started at %s was interrupted before it was saved. It holds %s of telemetry (%u samples). Save it now?",
                                       n_samples),
                          when, duration, n_samples);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self), _("Unsaved Recording Found"), body));
  adw_message_dialog_add_responses (dialog,
                                    "discard", _("_Discard"),
                                    "later", _("_Not Now"),
                                    "save", _("_Save…"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "later");

  data = g_new0 (RecoverData, 1);
  data->self = g_object_ref (self);
  data->journal = g_strdup (g_ptr_array_index (journals, 0));
  g_signal_connect (dialog, "response", G_CALLBACK (on_recover_response), data);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WIDGET (dialog);
}
