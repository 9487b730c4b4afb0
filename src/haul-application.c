/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-application.h"
#include "haul-window.h"

struct _HaulApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (HaulApplication, haul_application, ADW_TYPE_APPLICATION)

static void
haul_application_activate (GApplication *app)
{
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  if (window == NULL)
    window = GTK_WINDOW (haul_window_new (HAUL_APPLICATION (app)));

  gtk_window_present (window);
}

static void
haul_application_quit_action (GSimpleAction *action,
                              GVariant      *parameter,
                              gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "quit", haul_application_quit_action },
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
haul_application_class_init (HaulApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = haul_application_activate;
  app_class->startup = haul_application_startup;
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
