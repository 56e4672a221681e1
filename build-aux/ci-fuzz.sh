#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs the libFuzzer target of the /proc text parsers for a bounded time,
# with ASan and UBSan, starting from the corpus in tests/robust/fuzz/corpus.
# New inputs go to a scratch directory, never into the tree; a crash or a
# disagreement with the reference leaves its input in $builddir/fuzz-artifacts.
#
# usage: build-aux/ci-fuzz.sh [SECONDS] [BUILDDIR]   (default 60, _build-fuzz)
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
builddir=${2:-"$srcdir/_build-fuzz"}

if [ ! -d "$builddir" ]; then
  CC=clang meson setup "$builddir" "$srcdir" \
    -Db_sanitize=address,undefined -Db_lundef=false \
    -Dintrospection=disabled -Dwerror=true
fi
ninja -C "$builddir" tests/robust/fuzz/fuzz-proc-text

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$builddir/fuzz-artifacts"

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS

status=0
"$builddir/tests/robust/fuzz/fuzz-proc-text" \
  -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$builddir/fuzz-artifacts/" \
  "$scratch" "$srcdir/tests/robust/fuzz/corpus" 2>"$scratch.log" || status=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch.log")
tail -n 5 "$scratch.log"
rm -f "$scratch.log"
if [ "$status" -eq 0 ]; then
  echo "${runs:-0} inputs tried: 1 passed, 0 failed"
else
  echo "${runs:-0} inputs tried: 0 passed, 1 failed (see $builddir/fuzz-artifacts)"
fi
exit $status
