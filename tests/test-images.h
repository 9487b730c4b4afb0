/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* Small images built in memory, or read from tests/images, for the
 * sniffing, header, thumbnailer and downloader tests. */

GBytes     *test_image_gzip            (const char *text,
                                        gsize       length);
GBytes     *test_image_read            (const char *name);
gboolean    test_image_can_write       (const char *format_name);
GBytes     *test_image_save            (GdkPixbuf  *pixbuf,
                                        const char *format);
/* @width × @height in four colours: red top left, green top right, blue
 * bottom left, white bottom right. */
GdkPixbuf  *test_image_quadrants       (int         width,
                                        int         height);
/* A JPEG of the quadrants stored as they are, tagged with an Exif
 * orientation (0: no Exif segment). */
GBytes     *test_image_exif_jpeg       (int         width,
                                        int         height,
                                        guint       orientation);
/* A valid PNG of @size × @size that is almost all promise. */
GByteArray *test_image_png_bomb        (guint32     size);
/* An ISO image (AVIF, HEIC) with a meta box declaring @width × @height
 * for its primary item, turned by @irot quarter turns. */
GBytes     *test_image_iso             (const char *brand,
                                        guint32     width,
                                        guint32     height,
                                        guint       irot);
/* Every ispe box of @image rewritten to @width × @height. */
GBytes     *test_image_patch_ispe      (GBytes     *image,
                                        guint32     width,
                                        guint32     height);
/* A JPEG XL codestream header (bare, or in the container). */
GBytes     *test_image_jxl             (guint32     width,
                                        guint32     height,
                                        guint       orientation,
                                        gboolean    container);
GBytes     *test_image_gif_header      (guint16     width,
                                        guint16     height);
/* A GIF with @frames frames of 1000 × 1000, looping. */
GBytes     *test_image_gif_animation   (guint       frames);
GBytes     *test_image_webp_extended   (guint32     width,
                                        guint32     height,
                                        gboolean    animated);
/* An icon with 16 × 16 and 48 × 48 bitmaps and a 256 × 256 PNG, each
 * filled with one colour: grey, green, blue. */
GBytes     *test_image_ico             (void);

G_END_DECLS
