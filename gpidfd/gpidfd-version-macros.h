/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd-version-macros.h: symbol visibility and availability */

#pragma once

#if !defined(GPIDFD_INSIDE) && !defined(GPIDFD_COMPILATION)
# error "Only <gpidfd/gpidfd.h> can be included directly."
#endif

#include <glib.h>

#include "gpidfd-version.h"

#ifndef _GPIDFD_EXTERN
# define _GPIDFD_EXTERN __attribute__((visibility ("default"))) extern
#endif

/**
 * GPIDFD_DEPRECATED_FOR: (skip)
 * @f: the symbol to use instead
 *
 * Marks a symbol as deprecated in favour of @f.
 *
 * Since: 1.0
 */

/**
 * GPIDFD_UNAVAILABLE: (skip)
 * @maj: the major version
 * @min: the minor version
 *
 * Marks a symbol as unavailable before version @maj.@min.
 *
 * Since: 1.0
 */

/**
 * GPIDFD_DEPRECATED_IN_1_0_FOR: (skip)
 * @f: the symbol to use instead
 *
 * Marks a symbol as deprecated since 1.0, in favour of @f.
 *
 * Since: 1.0
 */

#ifdef GPIDFD_DISABLE_DEPRECATION_WARNINGS
# define GPIDFD_DEPRECATED _GPIDFD_EXTERN
# define GPIDFD_DEPRECATED_FOR(f) _GPIDFD_EXTERN
# define GPIDFD_UNAVAILABLE(maj,min) _GPIDFD_EXTERN
#else
# define GPIDFD_DEPRECATED G_DEPRECATED _GPIDFD_EXTERN
# define GPIDFD_DEPRECATED_FOR(f) G_DEPRECATED_FOR (f) _GPIDFD_EXTERN
# define GPIDFD_UNAVAILABLE(maj,min) G_UNAVAILABLE (maj, min) _GPIDFD_EXTERN
#endif

#define GPIDFD_VERSION_1_0 (GPIDFD_ENCODE_VERSION (1, 0, 0))

#if (GPIDFD_MINOR_VERSION == 99)
# define GPIDFD_VERSION_CUR_STABLE (GPIDFD_ENCODE_VERSION (GPIDFD_MAJOR_VERSION + 1, 0, 0))
#elif (GPIDFD_MINOR_VERSION % 2)
# define GPIDFD_VERSION_CUR_STABLE (GPIDFD_ENCODE_VERSION (GPIDFD_MAJOR_VERSION, GPIDFD_MINOR_VERSION + 1, 0))
#else
# define GPIDFD_VERSION_CUR_STABLE (GPIDFD_ENCODE_VERSION (GPIDFD_MAJOR_VERSION, GPIDFD_MINOR_VERSION, 0))
#endif

#ifndef GPIDFD_VERSION_MIN_REQUIRED
# define GPIDFD_VERSION_MIN_REQUIRED (GPIDFD_VERSION_CUR_STABLE)
#endif

#ifndef GPIDFD_VERSION_MAX_ALLOWED
# define GPIDFD_VERSION_MAX_ALLOWED (GPIDFD_VERSION_CUR_STABLE)
#endif

#if GPIDFD_VERSION_MAX_ALLOWED < GPIDFD_VERSION_MIN_REQUIRED
# error "GPIDFD_VERSION_MAX_ALLOWED must be >= GPIDFD_VERSION_MIN_REQUIRED"
#endif
#if GPIDFD_VERSION_MIN_REQUIRED < GPIDFD_VERSION_1_0
# error "GPIDFD_VERSION_MIN_REQUIRED must be >= GPIDFD_VERSION_1_0"
#endif

#define GPIDFD_AVAILABLE_IN_ALL _GPIDFD_EXTERN

#if GPIDFD_VERSION_MIN_REQUIRED >= GPIDFD_VERSION_1_0
# define GPIDFD_DEPRECATED_IN_1_0 GPIDFD_DEPRECATED
# define GPIDFD_DEPRECATED_IN_1_0_FOR(f) GPIDFD_DEPRECATED_FOR (f)
#else
# define GPIDFD_DEPRECATED_IN_1_0 _GPIDFD_EXTERN
# define GPIDFD_DEPRECATED_IN_1_0_FOR(f) _GPIDFD_EXTERN
#endif

#if GPIDFD_VERSION_MAX_ALLOWED < GPIDFD_VERSION_1_0
# define GPIDFD_AVAILABLE_IN_1_0 GPIDFD_UNAVAILABLE (1, 0)
#else
# define GPIDFD_AVAILABLE_IN_1_0 _GPIDFD_EXTERN
#endif
