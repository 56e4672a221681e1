/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-scenarios.c: the kernel-feature scenarios that run both on the
 * running kernel and on older ones simulated with seccomp
 *
 * Forked children die with the thread that forked them
 * (PR_SET_PDEATHSIG), so that a failed test leaves nothing behind. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-syscall-private.h"
#include "gt-collect.h"
#include "gt-fds.h"
#include "gt-run.h"
#include "gt-scenarios.h"
#include "gt-spawn.h"

/* query_info on a child that holds distinct real, effective and saved
 * ids; @have_cgroup says whether the running kernel reports a cgroup id
 * (PIDFD_GET_INFO, Linux 6.13). */
void
gt_check_query_info_creds (gboolean have_cgroup)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  int ready[2];
  int gate;
  pid_t pid;
  char c;

  gt_pipe (ready);
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
  g_assert_true (gt_read_full (ready[0], &c, 1));
  close (ready[0]);
  gt_wait_proc_state (pid, "S");

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
  gt_wait_proc_state (pid, "T");
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_state (info), ==, G_PIDFD_PROCESS_STATE_STOPPED);
  g_clear_object (&info);

  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  gt_wait_proc_state (pid, "Z");
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, pid);
  g_assert_cmpint (g_pidfd_process_info_get_state (info), ==, G_PIDFD_PROCESS_STATE_ZOMBIE);
  g_clear_object (&info);

  /* Reaped by gpidfd: NOT_FOUND, saying so, naming the pid. */
  record = gt_wait (pidfd);
  gt_assert_signaled (record, pid, SIGKILL);
  g_assert_null (g_pidfd_query_info (pidfd, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gt_assert_message_has (error, "ended and been reaped");
  gt_assert_message_names_pid (error, pid);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Reaped behind the library's back: the same. */
  pid = gt_spawn_gated_alone (&gate, 4);
  g_clear_object (&pidfd);
  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  close (gate);
  gt_reap_exited (pid, 4);
  g_assert_null (g_pidfd_query_info (pidfd, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gt_assert_message_has (error, "ended and been reaped");
  gt_assert_message_names_pid (error, pid);
}

/* query_info on a grandchild: its parent is the middle child. */
void
gt_check_query_info_non_child (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  GtFamily family;
  pid_t grandchild;

  gt_family_spawn (&family, &(GtFamilySpec) { .does = GT_DOES_PAUSE, .middle = GT_MIDDLE_REAPS });
  grandchild = family.pid;
  pidfd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, grandchild);
  g_assert_cmpint (g_pidfd_process_info_get_tgid (info), ==, grandchild);
  g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, family.middle);
  g_assert_true (g_pidfd_process_info_has_credentials (info));
  g_assert_cmpuint (g_pidfd_process_info_get_ruid (info), ==, getuid ());
  g_assert_cmpuint (g_pidfd_process_info_get_egid (info), ==, getegid ());

  /* Its parent reaps it: NOT_FOUND from then on. */
  g_assert_cmpint (kill (grandchild, SIGKILL), ==, 0);
  gt_family_end (&family);
  g_clear_object (&info);
  info = g_pidfd_query_info (pidfd, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gt_assert_message_has (error, "reaped");
}

GSocket *
gt_socket_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return socket;
}

/* The peer of a unix socket, three ways: a child that connects to a
 * listening socket of ours; a socket pair a child made and handed over;
 * a socket pair made before a fork, whose peer is its creator. Then a
 * peer that has ended. */
static void
check_peer_is (GSocket *socket,
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

void
gt_check_socket_peer (void)
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
  gt_pipe (back);
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
    g_autoptr(GSocket) socket = gt_socket_from_fd (conn);
    g_autoptr(GPidFd) peer = NULL;

    check_peer_is (socket, pid);

    /* 4. The peer ends: NOT_FOUND, or its pidfd (it is still our
     * unreaped child); never another process. */
    close (back[1]);
    gt_reap_exited (pid, 0);
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
    socket = gt_socket_from_fd (received);
    check_peer_is (socket, pid);
    close (back[0]);
    gt_reap_exited (pid, 0);
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
    g_autoptr(GSocket) socket = gt_socket_from_fd (pair[0]);

    check_peer_is (socket, getpid ());
  }
  gt_reap_exited (pid, 0);
}

/* Ends a blocking wait that would hang: the test fails instead. */
static gboolean
on_wait_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/* A thread pidfd of a non-leader thread of a forked child, opened with
 * g_pidfd_new_from_pid_full (G_PIDFD_FLAGS_THREAD) or (@from_fd) adopted from a raw
 * pidfd_open (tid, PIDFD_THREAD). */
void
gt_check_thread_pidfd (gboolean from_fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFd) process = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autoptr(GPidFdExitInfo) again = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GtThreaded t;
  pid_t tid;
  guint timeout_id;

  gt_spawn_threaded (&t, 2, 0, GT_MIDDLE_NONE);
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
    gt_assert_message_names_pid (error, tid);
    g_clear_error (&error);
  }

  /* Nothing has ended: no record. */
  g_assert_null (g_pidfd_try_wait (thread, &error));
  g_assert_no_error (error);

  /* The thread ends, the process runs on. */
  gt_threaded_end_thread (&t, 1);
  timeout_id = g_timeout_add_seconds (10, on_wait_timeout, cancellable);
  g_assert_true (g_pidfd_wait_exit (thread, cancellable, &error));
  g_assert_no_error (error);
  g_source_remove (timeout_id);
  g_assert_true (g_pidfd_has_exited (thread));
  g_assert_false (g_pidfd_has_exited (process));
  g_assert_false (gt_thread_alive (t.pid, tid));
  g_assert_true (gt_thread_alive (t.pid, t.tids[0]));
  g_assert_cmpint (kill (t.pid, 0), ==, 0);
  /* Still no record: a thread has no status of its own. */
  g_assert_null (g_pidfd_try_wait (thread, &error));
  g_assert_no_error (error);
  g_assert_false (g_pidfd_has_exited (process));

  /* The process ends: the thread's wait gives the process's real record,
   * reaping it (it is our child). */
  gt_threaded_exit (&t, 23);
  record = gt_wait (thread);
  gt_assert_exited (record, t.pid, 23);
  g_assert_true (g_pidfd_exit_info_has_rusage (record));
  again = gt_wait (process);
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

static void
on_connection_made (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GDBusConnection **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = g_dbus_connection_new_finish (result, &error);
  g_assert_no_error (error);
}

void
gt_dbus_pair (GDBusConnection **server,
              GDBusConnection **client)
{
  g_autofree char *guid = g_dbus_generate_guid ();
  g_autoptr(GSocket) s0 = NULL;
  g_autoptr(GSocket) s1 = NULL;
  g_autoptr(GSocketConnection) c0 = NULL;
  g_autoptr(GSocketConnection) c1 = NULL;
  int pair[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  s0 = gt_socket_from_fd (pair[0]);
  s1 = gt_socket_from_fd (pair[1]);
  c0 = g_socket_connection_factory_create_connection (s0);
  c1 = g_socket_connection_factory_create_connection (s1);
  *server = *client = NULL;
  g_dbus_connection_new (G_IO_STREAM (c0), guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS,
                         NULL, NULL, on_connection_made, server);
  g_dbus_connection_new (G_IO_STREAM (c1), NULL,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                         NULL, NULL, on_connection_made, client);
  gt_run_until_set (NULL, server, 30);
  gt_run_until_set (NULL, client, 30);
  g_assert_true (g_dbus_connection_get_capabilities (*client) &
                 G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING);
}

void
gt_dbus_close (GDBusConnection *connection)
{
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_object_unref (connection);
}
