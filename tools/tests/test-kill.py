#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-kill.py GPIDFD [GROUP]
#
# gpidfd kill: signals by name and number, several pids, process groups.
# Groups: kill.
# The runner and the helpers they share are in tooltest.py.

import os
import signal
import subprocess
import sys
import time

import tooltest
from tooltest import (
    default_signals, expect, expect_match, gpidfd, group_members, json_lines, Skip, test)


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


if __name__ == "__main__":
    sys.exit(tooltest.main())
