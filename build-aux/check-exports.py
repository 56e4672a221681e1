#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks that a shared library exports exactly the functions its public
# headers mark with GPIDFD_AVAILABLE_IN_*: nothing private leaks out and
# nothing public is missing. Prints TAP.
#
# Usage: check-exports.py LIBRARY HEADER...

import re
import subprocess
import sys

lib, headers = sys.argv[1], sys.argv[2:]

declared = set()
for header in headers:
    with open(header) as fh:
        # Preprocessor lines define the macros themselves: skip them.
        text = ''.join(line for line in fh if not line.lstrip().startswith('#'))
    # G_DECLARE_FINAL_TYPE (GPidFd, g_pidfd, ...) declares g_pidfd_get_type.
    for m in re.finditer(r'G_DECLARE_\w+_TYPE\s*\(\s*\w+\s*,\s*(\w+)', text):
        declared.add(m.group(1) + '_get_type')
    # GPIDFD_AVAILABLE_IN_x_y [newline] type  *name (
    for m in re.finditer(r'GPIDFD_AVAILABLE_IN_\w+\s+(?!G_DECLARE)[^;(]*?\**\s*(\w+)\s*\(', text):
        declared.add(m.group(1))

out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                     capture_output=True, text=True).stdout
exported = {line.split()[-1] for line in out.splitlines()
            if len(line.split()) == 3 and line.split()[1] in 'TtWw'}

print('1..3')
ok = True
if not declared:
    print('not ok 1 - no declarations found in the headers')
    ok = False
else:
    print(f'ok 1 - {len(declared)} public functions declared')
private = sorted(exported - declared)
if private:
    print('not ok 2 - exported but not public: ' + ' '.join(private))
    ok = False
else:
    print(f'ok 2 - {len(exported)} exported symbols, none private')
missing = sorted(declared - exported)
if missing:
    print('not ok 3 - public but not exported: ' + ' '.join(missing))
    ok = False
else:
    print('ok 3 - every public function is exported')
sys.exit(0 if ok else 1)
