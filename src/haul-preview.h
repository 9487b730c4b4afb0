/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "haul-download.h"

G_BEGIN_DECLS

#define HAUL_TYPE_PREVIEW (haul_preview_get_type ())

G_DECLARE_FINAL_TYPE (HaulPreview, haul_preview, HAUL, PREVIEW, GtkWidget)

/* A large look at one image of a selection model, over the window's views,
 * like a file manager's quick look: Left and Right move through the model
 * (selecting what they show), Escape or Space closes it.
 *
 * Signals:
 *   "closed": it was closed; the window gives the focus back to its view */

GtkWidget    *haul_preview_new          (void);
void          haul_preview_set_model    (HaulPreview       *self,
                                         GtkSelectionModel *model);
void          haul_preview_open         (HaulPreview       *self,
                                         guint              position);
void          haul_preview_close        (HaulPreview       *self);
gboolean      haul_preview_is_open      (HaulPreview       *self);
guint         haul_preview_get_position (HaulPreview       *self);
HaulDownload *haul_preview_get_item     (HaulPreview       *self);
GdkPaintable *haul_preview_get_paintable (HaulPreview       *self);
/* Whether the picture shown is the large one made from the saved file. */
gboolean      haul_preview_is_full_size (HaulPreview       *self);

G_END_DECLS
