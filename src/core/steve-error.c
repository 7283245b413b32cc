/* steve-error.c — the STEVE error domain and the device error-code table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "steve-error"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "steve-error.h"

G_DEFINE_QUARK (steve-error-quark, steve_error)

/* Every error string of the protocol file, with the status the firmware
 * sends it with. Messages say what happened and, where there is one, what
 * to do about it. */
static const SteveDeviceErrorInfo device_errors[] = {
  /* transport (§1) */
  { "unauthorized", 401, STEVE_ERROR_AUTH,
    N_("The device refused the API key. Check the key configured for this device.") },
  { "bad_request", 400, STEVE_ERROR_BAD_REQUEST,
    N_("The device could not read the request line.") },
  { "unsupported_method", 400, STEVE_ERROR_UNSUPPORTED_METHOD,
    N_("The device does not support this HTTP method.") },
  { "not_found", 404, STEVE_ERROR_NOT_FOUND,
    N_("The device does not offer this endpoint.") },
  { "content_length_required", 411, STEVE_ERROR_CONTENT_LENGTH_REQUIRED,
    N_("The device requires a Content-Length header on this request.") },
  { "timeout", 408, STEVE_ERROR_REQUEST_TIMEOUT,
    N_("The device closed the connection because the request arrived too slowly.") },
  { "request_too_large", 413, STEVE_ERROR_REQUEST_TOO_LARGE,
    N_("The request is too large for the device (the limit is 2048 bytes).") },

  /* valve */
  { "valve_uninitialized", 503, STEVE_ERROR_VALVE_UNINITIALIZED,
    N_("The valve controller has not finished initialising. Try again in a moment.") },

  /* body parsing */
  { "invalid_request", 400, STEVE_ERROR_INVALID_REQUEST,
    N_("The device received an empty request body.") },
  { "json_parse_error", 400, STEVE_ERROR_JSON_PARSE_ERROR,
    N_("The device could not parse the request as JSON.") },
  { "root_not_object", 400, STEVE_ERROR_ROOT_NOT_OBJECT,
    N_("The device expects a JSON object as the request body.") },
  { "malformed_json", 400, STEVE_ERROR_MALFORMED_JSON,
    N_("The device expects a flat JSON object with at most 64 tokens.") },

  /* config */
  { "invalid_viscous", 400, STEVE_ERROR_INVALID_VISCOUS,
    N_("The device could not read the viscous damping value.") },
  { "invalid_coulomb", 400, STEVE_ERROR_INVALID_COULOMB,
    N_("The device could not read the Coulomb friction value.") },
  { "invalid_wall_stiffness", 400, STEVE_ERROR_INVALID_WALL_STIFFNESS,
    N_("The device could not read the wall stiffness value.") },
  { "invalid_wall_damping", 400, STEVE_ERROR_INVALID_WALL_DAMPING,
    N_("The device could not read the wall damping value.") },
  { "invalid_smoothing", 400, STEVE_ERROR_INVALID_SMOOTHING,
    N_("The device could not read the smoothing value.") },
  { "invalid_torque", 400, STEVE_ERROR_INVALID_TORQUE,
    N_("The device could not read the torque limit.") },
  { "invalid_torque_limit", 400, STEVE_ERROR_INVALID_TORQUE,
    N_("The device could not read the torque limit.") },
  { "invalid_travel", 400, STEVE_ERROR_INVALID_TRAVEL,
    N_("The device could not read the travel value.") },
  { "invalid_open_pos", 400, STEVE_ERROR_INVALID_OPEN_POS,
    N_("The device could not read the open position.") },
  { "invalid_closed_pos", 400, STEVE_ERROR_INVALID_CLOSED_POS,
    N_("The device could not read the closed position.") },
  { "no_fields", 400, STEVE_ERROR_NO_FIELDS,
    N_("The device found no configuration field it knows in the request.") },
  { "config_update_failed", 400, STEVE_ERROR_CONFIG_UPDATE_FAILED,
    N_("The device rejected the configuration: the closed position must be below the open position, the travel at most 3600°, damping, friction and stiffness not negative, and smoothing above zero.") },

  /* control */
  { "invalid_action", 400, STEVE_ERROR_INVALID_ACTION,
    N_("The device could not read the requested action.") },
  { "unsupported_action", 400, STEVE_ERROR_UNSUPPORTED_ACTION,
    N_("The device does not know the requested action.") },
  { "invalid_preset", 400, STEVE_ERROR_INVALID_PRESET,
    N_("The device expects a preset number from 0 to 3.") },
  { "unsupported_preset", 400, STEVE_ERROR_UNSUPPORTED_PRESET,
    N_("The device has no preset with this number (it has slots 0 to 3).") },
  { "no_control_action", 400, STEVE_ERROR_NO_CONTROL_ACTION,
    N_("The control request named neither an action nor a preset.") },
  { "preset_invalid", 400, STEVE_ERROR_PRESET_INVALID,
    N_("The stored preset holds values the valve cannot use. Save valid values into the slot first.") },
  { "preset_failed", 500, STEVE_ERROR_PRESET_FAILED,
    N_("The device failed to apply the preset.") },
  { "start_failed", 500, STEVE_ERROR_START_FAILED,
    N_("The valve could not start. It starts only from idle, and the ODrive must reach closed-loop control (calibrated, connected, without a fault).") },

  /* presets */
  { "invalid_index", 400, STEVE_ERROR_INVALID_INDEX,
    N_("The device has no preset slot with this index (it has slots 0 to 3).") },
  { "invalid_name", 400, STEVE_ERROR_INVALID_NAME,
    N_("The preset name is not accepted by the device (at most 15 characters).") },
  { "invalid_values", 400, STEVE_ERROR_INVALID_VALUES,
    N_("The device rejected the preset values: none may be negative and the travel must be above zero.") },

  /* odrive */
  { "odrive_unavailable", 503, STEVE_ERROR_ODRIVE_UNAVAILABLE,
    N_("The ODrive motor controller is not available.") },
  { "odrive_status_failed", 500, STEVE_ERROR_ODRIVE_STATUS_FAILED,
    N_("The ODrive did not answer the status request in time.") },
  { "odrive_encoder_failed", 500, STEVE_ERROR_ODRIVE_ENCODER_FAILED,
    N_("The ODrive did not report an encoder reading.") },
  { "odrive_telemetry_failed", 500, STEVE_ERROR_ODRIVE_TELEMETRY_FAILED,
    N_("The ODrive has not reported its temperatures and bus values yet.") },
  { "missing_action", 400, STEVE_ERROR_MISSING_ACTION,
    N_("The request named no action.") },
  { "missing_value", 400, STEVE_ERROR_MISSING_VALUE,
    N_("This ODrive action needs a value.") },
  { "invalid_value", 400, STEVE_ERROR_INVALID_VALUE,
    N_("The device could not read the value of the ODrive action.") },
  { "invalid_mode", 400, STEVE_ERROR_INVALID_MODE,
    N_("The ODrive control mode must be 0 (voltage), 1 (torque), 2 (velocity) or 3 (position).") },
  { "odrive_command_failed", 500, STEVE_ERROR_ODRIVE_COMMAND_FAILED,
    N_("The ODrive did not accept the command.") },

  /* stream */
  { "invalid_interval_ms", 400, STEVE_ERROR_INVALID_INTERVAL_MS,
    N_("The device could not read the stream interval.") },
  { "operation_failed", 500, STEVE_ERROR_OPERATION_FAILED,
    N_("The device could not change the telemetry stream.") },
};

/**
 * steve_device_error_table:
 * @n_entries: (out): number of rows
 *
 * Returns: (transfer none): the device error-code table
 */
const SteveDeviceErrorInfo *
steve_device_error_table (guint *n_entries)
{
  g_return_val_if_fail (n_entries != NULL, NULL);

  *n_entries = G_N_ELEMENTS (device_errors);
  return device_errors;
}

/**
 * steve_device_error_lookup:
 * @code: a device error string such as `"invalid_viscous"`
 *
 * Returns: (nullable): the table row for @code, or %NULL when unknown
 */
const SteveDeviceErrorInfo *
steve_device_error_lookup (const char *code)
{
  if (code == NULL)
    return NULL;

  for (guint i = 0; i < G_N_ELEMENTS (device_errors); i++)
    if (g_str_equal (device_errors[i].code, code))
      return &device_errors[i];

  return NULL;
}

/**
 * steve_device_error_lookup_error:
 * @error: a #SteveError
 *
 * Returns: (nullable): the first table row mapping to @error
 */
const SteveDeviceErrorInfo *
steve_device_error_lookup_error (SteveError error)
{
  for (guint i = 0; i < G_N_ELEMENTS (device_errors); i++)
    if (device_errors[i].error == error)
      return &device_errors[i];

  return NULL;
}

/**
 * steve_device_error_message:
 * @code: a device error string
 *
 * Returns: (transfer none): the translated message for @code
 */
const char *
steve_device_error_message (const char *code)
{
  const SteveDeviceErrorInfo *info = steve_device_error_lookup (code);

  if (info == NULL)
    return _("The device reported an error this version does not know.");

  return _(info->message);
}

/**
 * steve_device_error_new:
 * @http_status: the numeric HTTP status (the reason phrase is unreliable)
 * @code: (nullable): the device's error string, if the body had one
 *
 * Maps a device error response to a #GError in the %STEVE_ERROR domain.
 *
 * Returns: (transfer full): a new #GError
 */
GError *
steve_device_error_new (guint       http_status,
                        const char *code)
{
  const SteveDeviceErrorInfo *info = steve_device_error_lookup (code);

  if (info != NULL)
    return g_error_new_literal (STEVE_ERROR, info->error, _(info->message));

  if (code != NULL)
    return g_error_new (STEVE_ERROR, STEVE_ERROR_UNKNOWN_DEVICE_ERROR,
                        /* Translators: %s is the device's error string, %u the HTTP status */
                        _("The device reported the error “%s” (HTTP %u), which this version does not know."),
                        code, http_status);

  switch (http_status)
    {
    case 401:
      return g_error_new_literal (STEVE_ERROR, STEVE_ERROR_AUTH,
                                  _("The device refused the API key. Check the key configured for this device."));
    case 404:
      return g_error_new_literal (STEVE_ERROR, STEVE_ERROR_NOT_FOUND,
                                  _("The device does not offer this endpoint."));
    case 408:
      return g_error_new_literal (STEVE_ERROR, STEVE_ERROR_REQUEST_TIMEOUT,
                                  _("The device closed the connection because the request arrived too slowly."));
    case 409:
      return g_error_new_literal (STEVE_ERROR, STEVE_ERROR_BUSY,
                                  _("The device is busy. Try again in a moment."));
    default:
      return g_error_new (STEVE_ERROR, STEVE_ERROR_UNKNOWN_DEVICE_ERROR,
                          _("The device answered with HTTP status %u and no error description."),
                          http_status);
    }
}

/**
 * steve_error_is_transient:
 * @error: a #GError
 *
 * Whether repeating the same idempotent request may succeed: lost
 * connections, timeouts and 5xx answers that say nothing about the request.
 */
gboolean
steve_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;

  if (error->domain != STEVE_ERROR)
    return FALSE;

  switch ((SteveError) error->code)
    {
    case STEVE_ERROR_CONNECTION:
    case STEVE_ERROR_TIMEOUT:
    case STEVE_ERROR_REQUEST_TIMEOUT:
    case STEVE_ERROR_BUSY:
    case STEVE_ERROR_UNKNOWN_DEVICE_ERROR:
    case STEVE_ERROR_ODRIVE_STATUS_FAILED:
    case STEVE_ERROR_ODRIVE_TELEMETRY_FAILED:
      return TRUE;
    default:
      return FALSE;
    }
}
