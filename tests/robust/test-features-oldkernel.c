/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-features-oldkernel.c: the kernel features of test-features.c on
 * older kernels, simulated with seccomp
 *
 * Each row of the table at the end runs its checks in a subprocess
 * (gt_add_refused()) that installs a seccomp filter before its first
 * gpidfd call (gpidfd learns what the kernel can do from its first
 * answers and remembers them), making the running kernel fail the way an
 * older one does:
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
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gt.h"

/* ---- Scenarios -------------------------------------------------------- */

/* pidfd_getfd() refused: dup_remote_fd gives NOT_SUPPORTED naming the
 * call and 5.6, or, under a sandbox's refusal, saying it is blocked
 * (not PERMISSION_DENIED). */
static void
check_remote_fd_unsupported (const GtRefusedRow *row)
{
  gboolean blocked = row->errnum != 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  int gate;
  pid_t pid = gt_spawn_gated_alone (&gate, 0);

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_dup_remote_fd (pidfd, 0, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  gt_assert_message_has (error, "pidfd_getfd");
  gt_assert_message_names_pid (error, pid);
  if (blocked)
    gt_assert_message_has (error, "blocked");
  else
    gt_assert_message_has (error, "5.6");
  g_test_message ("%s", error->message);
  close (gate);
  gt_reap_exited (pid, 0);
}

/* Scopes the kernel refuses: NOT_SUPPORTED, and nobody is signalled;
 * the default scope still works. */
static void
check_signal_scopes_unsupported (const GtRefusedRow *row)
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
  GtThreaded t;

  gt_spawn_threaded (&t, 1, 0, GT_MIDDLE_NONE);
  process = g_pidfd_new_from_pid (t.pid, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (scopes); i++)
    {
      g_assert_false (g_pidfd_send_signal_full (process, SIGUSR1, scopes[i].scope, &error));
      gt_assert_message_names_pid (error, t.pid);
      if (scopes[i].scope == G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP)
        {
          /* For a child of ours, kill (-pid) stands in; this one leads
           * no group, so no group is signalled and the error says why. */
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
          gt_assert_message_has (error, "does not lead a process group");
          g_test_message ("%s", error->message);
          g_clear_error (&error);
          continue;
        }
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      gt_assert_message_has (error, scopes[i].name);
      gt_assert_message_has (error, "6.9");
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
    pid_t tid = gt_threaded_next_report (&t);

    g_assert_true (tid == t.pid || tid == t.tids[0]);
  }

  gt_threaded_exit (&t, 0);
  record = gt_wait (process);
  gt_assert_exited (record, t.pid, 0);
}

static void
check_thread_unsupported (const GtRefusedRow *row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFd) process = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  GtThreaded t;

  gt_spawn_threaded (&t, 1, 0, GT_MIDDLE_NONE);
  thread = g_pidfd_new_from_pid_full (t.tids[0], G_PIDFD_FLAGS_THREAD, &error);
  g_assert_null (thread);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  gt_assert_message_has (error, "PIDFD_THREAD");
  gt_assert_message_has (error, "6.9");
  gt_assert_message_names_pid (error, t.tids[0]);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* The process itself is still there to be opened. */
  process = g_pidfd_new_from_pid (t.pid, &error);
  g_assert_no_error (error);
  g_assert_false (((g_pidfd_get_flags (process) & G_PIDFD_FLAGS_THREAD) != 0));
  gt_threaded_exit (&t, 2);
  record = gt_wait (process);
  gt_assert_exited (record, t.pid, 2);
}

/* Without pidfs: no id, handles refused, equality by unreaped pid. */
static void
check_identity_without_pidfs (const GtRefusedRow *row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) a = NULL;
  g_autoptr(GPidFd) b = NULL;
  g_autoptr(GPidFd) other = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  int gate, gate2;
  pid_t pid = gt_spawn_gated_alone (&gate, 0);
  pid_t pid2 = gt_spawn_gated_alone (&gate2, 0);

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
  gt_assert_message_has (error, "pidfs");
  gt_assert_message_has (error, "6.9");
  g_clear_error (&error);

  /* Reaped: only an object is equal to itself, as documented. */
  close (gate);
  record = gt_wait (a);
  gt_assert_exited (record, pid, 0);
  g_assert_true (g_pidfd_equal (a, a));
  g_assert_false (g_pidfd_equal (a, b));
  g_assert_false (g_pidfd_equal (b, a));

  close (gate2);
  gt_reap_exited (pid2, 0);
}

/* query_info from /proc for a thread: its tid, its process. */
static void
check_thread_query_info_from_proc (const GtRefusedRow *row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  GtThreaded t;

  gt_spawn_threaded (&t, 1, 0, GT_MIDDLE_NONE);
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
      gt_threaded_exit (&t, 8);
      record = gt_wait (thread);
      gt_assert_exited (record, t.pid, 8);
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
  gt_threaded_exit (&t, 8);
  record = gt_wait (thread);
  gt_assert_exited (record, t.pid, 8);
}

/* query_info from /proc, checked against the pidfd: the same ids and
 * credentials (as root, distinct ones), no cgroup id, NOT_FOUND once
 * reaped. */
static void
check_query_info_from_proc (const GtRefusedRow *row)
{
  if (getuid () == 0)
    gt_check_query_info_creds (FALSE);
  gt_check_query_info_non_child ();
}

static void
check_query_info_non_child (const GtRefusedRow *row)
{
  gt_check_query_info_non_child ();
}

static void
check_no_get_info (const GtRefusedRow *row)
{
  g_assert_false (gpidfd_sys_has_get_info ());
}

static void
check_socket_peer (const GtRefusedRow *row)
{
  gt_check_socket_peer ();
}

/* ---- The table --------------------------------------------------------- */

static const GtRefusedRow rows[] = {
  { "no-getfd", GT_CALL_PIDFD_GETFD, 0,
    "pidfd_getfd answers ENOSYS (before Linux 5.6): dup_remote_fd gives "
    "NOT_SUPPORTED naming the call and 5.6",
    { check_remote_fd_unsupported } },
  { "getfd-blocked", GT_CALL_PIDFD_GETFD, EPERM,
    "pidfd_getfd refused by a sandbox (EPERM for every argument): "
    "NOT_SUPPORTED saying it is blocked, not PERMISSION_DENIED",
    { check_remote_fd_unsupported } },
  { "no-signal-scopes", GT_CALL_SIGNAL_FLAGS, 0,
    "pidfd_send_signal refuses flags with EINVAL (before Linux 6.9): each "
    "scope gives NOT_SUPPORTED naming it and 6.9, and signals no one; the "
    "default scope still works",
    { check_signal_scopes_unsupported } },
  { "no-get-info", GT_CALL_GET_INFO, 0,
    "PIDFD_GET_INFO answers ENOTTY (before Linux 6.13): query_info reads "
    "/proc, checked against the pidfd: the same ids and credentials, no "
    "cgroup id, NOT_FOUND once reaped",
    { check_query_info_from_proc, check_thread_query_info_from_proc, check_no_get_info } },
  { "no-peerpidfd", GT_CALL_PEERPIDFD, 0,
    "SO_PEERPIDFD answers ENOPROTOOPT (before Linux 6.5): the socket peer "
    "comes from SO_PEERCRED and pidfd_open, checked",
    { check_socket_peer } },
  { "no-pidfd-thread", GT_CALL_PIDFD_THREAD, 0,
    "pidfd_open refuses PIDFD_THREAD with EINVAL (before Linux 6.9): "
    "new_from_pid_full (THREAD) gives NOT_SUPPORTED naming PIDFD_THREAD "
    "and 6.9; processes still open",
    { check_thread_unsupported } },
  { "no-pidfs", GT_CALL_PIDFS, 0,
    "No pidfs (before Linux 6.9): get_id is 0, a handle without an id is "
    "refused as NOT_SUPPORTED naming pidfs and 6.9, equal and hash still "
    "work for unreaped processes",
    { check_identity_without_pidfs } },
  { "linux-6.8", GT_LINUX_6_8, 0,
    "Linux 6.8 (SO_PEERPIDFD and pidfd_getfd, none of the 6.9 and 6.13 "
    "features): every feature works or says why not",
    { check_query_info_from_proc, check_socket_peer, check_thread_unsupported,
      check_signal_scopes_unsupported, check_identity_without_pidfs } },
  { "linux-6.4", GT_LINUX_6_4, 0,
    "Linux 6.4 (no SO_PEERPIDFD either): the socket peer through "
    "SO_PEERCRED",
    { check_query_info_non_child, check_socket_peer, check_thread_unsupported } },
  { "linux-5.5", GT_LINUX_5_5, 0,
    "Linux 5.5 (no pidfd_getfd either): dup_remote_fd says so; the rest "
    "still works",
    { check_remote_fd_unsupported, check_socket_peer, check_query_info_non_child } },
};

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add_refused ("/robust/oldkernel-features", rows, G_N_ELEMENTS (rows),
                  GT_REFUSED_SKIP_UNDER_VALGRIND);

  return g_test_run ();
}
