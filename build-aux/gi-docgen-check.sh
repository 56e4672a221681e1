#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gi-docgen-check.sh GI_DOCGEN COMMAND [ARGS...]
#
# Runs "gi-docgen COMMAND ARGS..." (check, or generate) and fails if it
# fails or prints any warning. The exit status of "gi-docgen check" alone
# only covers undocumented symbols and parameters, and "gi-docgen generate"
# exits with 0 after warning about links it cannot resolve.

set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 GI_DOCGEN COMMAND [ARGS...]" >&2
  exit 2
fi

out=$("$@" 2>&1)
status=$?

if [ -n "$out" ]; then
  printf '%s\n' "$out"
fi

if [ "$status" -ne 0 ]; then
  echo "gi-docgen $2 failed with status $status" >&2
  exit 1
fi

warnings=$(printf '%s\n' "$out" | grep -c 'WARNING')
if [ "$warnings" -ne 0 ]; then
  echo "gi-docgen $2 printed $warnings warning(s)" >&2
  exit 1
fi

exit 0
