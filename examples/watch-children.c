/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* watch-children.c: run several shell commands at once and, from one
 * GMainLoop, print what each one printed and how it ended, in the order
 * they end.
 *
 *   cc watch-children.c -o watch-children $(pkg-config --cflags --libs gpidfd-1)
 *   ./watch-children 'sleep 1; echo awake' 'exit 3' 'kill -TERM $$'
 *
 * The same program as watch.py, watch.js and watch.vala, with the same
 * calls.
 */

#include <stdlib.h>

#include <gpidfd/gpidfd.h>

typedef struct
{
  GMainLoop *loop;
  guint      running;
  gboolean   failed;
} Watch;

typedef struct
{
  Watch *watch;
  char  *command;
} Child;

static void
child_free (Child *child)
{
  g_free (child->command);
  g_free (child);
}

static char *
describe (GPidFdExitInfo *info)
{
  if (!g_pidfd_exit_info_has_status (info))
    return g_strdup ("ended; its status is unknown");
  if (g_pidfd_exit_info_get_if_exited (info))
    return g_strdup_printf ("exited with status %d",
                            g_pidfd_exit_info_get_exit_status (info));
  return g_strdup_printf ("was killed by signal %d (%s)",
                          g_pidfd_exit_info_get_term_sig (info),
                          g_strsignal (g_pidfd_exit_info_get_term_sig (info)));
}

static void
on_communicated (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GPidFd *pidfd = G_PIDFD (source);
  Child *child = user_data;
  Watch *watch = child->watch;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autofree char *output = NULL;

  /* The process has ended and been reaped: its record is there. */
  if (g_pidfd_communicate_utf8_finish (pidfd, result, &output, NULL, &error))
    info = g_pidfd_wait (pidfd, NULL, &error);

  if (info == NULL)
    {
      g_printerr ("'%s': %s\n", child->command, error->message);
      watch->failed = TRUE;
    }
  else
    {
      g_auto(GStrv) lines = g_strsplit (output, "\n", -1);
      g_autofree char *description = describe (info);
      GPid pid = g_pidfd_exit_info_get_pid (info);

      for (guint i = 0; lines[i] != NULL; i++)
        {
          if (*lines[i] != '\0')
            g_print ("[%d] '%s' printed: %s\n", pid, child->command, lines[i]);
        }
      g_print ("[%d] '%s' %s\n", pid, child->command, description);
    }

  child_free (child);
  if (--watch->running == 0)
    g_main_loop_quit (watch->loop);
}

int
main (int   argc,
      char *argv[])
{
  const char *demo[] = {
    "sleep 0.3; echo awake",
    "sleep 0.1; exit 3",
    "sleep 0.2; kill -TERM $$",
    "echo hello",
  };
  const char * const *commands = (const char * const *) argv + 1;
  guint n_commands = argc - 1;
  Watch watch = { NULL, 0, FALSE };

  if (n_commands == 0)
    {
      commands = demo;
      n_commands = G_N_ELEMENTS (demo);
    }

  watch.loop = g_main_loop_new (NULL, FALSE);

  for (guint i = 0; i < n_commands; i++)
    {
      const char *child_argv[] = { "/bin/sh", "-c", commands[i], NULL };
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      Child *child;

      /* Held by its pidfd from birth: there is no pid to race with. */
      pidfd = g_pidfd_spawnv (child_argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
      if (pidfd == NULL)
        {
          g_printerr ("'%s': %s\n", commands[i], error->message);
          watch.failed = TRUE;
          continue;
        }

      g_print ("[%d] '%s' started\n", g_pidfd_get_pid (pidfd), commands[i]);

      child = g_new0 (Child, 1);
      child->watch = &watch;
      child->command = g_strdup (commands[i]);
      /* Reads stdout to its end and waits for the process, without
       * blocking; every pending wait of the main context shares one epoll
       * fd. The call keeps pidfd alive until the callback has run. */
      g_pidfd_communicate_utf8_async (pidfd, NULL, NULL, on_communicated, child);
      watch.running++;
    }

  if (watch.running > 0)
    g_main_loop_run (watch.loop);
  g_main_loop_unref (watch.loop);

  return watch.failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
