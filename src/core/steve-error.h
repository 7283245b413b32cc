/* steve-error.h — the STEVE error domain and the device error-code table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STEVE_ERROR (steve_error_quark ())

/**
 * SteveError:
 *
 * Errors of the device library. The first block is the client's own
 * conditions; the second block has one code per error string the device
 * can send (protocol file §1–2), so callers can tell them apart.
 */
typedef enum
{
  /* The client's own conditions */
  STEVE_ERROR_FAILED,
  STEVE_ERROR_CONNECTION,
  STEVE_ERROR_TIMEOUT,
  STEVE_ERROR_AUTH,
  STEVE_ERROR_PROTOCOL,
  STEVE_ERROR_VALIDATION,
  STEVE_ERROR_STREAM,
  STEVE_ERROR_NOT_SUPPORTED,
  STEVE_ERROR_BUSY,
  STEVE_ERROR_UNKNOWN_DEVICE_ERROR,

  /* Device error codes: transport */
  STEVE_ERROR_BAD_REQUEST,
  STEVE_ERROR_UNSUPPORTED_METHOD,
  STEVE_ERROR_NOT_FOUND,
  STEVE_ERROR_CONTENT_LENGTH_REQUIRED,
  STEVE_ERROR_REQUEST_TIMEOUT,
  STEVE_ERROR_REQUEST_TOO_LARGE,

  /* valve */
  STEVE_ERROR_VALVE_UNINITIALIZED,

  /* body parsing */
  STEVE_ERROR_INVALID_REQUEST,
  STEVE_ERROR_JSON_PARSE_ERROR,
  STEVE_ERROR_ROOT_NOT_OBJECT,
  STEVE_ERROR_MALFORMED_JSON,

  /* config */
  STEVE_ERROR_INVALID_VISCOUS,
  STEVE_ERROR_INVALID_COULOMB,
  STEVE_ERROR_INVALID_WALL_STIFFNESS,
  STEVE_ERROR_INVALID_WALL_DAMPING,
  STEVE_ERROR_INVALID_SMOOTHING,
  STEVE_ERROR_INVALID_TORQUE,
  STEVE_ERROR_INVALID_TRAVEL,
  STEVE_ERROR_INVALID_OPEN_POS,
  STEVE_ERROR_INVALID_CLOSED_POS,
  STEVE_ERROR_NO_FIELDS,
  STEVE_ERROR_CONFIG_UPDATE_FAILED,

  /* control */
  STEVE_ERROR_INVALID_ACTION,
  STEVE_ERROR_UNSUPPORTED_ACTION,
  STEVE_ERROR_INVALID_PRESET,
  STEVE_ERROR_UNSUPPORTED_PRESET,
  STEVE_ERROR_NO_CONTROL_ACTION,
  STEVE_ERROR_PRESET_INVALID,
  STEVE_ERROR_PRESET_FAILED,
  STEVE_ERROR_START_FAILED,

  /* presets */
  STEVE_ERROR_INVALID_INDEX,
  STEVE_ERROR_INVALID_NAME,
  STEVE_ERROR_INVALID_VALUES,

  /* odrive */
  STEVE_ERROR_ODRIVE_UNAVAILABLE,
  STEVE_ERROR_ODRIVE_STATUS_FAILED,
  STEVE_ERROR_ODRIVE_ENCODER_FAILED,
  STEVE_ERROR_ODRIVE_TELEMETRY_FAILED,
  STEVE_ERROR_MISSING_ACTION,
  STEVE_ERROR_MISSING_VALUE,
  STEVE_ERROR_INVALID_VALUE,
  STEVE_ERROR_INVALID_MODE,
  STEVE_ERROR_ODRIVE_COMMAND_FAILED,

  /* stream */
  STEVE_ERROR_INVALID_INTERVAL_MS,
  STEVE_ERROR_OPERATION_FAILED,
} SteveError;

/**
 * SteveDeviceErrorInfo:
 * @code: the string the device sends in `{"status":"error","error":…}`
 * @http_status: the HTTP status the firmware sends it with
 * @error: the #SteveError it maps to
 * @message: untranslated message (translate with `_()` / steve_device_error_message())
 *
 * One row of the device error-code table.
 */
typedef struct
{
  const char *code;
  guint http_status;
  SteveError error;
  const char *message;
} SteveDeviceErrorInfo;

GQuark                      steve_error_quark             (void);
const SteveDeviceErrorInfo *steve_device_error_table      (guint                *n_entries);
const SteveDeviceErrorInfo *steve_device_error_lookup     (const char           *code);
const SteveDeviceErrorInfo *steve_device_error_lookup_error (SteveError          error);
const char                 *steve_device_error_message    (const char           *code);
GError                     *steve_device_error_new        (guint                 http_status,
                                                           const char           *code);
gboolean                    steve_error_is_transient      (const GError         *error);

G_END_DECLS
