#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs one of the watch programs (watch-children, watch.py, watch.js,
# watch.vala) with its demo commands and checks that it succeeded and
# printed exactly the lines that every language prints: the same program
# in each.
#
#   check-watch-output.sh PROGRAM [ARGUMENT...]

set -eu

# strsignal() speaks the locale's language.
LC_ALL=C
export LC_ALL

expected="[N] 'echo hello' exited with status 0
[N] 'echo hello' printed: hello
[N] 'echo hello' started
[N] 'sleep 0.1; exit 3' exited with status 3
[N] 'sleep 0.1; exit 3' started
[N] 'sleep 0.2; kill -TERM \$\$' started
[N] 'sleep 0.2; kill -TERM \$\$' was killed by signal 15 (Terminated)
[N] 'sleep 0.3; echo awake' exited with status 0
[N] 'sleep 0.3; echo awake' printed: awake
[N] 'sleep 0.3; echo awake' started"

fail() {
  printf '%s\n' "$@" >&2
  exit 1
}

output=$("$@") || fail "$1 failed:" "$output"

# The pids differ from run to run, and the order of the exits with the load.
actual=$(printf '%s\n' "$output" | sed 's/^\[[0-9][0-9]*\] /[N] /' | sort)
if [ "$actual" != "$expected" ]; then
  fail "expected:" "$expected" "got:" "$output"
fi

# Each command's lines name one pid: the one it was started with.
commands=$(printf '%s\n' "$output" | cut -d"'" -f2 | sort -u | wc -l)
pairs=$(printf '%s\n' "$output" | cut -d"'" -f1,2 | sort -u | wc -l)
if [ "$commands" != "$pairs" ]; then
  fail "a command's lines name different pids:" "$output"
fi
