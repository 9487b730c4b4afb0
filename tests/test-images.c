/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "test-images.h"

GBytes *
test_image_gzip (const char *text,
                 gsize       length)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (out, text, length, NULL, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);

  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

GBytes *
test_image_read (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "images", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  return g_bytes_new_take (contents, length);
}

gboolean
test_image_can_write (const char *format_name)
{
  g_autoptr(GSList) formats = gdk_pixbuf_get_formats ();

  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_autofree char *name = gdk_pixbuf_format_get_name (l->data);

      if (g_str_equal (name, format_name) && gdk_pixbuf_format_is_writable (l->data))
        return TRUE;
    }

  return FALSE;
}

GBytes *
test_image_save (GdkPixbuf  *pixbuf,
                 const char *format)
{
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize length = 0;

  if (g_str_equal (format, "jpeg"))
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, format, &error, "quality", "95", NULL);
  else
    gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &length, format, &error, NULL);
  g_assert_no_error (error);

  return g_bytes_new_take (buffer, length);
}

GdkPixbuf *
test_image_quadrants (int width,
                      int height)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  static const guint32 colours[] = { 0xff0000ff, 0x00ff00ff, 0x0000ffff, 0xffffffff };

  for (int q = 0; q < 4; q++)
    {
      g_autoptr(GdkPixbuf) part = gdk_pixbuf_new_subpixbuf (pixbuf, (q % 2) * (width / 2), (q / 2) * (height / 2),
                                                            width / 2, height / 2);

      gdk_pixbuf_fill (part, colours[q]);
    }

  return pixbuf;
}

static void
append_be16 (GByteArray *array,
             guint16     value)
{
  guint8 bytes[2] = { value >> 8, value & 0xff };

  g_byte_array_append (array, bytes, 2);
}

static void
append_be32 (GByteArray *array,
             guint32     value)
{
  guint8 bytes[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (array, bytes, 4);
}

static void
append_le32 (GByteArray *array,
             guint32     value)
{
  guint8 bytes[4] = { value, value >> 8, value >> 16, value >> 24 };

  g_byte_array_append (array, bytes, 4);
}

static void
append (GByteArray *array,
        const char *bytes,
        gsize       length)
{
  g_byte_array_append (array, (const guint8 *)bytes, length);
}

GBytes *
test_image_exif_jpeg (int   width,
                      int   height,
                      guint orientation)
{
  g_autoptr(GdkPixbuf) pixbuf = test_image_quadrants (width, height);
  g_autoptr(GBytes) plain = test_image_save (pixbuf, "jpeg");
  const guint8 *data = g_bytes_get_data (plain, NULL);
  GByteArray *jpeg = g_byte_array_new ();

  g_byte_array_append (jpeg, data, 2);                  /* SOI */
  if (orientation > 0)
    {
      /* APP1: Exif, a big-endian TIFF header and one directory entry. */
      append (jpeg, "\xff\xe1", 2);
      append_be16 (jpeg, 2 + 6 + 8 + 2 + 12 + 4);
      append (jpeg, "Exif\0\0MM\0*\0\0\0\x08", 14);
      append_be16 (jpeg, 1);
      append (jpeg, "\x01\x12\0\x03\0\0\0\x01", 8);   /* Orientation, SHORT, 1 */
      append_be16 (jpeg, orientation);
      append_be16 (jpeg, 0);
      append_be32 (jpeg, 0);                            /* no next directory */
    }
  g_byte_array_append (jpeg, data + 2, g_bytes_get_size (plain) - 2);

  return g_byte_array_free_to_bytes (jpeg);
}

static guint32
crc32_update (guint32       crc,
              const guint8 *data,
              gsize         length)
{
  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
  return ~crc;
}

static void
append_png_chunk (GByteArray   *png,
                  const char   *type,
                  const guint8 *data,
                  gsize         length)
{
  guint32 crc;

  append_be32 (png, length);
  append (png, type, 4);
  if (length > 0)
    g_byte_array_append (png, data, length);
  crc = crc32_update (0, (const guint8 *)type, 4);
  crc = crc32_update (crc, data, length);
  append_be32 (png, crc);
}

GByteArray *
test_image_png_bomb (guint32 size)
{
  GByteArray *png = g_byte_array_new ();
  guint8 ihdr[13] = {
    size >> 24, size >> 16, size >> 8, size,
    size >> 24, size >> 16, size >> 8, size,
    8, 2, 0, 0, 0,  /* 8-bit RGB, deflate, no filter, no interlace */
  };
  /* zlib: the start of a row of zeros, then nothing more. */
  static const guint8 idat[] = { 0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00 };

  append (png, "\x89PNG\r\n\x1a\n", 8);
  append_png_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_png_chunk (png, "IDAT", idat, sizeof idat);
  append_png_chunk (png, "IEND", NULL, 0);

  return png;
}

/* Wraps @content in a box of @type. */
static void
append_box (GByteArray *array,
            const char *type,
            GByteArray *content)
{
  append_be32 (array, 8 + content->len);
  append (array, type, 4);
  g_byte_array_append (array, content->data, content->len);
}

GBytes *
test_image_iso (const char *brand,
                guint32     width,
                guint32     height,
                guint       irot)
{
  GByteArray *file = g_byte_array_new ();
  g_autoptr(GByteArray) ftyp = g_byte_array_new ();
  g_autoptr(GByteArray) meta = g_byte_array_new ();
  g_autoptr(GByteArray) hdlr = g_byte_array_new ();
  g_autoptr(GByteArray) pitm = g_byte_array_new ();
  g_autoptr(GByteArray) iprp = g_byte_array_new ();
  g_autoptr(GByteArray) ipco = g_byte_array_new ();
  g_autoptr(GByteArray) ispe = g_byte_array_new ();
  g_autoptr(GByteArray) tile = g_byte_array_new ();
  g_autoptr(GByteArray) rot = g_byte_array_new ();
  g_autoptr(GByteArray) ipma = g_byte_array_new ();
  g_autoptr(GByteArray) mdat = g_byte_array_new ();

  append (ftyp, brand, 4);
  append_be32 (ftyp, 0);
  append (ftyp, brand, 4);
  append (ftyp, "mif1miaf", 8);
  append_box (file, "ftyp", ftyp);

  append (hdlr, "\0\0\0\0\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0", 25);
  append (pitm, "\0\0\0\0\0\x02", 6);                   /* item 2 */

  /* Item 1, a tile, has an extent of its own; item 2 is the image. */
  append (tile, "\0\0\0\0", 4);
  append_be32 (tile, 64);
  append_be32 (tile, 64);
  append_box (ipco, "ispe", tile);
  append (ispe, "\0\0\0\0", 4);
  append_be32 (ispe, width);
  append_be32 (ispe, height);
  append_box (ipco, "ispe", ispe);
  g_byte_array_append (rot, (guint8[]) { irot & 3 }, 1);
  append_box (ipco, "irot", rot);

  append (ipma, "\0\0\0\0\0\0\0\x02", 8);
  append (ipma, "\0\x01\x01\x81", 4);                   /* item 1: property 1 */
  append (ipma, "\0\x02\x02\x02\x83", 5);               /* item 2: properties 2, 3 */

  append_box (iprp, "ipco", ipco);
  append_box (iprp, "ipma", ipma);

  append (meta, "\0\0\0\0", 4);
  append_box (meta, "hdlr", hdlr);
  append_box (meta, "pitm", pitm);
  append_box (meta, "iprp", iprp);
  append_box (file, "meta", meta);

  append (mdat, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
  append_box (file, "mdat", mdat);

  return g_byte_array_free_to_bytes (file);
}

GBytes *
test_image_patch_ispe (GBytes  *image,
                       guint32  width,
                       guint32  height)
{
  gsize length = g_bytes_get_size (image);
  guint8 *data = g_memdup2 (g_bytes_get_data (image, NULL), length);
  guint patched = 0;

  for (gsize i = 0; i + 16 <= length; i++)
    {
      if (memcmp (data + i, "ispe", 4) == 0)
        {
          guint8 size[8] = { width >> 24, width >> 16, width >> 8, width,
                             height >> 24, height >> 16, height >> 8, height };

          memcpy (data + i + 8, size, 8);
          patched++;
        }
    }
  g_assert_cmpuint (patched, >, 0);

  return g_bytes_new_take (data, length);
}

/* Bits least significant first, as JPEG XL writes them. */
typedef struct
{
  guint8 bytes[32];
  guint  bit;
} BitWriter;

static void
put_bits (BitWriter *writer,
          guint32    value,
          guint      n)
{
  for (guint i = 0; i < n; i++, writer->bit++)
    {
      if (value & (1u << i))
        writer->bytes[writer->bit / 8] |= 1u << (writer->bit % 8);
    }
}

static void
put_jxl_dimension (BitWriter *writer,
                   guint32    value)
{
  static const guint widths[] = { 9, 13, 18, 30 };
  guint selector = 0;

  while (selector < 3 && value - 1 >= (1u << widths[selector]))
    selector++;
  put_bits (writer, selector, 2);
  put_bits (writer, value - 1, widths[selector]);
}

GBytes *
test_image_jxl (guint32  width,
                guint32  height,
                guint    orientation,
                gboolean container)
{
  BitWriter writer = { { 0 }, 0 };
  GByteArray *file = g_byte_array_new ();

  put_bits (&writer, 0, 1);                     /* not a multiple of 8 */
  put_jxl_dimension (&writer, height);
  put_bits (&writer, 0, 3);                     /* no ratio: the width follows */
  put_jxl_dimension (&writer, width);
  if (orientation <= 1)
    put_bits (&writer, 1, 1);                   /* all default */
  else
    {
      put_bits (&writer, 0, 1);
      put_bits (&writer, 1, 1);                 /* extra fields */
      put_bits (&writer, orientation - 1, 3);
      put_bits (&writer, 0, 3);                 /* no intrinsic size, preview, animation */
    }

  if (container)
    {
      append (file, "\0\0\0\x0cJXL \r\n\x87\n", 12);
      append (file, "\0\0\0\x14" "ftypjxl \0\0\0\0jxl ", 20);
      append_be32 (file, 8 + 2 + sizeof writer.bytes);
      append (file, "jxlc", 4);
    }
  append (file, "\xff\x0a", 2);
  g_byte_array_append (file, writer.bytes, sizeof writer.bytes);

  return g_byte_array_free_to_bytes (file);
}

GBytes *
test_image_gif_header (guint16 width,
                       guint16 height)
{
  GByteArray *gif = g_byte_array_new ();
  const guint8 size[4] = { width & 0xff, width >> 8, height & 0xff, height >> 8 };
  static const guint8 rest[] = {
    0x80, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
  };
  static const guint8 frame[] = {
    0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
  };

  append (gif, "GIF89a", 6);
  g_byte_array_append (gif, size, 4);
  g_byte_array_append (gif, rest, sizeof rest);
  g_byte_array_append (gif, frame, sizeof frame);

  return g_byte_array_free_to_bytes (gif);
}

GBytes *
test_image_gif_animation (guint frames)
{
  static const guint8 head[] = {
    'G', 'I', 'F', '8', '9', 'a', 0xe8, 0x03, 0xe8, 0x03, 0x80, 0x00, 0x00,
    0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
    '!', 0xff, 11, 'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0', 3, 1, 0, 0, 0,
  };
  static const guint8 frame[] = {
    '!', 0xf9, 4, 0, 10, 0, 0, 0,
    0x2c, 0x00, 0x00, 0x00, 0x00, 0xe8, 0x03, 0xe8, 0x03, 0x00,
    0x02, 0x02, 0x44, 0x01, 0x00,
  };
  GByteArray *gif = g_byte_array_new ();

  g_byte_array_append (gif, head, sizeof head);
  for (guint i = 0; i < frames; i++)
    g_byte_array_append (gif, frame, sizeof frame);
  append (gif, ";", 1);

  return g_byte_array_free_to_bytes (gif);
}

GBytes *
test_image_webp_extended (guint32  width,
                          guint32  height,
                          gboolean animated)
{
  GByteArray *webp = g_byte_array_new ();
  guint8 canvas[6] = {
    (width - 1) & 0xff, ((width - 1) >> 8) & 0xff, ((width - 1) >> 16) & 0xff,
    (height - 1) & 0xff, ((height - 1) >> 8) & 0xff, ((height - 1) >> 16) & 0xff,
  };
  guint32 riff;

  append (webp, "RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0", 20);
  g_byte_array_append (webp, (guint8[]) { animated ? 0x02 : 0, 0, 0, 0 }, 4);
  g_byte_array_append (webp, canvas, sizeof canvas);
  if (animated)
    {
      append (webp, "ANIM\x06\0\0\0\0\0\0\0\0\0", 14);
      for (guint i = 0; i < 2; i++)
        {
          append (webp, "ANMF\x11\0\0\0", 8);
          append (webp, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 18);   /* 17, padded */
        }
    }

  riff = webp->len - 8;
  memcpy (webp->data + 4, (guint8[]) { riff, riff >> 8, riff >> 16, riff >> 24 }, 4);

  return g_byte_array_free_to_bytes (webp);
}

/* The only entry of an icon gdk-pixbuf writes for @size × @size of @rgba. */
static GBytes *
bitmap_entry (int      size,
              guint32  rgba)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, size, size);
  g_autoptr(GBytes) ico = NULL;
  gsize length;

  gdk_pixbuf_fill (pixbuf, rgba);
  ico = test_image_save (pixbuf, "ico");
  length = g_bytes_get_size (ico);
  g_assert_cmpuint (length, >, 22);

  return g_bytes_new_from_bytes (ico, 22, length - 22);
}

GBytes *
test_image_ico (void)
{
  g_autoptr(GdkPixbuf) large = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 256, 256);
  GBytes *entries[3];
  const guint8 sizes[3] = { 16, 48, 0 };
  GByteArray *ico = g_byte_array_new ();
  guint32 offset = 6 + 16 * G_N_ELEMENTS (entries);

  gdk_pixbuf_fill (large, 0x0000ffff);
  entries[0] = bitmap_entry (16, 0x808080ff);
  entries[1] = bitmap_entry (48, 0x00ff00ff);
  entries[2] = test_image_save (large, "png");

  append (ico, "\0\0\1\0\3\0", 6);
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_byte_array_append (ico, (guint8[]) { sizes[i], sizes[i], 0, 0, 1, 0, 32, 0 }, 8);
      append_le32 (ico, g_bytes_get_size (entries[i]));
      append_le32 (ico, offset);
      offset += g_bytes_get_size (entries[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_byte_array_append (ico, g_bytes_get_data (entries[i], NULL), g_bytes_get_size (entries[i]));
      g_bytes_unref (entries[i]);
    }

  return g_byte_array_free_to_bytes (ico);
}
