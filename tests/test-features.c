/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-features.c: what the kernel knows about a process, with real
 * processes: query_info, identity and handles, GSubprocess, socket and
 * D-Bus peers, thread pidfds, signal scopes, remote descriptors, and the
 * wait_exit / wait_check / force_exit family.
 *
 * Run as an ordinary user, the tests that need root (another pid
 * namespace, other uids) skip themselves saying so. */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixfdlist.h>

#include "gpidfd-syscall-private.h"
#include "features-common.h"
#include "test-utils.h"

/* The test program itself, for the D-Bus peer it runs as a helper. */
static char *self_exe;

static void on_wait_exit_done (GObject      *object,
                               GAsyncResult *result,
                               gpointer      user_data);

/* ---- query_info -------------------------------------------------------- */

static void
test_query_info_child (void)
{
  g_test_summary ("query_info on a live child: ids, the six credentials, "
                  "name and state, as properties too; NOT_FOUND, saying it "
                  "was reaped, after it has been reaped");
  if (getuid () != 0)
    {
      g_test_skip ("needs root to give the child distinct uids and gids");
      return;
    }
  fc_check_query_info_creds (gpidfd_sys_has_get_info ());
}

static void
test_query_info_non_child (void)
{
  g_test_summary ("query_info on a process that is not the caller's child");
  fc_check_query_info_non_child ();
}

static void
test_query_info_self_and_kernel (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) self = g_pidfd_new_from_pid (getpid (), &error);
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autofree char *comm = NULL;

  g_assert_no_error (error);
  info = g_pidfd_query_info (self, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, getpid ());
  g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, getppid ());
  g_assert_cmpuint (g_pidfd_process_info_get_euid (info), ==, geteuid ());
  g_assert_cmpint (g_pidfd_process_info_get_state (info), ==, G_PIDFD_PROCESS_STATE_RUNNING);
  g_assert_true (g_file_get_contents ("/proc/self/comm", &comm, NULL, NULL));
  g_assert_cmpstr (g_pidfd_process_info_get_name (info), ==, g_strchomp (comm));
  g_clear_object (&info);
  g_clear_object (&self);

  /* kthreadd, where this pid namespace shows it. */
  g_clear_pointer (&comm, g_free);
  if (!g_file_get_contents ("/proc/2/comm", &comm, NULL, NULL) ||
      !g_str_equal (g_strchomp (comm), "kthreadd"))
    {
      g_test_message ("no kthreadd at pid 2 here: kernel threads not checked");
      return;
    }
  self = g_pidfd_new_from_pid (2, &error);
  g_assert_no_error (error);
  info = g_pidfd_query_info (self, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_process_info_get_is_kernel_thread (info));
  g_assert_cmpstr (g_pidfd_process_info_get_name (info), ==, "kthreadd");
  g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, 0);
}

/* ---- Another pid namespace --------------------------------------------- */

/* Run as the first process of a new pid namespace: a process outside it
 * (the test program, through an inherited pidfd) has pid 0 here; and a
 * pid reused within the namespace (forced with ns_last_pid) never brings
 * back the old process. */
static void
namespace_checks (int outside_fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) outside = NULL;
  g_autoptr(GPidFd) me = NULL;
  g_autoptr(GPidFd) first = NULL;
  g_autoptr(GPidFd) first_again = NULL;
  g_autoptr(GPidFd) second = NULL;
  g_autoptr(GPidFd) reopened = NULL;
  g_autoptr(GPidFdProcessInfo) info = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autofree char *text = NULL;
  int gate;
  pid_t pid, reused = -1;

  g_assert_cmpint (getpid (), ==, 1);

  /* Outside: visible as pid 0, its details hidden, still a process. */
  outside = g_pidfd_new_from_fd (outside_fd, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_pid (outside), ==, 0);
  g_assert_false (g_pidfd_has_exited (outside));
  info = g_pidfd_query_info (outside, &error);
  if (!gpidfd_sys_has_get_info ())
    {
      /* Before Linux 6.13 only /proc could tell, and it is the outer
       * namespace's: nothing is said rather than another namespace's
       * details, and the error names what is missing. */
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (error->message, "PIDFD_GET_INFO"));
      g_assert_nonnull (strstr (error->message, "6.13"));
      g_assert_null (info);
      g_clear_error (&error);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, 0);
      g_assert_cmpint (g_pidfd_process_info_get_tgid (info), ==, 0);
      g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, 0);
      g_assert_false (g_pidfd_process_info_has_credentials (info));
      g_clear_object (&info);
    }

  /* The first process of the namespace: its parent is outside. */
  me = g_pidfd_new_from_pid (1, &error);
  g_assert_no_error (error);
  info = g_pidfd_query_info (me, &error);
  if (!gpidfd_sys_has_get_info ())
    {
      /* The outer /proc again: it cannot speak for this namespace. */
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (error->message, "6.13"));
      g_clear_error (&error);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, 1);
      g_assert_cmpint (g_pidfd_process_info_get_tgid (info), ==, 1);
      g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, 0);
      g_assert_true (g_pidfd_process_info_has_credentials (info));
    }

  /* A process, its handle, its end. */
  pid = fc_spawn_gated (&gate, 3);
  first = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  first_again = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  /* Without pidfs and with the outer /proc (Linux 6.1 here) nothing can
   * tell two pidfds of one process apart from two processes. */
  if (g_pidfd_get_id (first) != 0 || gpidfd_sys_has_get_info ())
    g_assert_true (g_pidfd_equal (first, first_again));
  text = g_pidfd_to_string (first);
  close (gate);
  record = fc_wait (first);
  gpt_assert_exited (record, pid, 3);

  /* The same pid again, forced. */
  for (guint attempt = 0; attempt < 10 && reused != pid; attempt++)
    {
      g_autofree char *last = g_strdup_printf ("%d", (int) pid - 1);
      int fd = open ("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);

      g_assert_cmpint (fd, >=, 0);
      g_assert_true (fc_write_full (fd, last, strlen (last)));
      close (fd);
      reused = fc_spawn_gated (&gate, 4);
      if (reused != pid)
        {
          close (gate);
          fc_reap_exited (reused, 4);
        }
    }
  g_assert_cmpint (reused, ==, pid);

  second = g_pidfd_new_from_pid (reused, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_equal (first, second));
  g_assert_false (g_pidfd_equal (first_again, second));
  reopened = g_pidfd_new_for_string (text, &error);
  g_assert_null (reopened);
  if (g_pidfd_get_id (first) != 0)
    {
      g_assert_cmpuint (g_pidfd_get_id (first), !=, g_pidfd_get_id (second));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      fc_assert_message_has (error, "reaped");
    }
  else
    {
      /* No pidfs (before Linux 6.9): no ids, and a handle says so. */
      g_assert_cmpuint (g_pidfd_get_id (second), ==, 0);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      fc_assert_message_has (error, "pidfs");
    }
  g_clear_error (&error);

  close (gate);
  g_clear_object (&record);
  record = fc_wait (second);
  gpt_assert_exited (record, reused, 4);
}

static void
test_other_namespace (void)
{
  int outside_fd, result[2], gate[2];
  pid_t middle, inner = 0;
  char ok = 0;

  g_test_summary ("A process outside the caller's pid namespace has pid 0 in "
                  "query_info; a pid reused in a namespace (ns_last_pid) never "
                  "reopens the old process; the namespace's first process "
                  "seen from outside");
  if (getuid () != 0)
    {
      g_test_skip ("needs root for unshare (CLONE_NEWPID) and ns_last_pid");
      return;
    }

  outside_fd = (int) syscall (SYS_pidfd_open, getpid (), 0);
  g_assert_cmpint (outside_fd, >=, 0);
  fc_pipe (result);
  fc_pipe (gate);
  middle = fork ();
  g_assert_cmpint (middle, >=, 0);
  if (middle == 0)
    {
      int status;
      pid_t first;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (unshare (CLONE_NEWPID) != 0)
        _exit (77);
      first = fork ();
      if (first < 0)
        _exit (76);
      if (first == 0)
        {
          char c;

          close (gate[1]);
          close (result[0]);
          namespace_checks (outside_fd);
          if (write (result[1], "k", 1) != 1)
            _exit (75);
          /* Stay for the outside view. */
          while (read (gate[0], &c, 1) < 0 && errno == EINTR)
            ;
          _exit (0);
        }
      if (write (result[1], &first, sizeof first) != sizeof first)
        _exit (74);
      close (result[1]);
      close (gate[0]);
      close (gate[1]);
      while (waitpid (first, &status, 0) < 0 && errno == EINTR)
        ;
      _exit (WIFEXITED (status) ? WEXITSTATUS (status) : 100 + WTERMSIG (status));
    }
  close (outside_fd);
  close (result[1]);
  close (gate[0]);

  if (!fc_read_full (result[0], &inner, sizeof inner))
    {
      int status = gpt_reap (middle);

      close (result[0]);
      close (gate[1]);
      if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
        {
          g_test_skip ("unshare (CLONE_NEWPID) is refused here");
          return;
        }
      g_error ("the namespace helper failed: wait status 0x%x", status);
    }

  if (!fc_read_full (result[0], &ok, 1))
    g_error ("the checks in the new pid namespace failed (wait status 0x%x); "
             "see the messages above", gpt_reap (middle));
  g_assert_cmpint (ok, ==, 'k');
  close (result[0]);

  /* From outside, the namespace's first process has its outer pid. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (inner, &error);
    g_autoptr(GPidFdProcessInfo) info = NULL;

    g_assert_no_error (error);
    info = g_pidfd_query_info (pidfd, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, inner);
    g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, middle);
    g_assert_false (g_pidfd_is_child (pidfd));
  }
  close (gate[1]);
  fc_reap_exited (middle, 0);
}

/* ---- Identity and handles ---------------------------------------------- */

static void
test_identity (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) a = NULL;
  g_autoptr(GPidFd) b = NULL;
  g_autoptr(GPidFd) other = NULL;
  g_autoptr(GPidFd) back = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autoptr(GHashTable) set = NULL;
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  struct stat st;
  int gate, gate2, raw;
  pid_t pid = fc_spawn_gated (&gate, 6);
  pid_t pid2 = fc_spawn_gated (&gate2, 0);

  g_test_summary ("Two GPidFd opened separately on one process are equal and "
                  "hash alike; different processes are not; to_string and "
                  "new_for_string round trip; NOT_FOUND once reaped");

  a = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  raw = (int) syscall (SYS_pidfd_open, pid, 0);
  g_assert_cmpint (raw, >=, 0);
  b = g_pidfd_new_from_fd (raw, &error);
  g_assert_no_error (error);
  close (raw);
  other = g_pidfd_new_from_pid (pid2, &error);
  g_assert_no_error (error);

  if (g_pidfd_get_id (a) == 0)
    {
      /* Before Linux 6.9: no pidfs, no ids (what is said then is checked
       * by robust-test-features-oldkernel's no-pidfs row). */
      close (gate);
      close (gate2);
      fc_reap_exited (pid, 6);
      fc_reap_exited (pid2, 0);
      g_test_skip ("the kernel has no pidfs (Linux 6.9): processes have no ids");
      return;
    }

  /* The id is the pidfs inode, the same for every pidfd of the process. */
  g_assert_cmpint (fstat (g_pidfd_get_fd (a), &st), ==, 0);
  g_assert_cmpuint (g_pidfd_get_id (a), !=, 0);
  g_assert_cmpuint (g_pidfd_get_id (a), ==, (guint64) st.st_ino);
  g_assert_cmpuint (g_pidfd_get_id (a), ==, g_pidfd_get_id (b));
  g_assert_cmpuint (g_pidfd_get_id (a), !=, g_pidfd_get_id (other));
  g_assert_true (a != b);
  g_assert_true (g_pidfd_equal (a, b));
  g_assert_true (g_pidfd_equal (b, a));
  g_assert_true (g_pidfd_equal (a, a));
  g_assert_cmpuint (g_pidfd_hash (a), ==, g_pidfd_hash (b));
  g_assert_false (g_pidfd_equal (a, other));

  set = g_hash_table_new (g_pidfd_hash, (GEqualFunc) g_pidfd_equal);
  g_assert_true (g_hash_table_add (set, a));
  g_assert_false (g_hash_table_add (set, b));
  g_assert_true (g_hash_table_add (set, other));
  g_assert_cmpuint (g_hash_table_size (set), ==, 2);
  g_assert_true (g_hash_table_contains (set, b));

  /* The text: "PID:ID", and back to the same process. */
  text = g_pidfd_to_string (a);
  expected = g_strdup_printf ("%d:%" G_GUINT64_FORMAT, (int) pid, g_pidfd_get_id (a));
  g_assert_cmpstr (text, ==, expected);
  back = g_pidfd_new_for_string (text, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_equal (back, a));
  g_assert_cmpint (g_pidfd_get_pid (back), ==, pid);
  g_clear_object (&back);

  /* Still the same while a zombie. */
  close (gate);
  g_assert_true (g_pidfd_wait_exit (a, NULL, &error));
  g_assert_no_error (error);
  back = g_pidfd_new_for_string (text, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_equal (back, a));
  g_clear_object (&back);

  /* Reaped: NOT_FOUND; still equal to itself and its twin. */
  record = fc_wait (a);
  gpt_assert_exited (record, pid, 6);
  back = g_pidfd_new_for_string (text, &error);
  g_assert_null (back);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_has (error, "reaped");
  fc_assert_message_has (error, text);
  g_clear_error (&error);
  g_assert_true (g_pidfd_equal (a, b));
  g_assert_cmpuint (g_pidfd_hash (a), ==, g_pidfd_hash (b));

  /* Another process's id under this pid: NOT_FOUND, not that process. */
  {
    g_autofree char *forged = g_strdup_printf ("%d:%" G_GUINT64_FORMAT, (int) pid2,
                                               g_pidfd_get_id (a));

    g_assert_null (g_pidfd_new_for_string (forged, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* No id: refused as made without pidfs. */
  {
    g_autofree char *no_id = g_strdup_printf ("%d:0", (int) pid2);

    g_assert_null (g_pidfd_new_for_string (no_id, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    fc_assert_message_has (error, "6.9");
    g_clear_error (&error);
  }

  g_hash_table_remove_all (set);
  close (gate2);
  fc_reap_exited (pid2, 0);
}

static const char * const garbage_handles[] = {
  "", ":", "::", "1", "1:", ":1", "abc", "abc:1", "1:abc", "-1:5", "0:5",
  "+1:5", "1:+5", "1:2:3", " 1:2", "1:2 ", "1 :2", "1: 2", "1.5:2", "1:2.5",
  "0x10:1", "1:0x10", "1:-1", "2147483648:1", "99999999999:1",
  "1:18446744073709551616", "1:2\n", "\xff:1",
};

static void
test_handle_garbage (gconstpointer data)
{
  const char *text = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = g_pidfd_new_for_string (text, &error);

  g_assert_null (pidfd);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* One cheap fork (vfork: no copy of the address space): a child that
 * exits at once, unless it got @target; that one runs a shell that stays
 * until @gate_rd reads EOF, then exits 7. */
static G_GNUC_NO_INLINE pid_t
spin_one_pid (pid_t target,
              int   gate_rd)
{
  pid_t child = vfork ();

  if (child == 0)
    {
      if (getpid () != target)
        _exit (0);
      dup2 (gate_rd, 0);
      execl ("/bin/sh", "sh", "-c", "read x; exit 7", (char *) NULL);
      _exit (127);
    }

  return child;
}

/* A later process that got the same pid, in this pid namespace: forks
 * until one does. */
static void
test_identity_reused_pid (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) first = NULL;
  g_autoptr(GPidFd) second = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autofree char *text = NULL;
  g_autofree char *pid_max_text = NULL;
  guint64 pid_max = 0;
  gint64 deadline;
  guint forks = 0;
  int gate[2];
  pid_t pid, reused = -1;

  g_test_summary ("A process and a later one that got the same pid are not "
                  "equal; the first one's handle gives NOT_FOUND, never the "
                  "second one");
  if (gpt_skip_under_valgrind ("tens of thousands of forks"))
    return;
  {
    g_autoptr(GPidFd) self = g_pidfd_new_from_pid (getpid (), &error);

    g_assert_no_error (error);
    if (g_pidfd_get_id (self) == 0)
      {
        g_test_skip ("the kernel has no pidfs (Linux 6.9): processes have no ids");
        return;
      }
  }
  if (!g_file_get_contents ("/proc/sys/kernel/pid_max", &pid_max_text, NULL, NULL) ||
      !g_ascii_string_to_unsigned (g_strstrip (pid_max_text), 10, 1, G_MAXINT, &pid_max, NULL))
    {
      g_test_skip ("cannot read /proc/sys/kernel/pid_max");
      return;
    }
  if (pid_max > 131072)
    {
      g_test_skip_printf ("pid_max is %" G_GUINT64_FORMAT ": spinning through every "
                          "pid would take too long (the pid-namespace test forces "
                          "the reuse instead)", pid_max);
      return;
    }

  pid = gpt_spawn_exit (0, 0);
  first = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  text = g_pidfd_to_string (first);
  record = fc_wait (first);
  gpt_assert_exited (record, pid, 0);

  fc_pipe (gate);
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (reused != pid)
    {
      pid_t child;

      if (forks % 1024 == 0 && g_get_monotonic_time () > deadline)
        {
          close (gate[0]);
          close (gate[1]);
          g_test_skip_printf ("pid %d was not reused within %u forks and 120 s "
                              "(other processes keep taking it)", (int) pid, forks);
          return;
        }
      child = spin_one_pid (pid, gate[0]);
      g_assert_cmpint (child, >=, 0);
      forks++;
      if (child != pid)
        gpt_reap (child);
      reused = child;
    }
  close (gate[0]);
  g_test_message ("pid %d reused after %u forks", (int) pid, forks);

  second = g_pidfd_new_from_pid (reused, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_equal (first, second));
  g_assert_cmpuint (g_pidfd_get_id (first), !=, g_pidfd_get_id (second));
  g_assert_cmpint (g_pidfd_get_pid (first), ==, -1);
  g_assert_null (g_pidfd_new_for_string (text, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_has (error, "reaped");
  g_test_message ("%s", error->message);

  close (gate[1]);
  g_clear_object (&record);
  record = fc_wait (second);
  gpt_assert_exited (record, reused, 7);
}

/* ---- GSubprocess -------------------------------------------------------- */

static void
test_subprocess_loop (void)
{
  guint n = 200, n_adopted = 0;

  g_test_summary ("A GSubprocess that exits at once, adopted right after "
                  "spawning, 200 times: never a wrong process, never a lost "
                  "status; GSubprocess and gpidfd agree on it");

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSubprocess) subprocess = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      g_autofree char *script = NULL;
      int code = (i % 3 == 0) ? 0 : (int) (i % 250) + 1;

      if (code == 0)
        subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL);
      else
        {
          script = g_strdup_printf ("exit %d", code);
          subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                                         "sh", "-c", script, NULL);
        }
      g_assert_no_error (error);

      pidfd = g_pidfd_new_from_subprocess (subprocess, &error);
      if (pidfd == NULL)
        {
          /* Already reaped by the GSubprocess: it has the status. */
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
          g_clear_error (&error);
        }
      else
        {
          g_autoptr(GPidFdExitInfo) record = NULL;
          GPid opened = g_pidfd_get_pid (pidfd);
          const char *identifier = g_subprocess_get_identifier (subprocess);

          n_adopted++;
          g_assert_no_error (error);
          g_assert_true (g_pidfd_get_flags (pidfd) & G_PIDFD_FLAGS_NO_REAP);
          if (identifier != NULL && opened > 0)
            g_assert_cmpint (opened, ==, atoi (identifier));
          record = fc_wait (pidfd);
          if (g_pidfd_exit_info_has_status (record))
            {
              g_assert_true (g_pidfd_exit_info_get_if_exited (record));
              g_assert_cmpint (g_pidfd_exit_info_get_exit_status (record), ==, code);
            }
          else
            {
              /* Reaped by the GSubprocess before gpidfd looked, on a
               * kernel without PIDFD_INFO_EXIT. */
              g_assert_false (gpidfd_sys_has_exit_info ());
            }
        }

      g_assert_true (g_subprocess_wait (subprocess, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (subprocess));
      g_assert_cmpint (g_subprocess_get_exit_status (subprocess), ==, code);
    }

  g_test_message ("%u of %u adopted before GSubprocess reaped them", n_adopted, n);
}

static void
test_subprocess_running (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;

  g_test_summary ("A running GSubprocess: the pidfd signals it and sees its "
                  "end; the GSubprocess still reaps it and keeps its status");

  subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "30", NULL);
  g_assert_no_error (error);
  pidfd = g_pidfd_new_from_subprocess (subprocess, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, atoi (g_subprocess_get_identifier (subprocess)));
  if (g_getenv ("GPIDFD_UNDER_VALGRIND") != NULL)
    {
      /* valgrind does not know pidfd_send_signal(), and a process that
       * someone else reaps has no kill() fallback. */
      g_subprocess_force_exit (subprocess);
    }
  else
    {
      g_assert_true (g_pidfd_force_exit (pidfd, &error));
      g_assert_no_error (error);
    }
  record = fc_wait (pidfd);
  /* GIO's worker thread reaps it, maybe before the pidfd's WNOWAIT look:
   * then only the kernel can tell (PIDFD_INFO_EXIT, Linux 6.15), and
   * before 6.15 the status is unknown, never made up. */
  if (g_pidfd_exit_info_has_status (record) || gpidfd_sys_has_exit_info ())
    gpt_assert_signaled (record, g_pidfd_exit_info_get_pid (record), SIGKILL);
  else
    g_test_message ("GIO reaped it first; no PIDFD_INFO_EXIT: status unknown");
  g_assert_true (g_subprocess_wait (subprocess, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (subprocess));
  g_assert_cmpint (g_subprocess_get_term_sig (subprocess), ==, SIGKILL);

  /* Once reaped by the GSubprocess: NOT_FOUND, saying so. */
  g_clear_object (&pidfd);
  pidfd = g_pidfd_new_from_subprocess (subprocess, &error);
  g_assert_null (pidfd);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_has (error, "reaped");
}

/* ---- Socket peers ------------------------------------------------------- */

static void
test_socket_peer (void)
{
  g_test_summary ("The process at the other end of a unix socket, across a fork");
  fc_check_socket_peer ();
}

/* The documented error for a socket that has no peer process to give:
 * INVALID_ARGUMENT "when @socket is not a connected unix socket". */
static void
test_socket_peer_not_connected (void)
{
  static const struct
  {
    const char *what;
    int family;
    int type;
  } rows[] = {
    { "an unconnected unix stream socket", AF_UNIX, SOCK_STREAM },
    { "an unbound unix datagram socket", AF_UNIX, SOCK_DGRAM },
    { "an IPv4 UDP socket", AF_INET, SOCK_DGRAM },
  };
  GString *wrong = g_string_new (NULL);

  g_test_summary ("new_from_socket_peer on a socket that is not a connected "
                  "unix socket: INVALID_ARGUMENT, as documented");

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) gsocket = NULL;
      g_autoptr(GPidFd) peer = NULL;
      int fd = socket (rows[i].family, rows[i].type | SOCK_CLOEXEC, 0);

      g_assert_cmpint (fd, >=, 0);
      gsocket = fc_socket_from_fd (fd);
      peer = g_pidfd_new_from_socket_peer (gsocket, &error);
      g_assert_null (peer);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", rows[i].what, error->message);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
        g_string_append_printf (wrong, "%s%s gives %s code %d (\"%s\")",
                                wrong->len > 0 ? "; " : "", rows[i].what,
                                g_quark_to_string (error->domain), error->code,
                                error->message);
    }

  if (wrong->len > 0)
    g_test_fail_printf ("not INVALID_ARGUMENT: %s", wrong->str);
  g_string_free (wrong, TRUE);
}

/* A seccomp filter, without libseccomp: getsockopt (..., SO_PEERPIDFD, ...)
 * fails with @errsv, as before Linux 6.5 (ENOPROTOOPT) or in a sandbox. */
static void
block_so_peerpidfd (int errsv)
{
  struct sock_filter filter[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_getsockopt, 1, 0),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, args[2])),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, SO_PEERPIDFD, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (errsv & SECCOMP_RET_DATA)),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { .len = G_N_ELEMENTS (filter), .filter = filter };
  int pair[2], pidfd = -1;
  socklen_t len = sizeof pidfd;

  g_assert_cmpint (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), ==, 0);
  g_assert_cmpint (prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog), ==, 0);

  /* The filter does what it says. */
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  g_assert_cmpint (getsockopt (pair[0], SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len), ==, -1);
  g_assert_cmpint (errno, ==, errsv);
  close (pair[0]);
  close (pair[1]);
}

static void
test_socket_peer_fallback (gconstpointer data)
{
  int errsv = GPOINTER_TO_INT (data);

  if (g_test_subprocess ())
    {
      block_so_peerpidfd (errsv);
      fc_check_socket_peer ();
      return;
    }

  g_test_summary ("SO_PEERPIDFD blocked (ENOPROTOOPT as before Linux 6.5, or "
                  "EPERM from a sandbox): SO_PEERCRED and pidfd_open, checked, "
                  "give the same processes");
  if (gpt_skip_under_valgrind ("a seccomp filter under valgrind filters valgrind"))
    return;
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* ---- D-Bus senders ------------------------------------------------------ */

/* The helper: a second program on the bus. Prints its unique name, then
 * exits with the number on its first input line ("exit N"), or 0 at EOF. */
static int
run_dbus_peer (const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  char line[64] = "";
  int code = 0;

  connection = g_dbus_connection_new_for_address_sync (address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  if (connection == NULL)
    {
      g_printerr ("dbus peer: %s\n", error->message);
      return 99;
    }
  printf ("%s\n", g_dbus_connection_get_unique_name (connection));
  fflush (stdout);
  if (fgets (line, sizeof line, stdin) != NULL)
    sscanf (line, "exit %d", &code);
  g_dbus_connection_close_sync (connection, NULL, NULL);

  return code;
}

typedef struct
{
  GSubprocess *daemon;
  char *address;
  GDBusConnection *connection;
} TestBus;

static void
test_bus_start (TestBus *bus)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;

  bus->daemon = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                  "dbus-daemon", "--session", "--print-address", "--nofork",
                                  NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (bus->daemon));
  bus->address = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (bus->address);
  bus->connection = g_dbus_connection_new_for_address_sync (bus->address,
                                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                            G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                            NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
test_bus_stop (TestBus *bus)
{
  g_autoptr(GError) error = NULL;

  g_dbus_connection_close_sync (bus->connection, NULL, NULL);
  g_clear_object (&bus->connection);
  g_subprocess_force_exit (bus->daemon);
  g_subprocess_wait (bus->daemon, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&bus->daemon);
  g_clear_pointer (&bus->address, g_free);
}

typedef struct
{
  GPidFd *pidfd;
  GError *error;
  gboolean done;
} SenderResult;

static void
on_sender_resolved (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SenderResult *r = user_data;

  g_assert_null (object);
  r->pidfd = g_pidfd_new_for_dbus_sender_finish (result, &r->error);
  g_assert_true ((r->pidfd == NULL) != (r->error == NULL));
  r->done = TRUE;
}

/* Resolves @sender on @connection; returns the pidfd, or NULL with @error. */
static GPidFd *
resolve_sender (GDBusConnection  *connection,
                const char       *sender,
                GError          **error)
{
  SenderResult r = { NULL, };

  g_pidfd_new_for_dbus_sender_async (connection, sender, NULL, on_sender_resolved, &r);
  gpt_run_until (NULL, &r.done, 30);
  if (r.error != NULL)
    g_propagate_error (error, r.error);

  return r.pidfd;
}

static void
on_name_owner_changed (GDBusConnection *connection,
                       const char      *sender_name,
                       const char      *object_path,
                       const char      *interface_name,
                       const char      *signal_name,
                       GVariant        *parameters,
                       gpointer         user_data)
{
  const char *new_owner;

  g_variant_get (parameters, "(&s&s&s)", NULL, NULL, &new_owner);
  if (*new_owner == '\0')
    *(gboolean *) user_data = TRUE;
}

/* Starts the helper on @address; its stdin is *ctl, its unique name is
 * returned. */
static char *
spawn_dbus_peer (const char *address,
                 GPid       *pid,
                 int        *ctl)
{
  g_autoptr(GError) error = NULL;
  const char *argv[] = { self_exe, "--dbus-peer", address, NULL };
  GString *name = g_string_new (NULL);
  int out;
  char c;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES,
                                           NULL, NULL, pid, ctl, &out, NULL, &error));
  g_assert_no_error (error);
  while (fc_read_full (out, &c, 1) && c != '\n')
    g_string_append_c (name, c);
  close (out);
  g_assert_true (g_dbus_is_unique_name (name->str));

  return g_string_free (name, FALSE);
}

static void
test_dbus_sender (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) me = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autofree char *sender = NULL;
  g_autofree char *daemon_path = NULL;
  TestBus bus = { NULL, };
  gboolean left = FALSE;
  guint subscription;
  GPid pid;
  int ctl;

  g_test_summary ("A D-Bus peer on a real dbus-daemon (ProcessID, verified "
                  "again with the bus): its process; NOT_FOUND once it has "
                  "left; the record of its exit is right");
  daemon_path = g_find_program_in_path ("dbus-daemon");
  if (daemon_path == NULL)
    {
      g_test_skip ("dbus-daemon is not installed");
      return;
    }

  test_bus_start (&bus);

  /* Ourselves. */
  me = resolve_sender (bus.connection, g_dbus_connection_get_unique_name (bus.connection), &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_pid (me), ==, getpid ());

  /* Another program. */
  sender = spawn_dbus_peer (bus.address, &pid, &ctl);
  pidfd = resolve_sender (bus.connection, sender, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
  g_assert_true (g_pidfd_is_child (pidfd));
  g_assert_false (g_pidfd_has_exited (pidfd));

  /* It leaves with status 5: the record says so, and the bus forgets it. */
  subscription = g_dbus_connection_signal_subscribe (bus.connection, "org.freedesktop.DBus",
                                                     "org.freedesktop.DBus", "NameOwnerChanged",
                                                     "/org/freedesktop/DBus", sender,
                                                     G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_name_owner_changed, &left, NULL);
  /* The match rule goes to the bus asynchronously: a round trip makes
   * sure the bus has it before the peer leaves (the bus does not order
   * the messages of two connections). */
  g_variant_unref (g_dbus_connection_call_sync (bus.connection, "org.freedesktop.DBus",
                                                "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                "GetId", NULL, NULL, G_DBUS_CALL_FLAGS_NONE,
                                                -1, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (fc_write_full (ctl, "exit 5\n", 7));
  close (ctl);
  record = fc_wait (pidfd);
  gpt_assert_exited (record, pid, 5);
  gpt_run_until (NULL, &left, 30);
  g_dbus_connection_signal_unsubscribe (bus.connection, subscription);

  g_clear_object (&pidfd);
  pidfd = resolve_sender (bus.connection, sender, &error);
  g_assert_null (pidfd);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_has (error, sender);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Never on the bus; not a unique name. */
  pidfd = resolve_sender (bus.connection, ":1.987654", &error);
  g_assert_null (pidfd);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  pidfd = resolve_sender (bus.connection, "org.freedesktop.DBus", &error);
  g_assert_null (pidfd);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  test_bus_stop (&bus);
}

/* A fake bus: a peer-to-peer connection whose other end answers
 * GetConnectionCredentials from a table, as dbus-broker (ProcessFD) or an
 * old or broken bus would. */
typedef struct
{
  const char *name;
  int process_fd;       /* -1: no ProcessFD */
  gint32 handle;        /* the handle sent for it */
  guint32 pid;          /* 0: no ProcessID */
  guint32 recheck_pid;  /* the ProcessID from the second call on */
  const char *error;    /* a D-Bus error to answer instead */
  guint calls;
} FakeCreds;

static const char fake_bus_xml[] =
  "<node>"
  "  <interface name='org.freedesktop.DBus'>"
  "    <method name='GetConnectionCredentials'>"
  "      <arg type='s' direction='in'/>"
  "      <arg type='a{sv}' direction='out'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static void
fake_bus_method_call (GDBusConnection       *connection,
                      const char            *sender,
                      const char            *object_path,
                      const char            *interface_name,
                      const char            *method_name,
                      GVariant              *parameters,
                      GDBusMethodInvocation *invocation,
                      gpointer               user_data)
{
  GPtrArray *table = user_data;
  g_autoptr(GUnixFDList) fds = NULL;
  GVariantBuilder builder;
  const char *name;

  g_assert_cmpstr (method_name, ==, "GetConnectionCredentials");
  g_variant_get (parameters, "(&s)", &name);
  for (guint i = 0; i < table->len; i++)
    {
      FakeCreds *creds = table->pdata[i];

      if (!g_str_equal (creds->name, name))
        continue;
      creds->calls++;
      if (creds->error != NULL)
        {
          g_dbus_method_invocation_return_dbus_error (invocation, creds->error,
                                                      "The fake bus refuses");
          return;
        }
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&builder, "{sv}", "UnixUserID", g_variant_new_uint32 (getuid ()));
      if (creds->process_fd >= 0)
        {
          g_autoptr(GError) error = NULL;

          fds = g_unix_fd_list_new ();
          g_assert_cmpint (g_unix_fd_list_append (fds, creds->process_fd, &error), ==, 0);
          g_assert_no_error (error);
          g_variant_builder_add (&builder, "{sv}", "ProcessFD", g_variant_new_handle (creds->handle));
        }
      if (creds->pid != 0)
        g_variant_builder_add (&builder, "{sv}", "ProcessID",
                               g_variant_new_uint32 (creds->calls > 1 ? creds->recheck_pid : creds->pid));
      g_dbus_method_invocation_return_value_with_unix_fd_list (invocation,
                                                               g_variant_new ("(a{sv})", &builder),
                                                               fds);
      return;
    }

  g_dbus_method_invocation_return_dbus_error (invocation,
                                              "org.freedesktop.DBus.Error.NameHasNoOwner",
                                              "No such name");
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

/* Both ends of a peer-to-peer D-Bus connection over a socket pair. */
static void
fake_bus_connect (GDBusConnection **server,
                  GDBusConnection **client)
{
  g_autofree char *guid = g_dbus_generate_guid ();
  g_autoptr(GSocket) s0 = NULL;
  g_autoptr(GSocket) s1 = NULL;
  g_autoptr(GSocketConnection) c0 = NULL;
  g_autoptr(GSocketConnection) c1 = NULL;
  int pair[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
  s0 = fc_socket_from_fd (pair[0]);
  s1 = fc_socket_from_fd (pair[1]);
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
  gpt_run_until_set (NULL, server, 30);
  gpt_run_until_set (NULL, client, 30);
  g_assert_true (g_dbus_connection_get_capabilities (*client) &
                 G_DBUS_CAPABILITY_FLAGS_UNIX_FD_PASSING);
}

static void
fake_bus_close (GDBusConnection *connection)
{
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_object_unref (connection);
}

static void
test_dbus_fake_bus (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (fake_bus_xml, &error);
  GDBusInterfaceVTable vtable = { fake_bus_method_call, NULL, NULL, { 0 } };
  GDBusConnection *server, *client;
  g_autoptr(GPtrArray) table = g_ptr_array_new ();
  int gate_a, gate_c, gate_b, not_pidfd[2];
  pid_t a = fc_spawn_gated (&gate_a, 9);
  pid_t b = fc_spawn_gated (&gate_b, 0);
  pid_t c = fc_spawn_gated (&gate_c, 0);
  pid_t gone = gpt_spawn_exit (0, 0);
  int a_fd = (int) syscall (SYS_pidfd_open, a, 0);
  guint registration;
  FakeCreds rows[] = {
    /* ProcessFD wins over a ProcessID that disagrees. */
    { ":1.10", a_fd, 0, b, b, NULL, 0 },
    /* ProcessID only, the same twice: that process. */
    { ":1.11", -1, 0, c, c, NULL, 0 },
    /* ProcessID that changed between the two answers: NOT_FOUND. */
    { ":1.12", -1, 0, c, b, NULL, 0 },
    /* Neither: NOT_SUPPORTED. */
    { ":1.13", -1, 0, 0, 0, NULL, 0 },
    /* The process has ended: NOT_FOUND. */
    { ":1.14", -1, 0, gone, gone, NULL, 0 },
    /* A bus error: FAILED, with the bus's message. */
    { ":1.15", -1, 0, 0, 0, "org.freedesktop.DBus.Error.AccessDenied", 0 },
    /* A ProcessFD handle out of range: the ProcessID, verified. */
    { ":1.16", a_fd, 5, c, c, NULL, 0 },
    /* A ProcessFD that is no pidfd. */
    { ":1.17", -1, 0, 0, 0, NULL, 0 },
  };

  g_test_summary ("A bus that gives ProcessFD (a fake one, like dbus-broker), "
                  "and the ProcessID path's checks against a bus that changes "
                  "its answer, gives nothing, or fails");

  g_assert_no_error (error);
  g_assert_cmpint (a_fd, >=, 0);
  fc_reap_exited (gone, 0);
  fc_pipe (not_pidfd);
  rows[7].process_fd = not_pidfd[0];
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_ptr_array_add (table, &rows[i]);

  fake_bus_connect (&server, &client);
  registration = g_dbus_connection_register_object (server, "/org/freedesktop/DBus",
                                                    node->interfaces[0], &vtable,
                                                    table, NULL, &error);
  g_assert_no_error (error);

  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.10", &error);
    g_autoptr(GPidFdExitInfo) record = NULL;

    g_assert_no_error (error);
    g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, a);
    g_assert_cmpuint (rows[0].calls, ==, 1);
    /* The record of the sender's exit. */
    close (gate_a);
    record = fc_wait (pidfd);
    gpt_assert_exited (record, a, 9);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.11", &error);

    g_assert_no_error (error);
    g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, c);
    g_assert_cmpuint (rows[1].calls, ==, 2);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.12", &error);

    g_assert_null (pidfd);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    fc_assert_message_has (error, ":1.12");
    g_clear_error (&error);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.13", &error);

    g_assert_null (pidfd);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_clear_error (&error);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.14", &error);

    g_assert_null (pidfd);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.15", &error);

    g_assert_null (pidfd);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
    fc_assert_message_has (error, "The fake bus refuses");
    fc_assert_message_has (error, ":1.15");
    g_clear_error (&error);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.16", &error);

    g_assert_no_error (error);
    g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, c);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.17", &error);

    g_assert_null (pidfd);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  {
    g_autoptr(GPidFd) pidfd = resolve_sender (client, ":1.99", &error);

    g_assert_null (pidfd);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  g_dbus_connection_unregister_object (server, registration);
  fake_bus_close (client);
  fake_bus_close (server);
  close (a_fd);
  close (not_pidfd[0]);
  close (not_pidfd[1]);
  close (gate_b);
  close (gate_c);
  fc_reap_exited (b, 0);
  fc_reap_exited (c, 0);
}

/* ---- Threads ------------------------------------------------------------ */

static void
test_thread (void)
{
  g_test_summary ("new_from_pid_full (THREAD) of a non-leader thread: the THREAD flag, "
                  "get_pid is the tid, has_exited and wait_exit track the "
                  "thread while the process runs on, wait gives the process's "
                  "record");
  fc_check_thread_pidfd (FALSE);
}

static void
test_thread_from_fd (void)
{
  g_test_summary ("g_pidfd_new_from_fd of a PIDFD_THREAD pidfd behaves as "
                  "new_from_pid_full (THREAD)");
  fc_check_thread_pidfd (TRUE);
}

static void
on_record_done (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(GPidFdExitInfo **) user_data = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  g_assert_no_error (error);
}

static void
test_thread_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  FcThreaded t;
  gboolean exited = FALSE;

  g_test_summary ("wait_exit_async on a thread pidfd completes when the thread "
                  "ends while its process runs on; wait_async then gives the "
                  "process's record");
  fc_spawn_threaded (&t, 1, 0);
  thread = g_pidfd_new_from_pid_full (t.tids[0], G_PIDFD_FLAGS_THREAD, &error);
  g_assert_no_error (error);
  g_pidfd_wait_exit_async (thread, NULL, on_wait_exit_done, &exited);
  g_pidfd_wait_async (thread, NULL, on_record_done, &record);
  g_usleep (20000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (exited);

  fc_threaded_end_thread (&t, 0);
  gpt_run_until (NULL, &exited, 10);
  g_assert_false (fc_thread_alive (t.pid, t.tids[0]));
  g_assert_cmpint (kill (t.pid, 0), ==, 0);
  g_usleep (20000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (record);

  fc_threaded_exit (&t, 31);
  gpt_run_until_set (NULL, &record, 10);
  gpt_assert_exited (record, t.pid, 31);
}

/* A thread's handle: to_string promises a text that new_for_string turns
 * back into the same (here: thread), or NOT_FOUND once it has ended. */
static void
test_thread_handle (void)
{
  GString *wrong = g_string_new (NULL);
  FcThreaded t;

  g_test_summary ("to_string and new_for_string round trip for a thread "
                  "GPidFd, of a non-leader thread and of a main thread");

  fc_spawn_threaded (&t, 1, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      pid_t tid = i == 0 ? t.tids[0] : t.pid;
      g_autoptr(GPidFd) thread = g_pidfd_new_from_pid_full (tid, G_PIDFD_FLAGS_THREAD, &error);
      g_autoptr(GPidFd) back = NULL;
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      text = g_pidfd_to_string (thread);
      back = g_pidfd_new_for_string (text, &error);
      if (back == NULL)
        g_string_append_printf (wrong, "%sthread %d (%s): \"%s\" gives \"%s\" although "
                                "the thread is alive", wrong->len > 0 ? "; " : "",
                                (int) tid, i == 0 ? "not the main one" : "the main one",
                                text, error->message);
      else if (!g_pidfd_equal (back, thread))
        g_string_append_printf (wrong, "%sthread %d (%s): \"%s\" gives a GPidFd that is "
                                "not equal to it (is_thread %d)", wrong->len > 0 ? "; " : "",
                                (int) tid, i == 0 ? "not the main one" : "the main one",
                                text, ((g_pidfd_get_flags (back) & G_PIDFD_FLAGS_THREAD) != 0));
    }
  fc_threaded_exit (&t, 0);
  fc_reap_exited (t.pid, 0);

  if (wrong->len > 0)
    g_test_fail_printf ("%s", wrong->str);
  g_string_free (wrong, TRUE);
}

/* ---- Signal scopes ------------------------------------------------------ */

static pid_t
spawn_in_group (pid_t pgid)
{
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (setpgid (0, pgid) != 0)
        _exit (99);
      for (;;)
        pause ();
    }
  /* Both sides set it, so that it is set whoever runs first. */
  setpgid (pid, pgid == 0 ? pid : pgid);

  return pid;
}

/* Three processes in one group (@through: the one whose pidfd carries the
 * signal, 0 being the leader) and a bystander in another group: the
 * signal reaches the three, each dies by it, the bystander lives on.
 * Returns FALSE, with @error set, if the signal could not be sent. */
static gboolean
signal_process_group (guint    through,
                      GError **error)
{
  g_autoptr(GPidFd) bystander_fd = NULL;
  g_autoptr(GPidFdExitInfo) bystander_record = NULL;
  pid_t group[3];
  pid_t bystander;
  GPidFd *pidfds[3];
  gboolean sent;

  group[0] = spawn_in_group (0);
  group[1] = spawn_in_group (group[0]);
  group[2] = spawn_in_group (group[0]);
  bystander = spawn_in_group (0);
  for (guint i = 0; i < 3; i++)
    {
      pidfds[i] = g_pidfd_new_from_pid (group[i], NULL);
      g_assert_nonnull (pidfds[i]);
      g_assert_cmpint (getpgid (group[i]), ==, group[0]);
    }
  bystander_fd = g_pidfd_new_from_pid (bystander, NULL);
  g_assert_nonnull (bystander_fd);

  sent = g_pidfd_send_signal_full (pidfds[through], SIGTERM, G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP, error);
  if (!sent)
    {
      for (guint i = 0; i < 3; i++)
        g_assert_true (g_pidfd_force_exit (pidfds[i], NULL));
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GPidFdExitInfo) record = fc_wait (pidfds[i]);

      gpt_assert_signaled (record, group[i], sent ? SIGTERM : SIGKILL);
      g_object_unref (pidfds[i]);
    }
  g_usleep (20000);
  g_assert_false (g_pidfd_has_exited (bystander_fd));
  g_assert_true (g_pidfd_force_exit (bystander_fd, NULL));
  bystander_record = fc_wait (bystander_fd);
  gpt_assert_signaled (bystander_record, bystander, SIGKILL);

  return sent;
}

static void
test_signal_process_group (void)
{
  g_autoptr(GError) error = NULL;

  g_test_summary ("G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP through the group's leader "
                  "reaches every member of the group and no one else (before "
                  "Linux 6.9 and under valgrind, through kill (-pid) for a child)");

  g_assert_true (signal_process_group (0, &error));
  g_assert_no_error (error);
}

static void
test_signal_process_group_member (void)
{
  g_autoptr(GError) error = NULL;

  g_test_summary ("G_PIDFD_SIGNAL_SCOPE_PROCESS_GROUP through a member that does not "
                  "lead the group: the kernel reaches a group only through its "
                  "leader, and gpidfd says so rather than calling a live process "
                  "reaped");

  g_assert_false (signal_process_group (1, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "does not lead a process group"));
}

static void
test_signal_thread (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) process = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  g_autoptr(GPidFdExitInfo) record2 = NULL;
  FcThreaded t, only_first;

  g_test_summary ("G_PIDFD_SIGNAL_SCOPE_THREAD reaches the one thread named (the "
                  "handler runs there: gettid()); a thread pidfd's default "
                  "scope is its thread; G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP through a "
                  "thread pidfd reaches the process");
  if (gpt_skip_under_valgrind ("valgrind does not know pidfd_send_signal()"))
    return;

  fc_spawn_threaded (&t, 2, 0);
  process = g_pidfd_new_from_pid (t.pid, &error);
  g_assert_no_error (error);
  for (guint round = 0; round < 3; round++)
    {
      for (guint i = 0; i < 2; i++)
        {
          g_autoptr(GPidFd) thread = g_pidfd_new_from_pid_full (t.tids[i], G_PIDFD_FLAGS_THREAD, &error);

          g_assert_no_error (error);
          g_assert_true (g_pidfd_send_signal_full (thread, SIGUSR1, G_PIDFD_SIGNAL_SCOPE_THREAD, &error));
          g_assert_no_error (error);
          g_assert_cmpint (fc_threaded_next_report (&t), ==, t.tids[i]);
          g_assert_true (g_pidfd_send_signal (thread, SIGUSR1, &error));
          g_assert_no_error (error);
          g_assert_cmpint (fc_threaded_next_report (&t), ==, t.tids[i]);
        }
      /* The process pidfd, thread scope: its main thread. */
      g_assert_true (g_pidfd_send_signal_full (process, SIGUSR1, G_PIDFD_SIGNAL_SCOPE_THREAD, &error));
      g_assert_no_error (error);
      g_assert_cmpint (fc_threaded_next_report (&t), ==, t.pid);
    }

  /* Only thread 0 takes SIGUSR1: a process-wide signal sent through
   * thread 1's pidfd lands there. */
  fc_spawn_threaded (&only_first, 2, (1u << 0) | (1u << 2));
  {
    g_autoptr(GPidFd) thread = g_pidfd_new_from_pid_full (only_first.tids[1], G_PIDFD_FLAGS_THREAD, &error);

    g_assert_no_error (error);
    g_assert_true (g_pidfd_send_signal_full (thread, SIGUSR1, G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP, &error));
    g_assert_no_error (error);
    g_assert_cmpint (fc_threaded_next_report (&only_first), ==, only_first.tids[0]);
    /* And the process is the one that ends with a fatal signal sent so. */
    g_assert_true (g_pidfd_send_signal_full (thread, SIGTERM, G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP, &error));
    g_assert_no_error (error);
    record2 = fc_wait (thread);
    gpt_assert_signaled (record2, only_first.pid, SIGTERM);
    for (guint i = 0; i <= only_first.n_threads; i++)
      close (only_first.ctl[i]);
    close (only_first.report_rd);
  }

  fc_threaded_exit (&t, 0);
  record = fc_wait (process);
  gpt_assert_exited (record, t.pid, 0);

  /* Bad scope. */
  {
    g_autoptr(GPidFd) self = g_pidfd_new_from_pid (getpid (), &error);

    g_assert_no_error (error);
    g_assert_false (g_pidfd_send_signal_full (self, 0, (GPidFdSignalScope) 42, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }
}

/* ---- Remote descriptors ------------------------------------------------- */

static void
test_remote_fd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  int info[2], to_child[2], from_child[2], echo[2];
  int fds[2];
  int r, w;
  char buf[8] = "";
  pid_t pid;

  g_test_summary ("dup_remote_fd duplicates a child's pipe ends: read what "
                  "the child writes, write what the child reads; clear errors "
                  "for a descriptor that is not open and a process that ended");

  fc_pipe (info);
  fc_pipe (echo);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      char msg[5];

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      /* Two pipes only the child has; their numbers go to the parent. */
      if (pipe (from_child) != 0 || pipe (to_child) != 0)
        _exit (99);
      fds[0] = from_child[0];
      fds[1] = to_child[1];
      if (write (info[1], fds, sizeof fds) != sizeof fds)
        _exit (98);
      if (write (from_child[1], "ping", 4) != 4)
        _exit (97);
      /* What the parent wrote through its copy of to_child[1]. */
      if (!fc_read_full (to_child[0], msg, 4))
        _exit (96);
      if (write (echo[1], msg, 4) != 4)
        _exit (95);
      for (;;)
        pause ();
    }
  close (info[1]);
  close (echo[1]);
  g_assert_true (fc_read_full (info[0], fds, sizeof fds));
  close (info[0]);

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  r = g_pidfd_dup_remote_fd (pidfd, fds[0], &error);
  g_assert_no_error (error);
  g_assert_cmpint (r, >=, 0);
  g_assert_cmpint (fcntl (r, F_GETFD), ==, FD_CLOEXEC);
  g_assert_true (fc_read_full (r, buf, 4));
  g_assert_cmpstr (buf, ==, "ping");
  close (r);

  w = g_pidfd_dup_remote_fd (pidfd, fds[1], &error);
  g_assert_no_error (error);
  g_assert_cmpint (fcntl (w, F_GETFD), ==, FD_CLOEXEC);
  g_assert_true (fc_write_full (w, "pong", 4));
  close (w);
  memset (buf, 0, sizeof buf);
  g_assert_true (fc_read_full (echo[0], buf, 4));
  g_assert_cmpstr (buf, ==, "pong");
  close (echo[0]);

  /* Not open there; negative. */
  g_assert_cmpint (g_pidfd_dup_remote_fd (pidfd, 999, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  fc_assert_message_names_pid (error, pid);
  fc_assert_message_has (error, "999");
  fc_assert_message_has (error, "not open");
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (g_pidfd_dup_remote_fd (pidfd, -3, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Ended, not yet reaped: it has no descriptors left; NOT_FOUND. */
  g_assert_true (g_pidfd_force_exit (pidfd, &error));
  g_assert_no_error (error);
  g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_pidfd_dup_remote_fd (pidfd, 0, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_names_pid (error, pid);
  g_clear_error (&error);

  /* Reaped: NOT_FOUND. */
  record = fc_wait (pidfd);
  gpt_assert_signaled (record, pid, SIGKILL);
  g_assert_cmpint (g_pidfd_dup_remote_fd (pidfd, 0, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

typedef struct
{
  gint32 domain_is_io;
  gint32 code;
  char message[512];
} RemoteReport;

static void
test_remote_fd_denied (void)
{
  RemoteReport report = { 0, };
  int gate, result[2];
  pid_t target, unprivileged;

  g_test_summary ("dup_remote_fd from an unprivileged uid on a root-owned "
                  "process: PERMISSION_DENIED naming the process");
  if (getuid () != 0)
    {
      g_test_skip ("needs root to drop to another uid");
      return;
    }

  target = fc_spawn_gated (&gate, 0);
  fc_pipe (result);
  unprivileged = fork ();
  g_assert_cmpint (unprivileged, >=, 0);
  if (unprivileged == 0)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      int fd;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (result[0]);
      if (setgroups (0, NULL) != 0 || setresgid (65534, 65534, 65534) != 0 ||
          setresuid (65534, 65534, 65534) != 0)
        _exit (99);
      pidfd = g_pidfd_new_from_pid (target, &error);
      if (pidfd == NULL)
        report.code = -2;
      else
        {
          fd = g_pidfd_dup_remote_fd (pidfd, 0, &error);
          report.code = fd >= 0 ? -1 : error->code;
        }
      if (error != NULL)
        {
          report.domain_is_io = error->domain == G_IO_ERROR;
          g_strlcpy (report.message, error->message, sizeof report.message);
        }
      if (write (result[1], &report, sizeof report) != sizeof report)
        _exit (98);
      _exit (0);
    }
  close (result[1]);
  g_assert_true (fc_read_full (result[0], &report, sizeof report));
  close (result[0]);
  fc_reap_exited (unprivileged, 0);
  close (gate);
  fc_reap_exited (target, 0);

  g_test_message ("%s", report.message);
  g_assert_true (report.domain_is_io);
  g_assert_cmpint (report.code, ==, G_IO_ERROR_PERMISSION_DENIED);
  {
    g_autofree char *pid_str = g_strdup_printf ("%d", (int) target);

    g_assert_nonnull (strstr (report.message, pid_str));
  }
}

/* ---- wait_exit, wait_check, force_exit ---------------------------------- */

/* A grandchild that has exited 5, left unreaped by its parent until
 * *release is closed. */
static pid_t
spawn_unreaped_grandchild (int   *release,
                           pid_t *middle_out)
{
  int pidpipe[2], rel[2];
  pid_t middle, grandchild = 0;

  fc_pipe (pidpipe);
  fc_pipe (rel);
  middle = fork ();
  g_assert_cmpint (middle, >=, 0);
  if (middle == 0)
    {
      pid_t g;
      char c;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (rel[1]);
      g = fork ();
      if (g == 0)
        _exit (5);
      if (write (pidpipe[1], &g, sizeof g) != sizeof g)
        _exit (96);
      while (read (rel[0], &c, 1) < 0 && errno == EINTR)
        ;
      waitpid (g, NULL, 0);
      _exit (0);
    }
  close (pidpipe[1]);
  close (rel[0]);
  g_assert_true (fc_read_full (pidpipe[0], &grandchild, sizeof grandchild));
  close (pidpipe[0]);
  *release = rel[1];
  *middle_out = middle;

  return grandchild;
}

static void
on_wait_exit_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_pidfd_wait_exit_finish (G_PIDFD (object), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
test_wait_exit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) async_fd = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  gboolean done = FALSE;
  int release;
  pid_t middle;
  pid_t grandchild = spawn_unreaped_grandchild (&release, &middle);

  g_test_summary ("wait_exit and wait_exit_async return for a non-child whose "
                  "parent does not reap it; the record comes once it does");

  pidfd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_pidfd_has_exited (pidfd));
  fc_wait_proc_state (grandchild, "Z");

  async_fd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_pidfd_wait_exit_async (async_fd, NULL, on_wait_exit_done, &done);
  gpt_run_until (NULL, &done, 10);

  if (gpidfd_sys_has_exit_info ())
    {
      /* Its status comes with the reap. */
      g_assert_null (g_pidfd_try_wait (pidfd, &error));
      g_assert_no_error (error);
    }
  close (release);
  record = fc_wait (pidfd);
  if (gpidfd_sys_has_exit_info ())
    gpt_assert_exited (record, grandchild, 5);
  else
    g_assert_false (g_pidfd_exit_info_has_status (record));
  fc_reap_exited (middle, 0);
}

static gpointer
cancel_thread (gpointer user_data)
{
  g_usleep (50000);
  g_cancellable_cancel (user_data);
  return NULL;
}

static void
test_wait_exit_cancel_and_force_exit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  GThread *thread;
  pid_t pid = gpt_spawn_pause ();

  g_test_summary ("A cancelled wait_exit leaves the process alone; force_exit "
                  "kills it with SIGKILL; once it is gone, force_exit has nothing to do");

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  thread = g_thread_new ("canceller", cancel_thread, cancellable);
  g_assert_false (g_pidfd_wait_exit (pidfd, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_thread_join (thread);
  g_assert_false (g_pidfd_has_exited (pidfd));
  g_assert_cmpint (kill (pid, 0), ==, 0);

  g_assert_true (g_pidfd_force_exit (pidfd, &error));
  g_assert_no_error (error);
  record = fc_wait (pidfd);
  gpt_assert_signaled (record, pid, SIGKILL);
  /* Gone already: nothing to do, as g_subprocess_force_exit(). */
  g_assert_true (g_pidfd_force_exit (pidfd, &error));
  g_assert_no_error (error);
  g_assert_false (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  fc_assert_message_names_pid (error, pid);
}

typedef struct
{
  gboolean ok;
  GError *error;
  gboolean done;
} CheckResult;

static void
on_wait_check_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  CheckResult *r = user_data;

  r->ok = g_pidfd_wait_check_finish (G_PIDFD (object), result, &r->error);
  g_assert_true (r->ok == (r->error == NULL));
  r->done = TRUE;
}

static void
test_wait_check (void)
{
  static const struct
  {
    int code;    /* exit status, or -signal */
    gboolean async;
  } rows[] = {
    { 0, FALSE }, { 3, FALSE }, { -SIGTERM, FALSE },
    { 0, TRUE }, { 2, TRUE }, { -SIGKILL, TRUE },
  };

  g_test_summary ("wait_check and wait_check_async: TRUE for status 0, "
                  "G_SPAWN_EXIT_ERROR with the status, G_SPAWN_ERROR for a "
                  "signal, each naming the process");

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = NULL;
      CheckResult r = { FALSE, NULL, FALSE };
      pid_t pid = rows[i].code >= 0 ? gpt_spawn_exit (rows[i].code, 10) : gpt_spawn_pause ();
      gboolean ok;

      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);
      if (rows[i].code < 0)
        g_assert_cmpint (kill (pid, -rows[i].code), ==, 0);
      if (rows[i].async)
        {
          g_pidfd_wait_check_async (pidfd, NULL, on_wait_check_done, &r);
          gpt_run_until (NULL, &r.done, 30);
          ok = r.ok;
          error = r.error;
        }
      else
        ok = g_pidfd_wait_check (pidfd, NULL, &error);

      if (rows[i].code == 0)
        {
          g_assert_true (ok);
          g_assert_no_error (error);
        }
      else
        {
          g_assert_false (ok);
          if (rows[i].code > 0)
            g_assert_error (error, G_SPAWN_EXIT_ERROR, rows[i].code);
          else
            g_assert_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED);
          fc_assert_message_names_pid (error, pid);
        }
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
    }
}

/* ---- Running -------------------------------------------------------------- */

/* What each open descriptor is, "fd -> target" per line, for the
 * message of a failed count. */
static char *
describe_fds (void)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/fd/%s", name);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_string_append_printf (out, "  %s -> %s\n", name, target ? target : "?");
    }

  return g_string_free (out, FALSE);
}

/* Makes GLib create its process-wide descriptors and threads (the default
 * main context, GLib's worker that reaps GSubprocess children, GDBus's
 * worker) before any test counts descriptors. */
static void
warm_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;
  GDBusConnection *server, *client;

  g_main_context_default ();
  g_type_ensure (G_TYPE_TASK);
  g_type_ensure (G_TYPE_PIDFD);
  g_type_ensure (G_TYPE_PIDFD_EXIT_INFO);
  g_type_ensure (G_TYPE_PIDFD_PROCESS_INFO);
  subprocess = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (subprocess, NULL, &error));
  g_assert_no_error (error);
  g_clear_object (&subprocess);
  fake_bus_connect (&server, &client);
  fake_bus_close (client);
  fake_bus_close (server);
  /* The sockets are let go of in GDBus's worker, a little later; no
   * other socket is open now. */
  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *fds = describe_fds ();

      if (strstr (fds, "socket:") == NULL)
        return;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
  g_error ("the warm-up's D-Bus sockets are still open after 10 s");
}

/* Every test runs between two counts of this process's descriptors. A
 * closed GDBusConnection lets go of its socket in GDBus's worker thread,
 * a little later: the count is given 5 s to come back. */
static void
run_checked (gconstpointer data)
{
  void (*test_func) (void) = (void (*) (void)) data;
  guint before = gpt_count_fds ();
  g_autofree char *before_list = describe_fds ();

  test_func ();
  for (guint i = 0; i < 500 && gpt_count_fds () != before; i++)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (10000);
    }
  if (gpt_count_fds () != before)
    {
      g_autofree char *after_list = describe_fds ();

      g_error ("%u descriptors open before the test, %u after:\nbefore:\n%safter:\n%s",
               before, gpt_count_fds (), before_list, after_list);
    }
}

#define add_checked(path, func) \
  g_test_add_data_func ((path), (gconstpointer) (func), run_checked)

/* Thread pidfds and pidfd signal scopes came with pidfs in Linux 6.9:
 * before, the tests of them skip, naming what the kernel lacks (what
 * gpidfd answers then is checked by robust-test-features-oldkernel). */
static void
run_checked_since_6_9 (gconstpointer data)
{
  int fd = (int) syscall (SYS_pidfd_open, getpid (), PIDFD_THREAD);

  if (fd < 0)
    {
      g_assert_cmpint (errno, ==, EINVAL);
      g_test_skip ("the kernel has no thread pidfds nor pidfd signal scopes "
                   "(PIDFD_THREAD, PIDFD_SIGNAL_*: Linux 6.9)");
      return;
    }
  close (fd);
  run_checked (data);
}

#define add_checked_since_6_9(path, func) \
  g_test_add_data_func ((path), (gconstpointer) (func), run_checked_since_6_9)

int
main (int    argc,
      char **argv)
{
  char **keep_going;
  int status;

  if (argc == 3 && g_str_equal (argv[1], "--dbus-peer"))
    return run_dbus_peer (argv[2]);

  self_exe = g_canonicalize_filename (argv[0], NULL);
  /* Each open-bug test reports its failure, rather than the first one
   * ending the run (assertions still abort at once). */
  keep_going = g_new0 (char *, argc + 2);
  for (int i = 0; i < argc; i++)
    keep_going[i] = argv[i];
  keep_going[argc++] = (char *) "--keep-going";
  argv = keep_going;
  g_test_init (&argc, &argv, NULL);
  warm_up ();

  add_checked ("/features/query-info/child", test_query_info_child);
  add_checked ("/features/query-info/non-child", test_query_info_non_child);
  add_checked ("/features/query-info/self-and-kernel", test_query_info_self_and_kernel);
  add_checked ("/features/query-info/other-namespace", test_other_namespace);
  add_checked ("/features/identity/equal-hash-string", test_identity);
  add_checked ("/features/identity/reused-pid", test_identity_reused_pid);
  for (guint i = 0; i < G_N_ELEMENTS (garbage_handles); i++)
    {
      g_autofree char *path = g_strdup_printf ("/features/identity/garbage/%u", i);

      g_test_add_data_func (path, garbage_handles[i], test_handle_garbage);
    }
  add_checked_since_6_9 ("/features/thread/new-for-thread", test_thread);
  add_checked_since_6_9 ("/features/thread/from-fd", test_thread_from_fd);
  add_checked_since_6_9 ("/features/thread/async", test_thread_async);
  add_checked ("/features/signal/process-group", test_signal_process_group);
  add_checked_since_6_9 ("/features/signal/thread", test_signal_thread);
  add_checked ("/features/remote-fd/pipes", test_remote_fd);
  add_checked ("/features/remote-fd/permission-denied", test_remote_fd_denied);
  add_checked ("/features/wait/exit", test_wait_exit);
  add_checked ("/features/wait/cancel-and-force-exit", test_wait_exit_cancel_and_force_exit);
  add_checked ("/features/wait/check", test_wait_check);
  add_checked ("/features/gsubprocess/adopt-200", test_subprocess_loop);
  add_checked ("/features/gsubprocess/running", test_subprocess_running);
  add_checked ("/features/socket-peer/fork", test_socket_peer);
  g_test_add_data_func ("/features/socket-peer/fallback/enoprotoopt",
                        GINT_TO_POINTER (ENOPROTOOPT), test_socket_peer_fallback);
  g_test_add_data_func ("/features/socket-peer/fallback/eperm",
                        GINT_TO_POINTER (EPERM), test_socket_peer_fallback);
  add_checked ("/features/dbus/daemon", test_dbus_sender);
  add_checked ("/features/dbus/fake-bus", test_dbus_fake_bus);
  /* Last: these fail with the library as it is (see there), and a
   * failed test ends the run. */
  add_checked ("/features/signal/process-group-member", test_signal_process_group_member);
  add_checked ("/features/socket-peer/not-connected", test_socket_peer_not_connected);
  add_checked_since_6_9 ("/features/thread/handle", test_thread_handle);

  status = g_test_run ();
  g_free (keep_going);

  return status;
}
