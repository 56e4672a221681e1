/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-spawn.c: starting a process, held by its pidfd from birth
 *
 * The child is made by clone3 (CLONE_PIDFD | CLONE_VM | CLONE_VFORK): the
 * pidfd comes out of the call that makes the process, the child shares the
 * caller's memory (no page tables are copied, whatever the caller's size)
 * and the calling thread sleeps until the child has exec'd or exited.
 * When clone3 is refused (ENOSYS before Linux 5.3, or a seccomp filter),
 * clone with the same flags is used (Linux 5.2); when that is refused too,
 * fork, with the child held back until pidfd_open() has answered.
 *
 * The child shares the memory of a process that goes on running in other
 * threads: from clone to exec it runs only the code below, which makes
 * system calls and nothing else (no malloc, no lock, no libc state).
 * Everything it needs (the candidate paths, argv for a script, the
 * descriptor moves) is made before the clone, by the parent. Its own
 * signal handlers are reset with rt_sigaction, which changes only the
 * child: CLONE_SIGHAND is not given, so the handler table is its own copy.
 * All signals are blocked across the clone, so that no handler of the
 * parent ever runs in the child; the child unblocks them just before
 * exec. What went wrong before exec comes back through a close-on-exec
 * pipe: end of file means the exec happened.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "gpidfd-error-private.h"
#include "gpidfd-pidfd-util-private.h"
#include "gpidfd-spawn-private.h"
#include "gpidfd-syscall-private.h"

#ifndef CLOSE_RANGE_CLOEXEC
# define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* The child's stack: one per thread, made on its first spawn. The child
 * needs little (no C library call that formats or allocates). */
#define CHILD_STACK_SIZE (64 * 1024)

/* The code from clone to exec: not instrumented, since sanitizers keep
 * state the parent owns, and kept out of line so that none of it is
 * inlined into the parent. */
#if defined(__has_attribute)
# if __has_attribute(no_sanitize)
#  define CHILD_CODE __attribute__ ((noinline, no_sanitize ("address", "undefined")))
# endif
#endif
#ifndef CHILD_CODE
# define CHILD_CODE __attribute__ ((noinline))
#endif

/* What the child reports before it gives up. */
typedef enum
{
  CHILD_NO_PIDFD = 1, /* the kernel ignored CLONE_PIDFD (before 5.2) */
  CHILD_SETPGID,
  CHILD_CHDIR,
  CHILD_DUP,
  CHILD_CLOSE,
  CHILD_EXEC,
} ChildStage;

typedef struct
{
  gint32 stage;
  gint32 errsv;
} ChildReport;

/* dup2 (source, target), in order. A merge is dup2 (1, 2) after stdout is
 * in place: its source is a target of the child, not a descriptor of the
 * parent. */
typedef struct
{
  int source;
  int target;
  gboolean merge;
} FdMove;

/* Everything the child needs, made by the parent. The child writes only
 * to sources (relocating them) and to script_argv[1]. */
typedef struct
{
  char **candidates;        /* where to exec, in order */
  char **argv;
  char **script_argv;       /* "/bin/sh", the candidate, argv[1]... */
  char **envp;
  const char *cwd;
  FdMove *moves;
  guint n_moves;
  int max_target;           /* the highest target: 2 at least */
  int *keep;                /* the targets above 2, sorted, once each */
  guint n_keep;
  gboolean close_fds;       /* not G_SUBPROCESS_FLAGS_INHERIT_FDS */
  gboolean new_group;
  gboolean inherit_ignored;
  int report_fd;            /* the write end of the report pipe */
  int go_fd;                /* fork: read end of the go-ahead pipe */
  int go_wr;                /* fork: its write end, the parent's */
  volatile int *pidfd;      /* CLONE_VM: where the kernel put the pidfd */
} ChildSetup;

/* ---- The child ---------------------------------------------------------
 * From here to the next such line, the code runs in the child, on its
 * own stack, in the parent's memory. System calls only: syscall() sets
 * errno, which is the sleeping parent thread's. */

/* The kernel's struct sigaction (64 signals) on x86_64, aarch64 and the
 * other architectures with the generic layout: the handler first. */
typedef struct
{
  void *handler;
  unsigned long flags;
  void *restorer;
  guint64 mask;
} KernelSigaction;

CHILD_CODE G_GNUC_NORETURN static void
child_fail (int        report_fd,
            ChildStage stage,
            int        errsv)
{
  ChildReport report = { stage, errsv };

  while (syscall (SYS_write, report_fd, &report, sizeof report) < 0 && errno == EINTR)
    ;
  for (;;)
    syscall (SYS_exit, 127);
}

/* Handlers of the parent would run in the child's copy of the memory
 * they do not own: every handled signal goes back to its default (exec
 * would do that too, but only at exec). The signals GLib's spawn resets
 * start at their default even when the parent ignores them, unless the
 * caller asked to pass on what it ignores. */
CHILD_CODE static void
child_reset_signals (gboolean inherit_ignored)
{
  static const KernelSigaction dfl = { (void *) SIG_DFL, 0, NULL, 0 };

  for (int sig = 1; sig <= 64; sig++)
    {
      KernelSigaction old;

      if (sig == SIGKILL || sig == SIGSTOP)
        continue;
      if (syscall (SYS_rt_sigaction, sig, NULL, &old, sizeof (guint64)) < 0)
        continue;
      if (old.handler == (void *) SIG_DFL)
        continue;
      if (old.handler == (void *) SIG_IGN &&
          (inherit_ignored ||
           (sig != SIGCHLD && sig != SIGINT && sig != SIGTERM && sig != SIGHUP &&
            sig != SIGPIPE)))
        continue;
      syscall (SYS_rt_sigaction, sig, &dfl, NULL, sizeof (guint64));
    }
}

CHILD_CODE static gboolean
child_is_kept (const ChildSetup *setup,
               int               fd)
{
  for (guint i = 0; i < setup->n_keep; i++)
    {
      if (setup->keep[i] == fd)
        return TRUE;
    }

  return FALSE;
}

/* Before close_range (Linux 5.9; CLOSE_RANGE_CLOEXEC 5.11): the open
 * descriptors from /proc/self/fd. */
CHILD_CODE static gboolean
child_cloexec_walk (const ChildSetup *setup)
{
  char buf[2048];
  int dfd = (int) syscall (SYS_openat, AT_FDCWD, "/proc/self/fd",
                           O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dfd < 0)
    return FALSE;

  for (;;)
    {
      long n = syscall (SYS_getdents64, dfd, buf, sizeof buf);

      if (n < 0)
        {
          /* Unreadable: nothing can be told from it. */
          syscall (SYS_close, dfd);
          return FALSE;
        }
      if (n == 0)
        break;
      for (long off = 0; off < n;)
        {
          /* struct linux_dirent64: ino, off, reclen, type, name */
          const char *ent = buf + off;
          unsigned short reclen;
          const char *name = ent + 19;
          int fd = 0;

          memcpy (&reclen, ent + 16, sizeof reclen);
          off += reclen;
          if (*name < '0' || *name > '9')
            continue;
          for (; *name >= '0' && *name <= '9'; name++)
            fd = fd * 10 + (*name - '0');
          if (fd > 2 && fd != dfd && !child_is_kept (setup, fd))
            syscall (SYS_fcntl, fd, F_SETFD, FD_CLOEXEC);
        }
    }
  syscall (SYS_close, dfd);

  return TRUE;
}

/* Every descriptor above 2 that is not a target closes at exec. Marked
 * rather than closed: the report pipe must stay open until then. */
CHILD_CODE static gboolean
child_close_others (const ChildSetup *setup)
{
  unsigned int lo = 3;
  gboolean ok = TRUE;

  for (guint i = 0; i <= setup->n_keep && ok; i++)
    {
      unsigned int hi = i < setup->n_keep ? (unsigned int) setup->keep[i] - 1 : ~0U;

      if (hi >= lo)
        ok = syscall (SYS_close_range, lo, hi, CLOSE_RANGE_CLOEXEC) == 0;
      if (i < setup->n_keep)
        lo = (unsigned int) setup->keep[i] + 1;
    }
  if (ok)
    return TRUE;

  if (child_cloexec_walk (setup))
    return TRUE;

  {
    struct rlimit rl;

    /* Without /proc: every number up to the limit. */
    if (syscall (SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) < 0)
      return FALSE;
    for (rlim_t fd = 3; fd < rl.rlim_cur; fd++)
      {
        if (!child_is_kept (setup, (int) fd))
          syscall (SYS_fcntl, (int) fd, F_SETFD, FD_CLOEXEC);
      }
  }

  return TRUE;
}

/* A descriptor above every target, closed at exec; -1 on failure. */
CHILD_CODE static int
child_dup_above (int fd,
                 int max_target)
{
  long r;

  do
    r = syscall (SYS_fcntl, fd, F_DUPFD_CLOEXEC, max_target + 1);
  while (r < 0 && errno == EINTR);

  return (int) r;
}

CHILD_CODE static int
child_move_fds (ChildSetup *setup,
                int        *report_fd)
{
  /* First every source, and the report pipe, out of the way of the
   * targets: a source may be another move's target. */
  if (*report_fd <= setup->max_target)
    {
      int fd = child_dup_above (*report_fd, setup->max_target);

      if (fd < 0)
        return -1;
      *report_fd = fd;
    }
  for (guint i = 0; i < setup->n_moves; i++)
    {
      FdMove *move = &setup->moves[i];

      if (!move->merge && move->source <= setup->max_target)
        {
          move->source = child_dup_above (move->source, setup->max_target);
          if (move->source < 0)
            return -1;
        }
    }

  /* dup2 clears close-on-exec on the target, and only there. */
  for (guint i = 0; i < setup->n_moves; i++)
    {
      long r;

      do
        r = syscall (SYS_dup2, setup->moves[i].source, setup->moves[i].target);
      while (r < 0 && (errno == EINTR || errno == EBUSY));
      if (r < 0)
        return -1;
    }

  return 0;
}

CHILD_CODE static int
child_main (void *data)
{
  ChildSetup *setup = data;
  int report_fd = setup->report_fd;
  gboolean got_eacces = FALSE;
  guint64 empty = 0;

  /* Before Linux 5.2, clone() ignores CLONE_PIDFD: nobody would hold
   * this process. The kernel writes the pidfd before the child runs. */
  if (setup->pidfd != NULL && *setup->pidfd < 0)
    child_fail (report_fd, CHILD_NO_PIDFD, 0);

  /* fork: not a step before the parent holds the pidfd. Its end of the
   * pipe closed first, the read sees end of file if the parent dies. */
  if (setup->go_fd >= 0)
    {
      char c;

      syscall (SYS_close, setup->go_wr);
      while (syscall (SYS_read, setup->go_fd, &c, 1) < 0 && errno == EINTR)
        ;
    }

  child_reset_signals (setup->inherit_ignored);

  if (setup->new_group && syscall (SYS_setpgid, 0, 0) < 0)
    child_fail (report_fd, CHILD_SETPGID, errno);

  if (setup->cwd != NULL && syscall (SYS_chdir, setup->cwd) < 0)
    child_fail (report_fd, CHILD_CHDIR, errno);

  if (child_move_fds (setup, &report_fd) < 0)
    child_fail (report_fd, CHILD_DUP, errno);

  if (setup->close_fds && !child_close_others (setup))
    child_fail (report_fd, CHILD_CLOSE, errno);

  /* An empty signal mask, whatever the calling thread had blocked. */
  syscall (SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof empty);

  /* As execvp() and GLib: a file the kernel cannot run is run by the
   * shell; on EACCES the search goes on, and is reported if nothing
   * better was found. */
  for (guint i = 0; setup->candidates[i] != NULL; i++)
    {
      syscall (SYS_execve, setup->candidates[i], setup->argv, setup->envp);
      if (errno == ENOEXEC)
        {
          setup->script_argv[1] = setup->candidates[i];
          syscall (SYS_execve, setup->script_argv[0], setup->script_argv, setup->envp);
        }

      switch (errno)
        {
        case EACCES:
          got_eacces = TRUE;
          G_GNUC_FALLTHROUGH;
        case ENOENT:
        case ESTALE:
        case ENOTDIR:
        case ENODEV:
        case ETIMEDOUT:
          break;
        default:
          child_fail (report_fd, CHILD_EXEC, errno);
        }
    }

  child_fail (report_fd, CHILD_EXEC, got_eacces ? EACCES : errno);
}

/* ---- The parent -------------------------------------------------------- */

static void
free_child_stack (gpointer stack)
{
  munmap (stack, CHILD_STACK_SIZE);
}

static GPrivate child_stack_key = G_PRIVATE_INIT (free_child_stack);

/* The calling thread's child stack: a thread sleeps while its child runs,
 * so one is enough. */
static void *
get_child_stack (void)
{
  void *stack = g_private_get (&child_stack_key);

  if (stack == NULL)
    {
      stack = mmap (NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
      if (stack == MAP_FAILED)
        return NULL;
      g_private_set (&child_stack_key, stack);
    }

  return stack;
}

GPidFdSpawnPath
gpidfd_spawn_get_path (void)
{
  if (!gpidfd_sys_clone3_vm_refused ())
    return GPIDFD_SPAWN_PATH_CLONE3;
  if (!gpidfd_sys_clone_vm_refused ())
    return GPIDFD_SPAWN_PATH_CLONE;

  return GPIDFD_SPAWN_PATH_FORK;
}

/* The descriptors and memory of one spawn, owned by the parent. */
typedef struct
{
  const gchar *program;     /* argv[0], for messages */
  GPtrArray *candidates;
  char **script_argv;
  GArray *moves;            /* FdMove */
  GArray *keep;             /* int */
  GArray *child_fds;        /* int: the child's ends, closed after the clone */
  int parent_ends[3];       /* of the pipes, for the streams */
  int report[2];
} Spawn;

static void
spawn_clear (Spawn *spawn)
{
  g_clear_pointer (&spawn->candidates, g_ptr_array_unref);
  g_clear_pointer (&spawn->script_argv, g_free);
  g_clear_pointer (&spawn->moves, g_array_unref);
  g_clear_pointer (&spawn->keep, g_array_unref);
  if (spawn->child_fds != NULL)
    {
      for (guint i = 0; i < spawn->child_fds->len; i++)
        close (g_array_index (spawn->child_fds, int, i));
      g_clear_pointer (&spawn->child_fds, g_array_unref);
    }
  for (guint i = 0; i < G_N_ELEMENTS (spawn->parent_ends); i++)
    {
      if (spawn->parent_ends[i] >= 0)
        close (spawn->parent_ends[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (spawn->report); i++)
    {
      if (spawn->report[i] >= 0)
        close (spawn->report[i]);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Spawn, spawn_clear)

static GSpawnError
spawn_error_from_errno (int errsv)
{
  switch (errsv)
    {
    case EACCES:
      return G_SPAWN_ERROR_ACCES;
    case EPERM:
      return G_SPAWN_ERROR_PERM;
    case E2BIG:
      return G_SPAWN_ERROR_TOO_BIG;
    case ENOEXEC:
      return G_SPAWN_ERROR_NOEXEC;
    case ENAMETOOLONG:
      return G_SPAWN_ERROR_NAMETOOLONG;
    case ENOENT:
      return G_SPAWN_ERROR_NOENT;
    case ENOMEM:
      return G_SPAWN_ERROR_NOMEM;
    case ENOTDIR:
      return G_SPAWN_ERROR_NOTDIR;
    case ELOOP:
      return G_SPAWN_ERROR_LOOP;
    case ETXTBSY:
      return G_SPAWN_ERROR_TXTBUSY;
    case EIO:
      return G_SPAWN_ERROR_IO;
    case ENFILE:
      return G_SPAWN_ERROR_NFILE;
    case EMFILE:
      return G_SPAWN_ERROR_MFILE;
    case EINVAL:
      return G_SPAWN_ERROR_INVAL;
    case EISDIR:
      return G_SPAWN_ERROR_ISDIR;
    case ELIBBAD:
      return G_SPAWN_ERROR_LIBBAD;
    default:
      return G_SPAWN_ERROR_FAILED;
    }
}

/* Fails the spawn of @spawn->program for a descriptor it could not make:
 * G_SPAWN_ERROR, with the code an exec with that errno would have. */
static gboolean
fail_errno (Spawn       *spawn,
            GError     **error,
            int          errsv,
            const char  *what)
{
  g_set_error (error, G_SPAWN_ERROR, spawn_error_from_errno (errsv),
               "Failed to spawn child process “%s”: %s (%s)",
               spawn->program, what, g_strerror (errsv));
  return FALSE;
}

static void
add_move (Spawn    *spawn,
          int       source,
          int       target,
          gboolean  merge)
{
  FdMove move = { source, target, merge };

  g_array_append_val (spawn->moves, move);
}

/* A descriptor for the child alone: closed in the parent after the
 * clone. Close-on-exec, as every descriptor gpidfd makes. */
static gboolean
open_for_child (Spawn       *spawn,
                const char  *path,
                int          flags,
                int          target,
                GError     **error)
{
  int fd;

  do
    fd = open (path, flags | O_CLOEXEC | O_NOCTTY, 0666);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    {
      int errsv = errno;
      g_autofree char *name = g_filename_display_name (path);

      /* As GSubprocess: the file of a launcher is a G_IO_ERROR. */
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "Error opening file “%s”: %s", name, g_strerror (errsv));
      return FALSE;
    }
  g_array_append_val (spawn->child_fds, fd);
  add_move (spawn, fd, target, FALSE);

  return TRUE;
}

/* A pipe: the child's end goes to @target, the parent's is kept. */
static gboolean
pipe_for_child (Spawn    *spawn,
                int       target,
                GError  **error)
{
  int fds[2];
  int child_end = target == 0 ? 0 : 1;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    return fail_errno (spawn, error, errno, "Cannot create a pipe");

  g_array_append_val (spawn->child_fds, fds[child_end]);
  spawn->parent_ends[target] = fds[1 - child_end];
  add_move (spawn, fds[child_end], target, FALSE);

  return TRUE;
}

/* stdin, stdout and stderr, with GSubprocess's precedence: inherit or
 * silence, then a pipe, then (stderr) the merge, then the launcher's
 * descriptor or file. stdin is /dev/null by default, as g_spawn does;
 * stdout and stderr are inherited. */
static gboolean
plan_stdio (Spawn                    *spawn,
            const GPidFdSpawnOptions *options,
            GError                  **error)
{
  GSubprocessFlags flags = options->flags;

  if (flags & G_SUBPROCESS_FLAGS_STDIN_INHERIT)
    ;
  else if (flags & G_SUBPROCESS_FLAGS_STDIN_PIPE)
    {
      if (!pipe_for_child (spawn, 0, error))
        return FALSE;
    }
  else if (options->stdin_fd >= 0)
    add_move (spawn, options->stdin_fd, 0, FALSE);
  else if (!open_for_child (spawn, options->stdin_path != NULL ? options->stdin_path : "/dev/null",
                            O_RDONLY, 0, error))
    return FALSE;

  if (flags & G_SUBPROCESS_FLAGS_STDOUT_SILENCE)
    {
      if (!open_for_child (spawn, "/dev/null", O_WRONLY, 1, error))
        return FALSE;
    }
  else if (flags & G_SUBPROCESS_FLAGS_STDOUT_PIPE)
    {
      if (!pipe_for_child (spawn, 1, error))
        return FALSE;
    }
  else if (options->stdout_fd >= 0)
    add_move (spawn, options->stdout_fd, 1, FALSE);
  else if (options->stdout_path != NULL &&
           !open_for_child (spawn, options->stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 1, error))
    return FALSE;

  if (flags & G_SUBPROCESS_FLAGS_STDERR_SILENCE)
    {
      if (!open_for_child (spawn, "/dev/null", O_WRONLY, 2, error))
        return FALSE;
    }
  else if (flags & G_SUBPROCESS_FLAGS_STDERR_PIPE)
    {
      if (!pipe_for_child (spawn, 2, error))
        return FALSE;
    }
  else if (flags & G_SUBPROCESS_FLAGS_STDERR_MERGE)
    add_move (spawn, 1, 2, TRUE);
  else if (options->stderr_fd >= 0)
    add_move (spawn, options->stderr_fd, 2, FALSE);
  else if (options->stderr_path != NULL &&
           !open_for_child (spawn, options->stderr_path, O_WRONLY | O_CREAT | O_TRUNC, 2, error))
    return FALSE;

  return TRUE;
}

static gint
compare_ints (gconstpointer a,
              gconstpointer b)
{
  int ia = *(const int *) a;
  int ib = *(const int *) b;

  return (ia > ib) - (ia < ib);
}

/* The launcher's descriptors, after the standard ones (a target of 0, 1
 * or 2 replaces them, as in GLib), and what the child keeps open. */
static gboolean
plan_fds (Spawn                    *spawn,
          const GPidFdSpawnOptions *options,
          int                      *max_target,
          GError                  **error)
{
  *max_target = 2;
  for (guint i = 0; i < options->n_fds; i++)
    {
      int target = options->target_fds[i];

      if (target < 0 || target == G_MAXINT || options->source_fds[i] < 0)
        return fail_errno (spawn, error, EBADF, "Cannot pass a file descriptor");
      add_move (spawn, options->source_fds[i], target, FALSE);
      *max_target = MAX (*max_target, target);
      if (target > 2)
        g_array_append_val (spawn->keep, target);
    }

  g_array_sort (spawn->keep, compare_ints);
  for (guint i = 1; i < spawn->keep->len;)
    {
      if (g_array_index (spawn->keep, int, i) == g_array_index (spawn->keep, int, i - 1))
        g_array_remove_index (spawn->keep, i);
      else
        i++;
    }

  return TRUE;
}

/* Where to look for the program: itself when it names a path; else each
 * directory of PATH, as GLib searches it (an empty entry is the working
 * directory; without PATH, "/bin:/usr/bin:."). */
static void
plan_candidates (Spawn                    *spawn,
                 const GPidFdSpawnOptions *options)
{
  const gchar * const *envp = options->envp != NULL ? options->envp
                                                     : (const gchar * const *) environ;
  const char *path;
  g_auto(GStrv) dirs = NULL;

  if (strchr (spawn->program, '/') != NULL)
    {
      g_ptr_array_add (spawn->candidates, g_strdup (spawn->program));
      g_ptr_array_add (spawn->candidates, NULL);
      return;
    }

  if (options->flags & G_SUBPROCESS_FLAGS_SEARCH_PATH_FROM_ENVP)
    path = g_environ_getenv ((gchar **) envp, "PATH");
  else
    path = g_getenv ("PATH");
  if (path == NULL)
    path = "/bin:/usr/bin:.";

  dirs = g_strsplit (path, ":", -1);
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      if (dirs[i][0] == '\0')
        g_ptr_array_add (spawn->candidates, g_strdup (spawn->program));
      else
        g_ptr_array_add (spawn->candidates, g_build_filename (dirs[i], spawn->program, NULL));
    }
  g_ptr_array_add (spawn->candidates, NULL);
}

/* Blocks every signal of the calling thread, the ones glibc keeps for
 * itself too: the child starts with them blocked. */
static void
block_all_signals (guint64 *old)
{
  guint64 all = ~(guint64) 0;

  syscall (SYS_rt_sigprocmask, SIG_BLOCK, &all, old, sizeof all);
}

static void
restore_signals (const guint64 *old)
{
  syscall (SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, sizeof *old);
}

/* The last path: fork, and let the child go on only once pidfd_open()
 * holds it. The child waits for the go-ahead with every signal blocked:
 * only a SIGKILL from outside can end it before, and it holds the only
 * write end of the report pipe, which hangs up if it ends. While that
 * pipe does not, the child is alive, so not reaped, and its pid names it.
 * The page tables are copied: the cost grows with the caller's size. */
static pid_t
fork_child (ChildSetup  *setup,
            int         *pidfd,
            const char  *program,
            int         *report_wr,
            int          report_rd,
            GError     **error)
{
  int go[2];
  pid_t pid;
  int errsv;
  gboolean alive;

  if (pipe2 (go, O_CLOEXEC) < 0)
    {
      errsv = errno;
      g_set_error (error, G_SPAWN_ERROR, spawn_error_from_errno (errsv),
                   "Failed to spawn child process “%s”: Cannot create a pipe (%s)",
                   program, g_strerror (errsv));
      return -1;
    }
  setup->go_fd = go[0];
  setup->go_wr = go[1];
  setup->pidfd = NULL;

  pid = gpidfd_sys_fork ();
  if (pid == 0)
    _exit (child_main (setup));
  errsv = errno;
  close (go[0]);
  close (g_steal_fd (report_wr));
  if (pid < 0)
    {
      close (go[1]);
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FORK,
                   "Failed to fork (%s)", g_strerror (errsv));
      return -1;
    }

  *pidfd = gpidfd_sys_pidfd_open (pid, 0);
  errsv = errno;
  alive = gpidfd_sys_poll (report_rd, 0) == 0;
  if (*pidfd >= 0 && alive)
    {
      while (write (go[1], "", 1) < 0 && errno == EINTR)
        ;
      close (go[1]);
      return pid;
    }

  close (go[1]);
  if (*pidfd >= 0)
    close (g_steal_fd (pidfd));
  if (alive)
    {
      kill (pid, SIGKILL);
      while (waitpid (pid, NULL, __WALL) < 0 && errno == EINTR)
        ;
      gpidfd_set_error_from_errno (error, errsv, GPIDFD_CALL_OPEN,
                                   "Cannot spawn “%s”: clone3() and clone() with CLONE_PIDFD "
                                   "are refused, and the child cannot be held", program);
    }
  else
    {
      /* Killed from outside before it was held: the pidfd may name a
       * process that reused its pid. Reaped if nobody did. */
      siginfo_t si;

      waitid (P_PID, pid, &si, WEXITED | WNOHANG | __WALL);
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   "Failed to spawn child process “%s”: It ended before it could be held",
                   program);
    }

  return -1;
}

/* Makes the child: returns its pid and *pidfd, or -1 with @error set.
 * Closes *@report_wr, the parent's write end of the report pipe. */
static pid_t
start_child (ChildSetup  *setup,
             int         *pidfd,
             const char  *program,
             int         *report_wr,
             int          report_rd,
             GError     **error)
{
  void *stack = get_child_stack ();
  volatile int kernel_pidfd = -1;
  guint64 old_mask;
  pid_t pid = -1;
  int errsv = ENOSYS;

  if (stack == NULL)
    {
      errsv = errno;
      close (g_steal_fd (report_wr));
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOMEM,
                   "Failed to spawn child process “%s”: Cannot map a stack (%s)",
                   program, g_strerror (errsv));
      return -1;
    }

  setup->pidfd = &kernel_pidfd;
  block_all_signals (&old_mask);

  /* SIGCHLD, as for any child of GLib's spawn: a waitpid (-1) without
   * __WALL in the program would otherwise skip it only until its exec. */
  pid = gpidfd_sys_clone3_vm (child_main, setup, stack, CHILD_STACK_SIZE, SIGCHLD,
                              (int *) &kernel_pidfd);
  if (pid < 0)
    errsv = errno;
  if (pid < 0 && gpidfd_sys_clone_refused (errsv))
    {
      pid = gpidfd_sys_clone_vm (child_main, setup, stack, CHILD_STACK_SIZE, SIGCHLD,
                                 (int *) &kernel_pidfd);
      if (pid < 0)
        errsv = errno;
    }
  if (pid < 0 && gpidfd_sys_clone_refused (errsv))
    {
      pid = fork_child (setup, pidfd, program, report_wr, report_rd, error);
      restore_signals (&old_mask);
      return pid;
    }
  restore_signals (&old_mask);
  /* The child has exec'd or given up. */
  close (g_steal_fd (report_wr));

  if (pid < 0)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FORK,
                   "Failed to fork (%s)", g_strerror (errsv));
      return -1;
    }

  *pidfd = kernel_pidfd;
  return pid;
}

static void
reap_failed_child (int  pidfd,
                   GPid pid)
{
  siginfo_t si;

  /* It exits right after its report. Someone else may reap it first
   * (SIGCHLD ignored, a waitpid (-1) elsewhere): ECHILD then. Without a
   * pidfd (a kernel that ignored CLONE_PIDFD), the pid still names it:
   * only its parent reaps it. */
  if (pidfd < 0)
    {
      while (waitpid (pid, NULL, __WALL) < 0 && errno == EINTR)
        ;
      return;
    }
  while (gpidfd_pidfd_waitid (pidfd, pid, &si, WEXITED | __WALL, NULL) < 0 &&
         errno == EINTR)
    ;
  close (pidfd);
}

/* The child's report: TRUE when it exec'd. */
static gboolean
check_report (Spawn       *spawn,
              const char  *cwd,
              int          pidfd,
              gboolean    *unshared,
              GError     **error)
{
  ChildReport report;
  gsize got = 0;

  while (got < sizeof report)
    {
      ssize_t n = read (spawn->report[0], (char *) &report + got, sizeof report - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += n;
    }
  if (got == 0)
    return TRUE;
  if (got < sizeof report)
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   "Failed to read from child pipe for “%s”", spawn->program);
      return FALSE;
    }

  switch ((ChildStage) report.stage)
    {
    case CHILD_EXEC:
      g_set_error (error, G_SPAWN_ERROR, spawn_error_from_errno (report.errsv),
                   "Failed to execute child process “%s” (%s)",
                   spawn->program, g_strerror (report.errsv));
      break;
    case CHILD_CHDIR:
      {
        g_autofree char *name = g_filename_display_name (cwd);

        g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_CHDIR,
                     "Failed to change to directory “%s” (%s)", name,
                     g_strerror (report.errsv));
      }
      break;
    case CHILD_NO_PIDFD:
      /* The kernel gave one, and the child did not see it: its memory is
       * not ours. An emulator makes CLONE_VM a fork (valgrind does). */
      if (pidfd >= 0)
        {
          *unshared = TRUE;
          return FALSE;
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot spawn “%s”: The kernel gives no pidfd for a new process "
                   "(Linux 5.3 or later is needed)", spawn->program);
      break;
    case CHILD_SETPGID:
      fail_errno (spawn, error, report.errsv, "Cannot make a process group");
      break;
    case CHILD_DUP:
      fail_errno (spawn, error, report.errsv,
                  "Failed to duplicate file descriptor for child process");
      break;
    case CHILD_CLOSE:
      fail_errno (spawn, error, report.errsv,
                  "Failed to close file descriptor for child process");
      break;
    default:
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   "Unknown error executing child process “%s”", spawn->program);
      break;
    }

  return FALSE;
}

/* The object for a child that exec'd, with the parent's ends of its
 * pipes. Takes @pidfd. */
static void gpidfd_spawn_finalize (GPidFd *self);

static GPidFd *
wrap_child (Spawn    *spawn,
            int       pidfd,
            GPid      pid,
            GError  **error)
{
  g_autoptr(GError) local_error = NULL;
  GPidFd *self;

  self = g_initable_new (G_TYPE_PIDFD, NULL, &local_error, "fd", pidfd, NULL);
  if (self == NULL)
    {
      /* Out of descriptors, most likely: the child must not run on
       * unheld. */
      gpidfd_sys_pidfd_send_signal (pidfd, SIGKILL, 0);
      reap_failed_child (pidfd, pid);
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED,
                   "Failed to spawn child process “%s”: %s", spawn->program,
                   local_error->message);
      return NULL;
    }
  close (pidfd);

  /* Not handed out yet. The pid is known even if someone else has reaped
   * the child already (SIGCHLD ignored), when the pidfd no longer tells. */
  self->pid = pid;
  self->process_pid = pid;
  self->spawned = TRUE;
  self->spawn_finalize = gpidfd_spawn_finalize;
  if (spawn->parent_ends[0] >= 0)
    self->stdin_pipe = g_unix_output_stream_new (g_steal_fd (&spawn->parent_ends[0]), TRUE);
  if (spawn->parent_ends[1] >= 0)
    self->stdout_pipe = g_unix_input_stream_new (g_steal_fd (&spawn->parent_ends[1]), TRUE);
  if (spawn->parent_ends[2] >= 0)
    self->stderr_pipe = g_unix_input_stream_new (g_steal_fd (&spawn->parent_ends[2]), TRUE);

  return self;
}

GPidFd *
gpidfd_spawn (const GPidFdSpawnOptions  *options,
              const gchar * const       *argv,
              GError                   **error)
{
  g_auto(Spawn) spawn = {
    .parent_ends = { -1, -1, -1 },
    .report = { -1, -1 },
  };
  ChildSetup setup = { 0, };
  guint argc = g_strv_length ((gchar **) argv);
  int max_target;
  int pidfd = -1;
  gboolean unshared = FALSE;
  pid_t pid;

  spawn.program = argv[0];
  spawn.candidates = g_ptr_array_new_with_free_func (g_free);
  spawn.moves = g_array_new (FALSE, FALSE, sizeof (FdMove));
  spawn.keep = g_array_new (FALSE, FALSE, sizeof (int));
  spawn.child_fds = g_array_new (FALSE, FALSE, sizeof (int));

  if (!plan_stdio (&spawn, options, error) ||
      !plan_fds (&spawn, options, &max_target, error))
    return NULL;
  plan_candidates (&spawn, options);

  spawn.script_argv = g_new0 (char *, argc + 2);
  spawn.script_argv[0] = (char *) "/bin/sh";
  for (guint i = 1; i < argc; i++)
    spawn.script_argv[i + 1] = (char *) argv[i];

  if (pipe2 (spawn.report, O_CLOEXEC) < 0)
    {
      fail_errno (&spawn, error, errno, "Cannot create a pipe");
      return NULL;
    }

  setup.candidates = (char **) spawn.candidates->pdata;
  setup.argv = (char **) argv;
  setup.script_argv = spawn.script_argv;
  setup.envp = options->envp != NULL ? (char **) options->envp : environ;
  setup.cwd = options->cwd;
  setup.moves = (FdMove *) (void *) spawn.moves->data;
  setup.n_moves = spawn.moves->len;
  setup.max_target = max_target;
  setup.keep = (int *) (void *) spawn.keep->data;
  setup.n_keep = spawn.keep->len;
  setup.close_fds = !(options->flags & G_SUBPROCESS_FLAGS_INHERIT_FDS);
  setup.new_group = options->new_process_group;
  setup.inherit_ignored = options->inherit_ignored_signals;
  setup.report_fd = spawn.report[1];
  setup.go_fd = -1;
  setup.go_wr = -1;

  pid = start_child (&setup, &pidfd, spawn.program, &spawn.report[1], spawn.report[0], error);
  if (pid < 0)
    return NULL;

  /* The child has exec'd or given up (on the fork path, it will). */
  for (guint i = 0; i < spawn.child_fds->len; i++)
    close (g_array_index (spawn.child_fds, int, i));
  g_array_set_size (spawn.child_fds, 0);

  if (!check_report (&spawn, options->cwd, pidfd, &unshared, error))
    {
      reap_failed_child (pidfd, pid);
      if (!unshared)
        return NULL;
      /* Once, then the fork path for the life of the process. */
      gpidfd_sys_clone_vm_unshared ();
      return gpidfd_spawn (options, argv, error);
    }

  return wrap_child (&spawn, pidfd, pid, error);
}

/**
 * g_pidfd_spawnv: (constructor)
 * @argv: (array zero-terminated=1) (element-type filename): the program
 *   and its arguments
 * @flags: flags that say where the standard streams go, as for
 *   [ctor@Gio.Subprocess.new]
 * @error: return location for a #GError
 *
 * Starts a process, as [ctor@Gio.Subprocess.new] does, and returns it
 * held by its pidfd. The pidfd comes out of the call that makes the
 * process: there is no moment when the process exists and is not held,
 * so no pid reuse, reaping by someone else or `SIGCHLD` setting can make
 * it refer to another process. Every method of #GPidFd works on it; it is
 * the caller's child ([method@GPidFd.PidFd.is_child]), and its record
 * carries the full `siginfo_t` and resource usage.
 *
 * @flags mean what they mean for #GSubprocess: stdin is `/dev/null`
 * unless %G_SUBPROCESS_FLAGS_STDIN_PIPE or
 * %G_SUBPROCESS_FLAGS_STDIN_INHERIT is given; stdout and stderr are
 * inherited unless piped, silenced or (stderr) merged into stdout. A
 * program without a `/` is looked up in `PATH`. A file the kernel cannot
 * run is run by `/bin/sh`, as `execvp()` does. The pipes are
 * [method@GPidFd.PidFd.get_stdin_pipe] and the other getters, and
 * [method@GPidFd.PidFd.communicate] feeds and drains them.
 *
 * What the process starts with:
 *
 * - File descriptors: 0, 1 and 2 only (and those given to
 *   [method@GPidFd.PidFdLauncher.take_fd]), unless
 *   %G_SUBPROCESS_FLAGS_INHERIT_FDS is given; gpidfd's own descriptors
 *   never reach it.
 * - Signals: an empty signal mask, whatever the calling thread blocks;
 *   every handled signal at its default, and `SIGCHLD`, `SIGINT`,
 *   `SIGTERM`, `SIGHUP` and `SIGPIPE` at their default even when the
 *   caller ignores them, as GLib's spawn leaves them (see
 *   [method@GPidFd.PidFdLauncher.set_inherit_ignored_signals]). Other
 *   ignored signals stay ignored.
 * - Its exit signal is `SIGCHLD`, as for any child.
 *
 * How the process is made, and what each way guarantees:
 *
 * - `clone3 (CLONE_PIDFD | CLONE_VM | CLONE_VFORK)` (Linux 5.3): race-free
 *   from birth, and no page tables are copied, so the cost does not grow
 *   with the caller's size.
 * - When `clone3()` is refused (`ENOSYS` or `EPERM`, from an older kernel
 *   or a seccomp filter), `clone()` with the same flags (Linux 5.2), with
 *   the same guarantees.
 * - When that is refused too, `fork()` and `pidfd_open()` (Linux 5.3): the
 *   child waits, all signals blocked, until the pidfd is open, so nothing
 *   can reap it before; but the page tables are copied.
 *
 * The call returns once the program runs, synchronously reporting a
 * program that could not be started; such a child is reaped and nothing
 * of it is left.
 *
 * Dropping the last reference to the object does not end the process. If
 * it has not been reaped by then, gpidfd reaps it when it ends, as
 * #GSubprocess does: no zombie is left.
 *
 * Errors:
 *
 * - %G_SPAWN_ERROR, when the program cannot be run, with the code of the
 *   `errno` of `execve()`, as GLib's spawn gives it: %G_SPAWN_ERROR_NOENT,
 *   %G_SPAWN_ERROR_ACCES, %G_SPAWN_ERROR_NOEXEC, %G_SPAWN_ERROR_TOO_BIG,
 *   %G_SPAWN_ERROR_NAMETOOLONG, %G_SPAWN_ERROR_NOTDIR,
 *   %G_SPAWN_ERROR_LOOP, %G_SPAWN_ERROR_TXTBUSY, %G_SPAWN_ERROR_IO,
 *   %G_SPAWN_ERROR_NOMEM, %G_SPAWN_ERROR_ISDIR, %G_SPAWN_ERROR_LIBBAD,
 *   %G_SPAWN_ERROR_INVAL, %G_SPAWN_ERROR_PERM, %G_SPAWN_ERROR_NFILE,
 *   %G_SPAWN_ERROR_MFILE or %G_SPAWN_ERROR_FAILED; the message names the
 *   program. %G_SPAWN_ERROR_CHDIR when the working directory of a
 *   launcher cannot be entered; %G_SPAWN_ERROR_FORK when the kernel
 *   cannot make the process (out of memory or over the process limit);
 *   %G_SPAWN_ERROR_MFILE or %G_SPAWN_ERROR_NFILE when a pipe cannot be
 *   made; %G_SPAWN_ERROR_FAILED when a descriptor cannot be set up in the
 *   child.
 * - %G_IO_ERROR, with the code of the `errno`, when a file of a
 *   [class@GPidFd.PidFdLauncher] cannot be opened.
 * - %G_IO_ERROR_NOT_SUPPORTED when the kernel or a filter leaves no way
 *   to hold the child: no `clone3()`, no `clone()` with `CLONE_PIDFD` and
 *   no `pidfd_open()` (before Linux 5.3, or blocked).
 *
 * Returns: (transfer full): the process, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_spawnv (const gchar * const  *argv,
                GSubprocessFlags      flags,
                GError              **error)
{
  GPidFdSpawnOptions options = GPIDFD_SPAWN_OPTIONS_INIT;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL && argv[0][0] != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  options.flags = flags;

  return gpidfd_spawn (&options, argv, error);
}

/**
 * g_pidfd_spawn: (skip)
 * @flags: flags that say where the standard streams go
 * @error: return location for a #GError
 * @argv0: the program
 * @...: its arguments, then %NULL
 *
 * Like [ctor@GPidFd.PidFd.spawnv], with the arguments listed, as
 * [ctor@Gio.Subprocess.new].
 *
 * Errors as [ctor@GPidFd.PidFd.spawnv].
 *
 * Returns: (transfer full): the process, or %NULL with @error set
 *
 * Since: 1.0
 */
GPidFd *
g_pidfd_spawn (GSubprocessFlags   flags,
               GError           **error,
               const gchar       *argv0,
               ...)
{
  g_autoptr(GPtrArray) args = NULL;
  va_list ap;

  g_return_val_if_fail (argv0 != NULL && argv0[0] != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  va_start (ap, argv0);
  args = gpidfd_spawn_collect_argv (argv0, ap);
  va_end (ap);

  return g_pidfd_spawnv ((const gchar * const *) args->pdata, flags, error);
}

GPtrArray *
gpidfd_spawn_collect_argv (const gchar *argv0,
                           va_list      args)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;

  g_ptr_array_add (argv, (gchar *) argv0);
  while ((arg = va_arg (args, const gchar *)) != NULL)
    g_ptr_array_add (argv, (gchar *) arg);
  g_ptr_array_add (argv, NULL);

  return argv;
}

/* The object's spawn_finalize: drops the pipes, and hands a child that
 * is still unreaped to the reaper (taking the object's pidfd). */
static void
gpidfd_spawn_finalize (GPidFd *self)
{
  g_clear_object (&self->stdin_pipe);
  g_clear_object (&self->stdout_pipe);
  g_clear_object (&self->stderr_pipe);

  /* A record means it was reaped, by us or by someone else. */
  if (!self->spawned || self->exit_info != NULL || self->reaped || self->fd < 0)
    return;
  if (gpidfd_reaper_try (self->fd, self->pid))
    return;

  gpidfd_reaper_adopt (self->fd, self->pid);
  self->fd = -1;
  self->process_fd = -1;
}
