/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-source.c: a GSource that fires when one process has ended */

#include "config.h"

#include "gpidfd-pidfd-private.h"
#include "gpidfd-source.h"
#include "gpidfd-syscall-private.h"

typedef struct
{
  GSource source;

  GPidFd *pidfd;  /* owned; the source never closes the fd, the GPidFd does */
  gpointer tag;
  short events;   /* what the fd is polled for */
} GPidFdSource;

static gboolean
pidfd_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  GPidFdSource *self = (GPidFdSource *) source;
  GPidFdSourceFunc func = (GPidFdSourceFunc) callback;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  GPidFdNextPoll next;

  info = gpidfd_pidfd_step (self->pidfd, -1, &next, &error);
  if (error != NULL)
    {
      g_warning ("GPidFd source: %s", error->message);
      return G_SOURCE_REMOVE;
    }

  if (info == NULL)
    {
      if (next.events != self->events)
        {
          self->events = next.events;
          g_source_modify_unix_fd (source, self->tag, next.events);
        }
      g_source_set_ready_time (source, next.recheck_ms < 0 ? -1 :
                               g_source_get_time (source) +
                               next.recheck_ms * G_TIME_SPAN_MILLISECOND);
      return G_SOURCE_CONTINUE;
    }

  if (func == NULL)
    {
      g_warning ("GPidFd source dispatched without callback. "
                 "You must call g_source_set_callback().");
      return G_SOURCE_REMOVE;
    }

  func (self->pidfd, info, user_data);

  return G_SOURCE_REMOVE;
}

static void
pidfd_source_finalize (GSource *source)
{
  GPidFdSource *self = (GPidFdSource *) source;

  g_clear_object (&self->pidfd);
}

/* The callback of a source whose callback was set with
 * g_source_set_closure(), the way language bindings set typed callbacks:
 * the closure gets the pidfd and the record, and returns a boolean. */
static gboolean
pidfd_source_closure_callback (GPidFd         *pidfd,
                               GPidFdExitInfo *info,
                               gpointer        data)
{
  GClosure *closure = data;
  GValue params[2] = { G_VALUE_INIT, G_VALUE_INIT };
  GValue result = G_VALUE_INIT;
  gboolean ret;

  g_value_init (&result, G_TYPE_BOOLEAN);
  g_value_init (&params[0], G_TYPE_PIDFD);
  g_value_set_object (&params[0], pidfd);
  g_value_init (&params[1], G_TYPE_PIDFD_EXIT_INFO);
  g_value_set_object (&params[1], info);

  g_closure_invoke (closure, &result, G_N_ELEMENTS (params), params, NULL);
  ret = g_value_get_boolean (&result);

  g_value_unset (&params[0]);
  g_value_unset (&params[1]);
  g_value_unset (&result);

  return ret;
}

static GSourceFuncs pidfd_source_funcs = {
  .dispatch = pidfd_source_dispatch,
  .finalize = pidfd_source_finalize,
  .closure_callback = (GSourceFunc) (void (*) (void)) pidfd_source_closure_callback,
  /* For a GCClosure made in C; bindings bring their own marshaller. */
  .closure_marshal = (GSourceDummyMarshal) g_cclosure_marshal_generic,
};

/**
 * g_pidfd_create_source:
 * @self: a #GPidFd
 *
 * Creates a source that fires once, when the process has ended, with its
 * record. It reaps a child of the caller like [method@GPidFd.PidFd.wait]
 * does.
 *
 * In C, set its callback, of type [callback@GPidFd.PidFdSourceFunc], with
 * [method@GLib.Source.set_callback]. Language bindings call a
 * [callback@GLib.SourceFunc] set with [method@GLib.Source.set_callback]
 * with the user data only, as they do for the source of
 * [func@GLib.child_watch_source_new]; there, set the callback with
 * [func@GObject.source_set_closure] instead, and it receives the pidfd
 * and the record:
 *
 * ```c
 * g_autoptr(GSource) source = g_pidfd_create_source (pidfd);
 * g_source_set_callback (source, G_SOURCE_FUNC (on_process_ended), NULL, NULL);
 * g_source_attach (source, context);
 * ```
 *
 * ```py
 * source = pidfd.create_source()
 * GObject.source_set_closure(source, on_process_ended)
 * source.attach(context)
 * ```
 *
 * ```js
 * const source = pidfd.create_source();
 * GObject.source_set_closure(source, onProcessEnded);
 * source.attach(context);
 * ```
 *
 * In Vala, cast a [callback@GPidFd.PidFdSourceFunc] and hand it over:
 * `source.set_callback ((SourceFunc) (owned) on_process_ended)`.
 *
 * A callback set with [method@GLib.Source.set_callback] from a binding can
 * still read the record with [method@GPidFd.PidFd.try_wait]: the source
 * has stored it on @self before calling back.
 *
 * The source holds a reference on @self and polls its pidfd, which it
 * never closes. Destroying the source before it fires leaves the process
 * as it was.
 *
 * Each such source adds one fd that the main context polls on every
 * iteration; to wait for many processes, prefer
 * [method@GPidFd.PidFd.wait_async], whose waits share one fd per context.
 *
 * Returns: (transfer full): a new #GSource
 *
 * Since: 1.0
 */
GSource *
g_pidfd_create_source (GPidFd *self)
{
  GPidFdSource *source;

  g_return_val_if_fail (G_IS_PIDFD (self), NULL);
  g_return_val_if_fail (g_pidfd_get_fd (self) >= 0, NULL);

  source = (GPidFdSource *) g_source_new (&pidfd_source_funcs, sizeof (GPidFdSource));
  g_source_set_static_name ((GSource *) source, "GPidFd source");
  source->pidfd = g_object_ref (self);
  /* For a thread, the record is its process's. */
  source->events = G_IO_IN;
  source->tag = g_source_add_unix_fd ((GSource *) source, gpidfd_pidfd_get_status_fd (self),
                                      G_IO_IN);

  return (GSource *) source;
}

/**
 * g_pidfd_add_watch: (skip)
 * @self: a #GPidFd
 * @func: called when the process has ended
 * @user_data: data for @func
 *
 * Calls @func once, from the global-default main context at the default
 * priority, when the process has ended, with the process and its record:
 * the pidfd counterpart of [func@GLib.child_watch_add], with the same
 * arguments. For another priority or to free @user_data, use
 * [method@GPidFd.PidFd.add_watch_full], which bindings call
 * `add_watch`; for another main context,
 * [method@GPidFd.PidFd.create_source].
 *
 * ```c
 * static gboolean
 * on_process_ended (GPidFd         *pidfd,
 *                   GPidFdExitInfo *info,
 *                   gpointer        user_data)
 * {
 *   g_print ("%d ended: %d\n", g_pidfd_exit_info_get_pid (info),
 *            g_pidfd_exit_info_get_status (info));
 *   return G_SOURCE_REMOVE;
 * }
 *
 *   g_pidfd_add_watch (pidfd, on_process_ended, NULL);
 * ```
 *
 * Returns: the source id, for [func@GLib.Source.remove]
 *
 * Since: 1.0
 */
guint
g_pidfd_add_watch (GPidFd           *self,
                   GPidFdSourceFunc  func,
                   gpointer          user_data)
{
  return g_pidfd_add_watch_full (self, G_PRIORITY_DEFAULT, func, user_data, NULL);
}

/**
 * g_pidfd_add_watch_full: (rename-to g_pidfd_add_watch)
 * @self: a #GPidFd
 * @priority: the priority of the source, like %G_PRIORITY_DEFAULT
 * @func: (scope notified) (closure user_data) (destroy notify): called when
 *   the process has ended
 * @user_data: data for @func
 * @notify: (nullable): called to free @user_data when the source is gone,
 *   or %NULL
 *
 * Calls @func once, from the global-default main context at @priority,
 * when the process has ended, using a source from
 * [method@GPidFd.PidFd.create_source], and @notify with @user_data when
 * the source is gone: [func@GLib.child_watch_add_full] for a #GPidFd.
 * Bindings call it `add_watch`, as they call
 * [func@GLib.child_watch_add_full] `child_watch_add`.
 *
 * ```c
 * g_pidfd_add_watch_full (pidfd, G_PRIORITY_HIGH, on_process_ended, NULL, NULL);
 * ```
 *
 * ```py
 * pidfd.add_watch(GLib.PRIORITY_DEFAULT, on_process_ended)
 * ```
 *
 * ```js
 * pidfd.add_watch(GLib.PRIORITY_DEFAULT, onProcessEnded);
 * ```
 *
 * Returns: the source id, for [func@GLib.Source.remove]
 *
 * Since: 1.0
 */
guint
g_pidfd_add_watch_full (GPidFd           *self,
                        gint              priority,
                        GPidFdSourceFunc  func,
                        gpointer          user_data,
                        GDestroyNotify    notify)
{
  g_autoptr(GSource) source = NULL;

  g_return_val_if_fail (G_IS_PIDFD (self), 0);
  g_return_val_if_fail (g_pidfd_get_fd (self) >= 0, 0);
  g_return_val_if_fail (func != NULL, 0);

  source = g_pidfd_create_source (self);
  g_source_set_priority (source, priority);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) func, user_data, notify);

  return g_source_attach (source, NULL);
}
