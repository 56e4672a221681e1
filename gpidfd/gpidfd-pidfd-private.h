/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "gpidfd-pidfd.h"

G_BEGIN_DECLS

/*
 * gpidfd_pidfd_collect:
 * @self: a #GPidFd
 * @wait_for_reap: (out): set to %TRUE when the process has exited but the
 *   record can only be had once its parent has reaped it: the caller then
 *   waits for POLLHUP instead of POLLIN
 *
 * Never blocks. Returns the record (transfer full) once the process has
 * ended, %NULL while it has not (or, with @error set, on failure).
 */
GPidFdExitInfo *gpidfd_pidfd_collect (GPidFd    *self,
                                      gboolean  *wait_for_reap,
                                      GError   **error);

/* The same, with the poll(2) revents the caller already has. */
GPidFdExitInfo *gpidfd_pidfd_collect_ready (GPidFd    *self,
                                            int        revents,
                                            gboolean  *wait_for_reap,
                                            GError   **error);

/* The pid the process had when @self was opened, for messages: no
 * system call, unlike g_pidfd_get_pid(). */
GPid            gpidfd_pidfd_get_open_pid (GPidFd *self);

/* The error of a wait cancelled by its GCancellable, naming the pid. */
GError         *gpidfd_pidfd_new_cancelled_error (GPid pid);

G_END_DECLS
