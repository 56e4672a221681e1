/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-communicate.c: the pipes of a process gpidfd started, and
 * communicate, as GSubprocess has them
 *
 * communicate feeds stdin, drains stdout and stderr and waits for the
 * process, all at once so that no pipe fills up while another is being
 * served. Each part is an asynchronous operation in the caller's
 * thread-default main context; the first error (cancellation included)
 * cancels the others and is the one reported, once they are all done.
 * The blocking forms run the same in a main context of their own.
 */

#include "config.h"

#include <string.h>

#include <gio/gunixoutputstream.h>
#include <glib-unix.h>

#include "gpidfd-spawn-private.h"

/**
 * g_pidfd_get_stdin_pipe:
 * @self: a #GPidFd
 *
 * Gets the stream that feeds the stdin of a process started with
 * %G_SUBPROCESS_FLAGS_STDIN_PIPE, as [method@Gio.Subprocess.get_stdin_pipe]
 * does. Closing it gives the process end of file.
 *
 * Returns: (nullable) (transfer none): the stream; %NULL when the process
 *   has no such pipe, or was not started by gpidfd
 *
 * Since: 1.0
 */
GOutputStream *
g_pidfd_get_stdin_pipe (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), NULL);

  return self->stdin_pipe;
}

/**
 * g_pidfd_get_stdout_pipe:
 * @self: a #GPidFd
 *
 * Gets the stream that reads the stdout of a process started with
 * %G_SUBPROCESS_FLAGS_STDOUT_PIPE, as
 * [method@Gio.Subprocess.get_stdout_pipe] does; with
 * %G_SUBPROCESS_FLAGS_STDERR_MERGE, its stderr too.
 *
 * Returns: (nullable) (transfer none): the stream; %NULL when the process
 *   has no such pipe, or was not started by gpidfd
 *
 * Since: 1.0
 */
GInputStream *
g_pidfd_get_stdout_pipe (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), NULL);

  return self->stdout_pipe;
}

/**
 * g_pidfd_get_stderr_pipe:
 * @self: a #GPidFd
 *
 * Gets the stream that reads the stderr of a process started with
 * %G_SUBPROCESS_FLAGS_STDERR_PIPE, as
 * [method@Gio.Subprocess.get_stderr_pipe] does.
 *
 * Returns: (nullable) (transfer none): the stream; %NULL when the process
 *   has no such pipe, or was not started by gpidfd
 *
 * Since: 1.0
 */
GInputStream *
g_pidfd_get_stderr_pipe (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), NULL);

  return self->stderr_pipe;
}

typedef struct
{
  gboolean add_nul;            /* the UTF-8 forms: nul-terminated text */
  GInputStream *stdin_buf;
  GMemoryOutputStream *stdout_buf;
  GMemoryOutputStream *stderr_buf;
  GCancellable *cancellable;   /* ours: the first error stops the rest */
  GMainContext *context;       /* the task's */
  GCancellable *caller_cancellable;
  gulong caller_cancelled_id;  /* passes the caller's cancellation on to ours */
  guint outstanding;           /* parts not done yet */
  GError *error;               /* the first error */
} Communicate;

static void
communicate_free (gpointer data)
{
  Communicate *state = data;

  g_clear_object (&state->stdin_buf);
  g_clear_object (&state->stdout_buf);
  g_clear_object (&state->stderr_buf);
  /* Waits for the handler if it is running in another thread; it never
   * runs in this one while the task is finalized (it only attaches a
   * source). */
  if (state->caller_cancelled_id != 0)
    g_cancellable_disconnect (state->caller_cancellable, state->caller_cancelled_id);
  g_clear_object (&state->caller_cancellable);
  g_clear_object (&state->cancellable);
  g_clear_pointer (&state->context, g_main_context_unref);
  g_clear_error (&state->error);
  g_free (state);
}

/* One part is done: each holds a reference to the task. A pipe is
 * closed when its part is done, whatever the outcome, as splice's close
 * flags would do; but here, synchronously: closing a pipe does not block,
 * and GIO's asynchronous close runs in its thread pool, which a forked
 * child inherits without threads, and whose tasks can keep the caller's
 * main context alive after the answer. */
static void
communicate_progress (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Communicate *state = g_task_get_task_data (task);
  GPidFd *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  state->outstanding--;

  if (source == G_OBJECT (self))
    {
      GPidFdExitInfo *info = g_pidfd_wait_finish (self, result, &error);

      /* The record stays cached on the object: only an error matters. */
      g_clear_object (&info);
    }
  else if (source == G_OBJECT (self->stdin_pipe))
    {
      g_output_stream_splice_finish (self->stdin_pipe, result, &error);
      g_output_stream_close (self->stdin_pipe, NULL, error == NULL ? &error : NULL);
    }
  else
    {
      GOutputStream *buffer = G_OUTPUT_STREAM (source);
      GInputStream *pipe = buffer == G_OUTPUT_STREAM (state->stdout_buf) ? self->stdout_pipe
                                                                         : self->stderr_pipe;

      g_input_stream_close (pipe, NULL, NULL);
      /* A memory stream: writing and closing it cannot fail. */
      if (g_output_stream_splice_finish (buffer, result, &error) >= 0 && state->add_nul)
        g_output_stream_write_all (buffer, "", 1, NULL, NULL, NULL);
      g_output_stream_close (buffer, NULL, NULL);
    }

  if (error != NULL && state->error == NULL)
    {
      /* The first error stops the other parts (they end cancelled). */
      state->error = g_steal_pointer (&error);
      g_cancellable_cancel (state->cancellable);
    }

  /* Only once every part is done: nothing is left pending in the
   * context once the caller has its answer. */
  if (state->outstanding > 0)
    return;
  if (state->error != NULL)
    g_task_return_error (task, g_steal_pointer (&state->error));
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
cancel_ours (gpointer user_data)
{
  g_cancellable_cancel (user_data);

  return G_SOURCE_REMOVE;
}

/* The caller's cancellable fired, in any thread: our cancellable is
 * cancelled in the task's context, where GIO's sources for the pipes
 * live. Not a GCancellableSource: before GLib 2.76 one that is finalized
 * in one thread while another is cancelling its cancellable can leak.
 * The idle holds only our cancellable, so a context dropped before it
 * runs frees everything. */
static void
on_caller_cancelled (GCancellable *cancellable,
                     gpointer      user_data)
{
  Communicate *state = user_data;
  GSource *idle = g_idle_source_new ();

  g_source_set_static_name (idle, "[gpidfd] communicate cancelled");
  g_source_set_callback (idle, cancel_ours, g_object_ref (state->cancellable), g_object_unref);
  g_source_attach (idle, state->context);
  g_source_unref (idle);
}

static void
communicate_start (GPidFd              *self,
                   GBytes              *stdin_buf,
                   gboolean             add_nul,
                   gpointer             source_tag,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Communicate *state;

  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, "[gpidfd] g_pidfd_communicate");

  if (!self->spawned)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Cannot communicate with process %d: gpidfd did not start it, "
                               "so it has no pipes of gpidfd's (start it with "
                               "g_pidfd_spawnv() or a GPidFdLauncher)", self->pid);
      return;
    }

  /* A second communicate, after one that failed or was cancelled, finds
   * the pipes closed: say so, naming the process, rather than GIO's
   * "Source stream is already closed". */
  if ((self->stdin_pipe != NULL && g_output_stream_is_closed (self->stdin_pipe)) ||
      (self->stdout_pipe != NULL && g_input_stream_is_closed (self->stdout_pipe)) ||
      (self->stderr_pipe != NULL && g_input_stream_is_closed (self->stderr_pipe)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED,
                               "Cannot communicate with process %d: Its pipes are "
                               "closed (by an earlier communicate, or by the caller)",
                               self->pid);
      return;
    }

  state = g_new0 (Communicate, 1);
  state->add_nul = add_nul;
  state->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, state, communicate_free);

  state->context = g_main_context_ref (g_task_get_context (task));
  if (cancellable != NULL)
    {
      state->caller_cancellable = g_object_ref (cancellable);
      /* Runs at once when already cancelled. */
      state->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                          G_CALLBACK (on_caller_cancelled),
                                                          state, NULL);
    }

  if (self->stdin_pipe != NULL)
    {
      g_autoptr(GBytes) empty = NULL;

      /* An asynchronous write waits for the pipe to poll writable, then
       * writes: a blocking pipe could still block on a large write. */
      g_unix_set_fd_nonblocking (g_unix_output_stream_get_fd (G_UNIX_OUTPUT_STREAM (self->stdin_pipe)),
                                 TRUE, NULL);
      if (stdin_buf == NULL)
        stdin_buf = empty = g_bytes_new_static ("", 0);
      state->stdin_buf = g_memory_input_stream_new_from_bytes (stdin_buf);
      g_output_stream_splice_async (self->stdin_pipe, state->stdin_buf,
                                    G_OUTPUT_STREAM_SPLICE_NONE,
                                    G_PRIORITY_DEFAULT, state->cancellable,
                                    communicate_progress, g_object_ref (task));
      state->outstanding++;
    }

  if (self->stdout_pipe != NULL)
    {
      state->stdout_buf = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
      g_output_stream_splice_async (G_OUTPUT_STREAM (state->stdout_buf), self->stdout_pipe,
                                    G_OUTPUT_STREAM_SPLICE_NONE,
                                    G_PRIORITY_DEFAULT, state->cancellable,
                                    communicate_progress, g_object_ref (task));
      state->outstanding++;
    }

  if (self->stderr_pipe != NULL)
    {
      state->stderr_buf = G_MEMORY_OUTPUT_STREAM (g_memory_output_stream_new_resizable ());
      g_output_stream_splice_async (G_OUTPUT_STREAM (state->stderr_buf), self->stderr_pipe,
                                    G_OUTPUT_STREAM_SPLICE_NONE,
                                    G_PRIORITY_DEFAULT, state->cancellable,
                                    communicate_progress, g_object_ref (task));
      state->outstanding++;
    }

  g_pidfd_wait_async (self, state->cancellable, communicate_progress, g_object_ref (task));
  state->outstanding++;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The blocking forms: the asynchronous one, in a main context of their
 * own, as GSubprocess does. It answers once every part is done, so that
 * nothing is left pending in that context when it goes. */
static GAsyncResult *
communicate_run (GPidFd       *self,
                 GBytes       *stdin_buf,
                 gboolean      add_nul,
                 gpointer      source_tag,
                 GCancellable *cancellable)
{
  GMainContext *context = g_main_context_new ();
  GAsyncResult *result = NULL;

  g_main_context_push_thread_default (context);
  communicate_start (self, stdin_buf, add_nul, source_tag, cancellable, store_result, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return result;
}

static gboolean
check_result (GPidFd       *self,
              GAsyncResult *result,
              gpointer      source_tag)
{
  return g_task_is_valid (result, self) && g_task_get_source_tag (G_TASK (result)) == source_tag;
}

/**
 * g_pidfd_communicate_async:
 * @self: a #GPidFd started by gpidfd
 * @stdin_buf: (nullable): what to write to its stdin, or %NULL for nothing
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * The asynchronous form of [method@GPidFd.PidFd.communicate], as
 * [method@Gio.Subprocess.communicate_async]; @callback runs in the
 * thread-default main context of the caller.
 *
 * Since: 1.0
 */
void
g_pidfd_communicate_async (GPidFd              *self,
                           GBytes              *stdin_buf,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (G_IS_PIDFD (self));
  g_return_if_fail (stdin_buf == NULL || !self->spawned || self->stdin_pipe != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  communicate_start (self, stdin_buf, FALSE, g_pidfd_communicate_async, cancellable,
                     callback, user_data);
}

/**
 * g_pidfd_communicate_finish:
 * @self: a #GPidFd
 * @result: the #GAsyncResult given to the callback
 * @stdout_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stdout
 * @stderr_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stderr
 * @error: return location for a #GError
 *
 * Finishes [method@GPidFd.PidFd.communicate_async].
 *
 * Errors as [method@GPidFd.PidFd.communicate].
 *
 * Returns: %TRUE if successful, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_pidfd_communicate_finish (GPidFd        *self,
                            GAsyncResult  *result,
                            GBytes       **stdout_buf,
                            GBytes       **stderr_buf,
                            GError       **error)
{
  Communicate *state;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (check_result (self, result, g_pidfd_communicate_async), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  state = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  if (stdout_buf != NULL)
    *stdout_buf = state->stdout_buf != NULL
                  ? g_memory_output_stream_steal_as_bytes (state->stdout_buf) : NULL;
  if (stderr_buf != NULL)
    *stderr_buf = state->stderr_buf != NULL
                  ? g_memory_output_stream_steal_as_bytes (state->stderr_buf) : NULL;

  return TRUE;
}

/**
 * g_pidfd_communicate:
 * @self: a #GPidFd started by gpidfd
 * @stdin_buf: (nullable): what to write to its stdin, or %NULL for nothing
 * @cancellable: (nullable): a #GCancellable
 * @stdout_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stdout
 * @stderr_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stderr
 * @error: return location for a #GError
 *
 * Writes @stdin_buf to the process's stdin and closes it, reads its
 * stdout and stderr to their end, and waits for it to end, all at once,
 * as [method@Gio.Subprocess.communicate] does.
 *
 * @stdin_buf needs %G_SUBPROCESS_FLAGS_STDIN_PIPE; with that flag and
 * %NULL, the process gets end of file at once (where #GSubprocess
 * requires data). @stdout_buf is what was read from a stdout pipe, %NULL
 * without one; likewise @stderr_buf. With %G_SUBPROCESS_FLAGS_STDERR_MERGE
 * and a stdout pipe, both streams come in @stdout_buf. A process without
 * pipes is only waited for.
 *
 * On success the process has ended and been reaped: its record is what
 * [method@GPidFd.PidFd.wait] now returns at once. On error, some input
 * may have been written and the output read so far is dropped; the pipes
 * should not be used any more. Cancelling does not end the process: stop
 * it with [method@GPidFd.PidFd.force_exit] if need be; it is reaped when
 * it ends, whoever holds the object by then.
 *
 * Errors: %G_IO_ERROR_NOT_SUPPORTED for a process gpidfd did not start
 * (it has no pipes of gpidfd's); %G_IO_ERROR_CANCELLED; %G_IO_ERROR_CLOSED
 * when its pipes are closed already (an earlier communicate that failed
 * or was cancelled closed them: the process then gets `SIGPIPE` or end of
 * file from them, as with #GSubprocess); the errors of the pipes
 * (%G_IO_ERROR_BROKEN_PIPE when the process closes its stdin before
 * reading it all) and of [method@GPidFd.PidFd.wait].
 *
 * Returns: %TRUE if successful, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_pidfd_communicate (GPidFd        *self,
                     GBytes        *stdin_buf,
                     GCancellable  *cancellable,
                     GBytes       **stdout_buf,
                     GBytes       **stderr_buf,
                     GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (stdin_buf == NULL || !self->spawned || self->stdin_pipe != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  result = communicate_run (self, stdin_buf, FALSE, g_pidfd_communicate_async, cancellable);

  return g_pidfd_communicate_finish (self, result, stdout_buf, stderr_buf, error);
}

/**
 * g_pidfd_communicate_utf8_async:
 * @self: a #GPidFd started by gpidfd
 * @stdin_buf: (nullable): what to write to its stdin, or %NULL for nothing
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * The asynchronous form of [method@GPidFd.PidFd.communicate_utf8], as
 * [method@Gio.Subprocess.communicate_utf8_async].
 *
 * Since: 1.0
 */
void
g_pidfd_communicate_utf8_async (GPidFd              *self,
                                const char          *stdin_buf,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_if_fail (G_IS_PIDFD (self));
  g_return_if_fail (stdin_buf == NULL || !self->spawned || self->stdin_pipe != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (stdin_buf != NULL)
    bytes = g_bytes_new (stdin_buf, strlen (stdin_buf));
  communicate_start (self, bytes, TRUE, g_pidfd_communicate_utf8_async, cancellable,
                     callback, user_data);
}

/* Steals the text of @buffer (nul-terminated) into *@text; fails on
 * invalid UTF-8. */
static gboolean
take_utf8 (GPidFd               *self,
           const char           *stream_name,
           GMemoryOutputStream  *buffer,
           char                **text,
           GError              **error)
{
  const char *end;

  *text = NULL;
  if (buffer == NULL)
    return TRUE;

  *text = g_memory_output_stream_steal_data (buffer);
  if (!g_utf8_validate (*text, -1, &end))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Invalid UTF-8 in the %s of process %d at offset %" G_GSIZE_FORMAT,
                   stream_name, self->pid, (gsize) (end - *text));
      g_clear_pointer (text, g_free);
      return FALSE;
    }

  return TRUE;
}

/**
 * g_pidfd_communicate_utf8_finish:
 * @self: a #GPidFd
 * @result: the #GAsyncResult given to the callback
 * @stdout_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stdout
 * @stderr_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stderr
 * @error: return location for a #GError
 *
 * Finishes [method@GPidFd.PidFd.communicate_utf8_async].
 *
 * Errors as [method@GPidFd.PidFd.communicate_utf8].
 *
 * Returns: %TRUE if successful, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_pidfd_communicate_utf8_finish (GPidFd        *self,
                                 GAsyncResult  *result,
                                 char         **stdout_buf,
                                 char         **stderr_buf,
                                 GError       **error)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Communicate *state;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (check_result (self, result, g_pidfd_communicate_utf8_async), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  state = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error) ||
      !take_utf8 (self, "stdout", state->stdout_buf, &out, error) ||
      !take_utf8 (self, "stderr", state->stderr_buf, &err, error))
    return FALSE;

  if (stdout_buf != NULL)
    *stdout_buf = g_steal_pointer (&out);
  if (stderr_buf != NULL)
    *stderr_buf = g_steal_pointer (&err);

  return TRUE;
}

/**
 * g_pidfd_communicate_utf8:
 * @self: a #GPidFd started by gpidfd
 * @stdin_buf: (nullable): what to write to its stdin, or %NULL for nothing
 * @cancellable: (nullable): a #GCancellable
 * @stdout_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stdout
 * @stderr_buf: (out) (nullable) (optional) (transfer full): what the
 *   process wrote to its stderr
 * @error: return location for a #GError
 *
 * Like [method@GPidFd.PidFd.communicate], with text: @stdin_buf is a
 * nul-terminated string, and the output comes as nul-terminated strings,
 * as [method@Gio.Subprocess.communicate_utf8] gives them.
 *
 * Errors: those of [method@GPidFd.PidFd.communicate], and
 * %G_IO_ERROR_INVALID_DATA when the output is not valid UTF-8 (its
 * message names the stream, the pid and the offset; #GSubprocess gives
 * %G_IO_ERROR_FAILED).
 *
 * Returns: %TRUE if successful, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_pidfd_communicate_utf8 (GPidFd        *self,
                          const char    *stdin_buf,
                          GCancellable  *cancellable,
                          char         **stdout_buf,
                          char         **stderr_buf,
                          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (stdin_buf == NULL || !self->spawned || self->stdin_pipe != NULL, FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (stdin_buf != NULL)
    bytes = g_bytes_new (stdin_buf, strlen (stdin_buf));
  result = communicate_run (self, bytes, TRUE, g_pidfd_communicate_utf8_async, cancellable);

  return g_pidfd_communicate_utf8_finish (self, result, stdout_buf, stderr_buf, error);
}
