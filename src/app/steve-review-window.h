/* steve-review-window.h — a past recording in the plots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-recording.h"

G_BEGIN_DECLS

#define STEVE_TYPE_REVIEW_WINDOW (steve_review_window_get_type ())
G_DECLARE_FINAL_TYPE (SteveReviewWindow, steve_review_window, STEVE, REVIEW_WINDOW, AdwApplicationWindow)

GtkWidget      *steve_review_window_new           (GtkApplication      *application,
                                                   SteveRecording      *recording,
                                                   const char          *title);
SteveRecording *steve_review_window_get_recording (SteveReviewWindow   *self);
GtkWidget      *steve_review_window_get_chart     (SteveReviewWindow   *self);
gpointer        steve_review_window_get_history   (SteveReviewWindow   *self);

void            steve_recording_open_async        (GFile               *file,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
SteveRecording *steve_recording_open_finish       (GAsyncResult        *result,
                                                   GError             **error);
void            steve_review_open_file            (GtkApplication      *application,
                                                   GtkWidget           *toast_widget,
                                                   GFile               *file);

G_END_DECLS
