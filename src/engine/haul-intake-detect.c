/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-intake-private.h"

/* Choosing the format: the MIME type or file extension says what an input
 * claims to be, the content confirms it or wins. */

typedef struct
{
  const char       *name;
  HaulIntakeFormat  format;
} FormatName;

static const FormatName content_types[] = {
  { "text/plain", HAUL_INTAKE_FORMAT_TEXT },
  { "text/uri-list", HAUL_INTAKE_FORMAT_URI_LIST },
  { "text/x-moz-url", HAUL_INTAKE_FORMAT_TEXT },
  { "text/html", HAUL_INTAKE_FORMAT_HTML },
  { "application/xhtml+xml", HAUL_INTAKE_FORMAT_HTML },
  { "text/markdown", HAUL_INTAKE_FORMAT_MARKDOWN },
  { "text/x-markdown", HAUL_INTAKE_FORMAT_MARKDOWN },
  { "application/x-mswinurl", HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT },
  { "application/internet-shortcut", HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT },
  { "application/x-url", HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT },
  { "application/x-desktop", HAUL_INTAKE_FORMAT_DESKTOP },
  { "application/x-webloc", HAUL_INTAKE_FORMAT_WEBLOC },
  { "application/x-plist", HAUL_INTAKE_FORMAT_WEBLOC },
  { "application/json", HAUL_INTAKE_FORMAT_JSON },
  { "text/json", HAUL_INTAKE_FORMAT_JSON },
  { "text/csv", HAUL_INTAKE_FORMAT_CSV },
  { "text/comma-separated-values", HAUL_INTAKE_FORMAT_CSV },
  { "text/tab-separated-values", HAUL_INTAKE_FORMAT_CSV },
  { "application/csv", HAUL_INTAKE_FORMAT_CSV },
};

static const FormatName extensions[] = {
  { "txt", HAUL_INTAKE_FORMAT_TEXT },
  { "text", HAUL_INTAKE_FORMAT_TEXT },
  { "list", HAUL_INTAKE_FORMAT_TEXT },
  { "uri", HAUL_INTAKE_FORMAT_URI_LIST },
  { "uris", HAUL_INTAKE_FORMAT_URI_LIST },
  { "html", HAUL_INTAKE_FORMAT_HTML },
  { "htm", HAUL_INTAKE_FORMAT_HTML },
  { "xhtml", HAUL_INTAKE_FORMAT_HTML },
  { "shtml", HAUL_INTAKE_FORMAT_HTML },
  { "md", HAUL_INTAKE_FORMAT_MARKDOWN },
  { "markdown", HAUL_INTAKE_FORMAT_MARKDOWN },
  { "mdown", HAUL_INTAKE_FORMAT_MARKDOWN },
  { "mkd", HAUL_INTAKE_FORMAT_MARKDOWN },
  { "url", HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT },
  { "desktop", HAUL_INTAKE_FORMAT_DESKTOP },
  { "webloc", HAUL_INTAKE_FORMAT_WEBLOC },
  { "plist", HAUL_INTAKE_FORMAT_WEBLOC },
  { "json", HAUL_INTAKE_FORMAT_JSON },
  { "csv", HAUL_INTAKE_FORMAT_CSV },
  { "tsv", HAUL_INTAKE_FORMAT_CSV },
};

static HaulIntakeFormat
format_from_content_type (const char *content_type)
{
  g_autofree char *type = NULL;
  char *semicolon;

  if (content_type == NULL)
    return HAUL_INTAKE_FORMAT_UNKNOWN;

  /* Parameters such as “; charset=utf-8” say nothing about the format. */
  type = g_ascii_strdown (content_type, -1);
  semicolon = strchr (type, ';');
  if (semicolon != NULL)
    *semicolon = '\0';
  g_strstrip (type);

  for (guint i = 0; i < G_N_ELEMENTS (content_types); i++)
    if (strcmp (type, content_types[i].name) == 0)
      return content_types[i].format;

  return HAUL_INTAKE_FORMAT_UNKNOWN;
}

static HaulIntakeFormat
format_from_file_name (const char *file_name)
{
  const char *base;
  const char *dot;

  if (file_name == NULL)
    return HAUL_INTAKE_FORMAT_UNKNOWN;

  base = strrchr (file_name, '/');
  base = base != NULL ? base + 1 : file_name;
  dot = strrchr (base, '.');
  if (dot == NULL)
    return HAUL_INTAKE_FORMAT_UNKNOWN;

  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (g_ascii_strcasecmp (dot + 1, extensions[i].name) == 0)
      return extensions[i].format;

  return HAUL_INTAKE_FORMAT_UNKNOWN;
}

/* How far into the content sniffing looks. */
#define SNIFF_LENGTH 4096

static const char * const html_tags[] = {
  "!doctype html", "html", "head", "body", "meta", "img", "picture", "source", "a",
  "div", "span", "p", "br", "base", "link", "title", "figure", "ul", "li", "table",
  "!--startfragment", "!-- startfragment",
};

static gboolean
has_html_tag (const char *text,
              gsize       length)
{
  gsize n = MIN (length, 64 * 1024);

  for (gsize i = 0; i + 1 < n; i++)
    {
      if (text[i] != '<')
        continue;

      for (guint t = 0; t < G_N_ELEMENTS (html_tags); t++)
        {
          gsize len = strlen (html_tags[t]);
          char after;

          if (i + 1 + len > n || g_ascii_strncasecmp (text + i + 1, html_tags[t], len) != 0)
            continue;

          after = i + 1 + len < n ? text[i + 1 + len] : '\0';
          if (after == '>' || after == '/' || g_ascii_isspace (after) ||
              (html_tags[t][0] == '!' && after != '\0'))
            return TRUE;
        }
    }

  return FALSE;
}

static gboolean
has_line (const char *text,
          gsize       length,
          const char *wanted)
{
  HaulIntakeLines lines;
  const char *line;
  gsize line_length;
  gsize wanted_length = strlen (wanted);

  haul_intake_lines_init (&lines, text, MIN (length, SNIFF_LENGTH * 4));
  while (haul_intake_lines_next (&lines, &line, &line_length))
    {
      while (line_length > 0 && g_ascii_isspace (line[line_length - 1]))
        line_length--;
      while (line_length > 0 && g_ascii_isspace (line[0]))
        {
          line++;
          line_length--;
        }

      if (line_length == wanted_length && g_ascii_strncasecmp (line, wanted, wanted_length) == 0)
        return TRUE;
    }

  return FALSE;
}

static gboolean
looks_like_plist (const char *text,
                  gsize       length)
{
  g_autofree char *head = g_strndup (text, MIN (length, SNIFF_LENGTH));

  return (g_str_has_prefix (head, "<?xml") || g_str_has_prefix (head, "<!DOCTYPE plist") ||
          g_str_has_prefix (head, "<plist")) &&
         strstr (head, "<plist") != NULL;
}

static gboolean
looks_like_json_array (const char *text,
                       gsize       length)
{
  gsize i = 0;
  gsize end = length;

  while (i < length && g_ascii_isspace (text[i]))
    i++;
  while (end > i && g_ascii_isspace (text[end - 1]))
    end--;

  if (end - i < 2 || text[i] != '[' || text[end - 1] != ']')
    return FALSE;

  for (i++; i < end && g_ascii_isspace (text[i]); i++)
    ;

  return text[i] == '"' || text[i] == '{' || text[i] == ']';
}

static gboolean
looks_like_markdown (const char *text,
                     gsize       length)
{
  gsize n = MIN (length, 64 * 1024);

  for (gsize i = 0; i + 1 < n; i++)
    if (text[i] == ']' && text[i + 1] == '(')
      return TRUE;

  return FALSE;
}

HaulIntakeFormat
haul_intake_detect_format (const char *text,
                           gsize       length,
                           const char *content_type,
                           const char *file_name)
{
  HaulIntakeFormat claimed = format_from_content_type (content_type);
  gsize skip = 0;

  if (claimed == HAUL_INTAKE_FORMAT_UNKNOWN)
    claimed = format_from_file_name (file_name);

  while (skip < length && g_ascii_isspace (text[skip]))
    skip++;
  text += skip;
  length -= skip;

  /* What the content shows without doubt wins over any claim. */
  if (looks_like_plist (text, length))
    return HAUL_INTAKE_FORMAT_WEBLOC;
  if (has_line (text, length, "[InternetShortcut]"))
    return HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT;
  if (has_line (text, length, "[Desktop Entry]"))
    return HAUL_INTAKE_FORMAT_DESKTOP;
  if (looks_like_json_array (text, length) ||
      (claimed == HAUL_INTAKE_FORMAT_JSON && length > 0 && (text[0] == '{' || text[0] == '[')))
    return HAUL_INTAKE_FORMAT_JSON;

  /* Markdown and CSV may well hold tags; anything else holding them is HTML. */
  if (claimed != HAUL_INTAKE_FORMAT_MARKDOWN && claimed != HAUL_INTAKE_FORMAT_CSV &&
      has_html_tag (text, length))
    return HAUL_INTAKE_FORMAT_HTML;

  switch (claimed)
    {
    case HAUL_INTAKE_FORMAT_TEXT:
    case HAUL_INTAKE_FORMAT_MARKDOWN:
    case HAUL_INTAKE_FORMAT_CSV:
      return claimed;

    case HAUL_INTAKE_FORMAT_URI_LIST:
      if (haul_intake_looks_like_uri_list (text, length))
        return claimed;
      break;

    case HAUL_INTAKE_FORMAT_UNKNOWN:
    case HAUL_INTAKE_FORMAT_HTML:
    case HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT:
    case HAUL_INTAKE_FORMAT_DESKTOP:
    case HAUL_INTAKE_FORMAT_WEBLOC:
    case HAUL_INTAKE_FORMAT_JSON:
    default:
      break;
    }

  if (haul_intake_looks_like_csv (text, length))
    return HAUL_INTAKE_FORMAT_CSV;
  if (looks_like_markdown (text, length))
    return HAUL_INTAKE_FORMAT_MARKDOWN;

  return HAUL_INTAKE_FORMAT_TEXT;
}
