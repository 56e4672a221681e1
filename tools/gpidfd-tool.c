/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool.c: the gpidfd program, its command table and main (), and
 * the helpers of its commands for main loops and processes */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-tool.h"

/* Main loop */

GMainLoop *
gpidfd_tool_main_loop_new (GError **error)
{
  /* An eventfd each for the wakeups of the default and of the worker
   * context (a pipe, two, without eventfd). */
  int spare[2];
  int errsv = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (spare); i++)
    {
      spare[i] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      if (spare[i] < 0 && errsv == 0)
        errsv = errno;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (spare); i++)
    if (spare[i] >= 0)
      close (spare[i]);

  if (errsv != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot create a main loop: %s", g_strerror (errsv));
      return NULL;
    }

  /* The class initialisation of GTask attaches its thread pool's manager
   * to the worker context, which it creates then, with its thread. */
  g_type_ensure (G_TYPE_TASK);

  return g_main_loop_new (NULL, FALSE);
}

static gboolean
timeout_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  g_source_set_ready_time (source, -1);

  return callback (user_data);
}

static GSourceFuncs timeout_funcs = {
  NULL, NULL, timeout_dispatch, NULL, NULL, NULL,
};

guint
gpidfd_tool_timeout_add (double      seconds,
                         GSourceFunc func,
                         gpointer    data)
{
  /* Beyond a century, the timer could as well not be. */
  const double max_seconds = 100.0 * 365 * 24 * 60 * 60;
  g_autoptr(GSource) source = NULL;
  double us;

  if (!(seconds > 0) || seconds > max_seconds)
    return 0;

  /* Never early: round up to the microsecond. */
  us = ceil (seconds * G_USEC_PER_SEC);

  source = g_source_new (&timeout_funcs, sizeof (GSource));
  g_source_set_static_name (source, "gpidfd timeout");
  g_source_set_ready_time (source, g_get_monotonic_time () + (gint64) us);
  g_source_set_callback (source, func, data, NULL);

  return g_source_attach (source, NULL);
}

/* Processes */

char *
gpidfd_tool_process_name (GPidFd *pidfd)
{
  g_autoptr(GPidFdProcessInfo) info = g_pidfd_query_info (pidfd, NULL);

  if (info == NULL || g_pidfd_process_info_get_name (info) == NULL)
    return NULL;

  return g_strdup (g_pidfd_process_info_get_name (info));
}

int
gpidfd_tool_shell_status (GPidFdExitInfo *info)
{
  if (!g_pidfd_exit_info_has_status (info))
    return -1;
  if (g_pidfd_exit_info_get_if_exited (info))
    return g_pidfd_exit_info_get_exit_status (info);
  if (g_pidfd_exit_info_get_if_signaled (info))
    return 128 + g_pidfd_exit_info_get_term_sig (info);

  return -1;
}

/* Commands */

typedef int (*CommandFunc) (int    argc,
                            char **argv);

typedef struct
{
  const char *name;
  CommandFunc func;
  const char *summary;   /* NULL: an alias, not listed */
} Command;

static const Command commands[] = {
  { "run", gpidfd_tool_run, "Run a command; report how it ended and what it used" },
  { "wait", gpidfd_tool_wait, "Wait for processes to end, children or not" },
  { "kill", gpidfd_tool_kill, "Send a signal to processes without racing pid reuse" },
  { "signal", gpidfd_tool_kill, NULL },
  { "info", gpidfd_tool_info, "Show what the kernel says about processes" },
  { "demo", gpidfd_tool_demo, "Watch a few children end in different ways" },
};

static void
print_usage (GPidFdToolStream *stream)
{
  gpidfd_tool_stream_puts (stream,
                           "Usage:\n"
                           "  gpidfd COMMAND [OPTION...] [ARGUMENT...]\n"
                           "\n"
                           "Run, wait for, signal and inspect Linux processes through pidfds.\n"
                           "\n"
                           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (commands[i].summary != NULL)
      gpidfd_tool_stream_print (stream, "  %-8s %s\n", commands[i].name, commands[i].summary);
  gpidfd_tool_stream_puts (stream,
                           "  help     Show this help, or that of a command\n"
                           "\n"
                           "Options:\n"
                           "  -h, --help       Show this help\n"
                           "  --version        Show the version\n"
                           "\n"
                           "Run 'gpidfd COMMAND --help' for the options of a command.\n");
}

static const Command *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (commands[i].name, name) == 0)
      return &commands[i];

  return NULL;
}

int
main (int    argc,
      char **argv)
{
  const Command *command;

  gpidfd_tool_guard_standard_fds ();
  setlocale (LC_ALL, "");
  g_set_prgname ("gpidfd");

  if (argc < 2)
    {
      print_usage (gpidfd_tool_stderr ());
      return GPIDFD_TOOL_EXIT_USAGE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      if (argc > 2 && strcmp (argv[1], "help") == 0)
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };

          command = find_command (argv[2]);
          if (command == NULL)
            return gpidfd_tool_usage_error (argv[2], "Unknown command '%s'", argv[2]);
          return command->func (2, help_argv);
        }
      print_usage (gpidfd_tool_stdout ());
      return gpidfd_tool_finish (EXIT_SUCCESS, EXIT_FAILURE, NULL);
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      gpidfd_tool_stream_print (gpidfd_tool_stdout (), "gpidfd %s\n", GPIDFD_VERSION_S);
      return gpidfd_tool_finish (EXIT_SUCCESS, EXIT_FAILURE, NULL);
    }

  command = find_command (argv[1]);
  if (command == NULL)
    return gpidfd_tool_usage_error (argv[1], "Unknown command '%s'", argv[1]);

  return command->func (argc - 1, argv + 1);
}
