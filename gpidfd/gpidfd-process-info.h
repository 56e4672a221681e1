/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-process-info.h: what the kernel says about a running process */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <glib-object.h>

#include "gpidfd-version-macros.h"

G_BEGIN_DECLS

/**
 * GPidFdProcessState:
 * @G_PIDFD_PROCESS_STATE_UNKNOWN: the state could not be read
 * @G_PIDFD_PROCESS_STATE_RUNNING: running or runnable (`R`)
 * @G_PIDFD_PROCESS_STATE_SLEEPING: in an interruptible sleep (`S`)
 * @G_PIDFD_PROCESS_STATE_DISK_SLEEP: in an uninterruptible sleep (`D`)
 * @G_PIDFD_PROCESS_STATE_STOPPED: stopped by a signal (`T`)
 * @G_PIDFD_PROCESS_STATE_TRACED: stopped by a tracer (`t`)
 * @G_PIDFD_PROCESS_STATE_ZOMBIE: ended, not yet reaped by its parent (`Z`)
 * @G_PIDFD_PROCESS_STATE_DEAD: being torn down (`X`)
 * @G_PIDFD_PROCESS_STATE_IDLE: an idle kernel thread (`I`)
 *
 * The scheduling state of a process, as the third field of
 * `/proc/PID/stat` gives it.
 *
 * Since: 1.0
 */
typedef enum /*< underscore_name=g_pidfd_process_state >*/
{
  G_PIDFD_PROCESS_STATE_UNKNOWN,
  G_PIDFD_PROCESS_STATE_RUNNING,
  G_PIDFD_PROCESS_STATE_SLEEPING,
  G_PIDFD_PROCESS_STATE_DISK_SLEEP,
  G_PIDFD_PROCESS_STATE_STOPPED,
  G_PIDFD_PROCESS_STATE_TRACED,
  G_PIDFD_PROCESS_STATE_ZOMBIE,
  G_PIDFD_PROCESS_STATE_DEAD,
  G_PIDFD_PROCESS_STATE_IDLE,
} GPidFdProcessState;

#define G_TYPE_PIDFD_PROCESS_INFO (g_pidfd_process_info_get_type ())

GPIDFD_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GPidFdProcessInfo, g_pidfd_process_info, G, PIDFD_PROCESS_INFO, GObject)

GPIDFD_AVAILABLE_IN_1_0
GPid               g_pidfd_process_info_get_pid              (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
GPid               g_pidfd_process_info_get_tgid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
GPid               g_pidfd_process_info_get_ppid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_process_info_has_credentials      (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_ruid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_rgid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_euid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_egid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_suid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_sgid             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_fsuid            (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint              g_pidfd_process_info_get_fsgid            (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
guint64            g_pidfd_process_info_get_cgroup_id        (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
const gchar       *g_pidfd_process_info_get_name             (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
GPidFdProcessState g_pidfd_process_info_get_state            (GPidFdProcessInfo *self);
GPIDFD_AVAILABLE_IN_1_0
gboolean           g_pidfd_process_info_get_is_kernel_thread (GPidFdProcessInfo *self);

G_END_DECLS
