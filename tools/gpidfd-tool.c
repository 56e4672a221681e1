/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool.c: helpers shared by the commands of the gpidfd program */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-tool.h"

static char *command_name = NULL;
/* Of the command being run: see GPidFdToolCommandInfo.passes_status. */
static int usage_status = GPIDFD_TOOL_EXIT_USAGE;
static int help_failure_status = EXIT_FAILURE;

void
gpidfd_tool_set_command (const char *name)
{
  g_free (command_name);
  command_name = g_strdup (name);
}

const char *
gpidfd_tool_get_command (void)
{
  return command_name;
}

/* Streams */

static GPidFdToolStream stdout_stream = { 1, (char *) "standard output", 0 };
static GPidFdToolStream stderr_stream = { 2, (char *) "standard error", 0 };

void
gpidfd_tool_guard_standard_fds (void)
{
  GPidFdToolStream *streams[] = { NULL, &stdout_stream, &stderr_stream };

  for (int fd = 0; fd <= 2; fd++)
    {
      if (fcntl (fd, F_GETFD) >= 0 || errno != EBADF)
        continue;

      /* Taken by /dev/null, so that no descriptor of ours lands there,
       * and close-on-exec, so that a command run sees it closed as it
       * would without us. Writing to it is an error, as to a closed one. */
      if (open ("/dev/null", O_RDWR | O_CLOEXEC) != fd)
        abort ();
      if (streams[fd] != NULL)
        streams[fd]->fd = -1;
    }
}

GPidFdToolStream *
gpidfd_tool_stdout (void)
{
  return &stdout_stream;
}

GPidFdToolStream *
gpidfd_tool_stderr (void)
{
  return &stderr_stream;
}

void
gpidfd_tool_stream_write (GPidFdToolStream *stream,
                          const char       *data,
                          gssize            len)
{
  gsize done = 0;
  gsize total = len < 0 ? strlen (data) : (gsize) len;

  /* After one failure, the stream is broken: later text would come out
   * with a hole in it. */
  if (stream->error != 0)
    return;

  while (done < total)
    {
      ssize_t n = write (stream->fd, data + done, total - done);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          stream->error = errno;
          return;
        }
      done += (gsize) n;
    }
}

/* In a locale whose character set is not UTF-8 (LC_ALL=C), the
 * typographic characters GLib's messages use are written in ASCII rather
 * than turned into question marks. */
static char *
text_for_locale (const char *text)
{
  static const struct
  {
    const char *utf8;
    const char *ascii;
  } replacements[] = {
    { "\xe2\x80\x9c", "\"" },  /* left double quotation mark */
    { "\xe2\x80\x9d", "\"" },  /* right double quotation mark */
    { "\xe2\x80\x98", "'" },   /* left single quotation mark */
    { "\xe2\x80\x99", "'" },   /* right single quotation mark */
    { "\xe2\x80\x93", "-" },   /* en dash */
    { "\xe2\x80\x94", "-" },   /* em dash */
    { "\xe2\x80\xa6", "..." }, /* horizontal ellipsis */
    { "\xc2\xa0", " " },       /* no-break space */
  };
  const char *charset;
  g_autoptr(GString) ascii = NULL;
  char *converted;

  if (g_get_charset (&charset))
    return g_strdup (text);

  ascii = g_string_new (text);
  for (gsize i = 0; i < G_N_ELEMENTS (replacements); i++)
    g_string_replace (ascii, replacements[i].utf8, replacements[i].ascii, 0);

  converted = g_convert_with_fallback (ascii->str, ascii->len, charset, "UTF-8",
                                       "?", NULL, NULL, NULL);
  if (converted != NULL)
    return converted;

  return g_string_free (g_steal_pointer (&ascii), FALSE);
}

void
gpidfd_tool_stream_puts (GPidFdToolStream *stream,
                         const char       *text)
{
  g_autofree char *local = text_for_locale (text);

  gpidfd_tool_stream_write (stream, local, -1);
}

void
gpidfd_tool_stream_print (GPidFdToolStream *stream,
                          const char       *format,
                          ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  gpidfd_tool_stream_puts (stream, text);
}

int
gpidfd_tool_finish (int               status,
                    int               failure_status,
                    GPidFdToolStream *extra)
{
  /* @extra may be standard output itself (run -o -): said once. */
  GPidFdToolStream *streams[] = { &stdout_stream, extra != &stdout_stream ? extra : NULL };
  int result = status;

  for (gsize i = 0; i < G_N_ELEMENTS (streams); i++)
    {
      if (streams[i] == NULL || streams[i]->error == 0)
        continue;
      gpidfd_tool_error ("Cannot write to %s: %s", streams[i]->name,
                         g_strerror (streams[i]->error));
      result = failure_status;
    }

  return result;
}

static void
error_va (const char *format,
          va_list     args) G_GNUC_PRINTF (1, 0);

static void
error_va (const char *format,
          va_list     args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  if (command_name != NULL)
    gpidfd_tool_stream_print (&stderr_stream, "gpidfd %s: %s\n", command_name, message);
  else
    gpidfd_tool_stream_print (&stderr_stream, "gpidfd: %s\n", message);
}

void
gpidfd_tool_error (const char *format,
                   ...)
{
  va_list args;

  va_start (args, format);
  error_va (format, args);
  va_end (args);
}

static GPidFdToolStream *json_errors = NULL;

void
gpidfd_tool_set_json_errors (GPidFdToolStream *stream)
{
  json_errors = stream;
}

int
gpidfd_tool_usage_error (const char *argument,
                         const char *format,
                         ...)
{
  va_list args;

  if (json_errors != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *message = NULL;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);

      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, message);
      gpidfd_tool_json_error (json_errors, 0, argument, error);
      if (json_errors == &stderr_stream)
        return usage_status;
    }

  va_start (args, format);
  error_va (format, args);
  va_end (args);

  if (command_name != NULL)
    gpidfd_tool_stream_print (&stderr_stream, "Try 'gpidfd %s --help'.\n", command_name);
  else
    gpidfd_tool_stream_print (&stderr_stream, "Try 'gpidfd --help'.\n");

  return usage_status;
}

/* Options */

/* GOptionContext prints the summary and description as they are: fold
 * them at @width columns, paragraph by paragraph. */
static char *
wrap_text (const char *text,
           gsize       width)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *wrapped = g_string_new (NULL);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", -1);
      gsize column = 0;

      if (i > 0)
        g_string_append_c (wrapped, '\n');
      for (gsize w = 0; words[w] != NULL; w++)
        {
          gsize len = g_utf8_strlen (words[w], -1);

          if (column > 0 && column + 1 + len > width)
            {
              g_string_append_c (wrapped, '\n');
              column = 0;
            }
          else if (column > 0)
            {
              g_string_append_c (wrapped, ' ');
              column++;
            }
          g_string_append (wrapped, words[w]);
          column += len;
        }
    }

  return g_string_free (wrapped, FALSE);
}

gboolean
gpidfd_tool_parse_options (const GPidFdToolCommandInfo   *command,
                           const GOptionEntry            *entries,
                           int                           *argc,
                           char                        ***argv,
                           int                           *exit_status)
{
  gboolean help = FALSE;
  const GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &help, "Show this help and exit", NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("gpidfd %s", command->name);
  g_autofree char *summary = NULL;
  g_autofree char *description = NULL;
  char **args = *argv;
  int n_args = *argc;
  int separator = n_args;
  int n_options;

  gpidfd_tool_set_command (command->name);
  usage_status = command->passes_status ? GPIDFD_TOOL_EXIT_FAILED : GPIDFD_TOOL_EXIT_USAGE;
  help_failure_status = command->passes_status ? GPIDFD_TOOL_EXIT_FAILED : EXIT_FAILURE;
  /* GOptionContext puts it in the usage line of the help. */
  g_set_prgname (prgname);

  context = g_option_context_new (command->parameters);
  g_option_context_set_help_enabled (context, FALSE);
  summary = wrap_text (command->summary, 78);
  g_option_context_set_summary (context, summary);
  if (command->description != NULL)
    {
      description = wrap_text (command->description, 78);
      g_option_context_set_description (context, description);
    }
  g_option_context_set_strict_posix (context, command->strict_posix);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, help_entries, NULL);

  /* GOptionContext keeps or drops a "--" depending on what follows it.
   * Decide here: the first "--" ends the options, and it goes. With
   * strict_posix the first argument ends them too, and a "--" after it
   * belongs to the command to run. */
  for (int i = 1; i < n_args; i++)
    {
      if (strcmp (args[i], "--") == 0)
        {
          separator = i;
          break;
        }
      if (command->strict_posix && args[i][0] != '-')
        break;
    }

  n_options = separator;
  if (!g_option_context_parse (context, &n_options, &args, &error))
    {
      *exit_status = gpidfd_tool_usage_error (NULL, "%s", error->message);
      return FALSE;
    }

  if (help)
    {
      g_autofree char *text = g_option_context_get_help (context, TRUE, NULL);

      gpidfd_tool_stream_puts (gpidfd_tool_stdout (), text);
      *exit_status = gpidfd_tool_finish (EXIT_SUCCESS, help_failure_status, NULL);
      return FALSE;
    }

  /* With strict_posix, GOptionContext may leave the "--" in front of the
   * command when it stopped there. */
  if (command->strict_posix && separator == n_args && n_options > 1 &&
      strcmp (args[1], "--") == 0)
    {
      memmove (&args[1], &args[2], sizeof (char *) * (gsize) (n_options - 1));
      n_options--;
    }

  /* The arguments after the separator follow those GOptionContext left. */
  if (separator < n_args)
    {
      int n_rest = n_args - separator - 1;

      memmove (&args[n_options], &args[separator + 1], sizeof (char *) * (gsize) n_rest);
      n_options += n_rest;
    }
  args[n_options] = NULL;

  *argc = n_options;
  *argv = args;

  return TRUE;
}

/* Process ids */

gboolean
gpidfd_tool_parse_pid (const char  *text,
                       GPid        *pid,
                       GError     **error)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT32, &value, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a process id (a decimal number from 1 to %d)",
                   text, G_MAXINT32);
      return FALSE;
    }

  *pid = (GPid) value;
  return TRUE;
}

/* Signals */

/* The names util-linux kill(1) knows for Linux, the one it lists first
 * for a number ahead of its aliases. */
static const struct
{
  const char *name;
  int signum;
} signal_names[] = {
  { "HUP", SIGHUP },
  { "INT", SIGINT },
  { "QUIT", SIGQUIT },
  { "ILL", SIGILL },
  { "TRAP", SIGTRAP },
  { "ABRT", SIGABRT },
  { "IOT", SIGIOT },
  { "BUS", SIGBUS },
  { "FPE", SIGFPE },
  { "KILL", SIGKILL },
  { "USR1", SIGUSR1 },
  { "SEGV", SIGSEGV },
  { "USR2", SIGUSR2 },
  { "PIPE", SIGPIPE },
  { "ALRM", SIGALRM },
  { "TERM", SIGTERM },
#ifdef SIGSTKFLT
  { "STKFLT", SIGSTKFLT },
#endif
  { "CHLD", SIGCHLD },
  { "CLD", SIGCHLD },
  { "CONT", SIGCONT },
  { "STOP", SIGSTOP },
  { "TSTP", SIGTSTP },
  { "TTIN", SIGTTIN },
  { "TTOU", SIGTTOU },
  { "URG", SIGURG },
  { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ },
  { "VTALRM", SIGVTALRM },
  { "PROF", SIGPROF },
  { "WINCH", SIGWINCH },
  { "POLL", SIGPOLL },
  { "IO", SIGIO },
#ifdef SIGPWR
  { "PWR", SIGPWR },
#endif
  { "SYS", SIGSYS },
};

int
gpidfd_tool_signal_max (void)
{
  return SIGRTMAX;
}

/* "3" after "RTMIN+", within [0, max]; -1 otherwise. */
static int
parse_offset (const char *text,
              int         max)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (text, 10, 0, (guint64) max, &value, NULL))
    return -1;

  return (int) value;
}

int
gpidfd_tool_parse_signal (const char *text)
{
  int rtmin = SIGRTMIN;
  int rtmax = SIGRTMAX;
  guint64 value;

  if (text == NULL || text[0] == '\0')
    return -1;

  if (g_ascii_isdigit (text[0]))
    {
      if (!g_ascii_string_to_unsigned (text, 10, 0, (guint64) rtmax, &value, NULL))
        return -1;
      return (int) value;
    }

  if (g_ascii_strncasecmp (text, "SIG", 3) == 0)
    text += 3;

  for (gsize i = 0; i < G_N_ELEMENTS (signal_names); i++)
    if (g_ascii_strcasecmp (text, signal_names[i].name) == 0)
      return signal_names[i].signum;

  if (g_ascii_strncasecmp (text, "RTMIN", 5) == 0)
    {
      int offset;

      if (text[5] == '\0')
        return rtmin;
      if (text[5] != '+')
        return -1;
      offset = parse_offset (text + 6, rtmax - rtmin);
      return offset < 0 ? -1 : rtmin + offset;
    }

  if (g_ascii_strncasecmp (text, "RTMAX", 5) == 0)
    {
      int offset;

      if (text[5] == '\0')
        return rtmax;
      if (text[5] != '-')
        return -1;
      offset = parse_offset (text + 6, rtmax - rtmin);
      return offset < 0 ? -1 : rtmax - offset;
    }

  return -1;
}

char *
gpidfd_tool_signal_name (int signum)
{
  int rtmin = SIGRTMIN;
  int rtmax = SIGRTMAX;

  for (gsize i = 0; i < G_N_ELEMENTS (signal_names); i++)
    if (signal_names[i].signum == signum)
      return g_strdup (signal_names[i].name);

  /* As bash and util-linux name them: the lower half from RTMIN. */
  if (signum == rtmin)
    return g_strdup ("RTMIN");
  if (signum == rtmax)
    return g_strdup ("RTMAX");
  if (signum > rtmin && signum - rtmin <= (rtmax - rtmin) / 2)
    return g_strdup_printf ("RTMIN+%d", signum - rtmin);
  if (signum > rtmin && signum < rtmax)
    return g_strdup_printf ("RTMAX-%d", rtmax - signum);

  return NULL;
}

char *
gpidfd_tool_signal_full_name (int signum)
{
  g_autofree char *name = gpidfd_tool_signal_name (signum);

  if (name == NULL)
    return g_strdup_printf ("signal %d", signum);

  return g_strconcat ("SIG", name, NULL);
}

/* Durations */

gboolean
gpidfd_tool_parse_duration (const char  *option,
                            const char  *text,
                            double      *seconds,
                            GError     **error)
{
  g_autofree char *number = NULL;
  const char *p = text;
  gsize len = strlen (text);
  double multiplier = 1;
  double value;
  gboolean digits = FALSE;
  char *end;

  /* The unit, if any. */
  if (len > 0)
    {
      switch (text[len - 1])
        {
        case 's':
          len--;
          break;
        case 'm':
          multiplier = 60;
          len--;
          break;
        case 'h':
          multiplier = 60 * 60;
          len--;
          break;
        case 'd':
          multiplier = 24 * 60 * 60;
          len--;
          break;
        default:
          break;
        }
    }
  number = g_strndup (text, len);

  /* What strtod takes in decimal, and nothing else: no space, no sign
   * but "+", no hexadecimal, no NaN. */
  p = number;
  if (*p == '+')
    p++;
  if (g_ascii_strcasecmp (p, "inf") == 0 || g_ascii_strcasecmp (p, "infinity") == 0)
    {
      *seconds = INFINITY;
      return TRUE;
    }
  while (g_ascii_isdigit (*p))
    {
      p++;
      digits = TRUE;
    }
  if (*p == '.')
    p++;
  while (g_ascii_isdigit (*p))
    {
      p++;
      digits = TRUE;
    }
  if (digits && (*p == 'e' || *p == 'E'))
    {
      gboolean exponent_digits = FALSE;

      p++;
      if (*p == '+' || *p == '-')
        p++;
      while (g_ascii_isdigit (*p))
        {
          p++;
          exponent_digits = TRUE;
        }
      if (!exponent_digits)
        digits = FALSE;
    }

  if (number[0] == '-')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid duration '%s' for %s: It must not be negative", text, option);
      return FALSE;
    }

  if (!digits || *p != '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid duration '%s' for %s (a number of seconds, with an "
                   "optional unit s, m, h or d, like 10, 1.5 or 2m)", text, option);
      return FALSE;
    }

  value = g_ascii_strtod (number, &end);
  g_assert (*end == '\0');

  *seconds = value * multiplier;
  return TRUE;
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

char *
gpidfd_tool_duration_label (const char *text)
{
  gsize len = strlen (text);

  if (len > 0 && (g_ascii_isdigit (text[len - 1]) || text[len - 1] == '.'))
    return g_strconcat (text, "s", NULL);

  return g_strdup (text);
}

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

/* Processes */

char *
gpidfd_tool_process_name (GPidFd *pidfd)
{
  g_autoptr(GPidFdProcessInfo) info = g_pidfd_query_info (pidfd, NULL);

  if (info == NULL || g_pidfd_process_info_get_name (info) == NULL)
    return NULL;

  return g_strdup (g_pidfd_process_info_get_name (info));
}

char *
gpidfd_tool_describe_ending (GPidFdExitInfo *info)
{
  if (!g_pidfd_exit_info_has_status (info))
    return g_strdup ("exited; status unknown (the kernel tells it only to the "
                     "parent, or to others after the reap from Linux 6.15)");

  if (g_pidfd_exit_info_get_if_exited (info))
    return g_strdup_printf ("exited with status %d",
                            g_pidfd_exit_info_get_exit_status (info));

  if (g_pidfd_exit_info_get_if_signaled (info))
    {
      int signum = g_pidfd_exit_info_get_term_sig (info);
      g_autofree char *name = gpidfd_tool_signal_name (signum);
      const char *core = g_pidfd_exit_info_get_core_dumped (info) ? ", core dumped" : "";

      /* A signal without a name is named by its number, once. */
      if (name == NULL)
        return g_strdup_printf ("killed by signal %d%s", signum, core);

      return g_strdup_printf ("killed by SIG%s (signal %d)%s", name, signum, core);
    }

  return g_strdup_printf ("ended with code %d", g_pidfd_exit_info_get_si_code (info));
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

/* JSON */

void
gpidfd_tool_json_emit (GPidFdToolStream *stream,
                       JsonBuilder      *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;
  gsize len;

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, FALSE);
  text = json_generator_to_data (generator, &len);

  gpidfd_tool_stream_write (stream, text, (gssize) len);
  gpidfd_tool_stream_write (stream, "\n", 1);
}

void
gpidfd_tool_json_add_text (JsonBuilder *builder,
                           const char  *text)
{
  g_autofree char *valid = NULL;

  if (text == NULL)
    {
      json_builder_add_null_value (builder);
      return;
    }

  /* Names of processes and arguments are bytes; JSON is UTF-8. */
  valid = g_utf8_make_valid (text, -1);
  json_builder_add_string_value (builder, valid);
}

static void
add_int_or_null (JsonBuilder *builder,
                 const char  *member,
                 gboolean     known,
                 gint64       value)
{
  json_builder_set_member_name (builder, member);
  if (known)
    json_builder_add_int_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_bool (JsonBuilder *builder,
          const char  *member,
          gboolean     value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_boolean_value (builder, value);
}

/* A boolean that only a known status tells: null without it. */
static void
add_bool_or_null (JsonBuilder *builder,
                  const char  *member,
                  gboolean     known,
                  gboolean     value)
{
  json_builder_set_member_name (builder, member);
  if (known)
    json_builder_add_boolean_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_signal_name (JsonBuilder *builder,
                 int          signum)
{
  g_autofree char *name = gpidfd_tool_signal_name (signum);

  if (name != NULL)
    {
      g_autofree char *full = g_strconcat ("SIG", name, NULL);

      json_builder_add_string_value (builder, full);
    }
  else
    json_builder_add_null_value (builder);
}

void
gpidfd_tool_json_add_signal (JsonBuilder *builder,
                             int          signum)
{
  json_builder_set_member_name (builder, "signal");
  add_signal_name (builder, signum);
  json_builder_set_member_name (builder, "number");
  json_builder_add_int_value (builder, signum);
}

void
gpidfd_tool_json_add_exit_info (JsonBuilder    *builder,
                                GPidFdExitInfo *info)
{
  gboolean has_status = info != NULL && g_pidfd_exit_info_has_status (info);
  gboolean exited = has_status && g_pidfd_exit_info_get_if_exited (info);
  gboolean signaled = has_status && g_pidfd_exit_info_get_if_signaled (info);
  gboolean has_rusage = info != NULL && g_pidfd_exit_info_has_rusage (info);
  guint uid = info != NULL ? g_pidfd_exit_info_get_uid (info) : G_MAXUINT;

  add_bool (builder, "has_status", has_status);
  add_bool_or_null (builder, "exited", has_status, exited);
  add_int_or_null (builder, "exit_status", exited,
                   exited ? g_pidfd_exit_info_get_exit_status (info) : 0);
  add_bool_or_null (builder, "signaled", has_status, signaled);
  add_int_or_null (builder, "term_signal", signaled,
                   signaled ? g_pidfd_exit_info_get_term_sig (info) : 0);
  json_builder_set_member_name (builder, "signal");
  if (signaled)
    add_signal_name (builder, g_pidfd_exit_info_get_term_sig (info));
  else
    json_builder_add_null_value (builder);
  add_bool_or_null (builder, "core_dumped", has_status,
                    has_status && g_pidfd_exit_info_get_core_dumped (info));
  add_int_or_null (builder, "wait_status", has_status,
                   has_status ? g_pidfd_exit_info_get_status (info) : 0);
  add_int_or_null (builder, "uid", uid != G_MAXUINT, uid);

  add_bool (builder, "has_rusage", has_rusage);
  if (has_rusage)
    {
      const struct rusage *ru = g_pidfd_exit_info_get_rusage (info);

      add_int_or_null (builder, "user_time_us", TRUE, g_pidfd_exit_info_get_user_time (info));
      add_int_or_null (builder, "system_time_us", TRUE, g_pidfd_exit_info_get_system_time (info));
      add_int_or_null (builder, "max_rss_kib", TRUE, g_pidfd_exit_info_get_max_rss (info));
      add_int_or_null (builder, "major_faults", TRUE, ru->ru_majflt);
      add_int_or_null (builder, "minor_faults", TRUE, ru->ru_minflt);
      add_int_or_null (builder, "voluntary_context_switches", TRUE, ru->ru_nvcsw);
      add_int_or_null (builder, "involuntary_context_switches", TRUE, ru->ru_nivcsw);
      add_int_or_null (builder, "fs_inputs", TRUE, ru->ru_inblock);
      add_int_or_null (builder, "fs_outputs", TRUE, ru->ru_oublock);
    }
  else
    {
      static const char * const members[] = {
        "user_time_us", "system_time_us", "max_rss_kib", "major_faults",
        "minor_faults", "voluntary_context_switches",
        "involuntary_context_switches", "fs_inputs", "fs_outputs",
      };

      for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
        add_int_or_null (builder, members[i], FALSE, 0);
    }
}

const char *
gpidfd_tool_error_code_name (const GError *error)
{
  g_autoptr(GEnumClass) enum_class = NULL;
  GEnumValue *value;

  if (error->domain != G_IO_ERROR)
    return "failed";

  enum_class = g_type_class_ref (G_TYPE_IO_ERROR_ENUM);
  value = g_enum_get_value (enum_class, error->code);

  /* The nicks are static strings of the type, which lives on. */
  return value != NULL ? value->value_nick : "failed";
}

void
gpidfd_tool_json_error (GPidFdToolStream *stream,
                        GPid              pid,
                        const char       *argument,
                        const GError     *error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, "error");
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, command_name != NULL ? command_name : "");
  add_int_or_null (builder, "pid", pid > 0, pid);
  json_builder_set_member_name (builder, "argument");
  gpidfd_tool_json_add_text (builder, argument);
  json_builder_set_member_name (builder, "error");
  json_builder_add_string_value (builder, gpidfd_tool_error_code_name (error));
  json_builder_set_member_name (builder, "message");
  gpidfd_tool_json_add_text (builder, error->message);
  json_builder_end_object (builder);

  gpidfd_tool_json_emit (stream, builder);
}

void
gpidfd_tool_report_error (GPidFdToolStream *json_stream,
                          GPid              pid,
                          const char       *argument,
                          const GError     *error)
{
  /* On standard error once: as JSON when that is where the JSON goes. */
  if (json_stream != &stderr_stream)
    gpidfd_tool_error ("%s", error->message);
  if (json_stream != NULL)
    gpidfd_tool_json_error (json_stream, pid, argument, error);
}

char *
gpidfd_tool_quote_argv (char **argv)
{
  GString *line = g_string_new (NULL);

  for (gsize i = 0; argv[i] != NULL; i++)
    {
      const char *arg = argv[i];
      gboolean plain = arg[0] != '\0';

      for (const char *p = arg; *p != '\0' && plain; p++)
        plain = g_ascii_isalnum (*p) || strchr ("_@%+=:,./-", *p) != NULL;

      if (i > 0)
        g_string_append_c (line, ' ');
      if (plain)
        g_string_append (line, arg);
      else
        {
          g_autofree char *quoted = g_shell_quote (arg);

          g_string_append (line, quoted);
        }
    }

  return g_string_free (line, FALSE);
}
