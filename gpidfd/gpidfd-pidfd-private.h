/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-pidfd-private.h: the state of a GPidFd, shared by the file that
 * makes and signals it (gpidfd-pidfd.c) and the one that sees it end
 * (gpidfd-wait.c) */

#pragma once

#if !defined(GPIDFD_COMPILATION)
# error "This is a private header of gpidfd."
#endif

#include "gpidfd-pidfd.h"
#include "gpidfd-exit-info-private.h"

G_BEGIN_DECLS

struct _GPidFd
{
  GObject parent_instance;

  /* Set once by construction and g_initable_init(), then read-only. */
  int fd;                 /* -1 until initialised */
  GPid pid;               /* pid (tid for a thread) when opened; 0 when
                           * not visible in the caller's pid namespace */
  GPidFdFlags flags;
  int construct_fd;       /* the "fd" property given to construction */
  guint uid;              /* real uid when opened, or GPIDFD_UID_UNKNOWN */
  /* Where the record comes from: the process itself (fd and pid), or,
   * for a thread, the process it belongs to, opened alongside it (-1
   * when the thread had already ended). */
  int process_fd;
  GPid process_pid;
  guint initialized : 1;
  guint is_thread : 1;
  GError *init_error;

  /* Lock order: a GPidFd's lock before the watcher's. */
  GMutex lock;
  /* under lock */
  GPidFdExitInfo *exit_info; /* the cached record, once known */
  guint reaped : 1;          /* reaped by us */
  GList *pending;            /* PendingWaits, one per main context */
};

/* Whether @self holds a process; sets G_IO_ERROR_NOT_INITIALIZED otherwise. */
gboolean        gpidfd_pidfd_check_ready  (GPidFd     *self,
                                           GError    **error);

/* The descriptor that tells when the record is ready. */
int             gpidfd_pidfd_get_status_fd (GPidFd     *self);

/* The pid in the caller's namespace now: 0 when not visible, -1 once
 * reaped; -2 when the kernel cannot tell. */
GPid            gpidfd_pidfd_query_pid    (int          fd);

/* Whether the process is the caller's child and still unreaped, asked of
 * the kernel now (waitid with WNOWAIT). */
gboolean        gpidfd_pidfd_probe_child  (GPidFd      *self);

/*
 * gpidfd_pidfd_collect:
 * @self: a #GPidFd
 * @revents: the poll(2) revents the caller already has, or -1 to poll
 * @wait_for_reap: (out): set to %TRUE when the process has exited but the
 *   record can only be had once its parent has reaped it: the caller then
 *   waits for POLLHUP instead of POLLIN, and also polls again now and then
 *   when gpidfd_sys_may_adopt() says the process may become ours
 *
 * Never blocks. Whether the process is a child to reap is decided here,
 * by asking waitid() first. Returns the record (transfer full) once the
 * process has ended, %NULL while it has not (or, with @error set, on
 * failure).
 */
GPidFdExitInfo *gpidfd_pidfd_collect      (GPidFd      *self,
                                           int          revents,
                                           gboolean    *wait_for_reap,
                                           GError     **error);

G_END_DECLS
