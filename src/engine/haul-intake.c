/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <libxml/parser.h>

#include "haul-error.h"
#include "haul-intake-private.h"
#include "haul-sandbox.h"

struct _HaulIntake
{
  GObject     parent_instance;
  GPtrArray  *urls;
  GPtrArray  *rejects;
  guint       n_rejects;
  GHashTable *seen;     /* normalised URL -> NULL, borrowed from urls */
};

G_DEFINE_FINAL_TYPE (HaulIntake, haul_intake, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (HaulIntakeReject, haul_intake_reject, haul_intake_reject_copy, haul_intake_reject_free)

HaulIntakeReject *
haul_intake_reject_copy (const HaulIntakeReject *reject)
{
  HaulIntakeReject *copy = g_new0 (HaulIntakeReject, 1);

  copy->source = g_strdup (reject->source);
  copy->line = reject->line;
  copy->text = g_strdup (reject->text);
  copy->reason = g_strdup (reject->reason);

  return copy;
}

void
haul_intake_reject_free (HaulIntakeReject *reject)
{
  g_free (reject->source);
  g_free (reject->text);
  g_free (reject->reason);
  g_free (reject);
}

static void
haul_intake_finalize (GObject *object)
{
  HaulIntake *self = (HaulIntake *)object;

  g_clear_pointer (&self->seen, g_hash_table_unref);
  g_clear_pointer (&self->urls, g_ptr_array_unref);
  g_clear_pointer (&self->rejects, g_ptr_array_unref);

  G_OBJECT_CLASS (haul_intake_parent_class)->finalize (object);
}

static void
haul_intake_class_init (HaulIntakeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = haul_intake_finalize;

  /* libxml2 must be set up once before threads use it. */
  xmlInitParser ();
}

static void
haul_intake_init (HaulIntake *self)
{
  self->urls = g_ptr_array_new_with_free_func (g_free);
  self->rejects = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_intake_reject_free);
  self->seen = g_hash_table_new (g_str_hash, g_str_equal);
}

HaulIntake *
haul_intake_new (void)
{
  return g_object_new (HAUL_TYPE_INTAKE, NULL);
}

GPtrArray *
haul_intake_get_urls (HaulIntake *self)
{
  g_return_val_if_fail (HAUL_IS_INTAKE (self), NULL);

  return self->urls;
}

GPtrArray *
haul_intake_get_rejects (HaulIntake *self)
{
  g_return_val_if_fail (HAUL_IS_INTAKE (self), NULL);

  return self->rejects;
}

guint
haul_intake_get_n_rejects (HaulIntake *self)
{
  g_return_val_if_fail (HAUL_IS_INTAKE (self), 0);

  return self->n_rejects;
}

/* Normalisation */

static gboolean
is_space_byte (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Characters no URL may hold as they are; browsers escape them too. */
static gboolean
needs_escape (guchar c)
{
  return c <= 0x20 || c >= 0x7f || strchr ("\"<>\\^`{|}", c) != NULL;
}

/* Whether @p starts a “%XX” escape. */
static gboolean
is_percent_escape (const char *p)
{
  return p[0] == '%' && g_ascii_isxdigit (p[1]) && g_ascii_isxdigit (p[2]);
}

char *
haul_intake_escape_lone_percent (const char *text)
{
  GString *escaped = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '%' && !is_percent_escape (p))
        g_string_append (escaped, "%25");
      else
        g_string_append_c (escaped, *p);
    }

  return g_string_free (escaped, FALSE);
}

static gboolean
is_valid_host (const char *host)
{
  for (const char *p = host; *p; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
        return FALSE;
    }

  return TRUE;
}

char *
haul_intake_normalize_url (const char  *url,
                           char       **reason)
{
  g_autoptr(GString) escaped = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  const char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autofree char *result = NULL;
  const char *authority;
  g_autofree char *rest = NULL;
  g_autofree char *prefix = NULL;
  gsize rest_offset = 0;
  gsize start = 0;
  gsize end;
  int port;

  g_return_val_if_fail (url != NULL, NULL);

  if (reason != NULL)
    *reason = NULL;

  end = strlen (url);
  while (start < end && is_space_byte (url[start]))
    start++;
  while (end > start && is_space_byte (url[end - 1]))
    end--;

  if (end - start > HAUL_INTAKE_MAX_URL_LENGTH)
    goto too_long;

  escaped = g_string_new_len (url + start, end - start);

  scheme = g_uri_peek_scheme (escaped->str);
  if (scheme == NULL)
    {
      if (reason != NULL)
        *reason = g_strdup (_("malformed"));
      return NULL;
    }

  if (strcmp (scheme, "http") != 0 && strcmp (scheme, "https") != 0)
    {
      if (reason != NULL)
        {
          g_autofree char *shown = g_utf8_make_valid (scheme, -1);
          /* Translators: the scheme of a URL, such as “ftp” or “file” */
          *reason = g_strdup_printf (_("unsupported scheme “%s”"), shown);
        }
      return NULL;
    }

  /* Escape what may not stand in the path, query and fragment as written;
   * the host is left alone for GUri to decode and turn into punycode.
   * Browsers send a “%” that starts no escape as it is, but GUri and so
   * libsoup refuse it: it goes as “%25”, which servers read the same. */
  authority = strstr (escaped->str, "//");
  if (authority != NULL && authority == escaped->str + strlen (scheme) + 1)
    {
      gsize i = authority + 2 - escaped->str;
      GString *copy;

      while (i < escaped->len && strchr ("/?#", escaped->str[i]) == NULL)
        i++;
      rest_offset = i;

      copy = g_string_new_len (escaped->str, i);
      for (; i < escaped->len; i++)
        {
          guchar c = escaped->str[i];

          if (needs_escape (c))
            g_string_append_printf (copy, "%%%02X", c);
          else if (c == '%' && !is_percent_escape (escaped->str + i))
            g_string_append (copy, "%25");
          else
            g_string_append_c (copy, c);
        }

      g_string_free (escaped, TRUE);
      escaped = copy;
    }

  uri = g_uri_parse (escaped->str, G_URI_FLAGS_ENCODED | G_URI_FLAGS_SCHEME_NORMALIZE, &error);
  if (uri == NULL)
    {
      if (reason != NULL)
        {
          if (g_error_matches (error, G_URI_ERROR, G_URI_ERROR_BAD_PORT))
            *reason = g_strdup (_("invalid port"));
          else if (g_error_matches (error, G_URI_ERROR, G_URI_ERROR_BAD_HOST))
            *reason = g_strdup (_("invalid host"));
          else
            *reason = g_strdup (_("malformed"));
        }
      return NULL;
    }

  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      if (reason != NULL)
        *reason = g_strdup (_("no host"));
      return NULL;
    }

  port = g_uri_get_port (uri);
  if (port == 0)
    {
      if (reason != NULL)
        *reason = g_strdup (_("invalid port"));
      return NULL;
    }
  if ((port == 80 && strcmp (scheme, "http") == 0) ||
      (port == 443 && strcmp (scheme, "https") == 0))
    port = -1;

  if (g_hostname_is_ip_address (g_uri_get_host (uri)))
    host = g_ascii_strdown (g_uri_get_host (uri), -1);
  else
    {
      g_autofree char *ascii = g_hostname_to_ascii (g_uri_get_host (uri));

      if (ascii == NULL || !is_valid_host (ascii))
        {
          if (reason != NULL)
            *reason = g_strdup (_("invalid host"));
          return NULL;
        }
      host = g_ascii_strdown (ascii, -1);
    }

  /* Path and query exactly as written (GUri would decode “%41”), the
   * fragment dropped, and an empty path made “/”. */
  rest = g_strdup (escaped->str + rest_offset);
  if (strchr (rest, '#') != NULL)
    *strchr (rest, '#') = '\0';
  prefix = g_uri_join (G_URI_FLAGS_ENCODED, scheme, g_uri_get_userinfo (uri),
                       host, port, "", NULL, NULL);
  result = g_strconcat (prefix, rest[0] == '/' ? "" : "/", rest, NULL);

  if (strlen (result) > HAUL_INTAKE_MAX_URL_LENGTH)
    goto too_long;

  return g_steal_pointer (&result);

too_long:
  if (reason != NULL)
    *reason = g_strdup (_("too long"));
  return NULL;
}

/* Adding entries */

static char *
shorten_for_display (const char *text,
                     gssize      length)
{
  g_autofree char *valid = NULL;
  const char *start;
  const char *end;
  glong n_chars;

  if (length < 0)
    length = strlen (text);

  valid = g_utf8_make_valid (text, length);
  start = valid;
  end = valid + strlen (valid);
  while (*start && is_space_byte (*start))
    start++;
  while (end > start && is_space_byte (end[-1]))
    end--;

  n_chars = g_utf8_strlen (start, end - start);
  if (n_chars > HAUL_INTAKE_REJECT_TEXT_CHARS)
    {
      const char *cut = g_utf8_offset_to_pointer (start, HAUL_INTAKE_REJECT_TEXT_CHARS - 1);
      g_autofree char *head = g_strndup (start, cut - start);

      return g_strconcat (head, "…", NULL);
    }

  return g_strndup (start, end - start);
}

void
haul_intake_input_reject (HaulIntakeInput *input,
                          guint            line,
                          const char      *text,
                          gssize           length,
                          const char      *reason)
{
  HaulIntakeReject *reject;

  if (input->intake->n_rejects++ >= HAUL_INTAKE_MAX_REJECTS)
    return;

  reject = g_new0 (HaulIntakeReject, 1);
  reject->source = g_strdup (input->source);
  reject->line = line;
  reject->text = shorten_for_display (text, length);
  reject->reason = g_strdup (reason);

  g_ptr_array_add (input->intake->rejects, reject);
}

/* Returns TRUE when @url was usable (whether new or a duplicate). */
static gboolean
add_one (HaulIntakeInput *input,
         const char      *url,
         guint            line,
         const char      *shown)
{
  g_autofree char *reason = NULL;
  g_autofree char *normal = haul_intake_normalize_url (url, &reason);

  if (normal == NULL)
    {
      haul_intake_input_reject (input, line, shown, -1, reason);
      return FALSE;
    }

  if (!g_hash_table_contains (input->intake->seen, normal))
    {
      g_hash_table_add (input->intake->seen, normal);
      g_ptr_array_add (input->intake->urls, g_steal_pointer (&normal));
    }

  return TRUE;
}

gboolean
haul_intake_input_add_candidate (HaulIntakeInput          *input,
                                 const char               *text,
                                 gssize                    length,
                                 guint                     line,
                                 HaulIntakeCandidateFlags  flags)
{
  g_autofree char *candidate = NULL;
  g_autofree char *trimmed = NULL;
  g_autoptr(GPtrArray) expanded = NULL;
  g_autofree char *reason = NULL;
  gboolean any = FALSE;
  guint count = 0;

  if (length < 0)
    length = strlen (text);

  candidate = g_strndup (text, length);
  trimmed = g_strdup (g_strstrip (candidate));

  if (trimmed[0] == '\0')
    return FALSE;

  if (strlen (trimmed) > HAUL_INTAKE_MAX_URL_LENGTH)
    {
      haul_intake_input_reject (input, line, trimmed, -1, _("too long"));
      return FALSE;
    }

  if ((flags & HAUL_INTAKE_CANDIDATE_RELATIVE) != 0)
    {
      const char *scheme = g_uri_peek_scheme (trimmed);

      if (scheme == NULL)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *reference = NULL;
          char *resolved = NULL;

          if (input->base_url == NULL)
            {
              haul_intake_input_reject (input, line, trimmed, -1, _("relative link with no base URL"));
              return FALSE;
            }

          reference = haul_intake_escape_lone_percent (trimmed);
          resolved = g_uri_resolve_relative (input->base_url, reference,
                                             G_URI_FLAGS_ENCODED, &error);
          if (resolved == NULL)
            {
              haul_intake_input_reject (input, line, trimmed, -1, _("malformed"));
              return FALSE;
            }

          g_free (trimmed);
          trimmed = resolved;
        }
    }

  if ((flags & HAUL_INTAKE_CANDIDATE_EXPAND) == 0)
    return add_one (input, trimmed, line, trimmed);

  /* Counted first, so that a pattern over the cap costs nothing. */
  if (!haul_intake_expand (trimmed, HAUL_INTAKE_MAX_PER_PATTERN, NULL, &count, &reason))
    {
      haul_intake_input_reject (input, line, trimmed, -1, reason);
      return FALSE;
    }

  if (count > 1)
    {
      if (input->expanded + count > HAUL_INTAKE_MAX_PER_INPUT)
        {
          g_autofree char *message =
            g_strdup_printf (_("more than %u URLs from ranges in one input"),
                             HAUL_INTAKE_MAX_PER_INPUT);
          haul_intake_input_reject (input, line, trimmed, -1, message);
          return FALSE;
        }
      input->expanded += count;
    }

  expanded = g_ptr_array_new_with_free_func (g_free);
  haul_intake_expand (trimmed, HAUL_INTAKE_MAX_PER_PATTERN, expanded, NULL, NULL);

  for (guint i = 0; i < expanded->len; i++)
    {
      const char *url = g_ptr_array_index (expanded, i);

      /* The URLs of a pattern share scheme and host: when the first is
       * unusable, the pattern is reported once rather than once per URL. */
      if (add_one (input, url, line, i == 0 ? trimmed : url))
        any = TRUE;
      else if (i == 0)
        break;
    }

  return any;
}

/* Whole inputs */

static gboolean
check_input (const char  *text,
             gsize        length,
             const char  *source,
             GError     **error)
{
  if (length > HAUL_INTAKE_MAX_FILE_SIZE)
    {
      if (source != NULL)
        g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                     _("“%s” is larger than 16 MiB"), source);
      else
        g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                             _("The text is larger than 16 MiB"));
      return FALSE;
    }

  if (memchr (text, '\0', length) != NULL)
    {
      if (source != NULL)
        g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                     _("“%s” is not a text file (it contains NUL bytes)"), source);
      else
        g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                             _("The text contains NUL bytes"));
      return FALSE;
    }

  return TRUE;
}

static gboolean
add_text_internal (HaulIntake  *self,
                   const char  *text,
                   gsize        length,
                   const char  *content_type,
                   const char  *source,
                   const char  *file_name,
                   const char  *base_url,
                   GError     **error)
{
  HaulIntakeInput input = { self, source, NULL, 0 };
  g_autofree char *converted = NULL;
  HaulIntakeFormat format;

  /* Only an http(s) URL can be a base: relative links in a page known
   * by a file: URL are reported as having none. */
  if (base_url != NULL)
    input.base_url = haul_intake_normalize_url (base_url, NULL);

  /* UTF-16 with a byte order mark, as Windows tools write text, is read
   * as the UTF-8 it stands for. */
  if (length >= 2 && length <= HAUL_INTAKE_MAX_FILE_SIZE &&
      (((guchar)text[0] == 0xff && (guchar)text[1] == 0xfe) ||
       ((guchar)text[0] == 0xfe && (guchar)text[1] == 0xff)))
    {
      gsize written = 0;

      converted = g_convert (text + 2, (length - 2) & ~(gsize)1, "UTF-8",
                             (guchar)text[0] == 0xff ? "UTF-16LE" : "UTF-16BE",
                             NULL, &written, NULL);
      if (converted != NULL)
        {
          text = converted;
          length = written;
        }
    }

  /* A binary .webloc is the one binary input that is welcome. */
  if (length <= HAUL_INTAKE_MAX_FILE_SIZE && haul_intake_is_binary_plist (text, length))
    {
      haul_intake_parse_binary_plist (&input, text, length);
      g_free (input.base_url);
      return TRUE;
    }

  if (!check_input (text, length, source, error))
    {
      g_free (input.base_url);
      return FALSE;
    }

  /* A UTF-8 byte order mark says nothing about the URLs. */
  if (length >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    {
      text += 3;
      length -= 3;
    }

  format = haul_intake_detect_format (text, length, content_type, file_name);

  switch (format)
    {
    case HAUL_INTAKE_FORMAT_URI_LIST:
      haul_intake_parse_uri_list (&input, text, length);
      break;

    case HAUL_INTAKE_FORMAT_HTML:
      haul_intake_parse_html (&input, text, length);
      break;

    case HAUL_INTAKE_FORMAT_MARKDOWN:
      haul_intake_parse_markdown (&input, text, length);
      break;

    case HAUL_INTAKE_FORMAT_INTERNET_SHORTCUT:
    case HAUL_INTAKE_FORMAT_DESKTOP:
      haul_intake_parse_ini (&input, text, length, format);
      break;

    case HAUL_INTAKE_FORMAT_WEBLOC:
      haul_intake_parse_webloc (&input, text, length);
      break;

    case HAUL_INTAKE_FORMAT_JSON:
      /* Not an array after all: pick the URLs out of it as from prose. */
      if (!haul_intake_parse_json (&input, text, length))
        haul_intake_parse_text (&input, text, length, FALSE);
      break;

    case HAUL_INTAKE_FORMAT_CSV:
      haul_intake_parse_csv (&input, text, length);
      break;

    case HAUL_INTAKE_FORMAT_UNKNOWN:
    case HAUL_INTAKE_FORMAT_TEXT:
    default:
      haul_intake_parse_text (&input, text, length, TRUE);
      break;
    }

  g_free (input.base_url);

  return TRUE;
}

/* A link dragged from Firefox: text/x-moz-url, UTF-16 as a rule, each URL
 * on one line and its title on the next. Gives the URLs, one a line. */
static char *
moz_url_to_uri_list (const char *text,
                     gsize       length)
{
  g_autofree char *utf8 = NULL;
  g_auto(GStrv) lines = NULL;
  GString *list = g_string_new (NULL);

  if (length >= 2 && length % 2 == 0 && memchr (text, '\0', length) != NULL)
    utf8 = g_convert (text, length, "UTF-8", "UTF-16LE", NULL, NULL, NULL);
  if (utf8 == NULL)
    utf8 = g_utf8_make_valid (text, length);

  lines = g_strsplit_set (utf8, "\r\n", -1);
  for (guint i = 0, n = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0')
        continue;
      if (n++ % 2 == 0)
        g_string_append_printf (list, "%s\n", lines[i]);
    }

  return g_string_free (list, FALSE);
}

gboolean
haul_intake_add_text (HaulIntake  *self,
                      const char  *text,
                      gssize       length,
                      const char  *content_type,
                      const char  *source_name,
                      const char  *base_url,
                      GError     **error)
{
  g_autofree char *uri_list = NULL;

  g_return_val_if_fail (HAUL_IS_INTAKE (self), FALSE);
  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (text == NULL)
    text = "";
  if (length < 0)
    length = strlen (text);

  if (g_strcmp0 (content_type, "text/x-moz-url") == 0 && length <= HAUL_INTAKE_MAX_FILE_SIZE)
    {
      uri_list = moz_url_to_uri_list (text, length);
      text = uri_list;
      length = strlen (uri_list);
      content_type = "text/uri-list";
    }

  return add_text_internal (self, text, length, content_type,
                            source_name, source_name, base_url, error);
}

gboolean
haul_intake_add_url (HaulIntake *self,
                     const char *url)
{
  static const char pairs[][2] = { { '<', '>' }, { '"', '"' }, { '\'', '\'' }, { '(', ')' } };
  HaulIntakeInput input = { self, NULL, NULL, 0 };
  g_autofree char *copy = NULL;
  gsize len;

  g_return_val_if_fail (HAUL_IS_INTAKE (self), FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  /* Copied with its quotes or angle brackets, as in <https://…>. */
  copy = g_strstrip (g_strdup (url));
  len = strlen (copy);
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      if (len >= 2 && copy[0] == pairs[i][0] && copy[len - 1] == pairs[i][1])
        {
          copy[len - 1] = '\0';
          return haul_intake_input_add_candidate (&input, copy + 1, -1, 0,
                                                  HAUL_INTAKE_CANDIDATE_EXPAND);
        }
    }

  return haul_intake_input_add_candidate (&input, copy, -1, 0, HAUL_INTAKE_CANDIDATE_EXPAND);
}

/* Files */

/* The name rejects carry: relative to the current folder when the file
 * lies below it, as the user most likely typed it. */
static char *
display_name_for_file (GFile *file)
{
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr(GFile) here = g_file_new_for_path (cwd);
  char *relative = g_file_get_relative_path (here, file);

  if (relative != NULL)
    return relative;

  return g_file_get_parse_name (file);
}

static gboolean
read_limited (GFile         *file,
              const char    *shown,
              GCancellable  *cancellable,
              GBytes       **bytes,
              GError       **error)
{
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GByteArray) data = NULL;
  gsize chunk = 64 * 1024;

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    return FALSE;

  /* Refuse a large regular file before reading any of it. */
  info = g_file_input_stream_query_info (stream, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                         cancellable, NULL);
  if (info != NULL &&
      g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_SIZE) &&
      g_file_info_get_size (info) > HAUL_INTAKE_MAX_FILE_SIZE)
    {
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                   _("“%s” is larger than 16 MiB"), shown);
      return FALSE;
    }

  /* Pipes and special files have no size: stop one byte past the cap. */
  data = g_byte_array_new ();
  for (;;)
    {
      gsize old_len = data->len;
      gssize n;

      g_byte_array_set_size (data, old_len + chunk);
      n = g_input_stream_read (G_INPUT_STREAM (stream), data->data + old_len,
                               chunk, cancellable, error);
      if (n < 0)
        return FALSE;

      g_byte_array_set_size (data, old_len + n);
      if (n == 0)
        break;

      if (data->len > HAUL_INTAKE_MAX_FILE_SIZE)
        {
          g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                       _("“%s” is larger than 16 MiB"), shown);
          return FALSE;
        }
    }

  *bytes = g_byte_array_free_to_bytes (g_steal_pointer (&data));

  return TRUE;
}

gboolean
haul_intake_add_file (HaulIntake    *self,
                      GFile         *file,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autofree char *shown = NULL;
  g_autofree char *basename = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *data;
  gsize length;

  g_return_val_if_fail (HAUL_IS_INTAKE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);
  g_return_val_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  shown = display_name_for_file (file);
  basename = g_file_get_basename (file);

  if (!read_limited (file, shown, cancellable, &bytes, &local_error))
    {
      /* A host file the Flatpak sandbox does not share is merely missing
       * inside it: say so, or the user looks for a typo. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          g_autoptr(GError) sandbox_error = NULL;

          if (!haul_sandbox_check_input (haul_sandbox_get_default (), file, &sandbox_error))
            {
              g_clear_error (&local_error);
              local_error = g_steal_pointer (&sandbox_error);
            }
        }

      /* Name the file in the message, as the caller prints it alone. */
      if (local_error->domain != HAUL_ERROR &&
          !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_prefix_error (&local_error, "%s: ", shown);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  data = g_bytes_get_data (bytes, &length);

  return add_text_internal (self, data != NULL ? data : "", length, NULL,
                            shown, basename, NULL, error);
}

typedef struct
{
  GFile **files;
  guint   n_files;
} LoadData;

static void
load_data_free (LoadData *data)
{
  for (guint i = 0; i < data->n_files; i++)
    g_object_unref (data->files[i]);
  g_free (data->files);
  g_free (data);
}

static void
load_files_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(HaulIntake) intake = haul_intake_new ();
  g_autoptr(GError) first_error = NULL;
  guint n_failed = 0;

  for (guint i = 0; i < data->n_files; i++)
    {
      g_autoptr(GError) error = NULL;

      if (g_task_return_error_if_cancelled (task))
        return;

      if (!haul_intake_add_file (intake, data->files[i], cancellable, &error))
        {
          HaulIntakeInput input = { intake, NULL, NULL, 0 };
          g_autofree char *shown = display_name_for_file (data->files[i]);

          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_task_return_error (task, g_steal_pointer (&error));
              return;
            }

          /* One unusable file must not lose the others: it becomes a
           * reject with line 0, which stands for the whole source. */
          input.source = shown;
          haul_intake_input_reject (&input, 0, shown, -1, error->message);
          n_failed++;

          if (first_error == NULL)
            first_error = g_steal_pointer (&error);
        }
    }

  if (data->n_files > 0 && n_failed == data->n_files)
    g_task_return_error (task, g_steal_pointer (&first_error));
  else
    g_task_return_pointer (task, g_steal_pointer (&intake), g_object_unref);
}

void
haul_intake_load_files_async (GFile               **files,
                              guint                 n_files,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;

  g_return_if_fail (files != NULL || n_files == 0);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  data = g_new0 (LoadData, 1);
  data->files = g_new0 (GFile *, n_files + 1);
  data->n_files = n_files;
  for (guint i = 0; i < n_files; i++)
    data->files[i] = g_object_ref (files[i]);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, haul_intake_load_files_async);
  g_task_set_task_data (task, data, (GDestroyNotify)load_data_free);
  g_task_run_in_thread (task, load_files_thread);
}

HaulIntake *
haul_intake_load_files_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == haul_intake_load_files_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char  *text;
  gsize  length;
  char  *content_type;
} TextData;

static void
text_data_free (TextData *data)
{
  g_free (data->text);
  g_free (data->content_type);
  g_free (data);
}

static void
load_text_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TextData *data = task_data;
  g_autoptr(HaulIntake) intake = haul_intake_new ();
  GError *error = NULL;

  if (!haul_intake_add_text (intake, data->text, data->length, data->content_type,
                             NULL, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&intake), g_object_unref);
}

void
haul_intake_load_text_async (const char          *text,
                             gssize               length,
                             const char          *content_type,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TextData *data;

  g_return_if_fail (text != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (length < 0)
    length = strlen (text);

  data = g_new0 (TextData, 1);
  /* Copied whole, NUL bytes included: the intake refuses binary input. */
  data->text = g_malloc (length + 1);
  memcpy (data->text, text, length);
  data->text[length] = '\0';
  data->length = length;
  data->content_type = g_strdup (content_type);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, haul_intake_load_text_async);
  g_task_set_task_data (task, data, (GDestroyNotify)text_data_free);
  g_task_run_in_thread (task, load_text_thread);
}

HaulIntake *
haul_intake_load_text_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == haul_intake_load_text_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
