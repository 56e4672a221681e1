/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-pidfd.c: a process, held by a pidfd */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-enums.h"
#include "gpidfd-exit-info-private.h"
#include "gpidfd-pidfd-private.h"
#include "gpidfd-syscall-private.h"
#include "gpidfd-watcher-private.h"

/**
 * GPidFd:
 *
 * A process, held by a Linux process file descriptor (pidfd).
 *
 * A pidfd refers to one process for as long as it is open: unlike a pid,
 * it cannot come to mean a later process that reuses the number. With a
 * #GPidFd, a program can signal a process without racing against pid
 * reuse, find out whether it is still running, and wait for it to end,
 * blocking ([method@GPidFd.PidFd.wait]), polling
 * ([method@GPidFd.PidFd.try_wait]) or from a [struct@GLib.MainContext]
 * ([method@GPidFd.PidFd.wait_async], [method@GPidFd.PidFd.create_source]).
 *
 * The process does not have to be a child of the caller. A child is reaped
 * when it is waited for (unless %G_PIDFD_FLAGS_NO_REAP is given), and its
 * record carries the full `siginfo_t` and resource usage. A process the
 * caller does not reap is never reaped by gpidfd; its status comes from the
 * kernel once its parent has reaped it (Linux 6.15 and later), or is
 * reported as unknown, never as a made-up success.
 *
 * The record is cached: every later wait returns the same
 * [class@GPidFd.PidFdExitInfo].
 *
 * A #GPidFd may be used from several threads at once.
 *
 * Since: 1.0
 */

struct _GPidFd
{
  GObject parent_instance;

  int fd;
  GPid pid;
  GPidFdFlags flags;
  guint is_child : 1;

  GMutex lock;
  /* under lock */
  GPidFdExitInfo *exit_info;
  guint zombie_uid;
  guint reaped : 1;
};

enum {
  PROP_0,
  PROP_FD,
  PROP_PID,
  PROP_FLAGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (GPidFd, g_pidfd, G_TYPE_OBJECT)

static void
g_pidfd_finalize (GObject *object)
{
  GPidFd *self = G_PIDFD (object);

  g_clear_object (&self->exit_info);
  if (self->fd >= 0)
    close (self->fd);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (g_pidfd_parent_class)->finalize (object);
}

static void
g_pidfd_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  GPidFd *self = G_PIDFD (object);

  switch (prop_id)
    {
    case PROP_FD:
      g_value_set_int (value, self->fd);
      break;
    case PROP_PID:
      g_value_set_int (value, g_pidfd_get_pid (self));
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_pidfd_class_init (GPidFdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = g_pidfd_finalize;
  object_class->get_property = g_pidfd_get_property;

  /**
   * GPidFd:fd:
   *
   * The pidfd, owned by the object; -1 for an object not made by one of
   * the constructors.
   *
   * Since: 1.0
   */
  properties[PROP_FD] =
    g_param_spec_int ("fd", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GPidFd:pid:
   *
   * The pid of the process in the caller's pid namespace: 0 when it is
   * not visible there, -1 once the process has been reaped.
   *
   * Since: 1.0
   */
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, -1, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * GPidFd:flags:
   *
   * The flags the object was opened with.
   *
   * Since: 1.0
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL, G_TYPE_PIDFD_FLAGS, G_PIDFD_FLAGS_NONE,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_pidfd_init (GPidFd *self)
{
  self->fd = -1;
  self->zombie_uid = GPIDFD_UID_UNKNOWN;
  g_mutex_init (&self->lock);
}

static void
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *format,
                 ...) G_GNUC_PRINTF (3, 4);

/* Adds ": strerror" to a message and maps errno to a GIOErrorEnum. */
static void
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *format,
                 ...)
{
  g_autofree char *what = NULL;
  GIOErrorEnum code;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  switch (errsv)
    {
    case ESRCH:
      code = G_IO_ERROR_NOT_FOUND;
      break;
    case EPERM:
    case EACCES:
      code = G_IO_ERROR_PERMISSION_DENIED;
      break;
    case ENOSYS:
    case ENOTTY:
      code = G_IO_ERROR_NOT_SUPPORTED;
      break;
    case EINVAL:
    case EBADF:
      code = G_IO_ERROR_INVALID_ARGUMENT;
      break;
    default:
      code = g_io_error_from_errno (errsv);
      break;
    }

  g_set_error (error, G_IO_ERROR, code, "%s: %s", what, g_strerror (errsv));
}

/* Is the process a child of ours (or of another thread of ours)? */
static gboolean
probe_is_child (int  fd,
                GPid pid)
{
  siginfo_t si;
  int options = WEXITED | WNOHANG | WNOWAIT | __WALL;

  if (gpidfd_sys_waitid (P_PIDFD, fd, &si, options, NULL) == 0)
    return TRUE;
  if (errno == EINVAL && !gpidfd_sys_has_waitid_pidfd () && pid > 0)
    return gpidfd_sys_waitid (P_PID, pid, &si, options, NULL) == 0;

  return FALSE;
}

/* The pid in our namespace: 0 when invisible, -1 once reaped; -2 when the
 * kernel cannot tell. */
static GPid
query_pid (int fd)
{
  GPidFdKernelInfo info;
  gint64 pid;

  if (gpidfd_sys_get_info (fd, GPIDFD_INFO_PID, &info) == 0)
    return (GPid) info.pid;
  if (errno == ESRCH)
    return -1;
  if (gpidfd_sys_fdinfo_pid (fd, &pid) == 0)
    return (GPid) pid;

  return -2;
}

static GPidFd *
pidfd_new_take_fd (int         fd,
                   GPid        pid,
                   GPidFdFlags flags)
{
  GPidFd *self = g_object_new (G_TYPE_PIDFD, NULL);

  self->fd = fd;
  self->pid = pid;
  self->flags = flags;
  self->is_child = pid != -1 && probe_is_child (fd, pid);

  return self;
}

/**
 * g_pidfd_new_from_pid:
 * @pid: a process id
 * @error: return location for a #GError
 *
 * Opens a pidfd for the process @pid.
 *
 * A pid only names a process reliably while that process is known to be
 * alive or unreaped, like a child the caller has not waited for yet; once
 * the pidfd is open, it cannot be confused with any later process.
 *
 * Errors are in the %G_IO_ERROR domain: %G_IO_ERROR_INVALID_ARGUMENT for
 * a pid of 0 or less or the id of a thread that is not a process,
 * %G_IO_ERROR_NOT_FOUND when no such process exists,
 * %G_IO_ERROR_NOT_SUPPORTED on a kernel without `pidfd_open()` (before
 * Linux 5.3), %G_IO_ERROR_TOO_MANY_OPEN_FILES when out of descriptors.
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_from_pid (GPid     pid,
                      GError **error)
{
  return g_pidfd_new_from_pid_full (pid, G_PIDFD_FLAGS_NONE, error);
}

/**
 * g_pidfd_new_from_pid_full:
 * @pid: a process id
 * @flags: flags
 * @error: return location for a #GError
 *
 * Like [ctor@GPidFd.PidFd.new_from_pid], with @flags.
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_from_pid_full (GPid          pid,
                           GPidFdFlags   flags,
                           GError      **error)
{
  int fd;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (pid <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open process %d: a pid must be greater than 0", pid);
      return NULL;
    }

  fd = gpidfd_sys_pidfd_open (pid, 0);
  if (fd < 0)
    {
      int errsv = errno;
      pid_t tgid;

      switch (errsv)
        {
        case ESRCH:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "Cannot open process %d: no such process", pid);
          break;
        case EINVAL:
        case ENOENT:
          /* A thread id that is not its process's main thread. */
          tgid = gpidfd_sys_thread_group_of (pid);
          if (tgid > 0 && tgid != pid)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "Cannot open process %d: it is a thread of process %d, "
                         "not a process", pid, (int) tgid);
          else if (errsv == ENOENT)
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                         "Cannot open process %d: no such process", pid);
          else
            set_errno_error (error, errsv, "Cannot open process %d", pid);
          break;
        case ENOSYS:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "Cannot open process %d: the kernel lacks pidfd_open() "
                       "(Linux 5.3 or later is needed)", pid);
          break;
        default:
          set_errno_error (error, errsv, "Cannot open process %d", pid);
          break;
        }
      return NULL;
    }

  return pidfd_new_take_fd (fd, pid, flags);
}

/**
 * g_pidfd_new_from_fd:
 * @fd: a pidfd
 * @error: return location for a #GError
 *
 * Makes a #GPidFd for an existing pidfd, from `clone3()`,
 * `SO_PEERPIDFD`, another library or another process.
 *
 * @fd is duplicated (with close-on-exec set): the caller keeps its own and
 * may close it at once.
 *
 * Errors are in the %G_IO_ERROR domain: %G_IO_ERROR_INVALID_ARGUMENT when
 * @fd is negative, not open, or not a pidfd;
 * %G_IO_ERROR_TOO_MANY_OPEN_FILES when it cannot be duplicated.
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_from_fd (gint     fd,
                     GError **error)
{
  return g_pidfd_new_from_fd_full (fd, G_PIDFD_FLAGS_NONE, error);
}

/**
 * g_pidfd_new_from_fd_full:
 * @fd: a pidfd
 * @flags: flags
 * @error: return location for a #GError
 *
 * Like [ctor@GPidFd.PidFd.new_from_fd], with @flags.
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_from_fd_full (gint          fd,
                          GPidFdFlags   flags,
                          GError      **error)
{
  int is_pidfd;
  int copy;
  GPid pid;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "File descriptor %d is not a pidfd: it is negative", fd);
      return NULL;
    }

  is_pidfd = gpidfd_sys_is_pidfd (fd);
  if (is_pidfd < 0 && errno == EBADF)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "File descriptor %d is not a pidfd: it is not open", fd);
      return NULL;
    }
  if (is_pidfd < 0)
    {
      set_errno_error (error, errno, "File descriptor %d is not a pidfd", fd);
      return NULL;
    }
  if (is_pidfd == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "File descriptor %d is not a pidfd", fd);
      return NULL;
    }

  copy = gpidfd_sys_dup_cloexec (fd);
  if (copy < 0)
    {
      set_errno_error (error, errno, "Cannot duplicate pidfd %d", fd);
      return NULL;
    }

  pid = query_pid (copy);
  if (pid == -2)
    pid = 0;

  return pidfd_new_take_fd (copy, pid, flags);
}

static gboolean
check_open (GPidFd  *self,
            GError **error)
{
  if (self->fd >= 0)
    return TRUE;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                       "This GPidFd holds no process: make it with "
                       "g_pidfd_new_from_pid() or g_pidfd_new_from_fd()");
  return FALSE;
}

/**
 * g_pidfd_get_fd:
 * @self: a #GPidFd
 *
 * Gets the pidfd. It stays owned by @self: do not close it, and
 * `dup()` it to keep it longer than @self.
 *
 * Returns: the file descriptor
 *
 * Since: 1.0
 */
gint
g_pidfd_get_fd (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), -1);

  return self->fd;
}

/**
 * g_pidfd_get_pid:
 * @self: a #GPidFd
 *
 * Gets the pid of the process in the caller's pid namespace.
 *
 * The pid is only a name: it may be reused once the process has been
 * reaped, which is when this starts to return -1.
 *
 * Returns: the pid; 0 when the process is not visible in the caller's pid
 *   namespace; -1 once it has been reaped
 *
 * Since: 1.0
 */
GPid
g_pidfd_get_pid (GPidFd *self)
{
  GPid pid;
  gboolean reaped;

  g_return_val_if_fail (G_IS_PIDFD (self), 0);

  if (self->fd < 0)
    return 0;

  g_mutex_lock (&self->lock);
  reaped = self->reaped;
  g_mutex_unlock (&self->lock);
  if (reaped)
    return -1;

  pid = query_pid (self->fd);
  if (pid == -2)
    return self->pid;

  return pid;
}

GError *
gpidfd_pidfd_new_cancelled_error (GPid pid)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                      "Waiting for process %d was cancelled", pid);
}

GPid
gpidfd_pidfd_get_open_pid (GPidFd *self)
{
  return self->pid;
}

/**
 * g_pidfd_get_flags:
 * @self: a #GPidFd
 *
 * Gets the flags @self was opened with.
 *
 * Returns: the flags
 *
 * Since: 1.0
 */
GPidFdFlags
g_pidfd_get_flags (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), G_PIDFD_FLAGS_NONE);

  return self->flags;
}

/**
 * g_pidfd_is_child:
 * @self: a #GPidFd
 *
 * Tells whether the process was a child of the calling process when
 * @self was opened. Only children can be reaped, and only their records
 * carry resource usage.
 *
 * Returns: whether the process is a child of the caller
 *
 * Since: 1.0
 */
gboolean
g_pidfd_is_child (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);

  return self->is_child;
}

/* Without pidfd_send_signal(), kill(2) is still race-free for an unreaped
 * child that only we reap: its pid cannot be reused before we reap it,
 * which the lock prevents meanwhile. Like the system call, returns -1 with
 * errno set: ENOSYS where this does not apply, ESRCH once reaped. */
static int
kill_unreaped_child (GPidFd *self,
                     gint    signum)
{
  int r;

  if (!self->is_child || (self->flags & G_PIDFD_FLAGS_NO_REAP) || self->pid <= 0)
    {
      errno = ENOSYS;
      return -1;
    }

  g_mutex_lock (&self->lock);
  if (self->reaped)
    {
      errno = ESRCH;
      r = -1;
    }
  else
    r = gpidfd_sys_kill (self->pid, signum);
  g_mutex_unlock (&self->lock);

  return r;
}

/**
 * g_pidfd_send_signal:
 * @self: a #GPidFd
 * @signum: a signal number, or 0 to check that the process can be
 *   signalled
 * @error: return location for a #GError
 *
 * Sends @signum to the process with `pidfd_send_signal()`. The signal
 * can only reach the process @self refers to, never a later process that
 * reuses its pid.
 *
 * Errors: %G_IO_ERROR_INVALID_ARGUMENT for a signal number outside 0 to
 * 64, %G_IO_ERROR_NOT_FOUND once the process has been reaped,
 * %G_IO_ERROR_PERMISSION_DENIED when the caller may not signal it,
 * %G_IO_ERROR_NOT_SUPPORTED on kernels before Linux 5.1.
 *
 * Returns: %TRUE if the signal was sent
 *
 * Since: 1.0
 */
gboolean
g_pidfd_send_signal (GPidFd  *self,
                     gint     signum,
                     GError **error)
{
  int r;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_open (self, error))
    return FALSE;

  if (signum < 0 || signum >= NSIG)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot send signal %d to process %d: no such signal",
                   signum, self->pid);
      return FALSE;
    }

  r = gpidfd_sys_pidfd_send_signal (self->fd, signum);
  if (r < 0 && errno == ENOSYS)
    r = kill_unreaped_child (self, signum);

  if (r < 0)
    {
      int errsv = errno;

      switch (errsv)
        {
        case ESRCH:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "Cannot send signal %d to process %d: it has ended "
                       "and been reaped", signum, self->pid);
          break;
        case ENOSYS:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "Cannot send signal %d to process %d: the kernel lacks "
                       "pidfd_send_signal() (Linux 5.1 or later is needed)",
                       signum, self->pid);
          break;
        default:
          set_errno_error (error, errsv, "Cannot send signal %d to process %d",
                           signum, self->pid);
          break;
        }
      return FALSE;
    }

  return TRUE;
}

/**
 * g_pidfd_has_exited:
 * @self: a #GPidFd
 *
 * Tells, without blocking, whether the process has ended. This never
 * reaps it.
 *
 * Returns: %TRUE if the process has exited
 *
 * Since: 1.0
 */
gboolean
g_pidfd_has_exited (GPidFd *self)
{
  int revents;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);

  if (self->fd < 0)
    return FALSE;

  revents = gpidfd_sys_poll (self->fd, 0);

  return revents > 0 && (revents & (POLLIN | POLLHUP)) != 0;
}

static GPidFdExitInfo *
collect_child_locked (GPidFd    *self,
                      gboolean  *fall_through,
                      GError   **error)
{
  siginfo_t si;
  struct rusage ru;
  int options = WEXITED | WNOHANG | __WALL;
  int r;

  *fall_through = FALSE;

  if (self->flags & G_PIDFD_FLAGS_NO_REAP)
    options |= WNOWAIT;

  r = gpidfd_sys_waitid (P_PIDFD, self->fd, &si, options, &ru);
  if (r < 0 && errno == EINVAL && !gpidfd_sys_has_waitid_pidfd ())
    r = gpidfd_sys_waitid (P_PID, self->pid, &si, options, &ru);

  if (r < 0)
    {
      int errsv = errno;

      /* Reaped behind our back, or SIGCHLD is ignored (auto-reap). */
      if (errsv == ECHILD)
        {
          *fall_through = TRUE;
          return NULL;
        }

      set_errno_error (error, errsv, "Cannot wait for process %d", self->pid);
      return NULL;
    }

  if (si.si_pid == 0)
    return NULL;

  if (!(self->flags & G_PIDFD_FLAGS_NO_REAP))
    self->reaped = TRUE;

  return gpidfd_exit_info_new_from_siginfo (self->pid, &si, &ru);
}

static GPidFdExitInfo *
collect_other_locked (GPidFd   *self,
                      int       revents,
                      gboolean *wait_for_reap)
{
  GPidFdKernelInfo info;

  if (!(revents & POLLHUP))
    {
      /* Exited, not yet reaped by its parent. Keep the uid while the
       * kernel still has the credentials; this first PIDFD_GET_INFO call
       * also tells whether the kernel has the ioctl at all. */
      if (self->zombie_uid == GPIDFD_UID_UNKNOWN &&
          gpidfd_sys_get_info (self->fd, GPIDFD_INFO_CREDS, &info) == 0 &&
          (info.mask & GPIDFD_INFO_CREDS))
        self->zombie_uid = info.ruid;

      /* Without PIDFD_INFO_EXIT nothing more is to be learnt. */
      if (!gpidfd_sys_has_exit_info ())
        return gpidfd_exit_info_new_unknown (self->pid, self->zombie_uid);

      /* The status shows up in PIDFD_INFO_EXIT after the reap, which
       * POLLHUP announces. */
      *wait_for_reap = TRUE;
      return NULL;
    }

  if (gpidfd_sys_get_info (self->fd, GPIDFD_INFO_EXIT, &info) == 0 &&
      (info.mask & GPIDFD_INFO_EXIT))
    return gpidfd_exit_info_new_from_wait_status (self->pid, info.exit_code,
                                                  self->zombie_uid);

  /* Reaped in another pid namespace, or the kernel forgot: say so. */
  return gpidfd_exit_info_new_unknown (self->pid, self->zombie_uid);
}

GPidFdExitInfo *
gpidfd_pidfd_collect (GPidFd    *self,
                      gboolean  *wait_for_reap,
                      GError   **error)
{
  return gpidfd_pidfd_collect_ready (self, -1, wait_for_reap, error);
}

GPidFdExitInfo *
gpidfd_pidfd_collect_ready (GPidFd    *self,
                            int        revents,
                            gboolean  *wait_for_reap,
                            GError   **error)
{
  GPidFdExitInfo *info = NULL;

  *wait_for_reap = FALSE;

  if (!check_open (self, error))
    return NULL;

  g_mutex_lock (&self->lock);

  if (self->exit_info != NULL)
    {
      info = g_object_ref (self->exit_info);
      goto out;
    }

  if (revents < 0)
    revents = gpidfd_sys_poll (self->fd, 0);
  if (revents < 0)
    {
      set_errno_error (error, errno, "Cannot poll process %d", self->pid);
      goto out;
    }
  if (!(revents & (POLLIN | POLLHUP)))
    goto out;

  if (self->is_child)
    {
      gboolean fall_through;

      info = collect_child_locked (self, &fall_through, error);
      if (!fall_through)
        goto cache;
    }

  info = collect_other_locked (self, revents, wait_for_reap);

cache:
  if (info != NULL)
    self->exit_info = g_object_ref (info);

out:
  g_mutex_unlock (&self->lock);

  return info;
}

/**
 * g_pidfd_try_wait:
 * @self: a #GPidFd
 * @error: return location for a #GError
 *
 * Returns the record of the process if it has ended, without blocking.
 * A child of the caller is reaped (unless @self has
 * %G_PIDFD_FLAGS_NO_REAP).
 *
 * %NULL without an error means the process has not ended yet, or, for a
 * process the caller does not reap, that its parent has not reaped it
 * yet: on kernels with `PIDFD_INFO_EXIT` its status is only known then.
 *
 * Returns: (transfer full) (nullable): the record, or %NULL
 *
 * Since: 1.0
 */
GPidFdExitInfo *
g_pidfd_try_wait (GPidFd  *self,
                  GError **error)
{
  gboolean wait_for_reap;

  g_return_val_if_fail (G_IS_PIDFD (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return gpidfd_pidfd_collect (self, &wait_for_reap, error);
}

static void
on_wait_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  gpidfd_sys_eventfd_signal (GPOINTER_TO_INT (user_data));
}

/**
 * g_pidfd_wait:
 * @self: a #GPidFd
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Blocks until the process has ended and returns its record. A child of
 * the caller is reaped (unless @self has %G_PIDFD_FLAGS_NO_REAP).
 *
 * For a process the caller does not reap, this returns once its parent
 * has reaped it when the kernel can then give its status (Linux 6.15),
 * and as soon as it exits otherwise.
 *
 * Cancelling @cancellable, from any thread, makes this return
 * %G_IO_ERROR_CANCELLED; the process is left as it was, and a later wait
 * still gets its record.
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
  GPollFD fds[2];
  guint nfds = 1;
  gulong cancelled_id = 0;
  GPidFdExitInfo *info = NULL;

  g_return_val_if_fail (G_IS_PIDFD (self), NULL);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_open (self, error))
    return NULL;

  fds[0].fd = self->fd;
  if (cancellable != NULL)
    {
      /* Our own eventfd rather than g_cancellable_make_pollfd(), which
       * aborts the process when no descriptor is left. */
      fds[1].fd = gpidfd_sys_eventfd ();
      if (fds[1].fd < 0)
        {
          set_errno_error (error, errno, "Cannot wait for process %d", self->pid);
          return NULL;
        }
      fds[1].events = G_IO_IN;
      nfds = 2;
      /* Runs at once when already cancelled. */
      cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (on_wait_cancelled),
                                            GINT_TO_POINTER (fds[1].fd), NULL);
    }

  for (;;)
    {
      gboolean wait_for_reap;
      GError *local_error = NULL;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_propagate_error (error, gpidfd_pidfd_new_cancelled_error (self->pid));
          break;
        }

      info = gpidfd_pidfd_collect (self, &wait_for_reap, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, local_error);
          break;
        }
      if (info != NULL)
        break;

      /* Waiting for POLLHUP alone: poll always reports it. */
      fds[0].events = wait_for_reap ? 0 : G_IO_IN;
      fds[0].revents = 0;
      if (nfds == 2)
        fds[1].revents = 0;

      if (g_poll (fds, nfds, -1) < 0 && errno != EINTR)
        {
          set_errno_error (error, errno, "Cannot wait for process %d", self->pid);
          break;
        }
    }

  if (nfds == 2)
    {
      g_cancellable_disconnect (cancellable, cancelled_id);
      close (fds[1].fd);
    }

  return info;
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
 * @callback to get the record.
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
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPidFdExitInfo) cached = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (G_IS_PIDFD (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, g_pidfd_wait_async);
  g_task_set_name (task, "[gpidfd] g_pidfd_wait_async");
  /* A record that won the race against the cancellation is delivered; a
   * cancellation gets our own error, which names the pid. */
  g_task_set_check_cancellable (task, FALSE);

  if (!check_open (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->exit_info != NULL)
    cached = g_object_ref (self->exit_info);
  g_mutex_unlock (&self->lock);

  /* GTask defers these to the next iteration of the task's context. */
  if (cached != NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&cached), g_object_unref);
      return;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_error (task, gpidfd_pidfd_new_cancelled_error (self->pid));
      return;
    }

  gpidfd_watcher_add_task (self, task);
}

/**
 * g_pidfd_wait_finish:
 * @self: a #GPidFd
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GPidFd.PidFd.wait_async].
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
