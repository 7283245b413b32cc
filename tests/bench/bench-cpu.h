/* bench-cpu.h — single-threaded figures, one per core
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The cores of a virtual machine need not run at one speed. On the
 * two-core machines these benchmarks were written on, one core at a time
 * ran the parser and the plot frame at half the other's speed, and which
 * core it was changed from one run to the next. A single figure then says
 * more about where the scheduler put the thread than about the code. So
 * the single-threaded benchmarks pin their thread to each core in turn
 * (up to BENCH_CPU_MAX of them) and print one figure per core.
 *
 * Linux only (sched_setaffinity). Pinning applies to the calling thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define BENCH_CPU_MAX 4

guint     bench_cpu_list   (int cpus[BENCH_CPU_MAX]);
void      bench_cpu_pin    (int cpu);
void      bench_cpu_unpin  (void);

G_END_DECLS
