/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window as a gallery: the grid and the list over one filtered, sorted
 * selection, the preview, the keyboard, and the footer's figures. */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <string.h>

#include "haul-download-row-private.h"
#include "haul-download-tile-private.h"
#include "haul-item-actions.h"
#include "window-fixture.h"

static void
set_view (Fixture    *fixture,
          const char *view)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_string (settings, "view", view);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

/* Adds "/<path>" for each of @paths, and waits until they are listed. */
static GPtrArray *
add_paths (Fixture           *fixture,
           const char *const *paths)
{
  g_autoptr(GString) text = g_string_new (NULL);
  GPtrArray *urls = g_ptr_array_new_with_free_func (g_free);
  guint before = n_rows (fixture);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      char *url = haul_test_server_url (server, paths[i]);

      g_string_append_printf (text, "%s\n", url);
      g_ptr_array_add (urls, url);
    }

  haul_window_add_text (fixture->window, text->str, -1, "text/plain");
  while (n_rows (fixture) < before + urls->len)
    g_main_context_iteration (NULL, TRUE);

  return urls;
}

static guint
n_shown (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (fixture->window->selection));
}

static HaulDownload *
shown_item (Fixture *fixture,
            guint    position)
{
  g_autoptr(HaulDownload) download = g_list_model_get_item (G_LIST_MODEL (fixture->window->selection),
                                                            position);

  return download;
}

static void
download_all (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.download", NULL));
  wait_until (fixture, is_idle, 60);
  haul_window_update_now (fixture->window);
}

/* Waits for the search entry's short delay to pass and the filter to act. */
static void
search (Fixture    *fixture,
        const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (fixture->window->search_entry), text);
  spin (200);
}

/* The action a key shortcut of @widget runs, or NULL. */
static const char *
shortcut_action (GtkWidget       *widget,
                 guint            keyval,
                 GdkModifierType  modifiers)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;

      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          if (!GTK_IS_KEYVAL_TRIGGER (trigger) ||
              gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) != keyval ||
              gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) != modifiers)
            continue;

          if (GTK_IS_NAMED_ACTION (action))
            return gtk_named_action_get_action_name (GTK_NAMED_ACTION (action));
          return "callback";
        }
    }

  return NULL;
}

static void
test_gallery_view_remembered (Fixture       *fixture,
                              gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  HaulWindow *other;

  set_view (fixture, "list");
  add_urls (fixture, "/img", 2, NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->views_stack), ==, "list");

  /* The header-bar toggle switches and the choice is kept. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.mode", "s", "grid"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->views_stack), ==, "grid");
  g_assert_cmpstr (g_settings_get_string (settings, "view"), ==, "grid");

  /* Both views show the one selection, the hidden one nothing. */
  g_assert_true (gtk_grid_view_get_model (window->grid_view) == GTK_SELECTION_MODEL (window->selection));
  g_assert_null (gtk_list_view_get_model (window->list_view));

  /* The next window opens the way the last was left. */
  other = haul_window_new (NULL);
  g_object_ref_sink (other);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (other->views_stack), ==, "grid");
  gtk_window_destroy (GTK_WINDOW (other));
  g_assert_finalize_object (other);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.mode", "s", "list"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->views_stack), ==, "list");
  g_assert_cmpstr (g_settings_get_string (settings, "view"), ==, "list");
  g_assert_true (gtk_list_view_get_model (window->list_view) == GTK_SELECTION_MODEL (window->selection));
  g_assert_null (gtk_grid_view_get_model (window->grid_view));
}

static void
test_gallery_tiles (Fixture       *fixture,
                    gconstpointer  data)
{
  static const char *const paths[] = {
    "/img/red.png", "/img/green.png", "/img/blue.png", "/flaky/broken.png", NULL
  };
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GPtrArray) urls = NULL;
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  guint n_done = 0, n_failed = 0;

  g_settings_set_int (settings, "retries", 0);
  set_view (fixture, "grid");
  haul_test_server_set_failing (server, TRUE);
  urls = add_paths (fixture, paths);
  download_all (fixture);
  haul_test_server_set_failing (server, FALSE);

  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  spin (300);
  collect_widgets (GTK_WIDGET (fixture->window->grid_view), HAUL_TYPE_DOWNLOAD_TILE, tiles);
  g_assert_cmpuint (tiles->len, >=, 4);

  for (guint i = 0; i < tiles->len; i++)
    {
      HaulDownloadTile *tile = g_ptr_array_index (tiles, i);
      HaulDownloadState state;

      if (tile->item == NULL)
        continue;

      state = haul_download_get_state (tile->item);
      g_assert_cmpstr (gtk_label_get_label (tile->name_label), ==,
                       haul_download_get_display_name (tile->item));
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (tile->badge)));
      g_assert_false (gtk_widget_get_visible (GTK_WIDGET (tile->progress_bar)));

      /* A screen reader hears the name, the state and the size. */
      {
        g_autofree char *size = g_format_size (haul_download_get_bytes_received (tile->item));
        g_autofree char *label = NULL;

        label = g_strdup_printf ("%s, %s%s%s", haul_download_get_display_name (tile->item),
                                 state == HAUL_DOWNLOAD_DONE ? "Done" : "Failed",
                                 haul_download_get_bytes_received (tile->item) > 0 ? ", " : "",
                                 haul_download_get_bytes_received (tile->item) > 0 ? size : "");
        g_assert_true (state != HAUL_DOWNLOAD_DONE || haul_download_get_bytes_received (tile->item) > 0);
        g_assert_true (gtk_test_accessible_has_role (GTK_ACCESSIBLE (tile), GTK_ACCESSIBLE_ROLE_GROUP));
        gtk_test_accessible_assert_property (GTK_ACCESSIBLE (tile), GTK_ACCESSIBLE_PROPERTY_LABEL, label);
      }

      if (state == HAUL_DOWNLOAD_DONE)
        {
          GdkPaintable *paintable = gtk_picture_get_paintable (tile->picture);

          n_done++;
          g_assert_nonnull (paintable);
          g_assert_true (gtk_widget_get_visible (GTK_WIDGET (tile->picture)));
          g_assert_cmpint (MAX (gdk_paintable_get_intrinsic_width (paintable),
                                gdk_paintable_get_intrinsic_height (paintable)), ==, HAUL_THUMBNAIL_SIZE);
          g_assert_cmpstr (gtk_image_get_icon_name (tile->badge), ==, "object-select-symbolic");
          g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (tile->badge), "success"));
        }
      else
        {
          n_failed++;
          g_assert_cmpint (state, ==, HAUL_DOWNLOAD_FAILED);
          g_assert_false (gtk_widget_get_visible (GTK_WIDGET (tile->picture)));
          g_assert_cmpstr (gtk_image_get_icon_name (tile->badge), ==, "dialog-error-symbolic");
          g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (tile->badge), "error"));
        }
    }
  g_assert_cmpuint (n_done, ==, 3);
  g_assert_cmpuint (n_failed, ==, 1);

  g_settings_reset (settings, "retries");
}

/* The memory of thousands: only what a view shows keeps a thumbnail. */
static void
test_gallery_thumbnails_on_screen (Fixture       *fixture,
                                   gconstpointer  data)
{
  /* More than a grid view keeps widgets for: 30 rows of its at most 10
   * columns. */
  const guint n = 400;
  guint n_held = 0, n_thumbnails = 0;

  set_view (fixture, "grid");
  add_urls (fixture, "/img", n, NULL);
  download_all (fixture);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  spin (500);

  for (guint i = 0; i < n; i++)
    {
      HaulDownload *d = row_item (fixture, i);

      g_assert_cmpint (haul_download_get_state (d), ==, HAUL_DOWNLOAD_DONE);
      n_held += haul_download_is_thumbnail_held (d);
      n_thumbnails += haul_download_get_thumbnail (d) != NULL;
      if (!haul_download_is_thumbnail_held (d))
        g_assert_null (haul_download_get_thumbnail (d));
    }

  {
    g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
    g_autoptr(GPtrArray) rows = g_ptr_array_new ();

    collect_widgets (GTK_WIDGET (fixture->window->grid_view), HAUL_TYPE_DOWNLOAD_TILE, tiles);
    collect_widgets (GTK_WIDGET (fixture->window->list_view), HAUL_TYPE_DOWNLOAD_ROW, rows);
    g_test_message ("%u of %u items hold a thumbnail; %u tiles, %u rows", n_held, n, tiles->len, rows->len);
  }
  g_assert_cmpuint (n_held, >, 0);
  g_assert_cmpuint (n_held, <, n);
  g_assert_cmpuint (n_thumbnails, ==, n_held);

  /* Scrolled to, an item makes its thumbnail again from the saved file. */
  {
    HaulDownload *last = row_item (fixture, n - 1);

    gtk_widget_activate_action (GTK_WIDGET (fixture->window->grid_view), "list.scroll-to-item", "u", n - 1);
    for (guint tries = 0; tries < 100 && haul_download_get_thumbnail (last) == NULL; tries++)
      spin (50);
    g_assert_true (haul_download_is_thumbnail_held (last));
    g_assert_nonnull (haul_download_get_thumbnail (last));
    /* (The first stays bound: the view keeps its cursor item.) */
    g_assert_null (haul_download_get_thumbnail (row_item (fixture, 40)));
  }
}

static void
assert_label (GtkButton  *button,
              const char *expected)
{
  g_assert_cmpstr (gtk_button_get_label (button), ==, expected);
}

static void
test_gallery_filter (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char *const paths[] = {
    "/img/cat-1.png", "/img/cat-2.png", "/img/dog-1.png", "/flaky/dog-2.png", "/flaky/bird.png", NULL
  };
  HaulWindow *window = fixture->window;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GPtrArray) urls = NULL;
  HaulQueueCounts counts;

  g_settings_set_int (settings, "retries", 0);
  haul_test_server_set_failing (server, TRUE);
  urls = add_paths (fixture, paths);
  haul_window_update_now (window);
  assert_label (window->filter_all_button, "All 5");
  assert_label (window->filter_waiting_button, "Queued 5");
  download_all (fixture);
  haul_test_server_set_failing (server, FALSE);

  /* The counts are the queue's. */
  haul_queue_get_counts (window->queue, &counts);
  g_assert_cmpuint (counts.done, ==, 3);
  g_assert_cmpuint (counts.failed, ==, 2);
  g_assert_cmpuint (counts.waiting, ==, 0);
  assert_label (window->filter_all_button, "All 5");
  assert_label (window->filter_waiting_button, "Queued 0");
  assert_label (window->filter_done_button, "Done 3");
  assert_label (window->filter_failed_button, "Failed 2");
  g_assert_cmpuint (n_shown (fixture), ==, 5);

  /* Ctrl+F opens the search; a word narrows by name, whatever its case. */
  g_assert_cmpstr (shortcut_action (GTK_WIDGET (window), GDK_KEY_f, GDK_CONTROL_MASK), ==, "win.find");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.find", NULL));
  g_assert_true (gtk_search_bar_get_search_mode (window->search_bar));
  search (fixture, "DOG");
  g_assert_cmpuint (n_shown (fixture), ==, 2);
  for (guint i = 0; i < n_shown (fixture); i++)
    g_assert_nonnull (strstr (haul_download_get_url (shown_item (fixture, i)), "dog-"));

  /* And with the state filter on top. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.filter", "s", "failed"));
  g_assert_cmpuint (n_shown (fixture), ==, 1);
  g_assert_cmpstr (haul_download_get_url (shown_item (fixture, 0)), ==, g_ptr_array_index (urls, 3));

  search (fixture, "");
  g_assert_cmpuint (n_shown (fixture), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.filter", "s", "done"));
  g_assert_cmpuint (n_shown (fixture), ==, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.filter", "s", "waiting"));
  g_assert_cmpuint (n_shown (fixture), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.filter", "s", "all"));
  g_assert_cmpuint (n_shown (fixture), ==, 5);

  /* The host counts too, the rest of the address does not. */
  search (fixture, "127.0.0");
  g_assert_cmpuint (n_shown (fixture), ==, 5);
  search (fixture, "flaky");
  g_assert_cmpuint (n_shown (fixture), ==, 0);
  search (fixture, "");

  /* Sorting by name puts bird first; back to the order added. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.sort", "s", "name"));
  g_assert_true (g_str_has_suffix (haul_download_get_url (shown_item (fixture, 0)), "/bird.png"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.sort", "s", "size"));
  g_assert_cmpint (haul_download_get_state (shown_item (fixture, 0)), ==, HAUL_DOWNLOAD_DONE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "view.sort", "s", "added"));
  g_assert_cmpstr (haul_download_get_url (shown_item (fixture, 0)), ==, g_ptr_array_index (urls, 0));

  g_settings_reset (settings, "retries");
}

static void
clipboard_text_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  *(char **)user_data = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
}

static void
assert_states (Fixture           *fixture,
               const char        *expected)
{
  for (guint i = 0; expected[i] != '\0'; i++)
    {
      HaulDownloadState state = haul_download_get_state (row_item (fixture, i));
      char c = state == HAUL_DOWNLOAD_DONE ? 'D' : state == HAUL_DOWNLOAD_FAILED ? 'F'
             : state == HAUL_DOWNLOAD_QUEUED ? 'Q' : '?';

      if (c != expected[i])
        g_error ("Item %u is %s, not %c (of %s)", i, haul_download_state_to_string (state),
                 expected[i], expected);
    }
}

static void
test_gallery_selection (Fixture       *fixture,
                        gconstpointer  data)
{
  static const char *const paths[] = {
    "/img/sel-0.png", "/img/sel-1.png", "/img/sel-2.png", "/img/sel-3.png", "/img/sel-4.png",
    "/flaky/sel-5.png", "/flaky/sel-6.png", NULL
  };
  HaulWindow *window = fixture->window;
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (window->selection);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GPtrArray) urls = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *expected = NULL;

  g_settings_set_int (settings, "retries", 0);
  urls = add_paths (fixture, paths);

  /* A click and a Shift-click: two, and only those. */
  gtk_selection_model_select_item (selection, 1, TRUE);
  gtk_selection_model_select_item (selection, 3, FALSE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.copy-links", NULL));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (window)), NULL,
                                 clipboard_text_cb, &copied);
  while (copied == NULL)
    g_main_context_iteration (NULL, TRUE);
  expected = g_strdup_printf ("%s\n%s\n", (char *)g_ptr_array_index (urls, 1),
                              (char *)g_ptr_array_index (urls, 3));
  g_assert_cmpstr (copied, ==, expected);
  g_assert_nonnull (strstr (window->last_message, "2 links copied"));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download-selected", NULL));
  wait_until (fixture, is_idle, 30);
  assert_states (fixture, "QDQDQQQ");

  /* A range across a filtered view: Ctrl+A selects what is shown. */
  search (fixture, "sel-2");
  g_assert_cmpuint (n_shown (fixture), ==, 1);
  g_assert_cmpstr (shortcut_action (GTK_WIDGET (window), GDK_KEY_a, GDK_CONTROL_MASK), ==, "win.select-all");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.select-all", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download-selected", NULL));
  wait_until (fixture, is_idle, 30);
  search (fixture, "");
  assert_states (fixture, "QDDDQQQ");

  /* Shift-click from 4 to 6 in the whole list, and Download Selected
   * fetches those that wait, the failing two included. */
  haul_test_server_set_failing (server, TRUE);
  gtk_selection_model_select_range (selection, 4, 3, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download-selected", NULL));
  wait_until (fixture, is_idle, 30);
  haul_test_server_set_failing (server, FALSE);
  assert_states (fixture, "QDDDDFF");

  /* Retry Selected retries only the selected failure. */
  gtk_selection_model_select_item (selection, 6, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.retry-selected", NULL));
  wait_until (fixture, is_idle, 30);
  assert_states (fixture, "QDDDDFD");

  /* Remove Selected takes away what is selected and nothing else. */
  gtk_selection_model_select_item (selection, 0, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.remove-selected", NULL));
  g_assert_cmpuint (n_rows (fixture), ==, 6);
  g_assert_null (haul_window_lookup (window, g_ptr_array_index (urls, 0)));
  g_assert_nonnull (haul_window_lookup (window, g_ptr_array_index (urls, 1)));

  g_settings_reset (settings, "retries");
}

static gboolean
preview_full_size (Fixture *fixture)
{
  return haul_preview_is_full_size (fixture->window->preview);
}

static void
test_gallery_preview (Fixture       *fixture,
                      gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  HaulPreview *preview = window->preview;
  GtkSelectionModel *selection = GTK_SELECTION_MODEL (window->selection);
  GdkPaintable *paintable;

  set_view (fixture, "grid");
  add_urls (fixture, "/img", 3, NULL);

  /* Before download there is the placeholder, or the thumbnail. */
  gtk_selection_model_select_item (selection, 0, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preview", NULL));
  g_assert_true (haul_preview_is_open (preview));
  g_assert_false (haul_preview_is_full_size (preview));
  haul_preview_close (preview);

  download_all (fixture);

  /* Space on the focused tile; the button-free way is the same action. */
  g_assert_cmpstr (shortcut_action (GTK_WIDGET (window->grid_view), GDK_KEY_space, 0), ==, "callback");
  gtk_selection_model_select_item (selection, 0, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.preview", NULL));
  g_assert_true (haul_preview_is_open (preview));
  g_assert_true (haul_preview_get_item (preview) == row_item (fixture, 0));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (preview)));

  /* The large picture is made from the saved file, larger than a thumbnail. */
  wait_until (fixture, preview_full_size, 10);
  paintable = haul_preview_get_paintable (preview);
  g_assert_nonnull (paintable);
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), >, HAUL_THUMBNAIL_SIZE);

  /* Left and Right move, selecting what they show; Escape closes. */
  g_assert_cmpstr (shortcut_action (GTK_WIDGET (preview), GDK_KEY_Right, 0), ==, "preview.next");
  g_assert_cmpstr (shortcut_action (GTK_WIDGET (preview), GDK_KEY_Left, 0), ==, "preview.previous");
  g_assert_cmpstr (shortcut_action (GTK_WIDGET (preview), GDK_KEY_Escape, 0), ==, "preview.close");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.next", NULL));
  g_assert_cmpuint (haul_preview_get_position (preview), ==, 1);
  g_assert_true (haul_preview_get_item (preview) == row_item (fixture, 1));
  g_assert_true (gtk_selection_model_is_selected (selection, 1));
  g_assert_false (gtk_selection_model_is_selected (selection, 0));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.next", NULL));
  g_assert_cmpuint (haul_preview_get_position (preview), ==, 2);
  /* At the end it stays there. */
  gtk_widget_activate_action (GTK_WIDGET (preview), "preview.next", NULL);
  g_assert_cmpuint (haul_preview_get_position (preview), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.previous", NULL));
  g_assert_cmpuint (haul_preview_get_position (preview), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "preview.close", NULL));
  g_assert_false (haul_preview_is_open (preview));
  g_assert_null (haul_preview_get_item (preview));
  /* Cancel (Escape in the window) was not what happened. */
  g_assert_cmpint (haul_download_get_state (row_item (fixture, 1)), ==, HAUL_DOWNLOAD_DONE);

  /* Double-click (activate) opens it too, where it was clicked. */
  g_signal_emit_by_name (window->grid_view, "activate", 2);
  g_assert_true (haul_preview_is_open (preview));
  g_assert_cmpuint (haul_preview_get_position (preview), ==, 2);
  haul_preview_close (preview);
}

static gboolean
focus_item (GtkWidget *item)
{
  GtkWidget *list_item = gtk_widget_get_parent (item);

  return gtk_widget_grab_focus (list_item);
}

static void
test_gallery_menu_key (Fixture       *fixture,
                       gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GPtrArray) tiles = g_ptr_array_new ();
  GtkPopover *popover;

  g_assert_cmpstr (shortcut_action (GTK_WIDGET (window), GDK_KEY_F10, GDK_SHIFT_MASK), ==, "win.item-menu");
  g_assert_cmpstr (shortcut_action (GTK_WIDGET (window), GDK_KEY_Menu, 0), ==, "win.item-menu");

  set_view (fixture, "list");
  add_urls (fixture, "/img", 2, NULL);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  collect_widgets (GTK_WIDGET (window->list_view), HAUL_TYPE_DOWNLOAD_ROW, rows);
  g_assert_cmpuint (rows->len, >=, 1);

  /* The focused row's menu, from the keyboard. */
  g_assert_true (focus_item (g_ptr_array_index (rows, 0)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.item-menu", NULL));
  popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (HAUL_DOWNLOAD_ROW (g_ptr_array_index (rows, 0))->menu_button));
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  gtk_popover_popdown (popover);

  /* And the focused tile's. */
  set_view (fixture, "grid");
  collect_widgets (GTK_WIDGET (window->grid_view), HAUL_TYPE_DOWNLOAD_TILE, tiles);
  g_assert_cmpuint (tiles->len, >=, 2);
  g_assert_true (focus_item (g_ptr_array_index (tiles, 1)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.item-menu", NULL));
  popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (HAUL_DOWNLOAD_TILE (g_ptr_array_index (tiles, 1))->menu_button));
  g_assert_nonnull (popover);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (popover)));
  gtk_popover_popdown (popover);
}

static gboolean
receiving_a_while (Fixture *fixture)
{
  HaulQueueSummary summary;

  haul_queue_get_summary (fixture->window->queue, &summary);

  return summary.elapsed >= 2.0;
}

static void
test_gallery_footer_speed (Fixture       *fixture,
                           gconstpointer  data)
{
  HaulWindow *window = fixture->window;
  HaulQueueSummary summary;
  guint64 total = 0;
  double expected;
  const double seconds = 5.0;

  /* Twelve pictures, each arriving over five seconds, eight at once: four
   * wait, their sizes unknown. */
  add_urls (fixture, "/img", 12, "?drip=5000");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL));
  wait_until (fixture, receiving_a_while, 20);

  haul_window_update_now (window);
  haul_queue_get_summary (window->queue, &summary);
  for (guint i = 0; i < 8; i++)
    total += MAX (haul_download_get_total_bytes (row_item (fixture, i)), 0);
  expected = total / seconds;

  g_test_message ("%.0f B/s for an expected %.0f; %.1f s left after %.1f s, at %.0f %%",
                  summary.bytes_per_second, expected, summary.seconds_left, summary.elapsed,
                  summary.fraction * 100.0);
  g_assert_cmpuint (total, >, 0);
  g_assert_cmpfloat (summary.bytes_per_second, >, expected / 2.5);
  g_assert_cmpfloat (summary.bytes_per_second, <, expected * 2.5);
  g_assert_cmpfloat (summary.fraction, >, 0.1);
  g_assert_cmpfloat (summary.fraction, <, 0.7);
  /* About six seconds are left; a wide margin for a busy machine. */
  g_assert_cmpfloat (summary.seconds_left, >, 1.0);
  g_assert_cmpfloat (summary.seconds_left, <, 20.0);

  /* The footer draws them. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->footer_progress)));
  g_assert_cmpfloat (fabs (gtk_progress_bar_get_fraction (window->footer_progress) - summary.fraction), <, 0.05);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->speed_label)));
  g_assert_true (g_str_has_suffix (gtk_label_get_label (window->speed_label), "/s"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window->time_left_label)));
  g_assert_nonnull (strstr (gtk_label_get_label (window->time_left_label), "left"));

  wait_until (fixture, is_idle, 30);
  haul_window_update_now (window);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->footer_progress)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->speed_label)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (window->time_left_label)));
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* GTK's test accessibility backend keeps what a screen reader would be
   * told, for the tiles' names to be checked. */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  server = haul_test_server_new ();

#define ADD(path, func) \
  g_test_add ("/gallery/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("view-remembered", test_gallery_view_remembered);
  ADD ("tiles", test_gallery_tiles);
  ADD ("thumbnails-on-screen", test_gallery_thumbnails_on_screen);
  ADD ("filter", test_gallery_filter);
  ADD ("selection", test_gallery_selection);
  ADD ("preview", test_gallery_preview);
  ADD ("menu-key", test_gallery_menu_key);
  ADD ("footer-speed", test_gallery_footer_speed);

  ret = g_test_run ();

  haul_test_server_free (server);

  return ret;
}
