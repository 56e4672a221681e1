/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-pidfd-util.c: what a pidfd alone tells */

#include "config.h"

#include <errno.h>
#include <poll.h>

#include "gpidfd-exit-info-private.h"
#include "gpidfd-pidfd-util-private.h"
#include "gpidfd-syscall-private.h"

GPid
gpidfd_pidfd_query_pid (int fd)
{
  GPidFdKernelInfo info;
  gint64 pid;

  if (gpidfd_sys_get_info (fd, GPIDFD_INFO_PID, &info) == 0)
    return (GPid) info.pid;
  switch (errno)
    {
    case EREMOTE:
      /* Outside the caller's pid namespace. */
      return 0;
    case ESRCH:
      /* Reaped, or not visible here: only a reaped process hangs up. */
      return (gpidfd_sys_poll (fd, 0) & POLLHUP) ? -1 : 0;
    default:
      break;
    }
  if (gpidfd_sys_has_get_info ())
    return -2;
  /* The kernel lacks the ioctl (or it is blocked): /proc, if ours. */
  if (gpidfd_sys_fdinfo_pid (fd, &pid) == 0)
    return (GPid) pid;

  return -2;
}

guint
gpidfd_pidfd_query_uid (int  fd,
                        GPid pid)
{
  GPidFdKernelInfo info;
  char buf[4096];
  gssize len;
  gint64 uid;

  if (gpidfd_sys_get_info (fd, GPIDFD_INFO_CREDS, &info) == 0 &&
      (info.mask & GPIDFD_INFO_CREDS))
    return info.ruid;
  if (gpidfd_sys_has_get_info () || pid <= 0)
    return GPIDFD_UID_UNKNOWN;

  len = gpidfd_sys_read_proc (pid, "status", buf, sizeof buf);
  if (len < 0 || !gpidfd_proc_parse_first (buf, len, "Uid:", &uid))
    return GPIDFD_UID_UNKNOWN;
  if (gpidfd_pidfd_query_pid (fd) != pid)
    return GPIDFD_UID_UNKNOWN;

  return (guint) uid;
}

gboolean
gpidfd_pidfd_is_reaped (int  fd,
                        GPid pid,
                        int  revents)
{
  GPid now;

  if (revents > 0 && (revents & POLLHUP))
    return TRUE;

  now = gpidfd_pidfd_query_pid (fd);
  if (now != -2)
    return now == -1;

  return pid > 0 && gpidfd_sys_kill (pid, 0) < 0 && errno == ESRCH;
}

int
gpidfd_pidfd_waitid (int            fd,
                     GPid           pid,
                     siginfo_t     *info,
                     int            options,
                     struct rusage *rusage)
{
  int errsv;

  if (gpidfd_sys_waitid (P_PIDFD, fd, info, options, rusage) == 0)
    return 0;

  errsv = errno;
  if ((errsv == EINVAL && !gpidfd_sys_has_waitid_pidfd ()) ||
      gpidfd_sys_call_blocked (GPIDFD_CALL_WAITID, errsv))
    {
      /* P_PID names the same process as long as the pidfd still shows
       * that pid: a child keeps its pid until it is reaped, and only the
       * caller reaps its children. */
      if (pid <= 0 || gpidfd_pidfd_query_pid (fd) != pid)
        {
          errno = ECHILD;
          return -1;
        }
      return gpidfd_sys_waitid (P_PID, pid, info, options, rusage);
    }

  errno = errsv;
  return -1;
}

gboolean
gpidfd_pidfd_has_exited (int fd)
{
  int revents = gpidfd_sys_poll (fd, 0);

  return revents > 0 && (revents & (POLLIN | POLLHUP)) != 0;
}
