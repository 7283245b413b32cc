/* steve-recording.h — a recorded session: samples, metadata, events; files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-protocol.h"
#include "steve-telemetry.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_RECORDING_FORMAT_CSV,
  STEVE_RECORDING_FORMAT_JSON,
  STEVE_RECORDING_FORMAT_HDF5,
  STEVE_RECORDING_FORMAT_JOURNAL,
} SteveRecordingFormat;

typedef enum
{
  STEVE_RECORDING_EVENT_CONFIG_CHANGE,
  STEVE_RECORDING_EVENT_GAP,
  STEVE_RECORDING_EVENT_RECONNECT_GAP,
  STEVE_RECORDING_EVENT_MARK,
} SteveRecordingEventKind;

/**
 * SteveRecordingEvent:
 * @timestamp_ms: device time of the event (for gaps: the first sample after)
 * @host_time_us: g_get_monotonic_time() when it happened
 * @from_timestamp_ms: gaps: the last sample before
 * @before: config changes: the device's config before
 * @after: config changes: the device's config after
 * @label: marks: the text (e.g. a sweep step); config changes: the summary
 */
typedef struct
{
  SteveRecordingEventKind kind;
  guint32                 timestamp_ms;
  gint64                  host_time_us;
  guint32                 from_timestamp_ms;
  double                  duration_ms;
  guint64                 missing;
  gboolean                device_restarted;
  SteveConfig             before;
  SteveConfig             after;
  char                   *label;
} SteveRecordingEvent;

typedef struct
{
  char         *device_host;
  guint         device_port;
  SteveDialect  dialect;
  guint         interval_ms;
  GDateTime    *start_time;
  GDateTime    *end_time;
  SteveConfig   config_at_start;
} SteveRecordingInfo;

#define STEVE_TYPE_RECORDING (steve_recording_get_type ())
G_DECLARE_FINAL_TYPE (SteveRecording, steve_recording, STEVE, RECORDING, GObject)

SteveRecording            *steve_recording_new             (const SteveRecordingInfo *info);
const SteveRecordingInfo  *steve_recording_get_info        (SteveRecording          *self);
void                       steve_recording_set_end_time    (SteveRecording          *self,
                                                            GDateTime               *end_time);
void                       steve_recording_append_samples  (SteveRecording          *self,
                                                            const SteveSample       *samples,
                                                            guint                    n_samples);
void                       steve_recording_append_event    (SteveRecording          *self,
                                                            const SteveRecordingEvent *event);
const SteveSample         *steve_recording_get_samples     (SteveRecording          *self,
                                                            guint                   *n_samples);
const SteveRecordingEvent *steve_recording_get_events      (SteveRecording          *self,
                                                            guint                   *n_events);
guint                      steve_recording_count_events    (SteveRecording          *self,
                                                            SteveRecordingEventKind  kind);
double                     steve_recording_get_duration_s  (SteveRecording          *self);
double                     steve_recording_get_gap_ms      (SteveRecording          *self);
guint                      steve_recording_get_gap_count   (SteveRecording          *self);

char                      *steve_recording_metadata_to_json (SteveRecording         *self);

gboolean                   steve_recording_save            (SteveRecording          *self,
                                                            SteveRecordingFormat     format,
                                                            const char              *path,
                                                            GError                 **error);
void                       steve_recording_save_async      (SteveRecording          *self,
                                                            SteveRecordingFormat     format,
                                                            const char              *path,
                                                            GCancellable            *cancellable,
                                                            GAsyncReadyCallback      callback,
                                                            gpointer                 user_data);
gboolean                   steve_recording_save_finish     (SteveRecording          *self,
                                                            GAsyncResult            *result,
                                                            GError                 **error);
SteveRecording            *steve_recording_load            (const char              *path,
                                                            GError                 **error);
gboolean                   steve_recording_format_from_path (const char             *path,
                                                            SteveRecordingFormat    *format);
const char                *steve_recording_format_extension (SteveRecordingFormat    format);

/* journal lines, shared with the recorder */
void                       steve_recording_journal_header  (SteveRecording          *self,
                                                            GString                 *out);
void                       steve_recording_journal_sample  (const SteveSample       *sample,
                                                            GString                 *out);
void                       steve_recording_journal_event   (const SteveRecordingEvent *event,
                                                            GString                 *out);
void                       steve_recording_journal_end     (SteveRecording          *self,
                                                            GString                 *out);

void                       steve_recording_event_clear     (SteveRecordingEvent     *event);

G_END_DECLS
