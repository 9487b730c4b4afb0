/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gio/gio.h>

G_BEGIN_DECLS

/* What decoding an animation for a preview may take: its frames at full
 * size, four bytes a pixel. */
#define HAUL_ANIMATION_BUDGET (G_GUINT64_CONSTANT (64) * 1024 * 1024)

/* At most this many frames of a preview are kept. */
#define HAUL_ANIMATION_MAX_FRAMES 200

typedef struct
{
  GdkPixbuf *pixbuf;
  guint      delay_ms;
} HaulAnimationFrame;

gboolean   haul_animation_fits_budget (int                  width,
                                       int                  height,
                                       guint                frames);
/* Decodes the animation in the file at @path, of @content_type, in a
 * worker thread, into at most @frames frames scaled to fit @size. */
void       haul_animation_load_async  (const char          *path,
                                       const char          *content_type,
                                       guint                frames,
                                       guint                size,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
/* Returns: (transfer full) (element-type HaulAnimationFrame) */
GPtrArray *haul_animation_load_finish (GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
