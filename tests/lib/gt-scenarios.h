/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt-scenarios.h: the kernel-feature scenarios that run both on the
 * running kernel (test-features.c) and on older ones simulated with
 * seccomp (robust/test-features-oldkernel.c) */

#pragma once

#include <glib.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* query_info on a child that holds distinct real, effective and saved
 * ids (needs root); @have_cgroup says whether the running kernel reports
 * a cgroup id (PIDFD_GET_INFO, Linux 6.13). */
void     gt_check_query_info_creds     (gboolean          have_cgroup);
/* query_info on a grandchild: its parent is the middle process. */
void     gt_check_query_info_non_child (void);
/* The peer of a unix socket, three ways: a child that connects to a
 * listening socket of ours; a socket pair a child made and handed over;
 * a socket pair made before a fork, whose peer is its creator. Then a
 * peer that has ended. */
void     gt_check_socket_peer          (void);
/* A thread pidfd of a non-leader thread of a child, opened with
 * g_pidfd_new_from_pid_full (G_PIDFD_FLAGS_THREAD) or (@from_fd) adopted
 * from a raw pidfd_open (tid, PIDFD_THREAD). */
void     gt_check_thread_pidfd         (gboolean          from_fd);

/* A GSocket for @fd, which it owns. */
GSocket *gt_socket_from_fd             (int               fd);
/* Both ends of a peer-to-peer D-Bus connection over a socket pair,
 * made in the default main context. */
void     gt_dbus_pair                  (GDBusConnection **server,
                                        GDBusConnection **client);
/* Closes @connection and drops it. */
void     gt_dbus_close                 (GDBusConnection  *connection);

G_END_DECLS
