#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-general.py GPIDFD [GROUP]
#
# What every command shares: help, usage errors, the man page and the
# completion, messages, JSON, write errors, a lack of descriptors.
# Groups: general.
# The runner and the helpers they share are in tooltest.py.

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import tooltest
from tooltest import (
    GPIDFD, SRCDIR, default_signals, expect, expect_match, expect_no_abort, few_descriptors,
    gpidfd, json_lines, last_record, Reaper, Skip, test, wait_until_zombie, zombie)


def help_options(command):
    r = gpidfd(command, "--help", check_status=0)
    return sorted(set(re.findall(r"(--[a-z][a-z-]*)", r.stdout)) - {"--"})


COMMANDS = ["run", "wait", "kill", "info", "demo"]


# The status of a usage error: run's other statuses are its command's.
USAGE = {"run": 125, "wait": 2, "kill": 2, "signal": 2, "info": 2, "demo": 2}


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


@test("general")
def test_thread_ids_are_refused():
    # A thread's id is not its process's id: each command names the
    # process instead of acting on it (the man page says so).
    proc = subprocess.Popen([sys.executable, "-c",
                             "import threading, time\n"
                             "threading.Thread(target=time.sleep, args=(30,), daemon=True).start()\n"
                             "print(flush=True)\n"
                             "time.sleep(30)\n"], stdout=subprocess.PIPE)
    try:
        proc.stdout.readline()
        tids = [int(t) for t in os.listdir("/proc/%d/task" % proc.pid) if int(t) != proc.pid]
        expect(len(tids) == 1, tids)
        tid = tids[0]
        message = "Cannot open process %d: It is a thread of process %d, not a process" % (
            tid, proc.pid)
        for args in (["kill", "-0", tid], ["info", tid], ["wait", "--timeout=0.1", tid]):
            r = gpidfd(*args, check_status=1)
            expect_match(re.escape(message), r.stderr)
            r = gpidfd(args[0], "--json", *args[1:], check_status=1)
            rec = json_lines(r.stdout)[-1]
            expect(rec["event"] == "error" and rec["pid"] == tid, (args, rec))
        expect(proc.poll() is None, "a thread id reached its process")
    finally:
        proc.kill()
        proc.wait()


@test("general")
def test_options_come_before_the_arguments():
    # As the man page says: an option after a process id is a usage error,
    # never an option that changes what is done ('kill PID -9' sent SIGKILL;
    # kill(1) would signal process group 9).
    proc = subprocess.Popen(["sleep", "30"])
    try:
        for args, misplaced in ((["kill", proc.pid, "-9"], "-9"),
                                (["kill", "-s", "USR1", proc.pid, "-s", "KILL"], "-s"),
                                (["kill", proc.pid, "--json"], "--json"),
                                (["wait", proc.pid, "-t", "0.1"], "-t"),
                                (["info", proc.pid, "--json"], "--json")):
            r = gpidfd(*args, check_status=2)
            expect_match(r"Options come before the (arguments|process ids): '%s' follows"
                         % re.escape(misplaced), r.stderr)
            # Nothing done: no output but, with --json, the error.
            expect(all(rec["event"] == "error" for rec in json_lines(r.stdout)), (args, r.stdout))
        r = gpidfd("kill", "--json", proc.pid, "-9", check_status=2)
        rec = json_lines(r.stdout)[-1]
        expect(rec["event"] == "error" and rec["argument"] == "-9", rec)
        expect(proc.poll() is None, "an option after the pid reached the process")
        # After "--", what follows is an argument.
        r = gpidfd("wait", "-t", "0.1", "--", proc.pid, check_status=124)
        r = gpidfd("wait", "-t", "0.1", proc.pid, "--", "-5x", check_status=124)
        expect_match(r"'-5x' is not a process id", r.stderr)
    finally:
        proc.kill()
        proc.wait()


@test("general")
def test_short_options_take_attached_values():
    # As getopt(3) and timeout(1): "-t1" is "-t 1", "-vk1" is "-v -k 1";
    # after the command (or "--"), nothing is split.
    r = gpidfd("run", "-t0.2", "-k0.2", "-sKILL", "--", "sleep", "5", check_status=137)
    expect_match(r"Timed out: +after 0.2s; sent SIGKILL", r.stderr)
    r = gpidfd("run", "-vt0.2", "sleep", "5", check_status=124)
    expect_match(r"Sending SIGTERM to command 'sleep'", r.stderr)
    r = gpidfd("run", "--json", "-o/dev/stdout", "--", "echo", "-t1", "-sKILL", check_status=0)
    expect(r.stdout.splitlines()[0] == "-t1 -sKILL", r.stdout)
    rec = json_lines("\n".join(r.stdout.splitlines()[1:]))[-1]
    expect(rec["command"] == ["echo", "-t1", "-sKILL"], rec)
    proc = subprocess.Popen(["sleep", "10"])
    try:
        r = gpidfd("wait", "-t0.1", proc.pid, check_status=124)
        expect_match(r"Timed out after 0.1s", r.stderr)
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    sys.exit(tooltest.main())
