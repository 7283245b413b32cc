/* steve-gui-test-utils.h — helpers shared by the headless GUI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-test-utils.h"
#include "steve-window.h"

G_BEGIN_DECLS

void        steve_gui_test_init    (int               *argc,
                                    char            ***argv);
SteveWindow *steve_gui_simulated_window_new (void);
void        steve_gui_close_window (SteveWindow       *window);
void        steve_gui_set_dark     (gboolean           dark);
GdkTexture *steve_gui_render       (GtkWidget         *widget);
void        steve_gui_save_png     (GdkTexture        *texture,
                                    const char        *name);
guint       steve_gui_count_color  (GdkTexture        *texture,
                                    const GdkRGBA     *color);
typedef gboolean (*SteveGuiWidgetMatch) (GtkWidget     *widget,
                                         gconstpointer  data);

GtkWidget  *steve_gui_find_widget  (GtkWidget         *root,
                                    SteveGuiWidgetMatch match,
                                    gconstpointer      data);
GtkWidget  *steve_gui_find_label   (GtkWidget         *root,
                                    const char        *text);
GtkWidget  *steve_gui_find_named   (GtkWidget         *root,
                                    const char        *name);
gboolean    steve_gui_press_key    (GtkWindow         *window,
                                    const char        *key,
                                    gint64            *arrived_us);

G_END_DECLS
