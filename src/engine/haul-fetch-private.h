/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-fetch.h"
#include "haul-thumbnailer.h"

G_BEGIN_DECLS

/* The state of a fetch, shared by its stages: haul-fetch.c sends and
 * receives, haul-fetch-resume.c makes a cut transfer go on,
 * haul-fetch-page.c reads web pages. */

/* What a cut transfer leaves for the next try to continue from. */
typedef struct
{
  HaulBody          *body;
  HaulThumbnailer   *thumbnailer;
  char              *content_type;
  char              *extension;
  char              *etag;
  char              *last_modified;
  gint64             total;
  int                width;
  int                height;
  gboolean           animated;
  guint              frames;
  GdkPixbuf         *thumbnail;
} Partial;

/* The state of one attempt; reset before each retry, except @partial. */
typedef struct
{
  HaulFetch         *fetch;
  HaulFetchPostFunc  post;
  gpointer           post_data;
  GCancellable      *cancellable;   /* this attempt's: see haul_attempt_guard_new() */

  /* What is asked for: the fetch's URL, or a page a web page leads to. */
  const char        *url;
  const char        *referer;

  SoupMessage       *msg;
  gboolean           via_mux;       /* @msg was sent through the fetch's mux */
  GInputStream      *stream;
  guint8            *buffer;
  HaulThumbnailer   *thumbnailer;
  HaulBody          *body;
  Partial            partial;

  guint              http_status;
  char              *final_url;
  char              *content_type;
  char              *extension;
  char              *content_disposition;
  char              *file_path;
  guint64            bytes;
  gint64             total;
  gint64             retry_after;
  gint64             last_progress;
  int                width;
  int                height;
  gboolean           animated;
  guint              frames;
  GdkPixbuf         *thumbnail;

  char              *etag;
  char              *last_modified;
  gboolean           resumable;     /* a cut may go on with a Range request */
  gboolean           chunked;       /* the framing must end with its last chunk */
  gboolean           body_ended;
  gboolean           appending;     /* to the partial body of an earlier try */
  gboolean           ask_again;     /* at once, without Range */
  char              *duplicate_of;  /* a file in the folder with the same content */

  /* A web page's body, held in memory, and what it gave. */
  gboolean           is_page;
  GByteArray        *page_body;
  HaulPage          *page;
  /* Probing: the answer is an image, left for a later fetch. */
  gboolean           is_probed_image;
  gboolean           too_small;
} Attempt;

/* haul-fetch-record.c: what the record knows of the folder */
HaulUpdate *haul_fetch_record_check_saved  (HaulFetch          *fetch);
void     haul_fetch_record_find_part       (HaulFetch          *fetch);
void     haul_fetch_record_part            (Attempt            *attempt);
void     haul_fetch_record_forget_part     (HaulFetch          *fetch);
gboolean haul_fetch_record_find_duplicate  (Attempt            *attempt);
void     haul_fetch_record_saved           (Attempt            *attempt);

void     haul_fetch_partial_clear          (Partial            *partial);
void     haul_fetch_keep_partial           (Attempt            *attempt);
void     haul_fetch_open_resume_part       (Attempt            *attempt);
void     haul_fetch_prepare_transfer       (Attempt            *attempt);
void     haul_fetch_read_transfer_headers  (Attempt            *attempt,
                                            SoupMessageHeaders *headers);
gboolean haul_fetch_continue_partial       (Attempt            *attempt,
                                            SoupMessageHeaders *headers,
                                            GError            **error);
gssize   haul_fetch_read_body              (Attempt            *attempt,
                                            guint8             *buffer,
                                            gsize               size,
                                            GError            **error);
void     haul_fetch_name_part_when_due     (Attempt            *attempt,
                                            gsize               written);

/* haul-fetch.c, for the other stages */
gssize   haul_fetch_read_next              (Attempt            *attempt,
                                            gboolean           *transient,
                                            GError            **error);
void     haul_fetch_attempt_init           (Attempt            *attempt,
                                            HaulFetch          *fetch,
                                            const char         *url,
                                            const char         *referer);
void     haul_fetch_attempt_finish         (Attempt            *attempt);
/* Asks for the attempt's URL, reads the first bytes of the answer into its
 * buffer and decides what it is: how many, or -1 with @error set. */
gssize   haul_fetch_attempt_open           (Attempt            *attempt,
                                            gboolean           *transient,
                                            GError            **error);
void     haul_fetch_attempt_progress       (Attempt            *attempt);
gboolean haul_fetch_attempt_truncated      (Attempt            *attempt,
                                            gboolean           *transient,
                                            GError            **error);

/* haul-fetch-page.c: a web page's body, the pages it leads to, previews */
gboolean haul_fetch_receive_page           (Attempt            *attempt,
                                            gssize              n,
                                            gboolean           *transient,
                                            GError            **error);

G_END_DECLS
