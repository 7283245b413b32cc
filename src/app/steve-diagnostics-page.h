/* steve-diagnostics-page.h — the Diagnostics page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-client.h"
#include "steve-streamer.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

#define STEVE_TYPE_DIAGNOSTICS_PAGE (steve_diagnostics_page_get_type ())
G_DECLARE_FINAL_TYPE (SteveDiagnosticsPage, steve_diagnostics_page, STEVE, DIAGNOSTICS_PAGE, AdwBin)

GtkWidget *steve_diagnostics_page_new         (void);
void       steve_diagnostics_page_set_session (SteveDiagnosticsPage *self,
                                  SteveClient *client, SteveStreamer *streamer);

G_END_DECLS
