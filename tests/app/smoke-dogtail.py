#!/usr/bin/python3
# smoke-dogtail.py — drive Steve Tuner's main flow through the accessibility
# tree, as a user with a screen reader or a keyboard would: connect to the
# simulated device, start the valve, move a slider, press the e-stop.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: smoke-dogtail.py STEVE-TUNER-BINARY   (inside Xvfb and a session bus)
# Exits 0 when every step was seen to work, 77 (skip) when no accessibility
# bus can be reached, 1 otherwise.

import os
import subprocess
import sys
import tempfile
import time


def log(*args):
    print('#', *args, flush=True)


def wait_for(what, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # the tree changes under us while it loads
            last = e
        time.sleep(0.2)
    raise AssertionError(f'timed out waiting for {what} ({last})')


def main():
    binary = sys.argv[1]
    env = dict(os.environ)
    env.pop('GTK_A11Y', None)          # the test environment turns it off
    env['NO_AT_BRIDGE'] = '0'
    data_home = tempfile.mkdtemp(prefix='steve-smoke-')
    env['XDG_DATA_HOME'] = data_home   # the simulator's presets go here, not in $HOME
    env['XDG_CONFIG_HOME'] = data_home
    env['GSETTINGS_BACKEND'] = 'memory'

    os.environ.pop('GTK_A11Y', None)
    try:
        from dogtail.config import config
        from dogtail.tree import root
        import pyatspi  # noqa: F401
    except Exception as e:
        log('dogtail or pyatspi unavailable:', e)
        return 77

    config.searchCutoffCount = 3
    config.defaultDelay = 0.2
    config.actionDelay = 0.2
    config.childrenLimit = 2000

    app_proc = subprocess.Popen([binary], env=env)
    try:
        app = wait_for('the application on the accessibility bus',
                       lambda: next((a for a in root.applications()
                                     if a.name in ('steve-tuner', 'Steve Tuner')), None))
        log('found application', repr(app.name))

        sim = wait_for('“Try the Simulated Device”',
                       lambda: app.child(name='Try the Simulated Device', roleName='button', retry=False))
        sim.doActionNamed('click')
        log('clicked Try the Simulated Device')

        start = wait_for('the Start button, enabled',
                         lambda: (lambda b: b if b.sensitive else None)(
                             app.child(name='Start', roleName='button', retry=False)))
        start.doActionNamed('click')
        log('clicked Start')

        wait_for('the valve running', lambda: app.child(name='Running', retry=False))
        log('valve running')

        slider = wait_for('the viscous damping slider',
                          lambda: app.child(name='Viscous damping slider', roleName='slider', retry=False))
        before = slider.value
        slider.value = min(slider.maxValue, before + 100)
        wait_for('the slider to move', lambda: abs(slider.value - before) >= 99)
        log('moved the slider from', before, 'to', slider.value)

        estop = wait_for('the emergency stop button',
                         lambda: app.child(name='Emergency stop', roleName='button', retry=False))
        estop.doActionNamed('click')
        log('pressed the emergency stop')

        wait_for('the valve in its error state', lambda: app.child(name='Error', retry=False), timeout=10)
        log('valve in error state: the e-stop worked')
        return 0
    except AssertionError as e:
        log('FAILED:', e)
        return 1
    finally:
        app_proc.terminate()
        try:
            app_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app_proc.kill()
            app_proc.wait()


if __name__ == '__main__':
    sys.exit(main())
