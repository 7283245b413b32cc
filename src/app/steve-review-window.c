/* steve-review-window.c — a past recording in the plots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recording is read in a worker thread (steve_recording_open_async):
 * the SteveRecording it builds is handed to the main thread whole, through
 * the GTask result, and only the main thread uses it from then on. The
 * window shows it with the same chart and model view as the live window
 * (zoom, pan, cursor, markers), and exports the view like the live window.
 */
#define G_LOG_DOMAIN "steve-review"

#include "config.h"

#include <glib/gi18n.h>

#include "steve-app-util.h"
#include "steve-chart.h"
#include "steve-field.h"
#include "steve-history.h"
#include "steve-model-view.h"
#include "steve-plot-export.h"
#include "steve-review-window.h"

struct _SteveReviewWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;
  AdwWindowTitle       *title;
  GtkToggleButton      *time_view_button;
  GtkToggleButton      *model_view_button;
  GtkLabel             *info_label;
  GtkStack             *plot_stack;

  SteveRecording       *recording;
  SteveHistory         *history;
  GtkWidget            *chart;
  GtkWidget            *model_view;
};

G_DEFINE_FINAL_TYPE (SteveReviewWindow, steve_review_window, ADW_TYPE_APPLICATION_WINDOW)

static void
on_view_toggled (GtkToggleButton   *button,
                 SteveReviewWindow *self)
{
  gtk_stack_set_visible_child_name (self->plot_stack,
                                    gtk_toggle_button_get_active (self->model_view_button) ? "model" : "time");
}

static void
show_all (SteveReviewWindow *self)
{
  double t0, t1;

  if (steve_history_get_time_range (self->history, &t0, &t1) && t1 > t0)
    steve_chart_set_view (STEVE_CHART (self->chart), t0, t1);
}

static void
show_all_action (GtkWidget  *widget,
                 const char *action,
                 GVariant   *param)
{
  show_all (STEVE_REVIEW_WINDOW (widget));
}

static void
export_action (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  SteveReviewWindow *self = STEVE_REVIEW_WINDOW (widget);
  StevePlotExportFormat format = g_str_equal (action, "review.export-png") ? STEVE_PLOT_EXPORT_PNG
                               : g_str_equal (action, "review.export-svg") ? STEVE_PLOT_EXPORT_SVG
                               : STEVE_PLOT_EXPORT_CSV;
  GtkWidget *plot = gtk_stack_get_visible_child (self->plot_stack);
  double t0, t1;

  steve_chart_get_view (STEVE_CHART (self->chart), &t0, &t1);
  steve_plot_export_ask (widget, format, plot, self->history, t0, t1);
}

/* ------------------------------------------------------------------ filling */

static void
append_info_line (GString    *text,
                  const char *label,
                  const char *value)
{
  g_autofree char *escaped = g_markup_escape_text (value, -1);

  g_string_append_printf (text, "%s<b>%s</b>  %s", text->len ? "\n" : "", label, escaped);
}

static void
fill (SteveReviewWindow *self,
      const char        *title)
{
  const SteveRecordingInfo *info = steve_recording_get_info (self->recording);
  const SteveRecordingEvent *events;
  const SteveSample *samples;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *duration = steve_format_duration (steve_recording_get_duration_s (self->recording));
  g_autofree char *when = info->start_time ? g_date_time_format (info->start_time, "%x %X") : g_strdup (_("unknown time"));
  g_autofree char *subtitle = NULL;
  g_autofree char *n_text = NULL;
  g_autofree char *gap_text = NULL;
  SteveConfig last_config = info->config_at_start;
  guint n_samples, n_events, n_changes = 0;

  samples = steve_recording_get_samples (self->recording, &n_samples);
  events = steve_recording_get_events (self->recording, &n_events);

  steve_history_set_max_samples (self->history, MAX (n_samples, steve_history_get_max_samples (self->history)));
  steve_history_append (self->history, samples, n_samples);

  for (guint i = 0; i < n_events; i++)
    {
      const SteveRecordingEvent *e = &events[i];
      g_autofree char *details = NULL;

      switch (e->kind)
        {
        case STEVE_RECORDING_EVENT_CONFIG_CHANGE:
          details = steve_config_describe_change (&e->before, &e->after);
          if (details == NULL && e->label)
            details = g_strdup (e->label);
          if (details)
            steve_history_add_marker (self->history, e->host_time_us, details, details);
          last_config = e->after;
          n_changes++;
          break;

        case STEVE_RECORDING_EVENT_MARK:
          if (e->label && *e->label)
            steve_history_add_marker (self->history, e->host_time_us, e->label, e->label);
          break;

        case STEVE_RECORDING_EVENT_GAP:
        case STEVE_RECORDING_EVENT_RECONNECT_GAP:
        default:
          /* gaps show as breaks in the lines */
          break;
        }
    }

  steve_model_view_set_config (STEVE_MODEL_VIEW (self->model_view), &last_config);
  steve_chart_set_degrees_per_turn (STEVE_CHART (self->chart), steve_config_get_degrees_per_turn (&last_config));

  adw_window_title_set_title (self->title, title);
  /* Translators: recording subtitle: start time · duration · device */
  subtitle = g_strdup_printf (_("%s · %s · %s"), when, duration,
                              info->device_host && *info->device_host ? info->device_host : _("unknown device"));
  adw_window_title_set_subtitle (self->title, subtitle);
  gtk_window_set_title (GTK_WINDOW (self), title);

  append_info_line (text, _("Device"), info->device_host && *info->device_host ? info->device_host : _("unknown"));
  append_info_line (text, _("Firmware dialect"),
                    info->dialect == STEVE_DIALECT_FIRMWARE ? _("firmware")
                    : info->dialect == STEVE_DIALECT_DOCUMENTED ? _("documented") : _("unknown"));
  append_info_line (text, _("Started"), when);
  append_info_line (text, _("Duration"), duration);
  n_text = g_strdup_printf ("%u", n_samples);
  append_info_line (text, _("Samples"), n_text);
  gap_text = g_strdup_printf (_("%u (%.0f ms missing)"), steve_recording_get_gap_count (self->recording),
                              steve_recording_get_gap_ms (self->recording));
  append_info_line (text, _("Gaps"), gap_text);
  g_free (n_text);
  n_text = g_strdup_printf ("%u", n_changes);
  append_info_line (text, _("Setting changes"), n_text);

  for (SteveField f = 0; f < STEVE_N_FIELDS; f++)
    if (steve_config_has (&info->config_at_start, f))
      {
        g_autofree char *value = steve_field_format_value (f, info->config_at_start.values[f]);

        append_info_line (text, _(steve_field_info (f)->label), value);
      }
  gtk_label_set_markup (self->info_label, text->str);

  show_all (self);
}

/* ------------------------------------------------------------------ GObject */

static void
steve_review_window_dispose (GObject *object)
{
  SteveReviewWindow *self = STEVE_REVIEW_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_REVIEW_WINDOW);
  g_clear_object (&self->recording);
  g_clear_object (&self->history);

  G_OBJECT_CLASS (steve_review_window_parent_class)->dispose (object);
}

static void
steve_review_window_class_init (SteveReviewWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_review_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-review-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SteveReviewWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SteveReviewWindow, title);
  gtk_widget_class_bind_template_child (widget_class, SteveReviewWindow, time_view_button);
  gtk_widget_class_bind_template_child (widget_class, SteveReviewWindow, model_view_button);
  gtk_widget_class_bind_template_child (widget_class, SteveReviewWindow, info_label);
  gtk_widget_class_bind_template_child (widget_class, SteveReviewWindow, plot_stack);

  gtk_widget_class_install_action (widget_class, "review.show-all", NULL, show_all_action);
  gtk_widget_class_install_action (widget_class, "review.export-png", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "review.export-svg", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "review.export-csv", NULL, export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "review.show-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
steve_review_window_init (SteveReviewWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->history = steve_history_new ();

  self->chart = steve_chart_new ();
  steve_chart_set_history (STEVE_CHART (self->chart), self->history);
  steve_chart_set_window (STEVE_CHART (self->chart), 0);
  gtk_stack_add_named (self->plot_stack, self->chart, "time");

  self->model_view = steve_model_view_new ();
  steve_model_view_set_history (STEVE_MODEL_VIEW (self->model_view), self->history);
  gtk_stack_add_named (self->plot_stack, self->model_view, "model");

  g_signal_connect (self->time_view_button, "toggled", G_CALLBACK (on_view_toggled), self);
  g_signal_connect (self->model_view_button, "toggled", G_CALLBACK (on_view_toggled), self);
}

/**
 * steve_review_window_new:
 * @title: shown in the header (usually the file name)
 *
 * A window showing @recording, which must be complete (not being recorded).
 */
GtkWidget *
steve_review_window_new (GtkApplication *application,
                         SteveRecording *recording,
                         const char     *title)
{
  SteveReviewWindow *self;

  g_return_val_if_fail (STEVE_IS_RECORDING (recording), NULL);

  self = g_object_new (STEVE_TYPE_REVIEW_WINDOW, "application", application, NULL);
  self->recording = g_object_ref (recording);
  fill (self, title);
  return GTK_WIDGET (self);
}

SteveRecording *
steve_review_window_get_recording (SteveReviewWindow *self)
{
  g_return_val_if_fail (STEVE_IS_REVIEW_WINDOW (self), NULL);
  return self->recording;
}

GtkWidget *
steve_review_window_get_chart (SteveReviewWindow *self)
{
  g_return_val_if_fail (STEVE_IS_REVIEW_WINDOW (self), NULL);
  return self->chart;
}

gpointer
steve_review_window_get_history (SteveReviewWindow *self)
{
  g_return_val_if_fail (STEVE_IS_REVIEW_WINDOW (self), NULL);
  return self->history;
}

/* ------------------------------------------------------------------ opening */

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  SteveRecording *recording;

  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be opened."));
      return;
    }

  recording = steve_recording_load (path, &error);
  if (recording == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, recording, g_object_unref);
}

/**
 * steve_recording_open_async:
 *
 * Reads a recording (CSV, JSON, HDF5 or a journal) in a worker thread.
 */
void
steve_recording_open_async (GFile               *file,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, steve_recording_open_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, open_thread);
}

SteveRecording *
steve_recording_open_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GtkApplication *application;
  GtkWidget      *toast_widget;
  char           *title;
} OpenData;

static void
open_data_free (OpenData *data)
{
  g_clear_object (&data->application);
  g_clear_object (&data->toast_widget);
  g_free (data->title);
  g_free (data);
}

static void
opened (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  OpenData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveRecording) recording = steve_recording_open_finish (result, &error);

  if (recording == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not open “%s”: %s"), data->title, error->message);

      if (data->toast_widget)
        steve_widget_show_toast (data->toast_widget, text);
      else
        g_warning ("%s", text);
    }
  else
    {
      GtkWidget *window = steve_review_window_new (data->application, recording, data->title);

      gtk_window_present (GTK_WINDOW (window));
    }

  open_data_free (data);
}

/**
 * steve_review_open_file:
 * @toast_widget: (nullable): where an error is shown
 *
 * Opens @file in a new review window, or says why it cannot.
 */
void
steve_review_open_file (GtkApplication *application,
                        GtkWidget      *toast_widget,
                        GFile          *file)
{
  OpenData *data = g_new0 (OpenData, 1);

  data->application = application ? g_object_ref (application) : NULL;
  data->toast_widget = toast_widget ? g_object_ref (toast_widget) : NULL;
  data->title = g_file_get_basename (file);
  steve_recording_open_async (file, NULL, opened, data);
}
