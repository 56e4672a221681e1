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
 * it makes, and the report child (spawn-common.h) is made to cope.
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
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-spawn-private.h"
#include "robust-common.h"
#include "spawn-common.h"

#ifndef CLONE_PIDFD
# define CLONE_PIDFD 0x00001000
#endif

enum {
  BLOCK_CLONE3       = 1 << 0,
  BLOCK_CLONE_PIDFD  = 1 << 1,  /* clone () with CLONE_PIDFD only */
  BLOCK_PIDFD_OPEN   = 1 << 2,
  BLOCK_EXECVE       = 1 << 3,
  BLOCK_CLOSE_RANGE  = 1 << 4,
  BLOCK_GETDENTS     = 1 << 5,
  BLOCK_GET_INFO     = 1 << 6,
};

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
  guint blocked;
  int errnum;          /* what the filter answers */
  Check check;
  GPidFdSpawnPath path;
} Row;

static const Row rows[] = {
  /* Linux 5.2, and container runtimes that refuse what they do not know. */
  { "clone3-enosys", BLOCK_CLONE3, ENOSYS, CHECK_PATH, GPIDFD_SPAWN_PATH_CLONE },
  { "clone3-eperm", BLOCK_CLONE3, EPERM, CHECK_PATH, GPIDFD_SPAWN_PATH_CLONE },
  /* A sandbox that lets neither make a pidfd. */
  { "clone-pidfd-enosys", BLOCK_CLONE3 | BLOCK_CLONE_PIDFD, ENOSYS, CHECK_PATH,
    GPIDFD_SPAWN_PATH_FORK },
  { "clone-pidfd-eperm", BLOCK_CLONE3 | BLOCK_CLONE_PIDFD, EPERM, CHECK_PATH,
    GPIDFD_SPAWN_PATH_FORK },
  { "no-pidfd-at-all", BLOCK_CLONE3 | BLOCK_CLONE_PIDFD | BLOCK_PIDFD_OPEN, ENOSYS, CHECK_NO_WAY,
    GPIDFD_SPAWN_PATH_FORK },
  { "execve-enoexec", BLOCK_EXECVE, ENOEXEC, CHECK_NOEXEC, GPIDFD_SPAWN_PATH_CLONE3 },
  /* Linux 5.8: no close_range(); then without /proc either. */
  { "no-close-range", BLOCK_CLOSE_RANGE, ENOSYS, CHECK_HYGIENE, GPIDFD_SPAWN_PATH_CLONE3 },
  { "no-close-range-no-proc", BLOCK_CLOSE_RANGE | BLOCK_GETDENTS, ENOSYS, CHECK_HYGIENE,
    GPIDFD_SPAWN_PATH_CLONE3 },
  { "no-close-range-fork", BLOCK_CLOSE_RANGE | BLOCK_CLONE3 | BLOCK_CLONE_PIDFD, ENOSYS,
    CHECK_HYGIENE, GPIDFD_SPAWN_PATH_FORK },
  /* Linux 6.12: no PIDFD_GET_INFO, hence no PIDFD_INFO_EXIT. */
  { "no-get-info", BLOCK_GET_INFO, ENOTTY, CHECK_UNKNOWN, GPIDFD_SPAWN_PATH_CLONE3 },
};

static void
install_filter (guint blocked,
                int   errnum)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);

  g_assert_nonnull (ctx);
  if (blocked & BLOCK_CLONE3)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), SCMP_SYS (clone3), 0), ==, 0);
  if (blocked & BLOCK_CLONE_PIDFD)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), SCMP_SYS (clone), 1,
                                       SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_PIDFD, CLONE_PIDFD)),
                     ==, 0);
  if (blocked & BLOCK_PIDFD_OPEN)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), SCMP_SYS (pidfd_open), 0),
                     ==, 0);
  if (blocked & BLOCK_EXECVE)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), SCMP_SYS (execve), 0), ==, 0);
  if (blocked & BLOCK_CLOSE_RANGE)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), SCMP_SYS (close_range), 0),
                     ==, 0);
  if (blocked & BLOCK_GETDENTS)
    g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), SCMP_SYS (getdents64), 0),
                     ==, 0);
  if (blocked & BLOCK_GET_INFO)
    {
      /* Type 0xFF, number 11, whatever the size encoded in the request. */
      g_assert_cmpint (seccomp_rule_add (ctx, SCMP_ACT_ERRNO (errnum), SCMP_SYS (ioctl), 1,
                                         SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xFFFF, 0xFF0B)), ==, 0);
    }

  g_assert_cmpint (seccomp_load (ctx), ==, 0);
  seccomp_release (ctx);
}

/* The filter does what it says: raw calls, that leave gpidfd's memory of
 * refusals alone. */
static void
check_filter (const Row *row)
{
  if (row->blocked & BLOCK_CLONE3)
    {
      errno = 0;
      g_assert_cmpint (syscall (SYS_clone3, NULL, 0), ==, -1);
      g_assert_cmpint (errno, ==, row->errnum);
    }
  if (row->blocked & BLOCK_CLOSE_RANGE)
    {
      errno = 0;
      g_assert_cmpint (syscall (SYS_close_range, 1000, 1000, 0), ==, -1);
      g_assert_cmpint (errno, ==, row->errnum);
    }
  g_assert_cmpint (gpidfd_spawn_get_path (), ==, GPIDFD_SPAWN_PATH_CLONE3);
}

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
  gpt_assert_exited (info, pid, 6);
  g_assert_true (g_pidfd_exit_info_has_rusage (info));
  g_clear_object (&child);
  g_clear_object (&info);

  /* Synchronously reported, nothing left (the wrapper counts
   * descriptors). */
  g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/nonexistent/program", NULL));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, "/nonexistent/program"));
  g_clear_error (&error);
  g_assert_false (rb_has_children ());

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
  gpt_assert_signaled (info, pid, SIGKILL);
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
  g_auto(ScReport) report = { 0, };
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

  sc_report_get (launcher, 0, &report);
  g_assert_cmpint (gpidfd_spawn_get_path (), ==, row->path);
  sc_assert_fds (&report, want, G_N_ELEMENTS (want));
  sc_assert_signals (&report, sc_own_ignored_signals () & ~SC_RESET_SIGNALS);
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
  g_assert_cmpuint (sc_check_statuses (SC_OTHER_SIGCHLD_IGNORED, gpt_scale (50, 10), exit_info),
                    ==, exit_info ? 0 : gpt_scale (50, 10));
  /* glibc 2.34 and later make threads with clone3 and fall back only on
   * ENOSYS: under a filter answering EPERM no thread can be made at all
   * (which is why container runtimes moved to ENOSYS). */
  if (row->errnum == EPERM && (row->blocked & BLOCK_CLONE3))
    g_test_message ("no waitpid (-1) thread: clone3 refused with EPERM leaves glibc no threads");
  else
    g_assert_cmpuint (sc_check_statuses (SC_OTHER_WAITPID_THREAD, gpt_scale (50, 10), exit_info),
                      <=, exit_info ? 0 : gpt_scale (50, 10));
}

static void
check_no_way (const Row *row)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "true", NULL));
  rb_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "pidfd_open", 0);
  g_assert_nonnull (strstr (error->message, "true"));
  g_test_message ("%s", error->message);
  /* The child it had to make is gone. */
  g_assert_false (rb_has_children ());
}

static void
check_noexec (const Row *row)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOEXEC);
  g_assert_nonnull (strstr (error->message, "true"));
  g_test_message ("%s", error->message);
  g_assert_false (rb_has_children ());
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

  install_filter (row->blocked, row->errnum);
  check_filter (row);
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
      g_assert_cmpuint (sc_check_statuses (SC_OTHER_SIGCHLD_IGNORED, gpt_scale (50, 10), FALSE),
                        ==, gpt_scale (50, 10));
      g_assert_cmpuint (sc_check_statuses (SC_OTHER_NONE, gpt_scale (20, 5), FALSE), ==, 0);
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
      Run run = { data, rb_kernel_has_exit_info () };

      g_thread_join (g_thread_new ("filtered", filtered_thread, &run));
      return;
    }

  g_test_summary ("A way of making the child refused as older kernels or sandboxes refuse "
                  "it: the next way, with the same promises, or NOT_SUPPORTED");
  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  /* Not fatal: with --keep-going every row reports. */
  if (!g_test_trap_has_passed ())
    g_test_fail_printf ("the subprocess failed (its stderr is above)");
}

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], SC_REPORT_ARG))
    return sc_report_main (FALSE);

  g_test_init (&argc, &argv, NULL);
  rb_warm_up ();

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/spawn-paths/%s", rows[i].name);

      gpt_add_checked (path, &rows[i], test_path);
    }

  return g_test_run ();
}
