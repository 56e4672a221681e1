/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-parentage.c: a process that becomes the caller's child after it
 * was opened
 *
 * A grandchild is opened while its parent (the middle process) lives, so
 * it is not the caller's child then. The middle process exits and the
 * caller reaps it: the grandchild is reparented to the caller, which is a
 * child subreaper (PR_SET_CHILD_SUBREAPER) or pid 1 of a pid namespace.
 * From then on only the caller can reap it, and gpidfd must: whether the
 * caller is the parent is decided when the status is collected, not when
 * the pidfd was opened.
 *
 * One table: the way the status is collected (blocking wait, try_wait,
 * wait_async, a source) x the way the process becomes ours (subreaper,
 * pid 1 of a new pid namespace) x when the wait starts (before the
 * reparenting, after it) x when the grandchild exits (after it was
 * reparented, or before, as a zombie that the reparenting hands over)
 * x the flags (none, NO_REAP). Each row runs in a forked child (the
 * subreaper bit and the namespace stay there) bounded in time, and checks
 * the record, is_child before and after, and that no zombie is left (or,
 * with NO_REAP, that exactly the zombie is left for the caller).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gt.h"

#define GRANDCHILD_CODE 7

typedef enum
{
  VIA_SUBREAPER,
  VIA_PIDNS_INIT,
} Via;

typedef enum
{
  START_AFTER_REPARENT,
  START_BEFORE_REPARENT,
} Start;

typedef enum
{
  EXIT_AFTER_REPARENT,
  EXIT_BEFORE_REPARENT,
} Exit;

typedef struct
{
  GtHow how;
  Via via;
  Start start;
  Exit exit;
  GPidFdFlags flags;
} Row;

static const char *via_names[] = { "subreaper", "pidns-init" };
static const char *start_names[] = { "wait-after-reparent", "wait-before-reparent" };
static const char *exit_names[] = { "exit-after-reparent", "exit-before-reparent" };

/* The middle process and its gated grandchild, which exits
 * GRANDCHILD_CODE once let go; the middle process never reaps it, and
 * exits once released. */
typedef struct
{
  GtFamily f;
  const Row *row;
} Family;

static void
family_spawn (Family *family)
{
  gt_family_spawn (&family->f, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT_GATED, .code = GRANDCHILD_CODE,
                     .middle = GT_MIDDLE_NEVER_REAPS });
}

/* What happens after the wait has started, in the row's order. The
 * middle process exits; once it is reaped, the grandchild (alive or a
 * zombie) is ours. */
static void
family_play (gpointer data)
{
  Family *family = data;

  if (family->row->exit == EXIT_BEFORE_REPARENT)
    {
      gt_family_let_exit (&family->f);
      gt_wait_exited (family->f.pid, 10);
      gt_family_end (&family->f);
    }
  else
    {
      gt_family_end (&family->f);
      gt_family_let_exit (&family->f);
    }
}

/* Collects the record; with @play_meanwhile, the family plays its part
 * 100 ms into the wait, once the wait has settled as one for a
 * non-child. */
static GPidFdExitInfo *
collect (GPidFd  *pidfd,
         GtHow    how,
         Family  *family,
         gboolean play_meanwhile)
{
  GtCollect opts = {
    .what = "a grandchild reparented to the caller",
    .timeout_s = 5,
    .meanwhile = play_meanwhile ? family_play : NULL,
    .meanwhile_data = family,
    .delay_ms = 100,
  };

  return gt_collect (pidfd, how, &opts, NULL);
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  Family family = { .row = row };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  if (row->via == VIA_SUBREAPER)
    g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), ==, 0);
  else
    g_assert_cmpint (getpid (), ==, 1);

  family_spawn (&family);

  pidfd = g_pidfd_new_from_pid_full (family.f.pid, row->flags, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, family.f.pid);

  if (row->start == START_AFTER_REPARENT)
    {
      family_play (&family);
      /* is_child answers for now (checked, then the wait is tried too). */
      if (!g_pidfd_is_child (pidfd))
        gt_fail_printf ("is_child FALSE for process %d after it was reparented to us",
                        family.f.pid);
      info = collect (pidfd, row->how, &family, FALSE);
    }
  else
    info = collect (pidfd, row->how, &family, TRUE);
  g_assert_true (g_pidfd_is_child (pidfd));

  gt_assert_exited (info, family.f.pid, GRANDCHILD_CODE);
  g_assert_cmpint (g_pidfd_exit_info_get_uid (info), ==, getuid ());

  if (row->flags & G_PIDFD_FLAGS_NO_REAP)
    {
      int status;

      /* Read with WNOWAIT: the zombie is the caller's to reap. */
      g_assert_true (gt_is_unreaped_zombie (family.f.pid));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, family.f.pid);
      status = gt_reap (family.f.pid);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, GRANDCHILD_CODE);
    }
  else
    {
      /* Reaped by gpidfd: no zombie left. */
      g_assert_false (gt_is_unreaped_zombie (family.f.pid));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
    }
  g_assert_false (gt_has_children ());

  /* The record is kept. */
  {
    g_autoptr(GPidFdExitInfo) again = g_pidfd_wait (pidfd, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (again == info);
  }
}

static void
test_row (gconstpointer data)
{
  const Row *row = data;
  GtForkFlags flags = GT_FORK_PLAIN;

  g_test_summary ("A grandchild opened before it was reparented to the caller "
                  "is collected, with its status, once it is the caller's child");

  if (row->via == VIA_PIDNS_INIT)
    {
      g_autofree char *why = gt_pidns_unavailable (GT_FORK_NEW_PIDNS);

      if (why != NULL)
        {
          g_test_skip (why);
          return;
        }
      flags = GT_FORK_NEW_PIDNS;
    }

  gt_fork_run ("reparented grandchild", flags, 30, scenario, row);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (GtHow how = GT_HOW_WAIT; how < GT_N_HOW; how++)
    for (Via via = VIA_SUBREAPER; via <= VIA_PIDNS_INIT; via++)
      for (Start start = START_AFTER_REPARENT; start <= START_BEFORE_REPARENT; start++)
        for (Exit ex = EXIT_AFTER_REPARENT; ex <= EXIT_BEFORE_REPARENT; ex++)
          for (guint no_reap = 0; no_reap <= 1; no_reap++)
            {
              Row row = { how, via, start, ex, no_reap ? G_PIDFD_FLAGS_NO_REAP : 0 };

              g_array_append_val (rows, row);
            }

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/parentage/%s/%s/%s/%s%s",
                                               via_names[row->via], gt_how_names[row->how],
                                               start_names[row->start], exit_names[row->exit],
                                               row->flags ? "/no-reap" : "");

      gt_add_data (path, row, test_row);
    }

  return g_test_run ();
}
