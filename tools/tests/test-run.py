#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-run.py GPIDFD [GROUP]
#
# gpidfd run: its report and exit status, the signals it forwards, its
# timeouts and process groups, and its report file (-o).
# Groups: run, run-signals, run-timeout, run-output.
# The runner and the helpers they share are in tooltest.py.

import fcntl
import json
import os
import pty
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import termios
import threading
import time

import tooltest
from tooltest import (
    GPIDFD, default_signals, expect, expect_match, gpidfd, group_members, json_lines, last_record,
    Skip, test)


@test("run")
def test_run_exit_status_and_report():
    r = gpidfd("run", "--", "sh", "-c", "exit 7", check_status=7)
    for pattern in [r"^Command: +sh -c 'exit 7'$", r"^Process id: +\d+$",
                    r"^Ended: +exited with code 7$", r"^Wait status: +1792 \(0x0700\)$",
                    r"^Wall-clock time: +\d+\.\d{3} s$", r"^User CPU time: +\d+\.\d{3} s$",
                    r"^System CPU time: +\d+\.\d{3} s$", r"^CPU: +\d+%$",
                    r"^Maximum resident set size: +[1-9]\d* KiB$",
                    r"^Major page faults: +\d+$", r"^Minor page faults: +[1-9]\d*$",
                    r"^Voluntary context switches: +\d+$",
                    r"^Involuntary context switches: +\d+$",
                    r"^File system inputs: +\d+$", r"^File system outputs: +\d+$"]:
        expect_match(pattern, r.stderr, "report")
    expect(r.stdout == "", "nothing on stdout")
    gpidfd("run", "true", check_status=0)
    # Options after the command are the command's.
    r = gpidfd("run", "sh", "-c", 'echo "$1"', "sh", "--json", check_status=0)
    expect(r.stdout == "--json\n", r.stdout)
    r = gpidfd("run", "--", "sh", "-c", 'echo "$1"', "sh", "--", check_status=0)
    expect(r.stdout == "--\n", r.stdout)


@test("run")
def test_run_signals_and_statuses():
    r = gpidfd("run", "--", "sh", "-c", "kill -TERM $$", check_status=143)
    expect_match(r"^Ended: +killed by SIGTERM \(signal 15\)$", r.stderr)
    r = gpidfd("run", "--json", "--", "sh", "-c", "kill -KILL $$", check_status=137)
    rec = last_record(r.stderr)
    expect(rec["signaled"] and rec["signal"] == "SIGKILL" and rec["term_signal"] == 9, rec)
    rtmin = signal.SIGRTMIN
    r = gpidfd("run", "--json", "--", "sh", "-c", "kill -%d $$" % (rtmin + 2),
               check_status=128 + rtmin + 2)
    expect(last_record(r.stderr)["signal"] == "SIGRTMIN+2", r.stderr)


@test("run")
def test_run_reports_core_dumps():
    # Whether a core was dumped, as the kernel says to a plain waitpid().
    def allow_cores():
        default_signals()
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY,
                                                      resource.RLIM_INFINITY))
        except (ValueError, OSError):
            pass

    with tempfile.TemporaryDirectory() as tmp:
        script = ["sh", "-c", "kill -SEGV $$"]
        # Keep the Popen: once dropped, its __del__ may reap the child
        # (with WNOHANG) before os.waitpid() gets the raw status.
        proc = subprocess.Popen(script, cwd=tmp, preexec_fn=allow_cores)
        _, raw = os.waitpid(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(raw)
        expect(os.WIFSIGNALED(raw) and os.WTERMSIG(raw) == signal.SIGSEGV, raw)
        r = gpidfd("run", "--json", "--", *script, cwd=tmp, preexec_fn=allow_cores,
                   check_status=128 + signal.SIGSEGV)
        rec = last_record(r.stderr)
        expect(rec["core_dumped"] == os.WCOREDUMP(raw) and rec["wait_status"] == raw,
               (raw, rec))
        r = gpidfd("run", "--", *script, cwd=tmp, preexec_fn=allow_cores,
                   check_status=128 + signal.SIGSEGV)
        expect_match(r"^Ended: +killed by SIGSEGV \(signal 11\)%s$"
                     % (", core dumped" if os.WCOREDUMP(raw) else ""), r.stderr)


@test("run")
def test_run_names_endings_as_the_library():
    # One wording for how a process ended, the library's
    # (g_pidfd_exit_info_describe): "exited with code N", and for every
    # signal that ends a process, "killed by SIGNAME (signal N)", with
    # the name gpidfd kill -l gives the number.
    for code in (0, 3):
        r = gpidfd("run", "--", "sh", "-c", "exit %d" % code, check_status=code)
        expect_match(r"^Ended: +exited with code %d$" % code, r.stderr)
    listed = json_lines(gpidfd("kill", "-l", "--json", check_status=0).stdout)
    names = {rec["number"]: rec["signal"] for rec in listed}
    # Those whose default action is to be ignored, or to stop.
    harmless = {signal.SIGCHLD, signal.SIGCONT, signal.SIGURG, signal.SIGWINCH,
                signal.SIGSTOP, signal.SIGTSTP, signal.SIGTTIN, signal.SIGTTOU}

    def all_default():
        default_signals()
        for signum in names:
            if signum not in (signal.SIGKILL, signal.SIGSTOP):
                signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])

    for number, name in sorted(names.items()):
        if number in harmless:
            continue
        r = gpidfd("run", "--", "sh", "-c", "kill -%d $$" % number, preexec_fn=all_default,
                   check_status=128 + number)
        expect_match(r"^Ended: +killed by %s \(signal %d\)$" % (re.escape(name), number),
                     r.stderr)


@test("run")
def test_run_json_record():
    r = gpidfd("run", "--json", "--output=-", "--", "sh", "-c", "exit 3", check_status=3)
    records = json_lines(r.stdout)
    expect(len(records) == 1, records)
    rec = records[0]
    expect(rec["event"] == "exit" and rec["command"] == ["sh", "-c", "exit 3"], rec)
    expect(rec["exited"] and rec["exit_status"] == 3 and rec["wait_status"] == 768, rec)
    expect(rec["child"] and rec["has_status"] and rec["has_rusage"], rec)
    expect(rec["max_rss_kib"] > 0 and rec["minor_faults"] > 0 and rec["wall_time_us"] > 0, rec)
    for key in ("user_time_us", "system_time_us", "major_faults", "voluntary_context_switches",
                "involuntary_context_switches", "fs_inputs", "fs_outputs", "cpu_percent"):
        expect(isinstance(rec[key], int) and rec[key] >= 0, key)
    expect(rec["timed_out"] is False and rec["forwarded_signals"] == [], rec)
    expect(r.stderr == "", r.stderr)
    # Arguments are bytes; the JSON stays valid UTF-8.
    r = subprocess.run([GPIDFD.encode(), b"run", b"--json", b"--", b"sh", b"-c", b"exit 0",
                        b"\xff\xfeab"], capture_output=True, timeout=30)
    rec = json.loads(r.stderr.decode("utf-8").splitlines()[-1])
    expect(rec["command"][3] == "\ufffd\ufffdab", rec)


@test("run")
def test_run_exec_errors_like_env():
    with tempfile.TemporaryDirectory() as tmp:
        r = gpidfd("run", "--", os.path.join(tmp, "no-such-command"), check_status=127)
        expect_match(r"^gpidfd run: Cannot run '.*no-such-command': No such file", r.stderr)
        r = gpidfd("run", "--", "gpidfd-no-such-command-on-path", check_status=127)
        # An empty name is a command not found, as for timeout(1).
        r = gpidfd("run", "--", "", check_status=127)
        expect_match(r"^gpidfd run: Cannot run '': No such file", r.stderr)
        plain = os.path.join(tmp, "not-executable")
        with open(plain, "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        r = gpidfd("run", "--", plain, check_status=126)
        expect_match("Permission denied", r.stderr)
        r = gpidfd("run", "--json", "--", plain, check_status=126)
        rec = last_record(r.stderr)
        expect(rec["event"] == "error" and rec["error"] == "permission-denied" and
               rec["argument"] == plain and rec["pid"] is None, rec)


@test("run")
def test_run_usage_errors_exit_125():
    # As timeout(1) and env(1): gpidfd's own errors are never taken for
    # the command's status (a command may well exit with 2).
    gpidfd("run", "--", "sh", "-c", "exit 2", check_status=2)
    for args, message in ((["--no-such-option", "--", "true"], "no-such-option"),
                          ([], "no command given"),
                          (["--json"], "no command given"),
                          (["--timeout=abc", "--", "true"], "'abc'"),
                          (["--kill-after=x", "-t", "1", "--", "true"], "'x'"),
                          (["--kill-after=1", "--", "true"], "--kill-after needs"),
                          (["--signal=INT", "--", "true"], "--signal needs"),
                          (["--append", "--", "true"], "--append"),
                          (["--timeout=1", "--signal=NOPE", "--", "true"], "unknown signal 'NOPE'"),
                          (["-t"], "-t")):
        r = gpidfd("run", *args, check_status=125)
        expect(message.lower() in r.stderr.lower(), "%s: %r" % (args, r.stderr))
        if "--json" in args:
            expect(last_record(r.stderr)["event"] == "error", r.stderr)
        else:
            expect_match(r"^Try 'gpidfd run --help'", r.stderr)
    # Help that cannot be written is a failure of gpidfd too.
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            gpidfd("run", "--help", stdout=full, check_status=125)
            gpidfd("wait", "--help", stdout=full, check_status=1)
    # The other commands keep 2, as pidwait(1) does.
    for command in ("wait", "kill", "info", "demo"):
        gpidfd(command, "--timeout=x" if command == "wait" else "--no-such-option",
               check_status=2)


@test("run")
def test_run_durations_as_timeout():
    # Bug 4: what timeout(1) takes, and nothing else.
    for good in ("1s", "2m", "1.5h", "1d", "1e9", ".5", "5.", "+3", "0", "inf", "1E2s"):
        gpidfd("run", "--timeout=" + good, "--", "true", check_status=0)
    for bad in ("-1", "nan", "NaN", "0x10", "", "abc", "1x", "1e", "1 s", " 1", "--5", "1ss",
                "infs0", "-inf"):
        r = gpidfd("run", "--timeout=" + bad, "--", "true", check_status=125)
        expect("'%s'" % bad in r.stderr, "the text given, %r, is not in %r" % (bad, r.stderr))
        gpidfd("wait", "--timeout=" + bad, os.getpid(), check_status=2)
    r = gpidfd("run", "--timeout=-1", "--", "true", check_status=125)
    expect_match("negative", r.stderr)


@test("run")
def test_run_timeout():
    start = time.monotonic()
    r = gpidfd("run", "--timeout=0.005m", "--", "sleep", "10", check_status=124)
    expect(time.monotonic() - start < 5, "the timeout did not fire in time")
    expect_match(r"^Ended: +killed by SIGTERM", r.stderr)
    expect_match(r"^Timed out: +after 0.005m; sent SIGTERM$", r.stderr)
    r = gpidfd("run", "--json", "-t", "0.2", "-s", "INT", "--", "sleep", "10", check_status=124)
    events = json_lines(r.stderr)
    expect(events[0] == {"event": "signal", "pid": events[-1]["pid"], "signal": "SIGINT",
                         "number": signal.SIGINT, "reason": "timeout", "process_group": True,
                         "sent": True}, events)
    expect(events[-1]["timed_out"] and events[-1]["term_signal"] == signal.SIGINT, events)
    # -k: as timeout(1), 137 when SIGKILL was needed.
    r = gpidfd("run", "--json", "-t", "0.2", "-k", "0.2", "--",
               "sh", "-c", "trap '' TERM; exec sleep 10", check_status=137)
    events = json_lines(r.stderr)
    expect([e.get("reason") for e in events[:-1]] == ["timeout", "kill-after"], events)
    expect(events[-1]["killed_after_timeout"] and events[-1]["signal"] == "SIGKILL", events)
    # A command that ends in time: its own status.
    gpidfd("run", "-t", "10", "-k", "1", "--", "sh", "-c", "exit 4", check_status=4)


@test("run")
def test_run_passes_inherited_descriptors():
    # Bug 2: descriptors above 2 were closed.
    with tempfile.TemporaryFile() as f:
        f.write(b"from fd 3\n")
        f.flush()
        f.seek(0)
        r = gpidfd("run", "--", "sh", "-c", "cat <&%d" % f.fileno(), stdin=subprocess.DEVNULL,
                   pass_fds=(f.fileno(),), check_status=0)
        expect(r.stdout == "from fd 3\n", r.stdout)
    # The same set of descriptors as without gpidfd (a jobserver pipe, say).
    read_end, write_end = os.pipe()
    try:
        listing = ["sh", "-c", "ls /proc/$$/fd"]
        direct = subprocess.run(listing, capture_output=True, text=True,
                                pass_fds=(read_end, write_end)).stdout.split()
        through = gpidfd("run", "--", *listing, pass_fds=(read_end, write_end),
                         check_status=0).stdout.split()
        expect(direct == through, "without gpidfd %s, with %s" % (direct, through))
        expect(str(read_end) in through and str(write_end) in through, through)
    finally:
        os.close(read_end)
        os.close(write_end)


def signal_lines(*args, **kwargs):
    r = subprocess.run(list(args) + ["grep", "-E", "^Sig(Ign|Blk|Cgt)", "/proc/self/status"],
                       capture_output=True, text=True, timeout=30, **kwargs)
    expect(r.returncode == 0, r.stderr)
    return r.stdout


@test("run")
def test_run_with_closed_standard_descriptors():
    # A closed stdout stays closed for the command, and gpidfd's own
    # descriptors do not take its place.
    script = "[ -e /proc/$$/fd/1 ] && echo open >&2 || echo closed >&2"
    r = gpidfd("run", "--json", "--", "sh", "-c", script, stdout=None,
               preexec_fn=lambda: os.close(1), check_status=0)
    expect(r.stderr.startswith("closed\n"), r.stderr)
    expect(last_record(r.stderr)["exit_status"] == 0, r.stderr)
    r = gpidfd("kill", "-l", stdout=None, preexec_fn=lambda: os.close(1), check_status=1)
    expect_match("Cannot write to standard output: Bad file descriptor", r.stderr)
    # The report for a closed stdout goes nowhere else (not into a
    # descriptor of gpidfd's that took number 1).
    r = gpidfd("run", "-o", "-", "--", "true", stdout=None, preexec_fn=lambda: os.close(1),
               check_status=125)
    expect_match("Cannot write to standard output: Bad file descriptor", r.stderr)


def signal_sets(lines):
    return {m.group(1): int(m.group(2), 16)
            for m in re.finditer(r"^Sig(Ign|Blk|Cgt):\s*([0-9a-f]+)$", lines, re.M)}


@test("run")
def test_run_passes_dispositions_and_mask():
    # Bug 3: ignored signals were reset; nohup's SIGHUP was lost. Every
    # signal ignored stays ignored but SIGCHLD, which gpidfd needs at its
    # default to collect the command's status; the mask starts empty, as
    # from GLib's spawn.
    sigchld = 1 << (signal.SIGCHLD - 1)

    def setup():
        for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE,
                       signal.SIGCHLD, signal.SIGTERM, signal.SIGUSR2):
            signal.signal(signum, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_SETMASK, {signal.SIGUSR1, signal.SIGINT,
                                                    signal.SIGALRM})

    direct = signal_sets(signal_lines(preexec_fn=setup))
    through = signal_sets(signal_lines(GPIDFD, "run", "--", preexec_fn=setup))
    expect(direct["Blk"] != 0 and through["Blk"] == 0, (direct, through))
    expect(through["Ign"] == direct["Ign"] & ~sigchld, "without gpidfd %x, with %x"
           % (direct["Ign"], through["Ign"]))

    def defaults():
        for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE,
                       signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())

    direct = signal_lines(preexec_fn=defaults)
    through = signal_lines(GPIDFD, "run", "--", preexec_fn=defaults)
    expect(direct == through, "without gpidfd:\n%s\nwith:\n%s" % (direct, through))

    nohup = shutil.which("nohup")
    if nohup:
        with tempfile.TemporaryDirectory() as tmp:
            r = subprocess.run([nohup, GPIDFD, "run", "--", "grep", "^SigIgn", "/proc/self/status"],
                               capture_output=True, text=True, cwd=tmp, stdin=subprocess.DEVNULL,
                               preexec_fn=defaults)
            mask = int(r.stdout.split()[1], 16) if r.stdout else 0
            expect(mask & (1 << (signal.SIGHUP - 1)), "SIGHUP not ignored under nohup: %r" % r)


@test("run")
def test_run_with_sigchld_ignored():
    # Bug 9: with SIGCHLD ignored (inherited), the kernel reaped the command
    # before gpidfd opened it, about half the time.
    def ignore_sigchld():
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)

    for _ in range(30):
        r = gpidfd("run", "--json", "--", "sh", "-c", "exit 7", preexec_fn=ignore_sigchld)
        rec = last_record(r.stderr)
        expect(r.returncode == 7 and rec["exited"] and rec["exit_status"] == 7, (r, rec))
    r = gpidfd("run", "--json", "--", "sh", "-c", "kill -TERM $$", preexec_fn=ignore_sigchld,
               check_status=143)
    expect(last_record(r.stderr)["term_signal"] == 15, r.stderr)
    # The command has SIGCHLD at its default, as gpidfd itself (see the
    # man page): ignored in gpidfd, it would lose the resource usage.
    lines = signal_lines(GPIDFD, "run", "--", preexec_fn=ignore_sigchld)
    ign = int(re.search(r"SigIgn:\s*([0-9a-f]+)", lines).group(1), 16)
    expect(not ign & (1 << (signal.SIGCHLD - 1)), lines)


def start_run(*args, options=(), **kwargs):
    kwargs.setdefault("preexec_fn", default_signals)
    proc = subprocess.Popen([GPIDFD, "run", "--json"] + list(options) + ["--"] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)
    # Until the command runs: its pid shows up as a child of gpidfd.
    for _ in range(500):
        try:
            with open("/proc/%d/task/%d/children" % (proc.pid, proc.pid)) as f:
                children = f.read().split()
        except OSError:
            children = []
        if children:
            with open("/proc/%s/comm" % children[0]) as f:
                if f.read().strip() == os.path.basename(args[0]):
                    return proc, int(children[0])
        time.sleep(0.01)
    proc.kill()
    raise AssertionError("the command did not start")


# run-signals: signals sent to gpidfd run ----------------------------------


@test("run-signals")
def test_run_forwards_signals():
    # Bug 6: SIGTERM to gpidfd left the command running and wrote nothing.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        proc, child = start_run("sleep", "10")
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=10)
        events = json_lines(err)
        expect(proc.returncode == 128 + signum, (signum, proc.returncode, err))
        expect(events[0]["event"] == "signal" and events[0]["reason"] == "forwarded" and
               events[0]["pid"] == child, events)
        rec = events[-1]
        expect(rec["pid"] == child and rec["term_signal"] == signum, rec)
        expect(rec["forwarded_signals"] == [{"signal": signal.Signals(signum).name,
                                             "number": signum}], rec)
        expect(not os.path.exists("/proc/%d" % child) or
               open("/proc/%d/stat" % child).read().split(")")[1].split()[0] in "ZX",
               "the command still runs")


@test("run-signals")
def test_run_under_timeout_writes_report():
    timeout = shutil.which("timeout")
    if timeout is None:
        raise Skip("no timeout(1)")
    start = time.monotonic()
    r = subprocess.run([timeout, "0.5", GPIDFD, "run", "--", "sleep", "10"],
                       capture_output=True, text=True, timeout=30, preexec_fn=default_signals)
    expect(time.monotonic() - start < 5, "the command was not stopped")
    expect(r.returncode == 124, r)
    expect_match(r"^Ended: +killed by SIGTERM", r.stderr, "report")
    # timeout(1) signals gpidfd, then its whole process group: the
    # command may have its SIGTERM from there, and be gone, before gpidfd
    # reads its own copy, which then reaches no one and is not called
    # forwarded; or gpidfd may read its two copies one at a time, and
    # forward both while the command is not reaped yet.
    forwarded = re.search(r"^Signals forwarded: +(.*)$", r.stderr, re.M)
    expect(forwarded is None or set(forwarded.group(1).split(", ")) == {"SIGTERM"}, r.stderr)


@test("run-signals")
def test_run_process_group_signal():
    # The whole group gets it (gpidfd and the command alike): one report,
    # the command's status.
    proc, child = start_run("sleep", "10", start_new_session=True)
    os.killpg(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    expect(proc.returncode == 143, (proc.returncode, err))
    expect(last_record(err)["term_signal"] == signal.SIGTERM, err)


@test("run-signals")
def test_run_signal_after_the_command_ended():
    # timeout -s INT signals gpidfd's whole group: the command often ends
    # and is reaped before gpidfd reads its own copy. That is no error,
    # and every event names the command's pid.
    timeout = shutil.which("timeout")
    if timeout is None:
        raise Skip("no timeout(1)")
    for _ in range(15):
        r = subprocess.run([timeout, "--preserve-status", "-s", "INT", "0.2",
                            GPIDFD, "run", "--json", "--", "sleep", "5"],
                           capture_output=True, text=True, timeout=30,
                           preexec_fn=default_signals)
        events = json_lines(r.stderr)
        expect(all(e["event"] != "error" for e in events), r.stderr)
        expect(all(e.get("pid", 1) > 0 for e in events), r.stderr)
        expect(r.returncode == 130, (r.returncode, r.stderr))


def run_on_terminal(*options, command=("sleep", "10"), keys=b"\x03"):
    master, slave = pty.openpty()

    def controlling_terminal():
        default_signals()
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        attrs = termios.tcgetattr(slave)
        attrs[3] |= termios.ISIG
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        proc, child = start_run(*command, options=options, stdin=slave,
                                preexec_fn=controlling_terminal)
        os.write(master, keys)
        out, err = proc.communicate(timeout=10)
    finally:
        os.close(master)
        os.close(slave)
    return proc, err


@test("run-signals")
def test_run_reads_the_terminal():
    # As timeout(1) from a shell prompt: gpidfd leads the foreground group
    # and the command is in it, so it can read the terminal (in a group of
    # its own, SIGTTIN would stop it for good).
    proc, err = run_on_terminal("-t", "20", command=("sh", "-c", "read x; exit 7"),
                                keys=b"hello\n")
    expect(proc.returncode == 7, (proc.returncode, err))


@test("run-signals")
def test_run_terminal_interrupt():
    # ^C on a terminal signals the foreground group: the command, in
    # gpidfd's group with or without --foreground, has it from the kernel
    # already, so gpidfd does not send it again.
    proc, err = run_on_terminal()
    expect(proc.returncode == 130, (proc.returncode, err))
    rec = last_record(err)
    expect(rec["term_signal"] == signal.SIGINT and rec["forwarded_signals"] == [], rec)
    proc, err = run_on_terminal("--foreground")
    expect(proc.returncode == 130, (proc.returncode, err))
    rec = last_record(err)
    expect(rec["term_signal"] == signal.SIGINT and rec["forwarded_signals"] == [], rec)


# run-timeout: timeouts and process groups -----------------------------------


@test("run-timeout")
def test_run_timeout_stopped_command():
    # timeout(1) sends SIGCONT after the signal: a stopped command ends.
    start = time.monotonic()
    r = gpidfd("run", "--json", "-t", "0.3", "--", "sh", "-c", "kill -STOP $$",
               preexec_fn=default_signals, check_status=124)
    expect(time.monotonic() - start < 10, "a stopped command outlived the timeout")
    expect(last_record(r.stderr)["term_signal"] == signal.SIGTERM, r.stderr)


@test("run-timeout")
def test_run_timeout_reaches_the_process_group():
    # gpidfd leads a group and the command starts in it; the timeout
    # signal and --kill-after's SIGKILL reach all of it: nothing is left.
    with tempfile.TemporaryDirectory() as tmp:
        groupfile = os.path.join(tmp, "pgid")
        script = ("trap '' TERM; ps -o pgid= -p $$ > %s; sleep 5 & sleep 5 & wait"
                  % groupfile)
        r = gpidfd("run", "--json", "-t", "0.3", "-k", "0.3", "--", "sh", "-c", script,
                   preexec_fn=default_signals, check_status=137)
        events = json_lines(r.stderr)
        expect([(e["reason"], e["process_group"]) for e in events[:-1]] ==
               [("timeout", True), ("kill-after", True)], events)
        with open(groupfile) as f:
            pgid = int(f.read())
        expect(group_members(pgid) == [], "left running: %s" % group_members(pgid))
        # Without -k, the TERM alone ends the group.
        script = "ps -o pgid= -p $$ > %s; sleep 5 & sleep 5 & wait" % groupfile
        r = gpidfd("run", "--json", "-t", "0.3", "--", "sh", "-c", script,
                   preexec_fn=default_signals, check_status=124)
        with open(groupfile) as f:
            pgid = int(f.read())
        expect(group_members(pgid) == [], "left running: %s" % group_members(pgid))
    # The command is in the group gpidfd leads, not its own; with
    # --foreground, in the group gpidfd was started in.
    r = gpidfd("run", "--", "sh", "-c", "ps -o pid=,pgid=,ppid= -p $$", check_status=0)
    pid, pgid, ppid = r.stdout.split()
    expect(pgid == ppid and pid != pgid, r.stdout)
    r = gpidfd("run", "--foreground", "--", "sh", "-c", "ps -o pgid= -p $$", check_status=0)
    expect(int(r.stdout) == os.getpgrp(), (r.stdout, os.getpgrp()))


@test("run-timeout")
def test_run_foreground_signals_the_command_only():
    # As timeout --foreground: the command's children are not signalled.
    with tempfile.TemporaryDirectory() as tmp:
        pidfile = os.path.join(tmp, "pid")
        script = "sleep 7.25 & echo $! > %s; wait" % pidfile
        r = gpidfd("run", "--json", "--foreground", "-t", "0.3", "--", "sh", "-c", script,
                   preexec_fn=default_signals, check_status=124)
        events = json_lines(r.stderr)
        expect(events[0]["process_group"] is False, events)
        with open(pidfile) as f:
            orphan = int(f.read())
        try:
            expect(os.path.exists("/proc/%d" % orphan), "the command's child was signalled")
        finally:
            try:
                os.kill(orphan, signal.SIGKILL)
            except ProcessLookupError:
                pass


@test("run-timeout")
def test_run_preserve_status_and_verbose():
    r = gpidfd("run", "--preserve-status", "-t", "0.2", "--", "sleep", "10",
               preexec_fn=default_signals, check_status=128 + signal.SIGTERM)
    expect_match(r"^Timed out: ", r.stderr)
    r = gpidfd("run", "--preserve-status", "-t", "0.2", "--", "sh", "-c",
               "trap 'exit 3' TERM; sleep 10 & wait", preexec_fn=default_signals,
               check_status=3)
    r = gpidfd("run", "-v", "-t", "0.2", "-s", "INT", "-k", "0.2", "--",
               "sh", "-c", "trap '' INT; exec sleep 10", preexec_fn=default_signals,
               check_status=137)
    expect_match(r"^gpidfd run: Sending SIGINT to command 'sh' \(pid \d+\) and its process "
                 r"group$", r.stderr)
    expect_match(r"^gpidfd run: Sending SIGKILL to command 'sh'", r.stderr)
    r = gpidfd("run", "-t", "0.2", "--", "sleep", "10", preexec_fn=default_signals,
               check_status=124)
    expect("Sending" not in r.stderr, r.stderr)


@test("run-timeout")
def test_run_never_leaves_the_command_unwatched():
    # With few free descriptors, gpidfd either runs and watches the
    # command or fails (125) with the command not running: never a
    # command left running unwatched, never an abort.
    marker = "%.3f" % (3 + (os.getpid() % 1000) / 1000)
    for limit in range(4, 17):
        def limited(limit=limit):
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

        r = gpidfd("run", "--", "sleep", marker, preexec_fn=limited, stdin=subprocess.DEVNULL)
        expect(r.returncode in (0, 125), (limit, r))
        if r.returncode == 125:
            expect_match(r"^gpidfd run: Cannot .*Too many open files", r.stderr)
        left = subprocess.run(["pgrep", "-f", "^sleep %s$" % marker],
                              capture_output=True, text=True).stdout.split()
        expect(left == [], "limit %d: left running: %s" % (limit, left))


def node_facts(path):
    st = os.lstat(path)
    return (stat.S_IFMT(st.st_mode), st.st_ino, stat.S_IMODE(st.st_mode), st.st_nlink,
            st.st_uid, st.st_rdev)


# run-output: run -o ----------------------------------------------------------


@test("run-output")
def test_run_output_in_place():
    # Bug 1: -o replaced FILE through a temporary file.
    with tempfile.TemporaryDirectory() as tmp:
        target = os.path.join(tmp, "target")
        with open(target, "w") as f:
            f.write("old\n")
        os.chmod(target, 0o640)
        os.link(target, os.path.join(tmp, "hard"))
        os.symlink("target", os.path.join(tmp, "link"))
        before = node_facts(target)
        link_before = node_facts(os.path.join(tmp, "link"))

        gpidfd("run", "-o", os.path.join(tmp, "link"), "--", "sh", "-c", "exit 2",
               check_status=2)
        expect(node_facts(target) == before, "the target was replaced")
        expect(node_facts(os.path.join(tmp, "link")) == link_before, "the symlink was replaced")
        with open(target) as f:
            text = f.read()
        expect(text.startswith("Command:") and "old" not in text, text)

        gpidfd("run", "-a", "-o", os.path.join(tmp, "hard"), "--", "true", check_status=0)
        expect(node_facts(target) == before, "the hard link was broken")
        with open(target) as f:
            expect(f.read().count("Command:") == 2, "not appended")

        gpidfd("run", "--json", "--append", "--output", target, "--", "true", check_status=0)
        with open(target) as f:
            expect(json.loads(f.read().splitlines()[-1])["exit_status"] == 0, "JSON appended")


@test("run-output")
def test_run_output_fifo_and_device():
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "fifo")
        os.mkfifo(fifo)
        before = node_facts(fifo)
        received = []
        reader = threading.Thread(target=lambda: received.append(open(fifo).read()))
        reader.start()
        gpidfd("run", "--json", "-o", fifo, "--", "sh", "-c", "exit 5", check_status=5)
        reader.join(10)
        expect(node_facts(fifo) == before, "the FIFO was replaced")
        expect(json.loads(received[0])["exit_status"] == 5, received)

        # A device node made here (not in /dev): it must stay a device.
        node = os.path.join(tmp, "null")
        try:
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            raise Skip("cannot make a device node here (FIFO checked)")
        before = node_facts(node)
        r = gpidfd("run", "-o", node, "--", "sh", "-c", "exit 6")
        expect(node_facts(node) == before, "the device node was replaced")
        if r.returncode == 125:
            # A nodev mount refuses to open it: said at once, naming it.
            expect(node in r.stderr, r.stderr)
        else:
            expect(r.returncode == 6, r)


@test("run-output")
def test_run_output_bad_path_fails_first():
    with tempfile.TemporaryDirectory() as tmp:
        marker = os.path.join(tmp, "ran")
        bad = os.path.join(tmp, "no", "such", "dir", "report")
        r = gpidfd("run", "-o", bad, "--", "touch", marker, check_status=125)
        expect(not os.path.exists(marker), "the command ran although -o failed")
        expect("'%s'" % bad in r.stderr and "No such file" in r.stderr, r.stderr)
        r = gpidfd("run", "--json", "-o", bad, "--", "touch", marker, check_status=125)
        rec = last_record(r.stderr)
        expect(rec["event"] == "error" and rec["argument"] == bad and rec["error"] == "not-found",
               rec)


@test("run-output")
def test_run_report_to_a_closed_pipe():
    # The report is written once the command has ended: a closed pipe is
    # a write error (125), not a death by SIGPIPE (141 in a shell) that
    # would pass for the command's own.
    read_end, closed = os.pipe()
    os.close(read_end)
    try:
        r = gpidfd("run", "-o", "-", "--", "sh", "-c", "exit 3", stdout=closed, check_status=125)
        expect(r.stderr == "gpidfd run: Cannot write to standard output: Broken pipe\n",
               r.stderr)
        gpidfd("run", "--", "sh", "-c", "exit 3", stderr=closed, check_status=125)
        gpidfd("run", "--json", "--", "sh", "-c", "exit 3", stderr=closed, check_status=125)
        gpidfd("run", "--help", stdout=closed, check_status=125)
        gpidfd("run", "--no-such-option", stderr=closed, check_status=125)
        # The command has SIGPIPE as it would without gpidfd: it dies of it.
        r = gpidfd("run", "--json", "--", "yes", stdout=closed,
                   check_status=128 + signal.SIGPIPE)
        expect(last_record(r.stderr)["signal"] == "SIGPIPE", r.stderr)
        # The other commands die of it, silently, as GNU tools do; with
        # SIGPIPE ignored, it is a write error.
        for args in (["kill", "-l"], ["info", os.getpid()], ["--help"]):
            r = gpidfd(*args, stdout=closed)
            expect(r.returncode == -signal.SIGPIPE and r.stderr == "", (args, r))
            r = gpidfd(*args, stdout=closed, restore_signals=False, check_status=1)
            expect_match("Cannot write to standard output: Broken pipe", r.stderr)
    finally:
        os.close(closed)


if __name__ == "__main__":
    sys.exit(tooltest.main())
