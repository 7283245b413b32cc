/* fuzz-telemetry.c — libFuzzer target: the telemetry line parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "steve-telemetry.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  SteveStreamLine line;
  SteveLineError error;

  /* a copy of exactly `size` bytes: any read past it is a bug ASan sees */
  guint8 *copy = g_malloc (size ? size : 1);

  memcpy (copy, data, size);
  if (steve_telemetry_parse_line ((const char *) copy, size, &line, &error))
    {
      /* what the parser returns must be consistent */
      if (line.kind == STEVE_LINE_SAMPLE)
        g_assert ((line.sample.present & STEVE_SAMPLE_REQUIRED_FIELDS) == STEVE_SAMPLE_REQUIRED_FIELDS);
      else if (line.kind == STEVE_LINE_SYNC)
        g_assert (strlen (line.sync.token) <= STEVE_SYNC_TOKEN_MAX);
    }
  else
    g_assert (error.code != STEVE_LINE_OK && error.offset <= size);

  g_free (copy);
  return 0;
}
