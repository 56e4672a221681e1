/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-source.h: a GSource that fires when one process has ended */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <glib.h>

#include "gpidfd-version-macros.h"
#include "gpidfd-pidfd.h"

G_BEGIN_DECLS

/**
 * GPidFdSourceFunc:
 * @pidfd: the process that ended
 * @info: how it ended
 * @user_data: data passed to [method@GPidFd.PidFd.add_watch],
 *   [method@GPidFd.PidFd.add_watch_full] or [method@GLib.Source.set_callback]
 *
 * The callback of the source made by [method@GPidFd.PidFd.create_source].
 *
 * The source fires once: it is destroyed after the callback returns, so the
 * return value is only there to match [callback@GLib.SourceFunc];
 * return %G_SOURCE_REMOVE.
 *
 * In Python and JavaScript the callback receives the same two objects,
 * then the user data, if any:
 *
 * ```py
 * def on_process_ended(pidfd, info):
 *     print(info.get_pid(), 'ended:', info.get_status())
 *     return GLib.SOURCE_REMOVE
 * ```
 *
 * ```js
 * function onProcessEnded(pidfd, info) {
 *     print(`${info.get_pid()} ended: ${info.get_status()}`);
 *     return GLib.SOURCE_REMOVE;
 * }
 * ```
 *
 * Returns: %G_SOURCE_REMOVE
 *
 * Since: 1.0
 */
typedef gboolean (*GPidFdSourceFunc) (GPidFd         *pidfd,
                                      GPidFdExitInfo *info,
                                      gpointer        user_data);

GPIDFD_AVAILABLE_IN_1_0
GSource *g_pidfd_create_source  (GPidFd           *self);
GPIDFD_AVAILABLE_IN_1_0
guint    g_pidfd_add_watch      (GPidFd           *self,
                                 GPidFdSourceFunc  func,
                                 gpointer          user_data);
GPIDFD_AVAILABLE_IN_1_0
guint    g_pidfd_add_watch_full (GPidFd           *self,
                                 gint              priority,
                                 GPidFdSourceFunc  func,
                                 gpointer          user_data,
                                 GDestroyNotify    notify);

G_END_DECLS
