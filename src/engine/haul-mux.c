/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-mux-private.h"
#include "haul-mux-stream.h"

struct _HaulMux
{
  GObject       parent_instance;

  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
};

G_DEFINE_FINAL_TYPE (HaulMux, haul_mux, G_TYPE_OBJECT)

/* Always queued, never run at once: g_main_context_invoke() would run
 * the function in the calling thread while the mux thread does not yet
 * own its context. */
static void
run_on_thread (HaulMux     *self,
               GSourceFunc  func,
               gpointer     data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static gpointer
mux_thread (gpointer data)
{
  HaulMux *self = data;

  /* libsoup runs the messages started here, and their connections, on
   * the thread-default context. */
  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);
  g_main_context_pop_thread_default (self->context);

  return NULL;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
haul_mux_finalize (GObject *object)
{
  HaulMux *self = HAUL_MUX (object);

  /* Every stream holds a reference, so no call is left to run. */
  run_on_thread (self, quit_loop, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (haul_mux_parent_class)->finalize (object);
}

static void
haul_mux_class_init (HaulMuxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = haul_mux_finalize;
}

static void
haul_mux_init (HaulMux *self)
{
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("haul-mux", mux_thread, self);
}

HaulMux *
haul_mux_new (void)
{
  return g_object_new (HAUL_TYPE_MUX, NULL);
}

static gboolean
start_call (gpointer data)
{
  HaulMuxCall *call = data;

  call->start (call);
  return G_SOURCE_REMOVE;
}

void
haul_mux_call (HaulMux     *self,
               HaulMuxCall *call)
{
  g_return_if_fail (HAUL_IS_MUX (self));
  g_return_if_fail (g_thread_self () != self->thread);

  g_mutex_init (&call->lock);
  g_cond_init (&call->cond);
  call->done = FALSE;

  run_on_thread (self, start_call, call);

  /* The operation ends promptly once @cancellable is cancelled, so the
   * wait needs no timeout of its own. */
  g_mutex_lock (&call->lock);
  while (!call->done)
    g_cond_wait (&call->cond, &call->lock);
  g_mutex_unlock (&call->lock);

  g_cond_clear (&call->cond);
  g_mutex_clear (&call->lock);
}

void
haul_mux_call_done (HaulMuxCall *call)
{
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
}

static gboolean
release_object (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

void
haul_mux_release (HaulMux  *self,
                  gpointer  object)
{
  if (object != NULL)
    run_on_thread (self, release_object, object);
}

static void
send_done (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  HaulMuxCall *call = data;

  call->result = soup_session_send_finish (SOUP_SESSION (object), result, &call->error);
  haul_mux_call_done (call);
}

static void
send_start (HaulMuxCall *call)
{
  soup_session_send_async (call->object, call->other, G_PRIORITY_DEFAULT,
                           call->cancellable, send_done, call);
}

GInputStream *
haul_mux_send (HaulMux       *self,
               SoupSession   *session,
               SoupMessage   *msg,
               GCancellable  *cancellable,
               GError       **error)
{
  HaulMuxCall call = { 0, };

  g_return_val_if_fail (HAUL_IS_MUX (self), NULL);
  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (SOUP_IS_MESSAGE (msg), NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  call.start = send_start;
  call.object = session;
  call.other = msg;
  call.cancellable = cancellable;
  haul_mux_call (self, &call);

  if (call.result == NULL)
    {
      g_propagate_error (error, call.error);
      return NULL;
    }

  return haul_mux_stream_new (self, call.result, msg);
}
