/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "haul-preferences-window-private.h"

G_DEFINE_FINAL_TYPE (HaulPreferencesWindow, haul_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

#define KIBIBYTE 1024
#define MEGABYTE (1024 * 1024)

/* A byte count shown in units of GPOINTER_TO_UINT (@user_data) bytes. */
static gboolean
bytes_to_units (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  g_value_set_double (to, g_value_get_uint64 (from) / (double)GPOINTER_TO_UINT (user_data));
  return TRUE;
}

static gboolean
units_to_bytes (GBinding     *binding,
                const GValue *from,
                GValue       *to,
                gpointer      user_data)
{
  g_value_set_uint64 (to, (guint64)(g_value_get_double (from) * GPOINTER_TO_UINT (user_data)));
  return TRUE;
}

static void
update_folder (HaulPreferencesWindow *self)
{
  g_autoptr(GFile) folder = haul_settings_dup_download_folder_file (self->settings);
  g_autofree char *path = g_file_get_path (folder);
  g_autofree char *display = g_filename_display_name (path);
  const char *home = g_get_home_dir ();
  g_autofree char *shown = NULL;

  /* Home-relative paths are shorter and what file managers show. */
  if (g_str_has_prefix (display, home) && display[strlen (home)] == G_DIR_SEPARATOR)
    shown = g_strconcat ("~", display + strlen (home), NULL);
  else
    shown = g_strdup (display);

  adw_action_row_set_subtitle (self->folder_row, shown);
  gtk_widget_set_visible (GTK_WIDGET (self->folder_reset_button),
                          haul_settings_get_download_folder (self->settings)[0] != '\0');
}

static void
folder_response_cb (HaulPreferencesWindow *self,
                    int                    response,
                    GtkFileChooserNative  *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = folder ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        haul_settings_set_download_folder (self->settings, path);
    }

  g_object_unref (native);
}

static void
folder_clicked_cb (HaulPreferencesWindow *self,
                   GtkButton             *button)
{
  GtkFileChooserNative *native;
  g_autoptr(GFile) current = haul_settings_dup_download_folder_file (self->settings);

  /* Through the portal when sandboxed: the app sees only the chosen folder. */
  native = gtk_file_chooser_native_new (_("Choose the Download Folder"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                        _("_Select"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (native), current, NULL);

  g_signal_connect_object (native, "response", G_CALLBACK (folder_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
folder_reset_clicked_cb (HaulPreferencesWindow *self,
                         GtkButton             *button)
{
  haul_settings_set_download_folder (self->settings, NULL);
}

static void
update_cookies (HaulPreferencesWindow *self)
{
  const char *path = haul_settings_get_cookies_file (self->settings);
  g_autofree char *shown = path[0] != '\0' ? g_filename_display_name (path) : NULL;

  adw_action_row_set_subtitle (self->cookies_row,
                               shown ? shown : _("None: a cookies.txt or Firefox’s cookies.sqlite, only read"));
  gtk_widget_set_visible (GTK_WIDGET (self->cookies_clear_button), shown != NULL);
}

static void
cookies_response_cb (HaulPreferencesWindow *self,
                     int                    response,
                     GtkFileChooserNative  *native)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;

      /* Read by the downloader when a batch starts, off the main thread. */
      if (path != NULL)
        haul_settings_set_cookies_file (self->settings, path);
    }

  g_object_unref (native);
}

static void
cookies_clicked_cb (HaulPreferencesWindow *self,
                    GtkButton             *button)
{
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  /* Through the portal when sandboxed: the app sees only the chosen file. */
  native = gtk_file_chooser_native_new (_("Choose a Cookies File"),
                                        GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN,
                                        _("_Select"),
                                        _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_filter_set_name (filter, _("Cookies (cookies.txt, cookies.sqlite)"));
  gtk_file_filter_add_pattern (filter, "*.txt");
  gtk_file_filter_add_pattern (filter, "*.sqlite");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);

  g_signal_connect_object (native, "response", G_CALLBACK (cookies_response_cb), self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
cookies_clear_clicked_cb (HaulPreferencesWindow *self,
                          GtkButton             *button)
{
  haul_settings_set_cookies_file (self->settings, NULL);
}

static void
haul_preferences_window_dispose (GObject *object)
{
  HaulPreferencesWindow *self = HAUL_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), HAUL_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (haul_preferences_window_parent_class)->dispose (object);
}

static void
haul_preferences_window_class_init (HaulPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = haul_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PATH "/haul-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, folder_row);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, folder_reset_button);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, concurrency_spin);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, start_switch);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, retries_spin);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, timeout_spin);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, max_size_spin);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, any_type_switch);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, per_host_spin);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, delay_spin);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, speed_spin);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, cookies_row);
  gtk_widget_class_bind_template_child (widget_class, HaulPreferencesWindow, cookies_clear_button);
  gtk_widget_class_bind_template_callback (widget_class, cookies_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cookies_clear_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folder_reset_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);
}

static void
haul_preferences_window_init (HaulPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
bind_spin (HaulPreferencesWindow *self,
           const char            *property,
           GtkSpinButton         *spin)
{
  g_object_bind_property (self->settings, property,
                          gtk_spin_button_get_adjustment (spin), "value",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
}

HaulPreferencesWindow *
haul_preferences_window_new (GtkWindow    *parent,
                             HaulSettings *settings)
{
  HaulPreferencesWindow *self;

  g_return_val_if_fail (HAUL_IS_SETTINGS (settings), NULL);

  self = g_object_new (HAUL_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
  self->settings = g_object_ref (settings);

  bind_spin (self, "concurrent-downloads", self->concurrency_spin);
  bind_spin (self, "retries", self->retries_spin);
  bind_spin (self, "timeout", self->timeout_spin);
  g_object_bind_property_full (settings, "max-size",
                               gtk_spin_button_get_adjustment (self->max_size_spin), "value",
                               G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL,
                               bytes_to_units, units_to_bytes,
                               GUINT_TO_POINTER (MEGABYTE), NULL);
  g_object_bind_property (settings, "start-immediately", self->start_switch, "active",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  g_object_bind_property (settings, "accept-any-type", self->any_type_switch, "active",
                          G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);

  g_signal_connect_object (settings, "notify::download-folder",
                           G_CALLBACK (update_folder), self, G_CONNECT_SWAPPED);
  update_folder (self);

  bind_spin (self, "per-host", self->per_host_spin);
  bind_spin (self, "delay", self->delay_spin);
  g_object_bind_property_full (settings, "limit-rate",
                               gtk_spin_button_get_adjustment (self->speed_spin), "value",
                               G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL,
                               bytes_to_units, units_to_bytes,
                               GUINT_TO_POINTER (KIBIBYTE), NULL);
  g_signal_connect_object (settings, "notify::cookies-file",
                           G_CALLBACK (update_cookies), self, G_CONNECT_SWAPPED);
  update_cookies (self);

  return self;
}
