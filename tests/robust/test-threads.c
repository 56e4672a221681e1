/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-threads.c: know what a descriptor refers to
 *
 * A PIDFD_THREAD pidfd (Linux 6.9+, O_EXCL in its file flags) names one
 * thread: it turns readable when that thread ends, which says nothing of
 * the process. gpidfd adopts it as a thread: its flags have THREAD,
 * get_pid() is the thread id, has_exited() and wait_exit() track the
 * thread; a thread has no exit status, so no status is ever claimed for
 * it (an invented "exited 0" is the worst thing this library could
 * report): wait(), try_wait(), wait_async() and a source give the record
 * of the thread's process once that process has ended, reaping it as for
 * the process itself (not with NO_REAP).
 *
 * One table: the descriptor (a non-leader thread that ends while its
 * process runs on; a non-leader thread that ends with its process; the
 * leader thread, ending with its process; a PIDFD_NONBLOCK process pidfd,
 * which is a process, not a thread) x whose child the process is (ours;
 * another's, that reaps it at once) x how it is opened (new_from_fd on a
 * raw pidfd; new_from_pid_full (THREAD)) x the way of waiting (blocking, try_wait,
 * wait_async, a source) x the flags (none, NO_REAP, for our children).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robust-common.h"

#ifndef PIDFD_THREAD
# define PIDFD_THREAD O_EXCL
#endif
#ifndef PIDFD_NONBLOCK
# define PIDFD_NONBLOCK O_NONBLOCK
#endif

#define PROCESS_CODE 9

typedef enum
{
  FD_THREAD_ENDS_FIRST,   /* a non-leader thread ends, the process runs on */
  FD_THREAD_ENDS_WITH,    /* a non-leader thread ends when its process exits */
  FD_LEADER_THREAD,       /* the leader, PIDFD_THREAD: ends with the process */
  FD_PROCESS_NONBLOCK,    /* a PIDFD_NONBLOCK pidfd: the process */
} Fd;

typedef enum
{
  HOW_WAIT,
  HOW_TRY_WAIT,
  HOW_WAIT_ASYNC,
  HOW_SOURCE,
} How;

typedef struct
{
  Fd fd;
  gboolean non_child;    /* the process is a grandchild, its parent reaps it */
  gboolean for_thread;   /* new_from_pid_full (tid, THREAD) instead of new_from_fd */
  How how;
  GPidFdFlags flags;
} Row;

static const char *fd_names[] = {
  "thread-ends-first", "thread-ends-with-process", "leader-thread", "process-nonblock",
};
static const char *how_names[] = { "wait", "try-wait", "wait-async", "source" };

/* A process with a second thread: the thread ends when thread_gate
 * reads EOF, the process exits PROCESS_CODE when process_gate does. It
 * is our child, or (middle set) the child of a middle process that reaps
 * it as soon as it exits. */
typedef struct
{
  pid_t pid;
  pid_t tid;
  pid_t middle;
  int thread_gate;
  int process_gate;
} Threaded;

static int child_thread_gate = -1;

static void *
child_thread_main (void *user_data)
{
  int report = GPOINTER_TO_INT (user_data);
  pid_t ids[2] = { getpid (), (pid_t) syscall (SYS_gettid) };
  char c;

  if (write (report, ids, sizeof ids) != sizeof ids)
    _exit (95);
  close (report);
  while (read (child_thread_gate, &c, 1) < 0 && errno == EINTR)
    ;

  return NULL;
}

static void
threaded_spawn (Threaded *t,
                gboolean  non_child)
{
  int report[2], thread_gate[2], process_gate[2];
  pid_t ids[2];
  pid_t pid;

  g_assert_cmpint (pipe2 (report, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (thread_gate, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (process_gate, O_CLOEXEC), ==, 0);

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0 && non_child)
    {
      /* The middle process: forks the threaded one, reaps it at once. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      pid = fork ();
      if (pid < 0)
        _exit (93);
      if (pid > 0)
        {
          close (report[1]);
          close (thread_gate[0]);
          close (process_gate[0]);
          close (thread_gate[1]);
          close (process_gate[1]);
          waitpid (pid, NULL, 0);
          _exit (0);
        }
    }
  if (pid == 0)
    {
      pthread_t thread;
      char c;

      close (report[0]);
      close (thread_gate[1]);
      close (process_gate[1]);
      child_thread_gate = thread_gate[0];
      if (pthread_create (&thread, NULL, child_thread_main, GINT_TO_POINTER (report[1])) != 0)
        _exit (94);
      while (read (process_gate[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (PROCESS_CODE);
    }

  close (report[1]);
  close (thread_gate[0]);
  close (process_gate[0]);
  g_assert_cmpint (read (report[0], ids, sizeof ids), ==, sizeof ids);
  close (report[0]);
  g_assert_cmpint (ids[1], !=, ids[0]);
  t->pid = ids[0];
  t->tid = ids[1];
  t->middle = non_child ? pid : 0;
  if (!non_child)
    g_assert_cmpint (t->pid, ==, pid);
  t->thread_gate = thread_gate[1];
  t->process_gate = process_gate[1];
}

static void
threaded_end_thread (Threaded *t)
{
  if (t->thread_gate >= 0)
    close (t->thread_gate);
  t->thread_gate = -1;
}

/* Marks the process as ending before it can end, so that a record seen
 * while process_gate is still set came too early. */
static void
threaded_end_process (Threaded *t)
{
  int gate = g_atomic_int_get (&t->process_gate);

  threaded_end_thread (t);
  if (gate >= 0)
    {
      g_atomic_int_set (&t->process_gate, -1);
      close (gate);
    }
}

static gboolean
threaded_runs (Threaded *t)
{
  return g_atomic_int_get (&t->process_gate) >= 0;
}

/* Whether the thread @tid of @pid still exists. */
static gboolean
thread_exists (pid_t pid,
               pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d", (int) pid, (int) tid);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Whether @pid runs (not a zombie). */
static gboolean
process_runs (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  p = strrchr (stat, ')');

  return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static gboolean
on_end_process (gpointer user_data)
{
  threaded_end_process (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
end_process_thread (gpointer user_data)
{
  g_usleep (100 * 1000);
  threaded_end_process (user_data);
  return NULL;
}

/* Collects the record; when the process still runs, it is made to exit
 * 100 ms into the wait (a wait that completes before that fails). */
static GPidFdExitInfo *
collect (GPidFd   *pidfd,
         How       how,
         Threaded *t)
{
  GPidFdExitInfo *info = NULL;
  g_autoptr(GError) error = NULL;
  gboolean end_meanwhile = threaded_runs (t);

  switch (how)
    {
    case HOW_WAIT:
      {
        GThread *ender = end_meanwhile ? g_thread_new ("end", end_process_thread, t) : NULL;

        rb_watchdog_start ("g_pidfd_wait() for a thread's process", 5);
        info = g_pidfd_wait (pidfd, NULL, &error);
        rb_watchdog_stop ();
        g_assert_no_error (error);
        if (ender != NULL)
          {
            if (threaded_runs (t))
              rb_fail_printf ("g_pidfd_wait() returned while process %d still ran",
                              (int) t->pid);
            g_thread_join (ender);
          }
        break;
      }

    case HOW_TRY_WAIT:
      {
        gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

        while ((info = g_pidfd_try_wait (pidfd, &error)) == NULL)
          {
            g_assert_no_error (error);
            /* Nothing while the process runs: now let it end. */
            threaded_end_process (t);
            if (g_get_monotonic_time () > deadline)
              g_error ("g_pidfd_try_wait() gave no record 5 s after the end");
            g_usleep (2000);
          }
        if (threaded_runs (t))
          rb_fail_printf ("g_pidfd_try_wait() gave a record while process %d still ran",
                          (int) t->pid);
        break;
      }

    case HOW_WAIT_ASYNC:
    case HOW_SOURCE:
      {
        GMainContext *context = g_main_context_new ();

        g_main_context_push_thread_default (context);
        if (end_meanwhile)
          {
            GSource *later = g_timeout_source_new (100);

            g_source_set_callback (later, on_end_process, t, NULL);
            g_source_attach (later, context);
            g_source_unref (later);
          }
        if (how == HOW_WAIT_ASYNC)
          g_pidfd_wait_async (pidfd, NULL, rb_store_wait_result, &info);
        else
          {
            GSource *source = g_pidfd_create_source (pidfd);

            g_source_set_callback (source, G_SOURCE_FUNC (rb_store_source_info), &info, NULL);
            g_source_attach (source, context);
            g_source_unref (source);
          }
        gpt_run_until_set (context, &info, 5);
        if (threaded_runs (t))
          rb_fail_printf ("the wait completed while process %d still ran", (int) t->pid);
        /* The timeout, if it has not run. */
        while (g_main_context_iteration (context, FALSE))
          ;
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        break;
      }

    default:
      g_assert_not_reached ();
    }

  return info;
}

static void
on_wait_exit_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_pidfd_wait_exit_finish (G_PIDFD (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
wait_has_exited (GPidFd     *pidfd,
                 const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!g_pidfd_has_exited (pidfd))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("has_exited still FALSE 5 s after %s", what);
      g_usleep (1000);
    }
}

/* The caller's reap of the process: its real status, which a thread's
 * record must not have consumed. */
static void
assert_process_status_kept (pid_t pid)
{
  int status = gpt_reap (pid);

  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, PROCESS_CODE);
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  Threaded t = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t named;
  int raw;

  threaded_spawn (&t, row->non_child);

  switch (row->fd)
    {
    case FD_THREAD_ENDS_FIRST:
    case FD_THREAD_ENDS_WITH:
      named = t.tid;
      raw = (int) syscall (SYS_pidfd_open, t.tid, PIDFD_THREAD);
      break;
    case FD_LEADER_THREAD:
      named = t.pid;
      raw = (int) syscall (SYS_pidfd_open, t.pid, PIDFD_THREAD);
      break;
    case FD_PROCESS_NONBLOCK:
      named = t.pid;
      raw = (int) syscall (SYS_pidfd_open, t.pid, PIDFD_NONBLOCK);
      break;
    default:
      g_assert_not_reached ();
    }

  if (raw < 0)
    {
      int errsv = errno;

      threaded_end_process (&t);
      gpt_reap (t.middle != 0 ? t.middle : t.pid);
      if (errsv == EINVAL)
        rb_fork_skip ("pidfd_open() has no PIDFD_THREAD (Linux 6.9) here");
      g_error ("pidfd_open(%d): %s", (int) named, g_strerror (errsv));
    }

  if (row->for_thread)
    {
      close (raw);
      pidfd = g_pidfd_new_from_pid_full (named, G_PIDFD_FLAGS_THREAD, &error);
    }
  else
    {
      pidfd = g_pidfd_new_from_fd_full (raw, row->flags, &error);
      close (raw);
    }
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, named);
  g_assert_cmpint (((g_pidfd_get_flags (pidfd) & G_PIDFD_FLAGS_THREAD) != 0), ==, row->fd != FD_PROCESS_NONBLOCK);
  g_assert_false (g_pidfd_has_exited (pidfd));

  if (row->fd == FD_THREAD_ENDS_FIRST)
    {
      gboolean done = FALSE;
      GMainContext *context;

      /* The thread ends; the process runs on. */
      threaded_end_thread (&t);
      wait_has_exited (pidfd, "the thread ended");
      g_assert_true (process_runs (t.pid));
      {
        /* The pidfd turns readable as the thread exits, a moment before
         * the kernel releases it and its /proc entry goes. */
        gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

        while (thread_exists (t.pid, t.tid) && g_get_monotonic_time () < deadline)
          g_usleep (1000);
        g_assert_false (thread_exists (t.pid, t.tid));
      }

      /* The end of the thread is its exit. */
      rb_watchdog_start ("g_pidfd_wait_exit() for a thread that has ended", 5);
      g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
      rb_watchdog_stop ();
      g_assert_no_error (error);
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
      g_pidfd_wait_exit_async (pidfd, NULL, on_wait_exit_done, &done);
      gpt_run_until (context, &done, 5);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
      g_assert_true (process_runs (t.pid));
    }
  else if (row->fd != FD_PROCESS_NONBLOCK)
    g_assert_true (thread_exists (t.pid, named));

  if (row->fd != FD_THREAD_ENDS_FIRST)
    threaded_end_process (&t);

  /* The process's record, its real status, once it has ended. */
  info = collect (pidfd, row->how, &t);
  g_assert_nonnull (info);
  if (g_pidfd_exit_info_has_status (info) && g_pidfd_exit_info_get_if_exited (info) &&
      g_pidfd_exit_info_get_exit_status (info) == 0)
    rb_fail_printf ("the record of %d (thread %d of process %d) says \"exited 0\": the "
                    "process exits %d", (int) named, (int) t.tid, (int) t.pid, PROCESS_CODE);
  if (row->non_child && !rb_kernel_has_exit_info ())
    g_assert_false (g_pidfd_exit_info_has_status (info));
  else
    gpt_assert_exited (info, t.pid, PROCESS_CODE);
  g_assert_true (g_pidfd_has_exited (pidfd));

  if (row->non_child)
    {
      /* Its parent reaped it: the record came after that. */
      g_assert_false (process_runs (t.pid));
      g_assert_cmpint (kill (t.pid, 0), ==, -1);
      g_assert_cmpint (WEXITSTATUS (gpt_reap (t.middle)), ==, 0);
    }
  else if (row->flags & G_PIDFD_FLAGS_NO_REAP)
    {
      g_assert_true (rb_is_unreaped_zombie (t.pid));
      assert_process_status_kept (t.pid);
    }

  /* The record is kept. */
  {
    g_autoptr(GPidFdExitInfo) again = g_pidfd_wait (pidfd, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (again == info);
  }

  g_assert_false (rb_has_children ());
}

static void
test_row (gconstpointer data)
{
  g_test_summary ("A thread pidfd is adopted as a thread: has_exited and "
                  "wait_exit track the thread, the waits give its process's real "
                  "record once the process has ended, never a status of the thread");
  rb_fork_run ("thread pidfd", RB_FORK_PLAIN, 30, scenario, data);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  g_test_init (&argc, &argv, NULL);
  rb_warm_up ();

  for (Fd fd = FD_THREAD_ENDS_FIRST; fd <= FD_PROCESS_NONBLOCK; fd++)
    for (guint non_child = 0; non_child <= 1; non_child++)
      for (guint for_thread = 0; for_thread <= 1; for_thread++)
        for (How how = HOW_WAIT; how <= HOW_SOURCE; how++)
          for (guint no_reap = 0; no_reap <= 1; no_reap++)
            {
              Row row = { fd, non_child, for_thread, how, no_reap ? G_PIDFD_FLAGS_NO_REAP : 0 };

              /* by thread id, without NO_REAP (the rows from an fd have it); NO_REAP
               * means nothing for a process we cannot reap. */
              if (for_thread && (fd == FD_PROCESS_NONBLOCK || no_reap))
                continue;
              if (non_child && no_reap)
                continue;
              g_array_append_val (rows, row);
            }

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/threads/%s/%s/%s/%s%s",
                                               row->non_child ? "non-child" : "child",
                                               fd_names[row->fd],
                                               row->for_thread ? "new-for-thread" : "new-from-fd",
                                               how_names[row->how],
                                               row->flags ? "/no-reap" : "");

      gpt_add_checked (path, row, test_row);
    }

  return g_test_run ();
}
