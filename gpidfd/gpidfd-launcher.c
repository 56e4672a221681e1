/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-launcher.c: the options of the processes to start
 *
 * What GSubprocessLauncher keeps, with the same calls and meaning; the
 * process itself is made by gpidfd-spawn.c.
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "gpidfd-spawn-private.h"

/**
 * GPidFdLauncher:
 *
 * The options of the processes to start, as
 * [class@Gio.SubprocessLauncher] keeps them: where the standard streams
 * go, the environment, the working directory, the descriptors to pass.
 * Every call of [class@Gio.SubprocessLauncher] is here with the same
 * name, arguments and meaning, and [method@GPidFd.PidFdLauncher.spawnv]
 * returns the process as a [class@GPidFd.PidFd], held by its pidfd from
 * birth (see [ctor@GPidFd.PidFd.spawnv]).
 *
 * ```c
 * g_autoptr(GPidFdLauncher) launcher = g_pidfd_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
 * g_autoptr(GPidFd) child = NULL;
 *
 * g_pidfd_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
 * g_pidfd_launcher_set_cwd (launcher, "/tmp");
 * child = g_pidfd_launcher_spawn (launcher, &error, "ls", "-l", NULL);
 * ```
 *
 * Beyond [class@Gio.SubprocessLauncher]: the child can lead a new process
 * group ([method@GPidFd.PidFdLauncher.set_process_group]), which
 * [method@GPidFd.PidFd.send_signal_full] then signals as a whole, and can
 * be given the signals the caller ignores
 * ([method@GPidFd.PidFdLauncher.set_inherit_ignored_signals]).
 *
 * There is no `set_child_setup()`: gpidfd's child shares the caller's
 * memory until it execs, where code of the caller could corrupt the
 * caller's own state. The settings above cover what child setup functions
 * are mostly used for.
 *
 * Since: 1.0
 */

#define ALL_STDIN_FLAGS  (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDIN_INHERIT)
#define ALL_STDOUT_FLAGS (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE)
#define ALL_STDERR_FLAGS (G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE | \
                          G_SUBPROCESS_FLAGS_STDERR_MERGE)

struct _GPidFdLauncher
{
  GObject parent_instance;

  GSubprocessFlags flags;
  gchar **envp;
  gchar *cwd;
  gchar *stdin_path;
  gchar *stdout_path;
  gchar *stderr_path;
  gint stdin_fd;
  gint stdout_fd;
  gint stderr_fd;
  GArray *source_fds;     /* gint, owned descriptors */
  GArray *target_fds;     /* gint */
  gboolean closed;
  gboolean new_process_group;
  gboolean inherit_ignored_signals;
};

enum {
  PROP_0,
  PROP_FLAGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (GPidFdLauncher, g_pidfd_launcher, G_TYPE_OBJECT)

/* At most one place for each stream, as GSubprocessLauncher checks it:
 * a critical naming the conflict otherwise. */
static gboolean
verify_disposition (const char       *stream_name,
                    GSubprocessFlags  stream_flags,
                    gint              fd,
                    const gchar      *path)
{
  g_autoptr(GString) what = NULL;
  guint n_flags = stream_flags == 0 ? 0 : (stream_flags & (stream_flags - 1)) == 0 ? 1 : 2;

  if (n_flags + (fd >= 0) + (path != NULL) <= 1)
    return TRUE;

  what = g_string_new (NULL);
  if (stream_flags != 0)
    {
      GFlagsClass *klass = g_type_class_ref (G_TYPE_SUBPROCESS_FLAGS);

      for (guint i = 0; i < klass->n_values; i++)
        {
          if (stream_flags & klass->values[i].value)
            g_string_append_printf (what, " %s", klass->values[i].value_name);
        }
      g_type_class_unref (klass);
    }
  if (fd >= 0)
    g_string_append_printf (what, " g_pidfd_launcher_take_%s_fd()", stream_name);
  if (path != NULL)
    g_string_append_printf (what, " g_pidfd_launcher_set_%s_file_path()", stream_name);

  g_critical ("You may specify at most one disposition for the %s stream, but you "
              "specified:%s.", stream_name, what->str);
  return FALSE;
}

static gboolean
verify_flags (GPidFdLauncher   *self,
              GSubprocessFlags  flags)
{
  return verify_disposition ("stdin", flags & ALL_STDIN_FLAGS, self->stdin_fd,
                             self->stdin_path) &&
         verify_disposition ("stdout", flags & ALL_STDOUT_FLAGS, self->stdout_fd,
                             self->stdout_path) &&
         verify_disposition ("stderr", flags & ALL_STDERR_FLAGS, self->stderr_fd,
                             self->stderr_path);
}

static void
g_pidfd_launcher_dispose (GObject *object)
{
  g_pidfd_launcher_close (G_PIDFD_LAUNCHER (object));

  G_OBJECT_CLASS (g_pidfd_launcher_parent_class)->dispose (object);
}

static void
g_pidfd_launcher_finalize (GObject *object)
{
  GPidFdLauncher *self = G_PIDFD_LAUNCHER (object);

  g_strfreev (self->envp);
  g_free (self->cwd);
  g_free (self->stdin_path);
  g_free (self->stdout_path);
  g_free (self->stderr_path);

  G_OBJECT_CLASS (g_pidfd_launcher_parent_class)->finalize (object);
}

static void
g_pidfd_launcher_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GPidFdLauncher *self = G_PIDFD_LAUNCHER (object);

  switch (prop_id)
    {
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_pidfd_launcher_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GPidFdLauncher *self = G_PIDFD_LAUNCHER (object);

  switch (prop_id)
    {
    case PROP_FLAGS:
      g_pidfd_launcher_set_flags (self, g_value_get_flags (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
g_pidfd_launcher_class_init (GPidFdLauncherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = g_pidfd_launcher_dispose;
  object_class->finalize = g_pidfd_launcher_finalize;
  object_class->get_property = g_pidfd_launcher_get_property;
  object_class->set_property = g_pidfd_launcher_set_property;

  /**
   * GPidFdLauncher:flags:
   *
   * The [flags@Gio.SubprocessFlags] of the processes to start, as
   * [property@Gio.SubprocessLauncher:flags]; see
   * [method@GPidFd.PidFdLauncher.set_flags].
   *
   * Since: 1.0
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL, G_TYPE_SUBPROCESS_FLAGS, G_SUBPROCESS_FLAGS_NONE,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_STATIC_STRINGS |
                        G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
g_pidfd_launcher_init (GPidFdLauncher *self)
{
  self->envp = g_get_environ ();
  self->stdin_fd = -1;
  self->stdout_fd = -1;
  self->stderr_fd = -1;
  self->source_fds = g_array_new (FALSE, FALSE, sizeof (gint));
  self->target_fds = g_array_new (FALSE, FALSE, sizeof (gint));
}

/**
 * g_pidfd_launcher_new:
 * @flags: flags that say where the standard streams go
 *
 * Makes a launcher, as [ctor@Gio.SubprocessLauncher.new]: with a copy of
 * the caller's environment as it is now, and @flags.
 *
 * Returns: (transfer full): a new #GPidFdLauncher; %NULL (with a
 *   critical) when @flags give one stream two places
 *
 * Since: 1.0
 */
GPidFdLauncher *
g_pidfd_launcher_new (GSubprocessFlags flags)
{
  GPidFdLauncher *self = g_object_new (G_TYPE_PIDFD_LAUNCHER, NULL);

  if (!verify_flags (self, flags))
    {
      g_object_unref (self);
      return NULL;
    }
  self->flags = flags;

  return self;
}

/**
 * g_pidfd_launcher_set_flags:
 * @self: a #GPidFdLauncher
 * @flags: flags that say where the standard streams go
 *
 * Sets the flags of the processes to start, as
 * [method@Gio.SubprocessLauncher.set_flags]. The default is
 * %G_SUBPROCESS_FLAGS_NONE.
 *
 * Flags that give a stream two places (%G_SUBPROCESS_FLAGS_STDIN_PIPE
 * with %G_SUBPROCESS_FLAGS_STDIN_INHERIT, or a flag for a stream that a
 * file or descriptor was already given for) are refused with a critical,
 * and the flags stay as they were.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_flags (GPidFdLauncher   *self,
                            GSubprocessFlags  flags)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (!verify_flags (self, flags) || self->flags == flags)
    return;

  self->flags = flags;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGS]);
}

/**
 * g_pidfd_launcher_set_environ:
 * @self: a #GPidFdLauncher
 * @env: (array zero-terminated=1) (element-type filename) (transfer none) (nullable):
 *   the environment, or %NULL for a copy of the caller's
 *
 * Replaces the whole environment of the processes to start, as
 * [method@Gio.SubprocessLauncher.set_environ]. An empty array gives an
 * empty environment; %NULL copies the caller's environment as it is now.
 * The strings may be any bytes.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_environ (GPidFdLauncher  *self,
                              gchar          **env)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  g_strfreev (self->envp);
  self->envp = env != NULL ? g_strdupv (env) : g_get_environ ();
}

/**
 * g_pidfd_launcher_setenv:
 * @self: a #GPidFdLauncher
 * @variable: (type filename): the variable, without `=`
 * @value: (type filename): its value
 * @overwrite: whether to replace a value already set
 *
 * Sets a variable in the environment of the processes to start, as
 * [method@Gio.SubprocessLauncher.setenv].
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_setenv (GPidFdLauncher *self,
                         const gchar    *variable,
                         const gchar    *value,
                         gboolean        overwrite)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));
  g_return_if_fail (variable != NULL && strchr (variable, '=') == NULL);
  g_return_if_fail (value != NULL);

  self->envp = g_environ_setenv (self->envp, variable, value, overwrite);
}

/**
 * g_pidfd_launcher_unsetenv:
 * @self: a #GPidFdLauncher
 * @variable: (type filename): the variable, without `=`
 *
 * Removes a variable from the environment of the processes to start, as
 * [method@Gio.SubprocessLauncher.unsetenv].
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_unsetenv (GPidFdLauncher *self,
                           const gchar    *variable)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));
  g_return_if_fail (variable != NULL && strchr (variable, '=') == NULL);

  self->envp = g_environ_unsetenv (self->envp, variable);
}

/**
 * g_pidfd_launcher_getenv:
 * @self: a #GPidFdLauncher
 * @variable: (type filename): the variable
 *
 * Gets a variable of the environment of the processes to start, as
 * [method@Gio.SubprocessLauncher.getenv].
 *
 * Returns: (nullable) (type filename): its value, or %NULL if it is not
 *   set
 *
 * Since: 1.0
 */
const gchar *
g_pidfd_launcher_getenv (GPidFdLauncher *self,
                         const gchar    *variable)
{
  g_return_val_if_fail (G_IS_PIDFD_LAUNCHER (self), NULL);
  g_return_val_if_fail (variable != NULL, NULL);

  return g_environ_getenv (self->envp, variable);
}

/**
 * g_pidfd_launcher_set_cwd:
 * @self: a #GPidFdLauncher
 * @cwd: (type filename) (nullable): the working directory, or %NULL for
 *   the caller's at the time of the spawn
 *
 * Sets the working directory of the processes to start, as
 * [method@Gio.SubprocessLauncher.set_cwd]. A directory that cannot be
 * entered fails the spawn with %G_SPAWN_ERROR_CHDIR.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_cwd (GPidFdLauncher *self,
                          const gchar    *cwd)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  g_free (self->cwd);
  self->cwd = g_strdup (cwd);
}

/* A descriptor the launcher owns from now on: close-on-exec, so that no
 * other process the program starts gets it by accident. */
static void
set_cloexec (gint fd)
{
  int flags = fcntl (fd, F_GETFD);

  if (flags >= 0 && !(flags & FD_CLOEXEC))
    fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
}

static void
assign_fd (gint *slot,
           gint  fd)
{
  if (*slot >= 0)
    close (*slot);
  *slot = fd;
  if (fd >= 0)
    set_cloexec (fd);
}

/**
 * g_pidfd_launcher_set_stdin_file_path:
 * @self: a #GPidFdLauncher
 * @path: (type filename) (nullable): a file, or %NULL to unset it
 *
 * Gives the processes to start @path as their stdin, as
 * [method@Gio.SubprocessLauncher.set_stdin_file_path]. The file must exist
 * when a process is spawned; if it cannot be opened, the spawn fails with
 * the %G_IO_ERROR of its `errno`.
 *
 * Refused with a critical when stdin already has another place (a flag or
 * a descriptor).
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_stdin_file_path (GPidFdLauncher *self,
                                      const gchar    *path)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (verify_disposition ("stdin", self->flags & ALL_STDIN_FLAGS, self->stdin_fd, path))
    {
      g_free (self->stdin_path);
      self->stdin_path = g_strdup (path);
    }
}

/**
 * g_pidfd_launcher_take_stdin_fd:
 * @self: a #GPidFdLauncher
 * @fd: a file descriptor, or -1 to unset it
 *
 * Gives the processes to start @fd as their stdin, as
 * [method@Gio.SubprocessLauncher.take_stdin_fd]. The launcher owns @fd: it
 * closes it on [method@GPidFd.PidFdLauncher.close] or when it goes, and
 * sets close-on-exec on it so that no other process gets it.
 *
 * Refused with a critical when stdin already has another place.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_take_stdin_fd (GPidFdLauncher *self,
                                gint            fd)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (verify_disposition ("stdin", self->flags & ALL_STDIN_FLAGS, fd, self->stdin_path))
    assign_fd (&self->stdin_fd, fd);
}

/**
 * g_pidfd_launcher_set_stdout_file_path:
 * @self: a #GPidFdLauncher
 * @path: (type filename) (nullable): a file, or %NULL to unset it
 *
 * Gives the processes to start @path as their stdout, as
 * [method@Gio.SubprocessLauncher.set_stdout_file_path]: created or
 * truncated at each spawn, as `>` in the shell does. If it cannot be
 * opened, the spawn fails with the %G_IO_ERROR of its `errno`.
 *
 * Refused with a critical when stdout already has another place.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_stdout_file_path (GPidFdLauncher *self,
                                       const gchar    *path)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (verify_disposition ("stdout", self->flags & ALL_STDOUT_FLAGS, self->stdout_fd, path))
    {
      g_free (self->stdout_path);
      self->stdout_path = g_strdup (path);
    }
}

/**
 * g_pidfd_launcher_take_stdout_fd:
 * @self: a #GPidFdLauncher
 * @fd: a file descriptor, or -1 to unset it
 *
 * Gives the processes to start @fd as their stdout, as
 * [method@Gio.SubprocessLauncher.take_stdout_fd]; owned by the launcher as
 * for [method@GPidFd.PidFdLauncher.take_stdin_fd].
 *
 * Refused with a critical when stdout already has another place.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_take_stdout_fd (GPidFdLauncher *self,
                                 gint            fd)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (verify_disposition ("stdout", self->flags & ALL_STDOUT_FLAGS, fd, self->stdout_path))
    assign_fd (&self->stdout_fd, fd);
}

/**
 * g_pidfd_launcher_set_stderr_file_path:
 * @self: a #GPidFdLauncher
 * @path: (type filename) (nullable): a file, or %NULL to unset it
 *
 * Gives the processes to start @path as their stderr, as
 * [method@Gio.SubprocessLauncher.set_stderr_file_path]: created or
 * truncated at each spawn. For stdout and stderr in one file, use
 * %G_SUBPROCESS_FLAGS_STDERR_MERGE.
 *
 * Refused with a critical when stderr already has another place.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_stderr_file_path (GPidFdLauncher *self,
                                       const gchar    *path)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (verify_disposition ("stderr", self->flags & ALL_STDERR_FLAGS, self->stderr_fd, path))
    {
      g_free (self->stderr_path);
      self->stderr_path = g_strdup (path);
    }
}

/**
 * g_pidfd_launcher_take_stderr_fd:
 * @self: a #GPidFdLauncher
 * @fd: a file descriptor, or -1 to unset it
 *
 * Gives the processes to start @fd as their stderr, as
 * [method@Gio.SubprocessLauncher.take_stderr_fd]; owned by the launcher as
 * for [method@GPidFd.PidFdLauncher.take_stdin_fd].
 *
 * Refused with a critical when stderr already has another place.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_take_stderr_fd (GPidFdLauncher *self,
                                 gint            fd)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (verify_disposition ("stderr", self->flags & ALL_STDERR_FLAGS, fd, self->stderr_path))
    assign_fd (&self->stderr_fd, fd);
}

/**
 * g_pidfd_launcher_take_fd:
 * @self: a #GPidFdLauncher
 * @source_fd: a file descriptor of the caller
 * @target_fd: the number it gets in the process
 *
 * Passes @source_fd to the processes to start as @target_fd, as
 * [method@Gio.SubprocessLauncher.take_fd]: the other descriptors of the
 * caller are closed in the child (unless %G_SUBPROCESS_FLAGS_INHERIT_FDS),
 * this one is kept. Sources and targets may overlap (5 to 4 and 4 to 5);
 * a target of 0, 1 or 2 replaces that standard stream.
 *
 * The launcher owns @source_fd: it closes it on
 * [method@GPidFd.PidFdLauncher.close] or when it goes, and sets
 * close-on-exec on it so that no other process gets it. A negative
 * @target_fd fails the spawn with %G_SPAWN_ERROR_FAILED.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_take_fd (GPidFdLauncher *self,
                          gint            source_fd,
                          gint            target_fd)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  if (self->closed)
    {
      /* As GSubprocessLauncher: ignored once closed; but it was given. */
      if (source_fd >= 0)
        close (source_fd);
      return;
    }
  if (source_fd >= 0)
    set_cloexec (source_fd);
  g_array_append_val (self->source_fds, source_fd);
  g_array_append_val (self->target_fds, target_fd);
}

/**
 * g_pidfd_launcher_close:
 * @self: a #GPidFdLauncher
 *
 * Closes every descriptor given to the launcher (with
 * [method@GPidFd.PidFdLauncher.take_fd],
 * [method@GPidFd.PidFdLauncher.take_stdin_fd] and the others), as
 * [method@Gio.SubprocessLauncher.close]. Later spawns fail with
 * %G_IO_ERROR_CLOSED. Calling it again does nothing; it is called when
 * the launcher goes, but garbage-collected bindings may want the
 * descriptors closed sooner.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_close (GPidFdLauncher *self)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  assign_fd (&self->stdin_fd, -1);
  assign_fd (&self->stdout_fd, -1);
  assign_fd (&self->stderr_fd, -1);
  if (self->source_fds != NULL)
    {
      /* The targets are numbers in the child, not descriptors here. */
      for (guint i = 0; i < self->source_fds->len; i++)
        close (g_array_index (self->source_fds, gint, i));
      g_clear_pointer (&self->source_fds, g_array_unref);
      g_clear_pointer (&self->target_fds, g_array_unref);
    }
  self->closed = TRUE;
}

/**
 * g_pidfd_launcher_set_process_group:
 * @self: a #GPidFdLauncher
 * @new_group: whether each process starts a new process group
 *
 * With %TRUE, each process started makes a new process group and leads
 * it (`setpgid (0, 0)` before exec): its process group id is its pid, and
 * the processes it starts belong to the group unless they move. Then
 * [method@GPidFd.PidFd.send_signal_full] with
 * %G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP (Linux 6.9) signals the whole group through
 * the leader's pidfd: `SIGKILL` that way ends the process and everything it
 * started that stayed in its group, race-free.
 *
 * A process in its own group is not in the terminal's foreground group:
 * it does not get the terminal's `SIGINT` (Ctrl+C), and reading the
 * terminal stops it (`SIGTTIN`).
 *
 * The default is %FALSE: the process stays in the caller's group.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_process_group (GPidFdLauncher *self,
                                    gboolean        new_group)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  self->new_process_group = !!new_group;
}

/**
 * g_pidfd_launcher_set_inherit_ignored_signals:
 * @self: a #GPidFdLauncher
 * @inherit: whether the processes get the signals the caller ignores
 *
 * By default, as GLib's spawn does, `SIGCHLD`, `SIGINT`, `SIGTERM`,
 * `SIGHUP` and `SIGPIPE` start at their default action in a new process
 * even when the caller ignores them, so that a program that ignores
 * `SIGPIPE` for itself does not pass that on. Other ignored signals stay
 * ignored across exec, as POSIX says.
 *
 * With %TRUE, every signal the caller ignores stays ignored in the
 * process, those five included: what a command-line wrapper wants, so that
 * `nohup wrapper command` leaves `SIGHUP` ignored in `command`.
 *
 * Either way, signals the caller handles start at their default, and the
 * signal mask is empty.
 *
 * Since: 1.0
 */
void
g_pidfd_launcher_set_inherit_ignored_signals (GPidFdLauncher *self,
                                              gboolean        inherit)
{
  g_return_if_fail (G_IS_PIDFD_LAUNCHER (self));

  self->inherit_ignored_signals = !!inherit;
}

/**
 * g_pidfd_launcher_spawnv:
 * @self: a #GPidFdLauncher
 * @argv: (array zero-terminated=1) (element-type filename): the program
 *   and its arguments
 * @error: return location for a #GError
 *
 * Starts a process with the launcher's settings, as
 * [method@Gio.SubprocessLauncher.spawnv], held by its pidfd from birth:
 * see [ctor@GPidFd.PidFd.spawnv] for what it starts with, how it is made on
 * each kernel, and when it is reaped.
 *
 * With %G_SUBPROCESS_FLAGS_SEARCH_PATH_FROM_ENVP, a program without `/` is
 * looked up in the `PATH` of the launcher's environment.
 *
 * Errors: those of [ctor@GPidFd.PidFd.spawnv], and %G_IO_ERROR_CLOSED
 * after [method@GPidFd.PidFdLauncher.close].
 *
 * Returns: (transfer full): the process, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_launcher_spawnv (GPidFdLauncher       *self,
                         const gchar * const  *argv,
                         GError              **error)
{
  GPidFdSpawnOptions options = GPIDFD_SPAWN_OPTIONS_INIT;

  g_return_val_if_fail (G_IS_PIDFD_LAUNCHER (self), NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL && argv[0][0] != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->closed)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                   "Cannot spawn “%s”: The launcher's file descriptors have been closed",
                   argv[0]);
      return NULL;
    }

  options.flags = self->flags;
  options.envp = (const gchar * const *) self->envp;
  options.cwd = self->cwd;
  options.stdin_path = self->stdin_path;
  options.stdout_path = self->stdout_path;
  options.stderr_path = self->stderr_path;
  options.stdin_fd = self->stdin_fd;
  options.stdout_fd = self->stdout_fd;
  options.stderr_fd = self->stderr_fd;
  options.source_fds = (const gint *) (void *) self->source_fds->data;
  options.target_fds = (const gint *) (void *) self->target_fds->data;
  options.n_fds = self->source_fds->len;
  options.new_process_group = self->new_process_group;
  options.inherit_ignored_signals = self->inherit_ignored_signals;

  return gpidfd_spawn (&options, argv, error);
}

/**
 * g_pidfd_launcher_spawn: (skip)
 * @self: a #GPidFdLauncher
 * @error: return location for a #GError
 * @argv0: the program
 * @...: its arguments, then %NULL
 *
 * Like [method@GPidFd.PidFdLauncher.spawnv], with the arguments listed, as
 * [method@Gio.SubprocessLauncher.spawn].
 *
 * Errors as [method@GPidFd.PidFdLauncher.spawnv].
 *
 * Returns: (transfer full): the process, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_launcher_spawn (GPidFdLauncher  *self,
                        GError         **error,
                        const gchar     *argv0,
                        ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list ap;

  g_return_val_if_fail (G_IS_PIDFD_LAUNCHER (self), NULL);
  g_return_val_if_fail (argv0 != NULL && argv0[0] != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  va_start (ap, argv0);
  args = gpidfd_spawn_collect_argv (argv0, ap);
  va_end (ap);

  return g_pidfd_launcher_spawnv (self, (const gchar * const *) args->pdata, error);
}
