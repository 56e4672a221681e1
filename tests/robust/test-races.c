/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-races.c: cancellation against exit, threads, dropped objects */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-watcher-private.h"
#include "gt.h"

/* A thread that cancels cancellables after a delay, on request. */
typedef struct
{
  GCancellable *cancellable;
  guint delay_us;
} CancelJob;

static GAsyncQueue *cancel_jobs;
static GThread *canceller;
static guint cancel_jobs_queued;
static guint cancel_jobs_done;

static gpointer
canceller_main (gpointer user_data)
{
  for (;;)
    {
      CancelJob *job = g_async_queue_pop (cancel_jobs);

      if (job->cancellable == NULL)
        {
          g_free (job);
          return NULL;
        }
      if (job->delay_us > 0)
        g_usleep (job->delay_us);
      g_cancellable_cancel (job->cancellable);
      g_object_unref (job->cancellable);
      g_free (job);
      g_atomic_int_inc ((gint *) &cancel_jobs_done);
    }
}

static void
cancel_later (GCancellable *cancellable,
              guint         delay_us)
{
  CancelJob *job = g_new0 (CancelJob, 1);

  job->cancellable = g_object_ref (cancellable);
  job->delay_us = delay_us;
  cancel_jobs_queued++;
  g_async_queue_push (cancel_jobs, job);
}

/* Waits until the canceller has cancelled everything it was given. */
static void
canceller_sync (void)
{
  while ((guint) g_atomic_int_get ((gint *) &cancel_jobs_done) < cancel_jobs_queued)
    g_usleep (100);
}

static void
canceller_start (void)
{
  cancel_jobs = g_async_queue_new ();
  cancel_jobs_queued = 0;
  cancel_jobs_done = 0;
  canceller = g_thread_new ("canceller", canceller_main, NULL);
}

static void
canceller_stop (void)
{
  g_async_queue_push (cancel_jobs, g_new0 (CancelJob, 1));
  g_thread_join (canceller);
  g_async_queue_unref (cancel_jobs);
  cancel_jobs = NULL;
  canceller = NULL;
}

/* After a cancelled wait the process must still be there to be waited for:
 * a later wait gets its status. */
static void
assert_nothing_lost (GPidFd *pidfd,
                     pid_t   pid,
                     int     code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait (pidfd, NULL, &error);

  g_assert_no_error (error);
  gt_assert_exited (info, pid, code);
}

/* The message is checked by test-hostile; here only the outcome counts. */
static void
assert_cancelled_error (GError *error,
                        pid_t   pid)
{
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Cancel and exit race, for waits from the main context: the cancel comes
 * from another thread (round % 3 == 0), from this thread before the loop
 * runs (1), or from another thread while the wait has already been seen by
 * one iteration (2). Either outcome is right, as long as there is exactly
 * one and nothing is lost. */
static void
test_cancel_vs_exit_async (void)
{
  guint rounds = gt_scale (3000, 60);
  GMainContext *context = g_main_context_new ();
  guint cancelled = 0, completed = 0;
  guint fds_before;

  g_test_summary ("Cancel g_pidfd_wait_async while the process exits, "
                  "with random delays on both sides");

  g_main_context_push_thread_default (context);
  canceller_start ();
  fds_before = gt_count_fds ();
  gt_watchdog_start ("cancel-vs-exit-async", 30);

  for (guint i = 0; i < rounds; i++)
    {
      int code = i % 128;
      guint exit_delay = g_test_rand_int_range (0, 2000);
      guint cancel_delay = g_test_rand_int_range (0, 2000);
      pid_t pid = gt_spawn_exit_us (code, exit_delay);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pid, &error);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      GtOutcome outcome = { 0 };

      g_assert_no_error (error);
      g_pidfd_wait_async (pidfd, cancellable, gt_store_outcome, &outcome);

      switch (i % 3)
        {
        case 0:
          cancel_later (cancellable, cancel_delay);
          break;
        case 1:
          g_usleep (cancel_delay);
          g_cancellable_cancel (cancellable);
          break;
        case 2:
          g_main_context_iteration (context, FALSE);
          cancel_later (cancellable, cancel_delay / 4);
          break;
        default:
          g_assert_not_reached ();
        }

      gt_run_until_count (context, &outcome.calls, 1, 30);
      while (g_main_context_iteration (context, FALSE))
        ;
      g_assert_cmpuint (outcome.calls, ==, 1);

      if (outcome.error != NULL)
        {
          assert_cancelled_error (outcome.error, pid);
          g_assert_null (outcome.info);
          assert_nothing_lost (pidfd, pid, code);
          cancelled++;
        }
      else
        {
          gt_assert_exited (outcome.info, pid, code);
          completed++;
        }
      g_clear_object (&outcome.info);
      g_clear_error (&outcome.error);

      /* Let the canceller finish with this round's cancellable. */
      canceller_sync ();
      gt_watchdog_pet ();
    }

  gt_watchdog_stop ();
  canceller_stop ();
  /* A wait cancelled from the canceller thread is released by an idle it
   * attaches to @context, possibly after the last round's loop ran: run
   * it before counting descriptors. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_test_message ("%u rounds: %u cancelled first, %u exited first", rounds,
                  cancelled, completed);
  g_assert_cmpuint (cancelled + completed, ==, rounds);
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
  g_assert_cmpuint (gt_count_fds (), ==, fds_before);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* The same race for the blocking wait. */
static void
test_cancel_vs_exit_blocking (void)
{
  guint rounds = gt_scale (2000, 40);
  guint cancelled = 0, completed = 0;
  guint fds_before;

  g_test_summary ("Cancel g_pidfd_wait from another thread while the "
                  "process exits, with random delays on both sides");

  canceller_start ();
  fds_before = gt_count_fds ();
  gt_watchdog_start ("cancel-vs-exit-blocking", 30);

  for (guint i = 0; i < rounds; i++)
    {
      int code = i % 128;
      pid_t pid = gt_spawn_exit_us (code, g_test_rand_int_range (0, 2000));
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pid, &error);
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GPidFdExitInfo) info = NULL;

      g_assert_no_error (error);
      cancel_later (cancellable, g_test_rand_int_range (0, 2000));
      info = g_pidfd_wait (pidfd, cancellable, &error);
      if (info == NULL)
        {
          assert_cancelled_error (error, pid);
          assert_nothing_lost (pidfd, pid, code);
          cancelled++;
        }
      else
        {
          g_assert_no_error (error);
          gt_assert_exited (info, pid, code);
          completed++;
        }

      canceller_sync ();
      gt_watchdog_pet ();
    }

  gt_watchdog_stop ();
  canceller_stop ();
  g_test_message ("%u rounds: %u cancelled first, %u exited first", rounds,
                  cancelled, completed);
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gt_count_fds (), ==, fds_before);
}

/* Waits from several threads, each on its own main context. */
#define N_THREADS 8

typedef struct
{
  guint index;
  guint n_own;
  GPtrArray *shared;          /* GPidFd, waited for by every thread */
  const int *shared_codes;
  gint *registered;           /* threads that have started their waits */
  GPidFdExitInfo **records;   /* [N_THREADS][shared->len] */
} ThreadJob;

typedef struct
{
  guint done;
  GPidFdExitInfo **slot;
  pid_t pid;
  int code;
} ThreadWait;

static void
on_thread_wait_done (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ThreadWait *wait = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  g_assert_no_error (error);
  gt_assert_exited (info, wait->pid, wait->code);
  if (wait->slot != NULL)
    *wait->slot = g_object_ref (info);
  wait->done++;
}

static gpointer
thread_main (gpointer user_data)
{
  ThreadJob *job = user_data;
  GMainContext *context = g_main_context_new ();
  guint n_shared = job->shared->len;
  guint total = job->n_own + n_shared;
  g_autofree ThreadWait *waits = g_new0 (ThreadWait, total);
  GPtrArray *own = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean blocking = job->index >= N_THREADS - 2;
  guint done = 0;

  g_main_context_push_thread_default (context);

  for (guint i = 0; i < job->n_own; i++)
    {
      g_autoptr(GError) error = NULL;
      int code = (job->index * 31 + i) % 256;
      pid_t pid = gt_spawn_exit_us (code, g_test_rand_int_range (0, 5000));
      GPidFd *pidfd = g_pidfd_new_from_pid (pid, &error);

      g_assert_no_error (error);
      waits[i].pid = pid;
      waits[i].code = code;
      g_pidfd_wait_async (pidfd, NULL, on_thread_wait_done, &waits[i]);
      g_ptr_array_add (own, pidfd);
    }

  if (!blocking)
    {
      for (guint i = 0; i < n_shared; i++)
        {
          ThreadWait *wait = &waits[job->n_own + i];
          GPidFd *pidfd = g_ptr_array_index (job->shared, i);

          wait->pid = g_pidfd_get_pid (pidfd);
          wait->code = job->shared_codes[i];
          wait->slot = &job->records[job->index * n_shared + i];
          g_pidfd_wait_async (pidfd, NULL, on_thread_wait_done, wait);
        }
    }
  g_atomic_int_inc (job->registered);

  if (blocking)
    {
      /* Block on every shared process while the others wait for it from
       * their main contexts. */
      for (guint i = 0; i < n_shared; i++)
        {
          GPidFd *pidfd = g_ptr_array_index (job->shared, i);
          g_autoptr(GError) error = NULL;
          GPidFdExitInfo *info = g_pidfd_wait (pidfd, NULL, &error);

          g_assert_no_error (error);
          job->records[job->index * n_shared + i] = info;
        }
      total = job->n_own;
    }

  for (guint i = 0; i < total; i++)
    {
      gt_run_until_count (context, &waits[i].done, 1, 120);
      done++;
    }
  while (g_main_context_iteration (context, FALSE))
    ;
  for (guint i = 0; i < total; i++)
    g_assert_cmpuint (waits[i].done, ==, 1);
  g_assert_cmpuint (done, ==, total);

  g_ptr_array_unref (own);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
test_threads (void)
{
  guint n_own = gt_scale (200, 5);
  guint n_shared = gt_scale (100, 5);
  GPtrArray *shared = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree int *codes = g_new0 (int, n_shared);
  g_autofree GPidFdExitInfo **records = g_new0 (GPidFdExitInfo *, N_THREADS * n_shared);
  ThreadJob jobs[N_THREADS];
  GThread *threads[N_THREADS];
  gint registered = 0;
  guint fds_before;
  int gate[2];

  g_test_summary ("8 threads wait, each from its own main context, for "
                  "their own children and for shared ones (two of them "
                  "blocking): every wait completes once, every thread gets "
                  "the same record for a shared process");
  g_test_message ("%u threads, %u own children each, %u shared", N_THREADS,
                  n_own, n_shared);

  gt_raise_nofile ();
  fds_before = gt_count_fds ();
  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);

  for (guint i = 0; i < n_shared; i++)
    {
      g_autoptr(GError) error = NULL;
      pid_t pid;

      codes[i] = (i * 7) % 256;
      pid = gt_spawn_gated (gate[0], gate[1], codes[i], 0);
      g_ptr_array_add (shared, g_pidfd_new_from_pid (pid, &error));
      g_assert_no_error (error);
    }

  for (guint t = 0; t < N_THREADS; t++)
    {
      jobs[t] = (ThreadJob) { t, n_own, shared, codes, &registered, records };
      threads[t] = g_thread_new ("waiter", thread_main, &jobs[t]);
    }

  /* Let the shared children go once every thread waits for them. */
  while (g_atomic_int_get (&registered) < N_THREADS)
    g_usleep (1000);
  close (gate[1]);

  for (guint t = 0; t < N_THREADS; t++)
    g_thread_join (threads[t]);

  for (guint i = 0; i < n_shared; i++)
    {
      GPidFdExitInfo *first = records[i];

      gt_assert_exited (first, g_pidfd_exit_info_get_pid (first), codes[i]);
      for (guint t = 1; t < N_THREADS; t++)
        g_assert_true (records[t * n_shared + i] == first);
    }
  for (guint i = 0; i < N_THREADS * n_shared; i++)
    g_object_unref (records[i]);

  g_ptr_array_unref (shared);
  close (gate[0]);
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
  g_assert_cmpuint (gt_count_fds (), ==, fds_before);
}

/* The caller drops its GPidFd while waits and sources are pending. */
typedef struct
{
  guint fired;
  guint cancelled;
  guint notified;
  pid_t pid;
  int code;
} DropState;

static void
on_drop_wait_cancelled (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  DropState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (info);
  state->cancelled++;
}

static void
on_drop_wait_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  DropState *state = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  g_assert_no_error (error);
  gt_assert_exited (info, state->pid, state->code);
  state->fired++;
}

static gboolean
on_drop_source (GPidFd         *pidfd,
                GPidFdExitInfo *info,
                gpointer        user_data)
{
  DropState *state = user_data;

  g_assert_true (G_IS_PIDFD (pidfd));
  gt_assert_exited (info, state->pid, state->code);
  state->fired++;
  return G_SOURCE_REMOVE;
}

static void
on_drop_notify (gpointer user_data)
{
  DropState *state = user_data;

  state->notified++;
}

static void
test_drop_while_pending (void)
{
  GMainContext *context = g_main_context_new ();
  guint rounds = gt_scale (200, 10);
  guint fds_before;

  g_test_summary ("Drop the GPidFd while waits and sources are pending: "
                  "they still complete (exit) or go away cleanly (cancel, "
                  "destroy), and the object is finalized after the last");

  g_main_context_push_thread_default (context);
  fds_before = gt_count_fds ();

  for (guint i = 0; i < rounds; i++)
    {
      gboolean let_it_exit = i % 2 == 0;
      int gate[2];
      DropState state = { 0 };
      GPidFd *pidfd;
      GPidFd *weak;
      g_autoptr(GError) error = NULL;
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      GSource *source;
      guint expected;

      g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
      state.code = i % 100;
      state.pid = gt_spawn_gated (gate[0], gate[1], state.code, 0);
      close (gate[0]);
      pidfd = g_pidfd_new_from_pid (state.pid, &error);
      g_assert_no_error (error);
      weak = pidfd;
      g_object_add_weak_pointer (G_OBJECT (pidfd), (gpointer *) &weak);

      g_pidfd_wait_async (pidfd, NULL, let_it_exit ? on_drop_wait_done : NULL, &state);
      g_pidfd_wait_async (pidfd, cancellable,
                          let_it_exit ? on_drop_wait_done : on_drop_wait_cancelled, &state);
      g_pidfd_wait_async (pidfd, cancellable, NULL, NULL);
      source = g_pidfd_create_source (pidfd);
      g_source_set_callback (source, G_SOURCE_FUNC (on_drop_source),
                             &state, on_drop_notify);
      g_source_attach (source, context);

      /* The caller lets go. */
      g_object_unref (pidfd);
      g_assert_nonnull (weak);

      if (let_it_exit)
        {
          close (gate[1]);
          /* Two waits with a callback and the source. */
          expected = 3;
          gt_run_until_count (context, &state.fired, expected, 30);
          g_source_unref (source);
        }
      else
        {
          /* The wait without a cancellable cannot be cancelled: its
           * completion needs the exit. Cancel the others, destroy the
           * source, then let it go. */
          g_cancellable_cancel (cancellable);
          g_source_destroy (source);
          g_source_unref (source);
          while (g_main_context_iteration (context, FALSE))
            ;
          g_assert_nonnull (weak);
          g_assert_cmpuint (state.cancelled, ==, 1);
          g_assert_true (gt_is_unreaped_zombie (state.pid) || kill (state.pid, 0) == 0);
          close (gate[1]);
          expected = 0;
        }

      while (weak != NULL)
        g_main_context_iteration (context, TRUE);
      while (g_main_context_iteration (context, FALSE))
        ;

      g_assert_cmpuint (state.fired, ==, expected);
      g_assert_cmpuint (state.notified, ==, 1);
      g_assert_false (gt_has_children ());
    }

  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
  g_assert_cmpuint (gt_count_fds (), ==, fds_before);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* A ::cancelled handler that runs in another thread while the wait's
 * task is being finalized in its own. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean handler_running;
  gboolean disposed;
  gboolean done;
  pid_t waiter_tid;
} FinalizeRace;

static void
on_race_task_disposed (gpointer  user_data,
                       GObject  *where)
{
  FinalizeRace *race = user_data;

  g_mutex_lock (&race->lock);
  race->disposed = TRUE;
  g_cond_broadcast (&race->cond);
  g_mutex_unlock (&race->lock);
}

static gboolean
thread_sleeps_in_futex (pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/syscall", tid);
  g_autofree char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;

  /* x86_64 futex; other architectures only lose the precision. */
  return g_str_has_prefix (text, "202 ");
}

/* Connected before gpidfd's own handler, so it runs first. */
static void
on_race_cancelled_first (GCancellable *cancellable,
                         gpointer      user_data)
{
  FinalizeRace *race = user_data;
  gint64 deadline = g_get_monotonic_time () + 20 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&race->lock);
  race->handler_running = TRUE;
  g_cond_broadcast (&race->cond);
  while (!race->disposed)
    {
      if (!g_cond_wait_until (&race->cond, &race->lock, deadline))
        break;
    }
  g_mutex_unlock (&race->lock);

  /* The waiting thread is finalizing the task now; let it get as far as
   * it can (it blocks in g_cancellable_disconnect() until this signal
   * emission is over). */
  for (guint i = 0; i < 2000 && !thread_sleeps_in_futex (race->waiter_tid); i++)
    g_usleep (1000);
}

static gpointer
race_cancel_main (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return NULL;
}

static void
on_race_wait_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  FinalizeRace *race = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  /* Either outcome is right here (GTask may report the cancellation). */
  if (info == NULL)
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_object_weak_ref (G_OBJECT (result), on_race_task_disposed, race);
  race->done = TRUE;
}

static void
cancel_during_finalize_subprocess (void)
{
  FinalizeRace race = { 0 };
  GMainContext *context = g_main_context_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  GThread *thread;
  int gate[2];
  pid_t pid;

  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  race.waiter_tid = gettid ();
  g_main_context_push_thread_default (context);

  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
  pid = gt_spawn_gated (gate[0], gate[1], 7, 0);
  close (gate[0]);
  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);

  g_cancellable_connect (cancellable, G_CALLBACK (on_race_cancelled_first), &race, NULL);
  g_pidfd_wait_async (pidfd, cancellable, on_race_wait_done, &race);

  /* Another thread cancels; its first handler holds the emission open. */
  thread = g_thread_new ("cancel", race_cancel_main, cancellable);
  g_mutex_lock (&race.lock);
  while (!race.handler_running)
    g_cond_wait (&race.cond, &race.lock);
  g_mutex_unlock (&race.lock);

  /* Meanwhile the process exits and the watcher completes the task here;
   * the task is finalized in this thread at the end of the callback. */
  close (gate[1]);
  gt_run_until_true (context, &race.done, 30);
  g_thread_join (thread);

  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
  g_assert_false (gt_has_children ());

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
}

static void
test_cancel_during_finalize (void)
{
  g_test_summary ("The ::cancelled handler of a wait runs in one thread "
                  "while the wait's task is finalized in another: no "
                  "critical, no use of a finalized task");

  if (g_test_subprocess ())
    {
      cancel_during_finalize_subprocess ();
      return;
    }

  gt_run_in_subprocess (60);
}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/robust/races/cancel-vs-exit-async", test_cancel_vs_exit_async);
  gt_add ("/robust/races/cancel-vs-exit-blocking", test_cancel_vs_exit_blocking);
  gt_add ("/robust/races/threads", test_threads);
  gt_add ("/robust/races/drop-while-pending", test_drop_while_pending);
  gt_add ("/robust/races/cancel-during-finalize", test_cancel_during_finalize);

  return g_test_run ();
}
