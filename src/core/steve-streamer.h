/* steve-streamer.h — telemetry in a worker thread
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-client.h"
#include "steve-telemetry.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_STREAMER_STOPPED,
  STEVE_STREAMER_CONNECTING,
  STEVE_STREAMER_STREAMING,
  STEVE_STREAMER_RECONNECTING,
} SteveStreamerState;

typedef enum
{
  STEVE_STREAM_EVENT_CONNECTED,       /* a connection is up (after the hello) */
  STEVE_STREAM_EVENT_DISCONNECTED,    /* the connection ended */
  STEVE_STREAM_EVENT_GAP,             /* samples missing within a connection (device stall) */
  STEVE_STREAM_EVENT_RECONNECT_GAP,   /* samples missing across a reconnection */
} SteveStreamEventKind;

/**
 * SteveStreamEvent:
 * @from_timestamp_ms: device time of the last sample before the gap
 * @to_timestamp_ms: device time of the first sample after it
 * @from_host_us: g_get_monotonic_time() of the last sample before
 * @to_host_us: g_get_monotonic_time() of the first sample after
 * @missing: samples estimated missing (from the interval)
 * @duration_ms: length of the gap beyond one interval
 * @device_restarted: the device clock went back (the device rebooted)
 */
typedef struct
{
  SteveStreamEventKind kind;
  gint64               host_time_us;
  guint32              from_timestamp_ms;
  guint32              to_timestamp_ms;
  gint64               from_host_us;
  gint64               to_host_us;
  guint64              missing;
  double               duration_ms;
  gboolean             device_restarted;
} SteveStreamEvent;

#define STEVE_TYPE_STREAM_EVENT (steve_stream_event_get_type ())
GType             steve_stream_event_get_type (void) G_GNUC_CONST;
SteveStreamEvent *steve_stream_event_copy     (const SteveStreamEvent *event);
void              steve_stream_event_free     (SteveStreamEvent       *event);

/**
 * SteveRawSinkFuncs:
 * @samples: called with every batch of samples, in order, none dropped
 * @event: called with every stream event
 *
 * A raw sink runs **in the streamer's worker thread** and must be fast: it
 * holds up the socket while it runs. Use it for consumers that must not
 * lose data (the recorder); everything else should use the
 * #SteveStreamer::samples signal in the main context.
 */
typedef struct
{
  void (*samples) (const SteveSample      *samples,
                   guint                   n_samples,
                   gpointer                user_data);
  void (*event)   (const SteveStreamEvent *event,
                   gpointer                user_data);
} SteveRawSinkFuncs;

typedef struct
{
  guint64      samples;
  guint64      rejected_lines;
  guint64      gaps;
  double       gap_ms;
  guint64      gap_samples;
  guint64      connections;
  guint64      reconnect_gaps;
  double       reconnect_gap_ms;
  guint64      reconnect_gap_samples;
  guint64      ui_dropped;
  double       rate_hz;
  double       rtt_ms;
  double       rtt_min_ms;
  gboolean     clock_valid;
  gint64       clock_offset_us;   /* host monotonic µs = device ms × 1000 + offset */
  SteveDialect dialect;
  guint        interval_ms;
} SteveStreamerStats;

#define STEVE_TYPE_STREAMER (steve_streamer_get_type ())
G_DECLARE_FINAL_TYPE (SteveStreamer, steve_streamer, STEVE, STREAMER, GObject)

SteveStreamer      *steve_streamer_new             (SteveClient             *client,
                                                    const char              *host,
                                                    guint                    port,
                                                    guint                    interval_ms);
guint               steve_streamer_add_raw_sink    (SteveStreamer           *self,
                                                    const SteveRawSinkFuncs *funcs,
                                                    gpointer                 user_data,
                                                    GDestroyNotify           destroy);
void                steve_streamer_remove_raw_sink (SteveStreamer           *self,
                                                    guint                    id);
void                steve_streamer_start           (SteveStreamer           *self);
void                steve_streamer_stop            (SteveStreamer           *self);
SteveStreamerState  steve_streamer_get_state       (SteveStreamer           *self);
void                steve_streamer_get_stats       (SteveStreamer           *self,
                                                    SteveStreamerStats      *stats);
void                steve_streamer_set_interval    (SteveStreamer           *self,
                                                    guint                    interval_ms);
guint               steve_streamer_get_interval    (SteveStreamer           *self);
void                steve_streamer_set_ui_limit    (SteveStreamer           *self,
                                                    guint                    max_samples);
gint64              steve_streamer_device_to_host_us (SteveStreamer         *self,
                                                    guint32                  timestamp_ms);
const char         *steve_streamer_state_to_string (SteveStreamerState       state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveStreamEvent, steve_stream_event_free)

G_END_DECLS
