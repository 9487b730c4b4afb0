/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-window.h"

struct _HaulWindow
{
  AdwApplicationWindow  parent_instance;

  AdwStatusPage        *empty_page;
};

G_DEFINE_FINAL_TYPE (HaulWindow, haul_window, ADW_TYPE_APPLICATION_WINDOW)

static void
haul_window_class_init (HaulWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/haul-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulWindow, empty_page);
}

static void
haul_window_init (HaulWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  adw_status_page_set_icon_name (self->empty_page, APP_ID "-symbolic");

  if (DEVELOPMENT)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

HaulWindow *
haul_window_new (HaulApplication *application)
{
  return g_object_new (HAUL_TYPE_WINDOW,
                       "application", application,
                       NULL);
}
