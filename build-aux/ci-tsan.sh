#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# ThreadSanitizer build of the C tests (suites c, robust, examples): any
# report, in any process of any test, fails the run.
#
# GLib (Debian's, uninstrumented) synchronises with futex() and atomics
# that ThreadSanitizer does not see. build-aux/tsan-glib.c, preloaded
# into every test, tells it what GMutex, GRecMutex, GRWLock, GCond,
# g_once_init_*(), the reference counts of GObject and GSource, and a
# GMainContext's lock do; build-aux/tsan.supp is empty, and says why.
# G_SLICE=always-malloc keeps GSlice's per-thread magazines, which
# move memory between threads inside libglib, out of the picture.
#
# Forked children: GTask's type initialisation starts GLib's worker
# thread, so every fork() of a test is a fork of a multi-threaded process
# to ThreadSanitizer, which then checks nothing more in the child and,
# by default (die_after_fork=1), kills a child that starts a thread. The
# forked scenarios therefore run unchecked (die_after_fork=0); those of
# g_test_trap_subprocess(), which execs, are checked.
#
# Sizes: GPIDFD_TEST_SCALE=${GPIDFD_TEST_SCALE:-10} (percent). fork() costs
# five to ten times more under ThreadSanitizer; see doc/reliability.md.
#
# usage: build-aux/ci-tsan.sh [BUILDDIR]   (default _build-tsan)
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-"$srcdir/_build-tsan"}
case $builddir in /*) ;; *) builddir=$PWD/$builddir ;; esac

if [ ! -f "$builddir/build.ninja" ]; then
  CC=${TSAN_CC:-clang} meson setup "$builddir" "$srcdir" \
    -Db_sanitize=thread -Db_lundef=false \
    -Dintrospection=disabled -Dvapi=disabled -Ddocumentation=false \
    -Dwerror=true
fi
ninja -C "$builddir"

preload=$builddir/tsan-glib.so
${TSAN_CC:-clang} -shared -fPIC -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
  $(pkg-config --cflags gobject-2.0) "$srcdir/build-aux/tsan-glib.c" \
  -o "$preload" -ldl

# Each test runs through this wrapper: the preload goes to the tests
# only, not to meson; the tests that signal a handler in a child forked
# without exec skip that row; and the pid-reuse check, which forks until
# the kernel hands a pid out again, is left to the other passes (a fork
# under ThreadSanitizer is slow enough that it gives up after its 120 s
# without a reuse). ThreadSanitizer runs a handler only
# at its next interceptor call or inside a blocking one, and in a child
# of a multi-threaded fork it intercepts nothing more: the handler never
# runs and the test waits for it until its timeout.
# (meson names its log after the wrapper: testlog-tsan.json.)
wrapper=$builddir/tsan
cat > "$wrapper" <<EOF
#!/bin/sh
case \$(basename "\$1") in
  test-features)
    set -- "\$@" -s /features/signal/thread -s /features/identity/reused-pid ;;
esac
LD_PRELOAD=$preload
export LD_PRELOAD
exec "\$@"
EOF
chmod +x "$wrapper"

# Reports go to files, one per process, so that none is lost in a
# subprocess whose stderr a test captures, or whose exit status nobody
# reads.
reports=$builddir/tsan-reports
rm -rf "$reports"
mkdir -p "$reports"

TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 die_after_fork=0"
TSAN_OPTIONS="$TSAN_OPTIONS suppressions=$srcdir/build-aux/tsan.supp"
TSAN_OPTIONS="$TSAN_OPTIONS log_path=$reports/report"
# The spawn tests exec instrumented helpers that report the signals they
# start with; the runtime's own SIGSEGV, SIGBUS and SIGFPE handlers would
# show there as caught signals the child did not inherit.
TSAN_OPTIONS="$TSAN_OPTIONS handle_segv=0 handle_sigbus=0 handle_sigfpe=0"
G_SLICE=always-malloc
GPIDFD_TEST_SCALE=${GPIDFD_TEST_SCALE:-10}
export TSAN_OPTIONS G_SLICE GPIDFD_TEST_SCALE

status=0
rm -f "$builddir/meson-logs/testlog-tsan.json"
# oldkernel-features is left out: its rows run the feature checks in
# subprocesses, and those that signal threads of a forked child hang as
# above (the same checks run, without the seccomp filter, in test-features).
meson test -C "$builddir" --suite c --suite robust --suite examples \
  --no-suite oldkernel-features \
  --num-processes 1 --timeout-multiplier 3 --print-errorlogs \
  --wrapper "$wrapper" || status=$?

if [ -n "$(ls -A "$reports")" ]; then
  for report in "$reports"/*; do
    echo "=== $report" >&2
    cat "$report" >&2
  done
  echo "ThreadSanitizer reports (above) in $reports" >&2
  status=1
fi

"$srcdir/build-aux/count-tests.py" "$builddir/meson-logs/testlog-tsan.json" || true
exit $status
