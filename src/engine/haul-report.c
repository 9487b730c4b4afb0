/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "haul-download.h"
#include "haul-report.h"

static gboolean
starts_formula (const char *field)
{
  return field[0] != '\0' && strchr ("=+-@", field[0]) != NULL;
}

static void
append_csv_field (GString    *out,
                  const char *field)
{
  if (field == NULL)
    field = "";

  /* Spreadsheets evaluate cells that start with these; a URL or error text
   * from a server must never run as a formula. */
  if (strpbrk (field, ",\"\r\n") == NULL && !starts_formula (field))
    {
      g_string_append (out, field);
      return;
    }

  g_string_append_c (out, '"');
  if (starts_formula (field))
    g_string_append_c (out, '\'');
  for (const char *p = field; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static char *
format_seconds (double seconds)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Not started or not finished: no time to tell. */
  if (seconds < 0)
    return g_strdup ("");

  /* Always a dot, whatever the locale: the report is read by programs. */
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.3f", seconds));
}

static GBytes *
build_csv (HaulDownload **downloads,
           guint          n_downloads)
{
  GString *out = g_string_new ("url,file,status,bytes,seconds,error\r\n");

  for (guint i = 0; i < n_downloads; i++)
    {
      HaulDownload *d = downloads[i];
      g_autofree char *seconds = format_seconds (haul_download_get_seconds (d));

      append_csv_field (out, haul_download_get_url (d));
      g_string_append_c (out, ',');
      append_csv_field (out, haul_download_get_file_path (d));
      g_string_append_c (out, ',');
      append_csv_field (out, haul_download_state_to_string (haul_download_get_state (d)));
      g_string_append_printf (out, ",%" G_GUINT64_FORMAT ",%s,",
                              haul_download_get_bytes_received (d), seconds);
      append_csv_field (out, haul_download_get_error_message (d));
      g_string_append (out, "\r\n");
    }

  return g_string_free_to_bytes (out);
}

static GBytes *
build_json (HaulDownload **downloads,
            guint          n_downloads)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  char *text;
  gsize length;

  json_builder_begin_array (builder);
  for (guint i = 0; i < n_downloads; i++)
    {
      HaulDownload *d = downloads[i];
      const char *file = haul_download_get_file_path (d);
      const char *error = haul_download_get_error_message (d);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "url");
      json_builder_add_string_value (builder, haul_download_get_url (d));
      json_builder_set_member_name (builder, "file");
      if (file != NULL)
        json_builder_add_string_value (builder, file);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder,
                                     haul_download_state_to_string (haul_download_get_state (d)));
      json_builder_set_member_name (builder, "bytes");
      json_builder_add_int_value (builder, (gint64)haul_download_get_bytes_received (d));
      json_builder_set_member_name (builder, "seconds");
      if (haul_download_get_seconds (d) >= 0)
        json_builder_add_double_value (builder, haul_download_get_seconds (d));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "error");
      if (error != NULL)
        json_builder_add_string_value (builder, error);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &length);

  return g_bytes_new_take (text, length);
}

/**
 * haul_report_build:
 * @downloads: (array length=n_downloads): the downloads to describe
 * @n_downloads: how many
 * @format: CSV or JSON
 *
 * Returns: (transfer full): the report, UTF-8
 */
GBytes *
haul_report_build (HaulDownload     **downloads,
                   guint              n_downloads,
                   HaulReportFormat   format)
{
  g_return_val_if_fail (downloads != NULL || n_downloads == 0, NULL);

  if (format == HAUL_REPORT_JSON)
    return build_json (downloads, n_downloads);

  return build_csv (downloads, n_downloads);
}

/* JSON when the name ends in .json, CSV otherwise. */
HaulReportFormat
haul_report_format_for_name (const char *file_name)
{
  if (file_name != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (file_name, -1);

      if (g_str_has_suffix (lower, ".json"))
        return HAUL_REPORT_JSON;
    }

  return HAUL_REPORT_CSV;
}
