/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-spawn.c: real processes for the tests */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gt-fds.h"
#include "gt-spawn.h"

/* ---- Children --------------------------------------------------------- */

static pid_t
fork_or_die (void)
{
  pid_t pid = fork ();

  if (pid < 0)
    g_error ("fork: %s", g_strerror (errno));

  return pid;
}

pid_t
gt_spawn_exit_us (int   code,
                  guint delay_us)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      if (delay_us > 0)
        g_usleep (delay_us);
      _exit (code);
    }

  return pid;
}

pid_t
gt_spawn_exit (int   code,
               guint delay_ms)
{
  return gt_spawn_exit_us (code, delay_ms * 1000);
}

/* In a forked child: dies with the thread that forked it (@parent is the
 * process it belongs to), which may have gone already. */
static void
die_with_parent (pid_t parent)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (0);
}

pid_t
gt_spawn_pause (void)
{
  pid_t parent = getpid ();
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      die_with_parent (parent);
      for (;;)
        pause ();
    }

  return pid;
}

pid_t
gt_spawn_burn (guint ms)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      struct timespec start, now;
      volatile guint64 x = 0;

      clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &start);
      do
        {
          for (int i = 0; i < 100000; i++)
            x += i;
          clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &now);
        }
      while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < (long) ms);
      /* Reads the sum, so that the loop is not optimized out; always 0. */
      _exit ((int) (x & 0));
    }

  return pid;
}

pid_t
gt_spawn_abort (const char *dir)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
      struct sigaction sa = { .sa_handler = SIG_DFL };

      setrlimit (RLIMIT_CORE, &rl);
      prctl (PR_SET_DUMPABLE, 1);
      sigaction (SIGABRT, &sa, NULL);
      if (chdir (dir) != 0)
        _exit (99);
      raise (SIGABRT);
      _exit (98);
    }

  return pid;
}

/* In a forked child: waits for a byte or EOF on @gate_rd. */
static void
wait_gate (int gate_rd)
{
  char c;

  while (read (gate_rd, &c, 1) < 0 && errno == EINTR)
    ;
}

/* In a forked child: exits with @code, or dies of @signum. */
static G_GNUC_NORETURN void
end_with (int code,
          int signum)
{
  if (signum != 0)
    {
      struct sigaction sa = { .sa_handler = SIG_DFL };

      sigaction (signum, &sa, NULL);
      kill (getpid (), signum);
    }
  _exit (code);
}

pid_t
gt_spawn_gated (int gate_rd,
                int gate_wr,
                int code,
                int signum)
{
  pid_t pid = fork_or_die ();

  if (pid == 0)
    {
      /* Hold no other descriptor, above all no other child's gate. */
      gt_close_all_but (gate_rd);
      wait_gate (gate_rd);
      end_with (code, signum);
    }

  return pid;
}

pid_t
gt_spawn_gated_alone (int *gate_wr,
                      int  code)
{
  int gate[2];
  pid_t pid;

  gt_pipe (gate);
  pid = gt_spawn_gated (gate[0], gate[1], code, 0);
  close (gate[0]);
  *gate_wr = gate[1];

  return pid;
}

/* ---- A process and its parent ----------------------------------------- */

/* Exit statuses of a middle process that went wrong. */
enum
{
  MIDDLE_NO_PIDNS = 77,
  MIDDLE_NO_FORK = 97,
  MIDDLE_NO_REPORT = 96,
};

/* In the process (the grandchild, or our child): does what @spec says;
 * @own are the helper's descriptors, closed first. */
static G_GNUC_NORETURN void
process_main (const GtFamilySpec *spec,
              int                 gate_rd,
              const int          *own,
              guint               n_own)
{
  for (guint i = 0; i < n_own; i++)
    {
      if (own[i] >= 0)
        close (own[i]);
    }

  switch (spec->does)
    {
    case GT_DOES_EXIT:
      if (spec->delay_ms > 0)
        g_usleep (spec->delay_ms * 1000);
      _exit (spec->code);

    case GT_DOES_EXIT_GATED:
      gt_close_all_but (gate_rd);
      wait_gate (gate_rd);
      /* Opened as the caller's user, it becomes another one just before
       * it exits. */
      if (spec->uid != 0 && geteuid () == 0 &&
          (setresgid (spec->uid, spec->uid, spec->uid) != 0 ||
           setresuid (spec->uid, spec->uid, spec->uid) != 0))
        _exit (98);
      _exit (spec->code);

    case GT_DOES_PAUSE:
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      for (;;)
        pause ();

    case GT_DOES_RUN:
      _exit (spec->body (spec->body_data));

    default:
      g_assert_not_reached ();
    }
}

/* In the middle process, which owns @pid_wr and @release_rd. */
static G_GNUC_NORETURN void
middle_main (const GtFamilySpec *spec,
             int                 gate_rd,
             int                 pid_wr,
             int                 release_rd)
{
  int own[] = { pid_wr, release_rd };
  pid_t pid;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (spec->new_pidns && unshare (CLONE_NEWPID) != 0)
    _exit (MIDDLE_NO_PIDNS);

  pid = fork ();
  if (pid < 0)
    _exit (MIDDLE_NO_FORK);
  if (pid == 0)
    process_main (spec, gate_rd, own, G_N_ELEMENTS (own));

  /* Its pid as we see it is its pid as the caller sees it: a new pid
   * namespace is the child's, not ours. */
  if (write (pid_wr, &pid, sizeof pid) != sizeof pid)
    _exit (MIDDLE_NO_REPORT);
  /* Nothing of the caller's stays open here: a gate, a pipe the caller
   * waits to see closed. */
  gt_close_all_but (release_rd);

  switch (spec->middle)
    {
    case GT_MIDDLE_REAPS:
      if (spec->reap_delay_ms > 0)
        {
          siginfo_t si;

          /* Exited; left a zombie for a while. */
          while (waitid (P_PID, pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
            ;
          g_usleep (spec->reap_delay_ms * 1000);
        }
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
      if (spec->linger_ms > 0)
        g_usleep (spec->linger_ms * 1000);
      _exit (0);

    case GT_MIDDLE_REAPS_ON_RELEASE:
      wait_gate (release_rd);
      while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
        ;
      _exit (0);

    case GT_MIDDLE_NEVER_REAPS:
      wait_gate (release_rd);
      _exit (0);

    case GT_MIDDLE_NONE:
    default:
      g_assert_not_reached ();
    }
}

gboolean
gt_family_spawn (GtFamily           *family,
                 const GtFamilySpec *spec)
{
  gboolean gated = spec->does == GT_DOES_EXIT_GATED;
  gboolean releases = spec->middle == GT_MIDDLE_REAPS_ON_RELEASE ||
                      spec->middle == GT_MIDDLE_NEVER_REAPS;
  int gate[2] = { -1, -1 };
  int pidpipe[2] = { -1, -1 };
  int release[2] = { -1, -1 };
  pid_t pid;

  g_assert_true (spec->does != GT_DOES_RUN || spec->body != NULL);
  g_assert_true (!spec->new_pidns || spec->middle != GT_MIDDLE_NONE);
  memset (family, 0, sizeof *family);
  family->gate_wr = family->release_wr = -1;
  if (gated)
    gt_pipe (gate);

  if (spec->middle == GT_MIDDLE_NONE)
    {
      pid = fork_or_die ();
      if (pid == 0)
        {
          int own[] = { gate[1] };

          process_main (spec, gate[0], own, G_N_ELEMENTS (own));
        }
      family->pid = pid;
    }
  else
    {
      pid_t middle;

      gt_pipe (pidpipe);
      if (releases)
        gt_pipe (release);
      middle = fork_or_die ();
      if (middle == 0)
        {
          close (pidpipe[0]);
          if (release[1] >= 0)
            close (release[1]);
          if (gate[1] >= 0)
            close (gate[1]);
          middle_main (spec, gate[0], pidpipe[1], release[0]);
        }
      close (pidpipe[1]);
      if (release[0] >= 0)
        close (release[0]);
      family->middle = middle;
      family->release_wr = release[1];
      if (!gt_read_full (pidpipe[0], &family->pid, sizeof family->pid))
        {
          int status = gt_reap (middle);

          close (pidpipe[0]);
          if (gate[0] >= 0)
            close (gate[0]);
          if (gate[1] >= 0)
            close (gate[1]);
          if (release[1] >= 0)
            close (release[1]);
          family->middle = 0;
          family->release_wr = -1;
          if (spec->new_pidns && WIFEXITED (status) && WEXITSTATUS (status) == MIDDLE_NO_PIDNS)
            return FALSE;
          g_error ("the middle process could not start the process: wait status 0x%x", status);
        }
      close (pidpipe[0]);
    }

  if (gated)
    {
      close (gate[0]);
      family->gate_wr = gate[1];
    }

  return TRUE;
}

/* A byte through @fd, which is closed. */
static void
let_go (int *fd)
{
  if (*fd < 0)
    return;
  g_assert_true (gt_write_full (*fd, "x", 1));
  close (*fd);
  *fd = -1;
}

void
gt_family_let_exit (GtFamily *family)
{
  let_go (&family->gate_wr);
}

void
gt_family_release (GtFamily *family)
{
  let_go (&family->release_wr);
}

void
gt_family_end (GtFamily *family)
{
  gt_family_release (family);
  if (family->middle > 0)
    gt_reap_exited (family->middle, 0);
  family->middle = 0;
}

/* ---- A child with threads --------------------------------------------- */

typedef struct
{
  GtThreaded *t;
  int ctl[GT_MAX_THREADS + 1][2];
  int tids[2];
  int report[2];
  guint blocked_mask;
} ThreadedStart;

static int threaded_report_wr = -1;

static void
threaded_on_usr1 (int signum)
{
  pid_t tid = gettid ();
  int errsv = errno;

  if (write (threaded_report_wr, &tid, sizeof tid) < 0)
    _exit (120);
  errno = errsv;
}

typedef struct
{
  guint index;
  int ctl_rd;
  int tid_wr;
  gboolean block_usr1;
} ThreadArgs;

static void *
threaded_thread (void *data)
{
  ThreadArgs *args = data;
  pid_t report[2] = { (pid_t) args->index, gettid () };
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

/* The threaded process itself. */
static int
threaded_main (gpointer data)
{
  ThreadedStart *start = data;
  guint n_threads = start->t->n_threads;
  static ThreadArgs args[GT_MAX_THREADS];
  struct sigaction sa = { .sa_handler = threaded_on_usr1 };
  sigset_t set;
  pthread_t thread;
  unsigned char code = 0;

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  for (guint i = 0; i <= n_threads; i++)
    close (start->ctl[i][1]);
  close (start->tids[0]);
  close (start->report[0]);
  threaded_report_wr = start->report[1];
  sigemptyset (&sa.sa_mask);
  sigaction (SIGUSR1, &sa, NULL);
  /* Before the threads report: the parent may signal at once. */
  sigemptyset (&set);
  sigaddset (&set, SIGUSR1);
  pthread_sigmask ((start->blocked_mask & 1u) ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
  for (guint i = 0; i < n_threads; i++)
    {
      args[i].index = i;
      args[i].ctl_rd = start->ctl[i + 1][0];
      args[i].tid_wr = start->tids[1];
      args[i].block_usr1 = (start->blocked_mask & (1u << (i + 1))) != 0;
      if (pthread_create (&thread, NULL, threaded_thread, &args[i]) != 0)
        _exit (122);
      pthread_detach (thread);
    }
  while (read (start->ctl[0][0], &code, 1) < 0 && errno == EINTR)
    ;

  return code;
}

void
gt_spawn_threaded (GtThreaded *t,
                   guint       n_threads,
                   guint       blocked_mask,
                   GtMiddle    middle)
{
  ThreadedStart start = { t, .blocked_mask = blocked_mask };
  GtFamilySpec spec = {
    .does = GT_DOES_RUN,
    .body = threaded_main,
    .body_data = &start,
    .middle = middle,
  };

  g_assert_cmpuint (n_threads, <=, GT_MAX_THREADS);
  g_assert_true (middle == GT_MIDDLE_NONE || middle == GT_MIDDLE_REAPS);
  memset (t, 0, sizeof *t);
  t->n_threads = n_threads;
  for (guint i = 0; i <= n_threads; i++)
    gt_pipe (start.ctl[i]);
  gt_pipe (start.tids);
  gt_pipe (start.report);

  gt_family_spawn (&t->family, &spec);
  t->pid = t->family.pid;

  for (guint i = 0; i <= n_threads; i++)
    {
      close (start.ctl[i][0]);
      t->ctl[i] = start.ctl[i][1];
    }
  for (guint i = n_threads + 1; i <= GT_MAX_THREADS; i++)
    t->ctl[i] = -1;
  close (start.tids[1]);
  close (start.report[1]);
  t->report_rd = start.report[0];
  /* The threads report in any order, each with its index. */
  for (guint i = 0; i < n_threads; i++)
    {
      pid_t tid_report[2];

      g_assert_true (gt_read_full (start.tids[0], tid_report, sizeof tid_report));
      g_assert_cmpint (tid_report[0], >=, 0);
      g_assert_cmpint (tid_report[0], <, (pid_t) n_threads);
      t->tids[tid_report[0]] = tid_report[1];
    }
  close (start.tids[0]);
}

void
gt_threaded_end_thread (GtThreaded *t,
                        guint       i)
{
  char c = 0;

  g_assert_cmpuint (i, <, t->n_threads);
  g_assert_true (gt_write_full (t->ctl[i + 1], &c, 1));
}

void
gt_threaded_close (GtThreaded *t)
{
  for (guint i = 0; i <= t->n_threads; i++)
    {
      if (t->ctl[i] >= 0)
        close (t->ctl[i]);
      t->ctl[i] = -1;
    }
  if (t->report_rd >= 0)
    close (t->report_rd);
  t->report_rd = -1;
}

void
gt_threaded_exit (GtThreaded *t,
                  guchar      code)
{
  if (t->ctl[0] < 0)
    return;
  g_assert_true (gt_write_full (t->ctl[0], &code, 1));
  gt_threaded_close (t);
}

pid_t
gt_threaded_next_report (GtThreaded *t)
{
  pid_t tid = 0;

  g_assert_true (gt_read_full (t->report_rd, &tid, sizeof tid));
  return tid;
}

/* ---- Ends and states -------------------------------------------------- */

int
gt_reap (pid_t pid)
{
  int status = 0;

  while (waitpid (pid, &status, 0) < 0)
    {
      if (errno != EINTR)
        g_error ("waitpid(%d): %s", (int) pid, g_strerror (errno));
    }

  return status;
}

void
gt_reap_exited (pid_t pid,
                int   code)
{
  int status = gt_reap (pid);

  if (!WIFEXITED (status) || WEXITSTATUS (status) != code)
    g_error ("process %d: wait status 0x%x, expected exit %d", (int) pid, status, code);
}

gboolean
gt_is_unreaped_zombie (pid_t pid)
{
  siginfo_t si;

  memset (&si, 0, sizeof si);
  if (waitid (P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
    return FALSE;

  return si.si_pid == pid;
}

gboolean
gt_reaped (pid_t pid)
{
  siginfo_t si;

  return waitid (P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 && errno == ECHILD;
}

void
gt_wait_reaped (pid_t pid,
                guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!gt_reaped (pid))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("process %d was not reaped within %u s", (int) pid, timeout_s);
      g_usleep (2000);
    }
}

gboolean
gt_has_children (void)
{
  siginfo_t si;

  memset (&si, 0, sizeof si);
  return waitid (P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0;
}

void
gt_wait_exited (pid_t pid,
                guint timeout_s)
{
  struct pollfd pfd = { .events = POLLIN };
  int r;

  pfd.fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (pfd.fd < 0)
    g_error ("pidfd_open(%d): %s", (int) pid, g_strerror (errno));
  do
    r = poll (&pfd, 1, (int) timeout_s * 1000);
  while (r < 0 && errno == EINTR);
  close (pfd.fd);
  if (r == 0)
    g_error ("process %d did not exit within %u s", (int) pid, timeout_s);
  g_assert_cmpint (r, ==, 1);
}

char
gt_proc_state (pid_t pid)
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

void
gt_wait_proc_state (pid_t       pid,
                    const char *states)
{
  for (guint i = 0; i < 10000; i++)
    {
      char s = gt_proc_state (pid);

      if (s != 0 && strchr (states, s) != NULL)
        return;
      g_usleep (1000);
    }
  g_error ("process %d never reached state [%s] (now %c)", (int) pid, states,
           gt_proc_state (pid));
}

gboolean
gt_thread_alive (pid_t pid,
                 pid_t tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d", (int) pid, (int) tid);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}
