/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-syscall-private.h: the only code that talks to the kernel */

#pragma once

#if !defined(GPIDFD_COMPILATION)
# error "This is a private header of gpidfd."
#endif

#include <fcntl.h>
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
#ifndef PIDFD_THREAD
# define PIDFD_THREAD O_EXCL
#endif
#ifndef PIDFD_SIGNAL_THREAD
# define PIDFD_SIGNAL_THREAD (1UL << 0)
#endif
#ifndef PIDFD_SIGNAL_THREAD_GROUP
# define PIDFD_SIGNAL_THREAD_GROUP (1UL << 1)
#endif
#ifndef PIDFD_SIGNAL_PROCESS_GROUP
# define PIDFD_SIGNAL_PROCESS_GROUP (1UL << 2)
#endif
#ifndef PID_FS_MAGIC
# define PID_FS_MAGIC 0x50494446
#endif
#ifndef SO_PEERPIDFD
# define SO_PEERPIDFD 77
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

/* The pidfd calls, for error messages and for the "is it blocked?" probe. */
typedef enum
{
  GPIDFD_CALL_OPEN,        /* pidfd_open() */
  GPIDFD_CALL_SEND_SIGNAL, /* pidfd_send_signal() */
  GPIDFD_CALL_WAITID,      /* waitid(P_PIDFD) */
  GPIDFD_CALL_GET_INFO,    /* ioctl(PIDFD_GET_INFO) */
  GPIDFD_CALL_GETFD,       /* pidfd_getfd() */
  GPIDFD_N_CALLS
} GPidFdCall;

/* "pidfd_open()", and the first Linux release that has the call. */
const char *gpidfd_sys_call_name     (GPidFdCall call);
const char *gpidfd_sys_call_since    (GPidFdCall call);

/* Whether a filter (seccomp, a security module) answers @call with
 * @errsv before the kernel looks at the arguments: probed once per call
 * with an argument the kernel itself always rejects otherwise. */
gboolean gpidfd_sys_call_blocked     (GPidFdCall call,
                                      int        errsv);

/* Each returns -1 and sets errno on failure, like the system call. */
int      gpidfd_sys_pidfd_open        (pid_t             pid,
                                       unsigned int      flags);
int      gpidfd_sys_pidfd_send_signal (int               pidfd,
                                       int               signum,
                                       unsigned int      flags);
int      gpidfd_sys_pidfd_getfd       (int               pidfd,
                                       int               target_fd);
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
int      gpidfd_sys_tgkill            (pid_t             tgid,
                                       pid_t             tid,
                                       int               signum);
int      gpidfd_sys_eventfd           (void);
void     gpidfd_sys_eventfd_signal    (int               fd);
int      gpidfd_sys_poll              (int               fd,
                                       int               timeout_ms);
int      gpidfd_sys_fdinfo_pid        (int               fd,
                                       gint64           *pid);
int      gpidfd_sys_is_pidfd          (int               fd);
int      gpidfd_sys_is_thread_pidfd   (int               fd);
int      gpidfd_sys_dup_cloexec       (int               fd);
/* The pidfs inode number of @fd, or 0 when pidfds are not on pidfs. */
guint64  gpidfd_sys_pidfd_inode       (int               fd);
/* The pidfd (SO_PEERPIDFD) or the pid (SO_PEERCRED) of a unix socket's
 * peer. */
int      gpidfd_sys_peer_pidfd        (int               sockfd);
int      gpidfd_sys_peer_pid          (int               sockfd,
                                       pid_t            *pid);
/* 1 when the socket has a peer (getpeername()), 0 when not, -1 with errno. */
int      gpidfd_sys_socket_connected  (int               sockfd);

/* The thread group (process) of a thread id, from /proc; -1 if unknown. */
pid_t    gpidfd_sys_thread_group_of   (pid_t             tid);

/* Whether /proc is mounted for the caller's own pid namespace: /proc/self
 * names getpid(). Checked once. */
gboolean gpidfd_sys_proc_is_ours      (void);
/* A /proc/PID file, read whole into @buf (at most @size - 1 bytes,
 * nul-terminated); its length, or -1 with errno. */
gssize   gpidfd_sys_read_proc         (pid_t             pid,
                                       const char       *name,
                                       char             *buf,
                                       gsize             size);

/* Whether an orphan could be handed to the caller: it is a child
 * subreaper or the first process of its pid namespace. */
gboolean gpidfd_sys_may_adopt         (void);

/* Pure parsers of /proc text; fuzzed. */
gboolean gpidfd_proc_parse_field      (const char       *text,
                                       gsize             len,
                                       const char       *field,
                                       gint64           *value);
gboolean gpidfd_proc_parse_first      (const char       *text,
                                       gsize             len,
                                       const char       *field,
                                       gint64           *value);
gboolean gpidfd_fdinfo_parse_pid      (const char       *text,
                                       gsize             len,
                                       gint64           *pid);

/* What the running kernel can do, learnt from its answers to real calls
 * and remembered for the life of the process. */
gboolean gpidfd_sys_has_waitid_pidfd  (void);
gboolean gpidfd_sys_has_get_info      (void);
gboolean gpidfd_sys_has_exit_info     (void);

/* Spawning. A child that shares the caller's memory (CLONE_VM) and runs
 * @fn (@arg) on @stack (@stack_size bytes, the lowest address given),
 * while the calling thread sleeps (CLONE_VFORK) until the child has
 * exec'd or exited; its pidfd (CLONE_PIDFD) goes to *@pidfd, which the
 * kernel writes before the child runs. The child exits with what @fn
 * returns. Each returns the child's pid, or -1 with errno.
 *
 * gpidfd_sys_clone3_vm() uses clone3() (Linux 5.3; x86_64 only, ENOSYS
 * elsewhere); gpidfd_sys_clone_vm() uses clone() (CLONE_PIDFD from Linux
 * 5.2; older kernels ignore the flag and leave *@pidfd as it was). Once
 * one has been refused as missing or blocked (ENOSYS, EPERM, EACCES), it
 * fails at once with that errno for the life of the process. */
typedef int (*GPidFdChildFunc) (void *arg);

pid_t    gpidfd_sys_clone3_vm         (GPidFdChildFunc   fn,
                                       void             *arg,
                                       void             *stack,
                                       gsize             stack_size,
                                       int               exit_signal,
                                       int              *pidfd);
pid_t    gpidfd_sys_clone_vm          (GPidFdChildFunc   fn,
                                       void             *arg,
                                       void             *stack,
                                       gsize             stack_size,
                                       int               exit_signal,
                                       int              *pidfd);
/* Whether each has been refused so far in this process. */
gboolean gpidfd_sys_clone3_vm_refused (void);
gboolean gpidfd_sys_clone_vm_refused  (void);
/* Refuses both from now on: the child turned out not to share the
 * caller's memory (an emulator, like valgrind, makes CLONE_VM a fork). */
void     gpidfd_sys_clone_vm_unshared (void);
/* fork() without the atfork handlers: clone (SIGCHLD). 0 in the child. */
pid_t    gpidfd_sys_fork              (void);
/* Whether a call refused with @errsv is missing or blocked, for the
 * spawning paths: ENOSYS, EPERM, EACCES. */
gboolean gpidfd_sys_clone_refused     (int               errsv);

G_END_DECLS
