/* steve-plot-export.c — what a plot shows, written to PNG, SVG or CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <cairo-svg.h>
#include <glib/gi18n.h>

#include "steve-app-util.h"
#include "steve-chart.h"
#include "steve-model-view.h"
#include "steve-plot-export.h"

static GskRenderNode *
snapshot_widget (GtkWidget  *widget,
                 gboolean    vector,
                 int        *width,
                 int        *height,
                 GError    **error)
{
  GtkSnapshot *snapshot;
  GskRenderNode *node;

  g_return_val_if_fail (STEVE_IS_CHART (widget) || STEVE_IS_MODEL_VIEW (widget), NULL);

  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  if (*width <= 0 || *height <= 0 || !gtk_widget_get_mapped (widget))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("The plot is not on screen, so there is nothing to export."));
      return NULL;
    }

  /* The plots draw all they show themselves (no CSS background or border),
   * so their own snapshot function gives the plot as it is now. The frame
   * GTK painted last is no substitute: a redraw queued by arriving samples
   * drops it until the next frame is painted. */
  snapshot = gtk_snapshot_new ();
  if (vector && STEVE_IS_CHART (widget))
    steve_chart_snapshot_vector (STEVE_CHART (widget), snapshot);
  else if (vector && STEVE_IS_MODEL_VIEW (widget))
    steve_model_view_snapshot_vector (STEVE_MODEL_VIEW (widget), snapshot);
  else
    GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         _("The plot shows nothing yet, so there is nothing to export."));
  return node;
}

static gboolean
replace_contents (GFile         *file,
                  GBytes        *bytes,
                  GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = g_file_get_parse_name (file);

  if (!g_file_replace_contents (file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, &local_error))
    {
      g_set_error (error, local_error->domain, local_error->code,
                   /* Translators: “Could not write /path/file.png: Permission denied” */
                   _("Could not write %s: %s"), name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * steve_plot_export_png:
 * @widget: a #SteveChart or #SteveModelView
 *
 * Writes what @widget shows now, pixel for pixel, as a PNG.
 */
gboolean
steve_plot_export_png (GtkWidget  *widget,
                       GFile      *file,
                       GError    **error)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GskRenderer *renderer;
  int width, height;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if ((node = snapshot_widget (widget, FALSE, &width, &height, error)) == NULL)
    return FALSE;

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  bytes = gdk_texture_save_to_png_bytes (texture);
  return replace_contents (file, bytes, error);
}

static cairo_status_t
append_to_array (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/**
 * steve_plot_export_svg:
 * @widget: a #SteveChart or #SteveModelView
 *
 * Writes what @widget shows as an SVG. The plots draw their lines and text
 * with cairo, so they stay vectors in the file.
 */
gboolean
steve_plot_export_svg (GtkWidget  *widget,
                       GFile      *file,
                       GError    **error)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  int width, height;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if ((node = snapshot_widget (widget, TRUE, &width, &height, error)) == NULL)
    return FALSE;

  surface = cairo_svg_surface_create_for_stream (append_to_array, array, width, height);
  cr = cairo_create (surface);
  gsk_render_node_draw (node, cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Could not draw the plot as SVG: %s"), cairo_status_to_string (status));
      return FALSE;
    }

  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&array));
  return replace_contents (file, bytes, error);
}

/* the CSV header below names each channel */
G_STATIC_ASSERT (STEVE_N_CHANNELS == 5);

static void
append_value (GString *line,
              double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append_c (line, ',');
  /* a channel the device did not send stays empty, never 0 */
  if (isfinite (value))
    g_string_append (line, g_ascii_formatd (buf, sizeof buf, "%.7g", value));
}

/**
 * steve_plot_export_csv:
 * @t0: start of the range, seconds on the history's time axis
 * @t1: end of the range
 *
 * Writes the samples from @t0 to @t1 as CSV: a time column, then one column
 * per channel in the plots' units, a header naming them. Gaps in the stream
 * are kept as they are (no interpolation).
 */
gboolean
steve_plot_export_csv (SteveHistory  *history,
                       double         t0,
                       double         t1,
                       GFile         *file,
                       GError       **error)
{
  g_autoptr(GString) text = g_string_new ("time_s");

  g_autoptr(GBytes) bytes = NULL;
  guint first, end;

  g_return_val_if_fail (STEVE_IS_HISTORY (history), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  /* fixed, untranslated column names: files are read by scripts */
  g_string_append (text, ",position_deg,velocity_rad_s,torque_nm,filtered_torque_nm,passivity_energy_j");
  g_string_append_c (text, '\n');

  if (!steve_history_get_index_range (history, t0, t1, &first, &end) || first >= end)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("There are no samples in the visible range to export."));
      return FALSE;
    }

  for (guint i = first; i < end; i++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      g_string_append (text, g_ascii_formatd (buf, sizeof buf, "%.4f", steve_history_get_time (history, i)));
      for (SteveChannel c = 0; c < STEVE_N_CHANNELS; c++)
        append_value (text, steve_history_get_value (history, i, c));
      g_string_append_c (text, '\n');
    }

  bytes = g_string_free_to_bytes (g_steal_pointer (&text));
  return replace_contents (file, bytes, error);
}

/* ------------------------------------------------------------------ asking */

typedef struct
{
  StevePlotExportFormat  format;
  GtkWidget             *plot;
  SteveHistory          *history;
  double                 t0;
  double                 t1;
} ExportData;

static void
export_data_free (ExportData *data)
{
  g_clear_object (&data->plot);
  g_clear_object (&data->history);
  g_free (data);
}

static void
export_chosen (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ExportData *data = user_data;
  GtkWidget *widget = GTK_WIDGET (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = steve_choose_file_finish (result, NULL, &error);
  gboolean ok = FALSE;

  if (file != NULL)
    {
      switch (data->format)
        {
        case STEVE_PLOT_EXPORT_PNG:
          ok = steve_plot_export_png (data->plot, file, &error);
          break;
        case STEVE_PLOT_EXPORT_SVG:
          ok = steve_plot_export_svg (data->plot, file, &error);
          break;
        case STEVE_PLOT_EXPORT_CSV:
          ok = steve_plot_export_csv (data->history, data->t0, data->t1, file, &error);
          break;
        default:
          g_assert_not_reached ();
        }

      if (ok)
        {
          g_autofree char *basename = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf (_("Exported “%s”"), basename);

          steve_widget_show_toast (widget, text);
        }
    }

  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    steve_widget_show_toast (widget, error->message);

  export_data_free (data);
}

/**
 * steve_plot_export_ask:
 * @widget: where the chooser and the result toast belong
 * @plot: the widget whose picture is exported (PNG, SVG)
 * @history: the samples exported (CSV) between @t0 and @t1
 *
 * Asks for a file with the native chooser, then exports.
 */
void
steve_plot_export_ask (GtkWidget            *widget,
                       StevePlotExportFormat format,
                       GtkWidget            *plot,
                       SteveHistory         *history,
                       double                t0,
                       double                t1)
{
  static const SteveFileType png[] = { { N_("PNG image"), "*.png" } };
  static const SteveFileType svg[] = { { N_("SVG image"), "*.svg" } };
  static const SteveFileType csv[] = { { N_("CSV table"), "*.csv" } };
  const SteveFileType *types = format == STEVE_PLOT_EXPORT_PNG ? png : format == STEVE_PLOT_EXPORT_SVG ? svg : csv;
  SteveFileType translated = { _(types[0].name), types[0].pattern };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M%S");
  g_autofree char *name = g_strdup_printf ("steve-%s%s%s", format == STEVE_PLOT_EXPORT_CSV ? "range-" : "plot-",
                                           stamp, types[0].pattern + 1);
  ExportData *data = g_new0 (ExportData, 1);

  data->format = format;
  data->plot = plot ? g_object_ref (plot) : NULL;
  data->history = history ? g_object_ref (history) : NULL;
  data->t0 = t0;
  data->t1 = t1;

  steve_choose_file_async (widget, STEVE_FILE_SAVE,
                           format == STEVE_PLOT_EXPORT_CSV ? _("Export Visible Range") : _("Export Plot"),
                           _("_Export"), name, &translated, 1, export_chosen, data);
}
