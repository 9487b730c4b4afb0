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
#define HAUL_DOWNLOADER_MAX_DELAY            3600.0
#define HAUL_DOWNLOADER_MAX_MAX_TIME         86400.0
#define HAUL_DOWNLOADER_MAX_PAGES            1000
/* Smaller transfers are started again rather than resumed in a later run. */
#define HAUL_DOWNLOADER_RESUME_AFTER         (G_GUINT64_CONSTANT (1) << 20)

#define HAUL_TYPE_DOWNLOADER (haul_downloader_get_type ())

G_DECLARE_FINAL_TYPE (HaulDownloader, haul_downloader, HAUL, DOWNLOADER, GObject)

/* Properties (all G_PARAM_EXPLICIT_NOTIFY):
 *   "concurrency"      guint 1–64, default 8; may change while running
 *   "retries"          guint, default 3
 *   "timeout"          guint seconds, connect and idle read, default 30
 *   "max-size"         guint64 bytes, default 1 GiB
 *   "accept-any-type"  gboolean, default FALSE
 *   "server-time"      gboolean, a saved file's mtime from Last-Modified, default TRUE
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
 *   "max-pages"        guint 1–1000, default 1: pages read per web page, following rel="next"
 *   "follow"           gboolean, default FALSE: a thumbnail linking to a viewer page on the
 *                      same site gives that page's main image
 *   "min-width"        guint, default 0: skip a narrower image, from its header
 *   "min-height"       guint, default 0: skip a shorter image, from its header
 *
 * How requests look (take effect with the next batch):
 *   "referer"          string: the Referer of every request; a 403 is tried
 *                      once more with the other policy (see haul-request.h)
 *   "headers"          GStrv of "Name: Value"
 *   "user-agent"       string, default "Haul/VERSION"
 *   "cookies-file"     string: a Netscape cookies.txt or Firefox cookies.sqlite
 *   "proxy"            string: a proxy URL instead of the system's settings
 *
 * Manners, across every batch (take effect at once):
 *   "per-host"         guint 0–64: transfers in flight to one host, 0 = no cap
 *   "delay"            double seconds between request starts to one host
 *   "limit-rate"       guint64 bytes per second for all items together, 0 = none
 *   "max-time"         double seconds one attempt may take in all, 0 = none
 *
 * Signals (emitted on the main context):
 *   "download-finished" (HaulDownload *download): in completion order
 *   "host-paused" (const char *host, guint seconds): a host asked to slow down
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
gboolean        haul_downloader_get_server_time     (HaulDownloader       *self);
void            haul_downloader_set_server_time     (HaulDownloader       *self,
                                                     gboolean              server_time);
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
void            haul_downloader_set_referer         (HaulDownloader       *self,
                                                     const char           *referer);
void            haul_downloader_set_headers         (HaulDownloader       *self,
                                                     const char * const   *headers);
void            haul_downloader_set_user_agent      (HaulDownloader       *self,
                                                     const char           *user_agent);
void            haul_downloader_set_cookies_file    (HaulDownloader       *self,
                                                     const char           *path);
void            haul_downloader_set_proxy           (HaulDownloader       *self,
                                                     const char           *proxy);
void            haul_downloader_set_per_host        (HaulDownloader       *self,
                                                     guint                 per_host);
void            haul_downloader_set_delay           (HaulDownloader       *self,
                                                     double                seconds);
void            haul_downloader_set_limit_rate      (HaulDownloader       *self,
                                                     guint64               bytes_per_second);
void            haul_downloader_set_max_time        (HaulDownloader       *self,
                                                     double                seconds);
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

/* Fetches a queued page image's preview (the page's own thumbnail for it)
 * small, in a thread, and shows it as the item's thumbnail. */
void            haul_downloader_load_preview        (HaulDownloader       *self,
                                                     HaulDownload         *download);

G_END_DECLS
