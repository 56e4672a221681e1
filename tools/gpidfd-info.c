/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-info.c: gpidfd info, what the kernel says about processes */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gpidfd-tool.h"

typedef struct
{
  GPid pid;
  char *name;
  const char *state;
  gboolean child;
} ProcessFacts;

static void
process_facts_clear (ProcessFacts *facts)
{
  g_clear_pointer (&facts->name, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ProcessFacts, process_facts_clear)

static void
collect (GPidFd       *pidfd,
         GPid          pid,
         ProcessFacts *facts)
{
  facts->pid = pid;
  facts->name = gpidfd_tool_process_name (pidfd);
  facts->state = g_pidfd_has_exited (pidfd) ? "zombie" : "running";
  facts->child = g_pidfd_is_child (pidfd);
}

static void
print_facts (ProcessFacts *facts,
             gboolean      json)
{
  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "info");
      json_builder_set_member_name (builder, "pid");
      json_builder_add_int_value (builder, facts->pid);
      json_builder_set_member_name (builder, "name");
      if (facts->name != NULL)
        json_builder_add_string_value (builder, facts->name);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, facts->state);
      json_builder_set_member_name (builder, "child");
      json_builder_add_boolean_value (builder, facts->child);
      json_builder_end_object (builder);
      gpidfd_tool_json_emit (gpidfd_tool_stdout (), builder);
    }
  else
    {
      g_autoptr(GString) text = g_string_new (NULL);

      g_string_append_printf (text, "pid:    %d\n", facts->pid);
      g_string_append_printf (text, "name:   %s\n", facts->name != NULL ? facts->name : "(unknown)");
      g_string_append_printf (text, "state:  %s\n", facts->state);
      g_string_append_printf (text, "child:  %s\n", facts->child ? "yes" : "no");
      gpidfd_tool_stream_write (gpidfd_tool_stdout (), text->str, (gssize) text->len);
    }
}

int
gpidfd_tool_info (int    argc,
                  char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print JSON Lines, one object per event", NULL },
    G_OPTION_ENTRY_NULL
  };
  const GPidFdToolCommandInfo info = {
    "info", "PID...",
    "Show what the kernel says about each process through its pidfd.",
    "Exit status: 0 when every process could be asked, 1 when one could not, "
    "2 on a usage error.",
    FALSE,
  };
  gboolean ok = TRUE;
  int status;

  if (!gpidfd_tool_parse_options (&info, entries, &argc, &argv, &status))
    return status;
  if (argc < 2)
    return gpidfd_tool_usage_error ("no process id given");

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_auto(ProcessFacts) facts = { 0, };
      GPid pid = 0;

      if (gpidfd_tool_parse_pid (argv[i], &pid, &error))
        pidfd = g_pidfd_new_from_pid (pid, &error);
      if (pidfd == NULL)
        {
          gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, pid,
                                    pid > 0 ? NULL : argv[i], error);
          ok = FALSE;
          continue;
        }

      if (i > 1 && !json)
        gpidfd_tool_stream_write (gpidfd_tool_stdout (), "\n", 1);
      collect (pidfd, pid, &facts);
      print_facts (&facts, json);
    }

  return gpidfd_tool_finish (ok ? EXIT_SUCCESS : EXIT_FAILURE, EXIT_FAILURE, NULL);
}
