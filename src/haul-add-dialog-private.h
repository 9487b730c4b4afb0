/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-add-dialog.h"

G_BEGIN_DECLS

struct _HaulAddDialog
{
  AdwWindow      parent_instance;

  GtkTextView   *text_view;
  GtkLabel      *count_label;
  GtkButton     *add_button;

  GCancellable  *cancellable;
  guint          parse_id;
  guint          n_urls;
  guint          n_rejects;
};

G_END_DECLS
