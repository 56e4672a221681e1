/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-pidfd.h: a process, held by a pidfd */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gpidfd-version-macros.h"
#include "gpidfd-exit-info.h"

G_BEGIN_DECLS

/**
 * GPidFdFlags:
 * @G_PIDFD_FLAGS_NONE: no flags: a child of the caller is reaped when it is
 *   waited for
 * @G_PIDFD_FLAGS_NO_REAP: never reap the process, even when it is a child of
 *   the caller; its status is read with `WNOWAIT` and left for whoever owns
 *   it (a [class@Gio.Subprocess], a [func@GLib.child_watch_add] callback)
 *
 * Flags for [ctor@GPidFd.PidFd.new_from_pid_full] and
 * [ctor@GPidFd.PidFd.new_from_fd_full].
 *
 * Since: 1.0
 */
typedef enum /*< flags,underscore_name=g_pidfd_flags >*/
{
  G_PIDFD_FLAGS_NONE    = 0,
  G_PIDFD_FLAGS_NO_REAP = 1 << 0,
} GPidFdFlags;

#define G_TYPE_PIDFD (g_pidfd_get_type ())

GPIDFD_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GPidFd, g_pidfd, G, PIDFD, GObject)

GPIDFD_AVAILABLE_IN_1_0
GPidFd         *g_pidfd_new_from_pid      (GPid           pid,
                                           GError       **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd         *g_pidfd_new_from_pid_full (GPid           pid,
                                           GPidFdFlags    flags,
                                           GError       **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd         *g_pidfd_new_from_fd       (gint           fd,
                                           GError       **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd         *g_pidfd_new_from_fd_full  (gint           fd,
                                           GPidFdFlags    flags,
                                           GError       **error);
GPIDFD_AVAILABLE_IN_1_0
gint            g_pidfd_get_fd            (GPidFd        *self);
GPIDFD_AVAILABLE_IN_1_0
GPid            g_pidfd_get_pid           (GPidFd        *self);
GPIDFD_AVAILABLE_IN_1_0
GPidFdFlags     g_pidfd_get_flags         (GPidFd        *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean        g_pidfd_is_child          (GPidFd        *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean        g_pidfd_send_signal       (GPidFd        *self,
                                           gint           signum,
                                           GError       **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean        g_pidfd_has_exited        (GPidFd        *self);
GPIDFD_AVAILABLE_IN_1_0
GPidFdExitInfo *g_pidfd_try_wait          (GPidFd        *self,
                                           GError       **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFdExitInfo *g_pidfd_wait              (GPidFd        *self,
                                           GCancellable  *cancellable,
                                           GError       **error);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_wait_async        (GPidFd               *self,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GPIDFD_AVAILABLE_IN_1_0
GPidFdExitInfo *g_pidfd_wait_finish       (GPidFd        *self,
                                           GAsyncResult  *result,
                                           GError       **error);

G_END_DECLS
