/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-fds.c: this process's descriptors, threads and memory */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gt-fds.h"

guint
gt_count_dir_entries (const char *path)
{
  DIR *dir = opendir (path);
  struct dirent *de;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((de = readdir (dir)) != NULL)
    {
      if (de->d_name[0] != '.')
        n++;
    }
  closedir (dir);

  return n;
}

guint
gt_count_fds (void)
{
  /* Less the directory's own fd. */
  return gt_count_dir_entries ("/proc/self/fd") - 1;
}

char *
gt_describe_fds (void)
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

guint
gt_count_threads (void)
{
  return gt_count_dir_entries ("/proc/self/task");
}

guint64
gt_self_status_number (const char *field,
                       guint       base)
{
  g_autofree char *status = NULL;
  g_autofree char *key = g_strdup_printf ("\n%s:", field);
  const char *p;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  p = strstr (status, key);
  g_assert_nonnull (p);

  return g_ascii_strtoull (p + strlen (key), NULL, base);
}

guint64
gt_rss_kib (void)
{
  return gt_self_status_number ("VmRSS", 10);
}

guint
gt_raise_nofile (void)
{
  struct rlimit rl;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &rl), ==, 0);
  rl.rlim_cur = rl.rlim_max;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &rl), ==, 0);

  return (guint) rl.rlim_cur;
}

static int
highest_open_fd (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  int highest = -1;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    highest = MAX (highest, atoi (name));
  g_dir_close (dir);

  return highest;
}

static struct rlimit saved_nofile;

GArray *
gt_fds_exhaust (guint n_free)
{
  GArray *fillers = g_array_new (FALSE, FALSE, sizeof (int));
  struct rlimit low;
  int fd;

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved_nofile), ==, 0);
  low = saved_nofile;
  low.rlim_cur = highest_open_fd () + 1;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);

  while ((fd = open ("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
    g_array_append_val (fillers, fd);
  g_assert_cmpint (errno, ==, EMFILE);

  /* Free the top slots: the descriptors the kernel hands out next. */
  low.rlim_cur += n_free;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);

  return fillers;
}

void
gt_fds_release (GArray *fillers)
{
  for (guint i = 0; i < fillers->len; i++)
    close (g_array_index (fillers, int, i));
  g_array_unref (fillers);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved_nofile), ==, 0);
}

void
gt_pipe (int fds[2])
{
  g_assert_cmpint (pipe2 (fds, O_CLOEXEC), ==, 0);
}

gboolean
gt_read_full (int    fd,
              void  *buf,
              gsize  len)
{
  char *p = buf;

  while (len > 0)
    {
      ssize_t r = read (fd, p, len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return FALSE;
      p += r;
      len -= (gsize) r;
    }

  return TRUE;
}

gboolean
gt_write_full (int         fd,
               const void *buf,
               gsize       len)
{
  const char *p = buf;

  while (len > 0)
    {
      ssize_t r = write (fd, p, len);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return FALSE;
      p += r;
      len -= (gsize) r;
    }

  return TRUE;
}

void
gt_close_all_but (int keep)
{
  if (keep > 3)
    syscall (SYS_close_range, 3, keep - 1, 0);
  syscall (SYS_close_range, MAX (keep + 1, 3), ~0U, 0);
}
