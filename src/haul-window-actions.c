/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "haul-add-dialog.h"
#include "haul-preferences-window.h"
#include "haul-report.h"
#include "haul-window-private.h"

static void
add_dialog_add_text_cb (HaulWindow    *self,
                        const char    *text,
                        HaulAddDialog *dialog)
{
  haul_window_add_text (self, text, -1, NULL);
}

static void
haul_window_add_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  HaulAddDialog *dialog = haul_add_dialog_new (GTK_WINDOW (self));

  g_signal_connect_object (dialog, "add-text",
                           G_CALLBACK (add_dialog_add_text_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
open_response_cb (HaulWindow           *self,
                  int                   response,
                  GtkFileChooserNative *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (native));
      g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);
      guint n = g_list_model_get_n_items (files);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (array, g_list_model_get_item (files, i));

      haul_window_add_files (self, (GFile **)array->pdata, array->len);
    }

  g_object_unref (native);
}

static void
haul_window_open_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  g_autoptr(GtkFileFilter) lists = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();
  GtkFileChooserNative *native;

  gtk_file_filter_set_name (lists, _("Lists of Links"));
  gtk_file_filter_add_mime_type (lists, "text/plain");
  gtk_file_filter_add_mime_type (lists, "text/uri-list");
  gtk_file_filter_add_mime_type (lists, "text/html");
  gtk_file_filter_add_mime_type (lists, "text/csv");
  gtk_file_filter_add_mime_type (lists, "text/markdown");
  gtk_file_filter_add_mime_type (lists, "application/json");
  gtk_file_filter_add_mime_type (lists, "application/x-mswinurl");
  gtk_file_filter_add_mime_type (lists, "application/x-desktop");
  gtk_file_filter_add_suffix (lists, "webloc");
  gtk_file_filter_add_suffix (lists, "url");

  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");

  native = gtk_file_chooser_native_new (_("Open Lists of Links"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Open"),
                                        _("_Cancel"));
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), lists);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  g_signal_connect_object (native, "response", G_CALLBACK (open_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

typedef struct
{
  HaulWindow *self;
  char       *mime_type;
} ClipboardRead;

static void
clipboard_read_free (ClipboardRead *read)
{
  g_clear_object (&read->self);
  g_free (read->mime_type);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ClipboardRead, clipboard_read_free)

static void
clipboard_splice_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ClipboardRead) read = user_data;
  HaulWindow *self = read->self;
  GMemoryOutputStream *memory = G_MEMORY_OUTPUT_STREAM (object);
  const char *mime_type = read->mime_type;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_type = NULL;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (memory), result, &error) < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        haul_window_show_toast (self, error->message);
      return;
    }

  if (g_memory_output_stream_get_data_size (memory) == 0)
    {
      haul_window_show_toast (self, _("The clipboard is empty"));
      return;
    }

  /* "text/plain;charset=utf-8" is plain text to the intake. */
  content_type = g_strndup (mime_type, strcspn (mime_type, ";"));
  haul_window_add_text (self,
                        g_memory_output_stream_get_data (memory),
                        g_memory_output_stream_get_data_size (memory),
                        content_type);
}

/* Reads @stream to its end without blocking, then adds what it holds. */
void
_haul_window_add_stream (HaulWindow   *self,
                         GInputStream *stream,
                         const char   *mime_type)
{
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  ClipboardRead *read;

  read = g_new0 (ClipboardRead, 1);
  read->self = g_object_ref (self);
  read->mime_type = g_strdup (mime_type ? mime_type : "text/plain");

  g_output_stream_splice_async (memory, stream,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE |
                                G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, self->intake_cancellable,
                                clipboard_splice_cb, read);
}

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(HaulWindow) self = user_data;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *mime_type = NULL;

  stream = gdk_clipboard_read_finish (GDK_CLIPBOARD (object), result, &mime_type, &error);
  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        haul_window_show_toast (self, _("The clipboard holds no links"));
      return;
    }

  _haul_window_add_stream (self, stream, mime_type);
}

void
_haul_window_paste (HaulWindow *self)
{
  /* In order of preference: a list of links says most, HTML holds image
   * sources that its plain text form would lose. */
  static const char *mime_types[] = {
    "text/uri-list",
    "text/html",
    "text/plain;charset=utf-8",
    "text/plain",
    NULL
  };
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (self));

  gdk_clipboard_read_async (clipboard, mime_types, G_PRIORITY_DEFAULT,
                            self->intake_cancellable, clipboard_read_cb,
                            g_object_ref (self));
}

static void
haul_window_paste_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  _haul_window_paste (HAUL_WINDOW (widget));
}

static void
haul_window_download_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *parameter)
{
  /* Everything not fetched yet. */
  haul_window_start (HAUL_WINDOW (widget), NULL);
}

static void
haul_window_retry_failed_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  GPtrArray *items = haul_queue_get_items (self->queue);
  g_autoptr(GPtrArray) failed = g_ptr_array_new ();

  for (guint i = 0; i < items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (items, i);

      if (haul_download_get_state (d) == HAUL_DOWNLOAD_FAILED)
        g_ptr_array_add (failed, d);
    }

  if (failed->len > 0)
    haul_window_start (self, failed);
}

static void
haul_window_cancel_action (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  haul_window_cancel (HAUL_WINDOW (widget));
}

static void
haul_window_clear_finished_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);

  haul_queue_clear_finished (self->queue);
  haul_window_update_now (self);
}

static void
haul_window_remove_selected_action (GtkWidget  *widget,
                                    const char *action_name,
                                    GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  g_autoptr(GPtrArray) items = _haul_window_dup_selected (self);

  if (items->len == 0)
    return;

  haul_queue_remove (self->queue, items);
  haul_window_update_now (self);
}

static void
haul_window_retry_url_action (GtkWidget  *widget,
                              const char *action_name,
                              GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  HaulDownload *download = haul_window_lookup (self, g_variant_get_string (parameter, NULL));
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  if (download == NULL)
    return;

  g_ptr_array_add (items, download);
  haul_window_start (self, items);
}

static void
haul_window_remove_url_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  HaulDownload *download = haul_window_lookup (self, g_variant_get_string (parameter, NULL));

  if (download != NULL)
    haul_window_remove (self, download);
}

/* Rows are a few hundred at most: a dialog, not a place to read thousands. */
#define MAX_REJECT_ROWS 200

static GtkWidget *
create_reject_row (const HaulIntakeReject *reject)
{
  GtkWidget *row = adw_action_row_new ();
  g_autoptr(GString) where = g_string_new (NULL);
  const char *text = reject->text != NULL && reject->text[0] != '\0' ? reject->text : NULL;

  /* What the user wrote is shown as it is, never read as markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);

  if (reject->source != NULL)
    g_string_append (where, reject->source);
  if (reject->line > 0)
    {
      if (where->len > 0)
        g_string_append (where, " · ");
      /* TRANSLATORS: where a rejected entry was: "Line 3" */
      g_string_append_printf (where, _("Line %u"), reject->line);
    }

  if (text != NULL)
    {
      g_autofree char *subtitle = NULL;

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), text);
      subtitle = where->len > 0 ? g_strconcat (where->str, " · ", reject->reason, NULL)
                                : g_strdup (reject->reason);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), reject->reason ? reject->reason : "");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), where->str);
    }

  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);

  return row;
}

static void
haul_window_show_rejects_action (GtkWidget  *widget,
                                 const char *action_name,
                                 GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  guint n = MAX (self->last_n_rejected, self->last_rejects->len);
  guint shown = MIN (self->last_rejects->len, MAX_REJECT_ROWS);
  GtkWidget *dialog;
  GtkWidget *box;
  GtkWidget *list;
  GtkWidget *scrolled;

  if (self->last_rejects->len == 0)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                   ngettext ("Line Not Understood", "Lines Not Understood", n),
                                   ngettext ("This line holds no link that Haul can download.",
                                             "These lines hold no link that Haul can download.",
                                             n));
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));

  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  /* Room for the list's border and shadow inside the scrolled window. */
  gtk_widget_set_margin_top (list, 2);
  gtk_widget_set_margin_bottom (list, 2);
  gtk_widget_set_margin_start (list, 2);
  gtk_widget_set_margin_end (list, 2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Lines not understood"),
                                  -1);
  for (guint i = 0; i < shown; i++)
    gtk_list_box_append (GTK_LIST_BOX (list), create_reject_row (g_ptr_array_index (self->last_rejects, i)));

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 320);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), list);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_box_append (GTK_BOX (box), scrolled);

  if (n > shown)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("…and %u more", "…and %u more", n - shown),
                                               n - shown);
      GtkWidget *label = gtk_label_new (more);

      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), label);
    }

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  gtk_window_set_default_size (GTK_WINDOW (dialog), 480, -1);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
haul_window_show_toast_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *parameter)
{
  haul_window_show_toast (HAUL_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
export_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(HaulWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (object), result, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the report: %s"), error->message);

      haul_window_show_toast (self, message);
      return;
    }

  haul_window_show_toast (self, _("Report saved"));
}

/* Writes the report of every row to @file, CSV or JSON by its name. */
void
_haul_window_export_report (HaulWindow *self,
                            GFile      *file)
{
  g_autofree char *name = g_file_get_basename (file);
  GPtrArray *items = haul_queue_get_items (self->queue);
  g_autoptr(GBytes) bytes = NULL;

  bytes = haul_report_build ((HaulDownload **)items->pdata, items->len,
                             haul_report_format_for_name (name));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION,
                                       NULL, export_cb, g_object_ref (self));
}

static void
export_response_cb (HaulWindow           *self,
                    int                   response,
                    GtkFileChooserNative *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

      _haul_window_export_report (self, file);
    }

  g_object_unref (native);
}

static void
haul_window_export_report_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) json = gtk_file_filter_new ();
  GtkFileChooserNative *native;

  gtk_file_filter_set_name (csv, _("CSV"));
  gtk_file_filter_add_suffix (csv, "csv");
  gtk_file_filter_set_name (json, _("JSON"));
  gtk_file_filter_add_suffix (json, "json");

  native = gtk_file_chooser_native_new (_("Export Report"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"),
                                        _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), csv);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), json);
  /* TRANSLATORS: the suggested file name of an exported report */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), _("haul-report.csv"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);

  g_signal_connect_object (native, "response", G_CALLBACK (export_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
haul_window_preferences_action (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  HaulPreferencesWindow *preferences;

  preferences = haul_preferences_window_new (GTK_WINDOW (self), self->settings);
  gtk_window_present (GTK_WINDOW (preferences));
}

void
_haul_window_class_actions_init (HaulWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_install_action (widget_class, "win.add", NULL, haul_window_add_action);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, haul_window_open_action);
  gtk_widget_class_install_action (widget_class, "win.paste", NULL, haul_window_paste_action);
  gtk_widget_class_install_action (widget_class, "win.download", NULL, haul_window_download_action);
  gtk_widget_class_install_action (widget_class, "win.cancel", NULL, haul_window_cancel_action);
  gtk_widget_class_install_action (widget_class, "win.retry-failed", NULL,
                                   haul_window_retry_failed_action);
  gtk_widget_class_install_action (widget_class, "win.clear-finished", NULL,
                                   haul_window_clear_finished_action);
  gtk_widget_class_install_action (widget_class, "win.export-report", NULL,
                                   haul_window_export_report_action);
  gtk_widget_class_install_action (widget_class, "win.remove-selected", NULL,
                                   haul_window_remove_selected_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL,
                                   haul_window_preferences_action);
  gtk_widget_class_install_action (widget_class, "win.retry-url", "s", haul_window_retry_url_action);
  gtk_widget_class_install_action (widget_class, "win.remove-url", "s", haul_window_remove_url_action);
  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", haul_window_show_toast_action);
  gtk_widget_class_install_action (widget_class, "win.show-rejects", NULL,
                                   haul_window_show_rejects_action);

  /* Bindings run after the focused widget had its turn, so Ctrl+V and
   * Delete still edit text in an entry. */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "win.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "win.download", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "win.download", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.cancel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "win.remove-selected", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "win.add", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}
