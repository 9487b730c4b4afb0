/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "haul-mux.h"
#include "haul-politeness.h"
#include "haul-request.h"
#include "haul-update.h"

G_BEGIN_DECLS

#define HAUL_FETCH_MAX_REDIRECTS 10

typedef void (*HaulFetchPostFunc) (HaulUpdate *update,
                                   gpointer    user_data);

/* One item's fetch. The fields are written on the main context before the
 * fetch is queued and only read by the worker afterwards, except @session
 * and @mux, which the worker sets when it starts. The fetch travels back
 * to the main context with its last update and is freed there, so the
 * session and the cancellable are released where they were made. */
struct _HaulFetch
{
  char         *url;
  char         *folder;
  GCancellable *cancellable;
  SoupSession  *session;
  HaulMux      *mux;           /* nullable: HTTPS goes through it, set with @session */
  guint64       max_size;
  guint         retries;
  guint         thumbnail_size;
  gboolean      accept_any_type;
  gboolean      server_time;   /* the file's mtime from Last-Modified; default TRUE */
  gboolean      skip_saved;
  gboolean      keep_duplicates;
  HaulRecord   *record;        /* nullable */
  gpointer      item;          /* the downloader's, opaque here */

  /* How requests are built and paced: see haul-request.h and
   * haul-politeness.h. Either may be NULL. */
  HaulRequest       *request;
  HaulPoliteness    *politeness;     /* the downloader's, outlives the fetch */
  char              *host;           /* the politeness key of @url */
  char              *referer;        /* the page an image was found on, or --referer */
  HaulRefererPolicy  referer_policy;
  gboolean           referer_fell_back;
  gboolean           has_turn;       /* the first request's start is taken */
  guint              host_waits;     /* times its host asked it to wait */
  /* Resuming across runs; all unset by default, which leaves no partial
   * file behind whatever happens. */
  char         *resume_part;   /* a ".haul-*.part" in @folder to continue, */
  char         *resume_etag;   /* with the validators its bytes came with */
  char         *resume_last_modified;
  guint64       name_part_after; /* received bytes after which a body gets a
                                  * ".part" name, posted in a PROGRESS
                                  * update's part_name; 0 for never */
  gboolean      keep_part;     /* a cancelled transfer leaves its named
                                * part, in FINISHED's part_name */
  gboolean      part_recorded; /* the worker's: the record lists a part */

  /* Pages (haul-page.h): a web page answer is read for its images. */
  gboolean      allow_page;
  gboolean      probe;         /* an image answer stops at once, as QUEUED */
  gboolean      follow;        /* image pages give their main image */
  guint         max_pages;     /* rel="next" pages, this one included */
  /* An image narrower or shorter than this is skipped from its header. */
  guint         min_width;
  guint         min_height;
};

HaulFetch *haul_fetch_new  (const char        *url,
                            const char        *folder,
                            GCancellable      *cancellable,
                            gpointer           item);
void       haul_fetch_free (HaulFetch         *fetch);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulFetch, haul_fetch_free)

/* Runs in a worker thread: fetches with retries, posting a STARTED update,
 * then RESPONSE and PROGRESS ones, and always exactly one FINISHED last.
 * Returns FALSE, having posted no FINISHED, when its host asked for a
 * pause: the fetch is then queued again, and run again later. */
gboolean   haul_fetch_run  (HaulFetch         *fetch,
                            HaulFetchPostFunc  post,
                            gpointer           user_data);

/* Runs in a worker, inside haul_fetch_run(): fetches another web page
 * with the same session, rules and cancellable, into memory. */
GBytes    *haul_fetch_read_page (HaulFetch   *fetch,
                                 const char  *url,
                                 const char  *referer,
                                 char       **final_url,
                                 GError     **error);

/* Runs in a worker: fetches a small image (a page's thumbnail) with the
 * same rules, into memory, and returns it scaled to @size, or NULL. */
GdkPixbuf *haul_fetch_preview   (SoupSession  *session,
                                 const char   *url,
                                 const char   *referer,
                                 guint         size,
                                 GCancellable *cancellable);

/* Exposed for the tests: how long to wait before retry number @attempt
 * (0-based), in microseconds, given a Retry-After delay or -1. */
gint64     haul_fetch_backoff      (guint        attempt,
                                    gint64       retry_after);
/* A Retry-After value (seconds or an HTTP date) in microseconds from
 * @now_utc (seconds since the epoch), or -1 when absent or unusable. */
gint64     haul_fetch_parse_retry_after (const char *value,
                                         gint64      now_utc);

G_END_DECLS
