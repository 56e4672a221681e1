// SPDX-License-Identifier: LGPL-2.1-or-later
// Tests of spawning through GJS: GPidFd.PidFd.spawnv, the pipes,
// communicate and communicate_utf8 (with Gio._promisify, as for
// Gio.Subprocess), GPidFd.PidFdLauncher and signals to a process group,
// with real processes.
//
// Run by meson test with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing into
// the build tree, under `env --ignore-signal=HUP --ignore-signal=USR2` for
// the test of set_inherit_ignored_signals(). Prints TAP. A missing typelib
// is a failure, not a skip.

const System = imports.system;
const {GLib, Gio} = imports.gi;

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

// As for Gio.Subprocess: `await` gives the record, or the outputs.
Gio._promisify(GPidFd.PidFd.prototype, 'wait_async', 'wait_finish');
Gio._promisify(GPidFd.PidFd.prototype, 'communicate_async',
    'communicate_finish');
Gio._promisify(GPidFd.PidFd.prototype, 'communicate_utf8_async',
    'communicate_utf8_finish');

const Flags = Gio.SubprocessFlags;

// Every test fails if it has not finished after this many seconds.
const TEST_TIMEOUT_S = 30;

const SIGHUP = 1, SIGKILL = 9, SIGUSR2 = 12, SIGTERM = 15;
const CLD_EXITED = 1;

// More than any pipe buffer: communicate must feed and drain at once.
const MIB = 1024 * 1024;
const TEXT = (() => {
    const lines = [];
    for (let i = 0, size = 0; size <= MIB; i++, size += 24)
        lines.push(`${String(i).padStart(6, '0')} héllo wörld ✓\n`);
    return lines.join('');
})();
// Every byte value, 0 and 0xff included.
const DATA = Uint8Array.from({length: MIB}, (_, i) => (i * 7 + (i >> 8)) & 0xff);

// Burns a little CPU time in the child, so that its rusage is not zero.
const BURN = 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Processes killed and reaped, and files removed, after each test.
const cleanups = [];

function killAndReap(child) {
    try {
        child.force_exit();
    } catch (e) {
        // Already reaped.
    }
    child.wait(null);
}

// Spawns argv with flags, or with a launcher; the process is killed and
// reaped after the test.
function spawn(argv, flags = Flags.NONE) {
    const child = GPidFd.PidFd.spawnv(argv, flags);
    cleanups.push(() => killAndReap(child));
    return child;
}

function launch(launcher, argv) {
    const child = launcher.spawnv(argv);
    cleanups.push(() => killAndReap(child));
    return child;
}

function tmpdir() {
    const path = GLib.dir_make_tmp('gpidfd-XXXXXX');
    cleanups.push(() => GLib.spawn_sync(null, ['rm', '-rf', path], null,
        GLib.SpawnFlags.SEARCH_PATH, null));
    return path;
}

function readFile(path) {
    return decoder.decode(GLib.file_get_contents(path)[1]);
}

// Reads stream to its end, as text.
function readStream(stream) {
    const memory = Gio.MemoryOutputStream.new_resizable();
    memory.splice(stream, Gio.OutputStreamSpliceFlags.CLOSE_TARGET, null);
    return decoder.decode(memory.steal_as_bytes().toArray());
}

function assertBytesEqual(actual, expected, what) {
    assertEqual(actual.length, expected.length, `${what}: length`);
    for (let i = 0; i < expected.length; i++) {
        if (actual[i] !== expected[i])
            throw new AssertionError(`${what}: differs at offset ${i}`);
    }
}

function assertSpawnError(e, code, what) {
    if (!(e instanceof GLib.Error))
        throw new AssertionError(`${what}: threw ${e}, not a GLib.Error`);
    if (!e.matches(GLib.spawn_error_quark(), code)) {
        throw new AssertionError(`${what}: threw ${e.domain}:${e.code} ` +
            `(${e.message}), expected G_SPAWN_ERROR ${code}`);
    }
}

// The signals in the SigIgn line of a /proc/PID/status.
function ignoredSignals(status) {
    const mask = BigInt(`0x${status.match(/^SigIgn:\s*([0-9a-f]+)/m)[1]}`);
    const signals = [];
    for (let n = 1; n <= 64; n++) {
        if (mask & (1n << BigInt(n - 1)))
            signals.push(n);
    }
    return signals;
}

function processGroupOf(pid) {
    const stat = readFile(`/proc/${pid}/stat`);
    // pid (comm) state ppid pgrp ...; comm may hold spaces.
    return parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

// Whether any process (a zombie too) is left in process group pgid.
function groupExists(pgid) {
    const kill = GPidFd.PidFd.spawnv(['sh', '-c', `kill -0 -${pgid}`],
        Flags.STDERR_SILENCE);
    return kill.wait(null).get_exit_status() === 0;
}

const tests = [];
function test(name, func) {
    tests.push({name, func});
}

test('spawnv: exit status and rusage', () => {
    const child = GPidFd.PidFd.spawnv(['sh', '-c', `${BURN}; exit 7`],
        Flags.NONE);
    assert(child instanceof GPidFd.PidFd, 'a PidFd');
    const pid = child.get_pid();
    assert(pid > 0, 'a pid');
    assert(child.is_child(), 'a child');
    const info = child.wait(null);
    assertEqual(info.pid, pid, 'pid');
    assertEqual(info.has_status(), true, 'has_status');
    assertEqual(info.if_exited, true, 'exited');
    assertEqual(info.exit_status, 7, 'exit_status');
    assertEqual(info.status, 7 << 8, 'wait_status');
    assertEqual(info.si_code, CLD_EXITED, 'code');
    // Born a child of ours: the record has the full rusage.
    assertEqual(info.has_rusage(), true, 'has_rusage');
    assert(info.user_time + info.system_time > 0, 'CPU time used');
    assert(info.max_rss > 0, 'max_rss');
    assertEqual(child.get_pid(), -1, 'reaped');
});

test('spawnv: signalled, wait_check', async () => {
    const child = spawn(['sleep', '100']);
    assertEqual(child.try_wait(), null, 'still running');
    child.send_signal(SIGTERM);
    const info = await child.wait_async(null);
    assertEqual(info.term_sig, SIGTERM, 'term_signal');
    assertEqual(info.has_rusage(), true, 'has_rusage');

    assertEqual(GPidFd.PidFd.spawnv(['true'], Flags.NONE).wait_check(null),
        true, 'true');
    const failing = GPidFd.PidFd.spawnv(['false'], Flags.NONE);
    const pid = failing.get_pid();
    try {
        failing.wait_check(null);
        throw new AssertionError('wait_check did not throw');
    } catch (e) {
        assert(e.matches(GLib.spawn_exit_error_quark(), 1),
            `G_SPAWN_EXIT_ERROR 1, got ${e}`);
        assertEqual(e.message, `Process ${pid} exited with code 1`, 'message');
    }
});

test('spawnv: exec error names the program', () => {
    const missing = GLib.build_filenamev([tmpdir(), 'missing']);
    for (const program of ['gpidfd-no-such-program', missing]) {
        try {
            GPidFd.PidFd.spawnv([program, 'argument'], Flags.NONE);
            throw new AssertionError(`${program}: did not throw`);
        } catch (e) {
            assertSpawnError(e, GLib.SpawnError.NOENT, program);
            assert(e.message.includes(program),
                `"${e.message}" names ${program}`);
        }
    }
});

test('spawn (varargs) is C only', () => {
    assertEqual(GPidFd.PidFd.spawn, undefined, 'PidFd.spawn');
    assertEqual(GPidFd.PidFdLauncher.prototype.spawn, undefined,
        'PidFdLauncher.spawn');
});

test('pipes: stdin and stdout', () => {
    const child = spawn(['cat'], Flags.STDIN_PIPE | Flags.STDOUT_PIPE);
    const stdin = child.get_stdin_pipe();
    const stdout = child.get_stdout_pipe();
    assert(stdin instanceof Gio.OutputStream, 'an output stream');
    assert(stdout instanceof Gio.InputStream, 'an input stream');
    assertEqual(child.get_stderr_pipe(), null, 'no stderr pipe');
    const [ok, written] = stdin.write_all(encoder.encode('one\ntwo\n'), null);
    assert(ok, 'write_all');
    assertEqual(written, 8, 'written');
    // Closing stdin gives cat end of file.
    stdin.close(null);
    assertEqual(readStream(stdout), 'one\ntwo\n', 'read back');
    assertEqual(child.wait(null).exit_status, 0, 'exit_status');
});

test('pipes: none, stderr, merged, silenced', () => {
    let child = spawn(['true']);
    assertEqual(child.get_stdin_pipe(), null, 'no stdin pipe');
    assertEqual(child.get_stdout_pipe(), null, 'no stdout pipe');
    assertEqual(child.get_stderr_pipe(), null, 'no stderr pipe');

    const script = 'echo out; echo err >&2';
    child = spawn(['sh', '-c', script], Flags.STDOUT_PIPE | Flags.STDERR_PIPE);
    assertEqual(readStream(child.get_stderr_pipe()), 'err\n', 'stderr');
    assertEqual(readStream(child.get_stdout_pipe()), 'out\n', 'stdout');

    child = spawn(['sh', '-c', script], Flags.STDOUT_PIPE | Flags.STDERR_MERGE);
    assertEqual(child.get_stderr_pipe(), null, 'merged: no stderr pipe');
    let [ok, out, err] = child.communicate_utf8(null, null);
    assert(ok, 'communicate_utf8');
    assertEqual(out, 'out\nerr\n', 'merged');
    assertEqual(err, null, 'no stderr');

    child = spawn(['sh', '-c', script],
        Flags.STDOUT_SILENCE | Flags.STDERR_PIPE);
    [ok, out, err] = child.communicate_utf8(null, null);
    assertEqual(out, null, 'silenced');
    assertEqual(err, 'err\n', 'stderr');
});

test('communicate: 1 MiB through cat', () => {
    const child = spawn(['cat'], Flags.STDIN_PIPE | Flags.STDOUT_PIPE);
    const [ok, out, err] = child.communicate(new GLib.Bytes(DATA), null);
    assert(ok, 'communicate');
    assertBytesEqual(out.toArray(), DATA, 'stdout');
    assertEqual(err, null, 'no stderr');
    // It has ended and been reaped: the record is there at once.
    assertEqual(child.try_wait().exit_status, 0, 'exit_status');
});

test('communicate_async: 1 MiB through cat, promisified', async () => {
    const child = spawn(['cat'], Flags.STDIN_PIPE | Flags.STDOUT_PIPE);
    const [out, err] = await child.communicate_async(new GLib.Bytes(DATA),
        null);
    assertBytesEqual(out.toArray(), DATA, 'stdout');
    assertEqual(err, null, 'no stderr');
    assertEqual(child.try_wait().exit_status, 0, 'exit_status');
});

test('communicate_utf8: 1 MiB of text through cat', () => {
    const child = spawn(['cat'], Flags.STDIN_PIPE | Flags.STDOUT_PIPE);
    const [ok, out, err] = child.communicate_utf8(TEXT, null);
    assert(ok, 'communicate_utf8');
    assertEqual(out.length, TEXT.length, 'length');
    assert(out === TEXT, 'the same text');
    assertEqual(err, null, 'no stderr');
});

test('communicate_utf8_async: 1 MiB of text, promisified', async () => {
    const child = spawn(['cat'], Flags.STDIN_PIPE | Flags.STDOUT_PIPE);
    const [out, err] = await child.communicate_utf8_async(TEXT, null);
    assertEqual(out.length, TEXT.length, 'length');
    assert(out === TEXT, 'the same text');
    assertEqual(err, null, 'no stderr');
    assertEqual(child.try_wait().exit_status, 0, 'exit_status');

    // Both streams; the status is on the record, not checked.
    const other = spawn(['sh', '-c', 'echo out; echo err >&2; exit 3'],
        Flags.STDOUT_PIPE | Flags.STDERR_PIPE);
    const [out2, err2] = await other.communicate_utf8_async(null, null);
    assertEqual(out2, 'out\n', 'stdout');
    assertEqual(err2, 'err\n', 'stderr');
    assertEqual((await other.wait_async(null)).exit_status, 3, 'exit_status');
});

test('communicate_utf8: invalid UTF-8', async () => {
    let child = spawn(['printf', 'valid, then \\377 not'], Flags.STDOUT_PIPE);
    const pid = child.get_pid();
    const e = assertIOError(() => child.communicate_utf8(null, null),
        Gio.IOErrorEnum.INVALID_DATA, 'sync');
    assert(e.message.includes('stdout'), `"${e.message}" names stdout`);
    assert(e.message.includes(`${pid}`), `"${e.message}" names the pid`);

    child = spawn(['sh', '-c', 'printf "\\377" >&2'], Flags.STDERR_PIPE);
    const e2 = await assertRejectsIOError(
        child.communicate_utf8_async(null, null),
        Gio.IOErrorEnum.INVALID_DATA, 'async');
    assert(e2.message.includes('stderr'), `"${e2.message}" names stderr`);
});

test('communicate: cancelled', async () => {
    const child = spawn(['sleep', '100'], Flags.STDOUT_PIPE);
    const cancellable = new Gio.Cancellable();
    const promise = child.communicate_utf8_async(null, cancellable);
    await sleep(50);
    cancellable.cancel();
    await assertRejectsIOError(promise, Gio.IOErrorEnum.CANCELLED, 'async');
    // Cancelling does not end the process.
    assertEqual(child.try_wait(), null, 'still running');
});

test('a process gpidfd did not start has no pipes', async () => {
    const [, pid] = GLib.spawn_async(null, ['sleep', '100'], null,
        GLib.SpawnFlags.SEARCH_PATH | GLib.SpawnFlags.DO_NOT_REAP_CHILD, null);
    const other = GPidFd.PidFd.new_from_pid(pid);
    cleanups.push(() => killAndReap(other));
    assertEqual(other.get_stdin_pipe(), null, 'stdin');
    assertEqual(other.get_stdout_pipe(), null, 'stdout');
    assertEqual(other.get_stderr_pipe(), null, 'stderr');
    const e = assertIOError(() => other.communicate_utf8(null, null),
        Gio.IOErrorEnum.NOT_SUPPORTED, 'communicate_utf8');
    assert(e.message.includes(`${pid}`), `"${e.message}" names the pid`);
    assertIOError(() => other.communicate(null, null),
        Gio.IOErrorEnum.NOT_SUPPORTED, 'communicate');
    await assertRejectsIOError(other.communicate_async(null, null),
        Gio.IOErrorEnum.NOT_SUPPORTED, 'communicate_async');
    await assertRejectsIOError(other.communicate_utf8_async(null, null),
        Gio.IOErrorEnum.NOT_SUPPORTED, 'communicate_utf8_async');
    assertEqual(other.try_wait(), null, 'still running');
});

test('launcher: flags', () => {
    const launcher = GPidFd.PidFdLauncher.new(Flags.NONE);
    assertEqual(launcher.flags, Flags.NONE, 'flags');
    let notified = 0;
    launcher.connect('notify::flags', () => notified++);
    launcher.set_flags(Flags.STDOUT_PIPE);
    assertEqual(launcher.flags, Flags.STDOUT_PIPE, 'flags');
    assertEqual(notified, 1, 'notified');
    launcher.set_flags(Flags.STDOUT_PIPE);
    assertEqual(notified, 1, 'not notified without a change');
    const child = launch(launcher, ['echo', 'piped']);
    assertEqual(child.communicate_utf8(null, null)[1], 'piped\n', 'stdout');

    const other = new GPidFd.PidFdLauncher({flags: Flags.STDERR_PIPE});
    const child2 = launch(other, ['sh', '-c', 'echo e >&2']);
    assertEqual(child2.get_stdout_pipe(), null, 'no stdout pipe');
    assertEqual(child2.communicate_utf8(null, null)[2], 'e\n', 'stderr');
});

test('launcher: environment', () => {
    const launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE);
    assertEqual(launcher.getenv('PATH'), GLib.getenv('PATH'),
        'a copy of ours');
    const childEnviron = () => {
        const child = launch(launcher, ['/usr/bin/env']);
        const [, out] = child.communicate_utf8(null, null);
        assertEqual(child.try_wait().exit_status, 0, 'env exit status');
        return out.split('\n').filter(l => l).sort().join(' ');
    };

    launcher.set_environ(['A=1', 'C=3']);
    assertEqual(launcher.getenv('A'), '1', 'getenv');
    assertEqual(launcher.getenv('PATH'), null, 'PATH is gone');
    launcher.setenv('A', 'not set', false);
    launcher.setenv('B', 'two words', true);
    launcher.setenv('C', '33', true);
    assertEqual(launcher.getenv('A'), '1', 'not overwritten');
    assertEqual(childEnviron(), 'A=1 B=two words C=33', 'environment');
    launcher.unsetenv('A');
    assertEqual(launcher.getenv('A'), null, 'unset');
    assertEqual(childEnviron(), 'B=two words C=33', 'after unsetenv');
    launcher.set_environ([]);
    assertEqual(childEnviron(), '', 'empty');
    launcher.set_environ(null);
    assert(childEnviron().includes(`HOME=${GLib.getenv('HOME')}`),
        'null: ours again');
});

test('launcher: cwd', () => {
    const dir = tmpdir();
    const launcher = GPidFd.PidFdLauncher.new(Flags.NONE);
    launcher.set_cwd(dir);
    launch(launcher, ['sh', '-c', 'echo here > relative']).wait_check(null);
    assertEqual(readFile(`${dir}/relative`), 'here\n', 'written in cwd');

    launcher.set_cwd(`${dir}/missing`);
    try {
        launcher.spawnv(['true']);
        throw new AssertionError('spawnv did not throw');
    } catch (e) {
        assertSpawnError(e, GLib.SpawnError.CHDIR, 'a missing directory');
        assert(e.message.includes('missing'), `"${e.message}" names it`);
    }
});

test('launcher: file paths', () => {
    const dir = tmpdir();
    GLib.file_set_contents(`${dir}/in`, 'from the file\n');
    // Truncated at the spawn, not overwritten in place.
    GLib.file_set_contents(`${dir}/out`, 'an old and longer content\n'.repeat(9));
    GLib.file_set_contents(`${dir}/err`, 'an old and longer content\n'.repeat(9));
    const launcher = GPidFd.PidFdLauncher.new(Flags.NONE);
    launcher.set_stdin_file_path(`${dir}/in`);
    launcher.set_stdout_file_path(`${dir}/out`);
    launcher.set_stderr_file_path(`${dir}/err`);
    const child = launch(launcher, ['sh', '-c', 'cat; echo oops >&2']);
    assertEqual(child.get_stdout_pipe(), null, 'no pipe');
    assertEqual(child.wait(null).exit_status, 0, 'exit_status');
    assertEqual(readFile(`${dir}/out`), 'from the file\n', 'stdout file');
    assertEqual(readFile(`${dir}/err`), 'oops\n', 'stderr file');

    launcher.set_stdout_file_path(null);
    launcher.set_stderr_file_path(null);
    launcher.set_stdin_file_path(`${dir}/missing`);
    const e = assertIOError(() => launcher.spawnv(['true']),
        Gio.IOErrorEnum.NOT_FOUND, 'a missing stdin file');
    assert(e.message.includes('missing'), `"${e.message}" names it`);
});

test('launcher: take_stdin_fd, take_stdout_fd, take_stderr_fd', () => {
    const open = name => {
        const [fd, path] = GLib.file_open_tmp(`gpidfd-${name}-XXXXXX`);
        cleanups.push(() => GLib.unlink(path));
        return [fd, path];
    };
    const [inFd, inPath] = open('in');
    // Written in place: the descriptor is still that file's.
    GLib.file_set_contents_full(inPath, 'through a descriptor\n',
        GLib.FileSetContentsFlags.NONE, 0o600);
    const [outFd, outPath] = open('out');
    const [errFd, errPath] = open('err');

    const launcher = GPidFd.PidFdLauncher.new(Flags.NONE);
    // The launcher owns each descriptor from here on.
    launcher.take_stdin_fd(inFd);
    launcher.take_stdout_fd(outFd);
    launcher.take_stderr_fd(errFd);
    const child = launch(launcher, ['sh', '-c', 'cat; echo to-stderr >&2']);
    assertEqual(child.wait(null).exit_status, 0, 'exit_status');
    assertEqual(readFile(outPath), 'through a descriptor\n', 'stdout');
    assertEqual(readFile(errPath), 'to-stderr\n', 'stderr');
    launcher.close();
});

test('launcher: take_fd with a pipe, close', async () => {
    // The read end of one child's stdout pipe becomes fd 3 of another.
    const producer = spawn(['sh', '-c', 'echo through fd 3'],
        Flags.STDOUT_PIPE);
    const pipe = producer.get_stdout_pipe();
    // The launcher owns the descriptor from here on, not the stream.
    pipe.set_close_fd(false);

    const fd = pipe.get_fd();
    const path = `/proc/self/fd/${fd}`;
    const target = GLib.file_read_link(path);
    assert(target.startsWith('pipe:'), `${path} is ${target}`);

    const launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE);
    launcher.take_fd(fd, 3);
    const consumer = launch(launcher, ['sh', '-c', 'cat <&3; echo done']);
    const [out] = await consumer.communicate_utf8_async(null, null);
    assertEqual(out, 'through fd 3\ndone\n', 'read from fd 3');
    assertEqual((await producer.wait_async(null)).exit_status, 0, 'producer');

    // close() closes what the launcher took (the number may be reused).
    launcher.close();
    let now = null;
    try {
        now = GLib.file_read_link(path);
    } catch (e) {
        // Closed, and not reused.
    }
    assert(now !== target, `${path} (${target}) is closed`);

    // Closed: later spawns fail, and a second close does nothing.
    launcher.close();
    const e = assertIOError(() => launcher.spawnv(['true']),
        Gio.IOErrorEnum.CLOSED, 'spawn after close');
    assert(e.message.includes('true'), `"${e.message}" names the program`);
});

test('launcher: set_inherit_ignored_signals', () => {
    const ours = ignoredSignals(readFile('/proc/self/status'));
    if (!ours.includes(SIGHUP) || !ours.includes(SIGUSR2)) {
        throw new AssertionError('run this under env --ignore-signal=HUP ' +
            '--ignore-signal=USR2, as meson test does');
    }
    const launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE);
    const childIgnores = () => ignoredSignals(
        launch(launcher, ['cat', '/proc/self/status'])
            .communicate_utf8(null, null)[1]);

    // By default, as GLib's spawn: SIGHUP back at its default, another
    // ignored signal still ignored.
    let ignored = childIgnores();
    assert(!ignored.includes(SIGHUP), 'SIGHUP at its default');
    assert(ignored.includes(SIGUSR2), 'SIGUSR2 still ignored');
    launcher.set_inherit_ignored_signals(true);
    ignored = childIgnores();
    assert(ignored.includes(SIGHUP), 'SIGHUP ignored');
    assert(ignored.includes(SIGUSR2), 'SIGUSR2 ignored');
});

test('process group: set_process_group, send_signal_full', async () => {
    const launcher = GPidFd.PidFdLauncher.new(Flags.NONE);
    const inOurs = spawn(['sleep', '100']);
    assertEqual(processGroupOf(inOurs.get_pid()), processGroupOf('self'),
        'our process group by default');
    const e = assertIOError(() => inOurs.send_signal_full(SIGKILL,
        GPidFd.PidFdSignalScope.PROCESS_GROUP),
    Gio.IOErrorEnum.INVALID_ARGUMENT, 'not a group leader');
    assert(e.message.includes(`${inOurs.get_pid()}`), 'names the pid');
    assertEqual(inOurs.try_wait(), null, 'nothing sent');

    launcher.set_process_group(true);
    launcher.set_flags(Flags.STDOUT_PIPE);
    const leader = launch(launcher, ['sh', '-c',
        'sleep 100 & echo $!; sleep 100 & echo $!; wait']);
    const pgid = leader.get_pid();
    assertEqual(processGroupOf(pgid), pgid, 'leads its group');
    const stdout = Gio.DataInputStream.new(leader.get_stdout_pipe());
    const sleepers = [];
    for (let i = 0; i < 2; i++) {
        const pid = parseInt(stdout.read_line_utf8(null)[0]);
        assertEqual(processGroupOf(pid), pgid, `sleep ${pid} in the group`);
        // Not children of ours: only told when they exit.
        sleepers.push(GPidFd.PidFd.new_from_pid(pid));
    }
    cleanups.unshift(() => sleepers.forEach(s => {
        try {
            s.send_signal(SIGKILL);
        } catch (e) {
            // Gone already.
        }
    }));
    assert(groupExists(pgid), 'the group is there');

    assert(leader.send_signal_full(SIGKILL,
        GPidFd.PidFdSignalScope.PROCESS_GROUP), 'send_signal_full');
    const info = await leader.wait_async(null);
    assertEqual(info.term_sig, SIGKILL, 'the leader was killed');
    for (const sleeper of sleepers)
        assert(sleeper.wait_exit(null), 'a sleep was killed');
    // Orphaned, the sleeps are reaped by pid 1 or a subreaper; then
    // nothing at all is left in the group.
    const deadline = GLib.get_monotonic_time() + 10 * 1000000;
    while (groupExists(pgid)) {
        if (GLib.get_monotonic_time() > deadline)
            throw new AssertionError(`process group ${pgid} is still there`);
        // eslint-disable-next-line no-await-in-loop
        await sleep(50);
    }
});

Tap.run(tests, cleanups, TEST_TIMEOUT_S);
