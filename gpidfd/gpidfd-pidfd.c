/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-pidfd.c: a process, held by a pidfd: making one, naming it,
 * signalling it. How it ends is in gpidfd-wait.c. */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-enums.h"
#include "gpidfd-error-private.h"
#include "gpidfd-pidfd-private.h"
#include "gpidfd-pidfd-util-private.h"
#include "gpidfd-syscall-private.h"

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
 * The process does not have to be a child of the caller. Whether it is one
 * is decided when its status is collected, not when it is opened: a
 * process can become the caller's child later (when the caller is a child
 * subreaper or the first process of a pid namespace and its parent dies).
 * A child is reaped when it is waited for (unless
 * %G_PIDFD_FLAGS_NO_REAP is given), and its record carries the full
 * `siginfo_t` and resource usage. A process the caller does not reap is
 * never reaped by gpidfd; its status comes from the kernel once its parent
 * has reaped it (Linux 6.15 and later), or is reported as unknown, never
 * as a made-up success. [method@GPidFd.PidFd.wait_exit] tells when it
 * exits, without waiting for that reap.
 *
 * A wait that cannot complete yet sleeps: a child traced by another
 * process is collected once the tracer lets go of it, and a zombie that
 * may be handed to a subreaper caller is looked at again every 100 ms,
 * since no event tells of either.
 *
 * A #GPidFd may also name one thread (%G_PIDFD_FLAGS_THREAD, Linux 6.9):
 * see [ctor@GPidFd.PidFd.new_from_pid_full] with %G_PIDFD_FLAGS_THREAD.
 *
 * The record is cached: every later wait returns the same
 * [class@GPidFd.PidFdExitInfo].
 *
 * A #GPidFd is a [iface@Gio.Initable]: the constructors open it at once;
 * an object made with [ctor@GObject.Object.new] (from the construct-only
 * [property@GPidFd.PidFd:pid] or [property@GPidFd.PidFd:fd] and
 * [property@GPidFd.PidFd:flags]) is opened by [method@Gio.Initable.init],
 * and until that has succeeded every call fails with
 * %G_IO_ERROR_NOT_INITIALIZED (or a critical, for the getters that have no
 * error).
 *
 * ```c
 * g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pid, &error);
 * ```
 * ```py
 * pidfd = GPidFd.PidFd.new_from_pid(pid)
 * # or, as with Gio.Subprocess:
 * pidfd = GPidFd.PidFd(pid=pid)
 * pidfd.init(None)
 * ```
 * ```js
 * const pidfd = GPidFd.PidFd.new_from_pid(pid);
 * // or
 * const pidfd = new GPidFd.PidFd({pid});
 * pidfd.init(null);
 * ```
 *
 * Errors are in the %G_IO_ERROR domain and their messages name the pid
 * and the cause. A pidfd call that a seccomp filter or a security module
 * refuses gives %G_IO_ERROR_NOT_SUPPORTED saying it is blocked, never
 * %G_IO_ERROR_PERMISSION_DENIED, and the race-free fallback is used where
 * there is one (the caller's own unreaped children).
 *
 * A #GPidFd may be used from several threads at once.
 *
 * Since: 1.0
 */

enum {
  PROP_0,
  PROP_FD,
  PROP_PID,
  PROP_FLAGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The flags that mean something; any other bit fails g_initable_init(). */
#define KNOWN_FLAGS (G_PIDFD_FLAGS_NO_REAP | G_PIDFD_FLAGS_THREAD)

/* The "flags" property takes any bits, so that g_initable_init() can
 * refuse unknown ones with a GError that names them. A plain
 * GParamSpecFlags has g_object_new() drop a value with unknown bits,
 * with a warning, and the object would then open as if no flag had been
 * given. This subtype of it only leaves the value as it is. */
static gboolean
any_flags_validate (GParamSpec *pspec,
                    GValue     *value)
{
  return FALSE;
}

static gboolean
any_flags_is_valid (GParamSpec   *pspec,
                    const GValue *value)
{
  return TRUE;
}

static void
any_flags_class_init (gpointer klass,
                      gpointer class_data)
{
  GParamSpecClass *pspec_class = klass;

  pspec_class->value_validate = any_flags_validate;
  pspec_class->value_is_valid = any_flags_is_valid;
}

static GParamSpec *
param_spec_any_flags (const char  *name,
                      GType        flags_type,
                      GParamFlags  flags)
{
  static GType type = 0;
  GParamSpecFlags *fspec;

  if (g_once_init_enter (&type))
    {
      GType t = g_type_register_static_simple (G_TYPE_PARAM_FLAGS,
                                               g_intern_static_string ("GPidFdParamSpecAnyFlags"),
                                               sizeof (GParamSpecClass), any_flags_class_init,
                                               sizeof (GParamSpecFlags), NULL, 0);

      g_once_init_leave (&type, t);
    }

  /* As g_param_spec_flags() sets it up. */
  fspec = g_param_spec_internal (type, name, NULL, NULL, flags);
  fspec->flags_class = g_type_class_ref (flags_type);
  fspec->default_value = 0;
  G_PARAM_SPEC (fspec)->value_type = flags_type;

  return G_PARAM_SPEC (fspec);
}

static void g_pidfd_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GPidFd, g_pidfd, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      g_pidfd_initable_iface_init))

static void
g_pidfd_finalize (GObject *object)
{
  GPidFd *self = G_PIDFD (object);

  g_assert (self->pending == NULL);
  /* A child gpidfd started: its pipes, and its reaping if still due. */
  if (self->spawn_finalize != NULL)
    self->spawn_finalize (self);
  g_clear_object (&self->exit_info);
  g_clear_error (&self->init_error);
  if (self->process_fd >= 0 && self->process_fd != self->fd)
    close (self->process_fd);
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
      g_value_set_int (value, self->fd >= 0 ? g_pidfd_get_pid (self) : self->pid);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_pidfd_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  GPidFd *self = G_PIDFD (object);

  switch (prop_id)
    {
    case PROP_FD:
      self->construct_fd = g_value_get_int (value);
      break;
    case PROP_PID:
      self->pid = g_value_get_int (value);
      self->pid_given = TRUE;
      break;
    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_pidfd_class_init (GPidFdClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                            G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = g_pidfd_finalize;
  object_class->get_property = g_pidfd_get_property;
  object_class->set_property = g_pidfd_set_property;

  /**
   * GPidFd:fd:
   *
   * At construction: an existing pidfd to adopt, which is duplicated (the
   * caller keeps its own), as [ctor@GPidFd.PidFd.new_from_fd] does; -1
   * (the default) to open [property@GPidFd.PidFd:pid] instead.
   *
   * Read: the pidfd owned by the object, or -1 before
   * [method@Gio.Initable.init] has succeeded.
   *
   * Since: 1.0
   */
  properties[PROP_FD] =
    g_param_spec_int ("fd", NULL, NULL, -1, G_MAXINT, -1, flags);

  /**
   * GPidFd:pid:
   *
   * At construction: the process (or, with %G_PIDFD_FLAGS_THREAD, the
   * thread) to open, as [ctor@GPidFd.PidFd.new_from_pid] does.
   *
   * Read: what [method@GPidFd.PidFd.get_pid] returns.
   *
   * Since: 1.0
   */
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, G_MININT, G_MAXINT, 0, flags);

  /**
   * GPidFd:flags:
   *
   * The flags the object was opened with; %G_PIDFD_FLAGS_THREAD is added
   * when an adopted pidfd names a thread.
   *
   * A value with bits that are not #GPidFdFlags is taken at construction
   * and refused by [method@Gio.Initable.init] with
   * %G_IO_ERROR_INVALID_ARGUMENT naming the bits, never dropped.
   *
   * Since: 1.0
   */
  properties[PROP_FLAGS] = param_spec_any_flags ("flags", G_TYPE_PIDFD_FLAGS, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_pidfd_init (GPidFd *self)
{
  self->fd = -1;
  self->process_fd = -1;
  self->construct_fd = -1;
  self->exit_uid = GPIDFD_UID_UNKNOWN;
  g_mutex_init (&self->lock);
}

gboolean
gpidfd_pidfd_probe_child (GPidFd *self)
{
  siginfo_t si;

  if (self->is_thread)
    return FALSE;

  return gpidfd_pidfd_waitid (self->fd, self->pid, &si,
                              WEXITED | WNOHANG | WNOWAIT | __WALL, NULL) == 0;
}

static gboolean
open_pid (GPidFd  *self,
          GError **error)
{
  GPid pid = self->pid;
  gboolean thread = (self->flags & G_PIDFD_FLAGS_THREAD) != 0;
  const char *what = thread ? "thread" : "process";
  int fd;

  if (!self->pid_given)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open a %s: Neither a pid nor a file descriptor was given "
                   "(the pid and fd properties)", what);
      return FALSE;
    }
  if (pid <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open %s %d: A pid must be greater than 0", what, pid);
      return FALSE;
    }

  fd = gpidfd_sys_pidfd_open (pid, thread ? PIDFD_THREAD : 0);
  if (fd < 0)
    {
      int errsv = errno;
      pid_t tgid;

      if (thread && errsv == EINVAL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "Cannot open thread %d: The kernel lacks PIDFD_THREAD "
                       "(Linux 6.9 or later is needed)", pid);
          return FALSE;
        }
      if (!thread && (errsv == EINVAL || errsv == ENOENT))
        {
          /* A thread id that is not its process's main thread. */
          tgid = gpidfd_sys_thread_group_of (pid);
          if (tgid > 0 && tgid != pid)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Cannot open process %d: It is a thread of process %d, "
                           "not a process",
                           pid, (int) tgid);
              return FALSE;
            }
          if (errsv == ENOENT)
            errsv = ESRCH;
        }
      gpidfd_set_error_from_errno (error, errsv, GPIDFD_CALL_OPEN,
                                   "Cannot open %s %d", what, pid);
      return FALSE;
    }

  self->fd = fd;
  self->is_thread = thread;
  return TRUE;
}

static gboolean
adopt_fd (GPidFd  *self,
          int      fd,
          GError **error)
{
  int is_pidfd;
  int is_thread;
  int copy;
  GPid pid;

  if (self->pid != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open process %d from file descriptor %d: Give a pid "
                   "or a file descriptor, not both", self->pid, fd);
      return FALSE;
    }

  is_pidfd = gpidfd_sys_is_pidfd (fd);
  if (is_pidfd <= 0)
    {
      int errsv = is_pidfd < 0 ? errno : 0;

      if (errsv == 0 || errsv == EBADF)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "File descriptor %d is not a pidfd: %s", fd,
                     errsv == EBADF ? "It is not open" : "It refers to something else");
      else
        gpidfd_set_error_from_errno (error, errsv, -1,
                                     "File descriptor %d is not a pidfd", fd);
      return FALSE;
    }

  is_thread = gpidfd_sys_is_thread_pidfd (fd);
  if (is_thread == 0 && (self->flags & G_PIDFD_FLAGS_THREAD))
    {
      pid = gpidfd_pidfd_query_pid (fd);
      if (pid > 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "Cannot open file descriptor %d as a thread: It is the pidfd of "
                     "process %d, not of a thread (G_PIDFD_FLAGS_THREAD was given)",
                     fd, pid);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "Cannot open file descriptor %d as a thread: It is the pidfd of "
                     "a process, not of a thread (G_PIDFD_FLAGS_THREAD was given)", fd);
      return FALSE;
    }
  copy = is_thread < 0 ? -1 : gpidfd_sys_dup_cloexec (fd);
  if (copy < 0)
    {
      gpidfd_set_error_from_errno (error, errno, -1, "Cannot duplicate pidfd %d", fd);
      return FALSE;
    }

  pid = gpidfd_pidfd_query_pid (copy);
  self->fd = copy;
  self->pid = pid < 0 ? 0 : pid;
  self->is_thread = is_thread;
  if (is_thread)
    self->flags |= G_PIDFD_FLAGS_THREAD;

  return TRUE;
}

/* The process whose record a thread's waits give: opened by the thread
 * group id, which names that process for as long as the thread is alive,
 * so the thread is checked to be alive afterwards. */
static void
open_process_of_thread (GPidFd *self)
{
  GPidFdKernelInfo info;
  pid_t tgid = -1;
  int fd;

  if (!self->is_thread)
    {
      self->process_fd = self->fd;
      self->process_pid = self->pid;
      return;
    }

  if (gpidfd_sys_get_info (self->fd, GPIDFD_INFO_PID, &info) == 0)
    tgid = (pid_t) info.tgid;
  else if (self->pid > 0)
    tgid = gpidfd_sys_thread_group_of (self->pid);
  if (tgid <= 0)
    return;

  fd = gpidfd_sys_pidfd_open (tgid, 0);
  if (fd < 0)
    return;
  /* The thread ended meanwhile: the process may be a later one. */
  if (gpidfd_pidfd_has_exited (self->fd))
    {
      close (fd);
      return;
    }

  self->process_fd = fd;
  self->process_pid = tgid;
}

int
gpidfd_pidfd_get_status_fd (GPidFd *self)
{
  return self->process_fd >= 0 ? self->process_fd : self->fd;
}

/* Refuses bits that are no GPidFdFlags, naming them and what was to be
 * opened. */
static gboolean
check_flags (GPidFd  *self,
             GError **error)
{
  guint unknown = (guint) self->flags & ~(guint) KNOWN_FLAGS;
  g_autofree char *what = NULL;

  if (unknown == 0)
    return TRUE;

  if (self->construct_fd >= 0)
    what = g_strdup_printf ("the process of file descriptor %d", self->construct_fd);
  else if (self->pid_given)
    what = g_strdup_printf ("%s %d", (self->flags & G_PIDFD_FLAGS_THREAD) ? "thread" : "process",
                            self->pid);
  else
    what = g_strdup ("a process");
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Cannot open %s: Flags 0x%x have unknown bits 0x%x (GPidFdFlags "
               "has only G_PIDFD_FLAGS_NO_REAP 0x%x and G_PIDFD_FLAGS_THREAD 0x%x)",
               what, (guint) self->flags, unknown,
               (guint) G_PIDFD_FLAGS_NO_REAP, (guint) G_PIDFD_FLAGS_THREAD);
  return FALSE;
}

static gboolean
g_pidfd_initable_init (GInitable     *initable,
                       GCancellable  *cancellable,
                       GError       **error)
{
  GPidFd *self = G_PIDFD (initable);
  GError *local_error = NULL;
  gboolean ok;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  if (self->initialized)
    {
      ok = self->init_error == NULL;
      if (!ok)
        g_propagate_error (error, g_error_copy (self->init_error));
      g_mutex_unlock (&self->lock);
      return ok;
    }

  if (!check_flags (self, &local_error))
    ok = FALSE;
  else if (self->construct_fd >= 0)
    ok = adopt_fd (self, self->construct_fd, &local_error);
  else
    ok = open_pid (self, &local_error);
  if (ok)
    open_process_of_thread (self);
  else
    self->init_error = g_error_copy (local_error);
  self->initialized = TRUE;
  g_mutex_unlock (&self->lock);

  if (!ok)
    g_propagate_error (error, local_error);

  return ok;
}

static void
g_pidfd_initable_iface_init (GInitableIface *iface)
{
  iface->init = g_pidfd_initable_init;
}

gboolean
gpidfd_pidfd_check_ready (GPidFd  *self,
                          GError **error)
{
  if (G_LIKELY (self->fd >= 0))
    return TRUE;

  if (self->init_error != NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                 "This GPidFd holds no process: opening it failed: %s",
                 self->init_error->message);
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                         "This GPidFd holds no process: g_initable_init() was not called");
  return FALSE;
}

gboolean
gpidfd_pidfd_check_ready_or_critical (GPidFd     *self,
                                      const char *function)
{
  g_autoptr(GError) error = NULL;

  if (G_LIKELY (gpidfd_pidfd_check_ready (self, &error)))
    return TRUE;

  g_critical ("%s: %s", function, error->message);
  return FALSE;
}

/**
 * g_pidfd_new_from_pid:
 * @pid: a process id
 * @error: return location for a #GError
 *
 * Opens a pidfd for the process @pid with `pidfd_open()` (Linux 5.3).
 *
 * A pid only names a process reliably while that process is known to be
 * alive or unreaped, like a child the caller has not waited for yet; once
 * the pidfd is open, it cannot be confused with any later process.
 *
 * Errors are in the %G_IO_ERROR domain: %G_IO_ERROR_INVALID_ARGUMENT for
 * a pid of 0 or less or the id of a thread that is not a process,
 * %G_IO_ERROR_NOT_FOUND when no such process exists,
 * %G_IO_ERROR_NOT_SUPPORTED on a kernel without `pidfd_open()` (before
 * Linux 5.3) or when a seccomp filter or security module blocks it,
 * %G_IO_ERROR_TOO_MANY_OPEN_FILES when out of descriptors.
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
 * @pid: a process id, or a thread id with %G_PIDFD_FLAGS_THREAD
 * @flags: flags
 * @error: return location for a #GError
 *
 * Like [ctor@GPidFd.PidFd.new_from_pid], with @flags.
 *
 * With %G_PIDFD_FLAGS_THREAD, @pid is a thread id, as `gettid()` gives
 * it, and the pidfd is opened with `pidfd_open (tid, PIDFD_THREAD)`
 * (Linux 6.9): the thread may be any thread of any process, not only the
 * main one.
 *
 * What each method means for a thread:
 * [method@GPidFd.PidFd.get_pid] gives @tid;
 * [method@GPidFd.PidFd.has_exited], [method@GPidFd.PidFd.wait_exit] and
 * [method@GPidFd.PidFd.wait_exit_async] track that thread, which may end
 * while its process goes on; [method@GPidFd.PidFd.send_signal] signals
 * that thread only (use [method@GPidFd.PidFd.send_signal_full] for its
 * process). A thread has no exit status of its own, and none is ever
 * claimed for it: [method@GPidFd.PidFd.wait], [method@GPidFd.PidFd.try_wait]
 * and [method@GPidFd.PidFd.wait_async] give the record of the process the
 * thread belongs to, once that process has ended (its pid is then the
 * process's), reaping it if it is the caller's child. The process is
 * opened with the thread, by its thread group id while the thread is
 * alive; a thread that had already ended by then gives a record without
 * a status. [method@GPidFd.PidFd.query_info] gives the process in
 * [method@GPidFd.PidFdProcessInfo.get_tgid].
 *
 * Errors as [ctor@GPidFd.PidFd.new_from_pid], and
 * %G_IO_ERROR_INVALID_ARGUMENT when @flags has bits that are no
 * #GPidFdFlags (the message names those bits and @pid);
 * %G_IO_ERROR_NOT_SUPPORTED with %G_PIDFD_FLAGS_THREAD before Linux 6.9.
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
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (G_TYPE_PIDFD, NULL, error,
                         "pid", pid, "flags", flags, NULL);
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
 * What @fd refers to is checked: a thread pidfd (opened with
 * `PIDFD_THREAD`) gives a #GPidFd for that thread, with
 * %G_PIDFD_FLAGS_THREAD set and the meaning of each method that
 * [ctor@GPidFd.PidFd.new_from_pid_full] with %G_PIDFD_FLAGS_THREAD gives; a pidfd
 * of a process outside the caller's pid namespace gives one whose
 * [method@GPidFd.PidFd.get_pid] is 0.
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
 * Like [ctor@GPidFd.PidFd.new_from_fd], with @flags. A thread pidfd
 * gives a thread #GPidFd whether or not @flags has
 * %G_PIDFD_FLAGS_THREAD; the flag asks that @fd be one.
 *
 * Errors as [ctor@GPidFd.PidFd.new_from_fd], and
 * %G_IO_ERROR_INVALID_ARGUMENT when @flags has bits that are no
 * #GPidFdFlags (the message names those bits and @fd), or has
 * %G_PIDFD_FLAGS_THREAD while @fd is the pidfd of a process, not of a
 * thread (the message names @fd and the process).
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
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "File descriptor %d is not a pidfd: It is negative", fd);
      return NULL;
    }

  return g_initable_new (G_TYPE_PIDFD, NULL, error,
                         "fd", fd, "flags", flags, NULL);
}

/**
 * g_pidfd_get_fd:
 * @self: a #GPidFd
 *
 * Gets the pidfd. It stays owned by @self: do not close it, and
 * `dup()` it to keep it longer than @self.
 *
 * Returns: the file descriptor, or -1 (with a critical) for an object that
 *   was not initialised
 *
 * Since: 1.0
 */
gint
g_pidfd_get_fd (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), -1);

  if (!gpidfd_pidfd_check_ready_or_critical (self, G_STRFUNC))
    return -1;

  return self->fd;
}

/**
 * g_pidfd_get_pid:
 * @self: a #GPidFd
 *
 * Gets the pid of the process (the thread id, for a thread) in the
 * caller's pid namespace, as `PIDFD_GET_INFO` (Linux 6.13) or, on older
 * kernels, `/proc/self/fdinfo` tells it now.
 *
 * The pid is only a name: it may be reused once the process has been
 * reaped, which is when this starts to return -1. The pid it had stays
 * in its record ([method@GPidFd.PidFdExitInfo.get_pid]) and in
 * [method@GPidFd.PidFd.to_string].
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

  if (!gpidfd_pidfd_check_ready_or_critical (self, G_STRFUNC))
    return 0;

  g_mutex_lock (&self->lock);
  reaped = self->reaped;
  g_mutex_unlock (&self->lock);
  if (reaped)
    return -1;

  pid = gpidfd_pidfd_query_pid (self->fd);
  if (pid == -2)
    return self->pid;

  return pid;
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
 * Tells whether the process is now a child of the calling process (of any
 * of its threads), asking the kernel with `waitid (WNOWAIT)`. A process
 * can become a child after it was opened (when the caller is a child
 * subreaper or the first process of a pid namespace and its parent dies),
 * and this then says so. A child that @self has reaped still counts as
 * one. Only children can be reaped, and only their records carry resource
 * usage.
 *
 * Returns: whether the process is a child of the caller; %FALSE for a
 *   thread
 *
 * Since: 1.0
 */
gboolean
g_pidfd_is_child (GPidFd *self)
{
  gboolean reaped;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);

  if (!gpidfd_pidfd_check_ready_or_critical (self, G_STRFUNC))
    return FALSE;

  g_mutex_lock (&self->lock);
  reaped = self->reaped;
  g_mutex_unlock (&self->lock);

  return reaped || gpidfd_pidfd_probe_child (self);
}

/**
 * g_pidfd_get_id:
 * @self: a #GPidFd
 *
 * Gets the inode number of the pidfd on pidfs (Linux 6.9): the process's
 * id for this boot, which the kernel never gives to another process until
 * it reboots (`fstat()`'s `st_ino`, 64 bits). Unlike the pid it is never reused, and every pidfd of
 * one process has the same one.
 *
 * Returns: the id, or 0 on kernels without pidfs
 *
 * Since: 1.0
 */
guint64
g_pidfd_get_id (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), 0);

  if (!gpidfd_pidfd_check_ready_or_critical (self, G_STRFUNC))
    return 0;

  return gpidfd_sys_pidfd_inode (self->fd);
}

/**
 * g_pidfd_equal:
 * @a: a #GPidFd
 * @b: a #GPidFd
 *
 * Tells whether two #GPidFd name the same process (or thread). With
 * [method@GPidFd.PidFd.hash], it keys a [struct@GLib.HashTable] (cast to
 * #GEqualFunc, as for g_file_equal()).
 *
 * With pidfs (Linux 6.9) this compares [method@GPidFd.PidFd.get_id], which
 * is always right. Without it, two objects are equal when both processes
 * are still unreaped and have the same pid (a pid names one unreaped
 * process at a time); once one of them has been reaped, only an object is
 * equal to itself.
 *
 * Returns: %TRUE if @a and @b name the same process
 *
 * Since: 1.0
 */
gboolean
g_pidfd_equal (GPidFd *a,
               GPidFd *b)
{
  GPidFd *pa = a;
  GPidFd *pb = b;
  guint64 ida, idb;
  GPid pida, pidb;

  g_return_val_if_fail (G_IS_PIDFD (pa), FALSE);
  g_return_val_if_fail (G_IS_PIDFD (pb), FALSE);

  if (pa == pb)
    return TRUE;
  if (pa->fd < 0 || pb->fd < 0 || pa->is_thread != pb->is_thread)
    return FALSE;

  ida = gpidfd_sys_pidfd_inode (pa->fd);
  idb = gpidfd_sys_pidfd_inode (pb->fd);
  if (ida != 0 && idb != 0)
    return ida == idb;

  pida = gpidfd_pidfd_query_pid (pa->fd);
  pidb = gpidfd_pidfd_query_pid (pb->fd);
  /* Asked again: had the first one been reaped meanwhile, and its pid
   * reused by the second, it would now say -1. */
  return pida > 0 && pida == pidb && gpidfd_pidfd_query_pid (pa->fd) == pida;
}

/**
 * g_pidfd_hash:
 * @pidfd: (type GPidFd.PidFd): a #GPidFd
 *
 * A hash of the process @pidfd names, consistent with
 * [method@GPidFd.PidFd.equal].
 *
 * Returns: the hash
 *
 * Since: 1.0
 */
guint
g_pidfd_hash (gconstpointer pidfd)
{
  GPidFd *self = (GPidFd *) pidfd;
  guint64 id;

  g_return_val_if_fail (G_IS_PIDFD (self), 0);

  if (self->fd < 0)
    return g_direct_hash (self);

  id = gpidfd_sys_pidfd_inode (self->fd);
  if (id != 0)
    return g_int64_hash (&id);

  /* Equal objects without pidfs have the same pid, which they had when
   * they were opened too. */
  return g_int_hash (&self->pid);
}

/**
 * g_pidfd_to_string:
 * @self: a #GPidFd
 *
 * Gives a text that names the process for as long as this boot lasts:
 * "PID:ID", with the pid when @self was opened and
 * [method@GPidFd.PidFd.get_id], like "4321:8589934723"; for a thread,
 * "TID:ID:thread" (the main thread of a process and the process have the
 * same id, so the text says which is meant). It can be stored
 * or passed to another program, and [ctor@GPidFd.PidFd.new_for_string]
 * turns it back into a #GPidFd for the same process, or fails with
 * %G_IO_ERROR_NOT_FOUND once that process has been reaped: never another
 * process that got the same pid.
 *
 * Without pidfs (before Linux 6.9) the id is 0, and such a text cannot be
 * opened again.
 *
 * Returns: (transfer full) (nullable): the text; %NULL (with a critical)
 *   for an object that was not initialised
 *
 * Since: 1.0
 */
gchar *
g_pidfd_to_string (GPidFd *self)
{
  g_return_val_if_fail (G_IS_PIDFD (self), NULL);

  if (!gpidfd_pidfd_check_ready_or_critical (self, G_STRFUNC))
    return NULL;

  return g_strdup_printf ("%d:%" G_GUINT64_FORMAT "%s", self->pid, g_pidfd_get_id (self),
                          self->is_thread ? ":thread" : "");
}

/* The longest text g_pidfd_to_string() gives; messages quote at most
 * this much of a handle, so that a real one is always quoted whole. */
#define HANDLE_MAX_LEN (sizeof "2147483647:18446744073709551615:thread" - 1)

/* @text for an error message: in quotes, at most HANDLE_MAX_LEN bytes of
 * it, with "…" when cut, and with control characters, quotes and bytes
 * outside ASCII escaped (g_strescape()), so that the message stays short
 * and valid UTF-8 whatever the caller passed. */
static char *
quote_handle (const char *text)
{
  gsize len = strnlen (text, HANDLE_MAX_LEN + 1);
  g_autofree char *prefix = g_strndup (text, MIN (len, HANDLE_MAX_LEN));
  g_autofree char *escaped = g_strescape (prefix, NULL);

  return g_strdup_printf ("\"%s%s\"", escaped, len > HANDLE_MAX_LEN ? "…" : "");
}

/**
 * g_pidfd_new_for_string:
 * @text: a text from [method@GPidFd.PidFd.to_string]
 * @error: return location for a #GError
 *
 * Opens the process that @text names again. The pid is opened with
 * `pidfd_open()` and the new pidfd's id compared with the one in @text:
 * the result is that process, or an error, never a later process that
 * reused the pid.
 *
 * Errors are in the %G_IO_ERROR domain:
 *
 * - %G_IO_ERROR_INVALID_ARGUMENT when @text is not "PID:ID" or
 *   "TID:ID:thread" with decimal numbers greater than 0;
 * - %G_IO_ERROR_NOT_FOUND, "No such process", when no process has the
 *   pid: the process has ended and been reaped, or the pid never named
 *   one (for a thread handle, "No such thread": no thread has the id);
 * - %G_IO_ERROR_NOT_FOUND, "A different process now has pid", when the
 *   pid opens but names another process than the handle: its id differs
 *   from the one in @text, or the pid is now a thread of some process
 *   (for a thread handle, "A different thread now has thread id");
 * - %G_IO_ERROR_NOT_SUPPORTED when the id in @text is 0, or without pidfs
 *   or `PIDFD_THREAD` (before Linux 6.9);
 * - and the other errors of [ctor@GPidFd.PidFd.new_from_pid].
 *
 * A message quotes at most the first 38 bytes of @text (the length of
 * the longest handle), escaped, so that it stays short and valid UTF-8
 * whatever @text holds; the %G_IO_ERROR_NOT_FOUND ones also name the pid
 * and, for a different process, both ids.
 *
 * Returns: (transfer full): a new #GPidFd, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_new_for_string (const gchar  *text,
                         GError      **error)
{
  g_autoptr(GPidFd) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) parts = NULL;
  g_autofree char *quoted = NULL;
  guint64 pid = 0, id = 0;
  gboolean thread;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  quoted = quote_handle (text);
  parts = g_strsplit (text, ":", 4);
  thread = g_strv_length (parts) == 3 && g_strcmp0 (parts[2], "thread") == 0;
  if ((g_strv_length (parts) != 2 && !thread) ||
      !g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXINT, &pid, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT64, &id, NULL) ||
      parts[0][0] == '+' || parts[1][0] == '+')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot open process %s: Not a process handle (PID:ID or "
                   "TID:ID:thread)", quoted);
      return NULL;
    }
  if (id == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot open process %s: The handle has no id, since it was "
                   "made without pidfs (Linux 6.9 or later is needed)", quoted);
      return NULL;
    }

  self = g_pidfd_new_from_pid_full ((GPid) pid, thread ? G_PIDFD_FLAGS_THREAD : G_PIDFD_FLAGS_NONE,
                                    &local_error);
  if (self == NULL)
    {
      pid_t tgid;

      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
          !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      /* For a process, INVALID_ARGUMENT (the pid is > 0) says that the
       * pid now names a thread of some process. */
      tgid = thread ? -1 : gpidfd_sys_thread_group_of ((pid_t) pid);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) &&
          tgid > 0 && tgid != (pid_t) pid)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Cannot open process %s: A different process now has pid %d: "
                     "it is a thread of process %d", quoted, (int) pid, (int) tgid);
      else if (thread)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Cannot open thread %s: No such thread: thread id %d is not in "
                     "use (the thread has ended, or never existed)", quoted, (int) pid);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Cannot open process %s: No such process: pid %d is not in use "
                     "(the process has ended and been reaped, or never existed)",
                     quoted, (int) pid);
      return NULL;
    }

  if (g_pidfd_get_id (self) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot open %s %s: Without pidfs (Linux 6.9 or later) "
                   "its identity cannot be checked", thread ? "thread" : "process", quoted);
      return NULL;
    }
  if (g_pidfd_get_id (self) != id)
    {
      if (thread)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Cannot open thread %s: A different thread now has thread id %d "
                     "(its id is %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT "): the "
                     "thread the handle names has ended, or never had this thread id",
                     quoted, (int) pid, g_pidfd_get_id (self), id);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "Cannot open process %s: A different process now has pid %d "
                     "(its id is %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT "): the "
                     "process the handle names has ended and been reaped, or never "
                     "had this pid",
                     quoted, (int) pid, g_pidfd_get_id (self), id);
      return NULL;
    }

  return g_steal_pointer (&self);
}

/* Without a usable pidfd_send_signal(), kill(2) is still race-free for an
 * unreaped child that only we reap: its pid cannot be reused before we
 * reap it, which the lock prevents meanwhile; nor can the id of the
 * process group it leads (@group: kill (-pid)). Like the system call,
 * returns -1 with errno set: @errsv where this does not apply, ESRCH once
 * reaped. */
static int
kill_unreaped_child (GPidFd *self,
                     gint    signum,
                     gboolean group,
                     int     errsv)
{
  int r;

  /* Whoever reaped it, a process that is gone is gone, whichever way
   * the signal would have been sent. */
  if (gpidfd_pidfd_query_pid (self->fd) == -1)
    {
      errno = ESRCH;
      return -1;
    }
  if (self->is_thread || (self->flags & G_PIDFD_FLAGS_NO_REAP) || self->pid <= 0)
    {
      errno = errsv;
      return -1;
    }

  g_mutex_lock (&self->lock);
  if (self->reaped)
    {
      errno = ESRCH;
      r = -1;
    }
  else if (!gpidfd_pidfd_probe_child (self))
    {
      errno = errsv;
      r = -1;
    }
  else
    r = gpidfd_sys_kill (group ? -self->pid : self->pid, signum);
  g_mutex_unlock (&self->lock);

  return r;
}

static const char *
scope_name (GPidFdSignalScope scope)
{
  switch (scope)
    {
    case G_PIDFD_SIGNAL_SCOPE_THREAD:
      return "PIDFD_SIGNAL_THREAD";
    case G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP:
      return "PIDFD_SIGNAL_THREAD_GROUP";
    case G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP:
      return "PIDFD_SIGNAL_PROCESS_GROUP";
    case G_PIDFD_SIGNAL_SCOPE_DEFAULT:
    default:
      return "the default scope";
    }
}

/**
 * g_pidfd_send_signal:
 * @self: a #GPidFd
 * @signum: a signal number, or 0 to check that the process can be
 *   signalled
 * @error: return location for a #GError
 *
 * Sends @signum to the process (or, for a thread #GPidFd, to the thread)
 * with `pidfd_send_signal()` (Linux 5.1). The signal can only reach the
 * process @self refers to, never a later process that reuses its pid.
 *
 * When the kernel lacks `pidfd_send_signal()` or a filter blocks it, the
 * caller's own unreaped children (without %G_PIDFD_FLAGS_NO_REAP) are
 * signalled with `kill()`, which is race-free for them: their pid cannot
 * be reused before they are reaped, and gpidfd is the one to reap them.
 *
 * Errors: %G_IO_ERROR_INVALID_ARGUMENT for a signal number outside 0 to
 * 64; %G_IO_ERROR_NOT_FOUND once the process has been reaped;
 * %G_IO_ERROR_PERMISSION_DENIED when the caller may not signal it;
 * %G_IO_ERROR_NOT_SUPPORTED before Linux 5.1, when a filter blocks the call
 * (and no fallback applies), or when the process is in a pid namespace the
 * kernel does not let the caller signal into.
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
  return g_pidfd_send_signal_full (self, signum, G_PIDFD_SIGNAL_SCOPE_DEFAULT, error);
}

/**
 * g_pidfd_send_signal_full:
 * @self: a #GPidFd
 * @signum: a signal number, or 0 to check that the target can be signalled
 * @scope: who receives it
 * @error: return location for a #GError
 *
 * Like [method@GPidFd.PidFd.send_signal], to the thread, the process or the
 * process group, as @scope says (`PIDFD_SIGNAL_*`, Linux 6.9).
 *
 * %G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP signals the process group whose id is the
 * process's pid, that is the group it leads (as a child spawned with
 * [method@GPidFd.PidFdLauncher.set_process_group] does). Before Linux 6.9,
 * the caller's own unreaped children (without %G_PIDFD_FLAGS_NO_REAP)
 * are still reached, with `kill (-pid)`: the group's id cannot be reused
 * before gpidfd reaps its leader.
 *
 * Errors as [method@GPidFd.PidFd.send_signal], and
 * %G_IO_ERROR_NOT_SUPPORTED when the kernel does not accept @scope;
 * %G_IO_ERROR_INVALID_ARGUMENT for %G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP when the
 * process does not lead a process group.
 *
 * Returns: %TRUE if the signal was sent
 *
 * Since: 1.0
 */
gboolean
g_pidfd_send_signal_full (GPidFd             *self,
                          gint                signum,
                          GPidFdSignalScope   scope,
                          GError            **error)
{
  static const unsigned int scope_flags[] = {
    [G_PIDFD_SIGNAL_SCOPE_DEFAULT] = 0,
    [G_PIDFD_SIGNAL_SCOPE_THREAD] = PIDFD_SIGNAL_THREAD,
    [G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP] = PIDFD_SIGNAL_THREAD_GROUP,
    [G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP] = PIDFD_SIGNAL_PROCESS_GROUP,
  };
  const char *what = self != NULL && G_IS_PIDFD (self) && self->is_thread ? "thread" : "process";
  int r;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!gpidfd_pidfd_check_ready (self, error))
    return FALSE;

  if (signum < 0 || signum >= NSIG)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot send signal %d to %s %d: No such signal",
                   signum, what, self->pid);
      return FALSE;
    }
  if ((guint) scope >= G_N_ELEMENTS (scope_flags))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot send signal %d to %s %d: No such scope %d",
                   signum, what, self->pid, (int) scope);
      return FALSE;
    }

  r = gpidfd_sys_pidfd_send_signal (self->fd, signum, scope_flags[scope]);
  if (r < 0)
    {
      int errsv = errno;
      gboolean unsupported = errsv == ENOSYS ||
                             gpidfd_sys_call_blocked (GPIDFD_CALL_SEND_SIGNAL, errsv) ||
                             (errsv == EINVAL && scope != G_PIDFD_SIGNAL_SCOPE_DEFAULT);

      /* kill () where it reaches the same target as safely: a child only
       * we reap keeps its pid, and so the id of the group it leads, until
       * we reap it. That covers a process group before Linux 6.9 too. */
      if (unsupported &&
          (scope == G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP ||
           (errsv != EINVAL && scope != G_PIDFD_SIGNAL_SCOPE_THREAD)))
        {
          r = kill_unreaped_child (self, signum,
                                   scope == G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP, 0);
          if (r < 0 && errno != 0)
            {
              errsv = errno;
              unsupported = FALSE;
            }
          else if (r == 0)
            unsupported = FALSE;
        }

      if (r < 0 && errsv == ESRCH && scope == G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP &&
          gpidfd_pidfd_query_pid (self->fd) != -1)
        {
          /* Alive, but its pid is no process group's id. */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Cannot send signal %d to the process group of process %d: "
                       "It does not lead a process group (signal a group through "
                       "its leader)", signum, self->pid);
          return FALSE;
        }
      if (r < 0 && unsupported && errsv == EINVAL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       "Cannot send signal %d to %s %d: The kernel does not accept %s "
                       "(Linux 6.9 or later is needed)",
                       signum, what, self->pid, scope_name (scope));
          return FALSE;
        }
      /* The signal and the flags were checked: for a pidfd, EINVAL means
       * a process outside the pid namespaces the caller may signal into. */
      if (errsv == EINVAL)
        errsv = EREMOTE;

      if (r < 0)
        {
          gpidfd_set_error_from_errno (error, errsv, GPIDFD_CALL_SEND_SIGNAL,
                                       "Cannot send signal %d to %s %d",
                                       signum, what, self->pid);
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * g_pidfd_force_exit:
 * @self: a #GPidFd
 * @error: return location for a #GError
 *
 * Kills the process with `SIGKILL`, like
 * [method@Gio.Subprocess.force_exit]: a process that has already ended
 * and been reaped is left as it is, and that is no error.
 *
 * Errors: those of [method@GPidFd.PidFd.send_signal], except
 * %G_IO_ERROR_NOT_FOUND.
 *
 * Returns: %TRUE if the signal was sent or the process was already gone
 *
 * Since: 1.0
 */
gboolean
g_pidfd_force_exit (GPidFd  *self,
                    GError **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (G_IS_PIDFD (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_pidfd_send_signal (self, SIGKILL, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return TRUE;

  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/**
 * g_pidfd_dup_remote_fd:
 * @self: a #GPidFd
 * @target_fd: a file descriptor number in the process
 * @error: return location for a #GError
 *
 * Duplicates the file descriptor @target_fd of the process into the
 * caller, with `pidfd_getfd()` (Linux 5.6). The new descriptor refers to
 * the same open file and has close-on-exec set; the caller owns it.
 *
 * The caller needs the right to ptrace the process
 * (`PTRACE_MODE_ATTACH_REALCREDS`: the same user and a permissive
 * Yama `ptrace_scope`, or `CAP_SYS_PTRACE`).
 *
 * Errors: %G_IO_ERROR_INVALID_ARGUMENT when @target_fd is negative or not
 * open in the process; %G_IO_ERROR_PERMISSION_DENIED without ptrace
 * rights; %G_IO_ERROR_NOT_FOUND once the process has ended;
 * %G_IO_ERROR_NOT_SUPPORTED before Linux 5.6 or when a filter blocks the
 * call; %G_IO_ERROR_TOO_MANY_OPEN_FILES when out of descriptors.
 *
 * Returns: the new file descriptor, or -1 with @error set
 *
 * Since: 1.0
 */
gint
g_pidfd_dup_remote_fd (GPidFd  *self,
                       gint     target_fd,
                       GError **error)
{
  int fd;

  g_return_val_if_fail (G_IS_PIDFD (self), -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  if (!gpidfd_pidfd_check_ready (self, error))
    return -1;

  if (target_fd < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Cannot get file descriptor %d of process %d: It is negative",
                   target_fd, self->pid);
      return -1;
    }

  fd = gpidfd_sys_pidfd_getfd (self->fd, target_fd);
  if (fd < 0)
    {
      int errsv = errno;

      if (errsv == EBADF)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "Cannot get file descriptor %d of process %d: It is not open there",
                     target_fd, self->pid);
      else
        gpidfd_set_error_from_errno (error, errsv, GPIDFD_CALL_GETFD,
                                     "Cannot get file descriptor %d of process %d",
                                     target_fd, self->pid);
      return -1;
    }

  return fd;
}
