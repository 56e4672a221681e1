/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wait-child.c: run a command, wait for it through a pidfd, and say how it
 * ended and what it used.
 *
 *   cc wait-child.c -o wait-child $(pkg-config --cflags --libs gpidfd-1)
 *   ./wait-child sh -c 'exit 3'
 */

#include <stdlib.h>

#include <gpidfd/gpidfd.h>

static void
print_record (GPidFdExitInfo *info)
{
  GPid pid = g_pidfd_exit_info_get_pid (info);

  if (!g_pidfd_exit_info_has_status (info))
    g_print ("process %d ended; its status is unknown\n", pid);
  else if (g_pidfd_exit_info_get_if_exited (info))
    g_print ("process %d exited with status %d\n",
             pid, g_pidfd_exit_info_get_exit_status (info));
  else
    g_print ("process %d was killed by signal %d (%s)%s\n",
             pid, g_pidfd_exit_info_get_term_sig (info),
             g_strsignal (g_pidfd_exit_info_get_term_sig (info)),
             g_pidfd_exit_info_get_core_dumped (info) ? ", core dumped" : "");

  /* Only the records of the caller's own children carry resource usage. */
  if (g_pidfd_exit_info_has_rusage (info))
    g_print ("user %.3f s, system %.3f s, max RSS %" G_GINT64_FORMAT " KiB\n",
             g_pidfd_exit_info_get_user_time (info) / (double) G_USEC_PER_SEC,
             g_pidfd_exit_info_get_system_time (info) / (double) G_USEC_PER_SEC,
             g_pidfd_exit_info_get_max_rss (info));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  if (argc < 2)
    {
      g_printerr ("usage: %s COMMAND [ARGUMENT...]\n", argv[0]);
      return EXIT_FAILURE;
    }

  /* The child is held by its pidfd from birth, with our stdin, stdout and
   * stderr; the wait below reaps it. */
  pidfd = g_pidfd_spawnv ((const char * const *) argv + 1,
                          G_SUBPROCESS_FLAGS_STDIN_INHERIT, &error);
  if (pidfd == NULL)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  info = g_pidfd_wait (pidfd, NULL, &error);
  if (info == NULL)
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  print_record (info);
  return EXIT_SUCCESS;
}
