/* steve-recorder.h — records the stream without losing a sample
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-recording.h"
#include "steve-streamer.h"

G_BEGIN_DECLS

typedef struct
{
  guint64  samples;
  guint    gaps;
  double   gap_ms;
  guint    config_changes;
  double   duration_s;
  guint64  journal_bytes;
  gboolean journal_failed;
} SteveRecorderStats;

#define STEVE_TYPE_RECORDER (steve_recorder_get_type ())
G_DECLARE_FINAL_TYPE (SteveRecorder, steve_recorder, STEVE, RECORDER, GObject)

SteveRecorder  *steve_recorder_new               (void);
gboolean        steve_recorder_start             (SteveRecorder            *self,
                                                  SteveStreamer            *streamer,
                                                  const SteveRecordingInfo *info,
                                                  const char               *journal_path,
                                                  GError                  **error);
gboolean        steve_recorder_is_recording      (SteveRecorder            *self);
void            steve_recorder_add_config_change (SteveRecorder            *self,
                                                  const SteveConfig        *before,
                                                  const SteveConfig        *after);
void            steve_recorder_add_mark          (SteveRecorder            *self,
                                                  const char               *label);
void            steve_recorder_get_stats         (SteveRecorder            *self,
                                                  SteveRecorderStats       *stats);
const char     *steve_recorder_get_journal_path  (SteveRecorder            *self);
SteveRecording *steve_recorder_stop              (SteveRecorder            *self,
                                                  GError                  **error);

G_END_DECLS
