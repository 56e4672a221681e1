/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-spawn.h: starting a process, held by its pidfd from birth */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gpidfd-version-macros.h"
#include "gpidfd-pidfd.h"

G_BEGIN_DECLS

GPIDFD_AVAILABLE_IN_1_0
GPidFd        *g_pidfd_spawnv                      (const gchar * const  *argv,
                                                    GSubprocessFlags      flags,
                                                    GError              **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd        *g_pidfd_spawn                       (GSubprocessFlags      flags,
                                                    GError              **error,
                                                    const gchar          *argv0,
                                                    ...) G_GNUC_NULL_TERMINATED;

GPIDFD_AVAILABLE_IN_1_0
GOutputStream *g_pidfd_get_stdin_pipe              (GPidFd               *self);
GPIDFD_AVAILABLE_IN_1_0
GInputStream  *g_pidfd_get_stdout_pipe             (GPidFd               *self);
GPIDFD_AVAILABLE_IN_1_0
GInputStream  *g_pidfd_get_stderr_pipe             (GPidFd               *self);

GPIDFD_AVAILABLE_IN_1_0
gboolean       g_pidfd_communicate                 (GPidFd               *self,
                                                    GBytes               *stdin_buf,
                                                    GCancellable         *cancellable,
                                                    GBytes              **stdout_buf,
                                                    GBytes              **stderr_buf,
                                                    GError              **error);
GPIDFD_AVAILABLE_IN_1_0
void           g_pidfd_communicate_async           (GPidFd               *self,
                                                    GBytes               *stdin_buf,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GPIDFD_AVAILABLE_IN_1_0
gboolean       g_pidfd_communicate_finish          (GPidFd               *self,
                                                    GAsyncResult         *result,
                                                    GBytes              **stdout_buf,
                                                    GBytes              **stderr_buf,
                                                    GError              **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean       g_pidfd_communicate_utf8            (GPidFd               *self,
                                                    const char           *stdin_buf,
                                                    GCancellable         *cancellable,
                                                    char                **stdout_buf,
                                                    char                **stderr_buf,
                                                    GError              **error);
GPIDFD_AVAILABLE_IN_1_0
void           g_pidfd_communicate_utf8_async      (GPidFd               *self,
                                                    const char           *stdin_buf,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GPIDFD_AVAILABLE_IN_1_0
gboolean       g_pidfd_communicate_utf8_finish     (GPidFd               *self,
                                                    GAsyncResult         *result,
                                                    char                **stdout_buf,
                                                    char                **stderr_buf,
                                                    GError              **error);

G_END_DECLS
