/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "haul-error.h"
#include "haul-fetch.h"
#include "haul-html.h"
#include "haul-intake-private.h"
#include "haul-page.h"

/* A page: the images a person sees on it, at full size, from its HTML.
 * No script runs, so a gallery built by script gives what its HTML holds. */

/* Lazy-loading pages keep the real address in one of these. */
static const char * const lazy_srcsets[] = {
  "data-srcset", "data-lazy-srcset", "srcset",
};
static const char * const lazy_srcs[] = {
  "data-src", "data-original", "data-lazy-src", "data-lazy", "data-url",
  "data-full-src", "data-hi-res-src", "src",
};

/* Looking for the <img> inside a link stops after this many nodes. */
#define MAX_LINK_NODES 64

typedef struct
{
  HaulPage   *page;
  char       *base;
  GHashTable *seen;          /* image URLs */
  GHashTable *used_imgs;     /* xmlNode * of thumbnails a link stands for */
  double      main_area;
  gboolean    main_from_meta;
  guint       depth;         /* of <noscript> re-reading */
} Parse;

static void parse_document (Parse      *parse,
                            htmlDocPtr  doc);

static void
image_free (gpointer data)
{
  HaulPageImage *image = data;

  if (image == NULL)
    return;

  g_free (image->url);
  g_free (image->preview_url);
  g_free (image->page_url);
  g_free (image->image_page);
  g_free (image);
}

void
haul_page_free (HaulPage *page)
{
  if (page == NULL)
    return;

  g_free (page->url);
  g_free (page->title);
  g_clear_pointer (&page->images, g_ptr_array_unref);
  g_clear_pointer (&page->next, g_ptr_array_unref);
  g_free (page->main_image);
  g_free (page);
}

/**
 * haul_page_new:
 *
 * An empty page; the parser fills it, or the queue when it brings back a
 * page row from the record.
 */
HaulPage *
haul_page_new (const char *url)
{
  HaulPage *page = g_new0 (HaulPage, 1);

  page->url = g_strdup (url);
  page->images = g_ptr_array_new_with_free_func (image_free);
  page->next = g_ptr_array_new_with_free_func (g_free);
  page->n_pages = 1;

  return page;
}

void
haul_page_add_image (HaulPage   *page,
                     const char *url,
                     const char *preview_url,
                     const char *page_url)
{
  HaulPageImage *image = g_new0 (HaulPageImage, 1);

  image->url = g_strdup (url);
  image->preview_url = g_strdup (preview_url);
  image->page_url = g_strdup (page_url);
  g_ptr_array_add (page->images, image);
}

gboolean
haul_page_is_page_type (const char *content_type)
{
  return g_strcmp0 (content_type, "text/html") == 0 ||
         g_strcmp0 (content_type, "application/xhtml+xml") == 0;
}

/* An http(s) URL in the intake's normal form, or NULL: data:, javascript:
 * and every other scheme give nothing to fetch. */
static char *
resolve (const char *base,
         const char *href)
{
  g_autofree char *escaped = NULL;
  g_autofree char *resolved = NULL;

  if (href == NULL || href[0] == '\0' || strlen (href) > 8192)
    return NULL;

  escaped = haul_intake_escape_lone_percent (href);
  resolved = g_uri_resolve_relative (base, escaped, G_URI_FLAGS_ENCODED, NULL);
  if (resolved == NULL)
    return NULL;

  return haul_intake_normalize_url (resolved, NULL);
}

/* Favicons and touch icons are the site's, not the page's. */
static gboolean
is_icon (const char *url)
{
  g_autofree char *path = g_strdup (url);
  char *end = strpbrk (path, "?#");
  const char *name;

  if (end != NULL)
    *end = '\0';
  name = strrchr (path, '/');
  name = name != NULL ? name + 1 : path;

  return g_ascii_strncasecmp (name, "favicon", 7) == 0 ||
         g_ascii_strncasecmp (name, "apple-touch-icon", 16) == 0;
}

static HaulPageImage *
add_image (Parse      *parse,
           const char *href,
           const char *preview_href)
{
  g_autofree char *url = resolve (parse->base, href);
  HaulPageImage *image;

  if (url == NULL || is_icon (url) || strcmp (url, parse->page->url) == 0 ||
      parse->page->images->len >= HAUL_PAGE_MAX_CANDIDATES ||
      g_hash_table_contains (parse->seen, url))
    return NULL;

  image = g_new0 (HaulPageImage, 1);
  image->url = g_strdup (url);
  image->page_url = g_strdup (parse->page->url);
  if (preview_href != NULL)
    {
      image->preview_url = resolve (parse->base, preview_href);
      if (g_strcmp0 (image->preview_url, image->url) == 0)
        g_clear_pointer (&image->preview_url, g_free);
    }

  g_hash_table_add (parse->seen, g_steal_pointer (&url));
  g_ptr_array_add (parse->page->images, image);

  return image;
}

static gboolean
is_placeholder (const char *src)
{
  return src == NULL || src[0] == '\0' || g_ascii_strncasecmp (src, "data:", 5) == 0;
}

/* The best address of an <img>: the largest srcset candidate, else the
 * first lazy attribute, else src; never a data: placeholder. */
static char *
img_source (xmlNode *node)
{
  char *best = NULL;
  double width = 0;
  double density = 1;

  for (guint i = 0; i < G_N_ELEMENTS (lazy_srcsets); i++)
    {
      g_autofree char *srcset = haul_html_get_attribute (node, lazy_srcsets[i]);

      if (srcset != NULL)
        haul_html_srcset_pick (srcset, &best, &width, &density);
    }
  if (best != NULL && !is_placeholder (best))
    return best;
  g_clear_pointer (&best, g_free);

  for (guint i = 0; i < G_N_ELEMENTS (lazy_srcs); i++)
    {
      g_autofree char *src = haul_html_get_attribute (node, lazy_srcs[i]);

      if (!is_placeholder (src))
        return g_steal_pointer (&src);
    }

  return NULL;
}

static int
dimension (xmlNode    *node,
           const char *name)
{
  g_autofree char *value = haul_html_get_attribute (node, name);
  guint64 number;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, 100000, &number, NULL))
    return -1;

  return (int)number;
}

/* A 1×1 tracking pixel or spacer, as its own attributes say. */
static gboolean
is_spacer (xmlNode *node)
{
  int width = dimension (node, "width");
  int height = dimension (node, "height");

  return (width >= 0 && width <= 1) || (height >= 0 && height <= 1);
}

static gboolean
inside (xmlNode    *node,
        const char *name)
{
  node = node->parent;
  for (guint up = 0; node != NULL && up < HAUL_HTML_MAX_ANCESTORS; node = node->parent, up++)
    if (haul_html_is_element (node, name))
      return TRUE;

  return FALSE;
}

/* The first <img> inside @link, looking at a few nodes only. */
static xmlNode *
find_img (xmlNode *link)
{
  xmlNode *node = link->children;

  for (guint n = 0; node != NULL && n < MAX_LINK_NODES; n++)
    {
      xmlNode *up;

      if (haul_html_is_element (node, "img"))
        return node;

      if (node->children != NULL)
        {
          node = node->children;
          continue;
        }
      for (up = node; up != link && up->next == NULL; up = up->parent)
        ;
      node = up == link ? NULL : up->next;
    }

  return NULL;
}

static gboolean
same_site (const char *a,
           const char *b)
{
  g_autoptr(GUri) ua = g_uri_parse (a, SOUP_HTTP_URI_FLAGS, NULL);
  g_autoptr(GUri) ub = g_uri_parse (b, SOUP_HTTP_URI_FLAGS, NULL);
  const char *ha;
  const char *hb;
  const char *da;
  const char *db;

  if (ua == NULL || ub == NULL)
    return FALSE;
  ha = g_uri_get_host (ua);
  hb = g_uri_get_host (ub);
  if (ha == NULL || hb == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (ha, hb) == 0)
    return TRUE;

  /* www.example.com and images.example.com: one registrable domain. An
   * address or an unknown suffix has none, and only the same host counts. */
  da = soup_tld_get_base_domain (ha, NULL);
  db = soup_tld_get_base_domain (hb, NULL);

  return da != NULL && db != NULL && g_ascii_strcasecmp (da, db) == 0;
}

static gboolean
has_rel (xmlNode    *node,
         const char *wanted)
{
  g_autofree char *rel = haul_html_get_attribute (node, "rel");
  g_auto(GStrv) words = NULL;

  if (rel == NULL)
    return FALSE;

  words = g_strsplit_set (rel, " \t\n\r\f", -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (g_ascii_strcasecmp (words[i], wanted) == 0)
      return TRUE;

  return FALSE;
}

static void
add_next (Parse   *parse,
          xmlNode *node)
{
  g_autofree char *href = haul_html_get_attribute (node, "href");
  g_autofree char *url = resolve (parse->base, href);

  if (url != NULL && strcmp (url, parse->page->url) != 0 && parse->page->next->len < 16)
    g_ptr_array_add (parse->page->next, g_steal_pointer (&url));
}

static void
set_main_image (Parse      *parse,
                const char *href,
                double      area,
                gboolean    from_meta)
{
  g_autofree char *url = NULL;

  if (parse->main_from_meta || (!from_meta && parse->page->main_image != NULL &&
                                area <= parse->main_area))
    return;

  url = resolve (parse->base, href);
  if (url == NULL || is_icon (url))
    return;

  g_free (parse->page->main_image);
  parse->page->main_image = g_steal_pointer (&url);
  parse->main_area = area;
  parse->main_from_meta = from_meta;
}

static void
handle_link (Parse   *parse,
             xmlNode *node)
{
  g_autofree char *href = haul_html_get_attribute (node, "href");
  g_autofree char *url = NULL;
  g_autofree char *thumbnail = NULL;
  xmlNode *img;

  if (has_rel (node, "next"))
    add_next (parse, node);

  if (href == NULL)
    return;

  img = find_img (node);
  if (img != NULL)
    thumbnail = img_source (img);

  /* Full size first: a link to an image file is the image, the <img>
   * inside it its thumbnail. */
  if (haul_intake_points_at_image (href))
    {
      if (img != NULL)
        g_hash_table_add (parse->used_imgs, img);
      add_image (parse, href, thumbnail);
      return;
    }

  /* A thumbnail that opens a viewer page on the same site: the thumbnail
   * stands in for its image unless that page is followed. */
  if (img == NULL || thumbnail == NULL)
    return;
  url = resolve (parse->base, href);
  if (url != NULL && strcmp (url, parse->page->url) != 0 && same_site (url, parse->page->url))
    {
      HaulPageImage *image = add_image (parse, thumbnail, NULL);

      g_hash_table_add (parse->used_imgs, img);
      if (image != NULL)
        image->image_page = g_steal_pointer (&url);
    }
}

static void
handle_img (Parse   *parse,
            xmlNode *node)
{
  g_autofree char *src = NULL;
  int width, height;

  if (g_hash_table_contains (parse->used_imgs, node) || inside (node, "picture") ||
      is_spacer (node))
    return;

  src = img_source (node);
  if (src == NULL)
    return;

  width = dimension (node, "width");
  height = dimension (node, "height");
  if (width > 0 && height > 0)
    set_main_image (parse, src, (double)width * height, FALSE);
  else if (parse->page->main_image == NULL)
    set_main_image (parse, src, 0, FALSE);

  add_image (parse, src, NULL);
}

/* libxml2 does not know <source> is empty and may nest what follows
 * inside it: look through the whole <picture>. */
static void
handle_picture (Parse   *parse,
                xmlNode *picture)
{
  g_autofree char *img_src = NULL;
  char *best = NULL;
  double width = 0;
  double density = 1;
  xmlNode *img = NULL;
  guint n = 0;

  for (xmlNode *node = picture->children; node != NULL && n < 4 * MAX_LINK_NODES; n++)
    {
      xmlNode *up;

      if (haul_html_is_element (node, "source"))
        {
          for (guint i = 0; i < G_N_ELEMENTS (lazy_srcsets); i++)
            {
              g_autofree char *srcset = haul_html_get_attribute (node, lazy_srcsets[i]);

              if (srcset != NULL)
                haul_html_srcset_pick (srcset, &best, &width, &density);
            }
        }
      else if (haul_html_is_element (node, "img") && img == NULL)
        img = node;

      if (node->children != NULL)
        {
          node = node->children;
          continue;
        }
      for (up = node; up != picture && up->next == NULL; up = up->parent)
        ;
      node = up == picture ? NULL : up->next;
    }

  if (img != NULL)
    {
      img_src = img_source (img);
      if (g_hash_table_contains (parse->used_imgs, img))
        {
          g_free (best);
          return;
        }
    }
  if (best != NULL && is_placeholder (best))
    g_clear_pointer (&best, g_free);

  add_image (parse, best != NULL ? best : img_src, NULL);
  g_free (best);
}

/* url(…) in an inline style's background. */
static void
handle_style (Parse      *parse,
              const char *style)
{
  const char *p = style;
  guint n = 0;

  if (strstr (style, "background") == NULL)
    return;

  while ((p = strstr (p, "url(")) != NULL && n++ < 16)
    {
      const char *start = p + 4;
      const char *end;
      g_autofree char *value = NULL;

      while (g_ascii_isspace (*start))
        start++;
      if (*start == '"' || *start == '\'')
        {
          end = strchr (start + 1, *start);
          start++;
        }
      else
        end = strchr (start, ')');
      if (end == NULL)
        return;

      value = g_strstrip (g_strndup (start, end - start));
      add_image (parse, value, NULL);
      p = end;
    }
}

static void
handle_title (Parse   *parse,
              xmlNode *node)
{
  xmlChar *content;
  g_autofree char *valid = NULL;
  GString *title;

  if (parse->page->title != NULL || inside (node, "svg"))
    return;

  content = xmlNodeGetContent (node);
  if (content == NULL)
    return;
  valid = g_utf8_make_valid ((const char *)content, -1);
  xmlFree (content);

  /* One line, short and printable: it goes to a terminal and a row. */
  title = g_string_new (NULL);
  for (const char *p = valid; *p != '\0' && title->len < HAUL_PAGE_MAX_TITLE; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          if (title->len > 0 && title->str[title->len - 1] != ' ')
            g_string_append_c (title, ' ');
        }
      else
        g_string_append_unichar (title, c);
    }
  if (title->len > 0 && title->str[title->len - 1] == ' ')
    g_string_truncate (title, title->len - 1);

  if (title->len > 0)
    parse->page->title = g_string_free (title, FALSE);
  else
    g_string_free (title, TRUE);
}

static gboolean
is_image_meta (const char *property)
{
  return property != NULL &&
         (g_ascii_strcasecmp (property, "og:image") == 0 ||
          g_ascii_strcasecmp (property, "og:image:url") == 0 ||
          g_ascii_strcasecmp (property, "og:image:secure_url") == 0 ||
          g_ascii_strcasecmp (property, "twitter:image") == 0 ||
          g_ascii_strcasecmp (property, "twitter:image:src") == 0);
}

/* libxml2 may keep what a <noscript> holds as text: read it as HTML. */
static void
handle_noscript (Parse   *parse,
                 xmlNode *node)
{
  xmlChar *content;
  htmlDocPtr doc;

  if (parse->depth > 0 || node->children == NULL || node->children->type != XML_TEXT_NODE)
    return;

  content = xmlNodeGetContent (node);
  if (content == NULL)
    return;

  doc = haul_html_read ((const char *)content, strlen ((const char *)content));
  xmlFree (content);
  if (doc == NULL)
    return;

  parse->depth++;
  parse_document (parse, doc);
  parse->depth--;
  xmlFreeDoc (doc);
}

static void
handle_element (Parse   *parse,
                xmlNode *node)
{
  if (haul_html_is_element (node, "img"))
    handle_img (parse, node);
  else if (haul_html_is_element (node, "a"))
    handle_link (parse, node);
  else if (haul_html_is_element (node, "picture"))
    handle_picture (parse, node);
  else if (haul_html_is_element (node, "noscript"))
    handle_noscript (parse, node);
  else if (haul_html_is_element (node, "title"))
    handle_title (parse, node);
  else if (haul_html_is_element (node, "meta"))
    {
      g_autofree char *property = haul_html_get_attribute (node, "property");
      g_autofree char *name = haul_html_get_attribute (node, "name");

      if (is_image_meta (property) || is_image_meta (name))
        {
          g_autofree char *content = haul_html_get_attribute (node, "content");

          set_main_image (parse, content, 0, TRUE);
          add_image (parse, content, NULL);
        }
    }
  else if (haul_html_is_element (node, "link"))
    {
      if (has_rel (node, "next"))
        add_next (parse, node);
      else if (has_rel (node, "image_src"))
        {
          g_autofree char *href = haul_html_get_attribute (node, "href");
          add_image (parse, href, NULL);
        }
    }

  if (node->properties != NULL)
    {
      g_autofree char *style = haul_html_get_attribute (node, "style");

      if (style != NULL)
        handle_style (parse, style);
    }
}

static void
parse_document (Parse      *parse,
                htmlDocPtr  doc)
{
  for (xmlNode *node = xmlDocGetRootElement (doc); node != NULL;
       node = haul_html_next_node (node, TRUE))
    if (node->type == XML_ELEMENT_NODE)
      handle_element (parse, node);
}

/* The page's base: its <base href> when that is http(s), else its URL. */
static char *
find_base (htmlDocPtr  doc,
           const char *url)
{
  for (xmlNode *node = xmlDocGetRootElement (doc); node != NULL;
       node = haul_html_next_node (node, TRUE))
    {
      if (haul_html_is_element (node, "body"))
        break;
      if (haul_html_is_element (node, "base"))
        {
          g_autofree char *href = haul_html_get_attribute (node, "href");
          char *base = resolve (url, href);

          if (base != NULL)
            return base;
        }
    }

  return g_strdup (url);
}

HaulPage *
haul_page_parse (const char *html,
                 gsize       length,
                 const char *url)
{
  Parse parse = { 0 };
  htmlDocPtr doc;

  parse.page = haul_page_new (url);
  doc = haul_html_read (html, length);
  if (doc == NULL)
    return parse.page;

  parse.base = find_base (doc, url);
  parse.seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  parse.used_imgs = g_hash_table_new (NULL, NULL);

  parse_document (&parse, doc);

  g_hash_table_unref (parse.seen);
  g_hash_table_unref (parse.used_imgs);
  g_free (parse.base);
  xmlFreeDoc (doc);

  return parse.page;
}

/* Moves the images of @from that @into does not have yet. */
static void
merge_images (HaulPage   *into,
              HaulPage   *from,
              GHashTable *seen)
{
  for (guint i = 0; i < from->images->len; i++)
    {
      HaulPageImage *image = g_ptr_array_index (from->images, i);

      if (into->images->len >= HAUL_PAGE_MAX_CANDIDATES)
        break;
      if (!g_hash_table_add (seen, g_strdup (image->url)))
        continue;

      g_ptr_array_add (into->images, image);
      from->images->pdata[i] = NULL;
    }
}

static HaulPage *
read_other_page (HaulFetch  *fetch,
                 const char *url,
                 const char *referer)
{
  g_autoptr(GBytes) body = NULL;
  g_autofree char *final_url = NULL;

  body = haul_fetch_read_page (fetch, url, referer, &final_url, NULL);
  if (body == NULL)
    return NULL;

  return haul_page_parse (g_bytes_get_data (body, NULL), g_bytes_get_size (body), final_url);
}

/* An image page (a gallery's viewer) gives its main image instead of the
 * thumbnail that linked to it. */
static void
follow_image_pages (HaulFetch *fetch,
                    HaulPage  *page)
{
  guint followed = 0;

  for (guint i = 0; i < page->images->len && followed < HAUL_PAGE_MAX_IMAGE_PAGES; i++)
    {
      HaulPageImage *image = g_ptr_array_index (page->images, i);
      g_autoptr(HaulPage) viewer = NULL;

      if (image->image_page == NULL)
        continue;
      if (g_cancellable_is_cancelled (fetch->cancellable))
        return;

      followed++;
      viewer = read_other_page (fetch, image->image_page, image->page_url);
      if (viewer == NULL || viewer->main_image == NULL)
        continue;

      g_free (image->preview_url);
      image->preview_url = g_steal_pointer (&image->url);
      image->url = g_steal_pointer (&viewer->main_image);
      g_free (image->page_url);
      image->page_url = g_strdup (viewer->url);
    }
}

/* Followed pages may give an image twice: keep its first place. */
static void
dedupe (HaulPage *page)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *kept = g_ptr_array_new_with_free_func (image_free);

  for (guint i = 0; i < page->images->len; i++)
    {
      HaulPageImage *image = g_ptr_array_index (page->images, i);

      if (!g_hash_table_add (seen, image->url))
        continue;
      g_ptr_array_add (kept, image);
      page->images->pdata[i] = NULL;
    }

  g_ptr_array_unref (page->images);
  page->images = kept;
}

HaulPage *
haul_page_read (HaulFetch   *fetch,
                GBytes      *html,
                const char  *url,
                GError     **error)
{
  g_autoptr(HaulPage) page = NULL;
  g_autoptr(GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *current_url = NULL;
  g_autoptr(GPtrArray) next = NULL;

  page = haul_page_parse (g_bytes_get_data (html, NULL), g_bytes_get_size (html), url);
  g_hash_table_add (visited, g_strdup (url));
  g_hash_table_add (visited, g_strdup (fetch->url));
  for (guint i = 0; i < page->images->len; i++)
    g_hash_table_add (seen, g_strdup (((HaulPageImage *)page->images->pdata[i])->url));

  /* rel="next", up to max_pages pages in all. */
  current_url = g_strdup (url);
  next = g_ptr_array_ref (page->next);
  while (page->n_pages < MAX (fetch->max_pages, 1u) &&
         !g_cancellable_is_cancelled (fetch->cancellable))
    {
      g_autoptr(HaulPage) other = NULL;
      const char *target = NULL;

      for (guint i = 0; i < next->len && target == NULL; i++)
        if (!g_hash_table_contains (visited, next->pdata[i]))
          target = next->pdata[i];
      if (target == NULL)
        break;

      g_hash_table_add (visited, g_strdup (target));
      other = read_other_page (fetch, target, current_url);
      if (other == NULL)
        break;

      g_hash_table_add (visited, g_strdup (other->url));
      page->n_pages++;
      merge_images (page, other, seen);
      g_free (current_url);
      current_url = g_strdup (other->url);
      g_ptr_array_unref (next);
      next = g_ptr_array_ref (other->next);
    }

  if (fetch->follow)
    follow_image_pages (fetch, page);
  dedupe (page);

  if (g_cancellable_set_error_if_cancelled (fetch->cancellable, error))
    return NULL;

  if (page->images->len == 0)
    {
      g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_NO_IMAGES,
                           _("no images found on the page"));
      return NULL;
    }

  return g_steal_pointer (&page);
}
