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
import signal
import subprocess
import sys
import tempfile
import time


def log(*args):
    print('#', *args, flush=True)


app_proc = None
BUDGET_S = 100   # the whole smoke test, below meson's 120 s timeout


def wait_for(what, predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if app_proc is not None and app_proc.poll() is not None:
            raise AssertionError(f'the application exited ({app_proc.returncode}) '
                                 f'while waiting for {what}')
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # the tree changes under us while it loads
            last = e
        time.sleep(0.2)
    raise AssertionError(f'timed out waiting for {what} ({last})')


def find(app, role, text):
    """The first node of @role named @text. GTK 4.8 appends the text of a
    button's children to its name (“_Start Start”, “Emergency stop E-Stop”),
    newer GTK does not; both are accepted."""
    from dogtail.predicate import GenericPredicate
    # GTK 4.8 does not report “showing”, so hidden pages are searched too
    for node in app.findChildren(GenericPredicate(roleName=role), recursive=True, showingOnly=False):
        name = (node.name or '').replace('_', '')
        if name in (text, f'{text} {text}') or name.startswith(text + ' '):
            return node
    return None


def out_of_time(signum, frame):
    raise AssertionError(f'the smoke test took longer than {BUDGET_S} s')


def main():
    global app_proc
    binary = sys.argv[1]
    env = dict(os.environ)
    env.pop('GTK_A11Y', None)          # the test environment turns it off
    env['NO_AT_BRIDGE'] = '0'
    env['GTK_MODULES'] = 'gail:atk-bridge'
    data_home = tempfile.mkdtemp(prefix='steve-smoke-')
    env['XDG_DATA_HOME'] = data_home   # the simulator's presets go here, not in $HOME
    env['XDG_CONFIG_HOME'] = data_home
    env['GSETTINGS_BACKEND'] = 'memory'

    os.environ.pop('GTK_A11Y', None)
    # the application keeps G_DEBUG=fatal-warnings; this process does not:
    # libatspi warns when an object leaves the tree while it is being read,
    # which is normal for a client walking a live tree
    os.environ.pop('G_DEBUG', None)
    try:
        # dogtail refuses to start unless the desktop says accessibility is
        # on; in this private session that setting lives only in memory
        os.environ['GSETTINGS_BACKEND'] = 'memory'
        import gi
        gi.require_version('Gio', '2.0')
        from gi.repository import Gio
        if 'org.gnome.desktop.interface' in (Gio.SettingsSchemaSource.get_default().list_schemas(True)[0] or []):
            Gio.Settings.new('org.gnome.desktop.interface').set_boolean('toolkit-accessibility', True)
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
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(BUDGET_S)
    try:
        app = wait_for('the application on the accessibility bus',
                       lambda: next((a for a in root.applications()
                                     if a.name in ('steve-tuner', 'Steve Tuner')), None))
        log('found application', repr(app.name))

        sim = wait_for('“Try the Simulated Device”',
                       lambda: find(app, 'push button', 'Try the Simulated Device'))
        sim.doActionNamed('click')
        log('clicked Try the Simulated Device')

        start = wait_for('the Start button, enabled',
                         lambda: (lambda b: b if b.sensitive else None)(
                             find(app, 'push button', 'Start')))
        start.doActionNamed('click')
        log('clicked Start')

        wait_for('the valve running', lambda: find(app, 'label', 'Running'))
        log('valve running')

        slider = wait_for('the viscous damping slider',
                          lambda: find(app, 'slider', 'Viscous damping slider'))
        before = slider.value
        slider.value = min(slider.maxValue, before + 100)
        wait_for('the slider to move', lambda: abs(slider.value - before) >= 99)
        log('moved the slider from', before, 'to', slider.value)

        estop = wait_for('the emergency stop button',
                         lambda: find(app, 'push button', 'Emergency stop'))
        estop.doActionNamed('click')
        log('pressed the emergency stop')

        wait_for('the valve in its error state', lambda: find(app, 'label', 'Error'), timeout=10)
        log('valve in error state: the e-stop worked')
        return 0
    except AssertionError as e:
        log('FAILED:', e)
        return 1
    finally:
        signal.alarm(0)
        app_proc.terminate()
        try:
            app_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app_proc.kill()
            app_proc.wait()


if __name__ == '__main__':
    sys.exit(main())
