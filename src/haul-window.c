/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "haul-download-row.h"
#include "haul-launch.h"
#include "haul-window-private.h"

G_DEFINE_FINAL_TYPE (HaulWindow, haul_window, ADW_TYPE_APPLICATION_WINDOW)

typedef struct
{
  guint total;
  guint startable;   /* queued or cancelled, not being fetched */
  guint done;
  guint failed;
  guint finished;
} Counts;

typedef struct
{
  HaulWindow   *self;
  GPtrArray    *downloads;
  GCancellable *cancellable;
  /* Held while the batch runs, so that the process does not exit before
   * cancelled workers have removed their files, even once the window is
   * gone. */
  GApplication *application;
} Batch;

static void
batch_free (Batch *batch)
{
  if (batch->application != NULL)
    g_application_release (batch->application);
  g_clear_object (&batch->application);
  g_clear_object (&batch->self);
  g_clear_pointer (&batch->downloads, g_ptr_array_unref);
  g_clear_object (&batch->cancellable);
  g_free (batch);
}

/* Async work that ends after the window was closed finds it disposed, and
 * leaves it alone. */
static gboolean
is_disposed (HaulWindow *self)
{
  return self->downloads == NULL;
}

static void
count_downloads (HaulWindow *self,
                 Counts     *counts)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->downloads));

  memset (counts, 0, sizeof *counts);
  counts->total = n;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HaulDownload) d = g_list_model_get_item (G_LIST_MODEL (self->downloads), i);
      HaulDownloadState state = haul_download_get_state (d);

      if (state == HAUL_DOWNLOAD_DONE)
        counts->done++;
      else if (state == HAUL_DOWNLOAD_FAILED)
        counts->failed++;

      if ((state == HAUL_DOWNLOAD_QUEUED || state == HAUL_DOWNLOAD_CANCELLED) &&
          !g_hash_table_contains (self->active, d))
        counts->startable++;
    }
}

static void
count_session (HaulWindow *self,
               Counts     *counts,
               double     *sum_seconds)
{
  memset (counts, 0, sizeof *counts);
  *sum_seconds = 0;
  counts->total = self->session->len;

  for (guint i = 0; i < self->session->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (self->session, i);
      HaulDownloadState state = haul_download_get_state (d);

      if (state == HAUL_DOWNLOAD_DONE)
        counts->done++;
      else if (state == HAUL_DOWNLOAD_FAILED)
        counts->failed++;

      if (haul_download_is_finished (d))
        {
          counts->finished++;
          /* An item cancelled before it started has no time of its own. */
          *sum_seconds += MAX (haul_download_get_seconds (d), 0.0);
        }
    }
}

static char *
format_running (guint  done,
                guint  total,
                guint  failed,
                double elapsed)
{
  GString *text = g_string_new (NULL);

  /* TRANSLATORS: the footer while downloading: "37 of 120 done" */
  g_string_append_printf (text, ngettext ("%u of %u done", "%u of %u done", total), done, total);
  if (failed > 0)
    {
      g_string_append (text, " · ");
      /* TRANSLATORS: the footer while downloading: "2 failed" */
      g_string_append_printf (text, ngettext ("%u failed", "%u failed", failed), failed);
    }
  g_string_append (text, " · ");
  /* TRANSLATORS: elapsed time in seconds: "3.4 s" */
  g_string_append_printf (text, _("%.1f s"), elapsed);

  return g_string_free (text, FALSE);
}

static char *
format_summary (guint    done,
                guint    total,
                double   elapsed,
                double   sum,
                gboolean cancelled)
{
  double speedup = elapsed > 0.0 ? sum / elapsed : 1.0;

  if (cancelled)
    /* TRANSLATORS: the footer after Cancel: "Cancelled: 37 of 120 done in 3.4 s" */
    return g_strdup_printf (ngettext ("Cancelled: %u of %u done in %.1f s",
                                      "Cancelled: %u of %u done in %.1f s", total),
                            done, total, elapsed);

  /* TRANSLATORS: the footer when a batch ends; the times are in seconds and
   * "one by one" is the sum of each download's own time */
  return g_strdup_printf (ngettext ("Finished %u of %u in %.1f s; one by one would take %.1f s (%.1f× faster)",
                                    "Finished %u of %u in %.1f s; one by one would take %.1f s (%.1f× faster)",
                                    total),
                          done, total, elapsed, sum, speedup);
}

static char *
format_idle (const Counts *counts)
{
  if (counts->done == 0 && counts->failed == 0)
    /* TRANSLATORS: the footer before downloading */
    return g_strdup_printf (ngettext ("%u link ready", "%u links ready", counts->total),
                            counts->total);

  return format_running (counts->done, counts->total, counts->failed, 0.0);
}

static double
session_elapsed (HaulWindow *self)
{
  gint64 end = self->n_batches > 0 ? g_get_monotonic_time () : self->session_end;

  if (self->session_start == 0)
    return 0.0;

  return (end - self->session_start) / (double)G_USEC_PER_SEC;
}

void
haul_window_update_now (HaulWindow *self)
{
  g_autofree char *text = NULL;
  Counts counts;
  gboolean running = self->n_batches > 0;

  g_clear_handle_id (&self->footer_idle_id, g_source_remove);

  if (is_disposed (self))
    return;

  count_downloads (self, &counts);

  if (running || self->session->len > 0)
    {
      Counts session;
      double sum;

      count_session (self, &session, &sum);
      if (running)
        text = format_running (session.done, session.total, session.failed,
                               session_elapsed (self));
      else
        text = format_summary (session.done, session.total, session_elapsed (self),
                               sum, self->session_cancelled);
    }
  else
    text = format_idle (&counts);

  gtk_label_set_label (self->footer_label, text);
  gtk_widget_set_visible (self->footer, counts.total > 0);
  gtk_stack_set_visible_child_name (self->stack, counts.total > 0 ? "list" : "empty");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.download", !running && counts.startable > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry-failed", counts.failed > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-finished",
                                 counts.done + counts.failed > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-report", counts.total > 0);

  if (running)
    {
      gtk_button_set_label (self->download_button, _("_Cancel"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->download_button), "win.cancel");
      gtk_widget_remove_css_class (GTK_WIDGET (self->download_button), "suggested-action");
    }
  else
    {
      gtk_button_set_label (self->download_button, _("_Download"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->download_button), "win.download");
      gtk_widget_add_css_class (GTK_WIDGET (self->download_button), "suggested-action");
    }
}

static gboolean
footer_idle_cb (gpointer user_data)
{
  HaulWindow *self = user_data;

  self->footer_idle_id = 0;
  haul_window_update_now (self);

  return G_SOURCE_REMOVE;
}

/* Many downloads finish within one frame; the footer and actions are
 * brought up to date once for all of them. */
void
haul_window_queue_update (HaulWindow *self)
{
  if (self->footer_idle_id == 0 && !is_disposed (self))
    self->footer_idle_id = g_idle_add_full (G_PRIORITY_LOW, footer_idle_cb, self, NULL);
}

static gboolean
footer_tick_cb (gpointer user_data)
{
  haul_window_queue_update (user_data);

  return G_SOURCE_CONTINUE;
}

static void
show_toast_with_action (HaulWindow *self,
                        const char *message,
                        const char *button_label,
                        const char *action_name)
{
  AdwToast *toast;

  g_free (self->last_message);
  self->last_message = g_strdup (message);

  if (is_disposed (self))
    return;

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 4);
  if (button_label != NULL)
    {
      adw_toast_set_button_label (toast, button_label);
      adw_toast_set_action_name (toast, action_name);
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

void
haul_window_show_toast (HaulWindow *self,
                        const char *message)
{
  g_return_if_fail (HAUL_IS_WINDOW (self));

  show_toast_with_action (self, message, NULL, NULL);
}

HaulDownload *
haul_window_lookup (HaulWindow *self,
                    const char *url)
{
  return g_hash_table_lookup (self->by_url, url);
}

gboolean
haul_window_is_running (HaulWindow *self)
{
  return self->n_batches > 0;
}

/* "Line 3: “hello” — not understood", one line per reject, at most @max. */
char *
haul_window_format_rejects (HaulWindow *self,
                            guint       max)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < self->last_rejects->len && i < max; i++)
    {
      HaulIntakeReject *reject = g_ptr_array_index (self->last_rejects, i);

      if (text->len > 0)
        g_string_append_c (text, '\n');
      if (reject->source != NULL)
        g_string_append_printf (text, "%s: ", reject->source);
      if (reject->line > 0)
        /* TRANSLATORS: a line that could not be used: "Line 3: “hello” — not understood" */
        g_string_append_printf (text, _("Line %u: “%s” — %s"), reject->line,
                                reject->text ? reject->text : "", reject->reason ? reject->reason : "");
      else
        g_string_append (text, reject->reason ? reject->reason : "");
    }

  if (self->last_rejects->len > max)
    {
      guint more = self->last_rejects->len - max;

      g_string_append_c (text, '\n');
      g_string_append_printf (text, ngettext ("…and %u more", "…and %u more", more), more);
    }

  return g_string_free (text, FALSE);
}

const char *
haul_window_get_footer_text (HaulWindow *self)
{
  return gtk_label_get_label (self->footer_label);
}

static void
notify_finished (HaulWindow *self,
                 const char *summary,
                 guint       done,
                 guint       failed)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  g_autoptr(GNotification) notification = NULL;

  if (app == NULL || gtk_window_is_active (GTK_WINDOW (self)))
    return;

  notification = g_notification_new (failed > 0 ? _("Some Downloads Failed")
                                                 : _("Downloads Finished"));
  g_notification_set_body (notification, summary);
  g_notification_set_default_action (notification, "app.activate");
  g_application_send_notification (G_APPLICATION (app), "downloads-finished", notification);
}

static void
session_finished (HaulWindow *self)
{
  g_autofree char *message = NULL;
  g_autofree char *summary = NULL;
  Counts counts;
  double sum;

  self->session_end = g_get_monotonic_time ();
  g_clear_handle_id (&self->footer_tick_id, g_source_remove);

  count_session (self, &counts, &sum);
  summary = format_summary (counts.done, counts.total, session_elapsed (self), sum,
                            self->session_cancelled);

  if (self->session_cancelled && counts.done == 0)
    message = g_strdup (_("Downloads cancelled"));
  else if (self->session_cancelled)
    /* TRANSLATORS: a toast when a batch was cancelled after some downloads */
    message = g_strdup_printf (ngettext ("Cancelled after %u image",
                                         "Cancelled after %u images", counts.done),
                               counts.done);
  else if (counts.failed > 0)
    /* TRANSLATORS: a toast when a batch ends with failures */
    message = g_strdup_printf (ngettext ("%u image downloaded, %u failed",
                                         "%u images downloaded, %u failed", counts.done),
                               counts.done, counts.failed);
  else
    /* TRANSLATORS: a toast when a batch ends */
    message = g_strdup_printf (ngettext ("%u image downloaded", "%u images downloaded",
                                         counts.done),
                               counts.done);

  /* The way out of failures is one click from where they are announced. */
  if (counts.failed > 0 && !self->session_cancelled)
    show_toast_with_action (self, message, _("_Retry Failed"), "win.retry-failed");
  else
    haul_window_show_toast (self, message);
  notify_finished (self, summary, counts.done, counts.failed);
  haul_window_update_now (self);
}

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  Batch *batch = user_data;
  HaulWindow *self = batch->self;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = haul_downloader_run_finish (HAUL_DOWNLOADER (object), result, &error);

  g_assert (self->n_batches > 0);
  if (is_disposed (self))
    {
      self->n_batches--;
      batch_free (batch);
      return;
    }

  if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    haul_window_show_toast (self, error->message);

  for (guint i = 0; i < batch->downloads->len; i++)
    g_hash_table_remove (self->active, g_ptr_array_index (batch->downloads, i));

  self->n_batches--;

  if (self->n_batches == 0)
    session_finished (self);
  else
    haul_window_queue_update (self);

  batch_free (batch);
}

/* Fetches @downloads (HaulDownload *); items already being fetched are left
 * alone. Batches started while others run join the same session. */
void
haul_window_start (HaulWindow *self,
                   GPtrArray  *downloads)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GFile) folder = NULL;
  Batch *batch;

  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (is_disposed (self))
    return;

  for (guint i = 0; i < downloads->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (downloads, i);

      if (!g_hash_table_contains (self->active, d))
        g_ptr_array_add (items, g_object_ref (d));
    }

  if (items->len == 0 || !_haul_window_check_folder (self, items))
    return;

  if (self->n_batches == 0)
    {
      g_hash_table_remove_all (self->in_session);
      g_ptr_array_set_size (self->session, 0);
      self->session_start = g_get_monotonic_time ();
      self->session_end = 0;
      self->session_cancelled = FALSE;
      self->footer_tick_id = g_timeout_add (100, footer_tick_cb, self);
    }

  if (self->cancellable == NULL)
    self->cancellable = g_cancellable_new ();

  for (guint i = 0; i < items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (items, i);

      g_hash_table_add (self->active, d);
      /* A retry inside a running session meets an item again; a set keeps
       * thousands of rows joining a running session from costing
       * thousands × thousands comparisons. */
      if (g_hash_table_add (self->in_session, d))
        g_ptr_array_add (self->session, g_object_ref (d));
    }

  folder = haul_settings_dup_download_folder_file (self->settings);
  haul_downloader_set_output_folder (self->downloader, folder);

  batch = g_new0 (Batch, 1);
  batch->self = g_object_ref (self);
  batch->downloads = g_ptr_array_ref (items);
  batch->cancellable = g_object_ref (self->cancellable);
  batch->application = (GApplication *)gtk_window_get_application (GTK_WINDOW (self));
  if (batch->application != NULL)
    {
      g_object_ref (batch->application);
      g_application_hold (batch->application);
    }

  self->n_batches++;
  haul_downloader_run_async (self->downloader, items, batch->cancellable, run_cb, batch);

  haul_window_update_now (self);
}

void
haul_window_cancel (HaulWindow *self)
{
  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (self->n_batches == 0 || self->cancellable == NULL)
    return;

  self->session_cancelled = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

void
haul_window_remove (HaulWindow   *self,
                    HaulDownload *download)
{
  guint position;

  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (is_disposed (self))
    return;

  if (!g_list_store_find (self->downloads, download, &position))
    return;

  haul_download_cancel (download);
  g_hash_table_remove (self->by_url, haul_download_get_url (download));
  g_list_store_remove (self->downloads, position);
  haul_window_queue_update (self);
}

/* A list view creates a row widget for each of the first couple of hundred
 * items at once; given a few dozen per frame, it never stalls for long.
 * Past those, the rest goes in with one splice, as it costs no widgets. */
#define ROWS_PER_FRAME 24
#define ROWS_CREATED   256

static void
splice_rows (HaulWindow *self,
             GPtrArray  *rows,
             guint       n)
{
  g_list_store_splice (self->downloads,
                       g_list_model_get_n_items (G_LIST_MODEL (self->downloads)), 0,
                       rows->pdata, n);
  g_ptr_array_remove_range (rows, 0, n);
}

static gboolean
pending_rows_cb (gpointer user_data)
{
  HaulWindow *self = user_data;
  guint n = self->pending_rows->len;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->downloads)) < ROWS_CREATED)
    n = MIN (n, ROWS_PER_FRAME);

  splice_rows (self, self->pending_rows, n);
  haul_window_queue_update (self);

  if (self->pending_rows->len > 0)
    return G_SOURCE_CONTINUE;

  self->pending_rows_id = 0;
  return G_SOURCE_REMOVE;
}

static void
add_rows (HaulWindow *self,
          GPtrArray  *rows)
{
  guint n = MIN (rows->len, ROWS_PER_FRAME);

  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (self->pending_rows, g_object_ref (g_ptr_array_index (rows, i)));

  if (self->pending_rows_id != 0)
    return;

  if (g_list_model_get_n_items (G_LIST_MODEL (self->downloads)) >= ROWS_CREATED)
    n = self->pending_rows->len;

  splice_rows (self, self->pending_rows, n);

  if (self->pending_rows->len > 0)
    self->pending_rows_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE, 16, pending_rows_cb, self, NULL);
}

/* Adds the URLs of @intake that are not in the list yet and says how it
 * went. */
void
haul_window_add_intake (HaulWindow *self,
                        HaulIntake *intake)
{
  GPtrArray *urls = haul_intake_get_urls (intake);
  GPtrArray *rejects = haul_intake_get_rejects (intake);
  guint n_rejected = haul_intake_get_n_rejects (intake);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) message = g_string_new (NULL);
  guint n_known = 0;

  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (is_disposed (self))
    return;

  for (guint i = 0; i < urls->len; i++)
    {
      const char *url = g_ptr_array_index (urls, i);
      HaulDownload *download;

      if (g_hash_table_contains (self->by_url, url))
        {
          n_known++;
          continue;
        }

      download = haul_download_new (url);
      g_hash_table_insert (self->by_url, (char *)haul_download_get_url (download), download);
      g_ptr_array_add (added, download);
    }

  add_rows (self, added);

  self->last_n_added = added->len;
  self->last_n_rejected = n_rejected;

  if (added->len > 0 || (n_known == 0 && n_rejected == 0))
    /* TRANSLATORS: a toast after adding links */
    g_string_append_printf (message, ngettext ("Added %u link", "Added %u links", added->len),
                            added->len);
  if (n_known > 0)
    {
      if (message->len > 0)
        g_string_append (message, " · ");
      g_string_append_printf (message,
                              ngettext ("%u already in the list", "%u already in the list", n_known),
                              n_known);
    }
  if (n_rejected > 0)
    {
      if (message->len > 0)
        g_string_append (message, " · ");
      g_string_append_printf (message,
                              ngettext ("%u line not understood", "%u lines not understood",
                                        n_rejected),
                              n_rejected);
    }

  g_ptr_array_set_size (self->last_rejects, 0);
  for (guint i = 0; i < rejects->len; i++)
    g_ptr_array_add (self->last_rejects, haul_intake_reject_copy (g_ptr_array_index (rejects, i)));

  if (rejects->len > 0)
    show_toast_with_action (self, message->str, _("_Details"), "win.show-rejects");
  else
    haul_window_show_toast (self, message->str);
  haul_window_update_now (self);

  if (added->len > 0 && haul_settings_get_start_immediately (self->settings))
    haul_window_start (self, added);
}

static void
text_intake_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(HaulWindow) self = user_data;
  g_autoptr(HaulIntake) intake = NULL;
  g_autoptr(GError) error = NULL;

  intake = haul_intake_load_text_finish (result, &error);
  if (intake == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        haul_window_show_toast (self, error->message);
      return;
    }

  haul_window_add_intake (self, intake);
}

void
haul_window_add_text (HaulWindow *self,
                      const char *text,
                      gssize      length,
                      const char *content_type)
{
  g_return_if_fail (HAUL_IS_WINDOW (self));
  g_return_if_fail (text != NULL);

  if (is_disposed (self))
    return;

  haul_intake_load_text_async (text, length, content_type, self->intake_cancellable,
                          text_intake_cb, g_object_ref (self));
}

void
haul_window_add_uris (HaulWindow *self,
                      const char *text)
{
  haul_window_add_text (self, text, -1, "text/uri-list");
}

static void
list_view_activate_cb (HaulWindow  *self,
                       guint        position,
                       GtkListView *list_view)
{
  g_autoptr(HaulDownload) download = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

  if (download != NULL && haul_download_get_state (download) == HAUL_DOWNLOAD_DONE)
    haul_launch_open_file (GTK_WIDGET (self), haul_download_get_file_path (download));
}

static void
download_finished_cb (HaulWindow     *self,
                      HaulDownload   *download,
                      HaulDownloader *downloader)
{
  haul_window_queue_update (self);
}

static gboolean
haul_window_close_request (GtkWindow *window)
{
  HaulWindow *self = HAUL_WINDOW (window);
  GSettings *settings = haul_settings_get_settings (self->settings);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));

  haul_window_cancel (self);
  /* Single items retried or cancelled from their rows too. */
  haul_downloader_cancel_all (self->downloader);

  return GTK_WINDOW_CLASS (haul_window_parent_class)->close_request (window);
}

static void
haul_window_dispose (GObject *object)
{
  HaulWindow *self = HAUL_WINDOW (object);

  g_cancellable_cancel (self->intake_cancellable);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);

  g_clear_handle_id (&self->footer_tick_id, g_source_remove);
  g_clear_handle_id (&self->footer_idle_id, g_source_remove);
  g_clear_handle_id (&self->pending_rows_id, g_source_remove);

  if (self->downloader != NULL)
    g_signal_handlers_disconnect_by_data (self->downloader, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), HAUL_TYPE_WINDOW);

  g_clear_object (&self->selection);
  g_clear_object (&self->downloads);
  g_clear_pointer (&self->by_url, g_hash_table_unref);
  g_clear_pointer (&self->active, g_hash_table_unref);
  g_clear_pointer (&self->in_session, g_hash_table_unref);
  g_clear_pointer (&self->session, g_ptr_array_unref);
  g_clear_pointer (&self->pending_rows, g_ptr_array_unref);
  g_clear_pointer (&self->last_rejects, g_ptr_array_unref);
  g_clear_object (&self->downloader);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->intake_cancellable);

  G_OBJECT_CLASS (haul_window_parent_class)->dispose (object);
}

static void
haul_window_finalize (GObject *object)
{
  HaulWindow *self = HAUL_WINDOW (object);

  g_clear_pointer (&self->last_message, g_free);

  G_OBJECT_CLASS (haul_window_parent_class)->finalize (object);
}

static void
haul_window_class_init (HaulWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = haul_window_dispose;
  object_class->finalize = haul_window_finalize;
  window_class->close_request = haul_window_close_request;

  g_type_ensure (HAUL_TYPE_DOWNLOAD_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/haul-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, download_button);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, footer);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, footer_label);
  gtk_widget_class_bind_template_callback (widget_class, list_view_activate_cb);

  _haul_window_class_actions_init (klass);
}

/* Download turns into Cancel in place: the button keeps the width of the
 * wider label, so that its neighbours do not move. */
static void
keep_download_button_width (HaulWindow *self)
{
  const char *labels[] = { _("_Download"), _("_Cancel") };
  GtkWidget *button = GTK_WIDGET (self->download_button);
  int width = 0;

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      int natural;

      gtk_button_set_label (self->download_button, labels[i]);
      gtk_widget_measure (button, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
      width = MAX (width, natural);
    }

  gtk_widget_set_size_request (button, width, -1);
}

static void
haul_window_init (HaulWindow *self)
{
  static gsize icons_added = 0;
  GSettings *settings;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* The application adds its resource icons to the theme; without one (the
   * tests, the screenshots) the window does it itself, once. */
  if (g_once_init_enter (&icons_added))
    {
      gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                        RESOURCE_PATH "/icons");
      g_once_init_leave (&icons_added, 1);
    }
  adw_status_page_set_icon_name (self->empty_page, "haul-symbolic");

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  self->settings = haul_settings_new ();
  self->downloader = haul_downloader_new (NULL);
  haul_downloader_set_thumbnail_size (self->downloader, HAUL_DOWNLOAD_ROW_THUMBNAIL_SIZE);
  self->downloads = g_list_store_new (HAUL_TYPE_DOWNLOAD);
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->downloads)));
  self->by_url = g_hash_table_new (g_str_hash, g_str_equal);
  self->active = g_hash_table_new (NULL, NULL);
  self->session = g_ptr_array_new_with_free_func (g_object_unref);
  self->in_session = g_hash_table_new (NULL, NULL);
  self->pending_rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->last_rejects = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_intake_reject_free);
  self->intake_cancellable = g_cancellable_new ();

  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  /* The downloader follows the preferences, also in the middle of a batch. */
  g_object_bind_property (self->settings, "concurrent-downloads",
                          self->downloader, "concurrency", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "retries",
                          self->downloader, "retries", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "timeout",
                          self->downloader, "timeout", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "max-size",
                          self->downloader, "max-size", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "accept-any-type",
                          self->downloader, "accept-any-type", G_BINDING_SYNC_CREATE);

  g_signal_connect_object (self->downloader, "download-finished",
                           G_CALLBACK (download_finished_cb), self, G_CONNECT_SWAPPED);

  settings = haul_settings_get_settings (self->settings);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  _haul_window_dnd_init (self);
  keep_download_button_width (self);
  haul_window_update_now (self);
}

HaulWindow *
haul_window_new (HaulApplication *application)
{
  return g_object_new (HAUL_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * haul_window_add_files:
 * @self: a #HaulWindow
 * @files: (array length=n_files): files of links, or http(s) URLs
 * @n_files: how many
 *
 * Adds the links in @files; those that are web addresses themselves are
 * added as they are. Files are read in a worker thread.
 */
void
haul_window_add_files (HaulWindow  *self,
                       GFile      **files,
                       guint        n_files)
{
  g_auto(GValue) value = G_VALUE_INIT;
  g_autoslist(GFile) list = NULL;

  g_return_if_fail (HAUL_IS_WINDOW (self));

  for (guint i = n_files; i > 0; i--)
    list = g_slist_prepend (list, g_object_ref (files[i - 1]));

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&value, list);
  _haul_window_drop_value (self, &value);
}
