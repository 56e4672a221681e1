/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-wait.c: how a process ends: collecting its record, blocking and
 * asynchronous waits, and the pending waits of a GPidFd
 *
 * The pending asynchronous waits of a GPidFd live here, on the object,
 * under its lock: one PendingWaits per main context, which holds one
 * watch on the pidfd in the watcher of that context (gpidfd-watcher.c,
 * which knows only descriptors). The watcher calls back into this file;
 * this file calls the watcher; the watcher never calls into the object.
 *
 * Lock order: a GPidFd's lock, then the watcher's locks. No task is
 * completed with a lock held: completing runs user code.
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gpidfd-error-private.h"
#include "gpidfd-exit-info-private.h"
#include "gpidfd-pidfd-private.h"
#include "gpidfd-pidfd-util-private.h"
#include "gpidfd-syscall-private.h"
#include "gpidfd-watcher-private.h"

/**
 * g_pidfd_has_exited:
 * @self: a #GPidFd
 *
 * Tells, without blocking, whether the process (or thread) has ended:
 * whether its pidfd is readable. This never reaps it.
 *
 * Returns: %TRUE if the process has exited
 *
 * Since: 1.0
 */
gboolean
g_pidfd_has_exited (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);

  if (!gpidfd_pidfd_check_ready_or_critical (self, G_STRFUNC))
    return FALSE;

  return gpidfd_pidfd_has_exited (self->fd);
}

/* The caller's child (or one it may peek at): waitid() decides. Sets
 * *not_child when it says ECHILD, or when the process is not there to
 * be waited for by pid. Under self->lock. */
static GPidFdExitInfo *
collect_child_locked (GPidFd         *self,
                      gboolean       *not_child,
                      GPidFdNextPoll *next,
                      GError        **error)
{
  siginfo_t si;
  struct rusage ru;
  int options = WEXITED | WNOHANG | __WALL;

  *not_child = FALSE;

  if (self->flags & G_PIDFD_FLAGS_NO_REAP)
    options |= WNOWAIT;

  if (gpidfd_pidfd_waitid (self->process_fd, self->process_pid, &si, options, &ru) < 0)
    {
      int errsv = errno;

      switch (errsv)
        {
        case ECHILD:
          /* Not ours (now), reaped behind our back, or SIGCHLD is
           * ignored and the kernel reaped it. */
          *not_child = TRUE;
          return NULL;
        case EAGAIN:
          /* A PIDFD_NONBLOCK pidfd: not waitable yet, as below. */
          si.si_pid = 0;
          break;
        default:
          gpidfd_set_error_from_errno (error, errsv, GPIDFD_CALL_WAITID,
                                       "Cannot wait for process %d", self->process_pid);
          return NULL;
        }
    }

  if (si.si_pid == 0)
    {
      /* Exited (the pidfd is readable) but not waitable yet: a tracer
       * that is not its parent has to collect it first. The pidfd stays
       * readable meanwhile, and nothing says when the tracer is done. */
      next->events = 0;
      next->recheck_ms = GPIDFD_RECHECK_MS;
      return NULL;
    }

  if (!(self->flags & G_PIDFD_FLAGS_NO_REAP))
    self->reaped = TRUE;

  return gpidfd_exit_info_new_from_siginfo (self->process_pid, &si, &ru);
}

/* A process the caller does not reap, which has exited. Under
 * self->lock. */
static GPidFdExitInfo *
collect_other_locked (GPidFd         *self,
                      int             revents,
                      GPidFdNextPoll *next)
{
  GPidFdKernelInfo info;
  gboolean may_adopt = gpidfd_sys_may_adopt ();

  if (!self->exit_uid_read)
    {
      /* Its credentials as it ended: a zombie still has them, a reaped
       * process no longer does (not even with PIDFD_INFO_EXIT). */
      self->exit_uid_read = TRUE;
      if (!(revents & POLLHUP))
        self->exit_uid = gpidfd_pidfd_query_uid (self->process_fd, self->process_pid);
    }

  if (!gpidfd_pidfd_is_reaped (self->process_fd, self->process_pid, revents))
    {
      /* Exited, not yet reaped by its parent. Once it is, the status
       * shows up in PIDFD_INFO_EXIT (Linux 6.15), and POLLHUP says so.
       * A subreaper (or pid 1) may be handed the zombie and reap it
       * itself, with its full record: no event says so, hence the
       * recheck. Without PIDFD_INFO_EXIT that is worth waiting for only
       * when the process is in the caller's pid namespace: one it cannot
       * see (pid 0) is never handed to it, and its reap could not be
       * seen either. Otherwise nothing more is to be learnt. */
      if (!gpidfd_sys_has_exit_info () &&
          (!may_adopt || self->process_pid <= 0 ||
           gpidfd_pidfd_query_pid (self->process_fd) == 0))
        return gpidfd_exit_info_new_unknown (self->process_pid, self->exit_uid);

      next->events = 0;
      next->recheck_ms = may_adopt ? GPIDFD_RECHECK_MS : -1;
      return NULL;
    }

  if (gpidfd_sys_get_info (self->process_fd, GPIDFD_INFO_EXIT, &info) == 0 &&
      (info.mask & GPIDFD_INFO_EXIT))
    return gpidfd_exit_info_new_from_wait_status (self->process_pid, info.exit_code,
                                                  self->exit_uid);

  /* Reaped by someone else on a kernel without PIDFD_INFO_EXIT, or in
   * another pid namespace: the status is gone. */
  return gpidfd_exit_info_new_unknown (self->process_pid, self->exit_uid);
}

static GPidFdExitInfo *
step_locked (GPidFd         *self,
             int             revents,
             GPidFdNextPoll *next,
             GError        **error)
{
  GPidFdExitInfo *info = NULL;
  gboolean not_child;

  next->events = POLLIN;
  next->recheck_ms = -1;

  if (self->exit_info != NULL)
    return g_object_ref (self->exit_info);

  /* revents are those of the status descriptor: the process's. */
  if (revents < 0)
    revents = gpidfd_sys_poll (gpidfd_pidfd_get_status_fd (self), 0);
  if (revents < 0)
    {
      gpidfd_set_error_from_errno (error, errno, -1, "Cannot poll process %d", self->pid);
      return NULL;
    }
  if (!(revents & (POLLIN | POLLHUP | POLLERR)))
    return NULL;

  if (self->process_fd < 0)
    {
      /* A thread that had ended before its process could be opened: a
       * thread has no status of its own, and none is claimed. */
      info = gpidfd_exit_info_new_unknown (self->pid, GPIDFD_UID_UNKNOWN);
    }
  else
    {
      /* Child or not is decided now: it may have become ours since it
       * was opened. */
      info = collect_child_locked (self, &not_child, next, error);
      if (not_child)
        info = collect_other_locked (self, revents, next);
    }

  if (info != NULL)
    self->exit_info = g_object_ref (info);

  return info;
}

GPidFdExitInfo *
gpidfd_pidfd_step (GPidFd         *self,
                   int             revents,
                   GPidFdNextPoll *next,
                   GError        **error)
{
  GPidFdExitInfo *info;

  next->events = POLLIN;
  next->recheck_ms = -1;
  if (!gpidfd_pidfd_check_ready (self, error))
    return NULL;

  g_mutex_lock (&self->lock);
  info = step_locked (self, revents, next, error);
  g_mutex_unlock (&self->lock);

  return info;
}

/**
 * g_pidfd_try_wait:
 * @self: a #GPidFd
 * @error: return location for a #GError
 *
 * Returns the record of the process if it has ended, without blocking.
 * A child of the caller (even one that became a child after @self was
 * opened) is reaped, unless @self has %G_PIDFD_FLAGS_NO_REAP.
 *
 * %NULL without an error means the process has not ended yet, or, for a
 * process the caller does not reap, that its parent has not reaped it
 * yet: on kernels with `PIDFD_INFO_EXIT` (Linux 6.15) its status is only
 * known then.
 *
 * Errors: %G_IO_ERROR_NOT_INITIALIZED for an object that holds no
 * process; %G_IO_ERROR_NOT_SUPPORTED when a seccomp filter or a security
 * module blocks `waitid()` (the message says which); otherwise the code
 * of the errno `waitid()` gave (g_io_error_from_errno()), with the pid
 * and the call named: none is expected from a kernel that allows the
 * call (`ECHILD`, a process that is not the caller's to reap, is no
 * error here: its record then comes from the kernel, or is not known
 * yet).
 *
 * Returns: (transfer full) (nullable): the record, or %NULL
 *
 * Since: 1.0
 */
GPidFdExitInfo *
g_pidfd_try_wait (GPidFd  *self,
                  GError **error)
{
  GPidFdNextPoll next;

  g_return_val_if_fail (G_IS_PIDFD (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return gpidfd_pidfd_step (self, -1, &next, error);
}

/* A wait that could only end after the caller itself has: for the
 * record (or the exit) of the caller's own process, or for the exit of
 * the calling thread. Sets G_IO_ERROR_INVALID_ARGUMENT. */
static gboolean
check_not_self (GPidFd   *self,
                gboolean  for_exit,
                GError  **error)
{
  if (for_exit && self->is_thread)
    {
      if (self->pid > 0 && self->pid == (GPid) syscall (SYS_gettid))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Cannot wait for thread %d: It is the calling thread, "
                       "which cannot outlive itself", self->pid);
          return FALSE;
        }
      return TRUE;
    }

  if (self->process_pid > 0 && self->process_pid == getpid ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot wait for process %d: It is the calling process, "
                   "which cannot outlive itself", self->process_pid);
      return FALSE;
    }

  return TRUE;
}

static void
on_blocking_wait_cancelled (GCancellable *cancellable,
                            gpointer      user_data)
{
  gpidfd_sys_eventfd_signal (GPOINTER_TO_INT (user_data));
}

/* Polls the pidfd until @done says so, or @cancellable fires. @done is
 * asked first, and again after each wakeup; it sets *events (POLLIN, or
 * 0 for POLLHUP alone) and *timeout_ms for the next poll. */
typedef gboolean (*BlockingStep) (GPidFd    *self,
                                  gpointer   result,
                                  short     *events,
                                  int       *timeout_ms,
                                  GError   **error);

static gboolean
blocking_wait (GPidFd        *self,
               gboolean       for_record,
               BlockingStep   step,
               gpointer       result,
               GCancellable  *cancellable,
               GError       **error)
{
  GPollFD fds[2];
  guint nfds = 1;
  gulong cancelled_id = 0;
  gboolean ok = FALSE;

  if (!gpidfd_pidfd_check_ready (self, error) ||
      !check_not_self (self, !for_record, error))
    return FALSE;

  fds[0].fd = for_record ? gpidfd_pidfd_get_status_fd (self) : self->fd;
  if (cancellable != NULL)
    {
      /* Our own eventfd rather than g_cancellable_make_pollfd(), which
       * aborts the process when no descriptor is left. */
      fds[1].fd = gpidfd_sys_eventfd ();
      if (fds[1].fd < 0)
        {
          gpidfd_set_error_from_errno (error, errno, -1, "Cannot wait for process %d",
                                       self->pid);
          return FALSE;
        }
      fds[1].events = G_IO_IN;
      nfds = 2;
      /* Runs at once when already cancelled. */
      cancelled_id = g_cancellable_connect (cancellable,
                                            G_CALLBACK (on_blocking_wait_cancelled),
                                            GINT_TO_POINTER (fds[1].fd), NULL);
    }

  for (;;)
    {
      GError *local_error = NULL;
      short events = G_IO_IN;
      int timeout_ms = -1;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_propagate_error (error, gpidfd_new_cancelled_error (self->pid));
          break;
        }

      if (step (self, result, &events, &timeout_ms, &local_error))
        {
          ok = TRUE;
          break;
        }
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          break;
        }

      fds[0].events = events;
      fds[0].revents = 0;
      if (nfds == 2)
        fds[1].revents = 0;

      if (g_poll (fds, nfds, timeout_ms) < 0 && errno != EINTR)
        {
          gpidfd_set_error_from_errno (error, errno, -1, "Cannot wait for process %d",
                                       self->pid);
          break;
        }
    }

  if (nfds == 2)
    {
      g_cancellable_disconnect (cancellable, cancelled_id);
      close (fds[1].fd);
    }

  return ok;
}

static gboolean
record_step (GPidFd    *self,
             gpointer   result,
             short     *events,
             int       *timeout_ms,
             GError   **error)
{
  GPidFdExitInfo **info = result;
  GPidFdNextPoll next;

  *info = gpidfd_pidfd_step (self, -1, &next, error);
  *events = next.events;
  *timeout_ms = next.recheck_ms;

  return *info != NULL;
}

/**
 * g_pidfd_wait:
 * @self: a #GPidFd
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocks until the process has ended and returns its record. A child of
 * the caller is reaped (unless @self has %G_PIDFD_FLAGS_NO_REAP); whether
 * it is a child is decided when it ends, so a process that became the
 * caller's child after it was opened is reaped too.
 *
 * For a process the caller does not reap, this returns once its parent
 * has reaped it when the kernel can then give its status (Linux 6.15),
 * and as soon as it exits otherwise, with the status unknown. A caller
 * that may be handed the process (a child subreaper, or pid 1 of a pid
 * namespace) waits for the reap on every kernel: the zombie may become
 * its child, and is then reaped with its full record; only a reap by
 * someone else leaves the status unknown (before Linux 6.15). A parent
 * that never reaps it keeps the wait pending, as does a tracer that never
 * lets go of a traced child; such a wait sleeps, looking again every
 * 100 ms. To learn that the process exited without waiting for the reap,
 * use [method@GPidFd.PidFd.wait_exit]. For a thread, this is the record
 * of its process (see [ctor@GPidFd.PidFd.new_from_pid_full]).
 *
 * Cancelling @cancellable, from any thread, makes this return
 * %G_IO_ERROR_CANCELLED; the process is left as it was, and a later wait
 * still gets its record.
 *
 * Errors: %G_IO_ERROR_CANCELLED when @cancellable fires first;
 * %G_IO_ERROR_INVALID_ARGUMENT when @self is the caller's own process
 * (or a thread of it), which cannot outlive itself;
 * %G_IO_ERROR_NOT_INITIALIZED, and the others of
 * [method@GPidFd.PidFd.try_wait].
 *
 * Returns: (transfer full): the record, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFdExitInfo *
g_pidfd_wait (GPidFd        *self,
              GCancellable  *cancellable,
              GError       **error)
{
  GPidFdExitInfo *info = NULL;

  g_return_val_if_fail (G_IS_PIDFD (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!blocking_wait (self, TRUE, record_step, &info, cancellable, error))
    return NULL;

  return info;
}

static gboolean
exit_step (GPidFd    *self,
           gpointer   result,
           short     *events,
           int       *timeout_ms,
           GError   **error)
{
  return g_pidfd_has_exited (self);
}

/**
 * g_pidfd_wait_exit:
 * @self: a #GPidFd
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocks until the process (or thread) has exited: until its pidfd turns
 * readable. This never reaps it and gives no status, so it returns
 * promptly for any process, child or not, even one whose parent never
 * reaps it (as `pidwait` does). Call [method@GPidFd.PidFd.wait] for the
 * record.
 *
 * Errors: %G_IO_ERROR_CANCELLED when @cancellable fires first,
 * %G_IO_ERROR_INVALID_ARGUMENT when @self is the caller's own process,
 * or the calling thread, which cannot outlive itself,
 * %G_IO_ERROR_NOT_INITIALIZED for an object that holds no process.
 *
 * Returns: %TRUE once the process has exited, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_pidfd_wait_exit (GPidFd        *self,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return blocking_wait (self, FALSE, exit_step, NULL, cancellable, error);
}

/* The pending asynchronous waits of one GPidFd in one main context. */
typedef struct
{
  gint ref_count;          /* atomic */
  GPidFd *self;            /* owned */
  GMainContext *context;   /* owned */
  int fd;                  /* the pidfd watched: the status descriptor for
                            * the record, the object's own for the exit */
  GPidFdWatch *watch;
  GSource *recheck;        /* a timeout in the context, while the record
                            * cannot be had yet and no event will say
                            * when it can: it needs no descriptor */

  /* under self->lock */
  GQueue record_tasks;     /* GTask refs waiting for the record */
  GQueue exit_tasks;       /* GTask refs waiting for the exit */
  short events;            /* what the watch polls for */
  gboolean dead;           /* out of self->pending, watches removed */
} PendingWaits;

/* The task data of a pending wait. The cancelled handler may run in any
 * thread, so it reads only this, never the task's source object. */
typedef struct
{
  PendingWaits *pending;   /* owned */
  GTask *task;             /* not owned */
  GQueue *queue;           /* where the task waits */
  GCancellable *cancellable;
  gulong cancelled_id;
} WaitData;

static PendingWaits *
pending_ref (PendingWaits *pending)
{
  g_atomic_int_inc (&pending->ref_count);
  return pending;
}

static void
pending_unref (gpointer data)
{
  PendingWaits *pending = data;

  if (!g_atomic_int_dec_and_test (&pending->ref_count))
    return;

  g_assert (g_queue_is_empty (&pending->record_tasks));
  g_assert (g_queue_is_empty (&pending->exit_tasks));
  g_main_context_unref (pending->context);
  g_object_unref (pending->self);
  g_free (pending);
}

/* Takes @pending out of its object. Returns the reference the object
 * held, for the caller to drop once it has let go of the lock. */
static PendingWaits *
pending_drop_locked (PendingWaits *pending)
{
  GPidFd *self = pending->self;

  g_assert (!pending->dead);
  pending->dead = TRUE;
  self->pending = g_list_remove (self->pending, pending);
  gpidfd_watch_remove (pending->watch);
  pending->watch = NULL;
  if (pending->recheck != NULL)
    {
      g_source_destroy (pending->recheck);
      g_clear_pointer (&pending->recheck, g_source_unref);
    }

  return pending;
}

static void
complete_tasks (GQueue         *record_tasks,
                GQueue         *exit_tasks,
                GPidFdExitInfo *info,
                const GError   *error)
{
  GTask *task;

  while ((task = g_queue_pop_head (exit_tasks)) != NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
    }
  while ((task = g_queue_pop_head (record_tasks)) != NULL)
    {
      if (info != NULL)
        g_task_return_pointer (task, g_object_ref (info), g_object_unref);
      else
        g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
    }
}

static void pending_recheck_start_locked (PendingWaits *pending);

/* The pidfd is ready with @revents (or, with -1, it is time to look
 * again): completes what can be completed. Runs in the context. */
static void
pending_process (PendingWaits *pending,
                 int           revents)
{
  GPidFd *self = pending->self;
  GQueue record_done = G_QUEUE_INIT;
  GQueue exit_done = G_QUEUE_INIT;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  PendingWaits *dropped = NULL;

  g_mutex_lock (&self->lock);
  if (pending->dead)
    {
      g_mutex_unlock (&self->lock);
      return;
    }

  if (revents < 0)
    revents = gpidfd_sys_poll (pending->fd, 0);
  if (revents > 0 && (revents & (POLLIN | POLLHUP | POLLERR)))
    {
      GQueue tmp = pending->exit_tasks;

      exit_done = tmp;
      g_queue_init (&pending->exit_tasks);
    }

  if (!g_queue_is_empty (&pending->record_tasks))
    {
      GPidFdNextPoll next;

      info = step_locked (self, pending->fd == gpidfd_pidfd_get_status_fd (self) ? revents : -1,
                          &next, &error);
      if (info != NULL || error != NULL)
        {
          GQueue tmp = pending->record_tasks;

          record_done = tmp;
          g_queue_init (&pending->record_tasks);
        }
      else
        {
          /* Exit waits on the same watch need POLLIN, and are done by
           * now if it came. */
          if (next.events != pending->events && g_queue_is_empty (&pending->exit_tasks))
            {
              pending->events = next.events;
              gpidfd_watch_set_events (pending->watch, next.events);
            }
          if (next.recheck_ms >= 0)
            pending_recheck_start_locked (pending);
        }
    }

  if (g_queue_is_empty (&pending->record_tasks) && g_queue_is_empty (&pending->exit_tasks))
    dropped = pending_drop_locked (pending);
  g_mutex_unlock (&self->lock);

  complete_tasks (&record_done, &exit_done, info, error);
  if (dropped != NULL)
    pending_unref (dropped);
}

static void
on_pidfd_ready (int      fd,
                guint    revents,
                gpointer user_data)
{
  pending_process (user_data, revents);
}

static gboolean
on_recheck (gpointer user_data)
{
  pending_process (user_data, -1);
  return G_SOURCE_CONTINUE;
}

static void
pending_recheck_start_locked (PendingWaits *pending)
{
  if (pending->recheck != NULL)
    return;

  pending->recheck = g_timeout_source_new (GPIDFD_RECHECK_MS);
  g_source_set_static_name (pending->recheck, "[gpidfd] look again at a process");
  g_source_set_callback (pending->recheck, on_recheck, pending_ref (pending), pending_unref);
  g_source_attach (pending->recheck, pending->context);
}

/* The pending waits of @self in @context on @fd, made if need be. */
static PendingWaits *
pending_get_locked (GPidFd        *self,
                    GMainContext  *context,
                    int            fd,
                    GError       **error)
{
  PendingWaits *pending;

  for (GList *l = self->pending; l != NULL; l = l->next)
    {
      pending = l->data;
      if (pending->context == context && pending->fd == fd)
        return pending;
    }

  pending = g_new0 (PendingWaits, 1);
  pending->ref_count = 1;
  pending->self = g_object_ref (self);
  pending->context = g_main_context_ref (context);
  pending->fd = fd;
  pending->events = G_IO_IN;
  g_queue_init (&pending->record_tasks);
  g_queue_init (&pending->exit_tasks);

  pending->watch = gpidfd_watch_new (context, fd, G_IO_IN, on_pidfd_ready,
                                     pending_ref (pending), pending_unref);
  if (pending->watch == NULL)
    {
      int errsv = errno;

      g_atomic_int_set (&pending->ref_count, 1);
      pending_unref (pending);
      gpidfd_set_error_from_errno (error, errsv, -1,
                                   "Cannot wait for process %d: Cannot watch its pidfd",
                                   self->pid);
      return NULL;
    }

  self->pending = g_list_prepend (self->pending, pending);
  return pending;
}

/* The WaitData whose cancelled handler is dropping a task reference in
 * this thread, if any. */
static GPrivate in_cancelled_handler;

static void
wait_data_free (gpointer user_data)
{
  WaitData *data = user_data;

  /* g_cancellable_disconnect() waits for a handler running in another
   * thread to return, and so would never return when called from the
   * handler itself: the task is finalized there when the handler drops
   * the last reference (see on_wait_cancelled()). A handler may remove
   * itself with the signal call, which does not wait. */
  if (data->cancelled_id != 0)
    {
      if (g_private_get (&in_cancelled_handler) == data)
        g_signal_handler_disconnect (data->cancellable, data->cancelled_id);
      else
        g_cancellable_disconnect (data->cancellable, data->cancelled_id);
    }
  g_clear_object (&data->cancellable);
  pending_unref (data->pending);
  g_free (data);
}

static void
on_wait_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  WaitData *data = user_data;
  PendingWaits *pending = data->pending;
  GPidFd *self = pending->self;
  PendingWaits *dropped = NULL;
  GTask *task = data->task;
  gboolean found;

  g_mutex_lock (&self->lock);
  found = !pending->dead && g_queue_remove (data->queue, task);
  if (found && g_queue_is_empty (&pending->record_tasks) &&
      g_queue_is_empty (&pending->exit_tasks))
    dropped = pending_drop_locked (pending);
  g_mutex_unlock (&self->lock);

  if (dropped != NULL)
    pending_unref (dropped);
  /* Completed already: only a task still pending is ours to end. */
  if (!found)
    return;

  /* GTask holds a reference of its own until the callback has run in
   * the task's context, one iteration later (never from inside this
   * handler: the task's cancellable is cancelled). The queue's reference
   * is dropped here, at once, so that nothing of this wait outlives the
   * callback; when the callback has already run in another thread, it
   * is the last one and the task is finalized here, which
   * wait_data_free() knows from in_cancelled_handler. @data is not
   * touched afterwards. */
  g_task_return_error (task, gpidfd_new_cancelled_error (self->pid));
  g_private_set (&in_cancelled_handler, data);
  g_object_unref (task);
  g_private_set (&in_cancelled_handler, NULL);
}

/* Starts an asynchronous wait for the record (@for_exit FALSE) or for the
 * exit (TRUE). */
static void
wait_async_start (GPidFd              *self,
                  gboolean             for_exit,
                  gpointer             source_tag,
                  const char          *name,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) cached = NULL;
  PendingWaits *pending;
  WaitData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  g_task_set_name (task, name);
  /* A result that won the race against the cancellation is delivered; a
   * cancellation gets our own error, which names the pid. */
  g_task_set_check_cancellable (task, FALSE);

  if (!gpidfd_pidfd_check_ready (self, &error) ||
      !check_not_self (self, for_exit, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->exit_info != NULL)
    cached = g_object_ref (self->exit_info);
  g_mutex_unlock (&self->lock);

  /* GTask defers these to the next iteration of the task's context. */
  if (cached != NULL || (for_exit && g_pidfd_has_exited (self)))
    {
      if (for_exit)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_pointer (task, g_steal_pointer (&cached), g_object_unref);
      return;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_error (task, gpidfd_new_cancelled_error (self->pid));
      return;
    }

  g_mutex_lock (&self->lock);
  pending = pending_get_locked (self, g_task_get_context (task),
                                for_exit ? self->fd : gpidfd_pidfd_get_status_fd (self),
                                &error);
  if (pending == NULL)
    {
      g_mutex_unlock (&self->lock);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data = g_new0 (WaitData, 1);
  data->pending = pending_ref (pending);
  data->task = task;
  data->queue = for_exit ? &pending->exit_tasks : &pending->record_tasks;
  g_task_set_task_data (task, data, wait_data_free);
  g_queue_push_tail (data->queue, g_object_ref (task));
  g_mutex_unlock (&self->lock);

  if (cancellable != NULL)
    {
      data->cancellable = g_object_ref (cancellable);
      /* Runs at once when already cancelled. */
      data->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_wait_cancelled),
                                                  data, NULL);
    }
}

/**
 * g_pidfd_wait_async:
 * @self: a #GPidFd
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the process has ended
 * @user_data: data for @callback
 *
 * Waits for the process to end without blocking, in the thread-default
 * [struct@GLib.MainContext] of the caller; @callback runs there, never
 * from inside this call. Call [method@GPidFd.PidFd.wait_finish] from
 * @callback to get the record. Which process is a child to reap, and when
 * the record is ready, are as for [method@GPidFd.PidFd.wait].
 *
 * ```c
 * g_pidfd_wait_async (pidfd, NULL, on_ended, NULL);
 * ```
 * ```py
 * pidfd.wait_async(None, on_ended)   # def on_ended(pidfd, result): info = pidfd.wait_finish(result)
 * ```
 * ```js
 * Gio._promisify(GPidFd.PidFd.prototype, 'wait_async', 'wait_finish');
 * const info = await pidfd.wait_async(null);
 * ```
 *
 * The pending waits of one main context share one source that polls a
 * single epoll set, so each exit costs the same whether ten or ten
 * thousand processes are being waited for.
 *
 * A pending wait keeps @self alive. Several waits on one #GPidFd all get
 * the same record; a child is reaped once, and only if @self may reap it.
 *
 * Cancelling @cancellable, from any thread, completes the wait with
 * %G_IO_ERROR_CANCELLED in the next iteration of its main context and
 * leaves the process as it was: a later wait still gets its record. If
 * the process ended before the cancellation took effect, the wait
 * completes with the record instead. Either way, @callback runs once.
 *
 * Since: 1.0
 */
void
g_pidfd_wait_async (GPidFd              *self,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_return_if_fail (G_IS_PIDFD (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  wait_async_start (self, FALSE, g_pidfd_wait_async, "[gpidfd] g_pidfd_wait_async",
                    cancellable, callback, user_data);
}

/**
 * g_pidfd_wait_finish:
 * @self: a #GPidFd
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GPidFd.PidFd.wait_async].
 *
 * Errors as [method@GPidFd.PidFd.wait].
 *
 * Returns: (transfer full): the record, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFdExitInfo *
g_pidfd_wait_finish (GPidFd        *self,
                     GAsyncResult  *result,
                     GError       **error)
{
  g_return_val_if_fail (G_IS_PIDFD (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == g_pidfd_wait_async, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * g_pidfd_wait_exit_async:
 * @self: a #GPidFd
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the process has exited
 * @user_data: data for @callback
 *
 * The asynchronous form of [method@GPidFd.PidFd.wait_exit], in the
 * thread-default main context of the caller, sharing the per-context
 * source of [method@GPidFd.PidFd.wait_async]. Never reaps.
 *
 * Since: 1.0
 */
void
g_pidfd_wait_exit_async (GPidFd              *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (G_IS_PIDFD (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  wait_async_start (self, TRUE, g_pidfd_wait_exit_async, "[gpidfd] g_pidfd_wait_exit_async",
                    cancellable, callback, user_data);
}

/**
 * g_pidfd_wait_exit_finish:
 * @self: a #GPidFd
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GPidFd.PidFd.wait_exit_async].
 *
 * Errors as [method@GPidFd.PidFd.wait_exit].
 *
 * Returns: %TRUE once the process has exited, %FALSE with @error set
 *
 * Since: 1.0
 */
gboolean
g_pidfd_wait_exit_finish (GPidFd        *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == g_pidfd_wait_exit_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * g_pidfd_wait_check:
 * @self: a #GPidFd
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Like [method@GPidFd.PidFd.wait], then checks the record with
 * [method@GPidFd.PidFdExitInfo.check], as
 * [method@Gio.Subprocess.wait_check] does.
 *
 * Errors: those of [method@GPidFd.PidFd.wait], and the
 * %G_SPAWN_EXIT_ERROR or %G_SPAWN_ERROR of
 * [method@GPidFd.PidFdExitInfo.check] when the process did not exit with
 * status 0.
 *
 * Returns: %TRUE if the process exited with status 0
 *
 * Since: 1.0
 */
gboolean
g_pidfd_wait_check (GPidFd        *self,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GPidFdExitInfo) info = NULL;

  info = g_pidfd_wait (self, cancellable, error);
  if (info == NULL)
    return FALSE;

  return g_pidfd_exit_info_check (info, error);
}

static void
on_wait_check_ready (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPidFdExitInfo) info = NULL;
  GError *error = NULL;

  info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  if (info == NULL || !g_pidfd_exit_info_check (info, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * g_pidfd_wait_check_async:
 * @self: a #GPidFd
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the process has ended
 * @user_data: data for @callback
 *
 * The asynchronous form of [method@GPidFd.PidFd.wait_check].
 *
 * Since: 1.0
 */
void
g_pidfd_wait_check_async (GPidFd              *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (G_IS_PIDFD (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, g_pidfd_wait_check_async);
  g_task_set_name (task, "[gpidfd] g_pidfd_wait_check_async");
  g_task_set_check_cancellable (task, FALSE);

  g_pidfd_wait_async (self, cancellable, on_wait_check_ready, task);
}

/**
 * g_pidfd_wait_check_finish:
 * @self: a #GPidFd
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GPidFd.PidFd.wait_check_async].
 *
 * Errors as [method@GPidFd.PidFd.wait_check].
 *
 * Returns: %TRUE if the process exited with status 0, %FALSE with @error
 *   set
 *
 * Since: 1.0
 */
gboolean
g_pidfd_wait_check_finish (GPidFd        *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == g_pidfd_wait_check_async, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
