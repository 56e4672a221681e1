/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-error.c: the one path from errno to GError */

#include "config.h"

#include <errno.h>

#include "gpidfd-error-private.h"

void
gpidfd_set_error_from_errno (GError     **error,
                             int          errsv,
                             int          call,
                             const char  *format,
                             ...)
{
  g_autofree char *what = NULL;
  g_autofree char *cause = NULL;
  GIOErrorEnum code;
  va_list args;

  if (error == NULL)
    return;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  switch (errsv)
    {
    case ESRCH:
      code = G_IO_ERROR_NOT_FOUND;
      cause = g_strdup ("No such process (it has ended and been reaped, or never existed)");
      break;
    case EPERM:
    case EACCES:
      if (call >= 0 && gpidfd_sys_call_blocked (call, errsv))
        {
          code = G_IO_ERROR_NOT_SUPPORTED;
          cause = g_strdup_printf ("%s is blocked by a seccomp filter or a security module (%s)",
                                   gpidfd_sys_call_name (call), g_strerror (errsv));
        }
      else
        {
          code = G_IO_ERROR_PERMISSION_DENIED;
          cause = g_strdup (g_strerror (errsv));
        }
      break;
    case ENOSYS:
    case ENOTTY:
      code = G_IO_ERROR_NOT_SUPPORTED;
      if (call >= 0)
        cause = g_strdup_printf ("The kernel lacks %s (Linux %s or later is needed), "
                                 "or a filter blocks it",
                                 gpidfd_sys_call_name (call), gpidfd_sys_call_since (call));
      else
        cause = g_strdup (g_strerror (errsv));
      break;
    case EREMOTE:
      code = G_IO_ERROR_NOT_SUPPORTED;
      cause = g_strdup ("The process is in a pid namespace that the caller cannot see into");
      break;
    case EINVAL:
    case EBADF:
      code = G_IO_ERROR_INVALID_ARGUMENT;
      cause = g_strdup (g_strerror (errsv));
      break;
    default:
      code = g_io_error_from_errno (errsv);
      cause = g_strdup (g_strerror (errsv));
      break;
    }

  g_set_error (error, G_IO_ERROR, code, "%s: %s", what, cause);
}

GError *
gpidfd_new_cancelled_error (GPid pid)
{
  return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                      "Waiting for process %d was cancelled", pid);
}
