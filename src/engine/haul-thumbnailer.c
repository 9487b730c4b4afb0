/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-thumbnailer.h"

/* Skeleton: lands with the download engine. */
