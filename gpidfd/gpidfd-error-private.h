/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-error-private.h: the one path from errno to GError */

#pragma once

#if !defined(GPIDFD_COMPILATION)
# error "This is a private header of gpidfd."
#endif

#include <gio/gio.h>

#include "gpidfd-syscall-private.h"

G_BEGIN_DECLS

/*
 * gpidfd_set_error_from_errno:
 * @error: return location for a #GError
 * @errsv: the errno that @call answered
 * @call: the pidfd call that failed, or -1 for another call
 * @format: what was being done, like "Cannot open process %d"
 *
 * Sets @error to "@format: Cause" in the %G_IO_ERROR domain. The cause and
 * the code depend only on @errsv and @call, so the same errno reads the
 * same wherever it is raised:
 * ESRCH: %G_IO_ERROR_NOT_FOUND; EPERM and EACCES: %G_IO_ERROR_NOT_SUPPORTED
 * saying the call is blocked when a filter answered it (see
 * gpidfd_sys_call_blocked()), else %G_IO_ERROR_PERMISSION_DENIED; ENOSYS
 * and ENOTTY: %G_IO_ERROR_NOT_SUPPORTED naming the call and the Linux
 * release that has it; EREMOTE: %G_IO_ERROR_NOT_SUPPORTED, the process is
 * in another pid namespace; EINVAL, EBADF: %G_IO_ERROR_INVALID_ARGUMENT;
 * anything else: g_io_error_from_errno().
 */
void gpidfd_set_error_from_errno (GError     **error,
                                  int          errsv,
                                  int          call,
                                  const char  *format,
                                  ...) G_GNUC_PRINTF (4, 5);

/* The message of a G_IO_ERROR_CANCELLED wait, naming the pid. */
GError *gpidfd_new_cancelled_error (GPid pid);

G_END_DECLS
