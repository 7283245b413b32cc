/* steve-telemetry.h — the NDJSON telemetry line parser and formatter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * steve_telemetry_parse_line() is the streamer's hot path: it takes one
 * line as a byte buffer (no NUL needed), allocates nothing, and fills a
 * caller-provided SteveStreamLine. Malformed lines are rejected with a
 * reason; nothing is guessed.
 */
#pragma once

#include <glib-object.h>

#include "steve-types.h"

G_BEGIN_DECLS

#define STEVE_TELEMETRY_LINE_MAX 1024

typedef enum
{
  STEVE_SAMPLE_TIMESTAMP_MS   = 1 << 0,
  STEVE_SAMPLE_T_US           = 1 << 1,
  STEVE_SAMPLE_LOOP_TIME_US   = 1 << 2,
  STEVE_SAMPLE_SEQ            = 1 << 3,
  STEVE_SAMPLE_POSITION_TURNS = 1 << 4,
  STEVE_SAMPLE_POSITION_DEG   = 1 << 5,
  STEVE_SAMPLE_TORQUE_NM      = 1 << 6,
  STEVE_SAMPLE_FILT_TORQUE_NM = 1 << 7,
  STEVE_SAMPLE_STATUS         = 1 << 8,
  STEVE_SAMPLE_OMEGA_RAD_S    = 1 << 9,
  STEVE_SAMPLE_PASSIVITY_MJ   = 1 << 10,
  STEVE_SAMPLE_QUIET          = 1 << 11,
  STEVE_SAMPLE_ERR            = 1 << 12,
  STEVE_SAMPLE_HB_AGE         = 1 << 13,
  STEVE_SAMPLE_DATA_VALID     = 1 << 14,
} SteveSampleFields;

#define STEVE_SAMPLE_ALL_FIELDS 0x7fff
/* Without these a line is not a usable sample. */
#define STEVE_SAMPLE_REQUIRED_FIELDS (STEVE_SAMPLE_TIMESTAMP_MS | STEVE_SAMPLE_SEQ | \
                                      STEVE_SAMPLE_POSITION_DEG | STEVE_SAMPLE_TORQUE_NM | \
                                      STEVE_SAMPLE_OMEGA_RAD_S | STEVE_SAMPLE_STATUS)

/**
 * SteveSample:
 * @host_time_us: g_get_monotonic_time() when the line was received (set by
 *   the streamer; 0 from the parser)
 * @present: #SteveSampleFields of the keys the line carried; a value whose
 *   bit is clear is unknown
 *
 * One telemetry sample. Plain data (copy with `=`).
 */
typedef struct
{
  gint64   host_time_us;
  guint64  t_us;
  double   position_turns;
  double   position_deg;
  double   torque_nm;
  double   filt_torque_nm;
  double   omega_rad_s;
  guint32  timestamp_ms;
  guint32  loop_time_us;
  guint32  seq;
  gint32   passivity_mj;
  guint32  err;
  guint32  hb_age;
  guint16  present;
  guint8   status;       /* SteveValveState */
  guint8   quiet;
  guint8   data_valid;
} SteveSample;

#define STEVE_TYPE_SAMPLE (steve_sample_get_type ())
GType        steve_sample_get_type (void) G_GNUC_CONST;
SteveSample *steve_sample_copy     (const SteveSample *sample);
void         steve_sample_free     (SteveSample       *sample);

typedef struct
{
  SteveDialect dialect;        /* "valve" → firmware, "ready" → documented */
  guint32      interval_ms;
  gboolean     has_interval;
  char         stream[16];
  char         message[32];
  char         version[16];
} SteveStreamHello;

typedef struct
{
  guint64  t_us;
  guint32  seq;
  guint32  timestamp_ms;
  gboolean ok;
  gboolean has_token;
  char     token[STEVE_SYNC_TOKEN_MAX + 1];
} SteveSyncReply;

typedef enum
{
  STEVE_LINE_SAMPLE,
  STEVE_LINE_HELLO,
  STEVE_LINE_SYNC,
} SteveLineKind;

typedef struct
{
  SteveLineKind kind;
  union {
    SteveSample      sample;
    SteveStreamHello hello;
    SteveSyncReply   sync;
  };
} SteveStreamLine;

typedef enum
{
  STEVE_LINE_OK,
  STEVE_LINE_ERROR_EMPTY,
  STEVE_LINE_ERROR_TOO_LONG,
  STEVE_LINE_ERROR_NOT_OBJECT,
  STEVE_LINE_ERROR_SYNTAX,
  STEVE_LINE_ERROR_BAD_STRING,
  STEVE_LINE_ERROR_STRING_TOO_LONG,
  STEVE_LINE_ERROR_BAD_NUMBER,
  STEVE_LINE_ERROR_NOT_FINITE,
  STEVE_LINE_ERROR_OUT_OF_RANGE,
  STEVE_LINE_ERROR_WRONG_TYPE,
  STEVE_LINE_ERROR_NESTED_VALUE,
  STEVE_LINE_ERROR_TRAILING_DATA,
  STEVE_LINE_ERROR_MISSING_KEY,
  STEVE_LINE_ERROR_UNKNOWN_STATUS,
  STEVE_LINE_ERROR_UNKNOWN_KIND,
} SteveLineErrorCode;

/**
 * SteveLineError:
 * @code: what is wrong
 * @key: (nullable): the key concerned (a static string), if any
 * @offset: byte offset in the line where the problem was found
 */
typedef struct
{
  SteveLineErrorCode code;
  const char        *key;
  gsize              offset;
} SteveLineError;

gboolean    steve_telemetry_parse_line   (const char        *buf,
                                          gsize              len,
                                          SteveStreamLine   *out,
                                          SteveLineError    *error);
const char *steve_line_error_to_string   (SteveLineErrorCode code);
char       *steve_line_error_describe    (const SteveLineError *error);

gsize       steve_telemetry_format_sample (const SteveSample *sample,
                                           SteveDialect       dialect,
                                           char              *buf,
                                           gsize              size);
gsize       steve_telemetry_format_fixed  (double             value,
                                           guint              decimals,
                                           gboolean           firmware_quirk,
                                           char              *buf,
                                           gsize              size);
const char *steve_valve_state_to_stream_string (SteveValveState state);
const char *steve_valve_state_to_string  (SteveValveState    state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveSample, steve_sample_free)

G_END_DECLS
