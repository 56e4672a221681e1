/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spawn-common.h: what the spawn suites share (test-spawn.c, and the same
 * checks on each way of making the child in robust/test-spawn-paths.c):
 * the suite's own binary, run with --report, tells how it started: its
 * open descriptors, its signal mask and ignored and caught signals, its
 * process group.
 *
 * Each function is static and unused-tolerant: a suite compiles the ones
 * it calls. */

#pragma once

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include "robust-common.h"

G_BEGIN_DECLS

#define SC_FUNC static G_GNUC_UNUSED

#define SC_REPORT_ARG "--report"
#define SC_REPORT_STDERR_ARG "--report-stderr"

/* In the child (main, before g_test_init): prints the report, on stdout
 * (or, with @to_stderr, on stderr). Plain libc, so that nothing of GLib
 * opens a descriptor first. */
SC_FUNC int
sc_report_main (gboolean to_stderr)
{
  FILE *out = to_stderr ? stderr : stdout;
  DIR *dir = opendir ("/proc/self/fd");
  struct dirent *entry;
  char line[256];
  FILE *status;

  fprintf (out, "fds");
  if (dir != NULL && (entry = readdir (dir)) != NULL)
    {
      do
        {
          if (entry->d_name[0] != '.' && atoi (entry->d_name) != dirfd (dir))
            fprintf (out, " %d", atoi (entry->d_name));
        }
      while ((entry = readdir (dir)) != NULL);
    }
  else
    {
      /* A filter may refuse to read directories: each number then. */
      for (int fd = 0; fd < 1024; fd++)
        {
          if ((dir == NULL || fd != dirfd (dir)) && fcntl (fd, F_GETFD) >= 0)
            fprintf (out, " %d", fd);
        }
    }
  fprintf (out, "\n");
  if (dir != NULL)
    closedir (dir);

  status = fopen ("/proc/self/status", "re");
  if (status == NULL)
    return 3;
  while (fgets (line, sizeof line, status) != NULL)
    {
      if (strncmp (line, "SigBlk:", 7) == 0 || strncmp (line, "SigIgn:", 7) == 0 ||
          strncmp (line, "SigCgt:", 7) == 0)
        fputs (line, out);
    }
  fclose (status);

  fprintf (out, "pid: %d\npgid: %d\n", (int) getpid (), (int) getpgrp ());
  for (int fd = 0; fd <= 2; fd++)
    {
      char path[32];
      char target[256];
      ssize_t n;

      snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
      n = readlink (path, target, sizeof target - 1);
      fprintf (out, "fd%d: %.*s\n", fd, n > 0 ? (int) n : 0, target);
    }

  return 0;
}

typedef struct
{
  GArray *fds;     /* int, ascending */
  guint64 sigblk;
  guint64 sigign;
  guint64 sigcgt;
  int pid;
  int pgid;
  char *std[3];    /* what 0, 1 and 2 are: "/dev/null", "pipe:[...]" */
} ScReport;

SC_FUNC void
sc_report_clear (ScReport *report)
{
  g_clear_pointer (&report->fds, g_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (report->std); i++)
    g_clear_pointer (&report->std[i], g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ScReport, sc_report_clear)

SC_FUNC gint
sc_compare_ints (gconstpointer a,
                 gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

SC_FUNC void
sc_report_parse (const char *text,
                 ScReport   *report)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint seen = 0;

  report->fds = g_array_new (FALSE, FALSE, sizeof (int));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *value = strchr (line, ':') != NULL ? strchr (line, ':') + 1 : NULL;

      if (g_str_has_prefix (line, "fds"))
        {
          g_auto(GStrv) words = g_strsplit (line + 3, " ", -1);

          for (guint j = 0; words[j] != NULL; j++)
            {
              if (words[j][0] != '\0')
                {
                  int fd = atoi (words[j]);

                  g_array_append_val (report->fds, fd);
                }
            }
          g_array_sort (report->fds, sc_compare_ints);
          seen |= 1;
        }
      else if (g_str_has_prefix (line, "SigBlk:"))
        report->sigblk = g_ascii_strtoull (value, NULL, 16), seen |= 2;
      else if (g_str_has_prefix (line, "SigIgn:"))
        report->sigign = g_ascii_strtoull (value, NULL, 16), seen |= 4;
      else if (g_str_has_prefix (line, "SigCgt:"))
        report->sigcgt = g_ascii_strtoull (value, NULL, 16), seen |= 8;
      else if (g_str_has_prefix (line, "pid:"))
        report->pid = atoi (value), seen |= 16;
      else if (g_str_has_prefix (line, "pgid:"))
        report->pgid = atoi (value), seen |= 32;
      else if (line[0] == 'f' && line[1] == 'd' && line[2] >= '0' && line[2] <= '2' &&
               line[3] == ':')
        report->std[line[2] - '0'] = g_strstrip (g_strdup (value)), seen |= 64 << (line[2] - '0');
    }
  if (seen != 511)
    g_error ("incomplete report from the child: \"%s\"", text);
}

/* This suite's own binary. */
SC_FUNC const char *
sc_self_exe (void)
{
  static char *path;

  if (path == NULL)
    path = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (path);

  return path;
}

/* Starts the report child with @launcher (or g_pidfd_spawnv when NULL,
 * with @flags and a stdout pipe), reads its report and reaps it. */
SC_FUNC void
sc_report_get (GPidFdLauncher   *launcher,
               GSubprocessFlags  flags,
               ScReport         *report)
{
  const char *argv[] = { sc_self_exe (), SC_REPORT_ARG, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autofree char *out = NULL;
  GPid pid;

  if (launcher != NULL)
    child = g_pidfd_launcher_spawnv (launcher, argv, &error);
  else
    child = g_pidfd_spawnv (argv, flags | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  pid = g_pidfd_get_pid (child);
  g_assert_true (g_pidfd_communicate_utf8 (child, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  info = g_pidfd_wait (child, NULL, &error);
  g_assert_no_error (error);
  gpt_assert_exited (info, pid, 0);

  sc_report_parse (out, report);
  g_assert_cmpint (report->pid, ==, pid);
}

/* Asserts that the child had exactly @fds open (ascending). */
SC_FUNC void
sc_assert_fds (const ScReport *report,
               const int      *fds,
               guint           n_fds)
{
  gboolean same = report->fds->len == n_fds;

  for (guint i = 0; same && i < n_fds; i++)
    same = g_array_index (report->fds, int, i) == fds[i];
  if (!same)
    {
      g_autoptr(GString) got = g_string_new (NULL);

      for (guint i = 0; i < report->fds->len; i++)
        g_string_append_printf (got, " %d", g_array_index (report->fds, int, i));
      g_error ("the child had descriptors%s open; want %u of them", got->str, n_fds);
    }
}

SC_FUNC guint64
sc_sigbit (int signum)
{
  return G_GUINT64_CONSTANT (1) << (signum - 1);
}

/* The signals this process ignores (SigIgn of /proc/self/status). */
SC_FUNC guint64
sc_own_ignored_signals (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nSigIgn:");
  g_assert_nonnull (line);

  return g_ascii_strtoull (line + strlen ("\nSigIgn:"), NULL, 16);
}

/* The signals GLib's spawn, and gpidfd's by default, start at their
 * default even when the parent ignores them. */
#define SC_RESET_SIGNALS (sc_sigbit (SIGCHLD) | sc_sigbit (SIGINT) | sc_sigbit (SIGTERM) | \
                          sc_sigbit (SIGHUP) | sc_sigbit (SIGPIPE))

/* The signal state GLib's spawn leaves a child in, with @ignored the
 * signals it should still ignore: an empty mask, nothing caught. An
 * instrumented child (ASan) installs handlers of its own before main. */
SC_FUNC void
sc_assert_signals (const ScReport *report,
                   guint64         ignored)
{
  guint64 caught = rb_heap_is_instrumented () ? 0 : report->sigcgt;

  if (report->sigblk != 0 || caught != 0 || report->sigign != ignored)
    g_error ("child signals: blocked %016" G_GINT64_MODIFIER "x, ignored %016"
             G_GINT64_MODIFIER "x, caught %016" G_GINT64_MODIFIER "x; want 0, %016"
             G_GINT64_MODIFIER "x, 0", report->sigblk, report->sigign, report->sigcgt, ignored);
}

/* Whether @pid is gone: no longer an unreaped child of ours. */
SC_FUNC gboolean
sc_reaped (pid_t pid)
{
  siginfo_t si;

  return waitid (P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 && errno == ECHILD;
}

/* Waits until @pid has been reaped, by whoever: fails after @timeout_s. */
SC_FUNC void
sc_wait_reaped (pid_t pid,
                guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!sc_reaped (pid))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("process %d was not reaped within %u s", (int) pid, timeout_s);
      g_usleep (2000);
    }
}

/* What else in the program reaps children. */
typedef enum
{
  SC_OTHER_NONE,
  SC_OTHER_SIGCHLD_IGNORED,   /* the kernel reaps them at once */
  SC_OTHER_NOCLDWAIT,         /* likewise, with SA_NOCLDWAIT */
  SC_OTHER_WAITPID_THREAD,    /* another thread loops in waitpid (-1) */
} ScOther;

static gint sc_waitpid_stop;
static gint sc_waitpid_reaped;

SC_FUNC gpointer
sc_waitpid_thread (gpointer user_data)
{
  while (!g_atomic_int_get (&sc_waitpid_stop))
    {
      int status;

      if (waitpid (-1, &status, 0) > 0)
        g_atomic_int_inc (&sc_waitpid_reaped);
      else if (errno == ECHILD)
        g_usleep (100);
    }

  return NULL;
}

/* With @other reaping behind gpidfd's back, spawns @n shells that exit
 * with varied codes or kill themselves, waits for each (blocking and
 * asynchronously, in turn) and checks its record: the true status, or,
 * only where the kernel does not keep a status someone else took
 * (@exit_info FALSE: before Linux 6.15), unknown; never a wrong one. A
 * program that cannot run is still reported. Returns how many records
 * were unknown. */
SC_FUNC guint
sc_check_statuses (ScOther  other,
                   guint    n,
                   gboolean exit_info)
{
  GMainContext *context = g_main_context_new ();
  struct sigaction sa = { .sa_handler = SIG_DFL };
  struct sigaction old;
  GThread *thread = NULL;
  guint unknown = 0;

  sigemptyset (&sa.sa_mask);
  if (other == SC_OTHER_SIGCHLD_IGNORED)
    sa.sa_handler = SIG_IGN;
  else if (other == SC_OTHER_NOCLDWAIT)
    sa.sa_flags = SA_NOCLDWAIT;
  g_assert_cmpint (sigaction (SIGCHLD, &sa, &old), ==, 0);
  if (other == SC_OTHER_WAITPID_THREAD)
    {
      g_atomic_int_set (&sc_waitpid_stop, 0);
      thread = g_thread_new ("waitpid", sc_waitpid_thread, NULL);
    }
  g_main_context_push_thread_default (context);

  for (guint i = 0; i < n; i++)
    {
      int code = (int) (i * 7 % 256);
      gboolean killed = i % 5 == 4;
      g_autofree char *command = killed ? g_strdup ("kill -TERM $$")
                                        : g_strdup_printf ("exit %d", code);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error,
                                               "/bin/sh", "-c", command, NULL);
      g_autoptr(GPidFdExitInfo) info = NULL;
      g_autofree char *name = NULL;
      GPid pid;

      g_assert_no_error (error);
      /* It may be gone already, and get_pid () then -1: the pid it was
       * started with is in its name. */
      name = g_pidfd_to_string (child);
      pid = atoi (name);
      g_assert_cmpint (pid, >, 0);
      if (i % 2 == 0)
        info = g_pidfd_wait (child, NULL, &error);
      else
        {
          g_pidfd_wait_async (child, NULL, rb_store_wait_result, &info);
          gpt_run_until_set (context, &info, 30);
        }
      g_assert_no_error (error);

      g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
      if (!g_pidfd_exit_info_has_status (info))
        {
          if (exit_info || other == SC_OTHER_NONE)
            g_error ("spawn %u (process %d): status lost on a kernel with PIDFD_INFO_EXIT",
                     i, pid);
          unknown++;
        }
      else if (killed)
        gpt_assert_signaled (info, pid, SIGTERM);
      else
        gpt_assert_exited (info, pid, code);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/nonexistent", NULL));
    g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
  }

  if (thread != NULL)
    {
      g_atomic_int_set (&sc_waitpid_stop, 1);
      g_thread_join (thread);
      g_test_message ("the other thread reaped %d of %u", g_atomic_int_get (&sc_waitpid_reaped),
                      n);
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_assert_cmpint (sigaction (SIGCHLD, &old, NULL), ==, 0);

  return unknown;
}

G_END_DECLS
