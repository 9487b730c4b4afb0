/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HAUL_TYPE_SETTINGS (haul_settings_get_type ())

G_DECLARE_FINAL_TYPE (HaulSettings, haul_settings, HAUL, SETTINGS, GObject)

/* Properties, each bound to the GSettings key of the same name:
 *   "download-folder"      string, "" means XDG Pictures/Haul
 *   "concurrent-downloads" int 1–64
 *   "retries"              int
 *   "timeout"              int seconds
 *   "max-size"             guint64 bytes
 *   "accept-any-type"      gboolean
 *   "start-immediately"    gboolean
 *   "per-host"             int 0–64, 0 = no limit
 *   "delay"                double seconds
 *   "limit-rate"           guint64 bytes per second, 0 = no limit
 *   "cookies-file"         string, "" for none
 * The last four have the names of the downloader's properties.
 *   "get-images-from-pages" gboolean: a link to a web page gives the page's images
 *   "min-image-width"      int 0–10000: images found on pages narrower than this are skipped
 *   "min-image-height"     int 0–10000: and shorter than this
 *   "view"                 string, "list" or "grid": how the window shows the downloads
 */

HaulSettings *haul_settings_new                      (void);
GSettings    *haul_settings_get_settings             (HaulSettings *self);
const char   *haul_settings_get_download_folder      (HaulSettings *self);
void          haul_settings_set_download_folder      (HaulSettings *self,
                                                      const char   *folder);
GFile        *haul_settings_dup_download_folder_file (HaulSettings *self);
int           haul_settings_get_concurrent_downloads (HaulSettings *self);
gboolean      haul_settings_get_start_immediately    (HaulSettings *self);
const char   *haul_settings_get_cookies_file         (HaulSettings *self);
void          haul_settings_set_cookies_file         (HaulSettings *self,
                                                      const char   *path);

G_END_DECLS
