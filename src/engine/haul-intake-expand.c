/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "haul-intake-private.h"

/* Ranges “img[001-120].jpg”, “[a-z]”, “[0-100:10]” and lists “{cat,dog}”
 * in the path and query of a URL, as curl writes them. */

typedef enum
{
  RANGE_NONE,
  RANGE_OK,
  RANGE_INVALID,
} RangeResult;

typedef struct
{
  gboolean letters;
  guint64  first;
  guint64  last;
  guint64  step;
  guint    width;   /* zero padding, 0 for none */
} Range;

static gboolean
parse_number (const char *s,
              gsize       n,
              guint64    *value)
{
  g_autofree char *copy = g_strndup (s, n);

  if (n == 0 || n > 18)
    return FALSE;

  return g_ascii_string_to_unsigned (copy, 10, 0, G_MAXUINT64, value, NULL);
}

/* Parses the text between “[” and “]”. RANGE_NONE when it is not
 * meant as a range at all (then the brackets stay as written). */
static RangeResult
parse_range (const char *s,
             gsize       n,
             Range      *range)
{
  const char *dash = memchr (s, '-', n);
  const char *colon = memchr (s, ':', n);
  const char *end = colon != NULL ? colon : s + n;
  gboolean digits = TRUE;

  if (dash == NULL || dash == s || dash > end)
    return RANGE_NONE;

  for (const char *p = s; p < end; p++)
    if (p != dash && !g_ascii_isdigit (*p))
      digits = FALSE;

  range->step = 1;
  if (colon != NULL)
    {
      for (const char *p = colon + 1; p < s + n; p++)
        if (!g_ascii_isdigit (*p))
          return RANGE_NONE;
      if (!parse_number (colon + 1, s + n - colon - 1, &range->step))
        return RANGE_INVALID;
    }

  if (digits)
    {
      range->letters = FALSE;
      if (!parse_number (s, dash - s, &range->first) ||
          !parse_number (dash + 1, end - dash - 1, &range->last))
        return RANGE_INVALID;
      range->width = (s[0] == '0' && dash - s > 1) ? dash - s : 0;
    }
  else if (dash - s == 1 && end - dash == 2 && g_ascii_isalpha (s[0]) &&
           g_ascii_isalpha (dash[1]) &&
           g_ascii_isupper (s[0]) == g_ascii_isupper (dash[1]))
    {
      range->letters = TRUE;
      range->first = (guchar)s[0];
      range->last = (guchar)dash[1];
      range->width = 0;
    }
  else
    return RANGE_NONE;

  if (range->step == 0 || range->first > range->last)
    return RANGE_INVALID;

  return RANGE_OK;
}

static void
set_too_many (char  **reason,
              guint   max)
{
  if (reason != NULL)
    /* Translators: a URL pattern such as img[1-99999].jpg gives too many URLs */
    *reason = g_strdup_printf (_("expands to more than %u URLs"), max);
}

static void
flush_literal (GPtrArray  *parts,
               const char *start,
               const char *end)
{
  GPtrArray *choices;

  if (end <= start)
    return;

  choices = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (choices, g_strndup (start, end - start));
  g_ptr_array_add (parts, choices);
}

gboolean
haul_intake_expand (const char  *url,
                    guint        max,
                    GPtrArray   *out,
                    guint       *count_out,
                    char       **reason)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify)g_ptr_array_unref);
  g_autofree guint *index = NULL;
  const char *literal = url;
  const char *p = url;
  const char *authority;
  guint64 total = 1;

  if (reason != NULL)
    *reason = NULL;
  if (count_out != NULL)
    *count_out = 0;

  /* Brackets in the authority are IPv6 addresses, not ranges. */
  authority = strstr (url, "://");
  if (authority != NULL)
    {
      p = authority + 3;
      while (*p != '\0' && strchr ("/?#", *p) == NULL)
        p++;
    }

  while (*p != '\0')
    {
      if (*p == '[')
        {
          const char *close = strchr (p + 1, ']');
          Range range;
          RangeResult result = RANGE_NONE;

          if (close != NULL)
            result = parse_range (p + 1, close - p - 1, &range);

          if (result == RANGE_INVALID)
            {
              if (reason != NULL)
                *reason = g_strdup (_("invalid range"));
              return FALSE;
            }

          if (result == RANGE_OK)
            {
              guint64 count = (range.last - range.first) / range.step + 1;
              GPtrArray *choices;

              if (count > max || total * count > max)
                {
                  set_too_many (reason, max);
                  return FALSE;
                }
              total *= count;

              flush_literal (parts, literal, p);
              choices = g_ptr_array_new_with_free_func (g_free);
              for (guint64 v = range.first; out != NULL && v <= range.last; v += range.step)
                {
                  if (range.letters)
                    g_ptr_array_add (choices, g_strdup_printf ("%c", (char)v));
                  else
                    g_ptr_array_add (choices, g_strdup_printf ("%0*" G_GUINT64_FORMAT, range.width, v));

                  if (range.last - v < range.step)
                    break;
                }
              g_ptr_array_add (parts, choices);

              p = literal = close + 1;
              continue;
            }
        }
      else if (*p == '{')
        {
          const char *close = p + 1;

          while (*close != '\0' && *close != '}' && *close != '{')
            close++;

          if (*close == '}' && memchr (p + 1, ',', close - p - 1) != NULL)
            {
              g_autofree char *inside = g_strndup (p + 1, close - p - 1);
              g_auto(GStrv) items = g_strsplit (inside, ",", -1);
              guint count = g_strv_length (items);
              GPtrArray *choices;

              if (count > max || total * count > max)
                {
                  set_too_many (reason, max);
                  return FALSE;
                }
              total *= count;

              flush_literal (parts, literal, p);
              choices = g_ptr_array_new_with_free_func (g_free);
              for (guint i = 0; i < count; i++)
                g_ptr_array_add (choices, g_strdup (items[i]));
              g_ptr_array_add (parts, choices);

              p = literal = close + 1;
              continue;
            }
        }

      p++;
    }

  flush_literal (parts, literal, p);

  if (count_out != NULL)
    *count_out = (guint)total;

  /* Counting only. */
  if (out == NULL)
    return TRUE;

  if (parts->len == 0)
    {
      g_ptr_array_add (out, g_strdup (url));
      return TRUE;
    }

  /* Every combination, the last part varying fastest. */
  index = g_new0 (guint, parts->len);
  for (;;)
    {
      GString *result = g_string_new (NULL);
      guint i;

      for (i = 0; i < parts->len; i++)
        {
          GPtrArray *choices = g_ptr_array_index (parts, i);
          g_string_append (result, g_ptr_array_index (choices, index[i]));
        }
      g_ptr_array_add (out, g_string_free (result, FALSE));

      for (i = parts->len; i > 0; i--)
        {
          GPtrArray *choices = g_ptr_array_index (parts, i - 1);

          if (++index[i - 1] < choices->len)
            break;
          index[i - 1] = 0;
        }
      if (i == 0)
        break;
    }

  return TRUE;
}
