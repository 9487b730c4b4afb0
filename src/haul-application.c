/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-application.h"
#include "haul-window.h"

struct _HaulApplication
{
  AdwApplication parent_instance;

  guint          quit_timeout_id;
};

G_DEFINE_FINAL_TYPE (HaulApplication, haul_application, ADW_TYPE_APPLICATION)

static GtkWindow *
get_window (GApplication *app)
{
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (haul_window_new (HAUL_APPLICATION (app)));

  return window;
}

static void
haul_application_activate (GApplication *app)
{
  gtk_window_present (get_window (app));
}

/* `haul FILE…`, `haul URL…` and Open With all add to the open window. */
static void
haul_application_open (GApplication  *app,
                       GFile        **files,
                       int            n_files,
                       const char    *hint)
{
  GtkWindow *window = get_window (app);

  haul_window_add_files (HAUL_WINDOW (window), files, n_files);
  gtk_window_present (window);
}

static gboolean
quit_timeout_cb (gpointer user_data)
{
  HaulApplication *self = user_data;

  self->quit_timeout_id = 0;
  g_application_quit (G_APPLICATION (self));

  return G_SOURCE_REMOVE;
}

/* Closing every window cancels its downloads; a window's running batches
 * hold the application until their workers have stopped and removed their
 * temporary files, and the application ends once the last one lets go. */
static void
haul_application_quit_action (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  HaulApplication *self = user_data;
  GApplication *app = G_APPLICATION (self);
  GList *windows;

  windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (app)),
                              (GCopyFunc)g_object_ref, NULL);

  for (const GList *l = windows; l != NULL; l = l->next)
    {
      if (HAUL_IS_WINDOW (l->data))
        gtk_window_close (l->data);
      gtk_window_destroy (l->data);
    }

  g_list_free_full (windows, g_object_unref);

  /* Workers stop within a second; a stuck one does not keep Haul open. */
  if (self->quit_timeout_id == 0)
    self->quit_timeout_id = g_timeout_add_seconds (5, quit_timeout_cb, self);
}

static void
haul_application_about_action (GSimpleAction *action,
                               GVariant      *parameter,
                               gpointer       user_data)
{
  static const char *developers[] = { "The Haul developers", NULL };
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (app);
  GtkIconTheme *theme = gtk_icon_theme_get_for_display (gdk_display_get_default ());
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "application-name", _("Haul"),
                        /* Installed, the icon is in the theme; run from the
                         * build tree, the one in the resources stands in. */
                        "application-icon", gtk_icon_theme_has_icon (theme, APP_ID) ? APP_ID : "haul",
                        "version", PACKAGE_VERSION,
                        "comments", _("Download many images at once"),
                        "developer-name", _("The Haul developers"),
                        "developers", developers,
                        "website", "https://github.com/haul/haul",
                        "issue-url", "https://github.com/haul/haul/issues",
                        "copyright", _("© The Haul developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        /* TRANSLATORS: your name and email, one translator per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static const GActionEntry app_actions[] = {
  { "quit", haul_application_quit_action },
  { "about", haul_application_about_action },
};

static void
haul_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS (haul_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
}

static void
haul_application_shutdown (GApplication *app)
{
  HaulApplication *self = HAUL_APPLICATION (app);

  g_clear_handle_id (&self->quit_timeout_id, g_source_remove);

  G_APPLICATION_CLASS (haul_application_parent_class)->shutdown (app);
}

static void
haul_application_class_init (HaulApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = haul_application_activate;
  app_class->open = haul_application_open;
  app_class->startup = haul_application_startup;
  app_class->shutdown = haul_application_shutdown;
}

static void
haul_application_init (HaulApplication *self)
{
}

HaulApplication *
haul_application_new (void)
{
  return g_object_new (HAUL_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_PATH,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       NULL);
}
