/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* robust-common.h: shared helpers of the stress, fault and hostile-input
 * suites */

#pragma once

#include <sys/types.h>
#include <glib.h>

#include "test-utils.h"

G_BEGIN_DECLS

/* Whether heap numbers are meaningless here (valgrind, ASan). */
gboolean rb_heap_is_instrumented (void);
/* Resident set size of this process, in KiB. */
guint64  rb_rss_kib             (void);
/* Forks a child that blocks until @gate_rd reads EOF (every write end
 * closed), then exits with @code, or kills itself with @signum if it is
 * not 0. The child closes every other descriptor, @gate_wr included. */
pid_t    rb_spawn_gated         (int          gate_rd,
                                 int          gate_wr,
                                 int          code,
                                 int          signum);
/* Forks a child that exits with @code after @delay_us microseconds. */
pid_t    rb_spawn_exit_us       (int          code,
                                 guint        delay_us);
/* Like gpt_spawn_pause(), but the child dies with the thread that forked
 * it, so that a failed test leaves nothing behind. */
pid_t    rb_spawn_pause         (void);
/* Lowers RLIMIT_NOFILE's soft limit to just above the highest open
 * descriptor, then fills every free slot below it, leaving @n_free free.
 * Returns the filler descriptors; rb_fds_release() closes them and
 * restores the limit. */
GArray  *rb_fds_exhaust         (guint        n_free);
void     rb_fds_release         (GArray      *fillers);
/* Whether @pid is a child of ours that has ended and not been reaped. */
gboolean rb_is_unreaped_zombie  (pid_t        pid);
/* Whether this process has any child left, reaped or not. */
gboolean rb_has_children        (void);
/* Iterates @context until *@count (read atomically) reaches @target,
 * failing the test after @timeout_s. */
void     rb_run_until_count     (GMainContext *context,
                                 const guint  *count,
                                 guint         target,
                                 guint         timeout_s);
/* Makes GLib create its process-wide descriptors (the default main
 * context, GTask's thread pool) before a test counts descriptors. */
void     rb_warm_up             (void);
/* A thread that aborts the test, naming @what, when rb_watchdog_pet() has
 * not been called for @seconds: a deadlock fails instead of hanging. */
void     rb_watchdog_start      (const char   *what,
                                 guint         seconds);
void     rb_watchdog_pet        (void);
void     rb_watchdog_stop       (void);
/* Number of threads of this process. */
guint    rb_count_threads       (void);
void     rb_store_wait_result   (GObject        *object,
                                 GAsyncResult   *result,
                                 gpointer        user_data);
gboolean rb_store_source_info   (GPidFd         *pidfd,
                                 GPidFdExitInfo *info,
                                 gpointer        user_data);

/* A test body; @data is its table row, or NULL. */
typedef GptTestFunc RbTestFunc;

typedef enum
{
  RB_FORK_PLAIN           = 0,
  /* The body runs as pid 1 of a new pid namespace... */
  RB_FORK_NEW_PIDNS       = 1 << 0,
  /* ...that has its own /proc (a new mount namespace too). */
  RB_FORK_MOUNT_PROC      = 1 << 1,
  /* The body counts its descriptors itself (when it can: a body that
   * has lost a completion keeps the descriptors of the wait). */
  RB_FORK_BODY_COUNTS_FDS = 1 << 2,
} RbForkFlags;

/* Runs @func (@data) in a forked child (no exec), so that what it changes
 * in its process (subreaper, seccomp filter, personality, pid namespace)
 * stays there. The child counts its descriptors around @func, is bounded
 * by @timeout_s and dies with this process. Returns when the child has
 * ended; its failure (an assertion, a signal, a descriptor left open, the
 * time running out) fails the test, naming @what; a child that exits 77
 * marks the test skipped. */
void     rb_fork_run            (const char    *what,
                                 RbForkFlags    flags,
                                 guint          timeout_s,
                                 RbTestFunc     func,
                                 gconstpointer  data);
/* Whether the tests run under the 'valgrind' setup (GPIDFD_UNDER_VALGRIND
 * set); for a forked child, where gpt_skip_under_valgrind() cannot mark
 * the test skipped, to leave out what valgrind cannot do. */
gboolean rb_under_valgrind      (void);
/* In the body of rb_fork_run(): gives up, marking the test skipped. */
void     rb_fork_skip           (const char    *reason) G_GNUC_NORETURN;
/* NULL when a forked child of this process can make a new pid namespace
 * (and, with @flags RB_FORK_MOUNT_PROC, mount its /proc); else why not. */
char    *rb_pidns_unavailable   (RbForkFlags    flags);
/* Waits until @pid has exited (its pidfd turns readable); fails the test
 * after @timeout_s. Works in any pid namespace, whatever /proc is. */
void     rb_wait_exited         (pid_t          pid,
                                 guint          timeout_s);
/* Whether the kernel gives a reaped process's wait status to any pidfd
 * holder (PIDFD_INFO_EXIT, Linux 6.15), asked with raw calls that leave
 * gpidfd's own probes alone. */
gboolean rb_kernel_has_exit_info (void);
/* Marks the test failed and says why on stderr at once: works in a forked
 * child too, whose own end-of-test report nobody sees. */
void     rb_fail_printf         (const char    *format,
                                 ...) G_GNUC_PRINTF (1, 2);
/* Asserts that @error is @code and that its message holds @what and,
 * when @pid is not 0, the pid. */
void     rb_assert_error        (const GError  *error,
                                 GQuark         domain,
                                 gint           code,
                                 const char    *what,
                                 pid_t          pid);

G_END_DECLS
