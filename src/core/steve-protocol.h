/* steve-protocol.h — REST data types, response parsers and request builders
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parsers accept both dialects and never replace a missing field by a
 * default: every struct carries a `present` bit mask, and a value whose bit
 * is clear is unknown. A malformed field (wrong JSON type, non-finite,
 * out of range for its type) fails the whole parse with a STEVE_ERROR_PROTOCOL
 * error naming the field.
 *
 * Request builders produce the exact bodies the firmware expects and refuse,
 * with STEVE_ERROR_VALIDATION, any value outside the hard limits of the
 * field table.
 */
#pragma once

#include <glib-object.h>

#include "steve-types.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- config */

/**
 * SteveConfig:
 * @values: value per #SteveField
 * @present: bit mask (STEVE_FIELD_BIT) of the fields that are known/set
 *
 * A device configuration, or a partial update of one. Plain data.
 */
typedef struct
{
  double  values[STEVE_N_FIELDS];
  guint32 present;
} SteveConfig;

#define STEVE_TYPE_CONFIG (steve_config_get_type ())
GType        steve_config_get_type       (void) G_GNUC_CONST;
SteveConfig *steve_config_new            (void);
SteveConfig *steve_config_copy           (const SteveConfig *config);
void         steve_config_free           (SteveConfig       *config);
void         steve_config_init_factory   (SteveConfig       *config);
void         steve_config_set            (SteveConfig       *config,
                                          SteveField         field,
                                          double             value);
void         steve_config_unset          (SteveConfig       *config,
                                          SteveField         field);
gboolean     steve_config_has            (const SteveConfig *config,
                                          SteveField         field);
double       steve_config_get            (const SteveConfig *config,
                                          SteveField         field);
double       steve_config_get_degrees_per_turn (const SteveConfig *config);
void         steve_config_merge          (SteveConfig       *into,
                                          const SteveConfig *update);
gboolean     steve_config_field_equal    (const SteveConfig *a,
                                          const SteveConfig *b,
                                          SteveField         field);
gboolean     steve_config_apply_update   (const SteveConfig *current,
                                          const SteveConfig *update,
                                          SteveConfig       *result,
                                          GError           **error);
gboolean     steve_config_validate       (const SteveConfig *config,
                                          GError           **error);
char        *steve_config_describe_change (const SteveConfig *before,
                                           const SteveConfig *after);

/* ---------------------------------------------------------------- status */

typedef enum
{
  STEVE_STATUS_POS_DEG       = 1 << 0,
  STEVE_STATUS_VEL_RAD_S     = 1 << 1,
  STEVE_STATUS_TORQUE_NM     = 1 << 2,
  STEVE_STATUS_STATE         = 1 << 3,
  STEVE_STATUS_TEMP_FET      = 1 << 4,
  STEVE_STATUS_TEMP_MOTOR    = 1 << 5,
  STEVE_STATUS_BUS_VOLTAGE   = 1 << 6,
  STEVE_STATUS_SAFETY        = 1 << 7,
  STEVE_STATUS_ENERGY_J      = 1 << 8,
  STEVE_STATUS_LOOP_HZ       = 1 << 9,
  STEVE_STATUS_POS_RAW       = 1 << 10,
  STEVE_STATUS_VEL_RAW       = 1 << 11,
} SteveStatusFields;

typedef struct
{
  SteveDialect    dialect;
  SteveValveState state;
  double          pos_deg;
  double          vel_rad_s;
  double          torque_nm;
  double          temp_fet;
  double          temp_motor;
  double          bus_voltage;
  guint32         safety_errors;
  guint32         safety_last_error;
  guint32         safety_estops;
  double          energy_j;
  double          loop_hz;
  double          pos_raw;
  double          vel_raw;
  guint32         present;
} SteveStatus;

#define STEVE_TYPE_STATUS (steve_status_get_type ())
GType        steve_status_get_type (void) G_GNUC_CONST;
SteveStatus *steve_status_copy     (const SteveStatus *status);
void         steve_status_free     (SteveStatus       *status);

/* ---------------------------------------------------------------- presets */

typedef struct
{
  guint        index;
  char        *name;
  SteveConfig  config;   /* physics fields + STEVE_FIELD_TRAVEL */
} StevePreset;

#define STEVE_TYPE_PRESET (steve_preset_get_type ())
GType        steve_preset_get_type (void) G_GNUC_CONST;
StevePreset *steve_preset_new      (guint              index,
                                    const char        *name);
StevePreset *steve_preset_copy     (const StevePreset *preset);
void         steve_preset_free     (StevePreset       *preset);
gboolean     steve_preset_name_is_valid (const char   *name,
                                         GError      **error);
char        *steve_preset_name_normalize (const char  *name);

/* ---------------------------------------------------------------- odrive */

typedef enum
{
  STEVE_ODRIVE_AXIS_ERROR        = 1 << 0,
  STEVE_ODRIVE_AXIS_STATE        = 1 << 1,
  STEVE_ODRIVE_MOTOR_FLAGS       = 1 << 2,
  STEVE_ODRIVE_ENCODER_FLAGS     = 1 << 3,
  STEVE_ODRIVE_CONTROLLER_STATUS = 1 << 4,
  STEVE_ODRIVE_POSITION          = 1 << 5,
  STEVE_ODRIVE_VELOCITY          = 1 << 6,
  STEVE_ODRIVE_BUS_VOLTAGE       = 1 << 7,
  STEVE_ODRIVE_BUS_CURRENT       = 1 << 8,
  STEVE_ODRIVE_FET_TEMP          = 1 << 9,
  STEVE_ODRIVE_MOTOR_TEMP        = 1 << 10,
} SteveOdriveFields;

typedef struct
{
  guint32 axis_error;
  guint32 axis_state;
  guint32 motor_flags;
  guint32 encoder_flags;
  guint32 controller_status;
  double  position;       /* turns */
  double  velocity;       /* turns/s */
  double  bus_voltage;
  double  bus_current;
  double  fet_temp;
  double  motor_temp;
  guint32 present;
} SteveOdriveStatus;

#define STEVE_TYPE_ODRIVE_STATUS (steve_odrive_status_get_type ())
GType              steve_odrive_status_get_type (void) G_GNUC_CONST;
SteveOdriveStatus *steve_odrive_status_copy     (const SteveOdriveStatus *status);
void               steve_odrive_status_free     (SteveOdriveStatus       *status);
const char        *steve_axis_state_to_string   (guint                    axis_state);
char              *steve_axis_error_describe    (guint32                  axis_error);

/* ---------------------------------------------------------------- can */

typedef enum
{
  STEVE_CAN_TX_COUNT         = 1 << 0,
  STEVE_CAN_RX_COUNT         = 1 << 1,
  STEVE_CAN_ERROR_COUNT      = 1 << 2,
  STEVE_CAN_LAST_ERROR       = 1 << 3,
  STEVE_CAN_BUS_STATE        = 1 << 4,
  STEVE_CAN_ENCODER_POSITION = 1 << 5,
  STEVE_CAN_ENCODER_VELOCITY = 1 << 6,
  STEVE_CAN_BUS_VOLTAGE      = 1 << 7,
  STEVE_CAN_BUS_CURRENT      = 1 << 8,
  STEVE_CAN_FET_TEMP         = 1 << 9,
  STEVE_CAN_MOTOR_TEMP       = 1 << 10,
} SteveCanFields;

typedef struct
{
  SteveDialect dialect;
  guint64      tx_count;
  guint64      rx_count;
  guint64      error_count;
  guint32      last_error;
  guint32      bus_state;   /* documented: 0 active, 1 warning, 2 passive, 3 bus-off */
  double       encoder_position;
  double       encoder_velocity;
  double       bus_voltage;
  double       bus_current;
  double       fet_temp;
  double       motor_temp;
  guint32      present;
} SteveCanStatus;

#define STEVE_TYPE_CAN_STATUS (steve_can_status_get_type ())
GType           steve_can_status_get_type (void) G_GNUC_CONST;
SteveCanStatus *steve_can_status_copy     (const SteveCanStatus *status);
void            steve_can_status_free     (SteveCanStatus       *status);

/* ---------------------------------------------------------------- stream stats */

typedef enum
{
  STEVE_STREAM_STATS_ACTIVE              = 1 << 0,
  STEVE_STREAM_STATS_CONNECTED_CLIENTS   = 1 << 1,
  STEVE_STREAM_STATS_DEFAULT_INTERVAL_MS = 1 << 2,
  STEVE_STREAM_STATS_MESSAGES_SENT       = 1 << 3,
  STEVE_STREAM_STATS_SEND_ERRORS         = 1 << 4,
  STEVE_STREAM_STATS_INVALID_SAMPLES     = 1 << 5,
  STEVE_STREAM_STATS_LAST_SEND_TICK_MS   = 1 << 6,
} SteveStreamStatsFields;

typedef struct
{
  gboolean active;
  guint32  connected_clients;
  guint32  default_interval_ms;
  guint64  messages_sent;
  guint64  send_errors;
  guint64  invalid_samples;
  guint64  last_send_tick_ms;
  guint32  present;
} SteveStreamStats;

#define STEVE_TYPE_STREAM_STATS (steve_stream_stats_get_type ())
GType             steve_stream_stats_get_type (void) G_GNUC_CONST;
SteveStreamStats *steve_stream_stats_copy     (const SteveStreamStats *stats);
void              steve_stream_stats_free     (SteveStreamStats       *stats);

/* ---------------------------------------------------------------- performance */

typedef enum
{
  STEVE_PERF_POS_MIN_DEG, STEVE_PERF_POS_MAX_DEG, STEVE_PERF_POS_MEAN_DEG, STEVE_PERF_POS_RMS_DEG,
  STEVE_PERF_VEL_MIN_RAD_S, STEVE_PERF_VEL_MAX_RAD_S, STEVE_PERF_VEL_MEAN_RAD_S, STEVE_PERF_VEL_RMS_RAD_S,
  STEVE_PERF_TAU_MIN_NM, STEVE_PERF_TAU_MAX_NM, STEVE_PERF_TAU_MEAN_NM, STEVE_PERF_TAU_RMS_NM,
  STEVE_PERF_POS_PEAK_TO_PEAK_DEG, STEVE_PERF_VEL_PEAK_TO_PEAK_RAD_S, STEVE_PERF_ZERO_CROSSING_HZ,
  STEVE_PERF_LOOP_TOTAL_MIN_US, STEVE_PERF_LOOP_TOTAL_MAX_US, STEVE_PERF_LOOP_TOTAL_MEAN_US,
  STEVE_PERF_LOOP_PHYSICS_MIN_US, STEVE_PERF_LOOP_PHYSICS_MAX_US, STEVE_PERF_LOOP_PHYSICS_MEAN_US,
  STEVE_PERF_TORQUE_CLAMPS, STEVE_PERF_RATE_LIMITS, STEVE_PERF_STABILITY_EVENTS,
  STEVE_N_PERF,
} StevePerfKey;

typedef struct
{
  double  values[STEVE_N_PERF];
  guint32 present;
  gboolean computed;   /* TRUE when computed by the client from the stream */
} StevePerformance;

#define STEVE_TYPE_PERFORMANCE (steve_performance_get_type ())
GType             steve_performance_get_type (void) G_GNUC_CONST;
StevePerformance *steve_performance_copy     (const StevePerformance *perf);
void              steve_performance_free     (StevePerformance       *perf);
const char       *steve_perf_key_name        (StevePerfKey            key);
guint             steve_perf_key_decimals    (StevePerfKey            key);

/* ---------------------------------------------------------------- replies */

typedef struct
{
  gboolean has_mask;
  guint32  mask;            /* firmware: bit mask of changed fields */
  gboolean has_fields_updated;
  guint32  fields_updated;  /* documented */
} SteveConfigReply;

typedef struct
{
  SteveValveState mode;
  gboolean        preset_applied;
} SteveControlReply;

typedef enum
{
  STEVE_CONTROL_NONE,
  STEVE_CONTROL_START,
  STEVE_CONTROL_STOP,
} SteveControlAction;

/* ---------------------------------------------------------------- parsers */

gboolean steve_parse_error_body   (const char         *data,
                                   gssize              len,
                                   char              **code);
gboolean steve_parse_ok_reply     (const char         *data,
                                   gssize              len,
                                   GError            **error);
gboolean steve_parse_status       (const char         *data,
                                   gssize              len,
                                   SteveStatus        *out,
                                   GError            **error);
gboolean steve_parse_config       (const char         *data,
                                   gssize              len,
                                   SteveConfig        *out,
                                   SteveDialect       *out_dialect,
                                   GError            **error);
gboolean steve_parse_config_reply (const char         *data,
                                   gssize              len,
                                   SteveConfigReply   *out,
                                   GError            **error);
gboolean steve_parse_control_reply (const char        *data,
                                    gssize             len,
                                    SteveControlReply *out,
                                    GError           **error);
GPtrArray *steve_parse_presets    (const char         *data,
                                   gssize              len,
                                   GError            **error);
gboolean steve_parse_odrive       (const char         *data,
                                   gssize              len,
                                   SteveOdriveStatus  *out,
                                   GError            **error);
gboolean steve_parse_can          (const char         *data,
                                   gssize              len,
                                   SteveCanStatus     *out,
                                   GError            **error);
gboolean steve_parse_stream_stats (const char         *data,
                                   gssize              len,
                                   SteveStreamStats   *out,
                                   GError            **error);
gboolean steve_parse_performance  (const char         *data,
                                   gssize              len,
                                   StevePerformance   *out,
                                   GError            **error);

/* ---------------------------------------------------------------- builders */

char *steve_build_config_request      (const SteveConfig  *update,
                                       SteveDialect        dialect,
                                       const SteveConfig  *current,
                                       GError            **error);
char *steve_build_control_request     (SteveControlAction  action,
                                       int                 preset,
                                       GError            **error);
char *steve_build_preset_save_current (guint               index,
                                       GError            **error);
char *steve_build_preset_save         (const StevePreset  *preset,
                                       GError            **error);
char *steve_build_odrive_request      (SteveOdriveAction   action,
                                       double              value,
                                       GError            **error);
char *steve_build_stream_request      (gboolean            start,
                                       guint               interval_ms,
                                       GError            **error);
char      *steve_presets_to_json           (GPtrArray          *presets);
GPtrArray *steve_presets_from_json         (const char         *data,
                                            gssize              len,
                                            GError            **error);

const char *steve_odrive_action_to_string (SteveOdriveAction action);
gboolean    steve_odrive_action_needs_value (SteveOdriveAction action);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveConfig, steve_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveStatus, steve_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StevePreset, steve_preset_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveOdriveStatus, steve_odrive_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveCanStatus, steve_can_status_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveStreamStats, steve_stream_stats_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (StevePerformance, steve_performance_free)

G_END_DECLS
