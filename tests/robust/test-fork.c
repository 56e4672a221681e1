/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-fork.c: nothing hidden survives fork
 *
 * A program with waits pending forks workers that do not exec and wait
 * for children of their own. Whatever gpidfd keeps behind the caller's
 * back (the per-context epoll set, eventfds, anything cached per process)
 * belongs to the process that made it: a forked child must abandon it
 * untouched and make its own, or one side steals or cancels the other's
 * completions (a shared epoll set hands a one-shot event to whichever
 * process calls epoll_wait first).
 *
 * Each row runs in a forked process P (bounded in time) that keeps waits
 * pending for ten children of its own while it forks 50 workers, one
 * after the other; P waits for each worker too. Each worker waits for a
 * child of its own in the row's way, checks its status and exits 0, or
 * dies of SIGALRM when its completion never comes. P checks that every
 * one of its 60 waits completed once, with the right status. Rows: P's
 * main context (the global default one, or a thread-default one) x the
 * worker's way of waiting (wait_async in the inherited context or in a
 * new one, a source in the inherited context, a blocking wait with a
 * cancellable, a blocking wait cancelled and then repeated, and a worker
 * that, with its own wait pending, forks a worker of its own).
 *
 * A second table: the child has no descriptor left when its watcher must
 * make its own epoll set. The process P keeps a wait pending for a child
 * X of its own and forks C; C runs out of descriptors and starts a wait
 * for a child Y of its own. Where no set can be made, that wait fails
 * with TOO_MANY_OPEN_FILES ("Too many open files"); once descriptors are
 * free again, the next wait works and the inherited wait for X completes
 * in C, by the next call or by the watcher's own retry. Rows: P's context
 * x how C runs out (every free slot filled, which the inherited set's
 * slot is enough for; RLIMIT_NOFILE lowered beneath the inherited set,
 * then a new wait or only iterations; and, for comparison, no fork at all:
 * the first watcher of a context), plus a child that makes no call at all
 * while P takes X's event from the set they shared.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gt.h"

#define N_OWN        10
#define N_WORKERS    50
#define OWN_CODE(j)  (20 + (j))
#define WORKER_CHILD_CODE(i) (40 + (i) % 50)

typedef enum
{
  CTX_GLOBAL_DEFAULT,
  CTX_THREAD_DEFAULT,
} Ctx;

typedef enum
{
  WORKER_ASYNC_INHERITED,
  WORKER_ASYNC_NEW_CONTEXT,
  WORKER_SOURCE_INHERITED,
  WORKER_BLOCKING,
  WORKER_BLOCKING_CANCELLED,
  WORKER_NESTED,
} Worker;

typedef struct
{
  Ctx ctx;
  Worker worker;
} Row;

static const char *ctx_names[] = { "global-default", "thread-default" };
static const char *worker_names[] = {
  "wait-async-inherited-context", "wait-async-new-context", "source-inherited-context",
  "blocking-cancellable", "blocking-cancelled-then-again", "nested-fork",
};

/* Worker exit codes other than 0. */
enum
{
  WORKER_CANNOT_OPEN = 11,
  WORKER_WRONG_RECORD = 12,
  WORKER_WRONG_ERROR = 13,
};

typedef struct
{
  pid_t pid;
  int want_code;
  guint completions;
  int got_code;    /* -1: no status; -2: an error */
} Slot;

typedef struct
{
  Slot *slot;
  guint *done;
} SlotRef;

static void
on_slot_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  SlotRef *ref = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  ref->slot->completions++;
  if (info == NULL)
    {
      g_printerr ("wait for %d failed: %s\n", (int) ref->slot->pid, error->message);
      ref->slot->got_code = -2;
    }
  else if (g_pidfd_exit_info_has_status (info) && g_pidfd_exit_info_get_if_exited (info))
    ref->slot->got_code = g_pidfd_exit_info_get_exit_status (info);
  else
    ref->slot->got_code = -1;
  (*ref->done)++;
  g_free (ref);
}

static void
watch_slot (Slot  *slot,
            guint *done)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (slot->pid, &error);
  SlotRef *ref = g_new0 (SlotRef, 1);

  g_assert_no_error (error);
  ref->slot = slot;
  ref->done = done;
  g_pidfd_wait_async (pidfd, NULL, on_slot_done, ref);
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* A record that says "exited @code". */
static gboolean
exited_with (GPidFdExitInfo *info,
             int             code)
{
  return info != NULL && g_pidfd_exit_info_has_status (info) &&
         g_pidfd_exit_info_get_if_exited (info) &&
         g_pidfd_exit_info_get_exit_status (info) == code;
}

/* The worker: waits for a child of its own, exits 0 when it got its
 * status, dies of SIGALRM when the completion never comes. */
static G_GNUC_NORETURN void
worker_main (const Row    *row,
             GMainContext *inherited,
             guint         i)
{
  struct sigaction sa = { .sa_handler = SIG_DFL };
  int code = WORKER_CHILD_CODE (i);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  GPidFdExitInfo *info = NULL;
  int gate[2] = { -1, -1 };
  pid_t child;

  sigaction (SIGALRM, &sa, NULL);
  alarm (5);

  if (row->worker == WORKER_BLOCKING_CANCELLED)
    {
      /* Exits only once the first wait has been cancelled. */
      if (pipe2 (gate, O_CLOEXEC) != 0)
        _exit (WORKER_CANNOT_OPEN);
      child = gt_spawn_gated (gate[0], gate[1], code, 0);
      close (gate[0]);
    }
  else
    child = gt_spawn_exit_us (code, (i % 5) * 2000);
  pidfd = g_pidfd_new_from_pid (child, &error);
  if (pidfd == NULL)
    {
      g_printerr ("worker %d: %s\n", (int) getpid (), error->message);
      _exit (WORKER_CANNOT_OPEN);
    }

  switch (row->worker)
    {
    case WORKER_ASYNC_INHERITED:
      g_pidfd_wait_async (pidfd, NULL, gt_store_wait_result, &info);
      while (info == NULL)
        g_main_context_iteration (inherited, TRUE);
      break;

    case WORKER_ASYNC_NEW_CONTEXT:
      {
        GMainContext *context = g_main_context_new ();

        g_main_context_push_thread_default (context);
        g_pidfd_wait_async (pidfd, NULL, gt_store_wait_result, &info);
        while (info == NULL)
          g_main_context_iteration (context, TRUE);
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        break;
      }

    case WORKER_SOURCE_INHERITED:
      {
        GSource *source = g_pidfd_create_source (pidfd);

        g_source_set_callback (source, G_SOURCE_FUNC (gt_store_source_info), &info, NULL);
        g_source_attach (source, inherited);
        while (info == NULL)
          g_main_context_iteration (inherited, TRUE);
        g_source_destroy (source);
        g_source_unref (source);
        break;
      }

    case WORKER_BLOCKING:
      {
        g_autoptr(GCancellable) cancellable = g_cancellable_new ();

        info = g_pidfd_wait (pidfd, cancellable, &error);
        break;
      }

    case WORKER_BLOCKING_CANCELLED:
      {
        g_autoptr(GCancellable) cancellable = g_cancellable_new ();
        GThread *canceller = gt_cancel_in_thread (cancellable, 5);

        info = g_pidfd_wait (pidfd, cancellable, &error);
        g_thread_join (canceller);
        if (info != NULL || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
          {
            g_printerr ("worker %d: cancelled wait gave %s\n", (int) getpid (),
                        info != NULL ? "a record" : error->message);
            _exit (WORKER_WRONG_ERROR);
          }
        g_clear_error (&error);
        close (gate[1]);
        info = g_pidfd_wait (pidfd, NULL, &error);
        break;
      }

    case WORKER_NESTED:
      {
        /* With its own wait pending in the inherited context (so that
         * it has a watcher of its own by now), it forks a second
         * generation that does the same with a child of its own; it
         * waits for that worker too. */
        GPidFdExitInfo *sub_info = NULL;
        g_autoptr(GPidFd) sub_pidfd = NULL;
        pid_t sub;

        g_pidfd_wait_async (pidfd, NULL, gt_store_wait_result, &info);
        g_main_context_iteration (inherited, FALSE);
        sub = fork ();
        if (sub < 0)
          _exit (WORKER_CANNOT_OPEN);
        if (sub == 0)
          {
            Row sub_row = { row->ctx, WORKER_ASYNC_INHERITED };

            worker_main (&sub_row, inherited, i + 1);
          }
        sub_pidfd = g_pidfd_new_from_pid (sub, &error);
        if (sub_pidfd == NULL)
          _exit (WORKER_CANNOT_OPEN);
        g_pidfd_wait_async (sub_pidfd, NULL, gt_store_wait_result, &sub_info);
        while (info == NULL || sub_info == NULL)
          g_main_context_iteration (inherited, TRUE);
        if (!exited_with (sub_info, 0))
          {
            g_printerr ("worker %d: its own worker %d did not get its completion\n",
                        (int) getpid (), (int) sub);
            _exit (WORKER_WRONG_RECORD);
          }
        g_object_unref (sub_info);
        break;
      }

    default:
      g_assert_not_reached ();
    }

  if (!exited_with (info, code))
    {
      g_printerr ("worker %d: wrong record for its child %d (want exit %d)%s%s\n",
                  (int) getpid (), (int) child, code, error ? ": " : "",
                  error ? error->message : "");
      _exit (WORKER_WRONG_RECORD);
    }
  _exit (0);
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  guint n_workers = gt_scale (N_WORKERS, 5);
  guint total = N_OWN + n_workers;
  g_autofree Slot *slots = g_new0 (Slot, total);
  GMainContext *context;
  GSource *tick;
  guint done = 0;
  guint before;
  guint lost = 0;
  gint64 deadline;

  before = gt_count_fds ();
  if (row->ctx == CTX_THREAD_DEFAULT)
    {
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
    }
  else
    context = g_main_context_ref (g_main_context_default ());

  /* Our own children, exiting while the workers come and go. */
  for (guint j = 0; j < N_OWN; j++)
    {
      slots[j].pid = gt_spawn_exit_us (OWN_CODE (j), (j + 1) * 30000);
      slots[j].want_code = OWN_CODE (j);
      watch_slot (&slots[j], &done);
    }
  g_main_context_iteration (context, FALSE);

  for (guint i = 0; i < n_workers; i++)
    {
      Slot *slot = &slots[N_OWN + i];
      pid_t pid = fork ();

      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        worker_main (row, context, i);
      slot->pid = pid;
      slot->want_code = 0;
      watch_slot (slot, &done);
      while (g_main_context_iteration (context, FALSE))
        ;
      g_usleep (3000);
    }

  tick = g_timeout_source_new (100);
  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, context);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (done < total && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  g_source_unref (tick);

  for (guint k = 0; k < total; k++)
    {
      Slot *slot = &slots[k];
      const char *who = k < N_OWN ? "own child" : "worker";

      if (slot->completions == 1 && slot->got_code == slot->want_code)
        continue;
      lost++;
      if (slot->completions == 0)
        g_printerr ("%s %d: no completion in P within 30 s\n", who, (int) slot->pid);
      else if (slot->completions > 1)
        g_printerr ("%s %d: %u completions\n", who, (int) slot->pid, slot->completions);
      else if (k >= N_OWN && slot->got_code == -1)
        g_printerr ("worker %d: record without status (killed: its completion never came?)\n",
                    (int) slot->pid);
      else
        g_printerr ("%s %d: exit code %d, want %d\n", who, (int) slot->pid,
                    slot->got_code, slot->want_code);
    }
  if (lost > 0)
    gt_fail_printf ("%u of %u waits went wrong across %u forks without exec "
                    "(%s, workers: %s)", lost, total, n_workers,
                    ctx_names[row->ctx], worker_names[row->worker]);

  /* Whatever went wrong, leave nothing behind. */
  for (guint k = 0; k < total; k++)
    {
      if (slots[k].completions == 0)
        {
          kill (slots[k].pid, SIGKILL);
          waitpid (slots[k].pid, NULL, 0);
        }
    }
  g_assert_false (gt_has_children ());

  if (row->ctx == CTX_THREAD_DEFAULT)
    g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  if (lost == 0)
    g_assert_cmpuint (gt_count_fds (), ==, before);
}

static void
test_row (gconstpointer data)
{
  g_test_summary ("Waits pending in a process and in the workers it forks "
                  "without exec: each side gets every completion of its own");
  gt_fork_run ("fork without exec", GT_FORK_BODY_COUNTS_FDS, 90, scenario, data);
}

/* The second table: the child's own epoll set, when no descriptor is
 * free to make it, and when nothing calls in to make it. */

#define INHERITED_CODE 7
#define Y_CODE         9

typedef enum
{
  OWN_SET_FIRST_WATCHER,     /* no fork: the first watcher of a context,
                              * every free slot filled */
  OWN_SET_TABLE_FULL,        /* C fills every free slot */
  OWN_SET_LIMIT_BELOW,       /* ...and lowers RLIMIT_NOFILE beneath the
                              * inherited set; then waits again */
  OWN_SET_LIMIT_BELOW_ITERATE, /* the same; then only iterates */
  OWN_SET_NO_CALL,           /* descriptors to spare; C makes no call while
                              * P takes X's event from the shared set */
} OwnSet;

typedef struct
{
  Ctx ctx;
  OwnSet what;
} OwnSetRow;

static const char *own_set_names[] = {
  "first-watcher-no-fds", "child-no-fds", "child-limit-below-set-next-wait",
  "child-limit-below-set-iterate-only", "child-makes-no-call",
};

/* The descriptor number the next open gets. */
static int
lowest_free_fd (void)
{
  int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);

  g_assert_cmpint (fd, >=, 0);
  close (fd);

  return fd;
}

/* The record of X as seen by a process that is not its parent: the
 * status once P has reaped it, when the kernel tells it. */
static void
assert_inherited (const GtOutcome *inherited,
                  pid_t            x,
                  gboolean         has_exit_info)
{
  g_assert_cmpuint (inherited->calls, ==, 1);
  g_assert_no_error (inherited->error);
  if (has_exit_info)
    gt_assert_exited (inherited->info, x, INHERITED_CODE);
  else
    g_assert_cmpint (g_pidfd_exit_info_get_pid (inherited->info), ==, x);
}

/* Out of descriptors: C (or, without a fork, P itself) waits for a child
 * Y of its own. @inherited is the wait for X that C inherited (NULL
 * without a fork); @set_fd the descriptor of the inherited epoll set. */
static void
own_set_body (const OwnSetRow *row,
              GMainContext    *context,
              GtOutcome       *inherited,
              int              set_fd,
              pid_t            x,
              gboolean         has_exit_info)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) own = NULL;
  gboolean want_error = row->what != OWN_SET_TABLE_FULL;
  GtOutcome first = { 0 };
  GtOutcome again = { 0 };
  GArray *fillers;
  pid_t y;

  y = gt_spawn_exit_us (Y_CODE, 0);
  own = g_pidfd_new_from_pid (y, &error);
  g_assert_no_error (error);

  fillers = gt_fds_exhaust (0);
  if (row->what == OWN_SET_LIMIT_BELOW || row->what == OWN_SET_LIMIT_BELOW_ITERATE)
    {
      /* Every slot below the inherited set is taken: closing the set
       * frees none that can be used. */
      struct rlimit rl;

      g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
      rl.rlim_cur = set_fd;
      g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);
    }

  g_pidfd_wait_async (own, NULL, gt_store_outcome, &first);
  gt_run_until_count (context, &first.calls, 1, 10);
  if (want_error)
    {
      gt_assert_error (first.error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES,
                       "Too many open files", y);
      g_assert_null (first.info);
    }
  else
    {
      /* The slot of the inherited set is enough for the child's own. */
      g_assert_no_error (first.error);
      gt_assert_exited (first.info, y, Y_CODE);
    }

  gt_fds_release (fillers);

  if (row->what == OWN_SET_LIMIT_BELOW_ITERATE)
    {
      /* No call: the watcher tries again by itself. */
      gt_run_until_count (context, &inherited->calls, 1, 10);
      assert_inherited (inherited, x, has_exit_info);
    }

  if (want_error)
    {
      g_pidfd_wait_async (own, NULL, gt_store_outcome, &again);
      gt_run_until_count (context, &again.calls, 1, 10);
      g_assert_no_error (again.error);
      gt_assert_exited (again.info, y, Y_CODE);
    }

  if (inherited != NULL)
    {
      gt_run_until_count (context, &inherited->calls, 1, 10);
      assert_inherited (inherited, x, has_exit_info);
    }

  gt_outcome_clear (&first);
  gt_outcome_clear (&again);
}

static void
own_set_scenario (gconstpointer data)
{
  const OwnSetRow *row = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) x_pidfd = NULL;
  g_autoptr(GPidFd) c_pidfd = NULL;
  g_autofree char *set_link = NULL;
  g_autofree char *set_path = NULL;
  GMainContext *context;
  GtOutcome x_outcome = { 0 };
  GtOutcome c_outcome = { 0 };
  gboolean has_exit_info;
  int gate[2] = { -1, -1 };
  int set_fd;
  pid_t x, c;

  if (row->what != OWN_SET_NO_CALL && gt_under_valgrind ())
    gt_fork_skip ("valgrind keeps descriptors of its own above RLIMIT_NOFILE "
                  "and refuses to let it be moved");

  if (row->ctx == CTX_THREAD_DEFAULT)
    {
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
    }
  else
    context = g_main_context_ref (g_main_context_default ());

  if (row->what == OWN_SET_FIRST_WATCHER)
    {
      own_set_body (row, context, NULL, -1, 0, FALSE);
      goto out;
    }

  has_exit_info = gt_kernel_has_exit_info ();
  x = gt_spawn_exit_us (INHERITED_CODE, row->what == OWN_SET_NO_CALL ? 0 : 300 * 1000);
  x_pidfd = g_pidfd_new_from_pid (x, &error);
  g_assert_no_error (error);

  /* The first wait of the context makes its watcher's epoll set. */
  set_fd = lowest_free_fd ();
  g_pidfd_wait_async (x_pidfd, NULL, gt_store_outcome, &x_outcome);
  set_path = g_strdup_printf ("/proc/self/fd/%d", set_fd);
  set_link = g_file_read_link (set_path, NULL);
  g_assert_cmpstr (set_link, ==, "anon_inode:[eventpoll]");

  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
  c = fork ();
  g_assert_cmpint (c, >=, 0);
  if (c == 0)
    {
      struct sigaction sa = { .sa_handler = SIG_DFL };
      char byte;

      sigaction (SIGALRM, &sa, NULL);
      alarm (30);
      close (gate[1]);
      if (row->what == OWN_SET_NO_CALL)
        {
          /* P has taken X's event by now; iterating must be enough. */
          while (read (gate[0], &byte, 1) < 0 && errno == EINTR)
            ;
          close (gate[0]);
          gt_run_until_count (context, &x_outcome.calls, 1, 10);
          assert_inherited (&x_outcome, x, has_exit_info);
        }
      else
        {
          close (gate[0]);
          own_set_body (row, context, &x_outcome, set_fd, x, has_exit_info);
        }
      gt_outcome_clear (&x_outcome);
      _exit (g_test_failed () ? 1 : 0);
    }
  close (gate[0]);

  c_pidfd = g_pidfd_new_from_pid (c, &error);
  g_assert_no_error (error);
  g_pidfd_wait_async (c_pidfd, NULL, gt_store_outcome, &c_outcome);
  gt_run_until_count (context, &x_outcome.calls, 1, 10);
  close (gate[1]);
  gt_run_until_count (context, &c_outcome.calls, 1, 40);

  g_assert_no_error (x_outcome.error);
  gt_assert_exited (x_outcome.info, x, INHERITED_CODE);
  g_assert_no_error (c_outcome.error);
  if (!g_pidfd_exit_info_get_if_exited (c_outcome.info) ||
      g_pidfd_exit_info_get_exit_status (c_outcome.info) != 0)
    gt_fail_printf ("the forked child %d failed (%s)", (int) c,
                    g_pidfd_exit_info_get_if_exited (c_outcome.info) ? "exit status not 0" :
                    "killed by a signal");
  gt_outcome_clear (&x_outcome);
  gt_outcome_clear (&c_outcome);

out:
  g_assert_false (gt_has_children ());
  if (row->ctx == CTX_THREAD_DEFAULT)
    g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static void
test_own_set_row (gconstpointer data)
{
  g_test_summary ("A watcher that cannot make its epoll set (no descriptor "
                  "free, in a forked child or in a new context): the wait "
                  "that needed it fails with TOO_MANY_OPEN_FILES, the next "
                  "one works once descriptors are free, and the waits a "
                  "forked child inherited complete, whether or not it calls in");
  gt_fork_run ("the child's own epoll set", GT_FORK_PLAIN, 90, own_set_scenario, data);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));
  g_autoptr(GArray) own_set_rows = g_array_new (FALSE, FALSE, sizeof (OwnSetRow));

  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (Ctx ctx = CTX_GLOBAL_DEFAULT; ctx <= CTX_THREAD_DEFAULT; ctx++)
    for (Worker worker = WORKER_ASYNC_INHERITED; worker <= WORKER_NESTED; worker++)
      {
        Row row = { ctx, worker };

        g_array_append_val (rows, row);
      }

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/fork/%s/%s", ctx_names[row->ctx],
                                               worker_names[row->worker]);

      gt_add_data (path, row, test_row);
    }

  for (Ctx ctx = CTX_GLOBAL_DEFAULT; ctx <= CTX_THREAD_DEFAULT; ctx++)
    for (OwnSet what = OWN_SET_FIRST_WATCHER; what <= OWN_SET_NO_CALL; what++)
      {
        OwnSetRow row = { ctx, what };

        g_array_append_val (own_set_rows, row);
      }

  for (guint i = 0; i < own_set_rows->len; i++)
    {
      const OwnSetRow *row = &g_array_index (own_set_rows, OwnSetRow, i);
      g_autofree char *path = g_strdup_printf ("/robust/fork/own-set/%s/%s", ctx_names[row->ctx],
                                               own_set_names[row->what]);

      gt_add_data (path, row, test_own_set_row);
    }

  return g_test_run ();
}
