/* steve-sim.h — a protocol-faithful simulated STEVE device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threading: a started SteveSim runs its sockets and its 1 kHz control
 * loop in a private thread with its own GMainContext, like a device on the
 * network. Every public function may be called from any thread; they take
 * the simulator's lock briefly and never wait for network activity. The
 * simulator emits no signals.
 */
#pragma once

#include <glib-object.h>

#include "steve-types.h"
#include "steve-protocol.h"
#include "steve-sim-device.h"

G_BEGIN_DECLS

#define STEVE_TYPE_SIM (steve_sim_get_type ())
G_DECLARE_FINAL_TYPE (SteveSim, steve_sim, STEVE, SIM, GObject)

typedef struct
{
  char   *method;
  char   *path;
  char   *body;
  gint64  time_us;     /* g_get_monotonic_time() when the request was complete */
  guint64 conn_id;
} SteveSimRequestRecord;

typedef struct
{
  gint64  time_us;     /* g_get_monotonic_time() when queued on the socket */
  guint32 boot_id;
  guint32 conn_id;
  guint32 timestamp_ms;
  guint32 seq;
} SteveSimSentSample;

SteveSim   *steve_sim_new                   (void);
gboolean    steve_sim_start                 (SteveSim         *self,
                                             GError          **error);
void        steve_sim_stop                  (SteveSim         *self);
gboolean    steve_sim_is_running            (SteveSim         *self);
guint       steve_sim_get_http_port         (SteveSim         *self);
guint       steve_sim_get_stream_port       (SteveSim         *self);
const char *steve_sim_get_listen_address    (SteveSim         *self);
const char *steve_sim_get_api_key           (SteveSim         *self);

/* faults */
void        steve_sim_set_faults            (SteveSim         *self,
                                             SteveSimFaults    faults);
void        steve_sim_set_http_latency      (SteveSim         *self,
                                             guint             latency_ms);
void        steve_sim_set_http_error_rate   (SteveSim         *self,
                                             double            rate);
void        steve_sim_set_odrive_flaky_rate (SteveSim         *self,
                                             double            rate);
void        steve_sim_set_stream_close_every (SteveSim        *self,
                                             guint             period_ms);
void        steve_sim_set_garbage_every     (SteveSim         *self,
                                             guint             n_samples);
void        steve_sim_stall_stream          (SteveSim         *self,
                                             guint             duration_ms);
void        steve_sim_set_stall_every       (SteveSim         *self,
                                             guint             period_ms,
                                             guint             duration_ms);
void        steve_sim_restart               (SteveSim         *self,
                                             guint             downtime_ms);
void        steve_sim_set_restart_every     (SteveSim         *self,
                                             guint             period_ms,
                                             guint             downtime_ms);
void        steve_sim_close_stream_clients  (SteveSim         *self);

/* the hand on the shaft */
void        steve_sim_set_profile           (SteveSim         *self,
                                             SteveSimProfile   profile);
void        steve_sim_set_external_torque   (SteveSim         *self,
                                             double            torque_nm);

/* inspection */
void        steve_sim_get_config            (SteveSim         *self,
                                             SteveConfig      *config);
StevePreset *steve_sim_dup_preset           (SteveSim         *self,
                                             guint             index);
SteveValveState steve_sim_get_valve_state   (SteveSim         *self);
guint       steve_sim_get_axis_state        (SteveSim         *self);
guint32     steve_sim_get_axis_error        (SteveSim         *self);
guint       steve_sim_get_stream_clients    (SteveSim         *self);
gboolean    steve_sim_is_up                 (SteveSim         *self);
guint       steve_sim_get_boot_count        (SteveSim         *self);
guint       steve_sim_get_http_connections  (SteveSim         *self);

void        steve_sim_set_log_requests      (SteveSim         *self,
                                             gboolean          enabled);
GPtrArray  *steve_sim_dup_request_log       (SteveSim         *self);
void        steve_sim_clear_request_log     (SteveSim         *self);
void        steve_sim_set_log_samples       (SteveSim         *self,
                                             gboolean          enabled);
GArray     *steve_sim_dup_sample_log        (SteveSim         *self);

void        steve_sim_request_record_free   (SteveSimRequestRecord *record);

GType       steve_sim_profile_get_type      (void) G_GNUC_CONST;
const char *steve_sim_profile_to_string     (SteveSimProfile   profile);
gboolean    steve_sim_profile_from_string   (const char       *text,
                                             SteveSimProfile  *profile);

G_END_DECLS
