/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-syscall.c: the only code that talks to the kernel
 *
 * Every pidfd system call, ioctl and /proc read of gpidfd goes through
 * here. Features that older kernels lack are probed on first use and the
 * answer is remembered for the life of the process.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <sched.h>

#include "gpidfd-syscall-private.h"

#ifndef __NR_pidfd_send_signal
# define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_open
# define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_getfd
# define __NR_pidfd_getfd 438
#endif
#ifndef CLONE_PIDFD
# define CLONE_PIDFD 0x00001000
#endif

#define GPIDFD_IOCTL_MAGIC 0xFF
#define GPIDFD_GET_INFO _IOWR (GPIDFD_IOCTL_MAGIC, 11, GPidFdKernelInfo)

G_STATIC_ASSERT (sizeof (GPidFdKernelInfo) == 80);
G_STATIC_ASSERT (G_STRUCT_OFFSET (GPidFdKernelInfo, exit_code) == 60);

enum {
  FEATURE_UNKNOWN = 0,
  FEATURE_PRESENT = 1,
  FEATURE_ABSENT  = 2,
};

static gint have_waitid_pidfd = FEATURE_UNKNOWN;
static gint have_get_info = FEATURE_UNKNOWN;
static gint have_exit_info = FEATURE_UNKNOWN;

static void
feature_set (gint     *feature,
             gboolean  present)
{
  g_atomic_int_set (feature, present ? FEATURE_PRESENT : FEATURE_ABSENT);
}

int
gpidfd_sys_pidfd_open (pid_t        pid,
                       unsigned int flags)
{
  return (int) syscall (__NR_pidfd_open, pid, flags);
}

int
gpidfd_sys_pidfd_send_signal (int          pidfd,
                              int          signum,
                              unsigned int flags)
{
  return (int) syscall (__NR_pidfd_send_signal, pidfd, signum, NULL, flags);
}

int
gpidfd_sys_pidfd_getfd (int pidfd,
                        int target_fd)
{
  return (int) syscall (__NR_pidfd_getfd, pidfd, target_fd, 0);
}

static const struct
{
  const char *name;
  const char *since;
} calls[GPIDFD_N_CALLS] = {
  [GPIDFD_CALL_OPEN] = { "pidfd_open()", "5.3" },
  [GPIDFD_CALL_SEND_SIGNAL] = { "pidfd_send_signal()", "5.1" },
  [GPIDFD_CALL_WAITID] = { "waitid(P_PIDFD)", "5.4" },
  [GPIDFD_CALL_GET_INFO] = { "the PIDFD_GET_INFO ioctl", "6.13" },
  [GPIDFD_CALL_GETFD] = { "pidfd_getfd()", "5.6" },
};

const char *
gpidfd_sys_call_name (GPidFdCall call)
{
  return calls[call].name;
}

const char *
gpidfd_sys_call_since (GPidFdCall call)
{
  return calls[call].since;
}

/* Raw waitid: glibc's wrapper has no rusage argument. */
static int
raw_waitid (idtype_t       idtype,
            id_t           id,
            siginfo_t     *info,
            int            options,
            struct rusage *rusage)
{
  return (int) syscall (SYS_waitid, idtype, id, info, options, rusage);
}

/* errno of each call made with an argument the kernel always rejects
 * (EBADF or EINVAL): anything else comes from a filter. 0: not probed. */
static gint probe_errno[GPIDFD_N_CALLS];

static int
probe_call (GPidFdCall call)
{
  GPidFdKernelInfo info = { 0, };
  siginfo_t si;
  int r = -1;

  errno = 0;
  switch (call)
    {
    case GPIDFD_CALL_OPEN:
      r = gpidfd_sys_pidfd_open (0, 0);
      break;
    case GPIDFD_CALL_SEND_SIGNAL:
      r = gpidfd_sys_pidfd_send_signal (-1, 0, 0);
      break;
    case GPIDFD_CALL_WAITID:
      r = raw_waitid (P_PIDFD, G_MAXINT, &si, WEXITED | WNOHANG, NULL);
      break;
    case GPIDFD_CALL_GET_INFO:
      info.mask = GPIDFD_INFO_PID;
      r = ioctl (-1, _IOWR (0xFF, 11, GPidFdKernelInfo), &info);
      break;
    case GPIDFD_CALL_GETFD:
      r = gpidfd_sys_pidfd_getfd (-1, 0);
      break;
    case GPIDFD_N_CALLS:
    default:
      g_assert_not_reached ();
    }

  return r == 0 ? EBADF : errno;
}

gboolean
gpidfd_sys_call_blocked (GPidFdCall call,
                         int        errsv)
{
  int answer = g_atomic_int_get (&probe_errno[call]);

  if (errsv == EBADF || errsv == EINVAL || errsv == 0)
    return FALSE;
  if (answer == 0)
    {
      answer = probe_call (call);
      g_atomic_int_set (&probe_errno[call], answer);
    }

  return answer == errsv;
}

/*
 * gpidfd_sys_waitid:
 * @idtype: %P_PIDFD or %P_PID
 * @id: the pidfd or the pid
 *
 * With %P_PIDFD on a kernel older than 5.4 (which answers %EINVAL), this
 * fails with %EINVAL once and remembers it; callers then use %P_PID, which
 * is race-free for the caller's own unreaped children.
 */
int
gpidfd_sys_waitid (idtype_t       idtype,
                   id_t           id,
                   siginfo_t     *info,
                   int            options,
                   struct rusage *rusage)
{
  int r;

  memset (info, 0, sizeof *info);
  if (rusage != NULL)
    memset (rusage, 0, sizeof *rusage);

  if (idtype == P_PIDFD && g_atomic_int_get (&have_waitid_pidfd) == FEATURE_ABSENT)
    {
      errno = EINVAL;
      return -1;
    }

  r = raw_waitid (idtype, id, info, options, rusage);

  if (idtype == P_PIDFD && g_atomic_int_get (&have_waitid_pidfd) == FEATURE_UNKNOWN)
    {
      if (r == 0 || errno != EINVAL)
        feature_set (&have_waitid_pidfd, TRUE);
      else
        feature_set (&have_waitid_pidfd, FALSE);
    }

  return r;
}

gboolean
gpidfd_sys_has_waitid_pidfd (void)
{
  return g_atomic_int_get (&have_waitid_pidfd) != FEATURE_ABSENT;
}

/* Asks PIDFD_GET_INFO about the caller itself, which is alive and in its
 * own pid namespace: a kernel that has the ioctl answers, and any refusal
 * means it has not (or a filter blocks it). The refusals differ: Linux 6.1
 * answers ENOTTY, and the pidfs kernels before 6.13 EINVAL (their pidfd
 * ioctls take no argument). Returns FEATURE_UNKNOWN when no pidfd can be
 * had to ask with. */
static gint
probe_get_info (void)
{
  GPidFdKernelInfo info = { 0, };
  int fd;
  int r;
  int errsv;

  fd = gpidfd_sys_pidfd_open (getpid (), 0);
  if (fd < 0)
    return FEATURE_UNKNOWN;

  info.mask = GPIDFD_INFO_PID;
  r = ioctl (fd, GPIDFD_GET_INFO, &info);
  errsv = errno;
  close (fd);

  if (r == 0 && (info.mask & GPIDFD_INFO_PID) && info.pid == (guint32) getpid ())
    return FEATURE_PRESENT;
  if (r < 0 && (errsv == EMFILE || errsv == ENFILE || errsv == ENOMEM))
    return FEATURE_UNKNOWN;

  return FEATURE_ABSENT;
}

/* Settles have_get_info when it can; FALSE when the ioctl is missing. */
static gboolean
get_info_known_absent (void)
{
  gint state = g_atomic_int_get (&have_get_info);

  if (state == FEATURE_UNKNOWN)
    {
      /* A concurrent probe is harmless: both get the same answer. */
      state = probe_get_info ();
      if (state != FEATURE_UNKNOWN)
        g_atomic_int_set (&have_get_info, state);
    }

  return state == FEATURE_ABSENT;
}

int
gpidfd_sys_get_info (int               pidfd,
                     guint64           mask,
                     GPidFdKernelInfo *info)
{
  int r;

  memset (info, 0, sizeof *info);

  if (get_info_known_absent ())
    {
      errno = ENOTTY;
      return -1;
    }

  info->mask = mask;
  r = ioctl (pidfd, GPIDFD_GET_INFO, info);

  if (r < 0)
    {
      int errsv = errno;

      /* Only when the probe could not run: only ever called on verified
       * pidfds, so these mean a kernel without the ioctl, and a filter's
       * answer is as good as that. */
      if (g_atomic_int_get (&have_get_info) == FEATURE_UNKNOWN &&
          (errsv == ENOTTY || errsv == ENOSYS || errsv == EINVAL ||
           ((errsv == EPERM || errsv == EACCES) &&
            gpidfd_sys_call_blocked (GPIDFD_CALL_GET_INFO, errsv))))
        feature_set (&have_get_info, FALSE);
      errno = errsv;
      return -1;
    }

  if (g_atomic_int_get (&have_get_info) == FEATURE_UNKNOWN)
    feature_set (&have_get_info, TRUE);
  if ((info->mask & GPIDFD_INFO_EXIT) != 0)
    feature_set (&have_exit_info, TRUE);

  return r;
}

gboolean
gpidfd_sys_has_get_info (void)
{
  return !get_info_known_absent ();
}

/* Makes a child that exits at once, reaps it, and asks PIDFD_GET_INFO
 * for its exit: the kernel's own answer, whatever uname() says. The
 * parent sleeps until the child has exited (CLONE_VFORK, without
 * CLONE_VM: the child has its own copy of the address space), and the
 * child's exit signal is 0, so the program sees no SIGCHLD and a
 * waitpid(-1) of its own never sees the child. */
static gint
probe_exit_info (void)
{
#if defined(__s390__) || defined(__CRIS__)
  /* clone()'s arguments come in another order there. */
  return FEATURE_ABSENT;
#else
  GPidFdKernelInfo info;
  siginfo_t si;
  int pidfd = -1;
  pid_t pid;
  gboolean present;

  pid = (pid_t) syscall (SYS_clone, (unsigned long) (CLONE_VFORK | CLONE_PIDFD),
                         NULL, &pidfd, NULL, NULL);
  if (pid == 0)
    {
      syscall (SYS_exit_group, 0);
      for (;;)
        ;
    }
  /* Could not ask (no descriptor or process left): undecided, asked
   * again next time. */
  if (pid < 0)
    return (errno == EMFILE || errno == ENFILE || errno == ENOMEM || errno == EAGAIN) ?
           FEATURE_UNKNOWN : FEATURE_ABSENT;
  if (pidfd < 0)
    {
      raw_waitid (P_PID, pid, &si, WEXITED | __WALL, NULL);
      return FEATURE_UNKNOWN;
    }

  if (raw_waitid (P_PIDFD, pidfd, &si, WEXITED | __WALL, NULL) < 0)
    raw_waitid (P_PID, pid, &si, WEXITED | __WALL, NULL);

  present = gpidfd_sys_get_info (pidfd, GPIDFD_INFO_EXIT, &info) == 0 &&
            (info.mask & GPIDFD_INFO_EXIT) != 0;
  close (pidfd);

  return present ? FEATURE_PRESENT : FEATURE_ABSENT;
#endif
}

/*
 * gpidfd_sys_has_exit_info:
 *
 * Whether PIDFD_GET_INFO reports PIDFD_INFO_EXIT for reaped processes
 * (Linux 6.15). A live process never shows the bit: the first reply that
 * carries it settles the question, and until then a child made for the
 * purpose is asked (once per process).
 */
gboolean
gpidfd_sys_has_exit_info (void)
{
  gint state = g_atomic_int_get (&have_exit_info);

  if (!gpidfd_sys_has_get_info ())
    return FALSE;

  if (state == FEATURE_UNKNOWN)
    {
      /* A concurrent probe is harmless: both get the same answer. */
      state = probe_exit_info ();
      if (state != FEATURE_UNKNOWN)
        g_atomic_int_set (&have_exit_info, state);
    }

  return state == FEATURE_PRESENT && gpidfd_sys_has_get_info ();
}

int
gpidfd_sys_kill (pid_t pid,
                 int   signum)
{
  return kill (pid, signum);
}

int
gpidfd_sys_tgkill (pid_t tgid,
                   pid_t tid,
                   int   signum)
{
  return (int) syscall (SYS_tgkill, tgid, tid, signum);
}

int
gpidfd_sys_eventfd (void)
{
  return eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
}

void
gpidfd_sys_eventfd_signal (int fd)
{
  guint64 one = 1;

  /* Fails only when the counter is full, which already means "signalled". */
  if (write (fd, &one, sizeof one) < 0)
    return;
}

int
gpidfd_sys_poll (int fd,
                 int timeout_ms)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  int r;

  do
    r = poll (&pfd, 1, timeout_ms);
  while (r < 0 && errno == EINTR);

  if (r < 0)
    return -1;

  return pfd.revents;
}

/* Parses the first line of @text that starts with @field: one decimal
 * int32 (optionally negative), then nothing else, or with @first_only,
 * then anything after a blank. */
static gboolean
parse_field_line (const char *text,
                  gsize       len,
                  const char *field,
                  gboolean    first_only,
                  gint64     *value)
{
  const char *p = text;
  const char *end;
  gsize field_len = strlen (field);

  if (text == NULL || len == 0)
    return FALSE;
  end = text + len;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *line_end = eol != NULL ? eol : end;

      if ((gsize) (line_end - p) >= field_len && memcmp (p, field, field_len) == 0)
        {
          const char *q = p + field_len;
          gboolean negative = FALSE;
          gint64 v = 0;
          gboolean digits = FALSE;

          while (q < line_end && (*q == ' ' || *q == '\t'))
            q++;
          if (q < line_end && *q == '-' && !first_only)
            {
              negative = TRUE;
              q++;
            }
          while (q < line_end && *q >= '0' && *q <= '9')
            {
              v = v * 10 + (*q - '0');
              if (v > G_MAXUINT32)
                return FALSE;
              digits = TRUE;
              q++;
            }
          if (!digits)
            return FALSE;
          if (first_only)
            {
              if (q != line_end && *q != ' ' && *q != '\t')
                return FALSE;
            }
          else
            {
              if (v > G_MAXINT32)
                return FALSE;
              while (q < line_end && (*q == ' ' || *q == '\t'))
                q++;
              if (q != line_end)
                return FALSE;
            }

          *value = negative ? -v : v;
          return TRUE;
        }

      if (eol == NULL)
        break;
      p = eol + 1;
    }

  return FALSE;
}

/*
 * gpidfd_proc_parse_field:
 * @text: the contents of a /proc file of "Name:\tvalue" lines
 * @len: its length
 * @field: the name with its colon, like "Pid:"
 * @value: (out): the value
 *
 * Parses the first line that starts with @field and holds one decimal
 * int32 (optionally negative) and nothing else. @text need not be
 * nul-terminated.
 */
gboolean
gpidfd_proc_parse_field (const char *text,
                         gsize       len,
                         const char *field,
                         gint64     *value)
{
  return parse_field_line (text, len, field, FALSE, value);
}

/* The same, for the first of several numbers ("Uid:\t0\t0\t0\t0"): a
 * decimal uint32, then the end of the line or a blank. */
gboolean
gpidfd_proc_parse_first (const char *text,
                         gsize       len,
                         const char *field,
                         gint64     *value)
{
  return parse_field_line (text, len, field, TRUE, value);
}

gboolean
gpidfd_fdinfo_parse_pid (const char *text,
                         gsize       len,
                         gint64     *pid)
{
  return gpidfd_proc_parse_field (text, len, "Pid:", pid);
}

/* Reads a /proc file into @buf (at most @size bytes); returns its length
 * or -1 with errno set. */
static gssize
read_proc_file (const char *path,
                char       *buf,
                gsize       size)
{
  gsize len = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return -1;

  while (len < size)
    {
      ssize_t n = read (fd, buf + len, size - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      len += n;
    }
  close (fd);

  return len;
}

pid_t
gpidfd_sys_thread_group_of (pid_t tid)
{
  char path[64];
  char buf[4096];
  gssize len;
  gint64 tgid;

  if (!gpidfd_sys_proc_is_ours ())
    return -1;
  g_snprintf (path, sizeof path, "/proc/%d/status", (int) tid);
  len = read_proc_file (path, buf, sizeof buf);
  if (len < 0 || !gpidfd_proc_parse_field (buf, len, "Tgid:", &tgid))
    return -1;

  return (pid_t) tgid;
}

int
gpidfd_sys_fdinfo_pid (int     fd,
                       gint64 *pid)
{
  char path[64];
  char buf[4096];
  gssize len;

  /* fdinfo gives the pid in the namespace of that /proc's mount. */
  if (!gpidfd_sys_proc_is_ours ())
    {
      errno = EREMOTE;
      return -1;
    }
  g_snprintf (path, sizeof path, "/proc/self/fdinfo/%d", fd);
  len = read_proc_file (path, buf, sizeof buf);
  if (len < 0)
    return -1;

  if (!gpidfd_fdinfo_parse_pid (buf, len, pid))
    {
      errno = EBADF;
      return -1;
    }

  return 0;
}

/* Returns 1 for a pidfd, 0 for another kind of fd, -1 with errno. */
int
gpidfd_sys_is_pidfd (int fd)
{
  struct statfs sfs;
  char path[64];
  char target[64];
  ssize_t n;

  if (fcntl (fd, F_GETFD) < 0)
    return -1;

  if (fstatfs (fd, &sfs) == 0 && sfs.f_type == PID_FS_MAGIC)
    return 1;

  /* Before pidfs (Linux 6.9) a pidfd is an anonymous inode. */
  g_snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  n = readlink (path, target, sizeof target - 1);
  if (n < 0)
    return -1;
  target[n] = '\0';

  return strcmp (target, "anon_inode:[pidfd]") == 0;
}

int
gpidfd_sys_dup_cloexec (int fd)
{
  return fcntl (fd, F_DUPFD_CLOEXEC, 3);
}

int
gpidfd_sys_is_thread_pidfd (int fd)
{
  int fl = fcntl (fd, F_GETFL);

  if (fl < 0)
    return -1;

  return (fl & PIDFD_THREAD) != 0;
}

guint64
gpidfd_sys_pidfd_inode (int fd)
{
  struct statfs sfs;
  struct stat st;

  if (fstatfs (fd, &sfs) != 0 || sfs.f_type != PID_FS_MAGIC)
    return 0;
  if (fstat (fd, &st) != 0)
    return 0;

  return (guint64) st.st_ino;
}

int
gpidfd_sys_peer_pidfd (int sockfd)
{
  int pidfd = -1;
  socklen_t len = sizeof pidfd;

  if (getsockopt (sockfd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) < 0)
    return -1;

  /* Older kernels do not set close-on-exec on it. */
  if (fcntl (pidfd, F_SETFD, FD_CLOEXEC) < 0)
    {
      int errsv = errno;

      close (pidfd);
      errno = errsv;
      return -1;
    }

  return pidfd;
}

int
gpidfd_sys_peer_pid (int    sockfd,
                     pid_t *pid)
{
  struct ucred cred;
  socklen_t len = sizeof cred;

  if (getsockopt (sockfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
    return -1;

  *pid = cred.pid;
  return 0;
}

int
gpidfd_sys_socket_connected (int sockfd)
{
  struct sockaddr_storage addr;
  socklen_t len = sizeof addr;

  if (getpeername (sockfd, (struct sockaddr *) &addr, &len) == 0)
    return 1;

  return errno == ENOTCONN ? 0 : -1;
}

/* getpid() the last time /proc was checked, and the answer. */
static gint proc_checked_for;
static gint proc_ours;

gboolean
gpidfd_sys_proc_is_ours (void)
{
  pid_t self = getpid ();
  char target[32];
  gint64 pid;
  ssize_t n;

  /* getpid() changes in a child made with a new pid namespace. */
  if (g_atomic_int_get (&proc_checked_for) == self)
    return g_atomic_int_get (&proc_ours);

  n = readlink ("/proc/self", target, sizeof target - 1);
  if (n > 0)
    {
      target[n] = '\0';
      pid = g_ascii_strtoll (target, NULL, 10);
    }
  else
    pid = -1;

  g_atomic_int_set (&proc_ours, pid == self);
  g_atomic_int_set (&proc_checked_for, self);

  return pid == self;
}

gssize
gpidfd_sys_read_proc (pid_t       pid,
                      const char *name,
                      char       *buf,
                      gsize       size)
{
  char path[64];
  gssize len;

  if (!gpidfd_sys_proc_is_ours ())
    {
      errno = EREMOTE;
      return -1;
    }

  g_snprintf (path, sizeof path, "/proc/%d/%s", (int) pid, name);
  len = read_proc_file (path, buf, size - 1);
  if (len >= 0)
    buf[len] = '\0';

  return len;
}

gboolean
gpidfd_sys_may_adopt (void)
{
  int subreaper = 0;

  if (getpid () == 1)
    return TRUE;

  return prctl (PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0) == 0 && subreaper != 0;
}

/* Spawning: clone3() and clone() with CLONE_VM. */

#ifndef __NR_clone3
# define __NR_clone3 435
#endif

/* struct clone_args as of Linux 5.3 (CLONE_ARGS_SIZE_VER0): nothing
 * later (set_tid, cgroup) is needed, and every clone3 kernel knows it. */
typedef struct
{
  guint64 flags;
  guint64 pidfd;
  guint64 child_tid;
  guint64 parent_tid;
  guint64 exit_signal;
  guint64 stack;
  guint64 stack_size;
  guint64 tls;
} GPidFdCloneArgs;

G_STATIC_ASSERT (sizeof (GPidFdCloneArgs) == 64);

static gint clone3_vm_refused;
static gint clone_vm_refused;

gboolean
gpidfd_sys_clone_refused (int errsv)
{
  return errsv == ENOSYS || errsv == EPERM || errsv == EACCES;
}

/* Remembers a refusal of the call behind @state; returns -1 with errno
 * @errsv either way. */
static pid_t
clone_failed (gint *state,
              int   errsv)
{
  if (gpidfd_sys_clone_refused (errsv))
    g_atomic_int_set (state, errsv);
  errno = errsv;
  return -1;
}

gboolean
gpidfd_sys_clone3_vm_refused (void)
{
  return g_atomic_int_get (&clone3_vm_refused) != 0;
}

gboolean
gpidfd_sys_clone_vm_refused (void)
{
  return g_atomic_int_get (&clone_vm_refused) != 0;
}

void
gpidfd_sys_clone_vm_unshared (void)
{
  g_atomic_int_set (&clone3_vm_refused, ENOSYS);
  g_atomic_int_set (&clone_vm_refused, ENOSYS);
}

#if defined(__x86_64__)
/* The child of clone3() starts on its new stack right after the syscall
 * instruction: no C function may return there, so the call and the exit
 * are made in the same piece of assembly, as glibc's own clone3 does. */
static long
raw_clone3 (GPidFdCloneArgs *args,
            GPidFdChildFunc  fn,
            void            *arg)
{
  register long rax __asm__ ("rax") = __NR_clone3;
  register GPidFdCloneArgs *rdi __asm__ ("rdi") = args;
  register long rsi __asm__ ("rsi") = sizeof *args;
  register GPidFdChildFunc rdx __asm__ ("rdx") = fn;
  register void *r8 __asm__ ("r8") = arg;

  __asm__ __volatile__ (
    "syscall\n\t"
    "testq %%rax, %%rax\n\t"
    "jnz 1f\n\t"
    /* The child: no caller frame, fn (arg), then exit (its result). */
    "xorl %%ebp, %%ebp\n\t"
    "movq %%r8, %%rdi\n\t"
    "callq *%%rdx\n\t"
    "movl %%eax, %%edi\n\t"
    "movl $60, %%eax\n\t"
    "syscall\n\t"
    "hlt\n\t"
    "1:\n\t"
    : "+r" (rax)
    : "r" (rdi), "r" (rsi), "r" (rdx), "r" (r8)
    : "rcx", "r11", "cc", "memory");

  return rax;
}
#endif

#if defined(__x86_64__)
/* The same for clone(): on x86-64 its arguments are flags, stack,
 * parent_tid (where CLONE_PIDFD puts the pidfd), child_tid and tls. Not
 * glibc's clone(), which sanitizers intercept as if it were fork(). */
static long
raw_clone (unsigned long    flags,
           void            *stack_top,
           int             *pidfd,
           GPidFdChildFunc  fn,
           void            *arg)
{
  register long rax __asm__ ("rax") = __NR_clone;
  register unsigned long rdi __asm__ ("rdi") = flags;
  register void *rsi __asm__ ("rsi") = stack_top;
  register int *rdx __asm__ ("rdx") = pidfd;
  register long r10 __asm__ ("r10") = 0;
  register long r8 __asm__ ("r8") = 0;
  register GPidFdChildFunc r9 __asm__ ("r9") = fn;
  register void *r12 __asm__ ("r12") = arg;

  __asm__ __volatile__ (
    "syscall\n\t"
    "testq %%rax, %%rax\n\t"
    "jnz 1f\n\t"
    "xorl %%ebp, %%ebp\n\t"
    "movq %%r12, %%rdi\n\t"
    "callq *%%r9\n\t"
    "movl %%eax, %%edi\n\t"
    "movl $60, %%eax\n\t"
    "syscall\n\t"
    "hlt\n\t"
    "1:\n\t"
    : "+r" (rax)
    : "r" (rdi), "r" (rsi), "r" (rdx), "r" (r10), "r" (r8), "r" (r9), "r" (r12)
    : "rcx", "r11", "cc", "memory");

  return rax;
}
#endif

pid_t
gpidfd_sys_clone3_vm (GPidFdChildFunc  fn,
                      void            *arg,
                      void            *stack,
                      gsize            stack_size,
                      int              exit_signal,
                      int             *pidfd)
{
  int refused = g_atomic_int_get (&clone3_vm_refused);

  if (refused != 0)
    {
      errno = refused;
      return -1;
    }

#if defined(__x86_64__)
  {
    GPidFdCloneArgs args = {
      .flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD,
      .pidfd = (guint64) (guintptr) pidfd,
      .exit_signal = (guint64) exit_signal,
      .stack = (guint64) (guintptr) stack,
      .stack_size = stack_size,
    };
    long r = raw_clone3 (&args, fn, arg);

    if (r < 0)
      return clone_failed (&clone3_vm_refused, (int) -r);
    return (pid_t) r;
  }
#else
  return clone_failed (&clone3_vm_refused, ENOSYS);
#endif
}

pid_t
gpidfd_sys_clone_vm (GPidFdChildFunc  fn,
                     void            *arg,
                     void            *stack,
                     gsize            stack_size,
                     int              exit_signal,
                     int             *pidfd)
{
  int refused = g_atomic_int_get (&clone_vm_refused);
  pid_t pid;

  if (refused != 0)
    {
      errno = refused;
      return -1;
    }

#if defined(__x86_64__)
  {
    long r = raw_clone (CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (exit_signal & 0xff),
                        (char *) stack + stack_size, pidfd, fn, arg);

    if (r < 0)
      return clone_failed (&clone_vm_refused, (int) -r);
    pid = (pid_t) r;
  }
#else
  /* glibc's clone() switches to the stack and exits with fn's result;
   * the stack grows down from its top on every architecture it runs on
   * but hppa, which has no pidfds. */
  pid = clone (fn, (char *) stack + stack_size,
               CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (exit_signal & 0xff), arg, pidfd);
  if (pid < 0)
    return clone_failed (&clone_vm_refused, errno);
#endif

  return pid;
}

pid_t
gpidfd_sys_fork (void)
{
#if defined(__s390__) || defined(__CRIS__)
  return (pid_t) syscall (SYS_clone, 0, SIGCHLD);
#else
  return (pid_t) syscall (SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
#endif
}
