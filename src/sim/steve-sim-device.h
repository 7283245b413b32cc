/* steve-sim-device.h — the simulated STEVE device: state, physics, REST logic
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain C, no sockets and no locking: SteveSim owns one SteveSimDevice and
 * calls it from its device thread with its lock held. Keeping the model
 * apart from the network makes it testable and fuzzable on its own.
 */
#pragma once

#include <glib.h>

#include "steve-protocol.h"
#include "steve-telemetry.h"
#include "steve-physics.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_SIM_PROFILE_IDLE,
  STEVE_SIM_PROFILE_SINE,
  STEVE_SIM_PROFILE_RANDOM,
  STEVE_SIM_PROFILE_WALLS,
} SteveSimProfile;

typedef enum
{
  STEVE_SIM_FAULT_NONE               = 0,
  STEVE_SIM_FAULT_UNCALIBRATED       = 1 << 0,  /* ODrive boots uncalibrated */
  STEVE_SIM_FAULT_ODRIVE_MISSING     = 1 << 1,  /* ODrive does not answer at all */
  STEVE_SIM_FAULT_UNINITIALIZED      = 1 << 2,  /* valve never initialises */
  STEVE_SIM_FAULT_ENCODER_STALE      = 1 << 3,  /* encoder data stops: valve errors */
  STEVE_SIM_FAULT_CAN_FAILURE        = 1 << 4,  /* CAN bus fails: valve errors */
} SteveSimFaults;

typedef struct _SteveSimDevice SteveSimDevice;

typedef enum
{
  STEVE_SIM_DEFER_NONE,
  STEVE_SIM_DEFER_START,    /* answer when steve_sim_device_start_done() */
} SteveSimDefer;

typedef struct
{
  guint          status;
  char          *body;
  const char    *content_type;
  SteveSimDefer  defer;
  gboolean       stream_changed;  /* streaming started/stopped/changed */
  gboolean       save_state;      /* presets changed: persist after answering */
} SteveSimResponse;

typedef struct
{
  guint32 cycles;        /* device ms since boot */
  guint32 boot_id;
} SteveSimClock;

SteveSimDevice *steve_sim_device_new            (SteveDialect          dialect,
                                                 SteveSimProfile       profile,
                                                 guint32               seed);
void            steve_sim_device_free           (SteveSimDevice       *dev);
void            steve_sim_device_boot           (SteveSimDevice       *dev);
void            steve_sim_device_cycle          (SteveSimDevice       *dev);
guint32         steve_sim_device_now_ms         (SteveSimDevice       *dev);
guint32         steve_sim_device_boot_id        (SteveSimDevice       *dev);

void            steve_sim_device_set_faults     (SteveSimDevice       *dev,
                                                 SteveSimFaults        faults);
SteveSimFaults  steve_sim_device_get_faults     (SteveSimDevice       *dev);
void            steve_sim_device_set_profile    (SteveSimDevice       *dev,
                                                 SteveSimProfile       profile);
void            steve_sim_device_set_external_torque (SteveSimDevice  *dev,
                                                 double                torque_nm);
void            steve_sim_device_set_odrive_flaky_rate (SteveSimDevice *dev,
                                                 double                rate);
void            steve_sim_device_set_api_key    (SteveSimDevice       *dev,
                                                 const char           *key);
SteveDialect    steve_sim_device_get_dialect    (SteveSimDevice       *dev);

/* presets persistence */
gboolean        steve_sim_device_load_presets   (SteveSimDevice       *dev,
                                                 GKeyFile             *file,
                                                 GError              **error);
GKeyFile       *steve_sim_device_save_presets   (SteveSimDevice       *dev);
const StevePreset *steve_sim_device_get_preset  (SteveSimDevice       *dev,
                                                 guint                 index);

/* REST */
void            steve_sim_device_handle         (SteveSimDevice       *dev,
                                                 const char           *method,
                                                 const char           *path,
                                                 const char           *api_key,
                                                 const char           *body,
                                                 gsize                 body_len,
                                                 SteveSimResponse     *resp);
gboolean        steve_sim_device_start_pending  (SteveSimDevice       *dev);
void            steve_sim_device_start_result   (SteveSimDevice       *dev,
                                                 SteveSimResponse     *resp);
void            steve_sim_response_clear        (SteveSimResponse     *resp);
void            steve_sim_response_set_error    (SteveSimResponse     *resp,
                                                 guint                 status,
                                                 const char           *code);

/* stream */
gboolean        steve_sim_device_stream_active  (SteveSimDevice       *dev);
guint           steve_sim_device_stream_interval (SteveSimDevice      *dev);
void            steve_sim_device_stream_force_stop (SteveSimDevice    *dev);
void            steve_sim_device_fill_sample    (SteveSimDevice       *dev,
                                                 SteveSample          *sample);
gsize           steve_sim_device_format_hello   (SteveSimDevice       *dev,
                                                 guint                 interval_ms,
                                                 char                 *buf,
                                                 gsize                 size);
gsize           steve_sim_device_format_sync    (SteveSimDevice       *dev,
                                                 const char           *token,
                                                 char                 *buf,
                                                 gsize                 size);
void            steve_sim_device_count_stream   (SteveSimDevice       *dev,
                                                 guint                 connected_clients,
                                                 guint64               sent,
                                                 guint64               errors,
                                                 guint64               invalid);

/* inspection for tests */
void            steve_sim_device_get_config     (SteveSimDevice       *dev,
                                                 SteveConfig          *config);
SteveValveState steve_sim_device_get_valve_state (SteveSimDevice      *dev);
guint           steve_sim_device_get_axis_state (SteveSimDevice       *dev);
guint32         steve_sim_device_get_axis_error (SteveSimDevice       *dev);
double          steve_sim_device_get_position_turns (SteveSimDevice   *dev);

G_END_DECLS
