/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* features-common.h: real processes and scenarios shared by the
 * kernel-feature suites (test-features.c, and the same scenarios on a
 * simulated older kernel in robust/test-features-oldkernel.c).
 *
 * Each function is static and unused-tolerant: a suite compiles the ones
 * it calls. Forked children die with the thread that forked them
 * (PR_SET_PDEATHSIG), so that a failed test leaves nothing behind. */

#pragma once

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>

#include "test-utils.h"

G_BEGIN_DECLS

#define FC_FUNC static G_GNUC_UNUSED

/* ---- Small checks ------------------------------------------------------ */

FC_FUNC void
fc_assert_message_has (const GError *error,
                       const char   *what)
{
  g_assert_nonnull (error);
  if (strstr (error->message, what) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, what);
}

FC_FUNC void
fc_assert_message_names_pid (const GError *error,
                             pid_t         pid)
{
  g_autofree char *pid_str = g_strdup_printf ("%d", (int) pid);

  fc_assert_message_has (error, pid_str);
}

FC_FUNC void
fc_pipe (int fds[2])
{
  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
}

/* Reads exactly @len bytes; FALSE at end of file. */
FC_FUNC gboolean
fc_read_full (int    fd,
              void  *buf,
              gsize  len)
{
  char *p = buf;

  while (len > 0)
    {
      ssize_t r = read (fd, p, len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return FALSE;
      p += r;
      len -= (gsize) r;
    }

  return TRUE;
}

FC_FUNC gboolean
fc_write_full (int         fd,
               const void *buf,
               gsize       len)
{
  const char *p = buf;

  while (len > 0)
    {
      ssize_t r = write (fd, p, len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return FALSE;
      p += r;
      len -= (gsize) r;
    }

  return TRUE;
}

static inline pid_t
fc_gettid (void)
{
  return (pid_t) syscall (SYS_gettid);
}

/* The state letter of /proc/PID/stat, or 0 when it cannot be read. */
FC_FUNC char
fc_proc_state (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  p = strrchr (stat, ')');
  if (p == NULL || p[1] == '\0' || p[2] == '\0')
    return 0;

  return p[2];
}

/* Waits until /proc/PID/stat shows one of @states, failing after 10 s. */
FC_FUNC void
fc_wait_proc_state (pid_t       pid,
                    const char *states)
{
  for (guint i = 0; i < 10000; i++)
    {
      char s = fc_proc_state (pid);

      if (s != 0 && strchr (states, s) != NULL)
        return;
      g_usleep (1000);
    }
  g_error ("process %d never reached state [%s] (now %c)", (int) pid, states,
           fc_proc_state (pid));
}

/* Reaps @pid and asserts it exited with @code. */
FC_FUNC void
fc_reap_exited (pid_t pid,
                int   code)
{
  int status = gpt_reap (pid);

  if (!WIFEXITED (status) || WEXITSTATUS (status) != code)
    g_error ("process %d: wait status 0x%x, expected exit %d", (int) pid, status, code);
}

/* A blocking wait that fails the test instead of hanging. */
static gboolean
fc_on_wait_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

FC_FUNC GPidFdExitInfo *
fc_wait (GPidFd *pidfd)
{
  g_autoptr(GError) error = NULL;
  GPidFdExitInfo *info = g_pidfd_wait (pidfd, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);

  return info;
}

/* In a forked child: closes every descriptor from 3 up but @keep, so
 * that the child holds no write end of another child's gate. */
FC_FUNC void
fc_close_all_but (int keep)
{
  if (keep > 3)
    syscall (SYS_close_range, 3, keep - 1, 0);
  syscall (SYS_close_range, MAX (keep + 1, 3), ~0U, 0);
}

/* Forks a child that exits with @code when its gate reads a byte or EOF
 * (the caller closes or writes to *gate_wr). */
FC_FUNC pid_t
fc_spawn_gated (int *gate_wr,
                int  code)
{
  int gate[2];
  pid_t pid;

  fc_pipe (gate);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      char c;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      fc_close_all_but (gate[0]);
      while (read (gate[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (code);
    }
  close (gate[0]);
  *gate_wr = gate[1];

  return pid;
}

/* ---- A child with threads --------------------------------------------- */

#define FC_MAX_THREADS 3

/* A forked child whose main thread and @n_threads more threads each block
 * on their own control pipe: a byte written to ctl[0] makes the process
 * exit with that byte as its status, a byte to ctl[i + 1] ends thread i
 * alone. A SIGUSR1 handler in every thread writes gettid() to the pipe
 * read by report_rd; threads listed in @blocked_mask (bit 0: the main
 * thread, bit i + 1: thread i) block SIGUSR1. */
typedef struct
{
  pid_t pid;
  pid_t tids[FC_MAX_THREADS];
  guint n_threads;
  int ctl[FC_MAX_THREADS + 1];
  int report_rd;
} FcThreaded;

static int fc_threaded_report_wr = -1;

static void
fc_threaded_on_usr1 (int signum)
{
  pid_t tid = fc_gettid ();
  int errsv = errno;

  if (write (fc_threaded_report_wr, &tid, sizeof tid) < 0)
    _exit (120);
  errno = errsv;
}

typedef struct
{
  guint index;
  int ctl_rd;
  int tid_wr;
  gboolean block_usr1;
} FcThreadArgs;

static void *
fc_threaded_thread (void *data)
{
  FcThreadArgs *args = data;
  pid_t report[2] = { (pid_t) args->index, fc_gettid () };
  sigset_t set;
  char c;

  sigemptyset (&set);
  sigaddset (&set, SIGUSR1);
  pthread_sigmask (args->block_usr1 ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
  /* One write of 8 bytes to a pipe is atomic. */
  if (write (args->tid_wr, report, sizeof report) != sizeof report)
    _exit (121);
  while (read (args->ctl_rd, &c, 1) < 0 && errno == EINTR)
    ;

  return NULL;
}

FC_FUNC void
fc_spawn_threaded (FcThreaded *t,
                   guint       n_threads,
                   guint       blocked_mask)
{
  int ctl[FC_MAX_THREADS + 1][2];
  int tids[2], report[2];

  g_assert_cmpuint (n_threads, <=, FC_MAX_THREADS);
  memset (t, 0, sizeof *t);
  t->n_threads = n_threads;
  for (guint i = 0; i <= n_threads; i++)
    fc_pipe (ctl[i]);
  fc_pipe (tids);
  fc_pipe (report);

  t->pid = fork ();
  g_assert_cmpint (t->pid, >=, 0);
  if (t->pid == 0)
    {
      static FcThreadArgs args[FC_MAX_THREADS];
      struct sigaction sa = { .sa_handler = fc_threaded_on_usr1 };
      sigset_t set;
      pthread_t thread;
      unsigned char code = 0;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      fc_threaded_report_wr = report[1];
      sigemptyset (&sa.sa_mask);
      sigaction (SIGUSR1, &sa, NULL);
      /* Before the threads report: the parent may signal at once. */
      sigemptyset (&set);
      sigaddset (&set, SIGUSR1);
      pthread_sigmask ((blocked_mask & 1u) ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
      for (guint i = 0; i < n_threads; i++)
        {
          args[i].index = i;
          args[i].ctl_rd = ctl[i + 1][0];
          args[i].tid_wr = tids[1];
          args[i].block_usr1 = (blocked_mask & (1u << (i + 1))) != 0;
          if (pthread_create (&thread, NULL, fc_threaded_thread, &args[i]) != 0)
            _exit (122);
          pthread_detach (thread);
        }
      while (read (ctl[0][0], &code, 1) < 0 && errno == EINTR)
        ;
      _exit (code);
    }

  for (guint i = 0; i <= n_threads; i++)
    {
      close (ctl[i][0]);
      t->ctl[i] = ctl[i][1];
    }
  close (tids[1]);
  close (report[1]);
  t->report_rd = report[0];
  /* The threads report in any order, each with its index. */
  for (guint i = 0; i < n_threads; i++)
    {
      pid_t tid_report[2];

      g_assert_true (fc_read_full (tids[0], tid_report, sizeof tid_report));
      g_assert_cmpint (tid_report[0], >=, 0);
      g_assert_cmpint (tid_report[0], <, (pid_t) n_threads);
      t->tids[tid_report[0]] = tid_report[1];
    }
  close (tids[0]);
}

/* Ends thread @i of @t and nothing else. */
FC_FUNC void
fc_threaded_end_thread (FcThreaded *t,
                        guint       i)
{
  char c = 0;

  g_assert_cmpuint (i, <, t->n_threads);
  g_assert_true (fc_write_full (t->ctl[i + 1], &c, 1));
}

/* Makes the process exit with @code; closes every pipe. */
FC_FUNC void
fc_threaded_exit (FcThreaded *t,
                  guchar      code)
{
  g_assert_true (fc_write_full (t->ctl[0], &code, 1));
  for (guint i = 0; i <= t->n_threads; i++)
    close (t->ctl[i]);
  close (t->report_rd);
}

/* The tid the SIGUSR1 handler ran in, next. */
FC_FUNC pid_t
fc_threaded_next_report (FcThreaded *t)
{
  pid_t tid = 0;

  g_assert_true (fc_read_full (t->report_rd, &tid, sizeof tid));
  return tid;
}

/* Whether thread @tid of process @pid still exists. */
FC_FUNC gboolean
fc_thread_alive (pid_t pid,
                 pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d", (int) pid, (int) tid);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* ---- Scenarios --------------------------------------------------------- */

/* query_info on a child that holds distinct real, effective and saved
 * ids; @have_cgroup says whether the running kernel reports a cgroup id
 * (PIDFD_GET_INFO, Linux 6.13). */
FC_FUNC void
fc_check_query_info_creds (gboolean have_cgroup)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  int ready[2];
  int gate;
  pid_t pid;
  char c;

  fc_pipe (ready);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      /* Groups first: without CAP_SETGID they cannot be changed. */
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (ready[0]);
      if (setresgid (11, 12, 13) != 0 || setresuid (21, 22, 23) != 0)
        _exit (99);
      if (write (ready[1], "r", 1) != 1)
        _exit (98);
      for (;;)
        pause ();
    }
  close (ready[1]);
  g_assert_true (fc_read_full (ready[0], &c, 1));
  close (ready[0]);
  fc_wait_proc_state (pid, "S");

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, pid);
  g_assert_cmpint (g_pidfd_process_info_get_tgid (info), ==, pid);
  g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, getpid ());
  g_assert_true (g_pidfd_process_info_has_credentials (info));
  g_assert_cmpuint (g_pidfd_process_info_get_ruid (info), ==, 21);
  g_assert_cmpuint (g_pidfd_process_info_get_euid (info), ==, 22);
  g_assert_cmpuint (g_pidfd_process_info_get_suid (info), ==, 23);
  g_assert_cmpuint (g_pidfd_process_info_get_fsuid (info), ==, 22);
  g_assert_cmpuint (g_pidfd_process_info_get_rgid (info), ==, 11);
  g_assert_cmpuint (g_pidfd_process_info_get_egid (info), ==, 12);
  g_assert_cmpuint (g_pidfd_process_info_get_sgid (info), ==, 13);
  g_assert_cmpuint (g_pidfd_process_info_get_fsgid (info), ==, 12);
  g_assert_cmpint (g_pidfd_process_info_get_state (info), ==, G_PIDFD_PROCESS_STATE_SLEEPING);
  g_assert_false (g_pidfd_process_info_get_is_kernel_thread (info));
  {
    g_autofree char *path = g_strdup_printf ("/proc/%d/comm", (int) pid);
    g_autofree char *comm = NULL;

    g_assert_true (g_file_get_contents (path, &comm, NULL, NULL));
    g_strchomp (comm);
    g_assert_cmpstr (g_pidfd_process_info_get_name (info), ==, comm);
  }
  if (have_cgroup)
    g_assert_cmpuint (g_pidfd_process_info_get_cgroup_id (info), !=, 0);
  else
    g_assert_cmpuint (g_pidfd_process_info_get_cgroup_id (info), ==, 0);

  /* Every getter is also a property (has_credentials excepted). */
  {
    gint ppid_prop, pid_prop, tgid_prop;
    guint ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    guint64 cgroup_id;
    g_autofree char *name = NULL;
    GPidFdProcessState state;
    gboolean kthread;

    g_object_get (info, "pid", &pid_prop, "tgid", &tgid_prop, "ppid", &ppid_prop,
                  "ruid", &ruid, "rgid", &rgid, "euid", &euid, "egid", &egid,
                  "suid", &suid, "sgid", &sgid, "fsuid", &fsuid, "fsgid", &fsgid,
                  "cgroup-id", &cgroup_id, "name", &name, "state", &state,
                  "is-kernel-thread", &kthread, NULL);
    g_assert_cmpint (pid_prop, ==, pid);
    g_assert_cmpint (tgid_prop, ==, pid);
    g_assert_cmpint (ppid_prop, ==, getpid ());
    g_assert_cmpuint (ruid, ==, 21);
    g_assert_cmpuint (euid, ==, 22);
    g_assert_cmpuint (suid, ==, 23);
    g_assert_cmpuint (fsuid, ==, 22);
    g_assert_cmpuint (rgid, ==, 11);
    g_assert_cmpuint (egid, ==, 12);
    g_assert_cmpuint (sgid, ==, 13);
    g_assert_cmpuint (fsgid, ==, 12);
    g_assert_cmpuint (cgroup_id, ==, g_pidfd_process_info_get_cgroup_id (info));
    g_assert_cmpstr (name, ==, g_pidfd_process_info_get_name (info));
    g_assert_cmpint (state, ==, G_PIDFD_PROCESS_STATE_SLEEPING);
    g_assert_false (kthread);
  }
  g_clear_object (&info);

  /* Stopped, then a zombie: still there to be queried. */
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  fc_wait_proc_state (pid, "T");
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_state (info), ==, G_PIDFD_PROCESS_STATE_STOPPED);
  g_clear_object (&info);

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  fc_wait_proc_state (pid, "Z");
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, pid);
  g_assert_cmpint (g_pidfd_process_info_get_state (info), ==, G_PIDFD_PROCESS_STATE_ZOMBIE);
  g_clear_object (&info);

  /* Reaped by gpidfd: NOT_FOUND, saying so, naming the pid. */
  record = fc_wait (pidfd);
  gpt_assert_signaled (record, pid, SIGKILL);
  g_assert_null (g_pidfd_query_info (pidfd, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_has (error, "ended and been reaped");
  fc_assert_message_names_pid (error, pid);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Reaped behind the library's back: the same. */
  pid = fc_spawn_gated (&gate, 4);
  g_clear_object (&pidfd);
  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  close (gate);
  fc_reap_exited (pid, 4);
  g_assert_null (g_pidfd_query_info (pidfd, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_has (error, "ended and been reaped");
  fc_assert_message_names_pid (error, pid);
}

/* query_info on a grandchild: its parent is the middle child. */
FC_FUNC void
fc_check_query_info_non_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  pid_t middle;
  pid_t grandchild = gpt_spawn_grandchild (0, 2000, 0, &middle);

  pidfd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, grandchild);
  g_assert_cmpint (g_pidfd_process_info_get_tgid (info), ==, grandchild);
  g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, middle);
  g_assert_true (g_pidfd_process_info_has_credentials (info));
  g_assert_cmpuint (g_pidfd_process_info_get_ruid (info), ==, getuid ());
  g_assert_cmpuint (g_pidfd_process_info_get_egid (info), ==, getegid ());

  /* Its parent reaps it: NOT_FOUND from then on. */
  g_assert_cmpint (kill (grandchild, SIGKILL), ==, 0);
  fc_reap_exited (middle, 0);
  g_clear_object (&info);
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_has (error, "reaped");
}

/* The peer of a unix socket, three ways: a child that connects to a
 * listening socket of ours; a socket pair a child made and handed over;
 * a socket pair made before a fork, whose peer is its creator. Then a
 * peer that has ended. */
static GSocket *
fc_socket_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return socket;
}

static void
fc_check_peer_is (GSocket *socket,
                  pid_t    pid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) peer = g_pidfd_new_from_socket_peer (socket, &error);
  g_autoptr(GPidFd) direct = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (peer);
  g_assert_cmpint (g_pidfd_get_pid (peer), ==, pid);
  direct = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_equal (peer, direct));
}

FC_FUNC void
fc_check_socket_peer (void)
{
  g_autoptr(GError) error = NULL;
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  socklen_t addr_len;
  int listener, conn, pair[2], back[2];
  pid_t pid;
  char c;

  /* 1. A child connects to our listening socket (abstract name). */
  listener = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (listener, >=, 0);
  g_assert_cmpint (bind (listener, (struct sockaddr *) &addr, sizeof (sa_family_t)), ==, 0);
  addr_len = sizeof addr;
  g_assert_cmpint (getsockname (listener, (struct sockaddr *) &addr, &addr_len), ==, 0);
  g_assert_cmpint (listen (listener, 1), ==, 0);
  fc_pipe (back);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (back[1]);
      if (s < 0 || connect (s, (struct sockaddr *) &addr, addr_len) != 0)
        _exit (99);
      /* Stay until the parent has looked. */
      while (read (back[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (back[0]);
  conn = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
  g_assert_cmpint (conn, >=, 0);
  close (listener);
  {
    g_autoptr(GSocket) socket = fc_socket_from_fd (conn);
    g_autoptr(GPidFd) peer = NULL;

    fc_check_peer_is (socket, pid);

    /* 4. The peer ends: NOT_FOUND, or its pidfd (it is still our
     * unreaped child); never another process. */
    close (back[1]);
    fc_reap_exited (pid, 0);
    peer = g_pidfd_new_from_socket_peer (socket, &error);
    if (peer != NULL)
      {
        g_assert_cmpint (g_pidfd_get_pid (peer), ==, -1);
        g_assert_true (g_pidfd_has_exited (peer));
      }
    else
      {
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
        g_test_message ("%s", error->message);
        g_clear_error (&error);
      }
  }

  /* 2. A socket pair made by a child, one end handed to us. */
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, back), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      char cbuf[CMSG_SPACE (sizeof (int))] = { 0, };
      char x = 'x';
      struct iovec iov = { .iov_base = &x, .iov_len = 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                            .msg_control = cbuf, .msg_controllen = sizeof cbuf };
      struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);
      int mine[2];

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (back[0]);
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mine) != 0)
        _exit (99);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &mine[1], sizeof (int));
      if (sendmsg (back[1], &msg, 0) != 1)
        _exit (98);
      close (mine[1]);
      while (read (back[1], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (back[1]);
  {
    char cbuf[CMSG_SPACE (sizeof (int))] = { 0, };
    struct iovec iov = { .iov_base = &c, .iov_len = 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    g_autoptr(GSocket) socket = NULL;
    int received;

    g_assert_cmpint (recvmsg (back[0], &msg, MSG_CMSG_CLOEXEC), ==, 1);
    g_assert_nonnull (CMSG_FIRSTHDR (&msg));
    memcpy (&received, CMSG_DATA (CMSG_FIRSTHDR (&msg)), sizeof (int));
    socket = fc_socket_from_fd (received);
    fc_check_peer_is (socket, pid);
    close (back[0]);
    fc_reap_exited (pid, 0);
  }

  /* 3. A socket pair made before a fork, the child holding the other
   * end: the peer is still the process that made the pair, not the one
   * that holds the end. */
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (pair[0]);
      /* Until the parent closes its end. */
      while (read (pair[1], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }
  close (pair[1]);
  {
    g_autoptr(GSocket) socket = fc_socket_from_fd (pair[0]);

    fc_check_peer_is (socket, getpid ());
  }
  fc_reap_exited (pid, 0);
}

/* A thread pidfd of a non-leader thread of a forked child, opened with
 * g_pidfd_new_from_pid_full (G_PIDFD_FLAGS_THREAD) or (@from_fd) adopted from a raw
 * pidfd_open (tid, PIDFD_THREAD). */
FC_FUNC void
fc_check_thread_pidfd (gboolean from_fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFd) process = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autoptr(GPidFdExitInfo) again = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  FcThreaded t;
  pid_t tid;
  guint timeout_id;

  fc_spawn_threaded (&t, 2, 0);
  tid = t.tids[1];
  g_assert_cmpint (tid, !=, t.pid);

  if (from_fd)
    {
      int raw = (int) syscall (SYS_pidfd_open, tid, O_EXCL);

      g_assert_cmpint (raw, >=, 0);
      thread = g_pidfd_new_from_fd (raw, &error);
      close (raw);
    }
  else
    thread = g_pidfd_new_from_pid_full (tid, G_PIDFD_FLAGS_THREAD, &error);
  g_assert_no_error (error);
  process = g_pidfd_new_from_pid (t.pid, &error);
  g_assert_no_error (error);

  g_assert_true (((g_pidfd_get_flags (thread) & G_PIDFD_FLAGS_THREAD) != 0));
  g_assert_true (g_pidfd_get_flags (thread) & G_PIDFD_FLAGS_THREAD);
  g_assert_false (((g_pidfd_get_flags (process) & G_PIDFD_FLAGS_THREAD) != 0));
  g_assert_cmpint (g_pidfd_get_pid (thread), ==, tid);
  g_assert_false (g_pidfd_is_child (thread));
  g_assert_false (g_pidfd_equal (thread, process));
  g_assert_false (g_pidfd_has_exited (thread));

  info = g_pidfd_query_info (thread, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, tid);
  g_assert_cmpint (g_pidfd_process_info_get_tgid (info), ==, t.pid);
  g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, getpid ());

  /* A non-leader thread id is not a process. */
  {
    g_autoptr(GPidFd) wrong = g_pidfd_new_from_pid (tid, &error);

    g_assert_null (wrong);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    fc_assert_message_names_pid (error, tid);
    g_clear_error (&error);
  }

  /* Nothing has ended: no record. */
  g_assert_null (g_pidfd_try_wait (thread, &error));
  g_assert_no_error (error);

  /* The thread ends, the process runs on. */
  fc_threaded_end_thread (&t, 1);
  timeout_id = g_timeout_add_seconds (10, fc_on_wait_timeout, cancellable);
  g_assert_true (g_pidfd_wait_exit (thread, cancellable, &error));
  g_assert_no_error (error);
  g_source_remove (timeout_id);
  g_assert_true (g_pidfd_has_exited (thread));
  g_assert_false (g_pidfd_has_exited (process));
  g_assert_false (fc_thread_alive (t.pid, tid));
  g_assert_true (fc_thread_alive (t.pid, t.tids[0]));
  g_assert_cmpint (kill (t.pid, 0), ==, 0);
  /* Still no record: a thread has no status of its own. */
  g_assert_null (g_pidfd_try_wait (thread, &error));
  g_assert_no_error (error);
  g_assert_false (g_pidfd_has_exited (process));

  /* The process ends: the thread's wait gives the process's real record,
   * reaping it (it is our child). */
  fc_threaded_exit (&t, 23);
  record = fc_wait (thread);
  gpt_assert_exited (record, t.pid, 23);
  g_assert_true (g_pidfd_exit_info_has_rusage (record));
  again = fc_wait (process);
  /* Another GPidFd of the process the thread's reaped: its status is
   * the kernel's after the reap (PIDFD_INFO_EXIT, Linux 6.15), unknown
   * before. */
  g_assert_true (again == record ||
                 (g_pidfd_exit_info_has_status (again) &&
                  g_pidfd_exit_info_get_exit_status (again) == 23) ||
                 (!gpidfd_sys_has_exit_info () &&
                  !g_pidfd_exit_info_has_status (again)));
  g_assert_cmpint (waitpid (t.pid, NULL, WNOHANG), ==, -1);
  g_assert_cmpint (errno, ==, ECHILD);
}

G_END_DECLS
