/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HAUL_TYPE_ADD_DIALOG (haul_add_dialog_get_type ())

G_DECLARE_FINAL_TYPE (HaulAddDialog, haul_add_dialog, HAUL, ADD_DIALOG, AdwWindow)

/* Signals:
 *   "add-text" (const char *text): the user pressed Add
 */

HaulAddDialog *haul_add_dialog_new (GtkWindow *parent);

G_END_DECLS
