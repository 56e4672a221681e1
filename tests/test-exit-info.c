/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-exit-info.c: the exit record's conversions and properties */

#include "config.h"

#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-exit-info-private.h"
#include "test-utils.h"

/* Every wait status a process can end with round-trips through a record
 * built from it, and agrees with the <sys/wait.h> macros. */
static void
check_round_trip (int ws)
{
  g_autoptr(GPidFdExitInfo) info = gpidfd_exit_info_new_from_wait_status (1234, ws, 1000);
  g_autoptr(GError) mine = NULL;
  g_autoptr(GError) glibs = NULL;
  const siginfo_t *si;

  g_assert_true (g_pidfd_exit_info_has_status (info));
  g_assert_cmpint (g_pidfd_exit_info_get_wait_status (info), ==, ws);
  g_assert_cmpint (g_pidfd_exit_info_get_exited (info), ==, WIFEXITED (ws));
  g_assert_cmpint (g_pidfd_exit_info_get_signaled (info), ==, WIFSIGNALED (ws));
  g_assert_false (g_pidfd_exit_info_has_rusage (info));
  g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, 1000);

  si = g_pidfd_exit_info_get_siginfo (info);
  g_assert_nonnull (si);
  g_assert_cmpint (si->si_signo, ==, SIGCHLD);
  g_assert_cmpint (si->si_pid, ==, 1234);

  if (WIFEXITED (ws))
    {
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, WEXITSTATUS (ws));
      g_assert_cmpint (g_pidfd_exit_info_get_term_signal (info), ==, 0);
      g_assert_cmpint (g_pidfd_exit_info_get_code (info), ==, CLD_EXITED);
      g_assert_cmpint (si->si_status, ==, WEXITSTATUS (ws));
    }
  else
    {
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, -1);
      g_assert_cmpint (g_pidfd_exit_info_get_term_signal (info), ==, WTERMSIG (ws));
      g_assert_cmpint (g_pidfd_exit_info_get_core_dumped (info), ==, WCOREDUMP (ws) != 0);
      g_assert_cmpint (g_pidfd_exit_info_get_code (info), ==,
                       WCOREDUMP (ws) ? CLD_DUMPED : CLD_KILLED);
      g_assert_cmpint (si->si_status, ==, WTERMSIG (ws));
    }

  /* check() agrees with GLib, and names the pid. */
  g_assert_cmpint (g_pidfd_exit_info_check (info, &mine), ==,
                   g_spawn_check_wait_status (ws, &glibs));
  if (glibs != NULL)
    {
      g_assert_error (mine, glibs->domain, glibs->code);
      g_assert_nonnull (strstr (mine->message, "1234"));
    }
}

static void
test_round_trip (void)
{
  for (int code = 0; code < 256; code++)
    check_round_trip (code << 8);
  for (int sig = 1; sig < 32; sig++)
    {
      check_round_trip (sig);
      check_round_trip (sig | 0x80);
    }
}

static void
test_from_siginfo (void)
{
  siginfo_t si = { 0 };
  struct rusage ru = { 0 };
  g_autoptr(GPidFdExitInfo) info = NULL;

  si.si_signo = SIGCHLD;
  si.si_code = CLD_DUMPED;
  si.si_pid = 42;
  si.si_uid = 7;
  si.si_status = SIGSEGV;
  ru.ru_utime.tv_sec = 2;
  ru.ru_utime.tv_usec = 5;
  ru.ru_stime.tv_usec = 300;
  ru.ru_maxrss = 4096;

  info = gpidfd_exit_info_new_from_siginfo (42, &si, &ru);
  g_assert_true (g_pidfd_exit_info_get_core_dumped (info));
  /* The core-dump bit survives into the wait status. */
  g_assert_cmpint (g_pidfd_exit_info_get_wait_status (info), ==, SIGSEGV | 0x80);
  g_assert_true (WCOREDUMP (g_pidfd_exit_info_get_wait_status (info)));
  g_assert_cmpint (g_pidfd_exit_info_get_user_time (info), ==, 2000005);
  g_assert_cmpint (g_pidfd_exit_info_get_system_time (info), ==, 300);
  g_assert_cmpint (g_pidfd_exit_info_get_max_rss (info), ==, 4096);
  g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, 7);
  g_assert_true (memcmp (g_pidfd_exit_info_get_siginfo (info), &si, sizeof si) == 0);
}

static void
test_unknown (void)
{
  g_autoptr(GPidFdExitInfo) info = gpidfd_exit_info_new_unknown (99, G_MAXUINT);
  g_autoptr(GError) error = NULL;
  gboolean has_status, exited, signaled;
  int wait_status, exit_status;

  /* Nothing is invented: no success, no signal. */
  g_assert_false (g_pidfd_exit_info_has_status (info));
  g_assert_false (g_pidfd_exit_info_get_exited (info));
  g_assert_false (g_pidfd_exit_info_get_signaled (info));
  g_assert_false (g_pidfd_exit_info_get_core_dumped (info));
  g_assert_cmpint (g_pidfd_exit_info_get_code (info), ==, 0);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_term_signal (info), ==, 0);
  g_assert_cmpint (g_pidfd_exit_info_get_wait_status (info), ==, -1);
  g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, G_MAXUINT);
  g_assert_null (g_pidfd_exit_info_get_siginfo (info));
  g_assert_null (g_pidfd_exit_info_get_rusage (info));
  g_assert_cmpint (g_pidfd_exit_info_get_user_time (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_system_time (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_max_rss (info), ==, -1);

  g_assert_false (g_pidfd_exit_info_check (info, &error));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "99"));

  g_object_get (info,
                "has-status", &has_status,
                "exited", &exited,
                "signaled", &signaled,
                "wait-status", &wait_status,
                "exit-status", &exit_status,
                NULL);
  g_assert_false (has_status || exited || signaled);
  g_assert_cmpint (wait_status, ==, -1);
  g_assert_cmpint (exit_status, ==, -1);
}

/* Every property reads what its getter returns, on a real record. */
static void
test_properties_match_getters (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gpt_spawn_burn (50);
  GParamSpec **pspecs;
  guint n;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (info), &n);
  g_assert_cmpuint (n, ==, 14);
  for (guint i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;
      const char *name = pspecs[i]->name;

      g_assert_false (pspecs[i]->flags & G_PARAM_WRITABLE);
      g_object_get_property (G_OBJECT (info), name, (g_value_init (&value, pspecs[i]->value_type), &value));

      if (g_str_equal (name, "pid"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_pid (info));
      else if (g_str_equal (name, "uid"))
        g_assert_cmpuint (g_value_get_uint (&value), ==, g_pidfd_exit_info_get_uid (info));
      else if (g_str_equal (name, "code"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_code (info));
      else if (g_str_equal (name, "has-status"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_has_status (info));
      else if (g_str_equal (name, "exited"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_get_exited (info));
      else if (g_str_equal (name, "exit-status"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_exit_status (info));
      else if (g_str_equal (name, "signaled"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_get_signaled (info));
      else if (g_str_equal (name, "term-signal"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_term_signal (info));
      else if (g_str_equal (name, "core-dumped"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_get_core_dumped (info));
      else if (g_str_equal (name, "wait-status"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_wait_status (info));
      else if (g_str_equal (name, "has-rusage"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_has_rusage (info));
      else if (g_str_equal (name, "user-time"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_user_time (info));
      else if (g_str_equal (name, "system-time"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_system_time (info));
      else if (g_str_equal (name, "max-rss"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_max_rss (info));
      else
        g_assert_not_reached ();
    }
  g_free (pspecs);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/exit-info/round-trip", test_round_trip);
  g_test_add_func ("/exit-info/from-siginfo", test_from_siginfo);
  g_test_add_func ("/exit-info/unknown", test_unknown);
  g_test_add_func ("/exit-info/properties", test_properties_match_getters);

  return g_test_run ();
}
