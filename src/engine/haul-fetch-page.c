/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-error.h"
#include "haul-fetch-private.h"
#include "haul-page.h"

/* The fetch's page stage: a web page's body is held in memory, capped, and
 * parsed in the worker, which also fetches the pages it leads to (rel="next",
 * image pages) and, for the window, the small previews pages show. Every
 * request goes through haul-fetch.c, under the same rules. */

/* A preview is a thumbnail the page shows: small, so capped low. */
#define PREVIEW_MAX_SIZE (8 * 1024 * 1024)

gboolean
haul_fetch_receive_page (Attempt   *attempt,
                         gssize     n,
                         gboolean  *transient,
                         GError   **error)
{
  HaulFetch *fetch = attempt->fetch;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *limit = g_format_size_full (HAUL_PAGE_MAX_SIZE, G_FORMAT_SIZE_IEC_UNITS);

  if (attempt->total > HAUL_PAGE_MAX_SIZE)
    goto too_large;

  attempt->page_body = g_byte_array_new ();
  for (; n > 0; n = haul_fetch_read_next (attempt, transient, error))
    {
      if (attempt->page_body->len + (gsize)n > HAUL_PAGE_MAX_SIZE)
        goto too_large;
      g_byte_array_append (attempt->page_body, attempt->buffer, n);
      attempt->bytes += n;
      haul_fetch_attempt_progress (attempt);
    }
  if (n < 0)
    return FALSE;

  if (attempt->total >= 0 && attempt->bytes < (guint64)attempt->total)
    return haul_fetch_attempt_truncated (attempt, transient, error);

  /* The pages it leads to are fetched next: nothing of this one's
   * connection is needed any more. */
  g_input_stream_close (attempt->stream, NULL, NULL);
  g_clear_object (&attempt->stream);

  body = g_byte_array_free_to_bytes (g_steal_pointer (&attempt->page_body));
  attempt->page = haul_page_read (fetch, body, attempt->final_url, error);
  return attempt->page != NULL;

too_large:
  g_set_error (error, HAUL_ERROR, HAUL_ERROR_TOO_LARGE,
               _("web page too large (over %s)"), limit);
  return FALSE;
}

GBytes *
haul_fetch_read_page (HaulFetch   *fetch,
                      const char  *url,
                      const char  *referer,
                      char       **final_url,
                      GError     **error)
{
  Attempt attempt;
  HaulFetch page_fetch = *fetch;
  gboolean transient = FALSE;
  GBytes *body = NULL;
  gssize n;

  /* Only a page: an image here is not what was asked for, and what this
   * page links to is not followed again. */
  page_fetch.probe = TRUE;
  page_fetch.allow_page = TRUE;
  page_fetch.max_pages = 1;
  page_fetch.follow = FALSE;

  haul_fetch_attempt_init (&attempt, &page_fetch, url, referer);

  n = haul_fetch_attempt_open (&attempt, &transient, error);
  if (n > 0 && attempt.is_probed_image)
    g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_FAILED, _("not a web page"));
  else if (n > 0)
    {
      attempt.page_body = g_byte_array_new ();
      for (; n > 0; n = haul_fetch_read_next (&attempt, &transient, error))
        {
          if (attempt.page_body->len + (gsize)n > HAUL_PAGE_MAX_SIZE)
            break;
          g_byte_array_append (attempt.page_body, attempt.buffer, n);
        }

      if (n == 0)
        {
          body = g_byte_array_free_to_bytes (g_steal_pointer (&attempt.page_body));
          *final_url = g_strdup (attempt.final_url);
        }
      else if (n > 0)
        g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_TOO_LARGE, _("web page too large"));
    }

  haul_fetch_attempt_finish (&attempt);

  return body;
}

GdkPixbuf *
haul_fetch_preview (SoupSession  *session,
                    const char   *url,
                    const char   *referer,
                    guint         size,
                    GCancellable *cancellable)
{
  g_autoptr(HaulFetch) fetch = haul_fetch_new (url, NULL, cancellable, NULL);
  g_autoptr(HaulThumbnailer) thumbnailer = NULL;
  Attempt attempt;
  gboolean transient = FALSE;
  GdkPixbuf *preview = NULL;
  guint64 total = 0;
  gssize n;

  fetch->session = g_object_ref (session);
  fetch->max_size = PREVIEW_MAX_SIZE;
  haul_fetch_attempt_init (&attempt, fetch, url, referer);

  n = haul_fetch_attempt_open (&attempt, &transient, NULL);
  if (n > 0)
    {
      thumbnailer = haul_thumbnailer_new (size, HAUL_THUMBNAILER_MAX_PIXELS);
      haul_thumbnailer_set_content_type (thumbnailer, attempt.content_type);
    }

  for (; n > 0 && total + n <= PREVIEW_MAX_SIZE;
       n = haul_fetch_read_next (&attempt, &transient, NULL))
    {
      total += n;
      if (!haul_thumbnailer_write (thumbnailer, attempt.buffer, n))
        break;
    }
  if (thumbnailer != NULL && n >= 0)
    preview = haul_thumbnailer_finish (thumbnailer, NULL, NULL);

  haul_fetch_attempt_finish (&attempt);

  return preview;
}
