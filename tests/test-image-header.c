/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-image-header.h"
#include "haul-sniff.h"
#include "test-images.h"

typedef struct
{
  const char *what;
  GBytes     *image;
  const char *type;           /* what the sniffer says */
  int         width;          /* as displayed */
  int         height;
  guint       orientation;    /* left for the caller to apply */
  gboolean    animated;
  guint       frames;         /* from the header, or the frame counter */
} HeaderCase;

/* Reads the header the way the thumbnailer does: growing the bytes it
 * has to what it asks for. */
static void
read_header (GBytes          *image,
             const char      *type,
             HaulImageHeader *header)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (image, &length);
  gsize have = MIN (length, HAUL_SNIFF_LENGTH);
  gsize needed = 0;

  while (!haul_image_header_read (type, data, have, header, &needed))
    {
      g_assert_cmpuint (needed, >, have);
      if (needed > length)
        break;
      have = needed;
    }
}

static guint
count_frames (GBytes     *image,
              const char *type,
              gsize       chunk)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (image, &length);
  HaulFrameCounter counter;

  haul_frame_counter_init (&counter, type, data, length);
  for (gsize offset = 0; offset < length; offset += chunk)
    haul_frame_counter_feed (&counter, data + offset, MIN (chunk, length - offset));

  return haul_frame_counter_get_frames (&counter);
}

static void
check_case (const HeaderCase *c)
{
  gsize length;
  const guint8 *data = g_bytes_get_data (c->image, &length);
  HaulImageHeader header;
  guint frames;

  g_test_message ("%s", c->what);
  g_assert_cmpstr (haul_sniff_image_type (data, length), ==, c->type);
  g_assert_true (haul_image_header_knows (c->type));

  read_header (c->image, c->type, &header);
  g_assert_cmpint (header.width, ==, c->width);
  g_assert_cmpint (header.height, ==, c->height);
  g_assert_cmpuint (header.orientation, ==, c->orientation);
  g_assert_cmpint (header.animated, ==, c->animated);

  frames = header.frames;
  if (frames == 0)
    {
      frames = count_frames (c->image, c->type, 1);
      g_assert_cmpuint (count_frames (c->image, c->type, 4096), ==, frames);
    }
  g_assert_cmpuint (frames, ==, c->frames);
}

static void
test_header_formats (void)
{
  g_autoptr(GdkPixbuf) quadrants = test_image_quadrants (60, 40);
  g_autoptr(GByteArray) png_bomb = test_image_png_bomb (30000);
  g_autoptr(GBytes) heic = test_image_read ("halves.heic");
  HeaderCase cases[] = {
    { "png", test_image_save (quadrants, "png"), "image/png", 60, 40, 1, FALSE, 0 },
    { "png bomb", g_bytes_new (png_bomb->data, png_bomb->len), "image/png", 30000, 30000, 1, FALSE, 0 },
    { "jpeg", test_image_save (quadrants, "jpeg"), "image/jpeg", 60, 40, 1, FALSE, 0 },
    { "bmp", test_image_save (quadrants, "bmp"), "image/bmp", 60, 40, 1, FALSE, 0 },
    { "gif", test_image_gif_header (30000, 20000), "image/gif", 30000, 20000, 1, FALSE, 1 },
    { "gif animation", test_image_gif_animation (3), "image/gif", 1000, 1000, 1, FALSE, 3 },
    { "webp extended", test_image_webp_extended (30000, 20000, FALSE), "image/webp", 30000, 20000, 1,
      FALSE, 0 },
    { "webp animation", test_image_webp_extended (300, 200, TRUE), "image/webp", 300, 200, 1, TRUE, 2 },
    { "webp animation file", test_image_read ("three-frames.webp"), "image/webp", 24, 16, 1, TRUE, 3 },
    { "avif", test_image_iso ("avif", 640, 480, 0), "image/avif", 640, 480, 1, FALSE, 0 },
    { "avif turned", test_image_iso ("avif", 640, 480, 1), "image/avif", 480, 640, 1, FALSE, 0 },
    { "avif upside down", test_image_iso ("avif", 640, 480, 2), "image/avif", 640, 480, 1, FALSE, 0 },
    { "avif sequence", test_image_iso ("avis", 640, 480, 0), "image/avif", 640, 480, 1, TRUE, 0 },
    { "avif file", test_image_read ("halves.avif"), "image/avif", 64, 32, 1, FALSE, 0 },
    { "heic", test_image_iso ("heic", 4032, 3024, 3), "image/heic", 3024, 4032, 1, FALSE, 0 },
    /* A grid: the tiles' extent is not the image's. */
    { "heic file", g_bytes_ref (heic), "image/heic", 64, 32, 1, FALSE, 0 },
    { "heic bomb", test_image_patch_ispe (heic, 30000, 30000), "image/heic", 30000, 30000, 1, FALSE, 0 },
    { "heif", test_image_iso ("mif1", 100, 50, 0), "image/heif", 100, 50, 1, FALSE, 0 },
    { "jxl", test_image_jxl (1600, 1000, 1, FALSE), "image/jxl", 1600, 1000, 1, FALSE, 0 },
    { "jxl turned", test_image_jxl (1600, 1000, 6, FALSE), "image/jxl", 1000, 1600, 1, FALSE, 0 },
    { "jxl container", test_image_jxl (30000, 30000, 1, TRUE), "image/jxl", 30000, 30000, 1, FALSE, 0 },
    { "jxl small", test_image_jxl (7, 3, 1, FALSE), "image/jxl", 7, 3, 1, FALSE, 0 },
    { "jxl file", test_image_read ("halves.jxl"), "image/jxl", 64, 32, 1, FALSE, 0 },
    { "jxl container file", test_image_read ("halves-container.jxl"), "image/jxl", 64, 32, 1, FALSE, 0 },
    { "ico", test_image_ico (), "image/vnd.microsoft.icon", 256, 256, 1, FALSE, 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      check_case (&cases[i]);
      g_bytes_unref (cases[i].image);
    }

  /* An SVG's size is up to its renderer. */
  g_assert_false (haul_image_header_knows ("image/svg+xml"));
  g_assert_false (haul_image_header_knows (NULL));
}

/* Exif orientations: the size as displayed, and the orientation left for
 * the thumbnailer to apply. */
static void
test_header_exif (void)
{
  for (guint orientation = 0; orientation <= 8; orientation++)
    {
      g_autoptr(GBytes) jpeg = test_image_exif_jpeg (60, 40, orientation);
      gboolean turned = orientation >= 5;
      HeaderCase c = {
        "jpeg with exif", jpeg, "image/jpeg", turned ? 40 : 60, turned ? 60 : 40, MAX (orientation, 1),
        FALSE, 0,
      };

      g_test_message ("orientation %u", orientation);
      check_case (&c);
    }
}

/* Whatever the bytes, no read past them, and no answer made up. */
static void
test_header_truncated (void)
{
  const char *types[] = {
    "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/heic", "image/jxl",
    "image/bmp", "image/tiff", "image/vnd.microsoft.icon",
  };
  g_autoptr(GdkPixbuf) quadrants = test_image_quadrants (60, 40);
  GBytes *images[] = {
    g_byte_array_free_to_bytes (test_image_png_bomb (30000)),
    test_image_exif_jpeg (60, 40, 6),
    test_image_gif_header (300, 200),
    test_image_webp_extended (300, 200, TRUE),
    test_image_iso ("avif", 640, 480, 1),
    test_image_read ("halves.heic"),
    test_image_jxl (30000, 30000, 6, TRUE),
    test_image_save (quadrants, "bmp"),
    test_image_save (quadrants, "tiff"),
    test_image_ico (),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      const guint8 *data;
      gsize length;

      data = g_bytes_get_data (images[i], &length);

      for (gsize cut = 0; cut < MIN (length, 600); cut++)
        {
          g_autofree guint8 *copy = g_memdup2 (data, cut);
          HaulImageHeader header;
          gsize needed = 0;

          if (!haul_image_header_read (types[i], copy, cut, &header, &needed))
            g_assert_cmpuint (needed, >, cut);
          g_assert_cmpint (header.width, >=, 0);
          g_assert_cmpint (header.height, >=, 0);
        }

      /* Noise after the signature. */
      for (guint round = 0; round < 200; round++)
        {
          g_autofree guint8 *noisy = g_memdup2 (data, length);
          HaulImageHeader header;
          gsize needed = 0;

          for (gsize k = 12; k < length; k++)
            if (g_test_rand_int_range (0, 8) == 0)
              noisy[k] = g_test_rand_int_range (0, 256);
          haul_image_header_read (types[i], noisy, length, &header, &needed);
        }

      g_bytes_unref (images[i]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/image-header/formats", test_header_formats);
  g_test_add_func ("/image-header/exif", test_header_exif);
  g_test_add_func ("/image-header/truncated", test_header_truncated);

  return g_test_run ();
}
