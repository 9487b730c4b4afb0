/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "haul-download.h"

G_BEGIN_DECLS

#define HAUL_TYPE_DOWNLOAD_ROW (haul_download_row_get_type ())

G_DECLARE_FINAL_TYPE (HaulDownloadRow, haul_download_row, HAUL, DOWNLOAD_ROW, GtkWidget)

GtkWidget    *haul_download_row_new      (void);
HaulDownload *haul_download_row_get_item (HaulDownloadRow *self);
void          haul_download_row_set_item (HaulDownloadRow *self,
                                          HaulDownload    *item);

G_END_DECLS
