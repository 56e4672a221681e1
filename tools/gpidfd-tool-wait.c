/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-wait.c: gpidfd wait, pidwait(1) on pidfds, with the status */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "gpidfd-tool.h"

/* How long, once a process has exited, to give its parent to reap it so
 * that the kernel can tell its status (Linux 6.15 and later), unless
 * --reap-grace says otherwise. Shells and service managers reap at once;
 * a parent busy elsewhere may take a moment. */
#define DEFAULT_REAP_GRACE_S 2.0

/* Descriptors kept free while the pids are opened, and given back before
 * the wait: what the library opens for a moment as processes end (the
 * child that asks the kernel whether it keeps exit statuses, a file in
 * /proc) has room then, however many pids took the rest. */
#define N_RESERVED_FDS 4

typedef struct _WaitState WaitState;

typedef struct
{
  WaitState *state;
  GPidFd *pidfd;
  GPid pid;             /* as opened: the pidfd forgets it once reaped */
  GPid ppid;            /* its parent when it exited; 0 unknown */
  char *name;           /* nullable */
  GCancellable *reap_wait;  /* the wait for the reap, in the grace */
  guint grace_id;
  gboolean exited;      /* seen exiting, not reaped yet */
  gboolean done;
} WaitTarget;

struct _WaitState
{
  GMainLoop *loop;
  GCancellable *cancellable;
  GPtrArray *targets;   /* WaitTarget */
  guint n_pending;
  gboolean any;
  gboolean status_mode;
  gboolean quiet;
  gboolean json;
  gboolean failed;
  gboolean timed_out;
  guint timeout_id;     /* 0 once it has fired */
  gboolean stopped;     /* the answer is given: later completions are not news */
  const char *timeout_text;
  double reap_grace;    /* seconds; 0: report at the exit itself */
  int last_status;      /* shell status of the last record; -1 unknown */
};

static void
wait_target_free (WaitTarget *target)
{
  if (target->reap_wait != NULL)
    g_cancellable_cancel (target->reap_wait);
  g_clear_object (&target->reap_wait);
  if (target->grace_id != 0)
    g_source_remove (target->grace_id);
  g_clear_object (&target->pidfd);
  g_free (target->name);
  g_free (target);
}

static char *
target_label (WaitTarget *target)
{
  if (target->name != NULL)
    return g_strdup_printf ("%d (%s)", target->pid, target->name);

  return g_strdup_printf ("%d", target->pid);
}

static void
add_name (JsonBuilder *builder,
          WaitTarget  *target)
{
  json_builder_set_member_name (builder, "pid");
  json_builder_add_int_value (builder, target->pid);
  json_builder_set_member_name (builder, "name");
  gpidfd_tool_json_add_text (builder, target->name);
}

static void
print_record (WaitTarget     *target,
              GPidFdExitInfo *info)
{
  WaitState *state = target->state;

  if (state->quiet)
    return;

  if (state->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "exit");
      add_name (builder, target);
      json_builder_set_member_name (builder, "child");
      json_builder_add_boolean_value (builder, g_pidfd_is_child (target->pidfd));
      json_builder_set_member_name (builder, "reaped");
      json_builder_add_boolean_value (builder, info != NULL);
      /* Not reaped: every member of the status, null; and the parent
       * that has not reaped it. */
      gpidfd_tool_json_add_exit_info (builder, info);
      json_builder_set_member_name (builder, "ppid");
      if (info == NULL && target->ppid > 0)
        json_builder_add_int_value (builder, target->ppid);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
      gpidfd_tool_json_emit (gpidfd_tool_stdout (), builder);
    }
  else
    {
      g_autofree char *label = target_label (target);
      g_autofree char *ending = NULL;
      GString *line = g_string_new (label);

      if (info != NULL)
        ending = g_pidfd_exit_info_describe (info);
      else if (target->ppid > 0)
        ending = g_strdup_printf ("exited; status not known yet (its parent %d "
                                  "has not reaped it)", target->ppid);
      else
        ending = g_strdup ("exited; status not known yet (its parent has not reaped it)");
      g_string_append_printf (line, ": %s", ending);

      if (info != NULL && g_pidfd_exit_info_has_rusage (info))
        g_string_append_printf (line, "; user %.3f s, system %.3f s, max RSS %"
                                G_GINT64_FORMAT " KiB",
                                (double) g_pidfd_exit_info_get_user_time (info) / G_USEC_PER_SEC,
                                (double) g_pidfd_exit_info_get_system_time (info) / G_USEC_PER_SEC,
                                g_pidfd_exit_info_get_max_rss (info));
      g_string_append_c (line, '\n');

      /* The name is the process's own bytes: written as they are. */
      gpidfd_tool_stream_write (gpidfd_tool_stdout (), line->str, (gssize) line->len);
      g_string_free (line, TRUE);
    }
}

static void
target_done (WaitTarget *target)
{
  WaitState *state = target->state;

  if (target->done)
    return;

  target->done = TRUE;
  if (target->reap_wait != NULL)
    g_cancellable_cancel (target->reap_wait);
  if (target->grace_id != 0)
    g_source_remove (target->grace_id);
  target->grace_id = 0;

  if (--state->n_pending == 0)
    g_main_loop_quit (state->loop);
}

static void
target_ended (WaitTarget     *target,
              GPidFdExitInfo *info)
{
  if (target->done || target->state->stopped)
    return;

  target->state->last_status = info != NULL ? gpidfd_tool_shell_status (info) : -1;
  print_record (target, info);
  target_done (target);
  /* --any: one has ended. A pid that could not be waited for is still
   * an error, as without --any. */
  if (target->state->any)
    g_main_loop_quit (target->state->loop);
}

static void
target_failed (WaitTarget   *target,
               const GError *error)
{
  WaitState *state = target->state;

  if (target->done || state->stopped)
    return;

  gpidfd_tool_report_error (state->json ? gpidfd_tool_stdout () : NULL,
                            target->pid, NULL, error);
  state->failed = TRUE;
  target_done (target);
}

static gboolean
on_grace_over (gpointer user_data)
{
  WaitTarget *target = user_data;

  target->grace_id = 0;
  target_ended (target, NULL);

  return G_SOURCE_REMOVE;
}

/* Once exited: the record, once the parent has reaped the process (or
 * the process became ours to reap), as the library's waits decide. */
static void
on_reaped (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  WaitTarget *target = user_data;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (info == NULL)
    target_failed (target, error);
  else
    target_ended (target, info);
}

static void
on_exited (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  WaitTarget *target = user_data;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_pidfd_wait_exit_finish (G_PIDFD (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        target_failed (target, error);
      return;
    }

  info = g_pidfd_try_wait (target->pidfd, &error);
  if (error != NULL)
    target_failed (target, error);
  else if (info != NULL)
    target_ended (target, info);
  else
    {
      g_autoptr(GPidFdProcessInfo) process = g_pidfd_query_info (target->pidfd, NULL);

      /* Exited, and the kernel gives the status after the reap: parents
       * usually reap at once, so give it a moment. */
      target->exited = TRUE;
      if (process != NULL)
        target->ppid = g_pidfd_process_info_get_ppid (process);
      if (!(target->state->reap_grace > 0))
        {
          target_ended (target, NULL);
          return;
        }
      target->reap_wait = g_cancellable_new ();
      g_pidfd_wait_async (target->pidfd, target->reap_wait, on_reaped, target);
      /* 0 for an infinite grace: then only the reap ends the wait. */
      target->grace_id = gpidfd_tool_timeout_add (target->state->reap_grace,
                                                  on_grace_over, target);
    }
}

static void
on_wait_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  WaitTarget *target = user_data;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  if (info != NULL)
    target_ended (target, info);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    target_failed (target, error);
}

static gboolean
on_timeout (gpointer user_data)
{
  WaitState *state = user_data;
  g_autoptr(GPtrArray) running = g_ptr_array_new ();
  g_autoptr(GPtrArray) unreaped = g_ptr_array_new ();
  GPtrArray *lists[2];

  state->timeout_id = 0;

  for (guint i = 0; i < state->targets->len; i++)
    {
      WaitTarget *target = g_ptr_array_index (state->targets, i);

      if (target->done)
        continue;
      /* Those that exited are done, as far as the default mode goes. */
      if (target->exited && !state->status_mode)
        {
          target_ended (target, NULL);
          continue;
        }
      g_ptr_array_add (g_pidfd_has_exited (target->pidfd) ? unreaped : running, target);
    }
  /* Every process has ended: those in their --reap-grace ended above,
   * without their status, as when the grace is over. No wait was cut
   * short, so this is no timeout. */
  if (running->len == 0 && unreaped->len == 0)
    return G_SOURCE_REMOVE;

  state->timed_out = TRUE;
  lists[0] = running;
  lists[1] = unreaped;

  if (state->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      static const char * const members[] = { "running", "exited_unreaped" };

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "timeout");
      json_builder_set_member_name (builder, "timeout");
      gpidfd_tool_json_add_text (builder, state->timeout_text);
      for (gsize l = 0; l < G_N_ELEMENTS (lists); l++)
        {
          json_builder_set_member_name (builder, members[l]);
          json_builder_begin_array (builder);
          for (guint i = 0; i < lists[l]->len; i++)
            {
              json_builder_begin_object (builder);
              add_name (builder, g_ptr_array_index (lists[l], i));
              json_builder_end_object (builder);
            }
          json_builder_end_array (builder);
        }
      json_builder_end_object (builder);
      gpidfd_tool_json_emit (gpidfd_tool_stdout (), builder);
    }

  {
    g_autoptr(GString) message = g_string_new (NULL);
    g_autofree char *after = gpidfd_tool_duration_label (state->timeout_text);

    g_string_append_printf (message, "Timed out after %s", after);
    for (gsize l = 0; l < G_N_ELEMENTS (lists); l++)
      {
        if (lists[l]->len == 0)
          continue;
        g_string_append (message, l == 0 ? "; still running: "
                                         : "; exited, waiting to be reaped by their parent: ");
        for (guint i = 0; i < lists[l]->len; i++)
          {
            g_autofree char *label = target_label (g_ptr_array_index (lists[l], i));

            g_string_append_printf (message, "%s%s", i > 0 ? ", " : "", label);
          }
      }
    gpidfd_tool_error ("%s", message->str);
  }

  /* Completes the pending waits (in this context), as cancelled. */
  g_cancellable_cancel (state->cancellable);
  g_main_loop_quit (state->loop);

  return G_SOURCE_REMOVE;
}

/* The first word of a pid file. Read here rather than with
 * g_file_get_contents (), whose message would name the file a second
 * time, in other quotes. */
static char *
read_pidfile (const char  *path,
              GError     **error)
{
  char contents[4096];
  gsize len = 0;
  g_auto(GStrv) words = NULL;
  int errsv = 0;
  int fd;

  do
    fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    errsv = errno;

  /* A pid file holds a pid and a newline: its start is enough. */
  while (fd >= 0 && len < sizeof contents - 1)
    {
      ssize_t n = read (fd, contents + len, sizeof contents - 1 - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        errsv = errno;
      if (n <= 0)
        break;
      len += (gsize) n;
    }
  if (fd >= 0)
    close (fd);

  if (errsv != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Cannot read pid file '%s': %s", path, g_strerror (errsv));
      return NULL;
    }

  contents[len] = '\0';
  g_strstrip (contents);
  words = g_strsplit_set (contents, " \t\n", 2);
  if (words[0] == NULL || words[0][0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Pid file '%s' is empty", path);
      return NULL;
    }

  return g_strdup (words[0]);
}

static void
add_target (WaitState   *state,
            GHashTable  *seen,
            const char  *text,
            const char  *source)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  WaitTarget *target;
  GPid pid;

  if (!gpidfd_tool_parse_pid (text, &pid, &error))
    {
      if (source != NULL)
        g_prefix_error (&error, "Pid file '%s': ", source);
      gpidfd_tool_report_error (state->json ? gpidfd_tool_stdout () : NULL, 0, text, error);
      state->failed = TRUE;
      return;
    }

  /* A pid given twice is one process: waited once. */
  if (!g_hash_table_add (seen, GINT_TO_POINTER (pid)))
    return;

  pidfd = g_pidfd_new_from_pid (pid, &error);
  if (pidfd == NULL)
    {
      gpidfd_tool_report_error (state->json ? gpidfd_tool_stdout () : NULL, pid, NULL, error);
      state->failed = TRUE;
      return;
    }

  target = g_new0 (WaitTarget, 1);
  target->state = state;
  target->pidfd = g_steal_pointer (&pidfd);
  target->pid = pid;
  target->name = gpidfd_tool_process_name (target->pidfd);
  g_ptr_array_add (state->targets, target);

  /* At once: the first wait makes the epoll set that all of them share,
   * while descriptors are left to make it. The callbacks run from the
   * main loop, once every pid is opened. */
  state->n_pending++;
  if (state->status_mode)
    g_pidfd_wait_async (target->pidfd, state->cancellable, on_wait_done, target);
  else
    g_pidfd_wait_exit_async (target->pidfd, state->cancellable, on_exited, target);
}

int
gpidfd_tool_wait (int    argc,
                  char **argv)
{
  gboolean json = FALSE;
  gboolean any = FALSE;
  gboolean status_mode = FALSE;
  gboolean quiet = FALSE;
  g_autofree char *timeout_text = NULL;
  g_autofree char *grace_text = NULL;
  g_auto(GStrv) pidfiles = NULL;
  const GOptionEntry entries[] = {
    { "timeout", 't', 0, G_OPTION_ARG_STRING, &timeout_text,
      "Give up after DURATION (exit status 124)", "DURATION" },
    { "reap-grace", 0, 0, G_OPTION_ARG_STRING, &grace_text,
      "After a process exits, wait up to DURATION for its parent to reap it, "
      "so that its status can be printed (default 2s; 0: report at the exit)", "DURATION" },
    { "any", 'a', 0, G_OPTION_ARG_NONE, &any,
      "Return as soon as one of the processes has ended", NULL },
    { "status", 0, 0, G_OPTION_ARG_NONE, &status_mode,
      "Wait until the exit status is known (until reaped)", NULL },
    { "pidfile", 'F', 0, G_OPTION_ARG_FILENAME_ARRAY, &pidfiles,
      "Also wait for the pid in PIDFILE (repeatable)", "PIDFILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "Print nothing when a process ends", NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print JSON Lines, one object per event", NULL },
    G_OPTION_ENTRY_NULL
  };
  const GPidFdToolCommandInfo info = {
    "wait", "PID...",
    "Wait for processes to end, children of gpidfd or not, and print how each ended.",
    "By default, as pidwait(1), a process counts as ended when it exits; its "
    "status is printed when the kernel can tell it: after its parent has reaped "
    "it, from Linux 6.15, which the wait gives the parent --reap-grace to do. "
    "With --status, the wait goes on until then; before Linux 6.15 the kernel "
    "never tells it, and the status is unknown at the exit (unless gpidfd may "
    "be handed the process as a subreaper or pid 1: then it waits for the reap "
    "as on 6.15).\n"
    "\n"
    "DURATION is a number of seconds, possibly with a fraction or an exponent, "
    "and an optional unit: s, m, h or d; 0 and 'inf' mean no limit.\n"
    "\n"
    "A pid that cannot be waited for (malformed, no such process, no "
    "permission, that of gpidfd itself) is reported, and the others are "
    "still waited for.\n"
    "\n"
    "Exit status: 0 when every process (with --any, one) ended; 1 when a pid "
    "could not be waited for, with --any too; 2 on a usage error; 124 on "
    "timeout. With --status and a single PID: its exit status, or 128 + N when "
    "signal N killed it, as the shell's wait.",
    TRUE,
    FALSE,
    TRUE,
  };
  WaitState state = { 0, };
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GError) error = NULL;
  double timeout = 0;
  guint n_given;
  int reserved[N_RESERVED_FDS];
  int status;

  if (!gpidfd_tool_parse_options (&info, entries, &argc, &argv, &status))
    return status;
  if (json)
    gpidfd_tool_set_json_errors (gpidfd_tool_stdout ());

  if (timeout_text != NULL &&
      !gpidfd_tool_parse_duration ("--timeout", timeout_text, &timeout, &error))
    return gpidfd_tool_usage_error (timeout_text, "%s", error->message);
  state.reap_grace = DEFAULT_REAP_GRACE_S;
  if (grace_text != NULL &&
      !gpidfd_tool_parse_duration ("--reap-grace", grace_text, &state.reap_grace, &error))
    return gpidfd_tool_usage_error (grace_text, "%s", error->message);
  n_given = (guint) (argc - 1) + (pidfiles != NULL ? g_strv_length (pidfiles) : 0);
  if (n_given == 0)
    return gpidfd_tool_usage_error (NULL, "No process id given");

  loop = gpidfd_tool_main_loop_new (&error);
  if (loop == NULL)
    {
      gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, 0, NULL, error);
      return gpidfd_tool_finish (EXIT_FAILURE, EXIT_FAILURE, NULL);
    }
  cancellable = g_cancellable_new ();
  targets = g_ptr_array_new_with_free_func ((GDestroyNotify) wait_target_free);
  state.loop = loop;
  state.cancellable = cancellable;
  state.targets = targets;
  state.any = any;
  state.status_mode = status_mode;
  state.quiet = quiet;
  state.json = json;
  state.timeout_text = timeout_text;
  state.last_status = -1;

  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    reserved[i] = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  for (int i = 1; i < argc; i++)
    add_target (&state, seen, argv[i], NULL);
  for (guint i = 0; pidfiles != NULL && pidfiles[i] != NULL; i++)
    {
      g_autofree char *text = read_pidfile (pidfiles[i], &error);

      if (text == NULL)
        {
          gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, 0, pidfiles[i], error);
          g_clear_error (&error);
          state.failed = TRUE;
          continue;
        }
      add_target (&state, seen, text, pidfiles[i]);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reserved); i++)
    if (reserved[i] >= 0)
      close (reserved[i]);


  if (state.n_pending > 0)
    {
      state.timeout_id = gpidfd_tool_timeout_add (timeout, on_timeout, &state);
      g_main_loop_run (loop);
      if (state.timeout_id != 0)
        g_source_remove (state.timeout_id);
    }

  /* Let cancelled waits complete before their targets go. */
  state.stopped = TRUE;
  g_cancellable_cancel (cancellable);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  if (state.timed_out)
    status = GPIDFD_TOOL_EXIT_TIMED_OUT;
  else if (state.failed)
    status = EXIT_FAILURE;
  else if (status_mode && n_given == 1 && targets->len == 1)
    status = state.last_status >= 0 ? state.last_status : EXIT_FAILURE;
  else
    status = EXIT_SUCCESS;

  return gpidfd_tool_finish (status, EXIT_FAILURE, NULL);
}
