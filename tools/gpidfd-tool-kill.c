/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-kill.c: gpidfd kill, util-linux kill(1) on pidfds */

#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-tool.h"

static gboolean
is_option_of_ours (const char *arg)
{
  static const char * const options[] = {
    "-s", "-n", "-l", "-L", "-j", "-h",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (options); i++)
    if (strcmp (arg, options[i]) == 0)
      return TRUE;

  return FALSE;
}

static void
add_argument (GPtrArray  *arguments,
              GPtrArray  *owned,
              char       *arg)
{
  g_ptr_array_add (owned, arg);
  g_ptr_array_add (arguments, arg);
}

/* util-linux syntax into GOptionContext's: "-9", "-KILL", "-RTMIN+3"
 * become "--signal=..."; a "-N" after the signal is a (refused) process
 * group, so it goes after the "--" with the other pids. Any "-WORD"
 * after a process id is *misplaced (the first one), as the options come
 * first. The strings belong to @owned: option parsing moves and drops the
 * pointers of the array returned. */
static GPtrArray *
rewrite_arguments (int          argc,
                   char       **argv,
                   GPtrArray   *owned,
                   const char **misplaced)
{
  GPtrArray *options = g_ptr_array_new ();
  g_autoptr(GPtrArray) operands = g_ptr_array_new ();
  gboolean have_signal = FALSE;
  int i;

  g_ptr_array_add (options, argv[0]);

  for (i = 1; i < argc; i++)
    {
      const char *arg = argv[i];

      if (strcmp (arg, "--") == 0)
        {
          i++;
          break;
        }

      if (arg[0] != '-' || arg[1] == '\0')
        {
          g_ptr_array_add (operands, argv[i]);
          continue;
        }

      /* After a process id, "-9" is neither a signal nor a process group:
       * kill(1) would signal group 9. */
      if (operands->len > 0 && *misplaced == NULL)
        *misplaced = arg;

      if ((strcmp (arg, "-s") == 0 || strcmp (arg, "-n") == 0 ||
           strcmp (arg, "--signal") == 0) && i + 1 < argc)
        {
          add_argument (options, owned, g_strdup ("--signal"));
          g_ptr_array_add (options, argv[++i]);
          have_signal = TRUE;
          continue;
        }

      if (g_str_has_prefix (arg, "--signal="))
        have_signal = TRUE;

      /* util-linux reads any other "-WORD" as a signal, and so says
       * "unknown signal" for a misspelt one. */
      if (arg[1] != '-' && !is_option_of_ours (arg) &&
          (!have_signal || gpidfd_tool_parse_signal (arg + 1) >= 0 ||
           g_ascii_isdigit (arg[1])))
        {
          if (!have_signal)
            {
              add_argument (options, owned, g_strconcat ("--signal=", arg + 1, NULL));
              have_signal = TRUE;
            }
          else
            g_ptr_array_add (operands, argv[i]);
          continue;
        }

      g_ptr_array_add (options, argv[i]);
    }

  for (; i < argc; i++)
    g_ptr_array_add (operands, argv[i]);

  add_argument (options, owned, g_strdup ("--"));
  for (guint j = 0; j < operands->len; j++)
    g_ptr_array_add (options, g_ptr_array_index (operands, j));
  g_ptr_array_add (options, NULL);

  return options;
}

/* {"event": "listed", "signal": "SIGTERM", "number": 15} */
static void
emit_signal_json (int signum)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "listed");
  gpidfd_tool_json_add_signal (builder, signum);
  json_builder_end_object (builder);
  gpidfd_tool_json_emit (gpidfd_tool_stdout (), builder);
}

/* kill -l: the names; kill -L: numbers and names in a table. */
static void
list_all (gboolean table,
          gboolean json)
{
  GPidFdToolStream *out = gpidfd_tool_stdout ();
  gsize column = 0;
  guint n = 0;
  g_autofree char *last = NULL;

  for (int signum = 1; signum <= gpidfd_tool_signal_max (); signum++)
    {
      g_autofree char *name = gpidfd_tool_signal_name (signum);

      if (name == NULL)
        continue;

      if (json)
        emit_signal_json (signum);
      else if (table)
        {
          if (n % 7 == 0)
            gpidfd_tool_stream_print (out, "%s%2d %s", n > 0 ? "\n" : "", signum, name);
          else
            gpidfd_tool_stream_print (out, "%*s%2d %s", (int) (9 - strlen (last)), "",
                                      signum, name);
          g_free (last);
          last = g_steal_pointer (&name);
          n++;
        }
      else
        {
          if (column > 0 && column + 1 + strlen (name) > 72)
            {
              gpidfd_tool_stream_puts (out, "\n");
              column = 0;
            }
          gpidfd_tool_stream_print (out, "%s%s", column > 0 ? " " : "", name);
          column += (column > 0 ? 1 : 0) + strlen (name);
        }
    }

  if (!json && ((table && n > 0) || (!table && column > 0)))
    gpidfd_tool_stream_puts (out, "\n");
}

static void
report_unknown_signal (const char *text,
                       gboolean    json)
{
  g_autoptr(GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                         "Unknown signal '%s'", text);

  gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, 0, text, error);
}

/* kill -l SIG...: a number gives its name (an exit status above 128 that
 * of the signal that caused it), a name its number. */
static gboolean
list_one (const char *text,
          gboolean    json)
{
  guint64 number;
  int signum;

  if (g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT, &number, NULL))
    {
      g_autofree char *name = NULL;

      signum = (int) number;
      if (signum > 128)
        signum -= 128;
      name = gpidfd_tool_signal_name (signum);
      if (name == NULL)
        {
          report_unknown_signal (text, json);
          return FALSE;
        }
      if (json)
        emit_signal_json (signum);
      else
        gpidfd_tool_stream_print (gpidfd_tool_stdout (), "%s\n", name);
      return TRUE;
    }

  signum = gpidfd_tool_parse_signal (text);
  if (signum < 0)
    {
      report_unknown_signal (text, json);
      return FALSE;
    }
  if (json)
    emit_signal_json (signum);
  else
    gpidfd_tool_stream_print (gpidfd_tool_stdout (), "%d\n", signum);

  return TRUE;
}

static void
emit_sent_json (GPid        pid,
                gboolean    group,
                int         signum,
                const char *signal_text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "sent");
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, pid);
  json_builder_set_member_name (builder, "process_group");
  json_builder_add_boolean_value (builder, group);
  gpidfd_tool_json_add_signal (builder, signum);
  json_builder_set_member_name (builder, "as_given");
  gpidfd_tool_json_add_text (builder, signal_text);
  json_builder_end_object (builder);
  gpidfd_tool_json_emit (gpidfd_tool_stdout (), builder);
}

/* -PGID: the process group that PGID leads, signalled through the
 * leader's pidfd (PIDFD_SIGNAL_PROCESS_GROUP, Linux 6.9). */
static gboolean
send_to_group (GPid         pgid,
               int          signum,
               GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pgid, &local_error);
  struct pollfd pfd = { 0, };
  pid_t group;

  if (pidfd == NULL)
    {
      /* A group whose leader is gone has no pidfd to be reached by. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Cannot send signal %d to process group %d: It has no leader "
                     "left, and gpidfd reaches a group through its leader's pidfd, "
                     "race-free (kill(1) can still reach what remains of it)",
                     signum, pgid);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* Asked by pid, then checked: while the leader is not reaped (no
   * POLLHUP on its pidfd), the pid was its own. */
  group = getpgid (pgid);
  pfd.fd = g_pidfd_get_fd (pidfd);
  pfd.events = POLLIN;
  if (poll (&pfd, 1, 0) < 0 || (pfd.revents & POLLHUP) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot send signal %d to process group %d: Its leader has ended",
                   signum, pgid);
      return FALSE;
    }
  if (group != pgid)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot send signal %d to process group %d: There is no such group "
                   "(that process belongs to group %d)", signum, pgid, (int) group);
      return FALSE;
    }

  return g_pidfd_send_signal_full (pidfd, signum, G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP, error);
}

static gboolean
send_one (const char *pid_text,
          int         signum,
          const char *signal_text,
          gboolean    json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  gboolean group = pid_text[0] == '-';
  GPid pid = 0;

  if (strcmp (pid_text, "-1") == 0)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                 "Cannot send signal %d to every process ('-1'): A pidfd names one "
                 "process or group", signum);
  else if (gpidfd_tool_parse_pid (group ? pid_text + 1 : pid_text, &pid, &error))
    {
      gboolean sent;

      if (group)
        sent = send_to_group (pid, signum, &error);
      else
        {
          pidfd = g_pidfd_new_from_pid (pid, &error);
          sent = pidfd != NULL && g_pidfd_send_signal (pidfd, signum, &error);
        }
      if (sent)
        {
          if (json)
            emit_sent_json (pid, group, signum, signal_text);
          return TRUE;
        }
    }
  else if (group)
    {
      /* The message names what was given, with its dash. */
      g_clear_error (&error);
      gpidfd_tool_parse_pid (pid_text, &pid, &error);
    }

  /* The message names the process and the cause already (and the signal,
   * once it came to sending it). */
  gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, group ? 0 : pid,
                            pid > 0 && !group ? NULL : pid_text, error);

  return FALSE;
}

int
gpidfd_tool_kill (int    argc,
                  char **argv)
{
  gboolean list = FALSE;
  gboolean table = FALSE;
  gboolean json = FALSE;
  g_autofree char *signal_text = NULL;
  const GOptionEntry entries[] = {
    { "signal", 's', 0, G_OPTION_ARG_STRING, &signal_text,
      "The signal to send (TERM by default)", "SIGNAL" },
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list,
      "List signal names, or translate those given", NULL },
    { "table", 'L', 0, G_OPTION_ARG_NONE, &table,
      "List signal numbers and names in a table", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print JSON Lines, one object per event", NULL },
    G_OPTION_ENTRY_NULL
  };
  const GPidFdToolCommandInfo info = {
    "kill", "PID... | -l [SIGNAL...] | -L",
    "Send a signal to each PID through a pidfd.",
    "-n NUMBER and -SIGNAL (-9, -KILL) are the same as -s.\n"
    "\n"
    "SIGNAL is a name, with or without SIG and in any case (TERM, SIGTERM, term; "
    "IOT, CLD, POLL; RTMIN, RTMIN+3, RTMAX-2), or a number. Signal 0 only checks "
    "that the process exists and may be signalled. Once its pidfd is open, a "
    "process cannot be confused with a later one that reuses its pid.\n"
    "\n"
    "After --, a negative PID names the process group that process -PID leads "
    "(Linux 6.9 and later).\n"
    "\n"
    "Each process that cannot be signalled is named on its own line and the "
    "others are still signalled. Exit status: 0 when every process was "
    "signalled, 1 when one was not, 2 on a usage error.",
    FALSE,
    FALSE,
  };
  g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  const char *misplaced = NULL;
  g_autoptr(GPtrArray) rewritten = rewrite_arguments (argc, argv, owned, &misplaced);
  char **args = (char **) rewritten->pdata;
  int n_args = (int) rewritten->len - 1;
  const char *given;
  gboolean ok = TRUE;
  int signum = SIGTERM;
  int status;

  if (!gpidfd_tool_parse_options (&info, entries, &n_args, &args, &status))
    return status;
  if (json)
    gpidfd_tool_set_json_errors (gpidfd_tool_stdout ());
  if (misplaced != NULL)
    return gpidfd_tool_usage_error (misplaced, "Options come before the process ids: '%s' "
                                    "follows one (after '--', '-N' is process group N)",
                                    misplaced);

  if (list || table)
    {
      if (signal_text != NULL)
        return gpidfd_tool_usage_error (signal_text, "--list and --table take no signal to send");
      if (n_args == 1 || table)
        {
          if (table && n_args > 1)
            return gpidfd_tool_usage_error (args[1], "--table takes no argument");
          list_all (table, json);
        }
      else
        for (int i = 1; i < n_args; i++)
          ok &= list_one (args[i], json);
      return gpidfd_tool_finish (ok ? EXIT_SUCCESS : EXIT_FAILURE, EXIT_FAILURE, NULL);
    }

  given = signal_text != NULL ? signal_text : "TERM";
  if (signal_text != NULL)
    {
      signum = gpidfd_tool_parse_signal (signal_text);
      if (signum < 0)
        return gpidfd_tool_usage_error (signal_text,
                                        "Unknown signal '%s' ('gpidfd kill -l' lists them)",
                                        signal_text);
    }

  if (n_args < 2)
    return gpidfd_tool_usage_error (NULL, "No process id given");

  for (int i = 1; i < n_args; i++)
    ok &= send_one (args[i], signum, given, json);

  return gpidfd_tool_finish (ok ? EXIT_SUCCESS : EXIT_FAILURE, EXIT_FAILURE, NULL);
}
