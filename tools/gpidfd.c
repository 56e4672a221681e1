/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd.c: the gpidfd program, its command table and main () */

#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "gpidfd-tool.h"

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
