/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "haul-body.h"
#include "haul-fetch-private.h"
#include "haul-record.h"

/* The fetch's record stage: skipping what was saved, finding a partial body
 * from an earlier run, and remembering what is saved. Runs in the worker. */

static gboolean
is_bare_name (const char *name)
{
  return name != NULL && name[0] != '\0' && strchr (name, '/') == NULL &&
         strcmp (name, ".") != 0 && strcmp (name, "..") != 0;
}

/* A regular file of @size in the folder, not followed through a link. */
static gboolean
file_is_there (const char *folder,
               const char *name,
               guint64     size)
{
  g_autofree char *path = NULL;
  GStatBuf st;

  if (!is_bare_name (name))
    return FALSE;

  path = g_build_filename (folder, name, NULL);
  return g_lstat (path, &st) == 0 && S_ISREG (st.st_mode) && (guint64)st.st_size == size;
}

/* Remembers the file, so that the next run into this folder skips it. */
void
haul_fetch_record_saved (Attempt *attempt)
{
  HaulFetch *fetch = attempt->fetch;
  g_autofree char *name = NULL;
  HaulRecordFile file = { 0 };

  if (fetch->record == NULL || attempt->file_path == NULL)
    return;

  name = g_path_get_basename (attempt->file_path);
  file.url = fetch->url;
  file.name = name;
  file.size = haul_body_get_size (attempt->body);
  file.sha256 = (char *)haul_body_get_sha256 (attempt->body);
  file.etag = attempt->etag;
  file.last_modified = attempt->last_modified;
  haul_record_add_file (fetch->record, fetch->folder, &file);
}

/* An item saved in this folder before, whose file is still there as it was
 * saved, needs no request. A file the user deleted, or one replaced by other
 * content (its size differs), is fetched again. */
HaulUpdate *
haul_fetch_record_check_saved (HaulFetch *fetch)
{
  g_autoptr(HaulRecordFile) file = NULL;
  g_autofree char *path = NULL;
  HaulUpdate *update;

  if (fetch->record == NULL || !fetch->skip_saved || fetch->folder == NULL)
    return NULL;

  file = haul_record_lookup_file (fetch->record, fetch->folder, fetch->url);
  if (file == NULL)
    return NULL;

  if (!file_is_there (fetch->folder, file->name, file->size))
    return NULL;

  path = g_build_filename (fetch->folder, file->name, NULL);
  update = haul_update_new (HAUL_UPDATE_FINISHED, fetch);
  update->state = HAUL_DOWNLOAD_SKIPPED;
  update->skip_reason = HAUL_SKIP_SAVED;
  /* TRANSLATORS: an item skipped because its file is there from before */
  update->error_message = g_strdup_printf (_("already downloaded (%s)"), file->name);
  update->file_path = g_steal_pointer (&path);
  update->bytes_received = file->size;
  update->total_bytes = (gint64)file->size;

  return update;
}

/* A transfer an earlier run left unfinished goes on from its partial file,
 * which only the record vouches for: a ".part" nobody recorded is never
 * opened. */
void
haul_fetch_record_find_part (HaulFetch *fetch)
{
  g_autoptr(HaulRecordPartial) partial = NULL;

  if (fetch->record == NULL || fetch->resume_part != NULL)
    return;

  partial = haul_record_lookup_partial (fetch->record, fetch->folder, fetch->url);
  if (partial == NULL)
    return;

  fetch->part_recorded = TRUE;
  if (!haul_body_is_part_name (partial->part))
    return;

  fetch->resume_part = g_strdup (partial->part);
  fetch->resume_etag = g_strdup (partial->etag);
  fetch->resume_last_modified = g_strdup (partial->last_modified);
}

void
haul_fetch_record_part (Attempt *attempt)
{
  HaulFetch *fetch = attempt->fetch;
  HaulRecordPartial partial = { 0 };

  if (fetch->record == NULL || haul_body_get_part_name (attempt->body) == NULL)
    return;

  partial.url = fetch->url;
  partial.part = (char *)haul_body_get_part_name (attempt->body);
  partial.etag = attempt->etag;
  partial.last_modified = attempt->last_modified;
  partial.total = attempt->total;
  haul_record_set_partial (fetch->record, fetch->folder, &partial);
  fetch->part_recorded = TRUE;
}

void
haul_fetch_record_forget_part (HaulFetch *fetch)
{
  /* Most items never had a part: they cost the record nothing here. */
  if (fetch->record == NULL || !fetch->part_recorded)
    return;

  haul_record_remove_partial (fetch->record, fetch->folder, fetch->url);
  fetch->part_recorded = FALSE;
}

/* Called with the record's names locked. A body whose SHA-256 matches a
 * file saved in this folder, which is still there as it was saved, is not
 * kept twice. */
gboolean
haul_fetch_record_find_duplicate (Attempt *attempt)
{
  HaulFetch *fetch = attempt->fetch;
  const char *sha256 = haul_body_get_sha256 (attempt->body);
  g_autoptr(GPtrArray) files = NULL;

  if (fetch->record == NULL || fetch->keep_duplicates || sha256 == NULL)
    return FALSE;

  files = haul_record_find_by_hash (fetch->record, fetch->folder, sha256);
  for (guint i = 0; i < files->len; i++)
    {
      HaulRecordFile *file = g_ptr_array_index (files, i);

      if (file->size == haul_body_get_size (attempt->body) &&
          file_is_there (fetch->folder, file->name, file->size))
        {
          attempt->duplicate_of = g_strdup (file->name);
          return TRUE;
        }
    }

  return FALSE;
}
