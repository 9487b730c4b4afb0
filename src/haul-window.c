/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "haul-download-row.h"
#include "haul-download-tile.h"
#include "haul-item-actions.h"
#include "haul-launch.h"
#include "haul-record.h"
#include "haul-window-private.h"

G_DEFINE_FINAL_TYPE (HaulWindow, haul_window, ADW_TYPE_APPLICATION_WINDOW)

/* Async work that ends after the window was closed finds it disposed, and
 * leaves it alone. */
static gboolean
is_disposed (HaulWindow *self)
{
  return self->queue == NULL;
}

/* @elapsed < 0 leaves the time out: a list brought back from the last run
 * has no session running now. */
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
  if (elapsed >= 0.0)
    {
      g_string_append (text, " · ");
      /* TRANSLATORS: elapsed time in seconds: "3.4 s" */
      g_string_append_printf (text, _("%.1f s"), elapsed);
    }

  return g_string_free (text, FALSE);
}

static char *
format_summary (const HaulQueueSummary *summary)
{
  if (summary->interrupted)
    /* TRANSLATORS: the footer after Cancel: "Cancelled: 37 of 120 done in 3.4 s" */
    return g_strdup_printf (ngettext ("Cancelled: %u of %u done in %.1f s",
                                      "Cancelled: %u of %u done in %.1f s", summary->total),
                            summary->done, summary->total, summary->elapsed);

  if (summary->speedup <= 0.0)
    /* TRANSLATORS: the footer when a batch ends where comparing with one by
     * one means nothing (a single download): "Finished 1 of 1 in 0.4 s" */
    return g_strdup_printf (ngettext ("Finished %u of %u in %.1f s",
                                      "Finished %u of %u in %.1f s", summary->total),
                            summary->done, summary->total, summary->elapsed);

  /* TRANSLATORS: the footer when a batch ends; the times are in seconds and
   * "one by one" is the sum of each download's own time */
  return g_strdup_printf (ngettext ("Finished %u of %u in %.1f s; one by one would take %.1f s (%.1f× faster)",
                                    "Finished %u of %u in %.1f s; one by one would take %.1f s (%.1f× faster)",
                                    summary->total),
                          summary->done, summary->total, summary->elapsed, summary->sum,
                          summary->speedup);
}

static char *
format_idle (const HaulQueueCounts *counts)
{
  if (counts->done == 0 && counts->failed == 0)
    /* TRANSLATORS: the footer before downloading */
    return g_strdup_printf (ngettext ("%u link ready", "%u links ready", counts->total),
                            counts->total);

  return format_running (counts->done, counts->total, counts->failed, -1.0);
}

void
haul_window_update_now (HaulWindow *self)
{
  g_autofree char *text = NULL;
  HaulQueueCounts counts;
  HaulQueueSummary summary;
  gboolean running;

  g_clear_handle_id (&self->footer_idle_id, g_source_remove);

  if (is_disposed (self))
    return;

  haul_queue_get_counts (self->queue, &counts);
  haul_queue_get_summary (self->queue, &summary);
  running = summary.running;

  if (running)
    text = format_running (summary.done, summary.total, summary.failed, summary.elapsed);
  else if (summary.total > 0 && !summary.reading_only)
    text = format_summary (&summary);
  else
    text = format_idle (&counts);

  gtk_label_set_label (self->footer_label, text);
  gtk_widget_set_visible (self->footer, counts.total > 0);
  _haul_window_view_update (self, &counts, &summary);
  gtk_stack_set_visible_child_name (self->stack, counts.total > 0 ? "list" : "empty");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.download", !running && counts.startable > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.cancel", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry-failed", counts.failed > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.clear-finished",
                                 counts.done + counts.failed + counts.skipped > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-report", counts.total > 0);

  if (running)
    {
      gtk_button_set_label (self->download_button, _("_Cancel"));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->download_button), "win.cancel");
      gtk_widget_remove_css_class (GTK_WIDGET (self->download_button), "suggested-action");
    }
  else
    {
      /* A list brought back with work left over continues it. */
      gtk_button_set_label (self->download_button,
                            self->n_restored_unfinished > 0 ? _("C_ontinue") : _("_Download"));
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
  return is_disposed (self) ? NULL : haul_queue_lookup (self->queue, url);
}

gboolean
haul_window_is_running (HaulWindow *self)
{
  return !is_disposed (self) && haul_queue_get_running (self->queue);
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
session_finished_cb (HaulWindow *self,
                     HaulQueue  *queue)
{
  g_autofree char *message = NULL;
  g_autofree char *summary_text = NULL;
  HaulQueueSummary summary;

  g_clear_handle_id (&self->footer_tick_id, g_source_remove);

  haul_queue_get_summary (queue, &summary);
  summary_text = format_summary (&summary);

  /* Pages read before Download: say what they gave, and no more. */
  if (summary.reading_only)
    {
      if (summary.pages > summary.pages_failed)
        /* TRANSLATORS: a toast once the pages of the added links were read */
        message = g_strdup_printf (ngettext ("Found %u image", "Found %u images",
                                             summary.images_found),
                                   summary.images_found);
      else
        message = g_strdup (_("No images could be read from the page"));
      haul_window_show_toast (self, message);
      haul_window_update_now (self);
      return;
    }

  if (summary.interrupted && summary.done == 0)
    message = g_strdup (_("Downloads cancelled"));
  else if (summary.interrupted)
    /* TRANSLATORS: a toast when a batch was cancelled after some downloads */
    message = g_strdup_printf (ngettext ("Cancelled after %u image",
                                         "Cancelled after %u images", summary.done),
                               summary.done);
  else if (summary.failed > 0)
    /* TRANSLATORS: a toast when a batch ends with failures */
    message = g_strdup_printf (ngettext ("%u image downloaded, %u failed",
                                         "%u images downloaded, %u failed", summary.done),
                               summary.done, summary.failed);
  else
    /* TRANSLATORS: a toast when a batch ends */
    message = g_strdup_printf (ngettext ("%u image downloaded", "%u images downloaded",
                                         summary.done),
                               summary.done);

  /* The way out of failures is one click from where they are announced. */
  if (summary.failed > 0 && !summary.interrupted)
    show_toast_with_action (self, message, _("_Retry Failed"), "win.retry-failed");
  else
    haul_window_show_toast (self, message);
  notify_finished (self, summary_text, summary.done, summary.failed);
  _haul_window_view_session_finished (self);
  haul_window_update_now (self);
}

static void
running_changed_cb (HaulWindow *self,
                    GParamSpec *pspec,
                    HaulQueue  *queue)
{
  if (haul_queue_get_running (queue) && self->footer_tick_id == 0)
    self->footer_tick_id = g_timeout_add (100, footer_tick_cb, self);
}

static void
queue_changed_cb (HaulWindow *self,
                  HaulQueue  *queue)
{
  haul_window_queue_update (self);
}

/* Fetches @downloads (HaulDownload *), or every item waiting when NULL;
 * items already being fetched are left alone. */
void
haul_window_start (HaulWindow *self,
                   GPtrArray  *downloads)
{
  g_autoptr(GFile) folder = NULL;

  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (is_disposed (self))
    return;

  if (!_haul_window_check_folder (self, downloads))
    return;

  folder = haul_settings_dup_download_folder_file (self->settings);
  haul_downloader_set_output_folder (self->downloader, folder);

  self->n_restored_unfinished = 0;
  haul_queue_start (self->queue, downloads);
  haul_window_update_now (self);
}

void
haul_window_cancel (HaulWindow *self)
{
  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (!is_disposed (self))
    haul_queue_cancel (self->queue);
}

void
haul_window_remove (HaulWindow   *self,
                    HaulDownload *download)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (is_disposed (self))
    return;

  g_ptr_array_add (items, download);
  haul_queue_remove (self->queue, items);
  haul_window_queue_update (self);
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
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GString) message = g_string_new (NULL);
  guint n_known = 0;

  g_return_if_fail (HAUL_IS_WINDOW (self));

  if (is_disposed (self))
    return;

  added = haul_queue_add_urls (self->queue, urls, &n_known);

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
  else if (added->len > 0 && haul_queue_get_pages (self->queue))
    /* What is coming shows before Download: pages are read now. */
    haul_queue_read_pages (self->queue, added);
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

/* Double-click or Enter: a large look; Open stays in the item's menu. */
static void
list_view_activate_cb (HaulWindow *self,
                       guint       position,
                       GtkWidget  *view)
{
  _haul_window_preview (self, position);
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
  /* The list as it stands now is what the next start shows. */
  haul_queue_save_now (self->queue);

  return GTK_WINDOW_CLASS (haul_window_parent_class)->close_request (window);
}

static void
haul_window_dispose (GObject *object)
{
  HaulWindow *self = HAUL_WINDOW (object);

  g_cancellable_cancel (self->intake_cancellable);

  g_clear_handle_id (&self->footer_tick_id, g_source_remove);
  g_clear_handle_id (&self->footer_idle_id, g_source_remove);
  _haul_window_manners_dispose (self);

  if (self->queue != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->queue, self);
      /* It finishes cancelling on its own, holding the application. */
      haul_queue_cancel (self->queue);
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), HAUL_TYPE_WINDOW);

  _haul_window_view_dispose (self);
  g_clear_object (&self->queue);
  g_clear_pointer (&self->last_rejects, g_ptr_array_unref);
  g_clear_object (&self->downloader);
  g_clear_object (&self->record);
  g_clear_object (&self->settings);
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
record_warning_cb (HaulWindow *self,
                   const char *message,
                   HaulRecord *record)
{
  haul_window_show_toast (self, message);
}

static void
restore_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(HaulWindow) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;
  guint n_unfinished = 0;

  g_weak_ref_clear (weak);
  g_free (weak);

  /* The list comes back even when the window went meanwhile: the queue
   * is what keeps it. */
  if (!haul_queue_restore_finish (HAUL_QUEUE (object), result, &n_unfinished, &error))
    return;

  if (self == NULL || is_disposed (self))
    return;

  self->n_restored_unfinished = n_unfinished;
  if (n_unfinished > 0)
    {
      g_autofree char *message =
        /* TRANSLATORS: a toast at start-up, after Haul stopped in the middle of downloads */
        g_strdup_printf (ngettext ("%u download was not finished",
                                   "%u downloads were not finished", n_unfinished),
                         n_unfinished);

      show_toast_with_action (self, message, _("C_ontinue"), "win.download");
    }
  haul_window_update_now (self);
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
  g_type_ensure (HAUL_TYPE_DOWNLOAD_TILE);
  g_type_ensure (HAUL_TYPE_PREVIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/haul-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, grid_view);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, views_stack);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, filter_bar);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, filter_all_button);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, filter_waiting_button);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, filter_done_button);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, filter_failed_button);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, selection_label);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, preview);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, download_button);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, footer);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, footer_label);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, notice_label);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, speed_label);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, time_left_label);
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, footer_progress);
  gtk_widget_class_bind_template_callback (widget_class, list_view_activate_cb);

  _haul_window_class_actions_init (klass);
  _haul_window_class_view_init (klass);
}

/* Download turns into Cancel in place: the button keeps the width of the
 * wider label, so that its neighbours do not move. */
static void
keep_download_button_width (HaulWindow *self)
{
  const char *labels[] = { _("_Download"), _("_Cancel"), _("C_ontinue") };
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
  g_autofree char *record_path = haul_record_default_path ();
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
  haul_downloader_set_thumbnail_size (self->downloader, HAUL_THUMBNAIL_SIZE);
  /* Rows and tiles hold the thumbnails they show; the rest are remade from
   * the saved files when scrolled to. */
  haul_downloader_set_keep_thumbnails (self->downloader, FALSE);
  self->record = haul_record_new (record_path);
  haul_downloader_set_record (self->downloader, self->record);
  self->queue = haul_queue_new (self->downloader);
  haul_queue_set_gradual (self->queue, TRUE);
  haul_queue_set_persistent (self->queue, TRUE);
  self->last_rejects = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_intake_reject_free);
  self->intake_cancellable = g_cancellable_new ();

  _haul_window_view_init (self);

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
  _haul_window_bind_manners (self);
  _haul_window_manners_init (self);
  /* Links may be web pages, whose icons and spacers stay out. */
  g_object_bind_property (self->settings, "get-images-from-pages",
                          self->queue, "pages", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "min-image-width",
                          self->queue, "page-min-width", G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->settings, "min-image-height",
                          self->queue, "page-min-height", G_BINDING_SYNC_CREATE);

  g_signal_connect_object (self->queue, "changed",
                           G_CALLBACK (queue_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "notify::running",
                           G_CALLBACK (running_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->queue, "session-finished",
                           G_CALLBACK (session_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->record, "warning",
                           G_CALLBACK (record_warning_cb), self, G_CONNECT_SWAPPED);

  settings = haul_settings_get_settings (self->settings);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (settings, "window-width"),
                               g_settings_get_int (settings, "window-height"));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  _haul_window_dnd_init (self);
  keep_download_button_width (self);
  haul_window_update_now (self);

  {
    /* Closing the window does not wait for the list to be read. */
    GWeakRef *weak = g_new0 (GWeakRef, 1);

    g_weak_ref_init (weak, self);
    haul_queue_restore_async (self->queue, NULL, restore_cb, weak);
  }
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
