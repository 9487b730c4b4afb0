/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "haul-body.h"
#include "haul-download-private.h"
#include "haul-page.h"
#include "haul-queue-private.h"
#include "haul-record.h"

/* A view makes a row for each of the first couple of hundred items at once;
 * given a few dozen per frame it never stalls for long. Past those, the
 * rest goes in at once, as it costs no rows. */
#define GRADUAL_PER_STEP  24
#define GRADUAL_UNTIL     256
#define GRADUAL_INTERVAL  16

/* The speed is what arrived over the last few seconds: a sample of the
 * session's bytes every SPEED_INTERVAL ms, HAUL_QUEUE_SPEED_SAMPLES of them. */
#define SPEED_INTERVAL    250
#define SPEED_SAMPLES     HAUL_QUEUE_SPEED_SAMPLES

/* The list is written at most this long after it changed. */
#define SAVE_DELAY_MS     1000

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HaulQueue, haul_queue, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_DOWNLOADER,
  PROP_PERSISTENT,
  PROP_GRADUAL,
  PROP_RUNNING,
  PROP_PAGES,
  PROP_PAGE_MIN_WIDTH,
  PROP_PAGE_MIN_HEIGHT,
  N_PROPS
};

enum {
  ITEM_FINISHED,
  CHANGED,
  SESSION_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static GType
haul_queue_get_item_type (GListModel *model)
{
  return HAUL_TYPE_DOWNLOAD;
}

static guint
haul_queue_get_n_items (GListModel *model)
{
  return HAUL_QUEUE (model)->n_exposed;
}

static gpointer
haul_queue_get_item (GListModel *model,
                     guint       position)
{
  HaulQueue *self = HAUL_QUEUE (model);

  if (position >= self->n_exposed)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = haul_queue_get_item_type;
  iface->get_n_items = haul_queue_get_n_items;
  iface->get_item = haul_queue_get_item;
}

static void
emit_changed (HaulQueue *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/* Persistence */

static HaulRecord *
get_record (HaulQueue *self)
{
  /* Once disposed, the last writes still go to the record it had. */
  return self->downloader ? haul_downloader_get_record (self->downloader) : self->last_record;
}

static HaulRecordItem *
item_for_record (HaulQueue    *self,
                 HaulDownload *download)
{
  HaulRecordItem *item = g_new0 (HaulRecordItem, 1);
  HaulDownloadState state = haul_download_get_state (download);

  item->url = g_strdup (haul_download_get_url (download));
  item->position = GPOINTER_TO_SIZE (g_hash_table_lookup (self->positions, download));
  /* What was on its way when Haul stopped is waiting again next time. */
  item->state = haul_download_is_finished (download) ? state : HAUL_DOWNLOAD_QUEUED;
  item->folder = g_strdup (g_hash_table_lookup (self->folders, download));
  if (haul_download_is_finished (download))
    {
      item->file_path = g_strdup (haul_download_get_file_path (download));
      item->content_type = g_strdup (haul_download_get_content_type (download));
      item->error_message = g_strdup (haul_download_get_error_message (download));
      item->bytes = haul_download_get_bytes_received (download);
      item->total = haul_download_get_total_bytes (download);
      item->http_status = haul_download_get_http_status (download);
      item->width = haul_download_get_width (download);
      item->height = haul_download_get_height (download);
      item->seconds = MAX (0.0, haul_download_get_seconds (download));
    }
  else
    item->total = -1;

  item->is_page = haul_download_get_page (download) != NULL;
  item->page_title = g_strdup (haul_download_get_page_title (download));
  item->page_url = g_strdup (haul_download_get_page_url (download));
  item->referer = g_strdup (haul_download_get_referer (download));
  item->preview_url = g_strdup (haul_download_get_preview_url (download));

  return item;
}

typedef struct
{
  HaulRecord   *record;
  GPtrArray    *items;
  GPtrArray    *removed;
  GApplication *application;
} SaveJob;

static void
save_job_free (SaveJob *job)
{
  if (job->application != NULL)
    {
      g_application_release (job->application);
      g_object_unref (job->application);
    }
  g_clear_object (&job->record);
  g_clear_pointer (&job->items, g_ptr_array_unref);
  g_clear_pointer (&job->removed, g_ptr_array_unref);
  g_free (job);
}

static void
save_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveJob *job = task_data;

  haul_record_save_items (job->record, job->items, job->removed);
  g_task_return_boolean (task, TRUE);
}

static void schedule_save (HaulQueue *self);

static void
save_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  HaulQueue *self = HAUL_QUEUE (object);

  self->saving = FALSE;
  if (g_hash_table_size (self->dirty) > 0 || self->removed->len > 0)
    schedule_save (self);
}

void
haul_queue_save_now (HaulQueue *self)
{
  g_autoptr(GTask) task = NULL;
  GHashTableIter iter;
  gpointer key;
  SaveJob *job;

  g_return_if_fail (HAUL_IS_QUEUE (self));

  g_clear_handle_id (&self->save_id, g_source_remove);

  if (!self->persistent || get_record (self) == NULL)
    return;
  if (g_hash_table_size (self->dirty) == 0 && self->removed->len == 0)
    return;

  /* One write at a time keeps them in order; the next follows this one. */
  if (self->saving)
    return;

  job = g_new0 (SaveJob, 1);
  job->record = g_object_ref (get_record (self));
  job->items = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_record_item_free);
  job->removed = g_steal_pointer (&self->removed);
  self->removed = g_ptr_array_new_with_free_func (g_free);

  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (job->items, item_for_record (self, key));
  g_hash_table_remove_all (self->dirty);

  /* Quitting right after a change still writes it. */
  job->application = g_application_get_default ();
  if (job->application != NULL)
    {
      g_object_ref (job->application);
      g_application_hold (job->application);
    }

  self->saving = TRUE;
  task = g_task_new (self, NULL, save_done, NULL);
  g_task_set_source_tag (task, haul_queue_save_now);
  g_task_set_task_data (task, job, (GDestroyNotify)save_job_free);
  g_task_run_in_thread (task, save_thread);
}

static gboolean
save_timeout_cb (gpointer user_data)
{
  HaulQueue *self = user_data;

  self->save_id = 0;
  haul_queue_save_now (self);

  return G_SOURCE_REMOVE;
}

static void
schedule_save (HaulQueue *self)
{
  if (!self->persistent || self->save_id != 0 || get_record (self) == NULL)
    return;

  /* A queue on its way out writes at once, and holds on until written. */
  if (self->downloader == NULL)
    haul_queue_save_now (self);
  else
    self->save_id = g_timeout_add (SAVE_DELAY_MS, save_timeout_cb, self);
}

static void
mark_dirty (HaulQueue    *self,
            HaulDownload *download)
{
  if (!self->persistent)
    return;

  g_hash_table_add (self->dirty, g_object_ref (download));
  schedule_save (self);
}

static void
mark_removed (HaulQueue    *self,
              HaulDownload *download)
{
  if (!self->persistent)
    return;

  g_hash_table_remove (self->dirty, download);
  g_ptr_array_add (self->removed, g_strdup (haul_download_get_url (download)));
  schedule_save (self);
}

/* The model */

static gboolean
expose_step (HaulQueue *self)
{
  guint from = self->n_exposed;
  guint n = self->items->len - from;

  if (self->gradual && from < GRADUAL_UNTIL)
    n = MIN (n, GRADUAL_PER_STEP);

  self->n_exposed += n;
  if (n > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), from, 0, n);

  return self->n_exposed < self->items->len;
}

static gboolean
expose_cb (gpointer user_data)
{
  HaulQueue *self = user_data;

  if (expose_step (self))
    return G_SOURCE_CONTINUE;

  self->expose_id = 0;
  return G_SOURCE_REMOVE;
}

static void
expose_new_items (HaulQueue *self)
{
  if (self->expose_id != 0)
    return;

  if (expose_step (self))
    self->expose_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, GRADUAL_INTERVAL,
                                          expose_cb, self, NULL);
}

static void
append_item (HaulQueue    *self,
             HaulDownload *download,
             gint64        position)
{
  g_ptr_array_add (self->items, g_object_ref (download));
  g_hash_table_insert (self->by_url, (char *)haul_download_get_url (download), download);
  g_hash_table_insert (self->positions, download, GSIZE_TO_POINTER (position));
  self->next_position = MAX (self->next_position, position + 1);
}

void
haul_queue_insert_new (HaulQueue *self,
                       guint      index,
                       GPtrArray *downloads)
{
  guint n = downloads->len;

  g_return_if_fail (index <= self->items->len);

  for (guint i = 0; i < n; i++)
    {
      HaulDownload *download = g_ptr_array_index (downloads, i);

      append_item (self, download, self->next_position);
      mark_dirty (self, download);
    }

  /* Appended above, then moved into place. */
  if (index < self->items->len - n)
    {
      memmove (self->items->pdata + index + n, self->items->pdata + index,
               (self->items->len - n - index) * sizeof (gpointer));
      for (guint i = 0; i < n; i++)
        self->items->pdata[index + i] = g_ptr_array_index (downloads, i);
    }

  /* Inside what the model shows, they show at once; past it, they come
   * in with the rest. */
  if (index < self->n_exposed)
    {
      self->n_exposed += n;
      g_list_model_items_changed (G_LIST_MODEL (self), index, 0, n);
    }

  expose_new_items (self);
  emit_changed (self);
}

GPtrArray *
haul_queue_add_urls (HaulQueue *self,
                     GPtrArray *urls,
                     guint     *n_known)
{
  GPtrArray *added = g_ptr_array_new_with_free_func (g_object_unref);
  guint known = 0;

  g_return_val_if_fail (HAUL_IS_QUEUE (self), added);
  g_return_val_if_fail (urls != NULL, added);

  for (guint i = 0; i < urls->len; i++)
    {
      const char *url = g_ptr_array_index (urls, i);
      HaulDownload *download;

      if (g_hash_table_contains (self->by_url, url))
        {
          known++;
          continue;
        }

      download = haul_download_new (url);
      haul_download_set_may_be_page (download, self->pages);
      append_item (self, download, self->next_position);
      mark_dirty (self, download);
      g_ptr_array_add (added, download);
    }

  if (n_known != NULL)
    *n_known = known;

  if (added->len > 0)
    {
      expose_new_items (self);
      emit_changed (self);
    }

  return added;
}

HaulDownload *
haul_queue_lookup (HaulQueue  *self,
                   const char *url)
{
  g_return_val_if_fail (HAUL_IS_QUEUE (self), NULL);

  return g_hash_table_lookup (self->by_url, url);
}

GPtrArray *
haul_queue_get_items (HaulQueue *self)
{
  g_return_val_if_fail (HAUL_IS_QUEUE (self), NULL);

  return self->items;
}

/* Running */

/* The application, if there is one, stays while the queue runs, so that
 * the process does not exit before cancelled workers have removed their
 * files, even once its windows are gone. */
static guint64
session_bytes (HaulQueue *self)
{
  guint64 bytes = 0;

  for (guint i = 0; i < self->session->len; i++)
    bytes += haul_download_get_bytes_received (g_ptr_array_index (self->session, i));

  return bytes;
}

static void
take_sample (HaulQueue *self)
{
  self->sample_time[self->next_sample] = g_get_monotonic_time ();
  self->sample_bytes[self->next_sample] = session_bytes (self);
  self->next_sample = (self->next_sample + 1) % SPEED_SAMPLES;
  self->n_samples = MIN (self->n_samples + 1, SPEED_SAMPLES);
}

static gboolean
sample_cb (gpointer user_data)
{
  take_sample (user_data);

  return G_SOURCE_CONTINUE;
}

static void
set_running (HaulQueue *self,
             gboolean   was_running)
{
  gboolean running = haul_queue_get_running (self);

  if (was_running == running)
    return;

  g_clear_handle_id (&self->sample_id, g_source_remove);
  self->n_samples = 0;
  self->next_sample = 0;
  if (running)
    {
      take_sample (self);
      self->sample_id = g_timeout_add (SPEED_INTERVAL, sample_cb, self);
    }

  if (running && self->held_application == NULL)
    {
      self->held_application = g_application_get_default ();
      if (self->held_application != NULL)
        {
          g_object_ref (self->held_application);
          g_application_hold (self->held_application);
        }
    }
  else if (!running && self->held_application != NULL)
    {
      g_application_release (self->held_application);
      g_clear_object (&self->held_application);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
batch_free (Batch *batch)
{
  g_clear_object (&batch->self);
  g_clear_pointer (&batch->items, g_ptr_array_unref);
  g_free (batch);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Batch *batch = user_data;
  HaulQueue *self = batch->self;

  haul_downloader_run_finish (HAUL_DOWNLOADER (object), result, NULL);

  for (guint i = 0; i < batch->items->len; i++)
    g_hash_table_remove (self->active, g_ptr_array_index (batch->items, i));

  g_assert (self->n_batches > 0);
  self->n_batches--;

  if (self->n_batches == 0)
    {
      self->session_end = g_get_monotonic_time ();
      g_clear_object (&self->cancellable);
      set_running (self, TRUE);
      emit_changed (self);
      g_signal_emit (self, signals[SESSION_FINISHED], 0);
    }
  else
    emit_changed (self);

  batch_free (batch);
}

static void
download_finished_cb (HaulQueue      *self,
                      HaulDownload   *download,
                      HaulDownloader *downloader)
{
  /* The downloader may serve others; only our items are ours to report. */
  if (!g_hash_table_contains (self->active, download))
    return;

  mark_dirty (self, download);
  if (haul_queue_page_finished (self, download))
    g_signal_emit (self, signals[ITEM_FINISHED], 0, download);
  emit_changed (self);
}

static char *
output_folder_path (HaulQueue *self)
{
  GFile *folder = haul_downloader_get_output_folder (self->downloader);

  return folder ? g_file_get_path (folder) : g_get_current_dir ();
}

/* Removes a transfer's recorded part file and its row, in a thread. Only a
 * name the body stage gives is touched, and a link there is removed, never
 * followed. A part written to less than @min_age seconds ago may belong to
 * a Haul still running: it is left, with its row. */
static void
remove_recorded_part (HaulRecord              *record,
                      const char              *folder,
                      const HaulRecordPartial *partial,
                      gint64                   min_age)
{
  if (haul_body_is_part_name (partial->part))
    {
      g_autofree char *path = g_build_filename (folder, partial->part, NULL);
      GStatBuf st;

      if (min_age > 0 && g_lstat (path, &st) == 0 &&
          g_get_real_time () / G_USEC_PER_SEC - st.st_mtime < min_age)
        return;
      g_unlink (path);
    }
  haul_record_remove_partial (record, folder, partial->url);
}

/* A part nobody wrote to for this long belongs to no Haul still running. */
#define STALE_PART_AGE (10 * 60)

typedef struct
{
  HaulRecord *record;
  char       *folder;
  GHashTable *urls;      /* the queue's, when it started */
} Sweep;

static void
sweep_free (Sweep *sweep)
{
  g_clear_object (&sweep->record);
  g_free (sweep->folder);
  g_clear_pointer (&sweep->urls, g_hash_table_unref);
  g_free (sweep);
}

static void
sweep_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Sweep *sweep = task_data;
  g_autoptr(GPtrArray) partials = haul_record_list_partials (sweep->record, sweep->folder);

  for (guint i = 0; i < partials->len; i++)
    {
      HaulRecordPartial *partial = g_ptr_array_index (partials, i);

      if (!g_hash_table_contains (sweep->urls, partial->url))
        remove_recorded_part (sweep->record, sweep->folder, partial, STALE_PART_AGE);
    }

  g_task_return_boolean (task, TRUE);
}

/* The next run in a folder resumes what an interrupted one left there, or
 * removes it: parts of transfers that this queue does not hold are not
 * wanted any more. */
static void
sweep_partials (HaulQueue  *self,
                const char *folder)
{
  g_autoptr(GTask) task = NULL;
  HaulRecord *record = get_record (self);
  GHashTableIter iter;
  gpointer key;
  Sweep *sweep;

  if (record == NULL || folder == NULL)
    return;

  sweep = g_new0 (Sweep, 1);
  sweep->record = g_object_ref (record);
  sweep->folder = g_strdup (folder);
  sweep->urls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_iter_init (&iter, self->by_url);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (sweep->urls, g_strdup (key));

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, sweep_partials);
  g_task_set_task_data (task, sweep, (GDestroyNotify)sweep_free);
  g_task_run_in_thread (task, sweep_thread);
}

void
haul_queue_start (HaulQueue *self,
                  GPtrArray *items)
{
  g_autoptr(GPtrArray) to_start = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *folder = NULL;
  gboolean was_running;
  Batch *batch;

  g_return_if_fail (HAUL_IS_QUEUE (self));

  if (items == NULL)
    {
      for (guint i = 0; i < self->items->len; i++)
        {
          HaulDownload *d = g_ptr_array_index (self->items, i);
          HaulDownloadState state = haul_download_get_state (d);

          if (state == HAUL_DOWNLOAD_QUEUED || state == HAUL_DOWNLOAD_CANCELLED)
            g_ptr_array_add (to_start, g_object_ref (d));
        }
    }
  else
    {
      for (guint i = 0; i < items->len; i++)
        g_ptr_array_add (to_start, g_object_ref (g_ptr_array_index (items, i)));
    }

  /* Left alone: what runs already, and what is no longer ours. */
  for (guint i = to_start->len; i > 0; i--)
    {
      HaulDownload *d = g_ptr_array_index (to_start, i - 1);

      if (g_hash_table_contains (self->active, d) ||
          g_hash_table_lookup (self->by_url, haul_download_get_url (d)) != d)
        g_ptr_array_remove_index (to_start, i - 1);
    }

  if (to_start->len == 0)
    return;

  was_running = haul_queue_get_running (self);
  if (self->n_batches == 0)
    {
      g_hash_table_remove_all (self->in_session);
      g_ptr_array_set_size (self->session, 0);
      self->session_start = g_get_monotonic_time ();
      self->session_end = 0;
      self->session_cancelled = FALSE;
      self->session_reads = 0;
    }
  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();

  folder = output_folder_path (self);
  for (guint i = 0; i < to_start->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (to_start, i);

      g_hash_table_add (self->active, d);
      /* A retry inside a running session meets an item again; a set keeps
       * thousands of items joining a session from costing thousands ×
       * thousands comparisons. */
      if (g_hash_table_add (self->in_session, d))
        g_ptr_array_add (self->session, g_object_ref (d));
      if (folder != NULL)
        g_hash_table_insert (self->folders, d, g_strdup (folder));
      mark_dirty (self, d);
    }

  if (self->n_batches == 0)
    sweep_partials (self, folder);

  batch = g_new0 (Batch, 1);
  batch->self = g_object_ref (self);
  batch->items = g_ptr_array_ref (to_start);

  self->n_batches++;
  haul_downloader_run_async (self->downloader, to_start, self->cancellable, run_cb, batch);

  set_running (self, was_running);
  emit_changed (self);
}

void
haul_queue_retry_failed (HaulQueue *self)
{
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();

  g_return_if_fail (HAUL_IS_QUEUE (self));

  for (guint i = 0; i < self->items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (self->items, i);

      if (haul_download_get_state (d) == HAUL_DOWNLOAD_FAILED)
        g_ptr_array_add (failed, d);
    }

  haul_queue_start (self, failed);
}

void
haul_queue_cancel (HaulQueue *self)
{
  g_return_if_fail (HAUL_IS_QUEUE (self));

  if (self->n_batches == 0 || self->cancellable == NULL)
    return;

  self->session_cancelled = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  emit_changed (self);
}

typedef struct
{
  HaulRecord *record;
  char       *folder;
  char       *url;
} Forget;

static void
forget_free (gpointer data)
{
  Forget *forget = data;

  g_clear_object (&forget->record);
  g_free (forget->folder);
  g_free (forget->url);
  g_free (forget);
}

static void
forget_partials_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  GPtrArray *forgets = task_data;

  for (guint i = 0; i < forgets->len; i++)
    {
      Forget *forget = g_ptr_array_index (forgets, i);
      g_autoptr(HaulRecordPartial) partial =
        haul_record_lookup_partial (forget->record, forget->folder, forget->url);

      if (partial != NULL)
        remove_recorded_part (forget->record, forget->folder, partial, 0);
    }

  g_task_return_boolean (task, TRUE);
}

/* Unfinished items keep their received bytes for resuming; removing one
 * from the list means those are not wanted any more. */
static void
forget_partials (HaulQueue *self,
                 GPtrArray *removed)
{
  HaulRecord *record = get_record (self);
  g_autoptr(GPtrArray) forgets = g_ptr_array_new_with_free_func (forget_free);
  g_autoptr(GTask) task = NULL;

  if (record == NULL)
    return;

  for (guint i = 0; i < removed->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (removed, i);
      const char *folder = g_hash_table_lookup (self->folders, d);
      Forget *forget;

      if (haul_download_get_state (d) == HAUL_DOWNLOAD_DONE || folder == NULL)
        continue;

      forget = g_new0 (Forget, 1);
      forget->record = g_object_ref (record);
      forget->folder = g_strdup (folder);
      forget->url = g_strdup (haul_download_get_url (d));
      g_ptr_array_add (forgets, forget);
    }

  if (forgets->len == 0)
    return;

  task = g_task_new (NULL, NULL, NULL, NULL);
  g_task_set_source_tag (task, forget_partials);
  g_task_set_task_data (task, g_steal_pointer (&forgets), (GDestroyNotify)g_ptr_array_unref);
  g_task_run_in_thread (task, forget_partials_thread);
}

typedef gboolean (*ItemFilter) (HaulQueue    *self,
                                HaulDownload *download,
                                gpointer      data);

/* Removes the items @drop picks in one change to the model, however many. */
static void
remove_matching (HaulQueue  *self,
                 ItemFilter  drop,
                 gpointer    data)
{
  g_autoptr(GPtrArray) keep = g_ptr_array_new_full (self->items->len, g_object_unref);
  g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func (g_object_unref);
  guint old_exposed = self->n_exposed;
  guint new_exposed = 0;

  for (guint i = 0; i < self->items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (self->items, i);

      if (drop (self, d, data))
        {
          g_ptr_array_add (removed, g_object_ref (d));
          continue;
        }

      g_ptr_array_add (keep, g_object_ref (d));
      if (i < old_exposed)
        new_exposed++;
    }

  if (removed->len == 0)
    return;

  forget_partials (self, removed);
  for (guint i = 0; i < removed->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (removed, i);

      haul_download_cancel (d);
      g_hash_table_remove (self->by_url, haul_download_get_url (d));
      g_hash_table_remove (self->positions, d);
      g_hash_table_remove (self->folders, d);
      mark_removed (self, d);
    }

  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&keep);
  self->n_exposed = new_exposed;

  g_list_model_items_changed (G_LIST_MODEL (self), 0, old_exposed, new_exposed);
  emit_changed (self);
}

static gboolean
is_in_set (HaulQueue    *self,
           HaulDownload *download,
           gpointer      data)
{
  return g_hash_table_contains (data, download);
}

void
haul_queue_remove (HaulQueue *self,
                   GPtrArray *items)
{
  g_autoptr(GHashTable) set = g_hash_table_new (NULL, NULL);

  g_return_if_fail (HAUL_IS_QUEUE (self));

  for (guint i = 0; i < items->len; i++)
    g_hash_table_add (set, g_ptr_array_index (items, i));
  /* A page goes with the images it gave that wait to be fetched. */
  haul_queue_add_page_images_of (self, set);

  remove_matching (self, is_in_set, set);
}

static gboolean
is_finished (HaulQueue    *self,
             HaulDownload *download,
             gpointer      data)
{
  HaulDownloadState state = haul_download_get_state (download);

  return (state == HAUL_DOWNLOAD_DONE || state == HAUL_DOWNLOAD_FAILED ||
          state == HAUL_DOWNLOAD_SKIPPED) &&
         !g_hash_table_contains (self->active, download);
}

void
haul_queue_clear_finished (HaulQueue *self)
{
  g_return_if_fail (HAUL_IS_QUEUE (self));

  remove_matching (self, is_finished, NULL);
}

/* Figures */

void
haul_queue_get_counts (HaulQueue       *self,
                       HaulQueueCounts *counts)
{
  g_return_if_fail (HAUL_IS_QUEUE (self));

  memset (counts, 0, sizeof *counts);
  counts->total = self->items->len;
  counts->active = g_hash_table_size (self->active);

  for (guint i = 0; i < self->items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (self->items, i);

      if (haul_download_get_group (d) == HAUL_DOWNLOAD_GROUP_WAITING)
        counts->waiting++;

      switch (haul_download_get_state (d))
        {
        case HAUL_DOWNLOAD_DONE:
          counts->done++;
          break;
        case HAUL_DOWNLOAD_FAILED:
          counts->failed++;
          break;
        case HAUL_DOWNLOAD_SKIPPED:
          counts->skipped++;
          break;
        case HAUL_DOWNLOAD_CANCELLED:
          counts->cancelled++;
          if (!g_hash_table_contains (self->active, d))
            counts->startable++;
          break;
        case HAUL_DOWNLOAD_QUEUED:
          if (!g_hash_table_contains (self->active, d))
            counts->startable++;
          break;
        case HAUL_DOWNLOAD_CONNECTING:
        case HAUL_DOWNLOAD_DOWNLOADING:
        default:
          break;
        }
    }
}

void
haul_queue_get_summary (HaulQueue        *self,
                        HaulQueueSummary *summary)
{
  guint n_fetched = 0;
  double progress = 0.0;
  gint64 end;

  g_return_if_fail (HAUL_IS_QUEUE (self));

  memset (summary, 0, sizeof *summary);
  summary->seconds_left = -1.0;
  summary->total = self->session->len;
  summary->running = self->n_batches > 0;
  summary->interrupted = self->session_cancelled;
  summary->reading_only = self->session->len > 0 && self->session_reads == self->session->len;

  for (guint i = 0; i < self->session->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (self->session, i);

      /* A page gives images; they are what the figures count. */
      if (haul_download_get_is_page (d))
        {
          summary->pages++;
          summary->images_found += haul_download_get_n_images (d);
          if (haul_download_get_state (d) == HAUL_DOWNLOAD_FAILED)
            summary->pages_failed++;
          summary->total--;
          continue;
        }

      summary->bytes_received += haul_download_get_bytes_received (d);
      if (!haul_download_is_finished (d))
        {
          /* -1 while the size is unknown: nothing to count yet. */
          progress += MAX (haul_download_get_fraction (d), 0.0);
          continue;
        }

      summary->finished++;
      progress += 1.0;
      switch (haul_download_get_state (d))
        {
        case HAUL_DOWNLOAD_DONE:
          summary->done++;
          break;
        case HAUL_DOWNLOAD_FAILED:
          summary->failed++;
          break;
        case HAUL_DOWNLOAD_SKIPPED:
          summary->skipped++;
          break;
        case HAUL_DOWNLOAD_CANCELLED:
          summary->cancelled++;
          break;
        case HAUL_DOWNLOAD_QUEUED:
        case HAUL_DOWNLOAD_CONNECTING:
        case HAUL_DOWNLOAD_DOWNLOADING:
        default:
          break;
        }

      /* One by one would have fetched what was fetched: not what was
       * cancelled halfway, nor what needed no request. */
      if (haul_download_get_state (d) == HAUL_DOWNLOAD_DONE ||
          haul_download_get_state (d) == HAUL_DOWNLOAD_FAILED)
        {
          summary->sum += MAX (haul_download_get_seconds (d), 0.0);
          n_fetched++;
        }
    }

  if (self->session_start != 0)
    {
      end = summary->running ? g_get_monotonic_time () : self->session_end;
      summary->elapsed = (end - self->session_start) / (double)G_USEC_PER_SEC;
    }

  if (n_fetched >= 2 && !summary->interrupted && summary->elapsed > 0.0)
    summary->speedup = summary->sum / summary->elapsed;

  if (summary->total > 0)
    summary->fraction = CLAMP (progress / summary->total, 0.0, 1.0);

  if (summary->running && self->n_samples > 0)
    {
      guint oldest = self->n_samples < SPEED_SAMPLES ? 0 : self->next_sample;
      double seconds = (g_get_monotonic_time () - self->sample_time[oldest]) / (double)G_USEC_PER_SEC;

      /* Under half a second says more about the sampling than the speed. */
      if (seconds >= 0.5 && summary->bytes_received >= self->sample_bytes[oldest])
        summary->bytes_per_second = (summary->bytes_received - self->sample_bytes[oldest]) / seconds;

      /* At the pace of the session so far: the time per item varies too much
       * for a guess from the first few; sizes are unknown until fetched. */
      if (summary->fraction >= 0.01 && summary->elapsed >= 1.0)
        summary->seconds_left = summary->elapsed * (1.0 - summary->fraction) / summary->fraction;
    }
}

gboolean
haul_queue_get_running (HaulQueue *self)
{
  g_return_val_if_fail (HAUL_IS_QUEUE (self), FALSE);

  return self->n_batches > 0;
}

/* Restoring */

static void
restore_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  HaulRecord *record = task_data;

  g_task_return_pointer (task, haul_record_load_items (record),
                         (GDestroyNotify)g_ptr_array_unref);
}

void
haul_queue_restore_async (HaulQueue           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  HaulRecord *record;

  g_return_if_fail (HAUL_IS_QUEUE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, haul_queue_restore_async);

  record = get_record (self);
  if (record == NULL)
    {
      g_task_return_pointer (task, g_ptr_array_new (), (GDestroyNotify)g_ptr_array_unref);
      return;
    }

  g_task_set_task_data (task, g_object_ref (record), g_object_unref);
  g_task_run_in_thread (task, restore_thread);
}

static void
restore_item (HaulDownload         *download,
              const HaulRecordItem *item)
{
  gint64 now = g_get_monotonic_time ();

  g_object_freeze_notify (G_OBJECT (download));
  haul_download_set_response (download, item->http_status, NULL, item->content_type);
  haul_download_set_progress (download, item->bytes, item->total);
  haul_download_set_file_path (download, item->file_path);
  haul_download_set_image (download, item->width, item->height, NULL);
  haul_download_set_error_message (download, item->error_message);
  if (item->state >= HAUL_DOWNLOAD_DONE)
    {
      gint64 started = now - (gint64)(item->seconds * G_USEC_PER_SEC);

      haul_download_set_times (download, started, started, now);
    }
  haul_download_set_state (download, item->state);
  if (item->page_url != NULL || item->referer != NULL || item->preview_url != NULL)
    haul_download_set_found_on (download, item->page_url, item->referer, item->preview_url);
  g_object_thaw_notify (G_OBJECT (download));
}

/* A page row comes back with its title and the images it gave that are
 * still in the list. */
static void
restore_pages (GPtrArray *items,
               GPtrArray *downloads)
{
  g_autoptr(GHashTable) pages = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < items->len; i++)
    {
      HaulRecordItem *item = g_ptr_array_index (items, i);
      HaulPage *page;

      if (!item->is_page || downloads->pdata[i] == NULL)
        continue;

      page = haul_page_new (item->url);
      page->title = g_strdup (item->page_title);
      haul_download_set_may_be_page (downloads->pdata[i], TRUE);
      g_hash_table_insert (pages, item->url, page);
    }

  for (guint i = 0; i < items->len; i++)
    {
      HaulRecordItem *item = g_ptr_array_index (items, i);
      HaulPage *page = item->page_url ? g_hash_table_lookup (pages, item->page_url) : NULL;

      if (page != NULL)
        haul_page_add_image (page, item->url, item->preview_url, item->referer);
    }

  for (guint i = 0; i < items->len; i++)
    {
      HaulRecordItem *item = g_ptr_array_index (items, i);
      HaulPage *page = item->is_page ? g_hash_table_lookup (pages, item->url) : NULL;

      if (page != NULL)
        haul_download_set_page (downloads->pdata[i], page);
    }
}

gboolean
haul_queue_restore_finish (HaulQueue     *self,
                           GAsyncResult  *result,
                           guint         *n_unfinished,
                           GError       **error)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) restored = NULL;
  guint unfinished = 0;
  guint added = 0;

  g_return_val_if_fail (HAUL_IS_QUEUE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  items = g_task_propagate_pointer (G_TASK (result), error);
  if (items == NULL)
    return FALSE;

  restored = g_ptr_array_new_full (items->len, g_object_unref);
  for (guint i = 0; i < items->len; i++)
    {
      HaulRecordItem *item = g_ptr_array_index (items, i);
      g_autoptr(HaulDownload) download = NULL;

      if (g_hash_table_contains (self->by_url, item->url))
        {
          g_ptr_array_add (restored, NULL);
          continue;
        }

      download = haul_download_new (item->url);
      g_ptr_array_add (restored, g_object_ref (download));
      /* A page left unread may be read; a page row that was read comes
       * back as one, below. */
      haul_download_set_may_be_page (download, self->pages && !haul_download_is_finished (download) &&
                                               item->state < HAUL_DOWNLOAD_DONE);
      restore_item (download, item);
      append_item (self, download, item->position);
      if (item->folder != NULL)
        g_hash_table_insert (self->folders, download, g_strdup (item->folder));
      if (!haul_download_is_finished (download) ||
          haul_download_get_state (download) == HAUL_DOWNLOAD_CANCELLED)
        unfinished++;
      added++;
    }

  restore_pages (items, restored);

  if (n_unfinished != NULL)
    *n_unfinished = unfinished;

  if (added > 0)
    {
      expose_new_items (self);
      emit_changed (self);
    }

  return TRUE;
}

/* GObject */

static void
haul_queue_dispose (GObject *object)
{
  HaulQueue *self = (HaulQueue *)object;

  /* What changed in the last second is still written, also after a write
   * under way now. */
  if (self->downloader != NULL)
    g_set_object (&self->last_record, haul_downloader_get_record (self->downloader));
  haul_queue_save_now (self);
  g_clear_handle_id (&self->save_id, g_source_remove);
  g_clear_handle_id (&self->expose_id, g_source_remove);
  g_clear_handle_id (&self->sample_id, g_source_remove);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  if (self->downloader != NULL)
    g_signal_handlers_disconnect_by_data (self->downloader, self);

  g_clear_object (&self->downloader);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (haul_queue_parent_class)->dispose (object);
}

static void
haul_queue_finalize (GObject *object)
{
  HaulQueue *self = (HaulQueue *)object;

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->by_url, g_hash_table_unref);
  g_clear_pointer (&self->folders, g_hash_table_unref);
  g_clear_pointer (&self->active, g_hash_table_unref);
  g_clear_pointer (&self->session, g_ptr_array_unref);
  g_clear_pointer (&self->in_session, g_hash_table_unref);
  g_clear_pointer (&self->probing, g_hash_table_unref);
  g_clear_pointer (&self->positions, g_hash_table_unref);
  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_pointer (&self->removed, g_ptr_array_unref);
  g_clear_object (&self->last_record);

  G_OBJECT_CLASS (haul_queue_parent_class)->finalize (object);
}

static void
haul_queue_constructed (GObject *object)
{
  HaulQueue *self = (HaulQueue *)object;

  G_OBJECT_CLASS (haul_queue_parent_class)->constructed (object);

  g_assert (self->downloader != NULL);
  g_signal_connect_object (self->downloader, "download-finished",
                           G_CALLBACK (download_finished_cb), self, G_CONNECT_SWAPPED);
}

static void
haul_queue_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HaulQueue *self = HAUL_QUEUE (object);

  switch (prop_id)
    {
    case PROP_DOWNLOADER:
      g_value_set_object (value, self->downloader);
      break;

    case PROP_PERSISTENT:
      g_value_set_boolean (value, self->persistent);
      break;

    case PROP_GRADUAL:
      g_value_set_boolean (value, self->gradual);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, haul_queue_get_running (self));
      break;

    case PROP_PAGES:
      g_value_set_boolean (value, self->pages);
      break;

    case PROP_PAGE_MIN_WIDTH:
      g_value_set_uint (value, self->page_min_width);
      break;

    case PROP_PAGE_MIN_HEIGHT:
      g_value_set_uint (value, self->page_min_height);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_queue_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  HaulQueue *self = HAUL_QUEUE (object);

  switch (prop_id)
    {
    case PROP_DOWNLOADER:
      self->downloader = g_value_dup_object (value);
      break;

    case PROP_PERSISTENT:
      haul_queue_set_persistent (self, g_value_get_boolean (value));
      break;

    case PROP_GRADUAL:
      haul_queue_set_gradual (self, g_value_get_boolean (value));
      break;

    case PROP_PAGES:
      haul_queue_set_pages (self, g_value_get_boolean (value));
      break;

    case PROP_PAGE_MIN_WIDTH:
      if (self->page_min_width != g_value_get_uint (value))
        {
          self->page_min_width = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    case PROP_PAGE_MIN_HEIGHT:
      if (self->page_min_height != g_value_get_uint (value))
        {
          self->page_min_height = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_queue_class_init (HaulQueueClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = haul_queue_constructed;
  object_class->dispose = haul_queue_dispose;
  object_class->finalize = haul_queue_finalize;
  object_class->get_property = haul_queue_get_property;
  object_class->set_property = haul_queue_set_property;

  properties[PROP_DOWNLOADER] =
    g_param_spec_object ("downloader", NULL, NULL,
                         HAUL_TYPE_DOWNLOADER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PERSISTENT] =
    g_param_spec_boolean ("persistent", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_GRADUAL] =
    g_param_spec_boolean ("gradual", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PAGES] =
    g_param_spec_boolean ("pages", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PAGE_MIN_WIDTH] =
    g_param_spec_uint ("page-min-width", NULL, NULL,
                       0, G_MAXINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PAGE_MIN_HEIGHT] =
    g_param_spec_uint ("page-min-height", NULL, NULL,
                       0, G_MAXINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[ITEM_FINISHED] =
    g_signal_new ("item-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, HAUL_TYPE_DOWNLOAD);

  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  signals[SESSION_FINISHED] =
    g_signal_new ("session-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
haul_queue_init (HaulQueue *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_url = g_hash_table_new (g_str_hash, g_str_equal);
  self->folders = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->active = g_hash_table_new (NULL, NULL);
  self->session = g_ptr_array_new_with_free_func (g_object_unref);
  self->in_session = g_hash_table_new (NULL, NULL);
  self->positions = g_hash_table_new (NULL, NULL);
  self->dirty = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->removed = g_ptr_array_new_with_free_func (g_free);
  self->probing = g_hash_table_new (NULL, NULL);
}

HaulQueue *
haul_queue_new (HaulDownloader *downloader)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (downloader), NULL);

  return g_object_new (HAUL_TYPE_QUEUE,
                       "downloader", downloader,
                       NULL);
}

HaulDownloader *
haul_queue_get_downloader (HaulQueue *self)
{
  g_return_val_if_fail (HAUL_IS_QUEUE (self), NULL);

  return self->downloader;
}

gboolean
haul_queue_get_persistent (HaulQueue *self)
{
  g_return_val_if_fail (HAUL_IS_QUEUE (self), FALSE);

  return self->persistent;
}

void
haul_queue_set_persistent (HaulQueue *self,
                           gboolean   persistent)
{
  g_return_if_fail (HAUL_IS_QUEUE (self));

  persistent = !!persistent;
  if (self->persistent == persistent)
    return;

  self->persistent = persistent;
  /* From now on the list is what the record holds. */
  if (persistent)
    for (guint i = 0; i < self->items->len; i++)
      mark_dirty (self, g_ptr_array_index (self->items, i));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PERSISTENT]);
}

gboolean
haul_queue_get_gradual (HaulQueue *self)
{
  g_return_val_if_fail (HAUL_IS_QUEUE (self), FALSE);

  return self->gradual;
}

void
haul_queue_set_gradual (HaulQueue *self,
                        gboolean   gradual)
{
  g_return_if_fail (HAUL_IS_QUEUE (self));

  gradual = !!gradual;
  if (self->gradual == gradual)
    return;

  self->gradual = gradual;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRADUAL]);
}

gboolean
haul_queue_get_pages (HaulQueue *self)
{
  g_return_val_if_fail (HAUL_IS_QUEUE (self), FALSE);

  return self->pages;
}

void
haul_queue_set_pages (HaulQueue *self,
                      gboolean   pages)
{
  g_return_if_fail (HAUL_IS_QUEUE (self));

  pages = !!pages;
  if (self->pages == pages)
    return;

  self->pages = pages;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGES]);
}
