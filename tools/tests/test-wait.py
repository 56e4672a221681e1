#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-wait.py GPIDFD [GROUP]
#
# gpidfd wait: children or not, with and without their status.
# Groups: wait.
# The runner and the helpers they share are in tooltest.py.

import os
import re
import subprocess
import sys
import tempfile
import threading
import time

import tooltest
from tooltest import (
    GPIDFD, expect, expect_match, expect_no_abort, few_descriptors, gpidfd, json_lines, Reaper,
    test, wait_until_zombie, zombie)


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
def test_wait_timeout_inside_the_reap_grace():
    # Every process has ended and --timeout ends the grace early: no wait
    # was cut short, so the exit is reported without its status and the
    # answer is 0, not 124; with a process still running, 124.
    pid = zombie(0.1)
    try:
        wait_until_zombie(pid)
        r = gpidfd("wait", "--timeout=0.3", pid, check_status=0, timeout=10)
        expect_match(r"^%d \(python3?[^)]*\): exited; status not known yet" % pid, r.stdout)
        expect("Timed out" not in r.stderr, r.stderr)
        r = gpidfd("wait", "--json", "-t", "0.3", pid, check_status=0, timeout=10)
        recs = json_lines(r.stdout)
        expect([rec["event"] for rec in recs] == ["exit"] and recs[0]["has_status"] is False, recs)
        proc = subprocess.Popen(["sleep", "10"])
        try:
            r = gpidfd("wait", "--json", "-t", "0.3", pid, proc.pid, check_status=124, timeout=10)
            rec = json_lines(r.stdout)[-1]
            expect(rec["event"] == "timeout" and [p["pid"] for p in rec["running"]] == [proc.pid]
                   and rec["exited_unreaped"] == [], rec)
        finally:
            proc.kill()
            proc.wait()
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


if __name__ == "__main__":
    sys.exit(tooltest.main())
