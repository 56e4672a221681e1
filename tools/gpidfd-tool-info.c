/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-info.c: gpidfd info, what the kernel says about processes */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gpidfd-tool.h"

/* "running", "disk-sleep": the nick of the state, GPidFdProcessState's
 * own name for it in every language. */
static const char *
state_name (GPidFdProcessState state)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (G_TYPE_PIDFD_PROCESS_STATE);
  GEnumValue *value = g_enum_get_value (enum_class, state);

  /* The nicks are static strings of the type, which lives on. */
  return value != NULL ? value->value_nick : "unknown";
}

typedef struct
{
  const char *member;
  guint (*get) (GPidFdProcessInfo *info);
} IdGetter;

static const IdGetter uid_getters[] = {
  { "ruid", g_pidfd_process_info_get_ruid },
  { "euid", g_pidfd_process_info_get_euid },
  { "suid", g_pidfd_process_info_get_suid },
  { "fsuid", g_pidfd_process_info_get_fsuid },
};

static const IdGetter gid_getters[] = {
  { "rgid", g_pidfd_process_info_get_rgid },
  { "egid", g_pidfd_process_info_get_egid },
  { "sgid", g_pidfd_process_info_get_sgid },
  { "fsgid", g_pidfd_process_info_get_fsgid },
};

static void
add_pid_or_null (JsonBuilder *builder,
                 const char  *member,
                 GPid         pid)
{
  json_builder_set_member_name (builder, member);
  if (pid > 0)
    json_builder_add_int_value (builder, pid);
  else
    json_builder_add_null_value (builder);
}

static void
print_json (GPid               pid,
            GPidFd            *pidfd,
            GPidFdProcessInfo *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *name = g_pidfd_process_info_get_name (info);
  gboolean has_credentials = g_pidfd_process_info_has_credentials (info);
  guint64 id = g_pidfd_get_id (pidfd);
  guint64 cgroup_id = g_pidfd_process_info_get_cgroup_id (info);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "info");
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, pid);
  json_builder_set_member_name (builder, "id");
  if (id != 0)
    json_builder_add_int_value (builder, (gint64) id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "name");
  gpidfd_tool_json_add_text (builder, name);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, state_name (g_pidfd_process_info_get_state (info)));
  add_pid_or_null (builder, "ppid", g_pidfd_process_info_get_ppid (info));
  add_pid_or_null (builder, "tgid", g_pidfd_process_info_get_tgid (info));
  json_builder_set_member_name (builder, "child");
  json_builder_add_boolean_value (builder, g_pidfd_is_child (pidfd));
  json_builder_set_member_name (builder, "thread");
  json_builder_add_boolean_value (builder, ((g_pidfd_get_flags (pidfd) & G_PIDFD_FLAGS_THREAD) != 0));
  json_builder_set_member_name (builder, "kernel_thread");
  json_builder_add_boolean_value (builder, g_pidfd_process_info_get_is_kernel_thread (info));
  for (gsize i = 0; i < G_N_ELEMENTS (uid_getters); i++)
    {
      json_builder_set_member_name (builder, uid_getters[i].member);
      if (has_credentials)
        json_builder_add_int_value (builder, uid_getters[i].get (info));
      else
        json_builder_add_null_value (builder);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (gid_getters); i++)
    {
      json_builder_set_member_name (builder, gid_getters[i].member);
      if (has_credentials)
        json_builder_add_int_value (builder, gid_getters[i].get (info));
      else
        json_builder_add_null_value (builder);
    }
  json_builder_set_member_name (builder, "cgroup_id");
  if (cgroup_id != 0)
    json_builder_add_int_value (builder, (gint64) cgroup_id);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  gpidfd_tool_json_emit (gpidfd_tool_stdout (), builder);
}

static void
append_pid (GString    *text,
            const char *key,
            GPid        pid)
{
  if (pid > 0)
    g_string_append_printf (text, "%-15s%d\n", key, pid);
  else
    g_string_append_printf (text, "%-15s(none, or outside this pid namespace)\n", key);
}

static void
append_ids (GString           *text,
            const char        *key,
            const IdGetter    *getters,
            GPidFdProcessInfo *info)
{
  g_string_append_printf (text, "%-15s%u real, %u effective, %u saved, %u filesystem\n", key,
                          getters[0].get (info), getters[1].get (info),
                          getters[2].get (info), getters[3].get (info));
}

static void
print_text (GPid               pid,
            GPidFd            *pidfd,
            GPidFdProcessInfo *info)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *name = g_pidfd_process_info_get_name (info);
  guint64 id = g_pidfd_get_id (pidfd);
  guint64 cgroup_id = g_pidfd_process_info_get_cgroup_id (info);

  g_string_append_printf (text, "%-15s%d\n", "pid:", pid);
  if (id != 0)
    g_string_append_printf (text, "%-15s%" G_GUINT64_FORMAT "\n", "id:", id);
  else
    g_string_append_printf (text, "%-15s(unknown: no pidfs before Linux 6.9)\n", "id:");
  g_string_append_printf (text, "%-15s%s\n", "name:", name != NULL ? name : "(unknown)");
  g_string_append_printf (text, "%-15s%s\n", "state:",
                          state_name (g_pidfd_process_info_get_state (info)));
  append_pid (text, "parent:", g_pidfd_process_info_get_ppid (info));
  append_pid (text, "thread group:", g_pidfd_process_info_get_tgid (info));
  g_string_append_printf (text, "%-15s%s\n", "child:", g_pidfd_is_child (pidfd) ? "yes" : "no");
  g_string_append_printf (text, "%-15s%s\n", "kernel thread:",
                          g_pidfd_process_info_get_is_kernel_thread (info) ? "yes" : "no");
  if (g_pidfd_process_info_has_credentials (info))
    {
      append_ids (text, "uids:", uid_getters, info);
      append_ids (text, "gids:", gid_getters, info);
    }
  else
    {
      g_string_append_printf (text, "%-15s(unknown)\n", "uids:");
      g_string_append_printf (text, "%-15s(unknown)\n", "gids:");
    }
  if (cgroup_id != 0)
    g_string_append_printf (text, "%-15s%" G_GUINT64_FORMAT "\n", "cgroup id:", cgroup_id);
  else
    g_string_append_printf (text, "%-15s(unknown)\n", "cgroup id:");

  /* The name is the process's own bytes: written as they are. */
  gpidfd_tool_stream_write (gpidfd_tool_stdout (), text->str, (gssize) text->len);
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
    "For each PID: its stable id for the boot (the pidfs inode, Linux 6.9), "
    "name, state (running, sleeping, disk-sleep, stopped, traced, zombie, dead, "
    "idle), parent, thread group, whether it is a child of gpidfd (never, when "
    "another program started it) or a kernel thread, its user and group ids "
    "and its cgroup id. Linux 6.13 answers through the pidfd itself; older "
    "kernels through /proc, checked against the pidfd.\n"
    "\n"
    "Exit status: 0 when every process could be asked, 1 when one could not, "
    "2 on a usage error.",
    TRUE,
    FALSE,
    TRUE,
  };
  gboolean ok = TRUE;
  guint n_printed = 0;
  int status;

  if (!gpidfd_tool_parse_options (&info, entries, &argc, &argv, &status))
    return status;
  if (json)
    gpidfd_tool_set_json_errors (gpidfd_tool_stdout ());
  if (argc < 2)
    return gpidfd_tool_usage_error (NULL, "No process id given");

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autoptr(GPidFdProcessInfo) process = NULL;
      GPid pid = 0;

      if (gpidfd_tool_parse_pid (argv[i], &pid, &error))
        pidfd = g_pidfd_new_from_pid (pid, &error);
      if (pidfd != NULL)
        process = g_pidfd_query_info (pidfd, &error);
      if (process == NULL)
        {
          gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, pid,
                                    pid > 0 ? NULL : argv[i], error);
          ok = FALSE;
          continue;
        }

      if (json)
        print_json (pid, pidfd, process);
      else
        {
          if (n_printed++ > 0)
            gpidfd_tool_stream_write (gpidfd_tool_stdout (), "\n", 1);
          print_text (pid, pidfd, process);
        }
    }

  return gpidfd_tool_finish (ok ? EXIT_SUCCESS : EXIT_FAILURE, EXIT_FAILURE, NULL);
}
