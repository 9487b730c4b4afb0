/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-range.h"

/* "W/" marks a weak ETag, which If-Range may not use (RFC 9110 §13.1.5). */
gboolean
haul_range_is_strong_etag (const char *etag)
{
  return etag != NULL && etag[0] != '\0' && !g_str_has_prefix (etag, "W/");
}

/* Whether the body comes compressed, so that its Content-Length and
 * ranges count other bytes than the ones read; "identity" is none. */
gboolean
haul_range_is_compressed (SoupMessageHeaders *headers)
{
  const char *encoding = soup_message_headers_get_list (headers, "Content-Encoding");
  g_autofree char *trimmed = NULL;

  if (encoding == NULL)
    return FALSE;

  trimmed = g_strstrip (g_strdup (encoding));
  return trimmed[0] != '\0' && g_ascii_strcasecmp (trimmed, "identity") != 0;
}

/**
 * haul_range_can_resume:
 * @response: the headers of a successful response
 *
 * Whether a transfer of this body that is cut may go on with a Range
 * request: the server says "Accept-Ranges: bytes", or says nothing about
 * it but gives a validator, as many servers that do take ranges omit the
 * header. Never for "Accept-Ranges: none", nor for a compressed body,
 * whose ranges would count other bytes than the ones saved.
 */
gboolean
haul_range_can_resume (SoupMessageHeaders *response)
{
  const char *accept = soup_message_headers_get_list (response, "Accept-Ranges");

  if (haul_range_is_compressed (response))
    return FALSE;

  if (accept != NULL)
    return soup_header_contains (accept, "bytes");

  return soup_message_headers_get_one (response, "ETag") != NULL ||
         soup_message_headers_get_one (response, "Last-Modified") != NULL;
}

/**
 * haul_range_add_request:
 * @request: the headers of the request to send
 * @from: the bytes already received
 * @etag: (nullable): the ETag the first part came with
 * @last_modified: (nullable): its Last-Modified
 *
 * Asks for the rest of the body, from byte @from on, and only if it is
 * still the same body: If-Range with a strong ETag, else with the date.
 * A server for which the condition fails sends the whole new body.
 */
void
haul_range_add_request (SoupMessageHeaders *request,
                        guint64             from,
                        const char         *etag,
                        const char         *last_modified)
{
  soup_message_headers_set_range (request, (goffset)from, -1);

  if (haul_range_is_strong_etag (etag))
    soup_message_headers_replace (request, "If-Range", etag);
  else if (last_modified != NULL)
    soup_message_headers_replace (request, "If-Range", last_modified);
}

/**
 * haul_range_check_response:
 * @status: the response's status
 * @response: its headers
 * @from: the first byte asked for
 * @total: the whole body's length as known before, or -1
 * @etag: (nullable): the ETag the first part came with
 * @last_modified: (nullable): its Last-Modified
 * @full_length: (out): for %HAUL_RANGE_APPEND, the whole body's length,
 *   or -1 when the server does not say
 *
 * Decides from the answer to haul_range_add_request() whether its body
 * continues the bytes received: a 206 whose Content-Range starts at
 * @from, whose length agrees and whose validators did not change. A 200
 * is the whole body again (the condition failed, or ranges are not
 * supported). A 416, or a 206 for anything else, cannot be used.
 */
HaulRangeVerdict
haul_range_check_response (guint               status,
                           SoupMessageHeaders *response,
                           guint64             from,
                           gint64              total,
                           const char         *etag,
                           const char         *last_modified,
                           gint64             *full_length)
{
  goffset start = 0;
  goffset end = 0;
  goffset length = -1;
  const char *new_etag;
  const char *new_date;

  *full_length = -1;

  if (status == SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE)
    return HAUL_RANGE_RETRY;

  if (status != SOUP_STATUS_PARTIAL_CONTENT)
    return SOUP_STATUS_IS_SUCCESSFUL (status) ? HAUL_RANGE_RESTART : HAUL_RANGE_OTHER;

  if (haul_range_is_compressed (response) ||
      !soup_message_headers_get_content_range (response, &start, &end, &length) ||
      start < 0 || (guint64)start != from || end < start)
    return HAUL_RANGE_RETRY;

  if (length >= 0 && (end != length - 1 || (total >= 0 && length != total)))
    return HAUL_RANGE_RETRY;

  new_etag = soup_message_headers_get_one (response, "ETag");
  new_date = soup_message_headers_get_one (response, "Last-Modified");
  if ((etag != NULL && new_etag != NULL && strcmp (etag, new_etag) != 0) ||
      (etag == NULL && last_modified != NULL && new_date != NULL &&
       strcmp (last_modified, new_date) != 0))
    return HAUL_RANGE_RETRY;

  *full_length = length >= 0 ? length : total;
  return HAUL_RANGE_APPEND;
}

/* Seconds since the epoch, or -1 for a date that cannot be read. */
gint64
haul_range_parse_http_date (const char *value)
{
  g_autoptr(GDateTime) date = NULL;

  if (value == NULL)
    return -1;

  date = soup_date_time_new_from_http_string (value);
  return date ? g_date_time_to_unix (date) : -1;
}
