/* test-sim-http.c — the simulator's HTTP limits, auth and body rules (protocol §1)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "steve-test-utils.h"
#include "steve-protocol.h"

typedef struct
{
  SteveSim *sim;
  guint     port;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  f->port = steve_sim_get_http_port (f->sim);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
}

static SteveTestHttp *
raw (Fixture    *f,
     const char *request)
{
  g_autoptr(GError) error = NULL;
  SteveTestHttp *r = steve_test_http_raw (f->port, request, strlen (request), &error);

  g_assert_no_error (error);
  return r;
}

static void
assert_error (SteveTestHttp *r,
              const char    *status_line,
              const char    *code)
{
  g_autofree char *body = g_strdup_printf ("{\"status\":\"error\",\"error\":\"%s\"}", code);

  g_assert_cmpstr (r->status_line, ==, status_line);
  g_assert_cmpstr (r->body, ==, body);
}

static void
test_every_response_closes (Fixture       *f,
                            gconstpointer  data)
{
  const char *paths[] = { "/api/v1/status", "/api/v1/config", "/api/v1/nope", "/" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(SteveTestHttp) r = steve_test_http (f->port, "GET", paths[i], NULL);
      g_autofree char *connection = steve_test_http_dup_header (r, "Connection");
      g_autofree char *length = steve_test_http_dup_header (r, "Content-Length");

      /* steve_test_http() reads until the device closes: reaching here proves it */
      g_assert_cmpstr (connection, ==, "close");
      g_assert_cmpuint (g_ascii_strtoull (length, NULL, 10), ==, r->body_len);
    }
}

static gboolean
has_n_connections (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];
  guint n = GPOINTER_TO_UINT (((gpointer *) data)[1]);

  return steve_sim_get_http_connections (f->sim) == n;
}

static void
test_ninth_connection_reset (Fixture       *f,
                             gconstpointer  data)
{
  GSocketConnection *held[8];
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveTestHttp) ninth = NULL;
  g_autoptr(SteveTestHttp) after = NULL;
  gpointer cond[2] = { f, GUINT_TO_POINTER (8) };
  const char *req = "GET /api/v1/status HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\n\r\n";

  for (guint i = 0; i < 8; i++)
    {
      held[i] = steve_test_connect (f->port, &error);
      g_assert_no_error (error);
    }
  g_assert_true (steve_test_wait_for (has_n_connections, cond, 2000));

  ninth = steve_test_http_raw (f->port, req, strlen (req), &error);
  /* aborted: a reset, or at best a close without a byte of answer */
  if (error == NULL)
    g_assert_cmpuint (ninth->raw_len, ==, 0);
  else
    g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE));
  g_clear_error (&error);

  /* freeing one slot lets the next request through */
  g_io_stream_close (G_IO_STREAM (held[0]), NULL, NULL);
  g_object_unref (held[0]);
  cond[1] = GUINT_TO_POINTER (7);
  g_assert_true (steve_test_wait_for (has_n_connections, cond, 2000));

  after = raw (f, req);
  g_assert_cmpuint (after->status, ==, 200);

  for (guint i = 1; i < 8; i++)
    {
      g_io_stream_close (G_IO_STREAM (held[i]), NULL, NULL);
      g_object_unref (held[i]);
    }
}

static void
test_request_too_large (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *pad = g_strnfill (2100, 'a');
  g_autofree char *big_header = g_strdup_printf ("GET /api/v1/status HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\nX-Pad: %s\r\n\r\n", pad);
  g_autofree char *body = g_strdup_printf ("{\"viscous\":0.05,\"x\":\"%s\"}", pad);
  g_autofree char *big_body = g_strdup_printf ("POST /api/v1/config HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\nContent-Length: %zu\r\n\r\n%s",
                                               strlen (body), body);
  g_autoptr(SteveTestHttp) a = raw (f, big_header);
  g_autoptr(SteveTestHttp) b = raw (f, big_body);
  /* exactly at the limit: header + body = 2048 is refused, 2047 is taken */
#define HEAD "POST /api/v1/config HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\nContent-Length: %zu\r\n\r\n"
  gsize head_len = strlen (HEAD) - 3 + 4;  /* "%zu" → 4 digits */
  g_autofree char *fill_ok = NULL;
  g_autofree char *fill_bad = NULL;
  g_autofree char *req_ok = NULL;
  g_autofree char *req_bad = NULL;
  g_autoptr(SteveTestHttp) ok = NULL;
  g_autoptr(SteveTestHttp) bad = NULL;

  assert_error (a, "HTTP/1.1 413 Internal Server Error", "request_too_large");
  assert_error (b, "HTTP/1.1 413 Internal Server Error", "request_too_large");

  {
    gsize body_ok = 2047 - head_len;
    gsize pad_ok = body_ok - strlen ("{\"viscous\":0.05,\"x\":\"\"}");
    g_autofree char *p1 = g_strnfill (pad_ok, 'b');
    g_autofree char *p2 = g_strnfill (pad_ok + 1, 'b');

    fill_ok = g_strdup_printf ("{\"viscous\":0.05,\"x\":\"%s\"}", p1);
    fill_bad = g_strdup_printf ("{\"viscous\":0.05,\"x\":\"%s\"}", p2);
    g_assert_cmpuint (strlen (fill_ok), >=, 1000);
    req_ok = g_strdup_printf (HEAD, strlen (fill_ok));
    req_bad = g_strdup_printf (HEAD, strlen (fill_bad));
    g_assert_cmpuint (strlen (req_ok), ==, head_len);
  }

  {
    g_autofree char *full_ok = g_strconcat (req_ok, fill_ok, NULL);
    g_autofree char *full_bad = g_strconcat (req_bad, fill_bad, NULL);

    g_assert_cmpuint (strlen (full_ok), ==, 2047);
    g_assert_cmpuint (strlen (full_bad), ==, 2048);
    ok = raw (f, full_ok);
    bad = raw (f, full_bad);
  }

  g_assert_cmpstr (ok->body, ==, "{\"status\":\"ok\",\"mask\":1}");
  assert_error (bad, "HTTP/1.1 413 Internal Server Error", "request_too_large");
}

static void
test_request_line (Fixture       *f,
                   gconstpointer  data)
{
  /* "/api/v1/" + 55 chars = 63 characters: read, then not found */
  g_autofree char *x55 = g_strnfill (55, 'x');
  g_autofree char *u63 = g_strdup_printf ("/api/v1/%s", x55);
  g_autofree char *u64 = g_strdup_printf ("/api/v1/%sx", x55);
  g_autofree char *r63 = g_strdup_printf ("GET %s HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\n\r\n", u63);
  g_autofree char *r64 = g_strdup_printf ("GET %s HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\n\r\n", u64);
  g_autoptr(SteveTestHttp) a = raw (f, r63);
  g_autoptr(SteveTestHttp) b = raw (f, r64);
  g_autoptr(SteveTestHttp) query = steve_test_http (f->port, "GET", "/api/v1/status?x=1", NULL);
  g_autoptr(SteveTestHttp) slash = steve_test_http (f->port, "GET", "/api/v1/status/", NULL);
  g_autoptr(SteveTestHttp) put = steve_test_http (f->port, "PUT", "/api/v1/config", "{\"viscous\":0.05}");
  g_autoptr(SteveTestHttp) del = steve_test_http (f->port, "DELETE", "/api/v1/config", NULL);
  g_autoptr(SteveTestHttp) longm = steve_test_http (f->port, "PROPFINDX", "/api/v1/config", NULL);
  g_autoptr(SteveTestHttp) garbage = raw (f, "HELLO\r\n\r\n");
  g_autoptr(SteveTestHttp) get_post_only = steve_test_http (f->port, "GET", "/api/v1/control", NULL);
  g_autoptr(SteveTestHttp) post_get_only = steve_test_http (f->port, "POST", "/api/v1/status", "{}");

  g_assert_cmpuint (strlen (u63), ==, 63);
  assert_error (a, "HTTP/1.1 404 Not Found", "not_found");
  assert_error (b, "HTTP/1.1 400 Bad Request", "bad_request");
  assert_error (query, "HTTP/1.1 404 Not Found", "not_found");
  assert_error (slash, "HTTP/1.1 404 Not Found", "not_found");
  assert_error (put, "HTTP/1.1 400 Bad Request", "unsupported_method");
  assert_error (del, "HTTP/1.1 400 Bad Request", "unsupported_method");
  assert_error (longm, "HTTP/1.1 400 Bad Request", "bad_request");
  assert_error (garbage, "HTTP/1.1 400 Bad Request", "bad_request");
  assert_error (get_post_only, "HTTP/1.1 404 Not Found", "not_found");
  assert_error (post_get_only, "HTTP/1.1 404 Not Found", "not_found");
}

static void
test_content_length (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(SteveTestHttp) missing = raw (f, "POST /api/v1/config HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\n\r\n{\"viscous\":0.05}");
  g_autoptr(SteveTestHttp) empty = raw (f, "POST /api/v1/config HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\nContent-Length: 0\r\n\r\n");
  g_autoptr(SteveTestHttp) lower = raw (f, "POST /api/v1/config HTTP/1.1\r\nx-api-key: steve-valve-2025\r\ncontent-length: 16\r\n\r\n{\"viscous\":0.05}");

  assert_error (missing, "HTTP/1.1 411 Internal Server Error", "content_length_required");
  assert_error (empty, "HTTP/1.1 400 Bad Request", "invalid_request");
  /* header names are case-insensitive */
  g_assert_cmpstr (lower->body, ==, "{\"status\":\"ok\",\"mask\":1}");
}

static void
test_idle_timeout (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = steve_test_connect (f->port, &error);
  g_autoptr(GByteArray) got = g_byte_array_new ();
  gint64 start;
  double elapsed;
  GInputStream *in;

  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  steve_test_write (conn, "GET /api/v1/sta");

  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  for (;;)
    {
      guint8 buf[512];
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, &error);

      g_assert_no_error (error);
      if (n == 0)
        break;
      g_byte_array_append (got, buf, (guint) n);
    }
  elapsed = (g_get_monotonic_time () - start) / 1e6;
  g_byte_array_append (got, (const guint8 *) "", 1);

  /* the device waits 5 s for the rest, then answers 408 and closes */
  g_assert_cmpfloat (elapsed, >=, 4.9);
  g_assert_cmpfloat (elapsed, <, 7.0);
  g_assert_true (g_str_has_prefix ((char *) got->data, "HTTP/1.1 408 Internal Server Error\r\n"));
  g_assert_true (g_str_has_suffix ((char *) got->data, "{\"status\":\"error\",\"error\":\"timeout\"}"));
}

static void
test_auth (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *long_key = g_strnfill (128, 'k');
  g_autofree char *long_req = g_strdup_printf ("GET /api/v1/status HTTP/1.1\r\nX-API-Key: %s\r\n\r\n", long_key);
  g_autoptr(SteveTestHttp) none = raw (f, "GET /api/v1/status HTTP/1.1\r\n\r\n");
  g_autoptr(SteveTestHttp) wrong = raw (f, "GET /api/v1/status HTTP/1.1\r\nX-API-Key: steve-valve-2024\r\n\r\n");
  g_autoptr(SteveTestHttp) upper = raw (f, "GET /api/v1/status HTTP/1.1\r\nX-API-Key: STEVE-VALVE-2025\r\n\r\n");
  g_autoptr(SteveTestHttp) too_long = raw (f, long_req);
  g_autoptr(SteveTestHttp) unknown = raw (f, "GET /api/v1/nope HTTP/1.1\r\n\r\n");
  g_autoptr(SteveTestHttp) page = raw (f, "GET / HTTP/1.1\r\n\r\n");
  g_autoptr(SteveTestHttp) other = raw (f, "GET /favicon.ico HTTP/1.1\r\n\r\n");
  g_autofree char *www = steve_test_http_dup_header (none, "WWW-Authenticate");
  g_autofree char *cors = steve_test_http_dup_header (none, "Access-Control-Allow-Origin");
  g_autofree char *page_type = steve_test_http_dup_header (page, "Content-Type");
  g_autoptr(GError) error = NULL;
  SteveStatus status;

  assert_error (none, "HTTP/1.1 401 Unauthorized", "unauthorized");
  g_assert_cmpstr (www, ==, "X-API-Key");
  g_assert_null (cors);
  assert_error (wrong, "HTTP/1.1 401 Unauthorized", "unauthorized");
  assert_error (upper, "HTTP/1.1 401 Unauthorized", "unauthorized");
  assert_error (too_long, "HTTP/1.1 401 Unauthorized", "unauthorized");
  assert_error (unknown, "HTTP/1.1 401 Unauthorized", "unauthorized");
  assert_error (other, "HTTP/1.1 404 Not Found", "not_found");
  g_assert_cmpuint (page->status, ==, 200);
  g_assert_cmpstr (page_type, ==, "text/html");
  g_assert_nonnull (strstr (page->body, "<html"));

  /* another key, set at start, is the only one that works */
  {
    g_autoptr(SteveSim) sim = g_object_new (STEVE_TYPE_SIM, "api-key", "lab-key-7", NULL);
    g_autoptr(SteveTestHttp) dflt = NULL;
    g_autoptr(SteveTestHttp) good = NULL;

    g_assert_true (steve_sim_start (sim, &error));
    dflt = steve_test_http (steve_sim_get_http_port (sim), "GET", "/api/v1/status", NULL);
    good = steve_test_http_raw (steve_sim_get_http_port (sim),
                                "GET /api/v1/status HTTP/1.1\r\nX-API-Key: lab-key-7\r\n\r\n", 54, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (dflt->status, ==, 401);
    g_assert_cmpuint (good->status, ==, 200);
    g_assert_true (steve_parse_status (good->body, -1, &status, &error));
    steve_sim_stop (sim);
  }
}

static void
test_body_rules (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GString) many = g_string_new ("{");
  SteveConfig config;

  for (guint i = 0; i < 32; i++)
    g_string_append_printf (many, "%s\"k%u\":%u", i ? "," : "", i, i);
  g_string_append_c (many, '}');

  {
    /* unknown keys are ignored, numbers may be strings, string values are lower-cased */
    g_autoptr(SteveTestHttp) a = steve_test_http (f->port, "POST", "/api/v1/config", "{\"foo\":1,\"viscous\":\"0.0300\",\"bar\":\"x\"}");
    g_autoptr(SteveTestHttp) b = steve_test_http (f->port, "POST", "/api/v1/stream", "{\"action\":\"START\",\"interval_ms\":\"20\"}");
    g_autoptr(SteveTestHttp) c = steve_test_http (f->port, "GET", "/api/v1/stream", NULL);

    g_assert_cmpstr (a->body, ==, "{\"status\":\"ok\",\"mask\":1}");
    g_assert_cmpstr (b->body, ==, "{\"status\":\"ok\"}");
    g_assert_true (g_str_has_prefix (c->body, "{\"active\":true,\"connected_clients\":0,\"default_interval_ms\":20,"));
  }

  {
    /* 31 members = 63 tokens is fine; 32 members = 65 tokens is not */
    g_autoptr(SteveTestHttp) over = steve_test_http (f->port, "POST", "/api/v1/config", many->str);
    g_autoptr(SteveTestHttp) nested = steve_test_http (f->port, "POST", "/api/v1/config", "{\"viscous\":{\"v\":1}}");
    g_autoptr(SteveTestHttp) arr = steve_test_http (f->port, "POST", "/api/v1/config", "{\"viscous\":[1]}");
    g_autoptr(SteveTestHttp) boolean = steve_test_http (f->port, "POST", "/api/v1/config", "{\"coulomb\":true}");
    g_autoptr(SteveTestHttp) huge = steve_test_http (f->port, "POST", "/api/v1/config", "{\"coulomb\":1e999}");

    assert_error (over, "HTTP/1.1 400 Bad Request", "malformed_json");
    assert_error (nested, "HTTP/1.1 400 Bad Request", "malformed_json");
    assert_error (arr, "HTTP/1.1 400 Bad Request", "malformed_json");
    assert_error (boolean, "HTTP/1.1 400 Bad Request", "invalid_coulomb");
    g_assert_cmpuint (huge->status, ==, 400);
  }

  {
    /* keys apply in body order: travel uses the closed position known at that point */
    g_autoptr(SteveTestHttp) a = steve_test_http (f->port, "POST", "/api/v1/config", "{\"travel\":80,\"closed_pos\":10}");

    g_assert_cmpstr (a->body, ==, "{\"status\":\"ok\",\"mask\":192}");
    steve_sim_get_config (f->sim, &config);
    g_assert_cmpfloat (config.values[STEVE_FIELD_CLOSED_POS], ==, 10.0);
    g_assert_cmpfloat (config.values[STEVE_FIELD_OPEN_POS], ==, 80.0);
  }

  {
    /* the firmware does not validate torque_limit: the client must */
    g_autoptr(SteveTestHttp) zero = steve_test_http (f->port, "POST", "/api/v1/config", "{\"torque_limit\":0}");
    g_autoptr(SteveTestHttp) neg = steve_test_http (f->port, "POST", "/api/v1/config", "{\"torque_limit\":-3}");
    g_autoptr(SteveTestHttp) smooth = steve_test_http (f->port, "POST", "/api/v1/config", "{\"smoothing\":0}");
    g_autoptr(SteveTestHttp) inverted = steve_test_http (f->port, "POST", "/api/v1/config", "{\"closed_pos\":100}");
    g_autoptr(SteveTestHttp) far = steve_test_http (f->port, "POST", "/api/v1/config", "{\"closed_pos\":0,\"open_pos\":3600.5}");
    g_autoptr(SteveTestHttp) documented = steve_test_http (f->port, "POST", "/api/v1/config", "{\"open_position\":120,\"degrees_per_turn\":360}");

    g_assert_cmpstr (zero->body, ==, "{\"status\":\"ok\",\"mask\":32}");
    g_assert_cmpstr (neg->body, ==, "{\"status\":\"ok\",\"mask\":32}");
    assert_error (smooth, "HTTP/1.1 400 Bad Request", "config_update_failed");
    assert_error (inverted, "HTTP/1.1 400 Bad Request", "config_update_failed");
    assert_error (far, "HTTP/1.1 400 Bad Request", "config_update_failed");
    assert_error (documented, "HTTP/1.1 400 Bad Request", "no_fields");
    steve_sim_get_config (f->sim, &config);
    g_assert_cmpfloat (config.values[STEVE_FIELD_TORQUE_LIMIT], ==, -3.0);
  }
}

static void
test_faults (Fixture       *f,
             gconstpointer  data)
{
  gint64 start;

  steve_sim_set_http_latency (f->sim, 200);
  start = g_get_monotonic_time ();
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (f->port, "GET", "/api/v1/config", NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 200000);
  steve_sim_set_http_latency (f->sim, 0);

  steve_sim_set_http_error_rate (f->sim, 1.0);
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (f->port, "GET", "/api/v1/config", NULL);
    assert_error (r, "HTTP/1.1 500 Internal Server Error", "internal_error");
  }
  steve_sim_set_http_error_rate (f->sim, 0.0);
  {
    g_autoptr(SteveTestHttp) r = steve_test_http (f->port, "GET", "/api/v1/config", NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
}

/* Random bytes and malformed requests must neither crash the device nor
 * change how it answers a proper request afterwards. */
static void
test_survives_garbage (Fixture       *f,
                       gconstpointer  data)
{
  static const char *prefixes[] = {
    "", "GET ", "POST /api/v1/config HTTP/1.1\r\n", "GET /api/v1/status HTTP/1.1\r\nX-API-Key: ",
    "POST /api/v1/config HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\nContent-Length: 12\r\n\r\n",
    "POST /api/v1/control HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\nContent-Length: 40\r\n\r\n{\"preset\":",
    "POST /api/v1/presets HTTP/1.1\r\nX-API-Key: steve-valve-2025\r\nContent-Length: 30\r\n\r\n{\"index\":1,\"name\":\"\\u0000",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(SteveTestHttp) before = steve_test_http (f->port, "GET", "/api/v1/config", NULL);
  g_autoptr(SteveTestHttp) after = NULL;

  steve_sim_set_log_requests (f->sim, FALSE);

  for (guint i = 0; i < 300; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketConnection) conn = steve_test_connect (f->port, &error);
      g_autoptr(GString) junk = g_string_new (prefixes[i % G_N_ELEMENTS (prefixes)]);
      guint n = g_rand_int_range (rand, 0, i % 10 == 0 ? 3000 : 200);
      GOutputStream *out;

      g_assert_no_error (error);
      for (guint k = 0; k < n; k++)
        g_string_append_c (junk, (char) g_rand_int_range (rand, 0, 256));
      if (i % 3 == 0)
        g_string_append (junk, "\r\n\r\n");

      out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
      g_output_stream_write_all (out, junk->str, junk->len, NULL, NULL, NULL);
      /* half the time hang up at once, without reading the answer */
      if (i % 2 == 0)
        {
          GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
          char buf[4096];

          /* half-close: the device sees the end of the request */
          g_socket_shutdown (g_socket_connection_get_socket (conn), FALSE, TRUE, NULL);
          while (g_input_stream_read (in, buf, sizeof buf, NULL, NULL) > 0)
            ;
        }
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    }

  after = steve_test_http (f->port, "GET", "/api/v1/config", NULL);
  g_assert_cmpuint (after->status, ==, 200);
  /* the config is what it was unless a junk request was a valid update */
  g_assert_true (g_str_has_prefix (after->body, "{\"closed_pos\":"));
  g_assert_cmpuint (strlen (after->body), ==, strlen (before->body));
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

#define ADD(path, func) steve_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sim-http/connection-close", test_every_response_closes);
  ADD ("/sim-http/ninth-connection-reset", test_ninth_connection_reset);
  ADD ("/sim-http/request-too-large", test_request_too_large);
  ADD ("/sim-http/request-line", test_request_line);
  ADD ("/sim-http/content-length", test_content_length);
  ADD ("/sim-http/idle-timeout-408", test_idle_timeout);
  ADD ("/sim-http/auth", test_auth);
  ADD ("/sim-http/body-rules", test_body_rules);
  ADD ("/sim-http/faults", test_faults);
  ADD ("/sim-http/survives-garbage", test_survives_garbage);
#undef ADD

  return g_test_run ();
}
