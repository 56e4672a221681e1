#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# real-kernel.sh: runs the C test programs of a build inside real kernels,
# each booted under qemu, and reports what passes and fails on each.
#
#   build-aux/real-kernel.sh [--build-dir DIR] [--scale PCT]
#                            [--timeout-multiplier N] [--only REGEX]
#                            [--mttcg] KERNEL...
#
# KERNEL is either the path of a vmlinuz, or a Debian 12 kernel series:
#   6.1    the newest linux-image-6.1.0-NN-amd64 that apt offers
#   6.12   the newest linux-image-6.12.*+deb12-amd64 that apt offers
# A series is fetched with 'apt-get download' (never installed) into
# DIR/real-kernel/debs/, and only its boot/vmlinuz-* is unpacked.
#
# The host's own kernel is what 'meson test' covers: this script boots
# virtual machines only.
#
#   --build-dir DIR          the configured and compiled build (default:
#                            _build beside this directory)
#   --scale PCT              GPIDFD_TEST_SCALE in the guest (default: 5);
#                            the robust suites' sizes are a percentage of
#                            their full size
#   --timeout-multiplier N   multiplies each test's meson timeout (default 1)
#   --only REGEX             runs only the tests whose meson name matches
#   --mttcg                  without KVM, runs the two virtual CPUs on two
#                            host threads (truly at once, but on a small
#                            host much slower: see below)
#
# The tests are the ones 'meson introspect --tests' lists whose program is
# an ELF executable of the build directory (the C suites, the robust and
# fuzz-replay suites, the examples; not the Vala binding suites, which
# run interpreters), and those whose
# program is a shell script that runs such an executable (the watch
# example's output check). The Python and GJS suites need an interpreter
# and the typelibs, and are left to 'meson test'.
#
# Each kernel boots a gzipped initramfs holding busybox, the test programs,
# the shared libraries they load, the source files they read, dbus-daemon
# for the D-Bus test, and an /init (busybox init) whose startup script
# mounts what a running system has, runs each program as 'meson test'
# would (its environment, its working directory, its timeout) and powers
# off. The build and source trees are at the same paths in the guest as
# on the host, so that meson's environment and any path compiled into a
# program hold unchanged.
#
# Output, in DIR/real-kernel/:
#   KERNEL-RELEASE.log    the serial console of that kernel's run
#   results.txt           one line per test result, tab-separated:
#                         kernel  binary  test  PASS|FAIL|SKIP
#   initramfs.cpio.gz     the initramfs that was booted
# The last line printed is 'N passed, N failed, N skipped', over the
# individual test results of every kernel. A program that crashed, timed
# out or stopped without accounting for its exit status in TAP counts as
# one failure. The exit status is 0 only when nothing failed.
#
# Without /dev/kvm the guests run under TCG, on one host thread (see
# --mttcg). On a two-core host, at the default scale, 6.1 and 6.12 took
# 7 min 44 s together (200 s and 250 s in the VMs), and 15 min on a host
# loaded by other builds; test-async, whose sizes are fixed, is a third
# to a half of it.

set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=
scale=5
timeout_multiplier=1
only=
mttcg=no
kernels=()
python=/usr/bin/python3
[ -x "$python" ] || python=python3

usage ()
{
  cat <<EOF
Usage: $0 [--build-dir DIR] [--scale PCT] [--timeout-multiplier N]
          [--only REGEX] [--mttcg] KERNEL...
KERNEL: the path of a vmlinuz, or a Debian 12 kernel series (6.1, 6.12).
See the comment at the top of the script for details.
EOF
}

die ()
{
  echo "real-kernel.sh: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=${2:?--build-dir needs a directory}; shift 2 ;;
    --build-dir=*) build_dir=${1#*=}; shift ;;
    --scale) scale=${2:?--scale needs a percentage}; shift 2 ;;
    --scale=*) scale=${1#*=}; shift ;;
    --timeout-multiplier) timeout_multiplier=${2:?--timeout-multiplier needs a number}; shift 2 ;;
    --timeout-multiplier=*) timeout_multiplier=${1#*=}; shift ;;
    --only) only=${2:?--only needs a regular expression}; shift 2 ;;
    --mttcg) mttcg=yes; shift ;;
    --only=*) only=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; kernels+=("$@"); break ;;
    -*) usage >&2; exit 2 ;;
    *) kernels+=("$1"); shift ;;
  esac
done

[ ${#kernels[@]} -gt 0 ] || { usage >&2; exit 2; }
[[ $scale =~ ^[0-9]+$ ]] && [ "$scale" -gt 0 ] || die "--scale wants a positive integer, not '$scale'"
[[ $timeout_multiplier =~ ^[0-9]+$ ]] && [ "$timeout_multiplier" -gt 0 ] \
  || die "--timeout-multiplier wants a positive integer, not '$timeout_multiplier'"

build_dir=$(cd "${build_dir:-$srcdir/_build}" && pwd) || die "no build directory"
[ -f "$build_dir/meson-info/meson-info.json" ] || die "$build_dir is not a meson build directory"

for tool in qemu-system-x86_64 busybox cpio gzip ldd meson; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
busybox_bin=$(command -v busybox)
file_is_static=$(LC_ALL=C ldd "$busybox_bin" 2>&1 || true)
case $file_is_static in
  *"not a dynamic executable"*|*"statically linked"*) ;;
  *) die "$busybox_bin is not static: install busybox-static" ;;
esac

work=$build_dir/real-kernel
mkdir -p "$work"
results=$work/results.txt

# ---- The tests ------------------------------------------------------------

# meson's environment values are made from the environment of the process
# that asks: without these, a host LD_LIBRARY_PATH would leak into the guest.
env -u LD_LIBRARY_PATH -u GI_TYPELIB_PATH \
  meson introspect --tests "$build_dir" > "$work/tests.json"

# Writes the guest's test list (shell) and the list of host files the
# guest needs (one path a line: the programs, then the source files).
"$python" - "$work/tests.json" "$build_dir" "$srcdir" "$timeout_multiplier" "$only" \
  "$work/guest-tests.sh" "$work/guest-files.txt" "$work/guest-tests.txt" <<'EOF'
import json, os, re, shlex, sys

tests_json, build_dir, srcdir, mult, only, out_sh, out_files, out_names = sys.argv[1:]
mult = int(mult)

def is_elf(path):
    try:
        with open(path, 'rb') as f:
            return f.read(4) == b'\x7fELF'
    except OSError:
        return False

def is_sh_script(path):
    try:
        with open(path, 'rb') as f:
            first = f.readline()
    except OSError:
        return False
    return re.match(rb'#!\s*/(usr/)?bin/(env\s+)?(ba|da)?sh\b', first) is not None

build_dir = os.path.realpath(build_dir)
srcdir = os.path.realpath(srcdir)

def inside(path, top):
    return os.path.commonpath([os.path.realpath(path), top]) == top

def resolve(arg, cwd):
    return arg if os.path.isabs(arg) else os.path.join(cwd, arg)

with open(tests_json) as f:
    tests = json.load(f)

programs, sources, lines, names = [], [], [], []
for t in tests:
    if only and not re.search(only, t['name']):
        continue
    # The Vala suites are compiled, but they are binding checks that run
    # interpreters (python3) and assume the host; meson test runs them.
    if 'vala' in t.get('suite', []) or any(s.endswith(':vala') for s in t.get('suite', [])):
        continue
    cmd = t['cmd']
    cwd = t.get('workdir') or build_dir
    exe = resolve(cmd[0], cwd)
    if is_elf(exe) and inside(exe, build_dir):
        programs.append(exe)
    elif (is_sh_script(exe) and len(cmd) > 1
          and is_elf(resolve(cmd[1], cwd)) and inside(resolve(cmd[1], cwd), build_dir)):
        # A shell wrapper around a program of the build (check-watch-output.sh).
        programs.append(resolve(cmd[1], cwd))
        sources.append(exe)
    else:
        continue
    # What else of the trees the test names: G_TEST_SRCDIR (the fuzz
    # corpus is under it), files given as arguments.
    env = t.get('env') or {}
    for value in env.values():
        for part in value.split(':'):
            if os.path.isdir(part) and inside(part, srcdir) and not inside(part, build_dir):
                sources.append(part)
    for arg in cmd[1:]:
        path = resolve(arg, cwd)
        if os.path.exists(path) and inside(path, srcdir) and path not in programs:
            sources.append(path)
    protocol = t.get('protocol', 'exitcode')
    # meson: a timeout of 0 or less is none.
    timeout = int(t.get('timeout') or 0)
    timeout = (timeout if timeout > 0 else 3600) * mult
    name = re.sub(r'\s', '_', t['name'])
    words = ['rk_run', name, protocol, str(timeout), cwd, 'env']
    words += ['%s=%s' % kv for kv in sorted(env.items())]
    words += cmd
    lines.append(' '.join(shlex.quote(w) for w in words))
    names.append('%s\t%s\t%d' % (name, protocol, timeout))

if not lines:
    sys.exit('real-kernel.sh: no test to run')

with open(out_sh, 'w') as f:
    f.write('\n'.join(lines) + '\n')
with open(out_files, 'w') as f:
    seen = set()
    for p in programs + sources:
        if p not in seen:
            seen.add(p)
            f.write(p + '\n')
with open(out_names, 'w') as f:
    f.write('\n'.join(names) + '\n')
EOF

n_tests=$(wc -l < "$work/guest-tests.txt")
echo "real-kernel: $n_tests test programs from $build_dir"

# ---- The initramfs --------------------------------------------------------

root=$work/root
rm -rf "$root"
mkdir -p "$root"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc/rk,proc,sys,dev,tmp,run,root,var/lib/dbus}
# The merged /usr of Debian 12: the paths ldd prints go through these.
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"

# busybox links its applets to its own path: the guest has it there too.
busybox_real=$(readlink -f "$busybox_bin")
mkdir -p "$root$(dirname "$busybox_real")"
cp "$busybox_real" "$root$busybox_real"
"$busybox_real" --install -s "$root/usr/bin"
ln -s "$busybox_real" "$root/init"

# Copies host files to the same path in the guest.
copy_in ()
{
  local path
  for path in "$@"; do
    mkdir -p "$root$(dirname "$path")"
    cp -a "$path" "$root$(dirname "$path")/"
  done
}

mapfile -t guest_files < "$work/guest-files.txt"
elves=()
for path in "${guest_files[@]}"; do
  copy_in "$path"
  if [ -f "$path" ] && [ "$(head -c 4 "$path" | od -An -c | tr -d ' ')" = '177ELF' ]; then
    elves+=("$path")
  fi
done

# dbus-daemon: test-features runs one ('dbus-daemon --session') from PATH.
dbus_daemon=$(command -v dbus-daemon || true)
if [ -n "$dbus_daemon" ] && grep -rqs 'dbus-daemon' "$srcdir/tests"/*.c; then
  mkdir -p "$root/usr/bin"
  cp "$(readlink -f "$dbus_daemon")" "$root/usr/bin/dbus-daemon"
  elves+=("$dbus_daemon")
  for path in /usr/share/dbus-1/session.conf /usr/share/dbus-1/session.d \
              /etc/dbus-1/session.conf /etc/dbus-1/session.d; do
    [ -e "$path" ] && copy_in "$path"
  done
else
  echo "real-kernel: no dbus-daemon on the host: the D-Bus bus test will skip"
fi

# The shared libraries: the closure ldd reports, the dynamic loader among
# them. libgcc_s is also loaded by glibc on demand, to unwind a thread
# that exits with pthread_exit() or is cancelled.
lib_path=$build_dir/gpidfd
LD_LIBRARY_PATH=$lib_path ldd "${elves[@]}" > "$work/ldd.txt" 2>&1 || true
if grep -q 'not found' "$work/ldd.txt"; then
  die "a library is not found: $(grep 'not found' "$work/ldd.txt" | head -1)"
fi
declare -A libs=()
while read -r lib; do
  libs[$lib]=1
done < <(sed -n -e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' \
                -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p' "$work/ldd.txt")
libgcc=$(ldconfig -p 2>/dev/null | sed -n 's/^.*libgcc_s\.so\.1 (libc6,x86-64) => //p' | head -1)
[ -n "$libgcc" ] && libs[$libgcc]=1
cp -L --parents "${!libs[@]}" "$root/"

# The C.UTF-8 locale (glibc 2.36 does not carry it built in).
[ -d /usr/lib/locale/C.utf8 ] && copy_in /usr/lib/locale/C.utf8

cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
cat > "$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files
EOF
cat > "$root/etc/hosts" <<'EOF'
127.0.0.1 localhost
::1 localhost
EOF
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$root/etc/machine-id"
echo >> "$root/etc/machine-id"
ln -s /etc/machine-id "$root/var/lib/dbus/machine-id"

# busybox init: the startup script, then power off whatever it did.
cat > "$root/etc/inittab" <<'EOF'
::sysinit:/etc/rk/rc
::sysinit:/bin/poweroff -f
EOF

malloc_perturb=$(( (RANDOM % 255) + 1 ))
{
  cat <<'EOF'
#!/bin/sh
# The guest's startup script, written by build-aux/real-kernel.sh.

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=620,ptmxmode=000 devpts /dev/pts
[ -c /dev/ptmx ] || ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs /run
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate cgroup2 /sys/fs/cgroup
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /run/user/0 /run/rk
chmod 700 /run/user/0
hostname gpidfd-guest
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

# What a systemd system gives its services.
ulimit -H -n 524288
ulimit -S -n 1024

cd /
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root USER=root LOGNAME=root SHELL=/bin/sh
export LANG=C.UTF-8
export XDG_RUNTIME_DIR=/run/user/0
export MESON_TEST_ITERATION=1
unset TERM BOOT_IMAGE
EOF
  echo "export GPIDFD_TEST_SCALE=$scale"
  echo "export MALLOC_PERTURB_=$malloc_perturb"
  cat <<'EOF'

uptime_s ()
{
  read -r up _ < /proc/uptime
  echo "$up"
}

# rk_run NAME PROTOCOL TIMEOUT WORKDIR COMMAND...
rk_run ()
{
  name=$1 protocol=$2 limit=$3 dir=$4
  shift 4
  if [ "$protocol" = tap ]; then
    echo "@@RK-LIST@@ $name"
    (cd "$dir" && timeout -k 5 60 "$@" -l) < /dev/null 2>&1 | grep '^/'
  fi
  echo "@@RK-BEGIN@@ $name"
  start=$(uptime_s)
  (cd "$dir" && exec timeout -k 10 "$limit" "$@") < /dev/null > /run/rk/out 2>&1
  rc=$?
  end=$(uptime_s)
  # What the program left behind: its forks, a dbus-daemon.
  kill -KILL -1 2>/dev/null
  cat /run/rk/out
  echo "@@RK-END@@ $name rc=$rc seconds=$(awk "BEGIN { print $end - $start }") limit=$limit"
}

echo
echo "@@RK-KERNEL@@ $(uname -r)"
echo "@@RK-ENV@@ cpus=$(nproc) mem=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)kB scale=$GPIDFD_TEST_SCALE" \
  "nofile=$(ulimit -S -n):$(ulimit -H -n) pid_max=$(cat /proc/sys/kernel/pid_max)" \
  "$(awk '/^Sig(Blk|Ign):/ { printf "%s%s ", $1, $2 }' /proc/self/status)"
EOF
  cat "$work/guest-tests.sh"
  cat <<'EOF'
# What the kernel said while the tests ran (traps, OOM, warnings).
echo "@@RK-DMESG@@"
dmesg | sed '1,/Run \/init as init process/d'
echo "@@RK-DONE@@"
sync
poweroff -f
EOF
} > "$root/etc/rk/rc"
chmod 755 "$root/etc/rk/rc"

# /dev/console must be in the archive: the kernel opens it for init before
# anything is mounted. A tiny archive made here holds it, so that making
# the initramfs needs no mknod.
"$python" - "$work/console.cpio" <<'EOF'
import sys

def entry(name, mode, rdev=(0, 0), data=b''):
    name = name.encode() + b'\0'
    fields = [0, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name), 0]
    head = b'070701' + b''.join(b'%08X' % v for v in fields)
    out = head + name
    out += b'\0' * (-len(out) % 4)
    out += data + b'\0' * (-len(data) % 4)
    return out

archive = entry('dev', 0o040755) + entry('dev/console', 0o020600, (5, 1))
archive += entry('TRAILER!!!', 0)
archive += b'\0' * (-len(archive) % 512)
with open(sys.argv[1], 'wb') as f:
    f.write(archive)
EOF

initrd=$work/initramfs.cpio.gz
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) > "$work/root.cpio"
cat "$work/console.cpio" "$work/root.cpio" | gzip -1 > "$initrd"
rm -f "$work/console.cpio" "$work/root.cpio"
echo "real-kernel: initramfs $(du -h "$initrd" | cut -f1) ($initrd)"

# ---- The kernels ----------------------------------------------------------

# Prints the release of a bzImage (from its setup header).
kernel_release ()
{
  "$python" - "$1" <<'EOF'
import struct, sys
with open(sys.argv[1], 'rb') as f:
    data = f.read(65536)
if data[0x202:0x206] != b'HdrS':
    sys.exit('not a bzImage: ' + sys.argv[1])
offset = struct.unpack_from('<H', data, 0x20e)[0] + 0x200
print(data[offset:data.index(b'\0', offset)].decode().split()[0])
EOF
}

# Prints the path of the vmlinuz for KERNEL (a path, or a Debian series).
fetch_kernel ()
{
  local spec=$1 pattern pkg='' version='' deb dir names
  if [ -f "$spec" ]; then
    echo "$spec"
    return
  fi
  case $spec in
    6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
    [0-9]*.[0-9]*)
      pattern="^linux-image-${spec//./\\.}\\.[0-9]+\\+deb12-amd64\$" ;;
    *) die "$spec: neither a file nor a kernel series such as 6.1 or 6.12" ;;
  esac
  # The newest name that has a candidate version to download.
  mapfile -t names < <(apt-cache search --names-only '^linux-image-' | cut -d' ' -f1 \
                         | grep -E "$pattern" || true)
  [ ${#names[@]} -gt 0 ] || die "$spec: apt knows no package matching $pattern (apt-get update?)"
  read -r pkg version < <(apt-cache policy "${names[@]}" \
    | awk '/^[^ ].*:$/ { name = substr ($0, 1, length ($0) - 1) }
           /^ *Candidate: / && $2 != "(none)" { print name, $2 }' \
    | sort -V | tail -1) || true
  [ -n "${pkg:-}" ] || die "$spec: apt offers no package matching $pattern (apt-get update?)"
  mkdir -p "$work/debs" "$work/kernels"
  deb=$work/debs/${pkg}_${version//:/%3a}_amd64.deb
  if [ ! -f "$deb" ]; then
    echo "real-kernel: fetching $pkg $version" >&2
    (cd "$work/debs" && apt-get download -q "$pkg=$version" >&2) || die "$pkg: apt-get download failed"
    [ -f "$deb" ] || die "$pkg: apt-get download made no $deb"
  fi
  dir=$work/kernels/$(basename "$deb" .deb)
  if ! ls "$dir"/boot/vmlinuz-* > /dev/null 2>&1; then
    rm -rf "$dir"
    mkdir -p "$dir"
    # Only boot/ of the package: the kernels boot without their modules.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards './boot/vmlinuz-*'
  fi
  ls "$dir"/boot/vmlinuz-* | head -1
}

if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
  accel=(-enable-kvm -cpu host)
  accel_name=kvm
elif [ "$mttcg" = yes ]; then
  accel=(-accel 'tcg,thread=multi' -cpu max)
  accel_name=mttcg
else
  # One host thread runs both virtual CPUs in turn: on a two-core host the
  # multi-threaded TCG spends its time on cross-CPU TLB flushes, and the
  # fork-heavy suites run five times slower (test-async: 226 s against
  # 40 s). The guest still has two CPUs; they only never run at once.
  accel=(-accel 'tcg,thread=single' -cpu max)
  accel_name=tcg
fi

# boot_vm VMLINUZ LOG QEMU-LOG: boots the initramfs, the serial console to
# LOG, and prints the end markers as they come; sets vm_rc.
boot_vm ()
{
  local qemu_pid tail_pid

  rm -f "$2"
  set +e
  timeout -k 10 "$vm_limit" qemu-system-x86_64 \
    -nographic -monitor none -serial "file:$2" -no-reboot \
    -m 2048 -smp 2 "${accel[@]}" \
    -kernel "$1" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 loglevel=4 rdinit=/init mitigations=off" \
    < /dev/null > "$3" 2>&1 &
  qemu_pid=$!
  sleep 1
  tail -n +1 -F --pid="$qemu_pid" "$2" 2>/dev/null \
    | sed -u -n 's/\r$//; s/^@@RK-END@@ \([^ ]*\) rc=\([0-9]*\) seconds=\([0-9.]*\).*/  \1: exit \2 after \3 s/p' &
  tail_pid=$!
  wait "$qemu_pid"
  vm_rc=$?
  wait "$tail_pid" 2>/dev/null
  set -e
}

# The VM's own limit: every program at its timeout, and time to boot.
vm_limit=$(awk -F'\t' '{ s += $3 + 20 } END { print s + 300 }' "$work/guest-tests.txt")

: > "$results"
summary=()
failed_any=0
total_pass=0 total_fail=0 total_skip=0

for spec in "${kernels[@]}"; do
  vmlinuz=$(fetch_kernel "$spec")
  release=$(kernel_release "$vmlinuz")
  log=$work/$release.log
  echo "real-kernel: booting $release ($accel_name, scale $scale%, limit ${vm_limit}s): $log"
  started=$(date +%s)
  # Under TCG a boot now and then dies in the kernel's early setup, before
  # any of this script's guest code ran: such a boot is tried again.
  for attempt in 1 2 3; do
    boot_vm "$vmlinuz" "$log" "$work/$release.qemu.log"
    grep -aq '@@RK-KERNEL@@' "$log" && break
    echo "real-kernel: $release did not reach the test script (boot $attempt): $log.boot$attempt"
    cp "$log" "$log.boot$attempt"
  done
  elapsed=$(( $(date +%s) - started ))
  if [ "$vm_rc" -eq 124 ]; then
    echo "real-kernel: the VM of $release timed out after ${vm_limit}s"
  elif [ "$vm_rc" -ne 0 ]; then
    echo "real-kernel: qemu exited with status $vm_rc: $(tail -1 "$work/$release.qemu.log")"
  fi
  echo "real-kernel: $release took ${elapsed}s"

  # The report for this kernel; its last line is "P F S" for the totals.
  counts=$("$python" - "$log" "$release" "$work/guest-tests.txt" "$results" "$elapsed" <<'EOF'
import re, sys

log_path, kernel, tests_path, results_path, elapsed = sys.argv[1:]

with open(log_path, 'rb') as f:
    lines = [l.decode('utf-8', 'replace').rstrip('\r\n').rstrip('\r')
             for l in f.read().split(b'\n')]

expected = []
with open(tests_path) as f:
    for l in f:
        if l.strip():
            name, protocol, limit = l.rstrip('\n').split('\t')
            expected.append((name, protocol, int(limit)))

# Split the log by markers.
runs = {}
lists = {}
current = None
in_list = None
guest_release = None
for l in lines:
    # (The firmware's escape sequences may come before the first one.)
    m = re.search(r'@@RK-(\w+)@@ ?(.*)$', l)
    if m:
        kind, rest = m.groups()
        in_list = None
        if kind == 'LIST':
            in_list = rest
            lists[rest] = []
        elif kind == 'BEGIN':
            current = rest
            runs[current] = {'out': [], 'rc': None, 'seconds': None}
        elif kind == 'END':
            mm = re.match(r'^(\S+) rc=(\d+) seconds=([\d.]+)', rest)
            if mm and mm.group(1) in runs:
                runs[mm.group(1)]['rc'] = int(mm.group(2))
                runs[mm.group(1)]['seconds'] = float(mm.group(3))
            current = None
        elif kind == 'KERNEL':
            guest_release = rest
        else:
            current = None
        continue
    if in_list is not None:
        if l.startswith('/'):
            lists[in_list].append(l.strip())
    elif current is not None:
        runs[current]['out'].append(l)

SIGNALS = {1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP',
           6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV',
           13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM'}

NOISE = re.compile(r'^# (Start of|End of) |^# random seed|^# \S+ summary: |^\*\*$|^Aborted$')

def key_lines(block):
    """The lines of a failure worth quoting: GLib's messages, at most 3."""
    keys = []
    lines = [re.sub(r'^(# |Bail out! )', '', l.strip()) for l in block
             if l.strip() and not NOISE.search(l.strip())]
    for l in lines:
        if re.search(r'ERROR|CRITICAL|WARNING|assert|failed|[Tt]imed out|No such file|'
                     r'not found|[Cc]annot|[Ee]rror', l) and l not in keys:
            keys.append(l)
    return (keys or lines)[-3:]

TAP = re.compile(r'^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(SKIP|TODO)\b\s*(.*))?$', re.I)

results = []   # (binary, test, result, detail)
report = []
tot = [0, 0, 0]
for name, protocol, limit in expected:
    run = runs.get(name)
    if run is None:
        results.append((name, name, 'FAIL', 'did not run: the VM stopped before it'))
        continue
    rc, secs, out = run['rc'], run['seconds'], run['out']
    problems = []
    timed_out = secs is not None and secs >= limit - 1
    if rc is None:
        problems.append('no end marker: the VM stopped while it ran')
    elif timed_out:
        problems.append('timed out after %d s (exit status %d)' % (limit, rc))
    elif rc > 128:
        problems.append('killed by signal %d (%s)' % (rc - 128, SIGNALS.get(rc - 128, '?')))
    if protocol != 'tap':
        if rc == 0 and not problems:
            results.append((name, name, 'PASS', ''))
        elif rc == 77 and not problems:
            results.append((name, name, 'SKIP', 'exit status 77'))
        else:
            if not problems:
                problems.append('exit status %d' % rc)
            results.append((name, name, 'FAIL', '; '.join(problems) + ' | ' + ' / '.join(key_lines(out))))
        continue
    plan = None
    n = 0
    block = []
    n_fail = 0
    for l in out:
        s = l.strip()
        m = re.match(r'^1\.\.(\d+)', s)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = TAP.match(s)
        if m:
            status, num, tname, directive, reason = m.groups()
            n += 1
            # GLib's "not ok 3 /path - message" (g_test_fail_printf).
            tname, _, message = tname.strip().partition(' - ')
            tname = tname or ('test %s' % (num or n))
            if directive and directive.upper() == 'SKIP':
                results.append((name, tname, 'SKIP', reason.strip()))
            elif directive and directive.upper() == 'TODO':
                results.append((name, tname, 'SKIP', 'TODO ' + reason.strip()))
            elif status == 'ok':
                results.append((name, tname, 'PASS', ''))
            else:
                n_fail += 1
                keys = key_lines(block)
                if message and message not in keys:
                    keys.insert(0, message)
                results.append((name, tname, 'FAIL', ' / '.join(keys)))
            block = []
        else:
            block.append(l)
    listed = lists.get(name, [])
    # A program that stopped short: the test it was running is the next
    # one in its list (GLib numbers the tests in that order).
    short = plan is None or n < plan
    if short or (rc not in (None, 0) and n_fail == 0) or timed_out or rc is None:
        why = list(problems)
        if plan is None:
            why.append('no TAP plan')
        elif n < plan:
            why.append('%d of %d results' % (n, plan))
        if not why:
            why.append('exit status %d' % rc)
        if short and n < len(listed):
            tname = listed[n]
        else:
            tname = '(%s)' % name
        detail = '; '.join(why)
        keys = key_lines(block)
        if keys:
            detail += ' | ' + ' / '.join(keys)
        results.append((name, tname, 'FAIL', detail))

with open(results_path, 'a') as f:
    for binary, tname, result, detail in results:
        f.write('%s\t%s\t%s\t%s\n' % (kernel, binary, re.sub(r'\s+', '_', tname), result))

print('kernel %s%s: %s s' % (kernel,
                             '' if guest_release in (None, kernel) else ' (guest says %s)' % guest_release,
                             elapsed))
for name, protocol, limit in expected:
    mine = [r for r in results if r[0] == name]
    p = sum(1 for r in mine if r[2] == 'PASS')
    fl = sum(1 for r in mine if r[2] == 'FAIL')
    sk = sum(1 for r in mine if r[2] == 'SKIP')
    tot[0] += p; tot[1] += fl; tot[2] += sk
    secs = runs.get(name, {}).get('seconds')
    print('kernel %s  %-34s %3d passed %3d failed %3d skipped%s'
          % (kernel, name, p, fl, sk, '' if secs is None else '  (%.1f s)' % secs))
    for r in mine:
        if r[2] == 'FAIL':
            print('    FAIL %s' % r[1])
            if r[3]:
                print('         %s' % r[3])
    for r in mine:
        if r[2] == 'SKIP':
            print('    skip %s: %s' % (r[1], r[3]))
print('%d %d %d' % tuple(tot))
EOF
)
  echo "${counts%$'\n'*}"
  read -r p f s <<< "${counts##*$'\n'}"
  total_pass=$(( total_pass + p ))
  total_fail=$(( total_fail + f ))
  total_skip=$(( total_skip + s ))
  [ "$f" -eq 0 ] || failed_any=1
  summary+=("kernel $release: $p passed, $f failed, $s skipped (${elapsed}s, scale $scale%, $accel_name)")
done

echo
for line in "${summary[@]}"; do
  echo "$line"
done
echo "results: $results"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$failed_any" -eq 0 ]
