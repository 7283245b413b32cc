/* steve-preferences-window.h — preferences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define STEVE_TYPE_PREFERENCES_WINDOW (steve_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (StevePreferencesWindow, steve_preferences_window, STEVE, PREFERENCES_WINDOW, AdwPreferencesWindow)

GtkWidget *steve_preferences_window_new (GtkWindow *parent);

G_END_DECLS
