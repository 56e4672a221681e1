/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-faults.c: signal storms, processes reaped behind the library's
 * back, and running out of file descriptors */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "gpidfd-syscall-private.h"
#include "gpidfd-watcher-private.h"
#include "gt.h"

/* ---- Signal storm ---------------------------------------------------- */

static gint storm_signals;

static void
on_storm_signal (int signum)
{
  int errsv = errno;

  g_atomic_int_inc (&storm_signals);
  errno = errsv;
}

typedef struct
{
  GThread *thread;
  pid_t target;
  gint stop;
  struct sigaction old;
} Storm;

static gpointer
storm_main (gpointer user_data)
{
  Storm *storm = user_data;
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGALRM);
  pthread_sigmask (SIG_BLOCK, &set, NULL);

  while (!g_atomic_int_get (&storm->stop))
    {
      syscall (SYS_tgkill, getpid (), storm->target, SIGALRM);
      g_usleep (100);
    }

  return NULL;
}

/* SIGALRM every 100 us at this thread, with a handler installed without
 * SA_RESTART: every blocking call of the thread keeps failing with EINTR. */
static void
storm_start (Storm *storm)
{
  struct sigaction sa = { .sa_handler = on_storm_signal };

  sigemptyset (&sa.sa_mask);
  sa.sa_flags = 0;
  g_assert_cmpint (sigaction (SIGALRM, &sa, &storm->old), ==, 0);

  storm->target = gettid ();
  storm->stop = FALSE;
  storm->thread = g_thread_new ("storm", storm_main, storm);
}

static void
storm_stop (Storm *storm)
{
  g_atomic_int_set (&storm->stop, TRUE);
  g_thread_join (storm->thread);
  g_assert_cmpint (sigaction (SIGALRM, &storm->old, NULL), ==, 0);
}

/* Releases gated children once the waiting thread has taken at least
 * SIGNALS_PER_WAIT signals since it started waiting for each. */
#define SIGNALS_PER_WAIT 20

typedef struct
{
  int *gates;          /* write ends, one per child */
  guint n;
  gint ready;          /* index of the child now waited for, + 1 */
  gint signals_at_wait;
} Releaser;

static gpointer
releaser_main (gpointer user_data)
{
  Releaser *r = user_data;

  for (guint i = 0; i < r->n; i++)
    {
      while ((guint) g_atomic_int_get (&r->ready) < i + 1)
        g_usleep (100);
      while (g_atomic_int_get (&storm_signals) -
             g_atomic_int_get (&r->signals_at_wait) < SIGNALS_PER_WAIT)
        g_usleep (100);
      close (r->gates[i]);
    }

  return NULL;
}

static void
test_storm_blocking_wait (void)
{
  guint n = gt_scale (200, 10);
  g_autofree pid_t *pids = g_new0 (pid_t, n);
  g_autofree int *gates = g_new0 (int, n);
  Releaser releaser = { gates, n, 0, 0 };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GThread *thread;
  Storm storm;
  gint signals_start;

  g_test_summary ("Blocking waits under a SIGALRM storm (handler without "
                  "SA_RESTART): no spurious error, no lost exit");

  for (guint i = 0; i < n; i++)
    pids[i] = gt_spawn_gated_alone (&gates[i], i % 256);

  thread = g_thread_new ("releaser", releaser_main, &releaser);
  gt_watchdog_start ("storm-blocking-wait", 60);
  signals_start = g_atomic_int_get (&storm_signals);
  storm_start (&storm);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pids[i], &error);
      g_autoptr(GPidFdExitInfo) info = NULL;

      g_assert_no_error (error);
      g_atomic_int_set (&releaser.signals_at_wait, g_atomic_int_get (&storm_signals));
      g_atomic_int_set (&releaser.ready, i + 1);
      info = g_pidfd_wait (pidfd, i % 2 ? cancellable : NULL, &error);
      g_assert_no_error (error);
      gt_assert_exited (info, pids[i], i % 256);
      gt_watchdog_pet ();
    }

  storm_stop (&storm);
  gt_watchdog_stop ();
  g_thread_join (thread);
  g_test_message ("%u waits, %d signals taken", n,
                  g_atomic_int_get (&storm_signals) - signals_start);
  g_assert_false (gt_has_children ());
}

typedef struct
{
  guint done;
  pid_t *pids;
} LoopState;

static void
storm_record (LoopState      *state,
              GPidFdExitInfo *info)
{
  pid_t pid = g_pidfd_exit_info_get_pid (info);
  gboolean found = FALSE;

  for (guint i = 0; state->pids[i] != 0; i++)
    {
      if (state->pids[i] == pid)
        {
          gt_assert_exited (info, pid, i % 256);
          found = TRUE;
        }
    }
  g_assert_true (found);
  state->done++;
}

static void
on_storm_wait_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  g_assert_no_error (error);
  storm_record (user_data, info);
}

static gboolean
on_storm_source (GPidFd         *pidfd,
                 GPidFdExitInfo *info,
                 gpointer        user_data)
{
  storm_record (user_data, info);
  return G_SOURCE_REMOVE;
}

static void
test_storm_main_loop (void)
{
  guint n = gt_scale (200, 10);
  g_autofree pid_t *pids = g_new0 (pid_t, n + 1);
  g_autofree int *gates = g_new0 (int, n);
  Releaser releaser = { gates, n, 0, 0 };
  GMainContext *context = g_main_context_new ();
  LoopState state = { 0, pids };
  GPtrArray *pidfds = g_ptr_array_new_with_free_func (g_object_unref);
  GThread *thread;
  Storm storm;
  gint signals_start;

  g_test_summary ("Waits from a main loop (the shared watcher and per-process "
                  "sources) under a SIGALRM storm: every exit arrives once");

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < n; i++)
    pids[i] = gt_spawn_gated_alone (&gates[i], i % 256);

  thread = g_thread_new ("releaser", releaser_main, &releaser);
  gt_watchdog_start ("storm-main-loop", 60);
  signals_start = g_atomic_int_get (&storm_signals);
  storm_start (&storm);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      GPidFd *pidfd = g_pidfd_new_from_pid (pids[i], &error);

      g_assert_no_error (error);
      if (i % 2 == 0)
        g_pidfd_wait_async (pidfd, NULL, on_storm_wait_done, &state);
      else
        {
          GSource *source = g_pidfd_create_source (pidfd);

          g_source_set_callback (source, G_SOURCE_FUNC (on_storm_source),
                                 &state, NULL);
          g_source_attach (source, context);
          g_source_unref (source);
        }
      g_ptr_array_add (pidfds, pidfd);
    }

  /* Release them one by one, each after signals hit the loop. */
  g_atomic_int_set (&releaser.signals_at_wait, g_atomic_int_get (&storm_signals));
  for (guint i = 0; i < n; i++)
    {
      g_atomic_int_set (&releaser.ready, i + 1);
      gt_run_until_count (context, &state.done, i + 1, 60);
      g_atomic_int_set (&releaser.signals_at_wait, g_atomic_int_get (&storm_signals));
      gt_watchdog_pet ();
    }
  while (g_main_context_iteration (context, FALSE))
    ;

  storm_stop (&storm);
  gt_watchdog_stop ();
  g_thread_join (thread);
  g_test_message ("%u waits, %d signals taken", n,
                  g_atomic_int_get (&storm_signals) - signals_start);
  g_assert_cmpuint (state.done, ==, n);
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);

  g_ptr_array_unref (pidfds);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* Every other call of the API, over and over, under the storm. */
static void
test_storm_other_calls (void)
{
  guint n = gt_scale (20000, 500);
  pid_t pid = gt_spawn_pause ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) first = g_pidfd_new_from_pid (pid, &error);
  g_autoptr(GPidFdExitInfo) info = NULL;
  Storm storm;
  gint signals_start;

  g_test_summary ("Open, query, signal, poll and try-wait a process under a "
                  "SIGALRM storm: no call fails");
  g_assert_no_error (error);

  signals_start = g_atomic_int_get (&storm_signals);
  storm_start (&storm);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) none = NULL;

      if (i % 2)
        pidfd = g_pidfd_new_from_pid (pid, &error);
      else
        pidfd = g_pidfd_new_from_fd (g_pidfd_get_fd (first), &error);
      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (pidfd));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
      g_assert_true (g_pidfd_send_signal (pidfd, 0, &error));
      g_assert_no_error (error);
      g_assert_false (g_pidfd_has_exited (pidfd));
      none = g_pidfd_try_wait (pidfd, &error);
      g_assert_no_error (error);
      g_assert_null (none);
    }
  storm_stop (&storm);
  g_test_message ("%u rounds, %d signals taken", n,
                  g_atomic_int_get (&storm_signals) - signals_start);

  g_assert_true (g_pidfd_send_signal (first, SIGKILL, &error));
  g_assert_no_error (error);
  info = g_pidfd_wait (first, NULL, &error);
  g_assert_no_error (error);
  gt_assert_signaled (info, pid, SIGKILL);
}

/* ---- Reaped behind the library's back -------------------------------- */

static void
assert_record_after_foreign_reap (GPidFdExitInfo *info,
                                  pid_t           pid,
                                  int             code)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
  if (gpidfd_sys_has_exit_info ())
    gt_assert_exited (info, pid, code);
  else
    g_assert_false (g_pidfd_exit_info_has_status (info));
}

static void
test_reaped_behind_back (void)
{
  GMainContext *context = g_main_context_new ();

  g_test_summary ("A child the library was asked to reap is reaped by a "
                  "plain waitpid() first: every way of waiting gives the "
                  "status through PIDFD_INFO_EXIT (or says it is unknown), "
                  "never an error, never a hang");

  g_main_context_push_thread_default (context);
  gt_watchdog_start ("reaped-behind-back", 30);

  for (guint mode = 0; mode < 6; mode++)
    {
      int code = 40 + mode;
      int gate[2];
      pid_t pid;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      int status;

      /* The child exits only once the gate closes, after the wait has
       * been started: the context is not iterated from then until the
       * test's own waitpid() has reaped it. */
      g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
      pid = gt_spawn_gated (gate[0], gate[1], code, 0);
      close (gate[0]);
      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (pidfd));

      if (mode == 4)
        {
          /* The wait is pending in the watcher when the reap happens. */
          g_pidfd_wait_async (pidfd, NULL, gt_store_wait_result, &info);
          g_main_context_iteration (context, FALSE);
          g_assert_null (info);
        }

      close (gate[1]);
      status = gt_reap (pid);
      g_assert_cmpint (WEXITSTATUS (status), ==, code);
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);

      switch (mode)
        {
        case 0:
          info = g_pidfd_wait (pidfd, NULL, &error);
          break;
        case 1:
          info = g_pidfd_try_wait (pidfd, &error);
          break;
        case 2:
        case 4:
          if (mode == 2)
            g_pidfd_wait_async (pidfd, NULL, gt_store_wait_result, &info);
          gt_run_until_set (context, &info, 30);
          break;
        case 3:
          {
            GSource *source = g_pidfd_create_source (pidfd);

            g_source_set_callback (source, G_SOURCE_FUNC (gt_store_source_info),
                                   &info, NULL);
            g_source_attach (source, context);
            gt_run_until_set (context, &info, 30);
            g_source_destroy (source);
            g_source_unref (source);
          }
          break;
        case 5:
          {
            /* A second GPidFd of a child the first one already reaped. */
            g_autoptr(GPidFdExitInfo) again = g_pidfd_wait (pidfd, NULL, &error);

            g_assert_no_error (error);
            info = g_object_ref (again);
          }
          break;
        default:
          g_assert_not_reached ();
        }
      g_assert_no_error (error);
      assert_record_after_foreign_reap (info, pid, code);
      gt_watchdog_pet ();
    }

  gt_watchdog_stop ();
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

/* A thread blocks in g_pidfd_wait() while this one races it with
 * waitpid(): whoever wins, the record is right and nobody hangs. */
typedef struct
{
  GPidFd *pidfd;
  GPidFdExitInfo *info;
} RaceWait;

static gpointer
race_wait_main (gpointer user_data)
{
  RaceWait *rw = user_data;
  g_autoptr(GError) error = NULL;

  rw->info = g_pidfd_wait (rw->pidfd, NULL, &error);
  g_assert_no_error (error);

  return NULL;
}

static void
test_reaped_race (void)
{
  guint rounds = gt_scale (500, 20);
  guint lib_first = 0, waitpid_first = 0;

  g_test_summary ("g_pidfd_wait() in one thread races a plain waitpid() in "
                  "another");

  gt_watchdog_start ("reaped-race", 30);
  for (guint i = 0; i < rounds; i++)
    {
      int code = i % 100;
      pid_t pid = gt_spawn_exit_us (code, g_test_rand_int_range (0, 1000));
      g_autoptr(GError) error = NULL;
      RaceWait rw = { g_pidfd_new_from_pid (pid, &error), NULL };
      GThread *thread;
      int status;
      pid_t r;

      g_assert_no_error (error);
      thread = g_thread_new ("wait", race_wait_main, &rw);
      do
        r = waitpid (pid, &status, 0);
      while (r < 0 && errno == EINTR);
      g_thread_join (thread);

      if (r == pid)
        {
          g_assert_cmpint (WEXITSTATUS (status), ==, code);
          assert_record_after_foreign_reap (rw.info, pid, code);
          waitpid_first++;
        }
      else
        {
          g_assert_cmpint (errno, ==, ECHILD);
          gt_assert_exited (rw.info, pid, code);
          lib_first++;
        }
      g_object_unref (rw.info);
      g_object_unref (rw.pidfd);
      gt_watchdog_pet ();
    }
  gt_watchdog_stop ();

  g_test_message ("%u rounds: waitpid() won %u, the library won %u", rounds,
                  waitpid_first, lib_first);
  g_assert_false (gt_has_children ());
}

/* With SIGCHLD ignored, the kernel reaps children itself. */
static void
test_sigchld_ignored (void)
{
  struct sigaction ign = { .sa_handler = SIG_IGN }, old;

  g_test_summary ("SIGCHLD set to SIG_IGN (children reaped by the kernel): "
                  "the wait still ends, with the status when the kernel "
                  "keeps it");

  gt_watchdog_start ("sigchld-ignored", 30);
  g_assert_cmpint (sigaction (SIGCHLD, &ign, &old), ==, 0);

  for (guint i = 0; i < 20; i++)
    {
      int code = 60 + i;
      int gate[2];
      pid_t pid;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;

      /* The kernel reaps an exited child at once here: the child waits
       * for its pidfd to be open before it exits, or the pid would be
       * gone (and a pid alone can name nothing race-free). */
      g_assert_true (g_unix_open_pipe (gate, FD_CLOEXEC, NULL));
      pid = gt_spawn_gated (gate[0], gate[1], code, 0);
      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);
      close (gate[1]);
      close (gate[0]);
      info = g_pidfd_wait (pidfd, NULL, &error);
      g_assert_no_error (error);
      assert_record_after_foreign_reap (info, pid, code);
      gt_watchdog_pet ();
    }

  g_assert_cmpint (sigaction (SIGCHLD, &old, NULL), ==, 0);
  gt_watchdog_stop ();
  g_assert_false (gt_has_children ());
}

/* ---- Out of file descriptors ----------------------------------------- */

/* Counting needs a descriptor for /proc/self/fd: lend one. */
static guint
count_fds_at_limit (void)
{
  struct rlimit rl;
  guint n;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  rl.rlim_cur++;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  n = gt_count_fds ();
  rl.rlim_cur--;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);

  return n;
}

static void
test_out_of_fds (void)
{
  GMainContext *busy = g_main_context_new ();
  GMainContext *fresh = g_main_context_new ();
  GPtrArray *opened = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPidFd) pending = NULL;
  g_autoptr(GPidFd) extra = NULL;
  g_autoptr(GError) error = NULL;
  GtOutcome pending_outcome = { 0 };
  GtOutcome fresh_outcome = { 0 };
  GtOutcome busy_outcome = { 0 };
  GArray *fillers;
  pid_t pids[16];
  guint fds_before, fds_full;
  pid_t victim = 0;

  g_test_summary ("RLIMIT_NOFILE lowered until opening and watching fail: "
                  "TOO_MANY_OPEN_FILES naming the process, nothing half "
                  "registered, and everything works again once a descriptor "
                  "is free");
  if (gt_skip_under_valgrind ("valgrind keeps descriptors of its own above "
                               "RLIMIT_NOFILE and refuses to let it be moved"))
    {
      g_main_context_unref (busy);
      g_main_context_unref (fresh);
      g_ptr_array_unref (opened);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    pids[i] = gt_spawn_pause ();

  /* A context that already has a watcher, from a pending wait. */
  pending = g_pidfd_new_from_pid (pids[0], &error);
  g_assert_no_error (error);
  g_main_context_push_thread_default (busy);
  g_pidfd_wait_async (pending, NULL, gt_store_outcome, &pending_outcome);
  g_main_context_pop_thread_default (busy);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);

  /* Leave exactly three descriptors free. */
  fillers = gt_fds_exhaust (3);
  fds_before = gt_count_fds ();

  for (guint i = 1; i < G_N_ELEMENTS (pids); i++)
    {
      GPidFd *pidfd = g_pidfd_new_from_pid (pids[i], &error);

      if (pidfd == NULL)
        {
          gt_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES, NULL, pids[i]);
          g_test_message ("out of descriptors after %u: %s", opened->len, error->message);
          g_clear_error (&error);
          victim = pids[i];
          break;
        }
      g_ptr_array_add (opened, pidfd);
    }
  g_assert_cmpuint (opened->len, ==, 3);
  g_assert_cmpint (victim, >, 0);
  fds_full = count_fds_at_limit ();
  g_assert_cmpuint (fds_full, ==, fds_before + 3);

  /* Duplicating a pidfd fails the same way. */
  g_assert_null (g_pidfd_new_from_fd (g_pidfd_get_fd (pending), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES);
  g_clear_error (&error);

  /* What needs no new descriptor still works. */
  g_assert_cmpint (g_pidfd_get_pid (pending), ==, pids[0]);
  g_assert_true (g_pidfd_send_signal (pending, 0, &error));
  g_assert_no_error (error);
  g_assert_false (g_pidfd_has_exited (pending));

  /* A wait in a context without a watcher needs an epoll set: it fails,
   * and nothing is left registered. */
  g_main_context_push_thread_default (fresh);
  g_pidfd_wait_async (g_ptr_array_index (opened, 0), NULL, gt_store_outcome, &fresh_outcome);
  gt_run_until_count (fresh, &fresh_outcome.calls, 1, 30);
  g_main_context_pop_thread_default (fresh);
  gt_assert_error (fresh_outcome.error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES, NULL,
                   g_pidfd_get_pid (g_ptr_array_index (opened, 0)));
  g_assert_null (fresh_outcome.info);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);
  g_assert_cmpuint (count_fds_at_limit (), ==, fds_full);

  /* A context that has its watcher needs no new descriptor. */
  g_main_context_push_thread_default (busy);
  g_pidfd_wait_async (g_ptr_array_index (opened, 1), NULL, gt_store_outcome, &busy_outcome);
  g_main_context_pop_thread_default (busy);
  g_assert_cmpuint (count_fds_at_limit (), ==, fds_full);

  /* Free one descriptor: the next calls work. */
  g_ptr_array_remove_index (opened, 2);
  extra = g_pidfd_new_from_pid (victim, &error);
  g_assert_no_error (error);
  g_assert_nonnull (extra);
  g_ptr_array_remove_index (opened, 0);
  g_clear_error (&fresh_outcome.error);
  fresh_outcome.calls = 0;
  g_main_context_push_thread_default (fresh);
  g_pidfd_wait_async (extra, NULL, gt_store_outcome, &fresh_outcome);
  g_main_context_pop_thread_default (fresh);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 2);

  gt_fds_release (fillers);

  /* End everything; every wait gets its record. */
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    g_assert_cmpint (kill (pids[i], SIGKILL), ==, 0);
  gt_run_until_count (busy, &pending_outcome.calls, 1, 30);
  gt_run_until_count (busy, &busy_outcome.calls, 1, 30);
  gt_run_until_count (fresh, &fresh_outcome.calls, 1, 30);
  g_assert_no_error (pending_outcome.error);
  g_assert_no_error (busy_outcome.error);
  g_assert_no_error (fresh_outcome.error);
  gt_assert_signaled (pending_outcome.info, pids[0], SIGKILL);
  gt_assert_signaled (busy_outcome.info, g_pidfd_exit_info_get_pid (busy_outcome.info), SIGKILL);
  gt_assert_signaled (fresh_outcome.info, victim, SIGKILL);
  g_clear_object (&pending_outcome.info);
  g_clear_object (&busy_outcome.info);
  g_clear_object (&fresh_outcome.info);

  g_ptr_array_unref (opened);
  for (guint i = 0; i < G_N_ELEMENTS (pids); i++)
    {
      if (kill (pids[i], 0) == 0 || gt_is_unreaped_zombie (pids[i]))
        gt_reap (pids[i]);
    }
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);

  g_main_context_unref (busy);
  g_main_context_unref (fresh);
}

/* g_pidfd_wait() with a cancellable while no descriptor is free. */

static void
test_out_of_fds_cancellable (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      pid_t pid = gt_spawn_exit (3, 0);
      GArray *fillers;

      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);
      fillers = gt_fds_exhaust (0);

      info = g_pidfd_wait (pidfd, cancellable, &error);
      gt_fds_release (fillers);
      if (info == NULL)
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES);
      else
        gt_assert_exited (info, pid, 3);
      return;
    }

  g_test_summary ("g_pidfd_wait() with a cancellable when no descriptor is "
                  "left for the cancellable's wake-up: the status or "
                  "TOO_MANY_OPEN_FILES, not an abort");
  gt_run_in_subprocess (30);
}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/robust/eintr/blocking-wait", test_storm_blocking_wait);
  gt_add ("/robust/eintr/main-loop", test_storm_main_loop);
  gt_add ("/robust/eintr/other-calls", test_storm_other_calls);
  gt_add ("/robust/reaped/behind-back", test_reaped_behind_back);
  gt_add ("/robust/reaped/race", test_reaped_race);
  gt_add ("/robust/reaped/sigchld-ignored", test_sigchld_ignored);
  gt_add ("/robust/nofile/open-and-watch", test_out_of_fds);
  gt_add ("/robust/nofile/cancellable-wait", test_out_of_fds_cancellable);

  return g_test_run ();
}
