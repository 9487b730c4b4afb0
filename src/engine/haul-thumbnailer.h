/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "haul-types.h"

G_BEGIN_DECLS

#define HAUL_THUMBNAILER_MAX_PIXELS (G_GUINT64_CONSTANT (100) * 1000 * 1000)

/* Some loaders (SVG, TIFF, ICO, WebP) hold the whole file until the end:
 * an image bigger than this gets no preview. */
#define HAUL_THUMBNAILER_MAX_INPUT (G_GUINT64_CONSTANT (64) * 1024 * 1024)

/* Decodes an image as its bytes arrive, in a worker thread. The size is
 * checked before anything is allocated, so an image claiming more than
 * @max_pixels is refused at once, and it is scaled to fit @max_size while it
 * loads. @max_size 0 reads only the dimensions and stops there. */
HaulThumbnailer *haul_thumbnailer_new    (guint            max_size,
                                          guint64          max_pixels);
/* Returns FALSE once nothing more is wanted (dimensions known with
 * @max_size 0, or the image was refused, is malformed, is not a format we
 * decode, or passed HAUL_THUMBNAILER_MAX_INPUT). The caller may then stop
 * writing; writing more is harmless. */
gboolean         haul_thumbnailer_write  (HaulThumbnailer *self,
                                          const guint8    *data,
                                          gsize            length);
/* The type the server announced; the bytes still decide. */
void             haul_thumbnailer_set_content_type (HaulThumbnailer *self,
                                                    const char      *content_type);
/* The thumbnail, turned as the image's orientation says, or NULL for "no
 * preview" (also for an image that did not arrive whole). @width and
 * @height get the image's dimensions as displayed, or 0 when unknown;
 * they are set also for an image refused for its size. */
GdkPixbuf       *haul_thumbnailer_finish (HaulThumbnailer *self,
                                          int             *width,
                                          int             *height);
/* After finishing: the frames of an animation (0 when not counted), and
 * whether it is one. */
guint            haul_thumbnailer_get_frames (HaulThumbnailer *self,
                                              gboolean        *animated);
void             haul_thumbnailer_free   (HaulThumbnailer *self);

/* @pixbuf, or a copy scaled down to fit @max_size. */
GdkPixbuf       *haul_thumbnailer_fit    (GdkPixbuf       *pixbuf,
                                          guint            max_size);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulThumbnailer, haul_thumbnailer_free)

G_END_DECLS
