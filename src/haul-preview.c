/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-item-actions.h"
#include "haul-preview.h"

/* Large enough for a full-screen window at scale 2 without holding a
 * 100-megapixel photo in memory. */
#define MAX_PREVIEW_SIZE 2048

struct _HaulPreview
{
  GtkWidget          parent_instance;

  GtkStack          *stack;
  GtkPicture        *picture;
  GtkImage          *placeholder;
  GtkLabel          *caption;

  GtkSelectionModel *model;
  HaulDownload      *item;       /* shown, its thumbnail held */
  guint              position;
  gulong             notify_id;
  GCancellable      *cancellable;
  gboolean           full_size;
};

G_DEFINE_FINAL_TYPE (HaulPreview, haul_preview, GTK_TYPE_WIDGET)

enum {
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void show_item (HaulPreview *self);

static void
set_texture (HaulPreview *self,
             GdkPixbuf   *pixbuf)
{
  g_autoptr(GdkTexture) texture = pixbuf != NULL ? gdk_texture_new_for_pixbuf (pixbuf) : NULL;

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child_name (self->stack, texture != NULL ? "picture" : "none");
}

static void
load_image_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HaulPreview) self = user_data;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  pixbuf = haul_download_load_image_finish (HAUL_DOWNLOAD (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || HAUL_DOWNLOAD (object) != self->item)
    return;

  if (pixbuf != NULL)
    {
      self->full_size = TRUE;
      set_texture (self, pixbuf);
    }
}

static void
update_caption (HaulPreview *self)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  const char *name = haul_download_get_file_name (self->item);
  int width = haul_download_get_width (self->item);
  int height = haul_download_get_height (self->item);
  guint64 received = haul_download_get_bytes_received (self->item);

  g_ptr_array_add (parts, g_strdup (name != NULL && name[0] != '\0' ? name : haul_download_get_url (self->item)));
  if (width > 0 && height > 0)
    /* TRANSLATORS: image dimensions in pixels, width × height */
    g_ptr_array_add (parts, g_strdup_printf (_("%d × %d"), width, height));
  if (received > 0)
    g_ptr_array_add (parts, g_format_size (received));
  g_ptr_array_add (parts, NULL);

  text = g_strjoinv (" · ", (char **)parts->pdata);
  gtk_label_set_label (self->caption, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text,
                                  -1);
}

static guint
preview_size (HaulPreview *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int scale = gtk_widget_get_scale_factor (widget);
  int size = MAX (gtk_widget_get_width (widget), gtk_widget_get_height (widget));

  if (size <= 0)
    {
      GtkRoot *root = gtk_widget_get_root (widget);

      size = root != NULL ? MAX (gtk_widget_get_width (GTK_WIDGET (root)),
                                 gtk_widget_get_height (GTK_WIDGET (root))) : 1024;
    }

  return CLAMP (size * scale, 256, MAX_PREVIEW_SIZE);
}

/* The thumbnail at once, then the large picture when the worker made it. */
static void
load_item (HaulPreview *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  self->full_size = FALSE;
  set_texture (self, haul_download_get_thumbnail (self->item));
  gtk_image_set_from_icon_name (self->placeholder,
                                haul_download_get_state (self->item) == HAUL_DOWNLOAD_FAILED
                                  ? "image-missing-symbolic" : "image-x-generic-symbolic");
  update_caption (self);

  if (haul_download_get_state (self->item) != HAUL_DOWNLOAD_DONE)
    return;

  self->cancellable = g_cancellable_new ();
  haul_download_load_image_async (self->item, preview_size (self), self->cancellable,
                                  load_image_cb, g_object_ref (self));
}

static void
item_notify_cb (HaulPreview  *self,
                GParamSpec   *pspec,
                HaulDownload *item)
{
  if (g_str_equal (pspec->name, "state"))
    load_item (self);
  else if (g_str_equal (pspec->name, "thumbnail") && !self->full_size)
    set_texture (self, haul_download_get_thumbnail (item));
}

static void
set_item (HaulPreview  *self,
          HaulDownload *item)
{
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
      self->notify_id = g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb),
                                                 self, G_CONNECT_SWAPPED);
    }
}

static void
show_item (HaulPreview *self)
{
  g_autoptr(HaulDownload) item = g_list_model_get_item (G_LIST_MODEL (self->model), self->position);

  if (item == NULL)
    {
      haul_preview_close (self);
      return;
    }

  set_item (self, item);
  load_item (self);

  /* Closing leaves the view where the preview was. */
  gtk_selection_model_select_item (self->model, self->position, TRUE);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.previous", self->position > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "preview.next",
                                 self->position + 1 < g_list_model_get_n_items (G_LIST_MODEL (self->model)));
}

static void
preview_move (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  HaulPreview *self = HAUL_PREVIEW (widget);
  guint n = self->model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;

  if (!haul_preview_is_open (self))
    return;

  if (g_str_equal (action_name, "preview.next") && self->position + 1 < n)
    self->position++;
  else if (g_str_equal (action_name, "preview.previous") && self->position > 0)
    self->position--;
  else
    return;

  show_item (self);
}

static void
preview_close (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  haul_preview_close (HAUL_PREVIEW (widget));
}

static void
haul_preview_dispose (GObject *object)
{
  HaulPreview *self = HAUL_PREVIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_item (self, NULL);
  g_clear_object (&self->model);

  gtk_widget_dispose_template (GTK_WIDGET (self), HAUL_TYPE_PREVIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (haul_preview_parent_class)->dispose (object);
}

static void
haul_preview_class_init (HaulPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = haul_preview_dispose;

  signals[CLOSED] =
    g_signal_new ("closed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/haul-preview.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulPreview, stack);
  gtk_widget_class_bind_template_child (widget_class, HaulPreview, picture);
  gtk_widget_class_bind_template_child (widget_class, HaulPreview, placeholder);
  gtk_widget_class_bind_template_child (widget_class, HaulPreview, caption);

  gtk_widget_class_install_action (widget_class, "preview.previous", NULL, preview_move);
  gtk_widget_class_install_action (widget_class, "preview.next", NULL, preview_move);
  gtk_widget_class_install_action (widget_class, "preview.close", NULL, preview_close);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "preview.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "preview.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "preview.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "preview.close", NULL);

  gtk_widget_class_set_css_name (widget_class, "haul-preview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
haul_preview_init (HaulPreview *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
haul_preview_new (void)
{
  return g_object_new (HAUL_TYPE_PREVIEW, NULL);
}

void
haul_preview_set_model (HaulPreview       *self,
                        GtkSelectionModel *model)
{
  g_return_if_fail (HAUL_IS_PREVIEW (self));

  g_set_object (&self->model, model);
}

void
haul_preview_open (HaulPreview *self,
                   guint        position)
{
  g_return_if_fail (HAUL_IS_PREVIEW (self));
  g_return_if_fail (self->model != NULL);

  if (position >= g_list_model_get_n_items (G_LIST_MODEL (self->model)))
    return;

  self->position = position;
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  show_item (self);
  gtk_widget_grab_focus (GTK_WIDGET (self));
}

void
haul_preview_close (HaulPreview *self)
{
  g_return_if_fail (HAUL_IS_PREVIEW (self));

  if (!haul_preview_is_open (self))
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_item (self, NULL);
  gtk_picture_set_paintable (self->picture, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_signal_emit (self, signals[CLOSED], 0);
}

gboolean
haul_preview_is_open (HaulPreview *self)
{
  g_return_val_if_fail (HAUL_IS_PREVIEW (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self));
}

guint
haul_preview_get_position (HaulPreview *self)
{
  g_return_val_if_fail (HAUL_IS_PREVIEW (self), 0);

  return self->position;
}

HaulDownload *
haul_preview_get_item (HaulPreview *self)
{
  g_return_val_if_fail (HAUL_IS_PREVIEW (self), NULL);

  return self->item;
}

gboolean
haul_preview_is_full_size (HaulPreview *self)
{
  g_return_val_if_fail (HAUL_IS_PREVIEW (self), FALSE);

  return self->full_size;
}

GdkPaintable *
haul_preview_get_paintable (HaulPreview *self)
{
  g_return_val_if_fail (HAUL_IS_PREVIEW (self), NULL);

  return gtk_picture_get_paintable (self->picture);
}
