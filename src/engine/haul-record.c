/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <sqlite3.h>

#include "haul-record.h"

/* Bumped whenever the tables change; a newer database is not touched. */
#define SCHEMA_VERSION 2
/* Another Haul may be writing: wait for it rather than fail. */
#define BUSY_TIMEOUT_MS 5000
/* Writes are committed together this long after the first of them: one
 * commit per file would cost more than a small download. A crash loses at
 * most this much of the record, never a file. */
#define GROUP_COMMIT_US (G_USEC_PER_SEC / 10)

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS saved ("
  "  folder TEXT NOT NULL, url TEXT NOT NULL, name TEXT NOT NULL,"
  "  size INTEGER NOT NULL, sha256 TEXT, etag TEXT, last_modified TEXT,"
  "  saved_at INTEGER NOT NULL, PRIMARY KEY (folder, url));"
  "CREATE TABLE IF NOT EXISTS partial ("
  "  folder TEXT NOT NULL, url TEXT NOT NULL, part TEXT NOT NULL,"
  "  etag TEXT, last_modified TEXT, total INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL, PRIMARY KEY (folder, url));"
  "CREATE TABLE IF NOT EXISTS list ("
  "  url TEXT PRIMARY KEY, position INTEGER NOT NULL, state INTEGER NOT NULL,"
  "  folder TEXT, file_path TEXT, content_type TEXT, error_message TEXT,"
  "  bytes INTEGER NOT NULL, total INTEGER NOT NULL, http_status INTEGER NOT NULL,"
  "  width INTEGER NOT NULL, height INTEGER NOT NULL, seconds REAL NOT NULL,"
  "  is_page INTEGER NOT NULL DEFAULT 0, page_title TEXT, page_url TEXT, referer TEXT,"
  "  preview_url TEXT);";

/* From each version to the next. */
static const char *const upgrades[] = {
  /* 1 → 2: page rows and what images found on pages keep; a folder's
   * files are looked up in memory, so no index by hash is kept up */
  "DROP INDEX IF EXISTS saved_by_hash;"
  "ALTER TABLE list ADD COLUMN is_page INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE list ADD COLUMN page_title TEXT;"
  "ALTER TABLE list ADD COLUMN page_url TEXT;"
  "ALTER TABLE list ADD COLUMN referer TEXT;"
  "ALTER TABLE list ADD COLUMN preview_url TEXT;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (upgrades) == SCHEMA_VERSION - 1);

typedef enum
{
  STMT_ADD_FILE,
  STMT_SET_PARTIAL,
  STMT_REMOVE_PARTIAL,
  STMT_LIST_PARTIALS,
  STMT_LOAD_FILES,
  STMT_LOAD_ITEMS,
  STMT_SAVE_ITEM,
  STMT_REMOVE_ITEM,
  N_STMTS
} Stmt;

static const char *const statements[N_STMTS] = {
  [STMT_ADD_FILE] =
    "INSERT OR REPLACE INTO saved (folder, url, name, size, sha256, etag, last_modified, saved_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  [STMT_SET_PARTIAL] =
    "INSERT OR REPLACE INTO partial (folder, url, part, etag, last_modified, total, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
  [STMT_REMOVE_PARTIAL] =
    "DELETE FROM partial WHERE folder = ?1 AND url = ?2",
  [STMT_LIST_PARTIALS] =
    "SELECT url, part, etag, last_modified, total FROM partial WHERE folder = ?1",
  [STMT_LOAD_FILES] =
    "SELECT url, name, size, sha256, etag, last_modified, saved_at FROM saved WHERE folder = ?1",
  [STMT_LOAD_ITEMS] =
    "SELECT url, position, state, folder, file_path, content_type, error_message,"
    " bytes, total, http_status, width, height, seconds, is_page, page_title, page_url,"
    " referer, preview_url FROM list ORDER BY position",
  [STMT_SAVE_ITEM] =
    "INSERT OR REPLACE INTO list (url, position, state, folder, file_path, content_type,"
    " error_message, bytes, total, http_status, width, height, seconds, is_page, page_title,"
    " page_url, referer, preview_url)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
  [STMT_REMOVE_ITEM] =
    "DELETE FROM list WHERE url = ?1",
};

struct _HaulRecord
{
  GObject       parent_instance;

  char         *path;
  GMainContext *context;

  /* Guards everything below: one connection, used by one thread at a time. */
  GMutex        lock;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  gboolean      opened;
  char         *warning;

  /* The transaction open for writes, and the thread that commits it. */
  gboolean      in_transaction;
  gint64        transaction_start;
  GThread      *committer;
  GCond         commit_cond;
  gboolean      stopping;

  /* folder → Folder: what the database holds for each folder used, read
   * once, so that each item costs hash lookups rather than queries. */
  GHashTable   *folders;

  GMutex        names_lock;
};

typedef struct
{
  GHashTable *files;      /* url → HaulRecordFile */
  GHashTable *by_hash;    /* sha256 → GPtrArray of the same HaulRecordFile */
  GHashTable *partials;   /* url → HaulRecordPartial */
} Folder;

static void
folder_free (gpointer data)
{
  Folder *folder = data;

  g_hash_table_unref (folder->by_hash);
  g_hash_table_unref (folder->files);
  g_hash_table_unref (folder->partials);
  g_free (folder);
}

G_DEFINE_FINAL_TYPE (HaulRecord, haul_record, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  N_PROPS
};

enum {
  WARNING,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

void
haul_record_file_free (HaulRecordFile *file)
{
  if (file == NULL)
    return;

  g_free (file->url);
  g_free (file->name);
  g_free (file->sha256);
  g_free (file->etag);
  g_free (file->last_modified);
  g_free (file);
}

void
haul_record_partial_free (HaulRecordPartial *partial)
{
  if (partial == NULL)
    return;

  g_free (partial->url);
  g_free (partial->part);
  g_free (partial->etag);
  g_free (partial->last_modified);
  g_free (partial);
}

void
haul_record_item_free (HaulRecordItem *item)
{
  if (item == NULL)
    return;

  g_free (item->url);
  g_free (item->folder);
  g_free (item->file_path);
  g_free (item->content_type);
  g_free (item->error_message);
  g_free (item->page_title);
  g_free (item->page_url);
  g_free (item->referer);
  g_free (item->preview_url);
  g_free (item);
}

char *
haul_record_default_path (void)
{
  /* g_get_user_state_dir() is read once per process; the variable is read
   * here each time, so that tests can move the database. */
  const char *state = g_getenv ("XDG_STATE_HOME");

  if (state != NULL && g_path_is_absolute (state))
    return g_build_filename (state, "haul", "haul.db", NULL);

  return g_build_filename (g_get_user_state_dir (), "haul", "haul.db", NULL);
}

typedef struct
{
  HaulRecord *self;
  char       *message;
} Warning;

static gboolean
emit_warning (gpointer data)
{
  Warning *warning = data;

  g_signal_emit (warning->self, signals[WARNING], 0, warning->message);

  return G_SOURCE_REMOVE;
}

static void
warning_free (gpointer data)
{
  Warning *warning = data;

  g_object_unref (warning->self);
  g_free (warning->message);
  g_free (warning);
}

/* Must hold the lock. The first problem is told; the rest would only
 * repeat it. */
static void
warn (HaulRecord *self,
      const char *reason)
{
  Warning *warning;

  if (self->warning != NULL)
    return;

  /* TRANSLATORS: the record is the database of what was downloaded */
  self->warning = g_strdup_printf (_("cannot use the download record %s (%s); "
                                     "downloading without it"),
                                   self->path ? self->path : ":memory:", reason);

  warning = g_new0 (Warning, 1);
  warning->self = g_object_ref (self);
  warning->message = g_strdup (self->warning);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_warning,
                              warning, warning_free);
}

/* Must hold the lock. */
static void
commit (HaulRecord *self)
{
  if (!self->in_transaction)
    return;

  self->in_transaction = FALSE;
  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      warn (self, sqlite3_errmsg (self->db));
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

static gpointer
committer_thread (gpointer data)
{
  HaulRecord *self = data;

  g_mutex_lock (&self->lock);
  while (!self->stopping)
    {
      if (!self->in_transaction)
        g_cond_wait (&self->commit_cond, &self->lock);
      else if (g_get_monotonic_time () >= self->transaction_start + GROUP_COMMIT_US)
        commit (self);
      else
        g_cond_wait_until (&self->commit_cond, &self->lock,
                           self->transaction_start + GROUP_COMMIT_US);
    }
  g_mutex_unlock (&self->lock);

  return NULL;
}

/* Must hold the lock. Writes join the open transaction, or open one that
 * the committer closes shortly. */
static void
begin_write (HaulRecord *self)
{
  if (self->in_transaction || self->db == NULL)
    return;

  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      warn (self, sqlite3_errmsg (self->db));
      return;
    }

  self->in_transaction = TRUE;
  self->transaction_start = g_get_monotonic_time ();
  if (self->committer == NULL)
    self->committer = g_thread_new ("haul-record", committer_thread, self);
  g_cond_signal (&self->commit_cond);
}

static void
close_db (HaulRecord *self)
{
  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close_v2);
}

static gboolean
setup_db (HaulRecord  *self,
          const char  *path,
          char       **reason)
{
  sqlite3_stmt *stmt = NULL;
  int version = 0;
  int rc;

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    goto failed;

  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  /* Closing would copy the log into the database and sync both, a few
   * milliseconds at the end of every run; the next one reads the log as
   * it is, and SQLite copies it over every thousand pages anyway. */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);

  /* Reading the version is the first read of the file: a file that is no
   * database fails here. */
  rc = sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      version = sqlite3_column_int (stmt, 0);
      rc = SQLITE_OK;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rc != SQLITE_OK)
    goto failed;

  if (version > SCHEMA_VERSION)
    {
      *reason = g_strdup (_("made by a newer version of Haul"));
      close_db (self);
      return FALSE;
    }

  /* WAL lets a second Haul read while this one writes; NORMAL still keeps
   * the database whole after a power cut. */
  rc = sqlite3_exec (self->db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                     NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    goto failed;

  if (version < SCHEMA_VERSION)
    {
      g_autoptr(GString) steps = g_string_new (NULL);
      g_autofree char *sql = NULL;

      /* A new database gets the tables as they are; an older one is
       * brought up to date, step by step. */
      if (version == 0)
        g_string_append (steps, schema);
      else
        for (int v = version; v < SCHEMA_VERSION; v++)
          g_string_append (steps, upgrades[v - 1]);
      sql = g_strdup_printf ("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                             steps->str, SCHEMA_VERSION);

      rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
      if (rc != SQLITE_OK)
        {
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          goto failed;
        }
    }

  for (guint i = 0; i < N_STMTS; i++)
    {
      rc = sqlite3_prepare_v3 (self->db, statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &self->stmts[i], NULL);
      if (rc != SQLITE_OK)
        goto failed;
    }

  return TRUE;

failed:
  *reason = g_strdup (self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
  close_db (self);
  return FALSE;
}

/* Must hold the lock. */
static gboolean
ensure_open (HaulRecord *self)
{
  g_autofree char *reason = NULL;

  if (self->opened)
    return self->db != NULL;

  self->opened = TRUE;

  if (self->path != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self->path);

      if (g_mkdir_with_parents (dir, 0700) != 0)
        reason = g_strdup (g_strerror (errno));
      else if (setup_db (self, self->path, &reason))
        return TRUE;

      warn (self, reason);
      g_clear_pointer (&reason, g_free);
    }

  /* In memory, a run still knows what it saved itself. */
  if (!setup_db (self, ":memory:", &reason))
    {
      warn (self, reason);
      return FALSE;
    }

  return TRUE;
}

/* Must hold the lock. Returns the statement, reset and bound to nothing,
 * or NULL without a database. */
static sqlite3_stmt *
get_stmt (HaulRecord *self,
          Stmt        which)
{
  sqlite3_stmt *stmt;

  if (!ensure_open (self))
    return NULL;

  stmt = self->stmts[which];
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

/* Must hold the lock. A write that fails (disk full, a file turned
 * read-only) is told once; downloads go on. */
static void
step_done (HaulRecord   *self,
           sqlite3_stmt *stmt)
{
  int rc;

  begin_write (self);
  rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    warn (self, sqlite3_errmsg (self->db));
  sqlite3_reset (stmt);
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
dup_column (sqlite3_stmt *stmt,
            int           column)
{
  const unsigned char *text = sqlite3_column_text (stmt, column);

  return text ? g_strdup ((const char *)text) : NULL;
}

static void
haul_record_finalize (GObject *object)
{
  HaulRecord *self = (HaulRecord *)object;

  haul_record_flush (self);
  if (self->committer != NULL)
    {
      g_mutex_lock (&self->lock);
      self->stopping = TRUE;
      g_cond_signal (&self->commit_cond);
      g_mutex_unlock (&self->lock);
      g_thread_join (self->committer);
    }

  close_db (self);
  g_clear_pointer (&self->folders, g_hash_table_unref);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->warning, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->names_lock);
  g_cond_clear (&self->commit_cond);

  G_OBJECT_CLASS (haul_record_parent_class)->finalize (object);
}

static void
haul_record_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  HaulRecord *self = HAUL_RECORD (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_record_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  HaulRecord *self = HAUL_RECORD (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_record_class_init (HaulRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = haul_record_finalize;
  object_class->get_property = haul_record_get_property;
  object_class->set_property = haul_record_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HaulRecord::warning:
   * @message: what went wrong, for the user
   *
   * Emitted once, on the main context, when the database cannot be used.
   */
  signals[WARNING] =
    g_signal_new ("warning",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
haul_record_init (HaulRecord *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->names_lock);
  g_cond_init (&self->commit_cond);
  self->folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, folder_free);
  self->context = g_main_context_ref_thread_default ();
}

HaulRecord *
haul_record_new (const char *path)
{
  return g_object_new (HAUL_TYPE_RECORD,
                       "path", path,
                       NULL);
}

const char *
haul_record_get_path (HaulRecord *self)
{
  g_return_val_if_fail (HAUL_IS_RECORD (self), NULL);

  return self->path;
}

char *
haul_record_dup_warning (HaulRecord *self)
{
  char *warning;

  g_return_val_if_fail (HAUL_IS_RECORD (self), NULL);

  g_mutex_lock (&self->lock);
  warning = g_strdup (self->warning);
  g_mutex_unlock (&self->lock);

  return warning;
}

void
haul_record_flush (HaulRecord *self)
{
  g_return_if_fail (HAUL_IS_RECORD (self));

  g_mutex_lock (&self->lock);
  commit (self);
  g_mutex_unlock (&self->lock);
}


static HaulRecordFile *
file_from_row (sqlite3_stmt *stmt,
               const char   *url,
               int           first)
{
  HaulRecordFile *file = g_new0 (HaulRecordFile, 1);

  file->url = g_strdup (url);
  file->name = dup_column (stmt, first);
  file->size = (guint64)sqlite3_column_int64 (stmt, first + 1);
  file->sha256 = dup_column (stmt, first + 2);
  file->etag = dup_column (stmt, first + 3);
  file->last_modified = dup_column (stmt, first + 4);
  file->saved_at = sqlite3_column_int64 (stmt, first + 5);

  return file;
}

static HaulRecordFile *
file_copy (const HaulRecordFile *file)
{
  HaulRecordFile *copy = g_new0 (HaulRecordFile, 1);

  copy->url = g_strdup (file->url);
  copy->name = g_strdup (file->name);
  copy->size = file->size;
  copy->sha256 = g_strdup (file->sha256);
  copy->etag = g_strdup (file->etag);
  copy->last_modified = g_strdup (file->last_modified);
  copy->saved_at = file->saved_at;

  return copy;
}

static HaulRecordPartial *
partial_copy (const HaulRecordPartial *partial)
{
  HaulRecordPartial *copy = g_new0 (HaulRecordPartial, 1);

  copy->url = g_strdup (partial->url);
  copy->part = g_strdup (partial->part);
  copy->etag = g_strdup (partial->etag);
  copy->last_modified = g_strdup (partial->last_modified);
  copy->total = partial->total;

  return copy;
}

/* Must hold the lock. */
static void
folder_forget_file (Folder     *folder,
                    const char *url)
{
  HaulRecordFile *old = g_hash_table_lookup (folder->files, url);

  if (old == NULL)
    return;

  if (old->sha256 != NULL)
    {
      GPtrArray *same = g_hash_table_lookup (folder->by_hash, old->sha256);

      if (same != NULL)
        {
          g_ptr_array_remove (same, old);
          if (same->len == 0)
            g_hash_table_remove (folder->by_hash, old->sha256);
        }
    }
  g_hash_table_remove (folder->files, url);
}

/* Must hold the lock. Takes @file. */
static void
folder_add_file (Folder         *folder,
                 HaulRecordFile *file)
{
  folder_forget_file (folder, file->url);
  g_hash_table_insert (folder->files, file->url, file);

  if (file->sha256 != NULL)
    {
      GPtrArray *same = g_hash_table_lookup (folder->by_hash, file->sha256);

      if (same == NULL)
        {
          same = g_ptr_array_new ();
          g_hash_table_insert (folder->by_hash, file->sha256, same);
        }
      g_ptr_array_add (same, file);
    }
}

/* Must hold the lock. */
static Folder *
get_folder (HaulRecord *self,
            const char *path)
{
  Folder *folder = g_hash_table_lookup (self->folders, path);
  sqlite3_stmt *stmt;

  if (folder != NULL)
    return folder;

  folder = g_new0 (Folder, 1);
  folder->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                         (GDestroyNotify)haul_record_file_free);
  folder->by_hash = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify)g_ptr_array_unref);
  folder->partials = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify)haul_record_partial_free);
  g_hash_table_insert (self->folders, g_strdup (path), folder);

  if ((stmt = get_stmt (self, STMT_LOAD_FILES)) != NULL)
    {
      bind_text (stmt, 1, path);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        if (sqlite3_column_text (stmt, 0) != NULL && sqlite3_column_text (stmt, 1) != NULL)
          folder_add_file (folder, file_from_row (stmt, (const char *)sqlite3_column_text (stmt, 0), 1));
      sqlite3_reset (stmt);
    }

  if ((stmt = get_stmt (self, STMT_LIST_PARTIALS)) != NULL)
    {
      bind_text (stmt, 1, path);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          HaulRecordPartial *partial = g_new0 (HaulRecordPartial, 1);

          partial->url = dup_column (stmt, 0);
          partial->part = dup_column (stmt, 1);
          partial->etag = dup_column (stmt, 2);
          partial->last_modified = dup_column (stmt, 3);
          partial->total = sqlite3_column_int64 (stmt, 4);
          if (partial->url != NULL && partial->part != NULL)
            g_hash_table_replace (folder->partials, partial->url, partial);
          else
            haul_record_partial_free (partial);
        }
      sqlite3_reset (stmt);
    }

  return folder;
}

HaulRecordFile *
haul_record_lookup_file (HaulRecord *self,
                         const char *folder,
                         const char *url)
{
  HaulRecordFile *file;

  g_return_val_if_fail (HAUL_IS_RECORD (self), NULL);

  g_mutex_lock (&self->lock);
  file = g_hash_table_lookup (get_folder (self, folder)->files, url);
  file = file ? file_copy (file) : NULL;
  g_mutex_unlock (&self->lock);

  return file;
}

static int
newest_first (gconstpointer a,
              gconstpointer b)
{
  const HaulRecordFile *fa = *(HaulRecordFile **)a;
  const HaulRecordFile *fb = *(HaulRecordFile **)b;

  return (fb->saved_at > fa->saved_at) - (fb->saved_at < fa->saved_at);
}

GPtrArray *
haul_record_find_by_hash (HaulRecord *self,
                          const char *folder,
                          const char *sha256)
{
  GPtrArray *files = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_record_file_free);
  GPtrArray *same;

  g_return_val_if_fail (HAUL_IS_RECORD (self), files);

  g_mutex_lock (&self->lock);
  same = g_hash_table_lookup (get_folder (self, folder)->by_hash, sha256);
  for (guint i = 0; same != NULL && i < same->len; i++)
    g_ptr_array_add (files, file_copy (g_ptr_array_index (same, i)));
  g_mutex_unlock (&self->lock);

  g_ptr_array_sort (files, newest_first);
  return files;
}

void
haul_record_add_file (HaulRecord           *self,
                      const char           *folder,
                      const HaulRecordFile *file)
{
  HaulRecordFile *copy;
  sqlite3_stmt *stmt;

  g_return_if_fail (HAUL_IS_RECORD (self));

  copy = file_copy (file);
  if (copy->saved_at == 0)
    copy->saved_at = g_get_real_time () / G_USEC_PER_SEC;

  g_mutex_lock (&self->lock);
  folder_add_file (get_folder (self, folder), copy);
  if ((stmt = get_stmt (self, STMT_ADD_FILE)) != NULL)
    {
      bind_text (stmt, 1, folder);
      bind_text (stmt, 2, copy->url);
      bind_text (stmt, 3, copy->name);
      sqlite3_bind_int64 (stmt, 4, (sqlite3_int64)copy->size);
      bind_text (stmt, 5, copy->sha256);
      bind_text (stmt, 6, copy->etag);
      bind_text (stmt, 7, copy->last_modified);
      sqlite3_bind_int64 (stmt, 8, copy->saved_at);
      step_done (self, stmt);
    }
  g_mutex_unlock (&self->lock);
}

/* Runs one statement bound to (folder, url). Must hold the lock. */
static void
run_folder_url (HaulRecord *self,
                Stmt        which,
                const char *folder,
                const char *url)
{
  sqlite3_stmt *stmt;

  if ((stmt = get_stmt (self, which)) != NULL)
    {
      bind_text (stmt, 1, folder);
      bind_text (stmt, 2, url);
      step_done (self, stmt);
    }
}


void
haul_record_lock_names (HaulRecord *self)
{
  g_return_if_fail (HAUL_IS_RECORD (self));

  g_mutex_lock (&self->names_lock);
}

void
haul_record_unlock_names (HaulRecord *self)
{
  g_return_if_fail (HAUL_IS_RECORD (self));

  g_mutex_unlock (&self->names_lock);
}

HaulRecordPartial *
haul_record_lookup_partial (HaulRecord *self,
                            const char *folder,
                            const char *url)
{
  HaulRecordPartial *partial;

  g_return_val_if_fail (HAUL_IS_RECORD (self), NULL);

  g_mutex_lock (&self->lock);
  partial = g_hash_table_lookup (get_folder (self, folder)->partials, url);
  partial = partial ? partial_copy (partial) : NULL;
  g_mutex_unlock (&self->lock);

  return partial;
}

void
haul_record_set_partial (HaulRecord              *self,
                         const char              *folder,
                         const HaulRecordPartial *partial)
{
  HaulRecordPartial *copy = partial_copy (partial);
  sqlite3_stmt *stmt;

  g_return_if_fail (HAUL_IS_RECORD (self));

  g_mutex_lock (&self->lock);
  g_hash_table_replace (get_folder (self, folder)->partials, copy->url, copy);
  if ((stmt = get_stmt (self, STMT_SET_PARTIAL)) != NULL)
    {
      bind_text (stmt, 1, folder);
      bind_text (stmt, 2, partial->url);
      bind_text (stmt, 3, partial->part);
      bind_text (stmt, 4, partial->etag);
      bind_text (stmt, 5, partial->last_modified);
      sqlite3_bind_int64 (stmt, 6, partial->total);
      sqlite3_bind_int64 (stmt, 7, g_get_real_time () / G_USEC_PER_SEC);
      step_done (self, stmt);
    }
  g_mutex_unlock (&self->lock);
}

void
haul_record_remove_partial (HaulRecord *self,
                            const char *folder,
                            const char *url)
{
  g_return_if_fail (HAUL_IS_RECORD (self));

  g_mutex_lock (&self->lock);
  g_hash_table_remove (get_folder (self, folder)->partials, url);
  run_folder_url (self, STMT_REMOVE_PARTIAL, folder, url);
  g_mutex_unlock (&self->lock);
}

GPtrArray *
haul_record_list_partials (HaulRecord *self,
                           const char *folder)
{
  GPtrArray *partials = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_record_partial_free);
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (HAUL_IS_RECORD (self), partials);

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, get_folder (self, folder)->partials);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (partials, partial_copy (value));
  g_mutex_unlock (&self->lock);

  return partials;
}

GPtrArray *
haul_record_load_items (HaulRecord *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_record_item_free);
  sqlite3_stmt *stmt;

  g_return_val_if_fail (HAUL_IS_RECORD (self), items);

  g_mutex_lock (&self->lock);
  if ((stmt = get_stmt (self, STMT_LOAD_ITEMS)) != NULL)
    {
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          HaulRecordItem *item = g_new0 (HaulRecordItem, 1);
          int state = sqlite3_column_int (stmt, 2);

          item->url = dup_column (stmt, 0);
          item->position = sqlite3_column_int64 (stmt, 1);
          /* A row from a newer version, or a damaged one, comes back queued. */
          item->state = state >= HAUL_DOWNLOAD_QUEUED && state <= HAUL_DOWNLOAD_SKIPPED
                        ? (HaulDownloadState)state : HAUL_DOWNLOAD_QUEUED;
          item->folder = dup_column (stmt, 3);
          item->file_path = dup_column (stmt, 4);
          item->content_type = dup_column (stmt, 5);
          item->error_message = dup_column (stmt, 6);
          item->bytes = (guint64)MAX (0, sqlite3_column_int64 (stmt, 7));
          item->total = sqlite3_column_int64 (stmt, 8);
          item->http_status = (guint)CLAMP (sqlite3_column_int (stmt, 9), 0, 999);
          item->width = MAX (0, sqlite3_column_int (stmt, 10));
          item->height = MAX (0, sqlite3_column_int (stmt, 11));
          item->seconds = sqlite3_column_double (stmt, 12);
          item->is_page = sqlite3_column_int (stmt, 13) != 0;
          item->page_title = dup_column (stmt, 14);
          item->page_url = dup_column (stmt, 15);
          item->referer = dup_column (stmt, 16);
          item->preview_url = dup_column (stmt, 17);
          if (item->url != NULL)
            g_ptr_array_add (items, item);
          else
            haul_record_item_free (item);
        }
      sqlite3_reset (stmt);
    }
  g_mutex_unlock (&self->lock);

  return items;
}

void
haul_record_save_items (HaulRecord *self,
                        GPtrArray  *items,
                        GPtrArray  *removed)
{
  sqlite3_stmt *save;
  sqlite3_stmt *remove;

  g_return_if_fail (HAUL_IS_RECORD (self));

  g_mutex_lock (&self->lock);
  if ((save = get_stmt (self, STMT_SAVE_ITEM)) == NULL ||
      (remove = get_stmt (self, STMT_REMOVE_ITEM)) == NULL)
    {
      g_mutex_unlock (&self->lock);
      return;
    }

  /* In the open transaction: thousands of rows cost one commit. */

  for (guint i = 0; removed != NULL && i < removed->len; i++)
    {
      bind_text (remove, 1, g_ptr_array_index (removed, i));
      step_done (self, remove);
    }

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      HaulRecordItem *item = g_ptr_array_index (items, i);

      bind_text (save, 1, item->url);
      sqlite3_bind_int64 (save, 2, item->position);
      sqlite3_bind_int (save, 3, item->state);
      bind_text (save, 4, item->folder);
      bind_text (save, 5, item->file_path);
      bind_text (save, 6, item->content_type);
      bind_text (save, 7, item->error_message);
      sqlite3_bind_int64 (save, 8, (sqlite3_int64)item->bytes);
      sqlite3_bind_int64 (save, 9, item->total);
      sqlite3_bind_int (save, 10, (int)item->http_status);
      sqlite3_bind_int (save, 11, item->width);
      sqlite3_bind_int (save, 12, item->height);
      sqlite3_bind_double (save, 13, item->seconds);
      sqlite3_bind_int (save, 14, item->is_page);
      bind_text (save, 15, item->page_title);
      bind_text (save, 16, item->page_url);
      bind_text (save, 17, item->referer);
      bind_text (save, 18, item->preview_url);
      step_done (self, save);
    }
  g_mutex_unlock (&self->lock);
}

