/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The first bytes the sniffer wants to see; fewer are fine at the end of a body. */
#define HAUL_SNIFF_LENGTH 512

/* Recognises PNG, JPEG, GIF, WebP, AVIF, HEIC/HEIF, JPEG XL, BMP, TIFF,
 * SVG, gzipped SVG and ICO from their first bytes. Returns a static MIME
 * type such as "image/png", or NULL. ICO is "image/vnd.microsoft.icon",
 * gzipped SVG "image/svg+xml-compressed"; an SVG's <svg root element must
 * start within its first 4096 (inflated) bytes. Thread-safe. */
const char *haul_sniff_image_type          (const guint8 *data,
                                            gsize         length);

/* "png" for "image/png" (parameters ignored, case-insensitive); NULL for
 * anything that is not an image type we know. */
const char *haul_sniff_extension_for_type  (const char   *content_type);

/* TRUE when @content_type (parameters ignored) is an image/ type. */
gboolean    haul_sniff_is_image_type       (const char   *content_type);

G_END_DECLS
