/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "haul-download.h"
#include "haul-downloader.h"
#include "haul-types.h"

G_BEGIN_DECLS

#define HAUL_TYPE_QUEUE (haul_queue_get_type ())

G_DECLARE_FINAL_TYPE (HaulQueue, haul_queue, HAUL, QUEUE, GObject)

/* The whole list, as it stands. */
typedef struct
{
  guint total;
  guint startable;      /* queued or cancelled, and not being fetched */
  guint active;         /* being fetched */
  guint done;
  guint failed;
  guint skipped;
  guint cancelled;
  /* By HaulDownloadGroup, for the window's state filter: waiting is
   * queued, being fetched or cancelled; its Done shows done + skipped. */
  guint waiting;
} HaulQueueCounts;

/* What was started since the queue was last idle: a session runs from the
 * first Download until the last item started meanwhile has finished. */
typedef struct
{
  guint    total;
  guint    finished;
  guint    done;
  guint    failed;
  guint    skipped;
  guint    cancelled;
  gboolean running;
  gboolean interrupted;  /* cancelled as a whole */
  double   elapsed;      /* seconds, so far or until it ended */
  double   sum;          /* the fetched items' own seconds, one after another */
  /* sum / elapsed, or 0 when a comparison with one by one means nothing:
   * fewer than two items fetched, or the session was cancelled. */
  double   speedup;
  guint    pages;        /* web pages read or tried, not counted in total */
  guint    pages_failed;
  guint    images_found; /* on those pages */
  /* Only pages were read, before Download (haul_queue_read_pages()). */
  gboolean reading_only;
  /* The session's progress, 0–1: finished items and the fractions of those
   * being fetched, by item. */
  double   fraction;
  guint64  bytes_received;
  /* What arrived over the last few seconds, while running; 0 at first. */
  double   bytes_per_second;
  /* At the pace so far, while running; -1 until there is one. */
  double   seconds_left;
} HaulQueueSummary;

/* A GListModel of HaulDownload, in the order they were added; the engine
 * object that the window shows and haul-cli drives. It adds each URL once,
 * starts, cancels and retries items through its downloader, counts and
 * summarises them, and, when persistent, keeps its list in the downloader's
 * record so that it comes back after a restart or a crash.
 *
 * Properties (G_PARAM_EXPLICIT_NOTIFY):
 *   "downloader"  HaulDownloader, construct-only
 *   "persistent"  gboolean: save the list (at most about a second behind)
 *   "gradual"     gboolean: a batch of thousands of new items enters the
 *                 model a few dozen per frame, so that a view creating rows
 *                 for them never stalls; the counts include them at once
 *   "running"     gboolean, read-only
 *   "pages"       gboolean: a new item may be a web page, read for its images,
 *                 which are then added tied to it (see "page-url")
 *   "page-min-width", "page-min-height"
 *                 guint: images found on pages smaller than this are skipped
 *
 * Signals (main context):
 *   "item-finished" (HaulDownload *): in completion order
 *   "changed": counts or the session may have changed
 *   "session-finished": the last item of the session has finished */

HaulQueue      *haul_queue_new              (HaulDownloader       *downloader);
HaulDownloader *haul_queue_get_downloader   (HaulQueue            *self);
gboolean        haul_queue_get_persistent   (HaulQueue            *self);
void            haul_queue_set_persistent   (HaulQueue            *self,
                                             gboolean              persistent);
gboolean        haul_queue_get_gradual      (HaulQueue            *self);
void            haul_queue_set_gradual      (HaulQueue            *self,
                                             gboolean              gradual);
gboolean        haul_queue_get_running      (HaulQueue            *self);
gboolean        haul_queue_get_pages        (HaulQueue            *self);
void            haul_queue_set_pages        (HaulQueue            *self,
                                             gboolean              pages);

/* Adds the URLs (char *) not in the queue yet; returns the new items. */
GPtrArray      *haul_queue_add_urls         (HaulQueue            *self,
                                             GPtrArray            *urls,
                                             guint                *n_known);
HaulDownload   *haul_queue_lookup           (HaulQueue            *self,
                                             const char           *url);
/* Every item, also those not in the model yet (HaulDownload *). */
GPtrArray      *haul_queue_get_items        (HaulQueue            *self);

/* Fetches @items, or every startable item when NULL; items already being
 * fetched are left alone. */
void            haul_queue_start            (HaulQueue            *self,
                                             GPtrArray            *items);
/* Reads the web pages among @items (NULL for every startable one) without
 * fetching their images: those are added queued, with their previews.
 * An item that answers with an image stays queued, as it was, and one
 * whose address names an image file is not asked at all. */
void            haul_queue_read_pages       (HaulQueue            *self,
                                             GPtrArray            *items);
void            haul_queue_retry_failed     (HaulQueue            *self);
/* Cancels everything being fetched. */
void            haul_queue_cancel           (HaulQueue            *self);
/* Removes @items (HaulDownload *), cancelling those still running and
 * deleting the data an unfinished one kept for resuming. A page goes with
 * its images that are still queued. */
void            haul_queue_remove           (HaulQueue            *self,
                                             GPtrArray            *items);
/* Removes the items that are done, failed or skipped. */
void            haul_queue_clear_finished   (HaulQueue            *self);

void            haul_queue_get_counts       (HaulQueue            *self,
                                             HaulQueueCounts      *counts);
void            haul_queue_get_summary      (HaulQueue            *self,
                                             HaulQueueSummary     *summary);

/* Brings back the list saved by a persistent queue, read in a thread.
 * Items already in the queue are kept as they are. */
void            haul_queue_restore_async    (HaulQueue            *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/* @n_unfinished: how many restored items wait to be fetched. */
gboolean        haul_queue_restore_finish   (HaulQueue            *self,
                                             GAsyncResult         *result,
                                             guint                *n_unfinished,
                                             GError              **error);

/* Writes what is pending now, in a thread; the default application is
 * held until it is written. */
void            haul_queue_save_now         (HaulQueue            *self);

G_END_DECLS
