/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "haul-download-private.h"
#include "haul-downloader.h"
#include "haul-fetch.h"
#include "haul-politeness.h"
#include "haul-request.h"
#include "haul-record.h"
#include "haul-tls-database.h"
#include "haul-update.h"

/* A batch is one run_async call: it ends when all its items have. */
typedef struct
{
  GTask        *task;
  GCancellable *cancellable;
  gulong        cancelled_id;
  GPtrArray    *items;          /* Item *, fixed once the batch starts */
  guint         remaining;
} Batch;

/* The main context's view of one item in flight. */
typedef struct
{
  HaulDownload *download;
  Batch        *batch;
  GCancellable *cancellable;
  gint64        started_time;
  gint64        first_byte_time;
} Item;

/* At most this many connections to an HTTP/2 host. */
#define HAUL_DOWNLOADER_MUXES 2

struct _HaulDownloader
{
  GObject       parent_instance;

  GMainContext *context;
  GThreadPool  *pool;
  GTlsDatabase *tls_database;
  char         *ca_file;
  char         *ca_error;
  GFile        *output_folder;
  HaulRecord   *record;
  GPtrArray    *batches;        /* Batch * */
  GHashTable   *active;         /* HaulDownload * -> Item * */

  /* Guards the update queue, the idle source that drains it, and the
   * session workers pick up when they start a fetch. */
  GMutex        lock;
  GQueue        updates;
  GSource      *drain_source;
  SoupSession  *session;
  /* Made when the first fetch starts; fetches take turns with them. */
  HaulMux      *muxes[HAUL_DOWNLOADER_MUXES];
  guint         n_muxes;
  guint         next_mux;

  guint         session_conns;
  guint         session_timeout;
  guint         concurrency;
  guint         retries;
  guint         timeout;
  guint64       max_size;
  guint         thumbnail_size;
  gboolean      keep_thumbnails;
  gboolean      accept_any_type;
  gboolean      server_time;

  /* Requests and manners: see haul-request.h and haul-politeness.h. */
  HaulPoliteness *politeness;
  HaulRequest   *request;        /* made from the fields below when needed */
  char          *referer;
  GStrv          headers;
  char          *user_agent;
  char          *cookies_file;
  char          *proxy;
  gboolean       session_stale;  /* the user agent or proxy changed */
  guint          per_host;
  double         delay;
  guint64        limit_rate;
  double         max_time;
  gboolean      skip_saved;
  gboolean      keep_duplicates;
  guint         max_pages;
  gboolean      follow;
  guint         min_width;
  guint         min_height;
};

G_DEFINE_FINAL_TYPE (HaulDownloader, haul_downloader, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONCURRENCY,
  PROP_RETRIES,
  PROP_TIMEOUT,
  PROP_MAX_SIZE,
  PROP_ACCEPT_ANY_TYPE,
  PROP_SERVER_TIME,
  PROP_THUMBNAIL_SIZE,
  PROP_KEEP_THUMBNAILS,
  PROP_OUTPUT_FOLDER,
  PROP_CA_FILE,
  PROP_SKIP_SAVED,
  PROP_KEEP_DUPLICATES,
  PROP_RECORD,
  PROP_RUNNING,
  PROP_REFERER,
  PROP_HEADERS,
  PROP_USER_AGENT,
  PROP_COOKIES_FILE,
  PROP_PROXY,
  PROP_PER_HOST,
  PROP_DELAY,
  PROP_LIMIT_RATE,
  PROP_MAX_TIME,
  PROP_MAX_PAGES,
  PROP_FOLLOW,
  PROP_MIN_WIDTH,
  PROP_MIN_HEIGHT,
  N_PROPS
};

enum {
  DOWNLOAD_FINISHED,
  HOST_PAUSED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
item_free (Item *item)
{
  g_clear_object (&item->download);
  g_clear_object (&item->cancellable);
  g_free (item);
}

static void
batch_free (Batch *batch)
{
  g_clear_pointer (&batch->items, g_ptr_array_unref);
  g_clear_object (&batch->cancellable);
  g_clear_object (&batch->task);
  g_free (batch);
}

/* Builds the session new work uses. Connections per host match the
 * concurrency: libsoup's default of 2 would serialise a batch from one
 * server. */
static void
ensure_session (HaulDownloader *self)
{
  g_autofree char *user_agent = NULL;
  SoupSession *session;

  g_autoptr(GProxyResolver) proxy_resolver = NULL;

  if (self->session != NULL &&
      self->session_conns >= self->concurrency &&
      self->session_timeout == self->timeout &&
      !self->session_stale)
    return;

  if (self->user_agent != NULL && self->user_agent[0] != '\0')
    user_agent = g_strdup (self->user_agent);
  else
    user_agent = g_strdup_printf ("Haul/%s", PACKAGE_VERSION);
  session = soup_session_new_with_options ("max-conns", MAX (self->concurrency * 2, 10u),
                                           "max-conns-per-host", self->concurrency,
                                           "timeout", self->timeout,
                                           "idle-timeout", self->timeout,
                                           "user-agent", user_agent,
                                           NULL);
  if (self->tls_database != NULL)
    soup_session_set_tls_database (session, self->tls_database);
  /* Without one, libsoup follows the system's settings (GProxyResolver). */
  if (self->proxy != NULL && self->proxy[0] != '\0')
    proxy_resolver = haul_request_proxy_resolver_new (self->proxy, NULL);
  if (proxy_resolver != NULL)
    soup_session_set_proxy_resolver (session, proxy_resolver);

  self->session_conns = self->concurrency;
  self->session_timeout = self->timeout;
  self->session_stale = FALSE;

  /* Fetches already running keep their own reference to the old one. */
  g_mutex_lock (&self->lock);
  g_clear_object (&self->session);
  self->session = session;
  g_mutex_unlock (&self->lock);
}

static void
apply_update (HaulDownloader *self,
              HaulUpdate     *update)
{
  Item *item = update->fetch->item;
  HaulDownload *download = item->download;
  Batch *batch = item->batch;

  switch (update->kind)
    {
    case HAUL_UPDATE_STARTED:
      item->started_time = update->time;
      g_object_freeze_notify (G_OBJECT (download));
      haul_download_set_times (download, item->started_time, 0, 0);
      haul_download_set_state (download, HAUL_DOWNLOAD_CONNECTING);
      g_object_thaw_notify (G_OBJECT (download));
      break;

    case HAUL_UPDATE_RESPONSE:
      if (item->first_byte_time == 0)
        item->first_byte_time = update->time;
      g_object_freeze_notify (G_OBJECT (download));
      haul_download_set_times (download, item->started_time, item->first_byte_time, 0);
      haul_download_set_response (download, update->http_status, update->final_url,
                                  update->content_type);
      haul_download_set_progress (download, 0, update->total_bytes);
      haul_download_set_state (download, HAUL_DOWNLOAD_DOWNLOADING);
      g_object_thaw_notify (G_OBJECT (download));
      break;

    case HAUL_UPDATE_PROGRESS:
      haul_download_set_progress (download, update->bytes_received, update->total_bytes);
      break;

    case HAUL_UPDATE_FINISHED:
      g_object_freeze_notify (G_OBJECT (download));
      haul_download_set_response (download, update->http_status, update->final_url,
                                  update->content_type);
      haul_download_set_progress (download, update->bytes_received, update->total_bytes);
      haul_download_set_file_path (download, update->file_path);
      {
        GdkPixbuf *thumbnail = update->thumbnail;

        /* A page image that gets no thumbnail of its own keeps its preview;
         * a saved item that no view shows keeps only its size, and showing
         * it makes the thumbnail again from the file. */
        if (thumbnail == NULL && haul_download_get_preview_url (download) != NULL)
          thumbnail = haul_download_get_thumbnail (download);
        else if (!self->keep_thumbnails && !haul_download_is_thumbnail_held (download) &&
                 update->state == HAUL_DOWNLOAD_DONE)
          thumbnail = NULL;
        haul_download_set_image (download, update->width, update->height, thumbnail);
      }
      haul_download_set_page (download, g_steal_pointer (&update->page));
      /* An item that may have been a page, and answered with an image, is
       * an image from now on. */
      if (update->fetch->allow_page && haul_download_get_page (download) == NULL &&
          update->state != HAUL_DOWNLOAD_FAILED && update->state != HAUL_DOWNLOAD_CANCELLED)
        haul_download_set_may_be_page (download, FALSE);
      haul_download_set_animation (download, update->animated, update->frames);
      haul_download_set_error_message (download, update->error_message);
      haul_download_set_validators (download, update->sha256, update->etag,
                                    update->last_modified);
      haul_download_set_skip_reason (download, update->skip_reason);
      haul_download_set_times (download, item->started_time, item->first_byte_time,
                               item->started_time ? update->time : 0);
      haul_download_set_state (download, update->state);
      g_object_thaw_notify (G_OBJECT (download));

      g_hash_table_remove (self->active, download);
      haul_fetch_free (update->fetch);
      update->fetch = NULL;

      g_signal_emit (self, signals[DOWNLOAD_FINISHED], 0, download);

      g_assert (batch->remaining > 0);
      if (--batch->remaining == 0)
        {
          g_ptr_array_remove (self->batches, batch);
          if (self->batches->len == 0)
            g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

          if (g_cancellable_is_cancelled (batch->cancellable))
            g_task_return_new_error (batch->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                     _("The downloads were cancelled"));
          else
            g_task_return_boolean (batch->task, TRUE);

          g_cancellable_disconnect (batch->cancellable, batch->cancelled_id);
          batch_free (batch);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
drain_updates (gpointer user_data)
{
  g_autoptr(HaulDownloader) self = g_object_ref (user_data);
  GQueue pending = G_QUEUE_INIT;
  HaulUpdate *update;

  g_mutex_lock (&self->lock);
  pending = self->updates;
  g_queue_init (&self->updates);
  g_clear_pointer (&self->drain_source, g_source_unref);
  g_mutex_unlock (&self->lock);

  while ((update = g_queue_pop_head (&pending)))
    {
      apply_update (self, update);
      haul_update_free (update);
    }

  return G_SOURCE_REMOVE;
}

/* An item's progress may wait this long for other updates to share the
 * main loop's wake-up with; an item that ends is applied at the next idle
 * moment. */
#define DRAIN_DELAY (G_USEC_PER_SEC / 50)

static gboolean
drain_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs drain_source_funcs = {
  .dispatch = drain_source_dispatch,
};

/* Must hold the lock. One idle-priority source drains everything pending;
 * it is made only when the queue goes from empty to not empty, and made
 * ready at once when @soon. */
static void
schedule_drain (HaulDownloader *self,
                gboolean        soon)
{
  if (self->drain_source == NULL)
    {
      self->drain_source = g_source_new (&drain_source_funcs, sizeof (GSource));
      g_source_set_priority (self->drain_source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_static_name (self->drain_source, "[haul] drain updates");
      g_source_set_callback (self->drain_source, drain_updates, self, NULL);
      g_source_set_ready_time (self->drain_source,
                               soon ? 0 : g_get_monotonic_time () + DRAIN_DELAY);
      g_source_attach (self->drain_source, self->context);
    }
  else if (soon && g_source_get_ready_time (self->drain_source) != 0)
    g_source_set_ready_time (self->drain_source, 0);
}

/* Called from any thread. */
static void
post_update (HaulUpdate *update,
             gpointer    user_data)
{
  HaulDownloader *self = user_data;

  g_mutex_lock (&self->lock);
  /* Stamped here, so that times agree with the order items are reported in. */
  update->time = g_get_monotonic_time ();
  g_queue_push_tail (&self->updates, update);
  schedule_drain (self, update->kind == HAUL_UPDATE_FINISHED);
  g_mutex_unlock (&self->lock);
}

/* Moves all of @updates to the queue at once, under one lock. */
static void
post_updates (HaulDownloader *self,
              GQueue         *updates)
{
  gint64 now = g_get_monotonic_time ();

  for (GList *l = updates->head; l != NULL; l = l->next)
    ((HaulUpdate *)l->data)->time = now;

  g_mutex_lock (&self->lock);
  if (self->updates.tail != NULL)
    {
      self->updates.tail->next = updates->head;
      updates->head->prev = self->updates.tail;
      self->updates.tail = updates->tail;
      self->updates.length += updates->length;
    }
  else
    self->updates = *updates;
  g_queue_init (updates);
  schedule_drain (self, TRUE);
  g_mutex_unlock (&self->lock);
}

static void
worker (gpointer data,
        gpointer user_data)
{
  HaulDownloader *self = user_data;
  HaulFetch *fetch = data;
  g_autofree char *host = NULL;

  /* Once it has finished, the fetch belongs to the main context. */
  host = g_strdup (fetch->host);

  /* A fetch whose host is busy waits aside, and this worker takes the
   * next one; the fetch comes back to the pool when its host is free.
   * One whose host asked for a pause waits aside the same way. */
  for (gboolean finished = FALSE; !finished; )
    {
      if (!haul_politeness_try_start (self->politeness, host, fetch->cancellable, fetch))
        return;
      fetch->has_turn = TRUE;

      g_mutex_lock (&self->lock);
      if (fetch->session == NULL)
        {
          fetch->session = g_object_ref (self->session);
          if (self->n_muxes == 0)
            {
              /* One thread drives each connection; a second one puts
               * the second core to the decryption of many streams. */
              self->n_muxes = CLAMP (g_get_num_processors (), 1, HAUL_DOWNLOADER_MUXES);
              for (guint i = 0; i < self->n_muxes; i++)
                self->muxes[i] = haul_mux_new ();
            }
          fetch->mux = g_object_ref (self->muxes[self->next_mux++ % self->n_muxes]);
        }
      g_mutex_unlock (&self->lock);

      finished = haul_fetch_run (fetch, post_update, self);
      haul_politeness_finish (self->politeness, host);
    }
}

/* On the main context: a parked fetch may go on. */
static void
fetch_ready (gpointer job,
             gpointer user_data)
{
  HaulDownloader *self = user_data;

  g_thread_pool_push (self->pool, job, NULL);
}

typedef struct
{
  HaulDownloader *downloader;
  char           *host;
  guint           seconds;
} HostPaused;

static gboolean
emit_host_paused (gpointer user_data)
{
  HostPaused *paused = user_data;

  g_signal_emit (paused->downloader, signals[HOST_PAUSED], 0, paused->host, paused->seconds);
  g_object_unref (paused->downloader);
  g_free (paused->host);
  g_free (paused);

  return G_SOURCE_REMOVE;
}

/* From a worker: tells the main context which host asked to slow down,
 * by name, with the port only when it is not the scheme's own. */
static void
host_paused (const char *host,
             gint64      usec,
             gpointer    user_data)
{
  HaulDownloader *self = user_data;
  HostPaused *paused = g_new0 (HostPaused, 1);

  paused->downloader = g_object_ref (self);
  if (g_str_has_suffix (host, ":80") || g_str_has_suffix (host, ":443"))
    paused->host = g_strndup (host, strrchr (host, ':') - host);
  else
    paused->host = g_strdup (host);
  paused->seconds = (guint)((usec + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

  g_main_context_invoke (self->context, emit_host_paused, paused);
}

static void
batch_cancelled (GCancellable *cancellable,
                 gpointer      user_data)
{
  Batch *batch = user_data;

  /* Items are fixed for the batch's life, and cancelling is thread-safe. */
  for (guint i = 0; i < batch->items->len; i++)
    {
      Item *item = g_ptr_array_index (batch->items, i);

      g_cancellable_cancel (item->cancellable);
    }
}

/* A session whose HTTP/2 connection died under its bodies is not
 * disposed: libsoup 3.2 cannot let go of that connection, and would warn
 * on the way out of every such run. It lives on, unused, for the rest of
 * the process. */
static void
keep_broken_session (SoupSession *session)
{
  static GPtrArray *kept;
  static GMutex lock;

  g_mutex_lock (&lock);
  if (kept == NULL)
    kept = g_ptr_array_new ();
  g_ptr_array_add (kept, session);
  g_mutex_unlock (&lock);
}

static void
haul_downloader_dispose (GObject *object)
{
  HaulDownloader *self = (HaulDownloader *)object;

  haul_downloader_cancel_all (self);
  if (self->politeness != NULL)
    haul_politeness_release_all (self->politeness);

  /* Cancelled fetches end at once; wait for them so nothing outlives us. */
  if (self->pool != NULL)
    {
      g_thread_pool_free (self->pool, FALSE, TRUE);
      self->pool = NULL;
    }

  g_mutex_lock (&self->lock);
  if (self->drain_source != NULL)
    {
      g_source_destroy (self->drain_source);
      g_clear_pointer (&self->drain_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  /* Only reached with batches left through g_object_run_dispose(). */
  while (!g_queue_is_empty (&self->updates))
    {
      HaulUpdate *update = g_queue_pop_head (&self->updates);

      if (update->kind == HAUL_UPDATE_FINISHED)
        haul_fetch_free (update->fetch);
      haul_update_free (update);
    }

  for (guint i = 0; i < self->n_muxes; i++)
    {
      if (self->session != NULL && haul_mux_lost_connection (self->muxes[i]))
        keep_broken_session (g_steal_pointer (&self->session));
      g_clear_object (&self->muxes[i]);
    }
  g_clear_object (&self->session);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->output_folder);
  g_clear_pointer (&self->politeness, haul_politeness_free);
  g_clear_pointer (&self->request, haul_request_unref);
  g_clear_object (&self->record);

  G_OBJECT_CLASS (haul_downloader_parent_class)->dispose (object);
}

static void
haul_downloader_finalize (GObject *object)
{
  HaulDownloader *self = (HaulDownloader *)object;

  g_clear_pointer (&self->active, g_hash_table_unref);
  g_clear_pointer (&self->batches, g_ptr_array_unref);
  g_clear_pointer (&self->ca_file, g_free);
  g_clear_pointer (&self->ca_error, g_free);
  g_clear_pointer (&self->referer, g_free);
  g_clear_pointer (&self->headers, g_strfreev);
  g_clear_pointer (&self->user_agent, g_free);
  g_clear_pointer (&self->cookies_file, g_free);
  g_clear_pointer (&self->proxy, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (haul_downloader_parent_class)->finalize (object);
}

static void
haul_downloader_constructed (GObject *object)
{
  HaulDownloader *self = (HaulDownloader *)object;

  G_OBJECT_CLASS (haul_downloader_parent_class)->constructed (object);

  if (self->ca_file != NULL)
    {
      g_autoptr(GError) error = NULL;

      self->tls_database = haul_tls_database_new (self->ca_file, &error);
      if (self->tls_database == NULL)
        self->ca_error = g_strdup (error->message);
    }
}

static void
haul_downloader_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  HaulDownloader *self = HAUL_DOWNLOADER (object);

  switch (prop_id)
    {
    case PROP_CONCURRENCY:
      g_value_set_uint (value, self->concurrency);
      break;

    case PROP_RETRIES:
      g_value_set_uint (value, self->retries);
      break;

    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;

    case PROP_MAX_SIZE:
      g_value_set_uint64 (value, self->max_size);
      break;

    case PROP_ACCEPT_ANY_TYPE:
      g_value_set_boolean (value, self->accept_any_type);
      break;

    case PROP_SERVER_TIME:
      g_value_set_boolean (value, self->server_time);
      break;

    case PROP_THUMBNAIL_SIZE:
      g_value_set_uint (value, self->thumbnail_size);
      break;

    case PROP_KEEP_THUMBNAILS:
      g_value_set_boolean (value, self->keep_thumbnails);
      break;

    case PROP_OUTPUT_FOLDER:
      g_value_set_object (value, self->output_folder);
      break;

    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;

    case PROP_SKIP_SAVED:
      g_value_set_boolean (value, self->skip_saved);
      break;

    case PROP_KEEP_DUPLICATES:
      g_value_set_boolean (value, self->keep_duplicates);
      break;

    case PROP_RECORD:
      g_value_set_object (value, self->record);
      break;

    case PROP_RUNNING:
      g_value_set_boolean (value, haul_downloader_get_running (self));
      break;

    case PROP_REFERER:
      g_value_set_string (value, self->referer);
      break;

    case PROP_HEADERS:
      g_value_set_boxed (value, self->headers);
      break;

    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
      break;

    case PROP_COOKIES_FILE:
      g_value_set_string (value, self->cookies_file);
      break;

    case PROP_PROXY:
      g_value_set_string (value, self->proxy);
      break;

    case PROP_PER_HOST:
      g_value_set_uint (value, self->per_host);
      break;

    case PROP_DELAY:
      g_value_set_double (value, self->delay);
      break;

    case PROP_LIMIT_RATE:
      g_value_set_uint64 (value, self->limit_rate);
      break;

    case PROP_MAX_TIME:
      g_value_set_double (value, self->max_time);
      break;

    case PROP_MAX_PAGES:
      g_value_set_uint (value, self->max_pages);
      break;

    case PROP_FOLLOW:
      g_value_set_boolean (value, self->follow);
      break;

    case PROP_MIN_WIDTH:
      g_value_set_uint (value, self->min_width);
      break;

    case PROP_MIN_HEIGHT:
      g_value_set_uint (value, self->min_height);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static char **
request_string_field (HaulDownloader *self,
                      guint           prop_id)
{
  switch (prop_id)
    {
    case PROP_REFERER: return &self->referer;
    case PROP_USER_AGENT: return &self->user_agent;
    case PROP_COOKIES_FILE: return &self->cookies_file;
    case PROP_PROXY: return &self->proxy;
    default: g_assert_not_reached ();
    }
}

/* "" and NULL both mean none. */
static void
set_request_string (HaulDownloader *self,
                    guint           prop_id,
                    const char     *value)
{
  char **field = request_string_field (self, prop_id);

  if (value != NULL && value[0] == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);

  /* Takes effect with the next batch. */
  if (prop_id == PROP_USER_AGENT || prop_id == PROP_PROXY)
    self->session_stale = TRUE;
  else
    g_clear_pointer (&self->request, haul_request_unref);

  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* The page options only reach fetches started later: one helper sets them. */
static void
set_page_property (HaulDownloader *self,
                   guint           prop_id,
                   const GValue   *value)
{
  guint *field = NULL;
  guint new_value;

  switch (prop_id)
    {
    case PROP_MAX_PAGES:
      field = &self->max_pages;
      break;
    case PROP_FOLLOW:
      field = (guint *)&self->follow;
      break;
    case PROP_MIN_WIDTH:
      field = &self->min_width;
      break;
    case PROP_MIN_HEIGHT:
      field = &self->min_height;
      break;
    default:
      g_assert_not_reached ();
    }

  new_value = prop_id == PROP_FOLLOW ? (guint)g_value_get_boolean (value) : g_value_get_uint (value);
  if (*field == new_value)
    return;

  *field = new_value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
haul_downloader_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  HaulDownloader *self = HAUL_DOWNLOADER (object);

  switch (prop_id)
    {
    case PROP_CONCURRENCY:
      haul_downloader_set_concurrency (self, g_value_get_uint (value));
      break;

    case PROP_RETRIES:
      haul_downloader_set_retries (self, g_value_get_uint (value));
      break;

    case PROP_TIMEOUT:
      haul_downloader_set_timeout (self, g_value_get_uint (value));
      break;

    case PROP_MAX_SIZE:
      haul_downloader_set_max_size (self, g_value_get_uint64 (value));
      break;

    case PROP_ACCEPT_ANY_TYPE:
      haul_downloader_set_accept_any_type (self, g_value_get_boolean (value));
      break;

    case PROP_SERVER_TIME:
      haul_downloader_set_server_time (self, g_value_get_boolean (value));
      break;

    case PROP_THUMBNAIL_SIZE:
      haul_downloader_set_thumbnail_size (self, g_value_get_uint (value));
      break;

    case PROP_KEEP_THUMBNAILS:
      haul_downloader_set_keep_thumbnails (self, g_value_get_boolean (value));
      break;

    case PROP_OUTPUT_FOLDER:
      haul_downloader_set_output_folder (self, g_value_get_object (value));
      break;

    case PROP_CA_FILE:
      self->ca_file = g_value_dup_string (value);
      break;

    case PROP_REFERER:
    case PROP_USER_AGENT:
    case PROP_COOKIES_FILE:
    case PROP_PROXY:
      set_request_string (self, prop_id, g_value_get_string (value));
      break;

    case PROP_HEADERS:
      haul_downloader_set_headers (self, g_value_get_boxed (value));
      break;

    case PROP_PER_HOST:
      haul_downloader_set_per_host (self, g_value_get_uint (value));
      break;

    case PROP_DELAY:
      haul_downloader_set_delay (self, g_value_get_double (value));
      break;

    case PROP_LIMIT_RATE:
      haul_downloader_set_limit_rate (self, g_value_get_uint64 (value));
      break;

    case PROP_MAX_TIME:
      haul_downloader_set_max_time (self, g_value_get_double (value));
      break;

    case PROP_SKIP_SAVED:
      haul_downloader_set_skip_saved (self, g_value_get_boolean (value));
      break;

    case PROP_KEEP_DUPLICATES:
      haul_downloader_set_keep_duplicates (self, g_value_get_boolean (value));
      break;

    case PROP_RECORD:
      haul_downloader_set_record (self, g_value_get_object (value));
      break;

    case PROP_MAX_PAGES:
    case PROP_FOLLOW:
    case PROP_MIN_WIDTH:
    case PROP_MIN_HEIGHT:
      set_page_property (self, prop_id, value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_downloader_class_init (HaulDownloaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = haul_downloader_constructed;
  object_class->dispose = haul_downloader_dispose;
  object_class->finalize = haul_downloader_finalize;
  object_class->get_property = haul_downloader_get_property;
  object_class->set_property = haul_downloader_set_property;

  properties[PROP_CONCURRENCY] =
    g_param_spec_uint ("concurrency", NULL, NULL,
                       HAUL_DOWNLOADER_MIN_CONCURRENCY,
                       HAUL_DOWNLOADER_MAX_CONCURRENCY,
                       HAUL_DOWNLOADER_DEFAULT_CONCURRENCY,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RETRIES] =
    g_param_spec_uint ("retries", NULL, NULL,
                       0, 100, HAUL_DOWNLOADER_DEFAULT_RETRIES,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL,
                       0, G_MAXUINT, HAUL_DOWNLOADER_DEFAULT_TIMEOUT,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MAX_SIZE] =
    g_param_spec_uint64 ("max-size", NULL, NULL,
                         1, G_MAXUINT64, HAUL_DOWNLOADER_DEFAULT_MAX_SIZE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ACCEPT_ANY_TYPE] =
    g_param_spec_boolean ("accept-any-type", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SERVER_TIME] =
    g_param_spec_boolean ("server-time", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_THUMBNAIL_SIZE] =
    g_param_spec_uint ("thumbnail-size", NULL, NULL,
                       0, 4096, HAUL_DOWNLOADER_DEFAULT_THUMBNAIL_SIZE,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_KEEP_THUMBNAILS] =
    g_param_spec_boolean ("keep-thumbnails", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_OUTPUT_FOLDER] =
    g_param_spec_object ("output-folder", NULL, NULL,
                         G_TYPE_FILE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CA_FILE] =
    g_param_spec_string ("ca-file", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SKIP_SAVED] =
    g_param_spec_boolean ("skip-saved", NULL, NULL,
                          TRUE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_KEEP_DUPLICATES] =
    g_param_spec_boolean ("keep-duplicates", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RECORD] =
    g_param_spec_object ("record", NULL, NULL,
                         HAUL_TYPE_RECORD,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_REFERER] =
    g_param_spec_string ("referer", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HEADERS] =
    g_param_spec_boxed ("headers", NULL, NULL,
                        G_TYPE_STRV,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_COOKIES_FILE] =
    g_param_spec_string ("cookies-file", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PROXY] =
    g_param_spec_string ("proxy", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PER_HOST] =
    g_param_spec_uint ("per-host", NULL, NULL,
                       0, HAUL_POLITENESS_MAX_PER_HOST, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DELAY] =
    g_param_spec_double ("delay", NULL, NULL,
                         0.0, HAUL_DOWNLOADER_MAX_DELAY, 0.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_LIMIT_RATE] =
    g_param_spec_uint64 ("limit-rate", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MAX_TIME] =
    g_param_spec_double ("max-time", NULL, NULL,
                         0.0, HAUL_DOWNLOADER_MAX_MAX_TIME, 0.0,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MAX_PAGES] =
    g_param_spec_uint ("max-pages", NULL, NULL,
                       1, HAUL_DOWNLOADER_MAX_PAGES, 1,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FOLLOW] =
    g_param_spec_boolean ("follow", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MIN_WIDTH] =
    g_param_spec_uint ("min-width", NULL, NULL,
                       0, G_MAXINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_MIN_HEIGHT] =
    g_param_spec_uint ("min-height", NULL, NULL,
                       0, G_MAXINT, 0,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HaulDownloader::host-paused:
   * @host: the host, with its port unless it is 80 or 443
   * @seconds: how long no request goes to it
   *
   * Emitted on the main context when a host answered 429, or 503 with
   * Retry-After: its items wait, without using up their retries.
   */
  signals[HOST_PAUSED] =
    g_signal_new ("host-paused",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);

  /**
   * HaulDownloader::download-finished:
   * @download: the item that reached a final state
   *
   * Emitted on the main context for each item, in the order they finished.
   */
  signals[DOWNLOAD_FINISHED] =
    g_signal_new ("download-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, HAUL_TYPE_DOWNLOAD);
}

static void
haul_downloader_init (HaulDownloader *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->updates);

  self->context = g_main_context_ref_thread_default ();
  self->concurrency = HAUL_DOWNLOADER_DEFAULT_CONCURRENCY;
  self->retries = HAUL_DOWNLOADER_DEFAULT_RETRIES;
  self->timeout = HAUL_DOWNLOADER_DEFAULT_TIMEOUT;
  self->max_size = HAUL_DOWNLOADER_DEFAULT_MAX_SIZE;
  self->thumbnail_size = HAUL_DOWNLOADER_DEFAULT_THUMBNAIL_SIZE;
  self->server_time = TRUE;
  self->keep_thumbnails = TRUE;
  self->skip_saved = TRUE;
  self->max_pages = 1;
  self->batches = g_ptr_array_new ();
  self->active = g_hash_table_new (NULL, NULL);
  self->pool = g_thread_pool_new (worker, self, self->concurrency, FALSE, NULL);
  self->politeness = haul_politeness_new (self->context, fetch_ready, host_paused, self);
}

/**
 * haul_downloader_new:
 * @ca_file: (nullable): a PEM file whose certificates are trusted beside
 *   the system's, or %NULL
 *
 * The downloader belongs to the thread-default main context it is made on;
 * its items and signals live there.
 */
HaulDownloader *
haul_downloader_new (const char *ca_file)
{
  return g_object_new (HAUL_TYPE_DOWNLOADER,
                       "ca-file", ca_file,
                       NULL);
}

guint
haul_downloader_get_concurrency (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), 0);

  return self->concurrency;
}

/**
 * haul_downloader_set_concurrency:
 *
 * Takes effect at once, also for a running batch: more workers start, or
 * the surplus ones stop after their current item.
 */
void
haul_downloader_set_concurrency (HaulDownloader *self,
                                 guint           concurrency)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  concurrency = CLAMP (concurrency, HAUL_DOWNLOADER_MIN_CONCURRENCY,
                       HAUL_DOWNLOADER_MAX_CONCURRENCY);
  if (self->concurrency == concurrency)
    return;

  self->concurrency = concurrency;
  if (self->session != NULL)
    ensure_session (self);
  g_thread_pool_set_max_threads (self->pool, (int)concurrency, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONCURRENCY]);
}

guint
haul_downloader_get_retries (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), 0);

  return self->retries;
}

void
haul_downloader_set_retries (HaulDownloader *self,
                             guint           retries)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  if (self->retries == retries)
    return;

  self->retries = retries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRIES]);
}

guint
haul_downloader_get_timeout (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), 0);

  return self->timeout;
}

/**
 * haul_downloader_set_timeout:
 * @timeout: seconds allowed to connect and between two reads; 0 for none
 */
void
haul_downloader_set_timeout (HaulDownloader *self,
                             guint           timeout)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  if (self->timeout == timeout)
    return;

  self->timeout = timeout;
  if (self->session != NULL)
    ensure_session (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMEOUT]);
}

guint64
haul_downloader_get_max_size (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), 0);

  return self->max_size;
}

void
haul_downloader_set_max_size (HaulDownloader *self,
                              guint64         max_size)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  max_size = MAX (max_size, 1);
  if (self->max_size == max_size)
    return;

  self->max_size = max_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_SIZE]);
}

gboolean
haul_downloader_get_accept_any_type (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), FALSE);

  return self->accept_any_type;
}

void
haul_downloader_set_accept_any_type (HaulDownloader *self,
                                     gboolean        accept_any_type)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  accept_any_type = !!accept_any_type;
  if (self->accept_any_type == accept_any_type)
    return;

  self->accept_any_type = accept_any_type;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCEPT_ANY_TYPE]);
}

gboolean
haul_downloader_get_server_time (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), FALSE);

  return self->server_time;
}

/**
 * haul_downloader_set_server_time:
 * @server_time: whether a saved file's modification time is the server's
 *   Last-Modified, when it sends one, rather than the time it was saved
 */
void
haul_downloader_set_server_time (HaulDownloader *self,
                                 gboolean        server_time)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  server_time = !!server_time;
  if (self->server_time == server_time)
    return;

  self->server_time = server_time;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_TIME]);
}

guint
haul_downloader_get_thumbnail_size (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), 0);

  return self->thumbnail_size;
}

void
haul_downloader_set_thumbnail_size (HaulDownloader *self,
                                    guint           thumbnail_size)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  if (self->thumbnail_size == thumbnail_size)
    return;

  self->thumbnail_size = thumbnail_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_THUMBNAIL_SIZE]);
}

gboolean
haul_downloader_get_keep_thumbnails (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), TRUE);

  return self->keep_thumbnails;
}

void
haul_downloader_set_keep_thumbnails (HaulDownloader *self,
                                     gboolean        keep_thumbnails)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  keep_thumbnails = !!keep_thumbnails;
  if (self->keep_thumbnails == keep_thumbnails)
    return;

  self->keep_thumbnails = keep_thumbnails;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEEP_THUMBNAILS]);
}

/**
 * haul_downloader_get_output_folder:
 *
 * Returns: (transfer none) (nullable): the folder files are saved in; the
 *   current folder when none was set
 */
GFile *
haul_downloader_get_output_folder (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), NULL);

  return self->output_folder;
}

void
haul_downloader_set_output_folder (HaulDownloader *self,
                                   GFile          *folder)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));
  g_return_if_fail (!folder || G_IS_FILE (folder));

  if (self->output_folder == folder ||
      (self->output_folder && folder && g_file_equal (self->output_folder, folder)))
    return;

  g_set_object (&self->output_folder, folder);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTPUT_FOLDER]);
}

gboolean
haul_downloader_get_skip_saved (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), FALSE);

  return self->skip_saved;
}

void
haul_downloader_set_skip_saved (HaulDownloader *self,
                                gboolean        skip_saved)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  skip_saved = !!skip_saved;
  if (self->skip_saved == skip_saved)
    return;

  self->skip_saved = skip_saved;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SKIP_SAVED]);
}

gboolean
haul_downloader_get_keep_duplicates (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), FALSE);

  return self->keep_duplicates;
}

void
haul_downloader_set_keep_duplicates (HaulDownloader *self,
                                     gboolean        keep_duplicates)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  keep_duplicates = !!keep_duplicates;
  if (self->keep_duplicates == keep_duplicates)
    return;

  self->keep_duplicates = keep_duplicates;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEEP_DUPLICATES]);
}

/**
 * haul_downloader_get_record:
 *
 * Returns: (transfer none) (nullable): where saved files and unfinished
 *   transfers are remembered
 */
HaulRecord *
haul_downloader_get_record (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), NULL);

  return self->record;
}

void
haul_downloader_set_record (HaulDownloader *self,
                            HaulRecord     *record)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));
  g_return_if_fail (!record || HAUL_IS_RECORD (record));

  if (g_set_object (&self->record, record))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORD]);
}

gboolean
haul_downloader_get_running (HaulDownloader *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), FALSE);

  return self->batches->len > 0;
}

/* NULL for a folder that is not on a local file system: nothing is then
 * saved, rather than saved somewhere else. */
static char *
folder_path (HaulDownloader *self)
{
  if (self->output_folder == NULL)
    return g_get_current_dir ();

  return g_file_get_path (self->output_folder);
}

/* The same address twice in a batch is fetched once; compare the parsed
 * form so that trivial spelling differences do not count. */
static char *
url_key (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);

  return uri ? g_uri_to_string (uri) : g_strdup (url);
}

/* A proxy that cannot be used fails the batch rather than being bypassed. */
static char *
check_proxy (HaulDownloader *self)
{
  g_autoptr(GProxyResolver) resolver = NULL;
  g_autoptr(GError) error = NULL;

  if (self->proxy == NULL)
    return NULL;

  resolver = haul_request_proxy_resolver_new (self->proxy, &error);
  return resolver ? NULL : g_strdup (error->message);
}

/* An image found on a page sends the page; others the downloader's. */
static void
prepare_fetch (HaulDownloader *self,
               HaulDownload   *download,
               HaulFetch      *fetch)
{
  const char *referer = haul_download_get_referer (download);

  if (self->request == NULL)
    self->request = haul_request_new ((const char * const *)self->headers, self->cookies_file);

  fetch->request = haul_request_ref (self->request);
  fetch->politeness = self->politeness;
  fetch->host = haul_politeness_host_key (fetch->url);
  if (referer == NULL)
    referer = self->referer ? self->referer : haul_request_get_referer (self->request);
  fetch->referer = g_strdup (referer);
  fetch->referer_policy = haul_request_first_policy (fetch->referer);
}

static void
set_page_options (HaulDownloader *self,
                  HaulFetch      *fetch,
                  HaulDownload   *download)
{
  guint min_width, min_height;

  haul_download_get_min_dimensions (download, &min_width, &min_height);
  fetch->min_width = MAX (self->min_width, min_width);
  fetch->min_height = MAX (self->min_height, min_height);
  fetch->allow_page = haul_download_get_is_page (download);
  fetch->probe = fetch->allow_page && haul_download_get_probe (download);
  fetch->follow = self->follow;
  fetch->max_pages = self->max_pages;
}

void
haul_downloader_run_async (HaulDownloader      *self,
                           GPtrArray           *downloads,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *batch_error = NULL;
  g_autofree char *proxy_error = NULL;
  g_autoptr(GPtrArray) to_fetch = NULL;
  GQueue finished = G_QUEUE_INIT;
  gboolean was_running;
  Batch *batch;
  gint64 now;

  g_return_if_fail (HAUL_IS_DOWNLOADER (self));
  g_return_if_fail (downloads != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));
  for (guint i = 0; i < downloads->len; i++)
    g_return_if_fail (HAUL_IS_DOWNLOAD (g_ptr_array_index (downloads, i)));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, haul_downloader_run_async);

  ensure_session (self);
  folder = folder_path (self);
  if (folder == NULL)
    {
      g_autofree char *uri = g_file_get_uri (self->output_folder);

      batch_error = g_strdup_printf (_("cannot save in %s: not a local folder"), uri);
    }
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  now = g_get_monotonic_time ();
  proxy_error = check_proxy (self);

  batch = g_new0 (Batch, 1);
  batch->task = g_object_ref (task);
  batch->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  batch->items = g_ptr_array_new_full (downloads->len, (GDestroyNotify)item_free);
  to_fetch = g_ptr_array_sized_new (downloads->len);

  /* Nothing below reaches the items before this returns: workers only
   * post updates, which the main context applies later. Every item is
   * prepared before any worker is woken, so that workers do not compete
   * with this loop for the processor and the lock. */
  for (guint i = 0; i < downloads->len; i++)
    {
      HaulDownload *download = g_ptr_array_index (downloads, i);
      g_autofree char *key = NULL;
      HaulFetch *fetch;
      Item *item;

      /* Already running in another batch: that batch reports it. */
      if (g_hash_table_contains (self->active, download))
        continue;

      haul_download_reset (download, now);

      item = g_new0 (Item, 1);
      item->download = g_object_ref (download);
      item->batch = batch;
      item->cancellable = g_object_ref (haul_download_get_cancellable (download));
      g_ptr_array_add (batch->items, item);
      g_hash_table_insert (self->active, download, item);

      fetch = haul_fetch_new (haul_download_get_url (download), folder,
                              item->cancellable, item);
      fetch->max_size = self->max_size;
      fetch->retries = self->retries;
      fetch->thumbnail_size = self->thumbnail_size;
      fetch->accept_any_type = self->accept_any_type;
      fetch->server_time = self->server_time;
      prepare_fetch (self, download, fetch);
      fetch->skip_saved = self->skip_saved;
      fetch->keep_duplicates = self->keep_duplicates;
      fetch->record = self->record ? g_object_ref (self->record) : NULL;
      /* With a record, a transfer of a mebibyte or more that is interrupted
       * can go on in the next run. */
      if (self->record != NULL)
        {
          fetch->name_part_after = HAUL_DOWNLOADER_RESUME_AFTER;
          fetch->keep_part = TRUE;
        }
      set_page_options (self, fetch, download);

      key = url_key (haul_download_get_url (download));
      if (g_hash_table_contains (seen, key))
        {
          HaulUpdate *update = haul_update_new (HAUL_UPDATE_FINISHED, fetch);

          update->state = HAUL_DOWNLOAD_SKIPPED;
          update->skip_reason = HAUL_SKIP_SAME_URL;
          update->error_message = g_strdup (_("same address as another item"));
          g_queue_push_tail (&finished, update);
        }
      else if (batch_error != NULL || proxy_error != NULL ||
               (self->ca_error != NULL && g_str_has_prefix (key, "https:")))
        {
          HaulUpdate *update = haul_update_new (HAUL_UPDATE_FINISHED, fetch);

          update->state = HAUL_DOWNLOAD_FAILED;
          update->error_message = g_strdup (batch_error ? batch_error :
                                            proxy_error ? proxy_error : self->ca_error);
          g_queue_push_tail (&finished, update);
        }
      else
        {
          g_hash_table_add (seen, g_steal_pointer (&key));
          g_ptr_array_add (to_fetch, fetch);
        }
    }

  if (!g_queue_is_empty (&finished))
    post_updates (self, &finished);
  for (guint i = 0; i < to_fetch->len; i++)
    g_thread_pool_push (self->pool, g_ptr_array_index (to_fetch, i), NULL);

  batch->remaining = batch->items->len;
  if (batch->remaining == 0)
    {
      batch_free (batch);
      g_task_return_boolean (task, TRUE);
      return;
    }

  was_running = haul_downloader_get_running (self);
  g_ptr_array_add (self->batches, batch);
  if (!was_running)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);

  batch->cancelled_id = g_cancellable_connect (batch->cancellable,
                                               G_CALLBACK (batch_cancelled),
                                               batch, NULL);
}

gboolean
haul_downloader_run_finish (HaulDownloader  *self,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOADER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * haul_downloader_cancel_all:
 *
 * Cancels every queued and running item of every batch.
 */
void
haul_downloader_cancel_all (HaulDownloader *self)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  for (guint i = 0; i < self->batches->len; i++)
    batch_cancelled (NULL, g_ptr_array_index (self->batches, i));
}

/**
 * haul_downloader_set_headers:
 * @headers: (nullable): "Name: Value" lines, each checked with
 *   haul_request_parse_header(); one that fails is not sent
 *
 * Takes effect with the next batch.
 */
void
haul_downloader_set_headers (HaulDownloader     *self,
                             const char * const *headers)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  if (headers != NULL && headers[0] == NULL)
    headers = NULL;
  if (self->headers == NULL && headers == NULL)
    return;
  if (self->headers != NULL && headers != NULL &&
      g_strv_equal ((const char * const *)self->headers, headers))
    return;

  g_strfreev (self->headers);
  self->headers = g_strdupv ((char **)headers);
  g_clear_pointer (&self->request, haul_request_unref);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEADERS]);
}

void
haul_downloader_set_referer (HaulDownloader *self,
                             const char     *referer)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  set_request_string (self, PROP_REFERER, referer);
}

void
haul_downloader_set_user_agent (HaulDownloader *self,
                                const char     *user_agent)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  set_request_string (self, PROP_USER_AGENT, user_agent);
}

void
haul_downloader_set_cookies_file (HaulDownloader *self,
                                  const char     *path)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  set_request_string (self, PROP_COOKIES_FILE, path);
}

void
haul_downloader_set_proxy (HaulDownloader *self,
                           const char     *proxy)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  set_request_string (self, PROP_PROXY, proxy);
}

/**
 * haul_downloader_set_per_host:
 * @per_host: transfers in flight to one host at most, 0 for no limit
 *
 * Takes effect at once, also for a running batch.
 */
void
haul_downloader_set_per_host (HaulDownloader *self,
                              guint           per_host)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  per_host = MIN (per_host, HAUL_POLITENESS_MAX_PER_HOST);
  if (self->per_host == per_host)
    return;

  self->per_host = per_host;
  haul_politeness_set_per_host (self->politeness, per_host);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PER_HOST]);
}

/**
 * haul_downloader_set_delay:
 * @seconds: the least time between the starts of two requests to one host
 */
void
haul_downloader_set_delay (HaulDownloader *self,
                           double          seconds)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  seconds = CLAMP (seconds, 0.0, HAUL_DOWNLOADER_MAX_DELAY);
  if (self->delay == seconds)
    return;

  self->delay = seconds;
  haul_politeness_set_delay (self->politeness, (gint64)(seconds * G_USEC_PER_SEC));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELAY]);
}

/**
 * haul_downloader_set_limit_rate:
 * @bytes_per_second: the total download rate of all items, 0 for no limit
 */
void
haul_downloader_set_limit_rate (HaulDownloader *self,
                                guint64         bytes_per_second)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  if (self->limit_rate == bytes_per_second)
    return;

  self->limit_rate = bytes_per_second;
  haul_politeness_set_rate (self->politeness, bytes_per_second);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LIMIT_RATE]);
}

/**
 * haul_downloader_set_max_time:
 * @seconds: how long one attempt may take in all, 0 for no limit
 */
void
haul_downloader_set_max_time (HaulDownloader *self,
                              double          seconds)
{
  g_return_if_fail (HAUL_IS_DOWNLOADER (self));

  seconds = CLAMP (seconds, 0.0, HAUL_DOWNLOADER_MAX_MAX_TIME);
  if (self->max_time == seconds)
    return;

  self->max_time = seconds;
  haul_politeness_set_max_time (self->politeness, (gint64)(seconds * G_USEC_PER_SEC));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_TIME]);
}

/* Previews */

typedef struct
{
  SoupSession *session;
  char        *url;
  char        *referer;
  guint        size;
} PreviewJob;

static void
preview_job_free (PreviewJob *job)
{
  g_clear_object (&job->session);
  g_free (job->url);
  g_free (job->referer);
  g_free (job);
}

static void
preview_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PreviewJob *job = task_data;
  GdkPixbuf *preview;

  preview = haul_fetch_preview (job->session, job->url, job->referer, job->size, cancellable);
  if (preview != NULL)
    g_task_return_pointer (task, preview, g_object_unref);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "no preview");
}

static void
preview_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(HaulDownload) download = user_data;
  g_autoptr(GdkPixbuf) preview = g_task_propagate_pointer (G_TASK (result), NULL);

  if (preview != NULL)
    haul_download_set_preview (download, preview);
}

void
haul_downloader_load_preview (HaulDownloader *self,
                              HaulDownload   *download)
{
  g_autoptr(GTask) task = NULL;
  PreviewJob *job;

  g_return_if_fail (HAUL_IS_DOWNLOADER (self));
  g_return_if_fail (HAUL_IS_DOWNLOAD (download));

  if (haul_download_get_preview_url (download) == NULL || self->thumbnail_size == 0)
    return;

  ensure_session (self);
  job = g_new0 (PreviewJob, 1);
  job->session = g_object_ref (self->session);
  job->url = g_strdup (haul_download_get_preview_url (download));
  job->referer = g_strdup (haul_download_get_referer (download));
  job->size = self->thumbnail_size;

  /* Removing the item cancels its preview too. */
  task = g_task_new (NULL, haul_download_get_cancellable (download), preview_done,
                     g_object_ref (download));
  g_task_set_source_tag (task, haul_downloader_load_preview);
  g_task_set_task_data (task, job, (GDestroyNotify)preview_job_free);
  g_task_run_in_thread (task, preview_thread);
}
