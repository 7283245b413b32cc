/* steve-diagnostics-page.c — the Diagnostics page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the device says about itself (ODrive, CAN bus, stream server,
 * performance) and what this computer measures of the link to it.
 *
 * The page reads the device only while it is on screen: the timers start
 * when it is mapped and stop when it is unmapped or the session ends, and
 * at most one request of each kind is in flight at a time. A failed read
 * shows an error in its group and keeps the last good values, dimmed as
 * stale. When the device does not offer /performance (current firmware),
 * the same statistics are computed from a bounded ring of recent
 * telemetry, and labelled as such.
 *
 * Replies are matched to the session by the session's cancellable: a
 * callback whose request was cancelled (session ended, page disposed) does
 * not touch the page.
 */
#define G_LOG_DOMAIN "steve-diagnostics-page"

#include "config.h"

#include "steve-app-resources.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "steve-app-util.h"
#include "steve-diagnostics-page.h"
#include "steve-error.h"
#include "steve-plot-private.h"
#include "steve-stats.h"

#define REMOTE_INTERVAL_MS 1000
#define LINK_INTERVAL_MS   500

/* Enough for the longest window (60 s) at the shortest stream interval
 * (10 ms), with some room; trimmed in chunks so appending stays cheap. */
#define RING_SAMPLES       6144
#define RING_SLACK         2048

static const guint window_seconds[] = { 10, 30, 60 };

#define N_REMOTE_SECTIONS (STEVE_DIAGNOSTICS_PERFORMANCE + 1)

typedef enum
{
  V_AXIS_STATE,
  V_AXIS_ERROR,
  V_MOTOR_FLAGS,
  V_ENCODER_FLAGS,
  V_CONTROLLER_STATUS,
  V_ODRIVE_POSITION,
  V_ODRIVE_VELOCITY,
  V_BUS_VOLTAGE,
  V_BUS_CURRENT,
  V_FET_TEMP,
  V_MOTOR_TEMP,

  V_CAN_TX,
  V_CAN_RX,
  V_CAN_ERRORS,
  V_CAN_LAST_ERROR,
  V_CAN_BUS_STATE,
  V_CAN_POSITION,
  V_CAN_VELOCITY,

  V_STREAM_ACTIVE,
  V_STREAM_CLIENTS,
  V_STREAM_INTERVAL,
  V_STREAM_SENT,
  V_STREAM_SEND_ERRORS,
  V_STREAM_INVALID,
  V_STREAM_LAST_SEND,

  V_CLIENT_STATE,
  V_REST_DIALECT,
  V_STREAMER_STATE,
  V_STREAM_DIALECT,
  V_LINK_INTERVAL,
  V_RATE,
  V_SAMPLES,
  V_GAPS,
  V_MISSING,
  V_GAP_TIME,
  V_RECONNECTIONS,
  V_REJECTED,
  V_DROPPED,
  V_SYNC_RTT,
  V_RTT_LAST,
  V_RTT_MEAN,
  V_RTT_MAX,

  N_VALUES
} ValueId;

typedef struct
{
  const char             *id;
  SteveDiagnosticsSection section;
  const char             *title;
  const char             *tooltip;
} ValueSpec;

static const ValueSpec value_specs[N_VALUES] = {
  [V_AXIS_STATE] = { "odrive.axis_state", STEVE_DIAGNOSTICS_ODRIVE, N_("Axis state"), N_("What the ODrive axis is doing") },
  [V_AXIS_ERROR] = { "odrive.axis_error", STEVE_DIAGNOSTICS_ODRIVE, N_("Axis errors"), N_("The ODrive axis error bits, by name") },
  [V_MOTOR_FLAGS] = { "odrive.motor_flags", STEVE_DIAGNOSTICS_ODRIVE, N_("Motor error flags"), N_("Set when the ODrive reports a motor error") },
  [V_ENCODER_FLAGS] = { "odrive.encoder_flags", STEVE_DIAGNOSTICS_ODRIVE, N_("Encoder error flags"), N_("Set when the ODrive reports an encoder error") },
  [V_CONTROLLER_STATUS] = { "odrive.controller_status", STEVE_DIAGNOSTICS_ODRIVE, N_("Controller status"), N_("The ODrive controller status word, as sent") },
  [V_ODRIVE_POSITION] = { "odrive.position", STEVE_DIAGNOSTICS_ODRIVE, N_("Encoder position"), N_("Raw encoder position in motor turns") },
  [V_ODRIVE_VELOCITY] = { "odrive.velocity", STEVE_DIAGNOSTICS_ODRIVE, N_("Encoder velocity"), N_("Shaft velocity in motor turns per second") },
  [V_BUS_VOLTAGE] = { "odrive.bus_voltage", STEVE_DIAGNOSTICS_ODRIVE, N_("Bus voltage"), N_("DC supply voltage at the ODrive") },
  [V_BUS_CURRENT] = { "odrive.bus_current", STEVE_DIAGNOSTICS_ODRIVE, N_("Bus current"), N_("DC current drawn by the ODrive") },
  [V_FET_TEMP] = { "odrive.fet_temp", STEVE_DIAGNOSTICS_ODRIVE, N_("FET temperature"), N_("Temperature of the ODrive’s power stage") },
  [V_MOTOR_TEMP] = { "odrive.motor_temp", STEVE_DIAGNOSTICS_ODRIVE, N_("Motor temperature"), N_("Temperature of the motor windings") },

  [V_CAN_TX] = { "can.tx_count", STEVE_DIAGNOSTICS_CAN, N_("Frames sent"), N_("CAN frames the board sent to the ODrive") },
  [V_CAN_RX] = { "can.rx_count", STEVE_DIAGNOSTICS_CAN, N_("Frames received"), N_("CAN frames the board received from the ODrive") },
  [V_CAN_ERRORS] = { "can.error_count", STEVE_DIAGNOSTICS_CAN, N_("Bus errors"), N_("CAN errors counted since boot") },
  [V_CAN_LAST_ERROR] = { "can.last_error", STEVE_DIAGNOSTICS_CAN, N_("Last error code"), N_("The CAN controller’s last error code, as sent") },
  [V_CAN_BUS_STATE] = { "can.bus_state", STEVE_DIAGNOSTICS_CAN, N_("Bus state"), N_("The CAN controller’s error state") },
  [V_CAN_POSITION] = { "can.position", STEVE_DIAGNOSTICS_CAN, N_("Encoder position"), N_("Encoder position carried over CAN, in motor turns") },
  [V_CAN_VELOCITY] = { "can.velocity", STEVE_DIAGNOSTICS_CAN, N_("Encoder velocity"), N_("Encoder velocity carried over CAN, in motor turns per second") },

  [V_STREAM_ACTIVE] = { "stream.active", STEVE_DIAGNOSTICS_STREAM, N_("Server"), N_("Whether the device’s telemetry port is open") },
  [V_STREAM_CLIENTS] = { "stream.connected_clients", STEVE_DIAGNOSTICS_STREAM, N_("Connected clients"), N_("Telemetry connections the device serves (at most 6)") },
  [V_STREAM_INTERVAL] = { "stream.default_interval_ms", STEVE_DIAGNOSTICS_STREAM, N_("Default interval"), N_("Interval given to connections that do not ask for their own") },
  [V_STREAM_SENT] = { "stream.messages_sent", STEVE_DIAGNOSTICS_STREAM, N_("Messages sent"), N_("Telemetry lines the device has sent") },
  [V_STREAM_SEND_ERRORS] = { "stream.send_errors", STEVE_DIAGNOSTICS_STREAM, N_("Send errors"), N_("Telemetry lines the device failed to send") },
  [V_STREAM_INVALID] = { "stream.invalid_samples", STEVE_DIAGNOSTICS_STREAM, N_("Invalid samples"), N_("Samples the device sent with a value that was not a number") },
  [V_STREAM_LAST_SEND] = { "stream.last_send_tick_ms", STEVE_DIAGNOSTICS_STREAM, N_("Last send, device clock"), N_("When the device last sent a line, in seconds since it booted") },

  [V_CLIENT_STATE] = { "link.client_state", STEVE_DIAGNOSTICS_LINK, N_("Connection"), N_("The state of the REST connection to the device") },
  [V_REST_DIALECT] = { "link.rest_dialect", STEVE_DIAGNOSTICS_LINK, N_("REST dialect"), N_("Firmware: what shipping firmware sends; documented: what the published API reference describes") },
  [V_STREAMER_STATE] = { "link.stream_state", STEVE_DIAGNOSTICS_LINK, N_("Telemetry"), N_("The state of the telemetry connection") },
  [V_STREAM_DIALECT] = { "link.stream_dialect", STEVE_DIAGNOSTICS_LINK, N_("Telemetry dialect"), N_("The dialect the device’s telemetry greeting announced") },
  [V_LINK_INTERVAL] = { "link.interval", STEVE_DIAGNOSTICS_LINK, N_("Telemetry interval"), N_("The interval this computer asked for") },
  [V_RATE] = { "link.rate", STEVE_DIAGNOSTICS_LINK, N_("Telemetry rate"), N_("Samples received per second, measured here") },
  [V_SAMPLES] = { "link.samples", STEVE_DIAGNOSTICS_LINK, N_("Samples received"), N_("Samples received in this session") },
  [V_GAPS] = { "link.gaps", STEVE_DIAGNOSTICS_LINK, N_("Gaps"), N_("Times the stream stalled or reconnected and samples went missing") },
  [V_MISSING] = { "link.missing", STEVE_DIAGNOSTICS_LINK, N_("Missing samples"), N_("Samples estimated lost in gaps, from the interval") },
  [V_GAP_TIME] = { "link.gap_time", STEVE_DIAGNOSTICS_LINK, N_("Time lost in gaps"), N_("Total length of the gaps beyond one interval") },
  [V_RECONNECTIONS] = { "link.reconnections", STEVE_DIAGNOSTICS_LINK, N_("Reconnections"), N_("Times the telemetry connection had to be made again") },
  [V_REJECTED] = { "link.rejected", STEVE_DIAGNOSTICS_LINK, N_("Rejected lines"), N_("Telemetry lines that were not valid and were dropped") },
  [V_DROPPED] = { "link.dropped", STEVE_DIAGNOSTICS_LINK, N_("Not drawn in time"), N_("Samples the window could not take in time (recordings still get them)") },
  [V_SYNC_RTT] = { "link.sync_rtt", STEVE_DIAGNOSTICS_LINK, N_("Telemetry round trip"), N_("Time for a sync command on the telemetry connection to be answered (last, and best)") },
  [V_RTT_LAST] = { "link.rtt_last", STEVE_DIAGNOSTICS_LINK, N_("Request round trip, last"), N_("Time the last REST request took") },
  [V_RTT_MEAN] = { "link.rtt_mean", STEVE_DIAGNOSTICS_LINK, N_("Request round trip, mean"), N_("Mean time of the recent REST requests") },
  [V_RTT_MAX] = { "link.rtt_max", STEVE_DIAGNOSTICS_LINK, N_("Request round trip, maximum"), N_("Longest REST request in this session") },
};

typedef struct
{
  const char *title;
  const char *unit;   /* NULL: a count */
} PerfSpec;

static const PerfSpec perf_specs[STEVE_N_PERF] = {
  [STEVE_PERF_POS_MIN_DEG] = { N_("Position, minimum"), "°" },
  [STEVE_PERF_POS_MAX_DEG] = { N_("Position, maximum"), "°" },
  [STEVE_PERF_POS_MEAN_DEG] = { N_("Position, mean"), "°" },
  [STEVE_PERF_POS_RMS_DEG] = { N_("Position, RMS"), "°" },
  [STEVE_PERF_VEL_MIN_RAD_S] = { N_("Velocity, minimum"), "rad/s" },
  [STEVE_PERF_VEL_MAX_RAD_S] = { N_("Velocity, maximum"), "rad/s" },
  [STEVE_PERF_VEL_MEAN_RAD_S] = { N_("Velocity, mean"), "rad/s" },
  [STEVE_PERF_VEL_RMS_RAD_S] = { N_("Velocity, RMS"), "rad/s" },
  [STEVE_PERF_TAU_MIN_NM] = { N_("Torque, minimum"), "N·m" },
  [STEVE_PERF_TAU_MAX_NM] = { N_("Torque, maximum"), "N·m" },
  [STEVE_PERF_TAU_MEAN_NM] = { N_("Torque, mean"), "N·m" },
  [STEVE_PERF_TAU_RMS_NM] = { N_("Torque, RMS"), "N·m" },
  [STEVE_PERF_POS_PEAK_TO_PEAK_DEG] = { N_("Position, peak to peak"), "°" },
  [STEVE_PERF_VEL_PEAK_TO_PEAK_RAD_S] = { N_("Velocity, peak to peak"), "rad/s" },
  [STEVE_PERF_ZERO_CROSSING_HZ] = { N_("Direction reversals"), "Hz" },
  [STEVE_PERF_LOOP_TOTAL_MIN_US] = { N_("Control cycle, minimum"), "µs" },
  [STEVE_PERF_LOOP_TOTAL_MAX_US] = { N_("Control cycle, maximum"), "µs" },
  [STEVE_PERF_LOOP_TOTAL_MEAN_US] = { N_("Control cycle, mean"), "µs" },
  [STEVE_PERF_LOOP_PHYSICS_MIN_US] = { N_("Physics step, minimum"), "µs" },
  [STEVE_PERF_LOOP_PHYSICS_MAX_US] = { N_("Physics step, maximum"), "µs" },
  [STEVE_PERF_LOOP_PHYSICS_MEAN_US] = { N_("Physics step, mean"), "µs" },
  [STEVE_PERF_TORQUE_CLAMPS] = { N_("Torque clamps"), NULL },
  [STEVE_PERF_RATE_LIMITS] = { N_("Rate limits"), NULL },
  [STEVE_PERF_STABILITY_EVENTS] = { N_("Stability events"), NULL },
};

typedef struct
{
  GtkWidget *error_row;    /* NULL for the link group (nothing is read) */
  char      *what;         /* "Could not read the ODrive status" */
  char      *error;        /* message of the last failed read; NULL after a good one */
  GDateTime *last_ok;
  guint      n_reads;
  gboolean   pending;
  gboolean   manual;       /* the user asked for the read in flight */
  gboolean   has_values;
  gboolean   stale;
} Section;

struct _SteveDiagnosticsPage
{
  AdwBin         parent_instance;

  /* template */
  GtkStack      *stack;
  GtkWidget     *updated_label;
  GtkWidget     *odrive_group;
  GtkWidget     *can_group;
  GtkWidget     *stream_group;
  GtkWidget     *link_group;
  GtkWidget     *performance_group;
  GtkWidget     *odrive_error_row;
  GtkWidget     *can_error_row;
  GtkWidget     *stream_error_row;
  GtkWidget     *performance_error_row;
  GtkWidget     *window_dropdown;

  GtkWidget     *value_rows[N_VALUES];
  GtkWidget     *value_labels[N_VALUES];
  GtkWidget     *perf_rows[STEVE_N_PERF];
  GtkWidget     *perf_labels[STEVE_N_PERF];

  /* session */
  SteveClient   *client;
  SteveStreamer *streamer;
  GSignalGroup  *client_signals;
  GSignalGroup  *streamer_signals;
  GCancellable  *cancellable;
  guint          remote_source_id;
  guint          link_source_id;

  Section        sections[STEVE_DIAGNOSTICS_N_SECTIONS];

  /* performance: the device's figures, or computed from the ring */
  GArray        *ring;          /* SteveSample, oldest first */
  StevePerformance perf;
  gboolean       has_perf;
  gboolean       has_device_perf;
  guint32        perf_first_ms;
  guint32        perf_last_ms;
  guint          perf_n;
};

G_DEFINE_FINAL_TYPE (SteveDiagnosticsPage, steve_diagnostics_page, ADW_TYPE_BIN)

static void refresh_remote (SteveDiagnosticsPage *self, gboolean manual);
static void refresh_link   (SteveDiagnosticsPage *self);

/* ------------------------------------------------------------------ formatting */

/* A fixed-point figure with its unit, with a real minus sign as in the
 * plots; no "−0.00". */
static char *
format_fixed (double      value,
              guint       decimals,
              const char *unit)
{
  g_autofree char *number = steve_plot_format_value (value, (int) decimals);

  if (!isfinite (value) || unit == NULL || *unit == '\0')
    return g_steal_pointer (&number);
  return g_strdup_printf ("%s %s", number, unit);
}

static char *
format_count (guint64 value)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, value);
}

static const char *
dialect_name (SteveDialect dialect)
{
  switch (dialect)
    {
    case STEVE_DIALECT_FIRMWARE: return _("Firmware");
    case STEVE_DIALECT_DOCUMENTED: return _("Documented");
    case STEVE_DIALECT_UNKNOWN:
    default: return _("Not detected yet");
    }
}

static const char *
can_bus_state_name (guint32 state)
{
  switch (state)
    {
    case 0: return _("Error active (normal)");
    case 1: return _("Error warning");
    case 2: return _("Error passive");
    case 3: return _("Bus off");
    default: return NULL;
    }
}

/* The protocol names no bits in these words: say whether any is set and
 * show the word as sent. */
static char *
format_flags (guint32 flags)
{
  if (flags == 0)
    return g_strdup (_("None"));
  /* Translators: a raw error word from the motor controller */
  return g_strdup_printf (_("Set (0x%08X)"), flags);
}

/* ------------------------------------------------------------------ values */

static void
set_text (SteveDiagnosticsPage *self,
          ValueId               id,
          const char           *text)
{
  gtk_label_set_text (GTK_LABEL (self->value_labels[id]), text);
  gtk_widget_set_visible (self->value_rows[id], TRUE);
}

static void
take_text (SteveDiagnosticsPage *self,
           ValueId               id,
           char                 *text)
{
  set_text (self, id, text);
  g_free (text);
}

/* Shown when the field is in the reply; a field this device does not
 * report (the other dialect's) hides its row. */
#define SHOW_IF(present_mask, bit, id, expr) \
  G_STMT_START { \
    if ((present_mask) & (bit)) \
      take_text (self, (id), (expr)); \
    else \
      gtk_widget_set_visible (self->value_rows[(id)], FALSE); \
  } G_STMT_END

static void
reset_values (SteveDiagnosticsPage *self)
{
  for (guint i = 0; i < N_VALUES; i++)
    {
      gtk_label_set_text (GTK_LABEL (self->value_labels[i]), "—");
      gtk_widget_set_tooltip_text (self->value_labels[i], NULL);
      gtk_widget_set_visible (self->value_rows[i], TRUE);
    }
  /* one of the two appears with the first reply, by dialect */
  gtk_widget_set_visible (self->value_rows[V_CAN_LAST_ERROR], FALSE);
  gtk_widget_set_visible (self->value_rows[V_CAN_BUS_STATE], FALSE);

  for (guint i = 0; i < STEVE_N_PERF; i++)
    gtk_widget_set_visible (self->perf_rows[i], FALSE);
}

static void
show_odrive (SteveDiagnosticsPage    *self,
             const SteveOdriveStatus *st)
{
  guint32 p = st->present;

  if (p & STEVE_ODRIVE_AXIS_STATE)
    {
      g_autofree char *tip = g_strdup_printf (_("Axis state %u"), st->axis_state);

      set_text (self, V_AXIS_STATE, steve_axis_state_to_string (st->axis_state));
      gtk_widget_set_tooltip_text (self->value_labels[V_AXIS_STATE], tip);
    }
  else
    gtk_widget_set_visible (self->value_rows[V_AXIS_STATE], FALSE);

  if (p & STEVE_ODRIVE_AXIS_ERROR)
    {
      if (st->axis_error == 0)
        set_text (self, V_AXIS_ERROR, _("None"));
      else
        {
          g_autofree char *names = steve_axis_error_describe (st->axis_error);

          /* Translators: decoded error names, then the raw word */
          take_text (self, V_AXIS_ERROR, g_strdup_printf (_("%s (0x%08X)"), names, st->axis_error));
        }
      if (st->axis_error != 0)
        gtk_widget_add_css_class (self->value_labels[V_AXIS_ERROR], "error");
      else
        gtk_widget_remove_css_class (self->value_labels[V_AXIS_ERROR], "error");
    }
  else
    gtk_widget_set_visible (self->value_rows[V_AXIS_ERROR], FALSE);

  SHOW_IF (p, STEVE_ODRIVE_MOTOR_FLAGS, V_MOTOR_FLAGS, format_flags (st->motor_flags));
  SHOW_IF (p, STEVE_ODRIVE_ENCODER_FLAGS, V_ENCODER_FLAGS, format_flags (st->encoder_flags));
  SHOW_IF (p, STEVE_ODRIVE_CONTROLLER_STATUS, V_CONTROLLER_STATUS, g_strdup_printf ("0x%08X", st->controller_status));
  SHOW_IF (p, STEVE_ODRIVE_POSITION, V_ODRIVE_POSITION, format_fixed (st->position, 6, _("turns")));
  SHOW_IF (p, STEVE_ODRIVE_VELOCITY, V_ODRIVE_VELOCITY, format_fixed (st->velocity, 6, _("turns/s")));
  SHOW_IF (p, STEVE_ODRIVE_BUS_VOLTAGE, V_BUS_VOLTAGE, format_fixed (st->bus_voltage, 2, "V"));
  SHOW_IF (p, STEVE_ODRIVE_BUS_CURRENT, V_BUS_CURRENT, format_fixed (st->bus_current, 2, "A"));
  SHOW_IF (p, STEVE_ODRIVE_FET_TEMP, V_FET_TEMP, format_fixed (st->fet_temp, 1, "°C"));
  SHOW_IF (p, STEVE_ODRIVE_MOTOR_TEMP, V_MOTOR_TEMP, format_fixed (st->motor_temp, 1, "°C"));
}

static void
show_can (SteveDiagnosticsPage *self,
          const SteveCanStatus *st)
{
  guint32 p = st->present;

  SHOW_IF (p, STEVE_CAN_TX_COUNT, V_CAN_TX, format_count (st->tx_count));
  SHOW_IF (p, STEVE_CAN_RX_COUNT, V_CAN_RX, format_count (st->rx_count));
  SHOW_IF (p, STEVE_CAN_ERROR_COUNT, V_CAN_ERRORS, format_count (st->error_count));
  SHOW_IF (p, STEVE_CAN_LAST_ERROR, V_CAN_LAST_ERROR,
           st->last_error ? g_strdup_printf ("0x%08X", st->last_error) : g_strdup (_("None")));
  if (p & STEVE_CAN_BUS_STATE)
    {
      const char *name = can_bus_state_name (st->bus_state);

      if (name)
        set_text (self, V_CAN_BUS_STATE, name);
      else
        take_text (self, V_CAN_BUS_STATE, g_strdup_printf (_("Unknown state %u"), st->bus_state));
    }
  else
    gtk_widget_set_visible (self->value_rows[V_CAN_BUS_STATE], FALSE);
  SHOW_IF (p, STEVE_CAN_ENCODER_POSITION, V_CAN_POSITION, format_fixed (st->encoder_position, 6, _("turns")));
  SHOW_IF (p, STEVE_CAN_ENCODER_VELOCITY, V_CAN_VELOCITY, format_fixed (st->encoder_velocity, 6, _("turns/s")));
}

static void
show_stream (SteveDiagnosticsPage   *self,
             const SteveStreamStats *st)
{
  guint32 p = st->present;

  SHOW_IF (p, STEVE_STREAM_STATS_ACTIVE, V_STREAM_ACTIVE,
           g_strdup (st->active ? _("Streaming") : _("Stopped")));
  SHOW_IF (p, STEVE_STREAM_STATS_CONNECTED_CLIENTS, V_STREAM_CLIENTS, format_count (st->connected_clients));
  SHOW_IF (p, STEVE_STREAM_STATS_DEFAULT_INTERVAL_MS, V_STREAM_INTERVAL,
           g_strdup_printf ("%u ms", st->default_interval_ms));
  SHOW_IF (p, STEVE_STREAM_STATS_MESSAGES_SENT, V_STREAM_SENT, format_count (st->messages_sent));
  SHOW_IF (p, STEVE_STREAM_STATS_SEND_ERRORS, V_STREAM_SEND_ERRORS, format_count (st->send_errors));
  SHOW_IF (p, STEVE_STREAM_STATS_INVALID_SAMPLES, V_STREAM_INVALID, format_count (st->invalid_samples));
  SHOW_IF (p, STEVE_STREAM_STATS_LAST_SEND_TICK_MS, V_STREAM_LAST_SEND,
           format_fixed (st->last_send_tick_ms / 1000.0, 3, "s"));
}

static void
refresh_link (SteveDiagnosticsPage *self)
{
  SteveStreamerStats stats = { 0 };
  SteveRttStats rtt = { 0 };

  if (self->client == NULL)
    return;

  steve_client_get_rtt_stats (self->client, &rtt);
  set_text (self, V_CLIENT_STATE, steve_client_state_to_string (steve_client_get_state (self->client)));
  set_text (self, V_REST_DIALECT, dialect_name (steve_client_get_dialect (self->client)));

  if (rtt.count > 0)
    {
      take_text (self, V_RTT_LAST, format_fixed (rtt.last_ms, 1, "ms"));
      take_text (self, V_RTT_MEAN, format_fixed (rtt.mean_ms, 1, "ms"));
      take_text (self, V_RTT_MAX, format_fixed (rtt.max_ms, 1, "ms"));
    }

  if (self->streamer == NULL)
    {
      set_text (self, V_STREAMER_STATE, steve_streamer_state_to_string (STEVE_STREAMER_STOPPED));
      return;
    }

  steve_streamer_get_stats (self->streamer, &stats);
  set_text (self, V_STREAMER_STATE, steve_streamer_state_to_string (steve_streamer_get_state (self->streamer)));
  set_text (self, V_STREAM_DIALECT, dialect_name (stats.dialect));
  take_text (self, V_LINK_INTERVAL, g_strdup_printf ("%u ms", stats.interval_ms ? stats.interval_ms
                                                                              : steve_streamer_get_interval (self->streamer)));
  take_text (self, V_RATE, format_fixed (stats.rate_hz, 1, "Hz"));
  take_text (self, V_SAMPLES, format_count (stats.samples));
  take_text (self, V_GAPS, format_count (stats.gaps + stats.reconnect_gaps));
  take_text (self, V_MISSING, format_count (stats.gap_samples + stats.reconnect_gap_samples));
  take_text (self, V_GAP_TIME, format_fixed (stats.gap_ms + stats.reconnect_gap_ms, 0, "ms"));
  take_text (self, V_RECONNECTIONS, format_count (stats.connections > 0 ? stats.connections - 1 : 0));
  take_text (self, V_REJECTED, format_count (stats.rejected_lines));
  take_text (self, V_DROPPED, format_count (stats.ui_dropped));
  if (stats.rtt_ms > 0)
    {
      g_autofree char *last = format_fixed (stats.rtt_ms, 1, "ms");
      g_autofree char *best = format_fixed (stats.rtt_min_ms, 1, "ms");

      /* Translators: last round trip, then the best one */
      take_text (self, V_SYNC_RTT, g_strdup_printf (_("%s (best %s)"), last, best));
    }
}

/* ------------------------------------------------------------------ performance */

static guint
current_window_seconds (SteveDiagnosticsPage *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->window_dropdown));

  return window_seconds[MIN (i, G_N_ELEMENTS (window_seconds) - 1)];
}

static void
show_performance (SteveDiagnosticsPage *self)
{
  Section *s = &self->sections[STEVE_DIAGNOSTICS_PERFORMANCE];
  g_autofree char *description = NULL;
  gboolean computed = self->has_perf && self->perf.computed;

  gtk_widget_set_visible (self->window_dropdown, !self->has_device_perf);

  if (!self->has_perf)
    description = g_strdup (_("Waiting for figures…"));
  else if (!computed)
    description = g_strdup (_("Reported by the device"));
  else if (self->perf_n == 0)
    description = g_strdup_printf (_("Computed from the telemetry stream: no samples in the last %u s yet"),
                                   current_window_seconds (self));
  else
    description = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "Computed from the telemetry stream: %u sample over the last %u s",
                                                "Computed from the telemetry stream: %u samples over the last %u s",
                                                self->perf_n),
                                   self->perf_n, current_window_seconds (self));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->performance_group), description);

  for (guint k = 0; k < STEVE_N_PERF; k++)
    {
      gboolean present = self->has_perf && (self->perf.present & (1u << k)) != 0;

      gtk_widget_set_visible (self->perf_rows[k], present);
      if (present)
        {
          g_autofree char *text = format_fixed (self->perf.values[k], steve_perf_key_decimals (k),
                                                perf_specs[k].unit);

          gtk_label_set_text (GTK_LABEL (self->perf_labels[k]), text);
        }
      /* computed figures are as fresh as the stream */
      if (s->stale && !computed)
        gtk_widget_add_css_class (self->perf_labels[k], "dim-label");
      else
        gtk_widget_remove_css_class (self->perf_labels[k], "dim-label");
    }
}

static void
compute_performance (SteveDiagnosticsPage *self)
{
  guint32 window_ms = current_window_seconds (self) * 1000;
  guint len = self->ring->len;
  guint start = len;

  if (len > 0)
    {
      const SteveSample *samples = (const SteveSample *) (gpointer) self->ring->data;
      guint32 newest = samples[len - 1].timestamp_ms;

      while (start > 0 && (guint32) (newest - samples[start - 1].timestamp_ms) < window_ms)
        start--;
    }

  self->perf_n = len - start;
  steve_performance_compute ((const SteveSample *) (gpointer) self->ring->data + start, self->perf_n, &self->perf);
  if (self->perf_n > 0)
    {
      self->perf_first_ms = g_array_index (self->ring, SteveSample, start).timestamp_ms;
      self->perf_last_ms = g_array_index (self->ring, SteveSample, len - 1).timestamp_ms;
    }
  else
    self->perf_first_ms = self->perf_last_ms = 0;
  self->has_perf = TRUE;
  show_performance (self);
}

static void
on_samples (SteveDiagnosticsPage *self,
            GArray               *batch)
{
  const SteveSample *samples = (const SteveSample *) (gpointer) batch->data;

  for (guint i = 0; i < batch->len; i++)
    {
      if (self->ring->len > 0)
        {
          const SteveSample *last = &g_array_index (self->ring, SteveSample, self->ring->len - 1);

          /* the device clock went back: it restarted; its old samples
           * would make a window of nonsense */
          if ((gint32) (samples[i].timestamp_ms - last->timestamp_ms) < 0)
            g_array_set_size (self->ring, 0);
        }
      g_array_append_val (self->ring, samples[i]);
    }

  if (self->ring->len > RING_SAMPLES + RING_SLACK)
    g_array_remove_range (self->ring, 0, self->ring->len - RING_SAMPLES);
}

static void
on_window_changed (SteveDiagnosticsPage *self)
{
  if (self->client != NULL && !self->has_device_perf)
    compute_performance (self);
}

/* ------------------------------------------------------------------ sections */

static void
update_section (SteveDiagnosticsPage    *self,
                SteveDiagnosticsSection  section)
{
  Section *s = &self->sections[section];

  if (s->error_row != NULL)
    {
      gtk_widget_set_visible (s->error_row, s->error != NULL);
      if (s->error != NULL)
        {
          g_autofree char *subtitle = NULL;

          /* the specific message is the title, where it reads best */
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (s->error_row), s->error);
          if (s->has_values && s->last_ok != NULL)
            {
              g_autofree char *when = g_date_time_format (s->last_ok, "%X");

              /* Translators: “Could not read the ODrive status. The values shown were read at 10:42:07.” */
              subtitle = g_strdup_printf (_("%s. The values shown were read at %s."), s->what, when);
            }
          else
            subtitle = g_strdup_printf (_("%s. Nothing was read yet."), s->what);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (s->error_row), subtitle);
        }
    }

  for (guint i = 0; i < N_VALUES; i++)
    if (value_specs[i].section == section)
      {
        if (s->stale)
          gtk_widget_add_css_class (self->value_labels[i], "dim-label");
        else
          gtk_widget_remove_css_class (self->value_labels[i], "dim-label");
      }

  if (section == STEVE_DIAGNOSTICS_PERFORMANCE)
    show_performance (self);
}

static void
update_time_label (SteveDiagnosticsPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = g_date_time_format (now, "%X");
  g_autofree char *text = NULL;

  /* Translators: %s is a time of day */
  text = g_strdup_printf (_("Figures refresh every second while this page is shown. Last read at %s."), when);
  gtk_label_set_text (GTK_LABEL (self->updated_label), text);
}

/* Records the end of a read; TRUE when it brought values. */
static gboolean
section_done (SteveDiagnosticsPage    *self,
              SteveDiagnosticsSection  section,
              const GError            *error)
{
  Section *s = &self->sections[section];
  gboolean manual = s->manual;

  s->pending = FALSE;
  s->manual = FALSE;
  s->n_reads++;

  if (error == NULL)
    {
      g_clear_pointer (&s->error, g_free);
      g_clear_pointer (&s->last_ok, g_date_time_unref);
      s->last_ok = g_date_time_new_now_local ();
      s->has_values = TRUE;
      s->stale = FALSE;
      update_section (self, section);
      update_time_label (self);
      return TRUE;
    }

  g_debug ("read of section %d failed: %s", section, error->message);
  g_free (s->error);
  s->error = g_strdup (error->message);
  s->stale = s->has_values;
  update_section (self, section);

  if (manual)
    {
      /* Translators: “Could not read the ODrive status: <reason>” */
      g_autofree char *message = g_strdup_printf (_("%s: %s"), s->what, error->message);

      steve_widget_show_toast (GTK_WIDGET (self), message);
    }
  return FALSE;
}

static void
odrive_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveOdriveStatus) status = steve_client_get_odrive_finish (STEVE_CLIENT (source), result, &error);
  SteveDiagnosticsPage *self;

  /* the session ended or the page went away: nothing to do */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = STEVE_DIAGNOSTICS_PAGE (user_data);
  if (section_done (self, STEVE_DIAGNOSTICS_ODRIVE, error))
    show_odrive (self, status);
}

static void
can_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveCanStatus) status = steve_client_get_can_finish (STEVE_CLIENT (source), result, &error);
  SteveDiagnosticsPage *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = STEVE_DIAGNOSTICS_PAGE (user_data);
  if (section_done (self, STEVE_DIAGNOSTICS_CAN, error))
    show_can (self, status);
}

static void
stream_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveStreamStats) stats = steve_client_get_stream_finish (STEVE_CLIENT (source), result, &error);
  SteveDiagnosticsPage *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = STEVE_DIAGNOSTICS_PAGE (user_data);
  if (section_done (self, STEVE_DIAGNOSTICS_STREAM, error))
    show_stream (self, stats);
}

static void
performance_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StevePerformance) perf = steve_client_get_performance_finish (STEVE_CLIENT (source), result, &error);
  SteveDiagnosticsPage *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = STEVE_DIAGNOSTICS_PAGE (user_data);

  if (g_error_matches (error, STEVE_ERROR, STEVE_ERROR_NOT_SUPPORTED))
    {
      /* not offered (404): not a failure, the stream stands in */
      Section *s = &self->sections[STEVE_DIAGNOSTICS_PERFORMANCE];

      s->pending = s->manual = FALSE;
      s->n_reads++;
      g_clear_pointer (&s->error, g_free);
      s->stale = FALSE;
      self->has_device_perf = FALSE;
      update_section (self, STEVE_DIAGNOSTICS_PERFORMANCE);
      compute_performance (self);
      return;
    }

  if (section_done (self, STEVE_DIAGNOSTICS_PERFORMANCE, error))
    {
      self->perf = *perf;
      self->perf.computed = FALSE;
      self->has_perf = TRUE;
      self->has_device_perf = TRUE;
      show_performance (self);
    }
  else if (!self->has_device_perf)
    {
      /* nothing from the device yet: show what the stream gives meanwhile */
      compute_performance (self);
    }
}

static void
request (SteveDiagnosticsPage    *self,
         SteveDiagnosticsSection  section,
         gboolean                 manual)
{
  Section *s = &self->sections[section];

  if (manual)
    s->manual = TRUE;
  if (s->pending)
    return;   /* never two of a kind in flight */
  s->pending = TRUE;

  switch (section)
    {
    case STEVE_DIAGNOSTICS_ODRIVE:
      steve_client_get_odrive_async (self->client, self->cancellable, odrive_cb, self);
      break;
    case STEVE_DIAGNOSTICS_CAN:
      steve_client_get_can_async (self->client, self->cancellable, can_cb, self);
      break;
    case STEVE_DIAGNOSTICS_STREAM:
      steve_client_get_stream_async (self->client, self->cancellable, stream_cb, self);
      break;
    case STEVE_DIAGNOSTICS_PERFORMANCE:
      steve_client_get_performance_async (self->client, self->cancellable, performance_cb, self);
      break;
    case STEVE_DIAGNOSTICS_LINK:
    default:
      g_assert_not_reached ();
    }
}

/* The device cannot be asked right now: what is shown gets old. */
static void
mark_unreachable (SteveDiagnosticsPage *self,
                  SteveClientState      state)
{
  for (guint i = 0; i < N_REMOTE_SECTIONS; i++)
    {
      Section *s = &self->sections[i];

      if (s->pending)
        continue;   /* its own answer will tell */
      g_free (s->error);
      s->error = g_strdup_printf (_("The device cannot be asked right now (%s)."),
                                  steve_client_state_to_string (state));
      s->stale = s->has_values;
      update_section (self, i);
    }
}

static void
refresh_remote (SteveDiagnosticsPage *self,
                gboolean              manual)
{
  SteveClientState state;

  if (self->client == NULL)
    return;

  state = steve_client_get_state (self->client);
  if (state != STEVE_CLIENT_CONNECTED)
    {
      mark_unreachable (self, state);
      if (!self->has_device_perf)
        compute_performance (self);
      return;
    }

  request (self, STEVE_DIAGNOSTICS_ODRIVE, manual);
  request (self, STEVE_DIAGNOSTICS_CAN, manual);
  request (self, STEVE_DIAGNOSTICS_STREAM, manual);

  if (steve_client_get_performance_support (self->client) == STEVE_FEATURE_NOT_OFFERED)
    {
      self->has_device_perf = FALSE;
      compute_performance (self);
    }
  else
    {
      request (self, STEVE_DIAGNOSTICS_PERFORMANCE, manual);
      /* until the device has answered, the stream fills in */
      if (!self->has_device_perf)
        compute_performance (self);
    }
}

/* ------------------------------------------------------------------ timers */

static gboolean
remote_tick (gpointer user_data)
{
  refresh_remote (STEVE_DIAGNOSTICS_PAGE (user_data), FALSE);
  return G_SOURCE_CONTINUE;
}

static gboolean
link_tick (gpointer user_data)
{
  refresh_link (STEVE_DIAGNOSTICS_PAGE (user_data));
  return G_SOURCE_CONTINUE;
}

static void
stop_timers (SteveDiagnosticsPage *self)
{
  g_clear_handle_id (&self->remote_source_id, g_source_remove);
  g_clear_handle_id (&self->link_source_id, g_source_remove);
}

/* Refreshes run only while the page is on screen and has a session. */
static void
update_timers (SteveDiagnosticsPage *self)
{
  gboolean run = self->client != NULL && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (!run)
    {
      stop_timers (self);
      return;
    }

  if (self->remote_source_id == 0)
    {
      self->remote_source_id = g_timeout_add (REMOTE_INTERVAL_MS, remote_tick, self);
      g_source_set_name_by_id (self->remote_source_id, "[steve] diagnostics refresh");
      refresh_remote (self, FALSE);
    }
  if (self->link_source_id == 0)
    {
      self->link_source_id = g_timeout_add (LINK_INTERVAL_MS, link_tick, self);
      g_source_set_name_by_id (self->link_source_id, "[steve] diagnostics link");
      refresh_link (self);
    }
}

static void
steve_diagnostics_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (steve_diagnostics_page_parent_class)->map (widget);
  update_timers (STEVE_DIAGNOSTICS_PAGE (widget));
}

static void
steve_diagnostics_page_unmap (GtkWidget *widget)
{
  stop_timers (STEVE_DIAGNOSTICS_PAGE (widget));
  GTK_WIDGET_CLASS (steve_diagnostics_page_parent_class)->unmap (widget);
}

/* ------------------------------------------------------------------ session */

static void
on_client_state (SteveDiagnosticsPage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    refresh_link (self);
}

static void
on_performance_support (SteveDiagnosticsPage *self)
{
  if (self->client != NULL &&
      steve_client_get_performance_support (self->client) == STEVE_FEATURE_NOT_OFFERED)
    {
      self->has_device_perf = FALSE;
      compute_performance (self);
    }
}

static void
on_streamer_state (SteveDiagnosticsPage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    refresh_link (self);
}

static void
reset_sections (SteveDiagnosticsPage *self)
{
  for (guint i = 0; i < STEVE_DIAGNOSTICS_N_SECTIONS; i++)
    {
      Section *s = &self->sections[i];

      g_clear_pointer (&s->error, g_free);
      g_clear_pointer (&s->last_ok, g_date_time_unref);
      s->pending = s->manual = s->has_values = s->stale = FALSE;
      s->n_reads = 0;
      if (s->error_row)
        gtk_widget_set_visible (s->error_row, FALSE);
    }
}

/**
 * steve_diagnostics_page_set_session:
 * @client: (nullable): the device's client, %NULL when the session ends
 * @streamer: (nullable): its telemetry
 *
 * Shows the diagnostics of a session, or the empty state.
 */
void
steve_diagnostics_page_set_session (SteveDiagnosticsPage *self,
                                    SteveClient          *client,
                                    SteveStreamer        *streamer)
{
  g_return_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self));
  g_return_if_fail (client == NULL || STEVE_IS_CLIENT (client));
  g_return_if_fail (streamer == NULL || STEVE_IS_STREAMER (streamer));

  if (client == self->client && streamer == self->streamer)
    return;

  stop_timers (self);
  /* replies still on their way belong to the old session */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_set_object (&self->client, client);
  g_set_object (&self->streamer, streamer);
  g_signal_group_set_target (self->client_signals, client);
  g_signal_group_set_target (self->streamer_signals, streamer);

  reset_sections (self);
  reset_values (self);
  g_array_set_size (self->ring, 0);
  memset (&self->perf, 0, sizeof self->perf);
  self->has_perf = self->has_device_perf = FALSE;
  self->perf_n = self->perf_first_ms = self->perf_last_ms = 0;
  show_performance (self);
  gtk_label_set_text (GTK_LABEL (self->updated_label),
                      _("Figures refresh every second while this page is shown."));

  gtk_stack_set_visible_child_name (self->stack, client ? "content" : "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "diagnostics.refresh", client != NULL);

  update_timers (self);
}

/**
 * steve_diagnostics_page_refresh:
 *
 * Reads everything now, as the Refresh button does. Failures also show
 * as toasts.
 */
void
steve_diagnostics_page_refresh (SteveDiagnosticsPage *self)
{
  g_return_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self));

  if (self->client == NULL)
    return;
  refresh_remote (self, TRUE);
  refresh_link (self);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  steve_diagnostics_page_refresh (STEVE_DIAGNOSTICS_PAGE (widget));
}

/* ------------------------------------------------------------------ getters */

gboolean
steve_diagnostics_page_is_refreshing (SteveDiagnosticsPage *self)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), FALSE);
  return self->remote_source_id != 0;
}

/**
 * steve_diagnostics_page_set_performance_window:
 * @seconds: 10, 30 or 60
 *
 * The window the client-side statistics are computed over.
 */
void
steve_diagnostics_page_set_performance_window (SteveDiagnosticsPage *self,
                                               guint                 seconds)
{
  g_return_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self));

  for (guint i = 0; i < G_N_ELEMENTS (window_seconds); i++)
    if (window_seconds[i] == seconds)
      {
        gtk_drop_down_set_selected (GTK_DROP_DOWN (self->window_dropdown), i);
        return;
      }
  g_critical ("%s: %u s is not one of the offered windows", G_STRFUNC, seconds);
}

guint
steve_diagnostics_page_get_performance_window (SteveDiagnosticsPage *self)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), 0);
  return current_window_seconds (self);
}

static GtkWidget *
find_label (SteveDiagnosticsPage *self,
            const char           *id,
            GtkWidget           **row)
{
  for (guint i = 0; i < N_VALUES; i++)
    if (g_str_equal (value_specs[i].id, id))
      {
        *row = self->value_rows[i];
        return self->value_labels[i];
      }

  if (g_str_has_prefix (id, "perf."))
    for (guint k = 0; k < STEVE_N_PERF; k++)
      if (g_str_equal (steve_perf_key_name (k), id + strlen ("perf.")))
        {
          *row = self->perf_rows[k];
          return self->perf_labels[k];
        }

  *row = NULL;
  return NULL;
}

/**
 * steve_diagnostics_page_get_value_text:
 * @id: "odrive.bus_voltage", "can.tx_count", "stream.messages_sent",
 *   "link.rate", "perf.pos_min_deg"… (group, then the protocol's key)
 *
 * Returns: (nullable): the text the value shows, %NULL when its row is
 *   hidden or @id is unknown
 */
const char *
steve_diagnostics_page_get_value_text (SteveDiagnosticsPage *self,
                                       const char           *id)
{
  GtkWidget *row, *label;

  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  label = find_label (self, id, &row);
  if (label == NULL || !gtk_widget_get_visible (row))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (label));
}

/**
 * steve_diagnostics_page_get_value_row:
 *
 * Returns: (nullable) (transfer none): the row showing @id
 */
GtkWidget *
steve_diagnostics_page_get_value_row (SteveDiagnosticsPage *self,
                                      const char           *id)
{
  GtkWidget *row;

  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  find_label (self, id, &row);
  return row;
}

/**
 * steve_diagnostics_page_get_section_error:
 *
 * Returns: (nullable): the message shown in the group, %NULL when its last
 *   read went well
 */
const char *
steve_diagnostics_page_get_section_error (SteveDiagnosticsPage    *self,
                                          SteveDiagnosticsSection  section)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), NULL);
  g_return_val_if_fail ((guint) section < STEVE_DIAGNOSTICS_N_SECTIONS, NULL);
  return self->sections[section].error;
}

/* The group shows values from before its last failed read. */
gboolean
steve_diagnostics_page_is_section_stale (SteveDiagnosticsPage    *self,
                                         SteveDiagnosticsSection  section)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), FALSE);
  g_return_val_if_fail ((guint) section < STEVE_DIAGNOSTICS_N_SECTIONS, FALSE);
  return self->sections[section].stale;
}

gboolean
steve_diagnostics_page_is_section_pending (SteveDiagnosticsPage    *self,
                                           SteveDiagnosticsSection  section)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), FALSE);
  g_return_val_if_fail ((guint) section < STEVE_DIAGNOSTICS_N_SECTIONS, FALSE);
  return self->sections[section].pending;
}

/* Reads of @section answered (well or not) in this session. */
guint
steve_diagnostics_page_get_n_reads (SteveDiagnosticsPage    *self,
                                    SteveDiagnosticsSection  section)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), 0);
  g_return_val_if_fail ((guint) section < STEVE_DIAGNOSTICS_N_SECTIONS, 0);
  return self->sections[section].n_reads;
}

/**
 * steve_diagnostics_page_get_performance:
 * @out: (out): the figures shown
 * @computed: (out) (optional): %TRUE when computed from the stream, %FALSE
 *   when reported by the device
 *
 * Returns: %FALSE when the page shows no figures yet
 */
gboolean
steve_diagnostics_page_get_performance (SteveDiagnosticsPage *self,
                                        StevePerformance     *out,
                                        gboolean             *computed)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  *out = self->perf;
  if (computed)
    *computed = self->perf.computed;
  return self->has_perf;
}

/**
 * steve_diagnostics_page_get_performance_span:
 *
 * The samples the computed figures shown come from: every sample received
 * with a device time from @first_timestamp_ms to @last_timestamp_ms.
 *
 * Returns: %FALSE when the figures shown are not computed, or from no sample
 */
gboolean
steve_diagnostics_page_get_performance_span (SteveDiagnosticsPage *self,
                                             guint32              *first_timestamp_ms,
                                             guint32              *last_timestamp_ms,
                                             guint                *n_samples)
{
  g_return_val_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self), FALSE);

  if (first_timestamp_ms)
    *first_timestamp_ms = self->perf_first_ms;
  if (last_timestamp_ms)
    *last_timestamp_ms = self->perf_last_ms;
  if (n_samples)
    *n_samples = self->perf_n;
  return self->has_perf && self->perf.computed && self->perf_n > 0;
}

/* ------------------------------------------------------------------ building */

static GtkWidget *
add_row (GtkWidget   *group,
         const char  *title,
         const char  *tooltip,
         GtkWidget  **label_out)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new ("—");

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (tooltip)
    gtk_widget_set_tooltip_text (row, tooltip);

  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "numeric");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  *label_out = label;
  return row;
}

static void
steve_diagnostics_page_dispose (GObject *object)
{
  SteveDiagnosticsPage *self = STEVE_DIAGNOSTICS_PAGE (object);

  stop_timers (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->client_signals)
    g_signal_group_set_target (self->client_signals, NULL);
  if (self->streamer_signals)
    g_signal_group_set_target (self->streamer_signals, NULL);
  g_clear_object (&self->client_signals);
  g_clear_object (&self->streamer_signals);
  g_clear_object (&self->client);
  g_clear_object (&self->streamer);

  /* the stack is both the bin's child and a template child: let the bin
   * drop it first, or the template would unparent it behind its back */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_DIAGNOSTICS_PAGE);

  G_OBJECT_CLASS (steve_diagnostics_page_parent_class)->dispose (object);
}

static void
steve_diagnostics_page_finalize (GObject *object)
{
  SteveDiagnosticsPage *self = STEVE_DIAGNOSTICS_PAGE (object);

  for (guint i = 0; i < STEVE_DIAGNOSTICS_N_SECTIONS; i++)
    {
      g_clear_pointer (&self->sections[i].error, g_free);
      g_clear_pointer (&self->sections[i].last_ok, g_date_time_unref);
      g_clear_pointer (&self->sections[i].what, g_free);
    }
  g_clear_pointer (&self->ring, g_array_unref);

  G_OBJECT_CLASS (steve_diagnostics_page_parent_class)->finalize (object);
}

static void
steve_diagnostics_page_class_init (SteveDiagnosticsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  steve_app_ensure_resources ();

  object_class->dispose = steve_diagnostics_page_dispose;
  object_class->finalize = steve_diagnostics_page_finalize;
  widget_class->map = steve_diagnostics_page_map;
  widget_class->unmap = steve_diagnostics_page_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-diagnostics-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, updated_label);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, odrive_group);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, can_group);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, stream_group);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, link_group);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, performance_group);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, odrive_error_row);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, can_error_row);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, stream_error_row);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, performance_error_row);
  gtk_widget_class_bind_template_child (widget_class, SteveDiagnosticsPage, window_dropdown);

  gtk_widget_class_install_action (widget_class, "diagnostics.refresh", NULL, refresh_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "diagnostics.refresh", NULL);
}

static void
steve_diagnostics_page_init (SteveDiagnosticsPage *self)
{
  GtkWidget *groups[STEVE_DIAGNOSTICS_N_SECTIONS];

  gtk_widget_init_template (GTK_WIDGET (self));

  groups[STEVE_DIAGNOSTICS_ODRIVE] = self->odrive_group;
  groups[STEVE_DIAGNOSTICS_CAN] = self->can_group;
  groups[STEVE_DIAGNOSTICS_STREAM] = self->stream_group;
  groups[STEVE_DIAGNOSTICS_PERFORMANCE] = self->performance_group;
  groups[STEVE_DIAGNOSTICS_LINK] = self->link_group;

  self->sections[STEVE_DIAGNOSTICS_ODRIVE].error_row = self->odrive_error_row;
  self->sections[STEVE_DIAGNOSTICS_CAN].error_row = self->can_error_row;
  self->sections[STEVE_DIAGNOSTICS_STREAM].error_row = self->stream_error_row;
  self->sections[STEVE_DIAGNOSTICS_PERFORMANCE].error_row = self->performance_error_row;
  for (guint i = 0; i < N_REMOTE_SECTIONS; i++)
    {
      AdwPreferencesRow *row = ADW_PREFERENCES_ROW (self->sections[i].error_row);

      self->sections[i].what = g_strdup (adw_preferences_row_get_title (row));
    }

  for (guint i = 0; i < N_VALUES; i++)
    self->value_rows[i] = add_row (groups[value_specs[i].section], _(value_specs[i].title),
                                   _(value_specs[i].tooltip), &self->value_labels[i]);

  /* a list of error names can be long: it wraps, the figures do not */
  gtk_label_set_wrap (GTK_LABEL (self->value_labels[V_AXIS_ERROR]), TRUE);
  gtk_label_set_width_chars (GTK_LABEL (self->value_labels[V_AXIS_ERROR]), 24);
  gtk_label_set_max_width_chars (GTK_LABEL (self->value_labels[V_AXIS_ERROR]), 44);

  for (guint k = 0; k < STEVE_N_PERF; k++)
    self->perf_rows[k] = add_row (self->performance_group, _(perf_specs[k].title), NULL,
                                  &self->perf_labels[k]);

  g_signal_connect_swapped (self->window_dropdown, "notify::selected", G_CALLBACK (on_window_changed), self);

  self->ring = g_array_sized_new (FALSE, FALSE, sizeof (SteveSample), RING_SAMPLES + RING_SLACK);
  self->cancellable = g_cancellable_new ();

  self->client_signals = g_signal_group_new (STEVE_TYPE_CLIENT);
  g_signal_group_connect_swapped (self->client_signals, "notify::state", G_CALLBACK (on_client_state), self);
  g_signal_group_connect_swapped (self->client_signals, "notify::performance-support",
                                  G_CALLBACK (on_performance_support), self);

  self->streamer_signals = g_signal_group_new (STEVE_TYPE_STREAMER);
  g_signal_group_connect_swapped (self->streamer_signals, "samples", G_CALLBACK (on_samples), self);
  g_signal_group_connect_swapped (self->streamer_signals, "notify::state", G_CALLBACK (on_streamer_state), self);

  reset_values (self);
  show_performance (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "diagnostics.refresh", FALSE);
}

GtkWidget *
steve_diagnostics_page_new (void)
{
  return g_object_new (STEVE_TYPE_DIAGNOSTICS_PAGE, NULL);
}
