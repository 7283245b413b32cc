/* steve-stats.c — statistics computed by the client from the stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The current firmware does not offer /performance: the diagnostics page
 * computes the same motion statistics from the stream instead, over the
 * window the user chooses, and labels them as computed. Only what the
 * stream carries is filled in; the device-side counters (torque clamps,
 * rate limits, stability events, physics time) stay unknown.
 */
#define G_LOG_DOMAIN "steve-stats"

#include "config.h"

#include <math.h>
#include <string.h>

#include "steve-stats.h"

typedef struct
{
  double min;
  double max;
  double sum;
  double sum2;
} Acc;

static void
acc_add (Acc    *a,
         double  v)
{
  a->min = MIN (a->min, v);
  a->max = MAX (a->max, v);
  a->sum += v;
  a->sum2 += v * v;
}

static void
acc_store (const Acc        *a,
           guint             n,
           StevePerformance *out,
           StevePerfKey      min,
           StevePerfKey      max,
           StevePerfKey      mean,
           int               rms)
{
  out->values[min] = a->min;
  out->values[max] = a->max;
  out->values[mean] = a->sum / n;
  out->present |= (1u << min) | (1u << max) | (1u << mean);
  if (rms >= 0)
    {
      out->values[rms] = sqrt (a->sum2 / n);
      out->present |= 1u << rms;
    }
}

/**
 * steve_performance_compute:
 * @samples: the samples of the window, in order
 *
 * Fills @out with the statistics of protocol §2's /performance that the
 * stream allows: position, velocity and torque min/max/mean/RMS,
 * peak-to-peak, the velocity's zero-crossing rate and the loop time
 * (min/max/mean). @out->computed is set.
 */
void
steve_performance_compute (const SteveSample *samples,
                           guint              n_samples,
                           StevePerformance  *out)
{
  Acc pos = { G_MAXDOUBLE, -G_MAXDOUBLE, 0, 0 };
  Acc vel = pos, tau = pos, loop = pos;
  guint crossings = 0;
  double span_s;

  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof *out);
  out->computed = TRUE;

  if (n_samples == 0)
    return;

  for (guint i = 0; i < n_samples; i++)
    {
      const SteveSample *s = &samples[i];

      acc_add (&pos, s->position_deg);
      acc_add (&vel, s->omega_rad_s);
      acc_add (&tau, s->filt_torque_nm);
      acc_add (&loop, s->loop_time_us);

      if (i > 0 && (samples[i - 1].omega_rad_s < 0) != (s->omega_rad_s < 0))
        crossings++;
    }

  acc_store (&pos, n_samples, out, STEVE_PERF_POS_MIN_DEG, STEVE_PERF_POS_MAX_DEG, STEVE_PERF_POS_MEAN_DEG, STEVE_PERF_POS_RMS_DEG);
  acc_store (&vel, n_samples, out, STEVE_PERF_VEL_MIN_RAD_S, STEVE_PERF_VEL_MAX_RAD_S, STEVE_PERF_VEL_MEAN_RAD_S, STEVE_PERF_VEL_RMS_RAD_S);
  acc_store (&tau, n_samples, out, STEVE_PERF_TAU_MIN_NM, STEVE_PERF_TAU_MAX_NM, STEVE_PERF_TAU_MEAN_NM, STEVE_PERF_TAU_RMS_NM);
  acc_store (&loop, n_samples, out, STEVE_PERF_LOOP_TOTAL_MIN_US, STEVE_PERF_LOOP_TOTAL_MAX_US, STEVE_PERF_LOOP_TOTAL_MEAN_US, -1);

  out->values[STEVE_PERF_POS_PEAK_TO_PEAK_DEG] = pos.max - pos.min;
  out->values[STEVE_PERF_VEL_PEAK_TO_PEAK_RAD_S] = vel.max - vel.min;
  out->present |= (1u << STEVE_PERF_POS_PEAK_TO_PEAK_DEG) | (1u << STEVE_PERF_VEL_PEAK_TO_PEAK_RAD_S);

  /* two sign changes per cycle */
  span_s = (guint32) (samples[n_samples - 1].timestamp_ms - samples[0].timestamp_ms) / 1000.0;
  if (span_s > 0)
    {
      out->values[STEVE_PERF_ZERO_CROSSING_HZ] = crossings / (2.0 * span_s);
      out->present |= 1u << STEVE_PERF_ZERO_CROSSING_HZ;
    }
}
