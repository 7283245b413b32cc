/* test-telemetry.c — unit tests of the NDJSON telemetry line parser and formatter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "steve-telemetry.h"
#include "steve-types.h"

/* ------------------------------------------------------------------ helpers */

/* Parses @len bytes from an exactly sized heap copy (no NUL after them),
 * so that AddressSanitizer sees any read past the line. */
static gboolean
parse_bytes (const char      *text,
             gsize            len,
             SteveStreamLine *out,
             SteveLineError  *error)
{
  char *copy = g_malloc (MAX (len, 1));
  gboolean ok;

  memcpy (copy, text, len);
  ok = steve_telemetry_parse_line (copy, len, out, error);
  g_free (copy);
  return ok;
}

static gboolean
parse_str (const char      *text,
           SteveStreamLine *out,
           SteveLineError  *error)
{
  return parse_bytes (text, strlen (text), out, error);
}

static SteveSample
parse_sample (const char *text)
{
  SteveStreamLine line;
  SteveLineError error;

  if (!parse_str (text, &line, &error))
    {
      g_autofree char *why = steve_line_error_describe (&error);
      g_error ("line refused: %s\n%s", why, text);
    }
  g_assert_cmpint (line.kind, ==, STEVE_LINE_SAMPLE);
  return line.sample;
}

static void
assert_reject (const char         *text,
               SteveLineErrorCode  code,
               const char         *key)
{
  SteveStreamLine line;
  SteveLineError error = { STEVE_LINE_OK, "none", 9999 };
  gsize len = strlen (text);

  if (parse_str (text, &line, &error))
    g_error ("line accepted: %s", text);

  if (error.code != code || g_strcmp0 (error.key, key) != 0)
    g_error ("line %s: expected %s (%s), got %s (%s)", text,
             steve_line_error_to_string (code), key ? key : "no key",
             steve_line_error_to_string (error.code), error.key ? error.key : "no key");
  g_assert_cmpuint (error.offset, <=, len);
}

static void
assert_sample_equal (const SteveSample *a,
                     const SteveSample *b)
{
  g_assert_cmpuint (a->present, ==, b->present);
  g_assert_cmpuint (a->timestamp_ms, ==, b->timestamp_ms);
  g_assert_cmpuint (a->t_us, ==, b->t_us);
  g_assert_cmpuint (a->loop_time_us, ==, b->loop_time_us);
  g_assert_cmpuint (a->seq, ==, b->seq);
  g_assert_cmpfloat (a->position_turns, ==, b->position_turns);
  g_assert_cmpfloat (a->position_deg, ==, b->position_deg);
  g_assert_cmpfloat (a->torque_nm, ==, b->torque_nm);
  g_assert_cmpfloat (a->filt_torque_nm, ==, b->filt_torque_nm);
  g_assert_cmpfloat (a->omega_rad_s, ==, b->omega_rad_s);
  g_assert_cmpint (a->passivity_mj, ==, b->passivity_mj);
  g_assert_cmpuint (a->err, ==, b->err);
  g_assert_cmpuint (a->hb_age, ==, b->hb_age);
  g_assert_cmpuint (a->status, ==, b->status);
  g_assert_cmpuint (a->quiet, ==, b->quiet);
  g_assert_cmpuint (a->data_valid, ==, b->data_valid);
}

/* The first sample of the running capture, key by key, so that a line
 * can be built with one value replaced or one key left out. */
static const struct { const char *key; const char *value; } base_fields[] = {
  { "timestamp_ms", "2037" }, { "t_us", "30" }, { "loop_time_us", "0" }, { "seq", "36" },
  { "position_turns", "0.008" }, { "position_deg", "-3.0" }, { "torque_nm", "0.695" },
  { "filt_torque_nm", "0.695" }, { "status", "\"RUNNING\"" }, { "omega_rad_s", "-1.624" },
  { "passivity_mj", "-30" }, { "quiet", "false" }, { "err", "0" }, { "hb_age", "1" },
  { "data_valid", "true" },
};

/* Returns the base line with @key's raw value replaced by @raw, or left
 * out when @raw is NULL. */
static char *
make_line (const char *key,
           const char *raw)
{
  GString *str = g_string_new ("{");

  for (guint i = 0; i < G_N_ELEMENTS (base_fields); i++)
    {
      const char *value = base_fields[i].value;

      if (g_strcmp0 (key, base_fields[i].key) == 0)
        {
          if (raw == NULL)
            continue;
          value = raw;
        }

      if (str->len > 1)
        g_string_append_c (str, ',');
      g_string_append_printf (str, "\"%s\":%s", base_fields[i].key, value);
    }

  g_string_append_c (str, '}');
  return g_string_free (str, FALSE);
}

static char **
load_capture_lines (const char *name)
{
  g_autofree char *path = g_build_filename (STEVE_TEST_CAPTURES, name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  char **lines;
  guint n;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (length, >, 0);
  g_assert_cmpint (contents[length - 1], ==, '\n');
  contents[length - 1] = '\0';

  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (strlen (lines[i]), >, 0);

  return lines;
}

/* ------------------------------------------------------------------ captures */

static void
test_capture_running (void)
{
  g_auto(GStrv) lines = load_capture_lines ("stream-running-10ms-then-100ms.ndjson");
  guint n = g_strv_length (lines);
  guint n_samples = 0, n_hello = 0, n_sync = 0, n_100ms = 0;
  SteveSample prev = { 0 };
  gboolean have_prev = FALSE;

  g_assert_cmpuint (n, ==, 128);

  for (guint i = 0; i < n; i++)
    {
      SteveStreamLine line;
      SteveLineError error;
      gsize len = strlen (lines[i]);

      if (!parse_bytes (lines[i], len, &line, &error))
        {
          g_autofree char *why = steve_line_error_describe (&error);
          g_error ("line %u refused: %s", i + 1, why);
        }

      switch (line.kind)
        {
        case STEVE_LINE_HELLO:
          n_hello++;
          g_assert_cmpuint (i, ==, 0);
          g_assert_cmpint (line.hello.dialect, ==, STEVE_DIALECT_FIRMWARE);
          g_assert_cmpstr (line.hello.stream, ==, "valve");
          g_assert_cmpstr (line.hello.message, ==, "connected");
          g_assert_cmpstr (line.hello.version, ==, "");
          g_assert_true (line.hello.has_interval);
          g_assert_cmpuint (line.hello.interval_ms, ==, 10);
          break;

        case STEVE_LINE_SYNC:
          n_sync++;
          g_assert_true (line.sync.ok);
          g_assert_cmpuint (line.sync.t_us, ==, 30);
          if (n_sync == 1)
            {
              g_assert_cmpuint (i + 1, ==, 52);
              g_assert_cmpuint (line.sync.seq, ==, 527);
              g_assert_cmpuint (line.sync.timestamp_ms, ==, 2528);
              g_assert_true (line.sync.has_token);
              g_assert_cmpstr (line.sync.token, ==, "tok-1");
            }
          else
            {
              g_assert_cmpuint (i + 1, ==, 103);
              g_assert_cmpuint (line.sync.seq, ==, 1027);
              g_assert_cmpuint (line.sync.timestamp_ms, ==, 3028);
              g_assert_false (line.sync.has_token);
              g_assert_cmpstr (line.sync.token, ==, "");
            }
          /* a sync reply sits between the samples around it */
          g_assert_true (have_prev);
          g_assert_cmpuint (line.sync.seq, >=, prev.seq);
          g_assert_cmpuint (line.sync.timestamp_ms, >=, prev.timestamp_ms);
          break;

        case STEVE_LINE_SAMPLE:
          n_samples++;
          g_assert_cmpuint (line.sample.present, ==, STEVE_SAMPLE_ALL_FIELDS);
          g_assert_cmpint (line.sample.status, ==, STEVE_VALVE_STATE_RUNNING);
          g_assert_cmpuint (line.sample.hb_age, <, 100);
          g_assert_cmpint (line.sample.passivity_mj, <=, 0);
          g_assert_cmpint (line.sample.passivity_mj, >=, -2000);
          g_assert_true (line.sample.data_valid);
          g_assert_false (line.sample.quiet);
          g_assert_cmpuint (line.sample.host_time_us, ==, 0);
          if (have_prev)
            {
              guint32 dt = line.sample.timestamp_ms - prev.timestamp_ms;

              /* 10 ms, then 100 ms after "interval 100"; seq counts
               * control cycles (1 kHz), not samples */
              g_assert_true (dt == 10 || dt == 100);
              g_assert_cmpuint (line.sample.seq - prev.seq, ==, dt);
              if (dt == 100)
                n_100ms++;
            }
          prev = line.sample;
          have_prev = TRUE;
          break;

        default:
          g_assert_not_reached ();
        }
    }

  g_assert_cmpuint (n_hello, ==, 1);
  g_assert_cmpuint (n_sync, ==, 2);
  g_assert_cmpuint (n_samples, ==, 125);
  g_assert_cmpuint (n_100ms, ==, 20);

  /* the first sample, exactly */
  {
    SteveSample s = parse_sample (lines[1]);

    g_assert_cmpuint (s.timestamp_ms, ==, 2037);
    g_assert_cmpuint (s.t_us, ==, 30);
    g_assert_cmpuint (s.loop_time_us, ==, 0);
    g_assert_cmpuint (s.seq, ==, 36);
    g_assert_cmpfloat (s.position_turns, ==, 0.008);
    g_assert_cmpfloat (s.position_deg, ==, -3.0);
    g_assert_cmpfloat (s.torque_nm, ==, 0.695);
    g_assert_cmpfloat (s.filt_torque_nm, ==, 0.695);
    g_assert_cmpint (s.status, ==, STEVE_VALVE_STATE_RUNNING);
    g_assert_cmpfloat (s.omega_rad_s, ==, -1.624);
    g_assert_cmpint (s.passivity_mj, ==, -30);
    g_assert_false (s.quiet);
    g_assert_cmpuint (s.err, ==, 0);
    g_assert_cmpuint (s.hb_age, ==, 1);
    g_assert_true (s.data_valid);
  }

  /* line 53: ω went from −1.001 to what the firmware prints as 0.983 (the
   * minus-sign quirk); the parser reports the bytes, it does not guess */
  {
    SteveSample s = parse_sample (lines[52]);

    g_assert_cmpuint (s.seq, ==, 536);
    g_assert_cmpfloat (s.omega_rad_s, ==, 0.983);
    g_assert_cmpfloat (s.position_deg, ==, -40.2);
    g_assert_cmpfloat (s.torque_nm, ==, 3.186);
  }

  /* the last sample */
  {
    SteveSample s = parse_sample (lines[127]);

    g_assert_cmpuint (s.timestamp_ms, ==, 5077);
    g_assert_cmpuint (s.seq, ==, 3076);
    g_assert_cmpfloat (s.position_deg, ==, 53.6);
    g_assert_cmpfloat (s.omega_rad_s, ==, 0.176);
  }

  {
    g_autofree char *built = make_line (NULL, NULL);

    /* make_line() rebuilds the first sample exactly */
    g_assert_cmpstr (built, ==, lines[1]);
  }
}

static void
test_capture_idle (void)
{
  g_auto(GStrv) lines = load_capture_lines ("stream-idle-10ms.ndjson");
  guint n = g_strv_length (lines);
  SteveSample first = { 0 };

  g_assert_cmpuint (n, ==, 51);

  for (guint i = 0; i < n; i++)
    {
      SteveStreamLine line;
      SteveLineError error;

      g_assert_true (parse_str (lines[i], &line, &error));

      if (i == 0)
        {
          g_assert_cmpint (line.kind, ==, STEVE_LINE_HELLO);
          g_assert_cmpint (line.hello.dialect, ==, STEVE_DIALECT_FIRMWARE);
          g_assert_cmpuint (line.hello.interval_ms, ==, 10);
          continue;
        }

      g_assert_cmpint (line.kind, ==, STEVE_LINE_SAMPLE);
      g_assert_cmpuint (line.sample.present, ==, STEVE_SAMPLE_ALL_FIELDS);
      g_assert_cmpint (line.sample.status, ==, STEVE_VALVE_STATE_IDLE);
      g_assert_cmpuint (line.sample.hb_age, ==, 4294967295u);
      g_assert_cmpuint (line.sample.hb_age, ==, STEVE_HB_AGE_NOT_RUNNING);

      if (i == 1)
        {
          first = line.sample;
          g_assert_cmpuint (first.timestamp_ms, ==, 5090);
          g_assert_cmpuint (first.seq, ==, 3078);
          g_assert_cmpfloat (first.position_turns, ==, 0.148);
          g_assert_cmpfloat (first.position_deg, ==, 53.6);
          g_assert_cmpfloat (first.torque_nm, ==, 0.264);
          g_assert_cmpfloat (first.omega_rad_s, ==, 0.183);
          g_assert_cmpint (first.passivity_mj, ==, -959);
        }
      else
        {
          /* idle: the last state of the run, frozen; only the time moves */
          g_assert_cmpuint (line.sample.timestamp_ms, ==, first.timestamp_ms + 10 * (i - 1));
          line.sample.timestamp_ms = first.timestamp_ms;
          assert_sample_equal (&line.sample, &first);
        }
    }
}

/* A line parses the same with "\n" or "\r\n" after it. */
static void
test_capture_line_endings (void)
{
  static const char * const names[] = {
    "stream-running-10ms-then-100ms.ndjson", "stream-idle-10ms.ndjson",
  };

  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      g_auto(GStrv) lines = load_capture_lines (names[f]);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          static const char * const endings[] = { "\n", "\r\n", " \n", "\t\r\n" };
          SteveStreamLine bare, ended;
          SteveLineError error;

          g_assert_true (parse_str (lines[i], &bare, &error));

          for (guint e = 0; e < G_N_ELEMENTS (endings); e++)
            {
              g_autofree char *text = g_strconcat (lines[i], endings[e], NULL);

              g_assert_true (parse_str (text, &ended, &error));
              g_assert_cmpint (ended.kind, ==, bare.kind);
              if (bare.kind == STEVE_LINE_SAMPLE)
                assert_sample_equal (&ended.sample, &bare.sample);
              else if (bare.kind == STEVE_LINE_SYNC)
                {
                  g_assert_cmpuint (ended.sync.seq, ==, bare.sync.seq);
                  g_assert_cmpstr (ended.sync.token, ==, bare.sync.token);
                }
              else
                g_assert_cmpuint (ended.hello.interval_ms, ==, bare.hello.interval_ms);
            }
        }
    }
}

/* ------------------------------------------------------------------ hello and sync */

static void
test_hello (void)
{
  SteveStreamLine line;
  SteveLineError error;

  g_assert_true (parse_str ("{\"stream\":\"ready\",\"interval_ms\":20,\"version\":\"1.0\"}", &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_HELLO);
  g_assert_cmpint (line.hello.dialect, ==, STEVE_DIALECT_DOCUMENTED);
  g_assert_cmpstr (line.hello.stream, ==, "ready");
  g_assert_cmpstr (line.hello.version, ==, "1.0");
  g_assert_cmpstr (line.hello.message, ==, "");
  g_assert_true (line.hello.has_interval);
  g_assert_cmpuint (line.hello.interval_ms, ==, 20);

  g_assert_true (parse_str ("{\"stream\":\"valve\",\"message\":\"connected\",\"interval_ms\":20}\n", &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_HELLO);
  g_assert_cmpint (line.hello.dialect, ==, STEVE_DIALECT_FIRMWARE);
  g_assert_cmpuint (line.hello.interval_ms, ==, 20);

  /* any line with a "stream" key is the hello */
  g_assert_true (parse_str ("{\"stream\":\"other\"}", &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_HELLO);
  g_assert_cmpint (line.hello.dialect, ==, STEVE_DIALECT_UNKNOWN);
  g_assert_false (line.hello.has_interval);

  g_assert_true (parse_str ("{\"stream\":\"ready\",\"interval_ms\":null}", &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_HELLO);
  g_assert_false (line.hello.has_interval);

  assert_reject ("{\"stream\":\"valve\",\"interval_ms\":-20}", STEVE_LINE_ERROR_OUT_OF_RANGE, "interval_ms");
  assert_reject ("{\"stream\":\"valve\",\"interval_ms\":\"20\"}", STEVE_LINE_ERROR_WRONG_TYPE, "interval_ms");
  assert_reject ("{\"stream\":1}", STEVE_LINE_ERROR_WRONG_TYPE, "stream");
  /* 15 bytes fit, 16 do not */
  g_assert_true (parse_str ("{\"stream\":\"abcdefghijklmno\"}", &line, &error));
  g_assert_cmpstr (line.hello.stream, ==, "abcdefghijklmno");
  assert_reject ("{\"stream\":\"abcdefghijklmnop\"}", STEVE_LINE_ERROR_STRING_TOO_LONG, "stream");
}

static void
test_sync (void)
{
  SteveStreamLine line;
  SteveLineError error;
  g_autofree char *token47 = g_strnfill (STEVE_SYNC_TOKEN_MAX, 'k');
  g_autofree char *token48 = g_strnfill (STEVE_SYNC_TOKEN_MAX + 1, 'k');
  g_autofree char *line47 = g_strdup_printf ("{\"sync\":\"ok\",\"t_us\":1,\"seq\":2,\"timestamp_ms\":3,\"token\":\"%s\"}", token47);
  g_autofree char *line48 = g_strdup_printf ("{\"sync\":\"ok\",\"t_us\":1,\"seq\":2,\"timestamp_ms\":3,\"token\":\"%s\"}", token48);

  g_assert_true (parse_str ("{\"sync\":\"ok\",\"t_us\":987654,\"seq\":7890,\"timestamp_ms\":1234567,\"token\":\"abc\"}",
                            &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_SYNC);
  g_assert_true (line.sync.ok);
  g_assert_cmpuint (line.sync.t_us, ==, 987654);
  g_assert_cmpuint (line.sync.seq, ==, 7890);
  g_assert_cmpuint (line.sync.timestamp_ms, ==, 1234567);
  g_assert_true (line.sync.has_token);
  g_assert_cmpstr (line.sync.token, ==, "abc");

  g_assert_true (parse_str ("{\"sync\":\"ok\",\"t_us\":1,\"seq\":2,\"timestamp_ms\":3}", &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_SYNC);
  g_assert_false (line.sync.has_token);
  g_assert_cmpstr (line.sync.token, ==, "");

  /* an empty token is still a token */
  g_assert_true (parse_str ("{\"sync\":\"ok\",\"seq\":2,\"timestamp_ms\":3,\"token\":\"\"}", &line, &error));
  g_assert_true (line.sync.has_token);
  g_assert_cmpstr (line.sync.token, ==, "");

  /* escapes in the token are resolved */
  g_assert_true (parse_str ("{\"sync\":\"ok\",\"seq\":2,\"timestamp_ms\":3,\"token\":\"a\\\"b\\\\c\\u00e9\\/\"}",
                            &line, &error));
  g_assert_cmpstr (line.sync.token, ==, "a\"b\\cé/");

  /* the device cuts tokens to 47 characters: 47 fit, 48 do not */
  g_assert_true (parse_str (line47, &line, &error));
  g_assert_cmpstr (line.sync.token, ==, token47);
  assert_reject (line48, STEVE_LINE_ERROR_STRING_TOO_LONG, "token");

  /* not "ok" */
  g_assert_true (parse_str ("{\"sync\":\"busy\",\"seq\":2,\"timestamp_ms\":3}", &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_SYNC);
  g_assert_false (line.sync.ok);

  assert_reject ("{\"sync\":\"ok\",\"t_us\":1,\"timestamp_ms\":3}", STEVE_LINE_ERROR_MISSING_KEY, "seq");
  assert_reject ("{\"sync\":\"ok\",\"t_us\":1,\"seq\":3}", STEVE_LINE_ERROR_MISSING_KEY, "timestamp_ms");
  assert_reject ("{\"sync\":true,\"seq\":2,\"timestamp_ms\":3}", STEVE_LINE_ERROR_WRONG_TYPE, "sync");
  assert_reject ("{\"sync\":\"ok\",\"seq\":2,\"timestamp_ms\":3,\"token\":5}", STEVE_LINE_ERROR_WRONG_TYPE, "token");
}

/* ------------------------------------------------------------------ rejections */

static void
test_reject_basic (void)
{
  g_autofree char *base = make_line (NULL, NULL);
  g_autofree char *garbage1 = g_strconcat (base, "x", NULL);
  g_autofree char *garbage2 = g_strconcat (base, "{}", NULL);
  g_autofree char *garbage3 = g_strconcat (base, "\n{}", NULL);
  g_autofree char *garbage4 = g_strconcat (base, ",", NULL);
  SteveStreamLine line;
  SteveLineError error;

  assert_reject ("", STEVE_LINE_ERROR_EMPTY, NULL);
  assert_reject ("   ", STEVE_LINE_ERROR_EMPTY, NULL);
  assert_reject ("\n", STEVE_LINE_ERROR_EMPTY, NULL);
  assert_reject ("\r\n", STEVE_LINE_ERROR_EMPTY, NULL);
  assert_reject (" \t \r\n", STEVE_LINE_ERROR_EMPTY, NULL);
  g_assert_false (steve_telemetry_parse_line (NULL, 0, &line, &error));
  g_assert_cmpint (error.code, ==, STEVE_LINE_ERROR_EMPTY);

  assert_reject ("[1]", STEVE_LINE_ERROR_NOT_OBJECT, NULL);
  assert_reject ("42", STEVE_LINE_ERROR_NOT_OBJECT, NULL);
  assert_reject ("\"sample\"", STEVE_LINE_ERROR_NOT_OBJECT, NULL);
  assert_reject ("null", STEVE_LINE_ERROR_NOT_OBJECT, NULL);
  assert_reject ("  x{}", STEVE_LINE_ERROR_NOT_OBJECT, NULL);

  /* truncated */
  assert_reject ("{", STEVE_LINE_ERROR_SYNTAX, NULL);
  assert_reject ("{\"timestamp_ms\":2037,", STEVE_LINE_ERROR_SYNTAX, NULL);
  assert_reject ("{\"timestamp_ms\":2037", STEVE_LINE_ERROR_SYNTAX, NULL);
  assert_reject ("{\"timestamp_ms\":", STEVE_LINE_ERROR_SYNTAX, "timestamp_ms");
  assert_reject ("{\"timestamp_ms\"", STEVE_LINE_ERROR_SYNTAX, "timestamp_ms");
  assert_reject ("{\"timest", STEVE_LINE_ERROR_BAD_STRING, NULL);
  assert_reject ("{\"status\":\"RUNN", STEVE_LINE_ERROR_BAD_STRING, "status");
  assert_reject ("{\"quiet\":fal", STEVE_LINE_ERROR_SYNTAX, "quiet");
  assert_reject ("{\"quiet\":nul", STEVE_LINE_ERROR_SYNTAX, "quiet");
  {
    gsize half = strlen (base) / 2;
    g_autofree char *cut = g_strndup (base, half);
    SteveLineError e;

    g_assert_false (parse_str (cut, &line, &e));
    g_assert_true (e.code == STEVE_LINE_ERROR_SYNTAX || e.code == STEVE_LINE_ERROR_BAD_STRING ||
                   e.code == STEVE_LINE_ERROR_BAD_NUMBER);
  }
  /* without its closing brace, with the newline */
  {
    g_autofree char *unclosed = g_strndup (base, strlen (base) - 1);
    g_autofree char *unclosed_nl = g_strconcat (unclosed, "\n", NULL);

    assert_reject (unclosed, STEVE_LINE_ERROR_SYNTAX, NULL);
    assert_reject (unclosed_nl, STEVE_LINE_ERROR_SYNTAX, NULL);
  }

  /* trailing garbage, reported where it starts */
  assert_reject (garbage1, STEVE_LINE_ERROR_TRAILING_DATA, NULL);
  assert_reject (garbage2, STEVE_LINE_ERROR_TRAILING_DATA, NULL);
  assert_reject (garbage3, STEVE_LINE_ERROR_TRAILING_DATA, NULL);
  assert_reject (garbage4, STEVE_LINE_ERROR_TRAILING_DATA, NULL);
  g_assert_false (parse_str (garbage1, &line, &error));
  g_assert_cmpuint (error.offset, ==, strlen (base));

  /* syntax inside the object */
  assert_reject ("{\"seq\" 1}", STEVE_LINE_ERROR_SYNTAX, "seq");
  assert_reject ("{seq:1}", STEVE_LINE_ERROR_SYNTAX, NULL);
  assert_reject ("{\"seq\":1,}", STEVE_LINE_ERROR_SYNTAX, NULL);
  assert_reject ("{\"seq\":1;\"err\":0}", STEVE_LINE_ERROR_SYNTAX, NULL);
  assert_reject ("{\"seq\":1 \"err\":0}", STEVE_LINE_ERROR_SYNTAX, NULL);

  /* an object that is neither a sample, a hello nor a sync reply */
  assert_reject ("{}", STEVE_LINE_ERROR_UNKNOWN_KIND, NULL);
  assert_reject ("{\"foo\":1,\"bar\":\"x\"}", STEVE_LINE_ERROR_UNKNOWN_KIND, NULL);
}

static void
test_reject_numbers (void)
{
  static const struct { const char *key; const char *raw; SteveLineErrorCode code; } cases[] = {
    /* non-finite */
    { "torque_nm", "NaN", STEVE_LINE_ERROR_NOT_FINITE },
    { "torque_nm", "Infinity", STEVE_LINE_ERROR_NOT_FINITE },
    { "torque_nm", "inf", STEVE_LINE_ERROR_NOT_FINITE },
    { "torque_nm", "-Infinity", STEVE_LINE_ERROR_NOT_FINITE },
    { "omega_rad_s", "-inf", STEVE_LINE_ERROR_NOT_FINITE },
    { "position_deg", "-NaN", STEVE_LINE_ERROR_NOT_FINITE },
    { "torque_nm", "1e999", STEVE_LINE_ERROR_NOT_FINITE },
    { "torque_nm", "-1e999", STEVE_LINE_ERROR_NOT_FINITE },
    { "position_turns", "1.5E+400", STEVE_LINE_ERROR_NOT_FINITE },
    /* integers out of range */
    { "seq", "-1", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "seq", "4294967296", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "seq", "99999999999999999999999", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "timestamp_ms", "-2037", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "timestamp_ms", "4294967296", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "hb_age", "4294967296", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "err", "-3", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "loop_time_us", "-1", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "t_us", "18446744073709551616", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "t_us", "100000000000000000000", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "t_us", "-1", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "passivity_mj", "-2147483649", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "passivity_mj", "2147483648", STEVE_LINE_ERROR_OUT_OF_RANGE },
    { "passivity_mj", "-99999999999", STEVE_LINE_ERROR_OUT_OF_RANGE },
    /* float for an integer */
    { "timestamp_ms", "2037.0", STEVE_LINE_ERROR_WRONG_TYPE },
    { "timestamp_ms", "2.037e3", STEVE_LINE_ERROR_WRONG_TYPE },
    { "timestamp_ms", "2037e0", STEVE_LINE_ERROR_WRONG_TYPE },
    { "seq", "36.5", STEVE_LINE_ERROR_WRONG_TYPE },
    { "passivity_mj", "-30.0", STEVE_LINE_ERROR_WRONG_TYPE },
    { "hb_age", "1E2", STEVE_LINE_ERROR_WRONG_TYPE },
    /* malformed number text */
    { "torque_nm", "01", STEVE_LINE_ERROR_BAD_NUMBER },
    { "torque_nm", "-01.5", STEVE_LINE_ERROR_BAD_NUMBER },
    { "torque_nm", "1.", STEVE_LINE_ERROR_BAD_NUMBER },
    { "torque_nm", "-", STEVE_LINE_ERROR_BAD_NUMBER },
    { "torque_nm", "1e", STEVE_LINE_ERROR_BAD_NUMBER },
    { "torque_nm", "1e+", STEVE_LINE_ERROR_BAD_NUMBER },
    { "torque_nm", "--1", STEVE_LINE_ERROR_BAD_NUMBER },
    { "torque_nm", ".5", STEVE_LINE_ERROR_SYNTAX },
    { "torque_nm", "+1", STEVE_LINE_ERROR_SYNTAX },
    /* wrong JSON type */
    { "position_deg", "\"1.0\"", STEVE_LINE_ERROR_WRONG_TYPE },
    { "torque_nm", "true", STEVE_LINE_ERROR_WRONG_TYPE },
    { "seq", "\"36\"", STEVE_LINE_ERROR_WRONG_TYPE },
    { "quiet", "\"false\"", STEVE_LINE_ERROR_WRONG_TYPE },
    { "quiet", "0", STEVE_LINE_ERROR_WRONG_TYPE },
    { "data_valid", "1", STEVE_LINE_ERROR_WRONG_TYPE },
    { "status", "2", STEVE_LINE_ERROR_WRONG_TYPE },
    { "status", "true", STEVE_LINE_ERROR_WRONG_TYPE },
    /* unknown status strings */
    { "status", "\"WALKING\"", STEVE_LINE_ERROR_UNKNOWN_STATUS },
    { "status", "\"running\"", STEVE_LINE_ERROR_UNKNOWN_STATUS },
    { "status", "\"\"", STEVE_LINE_ERROR_UNKNOWN_STATUS },
    { "status", "\"RUNNING \"", STEVE_LINE_ERROR_UNKNOWN_STATUS },
    /* nested values */
    { "torque_nm", "{\"v\":1}", STEVE_LINE_ERROR_NESTED_VALUE },
    { "torque_nm", "[1]", STEVE_LINE_ERROR_NESTED_VALUE },
    { "status", "{}", STEVE_LINE_ERROR_NESTED_VALUE },
    /* bad strings: escapes and raw control characters */
    { "status", "\"RUN\\qNING\"", STEVE_LINE_ERROR_BAD_STRING },
    { "status", "\"RUN\\u12\"", STEVE_LINE_ERROR_BAD_STRING },
    { "status", "\"\\uZZZZ\"", STEVE_LINE_ERROR_BAD_STRING },
    { "status", "\"RUN\\", STEVE_LINE_ERROR_BAD_STRING },
    { "status", "\"RUN\x01NING\"", STEVE_LINE_ERROR_BAD_STRING },
    { "status", "\"RUN\tNING\"", STEVE_LINE_ERROR_BAD_STRING },
    { "status", "\"RUN\nNING\"", STEVE_LINE_ERROR_BAD_STRING },
    { "status", "\"RUN\x1fNING\"", STEVE_LINE_ERROR_BAD_STRING },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = make_line (cases[i].key, cases[i].raw);

      assert_reject (text, cases[i].code, cases[i].key);
    }

  /* the same problems in keys nobody reads still break the line */
  assert_reject ("{\"x\":NaN}", STEVE_LINE_ERROR_NOT_FINITE, NULL);
  assert_reject ("{\"x\":[1],\"seq\":1}", STEVE_LINE_ERROR_NESTED_VALUE, NULL);
  assert_reject ("{\"x\":\"a\\qb\"}", STEVE_LINE_ERROR_BAD_STRING, NULL);
  assert_reject ("{\"a\\qb\":1}", STEVE_LINE_ERROR_BAD_STRING, NULL);
  assert_reject ("{\"a\x02\":1}", STEVE_LINE_ERROR_BAD_STRING, NULL);
  assert_reject ("{\"x\":01}", STEVE_LINE_ERROR_BAD_NUMBER, NULL);

  /* a number followed by junk: the junk is the syntax error */
  {
    g_autofree char *hex = make_line ("seq", "0x10");
    assert_reject (hex, STEVE_LINE_ERROR_SYNTAX, NULL);
  }
}

static void
test_reject_missing_key (void)
{
  static const char * const required[] = {
    "timestamp_ms", "seq", "position_deg", "torque_nm", "status", "omega_rad_s",
  };

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    {
      g_autofree char *text = make_line (required[i], NULL);
      g_autofree char *with_null = make_line (required[i], "null");

      assert_reject (text, STEVE_LINE_ERROR_MISSING_KEY, required[i]);
      /* null is as unknown as missing */
      assert_reject (with_null, STEVE_LINE_ERROR_MISSING_KEY, required[i]);
    }

  /* the first missing one (in the order of the sample's keys) is named */
  assert_reject ("{\"torque_nm\":0.1,\"omega_rad_s\":0.2}", STEVE_LINE_ERROR_MISSING_KEY, "timestamp_ms");
  assert_reject ("{\"timestamp_ms\":1,\"seq\":2,\"position_deg\":3.0,\"torque_nm\":0.1,\"status\":\"IDLE\"}",
                 STEVE_LINE_ERROR_MISSING_KEY, "omega_rad_s");

  /* the optional keys may be missing */
  {
    static const char * const optional[] = {
      "t_us", "loop_time_us", "position_turns", "filt_torque_nm", "passivity_mj",
      "quiet", "err", "hb_age", "data_valid",
    };
    static const guint bits[] = {
      STEVE_SAMPLE_T_US, STEVE_SAMPLE_LOOP_TIME_US, STEVE_SAMPLE_POSITION_TURNS,
      STEVE_SAMPLE_FILT_TORQUE_NM, STEVE_SAMPLE_PASSIVITY_MJ, STEVE_SAMPLE_QUIET,
      STEVE_SAMPLE_ERR, STEVE_SAMPLE_HB_AGE, STEVE_SAMPLE_DATA_VALID,
    };

    for (guint i = 0; i < G_N_ELEMENTS (optional); i++)
      {
        g_autofree char *text = make_line (optional[i], NULL);
        SteveSample s = parse_sample (text);

        g_assert_cmpuint (s.present, ==, STEVE_SAMPLE_ALL_FIELDS & ~bits[i]);
      }
  }
}

static void
test_null_value (void)
{
  g_autofree char *text = make_line ("filt_torque_nm", "null");
  g_autofree char *text2 = make_line ("hb_age", "null");
  SteveSample s = parse_sample (text);

  g_assert_cmpuint (s.present, ==, STEVE_SAMPLE_ALL_FIELDS & ~STEVE_SAMPLE_FILT_TORQUE_NM);
  g_assert_cmpfloat (s.filt_torque_nm, ==, 0.0);
  g_assert_cmpfloat (s.torque_nm, ==, 0.695);

  s = parse_sample (text2);
  g_assert_cmpuint (s.present, ==, STEVE_SAMPLE_ALL_FIELDS & ~STEVE_SAMPLE_HB_AGE);
  g_assert_cmpuint (s.hb_age, ==, 0);
}

static void
test_accept_values (void)
{
  SteveSample s;
  g_autofree char *l1 = make_line ("seq", "4294967295");
  g_autofree char *l2 = make_line ("t_us", "18446744073709551615");
  g_autofree char *l3 = make_line ("passivity_mj", "-2147483648");
  g_autofree char *l4 = make_line ("torque_nm", "-0.5");
  g_autofree char *l5 = make_line ("torque_nm", "1.5e-3");
  g_autofree char *l6 = make_line ("position_deg", "-0");
  g_autofree char *l7 = make_line ("status", "\"NO_DATA\"");
  g_autofree char *l8 = make_line ("status", "\"ERROR\"");
  g_autofree char *l9 = make_line ("omega_rad_s", "123456789012345678901234567890");
  g_autofree char *l10 = make_line ("position_turns", "0.00000000000000000000000000001");
  g_autofree char *l11 = make_line ("hb_age", "0");
  g_autofree char *l12 = make_line ("torque_nm", "1E2");
  g_autofree char *l13 = make_line ("torque_nm", "0.1234567890123456789");
  g_autofree char *l14 = make_line ("seq", "-0");

  s = parse_sample (l1);
  g_assert_cmpuint (s.seq, ==, G_MAXUINT32);
  s = parse_sample (l2);
  g_assert_cmpuint (s.t_us, ==, G_MAXUINT64);
  s = parse_sample (l3);
  g_assert_cmpint (s.passivity_mj, ==, G_MININT32);
  s = parse_sample (l4);
  g_assert_cmpfloat (s.torque_nm, ==, -0.5);
  s = parse_sample (l5);
  g_assert_cmpfloat (s.torque_nm, ==, 0.0015);
  s = parse_sample (l6);
  g_assert_cmpfloat (s.position_deg, ==, 0.0);
  s = parse_sample (l7);
  g_assert_cmpint (s.status, ==, STEVE_VALVE_STATE_NO_DATA);
  s = parse_sample (l8);
  g_assert_cmpint (s.status, ==, STEVE_VALVE_STATE_ERROR);
  s = parse_sample (l9);
  g_assert_cmpfloat (s.omega_rad_s, ==, 123456789012345678901234567890.0);
  s = parse_sample (l10);
  g_assert_cmpfloat (s.position_turns, ==, 1e-29);
  s = parse_sample (l11);
  g_assert_cmpuint (s.hb_age, ==, 0);
  s = parse_sample (l12);
  g_assert_cmpfloat (s.torque_nm, ==, 100.0);
  s = parse_sample (l13);
  g_assert_cmpfloat (s.torque_nm, ==, 0.1234567890123456789);
  s = parse_sample (l14);
  g_assert_cmpuint (s.seq, ==, 0);
}

static void
test_accept_layout (void)
{
  SteveSample s;

  s = parse_sample (" {\t\"status\" : \"IDLE\" , \"omega_rad_s\" :-0.5,\"torque_nm\":1,"
                    "\"position_deg\":2.5,\"seq\":7,\"timestamp_ms\":9,\"unknown\":\"x\\\"y\","
                    "\"other\":null,\"flag\":true} \r\n");
  g_assert_cmpuint (s.present, ==, STEVE_SAMPLE_REQUIRED_FIELDS);
  g_assert_cmpint (s.status, ==, STEVE_VALVE_STATE_IDLE);
  g_assert_cmpfloat (s.omega_rad_s, ==, -0.5);
  g_assert_cmpfloat (s.torque_nm, ==, 1.0);
  g_assert_cmpuint (s.seq, ==, 7);
  g_assert_cmpuint (s.timestamp_ms, ==, 9);

  /* a repeated key: the last value counts */
  s = parse_sample ("{\"status\":\"IDLE\",\"omega_rad_s\":0,\"torque_nm\":1,\"position_deg\":2,"
                    "\"seq\":7,\"seq\":8,\"timestamp_ms\":9}");
  g_assert_cmpuint (s.seq, ==, 8);

  /* an escaped key is not one of ours */
  assert_reject ("{\"status\":\"IDLE\",\"omega_rad_s\":0,\"torque_nm\":1,\"position_deg\":2,"
                 "\"se\\u0071\":7,\"timestamp_ms\":9}", STEVE_LINE_ERROR_MISSING_KEY, "seq");
}

static void
test_line_length (void)
{
  g_autofree char *base = make_line (NULL, NULL);
  gsize base_len = strlen (base);
  g_autofree char *exact = NULL;
  g_autofree char *over = NULL;
  SteveStreamLine line;
  SteveLineError error;

  g_assert_cmpuint (base_len, <, STEVE_TELEMETRY_LINE_MAX);

  /* padded with trailing spaces to exactly the limit: fine */
  exact = g_strdup_printf ("%s%*s", base, (int) (STEVE_TELEMETRY_LINE_MAX - base_len), "");
  g_assert_cmpuint (strlen (exact), ==, STEVE_TELEMETRY_LINE_MAX);
  g_assert_true (parse_str (exact, &line, &error));
  g_assert_cmpint (line.kind, ==, STEVE_LINE_SAMPLE);

  /* one byte more: refused before anything is read */
  over = g_strdup_printf ("%s ", exact);
  assert_reject (over, STEVE_LINE_ERROR_TOO_LONG, NULL);
  g_assert_false (parse_str (over, &line, &error));
  g_assert_cmpuint (error.offset, ==, 0);

  /* a long unknown string value */
  {
    g_autofree char *filler = g_strnfill (2000, 'a');
    g_autofree char *big = g_strdup_printf ("{\"x\":\"%s\"}", filler);

    assert_reject (big, STEVE_LINE_ERROR_TOO_LONG, NULL);
  }
}

static void
test_error_strings (void)
{
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  SteveLineError error = { STEVE_LINE_ERROR_OUT_OF_RANGE, "seq", 57 };
  g_autofree char *with_key = steve_line_error_describe (&error);
  g_autofree char *without_key = NULL;

  for (int code = STEVE_LINE_OK; code <= STEVE_LINE_ERROR_UNKNOWN_KIND; code++)
    {
      const char *text = steve_line_error_to_string (code);

      g_assert_nonnull (text);
      g_assert_cmpuint (strlen (text), >, 0);
      g_assert_false (g_hash_table_contains (seen, text));
      g_hash_table_add (seen, (gpointer) text);
    }
  g_hash_table_unref (seen);

  g_assert_cmpstr (with_key, ==, "number out of range (“seq”, byte 57)");
  error.key = NULL;
  error.code = STEVE_LINE_ERROR_EMPTY;
  error.offset = 0;
  without_key = steve_line_error_describe (&error);
  g_assert_cmpstr (without_key, ==, "empty line (byte 0)");

  /* the parser without an error location */
  {
    SteveStreamLine line;

    g_assert_false (steve_telemetry_parse_line ("{", 1, &line, NULL));
    g_assert_true (steve_telemetry_parse_line ("{\"stream\":\"valve\"}", 18, &line, NULL));
  }

  g_assert_cmpstr (steve_valve_state_to_stream_string (STEVE_VALVE_STATE_RUNNING), ==, "RUNNING");
  g_assert_cmpstr (steve_valve_state_to_stream_string (STEVE_VALVE_STATE_IDLE), ==, "IDLE");
  g_assert_cmpstr (steve_valve_state_to_stream_string (STEVE_VALVE_STATE_ERROR), ==, "ERROR");
  g_assert_cmpstr (steve_valve_state_to_stream_string (STEVE_VALVE_STATE_NO_DATA), ==, "NO_DATA");
  g_assert_cmpstr (steve_valve_state_to_stream_string (STEVE_VALVE_STATE_UNKNOWN), ==, "NO_DATA");
  g_assert_cmpstr (steve_valve_state_to_string (STEVE_VALVE_STATE_RUNNING), ==, "Running");
  g_assert_cmpstr (steve_valve_state_to_string (STEVE_VALVE_STATE_IDLE), ==, "Idle");
}

/* ------------------------------------------------------------------ formatter */

static void
assert_fixed (double      value,
              guint       decimals,
              gboolean    quirk,
              const char *expected)
{
  char buf[64];
  gsize n = steve_telemetry_format_fixed (value, decimals, quirk, buf, sizeof buf);

  g_assert_cmpstr (buf, ==, expected);
  g_assert_cmpuint (n, ==, strlen (expected));
}

static void
test_format_fixed (void)
{
  /* the firmware quirk: strictly between −1 and 0 the sign is lost */
  assert_fixed (-0.5, 3, TRUE, "0.500");
  assert_fixed (-0.999, 3, TRUE, "0.999");
  assert_fixed (-0.05, 1, TRUE, "0.0");
  assert_fixed (-0.5, 1, TRUE, "0.5");
  assert_fixed (-1.5, 3, TRUE, "-1.500");
  assert_fixed (-1.0, 3, TRUE, "-1.000");
  assert_fixed (-2.25, 2, TRUE, "-2.25");
  assert_fixed (-3.0, 1, TRUE, "-3.0");
  assert_fixed (0.5, 3, TRUE, "0.500");
  assert_fixed (0.0, 3, TRUE, "0.000");
  assert_fixed (12.5, 1, TRUE, "12.5");
  assert_fixed (-5.0, 0, TRUE, "-5");
  assert_fixed (7.0, 0, TRUE, "7");

  /* the documented dialect keeps the sign and rounds */
  assert_fixed (-0.5, 3, FALSE, "-0.500");
  assert_fixed (-0.999, 3, FALSE, "-0.999");
  assert_fixed (-1.5, 3, FALSE, "-1.500");
  assert_fixed (-0.25, 1, FALSE, "-0.3");
  assert_fixed (0.25, 1, FALSE, "0.3");
  assert_fixed (-0.04, 1, FALSE, "0.0");
  assert_fixed (1.2345, 6, FALSE, "1.234500");
  assert_fixed (-5.0, 0, FALSE, "-5");

  /* non-finite values are sent as 0 */
  assert_fixed (NAN, 3, TRUE, "0.000");
  assert_fixed (INFINITY, 3, FALSE, "0.000");
  assert_fixed (-INFINITY, 1, TRUE, "0.0");

  /* a small buffer is never overrun */
  {
    char small[4] = "xxx";
    gsize n = steve_telemetry_format_fixed (-1.5, 3, TRUE, small, sizeof small);

    g_assert_cmpuint (n, ==, 3);
    g_assert_cmpstr (small, ==, "-1.");
  }
}

static void
test_format_sample_quirk (void)
{
  g_autofree char *base = make_line (NULL, NULL);
  SteveSample s = parse_sample (base);
  char fw[STEVE_TELEMETRY_LINE_MAX];
  char doc[STEVE_TELEMETRY_LINE_MAX];
  gsize n;

  s.torque_nm = -0.5;
  s.omega_rad_s = -1.5;
  s.position_deg = -0.25;

  n = steve_telemetry_format_sample (&s, STEVE_DIALECT_FIRMWARE, fw, sizeof fw);
  g_assert_cmpuint (n, ==, strlen (fw));
  g_assert_cmpint (fw[n - 1], ==, '\n');
  g_assert_nonnull (strstr (fw, "\"torque_nm\":0.500,"));
  g_assert_nonnull (strstr (fw, "\"omega_rad_s\":-1.500,"));
  g_assert_nonnull (strstr (fw, "\"position_deg\":0.2,"));

  n = steve_telemetry_format_sample (&s, STEVE_DIALECT_DOCUMENTED, doc, sizeof doc);
  g_assert_cmpuint (n, ==, strlen (doc));
  g_assert_nonnull (strstr (doc, "\"torque_nm\":-0.500,"));
  g_assert_nonnull (strstr (doc, "\"omega_rad_s\":-1.500,"));
  g_assert_nonnull (strstr (doc, "\"position_deg\":-0.3,"));

  /* the unknown dialect prints like the firmware */
  {
    char unk[STEVE_TELEMETRY_LINE_MAX];

    steve_telemetry_format_sample (&s, STEVE_DIALECT_UNKNOWN, unk, sizeof unk);
    g_assert_cmpstr (unk, ==, fw);
  }

  /* the firmware's key order, as in the captures */
  {
    SteveSample first = parse_sample (base);
    g_autofree char *expected = g_strconcat (base, "\n", NULL);

    steve_telemetry_format_sample (&first, STEVE_DIALECT_FIRMWARE, fw, sizeof fw);
    g_assert_cmpstr (fw, ==, expected);
  }

  /* too small a buffer: 0, nothing half-written counted */
  {
    char tiny[32];

    g_assert_cmpuint (steve_telemetry_format_sample (&s, STEVE_DIALECT_FIRMWARE, tiny, sizeof tiny), ==, 0);
  }
}

static double
random_value (GRand *rand,
              double range)
{
  switch (g_rand_int_range (rand, 0, 4))
    {
    case 0:
      return g_rand_double_range (rand, -1.0, 1.0);   /* the quirk's range */
    case 1:
      return (double) g_rand_int_range (rand, -2000, 2000) / 1000.0;
    default:
      return g_rand_double_range (rand, -range, range);
    }
}

/* |parsed − value| within what the wire format allows */
static void
assert_wire_close (double   parsed,
                   double   value,
                   guint    decimals,
                   gboolean quirk)
{
  double unit = pow (10.0, -(double) decimals);

  if (quirk)
    {
      /* truncation toward zero; between −1 and 0 the sign is lost */
      double expected_sign_value = (value > -1.0 && value < 0.0) ? -value : value;

      g_assert_cmpfloat (fabs (parsed - expected_sign_value), <, unit * (1.0 + 1e-9));
      g_assert_cmpfloat (fabs (parsed), <=, fabs (value) + 1e-9);
      if (value > -1.0 && value < 0.0)
        g_assert_cmpfloat (parsed, >=, 0.0);
    }
  else
    g_assert_cmpfloat (fabs (parsed - value), <=, unit * (0.5 + 1e-9));
}

static void
test_format_round_trip (void)
{
  static const SteveValveState states[] = {
    STEVE_VALVE_STATE_IDLE, STEVE_VALVE_STATE_RUNNING, STEVE_VALVE_STATE_ERROR, STEVE_VALVE_STATE_NO_DATA,
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x57e7e);

  for (guint n = 0; n < 20000; n++)
    {
      SteveSample s = { 0 };
      const SteveDialect dialects[] = { STEVE_DIALECT_FIRMWARE, STEVE_DIALECT_DOCUMENTED };

      s.timestamp_ms = g_rand_int (rand);
      s.t_us = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
      if (n % 7 == 0)
        s.t_us = G_MAXUINT64 - (n % 3);
      s.loop_time_us = g_rand_int (rand);
      s.seq = n % 11 == 0 ? G_MAXUINT32 : g_rand_int (rand);
      s.position_turns = random_value (rand, 1000.0);
      s.position_deg = random_value (rand, 3600.0);
      s.torque_nm = random_value (rand, 30.0);
      s.filt_torque_nm = random_value (rand, 30.0);
      s.omega_rad_s = random_value (rand, 100.0);
      s.passivity_mj = n % 13 == 0 ? G_MININT32 : -(gint32) g_rand_int_range (rand, 0, 2001);
      s.quiet = g_rand_boolean (rand);
      s.err = g_rand_int (rand);
      s.hb_age = n % 5 == 0 ? STEVE_HB_AGE_NOT_RUNNING : (guint32) g_rand_int_range (rand, 0, 200);
      s.data_valid = g_rand_boolean (rand);
      s.status = states[g_rand_int_range (rand, 0, G_N_ELEMENTS (states))];

      for (guint d = 0; d < G_N_ELEMENTS (dialects); d++)
        {
          char buf[STEVE_TELEMETRY_LINE_MAX];
          gboolean quirk = dialects[d] == STEVE_DIALECT_FIRMWARE;
          gsize len = steve_telemetry_format_sample (&s, dialects[d], buf, sizeof buf);
          SteveStreamLine line;
          SteveLineError error;
          const SteveSample *p = &line.sample;

          g_assert_cmpuint (len, >, 0);
          g_assert_cmpint (buf[len - 1], ==, '\n');
          if (!parse_bytes (buf, len, &line, &error))
            {
              g_autofree char *why = steve_line_error_describe (&error);
              g_error ("formatted line refused (%s): %s", why, buf);
            }

          g_assert_cmpint (line.kind, ==, STEVE_LINE_SAMPLE);
          g_assert_cmpuint (p->present, ==, STEVE_SAMPLE_ALL_FIELDS);
          g_assert_cmpuint (p->timestamp_ms, ==, s.timestamp_ms);
          g_assert_cmpuint (p->t_us, ==, s.t_us);
          g_assert_cmpuint (p->loop_time_us, ==, s.loop_time_us);
          g_assert_cmpuint (p->seq, ==, s.seq);
          g_assert_cmpint (p->passivity_mj, ==, s.passivity_mj);
          g_assert_cmpuint (p->quiet, ==, s.quiet);
          g_assert_cmpuint (p->err, ==, s.err);
          g_assert_cmpuint (p->hb_age, ==, s.hb_age);
          g_assert_cmpuint (p->data_valid, ==, s.data_valid);
          g_assert_cmpuint (p->status, ==, s.status);
          assert_wire_close (p->position_turns, s.position_turns, 3, quirk);
          assert_wire_close (p->position_deg, s.position_deg, 1, quirk);
          assert_wire_close (p->torque_nm, s.torque_nm, 3, quirk);
          assert_wire_close (p->filt_torque_nm, s.filt_torque_nm, 3, quirk);
          assert_wire_close (p->omega_rad_s, s.omega_rad_s, 3, quirk);
        }
    }
}

/* Every capture line, re-formatted from its parsed values, parses back to
 * the same values (exactly, in the documented dialect that rounds). */
static void
test_format_captures (void)
{
  static const char * const names[] = {
    "stream-running-10ms-then-100ms.ndjson", "stream-idle-10ms.ndjson",
  };

  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      g_auto(GStrv) lines = load_capture_lines (names[f]);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          SteveStreamLine line, again;
          SteveLineError error;
          char buf[STEVE_TELEMETRY_LINE_MAX];
          gsize len;

          g_assert_true (parse_str (lines[i], &line, &error));
          if (line.kind != STEVE_LINE_SAMPLE)
            continue;

          len = steve_telemetry_format_sample (&line.sample, STEVE_DIALECT_DOCUMENTED, buf, sizeof buf);
          g_assert_cmpuint (len, >, 0);
          g_assert_true (parse_bytes (buf, len, &again, &error));
          assert_sample_equal (&again.sample, &line.sample);
        }
    }
}

/* ------------------------------------------------------------------ fuzz */

static const char fuzz_bytes[] = "\"\\{}[],:-+.0123456789eEntfrualsNI \t\r\n\x01\x7f\x80\xff";

static void
check_fuzz_result (gboolean               ok,
                   const SteveStreamLine *line,
                   const SteveLineError  *error,
                   gsize                  len)
{
  if (!ok)
    {
      g_assert_cmpint (error->code, !=, STEVE_LINE_OK);
      g_assert_cmpint (error->code, <=, STEVE_LINE_ERROR_UNKNOWN_KIND);
      g_assert_cmpuint (error->offset, <=, len);
      return;
    }

  g_assert_cmpint (error->code, ==, STEVE_LINE_OK);

  switch (line->kind)
    {
    case STEVE_LINE_SAMPLE:
      g_assert_cmpuint (line->sample.present & STEVE_SAMPLE_REQUIRED_FIELDS, ==, STEVE_SAMPLE_REQUIRED_FIELDS);
      g_assert_cmpuint (line->sample.present & ~STEVE_SAMPLE_ALL_FIELDS, ==, 0);
      g_assert_cmpuint (line->sample.status, <=, STEVE_VALVE_STATE_NO_DATA);
      g_assert_cmpuint (line->sample.quiet, <=, 1);
      g_assert_cmpuint (line->sample.data_valid, <=, 1);
      g_assert_true (isfinite (line->sample.position_deg));
      g_assert_true (isfinite (line->sample.position_turns));
      g_assert_true (isfinite (line->sample.torque_nm));
      g_assert_true (isfinite (line->sample.filt_torque_nm));
      g_assert_true (isfinite (line->sample.omega_rad_s));
      break;
    case STEVE_LINE_HELLO:
      g_assert_cmpuint (strlen (line->hello.stream), <, sizeof line->hello.stream);
      g_assert_cmpuint (strlen (line->hello.message), <, sizeof line->hello.message);
      g_assert_cmpuint (strlen (line->hello.version), <, sizeof line->hello.version);
      break;
    case STEVE_LINE_SYNC:
      g_assert_cmpuint (strlen (line->sync.token), <=, STEVE_SYNC_TOKEN_MAX);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
test_fuzz (void)
{
  g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  static const char * const names[] = {
    "stream-running-10ms-then-100ms.ndjson", "stream-idle-10ms.ndjson",
  };
  guint n_ok = 0, n_failed = 0;
  const guint iterations = 200000;

  for (guint f = 0; f < G_N_ELEMENTS (names); f++)
    {
      g_auto(GStrv) lines = load_capture_lines (names[f]);

      for (guint i = 0; lines[i] != NULL; i++)
        g_ptr_array_add (seeds, g_strdup (lines[i]));
    }
  g_ptr_array_add (seeds, g_strdup ("{\"stream\":\"ready\",\"interval_ms\":20,\"version\":\"1.0\"}"));
  g_ptr_array_add (seeds, g_strdup ("{\"sync\":\"ok\",\"t_us\":1,\"seq\":2,\"timestamp_ms\":3,\"token\":\"a\\u00e9\\\"b\"}"));
  g_ptr_array_add (seeds, make_line ("torque_nm", "-1.5e-3"));

  for (guint n = 0; n < iterations; n++)
    {
      const char *seed = g_ptr_array_index (seeds, g_rand_int_range (rand, 0, seeds->len));
      gsize seed_len = strlen (seed);
      char work[2 * STEVE_TELEMETRY_LINE_MAX];
      gsize len = seed_len;
      guint n_mutations = g_rand_int_range (rand, 1, 5);
      SteveStreamLine line;
      SteveLineError error;
      char *copy;
      gboolean ok;

      memcpy (work, seed, seed_len);

      for (guint m = 0; m < n_mutations; m++)
        {
          gsize pos = len > 0 ? (gsize) g_rand_int_range (rand, 0, (gint32) len) : 0;

          switch (g_rand_int_range (rand, 0, 7))
            {
            case 0:   /* replace a byte by an interesting one */
              if (len > 0)
                work[pos] = fuzz_bytes[g_rand_int_range (rand, 0, sizeof fuzz_bytes - 1)];
              break;
            case 1:   /* flip a bit */
              if (len > 0)
                work[pos] ^= (char) (1 << g_rand_int_range (rand, 0, 8));
              break;
            case 2:   /* truncate */
              len = pos;
              break;
            case 3:   /* insert a byte */
              if (len + 1 < sizeof work)
                {
                  memmove (work + pos + 1, work + pos, len - pos);
                  work[pos] = fuzz_bytes[g_rand_int_range (rand, 0, sizeof fuzz_bytes - 1)];
                  len++;
                }
              break;
            case 4:   /* delete a byte */
              if (len > 0)
                {
                  memmove (work + pos, work + pos + 1, len - pos - 1);
                  len--;
                }
              break;
            case 5:   /* duplicate a run of bytes */
              {
                gsize run = MIN ((gsize) g_rand_int_range (rand, 1, 40), len - pos);

                if (len + run < sizeof work)
                  {
                    memmove (work + pos + run, work + pos, len - pos);
                    len += run;
                  }
                break;
              }
            default:  /* a random byte anywhere */
              if (len > 0)
                work[pos] = (char) g_rand_int_range (rand, 0, 256);
              break;
            }
        }

      copy = g_malloc (MAX (len, 1));
      memcpy (copy, work, len);
      ok = steve_telemetry_parse_line (copy, len, &line, &error);
      check_fuzz_result (ok, &line, &error, len);
      g_free (copy);

      if (ok)
        n_ok++;
      else
        n_failed++;
    }

  g_test_message ("fuzz: %u accepted, %u refused", n_ok, n_failed);
  /* the mutations are mild enough that both outcomes are common */
  g_assert_cmpuint (n_ok, >, iterations / 50);
  g_assert_cmpuint (n_failed, >, iterations / 2);
}

static void
test_sample_boxed (void)
{
  g_autofree char *base = make_line (NULL, NULL);
  SteveSample s = parse_sample (base);
  g_autoptr(SteveSample) copy = steve_sample_copy (&s);

  assert_sample_equal (copy, &s);
  g_assert_true (G_TYPE_IS_BOXED (STEVE_TYPE_SAMPLE));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/telemetry/capture/running", test_capture_running);
  g_test_add_func ("/telemetry/capture/idle", test_capture_idle);
  g_test_add_func ("/telemetry/capture/line-endings", test_capture_line_endings);
  g_test_add_func ("/telemetry/hello", test_hello);
  g_test_add_func ("/telemetry/sync", test_sync);
  g_test_add_func ("/telemetry/reject/basic", test_reject_basic);
  g_test_add_func ("/telemetry/reject/values", test_reject_numbers);
  g_test_add_func ("/telemetry/reject/missing-key", test_reject_missing_key);
  g_test_add_func ("/telemetry/null-value", test_null_value);
  g_test_add_func ("/telemetry/accept/values", test_accept_values);
  g_test_add_func ("/telemetry/accept/layout", test_accept_layout);
  g_test_add_func ("/telemetry/line-length", test_line_length);
  g_test_add_func ("/telemetry/error-strings", test_error_strings);
  g_test_add_func ("/telemetry/format/fixed", test_format_fixed);
  g_test_add_func ("/telemetry/format/quirk", test_format_sample_quirk);
  g_test_add_func ("/telemetry/format/round-trip", test_format_round_trip);
  g_test_add_func ("/telemetry/format/captures", test_format_captures);
  g_test_add_func ("/telemetry/fuzz", test_fuzz);
  g_test_add_func ("/telemetry/sample-boxed", test_sample_boxed);

  return g_test_run ();
}
