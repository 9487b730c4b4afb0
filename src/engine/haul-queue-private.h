/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-queue.h"

G_BEGIN_DECLS

#define HAUL_QUEUE_SPEED_SAMPLES 12

/* The queue is split by stage: haul-queue.c keeps the list, runs it and
 * saves it; haul-queue-pages.c adds what web pages give. */

typedef struct
{
  HaulQueue *self;
  GPtrArray *items;
} Batch;

struct _HaulQueue
{
  GObject         parent_instance;

  HaulDownloader *downloader;

  /* HaulDownload, in the order they were added; the first @n_exposed are
   * in the model. */
  GPtrArray      *items;
  guint           n_exposed;
  guint           expose_id;
  /* url → HaulDownload, to add each URL once */
  GHashTable     *by_url;
  /* HaulDownload → the folder it was last fetched into (char *) */
  GHashTable     *folders;
  /* HaulDownload being fetched */
  GHashTable     *active;

  /* The session: everything started since the queue was last idle. */
  GPtrArray      *session;
  GHashTable     *in_session;
  gint64          session_start;
  gint64          session_end;
  guint           n_batches;
  gboolean        session_cancelled;
  GCancellable   *cancellable;

  /* Samples of the session's bytes received, oldest first once full. */
  gint64          sample_time[HAUL_QUEUE_SPEED_SAMPLES];
  guint64         sample_bytes[HAUL_QUEUE_SPEED_SAMPLES];
  guint           n_samples;
  guint           next_sample;
  guint           sample_id;

  /* Persistence: HaulDownload → its position in the saved list, the items
   * to write and the URLs to forget. */
  GHashTable     *positions;
  gint64          next_position;
  GHashTable     *dirty;
  GPtrArray      *removed;
  guint           save_id;
  gboolean        saving;

  GApplication   *held_application;
  HaulRecord     *last_record;
  gboolean        persistent;
  gboolean        gradual;

  /* Pages: whether new items may be web pages, the least size of the
   * images found on them, and the items being probed for what they are. */
  gboolean        pages;
  guint           page_min_width;
  guint           page_min_height;
  GHashTable     *probing;
  guint           session_reads;   /* items of the session only read */
};

/* haul-queue.c */
/* Adds @downloads (new to the queue) at @index of the list. */
void     haul_queue_insert_new       (HaulQueue    *self,
                                      guint         index,
                                      GPtrArray    *downloads);

/* haul-queue-pages.c */
/* Called when @download finished; FALSE when it is not to be reported
 * (an image that was only probed stays queued). */
gboolean haul_queue_page_finished    (HaulQueue    *self,
                                      HaulDownload *download);
/* Adds to @set the queued images of the pages in it. */
void     haul_queue_add_page_images_of (HaulQueue  *self,
                                      GHashTable   *set);

G_END_DECLS
