/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-exit-info.h: the record of how a process ended */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <signal.h>
#include <sys/resource.h>
#include <glib-object.h>

#include "gpidfd-version-macros.h"

G_BEGIN_DECLS

#define G_TYPE_PIDFD_EXIT_INFO (g_pidfd_exit_info_get_type ())

GPIDFD_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GPidFdExitInfo, g_pidfd_exit_info, G, PIDFD_EXIT_INFO, GObject)

GPIDFD_AVAILABLE_IN_1_0
GPid                 g_pidfd_exit_info_get_pid         (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_has_uid         (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint                g_pidfd_exit_info_get_uid         (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint                 g_pidfd_exit_info_get_si_code        (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_has_status      (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_get_if_exited      (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint                 g_pidfd_exit_info_get_exit_status (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_get_if_signaled    (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint                 g_pidfd_exit_info_get_term_sig (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_get_core_dumped (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint                 g_pidfd_exit_info_get_status (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_get_successful  (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gchar               *g_pidfd_exit_info_describe        (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_check           (GPidFdExitInfo  *self,
                                                        GError         **error);
GPIDFD_AVAILABLE_IN_1_0
gboolean             g_pidfd_exit_info_has_rusage      (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_user_time   (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_system_time (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_max_rss     (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_minor_faults (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_major_faults (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_voluntary_context_switches (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_involuntary_context_switches (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_fs_inputs (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gint64               g_pidfd_exit_info_get_fs_outputs (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
const siginfo_t     *g_pidfd_exit_info_get_siginfo     (GPidFdExitInfo *self);
GPIDFD_AVAILABLE_IN_1_0
const struct rusage *g_pidfd_exit_info_get_rusage      (GPidFdExitInfo *self);

#ifndef GPIDFD_DISABLE_DEPRECATED
/* The names of the development versions, for the source code written
 * against them: macros only, neither symbols of the library nor names
 * that bindings see. Define GPIDFD_DISABLE_DEPRECATED to drop them. */
#define g_pidfd_exit_info_get_exited g_pidfd_exit_info_get_if_exited
#define g_pidfd_exit_info_get_signaled g_pidfd_exit_info_get_if_signaled
#define g_pidfd_exit_info_get_term_signal g_pidfd_exit_info_get_term_sig
#define g_pidfd_exit_info_get_wait_status g_pidfd_exit_info_get_status
#define g_pidfd_exit_info_get_code g_pidfd_exit_info_get_si_code
#endif

G_END_DECLS
