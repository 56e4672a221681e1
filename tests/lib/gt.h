/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gt.h: the helpers every C test suite shares (libgpidfd-test.a)
 *
 *   gt-run.h        starting a suite, adding checked tests, main loops,
 *                   bodies in forked children and subprocesses, checks
 *   gt-spawn.h      children, grandchildren through a middle process,
 *                   threaded children; what /proc and waitid() say
 *   gt-collect.h    a record collected each way there is
 *   gt-fds.h        descriptors, threads, memory of this process
 *   gt-kernel.h     what the kernel can do; older kernels and sandboxes
 *                   simulated with seccomp
 *   gt-report.h     how a spawned child started, as it reports it
 *   gt-scenarios.h  the kernel-feature scenarios, socket and D-Bus peers
 *
 * Every name starts with gt_ (GT_, Gt). */

#pragma once

#include "gt-collect.h"
#include "gt-fds.h"
#include "gt-kernel.h"
#include "gt-report.h"
#include "gt-run.h"
#include "gt-scenarios.h"
#include "gt-spawn.h"
