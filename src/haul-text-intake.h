/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "haul-intake.h"

G_BEGIN_DECLS

/* Parses @text (any format the intake reads) in a worker thread, so that a
 * large paste or drop never stalls the main loop. The result is a new
 * HaulIntake holding the URLs and rejected lines. */
void        haul_text_intake_async  (const char           *text,
                                     gssize                length,
                                     const char           *content_type,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
HaulIntake *haul_text_intake_finish (GAsyncResult         *result,
                                     GError              **error);

G_END_DECLS
