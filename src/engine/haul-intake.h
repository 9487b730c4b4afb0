/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "haul-types.h"

G_BEGIN_DECLS

#define HAUL_INTAKE_MAX_FILE_SIZE (16 * 1024 * 1024)
#define HAUL_INTAKE_MAX_URL_LENGTH (8 * 1024)
/* Rejects kept for display; a hostile file could otherwise make millions. */
#define HAUL_INTAKE_MAX_REJECTS 1000

/* One entry that could not be used, and why. */
struct _HaulIntakeReject
{
  char  *source;   /* file name, "-" for standard input, or NULL for pasted text */
  guint  line;     /* 1-based */
  char  *text;     /* the entry as written, shortened for display */
  char  *reason;   /* translated */
};

#define HAUL_TYPE_INTAKE_REJECT (haul_intake_reject_get_type ())
GType             haul_intake_reject_get_type (void) G_GNUC_CONST;
HaulIntakeReject *haul_intake_reject_copy     (const HaulIntakeReject *reject);
void              haul_intake_reject_free     (HaulIntakeReject       *reject);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulIntakeReject, haul_intake_reject_free)

#define HAUL_TYPE_INTAKE (haul_intake_get_type ())

G_DECLARE_FINAL_TYPE (HaulIntake, haul_intake, HAUL, INTAKE, GObject)

/* A HaulIntake gathers URLs from any number of texts and files, in order,
 * normalised and without duplicates, and the entries it had to reject.
 * It is not thread-safe: fill it in one thread, then hand it on. */

HaulIntake  *haul_intake_new          (void);

/* @content_type and @source_name may be NULL: the format is then guessed
 * from the content. @base_url resolves relative links in HTML and Markdown
 * when it is an http(s) URL (any other is ignored). Fails only
 * when the input as a whole cannot be used (too large, binary). */
gboolean     haul_intake_add_text     (HaulIntake          *self,
                                       const char          *text,
                                       gssize               length,
                                       const char          *content_type,
                                       const char          *source_name,
                                       const char          *base_url,
                                       GError             **error);

/* Blocking: reads @file (at most HAUL_INTAKE_MAX_FILE_SIZE). */
gboolean     haul_intake_add_file     (HaulIntake          *self,
                                       GFile               *file,
                                       GCancellable        *cancellable,
                                       GError             **error);

/* Reads and parses @files in a worker thread; the result is a new HaulIntake. */
void         haul_intake_load_files_async  (GFile         **files,
                                            guint           n_files,
                                            GCancellable   *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer        user_data);
HaulIntake  *haul_intake_load_files_finish (GAsyncResult   *result,
                                            GError        **error);

/* Parses @text (any format the intake reads) in a worker thread, so that a
 * large paste or drop never stalls the main loop; the text is copied. The
 * result is a new HaulIntake. */
void         haul_intake_load_text_async   (const char     *text,
                                            gssize          length,
                                            const char     *content_type,
                                            GCancellable   *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer        user_data);
HaulIntake  *haul_intake_load_text_finish  (GAsyncResult   *result,
                                            GError        **error);

/* Adds a single URL as a user typed it; FALSE (and a reject) when unusable. */
gboolean     haul_intake_add_url      (HaulIntake          *self,
                                       const char          *url);

/* Normalised http(s) URLs, char *, in first-seen order. */
GPtrArray   *haul_intake_get_urls     (HaulIntake          *self);
/* HaulIntakeReject *, in input order: the first HAUL_INTAKE_MAX_REJECTS. */
GPtrArray   *haul_intake_get_rejects  (HaulIntake          *self);
/* Every rejected entry, counting those beyond the ones kept. */
guint        haul_intake_get_n_rejects (HaulIntake         *self);

/* Returns the normalised form of @url, or NULL with @reason set to a
 * translated explanation (when @reason is not NULL). */
char        *haul_intake_normalize_url (const char         *url,
                                        char              **reason);

G_END_DECLS
