/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-signal.c: the names of signals, read and written as
 * util-linux kill(1) does */

#include "config.h"

#include <signal.h>

#include "gpidfd-tool.h"

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
