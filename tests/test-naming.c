/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE /* O_TMPFILE */
#endif
#include "config.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "haul-error.h"
#include "haul-naming-private.h"

/* What every name we produce must be, whatever came in. */
static void
assert_safe_name (const char *name)
{
  g_assert_nonnull (name);
  g_assert_cmpuint (strlen (name), >, 0);
  g_assert_cmpuint (strlen (name), <=, HAUL_NAMING_MAX_BYTES);
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_null (strchr (name, '/'));
  g_assert_null (strchr (name, '\\'));
  g_assert_null (strstr (name, ".."));
  g_assert_cmpint (name[0], !=, '.');

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
}

static char *
repeat (const char *unit,
        guint       times)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (s, unit);

  return g_string_free (s, FALSE);
}

typedef struct
{
  const char *header;
  const char *expected;
} DispositionCase;

static const DispositionCase disposition_cases[] = {
  { "attachment; filename=\"photo.png\"", "photo.png" },
  { "attachment; filename=photo.png", "photo.png" },
  { "inline;filename=\"a b.png\"", "a b.png" },
  { "ATTACHMENT; FILENAME=\"upper.png\"", "upper.png" },
  { "attachment; filename=\"plain.png\"; filename*=UTF-8''%C3%A9t%C3%A9.png", "été.png" },
  { "attachment; filename*=UTF-8''%C3%A9t%C3%A9.png; filename=\"plain.png\"", "été.png" },
  { "attachment; filename*=utf-8'en'%E2%82%AC%20rates.png", "€ rates.png" },
  { "attachment; filename*=ISO-8859-1''%A3%20rates.png", "£ rates.png" },
  { "attachment; filename*=KOI8-R''%C1.png; filename=\"fallback.png\"", "fallback.png" },
  { "attachment; filename=\"quoted \\\"name\\\".png\"", "quoted \"name\".png" },
  { "attachment; filename=\"a;b.png\"", "a;b.png" },
  { "attachment; filename=\"../../etc/passwd\"", "../../etc/passwd" },
  { "attachment", NULL },
  { "attachment; filename=\"\"", NULL },
  { "attachment; name=\"photo.png\"", NULL },
  { "", NULL },
  { NULL, NULL },
};

static void
test_naming_content_disposition (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (disposition_cases); i++)
    {
      const DispositionCase *c = &disposition_cases[i];
      g_autofree char *name = haul_naming_from_content_disposition (c->header);

      g_test_message ("%s", c->header ? c->header : "(null)");
      g_assert_cmpstr (name, ==, c->expected);
    }
}

typedef struct
{
  const char *url;
  const char *expected;
} UrlCase;

static const UrlCase url_cases[] = {
  { "https://example.com/a/photo.jpg", "photo.jpg" },
  { "https://example.com/a/photo.jpg?size=large#top", "photo.jpg" },
  { "https://example.com/a/my%20photo.jpg", "my photo.jpg" },
  { "https://example.com/%C3%A9t%C3%A9.png", "été.png" },
  { "https://example.com/a/%2e%2e%2f", "../" },
  { "https://example.com/a/%2e%2e%2fetc%2fpasswd", "../etc/passwd" },
  { "https://example.com/a%00b.png", "a_b.png" },
  { "https://example.com/50%.png", "50%.png" },
  { "https://example.com/a/", NULL },
  { "https://example.com/", NULL },
  { "https://example.com", NULL },
  { "https://example.com?q=photo.png", NULL },
  { "not a url", NULL },
  { "", NULL },
  { NULL, NULL },
};

static void
test_naming_url (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (url_cases); i++)
    {
      const UrlCase *c = &url_cases[i];
      g_autofree char *name = haul_naming_from_url (c->url);

      g_test_message ("%s", c->url ? c->url : "(null)");
      g_assert_cmpstr (name, ==, c->expected);
    }
}

typedef struct
{
  const char *name;
  const char *expected;
} SanitizeCase;

static const SanitizeCase sanitize_cases[] = {
  { "photo.png", "photo.png" },
  { "été 2024.png", "été 2024.png" },
  { "../../etc/passwd", "passwd" },
  { "/etc/passwd", "passwd" },
  { "C:\\x\\y.png", "y.png" },
  { "..\\..\\boot.ini", "boot.ini" },
  { "a/b\\c/d.png", "d.png" },
  { ".bashrc", "bashrc" },
  { "...hidden.png", "hidden.png" },
  { ". .hidden", "hidden" },
  { "a..b.png", "a.b.png" },
  { "photo..png", "photo.png" },
  { "a\x01" "b\x7f.png", "a_b_.png" },
  { "tab\there.png", "tab_here.png" },
  { "line\nbreak.png", "line_break.png" },
  { "c1\xc2\x85.png", "c1_.png" },
  { "evil\xe2\x80\xae" "gnp.exe", "evil_gnp.exe" },
  { "  spaced .png  ", "spaced .png" },
  { "photo.", "photo" },
  { "photo. . ", "photo" },
  { "..", NULL },
  { ".", NULL },
  { "...", NULL },
  { "dir/", NULL },
  { "../", NULL },
  { "/", NULL },
  { "   ", NULL },
  { "", NULL },
  { NULL, NULL },
};

static void
test_naming_sanitize (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (sanitize_cases); i++)
    {
      const SanitizeCase *c = &sanitize_cases[i];
      g_autofree char *name = haul_naming_sanitize (c->name);
      g_autofree char *shown = g_strescape (c->name ? c->name : "(null)", NULL);

      g_test_message ("“%s”", shown);
      g_assert_cmpstr (name, ==, c->expected);
      if (name != NULL)
        assert_safe_name (name);
    }
}

static void
test_naming_sanitize_invalid_utf8 (void)
{
  g_autofree char *name = haul_naming_sanitize ("bad\xff\xfe" "name.png");

  assert_safe_name (name);
  g_assert_true (g_str_has_prefix (name, "bad"));
  g_assert_true (g_str_has_suffix (name, "name.png"));
  /* The invalid bytes become U+FFFD, not nothing. */
  g_assert_nonnull (strstr (name, "\xef\xbf\xbd"));
}

static void
test_naming_sanitize_long (void)
{
  g_autofree char *ascii = repeat ("a", 300);
  g_autofree char *ascii_png = g_strconcat (ascii, ".png", NULL);
  g_autofree char *wide = repeat ("é", 150);            /* 300 bytes of 2-byte characters */
  g_autofree char *wide_png = g_strconcat (wide, ".png", NULL);
  g_autofree char *odd = g_strconcat ("x", wide, ".png", NULL); /* the cut falls mid-character */
  g_autofree char *long_extension = g_strconcat ("name.", ascii, NULL);
  g_autofree char *a251 = repeat ("a", 251);
  g_autofree char *e125 = repeat ("é", 125);
  g_autofree char *result = NULL;
  g_autofree char *expected = NULL;

  result = haul_naming_sanitize (ascii_png);
  assert_safe_name (result);
  expected = g_strconcat (a251, ".png", NULL);
  g_assert_cmpstr (result, ==, expected);
  g_clear_pointer (&result, g_free);
  g_clear_pointer (&expected, g_free);

  result = haul_naming_sanitize (wide_png);
  assert_safe_name (result);
  expected = g_strconcat (e125, ".png", NULL);
  g_assert_cmpstr (result, ==, expected);
  g_clear_pointer (&result, g_free);
  g_clear_pointer (&expected, g_free);

  result = haul_naming_sanitize (odd);
  assert_safe_name (result);
  g_assert_cmpuint (strlen (result), ==, 1 + 250 + 4);
  g_assert_true (g_str_has_suffix (result, "é.png"));
  g_clear_pointer (&result, g_free);

  result = haul_naming_sanitize (ascii);
  assert_safe_name (result);
  g_assert_cmpuint (strlen (result), ==, HAUL_NAMING_MAX_BYTES);
  g_clear_pointer (&result, g_free);

  /* A 300-byte "extension" is no extension: it is cut like the rest. */
  result = haul_naming_sanitize (long_extension);
  assert_safe_name (result);
  g_assert_true (g_str_has_prefix (result, "name.aaa"));
  g_assert_cmpuint (strlen (result), ==, HAUL_NAMING_MAX_BYTES);
}

typedef struct
{
  const char *disposition;
  const char *url;
  const char *extension;
  const char *expected;
} ChooseCase;

static const ChooseCase choose_cases[] = {
  /* Where the name comes from. */
  { "attachment; filename=\"cd.png\"", "https://h/url.png", "png", "cd.png" },
  { "attachment; filename=\"plain.png\"; filename*=UTF-8''%F0%9F%93%B7.png", "https://h/u.png", "png", "📷.png" },
  { "attachment", "https://h/url.png", "png", "url.png" },
  { NULL, "https://h/url.png", "png", "url.png" },
  { NULL, "https://h/dir/", "png", "image.png" },
  { NULL, NULL, "png", "image.png" },
  { "", "", "png", "image.png" },
  { NULL, NULL, NULL, "image" },
  /* Unsafe names. */
  { "attachment; filename=\"../../etc/passwd\"", "https://h/u.png", "png", "passwd.png" },
  { "attachment; filename=\"/etc/passwd\"", NULL, "png", "passwd.png" },
  { "attachment; filename=\"C:\\\\x\\\\y.png\"", NULL, "png", "y.png" },
  { "attachment; filename=C:\\x\\y.png", NULL, "png", "y.png" },
  { "attachment; filename=\"..\"", "https://h/fallback.png", "png", "fallback.png" },
  { "attachment; filename=\".bashrc\"", NULL, "png", "bashrc.png" },
  { "attachment; filename*=UTF-8''a%0Ab.png", NULL, "png", "a_b.png" },
  { "attachment; filename*=UTF-8''..%2F..%2Fx.png", NULL, "png", "x.png" },
  { NULL, "https://h/a/%2e%2e%2f", "png", "image.png" },
  { NULL, "https://h/a/%2E%2E%2Fetc%2Fpasswd", "png", "passwd.png" },
  { NULL, "https://h/a/..%2f..%2f.ssh%2fid_rsa", "png", "id_rsa.png" },
  { NULL, "https://h/%2e%2e", "png", "image.png" },
  { NULL, "https://h/.htaccess", "png", "htaccess.png" },
  { NULL, "https://h/a%00.php", "png", "a_.png" },
  { NULL, "https://h/evil.png%00.php", "png", "evil.png_.png" },
  { NULL, "https://h/bell%07.gif", "gif", "bell_.gif" },
  /* The extension follows the content. */
  { NULL, "https://h/photo.jpg", "png", "photo.png" },
  { NULL, "https://h/photo.jpg", "jpg", "photo.jpg" },
  { NULL, "https://h/photo.JPEG", "jpg", "photo.JPEG" },
  { NULL, "https://h/photo.PNG", "png", "photo.PNG" },
  { NULL, "https://h/scan.tif", "tiff", "scan.tif" },
  { NULL, "https://h/photo.gif", "webp", "photo.webp" },
  { NULL, "https://h/drawing.svg", "svgz", "drawing.svgz" },
  { NULL, "https://h/drawing.svgz", "svg", "drawing.svg" },
  { NULL, "https://h/drawing.svgz", "svgz", "drawing.svgz" },
  { NULL, "https://h/photo.jpg", "heic", "photo.heic" },
  { NULL, "https://h/show.php?id=3", "png", "show.png" },
  { NULL, "https://h/img.aspx", "jpg", "img.jpg" },
  { NULL, "https://h/get.asp", "gif", "get.gif" },
  { NULL, "https://h/cgi-bin/pic.cgi", "png", "pic.png" },
  { NULL, "https://h/render.jsp", "png", "render.png" },
  { NULL, "https://h/page.html", "svg", "page.svg" },
  { NULL, "https://h/a.b", "png", "a.b.png" },
  { NULL, "https://h/photo", "gif", "photo.gif" },
  { NULL, "https://h/photo.", "gif", "photo.gif" },
  { NULL, "https://h/archive.tar.gz", "png", "archive.tar.gz.png" },
  { NULL, "https://h/photo.jpg", NULL, "photo.jpg" },
  { NULL, "https://h/show.php", NULL, "show.php" },
  { NULL, "https://h/photo.jpg", ".png", "photo.png" },
  { NULL, "https://h/photo.jpg", "../x", "photo.jpg" },
};

static void
test_naming_choose (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (choose_cases); i++)
    {
      const ChooseCase *c = &choose_cases[i];
      g_autofree char *name = haul_naming_choose (c->disposition, c->url, c->extension);

      g_test_message ("%s | %s | %s", c->disposition, c->url, c->extension);
      g_assert_cmpstr (name, ==, c->expected);
      assert_safe_name (name);
    }
}

static void
test_naming_choose_long (void)
{
  g_autofree char *stem = repeat ("ü", 150);
  g_autofree char *url = g_strdup_printf ("https://h/%s.jpg", stem);
  g_autofree char *name = haul_naming_choose (NULL, url, "png");
  g_autofree char *ascii = repeat ("b", 253);
  g_autofree char *ascii_url = g_strdup_printf ("https://h/%s", ascii);
  g_autofree char *appended = haul_naming_choose (NULL, ascii_url, "webp");

  assert_safe_name (name);
  g_assert_true (g_str_has_suffix (name, "ü.png"));
  g_assert_cmpuint (strlen (name), ==, 125 * 2 + 4);

  /* Appending an extension to a name near the limit cuts the name. */
  assert_safe_name (appended);
  g_assert_true (g_str_has_suffix (appended, "b.webp"));
  g_assert_cmpuint (strlen (appended), ==, HAUL_NAMING_MAX_BYTES);
}

/* Random bytes through every entry point: the result is always safe. */
static void
test_naming_choose_random (void)
{
  static const char alphabet[] = "./\\%a.\x01\x7f\xff\xc3\xa9 ;\"'*=0F";
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  for (guint i = 0; i < 3000; i++)
    {
      char buffer[400];
      guint length = g_rand_int_range (rand, 0, sizeof buffer);
      g_autofree char *url = NULL;
      g_autofree char *disposition = NULL;
      g_autofree char *from_url = NULL;
      g_autofree char *from_disposition = NULL;

      for (guint j = 0; j < length; j++)
        buffer[j] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      buffer[length] = '\0';

      url = g_strconcat ("https://h/", buffer, NULL);
      disposition = g_strconcat ("attachment; filename*=UTF-8''", buffer, NULL);
      from_url = haul_naming_choose (NULL, url, "png");
      from_disposition = haul_naming_choose (disposition, NULL, NULL);

      assert_safe_name (from_url);
      g_assert_true (g_str_has_suffix (from_url, ".png"));
      assert_safe_name (from_disposition);
    }

  g_rand_free (rand);
}

/* Claiming */

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("haul-naming-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  if (d == NULL)
    return;
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static char *
write_temp_file (const char *dir,
                 const char *content)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, ".haul-XXXXXX", NULL);
  int fd = g_mkstemp (path);

  g_assert_cmpint (fd, >=, 0);
  close (fd);
  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);

  return g_steal_pointer (&path);
}

static void
assert_content (const char *path,
                const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;

  g_file_get_contents (path, &content, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (content, ==, expected);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;

  return n;
}

static void
test_naming_claim_collisions (gconstpointer data)
{
  HaulNamingClaimMethod method = GPOINTER_TO_INT (data);
  g_autofree char *dir = make_temp_dir ();
  const char *expected[] = { "photo.png", "photo (1).png", "photo (2).png", "photo (3).png" };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *content = g_strdup_printf ("body %u", i);
      g_autofree char *tmp = write_temp_file (dir, content);
      g_autofree char *path = haul_naming_claim_using (dir, tmp, "photo.png", method, &error);
      g_autofree char *want = g_build_filename (dir, expected[i], NULL);

      g_assert_no_error (error);
      g_assert_cmpstr (path, ==, want);
      g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
      assert_content (path, content);
    }

  /* Nothing was overwritten along the way. */
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = g_build_filename (dir, expected[i], NULL);
      g_autofree char *content = g_strdup_printf ("body %u", i);

      assert_content (path, content);
    }
  g_assert_cmpuint (count_entries (dir), ==, G_N_ELEMENTS (expected));

  remove_tree (dir);
}

static void
test_naming_claim_no_extension (void)
{
  g_autofree char *dir = make_temp_dir ();

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *tmp = write_temp_file (dir, "x");
      g_autofree char *path = haul_naming_claim (dir, tmp, "README", &error);
      g_autofree char *base = NULL;

      g_assert_no_error (error);
      base = g_path_get_basename (path);
      if (i == 0)
        g_assert_cmpstr (base, ==, "README");
      else
        {
          g_autofree char *want = g_strdup_printf ("README (%u)", i);
          g_assert_cmpstr (base, ==, want);
        }
    }

  remove_tree (dir);
}

static void
test_naming_claim_existing_kept (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *existing = g_build_filename (dir, "photo.png", NULL);
  g_autofree char *tmp = NULL;
  g_autofree char *path = NULL;

  g_file_set_contents (existing, "precious", -1, &error);
  g_assert_no_error (error);

  tmp = write_temp_file (dir, "new");
  path = haul_naming_claim (dir, tmp, "photo.png", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "/photo (1).png"));

  assert_content (existing, "precious");
  assert_content (path, "new");

  remove_tree (dir);
}

/* A symbolic link under the wanted name, pointing outside the folder,
 * must not be written through. */
static void
test_naming_claim_symlink (gconstpointer data)
{
  HaulNamingClaimMethod method = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *outside = make_temp_dir ();
  g_autofree char *target = g_build_filename (outside, "target", NULL);
  g_autofree char *link_path = g_build_filename (dir, "photo.png", NULL);
  g_autofree char *dangling = g_build_filename (dir, "gone.png", NULL);
  g_autofree char *missing = g_build_filename (outside, "missing", NULL);
  g_autofree char *tmp = NULL;
  g_autofree char *path = NULL;

  g_file_set_contents (target, "outside", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (target, link_path), ==, 0);
  g_assert_cmpint (symlink (missing, dangling), ==, 0);

  tmp = write_temp_file (dir, "new");
  path = haul_naming_claim_using (dir, tmp, "photo.png", method, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "/photo (1).png"));
  assert_content (target, "outside");
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&tmp, g_free);

  tmp = write_temp_file (dir, "new");
  path = haul_naming_claim_using (dir, tmp, "gone.png", method, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "/gone (1).png"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_entries (outside), ==, 1);

  remove_tree (dir);
  remove_tree (outside);
}

static void
test_naming_claim_long_name (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *stem = repeat ("é", 125);
  g_autofree char *name = g_strconcat (stem, "a.png", NULL); /* 255 bytes */

  g_assert_cmpuint (strlen (name), ==, HAUL_NAMING_MAX_BYTES);

  for (guint i = 0; i < 12; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *tmp = write_temp_file (dir, "x");
      g_autofree char *path = haul_naming_claim (dir, tmp, name, &error);
      g_autofree char *base = NULL;

      g_assert_no_error (error);
      base = g_path_get_basename (path);
      assert_safe_name (base);
      g_assert_true (g_str_has_suffix (base, ".png"));
      if (i > 0)
        {
          g_autofree char *suffix = g_strdup_printf (" (%u).png", i);
          g_assert_true (g_str_has_suffix (base, suffix));
        }
    }
  g_assert_cmpuint (count_entries (dir), ==, 12);

  remove_tree (dir);
}

/* A folder already full of numbered copies is not walked one by one. */
static void
test_naming_claim_many_taken (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *path = NULL;
  const guint taken = 300;

  for (guint i = 0; i <= taken; i++)
    {
      g_autofree char *name = i == 0 ? g_strdup ("photo.png") : g_strdup_printf ("photo (%u).png", i);
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_autofree char *content = g_strdup_printf ("%u", i);

      int fd = g_open (p, O_WRONLY | O_CREAT | O_EXCL, 0644);

      /* Writing to every file makes this slow on some file systems; the
       * ones checked below get content. */
      g_assert_cmpint (fd, >=, 0);
      if (i % 97 == 0)
        g_assert_cmpint (write (fd, content, strlen (content)), ==, (gssize)strlen (content));
      g_close (fd, NULL);
    }

  /* More taken names than a claim has attempts for (256). */
  tmp = write_temp_file (dir, "new");
  path = haul_naming_claim (dir, tmp, "photo.png", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (path, "/photo (301).png"));
  assert_content (path, "new");

  for (guint i = 0; i <= taken; i += 97)
    {
      g_autofree char *name = i == 0 ? g_strdup ("photo.png") : g_strdup_printf ("photo (%u).png", i);
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_autofree char *content = g_strdup_printf ("%u", i);

      assert_content (p, content);
    }

  remove_tree (dir);
}

static void
test_naming_claim_errors (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *missing_dir = g_build_filename (dir, "missing", NULL);
  g_autofree char *missing_tmp = g_build_filename (dir, ".haul-missing", NULL);
  g_autofree char *tmp = write_temp_file (dir, "keep");
  const char *bad_names[] = { "", ".", "..", "../x.png", "a/b.png", "/etc/passwd" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = haul_naming_claim (dir, tmp, bad_names[i], &error);

      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
      g_assert_null (path);
      assert_content (tmp, "keep");
    }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = haul_naming_claim (missing_dir, tmp, "photo.png", &error);

    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_null (path);
    assert_content (tmp, "keep");
  }

  {
    g_autoptr(GError) error = NULL;
    g_autofree char *path = haul_naming_claim (dir, missing_tmp, "photo.png", &error);

    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_null (path);
    g_assert_nonnull (strstr (error->message, "photo.png"));
  }

  /* Only the temporary file is there: nothing was claimed by the failures. */
  g_assert_cmpuint (count_entries (dir), ==, 1);

  remove_tree (dir);
}

/* Many threads claiming the same name at once. */

#define N_THREADS 16
#define CLAIMS_PER_THREAD 8

typedef struct
{
  GMutex mutex;
  GCond  cond;
  guint  waiting;
} Barrier;

typedef struct
{
  const char            *dir;
  HaulNamingClaimMethod  method;
  guint                  index;
  Barrier               *barrier;
  char                  *paths[CLAIMS_PER_THREAD];
} ClaimThread;

static void
barrier_wait (Barrier *barrier)
{
  g_mutex_lock (&barrier->mutex);
  if (--barrier->waiting == 0)
    g_cond_broadcast (&barrier->cond);
  while (barrier->waiting > 0)
    g_cond_wait (&barrier->cond, &barrier->mutex);
  g_mutex_unlock (&barrier->mutex);
}

static gpointer
claim_thread (gpointer data)
{
  ClaimThread *t = data;
  char *tmps[CLAIMS_PER_THREAD];

  for (guint i = 0; i < CLAIMS_PER_THREAD; i++)
    {
      g_autofree char *content = g_strdup_printf ("%u-%u", t->index, i);
      tmps[i] = write_temp_file (t->dir, content);
    }

  /* Start together, so that the claims really race. */
  barrier_wait (t->barrier);

  for (guint i = 0; i < CLAIMS_PER_THREAD; i++)
    {
      GError *error = NULL;

      t->paths[i] = haul_naming_claim_using (t->dir, tmps[i], "photo.png", t->method, &error);
      g_assert_no_error (error);
      g_free (tmps[i]);
    }

  return NULL;
}

static void
test_naming_claim_threads (gconstpointer data)
{
  HaulNamingClaimMethod method = GPOINTER_TO_INT (data);
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(GHashTable) paths = g_hash_table_new (g_str_hash, g_str_equal);
  ClaimThread threads[N_THREADS];
  GThread *handles[N_THREADS];
  Barrier barrier = { .waiting = N_THREADS };

  g_mutex_init (&barrier.mutex);
  g_cond_init (&barrier.cond);

  for (guint i = 0; i < N_THREADS; i++)
    {
      threads[i] = (ClaimThread) { .dir = dir, .method = method, .index = i, .barrier = &barrier };
      handles[i] = g_thread_new ("claim", claim_thread, &threads[i]);
    }

  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (handles[i]);

  for (guint i = 0; i < N_THREADS; i++)
    {
      for (guint j = 0; j < CLAIMS_PER_THREAD; j++)
        {
          g_autofree char *content = g_strdup_printf ("%u-%u", i, j);
          char *path = threads[i].paths[j];

          g_assert_nonnull (path);
          g_assert_false (g_hash_table_contains (paths, path));
          g_hash_table_add (paths, path);
          /* Each file still holds what its own thread wrote. */
          assert_content (path, content);
        }
    }

  /* Exactly the claimed files: no temporary file left, nothing lost. */
  g_assert_cmpuint (count_entries (dir), ==, N_THREADS * CLAIMS_PER_THREAD);
  for (guint n = 0; n < N_THREADS * CLAIMS_PER_THREAD; n++)
    {
      g_autofree char *name = n == 0 ? g_strdup ("photo.png") : g_strdup_printf ("photo (%u).png", n);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_true (g_hash_table_contains (paths, path));
    }

  for (guint i = 0; i < N_THREADS; i++)
    for (guint j = 0; j < CLAIMS_PER_THREAD; j++)
      g_free (threads[i].paths[j]);
  g_mutex_clear (&barrier.mutex);
  g_cond_clear (&barrier.cond);

  remove_tree (dir);
}

static void
add_method_test (const char            *path,
                 HaulNamingClaimMethod  method,
                 GTestDataFunc          func)
{
  g_test_add_data_func (path, GINT_TO_POINTER (method), func);
}

/* A file opened with O_TMPFILE has no name until claimed: it gets the
 * next free one, nothing is overwritten, a symbolic link in the way is
 * not followed, and a file that failed to get a name leaves nothing. */
static void
test_naming_claim_anonymous (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *outside = make_temp_dir ();
  g_autofree char *target = g_build_filename (outside, "target", NULL);
  g_autofree char *taken = g_build_filename (dir, "photo.png", NULL);
  g_autofree char *link_path = g_build_filename (dir, "photo (1).png", NULL);
  const char *expected[] = { "photo (2).png", "photo (3).png" };
  g_autoptr(GError) error = NULL;
  int fd;

  g_file_set_contents (taken, "taken", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (target, "outside", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (target, link_path), ==, 0);

  fd = open (dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_test_skip ("O_TMPFILE is not supported here");
      remove_tree (dir);
      remove_tree (outside);
      return;
    }
  close (fd);

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *content = g_strdup_printf ("body %u", i);
      g_autofree char *want = g_build_filename (dir, expected[i], NULL);
      g_autofree char *path = NULL;

      fd = open (dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (write (fd, content, strlen (content)), ==, (gssize)strlen (content));
      path = haul_naming_claim_fd (dir, fd, "photo.png", &error);
      g_assert_cmpint (close (fd), ==, 0);

      g_assert_no_error (error);
      g_assert_cmpstr (path, ==, want);
      assert_content (path, content);
    }

  /* Refused names leave nothing behind once the file is closed. */
  fd = open (dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_null (haul_naming_claim_fd (dir, fd, "../escape.png", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME);
  g_clear_error (&error);
  close (fd);

  assert_content (taken, "taken");
  assert_content (target, "outside");
  g_assert_cmpuint (count_entries (dir), ==, 2 + G_N_ELEMENTS (expected));
  g_assert_cmpuint (count_entries (outside), ==, 1);

  remove_tree (dir);
  remove_tree (outside);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/naming/content-disposition", test_naming_content_disposition);
  g_test_add_func ("/naming/url", test_naming_url);
  g_test_add_func ("/naming/sanitize", test_naming_sanitize);
  g_test_add_func ("/naming/sanitize-invalid-utf8", test_naming_sanitize_invalid_utf8);
  g_test_add_func ("/naming/sanitize-long", test_naming_sanitize_long);
  g_test_add_func ("/naming/choose", test_naming_choose);
  g_test_add_func ("/naming/choose-long", test_naming_choose_long);
  g_test_add_func ("/naming/choose-random", test_naming_choose_random);

  add_method_test ("/naming/claim/collisions/link", HAUL_NAMING_CLAIM_LINK, test_naming_claim_collisions);
  add_method_test ("/naming/claim/collisions/rename", HAUL_NAMING_CLAIM_RENAME_NOREPLACE,
                   test_naming_claim_collisions);
  add_method_test ("/naming/claim/collisions/exclusive", HAUL_NAMING_CLAIM_EXCLUSIVE_CREATE,
                   test_naming_claim_collisions);
  g_test_add_func ("/naming/claim/no-extension", test_naming_claim_no_extension);
  g_test_add_func ("/naming/claim/existing-kept", test_naming_claim_existing_kept);
  add_method_test ("/naming/claim/symlink/link", HAUL_NAMING_CLAIM_LINK, test_naming_claim_symlink);
  add_method_test ("/naming/claim/symlink/rename", HAUL_NAMING_CLAIM_RENAME_NOREPLACE,
                   test_naming_claim_symlink);
  add_method_test ("/naming/claim/symlink/exclusive", HAUL_NAMING_CLAIM_EXCLUSIVE_CREATE,
                   test_naming_claim_symlink);
  g_test_add_func ("/naming/claim/long-name", test_naming_claim_long_name);
  g_test_add_func ("/naming/claim/many-taken", test_naming_claim_many_taken);
  g_test_add_func ("/naming/claim/errors", test_naming_claim_errors);
  g_test_add_func ("/naming/claim/anonymous", test_naming_claim_anonymous);
  add_method_test ("/naming/claim/threads/link", HAUL_NAMING_CLAIM_LINK, test_naming_claim_threads);
  add_method_test ("/naming/claim/threads/rename", HAUL_NAMING_CLAIM_RENAME_NOREPLACE,
                   test_naming_claim_threads);
  add_method_test ("/naming/claim/threads/exclusive", HAUL_NAMING_CLAIM_EXCLUSIVE_CREATE,
                   test_naming_claim_threads);

  return g_test_run ();
}
