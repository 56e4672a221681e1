/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-oldkernel.c: older kernels, simulated with seccomp
 *
 * Each test runs in a subprocess that installs a seccomp filter before
 * its first gpidfd call (gpidfd probes each kernel feature once per
 * process), making the running kernel fail the way an older one does:
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
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gpidfd-watcher-private.h"
#include "robust-common.h"

enum {
  NO_PIDFD_OPEN   = 1 << 0,
  NO_SEND_SIGNAL  = 1 << 1,
  NO_WAITID_PIDFD = 1 << 2,
  NO_GET_INFO     = 1 << 3,
  NO_PIDFS        = 1 << 4,
};

#define LINUX_5_3 (NO_WAITID_PIDFD | NO_GET_INFO | NO_PIDFS)
#define LINUX_5_0 (NO_PIDFD_OPEN | NO_SEND_SIGNAL | LINUX_5_3)

/* Makes each call of @missing fail with @errnum, or, when @errnum is 0,
 * with the errno of a kernel that lacks it. */
static void
install_filter_errno (guint missing,
                      int   errnum)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);

#define ERRNO_OR(e) SCMP_ACT_ERRNO (errnum != 0 ? errnum : (e))
  g_assert_nonnull (ctx);
  if (missing & NO_PIDFD_OPEN)
    g_assert_cmpint (seccomp_rule_add (ctx, ERRNO_OR (ENOSYS), SCMP_SYS (pidfd_open), 0), ==, 0);
  if (missing & NO_SEND_SIGNAL)
    g_assert_cmpint (seccomp_rule_add (ctx, ERRNO_OR (ENOSYS), SCMP_SYS (pidfd_send_signal), 0), ==, 0);
  if (missing & NO_WAITID_PIDFD)
    g_assert_cmpint (seccomp_rule_add (ctx, ERRNO_OR (EINVAL), SCMP_SYS (waitid), 1,
                                       SCMP_A0 (SCMP_CMP_EQ, P_PIDFD)), ==, 0);
  if (missing & NO_GET_INFO)
    {
      /* Type 0xFF, number 11, whatever the size encoded in the request. */
      g_assert_cmpint (seccomp_rule_add (ctx, ERRNO_OR (ENOTTY), SCMP_SYS (ioctl), 1,
                                         SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xFFFF, 0xFF0B)), ==, 0);
    }
  if (missing & NO_PIDFS)
    g_assert_cmpint (seccomp_rule_add (ctx, ERRNO_OR (ENOSYS), SCMP_SYS (fstatfs), 0), ==, 0);
#undef ERRNO_OR

  g_assert_cmpint (seccomp_load (ctx), ==, 0);
  seccomp_release (ctx);
}

static void
install_filter (guint missing)
{
  install_filter_errno (missing, 0);
}

/* Checks that the filter does what it says, with raw calls that leave
 * gpidfd's own probes alone. */
static void
check_filter (guint missing)
{
  pid_t self = getpid ();
  int fd = (int) syscall (SYS_pidfd_open, self, 0);

  if (missing & NO_PIDFD_OPEN)
    {
      g_assert_cmpint (fd, ==, -1);
      g_assert_cmpint (errno, ==, ENOSYS);
      return;
    }
  g_assert_cmpint (fd, >=, 0);

  if (missing & NO_GET_INFO)
    {
      GPidFdKernelInfo info = { .mask = GPIDFD_INFO_PID };

      g_assert_cmpint (ioctl (fd, _IOWR (0xFF, 11, GPidFdKernelInfo), &info), ==, -1);
      g_assert_cmpint (errno, ==, ENOTTY);
    }
  if (missing & NO_PIDFS)
    {
      struct statfs sfs;

      g_assert_cmpint (fstatfs (fd, &sfs), ==, -1);
    }
  close (fd);
}

static void
simulate (guint missing)
{
  install_filter (missing);
  check_filter (missing);
}

/* A non-child's record, on the running kernel: its real status, read
 * after its parent reaped it, where the kernel gives it then
 * (PIDFD_INFO_EXIT, Linux 6.15); the status unknown before. */
static void
assert_non_child_record (GPidFdExitInfo *info,
                         pid_t           pid,
                         int             code)
{
  if (rb_kernel_has_exit_info ())
    {
      gpt_assert_exited (info, pid, code);
      return;
    }
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_false (g_pidfd_exit_info_has_status (info));
}

static void
run_in_subprocess (void)
{
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  /* Not fatal: with --keep-going every row reports. */
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("the subprocess failed (its stderr is above)");
}

static void
assert_message_has (const GError *error,
                    const char   *what)
{
  if (strstr (error->message, what) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, what);
}

static void
assert_message_names_pid (const GError *error,
                          pid_t         pid)
{
  g_autofree char *pid_str = g_strdup_printf ("%d", pid);

  assert_message_has (error, pid_str);
}

/* A non-child whose parent does not reap it until told to: returns the
 * pid of a process that has exited 5 and stays a zombie; *release_fd,
 * closed, makes the parent reap it and exit. */
static pid_t
spawn_unreaped_grandchild (int *release_fd)
{
  int pidpipe[2], release[2];
  pid_t middle, grandchild = 0;

  g_assert_cmpint (pipe2 (pidpipe, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (release, O_CLOEXEC), ==, 0);
  middle = fork ();
  g_assert_cmpint (middle, >=, 0);
  if (middle == 0)
    {
      pid_t g;
      char c;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (release[1]);
      g = fork ();
      if (g == 0)
        _exit (5);
      if (write (pidpipe[1], &g, sizeof g) != sizeof g)
        _exit (96);
      while (read (release[0], &c, 1) < 0 && errno == EINTR)
        ;
      waitpid (g, NULL, 0);
      _exit (0);
    }
  close (pidpipe[1]);
  close (release[0]);
  g_assert_cmpint (read (pidpipe[0], &grandchild, sizeof grandchild), ==, sizeof grandchild);
  close (pidpipe[0]);

  /* Wait until the grandchild has exited (it is then a zombie). */
  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/proc/%d/stat", grandchild);
      g_autofree char *stat = NULL;
      const char *p;

      g_assert_true (g_file_get_contents (path, &stat, NULL, NULL));
      p = strrchr (stat, ')');
      if (p != NULL && p[2] == 'Z')
        break;
      g_usleep (1000);
    }

  *release_fd = release[1];
  return middle == 0 ? 0 : grandchild;
}

/* A non-child that pauses: its parent (*middle, our child) reaps it and
 * exits when *release_fd is closed. */
static pid_t
spawn_unreaped_grandchild_live (pid_t *middle,
                                int   *release_fd)
{
  int pidpipe[2], release[2];
  pid_t mid, grandchild = 0;

  g_assert_cmpint (pipe2 (pidpipe, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (release, O_CLOEXEC), ==, 0);
  mid = fork ();
  g_assert_cmpint (mid, >=, 0);
  if (mid == 0)
    {
      pid_t g;
      char c;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (release[1]);
      g = rb_spawn_pause ();
      if (write (pidpipe[1], &g, sizeof g) != sizeof g)
        _exit (96);
      while (read (release[0], &c, 1) < 0 && errno == EINTR)
        ;
      kill (g, SIGKILL);
      waitpid (g, NULL, 0);
      _exit (0);
    }
  close (pidpipe[1]);
  close (release[0]);
  g_assert_cmpint (read (pidpipe[0], &grandchild, sizeof grandchild), ==, sizeof grandchild);
  close (pidpipe[0]);

  *middle = mid;
  *release_fd = release[1];
  return grandchild;
}

static void
on_wait_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GPidFdExitInfo **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  g_assert_no_error (error);
}

/* Waits for a child every way there is, with whatever the kernel has. */
static void
exercise_child_waits (gboolean have_status_after_foreign_reap)
{
  GMainContext *context = g_main_context_new ();
  pid_t bystander = gpt_spawn_exit (77, 0);

  g_main_context_push_thread_default (context);

  for (guint mode = 0; mode < 5; mode++)
    {
      int code = 10 + mode;
      pid_t pid = gpt_spawn_exit (code, mode * 5);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid_full (pid, mode == 3 ? G_PIDFD_FLAGS_NO_REAP : 0,
                                                           &error);
      g_autoptr(GPidFdExitInfo) info = NULL;

      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (pidfd));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);

      switch (mode)
        {
        case 0:
        case 3:
          info = g_pidfd_wait (pidfd, NULL, &error);
          break;
        case 1:
          g_pidfd_wait_async (pidfd, NULL, on_wait_done, &info);
          gpt_run_until_set (context, &info, 30);
          break;
        case 2:
          while (!g_pidfd_has_exited (pidfd))
            g_usleep (1000);
          info = g_pidfd_try_wait (pidfd, &error);
          break;
        case 4:
          {
            /* Reaped behind the library's back. */
            int status = gpt_reap (pid);

            g_assert_cmpint (WEXITSTATUS (status), ==, code);
            info = g_pidfd_wait (pidfd, NULL, &error);
            g_assert_no_error (error);
            g_assert_nonnull (info);
            if (have_status_after_foreign_reap)
              gpt_assert_exited (info, pid, code);
            else
              g_assert_false (g_pidfd_exit_info_has_status (info));
            continue;
          }
        default:
          g_assert_not_reached ();
        }
      g_assert_no_error (error);
      gpt_assert_exited (info, pid, code);
      g_assert_true (g_pidfd_exit_info_has_rusage (info));

      if (mode == 3)
        {
          int status = gpt_reap (pid);

          g_assert_cmpint (WEXITSTATUS (status), ==, code);
        }
      else
        g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
    }

  /* Nobody else was reaped. */
  g_usleep (10000);
  g_assert_true (rb_is_unreaped_zombie (bystander) || kill (bystander, 0) == 0);
  g_assert_cmpint (WEXITSTATUS (gpt_reap (bystander)), ==, 77);
  g_assert_false (rb_has_children ());

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* ---- Linux 5.2: no pidfd_open() --------------------------------------- */

static void
test_no_pidfd_open (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      pid_t pid = gpt_spawn_exit (0, 0);
      g_autoptr(GError) error = NULL;

      simulate (NO_PIDFD_OPEN);
      g_assert_null (g_pidfd_new_from_pid (pid, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      assert_message_has (error, "pidfd_open");
      assert_message_names_pid (error, pid);
      g_test_message ("%s", error->message);
      g_clear_error (&error);

      g_assert_null (g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NO_REAP, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_clear_error (&error);

      /* Arguments are still checked first. */
      g_assert_null (g_pidfd_new_from_pid (0, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);

      /* The process was left alone. */
      g_assert_cmpint (WEXITSTATUS (gpt_reap (pid)), ==, 0);
      return;
    }

  g_test_summary ("Linux 5.2 (no pidfd_open): NOT_SUPPORTED naming the "
                  "missing call and the process");
  run_in_subprocess ();
}

/* ---- Linux 5.0: no pidfd_send_signal() -------------------------------- */

static void
test_no_send_signal (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      pid_t pid = rb_spawn_pause ();
      pid_t other = rb_spawn_pause ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFd) no_reap = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;

      /* pidfd_open() is kept to get an object at all. */
      simulate (NO_SEND_SIGNAL);
      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);

      /* An unreaped child that only gpidfd reaps cannot have its pid
       * reused meanwhile: kill(2) is the race-free fallback. */
      g_assert_true (g_pidfd_send_signal (pidfd, SIGTERM, &error));
      g_assert_no_error (error);
      info = g_pidfd_wait (pidfd, NULL, NULL);
      gpt_assert_signaled (info, pid, SIGTERM);

      /* Reaped: the fallback does not signal a reused pid. */
      g_assert_false (g_pidfd_send_signal (pidfd, SIGTERM, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_clear_error (&error);

      /* A child someone else reaps: no fallback, NOT_SUPPORTED. */
      no_reap = g_pidfd_new_from_pid_full (other, G_PIDFD_FLAGS_NO_REAP, &error);
      g_assert_no_error (error);
      g_assert_false (g_pidfd_send_signal (no_reap, SIGTERM, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      assert_message_has (error, "pidfd_send_signal");
      assert_message_names_pid (error, other);
      g_test_message ("%s", error->message);

      g_assert_cmpint (kill (other, SIGKILL), ==, 0);
      g_assert_true (WIFSIGNALED (gpt_reap (other)));
      return;
    }

  g_test_summary ("No pidfd_send_signal (Linux 5.0): kill() for the caller's own "
                  "unreaped children, NOT_SUPPORTED naming the missing call and the "
                  "process otherwise");
  run_in_subprocess ();
}

/* ---- Linux 5.3: no waitid (P_PIDFD) ----------------------------------- */

static void
test_no_waitid_pidfd (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      pid_t middle;
      pid_t grandchild;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;

      simulate (NO_WAITID_PIDFD);

      /* Children: waitid (P_PID) instead, full records. */
      exercise_child_waits (rb_kernel_has_exit_info ());
      g_assert_false (gpidfd_sys_has_waitid_pidfd ());

      /* A non-child is still not a child. */
      grandchild = gpt_spawn_grandchild (9, 50, 0, &middle);
      pidfd = g_pidfd_new_from_pid (grandchild, &error);
      if (pidfd != NULL)
        {
          g_assert_false (g_pidfd_is_child (pidfd));
          info = g_pidfd_wait (pidfd, NULL, &error);
          g_assert_no_error (error);
          assert_non_child_record (info, grandchild, 9);
        }
      else
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      gpt_reap (middle);
      return;
    }

  g_test_summary ("waitid (P_PIDFD) answers EINVAL (Linux 5.3): children are "
                  "waited for with P_PID, with full records, and nothing "
                  "else is reaped");
  run_in_subprocess ();
}

/* ---- Linux 5.4 to 6.12: no PIDFD_GET_INFO ----------------------------- */

static void
test_no_get_info (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      pid_t pid;

      simulate (NO_GET_INFO);
      exercise_child_waits (FALSE);
      g_assert_false (gpidfd_sys_has_get_info ());

      /* get_pid from /proc/self/fdinfo: the pid, then -1 once reaped. */
      pid = gpt_spawn_exit (3, 0);
      {
        g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NO_REAP, &error);
        int raw = (int) syscall (SYS_pidfd_open, pid, 0);
        g_autoptr(GPidFd) from_fd = NULL;

        g_assert_no_error (error);
        g_assert_cmpint (raw, >=, 0);
        from_fd = g_pidfd_new_from_fd (raw, &error);
        g_assert_no_error (error);
        close (raw);
        g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
        g_assert_cmpint (g_pidfd_get_pid (from_fd), ==, pid);
        g_assert_true (g_pidfd_is_child (from_fd));
        gpt_reap (pid);
        g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
        g_assert_cmpint (g_pidfd_get_pid (from_fd), ==, -1);
      }
      return;
    }

  g_test_summary ("PIDFD_GET_INFO answers ENOTTY (Linux 5.4 to 6.12): get_pid "
                  "falls back to the fdinfo Pid: line; children keep full "
                  "records; a child reaped behind the library's back ends "
                  "with an unknown status");
  run_in_subprocess ();
}

/* Without PIDFD_GET_INFO, a non-child's wait completes when it exits (the
 * status is unknown then and will never be known): it must not wait for
 * its parent to reap it. This is the first call that meets the kernel's
 * answer, before anything else has probed PIDFD_GET_INFO. */
static void
test_no_get_info_non_child (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      int release;
      pid_t grandchild;

      simulate (NO_GET_INFO);
      grandchild = spawn_unreaped_grandchild (&release);
      pidfd = g_pidfd_new_from_pid (grandchild, &error);
      g_assert_no_error (error);
      g_assert_false (g_pidfd_is_child (pidfd));
      g_assert_true (g_pidfd_has_exited (pidfd));

      info = g_pidfd_try_wait (pidfd, &error);
      g_assert_no_error (error);
      if (info == NULL)
        g_error ("try_wait on a non-child that has exited returned no record "
                 "without PIDFD_GET_INFO: the wait would last until its parent "
                 "reaps it (forever, if it never does)");
      g_assert_false (g_pidfd_exit_info_has_status (info));
      g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, grandchild);

      close (release);
      return;
    }

  g_test_summary ("PIDFD_GET_INFO answers ENOTTY: a non-child whose parent "
                  "has not reaped it yet gets its (unknown-status) record as "
                  "soon as it exits");
  run_in_subprocess ();
}

/* The same, for the blocking wait: fails on the watchdog instead of
 * hanging. */
static void
test_no_get_info_non_child_blocking (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      int release;
      pid_t grandchild;

      simulate (NO_GET_INFO);
      grandchild = spawn_unreaped_grandchild (&release);
      pidfd = g_pidfd_new_from_pid (grandchild, &error);
      g_assert_no_error (error);

      rb_watchdog_start ("blocking wait for an exited non-child without PIDFD_GET_INFO", 10);
      info = g_pidfd_wait (pidfd, NULL, &error);
      rb_watchdog_stop ();
      g_assert_no_error (error);
      g_assert_false (g_pidfd_exit_info_has_status (info));
      close (release);
      return;
    }

  g_test_summary ("PIDFD_GET_INFO answers ENOTTY: g_pidfd_wait() on an exited "
                  "non-child whose parent does not reap it returns");
  run_in_subprocess ();
}

/* ---- Linux 5.4 to 6.8: no pidfs --------------------------------------- */

static void
test_no_pidfs (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      pid_t pid = gpt_spawn_exit (4, 20);
      int raw = (int) syscall (SYS_pidfd_open, pid, 0);
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      int others[3];

      simulate (NO_PIDFS);
      g_assert_cmpint (raw, >=, 0);

      /* A pidfd is recognized by its anon_inode:[pidfd] link. */
      pidfd = g_pidfd_new_from_fd (raw, &error);
      g_assert_no_error (error);
      close (raw);
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
      info = g_pidfd_wait (pidfd, NULL, &error);
      g_assert_no_error (error);
      gpt_assert_exited (info, pid, 4);

      /* Other descriptors still are not. */
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
      return;
    }

  g_test_summary ("No pidfs (Linux 5.4 to 6.8, fstatfs() made to fail): "
                  "pidfds are still recognized, other descriptors still "
                  "refused");
  run_in_subprocess ();
}

/* ---- Whole kernels ---------------------------------------------------- */

static void
test_linux_5_3 (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      GMainContext *context = g_main_context_new ();
      guint n = gpt_scale (50, 5);
      g_autofree GPidFdExitInfo **infos = g_new0 (GPidFdExitInfo *, n);
      g_autofree pid_t *pids = g_new0 (pid_t, n);
      g_autoptr(GError) error = NULL;

      simulate (LINUX_5_3);
      exercise_child_waits (FALSE);

      /* Many waits in one main context. */
      g_main_context_push_thread_default (context);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GPidFd) pidfd = NULL;

          pids[i] = gpt_spawn_exit (i, i % 7);
          pidfd = g_pidfd_new_from_pid (pids[i], &error);
          g_assert_no_error (error);
          g_pidfd_wait_async (pidfd, NULL, on_wait_done, &infos[i]);
        }
      for (guint i = 0; i < n; i++)
        {
          gpt_run_until_set (context, &infos[i], 30);
          gpt_assert_exited (infos[i], pids[i], i);
          g_object_unref (infos[i]);
        }
      g_assert_false (rb_has_children ());
      g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
      return;
    }

  g_test_summary ("Linux 5.3 (pidfd_open, but no waitid P_PIDFD, no "
                  "PIDFD_GET_INFO, no pidfs): every way of waiting for "
                  "children works");
  run_in_subprocess ();
}

static void
test_linux_5_0 (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      pid_t pid = gpt_spawn_exit (0, 0);

      simulate (LINUX_5_0);
      g_assert_null (g_pidfd_new_from_pid (pid, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      assert_message_has (error, "pidfd_open");
      assert_message_has (error, "5.3");
      gpt_reap (pid);
      return;
    }

  g_test_summary ("Linux 5.0 (none of it): NOT_SUPPORTED, naming pidfd_open "
                  "and the version that has it");
  run_in_subprocess ();
}

/* ---- Sandboxes: a filter refuses a call -------------------------------- */

typedef struct
{
  const char *name;
  guint blocked;   /* one NO_* bit */
  int errnum;      /* what the filter answers */
  void (*check) (void);
} SandboxRow;

/* Checks with raw calls that the filter answers @errnum for @blocked. */
static void
check_blocked (guint blocked,
               int   errnum)
{
  int fd = (int) syscall (SYS_pidfd_open, getpid (), 0);
  int r;

  if (blocked & NO_PIDFD_OPEN)
    {
      g_assert_cmpint (fd, ==, -1);
      g_assert_cmpint (errno, ==, errnum);
      return;
    }
  g_assert_cmpint (fd, >=, 0);

  if (blocked & NO_SEND_SIGNAL)
    r = (int) syscall (SYS_pidfd_send_signal, fd, 0, NULL, 0);
  else if (blocked & NO_WAITID_PIDFD)
    {
      siginfo_t si;

      r = waitid (P_PIDFD, fd, &si, WEXITED | WNOHANG);
    }
  else if (blocked & NO_GET_INFO)
    {
      GPidFdKernelInfo info = { .mask = GPIDFD_INFO_PID };

      r = ioctl (fd, _IOWR (0xFF, 11, GPidFdKernelInfo), &info);
    }
  else
    g_assert_not_reached ();

  g_assert_cmpint (r, ==, -1);
  g_assert_cmpint (errno, ==, errnum);
  close (fd);
}

static void
assert_blocked_error (const GError *error,
                      pid_t         pid)
{
  rb_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "blocked", pid);
  g_test_message ("%s", error->message);
}

/* pidfd_open() refused: nothing can be held, and the error says why. */
static void
sandbox_open (void)
{
  pid_t pid = rb_spawn_pause ();
  g_autoptr(GError) error = NULL;

  g_assert_null (g_pidfd_new_from_pid (pid, &error));
  assert_blocked_error (error, pid);
  g_clear_error (&error);

  g_assert_null (g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NO_REAP, &error));
  assert_blocked_error (error, pid);
  g_clear_error (&error);

  /* Bad arguments are still bad arguments. */
  g_assert_null (g_pidfd_new_from_pid (0, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* The process was left alone. */
  g_assert_true (kill (pid, 0) == 0 && !rb_is_unreaped_zombie (pid));
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (WIFSIGNALED (gpt_reap (pid)));
}

/* pidfd_send_signal() refused: the caller's own unreaped children are
 * signalled with kill(); anything else is NOT_SUPPORTED, "blocked". */
static void
sandbox_send_signal (void)
{
  pid_t child = rb_spawn_pause ();
  pid_t shared = rb_spawn_pause ();
  pid_t middle;
  pid_t grandchild;
  int release;
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
             "blocked: %s", child, error->message);
  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);
  gpt_assert_signaled (info, child, SIGTERM);

  /* Reaped: no signal for a pid that may be reused. */
  g_assert_false (g_pidfd_send_signal (pidfd, SIGTERM, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A child someone else reaps: kill() is not race-free there. */
  no_reap = g_pidfd_new_from_pid_full (shared, G_PIDFD_FLAGS_NO_REAP, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_send_signal (no_reap, SIGTERM, &error));
  assert_blocked_error (error, shared);
  g_clear_error (&error);
  g_assert_false (rb_is_unreaped_zombie (shared));

  /* A non-child: the same. */
  grandchild = spawn_unreaped_grandchild_live (&middle, &release);
  other = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_send_signal (other, SIGTERM, &error));
  assert_blocked_error (error, grandchild);
  g_clear_error (&error);
  g_assert_cmpint (kill (grandchild, 0), ==, 0);

  g_assert_cmpint (kill (grandchild, SIGKILL), ==, 0);
  close (release);
  g_assert_cmpint (WEXITSTATUS (gpt_reap (middle)), ==, 0);
  g_assert_cmpint (kill (shared, SIGKILL), ==, 0);
  g_assert_true (WIFSIGNALED (gpt_reap (shared)));
}

/* waitid (P_PIDFD) refused: children are still children, waited for with
 * waitid (P_PID), with their full records; nothing else is reaped. */
static void
sandbox_waitid (void)
{
  pid_t middle;
  pid_t grandchild;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  exercise_child_waits (rb_kernel_has_exit_info ());

  grandchild = gpt_spawn_grandchild (9, 50, 0, &middle);
  pidfd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);
  assert_non_child_record (info, grandchild, 9);
  gpt_reap (middle);
}

/* The PIDFD_GET_INFO ioctl refused: the pid comes from /proc (checked to
 * be this pid namespace's), children keep full records, and a
 * non-child's record comes at its exit, the status unknown. */
static void
sandbox_get_info (void)
{
  g_autoptr(GError) error = NULL;
  pid_t pid = gpt_spawn_exit (3, 0);
  int release;
  pid_t grandchild;

  {
    g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NO_REAP, &error);
    int raw = (int) syscall (SYS_pidfd_open, pid, 0);
    g_autoptr(GPidFd) from_fd = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (raw, >=, 0);
    from_fd = g_pidfd_new_from_fd (raw, &error);
    g_assert_no_error (error);
    close (raw);
    g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
    g_assert_cmpint (g_pidfd_get_pid (from_fd), ==, pid);
    g_assert_true (g_pidfd_is_child (from_fd));

    /* query_info from /proc. */
    {
      g_autoptr(GPidFdProcessInfo) pinfo = g_pidfd_query_info (pidfd, &error);

      g_assert_no_error (error);
      g_assert_cmpint (g_pidfd_process_info_get_pid (pinfo), ==, pid);
      g_assert_cmpint (g_pidfd_process_info_get_tgid (pinfo), ==, pid);
      g_assert_cmpint (g_pidfd_process_info_get_ppid (pinfo), ==, getpid ());
      g_assert_cmpuint (g_pidfd_process_info_get_ruid (pinfo), ==, getuid ());
      g_assert_cmpuint (g_pidfd_process_info_get_egid (pinfo), ==, getegid ());
    }

    gpt_reap (pid);
    g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
    g_assert_cmpint (g_pidfd_get_pid (from_fd), ==, -1);
  }

  exercise_child_waits (FALSE);

  grandchild = spawn_unreaped_grandchild (&release);
  {
    g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (grandchild, &error);
    g_autoptr(GPidFdExitInfo) info = NULL;

    g_assert_no_error (error);
    g_assert_false (g_pidfd_is_child (pidfd));
    g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, grandchild);
    info = g_pidfd_try_wait (pidfd, &error);
    g_assert_no_error (error);
    if (info == NULL)
      g_error ("try_wait on exited non-child %d gave no record with PIDFD_GET_INFO "
               "blocked: it would wait for a status it can never read", grandchild);
    g_assert_false (g_pidfd_exit_info_has_status (info));
  }
  close (release);
}

static const SandboxRow sandbox_rows[] = {
  { "pidfd-open/eperm", NO_PIDFD_OPEN, EPERM, sandbox_open },
  { "pidfd-open/eacces", NO_PIDFD_OPEN, EACCES, sandbox_open },
  { "send-signal/eperm", NO_SEND_SIGNAL, EPERM, sandbox_send_signal },
  { "send-signal/eacces", NO_SEND_SIGNAL, EACCES, sandbox_send_signal },
  { "waitid-pidfd/eperm", NO_WAITID_PIDFD, EPERM, sandbox_waitid },
  { "waitid-pidfd/enosys", NO_WAITID_PIDFD, ENOSYS, sandbox_waitid },
  { "get-info/eperm", NO_GET_INFO, EPERM, sandbox_get_info },
  { "get-info/enosys", NO_GET_INFO, ENOSYS, sandbox_get_info },
};

static void
test_sandbox (gconstpointer data)
{
  const SandboxRow *row = data;

  if (g_test_subprocess ())
    {
      install_filter_errno (row->blocked, row->errnum);
      check_blocked (row->blocked, row->errnum);
      row->check ();
      return;
    }

  g_test_summary ("A call refused by a seccomp filter is not the target's "
                  "refusal: the race-free fallback, or NOT_SUPPORTED saying "
                  "the call is blocked");
  run_in_subprocess ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rb_warm_up ();

  gpt_add_checked ("/robust/oldkernel/no-pidfd-open", NULL, test_no_pidfd_open);
  gpt_add_checked ("/robust/oldkernel/no-send-signal", NULL, test_no_send_signal);
  gpt_add_checked ("/robust/oldkernel/no-waitid-pidfd", NULL, test_no_waitid_pidfd);
  gpt_add_checked ("/robust/oldkernel/no-get-info", NULL, test_no_get_info);
  gpt_add_checked ("/robust/oldkernel/no-get-info-non-child", NULL, test_no_get_info_non_child);
  gpt_add_checked ("/robust/oldkernel/no-get-info-non-child-blocking", NULL,
                  test_no_get_info_non_child_blocking);
  gpt_add_checked ("/robust/oldkernel/no-pidfs", NULL, test_no_pidfs);
  gpt_add_checked ("/robust/oldkernel/linux-5.3", NULL, test_linux_5_3);
  gpt_add_checked ("/robust/oldkernel/linux-5.0", NULL, test_linux_5_0);

  for (guint i = 0; i < G_N_ELEMENTS (sandbox_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/sandbox/%s", sandbox_rows[i].name);

      gpt_add_checked (path, &sandbox_rows[i], test_sandbox);
    }

  return g_test_run ();
}
