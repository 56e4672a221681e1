#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs several shell commands at once and, from one GLib.MainLoop, prints
what each one printed and how it ended, in the order they end.

    ./watch.py 'sleep 1; echo awake' 'exit 3' 'kill -TERM $$'

The same program as watch.js, watch.vala and watch-children.c, with the
same calls.
"""

import sys

import gi
gi.require_version('GPidFd', '1')
from gi.repository import GLib, Gio, GPidFd  # noqa: E402

DEMO = ['sleep 0.3; echo awake', 'sleep 0.1; exit 3',
        'sleep 0.2; kill -TERM $$', 'echo hello']

loop = GLib.MainLoop()
running = 0
failed = False


def describe(info):
    if not info.has_status():
        return 'ended; its status is unknown'
    if info.get_if_exited():
        return 'exited with status %d' % info.get_exit_status()
    return 'was killed by signal %d (%s)' % (
        info.get_term_sig(), GLib.strsignal(info.get_term_sig()))


def on_communicated(pidfd, result, command):
    global running, failed
    try:
        _, output, _ = pidfd.communicate_utf8_finish(result)
        # The process has ended and been reaped: its record is there.
        info = pidfd.wait(None)
        for line in filter(None, output.split('\n')):
            print("[%d] '%s' printed: %s" % (info.get_pid(), command, line))
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
        # Held by its pidfd from birth: there is no pid to race with.
        pidfd = GPidFd.PidFd.spawnv(['/bin/sh', '-c', command],
                                    Gio.SubprocessFlags.STDOUT_PIPE)
    except GLib.Error as e:
        print("'%s': %s" % (command, e.message), file=sys.stderr)
        failed = True
        return
    print("[%d] '%s' started" % (pidfd.get_pid(), command))
    # Reads stdout to its end and waits for the process, without blocking;
    # every pending wait of the main context shares one epoll fd.
    pidfd.communicate_utf8_async(None, None, on_communicated, command)
    running += 1


def main(commands):
    for command in commands:
        watch(command)
    if running > 0:
        loop.run()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:] or DEMO))
