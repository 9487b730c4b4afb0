/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "haul-intake-private.h"

/* Plain text, text/uri-list, and finding URLs inside prose. */

void
haul_intake_lines_init (HaulIntakeLines *lines,
                        const char      *text,
                        gsize            length)
{
  lines->text = text;
  lines->length = length;
  lines->pos = 0;
  lines->number = 0;
}

gboolean
haul_intake_lines_next (HaulIntakeLines  *lines,
                        const char      **line,
                        gsize            *line_length)
{
  gsize start = lines->pos;
  gsize end = start;

  if (start >= lines->length)
    return FALSE;

  while (end < lines->length && lines->text[end] != '\n' && lines->text[end] != '\r')
    end++;

  *line = lines->text + start;
  *line_length = end - start;
  lines->number++;

  if (end < lines->length && lines->text[end] == '\r')
    {
      end++;
      if (end < lines->length && lines->text[end] == '\n')
        end++;
    }
  else if (end < lines->length)
    end++;
  lines->pos = end;

  return TRUE;
}

static gboolean
is_ascii_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Non-ASCII spaces and typographic quotes: prose puts them around URLs,
 * and no URL holds them unescaped. Returns their length in bytes. */
static gsize
unicode_separator_length (const guchar *p,
                          gsize         remaining)
{
  if (remaining >= 2 && p[0] == 0xc2 &&
      (p[1] == 0xa0 || p[1] == 0xab || p[1] == 0xbb))
    return 2;

  if (remaining >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
      ((p[2] >= 0x80 && p[2] <= 0x8b) || p[2] == 0x98 || p[2] == 0x99 ||
       p[2] == 0x9c || p[2] == 0x9d || p[2] == 0xa8 || p[2] == 0xa9 ||
       p[2] == 0xaf || p[2] == 0xb9 || p[2] == 0xba))
    return 3;

  if (remaining >= 3 &&
      ((p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) ||
       (p[0] == 0xe3 && p[1] == 0x80 && (p[2] <= 0x82 || p[2] == 0x8c || p[2] == 0x8d)) ||
       (p[0] == 0xef && p[1] == 0xbc && (p[2] == 0x8c || p[2] == 0x9b)) ||
       (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)))
    return 3;

  return 0;
}

static gsize
separator_length (const char *p,
                  gsize       remaining)
{
  if (is_ascii_space (*p))
    return 1;

  return unicode_separator_length ((const guchar *)p, remaining);
}

static gboolean
is_scheme_char (char c)
{
  return g_ascii_isalnum (c) || c == '+' || c == '-' || c == '.';
}

/* Schemes written without "//" that people still paste. */
static const char * const opaque_schemes[] = {
  "javascript:", "data:", "mailto:", "file:", "about:", "blob:",
};

/* Returns the offset of the next URL in @tok at or after @from, or -1. */
static gssize
find_url_start (const char *tok,
                gsize       n,
                gsize       from)
{
  for (gsize k = from; k < n; k++)
    {
      char c = tok[k];

      if (c == ':')
        {
          gsize j = k;

          if (k + 2 >= n || tok[k + 1] != '/' || tok[k + 2] != '/')
            continue;

          while (j > from && is_scheme_char (tok[j - 1]))
            j--;
          while (j < k && !g_ascii_isalpha (tok[j]))
            j++;
          if (j < k)
            return j;
        }
      else if (strchr ("jdmfabJDMFAB", c) != NULL && c != '\0' &&
               (k == from || strchr ("<\"'`([{=:,;*_", tok[k - 1]) != NULL))
        {
          for (guint i = 0; i < G_N_ELEMENTS (opaque_schemes); i++)
            {
              gsize len = strlen (opaque_schemes[i]);

              if (n - k >= len && g_ascii_strncasecmp (tok + k, opaque_schemes[i], len) == 0)
                return k;
            }
        }
    }

  return -1;
}

/* Whether a URL begins right at @tok: a scheme followed by “://”, or
 * one of the schemes written without it. */
static gboolean
starts_url (const char *tok,
            gsize       n)
{
  gsize k = 0;

  for (guint i = 0; i < G_N_ELEMENTS (opaque_schemes); i++)
    {
      gsize len = strlen (opaque_schemes[i]);

      if (n >= len && g_ascii_strncasecmp (tok, opaque_schemes[i], len) == 0)
        return TRUE;
    }

  if (n == 0 || !g_ascii_isalpha (tok[0]))
    return FALSE;
  while (k < n && is_scheme_char (tok[k]))
    k++;

  return k + 2 < n && tok[k] == ':' && tok[k + 1] == '/' && tok[k + 2] == '/';
}

/* Sets @open_start to where the last URL in @tok starts when it runs to
 * the end of @tok, as a URL cut short by a space does; else to -1. */
static guint
scan_token (HaulIntakeInput          *input,
            const char               *tok,
            gsize                     n,
            guint                     number,
            HaulIntakeCandidateFlags  flags,
            gssize                   *open_start)
{
  guint found = 0;
  gsize from = 0;

  *open_start = -1;

  for (;;)
    {
      gssize start = find_url_start (tok, n, from);
      char closer = 0;
      guint depth = 0;
      gsize end;

      if (start < 0)
        break;

      if (start > 0)
        {
          switch (tok[start - 1])
            {
            case '<': closer = '>'; break;
            case '"': closer = '"'; break;
            case '\'': closer = '\''; break;
            case '`': closer = '`'; break;
            case '(': closer = ')'; break;
            case '[': closer = ']'; break;
            default: break;
            }
        }

      for (end = start; end < n; end++)
        {
          char c = tok[end];

          if (c == '<' || c == '>' || c == '"' || c == '`')
            break;
          if (c == '\'' && closer == '\'')
            break;
          if ((closer == ')' && c == '(') || (closer == ']' && c == '['))
            depth++;
          if (c == closer && (closer == ')' || closer == ']'))
            {
              if (depth == 0)
                break;
              depth--;
            }
          /* "a.jpg,https://…" lists URLs; a comma inside a query does not. */
          if ((c == ',' || c == ';') && end + 1 < n && starts_url (tok + end + 1, n - end - 1))
            break;
        }

      /* Trailing punctuation belongs to the prose, unless it closes
       * something opened inside the URL, as in …/Foo_(bar). */
      {
        int parens = 0, brackets = 0, braces = 0;

        for (gsize i = start; i < end; i++)
          {
            switch (tok[i])
              {
              case '(': parens++; break;
              case ')': parens--; break;
              case '[': brackets++; break;
              case ']': brackets--; break;
              case '{': braces++; break;
              case '}': braces--; break;
              default: break;
              }
          }

        while (end > (gsize)start)
          {
            char c = tok[end - 1];

            if (strchr (".,;:!?*'", c) != NULL)
              ;
            else if (c == ')' && parens < 0)
              parens++;
            else if (c == ']' && brackets < 0)
              brackets++;
            else if (c == '}' && braces < 0)
              braces++;
            else
              break;
            end--;
          }
      }

      haul_intake_input_add_candidate (input, tok + start, end - start, number, flags);
      found++;
      *open_start = end == n ? start : -1;

      from = MAX (end, (gsize)start + 1);
    }

  return found;
}

/* How many words after a URL are looked at for the rest of it. */
#define MAX_WORDS_AFTER_URL 4

/* Whether @word, with the punctuation around it removed (@word_end set
 * past what is left), looks like the rest of a URL that a space cut short:
 * a file name of an image, a path, or query parameters. */
static gboolean
looks_like_url_rest (const char *word,
                     gsize       n,
                     gsize      *word_end)
{
  g_autofree char *rest = NULL;
  const char *slash;
  gsize start = 0;
  gsize end = n;

  while (start < end && strchr ("\"'([<", word[start]) != NULL)
    start++;
  while (end > start && strchr (".,;:!?*'\")]}>", word[end - 1]) != NULL)
    end--;
  *word_end = end;

  if (end - start < 2)
    return FALSE;

  rest = g_strndup (word + start, end - start);
  slash = strrchr (rest, '/');

  return haul_intake_points_at_image (rest) ||
         rest[0] == '/' || rest[0] == '?' || rest[0] == '&' ||
         strchr (rest + 1, '=') != NULL ||
         (slash != NULL && (strchr (slash, '.') != NULL || strchr (rest, '/') != slash));
}

/* Whether @word closes a clause or a quotation, after which the prose goes on. */
static gboolean
ends_clause (const char *word,
             gsize       n)
{
  return n > 0 && strchr (".,;:!?)]}>\"'", word[n - 1]) != NULL;
}

guint
haul_intake_scan_prose (HaulIntakeInput          *input,
                        const char               *line,
                        gsize                     length,
                        guint                     number,
                        HaulIntakeCandidateFlags  flags)
{
  guint found = 0;
  gsize i = 0;
  gssize open_url = -1;
  guint words_after = 0;

  while (i < length)
    {
      gsize start;
      gsize sep;
      gsize word_end;
      gssize open_start;
      guint n_urls;

      while (i < length && (sep = separator_length (line + i, length - i)) > 0)
        i += sep;

      start = i;
      while (i < length && separator_length (line + i, length - i) == 0)
        i++;

      if (i == start)
        continue;

      n_urls = scan_token (input, line + start, i - start, number, flags, &open_start);
      if (n_urls > 0)
        {
          found += n_urls;
          open_url = open_start >= 0 ? (gssize)start + open_start : -1;
          words_after = 0;
          continue;
        }

      if (open_url < 0)
        continue;

      /* A URL ends at a space, but “http://a.com/my photo.jpg” is one that
       * lost its end: report it rather than drop “photo.jpg” unseen. */
      if (looks_like_url_rest (line + start, i - start, &word_end))
        {
          haul_intake_input_reject (input, number, line + open_url,
                                    start + word_end - open_url, _("not understood"));
          open_url = -1;
        }
      else if (++words_after >= MAX_WORDS_AFTER_URL || ends_clause (line + start, i - start))
        open_url = -1;
    }

  return found;
}

static gboolean
is_blank_or_comment (const char *line,
                     gsize       length)
{
  gsize i = 0;

  while (i < length && is_ascii_space (line[i]))
    i++;

  return i == length || line[i] == '#';
}

void
haul_intake_parse_text (HaulIntakeInput *input,
                        const char      *text,
                        gsize            length,
                        gboolean         report_unknown)
{
  HaulIntakeLines lines;
  const char *line;
  gsize line_length;

  haul_intake_lines_init (&lines, text, length);
  while (haul_intake_lines_next (&lines, &line, &line_length))
    {
      guint found;

      if (is_blank_or_comment (line, line_length))
        continue;

      found = haul_intake_scan_prose (input, line, line_length, lines.number,
                                      HAUL_INTAKE_CANDIDATE_EXPAND);
      if (found == 0 && report_unknown)
        haul_intake_input_reject (input, lines.number, line, line_length, _("not understood"));
    }
}

/* RFC 2483: one URI a line, “#” comments. */
void
haul_intake_parse_uri_list (HaulIntakeInput *input,
                            const char      *text,
                            gsize            length)
{
  HaulIntakeLines lines;
  const char *line;
  gsize line_length;

  haul_intake_lines_init (&lines, text, length);
  while (haul_intake_lines_next (&lines, &line, &line_length))
    {
      g_autofree char *entry = NULL;
      const char *scheme = NULL;

      if (is_blank_or_comment (line, line_length))
        continue;

      entry = g_strndup (line, line_length);
      g_strstrip (entry);
      scheme = g_uri_peek_scheme (entry);

      if (scheme == NULL)
        haul_intake_input_reject (input, lines.number, entry, -1, _("not understood"));
      else
        haul_intake_input_add_candidate (input, entry, -1, lines.number,
                                         HAUL_INTAKE_CANDIDATE_PLAIN);
    }
}

/* A uri-list holds one URI a line; anything else is text after all. */
gboolean
haul_intake_looks_like_uri_list (const char *text,
                                 gsize       length)
{
  HaulIntakeLines lines;
  const char *line;
  gsize line_length;

  haul_intake_lines_init (&lines, text, length);
  while (haul_intake_lines_next (&lines, &line, &line_length))
    {
      g_autofree char *entry = NULL;
      const char *scheme = NULL;

      if (is_blank_or_comment (line, line_length))
        continue;

      entry = g_strndup (line, line_length);
      g_strstrip (entry);
      if (strpbrk (entry, " \t") != NULL)
        return FALSE;

      scheme = g_uri_peek_scheme (entry);
      if (scheme == NULL)
        return FALSE;
    }

  return TRUE;
}
