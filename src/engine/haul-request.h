/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Which Referer a request sends. An image that answers 403 is tried once
 * more with the other policy: hosts that refuse hotlinking want their own
 * origin, hosts that refuse foreign referers want none. */
typedef enum
{
  HAUL_REFERER_NONE,      /* no Referer */
  HAUL_REFERER_GIVEN,     /* the page's, or --referer */
  HAUL_REFERER_ORIGIN,    /* the image's own origin, "https://host/" */
} HaulRefererPolicy;

/* How a request is built: extra headers, the Referer and cookies. Made on
 * the main context from the downloader's properties and then shared by the
 * workers; the cookies are read on first use, in a worker. */
typedef struct _HaulRequest HaulRequest;

HaulRequest       *haul_request_new              (const char * const  *headers,
                                                  const char          *cookies_file);
HaulRequest       *haul_request_ref              (HaulRequest         *self);
void               haul_request_unref            (HaulRequest         *self);

/* The Referer given with -H "Referer: …", or NULL. */
const char        *haul_request_get_referer      (HaulRequest         *self);

HaulRefererPolicy  haul_request_first_policy     (const char          *referer);
HaulRefererPolicy  haul_request_fallback_policy  (HaulRefererPolicy    policy);

/* Runs in a worker: adds the headers, the Referer of @policy and the
 * cookies that apply to @uri to @msg. Fails when the cookies file cannot
 * be read. */
gboolean           haul_request_prepare          (HaulRequest         *self,
                                                  SoupMessage         *msg,
                                                  GUri                *uri,
                                                  const char          *referer,
                                                  HaulRefererPolicy    policy,
                                                  GError             **error);

/* Checks an extra header, "Name: Value": a token for a name, no control
 * characters, and none of the headers that frame the message, which
 * libsoup writes itself. */
gboolean           haul_request_parse_header     (const char          *line,
                                                  char               **name,
                                                  char               **value,
                                                  GError             **error);
/* A user agent, Referer or header value: printable, one line. */
gboolean           haul_request_check_value      (const char          *what,
                                                  const char          *value,
                                                  GError             **error);

/* Reads a Netscape cookies.txt or a Firefox cookies.sqlite into a jar in
 * memory, never writing to the file; a database is read from a private
 * copy, since a running Firefox keeps it locked. Blocks. */
SoupCookieJar     *haul_request_load_cookies     (const char          *path,
                                                  GError             **error);

/* A resolver that sends everything through @proxy (http, https, socks,
 * socks4, socks4a or socks5 URL), or NULL with @error. */
GProxyResolver    *haul_request_proxy_resolver_new (const char        *proxy,
                                                    GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulRequest, haul_request_unref)

G_END_DECLS
