#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-gpidfd-tool.sh GPIDFD CASE
#
# Runs the gpidfd program in one way and checks its output and exit status.
# Exits 0 on success, 1 on failure, 77 when the case cannot run here.
# PYTHON, when set, is an interpreter used to check JSON output.

set -u

if [ $# -ne 2 ]; then
  echo "usage: $0 GPIDFD CASE" >&2
  exit 2
fi

GPIDFD=$1
CASE=$2
PYTHON=${PYTHON:-}

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/gpidfd-tool-test.XXXXXX") || exit 1
out=$tmpdir/out
err=$tmpdir/err
background=

cleanup () {
  if [ -n "$background" ]; then
    kill -KILL $background 2>/dev/null
    wait 2>/dev/null
  fi
  rm -rf "$tmpdir"
}
trap cleanup EXIT

fail () {
  echo "FAIL ($CASE): $*" >&2
  echo "--- stdout:" >&2
  cat "$out" >&2 2>/dev/null
  echo "--- stderr:" >&2
  cat "$err" >&2 2>/dev/null
  exit 1
}

# run_tool EXPECTED_STATUS ARGS...: runs gpidfd, output into $out and $err.
run_tool () {
  expected=$1
  shift
  echo "running: gpidfd $*"
  "$GPIDFD" "$@" >"$out" 2>"$err"
  status=$?
  if [ "$status" -ne "$expected" ]; then
    fail "gpidfd $* exited with $status, expected $expected"
  fi
}

# expect_in FILE PATTERN: FILE has a line matching the extended regex.
expect_in () {
  grep -Eq -- "$2" "$1" || fail "no line matching '$2' in $(basename "$1")"
}

# expect_lines FILE N: FILE has exactly N lines.
expect_lines () {
  n=$(wc -l <"$1")
  [ "$n" -eq "$2" ] || fail "$(basename "$1") has $n lines, expected $2"
}

need_python () {
  if [ -z "$PYTHON" ]; then
    echo "no Python to check JSON with; skipping"
    exit 77
  fi
}

# check_json FILE N PYTHON-EXPR: FILE is N JSON objects, one a line, and
# PYTHON-EXPR is true for the list of them, named "records".
check_json () {
  "$PYTHON" - "$1" "$2" "$3" <<'EOF' || fail "JSON check failed: $3"
import json
import sys

path, count, expr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path) as f:
    records = [json.loads(line) for line in f if line.strip()]
if len(records) != count:
    sys.exit(f"{len(records)} records, expected {count}")
for r in records:
    if not isinstance(r, dict) or "pid" not in r:
        sys.exit(f"not a record: {r!r}")
if not eval(expr, {"records": records}):
    sys.exit(f"false for {records!r}")
EOF
}

case $CASE in
  version)
    run_tool 0 --version
    expect_in "$out" '^gpidfd [0-9]+\.[0-9]+\.[0-9]+$'
    ;;

  usage)
    run_tool 0 --help
    for command in run wait signal status demo; do
      expect_in "$out" "^  $command "
    done
    run_tool 0 wait --help
    expect_in "$out" '--timeout'
    run_tool 2
    expect_in "$err" 'Usage'
    run_tool 2 frobnicate
    expect_in "$err" '^gpidfd: unknown command .frobnicate.'
    run_tool 2 run
    expect_in "$err" '^gpidfd: no command given'
    ;;

  run-exit-status)
    run_tool 3 run -- sh -c 'exit 3'
    expect_in "$err" '^ended: +exited with status 3$'
    expect_in "$err" '^wait status: +768 '
    expect_in "$err" '^user time: +[0-9]+\.[0-9]+ s$'
    expect_in "$err" '^system time: +[0-9]+\.[0-9]+ s$'
    expect_in "$err" '^max RSS: +[0-9]+ KiB$'
    run_tool 0 run true
    expect_in "$err" 'exited with status 0'
    # Options after the command are the command's.
    run_tool 0 run sh -c 'echo "$1"' sh --json
    expect_in "$out" '^--json$'
    ;;

  run-signal)
    run_tool 143 run -- sh -c 'kill -TERM $$'
    expect_in "$err" '^ended: +killed by SIGTERM \(signal 15\)$'
    run_tool 137 run -- sh -c 'kill -KILL $$'
    expect_in "$err" 'killed by SIGKILL \(signal 9\)'
    ;;

  run-not-found)
    run_tool 127 run -- /nonexistent/gpidfd-test-command
    expect_in "$err" '^gpidfd: .*gpidfd-test-command'
    ;;

  run-json)
    need_python
    run_tool 3 run --json --output=- -- sh -c 'exit 3'
    check_json "$out" 1 'records[0]["exited"] and records[0]["exit_status"] == 3 and records[0]["wait_status"] == 768 and records[0]["child"] and records[0]["has_rusage"] and records[0]["user_time_us"] >= 0 and records[0]["max_rss_kib"] > 0'
    run_tool 143 run --json -o "$tmpdir/record.json" -- sh -c 'kill -TERM $$'
    check_json "$tmpdir/record.json" 1 'records[0]["signaled"] and records[0]["term_signal"] == 15 and records[0]["signal"] == "SIGTERM" and records[0]["exit_status"] is None'
    ;;

  wait-missing)
    # Above the largest pid_max the kernel allows (4194304).
    run_tool 1 wait 999999999
    expect_in "$err" '^gpidfd: .*999999999.*no such process'
    # The processes that exist are still waited for.
    sleep 1 &
    background=$!
    run_tool 1 wait 999999999 $background
    expect_in "$err" '999999999'
    expect_in "$out" "^$background: "
    run_tool 2 wait not-a-pid
    expect_in "$err" '^gpidfd: .not-a-pid. is not a process id'
    ;;

  wait-non-child)
    # Children of this shell, not of gpidfd. They must not end (and be
    # reaped by this shell) before gpidfd has opened them.
    sleep 1 &
    first=$!
    sh -c 'sleep 1; exit 5' &
    second=$!
    background="$first $second"
    run_tool 0 wait $first $second
    expect_lines "$out" 2
    expect_in "$out" "^$first: "
    expect_in "$out" "^$second: "
    expect_in "$out" 'no resource usage \(not a child\)'
    # Linux 6.15 and later know how a non-child ended, older ones do not;
    # either way the status must not be made up.
    if ! grep -q "^$second: exited with status 5;" "$out"; then
      expect_in "$out" "^$second: ended; status unknown"
    fi
    ;;

  wait-timeout)
    sleep 10 &
    background=$!
    run_tool 124 wait --timeout=0.2 $background
    expect_in "$err" "^gpidfd: timed out; still waiting for $background\$"
    [ -s "$out" ] && fail "printed a record for a process that is still running"
    kill -0 $background 2>/dev/null || fail "the process does not run any more"
    ;;

  wait-json)
    need_python
    sh -c 'sleep 1; exit 4' &
    first=$!
    sleep 1 &
    second=$!
    background="$first $second"
    run_tool 0 wait --json $first $second
    check_json "$out" 2 "all(not r['child'] and not r['has_rusage'] and r['user_time_us'] is None for r in records) and sorted(r['pid'] for r in records) == sorted([$first, $second])"
    ;;

  signal)
    sleep 10 &
    background=$!
    run_tool 0 signal $background 0
    run_tool 0 status $background
    expect_in "$out" '^state: +running$'
    run_tool 0 signal $background TERM
    wait $background
    status=$?
    [ "$status" -eq 143 ] || fail "sleep ended with $status after SIGTERM, expected 143"
    sleep 10 &
    background=$!
    run_tool 0 signal $background -KILL
    wait $background
    status=$?
    [ "$status" -eq 137 ] || fail "sleep ended with $status after SIGKILL, expected 137"
    run_tool 0 signal --list
    expect_in "$out" '^15 SIGTERM$'
    ;;

  signal-errors)
    run_tool 1 signal 999999999 TERM
    expect_in "$err" '^gpidfd: .*999999999.*no such process'
    run_tool 2 signal $$ NOSUCHSIGNAL
    expect_in "$err" '^gpidfd: unknown signal .NOSUCHSIGNAL.'
    run_tool 2 signal $$
    expect_in "$err" '^gpidfd: expected a process id and a signal'
    if [ "$(id -u)" -ne 0 ]; then
      run_tool 1 signal 1 0
      expect_in "$err" '^gpidfd: .*process 1.*'
    fi
    ;;

  status)
    run_tool 0 status $$
    expect_in "$out" "^pid: +$$\$"
    expect_in "$out" '^state: +running$'
    expect_in "$out" '^child: +no$'
    # A zombie: exited, not reaped by its parent (which execs a sleep
    # that never waits).
    sh -c 'sleep 0.3 & echo $! >"$1"; exec sleep 10' sh "$tmpdir/zombie" &
    background=$!
    for i in 1 2 3 4 5 6 7 8 9 10; do
      [ -s "$tmpdir/zombie" ] && break
      sleep 0.1
    done
    zombie=$(cat "$tmpdir/zombie")
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
      [ "$(awk '{ print $3 }' "/proc/$zombie/stat" 2>/dev/null)" = Z ] && break
      sleep 0.1
    done
    run_tool 0 status "$zombie"
    expect_in "$out" '^state: +exited'
    if [ -n "$PYTHON" ]; then
      run_tool 0 status --json $$
      check_json "$out" 1 "records[0]['pid'] == $$ and records[0]['running'] and records[0]['state'] == 'running' and not records[0]['child']"
    fi
    run_tool 1 status 999999999
    expect_in "$err" '^gpidfd: .*999999999'
    ;;

  demo)
    start=$(date +%s%N)
    run_tool 0 demo 5
    end=$(date +%s%N)
    expect_lines "$out" 6
    expect_in "$out" '^[0-9]+ \[exit 0\]: exited with status 0; wait status 0; user '
    expect_in "$out" '^[0-9]+ \[exit 3\]: exited with status 3; wait status 768; user '
    expect_in "$out" '^[0-9]+ \[SIGTERM\]: killed by SIGTERM \(signal 15\); wait status 15; user '
    expect_in "$out" '^[0-9]+ \[SIGKILL\]: killed by SIGKILL \(signal 9\); wait status 9; user '
    expect_in "$out" '^[0-9]+ \[burn CPU, exit 0\]: exited with status 0; .*user 0\.(0[5-9]|[1-9])'
    expect_in "$out" '^5 of 5 children ended as expected$'
    elapsed_ms=$(( (end - start) / 1000000 ))
    echo "demo took $elapsed_ms ms"
    [ "$elapsed_ms" -lt 3000 ] || fail "demo took $elapsed_ms ms, expected less than 3 s"
    run_tool 0 demo 12
    expect_in "$out" '^12 of 12 children ended as expected$'
    run_tool 2 demo many
    expect_in "$err" '^gpidfd: .many. is not a number'
    ;;

  demo-json)
    need_python
    run_tool 0 demo --json 5
    check_json "$out" 5 "all(r['child'] and r['has_rusage'] for r in records) and sorted(r['label'] for r in records) == sorted(['exit 0', 'exit 3', 'SIGTERM', 'SIGKILL', 'burn CPU, exit 0'])"
    ;;

  *)
    echo "unknown case $CASE" >&2
    exit 2
    ;;
esac

echo "PASS ($CASE)"
exit 0
