/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-peer.c: the processes behind a GSubprocess, a socket peer and a
 * D-Bus sender */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <gio/gunixfdlist.h>

#include "gpidfd-error-private.h"
#include "gpidfd-pidfd-private.h"
#include "gpidfd-syscall-private.h"

/**
 * g_pidfd_new_from_subprocess:
 * @subprocess: a #GSubprocess
 * @error: return location for a #GError
 *
 * Opens the process of @subprocess, race-free, with
 * %G_PIDFD_FLAGS_NO_REAP: the #GSubprocess reaps it and keeps its own
 * status, and the #GPidFd never steals it. Its record is read with
 * `waitid (WNOWAIT)` when gpidfd sees the exit before the #GSubprocess
 * reaps it, else from `PIDFD_INFO_EXIT` (Linux 6.15) after the reap; it
 * always agrees with [method@Gio.Subprocess.get_status].
 *
 * The pid is opened, then @subprocess is asked again whether it still
 * has it, and the opened process must be the caller's unreaped child: if
 * the child has been reaped meanwhile, the pid may already name another
 * process, so the new pidfd is dropped.
 *
 * This is for processes someone else started. GIO's child watch may reap
 * the child before this runs (a child that ends at once, a loaded
 * machine): the status is then only in @subprocess, and this fails with
 * %G_IO_ERROR_NOT_FOUND. To hold a process from the moment it exists,
 * start it with [ctor@GPidFd.PidFd.spawnv] or a
 * [class@GPidFd.PidFdLauncher], which take [class@Gio.Subprocess]'s flags
 * and calls (see [Spawning processes](spawning.html)).
 *
 * Errors: %G_IO_ERROR_NOT_FOUND when the process has already ended and
 * been reaped by @subprocess (its status is then in @subprocess); the
 * errors of [ctor@GPidFd.PidFd.new_from_pid].
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_from_subprocess (GSubprocess  *subprocess,
                             GError      **error)
{
  g_autoptr(GPidFd) self = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *identifier;
  guint64 pid;

  g_return_val_if_fail (G_IS_SUBPROCESS (subprocess), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  identifier = g_subprocess_get_identifier (subprocess);
  if (identifier == NULL ||
      !g_ascii_string_to_unsigned (identifier, 10, 1, G_MAXINT, &pid, NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "Cannot open the process of a GSubprocess: It has ended and "
                           "been reaped (g_subprocess_get_status() has its status)");
      return NULL;
    }

  self = g_pidfd_new_from_pid_full ((GPid) pid, G_PIDFD_FLAGS_NO_REAP, &local_error);

  /* Reaped by the GSubprocess (in GLib's worker thread) before or after
   * the open: the pid may have been reused in between, so nothing opened
   * can be trusted. Still there: the open came first. */
  if (g_subprocess_get_identifier (subprocess) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot open process %u of a GSubprocess: It has ended and been reaped "
                   "(g_subprocess_get_status() has its status)", (guint) pid);
      return NULL;
    }
  if (self == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* GLib reaps the child a moment before it forgets the identifier: a
   * pid reused in between would not be our unreaped child. */
  if (!gpidfd_pidfd_probe_child (self))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot open process %u of a GSubprocess: It has ended and been reaped "
                   "(g_subprocess_get_status() has its status)", (guint) pid);
      return NULL;
    }

  return g_steal_pointer (&self);
}

/**
 * g_pidfd_new_from_socket_peer:
 * @socket: a connected `AF_UNIX` #GSocket
 * @error: return location for a #GError
 *
 * Opens the process at the other end of @socket: the process that
 * connected (or, for a socket pair, created) the other end.
 *
 * With `SO_PEERPIDFD` (Linux 6.5) the kernel hands out a pidfd of that
 * very process. Without it, the pid from `SO_PEERCRED` is opened with
 * `pidfd_open()` and checked: the opened process must be alive, have the
 * peer's uid, and the peer's end must still be open; so a later process
 * that reused the pid of a peer that died is never returned (unless the
 * peer handed its end of the socket to it).
 *
 * Errors: %G_IO_ERROR_NOT_FOUND when the peer has ended;
 * %G_IO_ERROR_INVALID_ARGUMENT when @socket is not a unix socket or has
 * no peer (not connected); the errors of [ctor@GPidFd.PidFd.new_from_pid].
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_from_socket_peer (GSocket  *socket,
                              GError  **error)
{
  g_autoptr(GPidFd) self = NULL;
  g_autoptr(GCredentials) creds = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  int sockfd;
  int pidfd;
  pid_t pid;
  int errsv;

  g_return_val_if_fail (G_IS_SOCKET (socket), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sockfd = g_socket_get_fd (socket);
  if (g_socket_get_family (socket) != G_SOCKET_FAMILY_UNIX)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open the peer process of socket %d: It is not a unix socket",
                   sockfd);
      return NULL;
    }

  pidfd = gpidfd_sys_peer_pidfd (sockfd);
  if (pidfd >= 0)
    {
      self = g_pidfd_new_from_fd (pidfd, error);
      close (pidfd);
      return g_steal_pointer (&self);
    }

  errsv = errno;
  switch (errsv)
    {
    case ESRCH:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "Cannot open the peer process of a socket: It has ended");
      return NULL;
    case ENODATA:
    case ENOTCONN:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open the peer process of socket %d: It has no peer "
                   "(not connected)", sockfd);
      return NULL;
    case ENOTSOCK:
    case EBADF:
      gpidfd_set_error_from_errno (error, errsv, -1,
                                   "Cannot open the peer process of socket %d", sockfd);
      return NULL;
    default:
      /* ENOPROTOOPT before Linux 6.5, or a filter: SO_PEERCRED. */
      break;
    }

  if (gpidfd_sys_peer_pid (sockfd, &pid) < 0)
    {
      gpidfd_set_error_from_errno (error, errno, -1,
                                   "Cannot open the peer process of socket %d", sockfd);
      return NULL;
    }
  if (pid <= 0 && gpidfd_sys_socket_connected (sockfd) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open the peer process of socket %d: It has no peer "
                   "(not connected)", sockfd);
      return NULL;
    }
  if (pid <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot open the peer process of socket %d: The kernel does not say "
                   "which it is (not a connected unix socket, or another pid namespace)",
                   sockfd);
      return NULL;
    }

  self = g_pidfd_new_from_pid (pid, error);
  if (self == NULL)
    return NULL;

  creds = g_socket_get_credentials (socket, NULL);
  info = g_pidfd_query_info (self, NULL);
  if (g_pidfd_has_exited (self) ||
      (g_socket_condition_check (socket, G_IO_HUP) & G_IO_HUP) ||
      (creds != NULL && info != NULL && g_pidfd_process_info_has_credentials (info) &&
       g_credentials_get_unix_user (creds, NULL) != g_pidfd_process_info_get_ruid (info) &&
       g_credentials_get_unix_user (creds, NULL) != g_pidfd_process_info_get_euid (info)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot open the peer process %d of socket %d: It has ended", pid, sockfd);
      return NULL;
    }

  return g_steal_pointer (&self);
}

typedef struct
{
  GDBusConnection *connection;
  char *sender;
  GPidFd *pidfd;   /* opened from ProcessID, waiting for the check */
} DBusData;

static void
dbus_data_free (DBusData *data)
{
  g_clear_object (&data->connection);
  g_clear_object (&data->pidfd);
  g_free (data->sender);
  g_free (data);
}

static void
dbus_set_error (GTask  *task,
                GError *error)
{
  DBusData *data = g_task_get_task_data (task);
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_task_return_error (task, error);
  else if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                             "Cannot open the process of D-Bus sender %s: It has left the bus",
                             data->sender);
      g_error_free (error);
    }
  else
    {
      g_dbus_error_strip_remote_error (error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               "Cannot open the process of D-Bus sender %s: %s",
                               data->sender, error->message);
      g_error_free (error);
    }
}

static void get_credentials (GTask *task, GAsyncReadyCallback callback);

/* The second answer: the sender is still on the bus with the same pid,
 * so it was alive when its pid was opened and the pid was not reused. */
static void
on_credentials_checked (GObject      *object,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DBusData *data = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) creds = NULL;
  GError *error = NULL;
  guint32 pid;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (object), NULL,
                                                           result, &error);
  if (reply == NULL)
    {
      dbus_set_error (task, error);
      return;
    }

  creds = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (creds, "ProcessID", "u", &pid) ||
      (GPid) pid != data->pidfd->pid)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "Cannot open the process of D-Bus sender %s: It has left the bus",
                               data->sender);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&data->pidfd), g_object_unref);
}

static void
on_credentials (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DBusData *data = g_task_get_task_data (task);
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) creds = NULL;
  GError *error = NULL;
  gint32 handle;
  guint32 pid;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (object), &fd_list,
                                                           result, &error);
  if (reply == NULL)
    {
      dbus_set_error (task, error);
      return;
    }

  creds = g_variant_get_child_value (reply, 0);

  /* dbus-broker and dbus-daemon 1.15 hand out the pidfd itself. */
  if (g_variant_lookup (creds, "ProcessFD", "h", &handle) && fd_list != NULL &&
      handle >= 0 && handle < g_unix_fd_list_get_length (fd_list))
    {
      const int *fds = g_unix_fd_list_peek_fds (fd_list, NULL);
      GPidFd *pidfd = g_pidfd_new_from_fd (fds[handle], &error);

      if (pidfd == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, pidfd, g_object_unref);
      return;
    }

  if (!g_variant_lookup (creds, "ProcessID", "u", &pid) || pid == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "Cannot open the process of D-Bus sender %s: The bus gives "
                               "neither ProcessFD nor ProcessID", data->sender);
      return;
    }

  data->pidfd = g_pidfd_new_from_pid ((GPid) pid, &error);
  if (data->pidfd == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_clear_error (&error);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                   "Cannot open the process of D-Bus sender %s: It has ended",
                                   data->sender);
        }
      else
        g_task_return_error (task, error);
      return;
    }

  /* Ask again: a sender still on the bus with that pid was alive when
   * its pid was opened, so the pid cannot have been reused. */
  get_credentials (g_steal_pointer (&task), on_credentials_checked);
}

static void
get_credentials (GTask               *task,
                 GAsyncReadyCallback  callback)
{
  DBusData *data = g_task_get_task_data (task);

  g_dbus_connection_call_with_unix_fd_list (data->connection,
                                            "org.freedesktop.DBus",
                                            "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus",
                                            "GetConnectionCredentials",
                                            g_variant_new ("(s)", data->sender),
                                            G_VARIANT_TYPE ("(a{sv})"),
                                            G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                            g_task_get_cancellable (task),
                                            callback, task);
}

/**
 * g_pidfd_new_for_dbus_sender_async:
 * @connection: a #GDBusConnection to a message bus
 * @sender: the unique bus name of the peer, like ":1.42", as
 *   [method@Gio.DBusMethodInvocation.get_sender] gives it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: data for @callback
 *
 * Opens the process behind a D-Bus peer, asking the bus with
 * `org.freedesktop.DBus.GetConnectionCredentials`.
 *
 * When the bus gives `ProcessFD` (dbus-broker, dbus-daemon 1.15 and
 * later), that pidfd is used. Otherwise the `ProcessID` is opened with
 * `pidfd_open()` and the bus is asked again: only if @sender is still
 * connected with that pid is the result returned, so a process that
 * reused the pid of a sender that left is never returned.
 *
 * Since: 1.0
 */
void
g_pidfd_new_for_dbus_sender_async (GDBusConnection     *connection,
                                   const gchar         *sender,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  DBusData *data;

  g_return_if_fail (G_IS_DBUS_CONNECTION (connection));
  g_return_if_fail (sender != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, g_pidfd_new_for_dbus_sender_async);
  g_task_set_name (task, "[gpidfd] g_pidfd_new_for_dbus_sender_async");
  data = g_new0 (DBusData, 1);
  data->connection = g_object_ref (connection);
  data->sender = g_strdup (sender);
  g_task_set_task_data (task, data, (GDestroyNotify) dbus_data_free);

  if (!g_dbus_is_unique_name (sender))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "Cannot open the process of D-Bus sender %s: Not a unique "
                               "bus name (like :1.42)", sender);
      g_object_unref (task);
      return;
    }

  get_credentials (task, on_credentials);
}

/**
 * g_pidfd_new_for_dbus_sender_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes [func@GPidFd.PidFd.new_for_dbus_sender_async].
 *
 * Errors: %G_IO_ERROR_NOT_FOUND when the sender has left the bus or its
 * process has ended; %G_IO_ERROR_INVALID_ARGUMENT when the sender is not
 * a unique name; %G_IO_ERROR_NOT_SUPPORTED when the bus gives no process
 * credentials; %G_IO_ERROR_FAILED with the bus's message for other bus
 * errors; %G_IO_ERROR_CANCELLED; the errors of
 * [ctor@GPidFd.PidFd.new_from_pid].
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_for_dbus_sender_finish (GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == g_pidfd_new_for_dbus_sender_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
