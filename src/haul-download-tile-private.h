/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-download-tile.h"

G_BEGIN_DECLS

struct _HaulDownloadTile
{
  GtkWidget       parent_instance;

  HaulDownload   *item;
  gulong          notify_id;

  GtkImage       *placeholder;
  GtkPicture     *picture;
  GtkImage       *badge;
  GtkProgressBar *progress_bar;
  GtkLabel       *name_label;
  GtkWidget      *menu_button;
};

G_END_DECLS
