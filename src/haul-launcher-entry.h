/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HAUL_TYPE_LAUNCHER_ENTRY (haul_launcher_entry_get_type ())

G_DECLARE_FINAL_TYPE (HaulLauncherEntry, haul_launcher_entry, HAUL, LAUNCHER_ENTRY, GObject)

/* Progress in the dock or launcher, through the LauncherEntry D-Bus signal
 * ("com.canonical.Unity.LauncherEntry") that Ubuntu's dock, Dash to Dock,
 * Plank and KDE's task manager read. Where nothing listens it costs one
 * signal now and then. */
HaulLauncherEntry *haul_launcher_entry_new          (GDBusConnection   *connection,
                                                     const char        *desktop_id);
void               haul_launcher_entry_set_progress (HaulLauncherEntry *self,
                                                     gboolean           visible,
                                                     double             fraction);

G_END_DECLS
