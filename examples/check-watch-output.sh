#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one of the watch programs (watch-children, watch.py, watch.js,
# watch.vala) with its demo commands and checks that it printed exactly the
# lines that every language prints: the same program in each.
#
#   check-watch-output.sh PROGRAM [ARGUMENT...]

set -eu

# strsignal() speaks the locale's language.
LC_ALL=C
export LC_ALL

expected="[N] 'sleep 0.1; exit 3' exited with status 3
[N] 'sleep 0.1; exit 3' started
[N] 'sleep 0.2; kill -TERM \$\$' started
[N] 'sleep 0.2; kill -TERM \$\$' was killed by signal 15 (Terminated)
[N] 'sleep 0.3' exited with status 0
[N] 'sleep 0.3' started
[N] 'true' exited with status 0
[N] 'true' started"

# The pids differ from run to run, and the order of the exits with the load.
actual=$("$@" | sed 's/^\[[0-9][0-9]*\] /[N] /' | LC_ALL=C sort)

if [ "$actual" != "$expected" ]; then
  printf 'expected:\n%s\ngot:\n%s\n' "$expected" "$actual" >&2
  exit 1
fi
