/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tsan-glib.c: teaches ThreadSanitizer the synchronisation of an
 * uninstrumented GLib (build-aux/ci-tsan.sh preloads it into the tests)
 *
 * GLib 2.74 on Linux builds GMutex, GRecMutex, GRWLock and GCond on
 * futex() and atomics of its own, and counts references with atomics,
 * all in code that is not instrumented: ThreadSanitizer sees none of
 * it, so every access that GLib orders looks like a race. This library
 * interposes the GLib entry points that code outside libglib calls (the
 * tests, gpidfd, libgobject and libgio all call them through the PLT)
 * and tells ThreadSanitizer, through its annotation interface, what each
 * one does:
 *
 *   - GMutex, GRecMutex, GRWLock: a lock (with lock-order checking);
 *     g_cond_wait() releases and retakes its mutex;
 *   - g_once_init_enter()/leave(): a release by the initialiser that the
 *     inline fast path (an atomic load in instrumented code) acquires;
 *   - g_object_unref(), g_source_unref(): a release; the last reference
 *     also acquires, so that finalize and free come after every use;
 *   - a GSource made with g_source_new() (gpidfd's own) gets a copy of
 *     its GSourceFuncs whose functions first acquire what was released
 *     on the source: attach, destroy, unref and fd changes from other
 *     threads happen before its dispatch and finalize, as GLib's context
 *     lock makes them;
 *   - a GMainContext is a lock: attaching or invoking releases it,
 *     running an iteration or acquiring it acquires it (GLib takes the
 *     context's lock in each; the wake-up through its eventfd is seen by
 *     ThreadSanitizer's read()/write() interceptors already).
 *
 *   - GAsyncQueue and GThreadPool pushes release, pops acquire (a pool's
 *     worker acquires through a trampoline around the pool's function);
 *   - g_variant_unref() as a reference count; g_bytes_unref() frees
 *     GDBus's message data unchecked;
 *   - fork(): the locks its atfork handlers hold order memory but stay
 *     out of the lock-order graph (see there).
 *
 * Calls inside libglib itself are bound directly and cannot be
 * interposed. Where libglib hands its own memory to another thread
 * under its own locks (a context's source lists, a queue's list nodes),
 * the GLib call that allocates it, which runs no user code, runs with
 * this thread's accesses unchecked. build-aux/tsan.supp is empty, and
 * says why it should stay so.
 *
 * It also takes out of circulation the chunk at the very start of each
 * of ThreadSanitizer's allocator regions: those addresses end in 32 zero
 * bits, unlike anything glibc's malloc() returns: tests that waited with
 * gpt_run_until (ctx, (gboolean *) &pointer, ...) read only the low half
 * of the pointer, so a record stored at such an address never arrived for
 * them (robust-test-threads' .../wait-async and .../source rows hung so,
 * every time). The tests wait for the pointer itself now
 * (gt_run_until_set); this stays so that a pass under ThreadSanitizer
 * sees the addresses a native run sees.
 *
 * Only the annotation functions of the ThreadSanitizer runtime are used,
 * as weak references: preloaded into an uninstrumented process (a shell
 * running a test script) it forwards every call and does nothing else.
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <glib.h>
#include <glib-object.h>

/* From <sanitizer/tsan_interface.h>, weak. */
#define TSAN_WEAK __attribute__ ((weak, visibility ("default")))
extern void __tsan_acquire (void *addr) TSAN_WEAK;
extern void __tsan_release (void *addr) TSAN_WEAK;
extern void __tsan_func_entry (void *call_pc) TSAN_WEAK;
extern void AnnotateIgnoreWritesBegin (const char *file, int line) TSAN_WEAK;
extern void AnnotateIgnoreWritesEnd (const char *file, int line) TSAN_WEAK;
extern void __tsan_func_exit (void) TSAN_WEAK;
extern void __tsan_mutex_destroy (void *addr, unsigned flags) TSAN_WEAK;
extern void __tsan_mutex_pre_lock (void *addr, unsigned flags) TSAN_WEAK;
extern void __tsan_mutex_post_lock (void *addr, unsigned flags, int recursion) TSAN_WEAK;
extern int __tsan_mutex_pre_unlock (void *addr, unsigned flags) TSAN_WEAK;
extern void __tsan_mutex_post_unlock (void *addr, unsigned flags) TSAN_WEAK;

#define MUTEX_WRITE_REENTRANT (1u << 2)
#define MUTEX_READ_LOCK       (1u << 3)
#define MUTEX_TRY_LOCK        (1u << 4)
#define MUTEX_TRY_LOCK_FAILED (1u << 5)

#define ON (__tsan_acquire != NULL)

#define EXPORT __attribute__ ((visibility ("default"), noinline))

/* Each wrapper is a frame of the shadow stack, as an instrumented
 * function is: reports then show the caller's line rather than this
 * file. */
static int
frame_enter (void *caller)
{
  if (__tsan_func_entry != NULL)
    __tsan_func_entry (caller);
  return 0;
}

static void
frame_leave (int *unused)
{
  if (__tsan_func_exit != NULL)
    __tsan_func_exit ();
}

#define FRAME \
  int frame_ __attribute__ ((cleanup (frame_leave), unused)) = \
    frame_enter (__builtin_return_address (0))

/* The real GLib function, looked up on first use. */
#define REAL(ret, name, params)                                          \
  static ret (*real_##name) params;                                      \
  static ret (*get_##name (void)) params                                 \
  {                                                                      \
    __typeof__ (real_##name) f = __atomic_load_n (&real_##name, __ATOMIC_ACQUIRE); \
    if (f == NULL)                                                       \
      {                                                                  \
        f = (__typeof__ (real_##name)) dlsym (RTLD_NEXT, #name);         \
        if (f == NULL)                                                   \
          {                                                              \
            fprintf (stderr, "tsan-glib: %s not found\n", #name);        \
            abort ();                                                    \
          }                                                              \
        __atomic_store_n (&real_##name, f, __ATOMIC_RELEASE);            \
      }                                                                  \
    return f;                                                            \
  }

/* Set while this thread is inside fork(): see fork() below. */
static __thread int in_fork;

static void
lock_pre (void *m, unsigned flags)
{
  if (ON && !in_fork)
    __tsan_mutex_pre_lock (m, flags);
}

/* Always paired with lock_pre(), which starts ignoring accesses until
 * this. */
static void
lock_post (void *m, unsigned flags)
{
  if (!ON)
    return;
  if (!in_fork)
    __tsan_mutex_post_lock (m, flags, 0);
  else if (!(flags & MUTEX_TRY_LOCK_FAILED))
    __tsan_acquire (m);
}

static void
unlock_pre (void *m, unsigned flags)
{
  if (!ON)
    return;
  if (in_fork)
    __tsan_release (m);
  else
    __tsan_mutex_pre_unlock (m, flags);
}

static void
unlock_post (void *m, unsigned flags)
{
  if (ON && !in_fork)
    __tsan_mutex_post_unlock (m, flags);
}

static void
acquire (const void *p)
{
  if (ON && p != NULL)
    __tsan_acquire ((void *) p);
}

static void
release (const void *p)
{
  if (ON && p != NULL)
    __tsan_release ((void *) p);
}

/* Memory accesses of this thread are not checked in between (both the
 * reads and the writes); synchronisation still is. */
static void
ignore_begin (void)
{
  if (ON)
    AnnotateIgnoreWritesBegin (__FILE__, __LINE__);
}

static void
ignore_end (void)
{
  if (ON)
    AnnotateIgnoreWritesEnd (__FILE__, __LINE__);
}

/* GMutex */

REAL (void, g_mutex_lock, (GMutex *))
REAL (gboolean, g_mutex_trylock, (GMutex *))
REAL (void, g_mutex_unlock, (GMutex *))
REAL (void, g_mutex_clear, (GMutex *))

EXPORT void
g_mutex_lock (GMutex *mutex)
{
  FRAME;
  lock_pre (mutex, 0);
  get_g_mutex_lock () (mutex);
  lock_post (mutex, 0);
}

EXPORT gboolean
g_mutex_trylock (GMutex *mutex)
{
  FRAME;
  gboolean locked;

  lock_pre (mutex, MUTEX_TRY_LOCK);
  locked = get_g_mutex_trylock () (mutex);
  lock_post (mutex, MUTEX_TRY_LOCK | (locked ? 0 : MUTEX_TRY_LOCK_FAILED));
  return locked;
}

EXPORT void
g_mutex_unlock (GMutex *mutex)
{
  FRAME;
  unlock_pre (mutex, 0);
  get_g_mutex_unlock () (mutex);
  unlock_post (mutex, 0);
}

EXPORT void
g_mutex_clear (GMutex *mutex)
{
  FRAME;
  if (ON)
    __tsan_mutex_destroy (mutex, 0);
  get_g_mutex_clear () (mutex);
}

/* GRecMutex */

REAL (void, g_rec_mutex_lock, (GRecMutex *))
REAL (gboolean, g_rec_mutex_trylock, (GRecMutex *))
REAL (void, g_rec_mutex_unlock, (GRecMutex *))
REAL (void, g_rec_mutex_clear, (GRecMutex *))

EXPORT void
g_rec_mutex_lock (GRecMutex *mutex)
{
  FRAME;
  lock_pre (mutex, 0);
  get_g_rec_mutex_lock () (mutex);
  lock_post (mutex, MUTEX_WRITE_REENTRANT);
}

EXPORT gboolean
g_rec_mutex_trylock (GRecMutex *mutex)
{
  FRAME;
  gboolean locked;

  lock_pre (mutex, MUTEX_TRY_LOCK);
  locked = get_g_rec_mutex_trylock () (mutex);
  lock_post (mutex, MUTEX_WRITE_REENTRANT | MUTEX_TRY_LOCK |
                    (locked ? 0 : MUTEX_TRY_LOCK_FAILED));
  return locked;
}

EXPORT void
g_rec_mutex_unlock (GRecMutex *mutex)
{
  FRAME;
  unlock_pre (mutex, 0);
  get_g_rec_mutex_unlock () (mutex);
  unlock_post (mutex, 0);
}

EXPORT void
g_rec_mutex_clear (GRecMutex *mutex)
{
  FRAME;
  if (ON)
    __tsan_mutex_destroy (mutex, 0);
  get_g_rec_mutex_clear () (mutex);
}

/* GRWLock */

REAL (void, g_rw_lock_writer_lock, (GRWLock *))
REAL (gboolean, g_rw_lock_writer_trylock, (GRWLock *))
REAL (void, g_rw_lock_writer_unlock, (GRWLock *))
REAL (void, g_rw_lock_reader_lock, (GRWLock *))
REAL (gboolean, g_rw_lock_reader_trylock, (GRWLock *))
REAL (void, g_rw_lock_reader_unlock, (GRWLock *))
REAL (void, g_rw_lock_clear, (GRWLock *))

EXPORT void
g_rw_lock_writer_lock (GRWLock *lock)
{
  FRAME;
  lock_pre (lock, 0);
  get_g_rw_lock_writer_lock () (lock);
  lock_post (lock, 0);
}

EXPORT gboolean
g_rw_lock_writer_trylock (GRWLock *lock)
{
  FRAME;
  gboolean locked;

  lock_pre (lock, MUTEX_TRY_LOCK);
  locked = get_g_rw_lock_writer_trylock () (lock);
  lock_post (lock, MUTEX_TRY_LOCK | (locked ? 0 : MUTEX_TRY_LOCK_FAILED));
  return locked;
}

EXPORT void
g_rw_lock_writer_unlock (GRWLock *lock)
{
  FRAME;
  unlock_pre (lock, 0);
  get_g_rw_lock_writer_unlock () (lock);
  unlock_post (lock, 0);
}

EXPORT void
g_rw_lock_reader_lock (GRWLock *lock)
{
  FRAME;
  lock_pre (lock, MUTEX_READ_LOCK);
  get_g_rw_lock_reader_lock () (lock);
  lock_post (lock, MUTEX_READ_LOCK);
}

EXPORT gboolean
g_rw_lock_reader_trylock (GRWLock *lock)
{
  FRAME;
  gboolean locked;

  lock_pre (lock, MUTEX_READ_LOCK | MUTEX_TRY_LOCK);
  locked = get_g_rw_lock_reader_trylock () (lock);
  lock_post (lock, MUTEX_READ_LOCK | MUTEX_TRY_LOCK | (locked ? 0 : MUTEX_TRY_LOCK_FAILED));
  return locked;
}

EXPORT void
g_rw_lock_reader_unlock (GRWLock *lock)
{
  FRAME;
  unlock_pre (lock, MUTEX_READ_LOCK);
  get_g_rw_lock_reader_unlock () (lock);
  unlock_post (lock, MUTEX_READ_LOCK);
}

EXPORT void
g_rw_lock_clear (GRWLock *lock)
{
  FRAME;
  if (ON)
    __tsan_mutex_destroy (lock, 0);
  get_g_rw_lock_clear () (lock);
}

/* GCond: the wait unlocks the mutex and takes it again inside libglib. */

REAL (void, g_cond_wait, (GCond *, GMutex *))
REAL (gboolean, g_cond_wait_until, (GCond *, GMutex *, gint64))

EXPORT void
g_cond_wait (GCond  *cond,
             GMutex *mutex)
{
  FRAME;
  unlock_pre (mutex, 0);
  unlock_post (mutex, 0);
  get_g_cond_wait () (cond, mutex);
  lock_pre (mutex, 0);
  lock_post (mutex, 0);
}

EXPORT gboolean
g_cond_wait_until (GCond  *cond,
                   GMutex *mutex,
                   gint64  end_time)
{
  FRAME;
  gboolean signalled;

  unlock_pre (mutex, 0);
  unlock_post (mutex, 0);
  signalled = get_g_cond_wait_until () (cond, mutex, end_time);
  lock_pre (mutex, 0);
  lock_post (mutex, 0);
  return signalled;
}

/* g_once_init_enter()/leave(). The macros in <glib/gthread.h> test the
 * location with an atomic load first (in the caller's, instrumented,
 * code): the release must be on the location itself. */

#undef g_once_init_enter
#undef g_once_init_leave

REAL (gboolean, g_once_init_enter, (volatile void *))
REAL (void, g_once_init_leave, (volatile void *, gsize))
REAL (gpointer, g_once_impl, (GOnce *, GThreadFunc, gpointer))

EXPORT gboolean
g_once_init_enter (volatile void *location)
{
  FRAME;
  gboolean first = get_g_once_init_enter () (location);

  /* Someone else initialised it, maybe while we waited. */
  if (!first)
    acquire ((void *) location);
  return first;
}

EXPORT void
g_once_init_leave (volatile void *location,
                   gsize          result)
{
  FRAME;
  release ((void *) location);
  get_g_once_init_leave () (location, result);
}

EXPORT gpointer
g_once_impl (GOnce       *once,
             GThreadFunc  func,
             gpointer     arg)
{
  FRAME;
  gpointer retval;

  /* The GOnce is written by whichever thread runs func: the result is
   * released on it after, and acquired by every caller. */
  retval = get_g_once_impl () (once, func, arg);
  release (once);
  acquire (once);
  return retval;
}

/* Reference counts. */

REAL (void, g_object_unref, (gpointer))

EXPORT void
g_object_unref (gpointer object)
{
  FRAME;
  GObject *obj = object;

  if (ON && obj != NULL)
    {
      __tsan_release (obj);
      /* The last reference: dispose and finalize follow every use. */
      if (__atomic_load_n (&obj->ref_count, __ATOMIC_ACQUIRE) == 1)
        __tsan_acquire (obj);
    }
  get_g_object_unref () (object);
}

/* GSource */

/* GLib holds a reference on the source around each of these calls and
 * drops it afterwards, inside libglib: the release after the call stands
 * for that unref, which the last unref (maybe in another thread, before
 * finalize and free) acquires. */
typedef struct
{
  GSourceFuncs funcs;       /* first: what the source points to */
  GSourceFuncs *orig;
} WrappedFuncs;

static gboolean
wrapped_prepare (GSource *source,
                 gint    *timeout)
{
  const WrappedFuncs *w = (const WrappedFuncs *) source->source_funcs;
  gboolean result;

  acquire (source);
  result = w->orig->prepare (source, timeout);
  release (source);
  return result;
}

static gboolean
wrapped_check (GSource *source)
{
  const WrappedFuncs *w = (const WrappedFuncs *) source->source_funcs;
  gboolean result;

  acquire (source);
  result = w->orig->check (source);
  release (source);
  return result;
}

static gboolean
wrapped_dispatch (GSource     *source,
                  GSourceFunc  callback,
                  gpointer     user_data)
{
  const WrappedFuncs *w = (const WrappedFuncs *) source->source_funcs;
  gboolean result;

  acquire (source);
  result = w->orig->dispatch (source, callback, user_data);
  release (source);
  return result;
}

static void
wrapped_finalize (GSource *source)
{
  const WrappedFuncs *w = (const WrappedFuncs *) source->source_funcs;

  acquire (source);
  w->orig->finalize (source);
}

static pthread_mutex_t wrapped_lock = PTHREAD_MUTEX_INITIALIZER;
static WrappedFuncs *wrapped[64];

/* The copy of @funcs that acquires first; one per GSourceFuncs, kept for
 * the life of the process. */
static GSourceFuncs *
wrap_funcs (GSourceFuncs *funcs)
{
  GSourceFuncs *result = funcs;

  pthread_mutex_lock (&wrapped_lock);
  for (size_t i = 0; i < G_N_ELEMENTS (wrapped); i++)
    {
      if (wrapped[i] == NULL)
        {
          WrappedFuncs *w = calloc (1, sizeof *w);

          w->orig = funcs;
          w->funcs = *funcs;
          if (funcs->prepare != NULL)
            w->funcs.prepare = wrapped_prepare;
          if (funcs->check != NULL)
            w->funcs.check = wrapped_check;
          if (funcs->dispatch != NULL)
            w->funcs.dispatch = wrapped_dispatch;
          if (funcs->finalize != NULL)
            w->funcs.finalize = wrapped_finalize;
          wrapped[i] = w;
          result = &w->funcs;
          break;
        }
      if (wrapped[i]->orig == funcs)
        {
          result = &wrapped[i]->funcs;
          break;
        }
    }
  pthread_mutex_unlock (&wrapped_lock);

  return result;
}

REAL (GSource *, g_source_new, (GSourceFuncs *, guint))
REAL (guint, g_source_attach, (GSource *, GMainContext *))
REAL (void, g_source_destroy, (GSource *))
REAL (void, g_source_unref, (GSource *))
REAL (void, g_source_set_ready_time, (GSource *, gint64))
REAL (gpointer, g_source_add_unix_fd, (GSource *, gint, GIOCondition))
REAL (void, g_source_modify_unix_fd, (GSource *, gpointer, GIOCondition))
REAL (void, g_source_remove_unix_fd, (GSource *, gpointer))

EXPORT GSource *
g_source_new (GSourceFuncs *source_funcs,
              guint         struct_size)
{
  FRAME;
  if (ON && source_funcs != NULL)
    source_funcs = wrap_funcs (source_funcs);
  return get_g_source_new () (source_funcs, struct_size);
}

EXPORT guint
g_source_attach (GSource      *source,
                 GMainContext *context)
{
  FRAME;
  guint id;

  release (source);
  release (context != NULL ? context : g_main_context_default ());
  /* The context's own lists and poll records, which whichever thread
   * next changes the context may free. No user code runs in here. */
  ignore_begin ();
  id = get_g_source_attach () (source, context);
  ignore_end ();
  return id;
}

EXPORT void
g_source_destroy (GSource *source)
{
  FRAME;
  release (source);
  get_g_source_destroy () (source);
}

EXPORT void
g_source_unref (GSource *source)
{
  FRAME;
  if (ON && source != NULL)
    {
      __tsan_release (source);
      if (__atomic_load_n (&source->ref_count, __ATOMIC_ACQUIRE) == 1)
        __tsan_acquire (source);
    }
  get_g_source_unref () (source);
}

EXPORT void
g_source_set_ready_time (GSource *source,
                         gint64   ready_time)
{
  FRAME;
  release (source);
  get_g_source_set_ready_time () (source, ready_time);
}

EXPORT gpointer
g_source_add_unix_fd (GSource      *source,
                      gint          fd,
                      GIOCondition  events)
{
  FRAME;
  gpointer tag;

  release (source);
  /* As in g_source_attach(). */
  ignore_begin ();
  tag = get_g_source_add_unix_fd () (source, fd, events);
  ignore_end ();
  return tag;
}

EXPORT void
g_source_modify_unix_fd (GSource      *source,
                         gpointer      tag,
                         GIOCondition  new_events)
{
  FRAME;
  release (source);
  get_g_source_modify_unix_fd () (source, tag, new_events);
}

EXPORT void
g_source_remove_unix_fd (GSource  *source,
                         gpointer  tag)
{
  FRAME;
  release (source);
  get_g_source_remove_unix_fd () (source, tag);
}

/* GMainContext */

REAL (gboolean, g_main_context_iteration, (GMainContext *, gboolean))
REAL (gboolean, g_main_context_acquire, (GMainContext *))
REAL (void, g_main_context_release, (GMainContext *))
REAL (void, g_main_context_invoke_full, (GMainContext *, gint, GSourceFunc, gpointer, GDestroyNotify))
REAL (void, g_main_loop_run, (GMainLoop *))

static GMainContext *
context_or_default (GMainContext *context)
{
  return context != NULL ? context : g_main_context_default ();
}

EXPORT gboolean
g_main_context_iteration (GMainContext *context,
                          gboolean      may_block)
{
  FRAME;
  gboolean dispatched;

  acquire (context_or_default (context));
  dispatched = get_g_main_context_iteration () (context, may_block);
  release (context_or_default (context));
  return dispatched;
}

EXPORT gboolean
g_main_context_acquire (GMainContext *context)
{
  FRAME;
  gboolean acquired = get_g_main_context_acquire () (context);

  acquire (context_or_default (context));
  return acquired;
}

EXPORT void
g_main_context_release (GMainContext *context)
{
  FRAME;
  release (context_or_default (context));
  get_g_main_context_release () (context);
}

EXPORT void
g_main_context_invoke_full (GMainContext   *context,
                            gint            priority,
                            GSourceFunc     function,
                            gpointer        data,
                            GDestroyNotify  notify)
{
  FRAME;
  /* When the context is another thread's, libglib allocates an idle
   * source here that the other thread dispatches and frees under the
   * context's own lock: unchecked, as a queue push below. (Run at once,
   * in a context this thread owns, @function is unchecked too.) */
  release (context_or_default (context));
  ignore_begin ();
  get_g_main_context_invoke_full () (context, priority, function, data, notify);
  ignore_end ();
  release (context_or_default (context));
}

EXPORT void
g_main_context_invoke (GMainContext *context,
                       GSourceFunc   function,
                       gpointer      data)
{
  FRAME;
  g_main_context_invoke_full (context, G_PRIORITY_DEFAULT, function, data, NULL);
}

EXPORT void
g_main_loop_run (GMainLoop *loop)
{
  FRAME;
  GMainContext *context = g_main_loop_get_context (loop);

  acquire (context);
  get_g_main_loop_run () (loop);
  release (context);
}

/* GAsyncQueue and GThreadPool hand items between threads under the
 * queue's own lock, inside libglib; each item travels in a list node
 * that libglib allocates in the pushing thread and frees in the popping
 * one. The push releases the queue and the pop acquires it, for the
 * items; the node's allocation is made while this thread's accesses are
 * not checked, which leaves its memory blank to ThreadSanitizer, so that
 * its free (and G_DEBUG=gc-friendly's memset) in the other thread is no
 * race. Nothing but libglib's own memory is touched inside a push. */

REAL (void, g_async_queue_push, (GAsyncQueue *, gpointer))
REAL (void, g_async_queue_push_front, (GAsyncQueue *, gpointer))
REAL (gpointer, g_async_queue_pop, (GAsyncQueue *))
REAL (gpointer, g_async_queue_try_pop, (GAsyncQueue *))
REAL (gpointer, g_async_queue_timeout_pop, (GAsyncQueue *, guint64))
REAL (gboolean, g_thread_pool_push, (GThreadPool *, gpointer, GError **))

EXPORT void
g_async_queue_push (GAsyncQueue *queue,
                    gpointer     data)
{
  FRAME;
  release (queue);
  ignore_begin ();
  get_g_async_queue_push () (queue, data);
  ignore_end ();
}

EXPORT void
g_async_queue_push_front (GAsyncQueue *queue,
                          gpointer     data)
{
  FRAME;
  release (queue);
  ignore_begin ();
  get_g_async_queue_push_front () (queue, data);
  ignore_end ();
}

EXPORT gpointer
g_async_queue_pop (GAsyncQueue *queue)
{
  FRAME;
  gpointer data = get_g_async_queue_pop () (queue);

  acquire (queue);
  return data;
}

EXPORT gpointer
g_async_queue_try_pop (GAsyncQueue *queue)
{
  FRAME;
  gpointer data = get_g_async_queue_try_pop () (queue);

  acquire (queue);
  return data;
}

EXPORT gpointer
g_async_queue_timeout_pop (GAsyncQueue *queue,
                           guint64      timeout)
{
  FRAME;
  gpointer data = get_g_async_queue_timeout_pop () (queue, timeout);

  acquire (queue);
  return data;
}

EXPORT gboolean
g_thread_pool_push (GThreadPool  *pool,
                    gpointer      data,
                    GError      **error)
{
  FRAME;
  gboolean pushed;

  release (pool);
  ignore_begin ();
  pushed = get_g_thread_pool_push () (pool, data, error);
  ignore_end ();
  return pushed;
}

/* A pool's worker takes each item out of the pool's queue inside
 * libglib, where no pop is seen: each pool's function runs through a
 * trampoline that first acquires what the pushes released on the pool
 * (GTask's pool, made by libgio with g_thread_pool_new(), runs
 * g_task_run_in_thread()'s functions: an object made in one thread and
 * initialised in the pool's). The trampoline lives as long as the
 * process; pools are few and GTask's is never freed. */

typedef struct
{
  GFunc func;
  gpointer user_data;
  GThreadPool *pool;    /* set once made, before any push */
} PoolFunc;

static void
pool_func_trampoline (gpointer data,
                      gpointer user_data)
{
  PoolFunc *t = user_data;

  acquire (t->pool);
  t->func (data, t->user_data);
}

REAL (GThreadPool *, g_thread_pool_new, (GFunc, gpointer, gint, gboolean, GError **))
REAL (GThreadPool *, g_thread_pool_new_full,
      (GFunc, gpointer, GDestroyNotify, gint, gboolean, GError **))

static PoolFunc *
pool_func_new (GFunc    func,
               gpointer user_data)
{
  PoolFunc *t = calloc (1, sizeof *t);

  if (t == NULL)
    abort ();
  t->func = func;
  t->user_data = user_data;
  return t;
}

EXPORT GThreadPool *
g_thread_pool_new (GFunc     func,
                   gpointer  user_data,
                   gint      max_threads,
                   gboolean  exclusive,
                   GError  **error)
{
  PoolFunc *t = pool_func_new (func, user_data);

  t->pool = get_g_thread_pool_new () (pool_func_trampoline, t, max_threads, exclusive,
                                      error);
  return t->pool;
}

EXPORT GThreadPool *
g_thread_pool_new_full (GFunc           func,
                        gpointer        user_data,
                        GDestroyNotify  item_free_func,
                        gint            max_threads,
                        gboolean        exclusive,
                        GError        **error)
{
  PoolFunc *t = pool_func_new (func, user_data);

  t->pool = get_g_thread_pool_new_full () (pool_func_trampoline, t, item_free_func,
                                           max_threads, exclusive, error);
  return t->pool;
}

/* GBytes: GDBus shares message data between its worker thread and the
 * caller's as GBytes (inside GVariants), read by libglib under its own
 * locks and freed by whichever thread drops the last reference, the
 * GVariant's own often from inside libglib. The unref runs unchecked:
 * neither gpidfd nor its tests make a GBytes, so the memory it frees
 * (and any free function of its maker) is GLib's. */

REAL (void, g_bytes_unref, (GBytes *))
REAL (void, g_variant_unref, (GVariant *))

EXPORT void
g_bytes_unref (GBytes *bytes)
{
  FRAME;
  ignore_begin ();
  get_g_bytes_unref () (bytes);
  ignore_end ();
}

/* A GVariant's reference count, which is not public: each unref
 * releases, and acquires what the others released, so that the last
 * one, wherever it frees the variant's GBytes, comes after every read
 * of it. (It orders nothing of gpidfd's: gpidfd keeps no data of its
 * own in a GVariant.) */
EXPORT void
g_variant_unref (GVariant *value)
{
  FRAME;
  release (value);
  acquire (value);
  get_g_variant_unref () (value);
}

/* fork(). Its pthread_atfork() handlers hold locks across the fork
 * (gpidfd's take its watcher table lock, then every watcher's lock, in
 * the table's order, so that the child finds them free). Their order is
 * no lock order: the table lock is held around them all. But
 * ThreadSanitizer's lock-order graph knows no such gate and reports two
 * forks that met the watchers in different orders as a potential
 * deadlock. Inside fork() these locks therefore only order memory
 * (acquire and release), and stay out of the lock-order graph.
 *
 * ThreadSanitizer's own fork() interceptor finds this function as the
 * "real" fork (the next definition after the executable). */

REAL (pid_t, fork, (void))

EXPORT pid_t
fork (void)
{
  pid_t pid;

  in_fork++;
  pid = get_fork () ();
  in_fork--;
  return pid;
}

/* Sources attached to the default context inside libglib. */

REAL (guint, g_idle_add_full, (gint, GSourceFunc, gpointer, GDestroyNotify))
REAL (guint, g_timeout_add_full, (gint, guint, GSourceFunc, gpointer, GDestroyNotify))
REAL (guint, g_timeout_add_seconds_full, (gint, guint, GSourceFunc, gpointer, GDestroyNotify))

EXPORT guint
g_idle_add_full (gint           priority,
                 GSourceFunc    function,
                 gpointer       data,
                 GDestroyNotify notify)
{
  FRAME;
  release (g_main_context_default ());
  return get_g_idle_add_full () (priority, function, data, notify);
}

EXPORT guint
g_idle_add (GSourceFunc function,
            gpointer    data)
{
  FRAME;
  return g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, function, data, NULL);
}

EXPORT guint
g_timeout_add_full (gint           priority,
                    guint          interval,
                    GSourceFunc    function,
                    gpointer       data,
                    GDestroyNotify notify)
{
  FRAME;
  release (g_main_context_default ());
  return get_g_timeout_add_full () (priority, interval, function, data, notify);
}

EXPORT guint
g_timeout_add (guint       interval,
               GSourceFunc function,
               gpointer    data)
{
  FRAME;
  return g_timeout_add_full (G_PRIORITY_DEFAULT, interval, function, data, NULL);
}

EXPORT guint
g_timeout_add_seconds_full (gint           priority,
                            guint          interval,
                            GSourceFunc    function,
                            gpointer       data,
                            GDestroyNotify notify)
{
  FRAME;
  release (g_main_context_default ());
  return get_g_timeout_add_seconds_full () (priority, interval, function, data, notify);
}

EXPORT guint
g_timeout_add_seconds (guint       interval,
                       GSourceFunc function,
                       gpointer    data)
{
  FRAME;
  return g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, interval, function, data, NULL);
}

/* ThreadSanitizer's allocator hands out, as the first chunk of each size
 * class, the start of that class's region: an address whose low 32 bits
 * are all zero. Keep those chunks. */
__attribute__ ((constructor)) static void
reserve_aligned_chunks (void)
{
  if (!ON)
    return;

  for (size_t size = 16; size <= (1u << 17); size += size < 256 ? 16 : size / 8)
    {
      void *tried[16];
      size_t n = 0;

      while (n < G_N_ELEMENTS (tried))
        {
          void *p = malloc (size);

          if (p == NULL)
            break;
          if (((uintptr_t) p & 0xffffffffu) == 0)
            break;            /* kept for the life of the process */
          tried[n++] = p;
        }
      while (n > 0)
        free (tried[--n]);
    }
}
