/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

#include "haul-types.h"

G_BEGIN_DECLS

typedef enum
{
  HAUL_DOWNLOAD_QUEUED,
  HAUL_DOWNLOAD_CONNECTING,
  HAUL_DOWNLOAD_DOWNLOADING,
  HAUL_DOWNLOAD_DONE,
  HAUL_DOWNLOAD_FAILED,
  HAUL_DOWNLOAD_CANCELLED,
  HAUL_DOWNLOAD_SKIPPED,
} HaulDownloadState;

/* Why an item ended SKIPPED. */
typedef enum
{
  HAUL_SKIP_NONE,
  HAUL_SKIP_SAME_URL,       /* the same address twice in one batch */
  HAUL_SKIP_SAVED,          /* saved in this folder before, still there */
  HAUL_SKIP_SAME_IMAGE,     /* its content is already saved in this folder */
  HAUL_SKIP_TOO_SMALL,      /* smaller than the minimum dimensions */
} HaulSkipReason;

/* What the window's state filter and the queue's counts sort items into. */
typedef enum
{
  HAUL_DOWNLOAD_GROUP_WAITING,   /* queued, being fetched or cancelled */
  HAUL_DOWNLOAD_GROUP_DONE,      /* saved now or before (skipped) */
  HAUL_DOWNLOAD_GROUP_FAILED,
} HaulDownloadGroup;

#define HAUL_TYPE_DOWNLOAD (haul_download_get_type ())

G_DECLARE_FINAL_TYPE (HaulDownload, haul_download, HAUL, DOWNLOAD, GObject)

/* A HaulDownload belongs to the main context: only the thread that owns the
 * default main context reads or changes it. Workers report through the
 * downloader, which applies their updates in an idle callback. */

HaulDownload      *haul_download_new               (const char        *url);
const char        *haul_download_get_url           (HaulDownload      *self);
const char        *haul_download_get_referer       (HaulDownload      *self);
void               haul_download_set_referer       (HaulDownload      *self,
                                                    const char        *referer);
HaulDownloadState  haul_download_get_state         (HaulDownload      *self);
gboolean           haul_download_is_finished       (HaulDownload      *self);
guint64            haul_download_get_bytes_received (HaulDownload     *self);
gint64             haul_download_get_total_bytes   (HaulDownload      *self);
double             haul_download_get_fraction      (HaulDownload      *self);
guint              haul_download_get_http_status   (HaulDownload      *self);
const char        *haul_download_get_final_url     (HaulDownload      *self);
const char        *haul_download_get_file_path     (HaulDownload      *self);
const char        *haul_download_get_file_name     (HaulDownload      *self);
/* What a view calls the item: its file name, or the end of its URL. */
const char        *haul_download_get_display_name  (HaulDownload      *self);
const char        *haul_download_get_content_type  (HaulDownload      *self);
int                haul_download_get_width         (HaulDownload      *self);
int                haul_download_get_height        (HaulDownload      *self);
gboolean           haul_download_get_animated      (HaulDownload      *self);
guint              haul_download_get_frames        (HaulDownload      *self);
const char        *haul_download_get_error_message (HaulDownload      *self);
const char        *haul_download_get_sha256        (HaulDownload      *self);
const char        *haul_download_get_etag          (HaulDownload      *self);
const char        *haul_download_get_last_modified (HaulDownload      *self);
HaulSkipReason     haul_download_get_skip_reason   (HaulDownload      *self);
GdkPixbuf         *haul_download_get_thumbnail     (HaulDownload      *self);
gint64             haul_download_get_queued_time   (HaulDownload      *self);
gint64             haul_download_get_started_time  (HaulDownload      *self);
gint64             haul_download_get_first_byte_time (HaulDownload    *self);
gint64             haul_download_get_finished_time (HaulDownload      *self);
double             haul_download_get_seconds       (HaulDownload      *self);
void               haul_download_cancel            (HaulDownload      *self);
/* Makes the thumbnail again from the saved file, in a worker thread, for
 * an item that is done but has none (one brought back from the last run).
 * Asked again while it loads, or after it failed, it does nothing. */
void               haul_download_load_thumbnail    (HaulDownload      *self,
                                                    guint              size);
/* Decodes the saved file of a done item to fit @size, in a worker thread;
 * the result is NULL (without an error) when there is nothing to show. */
void               haul_download_load_image_async  (HaulDownload        *self,
                                                    guint                size,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GdkPixbuf         *haul_download_load_image_finish (HaulDownload        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

/* A view showing the thumbnail holds it, and releases it when it no longer
 * shows it; the last release of a saved item drops the thumbnail, which the
 * next hold makes again from the file. */
void               haul_download_hold_thumbnail    (HaulDownload      *self,
                                                    guint              size);
void               haul_download_release_thumbnail (HaulDownload      *self);
gboolean           haul_download_is_thumbnail_held (HaulDownload      *self);
HaulDownloadGroup  haul_download_get_group         (HaulDownload      *self);

/* Pages: an item that may answer with a web page ("is-page"), what the
 * page gave once read ("page-title", "n-images"), and for an image found
 * on a page, that page's URL ("page-url") and the URL of the thumbnail the
 * page shows for it ("preview-url"). */
gboolean           haul_download_get_is_page       (HaulDownload      *self);
const char        *haul_download_get_page_title    (HaulDownload      *self);
guint              haul_download_get_n_images      (HaulDownload      *self);
const char        *haul_download_get_page_url      (HaulDownload      *self);
const char        *haul_download_get_preview_url   (HaulDownload      *self);

const char        *haul_download_state_to_string   (HaulDownloadState  state);

G_END_DECLS
