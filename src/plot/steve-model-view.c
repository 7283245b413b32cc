/* steve-model-view.c — measured torque against the configured model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The axes, grid and labels are cached as one node per set of ranges; the
 * dots (at most STEVE_MODEL_VIEW_MAX_POINTS a panel, every k-th sample of
 * the window) and the model curves are drawn into one cairo node. History
 * changes are coalesced to one redraw per frame by a tick callback.
 */
#define G_LOG_DOMAIN "steve-model-view"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "steve-field.h"
#include "steve-model-view.h"
#include "steve-physics.h"
#include "steve-plot-private.h"

#define PANEL_GAP      24.0
#define PAD            4.0
#define LABEL_GAP      6.0
#define TICK_LEN       4.0
#define CURVE_SAMPLES  400
#define CURVE_WIDTH    2.0
#define DOT_SIZE       2.5
#define DEFAULT_SECONDS 10.0

enum {
  PANEL_VELOCITY,
  PANEL_POSITION,
  N_PANELS
};

typedef struct
{
  graphene_rect_t header;
  graphene_rect_t plot;
  SteveAutoscale  x;
  SteveAutoscale  y;
  double          title_right;  /* where the header's title ends (set with
                                 * the frame node) */
} Panel;

typedef struct
{
  int     width;
  int     height;
  int     scale;
  GdkRGBA fg;
  double  lim[N_PANELS][6];
} FrameKey;

struct _SteveModelView
{
  GtkWidget           parent_instance;

  SteveHistory       *history;
  gulong              history_changed_id;
  gboolean            vector_output;  /* for a vector file */
  SteveConfig         config;
  gboolean            has_config;
  StevePhysicsParams  params;
  double              degrees_per_turn;
  double              seconds;

  guint               tick_id;
  guint               redraw_source;
  gboolean            snap;
  guint64             style_serial;

  Panel               panels[N_PANELS];
  double              label_h;
  guint               n_points;
  GArray             *omega;     /* float, the dots of this frame */
  GArray             *position;
  GArray             *torque;

  GskRenderNode      *frame_node;
  FrameKey            frame_key;
  guint64             frame_style_serial;
};

enum {
  PROP_0,
  PROP_HISTORY,
  PROP_CONFIG,
  PROP_SECONDS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (SteveModelView, steve_model_view, GTK_TYPE_WIDGET)

/* ------------------------------------------------------------ helpers */

static inline double
panel_x (const Panel *p,
         double       x)
{
  return p->plot.origin.x + (x - p->x.min) / (p->x.max - p->x.min) * p->plot.size.width;
}

static inline double
panel_y (const Panel *p,
         double       y)
{
  return p->plot.origin.y + p->plot.size.height -
         (y - p->y.min) / (p->y.max - p->y.min) * p->plot.size.height;
}

static double
probe_theta_turns (SteveModelView *self)
{
  return (self->params.closed_turns + self->params.open_turns) / 2.0;
}

static gboolean
redraw_cb (gpointer data)
{
  SteveModelView *self = data;

  self->redraw_source = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));

  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  SteveModelView *self = STEVE_MODEL_VIEW (widget);

  self->tick_id = 0;
  gtk_widget_queue_draw (widget);

  return G_SOURCE_REMOVE;
}

static void
on_history_changed (SteveModelView *self)
{
  if (self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), tick_cb, NULL, NULL);
}

/* ------------------------------------------------------------ data */

static void
collect_points (SteveModelView *self)
{
  double d0, d1;
  guint first, end, stride;

  g_array_set_size (self->omega, 0);
  g_array_set_size (self->position, 0);
  g_array_set_size (self->torque, 0);
  self->n_points = 0;

  if (self->history == NULL || !steve_history_get_time_range (self->history, &d0, &d1))
    return;
  if (!steve_history_get_index_range (self->history, d1 - self->seconds, d1, &first, &end))
    return;

  stride = (end - first + STEVE_MODEL_VIEW_MAX_POINTS - 1) / STEVE_MODEL_VIEW_MAX_POINTS;
  stride = MAX (stride, 1);

  for (guint i = first; i < end; i += stride)
    {
      float w = steve_history_get_value (self->history, i, STEVE_CHANNEL_VELOCITY);
      float p = steve_history_get_value (self->history, i, STEVE_CHANNEL_POSITION);
      float t = steve_history_get_value (self->history, i, STEVE_CHANNEL_TORQUE);

      if (isnan (w) || isnan (p) || isnan (t))
        continue;

      g_array_append_val (self->omega, w);
      g_array_append_val (self->position, p);
      g_array_append_val (self->torque, t);
    }

  self->n_points = self->omega->len;
}

/* Sample x over [x0, x1], with the kinks of the law as exact points. */
static guint
curve_points (SteveModelView  *self,
              SteveModelCurve  which,
              double           x0,
              double           x1,
              double          *xs,
              double          *ys)
{
  double extra[2];
  guint n_extra = 0, n = 0;

  if (which == STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY)
    extra[n_extra++] = 0.0;
  else
    {
      extra[n_extra++] = self->params.closed_turns * self->degrees_per_turn;
      extra[n_extra++] = self->params.open_turns * self->degrees_per_turn;
    }

  for (guint i = 0; i <= CURVE_SAMPLES; i++)
    xs[n++] = x0 + (x1 - x0) * i / CURVE_SAMPLES;
  for (guint i = 0; i < n_extra; i++)
    if (extra[i] > x0 && extra[i] < x1)
      xs[n++] = extra[i];

  /* Insertion sort: almost sorted already. */
  for (guint i = 1; i < n; i++)
    {
      double v = xs[i];
      guint j = i;

      while (j > 0 && xs[j - 1] > v)
        {
          xs[j] = xs[j - 1];
          j--;
        }
      xs[j] = v;
    }

  for (guint i = 0; i < n; i++)
    steve_model_view_curve_value (self, which, xs[i], &ys[i]);

  return n;
}

static void
update_ranges (SteveModelView *self,
               gint64          now)
{
  Panel *pv = &self->panels[PANEL_VELOCITY];
  Panel *pp = &self->panels[PANEL_POSITION];
  double wmax = 0.0, pmin = INFINITY, pmax = -INFINITY;
  double tv_min = INFINITY, tv_max = -INFINITY;
  double xs[CURVE_SAMPLES + 3], ys[CURVE_SAMPLES + 3];
  double lo, hi, travel;
  guint tv_ticks, tp_ticks, xv_ticks, xp_ticks;

  for (guint i = 0; i < self->omega->len; i++)
    {
      float w = g_array_index (self->omega, float, i);
      float p = g_array_index (self->position, float, i);
      float t = g_array_index (self->torque, float, i);

      wmax = MAX (wmax, fabs (w));
      pmin = MIN (pmin, p);
      pmax = MAX (pmax, p);
      tv_min = MIN (tv_min, t);
      tv_max = MAX (tv_max, t);
    }

  xv_ticks = (guint) CLAMP (floor (pv->plot.size.width / 64), 2, 8);
  xp_ticks = (guint) CLAMP (floor (pp->plot.size.width / 64), 2, 8);
  tv_ticks = (guint) CLAMP (floor (pv->plot.size.height / 32), 2, 8);
  tp_ticks = tv_ticks;

  wmax = MAX (wmax * 1.1, 1.0);
  steve_autoscale_update (&pv->x, -wmax, wmax, 1.0, xv_ticks, now, self->snap);

  if (self->has_config)
    {
      double closed = self->params.closed_turns * self->degrees_per_turn;
      double open = self->params.open_turns * self->degrees_per_turn;

      travel = MAX (fabs (open - closed), 10.0);
      lo = MIN (MIN (closed, open), pmin);
      hi = MAX (MAX (closed, open), pmax);
      lo -= 0.15 * travel;
      hi += 0.15 * travel;
    }
  else
    {
      lo = pmin;
      hi = pmax;
    }
  steve_autoscale_update (&pp->x, lo, hi, 10.0, xp_ticks, now, self->snap);

  /* The y ranges hold the dots and the curves over the x ranges. */
  lo = tv_min;
  hi = tv_max;
  if (self->has_config)
    {
      guint n = curve_points (self, STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY, pv->x.min, pv->x.max, xs, ys);

      for (guint i = 0; i < n; i++)
        {
          lo = MIN (lo, ys[i]);
          hi = MAX (hi, ys[i]);
        }
    }
  steve_autoscale_update (&pv->y, lo, hi, 0.05, tv_ticks, now, self->snap);

  /* The torque axis of the position panel fits the curves between the
   * walls and over the measured positions, not out to the clamp far
   * beyond them (which would flatten everything inside the travel). */
  lo = tv_min;
  hi = tv_max;
  if (self->has_config)
    {
      double closed = self->params.closed_turns * self->degrees_per_turn;
      double open = self->params.open_turns * self->degrees_per_turn;
      double xa = MAX (MIN (MIN (closed, open), pmin), pp->x.min);
      double xb = MIN (MAX (MAX (closed, open), pmax), pp->x.max);

      for (SteveModelCurve c = STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE;
           xa < xb && c <= STEVE_MODEL_CURVE_TORQUE_VS_POSITION_NEGATIVE; c++)
        {
          guint n = curve_points (self, c, xa, xb, xs, ys);

          for (guint i = 0; i < n; i++)
            {
              lo = MIN (lo, ys[i]);
              hi = MAX (hi, ys[i]);
            }
        }
    }
  steve_autoscale_update (&pp->y, lo, hi, 0.05, tp_ticks, now, self->snap);

  self->snap = FALSE;

  for (guint p = 0; p < N_PANELS; p++)
    if (steve_autoscale_shrink_pending (&self->panels[p].x) ||
        steve_autoscale_shrink_pending (&self->panels[p].y))
      {
        if (self->redraw_source == 0)
          self->redraw_source = g_timeout_add (STEVE_AUTOSCALE_HOLD_US / 1000 + 20, redraw_cb, self);
        break;
      }
}

/* ------------------------------------------------------------ layout */

static void
layout_panels (SteveModelView *self,
               int             width,
               int             height,
               int             scale)
{
  g_autoptr(PangoLayout) layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  double margin_left, header_h, bottom, panel_w;
  int w, h;

  pango_layout_set_text (layout, "−88.888", -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  self->label_h = h;

  margin_left = w + LABEL_GAP + 2;
  header_h = h + 8;
  bottom = TICK_LEN + h + 4 + h + 6;
  panel_w = (width - PANEL_GAP) / 2.0;

  for (guint p = 0; p < N_PANELS; p++)
    {
      Panel *panel = &self->panels[p];
      double x = p * (panel_w + PANEL_GAP);
      double px0 = steve_plot_snap (x + margin_left, scale);
      double px1 = steve_plot_snap (x + panel_w - PAD, scale);
      double py0 = steve_plot_snap (PAD + header_h, scale);
      double py1 = steve_plot_snap (height - bottom, scale);

      panel->header = GRAPHENE_RECT_INIT (px0, PAD, MAX (px1 - px0, 1), header_h);
      panel->plot = GRAPHENE_RECT_INIT (px0, py0, MAX (px1 - px0, 1), MAX (py1 - py0, 1));
    }
}

/* ------------------------------------------------------------ drawing */

static GskRenderNode *
build_frame_node (SteveModelView *self,
                  const GdkRGBA  *fg,
                  int             scale)
{
  static const char * const titles[N_PANELS] = {
    /* Translators: the panel title; N·m is the unit of the y axis */
    N_("Torque (N·m) vs velocity"),
    N_("Torque (N·m) vs position"),
  };
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(PangoLayout) label = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  g_autoptr(PangoLayout) title = steve_plot_create_small_layout (GTK_WIDGET (self), TRUE);
  GdkRGBA bg = steve_plot_rgba_alpha (fg, 0.035f);
  GdkRGBA grid = steve_plot_rgba_alpha (fg, 0.10f);
  GdkRGBA zero = steve_plot_rgba_alpha (fg, 0.30f);
  GdkRGBA text = steve_plot_rgba_alpha (fg, 0.75f);
  double px = 1.0 / scale;

  for (guint p = 0; p < N_PANELS; p++)
    {
      Panel *panel = &self->panels[p];
      const graphene_rect_t *r = &panel->plot;
      g_autofree char *x_title = NULL;
      g_autofree char *y_title = NULL;
      int dx = steve_plot_decimals_for_step (panel->x.step);
      int dy = steve_plot_decimals_for_step (panel->y.step);
      guint nx = (guint) round ((panel->x.max - panel->x.min) / panel->x.step);
      guint ny = (guint) round ((panel->y.max - panel->y.min) / panel->y.step);

      gtk_snapshot_append_color (snapshot, &bg, r);

      for (guint i = 0; i <= ny; i++)
        {
          double v = panel->y.min + i * panel->y.step;
          double y, ly, yalign = 0.5;
          g_autofree char *s = NULL;

          if (fabs (v) < panel->y.step * 1e-6)
            v = 0.0;
          y = panel_y (panel, v);
          ly = CLAMP (floor (y * scale) / scale, r->origin.y, r->origin.y + r->size.height - px);
          gtk_snapshot_append_color (snapshot, v == 0.0 && panel->y.min < 0 ? &zero : &grid,
                                     &GRAPHENE_RECT_INIT (r->origin.x, ly, r->size.width, px));
          if (y - self->label_h / 2 < r->origin.y)
            yalign = 0.0, y = r->origin.y;
          else if (y + self->label_h / 2 > r->origin.y + r->size.height)
            yalign = 1.0, y = r->origin.y + r->size.height;
          s = steve_plot_format_value (v, dy);
          steve_plot_append_text (snapshot, label, s, r->origin.x - LABEL_GAP, y, 1.0, yalign, &text, scale);
        }

      for (guint i = 0; i <= nx; i++)
        {
          double v = panel->x.min + i * panel->x.step;
          double x, lx, xalign = 0.5;
          g_autofree char *s = NULL;

          if (fabs (v) < panel->x.step * 1e-6)
            v = 0.0;
          x = panel_x (panel, v);
          lx = CLAMP (floor (x * scale) / scale, r->origin.x, r->origin.x + r->size.width - px);
          gtk_snapshot_append_color (snapshot, v == 0.0 && panel->x.min < 0 ? &zero : &grid,
                                     &GRAPHENE_RECT_INIT (lx, r->origin.y, px, r->size.height));
          gtk_snapshot_append_color (snapshot, &zero,
                                     &GRAPHENE_RECT_INIT (lx, r->origin.y + r->size.height, px, TICK_LEN));
          if (i == 0)
            xalign = 0.0;
          else if (i == nx)
            xalign = 1.0;
          s = steve_plot_format_value (v, dx);
          steve_plot_append_text (snapshot, label, s, x, r->origin.y + r->size.height + TICK_LEN + 1,
                       xalign, 0.0, &text, scale);
        }

      x_title = p == PANEL_VELOCITY
        ? g_strdup_printf (_("%s (%s)"), steve_channel_get_name (STEVE_CHANNEL_VELOCITY),
                           steve_channel_get_unit (STEVE_CHANNEL_VELOCITY))
        : g_strdup_printf (_("%s (%s)"), steve_channel_get_name (STEVE_CHANNEL_POSITION),
                           steve_channel_get_unit (STEVE_CHANNEL_POSITION));
      steve_plot_append_text (snapshot, label, x_title, r->origin.x + r->size.width / 2,
                   r->origin.y + r->size.height + TICK_LEN + self->label_h + 3, 0.5, 0.0, fg, scale);

      y_title = g_strdup (_(titles[p]));
      panel->title_right = panel->header.origin.x +
                           steve_plot_append_text (snapshot, title, y_title, panel->header.origin.x,
                                                   panel->header.origin.y + panel->header.size.height - 3,
                                                   0.0, 1.0, fg, scale);
    }

  return gtk_snapshot_free_to_node (snapshot);
}

static void
stroke_curve (SteveModelView  *self,
              cairo_t         *cr,
              const Panel     *panel,
              SteveModelCurve  which)
{
  double xs[CURVE_SAMPLES + 3], ys[CURVE_SAMPLES + 3];
  guint n = curve_points (self, which, panel->x.min, panel->x.max, xs, ys);

  for (guint i = 0; i < n; i++)
    {
      double x = panel_x (panel, xs[i]);
      double y = panel_y (panel, ys[i]);

      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_stroke (cr);
}

typedef enum
{
  SWATCH_LINE,
  SWATCH_DASHED,
  SWATCH_DOTS,
} Swatch;

static void
draw_legend (SteveModelView *self,
             GtkSnapshot    *snapshot,
             const Panel    *panel,
             const GdkRGBA  *fg,
             const GdkRGBA  *dots,
             const GdkRGBA  *model,
             gboolean        two_curves,
             int             scale)
{
  g_autoptr(PangoLayout) layout = steve_plot_create_small_layout (GTK_WIDGET (self), FALSE);
  GdkRGBA text = steve_plot_rgba_alpha (fg, 0.80f);
  GdkRGBA model_dim = steve_plot_rgba_alpha (model, 0.55f);
  double right = panel->header.origin.x + panel->header.size.width;
  double left_end = panel->title_right + 12;   /* no entry reaches past it */
  double y = panel->header.origin.y + panel->header.size.height - 3;
  double cy = y - self->label_h / 2;
  const char *entries[3];
  const GdkRGBA *colors[3];
  Swatch swatches[3];
  int widths[3];
  double total = 0;
  guint n = 0;

  if (self->has_config)
    {
      if (two_curves)
        {
          entries[n] = _("ω < 0");
          swatches[n] = SWATCH_DASHED;
          colors[n++] = &model_dim;
          entries[n] = _("model, ω > 0");
        }
      else
        entries[n] = _("model");
      swatches[n] = SWATCH_LINE;
      colors[n++] = model;
    }
  entries[n] = _("measured");
  swatches[n] = SWATCH_DOTS;
  colors[n++] = dots;

  /* each entry: a swatch (18 px with its gap) and its text, 12 px apart */
  for (guint i = 0; i < n; i++)
    {
      pango_layout_set_text (layout, entries[i], -1);
      pango_layout_get_pixel_size (layout, &widths[i], NULL);
      total += widths[i] + 18 + (i > 0 ? 12 : 0);
    }

  /* in a narrow panel, the two curves are told apart by ω alone */
  if (two_curves && self->has_config && right - total < left_end)
    {
      entries[1] = _("ω > 0");
      pango_layout_set_text (layout, entries[1], -1);
      pango_layout_get_pixel_size (layout, &widths[1], NULL);
    }

  /* Right to left; the entries that would reach the title are left out
   * (the velocity panel's legend names the dots too) */
  for (guint i = 0; i < n; i++)
    {
      int w = widths[i];
      double x;

      if (right - w - 18 < left_end)
        break;

      steve_plot_append_text (snapshot, layout, entries[i], right, y, 1.0, 1.0, &text, scale);
      x = right - w - 18;
      switch (swatches[i])
        {
        case SWATCH_DOTS:
          for (guint d = 0; d < 3; d++)
            gtk_snapshot_append_color (snapshot, colors[i],
                                       &GRAPHENE_RECT_INIT (steve_plot_snap (x + 1 + d * 4, scale),
                                                            steve_plot_snap (cy - 2 + (d % 2) * 2, scale),
                                                            DOT_SIZE, DOT_SIZE));
          break;
        case SWATCH_DASHED:
          for (guint d = 0; d < 2; d++)
            gtk_snapshot_append_color (snapshot, colors[i],
                                       &GRAPHENE_RECT_INIT (steve_plot_snap (x + d * 7, scale),
                                                            steve_plot_snap (cy - 1, scale), 5, 2));
          break;
        case SWATCH_LINE:
        default:
          gtk_snapshot_append_color (snapshot, colors[i],
                                     &GRAPHENE_RECT_INIT (steve_plot_snap (x, scale),
                                                          steve_plot_snap (cy - 1, scale), 12, 2));
          break;
        }
      right -= w + 18 + 12;
    }
}

static void
steve_model_view_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  SteveModelView *self = STEVE_MODEL_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = MAX (1, gtk_widget_get_scale_factor (widget));
  GdkRGBA fg, dots, model, wall;
  int dot_dev = MAX (2, (int) round (DOT_SIZE * scale));
  FrameKey key;
  cairo_t *cr;

  if (width < 40 || height < 40)
    return;

  steve_plot_get_fg_color (widget, &fg);
  steve_plot_series_color (STEVE_CHANNEL_POSITION, &dots);
  /* Translucent so that density shows; more opaque on a dark background
   * where blue over near-black is dim. */
  dots.alpha = 0.2126 * fg.red + 0.7152 * fg.green + 0.0722 * fg.blue > 0.5 ? 0.7f : 0.45f;
  steve_plot_series_color (STEVE_CHANNEL_TORQUE, &model);
  wall = steve_plot_rgba_alpha (&fg, 0.06f);

  layout_panels (self, width, height, scale);
  collect_points (self);
  update_ranges (self, g_get_monotonic_time ());

  memset (&key, 0, sizeof key);
  key.width = width;
  key.height = height;
  key.scale = scale;
  key.fg = fg;
  for (guint p = 0; p < N_PANELS; p++)
    {
      const Panel *panel = &self->panels[p];
      double lim[6] = { panel->x.min, panel->x.max, panel->x.step, panel->y.min, panel->y.max, panel->y.step };

      memcpy (key.lim[p], lim, sizeof lim);
    }
  if (self->frame_node == NULL || self->frame_style_serial != self->style_serial ||
      memcmp (&key, &self->frame_key, sizeof key) != 0)
    {
      g_clear_pointer (&self->frame_node, gsk_render_node_unref);
      self->frame_node = build_frame_node (self, &fg, scale);
      self->frame_key = key;
      self->frame_style_serial = self->style_serial;
    }
  if (self->frame_node != NULL)
    gtk_snapshot_append_node (snapshot, self->frame_node);

  for (guint p = 0; p < N_PANELS; p++)
    {
      const Panel *panel = &self->panels[p];
      const graphene_rect_t *r = &panel->plot;
      const GArray *xs = p == PANEL_VELOCITY ? self->omega : self->position;

      /* Beyond the walls */
      if (p == PANEL_POSITION && self->has_config)
        {
          double xc = panel_x (panel, MIN (self->params.closed_turns, self->params.open_turns) * self->degrees_per_turn);
          double xo = panel_x (panel, MAX (self->params.closed_turns, self->params.open_turns) * self->degrees_per_turn);

          xc = CLAMP (xc, r->origin.x, r->origin.x + r->size.width);
          xo = CLAMP (xo, r->origin.x, r->origin.x + r->size.width);
          gtk_snapshot_append_color (snapshot, &wall,
                                     &GRAPHENE_RECT_INIT (r->origin.x, r->origin.y, xc - r->origin.x, r->size.height));
          gtk_snapshot_append_color (snapshot, &wall,
                                     &GRAPHENE_RECT_INIT (xo, r->origin.y, r->origin.x + r->size.width - xo, r->size.height));
        }

      cr = steve_plot_append_cairo (snapshot, r, self->vector_output);
      cairo_rectangle (cr, r->origin.x, r->origin.y, r->size.width, r->size.height);
      cairo_clip (cr);

      /* Dots on whole device pixels: cairo fills aligned boxes far faster */
      for (guint i = 0; i < xs->len; i++)
        {
          double x = round (panel_x (panel, g_array_index (xs, float, i)) * scale) - dot_dev / 2;
          double y = round (panel_y (panel, g_array_index (self->torque, float, i)) * scale) - dot_dev / 2;

          cairo_rectangle (cr, x / scale, y / scale, (double) dot_dev / scale, (double) dot_dev / scale);
        }
      gdk_cairo_set_source_rgba (cr, &dots);
      cairo_fill (cr);

      if (self->has_config)
        {
          static const double dashes[] = { 6.0, 4.0 };

          cairo_set_line_width (cr, CURVE_WIDTH);
          cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
          cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
          gdk_cairo_set_source_rgba (cr, &model);

          if (p == PANEL_VELOCITY)
            stroke_curve (self, cr, panel, STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY);
          else
            {
              stroke_curve (self, cr, panel, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE);
              cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
              model.alpha = 0.55f;
              gdk_cairo_set_source_rgba (cr, &model);
              stroke_curve (self, cr, panel, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_NEGATIVE);
              model.alpha = 1.0f;
            }
        }
      cairo_destroy (cr);

      draw_legend (self, snapshot, panel, &fg, &dots, &model, p == PANEL_POSITION, scale);

      if (self->n_points == 0)
        {
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
          GdkRGBA dim = steve_plot_rgba_alpha (&fg, 0.55f);

          steve_plot_append_text (snapshot, layout, _("Waiting for telemetry…"),
                       r->origin.x + r->size.width / 2, r->origin.y + r->size.height / 4,
                       0.5, 0.5, &dim, scale);
        }
    }
}

/**
 * steve_model_view_snapshot_vector:
 *
 * What the view shows now, like its snapshot function, laid out for a
 * vector file (SVG): see steve_plot_append_cairo().
 */
void
steve_model_view_snapshot_vector (SteveModelView *self,
                                  GtkSnapshot    *snapshot)
{
  g_return_if_fail (STEVE_IS_MODEL_VIEW (self));

  self->vector_output = TRUE;
  steve_model_view_snapshot (GTK_WIDGET (self), snapshot);
  self->vector_output = FALSE;
}

static void
steve_model_view_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 360;
      *natural = 720;
    }
  else
    {
      *minimum = 160;
      *natural = 320;
    }
}

static void
steve_model_view_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  SteveModelView *self = STEVE_MODEL_VIEW (widget);

  GTK_WIDGET_CLASS (steve_model_view_parent_class)->css_changed (widget, change);

  self->style_serial++;
  gtk_widget_queue_draw (widget);
}

/* ------------------------------------------------------------ GObject */

static void
steve_model_view_dispose (GObject *object)
{
  SteveModelView *self = (SteveModelView *) object;

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_handle_id (&self->redraw_source, g_source_remove);
  if (self->history != NULL)
    g_clear_signal_handler (&self->history_changed_id, self->history);
  g_clear_object (&self->history);
  g_clear_pointer (&self->frame_node, gsk_render_node_unref);

  G_OBJECT_CLASS (steve_model_view_parent_class)->dispose (object);
}

static void
steve_model_view_finalize (GObject *object)
{
  SteveModelView *self = (SteveModelView *) object;

  g_clear_pointer (&self->omega, g_array_unref);
  g_clear_pointer (&self->position, g_array_unref);
  g_clear_pointer (&self->torque, g_array_unref);

  G_OBJECT_CLASS (steve_model_view_parent_class)->finalize (object);
}

static void
steve_model_view_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  SteveModelView *self = STEVE_MODEL_VIEW (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      g_value_set_object (value, self->history);
      break;

    case PROP_CONFIG:
      g_value_set_boxed (value, self->has_config ? &self->config : NULL);
      break;

    case PROP_SECONDS:
      g_value_set_double (value, self->seconds);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_model_view_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  SteveModelView *self = STEVE_MODEL_VIEW (object);

  switch (prop_id)
    {
    case PROP_HISTORY:
      steve_model_view_set_history (self, g_value_get_object (value));
      break;

    case PROP_CONFIG:
      steve_model_view_set_config (self, g_value_get_boxed (value));
      break;

    case PROP_SECONDS:
      steve_model_view_set_seconds (self, g_value_get_double (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_model_view_class_init (SteveModelViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_model_view_dispose;
  object_class->finalize = steve_model_view_finalize;
  object_class->get_property = steve_model_view_get_property;
  object_class->set_property = steve_model_view_set_property;

  widget_class->snapshot = steve_model_view_snapshot;
  widget_class->measure = steve_model_view_measure;
  widget_class->css_changed = steve_model_view_css_changed;

  properties[PROP_HISTORY] =
    g_param_spec_object ("history", NULL, NULL,
                         STEVE_TYPE_HISTORY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SteveModelView:config:
   *
   * The configuration whose curves are drawn; %NULL draws none.
   */
  properties[PROP_CONFIG] =
    g_param_spec_boxed ("config", NULL, NULL,
                        STEVE_TYPE_CONFIG,
                        G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * SteveModelView:seconds:
   *
   * How much of the end of the history is shown as dots.
   */
  properties[PROP_SECONDS] =
    g_param_spec_double ("seconds", NULL, NULL,
                         0.1, 24 * 3600.0, DEFAULT_SECONDS,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "stevemodelview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
steve_model_view_init (SteveModelView *self)
{
  self->seconds = DEFAULT_SECONDS;
  self->degrees_per_turn = 360.0;
  self->snap = TRUE;
  self->omega = g_array_new (FALSE, FALSE, sizeof (float));
  self->position = g_array_new (FALSE, FALSE, sizeof (float));
  self->torque = g_array_new (FALSE, FALSE, sizeof (float));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Torque model"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Measured torque against velocity and position, with the curves of the current configuration"),
                                  -1);
}

/* ------------------------------------------------------------ public */

GtkWidget *
steve_model_view_new (void)
{
  return g_object_new (STEVE_TYPE_MODEL_VIEW, NULL);
}

SteveHistory *
steve_model_view_get_history (SteveModelView *self)
{
  g_return_val_if_fail (STEVE_IS_MODEL_VIEW (self), NULL);

  return self->history;
}

void
steve_model_view_set_history (SteveModelView *self,
                              SteveHistory   *history)
{
  g_return_if_fail (STEVE_IS_MODEL_VIEW (self));
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

  self->snap = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
}

/**
 * steve_model_view_get_config:
 *
 * Returns: (nullable): the configuration drawn, or %NULL
 */
const SteveConfig *
steve_model_view_get_config (SteveModelView *self)
{
  g_return_val_if_fail (STEVE_IS_MODEL_VIEW (self), NULL);

  return self->has_config ? &self->config : NULL;
}

static gboolean
config_equal (const SteveConfig *a,
              const SteveConfig *b)
{
  if (a->present != b->present)
    return FALSE;
  for (guint f = 0; f < STEVE_N_FIELDS; f++)
    if (!steve_config_field_equal (a, b, f))
      return FALSE;
  return TRUE;
}

/**
 * steve_model_view_set_config:
 * @config: (nullable): the configuration; fields it lacks take their
 *   factory values (as steve_physics_params_from_config() does)
 */
void
steve_model_view_set_config (SteveModelView    *self,
                             const SteveConfig *config)
{
  g_return_if_fail (STEVE_IS_MODEL_VIEW (self));

  if (config == NULL && !self->has_config)
    return;
  if (config != NULL && self->has_config && config_equal (config, &self->config))
    return;

  if (config != NULL)
    {
      self->config = *config;
      self->has_config = TRUE;
      steve_physics_params_from_config (&self->params, config);
      self->degrees_per_turn = steve_config_get_degrees_per_turn (config);
    }
  else
    self->has_config = FALSE;

  self->snap = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONFIG]);
}

double
steve_model_view_get_seconds (SteveModelView *self)
{
  g_return_val_if_fail (STEVE_IS_MODEL_VIEW (self), 0.0);

  return self->seconds;
}

void
steve_model_view_set_seconds (SteveModelView *self,
                              double          seconds)
{
  g_return_if_fail (STEVE_IS_MODEL_VIEW (self));
  g_return_if_fail (seconds > 0.0);

  if (self->seconds == seconds)
    return;

  self->seconds = seconds;
  self->snap = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECONDS]);
}

/**
 * steve_model_view_curve_value:
 * @which: the curve
 * @x: velocity in rad/s, or position in degrees
 * @y: (out): the torque drawn at @x, N·m
 *
 * The exact value of a drawn curve: steve_physics_torque() at @x, with
 * the position of steve_model_view_get_probe_position() (velocity curve)
 * or ±%STEVE_MODEL_VIEW_PROBE_OMEGA (position curves).
 *
 * Returns: %FALSE when no configuration is set
 */
gboolean
steve_model_view_curve_value (SteveModelView  *self,
                              SteveModelCurve  which,
                              double           x,
                              double          *y)
{
  double theta, omega_turns;

  g_return_val_if_fail (STEVE_IS_MODEL_VIEW (self), FALSE);
  g_return_val_if_fail (y != NULL, FALSE);

  *y = NAN;
  if (!self->has_config)
    return FALSE;

  switch (which)
    {
    case STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY:
      theta = probe_theta_turns (self);
      omega_turns = x / (2.0 * G_PI);
      break;

    case STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE:
      theta = x / self->degrees_per_turn;
      omega_turns = STEVE_MODEL_VIEW_PROBE_OMEGA / (2.0 * G_PI);
      break;

    case STEVE_MODEL_CURVE_TORQUE_VS_POSITION_NEGATIVE:
      theta = x / self->degrees_per_turn;
      omega_turns = -STEVE_MODEL_VIEW_PROBE_OMEGA / (2.0 * G_PI);
      break;

    default:
      g_return_val_if_reached (FALSE);
    }

  *y = steve_physics_torque (&self->params, theta, omega_turns, NULL);
  return TRUE;
}

/**
 * steve_model_view_get_probe_position:
 *
 * Returns: the position (degrees, mid-travel) of the torque-vs-velocity curve
 */
double
steve_model_view_get_probe_position (SteveModelView *self)
{
  g_return_val_if_fail (STEVE_IS_MODEL_VIEW (self), 0.0);

  return probe_theta_turns (self) * self->degrees_per_turn;
}

/**
 * steve_model_view_get_n_points:
 *
 * Returns: the number of dots drawn in each panel by the last frame
 */
guint
steve_model_view_get_n_points (SteveModelView *self)
{
  g_return_val_if_fail (STEVE_IS_MODEL_VIEW (self), 0);

  return self->n_points;
}
