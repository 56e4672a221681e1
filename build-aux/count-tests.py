#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Counts the results in meson test logs (meson-logs/testlog*.json): one
# line per log, then the total as "N passed, N failed, N skipped".
# A missing log counts as one failure. Exits 1 if anything failed.
#
# Usage: count-tests.py TESTLOG.json...

import json
import os
import sys

total = {'passed': 0, 'failed': 0, 'skipped': 0}
for path in sys.argv[1:]:
    counts = {'passed': 0, 'failed': 0, 'skipped': 0}
    if not os.path.exists(path):
        print(f'{path}: missing')
        counts['failed'] += 1
    else:
        with open(path) as fh:
            for line in fh:
                if not line.strip():
                    continue
                result = json.loads(line).get('result')
                if result in ('OK', 'EXPECTEDFAIL'):
                    counts['passed'] += 1
                elif result == 'SKIP':
                    counts['skipped'] += 1
                else:
                    counts['failed'] += 1
        if len(sys.argv) > 2:
            print(f"{path}: {counts['passed']} passed, {counts['failed']} failed, "
                  f"{counts['skipped']} skipped")
    for key in total:
        total[key] += counts[key]

print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
sys.exit(1 if total['failed'] else 0)
