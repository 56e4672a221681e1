/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-exit-info.c: the exit record's conversions, properties, messages,
 * and its delivery to a GClosure, the way bindings receive it */

#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-exit-info-private.h"
#include "gt.h"

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
  g_assert_cmpint (g_pidfd_exit_info_get_status (info), ==, ws);
  g_assert_cmpint (g_pidfd_exit_info_get_if_exited (info), ==, WIFEXITED (ws));
  g_assert_cmpint (g_pidfd_exit_info_get_if_signaled (info), ==, WIFSIGNALED (ws));
  g_assert_false (g_pidfd_exit_info_has_rusage (info));
  g_assert_true (g_pidfd_exit_info_has_uid (info));
  g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, 1000);
  g_assert_cmpint (g_pidfd_exit_info_get_successful (info), ==, ws == 0);

  si = g_pidfd_exit_info_get_siginfo (info);
  g_assert_nonnull (si);
  g_assert_cmpint (si->si_signo, ==, SIGCHLD);
  g_assert_cmpint (si->si_pid, ==, 1234);

  if (WIFEXITED (ws))
    {
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, WEXITSTATUS (ws));
      g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, -1);
      g_assert_cmpint (g_pidfd_exit_info_get_si_code (info), ==, CLD_EXITED);
      g_assert_cmpint (si->si_status, ==, WEXITSTATUS (ws));
    }
  else
    {
      g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, -1);
      g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, WTERMSIG (ws));
      g_assert_cmpint (g_pidfd_exit_info_get_core_dumped (info), ==, WCOREDUMP (ws) != 0);
      g_assert_cmpint (g_pidfd_exit_info_get_si_code (info), ==,
                       WCOREDUMP (ws) ? CLD_DUMPED : CLD_KILLED);
      g_assert_cmpint (si->si_status, ==, WTERMSIG (ws));
    }

  /* check() agrees with GLib on the domain and code, and names the
   * process without calling it a child. */
  g_assert_cmpint (g_pidfd_exit_info_check (info, &mine), ==,
                   g_spawn_check_wait_status (ws, &glibs));
  if (glibs != NULL)
    {
      g_autofree char *expected = NULL;

      g_autofree char *how = g_pidfd_exit_info_describe (info);

      g_assert_error (mine, glibs->domain, glibs->code);
      /* The process, then how it ended. */
      expected = g_strdup_printf ("Process 1234 %s", how);
      g_assert_cmpstr (mine->message, ==, expected);
      if (WIFEXITED (ws))
        {
          g_autofree char *want = g_strdup_printf ("exited with code %d", WEXITSTATUS (ws));

          g_assert_cmpstr (how, ==, want);
        }
      else
        {
          g_autofree char *number = g_strdup_printf ("signal %d", WTERMSIG (ws));

          g_assert_true (g_str_has_prefix (how, "killed by "));
          g_assert_nonnull (strstr (how, number));
          g_assert_cmpint (g_str_has_suffix (how, ", core dumped"), ==, WCOREDUMP (ws) != 0);
        }
    }
  else
    g_assert_no_error (mine);
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
  ru.ru_minflt = 11;
  ru.ru_majflt = 12;
  ru.ru_nvcsw = 13;
  ru.ru_nivcsw = 14;
  ru.ru_inblock = 15;
  ru.ru_oublock = 16;

  info = gpidfd_exit_info_new_from_siginfo (42, &si, &ru);
  g_assert_true (g_pidfd_exit_info_get_core_dumped (info));
  /* The core-dump bit survives into the wait status. */
  g_assert_cmpint (g_pidfd_exit_info_get_status (info), ==, SIGSEGV | 0x80);
  g_assert_true (WCOREDUMP (g_pidfd_exit_info_get_status (info)));
  g_assert_cmpint (g_pidfd_exit_info_get_user_time (info), ==, 2000005);
  g_assert_cmpint (g_pidfd_exit_info_get_system_time (info), ==, 300);
  g_assert_cmpint (g_pidfd_exit_info_get_max_rss (info), ==, 4096);
  /* Each count from its own field. */
  g_assert_cmpint (g_pidfd_exit_info_get_minor_faults (info), ==, 11);
  g_assert_cmpint (g_pidfd_exit_info_get_major_faults (info), ==, 12);
  g_assert_cmpint (g_pidfd_exit_info_get_voluntary_context_switches (info), ==, 13);
  g_assert_cmpint (g_pidfd_exit_info_get_involuntary_context_switches (info), ==, 14);
  g_assert_cmpint (g_pidfd_exit_info_get_fs_inputs (info), ==, 15);
  g_assert_cmpint (g_pidfd_exit_info_get_fs_outputs (info), ==, 16);
  g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, 7);
  g_assert_true (memcmp (g_pidfd_exit_info_get_siginfo (info), &si, sizeof si) == 0);
}

static void
test_unknown (void)
{
  g_autoptr(GPidFdExitInfo) info = gpidfd_exit_info_new_unknown (99, G_MAXUINT);
  g_autoptr(GError) error = NULL;
  gboolean exited, signaled, successful;
  int wait_status, exit_status, term_signal, code;
  guint uid;

  /* Nothing is invented: no success, no signal. */
  g_assert_false (g_pidfd_exit_info_has_status (info));
  g_assert_false (g_pidfd_exit_info_get_if_exited (info));
  g_assert_false (g_pidfd_exit_info_get_if_signaled (info));
  g_assert_false (g_pidfd_exit_info_get_core_dumped (info));
  g_assert_false (g_pidfd_exit_info_get_successful (info));
  g_assert_cmpint (g_pidfd_exit_info_get_si_code (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_term_sig (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_status (info), ==, -1);
  g_assert_false (g_pidfd_exit_info_has_uid (info));
  g_assert_cmpuint (g_pidfd_exit_info_get_uid (info), ==, (guint) -1);
  g_assert_null (g_pidfd_exit_info_get_siginfo (info));
  g_assert_null (g_pidfd_exit_info_get_rusage (info));
  g_assert_cmpint (g_pidfd_exit_info_get_user_time (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_system_time (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_max_rss (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_minor_faults (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_major_faults (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_voluntary_context_switches (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_involuntary_context_switches (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_fs_inputs (info), ==, -1);
  g_assert_cmpint (g_pidfd_exit_info_get_fs_outputs (info), ==, -1);

  g_assert_false (g_pidfd_exit_info_check (info, &error));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "Process 99 ended, but how is unknown"));

  g_object_get (info,
                "if-exited", &exited,
                "if-signaled", &signaled,
                "successful", &successful,
                "status", &wait_status,
                "exit-status", &exit_status,
                "term-sig", &term_signal,
                "si-code", &code,
                "uid", &uid,
                NULL);
  g_assert_false (exited || signaled || successful);
  g_assert_cmpint (wait_status, ==, -1);
  g_assert_cmpint (exit_status, ==, -1);
  g_assert_cmpint (term_signal, ==, -1);
  g_assert_cmpint (code, ==, -1);
  g_assert_cmpuint (uid, ==, (guint) -1);
}

/* A process outside the caller's pid namespace has pid 0: check() says
 * so rather than "Process 0". */
static void
test_check_other_namespace (void)
{
  g_autoptr(GPidFdExitInfo) info = gpidfd_exit_info_new_from_wait_status (0, 3 << 8, G_MAXUINT);
  g_autoptr(GError) error = NULL;

  g_assert_false (g_pidfd_exit_info_check (info, &error));
  g_assert_error (error, G_SPAWN_EXIT_ERROR, 3);
  g_assert_cmpstr (error->message, ==, "A process of another pid namespace exited with code 3");
}

/* How a process ended, in words: GLib's, with the signal's name as
 * kill -l gives it. */
static void
test_describe (void)
{
  static const struct
  {
    int status;
    const char *words;
  } rows[] = {
    { 0, "exited with code 0" },
    { 3 << 8, "exited with code 3" },
    { 255 << 8, "exited with code 255" },
    { SIGHUP, "killed by SIGHUP (signal 1)" },
    { SIGKILL, "killed by SIGKILL (signal 9)" },
    { SIGTERM, "killed by SIGTERM (signal 15)" },
    { SIGSEGV | 0x80, "killed by SIGSEGV (signal 11), core dumped" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GPidFdExitInfo) info = gpidfd_exit_info_new_from_wait_status (1234, rows[i].status,
                                                                              1000);
      g_autofree char *words = g_pidfd_exit_info_describe (info);

      g_assert_cmpstr (words, ==, rows[i].words);
    }

  /* The first real-time signal by its name, not its number alone. */
  {
    g_autoptr(GPidFdExitInfo) info = gpidfd_exit_info_new_from_wait_status (1234, SIGRTMIN + 3,
                                                                            1000);
    g_autofree char *words = g_pidfd_exit_info_describe (info);
    g_autofree char *want = g_strdup_printf ("killed by SIGRTMIN+3 (signal %d)", SIGRTMIN + 3);

    g_assert_cmpstr (words, ==, want);
  }

  /* Unknown: said so. */
  {
    g_autoptr(GPidFdExitInfo) info = gpidfd_exit_info_new_unknown (99, G_MAXUINT);
    g_autofree char *words = g_pidfd_exit_info_describe (info);

    g_assert_true (g_str_has_prefix (words, "ended, but how is unknown"));
  }
}

/* Every property reads what its getter returns, on a real record. */
static void
test_properties_match_getters (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  pid_t pid = gt_spawn_burn (50);
  GParamSpec **pspecs;
  guint n;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);

  /* The has_*() methods have no property: in GJS and Vala a property
   * would hide the method of the same name. */
  g_assert_null (g_object_class_find_property (G_OBJECT_GET_CLASS (info), "has-status"));
  g_assert_null (g_object_class_find_property (G_OBJECT_GET_CLASS (info), "has-rusage"));
  g_assert_null (g_object_class_find_property (G_OBJECT_GET_CLASS (info), "has-uid"));

  pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (info), &n);
  g_assert_cmpuint (n, ==, 19);
  /* A real child: it faulted pages in, and it switched at least once. */
  g_assert_cmpint (g_pidfd_exit_info_get_minor_faults (info), >, 0);
  g_assert_cmpint (g_pidfd_exit_info_get_voluntary_context_switches (info) +
                   g_pidfd_exit_info_get_involuntary_context_switches (info), >, 0);
  g_assert_cmpint (g_pidfd_exit_info_get_fs_inputs (info), >=, 0);
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
      else if (g_str_equal (name, "si-code"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_si_code (info));
      else if (g_str_equal (name, "if-exited"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_get_if_exited (info));
      else if (g_str_equal (name, "exit-status"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_exit_status (info));
      else if (g_str_equal (name, "if-signaled"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_get_if_signaled (info));
      else if (g_str_equal (name, "term-sig"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_term_sig (info));
      else if (g_str_equal (name, "core-dumped"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_get_core_dumped (info));
      else if (g_str_equal (name, "status"))
        g_assert_cmpint (g_value_get_int (&value), ==, g_pidfd_exit_info_get_status (info));
      else if (g_str_equal (name, "successful"))
        g_assert_cmpint (g_value_get_boolean (&value), ==, g_pidfd_exit_info_get_successful (info));
      else if (g_str_equal (name, "user-time"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_user_time (info));
      else if (g_str_equal (name, "system-time"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_system_time (info));
      else if (g_str_equal (name, "max-rss"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_max_rss (info));
      else if (g_str_equal (name, "minor-faults"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_minor_faults (info));
      else if (g_str_equal (name, "major-faults"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_major_faults (info));
      else if (g_str_equal (name, "voluntary-context-switches"))
        g_assert_cmpint (g_value_get_int64 (&value), ==,
                         g_pidfd_exit_info_get_voluntary_context_switches (info));
      else if (g_str_equal (name, "involuntary-context-switches"))
        g_assert_cmpint (g_value_get_int64 (&value), ==,
                         g_pidfd_exit_info_get_involuntary_context_switches (info));
      else if (g_str_equal (name, "fs-inputs"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_fs_inputs (info));
      else if (g_str_equal (name, "fs-outputs"))
        g_assert_cmpint (g_value_get_int64 (&value), ==, g_pidfd_exit_info_get_fs_outputs (info));
      else
        g_assert_not_reached ();
    }
  g_free (pspecs);
}

typedef struct
{
  gboolean done;
  GPidFd *pidfd;
  GPidFdExitInfo *info;
  guint n_notified;
} Delivery;

/* A source's callback: the closure's and the watch's alike. */
static gboolean
on_record (GPidFd         *pidfd,
           GPidFdExitInfo *info,
           gpointer        user_data)
{
  Delivery *d = user_data;

  g_assert_false (d->done);
  d->done = TRUE;
  d->pidfd = g_object_ref (pidfd);
  d->info = g_object_ref (info);

  return G_SOURCE_REMOVE;
}

/* A closure set on the source (as PyGObject and GJS do through
 * GObject.source_set_closure) receives the pidfd and the record, in the
 * context the source is attached to. */
static void
test_source_closure (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GSource) source = NULL;
  g_autoptr(GPidFdExitInfo) again = NULL;
  Delivery d = { FALSE, NULL, NULL, 0 };
  pid_t pid = gt_spawn_exit (6, 50);

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);

  source = g_pidfd_create_source (pidfd);
  g_source_set_closure (source, g_cclosure_new (G_CALLBACK (on_record), &d, NULL));
  g_source_attach (source, context);

  gt_run_until_true (context, &d.done, 10);
  g_assert_true (d.pidfd == pidfd);
  g_assert_true (g_pidfd_exit_info_get_if_exited (d.info));
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (d.info), ==, 6);
  g_assert_true (g_pidfd_exit_info_has_rusage (d.info));
  g_assert_true (g_source_is_destroyed (source));
  /* Reaped: the record is the one the pidfd keeps. */
  again = g_pidfd_try_wait (pidfd, &error);
  g_assert_no_error (error);
  g_assert_true (again == d.info);
  g_clear_object (&d.pidfd);
  g_clear_object (&d.info);
}

static void
on_notify (gpointer user_data)
{
  guint *n_notified = user_data;

  (*n_notified)++;
}

static gboolean
on_watch_never (GPidFd         *pidfd,
                GPidFdExitInfo *info,
                gpointer        user_data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* add_watch() at the default priority, add_watch_full() at another; the
 * latter's destroy notify runs once it is removed before firing, which
 * leaves the process alone. */
static void
test_add_watch (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) paused = NULL;
  Delivery d = { FALSE, NULL, NULL, 0 };
  guint n_notified = 0;
  pid_t pid = gt_spawn_exit (7, 20);
  pid_t paused_pid = gt_spawn_pause ();
  GSource *source;
  guint id;
  int status;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  /* As g_child_watch_add (): no destroy notify. */
  id = g_pidfd_add_watch (pidfd, on_record, &d);
  source = g_main_context_find_source_by_id (NULL, id);
  g_assert_cmpint (g_source_get_priority (source), ==, G_PRIORITY_DEFAULT);
  gt_run_until_true (NULL, &d.done, 10);
  g_assert_true (d.pidfd == pidfd);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (d.info), ==, 7);
  /* The source is gone once the callback has returned. */
  g_assert_null (g_main_context_find_source_by_id (NULL, id));
  g_clear_object (&d.pidfd);
  g_clear_object (&d.info);

  /* Removed before it fires: notified, the process untouched. */
  paused = g_pidfd_new_from_pid (paused_pid, &error);
  g_assert_no_error (error);
  id = g_pidfd_add_watch_full (paused, G_PRIORITY_HIGH, on_watch_never,
                               &n_notified, on_notify);
  source = g_main_context_find_source_by_id (NULL, id);
  g_assert_cmpint (g_source_get_priority (source), ==, G_PRIORITY_HIGH);
  g_assert_cmpuint (n_notified, ==, 0);
  g_source_remove (id);
  g_assert_cmpuint (n_notified, ==, 1);
  g_assert_true (g_pidfd_send_signal (paused, SIGKILL, &error));
  g_assert_no_error (error);
  status = gt_reap (paused_pid);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/exit-info/round-trip", test_round_trip);
  gt_add ("/exit-info/from-siginfo", test_from_siginfo);
  gt_add ("/exit-info/unknown", test_unknown);
  gt_add ("/exit-info/check-other-namespace", test_check_other_namespace);
  gt_add ("/exit-info/describe", test_describe);
  gt_add ("/exit-info/properties", test_properties_match_getters);
  gt_add ("/exit-info/source-closure", test_source_closure);
  gt_add ("/exit-info/add-watch", test_add_watch);

  return g_test_run ();
}
