/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-reaper.c: the children whose object went before they ended
 *
 * A process gpidfd started is reaped by whoever holds its GPidFd and
 * waits for it. When the last reference goes first, the child must still
 * be reaped once it ends, or it stays a zombie for as long as the program
 * runs. GSubprocess keeps itself alive with a child watch in GLib's worker
 * thread, which is private to GLib. gpidfd hands the pidfd to a thread of
 * its own instead, which runs a private main context in which the
 * per-context watcher (gpidfd-watcher.c) polls every adopted pidfd in one
 * epoll set: one thread whatever the number of children.
 *
 * The thread runs only while there is something to reap: it is started by
 * the first adoption and ends, with its context and descriptors, when the
 * last adopted child has been reaped. A program that waits for its
 * children never has it.
 *
 * A forked child of the program (without exec) has no such thread even if
 * its parent had one: the first adoption there starts its own.
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "gpidfd-pidfd-private.h"
#include "gpidfd-pidfd-util-private.h"
#include "gpidfd-spawn-private.h"
#include "gpidfd-watcher-private.h"

typedef struct
{
  int fd;
  GPid pid;
  GPidFdWatch *watch;   /* touched in the reaper thread only */
} Orphan;

static GMutex reaper_lock;
static GCond reaper_cond;
/* under reaper_lock */
static pid_t reaper_process;          /* the process the state below is of */
static GMainContext *reaper_context;  /* the running thread's, or NULL */
static guint n_orphans;               /* adopted, not yet reaped */
static guint n_threads;               /* reaper threads not yet gone */

gboolean
gpidfd_reaper_try (int  fd,
                   GPid pid)
{
  siginfo_t si;
  int r;

  do
    r = gpidfd_pidfd_waitid (fd, pid, &si, WEXITED | WNOHANG | __WALL, NULL);
  while (r < 0 && errno == EINTR);

  /* ECHILD: reaped by someone else (SIGCHLD ignored, a waitpid (-1)),
   * nothing left to do; any other error would only come again. */
  return r < 0 || si.si_pid != 0;
}

static void
orphan_done (Orphan *orphan)
{
  close (orphan->fd);
  g_free (orphan);

  g_mutex_lock (&reaper_lock);
  n_orphans--;
  g_mutex_unlock (&reaper_lock);
}

static gboolean orphan_watch (gpointer data);

static void
on_orphan_ready (int      fd,
                 guint    revents,
                 gpointer data)
{
  Orphan *orphan = data;
  gboolean reaped = gpidfd_reaper_try (orphan->fd, orphan->pid);

  /* From inside its callback, no other dispatch of it can follow. */
  gpidfd_watch_remove (g_steal_pointer (&orphan->watch));

  if (reaped)
    {
      orphan_done (orphan);
    }
  else
    {
      /* Readable but not waitable: a tracer holds it, and no event tells
       * when it lets go. */
      GSource *timeout = g_timeout_source_new (GPIDFD_RECHECK_MS);

      g_source_set_static_name (timeout, "[gpidfd] reaper recheck");
      g_source_set_callback (timeout, orphan_watch, orphan, NULL);
      g_source_attach (timeout, g_main_context_get_thread_default ());
      g_source_unref (timeout);
    }
}

/* In the reaper thread: reaps the orphan at once if it has ended, else
 * watches it. */
static gboolean
orphan_watch (gpointer data)
{
  Orphan *orphan = data;

  if (gpidfd_reaper_try (orphan->fd, orphan->pid))
    {
      orphan_done (orphan);
      return G_SOURCE_REMOVE;
    }

  orphan->watch = gpidfd_watch_new (g_main_context_get_thread_default (), orphan->fd, G_IO_IN,
                                    on_orphan_ready, orphan, NULL);
  if (orphan->watch == NULL)
    {
      g_warning ("GPidFd: cannot watch process %d to reap it: %s", orphan->pid,
                 g_strerror (errno));
      orphan_done (orphan);
    }

  return G_SOURCE_REMOVE;
}

static gpointer
reaper_main (gpointer data)
{
  GMainContext *context = data;
  gboolean done = FALSE;

  g_main_context_push_thread_default (context);
  while (!done)
    {
      g_main_context_iteration (context, TRUE);

      g_mutex_lock (&reaper_lock);
      if (n_orphans == 0)
        {
          /* The next adoption starts a new thread. */
          reaper_context = NULL;
          done = TRUE;
        }
      g_mutex_unlock (&reaper_lock);
    }
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  g_mutex_lock (&reaper_lock);
  n_threads--;
  g_cond_broadcast (&reaper_cond);
  g_mutex_unlock (&reaper_lock);

  return NULL;
}

/* Under reaper_lock: the context of a running reaper thread, started if
 * need be; NULL with @error set when no thread can be started. */
static GMainContext *
reaper_get_context_locked (GError **error)
{
  GThread *thread;

  if (reaper_process != getpid ())
    {
      /* Inherited across fork: the threads were the parent's. */
      reaper_process = getpid ();
      reaper_context = NULL;
      n_orphans = 0;
      n_threads = 0;
    }
  if (reaper_context != NULL)
    return reaper_context;

  reaper_context = g_main_context_new ();
  thread = g_thread_try_new ("gpidfd-reaper", reaper_main, reaper_context, error);
  if (thread == NULL)
    {
      g_clear_pointer (&reaper_context, g_main_context_unref);
      return NULL;
    }
  g_thread_unref (thread);
  n_threads++;

  return reaper_context;
}

void
gpidfd_reaper_adopt (int  fd,
                     GPid pid)
{
  g_autoptr(GError) error = NULL;
  GMainContext *context;
  Orphan *orphan;

  g_mutex_lock (&reaper_lock);
  context = reaper_get_context_locked (&error);
  if (context == NULL)
    {
      g_mutex_unlock (&reaper_lock);
      g_warning ("GPidFd: cannot start a thread to reap process %d: %s", pid, error->message);
      close (fd);
      return;
    }
  n_orphans++;
  orphan = g_new0 (Orphan, 1);
  orphan->fd = fd;
  orphan->pid = pid;
  /* The watch is made in the reaper thread, which alone touches it. The
   * thread cannot end before it has run this: n_orphans says so. */
  g_main_context_invoke (context, orphan_watch, orphan);
  g_mutex_unlock (&reaper_lock);
}

gboolean
gpidfd_reaper_wait_idle (guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean idle;

  g_mutex_lock (&reaper_lock);
  while (reaper_process == getpid () && (n_orphans > 0 || n_threads > 0))
    {
      if (!g_cond_wait_until (&reaper_cond, &reaper_lock, deadline))
        break;
    }
  idle = reaper_process != getpid () || (n_orphans == 0 && n_threads == 0);
  g_mutex_unlock (&reaper_lock);

  return idle;
}
