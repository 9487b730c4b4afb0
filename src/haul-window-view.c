/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "haul-download-row-private.h"
#include "haul-download-tile-private.h"
#include "haul-window-private.h"

/* With a state filter on, items change group as they finish: the filter
 * is applied again at most this often, not at every change. */
#define REFILTER_INTERVAL_US (500 * G_TIME_SPAN_MILLISECOND)

/* Searching */

static gboolean
contains_ascii_nocase (const char *haystack,
                       gsize       length,
                       const char *needle,
                       gsize       needle_length)
{
  if (needle_length > length)
    return FALSE;

  for (gsize i = 0; i + needle_length <= length; i++)
    {
      gsize j = 0;

      while (j < needle_length && g_ascii_tolower (haystack[i + j]) == needle[j])
        j++;
      if (j == needle_length)
        return TRUE;
    }

  return FALSE;
}

/* The host of @url, without parsing it whole: thousands of items are
 * looked at for each key typed. */
static const char *
find_host (const char *url,
           gsize      *length)
{
  const char *start = strstr (url, "://");
  const char *at;

  if (start == NULL)
    {
      *length = 0;
      return url;
    }

  start += 3;
  *length = strcspn (start, "/?#");
  /* user:password@ is not the host */
  at = memchr (start, '@', *length);
  if (at != NULL)
    {
      *length -= at + 1 - start;
      start = at + 1;
    }

  return start;
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  HaulWindow *self = user_data;
  HaulDownload *download = item;
  const char *name;
  const char *host;
  gsize needle_length, host_length;

  if (self->filter_group >= 0 && (int)haul_download_get_group (download) != self->filter_group)
    return FALSE;

  if (self->search_text == NULL)
    return TRUE;

  needle_length = strlen (self->search_text);
  name = haul_download_get_display_name (download);
  if (contains_ascii_nocase (name, strlen (name), self->search_text, needle_length))
    return TRUE;

  host = find_host (haul_download_get_url (download), &host_length);

  return contains_ascii_nocase (host, host_length, self->search_text, needle_length);
}

/* Without a filter the model passes the queue through at no cost. */
static void
apply_filter (HaulWindow      *self,
              GtkFilterChange  change)
{
  gboolean active = self->filter_group >= 0 || self->search_text != NULL;

  self->last_refilter = g_get_monotonic_time ();

  if (!active)
    {
      gtk_filter_list_model_set_filter (self->filter_model, NULL);
      return;
    }

  if (gtk_filter_list_model_get_filter (self->filter_model) == NULL)
    gtk_filter_list_model_set_filter (self->filter_model, GTK_FILTER (self->filter));
  else
    gtk_filter_changed (GTK_FILTER (self->filter), change);
}

static void
search_changed_cb (HaulWindow     *self,
                   GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *old = g_steal_pointer (&self->search_text);
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  GtkFilterChange change = GTK_FILTER_CHANGE_DIFFERENT;

  if (stripped[0] != '\0')
    self->search_text = g_ascii_strdown (stripped, -1);

  if (g_strcmp0 (old, self->search_text) == 0)
    return;

  /* Typing on narrows what matched; deleting widens it. */
  if (old != NULL && self->search_text != NULL && strstr (self->search_text, old) != NULL)
    change = GTK_FILTER_CHANGE_MORE_STRICT;
  else if (old != NULL && (self->search_text == NULL || strstr (old, self->search_text) != NULL))
    change = GTK_FILTER_CHANGE_LESS_STRICT;

  apply_filter (self, change);
}

static void
stop_search_cb (HaulWindow     *self,
                GtkSearchEntry *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

static void
filter_change_state (GSimpleAction *action,
                     GVariant      *state,
                     gpointer       user_data)
{
  HaulWindow *self = user_data;
  const char *name = g_variant_get_string (state, NULL);
  int group = -1;

  if (g_str_equal (name, "waiting"))
    group = HAUL_DOWNLOAD_GROUP_WAITING;
  else if (g_str_equal (name, "done"))
    group = HAUL_DOWNLOAD_GROUP_DONE;
  else if (g_str_equal (name, "failed"))
    group = HAUL_DOWNLOAD_GROUP_FAILED;
  else if (!g_str_equal (name, "all"))
    return;

  g_simple_action_set_state (action, state);
  if (group == self->filter_group)
    return;

  self->filter_group = group;
  apply_filter (self, GTK_FILTER_CHANGE_DIFFERENT);
}

/* Sorting */

static guint64
size_of (HaulDownload *download)
{
  return haul_download_get_bytes_received (download);
}

static guint64
pixels_of (HaulDownload *download)
{
  return (guint64)MAX (haul_download_get_width (download), 0) *
         (guint64)MAX (haul_download_get_height (download), 0);
}

/* The expression's value takes the string. */
static char *
name_of (HaulDownload *download)
{
  return g_strdup (haul_download_get_display_name (download));
}

static GtkSorter *
create_sorter (const char *key)
{
  GtkExpression *expression;
  GtkSorter *sorter;

  /* Sorters keep a key per item, so sorting thousands compares numbers
   * and collation keys, not strings. */
  if (g_str_equal (key, "name"))
    {
      expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                G_CALLBACK (name_of), NULL, NULL);
      return GTK_SORTER (gtk_string_sorter_new (expression));
    }

  if (g_str_equal (key, "size"))
    expression = gtk_cclosure_expression_new (G_TYPE_UINT64, NULL, 0, NULL,
                                              G_CALLBACK (size_of), NULL, NULL);
  else if (g_str_equal (key, "dimensions"))
    expression = gtk_cclosure_expression_new (G_TYPE_UINT64, NULL, 0, NULL,
                                              G_CALLBACK (pixels_of), NULL, NULL);
  else
    return NULL;

  /* The largest first: what one looks for in an album. */
  sorter = GTK_SORTER (gtk_numeric_sorter_new (expression));
  gtk_numeric_sorter_set_sort_order (GTK_NUMERIC_SORTER (sorter), GTK_SORT_DESCENDING);

  return sorter;
}

static void
sort_change_state (GSimpleAction *action,
                   GVariant      *state,
                   gpointer       user_data)
{
  HaulWindow *self = user_data;
  const char *key = g_variant_get_string (state, NULL);
  g_autoptr(GtkSorter) sorter = create_sorter (key);

  if (sorter == NULL && !g_str_equal (key, "added"))
    return;

  g_simple_action_set_state (action, state);
  gtk_sort_list_model_set_sorter (self->sort_model, sorter);
}

/* Sizes and dimensions arrive while downloading: rows are sorted again
 * when the batch ends, not moved under the pointer meanwhile. */
void
_haul_window_view_session_finished (HaulWindow *self)
{
  GtkSorter *sorter = gtk_sort_list_model_get_sorter (self->sort_model);

  if (sorter != NULL)
    gtk_sorter_changed (sorter, GTK_SORTER_CHANGE_DIFFERENT);
  if (self->filter_group >= 0)
    apply_filter (self, GTK_FILTER_CHANGE_DIFFERENT);
}

/* Selection */

GPtrArray *
_haul_window_dup_selected (HaulWindow *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  GtkBitsetIter iter;
  guint position;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->selection), position));

  return items;
}

static void
update_selection (HaulWindow *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint64 n = gtk_bitset_get_size (selected);
  g_autofree char *text = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.download-selected", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.retry-selected", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-links", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove-selected", n > 0);

  if (n > 1)
    /* TRANSLATORS: how many items are selected */
    text = g_strdup_printf (ngettext ("%u selected", "%u selected", (gulong)n), (guint)n);
  gtk_label_set_label (self->selection_label, text ? text : "");
}

static void
selection_changed_cb (HaulWindow        *self,
                      guint              position,
                      guint              n_items,
                      GtkSelectionModel *model)
{
  update_selection (self);
}

static void
selection_items_changed_cb (HaulWindow *self,
                            guint       position,
                            guint       removed,
                            guint       added,
                            GListModel *model)
{
  /* Only a removal can take selected items away. */
  if (removed > 0)
    update_selection (self);
}

static void
select_all_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  gtk_selection_model_select_all (GTK_SELECTION_MODEL (HAUL_WINDOW (widget)->selection));
}

/* Starts the selected items in @group that are not being fetched. */
static void
start_selected (HaulWindow        *self,
                gboolean           retry)
{
  g_autoptr(GPtrArray) selected = _haul_window_dup_selected (self);
  g_autoptr(GPtrArray) items = g_ptr_array_new ();

  for (guint i = 0; i < selected->len; i++)
    {
      HaulDownload *download = g_ptr_array_index (selected, i);
      HaulDownloadState state = haul_download_get_state (download);

      if (retry ? state == HAUL_DOWNLOAD_FAILED || state == HAUL_DOWNLOAD_CANCELLED
                : state == HAUL_DOWNLOAD_QUEUED || state == HAUL_DOWNLOAD_CANCELLED)
        g_ptr_array_add (items, download);
    }

  if (items->len > 0)
    haul_window_start (self, items);
}

static void
download_selected_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  start_selected (HAUL_WINDOW (widget), FALSE);
}

static void
retry_selected_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  start_selected (HAUL_WINDOW (widget), TRUE);
}

static void
copy_links_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  g_autoptr(GPtrArray) selected = _haul_window_dup_selected (self);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *message = NULL;

  if (selected->len == 0)
    return;

  for (guint i = 0; i < selected->len; i++)
    {
      g_string_append (text, haul_download_get_url (g_ptr_array_index (selected, i)));
      g_string_append_c (text, '\n');
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text->str);
  /* TRANSLATORS: a toast after Copy Links */
  message = g_strdup_printf (ngettext ("%u link copied", "%u links copied", selected->len),
                             selected->len);
  haul_window_show_toast (self, message);
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

/* The focused row or tile, found from the focus: the views focus the list
 * item that holds it. */
static GtkWidget *
focused_item_widget (HaulWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *child;

  for (GtkWidget *widget = focus; widget != NULL; widget = gtk_widget_get_parent (widget))
    if (HAUL_IS_DOWNLOAD_ROW (widget) || HAUL_IS_DOWNLOAD_TILE (widget))
      return widget;

  child = focus != NULL ? gtk_widget_get_first_child (focus) : NULL;
  if (child != NULL && (HAUL_IS_DOWNLOAD_ROW (child) || HAUL_IS_DOWNLOAD_TILE (child)))
    return child;

  return NULL;
}

/* Shift+F10 and the Menu key: what a right click does, from the keyboard. */
static void
item_menu_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GtkWidget *item = focused_item_widget (HAUL_WINDOW (widget));

  if (item != NULL && HAUL_IS_DOWNLOAD_ROW (item))
    gtk_menu_button_popup (GTK_MENU_BUTTON (HAUL_DOWNLOAD_ROW (item)->menu_button));
  else if (item != NULL)
    gtk_menu_button_popup (GTK_MENU_BUTTON (HAUL_DOWNLOAD_TILE (item)->menu_button));
}

static guint
find_position (HaulWindow   *self,
               HaulDownload *download)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n = g_list_model_get_n_items (model);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HaulDownload) item = g_list_model_get_item (model, i);

      if (item == download)
        return i;
    }

  return GTK_INVALID_LIST_POSITION;
}

void
_haul_window_preview (HaulWindow *self,
                      guint       position)
{
  if (position < g_list_model_get_n_items (G_LIST_MODEL (self->selection)))
    haul_preview_open (self->preview, position);
}

/* Space: the focused item, or else the first selected. */
static void
preview_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  HaulWindow *self = HAUL_WINDOW (widget);
  GtkWidget *item = focused_item_widget (self);
  guint position = GTK_INVALID_LIST_POSITION;

  if (item != NULL)
    {
      HaulDownload *download = NULL;

      g_object_get (item, "item", &download, NULL);
      if (download != NULL)
        position = find_position (self, download);
      g_clear_object (&download);
    }

  if (position == GTK_INVALID_LIST_POSITION)
    {
      g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

      if (!gtk_bitset_is_empty (selected))
        position = gtk_bitset_get_minimum (selected);
    }

  if (position != GTK_INVALID_LIST_POSITION)
    _haul_window_preview (self, position);
}

static void
preview_closed_cb (HaulWindow  *self,
                   HaulPreview *preview)
{
  GtkWidget *view = g_str_equal (gtk_stack_get_visible_child_name (self->views_stack), "grid")
                      ? GTK_WIDGET (self->grid_view) : GTK_WIDGET (self->list_view);

  /* Back where the preview was, with the focus on it. */
  gtk_widget_activate_action (view, "list.scroll-to-item", "u", haul_preview_get_position (preview));
  gtk_widget_grab_focus (view);
}

/* Space in a view opens the preview; the views' own Space (select) would
 * otherwise take it first. */
static gboolean
space_cb (GtkWidget *widget,
          GVariant  *args,
          gpointer   user_data)
{
  HaulWindow *self = user_data;
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *child = focus != NULL ? gtk_widget_get_first_child (focus) : NULL;

  /* A button inside a row keeps its Space. */
  if (child == NULL || !(HAUL_IS_DOWNLOAD_ROW (child) || HAUL_IS_DOWNLOAD_TILE (child)))
    return FALSE;

  return gtk_widget_activate_action (GTK_WIDGET (self), "win.preview", NULL);
}

static void
add_space_shortcut (HaulWindow *self,
                    GtkWidget  *view)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_space, 0),
                                                          gtk_callback_action_new (space_cb, self, NULL)));
  gtk_widget_add_controller (view, controller);
}

/* The figures */

static void
set_filter_label (GtkButton *button,
                  char      *label)
{
  gtk_button_set_label (button, label);
  g_free (label);
}

static char *
format_time_left (double seconds)
{
  guint s = (guint)(seconds + 0.5);

  if (s < 60)
    /* TRANSLATORS: the time a batch still needs, in seconds */
    return g_strdup_printf (ngettext ("%u second left", "%u seconds left", s), s);
  if (s < 3600)
    {
      guint m = (s + 30) / 60;

      /* TRANSLATORS: the time a batch still needs, in minutes */
      return g_strdup_printf (ngettext ("About %u minute left", "About %u minutes left", m), m);
    }

  /* TRANSLATORS: the time a batch still needs, in hours and minutes */
  return g_strdup_printf (_("About %u h %02u min left"), s / 3600, (s % 3600) / 60);
}

void
_haul_window_view_update (HaulWindow             *self,
                          const HaulQueueCounts  *counts,
                          const HaulQueueSummary *summary)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  gboolean running = summary->running;

  /* TRANSLATORS: the state filter buttons, with how many items each shows */
  set_filter_label (self->filter_all_button, g_strdup_printf (_("All %u"), counts->total));
  set_filter_label (self->filter_waiting_button, g_strdup_printf (_("Queued %u"), counts->waiting));
  set_filter_label (self->filter_done_button,
                    g_strdup_printf (_("Done %u"), counts->done + counts->skipped));
  set_filter_label (self->filter_failed_button, g_strdup_printf (_("Failed %u"), counts->failed));

  gtk_widget_set_visible (GTK_WIDGET (self->footer_progress), running);
  gtk_widget_set_visible (GTK_WIDGET (self->speed_label), running && summary->bytes_per_second > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->time_left_label), running && summary->seconds_left >= 0);

  if (running)
    {
      gtk_progress_bar_set_fraction (self->footer_progress, summary->fraction);
      if (summary->bytes_per_second > 0)
        {
          g_autofree char *size = g_format_size ((guint64)summary->bytes_per_second);
          /* TRANSLATORS: the total download speed: "1.2 MB/s" */
          g_autofree char *speed = g_strdup_printf (_("%s/s"), size);

          gtk_label_set_label (self->speed_label, speed);
        }
      if (summary->seconds_left >= 0)
        {
          g_autofree char *left = format_time_left (summary->seconds_left);

          gtk_label_set_label (self->time_left_label, left);
        }

      /* Items leave a state filter as they finish. */
      if (self->filter_group >= 0 &&
          g_get_monotonic_time () - self->last_refilter >= REFILTER_INTERVAL_US)
        apply_filter (self, GTK_FILTER_CHANGE_DIFFERENT);
    }

  if (self->launcher_entry == NULL && app != NULL &&
      g_application_get_dbus_connection (G_APPLICATION (app)) != NULL)
    self->launcher_entry = haul_launcher_entry_new (g_application_get_dbus_connection (G_APPLICATION (app)),
                                                    APP_ID);
  if (self->launcher_entry != NULL)
    haul_launcher_entry_set_progress (self->launcher_entry, running, summary->fraction);
}

/* Both views show the same selection, but only the visible one has it: a
 * hidden view would keep a couple of hundred widgets bound, thumbnails and
 * all, and redraw them at each change. */
static void
view_switched_cb (HaulWindow *self)
{
  gboolean grid = g_strcmp0 (gtk_stack_get_visible_child_name (self->views_stack), "grid") == 0;
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->selection);
  GtkWidget *view = grid ? GTK_WIDGET (self->grid_view) : GTK_WIDGET (self->list_view);
  g_autoptr(GtkBitset) selected = NULL;

  gtk_list_view_set_model (self->list_view, grid ? NULL : model);
  gtk_grid_view_set_model (self->grid_view, grid ? model : NULL);

  /* What was selected stays in sight. */
  selected = gtk_selection_model_get_selection (model);
  if (!gtk_bitset_is_empty (selected))
    gtk_widget_activate_action (view, "list.scroll-to-item", "u", gtk_bitset_get_minimum (selected));
}

void
_haul_window_view_init (HaulWindow *self)
{
  g_autoptr(GPropertyAction) mode = NULL;
  g_autoptr(GSimpleAction) filter = NULL;
  g_autoptr(GSimpleAction) sort = NULL;

  self->filter_group = -1;
  self->sort_model = gtk_sort_list_model_new (g_object_ref (G_LIST_MODEL (self->queue)), NULL);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->sort_model)), NULL);
  self->selection = gtk_multi_selection_new (g_object_ref (G_LIST_MODEL (self->filter_model)));

  haul_preview_set_model (self->preview, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "items-changed",
                           G_CALLBACK (selection_items_changed_cb), self, G_CONNECT_SWAPPED);

  self->view_actions = g_simple_action_group_new ();
  mode = g_property_action_new ("mode", self->settings, "view");
  g_action_map_add_action (G_ACTION_MAP (self->view_actions), G_ACTION (mode));
  filter = g_simple_action_new_stateful ("filter", G_VARIANT_TYPE_STRING, g_variant_new_string ("all"));
  g_signal_connect_object (filter, "change-state", G_CALLBACK (filter_change_state), self, 0);
  g_action_map_add_action (G_ACTION_MAP (self->view_actions), G_ACTION (filter));
  sort = g_simple_action_new_stateful ("sort", G_VARIANT_TYPE_STRING, g_variant_new_string ("added"));
  g_signal_connect_object (sort, "change-state", G_CALLBACK (sort_change_state), self, 0);
  g_action_map_add_action (G_ACTION_MAP (self->view_actions), G_ACTION (sort));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "view", G_ACTION_GROUP (self->view_actions));

  g_signal_connect_object (self->views_stack, "notify::visible-child-name",
                           G_CALLBACK (view_switched_cb), self, G_CONNECT_SWAPPED);
  g_object_bind_property (self->settings, "view", self->views_stack, "visible-child-name",
                          G_BINDING_SYNC_CREATE);
  view_switched_cb (self);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  /* Filtering 20,000 takes a few milliseconds (the views making their
   * rows again takes the rest): answer each key at once. */
  gtk_search_entry_set_search_delay (self->search_entry, 0);

  add_space_shortcut (self, GTK_WIDGET (self->list_view));
  add_space_shortcut (self, GTK_WIDGET (self->grid_view));

  update_selection (self);
}

void
_haul_window_view_dispose (HaulWindow *self)
{
  g_clear_object (&self->launcher_entry);
  g_clear_object (&self->view_actions);
  g_clear_object (&self->selection);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter);
  g_clear_pointer (&self->search_text, g_free);
}

void
_haul_window_class_view_init (HaulWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, preview_closed_cb);

  gtk_widget_class_install_action (widget_class, "win.select-all", NULL, select_all_action);
  gtk_widget_class_install_action (widget_class, "win.download-selected", NULL, download_selected_action);
  gtk_widget_class_install_action (widget_class, "win.retry-selected", NULL, retry_selected_action);
  gtk_widget_class_install_action (widget_class, "win.copy-links", NULL, copy_links_action);
  gtk_widget_class_install_action (widget_class, "win.find", NULL, find_action);
  gtk_widget_class_install_action (widget_class, "win.item-menu", NULL, item_menu_action);
  gtk_widget_class_install_action (widget_class, "win.preview", NULL, preview_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK, "win.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.find", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK, "win.item-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "win.item-menu", NULL);
}
