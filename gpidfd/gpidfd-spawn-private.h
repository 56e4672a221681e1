/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-spawn-private.h: what the launcher, the pipes and the object
 * share about the processes gpidfd starts
 *
 * Layers: gpidfd-launcher.c (options) -> gpidfd-spawn.c (the child, from
 * clone3() to exec) -> the GPidFd; gpidfd-communicate.c works on the pipes
 * a spawn left on the object, and gpidfd-reaper.c takes the children whose
 * object goes before they are reaped.
 */

#pragma once

#if !defined(GPIDFD_COMPILATION)
# error "This is a private header of gpidfd."
#endif

#include "gpidfd-launcher.h"
#include "gpidfd-pidfd-private.h"
#include "gpidfd-spawn.h"

G_BEGIN_DECLS

/* How to start a process: a launcher's settings, or the defaults. Every
 * descriptor stays the caller's. */
typedef struct
{
  GSubprocessFlags flags;
  const gchar * const *envp;   /* NULL: the caller's environment */
  const gchar *cwd;            /* NULL: the caller's */
  const gchar *stdin_path;
  const gchar *stdout_path;
  const gchar *stderr_path;
  gint stdin_fd;               /* -1: none */
  gint stdout_fd;
  gint stderr_fd;
  const gint *source_fds;      /* n_fds each */
  const gint *target_fds;
  guint n_fds;
  gboolean new_process_group;
  gboolean inherit_ignored_signals;
} GPidFdSpawnOptions;

#define GPIDFD_SPAWN_OPTIONS_INIT { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1 }

GPidFd *gpidfd_spawn (const GPidFdSpawnOptions  *options,
                      const gchar * const       *argv,
                      GError                   **error);

/* @argv0 and the arguments after it up to %NULL, %NULL-terminated, for
 * the varargs forms. */
GPtrArray *gpidfd_spawn_collect_argv (const gchar *argv0,
                                      va_list      args);

/* The ways to make the child, in the order they are tried. */
typedef enum
{
  GPIDFD_SPAWN_PATH_CLONE3, /* clone3 (CLONE_PIDFD | CLONE_VM | CLONE_VFORK) */
  GPIDFD_SPAWN_PATH_CLONE,  /* clone (the same flags), when clone3 is refused */
  GPIDFD_SPAWN_PATH_FORK,   /* fork, then pidfd_open before the child may go
                             * on, when both are refused */
} GPidFdSpawnPath;

/* The path the next spawn takes first, as far as this process knows. */
GPidFdSpawnPath gpidfd_spawn_get_path (void);

/* The reaper: one thread, started on first use, that reaps the children
 * whose object went before they ended. gpidfd_reaper_try() reaps @fd's
 * process now if it has ended (or says it is not ours to reap): TRUE when
 * nothing is left to do. gpidfd_reaper_adopt() takes @fd and reaps the
 * process once it ends. */
gboolean gpidfd_reaper_try           (int     fd,
                                      GPid    pid);
void     gpidfd_reaper_adopt         (int     fd,
                                      GPid    pid);
/* Waits until every adopted child has been reaped and the thread has
 * gone with its descriptors, for at most @timeout_ms: TRUE if so. For
 * the tests, which count descriptors. */
gboolean gpidfd_reaper_wait_idle     (guint   timeout_ms);

G_END_DECLS
