/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Continuing a cut transfer with a Range request (RFC 9110 §14), and the
 * validators that tell whether the rest still belongs to the same body. */

/* What to do with the answer to a Range request. */
typedef enum
{
  HAUL_RANGE_APPEND,     /* 206 for exactly the rest of the same body */
  HAUL_RANGE_RESTART,    /* a whole new body: write it from the start */
  HAUL_RANGE_RETRY,      /* unusable (416, another range or body): ask again without Range */
  HAUL_RANGE_OTHER,      /* an error status, handled as without Range */
} HaulRangeVerdict;

gboolean          haul_range_is_strong_etag    (const char         *etag);
gboolean          haul_range_is_compressed     (SoupMessageHeaders *headers);
gboolean          haul_range_can_resume        (SoupMessageHeaders *response);
void              haul_range_add_request       (SoupMessageHeaders *request,
                                                guint64             from,
                                                const char         *etag,
                                                const char         *last_modified);
HaulRangeVerdict  haul_range_check_response    (guint               status,
                                                SoupMessageHeaders *response,
                                                guint64             from,
                                                gint64              total,
                                                const char         *etag,
                                                const char         *last_modified,
                                                gint64             *full_length);
gint64            haul_range_parse_http_date   (const char         *value);

G_END_DECLS
