/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-launcher.h: the options of the processes to start */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gpidfd-version-macros.h"
#include "gpidfd-pidfd.h"

G_BEGIN_DECLS

#define G_TYPE_PIDFD_LAUNCHER (g_pidfd_launcher_get_type ())

GPIDFD_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GPidFdLauncher, g_pidfd_launcher, G, PIDFD_LAUNCHER, GObject)

GPIDFD_AVAILABLE_IN_1_0
GPidFdLauncher *g_pidfd_launcher_new                 (GSubprocessFlags      flags);

GPIDFD_AVAILABLE_IN_1_0
GPidFd         *g_pidfd_launcher_spawnv              (GPidFdLauncher       *self,
                                                      const gchar * const  *argv,
                                                      GError              **error);
GPIDFD_AVAILABLE_IN_1_0
GPidFd         *g_pidfd_launcher_spawn               (GPidFdLauncher       *self,
                                                      GError              **error,
                                                      const gchar          *argv0,
                                                      ...) G_GNUC_NULL_TERMINATED;

GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_flags           (GPidFdLauncher       *self,
                                                      GSubprocessFlags      flags);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_environ         (GPidFdLauncher       *self,
                                                      gchar               **env);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_setenv              (GPidFdLauncher       *self,
                                                      const gchar          *variable,
                                                      const gchar          *value,
                                                      gboolean              overwrite);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_unsetenv            (GPidFdLauncher       *self,
                                                      const gchar          *variable);
GPIDFD_AVAILABLE_IN_1_0
const gchar    *g_pidfd_launcher_getenv              (GPidFdLauncher       *self,
                                                      const gchar          *variable);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_cwd             (GPidFdLauncher       *self,
                                                      const gchar          *cwd);

GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_stdin_file_path  (GPidFdLauncher       *self,
                                                       const gchar          *path);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_take_stdin_fd        (GPidFdLauncher       *self,
                                                       gint                  fd);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_stdout_file_path (GPidFdLauncher       *self,
                                                       const gchar          *path);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_take_stdout_fd       (GPidFdLauncher       *self,
                                                       gint                  fd);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_stderr_file_path (GPidFdLauncher       *self,
                                                       const gchar          *path);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_take_stderr_fd       (GPidFdLauncher       *self,
                                                       gint                  fd);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_take_fd              (GPidFdLauncher       *self,
                                                       gint                  source_fd,
                                                       gint                  target_fd);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_close                (GPidFdLauncher       *self);

GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_process_group             (GPidFdLauncher *self,
                                                                gboolean        new_group);
GPIDFD_AVAILABLE_IN_1_0
void            g_pidfd_launcher_set_inherit_ignored_signals   (GPidFdLauncher *self,
                                                                gboolean        inherit);

G_END_DECLS
