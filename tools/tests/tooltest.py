# SPDX-License-Identifier: LGPL-2.1-or-later
#
# tooltest.py: the TAP runner of the tests of the gpidfd program, and the
# helpers they share.
#
# Each tools/tests/test-COMMAND.py registers its tests with @test(GROUP)
# and ends with sys.exit(tooltest.main()). It is run as
#
#     test-COMMAND.py GPIDFD [GROUP]
#
# and runs the built gpidfd program for real, in every way a user would,
# checking its output, its exit status and what the commands it runs see.
# It prints TAP. GROUP runs one group of the script; without it, all of
# them. G_TEST_SRCDIR is the source tree, for the man page, the
# completion and the README.

import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import traceback

GPIDFD = os.path.abspath(sys.argv[1])
GROUP = sys.argv[2] if len(sys.argv) > 2 else None
SRCDIR = os.environ.get("G_TEST_SRCDIR",
                        os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

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
