/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <unistd.h>

#include "haul-error.h"
#include "haul-sandbox.h"

/* Inside a Flatpak, only some folders are the host's: the ones the
 * permissions in /.flatpak-info share, and the document portal's. The rest
 * (the sandbox's root tmpfs, its own /tmp, $HOME outside the shared folders)
 * is Haul's alone, and a file saved there never reaches the user. A grant
 * counts only when Flatpak could mount it: xdg-pictures/Haul means nothing
 * to a user without a Pictures folder, and the mount table says so. */

typedef struct
{
  char     *path;
  gboolean  read_only;
} Grant;

typedef struct
{
  char     *mount_point;
  char     *fs_type;
  gboolean  read_only;
} Mount;

struct _HaulSandbox
{
  GObject    parent_instance;

  /* Set once in haul_sandbox_new(), then only read, from any thread. */
  gboolean   sandboxed;
  char      *app_id;
  char      *doc_dir;
  GPtrArray *grants;     /* Grant */
  GPtrArray *mounts;     /* Mount, or NULL when the mount table is unknown */
};

G_DEFINE_FINAL_TYPE (HaulSandbox, haul_sandbox, G_TYPE_OBJECT)

/* What filesystem=host does not share (flatpak-metadata(5)), plus the
 * folders every sandbox gets a private copy of. */
static const char * const host_reserved[] = {
  "/.flatpak-info", "/app", "/bin", "/dev", "/etc", "/lib", "/lib32", "/lib64",
  "/proc", "/root", "/run/flatpak", "/run/host", "/sbin", "/sys", "/tmp", "/usr",
  "/var/cache", "/var/config", "/var/data", "/var/tmp",
};

static void
grant_free (Grant *grant)
{
  g_free (grant->path);
  g_free (grant);
}

static void
mount_free (Mount *mount)
{
  g_free (mount->mount_point);
  g_free (mount->fs_type);
  g_free (mount);
}

/* @path equals @prefix or lies inside it. */
static gboolean
path_has_prefix (const char *path,
                 const char *prefix)
{
  gsize len = strlen (prefix);

  if (strcmp (prefix, "/") == 0)
    return path[0] == '/';

  return strncmp (path, prefix, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* Only the string: no symbolic link is followed, so checking never touches
 * the disk (or a FUSE mount) on the main thread. */
static char *
canonical_path (const char *path)
{
  return g_canonicalize_filename (path, "/");
}

static char *
resolve_xdg_user_dir (const char *name)
{
  static const struct { const char *name; GUserDirectory directory; } dirs[] = {
    { "xdg-desktop", G_USER_DIRECTORY_DESKTOP },
    { "xdg-documents", G_USER_DIRECTORY_DOCUMENTS },
    { "xdg-download", G_USER_DIRECTORY_DOWNLOAD },
    { "xdg-music", G_USER_DIRECTORY_MUSIC },
    { "xdg-pictures", G_USER_DIRECTORY_PICTURES },
    { "xdg-public-share", G_USER_DIRECTORY_PUBLIC_SHARE },
    { "xdg-templates", G_USER_DIRECTORY_TEMPLATES },
    { "xdg-videos", G_USER_DIRECTORY_VIDEOS },
  };
  static const struct { const char *name; const char *host_env; const char *fallback; } bases[] = {
    { "xdg-config", "HOST_XDG_CONFIG_HOME", ".config" },
    { "xdg-data", "HOST_XDG_DATA_HOME", ".local/share" },
    { "xdg-cache", "HOST_XDG_CACHE_HOME", ".cache" },
    { "xdg-state", "HOST_XDG_STATE_HOME", ".local/state" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (strcmp (name, dirs[i].name) == 0)
      {
        const char *dir = g_get_user_special_dir (dirs[i].directory);

        /* Flatpak skips a user folder that is not set, as GLib does. */
        return dir != NULL ? g_strdup (dir) : NULL;
      }

  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    if (strcmp (name, bases[i].name) == 0)
      {
        const char *dir = g_getenv (bases[i].host_env);

        if (dir != NULL && g_path_is_absolute (dir))
          return g_strdup (dir);
        return g_build_filename (g_get_home_dir (), bases[i].fallback, NULL);
      }

  if (strcmp (name, "xdg-run") == 0)
    return g_strdup_printf ("/run/user/%u", (guint)getuid ());

  return NULL;
}

/* A filesystems= entry, as flatpak-metadata(5) spells them, to the path it
 * shares inside the sandbox; NULL for what cannot hold downloads. */
static char *
resolve_grant (const char *entry,
               gboolean   *read_only)
{
  g_autofree char *name = g_strdup (entry);
  g_autofree char *path = NULL;
  char *colon = strrchr (name, ':');
  char *slash;

  *read_only = FALSE;
  if (colon != NULL && (strcmp (colon, ":ro") == 0 || strcmp (colon, ":rw") == 0 ||
                        strcmp (colon, ":create") == 0))
    {
      *read_only = strcmp (colon, ":ro") == 0;
      *colon = '\0';
    }

  if (strcmp (name, "host") == 0)
    return g_strdup ("/");
  if (strcmp (name, "home") == 0)
    return canonical_path (g_get_home_dir ());
  if (name[0] == '~' && (name[1] == '\0' || name[1] == '/'))
    {
      path = g_build_filename (g_get_home_dir (), name + 1, NULL);
      return canonical_path (path);
    }
  if (name[0] == '/')
    return canonical_path (name);

  /* xdg-pictures/Haul: a user folder, then a path inside it. */
  slash = strchr (name, '/');
  if (slash != NULL)
    *slash = '\0';
  path = resolve_xdg_user_dir (name);
  if (path == NULL)
    return NULL;
  if (slash != NULL)
    {
      g_autofree char *inside = g_build_filename (path, slash + 1, NULL);

      return canonical_path (inside);
    }

  return canonical_path (path);
}

static void
load_grants (HaulSandbox *self,
             GKeyFile    *info)
{
  g_auto(GStrv) entries = g_key_file_get_string_list (info, "Context", "filesystems", NULL, NULL);
  g_autoptr(GPtrArray) denied = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; entries != NULL && entries[i] != NULL; i++)
    {
      const char *entry = entries[i];
      gboolean negated = entry[0] == '!';
      gboolean read_only;
      char *path = resolve_grant (negated ? entry + 1 : entry, &read_only);

      if (path == NULL)
        continue;

      if (negated)
        {
          g_ptr_array_add (denied, path);
        }
      else
        {
          Grant *grant = g_new0 (Grant, 1);

          grant->path = path;
          grant->read_only = read_only;
          g_ptr_array_add (self->grants, grant);
        }
    }

  for (guint i = self->grants->len; i > 0; i--)
    {
      Grant *grant = g_ptr_array_index (self->grants, i - 1);

      for (guint j = 0; j < denied->len; j++)
        if (strcmp (grant->path, g_ptr_array_index (denied, j)) == 0)
          {
            g_ptr_array_remove_index (self->grants, i - 1);
            break;
          }
    }
}

/* /proc/self/mountinfo writes a space in a path as \040. */
static char *
unescape_mount_field (const char *field)
{
  GString *out = g_string_sized_new (strlen (field));

  for (const char *p = field; *p != '\0'; p++)
    {
      if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
          p[3] >= '0' && p[3] <= '7')
        {
          g_string_append_c (out, (char)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

/* proc(5): ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER */
static void
load_mounts (HaulSandbox *self,
             const char  *mountinfo_path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  if (mountinfo_path == NULL || !g_file_get_contents (mountinfo_path, &contents, NULL, NULL))
    return;

  self->mounts = g_ptr_array_new_with_free_func ((GDestroyNotify)mount_free);
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", -1);
      guint n = g_strv_length (fields);
      g_auto(GStrv) options = NULL;
      Mount *mount;
      guint dash;

      if (n < 7)
        continue;
      for (dash = 6; dash < n && strcmp (fields[dash], "-") != 0; dash++)
        ;
      if (dash + 1 >= n)
        continue;

      mount = g_new0 (Mount, 1);
      mount->mount_point = unescape_mount_field (fields[4]);
      mount->fs_type = g_strdup (fields[dash + 1]);
      options = g_strsplit (fields[5], ",", -1);
      mount->read_only = g_strv_contains ((const char * const *)options, "ro");
      g_ptr_array_add (self->mounts, mount);
    }
}

/* The mount that holds @path: the deepest one, and of stacked ones the last. */
static Mount *
find_mount (HaulSandbox *self,
            const char  *path)
{
  Mount *best = NULL;
  gsize best_len = 0;

  for (guint i = 0; i < self->mounts->len; i++)
    {
      Mount *mount = g_ptr_array_index (self->mounts, i);
      gsize len = strlen (mount->mount_point);

      if (path_has_prefix (path, mount->mount_point) && (best == NULL || len >= best_len))
        {
          best = mount;
          best_len = len;
        }
    }

  return best;
}

static Grant *
find_grant (HaulSandbox *self,
            const char  *path)
{
  Grant *best = NULL;

  for (guint i = 0; i < self->grants->len; i++)
    {
      Grant *grant = g_ptr_array_index (self->grants, i);

      if (!path_has_prefix (path, grant->path))
        continue;

      if (strcmp (grant->path, "/") == 0)
        {
          gboolean reserved = FALSE;

          for (guint j = 0; j < G_N_ELEMENTS (host_reserved) && !reserved; j++)
            reserved = path_has_prefix (path, host_reserved[j]);
          if (reserved)
            continue;
        }

      /* The narrower grant decides: home with xdg-pictures:ro is read-only there. */
      if (best == NULL || strlen (grant->path) >= strlen (best->path))
        best = grant;
    }

  return best;
}

typedef enum
{
  REACH_SHARED,
  REACH_READ_ONLY,
  REACH_PRIVATE,
  REACH_NOT_LOCAL,
} Reach;

/* Flatpak mounts the document portal at /run/flatpak/doc and links
 * /run/user/UID/doc to it; older versions mount it there directly. */
static gboolean
is_document_path (HaulSandbox *self,
                  const char  *path)
{
  const char *roots[] = { self->doc_dir, "/run/flatpak/doc" };

  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    {
      gsize len = strlen (roots[i]);

      /* ROOT/ID/NAME: one document; ROOT itself holds none. */
      if (strncmp (path, roots[i], len) == 0 && path[len] == '/' && path[len + 1] != '\0')
        return TRUE;
    }

  return FALSE;
}

static Reach
reach_document (HaulSandbox *self)
{
  if (self->mounts == NULL)
    return REACH_SHARED;

  for (guint i = self->mounts->len; i > 0; i--)
    {
      Mount *mount = g_ptr_array_index (self->mounts, i - 1);

      if (g_str_has_prefix (mount->fs_type, "fuse") &&
          (strcmp (mount->mount_point, self->doc_dir) == 0 ||
           strcmp (mount->mount_point, "/run/flatpak/doc") == 0))
        return mount->read_only ? REACH_READ_ONLY : REACH_SHARED;
    }

  /* No portal mounted: a plain folder of the sandbox's tmpfs. */
  return REACH_PRIVATE;
}

static Reach
reach_path (HaulSandbox *self,
            const char  *path)
{
  Grant *grant;
  Mount *mount;

  if (is_document_path (self, path))
    return reach_document (self);

  grant = find_grant (self, path);
  if (grant == NULL)
    return REACH_PRIVATE;

  if (self->mounts != NULL)
    {
      mount = find_mount (self, path);

      /* Flatpak mounts a grant onto its own path. Finding only a mount
       * above it (the root tmpfs) means the grant did not apply: its folder
       * does not exist on the host, or is not set up for this user. */
      if (mount == NULL || strcmp (mount->mount_point, "/") == 0 ||
          !path_has_prefix (mount->mount_point, grant->path))
        return REACH_PRIVATE;
      if (mount->read_only)
        return REACH_READ_ONLY;
    }

  return grant->read_only ? REACH_READ_ONLY : REACH_SHARED;
}

static Reach
reach_file (HaulSandbox *self,
            GFile       *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *canonical = NULL;

  if (path == NULL)
    return REACH_NOT_LOCAL;

  canonical = canonical_path (path);
  return reach_path (self, canonical);
}

static void
haul_sandbox_finalize (GObject *object)
{
  HaulSandbox *self = HAUL_SANDBOX (object);

  g_clear_pointer (&self->app_id, g_free);
  g_clear_pointer (&self->doc_dir, g_free);
  g_clear_pointer (&self->grants, g_ptr_array_unref);
  g_clear_pointer (&self->mounts, g_ptr_array_unref);

  G_OBJECT_CLASS (haul_sandbox_parent_class)->finalize (object);
}

static void
haul_sandbox_class_init (HaulSandboxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = haul_sandbox_finalize;
}

static void
haul_sandbox_init (HaulSandbox *self)
{
  self->grants = g_ptr_array_new_with_free_func ((GDestroyNotify)grant_free);
  self->doc_dir = g_strdup_printf ("/run/user/%u/doc", (guint)getuid ());
}

/**
 * haul_sandbox_new:
 * @info_path: the Flatpak instance file, normally /.flatpak-info
 * @mountinfo_path: (nullable): the mount table, normally /proc/self/mountinfo
 *
 * Reads both files once. Without @info_path Haul is not sandboxed and
 * every folder is the host's.
 *
 * Returns: (transfer full): the sandbox Haul runs in
 */
HaulSandbox *
haul_sandbox_new (const char *info_path,
                  const char *mountinfo_path)
{
  HaulSandbox *self = g_object_new (HAUL_TYPE_SANDBOX, NULL);
  g_autoptr(GKeyFile) info = g_key_file_new ();

  if (info_path == NULL || !g_key_file_load_from_file (info, info_path, G_KEY_FILE_NONE, NULL))
    return self;

  self->sandboxed = TRUE;
  self->app_id = g_key_file_get_string (info, "Application", "name", NULL);
  load_grants (self, info);
  load_mounts (self, mountinfo_path);

  return self;
}

/**
 * haul_sandbox_get_default:
 *
 * HAUL_FLATPAK_INFO and HAUL_MOUNTINFO name other files, for the tests.
 *
 * Returns: (transfer none): the sandbox this process runs in
 */
HaulSandbox *
haul_sandbox_get_default (void)
{
  static HaulSandbox *sandbox;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      const char *info = g_getenv ("HAUL_FLATPAK_INFO");
      const char *mountinfo = g_getenv ("HAUL_MOUNTINFO");

      sandbox = haul_sandbox_new (info ? info : "/.flatpak-info",
                                  mountinfo ? mountinfo : "/proc/self/mountinfo");
      g_once_init_leave (&initialized, 1);
    }

  return sandbox;
}

gboolean
haul_sandbox_is_sandboxed (HaulSandbox *self)
{
  g_return_val_if_fail (HAUL_IS_SANDBOX (self), FALSE);

  return self->sandboxed;
}

const char *
haul_sandbox_get_app_id (HaulSandbox *self)
{
  g_return_val_if_fail (HAUL_IS_SANDBOX (self), NULL);

  return self->app_id;
}

/**
 * haul_sandbox_dup_default_folder:
 *
 * Returns: (transfer full): Pictures/Haul, or Haul in the home folder for
 *   a user without a Pictures folder (which a sandbox does not share: the
 *   window then asks for one)
 */
GFile *
haul_sandbox_dup_default_folder (HaulSandbox *self)
{
  const char *pictures;

  g_return_val_if_fail (HAUL_IS_SANDBOX (self), NULL);

  pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  if (pictures == NULL)
    pictures = g_get_home_dir ();

  return g_file_new_build_filename (pictures, HAUL_DEFAULT_FOLDER_NAME, NULL);
}

static char *
dup_shown_path (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  return path != NULL ? g_filename_display_name (path) : g_file_get_uri (file);
}

/**
 * haul_sandbox_check_folder:
 * @folder: where downloads would be saved
 *
 * Returns: %TRUE when files saved in @folder reach the host, writable;
 *   otherwise %FALSE with %HAUL_ERROR_NOT_SHARED saying why
 */
gboolean
haul_sandbox_check_folder (HaulSandbox  *self,
                           GFile        *folder,
                           GError      **error)
{
  g_autofree char *shown = NULL;
  Reach reach;

  g_return_val_if_fail (HAUL_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (folder), FALSE);

  if (!self->sandboxed)
    return TRUE;

  reach = reach_file (self, folder);
  if (reach == REACH_SHARED)
    return TRUE;

  shown = dup_shown_path (folder);
  switch (reach)
    {
    case REACH_NOT_LOCAL:
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_NOT_SHARED,
                   _("“%s” is not a local folder that Haul’s Flatpak sandbox shares"),
                   shown);
      return FALSE;

    case REACH_READ_ONLY:
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_NOT_SHARED,
                   _("“%s” is shared with Haul’s Flatpak sandbox read-only: files cannot be saved there"),
                   shown);
      return FALSE;

    case REACH_SHARED:
    case REACH_PRIVATE:
    default:
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_NOT_SHARED,
                   _("“%s” is not shared outside Haul’s Flatpak sandbox: files saved there would be lost"),
                   shown);
      return FALSE;
    }
}

/**
 * haul_sandbox_check_input:
 * @file: a file of links to read
 *
 * Returns: %TRUE when @file is on the host and shared with the sandbox
 *   (read-only will do), or when Haul is not sandboxed
 */
gboolean
haul_sandbox_check_input (HaulSandbox  *self,
                          GFile        *file,
                          GError      **error)
{
  g_autofree char *shown = NULL;
  Reach reach;

  g_return_val_if_fail (HAUL_IS_SANDBOX (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!self->sandboxed)
    return TRUE;

  /* Reading needs no write access. */
  reach = reach_file (self, file);
  if (reach == REACH_SHARED || reach == REACH_READ_ONLY)
    return TRUE;

  shown = dup_shown_path (file);
  g_set_error (error, HAUL_ERROR, HAUL_ERROR_NOT_SHARED,
               _("%s: this file is outside the folders Haul’s Flatpak sandbox can see"),
               shown);
  return FALSE;
}

/**
 * haul_sandbox_dup_override_command:
 * @file: a folder to save into, or a file to read
 * @read_only: whether reading is enough
 *
 * Returns: (transfer full): the command that shares @file with Haul
 */
char *
haul_sandbox_dup_override_command (HaulSandbox *self,
                                   GFile       *file,
                                   gboolean     read_only)
{
  g_autofree char *path = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *argument = NULL;
  g_autofree char *quoted = NULL;

  g_return_val_if_fail (HAUL_IS_SANDBOX (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  path = g_file_get_path (file);
  canonical = canonical_path (path != NULL ? path : "/");
  argument = g_strdup_printf ("--filesystem=%s%s", canonical, read_only ? ":ro" : ":create");
  quoted = g_shell_quote (argument);

  /* Only quoted when it must be, so the usual case reads plainly. */
  return g_strdup_printf ("flatpak override --user %s %s",
                          strpbrk (argument, " \t\n'\"\\$`;&|<>()*?[]{}~!#") ? quoted : argument,
                          self->app_id != NULL ? self->app_id : APP_ID);
}
