/* steve-sim-device.c — the simulated STEVE device: state, physics, REST logic
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Behaviour follows the protocol file (§1–§4) and its golden captures:
 * the firmware dialect's key names, decimals and quirks, the documented
 * dialect's shapes, the valve and ODrive state machines, presets.
 *
 * Time is counted in control cycles: one call of steve_sim_device_cycle()
 * is one millisecond of device time. The owner decides when to run cycles.
 */
#define G_LOG_DOMAIN "steve-sim"

#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "steve-field.h"
#include "steve-sim-device.h"
#include "steve-json-private.h"

#define HEARTBEAT_PERIOD_MS     100
#define FIRST_TELEMETRY_MS      50
#define START_TIME_MS           300
#define START_FAIL_TIME_MS      500
#define CALIB_FULL_MS           300
#define CALIB_MOTOR_MS          1200
#define CALIB_ENCODER_MS        2000
#define PERF_WINDOW             1000
#define MAX_JSON_TOKENS         64
#define AXIS_ERROR_ESTOP        0x00004000u

/* Safety error codes reported in `err` and safety.last_error. The protocol
 * file names the causes but not their numbers; these are the simulator's. */
#define SAFETY_ENCODER_STALE    1
#define SAFETY_AXIS_ERROR       2
#define SAFETY_CAN_FAILURE      3
#define SAFETY_NOT_CLOSED_LOOP  4

/* The hand on the shaft: a PD "grip" tracking the profile's target angle.
 * With the hand on, the arm's inertia dominates the shaft's. */
#define HAND_STIFFNESS          2.0     /* N·m/rad */
#define HAND_DAMPING            0.05    /* N·m·s/rad */
#define HAND_INERTIA            5e-3    /* kg·m² */
#define BEARING_FRICTION        1e-4    /* N·m·s/rad */
#define SUBSTEPS                10

typedef struct
{
  double  pos_turns;
  double  pos_deg;
  double  torque;
  double  filt;
  double  omega_rad_s;
  gint32  passivity_mj;
  gboolean quiet;
  guint32 seq;
  guint64 t_us;
  guint32 loop_time_us;
  gboolean valid;
} Snapshot;

struct _SteveSimDevice
{
  SteveDialect     dialect;
  SteveSimProfile  profile;
  SteveSimFaults   faults;
  GRand           *rand;
  char            *api_key;
  double           odrive_flaky_rate;
  double           hand_phase[3];

  /* clock */
  guint32          boot_id;
  guint64          cycles;

  /* valve */
  SteveValveState  valve;
  SteveConfig      config;
  SteveConfig      staged;
  gboolean         has_staged;
  StevePhysicsParams params;
  StevePhysicsState phys;
  gboolean         start_pending;
  gboolean         start_ok;
  gboolean         start_preset_applied;
  guint64          start_done_ms;
  guint32          seq;
  guint64          t_us;
  guint32          loop_time_us;
  double           theta_start;
  double           commanded;
  double           applied;
  Snapshot         snap;
  guint32          err;
  guint32          safety_errors;
  guint32          safety_estops;
  guint64          torque_clamps;
  guint64          stability_events;

  /* shaft */
  double           theta;       /* turns, raw encoder */
  double           omega;       /* turns/s */
  double           ext_torque;

  /* ODrive */
  guint            axis_state;
  guint32          axis_error;
  guint32          motor_flags;
  guint32          encoder_flags;
  guint32          controller_status;
  gboolean         calibrated;
  gboolean         calibrating;
  guint64          calib_start_ms;
  guint            control_mode;
  double           set_torque;
  double           set_velocity;
  double           set_position;
  guint64          last_hb_ms;
  double           fet_temp;
  double           motor_temp;
  double           fet_peak;
  double           motor_peak;
  double           bus_voltage;
  double           bus_current;

  /* CAN */
  guint64          can_tx;
  guint64          can_rx;
  guint64          can_errors;
  guint32          can_last_error;

  /* presets ("flash") */
  StevePreset     *presets[STEVE_N_PRESETS];

  /* stream */
  gboolean         stream_active;
  guint            default_interval;
  guint            connected_clients;
  guint64          messages_sent;
  guint64          send_errors;
  guint64          invalid_samples;
  guint64          last_send_tick_ms;

  /* performance window (documented dialect) */
  float            perf_pos[PERF_WINDOW];
  float            perf_vel[PERF_WINDOW];
  float            perf_tau[PERF_WINDOW];
  float            perf_loop[PERF_WINDOW];
  guint            perf_n;
  guint            perf_i;
};

typedef struct
{
  const char *name;
  double      v[7]; /* viscous, coulomb, wall_stiffness, wall_damping, travel, torque_limit, smoothing */
} FactoryPreset;

static const FactoryPreset firmware_presets[STEVE_N_PRESETS] = {
  { "Light",      { 0.02, 0.06, 10, 0.1, 90, 8, 0.001 } },
  { "Medium",     { 0.04, 0.12, 15, 0.2, 90, 8, 0.001 } },
  { "Heavy",      { 0.08, 0.25, 25, 0.4, 360, 6, 0.001 } },
  { "Industrial", { 0.12, 0.40, 35, 0.6, 360, 8, 0.001 } },
};

/* The documented dialect's presets. The protocol file gives only their
 * names; the values here are the simulator's, inside the documented
 * (recommended) ranges. */
static const FactoryPreset documented_presets[STEVE_N_PRESETS] = {
  { "default", { 0.05, 0.01, 2.0, 0.1, 90, 1.0, 0.001 } },
  { "smooth",  { 0.02, 0.005, 1.0, 0.05, 90, 0.5, 0.002 } },
  { "stiff",   { 0.20, 0.03, 4.0, 0.3, 90, 1.5, 0.001 } },
  { "heavy",   { 0.40, 0.05, 5.0, 0.5, 90, 2.0, 0.0005 } },
};

static const SteveField preset_fields[7] = {
  STEVE_FIELD_VISCOUS, STEVE_FIELD_COULOMB, STEVE_FIELD_WALL_STIFFNESS, STEVE_FIELD_WALL_DAMPING,
  STEVE_FIELD_TRAVEL, STEVE_FIELD_TORQUE_LIMIT, STEVE_FIELD_SMOOTHING,
};

/* ------------------------------------------------------------------ helpers */

static void
fmt (GString    *str,
     double      value,
     guint       decimals)
{
  char buf[64];

  steve_telemetry_format_fixed (value, decimals, FALSE, buf, sizeof buf);
  g_string_append (str, buf);
}

void
steve_sim_response_clear (SteveSimResponse *resp)
{
  g_clear_pointer (&resp->body, g_free);
  resp->status = 0;
  resp->content_type = NULL;
  resp->defer = STEVE_SIM_DEFER_NONE;
  resp->stream_changed = FALSE;
  resp->save_state = FALSE;
}

void
steve_sim_response_set_error (SteveSimResponse *resp,
                              guint             status,
                              const char       *code)
{
  g_free (resp->body);
  resp->status = status;
  resp->content_type = "application/json";
  resp->body = g_strdup_printf ("{\"status\":\"error\",\"error\":\"%s\"}", code);
}

static void
respond_json (SteveSimResponse *resp,
              char             *body)
{
  g_free (resp->body);
  resp->status = 200;
  resp->content_type = "application/json";
  resp->body = body;
}

static double
now_s (SteveSimDevice *dev)
{
  return (double) dev->cycles / 1000.0;
}

static void
preset_from_factory (StevePreset         *preset,
                     const FactoryPreset *factory)
{
  g_free (preset->name);
  preset->name = g_strdup (factory->name);
  memset (&preset->config, 0, sizeof preset->config);
  for (guint i = 0; i < G_N_ELEMENTS (preset_fields); i++)
    steve_config_set (&preset->config, preset_fields[i], factory->v[i]);
}

static void
update_params (SteveSimDevice *dev)
{
  steve_physics_params_from_config (&dev->params, &dev->config);
}

static void
load_preset_into_config (SteveSimDevice    *dev,
                         SteveConfig       *config,
                         const StevePreset *preset,
                         double             travel)
{
  for (guint i = 0; i < G_N_ELEMENTS (preset_fields); i++)
    if (preset_fields[i] != STEVE_FIELD_TRAVEL)
      steve_config_set (config, preset_fields[i], preset->config.values[preset_fields[i]]);

  steve_config_set (config, STEVE_FIELD_CLOSED_POS, 0.0);
  steve_config_set (config, STEVE_FIELD_OPEN_POS, travel);
}

/* ------------------------------------------------------------------ lifecycle */

SteveSimDevice *
steve_sim_device_new (SteveDialect    dialect,
                      SteveSimProfile profile,
                      guint32         seed)
{
  SteveSimDevice *dev = g_new0 (SteveSimDevice, 1);
  const FactoryPreset *factory = dialect == STEVE_DIALECT_DOCUMENTED ? documented_presets : firmware_presets;

  dev->dialect = dialect == STEVE_DIALECT_DOCUMENTED ? STEVE_DIALECT_DOCUMENTED : STEVE_DIALECT_FIRMWARE;
  dev->profile = profile;
  dev->rand = g_rand_new_with_seed (seed);
  dev->api_key = g_strdup (STEVE_DEFAULT_API_KEY);
  dev->calibrated = TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (dev->hand_phase); i++)
    dev->hand_phase[i] = g_rand_double_range (dev->rand, 0, 2 * G_PI);

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      dev->presets[i] = steve_preset_new (i, NULL);
      preset_from_factory (dev->presets[i], &factory[i]);
    }

  steve_sim_device_boot (dev);
  return dev;
}

void
steve_sim_device_free (SteveSimDevice *dev)
{
  if (dev == NULL)
    return;

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    steve_preset_free (dev->presets[i]);
  g_rand_free (dev->rand);
  g_free (dev->api_key);
  g_free (dev);
}

/**
 * steve_sim_device_boot:
 *
 * Power-on: the clock restarts at 0, preset 0 is loaded with its stored
 * travel, the valve is idle, streaming is off. Presets ("flash") and the
 * shaft's physical position survive.
 */
void
steve_sim_device_boot (SteveSimDevice *dev)
{
  dev->boot_id++;
  dev->cycles = 0;

  memset (&dev->config, 0, sizeof dev->config);
  steve_config_set (&dev->config, STEVE_FIELD_DEGREES_PER_TURN, 360.0);
  load_preset_into_config (dev, &dev->config, dev->presets[0],
                           dev->presets[0]->config.values[STEVE_FIELD_TRAVEL]);
  update_params (dev);
  dev->has_staged = FALSE;

  dev->valve = (dev->faults & STEVE_SIM_FAULT_UNINITIALIZED) ? STEVE_VALVE_STATE_NO_DATA : STEVE_VALVE_STATE_IDLE;
  dev->start_pending = FALSE;
  dev->seq = 0;
  dev->t_us = 0;
  dev->loop_time_us = 0;
  dev->commanded = 0;
  dev->applied = 0;
  memset (&dev->snap, 0, sizeof dev->snap);
  dev->snap.valid = TRUE;
  dev->err = 0;
  dev->safety_errors = 0;
  dev->safety_estops = 0;
  dev->torque_clamps = 0;
  dev->stability_events = 0;
  steve_physics_state_reset (&dev->phys, FALSE);

  dev->axis_state = STEVE_AXIS_STATE_IDLE;
  dev->axis_error = 0;
  dev->motor_flags = 0;
  dev->encoder_flags = 0;
  dev->controller_status = 0;
  dev->calibrated = !(dev->faults & STEVE_SIM_FAULT_UNCALIBRATED);
  dev->calibrating = FALSE;
  dev->control_mode = STEVE_CONTROL_MODE_TORQUE;
  dev->set_torque = 0;
  dev->last_hb_ms = 0;
  dev->fet_temp = 35.0 + g_rand_double_range (dev->rand, 0, 2);
  dev->motor_temp = 31.0 + g_rand_double_range (dev->rand, 0, 2);
  dev->fet_peak = dev->fet_temp;
  dev->motor_peak = dev->motor_temp;
  dev->bus_voltage = 24.1;
  dev->bus_current = 0.02;

  dev->can_tx = dev->can_rx = dev->can_errors = 0;
  dev->can_last_error = 0;

  dev->stream_active = FALSE;
  dev->default_interval = STEVE_STREAM_INTERVAL_DEFAULT;
  dev->connected_clients = 0;
  dev->messages_sent = dev->send_errors = dev->invalid_samples = 0;
  dev->last_send_tick_ms = 0;

  dev->perf_n = dev->perf_i = 0;
}

guint32
steve_sim_device_now_ms (SteveSimDevice *dev)
{
  return (guint32) dev->cycles;
}

guint32
steve_sim_device_boot_id (SteveSimDevice *dev)
{
  return dev->boot_id;
}

void
steve_sim_device_set_faults (SteveSimDevice *dev,
                             SteveSimFaults  faults)
{
  SteveSimFaults old = dev->faults;

  dev->faults = faults;

  if ((faults & STEVE_SIM_FAULT_UNINITIALIZED) && !(old & STEVE_SIM_FAULT_UNINITIALIZED))
    dev->valve = STEVE_VALVE_STATE_NO_DATA;
  else if (!(faults & STEVE_SIM_FAULT_UNINITIALIZED) && (old & STEVE_SIM_FAULT_UNINITIALIZED))
    dev->valve = STEVE_VALVE_STATE_IDLE;

  if ((faults & STEVE_SIM_FAULT_UNCALIBRATED) && !(old & STEVE_SIM_FAULT_UNCALIBRATED))
    dev->calibrated = FALSE;
}

SteveSimFaults
steve_sim_device_get_faults (SteveSimDevice *dev)
{
  return dev->faults;
}

void
steve_sim_device_set_profile (SteveSimDevice  *dev,
                              SteveSimProfile  profile)
{
  dev->profile = profile;
}

void
steve_sim_device_set_external_torque (SteveSimDevice *dev,
                                      double          torque_nm)
{
  dev->ext_torque = isfinite (torque_nm) ? torque_nm : 0.0;
}

void
steve_sim_device_set_odrive_flaky_rate (SteveSimDevice *dev,
                                        double          rate)
{
  dev->odrive_flaky_rate = CLAMP (rate, 0.0, 1.0);
}

void
steve_sim_device_set_api_key (SteveSimDevice *dev,
                              const char     *key)
{
  g_free (dev->api_key);
  dev->api_key = g_strdup (key ? key : STEVE_DEFAULT_API_KEY);
}

SteveDialect
steve_sim_device_get_dialect (SteveSimDevice *dev)
{
  return dev->dialect;
}

/* ------------------------------------------------------------------ control loop */

static void
valve_error (SteveSimDevice *dev,
             guint32         code)
{
  if (dev->valve != STEVE_VALVE_STATE_RUNNING)
    return;

  dev->valve = STEVE_VALVE_STATE_ERROR;
  dev->err = code;
  dev->safety_errors++;
  dev->commanded = 0;
  dev->applied = 0;
}

static double
hand_target (SteveSimDevice *dev,
             double          t,
             double         *velocity)
{
  double center = 0.125;  /* 45° into a 90° travel */
  double w;

  switch (dev->profile)
    {
    case STEVE_SIM_PROFILE_SINE:
      w = 2 * G_PI * 0.5;
      *velocity = 0.1 * w * cos (w * t);
      return center + 0.1 * sin (w * t);

    case STEVE_SIM_PROFILE_WALLS:
      w = 2 * G_PI * 0.4;
      *velocity = 0.2 * w * cos (w * t);
      return center + 0.2 * sin (w * t);

    case STEVE_SIM_PROFILE_RANDOM:
      {
        static const double f[3] = { 0.23, 0.61, 1.37 };
        static const double a[3] = { 0.06, 0.03, 0.012 };
        double pos = center;

        *velocity = 0;
        for (guint i = 0; i < 3; i++)
          {
            w = 2 * G_PI * f[i];
            pos += a[i] * sin (w * t + dev->hand_phase[i]);
            *velocity += a[i] * w * cos (w * t + dev->hand_phase[i]);
          }
        return pos;
      }

    case STEVE_SIM_PROFILE_IDLE:
    default:
      *velocity = 0;
      return dev->theta;
    }
}

static void
finish_start (SteveSimDevice *dev)
{
  dev->start_pending = FALSE;

  if (!dev->start_ok || dev->valve != STEVE_VALVE_STATE_INITIALIZING)
    {
      if (dev->valve == STEVE_VALVE_STATE_INITIALIZING)
        dev->valve = STEVE_VALVE_STATE_IDLE;
      dev->start_ok = FALSE;
      return;
    }

  dev->axis_state = STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL;
  dev->control_mode = STEVE_CONTROL_MODE_TORQUE;
  dev->valve = STEVE_VALVE_STATE_RUNNING;
  dev->has_staged = FALSE;   /* a config staged before the start is discarded */
  dev->seq = 0;
  dev->t_us = 0;
  dev->err = 0;
  dev->theta_start = dev->theta;
  steve_physics_state_reset (&dev->phys, dev->omega == 0.0);
  dev->last_hb_ms = dev->cycles;
}

static void
record_perf (SteveSimDevice *dev,
             double          pos_deg,
             double          vel_rad_s,
             double          tau)
{
  dev->perf_pos[dev->perf_i] = (float) pos_deg;
  dev->perf_vel[dev->perf_i] = (float) vel_rad_s;
  dev->perf_tau[dev->perf_i] = (float) tau;
  dev->perf_loop[dev->perf_i] = (float) dev->loop_time_us;
  dev->perf_i = (dev->perf_i + 1) % PERF_WINDOW;
  dev->perf_n = MIN (dev->perf_n + 1, PERF_WINDOW);
}

/**
 * steve_sim_device_cycle:
 *
 * Runs one 1 ms control cycle: ODrive state machine, heartbeat checks,
 * start completion, the control law when running, and the shaft dynamics
 * with the virtual hand.
 */
void
steve_sim_device_cycle (SteveSimDevice *dev)
{
  gboolean odrive_present = !(dev->faults & STEVE_SIM_FAULT_ODRIVE_MISSING);
  double dpt = steve_config_get (&dev->config, STEVE_FIELD_DEGREES_PER_TURN);
  double tau_device = 0.0;
  double target, target_vel, inertia, dt;
  guint64 now;

  dev->cycles++;
  now = dev->cycles;

  /* ODrive calibration sequence: 3 → 4 → 7 → idle */
  if (dev->calibrating)
    {
      guint64 elapsed = now - dev->calib_start_ms;

      if (elapsed < CALIB_FULL_MS)
        dev->axis_state = STEVE_AXIS_STATE_FULL_CALIBRATION;
      else if (elapsed < CALIB_FULL_MS + CALIB_MOTOR_MS)
        dev->axis_state = STEVE_AXIS_STATE_MOTOR_CALIBRATION;
      else if (elapsed < CALIB_FULL_MS + CALIB_MOTOR_MS + CALIB_ENCODER_MS)
        dev->axis_state = STEVE_AXIS_STATE_ENCODER_OFFSET_CALIBRATION;
      else
        {
          dev->axis_state = STEVE_AXIS_STATE_IDLE;
          dev->calibrating = FALSE;
          dev->calibrated = TRUE;
        }
    }

  if (dev->start_pending && now >= dev->start_done_ms)
    finish_start (dev);

  /* Heartbeats every 100 ms; the running valve checks the ODrive at each. */
  if (odrive_present && now % HEARTBEAT_PERIOD_MS == 0)
    {
      dev->last_hb_ms = now;
      if (dev->valve == STEVE_VALVE_STATE_RUNNING)
        {
          if (dev->axis_error != 0)
            valve_error (dev, SAFETY_AXIS_ERROR);
          else if (dev->axis_state != STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL)
            valve_error (dev, SAFETY_NOT_CLOSED_LOOP);
        }
    }

  if (dev->valve == STEVE_VALVE_STATE_RUNNING)
    {
      if (dev->faults & STEVE_SIM_FAULT_ENCODER_STALE)
        valve_error (dev, SAFETY_ENCODER_STALE);
      else if (dev->faults & STEVE_SIM_FAULT_CAN_FAILURE)
        {
          dev->can_errors++;
          dev->can_last_error = 0x00000004;
          valve_error (dev, SAFETY_CAN_FAILURE);
        }
      else if (!odrive_present)
        valve_error (dev, SAFETY_ENCODER_STALE);
    }

  if (dev->valve == STEVE_VALVE_STATE_RUNNING)
    {
      StevePhysicsOutput out;
      double theta_rel = dev->theta - dev->theta_start;

      if (dev->has_staged)
        {
          dev->config = dev->staged;
          dev->has_staged = FALSE;
          update_params (dev);
        }

      steve_physics_step (&dev->params, &dev->phys, theta_rel, dev->omega, 0.001, &out);
      dev->commanded = out.commanded;
      dev->applied = out.applied;
      if (out.clamped)
        dev->torque_clamps++;
      if (out.passivity_limited)
        dev->stability_events++;

      dev->loop_time_us = 26 + g_rand_int_range (dev->rand, 0, 9);
      dev->t_us += dev->loop_time_us;
      dev->seq++;
      dev->can_tx++;
      dev->can_rx++;

      dev->snap.pos_turns = dev->theta;
      dev->snap.pos_deg = theta_rel * dpt;
      dev->snap.torque = dev->commanded;
      dev->snap.filt = dev->applied;
      dev->snap.omega_rad_s = 2 * G_PI * dev->omega;
      dev->snap.passivity_mj = (gint32) (dev->phys.tank_j * 1000.0);
      dev->snap.quiet = dev->phys.quiet;
      dev->snap.seq = dev->seq;
      dev->snap.t_us = dev->t_us;
      dev->snap.loop_time_us = dev->loop_time_us;
      dev->snap.valid = isfinite (dev->applied) && isfinite (dev->theta) && isfinite (dev->omega);

      record_perf (dev, dev->snap.pos_deg, dev->snap.omega_rad_s, dev->applied);

      /* The motor only acts in closed loop (an ODrive estop idles it at once). */
      if (dev->axis_state == STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL && dev->axis_error == 0)
        tau_device = dev->applied;
    }
  else if (odrive_present && dev->axis_state == STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL &&
           dev->axis_error == 0 && dev->control_mode == STEVE_CONTROL_MODE_TORQUE)
    {
      tau_device = CLAMP (dev->set_torque, -30.0, 30.0);
    }

  /* Shaft: the hand (if on) plus the motor plus any external torque, with
   * the motor torque held for the whole cycle. */
  target = hand_target (dev, now_s (dev), &target_vel);
  inertia = STEVE_SHAFT_INERTIA + (dev->profile == STEVE_SIM_PROFILE_IDLE ? 0.0 : HAND_INERTIA);
  dt = 0.001 / SUBSTEPS;

  for (guint i = 0; i < SUBSTEPS; i++)
    {
      double tau_hand = 0.0;
      double omega_r = 2 * G_PI * dev->omega;
      double alpha;

      if (dev->profile != STEVE_SIM_PROFILE_IDLE)
        tau_hand = HAND_STIFFNESS * 2 * G_PI * (target - dev->theta) +
                   HAND_DAMPING * 2 * G_PI * (target_vel - dev->omega);

      alpha = (tau_hand + tau_device + dev->ext_torque - BEARING_FRICTION * omega_r) / inertia;
      omega_r += alpha * dt;
      dev->omega = omega_r / (2 * G_PI);
      dev->theta += dev->omega * dt;
    }

  /* Temperatures drift towards a load-dependent level. */
  dev->fet_temp += (35.5 + 1.5 * fabs (tau_device) - dev->fet_temp) * 0.0005;
  dev->motor_temp += (31.0 + 2.5 * fabs (tau_device) - dev->motor_temp) * 0.0002;
  dev->fet_peak = MAX (dev->fet_peak, dev->fet_temp);
  dev->motor_peak = MAX (dev->motor_peak, dev->motor_temp);
  dev->bus_current = 0.02 + 0.35 * fabs (tau_device);
}

/* ------------------------------------------------------------------ presets persistence */

gboolean
steve_sim_device_load_presets (SteveSimDevice  *dev,
                               GKeyFile        *file,
                               GError         **error)
{
  StevePreset *loaded[STEVE_N_PRESETS] = { NULL };

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      g_autofree char *group = g_strdup_printf ("preset%u", i);
      g_autofree char *name = NULL;
      StevePreset *preset;

      if (!g_key_file_has_group (file, group))
        continue;

      name = g_key_file_get_string (file, group, "name", error);
      if (name == NULL)
        goto fail;

      preset = loaded[i] = steve_preset_new (i, name);
      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        {
          const char *key = steve_field_info (preset_fields[f])->key_firmware;
          g_autoptr(GError) local_error = NULL;
          double v = g_key_file_get_double (file, group, key, &local_error);

          if (local_error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              goto fail;
            }
          steve_config_set (&preset->config, preset_fields[f], v);
        }
    }

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    if (loaded[i] != NULL)
      {
        steve_preset_free (dev->presets[i]);
        dev->presets[i] = loaded[i];
      }

  return TRUE;

fail:
  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    steve_preset_free (loaded[i]);
  return FALSE;
}

GKeyFile *
steve_sim_device_save_presets (SteveSimDevice *dev)
{
  GKeyFile *file = g_key_file_new ();

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      g_autofree char *group = g_strdup_printf ("preset%u", i);

      g_key_file_set_string (file, group, "name", dev->presets[i]->name);
      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        g_key_file_set_double (file, group, steve_field_info (preset_fields[f])->key_firmware,
                               dev->presets[i]->config.values[preset_fields[f]]);
    }

  return file;
}

const StevePreset *
steve_sim_device_get_preset (SteveSimDevice *dev,
                             guint           index)
{
  g_return_val_if_fail (index < STEVE_N_PRESETS, NULL);
  return dev->presets[index];
}

/* ------------------------------------------------------------------ request bodies */

typedef struct
{
  JsonNode  *root;
  GPtrArray *keys;   /* const char*, body order */
  JsonObject *obj;
} Body;

static void
body_clear (Body *b)
{
  g_clear_pointer (&b->keys, g_ptr_array_unref);
  g_clear_pointer (&b->root, json_node_unref);
}

/* Parses a POST body like the firmware: a flat object of at most 64
 * tokens. On failure the response holds the error. */
static gboolean
parse_body (const char       *data,
            gsize             len,
            Body             *b,
            SteveSimResponse *resp)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  memset (b, 0, sizeof *b);

  if (len == 0)
    {
      steve_sim_response_set_error (resp, 400, "invalid_request");
      return FALSE;
    }

  if (!steve_json_parser_load (parser, data, (gssize) len, NULL))
    {
      steve_sim_response_set_error (resp, 400, "json_parse_error");
      return FALSE;
    }

  b->root = json_parser_steal_root (parser);
  if (b->root == NULL || !JSON_NODE_HOLDS_OBJECT (b->root))
    {
      steve_sim_response_set_error (resp, 400, b->root == NULL ? "json_parse_error" : "root_not_object");
      body_clear (b);
      return FALSE;
    }

  b->obj = json_node_get_object (b->root);
  if (1 + 2 * json_object_get_size (b->obj) > MAX_JSON_TOKENS)
    {
      steve_sim_response_set_error (resp, 400, "malformed_json");
      body_clear (b);
      return FALSE;
    }

  b->keys = g_ptr_array_new ();
  json_object_iter_init_ordered (&iter, b->obj);
  while (json_object_iter_next_ordered (&iter, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) && !JSON_NODE_HOLDS_NULL (value))
        {
          steve_sim_response_set_error (resp, 400, "malformed_json");
          body_clear (b);
          return FALSE;
        }
      g_ptr_array_add (b->keys, (gpointer) key);
    }

  return TRUE;
}

/* The raw token text of a value, lower-cased the way the device lower-cases
 * string values. */
static char *
value_text (JsonNode *node)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_ascii_strdown (json_node_get_string (node), -1);
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    default:
      return g_strdup ("");
    }
}

static gboolean
read_number (JsonNode *node,
             double   *out)
{
  g_autofree char *text = value_text (node);
  char *end = NULL;
  double v;

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    v = json_node_get_double (node);
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    v = (double) json_node_get_int (node);
  else
    {
      if (text[0] == '\0')
        return FALSE;
      v = g_ascii_strtod (text, &end);
      if (end == text || *end != '\0')
        return FALSE;
    }

  if (!isfinite (v))
    return FALSE;

  *out = v;
  return TRUE;
}

static gboolean
read_index (JsonNode *node,
            gint64   *out)
{
  g_autofree char *text = value_text (node);
  char *end = NULL;
  gint64 v;

  if (text[0] == '\0' || !(g_ascii_isdigit (text[0]) || text[0] == '-'))
    return FALSE;

  v = g_ascii_strtoll (text, &end, 10);
  if (*end != '\0')
    return FALSE;

  *out = v;
  return TRUE;
}

/* ------------------------------------------------------------------ GET handlers */

static void
get_status (SteveSimDevice   *dev,
            SteveSimResponse *resp)
{
  GString *s = g_string_new ("{");
  int state = dev->valve <= STEVE_VALVE_STATE_ERROR ? (int) dev->valve : 0;

  if (dev->dialect == STEVE_DIALECT_DOCUMENTED)
    {
      g_string_append_printf (s, "\"mode\":\"%s\",\"pos_deg\":",
                              dev->valve == STEVE_VALVE_STATE_RUNNING ? "running" : "idle");
      fmt (s, dev->snap.pos_deg, 2);
      g_string_append (s, ",\"vel_rad_s\":");
      fmt (s, dev->snap.omega_rad_s, 3);
      g_string_append (s, ",\"torque_nm\":");
      fmt (s, dev->snap.filt, 3);
      g_string_append (s, ",\"energy_j\":");
      fmt (s, dev->phys.tank_j, 3);
      g_string_append (s, ",\"loop_hz\":");
      fmt (s, dev->valve == STEVE_VALVE_STATE_RUNNING ? 1000.0 : 0.0, 1);
      g_string_append (s, ",\"pos_raw\":");
      fmt (s, dev->theta, 6);
      g_string_append (s, ",\"vel_raw\":");
      fmt (s, dev->omega, 6);
      g_string_append (s, "}");
    }
  else
    {
      g_string_append (s, "\"pos_deg\":");
      fmt (s, dev->snap.pos_deg, 2);
      g_string_append (s, ",\"vel_rad_s\":");
      fmt (s, dev->snap.omega_rad_s, 3);
      g_string_append (s, ",\"torque_nm\":");
      fmt (s, dev->snap.filt, 3);
      g_string_append_printf (s, ",\"status\":%d,\"temp_fet\":", state);
      fmt (s, dev->fet_peak, 1);
      g_string_append (s, ",\"temp_motor\":");
      fmt (s, dev->motor_peak, 1);
      g_string_append_printf (s, ",\"bus_voltage\":0.00,\"safety\":{\"errors\":%u,\"last_error\":%u,\"estops\":%u}}",
                              dev->safety_errors, dev->err, dev->safety_estops);
    }

  respond_json (resp, g_string_free (s, FALSE));
}

static void
append_config_field (GString        *s,
                     SteveSimDevice *dev,
                     SteveField      field,
                     gboolean        first)
{
  const SteveFieldInfo *info = steve_field_info (field);
  const char *key = dev->dialect == STEVE_DIALECT_DOCUMENTED ? info->key_documented : info->key_firmware;

  g_string_append_printf (s, "%s\"%s\":", first ? "" : ",", key);
  fmt (s, dev->config.values[field], info->decimals);
}

static void
get_config (SteveSimDevice   *dev,
            SteveSimResponse *resp)
{
  GString *s = g_string_new ("{");

  append_config_field (s, dev, STEVE_FIELD_CLOSED_POS, TRUE);
  append_config_field (s, dev, STEVE_FIELD_OPEN_POS, FALSE);
  if (dev->dialect == STEVE_DIALECT_DOCUMENTED)
    append_config_field (s, dev, STEVE_FIELD_DEGREES_PER_TURN, FALSE);
  append_config_field (s, dev, STEVE_FIELD_VISCOUS, FALSE);
  append_config_field (s, dev, STEVE_FIELD_COULOMB, FALSE);
  append_config_field (s, dev, STEVE_FIELD_WALL_STIFFNESS, FALSE);
  append_config_field (s, dev, STEVE_FIELD_WALL_DAMPING, FALSE);
  append_config_field (s, dev, STEVE_FIELD_SMOOTHING, FALSE);
  append_config_field (s, dev, STEVE_FIELD_TORQUE_LIMIT, FALSE);
  g_string_append_c (s, '}');

  respond_json (resp, g_string_free (s, FALSE));
}

static void
get_presets (SteveSimDevice   *dev,
             SteveSimResponse *resp)
{
  GString *s = g_string_new ("[");

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      const StevePreset *p = dev->presets[i];

      /* The firmware prints the name without escaping it. */
      g_string_append_printf (s, "%s{\"index\":%u,\"name\":\"%s\"", i ? "," : "", i, p->name);
      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        {
          const SteveFieldInfo *info = steve_field_info (preset_fields[f]);

          g_string_append_printf (s, ",\"%s\":", info->key_firmware);
          fmt (s, p->config.values[preset_fields[f]], info->decimals);
        }
      g_string_append_c (s, '}');
    }
  g_string_append_c (s, ']');

  respond_json (resp, g_string_free (s, FALSE));
}

static gboolean
odrive_answers (SteveSimDevice   *dev,
                SteveSimResponse *resp)
{
  if (dev->faults & STEVE_SIM_FAULT_ODRIVE_MISSING)
    {
      steve_sim_response_set_error (resp, 503, "odrive_unavailable");
      return FALSE;
    }
  return TRUE;
}

static void
get_odrive (SteveSimDevice   *dev,
            SteveSimResponse *resp)
{
  GString *s;

  if (!odrive_answers (dev, resp))
    return;

  if (dev->cycles < FIRST_TELEMETRY_MS)
    {
      steve_sim_response_set_error (resp, 500, "odrive_telemetry_failed");
      return;
    }

  if (dev->odrive_flaky_rate > 0 && g_rand_double (dev->rand) < dev->odrive_flaky_rate)
    {
      steve_sim_response_set_error (resp, 500, "odrive_status_failed");
      return;
    }

  s = g_string_new (NULL);
  g_string_append_printf (s, "{\"axis_error\":%u,\"axis_state\":%u,\"motor_flags\":%u,\"encoder_flags\":%u,"
                          "\"controller_status\":%u,\"position\":",
                          dev->axis_error, dev->axis_state, dev->motor_flags, dev->encoder_flags,
                          dev->controller_status);
  fmt (s, dev->theta, 6);
  g_string_append (s, ",\"velocity\":");
  fmt (s, dev->omega, 6);
  g_string_append (s, ",\"bus_voltage\":");
  fmt (s, dev->bus_voltage, 2);
  g_string_append (s, ",\"bus_current\":");
  fmt (s, dev->bus_current, 2);
  g_string_append (s, ",\"fet_temp\":");
  fmt (s, dev->fet_temp, 1);
  g_string_append (s, ",\"motor_temp\":");
  fmt (s, dev->motor_temp, 1);
  g_string_append_c (s, '}');

  respond_json (resp, g_string_free (s, FALSE));
}

static void
get_can (SteveSimDevice   *dev,
         SteveSimResponse *resp)
{
  GString *s = g_string_new (NULL);

  if (dev->dialect == STEVE_DIALECT_DOCUMENTED)
    {
      g_string_append_printf (s, "{\"tx_count\":%" G_GUINT64_FORMAT ",\"rx_count\":%" G_GUINT64_FORMAT
                              ",\"error_count\":%" G_GUINT64_FORMAT ",\"bus_state\":%u,\"position\":",
                              dev->can_tx, dev->can_rx, dev->can_errors,
                              (dev->faults & STEVE_SIM_FAULT_CAN_FAILURE) ? 3u : 0u);
      fmt (s, dev->theta, 6);
      g_string_append (s, ",\"velocity\":");
      fmt (s, dev->omega, 6);
      g_string_append (s, ",\"bus_voltage\":");
    }
  else
    {
      g_string_append_printf (s, "{\"bus\":{\"tx_count\":%" G_GUINT64_FORMAT ",\"rx_count\":%" G_GUINT64_FORMAT
                              ",\"error_count\":%" G_GUINT64_FORMAT ",\"last_error\":\"0x%08X\"},\"encoder\":{\"position\":",
                              dev->can_tx, dev->can_rx, dev->can_errors, dev->can_last_error);
      fmt (s, dev->theta, 6);
      g_string_append (s, ",\"velocity\":");
      fmt (s, dev->omega, 6);
      g_string_append (s, "},\"telemetry\":{\"bus_voltage\":");
    }

  fmt (s, dev->bus_voltage, 2);
  g_string_append (s, ",\"bus_current\":");
  fmt (s, dev->bus_current, 2);
  g_string_append (s, ",\"fet_temp\":");
  fmt (s, dev->fet_temp, 1);
  g_string_append (s, ",\"motor_temp\":");
  fmt (s, dev->motor_temp, 1);
  g_string_append (s, dev->dialect == STEVE_DIALECT_DOCUMENTED ? "}" : "}}");

  respond_json (resp, g_string_free (s, FALSE));
}

static void
get_stream (SteveSimDevice   *dev,
            SteveSimResponse *resp)
{
  respond_json (resp, g_strdup_printf ("{\"active\":%s,\"connected_clients\":%u,\"default_interval_ms\":%u,"
                                       "\"messages_sent\":%" G_GUINT64_FORMAT ",\"send_errors\":%" G_GUINT64_FORMAT
                                       ",\"invalid_samples\":%" G_GUINT64_FORMAT ",\"last_send_tick_ms\":%" G_GUINT64_FORMAT "}",
                                       dev->stream_active ? "true" : "false", dev->connected_clients,
                                       dev->default_interval, dev->messages_sent, dev->send_errors,
                                       dev->invalid_samples, dev->last_send_tick_ms));
}

static void
stats3 (const float *v,
        guint        n,
        double      *min,
        double      *max,
        double      *mean,
        double      *rms)
{
  double sum = 0, sq = 0;

  *min = n ? G_MAXDOUBLE : 0;
  *max = n ? -G_MAXDOUBLE : 0;
  for (guint i = 0; i < n; i++)
    {
      *min = MIN (*min, v[i]);
      *max = MAX (*max, v[i]);
      sum += v[i];
      sq += (double) v[i] * v[i];
    }
  *mean = n ? sum / n : 0;
  *rms = n ? sqrt (sq / n) : 0;
}

static void
get_performance (SteveSimDevice   *dev,
                 SteveSimResponse *resp)
{
  double v[STEVE_N_PERF] = { 0 };
  double loop_rms;
  guint crossings = 0;
  GString *s;

  if (dev->dialect != STEVE_DIALECT_DOCUMENTED)
    {
      steve_sim_response_set_error (resp, 404, "not_found");
      return;
    }

  stats3 (dev->perf_pos, dev->perf_n, &v[STEVE_PERF_POS_MIN_DEG], &v[STEVE_PERF_POS_MAX_DEG],
          &v[STEVE_PERF_POS_MEAN_DEG], &v[STEVE_PERF_POS_RMS_DEG]);
  stats3 (dev->perf_vel, dev->perf_n, &v[STEVE_PERF_VEL_MIN_RAD_S], &v[STEVE_PERF_VEL_MAX_RAD_S],
          &v[STEVE_PERF_VEL_MEAN_RAD_S], &v[STEVE_PERF_VEL_RMS_RAD_S]);
  stats3 (dev->perf_tau, dev->perf_n, &v[STEVE_PERF_TAU_MIN_NM], &v[STEVE_PERF_TAU_MAX_NM],
          &v[STEVE_PERF_TAU_MEAN_NM], &v[STEVE_PERF_TAU_RMS_NM]);
  stats3 (dev->perf_loop, dev->perf_n, &v[STEVE_PERF_LOOP_TOTAL_MIN_US], &v[STEVE_PERF_LOOP_TOTAL_MAX_US],
          &v[STEVE_PERF_LOOP_TOTAL_MEAN_US], &loop_rms);
  v[STEVE_PERF_LOOP_PHYSICS_MIN_US] = v[STEVE_PERF_LOOP_TOTAL_MIN_US] * 0.4;
  v[STEVE_PERF_LOOP_PHYSICS_MAX_US] = v[STEVE_PERF_LOOP_TOTAL_MAX_US] * 0.4;
  v[STEVE_PERF_LOOP_PHYSICS_MEAN_US] = v[STEVE_PERF_LOOP_TOTAL_MEAN_US] * 0.4;
  v[STEVE_PERF_POS_PEAK_TO_PEAK_DEG] = v[STEVE_PERF_POS_MAX_DEG] - v[STEVE_PERF_POS_MIN_DEG];
  v[STEVE_PERF_VEL_PEAK_TO_PEAK_RAD_S] = v[STEVE_PERF_VEL_MAX_RAD_S] - v[STEVE_PERF_VEL_MIN_RAD_S];
  for (guint i = 1; i < dev->perf_n; i++)
    {
      guint a = (dev->perf_i + PERF_WINDOW - dev->perf_n + i - 1) % PERF_WINDOW;
      guint b = (a + 1) % PERF_WINDOW;

      if ((dev->perf_vel[a] < 0) != (dev->perf_vel[b] < 0))
        crossings++;
    }
  v[STEVE_PERF_ZERO_CROSSING_HZ] = dev->perf_n ? crossings / (2.0 * dev->perf_n / 1000.0) : 0;
  v[STEVE_PERF_TORQUE_CLAMPS] = (double) dev->torque_clamps;
  v[STEVE_PERF_RATE_LIMITS] = 0;
  v[STEVE_PERF_STABILITY_EVENTS] = (double) dev->stability_events;

  s = g_string_new ("{");
  for (guint i = 0; i < STEVE_N_PERF; i++)
    {
      g_string_append_printf (s, "%s\"%s\":", i ? "," : "", steve_perf_key_name (i));
      fmt (s, v[i], steve_perf_key_decimals (i));
    }
  g_string_append_c (s, '}');
  respond_json (resp, g_string_free (s, FALSE));
}

/* ------------------------------------------------------------------ POST handlers */

static void
stage_config (SteveSimDevice    *dev,
              const SteveConfig *config)
{
  if (dev->valve == STEVE_VALVE_STATE_RUNNING || dev->valve == STEVE_VALVE_STATE_INITIALIZING)
    {
      dev->staged = *config;
      dev->has_staged = TRUE;
    }
  else
    {
      dev->config = *config;
      update_params (dev);
    }
}

static gboolean
firmware_validate (const SteveConfig *c)
{
  double closed = c->values[STEVE_FIELD_CLOSED_POS];
  double open = c->values[STEVE_FIELD_OPEN_POS];

  return closed < open &&
         open - closed <= STEVE_MAX_TRAVEL_DEG &&
         c->values[STEVE_FIELD_VISCOUS] >= 0 &&
         c->values[STEVE_FIELD_COULOMB] >= 0 &&
         c->values[STEVE_FIELD_WALL_STIFFNESS] >= 0 &&
         c->values[STEVE_FIELD_WALL_DAMPING] >= 0 &&
         c->values[STEVE_FIELD_SMOOTHING] > 0 &&
         c->values[STEVE_FIELD_DEGREES_PER_TURN] > 0;
}

static void
post_config (SteveSimDevice   *dev,
             const char       *data,
             gsize             len,
             SteveSimResponse *resp)
{
  Body b;
  SteveConfig work = dev->has_staged ? dev->staged : dev->config;
  guint32 mask = 0;
  guint count = 0;

  if (!parse_body (data, len, &b, resp))
    return;

  for (guint i = 0; i < b.keys->len; i++)
    {
      const char *key = g_ptr_array_index (b.keys, i);
      const SteveFieldInfo *info = steve_field_lookup_key (key, dev->dialect);
      JsonNode *node = json_object_get_member (b.obj, key);
      double v;

      if (info == NULL)
        continue;  /* unknown keys are ignored */

      if (!read_number (node, &v))
        {
          steve_sim_response_set_error (resp, 400, info->error_code);
          body_clear (&b);
          return;
        }

      if (info->field == STEVE_FIELD_TRAVEL)
        work.values[STEVE_FIELD_OPEN_POS] = work.values[STEVE_FIELD_CLOSED_POS] + v;
      else
        work.values[info->field] = v;

      mask |= info->mask_bit;
      count++;
    }
  body_clear (&b);

  if (count == 0)
    {
      steve_sim_response_set_error (resp, 400, "no_fields");
      return;
    }

  if (!firmware_validate (&work))
    {
      steve_sim_response_set_error (resp, 400, "config_update_failed");
      return;
    }

  stage_config (dev, &work);

  if (dev->dialect == STEVE_DIALECT_DOCUMENTED)
    respond_json (resp, g_strdup_printf ("{\"status\":\"ok\",\"fields_updated\":%u}", count));
  else
    respond_json (resp, g_strdup_printf ("{\"status\":\"ok\",\"mask\":%u}", mask));
}

static gboolean
apply_preset (SteveSimDevice   *dev,
              guint             index,
              SteveSimResponse *resp)
{
  SteveConfig work = dev->has_staged ? dev->staged : dev->config;

  /* Over REST the device forces the travel to 90° whatever the slot holds. */
  load_preset_into_config (dev, &work, dev->presets[index], 90.0);

  if (!firmware_validate (&work) || work.values[STEVE_FIELD_TORQUE_LIMIT] <= 0)
    {
      steve_sim_response_set_error (resp, 400, "preset_invalid");
      return FALSE;
    }

  stage_config (dev, &work);
  return TRUE;
}

static gboolean
odrive_can_close_loop (SteveSimDevice *dev)
{
  return !(dev->faults & STEVE_SIM_FAULT_ODRIVE_MISSING) &&
         !(dev->faults & STEVE_SIM_FAULT_ENCODER_STALE) &&
         dev->calibrated && !dev->calibrating;
}

static void
post_control (SteveSimDevice   *dev,
              const char       *data,
              gsize             len,
              SteveSimResponse *resp)
{
  Body b;
  JsonNode *preset_node, *action_node;
  gboolean preset_applied = FALSE;
  SteveControlAction action = STEVE_CONTROL_NONE;

  if (!parse_body (data, len, &b, resp))
    return;

  preset_node = json_object_get_member (b.obj, "preset");
  action_node = json_object_get_member (b.obj, "action");

  if (preset_node == NULL && action_node == NULL)
    {
      body_clear (&b);
      steve_sim_response_set_error (resp, 400, "no_control_action");
      return;
    }

  if (action_node != NULL)
    {
      g_autofree char *text = NULL;

      if (!JSON_NODE_HOLDS_VALUE (action_node) || json_node_get_value_type (action_node) != G_TYPE_STRING)
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "invalid_action");
          return;
        }
      text = value_text (action_node);
      if (g_str_equal (text, "start"))
        action = STEVE_CONTROL_START;
      else if (g_str_equal (text, "stop"))
        action = STEVE_CONTROL_STOP;
      else
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "unsupported_action");
          return;
        }
    }

  if (preset_node != NULL)
    {
      gint64 index = -1;

      if (!read_index (preset_node, &index))
        {
          g_autofree char *name = value_text (preset_node);

          /* The documented dialect also takes a preset by name. */
          index = -1;
          if (dev->dialect == STEVE_DIALECT_DOCUMENTED)
            for (guint i = 0; i < STEVE_N_PRESETS; i++)
              if (g_ascii_strcasecmp (dev->presets[i]->name, name) == 0)
                index = i;

          if (index < 0)
            {
              body_clear (&b);
              steve_sim_response_set_error (resp, 400, "invalid_preset");
              return;
            }
        }

      if (index < 0 || index >= STEVE_N_PRESETS)
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "unsupported_preset");
          return;
        }

      if (!apply_preset (dev, (guint) index, resp))
        {
          body_clear (&b);
          return;
        }
      preset_applied = TRUE;
    }
  body_clear (&b);

  if (action == STEVE_CONTROL_START)
    {
      if (dev->valve != STEVE_VALVE_STATE_IDLE)
        {
          steve_sim_response_set_error (resp, 500, "start_failed");
          return;
        }

      dev->start_ok = odrive_can_close_loop (dev);
      if (!(dev->faults & STEVE_SIM_FAULT_ODRIVE_MISSING))
        {
          dev->axis_error = 0;
          dev->motor_flags = dev->encoder_flags = 0;
        }
      dev->valve = STEVE_VALVE_STATE_INITIALIZING;
      dev->start_pending = TRUE;
      dev->start_preset_applied = preset_applied;
      dev->start_done_ms = dev->cycles + (dev->start_ok ? START_TIME_MS : START_FAIL_TIME_MS);
      resp->defer = STEVE_SIM_DEFER_START;
      resp->status = 0;
      return;
    }

  if (action == STEVE_CONTROL_STOP)
    {
      dev->valve = STEVE_VALVE_STATE_IDLE;
      dev->start_pending = FALSE;
      dev->start_ok = FALSE;
      dev->commanded = 0;
      dev->applied = 0;
      dev->set_torque = 0;
      if (!(dev->faults & STEVE_SIM_FAULT_ODRIVE_MISSING) && !dev->calibrating)
        dev->axis_state = STEVE_AXIS_STATE_IDLE;
    }

  respond_json (resp, g_strdup_printf ("{\"status\":\"ok\",\"mode\":\"%s\",\"preset_applied\":%s}",
                                       dev->valve == STEVE_VALVE_STATE_RUNNING ? "running" : "idle",
                                       preset_applied ? "true" : "false"));
}

gboolean
steve_sim_device_start_pending (SteveSimDevice *dev)
{
  return dev->start_pending;
}

void
steve_sim_device_start_result (SteveSimDevice   *dev,
                               SteveSimResponse *resp)
{
  resp->defer = STEVE_SIM_DEFER_NONE;

  if (dev->start_ok && dev->valve == STEVE_VALVE_STATE_RUNNING)
    respond_json (resp, g_strdup_printf ("{\"status\":\"ok\",\"mode\":\"running\",\"preset_applied\":%s}",
                                         dev->start_preset_applied ? "true" : "false"));
  else
    steve_sim_response_set_error (resp, 500, "start_failed");
}

static void
post_presets (SteveSimDevice   *dev,
              const char       *data,
              gsize             len,
              SteveSimResponse *resp)
{
  Body b;
  JsonNode *node;
  gint64 index = -1;
  StevePreset *slot;
  SteveConfig values;
  g_autofree char *name = NULL;

  if (!parse_body (data, len, &b, resp))
    return;

  node = json_object_get_member (b.obj, "index");
  if (node == NULL || !read_index (node, &index) || index < 0 || index >= STEVE_N_PRESETS)
    {
      body_clear (&b);
      steve_sim_response_set_error (resp, 400, "invalid_index");
      return;
    }
  slot = dev->presets[index];

  if (json_object_has_member (b.obj, "save_current"))
    {
      /* Any presence of the key copies the active config (even false). */
      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        {
          SteveField field = preset_fields[f];

          if (field == STEVE_FIELD_TRAVEL)
            steve_config_set (&slot->config, field,
                              dev->config.values[STEVE_FIELD_OPEN_POS] - dev->config.values[STEVE_FIELD_CLOSED_POS]);
          else
            steve_config_set (&slot->config, field, dev->config.values[field]);
        }
      body_clear (&b);
      respond_json (resp, g_strdup ("{\"status\":\"ok\"}"));
      resp->save_state = TRUE;
      return;
    }

  node = json_object_get_member (b.obj, "name");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      name = value_text (node);
      if (strlen (name) > STEVE_PRESET_NAME_MAX)
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "invalid_name");
          return;
        }
    }

  memset (&values, 0, sizeof values);
  for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
    {
      SteveField field = preset_fields[f];
      const SteveFieldInfo *info = steve_field_info (field);
      double v;

      node = json_object_get_member (b.obj, info->key_firmware);
      if (node == NULL)
        {
          /* missing: physics fields 0, travel 90, the rest kept */
          if (field == STEVE_FIELD_TRAVEL)
            v = 90.0;
          else if (field == STEVE_FIELD_TORQUE_LIMIT || field == STEVE_FIELD_SMOOTHING)
            v = slot->config.values[field];
          else
            v = 0.0;
        }
      else if (!read_number (node, &v))
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, info->error_code);
          return;
        }

      if (v < 0 || (field == STEVE_FIELD_TRAVEL && v <= 0))
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "invalid_values");
          return;
        }
      steve_config_set (&values, field, v);
    }
  body_clear (&b);

  slot->config = values;
  if (name != NULL && name[0] != '\0')
    {
      g_free (slot->name);
      slot->name = g_steal_pointer (&name);
    }

  /* "ok" goes out before the flash write: a failed write is not reported. */
  respond_json (resp, g_strdup ("{\"status\":\"ok\"}"));
  resp->save_state = TRUE;
}

static void
post_odrive (SteveSimDevice   *dev,
             const char       *data,
             gsize             len,
             SteveSimResponse *resp)
{
  static const char * const actions[] = {
    "ping", "enable", "disable", "estop", "clear", "calibrate",
    "set_mode", "set_torque", "set_velocity", "set_position",
  };
  Body b;
  JsonNode *node;
  g_autofree char *text = NULL;
  int action = -1;
  double value = 0;

  if (!parse_body (data, len, &b, resp))
    return;

  node = json_object_get_member (b.obj, "action");
  if (node == NULL)
    {
      body_clear (&b);
      steve_sim_response_set_error (resp, 400, "missing_action");
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      body_clear (&b);
      steve_sim_response_set_error (resp, 400, "invalid_action");
      return;
    }

  text = value_text (node);
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    if (g_str_equal (text, actions[i]))
      action = (int) i;

  if (action < 0)
    {
      body_clear (&b);
      steve_sim_response_set_error (resp, 400, "unsupported_action");
      return;
    }

  if (action >= STEVE_ODRIVE_ACTION_SET_MODE)
    {
      node = json_object_get_member (b.obj, "value");
      if (node == NULL)
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "missing_value");
          return;
        }
      if (!read_number (node, &value))
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "invalid_value");
          return;
        }
    }
  body_clear (&b);

  if (!odrive_answers (dev, resp))
    return;

  switch ((SteveOdriveAction) action)
    {
    case STEVE_ODRIVE_ACTION_PING:
      break;

    case STEVE_ODRIVE_ACTION_ENABLE:
      if (!dev->calibrated || dev->calibrating || dev->axis_error != 0)
        {
          steve_sim_response_set_error (resp, 500, "odrive_command_failed");
          return;
        }
      dev->axis_state = STEVE_AXIS_STATE_CLOSED_LOOP_CONTROL;
      break;

    case STEVE_ODRIVE_ACTION_DISABLE:
      if (!dev->calibrating)
        dev->axis_state = STEVE_AXIS_STATE_IDLE;
      break;

    case STEVE_ODRIVE_ACTION_ESTOP:
      dev->axis_error |= AXIS_ERROR_ESTOP;
      dev->axis_state = STEVE_AXIS_STATE_IDLE;
      dev->calibrating = FALSE;
      dev->set_torque = 0;
      dev->safety_estops++;
      break;

    case STEVE_ODRIVE_ACTION_CLEAR:
      dev->axis_error = 0;
      dev->motor_flags = dev->encoder_flags = 0;
      break;

    case STEVE_ODRIVE_ACTION_CALIBRATE:
      if (dev->valve == STEVE_VALVE_STATE_RUNNING || dev->calibrating || dev->axis_error != 0)
        {
          steve_sim_response_set_error (resp, 500, "odrive_command_failed");
          return;
        }
      dev->calibrating = TRUE;
      dev->calib_start_ms = dev->cycles;
      dev->axis_state = STEVE_AXIS_STATE_FULL_CALIBRATION;
      break;

    case STEVE_ODRIVE_ACTION_SET_MODE:
      if (value != floor (value) || value < 0 || value > 3)
        {
          steve_sim_response_set_error (resp, 400, "invalid_mode");
          return;
        }
      dev->control_mode = (guint) value;
      break;

    case STEVE_ODRIVE_ACTION_SET_TORQUE:
      dev->set_torque = value;
      break;

    case STEVE_ODRIVE_ACTION_SET_VELOCITY:
      dev->set_velocity = value;
      break;

    case STEVE_ODRIVE_ACTION_SET_POSITION:
      dev->set_position = value;
      break;

    default:
      g_assert_not_reached ();
    }

  respond_json (resp, g_strdup ("{\"status\":\"ok\"}"));
}

static void
post_stream (SteveSimDevice   *dev,
             const char       *data,
             gsize             len,
             SteveSimResponse *resp)
{
  Body b;
  JsonNode *node;
  g_autofree char *text = NULL;
  double interval = STEVE_STREAM_INTERVAL_DEFAULT;

  if (!parse_body (data, len, &b, resp))
    return;

  node = json_object_get_member (b.obj, "action");
  if (node == NULL)
    {
      body_clear (&b);
      steve_sim_response_set_error (resp, 400, "missing_action");
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      body_clear (&b);
      steve_sim_response_set_error (resp, 400, "invalid_action");
      return;
    }
  text = value_text (node);

  if (g_str_equal (text, "start"))
    {
      node = json_object_get_member (b.obj, "interval_ms");
      if (node != NULL && !read_number (node, &interval))
        {
          body_clear (&b);
          steve_sim_response_set_error (resp, 400, "invalid_interval_ms");
          return;
        }
      body_clear (&b);

      dev->default_interval = (guint) CLAMP (round (interval), STEVE_STREAM_INTERVAL_MIN, STEVE_STREAM_INTERVAL_MAX);
      dev->stream_active = TRUE;
      resp->stream_changed = TRUE;
      respond_json (resp, g_strdup (dev->dialect == STEVE_DIALECT_DOCUMENTED
                                      ? "{\"status\":\"success\",\"message\":\"stream_started\"}"
                                      : "{\"status\":\"ok\"}"));
      return;
    }

  if (g_str_equal (text, "stop"))
    {
      body_clear (&b);
      dev->stream_active = FALSE;
      resp->stream_changed = TRUE;
      respond_json (resp, g_strdup (dev->dialect == STEVE_DIALECT_DOCUMENTED
                                      ? "{\"status\":\"success\",\"message\":\"stream_stopped\"}"
                                      : "{\"status\":\"ok\"}"));
      return;
    }

  body_clear (&b);
  steve_sim_response_set_error (resp, 400, "unsupported_action");
}

/* ------------------------------------------------------------------ routing */

static const char index_html[] =
  "<!DOCTYPE html>\n"
  "<html><head><meta charset=\"utf-8\"><title>STEVE valve</title></head>\n"
  "<body style=\"font-family:sans-serif\">\n"
  "<h1>STEVE haptic valve</h1>\n"
  "<p>Simulated device. REST API at <code>/api/v1/</code> (header <code>X-API-Key</code>),\n"
  "telemetry on TCP port 8888 while streaming is started.</p>\n"
  "</body></html>\n";

typedef enum
{
  ROUTE_GET = 1 << 0,
  ROUTE_POST = 1 << 1,
  ROUTE_VALVE = 1 << 2,   /* 503 valve_uninitialized when the valve is not up */
} RouteFlags;

typedef void (*GetHandler) (SteveSimDevice *, SteveSimResponse *);
typedef void (*PostHandler) (SteveSimDevice *, const char *, gsize, SteveSimResponse *);

static const struct
{
  const char *path;
  RouteFlags  flags;
  GetHandler  get;
  PostHandler post;
} routes[] = {
  { "/api/v1/status", ROUTE_GET | ROUTE_VALVE, get_status, NULL },
  { "/api/v1/config", ROUTE_GET | ROUTE_POST | ROUTE_VALVE, get_config, post_config },
  { "/api/v1/control", ROUTE_POST | ROUTE_VALVE, NULL, post_control },
  { "/api/v1/presets", ROUTE_GET | ROUTE_POST | ROUTE_VALVE, get_presets, post_presets },
  { "/api/v1/odrive", ROUTE_GET | ROUTE_POST, get_odrive, post_odrive },
  { "/api/v1/can", ROUTE_GET, get_can, NULL },
  { "/api/v1/performance", ROUTE_GET, get_performance, NULL },
  { "/api/v1/stream", ROUTE_GET | ROUTE_POST, get_stream, post_stream },
};

/**
 * steve_sim_device_handle:
 * @method: "GET" or "POST" (the HTTP layer rejects other methods)
 * @path: the exact request URI
 * @api_key: (nullable): the X-API-Key header value
 *
 * Answers one REST request. A response with @defer set is completed later
 * (see steve_sim_device_start_result()).
 */
void
steve_sim_device_handle (SteveSimDevice   *dev,
                         const char       *method,
                         const char       *path,
                         const char       *api_key,
                         const char       *body,
                         gsize             body_len,
                         SteveSimResponse *resp)
{
  gboolean is_get = g_str_equal (method, "GET");

  memset (resp, 0, sizeof *resp);

  if (g_str_equal (path, "/") && is_get)
    {
      resp->status = 200;
      resp->content_type = "text/html";
      resp->body = g_strdup (index_html);
      return;
    }

  if (g_str_has_prefix (path, "/api/") &&
      (api_key == NULL || g_strcmp0 (api_key, dev->api_key) != 0))
    {
      steve_sim_response_set_error (resp, 401, "unauthorized");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (!g_str_equal (path, routes[i].path))
        continue;

      if (is_get ? !(routes[i].flags & ROUTE_GET) : !(routes[i].flags & ROUTE_POST))
        break;

      if ((routes[i].flags & ROUTE_VALVE) && dev->valve == STEVE_VALVE_STATE_NO_DATA)
        {
          steve_sim_response_set_error (resp, 503, "valve_uninitialized");
          return;
        }

      if (is_get)
        routes[i].get (dev, resp);
      else
        routes[i].post (dev, body ? body : "", body_len, resp);
      return;
    }

  steve_sim_response_set_error (resp, 404, "not_found");
}

/* ------------------------------------------------------------------ stream */

gboolean
steve_sim_device_stream_active (SteveSimDevice *dev)
{
  return dev->stream_active;
}

guint
steve_sim_device_stream_interval (SteveSimDevice *dev)
{
  return dev->default_interval;
}

void
steve_sim_device_stream_force_stop (SteveSimDevice *dev)
{
  dev->stream_active = FALSE;
}

void
steve_sim_device_count_stream (SteveSimDevice *dev,
                               guint           connected_clients,
                               guint64         sent,
                               guint64         errors,
                               guint64         invalid)
{
  dev->connected_clients = connected_clients;
  dev->messages_sent += sent;
  dev->send_errors += errors;
  dev->invalid_samples += invalid;
  if (sent)
    dev->last_send_tick_ms = dev->cycles;
}

/**
 * steve_sim_device_fill_sample:
 *
 * The sample the stream sends now. While the valve is not running every
 * sample repeats the last state of the previous run.
 */
void
steve_sim_device_fill_sample (SteveSimDevice *dev,
                              SteveSample    *s)
{
  memset (s, 0, sizeof *s);
  s->timestamp_ms = (guint32) dev->cycles;
  s->t_us = dev->snap.t_us;
  s->loop_time_us = dev->snap.loop_time_us;
  s->seq = dev->snap.seq;
  s->position_turns = dev->snap.pos_turns;
  s->position_deg = dev->snap.pos_deg;
  s->torque_nm = dev->snap.torque;
  s->filt_torque_nm = dev->snap.filt;
  s->omega_rad_s = dev->snap.omega_rad_s;
  s->passivity_mj = dev->snap.passivity_mj;
  s->quiet = dev->snap.quiet;
  s->err = dev->err;
  s->status = dev->valve == STEVE_VALVE_STATE_INITIALIZING ? STEVE_VALVE_STATE_IDLE : dev->valve;
  s->hb_age = dev->valve == STEVE_VALVE_STATE_RUNNING ? (guint32) (dev->cycles - dev->last_hb_ms)
                                                      : STEVE_HB_AGE_NOT_RUNNING;
  s->data_valid = dev->snap.valid;
  s->present = STEVE_SAMPLE_ALL_FIELDS;
}

gsize
steve_sim_device_format_hello (SteveSimDevice *dev,
                               guint           interval_ms,
                               char           *buf,
                               gsize           size)
{
  int n;

  if (dev->dialect == STEVE_DIALECT_DOCUMENTED)
    n = g_snprintf (buf, size, "{\"stream\":\"ready\",\"interval_ms\":%u,\"version\":\"1.0\"}\n", interval_ms);
  else
    n = g_snprintf (buf, size, "{\"stream\":\"valve\",\"message\":\"connected\",\"interval_ms\":%u}\n", interval_ms);

  return n > 0 && (gsize) n < size ? (gsize) n : 0;
}

/**
 * steve_sim_device_format_sync:
 * @token: (nullable): the token of the `sync` command, already cut to 47
 *   characters; like the firmware, it is not escaped
 */
gsize
steve_sim_device_format_sync (SteveSimDevice *dev,
                              const char     *token,
                              char           *buf,
                              gsize           size)
{
  int n;

  if (token != NULL)
    n = g_snprintf (buf, size, "{\"sync\":\"ok\",\"t_us\":%" G_GUINT64_FORMAT ",\"seq\":%u,\"timestamp_ms\":%u,\"token\":\"%s\"}\n",
                    dev->snap.t_us, dev->snap.seq, (guint32) dev->cycles, token);
  else
    n = g_snprintf (buf, size, "{\"sync\":\"ok\",\"t_us\":%" G_GUINT64_FORMAT ",\"seq\":%u,\"timestamp_ms\":%u}\n",
                    dev->snap.t_us, dev->snap.seq, (guint32) dev->cycles);

  return n > 0 && (gsize) n < size ? (gsize) n : 0;
}

/* ------------------------------------------------------------------ inspection */

void
steve_sim_device_get_config (SteveSimDevice *dev,
                             SteveConfig    *config)
{
  *config = dev->config;
}

SteveValveState
steve_sim_device_get_valve_state (SteveSimDevice *dev)
{
  return dev->valve;
}

guint
steve_sim_device_get_axis_state (SteveSimDevice *dev)
{
  return dev->axis_state;
}

guint32
steve_sim_device_get_axis_error (SteveSimDevice *dev)
{
  return dev->axis_error;
}

double
steve_sim_device_get_position_turns (SteveSimDevice *dev)
{
  return dev->theta;
}
