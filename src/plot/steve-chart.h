/* steve-chart.h — the live telemetry chart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Lanes stacked vertically (position; velocity; torque and filtered
 * torque; passivity energy) over one time axis. Follows the end of the
 * history live, or shows a frozen, zoomed or panned view.
 */
#pragma once

#include <gtk/gtk.h>

#include "steve-history.h"
#include "steve-plot-types.h"

G_BEGIN_DECLS

/* Zoom limits of the time window, seconds. */
#define STEVE_CHART_MIN_SPAN 0.05
#define STEVE_CHART_MAX_SPAN (7.0 * 24 * 3600)

#define STEVE_TYPE_CHART (steve_chart_get_type ())
G_DECLARE_FINAL_TYPE (SteveChart, steve_chart, STEVE, CHART, GtkWidget)

GtkWidget         *steve_chart_new                  (void);

SteveHistory      *steve_chart_get_history          (SteveChart        *self);
void               steve_chart_set_history          (SteveChart        *self,
                                                     SteveHistory      *history);

double             steve_chart_get_window           (SteveChart        *self);
void               steve_chart_set_window           (SteveChart        *self,
                                                     double             seconds);
gboolean           steve_chart_get_paused           (SteveChart        *self);
void               steve_chart_set_paused           (SteveChart        *self,
                                                     gboolean           paused);
gboolean           steve_chart_get_following        (SteveChart        *self);
void               steve_chart_follow_live          (SteveChart        *self);

StevePositionUnit  steve_chart_get_position_unit    (SteveChart        *self);
void               steve_chart_set_position_unit    (SteveChart        *self,
                                                     StevePositionUnit  unit);
double             steve_chart_get_degrees_per_turn (SteveChart        *self);
void               steve_chart_set_degrees_per_turn (SteveChart        *self,
                                                     double             degrees_per_turn);

guint              steve_chart_get_visible_channels (SteveChart        *self);
void               steve_chart_set_visible_channels (SteveChart        *self,
                                                     guint              mask);
gboolean           steve_chart_get_channel_visible  (SteveChart        *self,
                                                     SteveChannel       channel);
void               steve_chart_set_channel_visible  (SteveChart        *self,
                                                     SteveChannel       channel,
                                                     gboolean           visible);

void               steve_chart_get_view             (SteveChart        *self,
                                                     double            *t0,
                                                     double            *t1);
void               steve_chart_set_view             (SteveChart        *self,
                                                     double             t0,
                                                     double             t1);
void               steve_chart_zoom                 (SteveChart        *self,
                                                     double             factor,
                                                     double             anchor_t);
void               steve_chart_pan                  (SteveChart        *self,
                                                     double             seconds);

/* Geometry and read-outs, for the app's own controls and for tests. */
double             steve_chart_time_to_x            (SteveChart        *self,
                                                     double             t);
double             steve_chart_x_to_time            (SteveChart        *self,
                                                     double             x);
gboolean           steve_chart_get_plot_area        (SteveChart        *self,
                                                     SteveChannel       channel,
                                                     graphene_rect_t   *area);
gboolean           steve_chart_get_y_range          (SteveChart        *self,
                                                     SteveChannel       channel,
                                                     double            *min,
                                                     double            *max);
void               steve_chart_set_cursor_time      (SteveChart        *self,
                                                     double             t);
void               steve_chart_snapshot_vector      (SteveChart        *self,
                                                     GtkSnapshot       *snapshot);
char              *steve_chart_dup_cursor_text      (SteveChart        *self);
char              *steve_chart_dup_legend_text      (SteveChart        *self,
                                                     SteveChannel       channel);
char              *steve_chart_dup_tooltip_at       (SteveChart        *self,
                                                     double             x,
                                                     double             y);

void               steve_chart_get_series_color     (SteveChannel       channel,
                                                     GdkRGBA           *color);

G_END_DECLS
