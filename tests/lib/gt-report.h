/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-report.h: how a spawned child started, as it reports it, and the
 * statuses of children while the rest of the program reaps behind
 * gpidfd's back
 *
 * A spawn suite's own binary, run with GT_REPORT_ARG, is the child: it
 * prints its open descriptors, its signal mask, its ignored and caught
 * signals, its pid, its process group and what 0, 1 and 2 are. */

#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "gpidfd.h"

G_BEGIN_DECLS

#define GT_REPORT_ARG "--report"
#define GT_REPORT_STDERR_ARG "--report-stderr"

/* In the child (main, before anything else): prints the report, on
 * stdout (or, with @to_stderr, on stderr); returns the exit status.
 * Plain libc, so that nothing of GLib opens a descriptor first. */
int      gt_report_main          (gboolean          to_stderr);

typedef struct
{
  GArray *fds;     /* int, ascending */
  guint64 sigblk;
  guint64 sigign;
  guint64 sigcgt;
  int pid;
  int pgid;
  char *std[3];    /* what 0, 1 and 2 are: "/dev/null", "pipe:[...]" */
} GtReport;

void     gt_report_clear         (GtReport         *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GtReport, gt_report_clear)

/* Parses the text of a report; fails the test when a line is missing. */
void     gt_report_parse         (const char       *text,
                                  GtReport         *report);
/* Starts the report child with @launcher (or g_pidfd_spawnv() when NULL,
 * with @flags and a stdout pipe), reads its report and reaps it. */
void     gt_report_get           (GPidFdLauncher   *launcher,
                                  GSubprocessFlags  flags,
                                  GtReport         *report);
/* This suite's own binary. */
const char *gt_self_exe          (void);

/* Asserts that the child had exactly @fds open (ascending). */
void     gt_assert_fds           (const GtReport   *report,
                                  const int        *fds,
                                  guint             n_fds);
/* The signal state GLib's spawn leaves a child in, with @ignored the
 * signals it should still ignore: an empty mask, nothing caught. An
 * instrumented child (ASan) installs handlers of its own before main. */
void     gt_assert_signals       (const GtReport   *report,
                                  guint64           ignored);

/* The bit of @signum in a /proc signal mask. */
guint64  gt_sigbit               (int               signum);
/* The signals this process ignores (SigIgn of /proc/self/status). */
guint64  gt_own_ignored_signals  (void);
/* The signals GLib's spawn, and gpidfd's by default, start at their
 * default even when the parent ignores them. */
#define GT_RESET_SIGNALS (gt_sigbit (SIGCHLD) | gt_sigbit (SIGINT) | gt_sigbit (SIGTERM) | \
                          gt_sigbit (SIGHUP) | gt_sigbit (SIGPIPE))

/* What else in the program reaps children. */
typedef enum
{
  GT_OTHER_NONE,
  GT_OTHER_SIGCHLD_IGNORED,   /* the kernel reaps them at once */
  GT_OTHER_NOCLDWAIT,         /* likewise, with SA_NOCLDWAIT */
  GT_OTHER_WAITPID_THREAD,    /* another thread loops in waitpid (-1) */
} GtOther;

/* With @other reaping behind gpidfd's back, spawns @n shells that exit
 * with varied codes or kill themselves, waits for each (blocking and
 * asynchronously, in turn) and checks its record: the true status, or,
 * only where the kernel does not keep a status someone else took
 * (@exit_info FALSE: before Linux 6.15), unknown; never a wrong one. A
 * program that cannot run is still reported. Returns how many records
 * were unknown. */
guint    gt_check_statuses       (GtOther           other,
                                  guint             n,
                                  gboolean          exit_info);

G_END_DECLS
