/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* benchmark.c: what it costs to wait for many processes, per watcher
 *
 * Every (watcher, scenario, N) case runs in a fresh forked process, which
 * forks its N children (or spawns them, for GSubprocess), sets up one
 * wait per child, and then measures only the kills and the callbacks:
 *
 *   seq    kill child i, iterate until its callback ran, then the next;
 *          the other children stay watched the whole time
 *   storm  kill all N, then iterate until all N callbacks ran
 *
 * A watcher is one row of the watchers[] table: its loop's one-time
 * set-up, the per-process objects it needs, how it registers the N waits
 * and one iteration of its loop. case_run() walks the same steps for
 * every row, so every watcher gets the same children, the same kills and
 * the same clocks.
 *
 * The case process reports its numbers through a pipe; the parent prints a
 * line per measurement, a table of medians over the runs, and checks the
 * targets of the scale requirement on ratios taken within each run.
 */

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gpidfd/gpidfd.h>

#ifdef HAVE_LIBSYSTEMD
# include <systemd/sd-event.h>
#endif

#define BENCH_P_PIDFD 3
#ifndef SYS_pidfd_open
# define SYS_pidfd_open 434
#endif

/* Descriptors a case needs besides one per child. */
#define FD_MARGIN 64

typedef enum
{
  WATCHER_WAIT_ASYNC,
  WATCHER_CREATE_SOURCE,
  WATCHER_CHILD_WATCH,
  WATCHER_SUBPROCESS,
  WATCHER_SD_EVENT,
  WATCHER_FLOOR,
  N_WATCHERS
} Watcher;

typedef enum
{
  SCENARIO_SEQ,
  SCENARIO_STORM,
  N_SCENARIOS
} Scenario;

static const char * const scenario_names[N_SCENARIOS] = {
  "seq",
  "storm",
};

/* The floor and wait-async run next to each other, so that the ratio of
 * the two within a run sees the same load on a shared machine; sd-event,
 * the other loop that keeps one epoll set, comes right after them. */
static const Watcher run_order[N_WATCHERS] = {
  WATCHER_FLOOR,
  WATCHER_WAIT_ASYNC,
  WATCHER_SD_EVENT,
  WATCHER_CREATE_SOURCE,
  WATCHER_CHILD_WATCH,
  WATCHER_SUBPROCESS,
};

/* What a case process sends back: plain data, written in one go. */
typedef struct
{
  gint ok;
  guint n;
  guint n_done;
  guint n_bad;            /* callbacks whose status was not SIGKILL */
  gint children_left;     /* unreaped or live children after the case */
  gint64 cpu_us;          /* utime + stime of the measured phase */
  gint64 wall_ns;         /* first kill to last callback */
  gint64 lat_p50_ns;
  gint64 lat_p99_ns;
  gint64 lat_max_ns;
  gint64 rss_children_kb; /* VmRSS once the children exist */
  gint64 rss_objects_kb;  /* ... and the per-process objects */
  gint64 rss_waits_kb;    /* ... and the N pending waits */
  gint64 anon_objects_kb; /* RssAnon at the same two points */
  gint64 anon_waits_kb;
  gint64 setup_ns;        /* registering the N waits */
  char error[256];
} CaseResult;

/* State of the one case a case process runs. */
typedef struct
{
  guint n;
  pid_t *pids;
  GPidFd **pidfds;
  GSubprocess **subprocesses;
  int *fds;               /* raw pidfds: floor, sd-event */
  int epfd;               /* floor */
#ifdef HAVE_LIBSYSTEMD
  sd_event *sd_loop;
  sd_event_source **sd_sources;
#endif
  gint64 *kill_ns;
  gint64 *lat_ns;
  gboolean *done;
  guint n_done;
  guint n_bad;
  gint64 last_ns;
} CaseState;

static CaseState state;

/* One row per watcher. Each step returns FALSE after case_fail(). */
typedef struct
{
  const char *name;
  const char *description;
  /* FALSE: the watcher was not built in (its library was not found). */
  gboolean available;
  /* TRUE: make_objects() makes the children (GSubprocess spawns them);
   * otherwise case_run() forks N children that pause(). */
  gboolean spawns_children;
  /* The loop's one-time set-up, before the first memory reading. */
  gboolean (*setup) (CaseResult *r);
  /* The per-process objects, before any wait exists; NULL for none. */
  gboolean (*make_objects) (CaseResult *r);
  /* Registers the N waits. */
  gboolean (*add_waits) (CaseResult *r);
  /* One iteration of the loop, blocking or not; returns whether it
   * handled anything. */
  gboolean (*iterate) (gboolean    may_block,
                       CaseResult *r);
  /* Frees the loop once the case is over; NULL for nothing. */
  void (*teardown) (void);
} WatcherClass;

static const WatcherClass watchers[N_WATCHERS];

static inline gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);

  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gint64
cpu_self_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);

  return (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* Reads "VmRSS:" and "RssAnon:" from /proc/self/status, in KiB. */
static void
read_rss (gint64 *vm_rss_kb,
          gint64 *rss_anon_kb)
{
  char buf[4096];
  ssize_t len;
  const char *p;
  int fd;

  *vm_rss_kb = -1;
  *rss_anon_kb = -1;

  fd = open ("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  len = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (len <= 0)
    return;
  buf[len] = '\0';

  p = strstr (buf, "\nVmRSS:");
  if (p != NULL)
    *vm_rss_kb = g_ascii_strtoll (p + strlen ("\nVmRSS:"), NULL, 10);
  p = strstr (buf, "\nRssAnon:");
  if (p != NULL)
    *rss_anon_kb = g_ascii_strtoll (p + strlen ("\nRssAnon:"), NULL, 10);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static gint64
percentile (const gint64 *sorted,
            guint         n,
            double        p)
{
  guint rank;

  if (n == 0)
    return 0;
  rank = (guint) ceil (p * n);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;

  return sorted[rank - 1];
}

static gboolean
case_fail (CaseResult *r,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

/* Marks the case failed (the first reason wins); returns FALSE. */
static gboolean
case_fail (CaseResult *r,
           const char *format,
           ...)
{
  va_list args;

  if (!r->ok)
    return FALSE;
  r->ok = FALSE;
  va_start (args, format);
  g_vsnprintf (r->error, sizeof r->error, format, args);
  va_end (args);

  return FALSE;
}

/* Records one exit; @ok says whether it was the expected SIGKILL. */
static void
note_exit (guint    i,
           gboolean ok)
{
  gint64 t = now_ns ();

  g_assert (i < state.n && !state.done[i]);
  state.done[i] = TRUE;
  state.lat_ns[i] = t - state.kill_ns[i];
  state.last_ns = t;
  state.n_done++;
  if (!ok)
    state.n_bad++;
}

/* The children */

static G_GNUC_NORETURN void
pause_child_main (pid_t parent)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (0);
  for (;;)
    pause ();
}

static void
subprocess_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Kills and reaps whatever children are left; for the failure paths. */
static void
kill_all_children (void)
{
  for (guint i = 0; i < state.n; i++)
    if (state.pids[i] > 0)
      kill (state.pids[i], SIGKILL);
  while (waitpid (-1, NULL, __WALL) > 0 || errno == EINTR)
    ;
}

/* GLib's loop, shared by the GLib watchers */

/* GLib's one-time set-up, common to every GLib watcher: the default
 * main context, and the GTask type, whose registration starts GLib's
 * worker thread. Done after forking, so the children come from a
 * single-threaded process, and before the first reading, so that the
 * figures per wait do not carry it. */
static gboolean
glib_setup (CaseResult *r)
{
  g_main_context_default ();
  g_type_ensure (G_TYPE_TASK);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  return TRUE;
}

static gboolean
glib_iterate (gboolean    may_block,
              CaseResult *r)
{
  return g_main_context_iteration (NULL, may_block);
}

/* A GPidFd per child: wait-async and create-source. */
static gboolean
gpidfd_make_objects (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    {
      g_autoptr(GError) error = NULL;

      state.pidfds[i] = g_pidfd_new_from_pid (state.pids[i], &error);
      if (state.pidfds[i] == NULL)
        return case_fail (r, "g_pidfd_new_from_pid: %s", error->message);
    }

  return TRUE;
}

/* A raw pidfd per child: floor and sd-event. */
static gboolean
pidfd_make_objects (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    {
      state.fds[i] = (int) syscall (SYS_pidfd_open, state.pids[i], 0);
      if (state.fds[i] < 0)
        return case_fail (r, "pidfd_open: %s", g_strerror (errno));
    }

  return TRUE;
}

/* wait-async */

static void
on_wait_async_done (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  guint i = GPOINTER_TO_UINT (user_data);
  g_autoptr(GPidFdExitInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = g_pidfd_wait_finish (G_PIDFD (source_object), result, &error);
  note_exit (i, info != NULL &&
                g_pidfd_exit_info_get_if_signaled (info) &&
                g_pidfd_exit_info_get_term_sig (info) == SIGKILL);
  g_clear_object (&state.pidfds[i]);
}

static gboolean
wait_async_add_waits (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    g_pidfd_wait_async (state.pidfds[i], NULL, on_wait_async_done, GUINT_TO_POINTER (i));

  return TRUE;
}

/* create-source */

static gboolean
on_source_done (GPidFd         *pidfd,
                GPidFdExitInfo *info,
                gpointer        user_data)
{
  guint i = GPOINTER_TO_UINT (user_data);

  note_exit (i, g_pidfd_exit_info_get_if_signaled (info) &&
                g_pidfd_exit_info_get_term_sig (info) == SIGKILL);
  g_clear_object (&state.pidfds[i]);

  return G_SOURCE_REMOVE;
}

static gboolean
create_source_add_waits (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    {
      GSource *source = g_pidfd_create_source (state.pidfds[i]);

      g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_source_done,
                             GUINT_TO_POINTER (i), NULL);
      g_source_attach (source, NULL);
      g_source_unref (source);
    }

  return TRUE;
}

/* child-watch */

static void
on_child_watch_done (GPid     pid,
                     gint     wait_status,
                     gpointer user_data)
{
  guint i = GPOINTER_TO_UINT (user_data);

  note_exit (i, WIFSIGNALED (wait_status) && WTERMSIG (wait_status) == SIGKILL);
}

static gboolean
child_watch_add_waits (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    g_child_watch_add (state.pids[i], on_child_watch_done, GUINT_TO_POINTER (i));

  return TRUE;
}

/* subprocess */

static gboolean
subprocess_make_objects (CaseResult *r)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char * const argv[] = { "sleep", "100000", NULL };

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_child_setup (launcher, subprocess_child_setup, NULL, NULL);
  for (guint i = 0; i < state.n; i++)
    {
      g_autoptr(GError) error = NULL;

      state.subprocesses[i] = g_subprocess_launcher_spawnv (launcher, argv, &error);
      if (state.subprocesses[i] == NULL)
        return case_fail (r, "g_subprocess_launcher_spawnv: %s", error->message);
      state.pids[i] = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (state.subprocesses[i]),
                                               NULL, 10);
    }

  return TRUE;
}

static void
on_subprocess_done (GObject      *source_object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  guint i = GPOINTER_TO_UINT (user_data);
  GSubprocess *subprocess = G_SUBPROCESS (source_object);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = g_subprocess_wait_finish (subprocess, result, &error) &&
       g_subprocess_get_if_signaled (subprocess) &&
       g_subprocess_get_term_sig (subprocess) == SIGKILL;
  note_exit (i, ok);
  g_clear_object (&state.subprocesses[i]);
}

static gboolean
subprocess_add_waits (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    g_subprocess_wait_async (state.subprocesses[i], NULL, on_subprocess_done,
                             GUINT_TO_POINTER (i));

  return TRUE;
}

/* sd-event: systemd's event loop, one child source per process. It
 * keeps the pidfd of every source in its epoll set, calls waitid
 * (WNOWAIT) when one is readable, runs the callback on the zombie and
 * reaps it afterwards. A loop of its own from sd_event_new(), the
 * cheapest way to use it (the thread's default loop would add a gettid()
 * per iteration). */

#ifdef HAVE_LIBSYSTEMD
static gboolean
sd_event_setup (CaseResult *r)
{
  sigset_t chld;
  int res;

  /* sd-event requires SIGCHLD to be blocked before a child source is
   * added; nothing else in the case process uses it. */
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  if (sigprocmask (SIG_BLOCK, &chld, NULL) < 0)
    return case_fail (r, "sigprocmask: %s", g_strerror (errno));

  res = sd_event_new (&state.sd_loop);
  if (res < 0)
    return case_fail (r, "sd_event_new: %s", g_strerror (-res));

  return TRUE;
}

static int
on_sd_event_child (sd_event_source *source,
                   const siginfo_t *si,
                   void            *userdata)
{
  guint i = GPOINTER_TO_UINT (userdata);

  note_exit (i, si->si_code == CLD_KILLED && si->si_status == SIGKILL);
  /* Freed once the dispatch is over, after sd-event has reaped the
   * child; the source owns the pidfd and closes it then. */
  state.sd_sources[i] = sd_event_source_unref (state.sd_sources[i]);

  return 0;
}

static gboolean
sd_event_add_waits (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    {
      int res;

      res = sd_event_add_child_pidfd (state.sd_loop, &state.sd_sources[i], state.fds[i],
                                      WEXITED, on_sd_event_child, GUINT_TO_POINTER (i));
      if (res < 0)
        return case_fail (r, "sd_event_add_child_pidfd for %d: %s",
                          (int) state.pids[i], g_strerror (-res));
      /* From here on the source closes the pidfd. */
      sd_event_source_set_child_pidfd_own (state.sd_sources[i], TRUE);
      state.fds[i] = -1;
    }

  return TRUE;
}

static gboolean
sd_event_iterate (gboolean    may_block,
                  CaseResult *r)
{
  int res;

  res = sd_event_run (state.sd_loop, may_block ? (uint64_t) -1 : 0);
  if (res < 0)
    return case_fail (r, "sd_event_run: %s", g_strerror (-res));

  return res > 0;
}

static void
sd_event_teardown (void)
{
  for (guint i = 0; i < state.n; i++)
    state.sd_sources[i] = sd_event_source_unref (state.sd_sources[i]);
  state.sd_loop = sd_event_unref (state.sd_loop);
}
#endif

/* floor: no GLib, one epoll set, waitid (P_PIDFD) */

static gboolean
floor_setup (CaseResult *r)
{
  state.epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (state.epfd < 0)
    return case_fail (r, "epoll_create1: %s", g_strerror (errno));

  return TRUE;
}

static gboolean
floor_add_waits (CaseResult *r)
{
  for (guint i = 0; i < state.n; i++)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };

      if (epoll_ctl (state.epfd, EPOLL_CTL_ADD, state.fds[i], &ev) < 0)
        return case_fail (r, "epoll_ctl: %s", g_strerror (errno));
    }

  return TRUE;
}

/* Handles what one epoll_wait() returns. */
static gboolean
floor_iterate (gboolean    may_block,
               CaseResult *r)
{
  struct epoll_event events[64];
  int n;

  n = epoll_wait (state.epfd, events, G_N_ELEMENTS (events), may_block ? -1 : 0);
  if (n < 0 && errno != EINTR)
    return case_fail (r, "epoll_wait: %s", g_strerror (errno));

  for (int k = 0; k < n; k++)
    {
      guint i = events[k].data.u32;
      siginfo_t si;

      memset (&si, 0, sizeof si);
      if (syscall (SYS_waitid, BENCH_P_PIDFD, state.fds[i], &si, WEXITED | WNOHANG, NULL) < 0)
        {
          case_fail (r, "waitid (P_PIDFD) for %d: %s", (int) state.pids[i], g_strerror (errno));
          continue;
        }
      if (si.si_pid == 0)
        continue;
      close (state.fds[i]);
      state.fds[i] = -1;
      note_exit (i, si.si_code == CLD_KILLED && si.si_status == SIGKILL);
    }

  return n > 0;
}

static void
floor_teardown (void)
{
  if (state.epfd >= 0)
    close (state.epfd);
  state.epfd = -1;
}

/* The table */

#ifdef HAVE_LIBSYSTEMD
# define SD_EVENT_ROW(field) field
#else
# define SD_EVENT_ROW(field) NULL
#endif

static const WatcherClass watchers[N_WATCHERS] = {
  [WATCHER_WAIT_ASYNC] = {
    "wait-async", "g_pidfd_wait_async (one shared epoll source per context)",
    TRUE, FALSE,
    glib_setup, gpidfd_make_objects, wait_async_add_waits, glib_iterate, NULL,
  },
  [WATCHER_CREATE_SOURCE] = {
    "create-source", "g_pidfd_create_source (one source per process)",
    TRUE, FALSE,
    glib_setup, gpidfd_make_objects, create_source_add_waits, glib_iterate, NULL,
  },
  [WATCHER_CHILD_WATCH] = {
    "child-watch", "g_child_watch_add (GLib 2.74: SIGCHLD + waitpid)",
    TRUE, FALSE,
    glib_setup, NULL, child_watch_add_waits, glib_iterate, NULL,
  },
  [WATCHER_SUBPROCESS] = {
    "subprocess", "GSubprocess + g_subprocess_wait_async",
    TRUE, TRUE,
    glib_setup, subprocess_make_objects, subprocess_add_waits, glib_iterate, NULL,
  },
  [WATCHER_SD_EVENT] = {
#ifdef HAVE_LIBSYSTEMD
    "sd-event", "sd_event_add_child_pidfd (libsystemd " BENCH_LIBSYSTEMD_VERSION
    ": one epoll set, a source per process)",
    TRUE, FALSE,
#else
    "sd-event", "sd_event_add_child_pidfd (not built: libsystemd was not found)",
    FALSE, FALSE,
#endif
    SD_EVENT_ROW (sd_event_setup), pidfd_make_objects, SD_EVENT_ROW (sd_event_add_waits),
    SD_EVENT_ROW (sd_event_iterate), SD_EVENT_ROW (sd_event_teardown),
  },
  [WATCHER_FLOOR] = {
    "floor", "epoll over pidfds + waitid (P_PIDFD), no GLib",
    TRUE, FALSE,
    floor_setup, pidfd_make_objects, floor_add_waits, floor_iterate, floor_teardown,
  },
};

/* The case */

/* Iterates until child @i was seen (seq) or all were (storm, @i = -1). */
static void
wait_for_exits (const WatcherClass *watcher,
                int                 i,
                CaseResult         *r)
{
  while (r->ok && (i >= 0 ? !state.done[i] : state.n_done < state.n))
    watcher->iterate (TRUE, r);
}

/* Runs the loop until it has nothing left to do right now. */
static void
drain (const WatcherClass *watcher,
       CaseResult         *r)
{
  while (r->ok && watcher->iterate (FALSE, r))
    ;
}

/* Everything before the measured phase; FALSE if it failed, with @r
 * saying why. */
static gboolean
case_prepare (const WatcherClass *watcher,
              CaseResult         *r)
{
  pid_t self = getpid ();
  gint64 dummy, t0;

  /* The children: forked while this process is still small. */
  if (!watcher->spawns_children)
    {
      for (guint i = 0; i < state.n; i++)
        {
          pid_t pid = fork ();

          if (pid == 0)
            {
              close_range (3, ~0U, 0);
              pause_child_main (self);
            }
          if (pid < 0)
            return case_fail (r, "fork (child %u of %u): %s", i, state.n, g_strerror (errno));
          state.pids[i] = pid;
        }
    }

  /* The loop's one-time set-up, then the first reading. */
  if (!watcher->setup (r))
    return FALSE;
  read_rss (&r->rss_children_kb, &dummy);

  /* The per-process objects, before any wait exists. */
  if (watcher->make_objects != NULL && !watcher->make_objects (r))
    return FALSE;
  read_rss (&r->rss_objects_kb, &r->anon_objects_kb);

  /* The N pending waits. */
  t0 = now_ns ();
  if (!watcher->add_waits (r))
    return FALSE;
  r->setup_ns = now_ns () - t0;
  read_rss (&r->rss_waits_kb, &r->anon_waits_kb);

  /* Nothing may be pending when the clock starts. */
  drain (watcher, r);
  if (r->ok && state.n_done != 0)
    return case_fail (r, "%u callbacks ran before any kill", state.n_done);

  return r->ok;
}

/* Runs one case in this (fresh) process and fills @r. */
static void
case_run (Watcher     w,
          Scenario    scenario,
          guint       n,
          CaseResult *r)
{
  const WatcherClass *watcher = &watchers[w];
  gint64 t_start, cpu_start;
  g_autofree gint64 *sorted = NULL;
  siginfo_t si;

  memset (r, 0, sizeof *r);
  r->ok = TRUE;
  r->n = n;

  memset (&state, 0, sizeof state);
  state.n = n;
  state.epfd = -1;
  state.pids = g_new0 (pid_t, n);
  state.pidfds = g_new0 (GPidFd *, n);
  state.subprocesses = g_new0 (GSubprocess *, n);
  state.fds = g_new (int, n);
#ifdef HAVE_LIBSYSTEMD
  state.sd_sources = g_new0 (sd_event_source *, n);
#endif
  state.kill_ns = g_new0 (gint64, n);
  state.lat_ns = g_new0 (gint64, n);
  state.done = g_new0 (gboolean, n);
  for (guint i = 0; i < n; i++)
    state.fds[i] = -1;

  if (!case_prepare (watcher, r))
    {
      kill_all_children ();
      return;
    }

  /* The measured phase: kills and callbacks only. */
  cpu_start = cpu_self_us ();
  t_start = now_ns ();
  if (scenario == SCENARIO_SEQ)
    {
      for (guint i = 0; i < n && r->ok; i++)
        {
          state.kill_ns[i] = now_ns ();
          kill (state.pids[i], SIGKILL);
          wait_for_exits (watcher, (int) i, r);
        }
    }
  else
    {
      for (guint i = 0; i < n; i++)
        {
          state.kill_ns[i] = now_ns ();
          kill (state.pids[i], SIGKILL);
        }
      wait_for_exits (watcher, -1, r);
    }
  r->cpu_us = cpu_self_us () - cpu_start;
  r->wall_ns = state.last_ns - t_start;
  r->n_done = state.n_done;
  r->n_bad = state.n_bad;

  if (!r->ok)
    {
      kill_all_children ();
      return;
    }
  if (state.n_bad > 0)
    case_fail (r, "%u of %u exits were not reported as SIGKILL", state.n_bad, n);

  sorted = g_memdup2 (state.lat_ns, sizeof (gint64) * n);
  qsort (sorted, n, sizeof (gint64), compare_gint64);
  r->lat_p50_ns = percentile (sorted, n, 0.50);
  r->lat_p99_ns = percentile (sorted, n, 0.99);
  r->lat_max_ns = sorted[n - 1];

  /* Let the loop finish what it does after the last callback (the shared
   * watcher going away, GSubprocess bookkeeping), then look for children
   * that nobody reaped. */
  drain (watcher, r);
  memset (&si, 0, sizeof si);
  if (waitid (P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) == 0)
    {
      r->children_left = 1;
      case_fail (r, "children left behind (pid %d %s)", (int) si.si_pid,
                 si.si_pid != 0 ? "unreaped" : "still running");
      kill_all_children ();
    }
  else if (errno != ECHILD)
    case_fail (r, "waitid (P_ALL): %s", g_strerror (errno));

  if (watcher->teardown != NULL)
    watcher->teardown ();
}

/* The parent side */

/* Runs a case in a forked process; @r says what went wrong if it failed. */
static void
run_case (Watcher     watcher,
          Scenario    scenario,
          guint       n,
          guint       timeout_s,
          CaseResult *r)
{
  int fds[2];
  pid_t pid;
  gsize got = 0;
  gint64 deadline;
  int status;

  memset (r, 0, sizeof *r);
  r->n = n;

  if (pipe2 (fds, O_CLOEXEC) < 0)
    {
      g_snprintf (r->error, sizeof r->error, "pipe2: %s", g_strerror (errno));
      return;
    }

  fflush (stdout);
  fflush (stderr);
  pid = fork ();
  if (pid < 0)
    {
      g_snprintf (r->error, sizeof r->error, "fork: %s", g_strerror (errno));
      close (fds[0]);
      close (fds[1]);
      return;
    }
  if (pid == 0)
    {
      CaseResult result;
      gsize off = 0;

      close (fds[0]);
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      case_run (watcher, scenario, n, &result);
      while (off < sizeof result)
        {
          ssize_t w = write (fds[1], (const char *) &result + off, sizeof result - off);

          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            _exit (2);
          off += (gsize) w;
        }
      _exit (0);
    }

  close (fds[1]);
  deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  while (got < sizeof *r)
    {
      struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      ssize_t len;
      int pr;

      if (left_ms <= 0)
        break;
      pr = poll (&pfd, 1, (int) MIN (left_ms, G_MAXINT));
      if (pr < 0 && errno == EINTR)
        continue;
      if (pr <= 0)
        break;
      len = read (fds[0], (char *) r + got, sizeof *r - got);
      if (len < 0 && errno == EINTR)
        continue;
      if (len <= 0)
        break;
      got += (gsize) len;
    }
  close (fds[0]);

  if (got < sizeof *r)
    {
      kill (pid, SIGKILL);
      memset (r, 0, sizeof *r);
      r->n = n;
      g_snprintf (r->error, sizeof r->error, "case process %s",
                  g_get_monotonic_time () >= deadline ? "timed out" : "died without a report");
    }

  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (r->ok && !(WIFEXITED (status) && WEXITSTATUS (status) == 0))
    {
      r->ok = FALSE;
      g_snprintf (r->error, sizeof r->error, "case process ended with status 0x%x", status);
    }
}

/* Derived figures */

static double
cpu_per_exit_us (const CaseResult *r)
{
  return r->n > 0 ? (double) r->cpu_us / r->n : NAN;
}

static double
wall_ms (const CaseResult *r)
{
  return r->wall_ns / 1e6;
}

static double
lat_p50_us (const CaseResult *r)
{
  return r->lat_p50_ns / 1e3;
}

static double
lat_p99_us (const CaseResult *r)
{
  return r->lat_p99_ns / 1e3;
}

/* Bytes of VmRSS per pending wait: the waits alone. */
static double
rss_per_wait_b (const CaseResult *r)
{
  return r->n > 0 ? (double) (r->rss_waits_kb - r->rss_objects_kb) * 1024.0 / r->n : NAN;
}

/* Same, including the per-process object made before the wait. */
static double
rss_per_wait_obj_b (const CaseResult *r)
{
  return r->n > 0 ? (double) (r->rss_waits_kb - r->rss_children_kb) * 1024.0 / r->n : NAN;
}

static double
median (double *values,
        guint   n)
{
  guint m = 0;

  /* Ignore NANs from cases that failed. */
  for (guint i = 0; i < n; i++)
    if (!isnan (values[i]))
      values[m++] = values[i];
  if (m == 0)
    return NAN;

  for (guint i = 1; i < m; i++)
    for (guint j = i; j > 0 && values[j - 1] > values[j]; j--)
      {
        double t = values[j];

        values[j] = values[j - 1];
        values[j - 1] = t;
      }

  return m % 2 ? values[m / 2] : (values[m / 2 - 1] + values[m / 2]) / 2;
}

/* Options and the results grid */

static char *opt_watchers = NULL;
static char *opt_scenarios = NULL;
static char *opt_ns = NULL;
static gint opt_runs = 3;
static gint opt_timeout = 900;
static gboolean opt_strict = FALSE;

static GOptionEntry option_entries[] = {
  { "watcher", 'w', 0, G_OPTION_ARG_STRING, &opt_watchers,
    "Watchers to measure: all, or a comma-separated list of wait-async, "
    "create-source, child-watch, subprocess, sd-event (when built with "
    "libsystemd), floor", "LIST" },
  { "scenario", 's', 0, G_OPTION_ARG_STRING, &opt_scenarios,
    "Scenarios: all, or a comma-separated list of seq, storm", "LIST" },
  { "n", 'n', 0, G_OPTION_ARG_STRING, &opt_ns,
    "Numbers of children, comma-separated (default 50,1000,5000)", "LIST" },
  { "runs", 'r', 0, G_OPTION_ARG_INT, &opt_runs,
    "Runs of every case; the table shows medians (default 3)", "RUNS" },
  { "case-timeout", 0, 0, G_OPTION_ARG_INT, &opt_timeout,
    "Seconds one case may take before it counts as failed (default 900)", "SECONDS" },
  { "strict", 0, 0, G_OPTION_ARG_NONE, &opt_strict,
    "Exit with status 1 when a target fails, not only when a case does", NULL },
  G_OPTION_ENTRY_NULL
};

static gboolean watcher_enabled[N_WATCHERS];
static gboolean scenario_enabled[N_SCENARIOS];
static guint *ns;
static guint n_ns;
static CaseResult *grid; /* [run][n index][scenario][watcher] */

static CaseResult *
grid_at (guint    run,
         guint    n_index,
         Scenario scenario,
         Watcher  watcher)
{
  return &grid[((run * n_ns + n_index) * N_SCENARIOS + scenario) * N_WATCHERS + watcher];
}

static int
n_index_of (guint n)
{
  for (guint k = 0; k < n_ns; k++)
    if (ns[k] == n)
      return (int) k;
  return -1;
}

static const char *
watcher_name (guint k)
{
  return watchers[k].name;
}

static gboolean
watcher_available (guint k)
{
  return watchers[k].available;
}

static const char *
scenario_name (guint k)
{
  return scenario_names[k];
}

/* Parses "all" or a comma-separated list of names into @enabled. "all"
 * leaves out what is not available in this build (@available may be NULL:
 * everything is); naming it is an error that says why. */
static gboolean
parse_list (const char  *text,
            guint        n_names,
            const char *(*name_of) (guint k),
            gboolean   (*available) (guint k),
            gboolean    *enabled,
            GError     **error)
{
  g_auto(GStrv) items = NULL;

  if (text == NULL || g_str_equal (text, "all"))
    {
      for (guint k = 0; k < n_names; k++)
        enabled[k] = available == NULL || available (k);
      return TRUE;
    }

  items = g_strsplit (text, ",", -1);
  for (guint j = 0; items[j] != NULL; j++)
    {
      const char *item = g_strstrip (items[j]);
      gboolean found = FALSE;

      for (guint k = 0; k < n_names; k++)
        if (g_str_equal (item, name_of (k)))
          {
            if (available != NULL && !available (k))
              {
                g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                             "“%s” is not part of this build: %s", item,
                             watchers[k].description);
                return FALSE;
              }
            enabled[k] = TRUE;
            found = TRUE;
          }
      if (!found)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "Unknown name “%s”", item);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
parse_ns (const char  *text,
          GError     **error)
{
  g_auto(GStrv) items = g_strsplit (text != NULL ? text : "50,1000,5000", ",", -1);
  guint count = g_strv_length (items);

  ns = g_new0 (guint, count);
  for (guint j = 0; j < count; j++)
    {
      guint64 v;

      if (!g_ascii_string_to_unsigned (g_strstrip (items[j]), 10, 1, 1000000, &v, error))
        return FALSE;
      if (n_index_of ((guint) v) < 0)
        ns[n_ns++] = (guint) v;
    }

  return n_ns > 0;
}

static void
print_load (const char *when)
{
  g_autofree char *loadavg = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &loadavg, NULL, NULL))
    loadavg = g_strdup ("unknown\n");
  g_print ("# load average %s: %s", when, loadavg);
}

static void
print_machine (void)
{
  struct utsname u;
  struct rlimit rl;

  uname (&u);
  getrlimit (RLIMIT_NOFILE, &rl);

  g_print ("# machine: %ld cpus, Linux %s, GLib %u.%u.%u, libsystemd %s, RLIMIT_NOFILE %lu\n",
           sysconf (_SC_NPROCESSORS_ONLN), u.release,
           glib_major_version, glib_minor_version, glib_micro_version,
#ifdef HAVE_LIBSYSTEMD
           BENCH_LIBSYSTEMD_VERSION,
#else
           "not built in",
#endif
           (unsigned long) rl.rlim_cur);
  print_load ("at start");
}

static void
print_result_line (guint             run,
                   Watcher           watcher,
                   Scenario          scenario,
                   const CaseResult *r)
{
  if (!r->ok)
    {
      g_print ("RESULT watcher=%s scenario=%s n=%u run=%u ok=0 error=\"%s\"\n",
               watchers[watcher].name, scenario_names[scenario], r->n, run + 1, r->error);
      return;
    }

  g_print ("RESULT watcher=%s scenario=%s n=%u run=%u ok=1 "
           "cpu_us=%" G_GINT64_FORMAT " cpu_us_per_exit=%.2f wall_ms=%.3f "
           "lat_p50_us=%.1f lat_p99_us=%.1f lat_max_us=%.1f "
           "rss_per_wait_b=%.0f rss_per_wait_with_object_b=%.0f anon_per_wait_b=%.0f "
           "setup_us_per_wait=%.2f\n",
           watchers[watcher].name, scenario_names[scenario], r->n, run + 1,
           r->cpu_us, cpu_per_exit_us (r), wall_ms (r),
           r->lat_p50_ns / 1e3, r->lat_p99_ns / 1e3, r->lat_max_ns / 1e3,
           rss_per_wait_b (r), rss_per_wait_obj_b (r),
           (double) (r->anon_waits_kb - r->anon_objects_kb) * 1024.0 / r->n,
           r->setup_ns / 1e3 / r->n);
}

typedef double (*Metric) (const CaseResult *r);

static double
median_metric (guint    n_index,
               Scenario scenario,
               Watcher  watcher,
               Metric   metric)
{
  g_autofree double *values = g_new (double, opt_runs);

  for (guint run = 0; run < (guint) opt_runs; run++)
    {
      const CaseResult *r = grid_at (run, n_index, scenario, watcher);

      values[run] = r->ok ? metric (r) : NAN;
    }

  return median (values, opt_runs);
}

/* Median over runs of metric(a) / metric(b), each ratio within one run. */
static double
median_ratio (guint    n_index_a,
              Scenario scenario_a,
              Watcher  watcher_a,
              guint    n_index_b,
              Scenario scenario_b,
              Watcher  watcher_b,
              Metric   metric,
              GString *per_run)
{
  g_autofree double *values = g_new (double, opt_runs);

  for (guint run = 0; run < (guint) opt_runs; run++)
    {
      const CaseResult *a = grid_at (run, n_index_a, scenario_a, watcher_a);
      const CaseResult *b = grid_at (run, n_index_b, scenario_b, watcher_b);

      values[run] = a->ok && b->ok ? metric (a) / metric (b) : NAN;
      if (per_run != NULL)
        g_string_append_printf (per_run, "%s%.2f", run > 0 ? " " : "", values[run]);
    }

  return median (values, opt_runs);
}

static void
print_table (void)
{
  g_print ("\n# Medians of %d run(s). cpu/exit: CPU time of the watching process "
           "(user+system, all threads)\n"
           "# per exit over the measured phase; x floor: median of the per-run "
           "ratios to the floor's cpu/exit;\n"
           "# wall: first kill to last callback; p50/p99: kill() to callback; "
           "rss/wait: VmRSS added by\n"
           "# registering the N waits, per wait; +obj: also counting the "
           "per-process object (GPidFd, GSubprocess).\n\n", opt_runs);
  g_print ("%-6s %5s  %-14s %12s %8s %11s %10s %10s %9s %9s\n",
           "scen", "n", "watcher", "cpu/exit us", "x floor", "wall ms",
           "p50 us", "p99 us", "rss/wait", "+obj B");

  for (Scenario s = 0; s < N_SCENARIOS; s++)
    {
      if (!scenario_enabled[s])
        continue;
      for (guint k = 0; k < n_ns; k++)
        {
          for (Watcher w = 0; w < N_WATCHERS; w++)
            {
              double x_floor = NAN;
              const CaseResult *any;
              guint n_ok = 0;

              if (!watcher_enabled[w])
                continue;
              for (guint run = 0; run < (guint) opt_runs; run++)
                if (grid_at (run, k, s, w)->ok)
                  n_ok++;
              any = grid_at (0, k, s, w);
              if (n_ok == 0)
                {
                  g_print ("%-6s %5u  %-14s FAILED: %s\n", scenario_names[s], ns[k],
                           watchers[w].name, any->error);
                  continue;
                }
              if (watcher_enabled[WATCHER_FLOOR])
                x_floor = median_ratio (k, s, w, k, s, WATCHER_FLOOR, cpu_per_exit_us, NULL);

              g_print ("%-6s %5u  %-14s %12.1f %8.2f %11.1f %10.1f %10.1f %9.0f %9.0f%s\n",
                       scenario_names[s], ns[k], watchers[w].name,
                       median_metric (k, s, w, cpu_per_exit_us),
                       x_floor,
                       median_metric (k, s, w, wall_ms),
                       median_metric (k, s, w, lat_p50_us),
                       median_metric (k, s, w, lat_p99_us),
                       median_metric (k, s, w, rss_per_wait_b),
                       median_metric (k, s, w, rss_per_wait_obj_b),
                       n_ok < (guint) opt_runs ? "  (some runs failed)" : "");
            }
        }
      g_print ("\n");
    }
}

/* Targets */

typedef enum
{
  BOUND_AT_MOST,
  BOUND_AT_LEAST,
} Bound;

static guint n_targets_failed;

static gboolean
measured (guint    n_index,
          Scenario scenario,
          Watcher  watcher)
{
  return n_index < n_ns && scenario_enabled[scenario] && watcher_enabled[watcher];
}

static void
print_target (const char *label,
              gboolean    available,
              double      value,
              Bound       bound,
              double      limit,
              const char *unit,
              const char *per_run)
{
  gboolean pass;

  if (!available)
    {
      g_print ("SKIP  %s: not measured in this invocation\n", label);
      return;
    }

  pass = !isnan (value) && (bound == BOUND_AT_MOST ? value <= limit : value >= limit);
  if (!pass)
    n_targets_failed++;
  g_print ("%s  %s: %.2f%s (target %s %.2f%s)%s%s\n",
           pass ? "PASS" : "FAIL", label, value, unit,
           bound == BOUND_AT_MOST ? "<=" : ">=", limit, unit,
           per_run != NULL ? "; per run: " : "",
           per_run != NULL ? per_run : "");
}

/* A target: watcher @a in @scenario at the largest N, its @metric
 * compared with @limit. When @b is a watcher, the figure is the ratio
 * a / b within each run (b at the smallest N when @b_at_small_n); when
 * @b is N_WATCHERS, it is a's own value. */
typedef struct
{
  const char *what;
  Scenario scenario;
  Watcher a;
  Watcher b;
  gboolean b_at_small_n;
  Metric metric;
  Bound bound;
  double limit;
  const char *unit;
} Target;

static const Target targets[] = {
  /* Flat per-exit cost, close to the floor. */
  { "wait-async CPU per exit vs floor", SCENARIO_SEQ,
    WATCHER_WAIT_ASYNC, WATCHER_FLOOR, FALSE, cpu_per_exit_us, BOUND_AT_MOST, 1.3, "x" },
  /* Independent of the number waiting. */
  { "wait-async CPU per exit", SCENARIO_SEQ,
    WATCHER_WAIT_ASYNC, WATCHER_WAIT_ASYNC, TRUE, cpu_per_exit_us, BOUND_AT_MOST, 1.3, "x" },
  /* A storm takes about as long as with the floor. */
  { "wait-async wall time vs floor", SCENARIO_STORM,
    WATCHER_WAIT_ASYNC, WATCHER_FLOOR, FALSE, wall_ms, BOUND_AT_MOST, 1.3, "x" },
  /* Far cheaper than a child watch per process. */
  { "child-watch / wait-async CPU per exit", SCENARIO_SEQ,
    WATCHER_CHILD_WATCH, WATCHER_WAIT_ASYNC, FALSE, cpu_per_exit_us, BOUND_AT_LEAST, 10.0, "x" },
  /* Small bookkeeping per pending wait. */
  { "wait-async VmRSS per pending wait", SCENARIO_SEQ,
    WATCHER_WAIT_ASYNC, N_WATCHERS, FALSE, rss_per_wait_b, BOUND_AT_MOST, 2048, " B" },
};

static void
print_targets (void)
{
  int big = n_index_of (5000);
  int small = n_index_of (50);

  /* The targets are stated for N=5000 and N=50; with other sizes, use the
   * largest and smallest measured, and say so. */
  if (big < 0)
    for (guint k = 0; k < n_ns; k++)
      if (big < 0 || ns[k] > ns[big])
        big = (int) k;
  if (small < 0)
    for (guint k = 0; k < n_ns; k++)
      if (small < 0 || ns[k] < ns[small])
        small = (int) k;

  g_print ("\n# Targets (ratios are taken within each run, then the median over %d run(s))\n",
           opt_runs);
  if (ns[big] != 5000 || ns[small] != 50)
    g_print ("# NOTE: the targets are stated for N=5000 and N=50; using N=%u and N=%u\n",
             ns[big], ns[small]);

  for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      const Target *target = &targets[t];
      gboolean ratio = target->b != N_WATCHERS;
      guint b_index = target->b_at_small_n ? (guint) small : (guint) big;
      g_autofree char *label = NULL;
      g_autoptr(GString) runs = g_string_new (NULL);
      gboolean available;
      double value = NAN;

      if (target->b_at_small_n)
        label = g_strdup_printf ("%s, %s N=%u vs N=%u", target->what,
                                 scenario_names[target->scenario], ns[big], ns[small]);
      else
        label = g_strdup_printf ("%s, %s N=%u", target->what,
                                 scenario_names[target->scenario], ns[big]);

      available = measured (big, target->scenario, target->a) &&
                  (!ratio || measured (b_index, target->scenario, target->b)) &&
                  (!target->b_at_small_n || big != small);
      if (available && ratio)
        value = median_ratio (big, target->scenario, target->a,
                              b_index, target->scenario, target->b,
                              target->metric, runs);
      else if (available)
        {
          for (guint run = 0; run < (guint) opt_runs; run++)
            {
              const CaseResult *r = grid_at (run, big, target->scenario, target->a);

              g_string_append_printf (runs, "%s%.0f", run > 0 ? " " : "",
                                      r->ok ? target->metric (r) : NAN);
            }
          value = median_metric (big, target->scenario, target->a, target->metric);
        }
      print_target (label, available, value, target->bound, target->limit,
                    target->unit, runs->str);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit rl;
  guint n_failed = 0;
  guint n_max = 0;

  setlocale (LC_ALL, "C");

  context = g_option_context_new ("- measure the cost of waiting for many processes");
  g_option_context_set_summary (context,
    "Each watcher waits for N children; seq kills them one at a time while\n"
    "the others stay watched, storm kills all N at once. Every case runs in a\n"
    "fresh process and reports the CPU time of the watching process per exit,\n"
    "the wall time, kill()-to-callback latency and the memory per pending wait.");
  g_option_context_add_main_entries (context, option_entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      !parse_list (opt_watchers, N_WATCHERS, watcher_name, watcher_available,
                   watcher_enabled, &error) ||
      !parse_list (opt_scenarios, N_SCENARIOS, scenario_name, NULL, scenario_enabled, &error) ||
      !parse_ns (opt_ns, &error))
    {
      g_printerr ("%s: %s\n", g_get_prgname (), error != NULL ? error->message : "bad arguments");
      return 2;
    }
  if (opt_runs < 1 || opt_timeout < 1)
    {
      g_printerr ("%s: --runs and --case-timeout must be at least 1\n", g_get_prgname ());
      return 2;
    }

  /* One pidfd per child, all open at once. */
  for (guint k = 0; k < n_ns; k++)
    n_max = MAX (n_max, ns[k]);
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t) n_max + FD_MARGIN)
    {
      g_printerr ("%s: N=%u needs RLIMIT_NOFILE >= %u, the hard limit is %lu\n",
                  g_get_prgname (), n_max, n_max + FD_MARGIN, (unsigned long) rl.rlim_max);
      return 2;
    }

  print_machine ();
  g_print ("# watchers:\n");
  for (Watcher w = 0; w < N_WATCHERS; w++)
    if (watcher_enabled[w] || !watchers[w].available)
      g_print ("#   %-14s %s\n", watchers[w].name, watchers[w].description);

  grid = g_new0 (CaseResult, (gsize) opt_runs * n_ns * N_SCENARIOS * N_WATCHERS);
  for (guint run = 0; run < (guint) opt_runs; run++)
    for (guint k = 0; k < n_ns; k++)
      for (Scenario s = 0; s < N_SCENARIOS; s++)
        {
          if (!scenario_enabled[s])
            continue;
          for (guint j = 0; j < N_WATCHERS; j++)
            {
              Watcher w = run_order[j];
              CaseResult *r = grid_at (run, k, s, w);

              if (!watcher_enabled[w])
                continue;
              run_case (w, s, ns[k], (guint) opt_timeout, r);
              print_result_line (run, w, s, r);
              if (!r->ok)
                n_failed++;
            }
        }

  print_load ("at end");
  print_table ();
  print_targets ();

  if (n_failed > 0)
    {
      g_print ("\n# %u case(s) failed\n", n_failed);
      return 1;
    }

  return opt_strict && n_targets_failed > 0 ? 1 : 0;
}
