/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-collect.c: getting a process's record, each way there is */

#include "config.h"

#include "gt-collect.h"
#include "gt-run.h"

const char * const gt_how_names[GT_N_HOW] = { "wait", "try-wait", "wait-async", "source" };

typedef struct
{
  GtCollect *opts;
  gint started;   /* atomic */
} Meanwhile;

static gpointer
meanwhile_thread (gpointer user_data)
{
  Meanwhile *m = user_data;

  g_usleep (m->opts->delay_ms * 1000);
  g_atomic_int_set (&m->started, 1);
  m->opts->meanwhile (m->opts->meanwhile_data);

  return NULL;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  return G_SOURCE_REMOVE;
}

GPidFdExitInfo *
gt_collect (GPidFd     *pidfd,
            GtHow       how,
            GtCollect  *opts,
            GError    **error)
{
  GtCollect none = { 0, };
  g_autoptr(GError) local_error = NULL;
  GPidFdExitInfo *info = NULL;
  Meanwhile m = { NULL, 0 };
  GThread *thread = NULL;
  const char *what;
  guint timeout_s;

  if (opts == NULL)
    opts = &none;
  timeout_s = opts->timeout_s > 0 ? opts->timeout_s : 10;
  what = opts->what != NULL ? opts->what : "the process";
  m.opts = opts;
  if (opts->meanwhile != NULL)
    thread = g_thread_new ("meanwhile", meanwhile_thread, &m);

  switch (how)
    {
    case GT_HOW_WAIT:
      {
        g_autofree char *name = g_strdup_printf ("g_pidfd_wait() for %s", what);

        gt_watchdog_start (name, timeout_s);
      }
      info = g_pidfd_wait (pidfd, opts->cancellable, &local_error);
      gt_watchdog_stop ();
      break;

    case GT_HOW_TRY_WAIT:
      {
        gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

        while ((info = g_pidfd_try_wait (pidfd, &local_error)) == NULL && local_error == NULL)
          {
            if (g_get_monotonic_time () > deadline)
              g_error ("g_pidfd_try_wait() gave no record for %s within %u s", what,
                       timeout_s);
            g_usleep (2000);
          }
        break;
      }

    case GT_HOW_WAIT_ASYNC:
      {
        GMainContext *context = g_main_context_new ();
        GAsyncResult *result = NULL;

        g_main_context_push_thread_default (context);
        g_pidfd_wait_async (pidfd, opts->cancellable, gt_store_async_result, &result);
        gt_run_until_set (context, &result, timeout_s);
        info = g_pidfd_wait_finish (pidfd, result, &local_error);
        g_object_unref (result);
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        break;
      }

    case GT_HOW_SOURCE:
      {
        GMainContext *context = g_main_context_new ();
        GSource *source = g_pidfd_create_source (pidfd);
        GSource *cancelled = NULL;

        g_main_context_push_thread_default (context);
        g_source_set_callback (source, G_SOURCE_FUNC (gt_store_source_info), &info, NULL);
        g_source_attach (source, context);
        if (opts->cancellable != NULL)
          {
            /* Wakes the context when the cancellable fires. */
            cancelled = g_cancellable_source_new (opts->cancellable);
            g_source_set_callback (cancelled, G_SOURCE_FUNC (on_cancelled), NULL, NULL);
            g_source_attach (cancelled, context);
          }
        {
          gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

          while (info == NULL && !g_cancellable_is_cancelled (opts->cancellable))
            {
              if (g_get_monotonic_time () > deadline)
                g_error ("the source for %s did not fire within %u s", what, timeout_s);
              g_main_context_iteration (context, TRUE);
            }
        }
        g_source_destroy (source);
        g_source_unref (source);
        if (cancelled != NULL)
          {
            g_source_destroy (cancelled);
            g_source_unref (cancelled);
          }
        if (info == NULL)
          g_set_error_literal (&local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The source was destroyed when its cancellable fired");
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        break;
      }

    case GT_N_HOW:
    default:
      g_assert_not_reached ();
    }

  opts->early = thread != NULL && !g_atomic_int_get (&m.started);
  if (thread != NULL)
    g_thread_join (thread);

  g_assert_true ((info == NULL) != (local_error == NULL));
  if (error == NULL)
    g_assert_no_error (local_error);
  else if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return info;
}

GPidFdExitInfo *
gt_wait (GPidFd *pidfd)
{
  g_autoptr(GError) error = NULL;
  GPidFdExitInfo *info = g_pidfd_wait (pidfd, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);

  return info;
}

void
gt_store_wait_result (GObject      *object,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GPidFdExitInfo **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  g_assert_no_error (error);
}

gboolean
gt_store_source_info (GPidFd         *pidfd,
                      GPidFdExitInfo *info,
                      gpointer        user_data)
{
  GPidFdExitInfo **out = user_data;

  *out = g_object_ref (info);
  return G_SOURCE_REMOVE;
}

void
gt_store_wait_exit (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_pidfd_wait_exit_finish (G_PIDFD (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

void
gt_store_async_result (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

void
gt_store_outcome (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GtOutcome *outcome = user_data;
  GError *error = NULL;
  GPidFdExitInfo *info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  g_clear_object (&outcome->info);
  g_clear_error (&outcome->error);
  outcome->info = info;
  outcome->error = error;
  outcome->calls++;
}

void
gt_outcome_clear (GtOutcome *outcome)
{
  g_clear_object (&outcome->info);
  g_clear_error (&outcome->error);
  outcome->calls = 0;
}
