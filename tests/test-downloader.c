/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "haul-download.h"
#include "haul-downloader.h"
#include "haul-fetch.h"
#include "haul-update.h"
#include "test-images.h"
#include "test-server.h"

static TestServer *server;

typedef struct
{
  HaulDownloader *downloader;
  char           *folder;
  GPtrArray      *finished;     /* HaulDownload *, in signal order */
  guint           partial_seen;
} Fixture;

typedef struct
{
  gboolean  done;
  gboolean  ok;
  GError   *error;
} RunResult;

static void
on_finished (HaulDownloader *downloader,
             HaulDownload   *download,
             Fixture        *fixture)
{
  g_assert_true (haul_download_is_finished (download));
  g_ptr_array_add (fixture->finished, g_object_ref (download));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;

  fixture->folder = g_dir_make_tmp ("haul-test-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->finished = g_ptr_array_new_with_free_func (g_object_unref);

  fixture->downloader = haul_downloader_new (data);
  folder = g_file_new_for_path (fixture->folder);
  haul_downloader_set_output_folder (fixture->downloader, folder);
  haul_downloader_set_retries (fixture->downloader, 0);
  g_signal_connect (fixture->downloader, "download-finished", G_CALLBACK (on_finished), fixture);
}

/* The names in the output folder, sorted. */
static GPtrArray *
list_folder (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);

  return names;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) names = list_folder (fixture->folder);

  /* Whatever the test did, no temporary file may be left. */
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (fixture->folder, name, NULL);

      g_assert_false (g_str_has_prefix (name, ".haul-"));
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->folder), ==, 0);

  g_clear_pointer (&fixture->finished, g_ptr_array_unref);
  g_assert_finalize_object (fixture->downloader);
  g_free (fixture->folder);
}

static void
run_done (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  RunResult *run = user_data;

  run->ok = haul_downloader_run_finish (HAUL_DOWNLOADER (object), result, &run->error);
  run->done = TRUE;
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("the downloads did not finish in time");
  return G_SOURCE_REMOVE;
}

/* Runs @downloads to the end on the default context, failing after 30 s. */
static gboolean
run_batch (Fixture       *fixture,
           GPtrArray     *downloads,
           GCancellable  *cancellable,
           GError       **error)
{
  RunResult run = { 0 };
  guint timeout_id = g_timeout_add_seconds (30, on_timeout, NULL);

  haul_downloader_run_async (fixture->downloader, downloads, cancellable, run_done, &run);
  g_assert_true (haul_downloader_get_running (fixture->downloader));
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout_id);

  g_assert_false (haul_downloader_get_running (fixture->downloader));
  for (guint i = 0; i < downloads->len; i++)
    g_assert_true (haul_download_is_finished (g_ptr_array_index (downloads, i)));

  if (run.error != NULL)
    g_propagate_error (error, run.error);
  return run.ok;
}

static GPtrArray *
make_downloads (const char *first_path,
                ...)
{
  GPtrArray *downloads = g_ptr_array_new_with_free_func (g_object_unref);
  va_list args;

  va_start (args, first_path);
  for (const char *path = first_path; path != NULL; path = va_arg (args, const char *))
    {
      g_autofree char *url = g_str_has_prefix (path, "/") ? test_server_url (server, path)
                                                          : g_strdup (path);
      g_ptr_array_add (downloads, haul_download_new (url));
    }
  va_end (args);

  return downloads;
}

/* Fetches one path and returns its item, finished. */
static HaulDownload *
fetch_one (Fixture    *fixture,
           const char *path)
{
  g_autoptr(GPtrArray) downloads = make_downloads (path, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (run_batch (fixture, downloads, NULL, &error));
  g_assert_no_error (error);

  return g_object_ref (g_ptr_array_index (downloads, 0));
}

static void
assert_failed_with (HaulDownload *download,
                    const char   *message)
{
  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_FAILED);
  g_assert_nonnull (haul_download_get_error_message (download));
  if (strstr (haul_download_get_error_message (download), message) == NULL)
    g_error ("expected “%s” in “%s”", message, haul_download_get_error_message (download));
  g_assert_null (haul_download_get_file_path (download));
}

static void
assert_folder_empty (Fixture *fixture)
{
  g_autoptr(GPtrArray) names = list_folder (fixture->folder);

  g_assert_cmpuint (names->len, ==, 0);
}

static void
assert_file_is_png (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, g_bytes_get_data (server->png, NULL),
                   g_bytes_get_size (server->png));
}

static void
test_basic (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(HaulDownload) download = NULL;
  g_autofree char *expected = g_build_filename (fixture->folder, "photo.png", NULL);

  haul_downloader_set_thumbnail_size (fixture->downloader, 16);
  download = fetch_one (fixture, "/png/photo.png");

  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
  g_assert_null (haul_download_get_error_message (download));
  g_assert_cmpstr (haul_download_get_file_path (download), ==, expected);
  g_assert_cmpstr (haul_download_get_file_name (download), ==, "photo.png");
  g_assert_cmpuint (haul_download_get_http_status (download), ==, 200);
  g_assert_cmpstr (haul_download_get_content_type (download), ==, "image/png");
  g_assert_cmpuint (haul_download_get_bytes_received (download), ==, g_bytes_get_size (server->png));
  g_assert_cmpfloat (haul_download_get_fraction (download), ==, 1.0);
  g_assert_cmpint (haul_download_get_width (download), ==, 40);
  g_assert_cmpint (haul_download_get_height (download), ==, 30);
  g_assert_nonnull (haul_download_get_thumbnail (download));
  g_assert_cmpint (gdk_pixbuf_get_width (haul_download_get_thumbnail (download)), <=, 16);
  g_assert_true (g_str_has_suffix (haul_download_get_final_url (download), "/png/photo.png"));
  g_assert_cmpint (haul_download_get_started_time (download), >=,
                   haul_download_get_queued_time (download));
  g_assert_cmpint (haul_download_get_first_byte_time (download), >=,
                   haul_download_get_started_time (download));
  g_assert_cmpint (haul_download_get_finished_time (download), >=,
                   haul_download_get_first_byte_time (download));
  g_assert_cmpfloat (haul_download_get_seconds (download), >=, 0.0);
  assert_file_is_png (expected);
  {
    g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, server->png);

    g_assert_cmpstr (haul_download_get_sha256 (download), ==, sha256);
  }

  g_mutex_lock (&server->lock);
  g_assert_cmpstr (server->user_agent, ==, "Haul/" PACKAGE_VERSION);
  g_mutex_unlock (&server->lock);

  g_assert_cmpuint (fixture->finished->len, ==, 1);
  g_assert_true (g_ptr_array_index (fixture->finished, 0) == download);
}

static double
time_batch (Fixture *fixture,
            guint    concurrency,
            guint    round)
{
  g_autoptr(GPtrArray) downloads = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start;

  haul_downloader_set_concurrency (fixture->downloader, concurrency);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *path = g_strdup_printf ("/png/r%u-%u.png?delay=200", round, i);
      g_autofree char *url = test_server_url (server, path);

      g_ptr_array_add (downloads, haul_download_new (url));
    }

  g_ptr_array_set_size (fixture->finished, 0);
  start = g_get_monotonic_time ();
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  /* Every item finished once, reported in the order they finished. */
  g_assert_cmpuint (fixture->finished->len, ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      HaulDownload *download = g_ptr_array_index (downloads, i);
      HaulDownload *finished = g_ptr_array_index (fixture->finished, i);

      g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
      if (i > 0)
        g_assert_cmpint (haul_download_get_finished_time (finished), >=,
                         haul_download_get_finished_time (fixture->finished->pdata[i - 1]));
    }

  return (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

typedef struct
{
  const char *path;           /* under /blob/ */
  GBytes     *body;
  const char *file_name;
  const char *content_type;
  int         width;          /* as displayed */
  int         height;
  guint       frames;         /* 0: a still image */
} FormatCase;

/* Each format served the way CDNs do, with no extension and as
 * application/octet-stream, or under a type and name that lie: the bytes
 * decide the name, the type and the dimensions. */
static void
test_formats (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GdkPixbuf) quadrants = test_image_quadrants (60, 40);
  static const char svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"600\"/>";
  FormatCase cases[] = {
    { "png-file", test_image_save (quadrants, "png"), "png-file.png", "image/png", 60, 40, 0 },
    { "phone-photo", test_image_exif_jpeg (320, 200, 6), "phone-photo.jpg", "image/jpeg", 200, 320, 0 },
    { "moving", test_image_gif_animation (3), "moving.gif", "image/gif", 1000, 1000, 3 },
    { "moving-webp", test_image_read ("three-frames.webp"), "moving-webp.webp", "image/webp", 24, 16, 3 },
    { "avif-file", test_image_read ("halves.avif"), "avif-file.avif", "image/avif", 64, 32, 0 },
    { "heic-file", test_image_read ("halves.heic"), "heic-file.heic", "image/heic", 64, 32, 0 },
    { "jxl-file", test_image_read ("halves.jxl"), "jxl-file.jxl", "image/jxl", 64, 32, 0 },
    { "jxl-box", test_image_read ("halves-container.jxl"), "jxl-box.jxl", "image/jxl", 64, 32, 0 },
    { "drawing", test_image_gzip (svg, strlen (svg)), "drawing.svgz", "image/svg+xml-compressed", 300, 600, 0 },
    { "icon", test_image_ico (), "icon.ico", "image/vnd.microsoft.icon", 256, 256, 0 },
    { "liar.jpg?type=image/webp", test_image_read ("halves.heic"), "liar.heic", "image/heic", 64, 32, 0 },
    { "gz.svg?type=image/svg%2Bxml", test_image_gzip (svg, strlen (svg)), "gz.svgz",
      "image/svg+xml-compressed", 300, 600, 0 },
  };
  haul_downloader_set_thumbnail_size (fixture->downloader, 64);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strndup (cases[i].path, strcspn (cases[i].path, "?"));

      test_server_add_blob (server, name, cases[i].body);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const FormatCase *c = &cases[i];
      g_autofree char *path = g_strconcat ("/blob/", c->path, NULL);
      g_autoptr(HaulDownload) download = fetch_one (fixture, path);
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_test_message ("%s", c->path);
      g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
      g_assert_cmpstr (haul_download_get_file_name (download), ==, c->file_name);
      g_assert_cmpstr (haul_download_get_content_type (download), ==, c->content_type);
      g_assert_cmpint (haul_download_get_width (download), ==, c->width);
      g_assert_cmpint (haul_download_get_height (download), ==, c->height);
      g_assert_cmpint (haul_download_get_animated (download), ==, c->frames > 0);
      g_assert_cmpuint (haul_download_get_frames (download), ==, c->frames);

      /* Saved as served, byte for byte. */
      g_assert_true (g_file_get_contents (haul_download_get_file_path (download), &contents, &length, NULL));
      g_assert_cmpmem (contents, length, g_bytes_get_data (c->body, NULL), g_bytes_get_size (c->body));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_bytes_unref (cases[i].body);
}

static void
test_concurrency (Fixture       *fixture,
                  gconstpointer  data)
{
  double serial = time_batch (fixture, 1, 0);
  double parallel = time_batch (fixture, 10, 1);

  g_test_message ("20 × 200 ms: %.2f s with 1 worker, %.2f s with 10 (%.1f×)",
                  serial, parallel, serial / parallel);
  g_assert_cmpfloat (serial, >=, 20 * 0.2);
  g_assert_cmpfloat (parallel, <, serial / 2);
}

static void
test_byte_exact (Fixture       *fixture,
                 gconstpointer  data)
{
  const gsize length = 3 * 1000 * 1000 + 7;
  g_autoptr(HaulDownload) download = fetch_one (fixture, "/bytes/3000007");
  g_autofree guint8 *expected = test_make_pattern (length);
  g_autofree char *contents = NULL;
  gsize got;

  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpint (haul_download_get_total_bytes (download), ==, (gint64)length);
  /* The bytes say PNG although the server said octet-stream. */
  g_assert_cmpstr (haul_download_get_file_name (download), ==, "3000007.png");
  g_assert_true (g_file_get_contents (haul_download_get_file_path (download), &contents, &got, NULL));
  g_assert_cmpmem (contents, got, expected, length);
}

static void
test_redirects (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/redirect/3", "/redirect/10", "/redirect/11",
                                                   "/loop", "/to-ftp", "/to-file", "/to-nowhere",
                                                   NULL);

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  g_assert_cmpint (haul_download_get_state (downloads->pdata[0]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_true (g_str_has_suffix (haul_download_get_final_url (downloads->pdata[0]), "/redirect/0"));
  assert_file_is_png (haul_download_get_file_path (downloads->pdata[0]));
  g_assert_cmpint (haul_download_get_state (downloads->pdata[1]), ==, HAUL_DOWNLOAD_DONE);
  assert_failed_with (downloads->pdata[2], "too many redirects");
  assert_failed_with (downloads->pdata[3], "too many redirects");
  g_assert_cmpuint (haul_download_get_http_status (downloads->pdata[3]), ==, 302);
  assert_failed_with (downloads->pdata[4], "ftp");
  assert_failed_with (downloads->pdata[5], "file");
  /* A redirect that does not say where to is the answer itself. */
  assert_failed_with (downloads->pdata[6], "HTTP 302 Found");
  g_assert_cmpuint (test_server_get_hits (server, "/loop"), ==, 11);
}

static void
test_refused_scheme (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("ftp://127.0.0.1/photo.png",
                                                   "file:///etc/passwd",
                                                   "http://",
                                                   NULL);

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  for (guint i = 0; i < downloads->len; i++)
    assert_failed_with (downloads->pdata[i], "http");
  assert_folder_empty (fixture);
}

static void
test_connection_refused (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(HaulDownload) download = NULL;
  g_autofree char *url = NULL;
  gint64 start;

  /* A port that was free a moment ago and has no listener. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_assert_true (g_socket_bind (socket, address, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/photo.png",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  /* One retry, after the first backoff step. */
  haul_downloader_set_retries (fixture->downloader, 1);
  start = g_get_monotonic_time ();
  download = fetch_one (fixture, url);
  assert_failed_with (download, "connection refused");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 4);
  assert_folder_empty (fixture);
}

typedef struct
{
  const char *header;
  const char *expected;   /* NULL: only check that the name is safe */
} NamingCase;

static void
test_naming (Fixture       *fixture,
             gconstpointer  data)
{
  const NamingCase cases[] = {
    { "attachment; filename=\"cat.png\"", "cat.png" },
    { "attachment; filename=\"../../etc/evil.png\"", NULL },
    { "attachment; filename=\"/etc/passwd.png\"", NULL },
    { "attachment; filename=\"..\\\\..\\\\win.png\"", NULL },
    { "attachment; filename=\".bashrc\"", NULL },
    { "attachment; filename*=UTF-8''%C3%A9t%C3%A9.png", "été.png" },
    { "attachment; filename*=UTF-8''..%2F..%2Fup.png", NULL },
    { "attachment; filename*=UTF-8''a%01%0Ab.png", NULL },
    { "attachment; filename=\"fallback.png\"; filename*=UTF-8''pr%C3%A9f%C3%A9r%C3%A9.png",
      "préféré.png" },
    { "attachment; filename=\"photo.jpg\"", "photo.png" },
  };
  const char *paths[] = {
    /* The server refuses a path whose decoded form has "/../" in it. */
    "/png/x%2e%2e%2fescape.png",
    "/png/%2e%2e%5c%2e%2e%5cescape2.png",
    "/png/.hidden.png",
    "/png/",
    "/mismatch/shot.jpg",
  };
  g_autoptr(GPtrArray) downloads = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *long_name = g_strnfill (400, 'a');
  g_autofree char *long_path = g_strconcat ("/png/", long_name, ".png", NULL);
  guint n_cases = G_N_ELEMENTS (cases);

  for (guint i = 0; i < n_cases; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (cases[i].header, NULL, FALSE);
      g_autofree char *path = g_strconcat ("/cd?h=", escaped, NULL);
      g_autofree char *url = test_server_url (server, path);

      g_ptr_array_add (downloads, haul_download_new (url));
    }
  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = test_server_url (server, paths[i]);
      g_ptr_array_add (downloads, haul_download_new (url));
    }
  {
    g_autofree char *url = test_server_url (server, long_path);
    g_ptr_array_add (downloads, haul_download_new (url));
  }

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  for (guint i = 0; i < downloads->len; i++)
    {
      HaulDownload *download = g_ptr_array_index (downloads, i);
      const char *path = haul_download_get_file_path (download);
      const char *name = haul_download_get_file_name (download);
      g_autofree char *dir = NULL;

      if (haul_download_get_state (download) != HAUL_DOWNLOAD_DONE)
        g_error ("%s: %s", haul_download_get_url (download),
                 haul_download_get_error_message (download));
      dir = g_path_get_dirname (path);
      g_assert_cmpstr (dir, ==, fixture->folder);
      g_assert_true (g_utf8_validate (name, -1, NULL));
      g_assert_cmpuint (strlen (name), <=, 255);
      g_assert_cmpint (name[0], !=, '.');
      g_assert_null (strchr (name, '/'));
      g_assert_null (strchr (name, '\\'));
      g_assert_null (strstr (name, ".."));
      for (const char *p = name; *p; p++)
        g_assert_cmpint ((guchar)*p, >=, 0x20);
      g_assert_true (g_str_has_suffix (name, ".png"));
      assert_file_is_png (path);

      if (i < n_cases && cases[i].expected != NULL)
        g_assert_cmpstr (name, ==, cases[i].expected);
    }

  g_assert_cmpstr (haul_download_get_file_name (downloads->pdata[n_cases + 4]), ==, "shot.png");
  g_assert_true (g_str_has_prefix (haul_download_get_file_name (downloads->pdata[n_cases + 5]), "aaaa"));

  /* Nothing was written anywhere but the folder. */
  g_assert_false (g_file_test ("/etc/evil.png", G_FILE_TEST_EXISTS));
  {
    g_autofree char *parent = g_path_get_dirname (fixture->folder);
    g_autofree char *escaped = g_build_filename (parent, "escape.png", NULL);

    g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  }
}

static void
test_collisions (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *existing = g_build_filename (fixture->folder, "photo.png", NULL);
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (existing, "mine", 4, NULL));

  for (guint i = 1; i <= 3; i++)
    {
      g_autoptr(HaulDownload) download = fetch_one (fixture, "/png/photo.png");
      g_autofree char *expected = g_strdup_printf ("photo (%u).png", i);

      g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
      g_assert_cmpstr (haul_download_get_file_name (download), ==, expected);
    }

  /* Never overwritten. */
  g_assert_true (g_file_get_contents (existing, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
}

static void
test_collisions_concurrent (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  const guint n = 200;

  /* Different addresses, one name: claimed by 16 workers at once. */
  haul_downloader_set_concurrency (fixture->downloader, 16);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("/png/same.png?copy=%u", i);
      g_autofree char *url = test_server_url (server, path);

      g_ptr_array_add (downloads, haul_download_new (url));
    }

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));
  g_assert_cmpuint (fixture->finished->len, ==, n);

  for (guint i = 0; i < n; i++)
    {
      HaulDownload *download = g_ptr_array_index (downloads, i);
      const char *name = haul_download_get_file_name (download);

      g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
      g_assert_true (g_str_equal (name, "same.png") ||
                     (g_str_has_prefix (name, "same (") && g_str_has_suffix (name, ").png")));
      g_assert_false (g_hash_table_contains (names, name));
      g_hash_table_add (names, (gpointer)name);
      assert_file_is_png (haul_download_get_file_path (download));
    }

  {
    g_autoptr(GPtrArray) files = list_folder (fixture->folder);

    g_assert_cmpuint (files->len, ==, n);
  }
}

static void
test_duplicates (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/png/dup.png", "/png/dup.png",
                                                   "/png/other.png", NULL);
  g_autoptr(GPtrArray) names = NULL;

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  g_assert_cmpint (haul_download_get_state (downloads->pdata[0]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpint (haul_download_get_state (downloads->pdata[1]), ==, HAUL_DOWNLOAD_SKIPPED);
  g_assert_nonnull (haul_download_get_error_message (downloads->pdata[1]));
  g_assert_cmpint (haul_download_get_state (downloads->pdata[2]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpuint (test_server_get_hits (server, "/png/dup.png"), ==, 1);
  g_assert_cmpuint (fixture->finished->len, ==, 3);

  names = list_folder (fixture->folder);
  g_assert_cmpuint (names->len, ==, 2);

  /* Running the same items again fetches them again (Retry). */
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));
  g_assert_cmpint (haul_download_get_state (downloads->pdata[0]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpstr (haul_download_get_file_name (downloads->pdata[0]), ==, "dup (1).png");
  g_assert_cmpuint (test_server_get_hits (server, "/png/dup.png"), ==, 2);
}

static void
test_truncated (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(HaulDownload) download = fetch_one (fixture, "/truncated.png");
  g_autoptr(HaulDownload) identity = fetch_one (fixture, "/truncated-identity.png");

  assert_failed_with (download, "incomplete");
  /* "identity" is no compression: the Content-Length still counts. */
  assert_failed_with (identity, "incomplete");
  assert_folder_empty (fixture);
}

/* The file and the SHA-256 reported are exactly @expected. */
static void
assert_saved (HaulDownload *download,
              const guint8 *expected,
              gsize         length)
{
  g_autofree char *contents = NULL;
  g_autofree char *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, expected, length);
  gsize got;

  if (haul_download_get_state (download) != HAUL_DOWNLOAD_DONE)
    g_error ("%s: %s", haul_download_get_url (download),
             haul_download_get_error_message (download));
  g_assert_true (g_file_get_contents (haul_download_get_file_path (download), &contents, &got, NULL));
  g_assert_cmpmem (contents, got, expected, length);
  g_assert_cmpstr (haul_download_get_sha256 (download), ==, sha256);
}

/* A chunked body that ends properly is saved whole. */
static void
test_chunked (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(HaulDownload) download = fetch_one (fixture, "/chunked.png");
  g_autoptr(GPtrArray) kept = make_downloads ("/chunked-kept.png", "/chunked-kept.png?2",
                                              "/chunked-kept.png?3", NULL);
  g_autofree guint8 *expected = test_make_pattern (TEST_CHUNKED_LENGTH);

  assert_saved (download, expected, TEST_CHUNKED_LENGTH);

  /* One after another on the same connection, too. */
  haul_downloader_set_concurrency (fixture->downloader, 1);
  g_assert_true (run_batch (fixture, kept, NULL, NULL));
  for (guint i = 0; i < kept->len; i++)
    assert_saved (kept->pdata[i], expected, TEST_CHUNKED_LENGTH);
}

/* One that ends between chunks, without its last, empty chunk, is cut
 * off: never saved as if complete, and tried again. */
static void
test_chunked_cut (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(HaulDownload) failed = fetch_one (fixture, "/chunked-cut/1");
  g_autoptr(HaulDownload) retried = NULL;
  g_autofree guint8 *expected = test_make_pattern (TEST_CHUNKED_LENGTH);

  assert_failed_with (failed, "incomplete");
  assert_folder_empty (fixture);

  haul_downloader_set_retries (fixture->downloader, 1);
  retried = fetch_one (fixture, "/chunked-cut/2");
  assert_saved (retried, expected, TEST_CHUNKED_LENGTH);
  g_assert_cmpuint (test_server_get_hits (server, "/chunked-cut/2"), ==, 2);
}

/* A body shorter than its Content-Length is tried again. */
static void
test_short_body_retried (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(HaulDownload) download = NULL;
  g_autofree guint8 *expected = test_make_pattern (20000);

  haul_downloader_set_retries (fixture->downloader, 1);
  download = fetch_one (fixture, "/short/1");

  assert_saved (download, expected, 20000);
  g_assert_cmpuint (test_server_get_hits (server, "/short/1"), ==, 2);
}

typedef struct
{
  const char *path;
  guint       hits;
  gboolean    changed;       /* the body the file must hold */
  gboolean    last_ranged;   /* whether the last request asked for a range */
} ResumeCase;

/* A cut transfer goes on with a Range request and If-Range; whatever
 * the server answers, the file ends byte for byte the server's. */
static void
test_resume (Fixture       *fixture,
             gconstpointer  data)
{
  static const ResumeCase cases[] = {
    { "/resume/1?cut=close&answer=ranges", 2, FALSE, TRUE },
    { "/resume/2?cut=chunked&answer=ranges", 2, FALSE, TRUE },
    { "/resume/3?cut=reset&answer=ranges", 2, FALSE, TRUE },
    { "/resume/4?cut=close&answer=ranges&plain=1", 2, FALSE, TRUE },
    { "/resume/5?cut=close&answer=ignore", 2, FALSE, TRUE },
    { "/resume/6?cut=close&answer=changed", 2, TRUE, TRUE },
    /* A new ETag on a 206 is not the same body: asked for again whole. */
    { "/resume/7?cut=close&answer=changed206", 3, TRUE, FALSE },
    { "/resume/8?cut=chunked&answer=416", 3, FALSE, FALSE },
  };

  haul_downloader_set_retries (fixture->downloader, 1);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const ResumeCase *c = &cases[i];
      g_autoptr(HaulDownload) download = NULL;
      g_autofree guint8 *expected = test_make_resume_body (c->changed);
      g_autofree char *path = g_strndup (c->path, strcspn (c->path, "?"));
      g_autofree char *range = NULL;
      g_autofree char *if_range = NULL;

      g_test_message ("%s", c->path);
      download = fetch_one (fixture, c->path);
      assert_saved (download, expected, TEST_RESUME_LENGTH);
      g_assert_cmpuint (test_server_get_hits (server, path), ==, c->hits);
      g_assert_cmpstr (haul_download_get_etag (download), ==, c->changed ? "\"v2\"" : "\"v1\"");
      g_assert_cmpstr (haul_download_get_last_modified (download), ==, TEST_LAST_MODIFIED);

      g_mutex_lock (&server->lock);
      range = g_strdup (server->range);
      if_range = g_strdup (server->if_range);
      g_mutex_unlock (&server->lock);

      if (!c->last_ranged)
        {
          g_assert_null (range);
          continue;
        }

      /* A reset may lose what was in flight; the others arrive whole. */
      if (strstr (c->path, "reset") == NULL)
        g_assert_cmpstr (range, ==, "bytes=" G_STRINGIFY (TEST_RESUME_CUT) "-");
      else
        g_assert_true (range != NULL && g_str_has_prefix (range, "bytes="));
      g_assert_cmpstr (if_range, ==, "\"v1\"");
    }
}

static void
collect_update (HaulUpdate *update,
                gpointer    user_data)
{
  g_ptr_array_add (user_data, update);
}

/* Runs one fetch in this thread, as a worker would, and returns its
 * updates; the last is FINISHED. */
static GPtrArray *
run_fetch (Fixture   *fixture,
           HaulFetch *fetch)
{
  GPtrArray *updates = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_update_free);
  HaulUpdate *last;

  fetch->session = soup_session_new ();
  fetch->max_size = G_MAXUINT64;
  haul_fetch_run (fetch, collect_update, updates);

  last = g_ptr_array_index (updates, updates->len - 1);
  g_assert_cmpint (last->kind, ==, HAUL_UPDATE_FINISHED);
  /* It travels with its last update; this test frees it itself. */
  for (guint i = 0; i < updates->len; i++)
    ((HaulUpdate *)g_ptr_array_index (updates, i))->fetch = NULL;
  haul_fetch_free (fetch);

  return updates;
}

/* The hooks a record of unfinished transfers uses: a body that grew big
 * enough gets a partial name, which a failed fetch leaves in place; the
 * next fetch continues it with a Range request. */
static void
test_resume_part (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *url = test_server_url (server, "/resume/20?cut=close&answer=ranges");
  g_autofree guint8 *expected = test_make_resume_body (FALSE);
  g_autofree char *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, expected,
                                                        TEST_RESUME_LENGTH);
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autofree char *part_name = NULL;
  g_autofree char *part_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GPtrArray) names = NULL;
  HaulFetch *fetch;
  HaulUpdate *finished;
  gsize length;

  fetch = haul_fetch_new (url, fixture->folder, NULL, NULL);
  fetch->name_part_after = 64 * 1024;
  fetch->keep_part = TRUE;
  first = run_fetch (fixture, fetch);

  for (guint i = 0; i < first->len && part_name == NULL; i++)
    {
      HaulUpdate *update = g_ptr_array_index (first, i);

      if (update->kind == HAUL_UPDATE_PROGRESS && update->part_name != NULL)
        {
          g_assert_cmpuint (update->bytes_received, >=, 64 * 1024);
          g_assert_cmpstr (update->etag, ==, "\"v1\"");
          part_name = g_strdup (update->part_name);
        }
    }
  g_assert_nonnull (part_name);

  finished = g_ptr_array_index (first, first->len - 1);
  g_assert_cmpint (finished->state, ==, HAUL_DOWNLOAD_FAILED);
  g_assert_cmpstr (finished->part_name, ==, part_name);
  g_assert_cmpstr (finished->etag, ==, "\"v1\"");
  g_assert_cmpstr (finished->last_modified, ==, TEST_LAST_MODIFIED);
  part_path = g_build_filename (fixture->folder, part_name, NULL);
  g_assert_true (g_file_get_contents (part_path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, expected, TEST_RESUME_CUT);

  fetch = haul_fetch_new (url, fixture->folder, NULL, NULL);
  fetch->resume_part = g_strdup (part_name);
  fetch->resume_etag = g_strdup (finished->etag);
  fetch->resume_last_modified = g_strdup (finished->last_modified);
  second = run_fetch (fixture, fetch);

  finished = g_ptr_array_index (second, second->len - 1);
  g_assert_cmpint (finished->state, ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpstr (finished->sha256, ==, sha256);
  g_assert_null (finished->part_name);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (finished->file_path, &contents, &length, NULL));
  g_assert_cmpmem (contents, length, expected, TEST_RESUME_LENGTH);

  g_mutex_lock (&server->lock);
  g_assert_cmpstr (server->range, ==, "bytes=" G_STRINGIFY (TEST_RESUME_CUT) "-");
  g_assert_cmpstr (server->if_range, ==, "\"v1\"");
  g_mutex_unlock (&server->lock);

  /* Only the final name is left. */
  names = list_folder (fixture->folder);
  g_assert_cmpuint (names->len, ==, 1);
}

static gint64
mtime_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mtime;
}

/* A saved file is dated as the server dates it, unless asked not to. */
static void
test_server_time (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(HaulDownload) dated = fetch_one (fixture, "/dated.png");
  g_autoptr(HaulDownload) undated = fetch_one (fixture, "/png/undated.png");
  g_autoptr(HaulDownload) now = NULL;
  gint64 real_now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpint (mtime_of (haul_download_get_file_path (dated)), ==, TEST_LAST_MODIFIED_UNIX);
  g_assert_cmpint (ABS (mtime_of (haul_download_get_file_path (undated)) - real_now), <, 60);

  g_assert_true (haul_downloader_get_server_time (fixture->downloader));
  haul_downloader_set_server_time (fixture->downloader, FALSE);
  now = fetch_one (fixture, "/dated.png");
  g_assert_cmpint (ABS (mtime_of (haul_download_get_file_path (now)) - real_now), <, 60);
}

/* The nice value of each of this process's threads, from /proc. */
static GArray *
thread_nice_values (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  GArray *values = g_array_new (FALSE, FALSE, sizeof (int));
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", name, "stat", NULL);
      g_autofree char *stat = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after_name;
      int nice;

      if (!g_file_get_contents (path, &stat, NULL, NULL))
        continue;
      /* The name in parentheses may hold spaces; field 19 is the nice value. */
      after_name = strrchr (stat, ')');
      g_assert_nonnull (after_name);
      fields = g_strsplit (after_name + 2, " ", -1);
      g_assert_cmpuint (g_strv_length (fields), >, 16);
      nice = atoi (fields[16]);
      g_array_append_val (values, nice);
    }

  return values;
}

static gboolean
sample_nice_values (gpointer user_data)
{
  GArray *all = user_data;
  g_autoptr(GArray) values = thread_nice_values ();

  g_array_append_vals (all, values->data, values->len);
  return G_SOURCE_CONTINUE;
}

/* Workers run at the process's own priority: a thread that lowers its
 * own makes GLib fail to copy the settings into threads it spawns later,
 * which users who are not root see as a CRITICAL on every run. */
static void
test_workers_keep_priority (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/png/p1.png?delay=300", "/png/p2.png?delay=300",
                                                   "/png/p3.png?delay=300", NULL);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (int));
  int own = getpriority (PRIO_PROCESS, 0);
  guint id;

  if (!g_file_test ("/proc/self/task", G_FILE_TEST_IS_DIR))
    {
      g_test_skip ("no /proc/self/task");
      return;
    }

  id = g_timeout_add (50, sample_nice_values, values);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));
  g_source_remove (id);

  g_assert_cmpuint (values->len, >, 3);
  for (guint i = 0; i < values->len; i++)
    g_assert_cmpint (g_array_index (values, int, i), ==, own);
}

static void
test_http_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/status/404", "/status/500", "/status/403", NULL);

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  assert_failed_with (downloads->pdata[0], "HTTP 404 Not Found");
  assert_failed_with (downloads->pdata[1], "HTTP 500 Internal Server Error");
  assert_failed_with (downloads->pdata[2], "HTTP 403 Forbidden");
  g_assert_cmpuint (haul_download_get_http_status (downloads->pdata[0]), ==, 404);
  assert_folder_empty (fixture);
}

/* A body no magic bytes recognise, labelled with an image type we have no
 * extension for, is saved; but never under the name's own extension,
 * which could make a web page or a launcher of it. */
static void
test_unknown_image_type (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads =
    make_downloads ("/odd-type?h=attachment%3B%20filename%3Dpage.html",
                    "/odd-type?h=attachment%3B%20filename%3Drun.desktop",
                    NULL);

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  g_assert_cmpint (haul_download_get_state (downloads->pdata[0]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpstr (haul_download_get_file_name (downloads->pdata[0]), ==, "page.unknown");
  g_assert_cmpint (haul_download_get_state (downloads->pdata[1]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpstr (haul_download_get_file_name (downloads->pdata[1]), ==, "run.desktop.unknown");
}

/* What a server says lands in messages and on terminals: no escapes. */
static void
test_server_text_escaped (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/escape", "/escape-type", NULL);

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  assert_failed_with (downloads->pdata[0], "HTTP 500 ");
  assert_failed_with (downloads->pdata[1], "not an image");
  for (guint i = 0; i < downloads->len; i++)
    {
      HaulDownload *download = downloads->pdata[i];
      const char *type = haul_download_get_content_type (download);

      g_assert_null (strchr (haul_download_get_error_message (download), '\033'));
      g_assert_null (strchr (haul_download_get_error_message (download), '\007'));
      g_assert_true (type == NULL || strchr (type, '\033') == NULL);
    }
  assert_folder_empty (fixture);
}

static void
test_retry_after (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(HaulDownload) download = NULL;
  g_autoptr(HaulDownload) failed = NULL;
  gint64 start;

  haul_downloader_set_retries (fixture->downloader, 2);
  start = g_get_monotonic_time ();
  download = fetch_one (fixture, "/retry-after/a.png");

  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpuint (test_server_get_hits (server, "/retry-after/a.png"), ==, 2);
  /* It waited the second the server asked for. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC * 9 / 10);

  /* A 500 is retried too, then reported. */
  haul_downloader_set_retries (fixture->downloader, 1);
  failed = fetch_one (fixture, "/status/503");
  assert_failed_with (failed, "HTTP 503 Service Unavailable");
  g_assert_cmpuint (test_server_get_hits (server, "/status/503"), ==, 2);
}

static void
test_idle_timeout (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(HaulDownload) download = NULL;
  gint64 start;

  haul_downloader_set_timeout (fixture->downloader, 1);
  start = g_get_monotonic_time ();
  download = fetch_one (fixture, "/stall.png");

  assert_failed_with (download, "timed out");
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  assert_folder_empty (fixture);
}

static void
test_size_cap (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/endless.png", "/bytes/3000000", NULL);

  haul_downloader_set_max_size (fixture->downloader, 1024 * 1024);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  /* The limit is told in the units --max-size takes: 1M is 1 MiB. */
  assert_failed_with (downloads->pdata[0], "too large (over 1.0\u00a0MiB)");
  g_assert_cmpuint (haul_download_get_bytes_received (downloads->pdata[0]), <=, 1024 * 1024);
  /* Refused on its Content-Length, before reading the body. */
  assert_failed_with (downloads->pdata[1], "too large (over 1.0\u00a0MiB)");
  g_assert_cmpuint (haul_download_get_bytes_received (downloads->pdata[1]), ==, 0);
  assert_folder_empty (fixture);
}

/* A Content-Length that is not a number fails rather than being read as
 * some number; one too large to count is too large. */
static void
test_bad_content_length (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/length?v=%2B12",
                                                   "/length?v=99999999999999999999999",
                                                   "/length?v=600",
                                                   NULL);

  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  assert_failed_with (downloads->pdata[0], "Content-Length");
  assert_failed_with (downloads->pdata[1], "too large");
  g_assert_cmpint (haul_download_get_state (downloads->pdata[2]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpuint (haul_download_get_bytes_received (downloads->pdata[2]), ==, 600);
}

/* A compressed body is saved decoded, and the size cap counts the decoded
 * bytes: a few kilobytes of gzip must not fill the disk. */
static void
test_compressed (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/gzip.png", "/gzip-bomb.png", NULL);

  haul_downloader_set_max_size (fixture->downloader, 1024 * 1024);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  g_assert_cmpint (haul_download_get_state (downloads->pdata[0]), ==, HAUL_DOWNLOAD_DONE);
  assert_file_is_png (haul_download_get_file_path (downloads->pdata[0]));
  g_assert_cmpint (haul_download_get_width (downloads->pdata[0]), ==, 40);

  assert_failed_with (downloads->pdata[1], "too large");
  g_assert_cmpuint (haul_download_get_bytes_received (downloads->pdata[1]), <=, 1024 * 1024);
}

static void
cancel_when_receiving (GObject    *object,
                       GParamSpec *pspec,
                       gpointer    user_data)
{
  gint64 *cancelled_at = user_data;

  if (*cancelled_at == 0 && haul_download_get_bytes_received (HAUL_DOWNLOAD (object)) > 0)
    {
      *cancelled_at = g_get_monotonic_time ();
      haul_download_cancel (HAUL_DOWNLOAD (object));
    }
}

static void
test_cancel_item (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/endless.png?slow=1", "/png/kept.png", NULL);
  gint64 cancelled_at = 0;

  g_signal_connect (downloads->pdata[0], "notify::bytes-received",
                    G_CALLBACK (cancel_when_receiving), &cancelled_at);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  g_assert_cmpint (cancelled_at, >, 0);
  g_assert_cmpint (haul_download_get_state (downloads->pdata[0]), ==, HAUL_DOWNLOAD_CANCELLED);
  g_assert_cmpint (haul_download_get_finished_time (downloads->pdata[0]) - cancelled_at, <,
                   G_USEC_PER_SEC);
  g_assert_null (haul_download_get_file_path (downloads->pdata[0]));
  g_assert_cmpint (haul_download_get_state (downloads->pdata[1]), ==, HAUL_DOWNLOAD_DONE);

  {
    g_autoptr(GPtrArray) names = list_folder (fixture->folder);

    g_assert_cmpuint (names->len, ==, 1);
    g_assert_cmpstr (names->pdata[0], ==, "kept.png");
  }
}

static gboolean
cancel_later (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_cancel_batch (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/endless.png?slow=1", "/endless.png?slow=1&b=1",
                                                   "/png/late.png?delay=5000", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  g_timeout_add (300, cancel_later, cancellable);
  g_assert_false (run_batch (fixture, downloads, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  for (guint i = 0; i < downloads->len; i++)
    g_assert_cmpint (haul_download_get_state (downloads->pdata[i]), ==, HAUL_DOWNLOAD_CANCELLED);
  assert_folder_empty (fixture);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *)user_data)++;
}

static void
test_progress_coalesced (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/endless.png?slow=1", NULL);
  HaulDownload *download = downloads->pdata[0];
  guint notifies = 0;
  double seconds;

  /* The trickle sends 4 KiB every 20 ms, which is 50 reads a second. */
  haul_downloader_set_max_size (fixture->downloader, 300 * 1024);
  g_signal_connect (download, "notify::bytes-received", G_CALLBACK (count_notify), &notifies);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  assert_failed_with (download, "too large");
  seconds = haul_download_get_seconds (download);
  g_test_message ("%u progress notifications in %.2f s", notifies, seconds);
  g_assert_cmpfloat (seconds, >, 0.5);
  g_assert_cmpuint (notifies, >=, 3);
  g_assert_cmpuint (notifies, <=, seconds * 10 + 4);
  assert_folder_empty (fixture);
}

static void
raise_concurrency (HaulDownloader *downloader,
                   HaulDownload   *download,
                   gpointer        user_data)
{
  haul_downloader_set_concurrency (downloader, 10);
}

static void
test_concurrency_change (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start;
  double elapsed;

  haul_downloader_set_concurrency (fixture->downloader, 1);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *path = g_strdup_printf ("/png/change-%u.png?delay=250", i);
      g_autofree char *url = test_server_url (server, path);

      g_ptr_array_add (downloads, haul_download_new (url));
    }

  /* One at a time would take 3 s; raised after the first, the rest overlap. */
  g_signal_connect (fixture->downloader, "download-finished", G_CALLBACK (raise_concurrency), NULL);
  start = g_get_monotonic_time ();
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));
  elapsed = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;

  g_test_message ("12 × 250 ms, raised from 1 to 10 workers: %.2f s", elapsed);
  g_assert_cmpuint (haul_downloader_get_concurrency (fixture->downloader), ==, 10);
  for (guint i = 0; i < downloads->len; i++)
    g_assert_cmpint (haul_download_get_state (downloads->pdata[i]), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpfloat (elapsed, <, 12 * 0.25 / 2);
}

static void
test_cancel_backoff (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/status/503/backoff", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gint64 start = g_get_monotonic_time ();

  /* Tries at 0 and 0.5 s, then waits a whole second: cancel in that wait. */
  haul_downloader_set_retries (fixture->downloader, 5);
  g_timeout_add (800, cancel_later, cancellable);
  g_assert_false (run_batch (fixture, downloads, cancellable, NULL));

  g_assert_cmpint (haul_download_get_state (downloads->pdata[0]), ==, HAUL_DOWNLOAD_CANCELLED);
  g_assert_cmpuint (test_server_get_hits (server, "/status/503/backoff"), ==, 2);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1300 * 1000);
}

static gboolean
count_partial_files (gpointer user_data)
{
  Fixture *fixture = user_data;
  g_autoptr(GPtrArray) names = list_folder (fixture->folder);

  for (guint i = 0; i < names->len; i++)
    {
      if (g_str_has_prefix (g_ptr_array_index (names, i), ".haul-"))
        fixture->partial_seen++;
    }

  return G_SOURCE_CONTINUE;
}

/* A transfer cut by a reset is tried again after a pause; what it had
 * received does not wait on disk through that pause. */
static void
test_no_partial_file_in_backoff (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_downloads ("/reset.png", NULL);
  guint id;

  haul_downloader_set_retries (fixture->downloader, 1);
  id = g_timeout_add (5, count_partial_files, fixture);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));
  g_source_remove (id);

  assert_failed_with (downloads->pdata[0], "connection reset");
  g_assert_cmpuint (test_server_get_hits (server, "/reset.png"), ==, 2);
  /* The pause is half a second: a partial file through it would be seen
   * about a hundred times. */
  g_assert_cmpuint (fixture->partial_seen, <, 20);
  assert_folder_empty (fixture);
}

static void
test_retry_after_parse (void)
{
  const gint64 now = 1700000000;   /* Tue, 14 Nov 2023 22:13:20 GMT */

  g_assert_cmpint (haul_fetch_parse_retry_after ("120", now), ==, 120 * G_USEC_PER_SEC);
  g_assert_cmpint (haul_fetch_parse_retry_after (" 0", now), ==, 0);
  g_assert_cmpint (haul_fetch_parse_retry_after ("Tue, 14 Nov 2023 22:13:30 GMT", now), ==,
                   10 * G_USEC_PER_SEC);
  g_assert_cmpint (haul_fetch_parse_retry_after ("Tue, 14 Nov 2023 22:00:00 GMT", now), ==, 0);
  g_assert_cmpint (haul_fetch_parse_retry_after ("soon", now), ==, -1);
  g_assert_cmpint (haul_fetch_parse_retry_after ("-5", now), ==, -1);
  g_assert_cmpint (haul_fetch_parse_retry_after (NULL, now), ==, -1);

  /* Exponential without a hint, the server's hint otherwise, both capped. */
  g_assert_cmpint (haul_fetch_backoff (0, -1), ==, G_USEC_PER_SEC / 2);
  g_assert_cmpint (haul_fetch_backoff (1, -1), ==, G_USEC_PER_SEC);
  g_assert_cmpint (haul_fetch_backoff (2, -1), ==, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (haul_fetch_backoff (40, -1), ==, 30 * G_USEC_PER_SEC);
  g_assert_cmpint (haul_fetch_backoff (0, 3 * G_USEC_PER_SEC), ==, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (haul_fetch_backoff (0, G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC), ==,
                   60 * G_USEC_PER_SEC);
}

static void
test_not_an_image (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(HaulDownload) html = fetch_one (fixture, "/html");
  g_autoptr(HaulDownload) text = NULL;

  assert_failed_with (html, "not an image (text/html)");
  assert_folder_empty (fixture);

  haul_downloader_set_accept_any_type (fixture->downloader, TRUE);
  text = fetch_one (fixture, "/text.txt");
  g_assert_cmpint (haul_download_get_state (text), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpstr (haul_download_get_file_name (text), ==, "text.txt");
}

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(HaulDownload) download = fetch_one (fixture, "/empty");

  assert_failed_with (download, "empty");
  assert_folder_empty (fixture);
}

static void
test_bomb (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(HaulDownload) download = NULL;
  gint64 start = g_get_monotonic_time ();
  struct rusage before, after;
  GStatBuf st;

  haul_downloader_set_thumbnail_size (fixture->downloader, 256);
  getrusage (RUSAGE_SELF, &before);
  download = fetch_one (fixture, "/bomb.png");
  getrusage (RUSAGE_SELF, &after);

  /* Decoding it would take 3.6 GB; the peak may not grow by 100 MB. */
  g_assert_cmpint (after.ru_maxrss - before.ru_maxrss, <, 100 * 1024);

  /* Saved as what it is, but never decoded: no preview, quickly. */
  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
  g_assert_null (haul_download_get_thumbnail (download));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (g_stat (haul_download_get_file_path (download), &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, g_bytes_get_size (server->bomb));
}

static void
test_https (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *url = g_strconcat (server->tls_base, "/png/secure.png", NULL);
  g_autoptr(HaulDownload) download = fetch_one (fixture, url);

  if (data != NULL)
    {
      g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
      assert_file_is_png (haul_download_get_file_path (download));
    }
  else
    {
      assert_failed_with (download, "TLS certificate not trusted");
      assert_folder_empty (fixture);
    }
}

/* /png/NAME?delay=MS items on the HTTP/2 server. */
static GPtrArray *
make_h2_downloads (const char *prefix,
                   guint       count,
                   guint       delay)
{
  GPtrArray *downloads = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < count; i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/png/%s-%u.png?delay=%u",
                                              server->h2_base, prefix, i, delay);

      g_ptr_array_add (downloads, haul_download_new (url));
    }

  return downloads;
}

/* Transfers in flight to an HTTP/2 server share one connection as
 * streams, with as many at once as there are workers. */
static void
test_h2_shared_connection (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_h2_downloads ("shared", 36, 300);
  guint connections, requests, streams;
  gint64 start;
  double elapsed;

  test_server_h2_reset (server);
  haul_downloader_set_concurrency (fixture->downloader, 12);
  start = g_get_monotonic_time ();
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));
  elapsed = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;

  for (guint i = 0; i < downloads->len; i++)
    {
      g_assert_cmpint (haul_download_get_state (downloads->pdata[i]), ==, HAUL_DOWNLOAD_DONE);
      assert_file_is_png (haul_download_get_file_path (downloads->pdata[i]));
    }

  connections = test_server_h2_connections (server, &requests, &streams);
  g_test_message ("36 × 300 ms, 12 workers over HTTP/2: %.2f s, %u requests (%u as HTTP/2) "
                  "on %u connections", elapsed, requests, streams, connections);
  g_assert_cmpuint (requests, ==, 36);
  g_assert_cmpuint (streams, ==, 36);
  g_assert_cmpuint (connections, <=, 2);
  /* Three rounds of 12 at once; one by one would take 10.8 s. */
  g_assert_cmpfloat (elapsed, >=, 0.9);
  g_assert_cmpfloat (elapsed, <, 10.8 / 3);
}

static gboolean
cancel_download_later (gpointer user_data)
{
  HaulDownload *download = user_data;

  g_object_set_data (G_OBJECT (download), "cancelled-at",
                     GSIZE_TO_POINTER ((gsize)g_get_monotonic_time ()));
  haul_download_cancel (download);
  return G_SOURCE_REMOVE;
}

/* Cancelling one stream ends it at once, though its connection is silent
 * (libsoup 3.2 would wait for the next frame), and resets that stream
 * only: the others on its connection finish, and the connection serves
 * what comes next. */
static void
test_h2_cancel_one (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_h2_downloads ("kept", 8, 1500);
  g_autoptr(GPtrArray) later = make_h2_downloads ("later", 4, 0);
  g_autofree char *url = g_strdup_printf ("%s/png/held.png?delay=20000", server->h2_base);
  g_autoptr(HaulDownload) held = haul_download_new (url);
  gint64 cancelled_at;
  guint connections;

  test_server_h2_reset (server);
  haul_downloader_set_concurrency (fixture->downloader, 9);
  g_ptr_array_insert (downloads, 0, g_object_ref (held));
  g_timeout_add (300, cancel_download_later, held);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  cancelled_at = (gint64)GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (held), "cancelled-at"));
  g_assert_cmpint (haul_download_get_state (held), ==, HAUL_DOWNLOAD_CANCELLED);
  g_assert_cmpint (haul_download_get_finished_time (held) - cancelled_at, <, G_USEC_PER_SEC);
  g_assert_null (haul_download_get_file_path (held));
  for (guint i = 1; i < downloads->len; i++)
    g_assert_cmpint (haul_download_get_state (downloads->pdata[i]), ==, HAUL_DOWNLOAD_DONE);

  connections = test_server_h2_connections (server, NULL, NULL);
  g_assert_cmpuint (connections, <=, 2);

  g_assert_true (run_batch (fixture, later, NULL, NULL));
  for (guint i = 0; i < later->len; i++)
    g_assert_cmpint (haul_download_get_state (later->pdata[i]), ==, HAUL_DOWNLOAD_DONE);
  /* No new one. */
  g_assert_cmpuint (test_server_h2_connections (server, NULL, NULL), ==, connections);
}

/* Cancelling the batch ends every stream at once. */
static void
test_h2_cancel_batch (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) downloads = make_h2_downloads ("late", 6, 10000);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  haul_downloader_set_concurrency (fixture->downloader, 6);
  g_timeout_add (300, cancel_later, cancellable);
  g_assert_false (run_batch (fixture, downloads, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 300 * 1000 + G_USEC_PER_SEC);

  for (guint i = 0; i < downloads->len; i++)
    g_assert_cmpint (haul_download_get_state (downloads->pdata[i]), ==, HAUL_DOWNLOAD_CANCELLED);
  assert_folder_empty (fixture);
}

/* libsoup 3.2 lets the reader of an HTTP/2 body wait for ever once its
 * stream or connection has failed: the read itself gives up after the
 * timeout. */
static void
test_h2_body_timeout (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *url = g_strdup_printf ("%s/body-stall.png", server->h2_base);
  g_autoptr(GPtrArray) downloads = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 start = g_get_monotonic_time ();
  HaulDownload *download;

  g_ptr_array_add (downloads, haul_download_new (url));
  download = downloads->pdata[0];
  haul_downloader_set_timeout (fixture->downloader, 1);
  g_assert_true (run_batch (fixture, downloads, NULL, NULL));

  assert_failed_with (download, "timed out");
  g_assert_cmpuint (haul_download_get_bytes_received (download), >=, 600);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  assert_folder_empty (fixture);
}

static void
test_unwritable_folder (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *inside = g_build_filename (fixture->folder, "file", "sub", NULL);
  g_autofree char *blocker = g_build_filename (fixture->folder, "file", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (inside);
  g_autoptr(HaulDownload) download = NULL;

  /* A file where the folder should be: it cannot be created. */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  haul_downloader_set_output_folder (fixture->downloader, folder);
  download = fetch_one (fixture, "/png/nowhere.png");

  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_FAILED);
  g_assert_nonnull (haul_download_get_error_message (download));
}

static void
test_output_folder_created (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *inside = g_build_filename (fixture->folder, "new", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (inside);
  g_autoptr(HaulDownload) download = NULL;
  g_autofree char *expected = g_build_filename (inside, "made.png", NULL);

  haul_downloader_set_output_folder (fixture->downloader, folder);
  download = fetch_one (fixture, "/png/made.png");

  g_assert_cmpint (haul_download_get_state (download), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpstr (haul_download_get_file_path (download), ==, expected);
  g_assert_cmpint (g_unlink (expected), ==, 0);
  g_assert_cmpint (g_rmdir (inside), ==, 0);
}

static void
test_non_local_folder (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GFile) folder = g_file_new_for_uri ("sftp://127.0.0.1/images");
  g_autoptr(HaulDownload) download = NULL;

  /* Nothing may land anywhere else, such as the current folder. */
  haul_downloader_set_output_folder (fixture->downloader, folder);
  download = fetch_one (fixture, "/png/remote.png");

  assert_failed_with (download, "not a local folder");
  g_assert_cmpuint (test_server_get_hits (server, "/png/remote.png"), ==, 0);
}

static void
test_bad_ca_file (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *url = g_strconcat (server->tls_base, "/png/badca.png", NULL);
  g_autoptr(HaulDownload) secure = fetch_one (fixture, url);
  g_autoptr(HaulDownload) plain = fetch_one (fixture, "/png/plain.png");

  assert_failed_with (secure, "certificates");
  g_assert_cmpint (haul_download_get_state (plain), ==, HAUL_DOWNLOAD_DONE);
}

static void
test_properties (void)
{
  g_autoptr(HaulDownloader) downloader = haul_downloader_new (NULL);
  g_assert_cmpuint (haul_downloader_get_concurrency (downloader), ==, HAUL_DOWNLOADER_DEFAULT_CONCURRENCY);
  g_assert_cmpuint (haul_downloader_get_retries (downloader), ==, HAUL_DOWNLOADER_DEFAULT_RETRIES);
  g_assert_cmpuint (haul_downloader_get_timeout (downloader), ==, HAUL_DOWNLOADER_DEFAULT_TIMEOUT);
  g_assert_cmpuint (haul_downloader_get_max_size (downloader), ==, HAUL_DOWNLOADER_DEFAULT_MAX_SIZE);
  g_assert_false (haul_downloader_get_accept_any_type (downloader));
  g_assert_false (haul_downloader_get_running (downloader));

  haul_downloader_set_concurrency (downloader, 100);
  g_assert_cmpuint (haul_downloader_get_concurrency (downloader), ==, HAUL_DOWNLOADER_MAX_CONCURRENCY);
  haul_downloader_set_concurrency (downloader, 0);
  g_assert_cmpuint (haul_downloader_get_concurrency (downloader), ==, HAUL_DOWNLOADER_MIN_CONCURRENCY);

  g_assert_finalize_object (g_steal_pointer (&downloader));
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *ca_file = NULL;
  int result;

  g_test_init (&argc, &argv, NULL);

  server = test_server_new ();
  ca_file = g_test_build_filename (G_TEST_DIST, "tls", "ca.pem", NULL);

#define ADD(path, func, data) \
  g_test_add ("/downloader/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/downloader/properties", test_properties);
  g_test_add_func ("/downloader/retry-after-parse", test_retry_after_parse);
  ADD ("basic", test_basic, NULL);
  ADD ("formats", test_formats, NULL);
  ADD ("concurrency", test_concurrency, NULL);
  ADD ("byte-exact", test_byte_exact, NULL);
  ADD ("redirects", test_redirects, NULL);
  ADD ("refused-scheme", test_refused_scheme, NULL);
  ADD ("connection-refused", test_connection_refused, NULL);
  ADD ("naming", test_naming, NULL);
  ADD ("collisions", test_collisions, NULL);
  ADD ("collisions-concurrent", test_collisions_concurrent, NULL);
  ADD ("duplicates", test_duplicates, NULL);
  ADD ("truncated", test_truncated, NULL);
  ADD ("chunked", test_chunked, NULL);
  ADD ("chunked-cut", test_chunked_cut, NULL);
  ADD ("short-body-retried", test_short_body_retried, NULL);
  ADD ("resume", test_resume, NULL);
  ADD ("resume-part", test_resume_part, NULL);
  ADD ("server-time", test_server_time, NULL);
  ADD ("workers-keep-priority", test_workers_keep_priority, NULL);
  ADD ("http-errors", test_http_errors, NULL);
  ADD ("server-text-escaped", test_server_text_escaped, NULL);
  ADD ("unknown-image-type", test_unknown_image_type, NULL);
  ADD ("retry-after", test_retry_after, NULL);
  ADD ("idle-timeout", test_idle_timeout, NULL);
  ADD ("size-cap", test_size_cap, NULL);
  ADD ("compressed", test_compressed, NULL);
  ADD ("bad-content-length", test_bad_content_length, NULL);
  ADD ("cancel-item", test_cancel_item, NULL);
  ADD ("cancel-batch", test_cancel_batch, NULL);
  ADD ("cancel-backoff", test_cancel_backoff, NULL);
  ADD ("no-partial-file-in-backoff", test_no_partial_file_in_backoff, NULL);
  ADD ("progress-coalesced", test_progress_coalesced, NULL);
  ADD ("concurrency-change", test_concurrency_change, NULL);
  ADD ("not-an-image", test_not_an_image, NULL);
  ADD ("empty", test_empty, NULL);
  ADD ("bomb", test_bomb, NULL);
  ADD ("https/private-ca", test_https, ca_file);
  ADD ("https/untrusted", test_https, NULL);
  ADD ("unwritable-folder", test_unwritable_folder, NULL);
  ADD ("output-folder-created", test_output_folder_created, NULL);
  ADD ("non-local-folder", test_non_local_folder, NULL);
  ADD ("https/bad-ca-file", test_bad_ca_file, "/nonexistent/ca.pem");
  ADD ("h2/shared-connection", test_h2_shared_connection, ca_file);
  ADD ("h2/cancel-one", test_h2_cancel_one, ca_file);
  ADD ("h2/cancel-batch", test_h2_cancel_batch, ca_file);
  ADD ("h2/body-timeout", test_h2_body_timeout, ca_file);

#undef ADD

  result = g_test_run ();
  test_server_free (server);

  return result;
}
