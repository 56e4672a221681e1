/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* gpidfd.h: the one header users include */

#pragma once

#define GPIDFD_INSIDE

#include "gpidfd-version.h"
#include "gpidfd-version-macros.h"
#include "gpidfd-enums.h"
#include "gpidfd-exit-info.h"
#include "gpidfd-process-info.h"
#include "gpidfd-pidfd.h"
#include "gpidfd-launcher.h"
#include "gpidfd-source.h"
#include "gpidfd-spawn.h"

#undef GPIDFD_INSIDE
