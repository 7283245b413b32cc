/* fuzz-rest.c — libFuzzer target: every REST response parser, both dialects
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "steve-protocol.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  gssize len = (gssize) strlen (text);
  SteveStatus status;
  SteveConfig config;
  SteveDialect dialect;
  SteveConfigReply config_reply;
  SteveControlReply control_reply;
  SteveOdriveStatus odrive;
  SteveCanStatus can;
  SteveStreamStats stream;
  StevePerformance perf;
  g_autofree char *code = NULL;

  /* each parser either succeeds or says why; none may crash or leak */
  {
    g_autoptr(GError) e = NULL;
    steve_parse_status (text, len, &status, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_config (text, len, &config, &dialect, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_config_reply (text, len, &config_reply, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_control_reply (text, len, &control_reply, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) presets = steve_parse_presets (text, len, &e);
    g_assert ((presets == NULL) != (e == NULL));
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_odrive (text, len, &odrive, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_can (text, len, &can, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_stream_stats (text, len, &stream, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_performance (text, len, &perf, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    steve_parse_ok_reply (text, len, &e);
  }
  {
    g_autoptr(GError) e = NULL;
    g_autoptr(GPtrArray) presets = steve_presets_from_json (text, len, &e);
  }
  steve_parse_error_body (text, len, &code);
  return 0;
}
