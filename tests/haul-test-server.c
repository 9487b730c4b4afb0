/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libsoup/soup.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "haul-test-server.h"

struct _HaulTestServer
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  guint         port;

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  gboolean      failing;
  gboolean      holding;
  GPtrArray    *held;          /* SoupServerMessage *, under lock */
  guint         requests;
};

static void
hsv_to_rgb (double  h,
            double  s,
            double  v,
            guint8 *rgb)
{
  double c = v * s;
  double hp = fmod (h, 1.0) * 6.0;
  double x = c * (1.0 - fabs (fmod (hp, 2.0) - 1.0));
  double r = 0, g = 0, b = 0;
  double m = v - c;

  if (hp < 1) { r = c; g = x; }
  else if (hp < 2) { r = x; g = c; }
  else if (hp < 3) { g = c; b = x; }
  else if (hp < 4) { g = x; b = c; }
  else if (hp < 5) { r = x; b = c; }
  else { r = c; b = x; }

  rgb[0] = (guint8)((r + m) * 255.0);
  rgb[1] = (guint8)((g + m) * 255.0);
  rgb[2] = (guint8)((b + m) * 255.0);
}

GBytes *
haul_test_make_png (guint index,
                    int   width,
                    int   height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  double hue = fmod (index * 0.137, 1.0);
  double cx = width * (0.3 + 0.4 * fmod (index * 0.31, 1.0));
  double cy = height * (0.35 + 0.3 * fmod (index * 0.53, 1.0));
  double radius = MIN (width, height) * 0.28;
  char *buffer = NULL;
  gsize size = 0;

  /* A sky-like gradient with a sun and rolling hills: looks like a photo
   * at thumbnail size and compresses well. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        double t = (double)y / height;
        double d = hypot (x - cx, y - cy);
        double hill = height * (0.72 + 0.08 * sin (x * 6.0 / width + index));

        if (y > hill)
          hsv_to_rgb (hue + 0.33, 0.55, 0.35 + 0.25 * (1.0 - t), p);
        else if (d < radius)
          hsv_to_rgb (hue + 0.12, 0.35 + 0.3 * d / radius, 1.0, p);
        else
          hsv_to_rgb (hue + 0.5 * t, 0.55, 0.95 - 0.35 * t, p);
      }

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, "png", NULL, NULL))
    g_error ("Could not encode a PNG");

  return g_bytes_new_take (buffer, size);
}

static guint
index_for_path (const char *path)
{
  /* Each path its own picture: Haul keeps one copy of the same one. */
  return g_str_hash (path);
}

typedef struct
{
  SoupServerMessage *msg;
  GBytes            *png;
  gsize              offset;
  gsize              step;
  GSource           *source;
} Drip;

static void
drip_free (Drip *drip)
{
  if (drip->source != NULL)
    {
      g_source_destroy (drip->source);
      g_source_unref (drip->source);
    }
  g_bytes_unref (drip->png);
  g_free (drip);
}

static void
drip_finished_cb (SoupServerMessage *msg,
                  Drip              *drip)
{
  drip_free (drip);
}

static gboolean
drip_cb (gpointer user_data)
{
  Drip *drip = user_data;
  gsize length = g_bytes_get_size (drip->png);
  gsize step = drip->step;
  SoupMessageBody *body = soup_server_message_get_response_body (drip->msg);

  if (drip->offset + step >= length)
    {
      step = length - drip->offset;
      soup_message_body_append (body, SOUP_MEMORY_COPY,
                                (const char *)g_bytes_get_data (drip->png, NULL) + drip->offset, step);
      soup_message_body_complete (body);
      g_clear_pointer (&drip->source, g_source_unref);
      soup_server_message_unpause (drip->msg);
      return G_SOURCE_REMOVE;
    }

  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const char *)g_bytes_get_data (drip->png, NULL) + drip->offset, step);
  drip->offset += step;
  soup_server_message_unpause (drip->msg);

  return G_SOURCE_CONTINUE;
}

static void
start_drip (HaulTestServer    *server,
            SoupServerMessage *msg,
            GBytes            *png,
            gsize              step,
            guint              interval)
{
  Drip *drip = g_new0 (Drip, 1);

  drip->msg = msg;
  drip->png = g_bytes_ref (png);
  drip->step = MAX (step, 1);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         "image/png", NULL);
  soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                           g_bytes_get_size (png));
  g_signal_connect (msg, "finished", G_CALLBACK (drip_finished_cb), drip);

  drip->source = g_timeout_source_new (interval);
  g_source_set_callback (drip->source, drip_cb, drip, NULL);
  g_source_attach (drip->source, server->context);
  soup_server_message_pause (msg);
}

static void
serve_png (SoupServerMessage *msg,
           GBytes            *png)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (png, NULL), g_bytes_get_size (png));
}

typedef struct
{
  SoupServerMessage *msg;
  GBytes            *png;
} Delayed;

static gboolean
delayed_cb (gpointer user_data)
{
  Delayed *delayed = user_data;

  serve_png (delayed->msg, delayed->png);
  soup_server_message_unpause (delayed->msg);
  g_object_unref (delayed->msg);
  g_bytes_unref (delayed->png);
  g_free (delayed);

  return G_SOURCE_REMOVE;
}

static void
handler (SoupServer        *soup_server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  HaulTestServer *server = user_data;
  g_autoptr(GBytes) png = NULL;
  gboolean failing;

  g_mutex_lock (&server->lock);
  server->requests++;
  failing = server->failing;
  g_mutex_unlock (&server->lock);

  if (g_str_has_prefix (path, "/img/"))
    {
      const char *delay = query ? g_hash_table_lookup (query, "delay") : NULL;
      const char *drip = query ? g_hash_table_lookup (query, "drip") : NULL;
      guint index = index_for_path (path);

      png = haul_test_make_png (index, 640 + (index % 5) * 64, 420 + (index % 3) * 60);

      if (drip != NULL && atoi (drip) > 0)
        {
          /* The whole picture in 40 pieces over ?drip= milliseconds. */
          start_drip (server, msg, png, g_bytes_get_size (png) / 40 + 1, MAX (atoi (drip) / 40, 1));
          return;
        }

      if (delay != NULL && atoi (delay) > 0)
        {
          Delayed *delayed = g_new0 (Delayed, 1);
          GSource *source = g_timeout_source_new (atoi (delay));

          delayed->msg = g_object_ref (msg);
          delayed->png = g_steal_pointer (&png);
          soup_server_message_pause (msg);
          g_source_set_callback (source, delayed_cb, delayed, NULL);
          g_source_attach (source, server->context);
          g_source_unref (source);
          return;
        }

      serve_png (msg, png);
    }
  else if (g_str_has_prefix (path, "/drip/"))
    {
      guint index = index_for_path (path);

      /* Each picture takes its own time, between 0.6 and 2 seconds. */
      png = haul_test_make_png (index, 640 + (index % 5) * 64, 420 + (index % 3) * 60);
      start_drip (server, msg, png, g_bytes_get_size (png) / 40 + 1, (600 + (index * 379) % 1400) / 40);
    }
  else if (g_str_has_prefix (path, "/slow/"))
    {
      /* Padded so that it takes long to arrive: 64 bytes every 50 ms. */
      g_autoptr(GBytes) small = haul_test_make_png (index_for_path (path), 64, 64);
      gsize size = g_bytes_get_size (small) + 64 * 200;
      guint8 *data = g_malloc0 (size);

      memcpy (data, g_bytes_get_data (small, NULL), g_bytes_get_size (small));
      png = g_bytes_new_take (data, size);
      start_drip (server, msg, png, 64, 50);
    }
  else if (g_str_has_prefix (path, "/held/"))
    {
      gboolean hold;

      png = haul_test_make_png (index_for_path (path), 320, 240);
      g_mutex_lock (&server->lock);
      hold = server->holding;
      if (hold)
        {
          /* The picture goes with the message, for when it is let go. */
          g_object_set_data_full (G_OBJECT (msg), "haul-png", g_bytes_ref (png),
                                  (GDestroyNotify)g_bytes_unref);
          g_ptr_array_add (server->held, g_object_ref (msg));
          soup_server_message_pause (msg);
        }
      g_mutex_unlock (&server->lock);

      if (!hold)
        serve_png (msg, png);
    }
  else if (g_str_has_prefix (path, "/gallery/"))
    {
      /* A gallery page: N thumbnails, each linking to its full image. */
      guint n = (guint)atoi (path + strlen ("/gallery/"));
      GString *html = g_string_new (NULL);

      g_string_append_printf (html, "<!DOCTYPE html><html><head><title>Gallery of %u</title></head><body>", n);
      for (guint i = 0; i < n; i++)
        g_string_append_printf (html, "<a href=\"/img/g%u-full-%03u.png\"><img src=\"/thumb/g%u-t-%03u.png\"></a>\n",
                                n, i, n, i);
      g_string_append (html, "</body></html>");
      {
        gsize length = html->len;
        char *body = g_string_free (html, FALSE);

        soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
        soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                          body, length);
      }
    }
  else if (g_str_has_prefix (path, "/thumb/"))
    {
      png = haul_test_make_png (index_for_path (path), 96, 64);
      serve_png (msg, png);
    }
  else if (g_str_has_prefix (path, "/flaky/"))
    {
      if (failing)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
          soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "gone", 4);
          return;
        }

      png = haul_test_make_png (index_for_path (path), 320, 240);
      serve_png (msg, png);
    }
  else if (g_str_has_prefix (path, "/forbidden/"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "no", 2);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static gpointer
server_thread (gpointer user_data)
{
  HaulTestServer *server = user_data;
  g_autoptr(GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (server->context);

  server->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server->server, NULL, handler, server, NULL);

  if (!soup_server_listen_local (server->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("Could not listen: %s", error->message);

  uris = soup_server_get_uris (server->server);
  server->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);

  g_mutex_lock (&server->lock);
  server->ready = TRUE;
  g_cond_signal (&server->cond);
  g_mutex_unlock (&server->lock);

  g_main_loop_run (server->loop);

  soup_server_disconnect (server->server);
  g_clear_object (&server->server);

  /* Let cancelled messages finish so that nothing is left pending. */
  while (g_main_context_iteration (server->context, FALSE))
    ;

  g_main_context_pop_thread_default (server->context);

  return NULL;
}

HaulTestServer *
haul_test_server_new (void)
{
  HaulTestServer *server = g_new0 (HaulTestServer, 1);

  g_mutex_init (&server->lock);
  g_cond_init (&server->cond);
  server->context = g_main_context_new ();
  server->loop = g_main_loop_new (server->context, FALSE);
  server->held = g_ptr_array_new_with_free_func (g_object_unref);
  server->thread = g_thread_new ("test-server", server_thread, server);

  g_mutex_lock (&server->lock);
  while (!server->ready)
    g_cond_wait (&server->cond, &server->lock);
  g_mutex_unlock (&server->lock);

  return server;
}

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);

  return G_SOURCE_REMOVE;
}

void
haul_test_server_free (HaulTestServer *server)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, quit_cb, server->loop, NULL);
  g_source_attach (source, server->context);
  g_source_unref (source);

  g_thread_join (server->thread);
  g_ptr_array_unref (server->held);
  g_main_loop_unref (server->loop);
  g_main_context_unref (server->context);
  g_mutex_clear (&server->lock);
  g_cond_clear (&server->cond);
  g_free (server);
}

char *
haul_test_server_url (HaulTestServer *server,
                      const char     *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", server->port, path);
}

void
haul_test_server_set_failing (HaulTestServer *server,
                              gboolean        failing)
{
  g_mutex_lock (&server->lock);
  server->failing = failing;
  g_mutex_unlock (&server->lock);
}

static gboolean
release_held_cb (gpointer user_data)
{
  HaulTestServer *server = user_data;
  g_autoptr(GPtrArray) held = NULL;

  g_mutex_lock (&server->lock);
  held = g_steal_pointer (&server->held);
  server->held = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&server->lock);

  for (guint i = 0; i < held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (held, i);

      serve_png (msg, g_object_get_data (G_OBJECT (msg), "haul-png"));
      soup_server_message_unpause (msg);
    }

  return G_SOURCE_REMOVE;
}

void
haul_test_server_set_holding (HaulTestServer *server,
                              gboolean        holding)
{
  g_mutex_lock (&server->lock);
  server->holding = holding;
  g_mutex_unlock (&server->lock);

  if (!holding)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_callback (source, release_held_cb, server, NULL);
      g_source_attach (source, server->context);
      g_source_unref (source);
    }
}

guint
haul_test_server_get_requests (HaulTestServer *server)
{
  guint requests;

  g_mutex_lock (&server->lock);
  requests = server->requests;
  g_mutex_unlock (&server->lock);

  return requests;
}
