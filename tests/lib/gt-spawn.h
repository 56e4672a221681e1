/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-spawn.h: real processes for the tests: children, grandchildren
 * through a middle process, threaded children, and what /proc and
 * waitid() say of them */

#pragma once

#include <sys/types.h>
#include <glib.h>

G_BEGIN_DECLS

/* ---- Children --------------------------------------------------------- */

/* Forks a child that exits with @code after @delay_ms (@delay_us). */
pid_t    gt_spawn_exit           (int          code,
                                  guint        delay_ms);
pid_t    gt_spawn_exit_us        (int          code,
                                  guint        delay_us);
/* Forks a child that waits in pause() until a signal ends it; it dies
 * with the thread that forked it, so that a failed test leaves nothing
 * behind. */
pid_t    gt_spawn_pause          (void);
/* Forks a child that burns @ms of CPU, then exits 0. */
pid_t    gt_spawn_burn           (guint        ms);
/* Forks a child that dumps core from SIGABRT in @dir (with RLIMIT_CORE
 * raised); the caller checks the record for CLD_DUMPED. */
pid_t    gt_spawn_abort          (const char  *dir);
/* Forks a child that blocks until @gate_rd reads a byte or EOF, then
 * exits with @code, or kills itself with @signum if it is not 0. The
 * child closes every other descriptor, @gate_wr included, and outlives
 * its parent (a middle process may hand it on). Many children may share
 * one gate: closing its last write end lets them all go at once. */
pid_t    gt_spawn_gated          (int          gate_rd,
                                  int          gate_wr,
                                  int          code,
                                  int          signum);
/* The same, with a gate of its own: *@gate_wr, written to or closed,
 * lets it exit @code. */
pid_t    gt_spawn_gated_alone    (int         *gate_wr,
                                  int          code);

/* ---- A process and its parent: the middle process --------------------- */

/* Who the process's parent is, and what that parent does. */
typedef enum
{
  /* No middle process: the process is our own child. */
  GT_MIDDLE_NONE,
  /* Our child, the middle process, reaps it @reap_delay_ms after it
   * exited (at once when 0), waits @linger_ms, then exits 0. */
  GT_MIDDLE_REAPS,
  /* The middle process reaps it once gt_family_release() is called (it
   * may be a zombie until then), then exits 0. */
  GT_MIDDLE_REAPS_ON_RELEASE,
  /* The middle process never reaps it: it exits 0 on
   * gt_family_release(), and the process, alive or a zombie, goes to
   * whoever inherits it (a subreaper, the pid 1 of its namespace). */
  GT_MIDDLE_NEVER_REAPS,
} GtMiddle;

/* What the process does. */
typedef enum
{
  /* Exits @code after @delay_ms. */
  GT_DOES_EXIT,
  /* Exits @code once gt_family_let_exit() (a byte or EOF on its gate). */
  GT_DOES_EXIT_GATED,
  /* Waits until a signal ends it; it dies with its parent. */
  GT_DOES_PAUSE,
  /* Runs @body (@body_data) and exits with what it returns. */
  GT_DOES_RUN,
} GtDoes;

typedef struct
{
  GtDoes does;
  int code;
  guint delay_ms;
  /* GT_DOES_EXIT_GATED, as root: the real, effective and saved uid and
   * gid it takes just before it exits (0: it keeps its own). */
  guint uid;
  int (*body) (gpointer data);
  gpointer body_data;

  GtMiddle middle;
  guint reap_delay_ms;
  guint linger_ms;
  /* The middle process makes a new pid namespace first: the process is
   * its pid 1. */
  gboolean new_pidns;
} GtFamilySpec;

typedef struct
{
  pid_t middle;      /* our child; 0 with GT_MIDDLE_NONE */
  pid_t pid;         /* the process, as this pid namespace sees it */
  int gate_wr;       /* GT_DOES_EXIT_GATED; -1 once let go */
  int release_wr;    /* GT_MIDDLE_*_ON_RELEASE, NEVER_REAPS; -1 once let go */
} GtFamily;

/* Starts the process @spec describes, through a middle process or not,
 * and returns once its pid is known. FALSE (with @family->middle reaped)
 * only with @new_pidns, when no pid namespace can be made here. The
 * middle process dies with the thread that started it, and holds no
 * descriptor of the caller's; with GT_DOES_RUN the process has them all,
 * to use and close; otherwise it holds none but its gate. */
gboolean gt_family_spawn         (GtFamily           *family,
                                  const GtFamilySpec *spec);
/* Lets a gated process exit: a byte through its gate, which is closed.
 * Does nothing if it was already let go. */
void     gt_family_let_exit      (GtFamily           *family);
/* Lets the middle process reap (GT_MIDDLE_REAPS_ON_RELEASE) or exit
 * (GT_MIDDLE_NEVER_REAPS). Does nothing if already done. */
void     gt_family_release       (GtFamily           *family);
/* Releases the middle process (if it waits for that), reaps it and
 * asserts that it exited 0. The gate is left as it is. */
void     gt_family_end           (GtFamily           *family);

/* ---- A child with threads --------------------------------------------- */

#define GT_MAX_THREADS 3

/* A process whose main thread and @n_threads more threads each block on
 * their own control pipe: a byte written to ctl[0] makes the process
 * exit with that byte as its status, a byte to ctl[i + 1] ends thread i
 * alone. A SIGUSR1 handler in every thread writes gettid() to the pipe
 * read by report_rd; threads listed in @blocked_mask (bit 0: the main
 * thread, bit i + 1: thread i) block SIGUSR1. */
typedef struct
{
  pid_t pid;
  pid_t tids[GT_MAX_THREADS];
  guint n_threads;
  int ctl[GT_MAX_THREADS + 1];
  int report_rd;
  GtFamily family;
} GtThreaded;

/* Starts it as our child (@middle GT_MIDDLE_NONE), or as the child of a
 * middle process that reaps it (GT_MIDDLE_REAPS). */
void     gt_spawn_threaded       (GtThreaded  *t,
                                  guint        n_threads,
                                  guint        blocked_mask,
                                  GtMiddle     middle);
/* Ends thread @i of @t and nothing else. */
void     gt_threaded_end_thread  (GtThreaded  *t,
                                  guint        i);
/* Makes the process exit with @code, then closes every pipe; does
 * nothing the second time. */
void     gt_threaded_exit        (GtThreaded  *t,
                                  guchar       code);
/* Closes every pipe, for a process that has ended otherwise. */
void     gt_threaded_close       (GtThreaded  *t);
/* The tid the SIGUSR1 handler ran in, next. */
pid_t    gt_threaded_next_report (GtThreaded  *t);

/* ---- Ends and states -------------------------------------------------- */

/* Reaps @pid with waitpid, returning the wait status. */
int      gt_reap                 (pid_t        pid);
/* Reaps @pid and asserts that it exited with @code. */
void     gt_reap_exited          (pid_t        pid,
                                  int          code);
/* Whether @pid is a child of ours that has ended and not been reaped. */
gboolean gt_is_unreaped_zombie   (pid_t        pid);
/* Whether @pid is gone: no longer an unreaped child of ours. */
gboolean gt_reaped               (pid_t        pid);
/* Waits until @pid has been reaped, by whoever: fails after @timeout_s. */
void     gt_wait_reaped          (pid_t        pid,
                                  guint        timeout_s);
/* Whether this process has any child left, reaped or not. */
gboolean gt_has_children         (void);
/* Waits until @pid has exited (its pidfd turns readable); fails the test
 * after @timeout_s. Works in any pid namespace, whatever /proc is. */
void     gt_wait_exited          (pid_t        pid,
                                  guint        timeout_s);
/* The state letter of /proc/PID/stat, or 0 when it cannot be read. */
char     gt_proc_state           (pid_t        pid);
/* Waits until /proc/PID/stat shows one of @states, failing after 10 s. */
void     gt_wait_proc_state      (pid_t        pid,
                                  const char  *states);
/* Whether thread @tid of process @pid still exists. */
gboolean gt_thread_alive         (pid_t        pid,
                                  pid_t        tid);

G_END_DECLS
