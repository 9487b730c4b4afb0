/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "haul-add-dialog-private.h"
#include "haul-application.h"
#include "haul-download-row-private.h"
#include "haul-item-actions.h"
#include "haul-preferences-window-private.h"
#include "haul-test-server.h"
#include "haul-window-private.h"
#include "window-fixture.h"

static void
test_window_draws (Fixture       *fixture,
                   gconstpointer  data)
{
  HaulWindow *window = fixture->window;

  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (window)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Haul");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "empty");
  g_assert_false (gtk_widget_get_visible (window->footer));

  /* Nothing to download yet. */
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL) &&
                  haul_window_is_running (window));
}

static gboolean
has_rows (Fixture *fixture)
{
  return n_rows (fixture) > 0;
}

static void
test_window_paste (Fixture       *fixture,
                   gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  g_autofree char *a = haul_test_server_url (server, "/img/a.png");
  g_autofree char *b = haul_test_server_url (server, "/img/b.png");
  g_autofree char *text = NULL;
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window));

  text = g_strdup_printf ("%s\nthis line has no link\n%s\n%s\nftp://example.com/c.png\n", a, b, a);
  gdk_clipboard_set_text (clipboard, text);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.paste", NULL));
  wait_until (fixture, has_rows, 10);

  g_assert_cmpuint (n_rows (fixture), ==, 2);
  g_assert_cmpstr (haul_download_get_url (row_item (fixture, 0)), ==, a);
  g_assert_cmpstr (haul_download_get_url (row_item (fixture, 1)), ==, b);
  g_assert_cmpuint (window->last_n_added, ==, 2);
  g_assert_cmpuint (window->last_n_rejected, ==, 2);
  g_assert_nonnull (strstr (window->last_message, "2 lines not understood"));
  {
    g_autofree char *details = haul_window_format_rejects (window, 10);

    /* Each rejected line with its number and the reason. */
    g_assert_nonnull (strstr (details, "Line 2: “this line has no link”"));
    g_assert_nonnull (strstr (details, "Line 5: “ftp://example.com/c.png”"));
  }
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "list");
  g_assert_cmpstr (haul_window_get_footer_text (window), ==, "2 links ready");

  /* The same links again are not added twice. */
  window->last_n_added = G_MAXUINT;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.paste", NULL));
  while (window->last_n_added == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (window->last_n_added, ==, 0);
  g_assert_cmpuint (n_rows (fixture), ==, 2);
}

static void
test_window_drop (Fixture       *fixture,
                  gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  g_autofree char *list_path = g_build_filename (fixture->folder, "links.txt", NULL);
  g_autofree char *image_path = g_build_filename (fixture->folder, "holiday.png", NULL);
  g_autofree char *a = haul_test_server_url (server, "/img/one.png");
  g_autofree char *b = haul_test_server_url (server, "/img/two.png");
  g_autofree char *c = haul_test_server_url (server, "/img/three.png");
  g_autofree char *contents = g_strdup_printf ("# my list\n%s\n%s\n", a, b);
  g_autoptr(GBytes) png = haul_test_make_png (1, 8, 8);
  g_autoslist(GFile) files = NULL;
  g_auto(GValue) list_value = G_VALUE_INIT;
  g_auto(GValue) string_value = G_VALUE_INIT;

  g_assert_true (g_file_set_contents (list_path, contents, -1, NULL));
  g_assert_true (g_file_set_contents (image_path, g_bytes_get_data (png, NULL),
                                      g_bytes_get_size (png), NULL));

  files = g_slist_append (files, g_file_new_for_path (list_path));
  files = g_slist_append (files, g_file_new_for_path (image_path));
  g_value_init (&list_value, GDK_TYPE_FILE_LIST);
  g_value_set_boxed (&list_value, files);

  g_assert_true (_haul_window_drop_value (window, &list_value));
  /* The image was refused at once, by name, without reading it. */
  g_assert_nonnull (window->last_message);
  g_assert_nonnull (strstr (window->last_message, "holiday.png"));

  wait_until (fixture, has_rows, 10);
  g_assert_cmpuint (n_rows (fixture), ==, 2);
  g_assert_cmpstr (haul_download_get_url (row_item (fixture, 0)), ==, a);
  g_assert_cmpstr (haul_download_get_url (row_item (fixture, 1)), ==, b);

  g_value_init (&string_value, G_TYPE_STRING);
  g_value_take_string (&string_value, g_strdup_printf ("look at %s, nice", c));
  g_assert_true (_haul_window_drop_value (window, &string_value));
  while (n_rows (fixture) < 3)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (haul_download_get_url (row_item (fixture, 2)), ==, c);
}

static void
add_text_cb (HaulAddDialog *dialog,
             const char    *text,
             char         **out)
{
  *out = g_strdup (text);
}

static void
test_window_add_dialog (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *a = haul_test_server_url (server, "/img/a.png");
  g_autofree char *b = haul_test_server_url (server, "/img/b.png");
  g_autofree char *text = g_strdup_printf ("%s\n%s\nnot a link\n%s\nmailto:someone@example.com\n", a, b, a);
  g_autofree char *added = NULL;
  HaulAddDialog *dialog = haul_add_dialog_new (GTK_WINDOW (fixture->window));

  g_object_ref_sink (dialog);
  g_signal_connect (dialog, "add-text", G_CALLBACK (add_text_cb), &added);
  gtk_window_present (GTK_WINDOW (dialog));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (dialog->add_button)));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (dialog->text_view), text, -1);

  /* The count follows the text, once it has been parsed. */
  while (!g_str_equal (gtk_label_get_label (dialog->count_label), "2 URLs · 2 lines not understood"))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (dialog->add_button)));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (dialog->text_view), a, -1);
  while (!g_str_equal (gtk_label_get_label (dialog->count_label), "1 URL"))
    g_main_context_iteration (NULL, TRUE);

  g_signal_emit_by_name (dialog->add_button, "clicked");
  g_assert_cmpstr (added, ==, a);

  gtk_window_destroy (GTK_WINDOW (dialog));
  g_assert_finalize_object (dialog);
}

static void assert_footer_matches (HaulWindow *window,
                                   const char *pattern);

static gboolean
all_done (Fixture *fixture)
{
  for (guint i = 0; i < n_rows (fixture); i++)
    if (haul_download_get_state (row_item (fixture, i)) != HAUL_DOWNLOAD_DONE)
      return FALSE;

  return n_rows (fixture) > 0;
}

static void
test_window_start_immediately (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *a = haul_test_server_url (server, "/img/now-a.png");
  g_autofree char *b = haul_test_server_url (server, "/img/now-b.png");
  g_autofree char *html = NULL;
  g_auto(GValue) value = G_VALUE_INIT;

  g_settings_set_boolean (settings, "start-immediately", TRUE);

  /* A piece of a web page, as a browser drops it. */
  html = g_strdup_printf ("<html><body><p>Two pictures</p><img src=\"%s\"><a href=\"%s\">b</a></body></html>",
                          a, b);
  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, html);
  g_assert_true (_haul_window_drop_value (fixture->window, &value));

  /* Nobody pressed Download. */
  wait_until (fixture, all_done, 30);
  g_assert_cmpuint (n_rows (fixture), ==, 2);
  g_assert_cmpuint (count_files (fixture->folder), ==, 2);
  wait_until (fixture, is_idle, 10);
  assert_footer_matches (fixture->window, "^Finished 2 of 2 in ");

  g_settings_reset (settings, "start-immediately");
}

static void
assert_footer_matches (HaulWindow *window,
                       const char *pattern)
{
  const char *footer = haul_window_get_footer_text (window);

  if (!g_regex_match_simple (pattern, footer, 0, 0))
    g_error ("Footer “%s” does not match “%s”", footer, pattern);
}

static void
test_window_download (Fixture       *fixture,
                      gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GMatchInfo) match = NULL;
  g_autoptr(GRegex) regex = NULL;
  double sum = 0, elapsed, one_by_one, speedup;
  const guint n = 12;

  add_urls (fixture, "/img", n, "?delay=150");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  g_assert_true (haul_window_is_running (window));
  haul_window_update_now (window);
  assert_footer_matches (window, "^[0-9]+ of 12 done · [0-9]+\\.[0-9] s$");
  g_assert_cmpstr (gtk_button_get_label (window->download_button), ==, "_Cancel");

  wait_until (fixture, is_idle, 60);

  for (guint i = 0; i < n; i++)
    {
      HaulDownload *d = row_item (fixture, i);
      const char *path = haul_download_get_file_path (d);

      g_assert_cmpint (haul_download_get_state (d), ==, HAUL_DOWNLOAD_DONE);
      g_assert_cmpint (haul_download_get_width (d), >, 0);
      /* Only the items a row shows keep a thumbnail, and a small one: the
       * pictures are 320 px and wider. */
      if (haul_download_is_thumbnail_held (d))
        g_assert_cmpint (MAX (gdk_pixbuf_get_width (haul_download_get_thumbnail (d)),
                              gdk_pixbuf_get_height (haul_download_get_thumbnail (d))),
                         ==, HAUL_THUMBNAIL_SIZE);
      else
        g_assert_null (haul_download_get_thumbnail (d));
      g_assert_cmpfloat (haul_download_get_seconds (d), >, 0.0);
      g_assert_nonnull (path);
      g_assert_true (g_str_has_prefix (path, fixture->folder));
      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      sum += haul_download_get_seconds (d);
    }
  g_assert_cmpuint (count_files (fixture->folder), ==, n);

  /* The footer tells the real counts and times. */
  regex = g_regex_new ("^Finished 12 of 12 in ([0-9.]+) s; one by one would take ([0-9.]+) s "
                       "\\(([0-9.]+)× faster\\)$", 0, 0, NULL);
  if (!g_regex_match (regex, haul_window_get_footer_text (window), 0, &match))
    g_error ("Unexpected footer “%s”", haul_window_get_footer_text (window));
  {
    g_autofree char *e = g_match_info_fetch (match, 1);
    g_autofree char *o = g_match_info_fetch (match, 2);
    g_autofree char *x = g_match_info_fetch (match, 3);

    elapsed = g_ascii_strtod (e, NULL);
    one_by_one = g_ascii_strtod (o, NULL);
    speedup = g_ascii_strtod (x, NULL);
  }
  g_assert_cmpfloat (fabs (one_by_one - sum), <, 0.06);
  g_assert_cmpfloat (elapsed, >, 0.0);
  /* Twelve 150 ms downloads on eight workers: well over twice as fast. */
  g_assert_cmpfloat (speedup, >, 2.0);
  g_assert_cmpstr (gtk_button_get_label (window->download_button), ==, "_Download");
  g_assert_nonnull (strstr (window->last_message, "12 images downloaded"));

  /* The visible rows show the thumbnail and the time. */
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  collect_widgets (GTK_WIDGET (window->list_view), HAUL_TYPE_DOWNLOAD_ROW, rows);
  g_assert_cmpuint (rows->len, >, 0);
  for (guint i = 0; i < rows->len; i++)
    {
      HaulDownloadRow *row = g_ptr_array_index (rows, i);

      if (row->item == NULL)
        continue;
      g_assert_nonnull (gtk_picture_get_paintable (row->picture));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (row->picture)));
      g_assert_true (g_str_has_suffix (gtk_label_get_label (row->time_label), " s"));
      g_assert_cmpstr (gtk_label_get_label (row->status_label), ==, "Done");
      g_assert_true (gtk_widget_get_visible (row->menu_button));
      g_assert_true (gtk_widget_get_has_tooltip (row->menu_button));
    }

  /* The row menu is built when first opened, with the actions that fit. */
  {
    HaulDownloadRow *row = g_ptr_array_index (rows, 0);

    g_assert_null (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (row->menu_button)));
    gtk_menu_button_popup (GTK_MENU_BUTTON (row->menu_button));
    g_assert_nonnull (gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (row->menu_button)));
    gtk_menu_button_popdown (GTK_MENU_BUTTON (row->menu_button));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (row), "row.copy-url", NULL));
  }
}

static gboolean
some_receiving (Fixture *fixture)
{
  for (guint i = 0; i < n_rows (fixture); i++)
    if (haul_download_get_bytes_received (row_item (fixture, i)) > 0)
      return TRUE;

  return FALSE;
}

static void
test_window_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  gint64 start;

  add_urls (fixture, "/slow", 4, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  wait_until (fixture, some_receiving, 20);

  start = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel", NULL));
  wait_until (fixture, is_idle, 20);
  /* Well within the second the engine promises, with room for a slow machine. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (haul_download_get_state (row_item (fixture, i)), ==, HAUL_DOWNLOAD_CANCELLED);

  /* No partial or temporary file is left. */
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);
  assert_footer_matches (window, "^Cancelled: 0 of 4 done in [0-9]+\\.[0-9] s$");
  g_assert_cmpstr (window->last_message, ==, "Downloads cancelled");
}

static void
test_window_close_while_running (Fixture       *fixture,
                                 gconstpointer  data)
{
  HaulWindow *window = fixture->window;

  add_urls (fixture, "/slow", 3, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  wait_until (fixture, some_receiving, 20);

  /* Closing cancels; the batch ends after the window is gone. */
  gtk_window_close (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
  while (haul_window_is_running (window))
    g_main_context_iteration (NULL, TRUE);
  g_assert_finalize_object (window);
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);

  /* A fresh one for the tear-down. */
  fixture->window = haul_window_new (NULL);
  g_object_ref_sink (fixture->window);
}

static void
quit_activate_cb (GApplication *app,
                  Fixture      *fixture)
{
  HaulWindow *window = haul_window_new (HAUL_APPLICATION (app));
  HaulWindow *other = fixture->window;

  gtk_window_present (GTK_WINDOW (window));
  g_object_set_data_full (G_OBJECT (app), "window", g_object_ref (window), g_object_unref);

  /* The helpers work on the fixture's window. */
  fixture->window = window;
  add_urls (fixture, "/slow", 3, NULL);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  wait_until (fixture, some_receiving, 20);
  fixture->window = other;

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

static void
test_window_quit_while_running (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(HaulApplication) app = NULL;
  g_autoptr(HaulWindow) window = NULL;


  app = haul_application_new ();
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN);
  g_signal_connect (app, "activate", G_CALLBACK (quit_activate_cb), fixture);

  /* Quitting closes the window at once, but the application only ends once
   * the cancelled workers have stopped and cleaned up. */
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 0, NULL), ==, 0);

  window = g_object_steal_data (G_OBJECT (app), "window");
  g_assert_nonnull (window);
  g_assert_null (gtk_window_get_application (GTK_WINDOW (window)));
  g_assert_false (haul_window_is_running (window));
  g_assert_cmpuint (count_files (fixture->folder), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&window));
}

static void
test_window_row_menu (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GListModel) controllers = NULL;
  HaulDownloadRow *row;
  GtkPopover *popover;
  gboolean pressed = FALSE;

  add_urls (fixture, "/img", 1, NULL);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  collect_widgets (GTK_WIDGET (fixture->window->list_view), HAUL_TYPE_DOWNLOAD_ROW, rows);
  g_assert_cmpuint (rows->len, ==, 1);
  row = g_ptr_array_index (rows, 0);

  /* A right click on the row opens the menu of its button. */
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (row));
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (controller) &&
          gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (controller)) == GDK_BUTTON_SECONDARY)
        {
          g_signal_emit_by_name (controller, "pressed", 1, 10.0, 10.0);
          pressed = TRUE;
        }
    }
  g_assert_true (pressed);

  popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (row->menu_button));
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  gtk_popover_popdown (popover);
}

static void
test_window_retry_failed (Fixture       *fixture,
                          gconstpointer  data)
{
  HaulWindow *window = fixture->window;

  haul_test_server_set_failing (server, TRUE);
  add_urls (fixture, "/flaky", 3, NULL);
  add_urls (fixture, "/img", 2, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  wait_until (fixture, is_idle, 30);

  for (guint i = 0; i < 3; i++)
    {
      HaulDownload *d = row_item (fixture, i);

      g_assert_cmpint (haul_download_get_state (d), ==, HAUL_DOWNLOAD_FAILED);
      g_assert_nonnull (strstr (haul_download_get_error_message (d), "404"));
    }
  assert_footer_matches (window, "^Finished 2 of 5 in ");
  g_assert_nonnull (strstr (window->last_message, "2 images downloaded, 3 failed"));

  haul_test_server_set_failing (server, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.retry-failed", NULL));
  g_assert_true (haul_window_is_running (window));
  wait_until (fixture, is_idle, 30);

  for (guint i = 0; i < 5; i++)
    g_assert_cmpint (haul_download_get_state (row_item (fixture, i)), ==, HAUL_DOWNLOAD_DONE);
  /* The summary covers the retried ones only. */
  assert_footer_matches (window, "^Finished 3 of 3 in ");
  g_assert_cmpuint (count_files (fixture->folder), ==, 5);

  /* The report lists every row. */
  {
    g_autofree char *path = g_build_filename (fixture->folder, "report.json", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autofree char *contents = NULL;

    g_clear_pointer (&window->last_message, g_free);
    _haul_window_export_report (window, file);
    while (window->last_message == NULL)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpstr (window->last_message, ==, "Report saved");
    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, "\"status\" : \"done\""));
    g_assert_nonnull (strstr (contents, "/flaky/picture-02.png"));
    g_remove (path);
  }

  /* A row's own Remove, and Delete on the selection. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-url", "s",
                                             haul_download_get_url (row_item (fixture, 0))));
  g_assert_cmpuint (n_rows (fixture), ==, 4);
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (window->selection), 1, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-selected", NULL));
  g_assert_cmpuint (n_rows (fixture), ==, 3);
  assert_footer_matches (window, "^Finished 3 of 3 in ");

  /* Clear Finished empties the list in one go. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.clear-finished", NULL));
  g_assert_cmpuint (n_rows (fixture), ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->stack), ==, "empty");
}

static void
test_window_preferences (Fixture       *fixture,
                         gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  HaulPreferencesWindow *preferences;

  preferences = haul_preferences_window_new (GTK_WINDOW (window), window->settings);
  g_object_ref_sink (preferences);
  gtk_window_present (GTK_WINDOW (preferences));

  g_assert_cmpfloat (gtk_spin_button_get_value (preferences->concurrency_spin), ==, 8);

  gtk_spin_button_set_value (preferences->concurrency_spin, 12);
  g_assert_cmpint (g_settings_get_int (settings, "concurrent-downloads"), ==, 12);
  /* The downloader follows at once. */
  g_assert_cmpuint (haul_downloader_get_concurrency (window->downloader), ==, 12);

  gtk_spin_button_set_value (preferences->retries_spin, 5);
  g_assert_cmpint (g_settings_get_int (settings, "retries"), ==, 5);
  gtk_spin_button_set_value (preferences->timeout_spin, 45);
  g_assert_cmpint (g_settings_get_int (settings, "timeout"), ==, 45);
  gtk_spin_button_set_value (preferences->max_size_spin, 5);
  g_assert_cmpuint (g_settings_get_uint64 (settings, "max-size"), ==, 5 * 1024 * 1024);
  g_assert_cmpuint (haul_downloader_get_max_size (window->downloader), ==, 5 * 1024 * 1024);

  gtk_switch_set_active (preferences->any_type_switch, TRUE);
  g_assert_true (g_settings_get_boolean (settings, "accept-any-type"));
  g_assert_true (haul_downloader_get_accept_any_type (window->downloader));
  gtk_switch_set_active (preferences->start_switch, TRUE);
  g_assert_true (g_settings_get_boolean (settings, "start-immediately"));

  /* And the other way round: a key changed elsewhere shows up. */
  g_settings_set_int (settings, "concurrent-downloads", 3);
  g_assert_cmpfloat (gtk_spin_button_get_value (preferences->concurrency_spin), ==, 3);

  g_settings_set_string (settings, "download-folder", "");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (preferences->folder_reset_button)));
  g_settings_set_string (settings, "download-folder", fixture->folder);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (preferences->folder_reset_button)));

  gtk_window_destroy (GTK_WINDOW (preferences));
  g_assert_finalize_object (preferences);

  g_settings_reset (settings, "retries");
  g_settings_reset (settings, "timeout");
  g_settings_reset (settings, "max-size");
  g_settings_reset (settings, "accept-any-type");
}


/* What a killed window leaves must come back: run one in a child process,
 * kill it with SIGKILL mid-batch, and start again. */
static int
run_killed_child (const char *folder,
                  const char *urls)
{
  g_autoptr(GSettings) settings = NULL;
  HaulWindow *window;

  gtk_init ();
  adw_init ();

  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "download-folder", folder);
  g_settings_set_boolean (settings, "start-immediately", TRUE);

  window = haul_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  haul_window_add_text (window, urls, -1, "text/plain");

  /* Until the parent kills it. */
  for (;;)
    g_main_context_iteration (NULL, TRUE);

  return 1;
}

static guint
count_pictures (const char *folder)
{
  g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
  const char *name;
  guint n = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".png") && !g_str_has_prefix (name, ".haul-"))
      n++;

  return n;
}

static gboolean
six_pictures (Fixture *fixture)
{
  return count_pictures (fixture->folder) >= 6;
}

static gboolean
ten_rows (Fixture *fixture)
{
  return n_rows (fixture) == 10;
}

static void
test_window_restore_after_kill (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GString) urls = g_string_new (NULL);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = NULL;
  HaulWindow *window = fixture->window;
  guint requests_before = haul_test_server_get_requests (server);
  guint n_done = 0, n_queued = 0;
  const char *name;

  /* Only the child's window runs at first. */
  g_object_add_weak_pointer (G_OBJECT (window->record), (gpointer *)&fixture->record);
  fixture->record = window->record;
  gtk_window_destroy (GTK_WINDOW (window));
  fixture->window = NULL;
  g_assert_finalize_object (window);
  wait_until (fixture, record_gone, 30);

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *path = g_strdup_printf ("/img/kill-%02u.png", i);
      g_autofree char *url = haul_test_server_url (server, path);

      g_string_append_printf (urls, "%s\n", url);
    }
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *path = g_strdup_printf ("/held/later-%02u.png", i);
      g_autofree char *url = haul_test_server_url (server, path);

      g_string_append_printf (urls, "%s\n", url);
    }

  haul_test_server_set_holding (server, TRUE);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error,
                            "/proc/self/exe", "--killed-child", fixture->folder, urls->str, NULL);
  g_assert_no_error (error);

  wait_until (fixture, six_pictures, 60);
  /* The list is written at most a second behind. */
  spin (2500);

  g_subprocess_force_exit (child);
  g_assert_false (g_subprocess_wait (child, NULL, &error) && g_subprocess_get_successful (child));
  g_assert_cmpuint (haul_test_server_get_requests (server) - requests_before, ==, 10);
  haul_test_server_set_holding (server, FALSE);

  /* Started again: every row is back as it was. */
  fixture->window = haul_window_new (NULL);
  g_object_ref_sink (fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));
  wait_until (fixture, ten_rows, 30);

  for (guint i = 0; i < 10; i++)
    {
      HaulDownload *d = row_item (fixture, i);

      if (haul_download_get_state (d) == HAUL_DOWNLOAD_DONE)
        {
          n_done++;
          g_assert_true (g_str_has_prefix (haul_download_get_file_name (d), "kill-"));
          g_assert_true (g_file_test (haul_download_get_file_path (d), G_FILE_TEST_IS_REGULAR));
        }
      else if (haul_download_get_state (d) == HAUL_DOWNLOAD_QUEUED)
        n_queued++;
    }
  g_assert_cmpuint (n_done, ==, 6);
  g_assert_cmpuint (n_queued, ==, 4);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (fixture->window->download_button)));

  /* Continue fetches only what was left, and saves each picture once. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.download", NULL);
  g_assert_true (haul_window_is_running (fixture->window));
  wait_until (fixture, is_idle, 30);

  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (haul_download_get_state (row_item (fixture, i)), ==, HAUL_DOWNLOAD_DONE);
  g_assert_cmpuint (haul_test_server_get_requests (server) - requests_before, ==, 14);

  dir = g_dir_open (fixture->folder, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_null (strstr (name, " (1)"));
      g_assert_false (g_str_has_prefix (name, ".haul-"));
    }
  g_assert_cmpuint (count_files (fixture->folder), ==, 10);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (argc == 4 && g_str_equal (argv[1], "--killed-child"))
    return run_killed_child (argv[2], argv[3]);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  server = haul_test_server_new ();

#define ADD(path, func) \
  g_test_add ("/window/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("draws", test_window_draws);
  ADD ("paste", test_window_paste);
  ADD ("drop", test_window_drop);
  ADD ("add-dialog", test_window_add_dialog);
  ADD ("download", test_window_download);
  ADD ("cancel", test_window_cancel);
  ADD ("close-while-running", test_window_close_while_running);
  ADD ("quit-while-running", test_window_quit_while_running);
  ADD ("row-menu", test_window_row_menu);
  ADD ("retry-failed", test_window_retry_failed);
  ADD ("start-immediately", test_window_start_immediately);
  ADD ("preferences", test_window_preferences);
  ADD ("restore-after-kill", test_window_restore_after_kill);

  ret = g_test_run ();

  haul_test_server_free (server);

  return ret;
}
