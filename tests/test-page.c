/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "haul-download.h"
#include "haul-downloader.h"
#include "haul-page.h"
#include "haul-queue.h"
#include "test-server.h"

static TestServer *server;

typedef struct
{
  char           *folder;
  HaulDownloader *downloader;
  HaulQueue      *queue;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) folder = NULL;

  fixture->folder = g_dir_make_tmp ("haul-page-XXXXXX", &error);
  g_assert_no_error (error);
  folder = g_file_new_for_path (fixture->folder);

  fixture->downloader = haul_downloader_new (NULL);
  haul_downloader_set_output_folder (fixture->downloader, folder);
  haul_downloader_set_retries (fixture->downloader, 0);
  haul_downloader_set_thumbnail_size (fixture->downloader, 64);
  fixture->queue = haul_queue_new (fixture->downloader);
  haul_queue_set_pages (fixture->queue, TRUE);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->folder, 0, NULL);
  const char *name;

  g_assert_finalize_object (fixture->queue);
  g_assert_finalize_object (fixture->downloader);

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (fixture->folder, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->folder);
  g_free (fixture->folder);
}

static void
wait_idle (Fixture *fixture)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (haul_queue_get_running (fixture->queue))
    {
      g_main_context_iteration (NULL, TRUE);
      if (g_get_monotonic_time () > deadline)
        g_error ("the queue did not finish in time");
    }
  /* Previews come from threads of their own. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static HaulDownload *
run_page (Fixture    *fixture,
          const char *path)
{
  g_autofree char *url = test_server_url (server, path);
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  g_autoptr(GPtrArray) added = NULL;

  g_ptr_array_add (urls, url);
  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  g_assert_cmpuint (added->len, ==, 1);
  haul_queue_start (fixture->queue, added);
  wait_idle (fixture);

  return haul_queue_lookup (fixture->queue, url);
}

static guint
count_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

/* The images of @page's item, as paths on the test server. */
static char *
image_paths (Fixture      *fixture,
             HaulDownload *page)
{
  GPtrArray *items = haul_queue_get_items (fixture->queue);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (items, i);

      if (g_strcmp0 (haul_download_get_page_url (d), haul_download_get_url (page)) != 0)
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, haul_download_get_url (d) + strlen (server->base));
    }

  return g_string_free (out, FALSE);
}

static char *
parsed_paths (const char *html)
{
  g_autofree char *url = g_strconcat ("http://example.com/site/page.html", NULL);
  g_autoptr(HaulPage) page = haul_page_parse (html, strlen (html), url);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < page->images->len; i++)
    {
      HaulPageImage *image = g_ptr_array_index (page->images, i);

      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, image->url + strlen ("http://example.com"));
    }

  return g_string_free (out, FALSE);
}

/* Full size first: the link is the image, the <img> in it its preview. */
static void
test_page_gallery (Fixture       *fixture,
                   gconstpointer  data)
{
  HaulDownload *page;
  g_autofree char *paths = NULL;
  HaulDownload *image;
  g_autofree char *thumb = test_server_url (server, "/img/80/60/t1.png");

  test_server_add_page (server, "gallery.html",
                        "<html><head><title>  Holiday\n photos </title></head><body>"
                        "<a href=\"/img/800/600/a1.png\"><img src=\"/img/80/60/t1.png\"></a>"
                        "<a href=\"/img/801/600/a2.png\"><img src=\"/img/80/60/t2.png\"></a>"
                        "<a href=\"/img/802/600/a3.png\"><span><img src=\"/img/80/60/t3.png\"></span></a>"
                        "</body></html>");

  page = run_page (fixture, "/site/gallery.html");
  g_assert_nonnull (page);
  g_assert_true (haul_download_get_is_page (page));
  g_assert_cmpint (haul_download_get_state (page), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpstr (haul_download_get_page_title (page), ==, "Holiday photos");
  g_assert_cmpuint (haul_download_get_n_images (page), ==, 3);
  g_assert_null (haul_download_get_file_path (page));

  paths = image_paths (fixture, page);
  g_assert_cmpstr (paths, ==, "/img/800/600/a1.png /img/801/600/a2.png /img/802/600/a3.png");
  image = g_ptr_array_index (haul_queue_get_items (fixture->queue), 1);
  g_assert_cmpint (haul_download_get_state (image), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpint (haul_download_get_width (image), ==, 800);
  g_assert_cmpstr (haul_download_get_preview_url (image), ==, thumb);

  /* Only the full-size files are saved, and no thumbnail was asked for. */
  g_assert_cmpuint (count_files (fixture->folder), ==, 3);
  g_assert_cmpuint (test_server_get_hits (server, "/img/80/60/t1.png"), ==, 0);
}

static void
test_page_srcset_lazy (void)
{
  g_autofree char *paths =
    parsed_paths ("<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\" data-src=\"/a/lazy.jpg\">"
                  "<img srcset=\"/a/s1.jpg 100w, /a/s3.jpg 900w, /a/s2.jpg 400w\" src=\"/a/s0.jpg\">"
                  "<img srcset=\"/a/x1.jpg, /a/x3.jpg 3x, /a/x2.jpg 2x\">"
                  "<img data-lazy-srcset=\"/a/l1.jpg 1x, /a/l2.jpg 2x\" src=\"/a/spacer.gif\">"
                  "<img data-original=\"/a/orig.jpg\" src=\"data:,\">"
                  "<picture><source srcset=\"/a/p2.webp 2x, /a/p1.webp 1x\"><img src=\"/a/p0.jpg\"></picture>"
                  "<img src=\"/a/pixel.gif\" width=\"1\" height=\"1\">");

  g_assert_cmpstr (paths, ==,
                   "/a/lazy.jpg /a/s3.jpg /a/x3.jpg /a/l2.jpg /a/orig.jpg /a/p2.webp");
}

static void
test_page_noscript (void)
{
  g_autofree char *paths =
    parsed_paths ("<body><img class=lazy data-src=\"/a/one.jpg\">"
                  "<noscript><img src=\"/a/one.jpg\"><img src=\"/a/ns.jpg\"></noscript></body>");

  g_assert_cmpstr (paths, ==, "/a/one.jpg /a/ns.jpg");
}

/* og:image, twitter:image, image_src and backgrounds; never icons, data:,
 * javascript: or the page itself. */
static void
test_page_meta_and_junk (void)
{
  g_autofree char *paths =
    parsed_paths ("<html><head>"
                  "<meta property=\"og:image\" content=\"/a/og.jpg\">"
                  "<meta name=\"twitter:image\" content=\"http://example.com/a/tw.jpg\">"
                  "<link rel=\"image_src\" href=\"/a/is.jpg\">"
                  "<link rel=\"icon\" href=\"/favicon.ico\">"
                  "<link rel=\"apple-touch-icon\" href=\"/a/touch.png\">"
                  "</head><body>"
                  "<div style=\"color: red; background-image: url('/a/bg.jpg')\">x</div>"
                  "<div style=\"background: #fff url(/a/bg2.png) no-repeat\">y</div>"
                  "<img src=\"/favicon.png\"><img src=\"/a/apple-touch-icon-120.png\">"
                  "<img src=\"javascript:alert(1)\"><img src=\"data:image/png;base64,iVBOR\">"
                  "<img src=\"ftp://example.com/a/f.jpg\"><img src=\"/site/page.html\">"
                  "</body></html>");

  g_assert_cmpstr (paths, ==, "/a/og.jpg /a/tw.jpg /a/is.jpg /a/bg.jpg /a/bg2.png");
}

static void
test_page_base (void)
{
  g_autofree char *paths =
    parsed_paths ("<head><base href=\"http://example.com/other/\"></head>"
                  "<img src=\"b.jpg\"><a href=\"javascript:x\"><img src=\"c.jpg\"></a>");
  g_autofree char *ignored =
    parsed_paths ("<head><base href=\"javascript:alert(1)\"></head><img src=\"b.jpg\">");

  g_assert_cmpstr (paths, ==, "/other/b.jpg /other/c.jpg");
  g_assert_cmpstr (ignored, ==, "/site/b.jpg");
}

/* Image pages: with follow, a thumbnail that opens a viewer gives that
 * viewer's main image. */
static void
test_page_follow (Fixture       *fixture,
                  gconstpointer  data)
{
  HaulDownload *page;
  g_autofree char *paths = NULL;

  test_server_add_page (server, "viewers.html",
                        "<a href=\"/site/view1.html\"><img src=\"/img/90/90/v1t.png\"></a>"
                        "<a href=\"/site/view2.html\"><img src=\"/img/90/90/v2t.png\"></a>");
  test_server_add_page (server, "view1.html",
                        "<head><meta property=\"og:image\" content=\"/img/900/900/v1.png\"></head>"
                        "<img src=\"/img/50/50/logo.png\">");
  test_server_add_page (server, "view2.html",
                        "<img src=\"/img/100/100/small.png\" width=\"100\" height=\"100\">"
                        "<img src=\"/img/800/700/v2.png\" width=\"800\" height=\"700\">");

  g_object_set (fixture->downloader, "follow", TRUE, NULL);
  page = run_page (fixture, "/site/viewers.html");
  g_assert_cmpint (haul_download_get_state (page), ==, HAUL_DOWNLOAD_DONE);
  paths = image_paths (fixture, page);
  g_assert_cmpstr (paths, ==, "/img/900/900/v1.png /img/800/700/v2.png");
  g_assert_cmpuint (count_files (fixture->folder), ==, 2);
  g_assert_cmpuint (test_server_get_hits (server, "/img/90/90/v1t.png"), ==, 0);
}

static void
test_page_no_follow (Fixture       *fixture,
                     gconstpointer  data)
{
  HaulDownload *page;
  g_autofree char *paths = NULL;

  test_server_add_page (server, "viewers-nf.html",
                        "<a href=\"/site/view1nf.html\"><img src=\"/img/90/91/t.png\"></a>");
  page = run_page (fixture, "/site/viewers-nf.html");
  paths = image_paths (fixture, page);
  g_assert_cmpstr (paths, ==, "/img/90/91/t.png");
  g_assert_cmpuint (test_server_get_hits (server, "/site/view1nf.html"), ==, 0);
}

/* rel="next", as <link> and as <a>, up to max-pages pages. */
static void
test_page_next (Fixture       *fixture,
                gconstpointer  data)
{
  HaulDownload *page;
  g_autofree char *paths = NULL;

  test_server_add_page (server, "p1.html",
                        "<head><link rel=\"next\" href=\"p2.html\"></head><img src=\"/img/200/200/p1.png\">");
  test_server_add_page (server, "p2.html",
                        "<img src=\"/img/200/200/p2.png\"><img src=\"/img/200/200/p1.png\">"
                        "<a rel=\"next\" href=\"/site/p3.html\">Next</a>");
  test_server_add_page (server, "p3.html",
                        "<img src=\"/img/200/200/p3.png\"><a rel=\"prev next\" href=\"p4.html\">Next</a>");
  test_server_add_page (server, "p4.html", "<img src=\"/img/200/200/p4.png\">");

  g_object_set (fixture->downloader, "max-pages", 3, NULL);
  page = run_page (fixture, "/site/p1.html");
  paths = image_paths (fixture, page);
  g_assert_cmpstr (paths, ==, "/img/200/200/p1.png /img/200/200/p2.png /img/200/200/p3.png");
  g_assert_cmpuint (test_server_get_hits (server, "/site/p4.html"), ==, 0);
  g_assert_cmpuint (count_files (fixture->folder), ==, 3);
}

/* A host that refuses hotlinking gets the page as Referer. */
static void
test_page_referer (Fixture       *fixture,
                   gconstpointer  data)
{
  HaulDownload *page;
  HaulDownload *image;
  g_autofree char *image_url = test_server_url (server, "/guarded/300/300/g.png");
  g_autofree char *page_url = test_server_url (server, "/site/guarded.html");
  g_autofree char *referer = NULL;

  test_server_add_page (server, "guarded.html", "<img src=\"/guarded/300/300/g.png\">");
  page = run_page (fixture, "/site/guarded.html");
  g_assert_cmpint (haul_download_get_state (page), ==, HAUL_DOWNLOAD_DONE);
  image = haul_queue_lookup (fixture->queue, image_url);
  g_assert_nonnull (image);
  g_assert_cmpint (haul_download_get_state (image), ==, HAUL_DOWNLOAD_DONE);
  referer = test_server_get_referer (server, "/guarded/300/300/g.png");
  g_assert_cmpstr (referer, ==, page_url);
}

static void
test_page_tiny_icons (Fixture       *fixture,
                      gconstpointer  data)
{
  HaulDownload *page;
  HaulQueueSummary summary;
  GPtrArray *items;

  test_server_add_page (server, "icons.html",
                        "<img src=\"/img/16/16/i1.png\"><img src=\"/img/24/24/i2.png\">"
                        "<img src=\"/img/120/90/i3.png\">");
  g_object_set (fixture->downloader, "min-width", 100, "min-height", 100, NULL);
  page = run_page (fixture, "/site/icons.html");
  g_assert_cmpint (haul_download_get_state (page), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpuint (haul_download_get_n_images (page), ==, 3);

  items = haul_queue_get_items (fixture->queue);
  g_assert_cmpuint (items->len, ==, 4);
  g_assert_cmpint (haul_download_get_state (items->pdata[1]), ==, HAUL_DOWNLOAD_SKIPPED);
  g_assert_cmpstr (haul_download_get_error_message (items->pdata[1]), ==,
                   "smaller than 100×100 (16×16)");
  g_assert_cmpstr (haul_download_get_error_message (items->pdata[3]), ==,
                   "smaller than 100×100 (120×90)");
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);

  haul_queue_get_summary (fixture->queue, &summary);
  g_assert_cmpuint (summary.pages, ==, 1);
  g_assert_cmpuint (summary.total, ==, 3);
  g_assert_cmpuint (summary.skipped, ==, 3);
}

/* Refused from its header: a 4 MB image sent at 200 KB/s costs a fraction
 * of its body, not twenty seconds. */
static void
test_page_min_dimensions_early (Fixture       *fixture,
                                gconstpointer  data)
{
  HaulDownload *image;
  gint64 start;
  double seconds;
  gsize sent_before = g_atomic_pointer_get (&server->slow_sent);
  gsize sent;

  haul_queue_set_pages (fixture->queue, FALSE);
  g_object_set (fixture->downloader, "min-width", 300, "min-height", 300, NULL);
  start = g_get_monotonic_time ();
  image = run_page (fixture, "/slow/120/90/big.png");
  seconds = (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
  sent = g_atomic_pointer_get (&server->slow_sent) - sent_before;

  g_assert_cmpint (haul_download_get_state (image), ==, HAUL_DOWNLOAD_SKIPPED);
  g_assert_cmpstr (haul_download_get_error_message (image), ==, "smaller than 300×300 (120×90)");
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);
  /* The whole body would take 20 s. */
  g_assert_cmpfloat (seconds, <, 10.0);
  g_assert_cmpuint (sent, <, 1024 * 1024);
  g_test_message ("skipped by size after %.2f s: %" G_GUINT64_FORMAT " bytes read, %"
                  G_GSIZE_FORMAT " sent by the server, of 4 MiB",
                  seconds, haul_download_get_bytes_received (image), sent);
}

static void
test_page_failures (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct { const char *path; const char *message; } cases[] = {
    { "/site/missing.html", "HTTP 404 Not Found" },
    { "/status/403", "HTTP 403 Forbidden" },
    { "/text.txt", "neither an image nor a web page (text/plain)" },
    { "/loop", "too many redirects" },
    { "/site/empty.html", "no images found on the page" },
  };

  test_server_add_page (server, "empty.html", "<html><body><p>Nothing</p>"
                                              "<img src=\"data:image/png;base64,AAAA\"></body></html>");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HaulDownload *page = run_page (fixture, cases[i].path);

      g_assert_true (haul_download_get_is_page (page));
      g_assert_cmpint (haul_download_get_state (page), ==, HAUL_DOWNLOAD_FAILED);
      g_assert_cmpstr (haul_download_get_error_message (page), ==, cases[i].message);
    }
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);
}

/* An image answer to a URL that may have been a page is saved as the image. */
static void
test_page_image_answer (Fixture       *fixture,
                        gconstpointer  data)
{
  HaulDownload *item = run_page (fixture, "/png/plain");

  g_assert_cmpint (haul_download_get_state (item), ==, HAUL_DOWNLOAD_DONE);
  g_assert_false (haul_download_get_is_page (item));
  g_assert_cmpuint (count_files (fixture->folder), ==, 1);
}

/* Read before Download: images wait with their previews, and removing
 * the page takes its queued images away. */
static void
test_page_read_first (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *url = test_server_url (server, "/site/preview.html");
  g_autofree char *image_url = test_server_url (server, "/png/probe");
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GPtrArray) to_remove = g_ptr_array_new ();
  GPtrArray *items;
  HaulDownload *page;

  test_server_add_page (server, "preview.html",
                        "<a href=\"/img/640/480/f1.png\"><img src=\"/img/64/48/pt1.png\"></a>"
                        "<a href=\"/img/640/481/f2.png\"><img src=\"/img/64/48/pt2.png\"></a>");
  g_ptr_array_add (urls, url);
  g_ptr_array_add (urls, image_url);
  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  haul_queue_read_pages (fixture->queue, added);
  wait_idle (fixture);

  /* Wait for the previews, fetched in threads. */
  items = haul_queue_get_items (fixture->queue);
  g_assert_cmpuint (items->len, ==, 4);
  for (gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
       haul_download_get_thumbnail (items->pdata[1]) == NULL ||
       haul_download_get_thumbnail (items->pdata[2]) == NULL; )
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }

  page = items->pdata[0];
  g_assert_cmpint (haul_download_get_state (page), ==, HAUL_DOWNLOAD_DONE);
  /* The page's images come right after it; the image answer stays
   * queued, unsaved. */
  g_assert_cmpint (haul_download_get_state (items->pdata[3]), ==, HAUL_DOWNLOAD_QUEUED);
  g_assert_false (haul_download_get_is_page (items->pdata[3]));
  g_assert_cmpstr (haul_download_get_url (items->pdata[3]), ==, image_url);
  g_assert_cmpint (haul_download_get_state (items->pdata[1]), ==, HAUL_DOWNLOAD_QUEUED);
  g_assert_cmpuint (test_server_get_hits (server, "/img/640/480/f1.png"), ==, 0);
  g_assert_cmpuint (test_server_get_hits (server, "/img/64/48/pt1.png"), ==, 1);
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);

  g_ptr_array_add (to_remove, page);
  haul_queue_remove (fixture->queue, to_remove);
  items = haul_queue_get_items (fixture->queue);
  g_assert_cmpuint (items->len, ==, 1);
  g_assert_cmpstr (haul_download_get_url (items->pdata[0]), ==, image_url);
}

/* Two pages read together: each one's images come right after it. */
static void
test_page_order (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *a = test_server_url (server, "/site/order-a.html");
  g_autofree char *b = test_server_url (server, "/site/order-b.html");
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();
  g_autoptr(GPtrArray) added = NULL;
  GListModel *model = G_LIST_MODEL (fixture->queue);
  GString *order = g_string_new (NULL);
  g_autofree char *text = NULL;

  test_server_add_page (server, "order-a.html",
                        "<img src=\"/img/300/300/oa1.png\"><img src=\"/img/300/300/oa2.png\">");
  test_server_add_page (server, "order-b.html", "<img src=\"/img/300/300/ob1.png\">");
  g_ptr_array_add (urls, a);
  g_ptr_array_add (urls, b);
  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  haul_queue_read_pages (fixture->queue, added);
  wait_idle (fixture);

  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(HaulDownload) d = g_list_model_get_item (model, i);
      const char *url = haul_download_get_url (d);

      g_string_append_printf (order, "%s ", strrchr (url, '/') + 1);
    }
  text = g_string_free (order, FALSE);
  g_assert_cmpstr (text, ==, "order-a.html oa1.png oa2.png order-b.html ob1.png ");
}

/* Hostile HTML costs bounded time: a million attributes on one tag. */
static void
test_page_hostile_attributes (void)
{
  GString *html = g_string_new ("<html><body><img src=\"/a/real.jpg\"");
  g_autoptr(HaulPage) page = NULL;
  gint64 start;
  double seconds;

  for (guint i = 0; i < 1000000; i++)
    g_string_append_printf (html, " a%u=x", i);
  g_string_append (html, "><img src=\"/a/after.jpg\"></body></html>");

  start = g_get_monotonic_time ();
  page = haul_page_parse (html->str, html->len, "http://example.com/");
  seconds = (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
  g_string_free (html, TRUE);

  g_assert_cmpuint (page->images->len, ==, 2);
  /* Unbounded, libxml2 takes minutes. */
  g_assert_cmpfloat (seconds, <, 20.0);
  g_test_message ("a million attributes: %.2f s", seconds);
}

static void
test_page_hostile_nesting (void)
{
  GString *html = g_string_new ("<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\">"
                                "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                                "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
                                "<html><body><img src=\"/a/&c;.jpg\">");
  g_autoptr(HaulPage) page = NULL;
  gint64 start;

  for (guint i = 0; i < 1000000; i++)
    g_string_append (html, "<div>");
  for (guint i = 0; i < 100000; i++)
    g_string_append (html, "<img src=/a/i.jpg>");

  start = g_get_monotonic_time ();
  page = haul_page_parse (html->str, html->len, "http://example.com/");
  g_assert_cmpfloat ((g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC, <, 20.0);
  g_string_free (html, TRUE);

  /* The entity is not expanded. */
  g_assert_cmpuint (page->images->len, >=, 1);
  g_assert_null (strstr (((HaulPageImage *)page->images->pdata[0])->url, "aaaa"));
}

/* Capped at HAUL_PAGE_MAX_CANDIDATES. */
static void
test_page_candidate_cap (void)
{
  GString *html = g_string_new (NULL);
  g_autoptr(HaulPage) page = NULL;

  for (guint i = 0; i < HAUL_PAGE_MAX_CANDIDATES + 500; i++)
    g_string_append_printf (html, "<img src=/a/%u.jpg>", i);

  page = haul_page_parse (html->str, html->len, "http://example.com/");
  g_string_free (html, TRUE);
  g_assert_cmpuint (page->images->len, ==, HAUL_PAGE_MAX_CANDIDATES);
}

static void
test_page_too_large (Fixture       *fixture,
                     gconstpointer  data)
{
  GString *html = g_string_new ("<html><body><img src=\"/img/300/300/x.png\">");
  HaulDownload *page;

  while (html->len <= HAUL_PAGE_MAX_SIZE)
    g_string_append (html, "<p>padding padding padding padding padding padding</p>\n");
  test_server_add_page (server, "huge.html", html->str);
  g_string_free (html, TRUE);

  page = run_page (fixture, "/site/huge.html");
  g_assert_cmpint (haul_download_get_state (page), ==, HAUL_DOWNLOAD_FAILED);
  g_assert_true (g_str_has_prefix (haul_download_get_error_message (page), "web page too large (over 16.0"));
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  g_test_init (&argc, &argv, NULL);
  server = test_server_new ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/page/gallery", test_page_gallery);
  g_test_add_func ("/page/srcset-lazy", test_page_srcset_lazy);
  g_test_add_func ("/page/noscript", test_page_noscript);
  g_test_add_func ("/page/meta-and-junk", test_page_meta_and_junk);
  g_test_add_func ("/page/base", test_page_base);
  ADD ("/page/follow", test_page_follow);
  ADD ("/page/no-follow", test_page_no_follow);
  ADD ("/page/next", test_page_next);
  ADD ("/page/referer", test_page_referer);
  ADD ("/page/tiny-icons", test_page_tiny_icons);
  ADD ("/page/min-dimensions-early", test_page_min_dimensions_early);
  ADD ("/page/failures", test_page_failures);
  ADD ("/page/image-answer", test_page_image_answer);
  ADD ("/page/read-first", test_page_read_first);
  ADD ("/page/order", test_page_order);
  ADD ("/page/too-large", test_page_too_large);
  g_test_add_func ("/page/hostile-attributes", test_page_hostile_attributes);
  g_test_add_func ("/page/hostile-nesting", test_page_hostile_nesting);
  g_test_add_func ("/page/candidate-cap", test_page_candidate_cap);

  status = g_test_run ();
  test_server_free (server);

  return status;
}
