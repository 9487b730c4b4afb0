/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "haul-intake-private.h"

/* Data exports: JSON arrays of strings and CSV with a URL column. */

/* JSON */

/* Deeper nesting than this is no list of URLs, and json-glib descends
 * recursively. */
#define MAX_JSON_DEPTH 64

typedef struct
{
  JsonArray *array;
  guint      index;
  guint      line;
} ElementLine;

static void
on_array_element (JsonParser *parser,
                  JsonArray  *array,
                  int         index,
                  GArray     *lines)
{
  ElementLine element = { array, index, json_parser_get_current_line (parser) };

  g_array_append_val (lines, element);
}

static gboolean
json_depth_ok (const char *text,
               gsize       length)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }

  return TRUE;
}

/* Members that hold the address when an element is an object. */
static const char * const url_members[] = { "url", "src", "href", "link", "image", "uri" };

static const char *
object_url (JsonObject *object)
{
  for (guint i = 0; i < G_N_ELEMENTS (url_members); i++)
    {
      JsonNode *member = json_object_get_member (object, url_members[i]);

      if (member != NULL && JSON_NODE_HOLDS_VALUE (member) &&
          json_node_get_value_type (member) == G_TYPE_STRING)
        return json_node_get_string (member);
    }

  return NULL;
}

/* Returns FALSE when @text is no JSON array, so that it can be read as
 * text instead. */
gboolean
haul_intake_parse_json (HaulIntakeInput *input,
                        const char      *text,
                        gsize            length)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GArray) lines = NULL;
  g_autofree guint *element_lines = NULL;
  JsonNode *root;
  JsonArray *array;
  guint n;

  if (length > G_MAXSSIZE || !json_depth_ok (text, length) ||
      !g_utf8_validate (text, length, NULL))
    return FALSE;

  parser = json_parser_new_immutable ();
  lines = g_array_new (FALSE, FALSE, sizeof (ElementLine));
  g_signal_connect (parser, "array-element", G_CALLBACK (on_array_element), lines);

  if (!json_parser_load_from_data (parser, text, length, NULL))
    return FALSE;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return FALSE;

  array = json_node_get_array (root);
  n = json_array_get_length (array);

  /* The line each element of the root array ended on. */
  element_lines = g_new0 (guint, n + 1);
  for (guint j = 0; j < lines->len; j++)
    {
      ElementLine *el = &g_array_index (lines, ElementLine, j);

      if (el->array == array && el->index < n)
        element_lines[el->index] = el->line;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *url = NULL;
      guint line = element_lines[i];

      if (JSON_NODE_HOLDS_VALUE (element) &&
          json_node_get_value_type (element) == G_TYPE_STRING)
        url = json_node_get_string (element);
      else if (JSON_NODE_HOLDS_OBJECT (element))
        url = object_url (json_node_get_object (element));

      if (url != NULL)
        haul_intake_input_add_candidate (input, url, -1, line, HAUL_INTAKE_CANDIDATE_PLAIN);
      else
        {
          g_autoptr(JsonGenerator) generator = json_generator_new ();
          g_autofree char *shown = NULL;

          json_generator_set_root (generator, element);
          shown = json_generator_to_data (generator, NULL);
          haul_intake_input_reject (input, line, shown, -1, _("not understood"));
        }
    }

  return TRUE;
}

/* CSV, as RFC 4180 has it, with the delimiter of the first line
 * (comma, semicolon or tab) */

typedef struct
{
  const char *text;
  gsize       length;
  gsize       pos;
  guint       line;
  char        delimiter;
} CsvReader;

/* Reads one record into @fields; returns FALSE at the end. @line is set
 * to the line the record starts on. */
static gboolean
csv_next_record (CsvReader *reader,
                 GPtrArray *fields,
                 guint     *line)
{
  GString *field = g_string_new (NULL);
  gboolean quoted = FALSE;
  gboolean was_quoted = FALSE;

  g_ptr_array_set_size (fields, 0);

  if (reader->pos >= reader->length)
    {
      g_string_free (field, TRUE);
      return FALSE;
    }

  reader->line++;
  *line = reader->line;

  while (reader->pos < reader->length)
    {
      char c = reader->text[reader->pos++];

      if (quoted)
        {
          if (c == '"')
            {
              if (reader->pos < reader->length && reader->text[reader->pos] == '"')
                {
                  g_string_append_c (field, '"');
                  reader->pos++;
                }
              else
                quoted = FALSE;
            }
          else
            {
              if (c == '\n' || (c == '\r' && (reader->pos >= reader->length ||
                                               reader->text[reader->pos] != '\n')))
                reader->line++;
              g_string_append_c (field, c);
            }
        }
      else if (c == '"' && field->len == 0 && !was_quoted)
        quoted = was_quoted = TRUE;
      else if (c == reader->delimiter)
        {
          g_ptr_array_add (fields, g_string_free (field, FALSE));
          field = g_string_new (NULL);
          was_quoted = FALSE;
        }
      else if (c == '\r' || c == '\n')
        {
          if (c == '\r' && reader->pos < reader->length && reader->text[reader->pos] == '\n')
            reader->pos++;
          break;
        }
      else
        g_string_append_c (field, c);
    }

  g_ptr_array_add (fields, g_string_free (field, FALSE));

  return TRUE;
}

static char
csv_guess_delimiter (const char *text,
                     gsize       length)
{
  guint commas = 0, semicolons = 0, tabs = 0;
  gboolean quoted = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = text[i];

      if (c == '"')
        quoted = !quoted;
      else if (quoted)
        continue;
      else if (c == '\n' || c == '\r')
        break;
      else if (c == ',')
        commas++;
      else if (c == ';')
        semicolons++;
      else if (c == '\t')
        tabs++;
    }

  if (tabs > commas && tabs >= semicolons)
    return '\t';
  if (semicolons > commas)
    return ';';
  return ',';
}

static gboolean
is_url_header (const char *cell)
{
  static const char * const names[] = {
    "url", "uri", "link", "href", "src", "source", "image", "img", "photo", "picture", "address",
  };
  g_autofree char *lower = g_ascii_strdown (cell, -1);

  g_strstrip (lower);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (lower, names[i]) == 0)
      return TRUE;

  return strstr (lower, "url") != NULL;
}

static gboolean
looks_like_url (const char *cell)
{
  return strstr (cell, "://") != NULL;
}

/* The URL column: the first named like one in a header, else the first
 * holding a URL in the first records. -1 when there is none. */
static int
csv_find_column (CsvReader *reader,
                 gboolean  *has_header)
{
  CsvReader probe = *reader;
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  guint line;

  *has_header = FALSE;

  if (csv_next_record (&probe, fields, &line))
    {
      for (guint i = 0; i < fields->len; i++)
        if (is_url_header (g_ptr_array_index (fields, i)) &&
            !looks_like_url (g_ptr_array_index (fields, i)))
          {
            *has_header = TRUE;
            return i;
          }
    }

  probe = *reader;
  for (guint n = 0; n < 20 && csv_next_record (&probe, fields, &line); n++)
    for (guint i = 0; i < fields->len; i++)
      if (looks_like_url (g_ptr_array_index (fields, i)))
        return i;

  return -1;
}

gboolean
haul_intake_looks_like_csv (const char *text,
                            gsize       length)
{
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  CsvReader reader;
  guint line;

  /* A header is short: look at the first line only. */
  length = MIN (length, 4096);
  reader = (CsvReader) { text, length, 0, 0, csv_guess_delimiter (text, length) };

  /* A header naming the URL column, next to at least one other column. */
  if (!csv_next_record (&reader, fields, &line) || fields->len < 2)
    return FALSE;

  for (guint i = 0; i < fields->len; i++)
    if (is_url_header (g_ptr_array_index (fields, i)) &&
        !looks_like_url (g_ptr_array_index (fields, i)))
      return TRUE;

  return FALSE;
}

void
haul_intake_parse_csv (HaulIntakeInput *input,
                       const char      *text,
                       gsize            length)
{
  CsvReader reader = { text, length, 0, 0, csv_guess_delimiter (text, length) };
  g_autoptr(GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  gboolean has_header;
  int column;
  guint line;

  column = csv_find_column (&reader, &has_header);
  if (has_header)
    csv_next_record (&reader, fields, &line);

  while (csv_next_record (&reader, fields, &line))
    {
      g_autofree char *joined = NULL;
      const char *cell = NULL;
      gboolean empty = TRUE;

      for (guint i = 0; i < fields->len; i++)
        if (*(const char *)g_ptr_array_index (fields, i) != '\0')
          empty = FALSE;
      if (empty)
        continue;

      if (column >= 0 && (guint)column < fields->len)
        cell = g_ptr_array_index (fields, column);

      if (cell != NULL && cell[0] != '\0')
        {
          haul_intake_input_add_candidate (input, cell, -1, line, HAUL_INTAKE_CANDIDATE_PLAIN);
          continue;
        }

      g_ptr_array_add (fields, NULL);
      joined = g_strjoinv (",", (char **)fields->pdata);
      g_ptr_array_remove_index (fields, fields->len - 1);
      haul_intake_input_reject (input, line, joined, -1, _("not understood"));
    }
}
