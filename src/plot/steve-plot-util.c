/* steve-plot-util.c — helpers shared by the plot widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "steve-plot"

#include "config.h"

#include <math.h>
#include <string.h>

#include "steve-plot-private.h"

/* 1, 2, 2.5, 5 × 10^k: the smallest such step ≥ raw. */
double
steve_plot_nice_step (double raw)
{
  static const double mantissas[] = { 1.0, 2.0, 2.5, 5.0, 10.0 };
  double p;

  if (!(raw > 0.0) || !isfinite (raw))
    return 1.0;

  p = pow (10.0, floor (log10 (raw)));
  for (guint i = 0; i < G_N_ELEMENTS (mantissas); i++)
    if (mantissas[i] * p >= raw * (1.0 - 1e-9))
      return mantissas[i] * p;

  return 10.0 * p;
}

/* Time steps read naturally on a clock: ms decades below a second, then
 * 1 2 5 10 15 30 s, 1 2 5 10 15 30 min, 1 2 3 6 12 24 h. */
double
steve_plot_time_step (double raw)
{
  static const double steps[] = {
    1, 2, 5, 10, 15, 30,
    60, 120, 300, 600, 900, 1800,
    3600, 7200, 10800, 21600, 43200, 86400,
  };

  if (!(raw > 0.0) || !isfinite (raw))
    return 1.0;

  if (raw < 1.0)
    {
      double s = steve_plot_nice_step (raw);

      /* 2.5 gives labels like 0:00.25 next to 0:00.5: skip it. */
      if (fabs (s / pow (10.0, floor (log10 (s))) - 2.5) < 1e-6)
        s = s * 2.0;
      return MIN (s, 1.0);
    }

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (steps[i] >= raw)
      return steps[i];

  return ceil (raw / 86400.0) * 86400.0;
}

void
steve_plot_nice_range (double  lo,
                       double  hi,
                       double  min_span,
                       guint   max_ticks,
                       double *nice_min,
                       double *nice_max,
                       double *step)
{
  double span, pad, st;

  if (!(lo <= hi) || !isfinite (lo) || !isfinite (hi))
    {
      lo = -1.0;
      hi = 1.0;
    }

  span = hi - lo;
  if (span < min_span)
    {
      double c = (lo + hi) / 2.0;

      lo = c - min_span / 2.0;
      hi = c + min_span / 2.0;
      span = min_span;
    }

  /* Keep strokes off the edges. */
  pad = span * 0.04;
  lo -= pad;
  hi += pad;

  st = steve_plot_nice_step ((hi - lo) / MAX (max_ticks, 1));
  *nice_min = floor (lo / st + 1e-9) * st;
  *nice_max = ceil (hi / st - 1e-9) * st;
  if (*nice_max <= *nice_min)
    *nice_max = *nice_min + st;
  *step = st;
}

/**
 * steve_autoscale_update:
 * @snap: fit the data now (the user changed the view)
 *
 * Expands at once when the data leaves the axis; shrinks only after the
 * data has used less than half of it for STEVE_AUTOSCALE_HOLD_US. Limits
 * are always multiples of a 1-2-2.5-5 step.
 *
 * Returns: whether the limits changed
 */
gboolean
steve_autoscale_update (SteveAutoscale *s,
                        double          dmin,
                        double          dmax,
                        double          min_span,
                        guint           max_ticks,
                        gint64          now_us,
                        gboolean        snap)
{
  gboolean has_data = dmin <= dmax && isfinite (dmin) && isfinite (dmax);
  double nmin, nmax, nstep;

  max_ticks = MAX (max_ticks, 1);

  if (!s->valid || snap || max_ticks != s->max_ticks)
    {
      if (!has_data && s->valid && max_ticks == s->max_ticks)
        return FALSE;

      if (has_data)
        steve_plot_nice_range (dmin, dmax, min_span, max_ticks, &nmin, &nmax, &nstep);
      else if (s->valid)
        steve_plot_nice_range (s->min, s->max, min_span, max_ticks, &nmin, &nmax, &nstep);
      else
        steve_plot_nice_range (-min_span, min_span, min_span, max_ticks, &nmin, &nmax, &nstep);
    }
  else if (!has_data)
    {
      s->shrink_since = 0;
      return FALSE;
    }
  else if (dmin < s->min || dmax > s->max)
    {
      steve_plot_nice_range (MIN (dmin, s->min), MAX (dmax, s->max), min_span, max_ticks,
                             &nmin, &nmax, &nstep);
    }
  else if ((dmax - dmin) < STEVE_AUTOSCALE_SHRINK * (s->max - s->min))
    {
      steve_plot_nice_range (dmin, dmax, min_span, max_ticks, &nmin, &nmax, &nstep);
      if (nmax - nmin >= s->max - s->min)
        {
          /* min_span keeps it as wide as it is: nothing to shrink to. */
          s->shrink_since = 0;
          return FALSE;
        }
      if (s->shrink_since == 0)
        {
          s->shrink_since = now_us;
          return FALSE;
        }
      if (now_us - s->shrink_since < STEVE_AUTOSCALE_HOLD_US)
        return FALSE;
    }
  else
    {
      s->shrink_since = 0;
      return FALSE;
    }

  s->shrink_since = 0;
  s->max_ticks = max_ticks;

  if (s->valid && s->min == nmin && s->max == nmax && s->step == nstep)
    return FALSE;

  s->valid = TRUE;
  s->min = nmin;
  s->max = nmax;
  s->step = nstep;
  return TRUE;
}

gboolean
steve_autoscale_shrink_pending (const SteveAutoscale *s)
{
  return s->shrink_since != 0;
}

/* Decimals needed to print multiples of @step exactly. */
int
steve_plot_decimals_for_step (double step)
{
  if (!(step > 0.0) || !isfinite (step))
    return 0;

  for (int d = 0; d < 9; d++)
    {
      double x = step * pow (10.0, d);

      if (fabs (x - round (x)) < 1e-6 * x)
        return d;
    }

  return 9;
}

/* "%.*f" with a real minus sign, and no "−0.00". */
char *
steve_plot_format_value (double value,
                         int    decimals)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  gboolean negative;

  if (!isfinite (value))
    return g_strdup ("—");

  g_snprintf (buf, sizeof buf, "%.*f", CLAMP (decimals, 0, 9), fabs (value));
  negative = value < 0.0 && strspn (buf, "0.") != strlen (buf);

  return g_strconcat (negative ? "−" : "", buf, NULL);
}

/* Session time as [h:]m:ss[.fff]. */
char *
steve_plot_format_time (double t,
                        int    decimals)
{
  gint64 scale = 1, units, secs, frac;
  guint h, m, s;
  GString *str;

  if (!isfinite (t))
    return g_strdup ("—");

  decimals = CLAMP (decimals, 0, 3);
  for (int i = 0; i < decimals; i++)
    scale *= 10;

  units = llround (fabs (t) * scale);
  secs = units / scale;
  frac = units % scale;
  h = secs / 3600;
  m = (secs / 60) % 60;
  s = secs % 60;

  str = g_string_new (t < 0 && units != 0 ? "−" : "");
  if (h > 0)
    g_string_append_printf (str, "%u:%02u:%02u", h, m, s);
  else
    g_string_append_printf (str, "%u:%02u", m, s);
  if (decimals > 0)
    g_string_append_printf (str, ".%0*" G_GINT64_FORMAT, decimals, frac);

  return g_string_free (str, FALSE);
}

/* GNOME palette tones with a contrast of at least 3:1 against both
 * Adwaita's light (#fafafa) and dark (#242424) backgrounds. */
void
steve_plot_series_color (SteveChannel  channel,
                         GdkRGBA      *color)
{
  static const char * const colors[STEVE_N_CHANNELS] = {
    [STEVE_CHANNEL_POSITION] = "#3584e4",      /* blue 3 */
    [STEVE_CHANNEL_VELOCITY] = "#26a269",      /* green 5 */
    [STEVE_CHANNEL_TORQUE] = "#e66100",        /* orange 4 */
    [STEVE_CHANNEL_FILT_TORQUE] = "#c061cb",   /* purple 2 */
    [STEVE_CHANNEL_PASSIVITY] = "#e01b24",     /* red 3 */
  };

  g_return_if_fail (channel < STEVE_N_CHANNELS);
  g_return_if_fail (color != NULL);

  gdk_rgba_parse (color, colors[channel]);
}

void
steve_plot_get_fg_color (GtkWidget *widget,
                         GdkRGBA   *color)
{
  /* gtk_widget_get_color() is GTK 4.10; this works on 4.8 and later. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* The plots' label text: small, tabular figures, optionally bold. */
PangoLayout *
steve_plot_create_small_layout (GtkWidget *widget,
                                gboolean   bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);

  return layout;
}

/* Draws @text with its (xalign, yalign) point at (x, y), on the device
 * pixel grid; returns its width. */
double
steve_plot_append_text (GtkSnapshot   *snapshot,
                        PangoLayout   *layout,
                        const char    *text,
                        double         x,
                        double         y,
                        double         xalign,
                        double         yalign,
                        const GdkRGBA *color,
                        int            scale)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot,
                          &GRAPHENE_POINT_INIT (steve_plot_snap (x - w * xalign, scale),
                                                steve_plot_snap (y - h * yalign, scale)));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);

  return w;
}

/* @text cut to at most @max_chars characters, with “…” when it was cut
 * (g_utf8_substring() must not be asked for more than there is). */
char *
steve_plot_ellipsize (const char *text,
                      glong       max_chars)
{
  g_autofree char *head = NULL;

  if (g_utf8_strlen (text, -1) <= max_chars)
    return g_strdup (text);

  head = g_utf8_substring (text, 0, max_chars);
  return g_strconcat (head, "…", NULL);
}
