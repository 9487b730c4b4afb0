/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "haul-body.h"
#include "haul-error.h"
#include "haul-fetch-private.h"
#include "haul-range.h"
#include "haul-sniff.h"

void
haul_fetch_partial_clear (Partial *partial)
{
  g_clear_pointer (&partial->body, haul_body_free);
  g_clear_pointer (&partial->thumbnailer, haul_thumbnailer_free);
  g_clear_pointer (&partial->content_type, g_free);
  g_clear_pointer (&partial->extension, g_free);
  g_clear_pointer (&partial->etag, g_free);
  g_clear_pointer (&partial->last_modified, g_free);
  g_clear_object (&partial->thumbnail);
  partial->total = -1;
  partial->width = 0;
  partial->height = 0;
  partial->animated = FALSE;
  partial->frames = 0;
}

/* A transient failure mid-body keeps what was received, for the next try
 * to continue with a Range request, where the server allows that. */
void
haul_fetch_keep_partial (Attempt *attempt)
{
  Partial *partial = &attempt->partial;

  if (attempt->body == NULL || haul_body_get_size (attempt->body) == 0 || !attempt->resumable)
    return;

  haul_fetch_partial_clear (partial);
  partial->body = g_steal_pointer (&attempt->body);
  partial->thumbnailer = g_steal_pointer (&attempt->thumbnailer);
  partial->content_type = g_steal_pointer (&attempt->content_type);
  partial->extension = g_steal_pointer (&attempt->extension);
  partial->etag = g_steal_pointer (&attempt->etag);
  partial->last_modified = g_steal_pointer (&attempt->last_modified);
  partial->thumbnail = g_steal_pointer (&attempt->thumbnail);
  partial->total = attempt->total;
  partial->width = attempt->width;
  partial->height = attempt->height;
  partial->animated = attempt->animated;
  partial->frames = attempt->frames;
}

/* The server sent the rest of the partial body: this try goes on with it. */
static void
restore_partial (Attempt *attempt,
                 gint64   full_length)
{
  Partial *partial = &attempt->partial;

  g_clear_pointer (&attempt->body, haul_body_free);
  g_clear_pointer (&attempt->thumbnailer, haul_thumbnailer_free);
  g_free (attempt->extension);
  g_clear_object (&attempt->thumbnail);

  /* The type sniffed from the first bytes, else the server's. */
  if (partial->content_type != NULL)
    {
      g_free (attempt->content_type);
      attempt->content_type = g_steal_pointer (&partial->content_type);
    }
  attempt->body = g_steal_pointer (&partial->body);
  attempt->thumbnailer = g_steal_pointer (&partial->thumbnailer);
  attempt->extension = g_steal_pointer (&partial->extension);
  attempt->thumbnail = g_steal_pointer (&partial->thumbnail);
  attempt->width = partial->width;
  attempt->height = partial->height;
  attempt->animated = partial->animated;
  attempt->frames = partial->frames;
  if (attempt->etag == NULL)
    attempt->etag = g_steal_pointer (&partial->etag);
  if (attempt->last_modified == NULL)
    attempt->last_modified = g_steal_pointer (&partial->last_modified);

  attempt->total = full_length;
  attempt->bytes = haul_body_get_size (attempt->body);
  attempt->appending = TRUE;
  haul_fetch_partial_clear (partial);
}

/* Metrics tell a chunked body that ends before its last chunk from one
 * that ends well (see haul_fetch_read_body()); a partial body from an earlier try
 * asks for the rest. */
void
haul_fetch_prepare_transfer (Attempt *attempt)
{
  Partial *partial = &attempt->partial;

  soup_message_add_flags (attempt->msg, SOUP_MESSAGE_COLLECT_METRICS);
  if (partial->body != NULL)
    haul_range_add_request (soup_message_get_request_headers (attempt->msg),
                            haul_body_get_size (partial->body),
                            partial->etag, partial->last_modified);
}

void
haul_fetch_read_transfer_headers (Attempt            *attempt,
                                  SoupMessageHeaders *headers)
{
  attempt->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  attempt->last_modified = g_strdup (soup_message_headers_get_one (headers, "Last-Modified"));
  attempt->resumable = haul_range_can_resume (headers);
  attempt->chunked = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED &&
                     !haul_range_is_compressed (headers) &&
                     soup_message_get_http_version (attempt->msg) == SOUP_HTTP_1_1;
}

/* The answer to a Range request: the rest of the partial body, a whole
 * new body to write over it, or one that cannot be used, and then the
 * partial body is dropped and the request made again without Range. */
gboolean
haul_fetch_continue_partial (Attempt            *attempt,
                             SoupMessageHeaders *headers,
                             GError            **error)
{
  Partial *partial = &attempt->partial;
  gint64 full_length = -1;

  if (partial->body == NULL)
    return TRUE;

  switch (haul_range_check_response (attempt->http_status, headers,
                                     haul_body_get_size (partial->body), partial->total,
                                     partial->etag, partial->last_modified, &full_length))
    {
    case HAUL_RANGE_APPEND:
      restore_partial (attempt, full_length);
      return TRUE;

    case HAUL_RANGE_RESTART:
      attempt->body = g_steal_pointer (&partial->body);
      haul_fetch_partial_clear (partial);
      return haul_body_restart (attempt->body, error);

    case HAUL_RANGE_RETRY:
      haul_fetch_partial_clear (partial);
      attempt->ask_again = TRUE;
      g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_TRUNCATED,
                           _("incomplete: the server could not continue the transfer"));
      return FALSE;

    case HAUL_RANGE_OTHER:
    default:
      return TRUE;
    }
}

/* A chunked body that ends before its last, empty chunk looks like one
 * that ends well: libsoup 3.2 reports either as the end. The raw bytes
 * the read that ends it consumes tell them apart: "0\r\n\r\n" (and the
 * CRLF after the data before) is at least five, while a body cut between
 * chunks leaves only that CRLF, or nothing. */
#define LAST_CHUNK_MIN_BYTES 5

gssize
haul_fetch_read_body (Attempt  *attempt,
                      guint8   *buffer,
                      gsize     size,
                      GError  **error)
{
  SoupMessageMetrics *metrics = attempt->chunked ? soup_message_get_metrics (attempt->msg) : NULL;
  guint64 before = 0;
  gssize n;

  if (attempt->body_ended)
    return 0;

  if (metrics != NULL)
    before = soup_message_metrics_get_response_body_bytes_received (metrics);

  n = g_input_stream_read (attempt->stream, buffer, size, attempt->cancellable, error);
  if (n != 0)
    return n;

  if (metrics != NULL &&
      soup_message_metrics_get_response_body_bytes_received (metrics) - before < LAST_CHUNK_MIN_BYTES)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                           "chunked body without its last chunk");
      return -1;
    }

  attempt->body_ended = TRUE;
  return 0;
}

/* Once a body reaches the size worth resuming in a later run, it gets a
 * partial name, which an update tells along with its validators. Without
 * one it cannot be resumed then, which is all. */
void
haul_fetch_name_part_when_due (Attempt *attempt,
                               gsize    written)
{
  guint64 due = attempt->fetch->name_part_after;
  guint64 size = haul_body_get_size (attempt->body);
  HaulUpdate *update;

  if (due == 0 || !attempt->resumable || size < due || size - written >= due ||
      !haul_body_name_part (attempt->body, NULL))
    return;

  update = haul_update_new (HAUL_UPDATE_PROGRESS, attempt->fetch);
  update->bytes_received = attempt->bytes + written;
  update->total_bytes = attempt->total;
  update->part_name = g_strdup (haul_body_get_part_name (attempt->body));
  update->etag = g_strdup (attempt->etag);
  update->last_modified = g_strdup (attempt->last_modified);
  attempt->post (update, attempt->post_data);

  /* Written now: a kill or a power cut may come at any moment from here. */
  haul_fetch_record_part (attempt);
}

typedef struct
{
  Attempt *attempt;
  guint8   head[HAUL_SNIFF_LENGTH];
  gsize    head_length;
} ReadBack;

static void
read_back_part (const guint8 *data,
                gsize         length,
                gpointer      user_data)
{
  ReadBack *read_back = user_data;
  Partial *partial = &read_back->attempt->partial;
  gsize wanted = MIN (length, sizeof read_back->head - read_back->head_length);

  memcpy (read_back->head + read_back->head_length, data, wanted);
  read_back->head_length += wanted;

  if (partial->thumbnailer != NULL && !haul_thumbnailer_write (partial->thumbnailer, data, length))
    {
      partial->thumbnail = haul_thumbnailer_finish (partial->thumbnailer,
                                                    &partial->width, &partial->height);
      partial->frames = haul_thumbnailer_get_frames (partial->thumbnailer, &partial->animated);
      g_clear_pointer (&partial->thumbnailer, haul_thumbnailer_free);
    }
}

/* A partial body from an earlier run: the first try asks for its rest.
 * One that cannot be used is started again. */
void
haul_fetch_open_resume_part (Attempt *attempt)
{
  HaulFetch *fetch = attempt->fetch;
  Partial *partial = &attempt->partial;
  ReadBack read_back = { attempt, { 0 }, 0 };
  const char *sniffed;

  partial->thumbnailer = haul_thumbnailer_new (fetch->thumbnail_size,
                                               HAUL_THUMBNAILER_MAX_PIXELS);
  partial->body = haul_body_open_part (fetch->folder, fetch->resume_part,
                                       read_back_part, &read_back, NULL);
  sniffed = haul_sniff_image_type (read_back.head, read_back.head_length);

  if (partial->body == NULL || haul_body_get_size (partial->body) == 0 ||
      (sniffed == NULL && !fetch->accept_any_type) ||
      (fetch->resume_etag == NULL && fetch->resume_last_modified == NULL))
    {
      haul_fetch_partial_clear (partial);
      return;
    }

  if (sniffed != NULL)
    {
      partial->content_type = g_strdup (sniffed);
      partial->extension = g_strdup (haul_sniff_extension_for_type (sniffed));
    }
  else
    g_clear_pointer (&partial->thumbnailer, haul_thumbnailer_free);
  partial->etag = g_strdup (fetch->resume_etag);
  partial->last_modified = g_strdup (fetch->resume_last_modified);
}

