# SPDX-License-Identifier: LGPL-2.1-or-later
"""Main-loop helpers shared by every Python test file: each gives up after
LOOP_TIMEOUT_S and fails the test instead of hanging."""

from gi.repository import GLib

LOOP_TIMEOUT_S = 10


def run_loop(loop, what):
    """Runs loop; fails the test if it has not quit within LOOP_TIMEOUT_S."""
    timed_out = []

    def on_timeout():
        timed_out.append(True)
        loop.quit()
        return GLib.SOURCE_REMOVE

    source_id = GLib.timeout_add_seconds(LOOP_TIMEOUT_S, on_timeout)
    loop.run()
    if timed_out:
        raise AssertionError('timed out waiting for %s' % what)
    GLib.source_remove(source_id)


def iterate_until(context, done, what):
    """Iterates context (None: the global default one) until done() is
    true; fails after LOOP_TIMEOUT_S."""
    if context is None:
        context = GLib.MainContext.default()
    timed_out = []

    def on_timeout():
        timed_out.append(True)
        return GLib.SOURCE_REMOVE

    timeout = GLib.timeout_source_new_seconds(LOOP_TIMEOUT_S)
    timeout.set_callback(on_timeout)
    timeout.attach(context)
    try:
        while not done():
            if timed_out:
                raise AssertionError('timed out waiting for %s' % what)
            context.iteration(True)
    finally:
        timeout.destroy()
