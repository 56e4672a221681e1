/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-spawn-paths.c: each way gpidfd makes a child, under seccomp
 *
 * g_pidfd_spawnv() makes the child with clone3 (CLONE_PIDFD | CLONE_VM |
 * CLONE_VFORK); when that is refused, with clone and the same flags; when
 * that is refused too, with fork, the child held until pidfd_open() has
 * answered. The running kernel has them all, so the refusals are
 * simulated, as older kernels (ENOSYS) and container profiles (EPERM)
 * answer, by a seccomp filter installed in a subprocess, by the thread
 * that spawns, before its first spawn; the filter stays on the children
 * it makes, and the report child (gt-report.h) is made to cope.
 *
 * On each path the same promises are checked: the status and resource
 * usage of a child, an exec error reported synchronously with nothing
 * left, only 0, 1, 2 and the passed descriptors open in the child, its
 * signals clean, pipes, a process group, and true statuses with SIGCHLD
 * ignored. Then what only a filter shows: no way at all to hold a child
 * (NOT_SUPPORTED, nothing started), execve() answering ENOEXEC
 * (G_SPAWN_ERROR_NOEXEC), no close_range() (before Linux 5.9) and no way
 * to read /proc either, and no PIDFD_GET_INFO (before 6.13), with which a
 * status the kernel took is unknown, never wrong.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-spawn-private.h"
#include "gt.h"

typedef enum
{
  CHECK_PATH,          /* everything spawning promises, on @path */
  CHECK_NO_WAY,        /* no way to hold a child: NOT_SUPPORTED */
  CHECK_NOEXEC,        /* execve answers ENOEXEC */
  CHECK_HYGIENE,       /* descriptors and signals only */
  CHECK_UNKNOWN,       /* a status the kernel took is unknown, not wrong */
} Check;

typedef struct
{
  const char *name;
  GtCalls blocked;
  int errnum;          /* what the filter answers */
  Check check;
  GPidFdSpawnPath path;
} Row;

static const Row rows[] = {
  /* Linux 5.2, and container runtimes that refuse what they do not know. */
  { "clone3-enosys", GT_CALL_CLONE3, ENOSYS, CHECK_PATH, GPIDFD_SPAWN_PATH_CLONE },
  { "clone3-eperm", GT_CALL_CLONE3, EPERM, CHECK_PATH, GPIDFD_SPAWN_PATH_CLONE },
  /* A sandbox that lets neither make a pidfd. */
  { "clone-pidfd-enosys", GT_CALL_CLONE3 | GT_CALL_CLONE_PIDFD, ENOSYS, CHECK_PATH,
    GPIDFD_SPAWN_PATH_FORK },
  { "clone-pidfd-eperm", GT_CALL_CLONE3 | GT_CALL_CLONE_PIDFD, EPERM, CHECK_PATH,
    GPIDFD_SPAWN_PATH_FORK },
  { "no-pidfd-at-all", GT_CALL_CLONE3 | GT_CALL_CLONE_PIDFD | GT_CALL_PIDFD_OPEN, ENOSYS,
    CHECK_NO_WAY, GPIDFD_SPAWN_PATH_FORK },
  { "execve-enoexec", GT_CALL_EXECVE, ENOEXEC, CHECK_NOEXEC, GPIDFD_SPAWN_PATH_CLONE3 },
  /* Linux 5.8: no close_range(); then without /proc either. */
  { "no-close-range", GT_CALL_CLOSE_RANGE, ENOSYS, CHECK_HYGIENE, GPIDFD_SPAWN_PATH_CLONE3 },
  { "no-close-range-no-proc", GT_CALL_CLOSE_RANGE | GT_CALL_GETDENTS, ENOSYS, CHECK_HYGIENE,
    GPIDFD_SPAWN_PATH_CLONE3 },
  { "no-close-range-fork", GT_CALL_CLOSE_RANGE | GT_CALL_CLONE3 | GT_CALL_CLONE_PIDFD, ENOSYS,
    CHECK_HYGIENE, GPIDFD_SPAWN_PATH_FORK },
  /* Linux 6.12: no PIDFD_GET_INFO, hence no PIDFD_INFO_EXIT. */
  { "no-get-info", GT_CALL_GET_INFO, ENOTTY, CHECK_UNKNOWN, GPIDFD_SPAWN_PATH_CLONE3 },
};

static void
check_basics (const Row *row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GBytes) input = g_bytes_new_static ("through the pipes", 17);
  g_autoptr(GBytes) output = NULL;
  GPid pid;

  child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/bin/sh", "-c", "exit 6", NULL);
  g_assert_no_error (error);
  g_assert_cmpint (gpidfd_spawn_get_path (), ==, row->path);
  pid = g_pidfd_get_pid (child);
  g_assert_true (g_pidfd_is_child (child));
  info = g_pidfd_wait (child, NULL, &error);
  g_assert_no_error (error);
  gt_assert_exited (info, pid, 6);
  g_assert_true (g_pidfd_exit_info_has_rusage (info));
  g_clear_object (&child);
  g_clear_object (&info);

  /* Synchronously reported, nothing left (the wrapper counts
   * descriptors). */
  g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/nonexistent/program", NULL));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/program"));
  g_clear_error (&error);
  g_assert_false (gt_has_children ());

  child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                         "cat", NULL);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_communicate (child, input, NULL, &output, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (input, output));

  /* Killed before it could exec? No: a running program is held. */
  g_clear_object (&child);
  child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "100", NULL);
  g_assert_no_error (error);
  pid = g_pidfd_get_pid (child);
  g_assert_true (g_pidfd_force_exit (child, &error));
  info = g_pidfd_wait (child, NULL, &error);
  g_assert_no_error (error);
  gt_assert_signaled (info, pid, SIGKILL);
}

static void
on_signal (int signum)
{
}

/* 0, 1, 2 and a passed descriptor open in the child, whatever the
 * program leaves open without close-on-exec; its signals as GLib's spawn
 * leaves them; its own process group when asked. */
static void
check_hygiene (const Row *row)
{
  static const int want[] = { 0, 1, 2, 5 };
  g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_auto(GtReport) report = { 0, };
  struct sigaction handler = { .sa_handler = on_signal };
  int leaky = 40;
  int passed[2];

  /* Out of the way of the target, without close-on-exec. */
  g_assert_cmpint (dup2 (0, leaky), ==, leaky);
  g_assert_cmpint (pipe2 (passed, O_CLOEXEC), ==, 0);
  g_pidfd_launcher_take_fd (launcher, passed[1], 5);
  g_pidfd_launcher_set_process_group (launcher, TRUE);
  signal (SIGPIPE, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);
  g_assert_cmpint (sigaction (SIGUSR1, &handler, NULL), ==, 0);

  gt_report_get (launcher, 0, &report);
  g_assert_cmpint (gpidfd_spawn_get_path (), ==, row->path);
  gt_assert_fds (&report, want, G_N_ELEMENTS (want));
  gt_assert_signals (&report, gt_own_ignored_signals () & ~GT_RESET_SIGNALS);
  g_assert_cmpint (report.pgid, ==, report.pid);

  signal (SIGPIPE, SIG_DFL);
  signal (SIGQUIT, SIG_DFL);
  signal (SIGUSR1, SIG_DFL);
  close (leaky);
  close (passed[0]);
}

static void
check_path (const Row *row,
            gboolean   exit_info)
{
  check_basics (row);
  check_hygiene (row);
  /* gpidfd's own probes of the kernel also make children: all done. */
  g_assert_cmpuint (gt_check_statuses (GT_OTHER_SIGCHLD_IGNORED, gt_scale (50, 10), exit_info),
                    ==, exit_info ? 0 : gt_scale (50, 10));
  /* glibc 2.34 and later make threads with clone3 and fall back only on
   * ENOSYS: under a filter answering EPERM no thread can be made at all
   * (which is why container runtimes moved to ENOSYS). */
  if (row->errnum == EPERM && (row->blocked & GT_CALL_CLONE3))
    g_test_message ("no waitpid (-1) thread: clone3 refused with EPERM leaves glibc no threads");
  else
    g_assert_cmpuint (gt_check_statuses (GT_OTHER_WAITPID_THREAD, gt_scale (50, 10), exit_info),
                      <=, exit_info ? 0 : gt_scale (50, 10));
}

static void
check_no_way (const Row *row)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "true", NULL));
  gt_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "pidfd_open", 0);
  g_assert_nonnull (strstr (error->message, "true"));
  g_test_message ("%s", error->message);
  /* The child it had to make is gone. */
  g_assert_false (gt_has_children ());
}

static void
check_noexec (const Row *row)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOEXEC);
  g_assert_nonnull (strstr (error->message, "true"));
  g_test_message ("%s", error->message);
  g_assert_false (gt_has_children ());
}

typedef struct
{
  const Row *row;
  gboolean exit_info;
} Run;

/* The filter binds the thread that installs it and the children it makes:
 * the main thread, which counts descriptors, reads /proc freely. */
static gpointer
filtered_thread (gpointer data)
{
  const Run *run = data;
  const Row *row = run->row;

  gt_seccomp_refuse (row->blocked, row->errnum);
  /* Nothing has spawned yet: the first way is still the one to try. */
  g_assert_cmpint (gpidfd_spawn_get_path (), ==, GPIDFD_SPAWN_PATH_CLONE3);
  switch (row->check)
    {
    case CHECK_PATH:
      check_path (row, run->exit_info);
      break;
    case CHECK_NO_WAY:
      check_no_way (row);
      break;
    case CHECK_NOEXEC:
      check_noexec (row);
      break;
    case CHECK_HYGIENE:
      check_hygiene (row);
      break;
    case CHECK_UNKNOWN:
      /* Without PIDFD_GET_INFO, a status the kernel took is never
       * there: unknown each time, whatever the kernel; ours are whole. */
      g_assert_cmpuint (gt_check_statuses (GT_OTHER_SIGCHLD_IGNORED, gt_scale (50, 10), FALSE),
                        ==, gt_scale (50, 10));
      g_assert_cmpuint (gt_check_statuses (GT_OTHER_NONE, gt_scale (20, 5), FALSE), ==, 0);
      break;
    default:
      g_assert_not_reached ();
    }

  return NULL;
}

static void
test_path (gconstpointer data)
{
  if (g_test_subprocess ())
    {
      /* Asked before the filter: it makes a child of its own. */
      Run run = { data, gt_kernel_has_exit_info () };

      g_thread_join (g_thread_new ("filtered", filtered_thread, &run));
      return;
    }

  g_test_summary ("A way of making the child refused as older kernels or sandboxes refuse "
                  "it: the next way, with the same promises, or NOT_SUPPORTED");
  gt_run_in_subprocess (120);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], GT_REPORT_ARG))
    return gt_report_main (FALSE);

  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/spawn-paths/%s", rows[i].name);

      gt_add_data (path, &rows[i], test_path);
    }

  return g_test_run ();
}
