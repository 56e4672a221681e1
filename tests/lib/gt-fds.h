/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-fds.h: this process's descriptors, threads and memory */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Entries of a directory, less "." and "..". */
guint    gt_count_dir_entries (const char *path);
/* Open file descriptors of this process. */
guint    gt_count_fds         (void);
/* What each open descriptor is, "  fd -> target" per line: for the
 * message of a count that went wrong. */
char    *gt_describe_fds      (void);
/* Number of threads of this process. */
guint    gt_count_threads     (void);
/* Resident set size of this process, in KiB. */
guint64  gt_rss_kib           (void);
/* The number after "@field:" in /proc/self/status, read in @base. */
guint64  gt_self_status_number (const char *field,
                                guint       base);

/* Raises RLIMIT_NOFILE's soft limit to the hard one; returns it. */
guint    gt_raise_nofile      (void);
/* Lowers RLIMIT_NOFILE's soft limit to just above the highest open
 * descriptor, then fills every free slot below it, leaving @n_free free.
 * Returns the filler descriptors; gt_fds_release() closes them and
 * restores the limit. */
GArray  *gt_fds_exhaust       (guint       n_free);
void     gt_fds_release       (GArray     *fillers);

/* A pipe, both ends close-on-exec; asserts that it was made. */
void     gt_pipe              (int         fds[2]);
/* Reads (writes) exactly @len bytes, going on after EINTR; FALSE at end
 * of file (or on an error). */
gboolean gt_read_full         (int         fd,
                               void       *buf,
                               gsize       len);
gboolean gt_write_full        (int         fd,
                               const void *buf,
                               gsize       len);
/* In a forked child: closes every descriptor from 3 up but @keep (-1:
 * every one), so that it holds no write end of another child's gate. */
void     gt_close_all_but     (int         keep);

G_END_DECLS
