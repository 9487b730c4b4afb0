/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "haul-types.h"

G_BEGIN_DECLS

typedef enum
{
  HAUL_REPORT_CSV,
  HAUL_REPORT_JSON,
} HaulReportFormat;

/* A report has one record per download: url, file, status, bytes, seconds
 * and error. CSV follows RFC 4180 (a header line, CRLF, quoted fields);
 * JSON is an array of objects with those members. */
GBytes           *haul_report_build            (HaulDownload    **downloads,
                                                guint             n_downloads,
                                                HaulReportFormat  format);
HaulReportFormat  haul_report_format_for_name  (const char       *file_name);

G_END_DECLS
