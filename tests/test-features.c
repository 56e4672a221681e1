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
#include <sched.h>
#include <signal.h>
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
#include "gt.h"

/* The test program itself, for the D-Bus peer it runs as a helper. */
static char *self_exe;

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
  gt_check_query_info_creds (gpidfd_sys_has_get_info ());
}

static void
test_query_info_non_child (void)
{
  g_test_summary ("query_info on a process that is not the caller's child");
  gt_check_query_info_non_child ();
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
  pid = gt_spawn_gated_alone (&gate, 3);
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
  record = gt_wait (first);
  gt_assert_exited (record, pid, 3);

  /* The same pid again, forced. */
  for (guint attempt = 0; attempt < 10 && reused != pid; attempt++)
    {
      g_autofree char *last = g_strdup_printf ("%d", (int) pid - 1);
      int fd = open ("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);

      g_assert_cmpint (fd, >=, 0);
      g_assert_true (gt_write_full (fd, last, strlen (last)));
      close (fd);
      reused = gt_spawn_gated_alone (&gate, 4);
      if (reused != pid)
        {
          close (gate);
          gt_reap_exited (reused, 4);
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
      gt_assert_message_has (error, "reaped");
    }
  else
    {
      /* No pidfs (before Linux 6.9): no ids, and a handle says so. */
      g_assert_cmpuint (g_pidfd_get_id (second), ==, 0);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
      gt_assert_message_has (error, "pidfs");
    }
  g_clear_error (&error);

  close (gate);
  g_clear_object (&record);
  record = gt_wait (second);
  gt_assert_exited (record, reused, 4);
}

/* The namespace's first process: runs the checks, says so through
 * result, then stays until gate closes, for the outside view. */
typedef struct
{
  int outside_fd;
  int result[2];
  int gate[2];
} NamespaceRun;

static int
namespace_main (gpointer data)
{
  NamespaceRun *run = data;
  char c;

  close (run->gate[1]);
  close (run->result[0]);
  namespace_checks (run->outside_fd);
  if (write (run->result[1], "k", 1) != 1)
    return 75;
  while (read (run->gate[0], &c, 1) < 0 && errno == EINTR)
    ;

  return 0;
}

static void
test_other_namespace (void)
{
  NamespaceRun run;
  GtFamily family;
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

  run.outside_fd = (int) syscall (SYS_pidfd_open, getpid (), 0);
  g_assert_cmpint (run.outside_fd, >=, 0);
  gt_pipe (run.result);
  gt_pipe (run.gate);
  if (!gt_family_spawn (&family, &(GtFamilySpec) {
                          .does = GT_DOES_RUN, .body = namespace_main, .body_data = &run,
                          .middle = GT_MIDDLE_REAPS, .new_pidns = TRUE }))
    {
      close (run.outside_fd);
      close (run.result[0]);
      close (run.result[1]);
      close (run.gate[0]);
      close (run.gate[1]);
      g_test_skip ("unshare (CLONE_NEWPID) is refused here");
      return;
    }
  close (run.outside_fd);
  close (run.result[1]);
  close (run.gate[0]);

  if (!gt_read_full (run.result[0], &ok, 1))
    g_error ("the checks in the new pid namespace failed; see the messages above");
  g_assert_cmpint (ok, ==, 'k');
  close (run.result[0]);

  /* From outside, the namespace's first process has its outer pid. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (family.pid, &error);
    g_autoptr(GPidFdProcessInfo) info = NULL;

    g_assert_no_error (error);
    info = g_pidfd_query_info (pidfd, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_pidfd_process_info_get_pid (info), ==, family.pid);
    g_assert_cmpint (g_pidfd_process_info_get_ppid (info), ==, family.middle);
    g_assert_false (g_pidfd_is_child (pidfd));
  }
  close (run.gate[1]);
  gt_family_end (&family);
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
  pid_t pid = gt_spawn_gated_alone (&gate, 6);
  pid_t pid2 = gt_spawn_gated_alone (&gate2, 0);

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
      gt_reap_exited (pid, 6);
      gt_reap_exited (pid2, 0);
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
  record = gt_wait (a);
  gt_assert_exited (record, pid, 6);
  back = g_pidfd_new_for_string (text, &error);
  g_assert_null (back);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gt_assert_message_has (error, "reaped");
  gt_assert_message_has (error, text);
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
    gt_assert_message_has (error, "6.9");
    g_clear_error (&error);
  }

  g_hash_table_remove_all (set);
  close (gate2);
  gt_reap_exited (pid2, 0);
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
  if (gt_skip_under_valgrind ("tens of thousands of forks"))
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

  pid = gt_spawn_exit (0, 0);
  first = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  text = g_pidfd_to_string (first);
  record = gt_wait (first);
  gt_assert_exited (record, pid, 0);

  gt_pipe (gate);
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
        gt_reap (child);
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
  gt_assert_message_has (error, "reaped");
  g_test_message ("%s", error->message);

  close (gate[1]);
  g_clear_object (&record);
  record = gt_wait (second);
  gt_assert_exited (record, reused, 7);
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
          record = gt_wait (pidfd);
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
  record = gt_wait (pidfd);
  /* GIO's worker thread reaps it, maybe before the pidfd's WNOWAIT look:
   * then only the kernel can tell (PIDFD_INFO_EXIT, Linux 6.15), and
   * before 6.15 the status is unknown, never made up. */
  if (g_pidfd_exit_info_has_status (record) || gpidfd_sys_has_exit_info ())
    gt_assert_signaled (record, g_pidfd_exit_info_get_pid (record), SIGKILL);
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
  gt_assert_message_has (error, "reaped");
}

/* ---- Socket peers ------------------------------------------------------- */

static void
test_socket_peer (void)
{
  g_test_summary ("The process at the other end of a unix socket, across a fork");
  gt_check_socket_peer ();
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
      gsocket = gt_socket_from_fd (fd);
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
  gt_run_until_true (NULL, &r.done, 30);
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
  while (gt_read_full (out, &c, 1) && c != '\n')
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
  g_assert_true (gt_write_full (ctl, "exit 5\n", 7));
  close (ctl);
  record = gt_wait (pidfd);
  gt_assert_exited (record, pid, 5);
  gt_run_until_true (NULL, &left, 30);
  g_dbus_connection_signal_unsubscribe (bus.connection, subscription);

  g_clear_object (&pidfd);
  pidfd = resolve_sender (bus.connection, sender, &error);
  g_assert_null (pidfd);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gt_assert_message_has (error, sender);
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
 * old or broken bus would. Each row is a sender, what the bus answers
 * for it, and what resolving it must give. */
typedef struct
{
  const char *name;
  /* What the bus answers. */
  gboolean absent;      /* nothing: the name is not on the bus */
  int process_fd;       /* -1: no ProcessFD */
  gint32 handle;        /* the handle sent for it */
  guint32 pid;          /* 0: no ProcessID */
  guint32 recheck_pid;  /* the ProcessID from the second call on */
  const char *error;    /* a D-Bus error to answer instead */
  /* What resolving it gives: the process, or a G_IO_ERROR code whose
   * message holds @says and, with @names_sender, the sender. */
  pid_t want_pid;
  gint want_code;
  const char *says;
  gboolean names_sender;
  guint want_calls;     /* of the bus, when not 0 */
  /* Filled in: the calls the bus had, the process resolved. */
  guint calls;
  GPidFd *resolved;
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

      if (creds->absent || !g_str_equal (creds->name, name))
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
test_dbus_fake_bus (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (fake_bus_xml, &error);
  GDBusInterfaceVTable vtable = { fake_bus_method_call, NULL, NULL, { 0 } };
  GDBusConnection *server, *client;
  g_autoptr(GPtrArray) table = g_ptr_array_new ();
  g_autoptr(GPidFdExitInfo) record = NULL;
  int gate_a, gate_c, gate_b, not_pidfd[2];
  pid_t a = gt_spawn_gated_alone (&gate_a, 9);
  pid_t b = gt_spawn_gated_alone (&gate_b, 0);
  pid_t c = gt_spawn_gated_alone (&gate_c, 0);
  pid_t gone = gt_spawn_exit (0, 0);
  int a_fd = (int) syscall (SYS_pidfd_open, a, 0);
  guint registration;
  FakeCreds rows[] = {
    /* ProcessFD wins over a ProcessID that disagrees. */
    { ":1.10", .process_fd = a_fd, .pid = b, .recheck_pid = b, .want_pid = a, .want_calls = 1 },
    /* ProcessID only, the same twice: that process. */
    { ":1.11", .process_fd = -1, .pid = c, .recheck_pid = c, .want_pid = c, .want_calls = 2 },
    /* ProcessID that changed between the two answers. */
    { ":1.12", .process_fd = -1, .pid = c, .recheck_pid = b,
      .want_code = G_IO_ERROR_NOT_FOUND, .names_sender = TRUE },
    /* Neither. */
    { ":1.13", .process_fd = -1, .want_code = G_IO_ERROR_NOT_SUPPORTED },
    /* The process has ended. */
    { ":1.14", .process_fd = -1, .pid = gone, .recheck_pid = gone,
      .want_code = G_IO_ERROR_NOT_FOUND },
    /* A bus error: FAILED, with the bus's message. */
    { ":1.15", .process_fd = -1, .error = "org.freedesktop.DBus.Error.AccessDenied",
      .want_code = G_IO_ERROR_FAILED, .says = "The fake bus refuses", .names_sender = TRUE },
    /* A ProcessFD handle out of range: the ProcessID, verified. */
    { ":1.16", .process_fd = a_fd, .handle = 5, .pid = c, .recheck_pid = c, .want_pid = c },
    /* A ProcessFD that is no pidfd (one end of a pipe, below). */
    { ":1.17", .process_fd = -1, .want_code = G_IO_ERROR_INVALID_ARGUMENT },
    /* Never on the bus. */
    { ":1.99", .absent = TRUE, .want_code = G_IO_ERROR_NOT_FOUND },
  };

  g_test_summary ("A bus that gives ProcessFD (a fake one, like dbus-broker), "
                  "and the ProcessID path's checks against a bus that changes "
                  "its answer, gives nothing, or fails");

  g_assert_no_error (error);
  g_assert_cmpint (a_fd, >=, 0);
  gt_reap_exited (gone, 0);
  gt_pipe (not_pidfd);
  rows[7].process_fd = not_pidfd[0];
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_ptr_array_add (table, &rows[i]);

  gt_dbus_pair (&server, &client);
  registration = g_dbus_connection_register_object (server, "/org/freedesktop/DBus",
                                                    node->interfaces[0], &vtable,
                                                    table, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      FakeCreds *row = &rows[i];

      g_test_message ("sender %s", row->name);
      row->resolved = resolve_sender (client, row->name, &error);
      if (row->want_pid != 0)
        {
          g_assert_no_error (error);
          g_assert_cmpint (g_pidfd_get_pid (row->resolved), ==, row->want_pid);
        }
      else
        {
          g_assert_null (row->resolved);
          g_assert_error (error, G_IO_ERROR, row->want_code);
          if (row->says != NULL)
            gt_assert_message_has (error, row->says);
          if (row->names_sender)
            gt_assert_message_has (error, row->name);
          g_clear_error (&error);
        }
      if (row->want_calls != 0)
        g_assert_cmpuint (row->calls, ==, row->want_calls);
    }

  /* The record of the first sender's exit. */
  close (gate_a);
  record = gt_wait (rows[0].resolved);
  gt_assert_exited (record, a, 9);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    g_clear_object (&rows[i].resolved);

  g_dbus_connection_unregister_object (server, registration);
  gt_dbus_close (client);
  gt_dbus_close (server);
  close (a_fd);
  close (not_pidfd[0]);
  close (not_pidfd[1]);
  close (gate_b);
  close (gate_c);
  gt_reap_exited (b, 0);
  gt_reap_exited (c, 0);
}

/* ---- Threads ------------------------------------------------------------ */

static void
test_thread (void)
{
  g_test_summary ("new_from_pid_full (THREAD) of a non-leader thread: the THREAD flag, "
                  "get_pid is the tid, has_exited and wait_exit track the "
                  "thread while the process runs on, wait gives the process's "
                  "record");
  if (gt_skip_without_pidfs ())
    return;
  gt_check_thread_pidfd (FALSE);
}

static void
test_thread_from_fd (void)
{
  g_test_summary ("g_pidfd_new_from_fd of a PIDFD_THREAD pidfd behaves as "
                  "new_from_pid_full (THREAD)");
  if (gt_skip_without_pidfs ())
    return;
  gt_check_thread_pidfd (TRUE);
}

static void
test_thread_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) thread = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  GtThreaded t;
  gboolean exited = FALSE;

  g_test_summary ("wait_exit_async on a thread pidfd completes when the thread "
                  "ends while its process runs on; wait_async then gives the "
                  "process's record");
  if (gt_skip_without_pidfs ())
    return;
  gt_spawn_threaded (&t, 1, 0, GT_MIDDLE_NONE);
  thread = g_pidfd_new_from_pid_full (t.tids[0], G_PIDFD_FLAGS_THREAD, &error);
  g_assert_no_error (error);
  g_pidfd_wait_exit_async (thread, NULL, gt_store_wait_exit, &exited);
  g_pidfd_wait_async (thread, NULL, gt_store_wait_result, &record);
  g_usleep (20000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (exited);

  gt_threaded_end_thread (&t, 0);
  gt_run_until_true (NULL, &exited, 10);
  g_assert_false (gt_thread_alive (t.pid, t.tids[0]));
  g_assert_cmpint (kill (t.pid, 0), ==, 0);
  g_usleep (20000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_null (record);

  gt_threaded_exit (&t, 31);
  gt_run_until_set (NULL, &record, 10);
  gt_assert_exited (record, t.pid, 31);
}

/* A thread's handle: to_string promises a text that new_for_string turns
 * back into the same (here: thread), or NOT_FOUND once it has ended. */
static void
test_thread_handle (void)
{
  GString *wrong = g_string_new (NULL);
  GtThreaded t;

  g_test_summary ("to_string and new_for_string round trip for a thread "
                  "GPidFd, of a non-leader thread and of a main thread");
  if (gt_skip_without_pidfs ())
    return;

  gt_spawn_threaded (&t, 1, 0, GT_MIDDLE_NONE);
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
  gt_threaded_exit (&t, 0);
  gt_reap_exited (t.pid, 0);

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
      g_autoptr(GPidFdExitInfo) record = gt_wait (pidfds[i]);

      gt_assert_signaled (record, group[i], sent ? SIGTERM : SIGKILL);
      g_object_unref (pidfds[i]);
    }
  g_usleep (20000);
  g_assert_false (g_pidfd_has_exited (bystander_fd));
  g_assert_true (g_pidfd_force_exit (bystander_fd, NULL));
  bystander_record = gt_wait (bystander_fd);
  gt_assert_signaled (bystander_record, bystander, SIGKILL);

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
  GtThreaded t, only_first;

  g_test_summary ("G_PIDFD_SIGNAL_SCOPE_THREAD reaches the one thread named (the "
                  "handler runs there: gettid()); a thread pidfd's default "
                  "scope is its thread; G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP through a "
                  "thread pidfd reaches the process");
  if (gt_skip_without_pidfs ())
    return;
  if (gt_skip_under_valgrind ("valgrind does not know pidfd_send_signal()"))
    return;

  gt_spawn_threaded (&t, 2, 0, GT_MIDDLE_NONE);
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
          g_assert_cmpint (gt_threaded_next_report (&t), ==, t.tids[i]);
          g_assert_true (g_pidfd_send_signal (thread, SIGUSR1, &error));
          g_assert_no_error (error);
          g_assert_cmpint (gt_threaded_next_report (&t), ==, t.tids[i]);
        }
      /* The process pidfd, thread scope: its main thread. */
      g_assert_true (g_pidfd_send_signal_full (process, SIGUSR1, G_PIDFD_SIGNAL_SCOPE_THREAD, &error));
      g_assert_no_error (error);
      g_assert_cmpint (gt_threaded_next_report (&t), ==, t.pid);
    }

  /* Only thread 0 takes SIGUSR1: a process-wide signal sent through
   * thread 1's pidfd lands there. */
  gt_spawn_threaded (&only_first, 2, (1u << 0) | (1u << 2), GT_MIDDLE_NONE);
  {
    g_autoptr(GPidFd) thread = g_pidfd_new_from_pid_full (only_first.tids[1], G_PIDFD_FLAGS_THREAD, &error);

    g_assert_no_error (error);
    g_assert_true (g_pidfd_send_signal_full (thread, SIGUSR1, G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP, &error));
    g_assert_no_error (error);
    g_assert_cmpint (gt_threaded_next_report (&only_first), ==, only_first.tids[0]);
    /* And the process is the one that ends with a fatal signal sent so. */
    g_assert_true (g_pidfd_send_signal_full (thread, SIGTERM, G_PIDFD_SIGNAL_SCOPE_THREAD_GROUP, &error));
    g_assert_no_error (error);
    record2 = gt_wait (thread);
    gt_assert_signaled (record2, only_first.pid, SIGTERM);
    gt_threaded_close (&only_first);
  }

  gt_threaded_exit (&t, 0);
  record = gt_wait (process);
  gt_assert_exited (record, t.pid, 0);

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

  gt_pipe (info);
  gt_pipe (echo);
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
      if (!gt_read_full (to_child[0], msg, 4))
        _exit (96);
      if (write (echo[1], msg, 4) != 4)
        _exit (95);
      for (;;)
        pause ();
    }
  close (info[1]);
  close (echo[1]);
  g_assert_true (gt_read_full (info[0], fds, sizeof fds));
  close (info[0]);

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  r = g_pidfd_dup_remote_fd (pidfd, fds[0], &error);
  g_assert_no_error (error);
  g_assert_cmpint (r, >=, 0);
  g_assert_cmpint (fcntl (r, F_GETFD), ==, FD_CLOEXEC);
  g_assert_true (gt_read_full (r, buf, 4));
  g_assert_cmpstr (buf, ==, "ping");
  close (r);

  w = g_pidfd_dup_remote_fd (pidfd, fds[1], &error);
  g_assert_no_error (error);
  g_assert_cmpint (fcntl (w, F_GETFD), ==, FD_CLOEXEC);
  g_assert_true (gt_write_full (w, "pong", 4));
  close (w);
  memset (buf, 0, sizeof buf);
  g_assert_true (gt_read_full (echo[0], buf, 4));
  g_assert_cmpstr (buf, ==, "pong");
  close (echo[0]);

  /* Not open there; negative. */
  g_assert_cmpint (g_pidfd_dup_remote_fd (pidfd, 999, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  gt_assert_message_names_pid (error, pid);
  gt_assert_message_has (error, "999");
  gt_assert_message_has (error, "not open");
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
  gt_assert_message_names_pid (error, pid);
  g_clear_error (&error);

  /* Reaped: NOT_FOUND. */
  record = gt_wait (pidfd);
  gt_assert_signaled (record, pid, SIGKILL);
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

  target = gt_spawn_gated_alone (&gate, 0);
  gt_pipe (result);
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
  g_assert_true (gt_read_full (result[0], &report, sizeof report));
  close (result[0]);
  gt_reap_exited (unprivileged, 0);
  close (gate);
  gt_reap_exited (target, 0);

  g_test_message ("%s", report.message);
  g_assert_true (report.domain_is_io);
  g_assert_cmpint (report.code, ==, G_IO_ERROR_PERMISSION_DENIED);
  {
    g_autofree char *pid_str = g_strdup_printf ("%d", (int) target);

    g_assert_nonnull (strstr (report.message, pid_str));
  }
}

/* ---- wait_exit, wait_check, force_exit ---------------------------------- */

static void
test_wait_exit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) async_fd = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  gboolean done = FALSE;
  GtFamily family;
  pid_t grandchild;

  g_test_summary ("wait_exit and wait_exit_async return for a non-child whose "
                  "parent does not reap it; the record comes once it does");
  /* It exits 5 at once; its parent reaps it when released. */
  gt_family_spawn (&family, &(GtFamilySpec) {
                     .does = GT_DOES_EXIT, .code = 5, .middle = GT_MIDDLE_REAPS_ON_RELEASE });
  grandchild = family.pid;

  pidfd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  g_assert_true (g_pidfd_wait_exit (pidfd, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_pidfd_has_exited (pidfd));
  gt_wait_proc_state (grandchild, "Z");

  async_fd = g_pidfd_new_from_pid (grandchild, &error);
  g_assert_no_error (error);
  g_pidfd_wait_exit_async (async_fd, NULL, gt_store_wait_exit, &done);
  gt_run_until_true (NULL, &done, 10);

  if (gpidfd_sys_has_exit_info ())
    {
      /* Its status comes with the reap. */
      g_assert_null (g_pidfd_try_wait (pidfd, &error));
      g_assert_no_error (error);
    }
  gt_family_release (&family);
  record = gt_wait (pidfd);
  if (gpidfd_sys_has_exit_info ())
    gt_assert_exited (record, grandchild, 5);
  else
    g_assert_false (g_pidfd_exit_info_has_status (record));
  gt_family_end (&family);
}

static void
test_wait_exit_cancel_and_force_exit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) record = NULL;
  GThread *thread;
  pid_t pid = gt_spawn_pause ();

  g_test_summary ("A cancelled wait_exit leaves the process alone; force_exit "
                  "kills it with SIGKILL; once it is gone, force_exit has nothing to do");

  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  thread = gt_cancel_in_thread (cancellable, 50);
  g_assert_false (g_pidfd_wait_exit (pidfd, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_thread_join (thread);
  g_assert_false (g_pidfd_has_exited (pidfd));
  g_assert_cmpint (kill (pid, 0), ==, 0);

  g_assert_true (g_pidfd_force_exit (pidfd, &error));
  g_assert_no_error (error);
  record = gt_wait (pidfd);
  gt_assert_signaled (record, pid, SIGKILL);
  /* Gone already: nothing to do, as g_subprocess_force_exit(). */
  g_assert_true (g_pidfd_force_exit (pidfd, &error));
  g_assert_no_error (error);
  g_assert_false (g_pidfd_send_signal (pidfd, SIGKILL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  gt_assert_message_names_pid (error, pid);
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
      pid_t pid = rows[i].code >= 0 ? gt_spawn_exit (rows[i].code, 10) : gt_spawn_pause ();
      gboolean ok;

      pidfd = g_pidfd_new_from_pid (pid, &error);
      g_assert_no_error (error);
      if (rows[i].code < 0)
        g_assert_cmpint (kill (pid, -rows[i].code), ==, 0);
      if (rows[i].async)
        {
          g_pidfd_wait_check_async (pidfd, NULL, on_wait_check_done, &r);
          gt_run_until_true (NULL, &r.done, 30);
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
          gt_assert_message_names_pid (error, pid);
        }
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
    }
}

/* ---- Running -------------------------------------------------------------- */

#ifdef GT_HAVE_SECCOMP
static void
check_socket_peer (const GtRefusedRow *row)
{
  gt_check_socket_peer ();
}

/* SO_PEERPIDFD refused: ENOPROTOOPT as before Linux 6.5, or EPERM from a
 * sandbox. */
static const GtRefusedRow socket_peer_fallback_rows[] = {
  { "enoprotoopt", GT_CALL_PEERPIDFD, ENOPROTOOPT,
    "SO_PEERPIDFD blocked as before Linux 6.5 (ENOPROTOOPT): SO_PEERCRED and "
    "pidfd_open, checked, give the same processes", { check_socket_peer } },
  { "eperm", GT_CALL_PEERPIDFD, EPERM,
    "SO_PEERPIDFD blocked by a sandbox (EPERM): SO_PEERCRED and pidfd_open, "
    "checked, give the same processes", { check_socket_peer } },
};
#endif

int
main (int    argc,
      char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--dbus-peer"))
    return run_dbus_peer (argv[2]);

  self_exe = g_canonicalize_filename (argv[0], NULL);
  /* Each open-bug test reports its failure, rather than the first one
   * ending the run. */
  gt_init (&argc, &argv, GT_INIT_KEEP_GOING | GT_INIT_GIO);

  gt_add ("/features/query-info/child", test_query_info_child);
  gt_add ("/features/query-info/non-child", test_query_info_non_child);
  gt_add ("/features/query-info/self-and-kernel", test_query_info_self_and_kernel);
  gt_add ("/features/query-info/other-namespace", test_other_namespace);
  gt_add ("/features/identity/equal-hash-string", test_identity);
  gt_add ("/features/identity/reused-pid", test_identity_reused_pid);
  for (guint i = 0; i < G_N_ELEMENTS (garbage_handles); i++)
    {
      g_autofree char *path = g_strdup_printf ("/features/identity/garbage/%u", i);

      gt_add_data (path, garbage_handles[i], test_handle_garbage);
    }
  gt_add ("/features/thread/new-for-thread", test_thread);
  gt_add ("/features/thread/from-fd", test_thread_from_fd);
  gt_add ("/features/thread/async", test_thread_async);
  gt_add ("/features/signal/process-group", test_signal_process_group);
  gt_add ("/features/signal/thread", test_signal_thread);
  gt_add ("/features/remote-fd/pipes", test_remote_fd);
  gt_add ("/features/remote-fd/permission-denied", test_remote_fd_denied);
  gt_add ("/features/wait/exit", test_wait_exit);
  gt_add ("/features/wait/cancel-and-force-exit", test_wait_exit_cancel_and_force_exit);
  gt_add ("/features/wait/check", test_wait_check);
  gt_add ("/features/gsubprocess/adopt-200", test_subprocess_loop);
  gt_add ("/features/gsubprocess/running", test_subprocess_running);
  gt_add ("/features/socket-peer/fork", test_socket_peer);
#ifdef GT_HAVE_SECCOMP
  gt_add_refused ("/features/socket-peer/fallback", socket_peer_fallback_rows,
                  G_N_ELEMENTS (socket_peer_fallback_rows), GT_REFUSED_SKIP_UNDER_VALGRIND);
#endif
  gt_add ("/features/dbus/daemon", test_dbus_sender);
  gt_add ("/features/dbus/fake-bus", test_dbus_fake_bus);
  /* Last: these fail with the library as it is (see there), and a
   * failed test ends the run. */
  gt_add ("/features/signal/process-group-member", test_signal_process_group_member);
  gt_add ("/features/socket-peer/not-connected", test_socket_peer_not_connected);
  gt_add ("/features/thread/handle", test_thread_handle);

  return g_test_run ();
}
