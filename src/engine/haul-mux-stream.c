/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-mux-private.h"
#include "haul-mux-stream.h"

/* Bodies of many streams arrive at once, and are held in memory by
 * libsoup until read: a worker takes at most this much of one at a time,
 * so its buffer does not hold a second copy of the whole body. */
#define GATHER_MAX (32 * 1024)

struct _HaulMuxStream
{
  GInputStream  parent_instance;

  HaulMux      *mux;
  GInputStream *base;
  SoupMessage  *msg;
  guint         timeout;
  gboolean      gather;   /* reads take all that has come, not one frame */
  gboolean      ended;    /* the last read met the end */
};

G_DEFINE_FINAL_TYPE (HaulMuxStream, haul_mux_stream, G_TYPE_INPUT_STREAM)

static void
read_done (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  HaulMuxCall *call = data;
  HaulMuxStream *self = call->other;

  call->count = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &call->error);
  if (g_error_matches (call->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    haul_mux_unguard (self->mux, call, &call->error);
  else
    {
      /* Only libsoup's own failures tell of the connection; the guard's
       * ends above do not. */
      haul_mux_unguard (self->mux, call, NULL);
      haul_mux_check_error (self->mux, self->msg, call->error);
    }

  /* An HTTP/2 read gives one frame, some 8 KiB, and each read is a trip
   * between threads: what has come in since is taken along with it. */
  while (self->gather && call->count > 0 && (gsize)call->count < call->size)
    {
      g_autoptr(GError) local_error = NULL;
      gssize more;

      more = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->base),
                                                       (guint8 *)call->buffer + call->count,
                                                       call->size - call->count,
                                                       call->cancellable, &local_error);
      /* An error shows at the next read, which starts from it again. */
      if (more <= 0)
        {
          self->ended = more == 0;
          break;
        }
      call->count += more;
    }

  haul_mux_call_done (call);
}

static void
read_start (HaulMuxCall *call)
{
  HaulMuxStream *self = call->other;
  GCancellable *guard = haul_mux_guard (self->mux, call, self->msg, self->timeout);

  g_input_stream_read_async (call->object, call->buffer, call->size, G_PRIORITY_DEFAULT,
                             guard, read_done, call);
}

static gssize
haul_mux_stream_read (GInputStream  *stream,
                      void          *buffer,
                      gsize          count,
                      GCancellable  *cancellable,
                      GError       **error)
{
  HaulMuxStream *self = HAUL_MUX_STREAM (stream);
  g_autoptr(HaulMuxCall) call = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  /* The end was met while gathering, and is not read twice. */
  if (self->ended)
    return 0;

  call = haul_mux_call_new (read_start, NULL);
  call->object = self->base;
  call->other = self;
  call->buffer = buffer;
  call->size = MIN (count, GATHER_MAX);
  call->cancellable = cancellable;
  /* A read ends at once when cancelled; it is waited for, as it writes
   * into @buffer. */
  haul_mux_call (self->mux, call, FALSE);

  if (call->count < 0)
    g_propagate_error (error, g_steal_pointer (&call->error));
  return call->count;
}

static void
close_done (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  HaulMuxCall *call = data;

  call->count = g_input_stream_close_finish (G_INPUT_STREAM (object), result, &call->error) ? 0 : -1;
  haul_mux_call_done (call);
}

static void
close_start (HaulMuxCall *call)
{
  /* A body closed before its end resets its HTTP/2 stream, or drops its
   * HTTP/1.1 connection; other streams go on. */
  g_input_stream_close_async (call->object, G_PRIORITY_DEFAULT, call->cancellable,
                              close_done, call);
}

static gboolean
haul_mux_stream_close (GInputStream  *stream,
                       GCancellable  *cancellable,
                       GError       **error)
{
  HaulMuxStream *self = HAUL_MUX_STREAM (stream);
  g_autoptr(HaulMuxCall) call = haul_mux_call_new (close_start, NULL);

  call->object = self->base;
  call->cancellable = cancellable;
  haul_mux_call (self->mux, call, FALSE);

  if (call->count < 0)
    {
      g_propagate_error (error, g_steal_pointer (&call->error));
      return FALSE;
    }
  return TRUE;
}

static void
haul_mux_stream_finalize (GObject *object)
{
  HaulMuxStream *self = HAUL_MUX_STREAM (object);

  haul_mux_release (self->mux, g_steal_pointer (&self->base));
  haul_mux_release (self->mux, g_steal_pointer (&self->msg));
  g_clear_object (&self->mux);

  G_OBJECT_CLASS (haul_mux_stream_parent_class)->finalize (object);
}

static void
haul_mux_stream_class_init (HaulMuxStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = haul_mux_stream_finalize;
  stream_class->read_fn = haul_mux_stream_read;
  stream_class->close_fn = haul_mux_stream_close;
}

static void
haul_mux_stream_init (HaulMuxStream *self)
{
}

GInputStream *
haul_mux_stream_new (HaulMux      *mux,
                     GInputStream *base,
                     SoupMessage  *msg,
                     guint         timeout)
{
  HaulMuxStream *self = g_object_new (HAUL_TYPE_MUX_STREAM, NULL);

  self->timeout = timeout;
  self->mux = g_object_ref (mux);
  self->base = base;
  self->msg = g_object_ref (msg);
  /* Not for HTTP/1.1, whose chunked ends are told apart by the raw bytes
   * each read consumes (haul-fetch-resume.c). */
  self->gather = soup_message_get_http_version (msg) == SOUP_HTTP_2_0 &&
                 G_IS_POLLABLE_INPUT_STREAM (base) &&
                 g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (base));

  return G_INPUT_STREAM (self);
}
