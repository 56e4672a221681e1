/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-kernel.c: what the running kernel can do */

#include "config.h"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gt-kernel.h"
#include "gt-spawn.h"

/* The magic number of pidfs in statfs(). */
#define PIDFS_MAGIC 0x50494446

gboolean
gt_kernel_has_exit_info (void)
{
  GPidFdKernelInfo info = { .mask = GPIDFD_INFO_EXIT };
  pid_t pid = gt_spawn_exit (0, 0);
  int fd = (int) syscall (SYS_pidfd_open, pid, 0);
  int r;

  g_assert_cmpint (fd, >=, 0);
  gt_reap (pid);
  r = ioctl (fd, _IOWR (0xFF, 11, GPidFdKernelInfo), &info);
  close (fd);

  return r == 0 && (info.mask & GPIDFD_INFO_EXIT) != 0;
}

gboolean
gt_kernel_has_pidfs (void)
{
  int fd = (int) syscall (SYS_pidfd_open, getpid (), 0);
  struct statfs sfs;
  gboolean pidfs;

  g_assert_cmpint (fd, >=, 0);
  pidfs = fstatfs (fd, &sfs) == 0 && sfs.f_type == PIDFS_MAGIC;
  close (fd);

  return pidfs;
}

gboolean
gt_skip_without_pidfs (void)
{
  if (gt_kernel_has_pidfs ())
    return FALSE;

  g_test_skip ("the kernel has no pidfs, thread pidfds nor pidfd signal scopes "
               "(PIDFD_THREAD, PIDFD_SIGNAL_*: Linux 6.9)");
  return TRUE;
}
