#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# AddressSanitizer + UndefinedBehaviorSanitizer build of the C tests, with
# leak detection: any report fails the run.
#
# Sizes: GPIDFD_TEST_SCALE=${GPIDFD_TEST_SCALE:-20} (percent). The sanitizers
# look at every path the full sizes take; the full sizes themselves (the
# 2000-process storms, the thousand-round races) run in the gcc pass.
#
# usage: build-aux/ci-sanitize.sh [BUILDDIR]   (default _build-asan)
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-"$srcdir/_build-asan"}

if [ ! -d "$builddir" ]; then
  meson setup "$builddir" "$srcdir" \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dwerror=true
fi
ninja -C "$builddir"

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
GPIDFD_TEST_SCALE=${GPIDFD_TEST_SCALE:-20}
export ASAN_OPTIONS UBSAN_OPTIONS GPIDFD_TEST_SCALE

status=0
meson test -C "$builddir" --suite c --suite robust --num-processes 1 --print-errorlogs || status=$?

# Any sanitizer report in a test log is a failure, even from a forked child
# whose exit status nobody looked at.
if grep -E -l 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
     "$builddir/meson-logs/testlog.txt" >/dev/null 2>&1; then
  echo "sanitizer reports found in $builddir/meson-logs/testlog.txt" >&2
  status=1
fi

"$srcdir/build-aux/count-tests.py" "$builddir/meson-logs/testlog.json" || true
exit $status
