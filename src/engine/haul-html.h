/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* A tag keeps at most this many attributes: libxml2 checks each new one
 * against all before it, so a million of them cost minutes. */
#define HAUL_HTML_MAX_ATTRIBUTES 256
/* A walk up from a node looks at most this many ancestors. */
#define HAUL_HTML_MAX_ANCESTORS  64

/* The HTML reading that the intake (saved pages, drops, pastes) and page
 * extraction share: libxml2's HTML parser without network or entity
 * expansion, after tags with absurdly many attributes were cut short. */
htmlDocPtr  haul_html_read           (const char  *text,
                                      gsize        length);
/* @text with every tag cut to HAUL_HTML_MAX_ATTRIBUTES attributes, or
 * NULL when no tag has more. */
GString    *haul_html_bound_tags     (const char  *text,
                                      gsize        length);

gboolean    haul_html_is_element     (xmlNode     *node,
                                      const char  *name);
/* The attribute's value, trimmed, or NULL. */
char       *haul_html_get_attribute  (xmlNode     *node,
                                      const char  *name);
/* Depth-first order without recursion. */
xmlNode    *haul_html_next_node      (xmlNode     *node,
                                      gboolean     descend);
/* The largest candidate of a srcset (by width, else by density) when it
 * is larger than the one already in @url, @width and @density (start with
 * NULL, 0, 1). */
void        haul_html_srcset_pick    (const char  *srcset,
                                      char       **url,
                                      double      *width,
                                      double      *density);

G_END_DECLS
