/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-mux.h"

G_BEGIN_DECLS

#define HAUL_TYPE_MUX_STREAM (haul_mux_stream_get_type ())

G_DECLARE_FINAL_TYPE (HaulMuxStream, haul_mux_stream, HAUL, MUX_STREAM, GInputStream)

/* A blocking stream over @base, a response body that lives on the mux
 * thread: each read and the close run there. Takes @base; keeps @msg
 * until both are released on the mux thread. A read that waits @timeout
 * seconds (0: for ever) for its bytes fails. */
GInputStream *haul_mux_stream_new (HaulMux      *mux,
                                   GInputStream *base,
                                   SoupMessage  *msg,
                                   guint         timeout);

G_END_DECLS
