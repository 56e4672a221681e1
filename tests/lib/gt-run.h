/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-run.h: starting a suite, adding its tests, running main loops,
 * checks and failures */

#pragma once

#include <sys/types.h>
#include <glib.h>

#include "gpidfd.h"

G_BEGIN_DECLS

/* ---- Starting a suite ------------------------------------------------- */

typedef enum
{
  GT_INIT_DEFAULT    = 0,
  /* Each failing test reports its failure, rather than the first one
   * ending the run (as --keep-going; assertions still abort at once). */
  GT_INIT_KEEP_GOING = 1 << 0,
  /* The suite uses GSubprocess and GDBus: their worker threads (and the
   * descriptors of their main contexts) are started before any test
   * counts descriptors, and a test's count is given 5 s to come back, as
   * a closed GDBusConnection lets go of its socket in GDBus's worker a
   * little later. */
  GT_INIT_GIO        = 1 << 1,
} GtInitFlags;

/* g_test_init(), then the warm-up: GLib creates its process-wide
 * descriptors and threads (the default main context, GTask's worker,
 * the types) before any test counts descriptors, and those threads have
 * gone to sleep before any test forks. Nothing of it asks the kernel
 * what it can do, so that a test may still install a seccomp filter, or
 * set a personality, before its first gpidfd call. */
void     gt_init                 (int          *argc,
                                  char       ***argv,
                                  GtInitFlags   flags);

/* ---- Adding tests ----------------------------------------------------- */

/* A test body without data, and one with its table row. */
typedef void (*GtFunc)           (void);
typedef void (*GtDataFunc)       (gconstpointer data);

/* Adds test @path running @func between two counts of this process's
 * descriptors: a test that leaves one open fails, naming what is open.
 * Every suite adds its tests through these. */
void     gt_add                  (const char    *path,
                                  GtFunc         func);
void     gt_add_data             (const char    *path,
                                  gconstpointer  data,
                                  GtDataFunc     func);

/* ---- Main loops ------------------------------------------------------- */

/* What gt_run_until() waits for: TRUE when done. */
typedef gboolean (*GtDoneFunc)   (gconstpointer data);

/* Iterates @context until @done (@data) returns TRUE, failing the test
 * after @timeout_s. The conveniences below wait for a gboolean, a
 * pointer or a count through it. */
void     gt_run_until            (GMainContext  *context,
                                  guint          timeout_s,
                                  GtDoneFunc     done,
                                  gconstpointer  data);
/* ...until *@flag is TRUE. */
void     gt_run_until_true       (GMainContext   *context,
                                  const gboolean *flag,
                                  guint           timeout_s);
/* ...until *@count (read atomically) reaches @target. */
void     gt_run_until_count      (GMainContext  *context,
                                  const guint   *count,
                                  guint          target,
                                  guint          timeout_s);
/* ...until the pointer at @slot is no longer NULL: for a result a
 * callback stores. Reading a pointer through a gboolean would look at
 * half of it (on x86-64 the low 32 bits, which may all be zero). */
void     gt_run_until_set_impl   (GMainContext  *context,
                                  gpointer      *slot,
                                  guint          timeout_s);
#define gt_run_until_set(context, slot, timeout_s) \
  (G_STATIC_ASSERT_EXPR (sizeof *(slot) == sizeof (gpointer)), \
   gt_run_until_set_impl ((context), (gpointer *) (slot), (timeout_s)))

/* A GSourceFunc that cancels the GCancellable it is given, once. */
gboolean gt_cancel_cb            (gpointer       cancellable);
/* Cancels @cancellable from a thread of its own after @delay_ms (it
 * holds a reference meanwhile); the caller joins or unrefs the thread. */
GThread *gt_cancel_in_thread     (GCancellable  *cancellable,
                                  guint          delay_ms);

/* A thread that aborts the test, naming @what, when gt_watchdog_pet()
 * has not been called for @seconds: a deadlock fails instead of
 * hanging. One at a time. */
void     gt_watchdog_start       (const char    *what,
                                  guint          seconds);
void     gt_watchdog_pet         (void);
void     gt_watchdog_stop        (void);

/* ---- Bodies in other processes ---------------------------------------- */

/* Runs the test again in a subprocess (g_test_trap_subprocess(), a new
 * process, in which gpidfd has probed nothing yet), its stderr shown,
 * bounded by @timeout_s; its failure fails the test without ending the
 * run. The test tells which side it is on with g_test_subprocess(). */
void     gt_run_in_subprocess    (guint          timeout_s);

typedef enum
{
  GT_FORK_PLAIN           = 0,
  /* The body runs as pid 1 of a new pid namespace... */
  GT_FORK_NEW_PIDNS       = 1 << 0,
  /* ...that has its own /proc (a new mount namespace too). */
  GT_FORK_MOUNT_PROC      = 1 << 1,
  /* The body counts its descriptors itself (when it can: a body that
   * has lost a completion keeps the descriptors of the wait). */
  GT_FORK_BODY_COUNTS_FDS = 1 << 2,
} GtForkFlags;

/* Runs @func (@data) in a forked child (no exec), so that what it changes
 * in its process (subreaper, seccomp filter, personality, pid namespace)
 * stays there. The child counts its descriptors around @func, is bounded
 * by @timeout_s and dies with this process. Returns when the child has
 * ended; its failure (an assertion, a signal, a descriptor left open, the
 * time running out) fails the test, naming @what; a child that exits 77
 * marks the test skipped. */
void     gt_fork_run             (const char    *what,
                                  GtForkFlags    flags,
                                  guint          timeout_s,
                                  GtDataFunc     func,
                                  gconstpointer  data);
/* In the body of gt_fork_run(): gives up, marking the test skipped. */
void     gt_fork_skip            (const char    *reason) G_GNUC_NORETURN;
/* NULL when a forked child of this process can make a new pid namespace
 * (and, with @flags GT_FORK_MOUNT_PROC, mount its /proc); else why not. */
char    *gt_pidns_unavailable    (GtForkFlags    flags);

/* ---- Sizes and instrumentation ---------------------------------------- */

/* @full scaled by GPIDFD_TEST_SCALE (a percentage, default 100; 5 when
 * running under valgrind and the variable is unset), never below @min. */
guint    gt_scale                (guint          full,
                                  guint          min);
/* Whether the tests run under the 'valgrind' setup (GPIDFD_UNDER_VALGRIND
 * set); usable in a forked child, where gt_skip_under_valgrind() cannot
 * mark the test skipped. */
gboolean gt_under_valgrind       (void);
/* Under the 'valgrind' setup, marks the test skipped with @reason (what
 * valgrind cannot do) and returns TRUE. */
gboolean gt_skip_under_valgrind  (const char    *reason);
/* Whether heap numbers are meaningless here (valgrind, ASan). */
gboolean gt_heap_is_instrumented (void);

/* ---- Checks ----------------------------------------------------------- */

/* Asserts that @info is the record of @pid, which exited with @code, or
 * was killed by @signum. */
void     gt_assert_exited        (GPidFdExitInfo *info,
                                  pid_t           pid,
                                  int             code);
void     gt_assert_signaled      (GPidFdExitInfo *info,
                                  pid_t           pid,
                                  int             signum);
/* Asserts that @error's message holds @what (as it is written), or the
 * number @pid. */
void     gt_assert_message_has   (const GError   *error,
                                  const char     *what);
void     gt_assert_message_names_pid (const GError *error,
                                      pid_t         pid);
/* Asserts that @error is @domain/@code, that its message holds @what
 * (in any case) unless it is NULL, and the number @pid unless it is 0. */
void     gt_assert_error         (const GError   *error,
                                  GQuark          domain,
                                  gint            code,
                                  const char     *what,
                                  pid_t           pid);
/* Marks the test failed and says why on stderr at once: works in a
 * forked child too, whose own end-of-test report nobody sees. */
void     gt_fail_printf          (const char     *format,
                                  ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
