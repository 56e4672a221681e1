#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-gpidfd-tool.py GPIDFD [GROUP]
#
# Runs the built gpidfd program for real, in every way a user would, and
# checks its output, its exit status and what the commands it runs see.
# Prints TAP. GROUP (general, run, run-signals, run-timeout, run-output, wait, kill,
# info, demo) runs one group; without it, all of them.
# G_TEST_SRCDIR is the source tree, for the man page and the completion.

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
import traceback

GPIDFD = os.path.abspath(sys.argv[1])
GROUP = sys.argv[2] if len(sys.argv) > 2 else None
SRCDIR = os.environ.get("G_TEST_SRCDIR",
                        os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TESTS = []


class Skip(Exception):
    pass


def test(group):
    def register(func):
        TESTS.append((group, func.__name__[len("test_"):].replace("_", "-"), func))
        return func
    return register


def gpidfd(*args, timeout=30, env=None, check_status=None, **kwargs):
    """Runs gpidfd ARGS; returns the CompletedProcess (text output)."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    full_env = dict(os.environ)
    full_env.pop("LC_ALL", None)
    if env:
        full_env.update(env)
    r = subprocess.run([GPIDFD] + [str(a) for a in args], timeout=timeout, env=full_env,
                       errors="surrogateescape", **kwargs)
    if check_status is not None:
        expect(r.returncode == check_status,
               "gpidfd %s exited %s, expected %s\nstdout: %s\nstderr: %s"
               % (" ".join(map(str, args)), r.returncode, check_status, r.stdout, r.stderr))
    return r


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_match(pattern, text, what="output"):
    expect(re.search(pattern, text, re.M) is not None,
           "no match for %r in %s:\n%s" % (pattern, what, text))


def json_lines(text):
    records = []
    for line in text.splitlines():
        if line.strip():
            records.append(json.loads(line))
    return records


def last_record(text):
    """The last JSON object of a run report on stderr."""
    lines = [line for line in text.splitlines() if line.startswith("{")]
    expect(lines, "no JSON record in:\n" + text)
    return json.loads(lines[-1])


class Reaper:
    """A child of the test that a thread reaps as soon as it exits, as a
    well-behaved parent does."""

    def __init__(self, args, **kwargs):
        self.proc = subprocess.Popen(args, **kwargs)
        self.pid = self.proc.pid
        self.thread = threading.Thread(target=self.proc.wait, daemon=True)
        self.thread.start()

    def finish(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.thread.join(10)
        return self.proc.returncode


def zombie(seconds=0.0):
    """A child of the test that exits after SECONDS and stays unreaped until
    os.waitpid is called on it."""
    pid = os.fork()
    if pid == 0:
        time.sleep(seconds)
        os._exit(3)
    return pid


def wait_until_zombie(pid):
    for _ in range(500):
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return
        time.sleep(0.01)
    raise AssertionError("process %d did not become a zombie" % pid)


def default_signals():
    """For the processes the tests signal: the default dispositions,
    whatever the test runner left ignored, and no core files."""
    for signum in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def help_options(command):
    r = gpidfd(command, "--help", check_status=0)
    return sorted(set(re.findall(r"(--[a-z][a-z-]*)", r.stdout)) - {"--"})


COMMANDS = ["run", "wait", "kill", "info", "demo"]
# The status of a usage error: run's other statuses are its command's.
USAGE = {"run": 125, "wait": 2, "kill": 2, "signal": 2, "info": 2, "demo": 2}

# general ------------------------------------------------------------------


@test("general")
def test_version():
    r = gpidfd("--version", check_status=0)
    expect_match(r"^gpidfd \d+\.\d+\.\d+$", r.stdout)


@test("general")
def test_usage():
    r = gpidfd("--help", check_status=0)
    for command in COMMANDS:
        expect_match(r"^  %s " % command, r.stdout)
    expect("status" not in r.stdout.split(), "the status command is gone")
    r = gpidfd(check_status=2)
    expect_match("Usage", r.stderr)
    r = gpidfd("frobnicate", check_status=2)
    expect_match(r"^gpidfd: Unknown command 'frobnicate'", r.stderr)
    r = gpidfd("help", "wait", check_status=0)
    expect_match("--status", r.stdout)


@test("general")
def test_every_command_has_help():
    for command in COMMANDS + ["signal"]:
        r = gpidfd(command, "--help", check_status=0)
        expect_match(r"^  gpidfd %s " % ("kill" if command == "signal" else command), r.stdout)
        expect_match("Exit status", r.stdout)
        r = gpidfd(command, "--no-such-option", check_status=USAGE[command])
        expect_match(r"^gpidfd \w+: .*no-such-option", r.stderr)
        expect_match(r"^Try 'gpidfd \w+ --help'", r.stderr)


@test("general")
def test_man_page_and_completion_know_every_option():
    man = os.path.join(SRCDIR, "data", "gpidfd.1")
    completion = os.path.join(SRCDIR, "data", "gpidfd.bash-completion")
    if not os.path.exists(man):
        raise Skip("no source tree at %s" % SRCDIR)
    with open(man) as f:
        man_text = f.read().replace("\\-", "-")
    with open(completion) as f:
        completion_text = f.read()
    for command in COMMANDS:
        expect_match(r"^\.SS .*\bgpidfd %s\b" % command, man_text, "man page")
        for option in help_options(command):
            expect(option in man_text, "man page lacks %s %s" % (command, option))
            expect(option in completion_text, "completion lacks %s %s" % (command, option))
    for status in ("124", "125", "126", "127"):
        expect(status in man_text, "man page lacks exit status %s" % status)


@test("general")
def test_completion_completes():
    bash = shutil.which("bash")
    completion = os.path.join(SRCDIR, "data", "gpidfd.bash-completion")
    if bash is None or not os.path.exists(completion):
        raise Skip("no bash or no source tree")

    def complete(line):
        words = line.split(" ")
        script = (
            'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
            'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _gpidfd; printf "%s\\n" "${COMPREPLY[@]}"')
        env = dict(os.environ, PATH=os.path.dirname(GPIDFD) + ":" + os.environ.get("PATH", ""))
        r = subprocess.run([bash, "-c", script, "bash", completion, "gpidfd"] + words,
                           capture_output=True, text=True, env=env, timeout=30)
        return r.stdout.split()

    expect("run" in complete("") and "kill" in complete("k"), "commands")
    expect("--timeout=" in complete("run --ti") or "--timeout" in complete("run --ti"),
           "run options: %s" % complete("run --ti"))
    expect(complete("kill -s RTMIN+") and "RTMIN+3" in complete("kill -s RTMIN+"),
           "kill -s SIG<Tab>: %s" % complete("kill -s RTMIN+"))
    expect("TERM" in complete("signal -s TE"), "signal -s SIG<Tab>")
    expect("KILL" in complete("kill -l K"), "kill -l SIG<Tab>")
    expect(str(os.getpid()) in complete("wait %d" % os.getpid()), "pids")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "report-file")
        open(path, "w").close()
        expect(path in complete("run --output=" + os.path.join(tmp, "rep")) or
               ("--output=" + path) in complete("run --output=" + os.path.join(tmp, "rep")),
               "--output=<Tab>: %s" % complete("run --output=" + os.path.join(tmp, "rep")))
        expect(path in complete("run -o " + os.path.join(tmp, "rep")), "-o <Tab>")


@test("general")
def test_c_locale_prints_no_question_marks():
    # Bug 8: under LC_ALL=C, quotes and dashes of GLib or ours came out '?'.
    cases = [
        (["run", "--timeout=abc", "--", "true"], 125),
        (["wait", "--bogus"], 2),
        (["demo", "--bogus"], 2),
        (["kill", "-s", "NOPE", "1"], 2),
        (["wait", "not-a-pid"], 1),
    ] + [([command, "--help"], 0) for command in COMMANDS] + [(["--help"], 0)]
    for args, status in cases:
        r = subprocess.run([GPIDFD] + args, capture_output=True, timeout=30,
                           env=dict(os.environ, LC_ALL="C"))
        expect(r.returncode == status, "%s: %d" % (args, r.returncode))
        for name, data in (("stdout", r.stdout), ("stderr", r.stderr)):
            expect(b"?" not in data, "'?' in %s of %s: %r" % (name, args, data))
            expect(all(b < 128 for b in data), "non-ASCII in %s of %s: %r" % (name, args, data))


@test("general")
def test_json_usage_errors_are_objects():
    # A script reading JSON never has to read stderr.
    for args, where in ((["wait", "--json", "--timeout=x", "1"], "stdout"),
                        (["wait", "--json"], "stdout"),
                        (["kill", "--json", "-s", "FOO", "1"], "stdout"),
                        (["info", "--json"], "stdout"),
                        (["demo", "--json", "0"], "stdout"),
                        (["run", "--json", "--timeout=x", "--", "true"], "stderr"),
                        (["run", "--json", "-o", "-", "--timeout=x", "--", "true"], "stdout")):
        r = gpidfd(*args, check_status=USAGE[args[0]])
        rec = json_lines(getattr(r, where))[-1]
        expect(rec["event"] == "error" and rec["error"] == "invalid-argument" and
               rec["command"] == args[0], (args, rec))


EXIT_MEMBERS = {"event", "pid", "child", "has_status", "exited", "exit_status", "signaled",
                "term_signal", "signal", "core_dumped", "wait_status", "uid", "has_rusage",
                "user_time_us", "system_time_us", "max_rss_kib", "major_faults",
                "minor_faults", "voluntary_context_switches", "involuntary_context_switches",
                "fs_inputs", "fs_outputs"}
STATUS_MEMBERS = EXIT_MEMBERS - {"event", "pid", "child", "has_status", "has_rusage"}


@test("general")
def test_json_exit_events_have_every_member():
    # Every exit event has every documented member; what is not known is
    # null, never left out.
    pid = zombie(0)
    try:
        wait_until_zombie(pid)
        r = gpidfd("wait", "--json", "--reap-grace=0", pid, check_status=0)
        rec = json_lines(r.stdout)[0]
        expect(set(rec) == EXIT_MEMBERS | {"name", "reaped", "ppid"}, sorted(rec))
        expect(rec["reaped"] is False and rec["has_status"] is False and
               rec["has_rusage"] is False and rec["ppid"] == os.getpid(), rec)
        expect(all(rec[key] is None for key in STATUS_MEMBERS), rec)
    finally:
        os.waitpid(pid, 0)
    proc = Reaper(["sh", "-c", "sleep 0.3; exit 4"])
    rec = json_lines(gpidfd("wait", "--json", proc.pid, check_status=0).stdout)[0]
    proc.finish()
    expect(set(rec) == EXIT_MEMBERS | {"name", "reaped", "ppid"} and rec["ppid"] is None, rec)
    if rec["has_status"]:
        expect(rec["exited"] is True and rec["exit_status"] == 4 and rec["signaled"] is False and
               rec["signal"] is None and rec["term_signal"] is None, rec)
    else:
        expect(all(rec[key] is None for key in STATUS_MEMBERS - {"uid"}), rec)
    rec = last_record(gpidfd("run", "--json", "--", "true", check_status=0).stderr)
    expect(EXIT_MEMBERS <= set(rec), sorted(rec))
    for rec in json_lines(gpidfd("demo", "--json", "2", check_status=0).stdout):
        expect(set(rec) == EXIT_MEMBERS | {"label"}, sorted(rec))


@test("general")
def test_json_one_vocabulary():
    # A signal is "SIGTERM" with its number everywhere; signal 0 has no
    # name. Every error object has "pid" and "argument", one of them
    # null; a listing error is JSON too.
    r = gpidfd("kill", "-l", "--json", "TERM", "FOO", "143", check_status=1)
    recs = json_lines(r.stdout)
    expect(recs[0] == {"event": "listed", "signal": "SIGTERM", "number": 15}, recs)
    expect(recs[1]["event"] == "error" and recs[1]["argument"] == "FOO" and
           recs[1]["pid"] is None and recs[1]["error"] == "invalid-argument", recs)
    expect(recs[2] == recs[0], recs)
    listed = json_lines(gpidfd("kill", "-l", "--json", check_status=0).stdout)
    expect({"event": "listed", "signal": "SIGHUP", "number": 1} in listed and
           all(rec["signal"].startswith("SIG") for rec in listed), listed)
    proc = subprocess.Popen(["sleep", "10"], preexec_fn=default_signals)
    try:
        rec = json_lines(gpidfd("kill", "--json", "-0", proc.pid, check_status=0).stdout)[0]
        expect(rec["signal"] is None and rec["number"] == 0, rec)
        rec = json_lines(gpidfd("kill", "--json", "-s", "term", proc.pid,
                                check_status=0).stdout)[0]
        expect(rec["signal"] == "SIGTERM" and rec["number"] == 15 and rec["as_given"] == "term",
               rec)
        proc.wait(10)
    finally:
        proc.kill()
        proc.wait()
    events = json_lines(gpidfd("run", "--json", "-t", "0.2", "--", "sleep", "10",
                               preexec_fn=default_signals, check_status=124).stderr)
    expect(events[0]["signal"] == "SIGTERM" and events[0]["number"] == 15, events)
    expect(events[-1]["signal"] == "SIGTERM" and events[-1]["term_signal"] == 15, events)
    errors = []
    for args, status in ((["wait", "--json", "abc", "999999999"], 1),
                         (["info", "--json", "abc", "999999999"], 1),
                         (["kill", "--json", "abc", "999999999", "--", "-999999999"], 1),
                         (["kill", "--json", "-s", "FOO", "1"], 2),
                         (["wait", "--json", "--reap-grace=x", "1"], 2),
                         (["wait", "--json"], 2),
                         (["demo", "--json", "x"], 2)):
        errors += [(args, rec) for rec in json_lines(gpidfd(*args, check_status=status).stdout)]
    args = ["run", "--json", "--timeout=x", "--", "true"]
    errors.append((args, last_record(gpidfd(*args, check_status=125).stderr)))
    for args, rec in errors:
        expect(rec["event"] == "error" and "pid" in rec and "argument" in rec, (args, rec))
        expect(rec["pid"] is None or rec["argument"] is None, (args, rec))
        if rec["pid"] is not None:
            expect(rec["pid"] == 999999999, (args, rec))
        elif rec["argument"] is not None:
            expect(rec["argument"] in args or "--reap-grace=" + rec["argument"] in args or
                   "--timeout=" + rec["argument"] in args, (args, rec))
    expect(any(rec["argument"] == "FOO" for _, rec in errors), errors)
    expect(any(rec["argument"] == "-999999999" for _, rec in errors), errors)


@test("general")
def test_messages_say_each_thing_once():
    # "gpidfd COMMAND: Message", capitalised as GLib's and the library's
    # own, user text in '...'; the library's message names the pid and the
    # cause, and nothing is said twice.
    with tempfile.TemporaryDirectory() as tmp:
        pidfile = os.path.join(tmp, "pid")
        with open(pidfile, "w") as f:
            f.write("abc\n")
        missing = os.path.join(tmp, "missing")
        cases = [
            (["kill", "999999999"], "Cannot open process 999999999: No such process (it has "
             "ended and been reaped, or never existed)"),
            (["kill", "-s", "0", "abc"], "'abc' is not a process id (a decimal number from 1 "
             "to 2147483647)"),
            (["kill", "-9", "--", "-999999999"], "Cannot send signal 9 to process group "
             "999999999: It has no leader left, and gpidfd reaches a group through its "
             "leader's pidfd, race-free (kill(1) can still reach what remains of it)"),
            (["kill", "-l", "FOO"], "Unknown signal 'FOO'"),
            (["kill", "-s", "FOO", "1"], "Unknown signal 'FOO' ('gpidfd kill -l' lists them)"),
            (["kill"], "No process id given"),
            (["info", "999999999"], "Cannot open process 999999999: No such process (it has "
             "ended and been reaped, or never existed)"),
            (["wait", "-F", missing], "Cannot read pid file '%s': No such file or directory"
             % missing),
            (["wait", "-F", pidfile], "Pid file '%s': 'abc' is not a process id (a decimal "
             "number from 1 to 2147483647)" % pidfile),
            (["wait", "--reap-grace=-1", "1"], "Invalid duration '-1' for --reap-grace: It "
             "must not be negative"),
            (["run", "--timeout=x", "--", "true"], "Invalid duration 'x' for --timeout (a "
             "number of seconds, with an optional unit s, m, h or d, like 10, 1.5 or 2m)"),
            (["run", "-t", "1", "-s", "NOPE", "--", "true"], "Unknown signal 'NOPE' for "
             "--signal ('gpidfd kill -l' lists them)"),
            (["run"], "No command given"),
            (["run", "--", os.path.join(tmp, "none")], "Cannot run '%s': No such file or "
             "directory" % os.path.join(tmp, "none")),
            (["run", "-o", os.path.join(missing, "x"), "--", "true"], "Cannot open '%s': No "
             "such file or directory" % os.path.join(missing, "x")),
            (["demo", "x"], "'x' is not a number of children from 1 to 1000"),
            (["--no-such-option"], None),
            (["frobnicate"], None),
        ]
        for args, message in cases:
            r = gpidfd(*args)
            lines = [line for line in r.stderr.splitlines() if not line.startswith("Try '")]
            expect(len(lines) == 1, (args, r.stderr))
            m = re.match(r"^gpidfd(?: (\w+))?: (.*)$", lines[0])
            expect(m is not None and (m.group(1) or args[0]) == args[0], (args, lines))
            text = m.group(2)
            if message is not None:
                expect(text == message, (args, text))
            expect(text[0].isupper() or text[0] == "'", (args, text))
            expect(text.count("Cannot") <= 1, (args, text))
            for word in set(re.findall(r"'[^']*'|\b\d{4,}\b", text)):
                expect(text.count(word) == 1, (args, word, text))


def unused_pid():
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    for pid in range(pid_max - 1, 1, -1):
        if not os.path.exists("/proc/%d" % pid):
            return pid
    raise Skip("no unused pid")


@test("general")
def test_readme_tells_the_truth():
    readme = os.path.join(SRCDIR, "README.md")
    waiting = os.path.join(SRCDIR, "doc", "waiting.md")
    if not os.path.exists(readme):
        raise Skip("no source tree at %s" % SRCDIR)
    # The sample error is the library's own message, as gpidfd prints it.
    pid = unused_pid()
    r = gpidfd("info", pid, check_status=1)
    message = r.stderr.split(": ", 1)[1].strip().replace(str(pid), "1234")
    for path in (readme, waiting):
        with open(path) as f:
            text = re.sub(r"\s*\n\s*\*?\s*", " ", f.read())
        samples = re.findall(r'"(Cannot open process 1234: [^"]*)"', text)
        expect(samples and all(sample == message for sample in samples),
               "%s: %s, not %r" % (path, samples, message))
    with open(readme) as f:
        text = f.read()
    # pidwait takes a name pattern, not a pid.
    expect("`pidwait PID`" not in text and "`pidwait PATTERN`" in text, "the pidwait row")
    pidwait = shutil.which("pidwait")
    if pidwait:
        proc = subprocess.Popen(["sleep", "10"])
        try:
            start = time.monotonic()
            r = subprocess.run([pidwait, str(proc.pid)], capture_output=True, timeout=30)
            expect(r.returncode == 1 and time.monotonic() - start < 5,
                   "pidwait PID waited: %r" % r)
        finally:
            proc.kill()
            proc.wait()
    # No thread of its own: GIO's worker, started with the first GTask.
    proc = Reaper(["sleep", "10"])
    waiter = subprocess.Popen([GPIDFD, "wait", str(proc.pid)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        names = []
        for _ in range(500):
            names = []
            for task in os.listdir("/proc/%d/task" % waiter.pid):
                with open("/proc/%d/task/%s/comm" % (waiter.pid, task)) as f:
                    names.append(f.read().strip())
            if "gmain" in names:
                break
            time.sleep(0.01)
        expect(sorted(names) == ["gmain", "gpidfd"], names)
        expect("starts no thread;" not in text and "`gmain`" in text, "the thread claim")
    finally:
        proc.finish()
        waiter.communicate(timeout=10)


@test("general")
def test_write_errors_are_errors():
    # Bug 7: output to a full device exited 0.
    if not os.path.exists("/dev/full"):
        raise Skip("no /dev/full")
    proc = Reaper(["sleep", "0.5"])
    with open("/dev/full", "w") as full:
        r = gpidfd("wait", "--json", proc.pid, stdout=full, check_status=1)
        expect_match("Cannot write to standard output: No space left", r.stderr)
        r = gpidfd("kill", "-l", stdout=full, check_status=1)
        expect_match("Cannot write to standard output", r.stderr)
        r = gpidfd("--help", stdout=full, check_status=1)
        r = gpidfd("run", "-o", "-", "--", "true", stdout=full, check_status=125)
        expect_match("Cannot write to standard output", r.stderr)
    proc.finish()


# run ----------------------------------------------------------------------


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
                          (["--kill-after=1", "--", "true"], "--kill-after"),
                          (["--signal=INT", "--", "true"], "--signal"),
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


# run: signals sent to gpidfd ---------------------------------------------------


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


def run_on_terminal(*options):
    master, slave = pty.openpty()

    def controlling_terminal():
        default_signals()
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        attrs = termios.tcgetattr(slave)
        attrs[3] |= termios.ISIG
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        proc, child = start_run("sleep", "10", options=options, stdin=slave,
                                preexec_fn=controlling_terminal)
        os.write(master, b"\x03")
        out, err = proc.communicate(timeout=10)
    finally:
        os.close(master)
        os.close(slave)
    return proc, err


@test("run-signals")
def test_run_terminal_interrupt():
    # ^C on a terminal signals the foreground group. The command, in a
    # group of its own, gets it from gpidfd; with --foreground it is in
    # that group and has it from the kernel already, so gpidfd does not
    # send it again.
    proc, err = run_on_terminal()
    expect(proc.returncode == 130, (proc.returncode, err))
    rec = last_record(err)
    expect(rec["term_signal"] == signal.SIGINT and
           rec["forwarded_signals"] == [{"signal": "SIGINT", "number": signal.SIGINT}], rec)
    proc, err = run_on_terminal("--foreground")
    expect(proc.returncode == 130, (proc.returncode, err))
    rec = last_record(err)
    expect(rec["term_signal"] == signal.SIGINT and rec["forwarded_signals"] == [], rec)


def group_members(pgid):
    """The pids of the live (not zombie) processes of process group PGID."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            members.append(int(entry))
    return members


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
    # The command leads a group of its own; the timeout signal and
    # --kill-after's SIGKILL reach all of it: nothing is left behind.
    script = "trap '' TERM; sleep 5 & sleep 5 & wait"
    r = gpidfd("run", "--json", "-t", "0.3", "-k", "0.3", "--", "sh", "-c", script,
               preexec_fn=default_signals, check_status=137)
    events = json_lines(r.stderr)
    expect([(e["reason"], e["process_group"]) for e in events[:-1]] ==
           [("timeout", True), ("kill-after", True)], events)
    pgid = events[-1]["pid"]
    expect(group_members(pgid) == [], "left running: %s" % group_members(pgid))
    # Without -k, the TERM alone ends the group.
    r = gpidfd("run", "--json", "-t", "0.3", "--", "sh", "-c", "sleep 5 & sleep 5 & wait",
               preexec_fn=default_signals, check_status=124)
    pgid = last_record(r.stderr)["pid"]
    expect(group_members(pgid) == [], "left running: %s" % group_members(pgid))
    # The command is in its own group; with --foreground, in gpidfd's.
    r = gpidfd("run", "--", "sh", "-c", "ps -o pid=,pgid= -p $$", check_status=0)
    pid, pgid = r.stdout.split()
    expect(pid == pgid, r.stdout)
    r = gpidfd("run", "--foreground", "--", "sh", "-c", "ps -o pgid= -p $$", check_status=0,
               start_new_session=True)
    # gpidfd leads the session and group it made; the command is in it.
    expect(int(r.stdout) != 0 and int(r.stdout) != int(pid), r.stdout)


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


# run -o --------------------------------------------------------------------


def node_facts(path):
    st = os.lstat(path)
    return (stat.S_IFMT(st.st_mode), st.st_ino, stat.S_IMODE(st.st_mode), st.st_nlink,
            st.st_uid, st.st_rdev)


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


# wait ----------------------------------------------------------------------


@test("wait")
def test_wait_non_child_with_status():
    proc = Reaper(["sh", "-c", "sleep 0.3; exit 5"])
    r = gpidfd("wait", proc.pid, check_status=0)
    expect(r.stdout == "%d (sh): exited with code 5\n" % proc.pid, r.stdout)
    proc.finish()
    proc = Reaper(["sleep", "0.5"])
    r = gpidfd("wait", "--json", proc.pid, check_status=0)
    rec = json_lines(r.stdout)[0]
    expect(rec["event"] == "exit" and rec["pid"] == proc.pid and rec["name"] == "sleep", rec)
    expect(rec["child"] is False and rec["reaped"] and rec["exit_status"] == 0, rec)
    expect(rec["has_rusage"] is False and rec["max_rss_kib"] is None, rec)
    proc.finish()


@test("wait")
def test_wait_returns_at_exit():
    # As pidwait: a process whose parent never reaps it has still ended.
    pid = zombie(0.1)
    try:
        start = time.monotonic()
        r = gpidfd("wait", "--json", pid, check_status=0, timeout=10)
        rec = json_lines(r.stdout)[0]
        expect(rec["pid"] == pid and rec["reaped"] is False and rec["has_status"] is False, rec)
        expect(time.monotonic() - start < 5, "took too long")
        r = gpidfd("wait", pid, check_status=0)
        expect_match(r"^%d \(python3?[^)]*\): exited; status not known yet" % pid, r.stdout)
    finally:
        os.waitpid(pid, 0)


@test("wait")
def test_wait_reap_grace():
    # A parent that reaps one second after the exit: the default grace
    # (2 s) gets the status, --reap-grace=0 reports the exit at once.
    pid = zombie(0.1)
    reaper = threading.Timer(1.2, lambda: os.waitpid(pid, 0))
    reaper.start()
    try:
        r = gpidfd("wait", "--json", "--timeout=5", pid, check_status=0, timeout=10)
        rec = json_lines(r.stdout)[-1]
        expect(rec["has_status"] is True and rec["exit_status"] == 3 and rec["reaped"], rec)
    finally:
        reaper.join()
    pid = zombie(0.1)
    try:
        wait_until_zombie(pid)
        start = time.monotonic()
        r = gpidfd("wait", "--json", "--reap-grace=0", pid, check_status=0, timeout=10)
        expect(time.monotonic() - start < 1.5, "--reap-grace=0 did not report at the exit")
        rec = json_lines(r.stdout)[-1]
        expect(rec["has_status"] is False and rec["reaped"] is False, rec)
        gpidfd("wait", "--reap-grace=nan", pid, check_status=2)
    finally:
        os.waitpid(pid, 0)


@test("wait")
def test_wait_status_waits_for_the_reap():
    pid = zombie(0)
    try:
        wait_until_zombie(pid)
        r = gpidfd("wait", "--status", "--timeout=0.3", pid, check_status=124)
        expect_match(r"Timed out after 0.3s; exited, waiting to be reaped by their parent: %d "
                     % pid, r.stderr)
        r = gpidfd("wait", "--status", "--json", "-t", "0.3", pid, check_status=124)
        rec = json_lines(r.stdout)[-1]
        expect(rec["event"] == "timeout" and rec["running"] == [] and
               [p["pid"] for p in rec["exited_unreaped"]] == [pid], rec)
        # Reaped while gpidfd waits: then the status is known.
        waiter = subprocess.Popen([GPIDFD, "wait", "--status", "--json", str(pid)],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(1)
    finally:
        os.waitpid(pid, 0)
    out, _ = waiter.communicate(timeout=10)
    expect(waiter.returncode == 3, waiter.returncode)
    rec = json_lines(out)[0]
    expect(rec["reaped"] and rec["exit_status"] == 3, rec)


@test("wait")
def test_wait_status_exit_codes():
    proc = Reaper(["sh", "-c", "sleep 0.5; exit 4"])
    gpidfd("wait", "--status", proc.pid, check_status=4)
    proc.finish()
    proc = Reaper(["sh", "-c", "sleep 0.5; kill -TERM $$"])
    r = gpidfd("wait", "--status", proc.pid, check_status=143)
    expect_match(r"killed by SIGTERM \(signal 15\)", r.stdout)
    proc.finish()
    # Several pids: 0 when all ended.
    a, b = Reaper(["sh", "-c", "sleep 0.5; exit 1"]), Reaper(["sh", "-c", "sleep 0.6; exit 2"])
    gpidfd("wait", "--status", a.pid, b.pid, check_status=0)
    a.finish()
    b.finish()


@test("wait")
def test_wait_duplicates_and_malformed():
    proc = Reaper(["sleep", "0.5"])
    r = gpidfd("wait", proc.pid, proc.pid, str(proc.pid), check_status=0)
    expect(len(r.stdout.splitlines()) == 1, r.stdout)
    proc.finish()
    proc = Reaper(["sleep", "0.5"])
    r = gpidfd("wait", "abc", proc.pid, "999999999", "--", "-5x", check_status=1)
    expect(r.stdout.startswith("%d (sleep): " % proc.pid), r.stdout)
    expect_match(r"^gpidfd wait: 'abc' is not a process id", r.stderr)
    expect_match(r"999999999", r.stderr)
    expect_match(r"'-5x' is not a process id", r.stderr)
    proc.finish()
    # Bug 5: "--" is an argument after "--".
    r = gpidfd("wait", "--", "--", check_status=1)
    expect_match(r"'--' is not a process id", r.stderr)
    gpidfd("wait", check_status=2)
    # JSON: errors are objects on stdout too.
    r = gpidfd("wait", "--json", "abc", "999999999", check_status=1)
    recs = json_lines(r.stdout)
    expect(recs[0]["event"] == "error" and recs[0]["argument"] == "abc" and
           recs[0]["error"] == "invalid-argument", recs)
    expect(recs[1]["pid"] == 999999999 and recs[1]["error"] == "not-found", recs)


@test("wait")
def test_wait_any_quiet_pidfile_timeout():
    short, long = Reaper(["sleep", "0.5"]), Reaper(["sleep", "10"])
    start = time.monotonic()
    r = gpidfd("wait", "--any", short.pid, long.pid, check_status=0)
    expect(time.monotonic() - start < 5, "--any waited for all")
    expect(r.stdout.startswith("%d (sleep)" % short.pid) and len(r.stdout.splitlines()) == 1,
           r.stdout)
    r = gpidfd("wait", "--timeout=0.2", long.pid, check_status=124)
    expect_match(r"Timed out after 0.2s; still running: %d \(sleep\)" % long.pid, r.stderr)
    long.finish()
    short.finish()
    with tempfile.TemporaryDirectory() as tmp:
        proc = Reaper(["sleep", "0.5"])
        pidfile = os.path.join(tmp, "pid")
        with open(pidfile, "w") as f:
            f.write("%d\n" % proc.pid)
        r = gpidfd("wait", "-q", "-F", pidfile, check_status=0)
        expect(r.stdout == "" and r.stderr == "", r)
        proc.finish()
        r = gpidfd("wait", "-F", os.path.join(tmp, "missing"), check_status=1)
        expect_match("missing", r.stderr)


@test("wait")
def test_wait_refuses_its_own_pid():
    # Its own end would never come: an error, as for a pid that cannot be
    # opened, and the others are still waited for. ("exec" gives gpidfd
    # the shell's pid, $$.)
    def own(*args):
        return subprocess.run(["sh", "-c", 'exec "$0" wait "$@" "$$"', GPIDFD] +
                              [str(a) for a in args], capture_output=True, text=True, timeout=30)

    r = own("--timeout=5")
    expect(r.returncode == 1, (r.returncode, r.stderr))
    expect_match(r"^gpidfd wait: Cannot wait for process (\d+): It is the calling process, "
                 r"which cannot outlive itself$", r.stderr)
    proc = Reaper(["sleep", "0.3"])
    r = own("--json", proc.pid)
    proc.finish()
    recs = json_lines(r.stdout)
    expect(r.returncode == 1 and len(recs) == 2, (r.returncode, recs))
    exits = [rec for rec in recs if rec["event"] == "exit"]
    errors = [rec for rec in recs if rec["event"] == "error"]
    expect(exits[0]["pid"] == proc.pid and errors[0]["error"] == "invalid-argument" and
           errors[0]["pid"] != proc.pid, recs)


@test("wait")
def test_wait_any_fails_on_an_invalid_pid():
    # With or without --any, a pid that cannot be waited for is an error.
    for options in ([], ["--any"]):
        proc = Reaper(["sleep", "0.3"])
        r = gpidfd("wait", *options, proc.pid, "999999999", "abc", check_status=1)
        proc.finish()
        expect(r.stdout.startswith("%d (sleep): " % proc.pid), r.stdout)
        expect(len(r.stderr.splitlines()) == 2, r.stderr)


def few_descriptors(n):
    """preexec_fn: at most N descriptors, as under ulimit -n N."""
    def limit():
        default_signals()
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    return limit


def expect_no_abort(r, what):
    # GLib aborts (SIGTRAP, 133 in a shell) when it cannot make a
    # descriptor of its own.
    expect(r.returncode >= 0 and "GLib-ERROR" not in r.stderr and
           "GLib-GIO-ERROR" not in r.stderr, "%s: %d\n%s" % (what, r.returncode, r.stderr))


def wait_for_many(options, limit, n=60):
    """gpidfd wait OPTIONS for N processes under ulimit -n LIMIT. The
    processes end once gpidfd has tried to open the last pid (refused, or
    reported already), so none ends before it is opened. Returns the pids
    and gpidfd's status, stdout and stderr."""
    procs = [subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
             for _ in range(n)]
    pids = [p.pid for p in procs]
    json_mode = "--json" in options
    g = subprocess.Popen([GPIDFD, "wait", "--timeout=30"] + options + [str(pid) for pid in pids],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=few_descriptors(limit))
    errors_seen = threading.Event()
    lines = {"stdout": [], "stderr": []}

    def read(name, stream):
        for line in stream:
            lines[name].append(line)
            if ((json_mode and name == "stdout" and '"pid":%d,' % pids[-1] in line) or
                    (not json_mode and name == "stderr" and " %d:" % pids[-1] in line)):
                errors_seen.set()
        errors_seen.set()

    readers = [threading.Thread(target=read, args=(name, getattr(g, name)), daemon=True)
               for name in ("stdout", "stderr")]
    for t in readers:
        t.start()
    try:
        expect(errors_seen.wait(30), "the last pid was never reported")
    finally:
        for p in procs:
            p.stdin.close()
            p.wait()
        g.wait(30)
        for t in readers:
            t.join(10)
    return pids, g.returncode, "".join(lines["stdout"]), "".join(lines["stderr"])


@test("wait")
def test_wait_more_pids_than_descriptors():
    # More pids than free descriptors: an error for each pid that cannot
    # be opened, the others waited for, exit status 1.
    pids, status, out, err = wait_for_many([], 40)
    r = subprocess.CompletedProcess([], status, out, err)
    expect_no_abort(r, "wait")
    expect(status == 1, (status, err))
    # Without a descriptor left to read its name, a process has none.
    waited = [int(re.match(r"\d+", line).group(0)) for line in out.splitlines()]
    refused = [int(m) for m in re.findall(r"^gpidfd wait: Cannot open process (\d+): "
                                           r"Too many open files$", err, re.M)]
    expect(refused and len(waited) >= 20, (out, err))
    expect(sorted(waited + refused) == sorted(pids), (out, err))
    expect(len(err.splitlines()) == len(refused), err)
    # Those waited for get their status as they would with room to spare:
    # the kernel's answer is not mistaken for a lack of the feature.
    one = subprocess.Popen(["sh", "-c", "sleep 0.3; exit 6"])
    threading.Thread(target=one.wait, daemon=True).start()
    if "exited with code 6" in gpidfd("wait", one.pid, check_status=0).stdout:
        for line in out.splitlines():
            expect(line.endswith(": exited with code 0"), out)
    # The same in JSON, and waiting for the statuses.
    pids, status, out, err = wait_for_many(["--json", "--status"], 12)
    expect_no_abort(subprocess.CompletedProcess([], status, out, err), "wait --json")
    recs = json_lines(out)
    errors = [rec for rec in recs if rec["event"] == "error"]
    exits = [rec for rec in recs if rec["event"] == "exit"]
    expect(status == 1 and errors and exits and len(errors) + len(exits) == len(pids) and
           all(rec["error"] == "too-many-open-files" for rec in errors), out)


@test("general")
def test_no_abort_when_descriptors_run_out():
    # Whatever the limit, every command ends with an error of its own,
    # never an abort inside GLib.
    proc = subprocess.Popen(["sleep", "30"])
    try:
        # With fewer than 4, the dynamic linker cannot open the library.
        for n in range(4, 12):
            for args in (["run", "--", "sh", "-c", "exit 3"],
                         ["run", "--json", "-t", "10", "--", "sh", "-c", "exit 3"],
                         ["wait", "--timeout=0.1", proc.pid],
                         ["wait", "--status", "--timeout=0.1", proc.pid],
                         ["kill", "-0", proc.pid], ["info", proc.pid], ["demo", "1"],
                         ["--help"]):
                r = gpidfd(*args, preexec_fn=few_descriptors(n), stdin=subprocess.DEVNULL)
                expect_no_abort(r, "ulimit -n %d; gpidfd %s" % (n, " ".join(map(str, args))))
                if args[0] == "run":
                    expect(r.returncode in (3, 125), (n, args, r.returncode, r.stderr))
                    if r.returncode == 125:
                        expect_match(r"Too many open files", r.stderr)
    finally:
        proc.kill()
        proc.wait()


# kill ----------------------------------------------------------------------


@test("kill")
def test_kill_list():
    r = gpidfd("kill", "-l", check_status=0)
    names = r.stdout.split()
    for name in ("HUP", "INT", "QUIT", "ABRT", "TERM", "STKFLT", "CHLD", "POLL", "PWR", "SYS",
                 "RTMIN", "RTMIN+1", "RTMAX-1", "RTMAX"):
        expect(name in names, "%s not listed" % name)
    rtmin = signal.SIGRTMIN
    for given, answer in (("143", "TERM"), ("9", "KILL"), ("TERM", "15"), ("sigterm", "15"),
                          ("IOT", "6"), ("CLD", "17"), ("POLL", "29"), ("IO", "29"),
                          ("RTMIN+3", str(rtmin + 3)), ("RTMAX-2", str(signal.SIGRTMAX - 2)),
                          (str(rtmin + 3), "RTMIN+3")):
        r = gpidfd("kill", "-l", given, check_status=0)
        expect(r.stdout == answer + "\n", "%s: %r" % (given, r.stdout))
    r = gpidfd("kill", "-l", "NOPE", check_status=1)
    expect_match("Unknown signal 'NOPE'", r.stderr)
    r = gpidfd("kill", "-L", check_status=0)
    expect_match(r"^ 1 HUP +2 INT ", r.stdout)
    r = gpidfd("signal", "--list", "--json", "TERM", check_status=0)
    expect(json_lines(r.stdout) == [{"event": "listed", "signal": "SIGTERM", "number": 15}],
           r.stdout)


@test("kill")
def test_kill_syntaxes():
    rtmin = signal.SIGRTMIN
    for args, signum in ((["-s", "TERM"], 15), (["-TERM"], 15), (["-15"], 15), (["-n", "15"], 15),
                         (["-SIGKILL"], 9), (["--signal=int"], 2), (["-s", "RTMIN+3"], rtmin + 3),
                         (["-RTMAX"], signal.SIGRTMAX), (["-POLL"], signal.SIGIO), ([], 15)):
        proc = subprocess.Popen(["sleep", "10"], preexec_fn=default_signals)
        gpidfd("kill", *args, proc.pid, check_status=0)
        expect(proc.wait(10) == -signum, "%s: %s" % (args, proc.returncode))
    # The signal alias, and signal 0.
    proc = subprocess.Popen(["sleep", "10"])
    gpidfd("signal", "-0", proc.pid, check_status=0)
    gpidfd("kill", "-s", "0", proc.pid, check_status=0)
    expect(proc.poll() is None, "signal 0 killed it")
    proc.kill()
    proc.wait()
    r = gpidfd("kill", "-NOPE", "1", check_status=2)
    expect_match("Unknown signal 'NOPE'", r.stderr)
    gpidfd("kill", check_status=2)


@test("kill")
def test_kill_several_pids_and_errors():
    a = subprocess.Popen(["sleep", "10"], preexec_fn=default_signals)
    b = subprocess.Popen(["sleep", "10"], preexec_fn=default_signals)
    r = gpidfd("kill", "-s", "KILL", a.pid, "999999999", "abc", b.pid, "--", check_status=1)
    expect(a.wait(10) == -9 and b.wait(10) == -9, "the valid pids were not all signalled")
    lines = r.stderr.splitlines()
    expect(len(lines) == 2, lines)
    # Each thing once: the library's message names the pid and the cause.
    expect(lines[0] == "gpidfd kill: Cannot open process 999999999: No such process (it has "
           "ended and been reaped, or never existed)", lines)
    expect(lines[1] == "gpidfd kill: 'abc' is not a process id (a decimal number from 1 to "
           "2147483647)", lines)
    r = gpidfd("kill", "-9", "--", "-1", check_status=1)
    expect(r.stderr == "gpidfd kill: Cannot send signal 9 to every process ('-1'): A pidfd "
           "names one process or group\n", r.stderr)
    c = subprocess.Popen(["sleep", "10"], preexec_fn=default_signals)
    r = gpidfd("kill", "--json", "-HUP", c.pid, "999999999", check_status=1)
    recs = json_lines(r.stdout)
    expect(recs[0] == {"event": "sent", "pid": c.pid, "process_group": False,
                       "signal": "SIGHUP", "number": 1, "as_given": "HUP"}, recs)
    expect(recs[1]["event"] == "error" and recs[1]["pid"] == 999999999 and
           recs[1]["message"].count("999999999") == 1, recs)
    expect(c.wait(10) == -1, c.returncode)


def group_members(pgid):
    """The processes of group PGID that have not ended."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            members.append(int(entry))
    return members


@test("kill")
def test_kill_process_group():
    proc = subprocess.Popen(["sh", "-c", "sleep 10 & sleep 10 & wait"], start_new_session=True,
                            preexec_fn=default_signals)
    try:
        for _ in range(500):
            if len(group_members(proc.pid)) == 3:
                break
            time.sleep(0.01)
        expect(len(group_members(proc.pid)) == 3, "the group did not start")
        # A member that leads no group: refused, nothing sent.
        sleeper = [pid for pid in group_members(proc.pid) if pid != proc.pid][0]
        r = gpidfd("kill", "--", "-%d" % sleeper, check_status=1)
        expect(r.stderr == "gpidfd kill: Cannot send signal 15 to process group %d: There is "
               "no such group (that process belongs to group %d)\n" % (sleeper, proc.pid),
               r.stderr)
        expect(len(group_members(proc.pid)) == 3, "a member was signalled")
        r = gpidfd("kill", "--json", "-TERM", "--", "-%d" % proc.pid)
        rec = json_lines(r.stdout)[0]
        if rec.get("error") == "not-supported":
            raise Skip("no PIDFD_SIGNAL_PROCESS_GROUP (Linux 6.9): %s" % rec["message"])
        expect(r.returncode == 0 and rec["process_group"] is True, (r, rec))
        for _ in range(500):
            if not group_members(proc.pid):
                break
            time.sleep(0.01)
        expect(group_members(proc.pid) == [], "the group still runs")
        expect(proc.wait(10) == -signal.SIGTERM, proc.returncode)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


# info ----------------------------------------------------------------------


@test("info")
def test_info():
    r = gpidfd("info", os.getpid(), check_status=0)
    expect_match(r"^pid: +%d$" % os.getpid(), r.stdout)
    expect_match(r"^state: +(running|sleeping)", r.stdout)
    expect_match(r"^child: +no$", r.stdout)
    r = gpidfd("info", "--json", os.getpid(), "abc", check_status=1)
    recs = json_lines(r.stdout)
    expect(recs[0]["event"] == "info" and recs[0]["pid"] == os.getpid() and
           recs[0]["child"] is False, recs)
    with open("/proc/self/comm") as f:
        expect(recs[0]["name"] == f.read().strip(), recs)
    expect(recs[1]["event"] == "error" and recs[1]["argument"] == "abc", recs)
    me = recs[0]
    expect(me["ppid"] == os.getppid() and me["tgid"] == os.getpid(), me)
    expect(me["ruid"] == os.getuid() and me["euid"] == os.geteuid() and
           me["rgid"] == os.getgid() and me["egid"] == os.getegid(), me)
    expect(me["state"] in ("running", "sleeping") and me["kernel_thread"] is False and
           me["thread"] is False, me)
    expect(me["id"] is None or me["id"] > 0, me)
    expect(me["cgroup_id"] is None or me["cgroup_id"] > 0, me)
    # Stopped, then a child of gpidfd's caller that it is not the parent of.
    proc = subprocess.Popen(["sleep", "10"])
    try:
        os.kill(proc.pid, signal.SIGSTOP)
        for _ in range(500):
            rec = json_lines(gpidfd("info", "--json", proc.pid, check_status=0).stdout)[0]
            if rec["state"] == "stopped":
                break
            time.sleep(0.01)
        expect(rec["state"] == "stopped" and rec["name"] == "sleep" and
               rec["ppid"] == os.getpid() and rec["child"] is False, rec)
        r = gpidfd("info", proc.pid, check_status=0)
        for pattern in (r"^name: +sleep$", r"^state: +stopped$", r"^parent: +%d$" % os.getpid(),
                        r"^child: +no$", r"^uids: +%d real, " % os.getuid(), r"^gids: ",
                        r"^kernel thread: +no$", r"^cgroup id: ", r"^id: "):
            expect_match(pattern, r.stdout)
    finally:
        proc.kill()
        proc.wait()
    # A kernel thread, when this pid namespace shows one.
    kthreadd = [pid for pid in (2,) if os.path.exists("/proc/%d/comm" % pid) and
                open("/proc/%d/comm" % pid).read().strip() == "kthreadd"]
    if kthreadd:
        rec = json_lines(gpidfd("info", "--json", kthreadd[0], check_status=0).stdout)[0]
        expect(rec["kernel_thread"] is True, rec)
    pid = zombie(0)
    try:
        wait_until_zombie(pid)
        rec = json_lines(gpidfd("info", "--json", pid, check_status=0).stdout)[0]
        expect(rec["state"] == "zombie", rec)
    finally:
        os.waitpid(pid, 0)
    gpidfd("info", check_status=2)
    gpidfd("info", "999999999", check_status=1)


@test("info")
def test_info_states_are_the_enum_nicks():
    # The states are GPidFdProcessState's nicks; --help and the man page
    # list every one but "unknown".
    header = os.path.join(SRCDIR, "gpidfd", "gpidfd-process-info.h")
    man = os.path.join(SRCDIR, "data", "gpidfd.1")
    if not os.path.exists(header):
        raise Skip("no source tree at %s" % SRCDIR)
    with open(header) as f:
        members = re.findall(r"^\s*G_PIDFD_PROCESS_STATE_(\w+)\s*[,=]", f.read(), re.M)
    nicks = [member.lower().replace("_", "-") for member in members]
    expect(nicks[0] == "unknown" and "disk-sleep" in nicks, nicks)
    text = " ".join(gpidfd("info", "--help", check_status=0).stdout.split())
    listed = re.search(r"state \(([^)]*)\)", text)
    expect(listed and listed.group(1).split(", ") == nicks[1:], (nicks, text))
    # The section of info, its font macros undone.
    with open(man) as f:
        section = f.read().replace("\\-", "-").split('.SS "gpidfd info', 1)[1]
    words = []
    for line in section.split("\n.SS ", 1)[0].splitlines():
        macro, _, rest = line.partition(" ")
        if macro in (".BR", ".RB"):
            words.append("".join(arg.strip('"') for arg in re.findall(r'"[^"]*"|\S+', rest)))
        elif macro == ".B":
            words.append(rest)
        elif not line.startswith("."):
            words.append(line)
    listed = re.search(r"its state \(([^)]*)\)", " ".join(words))
    expect(listed and listed.group(1).split(", ") == nicks[1:], (nicks, listed))


# demo ----------------------------------------------------------------------


@test("demo")
def test_demo():
    r = gpidfd("demo", check_status=0, timeout=60)
    lines = r.stdout.splitlines()
    expect(lines[-1] == "5 of 5 children ended as expected", lines)
    for label in ("exit 0", "exit 3", "SIGTERM", "SIGKILL", "burn CPU, exit 0"):
        expect(any("[%s]: " % label in line for line in lines), label)
    expect_match(r"\[exit 3\]: exited with code 3; user \d+\.\d+ s, system \d+\.\d+ s, "
                 r"max RSS \d+ KiB, \d+ minor faults$", r.stdout)


@test("demo")
def test_demo_json_distinct_usage():
    r = gpidfd("demo", "--json", check_status=0, timeout=60)
    recs = json_lines(r.stdout)
    expect(len(recs) == 5 and all(rec["event"] == "exit" and rec["child"] for rec in recs), recs)
    by_label = {rec["label"]: rec for rec in recs}
    expect(by_label["exit 3"]["exit_status"] == 3, by_label)
    expect(by_label["SIGTERM"]["signal"] == "SIGTERM", by_label)
    expect(by_label["SIGKILL"]["term_signal"] == 9, by_label)
    rss = [rec["max_rss_kib"] for rec in recs]
    expect(len(set(rss)) == 5, "max RSS not distinct: %s" % rss)
    cpu = [by_label[label]["user_time_us"] + by_label[label]["system_time_us"]
           for label in ("exit 0", "exit 3", "burn CPU, exit 0")]
    expect(cpu[0] < cpu[1] < cpu[2], "CPU time not distinct: %s" % cpu)
    gpidfd("demo", "0", check_status=2)
    gpidfd("demo", "1", "2", check_status=2)
    r = gpidfd("demo", "2", check_status=0, timeout=60)
    expect(r.stdout.splitlines()[-1] == "2 of 2 children ended as expected", r.stdout)


def main():
    selected = [t for t in TESTS if GROUP is None or t[0] == GROUP]
    if not selected:
        print("Bail out! no test group %r" % GROUP)
        return 1
    print("1..%d" % len(selected))
    failed = 0
    for i, (group, name, func) in enumerate(selected, 1):
        try:
            func()
        except Skip as e:
            print("ok %d - %s/%s # SKIP %s" % (i, group, name, e))
        except Exception:
            failed += 1
            print("not ok %d - %s/%s" % (i, group, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
        else:
            print("ok %d - %s/%s" % (i, group, name))
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
