#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-info.py GPIDFD [GROUP]
#
# gpidfd info: what the kernel says about a process.
# Groups: info.
# The runner and the helpers they share are in tooltest.py.

import os
import re
import signal
import subprocess
import sys
import time

import tooltest
from tooltest import (
    SRCDIR, expect, expect_match, gpidfd, json_lines, Skip, test, wait_until_zombie, zombie)


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


if __name__ == "__main__":
    sys.exit(tooltest.main())
