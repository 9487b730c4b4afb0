/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-tls-database.h"

struct _HaulTlsDatabase
{
  GTlsDatabase  parent_instance;

  /* Both set once before the database is shared, then only read. */
  GTlsDatabase *system;
  GList        *anchors;
};

G_DEFINE_FINAL_TYPE (HaulTlsDatabase, haul_tls_database, G_TYPE_TLS_DATABASE)

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

  if (self->system != NULL)
    {
      g_autoptr(GError) local_error = NULL;

      result = g_tls_database_verify_chain (self->system, chain, purpose, identity,
                                            interaction, flags, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return result;
        }
      if (result == 0)
        return 0;
    }

  /* The system does not know the issuer: maybe the extra anchors do. The
   * check covers the whole chain, the dates and the host name. */
  for (GList *l = self->anchors; l != NULL; l = l->next)
    {
      if (g_tls_certificate_verify (chain, identity, l->data) == 0)
        return 0;
    }

  return result;
}

static void
haul_tls_database_finalize (GObject *object)
{
  HaulTlsDatabase *self = (HaulTlsDatabase *)object;

  g_clear_object (&self->system);
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
  GTlsBackend *backend = g_tls_backend_get_default ();
  GList *anchors;

  g_return_val_if_fail (ca_file != NULL, NULL);

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

  if (g_tls_backend_supports_tls (backend))
    self->system = g_tls_backend_get_default_database (backend);

  return G_TLS_DATABASE (g_steal_pointer (&self));
}
