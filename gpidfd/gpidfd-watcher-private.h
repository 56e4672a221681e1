/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include <gio/gio.h>

#include "gpidfd-pidfd.h"

G_BEGIN_DECLS

/* Watches @pidfd for @task in @task's main context; @task is completed
 * there with the record (or an error), or with G_IO_ERROR_CANCELLED when
 * its cancellable fires first. Takes a reference on @task. */
void gpidfd_watcher_add_task (GPidFd *pidfd,
                              GTask  *task);

/* Number of watchers alive (one per main context with pending waits). */
guint gpidfd_watcher_count (void);

G_END_DECLS
