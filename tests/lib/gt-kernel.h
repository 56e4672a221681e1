/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-kernel.h: what the running kernel can do, and older kernels and
 * sandboxes simulated with seccomp
 *
 * Every check here uses raw system calls, which leave gpidfd's own
 * memory of the kernel's answers alone. */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether the kernel gives a reaped process's wait status to any pidfd
 * holder (PIDFD_INFO_EXIT, Linux 6.15). It makes and reaps a child. */
gboolean gt_kernel_has_exit_info   (void);
/* Whether the kernel has pidfs, and with it thread pidfds (PIDFD_THREAD),
 * pidfd signal scopes and process ids in handles: Linux 6.9. */
gboolean gt_kernel_has_pidfs       (void);
/* When the kernel lacks what gt_kernel_has_pidfs() tells, marks the test
 * skipped, naming it, and returns TRUE. */
gboolean gt_skip_without_pidfs     (void);

#ifdef GT_HAVE_SECCOMP

/* Calls a seccomp filter can refuse, each with the errno a kernel that
 * lacks it answers, and the release that brought it. */
typedef enum
{
  GT_CALL_PIDFD_OPEN        = 1 << 0,   /* ENOSYS before 5.3 */
  GT_CALL_PIDFD_SEND_SIGNAL = 1 << 1,   /* ENOSYS before 5.1 */
  GT_CALL_WAITID_PIDFD      = 1 << 2,   /* waitid (P_PIDFD): EINVAL before 5.4 */
  GT_CALL_GET_INFO          = 1 << 3,   /* ioctl (PIDFD_GET_INFO): ENOTTY before 6.13 */
  GT_CALL_PIDFS             = 1 << 4,   /* fstatfs(), which tells pidfs (6.9): ENOSYS */
  GT_CALL_PIDFD_GETFD       = 1 << 5,   /* ENOSYS before 5.6 */
  GT_CALL_SIGNAL_FLAGS      = 1 << 6,   /* pidfd_send_signal() with flags: EINVAL before 6.9 */
  GT_CALL_PEERPIDFD         = 1 << 7,   /* getsockopt (SO_PEERPIDFD): ENOPROTOOPT before 6.5 */
  GT_CALL_PIDFD_THREAD      = 1 << 8,   /* pidfd_open (PIDFD_THREAD): EINVAL before 6.9 */
  GT_CALL_CLONE3            = 1 << 9,   /* ENOSYS before 5.3 */
  /* No kernel lacks these; sandboxes refuse them (give an errno). */
  GT_CALL_CLONE_PIDFD       = 1 << 10,  /* clone() with CLONE_PIDFD */
  GT_CALL_EXECVE            = 1 << 11,
  GT_CALL_CLOSE_RANGE       = 1 << 12,  /* ENOSYS before 5.9 */
  GT_CALL_GETDENTS          = 1 << 13,  /* getdents64(): reading a directory */
} GtCalls;

/* Whole kernels, by what they lack. */
#define GT_LINUX_6_12 (GT_CALL_GET_INFO)
#define GT_LINUX_6_8  (GT_LINUX_6_12 | GT_CALL_SIGNAL_FLAGS | GT_CALL_PIDFD_THREAD | GT_CALL_PIDFS)
#define GT_LINUX_6_4  (GT_LINUX_6_8 | GT_CALL_PEERPIDFD)
#define GT_LINUX_5_5  (GT_LINUX_6_4 | GT_CALL_PIDFD_GETFD)
#define GT_LINUX_5_3  (GT_CALL_WAITID_PIDFD | GT_CALL_GET_INFO | GT_CALL_PIDFS)
#define GT_LINUX_5_0  (GT_LINUX_5_3 | GT_CALL_PIDFD_OPEN | GT_CALL_PIDFD_SEND_SIGNAL)

/* Installs a seccomp filter on the calling thread (and what it starts
 * from then on) under which each call of @calls fails with @errnum, or,
 * when @errnum is 0, with the errno of a kernel that lacks it; then
 * checks that the filter does what it says. gpidfd learns what the
 * kernel can do from its first answers: call this before the first
 * gpidfd call of the process. */
void     gt_seccomp_refuse         (GtCalls       calls,
                                    int           errnum);

/* One row of a table of refusals: a test named @name whose @checks run,
 * in order up to the first NULL, in a subprocess under
 * gt_seccomp_refuse (@calls, @errnum), descriptors counted around them
 * there. Each check gets the row. */
typedef struct _GtRefusedRow GtRefusedRow;
typedef void (*GtRefusedCheck) (const GtRefusedRow *row);

#define GT_MAX_REFUSED_CHECKS 6

struct _GtRefusedRow
{
  const char *name;
  GtCalls calls;
  int errnum;
  const char *summary;
  GtRefusedCheck checks[GT_MAX_REFUSED_CHECKS];
};

typedef enum
{
  GT_REFUSED_DEFAULT             = 0,
  /* The rows skip under the 'valgrind' setup. */
  GT_REFUSED_SKIP_UNDER_VALGRIND = 1 << 0,
} GtRefusedFlags;

/* Adds the @n_rows @rows as tests @prefix/NAME. */
void     gt_add_refused            (const char          *prefix,
                                    const GtRefusedRow  *rows,
                                    guint                n_rows,
                                    GtRefusedFlags       flags);

#endif /* GT_HAVE_SECCOMP */

G_END_DECLS
