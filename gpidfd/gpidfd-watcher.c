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
  guint32 events;  /* EPOLLIN, or 0 once waiting for the reap (EPOLLHUP) */
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

typedef struct
{
  Watcher *watcher;      /* owned source ref */
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
  /* Runs when the task is finalized: never inside the cancelled handler,
   * which holds no task reference. */
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

/* Removes @entry from the epoll set and the table. Under w->lock. */
static void
watcher_drop_entry_locked (Watcher *w,
                           Entry   *entry)
{
  int fd = g_pidfd_get_fd (entry->pidfd);

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
  g_autoptr(GArray) done = g_array_new (FALSE, FALSE, sizeof (Completion));
  gboolean empty;
  int n;

  do
    n = epoll_wait (w->epfd, events, G_N_ELEMENTS (events), 0);
  while (n < 0 && errno == EINTR);

  g_mutex_lock (&w->lock);
  for (int i = 0; i < n; i++)
    {
      Entry *entry = g_hash_table_lookup (w->entries, GINT_TO_POINTER (events[i].data.fd));
      GPidFdExitInfo *info;
      GError *error = NULL;
      gboolean wait_for_reap;

      /* Gone since epoll_wait (cancelled from another thread). */
      if (entry == NULL)
        continue;

      info = gpidfd_pidfd_collect (entry->pidfd, &wait_for_reap, &error);
      if (info == NULL && error == NULL)
        {
          if (wait_for_reap && entry->events != 0)
            {
              struct epoll_event ev = { .events = 0, .data.fd = events[i].data.fd };

              entry->events = 0;
              epoll_ctl (w->epfd, EPOLL_CTL_MOD, ev.data.fd, &ev);
            }
          continue;
        }

      watcher_drop_entry_locked (w, entry);
      g_array_append_val (done, ((Completion) { entry, info, error }));
    }
  empty = g_hash_table_size (w->entries) == 0;
  g_mutex_unlock (&w->lock);

  for (guint i = 0; i < done->len; i++)
    {
      Completion *c = &g_array_index (done, Completion, i);
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
                     GPidFd  *pidfd,
                     GTask   *task)
{
  Entry *entry;
  gboolean found = FALSE;
  gboolean empty = FALSE;
  Entry *dropped = NULL;

  g_mutex_lock (&w->lock);
  entry = g_hash_table_lookup (w->entries, GINT_TO_POINTER (g_pidfd_get_fd (pidfd)));
  if (entry != NULL && g_queue_remove (&entry->tasks, task))
    {
      found = TRUE;
      if (g_queue_is_empty (&entry->tasks))
        {
          watcher_drop_entry_locked (w, entry);
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

static void
on_cancelled (GCancellable *cancellable,
              gpointer      user_data)
{
  GTask *task = user_data;
  WaitData *data = g_task_get_task_data (task);
  GPidFd *pidfd = g_task_get_source_object (task);

  if (watcher_remove_task (data->watcher, pidfd, task))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Waiting for process %d was cancelled",
                               g_pidfd_get_pid (pidfd));
      /* The reference the watcher held; GTask keeps its own until the
       * callback has run in the task's context. */
      g_object_unref (task);
    }
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
                                   g_pidfd_get_pid (pidfd), g_strerror (errsv));
          return;
        }
      g_hash_table_insert (watchers, context, w);
    }

  data->watcher = (Watcher *) g_source_ref ((GSource *) w);

  g_mutex_lock (&w->lock);
  entry = g_hash_table_lookup (w->entries, GINT_TO_POINTER (fd));
  if (entry == NULL)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

      if (epoll_ctl (w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        errsv = errno;
      else
        {
          entry = g_new0 (Entry, 1);
          entry->pidfd = g_object_ref (pidfd);
          entry->events = EPOLLIN;
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
                               g_pidfd_get_pid (pidfd), g_strerror (errsv));
      watcher_destroy_if_idle (w);
      return;
    }

  if (cancellable != NULL)
    {
      data->cancellable = g_object_ref (cancellable);
      /* Runs at once when already cancelled. */
      data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled),
                                                  task, NULL);
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
