/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How far into a body the header reader looks: room for a camera's Exif
 * segment before a JPEG frame header, a HEIF meta box, or an icon's
 * directory and its largest entry's first bytes. */
#define HAUL_IMAGE_HEADER_LIMIT (1024 * 1024)

/* What an image declares about itself before any pixel data, read without
 * a decoder. */
typedef struct
{
  /* As displayed, with the orientation applied; 0 while unknown. */
  int      width;
  int      height;
  /* The Exif orientation (1–8) a gdk-pixbuf loader leaves to its caller;
   * 1 when there is none, or when the decoder applies it itself. */
  guint    orientation;
  gboolean animated;
  /* Frames the header announces (APNG); 0 when it does not say. */
  guint    frames;
  /* ICO: the largest entry, and whether it is a PNG. */
  guint64  part_offset;
  guint64  part_length;
  gboolean part_is_png;
} HaulImageHeader;

gboolean haul_image_header_knows (const char      *type);
gboolean haul_image_header_read (const char      *type,
                                 const guint8    *data,
                                 gsize            length,
                                 HaulImageHeader *header,
                                 gsize           *needed);

/* Counts the frames of a GIF or WebP as its bytes pass, without decoding:
 * only the block and chunk structure is walked. */
typedef struct
{
  guint    kind;
  guint    state;
  guint64  skip;
  guint64  fed;
  guint64  riff_end;
  guint8   field[9];
  guint    field_length;
  guint    frames;
  gboolean complete;
  gboolean broken;
} HaulFrameCounter;

void     haul_frame_counter_init (HaulFrameCounter *counter,
                                  const char       *type,
                                  const guint8     *head,
                                  gsize             length);
void     haul_frame_counter_feed (HaulFrameCounter *counter,
                                  const guint8     *data,
                                  gsize             length);
/* The number of frames once the whole image was walked, else 0. */
guint    haul_frame_counter_get_frames (HaulFrameCounter *counter);

G_END_DECLS
