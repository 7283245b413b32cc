/* steve-window-private.h — SteveWindow internals shared by its source files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "steve-diagnostics-page.h"
#include "steve-presets-page.h"
#include "steve-recorder.h"
#include "steve-sweep-page.h"
#include "steve-tuner-panel.h"
#include "steve-window.h"

G_BEGIN_DECLS

struct _SteveWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwStatusPage        *start_page;
  AdwEntryRow          *host_row;
  AdwEntryRow          *port_row;
  AdwEntryRow          *key_row;
  GtkWidget            *connect_button;
  GtkWidget            *simulate_button;
  GtkWidget            *recent_group;
  GtkWidget            *recent_list;
  AdwWindowTitle       *device_title;
  GtkWidget            *estop_button;
  GtkLabel             *health_label;
  GtkRevealer          *banner_revealer;
  GtkWidget            *banner;
  GtkLabel             *banner_label;
  GtkWidget            *banner_button;
  GtkWidget            *paned;
  GtkWidget            *plot_box;
  GtkStack             *plot_stack;
  GtkWidget            *quirk_label;
  GtkDropDown          *window_dropdown;
  GtkToggleButton      *pause_button;
  GtkWidget            *follow_button;
  GtkToggleButton      *time_view_button;
  GtkToggleButton      *model_view_button;
  SteveTunerPanel      *tuner_panel;
  AdwViewStack         *view_stack;
  StevePresetsPage     *presets_page;
  SteveSweepPage       *sweep_page;
  SteveDiagnosticsPage *diagnostics_page;
  GtkWidget            *record_button;
  GtkLabel             *record_label;
  GtkRevealer          *recording_revealer;
  GtkLabel             *recording_label;

  GSettings            *settings;

  /* the session */
  GCancellable         *cancellable;
  SteveSim             *sim;
  SteveClient          *client;
  SteveStreamer        *streamer;
  SteveTuner           *tuner;
  char                 *host;
  guint                 port;
  char                 *api_key;
  gboolean              connecting;
  SteveValveState       valve_state;
  SteveOdriveStatus     odrive;
  gboolean              stream_was_up;
  gboolean              status_pending;
  gboolean              odrive_pending;
  guint                 poll_id;
  gboolean              live_mode;
  gboolean              quit_confirmed;
  gboolean              closing_after_stop;  /* "Stop and Close" waits for the stop */
  GtkWidget            *close_dialog;   /* weak: the open "Stop the valve?" question */
  GCancellable         *key_lookup;     /* the start page waiting for the keyring */
  char                 *estop_failure;  /* what the last e-stop's failure says, until one succeeds */
  AdwToast             *last_toast;     /* weak */
  gint64                last_toast_shown_us;
  gboolean              disposing;
  guint                 disconnect_wait_id;
  gint64                disconnect_deadline_us;

  /* recording (steve-window-recording.c) */
  SteveRecorder        *recorder;
  GFile                *recording_file;
  SteveRecordingFormat  recording_format;
  SteveWindowRecordingState recording_state;
  guint                 recording_tick_id;
  guint                 mark_count;
  guint                 n_recordings_saved;
  GError               *last_recording_error;

  /* plots (steve-window-plots.c) */
  gpointer              history;
  GtkWidget            *chart;
  GtkWidget            *model_view;
};

void steve_window_update_actions             (SteveWindow       *self);

void steve_window_recording_class_init     (GtkWidgetClass    *widget_class);
void steve_window_recording_dispose        (SteveWindow       *self);
void steve_window_recording_update_actions (SteveWindow       *self);
void steve_window_recording_session_ending (SteveWindow       *self);
void steve_window_recording_config_applied (SteveWindow       *self,
                                            const SteveConfig *before,
                                            const SteveConfig *after);

void steve_window_plots_class_init       (GtkWidgetClass    *widget_class);
void steve_window_plots_init             (SteveWindow       *self);
void steve_window_plots_dispose          (SteveWindow       *self);
void steve_window_plots_attach           (SteveWindow       *self);
void steve_window_plots_detach           (SteveWindow       *self);
void steve_window_plots_append           (SteveWindow       *self,
                                          GArray            *batch);
void steve_window_plots_config_applied   (SteveWindow       *self,
                                          const SteveConfig *before,
                                          const SteveConfig *after);

G_END_DECLS
