/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-watcher.c: one GSource per GMainContext for all pending waits
 *
 * GMainContext polls every fd of every attached source on each iteration,
 * so one source per waiting process makes each exit cost O(waiting
 * processes). Instead, the pending g_pidfd_wait_async() calls of a context
 * share one source whose single fd is an epoll set of their pidfds; only
 * the ready ones are looked at, so an exit costs O(1) whatever the number
 * waiting.
 *
 * Locking: watchers_lock (the context -> watcher table) is taken before a
 * watcher's lock, and a watcher's lock before a GPidFd's. No task is
 * completed or unreffed with a lock held, since completing runs user code.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gpidfd-pidfd-private.h"
#include "gpidfd-watcher-private.h"

#define MAX_EVENTS_PER_DISPATCH 256

typedef struct
{
  GPidFd *pidfd;   /* owned */
  GQueue tasks;    /* owned GTask refs */
  gboolean waiting_for_reap; /* then only EPOLLHUP matters, not EPOLLIN */
} Entry;

/* An entry taken out of the watcher, with what its tasks get. */
typedef struct
{
  Entry *entry;
  GPidFdExitInfo *info;
  GError *error;
} Completion;

typedef struct
{
  GSource source;

  GMainContext *context; /* not owned: the key in the table */
  int epfd;
  gpointer tag;

  GMutex lock;
  /* under lock */
  GHashTable *entries;   /* fd -> Entry */
  gboolean dead;
} Watcher;

/* The task data of a pending wait. The cancelled handler may run in any
 * thread, even while the task is being finalized in another one (then
 * g_cancellable_disconnect() in wait_data_free() waits for it), so the
 * handler reads only this struct, never the task or its source object. */
typedef struct
{
  Watcher *watcher;      /* owned source ref */
  GTask *task;           /* not owned */
  int fd;                /* the key of the task's entry */
  GPid pid;              /* for messages */
  GCancellable *cancellable;
  gulong cancelled_id;
} WaitData;

static GMutex watchers_lock;
static GHashTable *watchers; /* GMainContext -> Watcher (owned ref) */

static void
entry_free (Entry *entry)
{
  g_assert (g_queue_is_empty (&entry->tasks));
  g_object_unref (entry->pidfd);
  g_free (entry);
}

static void
wait_data_free (WaitData *data)
{
  /* Runs when the task is finalized, which never happens inside the
   * cancelled handler: the handler hands its reference to an idle source
   * in the task's context instead of dropping it. */
  if (data->cancelled_id != 0)
    g_cancellable_disconnect (data->cancellable, data->cancelled_id);
  g_clear_object (&data->cancellable);
  if (data->watcher != NULL)
    g_source_unref ((GSource *) data->watcher);
  g_free (data);
}

static void
watcher_destroy_if_idle (Watcher *w)
{
  gboolean destroy = FALSE;

  g_mutex_lock (&watchers_lock);
  g_mutex_lock (&w->lock);
  if (!w->dead && g_hash_table_size (w->entries) == 0)
    {
      w->dead = TRUE;
      g_hash_table_remove (watchers, w->context);
      /* Pending tasks may keep the source alive a little longer (through
       * their data); its descriptor goes now. */
      g_source_remove_unix_fd ((GSource *) w, w->tag);
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

/*
 * Registrations are one-shot: once epoll has reported a pidfd it is
 * disarmed, so an ended entry leaves the set without an EPOLL_CTL_DEL (the
 * registration goes when the pidfd is closed, or with the epoll set), and a
 * pidfd that is waited for again is re-armed with EPOLL_CTL_MOD.
 */
static int
watcher_arm_locked (Watcher  *w,
                    int       fd,
                    gboolean  waiting_for_reap,
                    int       op)
{
  /* POLLHUP is always reported; EPOLLIN only while not waiting for it. */
  struct epoll_event ev = {
    .events = EPOLLONESHOT | (waiting_for_reap ? 0 : EPOLLIN),
    .data.fd = fd,
  };
  int r = epoll_ctl (w->epfd, op, fd, &ev);

  if (r < 0 && op == EPOLL_CTL_ADD && errno == EEXIST)
    r = epoll_ctl (w->epfd, EPOLL_CTL_MOD, fd, &ev);

  return r;
}

/* Takes @entry out of the table; @armed if epoll has not reported it
 * since it was last armed. Under w->lock. */
static void
watcher_drop_entry_locked (Watcher  *w,
                           Entry    *entry,
                           gboolean  armed)
{
  int fd = g_pidfd_get_fd (entry->pidfd);

  if (armed)
    epoll_ctl (w->epfd, EPOLL_CTL_DEL, fd, NULL);
  g_hash_table_steal (w->entries, GINT_TO_POINTER (fd));
}

static gboolean
watcher_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  Watcher *w = (Watcher *) source;
  struct epoll_event events[MAX_EVENTS_PER_DISPATCH];
  Completion done[MAX_EVENTS_PER_DISPATCH];
  guint n_done = 0;
  gboolean empty;
  int n;

  g_mutex_lock (&w->lock);
  if (w->dead)
    {
      g_mutex_unlock (&w->lock);
      return G_SOURCE_REMOVE;
    }

  do
    n = epoll_wait (w->epfd, events, G_N_ELEMENTS (events), 0);
  while (n < 0 && errno == EINTR);

  for (int i = 0; i < n; i++)
    {
      Entry *entry = g_hash_table_lookup (w->entries, GINT_TO_POINTER (events[i].data.fd));
      GPidFdExitInfo *info;
      GError *error = NULL;
      gboolean wait_for_reap;

      /* Gone since epoll_wait (cancelled from another thread). */
      if (entry == NULL)
        continue;

      /* EPOLLIN and EPOLLHUP have the values of POLLIN and POLLHUP. */
      info = gpidfd_pidfd_collect_ready (entry->pidfd,
                                         events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR),
                                         &wait_for_reap, &error);
      if (info == NULL && error == NULL)
        {
          /* Not over yet (or exited, not yet reaped by its parent). */
          entry->waiting_for_reap = entry->waiting_for_reap || wait_for_reap;
          watcher_arm_locked (w, events[i].data.fd, entry->waiting_for_reap, EPOLL_CTL_MOD);
          continue;
        }

      watcher_drop_entry_locked (w, entry, FALSE);
      done[n_done++] = (Completion) { entry, info, error };
    }
  empty = g_hash_table_size (w->entries) == 0;
  g_mutex_unlock (&w->lock);

  for (guint i = 0; i < n_done; i++)
    {
      Completion *c = &done[i];
      GTask *task;

      while ((task = g_queue_pop_head (&c->entry->tasks)) != NULL)
        {
          if (c->info != NULL)
            g_task_return_pointer (task, g_object_ref (c->info), g_object_unref);
          else
            g_task_return_error (task, g_error_copy (c->error));
          g_object_unref (task);
        }
      entry_free (c->entry);
      g_clear_object (&c->info);
      g_clear_error (&c->error);
    }

  if (empty)
    watcher_destroy_if_idle (w);

  return G_SOURCE_CONTINUE;
}

static void
watcher_finalize (GSource *source)
{
  Watcher *w = (Watcher *) source;

  g_assert (g_hash_table_size (w->entries) == 0);
  g_hash_table_unref (w->entries);
  if (w->epfd >= 0)
    close (w->epfd);
  g_mutex_clear (&w->lock);
}

static GSourceFuncs watcher_funcs = {
  .dispatch = watcher_dispatch,
  .finalize = watcher_finalize,
};

/* Under watchers_lock. Returns NULL with errno set. */
static Watcher *
watcher_new (GMainContext *context)
{
  Watcher *w;
  int epfd = epoll_create1 (EPOLL_CLOEXEC);

  if (epfd < 0)
    return NULL;

  w = (Watcher *) g_source_new (&watcher_funcs, sizeof (Watcher));
  g_source_set_static_name ((GSource *) w, "GPidFd wait watcher");
  /* A blocked source has its fd taken out of and put back into the
   * context around each dispatch, which costs wakeup writes and reads on
   * every exit. The dispatch is safe to re-enter: entries leave the table
   * under the lock before their tasks complete. */
  g_source_set_can_recurse ((GSource *) w, TRUE);
  g_mutex_init (&w->lock);
  w->context = context;
  w->epfd = epfd;
  w->entries = g_hash_table_new (NULL, NULL);
  w->tag = g_source_add_unix_fd ((GSource *) w, epfd, G_IO_IN);
  g_source_attach ((GSource *) w, context);

  return w;
}

/* Takes the task out of the watcher if still there; TRUE if it was. */
static gboolean
watcher_remove_task (Watcher *w,
                     int      fd,
                     GTask   *task)
{
  Entry *entry;
  gboolean found = FALSE;
  gboolean empty = FALSE;
  Entry *dropped = NULL;

  g_mutex_lock (&w->lock);
  entry = g_hash_table_lookup (w->entries, GINT_TO_POINTER (fd));
  if (entry != NULL && g_queue_remove (&entry->tasks, task))
    {
      found = TRUE;
      if (g_queue_is_empty (&entry->tasks))
        {
          watcher_drop_entry_locked (w, entry, TRUE);
          dropped = entry;
        }
    }
  empty = g_hash_table_size (w->entries) == 0;
  g_mutex_unlock (&w->lock);

  if (dropped != NULL)
    entry_free (dropped);
  if (found && empty)
    watcher_destroy_if_idle (w);

  return found;
}

static gboolean
release_task (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  WaitData *data = user_data;
  GSource *idle;

  /* Only a task still in the watcher is alive here; taking it out gives
   * us the watcher's reference. */
  if (!watcher_remove_task (data->watcher, data->fd, data->task))
    return;

  /* GTask runs the callback in the task's context, one iteration later. */
  g_task_return_error (data->task, gpidfd_pidfd_new_cancelled_error (data->pid));

  /* Our reference must not be the last one dropped here: finalizing the
   * task disconnects this handler, which deadlocks inside it. Let the
   * task's context drop it. */
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "[gpidfd] release cancelled wait");
  g_source_set_callback (idle, release_task, data->task, g_object_unref);
  g_source_attach (idle, g_task_get_context (data->task));
  g_source_unref (idle);
}

void
gpidfd_watcher_add_task (GPidFd *pidfd,
                         GTask  *task)
{
  GMainContext *context = g_task_get_context (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  int fd = g_pidfd_get_fd (pidfd);
  WaitData *data;
  Watcher *w;
  Entry *entry;
  int errsv = 0;

  /* The task data must be in place before the task can be seen by the
   * dispatch or by a cancelled handler in another thread. */
  data = g_new0 (WaitData, 1);
  data->task = task;
  data->fd = fd;
  data->pid = gpidfd_pidfd_get_open_pid (pidfd);
  g_task_set_task_data (task, data, (GDestroyNotify) wait_data_free);

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
          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                                   "Cannot wait for process %d: cannot create an epoll set: %s",
                                   gpidfd_pidfd_get_open_pid (pidfd), g_strerror (errsv));
          return;
        }
      g_hash_table_insert (watchers, context, w);
    }

  data->watcher = (Watcher *) g_source_ref ((GSource *) w);

  g_mutex_lock (&w->lock);
  entry = g_hash_table_lookup (w->entries, GINT_TO_POINTER (fd));
  if (entry == NULL)
    {
      if (watcher_arm_locked (w, fd, FALSE, EPOLL_CTL_ADD) < 0)
        errsv = errno;
      else
        {
          entry = g_new0 (Entry, 1);
          entry->pidfd = g_object_ref (pidfd);
          g_queue_init (&entry->tasks);
          g_hash_table_insert (w->entries, GINT_TO_POINTER (fd), entry);
        }
    }
  if (entry != NULL)
    g_queue_push_tail (&entry->tasks, g_object_ref (task));
  g_mutex_unlock (&w->lock);
  g_mutex_unlock (&watchers_lock);

  if (entry == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errsv),
                               "Cannot wait for process %d: cannot watch its pidfd: %s",
                               gpidfd_pidfd_get_open_pid (pidfd), g_strerror (errsv));
      watcher_destroy_if_idle (w);
      return;
    }

  if (cancellable != NULL)
    {
      data->cancellable = g_object_ref (cancellable);
      /* Runs at once when already cancelled. */
      data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                  data, NULL);
    }
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
