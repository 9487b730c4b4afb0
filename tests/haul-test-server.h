/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* An HTTP server on 127.0.0.1, running in its own thread, that serves:
 *   /img/NAME.png      a generated PNG, different for each NAME, after
 *                      a delay of ?delay=MS milliseconds (default 0), or
 *                      sent in pieces over ?drip=MS milliseconds
 *   /drip/NAME.png     the same, sent in pieces over 0.6 to 2 seconds
 *   /slow/NAME.png     a PNG header, then a few bytes every 50 ms, for
 *                      about ten seconds: a download that can be cancelled
 *   /flaky/NAME.png    404 while the server is failing, else a PNG
 *   /forbidden/NAME.png 403, whatever the Referer
 *   /held/NAME.png     a PNG, but only once the server stops holding
 */
typedef struct _HaulTestServer HaulTestServer;

HaulTestServer *haul_test_server_new         (void);
void            haul_test_server_free        (HaulTestServer *server);
char           *haul_test_server_url         (HaulTestServer *server,
                                              const char     *path);
void            haul_test_server_set_failing (HaulTestServer *server,
                                              gboolean        failing);
void            haul_test_server_set_holding (HaulTestServer *server,
                                              gboolean        holding);
guint           haul_test_server_get_requests (HaulTestServer *server);

/* A colourful sample picture: @index picks the colours. */
GBytes         *haul_test_make_png           (guint           index,
                                              int             width,
                                              int             height);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulTestServer, haul_test_server_free)

G_END_DECLS
