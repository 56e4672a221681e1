/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-utils.h: real processes for the test suites */

#pragma once

#include <sys/types.h>
#include <glib.h>

#include "gpidfd.h"

G_BEGIN_DECLS

/* Forks a child that exits with @code after @delay_ms. */
pid_t    gpt_spawn_exit        (int       code,
                                guint     delay_ms);
/* Forks a child that waits in pause() until a signal ends it. */
pid_t    gpt_spawn_pause       (void);
/* Forks a child that burns @ms of CPU, then exits 0. */
pid_t    gpt_spawn_burn        (guint     ms);
/* Forks a child that dumps core from SIGABRT in @dir (with RLIMIT_CORE
 * raised); the caller checks the record for CLD_DUMPED. */
pid_t    gpt_spawn_abort       (const char *dir);
/* Forks a middle child that forks a grandchild exiting with @code after
 * @delay_ms; the middle child reaps it some 300 ms after it exited (so
 * that it is a zombie for a while), waits @linger_ms, then exits 0.
 * Returns the grandchild's pid; *middle gets the middle child's pid. */
pid_t    gpt_spawn_grandchild  (int       code,
                                guint     delay_ms,
                                guint     linger_ms,
                                pid_t    *middle);
/* Reaps @pid with waitpid, returning the wait status. */
int      gpt_reap              (pid_t     pid);

/* Entries of a directory, less "." and "..". */
guint    gpt_count_dir_entries (const char *path);
/* Open file descriptors of this process. */
guint    gpt_count_fds         (void);
/* Raises RLIMIT_NOFILE's soft limit to the hard one; returns it. */
guint    gpt_raise_nofile      (void);

/* Under the 'valgrind' test setup (GPIDFD_UNDER_VALGRIND set), marks the
 * test skipped with @reason (what valgrind cannot do) and returns TRUE. */
gboolean gpt_skip_under_valgrind (const char *reason);

/* Runs @loop until @done is TRUE, failing the test after @timeout_s. */
void     gpt_run_until         (GMainContext *context,
                                gboolean     *done,
                                guint         timeout_s);
/* The same, until the pointer at @slot is no longer NULL: for a result
 * a callback stores. Reading a pointer through a gboolean would look at
 * half of it (on x86-64 the low 32 bits, which may all be zero). */
void     gpt_run_until_set_impl (GMainContext *context,
                                 gpointer     *slot,
                                 guint         timeout_s);
#define gpt_run_until_set(context, slot, timeout_s) \
  (G_STATIC_ASSERT_EXPR (sizeof *(slot) == sizeof (gpointer)), \
   gpt_run_until_set_impl ((context), (gpointer *) (slot), (timeout_s)))

/* @full scaled by GPIDFD_TEST_SCALE (a percentage, default 100; 5 when
 * running under valgrind and the variable is unset), never below @min. */
guint    gpt_scale             (guint          full,
                                guint          min);

/* Asserts that @info is the record of @pid, which exited with @code, or
 * was killed by @signum. */
void     gpt_assert_exited     (GPidFdExitInfo *info,
                                pid_t           pid,
                                int             code);
void     gpt_assert_signaled   (GPidFdExitInfo *info,
                                pid_t           pid,
                                int             signum);

/* A test body; @data is its table row, or NULL. */
typedef void (*GptTestFunc)    (gconstpointer  data);
/* Adds test @path running @func (@data) between two counts of this
 * process's descriptors: a test that leaves one open fails. Every suite
 * adds its tests through this. */
void     gpt_add_checked       (const char    *path,
                                gconstpointer  data,
                                GptTestFunc    func);

G_END_DECLS
