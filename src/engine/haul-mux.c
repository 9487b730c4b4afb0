/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-mux-private.h"
#include "haul-mux-stream.h"

#include <string.h>

struct _HaulMux
{
  GObject       parent_instance;

  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;

  GMutex        lock;
  GHashTable   *unshared;   /* "host:port" to send without the mux, under @lock */

  GHashTable   *guarded;    /* HaulMuxCall *, on the mux thread */
  gint          lost;       /* atomic: a connection died under its bodies */
};

enum { GUARD_NONE, GUARD_TIMED_OUT, GUARD_CONNECTION_LOST };

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
  g_hash_table_unref (self->unshared);
  g_hash_table_unref (self->guarded);
  g_mutex_clear (&self->lock);

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
  g_mutex_init (&self->lock);
  self->unshared = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->guarded = g_hash_table_new (NULL, NULL);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("haul-mux", mux_thread, self);
}

HaulMux *
haul_mux_new (void)
{
  return g_object_new (HAUL_TYPE_MUX, NULL);
}

static void
call_clear (gpointer data)
{
  HaulMuxCall *call = data;

  g_clear_error (&call->error);
  g_cond_clear (&call->cond);
  g_mutex_clear (&call->lock);
}

HaulMuxCall *
haul_mux_call_new (HaulMuxCallFunc start,
                   HaulMuxCallFunc discard)
{
  HaulMuxCall *call = g_atomic_rc_box_new0 (HaulMuxCall);

  call->start = start;
  call->discard = discard;
  g_mutex_init (&call->lock);
  g_cond_init (&call->cond);

  return call;
}

HaulMuxCall *
haul_mux_call_ref (HaulMuxCall *call)
{
  return g_atomic_rc_box_acquire (call);
}

void
haul_mux_call_unref (HaulMuxCall *call)
{
  g_atomic_rc_box_release_full (call, call_clear);
}

static gboolean
start_call (gpointer data)
{
  HaulMuxCall *call = data;

  call->start (call);
  return G_SOURCE_REMOVE;
}

static void
wake_caller (GCancellable *cancellable,
             HaulMuxCall  *call)
{
  g_mutex_lock (&call->lock);
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
}

/* Returns FALSE if @give_up_on_cancel let the caller go when @cancellable
 * was cancelled before the operation ended: libsoup 3.2 notices that a
 * cancelled HTTP/2 request is over only when a frame next arrives on its
 * connection, which a silent server may not send for a long time. The
 * operation then ends on its own, and @discard has its results. A call
 * that reads into the caller's memory must not give up. */
gboolean
haul_mux_call (HaulMux     *self,
               HaulMuxCall *call,
               gboolean     give_up_on_cancel)
{
  GCancellable *cancellable = give_up_on_cancel ? call->cancellable : NULL;
  gboolean done;
  gulong handler = 0;

  g_return_val_if_fail (HAUL_IS_MUX (self), FALSE);
  g_return_val_if_fail (g_thread_self () != self->thread, FALSE);

  call->mux = self;
  /* The mux thread's reference, dropped by haul_mux_call_done(). */
  run_on_thread (self, start_call, haul_mux_call_ref (call));

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (wake_caller),
                                     haul_mux_call_ref (call),
                                     (GDestroyNotify)haul_mux_call_unref);

  g_mutex_lock (&call->lock);
  while (!call->done && !(cancellable != NULL && g_cancellable_is_cancelled (cancellable)))
    g_cond_wait (&call->cond, &call->lock);
  done = call->done;
  call->abandoned = !done;
  g_mutex_unlock (&call->lock);

  if (handler != 0)
    g_cancellable_disconnect (cancellable, handler);

  return done;
}

void
haul_mux_call_done (HaulMuxCall *call)
{
  gboolean abandoned;

  g_mutex_lock (&call->lock);
  abandoned = call->abandoned;
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);

  if (abandoned && call->discard != NULL)
    call->discard (call);
  haul_mux_call_unref (call);
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

static char *
host_key (GUri *uri)
{
  return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));
}

/**
 * haul_mux_lost_connection:
 *
 * Returns: whether an HTTP/2 connection died while bodies were read from
 *   it. libsoup 3.2 then keeps the connection for ever, and warns when its
 *   session is disposed.
 */
gboolean
haul_mux_lost_connection (HaulMux *self)
{
  return g_atomic_int_get (&self->lost);
}

/**
 * haul_mux_shares:
 * @uri: an https address
 *
 * Returns: whether requests to @uri's host should go through the mux; no
 *   longer once its HTTP/2 connection has been shut under its streams
 */
gboolean
haul_mux_shares (HaulMux *self,
                 GUri    *uri)
{
  g_autofree char *key = host_key (uri);
  gboolean unshared;

  g_mutex_lock (&self->lock);
  unshared = g_hash_table_contains (self->unshared, key);
  g_mutex_unlock (&self->lock);

  return !unshared;
}

#define HTTP2_ERROR "HTTP/2 Error: "

static void lose_connection (HaulMux *self,
                             guint64  connection);

/* On the mux thread, for an operation on @msg that failed. libsoup tells
 * an HTTP/2 stream's end by the server only in its message, "HTTP/2 Error:
 * CODE", as a plain failure; it is one worth another try. A graceful
 * GOAWAY ("NO_ERROR") also fails every stream still running, including
 * those the server meant to finish (libsoup 3.2 to 3.6), so a server that
 * sends it after fewer requests than are in flight would never get one
 * done: its host's transfers go on without the mux, each on its worker's
 * own connection, where libsoup starts such a stream again by itself. */
void
haul_mux_check_error (HaulMux      *self,
                      SoupMessage  *msg,
                      GError       *error)
{
  if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED) ||
      !g_str_has_prefix (error->message, HTTP2_ERROR))
    {
      /* The connection itself failed; libsoup 3.2 tells only the
       * requests still waiting for their answer, not the bodies being
       * read, which would wait for ever. */
      lose_connection (self, soup_message_get_connection_id (msg));
      return;
    }

  if (strcmp (error->message + strlen (HTTP2_ERROR), "NO_ERROR") == 0)
    {
      g_mutex_lock (&self->lock);
      g_hash_table_add (self->unshared, host_key (soup_message_get_uri (msg)));
      g_mutex_unlock (&self->lock);
    }

  error->code = G_IO_ERROR_CONNECTION_CLOSED;
}

static void
guard_cancel (GCancellable *cancellable,
              GCancellable *guard)
{
  g_cancellable_cancel (guard);
}

static gboolean
guard_timed_out (gpointer data)
{
  HaulMuxCall *call = data;

  /* Most likely its connection is gone without a word. */
  g_atomic_int_set (&call->mux->lost, TRUE);
  call->guard_reason = GUARD_TIMED_OUT;
  g_cancellable_cancel (call->guard);
  g_clear_pointer (&call->guard_timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
lose_connection (HaulMux *self,
                 guint64  connection)
{
  GHashTableIter iter;
  HaulMuxCall *call;

  if (connection == 0)
    return;

  g_hash_table_iter_init (&iter, self->guarded);
  while (g_hash_table_iter_next (&iter, (gpointer *)&call, NULL))
    {
      if (call->connection == connection && call->guard_reason == GUARD_NONE)
        {
          call->guard_reason = GUARD_CONNECTION_LOST;
          g_cancellable_cancel (call->guard);
          g_atomic_int_set (&self->lost, TRUE);
        }
    }
}

/**
 * haul_mux_guard:
 * @call: an operation on @msg, about to start on the mux thread
 * @timeout: seconds, or 0 for no limit
 *
 * A cancellable for @call's operation, which ends it when the caller's
 * cancellable is cancelled, when it has not ended after @timeout seconds
 * (libsoup's own timeout does not reach an HTTP/2 body), or when another
 * operation on its connection finds the connection gone. Pass its error to
 * haul_mux_unguard() in the operation's callback.
 */
GCancellable *
haul_mux_guard (HaulMux     *self,
                HaulMuxCall *call,
                SoupMessage *msg,
                guint        timeout)
{
  call->guard = g_cancellable_new ();
  call->guard_reason = GUARD_NONE;
  call->connection = soup_message_get_connection_id (msg);
  if (call->cancellable != NULL)
    call->guard_handler = g_cancellable_connect (call->cancellable, G_CALLBACK (guard_cancel),
                                                 g_object_ref (call->guard), g_object_unref);
  if (timeout > 0)
    {
      call->guard_timer = g_timeout_source_new_seconds (timeout);
      g_source_set_callback (call->guard_timer, guard_timed_out, call, NULL);
      g_source_attach (call->guard_timer, self->context);
    }
  g_hash_table_add (self->guarded, call);

  return call->guard;
}

/* Turns a cancellation by the guard, not by the caller, into its cause. */
void
haul_mux_unguard (HaulMux      *self,
                  HaulMuxCall  *call,
                  GError      **error)
{
  g_hash_table_remove (self->guarded, call);
  if (call->guard_timer != NULL)
    {
      g_source_destroy (call->guard_timer);
      g_clear_pointer (&call->guard_timer, g_source_unref);
    }
  if (call->guard_handler != 0)
    g_cancellable_disconnect (call->cancellable, call->guard_handler);
  call->guard_handler = 0;
  g_clear_object (&call->guard);

  if (error == NULL || *error == NULL ||
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (call->cancellable))
    return;

  g_clear_error (error);
  if (call->guard_reason == GUARD_TIMED_OUT)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Socket I/O timed out");
  else
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "Connection terminated unexpectedly");
}

static void
send_done (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  HaulMuxCall *call = data;

  call->result = soup_session_send_finish (SOUP_SESSION (object), result, &call->error);
  haul_mux_check_error (call->mux, call->other, call->error);
  haul_mux_call_done (call);
}

static void
send_start (HaulMuxCall *call)
{
  soup_session_send_async (call->object, call->other, G_PRIORITY_DEFAULT,
                           call->cancellable, send_done, call);
}

static void
send_call_clear (HaulMuxCall *call)
{
  g_clear_object (&call->object);
  g_clear_object (&call->other);
  g_clear_object (&call->cancellable);
}

/* A response nobody waits for any more: its body is closed, which resets
 * its stream. */
static void
send_discard (HaulMuxCall *call)
{
  g_autoptr(GInputStream) stream = g_steal_pointer (&call->result);

  if (stream != NULL)
    g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  send_call_clear (call);
}

GInputStream *
haul_mux_send (HaulMux       *self,
               SoupSession   *session,
               SoupMessage   *msg,
               GCancellable  *cancellable,
               GError       **error)
{
  g_autoptr(HaulMuxCall) call = NULL;

  g_return_val_if_fail (HAUL_IS_MUX (self), NULL);
  g_return_val_if_fail (SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (SOUP_IS_MESSAGE (msg), NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  /* The call may outlive this function: it holds what it works on. */
  call = haul_mux_call_new (send_start, send_discard);
  call->object = g_object_ref (session);
  call->other = g_object_ref (msg);
  call->cancellable = cancellable ? g_object_ref (cancellable) : NULL;

  if (!haul_mux_call (self, call, TRUE))
    {
      /* What it holds is let go of on the mux thread, with the call. */
      g_cancellable_set_error_if_cancelled (cancellable, error);
      return NULL;
    }

  send_call_clear (call);
  if (call->result == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&call->error));
      return NULL;
    }

  return haul_mux_stream_new (self, g_steal_pointer (&call->result), msg,
                              soup_session_get_timeout (session));
}
