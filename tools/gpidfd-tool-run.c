/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-run.c: gpidfd run, a time(1) and timeout(1) on pidfds */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "gpidfd-tool.h"

/* Signals sent to gpidfd that go on to the command. */
static const int forwarded_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

typedef struct
{
  GMainLoop *loop;
  GPidFd *pidfd;
  GPid pid;                 /* the command's, kept once it is reaped */
  GPidFdToolStream *report;
  gboolean json;

  int timeout_signal;
  const char *timeout_text;
  double kill_after;
  const char *kill_after_text;
  gboolean foreground;       /* in our process group: signal the command only */
  gboolean verbose;
  gboolean timed_out;
  gboolean killed;
  guint kill_id;

  const char *command_name;
  GArray *forwarded;        /* of int: the signals, in order */
  GPidFdExitInfo *info;
  GError *error;
} RunState;

static void
run_state_clear (RunState *state)
{
  g_clear_pointer (&state->loop, g_main_loop_unref);
  g_clear_object (&state->pidfd);
  g_clear_pointer (&state->forwarded, g_array_unref);
  g_clear_object (&state->info);
  g_clear_error (&state->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RunState, run_state_clear)

/* {"event": "signal", "pid": N, "signal": "SIGTERM", "number": 15,
 *  "reason": ..., "process_group": ..., "sent": ...} */
static void
emit_signal_event (RunState   *state,
                   int         signum,
                   const char *reason,
                   GError     *error)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (error != NULL)
    gpidfd_tool_report_error (state->json ? state->report : NULL,
                              state->pid, NULL, error);

  if (!state->json)
    return;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "signal");
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, state->pid);
  gpidfd_tool_json_add_signal (builder, signum);
  json_builder_set_member_name (builder, "reason");
  json_builder_add_string_value (builder, reason);
  json_builder_set_member_name (builder, "process_group");
  json_builder_add_boolean_value (builder, !state->foreground);
  json_builder_set_member_name (builder, "sent");
  json_builder_add_boolean_value (builder, error == NULL);
  json_builder_end_object (builder);
  gpidfd_tool_json_emit (state->report, builder);
}

/* Sends @signum to every process of our process group but us, as
 * timeout(1)'s kill (0, sig) does without reaching timeout itself: each
 * is opened by its pidfd first, and signalled only if, once held, it is
 * still in the group (a pid reused meanwhile is never signalled). */
static void
signal_our_group (int signum)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  pid_t self = getpid ();
  pid_t group = getpgrp ();
  const char *name;

  if (proc == NULL)
    return;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autoptr(GPidFd) member = NULL;
      guint64 pid;

      if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXINT, &pid, NULL) ||
          (pid_t) pid == self)
        continue;
      if (getpgid ((pid_t) pid) != group)
        continue;
      member = g_pidfd_new_from_pid_full ((GPid) pid, G_PIDFD_FLAGS_NO_REAP, NULL);
      if (member != NULL && getpgid ((pid_t) pid) == group)
        g_pidfd_send_signal (member, signum, NULL);
    }
}

/* Sends @signum to the command and, unless --foreground, to the rest of
 * its process group (ours), then SIGCONT the same way so that a stopped
 * command (or a stopped process of its group) ends too, as timeout(1)
 * does.
 * Returns whether the signal was sent: not when the command has ended
 * and been reaped already (the wait may have done so in this very
 * iteration of the loop), which is no error. */
static gboolean
send_to_command (RunState   *state,
                 int         signum,
                 const char *reason)
{
  g_autoptr(GError) error = NULL;

  if (state->info != NULL)
    return FALSE;

  if (state->verbose && strcmp (reason, "forwarded") != 0)
    {
      g_autofree char *name = gpidfd_tool_signal_full_name (signum);

      gpidfd_tool_error ("Sending %s to command '%s' (pid %d)%s", name,
                         state->command_name, state->pid,
                         state->foreground ? "" : " and its process group");
    }

  /* The command itself first, in case it has left its group. A process
   * that has just exited but is not reaped yet takes the signal without
   * complaint. */
  if (!g_pidfd_send_signal (state->pidfd, signum, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return FALSE;

  if (!state->foreground)
    {
      signal_our_group (signum);
      if (signum != SIGKILL && signum != SIGCONT)
        {
          g_pidfd_send_signal (state->pidfd, SIGCONT, NULL);
          signal_our_group (SIGCONT);
        }
    }
  emit_signal_event (state, signum, reason, error);

  return error == NULL;
}

static gboolean
on_kill_after (gpointer user_data)
{
  RunState *state = user_data;

  state->kill_id = 0;
  state->killed = TRUE;
  send_to_command (state, SIGKILL, "kill-after");

  return G_SOURCE_REMOVE;
}

static gboolean
on_timeout (gpointer user_data)
{
  RunState *state = user_data;

  state->timed_out = TRUE;
  send_to_command (state, state->timeout_signal, "timeout");
  state->kill_id = gpidfd_tool_timeout_add (state->kill_after, on_kill_after, state);

  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (int          fd,
           GIOCondition condition,
           gpointer     user_data)
{
  RunState *state = user_data;
  struct signalfd_siginfo si;

  while (read (fd, &si, sizeof si) == sizeof si)
    {
      int signum = (int) si.ssi_signo;

      /* A key on the terminal (^C, ^\) or a hangup signals the whole
       * foreground process group, the command included (it is in ours):
       * it has its copy already. Anything else was meant for us and
       * goes on. */
      if (si.ssi_code == SI_KERNEL)
        continue;

      if (send_to_command (state, signum, "forwarded"))
        g_array_append_val (state->forwarded, signum);
    }

  return G_SOURCE_CONTINUE;
}

static void
on_command_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  RunState *state = user_data;

  state->info = g_pidfd_wait_finish (G_PIDFD (object), result, &state->error);
  g_main_loop_quit (state->loop);
}

static void
add_line (GString    *report,
          const char *key,
          const char *format,
          ...) G_GNUC_PRINTF (3, 4);

static void
add_line (GString    *report,
          const char *key,
          const char *format,
          ...)
{
  va_list args;

  g_string_append_printf (report, "%-30s", key);
  va_start (args, format);
  g_string_append_vprintf (report, format, args);
  va_end (args);
  g_string_append_c (report, '\n');
}

static double
us_to_s (gint64 us)
{
  return (double) us / G_USEC_PER_SEC;
}

static int
cpu_percent (GPidFdExitInfo *info,
             gint64          wall_us)
{
  gint64 cpu_us = g_pidfd_exit_info_get_user_time (info) +
                  g_pidfd_exit_info_get_system_time (info);

  if (wall_us <= 0)
    return 0;

  return (int) ((cpu_us * 100 + wall_us / 2) / wall_us);
}

static char *
format_report_text (RunState  *state,
                    char     **argv,
                    gint64     wall_us)
{
  GString *report = g_string_new (NULL);
  GPidFdExitInfo *info = state->info;
  g_autofree char *command_line = gpidfd_tool_quote_argv (argv);
  g_autofree char *ending = g_pidfd_exit_info_describe (info);
  gint status = g_pidfd_exit_info_get_status (info);

  add_line (report, "Command:", "%s", command_line);
  add_line (report, "Process id:", "%d", g_pidfd_exit_info_get_pid (info));
  add_line (report, "Ended:", "%s", ending);
  add_line (report, "Wait status:", "%d (0x%04x)", status, (guint) status);
  if (state->timed_out)
    {
      g_autofree char *name = gpidfd_tool_signal_full_name (state->timeout_signal);
      g_autofree char *after = gpidfd_tool_duration_label (state->timeout_text);

      if (state->killed)
        {
          g_autofree char *later = gpidfd_tool_duration_label (state->kill_after_text);

          add_line (report, "Timed out:", "after %s; sent %s, then SIGKILL %s later",
                    after, name, later);
        }
      else
        add_line (report, "Timed out:", "after %s; sent %s", after, name);
    }
  if (state->forwarded->len > 0)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < state->forwarded->len; i++)
        {
          g_autofree char *name =
            gpidfd_tool_signal_full_name (g_array_index (state->forwarded, int, i));

          g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", name);
        }
      add_line (report, "Signals forwarded:", "%s", names->str);
    }
  add_line (report, "Wall-clock time:", "%.3f s", us_to_s (wall_us));
  add_line (report, "User CPU time:", "%.3f s", us_to_s (g_pidfd_exit_info_get_user_time (info)));
  add_line (report, "System CPU time:", "%.3f s", us_to_s (g_pidfd_exit_info_get_system_time (info)));
  add_line (report, "CPU:", "%d%%", cpu_percent (info, wall_us));
  add_line (report, "Maximum resident set size:", "%" G_GINT64_FORMAT " KiB",
            g_pidfd_exit_info_get_max_rss (info));
  add_line (report, "Major page faults:", "%" G_GINT64_FORMAT,
            g_pidfd_exit_info_get_major_faults (info));
  add_line (report, "Minor page faults:", "%" G_GINT64_FORMAT,
            g_pidfd_exit_info_get_minor_faults (info));
  add_line (report, "Voluntary context switches:", "%" G_GINT64_FORMAT,
            g_pidfd_exit_info_get_voluntary_context_switches (info));
  add_line (report, "Involuntary context switches:", "%" G_GINT64_FORMAT,
            g_pidfd_exit_info_get_involuntary_context_switches (info));
  add_line (report, "File system inputs:", "%" G_GINT64_FORMAT,
            g_pidfd_exit_info_get_fs_inputs (info));
  add_line (report, "File system outputs:", "%" G_GINT64_FORMAT,
            g_pidfd_exit_info_get_fs_outputs (info));

  return g_string_free (report, FALSE);
}

static void
emit_report_json (RunState  *state,
                  char     **argv,
                  gint64     wall_us)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  GPidFdExitInfo *info = state->info;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "exit");
  json_builder_set_member_name (builder, "command");
  json_builder_begin_array (builder);
  for (gsize i = 0; argv[i] != NULL; i++)
    gpidfd_tool_json_add_text (builder, argv[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, g_pidfd_exit_info_get_pid (info));
  json_builder_set_member_name (builder, "child");
  json_builder_add_boolean_value (builder, g_pidfd_is_child (state->pidfd));
  gpidfd_tool_json_add_exit_info (builder, info);
  json_builder_set_member_name (builder, "wall_time_us");
  json_builder_add_int_value (builder, wall_us);
  json_builder_set_member_name (builder, "cpu_percent");
  json_builder_add_int_value (builder, cpu_percent (info, wall_us));
  json_builder_set_member_name (builder, "timed_out");
  json_builder_add_boolean_value (builder, state->timed_out);
  json_builder_set_member_name (builder, "killed_after_timeout");
  json_builder_add_boolean_value (builder, state->killed);
  json_builder_set_member_name (builder, "forwarded_signals");
  json_builder_begin_array (builder);
  for (guint i = 0; i < state->forwarded->len; i++)
    {
      json_builder_begin_object (builder);
      gpidfd_tool_json_add_signal (builder, g_array_index (state->forwarded, int, i));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  gpidfd_tool_json_emit (state->report, builder);
}

static int
open_output (const char         *path,
             gboolean            append,
             GPidFdToolStream   *stream,
             GError            **error)
{
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (append ? O_APPEND : O_TRUNC);
  int fd;

  /* In place, as time -o does: a device, a FIFO, a symlink's target or a
   * file with other links stays what it is. */
  do
    fd = open (path, flags, 0666);
  while (fd < 0 && errno == EINTR);

  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot open '%s': %s", path, g_strerror (errsv));
      return -1;
    }

  stream->fd = fd;
  stream->name = g_strdup_printf ("'%s'", path);
  stream->error = 0;

  return fd;
}

/* How a spawn error reads in the tool (the errno's words, as env(1) and
 * timeout(1) say it), and the exit status it gives: 127 when COMMAND is
 * not found, 126 when it cannot be run, 125 when gpidfd could not start
 * a process at all. */
static int
spawn_failure (const char  *command,
               GError     **error)
{
  static const struct
  {
    GSpawnError code;
    int errsv;
  } errnos[] = {
    { G_SPAWN_ERROR_NOENT, ENOENT },
    { G_SPAWN_ERROR_ACCES, EACCES },
    { G_SPAWN_ERROR_PERM, EPERM },
    { G_SPAWN_ERROR_NOEXEC, ENOEXEC },
    { G_SPAWN_ERROR_TOO_BIG, E2BIG },
    { G_SPAWN_ERROR_NAMETOOLONG, ENAMETOOLONG },
    { G_SPAWN_ERROR_NOTDIR, ENOTDIR },
    { G_SPAWN_ERROR_LOOP, ELOOP },
    { G_SPAWN_ERROR_TXTBUSY, ETXTBSY },
    { G_SPAWN_ERROR_IO, EIO },
    { G_SPAWN_ERROR_NFILE, ENFILE },
    { G_SPAWN_ERROR_MFILE, EMFILE },
    { G_SPAWN_ERROR_INVAL, EINVAL },
    { G_SPAWN_ERROR_ISDIR, EISDIR },
    { G_SPAWN_ERROR_LIBBAD, ELIBBAD },
    { G_SPAWN_ERROR_NOMEM, ENOMEM },
  };
  GError *spawn_error = *error;

  for (gsize i = 0; spawn_error->domain == G_SPAWN_ERROR && i < G_N_ELEMENTS (errnos); i++)
    {
      if (spawn_error->code == (gint) errnos[i].code)
        {
          int errsv = errnos[i].errsv;

          *error = g_error_new (G_IO_ERROR, g_io_error_from_errno (errsv),
                                "Cannot run '%s': %s", command, g_strerror (errsv));
          g_error_free (spawn_error);
          if (errsv == ENOENT)
            return GPIDFD_TOOL_EXIT_NOT_FOUND;
          /* Out of memory or descriptors before the exec: ours, as
           * timeout(1) says for a failed fork. */
          if (errsv == ENOMEM || errsv == EMFILE || errsv == ENFILE)
            return GPIDFD_TOOL_EXIT_FAILED;
          return GPIDFD_TOOL_EXIT_CANNOT_INVOKE;
        }
    }

  /* No process was made (G_SPAWN_ERROR_FORK, a pipe or a pidfd that
   * could not be had): gpidfd's failure. */
  *error = g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot start '%s': %s",
                        command, spawn_error->message);
  g_error_free (spawn_error);

  return GPIDFD_TOOL_EXIT_FAILED;
}

/* The command runs and cannot be watched: it must not go on unwatched.
 * Ends it and its group, and reaps it with a blocking wait, which needs
 * no descriptor beyond the pidfd. */
static void
kill_and_reap (RunState *state)
{
  g_autoptr(GPidFdExitInfo) reaped = NULL;

  g_pidfd_send_signal (state->pidfd, SIGKILL, NULL);
  if (!state->foreground)
    signal_our_group (SIGKILL);
  reaped = g_pidfd_wait (state->pidfd, NULL, NULL);
}

int
gpidfd_tool_run (int    argc,
                 char **argv)
{
  gboolean json = FALSE;
  gboolean append = FALSE;
  gboolean foreground = FALSE;
  gboolean preserve_status = FALSE;
  gboolean verbose = FALSE;
  g_autofree char *output = NULL;
  g_autofree char *timeout_text = NULL;
  g_autofree char *signal_text = NULL;
  g_autofree char *kill_after_text = NULL;
  const GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout_text,
      "Send SIGNAL to COMMAND and its process group after DURATION (then exit 124)",
      "DURATION" },
    { "signal", 's', 0, G_OPTION_ARG_STRING, &signal_text,
      "The signal of the timeout (TERM by default)", "SIGNAL" },
    { "kill-after", 'k', 0, G_OPTION_ARG_STRING, &kill_after_text,
      "Then send SIGKILL if it still runs DURATION later",
      "DURATION" },
    { "foreground", 0, 0, G_OPTION_ARG_NONE, &foreground,
      "Do not make a process group (when not run from a shell prompt, "
      "COMMAND can then read the terminal); signal COMMAND only", NULL },
    { "preserve-status", 0, 0, G_OPTION_ARG_NONE, &preserve_status,
      "Exit with the status of COMMAND even when the timeout fired", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
      "Say on standard error each signal sent at the timeout", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
      "Write the report to FILE, not standard error", "FILE" },
    { "append", 'a', 0, G_OPTION_ARG_NONE, &append,
      "Append to FILE instead of truncating it", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Write the report as JSON Lines", NULL },
    G_OPTION_ENTRY_NULL
  };
  const GPidFdToolCommandInfo info = {
    "run", "[--] COMMAND [ARGUMENT...]",
    "Run COMMAND, wait for it, and report how it ended and what it used.",
    "FILE is opened (created, or truncated in place) before COMMAND starts; "
    "'-' is standard output.\n"
    "\n"
    "COMMAND is held by its pidfd from the moment it exists. As with "
    "timeout(1), gpidfd leads a process group (from a shell prompt, its "
    "job's) and COMMAND starts in it; the timeout signal and SIGKILL reach "
    "COMMAND and every other process of the group, each followed by SIGCONT "
    "so that stopped processes end too; --foreground keeps gpidfd's group "
    "and signals COMMAND only. COMMAND inherits gpidfd's descriptors and the "
    "signals gpidfd was started with ignored (under nohup, SIGHUP stays "
    "ignored), except SIGCHLD, which gpidfd needs at its default; it starts "
    "with an empty signal mask. SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to "
    "gpidfd go on to COMMAND and its group (those a terminal sends to the "
    "whole foreground group already reach COMMAND, and are not sent again), "
    "and the report is written whatever ends COMMAND.\n"
    "\n"
    "DURATION is a number of seconds, possibly with a fraction or an exponent, "
    "and an optional unit: s (seconds), m (minutes), h (hours) or d (days); "
    "0 and 'inf' mean no limit.\n"
    "\n"
    "Exit status: that of COMMAND, or 128 + N when signal N killed it; 124 "
    "when the timeout fired (137 when SIGKILL ended COMMAND then; with "
    "--preserve-status, that of COMMAND); 125 when gpidfd itself fails (a "
    "usage error, a report that cannot be written, to a closed pipe too); "
    "126 when COMMAND cannot be run; 127 when it is not found.",
    TRUE,
    TRUE,
  };
  g_auto(RunState) state = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdLauncher) launcher = NULL;
  GPidFdToolStream output_stream = { -1, NULL, 0 };
  struct sigaction default_action = { 0, };
  sigset_t forwarded_mask, pipe_mask;
  double timeout = 0;
  double kill_after = 0;
  int timeout_signal = SIGTERM;
  char **command;
  int signal_fd;
  gint64 start, wall_us;
  int status;
  guint timeout_id = 0;

  /* The report is written once the command has ended: were a closed
   * pipe to kill us then, the command's status would be lost, and the
   * shell would see 141 as if the command had died of SIGPIPE. With
   * SIGPIPE blocked, a write to a closed pipe fails instead, as any
   * other, and we exit with 125; the command, which starts with an empty
   * mask, has SIGPIPE as it would without us. */
  sigemptyset (&pipe_mask);
  sigaddset (&pipe_mask, SIGPIPE);
  sigprocmask (SIG_BLOCK, &pipe_mask, NULL);

  if (!gpidfd_tool_parse_options (&info, entries, &argc, &argv, &status))
    return status;
  /* Where the report goes; -o is not open yet. */
  if (json)
    gpidfd_tool_set_json_errors (output != NULL && strcmp (output, "-") == 0
                                 ? gpidfd_tool_stdout () : gpidfd_tool_stderr ());

  if (timeout_text != NULL &&
      !gpidfd_tool_parse_duration ("--timeout", timeout_text, &timeout, &error))
    return gpidfd_tool_usage_error (timeout_text, "%s", error->message);
  if (kill_after_text != NULL &&
      !gpidfd_tool_parse_duration ("--kill-after", kill_after_text, &kill_after, &error))
    return gpidfd_tool_usage_error (kill_after_text, "%s", error->message);
  if (signal_text != NULL)
    {
      timeout_signal = gpidfd_tool_parse_signal (signal_text);
      if (timeout_signal < 0)
        return gpidfd_tool_usage_error (signal_text, "Unknown signal '%s' for --signal "
                                        "('gpidfd kill -l' lists them)", signal_text);
    }
  if ((signal_text != NULL || kill_after_text != NULL) && timeout_text == NULL)
    return gpidfd_tool_usage_error (NULL, "%s needs --timeout",
                                    signal_text != NULL && kill_after_text != NULL
                                    ? "--signal (and --kill-after)"
                                    : signal_text != NULL ? "--signal" : "--kill-after");
  if (append && output == NULL)
    return gpidfd_tool_usage_error (NULL, "--append needs --output");

  command = argv + 1;
  if (command[0] == NULL)
    return gpidfd_tool_usage_error (NULL, "No command given");
  if (command[0][0] == '\0')
    {
      /* As timeout(1) and env(1): a command not found. */
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot run '': No such file or directory");
      gpidfd_tool_report_error (json ? gpidfd_tool_stderr () : NULL, 0, "", error);
      return gpidfd_tool_finish (GPIDFD_TOOL_EXIT_NOT_FOUND, GPIDFD_TOOL_EXIT_FAILED, NULL);
    }

  state.json = json;
  state.foreground = foreground;
  state.verbose = verbose;
  state.command_name = command[0];
  state.timeout_signal = timeout_signal;
  state.timeout_text = timeout_text;
  state.kill_after = kill_after;
  state.kill_after_text = kill_after_text;
  state.forwarded = g_array_new (FALSE, FALSE, sizeof (int));
  state.report = gpidfd_tool_stderr ();
  if (output != NULL && strcmp (output, "-") == 0)
    state.report = gpidfd_tool_stdout ();

  /* Before any descriptor of ours: then a shortage is an error, not an
   * abort in GLib. */
  state.loop = gpidfd_tool_main_loop_new (&error);
  if (state.loop == NULL)
    {
      gpidfd_tool_report_error (json ? state.report : NULL, 0, NULL, error);
      return gpidfd_tool_finish (GPIDFD_TOOL_EXIT_FAILED, GPIDFD_TOOL_EXIT_FAILED, state.report);
    }

  /* Before the command starts: a path that cannot be written fails now,
   * not after the command has done its work. */
  if (output != NULL && strcmp (output, "-") != 0)
    {
      if (open_output (output, append, &output_stream, &error) < 0)
        {
          gpidfd_tool_report_error (json ? state.report : NULL, 0, output, error);
          return GPIDFD_TOOL_EXIT_FAILED;
        }
      state.report = &output_stream;
    }

  /* Our own waiting must not depend on what we inherited: with SIGCHLD
   * ignored (or SA_NOCLDWAIT), the kernel would reap the command itself,
   * and its resource usage would be lost. */
  default_action.sa_handler = SIG_DFL;
  sigemptyset (&default_action.sa_mask);
  sigaction (SIGCHLD, &default_action, NULL);

  /* The signals to forward are read from a signalfd. Those we inherited
   * ignored stay ignored, and so never show up there. */
  sigemptyset (&forwarded_mask);
  for (gsize i = 0; i < G_N_ELEMENTS (forwarded_signals); i++)
    sigaddset (&forwarded_mask, forwarded_signals[i]);
  sigprocmask (SIG_BLOCK, &forwarded_mask, NULL);
  signal_fd = signalfd (-1, &forwarded_mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd < 0)
    {
      int errsv = errno;

      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot create a signalfd: %s", g_strerror (errsv));
      gpidfd_tool_report_error (json ? state.report : NULL, 0, NULL, error);
      return GPIDFD_TOOL_EXIT_FAILED;
    }

  /* Standard input and every descriptor without close-on-exec go to the
   * command, as they would without us; gpidfd's own are close-on-exec. */
  launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT |
                                   G_SUBPROCESS_FLAGS_INHERIT_FDS);
  g_pidfd_launcher_set_inherit_ignored_signals (launcher, TRUE);
  /* As timeout(1): unless --foreground, gpidfd leads a process group
   * (from a shell prompt, it leads its job's already) and the command
   * starts in it, so that the terminal treats them as one job. */
  if (!foreground)
    setpgid (0, 0);

  start = g_get_monotonic_time ();
  state.pidfd = g_pidfd_launcher_spawnv (launcher, (const char * const *) command, &error);
  if (state.pidfd == NULL)
    {
      status = spawn_failure (command[0], &error);
      gpidfd_tool_report_error (json ? state.report : NULL, 0,
                                status == GPIDFD_TOOL_EXIT_FAILED ? NULL : command[0],
                                error);
      return gpidfd_tool_finish (status, GPIDFD_TOOL_EXIT_FAILED, state.report);
    }
  state.pid = g_pidfd_get_pid (state.pidfd);

  g_pidfd_wait_async (state.pidfd, NULL, on_command_done, &state);
  g_unix_fd_add (signal_fd, G_IO_IN, on_signal, &state);
  timeout_id = gpidfd_tool_timeout_add (timeout, on_timeout, &state);
  g_main_loop_run (state.loop);

  wall_us = g_get_monotonic_time () - start;

  if (timeout_id != 0 && !state.timed_out)
    g_source_remove (timeout_id);
  if (state.kill_id != 0)
    g_source_remove (state.kill_id);

  if (state.info == NULL)
    {
      /* No watch (a shortage of descriptors, say): the command must not
       * run on unwatched. */
      gpidfd_tool_report_error (json ? state.report : NULL, state.pid, NULL, state.error);
      kill_and_reap (&state);
      return gpidfd_tool_finish (GPIDFD_TOOL_EXIT_FAILED, GPIDFD_TOOL_EXIT_FAILED, state.report);
    }

  if (json)
    emit_report_json (&state, command, wall_us);
  else
    {
      g_autofree char *text = format_report_text (&state, command, wall_us);

      gpidfd_tool_stream_puts (state.report, text);
    }

  status = gpidfd_tool_shell_status (state.info);
  if (status < 0)
    status = GPIDFD_TOOL_EXIT_FAILED;
  /* As timeout(1): 124, unless SIGKILL was needed or the command's own
   * status is asked for. */
  if (state.timed_out && !preserve_status &&
      !(g_pidfd_exit_info_get_if_signaled (state.info) &&
        g_pidfd_exit_info_get_term_sig (state.info) == SIGKILL))
    status = GPIDFD_TOOL_EXIT_TIMED_OUT;

  status = gpidfd_tool_finish (status, GPIDFD_TOOL_EXIT_FAILED, state.report);
  if (output_stream.fd >= 0)
    {
      if (close (output_stream.fd) < 0 && output_stream.error == 0)
        {
          gpidfd_tool_error ("Cannot write to '%s': %s", output, g_strerror (errno));
          status = GPIDFD_TOOL_EXIT_FAILED;
        }
      g_free (output_stream.name);
    }

  return status;
}
