/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "haul-error.h"
#include "haul-request.h"

/* Larger than any real cookies.txt; keeps a wrong file from being read whole. */
#define MAX_COOKIES_TEXT (64 * 1024 * 1024)

struct _HaulRequest
{
  gatomicrefcount  ref_count;

  /* Fixed once made. */
  GStrv            names;
  GStrv            values;
  char            *referer;        /* from -H "Referer: …" */
  char            *cookies_file;

  /* Guards the jar, read on first use; libsoup's jar also drops expired
   * cookies while it is asked, so every use of it is locked. */
  GMutex           lock;
  gboolean         loaded;
  SoupCookieJar   *jar;
  GError          *jar_error;
};

/* Headers that frame the message or that the fetch sets itself. */
static const char * const reserved_headers[] = {
  "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive",
  "Proxy-Connection", "TE", "Trailer", "Upgrade", "Expect", "Content-Encoding",
  "Accept-Encoding", "Range", "If-Range",
};

gboolean
haul_request_check_value (const char  *what,
                          const char  *value,
                          GError     **error)
{
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                   _("%s is not valid UTF-8"), what);
      return FALSE;
    }

  for (const guchar *p = (const guchar *)value; *p != '\0'; p++)
    {
      /* A tab may separate words; a newline would start a header of its own. */
      if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
        {
          g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                       _("%s contains a control character"), what);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
is_token (const char *name)
{
  if (name[0] == '\0')
    return FALSE;

  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr ("!#$%&'*+-.^_`|~", *p) == NULL)
        return FALSE;
    }

  return TRUE;
}

gboolean
haul_request_parse_header (const char  *line,
                           char       **name,
                           char       **value,
                           GError     **error)
{
  g_autofree char *shown = g_strescape (line, NULL);
  g_autofree char *n = NULL;
  g_autofree char *v = NULL;
  const char *colon = strchr (line, ':');

  if (colon == NULL)
    {
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                   _("header “%s” is not “Name: Value”"), shown);
      return FALSE;
    }

  n = g_strndup (line, colon - line);
  v = g_strstrip (g_strdup (colon + 1));

  if (!is_token (n))
    {
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                   _("header “%s” has no valid name"), shown);
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (reserved_headers); i++)
    {
      if (g_ascii_strcasecmp (n, reserved_headers[i]) == 0)
        {
          g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                       _("header %s cannot be set: Haul writes it itself"), reserved_headers[i]);
          return FALSE;
        }
    }

  if (!haul_request_check_value (n, v, error))
    return FALSE;

  if (name != NULL)
    *name = g_steal_pointer (&n);
  if (value != NULL)
    *value = g_steal_pointer (&v);
  return TRUE;
}

HaulRequest *
haul_request_new (const char * const *headers,
                  const char         *cookies_file)
{
  HaulRequest *self = g_new0 (HaulRequest, 1);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) values = g_strv_builder_new ();

  g_atomic_ref_count_init (&self->ref_count);
  g_mutex_init (&self->lock);

  /* Headers were checked where they were given; one that is not valid
   * here is dropped rather than sent. */
  for (guint i = 0; headers != NULL && headers[i] != NULL; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (!haul_request_parse_header (headers[i], &name, &value, NULL))
        continue;

      if (g_ascii_strcasecmp (name, "Referer") == 0)
        {
          g_free (self->referer);
          self->referer = g_steal_pointer (&value);
          continue;
        }

      g_strv_builder_add (names, name);
      g_strv_builder_add (values, value);
    }

  self->names = g_strv_builder_end (names);
  self->values = g_strv_builder_end (values);
  self->cookies_file = cookies_file && cookies_file[0] ? g_strdup (cookies_file) : NULL;
  self->loaded = self->cookies_file == NULL;

  return self;
}

HaulRequest *
haul_request_ref (HaulRequest *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
haul_request_unref (HaulRequest *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_strfreev (self->names);
  g_strfreev (self->values);
  g_free (self->referer);
  g_free (self->cookies_file);
  g_clear_object (&self->jar);
  g_clear_error (&self->jar_error);
  g_mutex_clear (&self->lock);
  g_free (self);
}

const char *
haul_request_get_referer (HaulRequest *self)
{
  return self->referer;
}

HaulRefererPolicy
haul_request_first_policy (const char *referer)
{
  return referer != NULL && referer[0] != '\0' ? HAUL_REFERER_GIVEN : HAUL_REFERER_NONE;
}

HaulRefererPolicy
haul_request_fallback_policy (HaulRefererPolicy policy)
{
  return policy == HAUL_REFERER_NONE ? HAUL_REFERER_ORIGIN : HAUL_REFERER_NONE;
}

static char *
origin_of (GUri *uri)
{
  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL,
                     g_uri_get_host (uri), g_uri_get_port (uri), "/", NULL, NULL);
}

gboolean
haul_request_prepare (HaulRequest        *self,
                      SoupMessage        *msg,
                      GUri               *uri,
                      const char         *referer,
                      HaulRefererPolicy   policy,
                      GError            **error)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autofree char *origin = NULL;
  GSList *cookies = NULL;

  for (guint i = 0; self->names[i] != NULL; i++)
    soup_message_headers_replace (headers, self->names[i], self->values[i]);

  if (referer == NULL)
    referer = self->referer;

  switch (policy)
    {
    case HAUL_REFERER_GIVEN:
      if (referer != NULL)
        soup_message_headers_replace (headers, "Referer", referer);
      break;

    case HAUL_REFERER_ORIGIN:
      origin = origin_of (uri);
      soup_message_headers_replace (headers, "Referer", origin);
      break;

    case HAUL_REFERER_NONE:
    default:
      soup_message_headers_remove (headers, "Referer");
      break;
    }

  g_mutex_lock (&self->lock);
  if (!self->loaded)
    {
      self->jar = haul_request_load_cookies (self->cookies_file, &self->jar_error);
      self->loaded = TRUE;
    }
  if (self->jar_error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->jar_error));
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  /* The image is asked for as its own site: SameSite cookies go too. */
  if (self->jar != NULL)
    cookies = soup_cookie_jar_get_cookie_list_with_same_site_info (self->jar, uri, uri, uri,
                                                                   TRUE, TRUE, TRUE);
  g_mutex_unlock (&self->lock);

  if (cookies != NULL)
    {
      g_autofree char *value = soup_cookies_to_cookie_header (cookies);
      const char *given = soup_message_headers_get_one (headers, "Cookie");
      g_autofree char *both = given ? g_strconcat (given, "; ", value, NULL) : NULL;

      soup_message_headers_replace (headers, "Cookie", both ? both : value);
      g_slist_free_full (cookies, (GDestroyNotify)soup_cookie_free);
    }

  return TRUE;
}

static void
set_not_cookies_error (const char  *path,
                       GError     **error)
{
  g_autofree char *shown = g_filename_display_name (path);

  g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
               _("%s is neither a Netscape cookies.txt nor a Firefox cookies.sqlite"), shown);
}

/* Every line of a cookies.txt is a comment or seven fields between tabs. */
static gboolean
is_cookies_text (const char *data,
                 gsize       length)
{
  g_auto(GStrv) lines = NULL;

  if (memchr (data, '\0', length) != NULL || !g_utf8_validate_len (data, length, NULL))
    return FALSE;

  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strdup (lines[i]);
      g_auto(GStrv) fields = NULL;

      g_strchomp (line);
      if (line[0] == '\0' || (line[0] == '#' && !g_str_has_prefix (line, "#HttpOnly_")))
        continue;

      fields = g_strsplit (line, "\t", -1);
      if (g_strv_length (fields) != 7)
        return FALSE;
    }

  return TRUE;
}

static void
copy_cookies (SoupCookieJar *from,
              SoupCookieJar *to)
{
  GSList *cookies = soup_cookie_jar_all_cookies (from);

  for (GSList *l = cookies; l != NULL; l = l->next)
    soup_cookie_jar_add_cookie (to, l->data);   /* takes the cookie */
  g_slist_free (cookies);
}

static gboolean
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) destination = g_file_new_for_path (to);

  return g_file_copy (source, destination, G_FILE_COPY_NONE, NULL, NULL, NULL, error);
}

/* Firefox's table, with the columns libsoup reads. */
static gboolean
is_firefox_database (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      sqlite3_close (db);
      return FALSE;
    }

  ok = sqlite3_prepare_v2 (db,
                           "SELECT id, name, value, host, path, expiry, lastAccessed, "
                           "isSecure, isHttpOnly FROM moz_cookies",
                           -1, &stmt, NULL) == SQLITE_OK;
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  return ok;
}

static SoupCookieJar *
load_database (const char  *path,
               GError     **error)
{
  static const char * const suffixes[] = { "", "-wal", "-shm", "-journal" };
  g_autofree char *folder = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(SoupCookieJar) jar = NULL;
  g_autoptr(GError) local_error = NULL;

  /* libsoup opens its database for writing and may alter its table, and
   * Firefox locks it while it runs: read a private copy, write-ahead log
   * included, so the newest cookies are there. */
  folder = g_dir_make_tmp ("haul-cookies-XXXXXX", &local_error);
  if (folder == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  copy = g_build_filename (folder, "cookies.sqlite", NULL);

  if (copy_file (path, copy, &local_error))
    {
      g_autofree char *wal = g_strconcat (path, "-wal", NULL);
      g_autofree char *wal_copy = g_strconcat (copy, "-wal", NULL);

      if (g_file_test (wal, G_FILE_TEST_IS_REGULAR))
        copy_file (wal, wal_copy, NULL);

      if (is_firefox_database (copy))
        {
          g_autoptr(SoupCookieJar) db = soup_cookie_jar_db_new (copy, TRUE);

          jar = soup_cookie_jar_new ();
          copy_cookies (db, jar);
        }
      else
        set_not_cookies_error (path, &local_error);
    }

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (copy, suffixes[i], NULL);
      g_unlink (name);
    }
  g_rmdir (folder);

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_steal_pointer (&jar);
}

/* A browser exports a session cookie, such as a login, with expiry 0, which
 * libsoup would take for long expired: those are read from a private copy
 * that keeps them for a day, as for one run. */
static SoupCookieJar *
load_text (const char  *path,
           const char  *data,
           GError     **error)
{
  g_autoptr(GString) copy = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  g_autofree char *tomorrow = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               g_get_real_time () / G_USEC_PER_SEC + 86400);
  g_autofree char *folder = NULL;
  g_autofree char *file = NULL;
  gboolean changed = FALSE;
  SoupCookieJar *jar;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], "\t", -1);

      if (lines[i][0] != '#' || g_str_has_prefix (lines[i], "#HttpOnly_"))
        {
          if (g_strv_length (fields) == 7 && strcmp (fields[4], "0") == 0)
            {
              g_free (fields[4]);
              fields[4] = g_strdup (tomorrow);
              changed = TRUE;
            }
        }
      if (i > 0)
        g_string_append_c (copy, '\n');
      for (guint k = 0; fields[k] != NULL; k++)
        {
          if (k > 0)
            g_string_append_c (copy, '\t');
          g_string_append (copy, fields[k]);
        }
    }

  if (!changed)
    return soup_cookie_jar_text_new (path, TRUE);

  folder = g_dir_make_tmp ("haul-cookies-XXXXXX", error);
  if (folder == NULL)
    return NULL;
  file = g_build_filename (folder, "cookies.txt", NULL);
  if (!g_file_set_contents_full (file, copy->str, copy->len, G_FILE_SET_CONTENTS_NONE, 0600, error))
    {
      g_rmdir (folder);
      return NULL;
    }

  jar = soup_cookie_jar_text_new (file, TRUE);
  g_unlink (file);
  g_rmdir (folder);
  return jar;
}

SoupCookieJar *
haul_request_load_cookies (const char  *path,
                           GError     **error)
{
  g_autofree char *shown = g_filename_display_name (path);
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GFileInfo) info = NULL;
  char head[16] = { 0 };
  gsize got = 0;

  in = g_file_read (file, NULL, &local_error);
  if (in != NULL)
    info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                                           G_FILE_ATTRIBUTE_STANDARD_TYPE, NULL, &local_error);
  if (info != NULL)
    g_input_stream_read_all (G_INPUT_STREAM (in), head, sizeof head, &got, NULL, &local_error);

  if (local_error != NULL)
    {
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                   _("cannot read the cookies file %s: %s"), shown, local_error->message);
      return NULL;
    }

  if (got == sizeof head && memcmp (head, "SQLite format 3", sizeof head) == 0)
    {
      g_clear_object (&in);
      return load_database (path, error);
    }

  if (g_file_info_get_size (info) > MAX_COOKIES_TEXT)
    {
      set_not_cookies_error (path, error);
      return NULL;
    }

  {
    gsize length = 0;
    g_autoptr(SoupCookieJar) text = NULL;
    SoupCookieJar *jar;

    if (!g_file_get_contents (path, &data, &length, &local_error))
      {
        g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                     _("cannot read the cookies file %s: %s"), shown, local_error->message);
        return NULL;
      }

    if (!is_cookies_text (data, length))
      {
        set_not_cookies_error (path, error);
        return NULL;
      }

    /* Read-only: libsoup never writes the file back. */
    text = load_text (path, data, &local_error);
    if (text == NULL)
      {
        g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
                     _("cannot read the cookies file %s: %s"), shown, local_error->message);
        return NULL;
      }
    jar = soup_cookie_jar_new ();
    copy_cookies (text, jar);
    return jar;
  }
}

GProxyResolver *
haul_request_proxy_resolver_new (const char  *proxy,
                                 GError     **error)
{
  static const char * const schemes[] = {
    "http", "https", "socks", "socks4", "socks4a", "socks5",
  };
  g_autoptr(GUri) uri = g_uri_parse (proxy, G_URI_FLAGS_NONE, NULL);

  if (uri != NULL && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0')
    {
      for (guint i = 0; i < G_N_ELEMENTS (schemes); i++)
        {
          if (g_ascii_strcasecmp (g_uri_get_scheme (uri), schemes[i]) == 0)
            return g_simple_proxy_resolver_new (proxy, NULL);
        }
    }

  g_set_error (error, HAUL_ERROR, HAUL_ERROR_INPUT,
               _("proxy “%s” is not an http, https or socks URL"), proxy);
  return NULL;
}
