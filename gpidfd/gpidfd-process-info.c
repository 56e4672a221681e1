/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-process-info.c: what the kernel says about a running process */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "gpidfd-enums.h"
#include "gpidfd-error-private.h"
#include "gpidfd-pidfd-private.h"
#include "gpidfd-pidfd-util-private.h"
#include "gpidfd-process-info.h"
#include "gpidfd-syscall-private.h"

/**
 * GPidFdProcessInfo:
 *
 * A snapshot of what the kernel said about a process (or thread) at one
 * moment, from [method@GPidFd.PidFd.query_info]: its ids in the caller's
 * pid namespace, its credentials, its cgroup, its name and state.
 *
 * Where the values come from: the `PIDFD_GET_INFO` ioctl (Linux 6.13)
 * for the ids, the credentials and the cgroup id; `/proc/PID/stat` for the
 * name and the state (and, on older kernels, `/proc/self/fdinfo/FD` and
 * `/proc/PID/status` for the rest). A `/proc` file is only used when that
 * `/proc` belongs to the caller's pid namespace, and only if the pidfd
 * still shows the same pid after it was read: a file of a later process
 * that got the same pid never leaks in.
 *
 * What the kernel could not tell is said by
 * [method@GPidFd.PidFdProcessInfo.has_credentials] (for a process outside
 * the caller's pid namespace), by a cgroup id of 0, a %NULL name and
 * %G_PIDFD_PROCESS_STATE_UNKNOWN.
 *
 * Every getter is also a read-only property, except
 * [method@GPidFd.PidFdProcessInfo.has_credentials]: in JavaScript a property
 * of the same name would hide the method.
 *
 * Since: 1.0
 */

struct _GPidFdProcessInfo
{
  GObject parent_instance;

  GPid pid;
  GPid tgid;
  GPid ppid;
  guint ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
  guint64 cgroup_id;
  char *name;
  GPidFdProcessState state;
  gboolean has_credentials;
  gboolean is_kernel_thread;
};

enum {
  PROP_0,
  PROP_PID,
  PROP_TGID,
  PROP_PPID,
  PROP_RUID,
  PROP_RGID,
  PROP_EUID,
  PROP_EGID,
  PROP_SUID,
  PROP_SGID,
  PROP_FSUID,
  PROP_FSGID,
  PROP_CGROUP_ID,
  PROP_NAME,
  PROP_STATE,
  PROP_IS_KERNEL_THREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (GPidFdProcessInfo, g_pidfd_process_info, G_TYPE_OBJECT)

static void
g_pidfd_process_info_finalize (GObject *object)
{
  GPidFdProcessInfo *self = G_PIDFD_PROCESS_INFO (object);

  g_free (self->name);

  G_OBJECT_CLASS (g_pidfd_process_info_parent_class)->finalize (object);
}

static void
g_pidfd_process_info_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  GPidFdProcessInfo *self = G_PIDFD_PROCESS_INFO (object);

  switch (prop_id)
    {
    case PROP_PID:
      g_value_set_int (value, self->pid);
      break;
    case PROP_TGID:
      g_value_set_int (value, self->tgid);
      break;
    case PROP_PPID:
      g_value_set_int (value, self->ppid);
      break;
    case PROP_RUID:
      g_value_set_uint (value, self->ruid);
      break;
    case PROP_RGID:
      g_value_set_uint (value, self->rgid);
      break;
    case PROP_EUID:
      g_value_set_uint (value, self->euid);
      break;
    case PROP_EGID:
      g_value_set_uint (value, self->egid);
      break;
    case PROP_SUID:
      g_value_set_uint (value, self->suid);
      break;
    case PROP_SGID:
      g_value_set_uint (value, self->sgid);
      break;
    case PROP_FSUID:
      g_value_set_uint (value, self->fsuid);
      break;
    case PROP_FSGID:
      g_value_set_uint (value, self->fsgid);
      break;
    case PROP_CGROUP_ID:
      g_value_set_uint64 (value, self->cgroup_id);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_IS_KERNEL_THREAD:
      g_value_set_boolean (value, self->is_kernel_thread);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_pidfd_process_info_class_init (GPidFdProcessInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  static const struct
  {
    guint prop;
    const char *name;
  } ids[] = {
    { PROP_RUID, "ruid" }, { PROP_RGID, "rgid" },
    { PROP_EUID, "euid" }, { PROP_EGID, "egid" },
    { PROP_SUID, "suid" }, { PROP_SGID, "sgid" },
    { PROP_FSUID, "fsuid" }, { PROP_FSGID, "fsgid" },
  };

  object_class->finalize = g_pidfd_process_info_finalize;
  object_class->get_property = g_pidfd_process_info_get_property;

  /**
   * GPidFdProcessInfo:pid:
   *
   * See [method@GPidFd.PidFdProcessInfo.get_pid].
   *
   * Since: 1.0
   */
  properties[PROP_PID] = g_param_spec_int ("pid", NULL, NULL, 0, G_MAXINT, 0, flags);
  /**
   * GPidFdProcessInfo:tgid:
   *
   * See [method@GPidFd.PidFdProcessInfo.get_tgid].
   *
   * Since: 1.0
   */
  properties[PROP_TGID] = g_param_spec_int ("tgid", NULL, NULL, 0, G_MAXINT, 0, flags);
  /**
   * GPidFdProcessInfo:ppid:
   *
   * See [method@GPidFd.PidFdProcessInfo.get_ppid].
   *
   * Since: 1.0
   */
  properties[PROP_PPID] = g_param_spec_int ("ppid", NULL, NULL, 0, G_MAXINT, 0, flags);
  /**
   * GPidFdProcessInfo:ruid:
   *
   * The real user id; see [method@GPidFd.PidFdProcessInfo.get_ruid].
   *
   * Since: 1.0
   */
  /**
   * GPidFdProcessInfo:rgid:
   *
   * The real group id.
   *
   * Since: 1.0
   */
  /**
   * GPidFdProcessInfo:euid:
   *
   * The effective user id.
   *
   * Since: 1.0
   */
  /**
   * GPidFdProcessInfo:egid:
   *
   * The effective group id.
   *
   * Since: 1.0
   */
  /**
   * GPidFdProcessInfo:suid:
   *
   * The saved set-user-id.
   *
   * Since: 1.0
   */
  /**
   * GPidFdProcessInfo:sgid:
   *
   * The saved set-group-id.
   *
   * Since: 1.0
   */
  /**
   * GPidFdProcessInfo:fsuid:
   *
   * The file system user id.
   *
   * Since: 1.0
   */
  /**
   * GPidFdProcessInfo:fsgid:
   *
   * The file system group id.
   *
   * Since: 1.0
   */
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    properties[ids[i].prop] = g_param_spec_uint (ids[i].name, NULL, NULL, 0, G_MAXUINT, 0, flags);
  /**
   * GPidFdProcessInfo:cgroup-id:
   *
   * See [method@GPidFd.PidFdProcessInfo.get_cgroup_id].
   *
   * Since: 1.0
   */
  properties[PROP_CGROUP_ID] =
    g_param_spec_uint64 ("cgroup-id", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  /**
   * GPidFdProcessInfo:name:
   *
   * See [method@GPidFd.PidFdProcessInfo.get_name].
   *
   * Since: 1.0
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * GPidFdProcessInfo:state:
   *
   * See [method@GPidFd.PidFdProcessInfo.get_state].
   *
   * Since: 1.0
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, G_TYPE_PIDFD_PROCESS_STATE,
                       G_PIDFD_PROCESS_STATE_UNKNOWN, flags);
  /**
   * GPidFdProcessInfo:is-kernel-thread:
   *
   * See [method@GPidFd.PidFdProcessInfo.get_is_kernel_thread].
   *
   * Since: 1.0
   */
  properties[PROP_IS_KERNEL_THREAD] =
    g_param_spec_boolean ("is-kernel-thread", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_pidfd_process_info_init (GPidFdProcessInfo *self)
{
}

static GPidFdProcessState
state_from_char (char c)
{
  switch (c)
    {
    case 'R':
      return G_PIDFD_PROCESS_STATE_RUNNING;
    case 'S':
      return G_PIDFD_PROCESS_STATE_SLEEPING;
    case 'D':
      return G_PIDFD_PROCESS_STATE_DISK_SLEEP;
    case 'T':
      return G_PIDFD_PROCESS_STATE_STOPPED;
    case 't':
      return G_PIDFD_PROCESS_STATE_TRACED;
    case 'Z':
      return G_PIDFD_PROCESS_STATE_ZOMBIE;
    case 'X':
    case 'x':
      return G_PIDFD_PROCESS_STATE_DEAD;
    case 'I':
      return G_PIDFD_PROCESS_STATE_IDLE;
    default:
      return G_PIDFD_PROCESS_STATE_UNKNOWN;
    }
}

#define PF_KTHREAD_FLAG 0x00200000

/* "PID (comm) S ppid pgrp session tty tpgid flags ...": the name is
 * everything between the first '(' and the last ')'. */
static gboolean
parse_stat (const char          *text,
            char               **name,
            GPidFdProcessState  *state,
            gboolean            *kthread)
{
  const char *open = strchr (text, '(');
  const char *close = strrchr (text, ')');
  g_auto(GStrv) fields = NULL;
  guint64 flags;

  if (open == NULL || close == NULL || close < open || close[1] != ' ')
    return FALSE;

  fields = g_strsplit (close + 2, " ", 8);
  if (g_strv_length (fields) < 8 || strlen (fields[0]) != 1 ||
      !g_ascii_string_to_unsigned (fields[6], 10, 0, G_MAXUINT32, &flags, NULL))
    return FALSE;

  *name = g_strndup (open + 1, close - open - 1);
  *state = state_from_char (fields[0][0]);
  *kthread = (flags & PF_KTHREAD_FLAG) != 0;
  return TRUE;
}

/* Reads name, state and kernel-thread flag of @pid from /proc; kept only
 * when @fd still shows @pid afterwards. */
static void
read_proc_stat (GPidFdProcessInfo *self,
                int                fd)
{
  char buf[1024];
  g_autofree char *name = NULL;
  GPidFdProcessState state;
  gboolean kthread;

  if (self->pid <= 0 || gpidfd_sys_read_proc (self->pid, "stat", buf, sizeof buf) < 0)
    return;
  if (!parse_stat (buf, &name, &state, &kthread))
    return;
  if (gpidfd_pidfd_query_pid (fd) != self->pid)
    return;

  self->name = g_steal_pointer (&name);
  self->state = state;
  self->is_kernel_thread = kthread;
}

/* Four numbers after @field ("Uid:\tr\te\ts\tfs"). */
static gboolean
parse_ids (const char *text,
           const char *field,
           guint      *ids)
{
  const char *line = strstr (text, field);
  g_auto(GStrv) parts = NULL;
  g_autofree char *copy = NULL;
  guint n = 0;

  if (line == NULL)
    return FALSE;
  copy = g_strndup (line + strlen (field), strcspn (line + strlen (field), "\n"));
  parts = g_strsplit_set (g_strstrip (copy), " \t", -1);
  for (guint i = 0; parts[i] != NULL && n < 4; i++)
    {
      guint64 v;

      if (parts[i][0] == '\0')
        continue;
      if (!g_ascii_string_to_unsigned (parts[i], 10, 0, G_MAXUINT32, &v, NULL))
        return FALSE;
      ids[n++] = (guint) v;
    }

  return n == 4;
}

/* Without PIDFD_GET_INFO: /proc/self/fdinfo/FD and /proc/PID/status. */
static GPidFdProcessInfo *
query_from_proc (GPidFd  *self,
                 GError **error)
{
  g_autoptr(GPidFdProcessInfo) info = g_object_new (G_TYPE_PIDFD_PROCESS_INFO, NULL);
  char buf[4096];
  gint64 pid, tgid, ppid;
  guint uids[4], gids[4];

  if (!gpidfd_sys_proc_is_ours ())
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot query process %d: The kernel lacks the PIDFD_GET_INFO ioctl "
                   "(Linux 6.13 or later is needed) and /proc belongs to another pid namespace",
                   self->pid);
      return NULL;
    }

  pid = gpidfd_pidfd_query_pid (self->fd);
  if (pid == -1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot query process %d: It has ended and been reaped", self->pid);
      return NULL;
    }
  if (pid <= 0)
    return g_steal_pointer (&info);

  info->pid = (GPid) pid;
  if (gpidfd_sys_read_proc (info->pid, "status", buf, sizeof buf) >= 0 &&
      gpidfd_proc_parse_field (buf, strlen (buf), "Tgid:", &tgid) &&
      gpidfd_proc_parse_field (buf, strlen (buf), "PPid:", &ppid) &&
      parse_ids (buf, "\nUid:", uids) && parse_ids (buf, "\nGid:", gids) &&
      gpidfd_pidfd_query_pid (self->fd) == info->pid)
    {
      info->tgid = (GPid) tgid;
      info->ppid = (GPid) ppid;
      info->ruid = uids[0];
      info->euid = uids[1];
      info->suid = uids[2];
      info->fsuid = uids[3];
      info->rgid = gids[0];
      info->egid = gids[1];
      info->sgid = gids[2];
      info->fsgid = gids[3];
      info->has_credentials = TRUE;
    }
  else if (gpidfd_pidfd_query_pid (self->fd) == -1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot query process %d: It has ended and been reaped", self->pid);
      return NULL;
    }
  else
    {
      /* Read under a pid that got reused is impossible here (the pidfd
       * still shows it), so the file was unreadable: say so. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Cannot query process %d: /proc/%d/status cannot be read",
                   self->pid, info->pid);
      return NULL;
    }

  read_proc_stat (info, self->fd);
  return g_steal_pointer (&info);
}

/**
 * g_pidfd_query_info:
 * @self: a #GPidFd
 * @error: return location for a #GError
 *
 * Asks the kernel what it knows about the process now; see
 * [class@GPidFd.PidFdProcessInfo] for where each value comes from.
 *
 * For a process outside the caller's pid namespace, the pids are 0 and
 * [method@GPidFd.PidFdProcessInfo.has_credentials] is %FALSE. A zombie
 * (exited, not yet reaped) can still be queried.
 *
 * Errors: %G_IO_ERROR_NOT_FOUND once the process has been reaped;
 * %G_IO_ERROR_NOT_SUPPORTED when the kernel lacks `PIDFD_GET_INFO` (before
 * Linux 6.13) and `/proc` belongs to another pid namespace;
 * %G_IO_ERROR_NOT_INITIALIZED for an object that holds no process.
 *
 * Returns: (transfer full): the process information, or %NULL with @error
 *   set
 *
 * Since: 1.0
 */
GPidFdProcessInfo *
g_pidfd_query_info (GPidFd  *self,
                    GError **error)
{
  g_autoptr(GPidFdProcessInfo) info = NULL;
  GPidFdKernelInfo k;
  int errsv;

  g_return_val_if_fail (G_IS_PIDFD (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!gpidfd_pidfd_check_ready (self, error))
    return NULL;

  if (gpidfd_sys_get_info (self->fd, GPIDFD_INFO_PID | GPIDFD_INFO_CREDS | GPIDFD_INFO_CGROUPID,
                           &k) == 0)
    {
      info = g_object_new (G_TYPE_PIDFD_PROCESS_INFO, NULL);
      info->pid = (GPid) k.pid;
      info->tgid = (GPid) k.tgid;
      info->ppid = (GPid) k.ppid;
      if (k.mask & GPIDFD_INFO_CREDS)
        {
          info->ruid = k.ruid;
          info->rgid = k.rgid;
          info->euid = k.euid;
          info->egid = k.egid;
          info->suid = k.suid;
          info->sgid = k.sgid;
          info->fsuid = k.fsuid;
          info->fsgid = k.fsgid;
          info->has_credentials = TRUE;
        }
      if (k.mask & GPIDFD_INFO_CGROUPID)
        info->cgroup_id = k.cgroupid;
      read_proc_stat (info, self->fd);
      return g_steal_pointer (&info);
    }

  errsv = errno;
  if (errsv == EREMOTE || (errsv == ESRCH && !(gpidfd_sys_poll (self->fd, 0) & POLLHUP)))
    {
      /* Alive, but outside the caller's pid namespace. */
      return g_object_new (G_TYPE_PIDFD_PROCESS_INFO, NULL);
    }
  if (errsv == ESRCH)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "Cannot query process %d: It has ended and been reaped", self->pid);
      return NULL;
    }
  if (!gpidfd_sys_has_get_info ())
    return query_from_proc (self, error);

  gpidfd_set_error_from_errno (error, errsv, GPIDFD_CALL_GET_INFO,
                               "Cannot query process %d", self->pid);
  return NULL;
}

/**
 * g_pidfd_process_info_get_pid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the pid (for a thread, the thread id) in the caller's pid
 * namespace.
 *
 * Returns: the pid, or 0 when the process is not visible in the caller's
 *   pid namespace
 *
 * Since: 1.0
 */
GPid
g_pidfd_process_info_get_pid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->pid;
}

/**
 * g_pidfd_process_info_get_tgid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the thread group id: the pid of the process the thread belongs to,
 * equal to the pid for a process.
 *
 * Returns: the thread group id, or 0 when not visible
 *
 * Since: 1.0
 */
GPid
g_pidfd_process_info_get_tgid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->tgid;
}

/**
 * g_pidfd_process_info_get_ppid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the pid of the parent process.
 *
 * Returns: the parent's pid, or 0 when the parent is not visible in the
 *   caller's pid namespace (or for the first process of the namespace)
 *
 * Since: 1.0
 */
GPid
g_pidfd_process_info_get_ppid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->ppid;
}

/**
 * g_pidfd_process_info_has_credentials:
 * @self: a #GPidFdProcessInfo
 *
 * Tells whether the user and group ids are known. They are, except for a
 * process outside the caller's pid namespace.
 *
 * Returns: whether the ids are known; when %FALSE, every id getter
 *   returns 0, which then means nothing
 *
 * Since: 1.0
 */
gboolean
g_pidfd_process_info_has_credentials (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), FALSE);
  return self->has_credentials;
}

/**
 * g_pidfd_process_info_get_ruid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the real user id, in the caller's user namespace.
 *
 * Returns: the uid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_ruid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->ruid;
}

/**
 * g_pidfd_process_info_get_rgid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the real group id.
 *
 * Returns: the gid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_rgid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->rgid;
}

/**
 * g_pidfd_process_info_get_euid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the effective user id.
 *
 * Returns: the uid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_euid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->euid;
}

/**
 * g_pidfd_process_info_get_egid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the effective group id.
 *
 * Returns: the gid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_egid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->egid;
}

/**
 * g_pidfd_process_info_get_suid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the saved set-user-id.
 *
 * Returns: the uid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_suid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->suid;
}

/**
 * g_pidfd_process_info_get_sgid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the saved set-group-id.
 *
 * Returns: the gid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_sgid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->sgid;
}

/**
 * g_pidfd_process_info_get_fsuid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the user id used for file system access checks.
 *
 * Returns: the uid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_fsuid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->fsuid;
}

/**
 * g_pidfd_process_info_get_fsgid:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the group id used for file system access checks.
 *
 * Returns: the gid; see [method@GPidFd.PidFdProcessInfo.has_credentials]
 *
 * Since: 1.0
 */
guint
g_pidfd_process_info_get_fsgid (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->fsgid;
}

/**
 * g_pidfd_process_info_get_cgroup_id:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the id of the process's cgroup v2 (the inode number of its
 * directory in the cgroup file system), from `PIDFD_GET_INFO`.
 *
 * Returns: the cgroup id, or 0 when unknown (before Linux 6.13, or
 *   without cgroup v2)
 *
 * Since: 1.0
 */
guint64
g_pidfd_process_info_get_cgroup_id (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), 0);
  return self->cgroup_id;
}

/**
 * g_pidfd_process_info_get_name:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the command name of the process (its `comm`: at most 15 bytes,
 * set by `exec` or `prctl (PR_SET_NAME)`), from `/proc/PID/stat`.
 *
 * Returns: (nullable): the name, or %NULL when unknown (`/proc` of
 *   another pid namespace, or not visible)
 *
 * Since: 1.0
 */
const gchar *
g_pidfd_process_info_get_name (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), NULL);
  return self->name;
}

/**
 * g_pidfd_process_info_get_state:
 * @self: a #GPidFdProcessInfo
 *
 * Gets the scheduling state, from `/proc/PID/stat`.
 *
 * Returns: the state, or %G_PIDFD_PROCESS_STATE_UNKNOWN
 *
 * Since: 1.0
 */
GPidFdProcessState
g_pidfd_process_info_get_state (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), G_PIDFD_PROCESS_STATE_UNKNOWN);
  return self->state;
}

/**
 * g_pidfd_process_info_get_is_kernel_thread:
 * @self: a #GPidFdProcessInfo
 *
 * Tells whether the process is a kernel thread (`PF_KTHREAD` in
 * `/proc/PID/stat`), like `kthreadd`.
 *
 * Returns: %TRUE for a kernel thread; %FALSE also when unknown
 *
 * Since: 1.0
 */
gboolean
g_pidfd_process_info_get_is_kernel_thread (GPidFdProcessInfo *self)
{
  g_return_val_if_fail (G_IS_PIDFD_PROCESS_INFO (self), FALSE);
  return self->is_kernel_thread;
}
