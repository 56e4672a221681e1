/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-source.c: a GSource that fires when one process has ended */

#include "config.h"

#include "gpidfd-pidfd-private.h"
#include "gpidfd-source.h"

typedef struct
{
  GSource source;

  GPidFd *pidfd;  /* owned; the source never closes the fd, the GPidFd does */
  gpointer tag;
  gboolean waiting_for_reap;
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
  gboolean wait_for_reap;

  info = gpidfd_pidfd_collect (self->pidfd, -1, &wait_for_reap, &error);
  if (error != NULL)
    {
      g_warning ("GPidFd source: %s", error->message);
      return G_SOURCE_REMOVE;
    }

  if (info == NULL)
    {
      /* Exited, not yet reaped by its parent: wake on POLLHUP only. */
      if (wait_for_reap && !self->waiting_for_reap)
        {
          self->waiting_for_reap = TRUE;
          g_source_modify_unix_fd (source, self->tag, 0);
        }
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

static GSourceFuncs pidfd_source_funcs = {
  .dispatch = pidfd_source_dispatch,
  .finalize = pidfd_source_finalize,
};

/**
 * g_pidfd_create_source:
 * @self: a #GPidFd
 *
 * Creates a source that fires once, when the process has ended, with its
 * record; set its callback, of type [callback@GPidFd.PidFdSourceFunc],
 * with [method@GLib.Source.set_callback]. It reaps a child of the caller
 * like [method@GPidFd.PidFd.wait] does.
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
  source->tag = g_source_add_unix_fd ((GSource *) source, g_pidfd_get_fd (self), G_IO_IN);

  return (GSource *) source;
}

/**
 * g_pidfd_add_watch: (skip)
 * @self: a #GPidFd
 * @func: called when the process has ended
 * @user_data: data for @func
 *
 * Calls @func once, from the global-default main context at the default
 * priority, when the process has ended. See
 * [method@GPidFd.PidFd.add_watch_full].
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
 * @notify: (nullable): called to free @user_data when the source is gone
 *
 * Calls @func once, from the global-default main context, when the process
 * has ended, using a source from [method@GPidFd.PidFd.create_source].
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
