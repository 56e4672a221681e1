/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-pidfd-util-private.h: what a pidfd alone tells, above the
 * syscall layer and below the GPidFd object
 *
 * Each helper takes a descriptor (and the pid it was opened with, where
 * the kernel needs one for a fallback) and nothing of the object, so the
 * handle (gpidfd-pidfd.c), the ending (gpidfd-wait.c) and the leaves
 * (process info, peers) all build on the same rules.
 */

#pragma once

#if !defined(GPIDFD_COMPILATION)
# error "This is a private header of gpidfd."
#endif

#include <glib.h>
#include <sys/resource.h>
#include <sys/wait.h>

G_BEGIN_DECLS

/* The pid of @fd's process in the caller's pid namespace now: 0 when
 * not visible there, -1 once reaped; -2 when the kernel cannot tell.
 * From PIDFD_GET_INFO (Linux 6.13), else /proc/self/fdinfo/FD. */
GPid  gpidfd_pidfd_query_pid (int   fd);

/* Whether @fd's process (or thread) has exited, reaped or not: a poll
 * that does not wait, readable or hung up. */
gboolean gpidfd_pidfd_has_exited (int fd);

/* The real uid of @fd's process (@pid) now, or GPIDFD_UID_UNKNOWN: from
 * PIDFD_GET_INFO, else /proc/PID/status, read only while the pidfd
 * still shows @pid afterwards. A zombie keeps its credentials until it
 * is reaped; a reaped process has none left to read. */
guint gpidfd_pidfd_query_uid (int   fd,
                              GPid  pid);

/* Whether the process of @fd (opened as @pid, or 0) has been reaped,
 * given the @revents of a poll of it: POLLHUP says so from Linux 6.9;
 * before that /proc/self/fdinfo (its Pid: -1) does, and where /proc is
 * another namespace's, only that @pid is gone (a later process could
 * have it by then: it is then taken for unreaped until it is gone too). */
gboolean gpidfd_pidfd_is_reaped (int  fd,
                                 GPid pid,
                                 int  revents);

/* One waitid() for the process of @fd: P_PIDFD, or before Linux 5.4 (or
 * when P_PIDFD is blocked) P_PID @pid, which names the same process for
 * as long as the pidfd still shows that pid. Like waitid(), returns -1
 * with errno; ECHILD also when the fallback cannot name the process. */
int   gpidfd_pidfd_waitid    (int            fd,
                              GPid           pid,
                              siginfo_t     *info,
                              int            options,
                              struct rusage *rusage);

G_END_DECLS
