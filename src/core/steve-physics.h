/* steve-physics.h — the valve physics of protocol §4 as pure functions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the simulator (which runs steve_physics_step() at 1 kHz) and
 * the UI's model overlay (which draws steve_physics_torque() curves).
 */
#pragma once

#include <glib.h>

#include "steve-protocol.h"

G_BEGIN_DECLS

#define STEVE_PHYSICS_LOWPASS_HZ     400.0
#define STEVE_PHYSICS_TANK_MIN_J     (-2.0)
#define STEVE_PHYSICS_WALL_DEADBAND  1e-6
#define STEVE_SHAFT_INERTIA          1e-4

/**
 * StevePhysicsParams:
 *
 * A config in the units the control law uses: walls in turns relative to
 * the encoder position at start.
 */
typedef struct
{
  double viscous;        /* b, N·m·s/rad */
  double coulomb;        /* τc, N·m */
  double wall_stiffness; /* k_w, N·m/turn */
  double wall_damping;   /* c_w, N·m·s/turn */
  double smoothing;      /* ε */
  double torque_limit;   /* N·m */
  double closed_turns;
  double open_turns;
} StevePhysicsParams;

/**
 * StevePhysicsTerms:
 *
 * The parts of one torque evaluation (all N·m).
 */
typedef struct
{
  double   viscous;
  double   coulomb;
  double   wall;
  double   unclamped;
  double   torque;        /* clamped to ±torque_limit */
  double   penetration;   /* turns; < 0 below closed, > 0 above open */
  gboolean clamped;
} StevePhysicsTerms;

/**
 * StevePhysicsState:
 *
 * What the control loop carries from one cycle to the next.
 */
typedef struct
{
  double   filtered;   /* low-pass output, N·m */
  double   tank_j;     /* passivity energy tank, ≤ 0 */
  gboolean quiet;      /* quiet gate decided at start */
} StevePhysicsState;

typedef struct
{
  double   commanded;          /* clamp output */
  double   applied;            /* after low-pass, passivity and quiet gate */
  gboolean clamped;
  gboolean passivity_limited;
} StevePhysicsOutput;

void   steve_physics_params_from_config (StevePhysicsParams       *params,
                                         const SteveConfig        *config);
double steve_physics_torque             (const StevePhysicsParams *params,
                                         double                    theta_turns,
                                         double                    omega_turns_s,
                                         StevePhysicsTerms        *terms);
void   steve_physics_state_reset        (StevePhysicsState        *state,
                                         gboolean                  quiet);
void   steve_physics_step               (const StevePhysicsParams *params,
                                         StevePhysicsState        *state,
                                         double                    theta_turns,
                                         double                    omega_turns_s,
                                         double                    dt,
                                         StevePhysicsOutput       *out);

G_END_DECLS
