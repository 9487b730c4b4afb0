/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-image-header.h"

/* The declared size is read here, from the format's own structure, so that
 * a bomb is refused before any decoder allocates for it: some loaders
 * (WebP, AVIF, HEIF, and every format once gdk-pixbuf hands decoding to a
 * sandboxed process) allocate whatever "size-prepared" answers. */

static guint16
be16 (const guint8 *p)
{
  return ((guint16)p[0] << 8) | p[1];
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

static guint64
be64 (const guint8 *p)
{
  return ((guint64)be32 (p) << 32) | be32 (p + 4);
}

static guint16
le16 (const guint8 *p)
{
  return p[0] | ((guint16)p[1] << 8);
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static int
to_int (guint64 value)
{
  return (int)MIN (value, (guint64)G_MAXINT);
}

/* Asks for @n bytes in all, or gives up on what lies beyond the limit. */
#define NEED(n)                                                 \
  G_STMT_START {                                                \
    guint64 need_ = (n);                                        \
    if (need_ > length)                                         \
      {                                                         \
        if (need_ > HAUL_IMAGE_HEADER_LIMIT)                    \
          return TRUE;                                          \
        *needed = (gsize)need_;                                 \
        return FALSE;                                           \
      }                                                         \
  } G_STMT_END

static void
set_size (HaulImageHeader *header,
          guint64          width,
          guint64          height,
          gboolean         turned)
{
  header->width = to_int (turned ? height : width);
  header->height = to_int (turned ? width : height);
}

/* Orientations 5 to 8 turn the image a quarter. */
static gboolean
is_turned (guint orientation)
{
  return orientation >= 5 && orientation <= 8;
}

static gboolean
read_png (const guint8    *data,
          gsize            length,
          HaulImageHeader *header,
          gsize           *needed)
{
  guint64 pos = 8;

  for (;;)
    {
      const guint8 *chunk;

      NEED (pos + 8);
      chunk = data + pos;

      if (memcmp (chunk + 4, "IHDR", 4) == 0)
        {
          NEED (pos + 16);
          set_size (header, be32 (chunk + 8), be32 (chunk + 12), FALSE);
        }
      else if (memcmp (chunk + 4, "acTL", 4) == 0)
        {
          /* An APNG says how many frames it has before the first. */
          NEED (pos + 12);
          header->frames = be32 (chunk + 8);
          header->animated = header->frames > 1;
        }
      else if (memcmp (chunk + 4, "IDAT", 4) == 0 || memcmp (chunk + 4, "IEND", 4) == 0)
        return TRUE;

      pos += 12 + (guint64)be32 (chunk);
    }
}

/* The first image file directory of a TIFF structure (a TIFF file, or the
 * Exif data in a JPEG): dimensions and orientation. */
static void
read_ifd0 (const guint8 *tiff,
           gsize         length,
           guint32      *width,
           guint32      *height,
           guint        *orientation)
{
  gboolean big_endian;
  guint32 ifd;
  guint count;

  if (length < 8)
    return;
  if (memcmp (tiff, "MM\0*", 4) == 0)
    big_endian = TRUE;
  else if (memcmp (tiff, "II*\0", 4) == 0)
    big_endian = FALSE;
  else
    return;

  ifd = big_endian ? be32 (tiff + 4) : le32 (tiff + 4);
  if ((guint64)ifd + 2 > length)
    return;
  count = big_endian ? be16 (tiff + ifd) : le16 (tiff + ifd);

  for (guint i = 0; i < count && (guint64)ifd + 2 + 12 * (i + 1) <= length; i++)
    {
      const guint8 *entry = tiff + ifd + 2 + 12 * i;
      guint tag = big_endian ? be16 (entry) : le16 (entry);
      guint type = big_endian ? be16 (entry + 2) : le16 (entry + 2);
      guint32 value;

      /* SHORT or LONG, held in the entry itself. */
      if (type == 3)
        value = big_endian ? be16 (entry + 8) : le16 (entry + 8);
      else if (type == 4)
        value = big_endian ? be32 (entry + 8) : le32 (entry + 8);
      else
        continue;

      if (tag == 256 && width != NULL)
        *width = value;
      else if (tag == 257 && height != NULL)
        *height = value;
      else if (tag == 274 && value >= 1 && value <= 8)
        *orientation = value;
    }
}

static gboolean
read_tiff (const guint8    *data,
           gsize            length,
           HaulImageHeader *header,
           gsize           *needed)
{
  gboolean big_endian;
  guint32 ifd;
  guint32 width = 0;
  guint32 height = 0;
  guint orientation = 1;

  NEED (8);
  big_endian = data[0] == 'M';
  ifd = big_endian ? be32 (data + 4) : le32 (data + 4);
  NEED ((guint64)ifd + 2);
  NEED ((guint64)ifd + 2 + 12 * (guint64)(big_endian ? be16 (data + ifd) : le16 (data + ifd)));

  read_ifd0 (data, length, &width, &height, &orientation);
  header->orientation = orientation;
  set_size (header, width, height, is_turned (orientation));
  return TRUE;
}

static gboolean
is_jpeg_frame (guint8 marker)
{
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

/* Segments up to the frame header; an Exif segment before it gives the
 * orientation, which gdk-pixbuf's loader reports but does not apply. */
static gboolean
read_jpeg (const guint8    *data,
           gsize            length,
           HaulImageHeader *header,
           gsize           *needed)
{
  guint64 pos = 2;

  for (;;)
    {
      guint8 marker;
      guint64 end;

      NEED (pos + 2);
      if (data[pos] != 0xff)
        return TRUE;
      marker = data[pos + 1];
      if (marker == 0xff)
        {
          pos++;                          /* fill byte */
          continue;
        }
      if (marker == 0xd8 || marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7))
        {
          pos += 2;
          continue;
        }
      if (marker == 0xd9 || marker == 0xda)
        return TRUE;

      NEED (pos + 4);
      end = pos + 2 + be16 (data + pos + 2);

      if (marker == 0xe1)
        {
          NEED (end);
          if (end >= pos + 10 && memcmp (data + pos + 4, "Exif\0\0", 6) == 0)
            read_ifd0 (data + pos + 10, end - pos - 10, NULL, NULL, &header->orientation);
        }
      else if (is_jpeg_frame (marker))
        {
          NEED (pos + 9);
          set_size (header, be16 (data + pos + 7), be16 (data + pos + 5),
                    is_turned (header->orientation));
          return TRUE;
        }

      pos = end;
    }
}

static gboolean
read_gif (const guint8    *data,
          gsize            length,
          HaulImageHeader *header,
          gsize           *needed)
{
  NEED (10);
  set_size (header, le16 (data + 6), le16 (data + 8), FALSE);
  return TRUE;
}

static gboolean
read_webp (const guint8    *data,
           gsize            length,
           HaulImageHeader *header,
           gsize           *needed)
{
  NEED (30);

  if (memcmp (data + 12, "VP8 ", 4) == 0 && memcmp (data + 23, "\x9d\x01\x2a", 3) == 0)
    set_size (header, le16 (data + 26) & 0x3fff, le16 (data + 28) & 0x3fff, FALSE);
  else if (memcmp (data + 12, "VP8L", 4) == 0 && data[20] == 0x2f)
    {
      guint32 bits = le32 (data + 21);

      set_size (header, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1, FALSE);
    }
  else if (memcmp (data + 12, "VP8X", 4) == 0)
    {
      set_size (header, (le16 (data + 24) | (guint32)data[26] << 16) + 1,
                (le16 (data + 27) | (guint32)data[29] << 16) + 1, FALSE);
      header->animated = (data[20] & 0x02) != 0;
    }

  return TRUE;
}

static gboolean
read_bmp (const guint8    *data,
          gsize            length,
          HaulImageHeader *header,
          gsize           *needed)
{
  NEED (26);

  if (le32 (data + 14) == 12)
    set_size (header, le16 (data + 18), le16 (data + 20), FALSE);
  else
    {
      gint32 width = (gint32)le32 (data + 18);
      gint32 height = (gint32)le32 (data + 22);

      /* A negative height is a top-down bitmap. */
      set_size (header, MAX (width, 0), height < 0 ? -(gint64)height : height, FALSE);
    }

  return TRUE;
}

/* The largest entry of an icon; a PNG one gives its own dimensions, which
 * the directory cannot state beyond 256. */
static gboolean
read_ico (const guint8    *data,
          gsize            length,
          HaulImageHeader *header,
          gsize           *needed)
{
  guint count;
  guint64 best_area = 0;
  const guint8 *part;

  NEED (6);
  count = le16 (data + 4);
  NEED (6 + 16 * (guint64)count);

  for (guint i = 0; i < count; i++)
    {
      const guint8 *entry = data + 6 + 16 * i;
      guint width = entry[0] ? entry[0] : 256;
      guint height = entry[1] ? entry[1] : 256;

      if ((guint64)width * height >= best_area)
        {
          best_area = (guint64)width * height;
          set_size (header, width, height, FALSE);
          header->part_length = le32 (entry + 8);
          header->part_offset = le32 (entry + 12);
        }
    }

  if (best_area == 0)
    return TRUE;

  NEED (header->part_offset + 24);
  part = data + header->part_offset;
  if (memcmp (part, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp (part + 12, "IHDR", 4) == 0)
    {
      header->part_is_png = TRUE;
      set_size (header, be32 (part + 16), be32 (part + 20), FALSE);
    }

  return TRUE;
}

/* One box of an ISO base media file among @length bytes from @pos. */
typedef struct
{
  const guint8 *content;
  guint64       content_length;
  guint64       end;
  char          type[4];
} Box;

static gboolean
next_box (const guint8 *data,
          guint64       length,
          guint64       pos,
          Box          *box)
{
  guint64 size;
  guint64 header = 8;

  if (pos + 8 > length)
    return FALSE;

  size = be32 (data + pos);
  memcpy (box->type, data + pos + 4, 4);
  if (size == 1)
    {
      if (pos + 16 > length)
        return FALSE;
      size = be64 (data + pos + 8);
      header = 16;
    }
  else if (size == 0)
    size = length - pos;

  if (size < header || size > length - pos)
    return FALSE;

  box->content = data + pos + header;
  box->content_length = size - header;
  box->end = pos + size;
  return TRUE;
}

static gboolean
is_box (const Box  *box,
        const char *type)
{
  return memcmp (box->type, type, 4) == 0;
}

/* The index-th (from 1) property box in an item property container. */
static gboolean
find_property (const Box *ipco,
               guint      index,
               Box       *property)
{
  guint64 pos = 0;

  for (guint i = 1; next_box (ipco->content, ipco->content_length, pos, property); i++)
    {
      if (i == index)
        return TRUE;
      pos = property->end;
    }

  return FALSE;
}

/* The primary item's spatial extent (ispe) and rotation (irot), found
 * through the property associations (ipma): a grid's tiles have
 * extents of their own. */
static void
read_item_properties (const Box       *ipco,
                      const Box       *ipma,
                      guint32          primary,
                      gboolean         has_primary,
                      HaulImageHeader *header)
{
  const guint8 *p = ipma->content;
  guint64 n = ipma->content_length;
  guint version;
  gboolean wide_index;
  guint32 entries;
  guint64 pos = 8;
  guint64 width = 0;
  guint64 height = 0;
  gboolean turned = FALSE;

  if (n < 8)
    return;
  version = p[0];
  wide_index = (p[3] & 1) != 0;
  entries = be32 (p + 4);

  for (guint32 i = 0; i < entries; i++)
    {
      guint32 item;
      guint associations;

      if (pos + (version < 1 ? 3 : 5) > n)
        return;
      item = version < 1 ? be16 (p + pos) : be32 (p + pos);
      pos += version < 1 ? 2 : 4;
      associations = p[pos++];

      for (guint j = 0; j < associations; j++)
        {
          guint index;
          Box property;

          if (pos + (wide_index ? 2 : 1) > n)
            return;
          index = wide_index ? be16 (p + pos) & 0x7fff : p[pos] & 0x7f;
          pos += wide_index ? 2 : 1;

          if ((has_primary && item != primary) || !find_property (ipco, index, &property))
            continue;

          if (is_box (&property, "ispe") && property.content_length >= 12)
            {
              width = be32 (property.content + 4);
              height = be32 (property.content + 8);
            }
          else if (is_box (&property, "irot") && property.content_length >= 1)
            turned = (property.content[0] & 1) != 0;
        }

      /* Without a primary item, the first one with properties. */
      if (!has_primary && width > 0)
        break;
    }

  set_size (header, width, height, turned);
}

static void
read_meta (const Box       *meta,
           HaulImageHeader *header)
{
  guint64 pos = 4;                      /* a full box: version and flags */
  Box box;
  Box ipco = { 0 };
  Box ipma = { 0 };
  guint32 primary = 0;
  gboolean has_primary = FALSE;

  for (; next_box (meta->content, meta->content_length, pos, &box); pos = box.end)
    {
      if (is_box (&box, "pitm") && box.content_length >= 6)
        {
          has_primary = TRUE;
          primary = box.content[0] == 0 ? be16 (box.content + 4)
                                        : (box.content_length >= 8 ? be32 (box.content + 4) : 0);
        }
      else if (is_box (&box, "iprp"))
        {
          Box child;

          for (guint64 at = 0; next_box (box.content, box.content_length, at, &child); at = child.end)
            {
              if (is_box (&child, "ipco"))
                ipco = child;
              else if (is_box (&child, "ipma"))
                ipma = child;
            }
        }
    }

  if (ipco.content != NULL && ipma.content != NULL)
    read_item_properties (&ipco, &ipma, primary, has_primary, header);
}

typedef enum
{
  STEP_READ,
  STEP_MORE,
  STEP_STOP,
} Step;

static Step
need_step (guint64  n,
           gsize    length,
           gsize   *needed)
{
  if (n <= length)
    return STEP_READ;
  if (n > HAUL_IMAGE_HEADER_LIMIT)
    return STEP_STOP;

  *needed = (gsize)n;
  return STEP_MORE;
}

/* The size of the top-level box at @pos, and of its own header, when
 * enough of the body is here to tell. */
static Step
top_box (const guint8 *data,
         gsize         length,
         guint64       pos,
         guint64      *size,
         guint64      *header_length,
         gsize        *needed)
{
  Step step = need_step (pos + 8, length, needed);

  if (step != STEP_READ)
    return step;

  *size = be32 (data + pos);
  *header_length = 8;
  if (*size == 1)
    {
      step = need_step (pos + 16, length, needed);
      if (step != STEP_READ)
        return step;
      *size = be64 (data + pos + 8);
      *header_length = 16;
    }
  else if (*size == 0)
    *size = G_MAXUINT64 - pos;          /* up to the end, wherever it is */

  return *size < *header_length ? STEP_STOP : STEP_READ;
}

/* AVIF, HEIC and HEIF: the meta box, which comes before the media data. */
static gboolean
read_heif (const guint8    *data,
           gsize            length,
           HaulImageHeader *header,
           gsize           *needed)
{
  guint64 pos = 0;
  guint64 size;
  guint64 header_length;
  Step step;

  while ((step = top_box (data, length, pos, &size, &header_length, needed)) == STEP_READ)
    {
      const guint8 *type = data + pos + 4;
      Box box;

      if (memcmp (type, "ftyp", 4) == 0 && pos == 0)
        {
          NEED (12);
          header->animated = memcmp (data + 8, "avis", 4) == 0 || memcmp (data + 8, "msf1", 4) == 0;
        }
      else if (memcmp (type, "meta", 4) == 0)
        {
          NEED (pos + size);
          if (next_box (data, pos + size, pos, &box))
            read_meta (&box, header);
          return TRUE;
        }
      else if (memcmp (type, "mdat", 4) == 0 || memcmp (type, "moov", 4) == 0)
        return TRUE;

      /* What follows a box this large is beyond the limit anyway. */
      if (size > HAUL_IMAGE_HEADER_LIMIT)
        return TRUE;
      pos += size;
    }

  return step == STEP_STOP;
}

/* JPEG XL: a bit stream, least significant bit first. */
typedef struct
{
  const guint8 *data;
  gsize         length;
  guint64       bit;
  gboolean      overrun;
} Bits;

static guint32
read_bits (Bits  *bits,
           guint  n)
{
  guint32 value = 0;

  for (guint i = 0; i < n; i++, bits->bit++)
    {
      guint64 byte = bits->bit / 8;

      if (byte >= bits->length)
        bits->overrun = TRUE;
      else
        value |= (guint32)((bits->data[byte] >> (bits->bit % 8)) & 1) << i;
    }

  return value;
}

static guint32
read_jxl_dimension (Bits     *bits,
                    gboolean  div8)
{
  static const guint widths[] = { 9, 13, 18, 30 };

  if (div8)
    return (read_bits (bits, 5) + 1) * 8;

  return read_bits (bits, widths[read_bits (bits, 2)]) + 1;
}

/* A SizeHeader: the height, then the width or its ratio to the height. */
static void
read_jxl_size (Bits    *bits,
               guint64 *width,
               guint64 *height)
{
  static const guint numerators[] = { 0, 1, 12, 4, 3, 16, 5, 2 };
  static const guint denominators[] = { 1, 1, 10, 3, 2, 9, 4, 1 };
  gboolean div8 = read_bits (bits, 1);
  guint ratio;

  *height = read_jxl_dimension (bits, div8);
  ratio = read_bits (bits, 3);
  if (ratio == 0)
    *width = read_jxl_dimension (bits, div8);
  else
    *width = *height * numerators[ratio] / denominators[ratio];
}

/* The size header and the start of the image metadata: the orientation,
 * which the decoder applies, and whether it is an animation. */
static gboolean
read_jxl_codestream (const guint8    *data,
                     gsize            length,
                     guint64          start,
                     HaulImageHeader *header,
                     gsize           *needed)
{
  Bits bits = { 0 };
  guint64 width;
  guint64 height;
  guint orientation = 1;

  NEED (start + 2);
  if (data[start] != 0xff || data[start + 1] != 0x0a)
    return TRUE;

  bits.data = data + start + 2;
  bits.length = length - start - 2;

  read_jxl_size (&bits, &width, &height);

  if (!read_bits (&bits, 1) && read_bits (&bits, 1))   /* not all default, extra fields */
    {
      guint64 ignored;

      orientation = 1 + read_bits (&bits, 3);
      if (read_bits (&bits, 1))                         /* an intrinsic size */
        read_jxl_size (&bits, &ignored, &ignored);
      if (!read_bits (&bits, 1))                        /* no preview before it */
        header->animated = read_bits (&bits, 1);
    }

  if (bits.overrun)
    {
      header->animated = FALSE;
      NEED (length + 16);
    }

  set_size (header, width, height, is_turned (orientation));
  return TRUE;
}

static gboolean
read_jxl (const guint8    *data,
          gsize            length,
          HaulImageHeader *header,
          gsize           *needed)
{
  guint64 pos = 0;
  guint64 size;
  guint64 header_length;
  Step step;

  NEED (2);
  if (data[0] == 0xff)
    return read_jxl_codestream (data, length, 0, header, needed);

  /* The container: the codestream is in a jxlc box, or split over jxlp
   * boxes that each start with a sequence number. */
  while ((step = top_box (data, length, pos, &size, &header_length, needed)) == STEP_READ)
    {
      if (memcmp (data + pos + 4, "jxlc", 4) == 0)
        return read_jxl_codestream (data, length, pos + header_length, header, needed);
      if (memcmp (data + pos + 4, "jxlp", 4) == 0)
        return read_jxl_codestream (data, length, pos + header_length + 4, header, needed);

      if (size > HAUL_IMAGE_HEADER_LIMIT)
        return TRUE;
      pos += size;
    }

  return step == STEP_STOP;
}

typedef gboolean (*HeaderReader) (const guint8    *data,
                                  gsize            length,
                                  HaulImageHeader *header,
                                  gsize           *needed);

static const struct
{
  const char   *type;
  HeaderReader  read;
} readers[] = {
  { "image/png", read_png },
  { "image/jpeg", read_jpeg },
  { "image/gif", read_gif },
  { "image/webp", read_webp },
  { "image/avif", read_heif },
  { "image/heic", read_heif },
  { "image/heif", read_heif },
  { "image/jxl", read_jxl },
  { "image/bmp", read_bmp },
  { "image/tiff", read_tiff },
  { "image/vnd.microsoft.icon", read_ico },
};

/**
 * haul_image_header_knows:
 * @type: (nullable): a sniffed type
 *
 * Returns: %TRUE when the header of @type declares a size that
 *   haul_image_header_read() finds
 */
gboolean
haul_image_header_knows (const char *type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      if (g_strcmp0 (type, readers[i].type) == 0)
        return TRUE;
    }

  return FALSE;
}

/**
 * haul_image_header_read:
 * @type: the sniffed type of the image
 * @data: (array length=length): the first bytes of the image
 * @length: how many
 * @header: (out caller-allocates): what the header declares
 * @needed: (out): when it returns %FALSE, how many bytes in all would tell more
 *
 * Reads what the header of an image declares: dimensions as displayed,
 * orientation, and for some formats animation. Formats without such a
 * header (SVG) declare nothing.
 *
 * Returns: %TRUE when @header holds all there is to know, %FALSE when
 *   more bytes would tell more
 */
gboolean
haul_image_header_read (const char      *type,
                        const guint8    *data,
                        gsize            length,
                        HaulImageHeader *header,
                        gsize           *needed)
{
  memset (header, 0, sizeof *header);
  header->orientation = 1;
  *needed = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (readers); i++)
    {
      if (g_strcmp0 (type, readers[i].type) == 0)
        {
          gboolean done = readers[i].read (data, length, header, needed);

          /* ISO and JPEG XL decoders turn the image themselves. */
          if (readers[i].read == read_heif || readers[i].read == read_jxl)
            header->orientation = 1;
          return done;
        }
    }

  return TRUE;
}

/* Frame counting. */

enum
{
  COUNT_NONE,
  COUNT_GIF,
  COUNT_WEBP,
};

enum
{
  GIF_BLOCK,
  GIF_EXTENSION_LABEL,
  GIF_DESCRIPTOR,
  GIF_SUB_BLOCK,
  WEBP_CHUNK,
};

static guint
gif_colour_table (guint8 flags)
{
  return (flags & 0x80) ? 3u << ((flags & 7) + 1) : 0;
}

void
haul_frame_counter_init (HaulFrameCounter *counter,
                         const char       *type,
                         const guint8     *head,
                         gsize             length)
{
  memset (counter, 0, sizeof *counter);

  if (g_strcmp0 (type, "image/gif") == 0 && length >= 13)
    {
      counter->kind = COUNT_GIF;
      counter->state = GIF_BLOCK;
      counter->skip = 13 + gif_colour_table (head[10]);
    }
  else if (g_strcmp0 (type, "image/webp") == 0 && length >= 12)
    {
      counter->kind = COUNT_WEBP;
      counter->state = WEBP_CHUNK;
      counter->riff_end = 8 + (guint64)le32 (head + 4);
      counter->skip = 12;
    }
}

static void
gif_byte (HaulFrameCounter *counter,
          guint8            c)
{
  switch (counter->state)
    {
    case GIF_BLOCK:
      if (c == 0x21)
        counter->state = GIF_EXTENSION_LABEL;
      else if (c == 0x2c)
        {
          counter->frames++;
          counter->state = GIF_DESCRIPTOR;
          counter->field_length = 0;
        }
      else if (c == 0x3b)
        counter->complete = TRUE;
      else
        counter->broken = TRUE;
      break;

    case GIF_EXTENSION_LABEL:
      counter->state = GIF_SUB_BLOCK;
      break;

    case GIF_DESCRIPTOR:
      counter->field[counter->field_length++] = c;
      if (counter->field_length == 9)
        {
          /* A local colour table, then the LZW code size. */
          counter->skip = gif_colour_table (counter->field[8]) + 1;
          counter->state = GIF_SUB_BLOCK;
        }
      break;

    case GIF_SUB_BLOCK:
      if (c == 0)
        counter->state = GIF_BLOCK;
      else
        counter->skip = c;
      break;

    default:
      counter->broken = TRUE;
    }
}

static void
webp_byte (HaulFrameCounter *counter,
           guint8            c)
{
  guint32 size;

  counter->field[counter->field_length++] = c;
  if (counter->field_length < 8)
    return;

  counter->field_length = 0;
  if (memcmp (counter->field, "ANMF", 4) == 0)
    counter->frames++;
  size = le32 (counter->field + 4);
  counter->skip = (guint64)size + (size & 1);
}

void
haul_frame_counter_feed (HaulFrameCounter *counter,
                         const guint8     *data,
                         gsize             length)
{
  while (length > 0 && counter->kind != COUNT_NONE && !counter->complete && !counter->broken)
    {
      if (counter->skip > 0)
        {
          gsize n = (gsize)MIN (counter->skip, (guint64)length);

          counter->skip -= n;
          counter->fed += n;
          data += n;
          length -= n;
          continue;
        }

      if (counter->kind == COUNT_WEBP && counter->field_length == 0 && counter->fed >= counter->riff_end)
        {
          counter->complete = TRUE;
          break;
        }

      if (counter->kind == COUNT_GIF)
        gif_byte (counter, *data);
      else
        webp_byte (counter, *data);
      counter->fed++;
      data++;
      length--;
    }

  if (counter->kind == COUNT_WEBP && counter->skip == 0 && counter->field_length == 0
      && counter->fed >= counter->riff_end)
    counter->complete = TRUE;
}

guint
haul_frame_counter_get_frames (HaulFrameCounter *counter)
{
  if (!counter->complete || counter->broken)
    return 0;

  return counter->frames;
}
