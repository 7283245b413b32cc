/* steve-sweep.h — parameter sweeps over one or two config fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-client.h"
#include "steve-recorder.h"
#include "steve-streamer.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_SWEEP_SCALE_LINEAR,
  STEVE_SWEEP_SCALE_LOG,
} SteveSweepScale;

typedef struct
{
  SteveField      field;
  double          start;
  double          end;
  guint           steps;      /* ≥ 1 */
  SteveSweepScale scale;
} SteveSweepAxis;

/**
 * SteveSweepPlan:
 * @n_axes: 1 (a line) or 2 (a grid: the second axis varies fastest)
 * @dwell_s: time measured at each step
 * @settle_s: time waited after a change before measuring
 */
typedef struct
{
  SteveSweepAxis axes[2];
  guint          n_axes;
  double         dwell_s;
  double         settle_s;
} SteveSweepPlan;

typedef enum
{
  STEVE_SWEEP_METRIC_MEAN_TORQUE,
  STEVE_SWEEP_METRIC_RMS_TORQUE,
  STEVE_SWEEP_METRIC_PEAK_TORQUE,
  STEVE_SWEEP_METRIC_MEAN_ABS_VELOCITY,
  STEVE_SWEEP_METRIC_ENERGY,
  STEVE_SWEEP_METRIC_TIME_IN_WALLS,
  STEVE_N_SWEEP_METRICS,
} SteveSweepMetric;

/**
 * SteveSweepResult:
 * @values: the swept fields' values at this step
 * @metrics: per #SteveSweepMetric (N·m, rad/s, J, s)
 * @n_samples: samples the metrics were computed from
 */
typedef struct
{
  guint   index;
  double  values[2];
  double  metrics[STEVE_N_SWEEP_METRICS];
  guint   n_samples;
} SteveSweepResult;

typedef enum
{
  STEVE_SWEEP_IDLE,
  STEVE_SWEEP_RUNNING,
  STEVE_SWEEP_RESTORING,
  STEVE_SWEEP_DONE,
  STEVE_SWEEP_ABORTED,
  STEVE_SWEEP_FAILED,
} SteveSweepState;

/* metrics from a run of samples, shared with the tests */
typedef struct
{
  double   sum_torque;
  double   sum_torque2;
  double   peak_torque;
  double   sum_abs_velocity;
  double   energy_j;
  double   time_in_walls_s;
  guint    n;
  gboolean have_prev;
  guint32  prev_ms;
} SteveSweepAccumulator;

void     steve_sweep_accumulator_add     (SteveSweepAccumulator *acc,
                                          const SteveSample     *sample,
                                          double                 closed_deg,
                                          double                 open_deg);
void     steve_sweep_accumulator_result  (const SteveSweepAccumulator *acc,
                                          SteveSweepResult      *result);

const char *steve_sweep_metric_name      (SteveSweepMetric       metric);
const char *steve_sweep_metric_unit      (SteveSweepMetric       metric);

gboolean steve_sweep_plan_validate       (const SteveSweepPlan  *plan,
                                          gboolean              *outside_recommended,
                                          GError               **error);
guint    steve_sweep_plan_n_steps        (const SteveSweepPlan  *plan);
void     steve_sweep_plan_point          (const SteveSweepPlan  *plan,
                                          guint                  step,
                                          double                *values);
double   steve_sweep_plan_duration_s     (const SteveSweepPlan  *plan);

#define STEVE_TYPE_SWEEP (steve_sweep_get_type ())
G_DECLARE_FINAL_TYPE (SteveSweep, steve_sweep, STEVE, SWEEP, GObject)

SteveSweep      *steve_sweep_new          (SteveClient          *client,
                                           SteveStreamer        *streamer,
                                           SteveRecorder        *recorder,
                                           const SteveSweepPlan *plan);
void             steve_sweep_run_async    (SteveSweep           *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean         steve_sweep_run_finish   (SteveSweep           *self,
                                           GAsyncResult         *result,
                                           GError              **error);
void             steve_sweep_abort        (SteveSweep           *self);
SteveSweepState  steve_sweep_get_state    (SteveSweep           *self);
double           steve_sweep_get_progress (SteveSweep           *self);
double           steve_sweep_get_time_left_s (SteveSweep        *self);
const SteveSweepPlan *steve_sweep_get_plan (SteveSweep          *self);
const SteveSweepResult *steve_sweep_get_results (SteveSweep     *self,
                                           guint                *n_results);
gboolean         steve_sweep_export_csv   (SteveSweep           *self,
                                           const char           *path,
                                           GError              **error);

G_END_DECLS
