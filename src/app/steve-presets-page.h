/* steve-presets-page.h — the Presets page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-client.h"
#include "steve-streamer.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

#define STEVE_TYPE_PRESETS_PAGE (steve_presets_page_get_type ())
G_DECLARE_FINAL_TYPE (StevePresetsPage, steve_presets_page, STEVE, PRESETS_PAGE, AdwBin)

GtkWidget *steve_presets_page_new         (void);
void       steve_presets_page_set_session (StevePresetsPage *self,
                                  SteveClient *client, SteveTuner *tuner);

G_END_DECLS
