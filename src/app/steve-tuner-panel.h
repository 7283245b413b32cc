/* steve-tuner-panel.h — the RealtimeTuner side panel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-protocol.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

#define STEVE_TYPE_TUNER_PANEL (steve_tuner_panel_get_type ())
G_DECLARE_FINAL_TYPE (SteveTunerPanel, steve_tuner_panel, STEVE, TUNER_PANEL, GtkBox)

GtkWidget *steve_tuner_panel_new              (void);
void       steve_tuner_panel_set_tuner        (SteveTunerPanel         *self,
                                               SteveTuner              *tuner,
                                               SteveDialect             dialect);
void       steve_tuner_panel_set_valve_state  (SteveTunerPanel         *self,
                                               SteveValveState          state);
void       steve_tuner_panel_set_odrive       (SteveTunerPanel         *self,
                                               const SteveOdriveStatus *odrive);
GtkWidget *steve_tuner_panel_get_row          (SteveTunerPanel         *self,
                                               SteveField               field);

G_END_DECLS
