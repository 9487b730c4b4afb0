/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-sniff.h"

/* Skeleton: lands with the download engine. */
