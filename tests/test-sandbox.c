/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "haul-error.h"
#include "haul-sandbox.h"

/* A home that exists nowhere: the rule reads only the two files it is
 * given, never the folders it judges. */
#define HOME "/home/tester"

static char *tmp_dir;

static void
set_user_dirs (const char *contents)
{
  g_autofree char *path = g_build_filename (tmp_dir, "config", "user-dirs.dirs", NULL);

  if (contents != NULL)
    g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  else
    g_unlink (path);
  g_reload_user_special_dirs_cache ();
}

static void
set_pictures (void)
{
  set_user_dirs ("XDG_PICTURES_DIR=\"$HOME/Bilder\"\nXDG_DOWNLOAD_DIR=\"$HOME/Downloads\"\n");
}

static char *
write_file (const char *name,
            const char *contents)
{
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
  return path;
}

/* @mounts: "MOUNT-POINT TYPE OPTIONS" lines after the sandbox's root tmpfs,
 * each written as proc(5) does. */
static HaulSandbox *
make_sandbox (const char  *filesystems,
              const char **mounts)
{
  g_autoptr(GString) info = g_string_new ("[Application]\nname=io.github.haul.Haul\n"
                                          "runtime=runtime/org.gnome.Platform/x86_64/51\n\n"
                                          "[Context]\nshared=network;ipc;\n");
  g_autoptr(GString) table = g_string_new ("64 42 0:39 /newroot / rw,nosuid,nodev,relatime - tmpfs tmpfs rw\n"
                                           "65 64 254:0 /runtime/files /usr ro,nosuid - ext4 /dev/vda rw\n"
                                           "66 64 254:0 /app/files /app ro,nosuid - ext4 /dev/vda rw\n"
                                           "130 64 254:0 /root/.cache/.flatpak/io.github.haul.Haul/tmp /tmp rw - ext4 /dev/vda rw\n"
                                           "132 64 254:0 " HOME "/.var/app/io.github.haul.Haul " HOME
                                           "/.var/app/io.github.haul.Haul rw - ext4 /dev/vda rw\n");
  g_autofree char *info_path = NULL;
  g_autofree char *table_path = NULL;

  if (filesystems != NULL)
    g_string_append_printf (info, "filesystems=%s\n", filesystems);
  info_path = write_file ("flatpak-info", info->str);

  for (guint i = 0; mounts != NULL && mounts[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (mounts[i], " ", 3);

      g_assert_cmpuint (g_strv_length (fields), ==, 3);
      g_string_append_printf (table, "%u 64 254:0 /host%s %s %s shared:1 - %s source rw\n",
                              200 + i, fields[0], fields[0], fields[2], fields[1]);
    }
  table_path = write_file ("mountinfo", table->str);

  return haul_sandbox_new (info_path, table_path);
}

static gboolean
folder_ok (HaulSandbox *sandbox,
           const char  *path)
{
  g_autoptr(GFile) folder = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  gboolean ok = haul_sandbox_check_folder (sandbox, folder, &error);

  if (ok)
    g_assert_no_error (error);
  else
    {
      g_autofree char *shown = g_filename_display_name (g_file_peek_path (folder));

      g_assert_error (error, HAUL_ERROR, HAUL_ERROR_NOT_SHARED);
      /* The message names the folder. */
      g_assert_nonnull (strstr (error->message, shown));
    }

  return ok;
}

static gboolean
input_ok (HaulSandbox *sandbox,
          const char  *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  gboolean ok = haul_sandbox_check_input (sandbox, file, &error);

  if (!ok)
    {
      g_assert_error (error, HAUL_ERROR, HAUL_ERROR_NOT_SHARED);
      g_assert_nonnull (strstr (error->message, path));
    }

  return ok;
}

static void
test_sandbox_host (void)
{
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-flatpak-info", NULL);
  g_autoptr(HaulSandbox) sandbox = haul_sandbox_new (missing, "/proc/self/mountinfo");

  /* Outside a sandbox every folder is the user's. */
  g_assert_false (haul_sandbox_is_sandboxed (sandbox));
  g_assert_true (folder_ok (sandbox, "/tmp/x"));
  g_assert_true (folder_ok (sandbox, HOME "/Haul"));
  g_assert_true (input_ok (sandbox, "/anywhere/links.txt"));
}

static void
test_sandbox_pictures (void)
{
  const char *mounts[] = { HOME "/Bilder/Haul ext4 rw,nosuid,nodev", NULL };
  g_autoptr(HaulSandbox) sandbox = NULL;

  set_pictures ();
  sandbox = make_sandbox ("xdg-pictures/Haul:create;", mounts);

  g_assert_true (haul_sandbox_is_sandboxed (sandbox));
  g_assert_cmpstr (haul_sandbox_get_app_id (sandbox), ==, "io.github.haul.Haul");
  g_assert_true (folder_ok (sandbox, HOME "/Bilder/Haul"));
  g_assert_true (folder_ok (sandbox, HOME "/Bilder/Haul/"));
  g_assert_true (folder_ok (sandbox, HOME "/Bilder/Haul/cats/2026"));
  g_assert_true (folder_ok (sandbox, HOME "/Bilder/./Haul"));

  /* Beside, above and out of the shared folder: the sandbox's own. */
  g_assert_false (folder_ok (sandbox, HOME "/Bilder"));
  g_assert_false (folder_ok (sandbox, HOME "/Bilder/Haul2"));
  g_assert_false (folder_ok (sandbox, HOME "/Bilder/Haul/../Other"));
  g_assert_false (folder_ok (sandbox, HOME));
  g_assert_false (folder_ok (sandbox, HOME "/Haul"));
  g_assert_false (folder_ok (sandbox, "/tmp/x"));
  g_assert_false (folder_ok (sandbox, "/tmp"));
  g_assert_false (folder_ok (sandbox, "/"));
  g_assert_false (folder_ok (sandbox, "/var/tmp"));
  g_assert_false (folder_ok (sandbox, HOME "/.var/app/io.github.haul.Haul/cache"));
}

static void
test_sandbox_no_pictures (void)
{
  const char *mounts[] = { NULL };
  g_autoptr(HaulSandbox) sandbox = NULL;
  g_autoptr(GFile) folder = NULL;

  /* GLib keeps a user folder it read once: a fresh process starts
   * without user-dirs.dirs. */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  /* No user-dirs.dirs: GLib and Flatpak both know no Pictures folder, so
   * the permission shares nothing and the fallback is not shared either. */
  sandbox = make_sandbox ("xdg-pictures/Haul:create;", mounts);
  folder = haul_sandbox_dup_default_folder (sandbox);

  g_assert_false (folder_ok (sandbox, g_file_peek_path (folder)));
  g_assert_false (folder_ok (sandbox, HOME "/Pictures/Haul"));
}

static void
test_sandbox_not_mounted (void)
{
  const char *mounts[] = { NULL };
  g_autoptr(HaulSandbox) sandbox = NULL;

  /* Listed in /.flatpak-info but not in the mount table: the folder is
   * missing on the host, and what the sandbox shows there is its tmpfs. */
  set_pictures ();
  sandbox = make_sandbox ("xdg-pictures/Haul;/srv/share;", mounts);

  g_assert_false (folder_ok (sandbox, HOME "/Bilder/Haul"));
  g_assert_false (folder_ok (sandbox, "/srv/share"));
}

static void
test_sandbox_portal (void)
{
  g_autofree char *doc = g_strdup_printf ("/run/user/%u/doc", (guint)getuid ());
  g_autofree char *fuse = g_strdup_printf ("%s fuse.portal rw,nosuid,nodev", doc);
  g_autofree char *run = g_strdup_printf ("/run/user/%u ext4 rw,nosuid", (guint)getuid ());
  g_autofree char *chosen = g_build_filename (doc, "a1b2c3d4", "Wallpapers", NULL);
  g_autofree char *inside = g_build_filename (chosen, "2026", NULL);
  g_autofree char *other = g_strdup_printf ("/run/user/%u/other", (guint)getuid ());
  const char *with_portal[] = { run, fuse, NULL };
  const char *without_portal[] = { run, NULL };
  const char *linked_portal[] = { run, "/run/flatpak/doc fuse.portal rw,nosuid,nodev", NULL };
  g_autoptr(HaulSandbox) sandbox = NULL;
  g_autoptr(HaulSandbox) no_portal = NULL;
  g_autoptr(HaulSandbox) flatpak_1_14 = NULL;

  set_pictures ();
  sandbox = make_sandbox ("xdg-pictures/Haul:create;", with_portal);
  g_assert_true (folder_ok (sandbox, chosen));
  g_assert_true (folder_ok (sandbox, inside));
  g_assert_true (input_ok (sandbox, inside));
  /* The portal's root holds no document of its own. */
  g_assert_false (folder_ok (sandbox, doc));
  g_assert_false (folder_ok (sandbox, other));

  /* The same path with no portal mounted is a plain private folder. */
  no_portal = make_sandbox ("xdg-pictures/Haul:create;", without_portal);
  g_assert_false (folder_ok (no_portal, chosen));

  /* Flatpak 1.14 mounts the portal at /run/flatpak/doc, and
   * /run/user/UID/doc is a link to it: both paths are the document. */
  flatpak_1_14 = make_sandbox ("xdg-pictures/Haul:create;", linked_portal);
  g_assert_true (folder_ok (flatpak_1_14, chosen));
  g_assert_true (folder_ok (flatpak_1_14, "/run/flatpak/doc/a1b2c3d4/Wallpapers"));
  g_assert_false (folder_ok (flatpak_1_14, "/run/flatpak/doc"));
  g_assert_false (folder_ok (flatpak_1_14, other));
}

static void
test_sandbox_read_only (void)
{
  const char *mounts[] = {
    HOME "/Documents ext4 rw,nosuid",
    "/srv/archive ext4 ro,nosuid",
    NULL
  };
  g_autoptr(HaulSandbox) sandbox = NULL;

  set_pictures ();
  sandbox = make_sandbox ("~/Documents:ro;/srv/archive;", mounts);

  /* Enough to read a list of links, not to save the images. */
  g_assert_false (folder_ok (sandbox, HOME "/Documents"));
  g_assert_true (input_ok (sandbox, HOME "/Documents/links.txt"));
  g_assert_false (folder_ok (sandbox, "/srv/archive/x"));
  g_assert_true (input_ok (sandbox, "/srv/archive/links.txt"));
  g_assert_false (input_ok (sandbox, HOME "/links.txt"));
  g_assert_false (input_ok (sandbox, "/tmp/links.txt"));
}

static void
test_sandbox_home_and_host (void)
{
  const char *home_mounts[] = { HOME " ext4 rw", NULL };
  const char *host_mounts[] = { "/home ext4 rw", "/media ext4 rw", NULL };
  g_autoptr(HaulSandbox) home = NULL;
  g_autoptr(HaulSandbox) host = NULL;

  set_pictures ();
  home = make_sandbox ("home;", home_mounts);
  g_assert_true (folder_ok (home, HOME "/Haul"));
  g_assert_true (folder_ok (home, HOME "/Bilder/Haul"));
  g_assert_false (folder_ok (home, "/tmp/x"));
  g_assert_false (folder_ok (home, "/home/other"));

  host = make_sandbox ("host;", host_mounts);
  g_assert_true (folder_ok (host, HOME "/Haul"));
  g_assert_true (folder_ok (host, "/media/usb/photos"));
  /* Still the sandbox's own, whatever filesystem=host says. */
  g_assert_false (folder_ok (host, "/tmp/x"));
  g_assert_false (folder_ok (host, "/usr/share/x"));
  g_assert_false (folder_ok (host, "/app/x"));
  g_assert_false (folder_ok (host, "/var/tmp"));
  /* Shared by the permission, but not on the host: a tmpfs folder. */
  g_assert_false (folder_ok (host, "/opt/x"));
}

static void
test_sandbox_override (void)
{
  const char *mounts[] = {
    HOME "/Downloads/Haul ext4 rw",
    "/srv/my\\040photos ext4 rw",
    NULL
  };
  g_autoptr(HaulSandbox) sandbox = NULL;
  g_autoptr(HaulSandbox) denied = NULL;
  g_autoptr(GFile) folder = g_file_new_for_path ("/tmp/x");
  g_autoptr(GFile) spaced = g_file_new_for_path ("/srv/my photos");
  g_autofree char *command = NULL;

  set_pictures ();
  /* As `flatpak override --filesystem=…` writes them, spaces escaped. */
  sandbox = make_sandbox ("xdg-download/Haul:create;/srv/my photos;xdg-run/gnupg:ro;", mounts);
  g_assert_true (folder_ok (sandbox, HOME "/Downloads/Haul"));
  g_assert_true (folder_ok (sandbox, "/srv/my photos/2026"));

  denied = make_sandbox ("xdg-download/Haul:create;!xdg-download/Haul;", mounts);
  g_assert_false (folder_ok (denied, HOME "/Downloads/Haul"));

  command = haul_sandbox_dup_override_command (sandbox, folder, FALSE);
  g_assert_cmpstr (command, ==, "flatpak override --user --filesystem=/tmp/x:create io.github.haul.Haul");
  g_clear_pointer (&command, g_free);
  command = haul_sandbox_dup_override_command (sandbox, spaced, TRUE);
  g_assert_cmpstr (command, ==, "flatpak override --user '--filesystem=/srv/my photos:ro' io.github.haul.Haul");
}

static void
test_sandbox_no_mount_table (void)
{
  g_autofree char *info = write_file ("flatpak-info",
                                      "[Application]\nname=io.github.haul.Haul\n\n"
                                      "[Context]\nfilesystems=~/Haul;\n");
  g_autofree char *missing = g_build_filename (tmp_dir, "no-such-mountinfo", NULL);
  g_autoptr(HaulSandbox) sandbox = haul_sandbox_new (info, missing);

  /* Without a mount table the permissions alone decide. */
  g_assert_true (folder_ok (sandbox, HOME "/Haul"));
  g_assert_false (folder_ok (sandbox, HOME "/Other"));
}

static void
test_sandbox_default_folder (void)
{
  g_autoptr(HaulSandbox) sandbox = haul_sandbox_new (NULL, NULL);
  g_autoptr(GFile) folder = NULL;
  g_autoptr(GFile) fallback = NULL;
  g_autofree char *name = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  /* A fresh process, without user-dirs.dirs: Haul in the home folder. */
  fallback = haul_sandbox_dup_default_folder (sandbox);
  g_assert_cmpstr (g_file_peek_path (fallback), ==, HOME "/Haul");

  set_pictures ();
  folder = haul_sandbox_dup_default_folder (sandbox);
  name = g_file_get_basename (folder);
  g_assert_cmpstr (name, ==, HAUL_DEFAULT_FOLDER_NAME);
  g_assert_cmpstr (g_file_peek_path (folder), ==, HOME "/Bilder/Haul");
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  g_autofree char *info = NULL;
  g_autofree char *table = NULL;
  int status;

  tmp_dir = g_dir_make_tmp ("haul-sandbox-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  config = g_build_filename (tmp_dir, "config", NULL);
  g_assert_cmpint (g_mkdir (config, 0700), ==, 0);

  /* Before GLib reads and caches them. */
  g_setenv ("HOME", HOME, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_unsetenv ("HOST_XDG_CONFIG_HOME");

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sandbox/host", test_sandbox_host);
  g_test_add_func ("/sandbox/pictures", test_sandbox_pictures);
  g_test_add_func ("/sandbox/no-pictures", test_sandbox_no_pictures);
  g_test_add_func ("/sandbox/not-mounted", test_sandbox_not_mounted);
  g_test_add_func ("/sandbox/portal", test_sandbox_portal);
  g_test_add_func ("/sandbox/read-only", test_sandbox_read_only);
  g_test_add_func ("/sandbox/home-and-host", test_sandbox_home_and_host);
  g_test_add_func ("/sandbox/override", test_sandbox_override);
  g_test_add_func ("/sandbox/no-mount-table", test_sandbox_no_mount_table);
  g_test_add_func ("/sandbox/default-folder", test_sandbox_default_folder);

  status = g_test_run ();

  set_user_dirs (NULL);
  info = g_build_filename (tmp_dir, "flatpak-info", NULL);
  table = g_build_filename (tmp_dir, "mountinfo", NULL);
  g_unlink (info);
  g_unlink (table);
  g_rmdir (config);
  g_rmdir (tmp_dir);
  g_free (tmp_dir);

  return status;
}
