/* test-sim-stream.c — the simulator's telemetry stream (protocol §3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "steve-test-utils.h"
#include "steve-telemetry.h"

typedef struct
{
  SteveSim *sim;
  guint     http;
  guint     stream;
} Fixture;

static void
setup_dialect (Fixture      *f,
               SteveDialect  dialect)
{
  f->sim = steve_test_sim_new (dialect, STEVE_SIM_PROFILE_SINE, NULL);
  f->http = steve_sim_get_http_port (f->sim);
  f->stream = steve_sim_get_stream_port (f->sim);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  setup_dialect (f, STEVE_DIALECT_FIRMWARE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
}

static void
post (Fixture    *f,
      const char *path,
      const char *body,
      const char *expect)
{
  g_autoptr(SteveTestHttp) r = steve_test_http (f->http, "POST", path, body);

  g_assert_cmpstr (r->body, ==, expect);
}

static void
start_stream (Fixture *f,
              guint    interval)
{
  g_autofree char *body = g_strdup_printf ("{\"action\":\"start\",\"interval_ms\":%u}", interval);

  post (f, "/api/v1/stream", body, "{\"status\":\"ok\"}");
}

static GSocketConnection *
connect_stream (Fixture  *f,
                guint     expect_interval)
{
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn = steve_test_connect (f->stream, &error);
  g_autofree char *hello = NULL;
  g_autofree char *expect = g_strdup_printf ("{\"stream\":\"valve\",\"message\":\"connected\",\"interval_ms\":%u}", expect_interval);

  g_assert_no_error (error);
  hello = steve_test_read_line (conn, 2000);
  g_assert_cmpstr (hello, ==, expect);
  return conn;
}

static void
read_sample (GSocketConnection *conn,
             SteveSample       *out)
{
  for (;;)
    {
      g_autofree char *line = steve_test_read_line (conn, 3000);
      SteveStreamLine parsed;
      SteveLineError err;

      g_assert_nonnull (line);
      if (!steve_telemetry_parse_line (line, strlen (line), &parsed, &err))
        g_error ("unparsable line “%s”: %s", line, steve_line_error_to_string (err.code));
      if (parsed.kind == STEVE_LINE_SAMPLE)
        {
          *out = parsed.sample;
          return;
        }
    }
}

/* No socket can bind @port without asking for address reuse. */
static gboolean
port_taken (guint port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) other = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  gboolean bound;

  other = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  bound = g_socket_bind (other, address, FALSE, &error);
  if (!bound)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
  return !bound;
}

static void
test_refused_when_stopped (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) before = steve_test_connect (f->stream, &error);
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GSocketConnection) after = NULL;
  g_autofree char *eof = NULL;

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (before);
  g_clear_error (&error);

  start_stream (f, 100);
  conn = connect_stream (f, 100);

  /* stopping closes every stream connection and the port */
  post (f, "/api/v1/stream", "{\"action\":\"stop\"}", "{\"status\":\"ok\"}");
  eof = steve_test_read_line (conn, 2000);
  g_assert_null (eof);

  after = steve_test_connect (f->stream, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

static void
test_interval (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GSocketConnection) later = NULL;
  SteveSample a, b;

  start_stream (f, 10);
  conn = connect_stream (f, 10);

  read_sample (conn, &a);
  for (guint i = 0; i < 20; i++)
    {
      read_sample (conn, &b);
      g_assert_cmpuint (b.timestamp_ms - a.timestamp_ms, ==, 10);
      a = b;
    }

  /* out-of-range intervals are ignored; a valid one applies to this connection */
  steve_test_write (conn, "interval 5\ninterval 2000\ninterval 50\n");
  for (guint i = 0; i < 6; i++)
    read_sample (conn, &a);
  read_sample (conn, &b);
  g_assert_cmpuint (b.timestamp_ms - a.timestamp_ms, ==, 50);

  /* the device's default only changes for connections made afterwards */
  post (f, "/api/v1/stream", "{\"action\":\"start\",\"interval_ms\":5000}", "{\"status\":\"ok\"}");
  later = connect_stream (f, 1000);
  read_sample (conn, &a);
  read_sample (conn, &b);
  g_assert_cmpuint (b.timestamp_ms - a.timestamp_ms, ==, 50);
}

static void
test_seq_running_and_idle (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GSocketConnection) conn = NULL;
  SteveSample a, b;

  start_stream (f, 20);
  conn = connect_stream (f, 20);

  /* idle since boot: nothing has run yet */
  read_sample (conn, &a);
  g_assert_cmpint (a.status, ==, STEVE_VALVE_STATE_IDLE);
  g_assert_cmpuint (a.seq, ==, 0);
  g_assert_cmpuint (a.hb_age, ==, G_MAXUINT32);

  post (f, "/api/v1/control", "{\"action\":\"start\"}", "{\"status\":\"ok\",\"mode\":\"running\",\"preset_applied\":false}");
  do
    read_sample (conn, &a);
  while (a.status != STEVE_VALVE_STATE_RUNNING);

  /* seq counts 1 kHz control cycles: ≈ 20 per sample at 20 ms */
  for (guint i = 0; i < 10; i++)
    {
      read_sample (conn, &b);
      g_assert_cmpint (b.status, ==, STEVE_VALVE_STATE_RUNNING);
      g_assert_cmpuint (b.seq - a.seq, ==, 20);
      g_assert_cmpuint (b.timestamp_ms - a.timestamp_ms, ==, 20);
      g_assert_cmpuint (b.hb_age, <=, 100);
      g_assert_true (b.data_valid);
      a = b;
    }

  /* while idle every sample repeats the last state of the run */
  post (f, "/api/v1/control", "{\"action\":\"stop\"}", "{\"status\":\"ok\",\"mode\":\"idle\",\"preset_applied\":false}");
  do
    read_sample (conn, &a);
  while (a.status != STEVE_VALVE_STATE_IDLE);
  for (guint i = 0; i < 5; i++)
    {
      read_sample (conn, &b);
      g_assert_cmpint (b.status, ==, STEVE_VALVE_STATE_IDLE);
      g_assert_cmpuint (b.seq, ==, a.seq);
      g_assert_cmpfloat (b.position_deg, ==, a.position_deg);
      g_assert_cmpfloat (b.torque_nm, ==, a.torque_nm);
      g_assert_cmpuint (b.hb_age, ==, G_MAXUINT32);
      g_assert_cmpuint (b.timestamp_ms, >, a.timestamp_ms);
    }

  /* a new start resets seq */
  post (f, "/api/v1/control", "{\"action\":\"start\"}", "{\"status\":\"ok\",\"mode\":\"running\",\"preset_applied\":false}");
  do
    read_sample (conn, &b);
  while (b.status != STEVE_VALVE_STATE_RUNNING);
  g_assert_cmpuint (b.seq, <, a.seq);
  g_assert_cmpuint (b.seq, <=, 40);
}

static void
test_sync (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GSocketConnection) conn = NULL;
  g_autofree char *long_token = g_strnfill (60, 't');
  g_autofree char *cmd = g_strdup_printf ("sync %s\n", long_token);
  gboolean seen_token = FALSE, seen_plain = FALSE, seen_long = FALSE;

  start_stream (f, 10);
  conn = connect_stream (f, 10);

  steve_test_write (conn, "sync tok-1\n");
  steve_test_write (conn, "sync\n");
  steve_test_write (conn, cmd);
  steve_test_write (conn, "nonsense command\n");

  for (guint i = 0; i < 200 && !(seen_token && seen_plain && seen_long); i++)
    {
      g_autofree char *line = steve_test_read_line (conn, 2000);
      SteveStreamLine parsed;

      g_assert_nonnull (line);
      g_assert_true (steve_telemetry_parse_line (line, strlen (line), &parsed, NULL));
      if (parsed.kind != STEVE_LINE_SYNC)
        continue;

      g_assert_true (parsed.sync.ok);
      g_assert_true (g_str_has_prefix (line, "{\"sync\":\"ok\",\"t_us\":"));
      if (!parsed.sync.has_token)
        {
          g_assert_null (strstr (line, "token"));
          seen_plain = TRUE;
        }
      else if (g_str_equal (parsed.sync.token, "tok-1"))
        seen_token = TRUE;
      else
        {
          /* cut to 47 characters */
          g_assert_cmpuint (strlen (parsed.sync.token), ==, 47);
          seen_long = TRUE;
        }
    }

  g_assert_true (seen_token);
  g_assert_true (seen_plain);
  g_assert_true (seen_long);
}

static void
test_client_limit (Fixture       *f,
                   gconstpointer  data)
{
  GSocketConnection *conns[6];
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) seventh = NULL;
  g_autofree char *line = NULL;
  SteveSample s;

  start_stream (f, 50);
  for (guint i = 0; i < 6; i++)
    conns[i] = connect_stream (f, 50);

  /* the 7th is accepted and closed at once, without a hello */
  seventh = steve_test_connect (f->stream, &error);
  g_assert_no_error (error);
  line = steve_test_read_line (seventh, 2000);
  g_assert_null (line);

  for (guint i = 0; i < 6; i++)
    {
      read_sample (conns[i], &s);
      g_object_unref (conns[i]);
    }
}

static gboolean
line_has_small_negative (const char *line)
{
  /* a number in (−1, 0) printed with its sign: ":-0." */
  return strstr (line, ":-0.") != NULL;
}

static void
test_sign_quirk (Fixture       *f,
                 gconstpointer  data)
{
  guint small_negative[2] = { 0, 0 };

  for (guint d = 0; d < 2; d++)
    {
      Fixture g;
      g_autoptr(GSocketConnection) conn = NULL;
      g_autoptr(SteveTestHttp) start = NULL;
      g_autoptr(SteveTestHttp) run = NULL;

      setup_dialect (&g, d == 0 ? STEVE_DIALECT_FIRMWARE : STEVE_DIALECT_DOCUMENTED);
      start = steve_test_http (g.http, "POST", "/api/v1/stream", "{\"action\":\"start\",\"interval_ms\":10}");
      run = steve_test_http (g.http, "POST", "/api/v1/control", "{\"action\":\"start\"}");
      conn = steve_test_connect (g.stream, NULL);
      g_assert_nonnull (conn);

      /* two and a half seconds of a 0.5 Hz sine: positions, velocities
       * and torques pass through (−1, 0) many times */
      for (guint i = 0; i < 250; i++)
        {
          g_autofree char *line = steve_test_read_line (conn, 2000);

          g_assert_nonnull (line);
          if (line_has_small_negative (line))
            small_negative[d]++;
        }

      fixture_teardown (&g, NULL);
    }

  /* the firmware loses the sign of values in (−1, 0); the documented dialect does not */
  g_assert_cmpuint (small_negative[0], ==, 0);
  g_assert_cmpuint (small_negative[1], >, 10);
}

static void
test_survives_garbage (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GString) junk = g_string_new (NULL);
  gboolean synced = FALSE;

  start_stream (f, 10);
  conn = connect_stream (f, 10);

  /* an over-long command, binary noise, half commands */
  for (guint i = 0; i < 5000; i++)
    g_string_append_c (junk, (char) g_rand_int_range (rand, 1, 256));
  g_string_append (junk, "\ninterval\ninterval abc\nsync");
  steve_test_write (conn, junk->str);
  steve_test_write (conn, " after-noise\n");

  for (guint i = 0; i < 300 && !synced; i++)
    {
      g_autofree char *line = steve_test_read_line (conn, 2000);
      SteveStreamLine parsed;

      g_assert_nonnull (line);
      g_assert_true (steve_telemetry_parse_line (line, strlen (line), &parsed, NULL));
      if (parsed.kind == STEVE_LINE_SYNC)
        {
          g_assert_cmpstr (parsed.sync.token, ==, "after-noise");
          synced = TRUE;
        }
    }
  g_assert_true (synced);

  /* garbage lines from the device itself (fault injection) */
  steve_sim_set_garbage_every (f->sim, 3);
  {
    guint bad = 0, good = 0;

    for (guint i = 0; i < 40; i++)
      {
        g_autofree char *line = steve_test_read_line (conn, 2000);
        SteveStreamLine parsed;

        g_assert_nonnull (line);
        if (steve_telemetry_parse_line (line, strlen (line), &parsed, NULL))
          good++;
        else
          bad++;
      }
    g_assert_cmpuint (bad, >=, 8);
    g_assert_cmpuint (good, >=, 20);
  }
}

static gboolean
sim_is_down (gpointer data)
{
  return !steve_sim_is_up (data);
}

static gboolean
sim_is_up (gpointer data)
{
  return steve_sim_is_up (data);
}

static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *eof = NULL;
  SteveSample before, after;

  start_stream (f, 10);
  conn = connect_stream (f, 10);
  do
    read_sample (conn, &before);
  while (before.timestamp_ms < 500);

  /* down at the sim's next tick, for 1 s (room for a slow reader) */
  steve_sim_restart (f->sim, 1000);
  /* the connection ends; what the device sent before it went down may
   * still wait in the socket (a slow reader, e.g. under valgrind): samples
   * only, at most the 2 s the read allows at 100 Hz */
  for (guint n_before = 0; (eof = steve_test_read_line (conn, 2000)) != NULL; n_before++)
    {
      SteveStreamLine parsed;

      g_assert_true (steve_telemetry_parse_line (eof, strlen (eof), &parsed, NULL));
      g_assert_cmpint (parsed.kind, ==, STEVE_LINE_SAMPLE);
      g_assert_cmpuint (n_before, <, 200);
      g_clear_pointer (&eof, g_free);
    }
  g_assert_null (eof);
  g_assert_true (sim_is_down (f->sim));

  {
    g_autoptr(SteveTestHttp) refused = steve_test_http_raw (f->http, "GET / HTTP/1.1\r\n\r\n", 18, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
    g_clear_error (&error);
  }

  g_assert_true (steve_test_wait_for (sim_is_up, f->sim, 3000));
  g_assert_cmpuint (steve_sim_get_boot_count (f->sim), ==, 2);

  /* after a boot, streaming is off until started again, and the clock restarted */
  g_clear_object (&conn);
  conn = steve_test_connect (f->stream, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  start_stream (f, 10);
  g_clear_object (&conn);
  conn = connect_stream (f, 10);
  read_sample (conn, &after);
  g_assert_cmpuint (after.timestamp_ms, <, before.timestamp_ms);
}

/* Both ports stay the simulator's while nothing listens on them: the
 * stream port while the device does not stream, the HTTP port while it
 * reboots. Connecting is refused, as with a closed port, but no other
 * socket can bind them. Nothing connects to either first: a closed
 * connection would leave the port in TIME_WAIT, which refuses such a bind
 * by itself. */
static void
test_ports_held (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = steve_test_connect (f->stream, &error);
  gint64 deadline;
  guint checks = 0;

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (conn);
  g_assert_true (port_taken (f->stream));

  /* through the whole reboot, from the request until it is up again */
  steve_sim_restart (f->sim, 300);
  deadline = g_get_monotonic_time () + (gint64) (5 * G_USEC_PER_SEC * steve_test_timeout_scale ());
  while (steve_sim_get_boot_count (f->sim) < 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_assert_true (port_taken (f->http));
      checks++;
      g_usleep (1000);
    }
  g_test_message ("the HTTP port was taken at each of %u checks through the reboot", checks);
  g_assert_cmpuint (checks, >, 10);
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

#define ADD(path, func) steve_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sim-stream/refused-when-stopped", test_refused_when_stopped);
  ADD ("/sim-stream/ports-held", test_ports_held);
  ADD ("/sim-stream/interval", test_interval);
  ADD ("/sim-stream/seq-running-and-idle", test_seq_running_and_idle);
  ADD ("/sim-stream/sync", test_sync);
  ADD ("/sim-stream/client-limit", test_client_limit);
  ADD ("/sim-stream/sign-quirk", test_sign_quirk);
  ADD ("/sim-stream/survives-garbage", test_survives_garbage);
  ADD ("/sim-stream/restart", test_restart);
#undef ADD

  return g_test_run ();
}
