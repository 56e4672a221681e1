#!/usr/bin/env -S gjs -m
// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs several shell commands at once and, from the main loop, prints how
// each one ended, in the order they end.
//
//   gjs -m watch.js 'sleep 1' 'exit 3' 'kill -TERM $$'
//
// The same program as watch.py, watch.vala and watch-children.c, with the
// same calls.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GPidFd from 'gi://GPidFd?version=1';
import System from 'system';

// Lets `await pidfd.wait_async(null)` return the record.
Gio._promisify(GPidFd.PidFd.prototype, 'wait_async', 'wait_finish');

const DEMO = ['sleep 0.3', 'sleep 0.1; exit 3', 'sleep 0.2; kill -TERM $$',
    'true'];

function describe(info) {
    if (!info.has_status())
        return 'ended; its status is unknown';
    if (info.get_exited())
        return `exited with status ${info.get_exit_status()}`;
    return `was killed by signal ${info.get_term_signal()} (${
        GLib.strsignal(info.get_term_signal())})`;
}

async function watch(command) {
    // DO_NOT_REAP_CHILD: nothing but the wait below reaps the child, so its
    // pid is valid until the pidfd is open.
    const [, pid] = GLib.spawn_async(null, ['/bin/sh', '-c', command], null,
        GLib.SpawnFlags.DO_NOT_REAP_CHILD, null);
    const pidfd = GPidFd.PidFd.new_from_pid(pid);
    print(`[${pid}] '${command}' started`);
    // Every pending wait of the main context shares one epoll fd.
    const info = await pidfd.wait_async(null);
    print(`[${info.get_pid()}] '${command}' ${describe(info)}`);
}

// GJS runs the main loop while the module awaits.
const commands = System.programArgs.length > 0 ? System.programArgs : DEMO;
const results = await Promise.allSettled(commands.map(watch));
const failures = results.filter(r => r.status === 'rejected');
for (const {reason} of failures)
    printerr(reason.message ?? reason);
System.exit(failures.length > 0 ? 1 : 0);
