/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* robust-common.c: shared helpers of the stress, fault and hostile-input
 * suites */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
# include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
# define RUNNING_ON_VALGRIND 0
#endif

#include "gpidfd-syscall-private.h"
#include "robust-common.h"

gboolean
rb_heap_is_instrumented (void)
{
#if defined(__SANITIZE_ADDRESS__)
  return TRUE;
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
  return TRUE;
# endif
#endif
  return RUNNING_ON_VALGRIND != 0;
}

guint64
rb_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  p = strstr (status, "\nVmRSS:");
  g_assert_nonnull (p);

  return g_ascii_strtoull (p + strlen ("\nVmRSS:"), NULL, 10);
}

pid_t
rb_spawn_gated (int gate_rd,
                int gate_wr,
                int code,
                int signum)
{
  pid_t pid = fork ();

  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));

  if (pid == 0)
    {
      char c;

      /* Hold no other descriptor, above all no other child's gate. */
      if (gate_rd != 3 && dup2 (gate_rd, 3) != 3)
        _exit (120);
      close_range (4, ~0U, 0);
      while (read (3, &c, 1) < 0 && errno == EINTR)
        ;
      if (signum != 0)
        {
          struct sigaction sa = { .sa_handler = SIG_DFL };

          sigaction (signum, &sa, NULL);
          kill (getpid (), signum);
        }
      _exit (code);
    }

  return pid;
}

pid_t
rb_spawn_exit_us (int   code,
                  guint delay_us)
{
  pid_t pid = fork ();

  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));

  if (pid == 0)
    {
      if (delay_us > 0)
        usleep (delay_us);
      _exit (code);
    }

  return pid;
}

pid_t
rb_spawn_pause (void)
{
  pid_t parent = getpid ();
  pid_t pid = fork ();

  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));

  if (pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (getppid () != parent)
        _exit (0);
      for (;;)
        pause ();
    }

  return pid;
}

static int
highest_open_fd (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  int highest = -1;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    highest = MAX (highest, atoi (name));
  g_dir_close (dir);

  return highest;
}

static struct rlimit saved_nofile;

GArray *
rb_fds_exhaust (guint n_free)
{
  GArray *fillers = g_array_new (FALSE, FALSE, sizeof (int));
  struct rlimit low;
  int fd;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved_nofile), ==, 0);
  low = saved_nofile;
  low.rlim_cur = highest_open_fd () + 1;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);

  while ((fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
    g_array_append_val (fillers, fd);
  g_assert_cmpint (errno, ==, EMFILE);

  /* Free the top slots: the descriptors the kernel hands out next. */
  low.rlim_cur += n_free;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);

  return fillers;
}

void
rb_fds_release (GArray *fillers)
{
  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  g_array_unref (fillers);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved_nofile), ==, 0);
}

gboolean
rb_is_unreaped_zombie (pid_t pid)
{
  siginfo_t si;

  memset (&si, 0, sizeof si);
  if (waitid (P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
    return FALSE;

  return si.si_pid == pid;
}

gboolean
rb_has_children (void)
{
  siginfo_t si;

  memset (&si, 0, sizeof si);
  return waitid (P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0;
}

guint
rb_count_threads (void)
{
  return gpt_count_dir_entries ("/proc/self/task");
}

/* Completion callbacks that store the record in a GPidFdExitInfo **. */
void
rb_store_wait_result (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GPidFdExitInfo **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  g_assert_no_error (error);
}

gboolean
rb_store_source_info (GPidFd         *pidfd,
                      GPidFdExitInfo *info,
                      gpointer        user_data)
{
  GPidFdExitInfo **out = user_data;

  *out = g_object_ref (info);
  return G_SOURCE_REMOVE;
}

static gboolean
on_run_timeout (gpointer user_data)
{
  g_error ("test timed out after %u seconds", GPOINTER_TO_UINT (user_data));
  return G_SOURCE_REMOVE;
}

void
rb_run_until_count (GMainContext *context,
                    const guint  *count,
                    guint         target,
                    guint         timeout_s)
{
  GSource *timeout = g_timeout_source_new_seconds (timeout_s);

  g_source_set_callback (timeout, on_run_timeout, GUINT_TO_POINTER (timeout_s), NULL);
  g_source_attach (timeout, context);

  while ((guint) g_atomic_int_get ((const gint *) count) < target)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
}

void
rb_warm_up (void)
{
  g_main_context_default ();
  g_type_ensure (G_TYPE_TASK);
  g_type_ensure (G_TYPE_CANCELLABLE);
  g_type_ensure (G_TYPE_PIDFD);
  g_type_ensure (G_TYPE_PIDFD_EXIT_INFO);
}

static struct
{
  GMutex lock;
  GCond cond;
  GThread *thread;
  char *what;
  gint64 period;
  gint64 deadline;
  gboolean stop;
} watchdog;

static gpointer
watchdog_main (gpointer user_data)
{
  g_mutex_lock (&watchdog.lock);
  while (!watchdog.stop)
    {
      if (!g_cond_wait_until (&watchdog.cond, &watchdog.lock, watchdog.deadline) &&
          !watchdog.stop && g_get_monotonic_time () >= watchdog.deadline)
        g_error ("%s: no progress for %" G_GINT64_FORMAT " seconds (a deadlock or a "
                 "lost wake-up)", watchdog.what, watchdog.period / G_USEC_PER_SEC);
    }
  g_mutex_unlock (&watchdog.lock);

  return NULL;
}

void
rb_watchdog_start (const char *what,
                   guint       seconds)
{
  g_assert_null (watchdog.thread);
  watchdog.what = g_strdup (what);
  watchdog.period = (gint64) seconds * G_USEC_PER_SEC;
  watchdog.deadline = g_get_monotonic_time () + watchdog.period;
  watchdog.stop = FALSE;
  watchdog.thread = g_thread_new ("watchdog", watchdog_main, NULL);
}

void
rb_watchdog_pet (void)
{
  g_mutex_lock (&watchdog.lock);
  watchdog.deadline = g_get_monotonic_time () + watchdog.period;
  g_mutex_unlock (&watchdog.lock);
}

void
rb_watchdog_stop (void)
{
  g_mutex_lock (&watchdog.lock);
  watchdog.stop = TRUE;
  g_cond_broadcast (&watchdog.cond);
  g_mutex_unlock (&watchdog.lock);
  g_thread_join (watchdog.thread);
  watchdog.thread = NULL;
  g_clear_pointer (&watchdog.what, g_free);
}

/* In the forked child: runs the body between two descriptor counts and
 * leaves without running atexit handlers (they belong to the parent). */
static G_GNUC_NORETURN void
child_run_body (RbForkFlags   flags,
                RbTestFunc    func,
                gconstpointer data)
{
  guint before = gpt_count_fds ();
  guint after;

  func (data);
  after = gpt_count_fds ();
  if (!(flags & RB_FORK_BODY_COUNTS_FDS) && after != before)
    {
      g_autofree char *cmd = g_strdup_printf ("ls -l /proc/%d/fd", (int) getpid ());

      g_printerr ("forked child %d: %u descriptors open after the test, %u before\n",
                  (int) getpid (), after, before);
      if (system (cmd) != 0)
        g_printerr ("(could not list them)\n");
      _exit (3);
    }
  fflush (stdout);
  fflush (stderr);
  _exit (g_test_failed () ? 1 : 0);
}

/* In the forked child: makes the pid namespace (and mount namespace) and
 * forks its pid 1, which runs the body; returns that process's outcome as
 * an exit status. */
static G_GNUC_NORETURN void
child_run_in_pidns (RbForkFlags   flags,
                    RbTestFunc    func,
                    gconstpointer data)
{
  int nsflags = CLONE_NEWPID;
  pid_t init;
  int status;

  if (flags & RB_FORK_MOUNT_PROC)
    nsflags |= CLONE_NEWNS;
  if (unshare (nsflags) != 0)
    {
      g_printerr ("unshare: %s\n", g_strerror (errno));
      _exit (77);
    }
  if ((flags & RB_FORK_MOUNT_PROC) &&
      mount ("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0)
    {
      g_printerr ("making / private: %s\n", g_strerror (errno));
      _exit (77);
    }

  init = fork ();
  if (init < 0)
    _exit (4);
  if (init == 0)
    {
      /* Pid 1 ignores signals it has no handler for, SIGALRM included:
       * its parent's alarm bounds it, through PDEATHSIG. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if ((flags & RB_FORK_MOUNT_PROC) &&
          mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        {
          g_printerr ("mounting /proc: %s\n", g_strerror (errno));
          _exit (77);
        }
      g_assert_cmpint (getpid (), ==, 1);
      child_run_body (flags, func, data);
    }

  while (waitpid (init, &status, 0) < 0)
    {
      if (errno != EINTR)
        _exit (5);
    }
  if (WIFEXITED (status))
    _exit (WEXITSTATUS (status));
  g_printerr ("pid 1 of the new pid namespace killed by signal %d\n", WTERMSIG (status));
  _exit (6);
}

void
rb_fork_run (const char    *what,
             RbForkFlags    flags,
             guint          timeout_s,
             RbTestFunc     func,
             gconstpointer  data)
{
  pid_t parent = getpid ();
  pid_t pid;
  int status;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));

  if (pid == 0)
    {
      struct sigaction sa = { .sa_handler = SIG_DFL };

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (getppid () != parent)
        _exit (7);
      /* What the child prints goes to stderr: a failed assertion there
       * must not print "Bail out!" into the parent's TAP stream. */
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      sigaction (SIGALRM, &sa, NULL);
      alarm (timeout_s);
      if (flags & RB_FORK_NEW_PIDNS)
        child_run_in_pidns (flags, func, data);
      child_run_body (flags, func, data);
    }

  while (waitpid (pid, &status, 0) < 0)
    {
      if (errno != EINTR)
        g_error ("waitpid(%d): %s", (int) pid, g_strerror (errno));
    }

  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return;
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    g_test_skip_printf ("%s: not possible here (the forked child says why on stderr)", what);
  else if (WIFSIGNALED (status) && WTERMSIG (status) == SIGALRM)
    g_test_fail_printf ("%s: forked child %d did not finish within %u s", what, (int) pid, timeout_s);
  else if (WIFSIGNALED (status))
    g_test_fail_printf ("%s: forked child %d killed by signal %d (%s)", what, (int) pid,
                        WTERMSIG (status), g_strsignal (WTERMSIG (status)));
  else
    g_test_fail_printf ("%s: forked child %d exited %d", what, (int) pid, WEXITSTATUS (status));
}

gboolean
rb_under_valgrind (void)
{
  const char *env = g_getenv ("GPIDFD_UNDER_VALGRIND");

  return env != NULL && *env != '\0' && !g_str_equal (env, "0");
}

void
rb_fork_skip (const char *reason)
{
  g_printerr ("SKIP (process %d): %s\n", (int) getpid (), reason);
  fflush (stdout);
  _exit (77);
}

static void
probe_pidns_body (gconstpointer data)
{
}

char *
rb_pidns_unavailable (RbForkFlags flags)
{
  pid_t pid;
  int status;

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));
  if (pid == 0)
    {
      int null = open ("/dev/null", O_WRONLY | O_CLOEXEC);

      /* Quiet: the reason is reported by the caller. */
      if (null >= 0)
        dup2 (null, STDERR_FILENO);
      alarm (10);
      child_run_in_pidns (flags | RB_FORK_NEW_PIDNS, probe_pidns_body, NULL);
    }
  status = gpt_reap (pid);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return NULL;

  return g_strdup_printf ("cannot create a pid namespace%s here (%s)",
                          (flags & RB_FORK_MOUNT_PROC) ? " with its own /proc" : "",
                          geteuid () != 0 ? "not root" : "refused by the system");
}

void
rb_wait_exited (pid_t pid,
                guint timeout_s)
{
  struct pollfd pfd = { .events = POLLIN };
  int r;

  pfd.fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pfd.fd < 0)
    g_error ("pidfd_open(%d): %s", (int) pid, g_strerror (errno));
  do
    r = poll (&pfd, 1, (int) timeout_s * 1000);
  while (r < 0 && errno == EINTR);
  close (pfd.fd);
  if (r == 0)
    g_error ("process %d did not exit within %u s", (int) pid, timeout_s);
  g_assert_cmpint (r, ==, 1);
}

gboolean
rb_kernel_has_exit_info (void)
{
  GPidFdKernelInfo info = { .mask = GPIDFD_INFO_EXIT };
  pid_t pid = gpt_spawn_exit (0, 0);
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  int r;

  g_assert_cmpint (fd, >=, 0);
  gpt_reap (pid);
  r = ioctl (fd, _IOWR (0xFF, 11, GPidFdKernelInfo), &info);
  close (fd);

  return r == 0 && (info.mask & GPIDFD_INFO_EXIT) != 0;
}

void
rb_fail_printf (const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("FAILED (process %d): %s\n", (int) getpid (), message);
  g_test_fail_printf ("%s", message);
}

void
rb_assert_error (const GError *error,
                 GQuark        domain,
                 gint          code,
                 const char   *what,
                 pid_t         pid)
{
  g_autofree char *message = NULL;
  g_autofree char *want = NULL;

  g_assert_nonnull (error);
  if (error->domain != domain || error->code != code)
    g_error ("error \"%s\" (%s %d), want %s %d", error->message,
             g_quark_to_string (error->domain), error->code,
             g_quark_to_string (domain), code);

  message = g_ascii_strdown (error->message, -1);
  if (what != NULL)
    {
      want = g_ascii_strdown (what, -1);
      if (strstr (message, want) == NULL)
        g_error ("error message \"%s\" does not say \"%s\"", error->message, what);
    }
  if (pid != 0)
    {
      g_autofree char *pid_str = g_strdup_printf ("%d", (int) pid);

      if (strstr (error->message, pid_str) == NULL)
        g_error ("error message \"%s\" does not name process %s", error->message, pid_str);
    }
}
