/* steve-model-view.h — measured torque against the configured model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two panels: torque vs velocity and torque vs position. Each shows the
 * samples of the last seconds as dots, and on top the curve the current
 * configuration should produce (steve_physics_torque()).
 */
#pragma once

#include <gtk/gtk.h>

#include "steve-history.h"
#include "steve-plot-types.h"
#include "steve-protocol.h"

G_BEGIN_DECLS

/* At most this many dots per panel. */
#define STEVE_MODEL_VIEW_MAX_POINTS 4000
/* The small velocity of the torque-vs-position curves, rad/s. */
#define STEVE_MODEL_VIEW_PROBE_OMEGA 0.5

#define STEVE_TYPE_MODEL_VIEW (steve_model_view_get_type ())
G_DECLARE_FINAL_TYPE (SteveModelView, steve_model_view, STEVE, MODEL_VIEW, GtkWidget)

GtkWidget         *steve_model_view_new             (void);

SteveHistory      *steve_model_view_get_history     (SteveModelView    *self);
void               steve_model_view_set_history     (SteveModelView    *self,
                                                     SteveHistory      *history);
const SteveConfig *steve_model_view_get_config      (SteveModelView    *self);
void               steve_model_view_set_config      (SteveModelView    *self,
                                                     const SteveConfig *config);
double             steve_model_view_get_seconds     (SteveModelView    *self);
void               steve_model_view_set_seconds     (SteveModelView    *self,
                                                     double             seconds);

gboolean           steve_model_view_curve_value     (SteveModelView    *self,
                                                     SteveModelCurve    which,
                                                     double             x,
                                                     double            *y);
double             steve_model_view_get_probe_position (SteveModelView *self);
guint              steve_model_view_get_n_points    (SteveModelView    *self);

void               steve_model_view_snapshot_vector (SteveModelView    *self,
                                                     GtkSnapshot       *snapshot);

G_END_DECLS
