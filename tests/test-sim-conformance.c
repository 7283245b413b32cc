/* test-sim-conformance.c — the simulator against the firmware's golden captures
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every capture request is replayed, in order, against a fresh simulator in
 * the firmware dialect. Where the firmware's answer does not depend on the
 * synthetic motion (everything but live positions and temperatures), the
 * simulator must answer byte for byte the same; elsewhere the status line,
 * the headers and the JSON shape (keys, order, decimals) must match.
 */
#include "config.h"

#include <string.h>

#include "steve-test-utils.h"
#include "steve-protocol.h"
#include "steve-telemetry.h"

/* Captures whose bodies carry live motion or temperatures. */
static const char * const shape_only[] = {
  "02-status.txt", "05-odrive.txt", "06-can.txt", "27-status-running.txt", "28-odrive-running.txt",
};

static char *
normalize_headers (const char *headers)
{
  g_auto(GStrv) lines = g_strsplit (headers, "\r\n", -1);
  GString *s = g_string_new (NULL);

  for (guint i = 0; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], "Content-Length:"))
        g_string_append (s, "Content-Length: #");
      else
        g_string_append (s, lines[i]);
      g_string_append (s, "\n");
    }
  return g_string_free (s, FALSE);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
test_firmware_captures (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *http_dir = steve_test_capture_path ("http");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  guint exact = 0, shaped = 0;

  dir = g_dir_open (http_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_assert_cmpuint (names->len, ==, 40);
  /* the captures are numbered: replay them in order */
  g_ptr_array_sort (names, compare_names);

  /* the ODrive's first telemetry frame arrives shortly after boot */
  steve_test_sleep_ms (100);

  for (guint i = 0; i < names->len; i++)
    {
      const char *capture = g_ptr_array_index (names, i);
      g_autofree char *request = NULL;
      g_autofree char *expected_raw = NULL;
      gsize request_len, expected_len;
      g_autoptr(SteveTestHttp) got = NULL;
      g_autoptr(GError) error = NULL;
      gboolean shape = FALSE;

      g_assert_true (steve_test_load_capture (capture, &request, &request_len, &expected_raw, &expected_len));
      for (guint k = 0; k < G_N_ELEMENTS (shape_only); k++)
        if (g_str_equal (capture, shape_only[k]))
          shape = TRUE;

      got = steve_test_http_raw (steve_sim_get_http_port (sim), request, request_len, &error);
      g_assert_no_error (error);

      if (g_test_verbose ())
        g_test_message ("%s: %s", capture, got->body);

      if (!shape)
        {
          if (got->raw_len != expected_len || memcmp (got->raw, expected_raw, expected_len) != 0)
            g_error ("%s: expected\n%s\ngot\n%s", capture, expected_raw, got->raw);
          exact++;
        }
      else
        {
          g_autoptr(SteveTestHttp) want = steve_test_http_parse (g_steal_pointer (&expected_raw), expected_len);
          g_autofree char *want_shape = NULL;
          g_autofree char *got_shape = NULL;
          g_autofree char *want_headers = NULL;
          g_autofree char *got_headers = NULL;

          g_assert_cmpstr (got->status_line, ==, want->status_line);
          want_headers = normalize_headers (want->headers);
          got_headers = normalize_headers (got->headers);
          g_assert_cmpstr (got_headers, ==, want_headers);
          want_shape = steve_test_json_shape (want->body);
          got_shape = steve_test_json_shape (got->body);
          g_assert_cmpstr (got_shape, ==, want_shape);
          shaped++;
        }

      /* the start answer arrives after the ODrive reached closed loop */
      if (g_str_equal (capture, "26-control-start.txt"))
        g_assert_cmpint (steve_sim_get_valve_state (sim), ==, STEVE_VALVE_STATE_RUNNING);
    }

  g_assert_cmpuint (exact, ==, 35);
  g_assert_cmpuint (shaped, ==, 5);

  steve_sim_stop (sim);
}

/* A documented-dialect device answers in the documented shapes, and the
 * protocol core reads them as such. */
static void
test_documented_shapes (void)
{
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_DOCUMENTED, STEVE_SIM_PROFILE_SINE, NULL);
  guint port = steve_sim_get_http_port (sim);
  g_autoptr(GError) error = NULL;

  steve_test_sleep_ms (100);

  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/status", NULL);
    SteveStatus status;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_str_has_prefix (r->body, "{\"mode\":\"idle\",\"pos_deg\":"));
    g_assert_true (steve_parse_status (r->body, -1, &status, &error));
    g_assert_no_error (error);
    g_assert_cmpint (status.dialect, ==, STEVE_DIALECT_DOCUMENTED);
    g_assert_cmpint (status.state, ==, STEVE_VALVE_STATE_IDLE);
    g_assert_true (status.present & STEVE_STATUS_ENERGY_J);
    g_assert_true (status.present & STEVE_STATUS_LOOP_HZ);
    g_assert_false (status.present & STEVE_STATUS_TEMP_FET);
  }

  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/config", NULL);
    SteveConfig config;
    SteveDialect dialect;

    g_assert_cmpstr (r->body, ==,
                     "{\"closed_position\":0.00,\"open_position\":90.00,\"degrees_per_turn\":360.00,"
                     "\"viscous\":0.0500,\"coulomb\":0.0100,\"wall_stiffness\":2.00,\"wall_damping\":0.1000,"
                     "\"smoothing\":0.001000,\"torque_limit\":1.00}");
    g_assert_true (steve_parse_config (r->body, -1, &config, &dialect, &error));
    g_assert_cmpint (dialect, ==, STEVE_DIALECT_DOCUMENTED);
    g_assert_cmpfloat (steve_config_get (&config, STEVE_FIELD_DEGREES_PER_TURN), ==, 360.0);
    g_assert_cmpfloat (steve_config_get (&config, STEVE_FIELD_OPEN_POS), ==, 90.0);
  }

  {
    /* the documented names are the ones it takes; the firmware's are unknown keys */
    g_autoptr(SteveTestHttp) a = steve_test_http (port, "POST", "/api/v1/config", "{\"open_pos\":120}");
    g_autoptr(SteveTestHttp) b = steve_test_http (port, "POST", "/api/v1/config",
                                                  "{\"open_position\":120,\"degrees_per_turn\":180}");
    SteveConfigReply reply;

    g_assert_cmpstr (a->body, ==, "{\"status\":\"error\",\"error\":\"no_fields\"}");
    g_assert_cmpstr (b->body, ==, "{\"status\":\"ok\",\"fields_updated\":2}");
    g_assert_true (steve_parse_config_reply (b->body, -1, &reply, &error));
    g_assert_true (reply.has_fields_updated);
    g_assert_false (reply.has_mask);
  }

  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/can", NULL);
    SteveCanStatus can;

    g_assert_true (g_str_has_prefix (r->body, "{\"tx_count\":0,\"rx_count\":0,\"error_count\":0,\"bus_state\":0,"));
    g_assert_true (steve_parse_can (r->body, -1, &can, &error));
    g_assert_cmpint (can.dialect, ==, STEVE_DIALECT_DOCUMENTED);
    g_assert_true (can.present & STEVE_CAN_BUS_STATE);
  }

  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "GET", "/api/v1/performance", NULL);
    StevePerformance perf;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (steve_parse_performance (r->body, -1, &perf, &error));
    g_assert_no_error (error);
    g_assert_cmphex (perf.present, ==, (1u << STEVE_N_PERF) - 1);
  }

  {
    g_autoptr(SteveTestHttp) r = steve_test_http (port, "POST", "/api/v1/stream", "{\"action\":\"start\",\"interval_ms\":20}");
    g_autoptr(GSocketConnection) conn = NULL;
    g_autofree char *hello = NULL;
    SteveStreamLine line;

    g_assert_cmpstr (r->body, ==, "{\"status\":\"success\",\"message\":\"stream_started\"}");
    g_assert_true (steve_parse_ok_reply (r->body, -1, &error));

    conn = steve_test_connect (steve_sim_get_stream_port (sim), &error);
    g_assert_no_error (error);
    hello = steve_test_read_line (conn, 2000);
    g_assert_cmpstr (hello, ==, "{\"stream\":\"ready\",\"interval_ms\":20,\"version\":\"1.0\"}");
    g_assert_true (steve_telemetry_parse_line (hello, strlen (hello), &line, NULL));
    g_assert_cmpint (line.kind, ==, STEVE_LINE_HELLO);
    g_assert_cmpint (line.hello.dialect, ==, STEVE_DIALECT_DOCUMENTED);
  }

  {
    /* documented preset names, and control by name */
    g_autoptr(SteveTestHttp) p = steve_test_http (port, "GET", "/api/v1/presets", NULL);
    g_autoptr(SteveTestHttp) c = steve_test_http (port, "POST", "/api/v1/control", "{\"preset\":\"stiff\"}");
    g_autoptr(GPtrArray) presets = steve_parse_presets (p->body, -1, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (((StevePreset *) g_ptr_array_index (presets, 0))->name, ==, "default");
    g_assert_cmpstr (((StevePreset *) g_ptr_array_index (presets, 3))->name, ==, "heavy");
    g_assert_cmpstr (c->body, ==, "{\"status\":\"ok\",\"mode\":\"idle\",\"preset_applied\":true}");
  }

  steve_sim_stop (sim);
}

int
main (int   argc,
      char *argv[])
{
  steve_test_init (&argc, &argv);

  steve_test_add_func ("/conformance/firmware-captures", test_firmware_captures);
  steve_test_add_func ("/conformance/documented-shapes", test_documented_shapes);

  return g_test_run ();
}
