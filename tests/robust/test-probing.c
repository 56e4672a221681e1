/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-probing.c: features are learnt from the kernel's answers, not
 * from its release string
 *
 * Distribution kernels backport features, and `setarch --uname-2.6`
 * (personality PER_LINUX | UNAME26) makes uname() report 2.6.x on this
 * very kernel. Whatever uname() says, gpidfd must use what the kernel
 * really answers: here, a non-child's wait status read through
 * PIDFD_INFO_EXIT (Linux 6.15) once its parent has reaped it.
 *
 * One table: the release uname() reports (the real one; 2.6.x) x the way
 * of waiting (blocking, try_wait, wait_async, a source) x when the wait
 * starts (after the process exited, before its parent reaps it; after
 * the reap).
 * Each row runs in a forked child that sets the personality before its
 * first gpidfd call (the test process never calls gpidfd, so the child
 * starts with nothing probed). On a kernel without PIDFD_INFO_EXIT the
 * rows skip: there is no status to read. Two more tests check, with and
 * without the personality, that children still get their full records
 * (waitid on the pidfd, with rusage) and that get_pid() and query_info()
 * work (PIDFD_GET_INFO).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gt.h"

#define NON_CHILD_CODE 5

typedef struct
{
  gboolean uname26;
  GtHow how;
  gboolean after_reap;
} Row;

static void
release_middle (gpointer data)
{
  gt_family_release (data);
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  GPidFdExitInfo *info = NULL;
  struct utsname u;
  GtFamily family;
  GtCollect opts = { .what = "a non-child" };

  if (row->uname26)
    {
      g_assert_cmpint (personality (PER_LINUX | UNAME26), !=, -1);
      g_assert_cmpint (uname (&u), ==, 0);
      if (!g_str_has_prefix (u.release, "2.6."))
        gt_fork_skip ("personality (UNAME26) does not change the release here");
    }

  /* A non-child that exits NON_CHILD_CODE once let go; its parent reaps
   * it once released, then exits. */
  gt_family_spawn (&family, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT_GATED, .code = NON_CHILD_CODE,
                     .middle = GT_MIDDLE_REAPS_ON_RELEASE });
  pidfd = g_pidfd_new_from_pid (family.pid, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));

  gt_family_let_exit (&family);
  gt_wait_exited (family.pid, 10);

  if (row->after_reap)
    gt_family_end (&family);
  else
    {
      /* Reaped 200 ms into the wait. */
      opts.meanwhile = release_middle;
      opts.meanwhile_data = &family;
      opts.delay_ms = 200;
    }
  info = gt_collect (pidfd, row->how, &opts, NULL);
  if (!row->after_reap)
    gt_family_end (&family);

  g_assert_nonnull (info);
  if (!g_pidfd_exit_info_has_status (info))
    gt_fail_printf ("non-child %d reaped by its parent: record without status "
                    "(uname() says %s); the kernel has PIDFD_INFO_EXIT",
                    (int) family.pid, uname (&u) == 0 ? u.release : "?");
  else
    gt_assert_exited (info, family.pid, NON_CHILD_CODE);
  g_object_unref (info);
  g_assert_false (gt_has_children ());
}

/* Children under the personality: every way of waiting gives the full
 * record (status and rusage, from waitid on the pidfd), get_pid() and
 * query_info() work (PIDFD_GET_INFO), whatever uname() says. */
static void
children_scenario (gconstpointer data)
{
  gboolean uname26 = GPOINTER_TO_UINT (data);
  struct utsname u;

  if (uname26)
    {
      g_assert_cmpint (personality (PER_LINUX | UNAME26), !=, -1);
      g_assert_cmpint (uname (&u), ==, 0);
      if (!g_str_has_prefix (u.release, "2.6."))
        gt_fork_skip ("personality (UNAME26) does not change the release here");
    }

  for (GtHow how = GT_HOW_WAIT; how < GT_N_HOW; how++)
    {
      int code = 30 + how;
      pid_t pid = gt_spawn_exit (code, 20);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pid, &error);
      g_autoptr(GPidFdProcessInfo) pinfo = NULL;
      GPidFdExitInfo *info = NULL;

      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (pidfd));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
      pinfo = g_pidfd_query_info (pidfd, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_pidfd_process_info_get_ppid (pinfo), ==, getpid ());

      info = gt_collect (pidfd, how, NULL, NULL);
      gt_assert_exited (info, pid, code);
      g_assert_true (g_pidfd_exit_info_has_rusage (info));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
      g_object_unref (info);
    }
  g_assert_false (gt_has_children ());
}

static void
test_children (gconstpointer data)
{
  g_test_summary ("Children get full records and get_pid()/query_info() work "
                  "whatever uname() says");
  gt_fork_run ("children", GT_FORK_PLAIN, 30, children_scenario, data);
}

static void
test_row (gconstpointer data)
{
  g_test_summary ("A non-child's status is read through PIDFD_INFO_EXIT once "
                  "its parent has reaped it, whatever uname() says");
  if (!gt_kernel_has_exit_info ())
    {
      g_test_skip ("the kernel has no PIDFD_INFO_EXIT (Linux 6.15)");
      return;
    }
  gt_fork_run ("non-child status", GT_FORK_PLAIN, 30, scenario, data);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  /* Types and the default main context, nothing that asks the kernel. */
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (guint uname26 = 0; uname26 <= 1; uname26++)
    for (GtHow how = GT_HOW_WAIT; how < GT_N_HOW; how++)
      for (guint after_reap = 0; after_reap <= 1; after_reap++)
        {
          Row row = { uname26, how, after_reap };

          g_array_append_val (rows, row);
        }

  gt_add_data ("/robust/probing/uname-real/children", GUINT_TO_POINTER (FALSE),
                  test_children);
  gt_add_data ("/robust/probing/uname-2.6/children", GUINT_TO_POINTER (TRUE),
                  test_children);

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/probing/%s/%s/%s",
                                               row->uname26 ? "uname-2.6" : "uname-real",
                                               gt_how_names[row->how],
                                               row->after_reap ? "wait-after-reap"
                                                               : "wait-before-reap");

      gt_add_data (path, row, test_row);
    }

  return g_test_run ();
}
