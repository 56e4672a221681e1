/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-parentage.c: a process that becomes the caller's child after it
 * was opened
 *
 * A grandchild is opened while its parent (the middle process) lives, so
 * it is not the caller's child then. The middle process exits and the
 * caller reaps it: the grandchild is reparented to the caller, which is a
 * child subreaper (PR_SET_CHILD_SUBREAPER) or pid 1 of a pid namespace.
 * From then on only the caller can reap it, and gpidfd must: whether the
 * caller is the parent is decided when the status is collected, not when
 * the pidfd was opened.
 *
 * One table: the way the status is collected (blocking wait, try_wait,
 * wait_async, a source) x the way the process becomes ours (subreaper,
 * pid 1 of a new pid namespace) x when the wait starts (before the
 * reparenting, after it) x when the grandchild exits (after it was
 * reparented, or before, as a zombie that the reparenting hands over)
 * x the flags (none, NO_REAP). Each row runs in a forked child (the
 * subreaper bit and the namespace stay there) bounded in time, and checks
 * the record, is_child before and after, and that no zombie is left (or,
 * with NO_REAP, that exactly the zombie is left for the caller).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "robust-common.h"

#define GRANDCHILD_CODE 7

typedef enum
{
  HOW_WAIT,
  HOW_TRY_WAIT,
  HOW_WAIT_ASYNC,
  HOW_SOURCE,
} How;

typedef enum
{
  VIA_SUBREAPER,
  VIA_PIDNS_INIT,
} Via;

typedef enum
{
  START_AFTER_REPARENT,
  START_BEFORE_REPARENT,
} Start;

typedef enum
{
  EXIT_AFTER_REPARENT,
  EXIT_BEFORE_REPARENT,
} Exit;

typedef struct
{
  How how;
  Via via;
  Start start;
  Exit exit;
  GPidFdFlags flags;
} Row;

static const char *how_names[] = { "wait", "try-wait", "wait-async", "source" };
static const char *via_names[] = { "subreaper", "pidns-init" };
static const char *start_names[] = { "wait-after-reparent", "wait-before-reparent" };
static const char *exit_names[] = { "exit-after-reparent", "exit-before-reparent" };

/* The middle process and its gated grandchild. */
typedef struct
{
  pid_t middle;
  pid_t grandchild;
  int release_wr;  /* closed: the middle process exits */
  int gate_wr;     /* closed: the grandchild exits GRANDCHILD_CODE */
  const Row *row;
} Family;

static void
family_spawn (Family *family)
{
  int pidpipe[2], release[2], gate[2];
  pid_t middle;

  g_assert_cmpint (pipe2 (pidpipe, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (release, O_CLOEXEC), ==, 0);
  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);

  middle = fork ();
  g_assert_cmpint (middle, >=, 0);
  if (middle == 0)
    {
      pid_t grandchild;
      char c;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      close (pidpipe[0]);
      close (release[1]);
      grandchild = rb_spawn_gated (gate[0], gate[1], GRANDCHILD_CODE, 0);
      close (gate[0]);
      close (gate[1]);
      if (write (pidpipe[1], &grandchild, sizeof grandchild) != sizeof grandchild)
        _exit (96);
      close (pidpipe[1]);
      /* Never reaps the grandchild: leaves it to whoever inherits it. */
      while (read (release[0], &c, 1) < 0 && errno == EINTR)
        ;
      _exit (0);
    }

  close (pidpipe[1]);
  close (release[0]);
  close (gate[0]);
  g_assert_cmpint (read (pidpipe[0], &family->grandchild, sizeof (pid_t)), ==, sizeof (pid_t));
  close (pidpipe[0]);
  family->middle = middle;
  family->release_wr = release[1];
  family->gate_wr = gate[1];
}

static void
family_release_grandchild (Family *family)
{
  close (family->gate_wr);
  family->gate_wr = -1;
}

/* The middle process exits; once it is reaped, the grandchild (alive or
 * a zombie) is ours. */
static void
family_reparent (Family *family)
{
  int status;

  close (family->release_wr);
  family->release_wr = -1;
  status = gpt_reap (family->middle);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

/* What happens after the wait has started, in the row's order. */
static void
family_play (Family *family)
{
  if (family->row->exit == EXIT_BEFORE_REPARENT)
    {
      family_release_grandchild (family);
      rb_wait_exited (family->grandchild, 10);
      family_reparent (family);
    }
  else
    {
      family_reparent (family);
      family_release_grandchild (family);
    }
}

static gpointer
family_play_thread (gpointer user_data)
{
  /* Let the wait start and settle as a wait for a non-child first. */
  g_usleep (100 * 1000);
  family_play (user_data);

  return NULL;
}

static GPidFdExitInfo *
collect (GPidFd  *pidfd,
         How      how,
         Family  *family,
         gboolean play_meanwhile)
{
  GPidFdExitInfo *info = NULL;
  g_autoptr(GError) error = NULL;
  GThread *player = NULL;

  if (play_meanwhile)
    player = g_thread_new ("family", family_play_thread, family);

  switch (how)
    {
    case HOW_WAIT:
      rb_watchdog_start ("g_pidfd_wait() for a grandchild reparented to the caller", 5);
      info = g_pidfd_wait (pidfd, NULL, &error);
      rb_watchdog_stop ();
      g_assert_no_error (error);
      break;

    case HOW_TRY_WAIT:
      {
        gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

        while ((info = g_pidfd_try_wait (pidfd, &error)) == NULL)
          {
            g_assert_no_error (error);
            if (g_get_monotonic_time () > deadline)
              g_error ("g_pidfd_try_wait() gave no record for grandchild %d "
                       "5 s after it became our child", family->grandchild);
            g_usleep (2000);
          }
        break;
      }

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

            g_source_set_callback (source, G_SOURCE_FUNC (rb_store_source_info), &info, NULL);
            g_source_attach (source, context);
            g_source_unref (source);
          }
        gpt_run_until_set (context, &info, 5);
        g_main_context_pop_thread_default (context);
        g_main_context_unref (context);
        break;
      }

    default:
      g_assert_not_reached ();
    }

  if (player != NULL)
    g_thread_join (player);

  return info;
}

static void
scenario (gconstpointer data)
{
  const Row *row = data;
  Family family = { .row = row };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  if (row->via == VIA_SUBREAPER)
    g_assert_cmpint (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), ==, 0);
  else
    g_assert_cmpint (getpid (), ==, 1);

  family_spawn (&family);

  pidfd = g_pidfd_new_from_pid_full (family.grandchild, row->flags, &error);
  g_assert_no_error (error);
  g_assert_false (g_pidfd_is_child (pidfd));
  g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, family.grandchild);

  if (row->start == START_AFTER_REPARENT)
    {
      family_play (&family);
      /* is_child answers for now (checked, then the wait is tried too). */
      if (!g_pidfd_is_child (pidfd))
        rb_fail_printf ("is_child FALSE for process %d after it was reparented to us",
                        family.grandchild);
      info = collect (pidfd, row->how, &family, FALSE);
    }
  else
    info = collect (pidfd, row->how, &family, TRUE);
  g_assert_true (g_pidfd_is_child (pidfd));

  gpt_assert_exited (info, family.grandchild, GRANDCHILD_CODE);
  g_assert_cmpint (g_pidfd_exit_info_get_uid (info), ==, getuid ());

  if (row->flags & G_PIDFD_FLAGS_NO_REAP)
    {
      int status;

      /* Read with WNOWAIT: the zombie is the caller's to reap. */
      g_assert_true (rb_is_unreaped_zombie (family.grandchild));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, family.grandchild);
      status = gpt_reap (family.grandchild);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, GRANDCHILD_CODE);
    }
  else
    {
      /* Reaped by gpidfd: no zombie left. */
      g_assert_false (rb_is_unreaped_zombie (family.grandchild));
      g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
    }
  g_assert_false (rb_has_children ());

  /* The record is kept. */
  {
    g_autoptr(GPidFdExitInfo) again = g_pidfd_wait (pidfd, NULL, &error);

    g_assert_no_error (error);
    g_assert_true (again == info);
  }
}

static void
test_row (gconstpointer data)
{
  const Row *row = data;
  RbForkFlags flags = RB_FORK_PLAIN;

  g_test_summary ("A grandchild opened before it was reparented to the caller "
                  "is collected, with its status, once it is the caller's child");

  if (row->via == VIA_PIDNS_INIT)
    {
      g_autofree char *why = rb_pidns_unavailable (RB_FORK_NEW_PIDNS);

      if (why != NULL)
        {
          g_test_skip (why);
          return;
        }
      flags = RB_FORK_NEW_PIDNS;
    }

  rb_fork_run ("reparented grandchild", flags, 30, scenario, row);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (Row));

  g_test_init (&argc, &argv, NULL);
  rb_warm_up ();

  for (How how = HOW_WAIT; how <= HOW_SOURCE; how++)
    for (Via via = VIA_SUBREAPER; via <= VIA_PIDNS_INIT; via++)
      for (Start start = START_AFTER_REPARENT; start <= START_BEFORE_REPARENT; start++)
        for (Exit ex = EXIT_AFTER_REPARENT; ex <= EXIT_BEFORE_REPARENT; ex++)
          for (guint no_reap = 0; no_reap <= 1; no_reap++)
            {
              Row row = { how, via, start, ex, no_reap ? G_PIDFD_FLAGS_NO_REAP : 0 };

              g_array_append_val (rows, row);
            }

  for (guint i = 0; i < rows->len; i++)
    {
      const Row *row = &g_array_index (rows, Row, i);
      g_autofree char *path = g_strdup_printf ("/robust/parentage/%s/%s/%s/%s%s",
                                               via_names[row->via], how_names[row->how],
                                               start_names[row->start], exit_names[row->exit],
                                               row->flags ? "/no-reap" : "");

      gpt_add_checked (path, row, test_row);
    }

  return g_test_run ();
}
