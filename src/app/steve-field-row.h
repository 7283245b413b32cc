/* steve-field-row.h — one config field in the tuner: slider, spin button, state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "steve-tuner.h"

G_BEGIN_DECLS

#define STEVE_TYPE_FIELD_ROW (steve_field_row_get_type ())
G_DECLARE_FINAL_TYPE (SteveFieldRow, steve_field_row, STEVE, FIELD_ROW, GtkListBoxRow)

GtkWidget  *steve_field_row_new           (SteveTuner *tuner,
                                           SteveField  field);
SteveField  steve_field_row_get_field     (SteveFieldRow *self);
void        steve_field_row_sync          (SteveFieldRow *self);
GtkWidget  *steve_field_row_get_scale     (SteveFieldRow *self);
GtkWidget  *steve_field_row_get_spin      (SteveFieldRow *self);
GtkWidget  *steve_field_row_get_warning   (SteveFieldRow *self);
double      steve_field_row_value_to_slider (SteveFieldRow *self,
                                           double         value);
double      steve_field_row_slider_to_value (SteveFieldRow *self,
                                           double         position);

G_END_DECLS
