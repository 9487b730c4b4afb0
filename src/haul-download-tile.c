/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-download-tile-private.h"
#include "haul-item-actions.h"

G_DEFINE_FINAL_TYPE (HaulDownloadTile, haul_download_tile, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
state_text (HaulDownload *item)
{
  switch (haul_download_get_state (item))
    {
    case HAUL_DOWNLOAD_QUEUED:
      return _("Queued");
    case HAUL_DOWNLOAD_CONNECTING:
      return _("Connecting…");
    case HAUL_DOWNLOAD_DOWNLOADING:
      return _("Downloading");
    case HAUL_DOWNLOAD_DONE:
      return _("Done");
    case HAUL_DOWNLOAD_FAILED:
      return _("Failed");
    case HAUL_DOWNLOAD_CANCELLED:
      return _("Cancelled");
    case HAUL_DOWNLOAD_SKIPPED:
      return _("Skipped");
    default:
      return "";
    }
}

/* What a screen reader says for the tile: the picture alone says nothing. */
static void
update_accessible (HaulDownloadTile *self)
{
  g_autoptr(GString) text = g_string_new (haul_download_get_display_name (self->item));
  guint64 received = haul_download_get_bytes_received (self->item);

  g_string_append (text, ", ");
  g_string_append (text, state_text (self->item));
  if (received > 0)
    {
      g_autofree char *size = g_format_size (received);

      g_string_append (text, ", ");
      g_string_append (text, size);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text->str,
                                  -1);
}

/* A texture only while the tile shows the item: see update_thumbnail in
 * haul-download-row.c. */
static void
update_thumbnail (HaulDownloadTile *self)
{
  GdkPixbuf *pixbuf = haul_download_get_thumbnail (self->item);
  g_autoptr(GdkTexture) texture = pixbuf != NULL ? gdk_texture_new_for_pixbuf (pixbuf) : NULL;

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->picture), texture != NULL);
}

static void
update_state (HaulDownloadTile *self)
{
  HaulDownloadState state = haul_download_get_state (self->item);
  const char *badge = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "error");

  if (state == HAUL_DOWNLOAD_DONE)
    {
      badge = "object-select-symbolic";
      gtk_widget_add_css_class (GTK_WIDGET (self->badge), "success");
    }
  else if (state == HAUL_DOWNLOAD_FAILED)
    {
      badge = "dialog-error-symbolic";
      gtk_widget_add_css_class (GTK_WIDGET (self->badge), "error");
    }

  if (badge != NULL)
    gtk_image_set_from_icon_name (self->badge, badge);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), badge != NULL);

  gtk_image_set_from_icon_name (self->placeholder,
                                state == HAUL_DOWNLOAD_FAILED ? "image-missing-symbolic"
                                                              : "image-x-generic-symbolic");
  haul_item_actions_update (GTK_WIDGET (self), self->item);
}

static void
update_progress (HaulDownloadTile *self)
{
  HaulDownloadState state = haul_download_get_state (self->item);
  gboolean active = state == HAUL_DOWNLOAD_CONNECTING || state == HAUL_DOWNLOAD_DOWNLOADING;

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), active);
  if (!active)
    return;

  if (haul_download_get_total_bytes (self->item) > 0)
    gtk_progress_bar_set_fraction (self->progress_bar, haul_download_get_fraction (self->item));
  else
    gtk_progress_bar_pulse (self->progress_bar);
}

static void
update_name (HaulDownloadTile *self)
{
  gtk_label_set_label (self->name_label, haul_download_get_display_name (self->item));
}

static void
item_notify_cb (HaulDownloadTile *self,
                GParamSpec       *pspec,
                HaulDownload     *item)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "thumbnail"))
    update_thumbnail (self);
  else if (g_str_equal (name, "file-name"))
    {
      update_name (self);
      update_accessible (self);
    }
  else if (g_str_equal (name, "state"))
    {
      update_state (self);
      update_progress (self);
      update_accessible (self);
    }
  else if (g_str_equal (name, "fraction") || g_str_equal (name, "total-bytes"))
    update_progress (self);
  else if (g_str_equal (name, "bytes-received") && haul_download_is_finished (item))
    update_accessible (self);
}

static void
haul_download_tile_dispose (GObject *object)
{
  HaulDownloadTile *self = HAUL_DOWNLOAD_TILE (object);
  GtkWidget *child;

  haul_download_tile_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAUL_TYPE_DOWNLOAD_TILE);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (haul_download_tile_parent_class)->dispose (object);
}

static void
haul_download_tile_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  HaulDownloadTile *self = HAUL_DOWNLOAD_TILE (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_download_tile_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  HaulDownloadTile *self = HAUL_DOWNLOAD_TILE (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      haul_download_tile_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_download_tile_class_init (HaulDownloadTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = haul_download_tile_dispose;
  object_class->get_property = haul_download_tile_get_property;
  object_class->set_property = haul_download_tile_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         HAUL_TYPE_DOWNLOAD,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/haul-download-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadTile, placeholder);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadTile, picture);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadTile, badge);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadTile, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadTile, menu_button);

  haul_item_actions_install (widget_class);

  gtk_widget_class_set_css_name (widget_class, "haul-download-tile");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
haul_download_tile_init (HaulDownloadTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  haul_item_actions_set_up_menu (GTK_WIDGET (self), GTK_MENU_BUTTON (self->menu_button));
}

GtkWidget *
haul_download_tile_new (void)
{
  return g_object_new (HAUL_TYPE_DOWNLOAD_TILE, NULL);
}

HaulDownload *
haul_download_tile_get_item (HaulDownloadTile *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD_TILE (self), NULL);

  return self->item;
}

void
haul_download_tile_set_item (HaulDownloadTile *self,
                             HaulDownload     *item)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD_TILE (self));
  g_return_if_fail (item == NULL || HAUL_IS_DOWNLOAD (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->item);
      haul_download_release_thumbnail (self->item);
    }

  g_set_object (&self->item, item);

  if (item != NULL)
    {
      haul_download_hold_thumbnail (item, HAUL_THUMBNAIL_SIZE);
      self->notify_id = g_signal_connect_object (item, "notify",
                                                 G_CALLBACK (item_notify_cb), self,
                                                 G_CONNECT_SWAPPED);
      update_name (self);
      update_state (self);
      update_progress (self);
      update_thumbnail (self);
      update_accessible (self);
    }
  else
    gtk_picture_set_paintable (self->picture, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
