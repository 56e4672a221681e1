/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-report.c: how a spawned child started, as it reports it, and the
 * statuses of children while the rest of the program reaps behind
 * gpidfd's back */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gt-collect.h"
#include "gt-fds.h"
#include "gt-report.h"
#include "gt-run.h"

int
gt_report_main (gboolean to_stderr)
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

void
gt_report_clear (GtReport *report)
{
  g_clear_pointer (&report->fds, g_array_unref);
  for (guint i = 0; i < G_N_ELEMENTS (report->std); i++)
    g_clear_pointer (&report->std[i], g_free);
}

static gint
compare_ints (gconstpointer a,
              gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

void
gt_report_parse (const char *text,
                 GtReport   *report)
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
          g_array_sort (report->fds, compare_ints);
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

const char *
gt_self_exe (void)
{
  static char *path;

  if (path == NULL)
    path = g_file_read_link ("/proc/self/exe", NULL);
  g_assert_nonnull (path);

  return path;
}

void
gt_report_get (GPidFdLauncher   *launcher,
               GSubprocessFlags  flags,
               GtReport         *report)
{
  const char *argv[] = { gt_self_exe (), GT_REPORT_ARG, NULL };
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
  info = gt_wait (child);
  gt_assert_exited (info, pid, 0);

  gt_report_parse (out, report);
  g_assert_cmpint (report->pid, ==, pid);
}

void
gt_assert_fds (const GtReport *report,
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

void
gt_assert_signals (const GtReport *report,
                   guint64         ignored)
{
  guint64 caught = gt_heap_is_instrumented () ? 0 : report->sigcgt;

  if (report->sigblk != 0 || caught != 0 || report->sigign != ignored)
    g_error ("child signals: blocked %016" G_GINT64_MODIFIER "x, ignored %016"
             G_GINT64_MODIFIER "x, caught %016" G_GINT64_MODIFIER "x; want 0, %016"
             G_GINT64_MODIFIER "x, 0", report->sigblk, report->sigign, report->sigcgt, ignored);
}

guint64
gt_sigbit (int signum)
{
  return G_GUINT64_CONSTANT (1) << (signum - 1);
}

guint64
gt_own_ignored_signals (void)
{
  return gt_self_status_number ("SigIgn", 16);
}

static gint waitpid_stop;
static gint waitpid_reaped;

static gpointer
waitpid_thread (gpointer user_data)
{
  while (!g_atomic_int_get (&waitpid_stop))
    {
      int status;

      if (waitpid (-1, &status, 0) > 0)
        g_atomic_int_inc (&waitpid_reaped);
      else if (errno == ECHILD)
        g_usleep (100);
    }

  return NULL;
}

guint
gt_check_statuses (GtOther  other,
                   guint    n,
                   gboolean exit_info)
{
  GMainContext *context = g_main_context_new ();
  struct sigaction sa = { .sa_handler = SIG_DFL };
  struct sigaction old;
  GThread *thread = NULL;
  guint unknown = 0;

  sigemptyset (&sa.sa_mask);
  if (other == GT_OTHER_SIGCHLD_IGNORED)
    sa.sa_handler = SIG_IGN;
  else if (other == GT_OTHER_NOCLDWAIT)
    sa.sa_flags = SA_NOCLDWAIT;
  g_assert_cmpint (sigaction (SIGCHLD, &sa, &old), ==, 0);
  if (other == GT_OTHER_WAITPID_THREAD)
    {
      g_atomic_int_set (&waitpid_stop, 0);
      thread = g_thread_new ("waitpid", waitpid_thread, NULL);
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
          g_pidfd_wait_async (child, NULL, gt_store_wait_result, &info);
          gt_run_until_set (context, &info, 30);
        }
      g_assert_no_error (error);

      g_assert_cmpint (g_pidfd_exit_info_get_pid (info), ==, pid);
      if (!g_pidfd_exit_info_has_status (info))
        {
          if (exit_info || other == GT_OTHER_NONE)
            g_error ("spawn %u (process %d): status lost on a kernel with PIDFD_INFO_EXIT",
                     i, pid);
          unknown++;
        }
      else if (killed)
        gt_assert_signaled (info, pid, SIGTERM);
      else
        gt_assert_exited (info, pid, code);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_null (g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/nonexistent", NULL));
    g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
  }

  if (thread != NULL)
    {
      g_atomic_int_set (&waitpid_stop, 1);
      g_thread_join (thread);
      g_test_message ("the other thread reaped %d of %u", g_atomic_int_get (&waitpid_reaped),
                      n);
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_assert_cmpint (sigaction (SIGCHLD, &old, NULL), ==, 0);

  return unknown;
}
