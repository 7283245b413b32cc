/* fuzz-rest.c — libFuzzer target: every REST response parser, both dialects,
 * and the preset file reader
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "steve-protocol.h"

#include "fuzz-rest.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* The first byte picks the parser, the rest is the response body: one
 * json-glib parse per input instead of one per parser, and the fuzzer's
 * coverage feedback stays with the parser it exercises. */
int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) e = NULL;
  g_autoptr(GPtrArray) presets = NULL;
  g_autofree char *code = NULL;
  gboolean ok = TRUE;
  gssize len;

  if (size < 1)
    return 0;

  text = g_strndup ((const char *) data + 1, size - 1);
  len = (gssize) strlen (text);

  /* each parser either succeeds or says why; none may crash or leak */
  switch ((Parser) (data[0] % N_PARSERS))
    {
    case PARSE_STATUS:
      {
        SteveStatus status;
        ok = steve_parse_status (text, len, &status, &e);
      }
      break;
    case PARSE_CONFIG:
      {
        SteveConfig config;
        SteveDialect dialect;
        ok = steve_parse_config (text, len, &config, &dialect, &e);
      }
      break;
    case PARSE_CONFIG_REPLY:
      {
        SteveConfigReply reply;
        ok = steve_parse_config_reply (text, len, &reply, &e);
      }
      break;
    case PARSE_CONTROL_REPLY:
      {
        SteveControlReply reply;
        ok = steve_parse_control_reply (text, len, &reply, &e);
      }
      break;
    case PARSE_PRESETS:
      presets = steve_parse_presets (text, len, &e);
      ok = presets != NULL;
      break;
    case PARSE_ODRIVE:
      {
        SteveOdriveStatus odrive;
        ok = steve_parse_odrive (text, len, &odrive, &e);
      }
      break;
    case PARSE_CAN:
      {
        SteveCanStatus can;
        ok = steve_parse_can (text, len, &can, &e);
      }
      break;
    case PARSE_STREAM_STATS:
      {
        SteveStreamStats stream;
        ok = steve_parse_stream_stats (text, len, &stream, &e);
      }
      break;
    case PARSE_PERFORMANCE:
      {
        StevePerformance perf;
        ok = steve_parse_performance (text, len, &perf, &e);
      }
      break;
    case PARSE_OK_REPLY:
      ok = steve_parse_ok_reply (text, len, &e);
      break;
    case PARSE_PRESET_FILE:
      presets = steve_presets_from_json (text, len, &e);
      ok = presets != NULL;
      break;
    case PARSE_ERROR_BODY:
      steve_parse_error_body (text, len, &code);
      return 0;
    case N_PARSERS:
    default:
      g_assert_not_reached ();
    }

  /* a failure always says why, a success never does */
  g_assert (ok == (e == NULL));
  return 0;
}
