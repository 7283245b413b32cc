/* steve-window.h — the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-client.h"
#include "steve-recording.h"
#include "steve-sim.h"
#include "steve-streamer.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_WINDOW_RECORDING_IDLE,
  STEVE_WINDOW_RECORDING,
  STEVE_WINDOW_RECORDING_SAVING,
} SteveWindowRecordingState;

#define STEVE_TYPE_WINDOW (steve_window_get_type ())
G_DECLARE_FINAL_TYPE (SteveWindow, steve_window, STEVE, WINDOW, AdwApplicationWindow)

SteveWindow   *steve_window_new               (GtkApplication *application);
void           steve_window_connect           (SteveWindow    *self,
                                               const char     *host,
                                               guint           port,
                                               const char     *api_key);
void           steve_window_connect_stored    (SteveWindow    *self,
                                               const char     *host,
                                               guint           port);
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
gboolean       steve_window_has_session       (SteveWindow    *self);
SteveValveState steve_window_get_valve_state  (SteveWindow    *self);
void           steve_window_show_toast        (SteveWindow    *self,
                                               const char     *message);
GtkWidget     *steve_window_get_title_widget  (SteveWindow    *self);
void           steve_window_dismiss_toasts    (SteveWindow    *self);
void           steve_window_show_model_view   (SteveWindow    *self,
                                               gboolean        model);
void           steve_window_show_page         (SteveWindow    *self,
                                               const char     *name);


/* recording (steve-window-recording.c) */
gboolean       steve_window_start_recording   (SteveWindow          *self,
                                               GFile                *file,
                                               SteveRecordingFormat  format,
                                               GError              **error);
void           steve_window_stop_recording    (SteveWindow          *self);
SteveWindowRecordingState
               steve_window_get_recording_state (SteveWindow        *self);
guint          steve_window_get_n_recordings_saved (SteveWindow     *self);
char          *steve_window_dup_journal_dir   (void);
GPtrArray     *steve_window_list_orphan_journals (SteveWindow       *self);
gboolean       steve_window_save_recovered_journal (SteveWindow     *self,
                                               const char           *journal,
                                               GFile                *file,
                                               SteveRecordingFormat  format,
                                               GError              **error);
GtkWidget     *steve_window_offer_recovery    (SteveWindow          *self);

G_END_DECLS
