/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-error.h"

G_DEFINE_QUARK (haul-error-quark, haul_error)
