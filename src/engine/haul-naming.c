/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef _GNU_SOURCE
# define _GNU_SOURCE /* renameat2 */
#endif
#include "config.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <fcntl.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "haul-error.h"
#include "haul-naming-private.h"

/* The longest tail after the last dot that still counts as an extension;
 * anything longer is part of the name and may be cut. */
#define MAX_EXTENSION_BYTES 16

/* A claim tries this many names before giving up. */
#define MAX_CLAIM_ATTEMPTS 256

/* After this many taken names in a row, a claim stops walking one by one
 * and searches for the end of the run of taken numbers. */
#define CLAIM_WALK_BEFORE_SEARCH 8
#define MAX_CLAIM_NUMBER 10000000

/* Extensions that a page generating the image may carry; the real image
 * type replaces them rather than being appended. */
static const char * const script_extensions[] = {
  "action", "ashx", "asp", "aspx", "axd", "cfm", "cgi", "do", "fcgi", "htm", "html", "jsp",
  "jspx", "php", "php3", "php4", "php5", "phtml", "pl", "py", "rb", "shtml", "xhtml",
};

/* Image extensions, each with the canonical one of its type: a name that
 * already ends in a spelling of the right type keeps it. */
static const struct
{
  const char *extension;
  const char *canonical;
} image_extensions[] = {
  { "png", "png" },
  { "apng", "png" },
  { "jpg", "jpg" },
  { "jpeg", "jpg" },
  { "jpe", "jpg" },
  { "jfif", "jpg" },
  { "pjpeg", "jpg" },
  { "pjp", "jpg" },
  { "gif", "gif" },
  { "webp", "webp" },
  { "avif", "avif" },
  { "avifs", "avif" },
  { "bmp", "bmp" },
  { "dib", "bmp" },
  { "tif", "tiff" },
  { "tiff", "tiff" },
  { "svg", "svg" },
  { "svgz", "svgz" },          /* gzipped: not the same bytes as .svg */
  { "ico", "ico" },
  { "cur", "ico" },
  { "heic", "heic" },
  { "heif", "heif" },
  { "jxl", "jxl" },
  { "jp2", "jp2" },
};

/**
 * haul_naming_from_content_disposition:
 * @header: (nullable): a Content-Disposition header value
 *
 * libsoup's parser decodes an RFC 5987 `filename*` (UTF-8 or ISO-8859-1)
 * and lets it override a plain `filename`; one it cannot decode is
 * ignored, so `filename` remains.
 *
 * Returns: (transfer full) (nullable): the name asked for, unsanitised
 */
char *
haul_naming_from_content_disposition (const char *header)
{
  GHashTable *params;
  const char *filename;
  char *result = NULL;

  if (header == NULL || header[0] == '\0')
    return NULL;

  params = soup_header_parse_semi_param_list (header);
  if (params == NULL)
    return NULL;

  filename = g_hash_table_lookup (params, "filename");
  if (filename != NULL && filename[0] != '\0')
    result = g_strdup (filename);

  soup_header_free_param_list (params);

  return result;
}

/**
 * haul_naming_from_url:
 * @url: (nullable): an absolute URL
 *
 * An encoded NUL (`%00`) becomes `_`, as it cannot live in a C string;
 * everything else is decoded as it is, to be sanitised afterwards.
 *
 * Returns: (transfer full) (nullable): the last path segment of @url,
 *   percent-decoded; %NULL if empty
 */
char *
haul_naming_from_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *path;
  const char *segment;
  const guint8 *data;
  gsize length;
  char *result;

  if (url == NULL)
    return NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri == NULL)
    return NULL;

  path = g_uri_get_path (uri);
  segment = strrchr (path, '/');
  segment = segment != NULL ? segment + 1 : path;
  if (segment[0] == '\0')
    return NULL;

  bytes = g_uri_unescape_bytes (segment, -1, NULL, NULL);
  if (bytes == NULL)
    return g_strdup (segment); /* a stray '%' is taken literally */

  data = g_bytes_get_data (bytes, &length);
  result = g_malloc (length + 1);
  for (gsize i = 0; i < length; i++)
    result[i] = data[i] != '\0' ? (char)data[i] : '_';
  result[length] = '\0';

  return result;
}

/* Characters that could make a name lie about itself on screen: bidi
 * overrides and isolates turn "gnp.exe" into something else. */
static gboolean
is_unsafe_char (gunichar c)
{
  if (g_unichar_iscntrl (c))
    return TRUE;

  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e
         || c == 0x200f || c == 0xfeff;
}

/* The byte offset of @name's extension dot, or -1: a dot that is not the
 * first byte, followed by a short, non-empty tail. */
static gssize
extension_offset (const char *name)
{
  const char *dot = strrchr (name, '.');
  gsize tail;

  if (dot == NULL || dot == name)
    return -1;

  tail = strlen (dot + 1);
  if (tail == 0 || tail > MAX_EXTENSION_BYTES)
    return -1;

  return dot - name;
}

/* The longest prefix of @text that is at most @max_bytes and ends on a
 * character boundary, in bytes. */
static gsize
utf8_prefix_length (const char *text,
                    gsize       max_bytes)
{
  const char *p = text;

  while (*p != '\0')
    {
      const char *next = g_utf8_next_char (p);

      if ((gsize)(next - text) > max_bytes)
        break;
      p = next;
    }

  return p - text;
}

/* Joins @stem, @infix and @extension (which includes its dot, or is
 * empty), shortening @stem at a character boundary so that the whole fits
 * HAUL_NAMING_MAX_BYTES. */
static char *
join_within_limit (const char *stem,
                   const char *infix,
                   const char *extension)
{
  gsize fixed = strlen (infix) + strlen (extension);
  gsize stem_length = strlen (stem);
  g_autofree char *cut = NULL;

  g_assert (fixed < HAUL_NAMING_MAX_BYTES);

  if (stem_length + fixed > HAUL_NAMING_MAX_BYTES)
    {
      stem_length = utf8_prefix_length (stem, HAUL_NAMING_MAX_BYTES - fixed);

      /* A cut that leaves the stem ending in dots or spaces would make "a..png"
       * or "a .png". */
      while (stem_length > 1 && (stem[stem_length - 1] == '.' || stem[stem_length - 1] == ' '))
        stem_length--;
    }

  cut = g_strndup (stem, stem_length);

  return g_strconcat (cut, infix, extension, NULL);
}

/**
 * haul_naming_sanitize:
 * @name: (nullable): a name from a header or a URL
 *
 * Makes @name a bare, safe base name: invalid UTF-8 is repaired, only what
 * follows the last '/' or '\\' is kept, control characters (and bidi
 * controls) become '_', runs of dots become one dot, leading dots,
 * trailing dots and surrounding white space are removed, and a name over 255 bytes is cut at
 * a character boundary before its extension.
 *
 * Returns: (transfer full) (nullable): the safe name, or %NULL when nothing
 *   usable remains
 */
char *
haul_naming_sanitize (const char *name)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) clean = NULL;
  const char *base;
  char *start;
  char *end;
  gssize dot;
  g_autofree char *stem = NULL;

  if (name == NULL)
    return NULL;

  valid = g_utf8_make_valid (name, -1);

  base = valid;
  for (const char *p = valid; *p != '\0'; p++)
    {
      if (*p == '/' || *p == '\\')
        base = p + 1;
    }

  clean = g_string_new (NULL);
  for (const char *p = base; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_unsafe_char (c))
        g_string_append_c (clean, '_');
      else if (c == '.' && clean->len > 0 && clean->str[clean->len - 1] == '.')
        continue;
      else
        g_string_append_unichar (clean, c);
    }

  start = clean->str;
  while (*start == '.' || g_ascii_isspace (*start))
    start++;

  /* A trailing dot would become "photo..png" once an extension is added,
   * and some file systems drop it anyway. */
  end = start + strlen (start);
  while (end > start && (end[-1] == '.' || g_ascii_isspace (end[-1])))
    *--end = '\0';

  if (*start == '\0')
    return NULL;

  if (strlen (start) <= HAUL_NAMING_MAX_BYTES)
    return g_strdup (start);

  dot = extension_offset (start);
  if (dot < 0)
    return join_within_limit (start, "", "");

  stem = g_strndup (start, dot);
  return join_within_limit (stem, "", start + dot);
}

static gboolean
in_list (const char         *word,
         const char * const *list,
         gsize               n_items)
{
  for (gsize i = 0; i < n_items; i++)
    {
      if (g_ascii_strcasecmp (word, list[i]) == 0)
        return TRUE;
    }

  return FALSE;
}

/* The canonical extension of an image extension, or NULL. */
static const char *
canonical_image_extension (const char *extension)
{
  for (gsize i = 0; i < G_N_ELEMENTS (image_extensions); i++)
    {
      if (g_ascii_strcasecmp (extension, image_extensions[i].extension) == 0)
        return image_extensions[i].canonical;
    }

  return NULL;
}

/* Only a plain alphanumeric extension is used; anything else could put a
 * separator back into a name. */
static gboolean
is_plain_extension (const char *extension)
{
  gsize length = strlen (extension);

  if (length == 0 || length > MAX_EXTENSION_BYTES)
    return FALSE;

  for (const char *p = extension; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p))
        return FALSE;
    }

  return TRUE;
}

/**
 * haul_naming_choose:
 * @content_disposition: (nullable): the Content-Disposition header
 * @url: (nullable): the URL the body came from (the final one)
 * @extension: (nullable): the extension of the real content, without the
 *   dot, such as "png"
 *
 * The name comes from @content_disposition, else the URL's last segment,
 * else "image", sanitised. With @extension, a name ending in another image
 * extension or in a script or page extension (".php", ".aspx", ".html"…)
 * gets @extension instead ("photo.jpg" → "photo.png", "show.php" →
 * "show.png"); a name already ending in a spelling of the right type keeps
 * it ("photo.JPEG" for "jpg"); any other name gets @extension appended
 * ("a.b" → "a.b.png"). Without @extension the name stays as it is.
 *
 * Returns: (transfer full): a safe base name of at most 255 bytes
 */
char *
haul_naming_choose (const char *content_disposition,
                    const char *url,
                    const char *extension)
{
  g_autofree char *name = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *dotted = NULL;
  const char *current = NULL;
  gssize dot;

  if (content_disposition != NULL)
    {
      g_autofree char *asked = haul_naming_from_content_disposition (content_disposition);
      name = haul_naming_sanitize (asked);
    }

  if (name == NULL && url != NULL)
    {
      g_autofree char *segment = haul_naming_from_url (url);
      name = haul_naming_sanitize (segment);
    }

  if (name == NULL)
    name = g_strdup ("image");

  if (extension != NULL && extension[0] == '.')
    extension++;

  if (extension == NULL || !is_plain_extension (extension))
    return g_steal_pointer (&name);

  dot = extension_offset (name);
  if (dot >= 0)
    current = name + dot + 1;

  if (current != NULL)
    {
      const char *canonical = canonical_image_extension (current);
      const char *wanted = canonical_image_extension (extension);

      if (canonical != NULL && wanted != NULL && strcmp (canonical, wanted) == 0)
        return g_steal_pointer (&name);
      if (g_ascii_strcasecmp (current, extension) == 0)
        return g_steal_pointer (&name);

      if (canonical != NULL || in_list (current, script_extensions, G_N_ELEMENTS (script_extensions)))
        stem = g_strndup (name, dot);
    }

  if (stem == NULL)
    stem = g_strdup (name);

  dotted = g_strconcat (".", extension, NULL);
  return join_within_limit (stem, "", dotted);
}

/* Sets @error from @errsv, naming @name: disk full and permission problems
 * get their own codes as the user can act on them. */
static void
set_error_from_errno (GError     **error,
                      int          errsv,
                      const char  *name)
{
  switch (errsv)
    {
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_DISK_FULL,
                   _("Could not save “%s”: the disk is full"), name);
      break;

    case EACCES:
    case EPERM:
    case EROFS:
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_PERMISSION,
                   _("Could not save “%s”: permission denied"), name);
      break;

    default:
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not save “%s”: %s"), name, g_strerror (errsv));
      break;
    }
}

/* "photo.png" with @number 0, else "photo (@number).png", within the
 * length limit. */
static char *
candidate_name (const char *name,
                guint       number)
{
  gssize dot = extension_offset (name);
  g_autofree char *stem = NULL;
  g_autofree char *infix = NULL;
  const char *extension = "";

  if (dot >= 0)
    {
      stem = g_strndup (name, dot);
      extension = name + dot;
    }
  else
    stem = g_strdup (name);

  infix = number > 0 ? g_strdup_printf (" (%u)", number) : g_strdup ("");

  return join_within_limit (stem, infix, extension);
}

static gboolean
name_is_taken (int         dir_fd,
               const char *name,
               guint       number)
{
  g_autofree char *candidate = candidate_name (name, number);
  struct stat st;

  /* Anything but a clear "not there" counts as taken: the claim itself
   * decides in the end. */
  return fstatat (dir_fd, candidate, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT;
}

/* A folder that already holds "photo (1).png" to "photo (5000).png" would
 * cost 5000 attempts one by one: from a taken @number, this doubles its
 * way past the run of taken numbers and bisects back to its end. */
static guint
skip_taken_numbers (int         dir_fd,
                    const char *name,
                    guint       number)
{
  guint taken = number;
  guint free_number;
  guint step = 1;

  for (;;)
    {
      free_number = number + step;
      if (free_number >= MAX_CLAIM_NUMBER)
        {
          free_number = MAX_CLAIM_NUMBER;
          break;
        }
      if (!name_is_taken (dir_fd, name, free_number))
        break;
      taken = free_number;
      step *= 2;
    }

  while (free_number - taken > 1)
    {
      guint middle = taken + (free_number - taken) / 2;

      if (name_is_taken (dir_fd, name, middle))
        taken = middle;
      else
        free_number = middle;
    }

  return free_number;
}

/* One attempt at @candidate. Returns 0 on success, else an errno value,
 * EEXIST meaning the name is taken. May switch @method to a fallback when
 * the file system lacks the current one, in which case it returns EAGAIN
 * so that the same candidate is tried again. */
static int
try_claim (int                    dir_fd,
           const char            *tmp_path,
           const char            *candidate,
           HaulNamingClaimMethod *method)
{
  int errsv;

  switch (*method)
    {
    case HAUL_NAMING_CLAIM_RENAME_NOREPLACE:
#ifdef RENAME_NOREPLACE
      /* One directory operation, where link and unlink take two and hold
       * the folder's lock twice while other workers wait for it. */
      if (renameat2 (AT_FDCWD, tmp_path, dir_fd, candidate, RENAME_NOREPLACE) == 0)
        return 0;

      errsv = errno;
      if (errsv != EINVAL && errsv != ENOSYS && errsv != EOPNOTSUPP && errsv != ENOTSUP)
        return errsv;
#endif
      *method = HAUL_NAMING_CLAIM_LINK;
      return EAGAIN;

    case HAUL_NAMING_CLAIM_LINK:
      if (linkat (AT_FDCWD, tmp_path, dir_fd, candidate, 0) == 0)
        {
          if (unlink (tmp_path) == 0)
            return 0;

          /* Two names for one file would leave the temporary file behind:
           * undo, so that the caller's cleanup still holds. */
          errsv = errno;
          unlinkat (dir_fd, candidate, 0);
          return errsv;
        }

      errsv = errno;
      /* File systems without hard links (FAT, some FUSE and network ones)
       * answer EPERM or "not supported". */
      if (errsv == EPERM || errsv == EOPNOTSUPP || errsv == ENOTSUP || errsv == ENOSYS
          || errsv == EMLINK)
        {
          *method = HAUL_NAMING_CLAIM_EXCLUSIVE_CREATE;
          return EAGAIN;
        }
      return errsv;

    case HAUL_NAMING_CLAIM_LINK_ANONYMOUS:
      /* Following the /proc link reaches the open file itself; linkat()
       * fails with EEXIST rather than replace a name. */
      if (linkat (AT_FDCWD, tmp_path, dir_fd, candidate, AT_SYMLINK_FOLLOW) == 0)
        return 0;
      return errno;

    case HAUL_NAMING_CLAIM_EXCLUSIVE_CREATE:
    default:
      {
        /* The placeholder is ours alone once created, so renaming over it
         * replaces nothing anyone else wrote. */
        int fd = openat (dir_fd, candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                         0644);

        if (fd < 0)
          return errno;
        close (fd);

        if (renameat (AT_FDCWD, tmp_path, dir_fd, candidate) == 0)
          return 0;

        errsv = errno;
        unlinkat (dir_fd, candidate, 0);
        return errsv;
      }
    }
}

/**
 * haul_naming_claim:
 * @folder: the folder to save in; @tmp_path must be in the same folder
 *   (or at least on the same file system)
 * @tmp_path: the complete temporary file
 * @name: a safe base name, as from haul_naming_choose()
 * @error: return location for a #GError
 *
 * Gives @tmp_path its final name without ever overwriting: @name, then
 * "photo (1).png", "photo (2).png"… (the number goes before the
 * extension, and the stem is shortened if needed to stay within 255
 * bytes). Each attempt is atomic: renameat2() with RENAME_NOREPLACE; where
 * the file system refuses that flag, link(2) then unlink of @tmp_path;
 * where it has no hard links either, an O_EXCL placeholder replaced by
 * rename.
 * Safe to call from many threads at once, also for the same @name.
 *
 * On failure @tmp_path is left in place for the caller to remove, and
 * @error is set: %HAUL_ERROR_DISK_FULL, %HAUL_ERROR_PERMISSION,
 * %G_IO_ERROR_INVALID_FILENAME for a @name that is not a bare base name,
 * %G_IO_ERROR_EXISTS when no free name was found, otherwise the
 * %G_IO_ERROR code for the system's error.
 *
 * Returns: (transfer full) (nullable): the final path, or %NULL on error
 */
char *
haul_naming_claim (const char  *folder,
                   const char  *tmp_path,
                   const char  *name,
                   GError     **error)
{
  return haul_naming_claim_using (folder, tmp_path, name, HAUL_NAMING_CLAIM_RENAME_NOREPLACE,
                                  error);
}

/**
 * haul_naming_claim_fd:
 * @folder: the folder @fd was opened in with O_TMPFILE
 * @fd: the complete file, still open
 * @name: a safe base name, as from haul_naming_choose()
 * @error: return location for a #GError
 *
 * Like haul_naming_claim() for a file that has no name yet, so that a
 * partial download never appears in @folder: one linkat() per attempt,
 * where a temporary name costs a creation and a rename.
 *
 * Returns: (transfer full) (nullable): the final path, or %NULL on error
 */
char *
haul_naming_claim_fd (const char  *folder,
                      int          fd,
                      const char  *name,
                      GError     **error)
{
  g_autofree char *proc_path = NULL;

  g_return_val_if_fail (fd >= 0, NULL);

  proc_path = g_strdup_printf ("/proc/self/fd/%d", fd);
  return haul_naming_claim_using (folder, proc_path, name, HAUL_NAMING_CLAIM_LINK_ANONYMOUS,
                                  error);
}

char *
haul_naming_claim_using (const char             *folder,
                         const char             *tmp_path,
                         const char             *name,
                         HaulNamingClaimMethod   method,
                         GError                **error)
{
  guint number = 0;
  guint taken_in_a_row = 0;
  int dir_fd;
  int errsv = EEXIST;

  g_return_val_if_fail (folder != NULL, NULL);
  g_return_val_if_fail (tmp_path != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (name[0] == '\0' || strchr (name, '/') != NULL || strcmp (name, ".") == 0
      || strcmp (name, "..") == 0 || !g_utf8_validate (name, -1, NULL))
    {
      g_autofree char *shown = g_utf8_make_valid (name, -1);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                   _("“%s” is not a valid file name"), shown);
      return NULL;
    }

  dir_fd = open (folder, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    {
      g_autofree char *display = g_filename_display_name (folder);
      errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not open the folder “%s”: %s"), display, g_strerror (errsv));
      return NULL;
    }

  for (guint attempt = 0; attempt < MAX_CLAIM_ATTEMPTS && number < MAX_CLAIM_NUMBER; attempt++)
    {
      g_autofree char *candidate = candidate_name (name, number);

      errsv = try_claim (dir_fd, tmp_path, candidate, &method);

      if (errsv == 0)
        {
          close (dir_fd);
          return g_build_filename (folder, candidate, NULL);
        }

      if (errsv == EAGAIN)
        continue;

      if (errsv != EEXIST)
        break;

      if (++taken_in_a_row >= CLAIM_WALK_BEFORE_SEARCH)
        {
          number = skip_taken_numbers (dir_fd, name, number);
          taken_in_a_row = 0;
        }
      else
        number++;
    }

  close (dir_fd);

  if (errsv == EEXIST || errsv == EAGAIN)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                 _("Could not save “%s”: no free file name left"), name);
  else
    set_error_from_errno (error, errsv, name);

  return NULL;
}
