/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-launch.h"

#if GTK_CHECK_VERSION (4, 10, 0)
# if GDK_VERSION_MAX_ALLOWED >= GDK_VERSION_4_10
#  define HAVE_FILE_LAUNCHER 1
# endif
#endif

static void
report_failure (GtkWidget  *widget,
                const char *message)
{
  /* The window shows this as a toast; without one it is only logged. */
  if (!gtk_widget_activate_action (widget, "win.show-toast", "s", message))
    g_message ("%s", message);
}

#ifdef HAVE_FILE_LAUNCHER
static void
launch_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!gtk_file_launcher_launch_finish (GTK_FILE_LAUNCHER (object), result, &error) &&
      !g_error_matches (error, GTK_DIALOG_ERROR, GTK_DIALOG_ERROR_DISMISSED))
    report_failure (widget, error->message);
}
#else
static void
launch_default_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GtkWidget) widget = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    report_failure (widget, error->message);
}
#endif

void
haul_launch_open_file (GtkWidget  *widget,
                       const char *path)
{
  g_autoptr(GFile) file = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (path == NULL)
    return;

  file = g_file_new_for_path (path);

#ifdef HAVE_FILE_LAUNCHER
  {
    g_autoptr(GtkFileLauncher) launcher = gtk_file_launcher_new (file);
    GtkRoot *root = gtk_widget_get_root (widget);

    gtk_file_launcher_launch (launcher,
                              GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                              NULL, launch_cb, g_object_ref (widget));
  }
#else
  {
    g_autoptr(GdkAppLaunchContext) context = NULL;
    g_autofree char *uri = g_file_get_uri (file);

    context = gdk_display_get_app_launch_context (gtk_widget_get_display (widget));
    g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), NULL,
                                             launch_default_cb, g_object_ref (widget));
  }
#endif
}

typedef struct
{
  GtkWidget *widget;
  char      *path;
} ShowItem;

static void
show_item_free (ShowItem *item)
{
  g_clear_object (&item->widget);
  g_free (item->path);
  g_free (item);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShowItem, show_item_free)

static void
show_folder_fallback (ShowItem *item)
{
  g_autoptr(GFile) file = g_file_new_for_path (item->path);
  g_autoptr(GFile) parent = g_file_get_parent (file);
  g_autofree char *uri = NULL;
  GtkRoot *root;

  if (parent == NULL)
    return;

  /* Without a file manager service, the OpenURI portal (which
   * gtk_show_uri uses inside a sandbox) opens the folder itself. */
  uri = g_file_get_uri (parent);
  root = gtk_widget_get_root (item->widget);
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static void
show_items_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ShowItem) item = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (object), result, &error);
  if (reply == NULL)
    {
      g_debug ("FileManager1.ShowItems failed: %s", error->message);
      show_folder_fallback (item);
    }
}

static void
session_bus_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ShowItem) item = user_data;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  const char *uris[2] = { NULL, NULL };

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      show_folder_fallback (item);
      return;
    }

  file = g_file_new_for_path (item->path);
  uri = g_file_get_uri (file);
  uris[0] = uri;

  g_dbus_connection_call (bus,
                          "org.freedesktop.FileManager1",
                          "/org/freedesktop/FileManager1",
                          "org.freedesktop.FileManager1",
                          "ShowItems",
                          g_variant_new ("(^ass)", uris, ""),
                          NULL,
                          G_DBUS_CALL_FLAGS_NONE,
                          5000,
                          NULL,
                          show_items_cb,
                          g_steal_pointer (&item));
}

void
haul_launch_show_in_folder (GtkWidget  *widget,
                            const char *path)
{
  ShowItem *item;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (path == NULL)
    return;

  item = g_new0 (ShowItem, 1);
  item->widget = g_object_ref (widget);
  item->path = g_strdup (path);

  g_bus_get (G_BUS_TYPE_SESSION, NULL, session_bus_cb, item);
}

static void
load_texture_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GFile *file = task_data;
  GdkTexture *texture;
  GError *error = NULL;

  /* Decoding a full image is slow; gdk_texture_new_from_file is thread-safe. */
  texture = gdk_texture_new_from_file (file, &error);
  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
load_texture_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GtkWidget *widget = GTK_WIDGET (object);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (texture == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not copy the image: %s"), error->message);

      report_failure (widget, message);
      return;
    }

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (widget), texture);
}

void
haul_launch_copy_image (GtkWidget  *widget,
                        const char *path)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (path == NULL)
    return;

  task = g_task_new (widget, NULL, load_texture_cb, NULL);
  g_task_set_source_tag (task, haul_launch_copy_image);
  g_task_set_task_data (task, g_file_new_for_path (path), g_object_unref);
  g_task_run_in_thread (task, load_texture_thread);
}
