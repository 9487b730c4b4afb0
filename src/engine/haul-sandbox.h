/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The default download folder, inside Pictures. Never translated: the
 * Flatpak manifest grants exactly xdg-pictures/Haul, and a translated name
 * would fall outside that permission. */
#define HAUL_DEFAULT_FOLDER_NAME "Haul"

#define HAUL_TYPE_SANDBOX (haul_sandbox_get_type ())

G_DECLARE_FINAL_TYPE (HaulSandbox, haul_sandbox, HAUL, SANDBOX, GObject)

HaulSandbox *haul_sandbox_get_default          (void);
HaulSandbox *haul_sandbox_new                  (const char   *info_path,
                                                const char   *mountinfo_path);
gboolean     haul_sandbox_is_sandboxed         (HaulSandbox  *self);
const char  *haul_sandbox_get_app_id           (HaulSandbox  *self);
GFile       *haul_sandbox_dup_default_folder   (HaulSandbox  *self);
gboolean     haul_sandbox_check_folder         (HaulSandbox  *self,
                                                GFile        *folder,
                                                GError      **error);
gboolean     haul_sandbox_check_input          (HaulSandbox  *self,
                                                GFile        *file,
                                                GError      **error);
char        *haul_sandbox_dup_override_command (HaulSandbox  *self,
                                                GFile        *file,
                                                gboolean      read_only);

G_END_DECLS
