/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-watcher-private.h: one epoll set per GMainContext */

#pragma once

#if !defined(GPIDFD_COMPILATION)
# error "This is a private header of gpidfd."
#endif

#include <glib.h>

G_BEGIN_DECLS

/*
 * The watcher knows only descriptors. gpidfd_watch_new() registers @fd
 * with the epoll set of @context's watcher (one GSource per context, made
 * on first use and destroyed when its last watch goes). When @fd is ready
 * for @events (POLLHUP and POLLERR are always reported), @func runs in
 * @context, outside every lock of the watcher, with the ready events; the
 * registration is then re-armed with the watch's current events unless
 * gpidfd_watch_remove() was called meanwhile.
 *
 * gpidfd_watch_remove() may be called from any thread. A callback that
 * had already been taken for dispatch may still run once after it; the
 * watch (and @user_data, freed by @notify) stays valid until then.
 *
 * A forked child never reads the epoll sets it inherited: on first use in
 * the child, or at the first iteration of its context, each watcher moves
 * its watches to a new epoll set of the child's own and leaves the
 * inherited one to the parent. While the child cannot make that set (no
 * descriptor free), the watches stay, registered nowhere, and the move is
 * tried again on every later call and by the watcher itself every 200 ms:
 * once it works, they report what happened meanwhile. Nothing that failed
 * is ever recorded as made.
 */
typedef struct _GPidFdWatch GPidFdWatch;

typedef void (*GPidFdWatchFunc) (int      fd,
                                 guint    revents,
                                 gpointer user_data);

/* Returns NULL with errno set (the real one: EMFILE when no descriptor
 * is free) when the epoll set cannot be made, in a forked child when the
 * inherited watches cannot be moved to one of its own, or when @fd cannot
 * be added to it. The next call tries again. */
GPidFdWatch *gpidfd_watch_new        (GMainContext    *context,
                                      int              fd,
                                      guint            events,
                                      GPidFdWatchFunc  func,
                                      gpointer         user_data,
                                      GDestroyNotify   notify);
/* Events to re-arm with, from the next time on. */
void         gpidfd_watch_set_events (GPidFdWatch     *watch,
                                      guint            events);
/* Removes the watch and drops the caller's handle. */
void         gpidfd_watch_remove     (GPidFdWatch     *watch);

/* Number of watchers alive (one per main context with watches). */
guint        gpidfd_watcher_count    (void);

G_END_DECLS
