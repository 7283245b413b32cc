/* steve-client.h — the one serialized client of a STEVE device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-protocol.h"

G_BEGIN_DECLS

/**
 * SteveClientState:
 * @STEVE_CLIENT_DISCONNECTED: not connected; requests fail at once
 * @STEVE_CLIENT_CONNECTING: probing the device for the first time
 * @STEVE_CLIENT_CONNECTED: requests flow
 * @STEVE_CLIENT_RECONNECTING: the device stopped answering; probing with backoff
 * @STEVE_CLIENT_AUTH_FAILED: the device refused the API key
 */
typedef enum
{
  STEVE_CLIENT_DISCONNECTED,
  STEVE_CLIENT_CONNECTING,
  STEVE_CLIENT_CONNECTED,
  STEVE_CLIENT_RECONNECTING,
  STEVE_CLIENT_AUTH_FAILED,
} SteveClientState;

/**
 * SteveFeature:
 *
 * Whether the device offers an optional endpoint (`/performance`).
 */
typedef enum
{
  STEVE_FEATURE_UNKNOWN,
  STEVE_FEATURE_OFFERED,
  STEVE_FEATURE_NOT_OFFERED,
} SteveFeature;

typedef struct
{
  double  last_ms;
  double  mean_ms;
  double  max_ms;
  guint64 count;
} SteveRttStats;

#define STEVE_TYPE_CLIENT (steve_client_get_type ())
G_DECLARE_FINAL_TYPE (SteveClient, steve_client, STEVE, CLIENT, GObject)

SteveClient       *steve_client_new                  (const char          *host,
                                                      guint                port,
                                                      const char          *api_key);

const char        *steve_client_get_host             (SteveClient         *self);
guint              steve_client_get_port             (SteveClient         *self);
SteveClientState   steve_client_get_state            (SteveClient         *self);
const GError      *steve_client_get_last_error       (SteveClient         *self);
SteveDialect       steve_client_get_dialect          (SteveClient         *self);
SteveFeature       steve_client_get_performance_support (SteveClient      *self);
void               steve_client_get_rtt_stats        (SteveClient         *self,
                                                      SteveRttStats       *stats);
const SteveConfig *steve_client_get_device_config    (SteveClient         *self);
guint              steve_client_get_queue_length     (SteveClient         *self);
GMainContext      *steve_client_get_context          (SteveClient         *self);

void               steve_client_connect_async        (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           steve_client_connect_finish       (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
void               steve_client_disconnect           (SteveClient         *self);

void               steve_client_get_status_async     (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SteveStatus       *steve_client_get_status_finish    (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_get_config_async     (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SteveConfig       *steve_client_get_config_finish    (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_set_config_async     (SteveClient         *self,
                                                      const SteveConfig   *update,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SteveConfig       *steve_client_set_config_finish    (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_control_async        (SteveClient         *self,
                                                      SteveControlAction   action,
                                                      int                  preset,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           steve_client_control_finish       (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      SteveControlReply   *reply,
                                                      GError             **error);

void               steve_client_get_presets_async    (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
GPtrArray         *steve_client_get_presets_finish   (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_save_preset_async    (SteveClient         *self,
                                                      const StevePreset   *preset,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
void               steve_client_save_current_preset_async (SteveClient    *self,
                                                      guint                index,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           steve_client_save_preset_finish   (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_get_odrive_async     (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SteveOdriveStatus *steve_client_get_odrive_finish    (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_odrive_action_async  (SteveClient         *self,
                                                      SteveOdriveAction    action,
                                                      double               value,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           steve_client_odrive_action_finish (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_get_can_async        (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SteveCanStatus    *steve_client_get_can_finish       (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_get_performance_async (SteveClient        *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
StevePerformance  *steve_client_get_performance_finish (SteveClient       *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_get_stream_async     (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
SteveStreamStats  *steve_client_get_stream_finish    (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_stream_start_async   (SteveClient         *self,
                                                      guint                interval_ms,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
void               steve_client_stream_stop_async    (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           steve_client_stream_finish        (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

void               steve_client_estop_async          (SteveClient         *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
gboolean           steve_client_estop_finish         (SteveClient         *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);

const char        *steve_client_state_to_string      (SteveClientState     state);

G_END_DECLS
