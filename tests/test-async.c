/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-async.c: waits from main loops, against real children */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gpidfd-watcher-private.h"
#include "gt.h"

#define TIMEOUT_S 60

typedef struct
{
  GPidFdExitInfo *info;
  GError *error;
  GMainContext *context;   /* thread-default context seen in the callback */
  guint calls;
  gboolean done;
} Result;

static void
result_clear (Result *r)
{
  g_clear_object (&r->info);
  g_clear_error (&r->error);
  g_clear_pointer (&r->context, g_main_context_unref);
  r->calls = 0;
  r->done = FALSE;
}

static void
on_wait (GObject      *source,
         GAsyncResult *res,
         gpointer      user_data)
{
  Result *r = user_data;

  r->calls++;
  g_assert_cmpuint (r->calls, ==, 1);
  r->info = g_pidfd_wait_finish (G_PIDFD (source), res, &r->error);
  r->context = g_main_context_ref_thread_default ();
  r->done = TRUE;
}

static GPidFd *
open_pid (pid_t pid)
{
  g_autoptr(GError) error = NULL;
  GPidFd *pidfd = g_pidfd_new_from_pid (pid, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pidfd);

  return pidfd;
}

static void
assert_watchers_gone (void)
{
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
}

static void
test_exit_codes (void)
{
  const int codes[] = { 0, 3, 255 };
  const int signals[] = { SIGKILL, SIGTERM };

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(GPidFd) pidfd = open_pid (gt_spawn_exit (codes[i], 20));
      Result r = { 0 };

      g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
      gt_run_until_true (NULL, &r.done, TIMEOUT_S);
      g_assert_no_error (r.error);
      g_assert_true (g_pidfd_exit_info_get_if_exited (r.info));
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (r.info), ==, codes[i]);
      g_assert_true (g_pidfd_exit_info_has_rusage (r.info));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
      result_clear (&r);
    }

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      g_autoptr(GPidFd) pidfd = open_pid (gt_spawn_pause ());
      g_autoptr(GError) error = NULL;
      Result r = { 0 };

      g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
      g_assert_true (g_pidfd_send_signal (pidfd, signals[i], &error));
      g_assert_no_error (error);
      gt_run_until_true (NULL, &r.done, TIMEOUT_S);
      g_assert_no_error (r.error);
      g_assert_true (g_pidfd_exit_info_get_if_signaled (r.info));
      g_assert_cmpint (g_pidfd_exit_info_get_term_sig (r.info), ==, signals[i]);
      result_clear (&r);
    }

  assert_watchers_gone ();
}

static void
test_deferred (void)
{
  g_autoptr(GPidFd) pidfd = open_pid (gt_spawn_exit (4, 0));
  g_autoptr(GPidFdExitInfo) info = NULL;
  Result r = { 0 };

  /* Exited but not reaped: still never completed from inside the call. */
  while (!g_pidfd_has_exited (pidfd))
    g_usleep (1000);
  g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
  g_assert_cmpuint (r.calls, ==, 0);
  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (r.info), ==, 4);

  /* Cached: the same record, in a later iteration. */
  info = g_object_ref (r.info);
  result_clear (&r);
  g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
  g_assert_cmpuint (r.calls, ==, 0);
  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_assert_true (r.info == info);
  result_clear (&r);
  assert_watchers_gone ();
}

typedef struct
{
  GPidFdExitInfo *info;
  guint calls;
  guint notified;
} SourceResult;

static gboolean
on_source (GPidFd         *pidfd,
           GPidFdExitInfo *info,
           gpointer        user_data)
{
  SourceResult *sr = user_data;

  g_assert_true (G_IS_PIDFD (pidfd));
  sr->calls++;
  g_set_object (&sr->info, info);

  /* Fires once whatever it returns. */
  return G_SOURCE_CONTINUE;
}

static void
on_source_notify (gpointer user_data)
{
  SourceResult *sr = user_data;

  sr->notified++;
}

static void
test_same_record (void)
{
  g_autoptr(GError) error = NULL;
  pid_t pid = gt_spawn_pause ();
  g_autoptr(GPidFd) pidfd = open_pid (pid);
  Result r[3] = { { 0 } };
  SourceResult sr = { 0 };
  gboolean all = FALSE;
  guint id;

  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    g_pidfd_wait_async (pidfd, NULL, on_wait, &r[i]);
  id = g_pidfd_add_watch_full (pidfd, G_PRIORITY_HIGH, on_source, &sr, on_source_notify);
  g_assert_cmpuint (id, >, 0);

  g_assert_true (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  while (!all)
    {
      g_main_context_iteration (NULL, TRUE);
      all = r[0].done && r[1].done && r[2].done && sr.calls > 0;
    }
  /* A few more iterations: nothing fires twice. */
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);

  g_assert_cmpuint (sr.calls, ==, 1);
  g_assert_cmpuint (sr.notified, ==, 1);
  g_assert_nonnull (sr.info);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      g_assert_no_error (r[i].error);
      g_assert_true (r[i].info == sr.info);
      result_clear (&r[i]);
    }
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (sr.info), ==, SIGKILL);
  g_clear_object (&sr.info);
  assert_watchers_gone ();
}

static void
assert_zombie (pid_t pid)
{
  siginfo_t si = { 0 };

  g_assert_cmpint (waitid (P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT), ==, 0);
  g_assert_cmpint (si.si_pid, ==, pid);
}

static void
test_cancel_before (void)
{
  pid_t pid = gt_spawn_exit (6, 0);
  g_autoptr(GPidFd) pidfd = open_pid (pid);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  Result r = { 0 };

  while (!g_pidfd_has_exited (pidfd))
    g_usleep (1000);

  g_cancellable_cancel (cancellable);
  g_pidfd_wait_async (pidfd, cancellable, on_wait, &r);
  g_assert_cmpuint (r.calls, ==, 0);
  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (r.info);
  result_clear (&r);

  /* Lost nothing. */
  assert_zombie (pid);
  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 6);
  assert_watchers_gone ();
}

static void
test_cancel_pending (void)
{
  pid_t pid = gt_spawn_pause ();
  g_autoptr(GPidFd) pidfd = open_pid (pid);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Result r = { 0 };
  g_autofree char *pid_str = g_strdup_printf ("%d", pid);
  gboolean cancelled = FALSE;

  g_pidfd_wait_async (pidfd, cancellable, on_wait, &r);
  g_timeout_add (50, gt_cancel_cb, cancellable);
  while (!cancelled)
    {
      g_main_context_iteration (NULL, TRUE);
      cancelled = g_cancellable_is_cancelled (cancellable);
    }

  /* The iteration after the cancel delivers the error. */
  g_assert_false (r.done);
  g_main_context_iteration (NULL, TRUE);
  g_assert_true (r.done);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (r.error->message, pid_str));
  result_clear (&r);
  assert_watchers_gone ();

  /* The process is untouched and its status still obtainable. */
  g_assert_false (g_pidfd_has_exited (pidfd));
  g_assert_true (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (r.info), ==, SIGKILL);
  result_clear (&r);
}

typedef struct
{
  GCancellable *cancellable;
  gulong delay_us;
} CancelLater;

static gpointer
cancel_thread (gpointer user_data)
{
  CancelLater *cl = user_data;

  if (cl->delay_us > 0)
    g_usleep (cl->delay_us);
  g_cancellable_cancel (cl->cancellable);

  return NULL;
}

static void
test_cancel_from_thread (void)
{
  pid_t pid = gt_spawn_pause ();
  g_autoptr(GPidFd) pidfd = open_pid (pid);
  g_autoptr(GError) error = NULL;
  CancelLater cl = { g_cancellable_new (), 50000 };
  Result r = { 0 };
  GThread *thread;

  g_pidfd_wait_async (pidfd, cl.cancellable, on_wait, &r);
  thread = g_thread_new ("cancel", cancel_thread, &cl);
  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_thread_join (thread);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);

  g_assert_true (g_pidfd_send_signal (pidfd, SIGTERM, &error));
  g_pidfd_wait_async (pidfd, cl.cancellable, on_wait, &r);
  /* Already cancelled: the new wait is cancelled too. */
  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  result_clear (&r);
  g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (r.info), ==, SIGTERM);
  result_clear (&r);
  g_object_unref (cl.cancellable);
  assert_watchers_gone ();
}

/* A wait cancelled from another thread while its context polls: once its
 * callback has run and the caller has dropped the context and the object,
 * nothing of the wait is left, however the cancellation and the
 * context's iterations interleave (an internal source that outlives the
 * callback would keep the context, and with it the object and its pidfd,
 * alive for good). */
static void
test_cancel_released (void)
{
  guint rounds = gt_scale (300, 10);
  pid_t pid = gt_spawn_pause ();
  guint fds_before = gt_count_fds ();

  for (guint i = 0; i < rounds; i++)
    {
      GMainContext *context = g_main_context_new ();
      GPidFd *pidfd = open_pid (pid);
      gpointer weak = pidfd;
      CancelLater cl = { g_cancellable_new (), i % 3 == 0 ? 0 : g_random_int_range (0, 2000) };
      GThread *thread;
      Result r = { 0 };

      g_object_add_weak_pointer (G_OBJECT (pidfd), &weak);
      g_main_context_push_thread_default (context);
      g_pidfd_wait_async (pidfd, cl.cancellable, on_wait, &r);
      thread = g_thread_new ("cancel", cancel_thread, &cl);
      /* Stops at the callback, as a caller would. */
      gt_run_until_true (context, &r.done, TIMEOUT_S);
      g_thread_join (thread);
      g_main_context_pop_thread_default (context);
      g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      result_clear (&r);
      g_main_context_unref (context);
      g_object_unref (pidfd);
      g_object_unref (cl.cancellable);
      if (weak != NULL)
        g_error ("round %u: the GPidFd of a cancelled wait outlived its callback "
                 "and its context", i);
    }

  g_assert_cmpuint (gt_count_fds (), ==, fds_before);
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, NULL, 0), ==, pid);
}

static void
test_cancel_race (void)
{
  guint rounds = gt_scale (g_test_thorough () ? 5000 : 1000, 50);
  guint cancelled = 0, completed = 0;
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint i = 0; i < rounds; i++)
    {
      gulong exit_delay = g_rand_int_range (rand, 0, 1500);
      int code = i % 256;
      pid_t pid = fork ();
      GPidFd *pidfd;
      CancelLater cl;
      GThread *thread = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      g_autoptr(GError) error = NULL;
      Result r = { 0 };

      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          g_usleep (exit_delay);
          _exit (code);
        }

      pidfd = open_pid (pid);
      cl.cancellable = g_cancellable_new ();
      cl.delay_us = g_rand_int_range (rand, 0, 1500);

      g_pidfd_wait_async (pidfd, cl.cancellable, on_wait, &r);
      /* Half the rounds cancel from another thread, half from the loop. */
      if (i % 2 == 0)
        thread = g_thread_new ("cancel", cancel_thread, &cl);
      else
        g_timeout_add (cl.delay_us / 1000, gt_cancel_cb, cl.cancellable);

      gt_run_until_true (NULL, &r.done, TIMEOUT_S);
      if (thread != NULL)
        g_thread_join (thread);
      else
        while (!g_cancellable_is_cancelled (cl.cancellable))
          g_main_context_iteration (NULL, TRUE);

      g_assert_cmpuint (r.calls, ==, 1);
      if (r.error != NULL)
        {
          g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          cancelled++;
        }
      else
        {
          g_assert_cmpint (g_pidfd_exit_info_get_exit_status (r.info), ==, code);
          completed++;
        }

      /* Whatever happened, the status is still there to get. */
      info = g_pidfd_wait (pidfd, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, code);
      if (r.info != NULL)
        g_assert_true (r.info == info);

      /* A few iterations more: no second completion. */
      for (int k = 0; k < 3; k++)
        g_main_context_iteration (NULL, FALSE);
      g_assert_cmpuint (r.calls, ==, 1);

      result_clear (&r);
      g_object_unref (cl.cancellable);
      g_object_unref (pidfd);
    }

  g_test_message ("%u rounds: %u cancelled, %u completed", rounds, cancelled, completed);
  g_assert_cmpuint (cancelled + completed, ==, rounds);
  g_rand_free (rand);
  assert_watchers_gone ();
  errno = 0;
  g_assert_cmpint (waitpid (-1, NULL, WNOHANG), ==, -1);
  g_assert_cmpint (errno, ==, ECHILD);
}

#define N_THREADS 8
/* Waits each thread makes (GPIDFD_TEST_SCALE applies). */
#define WAITS_PER_THREAD_FULL 200

typedef struct
{
  guint index;
  guint waits;
  guint completed;
  gboolean ok;
} ThreadData;

typedef struct
{
  int code;
  GMainContext *context;
  guint *pending;
  gboolean *wrong;
} ThreadWait;

static void
on_thread_wait (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  ThreadWait *tw = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (source), res, &error);

  if (info == NULL ||
      g_pidfd_exit_info_get_exit_status (info) != tw->code ||
      g_main_context_get_thread_default () != tw->context)
    *tw->wrong = TRUE;
  (*tw->pending)--;
  g_free (tw);
}

static gpointer
thread_func (gpointer user_data)
{
  ThreadData *td = user_data;
  GMainContext *context = g_main_context_new ();
  guint pending = 0;
  gboolean wrong = FALSE;
  gboolean done = FALSE;

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < td->waits; i++)
    {
      ThreadWait *tw = g_new0 (ThreadWait, 1);
      GPidFd *pidfd;

      tw->code = (td->index * td->waits + i) % 256;
      tw->context = context;
      tw->pending = &pending;
      tw->wrong = &wrong;
      pidfd = open_pid (gt_spawn_exit (tw->code, g_random_int_range (0, 20)));
      g_pidfd_wait_async (pidfd, NULL, on_thread_wait, tw);
      g_object_unref (pidfd);
      pending++;
    }
  while (!done)
    {
      g_main_context_iteration (context, TRUE);
      done = pending == 0;
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  td->ok = !wrong;
  td->completed = td->waits - pending;

  return NULL;
}

static void
test_threads (void)
{
  ThreadData td[N_THREADS];
  GThread *threads[N_THREADS];

  gt_raise_nofile ();

  for (guint i = 0; i < N_THREADS; i++)
    {
      td[i] = (ThreadData) { .index = i, .waits = gt_scale (WAITS_PER_THREAD_FULL, 20) };
      threads[i] = g_thread_new ("waiter", thread_func, &td[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (td[i].ok);
      g_assert_cmpuint (td[i].completed, ==, td[i].waits);
    }

  assert_watchers_gone ();
}

/* Processes that exit at once (GPIDFD_TEST_SCALE applies). */
#define STORM_FULL 2000

typedef struct
{
  int code;
  guint calls;
  gboolean wrong;
} StormSlot;

static void
on_storm (GObject      *source,
          GAsyncResult *res,
          gpointer      user_data)
{
  StormSlot *slot = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (source), res, &error);

  slot->calls++;
  if (info == NULL || g_pidfd_exit_info_get_exit_status (info) != slot->code)
    slot->wrong = TRUE;
}

static void
test_storm (void)
{
  guint storm = gt_scale (STORM_FULL, 100);
  StormSlot *slots = g_new0 (StormSlot, storm);
  guint done = 0;
  int gate[2];

  gt_raise_nofile ();
  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);

  for (guint i = 0; i < storm; i++)
    {
      pid_t pid;
      GPidFd *pidfd;

      slots[i].code = (i * 7) % 256;
      pid = fork ();
      g_assert_cmpint (pid, >=, 0);
      if (pid == 0)
        {
          char c;

          close (gate[1]);
          /* Blocks until the parent closes the write end. */
          while (read (gate[0], &c, 1) < 0 && errno == EINTR)
            ;
          _exit (slots[i].code);
        }
      pidfd = open_pid (pid);
      g_pidfd_wait_async (pidfd, NULL, on_storm, &slots[i]);
      g_object_unref (pidfd);
    }

  /* All exit at once. */
  close (gate[1]);
  close (gate[0]);

  while (done < storm)
    {
      g_main_context_iteration (NULL, TRUE);
      done = 0;
      for (guint i = 0; i < storm; i++)
        done += slots[i].calls > 0;
    }
  for (int k = 0; k < 5; k++)
    g_main_context_iteration (NULL, FALSE);

  for (guint i = 0; i < storm; i++)
    {
      g_assert_cmpuint (slots[i].calls, ==, 1);
      g_assert_false (slots[i].wrong);
    }
  g_free (slots);

  assert_watchers_gone ();
  errno = 0;
  g_assert_cmpint (waitpid (-1, NULL, WNOHANG), ==, -1);
  g_assert_cmpint (errno, ==, ECHILD);
}

static void
test_other_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GPidFd) pidfd = open_pid (gt_spawn_exit (12, 0));
  Result r = { 0 };

  g_main_context_push_thread_default (context);
  g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
  g_main_context_pop_thread_default (context);

  /* The default context knows nothing of it. */
  while (!g_pidfd_has_exited (pidfd))
    g_usleep (1000);
  g_usleep (20000);
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (r.done);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), >, 0);

  gt_run_until_true (context, &r.done, TIMEOUT_S);
  g_assert_true (r.context == context);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (r.info), ==, 12);
  result_clear (&r);
  assert_watchers_gone ();
}

static void
test_source_destroyed (void)
{
  pid_t pid = gt_spawn_pause ();
  g_autoptr(GPidFd) pidfd = open_pid (pid);
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  SourceResult sr = { 0 };
  GSource *source;

  source = g_pidfd_create_source (pidfd);
  g_source_set_callback (source, G_SOURCE_FUNC (on_source), &sr, on_source_notify);
  g_source_attach (source, NULL);
  g_main_context_iteration (NULL, FALSE);

  g_source_destroy (source);
  g_source_unref (source);
  g_assert_cmpuint (sr.notified, ==, 1);

  g_assert_true (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  while (!g_pidfd_has_exited (pidfd))
    g_usleep (1000);
  for (int i = 0; i < 5; i++)
    g_main_context_iteration (NULL, FALSE);

  /* Nothing fired, nothing was reaped, the GPidFd's fd is still open. */
  g_assert_cmpuint (sr.calls, ==, 0);
  assert_zombie (pid);
  g_assert_cmpint (fcntl (g_pidfd_get_fd (pidfd), F_GETFD), >=, 0);

  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, SIGKILL);
}

static void
test_source_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GPidFd) pidfd = open_pid (gt_spawn_exit (33, 10));
  SourceResult sr = { 0 };
  GSource *source = g_pidfd_create_source (pidfd);

  g_assert_cmpstr (g_source_get_name (source), ==, "GPidFd source");
  g_source_set_callback (source, G_SOURCE_FUNC (on_source), &sr, NULL);
  g_source_attach (source, context);
  while (sr.calls == 0)
    g_main_context_iteration (context, TRUE);
  g_assert_true (g_source_is_destroyed (source));
  g_source_unref (source);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (sr.info), ==, 33);
  g_clear_object (&sr.info);
}

static void
test_unref_pending (void)
{
  GPidFd *pidfd = open_pid (gt_spawn_exit (21, 30));
  GWeakRef weak;
  Result r = { 0 };
  GPidFd *alive;

  g_weak_ref_init (&weak, pidfd);
  g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
  g_object_unref (pidfd);

  /* The pending wait keeps it alive. */
  alive = g_weak_ref_get (&weak);
  g_assert_nonnull (alive);
  g_object_unref (alive);

  gt_run_until_true (NULL, &r.done, TIMEOUT_S);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (r.info), ==, 21);
  result_clear (&r);

  /* And lets go once done. */
  for (int i = 0; i < 3; i++)
    g_main_context_iteration (NULL, FALSE);
  alive = g_weak_ref_get (&weak);
  g_assert_null (alive);
  g_weak_ref_clear (&weak);
}

static void
test_non_child (void)
{
  GtFamily family;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) pidfd2 = NULL;
  SourceResult sr = { 0 };
  Result r = { 0 };
  gboolean both = FALSE;

  /* It exits 42 after 50 ms; its parent reaps it 300 ms later. */
  gt_family_spawn (&family, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT, .code = 42, .delay_ms = 50,
                     .middle = GT_MIDDLE_REAPS, .reap_delay_ms = 300, .linger_ms = 100 });
  pidfd = open_pid (family.pid);
  pidfd2 = open_pid (family.pid);

  g_assert_false (g_pidfd_is_child (pidfd));
  g_pidfd_wait_async (pidfd, NULL, on_wait, &r);
  g_pidfd_add_watch (pidfd2, on_source, &sr);
  while (!both)
    {
      g_main_context_iteration (NULL, TRUE);
      both = r.done && sr.calls > 0;
    }

  g_assert_no_error (r.error);
  g_assert_false (g_pidfd_exit_info_has_rusage (r.info));
  if (gpidfd_sys_has_exit_info ())
    {
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (r.info), ==, 42);
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (sr.info), ==, 42);
    }
  else
    {
      g_assert_false (g_pidfd_exit_info_has_status (r.info));
      g_assert_false (g_pidfd_exit_info_has_status (sr.info));
    }
  gt_family_end (&family);
  result_clear (&r);
  g_clear_object (&sr.info);
  assert_watchers_gone ();
}

static void
test_many_contexts_teardown (void)
{
  /* Each context gets its watcher (one epoll fd) while it has waits, and
   * loses it after. */
  for (int round = 0; round < 3; round++)
    {
      g_autoptr(GMainContext) a = g_main_context_new ();
      g_autoptr(GMainContext) b = g_main_context_new ();
      g_autoptr(GPidFd) pa = open_pid (gt_spawn_exit (1, 10));
      g_autoptr(GPidFd) pb = open_pid (gt_spawn_exit (2, 10));
      Result ra = { 0 }, rb = { 0 };

      g_main_context_push_thread_default (a);
      g_pidfd_wait_async (pa, NULL, on_wait, &ra);
      g_main_context_pop_thread_default (a);
      g_main_context_push_thread_default (b);
      g_pidfd_wait_async (pb, NULL, on_wait, &rb);
      g_main_context_pop_thread_default (b);
      g_assert_cmpuint (gpidfd_watcher_count (), ==, 2);

      gt_run_until_true (a, &ra.done, TIMEOUT_S);
      gt_run_until_true (b, &rb.done, TIMEOUT_S);
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (ra.info), ==, 1);
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (rb.info), ==, 2);
      result_clear (&ra);
      result_clear (&rb);
      assert_watchers_gone ();
    }

}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/async/exit-codes", test_exit_codes);
  gt_add ("/async/deferred", test_deferred);
  gt_add ("/async/same-record", test_same_record);
  gt_add ("/async/cancel/before", test_cancel_before);
  gt_add ("/async/cancel/pending", test_cancel_pending);
  gt_add ("/async/cancel/from-thread", test_cancel_from_thread);
  gt_add ("/async/cancel/race", test_cancel_race);
  gt_add ("/async/cancel/released", test_cancel_released);
  gt_add ("/async/threads", test_threads);
  gt_add ("/async/storm", test_storm);
  gt_add ("/async/other-context", test_other_context);
  gt_add ("/async/source/destroyed", test_source_destroyed);
  gt_add ("/async/source/context", test_source_context);
  gt_add ("/async/unref-pending", test_unref_pending);
  gt_add ("/async/non-child", test_non_child);
  gt_add ("/async/teardown", test_many_contexts_teardown);

  return g_test_run ();
}
