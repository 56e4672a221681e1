#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The exe_wrapper of the 'valgrind' test setup (tests/robust/meson.build):
#   valgrind-test.sh VALGRIND-OPTION... PROGRAM [ARG...]
#
# Runs memcheck (the valgrind on PATH when the test runs, or $VALGRIND)
# and judges the test program's own process only. The tests fork children
# that stay under valgrind (no exec) and leave with _exit(): memcheck then
# reports as "definitely lost" the thread-local blocks of the parent's
# other threads, which do not exist in the child, and --error-exitcode
# would replace the exit status the test waits for. So every process logs
# to its own file; the test's process (the one whose parent is this
# script) fails the test on any error or definite/indirect leak, its
# children only on a memory error (not on a leak), and each child keeps
# its exit status.
set -u

# Only compiled programs are checked: a script (the exports check) runs
# as it is.
for arg; do
  case $arg in -*) ;; *) prog=$arg; break ;; esac
done
if [ -n "${prog:-}" ] && [ "$(head -c 2 "$prog" 2>/dev/null)" = "#!" ]; then
  while [ "$1" != "$prog" ]; do shift; done
  exec "$@"
fi

logdir=$(mktemp -d "${TMPDIR:-/tmp}/gpidfd-valgrind.XXXXXX") || exit 99
trap 'rm -rf "$logdir"' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

"${VALGRIND:-valgrind}" --log-file="$logdir/vg.%p" "$@"
status=$?

main=$(grep -l "^==[0-9]*== Parent PID: $$\$" "$logdir"/vg.* 2>/dev/null | head -n 1)
if [ -z "$main" ]; then
  echo "valgrind-test.sh: no valgrind log for the test process" >&2
  cat "$logdir"/vg.* >&2 2>/dev/null
  exit 99
fi
# valgrind 3.24 warns, in five lines, at each pidfd_send_signal() it does
# not know (and answers ENOSYS); one line says it here.
n424=$(grep -c "^--[0-9]*-- WARNING: unhandled amd64-linux syscall: 424" "$main")
grep -v -e "^--[0-9]*-- WARNING: unhandled amd64-linux syscall: 424" \
        -e "^--[0-9]*-- You may be able to write your own handler" \
        -e "^--[0-9]*-- Read the file README_MISSING_SYSCALL_OR_IOCTL" \
        -e "^--[0-9]*-- Nevertheless we consider this a bug" \
        -e "^--[0-9]*-- it at http://valgrind.org/support/bug_reports.html" \
        "$main" >&2
[ "$n424" -eq 0 ] ||
  echo "valgrind-test.sh: $n424 pidfd_send_signal() calls answered ENOSYS by valgrind" >&2

if ! grep -q "^==[0-9]*== ERROR SUMMARY: 0 errors" "$main"; then
  echo "valgrind-test.sh: memcheck found errors (above)" >&2
  [ "$status" -ne 0 ] || status=1
fi

# Memory errors (not leaks) in forked children.
for log in "$logdir"/vg.*; do
  [ "$log" = "$main" ] && continue
  if grep -Eq "^==[0-9]+== (Invalid (read|write|free)|Mismatched free|Conditional jump|Use of uninitialised|Syscall param|Source and destination overlap)" "$log"; then
    echo "valgrind-test.sh: memcheck found errors in a forked child:" >&2
    cat "$log" >&2
    [ "$status" -ne 0 ] || status=1
  fi
done

exit "$status"
