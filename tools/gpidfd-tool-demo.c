/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-tool-demo.c: gpidfd demo, children that end in different ways */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "gpidfd-tool.h"

typedef enum
{
  DEMO_EXIT_0,
  DEMO_EXIT_3,
  DEMO_SIGTERM,
  DEMO_SIGKILL,
  DEMO_BURN,
  N_DEMO_KINDS
} DemoKind;

static const char * const demo_labels[N_DEMO_KINDS] = {
  "exit 0", "exit 3", "SIGTERM", "SIGKILL", "burn CPU, exit 0",
};

/* What child i uses, so that each record differs: (i % 8 + 1) times this
 * much memory touched, and of CPU time before exiting (the burner: more). */
#define DEMO_MEMORY_STEP (2 * 1024 * 1024)
#define DEMO_CPU_STEP_NS (10 * 1000 * 1000)
#define DEMO_BURN_NS     (150 * 1000 * 1000)
/* Signalled children get this long to touch their memory first. */
#define DEMO_SIGNAL_DELAY_MS 200

typedef struct _DemoState DemoState;

typedef struct
{
  DemoState *state;
  guint index;
  DemoKind kind;
  GPid pid;
  GPidFd *pidfd;
  gboolean done;
} DemoChild;

struct _DemoState
{
  GMainLoop *loop;
  gboolean json;
  guint n_pending;
  guint n_as_expected;
  gboolean timed_out;
};

static gint64
process_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* In the forked child: only async-signal-safe calls from here on. */
G_GNUC_NORETURN static void
demo_child_main (guint    index,
                 DemoKind kind,
                 pid_t    parent)
{
  volatile guint64 sink = 0;
  guint step = index % 8 + 1;
  gsize size = (gsize) step * DEMO_MEMORY_STEP;
  gint64 cpu_ns = kind == DEMO_BURN ? DEMO_BURN_NS : (gint64) step * DEMO_CPU_STEP_NS;
  char *memory;

  /* Never outlive the demo, whatever happens to it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (GPIDFD_TOOL_EXIT_FAILED);

  memory = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory != MAP_FAILED)
    memset (memory, 1, size);

  if (kind == DEMO_SIGTERM || kind == DEMO_SIGKILL)
    for (;;)
      pause ();

  while (process_cpu_ns () < cpu_ns)
    for (guint i = 0; i < 10000; i++)
      sink += i * i;

  switch (kind)
    {
    case DEMO_EXIT_3:
      _exit (3);
    case DEMO_EXIT_0:
    case DEMO_BURN:
      /* Reads the sum, so that the loop is not optimized out; always 0. */
      _exit ((int) (sink & 0));
    case DEMO_SIGTERM:
    case DEMO_SIGKILL:
    case N_DEMO_KINDS:
    default:
      _exit (GPIDFD_TOOL_EXIT_FAILED);
    }
}

static gboolean
demo_as_expected (DemoKind        kind,
                  GPidFdExitInfo *info)
{
  switch (kind)
    {
    case DEMO_EXIT_0:
      return g_pidfd_exit_info_get_if_exited (info) && g_pidfd_exit_info_get_exit_status (info) == 0;
    case DEMO_EXIT_3:
      return g_pidfd_exit_info_get_if_exited (info) && g_pidfd_exit_info_get_exit_status (info) == 3;
    case DEMO_SIGTERM:
      return g_pidfd_exit_info_get_if_signaled (info) &&
             g_pidfd_exit_info_get_term_sig (info) == SIGTERM;
    case DEMO_SIGKILL:
      return g_pidfd_exit_info_get_if_signaled (info) &&
             g_pidfd_exit_info_get_term_sig (info) == SIGKILL;
    case DEMO_BURN:
      return g_pidfd_exit_info_get_if_exited (info) &&
             g_pidfd_exit_info_get_exit_status (info) == 0 &&
             g_pidfd_exit_info_get_user_time (info) + g_pidfd_exit_info_get_system_time (info) > 0;
    case N_DEMO_KINDS:
    default:
      return FALSE;
    }
}

static void
print_record (DemoChild      *child,
              GPidFdExitInfo *info)
{
  GPidFdToolStream *out = gpidfd_tool_stdout ();

  if (child->state->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, "exit");
      json_builder_set_member_name (builder, "pid");
      json_builder_add_int_value (builder, child->pid);
      json_builder_set_member_name (builder, "label");
      json_builder_add_string_value (builder, demo_labels[child->kind]);
      json_builder_set_member_name (builder, "child");
      json_builder_add_boolean_value (builder, g_pidfd_is_child (child->pidfd));
      gpidfd_tool_json_add_exit_info (builder, info);
      json_builder_end_object (builder);
      gpidfd_tool_json_emit (out, builder);
    }
  else
    {
      g_autofree char *ending = g_pidfd_exit_info_describe (info);
      const struct rusage *ru = g_pidfd_exit_info_get_rusage (info);

      gpidfd_tool_stream_print (out, "%d [%s]: %s; user %.3f s, system %.3f s, "
                                "max RSS %" G_GINT64_FORMAT " KiB, %ld minor faults\n",
                                child->pid, demo_labels[child->kind], ending,
                                (double) g_pidfd_exit_info_get_user_time (info) / G_USEC_PER_SEC,
                                (double) g_pidfd_exit_info_get_system_time (info) / G_USEC_PER_SEC,
                                g_pidfd_exit_info_get_max_rss (info),
                                ru != NULL ? ru->ru_minflt : 0);
    }
}

static void
on_demo_child_done (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  DemoChild *child = user_data;
  DemoState *state = child->state;
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  child->done = TRUE;
  info = g_pidfd_wait_finish (G_PIDFD (object), result, &error);
  if (info == NULL)
    gpidfd_tool_report_error (state->json ? gpidfd_tool_stdout () : NULL, child->pid, NULL, error);
  else
    {
      print_record (child, info);
      if (demo_as_expected (child->kind, info))
        state->n_as_expected++;
      else
        gpidfd_tool_error ("Process %d [%s] did not end as expected", child->pid,
                           demo_labels[child->kind]);
    }

  if (--state->n_pending == 0)
    g_main_loop_quit (state->loop);
}

static gboolean
on_demo_send_signal (gpointer user_data)
{
  DemoChild *child = user_data;
  g_autoptr(GError) error = NULL;
  int signum = child->kind == DEMO_SIGTERM ? SIGTERM : SIGKILL;

  if (!g_pidfd_send_signal (child->pidfd, signum, &error))
    gpidfd_tool_report_error (child->state->json ? gpidfd_tool_stdout () : NULL,
                              child->pid, NULL, error);

  return G_SOURCE_REMOVE;
}

static gboolean
on_demo_timeout (gpointer user_data)
{
  DemoState *state = user_data;

  gpidfd_tool_error ("The demo children took too long to end");
  state->timed_out = TRUE;
  g_main_loop_quit (state->loop);

  return G_SOURCE_REMOVE;
}

int
gpidfd_tool_demo (int    argc,
                  char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      "Print JSON Lines, one object per event", NULL },
    G_OPTION_ENTRY_NULL
  };
  const GPidFdToolCommandInfo info = {
    "demo", "[N]",
    "Start N children (5 by default, at most 1000) that end in different ways - "
    "exit 0, exit 3, SIGTERM, SIGKILL, burn CPU then exit 0 - and watch them all "
    "from one main loop, printing each record as it ends.",
    "Child i (from 0) touches 2 MiB times (i mod 8) + 1 of memory and, unless "
    "it waits for its signal, uses 10 ms times (i mod 8) + 1 of CPU time (the "
    "burner 150 ms), so that each record shows its own resource usage.\n"
    "\n"
    "Exit status: 0 when every child ended as expected, 1 otherwise, 2 on a "
    "usage error.",
    FALSE,
    FALSE,
  };
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree DemoChild *children = NULL;
  g_autoptr(GError) loop_error = NULL;
  DemoState state = { 0, };
  guint64 n = 5;
  guint timeout_id;
  pid_t self = getpid ();
  int status;

  if (!gpidfd_tool_parse_options (&info, entries, &argc, &argv, &status))
    return status;
  if (json)
    gpidfd_tool_set_json_errors (gpidfd_tool_stdout ());

  if (argc > 2)
    return gpidfd_tool_usage_error (argv[2], "Expected at most one argument, the number of children");
  if (argc == 2 && !g_ascii_string_to_unsigned (argv[1], 10, 1, 1000, &n, NULL))
    return gpidfd_tool_usage_error (argv[1], "'%s' is not a number of children from 1 to 1000",
                                    argv[1]);

  loop = gpidfd_tool_main_loop_new (&loop_error);
  if (loop == NULL)
    {
      gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, 0, NULL, loop_error);
      return gpidfd_tool_finish (EXIT_FAILURE, EXIT_FAILURE, NULL);
    }
  state.loop = loop;
  state.json = json;
  children = g_new0 (DemoChild, n);

  /* Fork them all before anything else runs in this process. */
  for (guint i = 0; i < n; i++)
    {
      DemoChild *child = &children[i];
      pid_t pid;

      child->state = &state;
      child->index = i;
      child->kind = i % N_DEMO_KINDS;
      pid = fork ();
      if (pid < 0)
        {
          gpidfd_tool_error ("Cannot start a child: %s", g_strerror (errno));
          n = i;
          break;
        }
      if (pid == 0)
        demo_child_main (i, child->kind, self);
      child->pid = pid;
    }

  for (guint i = 0; i < n; i++)
    {
      DemoChild *child = &children[i];
      g_autoptr(GError) error = NULL;

      /* Race-free: an unreaped child keeps its pid. */
      child->pidfd = g_pidfd_new_from_pid (child->pid, &error);
      if (child->pidfd == NULL)
        {
          gpidfd_tool_report_error (json ? gpidfd_tool_stdout () : NULL, child->pid, NULL, error);
          kill (child->pid, SIGKILL);
          continue;
        }

      state.n_pending++;
      g_pidfd_wait_async (child->pidfd, NULL, on_demo_child_done, child);

      if (child->kind == DEMO_SIGTERM || child->kind == DEMO_SIGKILL)
        g_timeout_add (DEMO_SIGNAL_DELAY_MS + 10 * (i / N_DEMO_KINDS), on_demo_send_signal, child);
    }

  if (state.n_pending > 0)
    {
      /* Burning children share the CPUs: allow for many of them. */
      timeout_id = g_timeout_add_seconds (10 + n / 5, on_demo_timeout, &state);
      g_main_loop_run (loop);
      if (!state.timed_out)
        g_source_remove (timeout_id);
    }

  for (guint i = 0; i < n; i++)
    {
      if (children[i].pidfd != NULL && !children[i].done)
        g_pidfd_send_signal (children[i].pidfd, SIGKILL, NULL);
      g_clear_object (&children[i].pidfd);
    }

  if (!json)
    gpidfd_tool_stream_print (gpidfd_tool_stdout (), "%u of %u children ended as expected\n",
                              state.n_as_expected, (guint) n);

  status = state.n_as_expected == n ? EXIT_SUCCESS : EXIT_FAILURE;
  return gpidfd_tool_finish (status, EXIT_FAILURE, NULL);
}
