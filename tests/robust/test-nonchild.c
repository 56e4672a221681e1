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
#include <sys/wait.h>
#include <unistd.h>

#include "gt.h"

#define NON_CHILD_CODE 5
#define NON_CHILD_UID  65534
#define UID_RUNS       12

/* A non-child running as NON_CHILD_UID: it exits NON_CHILD_CODE once let
 * go (gt_family_let_exit()); its parent (our child) reaps it once
 * released (at once when @reap_at_once), then exits. */
static void
non_child_spawn (GtFamily *nc,
                 gboolean  reap_at_once)
{
  /* Opened as the caller's user, it becomes another one just before it
   * exits: the record's uid is the one it ended with. */
  gt_family_spawn (nc, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT_GATED, .code = NON_CHILD_CODE, .uid = NON_CHILD_UID,
                     .middle = reap_at_once ? GT_MIDDLE_REAPS : GT_MIDDLE_REAPS_ON_RELEASE });
}

static void
release_middle (gpointer data)
{
  gt_family_release (data);
}

/* Collects the record of a non-child that has exited; its parent reaps it
 * 100 ms into the wait (if it has not already). */
static GPidFdExitInfo *
collect (GPidFd   *pidfd,
         GtHow     how,
         GtFamily *nc)
{
  GtCollect opts = {
    .what = "a non-child",
    .meanwhile = release_middle,
    .meanwhile_data = nc,
    .delay_ms = 100,
  };

  return gt_collect (pidfd, how, &opts, NULL);
}

/* What a non-child's record says on the running kernel: from Linux 6.15
 * the wait completes once the parent has reaped it, with its real
 * status (PIDFD_INFO_EXIT); before, it completes when it exits, with the
 * status unknown (the caller is no subreaper here). */
static void
assert_non_child_record (GPidFdExitInfo *info,
                         GtFamily       *nc)
{
  g_assert_nonnull (info);
  g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, nc->pid);
  if (gt_kernel_has_exit_info ())
    {
      if (kill (nc->pid, 0) == 0)
        gt_fail_printf ("the wait for non-child %d completed before its parent reaped it",
                        (int) nc->pid);
      gt_assert_exited (info, nc->pid, NON_CHILD_CODE);
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
  GtHow how = GPOINTER_TO_UINT (data);
  GtFamily nc;
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
  gt_family_let_exit (&nc);
  gt_wait_exited (nc.pid, 10);
  g_assert_true (g_pidfd_has_exited (pidfd));

  info = collect (pidfd, how, &nc);
  assert_non_child_record (info, &nc);
  gt_family_end (&nc);
  g_assert_false (gt_has_children ());
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
      GtHow how = run % GT_N_HOW;
      gboolean reap_at_once = (run / GT_N_HOW) % 2 == 0;
      GtFamily nc;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdExitInfo) info = NULL;
      guint uid;

      non_child_spawn (&nc, reap_at_once);
      pidfd = g_pidfd_new_from_pid (nc.pid, &error);
      g_assert_no_error (error);
      gt_family_let_exit (&nc);
      info = collect (pidfd, how, &nc);
      g_assert_nonnull (info);
      uid = g_pidfd_exit_info_get_uid (info);
      g_string_append_printf (seen, "%s%s/%s: %d", run ? ", " : "", gt_how_names[how],
                              reap_at_once ? "reaped at once" : "reaped later",
                              uid == G_MAXUINT ? -1 : (int) uid);
      g_assert_cmpuint (g_pidfd_exit_info_has_uid (info), ==, uid != G_MAXUINT);
      if (uid == NON_CHILD_UID || (reap_at_once && uid == G_MAXUINT))
        seen_right++;
      zombie_runs += !reap_at_once;
      gt_family_end (&nc);
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
  g_assert_false (gt_has_children ());
}

/* ---- The exit comes first, even if nobody reaps ----------------------- */

static gpointer
exit_thread (gpointer user_data)
{
  g_usleep (100 * 1000);
  gt_family_let_exit (user_data);
  return NULL;
}

static gboolean
on_exit_later (gpointer user_data)
{
  gt_family_let_exit (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_exit_before_status (gconstpointer data)
{
  gboolean async = GPOINTER_TO_UINT (data);
  GtFamily nc;
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
      g_pidfd_wait_exit_async (pidfd, NULL, gt_store_wait_exit, &done);
      gt_run_until_true (context, &done, 5);
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
    }
  else
    {
      GThread *exiter = g_thread_new ("exit", exit_thread, &nc);

      gt_watchdog_start ("g_pidfd_wait_exit() for a non-child nobody reaps", 5);
      g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
      gt_watchdog_stop ();
      g_assert_no_error (error);
      if (gt_proc_state (nc.pid) != 'Z')
        gt_fail_printf ("g_pidfd_wait_exit() returned before non-child %d exited",
                        (int) nc.pid);
      g_thread_join (exiter);
    }

  /* Exited, not reaped. */
  g_assert_cmpint (nc.gate_wr, ==, -1);
  g_assert_true (gt_proc_state (nc.pid) == 'Z');
  g_assert_true (g_pidfd_has_exited (pidfd));
  /* A second call returns at once. */
  g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
  g_assert_no_error (error);

  /* The status waits for the reap. */
  info = collect (pidfd, async ? GT_HOW_WAIT_ASYNC : GT_HOW_WAIT, &nc);
  assert_non_child_record (info, &nc);
  gt_family_end (&nc);
  g_assert_false (gt_has_children ());
}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (GtHow how = GT_HOW_WAIT; how < GT_N_HOW; how++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/nonchild/status-after-reap/%s",
                                               gt_how_names[how]);

      gt_add_data (path, GUINT_TO_POINTER (how), test_status_after_reap);
    }
  gt_add_data ("/robust/nonchild/uid", NULL, test_uid);
  gt_add_data ("/robust/nonchild/exit-before-status/blocking", GUINT_TO_POINTER (FALSE),
                  test_exit_before_status);
  gt_add_data ("/robust/nonchild/exit-before-status/async", GUINT_TO_POINTER (TRUE),
                  test_exit_before_status);

  return g_test_run ();
}
