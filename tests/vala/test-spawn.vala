// SPDX-License-Identifier: LGPL-2.1-or-later
// Tests of spawning through the gpidfd-1 VAPI: GPidFd.PidFd.spawnv, the
// pipes, communicate and communicate_utf8 (sync and with yield),
// GPidFd.PidFdLauncher and signals to a process group, with real
// processes and real main loops.

const int CLD_EXITED = 1;
const size_t MIB = 1024 * 1024;

// Burns a little CPU time in the child, so that its rusage is not zero.
const string BURN = "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done";

// More than any pipe buffer: communicate must feed and drain at once.
string make_text () {
    var text = new StringBuilder ();
    for (int i = 0; text.len <= MIB; i++)
        text.append_printf ("%06d héllo wörld ✓\n", i);
    return text.str;
}

// Every byte value, 0 and 0xff included.
uint8[] make_data () {
    var data = new uint8[MIB];
    for (size_t i = 0; i < MIB; i++)
        data[i] = (uint8) ((i * 7 + (i >> 8)) & 0xff);
    return data;
}

// Reads a pipe to its end, in the main loop, as text.
string read_to_end (InputStream stream) {
    var memory = new MemoryOutputStream.resizable ();
    var loop = new MainLoop ();
    memory.splice_async.begin (stream, OutputStreamSpliceFlags.CLOSE_SOURCE,
                               Priority.DEFAULT, null, (obj, res) => {
        try {
            memory.splice_async.end (res);
        } catch (Error e) {
            error ("%s", e.message);
        }
        loop.quit ();
    });
    run_loop (loop);
    try {
        memory.write_all ({ 0 }, null);
    } catch (Error e) {
        error ("%s", e.message);
    }
    return (string) memory.get_data ();
}

// The signals in the SigIgn line of a /proc/PID/status.
bool ignores (string status, int signum) {
    foreach (var line in status.split ("\n")) {
        if (line.has_prefix ("SigIgn:")) {
            var mask = uint64.parse (line.substring (7).strip (), 16);
            return (mask & ((uint64) 1 << (signum - 1))) != 0;
        }
    }
    error ("no SigIgn line in %s", status);
}

// Whether any process (a zombie too) is left in process group pgid.
bool group_exists (Posix.pid_t pgid) {
    if (Posix.kill (-pgid, 0) == 0)
        return true;
    assert_cmpint (Posix.errno, CompareOperator.EQ, Posix.ESRCH);
    return false;
}

void test_spawnv () {
    try {
        var child = new GPidFd.PidFd.spawnv ({ "sh", "-c", BURN + "; exit 7" },
                                             SubprocessFlags.NONE);
        var pid = child.pid;
        assert_cmpint (pid, CompareOperator.GT, 0);
        assert_true (child.is_child ());
        var info = child.wait ();
        assert_cmpint (info.pid, CompareOperator.EQ, pid);
        assert_true (info.has_status ());
        assert_true (info.if_exited);
        assert_cmpint (info.exit_status, CompareOperator.EQ, 7);
        assert_cmpint (info.status, CompareOperator.EQ, 7 << 8);
        assert_cmpint (info.si_code, CompareOperator.EQ, CLD_EXITED);
        // Born a child of ours: the record has the full rusage.
        assert_true (info.has_rusage ());
        assert_cmpint ((int) (info.user_time + info.system_time), CompareOperator.GT, 0);
        assert_cmpint ((int) info.max_rss, CompareOperator.GT, 0);
        assert_cmpint (child.pid, CompareOperator.EQ, -1);

        var sleeper = new GPidFd.PidFd.spawnv ({ "sleep", "100" }, SubprocessFlags.NONE);
        assert_null (sleeper.try_wait ());
        sleeper.send_signal (Posix.Signal.TERM);
        assert_cmpint (sleeper.wait ().term_sig, CompareOperator.EQ, Posix.Signal.TERM);

        assert_true (new GPidFd.PidFd.spawnv ({ "true" }, SubprocessFlags.NONE).wait_check ());
        var failing = new GPidFd.PidFd.spawnv ({ "false" }, SubprocessFlags.NONE);
        var failing_pid = failing.pid;
        try {
            failing.wait_check ();
            assert_not_reached ();
        } catch (Error e) {
            assert_true (e.domain == Quark.from_string ("g-spawn-exit-error-quark"));
            assert_cmpint (e.code, CompareOperator.EQ, 1);
            assert_cmpstr (e.message, CompareOperator.EQ,
                           "Process %d exited with code 1".printf (failing_pid));
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_exec_error () {
    foreach (var program in new string[] { "gpidfd-no-such-program", "/nonexistent/gpidfd" }) {
        try {
            new GPidFd.PidFd.spawnv ({ program, "argument" }, SubprocessFlags.NONE);
            assert_not_reached ();
        } catch (SpawnError.NOENT e) {
            assert_true (program in e.message);
        } catch (Error e) {
            error ("%s: unexpected error %s", program, e.message);
        }
    }
}

void test_pipes () {
    try {
        var cat = new GPidFd.PidFd.spawnv ({ "cat" },
                                           SubprocessFlags.STDIN_PIPE | SubprocessFlags.STDOUT_PIPE);
        assert_null (cat.get_stderr_pipe ());
        size_t written;
        cat.get_stdin_pipe ().write_all ("one\ntwo\n".data, out written);
        assert_cmpuint ((uint) written, CompareOperator.EQ, 8);
        // Closing stdin gives cat end of file.
        cat.get_stdin_pipe ().close ();
        assert_cmpstr (read_to_end (cat.get_stdout_pipe ()), CompareOperator.EQ, "one\ntwo\n");
        assert_cmpint (cat.wait ().exit_status, CompareOperator.EQ, 0);

        var none = new GPidFd.PidFd.spawnv ({ "true" }, SubprocessFlags.NONE);
        assert_null (none.get_stdin_pipe ());
        assert_null (none.get_stdout_pipe ());
        assert_null (none.get_stderr_pipe ());
        none.wait ();

        string[] argv = { "sh", "-c", "echo out; echo err >&2" };
        var both = new GPidFd.PidFd.spawnv (argv,
                                            SubprocessFlags.STDOUT_PIPE | SubprocessFlags.STDERR_PIPE);
        assert_null (both.get_stdin_pipe ());
        assert_cmpstr (read_to_end (both.get_stderr_pipe ()), CompareOperator.EQ, "err\n");
        assert_cmpstr (read_to_end (both.get_stdout_pipe ()), CompareOperator.EQ, "out\n");
        both.wait ();

        string out_text, err_text;
        var merged = new GPidFd.PidFd.spawnv (argv,
                                              SubprocessFlags.STDOUT_PIPE | SubprocessFlags.STDERR_MERGE);
        assert_null (merged.get_stderr_pipe ());
        assert_true (merged.communicate_utf8 (null, null, out out_text, out err_text));
        assert_cmpstr (out_text, CompareOperator.EQ, "out\nerr\n");
        assert_null (err_text);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_communicate () {
    var data = make_data ();
    var text = make_text ();
    try {
        var flags = SubprocessFlags.STDIN_PIPE | SubprocessFlags.STDOUT_PIPE;
        Bytes out_buf, err_buf;
        var child = new GPidFd.PidFd.spawnv ({ "cat" }, flags);
        assert_true (child.communicate (new Bytes (data), null, out out_buf, out err_buf));
        assert_true (out_buf.compare (new Bytes (data)) == 0);
        assert_null (err_buf);
        // It has ended and been reaped: the record is there at once.
        assert_cmpint (child.try_wait ().exit_status, CompareOperator.EQ, 0);

        string out_text, err_text;
        child = new GPidFd.PidFd.spawnv ({ "cat" }, flags);
        assert_true (child.communicate_utf8 (text, null, out out_text, out err_text));
        assert_cmpuint (out_text.length, CompareOperator.EQ, text.length);
        assert_cmpstr (out_text, CompareOperator.EQ, text);
        assert_null (err_text);

        // Only what is asked for.
        child = new GPidFd.PidFd.spawnv ({ "sh", "-c", "echo out; echo err >&2" },
                                         SubprocessFlags.STDOUT_PIPE | SubprocessFlags.STDERR_PIPE);
        assert_true (child.communicate_utf8 (null, null, null, out err_text));
        assert_cmpstr (err_text, CompareOperator.EQ, "err\n");
    } catch (Error e) {
        error ("%s", e.message);
    }
}

async void communicate_async (MainLoop loop) {
    var data = make_data ();
    var text = make_text ();
    var flags = SubprocessFlags.STDIN_PIPE | SubprocessFlags.STDOUT_PIPE;
    try {
        Bytes out_buf, err_buf;
        var child = new GPidFd.PidFd.spawnv ({ "cat" }, flags);
        assert_true (yield child.communicate_async (new Bytes (data), null,
                                                    out out_buf, out err_buf));
        assert_true (out_buf.compare (new Bytes (data)) == 0);
        assert_null (err_buf);

        string out_text, err_text;
        child = new GPidFd.PidFd.spawnv ({ "cat" }, flags);
        assert_true (yield child.communicate_utf8_async (text, null, out out_text, out err_text));
        assert_cmpstr (out_text, CompareOperator.EQ, text);
        assert_null (err_text);
        assert_cmpint ((yield child.wait_async ()).exit_status, CompareOperator.EQ, 0);

        child = new GPidFd.PidFd.spawnv ({ "sh", "-c", "echo out; echo err >&2; exit 3" },
                                         SubprocessFlags.STDOUT_PIPE | SubprocessFlags.STDERR_PIPE);
        assert_true (yield child.communicate_utf8_async (null, null, out out_text, out err_text));
        assert_cmpstr (out_text, CompareOperator.EQ, "out\n");
        assert_cmpstr (err_text, CompareOperator.EQ, "err\n");
        // communicate waits but does not check: the status is on the record.
        assert_cmpint (child.try_wait ().exit_status, CompareOperator.EQ, 3);
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_communicate_async () {
    var loop = new MainLoop ();
    communicate_async.begin (loop);
    run_loop (loop);
}

async void invalid_utf8 (MainLoop loop) {
    try {
        var child = new GPidFd.PidFd.spawnv ({ "printf", "valid, then \\377 not" },
                                             SubprocessFlags.STDOUT_PIPE);
        var pid = child.pid;
        string out_text;
        try {
            child.communicate_utf8 (null, null, out out_text);
            assert_not_reached ();
        } catch (IOError.INVALID_DATA e) {
            assert_true ("stdout" in e.message);
            assert_true (pid.to_string () in e.message);
        }

        child = new GPidFd.PidFd.spawnv ({ "sh", "-c", "printf '\\377' >&2" },
                                         SubprocessFlags.STDERR_PIPE);
        string err_text;
        try {
            yield child.communicate_utf8_async (null, null, null, out err_text);
            assert_not_reached ();
        } catch (IOError.INVALID_DATA e) {
            assert_true ("stderr" in e.message);
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_invalid_utf8 () {
    var loop = new MainLoop ();
    invalid_utf8.begin (loop);
    run_loop (loop);
}

async void not_spawned (MainLoop loop) {
    try {
        Pid pid;
        Process.spawn_async (null, { "sleep", "100" }, null,
                             SpawnFlags.SEARCH_PATH | SpawnFlags.DO_NOT_REAP_CHILD,
                             null, out pid);
        var other = new GPidFd.PidFd.from_pid (pid);
        assert_null (other.get_stdin_pipe ());
        assert_null (other.get_stdout_pipe ());
        assert_null (other.get_stderr_pipe ());
        try {
            other.communicate_utf8 (null);
            assert_not_reached ();
        } catch (IOError.NOT_SUPPORTED e) {
            assert_true (pid.to_string () in e.message);
        }
        try {
            yield other.communicate_async (null);
            assert_not_reached ();
        } catch (IOError.NOT_SUPPORTED e) {
        }
        assert_null (other.try_wait ());
        kill_and_reap (other);
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_not_spawned () {
    var loop = new MainLoop ();
    not_spawned.begin (loop);
    run_loop (loop);
}

void test_launcher_environment () {
    var launcher = new GPidFd.PidFdLauncher (SubprocessFlags.NONE);
    assert_true (launcher.flags == SubprocessFlags.NONE);
    launcher.set_flags (SubprocessFlags.STDOUT_PIPE);
    assert_true (launcher.flags == SubprocessFlags.STDOUT_PIPE);
    assert_cmpstr (launcher.getenv ("PATH"), CompareOperator.EQ, Environment.get_variable ("PATH"));

    launcher.set_environ ({ "A=1", "C=3" });
    assert_null (launcher.getenv ("PATH"));
    launcher.setenv ("A", "not set", false);
    launcher.setenv ("B", "two words", true);
    launcher.setenv ("C", "33", true);
    launcher.unsetenv ("C");
    assert_cmpstr (launcher.getenv ("A"), CompareOperator.EQ, "1");
    assert_null (launcher.getenv ("C"));
    try {
        string out_text;
        var child = launcher.spawnv ({ "/usr/bin/env" });
        assert_true (child.communicate_utf8 (null, null, out out_text));
        assert_cmpstr (out_text, CompareOperator.EQ, "A=1\nB=two words\n");

        launcher.set_environ ({});
        child = launcher.spawnv ({ "/usr/bin/env" });
        assert_true (child.communicate_utf8 (null, null, out out_text));
        assert_cmpstr (out_text, CompareOperator.EQ, "");

        // null: the caller's environment as it is now.
        launcher.set_environ (null);
        child = launcher.spawnv ({ "/usr/bin/env" });
        assert_true (child.communicate_utf8 (null, null, out out_text));
        assert_true ("\nHOME=%s\n".printf (Environment.get_home_dir ()) in "\n" + out_text);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_launcher_cwd_and_files () {
    try {
        var dir = DirUtils.make_tmp ("gpidfd-XXXXXX");
        var launcher = new GPidFd.PidFdLauncher (SubprocessFlags.NONE);
        launcher.set_cwd (dir);
        FileUtils.set_contents (dir + "/in", "from the file\n");
        // Truncated at the spawn, not overwritten in place.
        FileUtils.set_contents (dir + "/out", string.nfill (200, 'x'));
        FileUtils.set_contents (dir + "/err", string.nfill (200, 'x'));
        launcher.set_stdin_file_path (dir + "/in");
        launcher.set_stdout_file_path (dir + "/out");
        launcher.set_stderr_file_path (dir + "/err");
        var child = launcher.spawnv ({ "sh", "-c", "cat; echo oops >&2; pwd -P > cwd" });
        assert_null (child.get_stdout_pipe ());
        assert_cmpint (child.wait ().exit_status, CompareOperator.EQ, 0);

        string contents;
        FileUtils.get_contents (dir + "/out", out contents);
        assert_cmpstr (contents, CompareOperator.EQ, "from the file\n");
        FileUtils.get_contents (dir + "/err", out contents);
        assert_cmpstr (contents, CompareOperator.EQ, "oops\n");
        FileUtils.get_contents (dir + "/cwd", out contents);
        assert_cmpstr (contents, CompareOperator.EQ, Posix.realpath (dir) + "\n");

        launcher.set_cwd (dir + "/missing");
        try {
            launcher.spawnv ({ "true" });
            assert_not_reached ();
        } catch (SpawnError.CHDIR e) {
            assert_true ("missing" in e.message);
        }

        launcher.set_cwd (null);
        launcher.set_stdin_file_path (dir + "/missing");
        try {
            launcher.spawnv ({ "true" });
            assert_not_reached ();
        } catch (IOError.NOT_FOUND e) {
            assert_true ("missing" in e.message);
        }

        foreach (var name in new string[] { "in", "out", "err", "cwd" })
            FileUtils.unlink (dir + "/" + name);
        DirUtils.remove (dir);
    } catch (Error e) {
        error ("%s", e.message);
    }
}

void test_launcher_take_fds () {
    int into[2], from[2], err[2];
    assert_cmpint (Posix.pipe (into), CompareOperator.EQ, 0);
    assert_cmpint (Posix.pipe (from), CompareOperator.EQ, 0);
    assert_cmpint (Posix.pipe (err), CompareOperator.EQ, 0);
    Posix.write (into[1], "in on fd 4\n", 11);
    Posix.close (into[1]);

    var launcher = new GPidFd.PidFdLauncher (SubprocessFlags.NONE);
    // The launcher owns each descriptor given to it.
    launcher.take_fd (into[0], 4);
    launcher.take_fd (from[1], 3);
    launcher.take_stderr_fd (err[1]);
    try {
        var child = launcher.spawnv ({ "sh", "-c", "cat <&4 >&3; echo done >&3; echo e >&2" });
        assert_cmpint (child.wait ().exit_status, CompareOperator.EQ, 0);
    } catch (Error e) {
        error ("%s", e.message);
    }
    // close() drops the launcher's write ends: the pipes then end.
    launcher.close ();
    assert_cmpstr (read_to_end (new UnixInputStream (from[0], true)), CompareOperator.EQ,
                   "in on fd 4\ndone\n");
    assert_cmpstr (read_to_end (new UnixInputStream (err[0], true)), CompareOperator.EQ, "e\n");

    // Closed: later spawns fail, and a second close does nothing.
    launcher.close ();
    try {
        launcher.spawnv ({ "true" });
        assert_not_reached ();
    } catch (IOError.CLOSED e) {
        assert_true ("true" in e.message);
    } catch (Error e) {
        error ("unexpected error: %s", e.message);
    }

    // stdin and stdout from descriptors.
    int pipe_in[2];
    assert_cmpint (Posix.pipe (pipe_in), CompareOperator.EQ, 0);
    Posix.write (pipe_in[1], "piped in\n", 9);
    Posix.close (pipe_in[1]);
    int pipe_out[2];
    assert_cmpint (Posix.pipe (pipe_out), CompareOperator.EQ, 0);
    launcher = new GPidFd.PidFdLauncher (SubprocessFlags.NONE);
    launcher.take_stdin_fd (pipe_in[0]);
    launcher.take_stdout_fd (pipe_out[1]);
    try {
        launcher.spawnv ({ "cat" }).wait ();
    } catch (Error e) {
        error ("%s", e.message);
    }
    launcher.close ();
    assert_cmpstr (read_to_end (new UnixInputStream (pipe_out[0], true)), CompareOperator.EQ,
                   "piped in\n");
}

void test_launcher_signals () {
    var launcher = new GPidFd.PidFdLauncher (SubprocessFlags.STDOUT_PIPE);
    var old_hup = Posix.signal (Posix.Signal.HUP, Posix.SIG_IGN);
    var old_usr2 = Posix.signal (Posix.Signal.USR2, Posix.SIG_IGN);
    try {
        string status;
        launcher.spawnv ({ "cat", "/proc/self/status" }).communicate_utf8 (null, null, out status);
        // By default, as GLib's spawn: SIGHUP back at its default,
        // another ignored signal still ignored.
        assert_false (ignores (status, Posix.Signal.HUP));
        assert_true (ignores (status, Posix.Signal.USR2));

        launcher.set_inherit_ignored_signals (true);
        launcher.spawnv ({ "cat", "/proc/self/status" }).communicate_utf8 (null, null, out status);
        assert_true (ignores (status, Posix.Signal.HUP));
        assert_true (ignores (status, Posix.Signal.USR2));
    } catch (Error e) {
        error ("%s", e.message);
    }
    Posix.signal (Posix.Signal.HUP, old_hup);
    Posix.signal (Posix.Signal.USR2, old_usr2);
}

async void process_group (MainLoop loop) {
    try {
        var launcher = new GPidFd.PidFdLauncher (SubprocessFlags.NONE);
        var in_ours = launcher.spawnv ({ "sleep", "100" });
        assert_cmpint (Posix.getpgid (in_ours.pid), CompareOperator.EQ, Posix.getpgrp ());
        try {
            in_ours.send_signal_full (Posix.Signal.KILL, GPidFd.PidFdSignalScope.PROCESS_GROUP);
            assert_not_reached ();
        } catch (IOError.INVALID_ARGUMENT e) {
        }
        assert_null (in_ours.try_wait ());
        kill_and_reap (in_ours);

        launcher.set_process_group (true);
        launcher.set_flags (SubprocessFlags.STDOUT_PIPE);
        var leader = launcher.spawnv ({ "sh", "-c", "sleep 100 & echo $!; sleep 100 & echo $!; wait" });
        Posix.pid_t pgid = leader.pid;
        assert_cmpint (Posix.getpgid (pgid), CompareOperator.EQ, pgid);
        var stdout = new DataInputStream (leader.get_stdout_pipe ());
        GPidFd.PidFd[] sleepers = {};
        for (int i = 0; i < 2; i++) {
            var pid = int.parse (stdout.read_line_utf8 ());
            assert_cmpint (Posix.getpgid (pid), CompareOperator.EQ, pgid);
            // Not children of ours: only told when they exit.
            sleepers += new GPidFd.PidFd.from_pid (pid);
        }
        assert_true (group_exists (pgid));

        assert_true (leader.send_signal_full (Posix.Signal.KILL, GPidFd.PidFdSignalScope.PROCESS_GROUP));
        var info = yield leader.wait_async ();
        assert_cmpint (info.term_sig, CompareOperator.EQ, Posix.Signal.KILL);
        foreach (var sleeper in sleepers)
            assert_true (sleeper.wait_exit ());
        // Orphaned, the sleeps are reaped by pid 1 or a subreaper; then
        // nothing at all is left in the group.
        var deadline = get_monotonic_time () + LOOP_TIMEOUT_S * TimeSpan.SECOND;
        while (group_exists (pgid)) {
            if (get_monotonic_time () > deadline)
                error ("process group %d is still there", pgid);
            Timeout.add (50, process_group.callback);
            yield;
        }
    } catch (Error e) {
        error ("%s", e.message);
    }
    loop.quit ();
}

void test_process_group () {
    var loop = new MainLoop ();
    process_group.begin (loop);
    run_loop (loop);
}

int main (string[] args) {
    Test.init (ref args);
    Test.add_func ("/vala/spawn/spawnv", test_spawnv);
    Test.add_func ("/vala/spawn/exec-error", test_exec_error);
    Test.add_func ("/vala/spawn/pipes", test_pipes);
    Test.add_func ("/vala/spawn/communicate", test_communicate);
    Test.add_func ("/vala/spawn/communicate-async", test_communicate_async);
    Test.add_func ("/vala/spawn/invalid-utf8", test_invalid_utf8);
    Test.add_func ("/vala/spawn/not-spawned", test_not_spawned);
    Test.add_func ("/vala/spawn/launcher/environment", test_launcher_environment);
    Test.add_func ("/vala/spawn/launcher/cwd-and-files", test_launcher_cwd_and_files);
    Test.add_func ("/vala/spawn/launcher/take-fds", test_launcher_take_fds);
    Test.add_func ("/vala/spawn/launcher/signals", test_launcher_signals);
    Test.add_func ("/vala/spawn/process-group", test_process_group);
    return Test.run ();
}
