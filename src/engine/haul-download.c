/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#ifdef __linux__
# include <sys/resource.h>
# include <sys/syscall.h>
# include <unistd.h>
#endif

#include "haul-download-private.h"
#include "haul-enums.h"
#include "haul-page.h"
#include "haul-thumbnailer.h"

struct _HaulDownload
{
  GObject            parent_instance;

  char              *url;
  char              *referer;
  char              *final_url;
  char              *file_path;
  char              *file_name;
  char              *content_type;
  char              *error_message;
  char              *sha256;
  char              *etag;
  char              *last_modified;
  GdkPixbuf         *thumbnail;
  GCancellable      *cancellable;

  guint64            bytes_received;
  gint64             total_bytes;
  gint64             queued_time;
  gint64             started_time;
  gint64             first_byte_time;
  gint64             finished_time;
  int                width;
  int                height;
  guint              frames;
  gboolean           animated;
  guint              http_status;
  HaulDownloadState  state;
  HaulSkipReason     skip_reason;
  /* The file path the thumbnail was last made again from, or being. */
  char              *thumbnail_source;

  /* Pages: an item that may be a web page, what the page gave, and for an
   * image found on one, where it was found and its preview. */
  gboolean           may_be_page;
  gboolean           probe;
  HaulPage          *page;
  char              *page_url;
  char              *preview_url;
  gboolean           has_preview;
  guint              min_width;
  guint              min_height;
  GCancellable      *thumbnail_cancellable;
  /* How many views show the thumbnail now; see hold_thumbnail. */
  guint              thumbnail_holds;
  guint              thumbnail_size;
};

G_DEFINE_FINAL_TYPE (HaulDownload, haul_download, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_URL,
  PROP_STATE,
  PROP_FINISHED,
  PROP_BYTES_RECEIVED,
  PROP_TOTAL_BYTES,
  PROP_FRACTION,
  PROP_HTTP_STATUS,
  PROP_FINAL_URL,
  PROP_FILE_PATH,
  PROP_FILE_NAME,
  PROP_CONTENT_TYPE,
  PROP_WIDTH,
  PROP_HEIGHT,
  PROP_ANIMATED,
  PROP_FRAMES,
  PROP_ERROR_MESSAGE,
  PROP_THUMBNAIL,
  PROP_SECONDS,
  PROP_REFERER,
  PROP_IS_PAGE,
  PROP_PAGE_TITLE,
  PROP_N_IMAGES,
  PROP_PAGE_URL,
  PROP_PREVIEW_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
haul_download_finalize (GObject *object)
{
  HaulDownload *self = (HaulDownload *)object;

  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->referer, g_free);
  g_clear_pointer (&self->final_url, g_free);
  g_clear_pointer (&self->file_path, g_free);
  g_clear_pointer (&self->file_name, g_free);
  g_clear_pointer (&self->content_type, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->sha256, g_free);
  g_clear_pointer (&self->etag, g_free);
  g_clear_pointer (&self->last_modified, g_free);
  g_clear_pointer (&self->thumbnail_source, g_free);
  g_clear_pointer (&self->page, haul_page_free);
  g_clear_pointer (&self->page_url, g_free);
  g_clear_pointer (&self->preview_url, g_free);

  G_OBJECT_CLASS (haul_download_parent_class)->finalize (object);
}

static void
haul_download_dispose (GObject *object)
{
  HaulDownload *self = (HaulDownload *)object;

  g_cancellable_cancel (self->thumbnail_cancellable);
  g_clear_object (&self->thumbnail_cancellable);
  g_clear_object (&self->thumbnail);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (haul_download_parent_class)->dispose (object);
}

static void
haul_download_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HaulDownload *self = HAUL_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_FINISHED:
      g_value_set_boolean (value, haul_download_is_finished (self));
      break;

    case PROP_BYTES_RECEIVED:
      g_value_set_uint64 (value, self->bytes_received);
      break;

    case PROP_TOTAL_BYTES:
      g_value_set_int64 (value, self->total_bytes);
      break;

    case PROP_FRACTION:
      g_value_set_double (value, haul_download_get_fraction (self));
      break;

    case PROP_HTTP_STATUS:
      g_value_set_uint (value, self->http_status);
      break;

    case PROP_FINAL_URL:
      g_value_set_string (value, self->final_url);
      break;

    case PROP_FILE_PATH:
      g_value_set_string (value, self->file_path);
      break;

    case PROP_FILE_NAME:
      g_value_set_string (value, self->file_name);
      break;

    case PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;

    case PROP_WIDTH:
      g_value_set_int (value, self->width);
      break;

    case PROP_HEIGHT:
      g_value_set_int (value, self->height);
      break;

    case PROP_ANIMATED:
      g_value_set_boolean (value, self->animated);
      break;

    case PROP_FRAMES:
      g_value_set_uint (value, self->frames);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_THUMBNAIL:
      g_value_set_object (value, self->thumbnail);
      break;

    case PROP_REFERER:
      g_value_set_string (value, self->referer);
      break;

    case PROP_SECONDS:
      g_value_set_double (value, haul_download_get_seconds (self));
      break;

    case PROP_IS_PAGE:
      g_value_set_boolean (value, self->may_be_page);
      break;

    case PROP_PAGE_TITLE:
      g_value_set_string (value, haul_download_get_page_title (self));
      break;

    case PROP_N_IMAGES:
      g_value_set_uint (value, haul_download_get_n_images (self));
      break;

    case PROP_PAGE_URL:
      g_value_set_string (value, self->page_url);
      break;

    case PROP_PREVIEW_URL:
      g_value_set_string (value, self->preview_url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_download_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HaulDownload *self = HAUL_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_URL:
      self->url = g_value_dup_string (value);
      break;

    case PROP_REFERER:
      haul_download_set_referer (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_download_class_init (HaulDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = haul_download_dispose;
  object_class->finalize = haul_download_finalize;
  object_class->get_property = haul_download_get_property;
  object_class->set_property = haul_download_set_property;

  properties[PROP_URL] =
    g_param_spec_string ("url", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_REFERER] =
    g_param_spec_string ("referer", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       HAUL_TYPE_DOWNLOAD_STATE,
                       HAUL_DOWNLOAD_QUEUED,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FINISHED] =
    g_param_spec_boolean ("finished", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_uint64 ("bytes-received", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TOTAL_BYTES] =
    g_param_spec_int64 ("total-bytes", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FRACTION] =
    g_param_spec_double ("fraction", NULL, NULL,
                         -1.0, 1.0, -1.0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HTTP_STATUS] =
    g_param_spec_uint ("http-status", NULL, NULL,
                       0, 999, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FINAL_URL] =
    g_param_spec_string ("final-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FILE_PATH] =
    g_param_spec_string ("file-path", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_FILE_NAME] =
    g_param_spec_string ("file-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_WIDTH] =
    g_param_spec_int ("width", NULL, NULL,
                      0, G_MAXINT, 0,
                      (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_HEIGHT] =
    g_param_spec_int ("height", NULL, NULL,
                      0, G_MAXINT, 0,
                      (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ANIMATED] =
    g_param_spec_boolean ("animated", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The frames of an animation, 0 when they were not counted. */
  properties[PROP_FRAMES] =
    g_param_spec_uint ("frames", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_THUMBNAIL] =
    g_param_spec_object ("thumbnail", NULL, NULL,
                         GDK_TYPE_PIXBUF,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SECONDS] =
    g_param_spec_double ("seconds", NULL, NULL,
                         -1.0, G_MAXDOUBLE, -1.0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_IS_PAGE] =
    g_param_spec_boolean ("is-page", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PAGE_TITLE] =
    g_param_spec_string ("page-title", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_N_IMAGES] =
    g_param_spec_uint ("n-images", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PAGE_URL] =
    g_param_spec_string ("page-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PREVIEW_URL] =
    g_param_spec_string ("preview-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
haul_download_init (HaulDownload *self)
{
  self->total_bytes = -1;
  self->queued_time = g_get_monotonic_time ();
}

HaulDownload *
haul_download_new (const char *url)
{
  g_return_val_if_fail (url != NULL, NULL);

  return g_object_new (HAUL_TYPE_DOWNLOAD,
                       "url", url,
                       NULL);
}

const char *
haul_download_get_url (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->url;
}

/**
 * haul_download_get_referer:
 *
 * Returns: (nullable): the page the image was found on, sent as its
 *   Referer instead of the downloader's
 */
const char *
haul_download_get_referer (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->referer;
}

void
haul_download_set_referer (HaulDownload *self,
                           const char   *referer)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  if (referer != NULL && referer[0] == '\0')
    referer = NULL;
  if (g_strcmp0 (self->referer, referer) == 0)
    return;

  g_free (self->referer);
  self->referer = g_strdup (referer);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REFERER]);
}

HaulDownloadState
haul_download_get_state (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), HAUL_DOWNLOAD_QUEUED);

  return self->state;
}

gboolean
haul_download_is_finished (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), FALSE);

  return self->state >= HAUL_DOWNLOAD_DONE;
}

guint64
haul_download_get_bytes_received (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->bytes_received;
}

gint64
haul_download_get_total_bytes (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), -1);

  return self->total_bytes;
}

/**
 * haul_download_get_fraction:
 *
 * Returns: the share of the body received, from 0 to 1, or -1 while the
 *   size is unknown.
 */
double
haul_download_get_fraction (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), -1.0);

  if (self->state == HAUL_DOWNLOAD_DONE)
    return 1.0;

  if (self->total_bytes <= 0)
    return -1.0;

  return MIN (1.0, (double)self->bytes_received / (double)self->total_bytes);
}

guint
haul_download_get_http_status (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->http_status;
}

const char *
haul_download_get_final_url (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->final_url;
}

const char *
haul_download_get_file_path (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->file_path;
}

const char *
haul_download_get_file_name (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->file_name;
}

const char *
haul_download_get_content_type (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->content_type;
}

int
haul_download_get_width (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->width;
}

int
haul_download_get_height (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->height;
}

gboolean
haul_download_get_animated (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), FALSE);

  return self->animated;
}

guint
haul_download_get_frames (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->frames;
}

const char *
haul_download_get_error_message (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->error_message;
}

/**
 * haul_download_get_sha256:
 *
 * Returns: (nullable): the SHA-256 of the saved file, computed as it
 *   arrived, in lower-case hex; %NULL unless the item is done
 */
const char *
haul_download_get_sha256 (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->sha256;
}

/**
 * haul_download_get_etag:
 *
 * Returns: (nullable): the ETag of the last response for the item's body,
 *   as the server sent it, once the item has finished
 */
const char *
haul_download_get_etag (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->etag;
}

/**
 * haul_download_get_last_modified:
 *
 * Returns: (nullable): the Last-Modified of that response, as sent
 */
const char *
haul_download_get_last_modified (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->last_modified;
}

GdkPixbuf *
haul_download_get_thumbnail (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->thumbnail;
}

gint64
haul_download_get_queued_time (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->queued_time;
}

gint64
haul_download_get_started_time (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->started_time;
}

gint64
haul_download_get_first_byte_time (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->first_byte_time;
}

gint64
haul_download_get_finished_time (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->finished_time;
}

/**
 * haul_download_get_seconds:
 *
 * Returns: how long the item's own fetch took, from its start until it
 *   finished, or -1 when it has not run to an end.
 */
double
haul_download_get_seconds (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), -1.0);

  if (self->started_time == 0 || self->finished_time == 0)
    return -1.0;

  return (double)(self->finished_time - self->started_time) / G_USEC_PER_SEC;
}

/**
 * haul_download_cancel:
 *
 * Cancels the fetch if it is queued or running. The worker notices within a
 * read and removes its temporary file.
 */
void
haul_download_cancel (HaulDownload *self)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

const char *
haul_download_state_to_string (HaulDownloadState state)
{
  switch (state)
    {
    case HAUL_DOWNLOAD_QUEUED:
      return "queued";
    case HAUL_DOWNLOAD_CONNECTING:
      return "connecting";
    case HAUL_DOWNLOAD_DOWNLOADING:
      return "downloading";
    case HAUL_DOWNLOAD_DONE:
      return "done";
    case HAUL_DOWNLOAD_FAILED:
      return "failed";
    case HAUL_DOWNLOAD_CANCELLED:
      return "cancelled";
    case HAUL_DOWNLOAD_SKIPPED:
      return "skipped";
    default:
      g_return_val_if_reached ("failed");
    }
}

/* Private API for the downloader */

static void
notify (HaulDownload *self,
        guint         prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Makes the item new again for a fresh fetch (first run or Retry). */
void
haul_download_reset (HaulDownload *self,
                     gint64        queued_time)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  g_object_freeze_notify (G_OBJECT (self));

  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->queued_time = queued_time;

  haul_download_set_state (self, HAUL_DOWNLOAD_QUEUED);
  haul_download_set_progress (self, 0, -1);
  haul_download_set_response (self, 0, NULL, NULL);
  haul_download_set_file_path (self, NULL);
  /* A page image keeps its preview until its own thumbnail comes. */
  if (self->has_preview)
    haul_download_set_image (self, 0, 0, self->thumbnail);
  else
    haul_download_set_image (self, 0, 0, NULL);
  haul_download_set_animation (self, FALSE, 0);
  haul_download_set_page (self, NULL);
  haul_download_set_error_message (self, NULL);
  haul_download_set_validators (self, NULL, NULL, NULL);
  haul_download_set_skip_reason (self, HAUL_SKIP_NONE);
  haul_download_set_times (self, 0, 0, 0);

  g_object_thaw_notify (G_OBJECT (self));
}

GCancellable *
haul_download_get_cancellable (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->cancellable;
}

void
haul_download_set_state (HaulDownload      *self,
                         HaulDownloadState  state)
{
  gboolean was_finished;

  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  if (self->state == state)
    return;

  was_finished = haul_download_is_finished (self);
  self->state = state;

  g_object_freeze_notify (G_OBJECT (self));
  notify (self, PROP_STATE);
  notify (self, PROP_FRACTION);
  if (was_finished != haul_download_is_finished (self))
    notify (self, PROP_FINISHED);
  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_progress (HaulDownload *self,
                            guint64       bytes_received,
                            gint64        total_bytes)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  g_object_freeze_notify (G_OBJECT (self));

  if (self->bytes_received != bytes_received)
    {
      self->bytes_received = bytes_received;
      notify (self, PROP_BYTES_RECEIVED);
      notify (self, PROP_FRACTION);
    }

  if (self->total_bytes != total_bytes)
    {
      self->total_bytes = total_bytes;
      notify (self, PROP_TOTAL_BYTES);
      notify (self, PROP_FRACTION);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_response (HaulDownload *self,
                            guint         http_status,
                            const char   *final_url,
                            const char   *content_type)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  g_object_freeze_notify (G_OBJECT (self));

  if (self->http_status != http_status)
    {
      self->http_status = http_status;
      notify (self, PROP_HTTP_STATUS);
    }

  if (set_string (&self->final_url, final_url))
    notify (self, PROP_FINAL_URL);

  if (set_string (&self->content_type, content_type))
    notify (self, PROP_CONTENT_TYPE);

  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_file_path (HaulDownload *self,
                             const char   *file_path)
{
  g_autofree char *file_name = NULL;

  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  if (!set_string (&self->file_path, file_path))
    return;

  if (file_path != NULL)
    file_name = g_path_get_basename (file_path);

  g_object_freeze_notify (G_OBJECT (self));
  notify (self, PROP_FILE_PATH);
  if (set_string (&self->file_name, file_name))
    notify (self, PROP_FILE_NAME);
  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_image (HaulDownload *self,
                         int           width,
                         int           height,
                         GdkPixbuf    *thumbnail)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));
  g_return_if_fail (!thumbnail || GDK_IS_PIXBUF (thumbnail));

  g_object_freeze_notify (G_OBJECT (self));

  if (self->width != width)
    {
      self->width = width;
      notify (self, PROP_WIDTH);
    }

  if (self->height != height)
    {
      self->height = height;
      notify (self, PROP_HEIGHT);
    }

  if (g_set_object (&self->thumbnail, thumbnail))
    {
      self->has_preview = FALSE;
      notify (self, PROP_THUMBNAIL);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_animation (HaulDownload *self,
                             gboolean      animated,
                             guint         frames)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  g_object_freeze_notify (G_OBJECT (self));

  if (self->animated != !!animated)
    {
      self->animated = !!animated;
      notify (self, PROP_ANIMATED);
    }

  if (self->frames != frames)
    {
      self->frames = frames;
      notify (self, PROP_FRAMES);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_error_message (HaulDownload *self,
                                 const char   *error_message)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  if (set_string (&self->error_message, error_message))
    notify (self, PROP_ERROR_MESSAGE);
}

/**
 * haul_download_set_validators:
 * @sha256: (nullable): the saved body's SHA-256, lower-case hex
 * @etag: (nullable): the response's ETag, as sent
 * @last_modified: (nullable): its Last-Modified, as sent
 *
 * What a record of the saved file keeps, to find it again and to resume.
 */
void
haul_download_set_validators (HaulDownload *self,
                              const char   *sha256,
                              const char   *etag,
                              const char   *last_modified)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  g_free (self->sha256);
  self->sha256 = g_strdup (sha256);
  g_free (self->etag);
  self->etag = g_strdup (etag);
  g_free (self->last_modified);
  self->last_modified = g_strdup (last_modified);
}

HaulSkipReason
haul_download_get_skip_reason (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), HAUL_SKIP_NONE);

  return self->skip_reason;
}

void
haul_download_set_skip_reason (HaulDownload   *self,
                               HaulSkipReason  reason)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  self->skip_reason = reason;
}

void
haul_download_set_times (HaulDownload *self,
                         gint64        started_time,
                         gint64        first_byte_time,
                         gint64        finished_time)
{
  double old_seconds;

  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  old_seconds = haul_download_get_seconds (self);

  self->started_time = started_time;
  self->first_byte_time = first_byte_time;
  self->finished_time = finished_time;

  if (old_seconds != haul_download_get_seconds (self))
    notify (self, PROP_SECONDS);
}

typedef struct
{
  char    *path;
  guint    size;
  int      width;
  int      height;
} ThumbnailJob;

static void
thumbnail_job_free (ThumbnailJob *job)
{
  g_free (job->path);
  g_free (job);
}

static void
load_thumbnail_thread (GTask        *task,
                       gpointer      source_object,
                       gpointer      task_data,
                       GCancellable *cancellable)
{
  ThumbnailJob *job = task_data;
  g_autoptr(GFile) file = g_file_new_for_path (job->path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(HaulThumbnailer) thumbnailer = NULL;
  g_autofree guint8 *buffer = NULL;
  GdkPixbuf *pixbuf;

  /* Scrolled past while it waited: most are, when scrolling fast. */
  if (!g_cancellable_is_cancelled (cancellable))
    in = g_file_read (file, cancellable, NULL);
  if (in == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  thumbnailer = haul_thumbnailer_new (job->size, HAUL_THUMBNAILER_MAX_PIXELS);
  buffer = g_malloc (64 * 1024);
  for (;;)
    {
      gssize n = g_input_stream_read (G_INPUT_STREAM (in), buffer, 64 * 1024, cancellable, NULL);

      if (n <= 0 || !haul_thumbnailer_write (thumbnailer, buffer, n))
        break;
    }

  /* Scrolled away before it was made: nobody waits for it. */
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  pixbuf = haul_thumbnailer_finish (thumbnailer, &job->width, &job->height);
  g_task_return_pointer (task, pixbuf, g_object_unref);
}

/* Thumbnails are made again while scrolling, hundreds a second: by two
 * threads below the downloads' workers, so that the main thread keeps a
 * core and the window keeps scrolling; the newest first, as those are the
 * items on screen now (a stack, so each push and pop costs nothing). */
static GMutex thumbnail_lock;
static GQueue thumbnail_jobs = G_QUEUE_INIT;

static void
thumbnail_pool_func (gpointer data,
                     gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
#ifdef __linux__
  static GPrivate lowered;

  if (g_private_get (&lowered) == NULL)
    {
      setpriority (PRIO_PROCESS, (id_t)syscall (SYS_gettid), 10);
      g_private_set (&lowered, GINT_TO_POINTER (TRUE));
    }
#endif

  g_mutex_lock (&thumbnail_lock);
  task = g_queue_pop_head (&thumbnail_jobs);
  g_mutex_unlock (&thumbnail_lock);

  load_thumbnail_thread (task, g_task_get_source_object (task), g_task_get_task_data (task),
                         g_task_get_cancellable (task));
}

static void
run_thumbnail_job (GTask        *task,
                   ThumbnailJob *job)
{
  static GThreadPool *pool;

  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (thumbnail_pool_func, NULL, 2, FALSE, NULL));

  g_task_set_task_data (task, job, (GDestroyNotify)thumbnail_job_free);
  g_mutex_lock (&thumbnail_lock);
  g_queue_push_head (&thumbnail_jobs, g_object_ref (task));
  g_mutex_unlock (&thumbnail_lock);
  /* One turn of the pool per job: each pops the newest. */
  g_thread_pool_push (pool, GUINT_TO_POINTER (1), NULL);
}

static void
load_thumbnail_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  HaulDownload *self = HAUL_DOWNLOAD (object);
  ThumbnailJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GdkPixbuf) pixbuf = g_task_propagate_pointer (G_TASK (result), NULL);

  if (g_task_get_cancellable (G_TASK (result)) == self->thumbnail_cancellable)
    g_clear_object (&self->thumbnail_cancellable);

  /* A retry may have replaced the file meanwhile. */
  if (pixbuf == NULL || self->state != HAUL_DOWNLOAD_DONE ||
      g_strcmp0 (self->file_path, job->path) != 0)
    return;

  haul_download_set_image (self,
                           self->width > 0 ? self->width : job->width,
                           self->height > 0 ? self->height : job->height,
                           pixbuf);
}

void
haul_download_load_thumbnail (HaulDownload *self,
                              guint         size)
{
  g_autoptr(GTask) task = NULL;
  ThumbnailJob *job;

  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  if (self->state != HAUL_DOWNLOAD_DONE || self->thumbnail != NULL ||
      self->file_path == NULL || g_strcmp0 (self->thumbnail_source, self->file_path) == 0)
    return;

  g_free (self->thumbnail_source);
  self->thumbnail_source = g_strdup (self->file_path);

  job = g_new0 (ThumbnailJob, 1);
  job->path = g_strdup (self->file_path);
  job->size = size;

  g_clear_object (&self->thumbnail_cancellable);
  self->thumbnail_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->thumbnail_cancellable, load_thumbnail_cb, NULL);
  g_task_set_source_tag (task, haul_download_load_thumbnail);
  run_thumbnail_job (task, job);
}

/* For a large preview of a saved item: the same decoding as the
 * thumbnail, at another size, for a caller that keeps the result. */
void
haul_download_load_image_async (HaulDownload        *self,
                                guint                size,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ThumbnailJob *job;

  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, haul_download_load_image_async);

  if (self->state != HAUL_DOWNLOAD_DONE || self->file_path == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }

  job = g_new0 (ThumbnailJob, 1);
  job->path = g_strdup (self->file_path);
  job->size = size;
  run_thumbnail_job (task, job);
}

GdkPixbuf *
haul_download_load_image_finish (HaulDownload  *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Views hold the thumbnail of the items they show and release it when they
 * are scrolled away. A saved item that nobody shows drops it: the file is on
 * disk, and holding it again makes it anew in a worker. That keeps the
 * memory of a list of thousands to what is on screen. */
void
haul_download_hold_thumbnail (HaulDownload *self,
                              guint         size)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  self->thumbnail_holds++;
  self->thumbnail_size = size;
  haul_download_load_thumbnail (self, size);
}

void
haul_download_release_thumbnail (HaulDownload *self)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));
  g_return_if_fail (self->thumbnail_holds > 0);

  if (--self->thumbnail_holds > 0)
    return;

  /* Not made yet: nobody waits for it. */
  if (self->thumbnail_cancellable != NULL)
    {
      g_cancellable_cancel (self->thumbnail_cancellable);
      g_clear_object (&self->thumbnail_cancellable);
      g_clear_pointer (&self->thumbnail_source, g_free);
    }

  if (self->state == HAUL_DOWNLOAD_DONE && self->file_path != NULL && self->thumbnail != NULL)
    {
      g_clear_object (&self->thumbnail);
      g_clear_pointer (&self->thumbnail_source, g_free);
      notify (self, PROP_THUMBNAIL);
    }
}

gboolean
haul_download_is_thumbnail_held (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), FALSE);

  return self->thumbnail_holds > 0;
}

HaulDownloadGroup
haul_download_get_group (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), HAUL_DOWNLOAD_GROUP_WAITING);

  switch (self->state)
    {
    case HAUL_DOWNLOAD_DONE:
    case HAUL_DOWNLOAD_SKIPPED:
      return HAUL_DOWNLOAD_GROUP_DONE;
    case HAUL_DOWNLOAD_FAILED:
      return HAUL_DOWNLOAD_GROUP_FAILED;
    case HAUL_DOWNLOAD_QUEUED:
    case HAUL_DOWNLOAD_CONNECTING:
    case HAUL_DOWNLOAD_DOWNLOADING:
    case HAUL_DOWNLOAD_CANCELLED:
    default:
      return HAUL_DOWNLOAD_GROUP_WAITING;
    }
}

/* The file name once saved; before that the last part of the address,
 * which is what the file will mostly be called. */
const char *
haul_download_get_display_name (HaulDownload *self)
{
  const char *slash;

  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  if (self->file_name != NULL && self->file_name[0] != '\0')
    return self->file_name;

  slash = strrchr (self->url, '/');

  return slash != NULL && slash[1] != '\0' ? slash + 1 : self->url;
}

/* Pages */

gboolean
haul_download_get_is_page (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), FALSE);

  return self->may_be_page;
}

const char *
haul_download_get_page_title (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->page ? self->page->title : NULL;
}

guint
haul_download_get_n_images (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), 0);

  return self->page ? self->page->images->len : 0;
}

const char *
haul_download_get_page_url (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->page_url;
}

const char *
haul_download_get_preview_url (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->preview_url;
}

void
haul_download_set_may_be_page (HaulDownload *self,
                               gboolean      may_be_page)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  may_be_page = !!may_be_page;
  if (self->may_be_page == may_be_page)
    return;

  self->may_be_page = may_be_page;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_PAGE]);
}

gboolean
haul_download_get_probe (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), FALSE);

  return self->probe;
}

void
haul_download_set_probe (HaulDownload *self,
                         gboolean      probe)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  self->probe = probe;
}

HaulPage *
haul_download_get_page (HaulDownload *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD (self), NULL);

  return self->page;
}

void
haul_download_set_page (HaulDownload *self,
                        HaulPage     *page)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  if (self->page == NULL && page == NULL)
    return;

  g_clear_pointer (&self->page, haul_page_free);
  self->page = page;

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_TITLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_IMAGES]);
  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_found_on (HaulDownload *self,
                            const char   *page_url,
                            const char   *referer,
                            const char   *preview_url)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  g_object_freeze_notify (G_OBJECT (self));
  haul_download_set_referer (self, referer);
  if (g_strcmp0 (self->page_url, page_url) != 0)
    {
      g_free (self->page_url);
      self->page_url = g_strdup (page_url);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_URL]);
    }
  if (g_strcmp0 (self->preview_url, preview_url) != 0)
    {
      g_free (self->preview_url);
      self->preview_url = g_strdup (preview_url);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_URL]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
haul_download_set_preview (HaulDownload *self,
                           GdkPixbuf    *preview)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  /* The image's own thumbnail, once there, wins. */
  if (preview == NULL || (self->thumbnail != NULL && !self->has_preview))
    return;

  haul_download_set_image (self, self->width, self->height, preview);
  self->has_preview = TRUE;
}

void
haul_download_set_min_dimensions (HaulDownload *self,
                                  guint         min_width,
                                  guint         min_height)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  self->min_width = min_width;
  self->min_height = min_height;
}

void
haul_download_get_min_dimensions (HaulDownload *self,
                                  guint        *min_width,
                                  guint        *min_height)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD (self));

  *min_width = self->min_width;
  *min_height = self->min_height;
}
