/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-syscall-private.h: the only code that talks to the kernel */

#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <glib.h>

G_BEGIN_DECLS

/* Constants missing from older kernel headers (Debian 12 ships 6.1). */
#ifndef P_PIDFD
# define P_PIDFD 3
#endif
#ifndef PIDFD_NONBLOCK
# define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef PID_FS_MAGIC
# define PID_FS_MAGIC 0x50494446
#endif

#define GPIDFD_INFO_PID      (1ULL << 0)
#define GPIDFD_INFO_CREDS    (1ULL << 1)
#define GPIDFD_INFO_CGROUPID (1ULL << 2)
#define GPIDFD_INFO_EXIT     (1ULL << 3)

/* struct pidfd_info as of Linux 6.17; the kernel copies out at most the
 * size we pass, which is encoded in the ioctl number. */
typedef struct
{
  guint64 mask;
  guint64 cgroupid;
  guint32 pid;
  guint32 tgid;
  guint32 ppid;
  guint32 ruid;
  guint32 rgid;
  guint32 euid;
  guint32 egid;
  guint32 suid;
  guint32 sgid;
  guint32 fsuid;
  guint32 fsgid;
  gint32  exit_code;
  guint32 coredump_mask;
  guint32 coredump_signal;
  guint64 supported_mask;
} GPidFdKernelInfo;

/* Each returns -1 and sets errno on failure, like the system call. */
int      gpidfd_sys_pidfd_open        (pid_t             pid,
                                       unsigned int      flags);
int      gpidfd_sys_pidfd_send_signal (int               pidfd,
                                       int               signum);
int      gpidfd_sys_waitid            (idtype_t          idtype,
                                       id_t              id,
                                       siginfo_t        *info,
                                       int               options,
                                       struct rusage    *rusage);
int      gpidfd_sys_get_info          (int               pidfd,
                                       guint64           mask,
                                       GPidFdKernelInfo *info);
int      gpidfd_sys_kill              (pid_t             pid,
                                       int               signum);
int      gpidfd_sys_eventfd           (void);
void     gpidfd_sys_eventfd_signal    (int               fd);
int      gpidfd_sys_poll              (int               fd,
                                       int               timeout_ms);
int      gpidfd_sys_fdinfo_pid        (int               fd,
                                       gint64           *pid);
int      gpidfd_sys_is_pidfd          (int               fd);
int      gpidfd_sys_dup_cloexec       (int               fd);

/* The thread group (process) of a thread id, from /proc; -1 if unknown. */
pid_t    gpidfd_sys_thread_group_of   (pid_t             tid);

/* Pure parsers of /proc text; fuzzed. */
gboolean gpidfd_proc_parse_field      (const char       *text,
                                       gsize             len,
                                       const char       *field,
                                       gint64           *value);
gboolean gpidfd_fdinfo_parse_pid      (const char       *text,
                                       gsize             len,
                                       gint64           *pid);

/* What the running kernel can do, probed once per process. */
gboolean gpidfd_sys_has_waitid_pidfd  (void);
gboolean gpidfd_sys_has_get_info      (void);
gboolean gpidfd_sys_has_exit_info     (void);

G_END_DECLS
