/* steve-window.h — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-client.h"
#include "steve-sim.h"
#include "steve-streamer.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

#define STEVE_TYPE_WINDOW (steve_window_get_type ())
G_DECLARE_FINAL_TYPE (SteveWindow, steve_window, STEVE, WINDOW, AdwApplicationWindow)

SteveWindow   *steve_window_new               (GtkApplication *application);
void           steve_window_connect           (SteveWindow    *self,
                                               const char     *host,
                                               guint           port,
                                               const char     *api_key);
void           steve_window_connect_simulated (SteveWindow    *self);
void           steve_window_disconnect        (SteveWindow    *self);

/* for tests and the app's own tools */
SteveClient   *steve_window_get_client        (SteveWindow    *self);
SteveStreamer *steve_window_get_streamer      (SteveWindow    *self);
SteveTuner    *steve_window_get_tuner         (SteveWindow    *self);
SteveSim      *steve_window_get_simulator     (SteveWindow    *self);
GtkWidget     *steve_window_get_tuner_panel   (SteveWindow    *self);
GtkWidget     *steve_window_get_chart         (SteveWindow    *self);
GtkWidget     *steve_window_get_model_view    (SteveWindow    *self);
gpointer       steve_window_get_history       (SteveWindow    *self);
gboolean       steve_window_is_connected      (SteveWindow    *self);
void           steve_window_show_toast        (SteveWindow    *self,
                                               const char     *message);
GtkWidget     *steve_window_get_title_widget  (SteveWindow    *self);
void           steve_window_dismiss_toasts    (SteveWindow    *self);
void           steve_window_show_model_view   (SteveWindow    *self,
                                               gboolean        model);

G_END_DECLS
