/* bench-cpu.c — single-threaded figures, one per core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <sched.h>

#include "bench-cpu.h"

static cpu_set_t original_affinity;
static gboolean  have_original_affinity;

static void
save_original_affinity (void)
{
  if (have_original_affinity)
    return;
  CPU_ZERO (&original_affinity);
  if (sched_getaffinity (0, sizeof original_affinity, &original_affinity) != 0)
    g_error ("cannot read this thread's CPU affinity: %s", g_strerror (errno));
  have_original_affinity = TRUE;
}

/* The CPUs the calling thread may run on (before any pin), lowest first,
 * at most BENCH_CPU_MAX of them. */
guint
bench_cpu_list (int cpus[BENCH_CPU_MAX])
{
  guint n = 0;

  save_original_affinity ();
  for (int cpu = 0; cpu < CPU_SETSIZE && n < BENCH_CPU_MAX; cpu++)
    if (CPU_ISSET (cpu, &original_affinity))
      cpus[n++] = cpu;
  g_assert (n > 0);
  return n;
}

/* Pins the calling thread to @cpu, one of bench_cpu_list()'s. */
void
bench_cpu_pin (int cpu)
{
  cpu_set_t set;

  save_original_affinity ();
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    g_error ("cannot pin this thread to cpu %d: %s", cpu, g_strerror (errno));
}

/* Lets the calling thread run wherever it could before the first pin. */
void
bench_cpu_unpin (void)
{
  if (have_original_affinity && sched_setaffinity (0, sizeof original_affinity, &original_affinity) != 0)
    g_error ("cannot restore this thread's CPU affinity: %s", g_strerror (errno));
}
