/* steve-app-util.c — small helpers shared by the window and its pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <math.h>

#include <glib/gi18n.h>

#include "steve-app-util.h"

/**
 * steve_widget_show_toast:
 *
 * Shows @message in the nearest #AdwToastOverlay around @widget. Pages use
 * this so they work inside the window and inside a test's bare window alike;
 * with no overlay the message goes to the log instead of being lost.
 */
void
steve_widget_show_toast (GtkWidget  *widget,
                         const char *message)
{
  GtkWidget *overlay;
  AdwToast *toast;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (message != NULL);

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay == NULL)
    {
      g_message ("%s", message);
      return;
    }

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

/* ------------------------------------------------------------------ file chooser */

typedef struct
{
  GtkFileChooserNative *native;
} ChooseData;

static void
choose_data_free (ChooseData *data)
{
  if (data->native)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (data->native));
  g_clear_object (&data->native);
  g_free (data);
}

static void
on_chooser_response (GtkNativeDialog *dialog,
                     int              response,
                     GTask           *task)
{
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (dialog);
  g_autoptr(GFile) file = NULL;
  GtkFileFilter *filter;
  int index = -1;

  if (response != GTK_RESPONSE_ACCEPT || (file = gtk_file_chooser_get_file (chooser)) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("No file was chosen."));
      g_object_unref (task);
      return;
    }

  filter = gtk_file_chooser_get_filter (chooser);
  if (filter != NULL)
    {
      g_autoptr(GListModel) filters = gtk_file_chooser_get_filters (chooser);

      for (guint i = 0; i < g_list_model_get_n_items (filters); i++)
        {
          g_autoptr(GtkFileFilter) f = g_list_model_get_item (filters, i);

          if (f == filter)
            index = (int) i;
        }
    }

  g_object_set_data (G_OBJECT (task), "type-index", GINT_TO_POINTER (index + 1));
  g_task_return_pointer (task, g_steal_pointer (&file), g_object_unref);
  g_object_unref (task);
}

/**
 * steve_choose_file_async:
 * @widget: a widget in the window the chooser belongs to
 * @types: (array length=n_types): the file types offered, first selected
 *
 * Asks for a file with the platform's file chooser (the document portal
 * inside the Flatpak, so the app needs no file-system permission). For
 * %STEVE_FILE_SAVE, @suggested_name is prefilled. The finish function gives
 * the file and which of @types was selected (-1 when none was).
 */
void
steve_choose_file_async (GtkWidget           *widget,
                         SteveFileMode        mode,
                         const char          *title,
                         const char          *accept_label,
                         const char          *suggested_name,
                         const SteveFileType *types,
                         guint                n_types,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GtkRoot *root = widget ? gtk_widget_get_root (widget) : NULL;
  GTask *task;
  ChooseData *data;

  task = g_task_new (widget, NULL, callback, user_data);
  g_task_set_source_tag (task, steve_choose_file_async);

  data = g_new0 (ChooseData, 1);
  data->native = gtk_file_chooser_native_new (title,
                                              GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              mode == STEVE_FILE_SAVE ? GTK_FILE_CHOOSER_ACTION_SAVE
                                                                      : GTK_FILE_CHOOSER_ACTION_OPEN,
                                              accept_label, NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (data->native), TRUE);
  g_task_set_task_data (task, data, (GDestroyNotify) choose_data_free);

  for (guint i = 0; i < n_types; i++)
    {
      g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

      g_auto(GStrv) patterns = g_strsplit (types[i].pattern, ";", -1);

      gtk_file_filter_set_name (filter, types[i].name);
      for (guint j = 0; patterns[j]; j++)
        gtk_file_filter_add_pattern (filter, patterns[j]);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (data->native), filter);
      if (i == 0)
        gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (data->native), filter);
    }

  if (mode == STEVE_FILE_SAVE && suggested_name != NULL)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (data->native), suggested_name);

  g_signal_connect (data->native, "response", G_CALLBACK (on_chooser_response), task);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (data->native));
}

GFile *
steve_choose_file_finish (GAsyncResult  *result,
                          int           *type_index,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (type_index != NULL)
    *type_index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "type-index")) - 1;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ plot window */

/* The plot windows offered everywhere (the window's dropdown, the
 * preferences), in seconds; 0 is everything. The "plot-window" setting
 * holds seconds, the dropdowns an index into this list. */
static const double plot_windows[] = { 2, 5, 10, 30, 60, 120, 300, 600, 0 };

/* The offered window nearest to @seconds (by ratio: 45 s is nearer to
 * 60 s than to 30 s). A setting written outside the app (gsettings,
 * dconf-editor) may hold any value in the key's range; the dropdowns
 * and the chart both show this one, so they never disagree. */
static guint
offered_index (double seconds)
{
  guint best = G_N_ELEMENTS (plot_windows) - 1;   /* 0: everything */
  double best_distance = G_MAXDOUBLE;

  if (!(seconds > 0))
    return best;

  for (guint i = 0; i < G_N_ELEMENTS (plot_windows); i++)
    {
      double distance;

      if (plot_windows[i] == 0)
        continue;
      distance = fabs (log (seconds / plot_windows[i]));
      if (distance < best_distance)
        {
          best = i;
          best_distance = distance;
        }
    }
  return best;
}

/**
 * steve_plot_window_offered:
 * @seconds: a "plot-window" setting
 *
 * Returns: the plot window the app shows for @seconds: one of those
 *   it offers, in seconds (0: everything)
 */
double
steve_plot_window_offered (double seconds)
{
  return plot_windows[offered_index (seconds)];
}

gboolean
steve_plot_window_from_setting (GValue   *value,
                                GVariant *variant,
                                gpointer  user_data)
{
  g_value_set_uint (value, offered_index (g_variant_get_double (variant)));
  return TRUE;
}

GVariant *
steve_plot_window_to_setting (const GValue       *value,
                              const GVariantType *type,
                              gpointer            user_data)
{
  guint i = MIN (g_value_get_uint (value), G_N_ELEMENTS (plot_windows) - 1);

  return g_variant_new_double (plot_windows[i]);
}

/* ------------------------------------------------------------------ journals */

/**
 * steve_journal_dir:
 *
 * Where recordings keep their crash journals while they run (one file
 * each, removed once the recording is saved). Whatever is left here when
 * the app starts was interrupted and is offered for saving.
 */
char *
steve_journal_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "steve-tuner", "journals", NULL);
}

/**
 * steve_new_journal_path:
 * @kind: a short word for the file name (“recording”, “sweep-viscous”)
 *
 * A fresh journal path in steve_journal_dir(), created if needed. Names
 * start with the local time, so they sort in the order they were started.
 */
char *
steve_new_journal_path (const char  *kind,
                        GError     **error)
{
  g_autofree char *dir = steve_journal_dir ();
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *name = g_strdup_printf ("%s-%s-%08x.journal", stamp, kind, g_random_int ());

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("Could not create the folder for recording journals “%s”: %s"),
                   dir, g_strerror (saved_errno));
      return NULL;
    }
  return g_build_filename (dir, name, NULL);
}

/* ------------------------------------------------------------------ formatting */

char *
steve_format_bytes (guint64 bytes)
{
  return g_format_size (bytes);
}

/* “4.2 s”, “1:05”, “1:02:03”: how long something ran or has left to run */
char *
steve_format_duration (double seconds)
{
  guint64 s;

  if (!(seconds >= 0))
    seconds = 0;
  if (seconds < 10)
    /* Translators: a short duration in seconds */
    return g_strdup_printf (_("%.1f s"), seconds);

  s = (guint64) (seconds + 0.5);
  if (s < 3600)
    return g_strdup_printf ("%u:%02u", (guint) (s / 60), (guint) (s % 60));
  return g_strdup_printf ("%u:%02u:%02u", (guint) (s / 3600), (guint) (s / 60 % 60), (guint) (s % 60));
}
