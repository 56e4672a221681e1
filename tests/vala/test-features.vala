// SPDX-License-Identifier: LGPL-2.1-or-later
// The kernel features of the gpidfd-1 VAPI from Vala, with real processes:
// query_info, identity and handles, GSubprocess, socket and D-Bus peers,
// thread pidfds, signal scopes, remote descriptors, wait_exit, wait_check
// and force_exit.

const int SIGKILL = 9;
const int SIGTERM = 15;

// From unistd.h, without a dependency on the posix VAPI.
[CCode (cname = "gettid", cheader_filename = "unistd.h")]
extern int linux_gettid ();
[CCode (cname = "getpid", cheader_filename = "unistd.h")]
extern int c_getpid ();
[CCode (cname = "geteuid", cheader_filename = "unistd.h")]
extern uint c_geteuid ();
[CCode (cname = "getegid", cheader_filename = "unistd.h")]
extern uint c_getegid ();
[CCode (cname = "close", cheader_filename = "unistd.h")]
extern int c_close (int fd);
[CCode (cname = "write", cheader_filename = "unistd.h")]
extern ssize_t c_write (int fd, string buf, size_t len);

// Starts a child of this process that nobody else reaps.
Pid spawn (string[] argv, out int stdin_fd = null, out int stdout_fd = null) {
    Pid pid;
    try {
        Process.spawn_async_with_pipes (null, argv, null,
                                        SpawnFlags.SEARCH_PATH | SpawnFlags.DO_NOT_REAP_CHILD,
                                        null, out pid, out stdin_fd, out stdout_fd, null);
    } catch (SpawnError e) {
        error ("cannot spawn %s: %s", argv[0], e.message);
    }
    return pid;
}

string read_line (int fd) {
    var stream = new DataInputStream (new UnixInputStream (fd, false));
    try {
        return stream.read_line_utf8 ();
    } catch (Error e) {
        error ("cannot read: %s", e.message);
    }
}

void test_query_info () {
    try {
        var pidfd = new GPidFd.PidFd.from_pid (spawn ({ "sleep", "30" }));
        GPidFd.PidFdProcessInfo info = null;
        for (int i = 0; i < 1000; i++) {
            info = pidfd.query_info ();
            if (info.name == "sleep" && info.state == GPidFd.PidFdProcessState.SLEEPING)
                break;
            Thread.usleep (1000);
        }
        assert_cmpint (info.pid, CompareOperator.EQ, pidfd.pid);
        assert_cmpint (info.get_pid (), CompareOperator.EQ, pidfd.pid);
        assert_cmpint (info.tgid, CompareOperator.EQ, pidfd.pid);
        assert_cmpint (info.ppid, CompareOperator.EQ, c_getpid ());
        assert_true (info.has_credentials ());
        assert_cmpuint (info.euid, CompareOperator.EQ, c_geteuid ());
        assert_cmpuint (info.fsuid, CompareOperator.EQ, info.euid);
        assert_cmpuint (info.ruid, CompareOperator.EQ, info.get_ruid ());
        assert_cmpuint (info.suid, CompareOperator.EQ, info.get_suid ());
        assert_cmpuint (info.egid, CompareOperator.EQ, c_getegid ());
        assert_cmpuint (info.rgid, CompareOperator.EQ, info.get_rgid ());
        assert_cmpuint (info.sgid, CompareOperator.EQ, info.get_sgid ());
        assert_cmpuint (info.fsgid, CompareOperator.EQ, info.get_fsgid ());
        assert_true (info.cgroup_id == info.get_cgroup_id ());
        assert_cmpstr (info.name, CompareOperator.EQ, "sleep");
        assert_true (info.state == GPidFd.PidFdProcessState.SLEEPING);
        assert_false (info.is_kernel_thread);

        kill_and_reap (pidfd);
        try {
            pidfd.query_info ();
            assert_not_reached ();
        } catch (IOError.NOT_FOUND e) {
            assert_true (e.message.contains ("reaped"));
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_identity () {
    try {
        var a = new GPidFd.PidFd.from_pid (spawn ({ "sleep", "30" }));
        var b = new GPidFd.PidFd.from_fd (a.fd);
        var other = new GPidFd.PidFd.from_pid (spawn ({ "sleep", "30" }));
        assert_true (a.get_id () != 0);
        assert_true (a.get_id () == b.get_id ());
        assert_true (a.equal (b));
        assert_cmpuint (a.hash (), CompareOperator.EQ, b.hash ());
        assert_false (a.equal (other));

        // A set of processes.
        var set = new HashTable<GPidFd.PidFd, bool> (GPidFd.PidFd.hash, GPidFd.PidFd.equal);
        set[a] = true;
        set[b] = true;
        set[other] = true;
        assert_cmpuint (set.size (), CompareOperator.EQ, 2);

        var text = a.to_string ();
        assert_cmpstr (text, CompareOperator.EQ, "%d:%llu".printf (a.pid, a.get_id ()));
        var again = new GPidFd.PidFd.for_string (text);
        assert_true (again.equal (a));

        kill_and_reap (a);
        try {
            new GPidFd.PidFd.for_string (text);
            assert_not_reached ();
        } catch (IOError.NOT_FOUND e) {
        }
        foreach (var garbage in new string[] { "", "x", "1", "1:", ":1", "-1:1", "1:2:3" }) {
            try {
                new GPidFd.PidFd.for_string (garbage);
                assert_not_reached ();
            } catch (IOError.INVALID_ARGUMENT e) {
            }
        }
        kill_and_reap (other);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_subprocess () {
    try {
        for (int code = 0; code < 20; code++) {
            var sub = new Subprocess.newv ({ "sh", "-c", "exit %d".printf (code) },
                                           SubprocessFlags.NONE);
            try {
                var pidfd = new GPidFd.PidFd.from_subprocess (sub);
                assert_true (GPidFd.PidFdFlags.NO_REAP in pidfd.flags);
                var record = pidfd.wait ();
                if (record.has_status ())
                    assert_cmpint (record.exit_status, CompareOperator.EQ, code);
            } catch (IOError.NOT_FOUND e) {
                // Already reaped by the GSubprocess, which has the status.
            }
            sub.wait ();
            assert_cmpint (sub.get_exit_status (), CompareOperator.EQ, code);
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_socket_peer () {
    try {
        // A child connects to our listening socket (an abstract name).
        var name = "gpidfd-vala-%d".printf (c_getpid ());
        var listener = new Socket (SocketFamily.UNIX, SocketType.STREAM, SocketProtocol.DEFAULT);
        listener.bind (new UnixSocketAddress.with_type (name, -1, UnixSocketAddressType.ABSTRACT), true);
        listener.listen ();
        int stdin_fd;
        var pid = spawn ({ "python3", "-c",
                           "import socket, sys\n" +
                           "s = socket.socket(socket.AF_UNIX)\n" +
                           "s.connect('\\0%s')\n".printf (name) +
                           "sys.stdin.read()\n" }, out stdin_fd);
        var conn = listener.accept ();
        var peer = new GPidFd.PidFd.from_socket_peer (conn);
        assert_cmpint (peer.pid, CompareOperator.EQ, pid);
        c_close (stdin_fd);
        var record = peer.wait ();
        assert_cmpint (record.exit_status, CompareOperator.EQ, 0);
        conn.close ();
        listener.close ();
    } catch (Error e) {
        error ("%s", e.message);
    }
}

async void resolve_senders (MainLoop loop) {
    try {
        int out_fd;
        var daemon = new GPidFd.PidFd.from_pid (spawn ({ "dbus-daemon", "--session",
                                                         "--print-address", "--nofork" },
                                                       null, out out_fd));
        var address = read_line (out_fd);
        var bus = yield new DBusConnection.for_address (address,
                                                        DBusConnectionFlags.AUTHENTICATION_CLIENT |
                                                        DBusConnectionFlags.MESSAGE_BUS_CONNECTION);
        var me = yield new GPidFd.PidFd.for_dbus_sender_async (bus, bus.unique_name, null);
        assert_cmpint (me.pid, CompareOperator.EQ, c_getpid ());
        try {
            yield new GPidFd.PidFd.for_dbus_sender_async (bus, ":1.987654", null);
            assert_not_reached ();
        } catch (IOError.NOT_FOUND e) {
            assert_true (e.message.contains (":1.987654"));
        }
        try {
            yield new GPidFd.PidFd.for_dbus_sender_async (bus, "not.unique", null);
            assert_not_reached ();
        } catch (IOError.INVALID_ARGUMENT e) {
        }
        yield bus.close ();
        c_close (out_fd);
        kill_and_reap (daemon);
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_dbus_sender () {
    if (Environment.find_program_in_path ("dbus-daemon") == null) {
        Test.skip ("dbus-daemon is not installed");
        return;
    }
    var loop = new MainLoop ();
    resolve_senders.begin (loop);
    run_loop (loop);
}

async void thread_ends (MainLoop loop) {
    try {
        int tid = 0;
        var ready = Mutex ();
        var cond = Cond ();
        bool stop = false;
        var thread = new Thread<void*> ("second", () => {
            ready.lock ();
            tid = linux_gettid ();
            cond.broadcast ();
            while (!stop)
                cond.wait (ready);
            ready.unlock ();
            return null;
        });
        ready.lock ();
        while (tid == 0)
            cond.wait (ready);
        ready.unlock ();

        var pidfd = new GPidFd.PidFd.from_pid_full (tid, GPidFd.PidFdFlags.THREAD);
        assert_true ((GPidFd.PidFdFlags.THREAD in pidfd.get_flags ()));
        assert_true (GPidFd.PidFdFlags.THREAD in pidfd.flags);
        assert_cmpint (pidfd.pid, CompareOperator.EQ, tid);
        assert_cmpint (pidfd.query_info ().tgid, CompareOperator.EQ, c_getpid ());
        assert_false (pidfd.has_exited ());

        ready.lock ();
        stop = true;
        cond.broadcast ();
        ready.unlock ();
        assert_true (yield pidfd.wait_exit_async (null));
        thread.join ();
        assert_true (pidfd.has_exited ());
        // This process runs on: no record for the thread.
        assert_null (pidfd.try_wait ());
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_thread () {
    var loop = new MainLoop ();
    thread_ends.begin (loop);
    run_loop (loop);
}

void test_send_signal_full () {
    try {
        var pidfd = new GPidFd.PidFd.from_pid (spawn ({ "sleep", "30" }));
        assert_true (pidfd.send_signal_full (0, GPidFd.PidFdSignalScope.DEFAULT));
        assert_true (pidfd.send_signal_full (0, GPidFd.PidFdSignalScope.THREAD));
        assert_true (pidfd.send_signal_full (0, GPidFd.PidFdSignalScope.THREAD_GROUP));
        // setsid makes sleep lead its own process group.
        var leader = new GPidFd.PidFd.from_pid (spawn ({ "setsid", "sleep", "30" }));
        for (int i = 0; i < 1000 && leader.query_info ().name != "sleep"; i++)
            Thread.usleep (1000);
        assert_true (leader.send_signal_full (SIGTERM, GPidFd.PidFdSignalScope.PROCESS_GROUP));
        var record = leader.wait ();
        assert_cmpint (record.term_sig, CompareOperator.EQ, SIGTERM);
        assert_false (pidfd.has_exited ());
        kill_and_reap (pidfd);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_remote_fd () {
    try {
        int stdin_fd, stdout_fd;
        var pidfd = new GPidFd.PidFd.from_pid (spawn ({ "sleep", "30" }, out stdin_fd, out stdout_fd));
        var child_stdin = pidfd.dup_remote_fd (0);
        assert_cmpint (child_stdin, CompareOperator.GE, 0);
        assert_cmpint ((int) c_write (stdin_fd, "ping\n", 5), CompareOperator.EQ, 5);
        assert_cmpstr (read_line (child_stdin), CompareOperator.EQ, "ping");
        c_close (child_stdin);
        var child_stdout = pidfd.dup_remote_fd (1);
        assert_cmpint ((int) c_write (child_stdout, "pong\n", 5), CompareOperator.EQ, 5);
        c_close (child_stdout);
        assert_cmpstr (read_line (stdout_fd), CompareOperator.EQ, "pong");
        try {
            pidfd.dup_remote_fd (987);
            assert_not_reached ();
        } catch (IOError.INVALID_ARGUMENT e) {
        }
        kill_and_reap (pidfd);
        try {
            pidfd.dup_remote_fd (0);
            assert_not_reached ();
        } catch (IOError.NOT_FOUND e) {
        }
        c_close (stdin_fd);
        c_close (stdout_fd);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

async void waits (MainLoop loop) {
    try {
        var pidfd = new GPidFd.PidFd.from_pid (spawn ({ "sleep", "30" }));
        var cancellable = new Cancellable ();
        Timeout.add (50, () => {
            cancellable.cancel ();
            return Source.REMOVE;
        });
        try {
            yield pidfd.wait_exit_async (cancellable);
            assert_not_reached ();
        } catch (IOError.CANCELLED e) {
        }
        assert_false (pidfd.has_exited ());
        assert_true (pidfd.force_exit ());
        assert_true (pidfd.wait_exit ());
        try {
            yield pidfd.wait_check_async (null);
            assert_not_reached ();
        } catch (SpawnError.FAILED e) {
        }

        var ok = new GPidFd.PidFd.from_pid (spawn ({ "true" }));
        assert_true (yield ok.wait_check_async (null));
        var bad = new GPidFd.PidFd.from_pid (spawn ({ "sh", "-c", "exit 3" }));
        try {
            bad.wait_check ();
            assert_not_reached ();
        } catch (Error e) {
            assert_true (e.domain == Quark.from_string ("g-spawn-exit-error-quark"));
            assert_cmpint (e.code, CompareOperator.EQ, 3);
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_waits () {
    var loop = new MainLoop ();
    waits.begin (loop);
    run_loop (loop);
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/features/query-info", test_query_info);
    Test.add_func ("/vala/features/identity", test_identity);
    Test.add_func ("/vala/features/gsubprocess", test_subprocess);
    Test.add_func ("/vala/features/socket-peer", test_socket_peer);
    Test.add_func ("/vala/features/dbus-sender", test_dbus_sender);
    Test.add_func ("/vala/features/thread", test_thread);
    Test.add_func ("/vala/features/send-signal-full", test_send_signal_full);
    Test.add_func ("/vala/features/remote-fd", test_remote_fd);
    Test.add_func ("/vala/features/waits", test_waits);
    return Test.run ();
}
