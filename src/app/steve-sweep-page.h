/* steve-sweep-page.h — the Sweep page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-client.h"
#include "steve-streamer.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

#define STEVE_TYPE_SWEEP_PAGE (steve_sweep_page_get_type ())
G_DECLARE_FINAL_TYPE (SteveSweepPage, steve_sweep_page, STEVE, SWEEP_PAGE, AdwBin)

GtkWidget *steve_sweep_page_new         (void);
void       steve_sweep_page_set_session (SteveSweepPage *self,
                                  SteveClient *client, SteveStreamer *streamer, SteveTuner *tuner);

G_END_DECLS
