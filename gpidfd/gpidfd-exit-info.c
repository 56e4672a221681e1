/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-exit-info.c: the record of how a process ended */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "gpidfd-exit-info-private.h"

/**
 * GPidFdExitInfo:
 *
 * An immutable record of how a process ended and, where the kernel said,
 * what it used.
 *
 * A record is made by [method@GPidFd.PidFd.wait],
 * [method@GPidFd.PidFd.try_wait], [method@GPidFd.PidFd.wait_finish] and the
 * sources of [method@GPidFd.PidFd.create_source]; it is never made up.
 *
 * For a child of the caller, the record is read by `waitid(2)` and carries
 * the full `siginfo_t` and `struct rusage`. For a process that the caller
 * did not reap (not its child, or a child reaped by someone else), the
 * status comes from the kernel's `PIDFD_INFO_EXIT` (Linux 6.15) once the
 * process has been reaped, and there is no resource usage; on older kernels
 * [method@GPidFd.PidFdExitInfo.has_status] is %FALSE and every status
 * getter says "unknown" rather than inventing a success.
 *
 * ## Known and unknown values
 *
 * One rule holds for every getter:
 *
 * - a `has_*` method says whether a value is known:
 *   [method@GPidFd.PidFdExitInfo.has_status] for how the process ended,
 *   [method@GPidFd.PidFdExitInfo.has_rusage] for its resource usage and
 *   [method@GPidFd.PidFdExitInfo.has_uid] for its user id;
 * - an integer getter returns -1 for a value that is unknown or does not
 *   apply: the exit status of a process that a signal killed, the signal
 *   of a process that exited, the CPU time without resource usage. The
 *   unsigned [method@GPidFd.PidFdExitInfo.get_uid] returns `(guint) -1`,
 *   the `(uid_t) -1` that is no user's id;
 * - a boolean getter returns %FALSE when the status is unknown: such a
 *   process neither exited, nor was signalled, nor succeeded;
 * - [method@GPidFd.PidFdExitInfo.get_pid] is 0 for a process that was not
 *   visible in the caller's pid namespace, as everywhere in gpidfd.
 *
 * ## The same names in every language
 *
 * Every `get_*` method is also a read-only property of the same name
 * without `get_` (`get_exit_status()` and `exit-status`). The `has_*`
 * methods have no property: in JavaScript and Vala a property hides a
 * method of the same name, and `info.has_status()` must work everywhere.
 *
 * ```c
 * if (!g_pidfd_exit_info_has_status (info))
 *   g_print ("%d ended, but how is unknown\n", g_pidfd_exit_info_get_pid (info));
 * else if (g_pidfd_exit_info_get_if_exited (info))
 *   g_print ("%d exited with code %d\n", g_pidfd_exit_info_get_pid (info),
 *            g_pidfd_exit_info_get_exit_status (info));
 * if (g_pidfd_exit_info_has_rusage (info))
 *   g_print ("%" G_GINT64_FORMAT " us of CPU\n",
 *            g_pidfd_exit_info_get_user_time (info));
 * ```
 *
 * ```py
 * if not info.has_status():
 *     print(info.get_pid(), 'ended, but how is unknown')
 * elif info.get_if_exited():
 *     print(info.get_pid(), 'exited with code', info.get_exit_status())
 * if info.has_rusage():
 *     print(info.props.user_time, 'us of CPU')
 * ```
 *
 * ```js
 * if (!info.has_status())
 *     print(`${info.get_pid()} ended, but how is unknown`);
 * else if (info.get_if_exited())
 *     print(`${info.get_pid()} exited with code ${info.exit_status}`);
 * if (info.has_rusage())
 *     print(`${info.user_time} us of CPU`);
 * ```
 *
 * To tell a person how a process ended, [method@GPidFd.PidFdExitInfo.describe]
 * gives it in the words of [method@GPidFd.PidFdExitInfo.check]: "exited
 * with code 3", "killed by SIGTERM (signal 15)".
 *
 * Since: 1.0
 */

struct _GPidFdExitInfo
{
  GObject parent_instance;

  GPid pid;
  guint uid;
  gint code;
  gint status;
  siginfo_t siginfo;
  struct rusage rusage;
  guint has_status : 1;
  guint has_siginfo : 1;
  guint has_rusage : 1;
};

/* No property for the has_*() methods: see the class documentation. */
enum {
  PROP_0,
  PROP_PID,
  PROP_UID,
  PROP_SI_CODE,
  PROP_IF_EXITED,
  PROP_EXIT_STATUS,
  PROP_IF_SIGNALED,
  PROP_TERM_SIG,
  PROP_CORE_DUMPED,
  PROP_STATUS,
  PROP_SUCCESSFUL,
  PROP_USER_TIME,
  PROP_SYSTEM_TIME,
  PROP_MAX_RSS,
  PROP_MINOR_FAULTS,
  PROP_MAJOR_FAULTS,
  PROP_VOLUNTARY_CONTEXT_SWITCHES,
  PROP_INVOLUNTARY_CONTEXT_SWITCHES,
  PROP_FS_INPUTS,
  PROP_FS_OUTPUTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (GPidFdExitInfo, g_pidfd_exit_info, G_TYPE_OBJECT)

static void
g_pidfd_exit_info_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GPidFdExitInfo *self = G_PIDFD_EXIT_INFO (object);

  switch (prop_id)
    {
    case PROP_PID:
      g_value_set_int (value, self->pid);
      break;
    case PROP_UID:
      g_value_set_uint (value, self->uid);
      break;
    case PROP_SI_CODE:
      g_value_set_int (value, g_pidfd_exit_info_get_si_code (self));
      break;
    case PROP_IF_EXITED:
      g_value_set_boolean (value, g_pidfd_exit_info_get_if_exited (self));
      break;
    case PROP_EXIT_STATUS:
      g_value_set_int (value, g_pidfd_exit_info_get_exit_status (self));
      break;
    case PROP_IF_SIGNALED:
      g_value_set_boolean (value, g_pidfd_exit_info_get_if_signaled (self));
      break;
    case PROP_TERM_SIG:
      g_value_set_int (value, g_pidfd_exit_info_get_term_sig (self));
      break;
    case PROP_CORE_DUMPED:
      g_value_set_boolean (value, g_pidfd_exit_info_get_core_dumped (self));
      break;
    case PROP_STATUS:
      g_value_set_int (value, g_pidfd_exit_info_get_status (self));
      break;
    case PROP_SUCCESSFUL:
      g_value_set_boolean (value, g_pidfd_exit_info_get_successful (self));
      break;
    case PROP_USER_TIME:
      g_value_set_int64 (value, g_pidfd_exit_info_get_user_time (self));
      break;
    case PROP_SYSTEM_TIME:
      g_value_set_int64 (value, g_pidfd_exit_info_get_system_time (self));
      break;
    case PROP_MAX_RSS:
      g_value_set_int64 (value, g_pidfd_exit_info_get_max_rss (self));
      break;
    case PROP_MINOR_FAULTS:
      g_value_set_int64 (value, g_pidfd_exit_info_get_minor_faults (self));
      break;
    case PROP_MAJOR_FAULTS:
      g_value_set_int64 (value, g_pidfd_exit_info_get_major_faults (self));
      break;
    case PROP_VOLUNTARY_CONTEXT_SWITCHES:
      g_value_set_int64 (value, g_pidfd_exit_info_get_voluntary_context_switches (self));
      break;
    case PROP_INVOLUNTARY_CONTEXT_SWITCHES:
      g_value_set_int64 (value, g_pidfd_exit_info_get_involuntary_context_switches (self));
      break;
    case PROP_FS_INPUTS:
      g_value_set_int64 (value, g_pidfd_exit_info_get_fs_inputs (self));
      break;
    case PROP_FS_OUTPUTS:
      g_value_set_int64 (value, g_pidfd_exit_info_get_fs_outputs (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_pidfd_exit_info_class_init (GPidFdExitInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = g_pidfd_exit_info_get_property;

  /**
   * GPidFdExitInfo:pid:
   *
   * The pid the process had, in the caller's pid namespace (0 when it was
   * not visible there).
   *
   * Since: 1.0
   */
  properties[PROP_PID] =
    g_param_spec_int ("pid", NULL, NULL, G_MININT, G_MAXINT, 0, flags);

  /**
   * GPidFdExitInfo:uid:
   *
   * The real user id of the process, or `(guint) -1` when
   * [method@GPidFd.PidFdExitInfo.has_uid] is %FALSE.
   *
   * Since: 1.0
   */
  properties[PROP_UID] =
    g_param_spec_uint ("uid", NULL, NULL, 0, G_MAXUINT, GPIDFD_UID_UNKNOWN, flags);

  /**
   * GPidFdExitInfo:si-code:
   *
   * The `si_code` of the exit: `CLD_EXITED` (1), `CLD_KILLED` (2) or
   * `CLD_DUMPED` (3); -1 when the status is unknown.
   *
   * Since: 1.0
   */
  properties[PROP_SI_CODE] =
    g_param_spec_int ("si-code", NULL, NULL, -1, G_MAXINT, -1, flags);

  /**
   * GPidFdExitInfo:if-exited:
   *
   * Whether the process exited normally; %FALSE when the status is
   * unknown.
   *
   * Since: 1.0
   */
  properties[PROP_IF_EXITED] =
    g_param_spec_boolean ("if-exited", NULL, NULL, FALSE, flags);

  /**
   * GPidFdExitInfo:exit-status:
   *
   * The exit status (0 to 255) when the process exited normally; -1 when
   * a signal ended it or the status is unknown.
   *
   * Since: 1.0
   */
  properties[PROP_EXIT_STATUS] =
    g_param_spec_int ("exit-status", NULL, NULL, -1, 255, -1, flags);

  /**
   * GPidFdExitInfo:if-signaled:
   *
   * Whether a signal ended the process; %FALSE when the status is
   * unknown.
   *
   * Since: 1.0
   */
  properties[PROP_IF_SIGNALED] =
    g_param_spec_boolean ("if-signaled", NULL, NULL, FALSE, flags);

  /**
   * GPidFdExitInfo:term-sig:
   *
   * The signal that ended the process; -1 when the process exited or the
   * status is unknown.
   *
   * Since: 1.0
   */
  properties[PROP_TERM_SIG] =
    g_param_spec_int ("term-sig", NULL, NULL, -1, G_MAXINT, -1, flags);

  /**
   * GPidFdExitInfo:core-dumped:
   *
   * Whether the process dumped core; %FALSE when the status is unknown.
   *
   * Since: 1.0
   */
  properties[PROP_CORE_DUMPED] =
    g_param_spec_boolean ("core-dumped", NULL, NULL, FALSE, flags);

  /**
   * GPidFdExitInfo:status:
   *
   * The status in the form `waitpid(2)` returns; -1 when the status is
   * unknown.
   *
   * Since: 1.0
   */
  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, -1, G_MAXINT, -1, flags);

  /**
   * GPidFdExitInfo:successful:
   *
   * Whether the process exited with status 0; %FALSE when the status is
   * unknown.
   *
   * Since: 1.0
   */
  properties[PROP_SUCCESSFUL] =
    g_param_spec_boolean ("successful", NULL, NULL, FALSE, flags);

  /**
   * GPidFdExitInfo:user-time:
   *
   * CPU time spent in user mode, in microseconds; -1 without resource
   * usage.
   *
   * Since: 1.0
   */
  properties[PROP_USER_TIME] =
    g_param_spec_int64 ("user-time", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:system-time:
   *
   * CPU time spent in the kernel, in microseconds; -1 without resource
   * usage.
   *
   * Since: 1.0
   */
  properties[PROP_SYSTEM_TIME] =
    g_param_spec_int64 ("system-time", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:max-rss:
   *
   * Peak resident set size, in KiB; -1 without resource usage.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_RSS] =
    g_param_spec_int64 ("max-rss", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:minor-faults:
   *
   * Page faults served without I/O (a page already in memory, or a new zero page); -1 without resource usage. See
   * [method@GPidFd.PidFdExitInfo.get_minor_faults].
   *
   * Since: 1.0
   */
  properties[PROP_MINOR_FAULTS] =
    g_param_spec_int64 ("minor-faults", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:major-faults:
   *
   * Page faults that needed I/O (a page read from a file or from swap); -1 without resource usage. See
   * [method@GPidFd.PidFdExitInfo.get_major_faults].
   *
   * Since: 1.0
   */
  properties[PROP_MAJOR_FAULTS] =
    g_param_spec_int64 ("major-faults", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:voluntary-context-switches:
   *
   * Times the process gave up the CPU before its time slice ended, to wait (for I/O, a lock, a child, a timer); -1 without resource usage. See
   * [method@GPidFd.PidFdExitInfo.get_voluntary_context_switches].
   *
   * Since: 1.0
   */
  properties[PROP_VOLUNTARY_CONTEXT_SWITCHES] =
    g_param_spec_int64 ("voluntary-context-switches", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:involuntary-context-switches:
   *
   * Times the process was preempted: its time slice ended, or a process of higher priority became runnable; -1 without resource usage. See
   * [method@GPidFd.PidFdExitInfo.get_involuntary_context_switches].
   *
   * Since: 1.0
   */
  properties[PROP_INVOLUNTARY_CONTEXT_SWITCHES] =
    g_param_spec_int64 ("involuntary-context-switches", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:fs-inputs:
   *
   * File system inputs: blocks of 512 bytes the file system had to read from a device (reads served from the page cache do not count); -1 without resource usage. See
   * [method@GPidFd.PidFdExitInfo.get_fs_inputs].
   *
   * Since: 1.0
   */
  properties[PROP_FS_INPUTS] =
    g_param_spec_int64 ("fs-inputs", NULL, NULL, -1, G_MAXINT64, -1, flags);

  /**
   * GPidFdExitInfo:fs-outputs:
   *
   * File system outputs: blocks of 512 bytes the file system wrote, or will write, to a device; -1 without resource usage. See
   * [method@GPidFd.PidFdExitInfo.get_fs_outputs].
   *
   * Since: 1.0
   */
  properties[PROP_FS_OUTPUTS] =
    g_param_spec_int64 ("fs-outputs", NULL, NULL, -1, G_MAXINT64, -1, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_pidfd_exit_info_init (GPidFdExitInfo *self)
{
  self->uid = GPIDFD_UID_UNKNOWN;
}

GPidFdExitInfo *
gpidfd_exit_info_new_from_siginfo (GPid                 pid,
                                   const siginfo_t     *siginfo,
                                   const struct rusage *rusage)
{
  GPidFdExitInfo *self = g_object_new (G_TYPE_PIDFD_EXIT_INFO, NULL);

  self->pid = pid;
  self->siginfo = *siginfo;
  self->has_siginfo = TRUE;
  self->uid = siginfo->si_uid;
  self->code = siginfo->si_code;
  self->status = siginfo->si_status;
  self->has_status = TRUE;
  if (rusage != NULL)
    {
      self->rusage = *rusage;
      self->has_rusage = TRUE;
    }

  return self;
}

GPidFdExitInfo *
gpidfd_exit_info_new_from_wait_status (GPid  pid,
                                       gint  wait_status,
                                       guint uid)
{
  GPidFdExitInfo *self = g_object_new (G_TYPE_PIDFD_EXIT_INFO, NULL);

  self->pid = pid;
  self->uid = uid;
  self->has_status = TRUE;

  if (WIFEXITED (wait_status))
    {
      self->code = CLD_EXITED;
      self->status = WEXITSTATUS (wait_status);
    }
  else
    {
      self->code = WCOREDUMP (wait_status) ? CLD_DUMPED : CLD_KILLED;
      self->status = WTERMSIG (wait_status);
    }

  /* A siginfo as waitid(2) would have filled it, for C users. */
  self->siginfo.si_signo = SIGCHLD;
  self->siginfo.si_code = self->code;
  self->siginfo.si_pid = pid;
  self->siginfo.si_uid = uid;
  self->siginfo.si_status = self->status;
  self->has_siginfo = TRUE;

  return self;
}

GPidFdExitInfo *
gpidfd_exit_info_new_unknown (GPid  pid,
                              guint uid)
{
  GPidFdExitInfo *self = g_object_new (G_TYPE_PIDFD_EXIT_INFO, NULL);

  self->pid = pid;
  self->uid = uid;

  return self;
}

/**
 * g_pidfd_exit_info_get_pid:
 * @self: a #GPidFdExitInfo
 *
 * Gets the pid the process had, in the caller's pid namespace.
 *
 * Returns: the pid, or 0 when it was not visible in the caller's namespace
 *
 * Since: 1.0
 */
GPid
g_pidfd_exit_info_get_pid (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), 0);

  return self->pid;
}

/**
 * g_pidfd_exit_info_has_uid:
 * @self: a #GPidFdExitInfo
 *
 * Tells whether the record knows the real user id the process had when
 * it ended. It does for a child the caller waited for (`si_uid` of
 * `waitid()`). For another process, gpidfd reads it when it first sees the
 * process exited, while it is still a zombie: from `PIDFD_GET_INFO`
 * (Linux 6.13), else from `/proc/PID/status` (checked afterwards to still
 * be that process). Once its parent has reaped it the kernel keeps no
 * credentials, so a record first looked for after the reap has no uid.
 * It is never the uid the process had at some earlier moment, such as
 * when it was opened.
 *
 * Returns: whether [method@GPidFd.PidFdExitInfo.get_uid] is known
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_has_uid (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);

  return self->uid != GPIDFD_UID_UNKNOWN;
}

/**
 * g_pidfd_exit_info_get_uid:
 * @self: a #GPidFdExitInfo
 *
 * Gets the real user id the process had, as `waitid(2)` reported it.
 *
 * Returns: the uid, or `(guint) -1` (the `(uid_t) -1` that is no user's
 *   id) when [method@GPidFd.PidFdExitInfo.has_uid] is %FALSE
 *
 * Since: 1.0
 */
guint
g_pidfd_exit_info_get_uid (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), GPIDFD_UID_UNKNOWN);

  return self->uid;
}

/**
 * g_pidfd_exit_info_get_si_code:
 * @self: a #GPidFdExitInfo
 *
 * Gets the `si_code` of the exit: `CLD_EXITED`, `CLD_KILLED` or
 * `CLD_DUMPED`.
 *
 * Returns: the code, or -1 when the status is unknown
 *
 * Since: 1.0
 */
gint
g_pidfd_exit_info_get_si_code (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_status ? self->code : -1;
}

/**
 * g_pidfd_exit_info_has_status:
 * @self: a #GPidFdExitInfo
 *
 * Tells whether the record knows how the process ended.
 *
 * This is %FALSE only for a process the caller did not reap, on a kernel
 * that cannot tell (before Linux 6.15, or across pid namespaces). Then
 * [method@GPidFd.PidFdExitInfo.get_if_exited],
 * [method@GPidFd.PidFdExitInfo.get_if_signaled] and
 * [method@GPidFd.PidFdExitInfo.get_successful] are all %FALSE, and
 * [method@GPidFd.PidFdExitInfo.get_status],
 * [method@GPidFd.PidFdExitInfo.get_exit_status],
 * [method@GPidFd.PidFdExitInfo.get_term_sig] and
 * [method@GPidFd.PidFdExitInfo.get_si_code] are -1.
 *
 * Returns: whether the status is known
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_has_status (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);

  return self->has_status;
}

/**
 * g_pidfd_exit_info_get_if_exited:
 * @self: a #GPidFdExitInfo
 *
 * Tells whether the process exited normally, through `exit(3)` or by
 * returning from `main()`.
 *
 * Returns: whether the process exited; %FALSE when the status is unknown
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_get_if_exited (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);

  return self->has_status && self->code == CLD_EXITED;
}

/**
 * g_pidfd_exit_info_get_exit_status:
 * @self: a #GPidFdExitInfo
 *
 * Gets the exit status of a process that exited normally.
 *
 * Returns: the status, 0 to 255, or -1 when a signal ended the process or
 *   the status is unknown
 *
 * Since: 1.0
 */
gint
g_pidfd_exit_info_get_exit_status (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  if (!g_pidfd_exit_info_get_if_exited (self))
    return -1;

  return self->status & 0xff;
}

/**
 * g_pidfd_exit_info_get_if_signaled:
 * @self: a #GPidFdExitInfo
 *
 * Tells whether a signal ended the process.
 *
 * Returns: whether the process was killed by a signal; %FALSE when the
 *   status is unknown
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_get_if_signaled (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);

  return self->has_status && (self->code == CLD_KILLED || self->code == CLD_DUMPED);
}

/**
 * g_pidfd_exit_info_get_term_sig:
 * @self: a #GPidFdExitInfo
 *
 * Gets the signal that ended the process.
 *
 * Returns: the signal number, or -1 when the process exited normally or
 *   the status is unknown
 *
 * Since: 1.0
 */
gint
g_pidfd_exit_info_get_term_sig (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  if (!g_pidfd_exit_info_get_if_signaled (self))
    return -1;

  return self->status;
}

/**
 * g_pidfd_exit_info_get_core_dumped:
 * @self: a #GPidFdExitInfo
 *
 * Tells whether the process dumped core when a signal ended it.
 *
 * Returns: whether a core dump was written; %FALSE when the status is
 *   unknown
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_get_core_dumped (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);

  return self->has_status && self->code == CLD_DUMPED;
}

/**
 * g_pidfd_exit_info_get_status:
 * @self: a #GPidFdExitInfo
 *
 * Gets the status in the form `waitpid(2)` returns, for use with
 * `WIFEXITED()`, `WCOREDUMP()` and friends or
 * [func@GLib.spawn_check_wait_status]. The core-dump bit is kept.
 *
 * Returns: the wait status, or -1 when the status is unknown
 *
 * Since: 1.0
 */
gint
g_pidfd_exit_info_get_status (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  if (!self->has_status)
    return -1;

  switch (self->code)
    {
    case CLD_EXITED:
      return (self->status & 0xff) << 8;
    case CLD_KILLED:
      return self->status & 0x7f;
    case CLD_DUMPED:
      return (self->status & 0x7f) | 0x80;
    default:
      return -1;
    }
}

/**
 * g_pidfd_exit_info_get_successful:
 * @self: a #GPidFdExitInfo
 *
 * Tells whether the process exited normally with status 0, like
 * [method@Gio.Subprocess.get_successful].
 *
 * Returns: whether the process succeeded; %FALSE when it failed, a signal
 *   ended it, or the status is unknown
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_get_successful (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);

  return g_pidfd_exit_info_get_exit_status (self) == 0;
}

/* The names `kill -l` gives the signals of Linux, without "SIG". One
 * name for a number, the one it lists first: ABRT, not IOT; CHLD, not
 * CLD; POLL, not IO. */
static const gchar * const signal_names[] = {
  [SIGHUP] = "HUP",
  [SIGINT] = "INT",
  [SIGQUIT] = "QUIT",
  [SIGILL] = "ILL",
  [SIGTRAP] = "TRAP",
  [SIGABRT] = "ABRT",
  [SIGBUS] = "BUS",
  [SIGFPE] = "FPE",
  [SIGKILL] = "KILL",
  [SIGUSR1] = "USR1",
  [SIGSEGV] = "SEGV",
  [SIGUSR2] = "USR2",
  [SIGPIPE] = "PIPE",
  [SIGALRM] = "ALRM",
  [SIGTERM] = "TERM",
#ifdef SIGSTKFLT
  [SIGSTKFLT] = "STKFLT",
#endif
  [SIGCHLD] = "CHLD",
  [SIGCONT] = "CONT",
  [SIGSTOP] = "STOP",
  [SIGTSTP] = "TSTP",
  [SIGTTIN] = "TTIN",
  [SIGTTOU] = "TTOU",
  [SIGURG] = "URG",
  [SIGXCPU] = "XCPU",
  [SIGXFSZ] = "XFSZ",
  [SIGVTALRM] = "VTALRM",
  [SIGPROF] = "PROF",
  [SIGWINCH] = "WINCH",
  [SIGPOLL] = "POLL",
#ifdef SIGPWR
  [SIGPWR] = "PWR",
#endif
  [SIGSYS] = "SYS",
};

/* "SIGTERM", "SIGRTMIN+3", "SIGRTMAX"; NULL for a number without a name. */
static gchar *
signal_name (gint signum)
{
  gint rtmin = SIGRTMIN;
  gint rtmax = SIGRTMAX;

  if (signum > 0 && (gsize) signum < G_N_ELEMENTS (signal_names) &&
      signal_names[signum] != NULL)
    return g_strconcat ("SIG", signal_names[signum], NULL);

  /* As bash and util-linux name them: the lower half from SIGRTMIN, the
   * upper half from SIGRTMAX. */
  if (signum == rtmin)
    return g_strdup ("SIGRTMIN");
  if (signum == rtmax)
    return g_strdup ("SIGRTMAX");
  if (signum > rtmin && signum - rtmin <= (rtmax - rtmin) / 2)
    return g_strdup_printf ("SIGRTMIN+%d", signum - rtmin);
  if (signum > rtmin && signum < rtmax)
    return g_strdup_printf ("SIGRTMAX-%d", rtmax - signum);

  return NULL;
}

/**
 * g_pidfd_exit_info_describe:
 * @self: a #GPidFdExitInfo
 *
 * Describes how the process ended, in words for a person to read, the
 * same words as [method@GPidFd.PidFdExitInfo.check]'s messages, which
 * follow [func@GLib.spawn_check_wait_status]:
 *
 * - "exited with code 3" for a process that exited, with whatever
 *   status, 0 included;
 * - "killed by SIGTERM (signal 15)" for a process a signal ended, with
 *   ", core dumped" after it when the process dumped core. A signal is
 *   named by `SIG` and the name `kill -l` gives it (`SIGRTMIN+3` for a
 *   real-time signal); one without a name is given by its number alone,
 *   "killed by signal 99";
 * - "ended, but how is unknown (the caller did not reap it and the
 *   kernel did not report its status)" when
 *   [method@GPidFd.PidFdExitInfo.has_status] is %FALSE.
 *
 * The text does not name the process, so that the caller can put it
 * where it belongs ("Process 1234 exited with code 3",
 * "make: killed by SIGINT (signal 2)"). It does not depend on the locale.
 * Programs that decide something from the ending should use the getters,
 * not this text.
 *
 * ```c
 * g_autofree gchar *ending = g_pidfd_exit_info_describe (info);
 *
 * g_print ("%d %s\n", g_pidfd_exit_info_get_pid (info), ending);
 * ```
 *
 * ```py
 * print(info.get_pid(), info.describe())
 * ```
 *
 * ```js
 * print(`${info.get_pid()} ${info.describe()}`);
 * ```
 *
 * Returns: (transfer full): how the process ended, such as "exited with
 *   code 3"
 *
 * Since: 1.0
 */
gchar *
g_pidfd_exit_info_describe (GPidFdExitInfo *self)
{
  gint signum;
  g_autofree gchar *name = NULL;
  const gchar *core;

  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), NULL);

  if (!self->has_status)
    return g_strdup ("ended, but how is unknown (the caller did not reap it "
                     "and the kernel did not report its status)");

  if (g_pidfd_exit_info_get_if_exited (self))
    return g_strdup_printf ("exited with code %d",
                            g_pidfd_exit_info_get_exit_status (self));

  /* Every other si_code that a record is made with is a signal's. */
  signum = self->status;
  name = signal_name (signum);
  core = g_pidfd_exit_info_get_core_dumped (self) ? ", core dumped" : "";

  /* A signal without a name is named by its number, once. */
  if (name == NULL)
    return g_strdup_printf ("killed by signal %d%s", signum, core);

  return g_strdup_printf ("killed by %s (signal %d)%s", name, signum, core);
}

/**
 * g_pidfd_exit_info_check:
 * @self: a #GPidFdExitInfo
 * @error: return location for a #GError
 *
 * Checks that the process exited with status 0, with the errors of
 * [func@GLib.spawn_check_wait_status] and messages that name the process
 * (which need not be a child of the caller) and then say how it ended in
 * the words of [method@GPidFd.PidFdExitInfo.describe]:
 *
 * - a non-zero exit status gives a %G_SPAWN_EXIT_ERROR with the status as
 *   its code: "Process 1234 exited with code 3";
 * - a signal gives %G_SPAWN_ERROR_FAILED: "Process 1234 killed by
 *   SIGKILL (signal 9)", with ", core dumped" when it dumped core;
 * - an unknown status gives %G_SPAWN_ERROR_FAILED too, never a success:
 *   "Process 1234 ended, but how is unknown (...)".
 *
 * ```c
 * if (!g_pidfd_exit_info_check (info, &error))
 *   g_printerr ("%s\n", error->message);
 * ```
 *
 * ```py
 * try:
 *     info.check()
 * except GLib.Error as e:
 *     print(e.message)
 * ```
 *
 * ```js
 * try {
 *     info.check();
 * } catch (e) {
 *     print(e.message);
 * }
 * ```
 *
 * Returns: %TRUE if the process exited with status 0
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_check (GPidFdExitInfo  *self,
                         GError         **error)
{
  g_autofree gchar *process = NULL;
  g_autofree gchar *ending = NULL;

  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_pidfd_exit_info_get_successful (self))
    return TRUE;

  /* A pid of 0 is a process outside the caller's pid namespace. */
  process = self->pid > 0 ? g_strdup_printf ("Process %d", self->pid)
                          : g_strdup ("A process of another pid namespace");
  ending = g_pidfd_exit_info_describe (self);

  if (g_pidfd_exit_info_get_if_exited (self))
    g_set_error (error, G_SPAWN_EXIT_ERROR, g_pidfd_exit_info_get_exit_status (self),
                 "%s %s", process, ending);
  else
    g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                 "%s %s", process, ending);

  return FALSE;
}

/**
 * g_pidfd_exit_info_has_rusage:
 * @self: a #GPidFdExitInfo
 *
 * Tells whether the record carries the resource usage of the process.
 * Only a process whose status was read with `waitid(2)` has one: a child
 * the caller reaped, or, with %G_PIDFD_FLAGS_NO_REAP, a child whose status
 * was read before its owner reaped it (see the
 * [waiting guide](waiting.html#processes-someone-else-reaps)).
 *
 * The getters give user and system CPU time and peak RSS; the rest of the
 * `struct rusage` (page faults, context switches, block I/O) is in
 * [method@GPidFd.PidFdExitInfo.get_rusage], from C.
 *
 * Returns: whether resource usage is known
 *
 * Since: 1.0
 */
gboolean
g_pidfd_exit_info_has_rusage (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), FALSE);

  return self->has_rusage;
}

static gint64
timeval_to_us (const struct timeval *tv)
{
  return (gint64) tv->tv_sec * G_USEC_PER_SEC + tv->tv_usec;
}

/**
 * g_pidfd_exit_info_get_user_time:
 * @self: a #GPidFdExitInfo
 *
 * Gets the CPU time the process (and its reaped children) spent in user
 * mode.
 *
 * Returns: microseconds, or -1 without resource usage
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_user_time (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? timeval_to_us (&self->rusage.ru_utime) : -1;
}

/**
 * g_pidfd_exit_info_get_system_time:
 * @self: a #GPidFdExitInfo
 *
 * Gets the CPU time the kernel spent on behalf of the process (and its
 * reaped children).
 *
 * Returns: microseconds, or -1 without resource usage
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_system_time (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? timeval_to_us (&self->rusage.ru_stime) : -1;
}

/**
 * g_pidfd_exit_info_get_max_rss:
 * @self: a #GPidFdExitInfo
 *
 * Gets the peak resident set size of the process (and of the children it
 * reaped), from `ru_maxrss` of the `struct rusage` `waitid(2)` filled.
 *
 * The kernel counts every memory the process ran in, before its
 * `execve()` too: a process spawned by gpidfd (or by `posix_spawn()`)
 * runs in its parent's memory until it execs, so its peak is at least
 * the parent's resident size at that moment; a forked process starts with
 * a copy, counted as it is touched.
 *
 * Returns: KiB, or -1 without resource usage
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_max_rss (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? (gint64) self->rusage.ru_maxrss : -1;
}

/**
 * g_pidfd_exit_info_get_minor_faults:
 * @self: a #GPidFdExitInfo
 *
 * Gets the number of page faults served without I/O (a page already in memory, or a new zero page), from `ru_minflt` of the `struct rusage` that
 * `waitid(2)` filled (including the children the process reaped, as for
 * every resource usage here).
 *
 * Returns: a count, or -1 without resource usage (see
 *   [method@GPidFd.PidFdExitInfo.has_rusage])
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_minor_faults (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? (gint64) self->rusage.ru_minflt : -1;
}

/**
 * g_pidfd_exit_info_get_major_faults:
 * @self: a #GPidFdExitInfo
 *
 * Gets the number of page faults that needed I/O (a page read from a file or from swap), from `ru_majflt` of the `struct rusage` that
 * `waitid(2)` filled (including the children the process reaped, as for
 * every resource usage here).
 *
 * Returns: a count, or -1 without resource usage (see
 *   [method@GPidFd.PidFdExitInfo.has_rusage])
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_major_faults (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? (gint64) self->rusage.ru_majflt : -1;
}

/**
 * g_pidfd_exit_info_get_voluntary_context_switches:
 * @self: a #GPidFdExitInfo
 *
 * Gets the number of times the process gave up the CPU before its time slice ended, to wait (for I/O, a lock, a child, a timer), from `ru_nvcsw` of the `struct rusage` that
 * `waitid(2)` filled (including the children the process reaped, as for
 * every resource usage here).
 *
 * Returns: a count, or -1 without resource usage (see
 *   [method@GPidFd.PidFdExitInfo.has_rusage])
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_voluntary_context_switches (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? (gint64) self->rusage.ru_nvcsw : -1;
}

/**
 * g_pidfd_exit_info_get_involuntary_context_switches:
 * @self: a #GPidFdExitInfo
 *
 * Gets the number of times the process was preempted: its time slice ended, or a process of higher priority became runnable, from `ru_nivcsw` of the `struct rusage` that
 * `waitid(2)` filled (including the children the process reaped, as for
 * every resource usage here).
 *
 * Returns: a count, or -1 without resource usage (see
 *   [method@GPidFd.PidFdExitInfo.has_rusage])
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_involuntary_context_switches (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? (gint64) self->rusage.ru_nivcsw : -1;
}

/**
 * g_pidfd_exit_info_get_fs_inputs:
 * @self: a #GPidFdExitInfo
 *
 * Gets the number of file system inputs: blocks of 512 bytes the file system had to read from a device (reads served from the page cache do not count), from `ru_inblock` of the `struct rusage` that
 * `waitid(2)` filled (including the children the process reaped, as for
 * every resource usage here).
 *
 * Returns: a count, or -1 without resource usage (see
 *   [method@GPidFd.PidFdExitInfo.has_rusage])
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_fs_inputs (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? (gint64) self->rusage.ru_inblock : -1;
}

/**
 * g_pidfd_exit_info_get_fs_outputs:
 * @self: a #GPidFdExitInfo
 *
 * Gets the number of file system outputs: blocks of 512 bytes the file system wrote, or will write, to a device, from `ru_oublock` of the `struct rusage` that
 * `waitid(2)` filled (including the children the process reaped, as for
 * every resource usage here).
 *
 * Returns: a count, or -1 without resource usage (see
 *   [method@GPidFd.PidFdExitInfo.has_rusage])
 *
 * Since: 1.0
 */
gint64
g_pidfd_exit_info_get_fs_outputs (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), -1);

  return self->has_rusage ? (gint64) self->rusage.ru_oublock : -1;
}

/**
 * g_pidfd_exit_info_get_siginfo: (skip)
 * @self: a #GPidFdExitInfo
 *
 * Gets the `siginfo_t` that `waitid(2)` filled. For a status read through
 * `PIDFD_INFO_EXIT` it is filled the same way from what the kernel said
 * (`si_signo`, `si_code`, `si_pid`, `si_uid`, `si_status`).
 *
 * Returns: (nullable): the siginfo, owned by @self, or %NULL when the
 *   status is unknown
 *
 * Since: 1.0
 */
const siginfo_t *
g_pidfd_exit_info_get_siginfo (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), NULL);

  return self->has_siginfo ? &self->siginfo : NULL;
}

/**
 * g_pidfd_exit_info_get_rusage: (skip)
 * @self: a #GPidFdExitInfo
 *
 * Gets the `struct rusage` that `waitid(2)` filled.
 *
 * Returns: (nullable): the resource usage, owned by @self, or %NULL
 *   without one
 *
 * Since: 1.0
 */
const struct rusage *
g_pidfd_exit_info_get_rusage (GPidFdExitInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_EXIT_INFO (self), NULL);

  return self->has_rusage ? &self->rusage : NULL;
}
