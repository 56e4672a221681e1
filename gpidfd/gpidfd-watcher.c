/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-watcher.c: one epoll set per GMainContext
 *
 * GMainContext polls every fd of every attached source on each iteration,
 * so one source per watched descriptor makes each event cost O(watched
 * descriptors). Instead, the watches of a context share one source whose
 * single fd is an epoll set; only the ready descriptors are looked at, so
 * an event costs O(1) whatever the number watched.
 *
 * The watcher knows only descriptors, events and callbacks: what a ready
 * descriptor means is the business of whoever registered it.
 *
 * Registrations are one-shot (EPOLLONESHOT): once epoll has reported a
 * descriptor it is disarmed until its callback has run, so a callback
 * never runs twice at once, and it is re-armed afterwards unless the watch
 * was removed meanwhile.
 *
 * Locking: watchers_lock (the context -> watcher table) is taken before a
 * watcher's lock. No callback or destroy notify runs with either held.
 *
 * Fork: a child that does not exec inherits the epoll sets, which stay
 * shared with the parent: a one-shot registration would be consumed by
 * whichever process reads the set first, and EPOLL_CTL_MOD from one side
 * would change the other's. So every use of a watcher first checks that
 * it belongs to this process; in a forked child the watcher lets go of
 * the inherited set (it closes its copy of the descriptor, which leaves
 * the set as it is for the parent, and never reads or changes it) and
 * moves its watches to a new epoll set of its own, at its first use or
 * the first iteration of its context, whichever comes first. The locks
 * are held across fork() so that the child finds them free.
 *
 * Whatever is made lazily (the epoll set, the move of the watches, the
 * fork handlers) counts as made only once it has worked. A failure is
 * handed, with its errno, to the call that needed it, and the next use
 * tries again; watches that could not be moved stay in the watcher,
 * registered nowhere, and the source itself tries again every
 * MOVE_RETRY_MS, so an inherited wait completes once descriptors are
 * free, even when no call comes.
 */

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gpidfd-watcher-private.h"

#define MAX_EVENTS_PER_DISPATCH 256
/* How often a forked child tries again to move its watches to an epoll
 * set of its own, while it cannot (no descriptor free). */
#define MOVE_RETRY_MS 200

typedef struct _Watcher Watcher;

struct _GPidFdWatch
{
  gint ref_count;        /* atomic */
  Watcher *watcher;      /* owned source ref */
  int fd;
  GPidFdWatchFunc func;
  gpointer user_data;
  GDestroyNotify notify;

  /* under the watcher's lock */
  guint events;
  gboolean in_set;       /* registered in this process's epoll set */
  gboolean armed;        /* registered and not reported since */
  gint removed;          /* also read atomically */
};

struct _Watcher
{
  GSource source;

  GMainContext *context; /* not owned: the key in the table */

  GMutex lock;
  /* under lock */
  guint generation;      /* fork_generation of the process that owns the
                          * watcher: the one that made it, or the child
                          * that has let go of the inherited set; also
                          * read atomically */
  int epfd;              /* -1 while this process has no set of its own */
  gpointer tag;
  gboolean moving;       /* some watches are in no set of this process */
  GHashTable *watches;   /* GPidFdWatch set; each holds a reference */
  gboolean dead;
};

static GMutex watchers_lock;
static GHashTable *watchers; /* GMainContext -> Watcher (owned ref) */
/* Bumped in every child that fork() makes once a watcher exists: cheaper
 * than getpid(), which is a system call, on every event. */
static guint fork_generation;
/* Under watchers_lock: whether the fork handlers are registered. */
static gboolean atfork_registered;

static GPidFdWatch *
watch_ref (GPidFdWatch *watch)
{
  g_atomic_int_inc (&watch->ref_count);
  return watch;
}

static void
watch_unref (GPidFdWatch *watch)
{
  if (!g_atomic_int_dec_and_test (&watch->ref_count))
    return;

  if (watch->notify != NULL)
    watch->notify (watch->user_data);
  g_source_unref ((GSource *) watch->watcher);
  g_free (watch);
}

static int
watch_arm_locked (Watcher     *w,
                  GPidFdWatch *watch,
                  int          op)
{
  struct epoll_event ev = {
    .events = EPOLLONESHOT | watch->events,
    .data.ptr = watch,
  };
  int r = epoll_ctl (w->epfd, op, watch->fd, &ev);

  /* The same descriptor number left disarmed by an earlier watch. */
  if (r < 0 && op == EPOLL_CTL_ADD && errno == EEXIST)
    r = epoll_ctl (w->epfd, EPOLL_CTL_MOD, watch->fd, &ev);
  if (r == 0)
    watch->in_set = watch->armed = TRUE;

  return r;
}

/* Puts every watch that is in no set of this process into the process's
 * own set, making the set first if need be. Returns 0, or the errno of
 * the first failure: then nothing that failed counts as done, and the
 * source is woken after MOVE_RETRY_MS to try again. */
static int
watcher_move_locked (Watcher *w)
{
  GHashTableIter iter;
  GPidFdWatch *watch;
  int errsv = 0;

  if (w->epfd < 0)
    {
      int epfd = epoll_create1 (EPOLL_CLOEXEC);

      if (epfd < 0)
        errsv = errno;
      else
        {
          w->epfd = epfd;
          w->tag = g_source_add_unix_fd ((GSource *) w, epfd, G_IO_IN);
        }
    }

  if (w->epfd >= 0)
    {
      g_hash_table_iter_init (&iter, w->watches);
      while (g_hash_table_iter_next (&iter, (gpointer *) &watch, NULL))
        {
          if (!watch->in_set && watch_arm_locked (w, watch, EPOLL_CTL_ADD) < 0 && errsv == 0)
            errsv = errno;
        }
    }

  w->moving = errsv != 0;
  g_source_set_ready_time ((GSource *) w,
                           w->moving ? g_get_monotonic_time () + MOVE_RETRY_MS * 1000 : -1);

  return errsv;
}

/* Makes sure that @w works in this process. In a forked child, the first
 * time: lets go of the inherited set, which is the parent's (our copy of
 * its descriptor is closed, which leaves the set as it is and frees a
 * slot for our own), then moves the watches to a set of our own. Returns
 * 0, or the errno of what failed; what failed is tried again on the next
 * call (see watcher_move_locked()). */
static int
watcher_check_fork_locked (Watcher *w)
{
  GHashTableIter iter;
  GPidFdWatch *watch;

  if (G_LIKELY (w->generation == fork_generation && !w->moving) || w->dead)
    return 0;

  if (w->generation != fork_generation)
    {
      if (w->tag != NULL)
        g_source_remove_unix_fd ((GSource *) w, w->tag);
      w->tag = NULL;
      if (w->epfd >= 0)
        close (w->epfd);
      w->epfd = -1;
      g_hash_table_iter_init (&iter, w->watches);
      while (g_hash_table_iter_next (&iter, (gpointer *) &watch, NULL))
        watch->in_set = watch->armed = FALSE;
      g_atomic_int_set (&w->generation, fork_generation);
    }

  return watcher_move_locked (w);
}

static void
watcher_destroy_if_idle (Watcher *w)
{
  gboolean destroy = FALSE;

  g_mutex_lock (&watchers_lock);
  g_mutex_lock (&w->lock);
  if (!w->dead && g_hash_table_size (w->watches) == 0)
    {
      w->dead = TRUE;
      g_hash_table_remove (watchers, w->context);
      if (w->tag != NULL)
        g_source_remove_unix_fd ((GSource *) w, w->tag);
      if (w->epfd >= 0)
        close (w->epfd);
      w->epfd = -1;
      destroy = TRUE;
    }
  g_mutex_unlock (&w->lock);
  g_mutex_unlock (&watchers_lock);

  if (destroy)
    {
      g_source_destroy ((GSource *) w);
      g_source_unref ((GSource *) w);
    }
}

typedef struct
{
  GPidFdWatch *watch;  /* owned ref */
  guint revents;
} Ready;

/* In a forked child, the first iteration of the context dispatches at
 * once, so that the watches move to a set of the child's own even when
 * nothing else calls in: the parent may take the inherited set's events
 * before the child ever polls it. Runs under the context's lock, so it
 * takes none of ours. */
static gboolean
watcher_prepare (GSource *source,
                 gint    *timeout)
{
  Watcher *w = (Watcher *) source;

  *timeout = -1;

  return (guint) g_atomic_int_get (&w->generation) != fork_generation;
}

static gboolean
watcher_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  Watcher *w = (Watcher *) source;
  struct epoll_event events[MAX_EVENTS_PER_DISPATCH];
  Ready ready[MAX_EVENTS_PER_DISPATCH];
  guint n_ready = 0;
  int n = 0;

  g_mutex_lock (&w->lock);
  if (w->dead)
    {
      g_mutex_unlock (&w->lock);
      return G_SOURCE_REMOVE;
    }
  watcher_check_fork_locked (w);

  if (w->epfd >= 0)
    {
      do
        n = epoll_wait (w->epfd, events, G_N_ELEMENTS (events), 0);
      while (n < 0 && errno == EINTR);
    }

  for (int i = 0; i < n; i++)
    {
      GPidFdWatch *watch = events[i].data.ptr;

      /* A removed watch is deregistered under this lock, so it cannot
       * show up here; the check is for the record. */
      if (g_atomic_int_get (&watch->removed))
        continue;
      watch->armed = FALSE;
      ready[n_ready++] = (Ready) { watch_ref (watch), events[i].events };
    }
  g_mutex_unlock (&w->lock);

  for (guint i = 0; i < n_ready; i++)
    {
      GPidFdWatch *watch = ready[i].watch;

      /* EPOLLIN, EPOLLHUP... have the values of POLLIN, POLLHUP... */
      if (!g_atomic_int_get (&watch->removed))
        watch->func (watch->fd, ready[i].revents, watch->user_data);

      g_mutex_lock (&w->lock);
      watcher_check_fork_locked (w);
      /* A watch in no set yet is armed when it is moved. */
      if (!g_atomic_int_get (&watch->removed) && !watch->armed && watch->in_set)
        watch_arm_locked (w, watch, EPOLL_CTL_MOD);
      g_mutex_unlock (&w->lock);

      watch_unref (watch);
    }

  return G_SOURCE_CONTINUE;
}

static void
watcher_finalize (GSource *source)
{
  Watcher *w = (Watcher *) source;

  g_assert (g_hash_table_size (w->watches) == 0);
  g_hash_table_unref (w->watches);
  if (w->epfd >= 0)
    close (w->epfd);
  g_mutex_clear (&w->lock);
}

static GSourceFuncs watcher_funcs = {
  .prepare = watcher_prepare,
  .dispatch = watcher_dispatch,
  .finalize = watcher_finalize,
};

static void
atfork_prepare (void)
{
  GHashTableIter iter;
  Watcher *w;

  g_mutex_lock (&watchers_lock);
  if (watchers == NULL)
    return;
  g_hash_table_iter_init (&iter, watchers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    g_mutex_lock (&w->lock);
}

static void
atfork_release (void)
{
  GHashTableIter iter;
  Watcher *w;

  if (watchers != NULL)
    {
      g_hash_table_iter_init (&iter, watchers);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
        g_mutex_unlock (&w->lock);
    }
  g_mutex_unlock (&watchers_lock);
}

static void
atfork_child (void)
{
  fork_generation++;
  atfork_release ();
}

/* Under watchers_lock. Returns NULL with errno set. */
static Watcher *
watcher_new (GMainContext *context)
{
  Watcher *w;
  int epfd;

  /* Without the handlers, a forked child would go on using the parent's
   * set: no watcher is made then. */
  if (!atfork_registered)
    {
      int r = pthread_atfork (atfork_prepare, atfork_release, atfork_child);

      if (r != 0)
        {
          errno = r;
          return NULL;
        }
      atfork_registered = TRUE;
    }

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    return NULL;

  w = (Watcher *) g_source_new (&watcher_funcs, sizeof (Watcher));
  g_source_set_static_name ((GSource *) w, "GPidFd watcher");
  /* A blocked source has its fd taken out of and put back into the
   * context around each dispatch, which costs wakeup writes and reads on
   * every event. The dispatch is safe to re-enter: ready watches are
   * taken under the lock before their callbacks run. */
  g_source_set_can_recurse ((GSource *) w, TRUE);
  g_mutex_init (&w->lock);
  w->context = context;
  g_atomic_int_set (&w->generation, fork_generation);
  w->epfd = epfd;
  w->watches = g_hash_table_new (NULL, NULL);
  w->tag = g_source_add_unix_fd ((GSource *) w, epfd, G_IO_IN);
  g_source_attach ((GSource *) w, context);

  return w;
}

GPidFdWatch *
gpidfd_watch_new (GMainContext    *context,
                  int              fd,
                  guint            events,
                  GPidFdWatchFunc  func,
                  gpointer         user_data,
                  GDestroyNotify   notify)
{
  GPidFdWatch *watch;
  Watcher *w;
  int errsv = 0;

  if (context == NULL)
    context = g_main_context_default ();

  g_mutex_lock (&watchers_lock);
  if (watchers == NULL)
    watchers = g_hash_table_new (NULL, NULL);
  w = g_hash_table_lookup (watchers, context);
  if (w == NULL)
    {
      w = watcher_new (context);
      if (w == NULL)
        {
          errsv = errno;
          g_mutex_unlock (&watchers_lock);
          errno = errsv;
          return NULL;
        }
      g_hash_table_insert (watchers, context, w);
    }

  watch = g_new0 (GPidFdWatch, 1);
  /* The caller's handle, and the registration's. */
  watch->ref_count = 2;
  watch->watcher = (Watcher *) g_source_ref ((GSource *) w);
  watch->fd = fd;
  watch->events = events;
  watch->func = func;
  watch->user_data = user_data;

  g_mutex_lock (&w->lock);
  /* In a forked child whose set cannot be made (yet): its errno. */
  errsv = watcher_check_fork_locked (w);
  if (errsv == 0 && watch_arm_locked (w, watch, EPOLL_CTL_ADD) < 0)
    errsv = errno;
  if (errsv == 0)
    g_hash_table_add (w->watches, watch);
  g_mutex_unlock (&w->lock);
  g_mutex_unlock (&watchers_lock);

  if (errsv != 0)
    {
      /* Not registered: no notify, the caller keeps its data. */
      g_source_unref ((GSource *) watch->watcher);
      g_free (watch);
      watcher_destroy_if_idle (w);
      errno = errsv;
      return NULL;
    }

  watch->notify = notify;
  return watch;
}

void
gpidfd_watch_set_events (GPidFdWatch *watch,
                         guint        events)
{
  Watcher *w = watch->watcher;

  g_mutex_lock (&w->lock);
  watcher_check_fork_locked (w);
  if (watch->events != events)
    {
      watch->events = events;
      /* A watch in no set yet is armed with them when it is moved. */
      if (watch->armed && !g_atomic_int_get (&watch->removed))
        watch_arm_locked (w, watch, EPOLL_CTL_MOD);
    }
  g_mutex_unlock (&w->lock);
}

void
gpidfd_watch_remove (GPidFdWatch *watch)
{
  Watcher *w = watch->watcher;
  gboolean registered;
  gboolean empty;

  g_source_ref ((GSource *) w);

  g_mutex_lock (&w->lock);
  watcher_check_fork_locked (w);
  g_atomic_int_set (&watch->removed, TRUE);
  registered = g_hash_table_steal (w->watches, watch);
  /* A disarmed registration stays in the set, inert, until its file is
   * closed (a new watch of the same descriptor re-arms it): that saves a
   * system call on every completed wait. An armed one must go now. */
  if (registered && watch->armed)
    epoll_ctl (w->epfd, EPOLL_CTL_DEL, watch->fd, NULL);
  watch->in_set = watch->armed = FALSE;
  empty = g_hash_table_size (w->watches) == 0;
  g_mutex_unlock (&w->lock);

  if (registered)
    watch_unref (watch);
  watch_unref (watch);

  if (empty)
    watcher_destroy_if_idle (w);
  g_source_unref ((GSource *) w);
}

guint
gpidfd_watcher_count (void)
{
  guint n;

  g_mutex_lock (&watchers_lock);
  n = watchers != NULL ? g_hash_table_size (watchers) : 0;
  g_mutex_unlock (&watchers_lock);

  return n;
}
