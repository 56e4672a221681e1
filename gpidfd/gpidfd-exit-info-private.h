/* SPDX-License-Identifier: LGPL-2.1-or-later */

#pragma once

#include "gpidfd-exit-info.h"

G_BEGIN_DECLS

#define GPIDFD_UID_UNKNOWN G_MAXUINT

GPidFdExitInfo *gpidfd_exit_info_new_from_siginfo     (GPid                 pid,
                                                       const siginfo_t     *siginfo,
                                                       const struct rusage *rusage);
GPidFdExitInfo *gpidfd_exit_info_new_from_wait_status (GPid                 pid,
                                                       gint                 wait_status,
                                                       guint                uid);
GPidFdExitInfo *gpidfd_exit_info_new_unknown          (GPid                 pid,
                                                       guint                uid);

G_END_DECLS
