/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-image-header.h"
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
  /* The first bytes, held until there are enough to tell the format and
   * read what its header declares. */
  GByteArray      *head;
  gsize            head_wanted;
  const char      *type;
  char            *type_hint;
  HaulImageHeader  header;
  HaulFrameCounter frame_counter;
  guint64          fed;
  /* The part of the body the loader sees: an icon's largest entry. */
  guint64          window_start;
  guint64          window_end;
  guint64          max_pixels;
  guint            max_size;
  /* What the loader reported, as stored. */
  int              width;
  int              height;
  guint            frames;
  EndTracker       end;
  /* Nothing more wanted: dimensions known in dimensions-only mode, image
   * refused or malformed, or input beyond the cap. */
  guint            stopped : 1;
  /* A preview will never come of it. */
  guint            failed : 1;
  guint            size_known : 1;
  guint            animated : 1;
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
 * AVIF, HEIC/HEIF, JPEG XL, BMP, TIFF, SVG, SVGZ, ICO, as far as gdk-pixbuf
 * has loaders for them): the loaders for rarer formats are not exposed to
 * downloaded data.
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
  self->head_wanted = HAUL_SNIFF_LENGTH;
  self->window_end = G_MAXUINT64;

  return self;
}

/* Decoding a picture keeps a processor busy. With every worker decoding at
 * once, a small machine would leave the window's main thread none: one
 * processor is left free for it (on one, a single decoder runs at a time).
 * Reading only the dimensions, as the command line does, is not held back.
 * A worker lowering its own priority instead makes GLib fail to copy the
 * scheduler settings into the threads it spawns later. */
static GMutex decode_lock;
static GCond decode_cond;
static guint decoding;

static void
decode_enter (HaulThumbnailer *self)
{
  static gsize limit = 0;

  if (self->max_size == 0)
    return;

  if (g_once_init_enter (&limit))
    g_once_init_leave (&limit, MAX (2, g_get_num_processors ()) - 1);

  g_mutex_lock (&decode_lock);
  while (decoding >= limit)
    g_cond_wait (&decode_cond, &decode_lock);
  decoding++;
  g_mutex_unlock (&decode_lock);
}

static void
decode_leave (HaulThumbnailer *self)
{
  if (self->max_size == 0)
    return;

  g_mutex_lock (&decode_lock);
  decoding--;
  g_cond_signal (&decode_cond);
  g_mutex_unlock (&decode_lock);
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

/* Hands the loader the bytes of its window among the @length from
 * @offset in the body. */
static gboolean
feed (HaulThumbnailer *self,
      const guint8    *data,
      gsize            length,
      guint64          offset)
{
  gboolean written;

  if (offset < self->window_start)
    {
      guint64 skip = MIN (self->window_start - offset, (guint64)length);

      data += skip;
      length -= skip;
      offset += skip;
    }
  if (offset >= self->window_end)
    return TRUE;
  length = (gsize)MIN ((guint64)length, self->window_end - offset);

  if (length == 0)
    return TRUE;

  end_tracker_feed (&self->end, data, length);

  decode_enter (self);
  written = gdk_pixbuf_loader_write (self->loader, data, length, NULL);
  decode_leave (self);
  if (!written)
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

/* Formats whose loaders allocate the whole image whatever
 * "size-prepared" answers: without a size from the header, no preview. */
static gboolean
needs_header_size (const char *type)
{
  static const char *const types[] = {
    "image/webp", "image/avif", "image/heic", "image/heif", "image/jxl",
  };

  /* From 2.43 on, gdk-pixbuf may hand any format to a separate decoder
   * that reads all the data before it reports a size. (An SVG has no
   * such header; librsvg's limits and the decoder's sandbox remain.) */
  if ((gdk_pixbuf_major_version > 2 || gdk_pixbuf_minor_version >= 43)
      && haul_image_header_knows (type))
    return TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      if (g_strcmp0 (type, types[i]) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The type to decode as: the bytes decide; the server's word counts only
 * for an SVG whose root element starts beyond what is sniffed. */
static const char *
decoding_type (HaulThumbnailer *self)
{
  const char *type = haul_sniff_image_type (self->head->data, self->head->len);
  const char *hinted = haul_sniff_extension_for_type (self->type_hint);

  if (type == NULL && (g_strcmp0 (hinted, "svg") == 0 || g_strcmp0 (hinted, "svgz") == 0))
    type = "image/svg+xml";

  return type;
}

/* Reads the header, then picks the loader and hands over what came so
 * far. FALSE once nothing more is wanted. */
static gboolean
start (HaulThumbnailer *self)
{
  g_autoptr(GByteArray) head = g_steal_pointer (&self->head);
  const char *loader_type = self->type;
  int width = self->header.width;
  int height = self->header.height;

  haul_frame_counter_init (&self->frame_counter, self->type, head->data, head->len);
  haul_frame_counter_feed (&self->frame_counter, head->data, head->len);

  if (width > 0 && height > 0)
    {
      gboolean too_big = (guint64)width * (guint64)height > self->max_pixels;

      if (too_big || self->max_size == 0)
        {
          self->failed = too_big;
          self->stopped = TRUE;
          return FALSE;
        }
    }
  else if (self->type != NULL && needs_header_size (self->type))
    {
      self->failed = TRUE;
      self->stopped = TRUE;
      return FALSE;
    }

  /* gdk-pixbuf's icon loader skips PNG entries, the large ones. */
  if (self->header.part_is_png)
    {
      loader_type = "image/png";
      self->window_start = self->header.part_offset;
      self->window_end = self->header.part_offset + self->header.part_length;
    }

  if (loader_type != NULL)
    self->loader = gdk_pixbuf_loader_new_with_mime_type (loader_type, NULL);

  if (self->window_start < head->len)
    end_tracker_init (&self->end, loader_type, head->data + self->window_start,
                      head->len - self->window_start);

  if (self->loader == NULL)
    {
      self->failed = TRUE;
      self->stopped = TRUE;
      return FALSE;
    }

  g_signal_connect (self->loader, "size-prepared", G_CALLBACK (on_size_prepared), self);

  return feed (self, head->data, head->len, 0);
}

/* Starts once the header is read, or at the end of the body; TRUE while
 * waiting for more. */
static gboolean
try_start (HaulThumbnailer *self,
           gboolean         at_end)
{
  gsize needed = 0;

  if (self->head->len < self->head_wanted && !at_end)
    return TRUE;

  if (self->type == NULL)
    self->type = decoding_type (self);

  if (!haul_image_header_read (self->type, self->head->data, self->head->len,
                               &self->header, &needed)
      && !at_end)
    {
      self->head_wanted = needed;
      return TRUE;
    }

  return start (self);
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
      g_byte_array_append (self->head, data, length);
      return try_start (self, FALSE);
    }

  haul_frame_counter_feed (&self->frame_counter, data, length);

  return feed (self, data, length, self->fed - length);
}

/**
 * haul_thumbnailer_fit:
 * @pixbuf: an image
 * @max_size: the longest side wanted
 *
 * Some loaders (animations among them) hand back the image unscaled.
 *
 * Returns: (transfer full): @pixbuf, or a copy scaled down to fit @max_size
 */
GdkPixbuf *
haul_thumbnailer_fit (GdkPixbuf *pixbuf,
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

/* Turns a decoded image the way its Exif orientation says (as
 * gdk_pixbuf_apply_embedded_orientation() does, also for an orientation
 * read from the header when the loader did not report it). */
static GdkPixbuf *
orient (GdkPixbuf *pixbuf,
        guint      orientation)
{
  g_autoptr(GdkPixbuf) turned = NULL;

  switch (orientation)
    {
    case 2:
      return gdk_pixbuf_flip (pixbuf, TRUE);
    case 3:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_UPSIDEDOWN);
    case 4:
      return gdk_pixbuf_flip (pixbuf, FALSE);
    case 5:
    case 7:
      turned = gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_CLOCKWISE);
      return gdk_pixbuf_flip (turned, orientation == 5);
    case 6:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_CLOCKWISE);
    case 8:
      return gdk_pixbuf_rotate_simple (pixbuf, GDK_PIXBUF_ROTATE_COUNTERCLOCKWISE);
    default:
      return g_object_ref (pixbuf);
    }
}

static guint
loaded_orientation (HaulThumbnailer *self,
                    GdkPixbuf       *loaded)
{
  const char *option = loaded ? gdk_pixbuf_get_option (loaded, "orientation") : NULL;
  guint64 value = 0;

  if (option != NULL && g_ascii_string_to_unsigned (option, 10, 1, 8, &value, NULL))
    return (guint)value;

  return self->header.orientation;
}

static void
note_animation (HaulThumbnailer *self)
{
  GdkPixbufAnimation *animation = self->loader ? gdk_pixbuf_loader_get_animation (self->loader) : NULL;
  guint counted = haul_frame_counter_get_frames (&self->frame_counter);

  self->animated = self->header.animated || counted > 1
                   || (animation != NULL && !gdk_pixbuf_animation_is_static_image (animation));
  if (counted > 1)
    self->frames = counted;
  else if (self->header.frames > 1)
    self->frames = self->header.frames;
}

/**
 * haul_thumbnailer_finish:
 * @self: a #HaulThumbnailer
 * @width: (out) (optional): the image's width as displayed, or 0 when unknown
 * @height: (out) (optional): the image's height as displayed, or 0 when unknown
 *
 * Ends the input. The dimensions are reported also for an image refused
 * for its size. The thumbnail is turned as the image's orientation says.
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
  GdkPixbuf *loaded = NULL;
  guint orientation;

  g_return_val_if_fail (self != NULL, NULL);

  if (!self->stopped && self->head != NULL)
    try_start (self, TRUE);

  decode_enter (self);
  if (!self->stopped && self->loader != NULL)
    {
      self->stopped = TRUE;
      if (!gdk_pixbuf_loader_close (self->loader, NULL))
        self->failed = TRUE;
      else if (!end_tracker_is_complete (&self->end, self->fed))
        self->failed = TRUE;
    }

  if (!self->failed && self->max_size > 0 && self->loader != NULL)
    loaded = gdk_pixbuf_loader_get_pixbuf (self->loader);

  orientation = loaded_orientation (self, loaded);
  if (loaded != NULL)
    {
      g_autoptr(GdkPixbuf) turned = orient (loaded, orientation);

      pixbuf = haul_thumbnailer_fit (turned, self->max_size);
    }

  note_animation (self);

  /* The header tells the size as displayed; a loader, as stored. */
  if (self->header.width > 0 && self->header.height > 0)
    {
      self->width = self->header.width;
      self->height = self->header.height;
    }
  else if (orientation >= 5)
    {
      int stored_width = self->width;

      self->width = self->height;
      self->height = stored_width;
    }
  decode_leave (self);

  if (width != NULL)
    *width = self->width;
  if (height != NULL)
    *height = self->height;

  return pixbuf;
}

/**
 * haul_thumbnailer_get_frames:
 * @self: a #HaulThumbnailer, finished
 * @animated: (out) (optional): whether the image is an animation
 *
 * Returns: how many frames the animation has, or 0 for a still image or
 *   when they were not counted (the image did not arrive whole, or only
 *   its dimensions were read)
 */
guint
haul_thumbnailer_get_frames (HaulThumbnailer *self,
                             gboolean        *animated)
{
  g_return_val_if_fail (self != NULL, 0);

  if (animated != NULL)
    *animated = self->animated;

  return self->animated ? self->frames : 0;
}

/**
 * haul_thumbnailer_set_content_type:
 * @self: a #HaulThumbnailer, before anything was written
 * @content_type: (nullable): the type the server announced
 *
 * The bytes decide the format; the announced type only counts for an SVG
 * whose root element starts too far in for them to tell.
 */
void
haul_thumbnailer_set_content_type (HaulThumbnailer *self,
                                   const char      *content_type)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->fed == 0);

  g_free (self->type_hint);
  self->type_hint = g_strdup (content_type);
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
  g_free (self->type_hint);
  g_free (self);
}
