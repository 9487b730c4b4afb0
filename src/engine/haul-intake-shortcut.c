/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "haul-intake-private.h"

/* Shortcuts a browser leaves when a link is dragged to a desktop:
 * Windows .url (InternetShortcut), freedesktop .desktop of Type=Link and
 * macOS .webloc (an XML property list). */

static char *
strip_copy (const char *s,
            gsize       n)
{
  return g_strstrip (g_strndup (s, n));
}

void
haul_intake_parse_ini (HaulIntakeInput  *input,
                       const char       *text,
                       gsize             length,
                       HaulIntakeFormat  format)
{
  const char *wanted = format == HAUL_INTAKE_FORMAT_DESKTOP ? "Desktop Entry" : "InternetShortcut";
  HaulIntakeLines lines;
  const char *line;
  gsize line_length;
  gboolean in_section = FALSE;
  guint section_line = 0;
  guint type_line = 0;
  g_autofree char *type = NULL;
  g_autofree char *url = NULL;
  guint url_line = 0;

  haul_intake_lines_init (&lines, text, length);
  while (haul_intake_lines_next (&lines, &line, &line_length))
    {
      g_autofree char *entry = strip_copy (line, line_length);
      g_autofree char *key = NULL;
      char *equals;

      if (entry[0] == '\0' || entry[0] == '#' || entry[0] == ';')
        continue;

      if (entry[0] == '[')
        {
          gsize len = strlen (entry);

          in_section = len >= 2 && entry[len - 1] == ']' &&
                       g_ascii_strncasecmp (entry + 1, wanted, len - 2) == 0 &&
                       strlen (wanted) == len - 2;
          if (in_section && section_line == 0)
            section_line = lines.number;
          continue;
        }

      equals = strchr (entry, '=');
      if (!in_section || equals == NULL)
        continue;

      key = strip_copy (entry, equals - entry);
      if (g_ascii_strcasecmp (key, "URL") == 0 && url == NULL)
        {
          url = strip_copy (equals + 1, strlen (equals + 1));
          url_line = lines.number;
        }
      else if (g_ascii_strcasecmp (key, "Type") == 0 && type == NULL)
        {
          type = strip_copy (equals + 1, strlen (equals + 1));
          type_line = lines.number;
        }
    }

  if (format == HAUL_INTAKE_FORMAT_DESKTOP && type != NULL && strcmp (type, "Link") != 0)
    {
      g_autofree char *shown = g_strdup_printf ("Type=%s", type);
      haul_intake_input_reject (input, type_line, shown, -1, _("not a link"));
      return;
    }

  if (url == NULL || url[0] == '\0')
    {
      haul_intake_input_reject (input, url != NULL ? url_line : MAX (section_line, 1),
                                url != NULL ? "URL=" : wanted, -1, _("no URL"));
      return;
    }

  haul_intake_input_add_candidate (input, url, -1, url_line, HAUL_INTAKE_CANDIDATE_PLAIN);
}

/* The text of an element, without expanding entity references: a
 * property list has no business with them. */
static char *
element_text (xmlNode *node)
{
  GString *text = g_string_new (NULL);

  for (xmlNode *child = node->children; child != NULL; child = child->next)
    {
      if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
          child->content != NULL)
        g_string_append (text, (const char *)child->content);
    }

  return g_strstrip (g_string_free (text, FALSE));
}

static gboolean
is_named (xmlNode    *node,
          const char *name)
{
  return node->type == XML_ELEMENT_NODE && strcmp ((const char *)node->name, name) == 0;
}

static xmlNode *
next_element (xmlNode *node)
{
  for (node = node->next; node != NULL; node = node->next)
    if (node->type == XML_ELEMENT_NODE)
      return node;

  return NULL;
}

void
haul_intake_parse_webloc (HaulIntakeInput *input,
                          const char      *text,
                          gsize            length)
{
  xmlDocPtr doc;
  xmlNode *root;
  gboolean found = FALSE;

  /* No network, no DTD loading, no entity substitution. */
  doc = xmlReadMemory (text, (int)MIN (length, (gsize)G_MAXINT), NULL, NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  root = doc != NULL ? xmlDocGetRootElement (doc) : NULL;

  if (root != NULL && is_named (root, "plist"))
    {
      for (xmlNode *dict = root->children; dict != NULL && !found; dict = dict->next)
        {
          if (!is_named (dict, "dict"))
            continue;

          for (xmlNode *key = dict->children; key != NULL; key = key->next)
            {
              g_autofree char *name = NULL;
              xmlNode *value;

              if (!is_named (key, "key"))
                continue;

              name = element_text (key);
              value = next_element (key);
              if (strcmp (name, "URL") == 0 && value != NULL && is_named (value, "string"))
                {
                  g_autofree char *url = element_text (value);
                  long line = xmlGetLineNo (value);

                  haul_intake_input_add_candidate (input, url, -1, line > 0 ? (guint)line : 0,
                                                   HAUL_INTAKE_CANDIDATE_PLAIN);
                  found = TRUE;
                  break;
                }
            }
        }
    }

  if (!found)
    haul_intake_input_reject (input, 1, "plist", -1, _("no URL"));

  if (doc != NULL)
    xmlFreeDoc (doc);
}

/* Binary property lists (“bplist00”), which newer macOS writes for
 * .webloc files: just enough of the format to read the top dictionary. */

typedef struct
{
  const guchar *data;
  gsize         length;
  guint         offset_size;
  guint         ref_size;
  guint64       n_objects;
  guint64       offsets_at;
} Bplist;

static gboolean
read_be (const guchar *data,
         gsize         length,
         guint64       at,
         guint         size,
         guint64      *value)
{
  if (size == 0 || size > 8 || at > length || length - at < size)
    return FALSE;

  *value = 0;
  for (guint i = 0; i < size; i++)
    *value = (*value << 8) | data[at + i];

  return TRUE;
}

static gboolean
object_offset (const Bplist *plist,
               guint64       ref,
               guint64      *offset)
{
  if (ref >= plist->n_objects)
    return FALSE;

  return read_be (plist->data, plist->length, plist->offsets_at + ref * plist->offset_size,
                  plist->offset_size, offset) &&
         *offset >= 8 && *offset < plist->length;
}

/* Reads an object's marker and count; @start is where its payload begins. */
static gboolean
object_header (const Bplist *plist,
               guint64       offset,
               guint        *type,
               guint64      *count,
               guint64      *start)
{
  guint marker = plist->data[offset];

  *type = marker >> 4;
  *count = marker & 0x0f;
  *start = offset + 1;

  if (*count == 0x0f)
    {
      guint int_marker;

      if (*start >= plist->length)
        return FALSE;
      int_marker = plist->data[*start];
      if ((int_marker >> 4) != 0x1 || (int_marker & 0x0f) > 3)
        return FALSE;
      if (!read_be (plist->data, plist->length, *start + 1, 1u << (int_marker & 0x0f), count))
        return FALSE;
      *start += 1 + (1u << (int_marker & 0x0f));
    }

  return *start <= plist->length;
}

/* Returns the string object @ref as UTF-8, or NULL. */
static char *
bplist_string (const Bplist *plist,
               guint64       ref)
{
  guint64 offset, count, start;
  guint type;

  if (!object_offset (plist, ref, &offset) ||
      !object_header (plist, offset, &type, &count, &start))
    return NULL;

  if (type == 0x5)
    {
      if (count > plist->length - start)
        return NULL;
      return g_utf8_make_valid ((const char *)plist->data + start, count);
    }

  if (type == 0x6)
    {
      g_autofree gunichar2 *units = NULL;

      if (count > (plist->length - start) / 2)
        return NULL;
      units = g_new (gunichar2, count + 1);
      for (guint64 i = 0; i < count; i++)
        units[i] = (plist->data[start + 2 * i] << 8) | plist->data[start + 2 * i + 1];
      return g_utf16_to_utf8 (units, count, NULL, NULL, NULL);
    }

  return NULL;
}

/* Whether the object @ref is the ASCII string “URL”, without copying it. */
static gboolean
bplist_is_url_key (const Bplist *plist,
                   guint64       ref)
{
  guint64 offset, count, start;
  guint type;

  return object_offset (plist, ref, &offset) &&
         object_header (plist, offset, &type, &count, &start) &&
         type == 0x5 && count == 3 && plist->length - start >= 3 &&
         memcmp (plist->data + start, "URL", 3) == 0;
}

static char *
bplist_find_url (const guchar *data,
                 gsize         length)
{
  Bplist plist = { data, length, 0, 0, 0, 0 };
  const guchar *trailer;
  guint64 top, offset, count, start;
  guint type;

  if (length < 8 + 32 || memcmp (data, "bplist00", 8) != 0)
    return NULL;

  trailer = data + length - 32;
  plist.offset_size = trailer[6];
  plist.ref_size = trailer[7];
  if (!read_be (trailer, 32, 8, 8, &plist.n_objects) ||
      !read_be (trailer, 32, 16, 8, &top) ||
      !read_be (trailer, 32, 24, 8, &plist.offsets_at))
    return NULL;

  if (plist.offset_size == 0 || plist.offset_size > 8 ||
      plist.ref_size == 0 || plist.ref_size > 8 ||
      plist.offsets_at >= length ||
      plist.n_objects > (length - plist.offsets_at) / plist.offset_size)
    return NULL;

  if (!object_offset (&plist, top, &offset) ||
      !object_header (&plist, offset, &type, &count, &start) ||
      type != 0xd ||
      count > (length - start) / (2 * plist.ref_size))
    return NULL;

  for (guint64 i = 0; i < count; i++)
    {
      guint64 key_ref, value_ref;

      if (!read_be (data, length, start + i * plist.ref_size, plist.ref_size, &key_ref) ||
          !read_be (data, length, start + (count + i) * plist.ref_size, plist.ref_size, &value_ref))
        return NULL;

      if (bplist_is_url_key (&plist, key_ref))
        return bplist_string (&plist, value_ref);
    }

  return NULL;
}

gboolean
haul_intake_is_binary_plist (const char *text,
                             gsize       length)
{
  return length >= 8 && memcmp (text, "bplist00", 8) == 0;
}

void
haul_intake_parse_binary_plist (HaulIntakeInput *input,
                                const char      *data,
                                gsize            length)
{
  g_autofree char *url = bplist_find_url ((const guchar *)data, length);

  /* A binary file has no lines: rejects get line 0. */
  if (url == NULL)
    haul_intake_input_reject (input, 0, "plist", -1, _("no URL"));
  else
    haul_intake_input_add_candidate (input, url, -1, 0, HAUL_INTAKE_CANDIDATE_PLAIN);
}
