/* bench-telemetry.c — throughput of the telemetry line parser
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Generates N firmware-format sample lines with varied values, then parses
 * them all on one core, several rounds. Prints lines/s and MB/s; the target
 * is ≥ 3 M lines/s. Once per core, pinned there (bench-cpu.h).
 */
#include "config.h"

#include <locale.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench-cpu.h"
#include "steve-telemetry.h"

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  guint n_lines = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 1000000;
  guint rounds = 7;
  g_autoptr(GString) text = g_string_sized_new ((gsize) n_lines * 300);
  g_autofree gsize *offsets = g_new (gsize, n_lines + 1);
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  double rates[16];
  double checksum = 0;
  guint parsed = 0;
  int cpus[BENCH_CPU_MAX];
  guint n_cpus;

  /* the figures carry ≥, ≤ and →, printed in the locale's charset */
  setlocale (LC_ALL, "");

  for (guint i = 0; i < n_lines; i++)
    {
      SteveSample s = { 0 };
      char line[512];
      double t = i * 0.01;

      s.timestamp_ms = 2000 + i * 10;
      s.t_us = (guint64) i * 300;
      s.loop_time_us = 26 + g_rand_int_range (rand, 0, 9);
      s.seq = i * 10;
      s.position_turns = 0.125 + 0.1 * sin (t);
      s.position_deg = 360.0 * 0.1 * sin (t);
      s.torque_nm = 0.9 * cos (t * 1.3);
      s.filt_torque_nm = 0.88 * cos (t * 1.3);
      s.status = STEVE_VALVE_STATE_RUNNING;
      s.omega_rad_s = 2.0 * cos (t);
      s.passivity_mj = -(gint32) (i % 2000);
      s.quiet = FALSE;
      s.err = 0;
      s.hb_age = i % 100;
      s.data_valid = TRUE;

      offsets[i] = text->len;
      g_string_append_len (text, line, (gssize) steve_telemetry_format_sample (&s, STEVE_DIALECT_FIRMWARE, line, sizeof line));
    }
  offsets[n_lines] = text->len;

  n_cpus = bench_cpu_list (cpus);
  g_print ("telemetry parser: %u lines (%.1f MB, %.0f bytes/line), %u rounds on each of %u cores\n",
           n_lines, text->len / 1e6, (double) text->len / n_lines, rounds, n_cpus);
  for (guint c = 0; c < n_cpus; c++)
    {
      bench_cpu_pin (cpus[c]);
      for (guint r = 0; r < rounds; r++)
        {
          gint64 t0 = g_get_monotonic_time ();
          double dt;

          parsed = 0;
          for (guint i = 0; i < n_lines; i++)
            {
              SteveStreamLine line;

              /* each line without its newline, as the streamer hands it over */
              if (steve_telemetry_parse_line (text->str + offsets[i], offsets[i + 1] - offsets[i] - 1, &line, NULL))
                {
                  parsed++;
                  checksum += line.sample.torque_nm;
                }
            }
          dt = (g_get_monotonic_time () - t0) / 1e6;
          rates[r] = n_lines / dt;
        }
      bench_cpu_unpin ();

      if (parsed != n_lines)
        {
          g_printerr ("bench-telemetry: only %u of %u lines parsed\n", parsed, n_lines);
          return EXIT_FAILURE;
        }

      qsort (rates, rounds, sizeof rates[0], compare_double);
      g_print ("  cpu %d: median %.2f M lines/s (%.0f MB/s), best %.2f M lines/s, worst %.2f M lines/s  [target >= 3 M lines/s]\n",
               cpus[c], rates[rounds / 2] / 1e6, rates[rounds / 2] * text->len / n_lines / 1e6,
               rates[rounds - 1] / 1e6, rates[0] / 1e6);
      /* one line for the report table (build-aux/bench-report) */
      g_print ("RESULT|telemetry line parser, one core (cpu %d)|%.2f M lines/s (median)|≥ 3 M lines/s|%s\n",
               cpus[c], rates[rounds / 2] / 1e6, rates[rounds / 2] >= 3e6 ? "met" : "MISSED");
    }
  g_print ("  (checksum %.3f)\n", checksum);
  return EXIT_SUCCESS;
}
