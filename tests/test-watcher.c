/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-watcher.c: the per-context epoll watcher, on its own
 *
 * The watcher knows only descriptors (gpidfd-watcher-private.h): these
 * tests drive it with pipes and eventfds, no process involved. What it
 * promises, and what is checked here:
 *
 *  - a callback runs in the watch's context, with the ready events, once
 *    per readiness: a callback that consumes what made the descriptor
 *    ready is not called again until it is ready again; one that does
 *    not is called again at a later iteration, never twice in one;
 *  - POLLHUP and POLLERR are reported whatever events were asked for;
 *  - set_events takes effect from the next arming on, at once for a
 *    watch that is armed;
 *  - remove may be called from the callback itself, from another
 *    callback of the same dispatch, or from another thread while the
 *    callback runs: then it may still run once, and the watch and its
 *    data stay valid (the destroy notify waits) until it has returned;
 *  - a descriptor whose watch was removed may be watched again; one that
 *    is closed while watched reports nothing, and its watch is still
 *    removed cleanly;
 *  - one watcher (one epoll set) per context with watches, gone with the
 *    last watch; many descriptors in one;
 *  - a failed watch_new returns NULL with errno, calls no destroy notify
 *    and leaves no watcher behind;
 *  - a forked child moves its watches to an epoll set of its own at its
 *    first iteration or call, leaving the inherited set to the parent,
 *    whose events it never takes.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-watcher-private.h"
#include "gt.h"

#define TIMEOUT_S 10

/* ---- Helpers ----------------------------------------------------------- */

typedef struct
{
  GMainContext *context;   /* where the callback must run */
  GThread *thread;         /* the thread it must run in, when set */
  guint calls;
  guint revents;           /* of the last call */
  guint notified;
  gboolean drain;          /* read what made it ready */
  gboolean in_callback;
} Counter;

static void
drain_fd (int fd)
{
  char buf[64];

  while (read (fd, buf, sizeof buf) > 0)
    ;
}

static void
on_ready (int      fd,
          guint    revents,
          gpointer user_data)
{
  Counter *c = user_data;

  g_assert_false (c->in_callback);
  c->in_callback = TRUE;
  g_assert_true (g_main_context_is_owner (c->context));
  if (c->thread != NULL)
    g_assert_true (g_thread_self () == c->thread);
  g_assert_cmpuint (c->notified, ==, 0);
  c->calls++;
  c->revents = revents;
  if (c->drain && (revents & G_IO_IN))
    drain_fd (fd);
  c->in_callback = FALSE;
}

static void
on_notify (gpointer user_data)
{
  Counter *c = user_data;

  g_assert_false (c->in_callback);
  c->notified++;
}

static void
counter_init (Counter      *c,
              GMainContext *context,
              gboolean      drain)
{
  *c = (Counter) { .context = context, .drain = drain };
}

/* Iterates @context until nothing is left to dispatch, and a little
 * more: what was not called by then is not going to be. */
static void
settle (GMainContext *context)
{
  for (guint i = 0; i < 5; i++)
    {
      while (g_main_context_iteration (context, FALSE))
        ;
      g_usleep (2000);
    }
}

static void
run_until_calls (GMainContext *context,
                 Counter      *c,
                 guint         calls)
{
  gt_run_until_count (context, &c->calls, calls, TIMEOUT_S);
}

/* A non-blocking pipe, both ends close-on-exec. */
static void
make_pipe (int fds[2])
{
  g_assert_cmpint (pipe2 (fds, O_CLOEXEC | O_NONBLOCK), ==, 0);
}

static int
make_eventfd (void)
{
  int fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

static void
signal_eventfd (int fd)
{
  guint64 one = 1;

  g_assert_cmpint (write (fd, &one, sizeof one), ==, sizeof one);
}

static GPidFdWatch *
watch_new (GMainContext *context,
           int           fd,
           guint         events,
           Counter      *c)
{
  GPidFdWatch *watch = gpidfd_watch_new (context, fd, events, on_ready, c, on_notify);

  g_assert_nonnull (watch);
  return watch;
}

static void
assert_no_watcher (void)
{
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
}

/* The end of a test: no watcher left, the context dropped. */
static void
finish (GMainContext *context)
{
  assert_no_watcher ();
  g_main_context_unref (context);
}

static void
close_pipe (int fds[2])
{
  close (fds[0]);
  close (fds[1]);
}

/* ---- Readiness --------------------------------------------------------- */

static void
test_once_per_readiness (void)
{
  GMainContext *context = g_main_context_new ();
  Counter c;
  GPidFdWatch *watch;
  int fd = make_eventfd ();

  g_test_summary ("A callback that consumes the readiness runs once per "
                  "readiness, with the ready events, in the watch's context");
  counter_init (&c, context, TRUE);
  watch = watch_new (context, fd, G_IO_IN, &c);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);

  /* Nothing ready: nothing called. */
  settle (context);
  g_assert_cmpuint (c.calls, ==, 0);

  for (guint i = 1; i <= 5; i++)
    {
      signal_eventfd (fd);
      run_until_calls (context, &c, i);
      settle (context);
      g_assert_cmpuint (c.calls, ==, i);
      g_assert_cmpuint (c.revents & G_IO_IN, ==, G_IO_IN);
    }

  /* Two signals before an iteration: one readiness. */
  signal_eventfd (fd);
  signal_eventfd (fd);
  run_until_calls (context, &c, 6);
  settle (context);
  g_assert_cmpuint (c.calls, ==, 6);

  gpidfd_watch_remove (watch);
  g_assert_cmpuint (c.notified, ==, 1);
  assert_no_watcher ();
  close (fd);
  g_main_context_unref (context);
}

static void
test_level_again (void)
{
  GMainContext *context = g_main_context_new ();
  Counter c;
  GPidFdWatch *watch;
  int fds[2];

  g_test_summary ("A callback that leaves the descriptor ready is called "
                  "again at a later iteration, never twice in one");
  make_pipe (fds);
  counter_init (&c, context, FALSE);
  watch = watch_new (context, fds[0], G_IO_IN, &c);

  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  for (guint i = 1; i <= 3; i++)
    {
      /* One call per dispatch: the registration is disarmed while the
       * callback is pending, and re-armed after it. */
      run_until_calls (context, &c, i);
      g_assert_cmpuint (c.calls, ==, i);
    }

  /* Consumed: no more calls (epoll looks again before it reports). */
  drain_fd (fds[0]);
  settle (context);
  g_assert_cmpuint (c.calls, ==, 3);

  gpidfd_watch_remove (watch);
  close_pipe (fds);
  finish (context);
}

static void
test_hup_err (void)
{
  GMainContext *context = g_main_context_new ();
  Counter rd, wr;
  GPidFdWatch *rd_watch, *wr_watch;
  int fds[2], fds2[2];

  g_test_summary ("POLLHUP and POLLERR are reported whatever events were asked for");
  make_pipe (fds);
  make_pipe (fds2);
  counter_init (&rd, context, FALSE);
  counter_init (&wr, context, FALSE);

  /* Asked for nothing at all. */
  rd_watch = watch_new (context, fds[0], 0, &rd);
  wr_watch = watch_new (context, fds2[1], 0, &wr);
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  settle (context);
  g_assert_cmpuint (rd.calls, ==, 0);
  g_assert_cmpuint (wr.calls, ==, 0);

  /* The write end of the first pipe goes: the read end hangs up. */
  close (fds[1]);
  run_until_calls (context, &rd, 1);
  g_assert_cmpuint (rd.revents & G_IO_HUP, ==, G_IO_HUP);
  g_assert_cmpuint (rd.revents & G_IO_IN, ==, 0);

  /* The read end of the second goes: its write end has an error. */
  close (fds2[0]);
  run_until_calls (context, &wr, 1);
  g_assert_cmpuint (wr.revents & G_IO_ERR, ==, G_IO_ERR);
  g_assert_cmpuint (wr.revents & G_IO_OUT, ==, 0);

  gpidfd_watch_remove (rd_watch);
  gpidfd_watch_remove (wr_watch);
  close (fds[0]);
  close (fds2[1]);
  finish (context);
}

/* ---- Changing the events ----------------------------------------------- */

static void
test_modify (void)
{
  GMainContext *context = g_main_context_new ();
  Counter c;
  GPidFdWatch *watch;
  int fds[2];

  g_test_summary ("set_events takes effect at once for an armed watch, and "
                  "from the next arming when set from the callback");
  make_pipe (fds);
  counter_init (&c, context, FALSE);

  /* Readable, but watched for nothing: not called. */
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  watch = watch_new (context, fds[0], 0, &c);
  settle (context);
  g_assert_cmpuint (c.calls, ==, 0);

  /* Armed: the new events apply now. */
  gpidfd_watch_set_events (watch, G_IO_IN);
  run_until_calls (context, &c, 1);
  g_assert_cmpuint (c.revents & G_IO_IN, ==, G_IO_IN);

  /* Re-armed after the callback, then asked for nothing: the data is
   * still there, but not asked for. */
  gpidfd_watch_set_events (watch, 0);
  settle (context);
  g_assert_cmpuint (c.calls, ==, 1);

  gpidfd_watch_remove (watch);
  close_pipe (fds);
  finish (context);
}

typedef struct
{
  Counter c;
  GPidFdWatch *watch;
  guint events_after;
} Modifier;

static void
on_ready_modify (int      fd,
                 guint    revents,
                 gpointer user_data)
{
  Modifier *m = user_data;

  on_ready (fd, revents, &m->c);
  gpidfd_watch_set_events (m->watch, m->events_after);
}

static void
test_modify_from_callback (void)
{
  GMainContext *context = g_main_context_new ();
  Modifier m = { { 0, }, NULL, 0 };
  int fds[2];

  g_test_summary ("set_events from the callback: the re-arming uses the new events");
  make_pipe (fds);
  counter_init (&m.c, context, FALSE);
  m.watch = gpidfd_watch_new (context, fds[0], G_IO_IN, on_ready_modify, &m, on_notify);
  g_assert_nonnull (m.watch);

  /* Not drained, but re-armed for nothing: called once only. */
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  run_until_calls (context, &m.c, 1);
  settle (context);
  g_assert_cmpuint (m.c.calls, ==, 1);

  /* Asked for again: still readable, called again. */
  m.events_after = G_IO_IN;
  gpidfd_watch_set_events (m.watch, G_IO_IN);
  run_until_calls (context, &m.c, 2);

  gpidfd_watch_remove (m.watch);
  g_assert_cmpuint (m.c.notified, ==, 1);
  close_pipe (fds);
  finish (context);
}

/* ---- Removing ---------------------------------------------------------- */

typedef struct
{
  Counter c;
  GPidFdWatch *watch;
} SelfRemover;

static void
on_ready_remove_self (int      fd,
                      guint    revents,
                      gpointer user_data)
{
  SelfRemover *r = user_data;

  on_ready (fd, revents, &r->c);
  gpidfd_watch_remove (g_steal_pointer (&r->watch));
  /* Still valid until this returns. */
  g_assert_cmpuint (r->c.notified, ==, 0);
}

static void
test_remove_from_callback (void)
{
  GMainContext *context = g_main_context_new ();
  SelfRemover r = { { 0, }, NULL };
  Counter again, keeper;
  GPidFdWatch *watch, *keeper_watch;
  int fds[2];
  int keeper_fd = make_eventfd ();

  g_test_summary ("A watch removed from its own callback is not called again, "
                  "its notify runs once the callback has returned, and the "
                  "descriptor can be watched again in the same epoll set");
  make_pipe (fds);
  /* Keeps the watcher, and its epoll set, alive throughout. */
  counter_init (&keeper, context, TRUE);
  keeper_watch = watch_new (context, keeper_fd, G_IO_IN, &keeper);
  counter_init (&r.c, context, FALSE);
  r.watch = gpidfd_watch_new (context, fds[0], G_IO_IN, on_ready_remove_self, &r, on_notify);
  g_assert_nonnull (r.watch);

  /* Left readable: only the removal stops the calls. */
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  run_until_calls (context, &r.c, 1);
  settle (context);
  g_assert_cmpuint (r.c.calls, ==, 1);
  g_assert_cmpuint (r.c.notified, ==, 1);
  g_assert_null (r.watch);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);

  /* The same descriptor, watched again: its old registration, left
   * disarmed in the set, is taken over. */
  counter_init (&again, context, TRUE);
  watch = watch_new (context, fds[0], G_IO_IN, &again);
  run_until_calls (context, &again, 1);
  settle (context);
  g_assert_cmpuint (again.calls, ==, 1);
  g_assert_cmpuint (r.c.calls, ==, 1);
  g_assert_cmpint (write (fds[1], "y", 1), ==, 1);
  run_until_calls (context, &again, 2);

  gpidfd_watch_remove (watch);
  gpidfd_watch_remove (keeper_watch);
  g_assert_cmpuint (keeper.calls, ==, 0);
  close_pipe (fds);
  close (keeper_fd);
  finish (context);
}

typedef struct
{
  Counter c;
  GPidFdWatch **other;
} OtherRemover;

static void
on_ready_remove_other (int      fd,
                       guint    revents,
                       gpointer user_data)
{
  OtherRemover *r = user_data;

  on_ready (fd, revents, &r->c);
  if (*r->other != NULL)
    gpidfd_watch_remove (g_steal_pointer (r->other));
}

static void
test_remove_other_in_dispatch (void)
{
  GMainContext *context = g_main_context_new ();
  OtherRemover a, b;
  GPidFdWatch *watch_a, *watch_b;
  int fd_a = make_eventfd ();
  int fd_b = make_eventfd ();

  g_test_summary ("Two watches ready at once, each removing the other from "
                  "its callback: exactly one runs, both are notified");
  counter_init (&a.c, context, TRUE);
  counter_init (&b.c, context, TRUE);
  a.other = &watch_b;
  b.other = &watch_a;
  watch_a = gpidfd_watch_new (context, fd_a, G_IO_IN, on_ready_remove_other, &a, on_notify);
  watch_b = gpidfd_watch_new (context, fd_b, G_IO_IN, on_ready_remove_other, &b, on_notify);
  g_assert_nonnull (watch_a);
  g_assert_nonnull (watch_b);

  /* Both ready before the context looks: one epoll_wait() takes both. */
  signal_eventfd (fd_a);
  signal_eventfd (fd_b);
  g_main_context_iteration (context, TRUE);
  settle (context);
  g_assert_cmpuint (a.c.calls + b.c.calls, ==, 1);
  g_assert_cmpuint (a.c.notified + b.c.notified, ==, 1);

  /* The one that ran removes itself now. */
  if (watch_a != NULL)
    gpidfd_watch_remove (watch_a);
  if (watch_b != NULL)
    gpidfd_watch_remove (watch_b);
  g_assert_cmpuint (a.c.notified, ==, 1);
  g_assert_cmpuint (b.c.notified, ==, 1);
  close (fd_a);
  close (fd_b);
  finish (context);
}

/* The callback, in the context's thread, waits until the main thread has
 * removed its watch. */
typedef struct
{
  GMainContext *context;
  GMutex lock;
  GCond cond;
  gboolean entered;
  gboolean removed;
  gint calls;
  gint notified;
  gint stop;
} Blocker;

static void
on_ready_block (int      fd,
                guint    revents,
                gpointer user_data)
{
  Blocker *b = user_data;

  g_mutex_lock (&b->lock);
  b->entered = TRUE;
  g_cond_broadcast (&b->cond);
  while (!b->removed)
    g_cond_wait (&b->cond, &b->lock);
  g_mutex_unlock (&b->lock);

  /* Removed meanwhile, and still valid. */
  g_assert_cmpint (g_atomic_int_get (&b->notified), ==, 0);
  g_atomic_int_inc (&b->calls);
  drain_fd (fd);
}

static void
on_notify_block (gpointer user_data)
{
  Blocker *b = user_data;

  g_atomic_int_inc (&b->notified);
}

static gpointer
blocker_thread (gpointer user_data)
{
  Blocker *b = user_data;

  g_main_context_push_thread_default (b->context);
  while (!g_atomic_int_get (&b->stop))
    g_main_context_iteration (b->context, TRUE);
  g_main_context_pop_thread_default (b->context);

  return NULL;
}

static void
test_remove_from_thread (void)
{
  GMainContext *context = g_main_context_new ();
  Blocker b;
  GPidFdWatch *watch;
  GThread *thread;
  int fd = make_eventfd ();

  g_test_summary ("A watch removed from another thread while its callback "
                  "runs: the callback finishes with its data valid, the "
                  "notify runs after it, and no call follows");
  memset (&b, 0, sizeof b);
  b.context = context;
  g_mutex_init (&b.lock);
  g_cond_init (&b.cond);
  watch = gpidfd_watch_new (context, fd, G_IO_IN, on_ready_block, &b, on_notify_block);
  g_assert_nonnull (watch);
  thread = g_thread_new ("context", blocker_thread, &b);

  signal_eventfd (fd);
  g_mutex_lock (&b.lock);
  while (!b.entered)
    g_cond_wait (&b.cond, &b.lock);
  g_mutex_unlock (&b.lock);

  /* The callback is running: removing returns at once, and the notify
   * waits for it. */
  gpidfd_watch_remove (watch);
  g_assert_cmpint (g_atomic_int_get (&b.notified), ==, 0);
  g_mutex_lock (&b.lock);
  b.removed = TRUE;
  g_cond_broadcast (&b.cond);
  g_mutex_unlock (&b.lock);

  while (g_atomic_int_get (&b.notified) == 0)
    g_usleep (1000);
  signal_eventfd (fd);
  g_usleep (20000);
  g_atomic_int_set (&b.stop, 1);
  g_main_context_wakeup (context);
  g_thread_join (thread);
  g_assert_cmpint (g_atomic_int_get (&b.calls), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&b.notified), ==, 1);

  g_mutex_clear (&b.lock);
  g_cond_clear (&b.cond);
  close (fd);
  finish (context);
}

typedef struct
{
  Counter c;
  GPidFdWatch *self;
  GPidFdWatch *added;
  Counter added_counter;
  int added_fd;
} Adder;

static void
on_ready_add (int      fd,
              guint    revents,
              gpointer user_data)
{
  Adder *a = user_data;

  on_ready (fd, revents, &a->c);
  /* Outside every lock: a new watch, in the same context, from here. */
  a->added = gpidfd_watch_new (a->c.context, a->added_fd, G_IO_IN, on_ready,
                               &a->added_counter, on_notify);
  g_assert_nonnull (a->added);
  gpidfd_watch_remove (g_steal_pointer (&a->self));
}

static void
test_add_from_callback (void)
{
  GMainContext *context = g_main_context_new ();
  Adder a;
  int fd = make_eventfd ();

  g_test_summary ("A callback adds a watch to its own context and removes "
                  "itself: the watcher goes on, with the new watch");
  memset (&a, 0, sizeof a);
  counter_init (&a.c, context, TRUE);
  counter_init (&a.added_counter, context, TRUE);
  a.added_fd = make_eventfd ();
  a.self = gpidfd_watch_new (context, fd, G_IO_IN, on_ready_add, &a, on_notify);
  g_assert_nonnull (a.self);

  signal_eventfd (fd);
  run_until_calls (context, &a.c, 1);
  g_assert_cmpuint (a.c.notified, ==, 1);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);

  signal_eventfd (a.added_fd);
  run_until_calls (context, &a.added_counter, 1);
  gpidfd_watch_remove (a.added);
  g_assert_cmpuint (a.added_counter.notified, ==, 1);

  close (fd);
  close (a.added_fd);
  finish (context);
}

/* ---- Descriptors that go ----------------------------------------------- */

static void
test_closed_while_watched (void)
{
  GMainContext *context = g_main_context_new ();
  Counter closed, other;
  GPidFdWatch *closed_watch, *other_watch;
  int fds[2];
  int fd = make_eventfd ();

  g_test_summary ("A descriptor closed while watched reports nothing more; "
                  "its watch is removed cleanly and the others go on");
  make_pipe (fds);
  counter_init (&closed, context, FALSE);
  counter_init (&other, context, TRUE);
  closed_watch = watch_new (context, fds[0], G_IO_IN, &closed);
  other_watch = watch_new (context, fd, G_IO_IN, &other);

  /* Closed: its file goes, and with it the registration. */
  close (fds[0]);
  signal_eventfd (fd);
  run_until_calls (context, &other, 1);
  settle (context);
  g_assert_cmpuint (closed.calls, ==, 0);

  gpidfd_watch_remove (closed_watch);
  g_assert_cmpuint (closed.notified, ==, 1);
  signal_eventfd (fd);
  run_until_calls (context, &other, 2);
  gpidfd_watch_remove (other_watch);

  close (fds[1]);
  close (fd);
  finish (context);
}

static void
test_bad_fd (void)
{
  GMainContext *context = g_main_context_new ();
  Counter c, keeper;
  GPidFdWatch *keeper_watch;
  int keeper_fd;
  int fd;

  g_test_summary ("watch_new on a descriptor epoll refuses: NULL with errno, "
                  "no notify, no watcher left");
  counter_init (&c, context, FALSE);

  /* Without a watcher yet: the one made for it goes again. */
  errno = 0;
  g_assert_null (gpidfd_watch_new (context, -1, G_IO_IN, on_ready, &c, on_notify));
  g_assert_cmpint (errno, ==, EBADF);
  assert_no_watcher ();

  /* A regular file: epoll has nothing to say of it. */
  fd = open ("/proc/self/status", O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (fd, >=, 0);
  errno = 0;
  g_assert_null (gpidfd_watch_new (context, fd, G_IO_IN, on_ready, &c, on_notify));
  g_assert_cmpint (errno, ==, EPERM);
  close (fd);
  assert_no_watcher ();

  /* With a watcher: it stays, for its other watch. A closed descriptor
   * (its number not taken by the epoll set meanwhile). */
  counter_init (&keeper, context, TRUE);
  keeper_fd = make_eventfd ();
  keeper_watch = watch_new (context, keeper_fd, G_IO_IN, &keeper);
  fd = make_eventfd ();
  close (fd);
  errno = 0;
  g_assert_null (gpidfd_watch_new (context, fd, G_IO_IN, on_ready, &c, on_notify));
  g_assert_cmpint (errno, ==, EBADF);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);

  g_assert_cmpuint (c.notified, ==, 0);
  settle (context);
  g_assert_cmpuint (c.calls, ==, 0);
  g_assert_cmpuint (keeper.calls, ==, 0);
  gpidfd_watch_remove (keeper_watch);
  close (keeper_fd);
  finish (context);
}

/* ---- Many ------------------------------------------------------------- */

static void
test_many (void)
{
  guint n = gt_scale (500, 50);
  GMainContext *context = g_main_context_new ();
  g_autofree Counter *counters = g_new0 (Counter, n);
  g_autofree GPidFdWatch **watches = g_new0 (GPidFdWatch *, n);
  g_autofree int *fds = g_new0 (int, n);
  guint total = 0;

  g_test_summary ("Hundreds of descriptors in one watcher: every readiness "
                  "reported once, whatever the order");
  gt_raise_nofile ();
  for (guint i = 0; i < n; i++)
    {
      fds[i] = make_eventfd ();
      counter_init (&counters[i], context, TRUE);
      watches[i] = watch_new (context, fds[i], G_IO_IN, &counters[i]);
    }
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);

  /* Every other one, then all, in reverse. */
  for (guint i = 0; i < n; i += 2)
    signal_eventfd (fds[i]);
  for (guint round = 0; round < 2; round++)
    {
      guint want = round == 0 ? (n + 1) / 2 : (n + 1) / 2 + n;

      while (total < want)
        {
          g_main_context_iteration (context, TRUE);
          total = 0;
          for (guint i = 0; i < n; i++)
            total += counters[i].calls;
        }
      g_assert_cmpuint (total, ==, want);
      if (round == 0)
        {
          for (guint i = n; i > 0; i--)
            signal_eventfd (fds[i - 1]);
        }
    }
  settle (context);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (counters[i].calls, ==, i % 2 == 0 ? 2 : 1);

  for (guint i = 0; i < n; i++)
    {
      gpidfd_watch_remove (watches[i]);
      g_assert_cmpuint (counters[i].notified, ==, 1);
      g_assert_cmpuint (gpidfd_watcher_count (), ==, i + 1 < n ? 1 : 0);
      close (fds[i]);
    }
  g_main_context_unref (context);
}

static void
test_contexts (void)
{
  GMainContext *a = g_main_context_new ();
  GMainContext *b = g_main_context_new ();
  Counter ca, cb;
  GPidFdWatch *wa, *wb;
  int fa = make_eventfd ();
  int fb = make_eventfd ();

  g_test_summary ("One watcher per context: a readiness is dispatched in the "
                  "watch's own context only");
  counter_init (&ca, a, TRUE);
  counter_init (&cb, b, TRUE);
  wa = watch_new (a, fa, G_IO_IN, &ca);
  wb = watch_new (b, fb, G_IO_IN, &cb);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 2);

  signal_eventfd (fa);
  signal_eventfd (fb);
  settle (a);
  g_assert_cmpuint (ca.calls, ==, 1);
  g_assert_cmpuint (cb.calls, ==, 0);
  settle (b);
  g_assert_cmpuint (cb.calls, ==, 1);

  gpidfd_watch_remove (wa);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);
  gpidfd_watch_remove (wb);
  assert_no_watcher ();
  close (fa);
  close (fb);
  g_main_context_unref (a);
  g_main_context_unref (b);
}

/* ---- Fork -------------------------------------------------------------- */

typedef struct
{
  GMainContext *context;
  Counter *inherited;
  int ready_wr;    /* the child says it iterates */
  gboolean new_watch;
} ForkChild;

/* In the forked child (no exec): its context's first iteration moves the
 * inherited watch to a set of its own, which must see the readiness the
 * parent sees too. Exits 0 when it did. */
static G_GNUC_NORETURN void
fork_child_main (ForkChild *fc)
{
  Counter own;
  GPidFdWatch *watch = NULL;
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;
  int fd = -1;

  alarm (TIMEOUT_S * 2);
  fc->inherited->calls = 0;
  if (fc->new_watch)
    {
      /* A call before any iteration moves the inherited watch too. */
      fd = eventfd (1, EFD_CLOEXEC | EFD_NONBLOCK);
      counter_init (&own, fc->context, TRUE);
      watch = gpidfd_watch_new (fc->context, fd, G_IO_IN, on_ready, &own, NULL);
      if (watch == NULL)
        _exit (3);
    }
  else
    g_main_context_iteration (fc->context, FALSE);
  if (write (fc->ready_wr, "r", 1) != 1)
    _exit (4);
  while (fc->inherited->calls == 0 || (watch != NULL && own.calls == 0))
    {
      if (g_get_monotonic_time () > deadline)
        _exit (5);
      g_main_context_iteration (fc->context, TRUE);
    }
  _exit (0);
}

static void
test_fork (gconstpointer data)
{
  gboolean new_watch = GPOINTER_TO_UINT (data);
  GMainContext *context = g_main_context_new ();
  Counter c;
  GPidFdWatch *watch;
  int fds[2], ready[2];
  ForkChild fc;
  pid_t pid;
  char byte;

  g_test_summary ("A forked child iterates, or calls, before the readiness "
                  "comes: its watches move to a set of its own, and both it "
                  "and its parent see the readiness");
  make_pipe (fds);
  gt_pipe (ready);
  counter_init (&c, context, FALSE);
  watch = watch_new (context, fds[0], G_IO_IN, &c);

  fc = (ForkChild) { context, &c, ready[1], new_watch };
  fflush (stdout);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      close (ready[0]);
      fork_child_main (&fc);
    }
  close (ready[1]);
  g_assert_true (gt_read_full (ready[0], &byte, 1));
  close (ready[0]);

  /* The child polls its own set by now; the parent has not looked yet.
   * A shared set would hand the one-shot event to one of them only. */
  g_assert_cmpint (write (fds[1], "x", 1), ==, 1);
  run_until_calls (context, &c, 1);
  gt_reap_exited (pid, 0);

  gpidfd_watch_remove (watch);
  close_pipe (fds);
  finish (context);
}

static void
test_fork_parent_only (void)
{
  GMainContext *context = g_main_context_new ();
  Counter c;
  GPidFdWatch *watch;
  int fd = make_eventfd ();
  pid_t pid;

  g_test_summary ("A forked child that exits at once leaves the parent's "
                  "watches working");
  counter_init (&c, context, TRUE);
  watch = watch_new (context, fd, G_IO_IN, &c);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (0);
  gt_reap_exited (pid, 0);

  signal_eventfd (fd);
  run_until_calls (context, &c, 1);
  gpidfd_watch_remove (watch);
  close (fd);
  finish (context);
}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/watcher/readiness/once", test_once_per_readiness);
  gt_add ("/watcher/readiness/level-again", test_level_again);
  gt_add ("/watcher/readiness/hup-err", test_hup_err);
  gt_add ("/watcher/modify/armed", test_modify);
  gt_add ("/watcher/modify/from-callback", test_modify_from_callback);
  gt_add ("/watcher/remove/from-callback", test_remove_from_callback);
  gt_add ("/watcher/remove/other-in-dispatch", test_remove_other_in_dispatch);
  gt_add ("/watcher/remove/from-thread", test_remove_from_thread);
  gt_add ("/watcher/add-from-callback", test_add_from_callback);
  gt_add ("/watcher/fd/closed-while-watched", test_closed_while_watched);
  gt_add ("/watcher/fd/refused", test_bad_fd);
  gt_add ("/watcher/many", test_many);
  gt_add ("/watcher/contexts", test_contexts);
  gt_add_data ("/watcher/fork/child-iterates", GUINT_TO_POINTER (FALSE), test_fork);
  gt_add_data ("/watcher/fork/child-calls", GUINT_TO_POINTER (TRUE), test_fork);
  gt_add ("/watcher/fork/child-exits", test_fork_parent_only);

  return g_test_run ();
}
