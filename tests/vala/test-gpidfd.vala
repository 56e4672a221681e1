// SPDX-License-Identifier: LGPL-2.1-or-later
// Tests of the gpidfd-1 VAPI: the sync and async API from Vala, with real
// processes and real main loops.

const int SIGKILL = 9;
const int SIGTERM = 15;

// Starts a child of this process that nobody else reaps.
Pid spawn (string[] argv) {
    Pid pid;
    try {
        Process.spawn_async (null, argv, null,
                             SpawnFlags.SEARCH_PATH | SpawnFlags.DO_NOT_REAP_CHILD,
                             null, out pid);
    } catch (SpawnError e) {
        error ("cannot spawn %s: %s", argv[0], e.message);
    }
    return pid;
}

Pid spawn_exit (int code) {
    return spawn ({ "sh", "-c", "exit %d".printf (code) });
}

// A child that sleeps until it is killed; call kill_and_reap() at the end.
GPidFd.PidFd sleeper () throws Error {
    return new GPidFd.PidFd.from_pid (spawn ({ "sleep", "30" }));
}

void test_open () {
    try {
        var pidfd = sleeper ();
        assert_true (pidfd.pid > 0);
        assert_cmpint (pidfd.get_pid (), CompareOperator.EQ, pidfd.pid);
        assert_true (pidfd.is_child ());
        assert_cmpint (pidfd.fd, CompareOperator.GE, 0);
        assert_true (pidfd.flags == GPidFd.PidFdFlags.NONE);
        assert_false (pidfd.has_exited ());
        assert_null (pidfd.try_wait ());

        // From an fd, duplicated, with flags.
        var other = new GPidFd.PidFd.from_fd_full (pidfd.fd, GPidFd.PidFdFlags.NO_REAP);
        assert_cmpint (other.fd, CompareOperator.NE, pidfd.fd);
        assert_cmpint (other.pid, CompareOperator.EQ, pidfd.pid);
        assert_true (GPidFd.PidFdFlags.NO_REAP in other.flags);

        kill_and_reap (pidfd);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_errors () {
    try {
        new GPidFd.PidFd.from_pid (0);
        assert_not_reached ();
    } catch (IOError.INVALID_ARGUMENT e) {
        assert_true (e.message.contains ("0"));
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }

    string pid_max;
    try {
        FileUtils.get_contents ("/proc/sys/kernel/pid_max", out pid_max);
        new GPidFd.PidFd.from_pid (int.parse (pid_max) + 1);
        assert_not_reached ();
    } catch (IOError.NOT_FOUND e) {
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }

    try {
        new GPidFd.PidFd.from_fd (-1);
        assert_not_reached ();
    } catch (IOError.INVALID_ARGUMENT e) {
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }

    try {
        var pidfd = sleeper ();
        try {
            pidfd.send_signal (65);
            assert_not_reached ();
        } catch (IOError.INVALID_ARGUMENT e) {
        }
        kill_and_reap (pidfd);
        try {
            pidfd.send_signal (SIGTERM);
            assert_not_reached ();
        } catch (IOError.NOT_FOUND e) {
        }
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }
}

void test_wait () {
    try {
        var pid = spawn_exit (42);
        var pidfd = new GPidFd.PidFd.from_pid (pid);
        var info = pidfd.wait ();
        assert_true (pidfd.has_exited ());
        assert_cmpint (pidfd.pid, CompareOperator.EQ, -1);
        assert_cmpint (info.pid, CompareOperator.EQ, pid);
        // The has_* getters are methods, as in C, Python and GJS.
        assert_true (info.has_status ());
        assert_true (info.has_uid ());
        assert_cmpuint (info.uid, CompareOperator.EQ, (uint) Posix.getuid ());
        assert_true (info.if_exited);
        assert_cmpint (info.exit_status, CompareOperator.EQ, 42);
        assert_cmpint (info.get_exit_status (), CompareOperator.EQ, 42);
        assert_false (info.if_signaled);
        assert_cmpint (info.term_sig, CompareOperator.EQ, -1);
        assert_false (info.successful);
        assert_false (info.get_successful ());
        assert_cmpint (info.status, CompareOperator.EQ, 42 << 8);
        assert_true (info.has_rusage ());
        assert_cmpint ((int) info.max_rss, CompareOperator.GT, 0);
        assert_true (pidfd.wait () == info);
        assert_true (pidfd.try_wait () == info);

        try {
            info.check ();
            assert_not_reached ();
        } catch (Error e) {
            assert_true (e.domain == Quark.from_string ("g-spawn-exit-error-quark"));
            assert_cmpint (e.code, CompareOperator.EQ, 42);
            assert_cmpstr (e.message, CompareOperator.EQ,
                           "Process %d exited with code 42".printf (pid));
        }
        assert_true (new GPidFd.PidFd.from_pid (spawn_exit (0)).wait ().successful);

        var killed = sleeper ();
        killed.send_signal (SIGTERM);
        var killed_info = killed.wait ();
        assert_true (killed_info.if_signaled);
        assert_cmpint (killed_info.term_sig, CompareOperator.EQ, SIGTERM);
        assert_cmpint (killed_info.exit_status, CompareOperator.EQ, -1);
        try {
            killed_info.check ();
            assert_not_reached ();
        } catch (SpawnError.FAILED e) {
            assert_cmpstr (e.message, CompareOperator.EQ,
                           "Process %d killed by SIGTERM (signal %d)".printf (
                               killed_info.pid, SIGTERM));
            assert_cmpstr (e.message, CompareOperator.EQ,
                           "Process %d %s".printf (killed_info.pid, killed_info.describe ()));
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_wait_cancelled () {
    try {
        var pidfd = sleeper ();
        var cancellable = new Cancellable ();
        cancellable.cancel ();
        try {
            pidfd.wait (cancellable);
            assert_not_reached ();
        } catch (IOError.CANCELLED e) {
        }
        assert_false (pidfd.has_exited ());
        kill_and_reap (pidfd);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

// Starts n children, child i exiting with status i, and waits for them.
async void wait_many (int n, MainLoop loop) {
    try {
        var pidfds = new GPidFd.PidFd[n];
        for (var i = 0; i < n; i++)
            pidfds[i] = new GPidFd.PidFd.from_pid (spawn_exit (i));
        for (var i = 0; i < n; i++) {
            // The cancellable is optional, as in every GIO async call.
            var info = yield pidfds[i].wait_async ();
            assert_cmpint (info.exit_status, CompareOperator.EQ, i);
            assert_true (info.has_rusage ());
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_wait_async () {
    var loop = new MainLoop ();
    wait_many.begin (6, loop);
    run_loop (loop);
}

async void wait_cancelled (MainLoop loop) {
    try {
        var pidfd = sleeper ();
        var cancellable = new Cancellable ();
        Timeout.add (50, () => {
            cancellable.cancel ();
            return Source.REMOVE;
        });
        try {
            yield pidfd.wait_async (cancellable);
            assert_not_reached ();
        } catch (IOError.CANCELLED e) {
        }

        // Nothing was lost: a later wait gets the record.
        assert_false (pidfd.has_exited ());
        Timeout.add (50, () => {
            try {
                pidfd.send_signal (SIGKILL);
            } catch (Error e) {
                error ("%s", e.message);
            }
            return Source.REMOVE;
        });
        var info = yield pidfd.wait_async (null);
        assert_cmpint (info.term_sig, CompareOperator.EQ, SIGKILL);
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_wait_async_cancelled () {
    var loop = new MainLoop ();
    wait_cancelled.begin (loop);
    run_loop (loop);
}

// A non-child: the background subshell of a sh, which sh reaps.
async void wait_grandchild (MainLoop loop) {
    try {
        Pid middle_pid;
        int stdin_fd, stdout_fd;
        Process.spawn_async_with_pipes (null,
            { "sh", "-c", "exec 3<&0; (read line <&3; exit 7) & echo $!; wait" },
            null, SpawnFlags.SEARCH_PATH | SpawnFlags.DO_NOT_REAP_CHILD, null,
            out middle_pid, out stdin_fd, out stdout_fd, null);
        var middle = new GPidFd.PidFd.from_pid (middle_pid);
        var output = new DataInputStream (new UnixInputStream (stdout_fd, true));
        var grandchild = int.parse (output.read_line ());

        var pidfd = new GPidFd.PidFd.from_pid (grandchild);
        assert_false (pidfd.is_child ());
        var input = new UnixOutputStream (stdin_fd, true);
        input.write_all ("go\n".data, null);
        input.close ();

        var info = yield pidfd.wait_async ();
        assert_true (info.has_status ());
        assert_cmpint (info.exit_status, CompareOperator.EQ, 7);
        assert_false (info.has_rusage ());
        assert_cmpint ((int) info.user_time, CompareOperator.EQ, -1);

        var middle_info = yield middle.wait_async (null);
        assert_cmpint (middle_info.exit_status, CompareOperator.EQ, 0);
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_non_child () {
    var loop = new MainLoop ();
    wait_grandchild.begin (loop);
    run_loop (loop);
}

void test_add_watch () {
    try {
        var pid = spawn_exit (11);
        var pidfd = new GPidFd.PidFd.from_pid (pid);
        var loop = new MainLoop ();
        int status = -2;
        var id = pidfd.add_watch (Priority.DEFAULT, (p, info) => {
            assert_true (p == pidfd);
            status = info.exit_status;
            loop.quit ();
            return Source.REMOVE;
        });
        var source = MainContext.default ().find_source_by_id (id);
        assert_cmpint (source.get_priority (), CompareOperator.EQ, Priority.DEFAULT);
        run_loop (loop);
        assert_cmpint (status, CompareOperator.EQ, 11);
        assert_true (pidfd.has_exited ());
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_add_watch_full () {
    try {
        var pidfd = new GPidFd.PidFd.from_pid (spawn_exit (13));
        var loop = new MainLoop ();
        int status = -2;
        var id = pidfd.add_watch (Priority.HIGH, (p, info) => {
            status = info.exit_status;
            loop.quit ();
            return Source.REMOVE;
        });
        var source = MainContext.default ().find_source_by_id (id);
        assert_cmpint (source.get_priority (), CompareOperator.EQ, Priority.HIGH);
        run_loop (loop);
        assert_cmpint (status, CompareOperator.EQ, 13);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

// A source in another context. The callback is a PidFdSourceFunc: cast it
// to SourceFunc, moving its ownership to the source.
void test_create_source () {
    try {
        var pidfd = new GPidFd.PidFd.from_pid (spawn_exit (14));
        var context = new MainContext ();
        GPidFd.PidFdExitInfo? record = null;
        GPidFd.PidFdSourceFunc on_process_ended = (p, info) => {
            assert_true (p == pidfd);
            record = info;
            return Source.REMOVE;
        };
        var source = pidfd.create_source ();
        source.set_callback ((SourceFunc) (owned) on_process_ended);
        source.attach (context);

        bool timed_out = false;
        var timeout = new TimeoutSource.seconds (LOOP_TIMEOUT_S);
        timeout.set_callback (() => {
            timed_out = true;
            return Source.REMOVE;
        });
        timeout.attach (context);
        while (record == null && !timed_out)
            context.iteration (true);
        timeout.destroy ();
        assert_false (timed_out);

        assert_cmpint (record.exit_status, CompareOperator.EQ, 14);
        assert_true (record.has_rusage ());
        assert_true (source.is_destroyed ());
        assert_true (pidfd.try_wait () == record);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

// Construction through properties and Initable, as with GLib.Subprocess.
void test_initable () {
    try {
        var pid = spawn_exit (8);
        var pidfd = (GPidFd.PidFd) Object.new (typeof (GPidFd.PidFd), "pid", pid);
        assert_true (pidfd.init ());
        assert_cmpint (pidfd.get_pid (), CompareOperator.EQ, pid);
        assert_true (pidfd.is_child ());
        assert_cmpint (pidfd.wait ().exit_status, CompareOperator.EQ, 8);
    } catch (Error e) {
        error ("%s", e.message);
    }

    // Before init (), every call fails and says why.
    GPidFd.PidFd running = null;
    try {
        running = sleeper ();
    } catch (Error e) {
        error ("%s", e.message);
    }
    var uninitialised = (GPidFd.PidFd) Object.new (typeof (GPidFd.PidFd), "pid", running.pid);
    try {
        uninitialised.wait ();
        assert_not_reached ();
    } catch (IOError.NOT_INITIALIZED e) {
        assert_true (e.message.contains ("init"));
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }
    try {
        uninitialised.force_exit ();
        assert_not_reached ();
    } catch (IOError.NOT_INITIALIZED e) {
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }
    assert_false (running.has_exited ());
    kill_and_reap (running);

    // A failed init () fails again the same way.
    string pid_max;
    try {
        FileUtils.get_contents ("/proc/sys/kernel/pid_max", out pid_max);
    } catch (Error e) {
        error ("%s", e.message);
    }
    var no_such_pid = int.parse (pid_max) + 1;
    var failed = (GPidFd.PidFd) Object.new (typeof (GPidFd.PidFd), "pid", no_such_pid);
    for (var i = 0; i < 2; i++) {
        try {
            failed.init ();
            assert_not_reached ();
        } catch (IOError.NOT_FOUND e) {
            assert_true (e.message.contains (no_such_pid.to_string ()));
        } catch (Error e) {
            error ("unexpected error: %s", e.message);
        }
    }
}

async void wait_checks (MainLoop loop) {
    try {
        assert_true (new GPidFd.PidFd.from_pid (spawn_exit (0)).wait_check ());
        assert_true (yield new GPidFd.PidFd.from_pid (spawn_exit (0)).wait_check_async ());

        var pid = spawn_exit (3);
        try {
            yield new GPidFd.PidFd.from_pid (pid).wait_check_async ();
            assert_not_reached ();
        } catch (Error e) {
            assert_true (e.domain == Quark.from_string ("g-spawn-exit-error-quark"));
            assert_cmpint (e.code, CompareOperator.EQ, 3);
            assert_cmpstr (e.message, CompareOperator.EQ,
                           "Process %d exited with code 3".printf (pid));
        }

        var pidfd = sleeper ();
        var sleeper_pid = pidfd.pid;
        assert_true (pidfd.force_exit ());
        try {
            pidfd.wait_check ();
            assert_not_reached ();
        } catch (SpawnError.FAILED e) {
            assert_cmpstr (e.message, CompareOperator.EQ,
                           "Process %d killed by SIGKILL (signal %d)".printf (
                               sleeper_pid, SIGKILL));
        }
        assert_cmpint (pidfd.wait ().term_sig, CompareOperator.EQ, SIGKILL);
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_wait_check () {
    var loop = new MainLoop ();
    wait_checks.begin (loop);
    run_loop (loop);
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/open", test_open);
    Test.add_func ("/vala/errors", test_errors);
    Test.add_func ("/vala/wait", test_wait);
    Test.add_func ("/vala/wait/cancelled", test_wait_cancelled);
    Test.add_func ("/vala/wait-async", test_wait_async);
    Test.add_func ("/vala/wait-async/cancelled", test_wait_async_cancelled);
    Test.add_func ("/vala/non-child", test_non_child);
    Test.add_func ("/vala/initable", test_initable);
    Test.add_func ("/vala/wait-check", test_wait_check);
    Test.add_func ("/vala/add-watch", test_add_watch);
    Test.add_func ("/vala/add-watch-full", test_add_watch_full);
    Test.add_func ("/vala/create-source", test_create_source);
    return Test.run ();
}
