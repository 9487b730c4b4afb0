/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-intake-private.h"

/* Choosing the format: the MIME type or file extension says what an input
 * claims to be, the content confirms it or wins. */

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

  if (strcmp (type, "text/uri-list") == 0)
    return HAUL_INTAKE_FORMAT_URI_LIST;
  if (strcmp (type, "text/plain") == 0)
    return HAUL_INTAKE_FORMAT_TEXT;

  return HAUL_INTAKE_FORMAT_UNKNOWN;
}

static HaulIntakeFormat
format_from_file_name (const char *file_name)
{
  g_autofree char *lower = NULL;
  const char *dot;

  if (file_name == NULL)
    return HAUL_INTAKE_FORMAT_UNKNOWN;

  lower = g_ascii_strdown (file_name, -1);
  dot = strrchr (lower, '.');
  if (dot == NULL || strchr (dot, '/') != NULL)
    return HAUL_INTAKE_FORMAT_UNKNOWN;

  if (strcmp (dot, ".uri") == 0 || strcmp (dot, ".uris") == 0)
    return HAUL_INTAKE_FORMAT_URI_LIST;
  if (strcmp (dot, ".txt") == 0 || strcmp (dot, ".text") == 0 || strcmp (dot, ".list") == 0)
    return HAUL_INTAKE_FORMAT_TEXT;

  return HAUL_INTAKE_FORMAT_UNKNOWN;
}

HaulIntakeFormat
haul_intake_detect_format (const char *text,
                           gsize       length,
                           const char *content_type,
                           const char *file_name)
{
  HaulIntakeFormat claimed = format_from_content_type (content_type);

  if (claimed == HAUL_INTAKE_FORMAT_UNKNOWN)
    claimed = format_from_file_name (file_name);

  if (claimed == HAUL_INTAKE_FORMAT_URI_LIST &&
      haul_intake_looks_like_uri_list (text, length))
    return HAUL_INTAKE_FORMAT_URI_LIST;

  return HAUL_INTAKE_FORMAT_TEXT;
}
