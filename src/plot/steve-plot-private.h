/* steve-plot-private.h — helpers shared by the plot widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not installed, not part of the API: nice axis limits, autoscale with
 * hysteresis, number and time formatting, the series palette, pixel
 * snapping.
 */
#pragma once

#include <gtk/gtk.h>
#include <math.h>

#include "steve-plot-types.h"

G_BEGIN_DECLS

/* How long the data must use less than half of an axis before it shrinks. */
#define STEVE_AUTOSCALE_HOLD_US   (2 * G_USEC_PER_SEC)
#define STEVE_AUTOSCALE_SHRINK    0.5

typedef struct
{
  double   min;
  double   max;
  double   step;
  guint    max_ticks;
  gboolean valid;
  gint64   shrink_since;   /* monotonic µs; 0 while the data fills the axis */
} SteveAutoscale;

double   steve_plot_nice_step          (double          raw);
double   steve_plot_time_step          (double          raw);
void     steve_plot_nice_range         (double          lo,
                                        double          hi,
                                        double          min_span,
                                        guint           max_ticks,
                                        double         *nice_min,
                                        double         *nice_max,
                                        double         *step);
gboolean steve_autoscale_update        (SteveAutoscale *scale,
                                        double          data_min,
                                        double          data_max,
                                        double          min_span,
                                        guint           max_ticks,
                                        gint64          now_us,
                                        gboolean        snap);
gboolean steve_autoscale_shrink_pending (const SteveAutoscale *scale);

int      steve_plot_decimals_for_step  (double          step);
char    *steve_plot_format_value       (double          value,
                                        int             decimals);
char    *steve_plot_format_time        (double          t,
                                        int             decimals);

void     steve_plot_series_color       (SteveChannel    channel,
                                        GdkRGBA        *color);
PangoLayout *steve_plot_create_small_layout (GtkWidget     *widget,
                                            gboolean       bold);
double   steve_plot_append_text        (GtkSnapshot    *snapshot,
                                        PangoLayout    *layout,
                                        const char     *text,
                                        double          x,
                                        double          y,
                                        double          xalign,
                                        double          yalign,
                                        const GdkRGBA  *color,
                                        int             scale);
void     steve_plot_get_fg_color       (GtkWidget      *widget,
                                        GdkRGBA        *color);
char    *steve_plot_ellipsize          (const char     *text,
                                        glong           max_chars);

/* A cairo node over @area (widget coordinates, clipped to @area). For a
 * vector file (@vector) its bounds start at the widget's origin: cairo
 * 1.16's SVG backend places the drawing of a cairo node whose bounds start
 * elsewhere off by that start. On screen the bounds stay tight, which
 * keeps what a renderer rasterizes small. */
static inline cairo_t *
steve_plot_append_cairo (GtkSnapshot           *snapshot,
                         const graphene_rect_t *area,
                         gboolean               vector)
{
  cairo_t *cr;

  if (!vector)
    return gtk_snapshot_append_cairo (snapshot, area);

  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (0, 0,
                                                       area->origin.x + area->size.width,
                                                       area->origin.y + area->size.height));
  cairo_rectangle (cr, area->origin.x, area->origin.y, area->size.width, area->size.height);
  cairo_clip (cr);
  return cr;
}

static inline double
steve_plot_snap (double v,
                 int    scale)
{
  return round (v * scale) / scale;
}

static inline GdkRGBA
steve_plot_rgba_alpha (const GdkRGBA *c,
                       float          alpha)
{
  GdkRGBA r = *c;

  r.alpha *= alpha;
  return r;
}

G_END_DECLS
