/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-pidfd.h: a process, held by a pidfd */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gpidfd-version-macros.h"
#include "gpidfd-exit-info.h"
#include "gpidfd-process-info.h"

G_BEGIN_DECLS

/**
 * GPidFdFlags:
 * @G_PIDFD_FLAGS_NONE: no flags: a child of the caller is reaped when it is
 *   waited for
 * @G_PIDFD_FLAGS_NO_REAP: never reap the process, even when it is a child of
 *   the caller; its status is read with `WNOWAIT` and left for whoever owns
 *   it (a [class@Gio.Subprocess], a [func@GLib.child_watch_add] callback)
 * @G_PIDFD_FLAGS_THREAD: the object names one thread, not a process: the
 *   pid is a thread id, opened with `PIDFD_THREAD` (Linux 6.9). Given to
 *   [ctor@GPidFd.PidFd.new_from_pid_full], and set by
 *   [ctor@GPidFd.PidFd.new_from_fd] for a thread pidfd: whether an object
 *   names a thread is `g_pidfd_get_flags (self) & G_PIDFD_FLAGS_THREAD`.
 *
 * Flags for [ctor@GPidFd.PidFd.new_from_pid_full],
 * [ctor@GPidFd.PidFd.new_from_fd_full] and the [property@GPidFd.PidFd:flags]
 * property. Any other bit makes the construction fail with
 * %G_IO_ERROR_INVALID_ARGUMENT, naming the bit.
 *
 * Since: 1.0
 */
typedef enum /*< flags,underscore_name=g_pidfd_flags >*/
{
  G_PIDFD_FLAGS_NONE    = 0,
  G_PIDFD_FLAGS_NO_REAP = 1 << 0,
  G_PIDFD_FLAGS_THREAD  = 1 << 1,
} GPidFdFlags;

/**
 * GPidFdSignalScope:
 * @G_PIDFD_SIGNAL_SCOPE_DEFAULT: the process (or, for a thread
 *   [class@GPidFd.PidFd], the thread) the object names
 * @G_PIDFD_SIGNAL_SCOPE_THREAD: only the thread the pidfd names
 *   (`PIDFD_SIGNAL_THREAD`)
 * @G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP: the whole process, even for a thread pidfd
 *   (`PIDFD_SIGNAL_THREAD_GROUP`)
 * @G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP: every process of the process group that
 *   the process leads, the group whose id is its pid
 *   (`PIDFD_SIGNAL_PROCESS_GROUP`); the kernel reaches a group only
 *   through its leader's pidfd
 *
 * Who receives a signal sent by [method@GPidFd.PidFd.send_signal_full]. The
 * scopes other than %G_PIDFD_SIGNAL_SCOPE_DEFAULT need Linux 6.9, except
 * for the caller's own unreaped children (see there).
 *
 * Since: 1.0
 */
typedef enum /*< underscore_name=g_pidfd_signal_scope >*/
{
  G_PIDFD_SIGNAL_SCOPE_DEFAULT,
  G_PIDFD_SIGNAL_SCOPE_THREAD,
  G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP,
  G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP,
} GPidFdSignalScope;

#define G_TYPE_PIDFD (g_pidfd_get_type ())

GPIDFD_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GPidFd, g_pidfd, G, PIDFD, GObject)

GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_from_pid         (GPid                 pid,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_from_pid_full    (GPid                 pid,
                                                 GPidFdFlags          flags,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_from_fd          (gint                 fd,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_from_fd_full     (gint                 fd,
                                                 GPidFdFlags          flags,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_for_string      (const gchar         *text,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_from_subprocess  (GSubprocess         *subprocess,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_from_socket_peer (GSocket             *socket,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
void               g_pidfd_new_for_dbus_sender_async  (GDBusConnection     *connection,
                                                       const gchar         *sender,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GPIDFD_AVAILABLE_IN_1_0
GPidFd            *g_pidfd_new_for_dbus_sender_finish (GAsyncResult        *result,
                                                       GError             **error);

GPIDFD_AVAILABLE_IN_1_0
gint               g_pidfd_get_fd               (GPidFd              *self);
GPIDFD_AVAILABLE_IN_1_0
GPid               g_pidfd_get_pid              (GPidFd              *self);
GPIDFD_AVAILABLE_IN_1_0
GPidFdFlags        g_pidfd_get_flags            (GPidFd              *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_is_child             (GPidFd              *self);
GPIDFD_AVAILABLE_IN_1_0
guint64            g_pidfd_get_id               (GPidFd              *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_equal                (GPidFd              *a,
                                                 GPidFd              *b);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_hash                 (gconstpointer        pidfd);
GPIDFD_AVAILABLE_IN_1_0
gchar             *g_pidfd_to_string            (GPidFd              *self);
GPIDFD_AVAILABLE_IN_1_0
GPidFdProcessInfo *g_pidfd_query_info           (GPidFd              *self,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_send_signal          (GPidFd              *self,
                                                 gint                 signum,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_send_signal_full     (GPidFd              *self,
                                                 gint                 signum,
                                                 GPidFdSignalScope    scope,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_force_exit           (GPidFd              *self,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
gint               g_pidfd_dup_remote_fd        (GPidFd              *self,
                                                 gint                 target_fd,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_has_exited           (GPidFd              *self);
GPIDFD_AVAILABLE_IN_1_0
GPidFdExitInfo    *g_pidfd_try_wait             (GPidFd              *self,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFdExitInfo    *g_pidfd_wait                 (GPidFd              *self,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
void               g_pidfd_wait_async           (GPidFd              *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GPIDFD_AVAILABLE_IN_1_0
GPidFdExitInfo    *g_pidfd_wait_finish          (GPidFd              *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_wait_check           (GPidFd              *self,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
void               g_pidfd_wait_check_async     (GPidFd              *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_wait_check_finish    (GPidFd              *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_wait_exit            (GPidFd              *self,
                                                 GCancellable        *cancellable,
                                                 GError             **error);
GPIDFD_AVAILABLE_IN_1_0
void               g_pidfd_wait_exit_async      (GPidFd              *self,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_wait_exit_finish     (GPidFd              *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

#ifndef GPIDFD_DISABLE_DEPRECATED
/* The names of the development versions (see gpidfd-exit-info.h). */
#define g_pidfd_new_from_string g_pidfd_new_for_string
#define g_pidfd_get_remote_fd g_pidfd_dup_remote_fd
#define G_PIDFD_SIGNAL_DEFAULT G_PIDFD_SIGNAL_SCOPE_DEFAULT
#define G_PIDFD_SIGNAL_THREAD G_PIDFD_SIGNAL_SCOPE_THREAD
#define G_PIDFD_SIGNAL_THREAD_GROUP G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP
#define G_PIDFD_SIGNAL_PROCESS_GROUP G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP
#endif

G_END_DECLS
