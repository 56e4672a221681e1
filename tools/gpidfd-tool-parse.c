/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-parse.c: what the gpidfd program reads: the options of a
 * command, process ids and durations */

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gpidfd-tool.h"

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

/* The entry of @entries for the short option @c, or NULL. */
static const GOptionEntry *
find_short_entry (const GOptionEntry *entries,
                  char                c)
{
  for (const GOptionEntry *e = entries; e != NULL && e->long_name != NULL; e++)
    if (e->short_name == c)
      return e;

  return NULL;
}

/* The entry of @entries for the long option @arg ("--name"), or NULL. */
static const GOptionEntry *
find_long_entry (const GOptionEntry *entries,
                 const char         *arg)
{
  for (const GOptionEntry *e = entries; e != NULL && e->long_name != NULL; e++)
    if (strcmp (arg + 2, e->long_name) == 0)
      return e;

  return NULL;
}

/* GOptionContext takes a short option's value only from the next
 * argument; getopt(3), and so timeout(1), also from the rest of the same
 * one. "-t1", "-sKILL" and "-vk1" become "-t" "1", "-s" "KILL" and "-vk"
 * "1" here, before the first "--" (and, with @strict_posix, before the
 * first argument). Returns @args, or a new array when something was
 * split; what it allocates lives as long as the process, as the
 * arguments do. */
static char **
split_attached_values (const GOptionEntry  *entries,
                       gboolean             strict_posix,
                       int                 *n_args,
                       char               **args)
{
  static GPtrArray *kept = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new ();
  gboolean in_options = TRUE;
  gboolean changed = FALSE;

  g_ptr_array_add (out, args[0]);
  for (int i = 1; i < *n_args; i++)
    {
      char *arg = args[i];
      int value_at = 0;
      gboolean value_next = FALSE;

      if (!in_options)
        ;
      else if (strcmp (arg, "--") == 0)
        in_options = FALSE;
      else if (arg[0] != '-' || arg[1] == '\0')
        in_options = !strict_posix;
      else if (arg[1] == '-')
        {
          const GOptionEntry *e = find_long_entry (entries, arg);

          value_next = e != NULL && e->arg != G_OPTION_ARG_NONE;
        }
      else
        for (int k = 1; arg[k] != '\0'; k++)
          {
            const GOptionEntry *e = find_short_entry (entries, arg[k]);

            /* An unknown one is GOptionContext's to name. */
            if (e == NULL)
              break;
            if (e->arg == G_OPTION_ARG_NONE)
              continue;
            if (arg[k + 1] != '\0')
              value_at = k + 1;
            else
              value_next = TRUE;
            break;
          }

      if (value_at > 0)
        {
          char *option = g_strndup (arg, (gsize) value_at);

          if (kept == NULL)
            kept = g_ptr_array_new ();
          g_ptr_array_add (kept, option);
          g_ptr_array_add (out, option);
          g_ptr_array_add (out, arg + value_at);
          changed = TRUE;
          continue;
        }
      g_ptr_array_add (out, arg);
      /* The value is not an option, whatever it looks like. */
      if (value_next && i + 1 < *n_args)
        g_ptr_array_add (out, args[++i]);
    }

  if (!changed)
    return args;

  *n_args = (int) out->len;
  g_ptr_array_add (out, NULL);
  g_ptr_array_add (kept, out->pdata);
  return (char **) g_ptr_array_steal (out, NULL);
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
  int n_args = *argc;
  char **args = split_attached_values (entries, command->strict_posix, &n_args, *argv);
  int separator = n_args;
  int n_options;
  /* See GPidFdToolCommandInfo.passes_status. */
  int help_failure_status = command->passes_status ? GPIDFD_TOOL_EXIT_FAILED : EXIT_FAILURE;

  gpidfd_tool_set_command (command->name, command->passes_status ? GPIDFD_TOOL_EXIT_FAILED
                                                                  : GPIDFD_TOOL_EXIT_USAGE);
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

  /* Stopped at the first argument: an option after it is misplaced,
   * unless a "--" (which goes) came before it. */
  if (command->options_first)
    {
      for (int i = 1; i < n_options; i++)
        {
          if (strcmp (args[i], "--") == 0)
            {
              memmove (&args[i], &args[i + 1], sizeof (char *) * (gsize) (n_options - i - 1));
              n_options--;
              break;
            }
          if (args[i][0] == '-' && args[i][1] != '\0')
            {
              *exit_status = gpidfd_tool_usage_error (args[i], "Options come before the "
                                                      "arguments: '%s' follows '%s' (after "
                                                      "'--' it is an argument)",
                                                      args[i], args[1]);
              return FALSE;
            }
        }
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

char *
gpidfd_tool_duration_label (const char *text)
{
  gsize len = strlen (text);

  if (len > 0 && (g_ascii_isdigit (text[len - 1]) || text[len - 1] == '.'))
    return g_strconcat (text, "s", NULL);

  return g_strdup (text);
}
