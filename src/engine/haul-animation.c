/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-animation.h"
#include "haul-thumbnailer.h"

/* An animation's frames, decoded off the main thread and scaled down, for
 * a row to play while the pointer is over its thumbnail. Only the small
 * frames are kept; the full-size animation goes once they are made. */

#define READ_SIZE (64 * 1024)
/* Browsers play shorter delays as 100 ms; 20 ms keeps CPU use sane. */
#define MIN_DELAY_MS 20

typedef struct
{
  char  *path;
  char  *content_type;
  guint  frames;
  guint  size;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_free (data->path);
  g_free (data->content_type);
  g_free (data);
}

static void
frame_free (HaulAnimationFrame *frame)
{
  g_clear_object (&frame->pixbuf);
  g_free (frame);
}

/**
 * haul_animation_fits_budget:
 * @width: the animation's width
 * @height: its height
 * @frames: how many frames it has
 *
 * Returns: %TRUE when decoding it stays within %HAUL_ANIMATION_BUDGET
 */
gboolean
haul_animation_fits_budget (int   width,
                            int   height,
                            guint frames)
{
  if (width <= 0 || height <= 0 || frames == 0)
    return FALSE;

  return (guint64)width * (guint64)height * 4 * frames <= HAUL_ANIMATION_BUDGET;
}

/* Only the loader of the type the bytes were recognised as sees them, as
 * for thumbnails. */
static GdkPixbufAnimation *
decode (LoadData      *data,
        GCancellable  *cancellable,
        GError       **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (data->path);
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autofree guint8 *buffer = NULL;
  gssize n;

  loader = gdk_pixbuf_loader_new_with_mime_type (data->content_type, error);
  if (loader == NULL)
    return NULL;

  stream = g_file_read (file, cancellable, error);
  if (stream == NULL)
    {
      gdk_pixbuf_loader_close (loader, NULL);
      return NULL;
    }

  buffer = g_malloc (READ_SIZE);
  while ((n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, READ_SIZE, cancellable, error)) > 0)
    {
      if (!gdk_pixbuf_loader_write (loader, buffer, n, error))
        return NULL;
    }

  if (!gdk_pixbuf_loader_close (loader, n < 0 ? NULL : error) || n < 0)
    return NULL;

  if (gdk_pixbuf_loader_get_animation (loader) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no animation decoded");
      return NULL;
    }

  return g_object_ref (gdk_pixbuf_loader_get_animation (loader));
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbufAnimation) animation = decode (data, cancellable, &error);
  g_autoptr(GdkPixbufAnimationIter) iter = NULL;
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func ((GDestroyNotify)frame_free);

  if (animation == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The iterator's clock is ours to move: a frame's delay at a time, to
   * a millisecond into the next frame (at the very boundary, loaders
   * differ on which frame it is). */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    GTimeVal time = { 0, 0 };
    guint64 elapsed_ms = 0;

    iter = gdk_pixbuf_animation_get_iter (animation, &time);
    for (guint i = 0; i < MIN (data->frames, HAUL_ANIMATION_MAX_FRAMES); i++)
      {
        HaulAnimationFrame *frame = g_new0 (HaulAnimationFrame, 1);
        int delay = gdk_pixbuf_animation_iter_get_delay_time (iter);

        frame->pixbuf = haul_thumbnailer_fit (gdk_pixbuf_animation_iter_get_pixbuf (iter), data->size);
        frame->delay_ms = MAX (delay, MIN_DELAY_MS);
        g_ptr_array_add (frames, frame);

        if (delay < 0 || g_cancellable_is_cancelled (cancellable))
          break;
        elapsed_ms += delay;
        time.tv_sec = (glong)((elapsed_ms + 1) / 1000);
        time.tv_usec = (glong)((elapsed_ms + 1) % 1000) * 1000;
        gdk_pixbuf_animation_iter_advance (iter, &time);
      }
  }
  G_GNUC_END_IGNORE_DEPRECATIONS

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_pointer (task, g_steal_pointer (&frames), (GDestroyNotify)g_ptr_array_unref);
}

void
haul_animation_load_async (const char          *path,
                           const char          *content_type,
                           guint                frames,
                           guint                size,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  LoadData *data = g_new0 (LoadData, 1);

  g_return_if_fail (path != NULL && content_type != NULL && size > 0);

  data->path = g_strdup (path);
  data->content_type = g_strdup (content_type);
  data->frames = frames;
  data->size = size;

  g_task_set_source_tag (task, haul_animation_load_async);
  g_task_set_task_data (task, data, (GDestroyNotify)load_data_free);
  g_task_run_in_thread (task, load_thread);
}

GPtrArray *
haul_animation_load_finish (GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
