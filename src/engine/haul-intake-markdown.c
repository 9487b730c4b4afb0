/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-intake-private.h"

/* Markdown: images ![alt](url "title"), links [text](url), reference
 * definitions [id]: url, and URLs written in the text itself. */

/* Reads a link destination at @p: <…> or up to whitespace or an
 * unbalanced “)”. Sets @start and @len and returns the offset after it. */
static gsize
read_destination (const char *line,
                  gsize       length,
                  gsize       p,
                  gsize      *start,
                  gsize      *len)
{
  guint depth = 0;

  while (p < length && (line[p] == ' ' || line[p] == '\t'))
    p++;

  if (p < length && line[p] == '<')
    {
      gsize q = p + 1;

      while (q < length && line[q] != '>')
        q++;
      *start = p + 1;
      *len = q - p - 1;
      return q < length ? q + 1 : q;
    }

  *start = p;
  while (p < length && line[p] != ' ' && line[p] != '\t')
    {
      if (line[p] == '(')
        depth++;
      else if (line[p] == ')')
        {
          if (depth == 0)
            break;
          depth--;
        }
      p++;
    }
  *len = p - *start;

  return p;
}

static void
add_destination (HaulIntakeInput *input,
                 const char      *url,
                 gsize            len,
                 guint            number,
                 gboolean         image)
{
  g_autofree char *copy = g_strndup (url, len);

  /* Links within the same document, as in [top](#top), lead nowhere. */
  if (len == 0 || copy[0] == '#')
    return;

  /* Without a base, a relative link to another document is passed over
   * quietly; a relative image is reported, as it cannot be fetched. */
  if (g_uri_peek_scheme (copy) == NULL && input->base_url == NULL &&
      !image && !haul_intake_points_at_image (copy))
    return;

  haul_intake_input_add_candidate (input, copy, len, number,
                                   HAUL_INTAKE_CANDIDATE_RELATIVE);
}

/* A reference definition: up to three spaces, [label]:, destination. */
static gboolean
parse_definition (HaulIntakeInput *input,
                  const char      *line,
                  gsize            length,
                  guint            number)
{
  gsize p = 0;
  gsize start;
  gsize len;

  while (p < length && p < 3 && line[p] == ' ')
    p++;
  if (p >= length || line[p] != '[' || (p + 1 < length && line[p + 1] == '^'))
    return FALSE;

  while (p < length && line[p] != ']')
    p++;
  if (p + 1 >= length || line[p + 1] != ':')
    return FALSE;

  read_destination (line, length, p + 2, &start, &len);
  add_destination (input, line + start, len, number, FALSE);

  return TRUE;
}

void
haul_intake_parse_markdown (HaulIntakeInput *input,
                            const char      *text,
                            gsize            length)
{
  HaulIntakeLines lines;
  const char *line;
  gsize line_length;

  haul_intake_lines_init (&lines, text, length);
  while (haul_intake_lines_next (&lines, &line, &line_length))
    {
      g_autofree char *rest = NULL;
      gboolean image = FALSE;

      if (parse_definition (input, line, line_length, lines.number))
        continue;

      /* What the link syntax takes is blanked out, so that the URLs left
       * in the prose are not seen twice. */
      rest = g_strndup (line, line_length);
      for (gsize i = 0; i + 1 < line_length; i++)
        {
          gsize start;
          gsize len;
          gsize end;

          /* Alt texts do not nest brackets: the last “[” tells images. */
          if (rest[i] == '[')
            image = i > 0 && rest[i - 1] == '!';

          if (rest[i] != ']' || rest[i + 1] != '(')
            continue;

          end = read_destination (rest, line_length, i + 2, &start, &len);
          add_destination (input, rest + start, len, lines.number,
                           image);

          /* Skip an optional title up to the closing parenthesis. */
          while (end < line_length && rest[end] != ')')
            end++;
          if (end < line_length)
            end++;
          memset (rest + i, ' ', end - i);
          i = end > 0 ? end - 1 : 0;
        }

      haul_intake_scan_prose (input, rest, line_length, lines.number,
                              HAUL_INTAKE_CANDIDATE_EXPAND);
    }
}
