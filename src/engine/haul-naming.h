/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HAUL_NAMING_MAX_BYTES 255

/* The file name a Content-Disposition header asks for (filename* per
 * RFC 6266/5987 preferred over filename), unsanitised; NULL if none. */
char     *haul_naming_from_content_disposition (const char  *header);

/* The last path segment of @url, percent-decoded; NULL if empty. */
char     *haul_naming_from_url                 (const char  *url);

/* A bare, safe base name: no '/', '\\', "..", leading dot, control
 * character or NUL; valid UTF-8; at most 255 bytes with the extension kept.
 * NULL when nothing usable remains. */
char     *haul_naming_sanitize                 (const char  *name);

/* The whole rule: Content-Disposition, else the URL, else "image"; made
 * safe; the extension replaced by @extension (from the real content) when
 * given. Never NULL. */
char     *haul_naming_choose                   (const char  *content_disposition,
                                                const char  *url,
                                                const char  *extension);

/* Gives the complete temporary file @tmp_path its final name @name in
 * @folder without ever overwriting: "photo.png", then "photo (1).png",
 * "photo (2).png"… The claim is atomic (renameat2 with
 * RENAME_NOREPLACE, or link(2)); @tmp_path is gone afterwards on
 * success. Returns the final path. @tmp_path must be on the same file
 * system as @folder (best: inside it). On failure NULL is returned, @tmp_path is left for the
 * caller to remove, and @error holds HAUL_ERROR_DISK_FULL,
 * HAUL_ERROR_PERMISSION, G_IO_ERROR_INVALID_FILENAME (not a bare name),
 * G_IO_ERROR_EXISTS (no free name found) or another G_IO_ERROR code.
 * All functions here are thread-safe. */
char     *haul_naming_claim                    (const char  *folder,
                                                const char  *tmp_path,
                                                const char  *name,
                                                GError     **error);

/* The same for a file opened with O_TMPFILE in @folder, which has no name
 * yet: linkat() gives it one, never replacing anything. @fd stays open
 * and is the caller's to close; on failure the file has no name and
 * vanishes when @fd is closed. Needs /proc/self/fd. */
char     *haul_naming_claim_fd                 (const char  *folder,
                                                int          fd,
                                                const char  *name,
                                                GError     **error);

G_END_DECLS
