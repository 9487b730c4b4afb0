/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "haul-download.h"
#include "haul-types.h"

G_BEGIN_DECLS

#define HAUL_TYPE_RECORD (haul_record_get_type ())

G_DECLARE_FINAL_TYPE (HaulRecord, haul_record, HAUL, RECORD, GObject)

/* What Haul remembers across runs, in one SQLite database: the files it
 * saved in each folder, the transfers it left unfinished, and the window's
 * list. Every call but haul_record_new() and the getters touches the
 * database, so it belongs in a worker thread, never on the main thread;
 * calls from several threads at once are serialised.
 *
 * When the database cannot be used (locked, corrupt, unwritable), the
 * record says so once through the "warning" signal, emitted on the main
 * context it was made on, and goes on in memory, so that a run still
 * skips what it saved itself. */

/* One file saved in a folder. */
typedef struct
{
  char    *url;
  char    *name;          /* in the folder */
  guint64  size;
  char    *sha256;        /* lowercase hex, or NULL */
  char    *etag;
  char    *last_modified;
  gint64   saved_at;      /* seconds since the epoch */
} HaulRecordFile;

/* A transfer left unfinished, whose bytes wait in the folder in a hidden
 * ".haul-….part" file. */
typedef struct
{
  char    *url;
  char    *part;          /* its name in the folder */
  char    *etag;
  char    *last_modified;
  gint64   total;         /* the whole body's length, or -1 */
} HaulRecordPartial;

/* One row of the window's list. */
typedef struct
{
  char              *url;
  gint64             position;      /* rows load in this order */
  HaulDownloadState  state;
  char              *folder;
  char              *file_path;
  char              *content_type;
  char              *error_message;
  guint64            bytes;
  gint64             total;
  guint              http_status;
  int                width;
  int                height;
  double             seconds;
  /* Pages: a page row's title; an image found on a page, the page's row,
   * its Referer and its preview. */
  gboolean           is_page;
  char              *page_title;
  char              *page_url;
  char              *referer;
  char              *preview_url;
} HaulRecordItem;

void               haul_record_file_free      (HaulRecordFile    *file);
void               haul_record_partial_free   (HaulRecordPartial *partial);
void               haul_record_item_free      (HaulRecordItem    *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulRecordFile, haul_record_file_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulRecordPartial, haul_record_partial_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulRecordItem, haul_record_item_free)

/* The database Haul uses: $XDG_STATE_HOME/haul/haul.db. */
char              *haul_record_default_path   (void);

/* @path: the database file, or NULL to keep everything in memory. Nothing
 * is opened until the first call that needs the database. */
HaulRecord        *haul_record_new            (const char        *path);
const char        *haul_record_get_path       (HaulRecord        *self);
/* The warning given, or NULL while the database works. Thread-safe. */
char              *haul_record_dup_warning    (HaulRecord        *self);

/* Commits what was written; writes are otherwise committed together, a
 * tenth of a second after the first. */
void               haul_record_flush          (HaulRecord        *self);

/* Saved files. */
HaulRecordFile    *haul_record_lookup_file    (HaulRecord        *self,
                                               const char        *folder,
                                               const char        *url);
/* Files saved in @folder whose body had this SHA-256, newest first. */
GPtrArray         *haul_record_find_by_hash   (HaulRecord        *self,
                                               const char        *folder,
                                               const char        *sha256);
void               haul_record_add_file       (HaulRecord        *self,
                                               const char        *folder,
                                               const HaulRecordFile *file);

/* Held around deciding that a body is new and giving it its name, so that
 * two workers finishing the same image at once keep one copy. */
void               haul_record_lock_names     (HaulRecord        *self);
void               haul_record_unlock_names   (HaulRecord        *self);

/* Unfinished transfers. */
HaulRecordPartial *haul_record_lookup_partial (HaulRecord        *self,
                                               const char        *folder,
                                               const char        *url);
void               haul_record_set_partial    (HaulRecord        *self,
                                               const char        *folder,
                                               const HaulRecordPartial *partial);
void               haul_record_remove_partial (HaulRecord        *self,
                                               const char        *folder,
                                               const char        *url);
/* Every unfinished transfer recorded for @folder (HaulRecordPartial *). */
GPtrArray         *haul_record_list_partials  (HaulRecord        *self,
                                               const char        *folder);

/* The window's list, in order (HaulRecordItem *). */
GPtrArray         *haul_record_load_items     (HaulRecord        *self);
/* Writes @items (HaulRecordItem *, new or changed) and forgets the URLs in
 * @removed (char *), in one transaction. Either may be NULL. */
void               haul_record_save_items     (HaulRecord        *self,
                                               GPtrArray         *items,
                                               GPtrArray         *removed);

G_END_DECLS
