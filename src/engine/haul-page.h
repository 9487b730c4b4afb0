/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "haul-types.h"

G_BEGIN_DECLS

/* A page is read whole into memory, so it is capped. */
#define HAUL_PAGE_MAX_SIZE        (16 * 1024 * 1024)
#define HAUL_PAGE_MAX_CANDIDATES  10000
#define HAUL_PAGE_MAX_IMAGE_PAGES 1000
#define HAUL_PAGE_MAX_TITLE       200

typedef struct
{
  char *url;            /* the full-size image */
  char *preview_url;    /* the page's own thumbnail for it, or NULL */
  char *page_url;       /* the page it was found on: its Referer */
  char *image_page;     /* a viewer page on the same site it links to, or NULL */
} HaulPageImage;

/* What a web page gives, made in a worker and read-only afterwards. */
struct _HaulPage
{
  char      *url;          /* the page's final URL */
  char      *title;        /* or NULL */
  GPtrArray *images;       /* HaulPageImage *, each URL once, in page order */
  GPtrArray *next;         /* char *: rel="next" pages */
  char      *main_image;   /* og:image, else the largest declared image */
  guint      n_pages;      /* pages read, pagination included */
};

HaulPage *haul_page_new          (const char  *url);
void      haul_page_add_image    (HaulPage    *page,
                                  const char  *url,
                                  const char  *preview_url,
                                  const char  *page_url);

/* Whether @content_type is a web page Haul reads. */
gboolean  haul_page_is_page_type (const char  *content_type);

/* Parses one page's HTML, found at @url, into candidates. */
HaulPage *haul_page_parse        (const char  *html,
                                  gsize        length,
                                  const char  *url);
/* Runs in a worker: parses the page the fetch got, follows rel="next" up
 * to the fetch's max_pages and, when it follows image pages, takes each
 * one's main image. Fails when no image is found. */
HaulPage *haul_page_read         (HaulFetch   *fetch,
                                  GBytes      *html,
                                  const char  *url,
                                  GError     **error);
void      haul_page_free         (HaulPage    *page);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulPage, haul_page_free)

G_END_DECLS
