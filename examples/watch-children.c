/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* watch-children.c: run several shell commands at once and, from one
 * GMainLoop, print how each one ended, in the order they end.
 *
 *   cc watch-children.c -o watch-children $(pkg-config --cflags --libs gpidfd-1)
 *   ./watch-children 'sleep 1' 'exit 3' 'kill -TERM $$'
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
  if (g_pidfd_exit_info_get_exited (info))
    return g_strdup_printf ("exited with status %d",
                            g_pidfd_exit_info_get_exit_status (info));
  return g_strdup_printf ("was killed by signal %d (%s)",
                          g_pidfd_exit_info_get_term_signal (info),
                          g_strsignal (g_pidfd_exit_info_get_term_signal (info)));
}

static void
on_child_ended (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Child *child = user_data;
  Watch *watch = child->watch;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  info = g_pidfd_wait_finish (G_PIDFD (source), result, &error);
  if (info == NULL)
    {
      g_printerr ("'%s': %s\n", child->command, error->message);
      watch->failed = TRUE;
    }
  else
    {
      g_autofree char *description = describe (info);

      g_print ("[%d] '%s' %s\n",
               g_pidfd_exit_info_get_pid (info), child->command, description);
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
    "sleep 0.3",
    "sleep 0.1; exit 3",
    "sleep 0.2; kill -TERM $$",
    "true",
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
      GPid pid;

      /* The child stays unreaped until gpidfd reaps it in the wait. */
      if (g_spawn_async (NULL, (char **) child_argv, NULL,
                         G_SPAWN_DO_NOT_REAP_CHILD,
                         NULL, NULL, &pid, &error))
        pidfd = g_pidfd_new_from_pid (pid, &error);

      if (pidfd == NULL)
        {
          g_printerr ("'%s': %s\n", commands[i], error->message);
          watch.failed = TRUE;
          continue;
        }

      g_print ("[%d] '%s' started\n", pid, commands[i]);

      child = g_new0 (Child, 1);
      child->watch = &watch;
      child->command = g_strdup (commands[i]);
      /* Every pending wait of the main context shares one epoll fd. The
       * wait keeps pidfd alive until the callback has run. */
      g_pidfd_wait_async (pidfd, NULL, on_child_ended, child);
      watch.running++;
    }

  if (watch.running > 0)
    g_main_loop_run (watch.loop);
  g_main_loop_unref (watch.loop);

  return watch.failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
