/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "haul-body.h"

typedef struct
{
  char *folder;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->folder = g_dir_make_tmp ("haul-body-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->folder, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (fixture->folder, name, NULL);

      g_assert_cmpint (g_unlink (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (fixture->folder), ==, 0);
  g_free (fixture->folder);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *)a, *(const char * const *)b);
}

/* The folder's names, sorted and joined by spaces. */
static char *
list_folder (Fixture *fixture)
{
  g_autoptr(GDir) dir = g_dir_open (fixture->folder, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);

  return g_strjoinv (" ", (char **)names->pdata);
}

static void
assert_contents (const char *path,
                 const char *expected)
{
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, expected);
}

static void
write_text (HaulBody   *body,
            const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (haul_body_write (body, (const guint8 *)text, strlen (text), &error));
  g_assert_no_error (error);
}

static void
assert_sha256 (HaulBody   *body,
               const char *text)
{
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);

  g_assert_cmpstr (haul_body_get_sha256 (body), ==, expected);
}

/* A body is invisible until claimed, never overwrites, and an unclaimed
 * one leaves nothing. */
static void
test_claim (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HaulBody) first = haul_body_new (fixture->folder, &error);
  g_autoptr(HaulBody) second = NULL;
  g_autoptr(HaulBody) dropped = NULL;
  g_autofree char *path = NULL;
  g_autofree char *other = NULL;
  g_autofree char *listed = NULL;

  g_assert_no_error (error);
  write_text (first, "first");
  assert_sha256 (first, "first");
  g_assert_cmpuint (haul_body_get_size (first), ==, 5);
  path = haul_body_claim (first, "photo.png", &error);
  g_assert_no_error (error);
  assert_contents (path, "first");

  second = haul_body_new (fixture->folder, &error);
  write_text (second, "second");
  other = haul_body_claim (second, "photo.png", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (other, "/photo (1).png"));
  assert_contents (path, "first");
  assert_contents (other, "second");

  dropped = haul_body_new (fixture->folder, &error);
  write_text (dropped, "dropped");
  g_clear_pointer (&dropped, haul_body_free);

  listed = list_folder (fixture);
  g_assert_cmpstr (listed, ==, "photo (1).png photo.png");
}

/* Starting over empties the file and the checksum. */
static void
test_restart (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HaulBody) body = haul_body_new (fixture->folder, &error);
  g_autofree char *path = NULL;

  write_text (body, "an older version");
  g_assert_true (haul_body_restart (body, &error));
  g_assert_cmpuint (haul_body_get_size (body), ==, 0);
  write_text (body, "new");
  assert_sha256 (body, "new");
  path = haul_body_claim (body, "a.png", &error);
  g_assert_no_error (error);
  assert_contents (path, "new");
}

static void
collect (const guint8 *data,
         gsize         length,
         gpointer      user_data)
{
  g_string_append_len (user_data, (const char *)data, length);
}

/* A named part stays for a later run, which appends to it; once claimed
 * only the final name is left. */
static void
test_part_resumed (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HaulBody) body = haul_body_new (fixture->folder, &error);
  g_autoptr(GString) read_back = g_string_new (NULL);
  g_autofree char *part_name = NULL;
  g_autofree char *part_path = NULL;
  g_autofree char *path = NULL;
  g_autofree char *listed = NULL;
  struct stat st;

  write_text (body, "first half, ");
  g_assert_true (haul_body_name_part (body, &error));
  g_assert_no_error (error);
  part_name = g_strdup (haul_body_get_part_name (body));
  g_assert_true (haul_body_is_part_name (part_name));
  /* Naming it twice keeps the name. */
  g_assert_true (haul_body_name_part (body, &error));
  g_assert_cmpstr (haul_body_get_part_name (body), ==, part_name);

  part_path = g_build_filename (fixture->folder, part_name, NULL);
  assert_contents (part_path, "first half, ");

  haul_body_keep_part (body);
  g_clear_pointer (&body, haul_body_free);
  assert_contents (part_path, "first half, ");

  body = haul_body_open_part (fixture->folder, part_name, collect, read_back, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (read_back->str, ==, "first half, ");
  g_assert_cmpuint (haul_body_get_size (body), ==, 12);
  write_text (body, "second half");
  assert_sha256 (body, "first half, second half");
  g_assert_true (haul_body_set_mtime (body, 1445412480, &error));

  path = haul_body_claim (body, "whole.png", &error);
  g_assert_no_error (error);
  assert_contents (path, "first half, second half");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mtime, ==, 1445412480);

  listed = list_folder (fixture);
  g_assert_cmpstr (listed, ==, "whole.png");
}

/* A part that is dropped goes with its body. */
static void
test_part_dropped (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HaulBody) body = haul_body_new (fixture->folder, &error);
  g_autofree char *listed = NULL;

  write_text (body, "cut");
  g_assert_true (haul_body_name_part (body, &error));
  g_clear_pointer (&body, haul_body_free);

  listed = list_folder (fixture);
  g_assert_cmpstr (listed, ==, "");
}

static void
assert_refused (Fixture    *fixture,
                const char *name,
                const char *planted)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HaulBody) body = haul_body_open_part (fixture->folder, name, NULL, NULL, &error);

  g_assert_null (body);
  g_assert_nonnull (error);
  g_test_message ("%s: %s", name, error->message);

  /* Nobody's file is removed or changed for being refused. */
  if (planted != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->folder, name, NULL);

      g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS) || g_file_test (path, G_FILE_TEST_IS_SYMLINK));
    }
}

/* Only a regular file of ours, by a partial name, is ever appended to:
 * never a symbolic link, a hard link, a FIFO or another user's file. */
static void
test_part_refused (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *target = g_build_filename (fixture->folder, "target.jpg", NULL);
  g_autofree char *symlink_path = g_build_filename (fixture->folder, ".haul-link.part", NULL);
  g_autofree char *hardlink_path = g_build_filename (fixture->folder, ".haul-hard.part", NULL);
  g_autofree char *fifo_path = g_build_filename (fixture->folder, ".haul-fifo.part", NULL);
  g_autofree char *foreign_path = g_build_filename (fixture->folder, ".haul-foreign.part", NULL);

  g_assert_true (g_file_set_contents (target, "precious", -1, NULL));
  g_assert_cmpint (symlink (target, symlink_path), ==, 0);
  g_assert_cmpint (link (target, hardlink_path), ==, 0);
  g_assert_cmpint (mkfifo (fifo_path, 0600), ==, 0);

  assert_refused (fixture, ".haul-link.part", "yes");
  assert_refused (fixture, ".haul-hard.part", "yes");
  assert_refused (fixture, ".haul-fifo.part", "yes");
  assert_refused (fixture, ".haul-missing.part", NULL);
  assert_refused (fixture, "target.jpg", "yes");
  assert_refused (fixture, "../target.part", NULL);
  assert_refused (fixture, ".haul-.part", NULL);
  assert_contents (target, "precious");

  if (geteuid () == 0)
    {
      g_assert_true (g_file_set_contents (foreign_path, "theirs", -1, NULL));
      g_assert_cmpint (chown (foreign_path, 65534, 65534), ==, 0);
      assert_refused (fixture, ".haul-foreign.part", "yes");
      assert_contents (foreign_path, "theirs");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/body/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("claim", test_claim);
  ADD ("restart", test_restart);
  ADD ("part-resumed", test_part_resumed);
  ADD ("part-dropped", test_part_dropped);
  ADD ("part-refused", test_part_refused);

#undef ADD

  return g_test_run ();
}
