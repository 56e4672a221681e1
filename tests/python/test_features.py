# SPDX-License-Identifier: LGPL-2.1-or-later
"""The kernel features of GPidFd through PyGObject, with real processes:
query_info, identity and handles, GSubprocess, socket and D-Bus peers,
thread pidfds, signal scopes, remote descriptors, wait_exit, wait_check
and force_exit.

Run by meson test with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing into
the build tree. Prints TAP. A missing typelib is a failure, not a skip.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import unittest

import gpidfd_tap
from gpidfd_test_utils import iterate_until

import gi

try:
    gi.require_version('GPidFd', '1')
    from gi.repository import GPidFd
except (ImportError, ValueError) as e:
    print('Bail out! cannot load the GPidFd-1 typelib (GI_TYPELIB_PATH=%s): %s'
          % (os.environ.get('GI_TYPELIB_PATH', ''), e))
    sys.exit(1)

from gi.repository import GLib, Gio  # noqa: E402


def spawn(*argv, **kwargs):
    """A child of this process that nobody else reaps."""
    return subprocess.Popen(list(argv), **kwargs)


def spawn_raw(*argv):
    """A child that only its GPidFd reaps (no Popen object to poll it)."""
    return os.posix_spawnp(argv[0], list(argv), os.environ)


class FeatureTestCase(unittest.TestCase):

    def setUp(self):
        self.procs = []

    def tearDown(self):
        # Leave no process behind, whatever the test did.
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            try:
                proc.wait()
            except ChildProcessError:
                pass

    def sleeper(self, *extra):
        proc = spawn('sleep', '30', *extra)
        self.procs.append(proc)
        return proc

    def assertIOError(self, cm, code):
        err = cm.exception
        self.assertIsInstance(err, GLib.Error)
        self.assertTrue(err.matches(Gio.io_error_quark(), code),
                        '%s:%d (%s) is not %s' % (err.domain, err.code,
                                                  err.message, code))


class TestQueryInfo(FeatureTestCase):

    def test_child(self):
        proc = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(proc.pid)
        # Until the child has exec'd sleep, its name may still be python's.
        for _ in range(1000):
            info = pidfd.query_info()
            if (info.get_name() == 'sleep' and
                    info.get_state() == GPidFd.PidFdProcessState.SLEEPING):
                break
            GLib.usleep(1000)
        self.assertIsInstance(info, GPidFd.PidFdProcessInfo)
        self.assertEqual(info.get_pid(), proc.pid)
        self.assertEqual(info.props.pid, proc.pid)
        self.assertEqual(info.get_tgid(), proc.pid)
        self.assertEqual(info.props.tgid, proc.pid)
        self.assertEqual(info.get_ppid(), os.getpid())
        self.assertEqual(info.props.ppid, os.getpid())
        self.assertTrue(info.has_credentials())
        ruid, euid, suid = os.getresuid()
        rgid, egid, sgid = os.getresgid()
        self.assertEqual(info.get_ruid(), ruid)
        self.assertEqual(info.props.ruid, ruid)
        self.assertEqual(info.props.euid, euid)
        self.assertEqual(info.props.suid, suid)
        self.assertEqual(info.props.fsuid, euid)
        self.assertEqual(info.props.rgid, rgid)
        self.assertEqual(info.props.egid, egid)
        self.assertEqual(info.props.sgid, sgid)
        self.assertEqual(info.props.fsgid, egid)
        # 0 (unknown) before Linux 6.13.
        self.assertEqual(info.get_cgroup_id(), info.props.cgroup_id)
        self.assertEqual(info.get_name(), 'sleep')
        self.assertEqual(info.props.name, 'sleep')
        self.assertEqual(info.get_state(), GPidFd.PidFdProcessState.SLEEPING)
        self.assertEqual(info.props.state, GPidFd.PidFdProcessState.SLEEPING)
        self.assertFalse(info.get_is_kernel_thread())
        self.assertFalse(info.props.is_kernel_thread)

        self.assertTrue(pidfd.force_exit())
        record = pidfd.wait(None)
        self.assertEqual(record.get_term_sig(), signal.SIGKILL)
        with self.assertRaises(GLib.Error) as cm:
            pidfd.query_info()
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)
        self.assertIn('reaped', cm.exception.message)
        self.assertIn(str(proc.pid), cm.exception.message)


class TestIdentity(FeatureTestCase):

    def test_equal_hash_string(self):
        proc = self.sleeper()
        other = self.sleeper()
        a = GPidFd.PidFd.new_from_pid(proc.pid)
        fd = os.pidfd_open(proc.pid)
        b = GPidFd.PidFd.new_from_fd(fd)
        os.close(fd)
        c = GPidFd.PidFd.new_from_pid(other.pid)

        self.assertNotEqual(a.get_id(), 0)
        self.assertEqual(a.get_id(), os.fstat(a.get_fd()).st_ino)
        self.assertEqual(a.get_id(), b.get_id())
        self.assertTrue(a.equal(b))
        self.assertTrue(GPidFd.PidFd.equal(b, a))
        self.assertEqual(a.hash(), b.hash())
        self.assertFalse(a.equal(c))

        text = a.to_string()
        self.assertEqual(text, '%d:%d' % (proc.pid, a.get_id()))
        again = GPidFd.PidFd.new_for_string(text)
        self.assertTrue(again.equal(a))
        self.assertEqual(again.get_pid(), proc.pid)

        self.assertTrue(a.force_exit())
        a.wait(None)
        self.procs.remove(proc)
        with self.assertRaises(GLib.Error) as cm:
            GPidFd.PidFd.new_for_string(text)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)

        for garbage in ['', 'abc', '1', '1:', ':1', '-1:5', '0:5', '1:2:3',
                        '1:x', ' 1:2', '1:18446744073709551616']:
            with self.assertRaises(GLib.Error) as cm:
                GPidFd.PidFd.new_for_string(garbage)
            self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)


class TestPeers(FeatureTestCase):

    def test_subprocess(self):
        for code in range(20):
            sub = Gio.Subprocess.new(['sh', '-c', 'exit %d' % code],
                                     Gio.SubprocessFlags.NONE)
            try:
                pidfd = GPidFd.PidFd.new_from_subprocess(sub)
            except GLib.Error as e:
                # Already reaped by the Gio.Subprocess, which has the status.
                self.assertTrue(e.matches(Gio.io_error_quark(),
                                          Gio.IOErrorEnum.NOT_FOUND))
                pidfd = None
            if pidfd is not None:
                self.assertTrue(pidfd.get_flags() &
                                GPidFd.PidFdFlags.NO_REAP)
                record = pidfd.wait(None)
                if record.has_status():
                    self.assertEqual(record.get_exit_status(), code)
            sub.wait(None)
            self.assertEqual(sub.get_exit_status(), code)

    def test_socket_peer(self):
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind('\0gpidfd-test-%d' % os.getpid())
        listener.listen(1)
        # A child that connects and stays until its stdin closes.
        proc = spawn(sys.executable, '-c',
                     'import socket, sys\n'
                     's = socket.socket(socket.AF_UNIX)\n'
                     's.connect("\\0gpidfd-test-%d")\n'
                     'sys.stdin.read()\n' % os.getpid(),
                     stdin=subprocess.PIPE)
        self.procs.append(proc)
        conn, _ = listener.accept()
        listener.close()
        gsocket = Gio.Socket.new_from_fd(conn.detach())
        peer = GPidFd.PidFd.new_from_socket_peer(gsocket)
        self.assertEqual(peer.get_pid(), proc.pid)
        self.assertTrue(peer.equal(GPidFd.PidFd.new_from_pid(proc.pid)))
        proc.stdin.close()
        record = peer.wait(None)
        self.assertEqual(record.get_exit_status(), 0)
        self.procs.remove(proc)
        gsocket.close()

    @unittest.skipIf(shutil.which('dbus-daemon') is None,
                     'dbus-daemon is not installed')
    def test_dbus_sender(self):
        daemon = spawn('dbus-daemon', '--session', '--print-address',
                       '--nofork', stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
        self.procs.append(daemon)
        address = daemon.stdout.readline().decode().strip()
        flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
                 Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
        bus = Gio.DBusConnection.new_for_address_sync(address, flags,
                                                      None, None)

        def resolve(sender):
            results = []
            GPidFd.PidFd.new_for_dbus_sender_async(
                bus, sender, None,
                lambda source, res: results.append(res))
            iterate_until(None, lambda: results, 'new_for_dbus_sender_async')
            return GPidFd.PidFd.new_for_dbus_sender_finish(results[0])

        me = resolve(bus.get_unique_name())
        self.assertEqual(me.get_pid(), os.getpid())

        # Another program on the bus, leaving with status 4.
        peer = spawn(sys.executable, '-c',
                     'import sys\n'
                     'from gi.repository import Gio\n'
                     'f = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |\n'
                     '     Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)\n'
                     'c = Gio.DBusConnection.new_for_address_sync(\n'
                     '    sys.argv[1], f, None, None)\n'
                     'print(c.get_unique_name(), flush=True)\n'
                     'sys.stdin.read()\n'
                     'sys.exit(4)\n', address,
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.procs.append(peer)
        name = peer.stdout.readline().decode().strip()
        pidfd = resolve(name)
        self.assertEqual(pidfd.get_pid(), peer.pid)
        peer.stdin.close()
        # Popen reaps it (it is its child), so the record is read without
        # reaping: the pidfd is not the one to take its status.
        self.assertTrue(pidfd.wait_exit(None))
        self.assertEqual(peer.wait(), 4)
        self.procs.remove(peer)
        peer.stdout.close()

        # Gone from the bus: NOT_FOUND.
        gone = []
        for _ in range(100):
            try:
                resolve(name)
            except GLib.Error as e:
                gone.append(e)
                break
            GLib.usleep(20000)
        self.assertTrue(gone)
        self.assertTrue(gone[0].matches(Gio.io_error_quark(),
                                        Gio.IOErrorEnum.NOT_FOUND))
        self.assertIn(name, gone[0].message)

        with self.assertRaises(GLib.Error) as cm:
            resolve('not.a.unique.name')
        self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)
        bus.close_sync(None)
        daemon.stdout.close()


class TestThreads(FeatureTestCase):

    def test_new_from_pid_full_thread(self):
        started = threading.Event()
        stop = threading.Event()
        tid = []

        def body():
            tid.append(threading.get_native_id())
            started.set()
            stop.wait()

        thread = threading.Thread(target=body)
        thread.start()
        started.wait()
        pidfd = GPidFd.PidFd.new_from_pid_full(tid[0], GPidFd.PidFdFlags.THREAD)
        self.assertTrue(bool(pidfd.get_flags() & GPidFd.PidFdFlags.THREAD))
        self.assertTrue(pidfd.get_flags() & GPidFd.PidFdFlags.THREAD)
        self.assertEqual(pidfd.get_pid(), tid[0])
        self.assertNotEqual(pidfd.get_pid(), os.getpid())
        info = pidfd.query_info()
        self.assertEqual(info.props.pid, tid[0])
        self.assertEqual(info.props.tgid, os.getpid())
        self.assertFalse(pidfd.has_exited())

        done = []
        pidfd.wait_exit_async(None, lambda p, res: done.append(
            p.wait_exit_finish(res)))
        stop.set()
        thread.join()
        iterate_until(None, lambda: done, 'wait_exit_async on a thread')
        self.assertEqual(done, [True])
        self.assertTrue(pidfd.has_exited())
        # This process runs on: no record for the thread.
        self.assertIsNone(pidfd.try_wait())


class TestSignals(FeatureTestCase):

    def test_send_signal_full(self):
        leader = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(leader.pid)
        self.assertTrue(pidfd.send_signal_full(
            0, GPidFd.PidFdSignalScope.DEFAULT))
        self.assertTrue(pidfd.send_signal_full(
            0, GPidFd.PidFdSignalScope.THREAD))
        self.assertTrue(pidfd.send_signal_full(
            0, GPidFd.PidFdSignalScope.THREAD_GROUP))
        # Its own process group: sleep leads one when started so.
        group = spawn('sleep', '30', process_group=0) \
            if sys.version_info >= (3, 11) else \
            spawn('sleep', '30', preexec_fn=os.setpgrp)
        self.procs.append(group)
        gfd = GPidFd.PidFd.new_from_pid(group.pid)
        self.assertTrue(gfd.send_signal_full(
            signal.SIGTERM, GPidFd.PidFdSignalScope.PROCESS_GROUP))
        record = gfd.wait(None)
        self.assertTrue(record.get_if_signaled())
        self.assertEqual(record.get_term_sig(), signal.SIGTERM)
        self.assertFalse(pidfd.has_exited())

    def test_force_exit_and_wait_check(self):
        proc = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(proc.pid)
        self.assertTrue(pidfd.force_exit())
        with self.assertRaises(GLib.Error) as cm:
            pidfd.wait_check(None)
        self.assertTrue(cm.exception.matches(GLib.spawn_error_quark(),
                                             GLib.SpawnError.FAILED))
        self.procs.remove(proc)

        ok = GPidFd.PidFd.new_from_pid(spawn_raw('true'))
        self.assertTrue(ok.wait_check(None))

        results = []
        bad = GPidFd.PidFd.new_from_pid(spawn_raw('sh', '-c', 'exit 3'))
        bad.wait_check_async(None, lambda p, res: results.append(res))
        iterate_until(None, lambda: results, 'wait_check_async')
        with self.assertRaises(GLib.Error) as cm:
            bad.wait_check_finish(results[0])
        self.assertTrue(cm.exception.matches(GLib.spawn_exit_error_quark(),
                                             3))

        results = []
        good = GPidFd.PidFd.new_from_pid(spawn_raw('true'))
        good.wait_check_async(None, lambda p, res: results.append(
            p.wait_check_finish(res)))
        iterate_until(None, lambda: results, 'wait_check_async')
        self.assertEqual(results, [True])

    def test_wait_exit(self):
        proc = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(proc.pid)
        cancellable = Gio.Cancellable()
        GLib.timeout_add(50, lambda: cancellable.cancel())
        done = []
        pidfd.wait_exit_async(cancellable, lambda p, res: done.append(res))
        iterate_until(None, lambda: done, 'a cancelled wait_exit_async')
        with self.assertRaises(GLib.Error) as cm:
            pidfd.wait_exit_finish(done[0])
        self.assertIOError(cm, Gio.IOErrorEnum.CANCELLED)
        self.assertFalse(pidfd.has_exited())
        proc.kill()
        self.assertTrue(pidfd.wait_exit(None))
        self.assertTrue(pidfd.has_exited())


class TestRemoteFd(FeatureTestCase):

    def test_dup_remote_fd(self):
        # The child's stdin and stdout are pipes; we hold the other ends.
        proc = spawn(sys.executable, '-c', 'import time; time.sleep(30)',
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.procs.append(proc)
        pidfd = GPidFd.PidFd.new_from_pid(proc.pid)

        # Its stdin, a read end: what we write into the pipe comes out.
        child_stdin = pidfd.dup_remote_fd(0)
        self.assertGreaterEqual(child_stdin, 0)
        self.assertFalse(os.get_inheritable(child_stdin))
        proc.stdin.write(b'ping')
        proc.stdin.flush()
        self.assertEqual(os.read(child_stdin, 4), b'ping')
        os.close(child_stdin)

        # Its stdout, a write end: what we write through it reaches us.
        child_stdout = pidfd.dup_remote_fd(1)
        os.write(child_stdout, b'pong')
        os.close(child_stdout)
        self.assertEqual(proc.stdout.read(4), b'pong')

        with self.assertRaises(GLib.Error) as cm:
            pidfd.dup_remote_fd(987)
        self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)
        self.assertIn(str(proc.pid), cm.exception.message)

        self.assertTrue(pidfd.force_exit())
        record = pidfd.wait(None)
        self.assertEqual(record.get_term_sig(), signal.SIGKILL)
        self.procs.remove(proc)
        proc.stdin.close()
        proc.stdout.close()
        with self.assertRaises(GLib.Error) as cm:
            pidfd.dup_remote_fd(0)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)


if __name__ == '__main__':
    sys.exit(gpidfd_tap.main(__name__))
