/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-seccomp.c: older kernels and sandboxes, simulated with seccomp
 *
 * One table: each call a filter can refuse, the rule that refuses it,
 * the errno of a kernel that lacks it, and a raw call that shows the
 * filter at work. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gt-fds.h"
#include "gt-kernel.h"
#include "gt-run.h"

#ifndef CLONE_PIDFD
# define CLONE_PIDFD 0x00001000
#endif

/* A raw call of the refused kind on @pidfd (a pidfd of this process, or
 * -1 when none can be had): returns -1 with errno set when refused. */
typedef int (*Probe) (int pidfd);

static int
probe_pidfd_open (int pidfd)
{
  int fd = (int) syscall (SYS_pidfd_open, getpid (), 0);

  if (fd >= 0)
    close (fd);
  return fd < 0 ? -1 : 0;
}

static int
probe_send_signal (int pidfd)
{
  return (int) syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, 0);
}

static int
probe_waitid_pidfd (int pidfd)
{
  siginfo_t si;

  return waitid (P_PIDFD, pidfd, &si, WEXITED | WNOHANG);
}

static int
probe_get_info (int pidfd)
{
  GPidFdKernelInfo info = { .mask = GPIDFD_INFO_PID };

  return ioctl (pidfd, _IOWR (0xFF, 11, GPidFdKernelInfo), &info);
}

static int
probe_pidfs (int pidfd)
{
  struct statfs sfs;

  return fstatfs (pidfd, &sfs);
}

static int
probe_getfd (int pidfd)
{
  int fd = (int) syscall (SYS_pidfd_getfd, pidfd, 0, 0);

  if (fd >= 0)
    close (fd);
  return fd < 0 ? -1 : 0;
}

static int
probe_signal_flags (int pidfd)
{
  return (int) syscall (SYS_pidfd_send_signal, pidfd, 0, NULL, PIDFD_SIGNAL_THREAD_GROUP);
}

static int
probe_peerpidfd (int pidfd)
{
  int pair[2], fd = -1, r, errsv;
  socklen_t len = sizeof fd;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  r = getsockopt (pair[0], SOL_SOCKET, SO_PEERPIDFD, &fd, &len);
  errsv = errno;
  if (r == 0 && fd >= 0)
    close (fd);
  close (pair[0]);
  close (pair[1]);
  errno = errsv;

  return r;
}

static int
probe_pidfd_thread (int pidfd)
{
  int fd = (int) syscall (SYS_pidfd_open, getpid (), PIDFD_THREAD);

  if (fd >= 0)
    close (fd);
  return fd < 0 ? -1 : 0;
}

static int
probe_clone3 (int pidfd)
{
  /* Refused before the arguments are looked at; EFAULT otherwise. */
  return (int) syscall (SYS_clone3, NULL, 0);
}

static int
probe_close_range (int pidfd)
{
  return (int) syscall (SYS_close_range, 1000, 1000, 0);
}

static int
probe_getdents (int pidfd)
{
  /* EBADF when let through. */
  return (int) syscall (SYS_getdents64, -1, NULL, 0);
}

typedef struct
{
  GtCalls call;
  int kernel_errno;
  gboolean needs_pidfd;
  Probe probe;          /* NULL: no harmless raw call shows it */
} Refusal;

static const Refusal refusals[] = {
  { GT_CALL_PIDFD_OPEN, ENOSYS, FALSE, probe_pidfd_open },
  { GT_CALL_PIDFD_SEND_SIGNAL, ENOSYS, TRUE, probe_send_signal },
  { GT_CALL_WAITID_PIDFD, EINVAL, TRUE, probe_waitid_pidfd },
  { GT_CALL_GET_INFO, ENOTTY, TRUE, probe_get_info },
  { GT_CALL_PIDFS, ENOSYS, TRUE, probe_pidfs },
  { GT_CALL_PIDFD_GETFD, ENOSYS, TRUE, probe_getfd },
  { GT_CALL_SIGNAL_FLAGS, EINVAL, TRUE, probe_signal_flags },
  { GT_CALL_PEERPIDFD, ENOPROTOOPT, FALSE, probe_peerpidfd },
  { GT_CALL_PIDFD_THREAD, EINVAL, FALSE, probe_pidfd_thread },
  { GT_CALL_CLONE3, ENOSYS, FALSE, probe_clone3 },
  { GT_CALL_CLONE_PIDFD, EPERM, FALSE, NULL },
  { GT_CALL_EXECVE, EPERM, FALSE, NULL },
  { GT_CALL_CLOSE_RANGE, ENOSYS, FALSE, probe_close_range },
  { GT_CALL_GETDENTS, ENOSYS, FALSE, probe_getdents },
};

/* The rule that refuses @call with @action. */
static void
add_rule (scmp_filter_ctx ctx,
          GtCalls         call,
          guint32         action)
{
  int r;

  switch (call)
    {
    case GT_CALL_PIDFD_OPEN:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (pidfd_open), 0);
      break;
    case GT_CALL_PIDFD_SEND_SIGNAL:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (pidfd_send_signal), 0);
      break;
    case GT_CALL_WAITID_PIDFD:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (waitid), 1, SCMP_A0 (SCMP_CMP_EQ, P_PIDFD));
      break;
    case GT_CALL_GET_INFO:
      /* Type 0xFF, number 11, whatever the size encoded in the request. */
      r = seccomp_rule_add (ctx, action, SCMP_SYS (ioctl), 1,
                            SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xFFFF, 0xFF0B));
      break;
    case GT_CALL_PIDFS:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (fstatfs), 0);
      break;
    case GT_CALL_PIDFD_GETFD:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (pidfd_getfd), 0);
      break;
    case GT_CALL_SIGNAL_FLAGS:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (pidfd_send_signal), 1,
                            SCMP_A3 (SCMP_CMP_NE, 0));
      break;
    case GT_CALL_PEERPIDFD:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (getsockopt), 1,
                            SCMP_A2 (SCMP_CMP_EQ, SO_PEERPIDFD));
      break;
    case GT_CALL_PIDFD_THREAD:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (pidfd_open), 1,
                            SCMP_A1 (SCMP_CMP_MASKED_EQ, PIDFD_THREAD, PIDFD_THREAD));
      break;
    case GT_CALL_CLONE3:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (clone3), 0);
      break;
    case GT_CALL_CLONE_PIDFD:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (clone), 1,
                            SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_PIDFD, CLONE_PIDFD));
      break;
    case GT_CALL_EXECVE:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (execve), 0);
      break;
    case GT_CALL_CLOSE_RANGE:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (close_range), 0);
      break;
    case GT_CALL_GETDENTS:
      r = seccomp_rule_add (ctx, action, SCMP_SYS (getdents64), 0);
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpint (r, ==, 0);
}

static int
errno_for (const Refusal *refusal,
           int            errnum)
{
  return errnum != 0 ? errnum : refusal->kernel_errno;
}

void
gt_seccomp_refuse (GtCalls calls,
                   int     errnum)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_ALLOW);
  int pidfd;

  g_assert_nonnull (ctx);
  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      if (calls & refusals[i].call)
        add_rule (ctx, refusals[i].call, SCMP_ACT_ERRNO (errno_for (&refusals[i], errnum)));
    }
  g_assert_cmpint (seccomp_load (ctx), ==, 0);
  seccomp_release (ctx);

  /* The filter does what it says. */
  pidfd = (calls & GT_CALL_PIDFD_OPEN) ? -1 : (int) syscall (SYS_pidfd_open, getpid (), 0);
  if (!(calls & GT_CALL_PIDFD_OPEN))
    g_assert_cmpint (pidfd, >=, 0);
  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      const Refusal *refusal = &refusals[i];

      if (!(calls & refusal->call) || refusal->probe == NULL ||
          (refusal->needs_pidfd && pidfd < 0))
        continue;
      errno = 0;
      g_assert_cmpint (refusal->probe (pidfd), ==, -1);
      g_assert_cmpint (errno, ==, errno_for (refusal, errnum));
    }
  if (pidfd >= 0)
    close (pidfd);
}

/* ---- Tables of refusals ----------------------------------------------- */

typedef struct
{
  const GtRefusedRow *row;
  GtRefusedFlags flags;
} Refused;

static void
test_refused (gconstpointer data)
{
  const Refused *refused = data;
  const GtRefusedRow *row = refused->row;

  if (g_test_subprocess ())
    {
      guint before = gt_count_fds ();

      gt_seccomp_refuse (row->calls, row->errnum);
      for (guint i = 0; i < G_N_ELEMENTS (row->checks) && row->checks[i] != NULL; i++)
        row->checks[i] (row);
      g_assert_cmpuint (gt_count_fds (), ==, before);
      return;
    }

  g_test_summary (row->summary);
  if ((refused->flags & GT_REFUSED_SKIP_UNDER_VALGRIND) &&
      gt_skip_under_valgrind ("a seccomp filter under valgrind filters valgrind"))
    return;
  gt_run_in_subprocess (120);
}

void
gt_add_refused (const char         *prefix,
                const GtRefusedRow *rows,
                guint               n_rows,
                GtRefusedFlags      flags)
{
  for (guint i = 0; i < n_rows; i++)
    {
      /* Kept for the life of the process, as the tests are. */
      Refused *refused = g_new0 (Refused, 1);
      g_autofree char *path = NULL;

      refused->row = &rows[i];
      refused->flags = flags;
      path = g_strdup_printf ("%s/%s", prefix, refused->row->name);
      gt_add_data (path, refused, test_refused);
    }
}
