/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Hand a saved image to the rest of the desktop. All of these return at once;
 * failures are reported with a toast on @widget's window when it has one. */
void haul_launch_open_file      (GtkWidget  *widget,
                                 const char *path);
void haul_launch_show_in_folder (GtkWidget  *widget,
                                 const char *path);
void haul_launch_copy_image     (GtkWidget  *widget,
                                 const char *path);

G_END_DECLS
