/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "haul-download.h"

G_BEGIN_DECLS

/* Rows show 64 px thumbnails and tiles 176 px: this is sharp in both at
 * scale 1. Only the items on screen hold one (haul_download_hold_thumbnail),
 * so a list of thousands costs no more than a screenful. */
#define HAUL_THUMBNAIL_SIZE 192

/* The "row.*" actions of one download (haul-download-row-menu.ui), shared by
 * the list's rows and the grid's tiles: each has an "item" property holding
 * its HaulDownload. */
void haul_item_actions_install (GtkWidgetClass *widget_class);
/* Enables the actions that fit @item's state. */
void haul_item_actions_update  (GtkWidget      *widget,
                                HaulDownload   *item);
/* Gives @menu_button, inside @widget, the item menu, built when first
 * opened; a right click anywhere on @widget opens it too. */
void haul_item_actions_set_up_menu (GtkWidget      *widget,
                                    GtkMenuButton  *menu_button);

G_END_DECLS
