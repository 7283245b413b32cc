/* test-physics.c — unit tests of the valve physics (protocol §4)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "steve-field.h"
#include "steve-physics.h"
#include "steve-protocol.h"

#define EPS 1e-12
#define DT 0.001

/* b 0.05, τc 0.1, k_w 20, c_w 0.3, ε 0.001, limit 8, walls at 0 and ¼ turn */
static StevePhysicsParams
test_params (void)
{
  StevePhysicsParams p;

  p.viscous = 0.05;
  p.coulomb = 0.1;
  p.wall_stiffness = 20.0;
  p.wall_damping = 0.3;
  p.smoothing = 0.001;
  p.torque_limit = 8.0;
  p.closed_turns = 0.0;
  p.open_turns = 0.25;
  return p;
}

static void
assert_terms (const StevePhysicsParams *p,
              double theta, double omega,
              double viscous, double coulomb, double wall, double penetration)
{
  StevePhysicsTerms t;
  double sum = viscous + coulomb + wall;
  double clamped = CLAMP (sum, -p->torque_limit, p->torque_limit);
  double tau = steve_physics_torque (p, theta, omega, &t);

  g_assert_cmpfloat_with_epsilon (t.viscous, viscous, EPS);
  g_assert_cmpfloat_with_epsilon (t.coulomb, coulomb, EPS);
  g_assert_cmpfloat_with_epsilon (t.wall, wall, EPS);
  g_assert_cmpfloat_with_epsilon (t.penetration, penetration, EPS);
  g_assert_cmpfloat_with_epsilon (t.unclamped, sum, EPS);
  g_assert_cmpfloat_with_epsilon (t.torque, clamped, EPS);
  g_assert_cmpfloat (tau, ==, t.torque);
  g_assert_cmpint (t.clamped, ==, fabs (sum) > p->torque_limit);

  /* terms are optional */
  g_assert_cmpfloat (steve_physics_torque (p, theta, omega, NULL), ==, tau);
}

static void
test_torque_inside (void)
{
  StevePhysicsParams p = test_params ();
  double wr;

  /* at rest between the walls: nothing */
  assert_terms (&p, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0);
  g_assert_cmpfloat (steve_physics_torque (&p, 0.1, 0.0, NULL), ==, 0.0);

  /* ½ turn/s: ω_r = π; τ_visc = −0.05·π, τ_coul = −0.1·π/√(π² + 0.001²) */
  wr = G_PI;
  assert_terms (&p, 0.1, 0.5,
                -0.05 * wr, -0.1 * wr / sqrt (wr * wr + 1e-6), 0.0, 0.0);
  g_assert_cmpfloat_with_epsilon (steve_physics_torque (&p, 0.1, 0.5, NULL), -0.2570796276, 1e-9);

  /* the same backwards: the torque changes sign */
  assert_terms (&p, 0.1, -0.5,
                0.05 * wr, 0.1 * wr / sqrt (wr * wr + 1e-6), 0.0, 0.0);
  g_assert_cmpfloat_with_epsilon (steve_physics_torque (&p, 0.1, -0.5, NULL), 0.2570796276, 1e-9);

  /* ω_r = ε: the smooth sign is 1/√2 */
  assert_terms (&p, 0.2, 0.001 / (2.0 * G_PI),
                -0.05 * 0.001, -0.1 / sqrt (2.0), 0.0, 0.0);

  /* fast: Coulomb saturates at τc */
  {
    StevePhysicsTerms t;

    steve_physics_torque (&p, 0.2, 10.0, &t);
    g_assert_cmpfloat_with_epsilon (t.coulomb, -0.1, 1e-9);
    g_assert_cmpfloat_with_epsilon (t.viscous, -0.05 * 20.0 * G_PI, EPS);
  }

  /* exactly on the walls: no penetration */
  assert_terms (&p, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  assert_terms (&p, 0.25, 0.0, 0.0, 0.0, 0.0, 0.0);
}

static void
test_torque_walls (void)
{
  StevePhysicsParams p = test_params ();
  double wr;

  /* 0.05 turn below closed, at rest: τ_wall = −20·(−0.05) = 1.0 */
  assert_terms (&p, -0.05, 0.0, 0.0, 0.0, 1.0, -0.05);
  g_assert_cmpfloat_with_epsilon (steve_physics_torque (&p, -0.05, 0.0, NULL), 1.0, EPS);

  /* 0.05 turn above open, moving on at 0.2 turn/s:
   * τ_wall = −20·0.05 − 0.3·0.2 = −1.06 (c_w acts on turns/s) */
  wr = 2.0 * G_PI * 0.2;
  assert_terms (&p, 0.30, 0.2,
                -0.05 * wr, -0.1 * wr / sqrt (wr * wr + 1e-6), -1.06, 0.05);

  /* below closed moving back out at 0.1 turn/s: τ_wall = 1.0 − 0.03 */
  wr = 2.0 * G_PI * 0.1;
  assert_terms (&p, -0.05, 0.1,
                -0.05 * wr, -0.1 * wr / sqrt (wr * wr + 1e-6), 0.97, -0.05);

  /* and moving in: 1.0 + 0.03 */
  assert_terms (&p, -0.05, -0.1,
                0.05 * wr, 0.1 * wr / sqrt (wr * wr + 1e-6), 1.03, -0.05);

  /* walls elsewhere */
  p.closed_turns = -0.5;
  p.open_turns = 0.5;
  assert_terms (&p, -0.6, 0.0, 0.0, 0.0, 2.0, -0.1);
  assert_terms (&p, 0.7, 0.0, 0.0, 0.0, -4.0, 0.2);
  assert_terms (&p, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0);
}

static void
test_torque_deadband (void)
{
  StevePhysicsParams p = test_params ();
  StevePhysicsTerms t;
  double theta;

  /* |p| < 1e-6: no wall torque, not even the damping part */
  theta = 0.25 + 5e-7;
  steve_physics_torque (&p, theta, 0.0, &t);
  g_assert_cmpfloat (t.wall, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (t.penetration, 5e-7, 1e-15);
  steve_physics_torque (&p, theta, 0.3, &t);
  g_assert_cmpfloat (t.wall, ==, 0.0);

  theta = -5e-7;
  steve_physics_torque (&p, theta, -0.3, &t);
  g_assert_cmpfloat (t.wall, ==, 0.0);

  /* |p| ≥ 1e-6: the wall acts, damping included */
  theta = 0.25 + 2e-6;
  steve_physics_torque (&p, theta, 0.0, &t);
  g_assert_cmpfloat_with_epsilon (t.wall, -20.0 * (theta - 0.25), 1e-15);
  g_assert_cmpfloat_with_epsilon (t.wall, -4e-5, 1e-12);
  steve_physics_torque (&p, theta, 0.3, &t);
  g_assert_cmpfloat_with_epsilon (t.wall, -20.0 * (theta - 0.25) - 0.3 * 0.3, 1e-15);

  theta = -2e-6;
  steve_physics_torque (&p, theta, 0.0, &t);
  g_assert_cmpfloat_with_epsilon (t.wall, 4e-5, 1e-15);

  g_assert_cmpfloat (STEVE_PHYSICS_WALL_DEADBAND, ==, 1e-6);
}

static void
test_torque_clamp (void)
{
  StevePhysicsParams p = test_params ();
  StevePhysicsTerms t;

  /* ¾ turn beyond open: −15 N·m, clamped to −8 */
  g_assert_cmpfloat (steve_physics_torque (&p, 1.0, 0.0, &t), ==, -8.0);
  g_assert_cmpfloat_with_epsilon (t.unclamped, -15.0, EPS);
  g_assert_cmpfloat_with_epsilon (t.wall, -15.0, EPS);
  g_assert_true (t.clamped);

  /* one turn below closed: +20, clamped to +8 */
  g_assert_cmpfloat (steve_physics_torque (&p, -1.0, 0.0, &t), ==, 8.0);
  g_assert_cmpfloat_with_epsilon (t.unclamped, 20.0, EPS);
  g_assert_true (t.clamped);

  /* just within */
  g_assert_cmpfloat_with_epsilon (steve_physics_torque (&p, -0.35, 0.0, &t), 7.0, EPS);
  g_assert_false (t.clamped);

  /* viscous alone past the limit: 0.05·2π·30 ≈ 9.42 */
  g_assert_cmpfloat (steve_physics_torque (&p, 0.1, 30.0, &t), ==, -8.0);
  g_assert_true (t.clamped);

  /* a lower limit */
  p.torque_limit = 0.5;
  g_assert_cmpfloat (steve_physics_torque (&p, -0.05, 0.0, &t), ==, 0.5);
  g_assert_true (t.clamped);
  g_assert_cmpfloat (steve_physics_torque (&p, 0.3, 0.0, &t), ==, -0.5);

  /* a limit ≤ 0 zeroes the output (what the firmware does) */
  p.torque_limit = 0.0;
  g_assert_cmpfloat (steve_physics_torque (&p, -0.05, 0.0, &t), ==, 0.0);
  p.torque_limit = -3.0;
  g_assert_cmpfloat (steve_physics_torque (&p, -0.05, 0.0, &t), ==, 0.0);
  g_assert_cmpfloat (steve_physics_torque (&p, 0.1, 2.0, &t), ==, 0.0);
}

static void
test_torque_degenerate (void)
{
  StevePhysicsParams p = test_params ();
  StevePhysicsTerms t;

  /* ε = 0 at rest: 0/0 must not leak a NaN */
  p.smoothing = 0.0;
  g_assert_cmpfloat (steve_physics_torque (&p, 0.1, 0.0, &t), ==, 0.0);
  g_assert_cmpfloat (t.coulomb, ==, 0.0);
  /* ε = 0 moving: a hard sign */
  steve_physics_torque (&p, 0.1, 0.5, &t);
  g_assert_cmpfloat_with_epsilon (t.coulomb, -0.1, EPS);
  steve_physics_torque (&p, 0.1, -0.5, &t);
  g_assert_cmpfloat_with_epsilon (t.coulomb, 0.1, EPS);

  /* all coefficients 0: no torque anywhere */
  memset (&p, 0, sizeof p);
  p.torque_limit = 8.0;
  p.open_turns = 0.25;
  p.smoothing = 0.001;
  for (double theta = -1.0; theta <= 1.0; theta += 0.125)
    for (double omega = -2.0; omega <= 2.0; omega += 0.5)
      g_assert_cmpfloat (steve_physics_torque (&p, theta, omega, NULL), ==, 0.0);
}

/* The torque is odd in ω between the walls, and the viscous and Coulomb
 * terms always oppose the motion. */
static void
test_torque_sweep (void)
{
  StevePhysicsParams p = test_params ();

  for (double theta = -0.5; theta <= 0.75; theta += 0.01)
    for (double omega = -3.0; omega <= 3.0; omega += 0.05)
      {
        StevePhysicsTerms t;
        double tau = steve_physics_torque (&p, theta, omega, &t);
        double wr = 2.0 * G_PI * omega;
        double pen = MIN (0.0, theta - p.closed_turns) + MAX (0.0, theta - p.open_turns);
        double wall = fabs (pen) < 1e-6 ? 0.0 : -p.wall_stiffness * pen - p.wall_damping * omega;
        double sum = -p.viscous * wr - p.coulomb * wr / sqrt (wr * wr + p.smoothing * p.smoothing) + wall;

        g_assert_cmpfloat_with_epsilon (tau, CLAMP (sum, -8.0, 8.0), EPS);
        g_assert_cmpfloat (fabs (tau), <=, 8.0);
        g_assert_cmpfloat (t.viscous * omega, <=, 0.0);
        g_assert_cmpfloat (t.coulomb * omega, <=, 0.0);

        if (theta > 0.0 && theta < 0.25)
          g_assert_cmpfloat_with_epsilon (steve_physics_torque (&p, theta, -omega, NULL), -tau, EPS);
      }
}

static void
test_params_from_config (void)
{
  SteveConfig config;
  StevePhysicsParams p;

  steve_config_init_factory (&config);
  steve_config_set (&config, STEVE_FIELD_CLOSED_POS, 10.0);
  steve_config_set (&config, STEVE_FIELD_OPEN_POS, 100.0);
  steve_config_set (&config, STEVE_FIELD_VISCOUS, 0.08);
  steve_config_set (&config, STEVE_FIELD_COULOMB, 0.25);
  steve_config_set (&config, STEVE_FIELD_WALL_STIFFNESS, 25.0);
  steve_config_set (&config, STEVE_FIELD_WALL_DAMPING, 0.4);
  steve_config_set (&config, STEVE_FIELD_SMOOTHING, 0.002);
  steve_config_set (&config, STEVE_FIELD_TORQUE_LIMIT, 6.0);

  steve_physics_params_from_config (&p, &config);
  g_assert_cmpfloat (p.viscous, ==, 0.08);
  g_assert_cmpfloat (p.coulomb, ==, 0.25);
  g_assert_cmpfloat (p.wall_stiffness, ==, 25.0);
  g_assert_cmpfloat (p.wall_damping, ==, 0.4);
  g_assert_cmpfloat (p.smoothing, ==, 0.002);
  g_assert_cmpfloat (p.torque_limit, ==, 6.0);
  /* degrees → turns with 360 degrees per turn */
  g_assert_cmpfloat_with_epsilon (p.closed_turns, 10.0 / 360.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (p.open_turns, 100.0 / 360.0, 1e-15);

  /* another scaling */
  steve_config_set (&config, STEVE_FIELD_DEGREES_PER_TURN, 180.0);
  steve_physics_params_from_config (&p, &config);
  g_assert_cmpfloat_with_epsilon (p.closed_turns, 10.0 / 180.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (p.open_turns, 100.0 / 180.0, 1e-15);

  steve_config_set (&config, STEVE_FIELD_DEGREES_PER_TURN, 3600.0);
  steve_physics_params_from_config (&p, &config);
  g_assert_cmpfloat_with_epsilon (p.open_turns, 100.0 / 3600.0, 1e-15);

  /* a firmware device reports no degrees_per_turn: 360 */
  steve_config_unset (&config, STEVE_FIELD_DEGREES_PER_TURN);
  steve_physics_params_from_config (&p, &config);
  g_assert_cmpfloat_with_epsilon (p.closed_turns, 10.0 / 360.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (p.open_turns, 100.0 / 360.0, 1e-15);

  /* negative positions */
  steve_config_set (&config, STEVE_FIELD_CLOSED_POS, -90.0);
  steve_physics_params_from_config (&p, &config);
  g_assert_cmpfloat_with_epsilon (p.closed_turns, -0.25, 1e-15);

  /* nothing known: the factory config (preset 0, 0°–90°) */
  memset (&config, 0, sizeof config);
  steve_physics_params_from_config (&p, &config);
  g_assert_cmpfloat (p.viscous, ==, 0.02);
  g_assert_cmpfloat (p.coulomb, ==, 0.06);
  g_assert_cmpfloat (p.wall_stiffness, ==, 10.0);
  g_assert_cmpfloat (p.wall_damping, ==, 0.1);
  g_assert_cmpfloat (p.smoothing, ==, 0.001);
  g_assert_cmpfloat (p.torque_limit, ==, 8.0);
  g_assert_cmpfloat (p.closed_turns, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (p.open_turns, 0.25, 1e-15);

  /* the walls follow: 95° on a 10°–100° valve is inside, 101° is not */
  steve_config_init_factory (&config);
  steve_config_set (&config, STEVE_FIELD_CLOSED_POS, 10.0);
  steve_config_set (&config, STEVE_FIELD_OPEN_POS, 100.0);
  steve_physics_params_from_config (&p, &config);
  {
    StevePhysicsTerms t;

    steve_physics_torque (&p, 95.0 / 360.0, 0.0, &t);
    g_assert_cmpfloat (t.wall, ==, 0.0);
    steve_physics_torque (&p, 101.0 / 360.0, 0.0, &t);
    g_assert_cmpfloat_with_epsilon (t.wall, -10.0 / 360.0, 1e-12);
    steve_physics_torque (&p, 9.0 / 360.0, 0.0, &t);
    g_assert_cmpfloat_with_epsilon (t.wall, 10.0 / 360.0, 1e-12);
  }
}

/* ------------------------------------------------------------------ step */

static double
lowpass_alpha (double dt)
{
  double tau = 1.0 / (2.0 * G_PI * 400.0);

  return dt / (dt + tau);
}

static void
test_step_lowpass (void)
{
  StevePhysicsParams p = test_params ();
  StevePhysicsState state;
  StevePhysicsOutput out;
  double target = steve_physics_torque (&p, 0.1, 0.5, NULL);   /* < 0, against ω > 0 */
  double alpha = lowpass_alpha (DT);
  double expected = 0.0;
  double tank = 0.0;

  g_assert_cmpfloat (STEVE_PHYSICS_LOWPASS_HZ, ==, 400.0);
  g_assert_cmpfloat (target, <, 0.0);

  steve_physics_state_reset (&state, FALSE);
  g_assert_cmpfloat (state.filtered, ==, 0.0);
  g_assert_cmpfloat (state.tank_j, ==, 0.0);
  g_assert_false (state.quiet);

  for (guint k = 1; k <= 200; k++)
    {
      steve_physics_step (&p, &state, 0.1, 0.5, DT, &out);

      /* first order: y += α (x − y) */
      expected += alpha * (target - expected);
      g_assert_cmpfloat_with_epsilon (out.applied, expected, 1e-12);
      g_assert_cmpfloat_with_epsilon (out.applied, target * (1.0 - pow (1.0 - alpha, k)), 1e-12);
      g_assert_cmpfloat (out.commanded, ==, target);
      g_assert_false (out.passivity_limited);
      g_assert_false (out.clamped);

      /* dissipation fills the (negative) tank */
      tank = MAX (tank + out.applied * 2.0 * G_PI * 0.5 * DT, STEVE_PHYSICS_TANK_MIN_J);
      g_assert_cmpfloat_with_epsilon (state.tank_j, tank, 1e-12);
    }

  /* converged to the static torque */
  g_assert_cmpfloat_with_epsilon (out.applied, target, 1e-12);
  g_assert_cmpfloat_with_epsilon (state.filtered, target, 1e-12);
  g_assert_cmpfloat (state.tank_j, <, 0.0);

  /* a step in the input: the filter follows with the same law */
  {
    double target2 = steve_physics_torque (&p, 0.1, -0.25, NULL);
    double y = state.filtered;

    steve_physics_step (&p, &state, 0.1, -0.25, DT, &out);
    y += alpha * (target2 - y);
    g_assert_cmpfloat_with_epsilon (state.filtered, y, 1e-12);
  }

  /* another dt */
  steve_physics_state_reset (&state, FALSE);
  steve_physics_step (&p, &state, 0.1, 0.5, 0.0005, &out);
  g_assert_cmpfloat_with_epsilon (out.applied, lowpass_alpha (0.0005) * target, 1e-12);
}

static void
test_step_quiet (void)
{
  StevePhysicsParams p = test_params ();
  StevePhysicsState state;
  StevePhysicsOutput out;
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);

  steve_physics_state_reset (&state, TRUE);
  g_assert_true (state.quiet);

  for (guint k = 0; k < 5000; k++)
    {
      double theta = g_rand_double_range (rand, -0.5, 0.75);
      double omega = g_rand_double_range (rand, -3.0, 3.0);

      steve_physics_step (&p, &state, theta, omega, DT, &out);
      g_assert_cmpfloat (out.applied, ==, 0.0);
      g_assert_cmpfloat (out.commanded, ==, steve_physics_torque (&p, theta, omega, NULL));
      g_assert_cmpfloat (state.tank_j, ==, 0.0);
    }

  /* a reset clears the gate */
  steve_physics_state_reset (&state, FALSE);
  steve_physics_step (&p, &state, 0.1, 0.5, DT, &out);
  g_assert_cmpfloat (out.applied, !=, 0.0);
}

/* Pushing into a wall stores energy in the tank; coming back out the
 * wall may give back at most that energy, and none when it is empty. */
static void
test_step_passivity (void)
{
  StevePhysicsParams p = test_params ();
  StevePhysicsState state;
  StevePhysicsOutput out;
  double absorbed = 0.0, returned = 0.0;

  /* an empty tank: a torque along the motion is cut to 0 */
  steve_physics_state_reset (&state, FALSE);
  g_assert_cmpfloat (steve_physics_torque (&p, -0.05, 0.1, NULL), >, 0.0);
  for (guint k = 0; k < 50; k++)
    {
      steve_physics_step (&p, &state, -0.05, 0.1, DT, &out);
      g_assert_true (out.passivity_limited);
      g_assert_cmpfloat (out.applied, ==, 0.0);
      g_assert_cmpfloat (out.commanded, >, 0.0);
      g_assert_cmpfloat (state.tank_j, ==, 0.0);
    }

  /* push in for 100 ms: the tank fills */
  steve_physics_state_reset (&state, FALSE);
  for (guint k = 0; k < 100; k++)
    {
      double before = state.tank_j;

      steve_physics_step (&p, &state, -0.05, -0.1, DT, &out);
      g_assert_false (out.passivity_limited);
      g_assert_cmpfloat (out.applied * -0.1, <, 0.0);
      absorbed += before - state.tank_j;
    }
  g_assert_cmpfloat (state.tank_j, <, 0.0);
  g_assert_cmpfloat_with_epsilon (-state.tank_j, absorbed, 1e-12);

  /* come back out for 1 s: at most what was absorbed is given back */
  for (guint k = 0; k < 1000; k++)
    {
      double before = state.tank_j;
      double omega = 0.1;
      double work;

      steve_physics_step (&p, &state, -0.05, omega, DT, &out);
      work = out.applied * 2.0 * G_PI * omega * DT;
      g_assert_cmpfloat (work, <=, -before + 1e-15);
      g_assert_cmpfloat (state.tank_j, <=, 0.0);
      if (work > 0)
        returned += work;
    }
  g_assert_cmpfloat (returned, >, 0.0);
  g_assert_cmpfloat (returned, <=, absorbed + 1e-12);
  /* everything stored was used, and the wall is now cut */
  g_assert_cmpfloat_with_epsilon (returned, absorbed, 1e-9);
  g_assert_cmpfloat (state.tank_j, ==, 0.0);
  g_assert_true (out.passivity_limited);
  g_assert_cmpfloat (out.applied, ==, 0.0);
}

/* A long random motion: the tank stays in [−2 J, 0], the torque never
 * injects more than the tank holds, and never exceeds the limit. */
static void
test_step_random (void)
{
  StevePhysicsParams p = test_params ();
  StevePhysicsState state;
  StevePhysicsOutput out;
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  double theta = 0.1, omega = 0.0;
  double min_tank = 0.0;
  guint n_limited = 0, n_injecting = 0;

  p.wall_stiffness = 35.0;
  p.wall_damping = 0.6;
  steve_physics_state_reset (&state, FALSE);

  for (guint k = 0; k < 500000; k++)
    {
      double before = state.tank_j;
      double power, work;

      /* a wandering hand with sudden reversals, in and out of both walls */
      if (g_rand_int_range (rand, 0, 200) == 0)
        omega = -omega;
      omega = CLAMP (omega + g_rand_double_range (rand, -0.2, 0.2), -4.0, 4.0);
      theta += omega * DT;
      if (theta < -0.6 || theta > 0.85)
        omega = -omega;
      if (g_rand_int_range (rand, 0, 5000) == 0)
        theta = g_rand_double_range (rand, -0.5, 0.75);

      steve_physics_step (&p, &state, theta, omega, DT, &out);

      power = out.applied * 2.0 * G_PI * omega;
      work = power * DT;

      g_assert_true (isfinite (out.applied));
      g_assert_cmpfloat (state.tank_j, <=, 0.0);
      g_assert_cmpfloat (state.tank_j, >=, STEVE_PHYSICS_TANK_MIN_J);
      g_assert_cmpfloat (fabs (out.applied), <=, p.torque_limit + 1e-12);
      g_assert_cmpfloat (fabs (out.commanded), <=, p.torque_limit);
      /* energy given to the hand ≤ energy in the tank */
      g_assert_cmpfloat (work, <=, -before + 1e-12);
      /* the tank books every joule (within its cap) */
      g_assert_cmpfloat_with_epsilon (state.tank_j,
                                      CLAMP (before + work, STEVE_PHYSICS_TANK_MIN_J, 0.0), 1e-12);

      if (out.passivity_limited)
        {
          n_limited++;
          g_assert_cmpfloat (power, >=, 0.0);
        }
      if (power > 0.0)
        n_injecting++;
      min_tank = MIN (min_tank, state.tank_j);
    }

  g_test_message ("passivity: %u limited, %u injecting, lowest tank %g J", n_limited, n_injecting, min_tank);
  /* the run exercised both the limit and the cap */
  g_assert_cmpuint (n_limited, >, 100);
  g_assert_cmpuint (n_injecting, >, 100);
  g_assert_cmpfloat (min_tank, ==, STEVE_PHYSICS_TANK_MIN_J);
  g_assert_cmpfloat (STEVE_PHYSICS_TANK_MIN_J, ==, -2.0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/physics/torque/inside", test_torque_inside);
  g_test_add_func ("/physics/torque/walls", test_torque_walls);
  g_test_add_func ("/physics/torque/deadband", test_torque_deadband);
  g_test_add_func ("/physics/torque/clamp", test_torque_clamp);
  g_test_add_func ("/physics/torque/degenerate", test_torque_degenerate);
  g_test_add_func ("/physics/torque/sweep", test_torque_sweep);
  g_test_add_func ("/physics/params-from-config", test_params_from_config);
  g_test_add_func ("/physics/step/lowpass", test_step_lowpass);
  g_test_add_func ("/physics/step/quiet", test_step_quiet);
  g_test_add_func ("/physics/step/passivity", test_step_passivity);
  g_test_add_func ("/physics/step/random", test_step_random);

  return g_test_run ();
}
