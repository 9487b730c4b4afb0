/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-sniff.h"
#include "haul-thumbnailer.h"

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
  /* Nothing more wanted: dimensions known in dimensions-only mode, image
   * refused or malformed, or input beyond the cap. */
  guint            stopped : 1;
  /* A preview will never come of it. */
  guint            failed : 1;
};

/* Loaders for formats like SVG, TIFF or ICO keep the whole file in memory
 * until it is closed; past this much input there will be no preview. */
#define MAX_INPUT_BYTES (G_GUINT64_CONSTANT (64) * 1024 * 1024)

static void
on_size_prepared (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  HaulThumbnailer *self = user_data;
  int scaled_width;
  int scaled_height;

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

/* Picks the loader from the first bytes and hands them over. */
static gboolean
start (HaulThumbnailer *self)
{
  const char *type = haul_sniff_image_type (self->head->data, self->head->len);
  g_autoptr(GByteArray) head = g_steal_pointer (&self->head);

  if (type != NULL)
    self->loader = gdk_pixbuf_loader_new_with_mime_type (type, NULL);

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
  if (self->fed > MAX_INPUT_BYTES)
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
