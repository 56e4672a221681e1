/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-features-oldkernel.c: the kernel features of test-features.c on
 * older kernels, simulated with seccomp
 *
 * Each test runs in a subprocess that installs a seccomp filter before
 * its first gpidfd call (gpidfd learns what the kernel can do from its
 * first answers and remembers them), making the running kernel fail the
 * way an older one does:
 *
 *   pidfd_getfd()                     ENOSYS       before Linux 5.6
 *   pidfd_send_signal() with flags    EINVAL       before Linux 6.9
 *   getsockopt (SO_PEERPIDFD)         ENOPROTOOPT  before Linux 6.5
 *   pidfd_open (PIDFD_THREAD)         EINVAL       before Linux 6.9
 *   fstatfs() on a pidfd (no pidfs)   made to fail before Linux 6.9
 *   ioctl (PIDFD_GET_INFO)            ENOTTY       before Linux 6.13
 *
 * Then each feature either still works, through its fallback, or fails
 * with G_IO_ERROR_NOT_SUPPORTED naming the kernel feature and the
 * version that has it.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "features-common.h"
#include "robust-common.h"

enum {
  NO_GETFD          = 1 << 0,
  NO_SIGNAL_FLAGS   = 1 << 1,
  NO_PEERPIDFD      = 1 << 2,
  NO_PIDFD_THREAD   = 1 << 3,
  NO_PIDFS          = 1 << 4,
  NO_GET_INFO       = 1 << 5,
  GETFD_BLOCKED     = 1 << 6,   /* EPERM, as a sandbox answers */
};

#define LINUX_6_12 (NO_GET_INFO)
#define LINUX_6_8  (LINUX_6_12 | NO_SIGNAL_FLAGS | NO_PIDFD_THREAD | NO_PIDFS)
#define LINUX_6_4  (LINUX_6_8 | NO_PEERPIDFD)
#define LINUX_5_5  (LINUX_6_4 | NO_GETFD)

static void
install_filter (guint missing)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);

  g_assert_nonnull (ctx);
  if (missing & NO_GETFD)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), SCMP_SYS (pidfd_getfd), 0), ==, 0);
  if (missing & GETFD_BLOCKED)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EPERM), SCMP_SYS (pidfd_getfd), 0), ==, 0);
  if (missing & NO_SIGNAL_FLAGS)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EINVAL), SCMP_SYS (pidfd_send_signal), 1,
                                       SCMP_A3 (SCMP_CMP_NE, 0)), ==, 0);
  if (missing & NO_PEERPIDFD)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOPROTOOPT), SCMP_SYS (getsockopt), 1,
                                       SCMP_A2 (SCMP_CMP_EQ, SO_PEERPIDFD)), ==, 0);
  if (missing & NO_PIDFD_THREAD)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (EINVAL), SCMP_SYS (pidfd_open), 1,
                                       SCMP_A1 (SCMP_CMP_MASKED_EQ, PIDFD_THREAD, PIDFD_THREAD)), ==, 0);
  if (missing & NO_PIDFS)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOSYS), SCMP_SYS (fstatfs), 0), ==, 0);
  if (missing & NO_GET_INFO)
    {
      /* Type 0xFF, number 11, whatever the size encoded in the request. */
      g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (ENOTTY), SCMP_SYS (ioctl), 1,
                                         SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xFFFF, 0xFF0B)), ==, 0);
    }

  g_assert_cmpint (seccomp_load (ctx), ==, 0);
  seccomp_release (ctx);
}

/* Checks that the filter does what it says, with raw calls that leave
 * gpidfd's own probes alone. */
static void
check_filter (guint missing)
{
  int self = (int) syscall (SYS_pidfd_open, getpid (), 0);
  int thread;

  g_assert_cmpint (self, >=, 0);
  if (missing & (NO_GETFD | GETFD_BLOCKED))
    {
      g_assert_cmpint (syscall (SYS_pidfd_getfd, self, 0, 0), ==, -1);
      g_assert_cmpint (errno, ==, (missing & NO_GETFD) ? ENOSYS : EPERM);
    }
  if (missing & NO_SIGNAL_FLAGS)
    {
      g_assert_cmpint (syscall (SYS_pidfd_send_signal, self, 0, NULL, PIDFD_SIGNAL_THREAD_GROUP), ==, -1);
      g_assert_cmpint (errno, ==, EINVAL);
      g_assert_cmpint (syscall (SYS_pidfd_send_signal, self, 0, NULL, 0), ==, 0);
    }
  if (missing & NO_PEERPIDFD)
    {
      int pair[2], fd = -1;
      socklen_t len = sizeof fd;

      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
      g_assert_cmpint (getsockopt (pair[0], SOL_SOCKET, SO_PEERPIDFD, &fd, &len), ==, -1);
      g_assert_cmpint (errno, ==, ENOPROTOOPT);
      close (pair[0]);
      close (pair[1]);
    }
  thread = (int) syscall (SYS_pidfd_open, getpid (), PIDFD_THREAD);
  if (missing & NO_PIDFD_THREAD)
    {
      g_assert_cmpint (thread, ==, -1);
      g_assert_cmpint (errno, ==, EINVAL);
    }
  else if (thread >= 0)
    close (thread);
  else
    {
      /* The kernel itself lacks PIDFD_THREAD (before Linux 6.9). */
      g_assert_cmpint (errno, ==, EINVAL);
    }
  if (missing & NO_PIDFS)
    {
      struct statfs sfs;

      g_assert_cmpint (fstatfs (self, &sfs), ==, -1);
    }
  if (missing & NO_GET_INFO)
    {
      GPidFdKernelInfo info = { .mask = GPIDFD_INFO_PID };

      g_assert_cmpint (ioctl (self, _IOWR (0xFF, 11, GPidFdKernelInfo), &info), ==, -1);
      g_assert_cmpint (errno, ==, ENOTTY);
    }
  close (self);
}

static void
simulate (guint missing)
{
  install_filter (missing);
  check_filter (missing);
}

/* Runs the test's body in a subprocess, with descriptors counted there
 * before and after. */
static void
run_in_subprocess (void)
{
  if (gpt_skip_under_valgrind ("a seccomp filter under valgrind filters valgrind"))
    return;
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static guint fds_before;

static void
body_begin (guint missing)
{
  fds_before = gpt_count_fds ();
  simulate (missing);
}

static void
body_end (void)
{
  g_assert_cmpuint (gpt_count_fds (), ==, fds_before);
}

/* ---- Scenarios -------------------------------------------------------- */

static void
check_remote_fd_unsupported (gboolean blocked)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  int gate;
  pid_t pid = fc_spawn_gated (&gate, 0);

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_dup_remote_fd (pidfd, 0, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  fc_assert_message_has (error, "pidfd_getfd");
  fc_assert_message_names_pid (error, pid);
  if (blocked)
    fc_assert_message_has (error, "blocked");
  else
    fc_assert_message_has (error, "5.6");
  g_test_message ("%s", error->message);
  close (gate);
  fc_reap_exited (pid, 0);
}

/* Scopes the kernel refuses: NOT_SUPPORTED, and nobody is signalled;
 * the default scope still works. */
static void
check_signal_scopes_unsupported (void)
{
  static const struct
  {
    GPidFdSignalScope scope;
    const char *name;
  } scopes[] = {
    { G_PIDFD_SIGNAL_SCOPE_THREAD, "PIDFD_SIGNAL_THREAD" },
    { G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP, "PIDFD_SIGNAL_THREAD_GROUP" },
    { G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP, "PIDFD_SIGNAL_PROCESS_GROUP" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) process = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  struct pollfd pfd;
  FcThreaded t;

  fc_spawn_threaded (&t, 1, 0);
  process = g_pidfd_new_from_pid (t.pid, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (scopes); i++)
    {
      g_assert_false (g_pidfd_send_signal_full (process, SIGUSR1, scopes[i].scope, &error));
      fc_assert_message_names_pid (error, t.pid);
      if (scopes[i].scope == G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP)
        {
          /* For a child of ours, kill (-pid) stands in; this one leads
           * no group, so no group is signalled and the error says why. */
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
          fc_assert_message_has (error, "does not lead a process group");
          g_test_message ("%s", error->message);
          g_clear_error (&error);
          continue;
        }
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      fc_assert_message_has (error, scopes[i].name);
      fc_assert_message_has (error, "6.9");
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }
  /* Nothing arrived. */
  pfd.fd = t.report_rd;
  pfd.events = POLLIN;
  g_assert_cmpint (poll (&pfd, 1, 50), ==, 0);

  g_assert_true (g_pidfd_send_signal (process, SIGUSR1, &error));
  g_assert_no_error (error);
  {
    pid_t tid = fc_threaded_next_report (&t);

    g_assert_true (tid == t.pid || tid == t.tids[0]);
  }

  fc_threaded_exit (&t, 0);
  record = fc_wait (process);
  gpt_assert_exited (record, t.pid, 0);
}

static void
check_thread_unsupported (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFd) process = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  FcThreaded t;

  fc_spawn_threaded (&t, 1, 0);
  thread = g_pidfd_new_from_pid_full (t.tids[0], G_PIDFD_FLAGS_THREAD, &error);
  g_assert_null (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  fc_assert_message_has (error, "PIDFD_THREAD");
  fc_assert_message_has (error, "6.9");
  fc_assert_message_names_pid (error, t.tids[0]);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* The process itself is still there to be opened. */
  process = g_pidfd_new_from_pid (t.pid, &error);
  g_assert_no_error (error);
  g_assert_false (((g_pidfd_get_flags (process) & G_PIDFD_FLAGS_THREAD) != 0));
  fc_threaded_exit (&t, 2);
  record = fc_wait (process);
  gpt_assert_exited (record, t.pid, 2);
}

/* Without pidfs: no id, handles refused, equality by unreaped pid. */
static void
check_identity_without_pidfs (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) a = NULL;
  g_autoptr(GPidFd) b = NULL;
  g_autoptr(GPidFd) other = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  int gate, gate2;
  pid_t pid = fc_spawn_gated (&gate, 0);
  pid_t pid2 = fc_spawn_gated (&gate2, 0);

  a = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  b = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  other = g_pidfd_new_from_pid (pid2, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (g_pidfd_get_id (a), ==, 0);
  g_assert_true (g_pidfd_equal (a, b));
  g_assert_cmpuint (g_pidfd_hash (a), ==, g_pidfd_hash (b));
  g_assert_false (g_pidfd_equal (a, other));

  text = g_pidfd_to_string (a);
  expected = g_strdup_printf ("%d:0", (int) pid);
  g_assert_cmpstr (text, ==, expected);
  g_assert_null (g_pidfd_new_for_string (text, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  fc_assert_message_has (error, "pidfs");
  fc_assert_message_has (error, "6.9");
  g_clear_error (&error);

  /* Reaped: only an object is equal to itself, as documented. */
  close (gate);
  record = fc_wait (a);
  gpt_assert_exited (record, pid, 0);
  g_assert_true (g_pidfd_equal (a, a));
  g_assert_false (g_pidfd_equal (a, b));
  g_assert_false (g_pidfd_equal (b, a));

  close (gate2);
  fc_reap_exited (pid2, 0);
}

/* query_info from /proc for a thread: its tid, its process. */
static void
check_thread_query_info_from_proc (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  FcThreaded t;

  fc_spawn_threaded (&t, 1, 0);
  thread = g_pidfd_new_from_pid_full (t.tids[0], G_PIDFD_FLAGS_THREAD, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      /* The kernel itself lacks thread pidfds (before Linux 6.9), and
       * says so; the process still ends as it should. */
      g_assert_nonnull (strstr (error->message, "PIDFD_THREAD"));
      g_test_message ("no thread pidfds here: %s", error->message);
      g_clear_error (&error);
      thread = g_pidfd_new_from_pid (t.pid, &error);
      g_assert_no_error (error);
      fc_threaded_exit (&t, 8);
      record = fc_wait (thread);
      gpt_assert_exited (record, t.pid, 8);
      return;
    }
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_pid (thread), ==, t.tids[0]);
  info = g_pidfd_query_info (thread, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, t.tids[0]);
  g_assert_cmpint (g_pidfd_process_info_get_tgid (info), ==, t.pid);
  g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, getpid ());
  g_assert_true (g_pidfd_process_info_has_credentials (info));
  fc_threaded_exit (&t, 8);
  record = fc_wait (thread);
  gpt_assert_exited (record, t.pid, 8);
}

/* ---- Tests ------------------------------------------------------------ */

static void
test_no_getfd (void)
{
  if (g_test_subprocess ())
    {
      body_begin (NO_GETFD);
      check_remote_fd_unsupported (FALSE);
      body_end ();
      return;
    }
  g_test_summary ("pidfd_getfd answers ENOSYS (before Linux 5.6): "
                  "dup_remote_fd gives NOT_SUPPORTED naming the call and 5.6");
  run_in_subprocess ();
}

static void
test_getfd_blocked (void)
{
  if (g_test_subprocess ())
    {
      body_begin (GETFD_BLOCKED);
      check_remote_fd_unsupported (TRUE);
      body_end ();
      return;
    }
  g_test_summary ("pidfd_getfd refused by a sandbox (EPERM for every "
                  "argument): NOT_SUPPORTED saying it is blocked, not "
                  "PERMISSION_DENIED");
  run_in_subprocess ();
}

static void
test_no_signal_scopes (void)
{
  if (g_test_subprocess ())
    {
      body_begin (NO_SIGNAL_FLAGS);
      check_signal_scopes_unsupported ();
      body_end ();
      return;
    }
  g_test_summary ("pidfd_send_signal refuses flags with EINVAL (before Linux "
                  "6.9): each scope gives NOT_SUPPORTED naming it and 6.9, and "
                  "signals no one; the default scope still works");
  run_in_subprocess ();
}

static void
test_no_get_info (void)
{
  if (g_test_subprocess ())
    {
      body_begin (NO_GET_INFO);
      if (getuid () == 0)
        fc_check_query_info_creds (FALSE);
      fc_check_query_info_non_child ();
      check_thread_query_info_from_proc ();
      g_assert_false (gpidfd_sys_has_get_info ());
      body_end ();
      return;
    }
  g_test_summary ("PIDFD_GET_INFO answers ENOTTY (before Linux 6.13): "
                  "query_info reads /proc, checked against the pidfd: the same "
                  "ids and credentials, no cgroup id, NOT_FOUND once reaped");
  run_in_subprocess ();
}

static void
test_no_peerpidfd (void)
{
  if (g_test_subprocess ())
    {
      body_begin (NO_PEERPIDFD);
      fc_check_socket_peer ();
      body_end ();
      return;
    }
  g_test_summary ("SO_PEERPIDFD answers ENOPROTOOPT (before Linux 6.5): the "
                  "socket peer comes from SO_PEERCRED and pidfd_open, checked");
  run_in_subprocess ();
}

static void
test_no_pidfd_thread (void)
{
  if (g_test_subprocess ())
    {
      body_begin (NO_PIDFD_THREAD);
      check_thread_unsupported ();
      body_end ();
      return;
    }
  g_test_summary ("pidfd_open refuses PIDFD_THREAD with EINVAL (before Linux "
                  "6.9): new_from_pid_full (THREAD) gives NOT_SUPPORTED naming PIDFD_THREAD "
                  "and 6.9; processes still open");
  run_in_subprocess ();
}

static void
test_no_pidfs (void)
{
  if (g_test_subprocess ())
    {
      body_begin (NO_PIDFS);
      check_identity_without_pidfs ();
      body_end ();
      return;
    }
  g_test_summary ("No pidfs (before Linux 6.9): get_id is 0, a handle "
                  "without an id is refused as NOT_SUPPORTED naming pidfs and "
                  "6.9, equal and hash still work for unreaped processes");
  run_in_subprocess ();
}

static void
test_linux_6_8 (void)
{
  if (g_test_subprocess ())
    {
      body_begin (LINUX_6_8);
      if (getuid () == 0)
        fc_check_query_info_creds (FALSE);
      fc_check_query_info_non_child ();
      fc_check_socket_peer ();
      check_thread_unsupported ();
      check_signal_scopes_unsupported ();
      check_identity_without_pidfs ();
      body_end ();
      return;
    }
  g_test_summary ("Linux 6.8 (SO_PEERPIDFD and pidfd_getfd, none of the 6.9 "
                  "and 6.13 features): every feature works or says why not");
  run_in_subprocess ();
}

static void
test_linux_6_4 (void)
{
  if (g_test_subprocess ())
    {
      body_begin (LINUX_6_4);
      fc_check_query_info_non_child ();
      fc_check_socket_peer ();
      check_thread_unsupported ();
      body_end ();
      return;
    }
  g_test_summary ("Linux 6.4 (no SO_PEERPIDFD either): the socket peer through "
                  "SO_PEERCRED");
  run_in_subprocess ();
}

static void
test_linux_5_5 (void)
{
  if (g_test_subprocess ())
    {
      body_begin (LINUX_5_5);
      check_remote_fd_unsupported (FALSE);
      fc_check_socket_peer ();
      fc_check_query_info_non_child ();
      body_end ();
      return;
    }
  g_test_summary ("Linux 5.5 (no pidfd_getfd either): dup_remote_fd says so; "
                  "the rest still works");
  run_in_subprocess ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rb_warm_up ();
  g_type_ensure (G_TYPE_PIDFD_PROCESS_INFO);

  g_test_add_func ("/robust/oldkernel-features/no-getfd", test_no_getfd);
  g_test_add_func ("/robust/oldkernel-features/getfd-blocked", test_getfd_blocked);
  g_test_add_func ("/robust/oldkernel-features/no-signal-scopes", test_no_signal_scopes);
  g_test_add_func ("/robust/oldkernel-features/no-get-info", test_no_get_info);
  g_test_add_func ("/robust/oldkernel-features/no-peerpidfd", test_no_peerpidfd);
  g_test_add_func ("/robust/oldkernel-features/no-pidfd-thread", test_no_pidfd_thread);
  g_test_add_func ("/robust/oldkernel-features/no-pidfs", test_no_pidfs);
  g_test_add_func ("/robust/oldkernel-features/linux-6.8", test_linux_6_8);
  g_test_add_func ("/robust/oldkernel-features/linux-6.4", test_linux_6_4);
  g_test_add_func ("/robust/oldkernel-features/linux-5.5", test_linux_5_5);

  return g_test_run ();
}
