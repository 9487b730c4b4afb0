/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "haul-sniff.h"
#include "test-images.h"

typedef struct
{
  const char *what;
  const char *data;
  gsize       length;     /* 0: strlen (data) */
  const char *expected;   /* NULL: not an image */
} MagicCase;

#define BYTES(s) s, sizeof (s) - 1

static const MagicCase magic_cases[] = {
  { "png", BYTES ("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png" },
  { "png signature only", BYTES ("\x89PNG\r\n\x1a\n"), "image/png" },
  { "png truncated signature", BYTES ("\x89PNG\r\n\x1a"), NULL },
  { "png wrong byte", BYTES ("\x89PNG\r\n\x1a\r"), NULL },
  { "png as text", BYTES ("PNG image"), NULL },
  { "jpeg jfif", BYTES ("\xff\xd8\xff\xe0\0\x10JFIF"), "image/jpeg" },
  { "jpeg exif", BYTES ("\xff\xd8\xff\xe1\0\x10" "Exif"), "image/jpeg" },
  { "jpeg two bytes", BYTES ("\xff\xd8"), NULL },
  { "jpeg near miss", BYTES ("\xff\xd8\xfe\xe0"), NULL },
  { "gif87a", BYTES ("GIF87a\x01\0\x01\0"), "image/gif" },
  { "gif89a", BYTES ("GIF89a\x01\0\x01\0"), "image/gif" },
  { "gif unknown version", BYTES ("GIF88a\x01\0\x01\0"), NULL },
  { "gif short", BYTES ("GIF8"), NULL },
  { "webp", BYTES ("RIFF\x24\0\0\0WEBPVP8 "), "image/webp" },
  { "riff wave", BYTES ("RIFF\x24\0\0\0WAVEfmt "), NULL },
  { "riff avi", BYTES ("RIFF\x24\0\0\0" "AVI LIST"), NULL },
  { "webp short", BYTES ("RIFF\x24\0\0\0WEB"), NULL },
  { "avif major", BYTES ("\0\0\0\x1c" "ftypavif\0\0\0\0avifmif1miaf"), "image/avif" },
  { "avis major", BYTES ("\0\0\0\x1c" "ftypavis\0\0\0\0avismif1miaf"), "image/avif" },
  { "avif compatible", BYTES ("\0\0\0\x18" "ftypmif1\0\0\0\0mif1avif"), "image/avif" },
  { "heic", BYTES ("\0\0\0\x18" "ftypheic\0\0\0\0mif1heic"), "image/heic" },
  { "heix", BYTES ("\0\0\0\x18" "ftypheix\0\0\0\0mif1heix"), "image/heic" },
  { "heic compatible", BYTES ("\0\0\0\x18" "ftypmif1\0\0\0\0mif1heic"), "image/heic" },
  { "hevc sequence", BYTES ("\0\0\0\x18" "ftyphevc\0\0\0\0msf1hevc"), "image/heic" },
  { "heif mif1", BYTES ("\0\0\0\x14" "ftypmif1\0\0\0\0mif1"), "image/heif" },
  { "heif msf1", BYTES ("\0\0\0\x14" "ftypmsf1\0\0\0\0msf1"), "image/heif" },
  { "avif naming mif1 too", BYTES ("\0\0\0\x18" "ftypmif1\0\0\0\0miafavif"), "image/avif" },
  { "heic brand beyond the box", BYTES ("\0\0\0\x10" "ftypisom\0\0\0\0heic"), NULL },
  { "heic minor version is not a brand", BYTES ("\0\0\0\x14" "ftypisomheicisom"), NULL },
  { "jxl codestream", BYTES ("\xff\x0a\xc7\x41\x42\x71\x21\0"), "image/jxl" },
  { "jxl container", BYTES ("\0\0\0\x0cJXL \r\n\x87\n\0\0\0\x14" "ftypjxl "), "image/jxl" },
  { "jxl container near miss", BYTES ("\0\0\0\x0cJXL \r\n\x87\x0b"), NULL },
  { "jxl one byte", BYTES ("\xff"), NULL },
  { "mp4", BYTES ("\0\0\0\x18" "ftypisom\0\0\0\0isomiso2"), NULL },
  { "avif brand beyond the box", BYTES ("\0\0\0\x10" "ftypmif1\0\0\0\0avif"), "image/heif" },
  { "ftyp too short", BYTES ("\0\0\0\x1c" "ftypavi"), NULL },
  { "bmp v3", BYTES ("BM\x46\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"), "image/bmp" },
  { "bmp v5", BYTES ("BM\x46\0\0\0\0\0\0\0\x7a\0\0\0\x7c\0\0\0"), "image/bmp" },
  { "bmp core", BYTES ("BM\x46\0\0\0\0\0\0\0\x1a\0\0\0\x0c\0\0\0"), "image/bmp" },
  { "bm text", BYTES ("BMW is a car maker, not a bitmap"), NULL },
  { "bm short", BYTES ("BM\x46\0\0\0"), NULL },
  { "tiff little endian", BYTES ("II*\0\x08\0\0\0"), "image/tiff" },
  { "tiff big endian", BYTES ("MM\0*\0\0\0\x08"), "image/tiff" },
  { "bigtiff", BYTES ("II+\0\x08\0\0\0"), NULL },
  { "tiff mixed order", BYTES ("IM\0*\0\0\0\x08"), NULL },
  { "ico", BYTES ("\0\0\1\0\1\0\x10\x10\0\0\1\0\x20\0\x68\x04\0\0\x16\0\0\0"), "image/vnd.microsoft.icon" },
  { "ico header only", BYTES ("\0\0\1\0\2\0"), "image/vnd.microsoft.icon" },
  { "cur", BYTES ("\0\0\2\0\1\0\x10\x10\0\0\1\0\x20\0\x68\x04\0\0\x16\0\0\0"), NULL },
  { "ico no images", BYTES ("\0\0\1\0\0\0"), NULL },
  { "ico bad entry", BYTES ("\0\0\1\0\1\0\x10\x10\0\x07\1\0\x20\0\x68\x04\0\0\x16\0\0\0"), NULL },
  { "svg bare", BYTES ("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "image/svg+xml" },
  { "svg prolog", BYTES ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg width=\"1\"/>"), "image/svg+xml" },
  { "svg bom", BYTES ("\xef\xbb\xbf<svg>"), "image/svg+xml" },
  { "svg everything",
    BYTES ("<?xml version=\"1.0\"?>\r\n<!-- Created with an editor > -->\n"
           "<?xml-stylesheet href=\"a.css\"?>\n"
           "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\" "
           "[ <!ENTITY e \"<b>\"> ]>\n  <svg\n version=\"1.1\">"),
    "image/svg+xml" },
  { "svg lower-case doctype", BYTES ("<!doctype svg><svg>"), "image/svg+xml" },
  { "html", BYTES ("<!DOCTYPE html>\n<html><body><svg></svg></body></html>"), NULL },
  { "html without doctype", BYTES ("<html><svg></svg></html>"), NULL },
  { "xml other root", BYTES ("<?xml version=\"1.0\"?><feed><svg/></feed>"), NULL },
  { "svg text first", BYTES ("hello <svg>"), NULL },
  { "gzip header only", BYTES ("\x1f\x8b\x08\0\0\0\0\0\0\x03"), NULL },
  { "svgelement", BYTES ("<svgfoo>"), NULL },
  { "svg cut before the end", BYTES ("<svg"), NULL },
  { "svg unterminated comment", BYTES ("<!-- <svg>"), NULL },
  { "svg unterminated prolog", BYTES ("<?xml <svg>"), NULL },
  { "empty", "", 0, NULL },
  { "text", BYTES ("Not Found"), NULL },
  { "json", BYTES ("{\"error\": \"nope\"}"), NULL },
  { "pdf", BYTES ("%PDF-1.7\n"), NULL },
  { "zip", BYTES ("PK\x03\x04"), NULL },
};

static void
test_sniff_magic (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (magic_cases); i++)
    {
      const MagicCase *c = &magic_cases[i];
      /* A copy of exactly the given length, so that reading past it is caught. */
      g_autofree guint8 *copy = g_memdup2 (c->data, c->length);
      const char *type = haul_sniff_image_type (copy, c->length);

      g_test_message ("%s", c->what);
      g_assert_cmpstr (type, ==, c->expected);
    }

  g_assert_null (haul_sniff_image_type (NULL, 0));
}

static void
test_sniff_svg_limit (void)
{
  g_autoptr(GString) svg = g_string_new ("<?xml version=\"1.0\"?>");
  g_autoptr(GString) far = NULL;

  /* Long editor comments are still fine... */
  g_string_append (svg, "<!-- ");
  for (guint i = 0; i < 300; i++)
    g_string_append_c (svg, 'x');
  g_string_append (svg, " --><svg>");
  g_assert_cmpstr (haul_sniff_image_type ((const guint8 *)svg->str, svg->len), ==, "image/svg+xml");

  /* ...but only within the scanned bytes. */
  far = g_string_new ("<!--");
  for (guint i = 0; i < 8192; i++)
    g_string_append_c (far, ' ');
  g_string_append (far, "--><svg>");
  g_assert_null (haul_sniff_image_type ((const guint8 *)far->str, far->len));
}

static void
test_sniff_prefix_is_enough (void)
{
  /* The sniffer sees only the first bytes: a long body must not matter. */
  g_autofree guint8 *body = g_malloc0 (1 << 16);

  memcpy (body, "GIF89a", 6);
  g_assert_cmpstr (haul_sniff_image_type (body, 1 << 16), ==, "image/gif");
  g_assert_cmpstr (haul_sniff_image_type (body, HAUL_SNIFF_LENGTH), ==, "image/gif");
}

/* Gzip is an SVG only when what it inflates to is one. */
static void
test_sniff_svgz (void)
{
  g_autoptr(GString) svg = g_string_new ("<?xml version=\"1.0\"?>\n<!-- ");
  g_autoptr(GBytes) svgz = NULL;
  g_autoptr(GBytes) html = NULL;
  g_autoptr(GBytes) text = NULL;
  const guint8 *data;
  gsize length;

  /* A long comment compresses well: the root element is still seen. */
  for (guint i = 0; i < 2000; i++)
    g_string_append_c (svg, 'x');
  g_string_append (svg, " --><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>");
  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (svg, "<!-- %u -->", g_test_rand_int ());
  svgz = test_image_gzip (svg->str, svg->len);
  data = g_bytes_get_data (svgz, &length);

  g_assert_cmpuint (length, >, HAUL_SNIFF_LENGTH);
  g_assert_cmpstr (haul_sniff_image_type (data, length), ==, "image/svg+xml-compressed");
  g_assert_cmpstr (haul_sniff_image_type (data, HAUL_SNIFF_LENGTH), ==, "image/svg+xml-compressed");
  g_assert_cmpstr (haul_sniff_extension_for_type ("image/svg+xml-compressed"), ==, "svgz");
  /* Too little to inflate as far as the root element. */
  g_assert_null (haul_sniff_image_type (data, 12));

  html = test_image_gzip ("<!DOCTYPE html><html><svg></svg></html>", 40);
  data = g_bytes_get_data (html, &length);
  g_assert_null (haul_sniff_image_type (data, length));

  text = test_image_gzip ("plain text", 10);
  data = g_bytes_get_data (text, &length);
  g_assert_null (haul_sniff_image_type (data, length));

  /* Damaged after the gzip header. */
  {
    g_autofree guint8 *broken = g_memdup2 (g_bytes_get_data (svgz, NULL), 64);

    memset (broken + 10, 0xff, 54);
    g_assert_null (haul_sniff_image_type (broken, 64));
  }
}

typedef struct
{
  const char *content_type;
  const char *extension;
  gboolean    is_image;
} TypeCase;

static const TypeCase type_cases[] = {
  { "image/png", "png", TRUE },
  { "IMAGE/PNG", "png", TRUE },
  { "  image/png ; charset=binary", "png", TRUE },
  { "image/x-png", "png", TRUE },
  { "image/jpeg", "jpg", TRUE },
  { "image/jpg", "jpg", TRUE },
  { "image/pjpeg", "jpg", TRUE },
  { "image/gif", "gif", TRUE },
  { "image/webp", "webp", TRUE },
  { "image/avif", "avif", TRUE },
  { "image/bmp", "bmp", TRUE },
  { "image/x-ms-bmp", "bmp", TRUE },
  { "image/tiff", "tiff", TRUE },
  { "image/svg+xml", "svg", TRUE },
  { "image/svg+xml; charset=utf-8", "svg", TRUE },
  { "image/vnd.microsoft.icon", "ico", TRUE },
  { "image/x-icon", "ico", TRUE },
  { "image/heic", "heic", TRUE },
  { "image/heif", "heif", TRUE },
  { "image/jxl", "jxl", TRUE },
  { "image/svg+xml-compressed", "svgz", TRUE },
  { "image/x-portable-pixmap", NULL, TRUE },
  { "image/", NULL, FALSE },
  { "image", NULL, FALSE },
  { "text/html", NULL, FALSE },
  { "text/html; charset=utf-8", NULL, FALSE },
  { "application/octet-stream", NULL, FALSE },
  { "application/image/png", NULL, FALSE },
  { "imagex/png", NULL, FALSE },
  { "", NULL, FALSE },
  { ";", NULL, FALSE },
  { NULL, NULL, FALSE },
};

static void
test_sniff_content_type (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (type_cases); i++)
    {
      const TypeCase *c = &type_cases[i];

      g_test_message ("“%s”", c->content_type ? c->content_type : "(null)");
      g_assert_cmpstr (haul_sniff_extension_for_type (c->content_type), ==, c->extension);
      g_assert_cmpint (haul_sniff_is_image_type (c->content_type), ==, c->is_image);
    }
}

/* Every type the sniffer answers maps back to an extension. */
static void
test_sniff_types_have_extensions (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (magic_cases); i++)
    {
      const char *type = magic_cases[i].expected;

      if (type == NULL)
        continue;
      g_assert_nonnull (haul_sniff_extension_for_type (type));
      g_assert_true (haul_sniff_is_image_type (type));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sniff/magic", test_sniff_magic);
  g_test_add_func ("/sniff/svg-limit", test_sniff_svg_limit);
  g_test_add_func ("/sniff/svgz", test_sniff_svgz);
  g_test_add_func ("/sniff/prefix-is-enough", test_sniff_prefix_is_enough);
  g_test_add_func ("/sniff/content-type", test_sniff_content_type);
  g_test_add_func ("/sniff/types-have-extensions", test_sniff_types_have_extensions);

  return g_test_run ();
}
