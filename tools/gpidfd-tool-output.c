/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-output.c: what the gpidfd program writes: its output
 * streams, its error messages and its JSON Lines */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-tool.h"

/* The command being run, which names it in messages, and its usage
 * status: see GPidFdToolCommandInfo.passes_status. */
static char *command_name = NULL;
static int usage_status = GPIDFD_TOOL_EXIT_USAGE;

void
gpidfd_tool_set_command (const char *name,
                         int         status)
{
  g_free (command_name);
  command_name = g_strdup (name);
  usage_status = status;
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

/* Messages */

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
  {
    /* The library's getters, each null without resource usage. */
    static const struct
    {
      const char *member;
      gint64 (*get) (GPidFdExitInfo *info);
    } usage[] = {
      { "user_time_us", g_pidfd_exit_info_get_user_time },
      { "system_time_us", g_pidfd_exit_info_get_system_time },
      { "max_rss_kib", g_pidfd_exit_info_get_max_rss },
      { "major_faults", g_pidfd_exit_info_get_major_faults },
      { "minor_faults", g_pidfd_exit_info_get_minor_faults },
      { "voluntary_context_switches", g_pidfd_exit_info_get_voluntary_context_switches },
      { "involuntary_context_switches", g_pidfd_exit_info_get_involuntary_context_switches },
      { "fs_inputs", g_pidfd_exit_info_get_fs_inputs },
      { "fs_outputs", g_pidfd_exit_info_get_fs_outputs },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (usage); i++)
      add_int_or_null (builder, usage[i].member, has_rusage,
                       has_rusage ? usage[i].get (info) : 0);
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

/* Command lines */

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
