/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-update.h"

HaulUpdate *
haul_update_new (HaulUpdateKind  kind,
                 HaulFetch      *fetch)
{
  HaulUpdate *update = g_new0 (HaulUpdate, 1);

  update->kind = kind;
  update->fetch = fetch;
  update->time = g_get_monotonic_time ();
  update->total_bytes = -1;
  update->state = HAUL_DOWNLOAD_QUEUED;

  return update;
}

void
haul_update_free (HaulUpdate *update)
{
  g_free (update->final_url);
  g_free (update->content_type);
  g_free (update->error_message);
  g_free (update->file_path);
  g_free (update->sha256);
  g_free (update->etag);
  g_free (update->last_modified);
  g_free (update->part_name);
  g_clear_object (&update->thumbnail);
  g_free (update);
}
