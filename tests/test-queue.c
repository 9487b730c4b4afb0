/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "haul-download.h"
#include "haul-downloader.h"
#include "haul-queue.h"
#include "haul-record.h"
#include "test-server.h"

static TestServer *server;

typedef struct
{
  char           *folder;
  char           *state;
  char           *db_path;
  HaulRecord     *record;
  HaulDownloader *downloader;
  HaulQueue      *queue;
  GPtrArray      *finished;     /* HaulDownload *, in signal order */
  guint           n_sessions;
  guint           n_warnings;
  char           *warning;
} Fixture;

static void
on_item_finished (HaulQueue    *queue,
                  HaulDownload *download,
                  Fixture      *fixture)
{
  g_assert_true (haul_download_is_finished (download));
  g_ptr_array_add (fixture->finished, g_object_ref (download));
}

static void
on_session_finished (HaulQueue *queue,
                     Fixture   *fixture)
{
  fixture->n_sessions++;
}

static void
on_warning (HaulRecord *record,
            const char *message,
            Fixture    *fixture)
{
  fixture->n_warnings++;
  g_free (fixture->warning);
  fixture->warning = g_strdup (message);
}

/* A persistent queue writes its list one last time as it goes, and lives
 * until that is written. */
static void
fixture_end_run (Fixture *fixture)
{
  HaulQueue *queue = fixture->queue;

  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (G_OBJECT (queue), (gpointer *)&queue);
  g_clear_object (&fixture->queue);
  while (queue != NULL)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      if (g_get_monotonic_time () > deadline)
        g_error ("the queue was not released in time");
    }
  g_assert_finalize_object (fixture->downloader);
  fixture->downloader = NULL;
  g_clear_object (&fixture->record);
}

/* A downloader and queue over the fixture's folder and record, as a new
 * run of Haul would make them. */
static void
fixture_new_run (Fixture *fixture)
{
  g_autoptr(GFile) folder = g_file_new_for_path (fixture->folder);

  if (fixture->queue != NULL)
    fixture_end_run (fixture);

  fixture->record = haul_record_new (fixture->db_path);
  g_signal_connect (fixture->record, "warning", G_CALLBACK (on_warning), fixture);
  fixture->downloader = haul_downloader_new (NULL);
  haul_downloader_set_output_folder (fixture->downloader, folder);
  haul_downloader_set_retries (fixture->downloader, 0);
  haul_downloader_set_record (fixture->downloader, fixture->record);
  fixture->queue = haul_queue_new (fixture->downloader);
  g_signal_connect (fixture->queue, "item-finished", G_CALLBACK (on_item_finished), fixture);
  g_signal_connect (fixture->queue, "session-finished", G_CALLBACK (on_session_finished), fixture);
  g_ptr_array_set_size (fixture->finished, 0);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->folder = g_dir_make_tmp ("haul-test-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->state = g_dir_make_tmp ("haul-state-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->db_path = g_build_filename (fixture->state, "haul", "haul.db", NULL);
  fixture->finished = g_ptr_array_new_with_free_func (g_object_unref);
  fixture_new_run (fixture);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        remove_tree (child);
      }
  g_remove (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->finished, g_ptr_array_unref);
  fixture_end_run (fixture);

  remove_tree (fixture->folder);
  remove_tree (fixture->state);
  g_free (fixture->folder);
  g_free (fixture->state);
  g_free (fixture->db_path);
  g_free (fixture->warning);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("the queue did not finish in time");
  return G_SOURCE_REMOVE;
}

/* Starts @items (or all) and iterates until the session ends, failing
 * after 30 s. */
static void
run_queue (Fixture   *fixture,
           GPtrArray *items)
{
  guint sessions = fixture->n_sessions;
  guint timeout_id = g_timeout_add_seconds (30, on_timeout, NULL);

  haul_queue_start (fixture->queue, items);
  g_assert_true (haul_queue_get_running (fixture->queue));
  while (fixture->n_sessions == sessions)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout_id);
  g_assert_false (haul_queue_get_running (fixture->queue));
}

static void
keep_result (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static GPtrArray *
make_urls (const char *first_path,
           ...)
{
  GPtrArray *urls = g_ptr_array_new_with_free_func (g_free);
  va_list args;

  va_start (args, first_path);
  for (const char *path = first_path; path != NULL; path = va_arg (args, const char *))
    g_ptr_array_add (urls, test_server_url (server, path));
  va_end (args);

  return urls;
}

static guint
count_files (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

static void
test_add_once (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = make_urls ("/png/add-a.png", "/png/add-b.png", "/png/add-a.png", NULL);
  g_autoptr(GPtrArray) again = make_urls ("/png/add-b.png", "/png/add-c.png", NULL);
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GPtrArray) added_again = NULL;
  HaulQueueCounts counts;
  guint n_known = 99;

  added = haul_queue_add_urls (fixture->queue, urls, &n_known);
  g_assert_cmpuint (added->len, ==, 2);
  g_assert_cmpuint (n_known, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->queue)), ==, 2);

  added_again = haul_queue_add_urls (fixture->queue, again, &n_known);
  g_assert_cmpuint (added_again->len, ==, 1);
  g_assert_cmpuint (n_known, ==, 1);
  g_assert_true (haul_queue_lookup (fixture->queue, g_ptr_array_index (again, 1)) ==
                 g_ptr_array_index (added_again, 0));

  haul_queue_get_counts (fixture->queue, &counts);
  g_assert_cmpuint (counts.total, ==, 3);
  g_assert_cmpuint (counts.startable, ==, 3);
  g_assert_cmpuint (counts.done, ==, 0);
}

static void
test_run_and_summary (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = make_urls ("/png/sum-a.png?delay=200", "/png/sum-b.png?delay=200",
                                         "/png/sum-c.png?delay=200", "/status/404", NULL);
  g_autoptr(GPtrArray) added = haul_queue_add_urls (fixture->queue, urls, NULL);
  HaulQueueCounts counts;
  HaulQueueSummary summary;

  g_assert_cmpuint (added->len, ==, 4);
  run_queue (fixture, NULL);

  g_assert_cmpuint (fixture->finished->len, ==, 4);
  haul_queue_get_counts (fixture->queue, &counts);
  g_assert_cmpuint (counts.total, ==, 4);
  g_assert_cmpuint (counts.done, ==, 3);
  g_assert_cmpuint (counts.failed, ==, 1);
  g_assert_cmpuint (counts.startable, ==, 0);

  haul_queue_get_summary (fixture->queue, &summary);
  g_assert_cmpuint (summary.total, ==, 4);
  g_assert_cmpuint (summary.finished, ==, 4);
  g_assert_cmpuint (summary.done, ==, 3);
  g_assert_cmpuint (summary.failed, ==, 1);
  g_assert_false (summary.running);
  g_assert_false (summary.interrupted);
  /* Three waits of 200 ms side by side: the sum is about three times the
   * time taken, with a wide margin for a busy machine. */
  g_assert_cmpfloat (summary.sum, >=, 0.6);
  g_assert_cmpfloat (summary.speedup, >, 1.5);
  g_assert_cmpfloat (fabs (summary.speedup - summary.sum / summary.elapsed), <, 1e-9);

  /* Retry Failed starts a new session of the one failure. */
  haul_queue_retry_failed (fixture->queue);
  while (haul_queue_get_running (fixture->queue))
    g_main_context_iteration (NULL, TRUE);
  haul_queue_get_summary (fixture->queue, &summary);
  g_assert_cmpuint (summary.total, ==, 1);
  g_assert_cmpuint (summary.failed, ==, 1);
  /* One item: nothing to compare with. */
  g_assert_cmpfloat (summary.speedup, ==, 0.0);
}

static void
test_cancel_summary (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = make_urls ("/png/cancel-a.png?delay=5000", "/png/cancel-b.png?delay=5000",
                                         "/png/cancel-c.png?delay=5000", NULL);
  g_autoptr(GPtrArray) added = haul_queue_add_urls (fixture->queue, urls, NULL);
  HaulQueueSummary summary;
  guint sessions = fixture->n_sessions;

  g_assert_cmpuint (added->len, ==, 3);
  haul_queue_start (fixture->queue, NULL);
  g_timeout_add_once (300, (GSourceOnceFunc)haul_queue_cancel, fixture->queue);
  while (fixture->n_sessions == sessions)
    g_main_context_iteration (NULL, TRUE);

  haul_queue_get_summary (fixture->queue, &summary);
  g_assert_true (summary.interrupted);
  g_assert_cmpuint (summary.cancelled, ==, 3);
  /* Cancelled items count for nothing in "one by one". */
  g_assert_cmpfloat (summary.sum, ==, 0.0);
  g_assert_cmpfloat (summary.speedup, ==, 0.0);
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);
}

/* A second run into the same folder sends no request for what it saved;
 * a file the user deleted, or replaced with other content, comes back. */
static void
test_second_run_skips (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = make_urls ("/bytes/3001", "/bytes/3002", "/bytes/3003", NULL);
  g_autoptr(GPtrArray) added = NULL;
  g_autofree char *deleted = g_build_filename (fixture->folder, "3002.png", NULL);
  g_autofree char *replaced = g_build_filename (fixture->folder, "3003.png", NULL);
  HaulQueueSummary summary;

  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  run_queue (fixture, NULL);
  haul_queue_get_summary (fixture->queue, &summary);
  g_assert_cmpuint (summary.done, ==, 3);
  g_assert_cmpuint (test_server_get_hits (server, "/bytes/3001"), ==, 1);
  g_assert_true (g_file_test (deleted, G_FILE_TEST_IS_REGULAR));

  g_assert_cmpint (g_unlink (deleted), ==, 0);
  g_assert_true (g_file_set_contents (replaced, "other", -1, NULL));

  fixture_new_run (fixture);
  g_clear_pointer (&added, g_ptr_array_unref);
  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  run_queue (fixture, NULL);

  haul_queue_get_summary (fixture->queue, &summary);
  g_assert_cmpuint (summary.total, ==, 3);
  g_assert_cmpuint (summary.skipped, ==, 1);
  g_assert_cmpuint (summary.done, ==, 2);
  g_assert_cmpuint (test_server_get_hits (server, "/bytes/3001"), ==, 1);
  g_assert_cmpuint (test_server_get_hits (server, "/bytes/3002"), ==, 2);
  g_assert_cmpuint (test_server_get_hits (server, "/bytes/3003"), ==, 2);

  {
    HaulDownload *skipped = g_ptr_array_index (added, 0);
    g_autofree char *expected = g_build_filename (fixture->folder, "3001.png", NULL);

    g_assert_cmpint (haul_download_get_state (skipped), ==, HAUL_DOWNLOAD_SKIPPED);
    g_assert_cmpint (haul_download_get_skip_reason (skipped), ==, HAUL_SKIP_SAVED);
    g_assert_cmpstr (haul_download_get_error_message (skipped), ==, "already downloaded (3001.png)");
    g_assert_cmpstr (haul_download_get_file_path (skipped), ==, expected);
  }

  /* The deleted file is back under its name; the replaced one is kept and
   * the new download takes the next name. */
  g_assert_true (g_file_test (deleted, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_files (fixture->folder), ==, 4);
  g_assert_cmpuint (fixture->n_warnings, ==, 0);

  /* Without skipping, everything is fetched again. */
  fixture_new_run (fixture);
  haul_downloader_set_skip_saved (fixture->downloader, FALSE);
  haul_downloader_set_keep_duplicates (fixture->downloader, TRUE);
  g_clear_pointer (&added, g_ptr_array_unref);
  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  run_queue (fixture, NULL);
  g_assert_cmpuint (test_server_get_hits (server, "/bytes/3001"), ==, 2);
}

/* A persistent queue writes its list; the next one brings it back. */
static void
test_restore (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = make_urls ("/bytes/4001", "/status/404", "/bytes/4003", NULL);
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GPtrArray) first = NULL;
  GPtrArray *items;
  guint n_unfinished = 99;
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;

  haul_queue_set_persistent (fixture->queue, TRUE);
  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  first = g_ptr_array_new ();
  g_ptr_array_add (first, g_ptr_array_index (added, 0));
  g_ptr_array_add (first, g_ptr_array_index (added, 1));
  run_queue (fixture, first);

  /* Disposing writes what is pending; the record lives until it is done. */
  fixture_new_run (fixture);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  haul_queue_set_persistent (fixture->queue, TRUE);

  haul_queue_restore_async (fixture->queue, NULL,
                            keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (haul_queue_restore_finish (fixture->queue, result, &n_unfinished, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  items = haul_queue_get_items (fixture->queue);
  g_assert_cmpuint (items->len, ==, 3);
  g_assert_cmpuint (n_unfinished, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->queue)), ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpstr (haul_download_get_url (g_ptr_array_index (items, i)), ==,
                     g_ptr_array_index (urls, i));
  g_assert_cmpint (haul_download_get_state (g_ptr_array_index (items, 0)), ==, HAUL_DOWNLOAD_DONE);
  g_assert_nonnull (haul_download_get_file_path (g_ptr_array_index (items, 0)));
  g_assert_cmpint (haul_download_get_state (g_ptr_array_index (items, 1)), ==, HAUL_DOWNLOAD_FAILED);
  g_assert_cmpstr (haul_download_get_error_message (g_ptr_array_index (items, 1)), ==,
                   "HTTP 404 Not Found");
  g_assert_cmpint (haul_download_get_state (g_ptr_array_index (items, 2)), ==, HAUL_DOWNLOAD_QUEUED);

  /* Continuing fetches only what was left. */
  run_queue (fixture, NULL);
  g_assert_cmpuint (fixture->finished->len, ==, 1);
  g_assert_cmpuint (test_server_get_hits (server, "/bytes/4001"), ==, 1);
  g_assert_cmpuint (test_server_get_hits (server, "/bytes/4003"), ==, 1);

  /* Clear Finished is written too. */
  haul_queue_clear_finished (fixture->queue);
  g_assert_cmpuint (haul_queue_get_items (fixture->queue)->len, ==, 0);
  fixture_new_run (fixture);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  haul_queue_restore_async (fixture->queue, NULL, keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (haul_queue_restore_finish (fixture->queue, result, &n_unfinished, &error));
  g_clear_object (&result);
  g_assert_cmpuint (haul_queue_get_items (fixture->queue)->len, ==, 0);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  guint      *max_added)
{
  *max_added = MAX (*max_added, added);
}

/* Thousands of new items reach a view a few dozen at a time at first. */
static void
test_gradual (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) added = NULL;
  HaulQueueCounts counts;
  guint max_added = 0;
  guint first_step;

  for (guint i = 0; i < 2000; i++)
    g_ptr_array_add (urls, g_strdup_printf ("http://127.0.0.1:1/%u.png", i));

  haul_queue_set_gradual (fixture->queue, TRUE);
  g_signal_connect (fixture->queue, "items-changed", G_CALLBACK (on_items_changed), &max_added);
  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  first_step = g_list_model_get_n_items (G_LIST_MODEL (fixture->queue));
  g_assert_cmpuint (first_step, >, 0);
  g_assert_cmpuint (first_step, <=, 64);

  /* The counts know every item at once. */
  haul_queue_get_counts (fixture->queue, &counts);
  g_assert_cmpuint (counts.total, ==, 2000);

  while (g_list_model_get_n_items (G_LIST_MODEL (fixture->queue)) < 2000)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->queue)), ==, 2000);
  {
    g_autoptr(HaulDownload) last = g_list_model_get_item (G_LIST_MODEL (fixture->queue), 1999);
    g_assert_true (last == g_ptr_array_index (added, 1999));
  }

  /* Removing half is one change. */
  {
    g_autoptr(GPtrArray) half = g_ptr_array_new ();

    for (guint i = 0; i < 2000; i += 2)
      g_ptr_array_add (half, g_ptr_array_index (added, i));
    haul_queue_remove (fixture->queue, half);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (fixture->queue)), ==, 1000);
  g_assert_null (haul_queue_lookup (fixture->queue, g_ptr_array_index (urls, 0)));
  g_assert_nonnull (haul_queue_lookup (fixture->queue, g_ptr_array_index (urls, 1)));
}

/* A record that is no database says so once; downloads go on, and the run
 * still knows what it saved itself. */
static void
test_corrupt_record (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (fixture->db_path);
  g_autoptr(GPtrArray) urls = make_urls ("/bytes/5001", "/bytes/5002", NULL);
  g_autoptr(GPtrArray) added = NULL;
  g_autofree char *contents = NULL;
  HaulQueueSummary summary;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (fixture->db_path,
                                      "This is not an SQLite database, but a text that says so at length.",
                                      -1, NULL));
  fixture_new_run (fixture);

  added = haul_queue_add_urls (fixture->queue, urls, NULL);
  run_queue (fixture, NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  haul_queue_get_summary (fixture->queue, &summary);
  g_assert_cmpuint (summary.done, ==, 2);
  g_assert_cmpuint (count_files (fixture->folder), ==, 2);
  g_assert_cmpuint (fixture->n_warnings, ==, 1);
  g_assert_nonnull (strstr (fixture->warning, fixture->db_path));
  g_assert_nonnull (strstr (fixture->warning, "downloading without it"));

  /* The user's file is left as it was. */
  g_assert_true (g_file_get_contents (fixture->db_path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "This is not an SQLite database"));
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);

  server = test_server_new ();

#define ADD(path, func) \
  g_test_add ("/queue/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("add-once", test_add_once);
  ADD ("run-and-summary", test_run_and_summary);
  ADD ("cancel-summary", test_cancel_summary);
  ADD ("second-run-skips", test_second_run_skips);
  ADD ("restore", test_restore);
  ADD ("gradual", test_gradual);
  ADD ("corrupt-record", test_corrupt_record);

  result = g_test_run ();
  test_server_free (server);

  return result;
}
