// SPDX-License-Identifier: LGPL-2.1-or-later
// Tests of the GPidFd bindings through GJS, with real processes.
//
// Run by meson test with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing into
// the build tree. Prints TAP. A missing typelib is a failure, not a skip.

const System = imports.system;
const {GLib, GObject, Gio} = imports.gi;

// The shared TAP runner, beside this file.
imports.searchPath.unshift(GLib.path_get_dirname(System.programPath));
const Tap = imports.tap;
const {AssertionError, assert, assertEqual, assertIOError,
    assertRejectsIOError, sleep} = Tap;

let GPidFd;
try {
    imports.gi.versions.GPidFd = '1';
    GPidFd = imports.gi.GPidFd;
} catch (e) {
    print(`Bail out! cannot load the GPidFd-1 typelib (GI_TYPELIB_PATH=${
        GLib.getenv('GI_TYPELIB_PATH')}): ${e.message}`);
    System.exit(1);
}

Gio._promisify(GPidFd.PidFd.prototype, 'wait_async', 'wait_finish');
Gio._promisify(GPidFd.PidFd.prototype, 'wait_check_async',
    'wait_check_finish');

// Every test fails if it has not finished after this many seconds.
const TEST_TIMEOUT_S = 10;

const SIGKILL = 9, SIGUSR1 = 10, SIGTERM = 15;
const CLD_EXITED = 1, CLD_KILLED = 2;

// Starts a child of this process that nobody else reaps.
function spawn(argv) {
    const [, pid] = GLib.spawn_async(null, argv, null,
        GLib.SpawnFlags.SEARCH_PATH | GLib.SpawnFlags.DO_NOT_REAP_CHILD,
        null);
    return pid;
}

function spawnExit(code) {
    return spawn(['sh', '-c', `exit ${code}`]);
}

// Processes killed and reaped after each test, whatever the test did.
let cleanups = [];

// A child that sleeps until it is killed, held by a pidfd from the start.
function sleeper() {
    const pidfd = GPidFd.PidFd.new_from_pid(spawn(['sleep', '30']));
    cleanups.push(() => {
        try {
            pidfd.send_signal(SIGKILL);
        } catch (e) {
            // Already reaped.
        }
        pidfd.wait(null);
    });
    return pidfd;
}

const tests = [];
function test(name, func) {
    tests.push({name, func});
}

test('new_from_pid', () => {
    const pidfd = sleeper();
    const pid = pidfd.get_pid();
    assert(pidfd instanceof GPidFd.PidFd, 'a PidFd');
    assert(pid > 0, 'a pid');
    assertEqual(pidfd.pid, pid, 'pid property');
    assert(pidfd.is_child(), 'is a child');
    assert(pidfd.get_fd() >= 0, 'an fd');
    assertEqual(pidfd.fd, pidfd.get_fd(), 'fd property');
    assertEqual(pidfd.get_flags(), GPidFd.PidFdFlags.NONE, 'flags');
    assertEqual(pidfd.flags, GPidFd.PidFdFlags.NONE, 'flags property');
    assert(!pidfd.has_exited(), 'has not exited');
    assertEqual(pidfd.try_wait(), null, 'try_wait');
});

test('new_from_fd', () => {
    const pid = spawnExit(5);
    const first = GPidFd.PidFd.new_from_pid(pid);
    // An fd from elsewhere is duplicated.
    const pidfd = GPidFd.PidFd.new_from_fd(first.get_fd());
    assert(pidfd.get_fd() !== first.get_fd(), 'the fd is duplicated');
    assertEqual(pidfd.get_pid(), pid, 'pid');
    assert(pidfd.is_child(), 'is a child');
    const info = pidfd.wait(null);
    assertEqual(info.get_exit_status(), 5, 'exit status');
    // The process is the same through either object.
    assertEqual(first.wait(null).exit_status, 5, 'status through the other');
});

test('new_from_fd_full', () => {
    const first = sleeper();
    const pidfd = GPidFd.PidFd.new_from_fd_full(first.fd,
        GPidFd.PidFdFlags.NO_REAP);
    assertEqual(pidfd.flags, GPidFd.PidFdFlags.NO_REAP, 'flags');
    assertEqual(pidfd.pid, first.pid, 'pid');
});

test('errors', () => {
    for (const pid of [0, -1]) {
        const e = assertIOError(() => GPidFd.PidFd.new_from_pid(pid),
            Gio.IOErrorEnum.INVALID_ARGUMENT, `pid ${pid}`);
        assert(e.message.includes(`${pid}`), 'the message names the pid');
    }

    // A pid that cannot exist: above the kernel's pid_max.
    const [, bytes] = GLib.file_get_contents('/proc/sys/kernel/pid_max');
    const noSuchPid = parseInt(new TextDecoder().decode(bytes)) + 1;
    assertIOError(() => GPidFd.PidFd.new_from_pid(noSuchPid),
        Gio.IOErrorEnum.NOT_FOUND, 'a pid above pid_max');

    assertIOError(() => GPidFd.PidFd.new_from_fd(-1),
        Gio.IOErrorEnum.INVALID_ARGUMENT, 'fd -1');
    const [fd, path] = GLib.file_open_tmp('gpidfd-XXXXXX');
    try {
        assertIOError(() => GPidFd.PidFd.new_from_fd(fd),
            Gio.IOErrorEnum.INVALID_ARGUMENT, 'a regular file');
    } finally {
        GLib.close(fd);
        GLib.unlink(path);
    }
});

test('wait: exit record', () => {
    const pid = spawnExit(42);
    const pidfd = GPidFd.PidFd.new_from_pid(pid);
    const info = pidfd.wait(null);
    assert(info instanceof GPidFd.PidFdExitInfo, 'a PidFdExitInfo');
    assert(pidfd.has_exited(), 'has exited');
    assertEqual(pidfd.get_pid(), -1, 'pid once reaped');

    // Getters and properties agree; the has_* methods are methods, as in
    // every other language.
    assertEqual(info.get_pid(), pid, 'get_pid');
    assertEqual(info.pid, pid, 'pid');
    assertEqual(info.has_uid(), true, 'has_uid');
    assertEqual(info.get_uid(), ownUid(), 'get_uid');
    assertEqual(info.uid, info.get_uid(), 'uid');
    assertEqual(info.has_status(), true, 'has_status');
    assertEqual(info.get_if_exited(), true, 'get_if_exited');
    assertEqual(info.if_exited, true, 'exited');
    assertEqual(info.get_exit_status(), 42, 'get_exit_status');
    assertEqual(info.exit_status, 42, 'exit_status');
    assertEqual(info.exitStatus, 42, 'exitStatus');
    assertEqual(info.get_if_signaled(), false, 'get_if_signaled');
    assertEqual(info.if_signaled, false, 'signaled');
    // Not applicable: -1, like every unknown integer.
    assertEqual(info.get_term_sig(), -1, 'get_term_sig');
    assertEqual(info.term_sig, -1, 'term_signal');
    assertEqual(info.get_successful(), false, 'get_successful');
    assertEqual(info.successful, false, 'successful');
    assertEqual(info.get_core_dumped(), false, 'get_core_dumped');
    assertEqual(info.core_dumped, false, 'core_dumped');
    assertEqual(info.get_si_code(), CLD_EXITED, 'get_si_code');
    assertEqual(info.si_code, CLD_EXITED, 'code');
    assertEqual(info.get_status(), 42 << 8, 'get_status');
    assertEqual(info.status, 42 << 8, 'wait_status');

    // A child's record carries its resource usage.
    assertEqual(info.has_rusage(), true, 'has_rusage');
    assert(info.get_user_time() >= 0, 'get_user_time');
    assertEqual(info.user_time, info.get_user_time(), 'user_time');
    assert(info.get_system_time() >= 0, 'get_system_time');
    assertEqual(info.system_time, info.get_system_time(), 'system_time');
    assert(info.get_max_rss() > 0, 'get_max_rss');
    assertEqual(info.max_rss, info.get_max_rss(), 'max_rss');

    // check() turns a non-zero exit into a spawn exit error.
    try {
        info.check();
        throw new AssertionError('check() did not throw');
    } catch (e) {
        assert(e instanceof GLib.Error, 'a GLib.Error');
        assert(e.matches(GLib.spawn_exit_error_quark(), 42),
            `G_SPAWN_EXIT_ERROR 42, got ${e}`);
        assertEqual(e.message, `Process ${pid} exited with code 42`,
            'the message');
    }

    // The record is cached: a second wait gives the same object.
    assert(pidfd.wait(null) === info, 'wait again gives the same record');
    assert(pidfd.try_wait() === info, 'try_wait gives the same record');
});

test('wait: success', () => {
    const info = GPidFd.PidFd.new_from_pid(spawnExit(0)).wait(null);
    assert(info.check(), 'check');
    assertEqual(info.exit_status, 0, 'exit status');
    assertEqual(info.get_successful(), true, 'get_successful');
    assertEqual(info.successful, true, 'successful');
});

test('try_wait', () => {
    const pidfd = sleeper();
    assertEqual(pidfd.try_wait(), null, 'try_wait while running');
    pidfd.send_signal(SIGKILL);
    const info = pidfd.wait(null);
    assert(pidfd.try_wait() === info, 'try_wait after wait');
    assertEqual(info.term_sig, SIGKILL, 'term signal');
});

test('wait: cancelled', () => {
    const pidfd = sleeper();
    const cancellable = new Gio.Cancellable();
    cancellable.cancel();
    assertIOError(() => pidfd.wait(cancellable), Gio.IOErrorEnum.CANCELLED,
        'a cancelled wait');
    assert(!pidfd.has_exited(), 'the process is left alone');
});

test('send_signal', () => {
    const pidfd = sleeper();
    assert(pidfd.send_signal(0), 'signal 0');
    assert(pidfd.send_signal(SIGTERM), 'SIGTERM');
    const info = pidfd.wait(null);
    assertEqual(info.has_status(), true, 'has_status');
    assertEqual(info.if_exited, false, 'exited');
    assertEqual(info.exit_status, -1, 'exit_status');
    assertEqual(info.if_signaled, true, 'signaled');
    assertEqual(info.term_sig, SIGTERM, 'term_signal');
    assertEqual(info.si_code, CLD_KILLED, 'code');
    assertEqual(info.status, SIGTERM, 'wait_status');
    try {
        info.check();
        throw new AssertionError('check() did not throw');
    } catch (e) {
        assert(e.matches(GLib.SpawnError, GLib.SpawnError.FAILED),
            `G_SPAWN_ERROR_FAILED, got ${e}`);
        assertEqual(e.message, `Process ${info.pid} killed by SIGTERM ` +
            `(signal ${SIGTERM})`, 'the message');
        assertEqual(e.message, `Process ${info.pid} ${info.describe()}`,
            'check () and describe () in the same words');
    }
});

test('send_signal: errors', () => {
    const pidfd = sleeper();
    for (const signum of [-1, 65, 1000]) {
        assertIOError(() => pidfd.send_signal(signum),
            Gio.IOErrorEnum.INVALID_ARGUMENT, `signal ${signum}`);
    }
    const reaped = GPidFd.PidFd.new_from_pid(spawnExit(0));
    reaped.wait(null);
    assertIOError(() => reaped.send_signal(SIGTERM),
        Gio.IOErrorEnum.NOT_FOUND, 'a reaped process');
});

// Starts sh, whose background subshell (our grandchild) exits with code
// once a line is written to sh's stdin; sh reaps it, then exits. Returns
// the grandchild's pid, a function that lets it exit, and a GPidFd of sh.
function startGrandchild(code) {
    const [, pid, stdin, stdout] = GLib.spawn_async_with_pipes(null,
        ['sh', '-c', `exec 3<&0; (read line <&3; exit ${code}) & echo $!; wait`],
        null, GLib.SpawnFlags.SEARCH_PATH | GLib.SpawnFlags.DO_NOT_REAP_CHILD,
        null);
    const middle = GPidFd.PidFd.new_from_pid(pid);
    const input = new Gio.UnixOutputStream({fd: stdin, close_fd: true});
    const output = new Gio.DataInputStream({
        base_stream: new Gio.UnixInputStream({fd: stdout, close_fd: true}),
    });
    const [line] = output.read_line_utf8(null);
    output.close(null);
    const release = () => {
        input.write_all('go\n', null);
        input.close(null);
    };
    cleanups.push(() => {
        if (!input.is_closed())
            release();
        middle.wait(null);
    });
    return [parseInt(line), release, middle];
}

test('non-child: status once its parent reaped it', () => {
    const [grandchild, release, middle] = startGrandchild(7);
    const pidfd = GPidFd.PidFd.new_from_pid(grandchild);
    assert(!pidfd.is_child(), 'not a child');
    assertEqual(pidfd.pid, grandchild, 'pid');
    assertEqual(pidfd.try_wait(), null, 'try_wait while running');
    release();
    const info = pidfd.wait(null);
    assertEqual(info.has_status(), true, 'has_status');
    assertEqual(info.if_exited, true, 'exited');
    assertEqual(info.exit_status, 7, 'exit_status');
    assertEqual(info.pid, grandchild, 'pid');
    assertEqual(info.has_rusage(), false, 'has_rusage');
    assertEqual(info.user_time, -1, 'user_time');
    assertEqual(info.max_rss, -1, 'max_rss');
    // check() does not call it a child.
    try {
        info.check();
        throw new AssertionError('check() did not throw');
    } catch (e) {
        assert(e.matches(GLib.spawn_exit_error_quark(), 7),
            `G_SPAWN_EXIT_ERROR 7, got ${e}`);
        assertEqual(e.message, `Process ${grandchild} exited with code 7`,
            'the message');
    }
    assertEqual(middle.wait(null).exit_status, 0, 'the middle process');
});

test('non-child: await wait_async', async () => {
    const [grandchild, release] = startGrandchild(3);
    const pidfd = GPidFd.PidFd.new_from_pid(grandchild);
    const promise = pidfd.wait_async(null);
    release();
    const info = await promise;
    assert(!pidfd.is_child(), 'not a child');
    assertEqual(info.has_status(), true, 'has_status');
    assertEqual(info.exit_status, 3, 'exit_status');
    assertEqual(info.has_rusage(), false, 'has_rusage');
});

test('wait_async with a callback', () => {
    const pid = spawnExit(17);
    const pidfd = GPidFd.PidFd.new_from_pid(pid);
    const loop = new GLib.MainLoop(null, false);
    let info = null, error = null;
    pidfd.wait_async(null, (source, result) => {
        try {
            assert(source === pidfd, 'the source object');
            info = source.wait_finish(result);
        } catch (e) {
            error = e;
        }
        loop.quit();
    });
    // The callback never runs from inside wait_async().
    assertEqual(info, null, 'no record yet');
    const timeoutId = GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT,
        TEST_TIMEOUT_S, () => {
            error = new AssertionError('timed out');
            loop.quit();
            return GLib.SOURCE_REMOVE;
        });
    loop.run();
    if (error)
        throw error;
    GLib.source_remove(timeoutId);
    assertEqual(info.exit_status, 17, 'exit_status');
    assertEqual(info.has_rusage(), true, 'has_rusage');
    assert(pidfd.wait(null) === info, 'the same record');
});

test('await wait_async', async () => {
    const pidfd = GPidFd.PidFd.new_from_pid(spawnExit(21));
    const info = await pidfd.wait_async(null);
    assertEqual(info.exit_status, 21, 'exit_status');
    assert(await pidfd.wait_async(null) === info, 'the same record');
});

test('await wait_async: many children', async () => {
    const codes = [0, 1, 2, 3, 4, 5, 6, 7];
    const pidfds = codes.map(c => GPidFd.PidFd.new_from_pid(spawnExit(c)));
    const infos = await Promise.all(pidfds.map(p => p.wait_async(null)));
    assertEqual(infos.map(i => i.exit_status).join(), codes.join(),
        'exit statuses');
});

test('await wait_async: a signalled child', async () => {
    const pidfd = sleeper();
    const promise = pidfd.wait_async(null);
    await sleep(50);
    pidfd.send_signal(SIGUSR1);
    const info = await promise;
    assertEqual(info.if_signaled, true, 'signaled');
    assertEqual(info.term_sig, SIGUSR1, 'term_signal');
});

test('await wait_async: cancelled', async () => {
    const pidfd = sleeper();
    const cancellable = new Gio.Cancellable();
    const promise = pidfd.wait_async(cancellable);
    await sleep(50);
    cancellable.cancel();
    await assertRejectsIOError(promise, Gio.IOErrorEnum.CANCELLED,
        'a cancelled wait');

    const already = new Gio.Cancellable();
    already.cancel();
    await assertRejectsIOError(pidfd.wait_async(already),
        Gio.IOErrorEnum.CANCELLED, 'a wait cancelled before it started');

    // Nothing was lost: the child is still there and a wait gets it.
    assert(!pidfd.has_exited(), 'the process is left alone');
    const again = pidfd.wait_async(null);
    pidfd.send_signal(SIGKILL);
    const info = await again;
    assertEqual(info.term_sig, SIGKILL, 'term_signal');
});

test('NO_REAP with Gio.Subprocess', async () => {
    // The child waits for its stdin to close, so that it is still there
    // (and its pid still its own) when it is opened.
    const proc = Gio.Subprocess.new(['sh', '-c', 'read x; exit 5'],
        Gio.SubprocessFlags.STDIN_PIPE);
    const pidfd = GPidFd.PidFd.new_from_pid_full(
        parseInt(proc.get_identifier()), GPidFd.PidFdFlags.NO_REAP);
    proc.get_stdin_pipe().close(null);
    const info = await pidfd.wait_async(null);
    assertEqual(info.exit_status, 5, 'exit_status');
    // The GSubprocess still reaps it and sees the same status.
    Gio._promisify(Gio.Subprocess.prototype, 'wait_async');
    await proc.wait_async(null);
    assertEqual(proc.get_exit_status(), 5, 'the GSubprocess status');
});

// Runs the default main context until done() is true or the test times out.
async function until(done) {
    while (!done())
        // eslint-disable-next-line no-await-in-loop
        await sleep(10);
}

// Iterates context (not the default one) until done() is true.
function iterateUntil(context, done, what) {
    let timedOut = false;
    const timeout = GLib.timeout_source_new_seconds(TEST_TIMEOUT_S);
    timeout.set_callback(() => {
        timedOut = true;
        return GLib.SOURCE_REMOVE;
    });
    timeout.attach(context);
    try {
        while (!done()) {
            if (timedOut)
                throw new AssertionError(`timed out waiting for ${what}`);
            context.iteration(true);
        }
    } finally {
        timeout.destroy();
    }
}

function ownUid() {
    const [, bytes] = GLib.file_get_contents('/proc/self/status');
    const line = new TextDecoder().decode(bytes).split('\n')
        .find(l => l.startsWith('Uid:'));
    return parseInt(line.split(/\s+/)[1]);
}

test('construct: new PidFd({pid}) and init()', () => {
    const pid = spawnExit(8);
    const pidfd = new GPidFd.PidFd({pid});
    assertEqual(pidfd.pid, pid, 'pid before init');
    assert(pidfd.init(null), 'init');
    assertEqual(pidfd.get_pid(), pid, 'get_pid');
    assert(pidfd.get_fd() >= 0, 'an fd');
    assert(pidfd.is_child(), 'is a child');
    assertEqual(pidfd.wait(null).get_exit_status(), 8, 'exit status');
    assert(pidfd.init(null), 'a second init');
});

test('construct: new PidFd({fd, flags}) and init()', () => {
    const first = sleeper();
    const pidfd = new GPidFd.PidFd({
        fd: first.get_fd(),
        flags: GPidFd.PidFdFlags.NO_REAP,
    });
    pidfd.init(null);
    assert(pidfd.get_fd() !== first.get_fd(), 'the fd is duplicated');
    assertEqual(pidfd.get_pid(), first.get_pid(), 'pid');
    assertEqual(pidfd.flags, GPidFd.PidFdFlags.NO_REAP, 'flags');
});

test('construct: every call fails before init()', async () => {
    const running = sleeper();
    const pidfd = new GPidFd.PidFd({pid: running.get_pid()});
    const calls = {
        wait: () => pidfd.wait(null),
        try_wait: () => pidfd.try_wait(),
        send_signal: () => pidfd.send_signal(SIGTERM),
        force_exit: () => pidfd.force_exit(),
        wait_check: () => pidfd.wait_check(null),
    };
    for (const [name, call] of Object.entries(calls)) {
        const e = assertIOError(call, Gio.IOErrorEnum.NOT_INITIALIZED, name);
        assert(e.message.includes('init'), `${name}: the message says why`);
    }
    await assertRejectsIOError(pidfd.wait_async(null),
        Gio.IOErrorEnum.NOT_INITIALIZED, 'wait_async');
    assert(!running.has_exited(), 'nothing was sent');
});

test('construct: init() fails and says why, every time', () => {
    const [, bytes] = GLib.file_get_contents('/proc/sys/kernel/pid_max');
    const noSuchPid = parseInt(new TextDecoder().decode(bytes)) + 1;
    const pidfd = new GPidFd.PidFd({pid: noSuchPid});
    let e = assertIOError(() => pidfd.init(null), Gio.IOErrorEnum.NOT_FOUND,
        'init');
    assert(e.message.includes(`${noSuchPid}`), 'the message names the pid');
    assertIOError(() => pidfd.init(null), Gio.IOErrorEnum.NOT_FOUND,
        'init again');
    e = assertIOError(() => pidfd.wait(null),
        Gio.IOErrorEnum.NOT_INITIALIZED, 'wait');
    assert(e.message.includes(`${noSuchPid}`), 'wait says why');
});

test('wait_check and force_exit', async () => {
    assert(GPidFd.PidFd.new_from_pid(spawnExit(0)).wait_check(null),
        'wait_check of a success');
    const pid = spawnExit(3);
    try {
        GPidFd.PidFd.new_from_pid(pid).wait_check(null);
        throw new AssertionError('wait_check did not throw');
    } catch (e) {
        assert(e.matches(GLib.spawn_exit_error_quark(), 3),
            `G_SPAWN_EXIT_ERROR 3, got ${e}`);
        assertEqual(e.message, `Process ${pid} exited with code 3`,
            'the message');
    }

    assertEqual(await GPidFd.PidFd.new_from_pid(spawnExit(0))
        .wait_check_async(null), true, 'wait_check_async of a success');
    const failing = spawnExit(4);
    try {
        await GPidFd.PidFd.new_from_pid(failing).wait_check_async(null);
        throw new AssertionError('wait_check_async did not reject');
    } catch (e) {
        assert(e.matches(GLib.spawn_exit_error_quark(), 4),
            `G_SPAWN_EXIT_ERROR 4, got ${e}`);
        assertEqual(e.message, `Process ${failing} exited with code 4`,
            'the message');
    }

    const pidfd = sleeper();
    assert(pidfd.force_exit(), 'force_exit');
    try {
        await pidfd.wait_check_async(null);
        throw new AssertionError('wait_check_async did not reject');
    } catch (e) {
        assert(e.matches(GLib.SpawnError, GLib.SpawnError.FAILED),
            `G_SPAWN_ERROR_FAILED, got ${e}`);
        assertEqual(e.message, `Process ${pidfd.wait(null).get_pid()} ` +
            `killed by SIGKILL (signal ${SIGKILL})`, 'the message');
    }
    assertEqual(pidfd.wait(null).get_term_sig(), SIGKILL, 'SIGKILL');
});

test('add_watch: just a callback', async () => {
    const pidfd = GPidFd.PidFd.new_from_pid(spawnExit(11));
    let calls = [];
    const id = pidfd.add_watch(GLib.PRIORITY_DEFAULT, (...args) => {
        calls.push(args);
        return GLib.SOURCE_REMOVE;
    });
    assert(id > 0, 'a source id');
    const source = GLib.MainContext.default().find_source_by_id(id);
    assertEqual(source.get_priority(), GLib.PRIORITY_DEFAULT, 'priority');
    await until(() => calls.length > 0);
    assertEqual(calls.length, 1, 'one call');
    const [source_, info] = calls[0];
    assertEqual(calls[0].length, 2, 'the pidfd and the record');
    assert(source_ === pidfd, 'the pidfd');
    assertEqual(info.exit_status, 11, 'exit_status');
    assertEqual(info.has_rusage(), true, 'has_rusage');
    assert(pidfd.has_exited(), 'reaped');
});

test('add_watch_full: a priority', async () => {
    const pidfd = GPidFd.PidFd.new_from_pid(spawnExit(13));
    let record = null;
    const id = pidfd.add_watch(GLib.PRIORITY_HIGH, (p, info) => {
        record = info;
        return GLib.SOURCE_REMOVE;
    });
    const source = GLib.MainContext.default().find_source_by_id(id);
    assertEqual(source.get_priority(), GLib.PRIORITY_HIGH, 'priority');
    await until(() => record !== null);
    assertEqual(record.exit_status, 13, 'exit_status');
});

test('add_watch: removed before it fires', async () => {
    const pidfd = sleeper();
    let fired = false;
    const id = pidfd.add_watch(GLib.PRIORITY_DEFAULT, () => {
        fired = true;
        return GLib.SOURCE_REMOVE;
    });
    GLib.source_remove(id);
    pidfd.send_signal(SIGKILL);
    await sleep(100);
    assert(!fired, 'a removed watch does not fire');
    // The process was left for a wait to reap.
    assertEqual(pidfd.wait(null).term_sig, SIGKILL, 'term_signal');
});

test('create_source: a closure gets the record', () => {
    const pidfd = GPidFd.PidFd.new_from_pid(spawnExit(14));
    const context = new GLib.MainContext();
    const calls = [];
    const source = pidfd.create_source();
    GObject.source_set_closure(source, (...args) => {
        calls.push(args);
        return GLib.SOURCE_REMOVE;
    });
    source.attach(context);
    iterateUntil(context, () => calls.length > 0, 'the source');
    const [p, info] = calls[0];
    assertEqual(calls[0].length, 2, 'the pidfd and the record');
    assert(p === pidfd, 'the pidfd');
    assertEqual(info.exit_status, 14, 'exit_status');
    assertEqual(info.has_rusage(), true, 'has_rusage');
    assert(source.is_destroyed(), 'the source fired once');
    assert(pidfd.try_wait() === info, 'the same record');
});

test('create_source: set_callback and try_wait', () => {
    // A GLib.SourceFunc gets no arguments, as for
    // GLib.child_watch_source_new(); the pidfd then has the record.
    const pidfd = GPidFd.PidFd.new_from_pid(spawnExit(15));
    const context = new GLib.MainContext();
    const calls = [];
    const source = pidfd.create_source();
    source.set_callback((...args) => {
        calls.push([args, pidfd.try_wait()]);
        return GLib.SOURCE_REMOVE;
    });
    source.attach(context);
    iterateUntil(context, () => calls.length > 0, 'the source');
    const [args, info] = calls[0];
    assertEqual(args.length, 0, 'no arguments');
    assertEqual(info.exit_status, 15, 'exit_status');
});

test('names: no property hides a method', () => {
    // GJS gives a property precedence over a method of the same name, so
    // the typelib must have no such pair in any class.
    const GIRepository = imports.gi.GIRepository;
    const repo = GIRepository.Repository.get_default();
    const classes = [];
    for (let i = 0; i < repo.get_n_infos('GPidFd'); i++) {
        const info = repo.get_info('GPidFd', i);
        if (info.get_type() !== GIRepository.InfoType.OBJECT)
            continue;
        classes.push(info.get_name());
        for (let j = 0; j < GIRepository.object_info_get_n_properties(info); j++) {
            const name = GIRepository.object_info_get_property(info, j)
                .get_name().replace(/-/g, '_');
            assertEqual(GIRepository.object_info_find_method(info, name), null,
                `${info.get_name()}: the property ${name} hides ${name}()`);
        }
    }
    assert(classes.includes('PidFdExitInfo'), 'PidFdExitInfo checked');
    assert(classes.includes('PidFd'), 'PidFd checked');

    const info = GPidFd.PidFd.new_from_pid(spawnExit(0)).wait(null);
    assertEqual(info.has_status(), true, 'has_status()');
    assertEqual(info.has_rusage(), true, 'has_rusage()');
    assertEqual(info.has_uid(), true, 'has_uid()');
});

Tap.run(tests, cleanups, TEST_TIMEOUT_S);
