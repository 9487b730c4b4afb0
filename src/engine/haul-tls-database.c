/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-tls-database.h"

struct _HaulTlsDatabase
{
  GTlsDatabase  parent_instance;

  /* Set once before the database is shared, then only read. */
  GList        *anchors;
};

G_DEFINE_FINAL_TYPE (HaulTlsDatabase, haul_tls_database, G_TYPE_TLS_DATABASE)

/* The backend's own database of the system's trust store, made by the
 * first handshake that needs it, in its thread, and kept. Asked of the
 * backend itself: GIO's default may be ours. */
static GTlsDatabase *
system_database (void)
{
  static GTlsDatabase *system;

  if (g_once_init_enter (&system))
    {
      GTlsBackend *backend = g_tls_backend_get_default ();
      GTlsBackendInterface *iface = G_TLS_BACKEND_GET_INTERFACE (backend);
      GTlsDatabase *database = NULL;

      if (g_tls_backend_supports_tls (backend) && iface->get_default_database != NULL)
        database = iface->get_default_database (backend);
      /* A backend without one still needs a non-NULL value here. */
      if (database == NULL)
        database = g_object_new (HAUL_TYPE_TLS_DATABASE, NULL);
      g_once_init_leave (&system, database);
    }

  return HAUL_IS_TLS_DATABASE (system) ? NULL : system;
}

static GTlsCertificateFlags
haul_tls_database_verify_chain (GTlsDatabase             *database,
                                GTlsCertificate          *chain,
                                const char               *purpose,
                                GSocketConnectable       *identity,
                                GTlsInteraction          *interaction,
                                GTlsDatabaseVerifyFlags   flags,
                                GCancellable             *cancellable,
                                GError                  **error)
{
  HaulTlsDatabase *self = HAUL_TLS_DATABASE (database);
  GTlsCertificateFlags result = G_TLS_CERTIFICATE_GENERIC_ERROR;
  GTlsDatabase *system;
  g_autoptr(GError) local_error = NULL;

  /* The extra anchors first: a chain one of them vouches for (the whole
   * chain, its dates and the host name are checked) needs no system trust
   * store, whose 150 certificates take 13 ms and 6 MB to load. */
  for (GList *l = self->anchors; l != NULL; l = l->next)
    {
      if (g_tls_certificate_verify (chain, identity, l->data) == 0)
        return 0;
    }

  system = system_database ();
  if (system == NULL)
    return result;

  result = g_tls_database_verify_chain (system, chain, purpose, identity,
                                        interaction, flags, cancellable, &local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));

  return result;
}

static void
haul_tls_database_finalize (GObject *object)
{
  HaulTlsDatabase *self = (HaulTlsDatabase *)object;

  g_list_free_full (self->anchors, g_object_unref);

  G_OBJECT_CLASS (haul_tls_database_parent_class)->finalize (object);
}

static void
haul_tls_database_class_init (HaulTlsDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  object_class->finalize = haul_tls_database_finalize;
  database_class->verify_chain = haul_tls_database_verify_chain;
}

static void
haul_tls_database_init (HaulTlsDatabase *self)
{
}

GTlsDatabase *
haul_tls_database_new (const char  *ca_file,
                       GError     **error)
{
  g_autoptr(HaulTlsDatabase) self = NULL;
  g_autoptr(GError) local_error = NULL;
  GList *anchors;

  if (ca_file == NULL)
    return g_object_new (HAUL_TYPE_TLS_DATABASE, NULL);

  anchors = g_tls_certificate_list_new_from_file (ca_file, &local_error);
  if (local_error != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Cannot read the certificates in %s: %s"), ca_file, local_error->message);
      return NULL;
    }
  if (anchors == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("No certificate found in %s"), ca_file);
      return NULL;
    }

  self = g_object_new (HAUL_TYPE_TLS_DATABASE, NULL);
  self->anchors = anchors;

  return G_TLS_DATABASE (g_steal_pointer (&self));
}

/**
 * haul_tls_database_install_default:
 *
 * Makes a database of ours, with no extra anchors, GIO's default. libsoup
 * 3.2 hands a TLS connection its session's database only after making it,
 * and glib-networking 2.74 loads the whole system trust store into every
 * connection made with its own default database, some 8 ms and 4 MB each;
 * with ours it only asks the database to verify. Verification is the
 * same: ours asks the system's.
 */
void
haul_tls_database_install_default (void)
{
  static gsize installed;

  if (g_once_init_enter (&installed))
    {
      g_autoptr(GTlsDatabase) database = haul_tls_database_new (NULL, NULL);

      g_tls_backend_set_default_database (g_tls_backend_get_default (), database);
      g_once_init_leave (&installed, 1);
    }
}
