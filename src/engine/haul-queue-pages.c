/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-download-private.h"
#include "haul-intake-private.h"
#include "haul-page.h"
#include "haul-queue-private.h"

/* What web pages give: the images found on a page join the queue tied to
 * it, once each, fetched at once when the page was, or else left queued
 * with their previews for a person to choose from. */

/* Where a page's images go: right after the page and those of its images
 * already there. */
static guint
index_after_page (HaulQueue    *self,
                  HaulDownload *page_item)
{
  const char *url = haul_download_get_url (page_item);
  guint index;

  if (!g_ptr_array_find (self->items, page_item, &index))
    return self->items->len;

  for (index++; index < self->items->len; index++)
    if (g_strcmp0 (haul_download_get_page_url (self->items->pdata[index]), url) != 0)
      break;

  return index;
}

static GPtrArray *
add_page_images (HaulQueue    *self,
                 HaulDownload *page_item)
{
  HaulPage *page = haul_download_get_page (page_item);
  GPtrArray *added = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < page->images->len; i++)
    {
      HaulPageImage *image = g_ptr_array_index (page->images, i);
      HaulDownload *download;

      /* Each image once per run, whichever page gave it first. */
      if (haul_queue_lookup (self, image->url) != NULL)
        continue;

      download = haul_download_new (image->url);
      haul_download_set_found_on (download, haul_download_get_url (page_item),
                                  image->page_url, image->preview_url);
      haul_download_set_min_dimensions (download, self->page_min_width, self->page_min_height);
      g_ptr_array_add (added, download);
    }

  if (added->len > 0)
    haul_queue_insert_new (self, index_after_page (self, page_item), added);

  return added;
}

gboolean
haul_queue_page_finished (HaulQueue    *self,
                          HaulDownload *download)
{
  gboolean probed = g_hash_table_remove (self->probing, download);
  g_autoptr(GPtrArray) added = NULL;

  haul_download_set_probe (download, FALSE);

  if (haul_download_get_page (download) == NULL)
    return !probed || haul_download_is_finished (download);

  added = add_page_images (self, download);
  if (!probed)
    {
      haul_queue_start (self, added);
      return TRUE;
    }

  for (guint i = 0; i < added->len; i++)
    haul_downloader_load_preview (haul_queue_get_downloader (self),
                                  g_ptr_array_index (added, i));

  return TRUE;
}

void
haul_queue_read_pages (HaulQueue *self,
                       GPtrArray *items)
{
  g_autoptr(GPtrArray) to_read = g_ptr_array_new ();
  GPtrArray *from = items != NULL ? items : self->items;

  g_return_if_fail (HAUL_IS_QUEUE (self));

  for (guint i = 0; i < from->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (from, i);
      HaulDownloadState state = haul_download_get_state (d);

      if (!haul_download_get_is_page (d) || haul_download_get_page (d) != NULL ||
          (state != HAUL_DOWNLOAD_QUEUED && state != HAUL_DOWNLOAD_CANCELLED) ||
          g_hash_table_contains (self->active, d) ||
          g_hash_table_contains (self->probing, d))
        continue;

      /* An address that names an image file is an image: nothing to ask
       * before Download. */
      if (haul_intake_points_at_image (haul_download_get_url (d)))
        {
          haul_download_set_may_be_page (d, FALSE);
          continue;
        }

      haul_download_set_probe (d, TRUE);
      g_hash_table_add (self->probing, d);
      g_ptr_array_add (to_read, d);
    }

  if (to_read->len > 0)
    {
      haul_queue_start (self, to_read);
      self->session_reads += to_read->len;
    }
}

void
haul_queue_add_page_images_of (HaulQueue  *self,
                               GHashTable *set)
{
  g_autoptr(GHashTable) pages = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (haul_download_get_is_page (key))
      g_hash_table_add (pages, (gpointer)haul_download_get_url (key));

  if (g_hash_table_size (pages) == 0)
    return;

  for (guint i = 0; i < self->items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (self->items, i);
      const char *page_url = haul_download_get_page_url (d);

      if (page_url != NULL && g_hash_table_contains (pages, page_url) &&
          haul_download_get_state (d) == HAUL_DOWNLOAD_QUEUED &&
          !g_hash_table_contains (self->active, d))
        g_hash_table_add (set, d);
    }
}
