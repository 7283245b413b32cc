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

GtkWidget *steve_presets_page_new                    (void);
void       steve_presets_page_set_session            (StevePresetsPage     *self,
                                                      SteveClient          *client,
                                                      SteveTuner           *tuner);
void       steve_presets_page_refresh                (StevePresetsPage     *self);
GPtrArray *steve_presets_page_get_presets            (StevePresetsPage     *self);
gboolean   steve_presets_page_export_to_file         (StevePresetsPage     *self,
                                                      GFile                *file,
                                                      GError              **error);
void       steve_presets_page_import_from_file_async (StevePresetsPage     *self,
                                                      GFile                *file,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean   steve_presets_page_import_from_file_finish (StevePresetsPage    *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

G_END_DECLS
