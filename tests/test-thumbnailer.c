/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "haul-animation.h"
#include "haul-thumbnailer.h"
#include "test-images.h"

#define THUMB_SIZE 256

/* A solid-colour image of @width × @height saved as @format. */
static GBytes *
make_image (const char *format,
            int         width,
            int         height,
            guint32     rgba)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, rgba);
  gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, format, &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, length);
}

typedef struct
{
  GdkPixbuf *pixbuf;
  int        width;
  int        height;
  gboolean   stopped_early;  /* write returned FALSE before the end */
  gsize      fed;            /* bytes handed over before it did */
  gboolean   animated;
  guint      frames;
} Result;

static void
result_clear (Result *result)
{
  g_clear_object (&result->pixbuf);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

/* Feeds @data in @chunk-byte pieces, as a download would. */
static void
thumbnail (const guint8 *data,
           gsize         length,
           gsize         chunk,
           guint         max_size,
           guint64       max_pixels,
           Result       *result)
{
  g_autoptr(HaulThumbnailer) thumbnailer = haul_thumbnailer_new (max_size, max_pixels);
  gsize offset = 0;

  memset (result, 0, sizeof *result);

  while (offset < length)
    {
      gsize n = MIN (chunk, length - offset);

      offset += n;
      if (!haul_thumbnailer_write (thumbnailer, data + offset - n, n))
        {
          result->stopped_early = TRUE;
          /* Once it said no, it keeps saying no. */
          g_assert_false (haul_thumbnailer_write (thumbnailer, data, MIN (length, 16)));
          break;
        }
    }

  result->fed = offset;
  result->pixbuf = haul_thumbnailer_finish (thumbnailer, &result->width, &result->height);
  result->frames = haul_thumbnailer_get_frames (thumbnailer, &result->animated);
}

static void
thumbnail_bytes (GBytes  *bytes,
                 gsize    chunk,
                 guint    max_size,
                 Result  *result)
{
  thumbnail (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), chunk, max_size,
             HAUL_THUMBNAILER_MAX_PIXELS, result);
}

static void
assert_pixel (GdkPixbuf *pixbuf,
              int        x,
              int        y,
              guint8     r,
              guint8     g,
              guint8     b)
{
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  const guint8 *p = pixels + y * gdk_pixbuf_get_rowstride (pixbuf) + x * gdk_pixbuf_get_n_channels (pixbuf);

  /* Lossy formats get some slack. */
  g_assert_cmpint (ABS (p[0] - r), <=, 8);
  g_assert_cmpint (ABS (p[1] - g), <=, 8);
  g_assert_cmpint (ABS (p[2] - b), <=, 8);
}

typedef struct
{
  const char *format;
  int         width;
  int         height;
  int         thumb_width;
  int         thumb_height;
} ScaleCase;

static const ScaleCase scale_cases[] = {
  { "png", 800, 400, 256, 128 },
  { "png", 400, 800, 128, 256 },
  { "png", 100, 50, 100, 50 },       /* never upscaled */
  { "png", 256, 256, 256, 256 },
  { "png", 3000, 7, 256, 1 },        /* a sliver keeps at least one row */
  { "jpeg", 300, 1000, 77, 256 },
  { "jpeg", 1024, 768, 256, 192 },
  { "bmp", 600, 300, 256, 128 },
  { "tiff", 512, 640, 205, 256 },
  { "ico", 64, 32, 64, 32 },
  { "webp", 700, 350, 256, 128 },
};

static void
test_thumbnailer_scale (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (scale_cases); i++)
    {
      const ScaleCase *c = &scale_cases[i];
      g_autoptr(GBytes) image = NULL;
      g_auto(Result) result = { 0 };

      if (!test_image_can_write (c->format))
        {
          g_test_message ("no %s writer, not tested", c->format);
          continue;
        }

      g_test_message ("%s %d×%d", c->format, c->width, c->height);
      image = make_image (c->format, c->width, c->height, 0x2080e0ff);
      thumbnail_bytes (image, 100, THUMB_SIZE, &result);

      g_assert_false (result.stopped_early);
      g_assert_nonnull (result.pixbuf);
      g_assert_cmpint (result.width, ==, c->width);
      g_assert_cmpint (result.height, ==, c->height);
      g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, c->thumb_width);
      g_assert_cmpint (gdk_pixbuf_get_height (result.pixbuf), ==, c->thumb_height);
      assert_pixel (result.pixbuf, c->thumb_width / 2, c->thumb_height / 2, 0x20, 0x80, 0xe0);
    }
}

/* Handed over whole and byte by byte, the result is the same. */
static void
test_thumbnailer_chunking (void)
{
  g_autoptr(GBytes) image = make_image ("png", 640, 480, 0xff0000ff);
  const gsize chunks[] = { 1, 7, 511, 512, 513, 4096, G_MAXSIZE };

  for (gsize i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_auto(Result) result = { 0 };

      thumbnail_bytes (image, chunks[i], THUMB_SIZE, &result);
      g_assert_nonnull (result.pixbuf);
      g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, 256);
      g_assert_cmpint (gdk_pixbuf_get_height (result.pixbuf), ==, 192);
      assert_pixel (result.pixbuf, 10, 10, 0xff, 0, 0);
    }
}

/* Smaller than the bytes the format is told from. */
static void
test_thumbnailer_tiny (void)
{
  /* A 1×1 GIF whose only colour is red. */
  static const guint8 gif[] = {
    'G', 'I', 'F', '8', '9', 'a', 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00,
    0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
  };
  g_auto(Result) result = { 0 };

  thumbnail (gif, sizeof gif, 4, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_nonnull (result.pixbuf);
  g_assert_cmpint (result.width, ==, 1);
  g_assert_cmpint (result.height, ==, 1);
  assert_pixel (result.pixbuf, 0, 0, 0xff, 0, 0);
}

/* Three frames on a 1000 × 1000 screen, looping: the preview is the
 * first frame, scaled like any other image. */
static void
test_thumbnailer_animation (void)
{
  g_autoptr(GBytes) gif = test_image_gif_animation (3);
  g_auto(Result) result = { 0 };

  thumbnail (g_bytes_get_data (gif, NULL), g_bytes_get_size (gif), 7, THUMB_SIZE,
             HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_cmpint (result.width, ==, 1000);
  g_assert_cmpint (result.height, ==, 1000);
  g_assert_nonnull (result.pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, THUMB_SIZE);
  g_assert_cmpint (gdk_pixbuf_get_height (result.pixbuf), ==, THUMB_SIZE);
  g_assert_true (result.animated);
  g_assert_cmpuint (result.frames, ==, 3);
}

static void
test_thumbnailer_svg (void)
{
  static const char svg[] =
    "<?xml version=\"1.0\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"200\">"
    "<rect width=\"400\" height=\"200\" fill=\"#00ff00\"/></svg>\n";
  g_auto(Result) result = { 0 };

  thumbnail ((const guint8 *)svg, strlen (svg), 64, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_nonnull (result.pixbuf);
  g_assert_cmpint (result.width, ==, 400);
  g_assert_cmpint (result.height, ==, 200);
  g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, 256);
  g_assert_cmpint (gdk_pixbuf_get_height (result.pixbuf), ==, 128);
  assert_pixel (result.pixbuf, 128, 64, 0, 0xff, 0);
}

static void
test_thumbnailer_svg_dimensions_only (void)
{
  static const char svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"300\"/>";
  g_auto(Result) result = { 0 };

  thumbnail ((const guint8 *)svg, strlen (svg), 64, 0, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
  g_assert_cmpint (result.width, ==, 400);
  g_assert_cmpint (result.height, ==, 300);
}

static void
test_thumbnailer_dimensions_only (void)
{
  const char *formats[] = { "png", "jpeg", "bmp", "webp" };

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GBytes) image = NULL;
      g_auto(Result) result = { 0 };

      if (!test_image_can_write (formats[i]))
        continue;
      image = make_image (formats[i], 1200, 900, 0x000000ff);

      g_test_message ("%s", formats[i]);
      thumbnail_bytes (image, 256, 0, &result);
      g_assert_null (result.pixbuf);
      g_assert_cmpint (result.width, ==, 1200);
      g_assert_cmpint (result.height, ==, 900);
      /* It stopped once the header was read, long before the end. */
      g_assert_true (result.stopped_early);
      g_assert_cmpuint (result.fed, <, g_bytes_get_size (image));
    }
}

static void
test_thumbnailer_pixel_cap (void)
{
  g_autoptr(GBytes) image = make_image ("png", 2000, 1000, 0xffffffff);
  g_auto(Result) refused = { 0 };
  g_auto(Result) accepted = { 0 };

  thumbnail (g_bytes_get_data (image, NULL), g_bytes_get_size (image), 1024, THUMB_SIZE,
             1999999, &refused);
  g_assert_null (refused.pixbuf);
  g_assert_true (refused.stopped_early);
  g_assert_cmpint (refused.width, ==, 2000);
  g_assert_cmpint (refused.height, ==, 1000);

  thumbnail (g_bytes_get_data (image, NULL), g_bytes_get_size (image), 1024, THUMB_SIZE,
             2000000, &accepted);
  g_assert_nonnull (accepted.pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_width (accepted.pixbuf), ==, 256);
}

static void
test_thumbnailer_malformed (void)
{
  g_autoptr(GBytes) png = make_image ("png", 300, 200, 0x808080ff);
  g_autoptr(GBytes) jpeg = make_image ("jpeg", 300, 200, 0x808080ff);
  const guint8 *png_data = g_bytes_get_data (png, NULL);
  g_autofree guint8 *garbage = g_malloc (4096);
  g_autofree guint8 *corrupt = g_memdup2 (png_data, g_bytes_get_size (png));
  static const char xpm[] = "/* XPM */\nstatic char *x[] = {\"1 1 1 1\", \"a c #ff0000\", \"a\"};\n";
  static const char html[] = "<!DOCTYPE html><html><body>Not Found</body></html>";
  g_auto(Result) result = { 0 };

  for (gsize i = 0; i < 4096; i++)
    garbage[i] = g_test_rand_int_range (0, 256);
  /* Valid signature and header, then noise. */
  for (gsize i = 60; i < g_bytes_get_size (png); i++)
    corrupt[i] ^= 0x5a;

  /* Truncated: the header says 300×200 but the pixels never come. */
  thumbnail (png_data, g_bytes_get_size (png) / 2, 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS,
             &result);
  g_assert_null (result.pixbuf);
  g_assert_cmpint (result.width, ==, 300);
  g_assert_cmpint (result.height, ==, 200);
  result_clear (&result);

  thumbnail (g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg) / 3, 100, THUMB_SIZE,
             HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
  result_clear (&result);

  thumbnail (corrupt, g_bytes_get_size (png), 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
  result_clear (&result);

  /* Only the signature. */
  thumbnail (png_data, 8, 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
  g_assert_cmpint (result.width, ==, 0);
  g_assert_cmpint (result.height, ==, 0);
  result_clear (&result);

  thumbnail (garbage, 4096, 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
  g_assert_cmpint (result.width, ==, 0);
  result_clear (&result);

  thumbnail ((const guint8 *)html, strlen (html), 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
  result_clear (&result);

  /* gdk-pixbuf reads XPM, but downloaded data only reaches the loaders for
   * the formats we recognise. */
  thumbnail ((const guint8 *)xpm, strlen (xpm), 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
  result_clear (&result);

  thumbnail (NULL, 0, 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  g_assert_null (result.pixbuf);
}

/* A file cut short anywhere gives no preview, in every format, while the
 * whole file does; bytes after the image's end do not matter. */
static void
test_thumbnailer_truncated (void)
{
  const char *formats[] = { "png", "jpeg", "bmp", "tiff", "ico", "webp" };
  const double cuts[] = { 0.25, 0.5, 0.9 };

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autoptr(GBytes) image = NULL;
      g_autoptr(GByteArray) trailing = NULL;
      const guint8 *data;
      gsize length;
      g_auto(Result) whole = { 0 };
      g_auto(Result) extra = { 0 };

      if (!test_image_can_write (formats[i]))
        {
          g_test_message ("no %s writer, not tested", formats[i]);
          continue;
        }

      image = make_image (formats[i], 200, 120, 0x406080ff);
      data = g_bytes_get_data (image, &length);

      thumbnail (data, length, 64, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &whole);
      g_assert_nonnull (whole.pixbuf);

      for (gsize j = 0; j < G_N_ELEMENTS (cuts); j++)
        {
          g_auto(Result) cut = { 0 };
          gsize cut_length = (gsize)(length * cuts[j]);

          g_test_message ("%s cut at %zu of %zu bytes", formats[i], cut_length, length);
          thumbnail (data, cut_length, 64, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &cut);
          g_assert_null (cut.pixbuf);
        }

      /* Trailers after the image (metadata, a camera's extra data). */
      if (g_str_equal (formats[i], "png") || g_str_equal (formats[i], "jpeg"))
        {
          trailing = g_byte_array_new ();
          g_byte_array_append (trailing, data, length);
          for (guint k = 0; k < 3000; k++)
            g_byte_array_append (trailing, (const guint8 *)"\xff\xd8junk", 6);

          thumbnail (trailing->data, trailing->len, 100, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &extra);
          g_assert_nonnull (extra.pixbuf);
        }
    }
}

/* Red top left, green top right, blue bottom left, white bottom right,
 * turned the way each Exif orientation says it is displayed. */
static const char *const displayed_corners[9] = {
  "RGBW", "RGBW", "GRWB", "WBGR", "BWRG", "RBGW", "BRWG", "WGBR", "GWRB",
};

static void
assert_corner (GdkPixbuf *pixbuf,
               int        x,
               int        y,
               char       colour)
{
  switch (colour)
    {
    case 'R': assert_pixel (pixbuf, x, y, 0xff, 0, 0); break;
    case 'G': assert_pixel (pixbuf, x, y, 0, 0xff, 0); break;
    case 'B': assert_pixel (pixbuf, x, y, 0, 0, 0xff); break;
    default: assert_pixel (pixbuf, x, y, 0xff, 0xff, 0xff); break;
    }
}

/* The corners of @pixbuf, a few pixels in, in reading order. */
static void
assert_corners (GdkPixbuf  *pixbuf,
                const char *corners)
{
  int right = gdk_pixbuf_get_width (pixbuf) - 4;
  int bottom = gdk_pixbuf_get_height (pixbuf) - 4;

  assert_corner (pixbuf, 3, 3, corners[0]);
  assert_corner (pixbuf, right, 3, corners[1]);
  assert_corner (pixbuf, 3, bottom, corners[2]);
  assert_corner (pixbuf, right, bottom, corners[3]);
}

/* A photo tagged with an orientation is reported and previewed as it is
 * displayed: 5 to 8 swap width and height. */
static void
test_thumbnailer_orientation (void)
{
  for (guint orientation = 0; orientation <= 8; orientation++)
    {
      g_autoptr(GBytes) jpeg = test_image_exif_jpeg (320, 200, orientation);
      gboolean turned = orientation >= 5;
      g_auto(Result) result = { 0 };
      g_auto(Result) dims = { 0 };

      g_test_message ("orientation %u", orientation);
      thumbnail_bytes (jpeg, 100, THUMB_SIZE, &result);
      g_assert_nonnull (result.pixbuf);
      g_assert_cmpint (result.width, ==, turned ? 200 : 320);
      g_assert_cmpint (result.height, ==, turned ? 320 : 200);
      g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, turned ? 160 : 256);
      g_assert_cmpint (gdk_pixbuf_get_height (result.pixbuf), ==, turned ? 256 : 160);
      assert_corners (result.pixbuf, displayed_corners[orientation]);

      thumbnail_bytes (jpeg, 100, 0, &dims);
      g_assert_null (dims.pixbuf);
      g_assert_cmpint (dims.width, ==, result.width);
      g_assert_cmpint (dims.height, ==, result.height);
    }
}

static gboolean
can_read (const char *mime_type)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_auto(GStrv) types = gdk_pixbuf_format_get_mime_types (l->data);

      if (g_strv_contains ((const char *const *)types, mime_type))
        return TRUE;
    }

  return FALSE;
}

/* The newer formats: dimensions from the header whether or not a loader
 * is installed, and a preview when one is. */
static void
test_thumbnailer_modern_formats (void)
{
  static const struct
  {
    const char *file;
    const char *type;
  } files[] = {
    { "halves.heic", "image/heic" },
    { "halves.avif", "image/avif" },
    { "halves.jxl", "image/jxl" },
    { "halves-container.jxl", "image/jxl" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GBytes) image = test_image_read (files[i].file);
      g_auto(Result) result = { 0 };
      g_auto(Result) dims = { 0 };

      thumbnail_bytes (image, 50, THUMB_SIZE, &result);
      g_test_message ("%s: %s", files[i].file, result.pixbuf ? "previewed" : "no preview");
      g_assert_cmpint (result.width, ==, 64);
      g_assert_cmpint (result.height, ==, 32);
      if (can_read (files[i].type))
        {
          g_assert_nonnull (result.pixbuf);
          g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, 64);
          /* Lossy: the middle of each half. */
          assert_pixel (result.pixbuf, 12, 16, 0xff, 0, 0);
          assert_pixel (result.pixbuf, 52, 16, 0, 0, 0xff);
        }
      else
        g_assert_null (result.pixbuf);

      thumbnail_bytes (image, 50, 0, &dims);
      g_assert_cmpint (dims.width, ==, 64);
      g_assert_cmpint (dims.height, ==, 32);
    }
}

/* An AVIF turned by its irot box: the size as displayed, and the decoder
 * turns the pixels (they must not be turned twice). */
static void
test_thumbnailer_avif_rotated (void)
{
  g_autoptr(GBytes) avif = test_image_read ("halves-irot.avif");
  g_auto(Result) result = { 0 };

  thumbnail_bytes (avif, 64, THUMB_SIZE, &result);
  g_assert_cmpint (result.width, ==, 32);
  g_assert_cmpint (result.height, ==, 64);
  if (!can_read ("image/avif"))
    return;

  g_assert_nonnull (result.pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, 32);
  g_assert_cmpint (gdk_pixbuf_get_height (result.pixbuf), ==, 64);
  assert_pixel (result.pixbuf, 16, 12, 0, 0, 0xff);
  assert_pixel (result.pixbuf, 16, 52, 0xff, 0, 0);
}

static void
test_thumbnailer_svgz (void)
{
  static const char svg[] =
    "<?xml version=\"1.0\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\" height=\"600\">"
    "<rect width=\"300\" height=\"600\" fill=\"#0000ff\"/></svg>\n";
  g_autoptr(GBytes) svgz = test_image_gzip (svg, strlen (svg));
  g_auto(Result) result = { 0 };

  thumbnail_bytes (svgz, 16, THUMB_SIZE, &result);
  g_assert_nonnull (result.pixbuf);
  g_assert_cmpint (result.width, ==, 300);
  g_assert_cmpint (result.height, ==, 600);
  g_assert_cmpint (gdk_pixbuf_get_height (result.pixbuf), ==, 256);
  assert_pixel (result.pixbuf, 64, 128, 0, 0, 0xff);
}

/* An SVG whose root element comes after a long licence: the bytes cannot
 * tell, the server's type can; a type that does not fit them is ignored. */
static void
test_thumbnailer_content_type (void)
{
  g_autoptr(GString) svg = g_string_new ("<?xml version=\"1.0\"?>\n<!--");
  g_autoptr(GBytes) heic = test_image_read ("halves.heic");
  const char *types[] = { NULL, "image/png", "image/svg+xml", "IMAGE/SVG+XML; charset=utf-8" };

  for (guint i = 0; i < 6000; i++)
    g_string_append_c (svg, 'x');
  g_string_append (svg, "-->\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\"/>");

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(HaulThumbnailer) thumbnailer = haul_thumbnailer_new (THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS);
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      int width = -1;
      int height = -1;

      haul_thumbnailer_set_content_type (thumbnailer, types[i]);
      haul_thumbnailer_write (thumbnailer, (const guint8 *)svg->str, svg->len);
      pixbuf = haul_thumbnailer_finish (thumbnailer, &width, &height);
      g_assert_cmpint (pixbuf != NULL, ==, i >= 2);
      g_assert_cmpint (width, ==, i >= 2 ? 40 : 0);
    }

  /* HEIC bytes announced as WebP are decoded as HEIC. */
  {
    g_autoptr(HaulThumbnailer) thumbnailer = haul_thumbnailer_new (0, HAUL_THUMBNAILER_MAX_PIXELS);
    int width = 0;
    int height = 0;

    haul_thumbnailer_set_content_type (thumbnailer, "image/webp");
    haul_thumbnailer_write (thumbnailer, g_bytes_get_data (heic, NULL), g_bytes_get_size (heic));
    g_assert_null (haul_thumbnailer_finish (thumbnailer, &width, &height));
    g_assert_cmpint (width, ==, 64);
    g_assert_cmpint (height, ==, 32);
  }
}

/* gdk-pixbuf's icon loader reads only bitmaps: the largest entry, a PNG,
 * is the one reported and shown. */
static void
test_thumbnailer_ico_largest (void)
{
  g_autoptr(GBytes) ico = test_image_ico ();
  g_auto(Result) result = { 0 };

  thumbnail_bytes (ico, 333, THUMB_SIZE, &result);
  g_assert_cmpint (result.width, ==, 256);
  g_assert_cmpint (result.height, ==, 256);
  g_assert_nonnull (result.pixbuf);
  g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, 256);
  assert_pixel (result.pixbuf, 128, 128, 0, 0, 0xff);
}

static void
test_thumbnailer_animated_webp (void)
{
  g_autoptr(GBytes) webp = test_image_read ("three-frames.webp");
  g_autoptr(GBytes) still = NULL;
  g_auto(Result) result = { 0 };
  g_auto(Result) still_result = { 0 };

  thumbnail_bytes (webp, 5, THUMB_SIZE, &result);
  g_assert_cmpint (result.width, ==, 24);
  g_assert_cmpint (result.height, ==, 16);
  g_assert_true (result.animated);
  g_assert_cmpuint (result.frames, ==, 3);
  if (can_read ("image/webp"))
    {
      g_assert_nonnull (result.pixbuf);
      assert_pixel (result.pixbuf, 12, 8, 0xff, 0, 0);    /* the first frame */
    }

  if (!test_image_can_write ("webp"))
    return;
  still = make_image ("webp", 30, 20, 0x00ff00ff);
  thumbnail_bytes (still, 5, THUMB_SIZE, &still_result);
  g_assert_false (still_result.animated);
  g_assert_cmpuint (still_result.frames, ==, 0);
}

static void
on_frames_loaded (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* The frames a row plays on hover: decoded in a worker, scaled, with
 * their delays, and no more of them than asked for. */
static void
test_animation_frames (void)
{
  g_autoptr(GBytes) webp = test_image_read ("three-frames.webp");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  int fd = g_file_open_tmp ("haul-test-XXXXXX.webp", &path, &error);
  const guint8 expected[3][3] = { { 0xff, 0, 0 }, { 0, 0xff, 0 }, { 0, 0, 0xff } };
  const guint wanted[] = { 3, 2 };

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (webp, NULL), g_bytes_get_size (webp), NULL));

  /* The budget counts every frame at full size. */
  g_assert_true (haul_animation_fits_budget (24, 16, 3));
  g_assert_true (haul_animation_fits_budget (1000, 1000, 16));
  g_assert_false (haul_animation_fits_budget (1000, 1000, 17));
  g_assert_false (haul_animation_fits_budget (0, 16, 3));
  g_assert_false (haul_animation_fits_budget (24, 16, 0));

  if (!can_read ("image/webp"))
    {
      g_test_skip ("no WebP loader");
      g_unlink (path);
      return;
    }

  for (gsize k = 0; k < G_N_ELEMENTS (wanted); k++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GPtrArray) frames = NULL;

      haul_animation_load_async (path, "image/webp", wanted[k], 12, NULL, on_frames_loaded, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      frames = haul_animation_load_finish (result, &error);
      g_assert_no_error (error);

      g_assert_cmpuint (frames->len, ==, wanted[k]);
      for (guint i = 0; i < frames->len; i++)
        {
          HaulAnimationFrame *frame = g_ptr_array_index (frames, i);

          g_assert_cmpint (gdk_pixbuf_get_width (frame->pixbuf), ==, 12);
          g_assert_cmpint (gdk_pixbuf_get_height (frame->pixbuf), ==, 8);
          g_assert_cmpuint (frame->delay_ms, ==, 100);
          assert_pixel (frame->pixbuf, 6, 4, expected[i][0], expected[i][1], expected[i][2]);
        }
    }

  /* Not an animation, or not there: an error, not a crash. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GPtrArray) frames = NULL;

    haul_animation_load_async ("/nonexistent/x.webp", "image/webp", 3, 12, NULL, on_frames_loaded, &result);
    while (result == NULL)
      g_main_context_iteration (NULL, TRUE);
    frames = haul_animation_load_finish (result, &error);
    g_assert_null (frames);
    g_assert_nonnull (error);
  }

  g_unlink (path);
}

/* Dropped half-way without finishing: no warning about an unclosed loader. */
static void
test_thumbnailer_abandon (void)
{
  g_autoptr(GBytes) png = make_image ("png", 300, 200, 0x808080ff);
  HaulThumbnailer *thumbnailer = haul_thumbnailer_new (THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS);

  g_assert_true (haul_thumbnailer_write (thumbnailer, g_bytes_get_data (png, NULL), 1000));
  haul_thumbnailer_free (thumbnailer);

  /* Nor when it never saw enough to start. */
  thumbnailer = haul_thumbnailer_new (THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS);
  g_assert_true (haul_thumbnailer_write (thumbnailer, g_bytes_get_data (png, NULL), 10));
  haul_thumbnailer_free (thumbnailer);
}

/* Bombs: a few bytes that claim an enormous image. */

/* A real JPEG whose frame header is rewritten to claim @width × @height. */
static GBytes *
make_jpeg_bomb (guint16 width,
                guint16 height)
{
  g_autoptr(GBytes) jpeg = make_image ("jpeg", 16, 16, 0x102030ff);
  gsize length;
  guint8 *data = g_bytes_unref_to_data (g_steal_pointer (&jpeg), &length);

  for (gsize i = 2; i + 9 < length; i++)
    {
      if (data[i] == 0xff && data[i + 1] == 0xc0)
        {
          data[i + 5] = height >> 8;
          data[i + 6] = height & 0xff;
          data[i + 7] = width >> 8;
          data[i + 8] = width & 0xff;
          return g_bytes_new_take (data, length);
        }
    }

  g_assert_not_reached ();
}

static GBytes *
make_bmp_bomb (guint32 size)
{
  GByteArray *bmp = g_byte_array_new ();
  guint8 header[54] = { 'B', 'M' };
  guint8 pixels[64] = { 0 };

  /* File size, pixel offset; then a BITMAPINFOHEADER: 24-bit, no compression. */
  header[2] = 54 + sizeof pixels;
  header[10] = 54;
  header[14] = 40;
  memcpy (header + 18, (guint8[]) { size, size >> 8, size >> 16, size >> 24 }, 4);
  memcpy (header + 22, (guint8[]) { size, size >> 8, size >> 16, size >> 24 }, 4);
  header[26] = 1;
  header[28] = 24;
  g_byte_array_append (bmp, header, sizeof header);
  g_byte_array_append (bmp, pixels, sizeof pixels);

  return g_byte_array_free_to_bytes (bmp);
}

static GBytes *
make_gif_bomb (void)
{
  static const guint8 gif[] = {
    'G', 'I', 'F', '8', '9', 'a', 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00,
    0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x2c, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00,
    0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
  };

  return g_bytes_new_static (gif, sizeof gif);
}

/* A real lossy WebP whose VP8 frame header claims 16383 × 16383. */
static GBytes *
make_webp_bomb (void)
{
  g_autoptr(GBytes) webp = make_image ("webp", 64, 64, 0x102030ff);
  gsize length;
  guint8 *data = g_bytes_unref_to_data (g_steal_pointer (&webp), &length);

  g_assert_cmpuint (length, >, 30);
  g_assert_cmpmem (data + 12, 4, "VP8 ", 4);
  g_assert_cmpmem (data + 23, 3, "\x9d\x01\x2a", 3);
  data[26] = 0xff;
  data[27] = 0x3f;
  data[28] = 0xff;
  data[29] = 0x3f;

  return g_bytes_new_take (data, length);
}

/* A real little-endian TIFF whose width and length tags claim 30000. */
static GBytes *
make_tiff_bomb (void)
{
  g_autoptr(GBytes) tiff = make_image ("tiff", 16, 16, 0x102030ff);
  gsize length;
  guint8 *data = g_bytes_unref_to_data (g_steal_pointer (&tiff), &length);
  guint32 ifd;
  guint entries;
  guint patched = 0;

  g_assert_cmpmem (data, 4, "II*\0", 4);
  ifd = data[4] | (data[5] << 8) | (data[6] << 16) | ((guint32)data[7] << 24);
  g_assert_cmpuint (ifd + 2, <, length);
  entries = data[ifd] | (data[ifd + 1] << 8);

  for (guint i = 0; i < entries; i++)
    {
      guint8 *entry = data + ifd + 2 + 12 * i;
      guint tag = entry[0] | (entry[1] << 8);

      g_assert_cmpuint (ifd + 2 + 12 * (i + 1), <=, length);
      if (tag == 256 || tag == 257)
        {
          /* SHORT or LONG, little-endian either way. */
          entry[8] = 30000 & 0xff;
          entry[9] = 30000 >> 8;
          patched++;
        }
    }
  g_assert_cmpuint (patched, ==, 2);

  return g_bytes_new_take (data, length);
}

static void
assert_bomb_refused (const char   *what,
                     const guint8 *data,
                     gsize         length,
                     int           width,
                     int           height)
{
  g_auto(Result) result = { 0 };
  gint64 start = g_get_monotonic_time ();
  double seconds;

  thumbnail (data, length, 16, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &result);
  seconds = (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;

  g_test_message ("%s: %zu bytes, refused in %.4f s", what, length, seconds);
  g_assert_null (result.pixbuf);
  g_assert_cmpint (result.width, ==, width);
  g_assert_cmpint (result.height, ==, height);
  /* Decoding 30000×30000 would take seconds and gigabytes. */
  g_assert_cmpfloat (seconds, <, 1.0);
}

static void
test_thumbnailer_bombs (void)
{
  g_autoptr(GByteArray) png = test_image_png_bomb (30000);
  g_autoptr(GBytes) jpeg = make_jpeg_bomb (30000, 30000);
  g_autoptr(GBytes) bmp = make_bmp_bomb (30000);
  g_autoptr(GBytes) gif = make_gif_bomb ();

  g_assert_cmpuint (png->len, <, 100);
  assert_bomb_refused ("png", png->data, png->len, 30000, 30000);
  assert_bomb_refused ("jpeg", g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg), 30000, 30000);
  assert_bomb_refused ("bmp", g_bytes_get_data (bmp, NULL), g_bytes_get_size (bmp), 30000, 30000);
  assert_bomb_refused ("gif", g_bytes_get_data (gif, NULL), g_bytes_get_size (gif), 65535, 65535);

  if (test_image_can_write ("tiff"))
    {
      g_autoptr(GBytes) tiff = make_tiff_bomb ();

      assert_bomb_refused ("tiff", g_bytes_get_data (tiff, NULL), g_bytes_get_size (tiff), 30000, 30000);
    }

  if (test_image_can_write ("webp"))
    {
      g_autoptr(GBytes) webp = make_webp_bomb ();

      assert_bomb_refused ("webp", g_bytes_get_data (webp, NULL), g_bytes_get_size (webp), 16383, 16383);
    }

  {
    /* Extended and lossless headers, each claiming 16384 × 16384. */
    static const guint8 vp8x[] = {
      'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P',
      'V', 'P', '8', 'X', 10, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x3f, 0x00, 0xff, 0x3f, 0x00,
    };
    static const guint8 vp8l[] = {
      'R', 'I', 'F', 'F', 22, 0, 0, 0, 'W', 'E', 'B', 'P',
      'V', 'P', '8', 'L', 10, 0, 0, 0, 0x2f, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0, 0,
    };

    assert_bomb_refused ("webp extended", vp8x, sizeof vp8x, 16384, 16384);
    assert_bomb_refused ("webp lossless", vp8l, sizeof vp8l, 16384, 16384);
  }

  /* The same trick in the newer formats' headers, 30000 × 30000 each. */
  {
    g_autoptr(GBytes) heic_file = test_image_read ("halves.heic");
    g_autoptr(GBytes) avif_file = test_image_read ("halves.avif");
    GBytes *bombs[] = {
      test_image_patch_ispe (heic_file, 30000, 30000),
      test_image_patch_ispe (avif_file, 30000, 30000),
      test_image_iso ("heic", 30000, 30000, 1),
      test_image_jxl (30000, 30000, 1, FALSE),
      test_image_jxl (30000, 30000, 1, TRUE),
      test_image_webp_extended (30000, 30000, FALSE),
      test_image_gif_header (30000, 30000),
    };
    const char *names[] = { "heic", "avif", "heic built", "jxl", "jxl container", "webp", "gif" };

    for (gsize i = 0; i < G_N_ELEMENTS (bombs); i++)
      {
        assert_bomb_refused (names[i], g_bytes_get_data (bombs[i], NULL), g_bytes_get_size (bombs[i]),
                             30000, 30000);
        g_bytes_unref (bombs[i]);
      }
  }

  {
    static const char svg[] =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100000\" height=\"100000\">"
      "<rect width=\"100000\" height=\"100000\" fill=\"red\"/></svg>";

    assert_bomb_refused ("svg", (const guint8 *)svg, strlen (svg), 100000, 100000);
  }
}

/* The same bomb passes the cap check when the cap allows it: the refusal
 * above comes from the cap, not from the bytes being broken. */
static void
test_thumbnailer_bomb_dimensions (void)
{
  g_autoptr(GByteArray) png = test_image_png_bomb (30000);
  g_autoptr(GByteArray) small = test_image_png_bomb (20);
  g_auto(Result) dims = { 0 };
  g_auto(Result) decoded = { 0 };

  thumbnail (png->data, png->len, 16, 0, HAUL_THUMBNAILER_MAX_PIXELS, &dims);
  g_assert_cmpint (dims.width, ==, 30000);
  g_assert_cmpint (dims.height, ==, 30000);

  /* A small image built the same way decodes (its rows are incomplete, so
   * there is no preview, but it gets past the header). */
  thumbnail (small->data, small->len, 16, THUMB_SIZE, HAUL_THUMBNAILER_MAX_PIXELS, &decoded);
  g_assert_cmpint (decoded.width, ==, 20);
  g_assert_cmpint (decoded.height, ==, 20);
}

#define N_THREADS 8

static gpointer
thumbnail_thread (gpointer data)
{
  GBytes *image = data;

  for (guint i = 0; i < 10; i++)
    {
      g_auto(Result) result = { 0 };

      thumbnail_bytes (image, 4096, THUMB_SIZE, &result);
      g_assert_nonnull (result.pixbuf);
      g_assert_cmpint (gdk_pixbuf_get_width (result.pixbuf), ==, 256);
    }

  return NULL;
}

static void
test_thumbnailer_threads (void)
{
  g_autoptr(GBytes) png = make_image ("png", 1000, 500, 0x336699ff);
  g_autoptr(GBytes) jpeg = make_image ("jpeg", 1000, 500, 0x336699ff);
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("thumbnail", thumbnail_thread, i % 2 ? png : jpeg);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/thumbnailer/scale", test_thumbnailer_scale);
  g_test_add_func ("/thumbnailer/chunking", test_thumbnailer_chunking);
  g_test_add_func ("/thumbnailer/tiny", test_thumbnailer_tiny);
  g_test_add_func ("/thumbnailer/animation", test_thumbnailer_animation);
  g_test_add_func ("/thumbnailer/svg", test_thumbnailer_svg);
  g_test_add_func ("/thumbnailer/dimensions-only", test_thumbnailer_dimensions_only);
  g_test_add_func ("/thumbnailer/svg-dimensions-only", test_thumbnailer_svg_dimensions_only);
  g_test_add_func ("/thumbnailer/pixel-cap", test_thumbnailer_pixel_cap);
  g_test_add_func ("/thumbnailer/malformed", test_thumbnailer_malformed);
  g_test_add_func ("/thumbnailer/truncated", test_thumbnailer_truncated);
  g_test_add_func ("/thumbnailer/orientation", test_thumbnailer_orientation);
  g_test_add_func ("/thumbnailer/modern-formats", test_thumbnailer_modern_formats);
  g_test_add_func ("/thumbnailer/avif-rotated", test_thumbnailer_avif_rotated);
  g_test_add_func ("/thumbnailer/svgz", test_thumbnailer_svgz);
  g_test_add_func ("/thumbnailer/content-type", test_thumbnailer_content_type);
  g_test_add_func ("/thumbnailer/ico-largest", test_thumbnailer_ico_largest);
  g_test_add_func ("/thumbnailer/animated-webp", test_thumbnailer_animated_webp);
  g_test_add_func ("/thumbnailer/abandon", test_thumbnailer_abandon);
  g_test_add_func ("/animation/frames", test_animation_frames);
  g_test_add_func ("/thumbnailer/bombs", test_thumbnailer_bombs);
  g_test_add_func ("/thumbnailer/bomb-dimensions", test_thumbnailer_bomb_dimensions);
  g_test_add_func ("/thumbnailer/threads", test_thumbnailer_threads);

  return g_test_run ();
}
