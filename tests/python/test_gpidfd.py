# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests of the GPidFd bindings through PyGObject, with real processes.

Run by meson test with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing into
the build tree. Prints TAP. A missing typelib is a failure, not a skip.
"""

import gc
import os
import signal
import subprocess
import sys
import threading
import unittest
import weakref

import gpidfd_tap
from gpidfd_test_utils import iterate_until, run_loop

import gi

try:
    gi.require_version('GPidFd', '1')
    from gi.repository import GPidFd
except (ImportError, ValueError) as e:
    print('Bail out! cannot load the GPidFd-1 typelib (GI_TYPELIB_PATH=%s): %s'
          % (os.environ.get('GI_TYPELIB_PATH', ''), e))
    sys.exit(1)

from gi.repository import GLib, GObject, Gio  # noqa: E402


def spawn(*argv):
    """Starts a child of this process that nobody else reaps."""
    return os.posix_spawnp(argv[0], list(argv), os.environ)


def spawn_exit(code):
    return spawn('sh', '-c', 'exit %d' % code)


def spawn_sleep():
    return spawn('sleep', '30')


class GPidFdTestCase(unittest.TestCase):

    def setUp(self):
        self.to_kill = []

    def tearDown(self):
        # Leave no process behind, whatever the test did. A pidfd, unlike
        # the pid, cannot reach another process that reused the number.
        for fd in self.to_kill:
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitid(os.P_PIDFD, fd, os.WEXITED)
            except ChildProcessError:
                pass
            os.close(fd)

    def assertIOError(self, cm, code):
        err = cm.exception
        self.assertIsInstance(err, GLib.Error)
        self.assertTrue(err.matches(Gio.io_error_quark(), code),
                        '%s:%d (%s) is not %s' % (err.domain, err.code,
                                                  err.message, code))
        self.assertEqual(err.domain, 'g-io-error-quark')
        self.assertEqual(Gio.IOErrorEnum(err.code), code)

    def sleeper(self):
        pid = spawn_sleep()
        self.to_kill.append(os.pidfd_open(pid))
        return pid

    def assertReaped(self, pid):
        with self.assertRaises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


class TestOpen(GPidFdTestCase):

    def test_new_from_pid(self):
        pid = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        self.assertIsInstance(pidfd, GPidFd.PidFd)
        self.assertEqual(pidfd.get_pid(), pid)
        self.assertEqual(pidfd.props.pid, pid)
        self.assertTrue(pidfd.is_child())
        self.assertGreaterEqual(pidfd.get_fd(), 0)
        self.assertEqual(pidfd.props.fd, pidfd.get_fd())
        self.assertEqual(pidfd.get_flags(), GPidFd.PidFdFlags.NONE)
        self.assertEqual(pidfd.props.flags, GPidFd.PidFdFlags.NONE)
        self.assertFalse(pidfd.has_exited())
        self.assertIsNone(pidfd.try_wait())

    def test_new_from_fd(self):
        pid = spawn_exit(5)
        fd = os.pidfd_open(pid)
        pidfd = GPidFd.PidFd.new_from_fd(fd)
        # The fd is duplicated: ours may be closed at once.
        self.assertNotEqual(pidfd.get_fd(), fd)
        os.close(fd)
        self.assertEqual(pidfd.get_pid(), pid)
        self.assertTrue(pidfd.is_child())
        info = pidfd.wait(None)
        self.assertEqual(info.get_exit_status(), 5)
        self.assertReaped(pid)

    def test_new_from_pid_full_no_reap(self):
        pid = spawn_exit(9)
        pidfd = GPidFd.PidFd.new_from_pid_full(pid, GPidFd.PidFdFlags.NO_REAP)
        self.assertEqual(pidfd.props.flags, GPidFd.PidFdFlags.NO_REAP)
        info = pidfd.wait(None)
        self.assertTrue(info.get_if_exited())
        self.assertEqual(info.get_exit_status(), 9)
        # The child is left for its owner to reap, with the same status.
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 9)

    def test_new_from_fd_full(self):
        pid = self.sleeper()
        fd = os.pidfd_open(pid)
        try:
            pidfd = GPidFd.PidFd.new_from_fd_full(fd,
                                                  GPidFd.PidFdFlags.NO_REAP)
        finally:
            os.close(fd)
        self.assertEqual(pidfd.get_flags(), GPidFd.PidFdFlags.NO_REAP)
        self.assertEqual(pidfd.get_pid(), pid)

    def test_construct_errors(self):
        for pid in (0, -1):
            with self.assertRaises(GLib.Error) as cm:
                GPidFd.PidFd.new_from_pid(pid)
            self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)
            self.assertIn(str(pid), cm.exception.message)

        # A pid that cannot exist: above the kernel's pid_max.
        with open('/proc/sys/kernel/pid_max') as f:
            no_such_pid = int(f.read()) + 1
        with self.assertRaises(GLib.Error) as cm:
            GPidFd.PidFd.new_from_pid(no_such_pid)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)
        self.assertIn(str(no_such_pid), cm.exception.message)

        with self.assertRaises(GLib.Error) as cm:
            GPidFd.PidFd.new_from_fd(-1)
        self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)

        r, w = os.pipe()
        try:
            with self.assertRaises(GLib.Error) as cm:
                GPidFd.PidFd.new_from_fd(r)
            self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)
        finally:
            os.close(r)
            os.close(w)

    def test_reaped_pid_not_found(self):
        pid = spawn_exit(0)
        os.waitpid(pid, 0)
        # Nothing has that pid any more (unless it was reused at once,
        # which the kernel avoids by allocating pids cyclically).
        with self.assertRaises(GLib.Error) as cm:
            GPidFd.PidFd.new_from_pid(pid)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)


class TestWait(GPidFdTestCase):

    def test_wait_exit_record(self):
        pid = spawn_exit(42)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        info = pidfd.wait(None)
        self.assertIsInstance(info, GPidFd.PidFdExitInfo)
        self.assertReaped(pid)
        self.assertTrue(pidfd.has_exited())
        self.assertEqual(pidfd.get_pid(), -1)

        # Getters and properties agree.
        self.assertEqual(info.get_pid(), pid)
        self.assertEqual(info.props.pid, pid)
        self.assertTrue(info.has_uid())
        self.assertEqual(info.get_uid(), os.getuid())
        self.assertEqual(info.props.uid, os.getuid())
        self.assertTrue(info.has_status())
        self.assertTrue(info.get_if_exited())
        self.assertTrue(info.props.if_exited)
        self.assertEqual(info.get_exit_status(), 42)
        self.assertEqual(info.props.exit_status, 42)
        self.assertFalse(info.get_if_signaled())
        self.assertFalse(info.props.if_signaled)
        # A signal did not end it: -1, like every inapplicable integer.
        self.assertEqual(info.get_term_sig(), -1)
        self.assertEqual(info.props.term_sig, -1)
        self.assertFalse(info.get_successful())
        self.assertFalse(info.props.successful)
        self.assertFalse(info.get_core_dumped())
        self.assertFalse(info.props.core_dumped)
        self.assertEqual(info.get_si_code(), os.CLD_EXITED)
        self.assertEqual(info.props.si_code, os.CLD_EXITED)
        self.assertEqual(info.get_status(), 42 << 8)
        self.assertEqual(info.props.status, 42 << 8)
        self.assertEqual(os.waitstatus_to_exitcode(info.get_status()), 42)

        # A child's record carries its resource usage.
        self.assertTrue(info.has_rusage())
        self.assertGreaterEqual(info.get_user_time(), 0)
        self.assertEqual(info.props.user_time, info.get_user_time())
        self.assertGreaterEqual(info.get_system_time(), 0)
        self.assertEqual(info.props.system_time, info.get_system_time())
        self.assertGreater(info.get_max_rss(), 0)
        self.assertEqual(info.props.max_rss, info.get_max_rss())

        # check() turns a non-zero exit into a GLib.SpawnError.
        with self.assertRaises(GLib.Error) as cm:
            info.check()
        self.assertTrue(cm.exception.matches(GLib.spawn_exit_error_quark(),
                                             42))
        self.assertEqual(cm.exception.message,
                         'Process %d exited with code 42' % pid)

        # The record is cached: a second wait gives the same object.
        self.assertIs(pidfd.wait(None), info)
        self.assertIs(pidfd.try_wait(), info)

    def test_wait_success_check(self):
        pidfd = GPidFd.PidFd.new_from_pid(spawn_exit(0))
        info = pidfd.wait(None)
        self.assertTrue(info.check())
        self.assertEqual(info.get_exit_status(), 0)
        self.assertTrue(info.get_successful())
        self.assertTrue(info.props.successful)

    def test_try_wait(self):
        pid = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        self.assertIsNone(pidfd.try_wait())
        pidfd.send_signal(signal.SIGKILL)
        info = pidfd.wait(None)
        self.assertIs(pidfd.try_wait(), info)
        self.assertTrue(info.get_if_signaled())
        self.assertEqual(info.get_term_sig(), signal.SIGKILL)

    def test_wait_cancelled(self):
        pid = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        with self.assertRaises(GLib.Error) as cm:
            pidfd.wait(cancellable)
        self.assertIOError(cm, Gio.IOErrorEnum.CANCELLED)

        # Cancelled from another thread while blocked in wait().
        cancellable = Gio.Cancellable()
        timer = threading.Timer(0.1, cancellable.cancel)
        timer.start()
        try:
            with self.assertRaises(GLib.Error) as cm:
                pidfd.wait(cancellable)
        finally:
            timer.join()
        self.assertIOError(cm, Gio.IOErrorEnum.CANCELLED)

        # Nothing was lost: the child is still there and a wait gets it.
        self.assertEqual(os.waitpid(pid, os.WNOHANG), (0, 0))
        pidfd.send_signal(signal.SIGTERM)
        info = pidfd.wait(None)
        self.assertEqual(info.get_term_sig(), signal.SIGTERM)
        self.assertReaped(pid)


class TestSignal(GPidFdTestCase):

    def test_send_signal(self):
        pid = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        self.assertTrue(pidfd.send_signal(0))
        self.assertTrue(pidfd.send_signal(signal.SIGTERM))
        info = pidfd.wait(None)
        self.assertTrue(info.has_status())
        self.assertFalse(info.get_if_exited())
        self.assertEqual(info.get_exit_status(), -1)
        self.assertTrue(info.get_if_signaled())
        self.assertTrue(info.props.if_signaled)
        self.assertEqual(info.get_term_sig(), signal.SIGTERM)
        self.assertEqual(info.props.term_sig, signal.SIGTERM)
        self.assertEqual(info.props.exit_status, -1)
        self.assertFalse(info.get_successful())
        self.assertEqual(info.get_si_code(), os.CLD_KILLED)
        self.assertEqual(info.get_status(), signal.SIGTERM)
        with self.assertRaises(GLib.Error) as cm:
            info.check()
        self.assertTrue(cm.exception.matches(GLib.spawn_error_quark(),
                                             GLib.SpawnError.FAILED))
        self.assertEqual(cm.exception.message,
                         'Process %d killed by SIGTERM (signal %d)'
                         % (info.get_pid(), signal.SIGTERM))
        # check() and describe() say it in the same words.
        self.assertEqual(cm.exception.message,
                         'Process %d %s' % (info.get_pid(), info.describe()))

    def test_bad_signal(self):
        pidfd = GPidFd.PidFd.new_from_pid(self.sleeper())
        for signum in (-1, 65, 1000):
            with self.assertRaises(GLib.Error) as cm:
                pidfd.send_signal(signum)
            self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)

    def test_signal_reaped(self):
        pidfd = GPidFd.PidFd.new_from_pid(spawn_exit(0))
        pidfd.wait(None)
        with self.assertRaises(GLib.Error) as cm:
            pidfd.send_signal(signal.SIGTERM)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)


class TestNonChild(GPidFdTestCase):

    def start_grandchild(self, code):
        """Starts sh, whose background subshell (our grandchild) exits with
        code once a line is written to sh's stdin; sh reaps it, then exits.
        Returns the Popen of sh and the grandchild's pid."""
        middle = subprocess.Popen(
            ['sh', '-c',
             'exec 3<&0; (read line <&3; exit %d) & echo $!; wait' % code],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.addCleanup(middle.wait)
        self.addCleanup(middle.stdin.close)
        self.addCleanup(middle.stdout.close)
        grandchild = int(middle.stdout.readline())
        return middle, grandchild

    def test_non_child_status(self):
        middle, grandchild = self.start_grandchild(7)
        pidfd = GPidFd.PidFd.new_from_pid(grandchild)
        self.assertFalse(pidfd.is_child())
        self.assertEqual(pidfd.get_pid(), grandchild)
        self.assertIsNone(pidfd.try_wait())

        middle.stdin.write(b'go\n')
        middle.stdin.flush()
        info = pidfd.wait(None)
        # Its parent reaped it; the kernel then told its status.
        self.assertTrue(info.has_status())
        self.assertTrue(info.get_if_exited())
        self.assertEqual(info.get_exit_status(), 7)
        self.assertEqual(info.props.exit_status, 7)
        self.assertEqual(info.get_pid(), grandchild)
        self.assertFalse(info.has_rusage())
        self.assertEqual(info.get_user_time(), -1)
        self.assertEqual(info.props.system_time, -1)
        self.assertEqual(info.get_max_rss(), -1)
        self.assertEqual(middle.wait(), 0)

        # check() does not call it a child.
        with self.assertRaises(GLib.Error) as cm:
            info.check()
        self.assertTrue(cm.exception.matches(GLib.spawn_exit_error_quark(),
                                             7))
        self.assertEqual(cm.exception.message,
                         'Process %d exited with code 7' % grandchild)
        self.assertNotIn('Child', cm.exception.message)

    def test_non_child_async(self):
        middle, grandchild = self.start_grandchild(3)
        pidfd = GPidFd.PidFd.new_from_pid(grandchild)
        loop = GLib.MainLoop()
        results = []

        def on_done(source, result):
            results.append(source.wait_finish(result))
            loop.quit()

        def release():
            middle.stdin.write(b'go\n')
            middle.stdin.flush()
            return GLib.SOURCE_REMOVE

        pidfd.wait_async(None, on_done)
        GLib.idle_add(release)
        run_loop(loop, 'a non-child')
        info, = results
        self.assertFalse(pidfd.is_child())
        self.assertTrue(info.has_status())
        self.assertEqual(info.get_exit_status(), 3)
        self.assertFalse(info.has_rusage())


class TestAsync(GPidFdTestCase):

    def test_wait_async(self):
        pid = spawn_exit(17)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        loop = GLib.MainLoop()
        results = []

        def on_done(source, result, user_data):
            self.assertIs(source, pidfd)
            self.assertEqual(user_data, 'data')
            results.append(source.wait_finish(result))
            loop.quit()

        pidfd.wait_async(None, on_done, 'data')
        # The callback never runs from inside wait_async().
        self.assertEqual(results, [])
        run_loop(loop, 'wait_async')
        info, = results
        self.assertEqual(info.get_exit_status(), 17)
        self.assertEqual(info.props.exit_status, 17)
        self.assertTrue(info.has_rusage())
        self.assertReaped(pid)
        self.assertIs(pidfd.wait(None), info)

    def test_wait_async_many(self):
        codes = list(range(8))
        pidfds = [GPidFd.PidFd.new_from_pid(spawn_exit(c)) for c in codes]
        loop = GLib.MainLoop()
        records = {}

        def on_done(pidfd, result, code):
            info = pidfd.wait_finish(result)
            records[code] = info.get_exit_status()
            if len(records) == len(codes):
                loop.quit()

        for pidfd, code in zip(pidfds, codes):
            pidfd.wait_async(None, on_done, code)
        run_loop(loop, '%d children' % len(codes))
        self.assertEqual(records, {c: c for c in codes})

    def test_wait_async_signal(self):
        pidfd = GPidFd.PidFd.new_from_pid(self.sleeper())
        loop = GLib.MainLoop()
        results = []

        def on_done(source, result):
            results.append(source.wait_finish(result))
            loop.quit()

        def kill():
            pidfd.send_signal(signal.SIGUSR1)
            return GLib.SOURCE_REMOVE

        pidfd.wait_async(None, on_done)
        GLib.timeout_add(50, kill)
        run_loop(loop, 'a signalled child')
        info, = results
        self.assertTrue(info.get_if_signaled())
        self.assertEqual(info.get_term_sig(), signal.SIGUSR1)

    def test_wait_async_cancelled(self):
        pid = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        cancellable = Gio.Cancellable()
        loop = GLib.MainLoop()
        errors = []

        def on_done(source, result):
            try:
                source.wait_finish(result)
            except GLib.Error as e:
                errors.append(e)
            loop.quit()

        def cancel():
            cancellable.cancel()
            return GLib.SOURCE_REMOVE

        pidfd.wait_async(cancellable, on_done)
        GLib.timeout_add(50, cancel)
        run_loop(loop, 'a cancelled wait')
        err, = errors
        self.assertTrue(err.matches(Gio.io_error_quark(),
                                    Gio.IOErrorEnum.CANCELLED))

        # The child is untouched; a new wait gets its record.
        self.assertEqual(os.waitpid(pid, os.WNOHANG), (0, 0))
        results = []

        def on_done_again(source, result):
            results.append(source.wait_finish(result))
            loop.quit()

        pidfd.wait_async(None, on_done_again)
        pidfd.send_signal(signal.SIGKILL)
        run_loop(loop, 'a wait after a cancelled one')
        self.assertEqual(results[0].get_term_sig(), signal.SIGKILL)
        self.assertReaped(pid)

    def test_wait_async_already_cancelled(self):
        pidfd = GPidFd.PidFd.new_from_pid(self.sleeper())
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        loop = GLib.MainLoop()
        errors = []

        def on_done(source, result):
            try:
                source.wait_finish(result)
            except GLib.Error as e:
                errors.append(e)
            loop.quit()

        pidfd.wait_async(cancellable, on_done)
        run_loop(loop, 'a cancelled wait')
        self.assertEqual(len(errors), 1)
        self.assertEqual(Gio.IOErrorEnum(errors[0].code),
                         Gio.IOErrorEnum.CANCELLED)


class TestInitable(GPidFdTestCase):
    """Construction through properties and Gio.Initable, as with
    Gio.Subprocess."""

    def test_construct_pid(self):
        pid = spawn_exit(8)
        pidfd = GPidFd.PidFd(pid=pid)
        self.assertEqual(pidfd.props.pid, pid)
        self.assertTrue(pidfd.init(None))
        self.assertEqual(pidfd.get_pid(), pid)
        self.assertGreaterEqual(pidfd.get_fd(), 0)
        self.assertTrue(pidfd.is_child())
        self.assertEqual(pidfd.wait(None).get_exit_status(), 8)
        self.assertReaped(pid)
        # A second init() changes nothing.
        self.assertTrue(pidfd.init(None))

    def test_construct_fd_flags(self):
        pid = spawn_exit(9)
        fd = os.pidfd_open(pid)
        try:
            pidfd = GPidFd.PidFd(fd=fd, flags=GPidFd.PidFdFlags.NO_REAP)
            pidfd.init(None)
        finally:
            os.close(fd)
        self.assertEqual(pidfd.get_pid(), pid)
        self.assertEqual(pidfd.props.flags, GPidFd.PidFdFlags.NO_REAP)
        self.assertEqual(pidfd.wait(None).get_exit_status(), 9)
        # NO_REAP: the owner reaps it.
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 9)

    def test_construct_unknown_flags(self):
        # A flags value with bits GPidFdFlags lacks reaches init(), which
        # refuses it, naming the bits; it is not dropped with a warning.
        pid = self.sleeper()
        pidfd = GPidFd.PidFd(pid=pid, flags=1 << 8)
        with self.assertRaises(GLib.Error) as cm:
            pidfd.init(None)
        self.assertIOError(cm, Gio.IOErrorEnum.INVALID_ARGUMENT)
        self.assertIn('0x100', cm.exception.message)
        self.assertIn(str(pid), cm.exception.message)

    def test_not_initialized(self):
        pid = self.sleeper()
        pidfd = GPidFd.PidFd(pid=pid)
        calls = [
            ('wait', lambda: pidfd.wait(None)),
            ('try_wait', lambda: pidfd.try_wait()),
            ('send_signal', lambda: pidfd.send_signal(signal.SIGTERM)),
            ('force_exit', lambda: pidfd.force_exit()),
            ('wait_check', lambda: pidfd.wait_check(None)),
        ]
        for name, call in calls:
            with self.assertRaises(GLib.Error, msg=name) as cm:
                call()
            self.assertIOError(cm, Gio.IOErrorEnum.NOT_INITIALIZED)
            self.assertIn('init', cm.exception.message)
        # Nothing was sent: the process still runs.
        self.assertEqual(os.waitpid(pid, os.WNOHANG), (0, 0))

        loop = GLib.MainLoop()
        errors = []

        def on_done(source, result):
            try:
                source.wait_finish(result)
            except GLib.Error as e:
                errors.append(e)
            loop.quit()

        pidfd.wait_async(None, on_done)
        run_loop(loop, 'a wait on an uninitialised GPidFd')
        err, = errors
        self.assertTrue(err.matches(Gio.io_error_quark(),
                                    Gio.IOErrorEnum.NOT_INITIALIZED))

    def test_init_failed(self):
        with open('/proc/sys/kernel/pid_max') as f:
            no_such_pid = int(f.read()) + 1
        pidfd = GPidFd.PidFd(pid=no_such_pid)
        with self.assertRaises(GLib.Error) as cm:
            pidfd.init(None)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)
        self.assertIn(str(no_such_pid), cm.exception.message)
        # The same failure again, and every call says why.
        with self.assertRaises(GLib.Error) as cm:
            pidfd.init(None)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_FOUND)
        with self.assertRaises(GLib.Error) as cm:
            pidfd.wait(None)
        self.assertIOError(cm, Gio.IOErrorEnum.NOT_INITIALIZED)
        self.assertIn(str(no_such_pid), cm.exception.message)


class TestWaitCheck(GPidFdTestCase):
    """wait_check, wait_check_async and force_exit, as in Gio.Subprocess."""

    def test_wait_check(self):
        self.assertTrue(GPidFd.PidFd.new_from_pid(spawn_exit(0))
                        .wait_check(None))
        pid = spawn_exit(3)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        with self.assertRaises(GLib.Error) as cm:
            pidfd.wait_check(None)
        self.assertTrue(cm.exception.matches(GLib.spawn_exit_error_quark(),
                                             3))
        self.assertEqual(cm.exception.message,
                         'Process %d exited with code 3' % pid)
        self.assertReaped(pid)

    def test_wait_check_async(self):
        pid = spawn_exit(4)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        ok = GPidFd.PidFd.new_from_pid(spawn_exit(0))
        loop = GLib.MainLoop()
        results = {}

        def on_done(source, result, name):
            try:
                results[name] = source.wait_check_finish(result)
            except GLib.Error as e:
                results[name] = e
            if len(results) == 2:
                loop.quit()

        pidfd.wait_check_async(None, on_done, 'failed')
        ok.wait_check_async(None, on_done, 'ok')
        run_loop(loop, 'wait_check_async')
        self.assertIs(results['ok'], True)
        err = results['failed']
        self.assertIsInstance(err, GLib.Error)
        self.assertTrue(err.matches(GLib.spawn_exit_error_quark(), 4))
        self.assertEqual(err.message, 'Process %d exited with code 4' % pid)

    def test_force_exit(self):
        pid = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        self.assertTrue(pidfd.force_exit())
        with self.assertRaises(GLib.Error) as cm:
            pidfd.wait_check(None)
        self.assertTrue(cm.exception.matches(GLib.spawn_error_quark(),
                                             GLib.SpawnError.FAILED))
        self.assertEqual(cm.exception.message,
                         'Process %d killed by SIGKILL (signal 9)' % pid)
        self.assertEqual(pidfd.wait(None).get_term_sig(), signal.SIGKILL)


class TestWatch(GPidFdTestCase):
    """add_watch() takes just a callback, like GLib.child_watch_add()."""

    def test_add_watch(self):
        pid = spawn_exit(11)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        loop = GLib.MainLoop()
        calls = []

        def on_process_ended(*args):
            calls.append(args)
            loop.quit()
            return GLib.SOURCE_REMOVE

        source_id = pidfd.add_watch(GLib.PRIORITY_DEFAULT, on_process_ended)
        self.assertGreater(source_id, 0)
        source = GLib.MainContext.default().find_source_by_id(source_id)
        self.assertEqual(source.get_priority(), GLib.PRIORITY_DEFAULT)
        run_loop(loop, 'add_watch')
        (source_pidfd, info), = calls
        self.assertIs(source_pidfd, pidfd)
        self.assertEqual(info.get_exit_status(), 11)
        self.assertTrue(info.has_rusage())
        self.assertReaped(pid)

    def test_add_watch_user_data(self):
        pidfd = GPidFd.PidFd.new_from_pid(spawn_exit(12))
        loop = GLib.MainLoop()
        calls = []

        def on_process_ended(*args):
            calls.append(args)
            loop.quit()
            return GLib.SOURCE_REMOVE

        pidfd.add_watch(GLib.PRIORITY_DEFAULT, on_process_ended, 'data')
        run_loop(loop, 'add_watch with user data')
        (source_pidfd, info, user_data), = calls
        self.assertIs(source_pidfd, pidfd)
        self.assertEqual(user_data, 'data')
        self.assertEqual(info.get_exit_status(), 12)

    def test_add_watch_full(self):
        pid = spawn_exit(13)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        loop = GLib.MainLoop()
        calls = []

        def on_process_ended(*args):
            calls.append(args)
            loop.quit()
            return GLib.SOURCE_REMOVE

        source_id = pidfd.add_watch(GLib.PRIORITY_HIGH, on_process_ended,
                                         'data')
        source = GLib.MainContext.default().find_source_by_id(source_id)
        self.assertEqual(source.get_priority(), GLib.PRIORITY_HIGH)
        run_loop(loop, 'add_watch_full')
        (source_pidfd, info, user_data), = calls
        self.assertIs(source_pidfd, pidfd)
        self.assertEqual(user_data, 'data')
        self.assertEqual(info.get_exit_status(), 13)
        self.assertReaped(pid)

    def test_add_watch_removed(self):
        """Removing a watch before it fires releases the callback and
        leaves the process alone."""
        pid = self.sleeper()
        pidfd = GPidFd.PidFd.new_from_pid(pid)

        class Callback:
            def __call__(self, pidfd, info):
                raise AssertionError('a removed watch fired')

        callback = Callback()
        ref = weakref.ref(callback)
        source_id = pidfd.add_watch(GLib.PRIORITY_DEFAULT, callback)
        del callback
        gc.collect()
        self.assertIsNotNone(ref())
        GLib.source_remove(source_id)
        gc.collect()
        self.assertIsNone(ref())
        self.assertEqual(os.waitpid(pid, os.WNOHANG), (0, 0))
        self.assertIsNone(pidfd.try_wait())


class TestSource(GPidFdTestCase):
    """create_source() in another main context, with a typed callback."""

    def test_source_closure(self):
        pid = spawn_exit(14)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        context = GLib.MainContext()
        calls = []

        def on_process_ended(*args):
            calls.append(args)
            return GLib.SOURCE_REMOVE

        source = pidfd.create_source()
        GObject.source_set_closure(source, on_process_ended)
        source.attach(context)
        iterate_until(context, lambda: calls, 'a source with a closure')
        (source_pidfd, info), = calls
        self.assertIs(source_pidfd, pidfd)
        self.assertTrue(info.get_if_exited())
        self.assertEqual(info.get_exit_status(), 14)
        self.assertTrue(info.has_rusage())
        self.assertTrue(source.is_destroyed())
        self.assertReaped(pid)
        self.assertIs(pidfd.try_wait(), info)

    def test_source_closure_signalled(self):
        pidfd = GPidFd.PidFd.new_from_pid(self.sleeper())
        context = GLib.MainContext()
        calls = []

        def on_process_ended(pidfd, info):
            calls.append(info)
            return GLib.SOURCE_REMOVE

        source = pidfd.create_source()
        GObject.source_set_closure(source, on_process_ended)
        source.attach(context)
        context.iteration(False)
        self.assertEqual(calls, [])
        pidfd.send_signal(signal.SIGUSR1)
        iterate_until(context, lambda: calls, 'a signalled process')
        self.assertEqual(calls[0].get_term_sig(), signal.SIGUSR1)

    def test_source_set_callback(self):
        """A GLib.SourceFunc set from Python gets only its user data, as
        with GLib.child_watch_source_new(); the record is then the pidfd's
        try_wait()."""
        pid = spawn_exit(15)
        pidfd = GPidFd.PidFd.new_from_pid(pid)
        context = GLib.MainContext()
        calls = []

        def on_process_ended(*args):
            calls.append((args, pidfd.try_wait()))
            return GLib.SOURCE_REMOVE

        source = pidfd.create_source()
        source.set_callback(on_process_ended, 'data')
        source.attach(context)
        iterate_until(context, lambda: calls, 'a source with set_callback')
        (args, info), = calls
        self.assertEqual(args, ('data',))
        self.assertEqual(info.get_exit_status(), 15)
        self.assertReaped(pid)


class TestNames(unittest.TestCase):
    """The same spelling works in C, Python, GJS and Vala."""

    def test_no_property_hides_a_method(self):
        # In GJS and Vala a property hides a method of the same name.
        classes = [getattr(GPidFd, name) for name in dir(GPidFd)]
        classes = [c for c in classes
                   if isinstance(c, type) and issubclass(c, GObject.Object)]
        self.assertIn(GPidFd.PidFdExitInfo, classes)
        self.assertIn(GPidFd.PidFd, classes)
        for cls in classes:
            for pspec in cls.list_properties():
                name = pspec.name.replace('-', '_')
                self.assertFalse(callable(getattr(cls, name, None)),
                                 '%s: property %s hides the method %s()'
                                 % (cls.__name__, pspec.name, name))

    def test_has_methods(self):
        info = GPidFd.PidFd.new_from_pid(spawn_exit(0)).wait(None)
        self.assertTrue(info.has_status())
        self.assertTrue(info.has_rusage())
        self.assertTrue(info.has_uid())
        self.assertTrue(info.get_successful())
        self.assertTrue(info.props.successful)


class TestNoReapRusage(GPidFdTestCase):
    """When a G_PIDFD_FLAGS_NO_REAP record carries resource usage, as
    doc/waiting.md says: exactly when gpidfd reads the status with
    waitid(WNOWAIT) before the owner reaps the child."""

    BURN = 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit %d'

    def test_unreaped_child(self):
        # Nobody else reaps it, so gpidfd always gets there first: the
        # record carries the rusage the owner then gets, to the
        # microsecond, and the owner still reaps the child.
        pid = spawn('sh', '-c', self.BURN % 4)
        pidfd = GPidFd.PidFd.new_from_pid_full(pid, GPidFd.PidFdFlags.NO_REAP)
        info = pidfd.wait(None)
        self.assertTrue(info.has_rusage())
        self.assertEqual(info.get_exit_status(), 4)
        _, status, rusage = os.wait4(pid, 0)
        self.assertEqual(os.waitstatus_to_exitcode(status), 4)
        self.assertEqual(info.get_user_time(),
                         round(rusage.ru_utime * 1000000))
        self.assertEqual(info.get_system_time(),
                         round(rusage.ru_stime * 1000000))
        self.assertEqual(info.get_max_rss(), rusage.ru_maxrss)
        self.assertGreater(info.get_user_time() + info.get_system_time(), 0)

    def test_subprocess_reaped_first(self):
        # GIO reaped the child before the wait: the status comes from the
        # kernel (PIDFD_INFO_EXIT, Linux 6.15) and there is no rusage.
        proc = Gio.Subprocess.new(['sh', '-c', 'sleep 0.2; exit 5'],
                                  Gio.SubprocessFlags.NONE)
        pidfd = GPidFd.PidFd.new_from_pid_full(int(proc.get_identifier()),
                                               GPidFd.PidFdFlags.NO_REAP)
        proc.wait(None)
        self.assertEqual(proc.get_exit_status(), 5)
        info = pidfd.wait(None)
        self.assertFalse(info.has_rusage())
        self.assertEqual(info.get_user_time(), -1)
        self.assertEqual(info.get_exit_status(),
                         5 if info.has_status() else -1)

    def test_subprocess_race(self):
        # Whoever reads first: the status is always right, and the record
        # has rusage only if it has the full siginfo of waitid().
        procs = [Gio.Subprocess.new(['sh', '-c',
                                     'sleep 0.2; ' + self.BURN % 5],
                                    Gio.SubprocessFlags.NONE)
                 for _ in range(6)]
        pidfds = [GPidFd.PidFd.new_from_pid_full(int(p.get_identifier()),
                                                 GPidFd.PidFdFlags.NO_REAP)
                  for p in procs]
        for proc, pidfd in zip(procs, pidfds):
            info = pidfd.wait(None)
            if info.has_rusage():
                self.assertTrue(info.has_status())
                self.assertTrue(info.has_uid())
                self.assertGreater(info.get_max_rss(), 0)
            if info.has_status():
                self.assertEqual(info.get_exit_status(), 5)
            proc.wait(None)
            self.assertEqual(proc.get_exit_status(), 5)


if __name__ == '__main__':
    sys.exit(gpidfd_tap.main(__name__))
