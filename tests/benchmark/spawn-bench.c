/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spawn-bench.c: what it costs to start /bin/true and wait for it, for
 * each way of doing it, at two sizes of the parent
 *
 *   floor        posix_spawn (), pidfd_open (), waitid (P_PIDFD): glibc's
 *                clone (CLONE_VM | CLONE_VFORK), nothing else
 *   gpidfd       g_pidfd_spawnv () and g_pidfd_wait ()
 *   gsubprocess  g_subprocess_newv () and g_subprocess_wait ()
 *   g_spawn      g_spawn_async () and a child watch, in a main loop
 *
 * The parent is made 20 MiB and then 2 GiB big by a mapping whose every
 * page is touched (with MADV_NOHUGEPAGE, so that the page tables are as
 * large as they get): a way that copies page tables (fork) costs more with
 * size; one that shares the memory (CLONE_VM) does not.
 *
 * At each size the ways run in turns, a slice of N each, so that a change
 * of the machine's load falls on all of them; a way's figure is the median
 * of its slices, in microseconds per spawn and wait. The targets: gpidfd
 * within 1.15 times the floor, and no slower than GSubprocess, at each
 * size.
 *
 *   spawn-bench [--n=2000] [--slices=10]
 *
 * GPIDFD_BENCH_SCALE (a percentage) scales N.
 */

#include <errno.h>
#include <locale.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gpidfd/gpidfd.h>

#ifndef SYS_pidfd_open
# define SYS_pidfd_open 434
#endif
#define BENCH_P_PIDFD 3


static const char * const true_argv[] = { "/bin/true", NULL };

typedef void (*SpawnOnce) (void);

static void
die (const char *what,
     GError     *error)
{
  g_printerr ("spawn-bench: %s: %s\n", what, error != NULL ? error->message : g_strerror (errno));
  exit (1);
}

static void
spawn_floor (void)
{
  siginfo_t si;
  pid_t pid;
  int fd;

  if (posix_spawn (&pid, true_argv[0], NULL, NULL, (char **) true_argv, environ) != 0)
    die ("posix_spawn", NULL);
  fd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (fd < 0)
    die ("pidfd_open", NULL);
  while (waitid (BENCH_P_PIDFD, fd, &si, WEXITED) < 0)
    {
      if (errno != EINTR)
        die ("waitid", NULL);
    }
  close (fd);
}

static void
spawn_gpidfd (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPidFd) child = g_pidfd_spawnv (true_argv, G_SUBPROCESS_FLAGS_NONE, &error);
  g_autoptr(GPidFdExitInfo) info = NULL;

  if (child == NULL)
    die ("g_pidfd_spawnv", error);
  info = g_pidfd_wait (child, NULL, &error);
  if (info == NULL)
    die ("g_pidfd_wait", error);
}

static void
spawn_gsubprocess (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = g_subprocess_newv (true_argv, G_SUBPROCESS_FLAGS_NONE, &error);

  if (child == NULL)
    die ("g_subprocess_newv", error);
  if (!g_subprocess_wait (child, NULL, &error))
    die ("g_subprocess_wait", error);
}

static void
on_child_exited (GPid     pid,
                 gint     status,
                 gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  g_spawn_close_pid (pid);
}

static void
spawn_g_spawn (void)
{
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;
  GPid pid;

  if (!g_spawn_async (NULL, (gchar **) true_argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                      &pid, &error))
    die ("g_spawn_async", error);
  g_child_watch_add (pid, on_child_exited, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct
{
  const char *name;
  SpawnOnce run;
} Way;

enum { WAY_FLOOR, WAY_GPIDFD, WAY_GSUBPROCESS, WAY_G_SPAWN, N_WAYS };

static const Way ways[N_WAYS] = {
  [WAY_FLOOR] = { "floor (posix_spawn + pidfd_open + waitid)", spawn_floor },
  [WAY_GPIDFD] = { "g_pidfd_spawnv + g_pidfd_wait", spawn_gpidfd },
  [WAY_GSUBPROCESS] = { "g_subprocess_newv + g_subprocess_wait", spawn_gsubprocess },
  [WAY_G_SPAWN] = { "g_spawn_async + child watch", spawn_g_spawn },
};

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double da = *(const double *) a;
  double db = *(const double *) b;

  return (da > db) - (da < db);
}

/* Median microseconds per spawn of each way, in @us. */
static void
measure (guint  n,
         guint  slices,
         double us[N_WAYS])
{
  guint per_slice = MAX (n / slices, 1);
  g_autofree double *samples = g_new (double, (gsize) N_WAYS * slices);

  for (guint w = 0; w < N_WAYS; w++)
    for (guint i = 0; i < 20; i++)
      ways[w].run ();

  for (guint s = 0; s < slices; s++)
    {
      for (guint k = 0; k < N_WAYS; k++)
        {
          /* Each slice starts with another way. */
          guint w = (s + k) % N_WAYS;
          gint64 start = now_ns ();

          for (guint i = 0; i < per_slice; i++)
            ways[w].run ();
          samples[w * slices + s] = (double) (now_ns () - start) / per_slice / 1000.0;
        }
    }

  for (guint w = 0; w < N_WAYS; w++)
    {
      qsort (samples + w * slices, slices, sizeof (double), compare_doubles);
      us[w] = slices % 2 ? samples[w * slices + slices / 2]
                         : (samples[w * slices + slices / 2 - 1] + samples[w * slices + slices / 2]) / 2;
    }
}

static guint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (p = strstr (status, "\nVmRSS:")) == NULL)
    return 0;

  return g_ascii_strtoull (p + strlen ("\nVmRSS:"), NULL, 10);
}

/* Grows the process by @bytes of touched, small pages. */
static void
grow (gsize bytes)
{
  char *mem = mmap (NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  long page = sysconf (_SC_PAGESIZE);

  if (mem == MAP_FAILED)
    die ("mmap", NULL);
  if (madvise (mem, bytes, MADV_NOHUGEPAGE) != 0)
    die ("madvise", NULL);
  for (gsize off = 0; off < bytes; off += page)
    mem[off] = 1;
}

static const char *
verdict (gboolean pass)
{
  return pass ? "PASS" : "FAIL";
}

int
main (int    argc,
      char **argv)
{
  static const struct
  {
    const char *label;
    gsize total;
  } sizes[] = {
    { "20 MiB", (gsize) 20 << 20 },
    { "2 GiB", (gsize) 2 << 30 },
  };
  gint n = 2000;
  gint slices = 10;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_INT, &n, "Spawns of each way at each size (2000)", "N" },
    { "slices", 0, 0, G_OPTION_ARG_INT, &slices, "Turns the ways take (10)", "K" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- spawn and wait benchmark");
  g_autoptr(GError) error = NULL;
  const char *scale = g_getenv ("GPIDFD_BENCH_SCALE");
  double us[G_N_ELEMENTS (sizes)][N_WAYS];
  gboolean all_pass = TRUE;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  if (scale != NULL && *scale != '\0')
    n = MAX (1, (gint) ((gint64) n * g_ascii_strtoll (scale, NULL, 10) / 100));
  slices = CLAMP (slices, 1, n);

  g_print ("/bin/true spawned and waited for, N = %d per way and size, in %d turns; "
           "median of the turns, microseconds per spawn + wait\n\n", n, slices);

  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint64 now = rss_kib () * 1024;

      if (now < sizes[s].total)
        grow (sizes[s].total - now);
      g_print ("parent at %s (VmRSS %" G_GUINT64_FORMAT " MiB)...\n", sizes[s].label,
               rss_kib () / 1024);
      measure ((guint) n, (guint) slices, us[s]);
    }

  g_print ("\n%-45s %12s %12s\n", "way", sizes[0].label, sizes[1].label);
  for (guint w = 0; w < N_WAYS; w++)
    g_print ("%-45s %9.1f us %9.1f us\n", ways[w].name, us[0][w], us[1][w]);

  g_print ("\n");
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      double to_floor = us[s][WAY_GPIDFD] / us[s][WAY_FLOOR];
      double to_subprocess = us[s][WAY_GPIDFD] / us[s][WAY_GSUBPROCESS];

      g_print ("%-6s gpidfd / floor       = %5.2fx (target <= 1.15x)  %s\n", sizes[s].label,
               to_floor, verdict (to_floor <= 1.15));
      g_print ("%-6s gpidfd / GSubprocess = %5.2fx (target <= 1.00x)  %s\n", sizes[s].label,
               to_subprocess, verdict (to_subprocess <= 1.0));
      all_pass = all_pass && to_floor <= 1.15 && to_subprocess <= 1.0;
    }

  return all_pass ? 0 : 1;
}
