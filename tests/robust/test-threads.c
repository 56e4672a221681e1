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
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gt.h"

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

typedef struct
{
  Fd fd;
  gboolean non_child;    /* the process is a grandchild, its parent reaps it */
  gboolean for_thread;   /* new_from_pid_full (tid, THREAD) instead of new_from_fd */
  GtHow how;
  GPidFdFlags flags;
} Row;

static const char *fd_names[] = {
  "thread-ends-first", "thread-ends-with-process", "leader-thread", "process-nonblock",
};

/* The process (gt_spawn_threaded(), with one thread besides its main
 * one) exits PROCESS_CODE. */
static void
end_process (gpointer data)
{
  gt_threaded_exit (data, PROCESS_CODE);
}

static gboolean
process_ended (const GtThreaded *t)
{
  return t->ctl[0] < 0;
}

/* Whether @pid runs (not a zombie). */
static gboolean
process_runs (pid_t pid)
{
  char state = gt_proc_state (pid);

  return state != 0 && state != 'Z' && state != 'X';
}

/* Collects the record; when the process still runs, it is made to exit
 * 100 ms into the wait (a wait that completes before that fails). */
static GPidFdExitInfo *
collect (GPidFd     *pidfd,
         GtHow       how,
         GtThreaded *t)
{
  GtCollect opts = {
    .what = "a thread's process",
    .timeout_s = 5,
    .meanwhile = process_ended (t) ? NULL : end_process,
    .meanwhile_data = t,
    .delay_ms = 100,
  };
  GPidFdExitInfo *info = gt_collect (pidfd, how, &opts, NULL);

  if (opts.early)
    gt_fail_printf ("the %s completed while process %d still ran", gt_how_names[how],
                    (int) t->pid);

  return info;
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
  int status = gt_reap (pid);

  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, PROCESS_CODE);
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  GtThreaded t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t named;
  int raw;

  gt_spawn_threaded (&t, 1, 0, row->non_child ? GT_MIDDLE_REAPS : GT_MIDDLE_NONE);

  switch (row->fd)
    {
    case FD_THREAD_ENDS_FIRST:
    case FD_THREAD_ENDS_WITH:
      named = t.tids[0];
      raw = (int) syscall (SYS_pidfd_open, t.tids[0], PIDFD_THREAD);
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

      gt_threaded_exit (&t, PROCESS_CODE);
      if (row->non_child)
        gt_family_end (&t.family);
      else
        gt_reap (t.pid);
      if (errsv == EINVAL)
        gt_fork_skip ("pidfd_open() has no PIDFD_THREAD (Linux 6.9) here");
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
      gt_threaded_end_thread (&t, 0);
      wait_has_exited (pidfd, "the thread ended");
      g_assert_true (process_runs (t.pid));
      {
        /* The pidfd turns readable as the thread exits, a moment before
         * the kernel releases it and its /proc entry goes. */
        gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

        while (gt_thread_alive (t.pid, t.tids[0]) && g_get_monotonic_time () < deadline)
          g_usleep (1000);
        g_assert_false (gt_thread_alive (t.pid, t.tids[0]));
      }

      /* The end of the thread is its exit. */
      gt_watchdog_start ("g_pidfd_wait_exit() for a thread that has ended", 5);
      g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
      gt_watchdog_stop ();
      g_assert_no_error (error);
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
      g_pidfd_wait_exit_async (pidfd, NULL, gt_store_wait_exit, &done);
      gt_run_until_true (context, &done, 5);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
      g_assert_true (process_runs (t.pid));
    }
  else if (row->fd != FD_PROCESS_NONBLOCK)
    g_assert_true (gt_thread_alive (t.pid, named));

  if (row->fd != FD_THREAD_ENDS_FIRST)
    gt_threaded_exit (&t, PROCESS_CODE);

  /* The process's record, its real status, once it has ended. */
  info = collect (pidfd, row->how, &t);
  g_assert_nonnull (info);
  if (g_pidfd_exit_info_has_status (info) && g_pidfd_exit_info_get_if_exited (info) &&
      g_pidfd_exit_info_get_exit_status (info) == 0)
    gt_fail_printf ("the record of %d (thread %d of process %d) says \"exited 0\": the "
                    "process exits %d", (int) named, (int) t.tids[0], (int) t.pid, PROCESS_CODE);
  if (row->non_child && !gt_kernel_has_exit_info ())
    g_assert_false (g_pidfd_exit_info_has_status (info));
  else
    gt_assert_exited (info, t.pid, PROCESS_CODE);
  g_assert_true (g_pidfd_has_exited (pidfd));

  if (row->non_child)
    {
      /* Its parent reaped it: the record came after that. */
      g_assert_false (process_runs (t.pid));
      g_assert_cmpint (kill (t.pid, 0), ==, -1);
      gt_family_end (&t.family);
    }
  else if (row->flags & G_PIDFD_FLAGS_NO_REAP)
    {
      g_assert_true (gt_is_unreaped_zombie (t.pid));
      assert_process_status_kept (t.pid);
    }

  /* The record is kept. */
  {
    g_autoptr(GPidFdExitInfo) again = g_pidfd_wait (pidfd, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (again == info);
  }

  g_assert_false (gt_has_children ());
}

static void
test_row (gconstpointer data)
{
  g_test_summary ("A thread pidfd is adopted as a thread: has_exited and "
                  "wait_exit track the thread, the waits give its process's real "
                  "record once the process has ended, never a status of the thread");
  gt_fork_run ("thread pidfd", GT_FORK_PLAIN, 30, scenario, data);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (Fd fd = FD_THREAD_ENDS_FIRST; fd <= FD_PROCESS_NONBLOCK; fd++)
    for (guint non_child = 0; non_child <= 1; non_child++)
      for (guint for_thread = 0; for_thread <= 1; for_thread++)
        for (GtHow how = GT_HOW_WAIT; how < GT_N_HOW; how++)
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
                                               gt_how_names[row->how],
                                               row->flags ? "/no-reap" : "");

      gt_add_data (path, row, test_row);
    }

  return g_test_run ();
}
