/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "haul-item-actions.h"
#include "haul-launch.h"

static HaulDownload *
dup_item (GtkWidget *widget)
{
  HaulDownload *item = NULL;

  g_object_get (widget, "item", &item, NULL);

  return item;
}

static void
item_open (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  g_autoptr(HaulDownload) item = dup_item (widget);

  if (item != NULL)
    haul_launch_open_file (widget, haul_download_get_file_path (item));
}

static void
item_show_in_folder (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  g_autoptr(HaulDownload) item = dup_item (widget);

  if (item != NULL)
    haul_launch_show_in_folder (widget, haul_download_get_file_path (item));
}

static void
item_copy_url (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  g_autoptr(HaulDownload) item = dup_item (widget);

  if (item != NULL)
    gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), haul_download_get_url (item));
}

static void
item_copy_image (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  g_autoptr(HaulDownload) item = dup_item (widget);

  if (item != NULL)
    haul_launch_copy_image (widget, haul_download_get_file_path (item));
}

static void
item_cancel (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  g_autoptr(HaulDownload) item = dup_item (widget);

  if (item != NULL)
    haul_download_cancel (item);
}

/* Retrying and removing change the list, which the window owns. */
static void
item_forward_to_window (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  g_autoptr(HaulDownload) item = dup_item (widget);

  if (item == NULL)
    return;

  if (g_str_equal (action_name, "row.retry"))
    gtk_widget_activate_action (widget, "win.retry-url", "s", haul_download_get_url (item));
  else
    gtk_widget_activate_action (widget, "win.remove-url", "s", haul_download_get_url (item));
}

void
haul_item_actions_install (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "row.open", NULL, item_open);
  gtk_widget_class_install_action (widget_class, "row.show-in-folder", NULL, item_show_in_folder);
  gtk_widget_class_install_action (widget_class, "row.copy-url", NULL, item_copy_url);
  gtk_widget_class_install_action (widget_class, "row.copy-image", NULL, item_copy_image);
  gtk_widget_class_install_action (widget_class, "row.retry", NULL, item_forward_to_window);
  gtk_widget_class_install_action (widget_class, "row.cancel", NULL, item_cancel);
  gtk_widget_class_install_action (widget_class, "row.remove", NULL, item_forward_to_window);
}

void
haul_item_actions_update (GtkWidget    *widget,
                          HaulDownload *item)
{
  HaulDownloadState state = haul_download_get_state (item);

  gtk_widget_action_set_enabled (widget, "row.open", state == HAUL_DOWNLOAD_DONE);
  gtk_widget_action_set_enabled (widget, "row.show-in-folder", state == HAUL_DOWNLOAD_DONE);
  gtk_widget_action_set_enabled (widget, "row.copy-image", state == HAUL_DOWNLOAD_DONE);
  gtk_widget_action_set_enabled (widget, "row.retry",
                                 state == HAUL_DOWNLOAD_FAILED || state == HAUL_DOWNLOAD_CANCELLED);
  gtk_widget_action_set_enabled (widget, "row.cancel",
                                 state == HAUL_DOWNLOAD_CONNECTING || state == HAUL_DOWNLOAD_DOWNLOADING);
}

/* Most items never open their menu: build it on first use. */
static void
create_popup_cb (GtkMenuButton *button,
                 gpointer       user_data)
{
  g_autoptr(GtkBuilder) builder = NULL;

  builder = gtk_builder_new_from_resource (RESOURCE_PATH "/haul-download-row-menu.ui");
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (gtk_builder_get_object (builder, "row_menu")));
}

/* A right click anywhere on the item opens the same menu as its button. */
static void
secondary_pressed_cb (GtkGesture    *gesture,
                      int            n_press,
                      double         x,
                      double         y,
                      GtkMenuButton *menu_button)
{
  g_autoptr(HaulDownload) item = dup_item (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture)));

  if (item == NULL)
    return;

  gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_CLAIMED);
  gtk_menu_button_popup (menu_button);
}

void
haul_item_actions_set_up_menu (GtkWidget     *widget,
                               GtkMenuButton *menu_button)
{
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_menu_button_set_create_popup_func (menu_button, create_popup_cb, NULL, NULL);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (secondary_pressed_cb), menu_button);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
}
