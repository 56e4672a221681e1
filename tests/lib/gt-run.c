/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-run.c: starting a suite, adding its tests, running main loops,
 * checks and failures */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#if __has_include(<valgrind/valgrind.h>)
# include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
# define RUNNING_ON_VALGRIND 0
#endif

#include "gt-fds.h"
#include "gt-run.h"
#include "gt-scenarios.h"
#include "gt-spawn.h"

/* ---- Starting a suite ------------------------------------------------- */

static GtInitFlags init_flags;
/* The argv that GT_INIT_KEEP_GOING makes, for the life of the process. */
static char **keep_going_argv;

static void
free_keep_going_argv (void)
{
  g_clear_pointer (&keep_going_argv, g_free);
}

/* GSubprocess reaps in GLib's worker thread, and GDBus runs a worker of
 * its own: each has a main context, with its descriptor. */
static void
warm_up_gio (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  GDBusConnection *server, *client;

  subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (subprocess, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&subprocess);
  gt_dbus_pair (&server, &client);
  gt_dbus_close (client);
  gt_dbus_close (server);
  /* The sockets are let go of in GDBus's worker, a little later; no
   * other socket is open now. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *fds = gt_describe_fds ();

      if (strstr (fds, "socket:") == NULL)
        return;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
  g_error ("the warm-up's D-Bus sockets are still open after 10 s");
}

/* Waits until every other thread of this process sleeps (GLib's worker,
 * which GTask's type starts, in its poll()): a fork() while one of them
 * is still starting up could hand the child a lock it holds. */
static void
wait_threads_asleep (void)
{
  g_autofree char *self = g_strdup_printf ("%d", (int) gettid ());

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
      gboolean asleep = TRUE;
      const char *name;

      g_assert_nonnull (dir);
      while (asleep && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = NULL;
          g_autofree char *stat = NULL;
          const char *p;

          if (g_str_equal (name, self))
            continue;
          path = g_strdup_printf ("/proc/self/task/%s/stat", name);
          if (!g_file_get_contents (path, &stat, NULL, NULL))
            continue;
          p = strrchr (stat, ')');
          asleep = p != NULL && p[1] == ' ' && p[2] == 'S';
        }
      if (asleep)
        return;
      g_usleep (1000);
    }
}

void
gt_init (int          *argc,
         char       ***argv,
         GtInitFlags   flags)
{
  init_flags = flags;
  if (flags & GT_INIT_KEEP_GOING)
    {
      keep_going_argv = g_new0 (char *, *argc + 2);
      for (int i = 0; i < *argc; i++)
        keep_going_argv[i] = (*argv)[i];
      keep_going_argv[(*argc)++] = (char *) "--keep-going";
      *argv = keep_going_argv;
      atexit (free_keep_going_argv);
    }
  g_test_init (argc, argv, NULL);

  g_main_context_default ();
  g_type_ensure (G_TYPE_TASK);
  g_type_ensure (G_TYPE_CANCELLABLE);
  g_type_ensure (G_TYPE_PIDFD);
  g_type_ensure (G_TYPE_PIDFD_EXIT_INFO);
  g_type_ensure (G_TYPE_PIDFD_PROCESS_INFO);
  if (flags & GT_INIT_GIO)
    warm_up_gio ();
  wait_threads_asleep ();
}

/* ---- Adding tests ----------------------------------------------------- */

typedef struct
{
  GtFunc func;
  GtDataFunc data_func;
  gconstpointer data;
} CheckedTest;

static void
run_checked (gconstpointer user_data)
{
  const CheckedTest *test = user_data;
  guint before = gt_count_fds ();
  g_autofree char *before_list = gt_describe_fds ();

  if (test->func != NULL)
    test->func ();
  else
    test->data_func (test->data);

  if (init_flags & GT_INIT_GIO)
    {
      for (guint i = 0; i < 500 && gt_count_fds () != before; i++)
        {
          while (g_main_context_iteration (NULL, FALSE))
            ;
          g_usleep (10000);
        }
    }
  if (gt_count_fds () != before)
    {
      g_autofree char *after_list = gt_describe_fds ();

      g_error ("%u descriptors open before the test, %u after:\nbefore:\n%safter:\n%s",
               before, gt_count_fds (), before_list, after_list);
    }
}

/* Every test added, kept for the life of the process: a subprocess of
 * g_test_trap_subprocess() exits without freeing GTest's test data. */
static GPtrArray *checked_tests;

static void
add_checked (const char    *path,
             GtFunc         func,
             GtDataFunc     data_func,
             gconstpointer  data)
{
  CheckedTest *test = g_new0 (CheckedTest, 1);

  test->func = func;
  test->data_func = data_func;
  test->data = data;
  if (checked_tests == NULL)
    checked_tests = g_ptr_array_new ();
  g_ptr_array_add (checked_tests, test);
  g_test_add_data_func (path, test, run_checked);
}

void
gt_add (const char *path,
        GtFunc      func)
{
  add_checked (path, func, NULL, NULL);
}

void
gt_add_data (const char    *path,
             gconstpointer  data,
             GtDataFunc     func)
{
  add_checked (path, NULL, func, data);
}

/* ---- Main loops ------------------------------------------------------- */

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("test timed out after %u seconds", GPOINTER_TO_UINT (user_data));
  return G_SOURCE_REMOVE;
}

void
gt_run_until (GMainContext  *context,
              guint          timeout_s,
              GtDoneFunc     done,
              gconstpointer  data)
{
  GSource *timeout = g_timeout_source_new_seconds (timeout_s);

  g_source_set_callback (timeout, on_timeout, GUINT_TO_POINTER (timeout_s), NULL);
  g_source_attach (timeout, context);

  while (!done (data))
    g_main_context_iteration (context, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
}

static gboolean
flag_is_true (gconstpointer data)
{
  return *(const gboolean *) data;
}

void
gt_run_until_true (GMainContext   *context,
                   const gboolean *flag,
                   guint           timeout_s)
{
  gt_run_until (context, timeout_s, flag_is_true, flag);
}

typedef struct
{
  const guint *count;
  guint target;
} CountTarget;

static gboolean
count_reached (gconstpointer data)
{
  const CountTarget *ct = data;

  return (guint) g_atomic_int_get ((const gint *) ct->count) >= ct->target;
}

void
gt_run_until_count (GMainContext *context,
                    const guint  *count,
                    guint         target,
                    guint         timeout_s)
{
  CountTarget ct = { count, target };

  gt_run_until (context, timeout_s, count_reached, &ct);
}

static gboolean
slot_is_set (gconstpointer data)
{
  return *(gpointer const *) data != NULL;
}

void
gt_run_until_set_impl (GMainContext *context,
                       gpointer     *slot,
                       guint         timeout_s)
{
  gt_run_until (context, timeout_s, slot_is_set, slot);
}

gboolean
gt_cancel_cb (gpointer cancellable)
{
  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GCancellable *cancellable;
  guint delay_ms;
} CancelLater;

static gpointer
cancel_thread (gpointer user_data)
{
  CancelLater *later = user_data;

  g_usleep ((gulong) later->delay_ms * 1000);
  g_cancellable_cancel (later->cancellable);
  g_object_unref (later->cancellable);
  g_free (later);

  return NULL;
}

GThread *
gt_cancel_in_thread (GCancellable *cancellable,
                     guint         delay_ms)
{
  CancelLater *later = g_new0 (CancelLater, 1);

  later->cancellable = g_object_ref (cancellable);
  later->delay_ms = delay_ms;

  return g_thread_new ("cancel", cancel_thread, later);
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
gt_watchdog_start (const char *what,
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
gt_watchdog_pet (void)
{
  g_mutex_lock (&watchdog.lock);
  watchdog.deadline = g_get_monotonic_time () + watchdog.period;
  g_mutex_unlock (&watchdog.lock);
}

void
gt_watchdog_stop (void)
{
  g_mutex_lock (&watchdog.lock);
  watchdog.stop = TRUE;
  g_cond_broadcast (&watchdog.cond);
  g_mutex_unlock (&watchdog.lock);
  g_thread_join (watchdog.thread);
  watchdog.thread = NULL;
  g_clear_pointer (&watchdog.what, g_free);
}

/* ---- Bodies in other processes ---------------------------------------- */

void
gt_run_in_subprocess (guint timeout_s)
{
  g_test_trap_subprocess (NULL, (guint64) timeout_s * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  /* Not fatal: with --keep-going every row reports. */
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("the subprocess failed (its stderr is above)");
}

/* In the forked child: runs the body between two descriptor counts and
 * leaves without running atexit handlers (they belong to the parent). */
static G_GNUC_NORETURN void
child_run_body (GtForkFlags   flags,
                GtDataFunc    func,
                gconstpointer data)
{
  guint before = gt_count_fds ();
  guint after;

  func (data);
  after = gt_count_fds ();
  if (!(flags & GT_FORK_BODY_COUNTS_FDS) && after != before)
    {
      g_autofree char *list = gt_describe_fds ();

      g_printerr ("forked child %d: %u descriptors open after the test, %u before:\n%s",
                  (int) getpid (), after, before, list);
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
child_run_in_pidns (GtForkFlags   flags,
                    GtDataFunc    func,
                    gconstpointer data)
{
  int nsflags = CLONE_NEWPID;
  pid_t init;
  int status;

  if (flags & GT_FORK_MOUNT_PROC)
    nsflags |= CLONE_NEWNS;
  if (unshare (nsflags) != 0)
    {
      g_printerr ("unshare: %s\n", g_strerror (errno));
      _exit (77);
    }
  if ((flags & GT_FORK_MOUNT_PROC) &&
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
      if ((flags & GT_FORK_MOUNT_PROC) &&
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
gt_fork_run (const char    *what,
             GtForkFlags    flags,
             guint          timeout_s,
             GtDataFunc     func,
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
      if (flags & GT_FORK_NEW_PIDNS)
        child_run_in_pidns (flags, func, data);
      child_run_body (flags, func, data);
    }

  status = gt_reap (pid);
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

void
gt_fork_skip (const char *reason)
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
gt_pidns_unavailable (GtForkFlags flags)
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
      child_run_in_pidns (flags | GT_FORK_NEW_PIDNS, probe_pidns_body, NULL);
    }
  status = gt_reap (pid);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return NULL;

  return g_strdup_printf ("cannot create a pid namespace%s here (%s)",
                          (flags & GT_FORK_MOUNT_PROC) ? " with its own /proc" : "",
                          geteuid () != 0 ? "not root" : "refused by the system");
}

/* ---- Sizes and instrumentation ---------------------------------------- */

guint
gt_scale (guint full,
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
gt_under_valgrind (void)
{
  const char *env = g_getenv ("GPIDFD_UNDER_VALGRIND");

  return env != NULL && *env != '\0' && !g_str_equal (env, "0");
}

gboolean
gt_skip_under_valgrind (const char *reason)
{
  if (!gt_under_valgrind ())
    return FALSE;

  g_test_skip_printf ("under valgrind: %s", reason);
  return TRUE;
}

gboolean
gt_heap_is_instrumented (void)
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

/* ---- Checks ----------------------------------------------------------- */

void
gt_assert_exited (GPidFdExitInfo *info,
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
gt_assert_signaled (GPidFdExitInfo *info,
                    pid_t           pid,
                    int             signum)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_true (g_pidfd_exit_info_get_if_signaled (info));
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, signum);
}

void
gt_assert_message_has (const GError *error,
                       const char   *what)
{
  g_assert_nonnull (error);
  if (strstr (error->message, what) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, what);
}

void
gt_assert_message_names_pid (const GError *error,
                             pid_t         pid)
{
  g_autofree char *pid_str = g_strdup_printf ("%d", (int) pid);

  gt_assert_message_has (error, pid_str);
}

void
gt_assert_error (const GError *error,
                 GQuark        domain,
                 gint          code,
                 const char   *what,
                 pid_t         pid)
{
  g_assert_nonnull (error);
  if (error->domain != domain || error->code != code)
    g_error ("error \"%s\" (%s %d), want %s %d", error->message,
             g_quark_to_string (error->domain), error->code,
             g_quark_to_string (domain), code);

  if (what != NULL)
    {
      g_autofree char *message = g_ascii_strdown (error->message, -1);
      g_autofree char *want = g_ascii_strdown (what, -1);

      if (strstr (message, want) == NULL)
        g_error ("error message \"%s\" does not say \"%s\"", error->message, what);
    }
  if (pid != 0)
    gt_assert_message_names_pid (error, pid);
}

void
gt_fail_printf (const char *format,
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
