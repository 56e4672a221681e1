/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-hostile.c: every public entry point against bad and odd input
 *
 * One table: each row is an entry point, an input and the GError it must
 * give (or success). Every row runs twice, with a GError location and with
 * NULL, and must leave no descriptor and no process behind. Criticals are
 * fatal here (g_test_init), so a row that hits g_return_if_fail fails.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-watcher-private.h"
#include "gt.h"

typedef enum
{
  OP_NEW_FROM_PID,
  OP_NEW_FROM_PID_NO_REAP,
  OP_NEW_FROM_FD,
  OP_NEW_FROM_FD_NO_REAP,
  OP_SEND_SIGNAL,
  OP_WAIT,
  OP_WAIT_ASYNC,
  OP_WAIT_ASYNC_NO_CALLBACK,
  OP_TRY_WAIT,
  OP_SOURCE,
  OP_EXIT_CHECK,
  OP_NEW_FROM_STRING,
  /* flags, for a live child */
  OP_NEW_FROM_PID_FULL,
  OP_NEW_FROM_FD_FULL,
  OP_INITABLE_NEW_PID,
  OP_INITABLE_NEW_FD,
} Op;

typedef enum
{
  /* pids */
  IN_PID_ZERO,
  IN_PID_MINUS_ONE,
  IN_PID_INT_MIN,
  IN_PID_INT_MAX,
  IN_PID_ABOVE_PID_MAX,
  IN_PID_THREAD,
  IN_PID_GONE,
  IN_PID_INIT,
  IN_PID_SELF,
  IN_PID_ZOMBIE,
  IN_PID_LIVE,
  /* descriptors */
  IN_FD_MINUS_ONE,
  IN_FD_INT_MIN,
  IN_FD_INT_MAX,
  IN_FD_CLOSED,
  IN_FD_REGULAR,
  IN_FD_DIRECTORY,
  IN_FD_PROC_PID_DIR,
  IN_FD_SOCKET,
  IN_FD_EVENTFD,
  IN_FD_PIPE,
  IN_FD_EPOLL,
  IN_FD_MEMFD,
  IN_FD_DEV_NULL,
  IN_FD_PIDFD,
  IN_FD_PIDFD_NONBLOCK,
  IN_FD_PIDFD_REAPED,
  /* signals, sent to a live child unless the name says otherwise */
  IN_SIG_MINUS_ONE,
  IN_SIG_ZERO,
  IN_SIG_65,
  IN_SIG_INT_MAX,
  IN_SIG_INT_MIN,
  IN_SIG_CONT,
  IN_SIG_ZERO_TO_INIT,
  IN_SIG_TERM_TO_ZOMBIE,
  IN_SIG_ZERO_TO_REAPED,
  /* waits */
  IN_LIVE_PRE_CANCELLED,
  IN_LIVE_CANCELLED_LATER,
  IN_ZOMBIE,
  IN_ZOMBIE_PRE_CANCELLED,
  IN_LIVE,
  IN_REAPED_ELSEWHERE,
  /* exit records */
  IN_EXITED_0,
  IN_EXITED_3,
  IN_KILLED,
  /* handles (g_pidfd_to_string() texts) */
  IN_HANDLE_LIVE,
  IN_HANDLE_HUGE,
  IN_HANDLE_ZERO_PADDED,
  IN_HANDLE_INVALID_UTF8,
  IN_HANDLE_LONG_UTF8,
  IN_HANDLE_CONTROL,
  IN_HANDLE_NEVER_EXISTED,
  IN_HANDLE_REAPED,
  IN_HANDLE_WRONG_ID,
  IN_HANDLE_THREAD_LIVE,
  IN_HANDLE_THREAD_WRONG_ID,
  IN_HANDLE_THREAD_GONE,
  IN_HANDLE_THREAD_AS_PROCESS,
  /* GPidFdFlags values */
  IN_FLAGS_NO_REAP,
  IN_FLAGS_THREAD,
  IN_FLAGS_BIT_2,
  IN_FLAGS_BIT_31,
  IN_FLAGS_ALL,
} Input;

#define OK 0

typedef struct
{
  Op op;
  Input input;
  GQuark (*domain) (void);  /* NULL: success expected */
  gint code;
  gboolean names_pid;       /* the message must contain the pid (for a
                             * descriptor given with flags: its number) */
  const char *says;         /* a cause the message must give, or NULL */
} Row;

static const Row rows[] = {
  /* g_pidfd_new_from_pid() */
  { OP_NEW_FROM_PID, IN_PID_ZERO, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_NEW_FROM_PID, IN_PID_MINUS_ONE, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_NEW_FROM_PID, IN_PID_INT_MIN, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_NEW_FROM_PID, IN_PID_INT_MAX, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE },
  { OP_NEW_FROM_PID, IN_PID_ABOVE_PID_MAX, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE },
  { OP_NEW_FROM_PID, IN_PID_THREAD, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_NEW_FROM_PID, IN_PID_GONE, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE },
  { OP_NEW_FROM_PID, IN_PID_INIT, NULL, OK, FALSE },
  { OP_NEW_FROM_PID, IN_PID_SELF, NULL, OK, FALSE },
  { OP_NEW_FROM_PID, IN_PID_ZOMBIE, NULL, OK, FALSE },
  { OP_NEW_FROM_PID, IN_PID_LIVE, NULL, OK, FALSE },
  { OP_NEW_FROM_PID_NO_REAP, IN_PID_ZERO, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_NEW_FROM_PID_NO_REAP, IN_PID_THREAD, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_NEW_FROM_PID_NO_REAP, IN_PID_GONE, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE },
  { OP_NEW_FROM_PID_NO_REAP, IN_PID_ZOMBIE, NULL, OK, FALSE },

  /* g_pidfd_new_from_fd() */
  { OP_NEW_FROM_FD, IN_FD_MINUS_ONE, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_INT_MIN, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_INT_MAX, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_CLOSED, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_REGULAR, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_DIRECTORY, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_PROC_PID_DIR, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_SOCKET, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_EVENTFD, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_PIPE, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_EPOLL, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_MEMFD, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_DEV_NULL, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD, IN_FD_PIDFD, NULL, OK, FALSE },
  { OP_NEW_FROM_FD, IN_FD_PIDFD_NONBLOCK, NULL, OK, FALSE },
  { OP_NEW_FROM_FD, IN_FD_PIDFD_REAPED, NULL, OK, FALSE },
  { OP_NEW_FROM_FD_NO_REAP, IN_FD_EVENTFD, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_FD_NO_REAP, IN_FD_PIDFD, NULL, OK, FALSE },

  /* g_pidfd_send_signal() */
  { OP_SEND_SIGNAL, IN_SIG_MINUS_ONE, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_SEND_SIGNAL, IN_SIG_65, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_SEND_SIGNAL, IN_SIG_INT_MAX, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_SEND_SIGNAL, IN_SIG_INT_MIN, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE },
  { OP_SEND_SIGNAL, IN_SIG_ZERO, NULL, OK, FALSE },
  { OP_SEND_SIGNAL, IN_SIG_CONT, NULL, OK, FALSE },
  { OP_SEND_SIGNAL, IN_SIG_ZERO_TO_INIT, NULL, OK, FALSE },
  { OP_SEND_SIGNAL, IN_SIG_TERM_TO_ZOMBIE, NULL, OK, FALSE },
  { OP_SEND_SIGNAL, IN_SIG_ZERO_TO_REAPED, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE },

  /* waits */
  { OP_WAIT, IN_LIVE_PRE_CANCELLED, g_io_error_quark, G_IO_ERROR_CANCELLED, TRUE },
  { OP_WAIT, IN_LIVE_CANCELLED_LATER, g_io_error_quark, G_IO_ERROR_CANCELLED, TRUE },
  { OP_WAIT, IN_ZOMBIE_PRE_CANCELLED, g_io_error_quark, G_IO_ERROR_CANCELLED, TRUE },
  { OP_WAIT, IN_ZOMBIE, NULL, OK, FALSE },
  { OP_WAIT, IN_REAPED_ELSEWHERE, NULL, OK, FALSE },
  { OP_WAIT_ASYNC, IN_LIVE_PRE_CANCELLED, g_io_error_quark, G_IO_ERROR_CANCELLED, TRUE },
  { OP_WAIT_ASYNC, IN_LIVE_CANCELLED_LATER, g_io_error_quark, G_IO_ERROR_CANCELLED, TRUE },
  { OP_WAIT_ASYNC, IN_ZOMBIE, NULL, OK, FALSE },
  { OP_WAIT_ASYNC, IN_REAPED_ELSEWHERE, NULL, OK, FALSE },
  { OP_WAIT_ASYNC_NO_CALLBACK, IN_ZOMBIE, NULL, OK, FALSE },
  { OP_WAIT_ASYNC_NO_CALLBACK, IN_LIVE_PRE_CANCELLED, NULL, OK, FALSE },
  { OP_TRY_WAIT, IN_LIVE, NULL, OK, FALSE },
  { OP_TRY_WAIT, IN_ZOMBIE, NULL, OK, FALSE },
  { OP_TRY_WAIT, IN_REAPED_ELSEWHERE, NULL, OK, FALSE },
  { OP_SOURCE, IN_ZOMBIE, NULL, OK, FALSE },
  { OP_SOURCE, IN_REAPED_ELSEWHERE, NULL, OK, FALSE },

  /* g_pidfd_exit_info_check() */
  { OP_EXIT_CHECK, IN_EXITED_0, NULL, OK, FALSE },
  { OP_EXIT_CHECK, IN_EXITED_3, g_spawn_exit_error_quark, 3, TRUE },
  { OP_EXIT_CHECK, IN_KILLED, g_spawn_error_quark, G_SPAWN_ERROR_FAILED, TRUE },

  /* g_pidfd_new_for_string() */
  { OP_NEW_FROM_STRING, IN_HANDLE_LIVE, NULL, OK, FALSE },
  { OP_NEW_FROM_STRING, IN_HANDLE_HUGE, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_STRING, IN_HANDLE_ZERO_PADDED, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE,
    "A different process now has pid" },
  { OP_NEW_FROM_STRING, IN_HANDLE_INVALID_UTF8, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_STRING, IN_HANDLE_LONG_UTF8, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_STRING, IN_HANDLE_CONTROL, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, FALSE },
  { OP_NEW_FROM_STRING, IN_HANDLE_NEVER_EXISTED, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE,
    "No such process" },
  { OP_NEW_FROM_STRING, IN_HANDLE_REAPED, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE,
    "No such process" },
  { OP_NEW_FROM_STRING, IN_HANDLE_WRONG_ID, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE,
    "A different process now has pid" },
  { OP_NEW_FROM_STRING, IN_HANDLE_THREAD_LIVE, NULL, OK, FALSE },
  { OP_NEW_FROM_STRING, IN_HANDLE_THREAD_WRONG_ID, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE,
    "A different thread now has thread id" },
  { OP_NEW_FROM_STRING, IN_HANDLE_THREAD_GONE, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE,
    "No such thread" },
  { OP_NEW_FROM_STRING, IN_HANDLE_THREAD_AS_PROCESS, g_io_error_quark, G_IO_ERROR_NOT_FOUND, TRUE,
    "A different process now has pid" },

  /* flags: unknown bits are refused and named, never dropped */
  { OP_NEW_FROM_PID_FULL, IN_FLAGS_NO_REAP, NULL, OK, FALSE },
  { OP_NEW_FROM_PID_FULL, IN_FLAGS_THREAD, NULL, OK, FALSE },
  { OP_NEW_FROM_PID_FULL, IN_FLAGS_BIT_2, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0x4" },
  { OP_NEW_FROM_PID_FULL, IN_FLAGS_BIT_31, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0x80000000" },
  { OP_NEW_FROM_PID_FULL, IN_FLAGS_ALL, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0xfffffffc" },
  { OP_NEW_FROM_FD_FULL, IN_FLAGS_NO_REAP, NULL, OK, FALSE },
  { OP_NEW_FROM_FD_FULL, IN_FLAGS_THREAD, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "not of a thread" },
  { OP_NEW_FROM_FD_FULL, IN_FLAGS_BIT_2, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0x4" },
  { OP_NEW_FROM_FD_FULL, IN_FLAGS_ALL, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0xfffffffc" },
  { OP_INITABLE_NEW_PID, IN_FLAGS_NO_REAP, NULL, OK, FALSE },
  { OP_INITABLE_NEW_PID, IN_FLAGS_BIT_2, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0x4" },
  { OP_INITABLE_NEW_PID, IN_FLAGS_ALL, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0xfffffffc" },
  { OP_INITABLE_NEW_FD, IN_FLAGS_NO_REAP, NULL, OK, FALSE },
  { OP_INITABLE_NEW_FD, IN_FLAGS_THREAD, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "not of a thread" },
  { OP_INITABLE_NEW_FD, IN_FLAGS_BIT_31, g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, TRUE,
    "unknown bits 0x80000000" },
};

/* Every error message, whatever the input: at most this long, valid
 * UTF-8, and free of control characters. */
#define MESSAGE_MAX_LEN 512

/* ---- Making the inputs ----------------------------------------------- */

typedef struct
{
  pid_t child;         /* a child to clean up, or 0 */
  pid_t named_pid;     /* the pid the message must name */
  int fd;              /* a descriptor to close, or -1 */
  GThread *thread;
  GMutex lock;
  GCond cond;
  pid_t tid;
  gboolean stop;
} World;

static gpointer
thread_main (gpointer user_data)
{
  World *world = user_data;

  g_mutex_lock (&world->lock);
  world->tid = gettid ();
  g_cond_broadcast (&world->cond);
  while (!world->stop)
    g_cond_wait (&world->cond, &world->lock);
  g_mutex_unlock (&world->lock);

  return NULL;
}

/* Starts the world's thread; returns its thread id. */
static pid_t
start_thread (World *world)
{
  g_mutex_lock (&world->lock);
  world->thread = g_thread_new ("hostile", thread_main, world);
  while (world->tid == 0)
    g_cond_wait (&world->cond, &world->lock);
  g_mutex_unlock (&world->lock);

  return world->tid;
}

static void
stop_thread (World *world)
{
  if (world->thread == NULL)
    return;

  g_mutex_lock (&world->lock);
  world->stop = TRUE;
  g_cond_broadcast (&world->cond);
  g_mutex_unlock (&world->lock);
  g_thread_join (world->thread);
  world->thread = NULL;
}

static pid_t
gone_pid (void)
{
  pid_t pid = gt_spawn_exit (0, 0);

  gt_reap (pid);
  g_assert_cmpint (kill (pid, 0), ==, -1);

  return pid;
}

static pid_t
zombie_child (void)
{
  pid_t pid = gt_spawn_exit (0, 0);
  siginfo_t si;

  memset (&si, 0, sizeof si);
  g_assert_cmpint (waitid (P_PID, pid, &si, WEXITED | WNOWAIT), ==, 0);

  return pid;
}

static int
raw_pidfd_open (pid_t        pid,
                unsigned int flags)
{
  int fd = (int) syscall (SYS_pidfd_open, pid, flags);

  g_assert_cmpint (fd, >=, 0);
  return fd;
}

static gint
make_pid (World *world,
          Input  input)
{
  switch ((int) input)
    {
    case IN_PID_ZERO:
      return 0;
    case IN_PID_MINUS_ONE:
      return -1;
    case IN_PID_INT_MIN:
      return G_MININT;
    case IN_PID_INT_MAX:
      return G_MAXINT;
    case IN_PID_ABOVE_PID_MAX:
      {
        g_autofree char *text = NULL;

        g_assert_true (g_file_get_contents ("/proc/sys/kernel/pid_max", &text, NULL, NULL));
        return atoi (text);
      }
    case IN_PID_THREAD:
      return start_thread (world);
    case IN_PID_GONE:
      return gone_pid ();
    case IN_PID_INIT:
      return 1;
    case IN_PID_SELF:
      return getpid ();
    case IN_PID_ZOMBIE:
      return world->child = zombie_child ();
    case IN_PID_LIVE:
      return world->child = gt_spawn_pause ();
    default:
      g_assert_not_reached ();
    }
}

static int
make_fd (World *world,
         Input  input)
{
  int fds[2];
  int fd;

  switch ((int) input)
    {
    case IN_FD_MINUS_ONE:
      return -1;
    case IN_FD_INT_MIN:
      return G_MININT;
    case IN_FD_INT_MAX:
      return G_MAXINT;
    case IN_FD_CLOSED:
      fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      close (fd);
      return fd;
    case IN_FD_REGULAR:
      fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
      break;
    case IN_FD_DIRECTORY:
      fd = open ("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      break;
    case IN_FD_PROC_PID_DIR:
      {
        g_autofree char *path = NULL;

        world->child = gt_spawn_pause ();
        path = g_strdup_printf ("/proc/%d", world->child);
        fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      }
      break;
    case IN_FD_SOCKET:
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      break;
    case IN_FD_EVENTFD:
      fd = eventfd (0, EFD_CLOEXEC);
      break;
    case IN_FD_PIPE:
      g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
      close (fds[1]);
      fd = fds[0];
      break;
    case IN_FD_EPOLL:
      fd = epoll_create1 (EPOLL_CLOEXEC);
      break;
    case IN_FD_MEMFD:
      fd = memfd_create ("hostile", MFD_CLOEXEC);
      break;
    case IN_FD_DEV_NULL:
      fd = open ("/dev/null", O_RDWR | O_CLOEXEC);
      break;
    case IN_FD_PIDFD:
      world->child = gt_spawn_pause ();
      fd = raw_pidfd_open (world->child, 0);
      break;
    case IN_FD_PIDFD_NONBLOCK:
      world->child = gt_spawn_pause ();
      fd = raw_pidfd_open (world->child, O_NONBLOCK);
      break;
    case IN_FD_PIDFD_REAPED:
      {
        pid_t pid = gt_spawn_exit (0, 0);

        fd = raw_pidfd_open (pid, 0);
        gt_reap (pid);
      }
      break;
    default:
      g_assert_not_reached ();
    }

  g_assert_cmpint (fd, >=, 0);
  world->fd = fd;
  return fd;
}

static GPidFdFlags
make_flags (Input input)
{
  switch ((int) input)
    {
    case IN_FLAGS_NO_REAP:
      return G_PIDFD_FLAGS_NO_REAP;
    case IN_FLAGS_THREAD:
      return G_PIDFD_FLAGS_THREAD;
    case IN_FLAGS_BIT_2:
      return (GPidFdFlags) (1u << 2);
    case IN_FLAGS_BIT_31:
      return (GPidFdFlags) (1u << 31);
    case IN_FLAGS_ALL:
      return (GPidFdFlags) G_MAXUINT;
    default:
      g_assert_not_reached ();
    }
}

static int
make_signal (Input input)
{
  switch ((int) input)
    {
    case IN_SIG_MINUS_ONE:
      return -1;
    case IN_SIG_ZERO:
    case IN_SIG_ZERO_TO_INIT:
    case IN_SIG_ZERO_TO_REAPED:
      return 0;
    case IN_SIG_65:
      return 65;
    case IN_SIG_INT_MAX:
      return G_MAXINT;
    case IN_SIG_INT_MIN:
      return G_MININT;
    case IN_SIG_CONT:
      return SIGCONT;
    case IN_SIG_TERM_TO_ZOMBIE:
      return SIGTERM;
    default:
      g_assert_not_reached ();
    }
}

/* The size of the hostile handles that are meant to be large. */
#define HUGE_HANDLE_LEN (200 * 1024)

/* The id of thread @tid, as g_pidfd_to_string() gives it. */
static guint64
thread_id (pid_t tid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid_full (tid, G_PIDFD_FLAGS_THREAD, &error);

  g_assert_no_error (error);
  return g_pidfd_get_id (pidfd);
}

/* A handle for g_pidfd_new_for_string(). */
static char *
make_handle (World *world,
             Input  input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  GString *text = g_string_new (NULL);
  gint64 deadline;
  pid_t pid;
  int fd;

  switch ((int) input)
    {
    case IN_HANDLE_LIVE:
      world->named_pid = world->child = gt_spawn_pause ();
      pidfd = g_pidfd_new_from_pid (world->child, &error);
      g_assert_no_error (error);
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT,
                              (int) world->child, g_pidfd_get_id (pidfd));
      break;
    case IN_HANDLE_HUGE:
      /* Many fields, and far too long. */
      while (text->len < HUGE_HANDLE_LEN)
        g_string_append (text, "1:");
      break;
    case IN_HANDLE_ZERO_PADDED:
      /* A live process's pid with a wrong id, after 200 KB of zeros that
       * the number parser accepts. */
      world->named_pid = world->child = gt_spawn_pause ();
      pidfd = g_pidfd_new_from_pid (world->child, &error);
      g_assert_no_error (error);
      while (text->len < HUGE_HANDLE_LEN)
        g_string_append_c (text, '0');
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT,
                              (int) world->child, g_pidfd_get_id (pidfd) + 1);
      break;
    case IN_HANDLE_INVALID_UTF8:
      g_string_append (text, "\xff\xfe\xc0\x80:\xed\xa0\x80:thread\xf8");
      break;
    case IN_HANDLE_LONG_UTF8:
      /* Valid UTF-8, so long that any cut falls inside it. */
      while (text->len < HUGE_HANDLE_LEN)
        g_string_append (text, "\xc3\xa9\xe2\x82\xac");
      break;
    case IN_HANDLE_CONTROL:
      g_string_append (text, "1:2\x1b[2J\r\n\t\"\\\x7f");
      break;
    case IN_HANDLE_NEVER_EXISTED:
      /* pid_max itself is the first pid the kernel never gives. */
      world->named_pid = make_pid (world, IN_PID_ABOVE_PID_MAX);
      g_string_append_printf (text, "%d:12345", (int) world->named_pid);
      break;
    case IN_HANDLE_REAPED:
      pid = gt_spawn_exit (0, 0);
      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT, (int) pid, g_pidfd_get_id (pidfd));
      g_clear_object (&pidfd);
      gt_reap (pid);
      world->named_pid = pid;
      break;
    case IN_HANDLE_WRONG_ID:
      world->named_pid = world->child = gt_spawn_pause ();
      pidfd = g_pidfd_new_from_pid (world->child, &error);
      g_assert_no_error (error);
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT,
                              (int) world->child, g_pidfd_get_id (pidfd) + 1);
      break;
    case IN_HANDLE_THREAD_LIVE:
      world->named_pid = start_thread (world);
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT ":thread",
                              (int) world->named_pid, thread_id (world->named_pid));
      break;
    case IN_HANDLE_THREAD_WRONG_ID:
      world->named_pid = start_thread (world);
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT ":thread",
                              (int) world->named_pid, thread_id (world->named_pid) + 1);
      break;
    case IN_HANDLE_THREAD_GONE:
      world->named_pid = start_thread (world);
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT ":thread",
                              (int) world->named_pid, thread_id (world->named_pid));
      stop_thread (world);
      /* pthread_join() returns once the kernel cleared the thread id,
       * which is before it lets the id go: wait until the id opens no
       * more (PIDFD_THREAD is O_EXCL). */
      deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      while ((fd = (int) syscall (SYS_pidfd_open, world->named_pid, O_EXCL)) >= 0)
        {
          close (fd);
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_usleep (1000);
        }
      break;
    case IN_HANDLE_THREAD_AS_PROCESS:
      /* A live thread's own id, in a process handle. */
      world->named_pid = start_thread (world);
      g_string_append_printf (text, "%d:%" G_GUINT64_FORMAT,
                              (int) world->named_pid, thread_id (world->named_pid));
      break;
    default:
      g_assert_not_reached ();
    }

  return g_string_free (text, FALSE);
}

/* A GPidFd for a process in the state the input names. */
static GPidFd *
make_subject (World *world,
              Input  input)
{
  g_autoptr(GError) error = NULL;
  GPidFd *pidfd;
  pid_t pid;

  switch ((int) input)
    {
    case IN_SIG_ZERO_TO_INIT:
      pid = 1;
      break;
    case IN_SIG_TERM_TO_ZOMBIE:
    case IN_ZOMBIE:
    case IN_ZOMBIE_PRE_CANCELLED:
      pid = world->child = zombie_child ();
      break;
    case IN_SIG_ZERO_TO_REAPED:
    case IN_REAPED_ELSEWHERE:
      pid = gt_spawn_exit (0, 0);
      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);
      gt_reap (pid);
      world->named_pid = pid;
      return pidfd;
    default:
      pid = world->child = gt_spawn_pause ();
      break;
    }

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  world->named_pid = pid;

  return pidfd;
}

static void
world_clean (World *world)
{
  if (world->child > 0)
    {
      kill (world->child, SIGKILL);
      if (kill (world->child, 0) == 0 || gt_is_unreaped_zombie (world->child))
        gt_reap (world->child);
    }
  if (world->fd >= 0)
    close (world->fd);
  stop_thread (world);
  g_mutex_clear (&world->lock);
  g_cond_clear (&world->cond);
}

/* ---- Running a row --------------------------------------------------- */

typedef struct
{
  gboolean done;
  GPidFdExitInfo *info;
  GError *error;
} AsyncResult;

static void
on_row_wait_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AsyncResult *r = user_data;

  r->info = g_pidfd_wait_finish (G_PIDFD (object), result, &r->error);
  r->done = TRUE;
}

static gboolean
on_row_source (GPidFd         *pidfd,
               GPidFdExitInfo *info,
               gpointer        user_data)
{
  AsyncResult *r = user_data;

  r->info = g_object_ref (info);
  r->done = TRUE;
  return G_SOURCE_REMOVE;
}

static GPidFdExitInfo *
exit_record (World *world,
             Input  input)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  GPidFdExitInfo *info;
  pid_t pid;

  switch ((int) input)
    {
    case IN_EXITED_0:
      pid = gt_spawn_exit (0, 0);
      break;
    case IN_EXITED_3:
      pid = gt_spawn_exit (3, 0);
      break;
    case IN_KILLED:
      pid = gt_spawn_pause ();
      kill (pid, SIGKILL);
      break;
    default:
      g_assert_not_reached ();
    }
  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);
  world->named_pid = pid;

  return info;
}

/* Runs @row; returns whether it succeeded, with *@error set otherwise
 * when @error is not NULL. */
static gboolean
run_row (const Row  *row,
         World      *world,
         GError    **error)
{
  g_autoptr(GPidFd) subject = NULL;
  g_autoptr(GPidFd) made = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  GMainContext *context;
  AsyncResult r = { 0 };
  gboolean ok = FALSE;
  gint pid;

  switch (row->op)
    {
    case OP_NEW_FROM_PID:
    case OP_NEW_FROM_PID_NO_REAP:
      pid = make_pid (world, row->input);
      world->named_pid = pid;
      made = g_pidfd_new_from_pid_full (pid, row->op == OP_NEW_FROM_PID ? G_PIDFD_FLAGS_NONE
                                                                        : G_PIDFD_FLAGS_NO_REAP,
                                        error);
      if (made != NULL)
        {
          g_assert_cmpint (g_pidfd_get_pid (made), ==, pid);
          g_assert_cmpint (g_pidfd_is_child (made), ==, pid == world->child);
        }
      return made != NULL;

    case OP_NEW_FROM_FD:
    case OP_NEW_FROM_FD_NO_REAP:
      {
        int fd = make_fd (world, row->input);

        made = g_pidfd_new_from_fd_full (fd, row->op == OP_NEW_FROM_FD ? G_PIDFD_FLAGS_NONE
                                                                       : G_PIDFD_FLAGS_NO_REAP,
                                         error);
        if (made != NULL)
          {
            g_assert_cmpint (g_pidfd_get_fd (made), !=, fd);
            g_assert_cmpint (fcntl (g_pidfd_get_fd (made), F_GETFD), ==, FD_CLOEXEC);
            if (row->input == IN_FD_PIDFD_REAPED)
              g_assert_cmpint (g_pidfd_get_pid (made), ==, -1);
            else
              g_assert_cmpint (g_pidfd_get_pid (made), ==, world->child);
          }
        return made != NULL;
      }

    case OP_SEND_SIGNAL:
      subject = make_subject (world, row->input);
      return g_pidfd_send_signal (subject, make_signal (row->input), error);

    case OP_WAIT:
      subject = make_subject (world, row->input);
      cancellable = g_cancellable_new ();
      if (row->input == IN_LIVE_PRE_CANCELLED || row->input == IN_ZOMBIE_PRE_CANCELLED)
        g_cancellable_cancel (cancellable);
      if (row->input == IN_LIVE_CANCELLED_LATER)
        g_thread_unref (gt_cancel_in_thread (cancellable, 20));
      info = g_pidfd_wait (subject, cancellable, error);
      ok = info != NULL;
      if (!ok && world->child > 0)
        {
          /* Nothing was reaped by the failed wait. */
          g_assert_true (gt_is_unreaped_zombie (world->child) || kill (world->child, 0) == 0);
        }
      return ok;

    case OP_WAIT_ASYNC:
    case OP_WAIT_ASYNC_NO_CALLBACK:
      subject = make_subject (world, row->input);
      cancellable = g_cancellable_new ();
      context = g_main_context_new ();
      g_main_context_push_thread_default (context);
      if (row->input == IN_LIVE_PRE_CANCELLED)
        g_cancellable_cancel (cancellable);
      if (row->op == OP_WAIT_ASYNC)
        {
          g_pidfd_wait_async (subject, cancellable, on_row_wait_done, &r);
          if (row->input == IN_LIVE_CANCELLED_LATER)
            {
              GSource *idle = g_idle_source_new ();

              g_source_set_callback (idle, gt_cancel_cb, g_object_ref (cancellable), g_object_unref);
              g_source_attach (idle, context);
              g_source_unref (idle);
            }
          gt_run_until_true (context, &r.done, 30);
        }
      else
        {
          g_pidfd_wait_async (subject, cancellable, NULL, NULL);
          while (g_main_context_iteration (context, FALSE))
            ;
          if (world->child > 0 && row->input == IN_ZOMBIE)
            {
              /* The wait ran and reaped it. */
              while (gt_is_unreaped_zombie (world->child))
                g_main_context_iteration (context, TRUE);
            }
          r.info = g_pidfd_try_wait (subject, NULL);
          if (row->input == IN_LIVE_PRE_CANCELLED)
            g_assert_null (r.info);
          r.error = NULL;
          ok = TRUE;
        }
      while (g_main_context_iteration (context, FALSE))
        ;
      g_main_context_pop_thread_default (context);
      g_main_context_unref (context);
      g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);
      if (row->op == OP_WAIT_ASYNC)
        ok = r.info != NULL;
      g_clear_object (&r.info);
      if (r.error != NULL)
        g_propagate_error (error, r.error);
      return ok;

    case OP_TRY_WAIT:
      subject = make_subject (world, row->input);
      if (row->input == IN_ZOMBIE || row->input == IN_REAPED_ELSEWHERE)
        {
          info = g_pidfd_try_wait (subject, error);
          return info != NULL;
        }
      info = g_pidfd_try_wait (subject, error);
      /* Still running: no record, and no error. */
      return info == NULL;

    case OP_SOURCE:
      {
        GSource *source;

        subject = make_subject (world, row->input);
        context = g_main_context_new ();
        source = g_pidfd_create_source (subject);
        g_source_set_callback (source, G_SOURCE_FUNC (on_row_source), &r, NULL);
        g_source_attach (source, context);
        gt_run_until_true (context, &r.done, 30);
        g_source_destroy (source);
        g_source_unref (source);
        g_main_context_unref (context);
        ok = r.info != NULL;
        g_clear_object (&r.info);
        return ok;
      }

    case OP_EXIT_CHECK:
      info = exit_record (world, row->input);
      return g_pidfd_exit_info_check (info, error);

    case OP_NEW_FROM_STRING:
      {
        g_autofree char *text = make_handle (world, row->input);

        made = g_pidfd_new_for_string (text, error);
        if (made != NULL)
          g_assert_cmpint (g_pidfd_get_pid (made), ==, world->named_pid);
        return made != NULL;
      }

    case OP_NEW_FROM_PID_FULL:
    case OP_NEW_FROM_FD_FULL:
    case OP_INITABLE_NEW_PID:
    case OP_INITABLE_NEW_FD:
      {
        GPidFdFlags flags = make_flags (row->input);

        world->child = gt_spawn_pause ();
        world->named_pid = world->child;
        if (row->op == OP_NEW_FROM_FD_FULL || row->op == OP_INITABLE_NEW_FD)
          world->fd = raw_pidfd_open (world->child, 0);
        if (world->fd >= 0 && row->input != IN_FLAGS_THREAD)
          world->named_pid = world->fd;

        switch ((int) row->op)
          {
          case OP_NEW_FROM_PID_FULL:
            made = g_pidfd_new_from_pid_full (world->child, flags, error);
            break;
          case OP_NEW_FROM_FD_FULL:
            made = g_pidfd_new_from_fd_full (world->fd, flags, error);
            break;
          case OP_INITABLE_NEW_PID:
            made = g_initable_new (G_TYPE_PIDFD, NULL, error,
                                   "pid", world->child, "flags", flags, NULL);
            break;
          default:
            made = g_initable_new (G_TYPE_PIDFD, NULL, error,
                                   "fd", world->fd, "flags", flags, NULL);
            break;
          }
        if (made != NULL)
          {
            g_assert_cmpint (g_pidfd_get_flags (made), ==, flags);
            g_assert_cmpint (g_pidfd_get_pid (made), ==, world->child);
          }
        return made != NULL;
      }

    default:
      g_assert_not_reached ();
    }
}

static const char *
describe (const Row *row)
{
  static const char *ops[] = {
    "new_from_pid", "new_from_pid_full(NO_REAP)", "new_from_fd", "new_from_fd_full(NO_REAP)",
    "send_signal", "wait", "wait_async", "wait_async(no callback)", "try_wait",
    "create_source", "exit_info_check", "new_for_string", "new_from_pid_full",
    "new_from_fd_full", "g_initable_new(pid)", "g_initable_new(fd)",
  };

  return ops[row->op];
}

/* A message quotes at most a short, escaped part of the input. */
static void
check_message (const Row  *row,
               const char *message)
{
  gsize len = strlen (message);

  if (len > MESSAGE_MAX_LEN)
    {
      g_autofree char *start = g_strndup (message, 200);
      g_autofree char *escaped = g_strescape (start, NULL);

      g_error ("%s (input %d): the message is %" G_GSIZE_FORMAT " bytes long, more "
               "than %d: \"%s…\"", describe (row), row->input, len, MESSAGE_MAX_LEN,
               escaped);
    }
  if (!g_utf8_validate (message, -1, NULL))
    {
      g_autofree char *escaped = g_strescape (message, NULL);

      g_error ("%s (input %d): the message is not valid UTF-8: \"%s\"",
               describe (row), row->input, escaped);
    }
  for (const char *p = message; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        g_autofree char *escaped = g_strescape (message, NULL);

        g_error ("%s (input %d): the message holds control character 0x%02x: \"%s\"",
                 describe (row), row->input, (guchar) *p, escaped);
      }
}

static void
test_row (gconstpointer data)
{
  const Row *row = data;
  Row without_pidfs;
  guint fds_before = gt_count_fds ();

  g_test_summary ("One row of the hostile-input table");
  switch ((int) row->input)
    {
    case IN_HANDLE_THREAD_LIVE:
    case IN_HANDLE_THREAD_WRONG_ID:
    case IN_HANDLE_THREAD_GONE:
    case IN_HANDLE_THREAD_AS_PROCESS:
    case IN_FLAGS_THREAD:
      if (!gt_kernel_has_pidfs ())
        {
          g_test_skip ("the kernel has no thread pidfds (PIDFD_THREAD, Linux 6.9)");
          return;
        }
      break;
    case IN_HANDLE_LIVE:
    case IN_HANDLE_ZERO_PADDED:
    case IN_HANDLE_REAPED:
    case IN_HANDLE_WRONG_ID:
      if (!gt_kernel_has_pidfs ())
        {
          /* Handles carry the pidfs id: without pidfs (before Linux 6.9)
           * a process's identity cannot be checked, and that is said. */
          without_pidfs = *row;
          without_pidfs.domain = g_io_error_quark;
          without_pidfs.code = G_IO_ERROR_NOT_SUPPORTED;
          without_pidfs.names_pid = FALSE;
          without_pidfs.says = "pidfs";
          row = &without_pidfs;
        }
      break;
    default:
      break;
    }
  if (row->op == OP_SEND_SIGNAL && row->input == IN_SIG_ZERO_TO_INIT &&
      gt_skip_under_valgrind ("valgrind 3.24 does not know pidfd_send_signal(), "
                               "and gpidfd only falls back to kill() for its "
                               "own children, not for init"))
    return;

  for (guint with_error = 0; with_error < 2; with_error++)
    {
      World world = { .fd = -1 };
      g_autoptr(GError) error = NULL;
      gboolean ok;

      g_mutex_init (&world.lock);
      g_cond_init (&world.cond);
      ok = run_row (row, &world, with_error ? &error : NULL);

      if (row->domain == NULL)
        {
          if (!ok)
            g_error ("%s (input %d) failed: %s", describe (row), row->input,
                     error != NULL ? error->message : "(no error location)");
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (ok);
          if (with_error)
            {
              g_assert_nonnull (error);
              g_test_message ("%s (input %d): %s", describe (row), row->input, error->message);
              if (!g_error_matches (error, row->domain (), row->code))
                g_error ("%s (input %d): expected %s %d, got %s %d: %s", describe (row),
                         row->input, g_quark_to_string (row->domain ()), row->code,
                         g_quark_to_string (error->domain), error->code, error->message);
              if (row->names_pid)
                {
                  g_autofree char *pid_str = g_strdup_printf ("%d", world.named_pid);

                  if (strstr (error->message, pid_str) == NULL)
                    g_error ("%s (input %d): message \"%s\" does not name process %s",
                             describe (row), row->input, error->message, pid_str);
                }
              if (row->says != NULL && strstr (error->message, row->says) == NULL)
                g_error ("%s (input %d): message \"%s\" does not say \"%s\"",
                         describe (row), row->input, error->message, row->says);
              check_message (row, error->message);
            }
        }

      world_clean (&world);
    }

  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gt_count_fds (), ==, fds_before);
}

static const char *input_names[] = {
  "pid-0", "pid-minus-1", "pid-int-min", "pid-int-max", "pid-max", "pid-thread",
  "pid-gone", "pid-init", "pid-self", "pid-zombie", "pid-live",
  "fd-minus-1", "fd-int-min", "fd-int-max", "fd-closed", "fd-regular", "fd-directory",
  "fd-proc-pid-dir", "fd-socket", "fd-eventfd", "fd-pipe", "fd-epoll", "fd-memfd",
  "fd-dev-null", "fd-pidfd", "fd-pidfd-nonblock", "fd-pidfd-reaped",
  "sig-minus-1", "sig-0", "sig-65", "sig-int-max", "sig-int-min", "sig-cont",
  "sig-0-to-init", "sig-term-to-zombie", "sig-0-to-reaped",
  "live-pre-cancelled", "live-cancelled-later", "zombie", "zombie-pre-cancelled", "live",
  "reaped-elsewhere", "exited-0", "exited-3", "killed",
  "handle-live", "handle-huge", "handle-zero-padded", "handle-invalid-utf8",
  "handle-long-utf8", "handle-control", "handle-never-existed", "handle-reaped",
  "handle-wrong-id", "handle-thread-live", "handle-thread-wrong-id", "handle-thread-gone",
  "handle-thread-as-process",
  "flags-no-reap", "flags-thread", "flags-bit-2", "flags-bit-31", "flags-all",
};

static const char *op_names[] = {
  "new-from-pid", "new-from-pid-no-reap", "new-from-fd", "new-from-fd-no-reap",
  "send-signal", "wait", "wait-async", "wait-async-no-callback", "try-wait", "source",
  "exit-check", "new-from-string", "new-from-pid-full", "new-from-fd-full",
  "initable-new-pid", "initable-new-fd",
};

G_STATIC_ASSERT (G_N_ELEMENTS (input_names) == IN_FLAGS_ALL + 1);
G_STATIC_ASSERT (G_N_ELEMENTS (op_names) == OP_INITABLE_NEW_FD + 1);

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/robust/hostile/%s/%s", op_names[rows[i].op],
                                               input_names[rows[i].input]);

      gt_add_data (path, &rows[i], test_row);
    }

  return g_test_run ();
}
