/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-naming.h"

G_BEGIN_DECLS

/* The ways of claiming a name atomically, each the fallback of the one
 * before when a file system lacks it. */
typedef enum
{
  HAUL_NAMING_CLAIM_RENAME_NOREPLACE,
  HAUL_NAMING_CLAIM_LINK,
  HAUL_NAMING_CLAIM_EXCLUSIVE_CREATE,
  /* Not a fallback: links a /proc/self/fd path of an O_TMPFILE file. */
  HAUL_NAMING_CLAIM_LINK_ANONYMOUS,
} HaulNamingClaimMethod;

/* haul_naming_claim() starting from @method rather than renameat2(), so
 * that every fallback can be exercised on any file system. */
char *haul_naming_claim_using (const char             *folder,
                               const char             *tmp_path,
                               const char             *name,
                               HaulNamingClaimMethod   method,
                               GError                **error);

G_END_DECLS
