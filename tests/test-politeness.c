/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "haul-download.h"
#include "haul-downloader.h"
#include "haul-error.h"
#include "haul-fetch.h"
#include "haul-politeness.h"
#include "haul-request.h"
#include "test-server.h"

/* Servers on 127.0.0.1 that watch how they are treated. Each port is a
 * host of its own (hosts are "host:port"), so two servers stand for two
 * sites. They share one thread and one lock.
 *
 *   /hold/NAME?ms=N       the PNG after N ms
 *   /need-referer/NAME    403 unless the Referer is the server's own origin
 *   /no-foreign/NAME      403 when a Referer from elsewhere is sent
 *   /cookie/NAME          401 unless the Cookie header is exactly ?want=…
 *   /headers              400 unless X-Test: yes and User-Agent: ?ua=…
 *   /busy/NAME            429 with Retry-After: 2 the first time, else the PNG
 *   /bytes/N              N bytes starting like a PNG
 *   /drip                 Content-Length 100000, then a byte every 400 ms
 *   anything, as a proxy  the PNG, noting the absolute URI asked for
 */

typedef struct
{
  gint64  time;
  char   *path;
  char   *uri;
  char   *referer;
  char   *cookie;
} Request;

typedef struct
{
  SoupServer *server;
  char       *base;
  char       *origin;
  GPtrArray  *requests;     /* Request *, under the lock */
  guint       in_flight;
  guint       max_in_flight;
  gint64      busy_time;    /* when the 429 went out */
} Site;

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GBytes       *png;
  Site          sites[3];   /* two sites and a proxy */
} Sites;

static Sites *sites;

#define SITE_A  (&sites->sites[0])
#define SITE_B  (&sites->sites[1])
#define PROXY   (&sites->sites[2])

static void
request_free (Request *request)
{
  g_free (request->path);
  g_free (request->uri);
  g_free (request->referer);
  g_free (request->cookie);
  g_free (request);
}

static void
set_png (SoupServerMessage *msg)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (sites->png, NULL),
                                    g_bytes_get_size (sites->png));
}

static void
set_status (SoupServerMessage *msg,
            guint              status)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "no", 2);
}

static void
message_finished (SoupServerMessage *msg,
                  Site              *site)
{
  g_mutex_lock (&sites->lock);
  site->in_flight--;
  g_mutex_unlock (&sites->lock);
}

static gboolean
hold_done (gpointer user_data)
{
  SoupServerMessage *msg = user_data;

  set_png (msg);
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  SoupServerMessage *msg;
  guint              sent;
  guint8            *body;
} Drip;

static void
drip_free (gpointer user_data)
{
  Drip *drip = user_data;

  g_object_unref (drip->msg);
  g_free (drip->body);
  g_free (drip);
}

static gboolean
drip_cb (gpointer user_data)
{
  Drip *drip = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (drip->msg);

  /* The PNG signature at once, then a byte at a time. */
  guint step = drip->sent == 0 ? 8 : 1;

  soup_message_body_append (body, SOUP_MEMORY_COPY, drip->body + drip->sent, step);
  drip->sent += step;
  soup_server_message_unpause (drip->msg);

  return drip->sent < 100000 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
drip_client_gone (SoupServerMessage *msg,
                  GSource           *source)
{
  g_source_destroy (source);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* "b=2; a=1" as "a=1; b=2": the order of cookies carries no meaning. */
static char *
sorted_cookies (const char *header)
{
  g_auto(GStrv) cookies = NULL;

  if (header == NULL)
    return NULL;

  cookies = g_strsplit (header, "; ", -1);
  qsort (cookies, g_strv_length (cookies), sizeof (char *), compare_strings);
  return g_strjoinv ("; ", cookies);
}

static void
handle (SoupServer        *server,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Site *site = user_data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  const char *referer = soup_message_headers_get_one (in, "Referer");
  const char *cookie = soup_message_headers_get_one (in, "Cookie");
  Request *request = g_new0 (Request, 1);
  gboolean first_busy = FALSE;

  request->time = g_get_monotonic_time ();
  request->path = g_strdup (path);
  request->uri = g_uri_to_string (soup_server_message_get_uri (msg));
  request->referer = g_strdup (referer);
  request->cookie = g_strdup (cookie);

  g_mutex_lock (&sites->lock);
  g_ptr_array_add (site->requests, request);
  site->in_flight++;
  site->max_in_flight = MAX (site->max_in_flight, site->in_flight);
  if (g_str_has_prefix (path, "/busy/") && site->busy_time == 0)
    {
      site->busy_time = request->time;
      first_busy = TRUE;
    }
  g_mutex_unlock (&sites->lock);
  g_signal_connect (msg, "finished", G_CALLBACK (message_finished), site);

  if (site == PROXY)
    set_png (msg);
  else if (g_str_has_prefix (path, "/hold/"))
    {
      const char *ms = query ? g_hash_table_lookup (query, "ms") : NULL;

      GSource *source = g_timeout_source_new (ms ? atoi (ms) : 0);

      soup_server_message_pause (msg);
      g_source_set_callback (source, hold_done, g_object_ref (msg), g_object_unref);
      g_source_attach (source, sites->context);
      g_source_unref (source);
    }
  else if (g_str_has_prefix (path, "/need-referer/"))
    {
      if (g_strcmp0 (referer, site->origin) == 0)
        set_png (msg);
      else
        set_status (msg, SOUP_STATUS_FORBIDDEN);
    }
  else if (g_str_has_prefix (path, "/no-foreign/"))
    {
      if (referer == NULL || g_str_has_prefix (referer, site->origin))
        set_png (msg);
      else
        set_status (msg, SOUP_STATUS_FORBIDDEN);
    }
  else if (g_str_has_prefix (path, "/cookie/"))
    {
      g_autofree char *got = sorted_cookies (cookie);
      g_autofree char *want = sorted_cookies (g_hash_table_lookup (query, "want"));

      if (g_strcmp0 (got, want) == 0)
        set_png (msg);
      else
        set_status (msg, SOUP_STATUS_UNAUTHORIZED);
    }
  else if (strcmp (path, "/headers") == 0)
    {
      if (g_strcmp0 (soup_message_headers_get_one (in, "X-Test"), "yes") == 0 &&
          g_strcmp0 (soup_message_headers_get_one (in, "User-Agent"),
                     g_hash_table_lookup (query, "ua")) == 0)
        set_png (msg);
      else
        set_status (msg, SOUP_STATUS_BAD_REQUEST);
    }
  else if (g_str_has_prefix (path, "/busy/"))
    {
      if (first_busy)
        {
          set_status (msg, 429);
          soup_message_headers_replace (out, "Retry-After", "2");
        }
      else
        set_png (msg);
    }
  else if (g_str_has_prefix (path, "/bytes/"))
    {
      gsize length = g_ascii_strtoull (path + strlen ("/bytes/"), NULL, 10);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_TAKE,
                                        (char *)test_make_pattern (length), length);
    }
  else if (strcmp (path, "/drip") == 0)
    {
      Drip *drip = g_new0 (Drip, 1);
      GSource *source = g_timeout_source_new (400);

      drip->msg = g_object_ref (msg);
      drip->body = test_make_pattern (100000);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (out, "image/png", NULL);
      soup_message_headers_set_content_length (out, 100000);
      g_source_set_callback (source, drip_cb, drip, drip_free);
      g_source_attach (source, sites->context);
      g_signal_connect_data (msg, "finished", G_CALLBACK (drip_client_gone),
                             source, (GClosureNotify)(void (*) (void))g_source_unref, 0);
      soup_server_message_pause (msg);
    }
  else
    set_status (msg, SOUP_STATUS_NOT_FOUND);
}

static gpointer
sites_thread (gpointer user_data)
{
  g_main_context_push_thread_default (sites->context);

  for (guint i = 0; i < G_N_ELEMENTS (sites->sites); i++)
    {
      Site *site = &sites->sites[i];

      site->server = soup_server_new (NULL, NULL);
      soup_server_add_handler (site->server, NULL, handle, site, NULL);
      site->base = test_server_listen (site->server, 0);
      site->origin = g_strconcat (site->base, "/", NULL);
      site->requests = g_ptr_array_new_with_free_func ((GDestroyNotify)request_free);
    }

  g_mutex_lock (&sites->lock);
  sites->ready = TRUE;
  g_cond_signal (&sites->cond);
  g_mutex_unlock (&sites->lock);

  g_main_loop_run (sites->loop);

  for (guint i = 0; i < G_N_ELEMENTS (sites->sites); i++)
    {
      soup_server_disconnect (sites->sites[i].server);
      g_clear_object (&sites->sites[i].server);
    }
  while (g_main_context_iteration (sites->context, FALSE))
    ;

  g_main_context_pop_thread_default (sites->context);
  return NULL;
}

static void
sites_start (void)
{
  sites = g_new0 (Sites, 1);
  g_mutex_init (&sites->lock);
  g_cond_init (&sites->cond);
  sites->context = g_main_context_new ();
  sites->loop = g_main_loop_new (sites->context, FALSE);
  sites->png = test_make_png ();
  sites->thread = g_thread_new ("test-sites", sites_thread, NULL);

  g_mutex_lock (&sites->lock);
  while (!sites->ready)
    g_cond_wait (&sites->cond, &sites->lock);
  g_mutex_unlock (&sites->lock);
}

static void
sites_stop (void)
{
  g_main_loop_quit (sites->loop);
  g_thread_join (sites->thread);

  for (guint i = 0; i < G_N_ELEMENTS (sites->sites); i++)
    {
      g_free (sites->sites[i].base);
      g_free (sites->sites[i].origin);
      g_ptr_array_unref (sites->sites[i].requests);
    }
  g_main_loop_unref (sites->loop);
  g_main_context_unref (sites->context);
  g_bytes_unref (sites->png);
  g_mutex_clear (&sites->lock);
  g_cond_clear (&sites->cond);
  g_free (sites);
}

/* Forgets what every site saw. */
static void
sites_reset (void)
{
  g_mutex_lock (&sites->lock);
  for (guint i = 0; i < G_N_ELEMENTS (sites->sites); i++)
    {
      g_ptr_array_set_size (sites->sites[i].requests, 0);
      sites->sites[i].max_in_flight = 0;
      sites->sites[i].busy_time = 0;
    }
  g_mutex_unlock (&sites->lock);
}

/* A copy of what @site saw, in arrival order. */
static GPtrArray *
site_requests (Site *site)
{
  GPtrArray *copy = g_ptr_array_new ();

  g_mutex_lock (&sites->lock);
  for (guint i = 0; i < site->requests->len; i++)
    g_ptr_array_add (copy, g_ptr_array_index (site->requests, i));
  g_mutex_unlock (&sites->lock);

  return copy;
}

static char *
site_url (Site       *site,
          const char *path)
{
  return g_strconcat (site->base, path, NULL);
}

/* Runs haul-cli with @args, then @urls, into a fresh folder; returns its
 * exit status, and its output. */
static int
run_cli (const char * const  *args,
         GPtrArray           *urls,
         char               **out,
         char               **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = g_dir_make_tmp ("haul-polite-XXXXXX", &error);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_assert_no_error (error);
  g_ptr_array_add (argv, (gpointer)g_getenv ("HAUL_CLI"));
  g_ptr_array_add (argv, (gpointer)"-o");
  g_ptr_array_add (argv, folder);
  /* The sites serve one picture under many names: keep every copy. */
  g_ptr_array_add (argv, (gpointer)"--keep-duplicates");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  for (guint i = 0; urls != NULL && i < urls->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (urls, i));
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *)argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));

  /* No partial file, ever; then the folder goes. */
  dir = g_dir_open (folder, 0, NULL);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);

      g_assert_false (g_str_has_prefix (name, ".haul-"));
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (folder), ==, 0);

  return g_subprocess_get_exit_status (proc);
}

static guint
count_lines (const char *text,
             const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    n += g_str_has_prefix (lines[i], prefix);

  return n;
}

static GPtrArray *
urls_new (void)
{
  return g_ptr_array_new_with_free_func (g_free);
}

/* @n URLs on @site: @prefix, a number, then @suffix. */
static void
add_urls (GPtrArray  *urls,
          Site       *site,
          const char *prefix,
          const char *suffix,
          guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s%u%s", prefix, i, suffix);

      g_ptr_array_add (urls, site_url (site, path));
    }
}

static void
test_referer_required (void)
{
  const char *args[] = { NULL };
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autoptr(GPtrArray) seen = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Request *first, *second;

  sites_reset ();
  g_ptr_array_add (urls, site_url (SITE_A, "/need-referer/a.png"));
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);
  g_assert_cmpuint (count_lines (out, "done: "), ==, 1);

  /* None at first, then the image's own origin. */
  seen = site_requests (SITE_A);
  g_assert_cmpuint (seen->len, ==, 2);
  first = g_ptr_array_index (seen, 0);
  second = g_ptr_array_index (seen, 1);
  g_assert_null (first->referer);
  g_assert_cmpstr (second->referer, ==, SITE_A->origin);
}

static void
test_referer_foreign (void)
{
  const char *args[] = { "--referer", "https://gallery.example/page.html", NULL };
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autoptr(GPtrArray) seen = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Request *first = NULL, *second = NULL;

  sites_reset ();
  g_ptr_array_add (urls, site_url (SITE_A, "/no-foreign/a.png"));
  g_ptr_array_add (urls, site_url (SITE_A, "/need-referer/b.png"));
  /* The page's Referer first, then none; where none fails too, the one
   * fallback is all there is. */
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 1);
  g_assert_cmpuint (count_lines (out, "done: "), ==, 1);
  g_assert_cmpuint (count_lines (out, "failed: "), ==, 1);
  g_assert_nonnull (strstr (out, "HTTP 403"));

  seen = site_requests (SITE_A);
  g_assert_cmpuint (seen->len, ==, 4);
  for (guint i = 0; i < seen->len; i++)
    {
      Request *request = g_ptr_array_index (seen, i);

      if (!g_str_has_prefix (request->path, "/no-foreign/"))
        continue;
      if (first == NULL)
        first = request;
      else
        second = request;
    }
  g_assert_cmpstr (first->referer, ==, "https://gallery.example/page.html");
  g_assert_null (second->referer);
}

static void
test_headers (void)
{
  const char *args[] = { "-H", "X-Test: yes", "--user-agent", "Bot/1.0 (test)", NULL };
  const char *plain[] = { NULL };
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autoptr(GPtrArray) default_ua = urls_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *err2 = NULL;

  g_ptr_array_add (urls, site_url (SITE_A, "/headers?ua=Bot/1.0%20(test)"));
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);

  /* Without them, the default user agent and no X-Test: refused. */
  g_ptr_array_add (default_ua, site_url (SITE_A, "/headers?ua=Haul/" PACKAGE_VERSION));
  g_assert_cmpint (run_cli (plain, default_ua, &out2, &err2), ==, 1);
  g_assert_nonnull (strstr (out2, "HTTP 400"));
}

static char *
future_seconds (void)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC + 86400);
}

static void
test_cookies_text (void)
{
  g_autofree char *folder = g_dir_make_tmp ("haul-cookies-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (folder, "cookies.txt", NULL);
  g_autofree char *expiry = future_seconds ();
  g_autofree char *text = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *args[] = { "--cookies", path, NULL };

  /* Only the first two apply, the second though only for the session: the
   * others are for another path, another host, or https only. */
  text = g_strdup_printf ("# Netscape HTTP Cookie File\n"
                          "127.0.0.1\tFALSE\t/cookie\tFALSE\t%s\tsession\ttext-abc\n"
                          "#HttpOnly_127.0.0.1\tFALSE\t/cookie\tFALSE\t0\tlogin\tuntil-closed\n"
                          "127.0.0.1\tFALSE\t/elsewhere\tFALSE\t%s\tpath\tno\n"
                          "other.example\tFALSE\t/\tFALSE\t%s\tforeign\tno\n"
                          "127.0.0.1\tFALSE\t/\tTRUE\t%s\tsecure\tno\n",
                          expiry, expiry, expiry, expiry);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));

  sites_reset ();
  g_ptr_array_add (urls, site_url (SITE_A, "/cookie/a.png?want=session=text-abc;%20login=until-closed"));
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);
  g_assert_cmpuint (count_lines (out, "done: "), ==, 1);

  /* Read, never written. */
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, text);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (folder), ==, 0);
}

static void
test_cookies_sqlite (void)
{
  g_autofree char *folder = g_dir_make_tmp ("haul-cookies-test-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (folder, "cookies.sqlite", NULL);
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_length = 0, after_length = 0;
  const char *args[] = { "--cookies", path, NULL };
  sqlite3 *db = NULL;

  /* Written by libsoup in Firefox's format, as Firefox would. */
  {
    g_autoptr(SoupCookieJar) jar = soup_cookie_jar_db_new (path, FALSE);
    SoupCookie *cookie = soup_cookie_new ("session", "db-xyz", "127.0.0.1", "/cookie",
                                          SOUP_COOKIE_MAX_AGE_ONE_DAY);

    soup_cookie_jar_add_cookie (jar, cookie);
    soup_cookie_jar_add_cookie (jar, soup_cookie_new ("foreign", "no", "other.example", "/",
                                                      SOUP_COOKIE_MAX_AGE_ONE_DAY));
  }
  g_assert_true (g_file_get_contents (path, &before, &before_length, NULL));

  /* Firefox holds its database locked while it runs. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);

  sites_reset ();
  g_ptr_array_add (urls, site_url (SITE_A, "/cookie/a.png?want=session=db-xyz"));
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);
  g_assert_cmpuint (count_lines (out, "done: "), ==, 1);

  sqlite3_exec (db, "ROLLBACK;", NULL, NULL, NULL);
  sqlite3_close (db);

  g_assert_true (g_file_get_contents (path, &after, &after_length, NULL));
  g_assert_cmpmem (before, before_length, after, after_length);

  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_rmdir (folder), ==, 0);
}

static void
test_cookies_refused (void)
{
  g_autofree char *folder = g_dir_make_tmp ("haul-cookies-test-XXXXXX", NULL);
  g_autofree char *text = g_build_filename (folder, "notes.txt", NULL);
  g_autofree char *chrome = g_build_filename (folder, "Cookies", NULL);
  g_autofree char *missing = g_build_filename (folder, "missing.txt", NULL);
  g_autofree char *url = site_url (SITE_A, "/hold/refused.png");
  const char *files[] = { text, chrome, missing };
  sqlite3 *db = NULL;

  g_assert_true (g_file_set_contents (text, "just some notes\nnothing else\n", -1, NULL));
  /* An SQLite file, but not Firefox's. */
  g_assert_cmpint (sqlite3_open (chrome, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE cookies (host_key TEXT, name TEXT);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  sites_reset ();
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      const char *args[] = { "--cookies", files[i], url, NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (run_cli (args, NULL, &out, &err), ==, 2);
      g_assert_cmpstr (out, ==, "");
      if (i < 2)
        g_assert_nonnull (strstr (err, "neither a Netscape cookies.txt nor a Firefox cookies.sqlite"));
      else
        g_assert_nonnull (strstr (err, "cannot read the cookies file"));
    }
  g_assert_cmpuint (SITE_A->requests->len, ==, 0);

  g_assert_cmpint (g_unlink (text), ==, 0);
  g_assert_cmpint (g_unlink (chrome), ==, 0);
  g_assert_cmpint (g_rmdir (folder), ==, 0);
}

static void
test_usage_errors (void)
{
  g_autofree char *url = site_url (SITE_A, "/hold/usage.png");
  const char *cases[][3] = {
    { "--limit-rate", "fast" }, { "--limit-rate", "0" }, { "--limit-rate", "-5k" },
    { "--delay", "-1" }, { "--delay", "soon" }, { "--delay", "0.2s" }, { "--delay", "nan" },
    { "--per-host", "0" }, { "--per-host", "65" }, { "--per-host", "two" },
    { "--max-time", "0" }, { "--max-time", "later" }, { "--max-time", "-3" },
    { "-H", "Host: example.com" }, { "-H", "content-length: 5" },
    { "-H", "Transfer-Encoding: chunked" }, { "-H", "Connection: close" },
    { "-H", "X-A: b\r\nX-B: c" }, { "-H", "X-Bell: \a" }, { "-H", "no colon" },
    { "-H", ": empty name" }, { "--proxy", "ftp://127.0.0.1:1/" }, { "--proxy", "nonsense" },
    { "--referer", "not a url" }, { "--user-agent", "" }, { "--user-agent", "a\nb" },
  };

  sites_reset ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *args[] = { cases[i][0], cases[i][1], url, NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      if (run_cli (args, NULL, &out, &err) != 2)
        g_error ("%s “%s” was not a usage error: %s", cases[i][0], cases[i][1], out);
      g_assert_cmpstr (out, ==, "");
      g_assert_nonnull (strstr (err, "haul-cli: "));
    }
  g_assert_cmpuint (SITE_A->requests->len, ==, 0);
}

/* Runs haul-cli with @args over six items on each site, all of A's first,
 * and returns the requests each site saw. */
static void
run_two_sites (const char * const  *args,
               const char          *suffix,
               GPtrArray          **a,
               GPtrArray          **b)
{
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  sites_reset ();
  add_urls (urls, SITE_A, "/hold/a", suffix, 6);
  add_urls (urls, SITE_B, "/hold/b", suffix, 6);
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);
  g_assert_cmpuint (count_lines (out, "done: "), ==, 12);

  *a = site_requests (SITE_A);
  *b = site_requests (SITE_B);
  g_assert_cmpuint ((*a)->len, ==, 6);
  g_assert_cmpuint ((*b)->len, ==, 6);
}

/* The most requests in flight at once, counted by each site. */
static void
test_per_host (void)
{
  const char *args[] = { "-j", "4", "--per-host", "2", NULL };
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  Request *a_first, *b_first;

  /* B must not wait behind A's cap. */
  run_two_sites (args, ".png?ms=300", &a, &b);
  g_assert_cmpuint (SITE_A->max_in_flight, ==, 2);
  g_assert_cmpuint (SITE_B->max_in_flight, ==, 2);

  a_first = g_ptr_array_index (a, 0);
  b_first = g_ptr_array_index (b, 0);
  g_test_message ("per-host 2: at most %u to A and %u to B at once; B started %.3f s "
                  "after A", SITE_A->max_in_flight, SITE_B->max_in_flight,
                  (double)(b_first->time - a_first->time) / G_USEC_PER_SEC);
  g_assert_cmpint (b_first->time, <, a_first->time + 300 * 1000);
}

static void
check_spacing (GPtrArray  *requests,
               const char *name,
               double      delay)
{
  double least = G_MAXDOUBLE;
  double sum = 0;

  for (guint i = 1; i < requests->len; i++)
    {
      Request *before = g_ptr_array_index (requests, i - 1);
      Request *request = g_ptr_array_index (requests, i);
      double gap = (double)(request->time - before->time) / G_USEC_PER_SEC;

      least = MIN (least, gap);
      sum += gap;
    }

  g_test_message ("delay %.1f: host %s, %u requests, gaps least %.3f s, mean %.3f s",
                  delay, name, requests->len, least, sum / (requests->len - 1));
  /* Arrival jitter on the loopback is well under 20 ms. */
  g_assert_cmpfloat (least, >=, delay - 0.02);
  g_assert_cmpfloat (sum / (requests->len - 1), <, delay * 1.5);
}

static void
test_delay (void)
{
  const char *args[] = { "-j", "8", "--delay", "0.2", NULL };
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  Request *a_last, *b_first;

  run_two_sites (args, ".png", &a, &b);
  check_spacing (a, "A", 0.2);
  check_spacing (b, "B", 0.2);

  /* Each host keeps its own pace, side by side. */
  a_last = g_ptr_array_index (a, a->len - 1);
  b_first = g_ptr_array_index (b, 0);
  g_assert_cmpint (b_first->time, <, a_last->time);
}

static void
test_retry_after (void)
{
  const char *args[] = { "-j", "4", "--per-host", "1", "--retries", "0", NULL };
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gint64 busy, next = G_MAXINT64;
  guint b_during = 0;

  sites_reset ();
  add_urls (urls, SITE_A, "/busy/a", ".png", 4);
  add_urls (urls, SITE_B, "/hold/b", ".png?ms=200", 4);
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);
  /* Every item done, though none may retry. */
  g_assert_cmpuint (count_lines (out, "done: "), ==, 8);
  g_assert_nonnull (strstr (err, "asked to wait 2 s"));

  a = site_requests (SITE_A);
  b = site_requests (SITE_B);
  busy = SITE_A->busy_time;
  g_assert_cmpint (busy, !=, 0);
  g_assert_cmpuint (a->len, ==, 5);
  for (guint i = 0; i < a->len; i++)
    {
      Request *request = g_ptr_array_index (a, i);

      if (request->time > busy)
        next = MIN (next, request->time);
    }
  for (guint i = 0; i < b->len; i++)
    b_during += ((Request *)g_ptr_array_index (b, i))->time < busy + 2 * G_USEC_PER_SEC;

  g_test_message ("429 with Retry-After: 2: the next request to that host %.3f s later; "
                  "%u of %u requests to the other host meanwhile",
                  (double)(next - busy) / G_USEC_PER_SEC, b_during, b->len);
  g_assert_cmpint (next - busy, >=, 2 * G_USEC_PER_SEC - 20 * 1000);
  g_assert_cmpuint (b_during, ==, b->len);
}

static double
json_summary_elapsed (const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      if (lines[i][0] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      object = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (json_object_get_string_member (object, "type"), "summary") == 0)
        return json_object_get_double_member (object, "elapsed");
    }

  g_assert_not_reached ();
}

static void
test_limit_rate (void)
{
  /* 500 KiB/s for 5 MiB in two parallel items: ten seconds. */
  const char *args[] = { "-j", "2", "--any-type", "--json", "--limit-rate", "500k", NULL };
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  double rate = 500 * 1024;
  double total = 5 * 1024 * 1024;
  double elapsed, measured;

  add_urls (urls, SITE_A, "/bytes/2621440?", "", 2);
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);

  elapsed = json_summary_elapsed (out);
  measured = total / elapsed;
  g_test_message ("limit-rate 500k: %.0f bytes in %.2f s, %.0f B/s, %.1f %% of the limit",
                  total, elapsed, measured, 100 * measured / rate);
  g_assert_cmpfloat (measured, >=, rate * 0.9);
  g_assert_cmpfloat (measured, <=, rate * 1.1);
}

static void
test_max_time (void)
{
  const char *args[] = { "--retries", "0", "--json", "--max-time", "1.5", NULL };
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  double elapsed;

  g_ptr_array_add (urls, site_url (SITE_A, "/drip"));
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, "took too long (over 1.5 s)"));

  elapsed = json_summary_elapsed (out);
  g_test_message ("max-time 1.5 against a byte every 0.4 s: failed after %.2f s", elapsed);
  g_assert_cmpfloat (elapsed, >=, 1.4);
  g_assert_cmpfloat (elapsed, <, 5.0);
}

static void
test_proxy (void)
{
  g_autofree char *proxy = g_strdup (PROXY->base);
  const char *args[] = { "--proxy", proxy, NULL };
  g_autoptr(GPtrArray) urls = urls_new ();
  g_autoptr(GPtrArray) seen = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  sites_reset ();
  /* Names that do not resolve: only the proxy can answer. */
  g_ptr_array_add (urls, g_strdup ("http://images.haul.test/one.png"));
  g_ptr_array_add (urls, g_strdup ("http://images.haul.test:8080/two.png"));
  g_assert_cmpint (run_cli (args, urls, &out, &err), ==, 0);
  g_assert_cmpuint (count_lines (out, "done: "), ==, 2);

  seen = site_requests (PROXY);
  g_assert_cmpuint (seen->len, ==, 2);
  for (guint i = 0; i < seen->len; i++)
    {
      Request *request = g_ptr_array_index (seen, i);

      g_assert_true (g_str_equal (request->uri, "http://images.haul.test/one.png") ||
                     g_str_equal (request->uri, "http://images.haul.test:8080/two.png"));
    }
}

static void
test_parse_header (void)
{
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (haul_request_parse_header ("X-Token:  a b\tc  ", &name, &value, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "X-Token");
  g_assert_cmpstr (value, ==, "a b\tc");

  g_assert_false (haul_request_parse_header ("TE: trailers", NULL, NULL, &error));
  g_assert_error (error, HAUL_ERROR, HAUL_ERROR_INPUT);
  g_clear_error (&error);
  g_assert_false (haul_request_parse_header ("X-A: \x7f", NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_false (haul_request_parse_header ("X A: b", NULL, NULL, &error));
  g_clear_error (&error);
}

static void
paused_cb (const char *host,
           gint64      usec,
           gpointer    user_data)
{
  *(gint64 *)user_data = usec;
}

static void
ready_cb (gpointer job,
          gpointer user_data)
{
}

/* A Retry-After years ahead is capped; a negative one is no Retry-After. */
static void
test_pause_cap (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  gint64 told = 0;
  HaulPoliteness *politeness = haul_politeness_new (context, ready_cb, paused_cb, &told);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 far = haul_fetch_parse_retry_after ("Sun, 01 Jan 2090 00:00:00 GMT", now);

  g_assert_cmpint (far, >, 60 * G_USEC_PER_SEC);
  g_assert_cmpint (haul_politeness_pause (politeness, "far.example:443", far), ==,
                   HAUL_POLITENESS_MAX_PAUSE);
  g_assert_cmpint (told, ==, HAUL_POLITENESS_MAX_PAUSE);

  g_assert_cmpint (haul_fetch_parse_retry_after ("-5", now), ==, -1);
  g_assert_false (haul_politeness_is_pause_status (503, -1));
  g_assert_true (haul_politeness_is_pause_status (503, 0));
  g_assert_true (haul_politeness_is_pause_status (429, -1));
  /* Without one, a backoff that doubles and stays under the cap. */
  g_assert_cmpint (haul_politeness_pause (politeness, "busy.example:80", -1), ==, G_USEC_PER_SEC);
  g_assert_cmpint (haul_politeness_pause (politeness, "busy.example:80", -1), <=, 2 * G_USEC_PER_SEC);
  for (guint i = 0; i < 20; i++)
    g_assert_cmpint (haul_politeness_pause (politeness, "busy.example:80", -1), <=,
                     HAUL_POLITENESS_MAX_PAUSE);

  haul_politeness_free (politeness);
}

/* The scheduling itself: a cap, a delay, and a turn given back. */
static void
test_turns (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  HaulPoliteness *politeness = haul_politeness_new (context, ready_cb, NULL, NULL);
  int a, b, c;

  haul_politeness_set_per_host (politeness, 1);
  g_assert_true (haul_politeness_try_start (politeness, "h:80", NULL, &a));
  /* Full: parked, not blocked. Another host goes on. */
  g_assert_false (haul_politeness_try_start (politeness, "h:80", NULL, &b));
  g_assert_true (haul_politeness_try_start (politeness, "other:80", NULL, &c));
  haul_politeness_finish (politeness, "other:80");
  haul_politeness_finish (politeness, "h:80");
  /* Handed back by finish(), b may start now. */
  g_assert_true (haul_politeness_try_start (politeness, "h:80", NULL, &b));
  haul_politeness_finish (politeness, "h:80");

  /* A start that sent no request does not hold up the next one; one
   * that did, does. */
  haul_politeness_set_delay (politeness, 10 * G_USEC_PER_SEC);
  g_assert_true (haul_politeness_try_start (politeness, "d:80", NULL, &a));
  haul_politeness_give_back_turn (politeness, "d:80", &a);
  haul_politeness_finish (politeness, "d:80");
  g_assert_true (haul_politeness_try_start (politeness, "d:80", NULL, &b));
  haul_politeness_finish (politeness, "d:80");
  g_assert_false (haul_politeness_try_start (politeness, "d:80", NULL, &c));
  haul_politeness_release_all (politeness);

  haul_politeness_free (politeness);
}

static void
record_ready (gpointer job,
              gpointer user_data)
{
  g_ptr_array_add (user_data, job);
}

/* Parked jobs leave one at a time, each as soon as the one before has
 * started, not at the next finish or poll. */
static void
test_parked_leave_promptly (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GPtrArray) ready = g_ptr_array_new ();
  HaulPoliteness *politeness = haul_politeness_new (context, record_ready, NULL, ready);
  int a, b, c, d, e;

  haul_politeness_set_per_host (politeness, 2);
  g_assert_true (haul_politeness_try_start (politeness, "h:80", NULL, &a));
  g_assert_true (haul_politeness_try_start (politeness, "h:80", NULL, &b));
  g_assert_false (haul_politeness_try_start (politeness, "h:80", NULL, &c));
  g_assert_false (haul_politeness_try_start (politeness, "h:80", NULL, &d));
  g_assert_false (haul_politeness_try_start (politeness, "h:80", NULL, &e));

  haul_politeness_finish (politeness, "h:80");
  haul_politeness_finish (politeness, "h:80");
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (ready->len, ==, 1);
  g_assert_true (ready->pdata[0] == &c);

  /* c starts: d may go at once, on the next turn of the context. */
  g_assert_true (haul_politeness_try_start (politeness, "h:80", NULL, &c));
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (ready->len, ==, 2);
  g_assert_true (ready->pdata[1] == &d);
  g_assert_true (haul_politeness_try_start (politeness, "h:80", NULL, &d));

  /* The host is full again: e waits for a finish. */
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (ready->len, ==, 2);
  haul_politeness_finish (politeness, "h:80");
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (ready->len, ==, 3);
  g_assert_true (ready->pdata[2] == &e);
  g_assert_true (haul_politeness_try_start (politeness, "h:80", NULL, &e));
  haul_politeness_finish (politeness, "h:80");
  haul_politeness_finish (politeness, "h:80");

  haul_politeness_free (politeness);
}

static void
test_host_key (void)
{
  g_autofree char *https = haul_politeness_host_key ("https://Example.COM/a.png");
  g_autofree char *http = haul_politeness_host_key ("http://127.0.0.1:8080/a.png");

  g_assert_cmpstr (https, ==, "example.com:443");
  g_assert_cmpstr (http, ==, "127.0.0.1:8080");
}

static void
run_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_assert_true (haul_downloader_run_finish (HAUL_DOWNLOADER (object), result, NULL));
  *(gboolean *)user_data = TRUE;
}

/* The engine on its own: an image found on a page sends the page. */
static void
test_download_referer (void)
{
  g_autofree char *folder = g_dir_make_tmp ("haul-polite-XXXXXX", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  g_autoptr(HaulDownloader) downloader = haul_downloader_new (NULL);
  g_autoptr(GPtrArray) downloads = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *url = site_url (SITE_A, "/need-referer/page.png");
  g_autoptr(GPtrArray) seen = NULL;
  HaulDownload *download = haul_download_new (url);
  gboolean done = FALSE;

  sites_reset ();
  haul_downloader_set_output_folder (downloader, file);
  haul_downloader_set_thumbnail_size (downloader, 0);
  haul_downloader_set_referer (downloader, "https://elsewhere.example/");
  haul_download_set_referer (download, SITE_A->origin);
  g_ptr_array_add (downloads, download);

  haul_downloader_run_async (downloader, downloads, NULL, run_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
  seen = site_requests (SITE_A);
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpstr (((Request *)g_ptr_array_index (seen, 0))->referer, ==, SITE_A->origin);

  g_assert_cmpint (g_unlink (haul_download_get_file_path (download)), ==, 0);
  g_assert_cmpint (g_rmdir (folder), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/politeness/parse-header", test_parse_header);
  g_test_add_func ("/politeness/pause-cap", test_pause_cap);
  g_test_add_func ("/politeness/host-key", test_host_key);
  g_test_add_func ("/politeness/turns", test_turns);
  g_test_add_func ("/politeness/parked-leave-promptly", test_parked_leave_promptly);
  g_test_add_func ("/politeness/usage-errors", test_usage_errors);
  g_test_add_func ("/politeness/referer-required", test_referer_required);
  g_test_add_func ("/politeness/referer-foreign", test_referer_foreign);
  g_test_add_func ("/politeness/headers", test_headers);
  g_test_add_func ("/politeness/download-referer", test_download_referer);
  g_test_add_func ("/politeness/cookies-text", test_cookies_text);
  g_test_add_func ("/politeness/cookies-sqlite", test_cookies_sqlite);
  g_test_add_func ("/politeness/cookies-refused", test_cookies_refused);
  g_test_add_func ("/politeness/proxy", test_proxy);
  g_test_add_func ("/politeness/per-host", test_per_host);
  g_test_add_func ("/politeness/delay", test_delay);
  g_test_add_func ("/politeness/retry-after", test_retry_after);
  g_test_add_func ("/politeness/max-time", test_max_time);
  g_test_add_func ("/politeness/limit-rate", test_limit_rate);

  sites_start ();
  result = g_test_run ();
  sites_stop ();

  return result;
}
