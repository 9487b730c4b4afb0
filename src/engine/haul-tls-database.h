/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HAUL_TYPE_TLS_DATABASE (haul_tls_database_get_type ())

G_DECLARE_FINAL_TYPE (HaulTlsDatabase, haul_tls_database, HAUL, TLS_DATABASE, GTlsDatabase)

/* Trusts what the system trusts, and also chains that end in one of the
 * certificates in the PEM file @ca_file (a private CA), if given.
 * Thread-safe once made: verification runs in whichever thread does the
 * handshake.
 *
 * The system's trust store is loaded only when a chain is not vouched for
 * by @ca_file. */
GTlsDatabase *haul_tls_database_new (const char  *ca_file,
                                     GError     **error);

void          haul_tls_database_install_default (void);

G_END_DECLS
