#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-demo.py GPIDFD [GROUP]
#
# gpidfd demo: children that end in different ways.
# Groups: demo.
# The runner and the helpers they share are in tooltest.py.

import sys

import tooltest
from tooltest import expect, expect_match, gpidfd, json_lines, test


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


if __name__ == "__main__":
    sys.exit(tooltest.main())
