/* steve-sweep-page.c — the Sweep page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A form for a SteveSweepPlan (one feel field, or a grid of two), the run's
 * progress, a table of the results and a plot of one metric against the
 * swept field. The core (SteveSweep) does the work: it checks every point
 * against the hard limits, measures each step and puts the original values
 * back at the end, on abort, on an e-stop and after a reconnect. The page
 * adds what a person needs around it: inputs that cannot leave the hard
 * limits, a confirmation before a plan leaves the recommended range, one
 * recording per sweep into a file of the user's choice (step boundaries are
 * marks in it), and an abort the window's e-stop reaches.
 *
 * The recording goes to a crash-safe journal (steve_journal_dir()) while
 * the sweep runs and is written to the chosen file when it ends; the
 * journal is removed only once that file is complete.
 */
#define G_LOG_DOMAIN "steve-sweep-page"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "steve-app-resources.h"
#include "steve-app-util.h"
#include "steve-error.h"
#include "steve-field.h"
#include "steve-plot-private.h"
#include "steve-recorder.h"
#include "steve-sweep-page.h"

/* ================================================================== result rows */

#define STEVE_TYPE_SWEEP_ITEM (steve_sweep_item_get_type ())
G_DECLARE_FINAL_TYPE (SteveSweepItem, steve_sweep_item, STEVE, SWEEP_ITEM, GObject)

struct _SteveSweepItem
{
  GObject          parent_instance;
  SteveSweepResult result;
};

G_DEFINE_FINAL_TYPE (SteveSweepItem, steve_sweep_item, G_TYPE_OBJECT)

static void
steve_sweep_item_class_init (SteveSweepItemClass *klass)
{
}

static void
steve_sweep_item_init (SteveSweepItem *self)
{
}

static SteveSweepItem *
steve_sweep_item_new (const SteveSweepResult *result)
{
  SteveSweepItem *self = g_object_new (STEVE_TYPE_SWEEP_ITEM, NULL);

  self->result = *result;
  return self;
}

/**
 * steve_sweep_page_format_number:
 *
 * How the page shows a metric: four significant digits, a real minus sign.
 *
 * Returns: (transfer full): the text
 */
char *
steve_sweep_page_format_number (double value)
{
  g_autofree char *text = NULL;

  if (!isfinite (value))
    return g_strdup ("—");

  text = g_strdup_printf ("%.4g", fabs (value));
  if (value < 0 && strspn (text, "0.") != strlen (text))
    return g_strconcat ("−", text, NULL);
  return g_steal_pointer (&text);
}

/* "Viscous damping (N·m·s/rad)" */
static char *
field_title (SteveField field)
{
  const SteveFieldInfo *info = steve_field_info (field);

  if (info->unit[0] == '\0')
    return g_strdup (_(info->label));
  /* Translators: a quantity and its unit, e.g. “Viscous damping (N·m·s/rad)” */
  return g_strdup_printf (_("%s (%s)"), _(info->label), info->unit);
}

static char *
metric_title (SteveSweepMetric metric)
{
  return g_strdup_printf (_("%s (%s)"), steve_sweep_metric_name (metric), steve_sweep_metric_unit (metric));
}

/* "0.0200 N·m·s/rad" */
static char *
field_value_text (SteveField field,
                  double     value)
{
  const SteveFieldInfo *info = steve_field_info (field);
  g_autofree char *number = steve_field_format_value (field, value);

  if (info->unit[0] == '\0')
    return g_steal_pointer (&number);
  return g_strdup_printf ("%s %s", number, info->unit);
}

/* ================================================================== plot */

#define STEVE_TYPE_SWEEP_PLOT (steve_sweep_plot_get_type ())
G_DECLARE_FINAL_TYPE (SteveSweepPlot, steve_sweep_plot, STEVE, SWEEP_PLOT, GtkWidget)

struct _SteveSweepPlot
{
  GtkWidget         parent_instance;

  SteveSweepPlan    plan;
  gboolean          have_plan;
  GArray           *results;   /* SteveSweepResult */
  SteveSweepMetric  metric;
};

G_DEFINE_FINAL_TYPE (SteveSweepPlot, steve_sweep_plot, GTK_TYPE_WIDGET)

/* GNOME palette tones readable on Adwaita's light and dark backgrounds */
static const char * const series_colors[] = {
  "#3584e4", "#e66100", "#26a269", "#c061cb", "#e01b24", "#986a44",
};

#define MAX_TICKS 64

typedef struct
{
  double   lo;      /* in axis space (log10 of the value on a log axis) */
  double   hi;
  gboolean log;
  double   ticks[MAX_TICKS];
  guint    n_ticks;
  int      decimals;
} PlotAxis;

static double
axis_space (const PlotAxis *axis,
            double          value)
{
  return axis->log ? log10 (value) : value;
}

static char *
axis_label (const PlotAxis *axis,
            double          value)
{
  if (axis->log)
    return steve_sweep_page_format_number (value);
  return steve_plot_format_value (value, axis->decimals);
}

static void
linear_axis (PlotAxis *axis,
             double    dmin,
             double    dmax,
             guint     max_ticks)
{
  double min_span, step;
  double mag = MAX (fabs (dmin), fabs (dmax));

  min_span = mag > 0 ? mag * 0.2 : 1.0;
  if (dmax - dmin > 0)
    min_span = MIN (min_span, (dmax - dmin));

  axis->log = FALSE;
  steve_plot_nice_range (dmin, dmax, min_span, MAX (max_ticks, 2), &axis->lo, &axis->hi, &step);
  axis->decimals = steve_plot_decimals_for_step (step);
  axis->n_ticks = 0;
  for (double t = axis->lo; t <= axis->hi + step * 1e-6 && axis->n_ticks < MAX_TICKS; t += step)
    axis->ticks[axis->n_ticks++] = fabs (t) < step * 1e-9 ? 0.0 : t;
}

static void
log_axis (PlotAxis *axis,
          double    dmin,
          double    dmax)
{
  static const double coarse[] = { 1, 2, 5 };
  static const double fine[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  double lo = log10 (dmin), hi = log10 (dmax), pad;

  if (hi - lo < 1e-6)
    {
      lo -= 0.1;
      hi += 0.1;
    }
  pad = (hi - lo) * 0.04;
  axis->log = TRUE;
  axis->lo = lo - pad;
  axis->hi = hi + pad;

  for (guint pass = 0; pass < 2; pass++)
    {
      const double *mantissas = pass == 0 ? coarse : fine;
      guint n_mantissas = pass == 0 ? G_N_ELEMENTS (coarse) : G_N_ELEMENTS (fine);

      axis->n_ticks = 0;
      for (int k = (int) floor (axis->lo); k <= (int) ceil (axis->hi); k++)
        for (guint m = 0; m < n_mantissas && axis->n_ticks < MAX_TICKS; m++)
          {
            double v = mantissas[m] * pow (10, k);
            double t = log10 (v);

            if (t >= axis->lo && t <= axis->hi)
              axis->ticks[axis->n_ticks++] = v;
          }
      if (axis->n_ticks >= 4)
        break;
    }
}

static int
text_width (PangoLayout *layout,
            const char  *text)
{
  int w;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, NULL);
  return w;
}

static guint
n_series (SteveSweepPlot *self)
{
  return self->plan.n_axes == 2 ? self->plan.axes[1].steps : 1;
}

static guint
series_of (SteveSweepPlot         *self,
           const SteveSweepResult *r)
{
  return self->plan.n_axes == 2 ? r->index % self->plan.axes[1].steps : 0;
}

static void
steve_sweep_plot_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  SteveSweepPlot *self = STEVE_SWEEP_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  g_autofree char *x_title = NULL, *y_title = NULL, *legend_title = NULL;
  GdkRGBA fg, grid, axis_color, dim;
  PlotAxis xa, ya;
  double xmin, xmax, ymin = G_MAXDOUBLE, ymax = -G_MAXDOUBLE;
  double left, right, top, bottom, pw, ph;
  int line_h, legend_w = 0, label_w = 0;
  guint series = 0;
  cairo_t *cr;

  steve_plot_get_fg_color (widget, &fg);
  grid = steve_plot_rgba_alpha (&fg, 0.1f);
  axis_color = steve_plot_rgba_alpha (&fg, 0.5f);
  dim = steve_plot_rgba_alpha (&fg, 0.75f);

  pango_layout_set_text (layout, "0", -1);
  pango_layout_get_pixel_size (layout, NULL, &line_h);

  if (!self->have_plan || self->results->len == 0)
    {
      steve_plot_append_text (snapshot, layout, _("No results to plot yet"), width / 2.0, height / 2.0, 0.5, 0.5, &dim, scale);
      return;
    }

  /* x: the planned range of the first field, so the axis stays put as steps arrive */
  xmin = MIN (self->plan.axes[0].start, self->plan.axes[0].end);
  xmax = MAX (self->plan.axes[0].start, self->plan.axes[0].end);
  for (guint i = 0; i < self->results->len; i++)
    {
      const SteveSweepResult *r = &g_array_index (self->results, SteveSweepResult, i);
      double v = r->metrics[self->metric];

      xmin = MIN (xmin, r->values[0]);
      xmax = MAX (xmax, r->values[0]);
      if (isfinite (v))
        {
          ymin = MIN (ymin, v);
          ymax = MAX (ymax, v);
        }
    }
  if (ymin > ymax)
    ymin = ymax = 0;

  x_title = field_title (self->plan.axes[0].field);
  y_title = metric_title (self->metric);

  /* margins from what the labels need */
  top = line_h + 12;
  bottom = line_h * 2 + 16;
  linear_axis (&ya, ymin, ymax, (guint) MAX (2, (height - top - bottom) / 48));
  for (guint i = 0; i < ya.n_ticks; i++)
    {
      g_autofree char *t = axis_label (&ya, ya.ticks[i]);
      label_w = MAX (label_w, text_width (layout, t));
    }
  left = label_w + 14;

  if (self->plan.n_axes == 2)
    {
      series = n_series (self);
      legend_title = field_title (self->plan.axes[1].field);
      legend_w = text_width (layout, legend_title);
      for (guint s = 0; s < series; s++)
        {
          double v[2];
          g_autofree char *t = NULL;

          steve_sweep_plan_point (&self->plan, s, v);
          t = steve_field_format_value (self->plan.axes[1].field, v[1]);
          legend_w = MAX (legend_w, text_width (layout, t) + 28);
        }
      right = legend_w + 28;
    }
  else
    right = 18;

  pw = width - left - right;
  ph = height - top - bottom;
  if (pw < 40 || ph < 40)
    return;

  if (self->plan.axes[0].scale == STEVE_SWEEP_SCALE_LOG && xmin > 0)
    log_axis (&xa, xmin, xmax);
  else
    linear_axis (&xa, xmin, xmax, (guint) MAX (2, pw / 90));

#define PX(v) (left + (axis_space (&xa, (v)) - xa.lo) / (xa.hi - xa.lo) * pw)
#define PY(v) (top + ph - ((v) - ya.lo) / (ya.hi - ya.lo) * ph)

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, 1);

  /* grid */
  gdk_cairo_set_source_rgba (cr, &grid);
  for (guint i = 0; i < ya.n_ticks; i++)
    {
      double y = steve_plot_snap (PY (ya.ticks[i]), 1) + 0.5;

      cairo_move_to (cr, left, y);
      cairo_line_to (cr, left + pw, y);
    }
  for (guint i = 0; i < xa.n_ticks; i++)
    {
      double x = steve_plot_snap (PX (xa.ticks[i]), 1) + 0.5;

      cairo_move_to (cr, x, top);
      cairo_line_to (cr, x, top + ph);
    }
  cairo_stroke (cr);

  /* axes and ticks */
  gdk_cairo_set_source_rgba (cr, &axis_color);
  cairo_move_to (cr, left + 0.5, top);
  cairo_line_to (cr, left + 0.5, top + ph + 0.5);
  cairo_line_to (cr, left + pw, top + ph + 0.5);
  for (guint i = 0; i < ya.n_ticks; i++)
    {
      double y = steve_plot_snap (PY (ya.ticks[i]), 1) + 0.5;

      cairo_move_to (cr, left - 4, y);
      cairo_line_to (cr, left, y);
    }
  for (guint i = 0; i < xa.n_ticks; i++)
    {
      double x = steve_plot_snap (PX (xa.ticks[i]), 1) + 0.5;

      cairo_move_to (cr, x, top + ph);
      cairo_line_to (cr, x, top + ph + 4);
    }
  cairo_stroke (cr);

  /* the series: one line per value of the second field */
  cairo_save (cr);
  cairo_rectangle (cr, left - 5, top - 5, pw + 10, ph + 10);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint s = 0; s < MAX (series, 1); s++)
    {
      GdkRGBA color;
      gboolean started = FALSE;

      gdk_rgba_parse (&color, series_colors[s % G_N_ELEMENTS (series_colors)]);
      gdk_cairo_set_source_rgba (cr, &color);

      cairo_set_line_width (cr, 2);
      for (guint i = 0; i < self->results->len; i++)
        {
          const SteveSweepResult *r = &g_array_index (self->results, SteveSweepResult, i);

          if (series_of (self, r) != s || !isfinite (r->metrics[self->metric]))
            continue;
          if (!started)
            cairo_move_to (cr, PX (r->values[0]), PY (r->metrics[self->metric]));
          else
            cairo_line_to (cr, PX (r->values[0]), PY (r->metrics[self->metric]));
          started = TRUE;
        }
      cairo_stroke (cr);

      for (guint i = 0; i < self->results->len; i++)
        {
          const SteveSweepResult *r = &g_array_index (self->results, SteveSweepResult, i);

          if (series_of (self, r) != s || !isfinite (r->metrics[self->metric]))
            continue;
          cairo_new_sub_path (cr);
          cairo_arc (cr, PX (r->values[0]), PY (r->metrics[self->metric]), 3.5, 0, 2 * G_PI);
        }
      cairo_fill (cr);
    }
  cairo_restore (cr);

  /* legend swatches */
  for (guint s = 0; s < series; s++)
    {
      GdkRGBA color;
      double y = top + line_h * (s + 1.5) + 6;
      double x = width - legend_w - 10;

      gdk_rgba_parse (&color, series_colors[s % G_N_ELEMENTS (series_colors)]);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_set_line_width (cr, 2);
      cairo_move_to (cr, x, y);
      cairo_line_to (cr, x + 18, y);
      cairo_stroke (cr);
      cairo_arc (cr, x + 9, y, 3.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  cairo_destroy (cr);

  /* text */
  for (guint i = 0; i < ya.n_ticks; i++)
    {
      g_autofree char *t = axis_label (&ya, ya.ticks[i]);

      steve_plot_append_text (snapshot, layout, t, left - 7, PY (ya.ticks[i]), 1.0, 0.5, &dim, scale);
    }
  {
    double last_right = -G_MAXDOUBLE;

    for (guint i = 0; i < xa.n_ticks; i++)
      {
        g_autofree char *t = axis_label (&xa, xa.ticks[i]);
        double x = PX (xa.ticks[i]);
        int w = text_width (layout, t);

        /* keep the outer labels inside the widget, and apart (log ticks crowd) */
        x = CLAMP (x, w / 2.0 + 2, width - w / 2.0 - 2);
        if (x - w / 2.0 < last_right + 8)
          continue;
        steve_plot_append_text (snapshot, layout, t, x, top + ph + 6, 0.5, 0.0, &dim, scale);
        last_right = x + w / 2.0;
      }
  }
  steve_plot_append_text (snapshot, layout, x_title, left + pw / 2, height - 4, 0.5, 1.0, &fg, scale);
  steve_plot_append_text (snapshot, layout, y_title, MAX (2, left - label_w - 10), 4, 0.0, 0.0, &fg, scale);

  if (series > 0)
    {
      steve_plot_append_text (snapshot, layout, legend_title, width - legend_w - 10, top, 0.0, 0.0, &fg, scale);
      for (guint s = 0; s < series; s++)
        {
          double v[2];
          g_autofree char *t = NULL;

          steve_sweep_plan_point (&self->plan, s, v);
          t = steve_field_format_value (self->plan.axes[1].field, v[1]);
          steve_plot_append_text (snapshot, layout, t, width - legend_w - 10 + 28, top + line_h * (s + 1.5) + 6, 0.0, 0.5, &dim, scale);
        }
    }

#undef PX
#undef PY
}

/* What a screen reader says instead of the picture. */
static void
plot_update_description (SteveSweepPlot *self)
{
  g_autofree char *description = NULL;
  g_autofree char *x_title = NULL, *y_title = NULL;
  const SteveSweepResult *lo = NULL, *hi = NULL;

  if (!self->have_plan || self->results->len == 0)
    {
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("No results to plot yet"), -1);
      return;
    }

  for (guint i = 0; i < self->results->len; i++)
    {
      const SteveSweepResult *r = &g_array_index (self->results, SteveSweepResult, i);

      if (!isfinite (r->metrics[self->metric]))
        continue;
      if (lo == NULL || r->metrics[self->metric] < lo->metrics[self->metric])
        lo = r;
      if (hi == NULL || r->metrics[self->metric] > hi->metrics[self->metric])
        hi = r;
    }

  x_title = field_title (self->plan.axes[0].field);
  y_title = metric_title (self->metric);
  if (lo && hi)
    {
      g_autofree char *lo_v = steve_sweep_page_format_number (lo->metrics[self->metric]);
      g_autofree char *hi_v = steve_sweep_page_format_number (hi->metrics[self->metric]);
      g_autofree char *lo_x = steve_field_format_value (self->plan.axes[0].field, lo->values[0]);
      g_autofree char *hi_x = steve_field_format_value (self->plan.axes[0].field, hi->values[0]);

      /* Translators: “Mean torque (N·m) against Viscous damping (N·m·s/rad), 3 points: lowest 0.01 at 0.0300, highest 0.04 at 0.0900.” */
      description = g_strdup_printf (ngettext ("%s against %s, %u point: lowest %s at %s, highest %s at %s.",
                                               "%s against %s, %u points: lowest %s at %s, highest %s at %s.",
                                               self->results->len),
                                     y_title, x_title, self->results->len, lo_v, lo_x, hi_v, hi_x);
    }
  else
    description = g_strdup_printf (_("%s against %s: no finite values."), y_title, x_title);

  if (self->plan.n_axes == 2)
    {
      g_autofree char *second = field_title (self->plan.axes[1].field);
      g_autofree char *more = g_strdup_printf (ngettext ("%s One line for each value of %s (%u line).",
                                                         "%s One line for each value of %s (%u lines).",
                                                         n_series (self)),
                                               description, second, n_series (self));

      g_free (description);
      description = g_steal_pointer (&more);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
}

static void
steve_sweep_plot_set_data (SteveSweepPlot         *self,
                           const SteveSweepPlan   *plan,
                           const SteveSweepResult *results,
                           guint                   n_results)
{
  self->have_plan = plan != NULL;
  if (plan)
    self->plan = *plan;
  g_array_set_size (self->results, 0);
  if (results && n_results)
    g_array_append_vals (self->results, results, n_results);

  plot_update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
steve_sweep_plot_set_metric (SteveSweepPlot   *self,
                             SteveSweepMetric  metric)
{
  if (self->metric == metric)
    return;
  self->metric = metric;
  plot_update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
steve_sweep_plot_measure (GtkWidget      *widget,
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
      *natural = 480;
    }
  else
    {
      *minimum = 180;
      *natural = 280;
    }
}

/* light/dark: the colours come from the style */
static void
steve_sweep_plot_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (steve_sweep_plot_parent_class)->css_changed (widget, change);
  gtk_widget_queue_draw (widget);
}

static void
steve_sweep_plot_finalize (GObject *object)
{
  SteveSweepPlot *self = STEVE_SWEEP_PLOT (object);

  g_array_unref (self->results);

  G_OBJECT_CLASS (steve_sweep_plot_parent_class)->finalize (object);
}

static void
steve_sweep_plot_class_init (SteveSweepPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = steve_sweep_plot_finalize;
  widget_class->snapshot = steve_sweep_plot_snapshot;
  widget_class->measure = steve_sweep_plot_measure;
  widget_class->css_changed = steve_sweep_plot_css_changed;

  gtk_widget_class_set_css_name (widget_class, "sweepplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
steve_sweep_plot_init (SteveSweepPlot *self)
{
  self->results = g_array_new (FALSE, FALSE, sizeof (SteveSweepResult));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Sweep results plot"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, _("No results to plot yet"),
                                  -1);
}

/* ================================================================== page */

typedef enum
{
  PAGE_IDLE,
  PAGE_CONFIRMING,   /* the plan leaves the recommended range: asking */
  PAGE_CHOOSING,     /* asking where to record */
  PAGE_RUNNING,      /* the sweep runs (or restores) */
  PAGE_SAVING,       /* writing the recording */
} PageState;

typedef enum
{
  RESTORE_UNKNOWN,
  RESTORE_CONFIRMED,
  RESTORE_MISMATCH,
} RestoreState;

/* column kinds; 0 … STEVE_N_SWEEP_METRICS - 1 are the metrics */
enum {
  COL_STEP = 100,
  COL_AXIS0,
  COL_AXIS1,
};

struct _SteveSweepPage
{
  AdwBin                parent_instance;

  SteveClient          *client;
  SteveStreamer        *streamer;
  SteveTuner           *tuner;
  SteveValveState       valve_state;

  SteveField            fields[STEVE_N_FIELDS];   /* the sweepable ones, in combo order */
  guint                 n_fields;
  gboolean              updating;
  gboolean              plan_valid;
  char                 *plan_problem;

  PageState             state;
  guint                 serial;                   /* bumps when pending questions go stale */
  SteveSweepPlan        pending_plan;
  GFile                *pending_destination;
  GtkWidget            *confirm_dialog;           /* weak */

  /* the current or last run */
  SteveSweep           *sweep;
  SteveRecorder        *recorder;
  GFile                *destination;
  SteveRecordingFormat  format;
  SteveConfig           original;
  GError               *run_error;
  RestoreState          restore_state;
  char                 *record_text;
  gboolean              record_failed;
  GListStore           *results;
  gboolean              disposed;

  /* template */
  GtkStack             *stack;
  GtkWidget            *form_box;
  AdwComboRow          *field_row;
  GtkSpinButton        *start_spin;
  GtkSpinButton        *end_spin;
  GtkLabel             *start_unit;
  GtkLabel             *end_unit;
  GtkSpinButton        *steps_spin;
  AdwComboRow          *scale_row;
  AdwExpanderRow       *grid_row;
  AdwComboRow          *field2_row;
  GtkSpinButton        *start2_spin;
  GtkSpinButton        *end2_spin;
  GtkLabel             *start2_unit;
  GtkLabel             *end2_unit;
  GtkSpinButton        *steps2_spin;
  AdwComboRow          *scale2_row;
  GtkSpinButton        *dwell_spin;
  GtkSpinButton        *settle_spin;
  GtkLabel             *duration_label;
  GtkLabel             *validation_label;
  GtkLabel             *notice_label;
  GtkWidget            *start_button;
  GtkLabel             *status_title;
  GtkLabel             *status_detail;
  GtkWidget            *abort_button;
  GtkProgressBar       *progress_bar;
  GtkLabel             *current_label;
  GtkLabel             *restored_label;
  GtkLabel             *record_label;
  GtkDropDown          *metric_dropdown;
  SteveSweepPlot       *plot;
  GtkStack             *results_stack;
  GtkColumnView        *results_view;
};

G_DEFINE_FINAL_TYPE (SteveSweepPage, steve_sweep_page, ADW_TYPE_BIN)

static void update_actions (SteveSweepPage *self);
static void update_status (SteveSweepPage *self);
static void proceed (SteveSweepPage *self);

static void
set_state (SteveSweepPage *self,
           PageState       state)
{
  self->state = state;
  gtk_widget_set_sensitive (self->form_box, state == PAGE_IDLE);
  update_actions (self);
  update_status (self);
}

/* ------------------------------------------------------------------ the form */

static guint
field_index (SteveSweepPage *self,
             SteveField      field)
{
  for (guint i = 0; i < self->n_fields; i++)
    if (self->fields[i] == field)
      return i;
  return 0;
}

static SteveField
selected_field (SteveSweepPage *self,
                AdwComboRow    *row)
{
  guint i = adw_combo_row_get_selected (row);

  return self->fields[MIN (i, self->n_fields - 1)];
}

/* The inputs cannot leave the hard limits, and step as the device stores. */
static void
configure_inputs (SteveField     field,
                  GtkSpinButton *start,
                  GtkSpinButton *end,
                  GtkLabel      *start_unit,
                  GtkLabel      *end_unit)
{
  const SteveFieldInfo *info = steve_field_info (field);
  double resolution = pow (10, -(double) info->decimals);
  double lower = (info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE) ? info->hard_min + resolution : info->hard_min;
  double span = info->recommended_max - info->recommended_min;
  double step = MAX (resolution, pow (10, floor (log10 (span)) - 1));
  GtkSpinButton *spins[] = { start, end };

  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    {
      gtk_spin_button_set_digits (spins[i], info->decimals);
      gtk_spin_button_set_range (spins[i], lower, info->hard_max);
      gtk_spin_button_set_increments (spins[i], step, step * 10);
    }
  gtk_label_set_text (start_unit, info->unit);
  gtk_label_set_text (end_unit, info->unit);
}

/* A new field starts at its recommended range, log-spaced where it spans decades. */
static void
field_defaults (SteveField     field,
                GtkSpinButton *start,
                GtkSpinButton *end,
                AdwComboRow   *scale)
{
  const SteveFieldInfo *info = steve_field_info (field);
  gboolean log_scale = (info->flags & STEVE_FIELD_FLAG_LOG_SCALE) && info->recommended_min > 0;

  gtk_spin_button_set_value (start, info->recommended_min);
  gtk_spin_button_set_value (end, info->recommended_max);
  adw_combo_row_set_selected (scale, log_scale ? STEVE_SWEEP_SCALE_LOG : STEVE_SWEEP_SCALE_LINEAR);
}

/**
 * steve_sweep_page_get_plan:
 *
 * The plan the form describes (valid or not).
 */
void
steve_sweep_page_get_plan (SteveSweepPage *self,
                           SteveSweepPlan *plan)
{
  g_return_if_fail (STEVE_IS_SWEEP_PAGE (self));
  g_return_if_fail (plan != NULL);

  memset (plan, 0, sizeof *plan);
  plan->n_axes = adw_expander_row_get_enable_expansion (self->grid_row) ? 2 : 1;
  plan->axes[0].field = selected_field (self, self->field_row);
  plan->axes[0].start = gtk_spin_button_get_value (self->start_spin);
  plan->axes[0].end = gtk_spin_button_get_value (self->end_spin);
  plan->axes[0].steps = (guint) gtk_spin_button_get_value_as_int (self->steps_spin);
  plan->axes[0].scale = adw_combo_row_get_selected (self->scale_row) == 1 ? STEVE_SWEEP_SCALE_LOG : STEVE_SWEEP_SCALE_LINEAR;
  if (plan->n_axes == 2)
    {
      plan->axes[1].field = selected_field (self, self->field2_row);
      plan->axes[1].start = gtk_spin_button_get_value (self->start2_spin);
      plan->axes[1].end = gtk_spin_button_get_value (self->end2_spin);
      plan->axes[1].steps = (guint) gtk_spin_button_get_value_as_int (self->steps2_spin);
      plan->axes[1].scale = adw_combo_row_get_selected (self->scale2_row) == 1 ? STEVE_SWEEP_SCALE_LOG : STEVE_SWEEP_SCALE_LINEAR;
    }
  plan->dwell_s = gtk_spin_button_get_value (self->dwell_spin);
  plan->settle_s = gtk_spin_button_get_value (self->settle_spin);
}

static void
update_device_value (SteveSweepPage *self)
{
  SteveField field = selected_field (self, self->field_row);
  g_autofree char *subtitle = NULL;

  if (self->tuner && steve_tuner_has_device_value (self->tuner, field))
    {
      g_autofree char *value = field_value_text (field, steve_tuner_get_device_value (self->tuner, field));

      /* Translators: the device's current value of the chosen field */
      subtitle = g_strdup_printf (_("Now %s on the device"), value);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->field_row), subtitle ? subtitle : "");
}

/* Validation, duration and notices, live as the form changes. */
static void
refresh_form (SteveSweepPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) notice = g_string_new (NULL);
  SteveSweepPlan plan;
  gboolean outside = FALSE;

  if (self->updating)
    return;

  steve_sweep_page_get_plan (self, &plan);
  self->plan_valid = steve_sweep_plan_validate (&plan, &outside, &error);
  g_clear_pointer (&self->plan_problem, g_free);

  if (self->plan_valid)
    {
      guint n = steve_sweep_plan_n_steps (&plan);
      g_autofree char *duration = steve_format_duration (steve_sweep_plan_duration_s (&plan));
      g_autofree char *text = g_strdup_printf (ngettext ("%u step · %s", "%u steps · %s", n), n, duration);

      gtk_label_set_text (self->duration_label, text);
    }
  else
    {
      gtk_label_set_text (self->duration_label, "—");
      self->plan_problem = g_strdup (error->message);
    }

  if (self->plan_valid && self->valve_state == STEVE_VALVE_STATE_ERROR)
    {
      self->plan_valid = FALSE;
      self->plan_problem = g_strdup (_("The valve is in its error state: clear the error and start the valve before sweeping."));
    }

  gtk_label_set_text (self->validation_label, self->plan_problem ? self->plan_problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->validation_label), self->plan_problem != NULL);

  if (self->plan_valid && outside)
    g_string_append (notice, _("Some steps lie outside the recommended range; you will be asked to confirm before the sweep starts."));
  if (self->plan_valid && self->client &&
      self->valve_state != STEVE_VALVE_STATE_RUNNING && self->valve_state != STEVE_VALVE_STATE_UNKNOWN)
    {
      if (notice->len)
        g_string_append_c (notice, '\n');
      g_string_append (notice, _("The valve is not running: start it, or every step will measure a still shaft."));
    }
  gtk_label_set_text (self->notice_label, notice->str);
  gtk_widget_set_visible (GTK_WIDGET (self->notice_label), notice->len > 0);

  update_actions (self);
}

static void
on_field_changed (SteveSweepPage *self)
{
  if (self->updating)
    return;

  self->updating = TRUE;
  configure_inputs (selected_field (self, self->field_row), self->start_spin, self->end_spin,
                    self->start_unit, self->end_unit);
  field_defaults (selected_field (self, self->field_row), self->start_spin, self->end_spin, self->scale_row);
  self->updating = FALSE;

  update_device_value (self);
  refresh_form (self);
}

static void
on_field2_changed (SteveSweepPage *self)
{
  if (self->updating)
    return;

  self->updating = TRUE;
  configure_inputs (selected_field (self, self->field2_row), self->start2_spin, self->end2_spin,
                    self->start2_unit, self->end2_unit);
  field_defaults (selected_field (self, self->field2_row), self->start2_spin, self->end2_spin, self->scale2_row);
  self->updating = FALSE;

  refresh_form (self);
}

/**
 * steve_sweep_page_set_plan:
 *
 * Shows @plan in the form (values are held to the hard limits there).
 */
void
steve_sweep_page_set_plan (SteveSweepPage       *self,
                           const SteveSweepPlan *plan)
{
  g_return_if_fail (STEVE_IS_SWEEP_PAGE (self));
  g_return_if_fail (plan != NULL);
  g_return_if_fail (plan->n_axes == 1 || plan->n_axes == 2);

  self->updating = TRUE;

  adw_combo_row_set_selected (self->field_row, field_index (self, plan->axes[0].field));
  configure_inputs (plan->axes[0].field, self->start_spin, self->end_spin, self->start_unit, self->end_unit);
  gtk_spin_button_set_value (self->start_spin, plan->axes[0].start);
  gtk_spin_button_set_value (self->end_spin, plan->axes[0].end);
  gtk_spin_button_set_value (self->steps_spin, plan->axes[0].steps);
  adw_combo_row_set_selected (self->scale_row, plan->axes[0].scale == STEVE_SWEEP_SCALE_LOG ? 1 : 0);

  adw_expander_row_set_enable_expansion (self->grid_row, plan->n_axes == 2);
  if (plan->n_axes == 2)
    {
      adw_combo_row_set_selected (self->field2_row, field_index (self, plan->axes[1].field));
      configure_inputs (plan->axes[1].field, self->start2_spin, self->end2_spin, self->start2_unit, self->end2_unit);
      gtk_spin_button_set_value (self->start2_spin, plan->axes[1].start);
      gtk_spin_button_set_value (self->end2_spin, plan->axes[1].end);
      gtk_spin_button_set_value (self->steps2_spin, plan->axes[1].steps);
      adw_combo_row_set_selected (self->scale2_row, plan->axes[1].scale == STEVE_SWEEP_SCALE_LOG ? 1 : 0);
    }

  gtk_spin_button_set_value (self->dwell_spin, plan->dwell_s);
  gtk_spin_button_set_value (self->settle_spin, plan->settle_s);

  self->updating = FALSE;
  update_device_value (self);
  refresh_form (self);
}

/* ------------------------------------------------------------------ state display */

static gboolean
sweep_active (SteveSweepPage *self)
{
  SteveSweepState s;

  if (self->sweep == NULL)
    return FALSE;
  s = steve_sweep_get_state (self->sweep);
  return s == STEVE_SWEEP_RUNNING || s == STEVE_SWEEP_RESTORING;
}

static guint
n_results (SteveSweepPage *self)
{
  return g_list_model_get_n_items (G_LIST_MODEL (self->results));
}

static void
update_actions (SteveSweepPage *self)
{
  gboolean connected = self->client != NULL && self->streamer != NULL;
  gboolean can_start = connected && self->state == PAGE_IDLE && self->plan_valid;
  gboolean can_abort = self->state == PAGE_CONFIRMING || self->state == PAGE_CHOOSING ||
                       (self->sweep && steve_sweep_get_state (self->sweep) == STEVE_SWEEP_RUNNING);
  gboolean can_export = self->sweep != NULL && !sweep_active (self) && n_results (self) > 0;
  const char *why;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sweep.start", can_start);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sweep.abort", can_abort);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sweep.export", can_export);

  if (!connected)
    why = _("Connect to a device first");
  else if (self->state != PAGE_IDLE)
    why = _("A sweep is in progress");
  else if (!self->plan_valid)
    why = self->plan_problem;
  else
    why = _("Choose where to record, then run the sweep; the original values are restored at the end");
  gtk_widget_set_tooltip_text (self->start_button, why);
}

static char *
values_text (const SteveSweepPlan *plan,
             const double         *values)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint a = 0; a < plan->n_axes; a++)
    {
      g_autofree char *v = field_value_text (plan->axes[a].field, values[a]);

      if (a > 0)
        g_string_append (s, ", ");
      /* Translators: “Viscous damping = 0.0600 N·m·s/rad” */
      g_string_append_printf (s, _("%s = %s"), _(steve_field_info (plan->axes[a].field)->label), v);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
update_progress (SteveSweepPage *self)
{
  const SteveSweepPlan *plan;
  guint n, done;

  if (self->sweep == NULL)
    return;

  plan = steve_sweep_get_plan (self->sweep);
  n = steve_sweep_plan_n_steps (plan);
  done = n_results (self);
  gtk_progress_bar_set_fraction (self->progress_bar, steve_sweep_get_progress (self->sweep));

  if (steve_sweep_get_state (self->sweep) == STEVE_SWEEP_RUNNING)
    {
      g_autofree char *left = steve_format_duration (steve_sweep_get_time_left_s (self->sweep));
      g_autofree char *text = g_strdup_printf (_("Step %u of %u · %s left"), MIN (done + 1, n), n, left);
      g_autofree char *now = NULL;
      g_autofree char *current = NULL;
      double v[2];

      gtk_progress_bar_set_text (self->progress_bar, text);
      steve_sweep_plan_point (plan, MIN (done, n - 1), v);
      now = values_text (plan, v);
      /* Translators: the values of the step being measured */
      current = g_strdup_printf (_("Now: %s"), now);
      gtk_label_set_text (self->current_label, current);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("%u of %u steps"), done, n);

      gtk_progress_bar_set_text (self->progress_bar, text);
    }
}

static void
update_status (SteveSweepPage *self)
{
  SteveSweepState sweep_state = self->sweep ? steve_sweep_get_state (self->sweep) : STEVE_SWEEP_IDLE;
  gboolean never_started = sweep_state == STEVE_SWEEP_IDLE && self->run_error != NULL;
  gboolean running = sweep_state == STEVE_SWEEP_RUNNING;
  gboolean restoring = sweep_state == STEVE_SWEEP_RESTORING;
  gboolean finished = sweep_state == STEVE_SWEEP_DONE || sweep_state == STEVE_SWEEP_ABORTED ||
                      sweep_state == STEVE_SWEEP_FAILED;
  g_autofree char *detail = NULL;
  const char *title;
  guint n = self->sweep ? steve_sweep_plan_n_steps (steve_sweep_get_plan (self->sweep)) : 0;

  if (self->state == PAGE_CONFIRMING)
    {
      title = _("Waiting for Confirmation");
      detail = g_strdup (_("The plan leaves the recommended range: confirm it in the dialog to go on."));
    }
  else if (self->state == PAGE_CHOOSING)
    {
      title = _("Choose Where to Record");
      detail = g_strdup (_("Each sweep is recorded to one file, with a mark at every step."));
    }
  else if (running)
    {
      title = _("Sweep Running");
      detail = g_strdup (_("The device steps through the plan; the original values come back at the end."));
    }
  else if (restoring)
    {
      title = _("Restoring the Original Values…");
      detail = g_strdup (_("Waiting for the device to take back the values from before the sweep."));
    }
  else if (sweep_state == STEVE_SWEEP_DONE)
    {
      title = _("Sweep Done");
      detail = g_strdup_printf (ngettext ("%u step measured.", "%u steps measured.", n_results (self)), n_results (self));
    }
  else if (sweep_state == STEVE_SWEEP_ABORTED)
    {
      title = _("Sweep Aborted");
      detail = g_strdup_printf (_("%u of %u steps were measured before the abort."), n_results (self), n);
    }
  else if (sweep_state == STEVE_SWEEP_FAILED || never_started)
    {
      title = _("Sweep Failed");
      detail = g_strdup (self->run_error ? self->run_error->message : _("The sweep stopped."));
    }
  else
    {
      title = _("Ready");
      detail = g_strdup (_("Plan a sweep and start it. Each sweep is recorded to one file, with a mark at every step."));
    }

  gtk_label_set_text (self->status_title, title);
  gtk_label_set_text (self->status_detail, detail);
  if (sweep_state == STEVE_SWEEP_FAILED || never_started)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_title), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_title), "error");

  gtk_widget_set_visible (self->abort_button, self->state == PAGE_RUNNING || self->state == PAGE_CONFIRMING ||
                                              self->state == PAGE_CHOOSING);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), self->sweep != NULL && (running || restoring || finished));
  gtk_widget_set_visible (GTK_WIDGET (self->current_label), running);
  update_progress (self);

  /* the promise of the page: the device is as it was */
  gtk_widget_remove_css_class (GTK_WIDGET (self->restored_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->restored_label), "error");
  if (finished && self->restore_state != RESTORE_UNKNOWN && self->sweep)
    {
      const SteveSweepPlan *plan = steve_sweep_get_plan (self->sweep);
      double v[2] = { self->original.values[plan->axes[0].field],
                      plan->n_axes == 2 ? self->original.values[plan->axes[1].field] : 0 };
      g_autofree char *values = values_text (plan, v);
      g_autofree char *text = NULL;

      if (self->restore_state == RESTORE_CONFIRMED)
        {
          text = g_strdup_printf (_("Original settings restored: %s"), values);
          gtk_widget_add_css_class (GTK_WIDGET (self->restored_label), "success");
        }
      else
        {
          text = g_strdup_printf (_("The original settings (%s) could not be confirmed on the device. Check the tuner before going on."), values);
          gtk_widget_add_css_class (GTK_WIDGET (self->restored_label), "error");
        }
      gtk_label_set_text (self->restored_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->restored_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->restored_label), FALSE);

  gtk_label_set_text (self->record_label, self->record_text ? self->record_text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->record_label), self->record_text != NULL);
  if (self->record_failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->record_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->record_label), "error");
}

static void
set_record_text (SteveSweepPage *self,
                 char           *text,
                 gboolean        failed)
{
  g_free (self->record_text);
  self->record_text = text;
  self->record_failed = failed;
}

/* ------------------------------------------------------------------ results */

static void
cell_setup (GtkSignalListItemFactory *factory,
            GtkListItem              *list_item,
            gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 1.0);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (list_item, label);
}

static void
cell_bind (GtkSignalListItemFactory *factory,
           GtkListItem              *list_item,
           gpointer                  user_data)
{
  SteveSweepItem *item = gtk_list_item_get_item (list_item);
  int kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "kind"));
  SteveField field = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (factory), "field"));
  g_autofree char *text = NULL;

  if (kind == COL_STEP)
    text = g_strdup_printf ("%u", item->result.index + 1);
  else if (kind == COL_AXIS0 || kind == COL_AXIS1)
    text = steve_field_format_value (field, item->result.values[kind - COL_AXIS0]);
  else
    text = steve_sweep_page_format_number (item->result.metrics[kind]);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (list_item)), text);
}

static void
add_column (SteveSweepPage *self,
            const char     *title,
            int             kind,
            SteveField      field)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) column = NULL;

  g_object_set_data (G_OBJECT (factory), "kind", GINT_TO_POINTER (kind));
  g_object_set_data (G_OBJECT (factory), "field", GINT_TO_POINTER (field));
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (cell_bind), NULL);

  column = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (column, TRUE);
  gtk_column_view_append_column (self->results_view, column);
}

static void
rebuild_columns (SteveSweepPage       *self,
                 const SteveSweepPlan *plan)
{
  GListModel *columns = gtk_column_view_get_columns (self->results_view);

  while (g_list_model_get_n_items (columns) > 0)
    {
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (columns, 0);

      gtk_column_view_remove_column (self->results_view, column);
    }

  add_column (self, _("Step"), COL_STEP, 0);
  for (guint a = 0; a < plan->n_axes; a++)
    {
      g_autofree char *title = field_title (plan->axes[a].field);

      add_column (self, title, COL_AXIS0 + (int) a, plan->axes[a].field);
    }
  for (guint m = 0; m < STEVE_N_SWEEP_METRICS; m++)
    {
      g_autofree char *title = metric_title (m);

      add_column (self, title, (int) m, 0);
    }
}

static void
update_plot (SteveSweepPage *self)
{
  const SteveSweepResult *results;
  guint n;

  if (self->sweep == NULL)
    {
      steve_sweep_plot_set_data (self->plot, NULL, NULL, 0);
      return;
    }
  results = steve_sweep_get_results (self->sweep, &n);
  steve_sweep_plot_set_data (self->plot, steve_sweep_get_plan (self->sweep), results, n);
}

static void
clear_results (SteveSweepPage *self)
{
  g_list_store_remove_all (self->results);
  gtk_stack_set_visible_child_name (self->results_stack, "empty");
  steve_sweep_plot_set_data (self->plot, NULL, NULL, 0);
}

static void
on_metric_selected (SteveSweepPage *self)
{
  guint m = gtk_drop_down_get_selected (self->metric_dropdown);

  if (m < STEVE_N_SWEEP_METRICS)
    steve_sweep_plot_set_metric (self->plot, m);
}

void
steve_sweep_page_set_plot_metric (SteveSweepPage   *self,
                                  SteveSweepMetric  metric)
{
  g_return_if_fail (STEVE_IS_SWEEP_PAGE (self));
  g_return_if_fail (metric < STEVE_N_SWEEP_METRICS);

  gtk_drop_down_set_selected (self->metric_dropdown, metric);
}

/* ------------------------------------------------------------------ recording */

typedef struct
{
  GWeakRef        page;
  SteveRecording *recording;
  GFile          *destination;
  char           *journal;
  guint           serial;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  g_weak_ref_clear (&job->page);
  g_clear_object (&job->recording);
  g_clear_object (&job->destination);
  g_free (job->journal);
  g_free (job);
}

static void
recording_saved (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SaveJob *job = user_data;
  g_autoptr(SteveSweepPage) self = g_weak_ref_get (&job->page);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_file_get_parse_name (job->destination);
  gboolean current;

  if (self && self->disposed)
    g_clear_object (&self);
  /* a new session or run has the status area now; a failure still gets its toast */
  current = self && job->serial == self->serial;

  if (steve_recording_save_finish (STEVE_RECORDING (source), result, &error))
    {
      /* the file is complete: the journal has served */
      if (job->journal && g_unlink (job->journal) != 0)
        g_debug ("Could not remove the journal %s: %s", job->journal, g_strerror (errno));
      if (current)
        set_record_text (self, g_strdup_printf (_("Recorded to %s"), name), FALSE);
    }
  else if (self)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (_("The sweep’s recording could not be saved: %s. Nothing is lost: its journal is kept at %s."),
                                 error->message, job->journal);
      if (current)
        set_record_text (self, g_strdup (message), TRUE);
      steve_widget_show_toast (GTK_WIDGET (self), message);
    }
  else
    g_warning ("The sweep’s recording could not be saved to %s: %s (the journal is kept at %s)",
               name, error->message, job->journal);

  if (current && self->state == PAGE_SAVING)
    set_state (self, PAGE_IDLE);
  else if (current)
    update_status (self);

  save_job_free (job);
}

/* Ends the recording of the run and writes it to the chosen file.
 * Returns whether a save is under way. */
static gboolean
finish_recording (SteveSweepPage *self)
{
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL;
  SaveJob *job;

  if (self->recorder == NULL)
    return FALSE;

  journal = g_strdup (steve_recorder_get_journal_path (self->recorder));
  recording = steve_recorder_stop (self->recorder, &error);
  g_clear_object (&self->recorder);
  if (error)
    {
      /* the recording in memory is complete; only the journal fell short */
      g_warning ("The sweep journal %s is incomplete: %s", journal, error->message);
      g_clear_pointer (&journal, g_free);
    }
  if (recording == NULL || self->destination == NULL)
    return FALSE;

  job = g_new0 (SaveJob, 1);
  g_weak_ref_init (&job->page, self);
  job->recording = g_object_ref (recording);
  job->destination = g_object_ref (self->destination);
  job->journal = g_steal_pointer (&journal);
  job->serial = self->serial;
  steve_recording_save_async (recording, self->format, g_file_peek_path (self->destination),
                              NULL, recording_saved, job);
  return TRUE;
}

static char *
new_journal_path (const char  *key,
                  GError     **error)
{
  g_autofree char *kind = g_strdup_printf ("sweep-%s", key);

  return steve_new_journal_path (kind, error);
}

/* The format from the file name; the chooser's type when the name has none. */
static gboolean
destination_format (GFile                *file,
                    int                   type_index,
                    SteveRecordingFormat *format,
                    GError              **error)
{
  static const SteveRecordingFormat by_type[] = {
    STEVE_RECORDING_FORMAT_HDF5, STEVE_RECORDING_FORMAT_CSV, STEVE_RECORDING_FORMAT_JSON,
  };
  const char *path = g_file_peek_path (file);

  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("The recording can only be saved to a local file."));
      return FALSE;
    }
  if (steve_recording_format_from_path (path, format) && *format != STEVE_RECORDING_FORMAT_JOURNAL)
    return TRUE;
  if (type_index >= 0 && type_index < (int) G_N_ELEMENTS (by_type))
    {
      *format = by_type[type_index];
      return TRUE;
    }
  g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("Choose a recording file name ending in .h5, .csv or .json."));
  return FALSE;
}

/* ------------------------------------------------------------------ running */

static void
detach_sweep (SteveSweepPage *self)
{
  if (self->sweep)
    g_signal_handlers_disconnect_by_data (self->sweep, self);
}

static void
on_sweep_state (SteveSweep     *sweep,
                GParamSpec     *pspec,
                SteveSweepPage *self)
{
  update_actions (self);
  update_status (self);
}

static void
on_sweep_progress (SteveSweep     *sweep,
                   GParamSpec     *pspec,
                   SteveSweepPage *self)
{
  update_progress (self);
}

static void
on_step_finished (SteveSweep             *sweep,
                  const SteveSweepResult *result,
                  SteveSweepPage         *self)
{
  g_autoptr(SteveSweepItem) item = steve_sweep_item_new (result);

  g_list_store_append (self->results, item);
  gtk_stack_set_visible_child_name (self->results_stack, "table");
  update_plot (self);
  update_progress (self);
}

static void
check_restored (SteveSweepPage *self)
{
  const SteveSweepPlan *plan = steve_sweep_get_plan (self->sweep);
  const SteveConfig *device = self->client ? steve_client_get_device_config (self->client) : NULL;

  self->restore_state = RESTORE_CONFIRMED;
  for (guint a = 0; a < plan->n_axes; a++)
    {
      SteveField f = plan->axes[a].field;

      if (device == NULL || !steve_config_has (device, f) ||
          steve_field_round (f, device->values[f]) != steve_field_round (f, self->original.values[f]))
        self->restore_state = RESTORE_MISMATCH;
    }
}

static void
sweep_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(SteveSweepPage) self = g_weak_ref_get (ref);
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (ref);
  g_free (ref);

  steve_sweep_run_finish (STEVE_SWEEP (source), result, &error);
  if (self == NULL || self->disposed || self->sweep != STEVE_SWEEP (source))
    return;

  g_clear_error (&self->run_error);
  self->run_error = g_steal_pointer (&error);
  check_restored (self);

  /* an abort is the user's own doing; anything else is news */
  if (self->run_error && !g_error_matches (self->run_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    steve_widget_show_toast (GTK_WIDGET (self), self->run_error->message);

  if (self->recorder)
    {
      g_autofree char *name = g_file_get_parse_name (self->destination);

      set_record_text (self, g_strdup_printf (_("Saving the recording to %s…"), name), FALSE);
      if (finish_recording (self))
        {
          set_state (self, PAGE_SAVING);
          return;
        }
      set_record_text (self, NULL, FALSE);
    }
  set_state (self, PAGE_IDLE);
}

static gboolean
begin_run (SteveSweepPage       *self,
           const SteveSweepPlan *plan,
           GFile                *destination,
           int                   type_index,
           GError              **error)
{
  g_autoptr(SteveRecorder) recorder = NULL;
  g_autoptr(SteveSweep) sweep = NULL;
  g_autofree char *journal = NULL;
  g_autofree char *name = NULL;
  SteveRecordingInfo info = { 0 };
  SteveRecordingFormat format;
  GWeakRef *ref;

  g_assert (self->client && self->streamer);

  if (!destination_format (destination, type_index, &format, error))
    return FALSE;
  if ((journal = new_journal_path (steve_field_info (plan->axes[0].field)->key_firmware, error)) == NULL)
    return FALSE;

  info.device_host = (char *) steve_client_get_host (self->client);
  info.device_port = steve_client_get_port (self->client);
  info.dialect = steve_client_get_dialect (self->client);
  info.interval_ms = steve_streamer_get_interval (self->streamer);
  info.config_at_start = *steve_client_get_device_config (self->client);

  recorder = steve_recorder_new ();
  if (!steve_recorder_start (recorder, self->streamer, &info, journal, error))
    return FALSE;

  sweep = steve_sweep_new (self->client, self->streamer, recorder, plan);

  /* the run replaces the last one */
  detach_sweep (self);
  g_set_object (&self->sweep, sweep);
  g_set_object (&self->recorder, recorder);
  g_set_object (&self->destination, destination);
  self->format = format;
  self->original = *steve_client_get_device_config (self->client);
  self->restore_state = RESTORE_UNKNOWN;
  g_clear_error (&self->run_error);
  name = g_file_get_parse_name (destination);
  set_record_text (self, g_strdup_printf (_("Recording to %s"), name), FALSE);

  clear_results (self);
  rebuild_columns (self, plan);
  update_plot (self);

  g_signal_connect (sweep, "notify::state", G_CALLBACK (on_sweep_state), self);
  g_signal_connect (sweep, "notify::progress", G_CALLBACK (on_sweep_progress), self);
  g_signal_connect (sweep, "step-finished", G_CALLBACK (on_step_finished), self);

  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  steve_sweep_run_async (sweep, NULL, sweep_done, ref);

  set_state (self, PAGE_RUNNING);
  return TRUE;
}

static void
run_pending (SteveSweepPage *self,
             GFile          *destination,
             int             type_index)
{
  g_autoptr(GError) error = NULL;
  SteveSweepPlan plan = self->pending_plan;

  g_clear_object (&self->pending_destination);

  if (self->client == NULL || self->streamer == NULL)
    {
      set_state (self, PAGE_IDLE);
      return;
    }

  if (!begin_run (self, &plan, destination, type_index, &error))
    {
      set_state (self, PAGE_IDLE);
      steve_widget_show_toast (GTK_WIDGET (self), error->message);
    }
}

static void
destination_chosen (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SteveSweepPage *self = STEVE_SWEEP_PAGE (source);
  guint serial = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  int type_index = -1;

  file = steve_choose_file_finish (result, &type_index, &error);

  /* aborted (e-stop) or the session ended while the chooser was open */
  if (self->disposed || serial != self->serial || self->state != PAGE_CHOOSING)
    return;

  if (file == NULL)
    {
      set_state (self, PAGE_IDLE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        steve_widget_show_toast (GTK_WIDGET (self), error->message);
      return;
    }

  run_pending (self, file, type_index);
}

static void
choose_destination (SteveSweepPage *self)
{
  const SteveFileType types[] = {
    { _("HDF5 recording"), "*.h5;*.hdf5" },
    { _("CSV recording"), "*.csv" },
    { _("JSON recording"), "*.json" },
  };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M");
  g_autofree char *suggested = g_strdup_printf ("sweep-%s-%s.h5",
                                                steve_field_info (self->pending_plan.axes[0].field)->key_firmware,
                                                stamp);

  set_state (self, PAGE_CHOOSING);
  steve_choose_file_async (GTK_WIDGET (self), STEVE_FILE_SAVE, _("Record the Sweep"), _("_Record"),
                           suggested, types, G_N_ELEMENTS (types),
                           destination_chosen, GUINT_TO_POINTER (self->serial));
}

static void
proceed (SteveSweepPage *self)
{
  if (self->pending_destination)
    {
      g_autoptr(GFile) destination = g_object_ref (self->pending_destination);

      run_pending (self, destination, -1);
    }
  else
    choose_destination (self);
}

static void
confirm_response (AdwMessageDialog *dialog,
                  const char       *response,
                  SteveSweepPage   *self)
{
  /* answered once; a later close (or an abort that got there first) is no answer */
  if (GTK_WIDGET (dialog) != self->confirm_dialog)
    return;
  g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->confirm_dialog);
  self->confirm_dialog = NULL;

  if (self->state != PAGE_CONFIRMING)
    return;

  if (g_strcmp0 (response, "start") == 0)
    proceed (self);
  else
    {
      g_clear_object (&self->pending_destination);
      set_state (self, PAGE_IDLE);
    }
}

static void
ask_confirmation (SteveSweepPage *self)
{
  const SteveSweepPlan *plan = &self->pending_plan;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GString) ranges = g_string_new (NULL);
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  /* which fields leave their recommended range */
  for (guint a = 0; a < plan->n_axes; a++)
    {
      SteveField f = plan->axes[a].field;
      const SteveFieldInfo *info = steve_field_info (f);
      gboolean outside = FALSE;

      for (guint i = 0; i < steve_sweep_plan_n_steps (plan) && !outside; i++)
        {
          double v[2];

          steve_sweep_plan_point (plan, i, v);
          outside = !steve_field_is_recommended (f, v[a]);
        }
      if (outside)
        {
          g_autofree char *lo = steve_field_format_value (f, info->recommended_min);
          g_autofree char *hi = field_value_text (f, info->recommended_max);

          if (ranges->len)
            g_string_append (ranges, "; ");
          /* Translators: “Viscous damping: recommended 0.0100 to 0.5000 N·m·s/rad” */
          g_string_append_printf (ranges, _("%s: recommended %s to %s"), _(info->label), lo, hi);
        }
    }

  body = g_strdup_printf (_("Some steps of this sweep lie outside the recommended range (%s). The device accepts them, but the shaft may push back much harder or feel unusual. The original values are restored at the end."),
                          ranges->str);
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Sweep Outside the Recommended Range?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "start", _("_Start Sweep"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "start", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response), self, 0);

  self->confirm_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->confirm_dialog);
  set_state (self, PAGE_CONFIRMING);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Drops any question still open: an answer to it must not start a sweep. */
static void
cancel_pending (SteveSweepPage *self)
{
  GtkWidget *dialog = self->confirm_dialog;

  self->serial++;
  g_clear_object (&self->pending_destination);
  if (dialog)
    {
      g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->confirm_dialog);
      self->confirm_dialog = NULL;
      gtk_window_destroy (GTK_WINDOW (dialog));
    }
  if (self->state == PAGE_CONFIRMING || self->state == PAGE_CHOOSING)
    set_state (self, PAGE_IDLE);
}

/**
 * steve_sweep_page_start:
 * @plan: what to sweep
 * @destination: (nullable): the recording file (its name gives the format:
 *   .h5, .csv or .json); %NULL asks with the file chooser
 *
 * Starts a sweep as the Start button does: a plan that leaves the
 * recommended range is confirmed first.
 *
 * Returns: %FALSE with @error when the sweep cannot start (not connected,
 *   busy, an invalid plan or destination); %TRUE when it started or waits
 *   for an answer
 */
gboolean
steve_sweep_page_start (SteveSweepPage        *self,
                        const SteveSweepPlan  *plan,
                        GFile                 *destination,
                        GError               **error)
{
  SteveRecordingFormat format;
  gboolean outside = FALSE;

  g_return_val_if_fail (STEVE_IS_SWEEP_PAGE (self), FALSE);
  g_return_val_if_fail (plan != NULL, FALSE);
  g_return_val_if_fail (destination == NULL || G_IS_FILE (destination), FALSE);

  if (self->client == NULL || self->streamer == NULL)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_CONNECTION, _("Connect to a device before starting a sweep."));
      return FALSE;
    }
  if (self->state != PAGE_IDLE)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_BUSY, _("A sweep is already in progress."));
      return FALSE;
    }
  if (self->valve_state == STEVE_VALVE_STATE_ERROR)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_FAILED,
                           _("The valve is in its error state: clear the error and start the valve before sweeping."));
      return FALSE;
    }
  if (!steve_sweep_plan_validate (plan, &outside, error))
    return FALSE;
  if (destination && !destination_format (destination, -1, &format, error))
    return FALSE;

  steve_sweep_page_set_plan (self, plan);
  self->pending_plan = *plan;
  g_set_object (&self->pending_destination, destination);

  if (outside)
    ask_confirmation (self);
  else
    proceed (self);
  return TRUE;
}

/**
 * steve_sweep_page_abort:
 *
 * Stops a running sweep at once (the core restores the original values)
 * and drops a confirmation or file choice still open. The window calls it
 * from its e-stop.
 */
void
steve_sweep_page_abort (SteveSweepPage *self)
{
  g_return_if_fail (STEVE_IS_SWEEP_PAGE (self));

  cancel_pending (self);
  if (self->sweep && steve_sweep_get_state (self->sweep) == STEVE_SWEEP_RUNNING)
    steve_sweep_abort (self->sweep);
}

gboolean
steve_sweep_page_is_busy (SteveSweepPage *self)
{
  g_return_val_if_fail (STEVE_IS_SWEEP_PAGE (self), FALSE);
  return self->state != PAGE_IDLE;
}

SteveSweep *
steve_sweep_page_get_sweep (SteveSweepPage *self)
{
  g_return_val_if_fail (STEVE_IS_SWEEP_PAGE (self), NULL);
  return self->sweep;
}

GtkWidget *
steve_sweep_page_get_results_view (SteveSweepPage *self)
{
  g_return_val_if_fail (STEVE_IS_SWEEP_PAGE (self), NULL);
  return GTK_WIDGET (self->results_view);
}

GtkWidget *
steve_sweep_page_get_plot (SteveSweepPage *self)
{
  g_return_val_if_fail (STEVE_IS_SWEEP_PAGE (self), NULL);
  return GTK_WIDGET (self->plot);
}

/* ------------------------------------------------------------------ export */

/**
 * steve_sweep_page_export_csv_to_file:
 *
 * Writes the results table of the last sweep (atomically).
 */
gboolean
steve_sweep_page_export_csv_to_file (SteveSweepPage  *self,
                                     GFile           *file,
                                     GError         **error)
{
  const char *path;

  g_return_val_if_fail (STEVE_IS_SWEEP_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->sweep == NULL || n_results (self) == 0)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_FAILED, _("There are no sweep results to export yet."));
      return FALSE;
    }
  path = g_file_peek_path (file);
  if (path == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("The results can only be exported to a local file."));
      return FALSE;
    }
  return steve_sweep_export_csv (self->sweep, path, error);
}

static void
export_chosen (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SteveSweepPage *self = STEVE_SWEEP_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = steve_choose_file_finish (result, NULL, &error);
  g_autofree char *message = NULL;
  g_autofree char *name = NULL;

  if (self->disposed)
    return;

  if (file == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        steve_widget_show_toast (GTK_WIDGET (self), error->message);
      return;
    }

  name = g_file_get_parse_name (file);
  if (!steve_sweep_page_export_csv_to_file (self, file, &error))
    message = g_strdup_printf (_("Could not export the results to %s: %s"), name, error->message);
  else
    message = g_strdup_printf (_("Results exported to %s"), name);
  steve_widget_show_toast (GTK_WIDGET (self), message);
}

/* ------------------------------------------------------------------ actions */

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  SteveSweepPage *self = STEVE_SWEEP_PAGE (widget);
  GtkSpinButton *spins[] = { self->start_spin, self->end_spin, self->steps_spin, self->start2_spin,
                             self->end2_spin, self->steps2_spin, self->dwell_spin, self->settle_spin };
  g_autoptr(GError) error = NULL;
  SteveSweepPlan plan;

  /* take what is typed but not yet committed */
  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    gtk_spin_button_update (spins[i]);

  steve_sweep_page_get_plan (self, &plan);
  if (!steve_sweep_page_start (self, &plan, NULL, &error))
    steve_widget_show_toast (widget, error->message);
}

static void
abort_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  steve_sweep_page_abort (STEVE_SWEEP_PAGE (widget));
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SteveSweepPage *self = STEVE_SWEEP_PAGE (widget);
  const SteveFileType types[] = { { _("CSV table"), "*.csv" } };
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%d-%H%M");
  g_autofree char *suggested = NULL;

  if (self->sweep == NULL)
    return;
  suggested = g_strdup_printf ("sweep-%s-%s-results.csv",
                               steve_field_info (steve_sweep_get_plan (self->sweep)->axes[0].field)->key_firmware,
                               stamp);
  steve_choose_file_async (widget, STEVE_FILE_SAVE, _("Export Sweep Results"), _("_Export"),
                           suggested, types, G_N_ELEMENTS (types), export_chosen, NULL);
}

/* ------------------------------------------------------------------ session */

static void
on_tuner_value_changed (SteveTuner     *tuner,
                        int             field,
                        SteveSweepPage *self)
{
  if ((SteveField) field == selected_field (self, self->field_row))
    update_device_value (self);
}

static void
on_stream_samples (SteveStreamer  *streamer,
                   GArray         *batch,
                   SteveSweepPage *self)
{
  SteveValveState state;

  if (batch->len == 0)
    return;
  state = g_array_index (batch, SteveSample, batch->len - 1).status;
  if (state == self->valve_state)
    return;
  self->valve_state = state;
  refresh_form (self);
}

/* Ends whatever runs: the restore goes out before the session closes, and
 * the recording so far is still written to its file. */
static void
stop_run (SteveSweepPage *self)
{
  cancel_pending (self);
  if (self->sweep && steve_sweep_get_state (self->sweep) == STEVE_SWEEP_RUNNING)
    steve_sweep_abort (self->sweep);
  detach_sweep (self);
  finish_recording (self);
  g_clear_object (&self->sweep);
  g_clear_object (&self->destination);
  g_clear_error (&self->run_error);
  set_record_text (self, NULL, FALSE);
  self->state = PAGE_IDLE;
}

void
steve_sweep_page_set_session (SteveSweepPage *self,
                              SteveClient    *client,
                              SteveStreamer  *streamer,
                              SteveTuner     *tuner)
{
  g_return_if_fail (STEVE_IS_SWEEP_PAGE (self));
  g_return_if_fail (client == NULL || STEVE_IS_CLIENT (client));
  g_return_if_fail (streamer == NULL || STEVE_IS_STREAMER (streamer));
  g_return_if_fail (tuner == NULL || STEVE_IS_TUNER (tuner));

  if (client == self->client && streamer == self->streamer && tuner == self->tuner)
    return;

  stop_run (self);
  clear_results (self);

  if (self->streamer)
    g_signal_handlers_disconnect_by_data (self->streamer, self);
  if (self->tuner)
    g_signal_handlers_disconnect_by_data (self->tuner, self);

  g_set_object (&self->client, client);
  g_set_object (&self->streamer, streamer);
  g_set_object (&self->tuner, tuner);
  self->valve_state = STEVE_VALVE_STATE_UNKNOWN;

  if (self->streamer)
    g_signal_connect_object (self->streamer, "samples", G_CALLBACK (on_stream_samples), self, 0);
  if (self->tuner)
    g_signal_connect_object (self->tuner, "value-changed", G_CALLBACK (on_tuner_value_changed), self, 0);

  gtk_stack_set_visible_child_name (self->stack, client && streamer ? "sweep" : "empty");
  update_device_value (self);
  refresh_form (self);
  set_state (self, PAGE_IDLE);
}

/* ------------------------------------------------------------------ GObject */

GtkWidget *
steve_sweep_page_new (void)
{
  return g_object_new (STEVE_TYPE_SWEEP_PAGE, NULL);
}

static void
steve_sweep_page_dispose (GObject *object)
{
  SteveSweepPage *self = STEVE_SWEEP_PAGE (object);

  stop_run (self);
  self->disposed = TRUE;

  if (self->streamer)
    g_signal_handlers_disconnect_by_data (self->streamer, self);
  if (self->tuner)
    g_signal_handlers_disconnect_by_data (self->tuner, self);
  g_clear_object (&self->client);
  g_clear_object (&self->streamer);
  g_clear_object (&self->tuner);

  /* the bin's child is a bound template child: let go of it once */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_SWEEP_PAGE);

  G_OBJECT_CLASS (steve_sweep_page_parent_class)->dispose (object);
}

static void
steve_sweep_page_finalize (GObject *object)
{
  SteveSweepPage *self = STEVE_SWEEP_PAGE (object);

  g_clear_object (&self->results);
  g_free (self->plan_problem);
  g_free (self->record_text);
  g_clear_error (&self->run_error);

  G_OBJECT_CLASS (steve_sweep_page_parent_class)->finalize (object);
}

static void
steve_sweep_page_class_init (SteveSweepPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_sweep_page_dispose;
  object_class->finalize = steve_sweep_page_finalize;

  g_type_ensure (STEVE_TYPE_SWEEP_PLOT);
  steve_app_ensure_resources ();

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-sweep-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, stack);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, form_box);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, field_row);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, start_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, end_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, start_unit);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, end_unit);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, steps_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, scale_row);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, grid_row);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, field2_row);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, start2_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, end2_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, start2_unit);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, end2_unit);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, steps2_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, scale2_row);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, dwell_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, settle_spin);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, duration_label);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, validation_label);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, notice_label);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, start_button);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, status_title);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, status_detail);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, abort_button);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, current_label);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, restored_label);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, record_label);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, metric_dropdown);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, plot);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, results_stack);
  gtk_widget_class_bind_template_child (widget_class, SteveSweepPage, results_view);

  gtk_widget_class_install_action (widget_class, "sweep.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "sweep.abort", NULL, abort_action);
  gtk_widget_class_install_action (widget_class, "sweep.export", NULL, export_action);
}

static void
steve_sweep_page_init (SteveSweepPage *self)
{
  g_autoptr(GtkStringList) field_names = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) metric_names = gtk_string_list_new (NULL);
  g_autoptr(GtkNoSelection) selection = NULL;
  GtkSpinButton *spins[8];

  gtk_widget_init_template (GTK_WIDGET (self));

  self->valve_state = STEVE_VALVE_STATE_UNKNOWN;
  self->results = g_list_store_new (STEVE_TYPE_SWEEP_ITEM);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->results)));
  gtk_column_view_set_model (self->results_view, GTK_SELECTION_MODEL (selection));

  /* the sweepable fields, from the field table */
  for (guint f = 0; f < STEVE_N_FIELDS; f++)
    if (STEVE_FIELDS_PHYSICS & STEVE_FIELD_BIT (f))
      {
        self->fields[self->n_fields++] = f;
        gtk_string_list_append (field_names, _(steve_field_info (f)->label));
      }
  adw_combo_row_set_model (self->field_row, G_LIST_MODEL (field_names));
  adw_combo_row_set_model (self->field2_row, G_LIST_MODEL (field_names));

  for (guint m = 0; m < STEVE_N_SWEEP_METRICS; m++)
    {
      g_autofree char *title = metric_title (m);

      gtk_string_list_append (metric_names, title);
    }
  gtk_drop_down_set_model (self->metric_dropdown, G_LIST_MODEL (metric_names));
  gtk_drop_down_set_selected (self->metric_dropdown, STEVE_SWEEP_METRIC_RMS_TORQUE);
  steve_sweep_plot_set_metric (self->plot, STEVE_SWEEP_METRIC_RMS_TORQUE);

  /* first the viscous damping; a grid adds the Coulomb friction */
  self->updating = TRUE;
  adw_combo_row_set_selected (self->field_row, field_index (self, STEVE_FIELD_VISCOUS));
  adw_combo_row_set_selected (self->field2_row, field_index (self, STEVE_FIELD_COULOMB));
  configure_inputs (STEVE_FIELD_VISCOUS, self->start_spin, self->end_spin, self->start_unit, self->end_unit);
  field_defaults (STEVE_FIELD_VISCOUS, self->start_spin, self->end_spin, self->scale_row);
  configure_inputs (STEVE_FIELD_COULOMB, self->start2_spin, self->end2_spin, self->start2_unit, self->end2_unit);
  field_defaults (STEVE_FIELD_COULOMB, self->start2_spin, self->end2_spin, self->scale2_row);
  self->updating = FALSE;

  g_signal_connect_swapped (self->field_row, "notify::selected", G_CALLBACK (on_field_changed), self);
  g_signal_connect_swapped (self->field2_row, "notify::selected", G_CALLBACK (on_field2_changed), self);
  g_signal_connect_swapped (self->scale_row, "notify::selected", G_CALLBACK (refresh_form), self);
  g_signal_connect_swapped (self->scale2_row, "notify::selected", G_CALLBACK (refresh_form), self);
  g_signal_connect_swapped (self->grid_row, "notify::enable-expansion", G_CALLBACK (refresh_form), self);
  g_signal_connect_swapped (self->metric_dropdown, "notify::selected", G_CALLBACK (on_metric_selected), self);

  spins[0] = self->start_spin;
  spins[1] = self->end_spin;
  spins[2] = self->steps_spin;
  spins[3] = self->start2_spin;
  spins[4] = self->end2_spin;
  spins[5] = self->steps2_spin;
  spins[6] = self->dwell_spin;
  spins[7] = self->settle_spin;
  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    g_signal_connect_swapped (spins[i], "value-changed", G_CALLBACK (refresh_form), self);

  gtk_stack_set_visible_child_name (self->stack, "empty");
  refresh_form (self);
  set_state (self, PAGE_IDLE);
}
