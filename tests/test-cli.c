/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "test-server.h"

static TestServer *server;

static GSubprocess *
spawn_cli (const char * const  *args,
           GSubprocessFlags     flags)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  GSubprocess *proc;

  g_ptr_array_add (argv, (gpointer)g_getenv ("HAUL_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *)argv->pdata, flags, &error);
  g_assert_no_error (error);

  return proc;
}

/* Runs haul-cli with @args and @input on its standard input, returning its
 * exit status and output. */
static int
run_cli_with_input (const char * const  *args,
                    const char          *input,
                    char               **out,
                    char               **err)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  proc = spawn_cli (args, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                          (input ? G_SUBPROCESS_FLAGS_STDIN_PIPE : 0));
  g_subprocess_communicate_utf8 (proc, input, NULL, out, err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (proc))
    g_error ("haul-cli did not exit normally; its errors: %s", *err);

  return g_subprocess_get_exit_status (proc);
}

static int
run_cli (const char * const  *args,
         char               **out,
         char               **err)
{
  return run_cli_with_input (args, NULL, out, err);
}

static void
test_cli_version (void)
{
  const char *args[] = { "--version", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "haul-cli " PACKAGE_VERSION "\n");
}

static void
test_cli_help (void)
{
  const char *args[] = { "--help", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "haul-cli " PACKAGE_VERSION));
  g_assert_nonnull (strstr (out, "--version"));
}

static void
test_cli_unknown_option (void)
{
  const char *args[] = { "--no-such-option", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--no-such-option"));
  g_assert_cmpstr (out, ==, "");
}

/* A fresh output folder; removed, with what is in it, by remove_folder(). */
static char *
make_folder (void)
{
  g_autoptr(GError) error = NULL;
  char *folder = g_dir_make_tmp ("haul-cli-XXXXXX", &error);

  g_assert_no_error (error);
  return folder;
}

static guint
count_files (const char *folder,
             gboolean    assert_no_temporary)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    {
      if (assert_no_temporary)
        g_assert_false (g_str_has_prefix (name, ".haul-"));
      n++;
    }

  return n;
}

static void
remove_folder (char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (folder, name, NULL);
      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (folder), ==, 0);
  g_free (folder);
}

/* The comparison with one by one is there only where it means something:
 * for two items or more, in a run that was not interrupted. */
static void
assert_summary_line (const char *line,
                     guint       done,
                     guint       total,
                     gboolean    compared)
{
  g_autofree char *pattern =
    g_strdup_printf ("^Finished %u of %u in [0-9]+[.,][0-9]+ s%s$", done, total,
                     compared ? " \\(one by one: [0-9]+[.,][0-9]+ s, [0-9]+[.,][0-9]+× faster\\)"
                              : "");

  if (!g_regex_match_simple (pattern, line, 0, 0))
    g_error ("“%s” is not a summary for %u of %u", line, done, total);
}

static void
test_cli_download (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *a = test_server_url (server, "/unique/a.png");
  g_autofree char *b = test_server_url (server, "/mismatch/b.jpg");
  const char *args[] = { "-o", folder, "-j", "2", a, b, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *a_path = g_build_filename (folder, "a.png", NULL);
  g_autofree char *b_path = g_build_filename (folder, "b.png", NULL);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");

  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_true (g_str_has_prefix (lines[0], "done: "));
  g_assert_true (g_str_has_prefix (lines[1], "done: "));
  g_assert_nonnull (strstr (out, "done: a.png, "));
  g_assert_nonnull (strstr (out, "done: b.png, "));
  assert_summary_line (lines[2], 2, 2, TRUE);
  g_assert_cmpstr (lines[3], ==, "");

  g_assert_true (g_file_test (a_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (b_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (folder, TRUE), ==, 2);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_failure (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *a = test_server_url (server, "/png/ok.png");
  g_autofree char *b = test_server_url (server, "/status/404");
  const char *args[] = { "--retries", "0", "-o", folder, a, b, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("failed: %s: HTTP 404 Not Found\n", b);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, expected));
  lines = g_strsplit (out, "\n", -1);
  assert_summary_line (lines[2], 1, 2, TRUE);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 1);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_json (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *png = test_server_url (server, "/png/j.png");
  g_autofree char *html = test_server_url (server, "/html");
  g_autofree char *missing = test_server_url (server, "/status/500");
  const char *args[] = { "--json", "--retries", "0", "-o", folder, png, html, missing, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  guint seen = 0;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[4], ==, "");

  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *object;
      const char *url;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_nonnull (object);

      if (i == 3)
        {
          g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "summary");
          g_assert_cmpint (json_object_get_int_member (object, "total"), ==, 3);
          g_assert_cmpint (json_object_get_int_member (object, "done"), ==, 1);
          g_assert_cmpint (json_object_get_int_member (object, "failed"), ==, 2);
          g_assert_cmpfloat (json_object_get_double_member (object, "elapsed"), >=, 0);
          g_assert_cmpfloat (json_object_get_double_member (object, "sum"), >=, 0);
          continue;
        }

      g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "item");
      for (guint k = 0; k < 11; k++)
        {
          const char *fields[] = { "type", "url", "status", "file", "bytes", "seconds",
                                   "http_status", "content_type", "width", "height", "error" };
          g_assert_true (json_object_has_member (object, fields[k]));
        }
      g_assert_cmpuint (json_object_get_size (object), ==, 11);

      url = json_object_get_string_member (object, "url");
      if (g_strcmp0 (url, png) == 0)
        {
          g_autofree char *path = g_build_filename (folder, "j.png", NULL);

          seen |= 1;
          g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "done");
          g_assert_cmpstr (json_object_get_string_member (object, "file"), ==, path);
          g_assert_cmpint (json_object_get_int_member (object, "bytes"), ==,
                           g_bytes_get_size (server->png));
          g_assert_cmpint (json_object_get_int_member (object, "http_status"), ==, 200);
          g_assert_cmpstr (json_object_get_string_member (object, "content_type"), ==, "image/png");
          g_assert_cmpint (json_object_get_int_member (object, "width"), ==, 40);
          g_assert_cmpint (json_object_get_int_member (object, "height"), ==, 30);
          g_assert_true (json_object_get_null_member (object, "error"));
        }
      else if (g_strcmp0 (url, html) == 0)
        {
          seen |= 2;
          g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "failed");
          g_assert_true (json_object_get_null_member (object, "file"));
          g_assert_cmpstr (json_object_get_string_member (object, "error"), ==,
                           "not an image (text/html)");
        }
      else if (g_strcmp0 (url, missing) == 0)
        {
          seen |= 4;
          g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "failed");
          g_assert_cmpint (json_object_get_int_member (object, "http_status"), ==, 500);
          g_assert_cmpstr (json_object_get_string_member (object, "error"), ==,
                           "HTTP 500 Internal Server Error");
        }
    }

  g_assert_cmpuint (seen, ==, 7);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 1);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_dry_run (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *list = g_build_filename (folder, "urls.txt", NULL);
  g_autofree char *a = test_server_url (server, "/png/a.png");
  g_autofree char *b = test_server_url (server, "/png/b.png");
  g_autofree char *text = g_strdup_printf ("# images\n%s\n\nthis is no address\n%s\n%s\n", a, b, a);
  g_autofree char *expected_out = g_strdup_printf ("%s\n%s\n", a, b);
  g_autofree char *expected_err = g_strdup_printf ("%s:4: ", list);
  const char *args[] = { "--dry-run", "-o", folder, list, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_true (g_file_set_contents (list, text, -1, NULL));
  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);

  /* In order, de-duplicated, nothing fetched. */
  g_assert_cmpstr (out, ==, expected_out);
  g_assert_true (g_str_has_prefix (err, expected_err) ||
                 strstr (err, "urls.txt:4: ") != NULL);
  g_assert_nonnull (strstr (err, "this is no address"));
  g_assert_cmpuint (count_files (folder, TRUE), ==, 1);
  g_assert_cmpuint (test_server_get_hits (server, "/png/b.png"), ==, 0);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_stdin (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *a = test_server_url (server, "/unique/in1.png");
  g_autofree char *b = test_server_url (server, "/unique/in2.png");
  g_autofree char *input = g_strdup_printf ("%s\n%s\n", a, b);
  const char *args[] = { "--quiet", "-o", folder, "-", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli_with_input (args, input, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpuint (count_files (folder, TRUE), ==, 2);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_bad_argument (void)
{
  g_autofree char *a = test_server_url (server, "/png/a.png");
  const char *args[] = { "--dry-run", "ftp://127.0.0.1/x.png", a, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("%s\n", a);

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, expected);
  g_assert_true (g_str_has_prefix (err, "argument:1: "));
  g_assert_true (g_str_has_suffix (err, ": ftp://127.0.0.1/x.png\n"));
}

static void
test_cli_usage_errors (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *a = test_server_url (server, "/png/usage.png");
  g_autofree char *missing = g_build_filename (folder, "no-such-list.txt", NULL);
  const char *cases[][6] = {
    { "-j", "0", "-o", folder, a, NULL },
    { "-j", "65", "-o", folder, a, NULL },
    { "-j", "many", "-o", folder, a, NULL },
    { "--retries", "-1", "-o", folder, a, NULL },
    { "--max-size", "lots", "-o", folder, a, NULL },
    { "-o", folder, NULL },
    { "-o", folder, missing, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (run_cli (cases[i], &out, &err), ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpstr (err, !=, "");
    }

  /* Nothing was downloaded. */
  g_assert_cmpuint (count_files (folder, TRUE), ==, 0);
  g_assert_cmpuint (test_server_get_hits (server, "/png/usage.png"), ==, 0);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_jobs_limits (void)
{
  g_autofree char *a = test_server_url (server, "/png/a.png");
  const char *one[] = { "--dry-run", "-j", "1", a, NULL };
  const char *max[] = { "--dry-run", "-j", "64", a, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (one, &out, &err), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (max, &out, &err), ==, 0);
}

static void
test_cli_https (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *url = g_strconcat (server->tls_base, "/png/tls.png", NULL);
  g_autofree char *ca_file = g_test_build_filename (G_TEST_DIST, "tls", "ca.pem", NULL);
  const char *trusting[] = { "--ca-file", ca_file, "-o", folder, url, NULL };
  /* Not skipped as saved: the point is to ask the server again. */
  const char *plain[] = { "--json", "--no-skip", "-o", folder, url, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (run_cli (trusting, &out, &err) != 0)
    g_error ("%s%s", out, err);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (plain, &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, "TLS certificate not trusted"));
  g_assert_cmpuint (count_files (folder, TRUE), ==, 1);
  remove_folder (g_steal_pointer (&folder));
}


static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_remove (path);
}

static char *
find_part (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, ".haul-") && g_str_has_suffix (name, ".part"))
      return g_build_filename (folder, name, NULL);

  return NULL;
}

/* haul-cli gets a record of its own in @state. */
static void
use_state (const char *state)
{
  g_setenv ("XDG_STATE_HOME", state, TRUE);
}

/* The second run of a list into the same folder sends no request for what
 * is there, says so in both formats, and a deleted file comes back. */
static void
test_cli_second_run (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *state = make_folder ();
  g_autofree char *a = test_server_url (server, "/unique/second-a.png");
  g_autofree char *b = test_server_url (server, "/unique/second-b.png");
  g_autofree char *a_path = g_build_filename (folder, "second-a.png", NULL);
  g_autofree char *b_path = g_build_filename (folder, "second-b.png", NULL);
  const char *args[] = { "-o", folder, a, b, NULL };
  const char *json[] = { "--json", "-o", folder, a, NULL };
  const char *no_skip[] = { "--no-skip", "-o", folder, a, NULL };
  const char *keep[] = { "--no-skip", "--keep-duplicates", "-o", folder, a, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  JsonObject *object;

  use_state (state);
  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_cmpuint (test_server_get_hits (server, "/unique/second-a.png"), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (g_unlink (b_path), ==, 0);
  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  expected = g_strdup_printf ("skipped: %s: already downloaded (second-a.png)\n", a);
  g_assert_nonnull (strstr (out, expected));
  g_assert_nonnull (strstr (out, "done: second-b.png, "));
  g_assert_cmpuint (test_server_get_hits (server, "/unique/second-a.png"), ==, 1);
  g_assert_cmpuint (test_server_get_hits (server, "/unique/second-b.png"), ==, 2);
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (json, &out, &err), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_true (json_parser_load_from_data (parser, lines[0], -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "skipped");
  g_assert_cmpstr (json_object_get_string_member (object, "file"), ==, a_path);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "already downloaded");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Asked again, the same body is still not kept twice... */
  g_assert_cmpint (run_cli (no_skip, &out, &err), ==, 0);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("skipped: %s: same image as second-a.png\n", a);
  g_assert_nonnull (strstr (out, expected));
  g_assert_cmpuint (test_server_get_hits (server, "/unique/second-a.png"), ==, 2);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* ...unless asked to keep it. */
  g_assert_cmpint (run_cli (keep, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "done: second-a (1).png, "));
  g_assert_cmpuint (count_files (folder, TRUE), ==, 3);

  g_unsetenv ("XDG_STATE_HOME");
  remove_folder (g_steal_pointer (&folder));
  remove_tree (state);
}

/* Two addresses of one picture keep one file. */
static void
test_cli_same_image (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *state = make_folder ();
  g_autofree char *a = test_server_url (server, "/png/first.png");
  g_autofree char *b = test_server_url (server, "/png/again.png?delay=300");
  const char *args[] = { "-o", folder, a, b, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;

  use_state (state);
  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  expected = g_strdup_printf ("skipped: %s: same image as first.png\n", b);
  g_assert_nonnull (strstr (out, "done: first.png, "));
  g_assert_nonnull (strstr (out, expected));
  g_assert_cmpuint (count_files (folder, TRUE), ==, 1);

  g_unsetenv ("XDG_STATE_HOME");
  remove_folder (g_steal_pointer (&folder));
  remove_tree (state);
}

static gboolean
part_is_big (const char *folder)
{
  g_autofree char *part = find_part (folder);
  GStatBuf st;

  return part != NULL && g_stat (part, &st) == 0 && st.st_size >= TEST_BIG_CUT;
}

/* kill -9 in the middle of a big transfer: the next run asks for the rest
 * with Range and If-Range, and the file comes out whole. */
static void
test_cli_resume_after_kill (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *state = make_folder ();
  g_autofree char *url = test_server_url (server, "/big/killed");
  g_autofree char *path = g_build_filename (folder, "killed.png", NULL);
  const char *args[] = { "-o", folder, url, NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree guint8 *expected = test_make_pattern (TEST_BIG_LENGTH);
  g_autofree char *expected_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, expected,
                                                              TEST_BIG_LENGTH);
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *range = NULL;
  g_autofree char *if_range = NULL;
  g_autofree char *left = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gsize length;

  use_state (state);
  proc = spawn_cli (args, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  while (!part_is_big (folder))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (G_USEC_PER_SEC / 50);
    }
  /* The record is written as the part gets its name; a moment more. */
  g_usleep (G_USEC_PER_SEC / 5);
  g_subprocess_force_exit (proc);
  g_subprocess_wait (proc, NULL, NULL);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (part_is_big (folder));

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "done: killed.png, "));
  g_assert_cmpuint (test_server_get_hits (server, "/big/killed"), ==, 2);
  g_mutex_lock (&server->lock);
  range = g_strdup (server->range);
  if_range = g_strdup (server->if_range);
  g_mutex_unlock (&server->lock);
  g_assert_nonnull (range);
  g_assert_true (g_str_has_prefix (range, "bytes="));
  g_assert_cmpuint (g_ascii_strtoull (range + 6, NULL, 10), >=, TEST_BIG_CUT);
  g_assert_cmpstr (if_range, ==, "\"b1\"");

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, TEST_BIG_LENGTH);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guint8 *)contents, length);
  g_assert_cmpstr (sha, ==, expected_sha);
  left = find_part (folder);
  g_assert_null (left);

  g_unsetenv ("XDG_STATE_HOME");
  remove_folder (g_steal_pointer (&folder));
  remove_tree (state);
}

/* The saved file's time is the server's Last-Modified, unless asked not. */
static void
test_cli_mtime (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *url = test_server_url (server, "/dated.png");
  g_autofree char *path = g_build_filename (folder, "dated.png", NULL);
  g_autofree char *path2 = g_build_filename (folder, "dated (1).png", NULL);
  const char *args[] = { "--no-record", "-o", folder, url, NULL };
  const char *now[] = { "--no-record", "--no-mtime", "-o", folder, url, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  GStatBuf st;

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mtime, ==, TEST_LAST_MODIFIED_UNIX);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (now, &out, &err), ==, 0);
  g_assert_cmpint (g_stat (path2, &st), ==, 0);
  g_assert_cmpint (st.st_mtime, >, g_get_real_time () / G_USEC_PER_SEC - 600);
  remove_folder (g_steal_pointer (&folder));
}

/* A user without a home folder: one warning about the record, and the
 * downloads still done. */
static void
test_cli_no_home (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *a = test_server_url (server, "/unique/no-home-a.png");
  g_autofree char *b = test_server_url (server, "/unique/no-home-b.png");
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  /* Under a file: no home can be made there, by root either. */
  g_autofree char *blocker = g_build_filename (g_get_tmp_dir (), "haul-no-home-XXXXXX", NULL);
  g_autofree char *home = NULL;
  int fd = g_mkstemp (blocker);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  home = g_build_filename (blocker, "home", NULL);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "XDG_STATE_HOME");
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HAUL_CLI"),
                                      "-o", folder, a, b, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  lines = g_strsplit (err, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "haul-cli: warning: cannot use the download record "));
  g_assert_nonnull (strstr (lines[0], home));
  g_assert_cmpstr (lines[1], ==, "");
  g_assert_cmpuint (count_files (folder, TRUE), ==, 2);
  remove_folder (g_steal_pointer (&folder));
  g_unlink (blocker);
}

static void
test_cli_c_locale (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *url =
    test_server_url (server, "/cd?h=attachment%3B%20filename%2A%3DUTF-8%27%27%C3%A9t%C3%A9.png");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  /* Scripts often run without a UTF-8 locale; the output stays UTF-8. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C", TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HAUL_CLI"),
                                      "-o", folder, url, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);

  lines = g_strsplit (out, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "done: été.png, "));
  assert_summary_line (lines[1], 1, 1, FALSE);
  remove_folder (g_steal_pointer (&folder));
}

/* A body being written is a hidden temporary file in @folder, or a file
 * without a name (O_TMPFILE) that only the process's descriptors show. */
static gboolean
is_writing_body (GSubprocess *proc,
                 const char  *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  g_autofree char *fd_dir_path = NULL;
  g_autofree char *prefix = g_strconcat (folder, "/", NULL);
  g_autoptr(GDir) fd_dir = NULL;
  const char *name;

  while ((name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, ".haul-"))
      return TRUE;

  fd_dir_path = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (proc));
  fd_dir = g_dir_open (fd_dir_path, 0, NULL);
  while (fd_dir != NULL && (name = g_dir_read_name (fd_dir)))
    {
      g_autofree char *link_path = g_build_filename (fd_dir_path, name, NULL);
      g_autofree char *target = g_file_read_link (link_path, NULL);

      if (target != NULL && g_str_has_prefix (target, prefix))
        return TRUE;
    }

  return FALSE;
}

/* Sends @signum while bodies are being written, and checks the exit status
 * and that nothing is left in the folder. */
static void
assert_signal_stops_cleanly (int          signum,
                             int          exit_status,
                             const char  *first_path,
                             const char  *second_path)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *a = test_server_url (server, first_path);
  g_autofree char *b = second_path ? test_server_url (server, second_path) : NULL;
  const char *args[] = { "-o", folder, a, b, NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  proc = spawn_cli (args, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);

  /* Wait until the bodies are being written. */
  while (!is_writing_body (proc, folder))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (G_USEC_PER_SEC / 50);
    }

  g_subprocess_send_signal (proc, signum);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, exit_status);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 0);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_interrupt (void)
{
  assert_signal_stops_cleanly (SIGINT, 130, "/endless.png?slow=1", "/endless.png?slow=1&n=2");
}

/* Standard input that never ends is refused at the limit, not read into
 * memory until it runs out. */
static void
test_cli_endless_stdin (void)
{
  const char *args[] = { "--dry-run", "-", NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = test_server_url (server, "/png/again.png\n");
  g_autoptr(GString) chunk = g_string_new (NULL);
  GOutputStream *in;
  gsize written = 0;
  gsize limit = 64 * 1024 * 1024;

  signal (SIGPIPE, SIG_IGN);
  while (chunk->len < 64 * 1024)
    g_string_append (chunk, line);

  proc = spawn_cli (args, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                          G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  in = g_subprocess_get_stdin_pipe (proc);

  /* Four times the limit stands for "never ends": it stops reading well
   * before that, and the pipe breaks. */
  while (written < limit)
    {
      gsize n = 0;

      if (!g_output_stream_write_all (in, chunk->str, chunk->len, &n, NULL, &error))
        break;
      written += n;
    }
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  g_assert_cmpuint (written, <, limit / 2);
  g_output_stream_close (in, NULL, NULL);

  g_subprocess_wait (proc, NULL, NULL);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 2);
}

/* kill(1) and timeout(1) stop it as cleanly as Ctrl+C. */
static void
test_cli_terminate (void)
{
  assert_signal_stops_cleanly (SIGTERM, 128 + SIGTERM, "/endless.png?slow=1&n=3", NULL);
}

/* --pages: a page's line, then its images', and nothing but full size. */
static void
test_cli_pages (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *page = test_server_url (server, "/site/cli-gallery.html");
  const char *args[] = { "--pages", "-o", folder, page, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("page: %s: 2 images (Cats & dogs)", page);
  g_auto(GStrv) lines = NULL;

  test_server_add_page (server, "cli-gallery.html",
                        "<title>Cats &amp; dogs</title>"
                        "<a href=\"/img/400/300/cat.png\"><img src=\"/img/40/30/cat-t.png\"></a>"
                        "<a href=\"/img/400/300/dog.png\"><img src=\"/img/40/30/dog-t.png\"></a>");

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);
  g_assert_cmpstr (lines[0], ==, expected);
  g_assert_true (g_str_has_prefix (lines[1], "done: "));
  g_assert_true (g_str_has_prefix (lines[2], "done: "));
  assert_summary_line (lines[3], 2, 2, TRUE);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 2);
  g_assert_cmpuint (test_server_get_hits (server, "/img/40/30/cat-t.png"), ==, 0);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_pages_json (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *page = test_server_url (server, "/site/cli-json.html");
  g_autofree char *empty = test_server_url (server, "/site/cli-empty.html");
  g_autofree char *direct = test_server_url (server, "/png/cli-direct.png");
  const char *args[] = { "--pages", "--json", "--retries", "0", "-j", "1", "-o", folder,
                         page, empty, direct, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean page_seen = FALSE;
  gboolean empty_seen = FALSE;
  guint images = 0;

  test_server_add_page (server, "cli-json.html",
                        "<img src=\"/img/300/200/j1.png\"><img src=\"/img/300/200/j2.png\">");
  test_server_add_page (server, "cli-empty.html", "<p>No pictures here</p>");

  /* A page that failed makes the run fail. */
  g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 7);

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonObject *object;
      const char *type;

      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      object = json_node_get_object (json_parser_get_root (parser));
      type = json_object_get_string_member (object, "type");

      if (strcmp (type, "page") == 0 &&
          strcmp (json_object_get_string_member (object, "url"), page) == 0)
        {
          g_assert_cmpuint (images, ==, 0);
          page_seen = TRUE;
          g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "done");
          g_assert_true (json_object_get_null_member (object, "title"));
          g_assert_cmpint (json_object_get_int_member (object, "images"), ==, 2);
          g_assert_true (json_object_get_null_member (object, "error"));
          g_assert_cmpuint (json_object_get_size (object), ==, 6);
        }
      else if (strcmp (type, "page") == 0)
        {
          empty_seen = TRUE;
          g_assert_cmpstr (json_object_get_string_member (object, "url"), ==, empty);
          g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "failed");
          g_assert_cmpint (json_object_get_int_member (object, "images"), ==, 0);
          g_assert_cmpstr (json_object_get_string_member (object, "error"), ==,
                           "no images found on the page");
        }
      else if (strcmp (type, "item") == 0)
        {
          const char *url = json_object_get_string_member (object, "url");

          g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "done");
          if (strcmp (url, direct) == 0)
            g_assert_true (json_object_get_null_member (object, "page"));
          else
            {
              g_assert_true (page_seen);
              g_assert_cmpstr (json_object_get_string_member (object, "page"), ==, page);
              images++;
            }
        }
      else
        {
          g_assert_cmpstr (type, ==, "summary");
          g_assert_cmpint (json_object_get_int_member (object, "pages"), ==, 2);
          g_assert_cmpint (json_object_get_int_member (object, "total"), ==, 3);
          g_assert_cmpint (json_object_get_int_member (object, "done"), ==, 3);
        }
    }

  g_assert_true (page_seen && empty_seen);
  g_assert_cmpuint (images, ==, 2);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 3);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_pages_failed (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *missing = test_server_url (server, "/site/cli-missing.html");
  const char *args[] = { "-p", "--retries", "0", "-o", folder, missing, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("failed: %s: HTTP 404 Not Found\n", missing);

  g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
  g_assert_true (g_str_has_prefix (out, expected));
  g_assert_cmpuint (count_files (folder, TRUE), ==, 0);
  remove_folder (g_steal_pointer (&folder));
}

/* Without --pages, a page is still no image. */
static void
test_cli_without_pages (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *page = test_server_url (server, "/site/cli-nopages.html");
  const char *args[] = { "--retries", "0", "-o", folder, page, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("failed: %s: not an image (text/html)\n", page);

  test_server_add_page (server, "cli-nopages.html", "<img src=\"/img/300/200/np.png\">");
  g_assert_cmpint (run_cli (args, &out, &err), ==, 1);
  g_assert_true (g_str_has_prefix (out, expected));
  g_assert_cmpuint (test_server_get_hits (server, "/img/300/200/np.png"), ==, 0);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 0);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_pages_dry_run (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *page = test_server_url (server, "/site/cli-dry.html");
  g_autofree char *direct = test_server_url (server, "/img/10/10/direct.png");
  const char *args[] = { "--dry-run", "--pages", "-o", folder, page, direct, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *d1 = test_server_url (server, "/img/500/500/d1.png");
  g_autofree char *d2 = test_server_url (server, "/img/500/500/d2.png");

  test_server_add_page (server, "cli-dry.html",
                        "<a href=\"/img/500/500/d1.png\"><img src=\"/img/50/50/d1t.png\"></a>"
                        "<img data-src=\"/img/500/500/d2.png\" src=\"data:,\">");
  /* In the order of the inputs, a page's images where the page was. */
  expected = g_strdup_printf ("%s\n%s\n%s\n", d1, d2, direct);

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpuint (test_server_get_hits (server, "/img/500/500/d1.png"), ==, 0);
  g_assert_cmpuint (test_server_get_hits (server, "/img/10/10/direct.png"), ==, 0);
  g_assert_cmpuint (count_files (folder, TRUE), ==, 0);
  remove_folder (g_steal_pointer (&folder));
}

static void
test_cli_min_dimensions (void)
{
  g_autofree char *folder = make_folder ();
  g_autofree char *small = test_server_url (server, "/img/120/90/small.png");
  g_autofree char *large = test_server_url (server, "/img/400/300/large.png");
  const char *args[] = { "--min-dimensions", "300x300", "-o", folder, small, large, NULL };
  const char *bad[][3] = {
    { "--min-dimensions", "300", NULL },
    { "--min-dimensions", "0x300", NULL },
    { "--min-dimensions", "300x", NULL },
    { "--min-dimensions", "axb", NULL },
    { "--max-pages", "0", NULL },
    { "--max-pages", "1001", NULL },
  };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("skipped: %s: smaller than 300×300 (120×90)\n", small);

  g_assert_cmpint (run_cli (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, expected));
  g_assert_nonnull (strstr (out, "done: large.png"));
  g_assert_cmpuint (count_files (folder, TRUE), ==, 1);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *bad_args[] = { bad[i][0], bad[i][1], large, NULL };
      g_autofree char *bad_out = NULL;
      g_autofree char *bad_err = NULL;

      g_assert_cmpint (run_cli (bad_args, &bad_out, &bad_err), ==, 2);
      g_assert_nonnull (strstr (bad_err, bad[i][0]));
    }
  remove_folder (g_steal_pointer (&folder));
}

/* A home with Pictures/Haul in it, and the /.flatpak-info and mount table
 * of a Flatpak that shares just that folder, as the manifest asks. */
typedef struct
{
  char *home;
  char *shared;
  char *info;
  char *mountinfo;
} FakeSandbox;

static void
fake_sandbox_init (FakeSandbox *fake)
{
  g_autofree char *config = NULL;
  g_autofree char *dirs = NULL;
  g_autofree char *table = NULL;

  fake->home = make_folder ();
  config = g_build_filename (fake->home, ".config", NULL);
  fake->shared = g_build_filename (fake->home, "Pictures", "Haul", NULL);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (fake->shared, 0700), ==, 0);

  dirs = g_build_filename (config, "user-dirs.dirs", NULL);
  g_assert_true (g_file_set_contents (dirs, "XDG_PICTURES_DIR=\"$HOME/Pictures\"\n", -1, NULL));

  fake->info = g_build_filename (fake->home, "flatpak-info", NULL);
  g_assert_true (g_file_set_contents (fake->info,
                                      "[Application]\nname=io.github.haul.Haul\n\n"
                                      "[Context]\nfilesystems=xdg-pictures/Haul:create;\n", -1, NULL));

  fake->mountinfo = g_build_filename (fake->home, "mountinfo", NULL);
  table = g_strdup_printf ("64 42 0:39 /newroot / rw,nosuid - tmpfs tmpfs rw\n"
                           "133 64 254:0 %s %s rw,nosuid - ext4 /dev/vda rw\n",
                           fake->shared, fake->shared);
  g_assert_true (g_file_set_contents (fake->mountinfo, table, -1, NULL));
}

static void
fake_sandbox_clear (FakeSandbox *fake)
{
  const char *files[] = { ".config/user-dirs.dirs", "flatpak-info", "mountinfo" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (fake->home, files[i], NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
  /* With what haul-cli left there: the record, in .local/state. */
  remove_tree (fake->home);
  g_assert_false (g_file_test (fake->home, G_FILE_TEST_EXISTS));
  g_clear_pointer (&fake->home, g_free);
  g_clear_pointer (&fake->shared, g_free);
  g_clear_pointer (&fake->info, g_free);
  g_clear_pointer (&fake->mountinfo, g_free);
}

/* Runs haul-cli in @cwd as if inside the Flatpak @fake describes. */
static int
run_cli_sandboxed (FakeSandbox         *fake,
                   const char          *cwd,
                   const char * const  *args,
                   char               **out,
                   char               **err)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_build_filename (fake->home, ".config", NULL);

  g_subprocess_launcher_setenv (launcher, "HAUL_FLATPAK_INFO", fake->info, TRUE);
  g_subprocess_launcher_setenv (launcher, "HAUL_MOUNTINFO", fake->mountinfo, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", fake->home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
  g_subprocess_launcher_set_cwd (launcher, cwd);

  g_ptr_array_add (argv, (gpointer)g_getenv ("HAUL_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));

  return g_subprocess_get_exit_status (proc);
}

/* Inside the Flatpak the current folder is the sandbox's own: without -o,
 * files go to the shared Pictures/Haul. */
static void
test_cli_sandbox_default_folder (void)
{
  FakeSandbox fake = { 0 };
  g_autofree char *cwd = make_folder ();
  g_autofree char *a = test_server_url (server, "/png/sandboxed.png");
  const char *args[] = { a, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *saved = NULL;

  fake_sandbox_init (&fake);
  saved = g_build_filename (fake.shared, "sandboxed.png", NULL);

  g_assert_cmpint (run_cli_sandboxed (&fake, cwd, args, &out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_str_has_prefix (out, "done: sandboxed.png, "));
  g_assert_true (g_file_test (saved, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (cwd, TRUE), ==, 0);

  g_assert_cmpint (g_unlink (saved), ==, 0);
  fake_sandbox_clear (&fake);
  remove_folder (g_steal_pointer (&cwd));
}

/* -o on a folder the sandbox does not share: exit 2, nothing fetched, and
 * the message names the folder and what to do. */
static void
test_cli_sandbox_unshared_folder (void)
{
  FakeSandbox fake = { 0 };
  g_autofree char *cwd = make_folder ();
  g_autofree char *a = test_server_url (server, "/png/unshared.png");
  g_autofree char *elsewhere = g_build_filename (cwd, "elsewhere", NULL);
  const char *args[] = { "-o", elsewhere, a, NULL };
  const char *dot[] = { "-o", ".", a, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *command = NULL;

  fake_sandbox_init (&fake);
  command = g_strdup_printf ("flatpak override --user --filesystem=%s:create io.github.haul.Haul",
                             elsewhere);

  g_assert_cmpint (run_cli_sandboxed (&fake, cwd, args, &out, &err), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, elsewhere));
  g_assert_nonnull (strstr (err, "-o ~/Pictures/Haul"));
  g_assert_nonnull (strstr (err, command));
  g_assert_false (g_file_test (elsewhere, G_FILE_TEST_EXISTS));

  /* -o . is the current folder, the sandbox's own as well. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli_sandboxed (&fake, cwd, dot, &out, &err), ==, 2);
  g_assert_nonnull (strstr (err, cwd));

  g_assert_cmpuint (test_server_get_hits (server, "/png/unshared.png"), ==, 0);
  g_assert_cmpuint (count_files (cwd, TRUE), ==, 0);
  g_assert_cmpuint (count_files (fake.shared, TRUE), ==, 0);

  fake_sandbox_clear (&fake);
  remove_folder (g_steal_pointer (&cwd));
}

/* No Pictures folder, no -o: nothing the sandbox shares to save into. */
static void
test_cli_sandbox_no_pictures (void)
{
  FakeSandbox fake = { 0 };
  g_autofree char *cwd = make_folder ();
  g_autofree char *a = test_server_url (server, "/png/no-pictures.png");
  g_autofree char *dirs = NULL;
  const char *args[] = { a, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  fake_sandbox_init (&fake);
  dirs = g_build_filename (fake.home, ".config", "user-dirs.dirs", NULL);
  g_assert_true (g_file_set_contents (dirs, "", -1, NULL));

  g_assert_cmpint (run_cli_sandboxed (&fake, cwd, args, &out, &err), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "no Pictures folder"));
  g_assert_nonnull (strstr (err, "flatpak override --user --filesystem="));
  g_assert_cmpuint (test_server_get_hits (server, "/png/no-pictures.png"), ==, 0);
  g_assert_cmpuint (count_files (cwd, TRUE), ==, 0);
  g_assert_cmpuint (count_files (fake.shared, TRUE), ==, 0);

  fake_sandbox_clear (&fake);
  remove_folder (g_steal_pointer (&cwd));
}

/* A list of links outside the shared folders is missing inside the
 * sandbox: the message says why, not just "No such file". */
static void
test_cli_sandbox_unshared_input (void)
{
  FakeSandbox fake = { 0 };
  g_autofree char *cwd = make_folder ();
  g_autofree char *list = g_build_filename (cwd, "not-here.txt", NULL);
  const char *args[] = { list, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *command = NULL;

  fake_sandbox_init (&fake);
  command = g_strdup_printf ("flatpak override --user --filesystem=%s:ro io.github.haul.Haul", list);

  g_assert_cmpint (run_cli_sandboxed (&fake, cwd, args, &out, &err), ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, list));
  g_assert_nonnull (strstr (err, "sandbox"));
  g_assert_nonnull (strstr (err, command));

  fake_sandbox_clear (&fake);
  remove_folder (g_steal_pointer (&cwd));
}

/* Outside a sandbox, no -o still means the current folder. */
static void
test_cli_default_folder (void)
{
  g_autofree char *cwd = make_folder ();
  g_autofree char *a = test_server_url (server, "/png/here.png");
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved = g_build_filename (cwd, "here.png", NULL);

  g_subprocess_launcher_set_cwd (launcher, cwd);
  proc = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("HAUL_CLI"), a, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (proc, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (saved, G_FILE_TEST_IS_REGULAR));

  remove_folder (g_steal_pointer (&cwd));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/version", test_cli_version);
  g_test_add_func ("/cli/help", test_cli_help);
  g_test_add_func ("/cli/unknown-option", test_cli_unknown_option);
  g_test_add_func ("/cli/download", test_cli_download);
  g_test_add_func ("/cli/failure", test_cli_failure);
  g_test_add_func ("/cli/json", test_cli_json);
  g_test_add_func ("/cli/dry-run", test_cli_dry_run);
  g_test_add_func ("/cli/stdin", test_cli_stdin);
  g_test_add_func ("/cli/endless-stdin", test_cli_endless_stdin);
  g_test_add_func ("/cli/bad-argument", test_cli_bad_argument);
  g_test_add_func ("/cli/usage-errors", test_cli_usage_errors);
  g_test_add_func ("/cli/jobs-limits", test_cli_jobs_limits);
  g_test_add_func ("/cli/https", test_cli_https);
  g_test_add_func ("/cli/interrupt", test_cli_interrupt);
  g_test_add_func ("/cli/terminate", test_cli_terminate);
  g_test_add_func ("/cli/c-locale", test_cli_c_locale);
  g_test_add_func ("/cli/second-run", test_cli_second_run);
  g_test_add_func ("/cli/same-image", test_cli_same_image);
  g_test_add_func ("/cli/resume-after-kill", test_cli_resume_after_kill);
  g_test_add_func ("/cli/mtime", test_cli_mtime);
  g_test_add_func ("/cli/no-home", test_cli_no_home);
  g_test_add_func ("/cli/pages", test_cli_pages);
  g_test_add_func ("/cli/pages-json", test_cli_pages_json);
  g_test_add_func ("/cli/pages-failed", test_cli_pages_failed);
  g_test_add_func ("/cli/without-pages", test_cli_without_pages);
  g_test_add_func ("/cli/pages-dry-run", test_cli_pages_dry_run);
  g_test_add_func ("/cli/min-dimensions", test_cli_min_dimensions);
  g_test_add_func ("/cli/default-folder", test_cli_default_folder);
  g_test_add_func ("/cli/sandbox/default-folder", test_cli_sandbox_default_folder);
  g_test_add_func ("/cli/sandbox/unshared-folder", test_cli_sandbox_unshared_folder);
  g_test_add_func ("/cli/sandbox/unshared-input", test_cli_sandbox_unshared_input);
  g_test_add_func ("/cli/sandbox/no-pictures", test_cli_sandbox_no_pictures);

  server = test_server_new ();
  result = g_test_run ();
  test_server_free (server);

  return result;
}
