/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-oldkernel.c: older kernels, simulated with seccomp
 *
 * Each row of the tables at the end runs its checks in a subprocess
 * (gt_add_refused()) that installs a seccomp filter before its first
 * gpidfd call (gpidfd probes each kernel feature once per process),
 * making the running kernel fail the way an older one does:
 *
 *   pidfd_open()            ENOSYS   before Linux 5.3
 *   pidfd_send_signal()     ENOSYS   before Linux 5.1
 *   waitid (P_PIDFD, ...)   EINVAL   before Linux 5.4
 *   ioctl (PIDFD_GET_INFO)  ENOTTY   before Linux 6.13
 *   fstatfs() on a pidfd    no pidfs before Linux 6.9 (made to fail)
 *
 * and, in a second table, the way sandboxes refuse calls they block:
 * container runtimes' seccomp profiles and security modules answer EPERM
 * (sometimes ENOSYS) for pidfd_open(), pidfd_send_signal(), waitid
 * (P_PIDFD) or the PIDFD_GET_INFO ioctl. A refusal that comes from a
 * filter and not from the target process is no permission problem of
 * that process: gpidfd uses the race-free fallback where there is one
 * (the caller's own, unreaped children; /proc for the pid) and otherwise
 * answers G_IO_ERROR_NOT_SUPPORTED saying that the call is blocked.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gpidfd-watcher-private.h"
#include "gt.h"

/* A non-child's record, on the running kernel: its real status, read
 * after its parent reaped it, where the kernel gives it then
 * (PIDFD_INFO_EXIT, Linux 6.15); the status unknown before. */
static void
assert_non_child_record (GPidFdExitInfo *info,
                         pid_t           pid,
                         int             code)
{
  if (gt_kernel_has_exit_info ())
    {
      gt_assert_exited (info, pid, code);
      return;
    }
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_false (g_pidfd_exit_info_has_status (info));
}

/* A non-child that has exited 5 and stays a zombie until its parent is
 * released (gt_family_release()). */
static void
spawn_unreaped_grandchild (GtFamily *family)
{
  gt_family_spawn (family, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT, .code = 5, .middle = GT_MIDDLE_REAPS_ON_RELEASE });
  gt_wait_proc_state (family->pid, "Z");
}

/* A non-child that exits 9 after 50 ms; its parent reaps it 300 ms later. */
static void
spawn_grandchild (GtFamily *family)
{
  gt_family_spawn (family, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT, .code = 9, .delay_ms = 50,
                     .middle = GT_MIDDLE_REAPS, .reap_delay_ms = 300 });
}

/* Waits for a child every way there is, with whatever the kernel has:
 * each way of collecting, with NO_REAP, and after a reap behind the
 * library's back. */
static void
exercise_child_waits (gboolean have_status_after_foreign_reap)
{
  static const struct
  {
    GtHow how;
    GPidFdFlags flags;
    gboolean reaped_elsewhere;
  } ways[] = {
    { GT_HOW_WAIT, 0, FALSE },
    { GT_HOW_WAIT_ASYNC, 0, FALSE },
    { GT_HOW_TRY_WAIT, 0, FALSE },
    { GT_HOW_SOURCE, 0, FALSE },
    { GT_HOW_WAIT, G_PIDFD_FLAGS_NO_REAP, FALSE },
    { GT_HOW_WAIT, 0, TRUE },
  };
  pid_t bystander = gt_spawn_exit (77, 0);

  for (guint i = 0; i < G_N_ELEMENTS (ways); i++)
    {
      int code = 10 + i;
      pid_t pid = gt_spawn_exit (code, i * 5);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid_full (pid, ways[i].flags, &error);
      g_autoptr(GPidFdExitInfo) info = NULL;

      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (pidfd));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);

      if (ways[i].reaped_elsewhere)
        {
          gt_reap_exited (pid, code);
          info = gt_collect (pidfd, ways[i].how, NULL, NULL);
          if (have_status_after_foreign_reap)
            gt_assert_exited (info, pid, code);
          else
            g_assert_false (g_pidfd_exit_info_has_status (info));
          continue;
        }

      info = gt_collect (pidfd, ways[i].how, NULL, NULL);
      gt_assert_exited (info, pid, code);
      g_assert_true (g_pidfd_exit_info_has_rusage (info));
      if (ways[i].flags & G_PIDFD_FLAGS_NO_REAP)
        gt_reap_exited (pid, code);
      else
        g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
    }

  /* Nobody else was reaped. */
  g_usleep (10000);
  g_assert_true (gt_is_unreaped_zombie (bystander) || kill (bystander, 0) == 0);
  gt_reap_exited (bystander, 77);
  g_assert_false (gt_has_children ());
}

/* ---- The checks ------------------------------------------------------- */

/* What a refusal's error says: the missing call, as a kernel that lacks
 * it is told apart from a sandbox (@row->errnum 0), or that the call is
 * blocked; and the process. */
static void
assert_refused_error (const GtRefusedRow *row,
                      const GError       *error,
                      const char         *call,
                      pid_t               pid)
{
  gt_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   row->errnum == 0 ? call : "blocked", pid);
  g_test_message ("%s", error->message);
}

/* pidfd_open() refused: nothing can be held, and the error says why
 * (before Linux 5.3: the call and the version that has it). */
static void
check_open_refused (const GtRefusedRow *row)
{
  pid_t pid = gt_spawn_pause ();
  g_autoptr(GError) error = NULL;

  g_assert_null (g_pidfd_new_from_pid (pid, &error));
  assert_refused_error (row, error, "pidfd_open", pid);
  if (row->errnum == 0)
    gt_assert_message_has (error, "5.3");
  g_clear_error (&error);

  g_assert_null (g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NO_REAP, &error));
  assert_refused_error (row, error, "pidfd_open", pid);
  g_clear_error (&error);

  /* Arguments are still checked first. */
  g_assert_null (g_pidfd_new_from_pid (0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* The process was left alone. */
  g_assert_true (kill (pid, 0) == 0 && !gt_is_unreaped_zombie (pid));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (WIFSIGNALED (gt_reap (pid)));
}

/* pidfd_send_signal() refused: the caller's own unreaped children, which
 * only gpidfd reaps and whose pid cannot be reused meanwhile, are
 * signalled with kill(); anything else is NOT_SUPPORTED. */
static void
check_send_signal_refused (const GtRefusedRow *row)
{
  pid_t child = gt_spawn_pause ();
  pid_t shared = gt_spawn_pause ();
  GtFamily family;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) no_reap = NULL;
  g_autoptr(GPidFd) other = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  pidfd = g_pidfd_new_from_pid (child, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_send_signal (pidfd, 0, &error));
  g_assert_no_error (error);
  if (!g_pidfd_send_signal (pidfd, SIGTERM, &error))
    g_error ("send_signal (SIGTERM) to our own child %d with pidfd_send_signal "
             "refused: %s", child, error->message);
  info = gt_wait (pidfd);
  gt_assert_signaled (info, child, SIGTERM);

  /* Reaped: no signal for a pid that may be reused. */
  g_assert_false (g_pidfd_send_signal (pidfd, SIGTERM, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A child someone else reaps: kill() is not race-free there. */
  no_reap = g_pidfd_new_from_pid_full (shared, G_PIDFD_FLAGS_NO_REAP, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_send_signal (no_reap, SIGTERM, &error));
  assert_refused_error (row, error, "pidfd_send_signal", shared);
  g_clear_error (&error);
  g_assert_false (gt_is_unreaped_zombie (shared));

  /* A non-child: the same. */
  gt_family_spawn (&family, &(GtFamilySpec) {
                     .does = GT_DOES_PAUSE, .middle = GT_MIDDLE_REAPS_ON_RELEASE });
  other = g_pidfd_new_from_pid (family.pid, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_send_signal (other, SIGTERM, &error));
  assert_refused_error (row, error, "pidfd_send_signal", family.pid);
  g_clear_error (&error);
  g_assert_cmpint (kill (family.pid, 0), ==, 0);

  g_assert_cmpint (kill (family.pid, SIGKILL), ==, 0);
  gt_family_end (&family);
  g_assert_cmpint (kill (shared, SIGKILL), ==, 0);
  g_assert_true (WIFSIGNALED (gt_reap (shared)));
}

/* waitid (P_PIDFD) refused (EINVAL before Linux 5.4): children are still
 * children, waited for with waitid (P_PID), with their full records;
 * nothing else is reaped, and a non-child is still not a child. */
static void
check_waitid_refused (const GtRefusedRow *row)
{
  GtFamily family;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  exercise_child_waits (gt_kernel_has_exit_info ());
  if (row->errnum == 0)
    g_assert_false (gpidfd_sys_has_waitid_pidfd ());

  spawn_grandchild (&family);
  pidfd = g_pidfd_new_from_pid (family.pid, &error);
  if (pidfd != NULL)
    {
      g_assert_false (g_pidfd_is_child (pidfd));
      info = gt_wait (pidfd);
      assert_non_child_record (info, family.pid, 9);
    }
  else
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gt_family_end (&family);
}

/* The PIDFD_GET_INFO ioctl refused (ENOTTY before Linux 6.13): the pid
 * comes from /proc (the fdinfo Pid: line, checked to be this pid
 * namespace's), so does query_info; children keep full records; a
 * child reaped behind the library's back ends with an unknown status. */
static void
check_get_info_refused (const GtRefusedRow *row)
{
  g_autoptr(GError) error = NULL;
  pid_t pid = gt_spawn_exit (3, 0);
  g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NO_REAP, &error);
  int raw = (int) syscall (SYS_pidfd_open, pid, 0);
  g_autoptr(GPidFd) from_fd = NULL;
  g_autoptr(GPidFdProcessInfo) pinfo = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (raw, >=, 0);
  from_fd = g_pidfd_new_from_fd (raw, &error);
  g_assert_no_error (error);
  close (raw);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
  g_assert_cmpint (g_pidfd_get_pid (from_fd), ==, pid);
  g_assert_true (g_pidfd_is_child (from_fd));

  pinfo = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (pinfo), ==, pid);
  g_assert_cmpint (g_pidfd_process_info_get_tgid (pinfo), ==, pid);
  g_assert_cmpint (g_pidfd_process_info_get_ppid (pinfo), ==, getpid ());
  g_assert_cmpuint (g_pidfd_process_info_get_ruid (pinfo), ==, getuid ());
  g_assert_cmpuint (g_pidfd_process_info_get_egid (pinfo), ==, getegid ());

  /* Then -1 once reaped. */
  gt_reap (pid);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
  g_assert_cmpint (g_pidfd_get_pid (from_fd), ==, -1);

  exercise_child_waits (FALSE);
  if (row->errnum == 0)
    g_assert_false (gpidfd_sys_has_get_info ());
}

/* Without PIDFD_GET_INFO, a non-child's wait completes when it exits (the
 * status is unknown then and will never be known): it must not wait for
 * its parent to reap it. As the first check of its row, this is the
 * first call that meets the kernel's answer, before anything else has
 * probed PIDFD_GET_INFO. With @blocking, g_pidfd_wait() fails on the
 * watchdog instead of hanging; else a single try_wait has the record. */
static void
check_unreaped_non_child (gboolean blocking)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  GtFamily family;

  spawn_unreaped_grandchild (&family);
  pidfd = g_pidfd_new_from_pid (family.pid, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, family.pid);

  if (blocking)
    {
      gt_watchdog_start ("blocking wait for an exited non-child without PIDFD_GET_INFO", 10);
      info = gt_wait (pidfd);
      gt_watchdog_stop ();
    }
  else
    {
      g_assert_true (g_pidfd_has_exited (pidfd));
      info = g_pidfd_try_wait (pidfd, &error);
      g_assert_no_error (error);
      if (info == NULL)
        g_error ("try_wait on exited non-child %d gave no record without "
                 "PIDFD_GET_INFO: the wait would last until its parent reaps it "
                 "(forever, if it never does)", family.pid);
    }
  g_assert_false (g_pidfd_exit_info_has_status (info));
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, family.pid);
  gt_family_end (&family);
}

static void
check_get_info_refused_non_child (const GtRefusedRow *row)
{
  check_unreaped_non_child (FALSE);
}

static void
check_get_info_refused_non_child_blocking (const GtRefusedRow *row)
{
  check_unreaped_non_child (TRUE);
}

/* No pidfs (fstatfs() made to fail, as before Linux 6.9): pidfds are
 * still recognized, by their anon_inode:[pidfd] link; other descriptors
 * still are not. */
static void
check_no_pidfs (const GtRefusedRow *row)
{
  g_autoptr(GError) error = NULL;
  pid_t pid = gt_spawn_exit (4, 20);
  int raw = (int) syscall (SYS_pidfd_open, pid, 0);
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  int others[3];

  g_assert_cmpint (raw, >=, 0);
  pidfd = g_pidfd_new_from_fd (raw, &error);
  g_assert_no_error (error);
  close (raw);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
  info = gt_wait (pidfd);
  gt_assert_exited (info, pid, 4);

  others[0] = eventfd (0, EFD_CLOEXEC);
  others[1] = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  others[2] = open ("/proc/self/status", O_RDONLY | O_CLOEXEC);
  for (guint i = 0; i < G_N_ELEMENTS (others); i++)
    {
      g_assert_cmpint (others[i], >=, 0);
      g_assert_null (g_pidfd_new_from_fd (others[i], &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
      close (others[i]);
    }
}

/* Linux 5.3: every way of waiting for children works, and many waits in
 * one main context. */
static void
check_child_waits (const GtRefusedRow *row)
{
  GMainContext *context = g_main_context_new ();
  guint n = gt_scale (50, 5);
  g_autofree GPidFdExitInfo **infos = g_new0 (GPidFdExitInfo *, n);
  g_autofree pid_t *pids = g_new0 (pid_t, n);
  g_autoptr(GError) error = NULL;

  exercise_child_waits (FALSE);

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPidFd) pidfd = NULL;

      pids[i] = gt_spawn_exit (i, i % 7);
      pidfd = g_pidfd_new_from_pid (pids[i], &error);
      g_assert_no_error (error);
      g_pidfd_wait_async (pidfd, NULL, gt_store_wait_result, &infos[i]);
    }
  for (guint i = 0; i < n; i++)
    {
      gt_run_until_set (context, &infos[i], 30);
      gt_assert_exited (infos[i], pids[i], i);
      g_object_unref (infos[i]);
    }
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* ---- The table --------------------------------------------------------- */

static const GtRefusedRow kernel_rows[] = {
  { "no-pidfd-open", GT_CALL_PIDFD_OPEN, 0,
    "Linux 5.2 (no pidfd_open): NOT_SUPPORTED naming the missing call, the "
    "version that has it and the process",
    { check_open_refused } },
  { "no-send-signal", GT_CALL_PIDFD_SEND_SIGNAL, 0,
    "No pidfd_send_signal (Linux 5.0): kill() for the caller's own "
    "unreaped children, NOT_SUPPORTED naming the missing call and the "
    "process otherwise",
    { check_send_signal_refused } },
  { "no-waitid-pidfd", GT_CALL_WAITID_PIDFD, 0,
    "waitid (P_PIDFD) answers EINVAL (Linux 5.3): children are waited for "
    "with P_PID, with full records, and nothing else is reaped",
    { check_waitid_refused } },
  { "no-get-info", GT_CALL_GET_INFO, 0,
    "PIDFD_GET_INFO answers ENOTTY (Linux 5.4 to 6.12): get_pid falls back "
    "to the fdinfo Pid: line; children keep full records; a child reaped "
    "behind the library's back ends with an unknown status",
    { check_get_info_refused } },
  { "no-get-info-non-child", GT_CALL_GET_INFO, 0,
    "PIDFD_GET_INFO answers ENOTTY: a non-child whose parent has not "
    "reaped it yet gets its (unknown-status) record as soon as it exits",
    { check_get_info_refused_non_child } },
  { "no-get-info-non-child-blocking", GT_CALL_GET_INFO, 0,
    "PIDFD_GET_INFO answers ENOTTY: g_pidfd_wait() on an exited non-child "
    "whose parent does not reap it returns",
    { check_get_info_refused_non_child_blocking } },
  { "no-pidfs", GT_CALL_PIDFS, 0,
    "No pidfs (Linux 5.4 to 6.8, fstatfs() made to fail): pidfds are "
    "still recognized, other descriptors still refused",
    { check_no_pidfs } },
  { "linux-5.3", GT_LINUX_5_3, 0,
    "Linux 5.3 (pidfd_open, but no waitid P_PIDFD, no PIDFD_GET_INFO, no "
    "pidfs): every way of waiting for children works",
    { check_child_waits } },
  { "linux-5.0", GT_LINUX_5_0, 0,
    "Linux 5.0 (none of it): NOT_SUPPORTED, naming pidfd_open and the "
    "version that has it",
    { check_open_refused } },
};

#define SANDBOX_SUMMARY "A call refused by a seccomp filter is not the target's " \
                        "refusal: the race-free fallback, or NOT_SUPPORTED saying " \
                        "the call is blocked"

static const GtRefusedRow sandbox_rows[] = {
  { "pidfd-open/eperm", GT_CALL_PIDFD_OPEN, EPERM, SANDBOX_SUMMARY,
    { check_open_refused } },
  { "pidfd-open/eacces", GT_CALL_PIDFD_OPEN, EACCES, SANDBOX_SUMMARY,
    { check_open_refused } },
  { "send-signal/eperm", GT_CALL_PIDFD_SEND_SIGNAL, EPERM, SANDBOX_SUMMARY,
    { check_send_signal_refused } },
  { "send-signal/eacces", GT_CALL_PIDFD_SEND_SIGNAL, EACCES, SANDBOX_SUMMARY,
    { check_send_signal_refused } },
  { "waitid-pidfd/eperm", GT_CALL_WAITID_PIDFD, EPERM, SANDBOX_SUMMARY,
    { check_waitid_refused } },
  { "waitid-pidfd/enosys", GT_CALL_WAITID_PIDFD, ENOSYS, SANDBOX_SUMMARY,
    { check_waitid_refused } },
  { "get-info/eperm", GT_CALL_GET_INFO, EPERM, SANDBOX_SUMMARY,
    { check_get_info_refused, check_get_info_refused_non_child } },
  { "get-info/enosys", GT_CALL_GET_INFO, ENOSYS, SANDBOX_SUMMARY,
    { check_get_info_refused, check_get_info_refused_non_child } },
};

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add_refused ("/robust/oldkernel", kernel_rows, G_N_ELEMENTS (kernel_rows),
                  GT_REFUSED_DEFAULT);
  gt_add_refused ("/robust/sandbox", sandbox_rows, G_N_ELEMENTS (sandbox_rows),
                  GT_REFUSED_DEFAULT);

  return g_test_run ();
}
