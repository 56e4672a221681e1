#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# memcheck over the C tests through the 'valgrind' test setup
# (tests/robust/meson.build): zero errors, nothing definitely or indirectly
# lost.
#
# gpidfd cannot be checked by a valgrind that does not know pidfd_open()
# and pidfd_send_signal() (valgrind 3.19, Debian 12, answers ENOSYS to
# both, so the library rightly reports NOT_SUPPORTED everywhere). Such a
# valgrind is detected first, and the run is reported as skipped (exit
# status 77) instead of failing or passing for nothing.
#
# usage: build-aux/ci-valgrind.sh [BUILDDIR]   (default _build-valgrind)
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-"$srcdir/_build-valgrind"}

command -v valgrind >/dev/null || { echo "valgrind not found: skipped"; exit 77; }

probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
cat > "$probe/probe.c" <<'C'
#include <sys/syscall.h>
#include <unistd.h>
int main (void) { return syscall (434, getpid (), 0) < 0; }
C
cc -o "$probe/probe" "$probe/probe.c"
if ! valgrind -q --error-exitcode=2 "$probe/probe" 2>"$probe/log"; then
  echo "valgrind $(valgrind --version) does not support pidfd_open(): skipped" >&2
  sed -n '1,2p' "$probe/log" >&2
  echo "0 passed, 0 failed (skipped)"
  exit 77
fi

if [ ! -d "$builddir" ]; then
  meson setup "$builddir" "$srcdir" -Dintrospection=disabled -Dbuildtype=debug
fi
ninja -C "$builddir"

status=0
meson test -C "$builddir" --setup valgrind --suite c --suite robust \
  --num-processes 2 --print-errorlogs || status=$?

python3 - "$builddir/meson-logs/testlog-valgrind.json" <<'PY'
import json, sys
passed = failed = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("result") in ("OK", "SKIP", "EXPECTEDFAIL"):
        passed += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed")
PY
exit $status
