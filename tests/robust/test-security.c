/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-security.c: privilege, descriptor and signal-disposition hygiene */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gpidfd-watcher-private.h"
#include "gt.h"

#define NOBODY 65534

static const char *self_exe;

/* ---- Signalling a process of another user ----------------------------- */

static void
assert_permission_denied (GPidFd *pidfd,
                          int     signum)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *pid_str = g_strdup_printf ("%d", g_pidfd_get_pid (pidfd));

  g_assert_false (g_pidfd_send_signal (pidfd, signum, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_test_message ("%s", error->message);
  if (strstr (error->message, pid_str) == NULL ||
      strstr (error->message, g_strerror (EPERM)) == NULL)
    g_error ("unclear message: \"%s\"", error->message);
}

static void
test_unprivileged_signal (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      int gate[2];
      pid_t victim;
      g_autoptr(GPidFd) child = NULL;
      g_autoptr(GPidFd) init = NULL;

      /* A root child that lives as long as this process: it ends when the
       * gate closes (a parent-death signal could not reach it once this
       * process is no longer root). */
      g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
      victim = gt_spawn_gated (gate[0], gate[1], 0, 0);
      close (gate[0]);

      g_assert_cmpint (setgroups (0, NULL), ==, 0);
      g_assert_cmpint (setgid (NOBODY), ==, 0);
      g_assert_cmpint (setuid (NOBODY), ==, 0);
      g_assert_cmpint (getuid (), ==, NOBODY);
      g_assert_cmpint (geteuid (), ==, NOBODY);

      /* A root child of ours. */
      child = g_pidfd_new_from_pid (victim, &error);
      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (child));
      assert_permission_denied (child, SIGTERM);
      assert_permission_denied (child, SIGKILL);
      assert_permission_denied (child, 0);
      g_assert_false (g_pidfd_has_exited (child));
      g_assert_cmpint (kill (victim, 0), ==, -1);
      g_assert_cmpint (errno, ==, EPERM);

      /* A root process that is not ours (only ever signal 0). */
      init = g_pidfd_new_from_pid (1, &error);
      g_assert_no_error (error);
      g_assert_false (g_pidfd_is_child (init));
      assert_permission_denied (init, 0);

      close (gate[1]);
      g_assert_cmpint (WEXITSTATUS (gt_reap (victim)), ==, 0);
      return;
    }

  g_test_summary ("As nobody, signalling a root process (a child of ours, "
                  "and init) gives PERMISSION_DENIED naming the process and "
                  "the cause, and the process is untouched");
  if (getuid () != 0)
    {
      g_test_skip ("needs root to drop to nobody");
      return;
    }
  gt_run_in_subprocess (30);
}

/* ---- No descriptor of gpidfd's reaches a spawned program ------------- */

#define LISTING_END "END-OF-LISTING"

/* Runs in the spawned program: prints "fd target" for each descriptor. */
static int
list_fds_main (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  int dir_fd = -1;

  if (dir == NULL)
    return 2;

  /* The GDir's own descriptor is the newest one. */
  {
    g_autofree char *target = NULL;

    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_strdup_printf ("/proc/self/fd/%s", name);

        g_free (target);
        target = g_file_read_link (path, NULL);
        if (target != NULL && g_str_has_prefix (target, "/proc/") &&
            g_str_has_suffix (target, "/fd"))
          dir_fd = atoi (name);
        else
          printf ("%s %s\n", name, target != NULL ? target : "?");
      }
  }
  g_dir_close (dir);
  (void) dir_fd;

  /* The reader stops here, not at EOF: a child forked meanwhile by
   * another thread of the test may hold the pipe's write end open. */
  printf ("%s\n", LISTING_END);
  fflush (stdout);

  return 0;
}

/* fork + execve of this program, without closing anything on the way:
 * only close-on-exec protects the descriptors. */
static char *
spawn_listing (void)
{
  int out[2];
  pid_t pid;
  GString *text = g_string_new (NULL);
  char buf[4096];
  ssize_t n;

  g_assert_cmpint (pipe2 (out, O_CLOEXEC), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      char *argv[] = { (char *) self_exe, (char *) "--list-fds", NULL };

      if (dup2 (out[1], 1) != 1)
        _exit (126);
      execv (self_exe, argv);
      _exit (127);
    }
  close (out[1]);
  while (!g_str_has_suffix (text->str, LISTING_END "\n") &&
         (n = read (out[0], buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      g_string_append_len (text, buf, n);
    }
  close (out[0]);
  g_assert_cmpint (WEXITSTATUS (gt_reap (pid)), ==, 0);
  g_assert_true (g_str_has_suffix (text->str, LISTING_END "\n"));
  g_string_truncate (text, text->len - strlen (LISTING_END "\n"));

  return g_string_free (text, FALSE);
}

static void
assert_no_gpidfd_fd (const char *listing)
{
  g_auto(GStrv) lines = g_strsplit (listing, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      if (strstr (lines[i], "pidfd") != NULL || strstr (lines[i], "[eventpoll]") != NULL)
        g_error ("a spawned program inherited a descriptor of gpidfd's: %s", lines[i]);
    }
}

typedef struct
{
  gint stop;
  guint opened;
} Churn;

/* Opens and drops GPidFds and waits all the time, so that a spawn can
 * happen at any point of their life. */
static gpointer
churn_main (gpointer user_data)
{
  Churn *churn = user_data;
  GMainContext *context = g_main_context_new ();
  pid_t pid = gt_spawn_pause ();

  g_main_context_push_thread_default (context);
  while (!g_atomic_int_get (&churn->stop))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) a = g_pidfd_new_from_pid (pid, &error);
      g_autoptr(GPidFd) b = NULL;
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();

      g_assert_no_error (error);
      b = g_pidfd_new_from_fd (g_pidfd_get_fd (a), &error);
      g_assert_no_error (error);
      g_pidfd_wait_async (b, cancellable, NULL, NULL);
      g_cancellable_cancel (cancellable);
      while (g_main_context_iteration (context, FALSE))
        ;
      churn->opened += 2;
    }
  kill (pid, SIGKILL);
  gt_reap (pid);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  return NULL;
}

static void
on_never (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GPidFdExitInfo *info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  /* Cancelled at the end of the test, or ended: either is fine. */
  g_clear_object (&info);
  *(gboolean *) user_data = TRUE;
}

static gboolean
on_source_never (GPidFd         *pidfd,
                 GPidFdExitInfo *info,
                 gpointer        user_data)
{
  return G_SOURCE_REMOVE;
}

static gpointer
blocking_wait_main (gpointer user_data)
{
  GPidFd *pidfd = user_data;
  g_autoptr(GError) error = NULL;
  GPidFdExitInfo *info = g_pidfd_wait (pidfd, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_object_unref (info);
  return NULL;
}

static void
test_no_fd_leak (void)
{
  guint rounds = gt_scale (200, 20);
  GMainContext *context = g_main_context_new ();
  pid_t pid = gt_spawn_pause ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFd) copy = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GSource *source;
  GThread *waiter, *churner;
  Churn churn = { 0 };
  gboolean finished = FALSE;

  g_test_summary ("Spawned programs (fork + exec, nothing closed on the way) "
                  "never see a pidfd or an epoll set of gpidfd's, even while "
                  "other threads open and drop them");

  /* Every kind of descriptor gpidfd holds: pidfds (opened and
   * duplicated), the watcher's epoll set, a source, a blocking wait. */
  pidfd = g_pidfd_new_from_pid (pid, &error);
  g_assert_no_error (error);
  copy = g_pidfd_new_from_fd (g_pidfd_get_fd (pidfd), &error);
  g_assert_no_error (error);
  g_main_context_push_thread_default (context);
  g_pidfd_wait_async (pidfd, cancellable, on_never, &finished);
  source = g_pidfd_create_source (copy);
  g_source_set_callback (source, G_SOURCE_FUNC (on_source_never), NULL, NULL);
  g_source_attach (source, context);
  waiter = g_thread_new ("blocking-wait", blocking_wait_main, copy);
  churner = g_thread_new ("churn", churn_main, &churn);

  for (guint i = 0; i < rounds; i++)
    {
      g_autofree char *listing = spawn_listing ();

      assert_no_gpidfd_fd (listing);
    }

  g_atomic_int_set (&churn.stop, TRUE);
  g_thread_join (churner);
  g_test_message ("%u spawns while %u GPidFds were opened and dropped", rounds, churn.opened);

  kill (pid, SIGKILL);
  g_thread_join (waiter);
  g_cancellable_cancel (cancellable);
  while (!finished)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (source);
  g_source_unref (source);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_assert_false (gt_has_children ());
}

/* ---- SIGCHLD disposition, signal mask and threads are left alone ------ */

typedef struct
{
  struct sigaction chld;
  sigset_t mask;
  guint threads;
} Snapshot;

static void
on_sigchld (int signum)
{
}

static void
snapshot (Snapshot *s)
{
  memset (s, 0, sizeof *s);
  g_assert_cmpint (sigaction (SIGCHLD, NULL, &s->chld), ==, 0);
  g_assert_cmpint (pthread_sigmask (SIG_SETMASK, NULL, &s->mask), ==, 0);
  s->threads = gt_count_threads ();
}

static gboolean
same_sigset (const sigset_t *a,
             const sigset_t *b)
{
  for (int sig = 1; sig < NSIG; sig++)
    {
      if (sigismember (a, sig) != sigismember (b, sig))
        return FALSE;
    }

  return TRUE;
}

static void
assert_unchanged (const Snapshot *before,
                  const char     *after_what)
{
  Snapshot now;

  snapshot (&now);
  if (now.chld.sa_handler != before->chld.sa_handler ||
      now.chld.sa_flags != before->chld.sa_flags ||
      !same_sigset (&now.chld.sa_mask, &before->chld.sa_mask))
    g_error ("SIGCHLD disposition changed by %s: handler %p flags %#x, then %p %#x",
             after_what, (gpointer) before->chld.sa_handler, (guint) before->chld.sa_flags,
             (gpointer) now.chld.sa_handler, (guint) now.chld.sa_flags);
  if (!same_sigset (&now.mask, &before->mask))
    g_error ("signal mask changed by %s", after_what);
  if (now.threads != before->threads)
    g_error ("%s started a thread (%u, then %u)", after_what, before->threads, now.threads);
}

static void
on_done (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GPidFdExitInfo *info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_object_unref (info);
  *(gboolean *) user_data = TRUE;
}

static gboolean
on_source_done (GPidFd         *pidfd,
                GPidFdExitInfo *info,
                gpointer        user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
every_api_once (const Snapshot *before)
{
  GMainContext *context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  pid_t pid = gt_spawn_exit (1, 10);
  g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pid, &error);
  g_autoptr(GPidFd) copy = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  gboolean done = FALSE;
  GSource *source;

  g_assert_no_error (error);
  assert_unchanged (before, "g_pidfd_new_from_pid");
  copy = g_pidfd_new_from_fd_full (g_pidfd_get_fd (pidfd), G_PIDFD_FLAGS_NO_REAP, &error);
  g_assert_no_error (error);
  assert_unchanged (before, "g_pidfd_new_from_fd");
  g_pidfd_get_pid (pidfd);
  g_pidfd_is_child (pidfd);
  g_pidfd_has_exited (pidfd);
  assert_unchanged (before, "g_pidfd_get_pid/is_child/has_exited");
  g_assert_true (g_pidfd_send_signal (pidfd, 0, &error));
  assert_unchanged (before, "g_pidfd_send_signal");
  g_clear_object (&info);
  info = g_pidfd_try_wait (pidfd, &error);
  assert_unchanged (before, "g_pidfd_try_wait");

  g_main_context_push_thread_default (context);
  source = g_pidfd_create_source (copy);
  g_source_set_callback (source, G_SOURCE_FUNC (on_source_done), &done, NULL);
  g_source_attach (source, context);
  gt_run_until_true (context, &done, 30);
  g_source_destroy (source);
  g_source_unref (source);
  assert_unchanged (before, "a GPidFd source");

  done = FALSE;
  g_pidfd_wait_async (pidfd, NULL, on_done, &done);
  gt_run_until_true (context, &done, 30);
  assert_unchanged (before, "g_pidfd_wait_async");
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);

  g_clear_object (&info);
  info = g_pidfd_wait (pidfd, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_pidfd_exit_info_check (info, NULL) == FALSE);
  assert_unchanged (before, "g_pidfd_wait");
  g_assert_false (gt_has_children ());
}

static void
test_sigchld_untouched (void)
{
  struct sigaction custom = { .sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
  struct sigaction old;
  Snapshot before;

  g_test_summary ("No API changes the SIGCHLD disposition or the signal mask, "
                  "or starts a thread (with SIGCHLD at its default, and with "
                  "a handler of the program's)");

  snapshot (&before);
  every_api_once (&before);

  sigemptyset (&custom.sa_mask);
  sigaddset (&custom.sa_mask, SIGUSR2);
  g_assert_cmpint (sigaction (SIGCHLD, &custom, &old), ==, 0);
  snapshot (&before);
  every_api_once (&before);
  g_assert_cmpint (sigaction (SIGCHLD, &old, NULL), ==, 0);
}

/* ---- Nothing is reaped that gpidfd was not asked to reap -------------- */

static void
on_counted (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  GPidFdExitInfo *info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);

  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_object_unref (info);
  (*(guint *) user_data)++;
}

static void
test_reaps_only_what_asked (void)
{
  GMainContext *context = g_main_context_new ();
  pid_t plain = gt_spawn_exit (11, 0);
  pid_t no_reap = gt_spawn_exit (12, 0);
  pid_t never_waited = gt_spawn_exit (13, 0);
  pid_t no_reap_fd = gt_spawn_exit (14, 0);
  g_autoptr(GError) error = NULL;
  guint n = gt_scale (50, 5);
  guint done = 0;

  g_test_summary ("Children that gpidfd was not asked to reap (never opened, "
                  "opened with NO_REAP and waited for every way, opened and "
                  "dropped without a wait) stay unreaped while other "
                  "children are waited for");

  g_main_context_push_thread_default (context);

  {
    g_autoptr(GPidFd) a = g_pidfd_new_from_pid_full (no_reap, G_PIDFD_FLAGS_NO_REAP, &error);
    g_autoptr(GPidFd) b = NULL;
    g_autoptr(GPidFd) c = g_pidfd_new_from_pid (never_waited, &error);
    g_autoptr(GPidFdExitInfo) info = NULL;
    int raw = (int) syscall (SYS_pidfd_open, no_reap_fd, 0);
    gboolean async_done = FALSE, source_done = FALSE;
    GSource *source;
    siginfo_t si;

    g_assert_no_error (error);
    g_assert_cmpint (raw, >=, 0);
    b = g_pidfd_new_from_fd_full (raw, G_PIDFD_FLAGS_NO_REAP, &error);
    g_assert_no_error (error);
    close (raw);

    info = g_pidfd_wait (a, NULL, &error);
    g_assert_no_error (error);
    gt_assert_exited (info, no_reap, 12);
    g_pidfd_wait_async (b, NULL, on_done, &async_done);
    gt_run_until_true (context, &async_done, 30);
    source = g_pidfd_create_source (b);
    g_source_set_callback (source, G_SOURCE_FUNC (on_source_done), &source_done, NULL);
    g_source_attach (source, context);
    gt_run_until_true (context, &source_done, 30);
    g_source_destroy (source);
    g_source_unref (source);
    /* Their exits can lag (under valgrind, a child runs a leak check
     * before it exits): wait for them, leaving them zombies. */
    g_assert_cmpint (waitid (P_PID, (id_t) never_waited, &si, WEXITED | WNOWAIT), ==, 0);
    g_assert_cmpint (waitid (P_PID, (id_t) plain, &si, WEXITED | WNOWAIT), ==, 0);
    g_assert_true (g_pidfd_has_exited (c));
  }

  /* Other children come and go meanwhile, waited for normally. */
  for (guint i = 0; i < n; i++)
    {
      pid_t pid = gt_spawn_exit (i, 0);
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pid, &error);

      g_assert_no_error (error);
      g_pidfd_wait_async (pidfd, NULL, on_counted, &done);
    }
  gt_run_until_count (context, &done, n, 60);
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);

  g_assert_true (gt_is_unreaped_zombie (plain));
  g_assert_true (gt_is_unreaped_zombie (no_reap));
  g_assert_true (gt_is_unreaped_zombie (never_waited));
  g_assert_true (gt_is_unreaped_zombie (no_reap_fd));
  g_assert_cmpint (WEXITSTATUS (gt_reap (plain)), ==, 11);
  g_assert_cmpint (WEXITSTATUS (gt_reap (no_reap)), ==, 12);
  g_assert_cmpint (WEXITSTATUS (gt_reap (never_waited)), ==, 13);
  g_assert_cmpint (WEXITSTATUS (gt_reap (no_reap_fd)), ==, 14);
  g_assert_false (gt_has_children ());

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

int
main (int    argc,
      char **argv)
{
  if (argc == 2 && strcmp (argv[1], "--list-fds") == 0)
    return list_fds_main ();

  self_exe = g_file_read_link ("/proc/self/exe", NULL);
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/robust/security/unprivileged-signal", test_unprivileged_signal);
  gt_add ("/robust/security/no-fd-leak", test_no_fd_leak);
  gt_add ("/robust/security/sigchld-untouched", test_sigchld_untouched);
  gt_add ("/robust/security/reaps-only-what-asked", test_reaps_only_what_asked);

  return g_test_run ();
}
