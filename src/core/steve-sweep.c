/* steve-sweep.c — parameter sweeps over one or two config fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A sweep sets each point of its plan through the client, waits the settle
 * time, measures for the dwell time of device time (the samples' own
 * clock, so a busy host neither lengthens nor shortens a step's window),
 * and moves on; at the end, on abort, on
 * an e-stop or on failure it puts the swept fields back to their values
 * from before the sweep — waiting for the device to come back if it is
 * gone. Every point it sends is checked against the hard limits first.
 *
 * Threading: the sweep runs in the owner thread (timers and the client's
 * completions). Its measurements come from a raw sink of the streamer, so
 * no sample is lost to a busy main loop; the accumulator they feed is under
 * `lock`, the only state shared with the worker.
 */
#define G_LOG_DOMAIN "steve-sweep"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "steve-error.h"
#include "steve-field.h"
#include "steve-sweep.h"

#define MAX_STEPS 10000
/* a step waits this long at most, past its dwell time, for the sample
 * that closes its device-time window (a stalled stream ends it short) */
#define WINDOW_GRACE_MS 500
#define WINDOW_POLL_MS  10

struct _SteveSweep
{
  GObject                parent_instance;

  SteveClient           *client;
  SteveStreamer         *streamer;
  SteveRecorder         *recorder;
  SteveSweepPlan         plan;

  GTask                 *task;
  SteveSweepState        state;
  guint                  step;
  guint                  n_steps;
  SteveConfig            original;
  GArray                *results;
  GError                *failure;
  guint                  timer_id;
  guint                  progress_id;
  gint64                 step_started_us;
  gboolean               measuring;
  gulong                 restored_id;
  gulong                 lost_id;
  gulong                 samples_id;
  guint                  sink_id;

  GMutex                 lock;
  SteveSweepAccumulator  acc;         /* under lock */
  gboolean               collecting;  /* under lock */
  /* the step's window in device time: [window_start_ms, + dwell_ms), open
   * from the first sample the accumulator took (acc.have_prev) until the
   * sink sees a sample past it and stops collecting */
  guint32                dwell_ms;        /* under lock */
  guint32                window_start_ms; /* under lock */
  guint                  grace_polls;
  double                 closed_deg;  /* under lock */
  double                 open_deg;    /* under lock */
};

G_DEFINE_FINAL_TYPE (SteveSweep, steve_sweep, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_PROGRESS,
  N_PROPS
};

enum {
  STEP_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void restore (SteveSweep *self);
static void begin_step (SteveSweep *self);

/* ------------------------------------------------------------------ metrics */

/**
 * steve_sweep_accumulator_add:
 * @closed_deg: the closed end stop (valve degrees)
 * @open_deg: the open end stop
 *
 * Adds one sample: torque is the applied (filtered) torque, energy the
 * energy the valve dissipated (−τ·ω integrated over the time to the
 * previous sample), time in walls the time spent beyond an end stop.
 */
void
steve_sweep_accumulator_add (SteveSweepAccumulator *acc,
                             const SteveSample     *s,
                             double                 closed_deg,
                             double                 open_deg)
{
  double tau = s->filt_torque_nm;
  double omega = s->omega_rad_s;

  acc->n++;
  acc->sum_torque += tau;
  acc->sum_torque2 += tau * tau;
  acc->peak_torque = MAX (acc->peak_torque, fabs (tau));
  acc->sum_abs_velocity += fabs (omega);

  if (acc->have_prev)
    {
      guint32 dms = s->timestamp_ms - acc->prev_ms;

      /* skip steps across a restart or a long gap */
      if (dms > 0 && dms < 1000)
        {
          double dt = dms / 1000.0;

          acc->energy_j += -tau * omega * dt;
          if (s->position_deg < closed_deg || s->position_deg > open_deg)
            acc->time_in_walls_s += dt;
        }
    }

  acc->have_prev = TRUE;
  acc->prev_ms = s->timestamp_ms;
}

void
steve_sweep_accumulator_result (const SteveSweepAccumulator *acc,
                                SteveSweepResult            *r)
{
  double n = MAX (1, acc->n);

  r->n_samples = acc->n;
  r->metrics[STEVE_SWEEP_METRIC_MEAN_TORQUE] = acc->sum_torque / n;
  r->metrics[STEVE_SWEEP_METRIC_RMS_TORQUE] = sqrt (acc->sum_torque2 / n);
  r->metrics[STEVE_SWEEP_METRIC_PEAK_TORQUE] = acc->peak_torque;
  r->metrics[STEVE_SWEEP_METRIC_MEAN_ABS_VELOCITY] = acc->sum_abs_velocity / n;
  r->metrics[STEVE_SWEEP_METRIC_ENERGY] = acc->energy_j;
  r->metrics[STEVE_SWEEP_METRIC_TIME_IN_WALLS] = acc->time_in_walls_s;
}

const char *
steve_sweep_metric_name (SteveSweepMetric metric)
{
  switch (metric)
    {
    case STEVE_SWEEP_METRIC_MEAN_TORQUE: return _("Mean torque");
    case STEVE_SWEEP_METRIC_RMS_TORQUE: return _("RMS torque");
    case STEVE_SWEEP_METRIC_PEAK_TORQUE: return _("Peak torque");
    case STEVE_SWEEP_METRIC_MEAN_ABS_VELOCITY: return _("Mean |velocity|");
    case STEVE_SWEEP_METRIC_ENERGY: return _("Energy dissipated");
    case STEVE_SWEEP_METRIC_TIME_IN_WALLS: return _("Time in walls");
    default: return "";
    }
}

const char *
steve_sweep_metric_unit (SteveSweepMetric metric)
{
  switch (metric)
    {
    case STEVE_SWEEP_METRIC_MEAN_TORQUE:
    case STEVE_SWEEP_METRIC_RMS_TORQUE:
    case STEVE_SWEEP_METRIC_PEAK_TORQUE: return "N·m";
    case STEVE_SWEEP_METRIC_MEAN_ABS_VELOCITY: return "rad/s";
    case STEVE_SWEEP_METRIC_ENERGY: return "J";
    case STEVE_SWEEP_METRIC_TIME_IN_WALLS: return "s";
    default: return "";
    }
}

static const char * const metric_keys[STEVE_N_SWEEP_METRICS] = {
  "mean_torque_nm", "rms_torque_nm", "peak_torque_nm", "mean_abs_velocity_rad_s",
  "energy_dissipated_j", "time_in_walls_s",
};

/* ------------------------------------------------------------------ plans */

static double
axis_value (const SteveSweepAxis *axis,
            guint                 k)
{
  double f;

  if (axis->steps <= 1)
    return axis->start;

  f = (double) k / (axis->steps - 1);
  if (axis->scale == STEVE_SWEEP_SCALE_LOG)
    return axis->start * pow (axis->end / axis->start, f);
  return axis->start + (axis->end - axis->start) * f;
}

guint
steve_sweep_plan_n_steps (const SteveSweepPlan *plan)
{
  g_return_val_if_fail (plan != NULL, 0);

  if (plan->n_axes == 2)
    return plan->axes[0].steps * plan->axes[1].steps;
  return plan->axes[0].steps;
}

/**
 * steve_sweep_plan_point:
 * @values: (out caller-allocates) (array fixed-size=2): the fields' values
 *
 * The values of step @step (the second axis varies fastest), rounded to
 * what the device stores.
 */
void
steve_sweep_plan_point (const SteveSweepPlan *plan,
                        guint                 step,
                        double               *values)
{
  g_return_if_fail (plan != NULL);

  if (plan->n_axes == 2)
    {
      values[0] = axis_value (&plan->axes[0], step / plan->axes[1].steps);
      values[1] = axis_value (&plan->axes[1], step % plan->axes[1].steps);
      values[1] = steve_field_round (plan->axes[1].field, values[1]);
    }
  else
    {
      values[0] = axis_value (&plan->axes[0], step);
      values[1] = 0;
    }
  values[0] = steve_field_round (plan->axes[0].field, values[0]);
}

double
steve_sweep_plan_duration_s (const SteveSweepPlan *plan)
{
  return steve_sweep_plan_n_steps (plan) * (plan->settle_s + plan->dwell_s);
}

/**
 * steve_sweep_plan_validate:
 * @outside_recommended: (out) (optional): whether some point lies outside a
 *   field's recommended range (the UI asks before running such a plan)
 *
 * Returns: %FALSE with a %STEVE_ERROR_VALIDATION error when a point breaks a
 *   hard limit or the plan is malformed
 */
gboolean
steve_sweep_plan_validate (const SteveSweepPlan  *plan,
                           gboolean              *outside_recommended,
                           GError               **error)
{
  gboolean outside = FALSE;
  guint n;

  g_return_val_if_fail (plan != NULL, FALSE);

  if (plan->n_axes < 1 || plan->n_axes > 2)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION, _("A sweep varies one or two fields."));
      return FALSE;
    }

  for (guint a = 0; a < plan->n_axes; a++)
    {
      const SteveSweepAxis *axis = &plan->axes[a];
      const SteveFieldInfo *info;

      if ((guint) axis->field >= STEVE_N_FIELDS || !(STEVE_FIELDS_PHYSICS & STEVE_FIELD_BIT (axis->field)))
        {
          g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                               _("Only the feel fields (damping, friction, walls, smoothing, torque limit) can be swept."));
          return FALSE;
        }
      info = steve_field_info (axis->field);

      if (axis->steps < 1 || axis->steps > 1000)
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("%s: the number of steps must be between 1 and 1000."), _(info->label));
          return FALSE;
        }

      if (!isfinite (axis->start) || !isfinite (axis->end))
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("%s: the start and end must be numbers."), _(info->label));
          return FALSE;
        }

      if (axis->scale == STEVE_SWEEP_SCALE_LOG && (axis->start <= 0 || axis->end <= 0))
        {
          g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                       _("%s: a logarithmic sweep needs a start and an end above zero."), _(info->label));
          return FALSE;
        }
    }

  if (plan->n_axes == 2 && plan->axes[0].field == plan->axes[1].field)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("A grid needs two different fields."));
      return FALSE;
    }

  if (!(plan->dwell_s > 0 && plan->dwell_s <= 3600) || !(plan->settle_s >= 0 && plan->settle_s <= 3600))
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("The dwell time must be above 0 and the settle time not negative (both at most an hour)."));
      return FALSE;
    }

  n = steve_sweep_plan_n_steps (plan);
  if (n > MAX_STEPS)
    {
      g_set_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("The sweep has %u steps; at most %u are allowed."), n, MAX_STEPS);
      return FALSE;
    }

  /* every point it would send */
  for (guint i = 0; i < n; i++)
    {
      double v[2];

      steve_sweep_plan_point (plan, i, v);
      for (guint a = 0; a < plan->n_axes; a++)
        {
          if (!steve_field_check_value (plan->axes[a].field, v[a], error))
            return FALSE;
          if (!steve_field_is_recommended (plan->axes[a].field, v[a]))
            outside = TRUE;
        }
    }

  if (outside_recommended)
    *outside_recommended = outside;
  return TRUE;
}

/* ------------------------------------------------------------------ measuring */

static void
sink_samples (const SteveSample *samples,
              guint              n,
              gpointer           user_data)
{
  SteveSweep *self = user_data;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < n && self->collecting; i++)
    {
      guint32 t = samples[i].timestamp_ms;

      if (!self->acc.have_prev)
        self->window_start_ms = t;
      /* unsigned: right across the device clock's wrap */
      if (t - self->window_start_ms >= self->dwell_ms)
        {
          self->collecting = FALSE;
          break;
        }
      steve_sweep_accumulator_add (&self->acc, &samples[i], self->closed_deg, self->open_deg);
    }
  g_mutex_unlock (&self->lock);
}

static const SteveRawSinkFuncs sink_funcs = { sink_samples, NULL };

/* An e-stop (or any valve error) ends the sweep at once. */
static void
on_samples (SteveStreamer *streamer,
            GArray        *batch,
            SteveSweep    *self)
{
  if (self->state != STEVE_SWEEP_RUNNING)
    return;

  for (guint i = 0; i < batch->len; i++)
    if (g_array_index (batch, SteveSample, i).status == STEVE_VALVE_STATE_ERROR)
      {
        g_clear_error (&self->failure);
        self->failure = g_error_new_literal (STEVE_ERROR, STEVE_ERROR_FAILED,
                                             _("The sweep stopped: the valve went into its error state (emergency stop?)."));
        steve_sweep_abort (self);
        return;
      }
}

/* ------------------------------------------------------------------ flow */

static void fail (SteveSweep *self, const GError *error);

/* A sweep's measurements mean nothing across an outage (a rebooted device
 * is idle with other values): stop, and restore when the device is back. */
static void
on_connection_lost (SteveClient  *client,
                    const GError *error,
                    SteveSweep   *self)
{
  g_autoptr(GError) stopped = NULL;

  if (self->state != STEVE_SWEEP_RUNNING)
    return;

  stopped = g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                         _("The sweep stopped: the connection to the device was lost (%s)."), error->message);
  fail (self, stopped);
}

static void
set_state (SteveSweep      *self,
           SteveSweepState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
detach (SteveSweep *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  if (self->sink_id)
    {
      steve_streamer_remove_raw_sink (self->streamer, self->sink_id);
      self->sink_id = 0;
    }
  if (self->samples_id)
    g_clear_signal_handler (&self->samples_id, self->streamer);
  if (self->restored_id)
    g_clear_signal_handler (&self->restored_id, self->client);
  if (self->lost_id)
    g_clear_signal_handler (&self->lost_id, self->client);
}

static void
complete (SteveSweep *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  detach (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);

  if (task == NULL)
    return;

  if (self->failure)
    g_task_return_error (task, g_error_copy (self->failure));
  else
    g_task_return_boolean (task, TRUE);
}

static void
restore_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SteveSweep) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) config = steve_client_set_config_finish (self->client, result, &error);

  if (config == NULL)
    {
      /* the device is away: put the values back when it returns */
      if (g_error_matches (error, STEVE_ERROR, STEVE_ERROR_CONNECTION) ||
          g_error_matches (error, STEVE_ERROR, STEVE_ERROR_TIMEOUT) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("restore postponed until the device is back: %s", error->message);
          return;
        }

      g_clear_error (&self->failure);
      self->failure = g_error_new (STEVE_ERROR, error->code,
                                   _("The original values could not be restored: %s"), error->message);
      set_state (self, STEVE_SWEEP_FAILED);
      complete (self);
      return;
    }

  if (self->recorder)
    steve_recorder_add_mark (self->recorder, _("Sweep: original values restored"));

  if (self->failure == NULL)
    set_state (self, STEVE_SWEEP_DONE);
  else if (self->state == STEVE_SWEEP_RESTORING)
    set_state (self, g_error_matches (self->failure, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                       ? STEVE_SWEEP_ABORTED : STEVE_SWEEP_FAILED);
  complete (self);
}

static void
send_restore (SteveSweep *self)
{
  steve_client_set_config_async (self->client, &self->original, NULL, restore_done, g_object_ref (self));
}

static void
on_restored (SteveClient *client,
             SteveSweep  *self)
{
  if (self->state == STEVE_SWEEP_RESTORING)
    send_restore (self);
}

static void
restore (SteveSweep *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);

  g_mutex_lock (&self->lock);
  self->collecting = FALSE;
  g_mutex_unlock (&self->lock);

  set_state (self, STEVE_SWEEP_RESTORING);
  if (self->restored_id == 0)
    self->restored_id = g_signal_connect (self->client, "connection-restored", G_CALLBACK (on_restored), self);
  send_restore (self);
}

static void
fail (SteveSweep   *self,
      const GError *error)
{
  g_clear_error (&self->failure);
  self->failure = g_error_copy (error);
  restore (self);
}

static gboolean
end_step (gpointer data)
{
  SteveSweep *self = data;
  SteveSweepResult result = { 0 };

  self->timer_id = 0;

  g_mutex_lock (&self->lock);
  /* the host's dwell time is up: the device's may not be yet (the sink is
   * still collecting when its first sample came after the timer started) */
  if (self->collecting && self->grace_polls < WINDOW_GRACE_MS / WINDOW_POLL_MS)
    {
      g_mutex_unlock (&self->lock);
      self->grace_polls++;
      self->timer_id = g_timeout_add (WINDOW_POLL_MS, end_step, self);
      return G_SOURCE_REMOVE;
    }
  self->collecting = FALSE;
  steve_sweep_accumulator_result (&self->acc, &result);
  g_mutex_unlock (&self->lock);

  result.index = self->step;
  steve_sweep_plan_point (&self->plan, self->step, result.values);
  g_array_append_val (self->results, result);
  g_signal_emit (self, signals[STEP_FINISHED], 0, &g_array_index (self->results, SteveSweepResult, self->results->len - 1));

  self->step++;
  self->measuring = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS]);

  if (self->step >= self->n_steps)
    restore (self);
  else
    begin_step (self);

  return G_SOURCE_REMOVE;
}

static gboolean
start_measuring (gpointer data)
{
  SteveSweep *self = data;
  const SteveConfig *config = steve_client_get_device_config (self->client);

  self->timer_id = 0;
  self->measuring = TRUE;

  g_mutex_lock (&self->lock);
  memset (&self->acc, 0, sizeof self->acc);
  self->closed_deg = steve_config_has (config, STEVE_FIELD_CLOSED_POS) ? config->values[STEVE_FIELD_CLOSED_POS] : 0;
  self->open_deg = steve_config_has (config, STEVE_FIELD_OPEN_POS) ? config->values[STEVE_FIELD_OPEN_POS] : 90;
  self->dwell_ms = (guint32) MAX (1, lround (self->plan.dwell_s * 1000));
  self->collecting = TRUE;
  g_mutex_unlock (&self->lock);

  self->grace_polls = 0;
  /* the owner thread alone writes dwell_ms: reading it here needs no lock */
  self->timer_id = g_timeout_add (self->dwell_ms, end_step, self);
  return G_SOURCE_REMOVE;
}

static void
step_applied (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SteveSweep) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) config = steve_client_set_config_finish (self->client, result, &error);

  if (self->state != STEVE_SWEEP_RUNNING)
    return;

  if (config == NULL)
    {
      g_autoptr(GError) wrapped = g_error_new (STEVE_ERROR, error->code,
                                               _("Step %u of the sweep could not be applied: %s"),
                                               self->step + 1, error->message);
      fail (self, wrapped);
      return;
    }

  if (self->recorder)
    {
      double v[2];
      g_autofree char *a = NULL, *b = NULL, *label = NULL;

      steve_sweep_plan_point (&self->plan, self->step, v);
      a = steve_field_format_value (self->plan.axes[0].field, v[0]);
      if (self->plan.n_axes == 2)
        {
          b = steve_field_format_value (self->plan.axes[1].field, v[1]);
          label = g_strdup_printf (_("Sweep step %u/%u: %s = %s, %s = %s"), self->step + 1, self->n_steps,
                                   steve_field_info (self->plan.axes[0].field)->key_firmware, a,
                                   steve_field_info (self->plan.axes[1].field)->key_firmware, b);
        }
      else
        label = g_strdup_printf (_("Sweep step %u/%u: %s = %s"), self->step + 1, self->n_steps,
                                 steve_field_info (self->plan.axes[0].field)->key_firmware, a);
      steve_recorder_add_mark (self->recorder, label);
    }

  self->step_started_us = g_get_monotonic_time ();
  if (self->plan.settle_s > 0)
    self->timer_id = g_timeout_add ((guint) (self->plan.settle_s * 1000), start_measuring, self);
  else
    start_measuring (self);
}

static void
begin_step (SteveSweep *self)
{
  SteveConfig update = { { 0 }, 0 };
  double v[2];

  steve_sweep_plan_point (&self->plan, self->step, v);
  for (guint a = 0; a < self->plan.n_axes; a++)
    steve_config_set (&update, self->plan.axes[a].field, v[a]);

  self->step_started_us = g_get_monotonic_time ();
  steve_client_set_config_async (self->client, &update, NULL, step_applied, g_object_ref (self));
}

static gboolean
progress_tick (gpointer data)
{
  g_object_notify_by_pspec (G_OBJECT (data), properties[PROP_PROGRESS]);
  return G_SOURCE_CONTINUE;
}

/**
 * steve_sweep_run_async:
 *
 * Runs the plan. Completes after the original values are back on the
 * device: with %TRUE when every step ran, with %G_IO_ERROR_CANCELLED when
 * aborted, or with the error that stopped it.
 */
void
steve_sweep_run_async (SteveSweep          *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GError) error = NULL;
  const SteveConfig *device;

  g_return_if_fail (STEVE_IS_SWEEP (self));
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, steve_sweep_run_async);

  if (!steve_sweep_plan_validate (&self->plan, NULL, &error))
    {
      g_task_return_error (g_steal_pointer (&self->task), g_steal_pointer (&error));
      return;
    }

  /* what to put back */
  device = steve_client_get_device_config (self->client);
  memset (&self->original, 0, sizeof self->original);
  for (guint a = 0; a < self->plan.n_axes; a++)
    {
      SteveField f = self->plan.axes[a].field;

      if (!steve_config_has (device, f))
        {
          g_task_return_new_error (g_steal_pointer (&self->task), STEVE_ERROR, STEVE_ERROR_FAILED,
                                   _("The device’s current %s is not known, so it could not be restored after the sweep."),
                                   _(steve_field_info (f)->label));
          return;
        }
      steve_config_set (&self->original, f, device->values[f]);
    }

  self->n_steps = steve_sweep_plan_n_steps (&self->plan);
  self->step = 0;
  g_array_set_size (self->results, 0);
  g_clear_error (&self->failure);

  self->sink_id = steve_streamer_add_raw_sink (self->streamer, &sink_funcs, self, NULL);
  self->samples_id = g_signal_connect (self->streamer, "samples", G_CALLBACK (on_samples), self);
  self->lost_id = g_signal_connect (self->client, "connection-lost", G_CALLBACK (on_connection_lost), self);
  self->progress_id = g_timeout_add (250, progress_tick, self);

  set_state (self, STEVE_SWEEP_RUNNING);
  if (self->recorder)
    steve_recorder_add_mark (self->recorder, _("Sweep started"));
  begin_step (self);
}

gboolean
steve_sweep_run_finish (SteveSweep    *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * steve_sweep_abort:
 *
 * Stops at once and restores the original values.
 */
void
steve_sweep_abort (SteveSweep *self)
{
  g_return_if_fail (STEVE_IS_SWEEP (self));

  if (self->state != STEVE_SWEEP_RUNNING)
    return;

  if (self->failure == NULL)
    self->failure = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The sweep was aborted."));
  if (self->recorder)
    steve_recorder_add_mark (self->recorder, _("Sweep aborted"));
  restore (self);
}

SteveSweepState
steve_sweep_get_state (SteveSweep *self)
{
  g_return_val_if_fail (STEVE_IS_SWEEP (self), STEVE_SWEEP_IDLE);
  return self->state;
}

double
steve_sweep_get_progress (SteveSweep *self)
{
  double step_len, into;

  g_return_val_if_fail (STEVE_IS_SWEEP (self), 0);

  if (self->n_steps == 0)
    return 0;
  if (self->state == STEVE_SWEEP_DONE)
    return 1;

  step_len = self->plan.settle_s + self->plan.dwell_s;
  into = self->state == STEVE_SWEEP_RUNNING && self->step_started_us
           ? MIN (1.0, (g_get_monotonic_time () - self->step_started_us) / 1e6 / step_len)
           : 0;
  return MIN (1.0, (self->step + into) / self->n_steps);
}

double
steve_sweep_get_time_left_s (SteveSweep *self)
{
  g_return_val_if_fail (STEVE_IS_SWEEP (self), 0);

  if (self->state != STEVE_SWEEP_RUNNING)
    return 0;
  return (1.0 - steve_sweep_get_progress (self)) * steve_sweep_plan_duration_s (&self->plan);
}

const SteveSweepPlan *
steve_sweep_get_plan (SteveSweep *self)
{
  g_return_val_if_fail (STEVE_IS_SWEEP (self), NULL);
  return &self->plan;
}

const SteveSweepResult *
steve_sweep_get_results (SteveSweep *self,
                         guint      *n_results)
{
  g_return_val_if_fail (STEVE_IS_SWEEP (self), NULL);

  if (n_results)
    *n_results = self->results->len;
  return (const SteveSweepResult *) (gpointer) self->results->data;
}

/**
 * steve_sweep_export_csv:
 *
 * Writes the results table (atomically): the swept values, then every
 * metric, one row per step.
 */
gboolean
steve_sweep_export_csv (SteveSweep  *self,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(GString) s = g_string_new ("step");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (STEVE_IS_SWEEP (self), FALSE);

  for (guint a = 0; a < self->plan.n_axes; a++)
    g_string_append_printf (s, ",%s", steve_field_info (self->plan.axes[a].field)->key_firmware);
  for (guint m = 0; m < STEVE_N_SWEEP_METRICS; m++)
    g_string_append_printf (s, ",%s", metric_keys[m]);
  g_string_append (s, ",n_samples\n");

  for (guint i = 0; i < self->results->len; i++)
    {
      const SteveSweepResult *r = &g_array_index (self->results, SteveSweepResult, i);

      g_string_append_printf (s, "%u", r->index + 1);
      for (guint a = 0; a < self->plan.n_axes; a++)
        g_string_append_printf (s, ",%s", g_ascii_formatd (buf, sizeof buf, "%.9g", r->values[a]));
      for (guint m = 0; m < STEVE_N_SWEEP_METRICS; m++)
        g_string_append_printf (s, ",%s", g_ascii_formatd (buf, sizeof buf, "%.9g", r->metrics[m]));
      g_string_append_printf (s, ",%u\n", r->n_samples);
    }

  /* g_file_set_contents() writes a temporary file and renames it */
  return g_file_set_contents (path, s->str, (gssize) s->len, error);
}

/* ------------------------------------------------------------------ GObject */

/**
 * steve_sweep_new:
 * @recorder: (nullable): a recorder that gets a mark at each step boundary
 */
SteveSweep *
steve_sweep_new (SteveClient          *client,
                 SteveStreamer        *streamer,
                 SteveRecorder        *recorder,
                 const SteveSweepPlan *plan)
{
  SteveSweep *self;

  g_return_val_if_fail (STEVE_IS_CLIENT (client), NULL);
  g_return_val_if_fail (STEVE_IS_STREAMER (streamer), NULL);
  g_return_val_if_fail (plan != NULL, NULL);

  self = g_object_new (STEVE_TYPE_SWEEP, NULL);
  self->client = g_object_ref (client);
  self->streamer = g_object_ref (streamer);
  self->recorder = recorder ? g_object_ref (recorder) : NULL;
  self->plan = *plan;
  return self;
}

static void
steve_sweep_dispose (GObject *object)
{
  SteveSweep *self = STEVE_SWEEP (object);

  detach (self);
  g_clear_object (&self->recorder);
  g_clear_object (&self->streamer);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (steve_sweep_parent_class)->dispose (object);
}

static void
steve_sweep_finalize (GObject *object)
{
  SteveSweep *self = STEVE_SWEEP (object);

  g_array_unref (self->results);
  g_clear_error (&self->failure);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (steve_sweep_parent_class)->finalize (object);
}

static void
steve_sweep_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SteveSweep *self = STEVE_SWEEP (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_int (value, self->state); break;
    case PROP_PROGRESS: g_value_set_double (value, steve_sweep_get_progress (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_sweep_class_init (SteveSweepClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = steve_sweep_dispose;
  object_class->finalize = steve_sweep_finalize;
  object_class->get_property = steve_sweep_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, STEVE_SWEEP_IDLE, STEVE_SWEEP_FAILED, STEVE_SWEEP_IDLE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, 0, 1, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SteveSweep::step-finished:
   * @result: (type gpointer): the step's #SteveSweepResult
   */
  signals[STEP_FINISHED] =
    g_signal_new ("step-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
steve_sweep_init (SteveSweep *self)
{
  g_mutex_init (&self->lock);
  self->results = g_array_new (FALSE, FALSE, sizeof (SteveSweepResult));
}
