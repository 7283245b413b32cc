/* steve-chart.c — the live telemetry chart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawing model (after Sysprof's charts): the history is decimated to one
 * SteveColumn per device-pixel column; a dense column is drawn as a
 * vertical min–max bar, written as pixels (SteveBarRaster; rectangles in a
 * vector export), and the few lines that bridge empty columns are stroked,
 * so a frame never holds more than ~2 points per column. Four nodes are
 * cached and reused while their inputs are unchanged:
 *
 *   frame   lane backgrounds, horizontal grid, y labels, titles
 *           (size, colours, y ranges)
 *   time    vertical grid, ticks and time labels, built for three window
 *           widths around the view and translated while the view scrolls
 *           at a constant zoom
 *   data    the series and the markers (view, data, y ranges)
 *   legend  min/max/mean per series (refreshed at most 4× a second while
 *           following live)
 *
 * Only the cursor overlay is drawn every frame. History changes only set a
 * flag; a tick callback decides once per frame whether they are visible
 * and queues one redraw.
 */
#define G_LOG_DOMAIN "steve-chart"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "steve-bar-raster.h"
#include "steve-chart-private.h"
#include "steve-plot-enums.h"
#include "steve-plot-private.h"

#define PAD_TOP               4.0
#define PAD_RIGHT             16.0
#define LANE_GAP              8.0
#define TICK_LEN              4.0
#define LINE_WIDTH            1.5
#define LABEL_GAP             6.0
#define MIN_TIME_LABEL_PX     96.0
#define MIN_Y_TICK_PX         28.0
#define MARKER_HIT_PX         5.0
#define LEGEND_INTERVAL_US    (G_USEC_PER_SEC / 4)
#define ZOOM_STEP             1.5
#define PAN_STEP              0.2
#define DEFAULT_WINDOW        10.0

typedef enum
{
  LANE_POSITION,
  LANE_VELOCITY,
  LANE_TORQUE,
  LANE_PASSIVITY,
  N_LANES
} Lane;

typedef struct
{
  const char   *title;       /* N_() */
  SteveChannel  channels[2];
  guint         n_channels;
  double        min_span;    /* in stored units */
} LaneInfo;

static const LaneInfo lane_info[N_LANES] = {
  [LANE_POSITION] = { N_("Position"), { STEVE_CHANNEL_POSITION }, 1, 1.0 },
  [LANE_VELOCITY] = { N_("Velocity"), { STEVE_CHANNEL_VELOCITY }, 1, 0.1 },
  [LANE_TORQUE] = { N_("Torque"), { STEVE_CHANNEL_TORQUE, STEVE_CHANNEL_FILT_TORQUE }, 2, 0.02 },
  [LANE_PASSIVITY] = { N_("Passivity energy"), { STEVE_CHANNEL_PASSIVITY }, 1, 0.002 },
};

typedef struct
{
  graphene_rect_t header;
  graphene_rect_t plot;
  SteveAutoscale  scale;
  double          data_min;   /* display units; min > max: no data */
  double          data_max;
} LaneState;

typedef struct
{
  int      width;
  int      height;
  int      scale;
  guint    lanes_mask;
  gboolean markers_row;
  guint64  style_serial;
  /* derived */
  double   plot_x;
  double   plot_w;
  double   lanes_top;
  double   lanes_bottom;
  double   axis_y;
  double   label_h;
  guint    n_columns;
} Geometry;

typedef struct
{
  guint64 geometry_serial;
  GdkRGBA fg;
  double  ymin[N_LANES];
  double  ymax[N_LANES];
  double  ystep[N_LANES];
  int     unit;
} FrameKey;

typedef struct
{
  guint64 geometry_serial;
  GdkRGBA fg;
  double  pps;
  double  step;
} TimeKey;

typedef struct
{
  guint64  geometry_serial;
  GdkRGBA  fg;
  double   t0;
  double   t1;
  guint64  data_serial;
  double   ymin[N_LANES];
  double   ymax[N_LANES];
  guint    visible;
  int      unit;
  double   dpt;
  gboolean vector;
} DataKey;

/* A marker's tag as drawn last, for its tooltip. */
typedef struct
{
  graphene_rect_t rect;
  double          time;   /* of the markers it stands for */
} MarkerTag;

/* The line of a series from the last sample before the view, or to the
 * first one after it, so that a view between two samples (a long stream
 * interval, a deep zoom) still shows the line that crosses it. */
typedef struct
{
  gboolean on;
  double   x;      /* the sample outside, in columns of the view (column c
                    * spans [c, c + 1)) */
  float    v;      /* its value */
  float    edge;   /* the line's value where it crosses the view's edge */
} EdgeLine;

enum { EDGE_BEFORE, EDGE_AFTER };  /* the two edge lines of a series */

typedef struct
{
  double         t;
  double         half_width;
  GskRenderNode *node;
} TimeLabel;

typedef enum
{
  CURSOR_NONE,
  CURSOR_POINTER,
  CURSOR_TIME,
} CursorMode;

struct _SteveChart
{
  GtkWidget          parent_instance;

  SteveHistory      *history;
  gulong             history_changed_id;

  double             window;
  gboolean           paused;
  gboolean           following;
  double             view_t0;        /* the view while not following */
  double             view_t1;
  StevePositionUnit  position_unit;
  double             degrees_per_turn;
  guint              visible_channels;

  /* History changes, processed once per frame */
  guint              tick_id;
  gboolean           history_dirty;
  guint64            data_serial;
  gboolean           seen_valid;
  double             seen_t0;
  double             seen_t1;
  guint              seen_n;
  guint              seen_n_markers;
  gint64             seen_origin;

  /* Interaction */
  double             pointer_x;
  double             pointer_y;
  CursorMode         cursor_mode;
  double             cursor_t;
  double             drag_t0;
  double             drag_t1;
  gboolean           dragging;
  double             pinch_t0;
  double             pinch_t1;
  double             pinch_anchor;

  /* Layout and scales */
  Geometry           geo;
  guint64            geometry_serial;
  guint64            style_serial;
  LaneState          lanes[N_LANES];
  gboolean           snap_scales;

  /* Decimation */
  SteveColumn       *columns;          /* STEVE_N_CHANNELS × columns_alloc */
  guint              columns_alloc;
  gboolean           dec_valid;
  double             dec_a;            /* columns dec_c0 … dec_c0 + dec_n_columns − 1 */
  double             dec_b;            /* of the decimation (dec_a, dec_b, dec_m) */
  guint              dec_m;
  gint64             dec_c0;
  guint              dec_n_columns;
  guint              dec_n_computed;   /* columns decimated per channel since the last
                                        * steve_chart_take_n_decimated_columns() */
  gboolean           grid_valid;       /* the column grid (column_grid()) */
  double             grid_a;
  double             grid_span;
  guint              grid_n;
  guint64            dec_serial;
  guint              dec_channels;
  guint              dec_n_samples;
  double             dec_d0;
  double             dec_d1;
  gint64             dec_origin;
  EdgeLine           edges[STEVE_N_CHANNELS][2];  /* EDGE_BEFORE, EDGE_AFTER */
  GArray            *segments[STEVE_N_CHANNELS];  /* double x0, y0, x1, y1 */
  gboolean           vector_output;    /* bars as rectangles, not pixels */
  SteveBarRaster    *raster;
  float             *bar_top;          /* per column, device pixels */
  float             *bar_bot;

  /* Cached nodes */
  GskRenderNode     *frame_node;
  FrameKey           frame_key;
  GskRenderNode     *grid_node;
  GArray            *time_labels;      /* TimeLabel */
  TimeKey            time_key;
  double             time_ref;
  double             time_c0;
  double             time_c1;
  double             last_pps;
  GskRenderNode     *data_node;
  DataKey            data_key;
  GArray            *tags;             /* MarkerTag, of data_node */
  GskRenderNode     *legend_node;
  DataKey            legend_key;
  gint64             legend_time;
  char              *legend_text[STEVE_N_CHANNELS];

  /* Shaped labels ("0.5", "1:20", titles…) by role + text, reused by every
   * rebuild of the nodes; emptied when the style changes. */
  GHashTable        *text_cache;
  GdkRGBA            text_cache_fg;
  guint64            text_cache_style;

  guint              redraw_source;
  gint64             redraw_when;
};

typedef struct
{
  GskRenderNode *node;
  int            width;
  int            height;
} CachedText;

enum {
  PROP_0,
  PROP_HISTORY,
  PROP_WINDOW,
  PROP_PAUSED,
  PROP_FOLLOWING,
  PROP_POSITION_UNIT,
  PROP_DEGREES_PER_TURN,
  PROP_VISIBLE_CHANNELS,
  N_PROPS
};

enum {
  VIEW_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SteveChart, steve_chart, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------ helpers */

static inline gboolean
channel_shown (SteveChart   *self,
               SteveChannel  channel)
{
  return (self->visible_channels & STEVE_CHANNEL_BIT (channel)) != 0;
}

static guint
visible_lanes (SteveChart *self)
{
  guint mask = 0;

  for (guint l = 0; l < N_LANES; l++)
    for (guint i = 0; i < lane_info[l].n_channels; i++)
      if (channel_shown (self, lane_info[l].channels[i]))
        mask |= 1u << l;

  return mask;
}

static inline double
display_factor (SteveChart   *self,
                SteveChannel  channel)
{
  if (channel == STEVE_CHANNEL_POSITION && self->position_unit == STEVE_POSITION_UNIT_TURNS)
    return 1.0 / self->degrees_per_turn;
  return 1.0;
}

static const char *
display_unit (SteveChart   *self,
              SteveChannel  channel)
{
  if (channel == STEVE_CHANNEL_POSITION && self->position_unit == STEVE_POSITION_UNIT_TURNS)
    return _("turns");
  return steve_channel_get_unit (channel);
}

/* Read-out precision: the protocol's, one more digit for turns. */
static int
display_decimals (SteveChart   *self,
                  SteveChannel  channel)
{
  switch (channel)
    {
    case STEVE_CHANNEL_POSITION:
      return self->position_unit == STEVE_POSITION_UNIT_TURNS ? 4 : 2;
    case STEVE_CHANNEL_VELOCITY:
    case STEVE_CHANNEL_TORQUE:
    case STEVE_CHANNEL_FILT_TORQUE:
    case STEVE_CHANNEL_PASSIVITY:
    case STEVE_N_CHANNELS:
    default:
      return 3;
    }
}

static inline double
lane_y (const LaneState *l,
        double           v)
{
  return l->plot.origin.y + l->plot.size.height -
         (v - l->scale.min) / (l->scale.max - l->scale.min) * l->plot.size.height;
}

static void
cached_text_free (gpointer data)
{
  CachedText *ct = data;

  gsk_render_node_unref (ct->node);
  g_free (ct);
}

/* The text node of @text drawn with @layout's font in @color at (0, 0);
 * @role tells apart the same text in different fonts or colours. */
static const CachedText *
lookup_text (SteveChart    *self,
             PangoLayout   *layout,
             char           role,
             const char    *text,
             const GdkRGBA *color)
{
  g_autofree char *key = g_strdup_printf ("%c%s", role, text);
  CachedText *ct = g_hash_table_lookup (self->text_cache, key);
  GtkSnapshot *snapshot;

  if (ct != NULL)
    return ct;

  /* Numbers of a live legend come and go: keep the cache bounded. */
  if (g_hash_table_size (self->text_cache) > 1024)
    g_hash_table_remove_all (self->text_cache);

  ct = g_new0 (CachedText, 1);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &ct->width, &ct->height);
  snapshot = gtk_snapshot_new ();
  gtk_snapshot_append_layout (snapshot, layout, color);
  ct->node = gtk_snapshot_free_to_node (snapshot);
  if (ct->node == NULL)
    ct->node = gsk_container_node_new (NULL, 0);
  g_hash_table_insert (self->text_cache, g_steal_pointer (&key), ct);

  return ct;
}

/* append_text() through the cache; returns the width. */
static double
append_cached_text (SteveChart    *self,
                    GtkSnapshot   *snapshot,
                    PangoLayout   *layout,
                    char           role,
                    const char    *text,
                    double         x,
                    double         y,
                    double         xalign,
                    double         yalign,
                    const GdkRGBA *color)
{
  const CachedText *ct = lookup_text (self, layout, role, text, color);
  int scale = self->geo.scale;

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (steve_plot_snap (x - ct->width * xalign, scale),
                                                steve_plot_snap (y - ct->height * yalign, scale)));
  gtk_snapshot_append_node (snapshot, ct->node);
  gtk_snapshot_restore (snapshot);

  return ct->width;
}

static void
append_rounded (GtkSnapshot           *snapshot,
                const graphene_rect_t *rect,
                float                  radius,
                const GdkRGBA         *color)
{
  GskRoundedRect rr;

  gsk_rounded_rect_init_from_rect (&rr, rect, radius);
  gtk_snapshot_push_rounded_clip (snapshot, &rr);
  gtk_snapshot_append_color (snapshot, color, rect);
  gtk_snapshot_pop (snapshot);
}

static gboolean
redraw_cb (gpointer data)
{
  SteveChart *self = data;

  self->redraw_source = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));

  return G_SOURCE_REMOVE;
}

/* A redraw in @ms without new data (legend refresh, autoscale hold); the
 * earliest request wins, the next snapshot asks again for what it needs. */
static void
schedule_redraw (SteveChart *self,
                 guint       ms)
{
  gint64 when = g_get_monotonic_time () + (gint64) ms * 1000;

  if (self->redraw_source != 0 && self->redraw_when <= when)
    return;

  g_clear_handle_id (&self->redraw_source, g_source_remove);
  self->redraw_source = g_timeout_add (ms, redraw_cb, self);
  self->redraw_when = when;
}

static void
clear_nodes (SteveChart *self)
{
  g_clear_pointer (&self->frame_node, gsk_render_node_unref);
  g_clear_pointer (&self->grid_node, gsk_render_node_unref);
  if (self->time_labels != NULL)
    g_array_set_size (self->time_labels, 0);
  g_clear_pointer (&self->data_node, gsk_render_node_unref);
  g_clear_pointer (&self->legend_node, gsk_render_node_unref);
}

static void
time_label_clear (gpointer data)
{
  TimeLabel *label = data;

  g_clear_pointer (&label->node, gsk_render_node_unref);
}

void
steve_chart_invalidate_caches (SteveChart *self)
{
  g_return_if_fail (STEVE_IS_CHART (self));

  clear_nodes (self);
  self->dec_valid = FALSE;
  self->last_pps = 0.0;
  steve_bar_raster_redraw_all (self->raster);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
steve_chart_take_n_decimated_columns (SteveChart *self)
{
  guint n;

  g_return_val_if_fail (STEVE_IS_CHART (self), 0);

  n = self->dec_n_computed;
  self->dec_n_computed = 0;
  return n;
}

const SteveColumn *
steve_chart_get_columns (SteveChart   *self,
                         SteveChannel  channel,
                         guint        *n_columns)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), NULL);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, NULL);
  g_return_val_if_fail (n_columns != NULL, NULL);

  *n_columns = 0;
  if (!self->dec_valid || !(self->dec_channels & STEVE_CHANNEL_BIT (channel)))
    return NULL;

  *n_columns = self->dec_n_columns;
  return self->columns + (gsize) channel * self->columns_alloc;
}

/* ------------------------------------------------------------ view */

static void
compute_view (SteveChart *self,
              double     *t0,
              double     *t1)
{
  double d0 = 0.0, d1 = 0.0;
  gboolean has_data;

  if (!self->following)
    {
      *t0 = self->view_t0;
      *t1 = self->view_t1;
      return;
    }

  has_data = self->history != NULL && steve_history_get_time_range (self->history, &d0, &d1);

  if (self->window > 0.0)
    {
      *t1 = has_data ? d1 : 0.0;
      *t0 = *t1 - self->window;
    }
  else if (has_data)
    {
      /* "All": the right edge moves in steps of ~1/64 of the span, so the
       * axes (and their cached nodes) stay still between steps. */
      double span = MAX (d1 - d0, 1.0);
      double q = steve_plot_nice_step (span / 64.0);

      *t0 = d0;
      *t1 = d0 + MAX (ceil ((d1 - d0) / q - 1e-9) * q, 1.0);
    }
  else
    {
      *t0 = 0.0;
      *t1 = DEFAULT_WINDOW;
    }
}

static void
update_actions (SteveChart *self)
{
  double t0, t1;

  compute_view (self, &t0, &t1);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.follow", !self->following);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.zoom-in", t1 - t0 > STEVE_CHART_MIN_SPAN * 1.0001);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chart.zoom-out", t1 - t0 < STEVE_CHART_MAX_SPAN * 0.9999);
}

static void
set_following (SteveChart *self,
               gboolean    following)
{
  if (self->following == following)
    return;

  self->following = following;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLLOWING]);
}

static void
view_changed (SteveChart *self)
{
  self->snap_scales = TRUE;
  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[VIEW_CHANGED], 0);
}

/* Sets a frozen view, kept overlapping the data. */
static void
set_frozen_view (SteveChart *self,
                 double      t0,
                 double      t1)
{
  double d0, d1, span;

  span = CLAMP (t1 - t0, STEVE_CHART_MIN_SPAN, STEVE_CHART_MAX_SPAN);
  if (!isfinite (t0))
    t0 = 0.0;
  t1 = t0 + span;

  if (self->history != NULL && steve_history_get_time_range (self->history, &d0, &d1))
    {
      /* At least a tenth of the view shows recorded time. */
      if (t0 > d1 - span * 0.1)
        t0 = d1 - span * 0.1;
      if (t0 + span < d0 + span * 0.1)
        t0 = d0 + span * 0.1 - span;
      t1 = t0 + span;
    }

  self->view_t0 = t0;
  self->view_t1 = t1;
  set_following (self, FALSE);
  view_changed (self);
}

/* ------------------------------------------------------------ history */

static gboolean
process_history_change (SteveChart *self)
{
  double d0 = 0.0, d1 = 0.0, pad;
  guint n = 0, n_markers = 0;
  gint64 origin = 0;
  gboolean visible;

  self->history_dirty = FALSE;

  if (self->history != NULL)
    {
      steve_history_get_time_range (self->history, &d0, &d1);
      n = steve_history_get_n_samples (self->history);
      n_markers = steve_history_get_n_markers (self->history);
      origin = steve_history_get_origin_us (self->history);
    }

  /* A frozen view's columns come from its grid (column_grid()) and reach
   * up to half a column past either end of the view. */
  pad = self->geo.n_columns > 0 ? (self->view_t1 - self->view_t0) / self->geo.n_columns : 0.0;

  if (self->following || !self->seen_valid)
    visible = TRUE;
  else if (n < self->seen_n || n_markers != self->seen_n_markers || origin != self->seen_origin)
    visible = TRUE;
  else
    visible = (n != self->seen_n && self->view_t1 + pad >= self->seen_t1) ||
              (d0 != self->seen_t0 && self->view_t0 - pad <= d0);

  self->seen_valid = TRUE;
  self->seen_t0 = d0;
  self->seen_t1 = d1;
  self->seen_n = n;
  self->seen_n_markers = n_markers;
  self->seen_origin = origin;

  if (visible)
    self->data_serial++;

  return visible;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  SteveChart *self = STEVE_CHART (widget);

  self->tick_id = 0;

  if (self->history_dirty && process_history_change (self))
    {
      gtk_widget_queue_draw (widget);
      if (self->following)
        {
          update_actions (self);
          g_signal_emit (self, signals[VIEW_CHANGED], 0);
        }
    }

  return G_SOURCE_REMOVE;
}

static void
on_history_changed (SteveChart *self)
{
  self->history_dirty = TRUE;
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

/* ------------------------------------------------------------ layout */

static gboolean
ensure_geometry (SteveChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  Geometry *g = &self->geo;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = MAX (1, gtk_widget_get_scale_factor (widget));
  guint lanes_mask = visible_lanes (self);
  gboolean markers_row = self->history != NULL && steve_history_get_n_markers (self->history) > 0;
  g_autoptr(PangoLayout) layout = NULL;
  double margin_left, header_h, bottom, avail, lane_h, y;
  guint n_lanes = 0;
  int w, h;

  if (g->width == width && g->height == height && g->scale == scale &&
      g->lanes_mask == lanes_mask && g->markers_row == markers_row &&
      g->style_serial == self->style_serial)
    return width > 0 && height > 0;

  g->width = width;
  g->height = height;
  g->scale = scale;
  g->lanes_mask = lanes_mask;
  g->markers_row = markers_row;
  g->style_serial = self->style_serial;
  self->geometry_serial++;

  if (width <= 0 || height <= 0)
    return FALSE;

  layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  pango_layout_set_text (layout, "−8888.888", -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  g->label_h = h;

  margin_left = w + LABEL_GAP + 4;
  header_h = h + 6;
  bottom = TICK_LEN + h + 4 + (markers_row ? h + 10 : 0);

  for (guint l = 0; l < N_LANES; l++)
    if (lanes_mask & (1u << l))
      n_lanes++;

  g->plot_x = steve_plot_snap (margin_left, scale);
  g->plot_w = MAX (1.0, floor ((width - g->plot_x - PAD_RIGHT) * scale) / scale);
  g->n_columns = (guint) MAX (1.0, round (g->plot_w * scale));

  avail = height - PAD_TOP - bottom - n_lanes * header_h - (n_lanes > 1 ? (n_lanes - 1) * LANE_GAP : 0);
  lane_h = n_lanes > 0 ? MAX (8.0, avail / n_lanes) : 0.0;

  y = PAD_TOP;
  g->lanes_top = PAD_TOP + (n_lanes > 0 ? header_h : 0);
  for (guint l = 0; l < N_LANES; l++)
    {
      LaneState *ls = &self->lanes[l];
      double top, bot;

      if (!(lanes_mask & (1u << l)))
        continue;

      ls->header = GRAPHENE_RECT_INIT (g->plot_x, y, g->plot_w, header_h);
      y += header_h;
      top = steve_plot_snap (y, scale);
      bot = steve_plot_snap (y + lane_h, scale);
      ls->plot = GRAPHENE_RECT_INIT (g->plot_x, top, g->plot_w, MAX (bot - top, 1.0 / scale));
      y += lane_h + LANE_GAP;
      g->lanes_bottom = bot;
    }
  if (n_lanes == 0)
    g->lanes_bottom = steve_plot_snap (height - bottom, scale);
  g->axis_y = g->lanes_bottom;

  return TRUE;
}

/* ------------------------------------------------------------ data */

/* Views are decimated on a grid of columns that stays put while the span
 * and the width do: 2 × GRID_HALF columns of the view's width, centred
 * where the span was set. A view dragged sideways, or following the
 * stream in a window of fixed length, then shows columns it already has,
 * moved, and only the columns that come into view are decimated (and the
 * bar raster rewrites only those). A frozen view is drawn from the grid
 * column nearest to its start, so the data sit at most half a device
 * pixel from where the view's own columns would put them; a following
 * view ends with the column that holds the newest sample, so the data sit
 * less than a pixel to the left. Axes, markers and the cursor keep the
 * exact view. The "all" window decimates its own range, exactly: its
 * columns stay put between the steps of its right edge anyway. */
#define GRID_HALF (1u << 24)

static void
column_grid (SteveChart *self,
             double      t0,
             double      t1,
             guint       n,
             double     *a,
             double     *b,
             guint      *m,
             gint64     *c0)
{
  double k;

  if (self->following && self->window <= 0.0)
    {
      /* "all": its columns stay put between the steps of its right edge */
      self->grid_valid = FALSE;
      *a = t0;
      *b = t1;
      *m = n;
      *c0 = 0;
      return;
    }

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      /* a drag keeps the span, give or take the rounding of t0 + δ and
       * t1 + δ: that much of a difference keeps the grid */
      if (!self->grid_valid || self->grid_n != n ||
          fabs ((t1 - t0) - self->grid_span) > 1e-9 * self->grid_span)
        {
          k = n / (t1 - t0);
          self->grid_valid = TRUE;
          self->grid_span = t1 - t0;
          self->grid_n = n;
          self->grid_a = t0 - GRID_HALF / k;
        }

      *a = self->grid_a;
      *b = self->grid_a + 2.0 * GRID_HALF * self->grid_span / self->grid_n;
      *m = 2 * GRID_HALF;
      if (self->following)
        /* the newest sample (t1) in the last column */
        *c0 = steve_history_column_of (t1, *a, *b, *m) + 1 - (gint64) n;
      else
        /* the same factor as the history's column function */
        *c0 = (gint64) floor ((t0 - *a) * (*m / (*b - *a)) + 0.5);
      if (*c0 >= 0 && *c0 + n <= *m)
        return;

      /* dragged half a grid away: a new grid around the view */
      self->grid_valid = FALSE;
    }

  g_assert_not_reached ();
}

/* The line between samples @i − 1 and @i of @channel, where one of them
 * (@i − 1 when @before) lies outside view columns [0, @n) = columns @c0 …
 * of the decimation (@a, @k columns a second): where that one is, in view
 * columns, and the line's value at the view's edge @t_edge. Off across a
 * gap, where a value is not known, or when the sample is not outside. */
static EdgeLine
edge_line (SteveHistory *h,
           guint         i,
           SteveChannel  channel,
           gboolean      before,
           double        a,
           double        k,
           gint64        c0,
           guint         n,
           double        t_edge)
{
  EdgeLine line = { 0, };
  double t0, t1, x;
  float v0, v1;

  if (i == 0 || i >= steve_history_get_n_samples (h) || steve_history_is_gap_before (h, i))
    return line;

  t0 = steve_history_get_time (h, i - 1);
  t1 = steve_history_get_time (h, i);
  v0 = steve_history_get_value (h, i - 1, channel);
  v1 = steve_history_get_value (h, i, channel);
  x = ((before ? t0 : t1) - a) * k - c0;
  if (!isfinite (v0) || !isfinite (v1) || !(t1 > t0) || (before ? x >= 0.0 : x < (double) n))
    return line;

  line.on = TRUE;
  line.x = x;
  line.v = before ? v0 : v1;
  line.edge = v0 + (v1 - v0) * (float) CLAMP ((t_edge - t0) / (t1 - t0), 0.0, 1.0);
  return line;
}

/* The edge lines of every channel for view columns [0, n) = grid columns
 * [c0, c0 + n). Returns whether they changed. */
static gboolean
update_edges (SteveChart *self,
              double      a,
              double      b,
              guint       m,
              gint64      c0,
              guint       n)
{
  EdgeLine edges[STEVE_N_CHANNELS][2] = { { { 0, } } };
  SteveHistory *h = self->history;
  double k = m / (b - a);
  gboolean changed;

  if (h != NULL && steve_history_get_n_samples (h) >= 2)
    {
      guint first = steve_history_first_in_column (h, c0, a, b, m);
      guint after = steve_history_first_in_column (h, c0 + n, a, b, m);

      for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
        {
          edges[ch][EDGE_BEFORE] = edge_line (h, first, ch, TRUE, a, k, c0, n, a + (double) c0 / k);
          edges[ch][EDGE_AFTER] = edge_line (h, after, ch, FALSE, a, k, c0, n, a + (double) (c0 + n) / k);
        }
    }

  changed = memcmp (edges, self->edges, sizeof edges) != 0;
  memcpy (self->edges, edges, sizeof edges);
  return changed;
}

/* Decimates the visible channels into self->columns. Columns already
 * decimated are kept (moved, when the view moved by whole columns of its
 * grid), and when samples were only appended, the columns from the one
 * holding the previous newest sample are decimated again. */
static void
update_columns (SteveChart *self,
                double      t0,
                double      t1)
{
  guint n = self->geo.n_columns;
  guint channels = self->visible_channels;
  guint n_samples = 0;
  double d0 = 0.0, d1 = 0.0, a, b;
  gint64 origin = 0, c0;
  guint m;
  /* the columns to decimate: [new_lo, new_hi) and [tail, n) */
  guint new_lo = 0, new_hi = n, tail = n;
  gint64 shift = 0;
  gboolean edges_changed;

  if (self->history != NULL)
    {
      n_samples = steve_history_get_n_samples (self->history);
      steve_history_get_time_range (self->history, &d0, &d1);
      origin = steve_history_get_origin_us (self->history);
    }

  column_grid (self, t0, t1, n, &a, &b, &m, &c0);
  edges_changed = update_edges (self, a, b, m, c0, n);

  if (self->dec_valid && self->dec_a == a && self->dec_b == b && self->dec_m == m &&
      self->dec_n_columns == n && self->dec_channels == channels && self->columns_alloc >= n)
    {
      gboolean same_data = self->dec_serial == self->data_serial;
      gboolean appended = n_samples >= self->dec_n_samples && self->dec_n_samples > 0 &&
                          d0 == self->dec_d0 && origin == self->dec_origin;

      shift = c0 - self->dec_c0;
      if ((same_data || appended) && ABS (shift) < (gint64) n)
        {
          if (shift > 0)
            new_lo = n - (guint) shift;
          else
            new_hi = (guint) -shift;
          if (!same_data)
            tail = (guint) CLAMP (steve_history_column_of (self->dec_d1, a, b, m) - c0, 0, (gint64) n);
        }
      else
        shift = 0;

      if (new_lo >= new_hi && tail >= n && !edges_changed)
        return;
    }

  if (self->columns_alloc < n)
    {
      g_free (self->columns);
      g_free (self->bar_top);
      g_free (self->bar_bot);
      self->columns = g_new (SteveColumn, (gsize) n * STEVE_N_CHANNELS);
      self->bar_top = g_new (float, n);
      self->bar_bot = g_new (float, n);
      self->columns_alloc = n;
    }

  /* one range when the two meet */
  if (new_lo < new_hi && tail < n && new_hi >= tail)
    {
      new_lo = MIN (new_lo, tail);
      new_hi = n;
      tail = n;
    }

  for (guint l = 0; l < N_LANES; l++)
    {
      self->lanes[l].data_min = INFINITY;
      self->lanes[l].data_max = -INFINITY;
    }

  if (self->history != NULL && channels != 0)
    self->dec_n_computed += (new_hi > new_lo ? new_hi - new_lo : 0) + (n - tail);
  for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
    {
      SteveColumn *cols = self->columns + (gsize) ch * self->columns_alloc;
      LaneState *ls = NULL;
      double k;
      float lo = INFINITY, hi = -INFINITY;

      if (!(channels & STEVE_CHANNEL_BIT (ch)))
        continue;

      if (self->history == NULL)
        {
          for (guint c = 0; c < n; c++)
            cols[c].flags = 0;
          continue;
        }

      if (shift > 0)
        memmove (cols, cols + shift, sizeof (SteveColumn) * (n - (guint) shift));
      else if (shift < 0)
        memmove (cols - shift, cols, sizeof (SteveColumn) * (n - (guint) -shift));

      if (new_lo < new_hi)
        steve_history_decimate_columns_range (self->history, ch, a, b, m, (guint) c0 + new_lo,
                                              new_hi - new_lo, cols + new_lo);
      if (tail < n)
        steve_history_decimate_columns_range (self->history, ch, a, b, m, (guint) c0 + tail,
                                              n - tail, cols + tail);

      for (guint c = 0; c < n; c++)
        if (cols[c].flags & STEVE_COLUMN_HAS_DATA)
          {
            lo = MIN (lo, cols[c].min);
            hi = MAX (hi, cols[c].max);
          }
      /* where the lines from outside the view cross its edges */
      for (guint e = EDGE_BEFORE; e <= EDGE_AFTER; e++)
        if (self->edges[ch][e].on)
          {
            lo = MIN (lo, self->edges[ch][e].edge);
            hi = MAX (hi, self->edges[ch][e].edge);
          }

      for (guint l = 0; l < N_LANES; l++)
        for (guint i = 0; i < lane_info[l].n_channels; i++)
          if (lane_info[l].channels[i] == ch)
            ls = &self->lanes[l];
      g_assert (ls != NULL);

      if (lo <= hi)
        {
          k = display_factor (self, ch);
          ls->data_min = MIN (ls->data_min, lo * k);
          ls->data_max = MAX (ls->data_max, hi * k);
        }
    }

  self->dec_valid = TRUE;
  self->dec_a = a;
  self->dec_b = b;
  self->dec_m = m;
  self->dec_c0 = c0;
  self->dec_n_columns = n;
  self->dec_serial = self->data_serial;
  self->dec_channels = channels;
  self->dec_n_samples = n_samples;
  self->dec_d0 = d0;
  self->dec_d1 = d1;
  self->dec_origin = origin;
}

static gboolean
update_scales (SteveChart *self,
               gint64      now)
{
  gboolean pending = FALSE;

  for (guint l = 0; l < N_LANES; l++)
    {
      LaneState *ls = &self->lanes[l];
      guint max_ticks;
      double min_span = lane_info[l].min_span;

      if (!(self->geo.lanes_mask & (1u << l)))
        continue;

      if (l == LANE_POSITION)
        min_span *= display_factor (self, STEVE_CHANNEL_POSITION);

      max_ticks = (guint) CLAMP (floor (ls->plot.size.height / MIN_Y_TICK_PX), 2, 8);
      steve_autoscale_update (&ls->scale, ls->data_min, ls->data_max, min_span,
                              max_ticks, now, self->snap_scales);
      pending |= steve_autoscale_shrink_pending (&ls->scale);
    }

  self->snap_scales = FALSE;

  return pending;
}

/* ------------------------------------------------------------ frame node */

static GskRenderNode *
build_frame_node (SteveChart    *self,
                  const GdkRGBA *fg)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(PangoLayout) label = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  g_autoptr(PangoLayout) title = steve_plot_create_small_layout (GTK_WIDGET (self), TRUE);
  const Geometry *g = &self->geo;
  GdkRGBA lane_bg = steve_plot_rgba_alpha (fg, 0.035f);
  GdkRGBA grid = steve_plot_rgba_alpha (fg, 0.10f);
  GdkRGBA zero = steve_plot_rgba_alpha (fg, 0.30f);
  GdkRGBA text = steve_plot_rgba_alpha (fg, 0.75f);
  GdkRGBA axis = steve_plot_rgba_alpha (fg, 0.40f);
  double px = 1.0 / g->scale;

  for (guint l = 0; l < N_LANES; l++)
    {
      const LaneState *ls = &self->lanes[l];
      const SteveAutoscale *sc = &ls->scale;
      const graphene_rect_t *p = &ls->plot;
      g_autofree char *title_text = NULL;
      SteveChannel ch0 = lane_info[l].channels[0];
      int decimals;
      guint n_ticks;

      if (!(g->lanes_mask & (1u << l)) || !sc->valid)
        continue;

      gtk_snapshot_append_color (snapshot, &lane_bg, p);

      decimals = steve_plot_decimals_for_step (sc->step);
      n_ticks = (guint) round ((sc->max - sc->min) / sc->step);
      for (guint i = 0; i <= n_ticks; i++)
        {
          double v = sc->min + i * sc->step;
          double y, ly, yalign = 0.5;
          g_autofree char *s = NULL;

          if (fabs (v) < sc->step * 1e-6)
            v = 0.0;

          y = lane_y (ls, v);
          ly = CLAMP (floor (y * g->scale) / g->scale, p->origin.y, p->origin.y + p->size.height - px);
          gtk_snapshot_append_color (snapshot,
                                     (v == 0.0 && sc->min < 0.0 && sc->max > 0.0) ? &zero : &grid,
                                     &GRAPHENE_RECT_INIT (p->origin.x, ly, p->size.width, px));

          /* Keep the labels inside the lane's height. */
          if (y - g->label_h / 2 < p->origin.y)
            yalign = 0.0, y = p->origin.y;
          else if (y + g->label_h / 2 > p->origin.y + p->size.height)
            yalign = 1.0, y = p->origin.y + p->size.height;

          s = steve_plot_format_value (v, decimals);
          append_cached_text (self, snapshot, label, 'y', s, p->origin.x - LABEL_GAP, y, 1.0, yalign, &text);
        }

      title_text = g_strdup_printf (_("%s (%s)"), _(lane_info[l].title), display_unit (self, ch0));
      append_cached_text (self, snapshot, title, 't', title_text, ls->header.origin.x,
                          ls->header.origin.y + ls->header.size.height - 2, 0.0, 1.0, fg);
    }

  if (g->lanes_mask != 0)
    gtk_snapshot_append_color (snapshot, &axis,
                               &GRAPHENE_RECT_INIT (g->plot_x, g->axis_y, g->plot_w, px));

  return gtk_snapshot_free_to_node (snapshot);
}

static void
ensure_frame_node (SteveChart    *self,
                   const GdkRGBA *fg)
{
  FrameKey key;

  memset (&key, 0, sizeof key);
  key.geometry_serial = self->geometry_serial;
  key.fg = *fg;
  key.unit = self->position_unit;
  for (guint l = 0; l < N_LANES; l++)
    {
      key.ymin[l] = self->lanes[l].scale.min;
      key.ymax[l] = self->lanes[l].scale.max;
      key.ystep[l] = self->lanes[l].scale.step;
    }

  if (self->frame_node != NULL && memcmp (&key, &self->frame_key, sizeof key) == 0)
    return;

  g_clear_pointer (&self->frame_node, gsk_render_node_unref);
  self->frame_node = build_frame_node (self, fg);
  self->frame_key = key;
}

/* ------------------------------------------------------------ time axis */

/* The grid and tick node covers [c0, c1] in coordinates relative to the
 * tick at time_ref; each label is its own node so that only the labels of
 * ticks inside the view are shown, whole. */
static void
build_time_nodes (SteveChart    *self,
                  const GdkRGBA *fg,
                  double         c0,
                  double         c1,
                  double         pps,
                  double         step)
{
  const Geometry *g = &self->geo;
  GtkSnapshot *grid = gtk_snapshot_new ();
  g_autoptr(PangoLayout) layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  GdkRGBA grid_c = steve_plot_rgba_alpha (fg, 0.10f);
  GdkRGBA tick_c = steve_plot_rgba_alpha (fg, 0.40f);
  GdkRGBA text_c = steve_plot_rgba_alpha (fg, 0.75f);
  double px = 1.0 / g->scale;
  int decimals = step < 1.0 ? steve_plot_decimals_for_step (step) : 0;
  gint64 k0 = (gint64) floor (c0 / step);
  gint64 k1 = (gint64) ceil (c1 / step);
  double ref = k0 * step;

  g_array_set_size (self->time_labels, 0);

  for (gint64 k = k0; k <= k1; k++)
    {
      double t = k * step;
      double x = steve_plot_snap ((t - ref) * pps, g->scale);
      g_autofree char *s = NULL;
      GtkSnapshot *label = gtk_snapshot_new ();
      TimeLabel entry;

      for (guint l = 0; l < N_LANES; l++)
        if (g->lanes_mask & (1u << l))
          gtk_snapshot_append_color (grid, &grid_c,
                                     &GRAPHENE_RECT_INIT (x, self->lanes[l].plot.origin.y,
                                                          px, self->lanes[l].plot.size.height));
      gtk_snapshot_append_color (grid, &tick_c, &GRAPHENE_RECT_INIT (x, g->axis_y, px, TICK_LEN));

      s = steve_plot_format_time (t, decimals);
      entry.t = t;
      entry.half_width = append_cached_text (self, label, layout, 'x', s, x, g->axis_y + TICK_LEN + 1,
                                             0.5, 0.0, &text_c) / 2.0;
      entry.node = gtk_snapshot_free_to_node (label);
      if (entry.node != NULL)
        g_array_append_val (self->time_labels, entry);
    }

  g_clear_pointer (&self->grid_node, gsk_render_node_unref);
  self->grid_node = gtk_snapshot_free_to_node (grid);
  self->time_ref = ref;
  self->time_c0 = c0;
  self->time_c1 = c1;
}

static void
append_time_axis (SteveChart    *self,
                  GtkSnapshot   *snapshot,
                  const GdkRGBA *fg,
                  double         t0,
                  double         t1)
{
  const Geometry *g = &self->geo;
  double span = t1 - t0;
  double pps = g->plot_w / span;
  double step = steve_plot_time_step (MIN_TIME_LABEL_PX / pps);
  double dx;
  TimeKey key;

  memset (&key, 0, sizeof key);
  key.geometry_serial = self->geometry_serial;
  key.fg = *fg;
  key.pps = pps;
  key.step = step;

  if (self->grid_node == NULL || memcmp (&key, &self->time_key, sizeof key) != 0 ||
      t0 < self->time_c0 || t1 > self->time_c1)
    {
      /* At a steady zoom, build a window's width either side so that
       * scrolling reuses the nodes; while zooming, just the view. */
      double margin = (pps == self->last_pps) ? span : 0.0;

      build_time_nodes (self, fg, t0 - margin, t1 + margin, pps, step);
      self->time_key = key;
    }
  self->last_pps = pps;

  dx = g->plot_x + steve_plot_snap ((self->time_ref - t0) * pps, g->scale);

  if (self->grid_node != NULL)
    {
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (g->plot_x, g->lanes_top, g->plot_w,
                                                             g->axis_y + TICK_LEN - g->lanes_top));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (dx, 0));
      gtk_snapshot_append_node (snapshot, self->grid_node);
      gtk_snapshot_restore (snapshot);
      gtk_snapshot_pop (snapshot);
    }

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (dx, 0));
  for (guint i = 0; i < self->time_labels->len; i++)
    {
      const TimeLabel *label = &g_array_index (self->time_labels, TimeLabel, i);
      double x = g->plot_x + (label->t - t0) * pps;

      if (x < g->plot_x - 0.5 || x > g->plot_x + g->plot_w + 0.5 ||
          x + label->half_width > g->width)
        continue;
      gtk_snapshot_append_node (snapshot, label->node);
    }
  gtk_snapshot_restore (snapshot);
}

/* ------------------------------------------------------------ data node */

static inline void
extent_add (float  *top,
            float  *bot,
            double  y0,
            double  y1)
{
  *top = MIN (*top, MIN (y0, y1));
  *bot = MAX (*bot, MAX (y0, y1));
}

/* One series from its columns: each column gets a vertical extent (device
 * pixels, in bar_top/bar_bot): its min–max, plus the part of the line to
 * the next sample that crosses it. The extents become pixel-aligned bars.
 * Only lines that bridge more than BRIDGE_MAX_COLUMNS empty columns (a
 * zoomed-in, sparse view) are kept as segments (logical coordinates, in
 * @segments as x0, y0, x1, y1), to be stroked antialiased. */
#define BRIDGE_MAX_COLUMNS 4

/* The line from (@xa, @ya) to (@xb, @yb), xa < xb, x in view columns and
 * y in device pixels: a short one widens the extents of the columns it
 * crosses, a long one becomes a segment, cut to the view and a column
 * beyond (a line from far outside would overflow cairo's fixed point). */
static inline void
add_line (SteveChart *self,
          GArray     *segments,
          double      x0,
          double      xa,
          double      ya,
          double      xb,
          double      yb)
{
  gint64 n = self->geo.n_columns;
  double px = 1.0 / self->geo.scale;
  double span = xb - xa;

  if (span <= BRIDGE_MAX_COLUMNS)
    {
      /* (x ≥ 0: truncation is floor(), no libm call once a column) */
      double slope = (yb - ya) / span;
      gint64 j0 = xa > 0.0 ? (gint64) xa : 0;
      gint64 j1 = MIN ((gint64) xb, n - 1);

      for (gint64 j = j0; j <= j1; j++)
        {
          double l = MAX ((double) j, xa);
          double r = MIN ((double) j + 1, xb);

          extent_add (&self->bar_top[j], &self->bar_bot[j],
                      ya + slope * (l - xa), ya + slope * (r - xa));
        }
    }
  else
    {
      double l = MAX (xa, -1.0), r = MIN (xb, (double) n + 1.0);
      double seg[4];

      if (l >= r)
        return;
      seg[0] = x0 + l * px;
      seg[1] = (ya + (yb - ya) * (l - xa) / span) * px;
      seg[2] = x0 + r * px;
      seg[3] = (ya + (yb - ya) * (r - xa) / span) * px;
      g_array_append_vals (segments, seg, 4);
    }
}

static void
compute_series (SteveChart      *self,
                SteveChannel     channel,
                const LaneState *ls,
                GArray          *segments)
{
  const SteveColumn *cols = self->columns + (gsize) channel * self->columns_alloc;
  const EdgeLine *before = &self->edges[channel][EDGE_BEFORE];
  const EdgeLine *after = &self->edges[channel][EDGE_AFTER];
  guint n = self->geo.n_columns;
  double x0 = ls->plot.origin.x;
  double k = display_factor (self, channel);
  double ybase = (ls->plot.origin.y + ls->plot.size.height) * self->geo.scale;
  double yk = ls->plot.size.height * self->geo.scale / (ls->scale.max - ls->scale.min);
  double ymin = ls->scale.min;
  /* where the line so far ends: the middle of the last column with data,
   * or the sample before the view */
  double prev_x = before->on ? before->x : NAN;
  double prev_last = before->on ? before->v * k : 0.0;
  gboolean broken = FALSE;
  float *top = self->bar_top;
  float *bot = self->bar_bot;

  /* y in device pixels */
#define Y(v) (ybase - ((v) - ymin) * yk)

  g_array_set_size (segments, 0);
  for (guint c = 0; c < n; c++)
    {
      top[c] = INFINITY;
      bot[c] = -INFINITY;
    }

  for (guint c = 0; c < n; c++)
    {
      const SteveColumn *col = &cols[c];

      if (!(col->flags & STEVE_COLUMN_HAS_DATA))
        {
          if (col->flags & (STEVE_COLUMN_GAP_BEFORE | STEVE_COLUMN_GAP_INSIDE))
            broken = TRUE;
          continue;
        }

      extent_add (&top[c], &bot[c], Y (col->max * k), Y (col->min * k));

      if (!isnan (prev_x) && !broken && !(col->flags & STEVE_COLUMN_GAP_BEFORE))
        add_line (self, segments, x0, prev_x, Y (prev_last), c + 0.5, Y (col->first * k));

      prev_x = c + 0.5;
      prev_last = col->last * k;
      broken = FALSE;
    }

  /* on to the sample after the view */
  if (after->on && !isnan (prev_x) && !broken)
    add_line (self, segments, x0, prev_x, Y (prev_last), after->x, Y (after->v * k));

#undef Y
}

/* A lane's device rows [top, bottom), and how far a bar reaches above and
 * below its extent so that a flat line is LINE_WIDTH tall (at least two
 * device pixels). */
typedef struct
{
  int top;
  int bottom;
  int above;
  int below;
} BarRows;

static BarRows
bar_rows_for_lane (const SteveChart *self,
                   const LaneState  *ls)
{
  int scale = self->geo.scale;
  int thick_dev = MAX (2, (int) round (LINE_WIDTH * scale));

  return (BarRows) {
    .top = (int) round (ls->plot.origin.y * scale),
    .bottom = (int) round ((ls->plot.origin.y + ls->plot.size.height) * scale),
    .above = thick_dev / 2,
    .below = thick_dev - thick_dev / 2,
  };
}

/* The bar of column @c, in device rows [*t, *b) of the widget, cut to the
 * lane; FALSE when the column has none. */
static inline gboolean
bar_rows (const SteveChart *self,
          guint             c,
          const BarRows    *rows,
          int              *t,
          int              *b)
{
  if (!(self->bar_top[c] <= self->bar_bot[c]))
    return FALSE;

  *t = MAX (rows->top, (int) lrintf (self->bar_top[c]) - rows->above);
  *b = MIN (rows->bottom, (int) lrintf (self->bar_bot[c]) + rows->below);
  return *t < *b;
}

/* The series' bars as rectangles in one filled path (vector output). */
static void
fill_bars (SteveChart      *self,
           cairo_t         *cr,
           SteveChannel     channel,
           const LaneState *ls)
{
  double px = 1.0 / self->geo.scale;
  BarRows rows = bar_rows_for_lane (self, ls);
  GdkRGBA color;

  for (guint c = 0; c < self->geo.n_columns; c++)
    {
      int t, b;

      if (bar_rows (self, c, &rows, &t, &b))
        cairo_rectangle (cr, ls->plot.origin.x + c * px, t * px, px, (b - t) * px);
    }

  steve_plot_series_color (channel, &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_fill (cr);
}

/* The series' bars into @raster, whose top-left pixel is device pixel
 * (@x0, @y0) of the widget. */
static void
raster_bars (SteveChart      *self,
             SteveBarRaster  *raster,
             int              x0,
             int              y0,
             SteveChannel     channel,
             const LaneState *ls)
{
  BarRows rows = bar_rows_for_lane (self, ls);
  int col0 = (int) round (ls->plot.origin.x * self->geo.scale) - x0;
  GdkRGBA color;

  steve_plot_series_color (channel, &color);
  steve_bar_raster_set_color (raster, &color);
  for (guint c = 0; c < self->geo.n_columns; c++)
    {
      int t, b;

      if (bar_rows (self, c, &rows, &t, &b))
        steve_bar_raster_column (raster, col0 + (int) c, t - y0, b - y0);
    }
}

/* Strokes the segments compute_series() kept. */
static void
stroke_segments (cairo_t      *cr,
                 GArray       *segments,
                 SteveChannel  channel)
{
  const double *sg = (const double *) (gpointer) segments->data;
  double cx = NAN, cy = NAN;
  GdkRGBA color;

  if (segments->len == 0)
    return;

  for (guint i = 0; i + 3 < segments->len; i += 4)
    {
      if (sg[i] != cx || sg[i + 1] != cy)
        cairo_move_to (cr, sg[i], sg[i + 1]);
      cairo_line_to (cr, sg[i + 2], sg[i + 3]);
      cx = sg[i + 2];
      cy = sg[i + 3];
    }
  steve_plot_series_color (channel, &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, LINE_WIDTH);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_stroke (cr);
}

/* Every shown series of every lane: the bars (pixels, or rectangles for
 * vector output), then, on top, the lines that bridge sparse columns.
 * Returns the cairo context of the node over the lanes that holds them,
 * for more to be drawn on top. */
static cairo_t *
draw_all_series (SteveChart  *self,
                 GtkSnapshot *snapshot,
                 gboolean    *any_data)
{
  const Geometry *g = &self->geo;
  int x0 = (int) round (g->plot_x * g->scale);
  int y0 = (int) floor (g->lanes_top * g->scale);
  int height = MAX (1, (int) ceil (g->lanes_bottom * g->scale) - y0);
  graphene_rect_t area = GRAPHENE_RECT_INIT (g->plot_x, g->lanes_top, g->plot_w,
                                             MAX (g->lanes_bottom - g->lanes_top, 1.0));
  cairo_t *cr = steve_plot_append_cairo (snapshot, &area, self->vector_output);
  gboolean raster = !self->vector_output;

  *any_data = FALSE;

  if (raster)
    {
      steve_bar_raster_begin (self->raster, (int) g->n_columns, height);
      /* columns of a grid keep their place in the raster's buffers */
      steve_bar_raster_set_first_column (self->raster, self->dec_c0);
    }

  for (guint pass = 0; pass < 2; pass++)
    {
      /* the bars, under every stroked line */
      if (pass == 1 && raster)
        steve_bar_raster_paint (self->raster, cr, (double) x0 / g->scale, (double) y0 / g->scale, g->scale);

      for (guint l = 0; l < N_LANES; l++)
        {
          const LaneState *ls = &self->lanes[l];

          if (!(g->lanes_mask & (1u << l)) || !ls->scale.valid)
            continue;

          if (ls->data_min <= ls->data_max)
            *any_data = TRUE;

          cairo_save (cr);
          cairo_rectangle (cr, ls->plot.origin.x, ls->plot.origin.y, ls->plot.size.width, ls->plot.size.height);
          cairo_clip (cr);
          for (guint i = 0; i < lane_info[l].n_channels; i++)
            {
              SteveChannel ch = lane_info[l].channels[i];

              if (!channel_shown (self, ch))
                continue;

              if (pass == 1)
                stroke_segments (cr, self->segments[ch], ch);
              else
                {
                  compute_series (self, ch, ls, self->segments[ch]);
                  if (raster)
                    raster_bars (self, self->raster, x0, y0, ch, ls);
                  else
                    fill_bars (self, cr, ch, ls);
                }
            }
          cairo_restore (cr);
        }
    }

  return cr;
}

static double
time_to_x (SteveChart *self,
           double      t,
           double      t0,
           double      t1)
{
  return self->geo.plot_x + (t - t0) / (t1 - t0) * self->geo.plot_w;
}

static GskRenderNode *
build_data_node (SteveChart    *self,
                 const GdkRGBA *fg,
                 double         t0,
                 double         t1)
{
  const Geometry *g = &self->geo;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GdkRGBA marker_c = steve_plot_rgba_alpha (fg, 0.55f);
  gboolean any_data;
  guint n_markers = self->history ? steve_history_get_n_markers (self->history) : 0;
  double px = 1.0 / g->scale;
  cairo_t *cr = draw_all_series (self, snapshot, &any_data);

  /* Marker lines */
  if (n_markers > 0)
    {
      static const double dashes[] = { 4.0, 3.0 };
      gboolean any = FALSE;

      for (guint i = 0; i < n_markers; i++)
        {
          double mt, x;

          steve_history_get_marker (self->history, i, &mt, NULL, NULL);
          if (mt < t0 || mt > t1)
            continue;

          x = floor (time_to_x (self, mt, t0, t1) * g->scale) / g->scale + px / 2;
          cairo_move_to (cr, x, g->lanes_top);
          cairo_line_to (cr, x, g->lanes_bottom);
          any = TRUE;
        }

      if (any)
        {
          cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
          cairo_set_line_width (cr, MAX (px, 1.0));
          gdk_cairo_set_source_rgba (cr, &marker_c);
          cairo_stroke (cr);
        }
    }

  cairo_destroy (cr);

  /* Marker tags below the time labels */
  if (self->tags == NULL)
    self->tags = g_array_new (FALSE, FALSE, sizeof (MarkerTag));
  g_array_set_size (self->tags, 0);
  if (n_markers > 0 && g->markers_row)
    {
      g_autoptr(PangoLayout) layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
      GdkRGBA tag_bg = steve_plot_rgba_alpha (fg, 0.12f);
      double right_edge = -G_MAXDOUBLE;
      double y = g->axis_y + TICK_LEN + g->label_h + 6;

      for (guint i = 0; i < n_markers; i++)
        {
          const char *label;
          g_autofree char *shortened = NULL;
          double mt, x, left;
          int w, h;

          steve_history_get_marker (self->history, i, &mt, &label, NULL);
          if (mt < t0 || mt > t1)
            continue;

          shortened = steve_plot_ellipsize (label, 17);
          pango_layout_set_text (layout, shortened, -1);
          pango_layout_get_pixel_size (layout, &w, &h);

          x = time_to_x (self, mt, t0, t1);
          left = CLAMP (x - w / 2.0 - 4, g->plot_x - 8, g->width - w - 8.0);
          if (left < right_edge + 4)
            continue;   /* would overlap the previous tag: the line and tooltip remain */

          append_rounded (snapshot, &GRAPHENE_RECT_INIT (left, y, w + 8, h + 2), 4, &tag_bg);
          g_array_append_val (self->tags, ((MarkerTag) { GRAPHENE_RECT_INIT (left, y, w + 8, h + 2), mt }));
          steve_plot_append_text (snapshot, layout, shortened, left + 4, y + 1, 0.0, 0.0, fg, g->scale);
          gtk_snapshot_append_color (snapshot, &marker_c,
                                     &GRAPHENE_RECT_INIT (floor (x * g->scale) / g->scale, g->axis_y,
                                                          px, y - g->axis_y));
          right_edge = left + w + 8;
        }
    }

  if (g->lanes_mask == 0)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      GdkRGBA dim = steve_plot_rgba_alpha (fg, 0.55f);

      steve_plot_append_text (snapshot, layout, _("No channel shown"), g->width / 2.0, g->height / 2.0,
                              0.5, 0.5, &dim, g->scale);
    }
  else if (!any_data)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
      GdkRGBA dim = steve_plot_rgba_alpha (fg, 0.55f);
      gboolean empty = self->history == NULL || steve_history_get_n_samples (self->history) == 0;

      steve_plot_append_text (snapshot, layout,
                              empty ? _("Waiting for telemetry…") : _("No data in this time range"),
                              g->plot_x + g->plot_w / 2, (g->lanes_top + g->lanes_bottom) / 2,
                              0.5, 0.5, &dim, g->scale);
    }

  return gtk_snapshot_free_to_node (snapshot);
}

static void
fill_data_key (SteveChart    *self,
               DataKey       *key,
               const GdkRGBA *fg,
               double         t0,
               double         t1)
{
  memset (key, 0, sizeof *key);
  key->geometry_serial = self->geometry_serial;
  key->fg = *fg;
  key->t0 = t0;
  key->t1 = t1;
  key->data_serial = self->data_serial;
  key->visible = self->visible_channels;
  key->unit = self->position_unit;
  key->dpt = self->degrees_per_turn;
  key->vector = self->vector_output;
  for (guint l = 0; l < N_LANES; l++)
    {
      key->ymin[l] = self->lanes[l].scale.min;
      key->ymax[l] = self->lanes[l].scale.max;
    }
}

/* ------------------------------------------------------------ legend */

static char *
format_stats (double mn,
              double mx,
              double mean,
              int    decimals,
              gboolean with_mean)
{
  g_autofree char *a = steve_plot_format_value (mn, decimals);
  g_autofree char *b = steve_plot_format_value (mx, decimals);
  g_autofree char *c = steve_plot_format_value (mean, decimals);

  if (with_mean)
    return g_strdup_printf (_("min %s   max %s   mean %s"), a, b, c);
  return g_strdup_printf (_("min %s   max %s"), a, b);
}

static GskRenderNode *
build_legend_node (SteveChart    *self,
                   const GdkRGBA *fg,
                   double         t0,
                   double         t1)
{
  const Geometry *g = &self->geo;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(PangoLayout) layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  g_autoptr(PangoLayout) title = steve_plot_create_small_layout (GTK_WIDGET (self), TRUE);
  GdkRGBA text_c = steve_plot_rgba_alpha (fg, 0.80f);

  for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
    g_clear_pointer (&self->legend_text[ch], g_free);

  for (guint l = 0; l < N_LANES; l++)
    {
      const LaneState *ls = &self->lanes[l];
      g_autofree char *title_text = NULL;
      double right = ls->header.origin.x + ls->header.size.width;
      double title_right;
      double y = ls->header.origin.y + ls->header.size.height - 2;
      int decimals;

      if (!(g->lanes_mask & (1u << l)) || !ls->scale.valid)
        continue;

      title_text = g_strdup_printf (_("%s (%s)"), _(lane_info[l].title),
                                    display_unit (self, lane_info[l].channels[0]));
      title_right = ls->header.origin.x + lookup_text (self, title, 't', title_text, fg)->width + 16;

      decimals = MIN (steve_plot_decimals_for_step (ls->scale.step) + 1, 6);

      for (int i = (int) lane_info[l].n_channels - 1; i >= 0; i--)
        {
          SteveChannel ch = lane_info[l].channels[i];
          double mn, mx, mean, k = display_factor (self, ch);
          g_autofree char *full = NULL;
          g_autofree char *text = NULL;
          const CachedText *ct;
          GdkRGBA color;
          guint n = 0;
          int w = 0, h = 0;

          if (!channel_shown (self, ch))
            continue;

          if (self->history != NULL &&
              steve_history_stats (self->history, t0, t1, ch, &mn, &mx, &mean, &n))
            self->legend_text[ch] = format_stats (mn * k, mx * k, mean * k, decimals, TRUE);
          else
            self->legend_text[ch] = g_strdup (_("no data"));

          /* Shorter forms when the header is narrow. */
          for (guint form = 0; form < 3; form++)
            {
              g_clear_pointer (&text, g_free);
              if (form == 0)
                text = g_strdup (self->legend_text[ch]);
              else if (form == 1 && n > 0)
                text = format_stats (mn * k, mx * k, mean * k, decimals, FALSE);
              else
                text = g_strdup ("");

              g_clear_pointer (&full, g_free);
              full = lane_info[l].n_channels > 1 && *text
                ? g_strdup_printf ("%s   %s", steve_channel_get_name (ch), text)
                : (lane_info[l].n_channels > 1 ? g_strdup (steve_channel_get_name (ch)) : g_strdup (text));

              if (*full == '\0')
                break;
              ct = lookup_text (self, layout, 'l', full, &text_c);
              w = ct->width;
              h = ct->height;
              if (right - w - 14 >= title_right)
                break;
            }

          if (*full == '\0' || right - w - 14 < title_right)
            continue;

          append_cached_text (self, snapshot, layout, 'l', full, right, y, 1.0, 1.0, &text_c);
          steve_plot_series_color (ch, &color);
          append_rounded (snapshot,
                          &GRAPHENE_RECT_INIT (steve_plot_snap (right - w - 14, g->scale),
                                               steve_plot_snap (y - h / 2.0 - 4, g->scale), 9, 9),
                          2, &color);
          right -= w + 14 + 16;
        }
    }

  return gtk_snapshot_free_to_node (snapshot);
}

static void
ensure_legend_node (SteveChart    *self,
                    const GdkRGBA *fg,
                    double         t0,
                    double         t1,
                    gint64         now)
{
  DataKey key;
  gboolean hard;

  fill_data_key (self, &key, fg, t0, t1);
  /* the legend is text: the same in a vector export */
  key.vector = FALSE;
  /* The scale limits do not matter, their step does (decimals). */
  for (guint l = 0; l < N_LANES; l++)
    {
      key.ymin[l] = self->lanes[l].scale.step;
      key.ymax[l] = 0.0;
    }

  if (self->legend_node != NULL && memcmp (&key, &self->legend_key, sizeof key) == 0)
    return;

  hard = self->legend_node == NULL ||
         key.geometry_serial != self->legend_key.geometry_serial ||
         !gdk_rgba_equal (&key.fg, &self->legend_key.fg) ||
         key.visible != self->legend_key.visible ||
         key.unit != self->legend_key.unit ||
         key.dpt != self->legend_key.dpt ||
         memcmp (key.ymin, self->legend_key.ymin, sizeof key.ymin) != 0;

  /* Numbers changing 60 times a second cannot be read: while following
   * live, refresh them four times a second. */
  if (!hard && self->following && now - self->legend_time < LEGEND_INTERVAL_US)
    {
      schedule_redraw (self, (LEGEND_INTERVAL_US - (now - self->legend_time)) / 1000 + 1);
      return;
    }

  g_clear_pointer (&self->legend_node, gsk_render_node_unref);
  self->legend_node = build_legend_node (self, fg, t0, t1);
  self->legend_key = key;
  self->legend_time = now;
}

/* ------------------------------------------------------------ cursor */

static double
current_cursor_time (SteveChart *self,
                     double      t0,
                     double      t1)
{
  switch (self->cursor_mode)
    {
    case CURSOR_TIME:
      return self->cursor_t;

    case CURSOR_POINTER:
      if (self->pointer_x < self->geo.plot_x || self->pointer_x > self->geo.plot_x + self->geo.plot_w)
        return NAN;
      return t0 + (self->pointer_x - self->geo.plot_x) / self->geo.plot_w * (t1 - t0);

    case CURSOR_NONE:
    default:
      return NAN;
    }
}

/* names[] and values[] of the cursor read-out; returns the number of rows. */
static guint
cursor_rows (SteveChart  *self,
             double       t,
             char        *names[STEVE_N_CHANNELS],
             char        *values[STEVE_N_CHANNELS],
             SteveChannel channels[STEVE_N_CHANNELS],
             double       display[STEVE_N_CHANNELS])
{
  guint n = 0;

  for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
    {
      double v;

      if (!channel_shown (self, ch))
        continue;

      names[n] = g_strdup (steve_channel_get_name (ch));
      if (self->history != NULL && steve_history_value_at (self->history, t, ch, &v))
        {
          g_autofree char *num = steve_plot_format_value (v * display_factor (self, ch),
                                                          display_decimals (self, ch));

          values[n] = g_strdup_printf ("%s %s", num, display_unit (self, ch));
          display[n] = v * display_factor (self, ch);
        }
      else
        {
          values[n] = g_strdup ("—");
          display[n] = NAN;
        }
      channels[n] = ch;
      n++;
    }

  return n;
}

static void
append_cursor (SteveChart    *self,
               GtkSnapshot   *snapshot,
               const GdkRGBA *fg,
               double         t0,
               double         t1)
{
  const Geometry *g = &self->geo;
  char *names[STEVE_N_CHANNELS] = { NULL, };
  char *values[STEVE_N_CHANNELS] = { NULL, };
  SteveChannel channels[STEVE_N_CHANNELS];
  double display[STEVE_N_CHANNELS];
  g_autoptr(PangoLayout) name_layout = NULL;
  g_autoptr(PangoLayout) value_layout = NULL;
  g_autoptr(GString) names_text = g_string_new (NULL);
  g_autoptr(GString) values_text = g_string_new (NULL);
  g_autofree char *time_text = NULL;
  GdkRGBA line_c = steve_plot_rgba_alpha (fg, 0.60f);
  GdkRGBA box_c, box_text, box_dim;
  double t = current_cursor_time (self, t0, t1);
  double x, bx, by, bw, bh, row_h, px = 1.0 / g->scale;
  int nw, nh, vw, vh;
  guint n;

  if (!isfinite (t) || t < t0 || t > t1 || g->lanes_mask == 0)
    return;

  x = floor (time_to_x (self, t, t0, t1) * g->scale) / g->scale;
  gtk_snapshot_append_color (snapshot, &line_c,
                             &GRAPHENE_RECT_INIT (x, g->lanes_top, px, g->lanes_bottom - g->lanes_top));

  n = cursor_rows (self, t, names, values, channels, display);

  /* A dot on each series where the line crosses it */
  for (guint i = 0; i < n; i++)
    {
      const LaneState *ls = NULL;
      GdkRGBA color;
      double y;

      for (guint l = 0; l < N_LANES; l++)
        for (guint j = 0; j < lane_info[l].n_channels; j++)
          if (lane_info[l].channels[j] == channels[i])
            ls = &self->lanes[l];

      if (!isfinite (display[i]) || ls == NULL || !ls->scale.valid)
        continue;

      y = lane_y (ls, display[i]);
      if (y < ls->plot.origin.y || y > ls->plot.origin.y + ls->plot.size.height)
        continue;

      steve_plot_series_color (channels[i], &color);
      append_rounded (snapshot, &GRAPHENE_RECT_INIT (x + px / 2 - 3.5, y - 3.5, 7, 7), 3.5, &color);
    }

  /* The read-out box, tooltip-like: inverted colours */
  box_c = *fg;
  box_c.alpha = 0.92f;
  if (0.2126 * fg->red + 0.7152 * fg->green + 0.0722 * fg->blue > 0.5)
    gdk_rgba_parse (&box_text, "#1e1e1e");
  else
    gdk_rgba_parse (&box_text, "#ffffff");
  box_dim = steve_plot_rgba_alpha (&box_text, 0.75f);

  time_text = steve_plot_format_time (t, 3);
  g_string_append (names_text, _("Time"));
  g_string_append (values_text, time_text);
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (names_text, "\n%s", names[i]);
      g_string_append_printf (values_text, "\n%s", values[i]);
    }

  name_layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  value_layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  pango_layout_set_alignment (value_layout, PANGO_ALIGN_RIGHT);
  pango_layout_set_text (name_layout, names_text->str, -1);
  pango_layout_set_text (value_layout, values_text->str, -1);
  pango_layout_get_pixel_size (name_layout, &nw, &nh);
  pango_layout_get_pixel_size (value_layout, &vw, &vh);

  row_h = (double) nh / (n + 1);
  bw = 8 + 12 + nw + 16 + vw + 8;
  bh = MAX (nh, vh) + 10;
  bx = x + 12;
  if (bx + bw > g->width - 2)
    bx = x - 12 - bw;
  bx = steve_plot_snap (MAX (bx, 2.0), g->scale);
  by = steve_plot_snap (g->lanes_top + 4, g->scale);

  append_rounded (snapshot, &GRAPHENE_RECT_INIT (bx, by, bw, bh), 6, &box_c);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bx + 8 + 12, by + 5));
  gtk_snapshot_append_layout (snapshot, name_layout, &box_dim);
  gtk_snapshot_restore (snapshot);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bx + bw - 8 - vw, by + 5));
  gtk_snapshot_append_layout (snapshot, value_layout, &box_text);
  gtk_snapshot_restore (snapshot);

  for (guint i = 0; i < n; i++)
    {
      GdkRGBA color;

      steve_plot_series_color (channels[i], &color);
      append_rounded (snapshot,
                      &GRAPHENE_RECT_INIT (bx + 8, steve_plot_snap (by + 5 + row_h * (i + 1) + row_h / 2 - 4, g->scale), 8, 8),
                      2, &color);
    }

  for (guint i = 0; i < n; i++)
    {
      g_free (names[i]);
      g_free (values[i]);
    }
}

/* ------------------------------------------------------------ snapshot */

static void
steve_chart_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  SteveChart *self = STEVE_CHART (widget);
  gint64 now = g_get_monotonic_time ();
  DataKey key;
  GdkRGBA fg;
  double t0, t1;

  if (self->history_dirty)
    process_history_change (self);

  if (!ensure_geometry (self))
    return;

  steve_plot_get_fg_color (widget, &fg);
  if (!gdk_rgba_equal (&fg, &self->text_cache_fg) || self->text_cache_style != self->style_serial)
    {
      g_hash_table_remove_all (self->text_cache);
      self->text_cache_fg = fg;
      self->text_cache_style = self->style_serial;
    }

  compute_view (self, &t0, &t1);
  if (!(t1 > t0))
    return;

  update_columns (self, t0, t1);
  if (update_scales (self, now))
    schedule_redraw (self, STEVE_AUTOSCALE_HOLD_US / 1000 + 20);

  ensure_frame_node (self, &fg);
  if (self->frame_node != NULL)
    gtk_snapshot_append_node (snapshot, self->frame_node);

  append_time_axis (self, snapshot, &fg, t0, t1);

  fill_data_key (self, &key, &fg, t0, t1);
  if (self->data_node == NULL || memcmp (&key, &self->data_key, sizeof key) != 0)
    {
      g_clear_pointer (&self->data_node, gsk_render_node_unref);
      self->data_node = build_data_node (self, &fg, t0, t1);
      self->data_key = key;
    }
  if (self->data_node != NULL)
    gtk_snapshot_append_node (snapshot, self->data_node);

  ensure_legend_node (self, &fg, t0, t1, now);
  if (self->legend_node != NULL)
    gtk_snapshot_append_node (snapshot, self->legend_node);

  append_cursor (self, snapshot, &fg, t0, t1);
}

/**
 * steve_chart_snapshot_vector:
 *
 * What the chart shows now, like its snapshot function, but with the
 * series as filled and stroked shapes rather than pixels, laid out for a
 * vector file (SVG), which the pixels' pattern cannot go into (see also
 * steve_plot_append_cairo()).
 */
void
steve_chart_snapshot_vector (SteveChart  *self,
                             GtkSnapshot *snapshot)
{
  g_return_if_fail (STEVE_IS_CHART (self));

  /* The data node built here is cached under its own key: the next frame
   * on screen builds the pixels' one again. What is on screen now stays. */
  self->vector_output = TRUE;
  steve_chart_snapshot (GTK_WIDGET (self), snapshot);
  self->vector_output = FALSE;
}

static void
steve_chart_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 720;
    }
  else
    {
      *minimum = 200;
      *natural = 480;
    }
}

static void
steve_chart_css_changed (GtkWidget         *widget,
                         GtkCssStyleChange *change)
{
  SteveChart *self = STEVE_CHART (widget);

  GTK_WIDGET_CLASS (steve_chart_parent_class)->css_changed (widget, change);

  /* Fonts may have changed: measure again. Colours are part of the keys. */
  self->style_serial++;
  gtk_widget_queue_draw (widget);
}

/* ------------------------------------------------------------ tooltip */

char *
steve_chart_dup_tooltip_at (SteveChart *self,
                            double      x,
                            double      y)
{
  double t0, t1, best = G_MAXDOUBLE, best_x = 0.0;
  g_autoptr(GString) found = g_string_new (NULL);
  guint n;

  g_return_val_if_fail (STEVE_IS_CHART (self), NULL);

  if (self->history == NULL || !ensure_geometry (self))
    return NULL;

  n = steve_history_get_n_markers (self->history);
  compute_view (self, &t0, &t1);

  /* on a tag: the markers it stands for (a tag is wider than a line's
   * reach) */
  if (self->tags != NULL)
    for (guint i = 0; i < self->tags->len && best > MARKER_HIT_PX; i++)
      {
        const MarkerTag *tag = &g_array_index (self->tags, MarkerTag, i);

        if (graphene_rect_contains_point (&tag->rect, &GRAPHENE_POINT_INIT (x, y)))
          {
            best = 0.0;
            best_x = time_to_x (self, tag->time, t0, t1);
          }
      }

  /* else near a line: the nearest marker */
  if (best > MARKER_HIT_PX)
    {
      if (x < self->geo.plot_x - MARKER_HIT_PX || x > self->geo.plot_x + self->geo.plot_w + MARKER_HIT_PX)
        return NULL;
      if (y < self->geo.lanes_top || y > self->geo.height)
        return NULL;
      for (guint i = 0; i < n; i++)
        {
          double mt, mx;

          steve_history_get_marker (self->history, i, &mt, NULL, NULL);
          if (mt < t0 || mt > t1)
            continue;

          mx = time_to_x (self, mt, t0, t1);
          if (fabs (mx - x) <= MARKER_HIT_PX && fabs (mx - x) < best)
            {
              best = fabs (mx - x);
              best_x = mx;
            }
        }
      if (best > MARKER_HIT_PX)
        return NULL;
    }

  /* every marker drawn there */
  for (guint i = 0; i < n; i++)
    {
      const char *details;
      double mt;

      steve_history_get_marker (self->history, i, &mt, NULL, &details);
      if (mt >= t0 && mt <= t1 && fabs (time_to_x (self, mt, t0, t1) - best_x) < 0.5)
        {
          if (found->len > 0)
            g_string_append_c (found, '\n');
          g_string_append (found, details);
        }
    }

  return found->len > 0 ? g_string_free (g_steal_pointer (&found), FALSE) : NULL;
}

static gboolean
steve_chart_query_tooltip (GtkWidget  *widget,
                           int         x,
                           int         y,
                           gboolean    keyboard_mode,
                           GtkTooltip *tooltip)
{
  g_autofree char *text = NULL;

  if (keyboard_mode)
    return FALSE;

  text = steve_chart_dup_tooltip_at (STEVE_CHART (widget), x, y);
  if (text == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

/* ------------------------------------------------------------ input */

static double
anchor_time (SteveChart *self)
{
  double t0, t1, t;

  compute_view (self, &t0, &t1);
  t = current_cursor_time (self, t0, t1);
  if (isfinite (t) && t >= t0 && t <= t1)
    return t;

  /* While following, keep "now" where it is. */
  return self->following ? t1 : (t0 + t1) / 2;
}

static void
on_motion (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           SteveChart               *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
  self->cursor_mode = CURSOR_POINTER;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_leave (GtkEventControllerMotion *controller,
          SteveChart               *self)
{
  self->pointer_x = self->pointer_y = NAN;
  if (self->cursor_mode == CURSOR_POINTER)
    self->cursor_mode = CURSOR_NONE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           SteveChart               *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  GdkScrollUnit unit = gtk_event_controller_scroll_get_unit (controller);
  double t0, t1, anchor = anchor_time (self);

  compute_view (self, &t0, &t1);

  if (unit == GDK_SCROLL_UNIT_WHEEL)
    {
      if (dy != 0.0)
        steve_chart_zoom (self, pow (1.25, -dy), anchor);
      if (dx != 0.0)
        steve_chart_pan (self, dx * PAN_STEP / 2 * (t1 - t0));
      return TRUE;
    }

  /* Touchpad: horizontal swipes pan, Ctrl + vertical zooms; plain vertical
   * scrolling is left to the page around the chart. */
  if (state & GDK_CONTROL_MASK)
    {
      if (dy != 0.0)
        steve_chart_zoom (self, exp (-dy * 0.02), anchor);
      return TRUE;
    }
  if (dx != 0.0 && fabs (dx) >= fabs (dy))
    {
      steve_chart_pan (self, dx * (t1 - t0) / self->geo.plot_w);
      return TRUE;
    }

  return FALSE;
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               SteveChart     *self)
{
  compute_view (self, &self->drag_t0, &self->drag_t1);
  self->dragging = FALSE;
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                SteveChart     *self)
{
  double dt;

  if (!self->dragging && fabs (offset_x) < 4)
    return;

  if (!self->dragging)
    {
      self->dragging = TRUE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
    }

  dt = -offset_x * (self->drag_t1 - self->drag_t0) / self->geo.plot_w;
  set_frozen_view (self, self->drag_t0 + dt, self->drag_t1 + dt);
}

static void
on_pinch_begin (GtkGesture       *gesture,
                GdkEventSequence *sequence,
                SteveChart       *self)
{
  double cx, cy;

  compute_view (self, &self->pinch_t0, &self->pinch_t1);
  if (gtk_gesture_get_bounding_box_center (gesture, &cx, &cy))
    self->pinch_anchor = self->pinch_t0 + (cx - self->geo.plot_x) / self->geo.plot_w * (self->pinch_t1 - self->pinch_t0);
  else
    self->pinch_anchor = (self->pinch_t0 + self->pinch_t1) / 2;
}

static void
on_pinch_scale_changed (GtkGestureZoom *gesture,
                        double          scale,
                        SteveChart     *self)
{
  double span = self->pinch_t1 - self->pinch_t0;
  double new_span, frac;

  if (!(scale > 0.0))
    return;

  new_span = CLAMP (span / scale, STEVE_CHART_MIN_SPAN, STEVE_CHART_MAX_SPAN);
  frac = (self->pinch_anchor - self->pinch_t0) / span;
  set_frozen_view (self, self->pinch_anchor - frac * new_span, self->pinch_anchor + (1 - frac) * new_span);
}

static void
on_click_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  SteveChart      *self)
{
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

static void
action_follow (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  steve_chart_follow_live (STEVE_CHART (widget));
}

static void
action_zoom (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  SteveChart *self = STEVE_CHART (widget);
  double factor = g_str_equal (action_name, "chart.zoom-in") ? ZOOM_STEP : 1.0 / ZOOM_STEP;

  steve_chart_zoom (self, factor, anchor_time (self));
}

static void
action_pan (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  SteveChart *self = STEVE_CHART (widget);
  double t0, t1;

  compute_view (self, &t0, &t1);
  steve_chart_pan (self, (g_str_equal (action_name, "chart.pan-left") ? -PAN_STEP : PAN_STEP) * (t1 - t0));
}

/* ------------------------------------------------------------ GObject */

static void
steve_chart_dispose (GObject *object)
{
  SteveChart *self = (SteveChart *) object;

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_handle_id (&self->redraw_source, g_source_remove);

  if (self->history != NULL)
    g_clear_signal_handler (&self->history_changed_id, self->history);
  g_clear_object (&self->history);
  clear_nodes (self);

  G_OBJECT_CLASS (steve_chart_parent_class)->dispose (object);
}

static void
steve_chart_finalize (GObject *object)
{
  SteveChart *self = (SteveChart *) object;

  g_clear_pointer (&self->columns, g_free);
  g_clear_pointer (&self->bar_top, g_free);
  g_clear_pointer (&self->bar_bot, g_free);
  for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
    g_clear_pointer (&self->segments[ch], g_array_unref);
  g_clear_pointer (&self->tags, g_array_unref);
  g_clear_pointer (&self->raster, steve_bar_raster_unref);
  g_clear_pointer (&self->time_labels, g_array_unref);
  g_clear_pointer (&self->text_cache, g_hash_table_unref);
  for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
    g_clear_pointer (&self->legend_text[ch], g_free);

  G_OBJECT_CLASS (steve_chart_parent_class)->finalize (object);
}

static void
steve_chart_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SteveChart *self = STEVE_CHART (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      g_value_set_object (value, self->history);
      break;

    case PROP_WINDOW:
      g_value_set_double (value, self->window);
      break;

    case PROP_PAUSED:
      g_value_set_boolean (value, self->paused);
      break;

    case PROP_FOLLOWING:
      g_value_set_boolean (value, self->following);
      break;

    case PROP_POSITION_UNIT:
      g_value_set_enum (value, self->position_unit);
      break;

    case PROP_DEGREES_PER_TURN:
      g_value_set_double (value, self->degrees_per_turn);
      break;

    case PROP_VISIBLE_CHANNELS:
      g_value_set_uint (value, self->visible_channels);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_chart_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SteveChart *self = STEVE_CHART (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      steve_chart_set_history (self, g_value_get_object (value));
      break;

    case PROP_WINDOW:
      steve_chart_set_window (self, g_value_get_double (value));
      break;

    case PROP_PAUSED:
      steve_chart_set_paused (self, g_value_get_boolean (value));
      break;

    case PROP_FOLLOWING:
      if (g_value_get_boolean (value))
        steve_chart_follow_live (self);
      else if (self->following)
        {
          double t0, t1;

          compute_view (self, &t0, &t1);
          set_frozen_view (self, t0, t1);
        }
      break;

    case PROP_POSITION_UNIT:
      steve_chart_set_position_unit (self, g_value_get_enum (value));
      break;

    case PROP_DEGREES_PER_TURN:
      steve_chart_set_degrees_per_turn (self, g_value_get_double (value));
      break;

    case PROP_VISIBLE_CHANNELS:
      steve_chart_set_visible_channels (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_chart_class_init (SteveChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_chart_dispose;
  object_class->finalize = steve_chart_finalize;
  object_class->get_property = steve_chart_get_property;
  object_class->set_property = steve_chart_set_property;

  widget_class->snapshot = steve_chart_snapshot;
  widget_class->measure = steve_chart_measure;
  widget_class->css_changed = steve_chart_css_changed;
  widget_class->query_tooltip = steve_chart_query_tooltip;

  properties[PROP_HISTORY] =
    g_param_spec_object ("history", NULL, NULL,
                         STEVE_TYPE_HISTORY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SteveChart:window:
   *
   * The span shown while following live, seconds; 0 shows everything.
   */
  properties[PROP_WINDOW] =
    g_param_spec_double ("window", NULL, NULL,
                         0.0, STEVE_CHART_MAX_SPAN, DEFAULT_WINDOW,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SteveChart:paused:
   *
   * Freezes the view; data keeps arriving into the history. Unpausing
   * returns to following live.
   */
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SteveChart:following:
   *
   * Whether the view ends at the newest sample. Zooming and panning stop
   * following; steve_chart_follow_live() resumes it.
   */
  properties[PROP_FOLLOWING] =
    g_param_spec_boolean ("following", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_POSITION_UNIT] =
    g_param_spec_enum ("position-unit", NULL, NULL,
                       STEVE_TYPE_POSITION_UNIT, STEVE_POSITION_UNIT_DEGREES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  properties[PROP_DEGREES_PER_TURN] =
    g_param_spec_double ("degrees-per-turn", NULL, NULL,
                         1e-3, 1e6, 360.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SteveChart:visible-channels:
   *
   * Bit mask of the shown channels (STEVE_CHANNEL_BIT()). A lane whose
   * channels are all hidden is removed.
   */
  properties[PROP_VISIBLE_CHANNELS] =
    g_param_spec_uint ("visible-channels", NULL, NULL,
                       0, STEVE_CHANNEL_ALL, STEVE_CHANNEL_ALL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SteveChart::view-changed:
   *
   * The shown time range changed (zoom, pan, window, pause, follow, or
   * new data while following). Query it with steve_chart_get_view().
   */
  signals[VIEW_CHANGED] =
    g_signal_new ("view-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_install_property_action (widget_class, "chart.pause", "paused");
  gtk_widget_class_install_action (widget_class, "chart.follow", NULL, action_follow);
  gtk_widget_class_install_action (widget_class, "chart.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "chart.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (widget_class, "chart.pan-left", NULL, action_pan);
  gtk_widget_class_install_action (widget_class, "chart.pan-right", NULL, action_pan);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, 0, "chart.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "chart.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, 0, "chart.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "chart.pan-left", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Left, 0, "chart.pan-left", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "chart.pan-right", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Right, 0, "chart.pan-right", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, 0, "chart.follow", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Home, 0, "chart.follow", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "chart.pause", NULL);

  gtk_widget_class_set_css_name (widget_class, "stevechart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
steve_chart_init (SteveChart *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;
  GtkGesture *gesture;

  self->window = DEFAULT_WINDOW;
  self->following = TRUE;
  self->position_unit = STEVE_POSITION_UNIT_DEGREES;
  self->degrees_per_turn = 360.0;
  self->visible_channels = STEVE_CHANNEL_ALL;
  self->pointer_x = self->pointer_y = NAN;
  self->cursor_t = NAN;
  self->geo.width = -1;
  for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
    self->segments[ch] = g_array_new (FALSE, FALSE, sizeof (double));
  self->raster = steve_bar_raster_new ();
  self->time_labels = g_array_new (FALSE, FALSE, sizeof (TimeLabel));
  self->text_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cached_text_free);
  g_array_set_clear_func (self->time_labels, time_label_clear);

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_has_tooltip (widget, TRUE);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (widget, controller);

  gesture = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (gesture, "drag-update", G_CALLBACK (on_drag_update), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_zoom_new ();
  g_signal_connect (gesture, "begin", G_CALLBACK (on_pinch_begin), self);
  g_signal_connect (gesture, "scale-changed", G_CALLBACK (on_pinch_scale_changed), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gesture = gtk_gesture_click_new ();
  g_signal_connect (gesture, "pressed", G_CALLBACK (on_click_pressed), self);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (gesture), GTK_PHASE_CAPTURE);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (gesture));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Telemetry chart"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Position, velocity, torque and passivity energy over time"),
                                  -1);

  update_actions (self);
}

/* ------------------------------------------------------------ public */

GtkWidget *
steve_chart_new (void)
{
  return g_object_new (STEVE_TYPE_CHART, NULL);
}

SteveHistory *
steve_chart_get_history (SteveChart *self)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), NULL);

  return self->history;
}

void
steve_chart_set_history (SteveChart   *self,
                         SteveHistory *history)
{
  g_return_if_fail (STEVE_IS_CHART (self));
  g_return_if_fail (history == NULL || STEVE_IS_HISTORY (history));

  if (self->history == history)
    return;

  if (self->history != NULL)
    g_clear_signal_handler (&self->history_changed_id, self->history);
  g_set_object (&self->history, history);
  if (history != NULL)
    self->history_changed_id = g_signal_connect_object (history, "changed",
                                                        G_CALLBACK (on_history_changed), self,
                                                        G_CONNECT_SWAPPED);

  self->seen_valid = FALSE;
  self->history_dirty = TRUE;
  self->dec_valid = FALSE;
  self->snap_scales = TRUE;
  for (guint l = 0; l < N_LANES; l++)
    self->lanes[l].scale.valid = FALSE;

  update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
  g_signal_emit (self, signals[VIEW_CHANGED], 0);
}

double
steve_chart_get_window (SteveChart *self)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), 0.0);

  return self->window;
}

/**
 * steve_chart_set_window:
 * @seconds: the span, 0 for everything
 *
 * While following, the view becomes the last @seconds; otherwise the
 * frozen view keeps its right edge and takes the new span.
 */
void
steve_chart_set_window (SteveChart *self,
                        double      seconds)
{
  g_return_if_fail (STEVE_IS_CHART (self));
  g_return_if_fail (seconds >= 0.0);

  if (seconds > 0.0)
    seconds = CLAMP (seconds, STEVE_CHART_MIN_SPAN, STEVE_CHART_MAX_SPAN);

  if (self->window == seconds)
    return;

  self->window = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW]);

  if (self->following)
    view_changed (self);
  else if (seconds > 0.0)
    set_frozen_view (self, self->view_t1 - seconds, self->view_t1);
  else
    {
      double d0 = 0.0, d1 = DEFAULT_WINDOW;

      if (self->history != NULL)
        steve_history_get_time_range (self->history, &d0, &d1);
      set_frozen_view (self, d0, MAX (d1, d0 + 1.0));
    }
}

gboolean
steve_chart_get_paused (SteveChart *self)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), FALSE);

  return self->paused;
}

void
steve_chart_set_paused (SteveChart *self,
                        gboolean    paused)
{
  g_return_if_fail (STEVE_IS_CHART (self));

  paused = !!paused;
  if (self->paused == paused)
    return;

  self->paused = paused;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);

  if (paused)
    {
      double t0, t1;

      compute_view (self, &t0, &t1);
      self->view_t0 = t0;
      self->view_t1 = t1;
      set_following (self, FALSE);
      update_actions (self);
    }
  else
    steve_chart_follow_live (self);
}

gboolean
steve_chart_get_following (SteveChart *self)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), FALSE);

  return self->following;
}

/**
 * steve_chart_follow_live:
 *
 * Back to live: unpauses and shows the last #SteveChart:window seconds.
 */
void
steve_chart_follow_live (SteveChart *self)
{
  g_return_if_fail (STEVE_IS_CHART (self));

  if (self->paused)
    {
      self->paused = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
    }
  set_following (self, TRUE);
  view_changed (self);
}

StevePositionUnit
steve_chart_get_position_unit (SteveChart *self)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), STEVE_POSITION_UNIT_DEGREES);

  return self->position_unit;
}

void
steve_chart_set_position_unit (SteveChart        *self,
                               StevePositionUnit  unit)
{
  g_return_if_fail (STEVE_IS_CHART (self));
  g_return_if_fail (unit == STEVE_POSITION_UNIT_DEGREES || unit == STEVE_POSITION_UNIT_TURNS);

  if (self->position_unit == unit)
    return;

  self->position_unit = unit;
  self->dec_valid = FALSE;
  self->lanes[LANE_POSITION].scale.valid = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION_UNIT]);
}

double
steve_chart_get_degrees_per_turn (SteveChart *self)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), 360.0);

  return self->degrees_per_turn;
}

void
steve_chart_set_degrees_per_turn (SteveChart *self,
                                  double      degrees_per_turn)
{
  g_return_if_fail (STEVE_IS_CHART (self));
  g_return_if_fail (degrees_per_turn > 0.0);

  if (self->degrees_per_turn == degrees_per_turn)
    return;

  self->degrees_per_turn = degrees_per_turn;
  if (self->position_unit == STEVE_POSITION_UNIT_TURNS)
    {
      self->dec_valid = FALSE;
      self->lanes[LANE_POSITION].scale.valid = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEGREES_PER_TURN]);
}

guint
steve_chart_get_visible_channels (SteveChart *self)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), 0);

  return self->visible_channels;
}

void
steve_chart_set_visible_channels (SteveChart *self,
                                  guint       mask)
{
  g_return_if_fail (STEVE_IS_CHART (self));

  mask &= STEVE_CHANNEL_ALL;
  if (self->visible_channels == mask)
    return;

  self->visible_channels = mask;
  self->snap_scales = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_CHANNELS]);
}

gboolean
steve_chart_get_channel_visible (SteveChart   *self,
                                 SteveChannel  channel)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), FALSE);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, FALSE);

  return channel_shown (self, channel);
}

void
steve_chart_set_channel_visible (SteveChart   *self,
                                 SteveChannel  channel,
                                 gboolean      visible)
{
  g_return_if_fail (STEVE_IS_CHART (self));
  g_return_if_fail (channel < STEVE_N_CHANNELS);

  if (visible)
    steve_chart_set_visible_channels (self, self->visible_channels | STEVE_CHANNEL_BIT (channel));
  else
    steve_chart_set_visible_channels (self, self->visible_channels & ~STEVE_CHANNEL_BIT (channel));
}

/**
 * steve_chart_get_view:
 * @t0: (out) (optional): left edge, s
 * @t1: (out) (optional): right edge, s
 *
 * The shown time range, on the history's axis.
 */
void
steve_chart_get_view (SteveChart *self,
                      double     *t0,
                      double     *t1)
{
  double a, b;

  g_return_if_fail (STEVE_IS_CHART (self));

  compute_view (self, &a, &b);
  if (t0)
    *t0 = a;
  if (t1)
    *t1 = b;
}

/**
 * steve_chart_set_view:
 *
 * Shows [t0, t1] and stops following.
 */
void
steve_chart_set_view (SteveChart *self,
                      double      t0,
                      double      t1)
{
  g_return_if_fail (STEVE_IS_CHART (self));
  g_return_if_fail (t1 > t0);

  set_frozen_view (self, t0, t1);
}

/**
 * steve_chart_zoom:
 * @factor: > 1 zooms in, < 1 out
 * @anchor_t: the time that stays at the same place (NaN: the centre)
 *
 * Stops following.
 */
void
steve_chart_zoom (SteveChart *self,
                  double      factor,
                  double      anchor_t)
{
  double t0, t1, span, new_span, frac;

  g_return_if_fail (STEVE_IS_CHART (self));
  g_return_if_fail (factor > 0.0);

  compute_view (self, &t0, &t1);
  span = t1 - t0;
  if (!isfinite (anchor_t))
    anchor_t = (t0 + t1) / 2;

  new_span = CLAMP (span / factor, STEVE_CHART_MIN_SPAN, STEVE_CHART_MAX_SPAN);
  frac = (anchor_t - t0) / span;
  set_frozen_view (self, anchor_t - frac * new_span, anchor_t - frac * new_span + new_span);
}

/**
 * steve_chart_pan:
 * @seconds: > 0 moves the view later in time
 *
 * Stops following. The view stays over recorded time.
 */
void
steve_chart_pan (SteveChart *self,
                 double      seconds)
{
  double t0, t1;

  g_return_if_fail (STEVE_IS_CHART (self));

  compute_view (self, &t0, &t1);
  set_frozen_view (self, t0 + seconds, t1 + seconds);
}

/**
 * steve_chart_time_to_x:
 *
 * Returns: the widget x coordinate of time @t in the current view
 */
double
steve_chart_time_to_x (SteveChart *self,
                       double      t)
{
  double t0, t1;

  g_return_val_if_fail (STEVE_IS_CHART (self), 0.0);

  ensure_geometry (self);
  compute_view (self, &t0, &t1);

  return time_to_x (self, t, t0, t1);
}

double
steve_chart_x_to_time (SteveChart *self,
                       double      x)
{
  double t0, t1;

  g_return_val_if_fail (STEVE_IS_CHART (self), 0.0);

  ensure_geometry (self);
  compute_view (self, &t0, &t1);

  return t0 + (x - self->geo.plot_x) / self->geo.plot_w * (t1 - t0);
}

/**
 * steve_chart_get_plot_area:
 * @area: (out): the data area of the lane showing @channel, widget coordinates
 *
 * Returns: %FALSE when that lane is not shown
 */
gboolean
steve_chart_get_plot_area (SteveChart      *self,
                           SteveChannel     channel,
                           graphene_rect_t *area)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), FALSE);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, FALSE);
  g_return_val_if_fail (area != NULL, FALSE);

  if (!ensure_geometry (self) || !channel_shown (self, channel))
    return FALSE;

  for (guint l = 0; l < N_LANES; l++)
    for (guint i = 0; i < lane_info[l].n_channels; i++)
      if (lane_info[l].channels[i] == channel)
        *area = self->lanes[l].plot;

  return TRUE;
}

/**
 * steve_chart_get_y_range:
 *
 * The y axis limits of the lane showing @channel, in display units, as
 * of the last frame.
 *
 * Returns: %FALSE before the lane was drawn
 */
gboolean
steve_chart_get_y_range (SteveChart   *self,
                         SteveChannel  channel,
                         double       *min,
                         double       *max)
{
  const SteveAutoscale *sc = NULL;

  g_return_val_if_fail (STEVE_IS_CHART (self), FALSE);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, FALSE);

  for (guint l = 0; l < N_LANES; l++)
    for (guint i = 0; i < lane_info[l].n_channels; i++)
      if (lane_info[l].channels[i] == channel)
        sc = &self->lanes[l].scale;

  if (sc == NULL || !sc->valid)
    return FALSE;

  if (min)
    *min = sc->min;
  if (max)
    *max = sc->max;

  return TRUE;
}

/**
 * steve_chart_set_cursor_time:
 * @t: time of the cursor line, or NaN to go back to following the pointer
 */
void
steve_chart_set_cursor_time (SteveChart *self,
                             double      t)
{
  g_return_if_fail (STEVE_IS_CHART (self));

  self->cursor_t = t;
  self->cursor_mode = isfinite (t) ? CURSOR_TIME : CURSOR_NONE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/**
 * steve_chart_dup_cursor_text:
 *
 * The cursor read-out as drawn: a "Time: …" line, then one
 * "Name: value unit" line per shown channel ("—" where there is no
 * value).
 *
 * Returns: (nullable): the text, or %NULL when no cursor is shown
 */
char *
steve_chart_dup_cursor_text (SteveChart *self)
{
  char *names[STEVE_N_CHANNELS] = { NULL, };
  char *values[STEVE_N_CHANNELS] = { NULL, };
  SteveChannel channels[STEVE_N_CHANNELS];
  double display[STEVE_N_CHANNELS];
  g_autofree char *time_text = NULL;
  GString *str;
  double t0, t1, t;
  guint n;

  g_return_val_if_fail (STEVE_IS_CHART (self), NULL);

  ensure_geometry (self);
  compute_view (self, &t0, &t1);
  t = current_cursor_time (self, t0, t1);
  if (!isfinite (t) || t < t0 || t > t1)
    return NULL;

  time_text = steve_plot_format_time (t, 3);
  str = g_string_new (NULL);
  g_string_append_printf (str, "%s: %s", _("Time"), time_text);

  n = cursor_rows (self, t, names, values, channels, display);
  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (str, "\n%s: %s", names[i], values[i]);
      g_free (names[i]);
      g_free (values[i]);
    }

  return g_string_free (str, FALSE);
}

/**
 * steve_chart_dup_legend_text:
 *
 * Returns: (nullable): the statistics shown in the legend for @channel
 *   ("min … max … mean …" over the view), as of the last frame
 */
char *
steve_chart_dup_legend_text (SteveChart   *self,
                             SteveChannel  channel)
{
  g_return_val_if_fail (STEVE_IS_CHART (self), NULL);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, NULL);

  return g_strdup (self->legend_text[channel]);
}

/**
 * steve_chart_get_series_color:
 *
 * The colour @channel is drawn with (a fixed palette, readable on light
 * and dark backgrounds).
 */
void
steve_chart_get_series_color (SteveChannel  channel,
                              GdkRGBA      *color)
{
  steve_plot_series_color (channel, color);
}
