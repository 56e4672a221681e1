/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-nonchild.c: what is known of a process that someone else reaps
 *
 * A non-child ends in two steps: it exits (its pidfd turns readable),
 * then its parent reaps it (the pidfd hangs up; from Linux 6.15 the
 * status is readable then). The wait for the status completes after the
 * reap, with the real status; the record's uid is the real uid the
 * process ended with, read while it is a zombie, or unknown when the
 * record was first looked for after the reap (the kernel no longer tells
 * it then): never the uid it had when it was opened.
 * The exit itself is learnt at once with wait_exit(), even when the
 * parent never reaps.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robust-common.h"

#define NON_CHILD_CODE 5
#define NON_CHILD_UID  65534
#define UID_RUNS       12

typedef enum
{
  HOW_WAIT,
  HOW_TRY_WAIT,
  HOW_WAIT_ASYNC,
  HOW_SOURCE,
  N_HOW
} How;

static const char *how_names[] = { "wait", "try-wait", "wait-async", "source" };

/* A non-child running as NON_CHILD_UID: it exits NON_CHILD_CODE on a byte
 * through its gate; its parent (our child) reaps it on a byte through its
 * reap pipe (at once when @reap_at_once), then exits. */
typedef struct
{
  pid_t middle;
  pid_t pid;
  int gate_wr;
  int reap_wr;
} NonChild;

static void
non_child_spawn (NonChild *nc,
                 gboolean  reap_at_once)
{
  int pidpipe[2], gate[2], reap[2];
  pid_t mid;

  g_assert_cmpint (pipe2 (pidpipe, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (reap, O_CLOEXEC), ==, 0);
  mid = fork ();
  g_assert_cmpint (mid, >=, 0);
  if (mid == 0)
    {
      pid_t g;
      char c;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (reap[1]);
      g = fork ();
      if (g < 0)
        _exit (97);
      if (g == 0)
        {
          /* Opened as the caller's user, it becomes another one just
           * before it exits: the record's uid is the one it ended with. */
          close (gate[1]);
          g = getpid ();
          if (write (pidpipe[1], &g, sizeof g) != sizeof g)
            _exit (96);
          close (pidpipe[1]);
          while (read (gate[0], &c, 1) < 0 && errno == EINTR)
            ;
          if (geteuid () == 0 &&
              (setresgid (NON_CHILD_UID, NON_CHILD_UID, NON_CHILD_UID) != 0 ||
               setresuid (NON_CHILD_UID, NON_CHILD_UID, NON_CHILD_UID) != 0))
            _exit (98);
          _exit (NON_CHILD_CODE);
        }
      close (gate[0]);
      close (gate[1]);
      close (pidpipe[1]);
      if (!reap_at_once)
        {
          while (read (reap[0], &c, 1) < 0 && errno == EINTR)
            ;
        }
      waitpid (g, NULL, 0);
      _exit (0);
    }
  close (pidpipe[1]);
  close (gate[0]);
  close (reap[0]);
  g_assert_cmpint (read (pidpipe[0], &nc->pid, sizeof nc->pid), ==, sizeof nc->pid);
  close (pidpipe[0]);
  nc->middle = mid;
  nc->gate_wr = gate[1];
  nc->reap_wr = reap[1];
  if (reap_at_once)
    {
      close (reap[1]);
      nc->reap_wr = -1;
    }
}

static void
non_child_exit (NonChild *nc)
{
  g_assert_cmpint (write (nc->gate_wr, "x", 1), ==, 1);
  close (nc->gate_wr);
  nc->gate_wr = -1;
}

static void
non_child_reap (NonChild *nc)
{
  if (nc->reap_wr < 0)
    return;
  g_assert_cmpint (write (nc->reap_wr, "x", 1), ==, 1);
  close (nc->reap_wr);
  nc->reap_wr = -1;
}

static void
non_child_finish (NonChild *nc)
{
  if (nc->gate_wr >= 0)
    close (nc->gate_wr);
  non_child_reap (nc);
  g_assert_cmpint (WEXITSTATUS (gpt_reap (nc->middle)), ==, 0);
}

static gboolean
on_reap_later (gpointer user_data)
{
  non_child_reap (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
reap_thread (gpointer user_data)
{
  g_usleep (100 * 1000);
  non_child_reap (user_data);
  return NULL;
}

/* Collects the record of a non-child that has exited; its parent reaps it
 * 100 ms into the wait (if it has not already). */
static GPidFdExitInfo *
collect (GPidFd   *pidfd,
         How       how,
         NonChild *nc)
{
  GPidFdExitInfo *info = NULL;
  g_autoptr(GError) error = NULL;

  switch (how)
    {
    case HOW_WAIT:
      {
        GThread *reaper = g_thread_new ("reap", reap_thread, nc);

        rb_watchdog_start ("g_pidfd_wait() for a non-child", 10);
        info = g_pidfd_wait (pidfd, NULL, &error);
        rb_watchdog_stop ();
        g_thread_join (reaper);
        g_assert_no_error (error);
        break;
      }

    case HOW_TRY_WAIT:
      {
        gint64 start = g_get_monotonic_time ();

        while ((info = g_pidfd_try_wait (pidfd, &error)) == NULL)
          {
            g_assert_no_error (error);
            if (g_get_monotonic_time () - start > 100 * 1000)
              non_child_reap (nc);
            if (g_get_monotonic_time () - start > 10 * G_USEC_PER_SEC)
              g_error ("try_wait gave no record for non-child %d within 10 s", (int) nc->pid);
            g_usleep (2000);
          }
        break;
      }

    case HOW_WAIT_ASYNC:
    case HOW_SOURCE:
      {
        GMainContext *context = g_main_context_new ();
        GSource *later = g_timeout_source_new (100);

        g_main_context_push_thread_default (context);
        g_source_set_callback (later, on_reap_later, nc, NULL);
        g_source_attach (later, context);
        if (how == HOW_WAIT_ASYNC)
          g_pidfd_wait_async (pidfd, NULL, rb_store_wait_result, &info);
        else
          {
            GSource *source = g_pidfd_create_source (pidfd);

            g_source_set_callback (source, G_SOURCE_FUNC (rb_store_source_info), &info, NULL);
            g_source_attach (source, context);
            g_source_unref (source);
          }
        gpt_run_until_set (context, &info, 10);
        g_source_destroy (later);
        g_source_unref (later);
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        break;
      }

    case N_HOW:
    default:
      g_assert_not_reached ();
    }

  return info;
}

/* What a non-child's record says on the running kernel: from Linux 6.15
 * the wait completes once the parent has reaped it, with its real
 * status (PIDFD_INFO_EXIT); before, it completes when it exits, with the
 * status unknown (the caller is no subreaper here). */
static void
assert_non_child_record (GPidFdExitInfo *info,
                         NonChild       *nc)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, nc->pid);
  if (rb_kernel_has_exit_info ())
    {
      if (kill (nc->pid, 0) == 0)
        rb_fail_printf ("the wait for non-child %d completed before its parent reaped it",
                        (int) nc->pid);
      gpt_assert_exited (info, nc->pid, NON_CHILD_CODE);
    }
  else
    {
      g_test_message ("the kernel has no PIDFD_INFO_EXIT (Linux 6.15): the status "
                      "is unknown");
      g_assert_false (g_pidfd_exit_info_has_status (info));
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, -1);
      g_assert_false (g_pidfd_exit_info_get_successful (info));
    }
}

/* ---- The status comes after the reap, and is the real one ------------ */

static void
test_status_after_reap (gconstpointer data)
{
  How how = GPOINTER_TO_UINT (data);
  NonChild nc;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  g_test_summary ("The wait for a non-child's status completes once its parent "
                  "has reaped it, with the real status (Linux 6.15); before, at "
                  "its exit, with the status unknown");
  non_child_spawn (&nc, FALSE);
  pidfd = g_pidfd_new_from_pid (nc.pid, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  non_child_exit (&nc);
  rb_wait_exited (nc.pid, 10);
  g_assert_true (g_pidfd_has_exited (pidfd));

  info = collect (pidfd, how, &nc);
  assert_non_child_record (info, &nc);
  non_child_finish (&nc);
  g_assert_false (rb_has_children ());
}

/* ---- The uid of the record -------------------------------------------- */

static void
test_uid (gconstpointer data)
{
  guint seen_right = 0;
  guint zombie_runs = 0;
  g_autoptr(GString) seen = g_string_new (NULL);

  g_test_summary ("A non-child's record carries the real uid it ended with, read "
                  "while it was a zombie, or none when it was reaped before the "
                  "record was looked for; never the uid it was opened with");
  if (geteuid () != 0)
    {
      g_test_skip ("needs root, to change the process's user before it exits");
      return;
    }

  for (guint run = 0; run < UID_RUNS; run++)
    {
      How how = run % N_HOW;
      gboolean reap_at_once = (run / N_HOW) % 2 == 0;
      NonChild nc;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      guint uid;

      non_child_spawn (&nc, reap_at_once);
      pidfd = g_pidfd_new_from_pid (nc.pid, &error);
      g_assert_no_error (error);
      non_child_exit (&nc);
      info = collect (pidfd, how, &nc);
      g_assert_nonnull (info);
      uid = g_pidfd_exit_info_get_uid (info);
      g_string_append_printf (seen, "%s%s/%s: %d", run ? ", " : "", how_names[how],
                              reap_at_once ? "reaped at once" : "reaped later",
                              uid == G_MAXUINT ? -1 : (int) uid);
      g_assert_cmpuint (g_pidfd_exit_info_has_uid (info), ==, uid != G_MAXUINT);
      if (uid == NON_CHILD_UID || (reap_at_once && uid == G_MAXUINT))
        seen_right++;
      zombie_runs += !reap_at_once;
      non_child_finish (&nc);
    }

  g_test_message ("uids seen: %s", seen->str);
  /* Reaped later, the record was always looked for while it was a zombie
   * (a wait starts at the exit); reaped at once, maybe not. */
  if (seen_right != UID_RUNS)
    g_test_fail_printf ("the record's uid was not %u (the one it ended with), nor "
                        "unknown where it was reaped at once, in %u of %u runs (-1: "
                        "unknown; %u is the uid it was opened with): %s",
                        NON_CHILD_UID, UID_RUNS - seen_right, UID_RUNS, (guint) getuid (),
                        seen->str);
  g_assert_cmpuint (zombie_runs, >, 0);
  g_assert_false (rb_has_children ());
}

/* ---- The exit comes first, even if nobody reaps ----------------------- */

static gpointer
exit_thread (gpointer user_data)
{
  g_usleep (100 * 1000);
  non_child_exit (user_data);
  return NULL;
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

static gboolean
on_exit_later (gpointer user_data)
{
  non_child_exit (user_data);
  return G_SOURCE_REMOVE;
}

/* Whether @pid is a zombie, from /proc. */
static gboolean
is_zombie (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return FALSE;
  p = strrchr (stat, ')');

  return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

static void
test_exit_before_status (gconstpointer data)
{
  gboolean async = GPOINTER_TO_UINT (data);
  NonChild nc;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  g_test_summary ("wait_exit() on a non-child returns when it exits, though its "
                  "parent does not reap it; the wait for the status completes "
                  "after the reap");
  non_child_spawn (&nc, FALSE);
  pidfd = g_pidfd_new_from_pid (nc.pid, &error);
  g_assert_no_error (error);

  /* The process exits 100 ms into the wait; its parent keeps the zombie. */
  if (async)
    {
      GMainContext *context = g_main_context_new ();
      GSource *later = g_timeout_source_new (100);
      gboolean done = FALSE;

      g_main_context_push_thread_default (context);
      g_source_set_callback (later, on_exit_later, &nc, NULL);
      g_source_attach (later, context);
      g_source_unref (later);
      g_pidfd_wait_exit_async (pidfd, NULL, on_wait_exit_done, &done);
      gpt_run_until (context, &done, 5);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
    }
  else
    {
      GThread *exiter = g_thread_new ("exit", exit_thread, &nc);

      rb_watchdog_start ("g_pidfd_wait_exit() for a non-child nobody reaps", 5);
      g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
      rb_watchdog_stop ();
      g_assert_no_error (error);
      if (!is_zombie (nc.pid))
        rb_fail_printf ("g_pidfd_wait_exit() returned before non-child %d exited",
                        (int) nc.pid);
      g_thread_join (exiter);
    }

  /* Exited, not reaped. */
  g_assert_cmpint (nc.gate_wr, ==, -1);
  g_assert_true (is_zombie (nc.pid));
  g_assert_true (g_pidfd_has_exited (pidfd));
  /* A second call returns at once. */
  g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
  g_assert_no_error (error);

  /* The status waits for the reap. */
  info = collect (pidfd, async ? HOW_WAIT_ASYNC : HOW_WAIT, &nc);
  assert_non_child_record (info, &nc);
  non_child_finish (&nc);
  g_assert_false (rb_has_children ());
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rb_warm_up ();

  for (How how = HOW_WAIT; how < N_HOW; how++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/nonchild/status-after-reap/%s",
                                               how_names[how]);

      gpt_add_checked (path, GUINT_TO_POINTER (how), test_status_after_reap);
    }
  gpt_add_checked ("/robust/nonchild/uid", NULL, test_uid);
  gpt_add_checked ("/robust/nonchild/exit-before-status/blocking", GUINT_TO_POINTER (FALSE),
                  test_exit_before_status);
  gpt_add_checked ("/robust/nonchild/exit-before-status/async", GUINT_TO_POINTER (TRUE),
                  test_exit_before_status);

  return g_test_run ();
}
