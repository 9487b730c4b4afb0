/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* An HTTP and HTTPS server on 127.0.0.1 for the tests, running in its own
 * thread with its own main context, so that a test can iterate the default
 * context (or wait for a subprocess) while it answers.
 *
 *   /png/NAME[?delay=MS]    a small PNG, optionally after a delay
 *   /unique/NAME            a small PNG whose bytes differ for each NAME
 *   /mismatch/NAME          the PNG, labelled image/jpeg
 *   /bytes/N                N bytes: a PNG signature, then a pattern
 *   /redirect/N             N redirects, then the PNG
 *   /loop                   redirects to itself
 *   /to-ftp, /to-file       redirects to other schemes
 *   /to-nowhere             302 without a Location
 *   /cd?h=HEADER            the PNG with Content-Disposition: HEADER
 *   /status/CODE            that status
 *   /retry-after/ID         503 with Retry-After: 1 the first time, then the PNG
 *   /html, /text.txt        not images
 *   /empty                  200 with an empty body
 *   /bomb.png               a PNG that claims 30000×30000 pixels
 *   /truncated.png          Content-Length 5000, but 600 bytes, then closed
 *   /truncated-identity.png the same, with Content-Encoding: identity
 *   /stall.png              600 bytes of 100000, then silence
 *   /body-stall.png         600 bytes of 100000 without taking over the
 *                           connection; over HTTP/2 the stream then ends
 *                           short, which libsoup 3.2 never tells the reader
 *   /endless.png            a body that never ends ("?slow=1" for a trickle)
 *   /gzip.png               the PNG, gzip-compressed with Content-Encoding
 *   /gzip-bomb.png          8 KiB of gzip that inflate to 8 MiB
 *   /length?v=VALUE         Content-Length: VALUE, then 600 bytes
 *   /reset.png              600 bytes of 100000, then a connection reset
 *   /odd-type?h=HEADER      a web page labelled image/x-unknown, with
 *                           Content-Disposition: HEADER
 *   /escape                 500 whose reason phrase holds terminal escapes
 *   /escape-type            200 with text and an escape in its Content-Type
 *   /site/PATH              a web page a test put there (test_server_add_page)
 *   /img/W/H/NAME.png       a W×H PNG
 *   /guarded/W/H/NAME.png   the same, but 403 without a Referer from /site/
 *   /slow/W/H/NAME.png      a W×H PNG padded to 4 MB, sent at 200 KB/s
 *   /chunked.png            the /bytes/ pattern in whole chunks, properly ended
 *   /chunked-kept.png       the same from the server itself, on a kept-alive
 *                           connection
 *   /chunked-cut/ID         the first time, half of that in whole chunks and no
 *                           last chunk; then all of it
 *   /short/ID               the first time, 600 of 20000 bytes; then all of them
 *   /dated.png              the PNG with a Last-Modified of 2015-10-21 07:28 GMT
 *   /resume/ID?cut=C&answer=A
 *                           TEST_RESUME_LENGTH bytes with ETag, Last-Modified
 *                           and Accept-Ranges (none with "&plain=1"); the first
 *                           time cut after TEST_RESUME_CUT bytes (C: "close"
 *                           short of its Content-Length, "reset", or "chunked"
 *                           without its last chunk); then, to a Range request,
 *                           A: "ranges" sends the rest (206), "ignore" sends it
 *                           all (200), "changed" sends a new body with a new
 *                           ETag (200), "changed206" sends the rest of that
 *                           new body (206), "416" refuses the range
 *   /big/ID                 TEST_BIG_LENGTH bytes with ETag, Last-Modified and
 *                           Accept-Ranges; the first time TEST_BIG_CUT of them,
 *                           then silence until the client goes; then the rest
 *                           to a Range request (206), else all of it
 *   /blob/NAME[?type=TYPE]  what test_server_add_blob() gave for NAME, as
 *                           application/octet-stream or TYPE
 *
 * h2_base serves the same over HTTPS with HTTP/2 offered (ALPN), and counts
 * the connections its requests came on (test_server_h2_connections());
 * routes that take over the raw connection do not work there.
 */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/socket.h>

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  SoupServer   *tls_server;
  SoupServer   *h2_server;
  char         *base;
  char         *tls_base;
  char         *h2_base;
  GBytes       *png;
  GBytes       *bomb;

  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GHashTable   *hits;           /* path -> count, under lock */
  GHashTable   *blobs;          /* name -> GBytes, under lock */
  char         *user_agent;     /* of the last request, under lock */
  GHashTable   *site;           /* path -> GBytes of HTML, under lock */
  GHashTable   *referers;       /* path -> its last Referer, under lock */
  gsize         slow_sent;      /* bytes of /slow/ bodies sent, atomic */
  char         *range;          /* its Range and If-Range, under lock */
  char         *if_range;
  GPtrArray    *raw_threads;    /* under lock */
  GHashTable   *h2_peers;       /* "address:port" of h2_server's clients, under lock */
  guint         h2_requests;    /* of them, and how many came as HTTP/2, under lock */
  guint         h2_streams;
  gint          stop;           /* atomic */
} TestServer;

typedef struct
{
  TestServer *server;
  GIOStream  *stream;
  GSocket    *socket;
  char       *head;
  gsize       body_length;      /* bytes to send after the head */
  GBytes     *body;             /* what they are; NULL for the /bytes/ pattern;
                                 * RAW_SLOW sends them at 200 KB/s */
  enum { RAW_CLOSE, RAW_STALL, RAW_ENDLESS, RAW_TRICKLE, RAW_RESET, RAW_SLOW } mode;
} RawResponse;

static inline guint32
test_crc32 (const guint8 *data,
            gsize         length,
            guint32       crc)
{
  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
  return ~crc;
}

static inline void
test_png_chunk (GByteArray   *out,
                const char   *type,
                const guint8 *data,
                guint32       length)
{
  guint8 be[4] = { length >> 24, length >> 16, length >> 8, length };
  guint32 crc;

  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, (const guint8 *)type, 4);
  g_byte_array_append (out, data, length);
  crc = test_crc32 ((const guint8 *)type, 4, 0);
  crc = test_crc32 (data, length, crc);
  be[0] = crc >> 24; be[1] = crc >> 16; be[2] = crc >> 8; be[3] = crc;
  g_byte_array_append (out, be, 4);
}

/* A tiny PNG whose header claims 30000×30000 RGBA: 3.6 GB once decoded. */
static inline GBytes *
test_make_bomb (void)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  static const guint8 ihdr[13] = { 0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 6, 0, 0, 0 };
  static const guint8 idat[] = { 0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01 };
  GByteArray *out = g_byte_array_new ();

  g_byte_array_append (out, signature, sizeof signature);
  test_png_chunk (out, "IHDR", ihdr, sizeof ihdr);
  test_png_chunk (out, "IDAT", idat, sizeof idat);
  test_png_chunk (out, "IEND", NULL, 0);

  return g_byte_array_free_to_bytes (out);
}

static inline GBytes *
test_make_png (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 40, 30);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  gdk_pixbuf_save_to_buffer (pixbuf, &data, &length, "png", &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (data, length);
}

/* The body of /bytes/N, byte for byte. */
static inline guint8 *
test_make_pattern (gsize length)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = i < sizeof signature ? signature[i] : (guint8)((i * 2654435761u) >> 13);

  return data;
}

static inline GBytes *
test_gzip (const guint8 *data,
           gsize         length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));

  g_assert_true (g_output_stream_write_all (out, data, length, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

static inline void
test_server_set_gzip (SoupServerMessage *msg,
                      GBytes            *body)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Encoding", "gzip");
}

static inline gpointer
test_raw_thread (gpointer user_data)
{
  RawResponse *raw = user_data;
  GOutputStream *out = g_io_stream_get_output_stream (raw->stream);
  g_autofree guint8 *body = test_make_pattern (MAX (raw->body_length, 65536));
  gsize sent = 0;

  if (!g_output_stream_write_all (out, raw->head, strlen (raw->head), NULL, NULL, NULL))
    goto out;
  if (raw->mode == RAW_SLOW)
    {
      const guint8 *data = g_bytes_get_data (raw->body, NULL);
      gsize length = g_bytes_get_size (raw->body);

      for (gsize offset = 0; offset < length && !g_atomic_int_get (&raw->server->stop); )
        {
          gsize n = MIN (length - offset, 20 * 1024);

          if (!g_output_stream_write_all (out, data + offset, n, NULL, NULL, NULL) ||
              !g_output_stream_flush (out, NULL, NULL))
            break;
          offset += n;
          g_atomic_pointer_add (&raw->server->slow_sent, n);
          g_usleep (G_USEC_PER_SEC / 10);
        }
      goto out;
    }
  if (!g_output_stream_write_all (out, raw->body ? g_bytes_get_data (raw->body, NULL) : body,
                                  raw->body_length, NULL, NULL, NULL))
    goto out;
  g_output_stream_flush (out, NULL, NULL);

  while (!g_atomic_int_get (&raw->server->stop))
    {
      if (raw->mode == RAW_CLOSE)
        break;

      /* A reset rather than an orderly close: a transient error. */
      if (raw->mode == RAW_RESET)
        {
          struct linger linger = { 1, 0 };
          setsockopt (g_socket_get_fd (raw->socket), SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
          break;
        }

      if (raw->mode == RAW_STALL)
        {
          g_usleep (G_USEC_PER_SEC / 50);
          continue;
        }

      /* Endless: the client ends it by closing the connection. */
      if (!g_output_stream_write_all (out, body + 8, raw->mode == RAW_TRICKLE ? 4096 : 65528,
                                      &sent, NULL, NULL))
        break;
      if (raw->mode == RAW_TRICKLE)
        g_usleep (G_USEC_PER_SEC / 50);
    }

out:
  g_io_stream_close (raw->stream, NULL, NULL);
  g_object_unref (raw->stream);
  g_object_unref (raw->socket);
  g_clear_pointer (&raw->body, g_bytes_unref);
  g_free (raw->head);
  g_free (raw);
  return NULL;
}

static inline void
test_server_respond_raw_bytes (TestServer        *self,
                               SoupServerMessage *msg,
                               const char        *head,
                               GBytes            *body,
                               gsize              body_length,
                               int                mode)
{
  RawResponse *raw = g_new0 (RawResponse, 1);

  raw->server = self;
  raw->body = body ? g_bytes_ref (body) : NULL;
  raw->socket = g_object_ref (soup_server_message_get_socket (msg));
  raw->stream = soup_server_message_steal_connection (msg);
  raw->head = g_strdup (head);
  raw->body_length = body_length;
  raw->mode = mode;

  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->raw_threads, g_thread_new ("test-raw", test_raw_thread, raw));
  g_mutex_unlock (&self->lock);
}

/* A W×H PNG, its colour from @name, padded with a private chunk to
 * @padding bytes or more. */
static inline GBytes *
test_make_sized_png (const char *name,
                     int         width,
                     int         height,
                     gsize       padding)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  char *data = NULL;
  gsize length = 0;

  /* Different names, different images: the same bytes count once. */
  gdk_pixbuf_fill (pixbuf, (g_str_hash (name) << 8) | 0xff);
  gdk_pixbuf_save_to_buffer (pixbuf, &data, &length, "png", &error, NULL);
  g_assert_no_error (error);

  if (padding <= length)
    return g_bytes_new_take (data, length);

  /* Before IEND (the last 12 bytes): the header stays first. */
  g_byte_array_append (out, (const guint8 *)data, length - 12);
  {
    g_autofree guint8 *zeros = g_malloc0 (padding);
    test_png_chunk (out, "pdDg", zeros, (guint32)padding);
  }
  g_byte_array_append (out, (const guint8 *)data + length - 12, 12);
  g_free (data);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Serves @html at /site/@path from now on. */
static inline void
test_server_add_page (TestServer *self,
                      const char *path,
                      const char *html)
{
  g_mutex_lock (&self->lock);
  g_hash_table_insert (self->site, g_strconcat ("/site/", path, NULL),
                       g_bytes_new (html, strlen (html)));
  g_mutex_unlock (&self->lock);
}

static inline char *
test_server_get_referer (TestServer *self,
                         const char *path)
{
  char *referer;

  g_mutex_lock (&self->lock);
  referer = g_strdup (g_hash_table_lookup (self->referers, path));
  g_mutex_unlock (&self->lock);

  return referer;
}

/* /img/, /guarded/ and /slow/: W/H/NAME. */
static inline gboolean
test_server_sized_image (TestServer        *self,
                         SoupServerMessage *msg,
                         const char        *path)
{
  const char *referer =
    soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Referer");
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr(GBytes) png = NULL;
  g_autofree char *site = g_strconcat (self->base, "/site/", NULL);
  int width, height;

  if (g_strv_length (parts) != 5)
    return FALSE;

  g_mutex_lock (&self->lock);
  if (referer != NULL)
    g_hash_table_insert (self->referers, g_strdup (path), g_strdup (referer));
  g_mutex_unlock (&self->lock);

  width = atoi (parts[2]);
  height = atoi (parts[3]);
  if (width <= 0 || height <= 0 || width > 4000 || height > 4000)
    return FALSE;

  if (strcmp (parts[1], "guarded") == 0 &&
      (referer == NULL || !g_str_has_prefix (referer, site)))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
      return TRUE;
    }

  if (strcmp (parts[1], "slow") == 0)
    {
      g_autofree char *head = NULL;
      RawResponse *raw = g_new0 (RawResponse, 1);

      png = test_make_sized_png (parts[4], width, height, 4 * 1024 * 1024);
      head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                              "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                              g_bytes_get_size (png));
      raw->server = self;
      raw->socket = g_object_ref (soup_server_message_get_socket (msg));
      raw->stream = soup_server_message_steal_connection (msg);
      raw->head = g_steal_pointer (&head);
      raw->body = g_steal_pointer (&png);
      raw->mode = RAW_SLOW;
      g_mutex_lock (&self->lock);
      g_ptr_array_add (self->raw_threads, g_thread_new ("test-slow", test_raw_thread, raw));
      g_mutex_unlock (&self->lock);
      return TRUE;
    }

  png = test_make_sized_png (parts[4], width, height, 0);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  return TRUE;
}

static inline void
test_server_respond_raw (TestServer        *self,
                         SoupServerMessage *msg,
                         const char        *head,
                         gsize              body_length,
                         int                mode)
{
  test_server_respond_raw_bytes (self, msg, head, NULL, body_length, mode);
}

#define TEST_CHUNKED_LENGTH 40000
#define TEST_CHUNK_SIZE     5000
#define TEST_RESUME_LENGTH  300000
#define TEST_RESUME_CUT     100000
#define TEST_LAST_MODIFIED  "Wed, 21 Oct 2015 07:28:00 GMT"
#define TEST_BIG_LENGTH     (3 * 1024 * 1024)
#define TEST_BIG_CUT        (3 * 1024 * 1024 / 2)
#define TEST_LAST_MODIFIED_UNIX 1445412480

/* @data in chunks of TEST_CHUNK_SIZE, ended properly when @last. */
static inline GBytes *
test_chunk_body (const guint8 *data,
                 gsize         length,
                 gboolean      last)
{
  GString *out = g_string_new (NULL);

  for (gsize at = 0; at < length; at += TEST_CHUNK_SIZE)
    {
      gsize size = MIN (TEST_CHUNK_SIZE, length - at);

      g_string_append_printf (out, "%" G_GSIZE_MODIFIER "x\r\n", size);
      g_string_append_len (out, (const char *)data + at, size);
      g_string_append (out, "\r\n");
    }
  if (last)
    g_string_append (out, "0\r\n\r\n");

  return g_string_free_to_bytes (out);
}

/* The body /resume/ serves: the pattern, or after a change another one. */
static inline guint8 *
test_make_resume_body (gboolean changed)
{
  guint8 *data = test_make_pattern (TEST_RESUME_LENGTH);

  if (changed)
    for (gsize i = 8; i < TEST_RESUME_LENGTH; i++)
      data[i] ^= 0x5a;

  return data;
}

static inline void
test_server_chunked (TestServer        *self,
                     SoupServerMessage *msg,
                     const char        *extra_headers,
                     const guint8      *data,
                     gsize              length,
                     gboolean           last)
{
  g_autoptr(GBytes) body = test_chunk_body (data, length, last);
  g_autofree char *head =
    g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n%s"
                     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                     extra_headers);

  test_server_respond_raw_bytes (self, msg, head, body, g_bytes_get_size (body), RAW_CLOSE);
}

/* @data of @length from byte @from on: the rest as a 206, or all of it as a
 * 200 when @from is 0. */
static inline void
test_server_send_from (TestServer        *self,
                       SoupServerMessage *msg,
                       const char        *validators,
                       const guint8      *data,
                       gsize              length,
                       guint64            from)
{
  g_autofree char *head = NULL;
  g_autoptr(GBytes) body = NULL;

  if (from > 0)
    head = g_strdup_printf ("HTTP/1.1 206 Partial Content\r\nContent-Type: image/png\r\n%s"
                            "Content-Range: bytes %" G_GUINT64_FORMAT "-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT "\r\n"
                            "Content-Length: %" G_GUINT64_FORMAT "\r\nConnection: close\r\n\r\n",
                            validators, from, length - 1, length, length - from);
  else
    head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n%s"
                            "Content-Length: %" G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n",
                            validators, length);
  body = g_bytes_new (data + from, length - from);
  test_server_respond_raw_bytes (self, msg, head, body, length - from, RAW_CLOSE);
}

static inline void
test_server_resume (TestServer        *self,
                    SoupServerMessage *msg,
                    GHashTable        *query,
                    guint              hits)
{
  const char *cut = query ? g_hash_table_lookup (query, "cut") : NULL;
  const char *answer = query ? g_hash_table_lookup (query, "answer") : NULL;
  const char *range = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Range");
  gboolean plain = query && g_hash_table_contains (query, "plain");
  gboolean changed = hits > 1 && answer && g_str_has_prefix (answer, "changed");
  g_autofree guint8 *data = test_make_resume_body (changed);
  g_autofree char *validators =
    g_strdup_printf ("ETag: \"v%d\"\r\nLast-Modified: %s\r\n%s", changed ? 2 : 1,
                     TEST_LAST_MODIFIED, plain ? "" : "Accept-Ranges: bytes\r\n");
  guint64 from = 0;
  g_autofree char *head = NULL;
  g_autoptr(GBytes) body = NULL;

  if (hits == 1 && g_strcmp0 (cut, "chunked") == 0)
    {
      test_server_chunked (self, msg, validators, data, TEST_RESUME_CUT, FALSE);
      return;
    }

  if (hits == 1)
    {
      head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n%s"
                              "Content-Length: %d\r\nConnection: close\r\n\r\n",
                              validators, TEST_RESUME_LENGTH);
      body = g_bytes_new (data, TEST_RESUME_CUT);
      test_server_respond_raw_bytes (self, msg, head, body, TEST_RESUME_CUT,
                                     g_strcmp0 (cut, "reset") == 0 ? RAW_RESET : RAW_CLOSE);
      return;
    }

  if (range != NULL && g_str_has_prefix (range, "bytes="))
    from = g_ascii_strtoull (range + strlen ("bytes="), NULL, 10);

  if (range != NULL && g_strcmp0 (answer, "416") == 0)
    {
      test_server_respond_raw (self, msg,
                               "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n", 0, RAW_CLOSE);
      return;
    }

  if (range == NULL || from >= TEST_RESUME_LENGTH || g_strcmp0 (answer, "ignore") == 0 ||
      g_strcmp0 (answer, "changed") == 0)
    from = 0;

  test_server_send_from (self, msg, validators, data, TEST_RESUME_LENGTH, from);
}

/* Big enough to be resumed in a later run, and cut the first time with the
 * connection left open, for the client to be killed meanwhile. */
static inline void
test_server_big (TestServer        *self,
                 SoupServerMessage *msg,
                 guint              hits)
{
  const char *range = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Range");
  g_autofree guint8 *data = test_make_pattern (TEST_BIG_LENGTH);
  const char *validators = "ETag: \"b1\"\r\nLast-Modified: " TEST_LAST_MODIFIED "\r\n"
                           "Accept-Ranges: bytes\r\n";
  g_autofree char *head = NULL;
  g_autoptr(GBytes) body = NULL;
  guint64 from = 0;

  if (hits == 1)
    {
      head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n%s"
                              "Content-Length: %d\r\n\r\n", validators, TEST_BIG_LENGTH);
      body = g_bytes_new (data, TEST_BIG_CUT);
      test_server_respond_raw_bytes (self, msg, head, body, TEST_BIG_CUT, RAW_STALL);
      return;
    }

  if (range != NULL && g_str_has_prefix (range, "bytes="))
    from = MIN (g_ascii_strtoull (range + strlen ("bytes="), NULL, 10), TEST_BIG_LENGTH);

  test_server_send_from (self, msg, validators, data, TEST_BIG_LENGTH, from);
}

static inline void
test_server_set_png (TestServer        *self,
                     SoupServerMessage *msg,
                     const char        *content_type)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, content_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (self->png, NULL),
                                    g_bytes_get_size (self->png));
}

/* The small PNG with a text chunk naming @path before its end: another
 * image, as far as its bytes go, for each path. */
static inline GBytes *
test_server_unique_png (TestServer *self,
                        const char *path)
{
  gsize size = g_bytes_get_size (self->png);
  const guint8 *data = g_bytes_get_data (self->png, NULL);
  GByteArray *out = g_byte_array_new ();
  g_autofree char *text = g_strconcat ("Title ", path, NULL);

  text[5] = '\0';  /* the keyword, a NUL, then the text */
  g_byte_array_append (out, data, size - 12);
  test_png_chunk (out, "tEXt", (const guint8 *)text, 6 + strlen (path));
  g_byte_array_append (out, data + size - 12, 12);

  return g_byte_array_free_to_bytes (out);
}

typedef struct
{
  TestServer        *server;
  SoupServerMessage *msg;
} Delayed;

static inline gboolean
test_server_delayed (gpointer user_data)
{
  Delayed *delayed = user_data;

  test_server_set_png (delayed->server, delayed->msg, "image/png");
  soup_server_message_unpause (delayed->msg);

  return G_SOURCE_REMOVE;
}

/* Also runs for a delay cut short when the server stops. */
static inline void
test_server_delayed_free (gpointer user_data)
{
  Delayed *delayed = user_data;

  g_object_unref (delayed->msg);
  g_free (delayed);
}

static inline guint
test_server_count_hit (TestServer *self,
                       const char *path)
{
  guint count;

  g_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->hits, path)) + 1;
  g_hash_table_insert (self->hits, g_strdup (path), GUINT_TO_POINTER (count));
  g_mutex_unlock (&self->lock);

  return count;
}

static inline guint
test_server_get_hits (TestServer *self,
                      const char *path)
{
  guint count;

  g_mutex_lock (&self->lock);
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->hits, path));
  g_mutex_unlock (&self->lock);

  return count;
}

static inline void
test_server_redirect (SoupServerMessage *msg,
                      const char        *location)
{
  soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Location", location);
}

/* Counts a request to h2_server, once its headers are in. */
static inline void
test_server_h2_count (TestServer        *self,
                      SoupServerMessage *msg)
{
  GInetSocketAddress *address = G_INET_SOCKET_ADDRESS (soup_server_message_get_remote_address (msg));
  g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  g_mutex_lock (&self->lock);
  g_hash_table_add (self->h2_peers,
                    g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port (address)));
  self->h2_requests++;
  if (soup_server_message_get_http_version (msg) == SOUP_HTTP_2_0)
    self->h2_streams++;
  g_mutex_unlock (&self->lock);
}

/* How many connections h2_server's requests came on since the last
 * test_server_h2_reset(), and how many requests, in @requests, of which
 * @streams were HTTP/2. */
static inline guint
test_server_h2_connections (TestServer *self,
                            guint      *requests,
                            guint      *streams)
{
  guint connections;

  g_mutex_lock (&self->lock);
  connections = g_hash_table_size (self->h2_peers);
  if (requests != NULL)
    *requests = self->h2_requests;
  if (streams != NULL)
    *streams = self->h2_streams;
  g_mutex_unlock (&self->lock);

  return connections;
}

static inline void
test_server_h2_reset (TestServer *self)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->h2_peers);
  self->h2_requests = self->h2_streams = 0;
  g_mutex_unlock (&self->lock);
}

static inline void
test_server_handle (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  TestServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  guint hits = test_server_count_hit (self, path);

  if (server == self->h2_server)
    test_server_h2_count (self, msg);

  g_mutex_lock (&self->lock);
  g_free (self->user_agent);
  self->user_agent = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                             "User-Agent"));
  g_free (self->range);
  self->range = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                        "Range"));
  g_free (self->if_range);
  self->if_range = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                           "If-Range"));
  g_mutex_unlock (&self->lock);

  if (g_str_has_prefix (path, "/site/"))
    {
      GBytes *html;

      g_mutex_lock (&self->lock);
      html = g_hash_table_lookup (self->site, path);
      if (html != NULL)
        g_bytes_ref (html);
      g_mutex_unlock (&self->lock);

      if (html == NULL)
        soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      else
        {
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                            g_bytes_get_data (html, NULL), g_bytes_get_size (html));
          g_bytes_unref (html);
        }
      return;
    }

  if ((g_str_has_prefix (path, "/img/") || g_str_has_prefix (path, "/guarded/") ||
       g_str_has_prefix (path, "/slow/")) &&
      test_server_sized_image (self, msg, path))
    return;

  if (g_str_has_prefix (path, "/blob/"))
    {
      g_autoptr(GBytes) blob = NULL;
      const char *type = query ? g_hash_table_lookup (query, "type") : NULL;

      g_mutex_lock (&self->lock);
      blob = g_hash_table_lookup (self->blobs, path + strlen ("/blob/"));
      if (blob != NULL)
        g_bytes_ref (blob);
      g_mutex_unlock (&self->lock);

      if (blob == NULL)
        soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      else
        {
          soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
          soup_server_message_set_response (msg, type ? type : "application/octet-stream", SOUP_MEMORY_COPY,
                                            g_bytes_get_data (blob, NULL), g_bytes_get_size (blob));
        }
      return;
    }

  if (g_str_has_prefix (path, "/unique/"))
    {
      g_autoptr(GBytes) png = test_server_unique_png (self, path);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (png, NULL), g_bytes_get_size (png));
      return;
    }

  if (g_str_has_prefix (path, "/png/"))
    {
      const char *delay = query ? g_hash_table_lookup (query, "delay") : NULL;

      if (delay != NULL)
        {
          Delayed *delayed = g_new0 (Delayed, 1);
          GSource *source = g_timeout_source_new (atoi (delay));

          delayed->server = self;
          delayed->msg = g_object_ref (msg);
          soup_server_message_pause (msg);
          g_source_set_callback (source, test_server_delayed, delayed, test_server_delayed_free);
          g_source_attach (source, g_main_context_get_thread_default ());
          g_source_unref (source);
        }
      else
        test_server_set_png (self, msg, "image/png");
    }
  else if (g_str_has_prefix (path, "/mismatch/"))
    test_server_set_png (self, msg, "image/jpeg");
  else if (g_str_has_prefix (path, "/bytes/"))
    {
      gsize length = g_ascii_strtoull (path + strlen ("/bytes/"), NULL, 10);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_TAKE,
                                        (char *)test_make_pattern (length), length);
    }
  else if (g_str_has_prefix (path, "/redirect/"))
    {
      guint n = atoi (path + strlen ("/redirect/"));

      if (n == 0)
        test_server_set_png (self, msg, "image/png");
      else
        {
          g_autofree char *next = g_strdup_printf ("/redirect/%u", n - 1);
          test_server_redirect (msg, next);
        }
    }
  else if (strcmp (path, "/loop") == 0)
    test_server_redirect (msg, "/loop");
  else if (strcmp (path, "/to-ftp") == 0)
    test_server_redirect (msg, "ftp://127.0.0.1/photo.png");
  else if (strcmp (path, "/to-file") == 0)
    test_server_redirect (msg, "file:///etc/passwd");
  else if (strcmp (path, "/to-nowhere") == 0)
    soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
  else if (strcmp (path, "/cd") == 0)
    {
      test_server_set_png (self, msg, "image/png");
      soup_message_headers_replace (headers, "Content-Disposition",
                                    g_hash_table_lookup (query, "h"));
    }
  else if (g_str_has_prefix (path, "/status/"))
    {
      soup_server_message_set_status (msg, atoi (path + strlen ("/status/")), NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "no", 2);
    }
  else if (g_str_has_prefix (path, "/retry-after/"))
    {
      if (hits == 1)
        {
          soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
          soup_message_headers_replace (headers, "Retry-After", "1");
        }
      else
        test_server_set_png (self, msg, "image/png");
    }
  else if (strcmp (path, "/html") == 0)
    {
      static const char html[] = "<!DOCTYPE html><html><body>Not here</body></html>";

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC,
                                        html, strlen (html));
    }
  else if (strcmp (path, "/text.txt") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello\n", 6);
    }
  else if (strcmp (path, "/empty") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_STATIC, "", 0);
    }
  else if (strcmp (path, "/bomb.png") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (self->bomb, NULL),
                                        g_bytes_get_size (self->bomb));
    }
  else if (strcmp (path, "/truncated.png") == 0)
    test_server_respond_raw (self, msg,
                             "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                             "Content-Length: 5000\r\nConnection: close\r\n\r\n",
                             600, RAW_CLOSE);
  else if (strcmp (path, "/truncated-identity.png") == 0)
    test_server_respond_raw (self, msg,
                             "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                             "Content-Encoding: identity\r\n"
                             "Content-Length: 5000\r\nConnection: close\r\n\r\n",
                             600, RAW_CLOSE);
  else if (strcmp (path, "/stall.png") == 0)
    test_server_respond_raw (self, msg,
                             "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                             "Content-Length: 100000\r\n\r\n",
                             600, RAW_STALL);
  else if (strcmp (path, "/body-stall.png") == 0)
    {
      g_autofree guint8 *data = test_make_pattern (600);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (headers, "image/png", NULL);
      soup_message_headers_set_content_length (headers, 100000);
      soup_message_body_append (soup_server_message_get_response_body (msg),
                                SOUP_MEMORY_COPY, data, 600);
    }
  else if (strcmp (path, "/endless.png") == 0)
    test_server_respond_raw (self, msg,
                             "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                             "Connection: close\r\n\r\n",
                             600,
                             query && g_hash_table_contains (query, "slow") ? RAW_TRICKLE : RAW_ENDLESS);
  else if (strcmp (path, "/gzip.png") == 0)
    {
      g_autoptr(GBytes) body = test_gzip (g_bytes_get_data (self->png, NULL),
                                          g_bytes_get_size (self->png));

      test_server_set_gzip (msg, body);
    }
  else if (strcmp (path, "/gzip-bomb.png") == 0)
    {
      gsize length = 8 * 1024 * 1024;
      g_autofree guint8 *zeros = g_malloc0 (length);
      g_autoptr(GBytes) body = NULL;

      memcpy (zeros, g_bytes_get_data (self->png, NULL), 8);
      body = test_gzip (zeros, length);
      test_server_set_gzip (msg, body);
    }
  else if (strcmp (path, "/length") == 0)
    {
      g_autofree char *head =
        g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                         "Content-Length: %s\r\n\r\n",
                         (const char *)g_hash_table_lookup (query, "v"));

      test_server_respond_raw (self, msg, head, 600, RAW_CLOSE);
    }
  else if (strcmp (path, "/reset.png") == 0)
    test_server_respond_raw (self, msg,
                             "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                             "Content-Length: 100000\r\n\r\n",
                             600, RAW_RESET);
  else if (strcmp (path, "/odd-type") == 0)
    {
      static const char page[] = "<html><script>alert(1)</script></html>";

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "image/x-unknown", SOUP_MEMORY_STATIC,
                                        page, strlen (page));
      soup_message_headers_replace (headers, "Content-Disposition",
                                    g_hash_table_lookup (query, "h"));
    }
  else if (strcmp (path, "/escape") == 0)
    test_server_respond_raw (self, msg,
                             "HTTP/1.1 500 \033]0;owned\007\033[31mBad\r\nContent-Length: 0\r\n"
                             "Connection: close\r\n\r\n",
                             0, RAW_CLOSE);
  else if (strcmp (path, "/chunked.png") == 0 || g_str_has_prefix (path, "/chunked-cut/"))
    {
      g_autofree guint8 *data = test_make_pattern (TEST_CHUNKED_LENGTH);
      gboolean cut = hits == 1 && g_str_has_prefix (path, "/chunked-cut/");

      test_server_chunked (self, msg, "", data,
                           cut ? TEST_CHUNKED_LENGTH / 2 : TEST_CHUNKED_LENGTH, !cut);
    }
  else if (strcmp (path, "/chunked-kept.png") == 0)
    {
      g_autofree guint8 *data = test_make_pattern (TEST_CHUNKED_LENGTH);
      SoupMessageBody *body = soup_server_message_get_response_body (msg);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_content_type (headers, "image/png", NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      for (gsize at = 0; at < TEST_CHUNKED_LENGTH; at += TEST_CHUNK_SIZE)
        soup_message_body_append (body, SOUP_MEMORY_COPY, data + at, TEST_CHUNK_SIZE);
      soup_message_body_complete (body);
    }
  else if (g_str_has_prefix (path, "/short/"))
    test_server_respond_raw (self, msg,
                             "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                             "Content-Length: 20000\r\nConnection: close\r\n\r\n",
                             hits == 1 ? 600 : 20000, RAW_CLOSE);
  else if (strcmp (path, "/dated.png") == 0)
    {
      test_server_set_png (self, msg, "image/png");
      soup_message_headers_replace (headers, "Last-Modified", TEST_LAST_MODIFIED);
    }
  else if (g_str_has_prefix (path, "/resume/"))
    test_server_resume (self, msg, query, hits);
  else if (g_str_has_prefix (path, "/big/"))
    test_server_big (self, msg, hits);
  else if (strcmp (path, "/escape-type") == 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/\033[31mhtml", SOUP_MEMORY_STATIC,
                                        "hello\n", 6);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static inline char *
test_server_listen (SoupServer             *server,
                    SoupServerListenOptions options)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  char *base;

  soup_server_listen_local (server, 0, options | SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  base = g_strdup_printf ("%s://127.0.0.1:%d", g_uri_get_scheme (uris->data),
                          g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);

  return base;
}

static inline gpointer
test_server_thread (gpointer user_data)
{
  TestServer *self = user_data;
  g_autofree char *cert_file = g_test_build_filename (G_TEST_DIST, "tls", "server.pem", NULL);
  g_autofree char *key_file = g_test_build_filename (G_TEST_DIST, "tls", "server-key.pem", NULL);
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (self->context);

  self->server = soup_server_new ("server-header", "HaulTest ", NULL);
  soup_server_add_handler (self->server, NULL, test_server_handle, self, NULL);
  self->base = test_server_listen (self->server, 0);

  certificate = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  self->tls_server = soup_server_new ("server-header", "HaulTest ",
                                      "tls-certificate", certificate,
                                      NULL);
  soup_server_add_handler (self->tls_server, NULL, test_server_handle, self, NULL);
  self->tls_base = test_server_listen (self->tls_server, SOUP_SERVER_LISTEN_HTTPS);

  /* libsoup 3.2 offers HTTP/2 only to a server made while this is set; the
   * test's main thread waits meanwhile, and no other thread reads it. */
  g_setenv ("SOUP_SERVER_HTTP2", "1", TRUE);
  self->h2_server = soup_server_new ("server-header", "HaulTest ",
                                     "tls-certificate", certificate,
                                     NULL);
  g_unsetenv ("SOUP_SERVER_HTTP2");
  soup_server_add_handler (self->h2_server, NULL, test_server_handle, self, NULL);
  self->h2_base = test_server_listen (self->h2_server, SOUP_SERVER_LISTEN_HTTPS);

  g_mutex_lock (&self->lock);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);

  soup_server_disconnect (self->server);
  soup_server_disconnect (self->tls_server);
  soup_server_disconnect (self->h2_server);
  g_clear_object (&self->server);
  g_clear_object (&self->tls_server);
  g_clear_object (&self->h2_server);

  /* Let the servers' last callbacks run before the context goes. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static inline TestServer *
test_server_new (void)
{
  TestServer *self = g_new0 (TestServer, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->hits = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  self->raw_threads = g_ptr_array_new ();
  self->h2_peers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->site = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
  self->referers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->png = test_make_png ();
  self->bomb = test_make_bomb ();
  self->thread = g_thread_new ("test-server", test_server_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  return self;
}

static inline char *
test_server_url (TestServer *self,
                 const char *path)
{
  return g_strconcat (self->base, path, NULL);
}

/* Serves @bytes at /blob/@name from now on. */
static inline void
test_server_add_blob (TestServer *self,
                      const char *name,
                      GBytes     *bytes)
{
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->blobs, g_strdup (name), g_bytes_ref (bytes));
  g_mutex_unlock (&self->lock);
}

static inline void
test_server_free (TestServer *self)
{
  g_atomic_int_set (&self->stop, 1);

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->raw_threads->len; i++)
    g_thread_join (g_ptr_array_index (self->raw_threads, i));
  g_ptr_array_set_size (self->raw_threads, 0);
  g_mutex_unlock (&self->lock);

  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);

  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->hits);
  g_hash_table_unref (self->blobs);
  g_ptr_array_unref (self->raw_threads);
  g_hash_table_unref (self->h2_peers);
  g_hash_table_unref (self->site);
  g_hash_table_unref (self->referers);
  g_bytes_unref (self->png);
  g_bytes_unref (self->bomb);
  g_free (self->base);
  g_free (self->tls_base);
  g_free (self->h2_base);
  g_free (self->user_agent);
  g_free (self->range);
  g_free (self->if_range);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
