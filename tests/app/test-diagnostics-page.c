/* test-diagnostics-page.c — the Diagnostics page against the simulated device
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs under Xvfb. Each test starts a simulator on loopback, connects a
 * SteveClient and a SteveStreamer to it, and shows the page in a 1280×800
 * window (inside a stack, so that it can be hidden, as the main window does
 * when another page is chosen). What the page shows is checked against what
 * the test reads from the device itself, before and after the page's read.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "steve-client.h"
#include "steve-diagnostics-page.h"
#include "steve-error.h"
#include "steve-streamer.h"

#include "steve-gui-test-utils.h"
#include "steve-test-utils.h"

typedef struct
{
  SteveSim             *sim;
  SteveClient          *client;
  SteveStreamer        *streamer;
  GArray               *samples;   /* every SteveSample the "samples" signal gave */
  GtkWidget            *window;
  GtkWidget            *stack;
  SteveDiagnosticsPage *page;      /* weak */
} Fixture;

/* ------------------------------------------------------------------ helpers */

static SteveOdriveStatus *
read_odrive (Fixture  *f,
             GError  **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  steve_client_get_odrive_async (f->client, NULL, steve_test_result_cb, &r);
  return steve_client_get_odrive_finish (f->client, steve_test_wait_result (&r, 20), error);
}

static SteveCanStatus *
read_can (Fixture *f)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  SteveCanStatus *can;

  steve_client_get_can_async (f->client, NULL, steve_test_result_cb, &r);
  can = steve_client_get_can_finish (f->client, steve_test_wait_result (&r, 20), &error);
  g_assert_no_error (error);
  return can;
}

static SteveStreamStats *
read_stream (Fixture *f)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  SteveStreamStats *stats;

  steve_client_get_stream_async (f->client, NULL, steve_test_result_cb, &r);
  stats = steve_client_get_stream_finish (f->client, steve_test_wait_result (&r, 20), &error);
  g_assert_no_error (error);
  return stats;
}

static StevePerformance *
read_performance (Fixture *f)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  StevePerformance *perf;

  steve_client_get_performance_async (f->client, NULL, steve_test_result_cb, &r);
  perf = steve_client_get_performance_finish (f->client, steve_test_wait_result (&r, 20), &error);
  g_assert_no_error (error);
  return perf;
}

static void
start_valve (Fixture *f)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;

  steve_client_control_async (f->client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &r);
  g_assert_true (steve_client_control_finish (f->client, steve_test_wait_result (&r, 20), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (steve_sim_get_valve_state (f->sim), ==, STEVE_VALVE_STATE_RUNNING);
}

static void
on_samples (SteveStreamer *streamer,
            GArray        *batch,
            Fixture       *f)
{
  g_array_append_vals (f->samples, batch->data, batch->len);
}

static const char *
text (Fixture    *f,
      const char *id)
{
  return steve_diagnostics_page_get_value_text (f->page, id);
}

/* What the page should show for a figure: the same format as the device's
 * decimals, with its unit. */
static char *
expect_fixed (double      value,
              guint       decimals,
              const char *unit)
{
  g_autofree char *number = NULL;

  if (fabs (value) < 0.5 * pow (10.0, -(double) decimals))
    value = 0.0;
  /* a real minus sign, as in the plots */
  number = value < 0 ? g_strdup_printf ("−%.*f", (int) decimals, -value)
                     : g_strdup_printf ("%.*f", (int) decimals, value);
  return unit ? g_strdup_printf ("%s %s", number, unit) : g_steal_pointer (&number);
}

static void
assert_text (Fixture    *f,
             const char *id,
             const char *expected)
{
  const char *shown = text (f, id);

  if (g_strcmp0 (shown, expected) != 0)
    g_error ("%s shows “%s”, expected “%s”", id, shown ? shown : "(hidden)", expected);
}

/* The page's read happened between the test's reads a and b: the figure it
 * shows lies between theirs, and is formatted as the device's decimals. */
static void
assert_between (Fixture    *f,
                const char *id,
                double      a,
                double      b,
                guint       decimals,
                const char *unit)
{
  const char *shown = text (f, id);
  double lo = MIN (a, b) - 0.5 * pow (10.0, -(double) decimals);
  double hi = MAX (a, b) + 0.5 * pow (10.0, -(double) decimals);
  char *end = NULL;
  double v;
  g_autofree char *again = NULL;

  g_assert_nonnull (shown);
  g_assert_null (strchr (shown, '-'));
  if (g_str_has_prefix (shown, "−"))
    {
      const char *digits = shown + strlen ("−");

      v = -g_ascii_strtod (digits, &end);
      g_assert_true (end != digits);
    }
  else
    {
      v = g_ascii_strtod (shown, &end);
      g_assert_true (end != shown);
    }
  if (v < lo || v > hi)
    g_error ("%s shows %s, not between %g and %g", id, shown, a, b);
  again = expect_fixed (v, decimals, unit);
  g_assert_cmpstr (shown, ==, again);
}

typedef struct
{
  Fixture                 *f;
  SteveDiagnosticsSection  section;
  guint                    n;
} ReadsWait;

static gboolean
reads_reached (gpointer data)
{
  ReadsWait *w = data;

  return steve_diagnostics_page_get_n_reads (w->f->page, w->section) >= w->n &&
         !steve_diagnostics_page_is_section_pending (w->f->page, w->section);
}

static void
wait_reads (Fixture                 *f,
            SteveDiagnosticsSection  section,
            guint                    n)
{
  ReadsWait w = { f, section, n };

  if (!steve_test_wait_for (reads_reached, &w, 10000))
    g_error ("section %d: %u reads, expected %u", section,
             steve_diagnostics_page_get_n_reads (f->page, section), n);
}

static gboolean
nothing_pending (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < STEVE_DIAGNOSTICS_LINK; i++)
    if (steve_diagnostics_page_is_section_pending (f->page, i))
      return FALSE;
  return TRUE;
}

static gboolean
first_values (gpointer data)
{
  Fixture *f = data;

  return text (f, "odrive.bus_voltage") != NULL && g_strcmp0 (text (f, "odrive.bus_voltage"), "—") != 0 &&
         text (f, "can.tx_count") != NULL && g_strcmp0 (text (f, "can.tx_count"), "—") != 0 &&
         text (f, "stream.messages_sent") != NULL && g_strcmp0 (text (f, "stream.messages_sent"), "—") != 0;
}

static void
show_page (Fixture  *f,
           gboolean  shown)
{
  gtk_stack_set_visible_child_name (GTK_STACK (f->stack), shown ? "diagnostics" : "other");
  steve_test_sleep_ms (50);
  g_assert_cmpint (gtk_widget_get_mapped (GTK_WIDGET (f->page)), ==, shown);
}

/* Waits for two more reads of every section the device answers (so that
 * one was sent after the test's own reads), then hides the page so that
 * nothing changes what it shows. */
static void
settle_after_reads (Fixture *f,
                    gboolean with_performance)
{
  guint last = with_performance ? STEVE_DIAGNOSTICS_PERFORMANCE : STEVE_DIAGNOSTICS_STREAM;
  guint n[STEVE_DIAGNOSTICS_N_SECTIONS];

  for (guint i = 0; i <= last; i++)
    n[i] = steve_diagnostics_page_get_n_reads (f->page, i);
  for (guint i = 0; i <= last; i++)
    wait_reads (f, i, n[i] + 2);

  show_page (f, FALSE);
  g_assert_false (steve_diagnostics_page_is_refreshing (f->page));
  g_assert_true (steve_test_wait_for (nothing_pending, f, 10000));
}

static guint
count_requests (Fixture    *f,
                const char *method,
                const char *path)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (f->sim);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      const SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      if (g_str_equal (r->method, method) && g_str_equal (r->path, path))
        n++;
    }
  return n;
}

static gboolean
has_css_class (GtkWidget  *widget,
               const char *name)
{
  return gtk_widget_has_css_class (widget, name);
}

static gboolean
is_numeric_label (GtkWidget     *widget,
                  gconstpointer  data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "numeric");
}

/* The value label of a row: its suffix GtkLabel with the numeric style. */
static GtkWidget *
find_numeric_label (GtkWidget *root)
{
  return steve_gui_find_widget (root, is_numeric_label, NULL);
}

/* ------------------------------------------------------------------ fixture */

static void
setup_with (Fixture      *f,
            SteveDialect  dialect)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *overlay;
  GtkWidget *page;

  f->sim = steve_test_sim_new (dialect, STEVE_SIM_PROFILE_SINE, NULL);
  steve_sim_set_log_requests (f->sim, TRUE);

  f->client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (f->sim), NULL);
  steve_client_connect_async (f->client, NULL, steve_test_result_cb, &r);
  g_assert_true (steve_client_connect_finish (f->client, steve_test_wait_result (&r, 20), &error));
  g_assert_no_error (error);
  g_assert_cmpint (steve_client_get_state (f->client), ==, STEVE_CLIENT_CONNECTED);

  f->streamer = steve_streamer_new (f->client, "127.0.0.1", steve_sim_get_stream_port (f->sim), 20);
  f->samples = g_array_new (FALSE, FALSE, sizeof (SteveSample));
  g_signal_connect (f->streamer, "samples", G_CALLBACK (on_samples), f);

  page = steve_diagnostics_page_new ();
  f->page = STEVE_DIAGNOSTICS_PAGE (page);
  g_object_add_weak_pointer (G_OBJECT (page), (gpointer *) &f->page);

  f->stack = gtk_stack_new ();
  gtk_stack_add_named (GTK_STACK (f->stack), page, "diagnostics");
  gtk_stack_add_named (GTK_STACK (f->stack), gtk_label_new ("Another page"), "other");
  gtk_stack_set_visible_child_name (GTK_STACK (f->stack), "diagnostics");

  overlay = adw_toast_overlay_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), f->stack);

  f->window = adw_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 800);
  adw_window_set_content (ADW_WINDOW (f->window), overlay);

  steve_diagnostics_page_set_session (f->page, f->client, f->streamer);
  steve_streamer_start (f->streamer);
  gtk_window_present (GTK_WINDOW (f->window));

  steve_test_sleep_ms (100);
  g_assert_true (gtk_widget_get_mapped (page));
  g_assert_true (steve_diagnostics_page_is_refreshing (f->page));
}

static void
setup_firmware (Fixture       *f,
                gconstpointer  data)
{
  setup_with (f, STEVE_DIALECT_FIRMWARE);
}

static void
setup_documented (Fixture       *f,
                  gconstpointer  data)
{
  setup_with (f, STEVE_DIALECT_DOCUMENTED);
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  /* the window goes with the page still in its session, as when the main
   * window is closed: the page must not be kept alive by anything */
  gtk_window_destroy (GTK_WINDOW (f->window));
  steve_test_sleep_ms (100);
  g_assert_null (f->page);

  steve_streamer_stop (f->streamer);
  g_signal_handlers_disconnect_by_data (f->streamer, f);
  steve_client_disconnect (f->client);
  steve_test_sleep_ms (100);
  g_assert_finalize_object (f->streamer);
  g_assert_finalize_object (f->client);
  g_array_unref (f->samples);
  steve_sim_stop (f->sim);
  g_clear_object (&f->sim);
}

/* ------------------------------------------------------------------ tests */

static void
test_values (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(SteveOdriveStatus) oa = NULL, ob = NULL;
  g_autoptr(SteveCanStatus) ca = NULL, cb = NULL;
  g_autoptr(SteveStreamStats) sa = NULL, sb = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  SteveStreamerStats stats;
  SteveRttStats rtt;
  const char *shown;

  g_assert_true (steve_test_wait_for (first_values, f, 10000));

  oa = read_odrive (f, &error);
  g_assert_no_error (error);
  ca = read_can (f);
  sa = read_stream (f);
  settle_after_reads (f, FALSE);
  ob = read_odrive (f, &error);
  g_assert_no_error (error);
  cb = read_can (f);
  sb = read_stream (f);

  for (guint i = 0; i < STEVE_DIAGNOSTICS_LINK; i++)
    g_assert_null (steve_diagnostics_page_get_section_error (f->page, i));

  /* ODrive */
  g_assert_cmpuint (steve_sim_get_axis_state (f->sim), ==, ob->axis_state);
  assert_text (f, "odrive.axis_state", steve_axis_state_to_string (steve_sim_get_axis_state (f->sim)));
  g_assert_cmphex (steve_sim_get_axis_error (f->sim), ==, 0);
  assert_text (f, "odrive.axis_error", "None");
  assert_text (f, "odrive.motor_flags", "None");
  assert_text (f, "odrive.encoder_flags", "None");
  expected = g_strdup_printf ("0x%08X", ob->controller_status);
  assert_text (f, "odrive.controller_status", expected);
  assert_between (f, "odrive.bus_voltage", oa->bus_voltage, ob->bus_voltage, 2, "V");
  assert_text (f, "odrive.bus_voltage", "24.10 V");
  assert_between (f, "odrive.bus_current", oa->bus_current, ob->bus_current, 2, "A");
  assert_between (f, "odrive.fet_temp", oa->fet_temp, ob->fet_temp, 1, "°C");
  assert_between (f, "odrive.motor_temp", oa->motor_temp, ob->motor_temp, 1, "°C");
  /* the shaft may move between reads: only the format is certain */
  assert_between (f, "odrive.position", -1e6, 1e6, 6, "turns");
  assert_between (f, "odrive.velocity", -1e6, 1e6, 6, "turns/s");
  /* the text really is on screen, right-aligned in the numeric style */
  {
    GtkWidget *label = steve_gui_find_label (GTK_WIDGET (f->page), "24.10 V");

    g_assert_nonnull (label);
    g_assert_true (has_css_class (label, "numeric"));
    g_assert_cmpfloat (gtk_label_get_xalign (GTK_LABEL (label)), ==, 1.0);
  }

  /* CAN: firmware dialect, nested; no bus state */
  assert_between (f, "can.tx_count", ca->tx_count, cb->tx_count, 0, NULL);
  assert_between (f, "can.rx_count", ca->rx_count, cb->rx_count, 0, NULL);
  assert_between (f, "can.error_count", ca->error_count, cb->error_count, 0, NULL);
  g_assert_true (cb->present & STEVE_CAN_LAST_ERROR);
  if (ca->last_error == 0 && cb->last_error == 0)
    assert_text (f, "can.last_error", "None");
  g_assert_null (text (f, "can.bus_state"));

  /* stream server */
  assert_text (f, "stream.active", sb->active ? "Streaming" : "Stopped");
  g_assert_true (sb->active);
  g_assert_cmpuint (sb->connected_clients, ==, steve_sim_get_stream_clients (f->sim));
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%u", sb->connected_clients);
  assert_text (f, "stream.connected_clients", expected);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("%u ms", sb->default_interval_ms);
  assert_text (f, "stream.default_interval_ms", expected);
  assert_between (f, "stream.messages_sent", sa->messages_sent, sb->messages_sent, 0, NULL);
  g_assert_cmpuint (sb->messages_sent, >, sa->messages_sent);
  assert_between (f, "stream.send_errors", sa->send_errors, sb->send_errors, 0, NULL);
  assert_between (f, "stream.invalid_samples", sa->invalid_samples, sb->invalid_samples, 0, NULL);
  assert_between (f, "stream.last_send_tick_ms", sa->last_send_tick_ms / 1000.0, sb->last_send_tick_ms / 1000.0, 3, "s");

  /* link health, from local state */
  assert_text (f, "link.client_state", steve_client_state_to_string (STEVE_CLIENT_CONNECTED));
  assert_text (f, "link.rest_dialect", "Firmware");
  assert_text (f, "link.stream_dialect", "Firmware");
  assert_text (f, "link.stream_state", steve_streamer_state_to_string (STEVE_STREAMER_STREAMING));
  assert_text (f, "link.interval", "20 ms");
  steve_streamer_get_stats (f->streamer, &stats);
  assert_between (f, "link.samples", 1, stats.samples, 0, NULL);
  assert_between (f, "link.rate", 1, 100, 1, "Hz");
  assert_text (f, "link.gaps", "0");
  assert_text (f, "link.missing", "0");
  steve_client_get_rtt_stats (f->client, &rtt);
  assert_between (f, "link.rtt_max", 0, rtt.max_ms, 1, "ms");
  shown = text (f, "link.rtt_mean");
  g_assert_nonnull (shown);
  g_assert_true (g_str_has_suffix (shown, " ms"));
}

static void
test_refresh_only_while_mapped (Fixture       *f,
                                gconstpointer  data)
{
  static const char *paths[] = { "/api/v1/odrive", "/api/v1/can", "/api/v1/stream" };
  guint n_reads;
  guint max_queue = 0;
  gint64 end;

  g_assert_true (steve_test_wait_for (first_values, f, 10000));

  /* hidden: no request at all */
  show_page (f, FALSE);
  g_assert_false (steve_diagnostics_page_is_refreshing (f->page));
  g_assert_true (steve_test_wait_for (nothing_pending, f, 10000));
  n_reads = steve_diagnostics_page_get_n_reads (f->page, STEVE_DIAGNOSTICS_ODRIVE);
  steve_sim_clear_request_log (f->sim);
  steve_test_sleep_ms (2600);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_cmpuint (count_requests (f, "GET", paths[i]), ==, 0);
  g_assert_cmpuint (steve_diagnostics_page_get_n_reads (f->page, STEVE_DIAGNOSTICS_ODRIVE), ==, n_reads);

  /* shown: at once, then every second */
  show_page (f, TRUE);
  g_assert_true (steve_diagnostics_page_is_refreshing (f->page));
  steve_test_sleep_ms (2600);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      guint n = count_requests (f, "GET", paths[i]);

      g_assert_cmpuint (n, >=, 2);
      g_assert_cmpuint (n, <=, 4);
    }
  /* the firmware has no /performance: asked once at most, then computed */
  g_assert_cmpuint (count_requests (f, "GET", "/api/v1/performance"), <=, 1);

  /* a slow device: never more than one request of a kind waiting */
  steve_sim_set_http_latency (f->sim, 700);
  steve_sim_clear_request_log (f->sim);
  end = g_get_monotonic_time () + 4500 * 1000;
  while (g_get_monotonic_time () < end)
    {
      max_queue = MAX (max_queue, steve_client_get_queue_length (f->client));
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  g_assert_cmpuint (max_queue, >=, 1);
  g_assert_cmpuint (max_queue, <=, 3);
  /* 700 ms each, in series: about two rounds of three in 4.5 s */
  g_assert_cmpuint (count_requests (f, "GET", "/api/v1/odrive"), <=, 3);
  steve_sim_set_http_latency (f->sim, 0);

  /* the manual refresh works while hidden, without starting the timers */
  show_page (f, FALSE);
  g_assert_true (steve_test_wait_for (nothing_pending, f, 10000));
  n_reads = steve_diagnostics_page_get_n_reads (f->page, STEVE_DIAGNOSTICS_CAN);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "diagnostics.refresh", NULL));
  wait_reads (f, STEVE_DIAGNOSTICS_CAN, n_reads + 1);
  g_assert_false (steve_diagnostics_page_is_refreshing (f->page));

  /* the session ends while shown: timers stop, the empty state shows */
  show_page (f, TRUE);
  g_assert_true (steve_diagnostics_page_is_refreshing (f->page));
  steve_diagnostics_page_set_session (f->page, NULL, NULL);
  g_assert_false (steve_diagnostics_page_is_refreshing (f->page));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "No Device Connected"));
  steve_test_sleep_ms (200);
  steve_sim_clear_request_log (f->sim);
  steve_test_sleep_ms (1500);
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    g_assert_cmpuint (count_requests (f, "GET", paths[i]), ==, 0);

  /* and a new session starts the refresh again */
  steve_diagnostics_page_set_session (f->page, f->client, f->streamer);
  g_assert_true (steve_diagnostics_page_is_refreshing (f->page));
  g_assert_true (steve_test_wait_for (first_values, f, 10000));
}

/* The statistics of protocol §2's /performance, from the samples the test
 * received itself (independently of the core's steve-stats). */
typedef struct
{
  double min, max, sum, sum2;
} Moments;

static void
moments_add (Moments *m,
             double   v,
             gboolean first)
{
  if (first)
    {
      m->min = m->max = v;
      m->sum = m->sum2 = 0;
    }
  m->min = v < m->min ? v : m->min;
  m->max = v > m->max ? v : m->max;
  m->sum += v;
  m->sum2 += v * v;
}

static void
assert_close (const char *what,
              double      expected,
              double      actual)
{
  if (fabs (expected - actual) > 1e-9 * MAX (1.0, fabs (expected)))
    g_error ("%s: page has %.12g, the test computed %.12g", what, actual, expected);
}

typedef struct
{
  StevePerfKey  key;
  double        value;
  const char   *unit;
} Expect;

static gboolean
enough_computed (gpointer data)
{
  Fixture *f = data;
  guint n = 0;

  return steve_diagnostics_page_get_performance_span (f->page, NULL, NULL, &n) && n >= 200;
}

static void
test_computed_performance (Fixture       *f,
                           gconstpointer  data)
{
  StevePerformance perf;
  gboolean computed = FALSE;
  guint32 first, last;
  guint n_page, n = 0, crossings = 0, n10;
  Moments pos = { 0 }, vel = { 0 }, tau = { 0 }, loop = { 0 };
  const SteveSample *prev = NULL;
  double span_s;
  Expect expect[16];
  guint n_expect = 0;

  start_valve (f);
  steve_diagnostics_page_set_performance_window (f->page, 10);
  g_assert_cmpuint (steve_diagnostics_page_get_performance_window (f->page), ==, 10);

  /* 200 samples at 20 ms: 4 s of a moving shaft */
  g_assert_true (steve_test_wait_for (enough_computed, f, 15000));
  settle_after_reads (f, FALSE);

  g_assert_true (steve_diagnostics_page_get_performance (f->page, &perf, &computed));
  g_assert_true (computed);
  g_assert_true (steve_diagnostics_page_get_performance_span (f->page, &first, &last, &n_page));
  g_assert_cmpuint (last - first, <, 10000);
  g_assert_cmpint (steve_client_get_performance_support (f->client), ==, STEVE_FEATURE_NOT_OFFERED);

  for (guint i = 0; i < f->samples->len; i++)
    {
      const SteveSample *s = &g_array_index (f->samples, SteveSample, i);

      if (s->timestamp_ms < first || s->timestamp_ms > last)
        continue;
      moments_add (&pos, s->position_deg, n == 0);
      moments_add (&vel, s->omega_rad_s, n == 0);
      moments_add (&tau, s->filt_torque_nm, n == 0);
      moments_add (&loop, s->loop_time_us, n == 0);
      if (prev != NULL && (prev->omega_rad_s < 0) != (s->omega_rad_s < 0))
        crossings++;
      prev = s;
      n++;
    }
  g_assert_cmpuint (n, ==, n_page);
  /* the shaft really moved: the figures are not trivial */
  g_assert_cmpfloat (pos.max - pos.min, >, 1.0);
  g_assert_cmpuint (crossings, >, 0);

  assert_close ("pos min", pos.min, perf.values[STEVE_PERF_POS_MIN_DEG]);
  assert_close ("pos max", pos.max, perf.values[STEVE_PERF_POS_MAX_DEG]);
  assert_close ("pos mean", pos.sum / n, perf.values[STEVE_PERF_POS_MEAN_DEG]);
  assert_close ("pos rms", sqrt (pos.sum2 / n), perf.values[STEVE_PERF_POS_RMS_DEG]);
  assert_close ("vel min", vel.min, perf.values[STEVE_PERF_VEL_MIN_RAD_S]);
  assert_close ("vel max", vel.max, perf.values[STEVE_PERF_VEL_MAX_RAD_S]);
  assert_close ("vel mean", vel.sum / n, perf.values[STEVE_PERF_VEL_MEAN_RAD_S]);
  assert_close ("vel rms", sqrt (vel.sum2 / n), perf.values[STEVE_PERF_VEL_RMS_RAD_S]);
  assert_close ("tau min", tau.min, perf.values[STEVE_PERF_TAU_MIN_NM]);
  assert_close ("tau max", tau.max, perf.values[STEVE_PERF_TAU_MAX_NM]);
  assert_close ("tau mean", tau.sum / n, perf.values[STEVE_PERF_TAU_MEAN_NM]);
  assert_close ("tau rms", sqrt (tau.sum2 / n), perf.values[STEVE_PERF_TAU_RMS_NM]);
  assert_close ("pos p2p", pos.max - pos.min, perf.values[STEVE_PERF_POS_PEAK_TO_PEAK_DEG]);
  assert_close ("vel p2p", vel.max - vel.min, perf.values[STEVE_PERF_VEL_PEAK_TO_PEAK_RAD_S]);
  span_s = (last - first) / 1000.0;
  assert_close ("zero crossings", crossings / (2.0 * span_s), perf.values[STEVE_PERF_ZERO_CROSSING_HZ]);
  assert_close ("loop min", loop.min, perf.values[STEVE_PERF_LOOP_TOTAL_MIN_US]);
  assert_close ("loop max", loop.max, perf.values[STEVE_PERF_LOOP_TOTAL_MAX_US]);
  assert_close ("loop mean", loop.sum / n, perf.values[STEVE_PERF_LOOP_TOTAL_MEAN_US]);

  /* and that is what the rows show */
#define EXPECT(k, v, u) (expect[n_expect++] = (Expect) { k, v, u })
  EXPECT (STEVE_PERF_POS_MIN_DEG, pos.min, "°");
  EXPECT (STEVE_PERF_POS_MAX_DEG, pos.max, "°");
  EXPECT (STEVE_PERF_POS_RMS_DEG, sqrt (pos.sum2 / n), "°");
  EXPECT (STEVE_PERF_VEL_MAX_RAD_S, vel.max, "rad/s");
  EXPECT (STEVE_PERF_VEL_RMS_RAD_S, sqrt (vel.sum2 / n), "rad/s");
  EXPECT (STEVE_PERF_TAU_MIN_NM, tau.min, "N·m");
  EXPECT (STEVE_PERF_TAU_MAX_NM, tau.max, "N·m");
  EXPECT (STEVE_PERF_POS_PEAK_TO_PEAK_DEG, pos.max - pos.min, "°");
  EXPECT (STEVE_PERF_ZERO_CROSSING_HZ, crossings / (2.0 * span_s), "Hz");
  EXPECT (STEVE_PERF_LOOP_TOTAL_MEAN_US, loop.sum / n, "µs");
#undef EXPECT
  for (guint i = 0; i < n_expect; i++)
    {
      g_autofree char *id = g_strconcat ("perf.", steve_perf_key_name (expect[i].key), NULL);
      g_autofree char *want = expect_fixed (expect[i].value, steve_perf_key_decimals (expect[i].key), expect[i].unit);

      assert_text (f, id, want);
    }

  /* what the stream cannot tell is not shown */
  g_assert_null (text (f, "perf.loop_physics_mean_us"));
  g_assert_null (text (f, "perf.torque_clamps"));

  /* labelled as computed */
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Computed from the telemetry stream"));
  g_assert_null (steve_gui_find_label (GTK_WIDGET (f->page), "Reported by the device"));

  /* a longer window takes in more of the same ring */
  n10 = n_page;
  steve_diagnostics_page_set_performance_window (f->page, 60);
  g_assert_true (steve_diagnostics_page_get_performance_span (f->page, &first, &last, &n_page));
  g_assert_cmpuint (n_page, >=, n10);
  g_assert_cmpuint (last - first, <, 60000);
}

static gboolean
device_performance_shown (gpointer data)
{
  Fixture *f = data;
  StevePerformance perf;
  gboolean computed = TRUE;

  return steve_diagnostics_page_get_performance (f->page, &perf, &computed) && !computed;
}

static void
test_device_performance (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(StevePerformance) a = NULL, b = NULL;
  g_autoptr(SteveCanStatus) can = NULL;
  StevePerformance perf;
  gboolean computed = TRUE;

  start_valve (f);
  g_assert_true (steve_test_wait_for (device_performance_shown, f, 10000));
  g_assert_true (steve_test_wait_for (first_values, f, 10000));

  a = read_performance (f);
  settle_after_reads (f, TRUE);
  b = read_performance (f);

  g_assert_true (steve_diagnostics_page_get_performance (f->page, &perf, &computed));
  g_assert_false (computed);
  g_assert_cmpint (steve_client_get_performance_support (f->client), ==, STEVE_FEATURE_OFFERED);
  g_assert_null (steve_diagnostics_page_get_section_error (f->page, STEVE_DIAGNOSTICS_PERFORMANCE));

  /* every figure the device reports has its row, formatted as sent */
  g_assert_cmphex (perf.present, ==, b->present);
  for (guint k = 0; k < STEVE_N_PERF; k++)
    {
      g_autofree char *id = g_strconcat ("perf.", steve_perf_key_name (k), NULL);

      g_assert_true (b->present & (1u << k));
      g_assert_nonnull (text (f, id));
    }
  /* counters move one way: the page's read was between the test's two */
  assert_between (f, "perf.torque_clamps", a->values[STEVE_PERF_TORQUE_CLAMPS], b->values[STEVE_PERF_TORQUE_CLAMPS], 0, NULL);
  assert_between (f, "perf.stability_events", a->values[STEVE_PERF_STABILITY_EVENTS],
                  b->values[STEVE_PERF_STABILITY_EVENTS], 0, NULL);
  assert_text (f, "perf.rate_limits", "0");
  g_assert_cmpfloat (b->values[STEVE_PERF_RATE_LIMITS], ==, 0);
  /* figures only the device has are shown */
  g_assert_nonnull (text (f, "perf.loop_physics_mean_us"));
  g_assert_cmpfloat (perf.values[STEVE_PERF_LOOP_PHYSICS_MEAN_US], >, 0);

  /* labelled as the device's; no window to choose */
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Reported by the device"));
  g_assert_null (steve_gui_find_label (GTK_WIDGET (f->page), "Computed from the telemetry stream"));

  /* the documented dialect's flat CAN object: bus state, no last error */
  can = read_can (f);
  g_assert_true (can->present & STEVE_CAN_BUS_STATE);
  g_assert_cmpuint (can->bus_state, ==, 0);
  assert_text (f, "can.bus_state", "Error active (normal)");
  g_assert_null (text (f, "can.last_error"));
  assert_text (f, "link.rest_dialect", "Documented");
}

static gboolean
odrive_error_shown (gpointer data)
{
  Fixture *f = data;

  return steve_diagnostics_page_get_section_error (f->page, STEVE_DIAGNOSTICS_ODRIVE) != NULL;
}

static gboolean
odrive_error_gone (gpointer data)
{
  return !odrive_error_shown (data);
}

static gboolean
toast_shown (gpointer data)
{
  Fixture *f = data;

  return steve_gui_find_label (f->window, "Could not read the ODrive status: ") != NULL;
}

static void
test_device_error (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *voltage = NULL, *state = NULL, *can_tx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveOdriveStatus) none = NULL;
  GtkWidget *row, *label;
  const char *shown_error;

  g_assert_true (steve_test_wait_for (first_values, f, 10000));
  voltage = g_strdup (text (f, "odrive.bus_voltage"));
  state = g_strdup (text (f, "odrive.axis_state"));
  can_tx = g_strdup (text (f, "can.tx_count"));

  /* the ODrive stops answering: GET /odrive fails, the rest does not */
  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_ODRIVE_MISSING);
  g_assert_true (steve_test_wait_for (odrive_error_shown, f, 10000));

  none = read_odrive (f, &error);
  g_assert_null (none);
  g_assert_error (error, STEVE_ERROR, STEVE_ERROR_ODRIVE_UNAVAILABLE);
  shown_error = steve_diagnostics_page_get_section_error (f->page, STEVE_DIAGNOSTICS_ODRIVE);
  g_assert_cmpstr (shown_error, ==, error->message);
  /* inline, in the group */
  label = steve_gui_find_label (GTK_WIDGET (f->page), error->message);
  g_assert_nonnull (label);
  g_assert_true (gtk_widget_is_drawable (label));
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (f->page), "Could not read the ODrive status"));

  /* the last values stay, marked stale */
  g_assert_true (steve_diagnostics_page_is_section_stale (f->page, STEVE_DIAGNOSTICS_ODRIVE));
  assert_text (f, "odrive.bus_voltage", voltage);
  assert_text (f, "odrive.axis_state", state);
  row = steve_diagnostics_page_get_value_row (f->page, "odrive.bus_voltage");
  g_assert_true (gtk_widget_is_drawable (row));
  g_assert_true (has_css_class (find_numeric_label (row), "dim-label"));

  /* other groups go on */
  wait_reads (f, STEVE_DIAGNOSTICS_CAN, steve_diagnostics_page_get_n_reads (f->page, STEVE_DIAGNOSTICS_CAN) + 1);
  g_assert_null (steve_diagnostics_page_get_section_error (f->page, STEVE_DIAGNOSTICS_CAN));
  g_assert_false (steve_diagnostics_page_is_section_stale (f->page, STEVE_DIAGNOSTICS_CAN));
  g_assert_false (has_css_class (find_numeric_label (steve_diagnostics_page_get_value_row (f->page, "can.tx_count")),
                                 "dim-label"));
  g_assert_cmpstr (text (f, "can.tx_count"), !=, NULL);
  (void) can_tx;

  /* a refresh the user asked for says so in a toast too */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "diagnostics.refresh", NULL));
  g_assert_true (steve_test_wait_for (toast_shown, f, 5000));

  /* back: the error goes, the values are fresh again */
  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_NONE);
  g_assert_true (steve_test_wait_for (odrive_error_gone, f, 10000));
  g_assert_false (steve_diagnostics_page_is_section_stale (f->page, STEVE_DIAGNOSTICS_ODRIVE));
  g_assert_false (has_css_class (find_numeric_label (row), "dim-label"));
  label = steve_gui_find_label (GTK_WIDGET (f->page), "Could not read the ODrive status");
  g_assert_true (label == NULL || !gtk_widget_is_drawable (label));
}

static gboolean
all_sections_ready (gpointer data)
{
  Fixture *f = data;
  guint n = 0;

  return first_values (f) && text (f, "link.rtt_last") && g_strcmp0 (text (f, "link.rtt_last"), "—") != 0 &&
         steve_diagnostics_page_get_performance_span (f->page, NULL, NULL, &n) && n >= 100;
}

/* What the window shows now. A window whose layout is still pending
 * snapshots to nothing: let the main loop run and try again. */
static GdkTexture *
render_window (GtkWidget *window)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      int width = gtk_widget_get_width (window);
      int height = gtk_widget_get_height (window);

      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        return gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                            &GRAPHENE_RECT_INIT (0, 0, width, height));
      steve_test_sleep_ms (20);
    }
  g_error ("the window never drew");
  return NULL;
}

static void
render_pair (Fixture    *f,
             const char *suffix)
{
  const gboolean dark[] = { FALSE, TRUE };

  for (guint i = 0; i < G_N_ELEMENTS (dark); i++)
    {
      g_autofree char *name = g_strdup_printf ("diagnostics-%s%s.png", dark[i] ? "dark" : "light", suffix);
      g_autoptr(GdkTexture) texture = NULL;

      steve_gui_set_dark (dark[i]);
      texture = render_window (f->window);
      /* 1280×800 less what the window's decorations take */
      g_assert_cmpint (gdk_texture_get_width (texture), >=, 1200);
      g_assert_cmpint (gdk_texture_get_height (texture), >=, 750);
      steve_gui_save_png (texture, name);
    }
  steve_gui_set_dark (FALSE);
}

static void
test_render (Fixture       *f,
             gconstpointer  data)
{
  GtkWidget *scroller;
  GtkAdjustment *adj;

  start_valve (f);
  g_assert_true (steve_test_wait_for (all_sections_ready, f, 15000));
  steve_test_sleep_ms (600);

  render_pair (f, "");

  /* the lower half of the page, to look at too */
  scroller = gtk_widget_get_ancestor (steve_diagnostics_page_get_value_row (f->page, "link.rate"),
                                      GTK_TYPE_SCROLLED_WINDOW);
  g_assert_nonnull (scroller);
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  g_assert_cmpfloat (gtk_adjustment_get_upper (adj), >, gtk_adjustment_get_page_size (adj));
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) * 0.28);
  steve_test_sleep_ms (100);
  render_pair (f, "-middle");
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) * 0.55);
  steve_test_sleep_ms (100);
  render_pair (f, "-lower");
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
  steve_test_sleep_ms (100);
  render_pair (f, "-bottom");

  /* a failed read: the error in its group, the last values dimmed */
  steve_sim_set_faults (f->sim, STEVE_SIM_FAULT_ODRIVE_MISSING);
  g_assert_true (steve_test_wait_for (odrive_error_shown, f, 10000));
  gtk_adjustment_set_value (adj, 0);
  steve_test_sleep_ms (100);
  render_pair (f, "-error");

  /* the empty state */
  steve_diagnostics_page_set_session (f->page, NULL, NULL);
  steve_test_sleep_ms (300);
  render_pair (f, "-empty");
}

int
main (int    argc,
      char **argv)
{
  steve_gui_test_init (&argc, &argv);

  steve_test_add ("/diagnostics-page/values", Fixture, NULL, setup_firmware, test_values, teardown);
  steve_test_add ("/diagnostics-page/refresh-only-while-mapped", Fixture, NULL, setup_firmware,
              test_refresh_only_while_mapped, teardown);
  steve_test_add ("/diagnostics-page/computed-performance", Fixture, NULL, setup_firmware,
              test_computed_performance, teardown);
  steve_test_add ("/diagnostics-page/device-performance", Fixture, NULL, setup_documented,
              test_device_performance, teardown);
  steve_test_add ("/diagnostics-page/device-error", Fixture, NULL, setup_firmware, test_device_error, teardown);
  steve_test_add ("/diagnostics-page/render", Fixture, NULL, setup_firmware, test_render, teardown);

  return g_test_run ();
}
