/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-pidfd.c: the synchronous API against real processes */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "gpidfd-syscall-private.h"
#include "gt.h"

static void
check_exited (int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_exit (code, 0);
  int ws;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_is_child (pidfd));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);

  info = gt_wait (pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, getuid ());
  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_cmpint (g_pidfd_exit_info_get_si_code (info), ==, CLD_EXITED);
  g_assert_true (g_pidfd_exit_info_get_if_exited (info));
  g_assert_false (g_pidfd_exit_info_get_if_signaled (info));
  g_assert_false (g_pidfd_exit_info_get_core_dumped (info));
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, code);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, -1);
  g_assert_true (g_pidfd_exit_info_has_rusage (info));
  g_assert_nonnull (g_pidfd_exit_info_get_rusage (info));
  g_assert_cmpint (g_pidfd_exit_info_get_siginfo (info)->si_pid, ==, pid);

  ws = g_pidfd_exit_info_get_status (info);
  g_assert_true (WIFEXITED (ws));
  g_assert_cmpint (WEXITSTATUS (ws), ==, code);

  if (code == 0)
    {
      g_assert_true (g_pidfd_exit_info_check (info, &error));
      g_assert_no_error (error);
    }
  else
    {
      g_autofree char *pid_str = g_strdup_printf ("%d", pid);

      g_assert_false (g_pidfd_exit_info_check (info, &error));
      g_assert_error (error, G_SPAWN_EXIT_ERROR, code);
      g_assert_nonnull (strstr (error->message, pid_str));
    }

  /* Reaped: the pid is gone and may be reused. */
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
  errno = 0;
  g_assert_cmpint (waitpid (pid, NULL, WNOHANG), ==, -1);
  g_assert_cmpint (errno, ==, ECHILD);
}

static void
test_exit_codes (void)
{
  check_exited (0);
  check_exited (3);
  check_exited (255);
}

static void
check_killed (int signum)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_pause ();
  int ws;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_has_exited (pidfd));

  g_assert_true (g_pidfd_send_signal (pidfd, signum, &error));
  g_assert_no_error (error);

  info = gt_wait (pidfd);
  g_assert_true (g_pidfd_has_exited (pidfd));
  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_cmpint (g_pidfd_exit_info_get_si_code (info), ==, CLD_KILLED);
  g_assert_false (g_pidfd_exit_info_get_if_exited (info));
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, -1);
  g_assert_true (g_pidfd_exit_info_get_if_signaled (info));
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, signum);
  g_assert_false (g_pidfd_exit_info_get_core_dumped (info));

  ws = g_pidfd_exit_info_get_status (info);
  g_assert_true (WIFSIGNALED (ws));
  g_assert_cmpint (WTERMSIG (ws), ==, signum);
  g_assert_false (WCOREDUMP (ws));

  g_assert_false (g_pidfd_exit_info_check (info, &error));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
}

static void
test_signals (void)
{
  check_killed (SIGKILL);
  check_killed (SIGTERM);
  check_killed (SIGINT);
}

static void
test_signal_probe (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_pause ();

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);

  /* Signal 0 checks and delivers nothing. */
  g_assert_true (g_pidfd_send_signal (pidfd, 0, &error));
  g_assert_no_error (error);
  g_assert_null (g_pidfd_try_wait (pidfd, &error));
  g_assert_no_error (error);

  g_assert_true (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  info = gt_wait (pidfd);

  /* Reaped: nothing can be signalled through the pidfd any more. */
  g_assert_false (g_pidfd_send_signal (pidfd, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_pidfd_send_signal (pidfd, SIGTERM, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_core_dump (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autofree char *dir = g_dir_make_tmp ("gpidfd-core-XXXXXX", &error);
  g_autofree char *pattern = NULL;
  const char *name;
  GDir *d;
  pid_t pid;
  int ws;

  g_assert_no_error (error);
  pid = gt_spawn_abort (dir);
  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  info = gt_wait (pidfd);

  /* Clean up whatever core file the kernel wrote. */
  d = g_dir_open (dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_clear_pointer (&d, g_dir_close);
  g_rmdir (dir);

  g_assert_true (g_pidfd_exit_info_get_if_signaled (info));
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, SIGABRT);

  if (g_pidfd_exit_info_get_si_code (info) != CLD_DUMPED)
    {
      g_file_get_contents ("/proc/sys/kernel/core_pattern", &pattern, NULL, NULL);
      g_test_skip_printf ("this machine does not let processes dump core (core_pattern: %s)",
                          pattern != NULL ? g_strstrip (pattern) : "unreadable");
      return;
    }

  g_assert_true (g_pidfd_exit_info_get_core_dumped (info));
  ws = g_pidfd_exit_info_get_status (info);
  g_assert_true (WIFSIGNALED (ws));
  g_assert_cmpint (WTERMSIG (ws), ==, SIGABRT);
  g_assert_true (WCOREDUMP (ws));
  g_assert_false (g_spawn_check_wait_status (ws, &error));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
}

static void
test_rusage (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  const struct rusage *ru;
  gint64 utime, stime, maxrss;
  pid_t pid = gt_spawn_burn (300);

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  info = gt_wait (pidfd);

  g_assert_true (g_pidfd_exit_info_has_rusage (info));
  ru = g_pidfd_exit_info_get_rusage (info);
  g_assert_nonnull (ru);
  utime = g_pidfd_exit_info_get_user_time (info);
  stime = g_pidfd_exit_info_get_system_time (info);
  maxrss = g_pidfd_exit_info_get_max_rss (info);
  g_test_message ("user %" G_GINT64_FORMAT " us, system %" G_GINT64_FORMAT
                  " us, max rss %" G_GINT64_FORMAT " KiB", utime, stime, maxrss);

  /* It burnt 300 ms of CPU, most of it in user mode. */
  g_assert_cmpint (utime + stime, >=, 250000);
  g_assert_cmpint (utime, >, 0);
  g_assert_cmpint (maxrss, >, 0);
  g_assert_cmpint (utime, ==, ru->ru_utime.tv_sec * G_USEC_PER_SEC + ru->ru_utime.tv_usec);
  g_assert_cmpint (maxrss, ==, ru->ru_maxrss);
}

static void
test_non_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  GtFamily family;
  pid_t grandchild;

  /* The grandchild exits 42 after 100 ms; its parent reaps it 300 ms
   * later, waits 200 ms more, then exits. */
  gt_family_spawn (&family, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT, .code = 42, .delay_ms = 100,
                     .middle = GT_MIDDLE_REAPS, .reap_delay_ms = 300, .linger_ms = 200 });
  grandchild = family.pid;
  pidfd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, grandchild);

  info = gt_wait (pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, grandchild);
  g_assert_false (g_pidfd_exit_info_has_rusage (info));
  g_assert_null (g_pidfd_exit_info_get_rusage (info));

  if (gpidfd_sys_has_exit_info ())
    {
      g_assert_true (g_pidfd_exit_info_has_status (info));
      g_assert_true (g_pidfd_exit_info_get_if_exited (info));
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 42);
      g_assert_cmpint (g_pidfd_exit_info_get_status (info), ==, 42 << 8);
      g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, getuid ());
    }
  else
    {
      g_test_message ("kernel without PIDFD_INFO_EXIT: status unknown");
      g_assert_false (g_pidfd_exit_info_has_status (info));
      g_assert_cmpint (g_pidfd_exit_info_get_status (info), ==, -1);
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, -1);
      g_assert_false (g_pidfd_exit_info_check (info, &error));
      g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
    }

  /* The middle process was not touched: we reap it ourselves. */
  gt_family_end (&family);

  g_clear_object (&info);
  g_clear_object (&pidfd);
}

static void
test_try_wait (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) again = NULL;
  pid_t pid = gt_spawn_pause ();

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);

  for (int i = 0; i < 3; i++)
    {
      g_assert_null (g_pidfd_try_wait (pidfd, &error));
      g_assert_no_error (error);
      g_assert_false (g_pidfd_has_exited (pidfd));
    }

  g_assert_true (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  g_assert_no_error (error);

  /* has_exited never reaps. */
  while (!g_pidfd_has_exited (pidfd))
    g_usleep (1000);
  g_assert_true (g_pidfd_has_exited (pidfd));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);

  info = g_pidfd_try_wait (pidfd, &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, SIGKILL);

  again = g_pidfd_try_wait (pidfd, &error);
  g_assert_no_error (error);
  g_assert_true (again == info);
}

static void
test_cached (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) first = NULL;
  g_autoptr(GPidFdExitInfo) second = NULL;
  g_autoptr(GPidFdExitInfo) third = NULL;
  pid_t pid = gt_spawn_exit (7, 0);

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);

  first = gt_wait (pidfd);
  second = gt_wait (pidfd);
  third = g_pidfd_try_wait (pidfd, &error);
  g_assert_no_error (error);

  /* The same record, never ECHILD. */
  g_assert_true (first == second);
  g_assert_true (first == third);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (second), ==, 7);
}

typedef struct
{
  GPidFd *pidfd;
  GCancellable *cancellable;
  GPidFdExitInfo *info;
  GError *error;
  gint started;
} WaitThread;

static gpointer
wait_thread (gpointer user_data)
{
  WaitThread *wt = user_data;

  g_atomic_int_set (&wt->started, 1);
  wt->info = g_pidfd_wait (wt->pidfd, wt->cancellable, &wt->error);

  return NULL;
}

static void
test_cancel_blocking (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  WaitThread wt = { 0 };
  GThread *thread;
  pid_t pid = gt_spawn_pause ();
  g_autofree char *pid_str = g_strdup_printf ("%d", pid);

  wt.pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  wt.cancellable = g_cancellable_new ();

  thread = g_thread_new ("waiter", wait_thread, &wt);
  while (!g_atomic_int_get (&wt.started))
    g_usleep (1000);
  g_usleep (100 * 1000);
  g_cancellable_cancel (wt.cancellable);
  g_thread_join (thread);

  g_assert_null (wt.info);
  g_assert_error (wt.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (wt.error->message, pid_str));
  g_clear_error (&wt.error);

  /* Nothing was lost: still running, and a later wait gets the status. */
  g_assert_false (g_pidfd_has_exited (wt.pidfd));
  g_assert_true (g_pidfd_send_signal (wt.pidfd, SIGTERM, &error));
  g_assert_no_error (error);
  info = gt_wait (wt.pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, SIGTERM);

  g_object_unref (wt.cancellable);
  g_object_unref (wt.pidfd);
}

static void
test_cancel_already (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  pid_t pid = gt_spawn_exit (5, 0);
  siginfo_t si = { 0 };

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  while (!g_pidfd_has_exited (pidfd))
    g_usleep (1000);

  g_cancellable_cancel (cancellable);
  g_assert_null (g_pidfd_wait (pidfd, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Still a zombie: the cancelled wait reaped nothing. */
  g_assert_cmpint (waitid (P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT), ==, 0);
  g_assert_cmpint (si.si_pid, ==, pid);

  info = gt_wait (pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 5);
}

static void
test_from_fd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_exit (9, 50);
  int raw;
  int fd;

  raw = gpidfd_sys_pidfd_open (pid, 0);
  g_assert_cmpint (raw, >=, 0);

  pidfd = g_pidfd_new_from_fd (raw, &error);
  g_assert_no_error (error);
  fd = g_pidfd_get_fd (pidfd);
  g_assert_cmpint (fd, !=, raw);
  g_assert_cmpint (fcntl (fd, F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
  g_assert_true (g_pidfd_is_child (pidfd));

  info = gt_wait (pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 9);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);

  /* The caller's fd is its own. */
  g_clear_object (&pidfd);
  g_assert_cmpint (fcntl (raw, F_GETFD), >=, 0);
  close (raw);

  g_clear_object (&info);
}

static void
test_properties (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_exit (0, 0);
  GPidFdFlags flags;
  int fd, prop_pid, code, exit_status, wait_status;
  guint uid;
  gboolean has_status, exited, has_rusage;
  gint64 user_time, max_rss;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_object_get (pidfd, "fd", &fd, "pid", &prop_pid, "flags", &flags, NULL);
  g_assert_cmpint (fd, ==, g_pidfd_get_fd (pidfd));
  g_assert_cmpint (prop_pid, ==, pid);
  g_assert_cmpint (flags, ==, G_PIDFD_FLAGS_NONE);

  info = gt_wait (pidfd);
  g_object_get (info,
                "uid", &uid,
                "si-code", &code,
                "if-exited", &exited,
                "exit-status", &exit_status,
                "status", &wait_status,
                "user-time", &user_time,
                "max-rss", &max_rss,
                NULL);
  g_assert_cmpuint (uid, ==, getuid ());
  g_assert_cmpint (code, ==, CLD_EXITED);
  has_status = g_pidfd_exit_info_has_status (info);
  has_rusage = g_pidfd_exit_info_has_rusage (info);
  g_assert_true (has_status && exited && has_rusage);
  g_assert_cmpint (exit_status, ==, 0);
  g_assert_cmpint (wait_status, ==, 0);
  g_assert_cmpint (user_time, ==, g_pidfd_exit_info_get_user_time (info));
  g_assert_cmpint (max_rss, ==, g_pidfd_exit_info_get_max_rss (info));

  g_object_get (pidfd, "pid", &prop_pid, NULL);
  g_assert_cmpint (prop_pid, ==, -1);
}

static void
test_no_reap (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_exit (17, 0);
  int status;

  pidfd = g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NO_REAP, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_flags (pidfd), ==, G_PIDFD_FLAGS_NO_REAP);

  info = gt_wait (pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 17);
  g_assert_true (g_pidfd_exit_info_has_rusage (info));

  /* Left for its owner to reap, with the same status. */
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
  status = gt_reap (pid);
  g_assert_cmpint (status, ==, g_pidfd_exit_info_get_status (info));
}

static void
test_reaped_elsewhere (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_exit (23, 0);
  int status;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_is_child (pidfd));

  /* Someone else in the process reaps it first. */
  status = gt_reap (pid);
  g_assert_cmpint (WEXITSTATUS (status), ==, 23);

  info = gt_wait (pidfd);
  if (gpidfd_sys_has_exit_info ())
    {
      g_assert_true (g_pidfd_exit_info_has_status (info));
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 23);
    }
  else
    g_assert_false (g_pidfd_exit_info_has_status (info));
  g_assert_false (g_pidfd_exit_info_has_rusage (info));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
}

static pid_t
unused_pid (void)
{
  pid_t pid = gt_spawn_exit (0, 0);

  gt_reap (pid);
  return pid;
}

static gpointer
idle_thread (gpointer user_data)
{
  GCancellable *stop = user_data;
  pid_t *tid = g_object_get_data (G_OBJECT (stop), "tid");

  g_atomic_int_set (tid, (int) syscall (SYS_gettid));
  while (!g_cancellable_is_cancelled (stop))
    g_usleep (1000);

  return NULL;
}

static void
assert_error_names (GError     *error,
                    GQuark      domain,
                    int         code,
                    int         number)
{
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  gt_assert_message_names_pid (error, number);
}

static void
test_errors_open (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) stop = g_cancellable_new ();
  pid_t tid = 0;
  pid_t gone;
  GThread *thread;
  int fd;
  int sv[2];

  g_assert_null (g_pidfd_new_from_pid (0, &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, 0);
  g_clear_error (&error);

  g_assert_null (g_pidfd_new_from_pid (-1, &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, -1);
  g_clear_error (&error);

  gone = unused_pid ();
  g_assert_null (g_pidfd_new_from_pid (gone, &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, gone);
  g_clear_error (&error);

  g_assert_null (g_pidfd_new_from_pid (G_MAXINT, &error));
  g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  /* A thread id names no process. */
  g_object_set_data (G_OBJECT (stop), "tid", &tid);
  thread = g_thread_new ("idle", idle_thread, stop);
  while (g_atomic_int_get (&tid) == 0)
    g_usleep (1000);
  g_assert_null (g_pidfd_new_from_pid (tid, &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, tid);
  g_clear_error (&error);
  g_cancellable_cancel (stop);
  g_thread_join (thread);

  g_assert_null (g_pidfd_new_from_fd (-1, &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, -1);
  g_clear_error (&error);

  /* A closed fd. */
  fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  close (fd);
  g_assert_null (g_pidfd_new_from_fd (fd, &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, fd);
  g_clear_error (&error);

  /* A regular file. */
  fd = open ("/proc/self/status", O_RDONLY | O_CLOEXEC);
  g_assert_null (g_pidfd_new_from_fd (fd, &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, fd);
  g_clear_error (&error);
  close (fd);

  /* A socket. */
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
  g_assert_null (g_pidfd_new_from_fd (sv[0], &error));
  assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, sv[0]);
  g_clear_error (&error);
  close (sv[0]);
  close (sv[1]);

}

static void
test_errors_signal (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_pause ();
  const int bad[] = { -1, 65, 1000, G_MININT };

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (g_pidfd_send_signal (pidfd, bad[i], &error));
      assert_error_names (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, pid);
      g_clear_error (&error);
    }

  /* None of that reached the process. */
  g_assert_false (g_pidfd_has_exited (pidfd));
  g_assert_true (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  info = gt_wait (pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, SIGKILL);
}

static void
test_unopened (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = g_object_new (G_TYPE_PIDFD, NULL);
  g_autoptr(GPidFd) failed = NULL;

  /* What a binding gets from a bare constructor: a clear error from every
   * call, a critical from the getters that have no error; no crash. */
  g_test_expect_message ("GPidFd", G_LOG_LEVEL_CRITICAL, "*g_pidfd_get_fd*g_initable_init() was not called*");
  g_assert_cmpint (g_pidfd_get_fd (pidfd), ==, -1);
  g_test_assert_expected_messages ();
  g_test_expect_message ("GPidFd", G_LOG_LEVEL_CRITICAL, "*g_pidfd_get_pid*holds no process*");
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, 0);
  g_test_assert_expected_messages ();
  g_assert_null (g_pidfd_try_wait (pidfd, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_null (g_pidfd_wait (pidfd, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_false (g_pidfd_send_signal (pidfd, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);
  g_assert_null (g_pidfd_query_info (pidfd, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_clear_error (&error);

  /* Construction through properties, as bindings do it. */
  failed = g_object_new (G_TYPE_PIDFD, "pid", -5, NULL);
  g_assert_false (g_initable_init (G_INITABLE (failed), NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "-5"));
  g_clear_error (&error);
  /* A failed object keeps saying why. */
  g_assert_false (g_pidfd_send_signal (failed, 0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_assert_nonnull (strstr (error->message, "-5"));
}

static void
test_construct_properties (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) adopted = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_exit (3, 100);
  GPidFdFlags flags;
  int fd;

  pidfd = g_object_new (G_TYPE_PIDFD, "pid", pid, "flags", G_PIDFD_FLAGS_NO_REAP, NULL);
  g_assert_true (g_initable_init (G_INITABLE (pidfd), NULL, &error));
  g_assert_no_error (error);
  /* A second init is harmless. */
  g_assert_true (g_initable_init (G_INITABLE (pidfd), NULL, &error));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
  g_object_get (pidfd, "flags", &flags, "fd", &fd, NULL);
  g_assert_cmpint (flags, ==, G_PIDFD_FLAGS_NO_REAP);
  g_assert_cmpint (fd, ==, g_pidfd_get_fd (pidfd));

  adopted = g_initable_new (G_TYPE_PIDFD, NULL, &error, "fd", fd, NULL);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_pid (adopted), ==, pid);
  g_assert_cmpint (g_pidfd_get_fd (adopted), !=, fd);

  info = g_pidfd_wait (adopted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 3);
}

static void
test_precondition (void)
{
  /* Programmer errors are criticals, checked in a subprocess. */
  if (g_test_subprocess ())
    {
      g_pidfd_get_fd (NULL);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*G_IS_PIDFD*");
}

static void
test_no_sigchld_handler (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  struct sigaction before, after;
  pid_t pid = gt_spawn_exit (1, 0);

  g_assert_cmpint (sigaction (SIGCHLD, NULL, &before), ==, 0);
  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  info = gt_wait (pidfd);
  g_assert_cmpint (sigaction (SIGCHLD, NULL, &after), ==, 0);
  g_assert_true (before.sa_handler == after.sa_handler);
  g_assert_true (after.sa_handler == SIG_DFL);
}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/pidfd/exit-codes", test_exit_codes);
  gt_add ("/pidfd/signals", test_signals);
  gt_add ("/pidfd/signal-probe", test_signal_probe);
  gt_add ("/pidfd/core-dump", test_core_dump);
  gt_add ("/pidfd/rusage", test_rusage);
  gt_add ("/pidfd/non-child", test_non_child);
  gt_add ("/pidfd/try-wait", test_try_wait);
  gt_add ("/pidfd/cached", test_cached);
  gt_add ("/pidfd/cancel/blocking", test_cancel_blocking);
  gt_add ("/pidfd/cancel/already", test_cancel_already);
  gt_add ("/pidfd/from-fd", test_from_fd);
  gt_add ("/pidfd/properties", test_properties);
  gt_add ("/pidfd/no-reap", test_no_reap);
  gt_add ("/pidfd/reaped-elsewhere", test_reaped_elsewhere);
  gt_add ("/pidfd/errors/open", test_errors_open);
  gt_add ("/pidfd/errors/signal", test_errors_signal);
  gt_add ("/pidfd/errors/unopened", test_unopened);
  gt_add ("/pidfd/construct-properties", test_construct_properties);
  gt_add ("/pidfd/precondition", test_precondition);
  gt_add ("/pidfd/no-sigchld-handler", test_no_sigchld_handler);

  return g_test_run ();
}
