/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-collect.h: getting a process's record, each way there is */

#pragma once

#include <glib.h>

#include "gpidfd.h"

G_BEGIN_DECLS

/* The ways of collecting a record. */
typedef enum
{
  GT_HOW_WAIT,         /* g_pidfd_wait() */
  GT_HOW_TRY_WAIT,     /* g_pidfd_try_wait(), again and again */
  GT_HOW_WAIT_ASYNC,   /* g_pidfd_wait_async() in a main context of its own */
  GT_HOW_SOURCE,       /* g_pidfd_create_source() in one */
  GT_N_HOW
} GtHow;

/* "wait", "try-wait", "wait-async", "source": for test paths. */
extern const char * const gt_how_names[GT_N_HOW];

typedef struct
{
  /* What is waited for, for the message of a wait that never ends. */
  const char *what;
  /* The wait fails the test after this long (10 s when 0). */
  guint timeout_s;
  /* Passed to the wait; a source is destroyed when it fires, and the
   * error is then CANCELLED. */
  GCancellable *cancellable;
  /* Runs once in another thread @delay_ms into the wait, when set: what
   * lets the record come (the process exits, its parent reaps it...). */
  void (*meanwhile) (gpointer data);
  gpointer meanwhile_data;
  guint delay_ms;
  /* Out: the record came before @meanwhile had started. */
  gboolean early;
} GtCollect;

/* Collects @pidfd's record @how, with @opts (NULL: none). Returns the
 * record, or NULL with @error set; with @error NULL, an error fails the
 * test. */
GPidFdExitInfo *gt_collect       (GPidFd        *pidfd,
                                  GtHow          how,
                                  GtCollect     *opts,
                                  GError       **error);
/* g_pidfd_wait() that asserts a record and no error. */
GPidFdExitInfo *gt_wait          (GPidFd        *pidfd);

/* Completion callbacks that store the record in a GPidFdExitInfo **,
 * asserting no error. */
void     gt_store_wait_result    (GObject        *object,
                                  GAsyncResult   *result,
                                  gpointer        user_data);
gboolean gt_store_source_info    (GPidFd         *pidfd,
                                  GPidFdExitInfo *info,
                                  gpointer        user_data);
/* A completion callback of g_pidfd_wait_exit_async() that asserts TRUE
 * and sets the gboolean at @user_data. */
void     gt_store_wait_exit      (GObject        *object,
                                  GAsyncResult   *result,
                                  gpointer        user_data);
/* A completion callback that keeps a reference to the GAsyncResult in a
 * GAsyncResult **, to be finished later. */
void     gt_store_async_result   (GObject        *object,
                                  GAsyncResult   *result,
                                  gpointer        user_data);

/* What a g_pidfd_wait_async() came to: each completion counted, the last
 * one's record or error kept. gt_run_until_count() on @calls waits. */
typedef struct
{
  guint calls;
  GPidFdExitInfo *info;
  GError *error;
} GtOutcome;

/* The completion callback that fills the GtOutcome at @user_data. */
void     gt_store_outcome        (GObject        *object,
                                  GAsyncResult   *result,
                                  gpointer        user_data);
void     gt_outcome_clear        (GtOutcome      *outcome);

G_END_DECLS
