/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* robust-common.c: shared helpers of the stress, fault and hostile-input
 * suites */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
# include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
# define RUNNING_ON_VALGRIND 0
#endif

#include "robust-common.h"

guint
rb_scale (guint full,
          guint min)
{
  const char *env = g_getenv ("GPIDFD_TEST_SCALE");
  guint64 percent = 100;
  guint64 n;

  if (env != NULL && *env != '\0')
    {
      percent = g_ascii_strtoull (env, NULL, 10);
      if (percent == 0)
        percent = 1;
    }
  else if (RUNNING_ON_VALGRIND)
    percent = 5;

  n = (guint64) full * percent / 100;

  return (guint) MAX (n, (guint64) min);
}

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

void
rb_assert_exit_code (GPidFdExitInfo *info,
                     pid_t           pid,
                     int             code)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_true (g_pidfd_exit_info_get_exited (info));
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, code);
}

void
rb_assert_signaled (GPidFdExitInfo *info,
                    pid_t           pid,
                    int             signum)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_true (g_pidfd_exit_info_get_signaled (info));
  g_assert_cmpint (g_pidfd_exit_info_get_term_signal (info), ==, signum);
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
