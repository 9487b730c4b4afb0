/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "haul-download.h"

G_BEGIN_DECLS

#define HAUL_TYPE_DOWNLOAD_TILE (haul_download_tile_get_type ())

G_DECLARE_FINAL_TYPE (HaulDownloadTile, haul_download_tile, HAUL, DOWNLOAD_TILE, GtkWidget)

GtkWidget    *haul_download_tile_new      (void);
HaulDownload *haul_download_tile_get_item (HaulDownloadTile *self);
void          haul_download_tile_set_item (HaulDownloadTile *self,
                                           HaulDownload     *item);

G_END_DECLS
