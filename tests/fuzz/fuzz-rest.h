/* fuzz-rest.h — the parsers fuzz-rest exercises, one per value of an
 * input's first byte (modulo N_PARSERS); fuzz-seeds writes a seed for each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

typedef enum
{
  PARSE_STATUS,
  PARSE_CONFIG,
  PARSE_CONFIG_REPLY,
  PARSE_CONTROL_REPLY,
  PARSE_PRESETS,
  PARSE_ODRIVE,
  PARSE_CAN,
  PARSE_STREAM_STATS,
  PARSE_PERFORMANCE,
  PARSE_OK_REPLY,
  PARSE_PRESET_FILE,
  PARSE_ERROR_BODY,
  N_PARSERS
} Parser;
