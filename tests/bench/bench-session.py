#!/usr/bin/python3
# bench-session.py — a 60 s session of steve-tuner --simulate at 100 Hz with
# the plots visible: CPU % of one core and RSS at start and end.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The simulated device runs inside the app (its 1 kHz control loop is a
# thread named "steve-sim"); its share is reported apart.

import os
import subprocess
import sys
import tempfile
import time

TICKS = os.sysconf('SC_CLK_TCK')


def cpu_seconds(pid, thread_name=None):
    total = 0
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/comm') as f:
                comm = f.read().strip()
            if thread_name is not None and comm != thread_name:
                continue
            with open(f'/proc/{pid}/task/{tid}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total / TICKS


def rss_kb(pid):
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    return 0


def main():
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    home = tempfile.mkdtemp(prefix='steve-bench-')
    env = dict(os.environ, XDG_DATA_HOME=home, XDG_CONFIG_HOME=home, GSETTINGS_BACKEND='memory')
    proc = subprocess.Popen([binary, '--simulate'], env=env)
    try:
        time.sleep(5)          # connected, streaming, plots drawing
        c0, s0, t0, r0 = cpu_seconds(proc.pid), cpu_seconds(proc.pid, 'steve-sim'), time.monotonic(), rss_kb(proc.pid)
        time.sleep(seconds)
        c1, s1, t1, r1 = cpu_seconds(proc.pid), cpu_seconds(proc.pid, 'steve-sim'), time.monotonic(), rss_kb(proc.pid)
        wall = t1 - t0
        total = 100 * (c1 - c0) / wall
        sim = 100 * (s1 - s0) / wall
        print(f'session {wall:.0f} s at 100 Hz (steve-tuner --simulate, plots visible, Xvfb):')
        print(f'  CPU {total:.1f} % of one core in all, of which the simulated device {sim:.1f} %, the app {total - sim:.1f} %')
        print(f'  RSS {r0 / 1024:.1f} MiB after 5 s, {r1 / 1024:.1f} MiB after {5 + wall:.0f} s '
              f'(growth {(r1 - r0) / 1024:.1f} MiB; history of {wall * 100:.0f} samples ≈ {wall * 100 * 40 / 1048576:.1f} MiB)')
        history_mib = wall * 100 * 40 / 1048576
        grew = (r1 - r0) / 1024
        print(f'RESULT|{wall:.0f} s session at 100 Hz, plots visible (Xvfb)|CPU {total - sim:.1f} % of a core (+ {sim:.1f} % simulator); '
              f'RSS {r0 / 1024:.1f} → {r1 / 1024:.1f} MiB|report; RSS growth ≤ history ({history_mib:.1f} MiB)|'
              f'{"met" if grew <= history_mib + 2 else "MISSED"}')
        return 0 if proc.poll() is None else 1
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == '__main__':
    sys.exit(main())
