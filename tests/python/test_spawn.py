# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tests of spawning through PyGObject: GPidFd.PidFd.spawnv, the pipes,
communicate and communicate_utf8, GPidFd.PidFdLauncher and signals to a
process group, with real processes.

Run by meson test with GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing into
the build tree. Prints TAP. A missing typelib is a failure, not a skip.
"""

import faulthandler
import os
import select
import shutil
import signal
import sys
import tempfile
import time
import unittest

import gpidfd_tap
from gpidfd_test_utils import LOOP_TIMEOUT_S, run_loop

import gi

try:
    gi.require_version('GPidFd', '1')
    from gi.repository import GPidFd
except (ImportError, ValueError) as e:
    print('Bail out! cannot load the GPidFd-1 typelib (GI_TYPELIB_PATH=%s): %s'
          % (os.environ.get('GI_TYPELIB_PATH', ''), e))
    sys.exit(1)

from gi.repository import GLib, Gio  # noqa: E402

Flags = Gio.SubprocessFlags

# A test that blocks longer than this is ended with a traceback.
TEST_TIMEOUT_S = 40

# More than any pipe buffer: communicate must feed and drain at once.
MIB = 1024 * 1024
TEXT = ''.join('%06d héllo wörld ✓\n' % i for i in range(MIB // 20 + 1))
assert len(TEXT.encode()) > MIB

# Burns a little CPU time in the child, so that its rusage is not zero.
BURN = 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'


def finish_async(start, finish):
    """Calls start(callback), runs a main loop until the callback, and
    returns finish(result) or raises its error."""
    loop = GLib.MainLoop()
    results = []

    def on_done(source, result):
        results.append(result)
        loop.quit()

    start(on_done)
    # The callback never runs from inside the _async call.
    if results:
        raise AssertionError('the callback ran before the main loop')
    run_loop(loop, 'the async call')
    return finish(results[0])


def read_to_end(fd):
    """Reads the pipe fd until end of file; fails after LOOP_TIMEOUT_S, which
    also means that a write end is still open somewhere."""
    data = b''
    deadline = time.monotonic() + LOOP_TIMEOUT_S
    while True:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            raise AssertionError('no end of file on fd %d after %d s'
                                 % (fd, LOOP_TIMEOUT_S))
        chunk = os.read(fd, 65536)
        if not chunk:
            return data
        data += chunk


def read_stream(stream):
    """Reads a GInputStream to its end."""
    data = b''
    while True:
        chunk = stream.read_bytes(65536, None).get_data()
        if not chunk:
            return data
        data += chunk


def ignored_signals(text):
    """The set of signals in the SigIgn line of a /proc/PID/status."""
    mask = int(text.split(':')[1], 16)
    return {n for n in range(1, 65) if mask & (1 << (n - 1))}


def group_exists(pgid):
    """Whether any process (a zombie too) is left in process group pgid."""
    try:
        os.kill(-pgid, 0)
    except ProcessLookupError:
        return False
    return True


class SpawnTestCase(unittest.TestCase):

    def setUp(self):
        faulthandler.dump_traceback_later(TEST_TIMEOUT_S, exit=True)
        self.addCleanup(faulthandler.cancel_dump_traceback_later)

    def assertIOError(self, err, code):
        self.assertIsInstance(err, GLib.Error)
        self.assertTrue(err.matches(Gio.io_error_quark(), code),
                        '%s:%d (%s) is not %s' % (err.domain, err.code,
                                                  err.message, code))

    def spawn(self, argv, flags=Flags.NONE, launcher=None):
        """Spawns argv; the process is killed and reaped after the test."""
        if launcher is None:
            child = GPidFd.PidFd.spawnv(argv, flags)
        else:
            child = launcher.spawnv(argv)
        self.addCleanup(self.kill_and_reap, child)
        return child

    @staticmethod
    def kill_and_reap(child):
        try:
            child.force_exit()
        except GLib.Error:
            pass  # Already reaped.
        child.wait(None)

    def tmpdir(self):
        path = tempfile.mkdtemp(prefix='gpidfd-')
        self.addCleanup(shutil.rmtree, path)
        return path

    def pipe(self):
        """A pipe whose ends are closed after the test unless given away."""
        r, w = os.pipe()
        ends = {'r': r, 'w': w}

        def close_left():
            for fd in ends.values():
                if fd is not None:
                    os.close(fd)
        self.addCleanup(close_left)
        return ends


class TestSpawnv(SpawnTestCase):

    def test_exit_status_and_rusage(self):
        child = GPidFd.PidFd.spawnv(['sh', '-c', BURN + '; exit 7'],
                                    Flags.NONE)
        self.assertIsInstance(child, GPidFd.PidFd)
        pid = child.get_pid()
        self.assertGreater(pid, 0)
        self.assertTrue(child.is_child())
        self.assertFalse(child.has_exited())
        info = child.wait(None)
        self.assertEqual(info.get_pid(), pid)
        self.assertTrue(info.has_status())
        self.assertTrue(info.get_if_exited())
        self.assertEqual(info.get_exit_status(), 7)
        self.assertEqual(info.get_status(), 7 << 8)
        self.assertEqual(info.get_si_code(), os.CLD_EXITED)
        # Born a child of ours: the record has the full rusage.
        self.assertTrue(info.has_rusage())
        self.assertGreater(info.get_user_time() + info.get_system_time(), 0)
        self.assertGreater(info.get_max_rss(), 0)
        self.assertTrue(info.has_uid())
        self.assertEqual(info.get_uid(), os.getuid())
        # Reaped by the wait.
        self.assertEqual(child.get_pid(), -1)
        with self.assertRaises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)

    def test_signalled(self):
        child = self.spawn(['sleep', '100'])
        self.assertIsNone(child.try_wait())
        self.assertTrue(child.send_signal(signal.SIGTERM))
        info = child.wait(None)
        self.assertTrue(info.get_if_signaled())
        self.assertEqual(info.get_term_sig(), signal.SIGTERM)
        self.assertTrue(info.has_rusage())

    def test_wait_check(self):
        self.assertTrue(GPidFd.PidFd.spawnv(['true'], Flags.NONE)
                        .wait_check(None))
        child = GPidFd.PidFd.spawnv(['false'], Flags.NONE)
        pid = child.get_pid()
        with self.assertRaises(GLib.Error) as cm:
            child.wait_check(None)
        self.assertTrue(cm.exception.matches(GLib.spawn_exit_error_quark(),
                                             1))
        self.assertEqual(cm.exception.message,
                         'Process %d exited with code 1' % pid)

    def test_exec_error(self):
        missing = os.path.join(self.tmpdir(), 'missing')
        for program in ('gpidfd-no-such-program', missing):
            with self.assertRaises(GLib.Error, msg=program) as cm:
                GPidFd.PidFd.spawnv([program, 'argument'], Flags.NONE)
            err = cm.exception
            self.assertTrue(err.matches(GLib.spawn_error_quark(),
                                        GLib.SpawnError.NOENT),
                            '%s:%d %s' % (err.domain, err.code, err.message))
            self.assertEqual(GLib.SpawnError(err.code), GLib.SpawnError.NOENT)
            self.assertIn(program, err.message)
            self.assertIn(os.strerror(2), err.message)

    def test_varargs_are_c_only(self):
        # g_pidfd_spawn() and g_pidfd_launcher_spawn() take varargs, as
        # g_subprocess_new() does: bindings call spawnv().
        self.assertFalse(hasattr(GPidFd.PidFd, 'spawn'))
        self.assertFalse(hasattr(GPidFd.PidFdLauncher, 'spawn'))
        self.assertTrue(callable(GPidFd.PidFd.spawnv))
        self.assertTrue(callable(GPidFd.PidFdLauncher.spawnv))


class TestPipes(SpawnTestCase):

    def test_stdin_and_stdout_pipes(self):
        child = self.spawn(['cat'], Flags.STDIN_PIPE | Flags.STDOUT_PIPE)
        stdin = child.get_stdin_pipe()
        stdout = child.get_stdout_pipe()
        self.assertIsInstance(stdin, Gio.OutputStream)
        self.assertIsInstance(stdout, Gio.InputStream)
        self.assertIsNone(child.get_stderr_pipe())
        # The same streams each time.
        self.assertIs(child.get_stdin_pipe(), stdin)
        self.assertIs(child.get_stdout_pipe(), stdout)

        ok, written = stdin.write_all(b'one\ntwo\n', None)
        self.assertTrue(ok)
        self.assertEqual(written, 8)
        # Closing stdin gives cat end of file.
        stdin.close(None)
        self.assertEqual(read_stream(stdout), b'one\ntwo\n')
        self.assertEqual(child.wait(None).get_exit_status(), 0)

    def test_no_pipes(self):
        child = self.spawn(['true'])
        self.assertIsNone(child.get_stdin_pipe())
        self.assertIsNone(child.get_stdout_pipe())
        self.assertIsNone(child.get_stderr_pipe())

    def test_stdin_is_dev_null(self):
        # Without STDIN_PIPE or STDIN_INHERIT, cat reads /dev/null.
        child = self.spawn(['cat'], Flags.STDOUT_PIPE)
        self.assertIsNone(child.get_stdin_pipe())
        self.assertEqual(read_stream(child.get_stdout_pipe()), b'')
        self.assertEqual(child.wait(None).get_exit_status(), 0)

    def test_stderr_pipe(self):
        child = self.spawn(['sh', '-c', 'echo out; echo err >&2; exit 4'],
                           Flags.STDOUT_PIPE | Flags.STDERR_PIPE)
        self.assertIsNone(child.get_stdin_pipe())
        self.assertEqual(read_stream(child.get_stderr_pipe()), b'err\n')
        self.assertEqual(read_stream(child.get_stdout_pipe()), b'out\n')
        self.assertEqual(child.wait(None).get_exit_status(), 4)

    def test_stderr_merge(self):
        child = self.spawn(['sh', '-c', 'echo out; echo err >&2'],
                           Flags.STDOUT_PIPE | Flags.STDERR_MERGE)
        self.assertIsNone(child.get_stderr_pipe())
        ok, out, err = child.communicate_utf8(None, None)
        self.assertTrue(ok)
        self.assertEqual(out, 'out\nerr\n')
        self.assertIsNone(err)

    def test_silence(self):
        child = self.spawn(['sh', '-c', 'echo out; echo err >&2'],
                           Flags.STDOUT_SILENCE | Flags.STDERR_PIPE)
        self.assertIsNone(child.get_stdout_pipe())
        ok, out, err = child.communicate_utf8(None, None)
        self.assertTrue(ok)
        self.assertIsNone(out)
        self.assertEqual(err, 'err\n')


class TestCommunicate(SpawnTestCase):

    def cat(self):
        return self.spawn(['cat'], Flags.STDIN_PIPE | Flags.STDOUT_PIPE)

    def test_bytes_1mib(self):
        data = os.urandom(MIB)
        child = self.cat()
        ok, out, err = child.communicate(GLib.Bytes.new(data), None)
        self.assertTrue(ok)
        self.assertIsInstance(out, GLib.Bytes)
        self.assertEqual(out.get_size(), MIB)
        self.assertEqual(out.get_data(), data)
        self.assertIsNone(err)
        # It has ended and been reaped: the record is there at once.
        info = child.try_wait()
        self.assertIsNotNone(info)
        self.assertEqual(info.get_exit_status(), 0)
        self.assertTrue(info.has_rusage())

    def test_bytes_async_1mib(self):
        data = os.urandom(MIB)
        child = self.cat()
        ok, out, err = finish_async(
            lambda cb: child.communicate_async(GLib.Bytes.new(data), None, cb),
            child.communicate_finish)
        self.assertTrue(ok)
        self.assertEqual(out.get_data(), data)
        self.assertIsNone(err)
        self.assertEqual(child.try_wait().get_exit_status(), 0)

    def test_bytes_both_streams(self):
        child = self.spawn(['sh', '-c', 'cat; printf "\\377err" >&2'],
                           Flags.STDIN_PIPE | Flags.STDOUT_PIPE
                           | Flags.STDERR_PIPE)
        ok, out, err = child.communicate(GLib.Bytes.new(b'\0in\xff'), None)
        self.assertTrue(ok)
        self.assertEqual(out.get_data(), b'\0in\xff')
        self.assertEqual(err.get_data(), b'\xfferr')

    def test_utf8_1mib(self):
        child = self.cat()
        ok, out, err = child.communicate_utf8(TEXT, None)
        self.assertTrue(ok)
        self.assertEqual(len(out), len(TEXT))
        self.assertEqual(out, TEXT)
        self.assertIsNone(err)
        self.assertEqual(child.try_wait().get_exit_status(), 0)

    def test_utf8_async_1mib(self):
        child = self.cat()
        ok, out, err = finish_async(
            lambda cb: child.communicate_utf8_async(TEXT, None, cb),
            child.communicate_utf8_finish)
        self.assertTrue(ok)
        self.assertEqual(out, TEXT)
        self.assertIsNone(err)
        self.assertEqual(child.try_wait().get_exit_status(), 0)

    def test_utf8_async_both_streams(self):
        child = self.spawn(['sh', '-c', 'echo out; echo err >&2; exit 3'],
                           Flags.STDOUT_PIPE | Flags.STDERR_PIPE)
        ok, out, err = finish_async(
            lambda cb: child.communicate_utf8_async(None, None, cb),
            child.communicate_utf8_finish)
        self.assertTrue(ok)
        self.assertEqual((out, err), ('out\n', 'err\n'))
        # communicate waits but does not check: the status is on the record.
        self.assertEqual(child.try_wait().get_exit_status(), 3)

    def test_no_input(self):
        # With STDIN_PIPE and no data, the child gets end of file at once.
        child = self.cat()
        ok, out, err = child.communicate_utf8(None, None)
        self.assertTrue(ok)
        self.assertEqual(out, '')
        child = self.cat()
        ok, out, err = finish_async(
            lambda cb: child.communicate_async(None, None, cb),
            child.communicate_finish)
        self.assertTrue(ok)
        self.assertEqual(out.get_data(), b'')

    def test_invalid_utf8(self):
        argv = ['printf', 'valid, then \\377 not']
        child = self.spawn(argv, Flags.STDOUT_PIPE)
        pid = child.get_pid()
        with self.assertRaises(GLib.Error) as cm:
            child.communicate_utf8(None, None)
        self.assertIOError(cm.exception, Gio.IOErrorEnum.INVALID_DATA)
        self.assertIn('stdout', cm.exception.message)
        self.assertIn(str(pid), cm.exception.message)

        child = self.spawn(['sh', '-c', 'printf "\\377" >&2'],
                           Flags.STDERR_PIPE)
        with self.assertRaises(GLib.Error) as cm:
            finish_async(
                lambda cb: child.communicate_utf8_async(None, None, cb),
                child.communicate_utf8_finish)
        self.assertIOError(cm.exception, Gio.IOErrorEnum.INVALID_DATA)
        self.assertIn('stderr', cm.exception.message)

    def test_cancelled(self):
        child = self.spawn(['sleep', '100'], Flags.STDOUT_PIPE)
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        with self.assertRaises(GLib.Error) as cm:
            child.communicate_utf8(None, cancellable)
        self.assertIOError(cm.exception, Gio.IOErrorEnum.CANCELLED)
        # Cancelling does not end the process.
        self.assertIsNone(child.try_wait())
        # A second communicate finds the pipes closed, and says so,
        # naming the process.
        with self.assertRaises(GLib.Error) as cm:
            child.communicate_utf8(None, None)
        self.assertIOError(cm.exception, Gio.IOErrorEnum.CLOSED)
        self.assertIn('process %d' % child.get_pid(), cm.exception.message)
        self.assertIn('closed', cm.exception.message)

        # A failed communicate closes the pipes: a new process.
        child = self.spawn(['sleep', '100'], Flags.STDOUT_PIPE)
        cancellable = Gio.Cancellable()

        def cancel():
            cancellable.cancel()
            return GLib.SOURCE_REMOVE

        GLib.timeout_add(50, cancel)
        with self.assertRaises(GLib.Error) as cm:
            finish_async(
                lambda cb: child.communicate_async(None, cancellable, cb),
                child.communicate_finish)
        self.assertIOError(cm.exception, Gio.IOErrorEnum.CANCELLED)
        self.assertIsNone(child.try_wait())


class TestNotSpawned(SpawnTestCase):
    """A GPidFd for a process gpidfd did not start has no pipes."""

    def test_pipes_and_communicate(self):
        pid = os.posix_spawnp('sleep', ['sleep', '100'], os.environ)
        other = GPidFd.PidFd.new_from_pid(pid)
        self.addCleanup(self.kill_and_reap, other)
        self.assertIsNone(other.get_stdin_pipe())
        self.assertIsNone(other.get_stdout_pipe())
        self.assertIsNone(other.get_stderr_pipe())

        calls = [
            ('communicate', lambda: other.communicate(None, None)),
            ('communicate_utf8', lambda: other.communicate_utf8(None, None)),
            ('communicate_async', lambda: finish_async(
                lambda cb: other.communicate_async(None, None, cb),
                other.communicate_finish)),
            ('communicate_utf8_async', lambda: finish_async(
                lambda cb: other.communicate_utf8_async(None, None, cb),
                other.communicate_utf8_finish)),
        ]
        for name, call in calls:
            with self.assertRaises(GLib.Error, msg=name) as cm:
                call()
            self.assertIOError(cm.exception, Gio.IOErrorEnum.NOT_SUPPORTED)
            self.assertIn(str(pid), cm.exception.message)
        # Refused without waiting: the process still runs.
        self.assertIsNone(other.try_wait())
        self.assertEqual(os.waitpid(pid, os.WNOHANG), (0, 0))


class TestLauncher(SpawnTestCase):

    def test_flags(self):
        launcher = GPidFd.PidFdLauncher.new(Flags.NONE)
        self.assertEqual(launcher.props.flags, Flags.NONE)
        notified = []
        launcher.connect('notify::flags', lambda *args: notified.append(1))
        launcher.set_flags(Flags.STDOUT_PIPE)
        self.assertEqual(launcher.props.flags, Flags.STDOUT_PIPE)
        self.assertEqual(len(notified), 1)
        launcher.set_flags(Flags.STDOUT_PIPE)
        self.assertEqual(len(notified), 1)
        child = self.spawn(['echo', 'piped'], launcher=launcher)
        self.assertIsNotNone(child.get_stdout_pipe())
        self.assertEqual(child.communicate_utf8(None, None)[1], 'piped\n')

        launcher = GPidFd.PidFdLauncher(flags=Flags.STDERR_PIPE)
        child = self.spawn(['sh', '-c', 'echo e >&2'], launcher=launcher)
        self.assertIsNone(child.get_stdout_pipe())
        self.assertEqual(child.communicate_utf8(None, None)[2], 'e\n')

    def test_environment(self):
        launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE)
        # A copy of ours to start with.
        self.assertEqual(launcher.getenv('PATH'), os.environ['PATH'])

        def child_environ():
            child = self.spawn(['/usr/bin/env'], launcher=launcher)
            ok, out, _ = child.communicate_utf8(None, None)
            self.assertTrue(ok)
            self.assertEqual(child.try_wait().get_exit_status(), 0)
            return dict(line.split('=', 1) for line in out.splitlines())

        launcher.set_environ(['A=1', 'C=3'])
        self.assertEqual(launcher.getenv('A'), '1')
        self.assertIsNone(launcher.getenv('PATH'))
        launcher.setenv('A', 'not set', False)
        launcher.setenv('B', 'two words', True)
        launcher.setenv('C', '33', True)
        self.assertEqual(launcher.getenv('A'), '1')
        self.assertEqual(launcher.getenv('C'), '33')
        self.assertEqual(child_environ(), {'A': '1', 'B': 'two words',
                                           'C': '33'})
        launcher.unsetenv('A')
        self.assertIsNone(launcher.getenv('A'))
        self.assertEqual(child_environ(), {'B': 'two words', 'C': '33'})

        launcher.set_environ([])
        self.assertEqual(child_environ(), {})

        # None: the caller's environment as it is now.
        launcher.set_environ(None)
        self.assertEqual(child_environ().get('HOME'), os.environ['HOME'])

    def test_cwd(self):
        tmpdir = self.tmpdir()
        launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE)
        launcher.set_cwd(tmpdir)
        child = self.spawn(['sh', '-c', 'pwd -P'], launcher=launcher)
        self.assertEqual(child.communicate_utf8(None, None)[1],
                         os.path.realpath(tmpdir) + '\n')

        launcher.set_cwd(None)
        child = self.spawn(['sh', '-c', 'pwd -P'], launcher=launcher)
        self.assertEqual(child.communicate_utf8(None, None)[1],
                         os.path.realpath(os.getcwd()) + '\n')

        missing = os.path.join(tmpdir, 'missing')
        launcher.set_cwd(missing)
        with self.assertRaises(GLib.Error) as cm:
            launcher.spawnv(['true'])
        self.assertTrue(cm.exception.matches(GLib.spawn_error_quark(),
                                             GLib.SpawnError.CHDIR))
        self.assertIn('missing', cm.exception.message)

    def test_file_paths(self):
        tmpdir = self.tmpdir()
        stdin_path = os.path.join(tmpdir, 'in')
        stdout_path = os.path.join(tmpdir, 'out')
        stderr_path = os.path.join(tmpdir, 'err')
        with open(stdin_path, 'w') as f:
            f.write('from the file\n')
        # Truncated at the spawn, not overwritten in place.
        for path in (stdout_path, stderr_path):
            with open(path, 'w') as f:
                f.write('an old and much longer content\n' * 10)

        launcher = GPidFd.PidFdLauncher.new(Flags.NONE)
        launcher.set_stdin_file_path(stdin_path)
        launcher.set_stdout_file_path(stdout_path)
        launcher.set_stderr_file_path(stderr_path)
        child = self.spawn(['sh', '-c', 'cat; echo oops >&2'],
                           launcher=launcher)
        self.assertIsNone(child.get_stdin_pipe())
        self.assertIsNone(child.get_stdout_pipe())
        self.assertEqual(child.wait(None).get_exit_status(), 0)
        with open(stdout_path) as f:
            self.assertEqual(f.read(), 'from the file\n')
        with open(stderr_path) as f:
            self.assertEqual(f.read(), 'oops\n')

        # Unset again: stdout is inherited, stdin /dev/null.
        launcher.set_stdin_file_path(None)
        launcher.set_stdout_file_path(None)
        launcher.set_stderr_file_path(None)
        launcher.set_flags(Flags.STDOUT_PIPE)
        child = self.spawn(['cat'], launcher=launcher)
        self.assertEqual(child.communicate_utf8(None, None)[1], '')

        # A stdin file that is not there fails the spawn, naming it.
        launcher.set_flags(Flags.NONE)
        launcher.set_stdin_file_path(os.path.join(tmpdir, 'missing'))
        with self.assertRaises(GLib.Error) as cm:
            launcher.spawnv(['true'])
        self.assertIOError(cm.exception, Gio.IOErrorEnum.NOT_FOUND)
        self.assertIn('missing', cm.exception.message)

    def test_take_std_fds(self):
        tmpdir = self.tmpdir()
        stdin = self.pipe()
        stderr = self.pipe()
        os.write(stdin['w'], b'through a pipe\n')
        os.close(stdin['w'])
        stdin['w'] = None
        out_path = os.path.join(tmpdir, 'out')
        out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT, 0o600)

        launcher = GPidFd.PidFdLauncher.new(Flags.NONE)
        # The launcher owns each descriptor from here on.
        launcher.take_stdin_fd(stdin['r'])
        stdin['r'] = None
        launcher.take_stdout_fd(out_fd)
        launcher.take_stderr_fd(stderr['w'])
        stderr['w'] = None
        child = self.spawn(['sh', '-c', 'cat; echo to-stderr >&2'],
                           launcher=launcher)
        self.assertEqual(child.wait(None).get_exit_status(), 0)
        with open(out_path) as f:
            self.assertEqual(f.read(), 'through a pipe\n')
        # close() drops the launcher's write end: the pipe then ends.
        launcher.close()
        self.assertEqual(read_to_end(stderr['r']), b'to-stderr\n')

    def test_take_fd(self):
        into = self.pipe()
        out = self.pipe()
        os.write(into['w'], b'in on fd 4\n')
        os.close(into['w'])
        into['w'] = None

        launcher = GPidFd.PidFdLauncher.new(Flags.NONE)
        launcher.take_fd(into['r'], 4)
        into['r'] = None
        launcher.take_fd(out['w'], 3)
        out['w'] = None
        child = self.spawn(['sh', '-c', 'cat <&4 >&3; echo done >&3'],
                           launcher=launcher)
        self.assertEqual(child.wait(None).get_exit_status(), 0)
        launcher.close()
        self.assertEqual(read_to_end(out['r']), b'in on fd 4\ndone\n')

        # Closed: later spawns fail, and a second close does nothing.
        launcher.close()
        with self.assertRaises(GLib.Error) as cm:
            launcher.spawnv(['true'])
        self.assertIOError(cm.exception, Gio.IOErrorEnum.CLOSED)
        self.assertIn('true', cm.exception.message)

    def test_other_fds_not_passed(self):
        leak = self.pipe()
        os.set_inheritable(leak['w'], True)
        script = 'test -e /proc/self/fd/%d && echo open || echo closed' \
            % leak['w']
        launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE)
        child = self.spawn(['sh', '-c', script], launcher=launcher)
        self.assertEqual(child.communicate_utf8(None, None)[1], 'closed\n')
        launcher.set_flags(Flags.STDOUT_PIPE | Flags.INHERIT_FDS)
        child = self.spawn(['sh', '-c', script], launcher=launcher)
        self.assertEqual(child.communicate_utf8(None, None)[1], 'open\n')

    def test_inherit_ignored_signals(self):
        launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE)

        def child_ignores():
            child = self.spawn(['grep', '^SigIgn:', '/proc/self/status'],
                               launcher=launcher)
            return ignored_signals(child.communicate_utf8(None, None)[1])

        old_hup = signal.signal(signal.SIGHUP, signal.SIG_IGN)
        old_usr2 = signal.signal(signal.SIGUSR2, signal.SIG_IGN)
        try:
            # By default, as GLib's spawn: SIGHUP back at its default,
            # another ignored signal still ignored.
            ignored = child_ignores()
            self.assertNotIn(signal.SIGHUP, ignored)
            self.assertIn(signal.SIGUSR2, ignored)
            launcher.set_inherit_ignored_signals(True)
            ignored = child_ignores()
            self.assertIn(signal.SIGHUP, ignored)
            self.assertIn(signal.SIGUSR2, ignored)
            launcher.set_inherit_ignored_signals(False)
            self.assertNotIn(signal.SIGHUP, child_ignores())
        finally:
            signal.signal(signal.SIGHUP, old_hup)
            signal.signal(signal.SIGUSR2, old_usr2)


class TestProcessGroup(SpawnTestCase):

    def test_new_group(self):
        launcher = GPidFd.PidFdLauncher.new(Flags.NONE)
        child = self.spawn(['sleep', '100'], launcher=launcher)
        self.assertEqual(os.getpgid(child.get_pid()), os.getpgrp())
        launcher.set_process_group(True)
        child = self.spawn(['sleep', '100'], launcher=launcher)
        self.assertEqual(os.getpgid(child.get_pid()), child.get_pid())

    def test_kill_group(self):
        launcher = GPidFd.PidFdLauncher.new(Flags.STDOUT_PIPE)
        launcher.set_process_group(True)
        leader = self.spawn(['sh', '-c', 'sleep 100 & echo $!; '
                             'sleep 100 & echo $!; wait'], launcher=launcher)
        pgid = leader.get_pid()
        # Whatever happens, nothing of the group outlives the test.
        self.addCleanup(lambda: group_exists(pgid)
                        and os.killpg(pgid, signal.SIGKILL))
        stdout = Gio.DataInputStream.new(leader.get_stdout_pipe())
        sleeps = [int(stdout.read_line_utf8(None)[0]) for _ in range(2)]
        # Not children of ours: only told when they exit.
        sleepers = [GPidFd.PidFd.new_from_pid(pid) for pid in sleeps]
        for pid in sleeps:
            self.assertEqual(os.getpgid(pid), pgid)
        self.assertTrue(group_exists(pgid))

        self.assertTrue(leader.send_signal_full(
            signal.SIGKILL, GPidFd.PidFdSignalScope.PROCESS_GROUP))
        info = leader.wait(None)
        self.assertTrue(info.get_if_signaled())
        self.assertEqual(info.get_term_sig(), signal.SIGKILL)
        for sleeper in sleepers:
            self.assertTrue(sleeper.wait_exit(None))
        # Orphaned, the sleeps are reaped by pid 1 or a subreaper; then
        # nothing at all is left in the group.
        deadline = time.monotonic() + LOOP_TIMEOUT_S
        while group_exists(pgid):
            if time.monotonic() > deadline:
                raise AssertionError('process group %d is still there' % pgid)
            time.sleep(0.05)

    def test_not_a_group_leader(self):
        child = self.spawn(['sleep', '100'])
        with self.assertRaises(GLib.Error) as cm:
            child.send_signal_full(signal.SIGKILL,
                                   GPidFd.PidFdSignalScope.PROCESS_GROUP)
        self.assertIOError(cm.exception, Gio.IOErrorEnum.INVALID_ARGUMENT)
        # Nothing was sent, to the child or to our own group.
        self.assertIsNone(child.try_wait())
        self.assertTrue(child.send_signal_full(
            signal.SIGTERM, GPidFd.PidFdSignalScope.DEFAULT))
        self.assertEqual(child.wait(None).get_term_sig(), signal.SIGTERM)


if __name__ == '__main__':
    sys.exit(gpidfd_tap.main(__name__))
