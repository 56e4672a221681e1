/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-utils.c: real processes for the test suites */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
# include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
# define RUNNING_ON_VALGRIND 0
#endif

#include "test-utils.h"

static pid_t
fork_or_die (void)
{
  pid_t pid = fork ();

  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));

  return pid;
}

pid_t
gpt_spawn_exit (int   code,
                guint delay_ms)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      if (delay_ms > 0)
        g_usleep (delay_ms * 1000);
      _exit (code);
    }

  return pid;
}

pid_t
gpt_spawn_pause (void)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      for (;;)
        pause ();
    }

  return pid;
}

pid_t
gpt_spawn_burn (guint ms)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      struct timespec start, now;
      volatile guint64 x = 0;

      clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &start);
      do
        {
          for (int i = 0; i < 100000; i++)
            x += i;
          clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
        }
      while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < (long) ms);
      /* Reads the sum, so that the loop is not optimized out; always 0. */
      _exit ((int) (x & 0));
    }

  return pid;
}

pid_t
gpt_spawn_abort (const char *dir)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
      struct sigaction sa = { .sa_handler = SIG_DFL };

      setrlimit (RLIMIT_CORE, &rl);
      prctl (PR_SET_DUMPABLE, 1);
      sigaction (SIGABRT, &sa, NULL);
      if (chdir (dir) != 0)
        _exit (99);
      raise (SIGABRT);
      _exit (98);
    }

  return pid;
}

pid_t
gpt_spawn_grandchild (int    code,
                      guint  delay_ms,
                      guint  linger_ms,
                      pid_t *middle)
{
  int fds[2];
  pid_t mid, grandchild = 0;

  if (pipe (fds) != 0)
    g_error ("pipe: %s", g_strerror (errno));

  mid = fork_or_die ();
  if (mid == 0)
    {
      pid_t g;
      int status;

      close (fds[0]);
      g = fork ();
      if (g < 0)
        _exit (97);
      if (g == 0)
        {
          close (fds[1]);
          if (delay_ms > 0)
            g_usleep (delay_ms * 1000);
          _exit (code);
        }
      if (write (fds[1], &g, sizeof g) != sizeof g)
        _exit (96);
      close (fds[1]);
      /* Leave it a zombie for a while before reaping it. */
      g_usleep ((delay_ms + 300) * 1000);
      while (waitpid (g, &status, 0) < 0 && errno == EINTR)
        ;
      if (linger_ms > 0)
        g_usleep (linger_ms * 1000);
      _exit (0);
    }

  close (fds[1]);
  if (read (fds[0], &grandchild, sizeof grandchild) != sizeof grandchild)
    g_error ("could not read the grandchild's pid");
  close (fds[0]);

  if (middle != NULL)
    *middle = mid;

  return grandchild;
}

int
gpt_reap (pid_t pid)
{
  int status = 0;

  while (waitpid (pid, &status, 0) < 0)
    {
      if (errno != EINTR)
        g_error ("waitpid(%d): %s", (int) pid, g_strerror (errno));
    }

  return status;
}

guint
gpt_count_dir_entries (const char *path)
{
  DIR *dir = opendir (path);
  struct dirent *de;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((de = readdir (dir)) != NULL)
    {
      if (de->d_name[0] != '.')
        n++;
    }
  closedir (dir);

  return n;
}

guint
gpt_count_fds (void)
{
  /* Less the directory's own fd. */
  return gpt_count_dir_entries ("/proc/self/fd") - 1;
}

gboolean
gpt_skip_under_valgrind (const char *reason)
{
  const char *env = g_getenv ("GPIDFD_UNDER_VALGRIND");

  if (env == NULL || *env == '\0' || g_str_equal (env, "0"))
    return FALSE;

  g_test_skip_printf ("under valgrind: %s", reason);
  return TRUE;
}

guint
gpt_raise_nofile (void)
{
  struct rlimit rl;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  rl.rlim_cur = rl.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);

  return (guint) rl.rlim_cur;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("test timed out after %u seconds", GPOINTER_TO_UINT (user_data));
  return G_SOURCE_REMOVE;
}

void
gpt_run_until (GMainContext *context,
               gboolean     *done,
               guint         timeout_s)
{
  GSource *timeout = g_timeout_source_new_seconds (timeout_s);

  g_source_set_callback (timeout, on_timeout, GUINT_TO_POINTER (timeout_s), NULL);
  g_source_attach (timeout, context);

  while (!*done)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
}

void
gpt_run_until_set_impl (GMainContext *context,
                        gpointer     *slot,
                        guint         timeout_s)
{
  GSource *timeout = g_timeout_source_new_seconds (timeout_s);

  g_source_set_callback (timeout, on_timeout, GUINT_TO_POINTER (timeout_s), NULL);
  g_source_attach (timeout, context);

  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
}

typedef struct
{
  gconstpointer data;
  GptTestFunc func;
} CheckedTest;

static void
run_checked (gconstpointer user_data)
{
  const CheckedTest *test = user_data;
  guint before = gpt_count_fds ();

  test->func (test->data);
  g_assert_cmpuint (gpt_count_fds (), ==, before);
}

/* Every test added, kept for the life of the process: a subprocess of
 * g_test_trap_subprocess() exits without freeing GTest's test data. */
static GPtrArray *checked_tests;

void
gpt_add_checked (const char    *path,
                gconstpointer  data,
                GptTestFunc     func)
{
  CheckedTest *test = g_new0 (CheckedTest, 1);

  test->data = data;
  test->func = func;
  if (checked_tests == NULL)
    checked_tests = g_ptr_array_new ();
  g_ptr_array_add (checked_tests, test);
  g_test_add_data_func (path, test, run_checked);
}

guint
gpt_scale (guint full,
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

void
gpt_assert_exited (GPidFdExitInfo *info,
                   pid_t           pid,
                   int             code)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_true (g_pidfd_exit_info_get_if_exited (info));
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, code);
}

void
gpt_assert_signaled (GPidFdExitInfo *info,
                     pid_t           pid,
                     int             signum)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_true (g_pidfd_exit_info_get_if_signaled (info));
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, signum);
}
