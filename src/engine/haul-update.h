/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "haul-download.h"

G_BEGIN_DECLS

typedef struct _HaulFetch HaulFetch;

typedef enum
{
  HAUL_UPDATE_STARTED,
  HAUL_UPDATE_RESPONSE,
  HAUL_UPDATE_PROGRESS,
  HAUL_UPDATE_FINISHED,
} HaulUpdateKind;

/* What a worker reports about one fetch. A worker fills it in and posts it;
 * from then on only the main context reads it, so it needs no lock. */
typedef struct
{
  HaulUpdateKind     kind;
  HaulFetch         *fetch;
  gint64             time;            /* monotonic, when it happened */
  guint64            bytes_received;
  gint64             total_bytes;     /* -1 while unknown */
  guint              http_status;
  char              *final_url;
  char              *content_type;
  HaulDownloadState  state;           /* HAUL_UPDATE_FINISHED only */
  HaulSkipReason     skip_reason;
  char              *error_message;
  char              *file_path;
  int                width;           /* as displayed */
  int                height;
  gboolean           animated;
  guint              frames;          /* of an animation; 0 when not counted */
  GdkPixbuf         *thumbnail;
  char              *sha256;          /* of the saved body, FINISHED only */
  char              *etag;            /* the response's validators, as sent */
  char              *last_modified;
  char              *part_name;       /* see HaulFetch's name_part_after, keep_part */
} HaulUpdate;

HaulUpdate *haul_update_new  (HaulUpdateKind  kind,
                              HaulFetch      *fetch);
void        haul_update_free (HaulUpdate     *update);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulUpdate, haul_update_free)

G_END_DECLS
