/* test-plot.c — SteveHistory, SteveChart and SteveModelView
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * History queries are checked against brute-force scans of the same
 * samples; the widgets are rendered offscreen (under Xvfb) and checked on
 * their pixels and read-outs. The renders are saved as PNGs in the build
 * directory (chart-light.png, chart-dark.png, model-view-light.png,
 * model-view-dark.png) for a human to look at.
 */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "steve-bar-raster.h"
#include "steve-chart.h"
#include "steve-chart-private.h"
#include "steve-field.h"
#include "steve-history.h"
#include "steve-model-view.h"
#include "steve-physics.h"

#define INTERVAL_US 10000

/* ------------------------------------------------------------ data */

typedef struct
{
  GArray  *samples;   /* SteveSample */
  GArray  *gap;       /* gboolean: step before sample i is a gap */
  gint64   origin;
} Synth;

static void
synth_free (Synth *s)
{
  g_array_unref (s->samples);
  g_array_unref (s->gap);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Synth, synth_free)

/* @n samples at 100 Hz with ±3 ms of jitter and @n_gaps gaps of 0.2–3 s;
 * filt_torque missing on ~2 % of the samples (NaN in the history). */
static Synth *
synth_new (GRand *rand,
           guint  n,
           guint  n_gaps)
{
  Synth *s = g_new0 (Synth, 1);
  gint64 host = 5000000000;
  guint32 ts = 1000;
  double pos = 0, vel = 0;
  g_autoptr(GArray) gap_at = g_array_new (FALSE, FALSE, sizeof (guint));

  s->samples = g_array_sized_new (FALSE, TRUE, sizeof (SteveSample), n);
  s->gap = g_array_sized_new (FALSE, TRUE, sizeof (gboolean), n);
  s->origin = host;

  /* Gaps at least 40 samples apart, so each is a single long step. */
  for (guint i = 0; i < n_gaps; i++)
    {
      guint at = 40 + g_rand_int_range (rand, 0, n - 80);
      gboolean near = FALSE;

      for (guint j = 0; j < gap_at->len; j++)
        if (ABS ((int) g_array_index (gap_at, guint, j) - (int) at) < 40)
          near = TRUE;
      if (!near)
        g_array_append_val (gap_at, at);
    }

  for (guint i = 0; i < n; i++)
    {
      SteveSample x = { 0, };
      gboolean is_gap = FALSE;
      gint64 step = INTERVAL_US + g_rand_int_range (rand, -3000, 3001);

      for (guint j = 0; j < gap_at->len; j++)
        if (g_array_index (gap_at, guint, j) == i)
          is_gap = TRUE;
      if (is_gap)
        step = g_rand_int_range (rand, 200000, 3000000);

      if (i > 0)
        {
          host += step;
          ts += (guint32) (step / 1000);
        }

      vel += g_rand_double_range (rand, -0.5, 0.5);
      vel *= 0.98;
      pos += vel * 0.01;
      x.host_time_us = host;
      x.timestamp_ms = ts;
      x.position_deg = pos * 57.3;
      x.omega_rad_s = vel;
      x.torque_nm = g_rand_double_range (rand, -2.0, 2.0);
      x.filt_torque_nm = x.torque_nm * 0.9;
      x.passivity_mj = -g_rand_int_range (rand, 0, 2000);
      x.present = STEVE_SAMPLE_ALL_FIELDS;
      if (g_rand_int_range (rand, 0, 50) == 0)
        x.present &= ~STEVE_SAMPLE_FILT_TORQUE_NM;

      g_array_append_val (s->samples, x);
      g_array_append_val (s->gap, is_gap);
    }

  return s;
}

static double
synth_t (const Synth *s,
         guint        i)
{
  return (double) (g_array_index (s->samples, SteveSample, i).host_time_us - s->origin) / 1e6;
}

static float
synth_value (const Synth  *s,
             guint         i,
             SteveChannel  ch)
{
  const SteveSample *x = &g_array_index (s->samples, SteveSample, i);

  switch (ch)
    {
    case STEVE_CHANNEL_POSITION:
      return (float) x->position_deg;
    case STEVE_CHANNEL_VELOCITY:
      return (float) x->omega_rad_s;
    case STEVE_CHANNEL_TORQUE:
      return (float) x->torque_nm;
    case STEVE_CHANNEL_FILT_TORQUE:
      return (x->present & STEVE_SAMPLE_FILT_TORQUE_NM) ? (float) x->filt_torque_nm : NAN;
    case STEVE_CHANNEL_PASSIVITY:
      return (float) (x->passivity_mj / 1000.0);
    case STEVE_N_CHANNELS:
    default:
      g_assert_not_reached ();
    }
}

static SteveHistory *
history_from_synth (const Synth *s)
{
  SteveHistory *h = steve_history_new ();
  guint n = s->samples->len;

  /* In uneven batches, like the streamer's. */
  for (guint i = 0; i < n; )
    {
      guint k = MIN (n - i, 1 + (i * 7919) % 97);

      steve_history_append (h, &g_array_index (s->samples, SteveSample, i), k);
      i += k;
    }

  return h;
}

/* ------------------------------------------------------------ history */

/* @got says what @want says: the same flags and, where there are data,
 * the same min, max, first and last. @format says where they come from. */
static void G_GNUC_PRINTF (5, 6)
assert_column_equal (const SteveColumn *got,
                     const SteveColumn *want,
                     guint              channel,
                     guint              column,
                     const char        *format,
                     ...)
{
  g_autofree char *what = NULL;
  va_list args;

  if (got->flags == want->flags &&
      (!(want->flags & STEVE_COLUMN_HAS_DATA) ||
       (got->min == want->min && got->max == want->max &&
        got->first == want->first && got->last == want->last)))
    return;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_error ("%s: channel %u column %u: flags %u, %g … %g, first %g, last %g; "
           "expected flags %u, %g … %g, first %g, last %g",
           what, channel, column, got->flags, got->min, got->max, got->first, got->last,
           want->flags, want->min, want->max, want->first, want->last);
}

static void
check_decimation (SteveHistory *h,
                  const Synth  *s,
                  double        t0,
                  double        t1,
                  guint         n_cols)
{
  g_autofree SteveColumn *cols = g_new (SteveColumn, n_cols);
  g_autofree SteveColumn *want = g_new (SteveColumn, n_cols);
  g_autofree gint64 *first_idx = g_new (gint64, n_cols);
  g_autofree float *mins = g_new (float, n_cols);
  g_autofree float *maxs = g_new (float, n_cols);
  g_autofree guint8 *flags = g_new (guint8, n_cols);
  double k = n_cols / (t1 - t0);

  for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
    {
      gboolean any_want = FALSE, any;

      for (guint c = 0; c < n_cols; c++)
        {
          want[c].flags = 0;
          first_idx[c] = -1;
        }

      /* Brute force over every sample. */
      for (guint i = 0; i < s->samples->len; i++)
        {
          double t = synth_t (s, i);
          float v = synth_value (s, i, ch);
          gint64 c;

          if (t < t0 || t > t1)
            continue;
          c = MIN ((gint64) floor ((t - t0) * k), (gint64) n_cols - 1);

          if (first_idx[c] < 0)
            {
              first_idx[c] = i;
              if (i > 0 && g_array_index (s->gap, gboolean, i))
                want[c].flags |= STEVE_COLUMN_GAP_BEFORE;
            }
          else if (g_array_index (s->gap, gboolean, i))
            want[c].flags |= STEVE_COLUMN_GAP_INSIDE;

          if (isnan (v))
            continue;
          if (!(want[c].flags & STEVE_COLUMN_HAS_DATA))
            {
              want[c].flags |= STEVE_COLUMN_HAS_DATA;
              want[c].min = want[c].max = want[c].first = v;
            }
          want[c].min = MIN (want[c].min, v);
          want[c].max = MAX (want[c].max, v);
          want[c].last = v;
          any_want = TRUE;
        }

      any = steve_history_decimate_columns (h, ch, t0, t1, n_cols, cols);
      g_assert_cmpint (any, ==, any_want);

      for (guint c = 0; c < n_cols; c++)
        assert_column_equal (&cols[c], &want[c], ch, c, "[%.6f, %.6f] / %u against a scan", t0, t1, n_cols);

      /* The min/max/flags form agrees with the column form. */
      steve_history_decimate (h, ch, t0, t1, n_cols, mins, maxs, flags);
      for (guint c = 0; c < n_cols; c++)
        {
          g_assert_cmpuint (flags[c], ==, want[c].flags);
          if (want[c].flags & STEVE_COLUMN_HAS_DATA)
            {
              g_assert_cmpfloat (mins[c], ==, want[c].min);
              g_assert_cmpfloat (maxs[c], ==, want[c].max);
            }
          else
            g_assert_true (isnan (mins[c]) && isnan (maxs[c]));
        }
    }
}

static void
test_history_decimate (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1234);
  g_autoptr(Synth) s = synth_new (rand, 30000, 8);
  g_autoptr(SteveHistory) h = history_from_synth (s);
  double d0, d1;
  guint n_gaps = 0;

  g_assert_cmpuint (steve_history_get_n_samples (h), ==, 30000);
  g_assert_true (steve_history_get_time_range (h, &d0, &d1));
  g_assert_cmpfloat (d0, ==, 0.0);
  g_assert_cmpfloat (d1, ==, synth_t (s, 29999));

  /* The gap detector finds exactly the inserted gaps (not the jitter). */
  for (guint i = 0; i < s->samples->len; i++)
    {
      g_assert_cmpint (steve_history_is_gap_before (h, i), ==, g_array_index (s->gap, gboolean, i));
      n_gaps += g_array_index (s->gap, gboolean, i);
    }
  g_assert_cmpuint (n_gaps, >=, 5);

  /* Whole range, and beyond it on both sides */
  check_decimation (h, s, d0, d1, 1280);
  check_decimation (h, s, d0 - 100, d1 + 100, 997);
  check_decimation (h, s, d0, d1, 1);
  check_decimation (h, s, d0, d1, 30000 * 2);
  /* Tiny: inside one sample step, and around one sample */
  check_decimation (h, s, synth_t (s, 100) + 1e-4, synth_t (s, 100) + 2e-4, 10);
  check_decimation (h, s, synth_t (s, 100) - 1e-3, synth_t (s, 100) + 1e-3, 7);
  /* Exactly on samples (column edges on sample times) */
  check_decimation (h, s, synth_t (s, 64), synth_t (s, 4096 + 64), 64);
  /* Entirely outside */
  check_decimation (h, s, d1 + 1, d1 + 2, 50);

  /* Random ranges: partial blocks, partial chunks, gaps */
  for (guint iter = 0; iter < 60; iter++)
    {
      double a = g_rand_double_range (rand, d0 - 5, d1);
      double span = pow (10.0, g_rand_double_range (rand, -3, log10 (d1 - d0 + 10)));
      guint n_cols = g_rand_int_range (rand, 1, 2000);

      check_decimation (h, s, a, a + span, n_cols);
    }

  /* The first sample in a column or after it, against the column of
   * every sample (columns before, inside and after the samples, and
   * column edges on sample times) */
  {
    const struct { double t0, t1; guint n; } decs[] = {
      { d0, d1, 1280 }, { d0 - 100, d1 + 100, 997 }, { synth_t (s, 64), synth_t (s, 4096 + 64), 64 },
    };

    for (guint d = 0; d < G_N_ELEMENTS (decs); d++)
      for (gint64 c = -1; c <= (gint64) decs[d].n; c += 1 + (gint64) decs[d].n / 50)
        {
          guint want = 0;

          while (want < 30000 && steve_history_column_of (steve_history_get_time (h, want), decs[d].t0, decs[d].t1, decs[d].n) < c)
            want++;
          g_assert_cmpuint (steve_history_first_in_column (h, c, decs[d].t0, decs[d].t1, decs[d].n), ==, want);
        }
  }
}

/* Host times as TCP batching makes them: runs of up to 300 samples that
 * share one time, then a step as long as the run. The column bounds are
 * searched from where an even share of the samples would put them; here
 * they are far from it in both directions. */
static void
test_history_decimate_bursts (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (77);
  g_autoptr(Synth) s = synth_new (rand, 20000, 0);
  g_autoptr(SteveHistory) h = NULL;
  gint64 host = s->origin;
  double d0, d1;

  for (guint i = 0; i < s->samples->len; )
    {
      guint run = g_rand_int_range (rand, 1, 301);

      for (guint j = i; j < MIN (i + run, s->samples->len); j++)
        g_array_index (s->samples, SteveSample, j).host_time_us = host;
      host += (gint64) run * INTERVAL_US + g_rand_int_range (rand, 0, 5000);
      i += run;
    }
  h = history_from_synth (s);

  /* This test is about the columns: the expected gap flags are the
   * detector's own (test_history_gap_detector covers the detector). */
  for (guint i = 0; i < s->samples->len; i++)
    g_array_index (s->gap, gboolean, i) = steve_history_is_gap_before (h, i);

  g_assert_true (steve_history_get_time_range (h, &d0, &d1));
  check_decimation (h, s, d0, d1, 1280);
  check_decimation (h, s, d0, d1, 20000 * 3);
  check_decimation (h, s, d0 - 50, d1 + 50, 777);
  for (guint iter = 0; iter < 40; iter++)
    {
      double a = g_rand_double_range (rand, d0 - 5, d1);
      double span = pow (10.0, g_rand_double_range (rand, -2, log10 (d1 - d0 + 10)));

      check_decimation (h, s, a, a + span, g_rand_int_range (rand, 1, 3000));
    }

  /* A part of a decimation is that part of the whole one. */
  for (guint iter = 0; iter < 40; iter++)
    {
      guint n = g_rand_int_range (rand, 1, 2000);
      guint first = g_rand_int_range (rand, 0, n);
      guint n_out = g_rand_int_range (rand, 0, n - first + 1);
      double a = g_rand_double_range (rand, d0 - 5, d1);
      double b = a + pow (10.0, g_rand_double_range (rand, -1, log10 (d1 - d0 + 10)));
      g_autofree SteveColumn *whole = g_new (SteveColumn, n);
      g_autofree SteveColumn *part = g_new (SteveColumn, MAX (n_out, 1));

      for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
        {
          steve_history_decimate_columns (h, ch, a, b, n, whole);
          steve_history_decimate_columns_range (h, ch, a, b, n, first, n_out, part);
          for (guint c = 0; c < n_out; c++)
            assert_column_equal (&part[c], &whole[first + c], ch, first + c,
                                 "part of a decimation against the whole");
        }
    }
}

static void
test_history_stats (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  g_autoptr(Synth) s = synth_new (rand, 20000, 4);
  g_autoptr(SteveHistory) h = history_from_synth (s);
  double d0, d1;

  steve_history_get_time_range (h, &d0, &d1);

  for (guint iter = 0; iter < 200; iter++)
    {
      double t0 = g_rand_double_range (rand, d0 - 2, d1);
      double t1 = iter < 5 ? d1 + 1 : t0 + pow (10.0, g_rand_double_range (rand, -2, 3));

      for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
        {
          double mn = INFINITY, mx = -INFINITY, sum = 0, gmn, gmx, gmean;
          guint n = 0, gn;
          gboolean ok;

          for (guint i = 0; i < s->samples->len; i++)
            {
              double t = synth_t (s, i);
              float v = synth_value (s, i, ch);

              if (t < t0 || t > t1 || isnan (v))
                continue;
              mn = MIN (mn, v);
              mx = MAX (mx, v);
              sum += v;
              n++;
            }

          ok = steve_history_stats (h, t0, t1, ch, &gmn, &gmx, &gmean, &gn);
          g_assert_cmpint (ok, ==, n > 0);
          g_assert_cmpuint (gn, ==, n);
          if (n > 0)
            {
              g_assert_cmpfloat (gmn, ==, mn);
              g_assert_cmpfloat (gmx, ==, mx);
              g_assert_cmpfloat_with_epsilon (gmean, sum / n, 1e-9 * MAX (1.0, fabs (sum / n)));
            }
          else
            g_assert_true (isnan (gmn) && isnan (gmx) && isnan (gmean));
        }
    }
}

static void
test_history_value_at (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(Synth) s = synth_new (rand, 10000, 5);
  g_autoptr(SteveHistory) h = history_from_synth (s);
  double d0, d1, v;
  guint checked_gap = 0;

  steve_history_get_time_range (h, &d0, &d1);

  g_assert_false (steve_history_value_at (h, d0 - 0.001, STEVE_CHANNEL_TORQUE, &v));
  g_assert_false (steve_history_value_at (h, d1 + 0.001, STEVE_CHANNEL_TORQUE, &v));
  g_assert_true (steve_history_value_at (h, d1, STEVE_CHANNEL_TORQUE, &v));
  g_assert_cmpfloat (v, ==, synth_value (s, 9999, STEVE_CHANNEL_TORQUE));

  for (guint iter = 0; iter < 3000; iter++)
    {
      double t = iter < 2000 ? g_rand_double_range (rand, d0, d1)
                             : synth_t (s, g_rand_int_range (rand, 0, 10000));
      SteveChannel ch = g_rand_int_range (rand, 0, STEVE_N_CHANNELS);
      guint i = 0, j;
      gboolean want_ok, ok;
      float want = NAN;

      /* Brute force: last sample at or before t, then the nearer one. */
      for (guint k = 0; k < s->samples->len && synth_t (s, k) <= t; k++)
        i = k;

      if (synth_t (s, i) == t)
        {
          j = i;
          want_ok = TRUE;
        }
      else
        {
          want_ok = !g_array_index (s->gap, gboolean, i + 1);
          j = (t - synth_t (s, i) <= synth_t (s, i + 1) - t) ? i : i + 1;
          if (!want_ok)
            checked_gap++;
        }
      if (want_ok)
        {
          want = synth_value (s, j, ch);
          want_ok = !isnan (want);
        }

      ok = steve_history_value_at (h, t, ch, &v);
      g_assert_cmpint (ok, ==, want_ok);
      if (ok)
        g_assert_cmpfloat (v, ==, want);
    }

  /* Gaps are several seconds of 30 s: random times fall into them. */
  g_assert_cmpuint (checked_gap, >, 0);
}

static void
count_cb (gpointer  instance,
          guint    *counter)
{
  (*counter)++;
}

static void
test_history_memory_cap (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  g_autoptr(Synth) s = synth_new (rand, 30000, 0);
  g_autoptr(SteveHistory) h = steve_history_new ();
  guint changed = 0, n, dropped;
  double t0, t1, v;

  g_signal_connect (h, "changed", G_CALLBACK (count_cb), &changed);
  steve_history_set_max_samples (h, 10000);

  for (guint i = 0; i < 30000; i += 100)
    steve_history_append (h, &g_array_index (s->samples, SteveSample, i), 100);

  /* One signal per batch */
  g_assert_cmpuint (changed, ==, 300);

  /* Only whole oldest chunks were dropped */
  n = steve_history_get_n_samples (h);
  g_assert_cmpuint (n, >=, 10000);
  g_assert_cmpuint (n, <, 10000 + STEVE_HISTORY_CHUNK_SIZE);
  dropped = 30000 - n;
  g_assert_cmpuint (dropped % STEVE_HISTORY_CHUNK_SIZE, ==, 0);

  /* What is left is the newest data, on the same time axis */
  g_assert_true (steve_history_get_time_range (h, &t0, &t1));
  g_assert_cmpfloat (t0, ==, synth_t (s, dropped));
  g_assert_cmpfloat (t1, ==, synth_t (s, 29999));
  g_assert_cmpfloat (steve_history_get_time (h, 0), ==, synth_t (s, dropped));
  g_assert_cmpfloat (steve_history_get_value (h, 0, STEVE_CHANNEL_TORQUE), ==,
                     synth_value (s, dropped, STEVE_CHANNEL_TORQUE));
  g_assert_false (steve_history_value_at (h, synth_t (s, 10), STEVE_CHANNEL_TORQUE, &v));
  g_assert_true (steve_history_value_at (h, synth_t (s, 29000), STEVE_CHANNEL_TORQUE, &v));
  g_assert_cmpfloat (v, ==, synth_value (s, 29000, STEVE_CHANNEL_TORQUE));

  /* Lowering the cap drops at once; raising it keeps what is there */
  steve_history_set_max_samples (h, 100);
  g_assert_cmpuint (steve_history_get_n_samples (h), <, 100 + STEVE_HISTORY_CHUNK_SIZE);
  g_assert_cmpuint (steve_history_get_n_samples (h), >=, 100);

  steve_history_clear (h);
  g_assert_cmpuint (steve_history_get_n_samples (h), ==, 0);
  g_assert_false (steve_history_get_time_range (h, NULL, NULL));
}

static void
test_history_size_and_decimation (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  g_autoptr(GArray) batch = g_array_new (FALSE, TRUE, sizeof (SteveSample));
  g_autofree SteveColumn *cols = g_new (SteveColumn, 1280);
  double t0, t1, lo = G_MAXDOUBLE, hi = -G_MAXDOUBLE, true_lo = G_MAXDOUBLE, true_hi = -G_MAXDOUBLE;
  gsize size;

  /* One hour at 100 Hz */
  g_array_set_size (batch, 360000);
  for (guint i = 0; i < 360000; i++)
    {
      SteveSample *x = &g_array_index (batch, SteveSample, i);

      x->host_time_us = (gint64) i * INTERVAL_US;
      x->timestamp_ms = i * 10;
      x->position_deg = 45 * sin (i * 0.001);
      x->omega_rad_s = cos (i * 0.001);
      x->torque_nm = sin (i * 0.01);
      x->filt_torque_nm = sin (i * 0.01 - 0.1);
      x->passivity_mj = -(int) (i % 1000);
      x->present = STEVE_SAMPLE_ALL_FIELDS;
    }
  steve_history_append (h, (SteveSample *) (gpointer) batch->data, batch->len);

  size = steve_history_get_memory_size (h);
  g_test_message ("1 h at 100 Hz: %.1f MB", size / 1e6);
  g_assert_cmpuint (size, <=, 15 * 1000 * 1000);

  /* the whole hour into 1280 columns: every column has data (how fast
   * is bench-plot's "decimate 1 h" figure) */
  steve_history_get_time_range (h, &t0, &t1);
  steve_history_decimate_columns (h, STEVE_CHANNEL_TORQUE, t0, t1, 1280, cols);
  for (guint c = 0; c < 1280; c++)
    {
      g_assert_true (cols[c].flags & STEVE_COLUMN_HAS_DATA);
      g_assert_cmpfloat (cols[c].min, <=, cols[c].max);
      lo = MIN (lo, cols[c].min);
      hi = MAX (hi, cols[c].max);
    }
  /* the columns' extremes are the samples' (as stored: float), not approximations */
  for (guint i = 0; i < 360000; i++)
    {
      true_lo = MIN (true_lo, (float) g_array_index (batch, SteveSample, i).torque_nm);
      true_hi = MAX (true_hi, (float) g_array_index (batch, SteveSample, i).torque_nm);
    }
  g_assert_cmpfloat (lo, ==, true_lo);
  g_assert_cmpfloat (hi, ==, true_hi);
}

static void
test_history_gap_detector (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  g_autoptr(GArray) a = g_array_new (FALSE, TRUE, sizeof (SteveSample));
  gint64 host = 0;
  guint32 ts = 0;
  guint n_gaps = 0, idx_gap_a, idx_gap_b;

#define ADD(host_step_us, dev_step_ms) G_STMT_START {                   \
    SteveSample x = { 0, };                                             \
    host += (host_step_us);                                             \
    ts += (dev_step_ms);                                                \
    x.host_time_us = host;                                              \
    x.timestamp_ms = ts;                                                \
    x.present = STEVE_SAMPLE_ALL_FIELDS;                                \
    g_array_append_val (a, x);                                          \
  } G_STMT_END

  ADD (0, 0);
  for (guint i = 0; i < 100; i++)
    ADD (10000, 10);
  /* The stream interval changes from 10 to 100 ms: one break, no more */
  for (guint i = 0; i < 50; i++)
    ADD (100000, 100);
  for (guint i = 0; i < 50; i++)
    ADD (10000, 10);
  /* TCP batching: host times bunch up, the device clock does not */
  for (guint i = 0; i < 100; i++)
    ADD (i % 5 == 4 ? 50000 : 0, 10);
  /* A real stall of 2 s */
  idx_gap_a = a->len;
  ADD (2000000, 2000);
  for (guint i = 0; i < 50; i++)
    ADD (10000, 10);
  /* A device reboot: its clock goes back */
  idx_gap_b = a->len;
  ADD (1500000, (guint32) -100000);
  for (guint i = 0; i < 50; i++)
    ADD (10000, 10);

#undef ADD

  steve_history_append (h, (SteveSample *) (gpointer) a->data, a->len);

  for (guint i = 0; i < a->len; i++)
    if (steve_history_is_gap_before (h, i))
      {
        n_gaps++;
        g_assert_true (i == 101 || i == idx_gap_a || i == idx_gap_b);
      }
  g_assert_cmpuint (n_gaps, ==, 3);
  g_assert_true (steve_history_is_gap_before (h, idx_gap_a));
  g_assert_true (steve_history_is_gap_before (h, idx_gap_b));
}

static void
test_history_markers (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveSample x = { 0, };
  const char *label, *details;
  double t;

  x.host_time_us = 1000000;
  x.present = STEVE_SAMPLE_ALL_FIELDS;
  steve_history_append (h, &x, 1);

  steve_history_add_marker (h, 3000000, "b", "second");
  steve_history_add_marker_at (h, 1.0, "a", "first");
  steve_history_add_marker (h, 4000000, "c", NULL);

  g_assert_cmpuint (steve_history_get_n_markers (h), ==, 3);
  g_assert_true (steve_history_get_marker (h, 0, &t, &label, &details));
  g_assert_cmpfloat (t, ==, 1.0);
  g_assert_cmpstr (label, ==, "a");
  g_assert_cmpstr (details, ==, "first");
  g_assert_true (steve_history_get_marker (h, 1, &t, &label, &details));
  g_assert_cmpfloat (t, ==, 2.0);
  g_assert_cmpstr (details, ==, "second");
  g_assert_true (steve_history_get_marker (h, 2, NULL, NULL, &details));
  g_assert_cmpstr (details, ==, "c");
  g_assert_false (steve_history_get_marker (h, 3, NULL, NULL, NULL));

  /* An explicit origin moves every time, markers included */
  steve_history_set_origin_us (h, 0);
  g_assert_true (steve_history_get_marker (h, 0, &t, NULL, NULL));
  g_assert_cmpfloat (t, ==, 2.0);
  g_assert_cmpfloat (steve_history_get_time (h, 0), ==, 1.0);
}

/* ------------------------------------------------------------ bar raster */

#define RASTER_SERIES 3
#define RASTER_FRAMES 400
#define RASTER_HELD   4   /* at most this many frames kept alive, as GTK
                           * keeps the ones it drew */
#define RASTER_STACK  24  /* thin bars per column in a dense frame: more
                           * bars than the raster's first allocation */

typedef struct
{
  int      width;
  int      height;
  guint32 *expected;   /* what the frame must show */
  cairo_surface_t *recording;
} RasterFrame;

static void
raster_frame_free (gpointer data)
{
  RasterFrame *f = data;

  g_free (f->expected);
  cairo_surface_destroy (f->recording);
  g_free (f);
}

/* Replays the frame's recording on transparent and compares it pixel for
 * pixel with what it must show. */
static void
raster_frame_check (const RasterFrame *f,
                    guint              frame)
{
  cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, f->width, f->height);
  cairo_t *cr = cairo_create (image);
  const guchar *data;
  int stride;

  cairo_set_source_surface (cr, f->recording, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_flush (image);
  data = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);
  for (int y = 0; y < f->height; y++)
    for (int x = 0; x < f->width; x++)
      {
        guint32 got = *(const guint32 *) (gconstpointer) (data + y * stride + x * 4);

        if (got != f->expected[y * f->width + x])
          g_error ("frame %u, pixel (%d, %d): 0x%08x, expected 0x%08x",
                   frame, x, y, got, f->expected[y * f->width + x]);
      }
  cairo_surface_destroy (image);
}

/* The raster reuses buffers and rewrites only the columns whose bars
 * changed. Frame after frame of random changes (a few columns, many, none,
 * a colour, the size, thousands of bars, rows past the edges, columns
 * outside the picture, the picture moved along a longer strip by a few
 * columns or far, to negative strip columns too), every picture must show
 * exactly its own bars, also when replayed again after later frames were
 * drawn into the reused buffers, and with the frames held released in any
 * order. */
static void
test_bar_raster_reuse (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4711);
  g_autoptr(GQueue) held = g_queue_new ();
  SteveBarRaster *raster = steve_bar_raster_new ();
  int width = 41, height = 29;
  int top[RASTER_SERIES][64], bottom[RASTER_SERIES][64];
  GdkRGBA colors[RASTER_SERIES] = {
    { 1.0f, 0.0f, 0.0f, 1.0f }, { 0.0f, 0.5f, 1.0f, 1.0f }, { 0.2f, 0.8f, 0.2f, 1.0f },
  };
  gboolean dense = FALSE;
  guint n_full = 0, n_dense = 0, max_held = 0, n_scrolled = 0;
  gint64 first_column = 0;

  memset (top, 0, sizeof top);
  memset (bottom, 0, sizeof bottom);

  for (guint frame = 0; frame < RASTER_FRAMES; frame++)
    {
      RasterFrame *f = g_new0 (RasterFrame, 1);
      guint change = g_rand_int_range (rand, 0, 10);
      cairo_t *cr;

      if (frame == RASTER_FRAMES / 2)
        {
          /* a resize: the spare buffers are of no use any more */
          width = 53;
          height = 17;
        }
      if (change == 0)
        {
          /* many columns: the whole picture is written again */
          n_full++;
          for (guint s = 0; s < RASTER_SERIES; s++)
            for (int x = 0; x < width; x++)
              {
                top[s][x] = g_rand_int_range (rand, -3, height);
                bottom[s][x] = top[s][x] + g_rand_int_range (rand, -1, height / 2);
              }
        }
      else if (change == 1)
        colors[g_rand_int_range (rand, 0, RASTER_SERIES)].green = (float) g_rand_double (rand);
      else if (change == 2)
        steve_bar_raster_redraw_all (raster);
      else if (change == 3)
        dense = !dense;
      else if (change == 4)
        ; /* nothing changes */
      else if (change == 5)
        {
          /* the picture moves along the strip: its columns move with it,
           * new ones come in (far: none stays) */
          int dx = g_rand_boolean (rand) ? g_rand_int_range (rand, -5, 6) : g_rand_int_range (rand, -200, 201);

          first_column += dx;
          n_scrolled++;
          for (guint sr = 0; sr < RASTER_SERIES; sr++)
            {
              int t[64], bt[64];

              for (int x = 0; x < width; x++)
                {
                  int from = x + dx;

                  if (from >= 0 && from < width)
                    {
                      t[x] = top[sr][from];
                      bt[x] = bottom[sr][from];
                    }
                  else
                    {
                      t[x] = g_rand_int_range (rand, -2, height + 2);
                      bt[x] = t[x] + g_rand_int_range (rand, -1, height);
                    }
                }
              memcpy (top[sr], t, sizeof (int) * width);
              memcpy (bottom[sr], bt, sizeof (int) * width);
            }
        }
      else
        /* a few columns: a bar grows, shrinks, moves, appears or goes */
        for (guint k = g_rand_int_range (rand, 1, 4); k > 0; k--)
          {
            guint s = g_rand_int_range (rand, 0, RASTER_SERIES);
            int x = g_rand_int_range (rand, 0, width);

            top[s][x] = g_rand_int_range (rand, -2, height + 2);
            bottom[s][x] = top[s][x] + g_rand_int_range (rand, -1, height);
          }

      /* what the frame must show: the bars in order on transparent */
      f->width = width;
      f->height = height;
      f->expected = g_new0 (guint32, width * height);
      for (guint s = 0; s < RASTER_SERIES; s++)
        {
          guint32 pixel = 0xffu << 24 |
                          (guint32) lround (colors[s].red * 255) << 16 |
                          (guint32) lround (colors[s].green * 255) << 8 |
                          (guint32) lround (colors[s].blue * 255);

          for (int x = 0; x < width; x++)
            for (int y = MAX (top[s][x], 0); y < MIN (bottom[s][x], height); y++)
              f->expected[y * width + x] = pixel;
          for (int k = 0; dense && k < RASTER_STACK; k++)
            if ((guint) k % RASTER_SERIES == s)
              for (int x = 0; x < width; x++)
                for (int y = k; y < MIN (k + 1 + x % 3, height); y++)
                  f->expected[y * width + x] = pixel;
        }

      /* drawn as the chart draws it, into a recording as GTK's cairo node */
      f->recording = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA,
                                                     &(cairo_rectangle_t) { 0, 0, width, height });
      cr = cairo_create (f->recording);
      steve_bar_raster_begin (raster, width, height);
      steve_bar_raster_set_first_column (raster, first_column);
      for (guint s = 0; s < RASTER_SERIES; s++)
        {
          steve_bar_raster_set_color (raster, &colors[s]);
          for (int x = 0; x < width; x++)
            steve_bar_raster_column (raster, x, top[s][x], bottom[s][x]);
          for (int k = 0; dense && k < RASTER_STACK; k++)
            if ((guint) k % RASTER_SERIES == s)
              for (int x = 0; x < width; x++)
                steve_bar_raster_column (raster, x, k, k + 1 + x % 3);
          /* outside the picture: nothing */
          steve_bar_raster_column (raster, -1, 0, height);
          steve_bar_raster_column (raster, width, 0, height);
        }
      n_dense += dense;
      steve_bar_raster_paint (raster, cr, 0, 0, 1);
      cairo_destroy (cr);

      raster_frame_check (f, frame);
      g_queue_push_tail (held, f);
      /* GTK lets go of frames in its own time: keep 0 to RASTER_HELD,
       * and let any of them go */
      {
        guint keep = g_rand_int_range (rand, 0, RASTER_HELD + 1);

        while (g_queue_get_length (held) > keep)
          raster_frame_free (g_queue_pop_nth (held, g_rand_int_range (rand, 0, g_queue_get_length (held))));
        max_held = MAX (max_held, g_queue_get_length (held));
      }
      /* the frames still held show what they showed */
      for (GList *l = held->head; l != NULL; l = l->next)
        raster_frame_check (l->data, frame);
    }

  g_assert_cmpuint (n_full, >, 10);
  g_assert_cmpuint (n_dense, >, 10);
  g_assert_cmpuint (n_scrolled, >, 10);
  g_assert_cmpuint (max_held, ==, RASTER_HELD);
  g_queue_free_full (g_steal_pointer (&held), raster_frame_free);
  steve_bar_raster_unref (raster);
}

/* The bars of strip column @c: a fixed pattern, two series. */
static void
strip_bars (gint64 c,
            int    height,
            int    series,
            int   *top,
            int   *bottom)
{
  guint32 h = (guint32) (c * 2654435761u) ^ (guint32) (series * 40503u);

  h ^= h >> 13;
  *top = (int) (h % (guint32) height) - 1;
  *bottom = *top + 1 + (int) ((h >> 8) % (guint32) (height / 2));
}

/* A picture moved along a strip by a few columns rewrites only the
 * columns that came in and clears those that went out: the buffer holds
 * a run of strip columns wider than the picture. */
static void
test_bar_raster_strip (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (31337);
  SteveBarRaster *raster = steve_bar_raster_new ();
  const int width = 97, height = 20;
  const GdkRGBA colors[2] = { { 1.0f, 0.0f, 0.0f, 1.0f }, { 0.0f, 0.0f, 1.0f, 1.0f } };
  gint64 first = -300;
  guint n_small = 0, n_incremental = 0;

  for (guint frame = 0; frame < 150; frame++)
    {
      RasterFrame f = { width, height, g_new0 (guint32, width * height), NULL };
      gboolean small = frame > 0 && g_rand_int_range (rand, 0, 5) > 0;
      int dx = small ? g_rand_int_range (rand, -6, 7) : g_rand_int_range (rand, -500, 501);
      cairo_t *cr;

      first += frame > 0 ? dx : 0;
      for (int sr = 0; sr < 2; sr++)
        for (int x = 0; x < width; x++)
          {
            int t, b;

            strip_bars (first + x, height, sr, &t, &b);
            for (int y = MAX (t, 0); y < MIN (b, height); y++)
              f.expected[y * width + x] = sr == 0 ? 0xffff0000u : 0xff0000ffu;
          }

      f.recording = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA,
                                                    &(cairo_rectangle_t) { 0, 0, width, height });
      cr = cairo_create (f.recording);
      steve_bar_raster_begin (raster, width, height);
      steve_bar_raster_set_first_column (raster, first);
      for (int sr = 0; sr < 2; sr++)
        {
          steve_bar_raster_set_color (raster, &colors[sr]);
          for (int x = 0; x < width; x++)
            {
              int t, b;

              strip_bars (first + x, height, sr, &t, &b);
              steve_bar_raster_column (raster, x, t, b);
            }
        }
      steve_bar_raster_paint (raster, cr, 0, 0, 1);
      cairo_destroy (cr);
      raster_frame_check (&f, frame);

      if (small)
        {
          /* the previous frame's buffer, let go below, is this one's:
           * either the picture is still inside it (the columns that came
           * in and went out are written), or it moved to the buffer's
           * middle and every column was */
          guint n = steve_bar_raster_get_n_rewritten (raster);

          if (n != (guint) width)
            {
              g_assert_cmpuint (n, <=, 2 * (guint) ABS (dx));
              n_incremental++;
            }
          n_small++;
        }

      g_free (f.expected);
      cairo_surface_destroy (f.recording);
    }

  g_assert_cmpuint (n_small, >, 80);
  /* 64 columns of margin, moves of 6 at most: most moves stay inside */
  g_assert_cmpuint (n_incremental, >, n_small * 3 / 4);
  steve_bar_raster_unref (raster);
}

/* ------------------------------------------------------------ GUI helpers */

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *flag = data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @widget's window has painted a new frame. */
static void
wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE, timed_out = FALSE;
  gulong id;
  guint timeout;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  timeout = g_timeout_add (5000, timeout_cb, &timed_out);
  gtk_widget_queue_draw (widget);

  while (!painted && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_signal_handler_disconnect (clock, id);
  if (!timed_out)
    g_source_remove (timeout);
  g_assert_false (timed_out);

  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
spin_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static GtkWindow *
window_new (GtkWidget *child,
            int        width,
            int        height)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, width, height);
  gtk_window_set_decorated (window, FALSE);
  gtk_window_set_child (window, child);
  gtk_window_present (window);

  while (gtk_widget_get_width (child) <= 1 || !gtk_widget_get_mapped (child))
    g_main_context_iteration (NULL, TRUE);
  wait_for_frame (child);

  return window;
}

static void
window_destroy (GtkWindow *window,
                GtkWidget *child)
{
  g_object_add_weak_pointer (G_OBJECT (child), (gpointer *) &child);
  gtk_window_destroy (window);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* The widget did not leak. */
  g_assert_null (child);
}

/* The last rendered frame of @widget, as the app's renderer draws it. */
static GdkTexture *
render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  GskRenderNode *node;
  GdkTexture *texture;

  /* In device pixels, as on screen (GDK_SCALE=2 shows the HiDPI output) */
  gtk_snapshot_scale (snapshot, scale, scale);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w * scale, h * scale));
  gsk_render_node_unref (node);

  return texture;
}

typedef struct
{
  guchar *data;
  int     width;    /* device pixels */
  int     height;
  gsize   stride;
  int     scale;    /* device pixels per widget unit */
} Pixels;

static void
pixels_clear (Pixels *p)
{
  g_free (p->data);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Pixels, pixels_clear)

static void
pixels_get (GdkTexture *texture,
            Pixels     *p,
            GtkWidget  *widget)
{
  p->scale = gtk_widget_get_scale_factor (widget);
  p->width = gdk_texture_get_width (texture);
  p->height = gdk_texture_get_height (texture);
  p->stride = p->width * 4;
  p->data = g_malloc (p->stride * p->height);
  /* GDK_MEMORY_DEFAULT: premultiplied B, G, R, A bytes */
  gdk_texture_download (texture, p->data, p->stride);
}

static void
pixel_rgb (const Pixels *p,
           int           x,
           int           y,
           double        rgb[3])
{
  const guchar *px = p->data + y * p->stride + x * 4;
  double a = px[3] / 255.0;

  rgb[0] = a > 0 ? px[2] / 255.0 / a : 0;
  rgb[1] = a > 0 ? px[1] / 255.0 / a : 0;
  rgb[2] = a > 0 ? px[0] / 255.0 / a : 0;
}

/* Pixels of @color (±tolerance per channel) inside [x0, x1) × [y0, y1),
 * a rectangle in widget coordinates. */
static guint
count_color_in (const Pixels  *p,
                const GdkRGBA *color,
                double         tolerance,
                double         fx0,
                double         fx1,
                double         fy0,
                double         fy1)
{
  int x0 = (int) ceil (fx0 * p->scale), x1 = (int) floor (fx1 * p->scale);
  int y0 = (int) ceil (fy0 * p->scale), y1 = (int) floor (fy1 * p->scale);
  guint n = 0;

  for (int y = MAX (y0, 0); y < MIN (y1, p->height); y++)
    for (int x = MAX (x0, 0); x < MIN (x1, p->width); x++)
      {
        double rgb[3];

        pixel_rgb (p, x, y, rgb);
        if (fabs (rgb[0] - color->red) <= tolerance &&
            fabs (rgb[1] - color->green) <= tolerance &&
            fabs (rgb[2] - color->blue) <= tolerance)
          n++;
      }

  return n;
}

static guint
count_color (const Pixels  *p,
             const GdkRGBA *color,
             double         tolerance)
{
  return count_color_in (p, color, tolerance, 0, (double) p->width / p->scale,
                         0, (double) p->height / p->scale);
}

/* Pixels clearly bluer than red: the translucent dots of the model view. */
static guint
count_bluish (const Pixels *p)
{
  guint n = 0;

  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      {
        double rgb[3];

        pixel_rgb (p, x, y, rgb);
        if (rgb[2] - rgb[0] > 0.2 && rgb[2] > rgb[1])
          n++;
      }

  return n;
}

static double
luminance_at (const Pixels *p,
              double        x,
              double        y)
{
  double rgb[3];

  pixel_rgb (p, (int) (x * p->scale), (int) (y * p->scale), rgb);
  return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
}

static void
save_png (GdkTexture *texture,
          const char *name)
{
  const char *dir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *path = g_build_filename (dir ? dir : ".", name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("saved %s", path);
}

static void
set_dark (gboolean dark)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Telemetry of a valve being swung: @seconds at 100 Hz from @t_start. */
static void
append_motion (SteveHistory *h,
               double        t_start,
               double        seconds,
               double        torque_extra)
{
  guint n = (guint) round (seconds * 100);
  g_autoptr(GArray) a = g_array_sized_new (FALSE, TRUE, sizeof (SteveSample), n);

  for (guint i = 0; i < n; i++)
    {
      double t = t_start + i * 0.01;
      SteveSample x = { 0, };

      x.host_time_us = (gint64) llround (t * 1e6) + 1000000;
      x.timestamp_ms = (guint32) llround (t * 1000) + 5000;
      x.position_deg = 45 + 40 * sin (2 * G_PI * 0.2 * t);
      x.omega_rad_s = 40 * 2 * G_PI * 0.2 * cos (2 * G_PI * 0.2 * t) * G_PI / 180;
      x.torque_nm = -0.4 * x.omega_rad_s - 0.06 * (x.omega_rad_s > 0 ? 1 : -1) + torque_extra;
      x.filt_torque_nm = 0.85 * x.torque_nm;
      x.passivity_mj = -(int) (500 + 400 * sin (t));
      x.present = STEVE_SAMPLE_ALL_FIELDS;
      g_array_append_val (a, x);
    }

  steve_history_append (h, (SteveSample *) (gpointer) a->data, a->len);
}

static GtkWidget *
chart_new (SteveHistory *h)
{
  GtkWidget *chart = steve_chart_new ();

  steve_chart_set_history (STEVE_CHART (chart), h);
  /* No pointer-driven cursor in the renders, whatever Xvfb's pointer does */
  gtk_widget_set_can_target (chart, FALSE);
  return chart;
}

/* ------------------------------------------------------------ chart tests */

/* The bounds of every cairo node in @node's tree. */
static void
collect_cairo_bounds (GskRenderNode *node,
                      GArray        *bounds)
{
  switch (gsk_render_node_get_node_type (node))
    {
    case GSK_CAIRO_NODE:
      {
        graphene_rect_t r;

        gsk_render_node_get_bounds (node, &r);
        g_array_append_val (bounds, r);
      }
      break;
    case GSK_CONTAINER_NODE:
      for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
        collect_cairo_bounds (gsk_container_node_get_child (node, i), bounds);
      break;
    case GSK_TRANSFORM_NODE:
      collect_cairo_bounds (gsk_transform_node_get_child (node), bounds);
      break;
    case GSK_CLIP_NODE:
      collect_cairo_bounds (gsk_clip_node_get_child (node), bounds);
      break;
    case GSK_ROUNDED_CLIP_NODE:
      collect_cairo_bounds (gsk_rounded_clip_node_get_child (node), bounds);
      break;
    case GSK_OPACITY_NODE:
      collect_cairo_bounds (gsk_opacity_node_get_child (node), bounds);
      break;
    default:
      break;
    }
}

/* @node drawn by @widget's renderer, in device pixels like render() */
static GdkTexture *
render_node (GtkWidget     *widget,
             GskRenderNode *node)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  int scale = gtk_widget_get_scale_factor (widget);
  GskRenderNode *scaled;
  GdkTexture *texture;

  gtk_snapshot_scale (snapshot, scale, scale);
  gtk_snapshot_append_node (snapshot, node);
  scaled = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, scaled,
                                         &GRAPHENE_RECT_INIT (0, 0,
                                                              gtk_widget_get_width (widget) * scale,
                                                              gtk_widget_get_height (widget) * scale));
  gsk_render_node_unref (scaled);
  return texture;
}

/* For a vector file the chart draws its series as shapes, in cairo nodes
 * that start at the widget's origin (cairo 1.16's SVG backend misplaces
 * the others): the same picture as on screen, where the nodes stay tight. */
static void
test_chart_vector_snapshot (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  g_autoptr(GArray) screen_bounds = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  g_autoptr(GArray) vector_bounds = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  g_autoptr(GskRenderNode) screen_node = NULL;
  g_autoptr(GskRenderNode) vector_node = NULL;
  g_autoptr(GdkTexture) screen_tex = NULL;
  g_autoptr(GdkTexture) vector_tex = NULL;
  g_auto(Pixels) screen_px = { 0, };
  g_auto(Pixels) vector_px = { 0, };
  GtkSnapshot *snapshot;
  GtkWidget *chart;
  GtkWindow *window;
  gboolean any_offset = FALSE;

  set_dark (FALSE);
  append_motion (h, 0, 60, 0);
  chart = chart_new (h);
  steve_chart_set_window (STEVE_CHART (chart), 30);
  steve_chart_set_paused (STEVE_CHART (chart), TRUE);
  window = window_new (chart, 900, 640);

  snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (chart)->snapshot (chart, snapshot);
  screen_node = gtk_snapshot_free_to_node (snapshot);
  snapshot = gtk_snapshot_new ();
  steve_chart_snapshot_vector (STEVE_CHART (chart), snapshot);
  vector_node = gtk_snapshot_free_to_node (snapshot);

  collect_cairo_bounds (screen_node, screen_bounds);
  collect_cairo_bounds (vector_node, vector_bounds);
  g_assert_cmpuint (vector_bounds->len, >, 0);
  for (guint i = 0; i < vector_bounds->len; i++)
    {
      const graphene_rect_t *r = &g_array_index (vector_bounds, graphene_rect_t, i);

      g_assert_cmpfloat (r->origin.x, ==, 0.0);
      g_assert_cmpfloat (r->origin.y, ==, 0.0);
    }
  for (guint i = 0; i < screen_bounds->len; i++)
    {
      const graphene_rect_t *r = &g_array_index (screen_bounds, graphene_rect_t, i);

      any_offset |= r->origin.x > 0.0 || r->origin.y > 0.0;
    }
  g_assert_true (any_offset);

  /* the bars are whole device pixels either way: the same pixels */
  screen_tex = render_node (chart, screen_node);
  vector_tex = render_node (chart, vector_node);
  pixels_get (screen_tex, &screen_px, chart);
  pixels_get (vector_tex, &vector_px, chart);
  for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
    {
      GdkRGBA color;
      guint n_screen, n_vector;

      steve_chart_get_series_color (ch, &color);
      n_screen = count_color (&screen_px, &color, 0.12);
      n_vector = count_color (&vector_px, &color, 0.12);
      g_test_message ("%s: %u pixels on screen, %u in the vector snapshot",
                      steve_channel_get_name (ch), n_screen, n_vector);
      g_assert_cmpuint (n_screen, >, 400);
      g_assert_cmpuint (n_vector, ==, n_screen);
    }

  window_destroy (window, chart);
}

static void
test_chart_render_lines (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  GtkWidget *chart;
  GtkWindow *window;
  GdkRGBA colors[STEVE_N_CHANNELS];
  guint counts[STEVE_N_CHANNELS];

  set_dark (FALSE);
  append_motion (h, 0, 60, 0);
  chart = chart_new (h);
  steve_chart_set_window (STEVE_CHART (chart), 30);
  window = window_new (chart, 900, 640);

  for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
    steve_chart_get_series_color (ch, &colors[ch]);

  /* Dense: 3000 samples on ~800 columns (min/max bars) */
  {
    g_autoptr(GdkTexture) tex = render (chart);
    g_auto(Pixels) px = { 0, };

    pixels_get (tex, &px, GTK_WIDGET (window));
    for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
      {
        counts[ch] = count_color (&px, &colors[ch], 0.12);
        g_test_message ("dense %s: %u pixels", steve_channel_get_name (ch), counts[ch]);
        g_assert_cmpuint (counts[ch], >, 400);
      }
  }

  /* Sparse: 200 samples on ~800 columns (stroked segments) */
  steve_chart_set_window (STEVE_CHART (chart), 2);
  wait_for_frame (chart);
  {
    g_autoptr(GdkTexture) tex = render (chart);
    g_auto(Pixels) px = { 0, };

    pixels_get (tex, &px, GTK_WIDGET (window));
    for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
      {
        guint n = count_color (&px, &colors[ch], 0.12);

        g_test_message ("sparse %s: %u pixels", steve_channel_get_name (ch), n);
        g_assert_cmpuint (n, >, 300);
      }
  }

  /* A hidden channel draws nothing; the others still draw */
  steve_chart_set_window (STEVE_CHART (chart), 30);
  steve_chart_set_channel_visible (STEVE_CHART (chart), STEVE_CHANNEL_FILT_TORQUE, FALSE);
  g_assert_false (steve_chart_get_channel_visible (STEVE_CHART (chart), STEVE_CHANNEL_FILT_TORQUE));
  wait_for_frame (chart);
  {
    g_autoptr(GdkTexture) tex = render (chart);
    g_auto(Pixels) px = { 0, };

    pixels_get (tex, &px, GTK_WIDGET (window));
    g_assert_cmpuint (count_color (&px, &colors[STEVE_CHANNEL_FILT_TORQUE], 0.12), ==, 0);
    g_assert_cmpuint (count_color (&px, &colors[STEVE_CHANNEL_TORQUE], 0.12), >, 400);
    g_assert_cmpuint (count_color (&px, &colors[STEVE_CHANNEL_POSITION], 0.12), >, 400);
  }

  /* Hiding a lane's only channel removes the lane */
  steve_chart_set_visible_channels (STEVE_CHART (chart),
                                    STEVE_CHANNEL_BIT (STEVE_CHANNEL_POSITION) |
                                    STEVE_CHANNEL_BIT (STEVE_CHANNEL_TORQUE));
  wait_for_frame (chart);
  {
    g_autoptr(GdkTexture) tex = render (chart);
    g_auto(Pixels) px = { 0, };

    pixels_get (tex, &px, GTK_WIDGET (window));
    g_assert_cmpuint (count_color (&px, &colors[STEVE_CHANNEL_VELOCITY], 0.12), ==, 0);
    g_assert_cmpuint (count_color (&px, &colors[STEVE_CHANNEL_PASSIVITY], 0.12), ==, 0);
    /* Two lanes share the height now: each draws taller */
    g_assert_cmpuint (count_color (&px, &colors[STEVE_CHANNEL_POSITION], 0.12), >,
                      counts[STEVE_CHANNEL_POSITION]);
  }

  window_destroy (window, chart);
}

/* Pixels of @color in the plot area of @channel's lane. */
static guint
count_in_lane (GtkWidget     *chart,
               const Pixels  *px,
               SteveChannel   channel,
               const GdkRGBA *color)
{
  graphene_rect_t plot;

  g_assert_true (steve_chart_get_plot_area (STEVE_CHART (chart), channel, &plot));
  return count_color_in (px, color, 0.12, plot.origin.x, plot.origin.x + plot.size.width,
                         plot.origin.y, plot.origin.y + plot.size.height);
}

/* @chart's pixels with its view set to [@t0, @t1]. */
static void
pixels_of_view (GtkWidget *chart,
                double     t0,
                double     t1,
                Pixels    *px)
{
  g_autoptr(GdkTexture) tex = NULL;

  steve_chart_set_view (STEVE_CHART (chart), t0, t1);
  wait_for_frame (chart);
  tex = render (chart);
  pixels_get (tex, px, chart);
}

/* Samples a second apart: a view between two of them still shows the line
 * that crosses it (from the sample before the view to the one after), and
 * the y axis holds where it crosses; across a gap there is no line. */
static void
test_chart_sparse_edges (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  g_autoptr(GArray) a = g_array_new (FALSE, TRUE, sizeof (SteveSample));
  GdkRGBA colors[STEVE_N_CHANNELS];
  GtkWidget *chart;
  GtkWindow *window;
  double lo, hi;

  for (guint i = 0; i < 30; i++)
    {
      /* a stall of 6 s before sample 21 */
      double t = i + (i > 20 ? 5.0 : 0.0);
      SteveSample x = { 0, };

      x.host_time_us = (gint64) llround (t * 1e6) + 1000000;
      x.timestamp_ms = (guint32) llround (t * 1000) + 5000;
      x.position_deg = 10.0 * i;
      x.omega_rad_s = 0.1 * i;
      x.torque_nm = 0.05 * i;
      x.filt_torque_nm = 0.04 * i;
      x.passivity_mj = -10 * (int) i;
      x.present = STEVE_SAMPLE_ALL_FIELDS;
      g_array_append_val (a, x);
    }
  steve_history_append (h, (SteveSample *) (gpointer) a->data, a->len);
  g_assert_cmpfloat_with_epsilon (steve_history_get_time (h, 10), 10.0, 1e-9);
  g_assert_true (steve_history_is_gap_before (h, 21));

  for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
    steve_chart_get_series_color (ch, &colors[ch]);

  set_dark (FALSE);
  chart = chart_new (h);
  window = window_new (chart, 800, 500);

  /* between samples 10 and 11: no sample in view, the line crosses it */
  {
    g_auto(Pixels) px = { 0, };

    pixels_of_view (chart, 10.2, 10.6, &px);
    for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
      {
        guint n = count_in_lane (chart, &px, ch, &colors[ch]);

        g_test_message ("between two samples, %s: %u pixels", steve_channel_get_name (ch), n);
        g_assert_cmpuint (n, >, 300);
      }
  }
  /* the axis holds the crossing: position 102° to 106° */
  g_assert_true (steve_chart_get_y_range (STEVE_CHART (chart), STEVE_CHANNEL_POSITION, &lo, &hi));
  g_assert_cmpfloat (lo, <=, 102.0);
  g_assert_cmpfloat (hi, >=, 106.0);

  /* one sample in view: the lines come in from the left and go out to
   * the right, past the edges */
  {
    g_auto(Pixels) px = { 0, };
    graphene_rect_t plot;

    pixels_of_view (chart, 14.5, 15.5, &px);
    g_assert_true (steve_chart_get_plot_area (STEVE_CHART (chart), STEVE_CHANNEL_POSITION, &plot));
    /* near both edges of the position lane */
    g_assert_cmpuint (count_color_in (&px, &colors[STEVE_CHANNEL_POSITION], 0.12,
                                      plot.origin.x, plot.origin.x + 20,
                                      plot.origin.y, plot.origin.y + plot.size.height), >, 10);
    g_assert_cmpuint (count_color_in (&px, &colors[STEVE_CHANNEL_POSITION], 0.12,
                                      plot.origin.x + plot.size.width - 20, plot.origin.x + plot.size.width,
                                      plot.origin.y, plot.origin.y + plot.size.height), >, 10);
  }

  /* inside the stall: nothing joins samples 20 and 21 */
  {
    g_auto(Pixels) px = { 0, };

    pixels_of_view (chart, 22.0, 24.0, &px);
    for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
      g_assert_cmpuint (count_in_lane (chart, &px, ch, &colors[ch]), ==, 0);
  }

  window_destroy (window, chart);
}

static void
test_chart_pause (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  GtkWidget *chart;
  GtkWindow *window;
  double t0, t1, p0, p1, d0, d1;

  append_motion (h, 0, 20, 0);
  chart = chart_new (h);
  window = window_new (chart, 800, 500);

  g_assert_true (steve_chart_get_following (STEVE_CHART (chart)));
  steve_chart_get_view (STEVE_CHART (chart), &t0, &t1);
  steve_history_get_time_range (h, &d0, &d1);
  g_assert_cmpfloat (t1, ==, d1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, 10.0, 1e-9);

  /* Following: new data moves the view */
  append_motion (h, 20, 1, 0);
  wait_for_frame (chart);
  steve_chart_get_view (STEVE_CHART (chart), &t0, &t1);
  steve_history_get_time_range (h, &d0, &d1);
  g_assert_cmpfloat (t1, ==, d1);

  /* Paused: it does not, while the data still goes into the history */
  gtk_widget_activate_action (chart, "chart.pause", NULL);
  g_assert_true (steve_chart_get_paused (STEVE_CHART (chart)));
  g_assert_false (steve_chart_get_following (STEVE_CHART (chart)));
  steve_chart_get_view (STEVE_CHART (chart), &p0, &p1);
  g_assert_cmpfloat (p0, ==, t0);
  g_assert_cmpfloat (p1, ==, t1);

  for (guint i = 0; i < 5; i++)
    {
      append_motion (h, 21 + i, 1, 0);
      wait_for_frame (chart);
      steve_chart_get_view (STEVE_CHART (chart), &p0, &p1);
      g_assert_cmpfloat (p0, ==, t0);
      g_assert_cmpfloat (p1, ==, t1);
    }
  steve_history_get_time_range (h, &d0, &d1);
  g_assert_cmpfloat (d1, >, t1 + 4.9);

  /* Unpausing catches up with live */
  gtk_widget_activate_action (chart, "chart.pause", NULL);
  g_assert_false (steve_chart_get_paused (STEVE_CHART (chart)));
  g_assert_true (steve_chart_get_following (STEVE_CHART (chart)));
  steve_chart_get_view (STEVE_CHART (chart), &p0, &p1);
  g_assert_cmpfloat (p1, ==, d1);

  window_destroy (window, chart);
}

static void
view_changed_cb (SteveChart *chart,
                 guint      *counter)
{
  (*counter)++;
}

/* Draws a frame of @kept, then one of @fresh after dropping all its
 * caches, and checks that the two drew the same columns. Returns how many
 * columns @kept decimated since the previous call. (Their pixels can
 * differ by the time axis: its cached grid lines and labels, moved by a
 * snapped offset, may land a pixel from where a fresh axis puts them.) */
static guint
assert_same_columns (GtkWidget  *kept,
                     GtkWidget  *fresh,
                     const char *step)
{
  guint n_decimated, n_fresh;

  wait_for_frame (kept);
  n_decimated = steve_chart_take_n_decimated_columns (STEVE_CHART (kept));
  steve_chart_invalidate_caches (STEVE_CHART (fresh));
  steve_chart_take_n_decimated_columns (STEVE_CHART (fresh));
  wait_for_frame (fresh);
  n_fresh = steve_chart_take_n_decimated_columns (STEVE_CHART (fresh));

  for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
    {
      guint nk, nf;
      const SteveColumn *ck = steve_chart_get_columns (STEVE_CHART (kept), ch, &nk);
      const SteveColumn *cf = steve_chart_get_columns (STEVE_CHART (fresh), ch, &nf);

      g_assert_nonnull (ck);
      g_assert_nonnull (cf);
      g_assert_cmpuint (nk, ==, nf);
      /* every column afresh */
      g_assert_cmpuint (n_fresh, >=, nf);
      for (guint c = 0; c < nk; c++)
        assert_column_equal (&ck[c], &cf[c], ch, c, "%s: kept against a fresh decimation", step);
    }

  return n_decimated;
}

/* @n samples 10 ms apart after the newest of @h, on its time line. */
static void
append_after (SteveHistory *h,
              GRand        *rand,
              guint         n)
{
  g_autoptr(GArray) a = g_array_sized_new (FALSE, TRUE, sizeof (SteveSample), n);
  gint64 origin = steve_history_get_origin_us (h);
  double d0, d1;

  g_assert_true (steve_history_get_time_range (h, &d0, &d1));
  for (guint i = 0; i < n; i++)
    {
      SteveSample x = { 0, };

      x.host_time_us = origin + (gint64) llround (d1 * 1e6) + (i + 1) * INTERVAL_US;
      x.position_deg = g_rand_double_range (rand, -90, 90);
      x.omega_rad_s = g_rand_double_range (rand, -3, 3);
      x.torque_nm = g_rand_double_range (rand, -2, 2);
      x.filt_torque_nm = x.torque_nm * 0.9;
      x.passivity_mj = -g_rand_int_range (rand, 0, 2000);
      x.present = STEVE_SAMPLE_ALL_FIELDS & ~STEVE_SAMPLE_TIMESTAMP_MS;
      g_array_append_val (a, x);
    }
  steve_history_append (h, (SteveSample *) (gpointer) a->data, a->len);
}

/* A frozen view dragged sideways, or a view following the stream, keeps
 * the columns it has and decimates only those that come into view; they
 * are the columns a chart that decimates everything afresh has. */
static void
test_chart_pan_reuse (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  g_autoptr(Synth) s = synth_new (rand, 30000, 6);
  g_autoptr(SteveHistory) h = history_from_synth (s);
  GtkWidget *kept = chart_new (h), *fresh = chart_new (h);
  GtkWindow *wk, *wf;
  graphene_rect_t area;
  double d0, d1, t0, t1, px;
  guint n_columns, n_reused = 0;

  wk = window_new (kept, 800, 500);
  wf = window_new (fresh, 800, 500);
  steve_history_get_time_range (h, &d0, &d1);
  g_assert_true (steve_chart_get_plot_area (STEVE_CHART (kept), STEVE_CHANNEL_TORQUE, &area));
  n_columns = (guint) area.size.width;   /* scale 1 under Xvfb */

  steve_chart_set_view (STEVE_CHART (kept), d0 + 20, d0 + 80);
  steve_chart_set_view (STEVE_CHART (fresh), d0 + 20, d0 + 80);
  assert_same_columns (kept, fresh, "start");

  for (guint step = 0; step < 60; step++)
    {
      g_autofree char *what = NULL;
      guint kind = g_rand_int_range (rand, 0, 10);
      guint n_decimated;
      double shift;

      steve_chart_get_view (STEVE_CHART (kept), &t0, &t1);
      px = (t1 - t0) / n_columns;

      if (kind < 5)
        shift = g_rand_int_range (rand, -6, 7) * px;            /* whole columns */
      else if (kind < 7)
        shift = g_rand_double_range (rand, -4.0, 4.0) * px;     /* fractions */
      else if (kind < 8)
        shift = g_rand_double_range (rand, -2.0, 2.0) * (t1 - t0);  /* far */
      else
        shift = 0.0;

      if (kind == 8)
        {
          /* zoom: a new grid */
          double f = g_rand_double_range (rand, 0.5, 2.0);

          steve_chart_zoom (STEVE_CHART (kept), f, t0 + (t1 - t0) / 3);
          steve_chart_zoom (STEVE_CHART (fresh), f, t0 + (t1 - t0) / 3);
          what = g_strdup_printf ("step %u: zoom ×%.3f", step, f);
        }
      else
        {
          steve_chart_pan (STEVE_CHART (kept), shift);
          steve_chart_pan (STEVE_CHART (fresh), shift);
          what = g_strdup_printf ("step %u: pan %.3f columns", step, shift / px);
        }

      n_decimated = assert_same_columns (kept, fresh, what);

      /* a drag by a few whole columns decimates only those */
      if (kind < 5 && shift != 0.0)
        {
          g_assert_cmpuint (n_decimated, <=, 6);
          n_reused++;
        }
    }
  g_assert_cmpuint (n_reused, >=, 10);

  /* A view ending at the present while samples arrive (paused): the
   * columns from the previous newest sample's on are decimated again,
   * also the up to half a column the grid reaches past the view's end.
   * The view ends a quarter of a column further each time, so that its
   * grid columns end before it and after it. */
  for (guint offset = 0; offset < 4; offset++)
    {
      double span = 60.0, col = span / n_columns, end;

      steve_history_get_time_range (h, &d0, &d1);
      end = d1 + (0.1 + 0.25 * offset) * col;
      steve_chart_set_view (STEVE_CHART (kept), end - span, end);
      steve_chart_set_view (STEVE_CHART (fresh), end - span, end);
      assert_same_columns (kept, fresh, "at the present");
      /* one sample (10 ms) at a time, past the view's end */
      for (guint step = 0; step < 12; step++)
        {
          g_autofree char *what = g_strdup_printf ("ending %.2f columns after the present, sample %u",
                                                   0.1 + 0.25 * offset, step);

          append_after (h, rand, 1);
          g_assert_cmpuint (assert_same_columns (kept, fresh, what), <=, 2);
        }
    }

  /* Dragged left while samples arrive at its end: the columns that come
   * in on the left, and those from the previous newest sample's on */
  steve_chart_get_view (STEVE_CHART (kept), &t0, &t1);
  px = (t1 - t0) / n_columns;
  for (guint step = 0; step < 6; step++)
    {
      g_autofree char *what = g_strdup_printf ("dragged left while samples arrive, %u", step);

      append_after (h, rand, 3);
      steve_chart_pan (STEVE_CHART (kept), -2 * px);
      steve_chart_pan (STEVE_CHART (fresh), -2 * px);
      g_assert_cmpuint (assert_same_columns (kept, fresh, what), <=, 6);
    }

  /* Following the stream in a 10 s window: the view moves by whole
   * columns of its grid, the newest sample is in the last column, and
   * only the columns that came in (and the one that held the newest
   * sample) are decimated. */
  steve_chart_set_window (STEVE_CHART (kept), 10.0);
  steve_chart_set_window (STEVE_CHART (fresh), 10.0);
  steve_chart_follow_live (STEVE_CHART (kept));
  steve_chart_follow_live (STEVE_CHART (fresh));
  assert_same_columns (kept, fresh, "following");
  steve_history_get_time_range (h, &d0, &d1);
  for (guint step = 0; step < 20; step++)
    {
      g_autofree char *what = g_strdup_printf ("following, batch %u", step);
      const SteveColumn *cols;
      guint n, n_decimated;
      double before = d1;

      append_after (h, rand, g_rand_int_range (rand, 1, 6));
      steve_history_get_time_range (h, &d0, &d1);
      g_assert_cmpfloat (d1, >, before);
      n_decimated = assert_same_columns (kept, fresh, what);
      /* 100 samples/s on about 700 columns for 10 s: under a column a
       * sample; a batch of five moves the view by three or four */
      g_assert_cmpuint (n_decimated, <=, 8);
      cols = steve_chart_get_columns (STEVE_CHART (kept), STEVE_CHANNEL_TORQUE, &n);
      g_assert_cmpuint (n, ==, n_columns);
      g_assert_true (cols[n - 1].flags & STEVE_COLUMN_HAS_DATA);
      g_assert_cmpfloat (cols[n - 1].last, ==, (float) steve_history_get_value (h, steve_history_get_n_samples (h) - 1,
                                                                          STEVE_CHANNEL_TORQUE));
    }

  window_destroy (wk, kept);
  window_destroy (wf, fresh);
}

static void
test_chart_zoom_pan (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveChart *chart;
  GtkWindow *window;
  double t0, t1, a0, a1, d0, d1, anchor, x_before;
  guint changes = 0;

  append_motion (h, 0, 120, 0);
  chart = STEVE_CHART (chart_new (h));
  steve_chart_set_window (chart, 60);
  window = window_new (GTK_WIDGET (chart), 800, 500);
  g_signal_connect (chart, "view-changed", G_CALLBACK (view_changed_cb), &changes);

  steve_chart_get_view (chart, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, 60.0, 1e-9);

  /* Zoom ×2 around a time: the span halves, the anchor keeps its x */
  anchor = t0 + 15;
  x_before = steve_chart_time_to_x (chart, anchor);
  steve_chart_zoom (chart, 2.0, anchor);
  g_assert_false (steve_chart_get_following (chart));
  g_assert_cmpuint (changes, ==, 1);
  steve_chart_get_view (chart, &a0, &a1);
  g_assert_cmpfloat_with_epsilon (a1 - a0, 30.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (steve_chart_time_to_x (chart, anchor), x_before, 1e-6);

  /* Pan */
  steve_chart_pan (chart, -5.0);
  steve_chart_get_view (chart, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t0, a0 - 5.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (t1, a1 - 5.0, 1e-9);

  /* The view stays over recorded time */
  steve_chart_pan (chart, -1000.0);
  steve_chart_get_view (chart, &t0, &t1);
  steve_history_get_time_range (h, &d0, &d1);
  g_assert_cmpfloat (t1, >, d0);
  g_assert_cmpfloat_with_epsilon (t1 - t0, 30.0, 1e-9);

  /* Actions (what the +/−/arrow keys trigger) */
  steve_chart_set_view (chart, 40, 70);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart), "chart.zoom-in", NULL));
  steve_chart_get_view (chart, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, 20.0, 1e-9);
  g_assert_cmpfloat_with_epsilon ((t0 + t1) / 2, 55.0, 1e-9);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart), "chart.zoom-out", NULL));
  steve_chart_get_view (chart, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, 30.0, 1e-9);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart), "chart.pan-right", NULL));
  steve_chart_get_view (chart, &a0, &a1);
  g_assert_cmpfloat_with_epsilon (a0 - t0, 6.0, 1e-9);

  /* Zoom is clamped */
  steve_chart_zoom (chart, 1e9, NAN);
  steve_chart_get_view (chart, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, STEVE_CHART_MIN_SPAN, 1e-9);

  /* Zooming while streaming: the view stays where it was put */
  append_motion (h, 120, 2, 0);
  wait_for_frame (GTK_WIDGET (chart));
  steve_chart_get_view (chart, &a0, &a1);
  g_assert_cmpfloat (a0, ==, t0);
  g_assert_cmpfloat (a1, ==, t1);

  /* "follow" (Home) returns to live with the window */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (chart), "chart.follow", NULL));
  g_assert_true (steve_chart_get_following (chart));
  steve_chart_get_view (chart, &t0, &t1);
  steve_history_get_time_range (h, &d0, &d1);
  g_assert_cmpfloat (t1, ==, d1);
  g_assert_cmpfloat_with_epsilon (t1 - t0, 60.0, 1e-9);

  /* "All" */
  steve_chart_set_window (chart, 0);
  steve_chart_get_view (chart, &t0, &t1);
  g_assert_cmpfloat (t0, ==, d0);
  g_assert_cmpfloat (t1, >=, d1);
  g_assert_cmpfloat (t1, <, d1 + (d1 - d0) / 32);

  /* Many appends between two frames: one view change, in the frame */
  changes = 0;
  for (guint i = 0; i < 50; i++)
    append_motion (h, 122 + i * 0.02, 0.02, 0);
  g_assert_cmpuint (changes, ==, 0);
  wait_for_frame (GTK_WIDGET (chart));
  g_assert_cmpuint (changes, ==, 1);

  window_destroy (window, GTK_WIDGET (chart));
}

static double
parse_number (const char *s)
{
  g_autoptr(GString) str = g_string_new (s);

  g_string_replace (str, "−", "-", 0);
  return g_ascii_strtod (str->str, NULL);
}

static void
test_chart_cursor (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveChart *chart;
  GtkWindow *window;
  double times[] = { 3.0, 5.123, 9.99, 7.5 };

  append_motion (h, 0, 10, 0);
  chart = STEVE_CHART (chart_new (h));
  steve_chart_set_window (chart, 10);
  window = window_new (GTK_WIDGET (chart), 800, 500);

  g_assert_null (steve_chart_dup_cursor_text (chart));

  for (guint k = 0; k < G_N_ELEMENTS (times); k++)
    {
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      steve_chart_set_cursor_time (chart, times[k]);
      wait_for_frame (GTK_WIDGET (chart));
      text = steve_chart_dup_cursor_text (chart);
      g_assert_nonnull (text);
      lines = g_strsplit (text, "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), ==, 1 + STEVE_N_CHANNELS);
      g_assert_true (g_str_has_prefix (lines[0], "Time: 0:0"));

      for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
        {
          const char *line = lines[1 + ch];
          const char *name = steve_channel_get_name (ch);
          double want, got;

          g_assert_true (steve_history_value_at (h, times[k], ch, &want));
          g_assert_true (g_str_has_prefix (line, name));
          g_assert_true (g_str_has_prefix (line + strlen (name), ": "));
          got = parse_number (line + strlen (name) + 2);
          /* Shown with 2 (position) or 3 decimals */
          g_assert_cmpfloat_with_epsilon (got, want, ch == STEVE_CHANNEL_POSITION ? 0.0051 : 0.00051);
          g_assert_true (g_str_has_suffix (line, steve_channel_get_unit (ch)));
        }
    }

  /* In turns */
  steve_chart_set_position_unit (chart, STEVE_POSITION_UNIT_TURNS);
  {
    g_autofree char *text = steve_chart_dup_cursor_text (chart);
    g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
    double want;

    steve_history_value_at (h, times[G_N_ELEMENTS (times) - 1], STEVE_CHANNEL_POSITION, &want);
    g_assert_true (g_str_has_suffix (lines[1], "turns"));
    g_assert_cmpfloat_with_epsilon (parse_number (lines[1] + strlen ("Position: ")), want / 360.0, 0.000051);
  }

  /* Outside the data: no values */
  steve_chart_set_view (chart, 5, 15);
  steve_chart_set_cursor_time (chart, 12);
  {
    g_autofree char *text = steve_chart_dup_cursor_text (chart);

    g_assert_nonnull (strstr (text, "Torque: —"));
  }

  steve_chart_set_cursor_time (chart, NAN);
  g_assert_null (steve_chart_dup_cursor_text (chart));

  window_destroy (window, GTK_WIDGET (chart));
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) list = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (list, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        return c;   /* the widget keeps its own reference */
    }

  g_assert_not_reached ();
}

/* The pointer and wheel handlers, driven through their controllers. */
static void
test_chart_input (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveChart *chart;
  GtkWindow *window;
  GtkEventController *motion, *scroll;
  double x, t0, t1, a0, a1, anchor;
  gboolean handled = FALSE;

  append_motion (h, 0, 30, 0);
  chart = STEVE_CHART (chart_new (h));
  steve_chart_set_window (chart, 20);
  window = window_new (GTK_WIDGET (chart), 800, 500);
  motion = find_controller (GTK_WIDGET (chart), GTK_TYPE_EVENT_CONTROLLER_MOTION);
  scroll = find_controller (GTK_WIDGET (chart), GTK_TYPE_EVENT_CONTROLLER_SCROLL);

  /* Hovering shows the read-out at the pointer's time */
  x = steve_chart_time_to_x (chart, 21.0);
  g_signal_emit_by_name (motion, "motion", x, 100.0);
  {
    g_autofree char *text = steve_chart_dup_cursor_text (chart);

    g_assert_nonnull (text);
    g_assert_true (g_str_has_prefix (text, "Time: 0:21.000"));
  }

  /* The wheel zooms around the pointer and stops following */
  steve_chart_get_view (chart, &t0, &t1);
  anchor = steve_chart_x_to_time (chart, x);
  g_signal_emit_by_name (scroll, "scroll", 0.0, -1.0, &handled);
  g_assert_true (handled);
  g_assert_false (steve_chart_get_following (chart));
  steve_chart_get_view (chart, &a0, &a1);
  g_assert_cmpfloat_with_epsilon (a1 - a0, (t1 - t0) / 1.25, 1e-9);
  g_assert_cmpfloat_with_epsilon (steve_chart_time_to_x (chart, anchor), x, 1e-6);

  /* Horizontal wheel pans */
  g_signal_emit_by_name (scroll, "scroll", 1.0, 0.0, &handled);
  steve_chart_get_view (chart, &t0, &t1);
  g_assert_cmpfloat (t0, >, a0);
  g_assert_cmpfloat_with_epsilon (t1 - t0, a1 - a0, 1e-9);

  /* Leaving removes the cursor */
  g_signal_emit_by_name (motion, "leave");
  g_assert_null (steve_chart_dup_cursor_text (chart));

  window_destroy (window, GTK_WIDGET (chart));
}

/* Whether the tooltip is @text somewhere in the column at @x, from @y
 * down. */
static gboolean
tooltip_below (SteveChart *chart,
               double      x,
               double      y,
               const char *text)
{
  for (int ty = (int) y; ty < gtk_widget_get_height (GTK_WIDGET (chart)); ty++)
    {
      g_autofree char *found = steve_chart_dup_tooltip_at (chart, x, ty + 0.5);

      if (g_strcmp0 (found, text) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_chart_markers (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  g_autoptr(GtkTooltip) tooltip = NULL;
  SteveChart *chart;
  GtkWindow *window;
  double x, y;
  gboolean handled = FALSE;

  append_motion (h, 0, 10, 0);
  steve_history_add_marker_at (h, 6.0, "viscous", "viscous 0.02 → 0.05 N·m·s/rad");
  steve_history_add_marker_at (h, 8.0, "coulomb", "coulomb 0.06 → 0.1 N·m");
  steve_history_add_marker_at (h, 8.0, "Mark 1", "Mark 1 at 0:08");
  chart = STEVE_CHART (chart_new (h));
  steve_chart_set_window (chart, 10);
  window = window_new (GTK_WIDGET (chart), 800, 500);

  x = steve_chart_time_to_x (chart, 6.0);
  y = gtk_widget_get_height (GTK_WIDGET (chart)) / 2.0;

  {
    g_autofree char *a = steve_chart_dup_tooltip_at (chart, x, y);
    g_autofree char *b = steve_chart_dup_tooltip_at (chart, x + 3, y);
    g_autofree char *c = steve_chart_dup_tooltip_at (chart, steve_chart_time_to_x (chart, 8.0), y);
    g_autofree char *none = steve_chart_dup_tooltip_at (chart, x + 40, y);
    g_autofree char *just_past = steve_chart_dup_tooltip_at (chart, x + 6, y);

    g_assert_cmpstr (a, ==, "viscous 0.02 → 0.05 N·m·s/rad");
    g_assert_cmpstr (b, ==, a);
    /* two markers at one place: both */
    g_assert_cmpstr (c, ==, "coulomb 0.06 → 0.1 N·m\nMark 1 at 0:08");
    g_assert_null (none);
    g_assert_null (just_past);
  }

  /* the tag under the axis answers across its width, not only near the
   * line (15 px off the line, in a lane: nothing) */
  {
    g_autofree char *lane = steve_chart_dup_tooltip_at (chart, x + 15, y);

    g_assert_null (lane);
    g_assert_true (tooltip_below (chart, x + 15, y, "viscous 0.02 → 0.05 N·m·s/rad"));
    /* the tag of the two markers at 8 s stands for both */
    g_assert_true (tooltip_below (chart, steve_chart_time_to_x (chart, 8.0) + 15, y,
                                  "coulomb 0.06 → 0.1 N·m\nMark 1 at 0:08"));
  }

  /* The same through GtkWidget::query-tooltip */
  g_assert_true (gtk_widget_get_has_tooltip (GTK_WIDGET (chart)));
  tooltip = g_object_new (GTK_TYPE_TOOLTIP, NULL);
  g_signal_emit_by_name (chart, "query-tooltip", (int) round (x), (int) y, FALSE, tooltip, &handled);
  g_assert_true (handled);
  g_signal_emit_by_name (chart, "query-tooltip", (int) round (x) + 40, (int) y, FALSE, tooltip, &handled);
  g_assert_false (handled);

  window_destroy (window, GTK_WIDGET (chart));
}

static void
test_chart_legend (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveChart *chart;
  GtkWindow *window;

  append_motion (h, 0, 30, 0);
  chart = STEVE_CHART (chart_new (h));
  window = window_new (GTK_WIDGET (chart), 1000, 600);
  steve_chart_set_view (chart, 10, 17.5);
  wait_for_frame (GTK_WIDGET (chart));

  for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
    {
      g_autofree char *text = steve_chart_dup_legend_text (chart, ch);
      g_auto(GStrv) words = NULL;
      double mn, mx, mean, tol;
      const char *dot;
      guint n;

      g_assert_nonnull (text);
      g_assert_true (steve_history_stats (h, 10, 17.5, ch, &mn, &mx, &mean, &n));
      words = g_strsplit_set (text, " ", -1);
      /* "min A   max B   mean C" */
      {
        g_autoptr(GPtrArray) w = g_ptr_array_new ();

        for (guint i = 0; words[i]; i++)
          if (*words[i])
            g_ptr_array_add (w, words[i]);
        g_assert_cmpuint (w->len, ==, 6);
        g_assert_cmpstr (g_ptr_array_index (w, 0), ==, "min");
        g_assert_cmpstr (g_ptr_array_index (w, 2), ==, "max");
        g_assert_cmpstr (g_ptr_array_index (w, 4), ==, "mean");

        dot = strchr (g_ptr_array_index (w, 1), '.');
        tol = dot ? 0.5 * pow (10, -(double) strlen (dot + 1)) : 0.5;
        g_assert_cmpfloat_with_epsilon (parse_number (g_ptr_array_index (w, 1)), mn, tol * 1.0001);
        g_assert_cmpfloat_with_epsilon (parse_number (g_ptr_array_index (w, 3)), mx, tol * 1.0001);
        g_assert_cmpfloat_with_epsilon (parse_number (g_ptr_array_index (w, 5)), mean, tol * 1.0001);
      }
    }

  window_destroy (window, GTK_WIDGET (chart));
}

static void
test_chart_autoscale (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveChart *chart;
  GtkWindow *window;
  double lo0, hi0, lo, hi, t = 12;

  append_motion (h, 0, t, 0);
  chart = STEVE_CHART (chart_new (h));
  steve_chart_set_window (chart, 10);
  window = window_new (GTK_WIDGET (chart), 800, 600);

  g_assert_true (steve_chart_get_y_range (chart, STEVE_CHANNEL_TORQUE, &lo0, &hi0));
  g_assert_cmpfloat (lo0, <, 0);
  g_assert_cmpfloat (hi0, >, 0);

  /* Live oscillation: the axis does not move from frame to frame */
  for (guint i = 0; i < 30; i++)
    {
      append_motion (h, t, 0.1, 0);
      t += 0.1;
      wait_for_frame (GTK_WIDGET (chart));
      g_assert_true (steve_chart_get_y_range (chart, STEVE_CHANNEL_TORQUE, &lo, &hi));
      g_assert_cmpfloat (lo, ==, lo0);
      g_assert_cmpfloat (hi, ==, hi0);
    }

  /* A spike: expanded in the very next frame */
  append_motion (h, t, 0.05, 5.0);
  t += 0.05;
  wait_for_frame (GTK_WIDGET (chart));
  g_assert_true (steve_chart_get_y_range (chart, STEVE_CHANNEL_TORQUE, &lo, &hi));
  g_assert_cmpfloat (hi, >=, 5.0);

  /* Once the spike has left the window the axis holds for a while... */
  append_motion (h, t, 10.5, 0);
  t += 10.5;
  wait_for_frame (GTK_WIDGET (chart));
  g_assert_true (steve_chart_get_y_range (chart, STEVE_CHANNEL_TORQUE, &lo, &hi));
  g_assert_cmpfloat (hi, >=, 5.0);

  /* ...then shrinks back to the same nice limits */
  spin_ms (2300);
  wait_for_frame (GTK_WIDGET (chart));
  g_assert_true (steve_chart_get_y_range (chart, STEVE_CHANNEL_TORQUE, &lo, &hi));
  g_assert_cmpfloat (lo, ==, lo0);
  g_assert_cmpfloat (hi, ==, hi0);

  /* Nice limits: multiples of a 1-2-2.5-5 step */
  {
    double span = hi - lo;
    double p = pow (10, floor (log10 (span)));
    double m = span / p;

    g_assert_true (m > 0.99 && m < 10.01);
  }

  window_destroy (window, GTK_WIDGET (chart));
}

static void
test_chart_light_dark (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveChart *chart;
  GtkWindow *window;
  GdkRGBA colors[STEVE_N_CHANNELS];

  for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
    steve_chart_get_series_color (ch, &colors[ch]);

  /* A 2 s stall between 40 and 42 s: the lines must break there */
  append_motion (h, 0, 40, 0);
  append_motion (h, 42, 8, 0);
  steve_history_add_marker_at (h, 25.0, "viscous 0.05", "viscous 0.02 → 0.05 N·m·s/rad");
  steve_history_add_marker_at (h, 33.0, "preset 2", "Preset 2 applied");

  chart = STEVE_CHART (chart_new (h));
  steve_chart_set_window (chart, 30);
  window = window_new (GTK_WIDGET (chart), 1000, 640);

  for (guint dark = 0; dark < 2; dark++)
    {
      g_autoptr(GdkTexture) tex = NULL;
      g_autoptr(GdkTexture) tex_window = NULL;
      g_auto(Pixels) px = { 0, };
      double x_probe, y_probe, bg_lum;

      set_dark (dark);
      steve_chart_set_cursor_time (chart, 30.0);
      wait_for_frame (GTK_WIDGET (chart));

      tex_window = render (GTK_WIDGET (window));
      save_png (tex_window, dark ? "chart-dark.png" : "chart-light.png");

      tex = render (GTK_WIDGET (window));
      pixels_get (tex, &px, GTK_WIDGET (window));
      for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
        g_assert_cmpuint (count_color (&px, &colors[ch], 0.12), >, 300);

      /* Nothing is drawn across the gap */
      for (SteveChannel ch = 0; ch < STEVE_N_CHANNELS; ch++)
        {
          graphene_rect_t area;

          g_assert_true (steve_chart_get_plot_area (chart, ch, &area));
          /* ... and the lines do reach the gap's edges */
          g_assert_cmpuint (count_color_in (&px, &colors[ch], 0.12,
                                            steve_chart_time_to_x (chart, 39.0),
                                            steve_chart_time_to_x (chart, 40.0),
                                            area.origin.y, area.origin.y + area.size.height), >, 0);
          g_assert_cmpuint (count_color_in (&px, &colors[ch], 0.12,
                                            steve_chart_time_to_x (chart, 40.1),
                                            steve_chart_time_to_x (chart, 41.9),
                                            area.origin.y, area.origin.y + area.size.height), ==, 0);
          g_assert_cmpuint (count_color_in (&px, &colors[ch], 0.12,
                                            steve_chart_time_to_x (chart, 42.0),
                                            steve_chart_time_to_x (chart, 43.0),
                                            area.origin.y, area.origin.y + area.size.height), >, 0);
        }

      /* The background follows the style */
      x_probe = steve_chart_time_to_x (chart, 41.0);   /* inside the gap */
      y_probe = gtk_widget_get_height (GTK_WIDGET (chart)) * 0.55;
      bg_lum = luminance_at (&px, x_probe, y_probe);
      if (dark)
        g_assert_cmpfloat (bg_lum, <, 0.25);
      else
        g_assert_cmpfloat (bg_lum, >, 0.85);
    }

  set_dark (FALSE);
  window_destroy (window, GTK_WIDGET (chart));
}

/* ------------------------------------------------------------ model view */

static void
model_config (SteveConfig *config)
{
  steve_config_init_factory (config);
  steve_config_set (config, STEVE_FIELD_VISCOUS, 0.05);
  steve_config_set (config, STEVE_FIELD_COULOMB, 0.1);
  steve_config_set (config, STEVE_FIELD_WALL_STIFFNESS, 20.0);
  steve_config_set (config, STEVE_FIELD_WALL_DAMPING, 0.2);
  steve_config_set (config, STEVE_FIELD_TORQUE_LIMIT, 2.0);
  steve_config_set (config, STEVE_FIELD_CLOSED_POS, 0.0);
  steve_config_set (config, STEVE_FIELD_OPEN_POS, 90.0);
}

static void
test_model_curve (void)
{
  SteveModelView *view = STEVE_MODEL_VIEW (g_object_ref_sink (steve_model_view_new ()));
  StevePhysicsParams params;
  SteveConfig config;
  double vel[] = { -20, -3, -0.5, -0.001, 0, 0.0005, 0.3, 2, 40 };
  double pos[] = { -60, -10, -0.1, 0, 1, 45, 89.9, 90, 95, 120, 400 };
  double y, y_in, y_out;

  g_assert_false (steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY, 1, &y));

  model_config (&config);
  steve_model_view_set_config (view, &config);
  steve_physics_params_from_config (&params, &config);
  g_assert_cmpfloat (steve_model_view_get_probe_position (view), ==, 45.0);

  for (guint i = 0; i < G_N_ELEMENTS (vel); i++)
    {
      double want = steve_physics_torque (&params, 45.0 / 360.0, vel[i] / (2 * G_PI), NULL);

      g_assert_true (steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY, vel[i], &y));
      g_assert_cmpfloat (y, ==, want);
    }

  for (guint i = 0; i < G_N_ELEMENTS (pos); i++)
    {
      double up = steve_physics_torque (&params, pos[i] / 360.0, STEVE_MODEL_VIEW_PROBE_OMEGA / (2 * G_PI), NULL);
      double down = steve_physics_torque (&params, pos[i] / 360.0, -STEVE_MODEL_VIEW_PROBE_OMEGA / (2 * G_PI), NULL);

      g_assert_true (steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE, pos[i], &y));
      g_assert_cmpfloat (y, ==, up);
      g_assert_true (steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_NEGATIVE, pos[i], &y));
      g_assert_cmpfloat (y, ==, down);
    }

  /* Sanity of the law it draws: friction opposes motion, walls push back,
   * the clamp holds. */
  steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY, 2.0, &y);
  g_assert_cmpfloat_with_epsilon (y, -0.05 * 2.0 - 0.1, 1e-6);
  steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE, 45.0, &y_in);
  steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE, 120.0, &y_out);
  g_assert_cmpfloat (y_out, <, y_in);
  steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE, 3000.0, &y);
  g_assert_cmpfloat (y, ==, -2.0);

  /* A config in another dialect: degrees per turn change the position axis */
  steve_config_set (&config, STEVE_FIELD_DEGREES_PER_TURN, 90.0);
  steve_model_view_set_config (view, &config);
  steve_physics_params_from_config (&params, &config);
  g_assert_true (steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_POSITION_POSITIVE, 100.0, &y));
  g_assert_cmpfloat (y, ==, steve_physics_torque (&params, 100.0 / 90.0, STEVE_MODEL_VIEW_PROBE_OMEGA / (2 * G_PI), NULL));

  steve_model_view_set_config (view, NULL);
  g_assert_null (steve_model_view_get_config (view));
  g_assert_false (steve_model_view_curve_value (view, STEVE_MODEL_CURVE_TORQUE_VS_VELOCITY, 1, &y));

  g_assert_finalize_object (view);
}

static void
test_model_render (void)
{
  g_autoptr(SteveHistory) h = steve_history_new ();
  SteveModelView *view;
  GtkWindow *window;
  SteveConfig config;
  StevePhysicsParams params;
  GdkRGBA model_c;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(GArray) a = g_array_new (FALSE, TRUE, sizeof (SteveSample));

  model_config (&config);
  steve_physics_params_from_config (&params, &config);

  /* 60 s at 100 Hz of a valve pushed around, beyond its walls at times */
  for (guint i = 0; i < 6000; i++)
    {
      double t = i * 0.01;
      SteveSample x = { 0, };

      x.host_time_us = (gint64) i * INTERVAL_US + 1;
      x.timestamp_ms = i * 10;
      x.position_deg = 45 + 60 * sin (2 * G_PI * 0.1 * t);
      x.omega_rad_s = 60 * 2 * G_PI * 0.1 * cos (2 * G_PI * 0.1 * t) * G_PI / 180 + g_rand_double_range (rand, -0.1, 0.1);
      x.torque_nm = steve_physics_torque (&params, x.position_deg / 360.0, x.omega_rad_s / (2 * G_PI), NULL) +
                    g_rand_double_range (rand, -0.03, 0.03);
      x.present = STEVE_SAMPLE_ALL_FIELDS;
      g_array_append_val (a, x);
    }
  steve_history_append (h, (SteveSample *) (gpointer) a->data, a->len);

  view = STEVE_MODEL_VIEW (steve_model_view_new ());
  steve_model_view_set_history (view, h);
  steve_model_view_set_config (view, &config);
  steve_model_view_set_seconds (view, 60);
  window = window_new (GTK_WIDGET (view), 1000, 420);

  /* 6000 samples in the window, at most 4000 dots */
  g_assert_cmpuint (steve_model_view_get_n_points (view), <=, STEVE_MODEL_VIEW_MAX_POINTS);
  g_assert_cmpuint (steve_model_view_get_n_points (view), >=, 2900);

  steve_chart_get_series_color (STEVE_CHANNEL_TORQUE, &model_c);

  for (guint dark = 0; dark < 2; dark++)
    {
      g_autoptr(GdkTexture) tex = NULL;
      g_auto(Pixels) px = { 0, };

      set_dark (dark);
      wait_for_frame (GTK_WIDGET (view));
      tex = render (GTK_WIDGET (window));
      save_png (tex, dark ? "model-view-dark.png" : "model-view-light.png");

      pixels_get (tex, &px, GTK_WIDGET (window));
      g_test_message ("model curve pixels: %u", count_color (&px, &model_c, 0.12));
      g_assert_cmpuint (count_color (&px, &model_c, 0.12), >, 500);
      g_test_message ("dot pixels: %u", count_bluish (&px));
      g_assert_cmpuint (count_bluish (&px), >, 1000);
    }

  /* Without a config there is no curve */
  set_dark (FALSE);
  steve_model_view_set_config (view, NULL);
  wait_for_frame (GTK_WIDGET (view));
  {
    g_autoptr(GdkTexture) tex = render (GTK_WIDGET (window));
    g_auto(Pixels) px = { 0, };

    pixels_get (tex, &px, GTK_WIDGET (window));
    g_assert_cmpuint (count_color (&px, &model_c, 0.12), ==, 0);
  }

  window_destroy (window, GTK_WIDGET (view));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/plot/history/decimate", test_history_decimate);
  g_test_add_func ("/plot/history/decimate-bursts", test_history_decimate_bursts);
  g_test_add_func ("/plot/history/stats", test_history_stats);
  g_test_add_func ("/plot/history/value-at", test_history_value_at);
  g_test_add_func ("/plot/history/memory-cap", test_history_memory_cap);
  g_test_add_func ("/plot/history/size-and-decimation", test_history_size_and_decimation);
  g_test_add_func ("/plot/history/gap-detector", test_history_gap_detector);
  g_test_add_func ("/plot/history/markers", test_history_markers);
  g_test_add_func ("/plot/bar-raster/reuse", test_bar_raster_reuse);
  g_test_add_func ("/plot/bar-raster/strip", test_bar_raster_strip);
  g_test_add_func ("/plot/chart/render-lines", test_chart_render_lines);
  g_test_add_func ("/plot/chart/sparse-edges", test_chart_sparse_edges);
  g_test_add_func ("/plot/chart/vector-snapshot", test_chart_vector_snapshot);
  g_test_add_func ("/plot/chart/pause", test_chart_pause);
  g_test_add_func ("/plot/chart/zoom-pan", test_chart_zoom_pan);
  g_test_add_func ("/plot/chart/pan-reuse", test_chart_pan_reuse);
  g_test_add_func ("/plot/chart/cursor", test_chart_cursor);
  g_test_add_func ("/plot/chart/input", test_chart_input);
  g_test_add_func ("/plot/chart/markers", test_chart_markers);
  g_test_add_func ("/plot/chart/legend", test_chart_legend);
  g_test_add_func ("/plot/chart/autoscale", test_chart_autoscale);
  g_test_add_func ("/plot/chart/light-dark", test_chart_light_dark);
  g_test_add_func ("/plot/model/curve", test_model_curve);
  g_test_add_func ("/plot/model/render", test_model_render);

  return g_test_run ();
}
