/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-probing.c: features are learnt from the kernel's answers, not
 * from its release string
 *
 * Distribution kernels backport features, and `setarch --uname-2.6`
 * (personality PER_LINUX | UNAME26) makes uname() report 2.6.x on this
 * very kernel. Whatever uname() says, gpidfd must use what the kernel
 * really answers: here, a non-child's wait status read through
 * PIDFD_INFO_EXIT (Linux 6.15) once its parent has reaped it.
 *
 * One table: the release uname() reports (the real one; 2.6.x) x the way
 * of waiting (blocking, try_wait, wait_async, a source) x when the wait
 * starts (after the process exited, before its parent reaps it; after
 * the reap).
 * Each row runs in a forked child that sets the personality before its
 * first gpidfd call (the test process never calls gpidfd, so the child
 * starts with nothing probed). On a kernel without PIDFD_INFO_EXIT the
 * rows skip: there is no status to read. Two more tests check, with and
 * without the personality, that children still get their full records
 * (waitid on the pidfd, with rusage) and that get_pid() and query_info()
 * work (PIDFD_GET_INFO).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robust-common.h"

#define NON_CHILD_CODE 5

typedef enum
{
  HOW_WAIT,
  HOW_TRY_WAIT,
  HOW_WAIT_ASYNC,
  HOW_SOURCE,
} How;

typedef struct
{
  gboolean uname26;
  How how;
  gboolean after_reap;
} Row;

static const char *how_names[] = { "wait", "try-wait", "wait-async", "source" };

/* A non-child that exits NON_CHILD_CODE when a byte comes through
 * *gate_wr; its parent (*middle) reaps it when a byte comes through
 * *reap_wr, then exits. */
static pid_t
spawn_non_child (pid_t *middle,
                 int   *gate_wr,
                 int   *reap_wr)
{
  int pidpipe[2], gate[2], reap[2];
  pid_t mid, pid = 0;

  g_assert_cmpint (pipe2 (pidpipe, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (reap, O_CLOEXEC), ==, 0);
  mid = fork ();
  g_assert_cmpint (mid, >=, 0);
  if (mid == 0)
    {
      pid_t g;
      char c;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (reap[1]);
      g = rb_spawn_gated (gate[0], gate[1], NON_CHILD_CODE, 0);
      close (gate[0]);
      close (gate[1]);
      if (write (pidpipe[1], &g, sizeof g) != sizeof g)
        _exit (96);
      while (read (reap[0], &c, 1) < 0 && errno == EINTR)
        ;
      waitpid (g, NULL, 0);
      _exit (0);
    }
  close (pidpipe[1]);
  close (gate[0]);
  close (reap[0]);
  g_assert_cmpint (read (pidpipe[0], &pid, sizeof pid), ==, sizeof pid);
  close (pidpipe[0]);
  *middle = mid;
  *gate_wr = gate[1];
  *reap_wr = reap[1];

  return pid;
}

typedef struct
{
  pid_t pid;
  int reap_wr;
  gboolean reaped;
} Story;

/* Has the (exited) process's parent reap it. */
static void
story_reap (Story *story)
{
  g_assert_cmpint (write (story->reap_wr, "x", 1), ==, 1);
  close (story->reap_wr);
  story->reap_wr = -1;
  story->reaped = TRUE;
}

static gboolean
on_reap_timeout (gpointer user_data)
{
  story_reap (user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
reap_thread (gpointer user_data)
{
  g_usleep (200 * 1000);
  story_reap (user_data);
  return NULL;
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  Story story = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  GPidFdExitInfo *info = NULL;
  struct utsname u;
  int gate_wr;
  pid_t middle;

  if (row->uname26)
    {
      g_assert_cmpint (personality (PER_LINUX | UNAME26), !=, -1);
      g_assert_cmpint (uname (&u), ==, 0);
      if (!g_str_has_prefix (u.release, "2.6."))
        rb_fork_skip ("personality (UNAME26) does not change the release here");
    }

  story.pid = spawn_non_child (&middle, &gate_wr, &story.reap_wr);
  pidfd = g_pidfd_new_from_pid (story.pid, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));

  g_assert_cmpint (write (gate_wr, "x", 1), ==, 1);
  close (gate_wr);
  rb_wait_exited (story.pid, 10);

  if (row->after_reap)
    {
      story_reap (&story);
      g_assert_cmpint (WEXITSTATUS (gpt_reap (middle)), ==, 0);
    }

  switch (row->how)
    {
    case HOW_WAIT:
      {
        GThread *reaper = row->after_reap ? NULL : g_thread_new ("reap", reap_thread, &story);

        rb_watchdog_start ("g_pidfd_wait() for a non-child", 10);
        info = g_pidfd_wait (pidfd, NULL, &error);
        rb_watchdog_stop ();
        if (reaper != NULL)
          g_thread_join (reaper);
        g_assert_no_error (error);
        break;
      }

    case HOW_TRY_WAIT:
      {
        gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

        while ((info = g_pidfd_try_wait (pidfd, &error)) == NULL)
          {
            g_assert_no_error (error);
            if (!story.reaped)
              story_reap (&story);
            if (g_get_monotonic_time () > deadline)
              g_error ("try_wait gave no record for non-child %d within 10 s",
                       (int) story.pid);
            g_usleep (2000);
          }
        break;
      }

    case HOW_WAIT_ASYNC:
    case HOW_SOURCE:
      {
        GMainContext *context = g_main_context_new ();

        g_main_context_push_thread_default (context);
        if (row->how == HOW_WAIT_ASYNC)
          g_pidfd_wait_async (pidfd, NULL, rb_store_wait_result, &info);
        else
          {
            GSource *source = g_pidfd_create_source (pidfd);

            g_source_set_callback (source, G_SOURCE_FUNC (rb_store_source_info), &info, NULL);
            g_source_attach (source, context);
            g_source_unref (source);
          }
        if (!row->after_reap)
          {
            GSource *later = g_timeout_source_new (200);

            g_source_set_callback (later, on_reap_timeout, &story, NULL);
            g_source_attach (later, context);
            g_source_unref (later);
          }
        gpt_run_until_set (context, &info, 10);
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        break;
      }

    default:
      g_assert_not_reached ();
    }

  if (!row->after_reap)
    {
      if (!story.reaped)
        story_reap (&story);
      g_assert_cmpint (WEXITSTATUS (gpt_reap (middle)), ==, 0);
    }

  g_assert_nonnull (info);
  if (!g_pidfd_exit_info_has_status (info))
    rb_fail_printf ("non-child %d reaped by its parent: record without status "
                    "(uname() says %s); the kernel has PIDFD_INFO_EXIT",
                    (int) story.pid, uname (&u) == 0 ? u.release : "?");
  else
    gpt_assert_exited (info, story.pid, NON_CHILD_CODE);
  g_object_unref (info);
  g_assert_false (rb_has_children ());
}

/* Children under the personality: every way of waiting gives the full
 * record (status and rusage, from waitid on the pidfd), get_pid() and
 * query_info() work (PIDFD_GET_INFO), whatever uname() says. */
static void
children_scenario (gconstpointer data)
{
  gboolean uname26 = GPOINTER_TO_UINT (data);
  struct utsname u;

  if (uname26)
    {
      g_assert_cmpint (personality (PER_LINUX | UNAME26), !=, -1);
      g_assert_cmpint (uname (&u), ==, 0);
      if (!g_str_has_prefix (u.release, "2.6."))
        rb_fork_skip ("personality (UNAME26) does not change the release here");
    }

  for (How how = HOW_WAIT; how <= HOW_SOURCE; how++)
    {
      int code = 30 + how;
      pid_t pid = gpt_spawn_exit (code, 20);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPidFd) pidfd = g_pidfd_new_from_pid (pid, &error);
      g_autoptr(GPidFdProcessInfo) pinfo = NULL;
      GPidFdExitInfo *info = NULL;

      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (pidfd));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, pid);
      pinfo = g_pidfd_query_info (pidfd, &error);
      g_assert_no_error (error);
      g_assert_cmpint (g_pidfd_process_info_get_ppid (pinfo), ==, getpid ());

      switch (how)
        {
        case HOW_WAIT:
          info = g_pidfd_wait (pidfd, NULL, &error);
          break;
        case HOW_TRY_WAIT:
          while ((info = g_pidfd_try_wait (pidfd, &error)) == NULL && error == NULL)
            g_usleep (1000);
          break;
        case HOW_WAIT_ASYNC:
        case HOW_SOURCE:
          {
            GMainContext *context = g_main_context_new ();

            g_main_context_push_thread_default (context);
            if (how == HOW_WAIT_ASYNC)
              g_pidfd_wait_async (pidfd, NULL, rb_store_wait_result, &info);
            else
              {
                GSource *source = g_pidfd_create_source (pidfd);

                g_source_set_callback (source, G_SOURCE_FUNC (rb_store_source_info), &info,
                                       NULL);
                g_source_attach (source, context);
                g_source_unref (source);
              }
            gpt_run_until_set (context, &info, 10);
            g_main_context_pop_thread_default (context);
            g_main_context_unref (context);
            break;
          }
        default:
          g_assert_not_reached ();
        }
      g_assert_no_error (error);
      gpt_assert_exited (info, pid, code);
      g_assert_true (g_pidfd_exit_info_has_rusage (info));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
      g_object_unref (info);
    }
  g_assert_false (rb_has_children ());
}

static void
test_children (gconstpointer data)
{
  g_test_summary ("Children get full records and get_pid()/query_info() work "
                  "whatever uname() says");
  rb_fork_run ("children", RB_FORK_PLAIN, 30, children_scenario, data);
}

static void
test_row (gconstpointer data)
{
  g_test_summary ("A non-child's status is read through PIDFD_INFO_EXIT once "
                  "its parent has reaped it, whatever uname() says");
  if (!rb_kernel_has_exit_info ())
    {
      g_test_skip ("the kernel has no PIDFD_INFO_EXIT (Linux 6.15)");
      return;
    }
  rb_fork_run ("non-child status", RB_FORK_PLAIN, 30, scenario, data);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  g_test_init (&argc, &argv, NULL);
  /* Types and the default main context, nothing that asks the kernel. */
  rb_warm_up ();

  for (guint uname26 = 0; uname26 <= 1; uname26++)
    for (How how = HOW_WAIT; how <= HOW_SOURCE; how++)
      for (guint after_reap = 0; after_reap <= 1; after_reap++)
        {
          Row row = { uname26, how, after_reap };

          g_array_append_val (rows, row);
        }

  gpt_add_checked ("/robust/probing/uname-real/children", GUINT_TO_POINTER (FALSE),
                  test_children);
  gpt_add_checked ("/robust/probing/uname-2.6/children", GUINT_TO_POINTER (TRUE),
                  test_children);

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/probing/%s/%s/%s",
                                               row->uname26 ? "uname-2.6" : "uname-real",
                                               how_names[row->how],
                                               row->after_reap ? "wait-after-reap"
                                                               : "wait-before-reap");

      gpt_add_checked (path, row, test_row);
    }

  return g_test_run ();
}
