/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE /* O_TMPFILE */
#endif
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <nettle/sha2.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "haul-body.h"
#include "haul-error.h"
#include "haul-naming.h"

/* Reading an existing partial file back goes this fast. */
#define READ_BACK_SIZE (256 * 1024)
#define PART_NAME_ATTEMPTS 100

struct _HaulBody
{
  char      *folder;
  int        fd;
  char      *part_name;     /* in @folder; NULL while it has no name */
  guint64    size;
  struct sha256_ctx checksum;
  char      *sha256;        /* once asked for, until written to again */
  gboolean   claimed;
  gboolean   keep_part;
};

static void
set_errno_error (int          saved_errno,
                 const char  *folder,
                 GError     **error)
{
  switch (saved_errno)
    {
    case ENOSPC:
    case EDQUOT:
      g_set_error_literal (error, HAUL_ERROR, HAUL_ERROR_DISK_FULL, _("disk full"));
      break;

    case EACCES:
    case EPERM:
    case EROFS:
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_PERMISSION,
                   _("permission denied: cannot write to %s"), folder);
      break;

    default:
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_FAILED,
                   _("cannot write to %s: %s"), folder, g_strerror (saved_errno));
    }
}

static void
checksum_start (HaulBody *self)
{
  sha256_init (&self->checksum);
}

static void
checksum_update (HaulBody   *self,
                 const void *data,
                 gsize       length)
{
  sha256_update (&self->checksum, length, data);
}

static HaulBody *
body_new (const char *folder)
{
  HaulBody *self = g_new0 (HaulBody, 1);

  self->folder = g_strdup (folder);
  self->fd = -1;
  checksum_start (self);

  return self;
}

#ifdef O_TMPFILE
/* A file opened with O_TMPFILE is named through /proc/self/fd. */
static gboolean
can_name_anonymous_files (void)
{
  static gsize result = 0;

  if (g_once_init_enter (&result))
    g_once_init_leave (&result, access ("/proc/self/fd", X_OK) == 0 ? 1 : 2);

  return result == 1;
}
#endif

/* Where the file system allows, a file without a name (O_TMPFILE), which
 * nobody can see or open before it is complete and which vanishes with the
 * process whatever happens; its inode is also made without holding the
 * folder's lock, which the other workers would wait for. Otherwise a
 * hidden temporary file. */
static int
open_body_file (HaulBody *self,
                gboolean *anonymous)
{
  g_autofree char *path = NULL;
  int fd;

#ifdef O_TMPFILE
  if (*anonymous)
    {
      fd = open (self->folder, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);

      /* Not supported here: EOPNOTSUPP, or EISDIR from kernels that do
       * not know the flag. */
      if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
      *anonymous = FALSE;
    }
#endif

  /* Hidden, and O_EXCL through g_mkstemp: never anybody else's file. */
  path = g_build_filename (self->folder, HAUL_BODY_PART_PREFIX "XXXXXX" HAUL_BODY_PART_SUFFIX,
                           NULL);
  fd = g_mkstemp_full (path, O_WRONLY | O_CLOEXEC, 0666);
  if (fd >= 0)
    self->part_name = g_path_get_basename (path);

  return fd;
}

/**
 * haul_body_new:
 * @folder: the output folder, made when missing
 * @error: return location for a #GError
 *
 * Opens a new, empty body file in @folder: one without a name where the
 * file system has O_TMPFILE, else a hidden ".haul-XXXXXX.part" made with
 * O_EXCL.
 *
 * Returns: (transfer full) (nullable): the body, or %NULL with
 *   %HAUL_ERROR_DISK_FULL, %HAUL_ERROR_PERMISSION or %HAUL_ERROR_FAILED
 */
HaulBody *
haul_body_new (const char  *folder,
               GError     **error)
{
  g_autoptr(HaulBody) self = body_new (folder);
  gboolean anonymous = FALSE;
  int saved_errno = 0;

#ifdef O_TMPFILE
  anonymous = can_name_anonymous_files ();
#endif

  /* The folder is made only when missing, which saves two system calls
   * per item in the common case. */
  for (guint tries = 0; tries < 2; tries++)
    {
      self->fd = open_body_file (self, &anonymous);
      if (self->fd >= 0)
        return g_steal_pointer (&self);

      saved_errno = errno;
      if (saved_errno != ENOENT || tries > 0)
        break;

      if (g_mkdir_with_parents (folder, 0777) != 0)
        {
          saved_errno = errno;
          break;
        }
    }

  set_errno_error (saved_errno, folder, error);
  return NULL;
}

/**
 * haul_body_is_part_name:
 * @name: a file name
 *
 * Returns: whether @name is a bare name of the partial files bodies use:
 *   ".haul-", at least one more character, ".part", no '/'
 */
gboolean
haul_body_is_part_name (const char *name)
{
  gsize length;

  if (name == NULL || strchr (name, '/') != NULL)
    return FALSE;

  length = strlen (name);
  return length > strlen (HAUL_BODY_PART_PREFIX HAUL_BODY_PART_SUFFIX) &&
         length <= 255 &&
         g_str_has_prefix (name, HAUL_BODY_PART_PREFIX) &&
         g_str_has_suffix (name, HAUL_BODY_PART_SUFFIX);
}

static gboolean
read_back (HaulBody          *self,
           HaulBodyReadFunc   read_func,
           gpointer           user_data,
           GError           **error)
{
  g_autofree guint8 *buffer = g_malloc (READ_BACK_SIZE);

  for (;;)
    {
      gssize n = read (self->fd, buffer, READ_BACK_SIZE);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("cannot read the partial file %s: %s"),
                       self->part_name, g_strerror (saved_errno));
          return FALSE;
        }
      if (n == 0)
        return TRUE;

      checksum_update (self, buffer, n);
      if (read_func != NULL)
        read_func (buffer, n, user_data);
      self->size += n;
    }
}

/**
 * haul_body_open_part:
 * @folder: the output folder
 * @part_name: the bare name of a partial file in @folder, as
 *   haul_body_get_part_name() gave it in an earlier run
 * @read_func: (nullable): called with its contents as they are read back
 * @user_data: for @read_func
 * @error: return location for a #GError
 *
 * Opens an existing partial body to append to it. The name is never
 * followed if it is a symbolic link, and the file must be a regular file
 * of the current user with no other name: a file someone else planted,
 * or a link to another file, is refused. Its bytes are read back once, for
 * the SHA-256 and for @read_func (sniffing, thumbnail), since the state of
 * a checksum cannot be saved; haul_body_get_size() then tells how much is
 * there. The file keeps its name until claimed; freeing the body without
 * haul_body_keep_part() removes it.
 *
 * Returns: (transfer full) (nullable): the body, or %NULL with a
 *   %G_IO_ERROR code
 */
HaulBody *
haul_body_open_part (const char        *folder,
                     const char        *part_name,
                     HaulBodyReadFunc   read_func,
                     gpointer           user_data,
                     GError           **error)
{
  g_autoptr(HaulBody) self = NULL;
  struct stat st;
  int dir_fd;
  int flags;
  int saved_errno;

  g_return_val_if_fail (folder != NULL, NULL);

  if (!haul_body_is_part_name (part_name))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("“%s” is not the name of a partial file"), part_name ? part_name : "");
      return NULL;
    }

  dir_fd = open (folder, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("cannot open %s: %s"), folder, g_strerror (saved_errno));
      return NULL;
    }

  self = body_new (folder);
  self->part_name = g_strdup (part_name);
  /* O_NONBLOCK: opening a FIFO planted under that name must not hang. */
  self->fd = openat (dir_fd, part_name,
                     O_RDWR | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  saved_errno = errno;
  close (dir_fd);

  if (self->fd < 0)
    {
      /* Nothing of ours to remove. */
      g_clear_pointer (&self->part_name, g_free);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("cannot open the partial file %s: %s"), part_name,
                   g_strerror (saved_errno));
      return NULL;
    }

  if (fstat (self->fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () ||
      st.st_nlink != 1)
    {
      g_clear_pointer (&self->part_name, g_free);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _("the partial file %s is not a file of yours"), part_name);
      return NULL;
    }

  flags = fcntl (self->fd, F_GETFL);
  if (flags == -1 || fcntl (self->fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
    {
      saved_errno = errno;
      g_clear_pointer (&self->part_name, g_free);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _("cannot open the partial file %s: %s"), part_name,
                   g_strerror (saved_errno));
      return NULL;
    }

  /* From here on it is ours: freeing the body on failure removes it. */
  if (!read_back (self, read_func, user_data, error))
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * haul_body_get_size:
 *
 * Returns: the bytes written so far, those read back included
 */
guint64
haul_body_get_size (HaulBody *self)
{
  return self->size;
}

/**
 * haul_body_write:
 * @self: a body
 * @data: (array length=length): the next bytes
 * @length: how many
 * @error: return location for a #GError
 *
 * Appends @data and adds it to the SHA-256.
 *
 * Returns: %FALSE with %HAUL_ERROR_DISK_FULL, %HAUL_ERROR_PERMISSION or
 *   %HAUL_ERROR_FAILED on failure
 */
gboolean
haul_body_write (HaulBody      *self,
                 const guint8  *data,
                 gsize          length,
                 GError       **error)
{
  const guint8 *p = data;
  gsize left = length;

  g_return_val_if_fail (self->fd >= 0 && !self->claimed, FALSE);
  g_return_val_if_fail (self->sha256 == NULL, FALSE);

  while (left > 0)
    {
      gssize n = write (self->fd, p, left);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          set_errno_error (errno, self->folder, error);
          return FALSE;
        }
      p += n;
      left -= n;
    }

  checksum_update (self, data, length);
  self->size += length;
  return TRUE;
}

/**
 * haul_body_restart:
 * @self: a body
 * @error: return location for a #GError
 *
 * Empties the body, to write it again from its first byte; the SHA-256
 * starts over too. A partial name stays.
 *
 * Returns: %FALSE on failure
 */
gboolean
haul_body_restart (HaulBody  *self,
                   GError   **error)
{
  g_return_val_if_fail (self->fd >= 0 && !self->claimed, FALSE);

  if (ftruncate (self->fd, 0) != 0 || lseek (self->fd, 0, SEEK_SET) != 0)
    {
      set_errno_error (errno, self->folder, error);
      return FALSE;
    }

  checksum_start (self);
  g_clear_pointer (&self->sha256, g_free);
  self->size = 0;
  return TRUE;
}

/**
 * haul_body_name_part:
 * @self: a body
 * @error: return location for a #GError
 *
 * Gives a body without a name a hidden one in its folder,
 * ".haul-XXXXXX.part" with a random middle, so that a later run can find
 * it again with haul_body_open_part(). linkat() never replaces a file:
 * a taken name is skipped. Does nothing for a body that has a name.
 *
 * Returns: %FALSE on failure; the body then still has no name
 */
gboolean
haul_body_name_part (HaulBody  *self,
                     GError   **error)
{
  static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  g_autofree char *proc_path = NULL;
  int dir_fd;
  int saved_errno = EEXIST;

  g_return_val_if_fail (self->fd >= 0 && !self->claimed, FALSE);

  if (self->part_name != NULL)
    return TRUE;

  dir_fd = open (self->folder, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      set_errno_error (errno, self->folder, error);
      return FALSE;
    }

  proc_path = g_strdup_printf ("/proc/self/fd/%d", self->fd);
  for (guint attempt = 0; attempt < PART_NAME_ATTEMPTS; attempt++)
    {
      char middle[7];
      g_autofree char *candidate = NULL;

      for (guint i = 0; i < sizeof middle - 1; i++)
        middle[i] = chars[g_random_int_range (0, sizeof chars - 1)];
      middle[sizeof middle - 1] = '\0';
      candidate = g_strconcat (HAUL_BODY_PART_PREFIX, middle, HAUL_BODY_PART_SUFFIX, NULL);

      if (linkat (AT_FDCWD, proc_path, dir_fd, candidate, AT_SYMLINK_FOLLOW) == 0)
        {
          close (dir_fd);
          self->part_name = g_steal_pointer (&candidate);
          return TRUE;
        }

      saved_errno = errno;
      if (saved_errno != EEXIST)
        break;
    }

  close (dir_fd);
  set_errno_error (saved_errno, self->folder, error);
  return FALSE;
}

/**
 * haul_body_get_part_name:
 *
 * Returns: (nullable): the body's bare file name in its folder, or %NULL
 *   while it has none
 */
const char *
haul_body_get_part_name (HaulBody *self)
{
  return self->part_name;
}

/**
 * haul_body_get_sha256:
 *
 * The SHA-256 of everything written, in lower-case hex. Once asked for,
 * nothing more may be written unless haul_body_restart() is called.
 *
 * Returns: the checksum, owned by @self
 */
const char *
haul_body_get_sha256 (HaulBody *self)
{
  if (self->sha256 == NULL)
    {
      guint8 digest[SHA256_DIGEST_SIZE];
      /* The digest of what was written so far; the body may yet grow. */
      struct sha256_ctx copy = self->checksum;

      sha256_digest (&copy, sizeof digest, digest);
      self->sha256 = g_malloc (2 * sizeof digest + 1);
      for (gsize i = 0; i < sizeof digest; i++)
        g_snprintf (self->sha256 + 2 * i, 3, "%02x", digest[i]);
    }

  return self->sha256;
}

/**
 * haul_body_set_mtime:
 * @self: a body
 * @unix_time: seconds since the epoch
 * @error: return location for a #GError
 *
 * Sets the file's modification time, through the descriptor so no name is
 * followed. Call it after the last write, which would change it again.
 *
 * Returns: %FALSE on failure
 */
gboolean
haul_body_set_mtime (HaulBody  *self,
                     gint64     unix_time,
                     GError   **error)
{
  struct timespec times[2] = {
    { .tv_sec = 0, .tv_nsec = UTIME_OMIT },
    { .tv_sec = (time_t)unix_time, .tv_nsec = 0 },
  };

  g_return_val_if_fail (self->fd >= 0 && !self->claimed, FALSE);

  if (futimens (self->fd, times) != 0)
    {
      set_errno_error (errno, self->folder, error);
      return FALSE;
    }

  return TRUE;
}

/**
 * haul_body_claim:
 * @self: a complete body
 * @name: a safe base name, as from haul_naming_choose()
 * @error: return location for a #GError
 *
 * Gives the body its final name by the rules of haul_naming_claim():
 * never overwriting, "photo (1).png" when "photo.png" is taken. A body
 * with a partial name is renamed, so that name is gone afterwards; one
 * without a name is linked. The file is closed either way. On failure the
 * body stays unclaimed and haul_body_free() removes it.
 *
 * Returns: (transfer full) (nullable): the final path, or %NULL on error
 */
char *
haul_body_claim (HaulBody    *self,
                 const char  *name,
                 GError     **error)
{
  char *file_path;
  int fd = self->fd;

  g_return_val_if_fail (self->fd >= 0 && !self->claimed, NULL);

  if (self->part_name != NULL)
    {
      g_autofree char *part_path = g_build_filename (self->folder, self->part_name, NULL);

      /* Closed first: a late write error (NFS, quotas) shows here. */
      self->fd = -1;
      if (close (fd) != 0)
        {
          set_errno_error (errno, self->folder, error);
          return NULL;
        }

      file_path = haul_naming_claim (self->folder, part_path, name, error);
      if (file_path == NULL)
        return NULL;

      g_clear_pointer (&self->part_name, g_free);
      self->claimed = TRUE;
      return file_path;
    }

  /* A file without a name gets one only once complete, and the descriptor
   * is closed afterwards, since naming it needs it open. */
  file_path = haul_naming_claim_fd (self->folder, fd, name, error);
  if (file_path == NULL)
    return NULL;

  self->fd = -1;
  self->claimed = TRUE;
  if (close (fd) != 0)
    {
      set_errno_error (errno, self->folder, error);
      g_unlink (file_path);
      g_free (file_path);
      return NULL;
    }

  return file_path;
}

/**
 * haul_body_keep_part:
 *
 * Makes haul_body_free() leave a body's partial file in place, for a later
 * run to resume. A body without a name vanishes anyway.
 */
void
haul_body_keep_part (HaulBody *self)
{
  self->keep_part = TRUE;
}

/**
 * haul_body_free:
 *
 * Closes the body. Unless it was claimed or kept, its file is removed: no
 * partial file stays behind.
 */
void
haul_body_free (HaulBody *self)
{
  if (self->fd >= 0)
    close (self->fd);

  if (self->part_name != NULL && !self->claimed && !self->keep_part)
    {
      g_autofree char *path = g_build_filename (self->folder, self->part_name, NULL);

      g_unlink (path);
    }

  g_free (self->folder);
  g_free (self->part_name);
  g_free (self->sha256);
  g_free (self);
}
