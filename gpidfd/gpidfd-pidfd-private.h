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
  /* Where the record comes from: the process itself (fd and pid), or,
   * for a thread, the process it belongs to, opened alongside it (-1
   * when the thread had already ended). */
  int process_fd;
  GPid process_pid;
  guint initialized : 1;
  guint pid_given : 1;    /* the "pid" property was set */
  guint is_thread : 1;
  GError *init_error;

  /* Lock order: a GPidFd's lock before the watcher's. */
  GMutex lock;
  /* under lock */
  GPidFdExitInfo *exit_info; /* the cached record, once known */
  guint reaped : 1;          /* reaped by us */
  guint exit_uid_read : 1;   /* exit_uid was read at exit */
  guint exit_uid;            /* a non-child's real uid as a zombie, or
                              * GPIDFD_UID_UNKNOWN */
  GList *pending;            /* PendingWaits, one per main context */

  /* A process gpidfd started (gpidfd-spawn.c): set once before the
   * object is handed out, then read-only; the pipes are the parent's ends,
   * owned. */
  guint spawned : 1;
  /* Called first in finalize: the spawn layer's clean-up (its pipes, the
   * reaping still due). A pointer, so that this layer calls none above. */
  void (*spawn_finalize) (GPidFd *self);
  GOutputStream *stdin_pipe;
  GInputStream *stdout_pipe;
  GInputStream *stderr_pipe;
};

/* Whether @self holds a process; sets G_IO_ERROR_NOT_INITIALIZED otherwise. */
gboolean        gpidfd_pidfd_check_ready  (GPidFd     *self,
                                           GError    **error);

/* The same, with a critical naming @function, for the calls that have
 * no GError. */
gboolean        gpidfd_pidfd_check_ready_or_critical (GPidFd     *self,
                                                      const char *function);

/* The descriptor that tells when the record is ready. */
int             gpidfd_pidfd_get_status_fd (GPidFd     *self);

/* Whether the process is the caller's child and still unreaped, asked of
 * the kernel now (waitid with WNOWAIT). */
gboolean        gpidfd_pidfd_probe_child  (GPidFd      *self);

/* How often a wait that cannot complete yet looks again. Nothing wakes
 * a poll of the pidfd when what holds the record back ends: a tracer
 * that lets go of our child, a zombie handed to us as a subreaper. */
#define GPIDFD_RECHECK_MS 100

/* What a wait without a record polls the status descriptor for next. */
typedef struct
{
  short events;     /* POLLIN; or 0: POLLHUP alone, which poll() always
                     * reports, once the process has exited */
  int recheck_ms;   /* -1; or look again after this long even without
                     * an event */
} GPidFdNextPoll;

/*
 * gpidfd_pidfd_step:
 * @self: a #GPidFd
 * @revents: the poll(2) revents of the status descriptor the caller
 *   already has, or -1 to poll it now
 * @next: (out): what to poll for before asking again, when this returns
 *   %NULL without an error
 *
 * The one decision every wait and source makes: the record, or "not yet,
 * and what to poll for". Never blocks. Whether the process is a child to
 * reap is decided here, by asking waitid() first. Returns the record
 * (transfer full) once known and caches it on @self; %NULL while it is
 * not (or, with @error set, on failure).
 *
 * A process that has exited but cannot be collected yet (a child traced
 * by another process, a zombie whose parent has not reaped it yet) makes
 * @next ask for POLLHUP alone, with a recheck where no event will come,
 * so that no caller spins on a descriptor that stays readable.
 */
GPidFdExitInfo *gpidfd_pidfd_step         (GPidFd         *self,
                                           int             revents,
                                           GPidFdNextPoll *next,
                                           GError        **error);

G_END_DECLS
