/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>

#include "haul-body.h"
#include "haul-error.h"
#include "haul-fetch-private.h"
#include "haul-naming.h"
#include "haul-page.h"
#include "haul-range.h"
#include "haul-record.h"
#include "haul-sniff.h"
#include "haul-thumbnailer.h"
#include "haul-tls-database.h"

/* Big reads keep the per-chunk overhead (syscalls, thumbnailer calls) low on
 * fast links; this is what a benchmark against curl or aria2 measures. */
#define READ_SIZE            (256 * 1024)
#define PROGRESS_INTERVAL    (G_USEC_PER_SEC / 10)
#define BACKOFF_BASE         (G_USEC_PER_SEC / 2)
#define BACKOFF_MAX          (30 * G_USEC_PER_SEC)
/* A server may ask for a longer pause, but one item never waits longer. */
#define RETRY_AFTER_MAX      (60 * G_USEC_PER_SEC)

HaulFetch *
haul_fetch_new (const char   *url,
                const char   *folder,
                GCancellable *cancellable,
                gpointer      item)
{
  HaulFetch *fetch = g_new0 (HaulFetch, 1);

  fetch->url = g_strdup (url);
  fetch->folder = g_strdup (folder);
  fetch->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
  fetch->item = item;
  fetch->server_time = TRUE;

  return fetch;
}

void
haul_fetch_free (HaulFetch *fetch)
{
  if (fetch == NULL)
    return;

  g_free (fetch->url);
  g_free (fetch->folder);
  g_free (fetch->resume_part);
  g_free (fetch->resume_etag);
  g_free (fetch->resume_last_modified);
  g_clear_object (&fetch->cancellable);
  g_clear_object (&fetch->session);
  g_clear_object (&fetch->mux);
  g_clear_object (&fetch->record);
  g_clear_pointer (&fetch->request, haul_request_unref);
  g_free (fetch->host);
  g_free (fetch->referer);
  g_free (fetch);
}

/* A message the mux sent is finished on its thread: its last reference
 * lets go of its connection, which must not change hands between threads
 * (libsoup would then keep the connection from the mux's other messages). */
static void
drop_message (Attempt *attempt)
{
  if (attempt->msg != NULL && attempt->via_mux)
    haul_mux_release (attempt->fetch->mux, g_steal_pointer (&attempt->msg));
  g_clear_object (&attempt->msg);
  attempt->via_mux = FALSE;
}

static void
attempt_clear (Attempt *attempt)
{
  if (attempt->stream != NULL)
    g_input_stream_close (attempt->stream, NULL, NULL);
  g_clear_object (&attempt->stream);
  drop_message (attempt);
  g_clear_pointer (&attempt->thumbnailer, haul_thumbnailer_free);

  /* Whatever went wrong, no partial file stays behind. */
  g_clear_pointer (&attempt->body, haul_body_free);

  g_clear_pointer (&attempt->final_url, g_free);
  g_clear_pointer (&attempt->content_type, g_free);
  g_clear_pointer (&attempt->extension, g_free);
  g_clear_pointer (&attempt->content_disposition, g_free);
  g_clear_pointer (&attempt->file_path, g_free);
  g_clear_object (&attempt->thumbnail);
  g_clear_pointer (&attempt->page_body, g_byte_array_unref);
  g_clear_pointer (&attempt->page, haul_page_free);
  attempt->is_page = FALSE;
  attempt->is_probed_image = FALSE;
  attempt->too_small = FALSE;
  g_clear_pointer (&attempt->etag, g_free);
  g_clear_pointer (&attempt->last_modified, g_free);
  g_clear_pointer (&attempt->duplicate_of, g_free);

  attempt->resumable = FALSE;
  attempt->chunked = FALSE;
  attempt->body_ended = FALSE;
  attempt->appending = FALSE;
  attempt->ask_again = FALSE;
  attempt->http_status = 0;
  attempt->bytes = 0;
  attempt->total = -1;
  attempt->retry_after = -1;
  attempt->last_progress = 0;
  attempt->width = 0;
  attempt->height = 0;
  attempt->animated = FALSE;
  attempt->frames = 0;
}

static void
post_response (Attempt *attempt)
{
  HaulUpdate *update = haul_update_new (HAUL_UPDATE_RESPONSE, attempt->fetch);

  update->http_status = attempt->http_status;
  update->final_url = g_strdup (attempt->final_url);
  update->content_type = g_strdup (attempt->content_type);
  update->total_bytes = attempt->total;
  attempt->last_progress = update->time;

  attempt->post (update, attempt->post_data);
}

static void
post_progress (Attempt *attempt,
               gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  HaulUpdate *update;

  if (!force && now - attempt->last_progress < PROGRESS_INTERVAL)
    return;

  attempt->last_progress = now;
  update = haul_update_new (HAUL_UPDATE_PROGRESS, attempt->fetch);
  update->bytes_received = attempt->bytes;
  update->total_bytes = attempt->total;
  attempt->post (update, attempt->post_data);
}

gint64
haul_fetch_parse_retry_after (const char *value,
                              gint64      now_utc)
{
  guint64 seconds;
  g_autoptr(GDateTime) date = NULL;

  if (value == NULL)
    return -1;

  while (g_ascii_isspace (*value))
    value++;

  if (g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT32, &seconds, NULL))
    return (gint64)seconds * G_USEC_PER_SEC;

  date = soup_date_time_new_from_http_string (value);
  if (date == NULL)
    return -1;

  return MAX (0, g_date_time_to_unix (date) - now_utc) * G_USEC_PER_SEC;
}

gint64
haul_fetch_backoff (guint  attempt,
                    gint64 retry_after)
{
  gint64 delay;

  if (retry_after >= 0)
    return MIN (retry_after, RETRY_AFTER_MAX);

  delay = (gint64)BACKOFF_BASE << MIN (attempt, 16);
  return MIN (delay, BACKOFF_MAX);
}

static const char *
describe_certificate_errors (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return _("issued by an unknown authority");
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return _("issued for another host");
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return _("expired");
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return _("not valid yet");
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return _("revoked");
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return _("uses an insecure algorithm");
  return _("invalid");
}

/* Turns a network error into one the user can read. Returns TRUE when the
 * failure is worth another try. */
static gboolean
set_network_error (Attempt  *attempt,
                   GUri     *uri,
                   GError   *in,
                   GError  **error)
{
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  if (in->domain == G_RESOLVER_ERROR)
    {
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_DNS,
                   _("host not found (%s)"), host ? host : "");
      return in->code == G_RESOLVER_ERROR_TEMPORARY_FAILURE;
    }

  if (in->domain == G_TLS_ERROR)
    {
      GTlsCertificateFlags flags = 0;

      if (attempt->msg != NULL)
        flags = soup_message_get_tls_peer_certificate_errors (attempt->msg);

      if (in->code == G_TLS_ERROR_BAD_CERTIFICATE || flags != 0)
        g_set_error (error, HAUL_ERROR, HAUL_ERROR_TLS,
                     _("TLS certificate not trusted: %s"),
                     describe_certificate_errors (flags));
      else
        g_set_error (error, HAUL_ERROR, HAUL_ERROR_TLS,
                     _("TLS error: %s"), in->message);
      return FALSE;
    }

  if (in->domain == G_IO_ERROR)
    {
      switch (in->code)
        {
        case G_IO_ERROR_TIMED_OUT:
          g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_TIMED_OUT, _("timed out"));
          return TRUE;

        case G_IO_ERROR_CONNECTION_REFUSED:
          g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_CONNECT, _("connection refused"));
          return TRUE;

        case G_IO_ERROR_CONNECTION_CLOSED:
        case G_IO_ERROR_NOT_CONNECTED:
          g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_CONNECT, _("connection reset"));
          return TRUE;

        case G_IO_ERROR_PARTIAL_INPUT:
          if (attempt->total >= 0)
            g_set_error (error, HAUL_ERROR, HAUL_ERROR_TRUNCATED,
                         _("incomplete: received %" PRIu64 " of %" PRId64 " bytes"),
                         (uint64_t) attempt->bytes, (int64_t) attempt->total);
          else
            g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_TRUNCATED,
                                 _("incomplete: the connection ended early"));
          return TRUE;

        case G_IO_ERROR_HOST_UNREACHABLE:
        case G_IO_ERROR_NETWORK_UNREACHABLE:
          g_set_error (error, HAUL_ERROR, HAUL_ERROR_CONNECT,
                       _("host unreachable (%s)"), host ? host : "");
          return FALSE;

        default:
          break;
        }
    }

  g_set_error (error, HAUL_ERROR, HAUL_ERROR_FAILED, _("network error: %s"), in->message);
  return FALSE;
}

static gboolean
is_http_scheme (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);

  return (g_ascii_strcasecmp (scheme, "http") == 0 ||
          g_ascii_strcasecmp (scheme, "https") == 0) &&
         g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

static gboolean
is_transient_status (guint status)
{
  return status == SOUP_STATUS_REQUEST_TIMEOUT ||
         status == 429 ||  /* Too Many Requests */
         (status >= 500 && status < 600);
}

/* Headers, Referer and cookies, then the host's turn: the first request
 * of a transfer got its turn when the transfer was scheduled. */
static gboolean
prepare_request (Attempt  *attempt,
                 GUri     *uri,
                 GError  **error)
{
  HaulFetch *fetch = attempt->fetch;
  /* A page's own images and previews are asked for as the page asks. */
  const char *referer = attempt->referer ? attempt->referer : fetch->referer;
  g_autofree char *url = NULL;
  g_autofree char *host = NULL;

  if (fetch->request != NULL)
    {
      if (!haul_request_prepare (fetch->request, attempt->msg, uri, referer,
                                 fetch->referer_policy, error))
        return FALSE;
    }
  else if (referer != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (attempt->msg),
                                  "Referer", referer);

  if (fetch->politeness == NULL)
    return TRUE;

  if (fetch->has_turn)
    {
      fetch->has_turn = FALSE;
      return TRUE;
    }

  url = g_uri_to_string (uri);
  host = haul_politeness_host_key (url);
  if (!haul_politeness_wait_turn (fetch->politeness, host, attempt->cancellable))
    return !g_cancellable_set_error_if_cancelled (attempt->cancellable, error);

  return TRUE;
}

/* Sends the request and follows redirects by hand, so that every hop is
 * checked: http(s) only, and at most HAUL_FETCH_MAX_REDIRECTS of them. */
static gboolean
send_request (Attempt  *attempt,
              gboolean *transient,
              GError  **error)
{
  HaulFetch *fetch = attempt->fetch;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;

  uri = g_uri_parse (attempt->url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || !is_http_scheme (uri))
    {
      g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_INVALID_URL,
                           _("not an http or https address"));
      return FALSE;
    }

  for (guint hops = 0; ; hops++)
    {
      g_autoptr(GUri) next = NULL;
      const char *location;
      gboolean https;
      guint status;

      drop_message (attempt);
      attempt->msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
      soup_message_add_flags (attempt->msg, SOUP_MESSAGE_NO_REDIRECT);
      haul_fetch_prepare_transfer (attempt);
      /* Images gain nothing from compression, so none is asked for; a server
       * that compresses anyway is decoded by the session, and the size
       * cap then counts the decoded bytes, as a small gzip can inflate to
       * gigabytes. */
      soup_message_headers_replace (soup_message_get_request_headers (attempt->msg),
                                    "Accept-Encoding", "identity");
      if (!prepare_request (attempt, uri, error))
        return FALSE;

      /* HTTPS servers mostly speak HTTP/2, whose one connection the mux
       * shares among all transfers; plain HTTP is HTTP/1.1, where a
       * worker's own keep-alive connection costs no hop between threads. */
      https = g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0;
      /* Before the first TLS connection, and not at all without one: the
       * TLS backend takes a few milliseconds to load. */
      if (https)
        haul_tls_database_install_default ();
      attempt->via_mux = fetch->mux != NULL && https && haul_mux_shares (fetch->mux, uri);
      if (attempt->via_mux)
        attempt->stream = haul_mux_send (fetch->mux, fetch->session, attempt->msg,
                                         attempt->cancellable, &local_error);
      else
        attempt->stream = soup_session_send (fetch->session, attempt->msg,
                                             attempt->cancellable, &local_error);
      if (attempt->stream == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          *transient = set_network_error (attempt, uri, local_error, error);
          return FALSE;
        }

      status = soup_message_get_status (attempt->msg);
      location = soup_message_headers_get_one (soup_message_get_response_headers (attempt->msg),
                                               "Location");

      if (!SOUP_STATUS_IS_REDIRECTION (status) || status == SOUP_STATUS_NOT_MODIFIED ||
          location == NULL)
        break;

      g_input_stream_close (attempt->stream, NULL, NULL);
      g_clear_object (&attempt->stream);
      /* A redirect that fails is reported with its own status. */
      attempt->http_status = status;

      if (hops >= HAUL_FETCH_MAX_REDIRECTS)
        {
          g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_TOO_MANY_REDIRECTS,
                               _("too many redirects"));
          return FALSE;
        }

      next = g_uri_parse_relative (uri, location, SOUP_HTTP_URI_FLAGS, NULL);
      if (next == NULL)
        {
          g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_REDIRECT_SCHEME,
                               _("redirect to an invalid address"));
          return FALSE;
        }
      if (!is_http_scheme (next))
        {
          g_set_error (error, HAUL_ERROR, HAUL_ERROR_REDIRECT_SCHEME,
                       _("redirect to an unsupported address (%s)"),
                       g_uri_get_scheme (next));
          return FALSE;
        }

      g_clear_pointer (&uri, g_uri_unref);
      uri = g_steal_pointer (&next);
    }

  attempt->final_url = g_uri_to_string (uri);
  return TRUE;
}

/* A reason phrase as the server sent it could carry terminal escapes into
 * the command line's output, or run on for kilobytes: keep it short and
 * printable. */
static char *
printable_reason (const char *reason)
{
  g_autofree char *valid = g_utf8_make_valid (reason, -1);
  GString *clean = g_string_new (NULL);

  for (const char *p = valid; *p != '\0' && clean->len < 100; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iscntrl (c))
        g_string_append_c (clean, '?');
      else
        g_string_append_unichar (clean, c);
    }

  return g_string_free (clean, FALSE);
}

/* A media type is two tokens around a slash (RFC 9110); anything else,
 * escapes included, is no type at all. */
static gboolean
is_media_type (const char *type)
{
  const char *slash = strchr (type, '/');

  if (slash == NULL || slash == type || slash[1] == '\0' || strlen (type) > 127)
    return FALSE;

  for (const char *p = type; *p != '\0'; p++)
    {
      if (p != slash && !g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
        return FALSE;
    }

  return TRUE;
}

/* A Content-Length is digits and nothing else; libsoup reads "-5" as a
 * huge number and "12abc" as 12. One too big to count is as good as
 * infinite. */
static gboolean
parse_content_length (const char *value,
                      guint64    *length)
{
  g_autofree char *digits = g_strstrip (g_strdup (value ? value : ""));

  if (digits[0] == '\0')
    return FALSE;

  for (const char *p = digits; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
    }

  if (!g_ascii_string_to_unsigned (digits, 10, 0, G_MAXINT64, length, NULL))
    *length = G_MAXUINT64;

  return TRUE;
}

static gboolean
check_response (Attempt  *attempt,
                gboolean *transient,
                GError  **error)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (attempt->msg);
  const char *type;
  const char *reason;
  gboolean has_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH;
  guint64 length = 0;
  gboolean length_valid = TRUE;

  attempt->http_status = soup_message_get_status (attempt->msg);
  haul_fetch_read_transfer_headers (attempt, headers);
  type = soup_message_headers_get_content_type (headers, NULL);
  attempt->content_type = type && is_media_type (type) ? g_ascii_strdown (type, -1) : NULL;
  attempt->content_disposition =
    g_strdup (soup_message_headers_get_one (headers, "Content-Disposition"));
  /* A compressed body's Content-Length counts the compressed bytes, not
   * the ones read. */
  if (has_length)
    length_valid = parse_content_length (soup_message_headers_get_one (headers, "Content-Length"),
                                         &length);
  if (has_length && length_valid && !haul_range_is_compressed (headers))
    attempt->total = (gint64)MIN (length, (guint64)G_MAXINT64);

  if (!haul_fetch_continue_partial (attempt, headers, error))
    return FALSE;

  post_response (attempt);

  if (!SOUP_STATUS_IS_SUCCESSFUL (attempt->http_status))
    {
      g_autofree char *shown = NULL;

      reason = soup_message_get_reason_phrase (attempt->msg);
      if (reason == NULL || reason[0] == '\0')
        reason = soup_status_get_phrase (attempt->http_status);
      shown = printable_reason (reason ? reason : "");

      g_set_error (error, HAUL_ERROR, HAUL_ERROR_HTTP,
                   _("HTTP %u %s"), attempt->http_status, shown);

      if (is_transient_status (attempt->http_status))
        {
          *transient = TRUE;
          attempt->retry_after =
            haul_fetch_parse_retry_after (soup_message_headers_get_one (headers, "Retry-After"),
                                          g_get_real_time () / G_USEC_PER_SEC);
        }
      return FALSE;
    }

  if (!length_valid)
    {
      g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_FAILED,
                           _("invalid response: bad Content-Length"));
      return FALSE;
    }

  if (attempt->total > 0 && (guint64)attempt->total > attempt->fetch->max_size)
    {
      g_autofree char *limit = g_format_size_full (attempt->fetch->max_size,
                                                    G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, HAUL_ERROR, HAUL_ERROR_TOO_LARGE,
                   _("too large (over %s)"), limit);
      return FALSE;
    }

  if (attempt->total == 0)
    {
      g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_EMPTY, _("empty response"));
      return FALSE;
    }

  return TRUE;
}

/* Holds the reads of all workers together to the rate limit. */
static gboolean
throttle (Attempt  *attempt,
          gsize     bytes,
          GError  **error)
{
  if (attempt->fetch->politeness == NULL ||
      haul_politeness_throttle (attempt->fetch->politeness, bytes, attempt->cancellable))
    return TRUE;

  g_cancellable_set_error_if_cancelled (attempt->cancellable, error);
  return FALSE;
}

static gsize
read_size (Attempt *attempt)
{
  if (attempt->fetch->politeness == NULL)
    return READ_SIZE;

  return haul_politeness_read_size (attempt->fetch->politeness, READ_SIZE);
}

/* Reads until @want bytes are in the buffer or the body ends. */
static gssize
read_at_least (Attempt  *attempt,
               gsize     want,
               gboolean *transient,
               GError  **error)
{
  gsize filled = 0;

  while (filled < want)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = haul_fetch_read_body (attempt, attempt->buffer + filled, READ_SIZE - filled,
                            &local_error);

      if (n < 0)
        {
          attempt->bytes += filled;
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            *transient = set_network_error (attempt, NULL, local_error, error);
          return -1;
        }
      if (n == 0)
        break;
      filled += n;
    }

  if (!throttle (attempt, filled, error))
    return -1;

  return filled;
}

/* An image type we have no extension for still gets one, from its
 * subtype ("image/heic" gives "heic"), else "img": the body was not
 * recognised, so a name the server chose, such as "page.html" or
 * "run.desktop", must not keep an extension that makes it something else. */
static char *
extension_for_other_image (const char *content_type)
{
  const char *subtype = strchr (content_type, '/') + 1;

  if (g_str_has_prefix (subtype, "x-"))
    subtype += 2;

  if (subtype[0] == '\0' || strlen (subtype) > 16)
    return g_strdup ("img");

  for (const char *p = subtype; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p))
        return g_strdup ("img");
    }

  return g_strdup (subtype);
}

/* Decides from the first bytes whether this is an image, and which. */
static gboolean
check_type (Attempt       *attempt,
            const guint8  *data,
            gsize          length,
            GError       **error)
{
  const char *sniffed = haul_sniff_image_type (data, length);

  /* A web page where one may be is read for its images; one that is only
   * probed for what it is stops at its first bytes when it is an image. */
  if (attempt->fetch->allow_page && sniffed == NULL &&
      haul_page_is_page_type (attempt->content_type))
    {
      attempt->is_page = TRUE;
      return TRUE;
    }
  if (attempt->fetch->probe && (sniffed != NULL ||
                                haul_sniff_is_image_type (attempt->content_type)))
    {
      attempt->is_probed_image = TRUE;
      return TRUE;
    }

  if (sniffed != NULL)
    {
      g_free (attempt->content_type);
      attempt->content_type = g_strdup (sniffed);
      attempt->extension = g_strdup (haul_sniff_extension_for_type (sniffed));
      return TRUE;
    }

  if (haul_sniff_is_image_type (attempt->content_type))
    {
      const char *known = haul_sniff_extension_for_type (attempt->content_type);

      attempt->extension = known ? g_strdup (known)
                                 : extension_for_other_image (attempt->content_type);
      return TRUE;
    }

  if (attempt->fetch->accept_any_type)
    return TRUE;

  if (attempt->fetch->allow_page)
    {
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_NOT_AN_IMAGE,
                   _("neither an image nor a web page (%s)"),
                   attempt->content_type ? attempt->content_type : _("unknown type"));
      return FALSE;
    }

  g_set_error (error, HAUL_ERROR, HAUL_ERROR_NOT_AN_IMAGE,
               _("not an image (%s)"),
               attempt->content_type ? attempt->content_type : _("unknown type"));
  return FALSE;
}

static void
finish_thumbnail (Attempt *attempt)
{
  attempt->thumbnail = haul_thumbnailer_finish (attempt->thumbnailer,
                                                &attempt->width, &attempt->height);
  attempt->frames = haul_thumbnailer_get_frames (attempt->thumbnailer, &attempt->animated);
  g_clear_pointer (&attempt->thumbnailer, haul_thumbnailer_free);
}

/* An image too small is refused as soon as its header tells: its body
 * costs nothing more. */
static gboolean
check_dimensions (Attempt  *attempt,
                  GError  **error)
{
  HaulFetch *fetch = attempt->fetch;
  int width = attempt->width;
  int height = attempt->height;

  if (fetch->min_width == 0 && fetch->min_height == 0)
    return TRUE;

  if (attempt->thumbnailer != NULL &&
      !haul_thumbnailer_get_dimensions (attempt->thumbnailer, &width, &height))
    return TRUE;
  if (width <= 0 || height <= 0)
    return TRUE;

  if ((guint)width >= fetch->min_width && (guint)height >= fetch->min_height)
    return TRUE;

  attempt->too_small = TRUE;
  attempt->width = width;
  attempt->height = height;
  /* TRANSLATORS: the minimum, then the image's own width × height */
  g_set_error (error, HAUL_ERROR, HAUL_ERROR_TOO_SMALL,
               _("smaller than %u×%u (%d×%d)"),
               fetch->min_width, fetch->min_height, width, height);
  return FALSE;
}

static gboolean
consume (Attempt       *attempt,
         const guint8  *data,
         gsize          length,
         GError       **error)
{
  if (attempt->bytes + length > attempt->fetch->max_size)
    {
      g_autofree char *limit = g_format_size_full (attempt->fetch->max_size,
                                                    G_FORMAT_SIZE_IEC_UNITS);

      g_set_error (error, HAUL_ERROR, HAUL_ERROR_TOO_LARGE,
                   _("too large (over %s)"), limit);
      return FALSE;
    }

  if (!haul_body_write (attempt->body, data, length, error))
    return FALSE;
  haul_fetch_name_part_when_due (attempt, length);

  attempt->bytes += length;

  if (attempt->thumbnailer != NULL &&
      !haul_thumbnailer_write (attempt->thumbnailer, data, length))
    {
      /* It has what it wants, or gave up: that is "no preview", not a failure. */
      finish_thumbnail (attempt);
    }

  if (!check_dimensions (attempt, error))
    return FALSE;

  post_progress (attempt, FALSE);
  return TRUE;
}

static gboolean
set_truncated (Attempt  *attempt,
               gboolean *transient,
               GError  **error)
{
  g_set_error (error, HAUL_ERROR, HAUL_ERROR_TRUNCATED,
               _("incomplete: received %" PRIu64 " of %" PRId64 " bytes"),
               (uint64_t) attempt->bytes, (int64_t) attempt->total);
  /* The connection ended too early: the next try may get it whole. */
  *transient = TRUE;
  return FALSE;
}

/* Reads the body's next bytes into the buffer: how many, 0 at its end,
 * or -1 with @error set. */
gssize
haul_fetch_read_next (Attempt   *attempt,
                      gboolean  *transient,
                      GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  gssize n = haul_fetch_read_body (attempt, attempt->buffer, read_size (attempt), &local_error);

  if (n >= 0)
    return throttle (attempt, n, error) ? n : -1;

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, g_steal_pointer (&local_error));
  else
    *transient = set_network_error (attempt, NULL, local_error, error);
  return -1;
}

/* Writes the @n bytes in the buffer and the rest of the body. */
static gboolean
receive_rest (Attempt  *attempt,
              gssize    n,
              gboolean *transient,
              GError  **error)
{
  for (; n > 0; n = haul_fetch_read_next (attempt, transient, error))
    {
      if (!consume (attempt, attempt->buffer, n, error))
        return FALSE;
    }
  if (n < 0)
    return FALSE;

  if (attempt->total >= 0 && attempt->bytes < (guint64)attempt->total)
    return set_truncated (attempt, transient, error);

  if (attempt->thumbnailer != NULL)
    finish_thumbnail (attempt);

  /* A small file may end before its header was looked at. */
  return check_dimensions (attempt, error);
}

static gboolean
receive_body (Attempt  *attempt,
              gboolean *transient,
              GError  **error)
{
  HaulFetch *fetch = attempt->fetch;
  gssize n;

  /* The type was decided from the first part's first bytes. */
  if (attempt->appending)
    {
      n = read_at_least (attempt, 1, transient, error);
      return n >= 0 && receive_rest (attempt, n, transient, error);
    }

  n = read_at_least (attempt, HAUL_SNIFF_LENGTH, transient, error);
  if (n < 0)
    return FALSE;

  if (n == 0)
    {
      if (attempt->total > 0)
        return set_truncated (attempt, transient, error);
      g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_EMPTY, _("empty response"));
      return FALSE;
    }

  if (!check_type (attempt, attempt->buffer, n, error))
    return FALSE;

  if (attempt->is_probed_image)
    return TRUE;
  if (attempt->is_page)
    return haul_fetch_receive_page (attempt, n, transient, error);

  /* A body that starts over is written over the earlier try's. */
  if (attempt->body == NULL)
    attempt->body = haul_body_new (fetch->folder, error);
  if (attempt->body == NULL)
    return FALSE;

  if (haul_sniff_is_image_type (attempt->content_type))
    {
      attempt->thumbnailer = haul_thumbnailer_new (fetch->thumbnail_size,
                                                   HAUL_THUMBNAILER_MAX_PIXELS);
      haul_thumbnailer_set_content_type (attempt->thumbnailer, attempt->content_type);
    }

  return receive_rest (attempt, n, transient, error);
}

static gboolean
save_file (Attempt  *attempt,
           GError  **error)
{
  g_autofree char *name = NULL;

  if (g_cancellable_set_error_if_cancelled (attempt->fetch->cancellable, error))
    return FALSE;

  name = haul_naming_choose (attempt->content_disposition, attempt->final_url,
                             attempt->extension);

  /* As wget and gallery-dl do; a date that cannot be set is no failure. */
  if (attempt->fetch->server_time)
    {
      gint64 modified = haul_range_parse_http_date (attempt->last_modified);

      if (modified >= 0)
        haul_body_set_mtime (attempt->body, modified, NULL);
    }

  /* Deciding that the body is new and giving it its name go together, so
   * that two workers finishing the same image keep one copy. */
  if (attempt->fetch->record != NULL)
    haul_record_lock_names (attempt->fetch->record);

  if (!haul_fetch_record_find_duplicate (attempt))
    {
      attempt->file_path = haul_body_claim (attempt->body, name, error);
      if (attempt->file_path != NULL)
        haul_fetch_record_saved (attempt);
    }

  if (attempt->fetch->record != NULL)
    haul_record_unlock_names (attempt->fetch->record);

  return attempt->file_path != NULL || attempt->duplicate_of != NULL;
}

/* For the fetches that report to nobody. */
static void
discard_update (HaulUpdate *update,
                gpointer    user_data)
{
  haul_update_free (update);
}

static gboolean
run_attempt (Attempt  *attempt,
             gboolean *transient,
             GError  **error)
{
  for (guint asked = 0; ; asked++)
    {
      *transient = FALSE;

      if (send_request (attempt, transient, error) &&
          check_response (attempt, transient, error) &&
          receive_body (attempt, transient, error) &&
          /* Neither a probed image nor a page leaves a file. */
          (attempt->is_probed_image || attempt->is_page || save_file (attempt, error)))
        return TRUE;

      /* A Range request whose answer cannot be used is made again at
       * once without Range; that is no new try. */
      if (!attempt->ask_again || asked > 0)
        return FALSE;

      g_clear_error (error);
      attempt_clear (attempt);
    }
}

/* One attempt under its own cancellable, which the maximum time cancels. */
static gboolean
run_guarded_attempt (Attempt  *attempt,
                     gboolean *transient,
                     GError  **error)
{
  HaulAttemptGuard *guard = haul_attempt_guard_new (attempt->fetch->politeness,
                                                    attempt->fetch->cancellable);
  gboolean ok;

  attempt->cancellable = haul_attempt_guard_get_cancellable (guard);
  ok = run_attempt (attempt, transient, error);
  if (!ok && haul_attempt_guard_timed_out (guard, error))
    *transient = TRUE;
  attempt->cancellable = NULL;
  haul_attempt_guard_free (guard);

  return ok;
}

/* An item that ends without a request, skipped or cancelled, does not hold
 * up the next request to its host. */
static void
give_back_turn (HaulFetch *fetch)
{
  if (fetch->politeness != NULL && fetch->has_turn)
    haul_politeness_give_back_turn (fetch->politeness, fetch->host, fetch);
  fetch->has_turn = FALSE;
}

/* A 403 is tried once more with the other Referer policy; that try is not
 * one of the retries. */
static gboolean
fall_back_referer (Attempt *attempt)
{
  HaulFetch *fetch = attempt->fetch;

  if (fetch->request == NULL || fetch->referer_fell_back ||
      attempt->http_status != SOUP_STATUS_FORBIDDEN ||
      g_cancellable_is_cancelled (fetch->cancellable))
    return FALSE;

  fetch->referer_fell_back = TRUE;
  fetch->referer_policy = haul_request_fallback_policy (fetch->referer_policy);
  return TRUE;
}

/* A host that asks to slow down is paused as a whole, and this item waits
 * its turn again without using up a retry. */
static gboolean
wait_for_host (Attempt *attempt)
{
  HaulFetch *fetch = attempt->fetch;

  if (fetch->politeness == NULL || fetch->host == NULL ||
      fetch->host_waits >= HAUL_POLITENESS_MAX_HOST_WAITS ||
      g_cancellable_is_cancelled (fetch->cancellable) ||
      !haul_politeness_is_pause_status (attempt->http_status, attempt->retry_after))
    return FALSE;

  fetch->host_waits++;
  haul_politeness_pause (fetch->politeness, fetch->host, attempt->retry_after);
  return TRUE;
}

gboolean
haul_fetch_run (HaulFetch         *fetch,
                HaulFetchPostFunc  post,
                gpointer           user_data)
{
  Attempt attempt = { 0 };
  g_autoptr(GError) error = NULL;
  HaulUpdate *update;
  gint64 delay;

  attempt.fetch = fetch;
  attempt.url = fetch->url;
  attempt.referer = fetch->referer;
  attempt.post = post;
  attempt.post_data = user_data;
  attempt.buffer = g_malloc (READ_SIZE);
  attempt_clear (&attempt);
  haul_fetch_partial_clear (&attempt.partial);

  /* Started once, however often its host made it wait. */
  if (fetch->host_waits == 0)
    post (haul_update_new (HAUL_UPDATE_STARTED, fetch), user_data);

  if ((update = haul_fetch_record_check_saved (fetch)) != NULL)
    {
      give_back_turn (fetch);
      g_free (attempt.buffer);
      post (update, user_data);
      return TRUE;
    }

  haul_fetch_record_find_part (fetch);
  if (fetch->resume_part != NULL)
    haul_fetch_open_resume_part (&attempt);

  for (guint tries = 0; ; tries++)
    {
      gboolean transient = FALSE;

      g_clear_error (&error);
      if (g_cancellable_set_error_if_cancelled (fetch->cancellable, &error))
        break;

      if (run_guarded_attempt (&attempt, &transient, &error))
        break;

      if (fall_back_referer (&attempt))
        {
          attempt_clear (&attempt);
          tries--;   /* unsigned: the loop adds it back */
          continue;
        }

      if (wait_for_host (&attempt))
        {
          /* Run again once the host lets it, from the start. */
          attempt_clear (&attempt);
          haul_fetch_partial_clear (&attempt.partial);
          g_free (attempt.buffer);
          return FALSE;
        }

      if (!transient || tries >= fetch->retries || attempt.too_small ||
          g_cancellable_is_cancelled (fetch->cancellable))
        break;

      /* What the failed try received waits for the next only where that
       * can go on with it. */
      delay = haul_fetch_backoff (tries, attempt.retry_after);
      haul_fetch_keep_partial (&attempt);
      attempt_clear (&attempt);

      if (!haul_politeness_sleep_until (g_get_monotonic_time () + delay, fetch->cancellable))
        break;
    }

  update = haul_update_new (HAUL_UPDATE_FINISHED, fetch);

  if (error == NULL && attempt.is_probed_image)
    update->state = HAUL_DOWNLOAD_QUEUED;
  else if (error == NULL && attempt.is_page)
    {
      update->state = HAUL_DOWNLOAD_DONE;
      update->page = g_steal_pointer (&attempt.page);
    }
  else if (error == NULL && attempt.duplicate_of != NULL)
    {
      update->state = HAUL_DOWNLOAD_SKIPPED;
      update->skip_reason = HAUL_SKIP_SAME_IMAGE;
      /* TRANSLATORS: an item whose content is already saved under that name */
      update->error_message = g_strdup_printf (_("same image as %s"), attempt.duplicate_of);
      update->file_path = g_build_filename (fetch->folder, attempt.duplicate_of, NULL);
      update->sha256 = g_strdup (haul_body_get_sha256 (attempt.body));
    }
  else if (error == NULL)
    {
      update->state = HAUL_DOWNLOAD_DONE;
      update->file_path = g_steal_pointer (&attempt.file_path);
      update->width = attempt.width;
      update->height = attempt.height;
      update->animated = attempt.animated;
      update->frames = attempt.frames;
      update->thumbnail = g_steal_pointer (&attempt.thumbnail);
      update->sha256 = g_strdup (haul_body_get_sha256 (attempt.body));
    }
  else if (g_cancellable_is_cancelled (fetch->cancellable))
    {
      update->state = HAUL_DOWNLOAD_CANCELLED;
      update->error_message = g_strdup (_("cancelled"));
    }
  else if (attempt.too_small)
    {
      update->state = HAUL_DOWNLOAD_SKIPPED;
      update->skip_reason = HAUL_SKIP_TOO_SMALL;
      update->error_message = g_strdup (error->message);
      update->width = attempt.width;
      update->height = attempt.height;
    }
  else
    {
      update->state = HAUL_DOWNLOAD_FAILED;
      update->error_message = g_strdup (error->message);
    }

  update->bytes_received = attempt.bytes;
  update->total_bytes = attempt.total;
  update->http_status = attempt.http_status;
  update->final_url = g_strdup (attempt.final_url);
  update->content_type = g_strdup (attempt.content_type);

  /* An image skipped for its size keeps nothing. */
  if (error != NULL && !attempt.too_small)
    haul_fetch_keep_partial (&attempt);
  update->etag = g_strdup (attempt.partial.body ? attempt.partial.etag : attempt.etag);
  update->last_modified = g_strdup (attempt.partial.body ? attempt.partial.last_modified
                                                         : attempt.last_modified);
  /* What was cut, by Ctrl+C or by the network, waits for the next run;
   * there is a partial body only after a cut that a Range request could
   * continue. Anything else leaves nothing behind. */
  if (error != NULL && fetch->keep_part &&
      attempt.partial.body != NULL && haul_body_get_part_name (attempt.partial.body) != NULL)
    {
      haul_body_keep_part (attempt.partial.body);
      update->part_name = g_strdup (haul_body_get_part_name (attempt.partial.body));
    }
  else
    haul_fetch_record_forget_part (fetch);

  attempt_clear (&attempt);
  haul_fetch_partial_clear (&attempt.partial);
  g_free (attempt.buffer);

  give_back_turn (fetch);
  post (update, user_data);
  return TRUE;
}

/* For the other stages: a request of their own, made as the fetch's are. */

void
haul_fetch_attempt_init (Attempt    *attempt,
                         HaulFetch  *fetch,
                         const char *url,
                         const char *referer)
{
  memset (attempt, 0, sizeof *attempt);
  attempt->fetch = fetch;
  attempt->url = url;
  attempt->referer = referer;
  attempt->post = discard_update;
  attempt->buffer = g_malloc (READ_SIZE);
  attempt_clear (attempt);
}

void
haul_fetch_attempt_finish (Attempt *attempt)
{
  attempt_clear (attempt);
  g_clear_pointer (&attempt->buffer, g_free);
}

gssize
haul_fetch_attempt_open (Attempt   *attempt,
                         gboolean  *transient,
                         GError   **error)
{
  gssize n;

  if (!send_request (attempt, transient, error) ||
      !check_response (attempt, transient, error))
    return -1;

  n = read_at_least (attempt, HAUL_SNIFF_LENGTH, transient, error);
  if (n == 0)
    g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_EMPTY, _("empty response"));
  if (n <= 0)
    return -1;

  return check_type (attempt, attempt->buffer, n, error) ? n : -1;
}

void
haul_fetch_attempt_progress (Attempt *attempt)
{
  post_progress (attempt, FALSE);
}

gboolean
haul_fetch_attempt_truncated (Attempt   *attempt,
                              gboolean  *transient,
                              GError   **error)
{
  return set_truncated (attempt, transient, error);
}
