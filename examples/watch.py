#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs several shell commands at once and, from one GLib.MainLoop, prints
how each one ended, in the order they end.

    ./watch.py 'sleep 1' 'exit 3' 'kill -TERM $$'
"""

import os
import sys

import gi
gi.require_version('GPidFd', '1')
from gi.repository import GLib, GPidFd  # noqa: E402

DEMO = ['sleep 0.3', 'sleep 0.1; exit 3', 'sleep 0.2; kill -TERM $$', 'true']


def describe(info):
    if not info.has_status():
        return 'ended; its status is unknown'
    if info.get_exited():
        return 'exited with status %d' % info.get_exit_status()
    return 'was killed by signal %d (%s)' % (
        info.get_term_signal(), GLib.strsignal(info.get_term_signal()))


def main(commands):
    loop = GLib.MainLoop()
    running = 0
    failed = False

    def on_child_ended(pidfd, result, command):
        nonlocal running, failed
        try:
            info = pidfd.wait_finish(result)
            print('[%d] %r %s' % (info.get_pid(), command, describe(info)))
        except GLib.Error as e:
            print('%r: %s' % (command, e.message), file=sys.stderr)
            failed = True
        running -= 1
        if running == 0:
            loop.quit()

    for command in commands:
        # A plain child of this process: nothing else reaps it, so the pid
        # is valid until the wait below reaps it.
        pid = os.posix_spawn('/bin/sh', ['sh', '-c', command], os.environ)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        print('[%d] %r started' % (pid, command))
        pidfd.wait_async(None, on_child_ended, command)
        running += 1

    if running:
        loop.run()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or DEMO))
