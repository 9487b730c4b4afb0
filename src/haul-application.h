/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define HAUL_TYPE_APPLICATION (haul_application_get_type ())

G_DECLARE_FINAL_TYPE (HaulApplication, haul_application, HAUL, APPLICATION, AdwApplication)

HaulApplication *haul_application_new (void);

G_END_DECLS
