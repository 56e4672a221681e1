/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-notyet.c: waits that cannot complete yet sleep
 *
 * A process can have exited, its pidfd readable, while its record cannot
 * be had yet: a child traced by another process (a sibling that attached
 * with ptrace) is waitable by its parent only once the tracer has
 * collected it, and nothing wakes a poll of the pidfd when it does. A
 * wait in that state must sleep (poll for the hang-up, look again now and
 * then), not wake at once again and again: the CPU it uses stays near
 * zero, and the record is the true one once the tracer lets go. A tracer
 * that never lets go (it is stopped) keeps the wait pending, still
 * asleep, until it is cancelled.
 *
 * One table: the way the record is collected (blocking wait, wait_async,
 * a source) x the tracer (collects after a while, never). Each row runs
 * in a forked child, bounded in time.
 *
 * And a process cannot outlive itself: a wait for the caller's own
 * process, or a thread's exit wait for itself, fails at once.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gt.h"

#define TRACEE_CODE 6
/* How long the tracer holds the exited tracee before collecting it. */
#define HOLD_MS 800

typedef enum
{
  TRACER_COLLECTS_LATER,
  TRACER_NEVER_COLLECTS,
} Tracer;

typedef struct
{
  GtHow how;
  Tracer tracer;
} Row;

static const char *tracer_names[] = { "tracer-collects-later", "tracer-stopped" };

typedef struct
{
  pid_t tracee;
  pid_t tracer;
  int gate_wr;   /* closing it lets the tracee exit */
} Traced;

/* CPU time (user + system) of this process, in microseconds. */
static gint64
cpu_us (void)
{
  struct rusage ru;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &ru), ==, 0);
  return (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* A child (the tracee), and a second child (the tracer) that attaches to
 * it; once the tracee has exited, the tracer holds it for HOLD_MS and
 * collects it, or stops itself for good. */
static void
traced_spawn (Traced *t,
              Tracer  tracer)
{
  int gate[2];
  int ready[2];
  char c;

  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (ready, O_CLOEXEC), ==, 0);
  t->tracee = gt_spawn_gated (gate[0], gate[1], TRACEE_CODE, 0);
  close (gate[0]);
  t->gate_wr = gate[1];

  t->tracer = fork ();
  g_assert_cmpint (t->tracer, >=, 0);
  if (t->tracer == 0)
    {
      siginfo_t si;
      int status;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (ready[0]);
      close (t->gate_wr);
      if (ptrace (PTRACE_SEIZE, t->tracee, NULL, NULL) != 0)
        _exit (90);
      if (write (ready[1], "x", 1) != 1)
        _exit (91);
      close (ready[1]);
      /* Until the tracee has exited, without collecting it. */
      memset (&si, 0, sizeof si);
      while (waitid (P_PID, t->tracee, &si, WEXITED | WNOWAIT | __WALL) < 0)
        if (errno != EINTR)
          _exit (92);
      if (tracer == TRACER_NEVER_COLLECTS)
        {
          for (;;)
            raise (SIGSTOP);
        }
      g_usleep (HOLD_MS * 1000);
      /* Collecting hands the zombie back to its parent. */
      while (waitpid (t->tracee, &status, __WALL) < 0)
        if (errno != EINTR)
          _exit (93);
      _exit (0);
    }
  close (ready[1]);
  g_assert_cmpint (read (ready[0], &c, 1), ==, 1);
  close (ready[0]);
}

static void
cancel (gpointer data)
{
  g_cancellable_cancel (data);
}

/* Collects the record of @pidfd; with @cancellable, which fires after
 * HOLD_MS, the wait is expected to be cancelled. */
static GPidFdExitInfo *
collect (GPidFd        *pidfd,
         GtHow          how,
         GCancellable  *cancellable,
         GError       **error)
{
  GtCollect opts = {
    .what = "a traced child",
    .cancellable = cancellable,
    .meanwhile = cancellable != NULL ? cancel : NULL,
    .meanwhile_data = cancellable,
    .delay_ms = HOLD_MS,
  };

  return gt_collect (pidfd, how, &opts, error);
}

/* Samples this process's CPU time over a window while the wait is
 * pending: from 200 ms after the wait started (what it set up, a worker
 * thread GLib starts, is done by then) to 700 ms, before the tracer lets
 * go at HOLD_MS. */
typedef struct
{
  gint64 cpu_us;
  gint64 wall_us;
} Window;

static gpointer
sample_thread (gpointer user_data)
{
  Window *window = user_data;
  gint64 cpu0, wall0;

  g_usleep (200 * 1000);
  cpu0 = cpu_us ();
  wall0 = g_get_monotonic_time ();
  g_usleep (500 * 1000);
  window->cpu_us = cpu_us () - cpu0;
  window->wall_us = g_get_monotonic_time () - wall0;

  return NULL;
}

static void
assert_slept (const char *what,
              gint64      cpu,
              gint64      wall)
{
  g_test_message ("%s: %" G_GINT64_FORMAT " us of CPU in %" G_GINT64_FORMAT " us",
                  what, cpu, wall);
  /* A wait that wakes again at once burns what it can of a core (25%
   * to 35% on a loaded 2-core machine, all of it on an idle one); one
   * that looks again every 100 ms uses a few milliseconds a second. */
  if (cpu * 10 > wall)
    gt_fail_printf ("%s used %" G_GINT64_FORMAT " us of CPU in %" G_GINT64_FORMAT
                    " us: it spins on a pidfd that is readable but not collectable",
                    what, cpu, wall);
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  Traced t;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  Window window = { 0, 0 };
  GThread *sampler;
  int status;

  traced_spawn (&t, row->tracer);
  pidfd = g_pidfd_new_from_pid (t.tracee, &error);
  g_assert_no_error (error);
  close (t.gate_wr);
  gt_wait_exited (t.tracee, 10);

  if (row->tracer == TRACER_NEVER_COLLECTS)
    cancellable = g_cancellable_new ();

  sampler = g_thread_new ("sample", sample_thread, &window);
  info = collect (pidfd, row->how, cancellable, &error);
  g_thread_join (sampler);
  assert_slept ("the wait for a traced child", window.cpu_us, window.wall_us);

  if (row->tracer == TRACER_COLLECTS_LATER)
    {
      g_assert_no_error (error);
      gt_assert_exited (info, t.tracee, TRACEE_CODE);
      g_assert_false (gt_is_unreaped_zombie (t.tracee));
      g_assert_cmpint (waitpid (t.tracer, &status, 0), ==, t.tracer);
      g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
  else
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      g_assert_null (info);
      g_clear_error (&error);
      /* A tracer that dies lets go of its tracee: the record is there. */
      kill (t.tracer, SIGKILL);
      g_assert_cmpint (waitpid (t.tracer, &status, 0), ==, t.tracer);
      info = g_pidfd_wait (pidfd, NULL, &error);
      g_assert_no_error (error);
      gt_assert_exited (info, t.tracee, TRACEE_CODE);
    }
  g_assert_false (gt_has_children ());
}

static void
test_row (gconstpointer data)
{
  gt_fork_run ("traced child", GT_FORK_PLAIN, 30, scenario, data);
}

/* ---- A process cannot outlive itself ---------------------------------- */

typedef enum
{
  SELF_WAIT,
  SELF_WAIT_CHECK,
  SELF_WAIT_EXIT,
  SELF_WAIT_ASYNC,
  SELF_WAIT_EXIT_ASYNC,
  SELF_THREAD_WAIT_EXIT,
  SELF_THREAD_WAIT,
} Self;

static const char *self_names[] = {
  "wait", "wait-check", "wait-exit", "wait-async", "wait-exit-async",
  "thread/wait-exit", "thread/wait",
};

static void
test_self (gconstpointer data)
{
  Self what = GPOINTER_TO_UINT (data);
  gboolean thread = what >= SELF_THREAD_WAIT_EXIT;
  pid_t id = thread ? (pid_t) syscall (SYS_gettid) : getpid ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainContext) context = g_main_context_new ();
  GAsyncResult *result = NULL;
  gboolean ok = FALSE;

  g_test_summary ("A wait for the caller's own process, or a thread's exit wait "
                  "for itself, fails at once with INVALID_ARGUMENT");

  if (thread)
    pidfd = g_pidfd_new_from_pid_full (id, G_PIDFD_FLAGS_THREAD, &error);
  else
    pidfd = g_pidfd_new_from_pid (id, &error);
  if (thread && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      g_test_skip ("the kernel has no thread pidfds (PIDFD_THREAD, Linux 6.9)");
      return;
    }
  g_assert_no_error (error);

  /* Were it to block, the cancellation would end it after a while. */
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, 5, gt_cancel_cb, cancellable, NULL);
  g_main_context_push_thread_default (context);
  switch (what)
    {
    case SELF_WAIT:
    case SELF_THREAD_WAIT:
      info = g_pidfd_wait (pidfd, cancellable, &error);
      ok = info != NULL;
      break;
    case SELF_WAIT_CHECK:
      ok = g_pidfd_wait_check (pidfd, cancellable, &error);
      break;
    case SELF_WAIT_EXIT:
    case SELF_THREAD_WAIT_EXIT:
      ok = g_pidfd_wait_exit (pidfd, cancellable, &error);
      break;
    case SELF_WAIT_ASYNC:
      g_pidfd_wait_async (pidfd, cancellable, gt_store_async_result, &result);
      while (result == NULL)
        g_main_context_iteration (context, TRUE);
      info = g_pidfd_wait_finish (pidfd, result, &error);
      ok = info != NULL;
      break;
    case SELF_WAIT_EXIT_ASYNC:
      g_pidfd_wait_exit_async (pidfd, cancellable, gt_store_async_result, &result);
      while (result == NULL)
        g_main_context_iteration (context, TRUE);
      ok = g_pidfd_wait_exit_finish (pidfd, result, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  g_main_context_pop_thread_default (context);
  g_clear_object (&result);

  g_assert_false (ok);
  gt_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   thread && what == SELF_THREAD_WAIT_EXIT ? "calling thread" : "calling process",
                   what == SELF_THREAD_WAIT ? getpid () : id);
  g_assert_false (g_cancellable_is_cancelled (cancellable));
  /* The timeout source in the global default context goes with it. */
  g_source_remove_by_user_data (cancellable);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (GtHow how = GT_HOW_WAIT; how < GT_N_HOW; how++)
    for (Tracer tracer = TRACER_COLLECTS_LATER; tracer <= TRACER_NEVER_COLLECTS; tracer++)
      {
        Row row = { how, tracer };

        /* try_wait never waits: there is no sleep of gpidfd's to see
         * (gt_collect() calls it again and again). */
        if (how == GT_HOW_TRY_WAIT)
          continue;
        g_array_append_val (rows, row);
      }

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/notyet/traced/%s/%s",
                                               gt_how_names[row->how],
                                               tracer_names[row->tracer]);

      gt_add_data (path, row, test_row);
    }

  for (Self what = SELF_WAIT; what <= SELF_THREAD_WAIT; what++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/notyet/self/%s", self_names[what]);

      gt_add_data (path, GUINT_TO_POINTER (what), test_self);
    }

  return g_test_run ();
}
