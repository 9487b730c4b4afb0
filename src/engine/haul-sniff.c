/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "haul-sniff.h"

/* How far into a body an SVG's root element may start: room for an XML
 * prolog, a doctype and an editor's comments, bounded so that sniffing stays
 * cheap whatever the caller hands in. */
#define SVG_SCAN_LIMIT 4096

static gboolean
has_prefix (const guint8 *data,
            gsize         length,
            const char   *magic,
            gsize         magic_length)
{
  return length >= magic_length && memcmp (data, magic, magic_length) == 0;
}

static gboolean
is_png (const guint8 *data,
        gsize         length)
{
  return has_prefix (data, length, "\x89PNG\r\n\x1a\n", 8);
}

static gboolean
is_jpeg (const guint8 *data,
         gsize         length)
{
  return has_prefix (data, length, "\xff\xd8\xff", 3);
}

static gboolean
is_gif (const guint8 *data,
        gsize         length)
{
  return has_prefix (data, length, "GIF87a", 6) || has_prefix (data, length, "GIF89a", 6);
}

static gboolean
is_webp (const guint8 *data,
         gsize         length)
{
  return length >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0;
}

/* Whether an ISO base media file's ftyp box names one of @brands as its
 * major brand or among its compatible brands. */
static gboolean
has_brand (const guint8      *data,
           gsize              length,
           const char *const *brands)
{
  guint32 box_size;

  if (length < 16 || memcmp (data + 4, "ftyp", 4) != 0)
    return FALSE;

  box_size = ((guint32)data[0] << 24) | ((guint32)data[1] << 16) | ((guint32)data[2] << 8) | data[3];
  if (box_size < 16)
    return FALSE;

  /* Compatible brands follow the major brand and its minor version. */
  for (gsize offset = 8; offset + 4 <= box_size && offset + 4 <= length; offset += offset == 8 ? 8 : 4)
    {
      for (gsize i = 0; brands[i] != NULL; i++)
        {
          if (memcmp (data + offset, brands[i], 4) == 0)
            return TRUE;
        }
    }

  return FALSE;
}

/* AVIF first: its files name the generic HEIF brands too. */
static const char *
iso_image_type (const guint8 *data,
                gsize         length)
{
  static const char *const avif[] = { "avif", "avis", NULL };
  static const char *const heic[] = { "heic", "heix", "heim", "heis", "hevc", "hevx", NULL };
  static const char *const heif[] = { "mif1", "msf1", NULL };

  if (has_brand (data, length, avif))
    return "image/avif";
  if (has_brand (data, length, heic))
    return "image/heic";
  if (has_brand (data, length, heif))
    return "image/heif";

  return NULL;
}

/* A bare codestream, or the container's signature box. */
static gboolean
is_jxl (const guint8 *data,
        gsize         length)
{
  return has_prefix (data, length, "\xff\x0a", 2)
         || has_prefix (data, length, "\0\0\0\x0cJXL \r\n\x87\n", 12);
}

/* "BM" alone starts plenty of text; the DIB header that follows has one of
 * a handful of sizes. */
static gboolean
is_bmp (const guint8 *data,
        gsize         length)
{
  guint32 dib_size;

  if (length < 18 || data[0] != 'B' || data[1] != 'M')
    return FALSE;

  dib_size = data[14] | ((guint32)data[15] << 8) | ((guint32)data[16] << 16) | ((guint32)data[17] << 24);

  switch (dib_size)
    {
    case 12: case 16: case 40: case 52: case 56: case 64: case 108: case 124:
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
is_tiff (const guint8 *data,
         gsize         length)
{
  return has_prefix (data, length, "II*\0", 4) || has_prefix (data, length, "MM\0*", 4);
}

/* Reserved 0, type 1 (2 would be a cursor), at least one image, and the
 * first directory entry's reserved byte 0. */
static gboolean
is_ico (const guint8 *data,
        gsize         length)
{
  guint count;

  if (length < 6 || !has_prefix (data, length, "\0\0\1\0", 4))
    return FALSE;

  count = data[4] | ((guint)data[5] << 8);
  if (count == 0)
    return FALSE;

  if (length >= 6 + 16 && data[6 + 3] != 0)
    return FALSE;

  return TRUE;
}

static gboolean
is_xml_space (guint8 c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips past @end (a short string) from @pos; FALSE if it never comes. */
static gboolean
skip_past (const guint8 *data,
           gsize         length,
           gsize        *pos,
           const char   *end)
{
  gsize end_length = strlen (end);

  for (gsize i = *pos; i + end_length <= length; i++)
    {
      if (memcmp (data + i, end, end_length) == 0)
        {
          *pos = i + end_length;
          return TRUE;
        }
    }

  return FALSE;
}

/* Skips a doctype, which may carry an internal subset in brackets whose
 * declarations contain '>'. */
static gboolean
skip_doctype (const guint8 *data,
              gsize         length,
              gsize        *pos)
{
  int depth = 0;
  char quote = 0;

  for (gsize i = *pos; i < length; i++)
    {
      guint8 c = data[i];

      if (quote != 0)
        {
          if (c == quote)
            quote = 0;
        }
      else if (c == '"' || c == '\'')
        quote = c;
      else if (c == '[')
        depth++;
      else if (c == ']' && depth > 0)
        depth--;
      else if (c == '>' && depth == 0)
        {
          *pos = i + 1;
          return TRUE;
        }
    }

  return FALSE;
}

/* Plain (not gzipped) SVG: optional byte order mark, then only white space,
 * the XML declaration, processing instructions, comments and a doctype
 * before the root element, which must be <svg. An HTML page that embeds an
 * SVG further down is not one. */
static gboolean
is_svg (const guint8 *data,
        gsize         length)
{
  gsize pos = 0;

  length = MIN (length, SVG_SCAN_LIMIT);

  if (has_prefix (data, length, "\xef\xbb\xbf", 3))
    pos = 3;

  while (pos < length)
    {
      if (is_xml_space (data[pos]))
        {
          pos++;
          continue;
        }

      if (data[pos] != '<')
        return FALSE;

      if (has_prefix (data + pos, length - pos, "<?", 2))
        {
          if (!skip_past (data, length, &pos, "?>"))
            return FALSE;
        }
      else if (has_prefix (data + pos, length - pos, "<!--", 4))
        {
          pos += 4;
          if (!skip_past (data, length, &pos, "-->"))
            return FALSE;
        }
      else if (length - pos >= 9 && g_ascii_strncasecmp ((const char *)data + pos, "<!DOCTYPE", 9) == 0)
        {
          pos += 9;
          if (!skip_doctype (data, length, &pos))
            return FALSE;
        }
      else if (has_prefix (data + pos, length - pos, "<svg", 4))
        {
          guint8 next;

          /* "<svg" alone at the very end is not yet a root element. */
          if (pos + 4 >= length)
            return FALSE;

          next = data[pos + 4];
          return is_xml_space (next) || next == '>' || next == '/';
        }
      else
        return FALSE;
    }

  return FALSE;
}

/* Gzip whose first inflated bytes are an SVG. Only as much as the
 * scan limit is inflated, from whatever part of the stream is here. */
static gboolean
is_svgz (const guint8 *data,
         gsize         length)
{
  g_autoptr(GConverter) inflater = NULL;
  g_autofree guint8 *text = NULL;
  gsize read_total = 0;
  gsize written_total = 0;

  if (!has_prefix (data, length, "\x1f\x8b\x08", 3))
    return FALSE;

  inflater = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  text = g_malloc (SVG_SCAN_LIMIT);

  while (read_total < length && written_total < SVG_SCAN_LIMIT)
    {
      gsize bytes_read = 0;
      gsize bytes_written = 0;
      GConverterResult result;

      result = g_converter_convert (inflater, data + read_total, length - read_total,
                                    text + written_total, SVG_SCAN_LIMIT - written_total,
                                    G_CONVERTER_NO_FLAGS, &bytes_read, &bytes_written, NULL);
      read_total += bytes_read;
      written_total += bytes_written;
      if (result == G_CONVERTER_ERROR || result == G_CONVERTER_FINISHED
          || (bytes_read == 0 && bytes_written == 0))
        break;
    }

  return is_svg (text, written_total);
}

/**
 * haul_sniff_image_type:
 * @data: (array length=length): the first bytes of a body
 * @length: how many bytes @data holds
 *
 * Recognises an image from its first bytes. SVG is recognised when its root
 * element starts within the first 4096 bytes, also once inflated from gzip.
 *
 * Returns: (nullable): a static MIME type such as "image/png", or %NULL
 */
const char *
haul_sniff_image_type (const guint8 *data,
                       gsize         length)
{
  const char *type;

  if (data == NULL || length == 0)
    return NULL;

  if (is_png (data, length))
    return "image/png";
  if (is_jpeg (data, length))
    return "image/jpeg";
  if (is_gif (data, length))
    return "image/gif";
  if (is_webp (data, length))
    return "image/webp";
  if ((type = iso_image_type (data, length)) != NULL)
    return type;
  if (is_jxl (data, length))
    return "image/jxl";
  if (is_bmp (data, length))
    return "image/bmp";
  if (is_tiff (data, length))
    return "image/tiff";
  if (is_ico (data, length))
    return "image/vnd.microsoft.icon";
  if (is_svg (data, length))
    return "image/svg+xml";
  if (is_svgz (data, length))
    return "image/svg+xml-compressed";

  return NULL;
}

typedef struct
{
  const char *type;
  const char *extension;
} TypeExtension;

static const TypeExtension type_extensions[] = {
  { "image/png", "png" },
  { "image/apng", "png" },
  { "image/x-png", "png" },
  { "image/jpeg", "jpg" },
  { "image/jpg", "jpg" },
  { "image/pjpeg", "jpg" },
  { "image/gif", "gif" },
  { "image/webp", "webp" },
  { "image/avif", "avif" },
  { "image/avif-sequence", "avif" },
  { "image/heic", "heic" },
  { "image/heic-sequence", "heic" },
  { "image/heif", "heif" },
  { "image/heif-sequence", "heif" },
  { "image/jxl", "jxl" },
  { "image/bmp", "bmp" },
  { "image/x-bmp", "bmp" },
  { "image/x-ms-bmp", "bmp" },
  { "image/tiff", "tiff" },
  { "image/tiff-fx", "tiff" },
  { "image/svg+xml", "svg" },
  { "image/svg+xml-compressed", "svgz" },
  { "image/vnd.microsoft.icon", "ico" },
  { "image/x-icon", "ico" },
  { "image/ico", "ico" },
};

/* The media type of @content_type without parameters or surrounding white
 * space, lower-cased; NULL if nothing is left. */
static char *
bare_type (const char *content_type)
{
  const char *end;
  g_autofree char *type = NULL;

  if (content_type == NULL)
    return NULL;

  end = strchr (content_type, ';');
  if (end == NULL)
    end = content_type + strlen (content_type);

  type = g_ascii_strdown (content_type, end - content_type);
  g_strstrip (type);

  if (type[0] == '\0')
    return NULL;

  return g_steal_pointer (&type);
}

/**
 * haul_sniff_extension_for_type:
 * @content_type: (nullable): a Content-Type value, parameters allowed
 *
 * Returns: (nullable): a static extension without the dot, such as "png"
 *   for "image/png", or %NULL for anything that is not an image type we know
 */
const char *
haul_sniff_extension_for_type (const char *content_type)
{
  g_autofree char *type = bare_type (content_type);

  if (type == NULL)
    return NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (type_extensions); i++)
    {
      if (strcmp (type, type_extensions[i].type) == 0)
        return type_extensions[i].extension;
    }

  return NULL;
}

/**
 * haul_sniff_is_image_type:
 * @content_type: (nullable): a Content-Type value, parameters allowed
 *
 * Returns: %TRUE when @content_type is an image/ type with a subtype
 */
gboolean
haul_sniff_is_image_type (const char *content_type)
{
  g_autofree char *type = bare_type (content_type);

  return type != NULL && g_str_has_prefix (type, "image/") && type[strlen ("image/")] != '\0';
}
