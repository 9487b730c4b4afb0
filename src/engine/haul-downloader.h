/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "haul-types.h"

G_BEGIN_DECLS

#define HAUL_DOWNLOADER_MIN_CONCURRENCY      1
#define HAUL_DOWNLOADER_MAX_CONCURRENCY      64
#define HAUL_DOWNLOADER_DEFAULT_CONCURRENCY  8
#define HAUL_DOWNLOADER_DEFAULT_RETRIES      3
#define HAUL_DOWNLOADER_DEFAULT_TIMEOUT      30
#define HAUL_DOWNLOADER_DEFAULT_MAX_SIZE     (G_GUINT64_CONSTANT (1) << 30)
#define HAUL_DOWNLOADER_DEFAULT_THUMBNAIL_SIZE 256

#define HAUL_TYPE_DOWNLOADER (haul_downloader_get_type ())

G_DECLARE_FINAL_TYPE (HaulDownloader, haul_downloader, HAUL, DOWNLOADER, GObject)

/* Properties (all G_PARAM_EXPLICIT_NOTIFY):
 *   "concurrency"      guint 1–64, default 8; may change while running
 *   "retries"          guint, default 3
 *   "timeout"          guint seconds, connect and idle read, default 30
 *   "max-size"         guint64 bytes, default 1 GiB
 *   "accept-any-type"  gboolean, default FALSE
 *   "thumbnail-size"   guint pixels, 0 = only read the dimensions, default 256
 *   "output-folder"    GFile, created when a batch starts
 *   "keep-thumbnails"  gboolean, default TRUE: every saved item keeps its thumbnail; when
 *                      FALSE only those a view holds do (haul_download_hold_thumbnail)
 *   "ca-file"          string, construct-only: a PEM file trusted beside the system's CAs
 *   "skip-saved"       gboolean, default TRUE: an item saved in this folder before, whose
 *                      file is still there, is skipped without a request
 *   "keep-duplicates"  gboolean, default FALSE: keep a body whose SHA-256 matches a file
 *                      already saved in the folder
 *   "record"           HaulRecord: what was saved where, to skip, dedupe and resume; NULL for none
 *   "running"          gboolean, read-only
 *
 * Signals (emitted on the main context):
 *   "download-finished" (HaulDownload *download): in completion order
 */

HaulDownloader *haul_downloader_new                 (const char           *ca_file);
guint           haul_downloader_get_concurrency     (HaulDownloader       *self);
void            haul_downloader_set_concurrency     (HaulDownloader       *self,
                                                     guint                 concurrency);
guint           haul_downloader_get_retries         (HaulDownloader       *self);
void            haul_downloader_set_retries         (HaulDownloader       *self,
                                                     guint                 retries);
guint           haul_downloader_get_timeout         (HaulDownloader       *self);
void            haul_downloader_set_timeout         (HaulDownloader       *self,
                                                     guint                 timeout);
guint64         haul_downloader_get_max_size        (HaulDownloader       *self);
void            haul_downloader_set_max_size        (HaulDownloader       *self,
                                                     guint64               max_size);
gboolean        haul_downloader_get_accept_any_type (HaulDownloader       *self);
void            haul_downloader_set_accept_any_type (HaulDownloader       *self,
                                                     gboolean              accept_any_type);
guint           haul_downloader_get_thumbnail_size  (HaulDownloader       *self);
void            haul_downloader_set_thumbnail_size  (HaulDownloader       *self,
                                                     guint                 thumbnail_size);
gboolean        haul_downloader_get_keep_thumbnails (HaulDownloader       *self);
void            haul_downloader_set_keep_thumbnails (HaulDownloader       *self,
                                                     gboolean              keep_thumbnails);
GFile          *haul_downloader_get_output_folder   (HaulDownloader       *self);
void            haul_downloader_set_output_folder   (HaulDownloader       *self,
                                                     GFile                *folder);
gboolean        haul_downloader_get_running         (HaulDownloader       *self);
gboolean        haul_downloader_get_skip_saved      (HaulDownloader       *self);
void            haul_downloader_set_skip_saved      (HaulDownloader       *self,
                                                     gboolean              skip_saved);
gboolean        haul_downloader_get_keep_duplicates (HaulDownloader       *self);
void            haul_downloader_set_keep_duplicates (HaulDownloader       *self,
                                                     gboolean              keep_duplicates);
HaulRecord     *haul_downloader_get_record          (HaulDownloader       *self);
void            haul_downloader_set_record          (HaulDownloader       *self,
                                                     HaulRecord           *record);

/* Queues @downloads (HaulDownload *) and completes once every one of them
 * has finished. Finished items are reset and fetched again (Retry). More
 * batches may be started while one runs; they share the pool. Cancelling
 * @cancellable cancels every item of this batch. The same URL twice in a
 * batch is fetched once; the other items end SKIPPED. An item that is still
 * running in another batch is left to that batch.
 *
 * Every item reaches its final state on a later main loop iteration, never
 * inside this call. The batch holds a reference on the downloader until it
 * ends; to stop early, cancel (or haul_downloader_cancel_all()) and let the
 * main loop run until "running" is FALSE: workers stop within a second and
 * remove their temporary files.
 *
 * run_finish() returns TRUE when the batch ran to its end, whatever became
 * of the items (see each item's state), and FALSE with G_IO_ERROR_CANCELLED
 * when @cancellable was cancelled. */
void            haul_downloader_run_async           (HaulDownloader       *self,
                                                     GPtrArray            *downloads,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean        haul_downloader_run_finish          (HaulDownloader       *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);
void            haul_downloader_cancel_all          (HaulDownloader       *self);

G_END_DECLS
