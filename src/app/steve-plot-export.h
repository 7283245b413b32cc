/* steve-plot-export.h — what a plot shows, written to PNG, SVG or CSV
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Main thread only. Every file is written whole or not at all
 * (g_file_replace_contents: a temporary file renamed over the target).
 */
#pragma once

#include <gtk/gtk.h>

#include "steve-history.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_PLOT_EXPORT_PNG,
  STEVE_PLOT_EXPORT_SVG,
  STEVE_PLOT_EXPORT_CSV,
} StevePlotExportFormat;

gboolean steve_plot_export_png (GtkWidget     *widget,
                                GFile         *file,
                                GError       **error);
gboolean steve_plot_export_svg (GtkWidget     *widget,
                                GFile         *file,
                                GError       **error);
gboolean steve_plot_export_csv (SteveHistory  *history,
                                double         t0,
                                double         t1,
                                GFile         *file,
                                GError       **error);

void     steve_plot_export_ask (GtkWidget            *widget,
                                StevePlotExportFormat format,
                                GtkWidget            *plot,
                                SteveHistory         *history,
                                double                t0,
                                double                t1);

G_END_DECLS
