/* steve-field.h — the configuration field table
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per configuration field: wire keys per dialect, unit, decimals on
 * the wire, the recommended range (documented), the range the factory
 * presets use, and the hard limits. The parsers, the request builder, the
 * simulator and the tuner UI all read this table; nothing else in the
 * project spells a config key.
 */
#pragma once

#include <glib.h>

#include "steve-types.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_FIELD_FLAG_NONE          = 0,
  /* The hard minimum itself is not allowed (value must be > min). */
  STEVE_FIELD_FLAG_MIN_EXCLUSIVE = 1 << 0,
  /* A slider over the recommended range should use a log scale. */
  STEVE_FIELD_FLAG_LOG_SCALE     = 1 << 1,
  /* Only in requests (the device derives it), never in responses. */
  STEVE_FIELD_FLAG_REQUEST_ONLY  = 1 << 2,
  /* Part of a preset (GET/POST /presets). */
  STEVE_FIELD_FLAG_IN_PRESET     = 1 << 3,
  /* Where the hard maximum is a client safety cap, not a device check. */
  STEVE_FIELD_FLAG_MAX_IS_CAP    = 1 << 4,
} SteveFieldFlags;

typedef struct
{
  SteveField      field;
  const char     *key_firmware;     /* NULL: the firmware ignores it */
  const char     *key_documented;   /* NULL: not in the documented dialect */
  const char     *error_code;       /* device error for an unreadable value */
  const char     *label;            /* N_() */
  const char     *description;      /* N_() */
  const char     *unit;             /* may be "" */
  guint           decimals;         /* fixed-point decimals on the wire */
  guint           mask_bit;         /* bit in the firmware's "mask" reply, 0 if none */
  double          recommended_min;
  double          recommended_max;
  double          preset_min;       /* range the factory presets use */
  double          preset_max;
  double          hard_min;
  double          hard_max;
  double          default_value;    /* factory preset 0 after boot */
  SteveFieldFlags flags;
} SteveFieldInfo;

const SteveFieldInfo *steve_field_info            (SteveField        field);
const SteveFieldInfo *steve_field_lookup_key      (const char       *key,
                                                   SteveDialect      dialect);
const char           *steve_field_key             (SteveField        field,
                                                   SteveDialect      dialect);
gboolean              steve_field_check_value     (SteveField        field,
                                                   double            value,
                                                   GError          **error);
gboolean              steve_field_is_recommended  (SteveField        field,
                                                   double            value);
char                 *steve_field_format_value    (SteveField        field,
                                                   double            value);
double                steve_field_round           (SteveField        field,
                                                   double            value);

G_END_DECLS
