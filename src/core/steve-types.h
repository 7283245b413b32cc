/* steve-types.h — enums and forward declarations shared by the device library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * SteveDialect:
 * @STEVE_DIALECT_UNKNOWN: not detected yet
 * @STEVE_DIALECT_FIRMWARE: what the shipping firmware really sends
 * @STEVE_DIALECT_DOCUMENTED: what the published API reference describes
 *
 * The two REST dialects found in the field (protocol file, introduction).
 */
typedef enum
{
  STEVE_DIALECT_UNKNOWN,
  STEVE_DIALECT_FIRMWARE,
  STEVE_DIALECT_DOCUMENTED,
} SteveDialect;

/**
 * SteveValveState:
 *
 * The valve state. The REST `status` integer maps onto the first four
 * values; the stream's `status` string also knows `NO_DATA`.
 */
typedef enum
{
  STEVE_VALVE_STATE_IDLE = 0,
  STEVE_VALVE_STATE_INITIALIZING = 1,
  STEVE_VALVE_STATE_RUNNING = 2,
  STEVE_VALVE_STATE_ERROR = 3,
  STEVE_VALVE_STATE_NO_DATA = 4,
  STEVE_VALVE_STATE_UNKNOWN = 5,
} SteveValveState;

/**
 * SteveAxisState:
 *
 * ODrive axis states as reported by `GET /api/v1/odrive`.
 */
typedef enum
{
  STEVE_AXIS_STATE_UNDEFINED = 0,
  STEVE_AXIS_STATE_IDLE = 1,
  STEVE_AXIS_STATE_STARTUP_SEQUENCE = 2,
  STEVE_AXIS_STATE_FULL_CALIBRATION = 3,
  STEVE_AXIS_STATE_MOTOR_CALIBRATION = 4,
  STEVE_AXIS_STATE_ENCODER_INDEX_SEARCH = 6,
  STEVE_AXIS_STATE_ENCODER_OFFSET_CALIBRATION = 7,
  STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL = 8,
} SteveAxisState;

/**
 * SteveOdriveAction:
 *
 * The actions of `POST /api/v1/odrive`.
 */
typedef enum
{
  STEVE_ODRIVE_ACTION_PING,
  STEVE_ODRIVE_ACTION_ENABLE,
  STEVE_ODRIVE_ACTION_DISABLE,
  STEVE_ODRIVE_ACTION_ESTOP,
  STEVE_ODRIVE_ACTION_CLEAR,
  STEVE_ODRIVE_ACTION_CALIBRATE,
  STEVE_ODRIVE_ACTION_SET_MODE,
  STEVE_ODRIVE_ACTION_SET_TORQUE,
  STEVE_ODRIVE_ACTION_SET_VELOCITY,
  STEVE_ODRIVE_ACTION_SET_POSITION,
} SteveOdriveAction;

/**
 * SteveControlMode:
 *
 * Values of the ODrive `set_mode` action.
 */
typedef enum
{
  STEVE_CONTROL_MODE_VOLTAGE = 0,
  STEVE_CONTROL_MODE_TORQUE = 1,
  STEVE_CONTROL_MODE_VELOCITY = 2,
  STEVE_CONTROL_MODE_POSITION = 3,
} SteveControlMode;

/**
 * SteveField:
 *
 * One configuration field. %STEVE_FIELD_TRAVEL only exists in requests
 * (the device derives open = closed + travel); %STEVE_FIELD_DEGREES_PER_TURN
 * only exists in the documented dialect.
 */
typedef enum
{
  STEVE_FIELD_VISCOUS,
  STEVE_FIELD_COULOMB,
  STEVE_FIELD_WALL_STIFFNESS,
  STEVE_FIELD_WALL_DAMPING,
  STEVE_FIELD_SMOOTHING,
  STEVE_FIELD_TORQUE_LIMIT,
  STEVE_FIELD_CLOSED_POS,
  STEVE_FIELD_OPEN_POS,
  STEVE_FIELD_TRAVEL,
  STEVE_FIELD_DEGREES_PER_TURN,
} SteveField;

#define STEVE_N_FIELDS (STEVE_FIELD_DEGREES_PER_TURN + 1)
#define STEVE_FIELD_BIT(f) (1u << (f))

/* Bits of a config's present mask that a device reports in GET /config. */
#define STEVE_FIELDS_PHYSICS (STEVE_FIELD_BIT (STEVE_FIELD_VISCOUS) | \
                              STEVE_FIELD_BIT (STEVE_FIELD_COULOMB) | \
                              STEVE_FIELD_BIT (STEVE_FIELD_WALL_STIFFNESS) | \
                              STEVE_FIELD_BIT (STEVE_FIELD_WALL_DAMPING) | \
                              STEVE_FIELD_BIT (STEVE_FIELD_SMOOTHING) | \
                              STEVE_FIELD_BIT (STEVE_FIELD_TORQUE_LIMIT))
#define STEVE_FIELDS_POSITIONS (STEVE_FIELD_BIT (STEVE_FIELD_CLOSED_POS) | \
                                STEVE_FIELD_BIT (STEVE_FIELD_OPEN_POS))

#define STEVE_DEFAULT_API_KEY "steve-valve-2025"
#define STEVE_DEFAULT_HTTP_PORT 8080
#define STEVE_DEFAULT_STREAM_PORT 8888
#define STEVE_N_PRESETS 4
#define STEVE_PRESET_NAME_MAX 15
#define STEVE_STREAM_INTERVAL_MIN 10
#define STEVE_STREAM_INTERVAL_MAX 1000
#define STEVE_STREAM_INTERVAL_DEFAULT 100
#define STEVE_SYNC_TOKEN_MAX 47
#define STEVE_LOOP_HZ 1000
#define STEVE_HB_AGE_NOT_RUNNING G_MAXUINT32
#define STEVE_MAX_TRAVEL_DEG 3600.0

G_END_DECLS
