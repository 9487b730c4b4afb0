/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-sniff.h"
#include "haul-thumbnailer.h"

/* gdk-pixbuf's PNG, JPEG, BMP, WebP and ICO loaders accept a truncated
 * file as a finished image with missing rows. Whether the whole image
 * arrived is told here from the format's own structure instead: PNG
 * chunks walked up to IEND, JPEG segments and entropy-coded data up to
 * EOI, and for the others the size their header announces. */
typedef enum
{
  END_UNKNOWN,        /* left to the loader (GIF, TIFF, SVG… fail by themselves) */
  END_PNG,
  END_JPEG,
  END_BY_SIZE,
} EndKind;

typedef enum
{
  JPEG_MARKER,        /* expecting 0xff (anything else is skipped, as libjpeg does) */
  JPEG_MARKER_CODE,
  JPEG_LENGTH,
  JPEG_SKIP,
  JPEG_ENTROPY,
  JPEG_ENTROPY_FF,
} JpegState;

typedef struct
{
  EndKind   kind;
  gboolean  complete;
  guint64   expected_size;    /* END_BY_SIZE */
  guint64   skip;             /* bytes still to pass over */
  guint8    field[8];         /* a chunk header or segment length being read */
  guint     field_length;
  JpegState jpeg_state;
  gboolean  jpeg_in_scan;     /* the segment being skipped is a scan header */
} EndTracker;

static guint32
read_le32 (const guint8 *p)
{
  return p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* Sets up @end for a body of @type whose first bytes are @head. */
static void
end_tracker_init (EndTracker   *end,
                  const char   *type,
                  const guint8 *head,
                  gsize         length)
{
  memset (end, 0, sizeof *end);

  if (g_strcmp0 (type, "image/png") == 0)
    {
      end->kind = END_PNG;
      end->skip = 8;                            /* the signature */
    }
  else if (g_strcmp0 (type, "image/jpeg") == 0)
    {
      end->kind = END_JPEG;
      end->jpeg_state = JPEG_MARKER;
    }
  else if (g_strcmp0 (type, "image/webp") == 0 && length >= 8)
    {
      guint64 riff = read_le32 (head + 4);

      end->kind = END_BY_SIZE;
      end->expected_size = 8 + riff + (riff & 1);
    }
  else if (g_strcmp0 (type, "image/bmp") == 0 && length >= 6 && read_le32 (head + 2) > 26)
    {
      end->kind = END_BY_SIZE;
      end->expected_size = read_le32 (head + 2);
    }
  else if (g_strcmp0 (type, "image/vnd.microsoft.icon") == 0 && length >= 6)
    {
      guint count = head[4] | ((guint)head[5] << 8);

      /* Each directory entry gives the size and offset of one image. */
      if (6 + 16 * (gsize)count <= length)
        {
          end->kind = END_BY_SIZE;
          for (guint i = 0; i < count; i++)
            {
              const guint8 *entry = head + 6 + 16 * i;
              guint64 image_end = (guint64)read_le32 (entry + 8) + read_le32 (entry + 12);

              end->expected_size = MAX (end->expected_size, image_end);
            }
        }
    }
}

static void
end_tracker_feed_png (EndTracker   *end,
                      const guint8 *data,
                      gsize         length)
{
  while (length > 0 && !end->complete)
    {
      if (end->skip > 0)
        {
          gsize n = MIN (end->skip, length);

          end->skip -= n;
          data += n;
          length -= n;
          continue;
        }

      end->field[end->field_length++] = *data++;
      length--;

      /* Length and type of the next chunk. */
      if (end->field_length == 8)
        {
          end->field_length = 0;
          if (memcmp (end->field + 4, "IEND", 4) == 0)
            end->complete = TRUE;
          else
            end->skip = (guint64)read_be32 (end->field) + 4;   /* data and CRC */
        }
    }
}

static void
end_tracker_feed_jpeg (EndTracker   *end,
                       const guint8 *data,
                       gsize         length)
{
  while (length > 0 && !end->complete)
    {
      guint8 c;

      switch (end->jpeg_state)
        {
        case JPEG_SKIP:
          {
            gsize n = MIN (end->skip, length);

            end->skip -= n;
            data += n;
            length -= n;
            if (end->skip == 0)
              end->jpeg_state = end->jpeg_in_scan ? JPEG_ENTROPY : JPEG_MARKER;
            continue;
          }

        case JPEG_ENTROPY:
          {
            const guint8 *ff = memchr (data, 0xff, length);

            if (ff == NULL)
              return;
            length -= ff + 1 - data;
            data = ff + 1;
            end->jpeg_state = JPEG_ENTROPY_FF;
            continue;
          }

        case JPEG_MARKER:
        case JPEG_MARKER_CODE:
        case JPEG_LENGTH:
        case JPEG_ENTROPY_FF:
        default:
          break;
        }

      c = *data++;
      length--;

      switch (end->jpeg_state)
        {
        case JPEG_MARKER:
          if (c == 0xff)
            end->jpeg_state = JPEG_MARKER_CODE;
          break;

        case JPEG_ENTROPY_FF:
          /* Stuffed zero bytes and restart markers belong to the scan. */
          if (c == 0x00 || (c >= 0xd0 && c <= 0xd7))
            {
              end->jpeg_state = JPEG_ENTROPY;
              break;
            }
          G_GNUC_FALLTHROUGH;

        case JPEG_MARKER_CODE:
          if (c == 0xff)
            break;                              /* fill bytes */
          if (c == 0xd9)
            end->complete = TRUE;
          else if (c == 0xd8 || c == 0x01 || (c >= 0xd0 && c <= 0xd7))
            end->jpeg_state = JPEG_MARKER;      /* markers without a segment */
          else
            {
              end->jpeg_in_scan = c == 0xda;
              end->field_length = 0;
              end->jpeg_state = JPEG_LENGTH;
            }
          break;

        case JPEG_LENGTH:
          end->field[end->field_length++] = c;
          if (end->field_length == 2)
            {
              guint segment = ((guint)end->field[0] << 8) | end->field[1];

              end->skip = segment >= 2 ? segment - 2 : 0;
              end->jpeg_state = JPEG_SKIP;
              if (end->skip == 0)
                end->jpeg_state = end->jpeg_in_scan ? JPEG_ENTROPY : JPEG_MARKER;
            }
          break;

        case JPEG_SKIP:
        case JPEG_ENTROPY:
        default:
          g_assert_not_reached ();
        }
    }
}

static void
end_tracker_feed (EndTracker   *end,
                  const guint8 *data,
                  gsize         length)
{
  if (end->kind == END_PNG)
    end_tracker_feed_png (end, data, length);
  else if (end->kind == END_JPEG)
    end_tracker_feed_jpeg (end, data, length);
}

/* Whether the image arrived whole, as far as can be told; @fed is how
 * many bytes it had. */
static gboolean
end_tracker_is_complete (EndTracker *end,
                         guint64     fed)
{
  switch (end->kind)
    {
    case END_PNG:
    case END_JPEG:
      return end->complete;
    case END_BY_SIZE:
      return fed >= end->expected_size;
    case END_UNKNOWN:
    default:
      return TRUE;
    }
}

struct _HaulThumbnailer
{
  GdkPixbufLoader *loader;
  /* The first bytes, held until there are enough to tell the format. */
  GByteArray      *head;
  guint64          fed;
  guint64          max_pixels;
  guint            max_size;
  int              width;
  int              height;
  EndTracker       end;
  /* Nothing more wanted: dimensions known in dimensions-only mode, image
   * refused or malformed, or input beyond the cap. */
  guint            stopped : 1;
  /* A preview will never come of it. */
  guint            failed : 1;
  guint            size_known : 1;
};

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  HaulThumbnailer *self = user_data;
  int scaled_width;
  int scaled_height;

  /* The size can be set only once; a loader asking again (a later frame)
   * gets the first answer. */
  if (self->size_known)
    return;
  self->size_known = TRUE;

  self->width = MAX (width, 0);
  self->height = MAX (height, 0);

  /* A size of zero tells the loader module to stop before it allocates
   * anything, which is how the pixel cap and dimensions-only mode work. */
  if (width <= 0 || height <= 0 || (guint64)width * (guint64)height > self->max_pixels)
    {
      self->stopped = TRUE;
      self->failed = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }

  if (self->max_size == 0)
    {
      self->stopped = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }

  if ((guint)width <= self->max_size && (guint)height <= self->max_size)
    return;

  if (width >= height)
    {
      scaled_width = self->max_size;
      scaled_height = (int)(((guint64)height * self->max_size + width / 2) / width);
    }
  else
    {
      scaled_height = self->max_size;
      scaled_width = (int)(((guint64)width * self->max_size + height / 2) / height);
    }

  gdk_pixbuf_loader_set_size (loader, MAX (scaled_width, 1), MAX (scaled_height, 1));
}

/**
 * haul_thumbnailer_new:
 * @max_size: the longest side of the thumbnail in pixels, or 0 to read only
 *   the dimensions
 * @max_pixels: images with more pixels than this get no thumbnail
 *
 * Only formats the sniffer recognises are decoded (PNG, JPEG, GIF, WebP,
 * AVIF, BMP, TIFF, SVG, ICO, as far as gdk-pixbuf has loaders for them):
 * the loaders for rarer formats are not exposed to downloaded data.
 *
 * Returns: (transfer full): a new thumbnailer
 */
HaulThumbnailer *
haul_thumbnailer_new (guint   max_size,
                      guint64 max_pixels)
{
  HaulThumbnailer *self = g_new0 (HaulThumbnailer, 1);

  self->max_size = max_size;
  self->max_pixels = max_pixels;
  self->head = g_byte_array_sized_new (HAUL_SNIFF_LENGTH);

  return self;
}

static void
stop (HaulThumbnailer *self)
{
  self->stopped = TRUE;

  /* Errors are not reported: a bad image simply has no preview. Passing no
   * GError also keeps gdk-pixbuf from warning about loaders that fail
   * without setting one. */
  if (self->loader != NULL)
    gdk_pixbuf_loader_close (self->loader, NULL);
}

static gboolean
feed (HaulThumbnailer *self,
      const guint8    *data,
      gsize            length)
{
  if (length == 0)
    return TRUE;

  end_tracker_feed (&self->end, data, length);

  if (!gdk_pixbuf_loader_write (self->loader, data, length, NULL))
    {
      /* The loader closed itself; after dimensions-only mode stopped it,
       * this is the expected end. */
      self->failed = TRUE;
      self->stopped = TRUE;
      return FALSE;
    }

  if (self->stopped)
    {
      stop (self);
      return FALSE;
    }

  return TRUE;
}

/* The canvas size a WebP header announces. The WebP loader allocates
 * the full image whatever size-prepared answers, so its size has to be
 * checked here, before a loader sees the data. */
static gboolean
webp_dimensions (const guint8 *data,
                 gsize         length,
                 int          *width,
                 int          *height)
{
  if (length < 30)
    return FALSE;

  if (memcmp (data + 12, "VP8 ", 4) == 0 && memcmp (data + 23, "\x9d\x01\x2a", 3) == 0)
    {
      *width = (data[26] | (data[27] << 8)) & 0x3fff;
      *height = (data[28] | (data[29] << 8)) & 0x3fff;
      return TRUE;
    }

  if (memcmp (data + 12, "VP8L", 4) == 0 && data[20] == 0x2f)
    {
      guint32 bits = read_le32 (data + 21);

      *width = (bits & 0x3fff) + 1;
      *height = ((bits >> 14) & 0x3fff) + 1;
      return TRUE;
    }

  if (memcmp (data + 12, "VP8X", 4) == 0)
    {
      *width = (data[24] | (data[25] << 8) | (data[26] << 16)) + 1;
      *height = (data[27] | (data[28] << 8) | (data[29] << 16)) + 1;
      return TRUE;
    }

  return FALSE;
}

/* Picks the loader from the first bytes and hands them over. */
static gboolean
start (HaulThumbnailer *self)
{
  const char *type = haul_sniff_image_type (self->head->data, self->head->len);
  g_autoptr(GByteArray) head = g_steal_pointer (&self->head);

  if (g_strcmp0 (type, "image/webp") == 0
      && webp_dimensions (head->data, head->len, &self->width, &self->height))
    {
      gboolean too_big = (guint64)self->width * (guint64)self->height > self->max_pixels;

      if (too_big || self->max_size == 0)
        {
          self->failed = too_big;
          self->stopped = TRUE;
          return FALSE;
        }
    }

  if (type != NULL)
    self->loader = gdk_pixbuf_loader_new_with_mime_type (type, NULL);

  end_tracker_init (&self->end, type, head->data, head->len);

  if (self->loader == NULL)
    {
      self->failed = TRUE;
      self->stopped = TRUE;
      return FALSE;
    }

  g_signal_connect (self->loader, "size-prepared", G_CALLBACK (on_size_prepared), self);

  return feed (self, head->data, head->len);
}

/**
 * haul_thumbnailer_write:
 * @self: a #HaulThumbnailer
 * @data: (array length=length): the next bytes of the image
 * @length: how many
 *
 * Returns: %FALSE once nothing more is wanted: the dimensions are known
 *   with a @max_size of 0, or the image was refused, is malformed, is not
 *   a format we decode, or passed 64 MiB
 */
gboolean
haul_thumbnailer_write (HaulThumbnailer *self,
                        const guint8    *data,
                        gsize            length)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (self->stopped)
    return FALSE;

  self->fed += length;
  if (self->fed > HAUL_THUMBNAILER_MAX_INPUT)
    {
      self->failed = TRUE;
      stop (self);
      return FALSE;
    }

  if (self->head != NULL)
    {
      gsize wanted = HAUL_SNIFF_LENGTH - self->head->len;
      gsize taken = MIN (wanted, length);

      g_byte_array_append (self->head, data, taken);
      if (self->head->len < HAUL_SNIFF_LENGTH)
        return TRUE;

      if (!start (self))
        return FALSE;

      data += taken;
      length -= taken;
    }

  return feed (self, data, length);
}

/* Some loaders (animations among them) hand back the image unscaled. */
static GdkPixbuf *
fit (GdkPixbuf *pixbuf,
     guint      max_size)
{
  int width = gdk_pixbuf_get_width (pixbuf);
  int height = gdk_pixbuf_get_height (pixbuf);
  int scaled_width;
  int scaled_height;

  if ((guint)width <= max_size && (guint)height <= max_size)
    return g_object_ref (pixbuf);

  if (width >= height)
    {
      scaled_width = max_size;
      scaled_height = MAX (1, (int)(((guint64)height * max_size + width / 2) / width));
    }
  else
    {
      scaled_height = max_size;
      scaled_width = MAX (1, (int)(((guint64)width * max_size + height / 2) / height));
    }

  return gdk_pixbuf_scale_simple (pixbuf, scaled_width, scaled_height, GDK_INTERP_BILINEAR);
}

/**
 * haul_thumbnailer_finish:
 * @self: a #HaulThumbnailer
 * @width: (out) (optional): the image's own width, or 0 when unknown
 * @height: (out) (optional): the image's own height, or 0 when unknown
 *
 * Ends the input. The dimensions are reported also for an image refused
 * for its size.
 *
 * Returns: (transfer full) (nullable): the thumbnail, or %NULL for "no
 *   preview" (always with a @max_size of 0)
 */
GdkPixbuf *
haul_thumbnailer_finish (HaulThumbnailer *self,
                         int             *width,
                         int             *height)
{
  GdkPixbuf *pixbuf = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (!self->stopped && self->head != NULL)
    start (self);

  if (!self->stopped && self->loader != NULL)
    {
      self->stopped = TRUE;
      if (!gdk_pixbuf_loader_close (self->loader, NULL))
        self->failed = TRUE;
      else if (!end_tracker_is_complete (&self->end, self->fed))
        self->failed = TRUE;
    }

  if (!self->failed && self->max_size > 0 && self->loader != NULL)
    {
      GdkPixbuf *loaded = gdk_pixbuf_loader_get_pixbuf (self->loader);

      if (loaded != NULL)
        pixbuf = fit (loaded, self->max_size);
    }

  if (width != NULL)
    *width = self->width;
  if (height != NULL)
    *height = self->height;

  return pixbuf;
}

gboolean
haul_thumbnailer_get_dimensions (HaulThumbnailer *self,
                                 int             *width,
                                 int             *height)
{
  if (self->width <= 0 || self->height <= 0)
    return FALSE;

  *width = self->width;
  *height = self->height;
  return TRUE;
}

void
haul_thumbnailer_free (HaulThumbnailer *self)
{
  if (self == NULL)
    return;

  if (self->loader != NULL)
    {
      /* Closing twice is harmless; never closing would warn. */
      gdk_pixbuf_loader_close (self->loader, NULL);
      g_clear_object (&self->loader);
    }

  g_clear_pointer (&self->head, g_byte_array_unref);
  g_free (self);
}
