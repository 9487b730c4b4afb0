/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define HAUL_TYPE_MUX (haul_mux_get_type ())

G_DECLARE_FINAL_TYPE (HaulMux, haul_mux, HAUL, MUX, GObject)

/* One thread that drives libsoup's asynchronous API on a main context of
 * its own, for blocking callers in other threads. libsoup shares an HTTP/2
 * connection only among the messages of one thread, so workers that send
 * through the mux put their requests to one host on one connection as
 * streams, where each would otherwise open its own. The workers keep
 * everything else: they block in haul_mux_send() and in reads of the
 * stream it returns, and write, hash and decode the bytes themselves, so
 * a slow disk or decode holds up only its own transfer. */
HaulMux      *haul_mux_new  (void);

/* Like soup_session_send(), from any thread but the mux's. The stream's
 * reads and close run on the mux thread too; cancelling @cancellable ends
 * a wait at once, and on an HTTP/2 connection resets only that stream. */
GInputStream *haul_mux_send (HaulMux       *self,
                             SoupSession   *session,
                             SoupMessage   *msg,
                             GCancellable  *cancellable,
                             GError       **error);

gboolean      haul_mux_shares          (HaulMux *self,
                                        GUri    *uri);
gboolean      haul_mux_lost_connection (HaulMux *self);

/* Drops a reference to @object on the mux thread, without waiting: a
 * message it sent, or its body, is finished where libsoup ran it. */
void          haul_mux_release (HaulMux  *self,
                                gpointer  object);

G_END_DECLS
