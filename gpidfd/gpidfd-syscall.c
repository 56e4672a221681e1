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
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"

#ifndef __NR_pidfd_send_signal
# define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_pidfd_open
# define __NR_pidfd_open 434
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
gpidfd_sys_pidfd_send_signal (int pidfd,
                              int signum)
{
  return (int) syscall (__NR_pidfd_send_signal, pidfd, signum, NULL, 0);
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

int
gpidfd_sys_get_info (int               pidfd,
                     guint64           mask,
                     GPidFdKernelInfo *info)
{
  int r;

  memset (info, 0, sizeof *info);

  if (g_atomic_int_get (&have_get_info) == FEATURE_ABSENT)
    {
      errno = ENOTTY;
      return -1;
    }

  info->mask = mask;
  r = ioctl (pidfd, GPIDFD_GET_INFO, info);

  if (r < 0 && (errno == ENOTTY || errno == ENOSYS))
    {
      /* Only ever called on verified pidfds: the kernel lacks the ioctl. */
      feature_set (&have_get_info, FALSE);
      errno = ENOTTY;
      return -1;
    }
  if (g_atomic_int_get (&have_get_info) == FEATURE_UNKNOWN)
    feature_set (&have_get_info, TRUE);
  if (r == 0 && (info->mask & GPIDFD_INFO_EXIT) != 0)
    feature_set (&have_exit_info, TRUE);

  return r;
}

gboolean
gpidfd_sys_has_get_info (void)
{
  return g_atomic_int_get (&have_get_info) != FEATURE_ABSENT;
}

static gboolean
kernel_release_at_least (guint want_major,
                         guint want_minor)
{
  struct utsname u;
  guint major = 0, minor = 0;

  if (uname (&u) != 0 || sscanf (u.release, "%u.%u", &major, &minor) != 2)
    return FALSE;

  return major > want_major || (major == want_major && minor >= want_minor);
}

/*
 * gpidfd_sys_has_exit_info:
 *
 * Whether PIDFD_GET_INFO reports PIDFD_INFO_EXIT for reaped processes
 * (Linux 6.15). A live process never shows the bit, so there is no cheap
 * probe that does not need a dead process: the first reply that carries it
 * settles the question, and until then the kernel release decides.
 */
gboolean
gpidfd_sys_has_exit_info (void)
{
  gint state = g_atomic_int_get (&have_exit_info);

  if (state == FEATURE_UNKNOWN)
    {
      if (!gpidfd_sys_has_get_info ())
        return FALSE;
      return kernel_release_at_least (6, 15);
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
          if (q < line_end && *q == '-')
            {
              negative = TRUE;
              q++;
            }
          while (q < line_end && *q >= '0' && *q <= '9')
            {
              v = v * 10 + (*q - '0');
              if (v > G_MAXINT32)
                return FALSE;
              digits = TRUE;
              q++;
            }
          while (q < line_end && (*q == ' ' || *q == '\t'))
            q++;
          if (!digits || q != line_end)
            return FALSE;

          *value = negative ? -v : v;
          return TRUE;
        }

      if (eol == NULL)
        break;
      p = eol + 1;
    }

  return FALSE;
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
