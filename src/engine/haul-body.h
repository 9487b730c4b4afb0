/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "haul-types.h"

G_BEGIN_DECLS

/* The file a response body is written to, in the output folder, until it
 * gets its final name. Where the file system allows, it has no name at all
 * (O_TMPFILE) until claimed, unless it is given a hidden partial name for
 * resuming in a later run: ".haul-XXXXXX.part". Otherwise it has that
 * name from the start. A SHA-256 of the bytes written is kept as they are
 * written. One body is used by one thread at a time. */

#define HAUL_BODY_PART_PREFIX ".haul-"
#define HAUL_BODY_PART_SUFFIX ".part"

/* Called with each block of an existing partial file as it is read back. */
typedef void (*HaulBodyReadFunc) (const guint8 *data,
                                  gsize         length,
                                  gpointer      user_data);

HaulBody   *haul_body_new            (const char        *folder,
                                      GError           **error);
HaulBody   *haul_body_open_part      (const char        *folder,
                                      const char        *part_name,
                                      HaulBodyReadFunc   read_func,
                                      gpointer           user_data,
                                      GError           **error);
gboolean    haul_body_is_part_name   (const char        *name);

guint64     haul_body_get_size       (HaulBody          *self);
gboolean    haul_body_write          (HaulBody          *self,
                                      const guint8      *data,
                                      gsize              length,
                                      GError           **error);
gboolean    haul_body_restart        (HaulBody          *self,
                                      GError           **error);
gboolean    haul_body_name_part      (HaulBody          *self,
                                      GError           **error);
const char *haul_body_get_part_name  (HaulBody          *self);
const char *haul_body_get_sha256     (HaulBody          *self);
gboolean    haul_body_set_mtime      (HaulBody          *self,
                                      gint64             unix_time,
                                      GError           **error);
char       *haul_body_claim          (HaulBody          *self,
                                      const char        *name,
                                      GError           **error);
void        haul_body_keep_part      (HaulBody          *self);
void        haul_body_free           (HaulBody          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulBody, haul_body_free)

G_END_DECLS
