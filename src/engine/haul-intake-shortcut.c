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
