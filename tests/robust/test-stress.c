/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-stress.c: many processes at once, and many in a row */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gpidfd-watcher-private.h"
#include "gt.h"

/* One child of the mass exit. */
typedef struct
{
  pid_t pid;
  int code;
  int signum;
  guint completions;
  guint errors;
} Slot;

typedef struct
{
  guint done;
} Counter;

typedef struct
{
  Counter *counter;
  Slot *slot;
} SlotRef;

static void
on_mass_wait_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SlotRef *ref = user_data;
  Slot *slot = ref->slot;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;

  info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  slot->completions++;
  ref->counter->done++;
  if (info == NULL)
    {
      g_test_message ("process %d: %s", slot->pid, error->message);
      slot->errors++;
    }
  else if (slot->signum != 0)
    gt_assert_signaled (info, slot->pid, slot->signum);
  else
    gt_assert_exited (info, slot->pid, slot->code);

  g_free (ref);
}

/* Every process exits at the same moment: the gate they all read closes.
 * Half of the GPidFds are dropped by the caller right after the wait is
 * started, so only the pending waits keep them alive. */
static void
test_mass_exit (void)
{
  guint n = gt_scale (3000, 20);
  GMainContext *context = g_main_context_new ();
  g_autofree Slot *slots = g_new0 (Slot, n);
  GPtrArray *kept = g_ptr_array_new_with_free_func (g_object_unref);
  Counter counter = { 0 };
  guint fds_before;
  int gate[2];

  g_test_summary ("Children exiting at once, each waited for with "
                  "g_pidfd_wait_async: every completion once, every status "
                  "right, every child reaped, no descriptor left");
  g_test_message ("%u children", n);

  g_assert_cmpuint (gt_raise_nofile (), >, n + 64);
  g_main_context_push_thread_default (context);

  fds_before = gt_count_fds ();
  g_assert_cmpint (pipe2 (gate, O_CLOEXEC), ==, 0);

  for (guint i = 0; i < n; i++)
    {
      slots[i].code = i % 200;
      slots[i].signum = (i % 10 == 3) ? SIGKILL : (i % 10 == 7) ? SIGTERM : 0;
      slots[i].pid = gt_spawn_gated (gate[0], gate[1], slots[i].code, slots[i].signum);
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      GPidFd *pidfd = g_pidfd_new_from_pid (slots[i].pid, &error);
      SlotRef *ref = g_new0 (SlotRef, 1);

      g_assert_no_error (error);
      g_assert_true (g_pidfd_is_child (pidfd));
      ref->counter = &counter;
      ref->slot = &slots[i];
      g_pidfd_wait_async (pidfd, NULL, on_mass_wait_done, ref);
      if (i % 2 == 0)
        g_ptr_array_add (kept, pidfd);
      else
        g_object_unref (pidfd);
    }
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 1);

  /* Open the gate: every child exits now. */
  close (gate[1]);
  gt_run_until_count (context, &counter.done, n, 300);

  /* A late duplicate completion would show up in these iterations. */
  while (g_main_context_iteration (context, FALSE))
    ;

  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpuint (slots[i].completions, ==, 1);
      g_assert_cmpuint (slots[i].errors, ==, 0);
    }
  g_assert_cmpuint (counter.done, ==, n);
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);

  g_ptr_array_unref (kept);
  close (gate[0]);
  g_assert_cmpuint (gt_count_fds (), ==, fds_before);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static int
raw_pidfd_open (pid_t pid)
{
  return (int) syscall (SYS_pidfd_open, pid, 0);
}

/* One open/wait/unref cycle, in one of six ways. */
static void
one_cycle (GMainContext *context,
           guint         i)
{
  int code = i % 256;
  pid_t pid = gt_spawn_exit (code, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) pidfd = NULL;
  g_autoptr(GPidFdExitInfo) info = NULL;
  guint mode = i % 6;

  if (mode == 5)
    {
      int fd = raw_pidfd_open (pid);

      g_assert_cmpint (fd, >=, 0);
      pidfd = g_pidfd_new_from_fd (fd, &error);
      close (fd);
    }
  else
    pidfd = g_pidfd_new_from_pid_full (pid, mode == 4 ? G_PIDFD_FLAGS_NO_REAP : G_PIDFD_FLAGS_NONE,
                                       &error);
  g_assert_no_error (error);

  switch (mode)
    {
    case 0:
    case 4:
    case 5:
      info = g_pidfd_wait (pidfd, NULL, &error);
      break;
    case 1:
      g_pidfd_wait_async (pidfd, NULL, gt_store_wait_result, &info);
      gt_run_until_set (context, &info, 30);
      break;
    case 2:
      {
        struct pollfd pfd = { .fd = g_pidfd_get_fd (pidfd), .events = POLLIN };

        while (poll (&pfd, 1, -1) < 0)
          g_assert_cmpint (errno, ==, EINTR);
        info = g_pidfd_try_wait (pidfd, &error);
      }
      break;
    case 3:
      {
        GSource *source = g_pidfd_create_source (pidfd);

        g_source_set_callback (source, G_SOURCE_FUNC (gt_store_source_info), &info, NULL);
        g_source_attach (source, context);
        gt_run_until_set (context, &info, 30);
        g_source_destroy (source);
        g_source_unref (source);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_no_error (error);
  gt_assert_exited (info, pid, code);

  if (mode == 4)
    {
      /* Not reaped: the status is still there for its owner. */
      int status = gt_reap (pid);

      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, code);
    }
  else
    g_assert_cmpint (g_pidfd_get_pid (pidfd), ==, -1);
}

/* The RSS may grow by this much between the end of the warm-up and the
 * end: see doc/reliability.md. */
#define RSS_SLACK_KIB 512

static void
test_open_wait_unref (void)
{
  guint n = gt_scale (20000, 120);
  guint warmup = n / 10;
  GMainContext *context = g_main_context_new ();
  guint fds_start;
  guint fds_base = 0;
  guint64 rss_base = 0;
  guint64 rss_end;

  g_test_summary ("Open, wait and drop a process many times, six ways: "
                  "no descriptor and no memory may accumulate");
  g_test_message ("%u cycles, %u of warm-up", n, warmup);

  g_main_context_push_thread_default (context);
  fds_start = gt_count_fds ();

  for (guint i = 0; i < n; i++)
    {
      one_cycle (context, i);

      if (i + 1 == warmup)
        {
          fds_base = gt_count_fds ();
          rss_base = gt_rss_kib ();
        }
      if (i % 500 == 0)
        g_assert_cmpuint (gt_count_fds (), ==, fds_start);
    }

  g_assert_cmpuint (gt_count_fds (), ==, fds_start);
  g_assert_cmpuint (gt_count_fds (), ==, fds_base);
  g_assert_false (gt_has_children ());
  g_assert_cmpuint (gpidfd_watcher_count (), ==, 0);

  rss_end = gt_rss_kib ();
  g_test_message ("RSS after warm-up %" G_GUINT64_FORMAT " KiB, at the end %"
                  G_GUINT64_FORMAT " KiB", rss_base, rss_end);
  if (gt_heap_is_instrumented ())
    g_test_message ("RSS bound not checked: the heap is instrumented (leaks are "
                    "checked by the instrumentation instead)");
  else
    g_assert_cmpuint (rss_end, <=, rss_base + RSS_SLACK_KIB);

  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

int
main (int    argc,
      char **argv)
{
  gt_init (&argc, &argv, GT_INIT_DEFAULT);

  gt_add ("/robust/stress/mass-exit", test_mass_exit);
  gt_add ("/robust/stress/open-wait-unref", test_open_wait_unref);

  return g_test_run ();
}
