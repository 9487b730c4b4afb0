/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-download.h"

G_BEGIN_DECLS

/* Used by the downloader, on the main context only. */

void          haul_download_reset            (HaulDownload      *self,
                                              gint64             queued_time);
GCancellable *haul_download_get_cancellable  (HaulDownload      *self);
void          haul_download_set_state        (HaulDownload      *self,
                                              HaulDownloadState  state);
void          haul_download_set_progress     (HaulDownload      *self,
                                              guint64            bytes_received,
                                              gint64             total_bytes);
void          haul_download_set_response     (HaulDownload      *self,
                                              guint              http_status,
                                              const char        *final_url,
                                              const char        *content_type);
void          haul_download_set_file_path    (HaulDownload      *self,
                                              const char        *file_path);
void          haul_download_set_image        (HaulDownload      *self,
                                              int                width,
                                              int                height,
                                              GdkPixbuf         *thumbnail);
void          haul_download_set_animation    (HaulDownload      *self,
                                              gboolean           animated,
                                              guint              frames);
void          haul_download_set_error_message (HaulDownload     *self,
                                              const char        *error_message);
void          haul_download_set_validators   (HaulDownload      *self,
                                              const char        *sha256,
                                              const char        *etag,
                                              const char        *last_modified);
void          haul_download_set_skip_reason  (HaulDownload      *self,
                                              HaulSkipReason     reason);
void          haul_download_set_times        (HaulDownload      *self,
                                              gint64             started_time,
                                              gint64             first_byte_time,
                                              gint64             finished_time);

G_END_DECLS
