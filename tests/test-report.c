/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "haul-download-private.h"
#include "haul-report.h"

static GPtrArray *
make_downloads (void)
{
  GPtrArray *downloads = g_ptr_array_new_with_free_func (g_object_unref);
  HaulDownload *done = haul_download_new ("https://example.com/a.png");
  HaulDownload *failed = haul_download_new ("https://example.com/b,\"q\".png");
  HaulDownload *queued = haul_download_new ("https://example.com/c.png");

  haul_download_set_file_path (done, "/tmp/out/a.png");
  haul_download_set_progress (done, 1234, 1234);
  haul_download_set_times (done, 1000000, 1100000, 1420000);
  haul_download_set_state (done, HAUL_DOWNLOAD_DONE);

  haul_download_set_error_message (failed, "=HTTP 404 Not Found, \"gone\"");
  haul_download_set_state (failed, HAUL_DOWNLOAD_FAILED);

  g_ptr_array_add (downloads, done);
  g_ptr_array_add (downloads, failed);
  g_ptr_array_add (downloads, queued);

  return downloads;
}

static void
test_report_csv (void)
{
  g_autoptr(GPtrArray) downloads = make_downloads ();
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *text = NULL;
  g_autofree char *seconds = NULL;

  bytes = haul_report_build ((HaulDownload **)downloads->pdata, downloads->len, HAUL_REPORT_CSV);
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  lines = g_strsplit (text, "\r\n", -1);

  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, "url,file,status,bytes,seconds,error");
  seconds = g_strdup_printf ("https://example.com/a.png,/tmp/out/a.png,done,1234,%.3f,",
                             haul_download_get_seconds (downloads->pdata[0]));
  g_assert_cmpstr (lines[1], ==, seconds);
  g_assert_true (g_str_has_prefix (lines[1], "https://example.com/a.png,/tmp/out/a.png,done,1234,"));
  /* Quotes doubled, fields with commas quoted, a formula defused. */
  g_assert_cmpstr (lines[2], ==,
                   "\"https://example.com/b,\"\"q\"\".png\",,failed,0,,"
                   "\"'=HTTP 404 Not Found, \"\"gone\"\"\"");
  g_assert_cmpstr (lines[3], ==, "https://example.com/c.png,,queued,0,,");
  g_assert_cmpstr (lines[4], ==, "");
}

static void
test_report_json (void)
{
  g_autoptr(GPtrArray) downloads = make_downloads ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;
  JsonObject *object;

  bytes = haul_report_build ((HaulDownload **)downloads->pdata, downloads->len, HAUL_REPORT_JSON);
  json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  g_assert_no_error (error);

  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 3);

  object = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (object, "url"), ==, "https://example.com/a.png");
  g_assert_cmpstr (json_object_get_string_member (object, "file"), ==, "/tmp/out/a.png");
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "done");
  g_assert_cmpint (json_object_get_int_member (object, "bytes"), ==, 1234);
  g_assert_cmpfloat (json_object_get_double_member (object, "seconds"), ==,
                     haul_download_get_seconds (downloads->pdata[0]));
  g_assert_true (json_object_get_null_member (object, "error"));

  object = json_array_get_object_element (array, 1);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "failed");
  g_assert_true (json_object_get_null_member (object, "seconds"));
  g_assert_true (json_object_get_null_member (object, "file"));
  /* JSON carries the message as it is: no spreadsheet in sight. */
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==,
                   "=HTTP 404 Not Found, \"gone\"");
}

static void
test_report_format_for_name (void)
{
  g_assert_cmpint (haul_report_format_for_name ("report.json"), ==, HAUL_REPORT_JSON);
  g_assert_cmpint (haul_report_format_for_name ("REPORT.JSON"), ==, HAUL_REPORT_JSON);
  g_assert_cmpint (haul_report_format_for_name ("report.csv"), ==, HAUL_REPORT_CSV);
  g_assert_cmpint (haul_report_format_for_name ("report"), ==, HAUL_REPORT_CSV);
  g_assert_cmpint (haul_report_format_for_name (NULL), ==, HAUL_REPORT_CSV);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/report/csv", test_report_csv);
  g_test_add_func ("/report/json", test_report_json);
  g_test_add_func ("/report/format-for-name", test_report_format_for_name);

  return g_test_run ();
}
