// SPDX-License-Identifier: LGPL-2.1-or-later
// The kernel features of GPidFd through GJS, with real processes:
// query_info, identity and handles, GSubprocess, socket and D-Bus peers,
// thread pidfds, signal scopes, remote descriptors, wait_exit, wait_check
// and force_exit.
//
// Run by meson test with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing into
// the build tree. Prints TAP. A missing typelib is a failure, not a skip.

const System = imports.system;
const {GLib, Gio} = imports.gi;

// The shared TAP runner, beside this file.
imports.searchPath.unshift(GLib.path_get_dirname(System.programPath));
const Tap = imports.tap;
const {AssertionError, assert, assertEqual, checkIOError, assertIOError,
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

Gio._promisify(GPidFd.PidFd, 'new_for_dbus_sender_async',
    'new_for_dbus_sender_finish');
Gio._promisify(GPidFd.PidFd.prototype, 'wait_async', 'wait_finish');
Gio._promisify(GPidFd.PidFd.prototype, 'wait_exit_async', 'wait_exit_finish');
Gio._promisify(GPidFd.PidFd.prototype, 'wait_check_async',
    'wait_check_finish');
Gio._promisify(Gio.DBusConnection, 'new_for_address',
    'new_for_address_finish');

// Every test fails if it has not finished after this many seconds.
const TEST_TIMEOUT_S = 20;

const SIGKILL = 9, SIGTERM = 15;

// Processes killed and reaped after each test, whatever the test did.
let cleanups = [];

// Starts a child of this process that nobody else reaps, with pipes for
// its stdin and stdout: [pid, stdin fd, stdout fd].
function spawnPiped(argv) {
    const [, pid, stdin, stdout] = GLib.spawn_async_with_pipes(null, argv,
        null, GLib.SpawnFlags.SEARCH_PATH | GLib.SpawnFlags.DO_NOT_REAP_CHILD,
        null);
    const pidfd = GPidFd.PidFd.new_from_pid(pid);
    cleanups.push(() => {
        try {
            pidfd.send_signal(SIGKILL);
        } catch (e) {
            // Already reaped.
        }
        pidfd.wait(null);
        for (const fd of [stdin, stdout]) {
            try {
                GLib.close(fd);
            } catch (e) {
                // Closed by the test.
            }
        }
    });
    return [pid, stdin, stdout, pidfd];
}

function spawn(argv) {
    return spawnPiped(argv)[3];
}

function readLine(fd) {
    const stream = new Gio.DataInputStream({
        base_stream: new Gio.UnixInputStream({fd, close_fd: false}),
    });
    const [line] = stream.read_line_utf8(null);
    return line;
}

function writeAll(fd, text) {
    const stream = new Gio.UnixOutputStream({fd, close_fd: false});
    stream.write_all(new TextEncoder().encode(text), null);
}

const tests = [];
function test(name, func) {
    tests.push({name, func});
}

test('query_info', () => {
    const pidfd = spawn(['sleep', '30']);
    let info;
    for (let i = 0; i < 1000; i++) {
        info = pidfd.query_info();
        if (info.get_name() === 'sleep' &&
            info.get_state() === GPidFd.PidFdProcessState.SLEEPING)
            break;
        GLib.usleep(1000);
    }
    assert(info instanceof GPidFd.PidFdProcessInfo, 'a PidFdProcessInfo');
    assertEqual(info.get_pid(), pidfd.get_pid(), 'get_pid');
    assertEqual(info.pid, pidfd.get_pid(), 'pid property');
    assertEqual(info.tgid, pidfd.get_pid(), 'tgid property');
    assertEqual(info.get_ppid(), new Gio.Credentials().get_unix_pid(),
        'ppid is this process');
    assertEqual(info.ppid, info.get_ppid(), 'ppid property');
    assert(info.has_credentials(), 'has credentials');
    assertEqual(info.ruid, info.get_ruid(), 'ruid');
    assertEqual(info.euid, new Gio.Credentials().get_unix_user(), 'euid');
    assertEqual(info.fsuid, info.euid, 'fsuid');
    assertEqual(info.suid, info.get_suid(), 'suid');
    assertEqual(info.rgid, info.get_rgid(), 'rgid');
    assertEqual(info.egid, info.get_egid(), 'egid');
    assertEqual(info.sgid, info.get_sgid(), 'sgid');
    assertEqual(info.fsgid, info.get_fsgid(), 'fsgid');
    assertEqual(info.cgroup_id, info.get_cgroup_id(), 'cgroup_id');
    assertEqual(info.name, 'sleep', 'name');
    assertEqual(info.state, GPidFd.PidFdProcessState.SLEEPING, 'state');
    assertEqual(info.is_kernel_thread, false, 'is_kernel_thread');

    assert(pidfd.force_exit(), 'force_exit');
    const record = pidfd.wait(null);
    assertEqual(record.get_term_sig(), SIGKILL, 'killed');
    const e = assertIOError(() => pidfd.query_info(),
        Gio.IOErrorEnum.NOT_FOUND, 'query_info once reaped');
    assert(e.message.includes('reaped'), `"${e.message}" says reaped`);
});

test('identity and handles', () => {
    const a = spawn(['sleep', '30']);
    const b = GPidFd.PidFd.new_from_fd(a.get_fd());
    const other = spawn(['sleep', '30']);
    assert(a.get_id() > 0, 'an id');
    assertEqual(a.get_id(), b.get_id(), 'the same id');
    assert(a.equal(b), 'equal');
    assertEqual(a.hash(), b.hash(), 'the same hash');
    assert(!a.equal(other), 'another process is not equal');

    const text = a.to_string();
    assertEqual(text, `${a.get_pid()}:${a.get_id()}`, 'PID:ID');
    const again = GPidFd.PidFd.new_for_string(text);
    assert(again.equal(a), 'the same process again');

    a.force_exit();
    a.wait(null);
    assertIOError(() => GPidFd.PidFd.new_for_string(text),
        Gio.IOErrorEnum.NOT_FOUND, 'a handle of a reaped process');
    for (const garbage of ['', 'x', '1', '1:', ':2', '-1:2', '1:2:3', '1:y'])
        assertIOError(() => GPidFd.PidFd.new_for_string(garbage),
            Gio.IOErrorEnum.INVALID_ARGUMENT, `"${garbage}"`);
});

test('new_from_subprocess', async () => {
    for (let code = 0; code < 10; code++) {
        const sub = Gio.Subprocess.new(['sh', '-c', `exit ${code}`],
            Gio.SubprocessFlags.NONE);
        let pidfd = null;
        try {
            pidfd = GPidFd.PidFd.new_from_subprocess(sub);
        } catch (e) {
            // Already reaped by the GSubprocess, which has the status.
            checkIOError(e, Gio.IOErrorEnum.NOT_FOUND, 'new_from_subprocess');
        }
        if (pidfd) {
            assert(pidfd.get_flags() & GPidFd.PidFdFlags.NO_REAP, 'NO_REAP');
            // eslint-disable-next-line no-await-in-loop
            const record = await pidfd.wait_async(null);
            // has_status() is a method in every language: no property
            // of that name hides it.
            assertEqual(typeof record.has_status, 'function', 'has_status');
            if (record.has_status())
                assertEqual(record.get_exit_status(), code, 'exit status');
        }
        sub.wait(null);
        assertEqual(sub.get_exit_status(), code, 'GSubprocess status');
    }
});

test('new_from_socket_peer', () => {
    // A child connects to our listening socket (an abstract name).
    const address = `\0gpidfd-js-${new Gio.Credentials().get_unix_pid()}`;
    const listener = Gio.Socket.new(Gio.SocketFamily.UNIX,
        Gio.SocketType.STREAM, Gio.SocketProtocol.DEFAULT);
    listener.bind(new Gio.UnixSocketAddress({
        path: address.slice(1),
        address_type: Gio.UnixSocketAddressType.ABSTRACT,
    }), true);
    listener.listen();
    const [pid, stdin,, pidfd] = spawnPiped(['python3', '-c',
        'import socket, sys\n' +
        's = socket.socket(socket.AF_UNIX)\n' +
        `s.connect(${JSON.stringify(address)})\n` +
        'sys.stdin.read()\n']);
    const conn = listener.accept(null);
    const peer = GPidFd.PidFd.new_from_socket_peer(conn);
    assertEqual(peer.get_pid(), pid, 'the peer');
    assert(peer.equal(pidfd), 'equal to the child');
    GLib.close(stdin);
    assertEqual(pidfd.wait(null).get_exit_status(), 0, 'exit status');
    conn.close();
    listener.close();
});

test('new_for_dbus_sender_async', async () => {
    if (!GLib.find_program_in_path('dbus-daemon'))
        return;
    const [,, stdout, daemon] = spawnPiped(['dbus-daemon', '--session',
        '--print-address', '--nofork']);
    const address = readLine(stdout);
    const flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION;
    const bus = await Gio.DBusConnection.new_for_address(address, flags,
        null, null);

    const me = await GPidFd.PidFd.new_for_dbus_sender_async(bus,
        bus.get_unique_name(), null);
    assertEqual(me.get_pid(), new Gio.Credentials().get_unix_pid(), 'self');

    // Another program on the bus, leaving with status 6.
    const [pid, stdin, out, pidfd] = spawnPiped(['gjs', '-c',
        'const {Gio} = imports.gi;\n' +
        'const c = Gio.DBusConnection.new_for_address_sync(' +
        `${JSON.stringify(address)}, ${flags}, null, null);\n` +
        'print(c.get_unique_name());\n' +
        'const s = new Gio.UnixInputStream({fd: 0});\n' +
        's.read_bytes(1, null);\n' +
        'imports.system.exit(6);\n']);
    const name = readLine(out);
    const peer = await GPidFd.PidFd.new_for_dbus_sender_async(bus, name,
        null);
    assertEqual(peer.get_pid(), pid, 'the peer');
    assert(peer.equal(pidfd), 'the same process');
    writeAll(stdin, 'x');
    const record = await peer.wait_async(null);
    assertEqual(record.get_exit_status(), 6, 'the record of its exit');

    let gone = null;
    for (let i = 0; i < 100 && !gone; i++) {
        try {
            // eslint-disable-next-line no-await-in-loop
            await GPidFd.PidFd.new_for_dbus_sender_async(bus, name, null);
            // eslint-disable-next-line no-await-in-loop
            await sleep(20);
        } catch (e) {
            gone = e;
        }
    }
    assert(gone !== null, 'the sender left');
    checkIOError(gone, Gio.IOErrorEnum.NOT_FOUND, 'a sender that left');
    await assertRejectsIOError(
        GPidFd.PidFd.new_for_dbus_sender_async(bus, 'not.unique', null),
        Gio.IOErrorEnum.INVALID_ARGUMENT, 'a name that is not unique');
    bus.close_sync(null);
    daemon.force_exit();
});

test('new_from_pid_full with THREAD', async () => {
    // GJS has no threads of its own: a Python helper's second thread,
    // which ends when a line arrives, while its process runs on.
    const [pid, stdin, out, process] = spawnPiped(['python3', '-c',
        'import sys, threading, time\n' +
        'def body():\n' +
        '    print(threading.get_native_id(), flush=True)\n' +
        '    sys.stdin.readline()\n' +
        't = threading.Thread(target=body)\n' +
        't.start()\n' +
        't.join()\n' +
        'time.sleep(30)\n']);
    const tid = parseInt(readLine(out));
    assert(tid !== pid, 'not the main thread');
    const thread = GPidFd.PidFd.new_from_pid_full(tid, GPidFd.PidFdFlags.THREAD);
    assert((thread.get_flags() & GPidFd.PidFdFlags.THREAD) !== 0, 'is_thread');
    assert(thread.get_flags() & GPidFd.PidFdFlags.THREAD, 'THREAD flag');
    assertEqual(thread.get_pid(), tid, 'get_pid is the tid');
    const info = thread.query_info();
    assertEqual(info.tgid, pid, 'its process');
    assert(!thread.has_exited(), 'running');

    const fromFd = GPidFd.PidFd.new_from_fd(thread.get_fd());
    assert((fromFd.get_flags() & GPidFd.PidFdFlags.THREAD) !== 0, 'new_from_fd of a thread pidfd');

    writeAll(stdin, '\n');
    assert(await thread.wait_exit_async(null), 'wait_exit_async');
    assert(thread.has_exited(), 'the thread has ended');
    assert(fromFd.has_exited(), 'for the adopted one too');
    assert(!process.has_exited(), 'the process runs on');
    assertEqual(thread.try_wait(), null, 'no record for a thread');

    assert(process.send_signal_full(SIGTERM,
        GPidFd.PidFdSignalScope.THREAD_GROUP), 'signal the process');
    const record = await thread.wait_async(null);
    assertEqual(record.get_pid(), pid, 'the process record');
    assertEqual(record.get_term_sig(), SIGTERM, 'killed by SIGTERM');
});

test('send_signal_full', () => {
    const pidfd = spawn(['sleep', '30']);
    for (const scope of [GPidFd.PidFdSignalScope.DEFAULT,
        GPidFd.PidFdSignalScope.THREAD,
        GPidFd.PidFdSignalScope.THREAD_GROUP])
        assert(pidfd.send_signal_full(0, scope), `scope ${scope}`);
    // A process-group leader: setsid makes one of sleep (it execs it once
    // it has called setsid()).
    const leader = spawn(['setsid', 'sleep', '30']);
    for (let i = 0; i < 1000 && leader.query_info().name !== 'sleep'; i++)
        GLib.usleep(1000);
    assert(leader.send_signal_full(SIGTERM,
        GPidFd.PidFdSignalScope.PROCESS_GROUP), 'process group');
    const record = leader.wait(null);
    assertEqual(record.get_term_sig(), SIGTERM, 'the group was signalled');
    assert(!pidfd.has_exited(), 'not another group');
});

test('dup_remote_fd', () => {
    const [, stdin, stdout, pidfd] = spawnPiped(['sleep', '30']);
    const childStdin = pidfd.dup_remote_fd(0);
    assert(childStdin >= 0, 'an fd');
    writeAll(stdin, 'ping\n');
    assertEqual(readLine(childStdin), 'ping', 'read through its stdin');
    GLib.close(childStdin);
    const childStdout = pidfd.dup_remote_fd(1);
    writeAll(childStdout, 'pong\n');
    GLib.close(childStdout);
    assertEqual(readLine(stdout), 'pong', 'written through its stdout');
    assertIOError(() => pidfd.dup_remote_fd(987),
        Gio.IOErrorEnum.INVALID_ARGUMENT, 'not open');
    pidfd.force_exit();
    pidfd.wait(null);
    assertIOError(() => pidfd.dup_remote_fd(0), Gio.IOErrorEnum.NOT_FOUND,
        'reaped');
});

test('wait_exit, wait_check, force_exit', async () => {
    const pidfd = spawn(['sleep', '30']);
    const cancellable = new Gio.Cancellable();
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 50, () => {
        cancellable.cancel();
        return GLib.SOURCE_REMOVE;
    });
    await assertRejectsIOError(pidfd.wait_exit_async(cancellable),
        Gio.IOErrorEnum.CANCELLED, 'cancelled wait_exit_async');
    assert(!pidfd.has_exited(), 'still running');
    assert(pidfd.force_exit(), 'force_exit');
    assert(pidfd.wait_exit(null), 'wait_exit');
    try {
        await pidfd.wait_check_async(null);
        throw new AssertionError('wait_check_async of a killed process');
    } catch (e) {
        assert(e.matches(GLib.SpawnError, GLib.SpawnError.FAILED),
            `killed: ${e}`);
    }

    assert(await spawn(['true']).wait_check_async(null), 'exit 0');
    assert(spawn(['true']).wait_check(null), 'exit 0, blocking');
    try {
        spawn(['sh', '-c', 'exit 3']).wait_check(null);
        throw new AssertionError('wait_check of exit 3');
    } catch (e) {
        assert(e.domain === GLib.spawn_exit_error_quark() && e.code === 3,
            `exit 3: ${e}`);
    }
});

Tap.run(tests, cleanups, TEST_TIMEOUT_S);
