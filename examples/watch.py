#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs several shell commands at once and, from one GLib.MainLoop, prints
how each one ended, in the order they end.

    ./watch.py 'sleep 1' 'exit 3' 'kill -TERM $$'

The same program as watch.js, watch.vala and watch-children.c, with the
same calls.
"""

import sys

import gi
gi.require_version('GPidFd', '1')
from gi.repository import GLib, GPidFd  # noqa: E402

DEMO = ['sleep 0.3', 'sleep 0.1; exit 3', 'sleep 0.2; kill -TERM $$', 'true']

loop = GLib.MainLoop()
running = 0
failed = False


def describe(info):
    if not info.has_status():
        return 'ended; its status is unknown'
    if info.get_exited():
        return 'exited with status %d' % info.get_exit_status()
    return 'was killed by signal %d (%s)' % (
        info.get_term_signal(), GLib.strsignal(info.get_term_signal()))


def on_child_ended(pidfd, result, command):
    global running, failed
    try:
        info = pidfd.wait_finish(result)
        print("[%d] '%s' %s" % (info.get_pid(), command, describe(info)))
    except GLib.Error as e:
        print("'%s': %s" % (command, e.message), file=sys.stderr)
        failed = True
    running -= 1
    if running == 0:
        loop.quit()


def watch(command):
    global running, failed
    try:
        # DO_NOT_REAP_CHILD: nothing but the wait below reaps the child, so
        # its pid is valid until the pidfd is open.
        pid, _, _, _ = GLib.spawn_async(['/bin/sh', '-c', command],
                                        flags=GLib.SpawnFlags.DO_NOT_REAP_CHILD)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
    except GLib.Error as e:
        print("'%s': %s" % (command, e.message), file=sys.stderr)
        failed = True
        return
    print("[%d] '%s' started" % (pid, command))
    # Every pending wait of the main context shares one epoll fd.
    pidfd.wait_async(None, on_child_ended, command)
    running += 1


def main(commands):
    for command in commands:
        watch(command)
    if running > 0:
        loop.run()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or DEMO))
