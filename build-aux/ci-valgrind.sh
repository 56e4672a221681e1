#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# memcheck over the C tests through the 'valgrind' test setup
# (tests/robust/meson.build): zero errors, nothing definitely or indirectly
# lost.
#
# gpidfd needs a valgrind that knows pidfd_open() (syscall 434): 3.24 or
# later. Debian 12's valgrind 3.19 answers ENOSYS to it, which makes every
# test see a pre-5.3 kernel. So this script fetches Debian 13's valgrind
# with apt-get (a private source list, lists and cache; nothing is
# installed system-wide), unpacks it under the build directory and runs
# it from there. Without a network it falls back to the system valgrind
# when that is 3.24 or later, and otherwise reports the run as skipped
# (exit status 77).
#
# valgrind 3.24 does not know pidfd_send_signal() (424) either: gpidfd
# falls back to kill() for its own unreaped children, and the tests that
# signal other processes through a pidfd skip themselves under valgrind
# (GPIDFD_UNDER_VALGRIND, set by the setup).
#
# usage: build-aux/ci-valgrind.sh [BUILDDIR]   (default _build-valgrind)
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-"$srcdir/_build-valgrind"}
case $builddir in /*) ;; *) builddir=$PWD/$builddir ;; esac
vgdir=$builddir/valgrind-3.24
vgroot=$vgdir/root

mkdir -p "$builddir"

# $1: a valgrind; succeeds when it runs and is 3.24 or later.
vg_recent () {
  v=$("$1" --version 2>/dev/null) || return 1
  v=${v#valgrind-}
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  case $major$minor in *[!0-9]*|'') return 1 ;; esac
  [ "$major" -gt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -ge 24 ]; }
}

fetch_valgrind () {
  apt_dir=$vgdir/apt
  rm -rf "$apt_dir" "$vgroot"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
           "$apt_dir/deb"
  cat > "$apt_dir/trixie.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  set -- -q \
    -o Dir::Etc::sourcelist="$apt_dir/trixie.sources" \
    -o Dir::Etc::sourceparts=/dev/null \
    -o Dir::State::Lists="$apt_dir/lists" \
    -o Dir::Cache="$apt_dir/cache" \
    -o APT::Sandbox::User=root
  apt-get "$@" update >"$apt_dir/update.log" 2>&1 || return 1
  (cd "$apt_dir/deb" && apt-get "$@" download valgrind) \
    >"$apt_dir/download.log" 2>&1 || return 1
  mkdir -p "$vgroot"
  dpkg -x "$apt_dir"/deb/valgrind_*.deb "$vgroot" || return 1
  # Keep the .deb (for the record) but not the package lists.
  rm -rf "$apt_dir/lists" "$apt_dir/cache"
}

VALGRIND_LIB=$vgroot/usr/libexec/valgrind
export VALGRIND_LIB
if vg_recent "$vgroot/usr/bin/valgrind"; then
  echo "using $("$vgroot/usr/bin/valgrind" --version) from $vgroot"
elif echo "fetching Debian 13's valgrind into $vgdir" &&
     fetch_valgrind && vg_recent "$vgroot/usr/bin/valgrind"; then
  echo "using $("$vgroot/usr/bin/valgrind" --version) from $vgroot"
else
  unset VALGRIND_LIB
  echo "could not fetch Debian 13's valgrind (see $vgdir/apt/*.log)" >&2
  if command -v valgrind >/dev/null && vg_recent valgrind; then
    echo "using the system's $(valgrind --version)"
  else
    echo "valgrind 3.24 or later is needed (pidfd_open); the system has" \
         "$(valgrind --version 2>/dev/null || echo none): skipped" >&2
    echo "0 passed, 0 failed (skipped)"
    exit 77
  fi
fi
if [ -n "${VALGRIND_LIB:-}" ]; then
  PATH=$vgroot/usr/bin:$PATH
  export PATH
fi

if [ ! -f "$builddir/build.ninja" ]; then
  meson setup "$builddir" "$srcdir" -Dbuildtype=debug \
    -Dintrospection=disabled -Dvapi=disabled -Ddocumentation=false \
    -Dexamples=false
fi
ninja -C "$builddir"

# The setup's own multiplier (10) is the one meant; the tests run one at a
# time, as each checks the process-wide descriptor count.
status=0
rm -f "$builddir/meson-logs/testlog-valgrind.json"
meson test -C "$builddir" --setup valgrind --suite c --suite robust \
  --print-errorlogs || status=$?

"$srcdir/build-aux/count-tests.py" "$builddir/meson-logs/testlog-valgrind.json" || true
exit $status
