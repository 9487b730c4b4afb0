/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-html.h"
#include "haul-intake-private.h"

/* HTML: a saved page, or a fragment from the clipboard or a drop. */

static const char * const image_extensions[] = {
  "apng", "avif", "bmp", "gif", "heic", "heif", "ico", "jfif", "jpe", "jpeg",
  "jpg", "jxl", "pjpeg", "pjp", "png", "svg", "tif", "tiff", "webp",
};

gboolean
haul_intake_points_at_image (const char *href)
{
  g_autofree char *path = g_strdup (href);
  const char *slash;
  const char *dot;
  char *end;

  end = strpbrk (path, "?#");
  if (end != NULL)
    *end = '\0';

  slash = strrchr (path, '/');
  dot = strrchr (slash != NULL ? slash : path, '.');
  if (dot == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (image_extensions); i++)
    if (g_ascii_strcasecmp (dot + 1, image_extensions[i]) == 0)
      return TRUE;

  return FALSE;
}

gboolean
haul_html_is_element (xmlNode    *node,
                      const char *name)
{
  return node->type == XML_ELEMENT_NODE &&
         g_ascii_strcasecmp ((const char *)node->name, name) == 0;
}

char *
haul_html_get_attribute (xmlNode    *node,
                         const char *name)
{
  xmlChar *value = xmlGetProp (node, (const xmlChar *)name);
  char *copy;

  if (value == NULL)
    return NULL;

  copy = g_strdup ((const char *)value);
  xmlFree (value);
  g_strstrip (copy);

  return copy;
}

static guint
line_of (xmlNode *node)
{
  long line = xmlGetLineNo (node);

  return line > 0 ? (guint)line : 0;
}

typedef struct
{
  char   *url;
  double  width;    /* from a “w” descriptor, 0 when none */
  double  density;  /* from an “x” descriptor, 1 by default */
} SrcsetBest;

static void srcset_pick (const char *srcset,
                         SrcsetBest *best);

void
haul_html_srcset_pick (const char  *srcset,
                       char       **url,
                       double      *width,
                       double      *density)
{
  SrcsetBest best = { *url, *width, *density };

  srcset_pick (srcset, &best);
  *url = best.url;
  *width = best.width;
  *density = best.density;
}

/* Picks the largest candidate of a srcset into @best: by width when
 * candidates give one, else by pixel density. */
static void
srcset_pick (const char *srcset,
             SrcsetBest *best)
{
  const char *p = srcset;

  while (*p != '\0')
    {
      const char *url_start;
      gsize url_len;
      double width = 0;
      double density = 1;
      gboolean better;

      while (*p == ',' || g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        break;

      url_start = p;
      while (*p != '\0' && !g_ascii_isspace (*p))
        p++;
      url_len = p - url_start;

      if (url_len > 0 && url_start[url_len - 1] == ',')
        {
          while (url_len > 0 && url_start[url_len - 1] == ',')
            url_len--;
        }
      else
        {
          const char *desc_start;
          g_autofree char *descriptors = NULL;
          g_auto(GStrv) words = NULL;
          guint depth = 0;

          while (g_ascii_isspace (*p))
            p++;
          desc_start = p;
          while (*p != '\0' && (*p != ',' || depth > 0))
            {
              if (*p == '(')
                depth++;
              else if (*p == ')' && depth > 0)
                depth--;
              p++;
            }

          descriptors = g_strndup (desc_start, p - desc_start);
          words = g_strsplit_set (descriptors, " \t\n\r\f", -1);
          for (guint i = 0; words[i] != NULL; i++)
            {
              gsize len = strlen (words[i]);
              char *end = NULL;
              double value;

              /* A number as HTML writes it: no “inf”, “nan” or sign. */
              if (len < 2 || !(g_ascii_isdigit (words[i][0]) || words[i][0] == '.'))
                continue;

              value = g_ascii_strtod (words[i], &end);
              if (end != words[i] + len - 1 || !(value > 0))
                continue;

              /* Too large to count, as “99999999999999999999w”: the
               * largest there is, never one to pass over. */
              if (value > 1e9)
                value = G_MAXDOUBLE;

              if (words[i][len - 1] == 'w')
                width = value;
              else if (words[i][len - 1] == 'x')
                density = value;
            }
        }

      if (url_len == 0)
        continue;

      if (best->url == NULL)
        better = TRUE;
      else if (width > 0 || best->width > 0)
        better = width > best->width;
      else
        better = density > best->density;

      if (better)
        {
          g_free (best->url);
          best->url = g_strndup (url_start, url_len);
          best->width = width;
          best->density = density;
        }
    }
}

static void
add_url (HaulIntakeInput *input,
         const char      *url,
         xmlNode         *node)
{
  if (url != NULL && url[0] != '\0')
    haul_intake_input_add_candidate (input, url, -1, line_of (node),
                                     HAUL_INTAKE_CANDIDATE_RELATIVE);
}

/* The best image of an <img>: the largest srcset candidate, else src.
 * Lazy-loading pages keep the real address in data-src. */
static void
collect_img (xmlNode    *node,
             SrcsetBest *best)
{
  static const char * const srcsets[] = { "srcset", "data-srcset" };
  static const char * const srcs[] = { "src", "data-src" };

  for (guint i = 0; i < G_N_ELEMENTS (srcsets); i++)
    {
      g_autofree char *srcset = haul_html_get_attribute (node, srcsets[i]);

      if (srcset != NULL)
        srcset_pick (srcset, best);
    }

  if (best->url != NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (srcs); i++)
    {
      g_autofree char *src = haul_html_get_attribute (node, srcs[i]);

      if (src != NULL && src[0] != '\0')
        {
          best->url = g_steal_pointer (&src);
          return;
        }
    }
}

/* libxml2's HTML parser does not know <source> is empty and may nest what
 * follows inside it: look through the whole <picture>. */
static void
collect_picture (xmlNode    *picture,
                 SrcsetBest *best,
                 xmlNode   **img)
{
  for (xmlNode *node = picture->children; node != NULL && node != picture->next; )
    {
      xmlNode *up;

      if (haul_html_is_element (node, "source"))
        {
          g_autofree char *srcset = haul_html_get_attribute (node, "srcset");

          if (srcset != NULL)
            srcset_pick (srcset, best);
        }
      else if (haul_html_is_element (node, "img") && *img == NULL)
        *img = node;

      if (node->children != NULL)
        {
          node = node->children;
          continue;
        }

      for (up = node; up != picture && up->next == NULL; up = up->parent)
        ;
      node = up == picture ? NULL : up->next;
    }
}

static gboolean
inside_picture (xmlNode *node)
{
  /* Bounded: deep nesting must not make every <img> cost its depth. */
  node = node->parent;
  for (guint up = 0; node != NULL && up < HAUL_HTML_MAX_ANCESTORS; node = node->parent, up++)
    if (haul_html_is_element (node, "picture"))
      return TRUE;

  return FALSE;
}

static gboolean
is_og_image (const char *property)
{
  return property != NULL &&
         (g_ascii_strcasecmp (property, "og:image") == 0 ||
          g_ascii_strcasecmp (property, "og:image:url") == 0 ||
          g_ascii_strcasecmp (property, "og:image:secure_url") == 0 ||
          g_ascii_strcasecmp (property, "twitter:image") == 0);
}

/* Depth-first order without recursion: pages can nest deeper than the
 * stack would like. */
xmlNode *
haul_html_next_node (xmlNode  *node,
                     gboolean  descend)
{
  if (descend && node->children != NULL)
    return node->children;

  while (node != NULL && node->next == NULL)
    node = node->parent;

  return node != NULL ? node->next : NULL;
}

static void
handle_element (HaulIntakeInput *input,
                xmlNode         *node)
{
  if (haul_html_is_element (node, "img"))
    {
      SrcsetBest best = { NULL, 0, 1 };

      /* The <img> of a <picture> is its fallback, counted with it. */
      if (inside_picture (node))
        return;

      collect_img (node, &best);
      add_url (input, best.url, node);
      g_free (best.url);
    }
  else if (haul_html_is_element (node, "picture"))
    {
      SrcsetBest best = { NULL, 0, 1 };
      xmlNode *img = NULL;

      collect_picture (node, &best, &img);
      if (img != NULL)
        collect_img (img, &best);
      add_url (input, best.url, img != NULL ? img : node);
      g_free (best.url);
    }
  else if (haul_html_is_element (node, "a"))
    {
      g_autofree char *href = haul_html_get_attribute (node, "href");

      if (href != NULL && haul_intake_points_at_image (href))
        add_url (input, href, node);
    }
  else if (haul_html_is_element (node, "meta"))
    {
      g_autofree char *property = haul_html_get_attribute (node, "property");
      g_autofree char *name = haul_html_get_attribute (node, "name");

      if (is_og_image (property) || is_og_image (name))
        {
          g_autofree char *content = haul_html_get_attribute (node, "content");
          add_url (input, content, node);
        }
    }
}

void
haul_intake_parse_html (HaulIntakeInput *input,
                        const char      *text,
                        gsize            length)
{
  htmlDocPtr doc;
  xmlNode *base;

  doc = haul_html_read (text, length);
  if (doc == NULL)
    return;

  for (base = xmlDocGetRootElement (doc); base != NULL; base = haul_html_next_node (base, TRUE))
    if (haul_html_is_element (base, "base") && xmlHasProp (base, (const xmlChar *)"href"))
      break;

  if (base != NULL)
    {
      g_autofree char *written = haul_html_get_attribute (base, "href");
      g_autofree char *href = haul_intake_escape_lone_percent (written);
      g_autofree char *resolved = NULL;
      g_autofree char *normal = NULL;

      if (input->base_url != NULL)
        resolved = g_uri_resolve_relative (input->base_url, href, G_URI_FLAGS_ENCODED, NULL);
      else if (g_uri_is_valid (href, G_URI_FLAGS_ENCODED, NULL))
        resolved = g_strdup (href);

      /* Only an http(s) base can give fetchable URLs: with any other, as
       * in <base href="javascript:…">, the page's own URL still counts. */
      normal = resolved != NULL ? haul_intake_normalize_url (resolved, NULL) : NULL;
      if (normal != NULL)
        {
          g_free (input->base_url);
          input->base_url = g_steal_pointer (&normal);
        }
    }

  for (xmlNode *node = xmlDocGetRootElement (doc); node != NULL; node = haul_html_next_node (node, TRUE))
    if (node->type == XML_ELEMENT_NODE)
      handle_element (input, node);

  xmlFreeDoc (doc);
}

GString *
haul_html_bound_tags (const char *text,
                      gsize       length)
{
  GString *out = NULL;
  const char *end = text + length;
  const char *copied = text;
  const char *p = text;

  while ((p = memchr (p, '<', end - p)) != NULL)
    {
      guint n_attributes = 0;

      p++;
      if (end - p >= 3 && memcmp (p, "!--", 3) == 0)
        {
          const char *close = g_strstr_len (p + 3, end - p - 3, "-->");

          if (close == NULL)
            break;
          p = close + 3;
          continue;
        }
      if (p >= end || !g_ascii_isalpha (*p))
        continue;

      /* The tag's name, then its attributes as the HTML tokenizer sees
       * them: a name, maybe “=” and a quoted or bare value. */
      while (p < end && !g_ascii_isspace (*p) && *p != '/' && *p != '>')
        p++;

      while (p < end && *p != '>')
        {
          const char *start;

          if (g_ascii_isspace (*p) || *p == '/')
            {
              p++;
              continue;
            }

          start = p;
          p++;
          while (p < end && !g_ascii_isspace (*p) && *p != '/' && *p != '=' && *p != '>')
            p++;
          while (p < end && g_ascii_isspace (*p))
            p++;
          if (p < end && *p == '=')
            {
              p++;
              while (p < end && g_ascii_isspace (*p))
                p++;
              if (p < end && (*p == '"' || *p == '\''))
                {
                  const char *close = memchr (p + 1, *p, end - p - 1);

                  p = close != NULL ? close + 1 : end;
                }
              else
                while (p < end && !g_ascii_isspace (*p) && *p != '>')
                  p++;
            }

          if (++n_attributes == HAUL_HTML_MAX_ATTRIBUTES + 1)
            {
              /* The rest of the tag goes. */
              if (out == NULL)
                out = g_string_sized_new (length);
              g_string_append_len (out, copied, start - copied);
              while (p < end && *p != '>')
                p++;
              copied = p;
              break;
            }
        }
    }

  if (out != NULL)
    g_string_append_len (out, copied, end - copied);

  return out;
}

htmlDocPtr
haul_html_read (const char *text,
                gsize       length)
{
  g_autoptr(GString) bounded = haul_html_bound_tags (text, length);
  int size;

  if (bounded != NULL)
    {
      text = bounded->str;
      length = bounded->len;
    }
  size = (int)MIN (length, (gsize)G_MAXINT);

  /* Valid UTF-8 is read as such; anything else as its <meta charset> says.
   * No network, and entities are not expanded (no HTML_PARSE_NOENT). */
  return htmlReadMemory (text, size, NULL,
                         g_utf8_validate (text, size, NULL) ? "UTF-8" : NULL,
                         HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                         HTML_PARSE_NOWARNING | HTML_PARSE_RECOVER);
}
