/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "haul-launcher-entry.h"

struct _HaulLauncherEntry
{
  GObject          parent_instance;

  GDBusConnection *connection;
  char            *app_uri;
  char            *object_path;
  double           fraction;
  gboolean         visible;
  gboolean         sent;
};

G_DEFINE_FINAL_TYPE (HaulLauncherEntry, haul_launcher_entry, G_TYPE_OBJECT)

static void
send_update (HaulLauncherEntry *self)
{
  GVariantBuilder properties;

  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&properties, "{sv}", "progress", g_variant_new_double (self->fraction));
  g_variant_builder_add (&properties, "{sv}", "progress-visible", g_variant_new_boolean (self->visible));

  /* Best effort: a bus that went away is no reason to complain. */
  g_dbus_connection_emit_signal (self->connection, NULL, self->object_path,
                                 "com.canonical.Unity.LauncherEntry", "Update",
                                 g_variant_new ("(sa{sv})", self->app_uri, &properties),
                                 NULL);
  self->sent = TRUE;
}

static void
haul_launcher_entry_dispose (GObject *object)
{
  HaulLauncherEntry *self = HAUL_LAUNCHER_ENTRY (object);

  /* A dock does not keep showing the bar of a window that went. */
  if (self->connection != NULL && self->sent && self->visible)
    {
      self->visible = FALSE;
      send_update (self);
    }

  g_clear_object (&self->connection);

  G_OBJECT_CLASS (haul_launcher_entry_parent_class)->dispose (object);
}

static void
haul_launcher_entry_finalize (GObject *object)
{
  HaulLauncherEntry *self = HAUL_LAUNCHER_ENTRY (object);

  g_clear_pointer (&self->app_uri, g_free);
  g_clear_pointer (&self->object_path, g_free);

  G_OBJECT_CLASS (haul_launcher_entry_parent_class)->finalize (object);
}

static void
haul_launcher_entry_class_init (HaulLauncherEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = haul_launcher_entry_dispose;
  object_class->finalize = haul_launcher_entry_finalize;
}

static void
haul_launcher_entry_init (HaulLauncherEntry *self)
{
  self->fraction = -1.0;
}

HaulLauncherEntry *
haul_launcher_entry_new (GDBusConnection *connection,
                         const char      *desktop_id)
{
  HaulLauncherEntry *self;
  g_autofree char *path = NULL;

  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);
  g_return_val_if_fail (desktop_id != NULL, NULL);

  self = g_object_new (HAUL_TYPE_LAUNCHER_ENTRY, NULL);
  self->connection = g_object_ref (connection);
  self->app_uri = g_strdup_printf ("application://%s.desktop", desktop_id);
  path = g_strdelimit (g_strdelimit (g_strdup (desktop_id), ".", '/'), "-", '_');
  self->object_path = g_strdup_printf ("/%s/LauncherEntry", path);

  return self;
}

void
haul_launcher_entry_set_progress (HaulLauncherEntry *self,
                                  gboolean           visible,
                                  double             fraction)
{
  g_return_if_fail (HAUL_IS_LAUNCHER_ENTRY (self));

  visible = !!visible;
  fraction = CLAMP (fraction, 0.0, 1.0);

  /* A percent is as fine as a dock draws it. */
  if (visible == self->visible && (!visible || fabs (fraction - self->fraction) < 0.01))
    return;

  self->visible = visible;
  self->fraction = fraction;
  send_update (self);
}
