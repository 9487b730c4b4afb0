/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-download-row.h"

G_BEGIN_DECLS

struct _HaulDownloadRow
{
  GtkWidget       parent_instance;

  HaulDownload   *item;
  gulong          notify_id;

  GtkWidget      *thumbnail_frame;
  GtkImage       *placeholder;
  GtkPicture     *picture;
  GtkWidget      *animated_badge;

  /* Playing an animation while the pointer is over the thumbnail. */
  GtkEventController *hover;
  GCancellable   *animation_cancellable;
  GPtrArray      *animation_frames;     /* HaulAnimationFrame */
  GPtrArray      *animation_textures;   /* GdkTexture, one per frame */
  guint           animation_index;
  guint           animation_source;
  GtkLabel       *title_label;
  GtkLabel       *details_label;
  GtkProgressBar *progress_bar;
  GtkLabel       *status_label;
  GtkLabel       *time_label;
  GtkWidget      *retry_button;
  GtkWidget      *menu_button;
};

G_END_DECLS
