/* steve-physics.c — the valve physics of protocol §4
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "steve-physics"

#include "config.h"

#include <math.h>

#include "steve-field.h"
#include "steve-physics.h"

/**
 * steve_physics_params_from_config:
 *
 * Converts @config (degrees, per-field units) into control-law units.
 * Fields the config does not know take their factory value, and a missing
 * degrees_per_turn is the firmware's fixed 360.
 */
void
steve_physics_params_from_config (StevePhysicsParams *params,
                                  const SteveConfig  *config)
{
  double v[STEVE_N_FIELDS];
  double dpt;

  g_return_if_fail (params != NULL);
  g_return_if_fail (config != NULL);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    v[i] = steve_config_has (config, i) ? config->values[i] : steve_field_info (i)->default_value;

  dpt = steve_config_get_degrees_per_turn (config);

  params->viscous = v[STEVE_FIELD_VISCOUS];
  params->coulomb = v[STEVE_FIELD_COULOMB];
  params->wall_stiffness = v[STEVE_FIELD_WALL_STIFFNESS];
  params->wall_damping = v[STEVE_FIELD_WALL_DAMPING];
  params->smoothing = v[STEVE_FIELD_SMOOTHING];
  params->torque_limit = v[STEVE_FIELD_TORQUE_LIMIT];
  params->closed_turns = v[STEVE_FIELD_CLOSED_POS] / dpt;
  params->open_turns = v[STEVE_FIELD_OPEN_POS] / dpt;
}

/**
 * steve_physics_torque:
 * @theta_turns: shaft angle relative to the position at start, turns
 * @omega_turns_s: shaft velocity, turns/s
 * @terms: (out) (optional): the parts of the evaluation
 *
 * The static control law: viscous + smooth-sign Coulomb + walls, clamped.
 * Pure: no filter, no tank (those are in steve_physics_step()).
 *
 * Returns: the clamped torque in N·m
 */
double
steve_physics_torque (const StevePhysicsParams *params,
                      double                    theta_turns,
                      double                    omega_turns_s,
                      StevePhysicsTerms        *terms)
{
  double omega_r = 2.0 * G_PI * omega_turns_s;
  double visc, coul, wall, p, sum, limit, tau;

  g_return_val_if_fail (params != NULL, 0.0);

  visc = -params->viscous * omega_r;
  coul = -params->coulomb * omega_r / sqrt (omega_r * omega_r + params->smoothing * params->smoothing);
  if (!isfinite (coul))
    coul = 0.0;

  p = MIN (0.0, theta_turns - params->closed_turns) + MAX (0.0, theta_turns - params->open_turns);
  wall = fabs (p) < STEVE_PHYSICS_WALL_DEADBAND ? 0.0
                                                : -params->wall_stiffness * p - params->wall_damping * omega_turns_s;

  sum = visc + coul + wall;
  limit = MAX (0.0, params->torque_limit);
  tau = CLAMP (sum, -limit, limit);

  if (terms)
    {
      terms->viscous = visc;
      terms->coulomb = coul;
      terms->wall = wall;
      terms->unclamped = sum;
      terms->torque = tau;
      terms->penetration = p;
      terms->clamped = tau != sum;
    }

  return tau;
}

void
steve_physics_state_reset (StevePhysicsState *state,
                           gboolean           quiet)
{
  g_return_if_fail (state != NULL);

  state->filtered = 0.0;
  state->tank_j = 0.0;
  state->quiet = quiet;
}

/**
 * steve_physics_step:
 * @dt: the cycle time, seconds (0.001 on the device)
 *
 * One control cycle: torque law, clamp, 400 Hz first-order low-pass,
 * passivity tank (the tank never goes above 0 and is capped at −2 J: when
 * the torque would inject more energy than the tank holds, it is reduced),
 * and the quiet gate.
 */
void
steve_physics_step (const StevePhysicsParams *params,
                    StevePhysicsState        *state,
                    double                    theta_turns,
                    double                    omega_turns_s,
                    double                    dt,
                    StevePhysicsOutput       *out)
{
  StevePhysicsTerms terms;
  double omega_r = 2.0 * G_PI * omega_turns_s;
  double tau_lp = 1.0 / (2.0 * G_PI * STEVE_PHYSICS_LOWPASS_HZ);
  double alpha = dt / (dt + tau_lp);
  double applied, power;
  gboolean limited = FALSE;

  g_return_if_fail (params != NULL);
  g_return_if_fail (state != NULL);
  g_return_if_fail (out != NULL);

  steve_physics_torque (params, theta_turns, omega_turns_s, &terms);

  state->filtered += alpha * (terms.torque - state->filtered);
  applied = state->filtered;

  if (state->quiet)
    applied = 0.0;

  power = applied * omega_r;
  if (power > 0.0 && state->tank_j + power * dt > 0.0)
    {
      /* Only the energy in the tank may be given back. */
      applied = -state->tank_j / (omega_r * dt);
      limited = TRUE;
    }

  state->tank_j += applied * omega_r * dt;
  if (state->tank_j > 0.0)
    state->tank_j = 0.0;
  if (state->tank_j < STEVE_PHYSICS_TANK_MIN_J)
    state->tank_j = STEVE_PHYSICS_TANK_MIN_J;

  out->commanded = terms.torque;
  out->applied = applied;
  out->clamped = terms.clamped;
  out->passivity_limited = limited;
}
