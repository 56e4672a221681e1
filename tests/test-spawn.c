/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-spawn.c: starting processes, against real processes
 *
 * What GSubprocess and GSubprocessLauncher promise, kept by
 * g_pidfd_spawnv() and GPidFdLauncher (flags, pipes, communicate, the
 * launcher's settings, exec errors), and what gpidfd adds: the process is
 * held from birth, so that neither SIGCHLD ignored nor another thread's
 * waitpid (-1) can lose or falsify its status; nothing of the program
 * leaks into it, even while other threads spawn; a child dropped before
 * its end is still reaped; a process group ends as a whole.
 *
 * The suite's own binary is the child that reports how it started
 * (gt-report.h). Tests that change what the whole process does
 * (signal dispositions, a waitpid (-1) thread, subreaping) run in a forked
 * child (gt_fork_run).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "gpidfd-spawn-private.h"
#include "gt.h"

static const int std_fds[] = { 0, 1, 2 };

/* ---- Helpers ----------------------------------------------------------- */

/* A scratch directory, removed with what is in it. */
static char *
make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("gpidfd-spawn-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tmpdir (const char *dir)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

  g_assert_cmpint (system (cmd), ==, 0);
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents,
            int         mode)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);

  return path;
}

/* Runs a shell command with @flags, communicates, and checks it exited
 * @code; returns its stdout and (*err) stderr. */
static char *
run_sh (const char        *command,
        GSubprocessFlags   flags,
        const char        *input,
        char             **err,
        int                code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  char *out = NULL;
  GPid pid;

  child = g_pidfd_spawn (flags, &error, "/bin/sh", "-c", command, NULL);
  g_assert_no_error (error);
  pid = g_pidfd_get_pid (child);
  g_assert_true (g_pidfd_communicate_utf8 (child, input, NULL, &out, err, &error));
  g_assert_no_error (error);
  info = gt_wait (child);
  gt_assert_exited (info, pid, code);

  return out;
}

static void
assert_no_children (void)
{
  if (gt_has_children ())
    g_error ("a child is left, reaped or not");
}

/* ---- The basics -------------------------------------------------------- */

static void
test_basic (gconstpointer data)
{
  const char *argv[] = { "true", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFd) again = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  GPid pid;

  child = g_pidfd_spawnv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_PIDFD (child));
  pid = g_pidfd_get_pid (child);
  g_assert_cmpint (pid, >, 0);
  g_assert_true (g_pidfd_is_child (child));
  g_assert_false (((g_pidfd_get_flags (child) & G_PIDFD_FLAGS_THREAD) != 0));
  g_assert_cmpint (g_pidfd_get_fd (child), >, 2);
  g_assert_cmpint (fcntl (g_pidfd_get_fd (child), F_GETFD), ==, FD_CLOEXEC);

  info = gt_wait (child);
  gt_assert_exited (info, pid, 0);
  g_assert_true (g_pidfd_exit_info_has_rusage (info));
  g_assert_cmpint (g_pidfd_exit_info_get_siginfo (info)->si_pid, ==, pid);
  g_assert_cmpint (g_pidfd_get_pid (child), ==, -1);
  g_assert_true (gt_reaped (pid));

  /* The same process, through the public constructors: no pipes. */
  again = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/bin/sh", "-c", "exit 7", NULL);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_wait_check (again, NULL, &error));
  g_assert_error (error, G_SPAWN_EXIT_ERROR, 7);
  g_assert_null (g_pidfd_get_stdin_pipe (again));
  g_assert_null (g_pidfd_get_stdout_pipe (again));
  g_assert_null (g_pidfd_get_stderr_pipe (again));
  assert_no_children ();
}

static void
on_wait_check_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GError **out = user_data;

  g_assert_false (g_pidfd_wait_check_finish (G_PIDFD (object), result, out));
}

/* Every other call of GPidFd on a child it started. */
static void
test_pidfd_api (gconstpointer data)
{
  GMainContext *context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) check_error = NULL;
  g_autoptr(GPidFd) sleeper = NULL;
  g_autoptr(GPidFd) quick = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) async_info = NULL;
  g_autoptr(GPidFdProcessInfo) pinfo = NULL;
  g_autofree char *text = NULL;
  g_autofree char *prefix = NULL;
  GPid pid;

  g_main_context_push_thread_default (context);

  sleeper = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "100", NULL);
  g_assert_no_error (error);
  pid = g_pidfd_get_pid (sleeper);
  g_assert_false (g_pidfd_has_exited (sleeper));
  g_assert_null (g_pidfd_try_wait (sleeper, &error));
  g_assert_no_error (error);
  pinfo = g_pidfd_query_info (sleeper, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (pinfo), ==, pid);
  g_assert_cmpint (g_pidfd_process_info_get_ppid (pinfo), ==, getpid ());
  text = g_pidfd_to_string (sleeper);
  prefix = g_strdup_printf ("%d:", pid);
  g_assert_true (g_str_has_prefix (text, prefix));

  g_pidfd_wait_async (sleeper, NULL, gt_store_wait_result, &async_info);
  g_assert_true (g_pidfd_force_exit (sleeper, &error));
  g_assert_no_error (error);
  gt_run_until_set (context, &async_info, 30);
  gt_assert_signaled (async_info, pid, SIGKILL);
  g_assert_true (g_pidfd_exit_info_has_rusage (async_info));
  info = gt_wait (sleeper);
  g_assert_true (info == async_info);

  quick = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/bin/sh", "-c", "exit 5", NULL);
  g_assert_no_error (error);
  g_pidfd_wait_check_async (quick, NULL, on_wait_check_done, &check_error);
  gt_run_until_set (context, &check_error, 30);
  g_assert_error (check_error, G_SPAWN_EXIT_ERROR, 5);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  assert_no_children ();
}

/* ---- Exec errors ------------------------------------------------------- */

typedef struct
{
  const char *name;
  GQuark (*domain) (void);
  gint code;
} ExecErrorRow;

static const ExecErrorRow exec_error_rows[] = {
  { "noent", g_spawn_error_quark, G_SPAWN_ERROR_NOENT },
  { "noent-in-path", g_spawn_error_quark, G_SPAWN_ERROR_NOENT },
  { "acces", g_spawn_error_quark, G_SPAWN_ERROR_ACCES },
  { "directory", g_spawn_error_quark, G_SPAWN_ERROR_ACCES },
  { "notdir", g_spawn_error_quark, G_SPAWN_ERROR_NOTDIR },
  { "nametoolong", g_spawn_error_quark, G_SPAWN_ERROR_NAMETOOLONG },
  { "loop", g_spawn_error_quark, G_SPAWN_ERROR_LOOP },
  { "too-big", g_spawn_error_quark, G_SPAWN_ERROR_TOO_BIG },
  { "chdir", g_spawn_error_quark, G_SPAWN_ERROR_CHDIR },
  { "stdin-file", g_io_error_quark, G_IO_ERROR_NOT_FOUND },
};

static void
test_exec_error (gconstpointer data)
{
  const ExecErrorRow *row = data;
  g_autofree char *dir = make_tmpdir ();
  g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  const char *named;

  if (g_str_equal (row->name, "noent"))
    g_ptr_array_add (argv, g_build_filename (dir, "missing", NULL));
  else if (g_str_equal (row->name, "noent-in-path"))
    g_ptr_array_add (argv, g_strdup ("gpidfd-no-such-program"));
  else if (g_str_equal (row->name, "acces"))
    g_ptr_array_add (argv, write_file (dir, "not-executable", "exit 0\n", 0644));
  else if (g_str_equal (row->name, "directory"))
    g_ptr_array_add (argv, g_strdup (dir));
  else if (g_str_equal (row->name, "notdir"))
    {
      g_autofree char *file = write_file (dir, "file", "", 0755);

      g_ptr_array_add (argv, g_build_filename (file, "program", NULL));
    }
  else if (g_str_equal (row->name, "nametoolong"))
    {
      g_autofree char *name = g_strnfill (300, 'x');

      g_ptr_array_add (argv, g_build_filename (dir, name, NULL));
    }
  else if (g_str_equal (row->name, "loop"))
    {
      g_autofree char *a = g_build_filename (dir, "a", NULL);
      g_autofree char *b = g_build_filename (dir, "b", NULL);

      g_assert_cmpint (symlink (b, a), ==, 0);
      g_assert_cmpint (symlink (a, b), ==, 0);
      g_ptr_array_add (argv, g_strdup (a));
    }
  else if (g_str_equal (row->name, "too-big"))
    {
      /* valgrind kills a child whose execve () it lets through and then
       * fails (it checks only that the file exists and may be run). */
      if (gt_skip_under_valgrind ("a failing execve () ends the child"))
        {
          remove_tmpdir (dir);
          return;
        }
      /* One argument over MAX_ARG_STRLEN (32 pages). */
      g_ptr_array_add (argv, g_strdup ("true"));
      g_ptr_array_add (argv, g_strnfill (256 * 1024, 'x'));
    }
  else if (g_str_equal (row->name, "chdir"))
    {
      g_autofree char *missing = g_build_filename (dir, "missing", NULL);

      g_pidfd_launcher_set_cwd (launcher, missing);
      g_ptr_array_add (argv, g_strdup ("true"));
    }
  else if (g_str_equal (row->name, "stdin-file"))
    {
      g_autofree char *missing = g_build_filename (dir, "missing", NULL);

      g_pidfd_launcher_set_stdin_file_path (launcher, missing);
      g_ptr_array_add (argv, g_strdup ("true"));
    }
  else
    g_assert_not_reached ();
  g_ptr_array_add (argv, NULL);

  child = g_pidfd_launcher_spawnv (launcher, (const gchar * const *) argv->pdata, &error);
  g_assert_null (child);
  g_assert_error (error, row->domain (), row->code);
  g_test_message ("%s", error->message);

  /* The message names what could not be used. */
  named = g_str_equal (row->name, "chdir") || g_str_equal (row->name, "stdin-file")
          ? "missing" : g_ptr_array_index (argv, 0);
  if (!g_str_equal (row->name, "nametoolong") && strstr (error->message, named) == NULL)
    g_error ("message \"%s\" does not name \"%s\"", error->message, named);

  /* Synchronously: no zombie, no descriptor (the wrapper counts). */
  assert_no_children ();
  remove_tmpdir (dir);
}

/* A file the kernel cannot run goes to /bin/sh, as with execvp() and
 * GSubprocess. */
static void
test_script_without_shebang (gconstpointer data)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *script = write_file (dir, "script", "exit 9\n", 0755);
  const char *argv[] = { script, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = g_pidfd_spawnv (argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_autoptr(GPidFdExitInfo) info = NULL;

  g_assert_no_error (error);
  info = gt_wait (child);
  g_assert_true (g_pidfd_exit_info_get_if_exited (info));
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 9);
  remove_tmpdir (dir);
}

/* PATH of the caller, or with SEARCH_PATH_FROM_ENVP of the launcher. */
static void
test_search_path (gconstpointer data)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *program = write_file (dir, "gpidfd-test-program", "#!/bin/sh\nexit 4\n",
                                         0755);
  g_autoptr(GPidFdLauncher) from_envp =
    g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_SEARCH_PATH_FROM_ENVP);
  g_autoptr(GPidFdLauncher) from_caller = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autofree char *path = g_strdup_printf ("/nonexistent:%s", dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  g_assert_true (g_file_test (program, G_FILE_TEST_IS_EXECUTABLE));
  g_pidfd_launcher_setenv (from_envp, "PATH", path, TRUE);
  g_pidfd_launcher_setenv (from_caller, "PATH", path, TRUE);

  child = g_pidfd_launcher_spawn (from_envp, &error, "gpidfd-test-program", NULL);
  g_assert_no_error (error);
  info = gt_wait (child);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 4);

  g_assert_null (g_pidfd_launcher_spawn (from_caller, &error, "gpidfd-test-program", NULL));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT);
  remove_tmpdir (dir);
}

/* ---- Standard streams, pipes and communicate --------------------------- */

/* The report child with @flags, its report on stderr. */
static void
report_on_stderr (GSubprocessFlags  flags,
                  GtReport         *report)
{
  const char *argv[] = { gt_self_exe (), GT_REPORT_STDERR_ARG, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = g_pidfd_spawnv (argv, flags | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_assert_true (g_pidfd_communicate_utf8 (child, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  info = gt_wait (child);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 0);
  gt_report_parse (err, report);
}

/* stdin is /dev/null unless asked otherwise; stdout and stderr are the
 * caller's unless piped or silenced. */
static void
test_stdio_defaults (gconstpointer data)
{
  g_auto(GtReport) report = { 0, };
  g_auto(GtReport) inherit = { 0, };
  g_auto(GtReport) silenced = { 0, };
  g_auto(GtReport) merged = { 0, };
  char *own[3] = { NULL, };

  for (int fd = 0; fd <= 2; fd++)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/fd/%d", fd);

      own[fd] = g_file_read_link (path, NULL);
    }

  gt_report_get (NULL, G_SUBPROCESS_FLAGS_NONE, &report);
  g_assert_cmpstr (report.std[0], ==, "/dev/null");
  g_assert_true (g_str_has_prefix (report.std[1], "pipe:"));
  g_assert_cmpstr (report.std[2], ==, own[2]);

  gt_report_get (NULL, G_SUBPROCESS_FLAGS_STDIN_INHERIT | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                 &inherit);
  g_assert_cmpstr (inherit.std[0], ==, own[0]);
  g_assert_cmpstr (inherit.std[2], ==, "/dev/null");

  report_on_stderr (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &silenced);
  g_assert_cmpstr (silenced.std[0], ==, "/dev/null");
  g_assert_cmpstr (silenced.std[1], ==, "/dev/null");
  g_assert_true (g_str_has_prefix (silenced.std[2], "pipe:"));

  /* Merged: stderr is the stdout pipe. */
  gt_report_get (NULL, G_SUBPROCESS_FLAGS_STDERR_MERGE, &merged);
  g_assert_cmpstr (merged.std[2], ==, merged.std[1]);

  for (int fd = 0; fd <= 2; fd++)
    g_free (own[fd]);
}

static GBytes *
random_bytes (gsize size)
{
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int ();

  return g_bytes_new_take (data, size);
}

/* 1 MiB through cat, both ways at once: neither pipe may fill up. */
static void
test_communicate_cat (gconstpointer data)
{
  g_autoptr(GBytes) input = random_bytes (1024 * 1024);
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GBytes) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  GPid pid;

  child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                         "cat", NULL);
  g_assert_no_error (error);
  pid = g_pidfd_get_pid (child);
  g_assert_nonnull (g_pidfd_get_stdin_pipe (child));
  g_assert_nonnull (g_pidfd_get_stdout_pipe (child));
  g_assert_null (g_pidfd_get_stderr_pipe (child));

  g_assert_true (g_pidfd_communicate (child, input, NULL, &output, &errors, &error));
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (input, output));
  g_assert_null (errors);

  /* Ended and reaped: the record is there at once. */
  info = g_pidfd_try_wait (child, &error);
  g_assert_no_error (error);
  gt_assert_exited (info, pid, 0);
  g_assert_true (g_pidfd_exit_info_has_rusage (info));
}

typedef struct
{
  gboolean done;
  gboolean ok;
  char *out;
  char *err;
  GError *error;
  gboolean utf8;
  GBytes *out_bytes;
} CommunicateResult;

static void
communicate_result_clear (CommunicateResult *result)
{
  g_clear_pointer (&result->out, g_free);
  g_clear_pointer (&result->err, g_free);
  g_clear_pointer (&result->out_bytes, g_bytes_unref);
  g_clear_error (&result->error);
}

static void
on_communicated (GObject      *object,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  CommunicateResult *result = user_data;

  if (result->utf8)
    result->ok = g_pidfd_communicate_utf8_finish (G_PIDFD (object), res, &result->out,
                                                  &result->err, &result->error);
  else
    result->ok = g_pidfd_communicate_finish (G_PIDFD (object), res, &result->out_bytes, NULL,
                                             &result->error);
  result->done = TRUE;
}

static void
test_communicate_utf8_async (gconstpointer data)
{
  GMainContext *context = g_main_context_new ();
  GString *text = g_string_new (NULL);
  CommunicateResult result = { .utf8 = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  while (text->len < 1024 * 1024)
    g_string_append (text, "Grüße, ☃ — line of text\n");

  g_main_context_push_thread_default (context);
  child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                         "cat", NULL);
  g_assert_no_error (error);
  g_pidfd_communicate_utf8_async (child, text->str, NULL, on_communicated, &result);
  gt_run_until_true (context, &result.done, 60);
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
  g_assert_cmpstr (result.out, ==, text->str);
  g_assert_null (result.err);
  info = gt_wait (child);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 0);

  communicate_result_clear (&result);
  g_string_free (text, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static void
test_communicate_streams (gconstpointer data)
{
  g_autofree char *merged = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *none = NULL;

  merged = run_sh ("echo out; echo err >&2; echo out2", G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                   G_SUBPROCESS_FLAGS_STDERR_MERGE, NULL, &err, 0);
  g_assert_cmpstr (merged, ==, "out\nerr\nout2\n");
  g_assert_null (err);

  out = run_sh ("echo out; echo err >&2; exit 3", G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                G_SUBPROCESS_FLAGS_STDERR_PIPE, NULL, &err, 3);
  g_assert_cmpstr (out, ==, "out\n");
  g_assert_cmpstr (err, ==, "err\n");
  g_clear_pointer (&err, g_free);

  /* stdin piped, nothing given: end of file at once. */
  none = run_sh ("cat; echo done", G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
                 NULL, &err, 0);
  g_assert_cmpstr (none, ==, "done\n");
}

static void
test_communicate_invalid_utf8 (gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autofree char *out = NULL;
  g_autofree char *pid_text = NULL;
  GPid pid;

  child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                         "printf", "valid, then \\377 not", NULL);
  g_assert_no_error (error);
  pid = g_pidfd_get_pid (child);
  g_assert_false (g_pidfd_communicate_utf8 (child, NULL, NULL, &out, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_null (out);
  g_assert_nonnull (strstr (error->message, "stdout"));
  pid_text = g_strdup_printf ("%d", pid);
  g_assert_nonnull (strstr (error->message, pid_text));
  g_assert_nonnull (strstr (error->message, "offset 12"));
}

/* A process without pipes is only waited for; one gpidfd did not start
 * has no pipes to talk to. */
static void
test_communicate_without_pipes (gconstpointer data)
{
  GMainContext *context = g_main_context_new ();
  CommunicateResult result = { .utf8 = FALSE };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFd) other = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) err = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) other_info = NULL;
  pid_t pid;

  child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "/bin/sh", "-c", "exit 2", NULL);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_communicate (child, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_null (out);
  g_assert_null (err);
  info = gt_wait (child);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 2);

  pid = gt_spawn_exit (0, 0);
  other = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_assert_null (g_pidfd_get_stdin_pipe (other));
  g_assert_null (g_pidfd_get_stdout_pipe (other));
  g_assert_null (g_pidfd_get_stderr_pipe (other));
  g_assert_false (g_pidfd_communicate (other, NULL, NULL, &out, &err, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  gt_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "did not start", pid);
  g_clear_error (&error);

  g_main_context_push_thread_default (context);
  g_pidfd_communicate_async (other, NULL, NULL, on_communicated, &result);
  gt_run_until_true (context, &result.done, 30);
  g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  other_info = gt_wait (other);
  gt_assert_exited (other_info, pid, 0);
  communicate_result_clear (&result);
}

/* Another handler of the cancellable, after communicate's: the thread
 * that cancels is still inside the cancellation when the callback has
 * run and the communicate is freed (a GCancellableSource freed then
 * leaks before GLib 2.76: the ASan and valgrind passes see it). */
static void
linger_in_cancellation (GCancellable *cancellable,
                        gpointer      user_data)
{
  g_usleep (300 * 1000);
}

typedef enum
{
  CANCEL_BLOCKING_FROM_THREAD,
  CANCEL_ASYNC_FROM_LOOP,
  CANCEL_ASYNC_FROM_THREAD_LINGERING,
} CancelHow;

/* A cancelled communicate leaves the process running; dropped, it is
 * reaped once it ends. Blocking (cancelled from another thread) and
 * asynchronous (from the loop, and from another thread that stays in the
 * cancellation after the callback). */
static void
test_communicate_cancel (gconstpointer data)
{
  for (CancelHow how = CANCEL_BLOCKING_FROM_THREAD; how <= CANCEL_ASYNC_FROM_THREAD_LINGERING; how++)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GError) error = NULL;
      GPidFd *child;
      GPid pid;
      int gate[2];

      /* cat holds stdout open until the gate closes: communicate cannot
       * end before. */
      g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
      {
        g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);

        g_pidfd_launcher_take_stdin_fd (launcher, gate[0]);
        child = g_pidfd_launcher_spawn (launcher, &error, "cat", NULL);
        g_assert_no_error (error);
      }
      pid = g_pidfd_get_pid (child);

      if (how != CANCEL_BLOCKING_FROM_THREAD)
        {
          GMainContext *context = g_main_context_new ();
          CommunicateResult result = { .utf8 = TRUE };
          GThread *thread = NULL;

          g_main_context_push_thread_default (context);
          g_pidfd_communicate_utf8_async (child, NULL, cancellable, on_communicated, &result);
          if (how == CANCEL_ASYNC_FROM_LOOP)
            {
              GSource *timeout = g_timeout_source_new (100);

              g_source_set_callback (timeout, gt_cancel_cb, cancellable, NULL);
              g_source_attach (timeout, context);
              g_source_unref (timeout);
            }
          else
            {
              g_cancellable_connect (cancellable, G_CALLBACK (linger_in_cancellation), NULL, NULL);
              thread = gt_cancel_in_thread (cancellable, 100);
            }
          gt_run_until_true (context, &result.done, 30);
          g_assert_false (result.ok);
          g_assert_error (result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          communicate_result_clear (&result);
          g_main_context_pop_thread_default (context);
          g_main_context_unref (context);
          if (thread != NULL)
            g_thread_join (thread);
        }
      else
        {
          GThread *thread = gt_cancel_in_thread (cancellable, 100);
          g_autofree char *out = NULL;

          g_assert_false (g_pidfd_communicate_utf8 (child, NULL, cancellable, &out, NULL, &error));
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          g_thread_join (thread);
        }

      /* Still running, still ours. */
      g_assert_false (g_pidfd_has_exited (child));
      g_object_unref (child);
      g_assert_false (gt_reaped (pid));

      close (gate[1]);
      gt_wait_reaped (pid, 30);
      g_assert_true (gpidfd_reaper_wait_idle (30 * 1000));
    }
  assert_no_children ();
}

/* ---- The launcher ------------------------------------------------------ */

static void
test_launcher_environment (gconstpointer data)
{
  g_autoptr(GPidFdLauncher) launcher = NULL;
  const char *env[] = { "A=1", "C=3", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autofree char *out = NULL;

  /* A copy of the caller's. */
  launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_assert_cmpstr (g_pidfd_launcher_getenv (launcher, "PATH"), ==, g_getenv ("PATH"));

  g_pidfd_launcher_set_environ (launcher, (gchar **) env);
  g_pidfd_launcher_setenv (launcher, "B", "2", TRUE);
  g_pidfd_launcher_setenv (launcher, "A", "ignored", FALSE);
  g_pidfd_launcher_unsetenv (launcher, "C");
  g_assert_cmpstr (g_pidfd_launcher_getenv (launcher, "A"), ==, "1");
  g_assert_cmpstr (g_pidfd_launcher_getenv (launcher, "B"), ==, "2");
  g_assert_null (g_pidfd_launcher_getenv (launcher, "C"));

  child = g_pidfd_launcher_spawn (launcher, &error, "/usr/bin/env", NULL);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_communicate_utf8 (child, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "A=1\nB=2\n");

  g_pidfd_launcher_set_environ (launcher, NULL);
  g_assert_cmpstr (g_pidfd_launcher_getenv (launcher, "PATH"), ==, g_getenv ("PATH"));
}

static void
test_launcher_cwd_and_files (gconstpointer data)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *input = write_file (dir, "input", "from a file\n", 0644);
  g_autofree char *output = write_file (dir, "output", "old contents, longer than the new\n",
                                        0644);
  g_autofree char *errors = g_build_filename (dir, "errors", NULL);
  g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *resolved = realpath (dir, NULL);
  g_autoptr(GPidFdExitInfo) info = NULL;

  g_pidfd_launcher_set_cwd (launcher, dir);
  g_pidfd_launcher_set_stdin_file_path (launcher, input);
  g_pidfd_launcher_set_stdout_file_path (launcher, output);
  g_pidfd_launcher_set_stderr_file_path (launcher, errors);
  child = g_pidfd_launcher_spawn (launcher, &error, "/bin/sh", "-c", "cat; pwd -P >&2", NULL);
  g_assert_no_error (error);
  info = gt_wait (child);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 0);

  g_assert_true (g_file_get_contents (output, &out, NULL, NULL));
  g_assert_cmpstr (out, ==, "from a file\n");
  g_assert_true (g_file_get_contents (errors, &err, NULL, NULL));
  g_assert_cmpstr (g_strstrip (err), ==, resolved);
  remove_tmpdir (dir);
}

/* take_fd: crossed targets (5 to 6 and 6 to 5), a target equal to its
 * source, stdout and stderr given as descriptors; nothing else open in
 * the child. */
static void
test_launcher_take_fds (gconstpointer data)
{
  g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  int a[2], b[2], c[2], out[2], err[2];
  char buf[32];
  ssize_t n;

  g_assert_cmpint (pipe2 (a, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (b, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (c, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (out, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (err, O_CLOEXEC), ==, 0);
  /* The write ends, moved to 25, 26 and 27 here. */
  g_assert_cmpint (dup3 (a[1], 25, O_CLOEXEC), ==, 25);
  g_assert_cmpint (dup3 (b[1], 26, O_CLOEXEC), ==, 26);
  g_assert_cmpint (dup3 (c[1], 27, 0), ==, 27);
  close (a[1]);
  close (b[1]);
  close (c[1]);

  /* Crossed over: a goes to 6, b to 5; c to 7. The shell only knows
   * descriptors 0 to 9. */
  g_pidfd_launcher_take_fd (launcher, 25, 6);
  g_pidfd_launcher_take_fd (launcher, 26, 5);
  g_pidfd_launcher_take_fd (launcher, 27, 7);
  g_pidfd_launcher_take_stdout_fd (launcher, out[1]);
  g_pidfd_launcher_take_stderr_fd (launcher, err[1]);
  /* Owned now: close-on-exec, so that no other child gets them. */
  g_assert_cmpint (fcntl (27, F_GETFD), ==, FD_CLOEXEC);

  child = g_pidfd_launcher_spawn (launcher, &error, "/bin/sh", "-c",
                                  "echo a >&6; echo b >&5; echo c >&7; echo e >&2; "
                                  "ls /proc/self/fd/ | tr '\\n' ' '", NULL);
  g_assert_no_error (error);
  info = gt_wait (child);
  g_assert_cmpint (g_pidfd_exit_info_get_exit_status (info), ==, 0);

  /* ls's own listing: 0, 1, 2, the three targets, and its directory. */
  g_pidfd_launcher_close (launcher);
  n = read (out[0], buf, sizeof buf - 1);
  g_assert_cmpint (n, >, 0);
  buf[n] = '\0';
  g_assert_cmpstr (buf, ==, "0 1 2 3 5 6 7 ");
  n = read (a[0], buf, sizeof buf);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpmem (buf, 2, "a\n", 2);
  n = read (b[0], buf, sizeof buf);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpmem (buf, 2, "b\n", 2);
  n = read (c[0], buf, sizeof buf);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpmem (buf, 2, "c\n", 2);
  n = read (err[0], buf, sizeof buf);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpmem (buf, 2, "e\n", 2);

  /* The launcher closed them: the sources are gone from here. */
  g_assert_cmpint (fcntl (25, F_GETFD), ==, -1);
  g_assert_cmpint (fcntl (27, F_GETFD), ==, -1);
  g_assert_null (g_pidfd_launcher_spawn (launcher, &error, "true", NULL));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED);

  close (a[0]);
  close (b[0]);
  close (c[0]);
  close (out[0]);
  close (err[0]);
}

/* A target that no descriptor can have fails the spawn; the launcher
 * still owns, and closes, the source. */
static void
test_launcher_bad_target (gconstpointer data)
{
  g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  int fds[2];

  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
  g_pidfd_launcher_take_fd (launcher, fds[1], -1);
  g_assert_null (g_pidfd_launcher_spawn (launcher, &error, "true", NULL));
  g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "true"));
  assert_no_children ();
  close (fds[0]);
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_launcher_flags (gconstpointer data)
{
  g_autoptr(GPidFdLauncher) launcher = NULL;
  GSubprocessFlags flags;
  guint notified = 0;

  launcher = g_object_new (G_TYPE_PIDFD_LAUNCHER, "flags", G_SUBPROCESS_FLAGS_STDOUT_PIPE, NULL);
  g_object_get (launcher, "flags", &flags, NULL);
  g_assert_cmpint (flags, ==, G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_signal_connect (launcher, "notify::flags", G_CALLBACK (on_notify), &notified);
  g_pidfd_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_pidfd_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_assert_cmpuint (notified, ==, 1);

  /* One place per stream, as GSubprocessLauncher checks it. */
  if (g_test_subprocess ())
    {
      g_assert_null (g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                           G_SUBPROCESS_FLAGS_STDIN_INHERIT));
      return;
    }
  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*at most one disposition for the stdin stream*");
}

/* ---- Nothing leaks into the child -------------------------------------- */

static volatile gint handled;

static void
count_signal (int signum)
{
  g_atomic_int_inc (&handled);
}

typedef struct
{
  gboolean inherit_ignored;
  guint n_spawns;
  gint stop;
  guint64 ignored;   /* what the program ignores */
} HygieneRun;

static gpointer
spawn_and_check_thread (gpointer user_data)
{
  HygieneRun *run = user_data;
  g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  GMainContext *context = g_main_context_new ();
  guint64 want_ignored = run->ignored;
  sigset_t block;

  /* A thread that blocks signals for its own reasons. */
  sigemptyset (&block);
  sigaddset (&block, SIGUSR2);
  sigaddset (&block, SIGTERM);
  sigaddset (&block, SIGINT);
  pthread_sigmask (SIG_BLOCK, &block, NULL);

  /* GLib's spawn resets these five; the rest stays ignored. */
  if (run->inherit_ignored)
    g_pidfd_launcher_set_inherit_ignored_signals (launcher, TRUE);
  else
    want_ignored &= ~GT_RESET_SIGNALS;

  g_main_context_push_thread_default (context);
  for (guint i = 0; i < run->n_spawns; i++)
    {
      g_auto(GtReport) report = { 0, };

      gt_report_get (launcher, 0, &report);
      gt_assert_fds (&report, std_fds, G_N_ELEMENTS (std_fds));
      gt_assert_signals (&report, want_ignored);
      g_assert_cmpint (report.pgid, ==, getpgrp ());
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

/* Makes and drops descriptors of every kind gpidfd has while the others
 * spawn: pidfds, epoll sets of pending waits, pipes. */
static gpointer
churn_thread (gpointer user_data)
{
  HygieneRun *run = user_data;
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  while (!g_atomic_int_get (&run->stop))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error, "cat", NULL);
      g_autoptr(GPidFd) self = g_pidfd_new_from_pid (getpid (), &error);
      g_autoptr(GPidFdExitInfo) info = NULL;
      int fd = eventfd (0, EFD_CLOEXEC);

      g_assert_no_error (error);
      /* A pidfd of ours, open while others spawn: it must not leak. */
      g_assert_nonnull (self);
      g_pidfd_wait_async (child, NULL, gt_store_wait_result, &info);
      g_main_context_iteration (context, FALSE);
      g_output_stream_close (g_pidfd_get_stdin_pipe (child), NULL, NULL);
      gt_run_until_set (context, &info, 30);
      close (fd);
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
hygiene_body (gconstpointer data)
{
  HygieneRun run = { GPOINTER_TO_INT (data), gt_scale (25, 3), 0, 0 };
  struct sigaction handler = { .sa_handler = count_signal };
  struct sigaction after;
  GThread *spawners[8];
  GThread *churn;
  int leaky;

  /* What the program does for itself: handlers, ignored signals, and a
   * descriptor without close-on-exec. */
  sigemptyset (&handler.sa_mask);
  g_assert_cmpint (sigaction (SIGTERM, &handler, NULL), ==, 0);
  g_assert_cmpint (sigaction (SIGUSR1, &handler, NULL), ==, 0);
  g_assert_cmpint (sigaction (SIGCHLD, &handler, NULL), ==, 0);
  signal (SIGPIPE, SIG_IGN);
  signal (SIGHUP, SIG_IGN);
  signal (SIGQUIT, SIG_IGN);
  leaky = 40;
  g_assert_cmpint (dup2 (0, leaky), ==, leaky);
  run.ignored = gt_own_ignored_signals ();
  g_assert_cmpuint (run.ignored & gt_sigbit (SIGQUIT), !=, 0);

  churn = g_thread_new ("churn", churn_thread, &run);
  for (guint i = 0; i < G_N_ELEMENTS (spawners); i++)
    spawners[i] = g_thread_new ("spawner", spawn_and_check_thread, &run);
  for (guint i = 0; i < G_N_ELEMENTS (spawners); i++)
    g_thread_join (spawners[i]);
  g_atomic_int_set (&run.stop, 1);
  g_thread_join (churn);

  /* The children reset their own handlers, never the parent's. */
  g_assert_cmpint (sigaction (SIGTERM, NULL, &after), ==, 0);
  g_assert_true (after.sa_handler == count_signal);
  g_assert_cmpint (sigaction (SIGCHLD, NULL, &after), ==, 0);
  g_assert_true (after.sa_handler == count_signal);
  g_assert_cmpint (sigaction (SIGPIPE, NULL, &after), ==, 0);
  g_assert_true (after.sa_handler == SIG_IGN);
  g_assert_cmpint (sigaction (SIGHUP, NULL, &after), ==, 0);
  g_assert_true (after.sa_handler == SIG_IGN);
  /* And the parent's handlers worked all along. */
  g_assert_cmpint (kill (getpid (), SIGUSR1), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&handled), >, 0);

  close (leaky);
  assert_no_children ();
}

static void
test_hygiene (gconstpointer data)
{
  g_test_summary ("8 threads spawn at once: each child has only 0, 1 and 2 open, an empty "
                  "signal mask, nothing caught and only what GLib's spawn leaves ignored");
  gt_fork_run ("spawning threads", GT_FORK_PLAIN, 240, hygiene_body, data);
}

/* ---- Reaping a child whose object went --------------------------------- */

static void
test_reap_dropped (gconstpointer data)
{
  guint n = gt_scale (50, 5);
  guint threads_before = gt_count_threads ();
  g_autofree pid_t *pids = g_new (pid_t, n);
  int gate[2];

  /* Running: each waits for the gate, then the reaper takes them all, in
   * one thread. */
  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) child = NULL;

      g_pidfd_launcher_take_stdin_fd (launcher, dup (gate[0]));
      child = g_pidfd_launcher_spawn (launcher, &error, "cat", NULL);
      g_assert_no_error (error);
      pids[i] = g_pidfd_get_pid (child);
    }
  close (gate[0]);
  g_assert_cmpuint (gt_count_threads (), <=, threads_before + 1);
  for (guint i = 0; i < n; i++)
    g_assert_false (gt_reaped (pids[i]));
  close (gate[1]);
  for (guint i = 0; i < n; i++)
    gt_wait_reaped (pids[i], 30);
  g_assert_true (gpidfd_reaper_wait_idle (30 * 1000));
  /* Its last step done, the thread may still be on its way out. */
  while (gt_count_threads () > threads_before)
    g_usleep (1000);

  /* Exited, not reaped: reaped as the object goes, without a thread. */
  {
    g_autoptr(GError) error = NULL;
    GPidFd *child = g_pidfd_spawn (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL);
    pid_t pid = g_pidfd_get_pid (child);

    g_assert_no_error (error);
    g_assert_true (g_pidfd_wait_exit (child, NULL, &error));
    g_assert_false (gt_reaped (pid));
    g_object_unref (child);
    g_assert_true (gt_reaped (pid));
    g_assert_cmpuint (gt_count_threads (), ==, threads_before);
  }
  assert_no_children ();
}

/* ---- Immune to the rest of the program --------------------------------- */

static void
immune_body (gconstpointer data)
{
  GtOther other = GPOINTER_TO_INT (data);
  gboolean exit_info = gt_kernel_has_exit_info ();
  guint n = gt_scale (200, 20);
  guint unknown = gt_check_statuses (other, n, exit_info);

  g_test_message ("%u of %u with their status, %u unknown (PIDFD_INFO_EXIT: %s)", n - unknown,
                  n, unknown, exit_info ? "yes" : "no");
  /* Before Linux 6.15, a status the kernel took is gone: each of them. */
  if (other != GT_OTHER_WAITPID_THREAD && !exit_info)
    g_assert_cmpuint (unknown, ==, n);
  assert_no_children ();
}

static void
test_immune (gconstpointer data)
{
  g_test_summary ("With SIGCHLD ignored, SA_NOCLDWAIT or another thread in waitpid (-1), "
                  "every child gives its true status (Linux 6.15), or says it is unknown; "
                  "never a wrong one");
  gt_fork_run ("a program that reaps behind gpidfd's back", GT_FORK_PLAIN, 300, immune_body,
               data);
}

/* ---- Process groups ---------------------------------------------------- */

/* The processes of group @pgid, from /proc; zombies too. */
static guint
count_group (pid_t pgid)
{
  GDir *dir = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *stat = NULL;
      const char *p;
      int pgrp = 0;

      if (!g_ascii_isdigit (name[0]))
        continue;
      path = g_strdup_printf ("/proc/%s/stat", name);
      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* "pid (comm) state ppid pgrp ..." */
      p = strrchr (stat, ')');
      if (p != NULL && sscanf (p + 2, "%*c %*d %d", &pgrp) == 1 && pgrp == pgid)
        n++;
    }
  g_dir_close (dir);

  return n;
}

static void
group_body (gconstpointer data)
{
  g_autoptr(GPidFdLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  gint64 deadline;
  GPid pid;

  launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_NONE);

  /* The orphaned sleeps come to us, to be reaped here. */
  g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1), ==, 0);
  g_pidfd_launcher_set_process_group (launcher, TRUE);

  child = g_pidfd_launcher_spawn (launcher, &error, "/bin/sh", "-c",
                                  "sleep 100 & sleep 100 & wait", NULL);
  g_assert_no_error (error);
  pid = g_pidfd_get_pid (child);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (count_group (pid) < 3)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (1000);
    }

  /* With PIDFD_SIGNAL_PROCESS_GROUP from Linux 6.9, with kill (-pid)
   * before it (and under valgrind, which does not know the call). */
  g_assert_true (g_pidfd_send_signal_full (child, SIGKILL, G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP, &error));
  g_assert_no_error (error);
  info = gt_wait (child);
  gt_assert_signaled (info, pid, SIGKILL);

  /* Every process of the group ended: reaped here, none left. */
  while (waitpid (-1, NULL, __WALL) > 0 || errno == EINTR)
    ;
  g_assert_cmpuint (count_group (pid), ==, 0);
}

static void
test_process_group (gconstpointer data)
{
  g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_auto(GtReport) report = { 0, };
  g_auto(GtReport) leader = { 0, };

  /* The leader's group is its pid; without the setting, the caller's. */
  gt_report_get (NULL, 0, &report);
  g_assert_cmpint (report.pgid, ==, getpgrp ());
  g_pidfd_launcher_set_process_group (launcher, TRUE);
  gt_report_get (launcher, 0, &leader);
  g_assert_cmpint (leader.pgid, ==, leader.pid);

  gt_fork_run ("a process group", GT_FORK_PLAIN, 60, group_body, NULL);
}

static const char *other_names[] = {
  [GT_OTHER_SIGCHLD_IGNORED] = "sigchld-ignored",
  [GT_OTHER_NOCLDWAIT] = "nocldwait",
  [GT_OTHER_WAITPID_THREAD] = "waitpid-thread",
};

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && g_str_equal (argv[1], GT_REPORT_ARG))
    return gt_report_main (FALSE);
  if (argc == 2 && g_str_equal (argv[1], GT_REPORT_STDERR_ARG))
    return gt_report_main (TRUE);

  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add_data ("/spawn/basic", NULL, test_basic);
  gt_add_data ("/spawn/pidfd-api", NULL, test_pidfd_api);
  for (guint i = 0; i < G_N_ELEMENTS (exec_error_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/spawn/exec-error/%s", exec_error_rows[i].name);

      gt_add_data (path, &exec_error_rows[i], test_exec_error);
    }
  gt_add_data ("/spawn/script-without-shebang", NULL, test_script_without_shebang);
  gt_add_data ("/spawn/search-path", NULL, test_search_path);
  gt_add_data ("/spawn/stdio-defaults", NULL, test_stdio_defaults);
  gt_add_data ("/spawn/communicate/cat-1mib", NULL, test_communicate_cat);
  gt_add_data ("/spawn/communicate/utf8-async-1mib", NULL, test_communicate_utf8_async);
  gt_add_data ("/spawn/communicate/streams", NULL, test_communicate_streams);
  gt_add_data ("/spawn/communicate/invalid-utf8", NULL, test_communicate_invalid_utf8);
  gt_add_data ("/spawn/communicate/without-pipes", NULL, test_communicate_without_pipes);
  gt_add_data ("/spawn/communicate/cancel", NULL, test_communicate_cancel);
  gt_add_data ("/spawn/launcher/environment", NULL, test_launcher_environment);
  gt_add_data ("/spawn/launcher/cwd-and-files", NULL, test_launcher_cwd_and_files);
  gt_add_data ("/spawn/launcher/take-fds", NULL, test_launcher_take_fds);
  gt_add_data ("/spawn/launcher/bad-target", NULL, test_launcher_bad_target);
  gt_add_data ("/spawn/launcher/flags", NULL, test_launcher_flags);
  gt_add_data ("/spawn/hygiene/default", GINT_TO_POINTER (FALSE), test_hygiene);
  gt_add_data ("/spawn/hygiene/inherit-ignored", GINT_TO_POINTER (TRUE), test_hygiene);
  gt_add_data ("/spawn/reap-dropped", NULL, test_reap_dropped);
  for (guint i = GT_OTHER_SIGCHLD_IGNORED; i < G_N_ELEMENTS (other_names); i++)
    {
      g_autofree char *path = g_strdup_printf ("/spawn/immune/%s", other_names[i]);

      gt_add_data (path, GINT_TO_POINTER (i), test_immune);
    }
  gt_add_data ("/spawn/process-group", NULL, test_process_group);

  return g_test_run ();
}
