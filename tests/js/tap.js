// SPDX-License-Identifier: LGPL-2.1-or-later
// The GJS suites' shared pieces: assertions, and TAP output that runs
// each test (a function, maybe async) with a time limit, then its
// cleanups, prints "ok"/"not ok" lines and exits 0 when every test
// passed.

const {GLib, Gio} = imports.gi;
const System = imports.system;

var AssertionError = class AssertionError extends Error {};

function assert(cond, what) {
    if (!cond)
        throw new AssertionError(`assertion failed: ${what}`);
}

function assertEqual(actual, expected, what) {
    if (actual !== expected) {
        throw new AssertionError(
            `${what}: got ${actual}, expected ${expected}`);
    }
}

// Checks that e is a GLib.Error in the G_IO_ERROR domain with code.
function checkIOError(e, code, what) {
    if (!(e instanceof GLib.Error))
        throw new AssertionError(`${what}: threw ${e}, not a GLib.Error`);
    if (!e.matches(Gio.IOErrorEnum, code)) {
        throw new AssertionError(`${what}: threw ${e.domain}:${e.code} ` +
            `(${e.message}), expected G_IO_ERROR ${code}`);
    }
}

// Runs func and checks that it throws a GLib.Error in the G_IO_ERROR
// domain with the given code; returns the error.
function assertIOError(func, code, what) {
    try {
        func();
    } catch (e) {
        checkIOError(e, code, what);
        return e;
    }
    throw new AssertionError(`${what}: did not throw`);
}

// Awaits promise and checks that it rejects with a GLib.Error in the
// G_IO_ERROR domain with code; returns the error.
async function assertRejectsIOError(promise, code, what) {
    try {
        await promise;
    } catch (e) {
        checkIOError(e, code, what);
        return e;
    }
    throw new AssertionError(`${what}: did not fail`);
}

function sleep(ms) {
    return new Promise(resolve => GLib.timeout_add(GLib.PRIORITY_DEFAULT, ms,
        () => {
            resolve();
            return GLib.SOURCE_REMOVE;
        }));
}

function withTimeout(promise, seconds) {
    let id = 0;
    const timeout = new Promise((resolve, reject) => {
        id = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, seconds, () => {
            id = 0;
            reject(new Error(`timed out after ${seconds} s`));
            return GLib.SOURCE_REMOVE;
        });
    });
    return Promise.race([promise, timeout]).finally(() => {
        if (id)
            GLib.source_remove(id);
    });
}

async function runTests(tests, cleanups, timeoutSeconds) {
    let failed = 0;
    print(`1..${tests.length}`);
    for (const [i, {name, func}] of tests.entries()) {
        try {
            // eslint-disable-next-line no-await-in-loop
            await withTimeout(Promise.resolve().then(func), timeoutSeconds);
            print(`ok ${i + 1} - ${name}`);
        } catch (e) {
            failed++;
            print(`not ok ${i + 1} - ${name}`);
            for (const line of `${e}\n${e.stack ?? ''}`.trim().split('\n'))
                print(`# ${line}`);
        }
        for (const cleanup of cleanups.splice(0)) {
            try {
                cleanup();
            } catch (e) {
                print(`# cleanup failed: ${e}`);
            }
        }
    }
    return failed;
}

/* Runs @tests ({name, func} objects) in a main loop, and exits. */
function run(tests, cleanups, timeoutSeconds) {
    const loop = new GLib.MainLoop(null, false);
    let exitCode = 1;
    runTests(tests, cleanups, timeoutSeconds).then(failed => {
        exitCode = failed ? 1 : 0;
    }).catch(e => {
        print(`Bail out! ${e}`);
    }).finally(() => loop.quit());
    loop.run();
    System.exit(exitCode);
}
