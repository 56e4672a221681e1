#!/usr/bin/env -S gjs -m
// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs several shell commands at once and, from the main loop, prints what
// each one printed and how it ended, in the order they end.
//
//   gjs -m watch.js 'sleep 1; echo awake' 'exit 3' 'kill -TERM $$'
//
// The same program as watch.py, watch.vala and watch-children.c, with the
// same calls.

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import GPidFd from 'gi://GPidFd?version=1';
import System from 'system';

// Lets `await pidfd.communicate_utf8_async(null, null)` return the output,
// as for Gio.Subprocess.
Gio._promisify(GPidFd.PidFd.prototype, 'communicate_utf8_async',
    'communicate_utf8_finish');

const DEMO = ['sleep 0.3; echo awake', 'sleep 0.1; exit 3',
    'sleep 0.2; kill -TERM $$', 'echo hello'];

function describe(info) {
    if (!info.has_status())
        return 'ended; its status is unknown';
    if (info.get_if_exited())
        return `exited with status ${info.get_exit_status()}`;
    return `was killed by signal ${info.get_term_sig()} (${
        GLib.strsignal(info.get_term_sig())})`;
}

async function watch(command) {
    // Held by its pidfd from birth: there is no pid to race with.
    const pidfd = GPidFd.PidFd.spawnv(['/bin/sh', '-c', command],
        Gio.SubprocessFlags.STDOUT_PIPE);
    print(`[${pidfd.get_pid()}] '${command}' started`);
    // Reads stdout to its end and waits for the process, without blocking;
    // every pending wait of the main context shares one epoll fd.
    const [output] = await pidfd.communicate_utf8_async(null, null);
    // The process has ended and been reaped: its record is there.
    const info = pidfd.wait(null);
    for (const line of output.split('\n').filter(Boolean))
        print(`[${info.get_pid()}] '${command}' printed: ${line}`);
    print(`[${info.get_pid()}] '${command}' ${describe(info)}`);
}

// GJS runs the main loop while the module awaits.
const commands = System.programArgs.length > 0 ? System.programArgs : DEMO;
const results = await Promise.allSettled(commands.map(watch));
const failures = results.filter(r => r.status === 'rejected');
for (const {reason} of failures)
    printerr(reason.message ?? reason);
System.exit(failures.length > 0 ? 1 : 0);
