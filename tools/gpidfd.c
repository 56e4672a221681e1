/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd.c: run, wait for, signal and inspect processes through pidfds */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <gpidfd/gpidfd.h>

/* Exit statuses of the program itself, as timeout(1) and env(1) use them. */
#define EXIT_USAGE         2
#define EXIT_TIMED_OUT     124
#define EXIT_TOOL_FAILED   125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND     127

typedef int (*CommandFunc) (int    argc,
                            char **argv);

typedef struct
{
  const char *name;
  CommandFunc func;
  const char *summary;
} Command;

static void
print_error (const char *format,
             ...) G_GNUC_PRINTF (1, 2);

static void
print_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("gpidfd: %s\n", message);
}

/* Parses a command's options; prints the error and returns FALSE on
 * failure. */
static gboolean
parse_options (GOptionContext   *context,
               int              *argc,
               char           ***argv)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      print_error ("%s", error->message);
      g_printerr ("Run \"%s --help\" for usage.\n", g_get_prgname ());
      return FALSE;
    }

  return TRUE;
}

static GOptionContext *
command_context_new (const char *name,
                     const char *parameters,
                     const char *summary,
                     const char *description)
{
  GOptionContext *context = g_option_context_new (parameters);
  g_autofree char *prgname = g_strdup_printf ("gpidfd %s", name);

  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  if (description != NULL)
    g_option_context_set_description (context, description);

  return context;
}

static gboolean
parse_pid (const char *text,
           GPid       *pid)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT32, &value, NULL))
    {
      print_error ("“%s” is not a process id (a number greater than 0)", text);
      return FALSE;
    }

  *pid = (GPid) value;
  return TRUE;
}

/* "TERM", "SIGTERM", "term", "15" (a leading "-", as in kill -TERM, is
 * accepted too); -1 if none. */
static int
parse_signal (const char *text)
{
  guint64 value;

  if (text[0] == '-')
    text++;

  if (g_ascii_isdigit (text[0]))
    {
      if (!g_ascii_string_to_unsigned (text, 10, 0, NSIG - 1, &value, NULL))
        return -1;
      return (int) value;
    }

  if (g_ascii_strncasecmp (text, "SIG", 3) == 0)
    text += 3;

  for (int signum = 1; signum < NSIG; signum++)
    {
      const char *abbrev = sigabbrev_np (signum);

      if (abbrev != NULL && g_ascii_strcasecmp (text, abbrev) == 0)
        return signum;
    }

  return -1;
}

static const char *
signal_name (int signum)
{
  const char *abbrev = signum > 0 ? sigabbrev_np (signum) : NULL;

  return abbrev != NULL ? abbrev : "?";
}

/* "exited with status 3", "killed by SIGTERM (signal 15)", ... */
static char *
describe_ending (GPidFdExitInfo *info)
{
  if (!g_pidfd_exit_info_has_status (info))
    return g_strdup ("ended; status unknown (not reaped here, and the kernel "
                     "cannot tell: Linux 6.15 or later is needed)");

  if (g_pidfd_exit_info_get_exited (info))
    return g_strdup_printf ("exited with status %d",
                            g_pidfd_exit_info_get_exit_status (info));

  if (g_pidfd_exit_info_get_signaled (info))
    {
      int signum = g_pidfd_exit_info_get_term_signal (info);

      return g_strdup_printf ("killed by SIG%s (signal %d)%s",
                              signal_name (signum), signum,
                              g_pidfd_exit_info_get_core_dumped (info) ? ", core dumped" : "");
    }

  return g_strdup_printf ("ended with code %d", g_pidfd_exit_info_get_code (info));
}

static double
us_to_s (gint64 us)
{
  return (double) us / G_USEC_PER_SEC;
}

/* One line: "PID[ LABEL]: how it ended; wait status; resource usage". */
static char *
format_record_line (GPidFdExitInfo *info,
                    const char     *label)
{
  GString *line = g_string_new (NULL);
  g_autofree char *ending = describe_ending (info);

  g_string_append_printf (line, "%d", g_pidfd_exit_info_get_pid (info));
  if (label != NULL)
    g_string_append_printf (line, " [%s]", label);
  g_string_append_printf (line, ": %s", ending);

  if (g_pidfd_exit_info_has_status (info))
    g_string_append_printf (line, "; wait status %d",
                            g_pidfd_exit_info_get_wait_status (info));

  if (g_pidfd_exit_info_has_rusage (info))
    g_string_append_printf (line, "; user %.3f s, system %.3f s, max RSS %" G_GINT64_FORMAT " KiB",
                            us_to_s (g_pidfd_exit_info_get_user_time (info)),
                            us_to_s (g_pidfd_exit_info_get_system_time (info)),
                            g_pidfd_exit_info_get_max_rss (info));
  else
    g_string_append (line, "; no resource usage (not a child)");

  return g_string_free (line, FALSE);
}

/* Several lines, for one record. */
static char *
format_record_block (GPidFdExitInfo *info)
{
  GString *block = g_string_new (NULL);
  g_autofree char *ending = describe_ending (info);

  g_string_append_printf (block, "pid:          %d\n", g_pidfd_exit_info_get_pid (info));
  g_string_append_printf (block, "ended:        %s\n", ending);
  if (g_pidfd_exit_info_has_status (info))
    g_string_append_printf (block, "wait status:  %d (0x%04x)\n",
                            g_pidfd_exit_info_get_wait_status (info),
                            (guint) g_pidfd_exit_info_get_wait_status (info));
  if (g_pidfd_exit_info_has_rusage (info))
    {
      g_string_append_printf (block, "user time:    %.6f s\n",
                              us_to_s (g_pidfd_exit_info_get_user_time (info)));
      g_string_append_printf (block, "system time:  %.6f s\n",
                              us_to_s (g_pidfd_exit_info_get_system_time (info)));
      g_string_append_printf (block, "max RSS:      %" G_GINT64_FORMAT " KiB\n",
                              g_pidfd_exit_info_get_max_rss (info));
    }

  return g_string_free (block, FALSE);
}

static void
append_json_int_or_null (GString    *json,
                         const char *key,
                         gboolean    known,
                         gint64      value)
{
  if (known)
    g_string_append_printf (json, ", \"%s\": %" G_GINT64_FORMAT, key, value);
  else
    g_string_append_printf (json, ", \"%s\": null", key);
}

static void
append_json_bool (GString    *json,
                  const char *key,
                  gboolean    value)
{
  g_string_append_printf (json, ", \"%s\": %s", key, value ? "true" : "false");
}

/* One JSON object on one line. @label is plain ASCII. */
static char *
format_record_json (GPidFdExitInfo *info,
                    gboolean        is_child,
                    const char     *label)
{
  GString *json = g_string_new ("{");
  gboolean has_status = g_pidfd_exit_info_has_status (info);
  gboolean exited = g_pidfd_exit_info_get_exited (info);
  gboolean signaled = g_pidfd_exit_info_get_signaled (info);
  gboolean has_rusage = g_pidfd_exit_info_has_rusage (info);
  guint uid = g_pidfd_exit_info_get_uid (info);

  g_string_append_printf (json, "\"pid\": %d", g_pidfd_exit_info_get_pid (info));
  if (label != NULL)
    g_string_append_printf (json, ", \"label\": \"%s\"", label);
  append_json_bool (json, "child", is_child);
  append_json_bool (json, "has_status", has_status);
  append_json_bool (json, "exited", exited);
  append_json_int_or_null (json, "exit_status", exited,
                           g_pidfd_exit_info_get_exit_status (info));
  append_json_bool (json, "signaled", signaled);
  append_json_int_or_null (json, "term_signal", signaled,
                           g_pidfd_exit_info_get_term_signal (info));
  if (signaled)
    g_string_append_printf (json, ", \"signal\": \"SIG%s\"",
                            signal_name (g_pidfd_exit_info_get_term_signal (info)));
  else
    g_string_append (json, ", \"signal\": null");
  append_json_bool (json, "core_dumped", g_pidfd_exit_info_get_core_dumped (info));
  append_json_int_or_null (json, "wait_status", has_status,
                           g_pidfd_exit_info_get_wait_status (info));
  append_json_int_or_null (json, "uid", uid != G_MAXUINT, uid);
  append_json_bool (json, "has_rusage", has_rusage);
  append_json_int_or_null (json, "user_time_us", has_rusage,
                           g_pidfd_exit_info_get_user_time (info));
  append_json_int_or_null (json, "system_time_us", has_rusage,
                           g_pidfd_exit_info_get_system_time (info));
  append_json_int_or_null (json, "max_rss_kib", has_rusage,
                           g_pidfd_exit_info_get_max_rss (info));
  g_string_append (json, "}");

  return g_string_free (json, FALSE);
}

/* The status a shell would give: the exit status, or 128 + the signal. */
static int
shell_status (GPidFdExitInfo *info)
{
  if (g_pidfd_exit_info_get_exited (info))
    return g_pidfd_exit_info_get_exit_status (info);
  if (g_pidfd_exit_info_get_signaled (info))
    return 128 + g_pidfd_exit_info_get_term_signal (info);

  return EXIT_TOOL_FAILED;
}

/* gpidfd run */

static int
cmd_run (int    argc,
         char **argv)
{
  gboolean json = FALSE;
  g_autofree char *output = NULL;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print the record as one JSON object", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the record to FILE instead of standard error (“-” for standard output)", "FILE" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autofree char *report = NULL;
  char **child_argv;
  GPid pid;

  context = command_context_new ("run", "[--] COMMAND [ARGUMENT…]",
                                 "Run COMMAND, wait for it, and report how it ended and what "
                                 "it used.",
                                 "The report goes to standard error, like time(1), so that it "
                                 "does not mix with the output of COMMAND.\n"
                                 "The exit status is that of COMMAND, or 128 + N when signal N "
                                 "killed it; 127 when COMMAND cannot be found, 126 when it "
                                 "cannot be run, 125 when gpidfd itself fails.");
  g_option_context_add_main_entries (context, entries, NULL);
  /* Options after COMMAND belong to COMMAND. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  child_argv = argv + 1;
  if (child_argv[0] != NULL && strcmp (child_argv[0], "--") == 0)
    child_argv++;
  if (child_argv[0] == NULL)
    {
      print_error ("no command given");
      g_printerr ("Run \"%s --help\" for usage.\n", g_get_prgname ());
      return EXIT_USAGE;
    }

  if (!g_spawn_async (NULL, child_argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
                      G_SPAWN_CHILD_INHERITS_STDIN,
                      NULL, NULL, &pid, &error))
    {
      print_error ("%s", error->message);
      return g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT)
        ? EXIT_NOT_FOUND : EXIT_CANNOT_INVOKE;
    }

  /* Like time(1): an interrupt from the terminal is for the command; we
   * still want to say how it ended. */
  signal (SIGINT, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);

  /* Race-free: nobody else can reap our child before we do. */
  pidfd = g_pidfd_new_from_pid (pid, &error);
  if (pidfd == NULL)
    {
      print_error ("%s", error->message);
      return EXIT_TOOL_FAILED;
    }

  info = g_pidfd_wait (pidfd, NULL, &error);
  if (info == NULL)
    {
      print_error ("%s", error->message);
      return EXIT_TOOL_FAILED;
    }

  if (json)
    {
      g_autofree char *line = format_record_json (info, g_pidfd_is_child (pidfd), NULL);

      report = g_strconcat (line, "\n", NULL);
    }
  else
    report = format_record_block (info);

  if (output == NULL)
    fputs (report, stderr);
  else if (strcmp (output, "-") == 0)
    fputs (report, stdout);
  else if (!g_file_set_contents (output, report, -1, &error))
    {
      print_error ("%s", error->message);
      return EXIT_TOOL_FAILED;
    }

  fflush (stdout);

  return shell_status (info);
}

/* gpidfd wait */

typedef struct
{
  GMainLoop *loop;
  GCancellable *cancellable;
  gboolean json;
  guint n_pending;
  gboolean timed_out;
  gboolean failed;
  GHashTable *pending;  /* GPidFd -> NULL */
} WaitState;

static void
wait_state_done_one (WaitState *state,
                     GPidFd    *pidfd)
{
  g_hash_table_remove (state->pending, pidfd);
  if (--state->n_pending == 0)
    g_main_loop_quit (state->loop);
}

static void
on_wait_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GPidFd *pidfd = G_PIDFD (object);
  WaitState *state = user_data;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  info = g_pidfd_wait_finish (pidfd, result, &error);
  if (info == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          print_error ("%s", error->message);
          state->failed = TRUE;
        }
      wait_state_done_one (state, pidfd);
      return;
    }

  if (state->json)
    line = format_record_json (info, g_pidfd_is_child (pidfd), NULL);
  else
    line = format_record_line (info, NULL);
  g_print ("%s\n", line);
  fflush (stdout);

  wait_state_done_one (state, pidfd);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  WaitState *state = user_data;
  g_autoptr(GString) pids = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, state->pending);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_string_append_printf (pids, " %d", g_pidfd_get_pid (key));

  print_error ("timed out; still waiting for%s", pids->str);
  state->timed_out = TRUE;
  /* Completes the pending waits, in this context. */
  g_cancellable_cancel (state->cancellable);

  return G_SOURCE_REMOVE;
}

static int
cmd_wait (int    argc,
          char **argv)
{
  gboolean json = FALSE;
  double timeout = -1;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print each record as one JSON object per line", NULL },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &timeout,
      "Give up after SECONDS (exit status 124)", "SECONDS" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GHashTable) pending = NULL;
  g_autoptr(GArray) pids = NULL;
  WaitState state = { 0, };
  guint timeout_id = 0;

  context = command_context_new ("wait", "PID…",
                                 "Wait for processes to end, children or not, and print how "
                                 "each one ended, as it ends.",
                                 "A process that is not a child of gpidfd is never reaped by "
                                 "it. On Linux 6.15 and later its status is known once its "
                                 "parent has reaped it, and gpidfd waits until then; on older "
                                 "kernels the status is reported as unknown.\n"
                                 "The exit status is 0 when every process was waited for, 1 "
                                 "when one could not be, 124 on timeout.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc < 2)
    {
      print_error ("no process id given");
      g_printerr ("Run \"%s --help\" for usage.\n", g_get_prgname ());
      return EXIT_USAGE;
    }
  if (timeout != -1 && (timeout < 0 || timeout > G_MAXUINT / 1000))
    {
      print_error ("invalid timeout %g: give a number of seconds, 0 or more", timeout);
      return EXIT_USAGE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  cancellable = g_cancellable_new ();
  pending = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  state.loop = loop;
  state.cancellable = cancellable;
  state.json = json;
  state.pending = pending;

  pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  for (int i = 1; i < argc; i++)
    {
      GPid pid;

      if (strcmp (argv[i], "--") == 0)
        continue;
      if (!parse_pid (argv[i], &pid))
        return EXIT_USAGE;
      g_array_append_val (pids, pid);
    }

  for (guint i = 0; i < pids->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      GPid pid = g_array_index (pids, GPid, i);

      pidfd = g_pidfd_new_from_pid (pid, &error);
      if (pidfd == NULL)
        {
          print_error ("%s", error->message);
          state.failed = TRUE;
          continue;
        }

      g_hash_table_add (pending, g_object_ref (pidfd));
      state.n_pending++;
      g_pidfd_wait_async (pidfd, cancellable, on_wait_done, &state);
    }

  if (state.n_pending > 0)
    {
      if (timeout >= 0)
        timeout_id = g_timeout_add ((guint) (timeout * 1000), on_wait_timeout, &state);
      g_main_loop_run (loop);
      if (timeout_id != 0 && !state.timed_out)
        g_source_remove (timeout_id);
    }

  if (state.timed_out)
    return EXIT_TIMED_OUT;

  return state.failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* gpidfd signal */

static int
cmd_signal (int    argc,
            char **argv)
{
  gboolean list = FALSE;
  const GOptionEntry entries[] = {
    { "list", 'l', 0, G_OPTION_ARG_NONE, &list,
      "List the signal names and numbers", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  const char *args[2];
  int n_args = 0;
  GPid pid;
  int signum;

  context = command_context_new ("signal", "PID SIGNAL",
                                 "Send SIGNAL to process PID through a pidfd.",
                                 "SIGNAL is a name (TERM, SIGTERM, term) or a number; 0 only "
                                 "checks that the process exists and may be signalled.\n"
                                 "Once the pidfd is open, the signal can only reach that "
                                 "process, never a later one that reuses its pid.");
  g_option_context_add_main_entries (context, entries, NULL);
  /* So that "-9" and "-KILL" reach us as the signal. */
  g_option_context_set_ignore_unknown_options (context, TRUE);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (list)
    {
      for (int i = 1; i < NSIG; i++)
        if (sigabbrev_np (i) != NULL)
          g_print ("%2d SIG%s\n", i, sigabbrev_np (i));
      return EXIT_SUCCESS;
    }

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        continue;
      if (n_args == 2)
        {
          n_args++;
          break;
        }
      args[n_args++] = argv[i];
    }
  if (n_args != 2)
    {
      print_error ("expected a process id and a signal");
      g_printerr ("Run \"%s --help\" for usage.\n", g_get_prgname ());
      return EXIT_USAGE;
    }

  if (!parse_pid (args[0], &pid))
    return EXIT_USAGE;
  signum = parse_signal (args[1]);
  if (signum < 0)
    {
      print_error ("unknown signal “%s” (\"gpidfd signal --list\" lists them)", args[1]);
      return EXIT_USAGE;
    }

  pidfd = g_pidfd_new_from_pid (pid, &error);
  if (pidfd == NULL || !g_pidfd_send_signal (pidfd, signum, &error))
    {
      print_error ("%s", error->message);
      return EXIT_FAILURE;
    }

  return EXIT_SUCCESS;
}

/* gpidfd status */

static int
cmd_status (int    argc,
            char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print the status as one JSON object", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  const char *state;
  gboolean exited;
  GPid pid;

  context = command_context_new ("status", "PID",
                                 "Show whether process PID is running or has exited, and "
                                 "whether it is a child of gpidfd.",
                                 "A process that has exited but not been reaped by its parent "
                                 "yet (a zombie) shows as exited.\n"
                                 "The exit status is 0 when the process exists, 1 when it "
                                 "cannot be opened.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc != 2)
    {
      print_error ("expected one process id");
      g_printerr ("Run \"%s --help\" for usage.\n", g_get_prgname ());
      return EXIT_USAGE;
    }
  if (!parse_pid (argv[1], &pid))
    return EXIT_USAGE;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  if (pidfd == NULL)
    {
      print_error ("%s", error->message);
      return EXIT_FAILURE;
    }

  exited = g_pidfd_has_exited (pidfd);
  state = exited ? "exited" : "running";

  if (json)
    g_print ("{\"pid\": %d, \"state\": \"%s\", \"running\": %s, \"child\": %s}\n",
             g_pidfd_get_pid (pidfd), state, exited ? "false" : "true",
             g_pidfd_is_child (pidfd) ? "true" : "false");
  else
    g_print ("pid:    %d\n"
             "state:  %s\n"
             "child:  %s\n",
             g_pidfd_get_pid (pidfd),
             exited ? "exited (not yet reaped by its parent)" : "running",
             g_pidfd_is_child (pidfd) ? "yes" : "no");

  return EXIT_SUCCESS;
}

/* gpidfd demo */

typedef enum
{
  DEMO_EXIT_0,
  DEMO_EXIT_3,
  DEMO_SIGTERM,
  DEMO_SIGKILL,
  DEMO_BURN,
  N_DEMO_KINDS
} DemoKind;

static const char * const demo_labels[N_DEMO_KINDS] = {
  "exit 0", "exit 3", "SIGTERM", "SIGKILL", "burn CPU, exit 0",
};

/* CPU time a burning child uses before it exits. */
#define DEMO_BURN_NS (150 * 1000 * 1000)

typedef struct _DemoState DemoState;

typedef struct
{
  DemoState *state;
  DemoKind kind;
  GPid pid;
  GPidFd *pidfd;
  gboolean done;
} DemoChild;

struct _DemoState
{
  GMainLoop *loop;
  gboolean json;
  guint n_pending;
  guint n_as_expected;
  gboolean timed_out;
};

static gint64
process_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* In the forked child: only async-signal-safe calls from here on. */
G_GNUC_NORETURN static void
demo_child_main (DemoKind kind,
                 pid_t    parent)
{
  volatile guint64 sink = 0;

  /* Never outlive the demo, whatever happens to it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (EXIT_TOOL_FAILED);

  switch (kind)
    {
    case DEMO_EXIT_0:
      _exit (0);
    case DEMO_EXIT_3:
      _exit (3);
    case DEMO_SIGTERM:
    case DEMO_SIGKILL:
      for (;;)
        pause ();
    case DEMO_BURN:
      while (process_cpu_ns () < DEMO_BURN_NS)
        for (guint i = 0; i < 100000; i++)
          sink += i * i;
      /* Reads the sum, so that the loop is not optimized out; always 0. */
      _exit ((int) (sink & 0));
    case N_DEMO_KINDS:
    default:
      _exit (EXIT_TOOL_FAILED);
    }
}

static gboolean
demo_as_expected (DemoKind        kind,
                  GPidFdExitInfo *info)
{
  switch (kind)
    {
    case DEMO_EXIT_0:
      return g_pidfd_exit_info_get_exit_status (info) == 0;
    case DEMO_EXIT_3:
      return g_pidfd_exit_info_get_exit_status (info) == 3;
    case DEMO_SIGTERM:
      return g_pidfd_exit_info_get_term_signal (info) == SIGTERM;
    case DEMO_SIGKILL:
      return g_pidfd_exit_info_get_term_signal (info) == SIGKILL;
    case DEMO_BURN:
      return g_pidfd_exit_info_get_exit_status (info) == 0 &&
             g_pidfd_exit_info_get_user_time (info) + g_pidfd_exit_info_get_system_time (info) > 0;
    case N_DEMO_KINDS:
    default:
      return FALSE;
    }
}

static void
on_demo_child_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  DemoChild *child = user_data;
  DemoState *state = child->state;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  child->done = TRUE;
  info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  if (info == NULL)
    print_error ("%s", error->message);
  else
    {
      if (state->json)
        line = format_record_json (info, g_pidfd_is_child (child->pidfd),
                                   demo_labels[child->kind]);
      else
        line = format_record_line (info, demo_labels[child->kind]);
      g_print ("%s\n", line);
      fflush (stdout);

      if (demo_as_expected (child->kind, info))
        state->n_as_expected++;
      else
        print_error ("process %d [%s] did not end as expected", child->pid,
                     demo_labels[child->kind]);
    }

  if (--state->n_pending == 0)
    g_main_loop_quit (state->loop);
}

static gboolean
on_demo_send_signal (gpointer user_data)
{
  DemoChild *child = user_data;
  g_autoptr(GError) error = NULL;
  int signum = child->kind == DEMO_SIGTERM ? SIGTERM : SIGKILL;

  if (!g_pidfd_send_signal (child->pidfd, signum, &error))
    print_error ("%s", error->message);

  return G_SOURCE_REMOVE;
}

static gboolean
on_demo_timeout (gpointer user_data)
{
  DemoState *state = user_data;

  print_error ("the demo children took too long to end");
  state->timed_out = TRUE;
  g_main_loop_quit (state->loop);

  return G_SOURCE_REMOVE;
}

static int
cmd_demo (int    argc,
          char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print each record as one JSON object per line", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree DemoChild *children = NULL;
  DemoState state = { 0, };
  guint64 n = 5;
  guint timeout_id;
  pid_t self = getpid ();

  context = command_context_new ("demo", "[N]",
                                 "Start N children (5 by default) that end in different ways "
                                 "— exit 0, exit 3, SIGTERM, SIGKILL, burn CPU then exit 0 — "
                                 "and watch them all from one main loop, printing each record "
                                 "as it ends.",
                                 "The exit status is 0 when every child ended as expected.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse_options (context, &argc, &argv))
    return EXIT_USAGE;

  if (argc > 2)
    {
      print_error ("expected at most one argument, the number of children");
      return EXIT_USAGE;
    }
  if (argc == 2 && !g_ascii_string_to_unsigned (argv[1], 10, 1, 1000, &n, NULL))
    {
      print_error ("“%s” is not a number of children from 1 to 1000", argv[1]);
      return EXIT_USAGE;
    }

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  state.json = json;
  children = g_new0 (DemoChild, n);

  /* Fork them all before anything else runs in this process. */
  for (guint i = 0; i < n; i++)
    {
      DemoChild *child = &children[i];
      pid_t pid;

      child->state = &state;
      child->kind = i % N_DEMO_KINDS;
      fflush (stdout);
      fflush (stderr);
      pid = fork ();
      if (pid < 0)
        {
          print_error ("cannot start a child: %s", g_strerror (errno));
          n = i;
          break;
        }
      if (pid == 0)
        demo_child_main (child->kind, self);
      child->pid = pid;
    }

  for (guint i = 0; i < n; i++)
    {
      DemoChild *child = &children[i];
      g_autoptr(GError) error = NULL;

      /* Race-free: an unreaped child keeps its pid. */
      child->pidfd = g_pidfd_new_from_pid (child->pid, &error);
      if (child->pidfd == NULL)
        {
          print_error ("%s", error->message);
          kill (child->pid, SIGKILL);
          continue;
        }

      state.n_pending++;
      g_pidfd_wait_async (child->pidfd, NULL, on_demo_child_done, child);

      if (child->kind == DEMO_SIGTERM || child->kind == DEMO_SIGKILL)
        g_timeout_add (50 + 10 * (i / N_DEMO_KINDS), on_demo_send_signal, child);
    }

  if (state.n_pending > 0)
    {
      /* Burning children share the CPUs: allow for many of them. */
      timeout_id = g_timeout_add_seconds (10 + n / 10, on_demo_timeout, &state);
      g_main_loop_run (loop);
      if (!state.timed_out)
        g_source_remove (timeout_id);
    }

  for (guint i = 0; i < n; i++)
    {
      if (children[i].pidfd != NULL && !children[i].done)
        g_pidfd_send_signal (children[i].pidfd, SIGKILL, NULL);
      g_clear_object (&children[i].pidfd);
    }

  if (!json)
    g_print ("%u of %u children ended as expected\n", state.n_as_expected, (guint) n);

  return state.n_as_expected == n ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* gpidfd */

static const Command commands[] = {
  { "run", cmd_run, "Run a command and report how it ended and what it used" },
  { "wait", cmd_wait, "Wait for processes to end, children or not" },
  { "signal", cmd_signal, "Send a signal to a process without racing pid reuse" },
  { "status", cmd_status, "Show whether a process is running" },
  { "demo", cmd_demo, "Watch a few children end in different ways" },
};

static void
print_usage (FILE *out)
{
  fprintf (out,
           "Usage:\n"
           "  gpidfd COMMAND [OPTION…] [ARGUMENT…]\n"
           "\n"
           "Run, wait for, signal and inspect Linux processes through pidfds.\n"
           "\n"
           "Commands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf (out,
           "\n"
           "Options:\n"
           "  -h, --help       Show this help\n"
           "  --version        Show the version\n"
           "\n"
           "Run \"gpidfd COMMAND --help\" for the options of a command.\n");
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

  setlocale (LC_ALL, "");
  g_set_prgname ("gpidfd");

  if (argc < 2)
    {
      print_usage (stderr);
      return EXIT_USAGE;
    }

  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      if (argc > 2 && strcmp (argv[1], "help") == 0)
        {
          char *help_argv[] = { argv[2], (char *) "--help", NULL };

          command = find_command (argv[2]);
          if (command == NULL)
            {
              print_error ("unknown command “%s”", argv[2]);
              return EXIT_USAGE;
            }
          return command->func (2, help_argv);
        }
      print_usage (stdout);
      return EXIT_SUCCESS;
    }

  if (strcmp (argv[1], "--version") == 0)
    {
      g_print ("gpidfd %s\n", GPIDFD_VERSION_S);
      return EXIT_SUCCESS;
    }

  command = find_command (argv[1]);
  if (command == NULL)
    {
      print_error ("unknown command “%s”", argv[1]);
      g_printerr ("Run \"gpidfd --help\" for usage.\n");
      return EXIT_USAGE;
    }

  return command->func (argc - 1, argv + 1);
}
