/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-pidns.c: pidfds of processes outside the caller's pid namespace
 *
 * A pidfd can outlive the pid namespace it was opened in: a process that
 * makes a new pid namespace (unshare (CLONE_NEWPID) + fork, as container
 * runtimes and sandboxes do) hands its pidfds down to the namespace's
 * pid 1. There the process has no pid at all: PIDFD_GET_INFO answers
 * EREMOTE, and a /proc left over from the outer namespace gives the pid
 * of another namespace. gpidfd must say 0 ("not visible here", as
 * documented), use /proc only after checking that it is this namespace's,
 * and explain a signal the kernel refuses because of the namespace.
 *
 * One table: the process (the namespace maker's parent, here the test
 * itself; a live sibling outside; a process in a sibling pid namespace; a
 * process outside that exits and is reaped by its parent while we wait)
 * x /proc (the outer one left in place, or the namespace's own) x the
 * PIDFD_GET_INFO ioctl (there; missing, made to answer ENOTTY by a seccomp
 * filter, as before Linux 6.13: then only /proc can tell, and only its
 * own /proc may).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gt.h"

#define TARGET_CODE 5

typedef enum
{
  TARGET_TEST_PROCESS,   /* the test process itself */
  TARGET_OUTER_LIVE,     /* a live child of the test process */
  TARGET_SIBLING_NS,     /* pid 1 of another new pid namespace */
  TARGET_OUTER_EXITS,    /* exits when told; its parent reaps it */
} Target;

typedef struct
{
  Target target;
  gboolean own_proc;
  gboolean no_get_info;
} Row;

static const char *target_names[] = {
  "namespace-maker", "outer-live", "sibling-namespace", "outer-exits-and-is-reaped",
};

/* Set up by the test process, inherited by the namespace's pid 1. */
static struct
{
  pid_t outer_pid;  /* in the test's namespace */
  int pidfd;        /* raw pidfd of the target */
  int gate_wr;      /* TARGET_OUTER_EXITS: a byte makes it exit */
} target;

static void
assert_says_namespace (const GError *error)
{
  g_autofree char *lower = NULL;

  g_assert_nonnull (error);
  lower = g_ascii_strdown (error->message, -1);
  if (strstr (lower, "namespace") == NULL)
    gt_fail_printf ("a signal refused because the process is in another pid "
                    "namespace gave \"%s\" (code %d): the message must say so",
                    error->message, error->code);
  g_test_message ("%s", error->message);
}

static void
inside (gconstpointer data)
{
  const Row *row = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  GPid seen;
  gboolean no_get_info;

  g_assert_cmpint (getpid (), ==, 1);
  if (row->no_get_info)
    {
#ifdef GT_HAVE_SECCOMP
      /* PIDFD_GET_INFO answers ENOTTY, as on a kernel without it. */
      gt_seccomp_refuse (GT_CALL_GET_INFO, 0);
#else
      g_assert_not_reached ();
#endif
    }
  /* Removed, or missing from the running kernel (before Linux 6.13). */
  no_get_info = row->no_get_info || !gpidfd_sys_has_get_info ();

  pidfd = g_pidfd_new_from_fd (target.pidfd, &error);
  g_assert_no_error (error);

  seen = g_pidfd_get_pid (pidfd);
  if (no_get_info && !row->own_proc)
    {
      /* Nothing here can tell the pid: never the outer namespace's. */
      if (seen == target.outer_pid)
        gt_fail_printf ("get_pid() of process %d, outside our pid namespace, without "
                        "PIDFD_GET_INFO and with the outer /proc, gave its pid there",
                        (int) target.outer_pid);
      g_test_message ("get_pid() without PIDFD_GET_INFO, outer /proc: %d", (int) seen);
    }
  else if (seen != 0)
    gt_fail_printf ("get_pid() of process %d, outside our pid namespace (%s /proc%s), "
                    "is %d: want 0", (int) target.outer_pid,
                    row->own_proc ? "own" : "outer",
                    no_get_info ? ", no PIDFD_GET_INFO" : "", (int) seen);
  g_assert_false (g_pidfd_is_child (pidfd));
  g_assert_false (g_pidfd_has_exited (pidfd));

  /* Known, but with no pid here (or, when nothing can tell, no
   * answer at all rather than another namespace's). */
  {
    g_autoptr(GPidFdProcessInfo) pinfo = g_pidfd_query_info (pidfd, &error);

    if (pinfo == NULL && no_get_info && !row->own_proc)
      {
        /* Nothing can tell: the error names what is missing. */
        g_test_message ("query_info without PIDFD_GET_INFO, outer /proc: %s",
                        error->message);
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
        g_assert_nonnull (strstr (error->message, "PIDFD_GET_INFO"));
        g_assert_nonnull (strstr (error->message, "6.13"));
        g_clear_error (&error);
      }
    else
      {
        g_assert_no_error (error);
        g_assert_cmpint (g_pidfd_process_info_get_pid (pinfo), ==, 0);
        g_assert_cmpint (g_pidfd_process_info_get_tgid (pinfo), ==, 0);
      }
  }

  /* Valgrind 3.24 answers ENOSYS for pidfd_send_signal() itself. */
  if (gt_under_valgrind ())
    g_printerr ("under valgrind: pidfd_send_signal() is unknown to valgrind, "
                "the refused signals are not checked\n");
  else
    {
      g_assert_false (g_pidfd_send_signal (pidfd, 0, &error));
      assert_says_namespace (error);
      g_clear_error (&error);
      g_assert_false (g_pidfd_send_signal (pidfd, SIGTERM, &error));
      assert_says_namespace (error);
      g_clear_error (&error);
    }

  if (row->target == TARGET_OUTER_EXITS)
    {
      g_autoptr(GPidFdExitInfo) info = NULL;

      g_assert_cmpint (write (target.gate_wr, "x", 1), ==, 1);
      gt_watchdog_start ("g_pidfd_wait() for a process outside our pid namespace", 5);
      info = g_pidfd_wait (pidfd, NULL, &error);
      gt_watchdog_stop ();
      g_assert_no_error (error);
      g_assert_true (g_pidfd_has_exited (pidfd));
      /* Never a made-up status: the real one, or none. */
      if (g_pidfd_exit_info_has_status (info))
        {
          g_assert_true (g_pidfd_exit_info_get_if_exited (info));
          g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, TARGET_CODE);
        }
      g_assert_cmpint (g_pidfd_exit_info_get_pid (info), <=, 0);
    }
  /* The inherited descriptors are closed when this process ends. */
}

static void
test_row (gconstpointer data)
{
  const Row *row = data;
  GtForkFlags flags = GT_FORK_NEW_PIDNS | (row->own_proc ? GT_FORK_MOUNT_PROC : 0);
  g_autofree char *why = gt_pidns_unavailable (flags);
  GtFamily family = { 0, };

#ifndef GT_HAVE_SECCOMP
  if (row->no_get_info)
    {
      g_test_skip ("built without libseccomp: the ioctl cannot be removed");
      return;
    }
#endif

  g_test_summary ("A pidfd of a process outside the caller's pid namespace: "
                  "get_pid() 0, signals refused with a message naming the "
                  "namespace, waits that end with the real status or none");
  if (why != NULL)
    {
      g_test_skip (why);
      return;
    }

  target.gate_wr = -1;
  switch (row->target)
    {
    case TARGET_TEST_PROCESS:
      target.outer_pid = getpid ();
      break;
    case TARGET_OUTER_LIVE:
      target.outer_pid = gt_spawn_pause ();
      break;
    case TARGET_SIBLING_NS:
      /* Pid 1 of a pid namespace of its own; its parent is our child. */
      g_assert_true (gt_family_spawn (&family, &(GtFamilySpec) {
                                        .does = GT_DOES_PAUSE, .middle = GT_MIDDLE_REAPS,
                                        .new_pidns = TRUE }));
      target.outer_pid = family.pid;
      break;
    case TARGET_OUTER_EXITS:
      /* It exits once let go; its parent reaps it at once. The gate goes
       * to the namespace's pid 1, which lets it go. */
      gt_family_spawn (&family, &(GtFamilySpec) {
                         .does = GT_DOES_EXIT_GATED, .code = TARGET_CODE,
                         .middle = GT_MIDDLE_REAPS });
      target.outer_pid = family.pid;
      target.gate_wr = family.gate_wr;
      family.gate_wr = -1;
      break;
    default:
      g_assert_not_reached ();
    }
  target.pidfd = (int) syscall (SYS_pidfd_open, target.outer_pid, 0);
  g_assert_cmpint (target.pidfd, >=, 0);

  if (gt_under_valgrind ())
    g_test_message ("under valgrind: pidfd_send_signal() is unknown to valgrind 3.24, "
                    "the refused signals are not checked");
  gt_fork_run ("pid 1 of a new pid namespace", flags, 30, inside, row);

  close (target.pidfd);
  if (target.gate_wr >= 0)
    close (target.gate_wr);

  switch (row->target)
    {
    case TARGET_TEST_PROCESS:
      break;
    case TARGET_OUTER_LIVE:
      /* The refused signal did not arrive. */
      g_assert_false (gt_is_unreaped_zombie (target.outer_pid));
      g_assert_cmpint (kill (target.outer_pid, SIGKILL), ==, 0);
      g_assert_true (WIFSIGNALED (gt_reap (target.outer_pid)));
      break;
    case TARGET_SIBLING_NS:
      g_assert_cmpint (kill (target.outer_pid, SIGKILL), ==, 0);
      gt_family_end (&family);
      break;
    case TARGET_OUTER_EXITS:
      gt_family_end (&family);
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_false (gt_has_children ());
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (Target t = TARGET_TEST_PROCESS; t <= TARGET_OUTER_EXITS; t++)
    for (guint own_proc = 0; own_proc <= 1; own_proc++)
      for (guint no_get_info = 0; no_get_info <= 1; no_get_info++)
        {
          Row row = { t, own_proc, no_get_info };

          g_array_append_val (rows, row);
        }

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/pidns/%s/%s/%s",
                                               target_names[row->target],
                                               row->own_proc ? "own-proc" : "outer-proc",
                                               row->no_get_info ? "no-get-info" : "get-info");

      gt_add_data (path, row, test_row);
    }

  return g_test_run ();
}
