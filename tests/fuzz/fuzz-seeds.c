/* fuzz-seeds.c — writes the fuzzers' seed corpora
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: fuzz-seeds CAPTURES-DIR OUT-DIR
 * From the firmware's golden captures and from the project's own writers:
 * OUT/telemetry (stream lines), OUT/rest (parser byte + response body), OUT/sim-http
 * (raw requests), OUT/recording (format byte + a small recording).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "steve-recording.h"
#include "steve-telemetry.h"

#include "fuzz-rest.h"

static guint counter;

static void
put (const char *dir,
     const char *data,
     gsize       len)
{
  g_autofree char *path = g_strdup_printf ("%s/seed-%04u", dir, counter++);

  g_file_set_contents (path, data, (gssize) len, NULL);
}

/* fuzz-rest reads a byte that picks the parser before the body: one seed
 * per parser */
static void
put_rest (const char *dir,
          const char *body)
{
  /* N_PARSERS consecutive letters: each parser once */
  for (guint i = 0; i < N_PARSERS; i++)
    {
      g_autofree char *data = g_strdup_printf ("%c%s", 'A' + i, body);

      put (dir, data, strlen (data));
    }
}

static void
split_capture (const char *text,
               char      **request,
               char      **response_body)
{
  const char *req = strstr (text, "# request\n");
  const char *mid = strstr (text, "\n# response\n");
  const char *body;

  *request = NULL;
  *response_body = NULL;
  if (req == NULL || mid == NULL)
    return;
  req += strlen ("# request\n");
  *request = g_strndup (req, (gsize) (mid - req));
  body = strstr (mid, "\r\n\r\n");
  if (body)
    *response_body = g_strchomp (g_strdup (body + 4));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *telemetry = NULL, *rest = NULL, *http = NULL, *recording = NULL;
  g_autofree char *http_dir = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *name;
  static const char * const documented[] = {
    "{\"mode\":\"running\",\"pos_deg\":-0.50,\"vel_rad_s\":1.250,\"torque_nm\":-0.120,\"energy_j\":-0.300,\"loop_hz\":1000.0,\"pos_raw\":0.123456,\"vel_raw\":0.200000}",
    "{\"closed_position\":0.00,\"open_position\":90.00,\"degrees_per_turn\":360.00,\"viscous\":0.0500,\"coulomb\":0.0100,\"wall_stiffness\":2.00,\"wall_damping\":0.1000,\"smoothing\":0.001000,\"torque_limit\":1.00}",
    "{\"status\":\"ok\",\"fields_updated\":2}",
    "{\"tx_count\":1,\"rx_count\":2,\"error_count\":0,\"bus_state\":0,\"position\":0.1,\"velocity\":0.2,\"bus_voltage\":24.1,\"bus_current\":0.1,\"fet_temp\":35.0,\"motor_temp\":31.0}",
    "{\"status\":\"success\",\"message\":\"stream_started\"}",
    "{\"pos_min_deg\":1.00,\"pos_max_deg\":2.00,\"zero_crossing_hz\":0.50,\"torque_clamps\":3}",
    "{\"format\":\"steve-tuner-presets\",\"version\":1,\"presets\":[{\"index\":0,\"name\":\"a\",\"viscous\":0.1,\"coulomb\":0.1,\"wall_stiffness\":1,\"wall_damping\":0.1,\"travel\":90,\"torque_limit\":2,\"smoothing\":0.001}]}",
  };

  if (argc != 3)
    {
      g_printerr ("usage: fuzz-seeds CAPTURES-DIR OUT-DIR\n");
      return EXIT_FAILURE;
    }

  telemetry = g_build_filename (argv[2], "telemetry", NULL);
  rest = g_build_filename (argv[2], "rest", NULL);
  http = g_build_filename (argv[2], "sim-http", NULL);
  recording = g_build_filename (argv[2], "recording", NULL);
  g_mkdir_with_parents (telemetry, 0755);
  g_mkdir_with_parents (rest, 0755);
  g_mkdir_with_parents (http, 0755);
  g_mkdir_with_parents (recording, 0755);

  /* stream lines */
  {
    const char *streams[] = { "stream-running-10ms-then-100ms.ndjson", "stream-idle-10ms.ndjson" };

    for (guint s = 0; s < G_N_ELEMENTS (streams); s++)
      {
        g_autofree char *path = g_build_filename (argv[1], streams[s], NULL);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_file_get_contents (path, &text, NULL, NULL))
          continue;
        lines = g_strsplit (text, "\n", -1);
        for (guint i = 0; lines[i]; i++)
          if (lines[i][0] && (i < 12 || i % 20 == 0))
            put (telemetry, lines[i], strlen (lines[i]));
      }
    put (telemetry, "{\"stream\":\"ready\",\"interval_ms\":20,\"version\":\"1.0\"}", 50);
  }

  /* captured exchanges */
  http_dir = g_build_filename (argv[1], "http", NULL);
  dir = g_dir_open (http_dir, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (http_dir, name, NULL);
      g_autofree char *text = NULL;
      g_autofree char *request = NULL, *body = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        continue;
      split_capture (text, &request, &body);
      if (request)
        put (http, request, strlen (request));
      if (body)
        put_rest (rest, body);
    }
  for (guint i = 0; i < G_N_ELEMENTS (documented); i++)
    put_rest (rest, documented[i]);

  /* a small recording in every format */
  {
    g_autoptr(SteveRecording) rec = NULL;
    SteveRecordingInfo info = { 0 };
    SteveRecordingEvent mark = { 0 };
    const char *exts[] = { "csv", "json", "h5" };

    info.device_host = (char *) "127.0.0.1";
    info.interval_ms = 10;
    rec = steve_recording_new (&info);
    for (guint i = 0; i < 8; i++)
      {
        SteveSample s = { 0 };

        s.host_time_us = 1000000 + i * 10000;
        s.timestamp_ms = 500 + i * 10;
        s.seq = i * 10;
        s.position_deg = i * 1.5;
        s.torque_nm = -0.1 * i;
        s.status = STEVE_VALVE_STATE_RUNNING;
        s.data_valid = TRUE;
        s.present = STEVE_SAMPLE_ALL_FIELDS;
        steve_recording_append_samples (rec, &s, 1);
      }
    mark.kind = STEVE_RECORDING_EVENT_MARK;
    mark.label = (char *) "step 1";
    steve_recording_append_event (rec, &mark);

    for (guint f = 0; f < G_N_ELEMENTS (exts); f++)
      {
        g_autofree char *tmp = g_strdup_printf ("%s/tmp.%s", recording, exts[f]);
        g_autofree char *data = NULL;
        gsize len;

        if (!steve_recording_save (rec, (SteveRecordingFormat) f, tmp, NULL) ||
            !g_file_get_contents (tmp, &data, &len, NULL))
          continue;
        {
          g_autofree char *seed = g_malloc (len + 1);
          seed[0] = (char) f;
          memcpy (seed + 1, data, len);
          put (recording, seed, len + 1);
        }
        g_unlink (tmp);
      }

    {
      g_autoptr(GString) j = g_string_new (NULL);
      g_autofree char *seed = NULL;
      const SteveSample *samples;
      guint n;

      steve_recording_journal_header (rec, j);
      samples = steve_recording_get_samples (rec, &n);
      for (guint i = 0; i < n; i++)
        steve_recording_journal_sample (&samples[i], j);
      steve_recording_journal_event (&mark, j);
      seed = g_strdup_printf ("%c%s", 3, j->str);
      put (recording, seed, strlen (seed + 1) + 1);
    }
  }

  g_print ("seeds written to %s (%u files)\n", argv[2], counter);
  return EXIT_SUCCESS;
}
