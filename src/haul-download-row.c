/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-animation.h"
#include "haul-download-row-private.h"
#include "haul-item-actions.h"

G_DEFINE_FINAL_TYPE (HaulDownloadRow, haul_download_row, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
dup_host (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;

  return g_strdup (g_uri_get_host (uri));
}

/* The row makes a texture of the thumbnail while it shows the item, and
 * drops it with the item: thousands of rows never hold thousands. */
static void
update_thumbnail (HaulDownloadRow *self)
{
  HaulDownloadState state = haul_download_get_state (self->item);
  GdkPixbuf *pixbuf = haul_download_get_thumbnail (self->item);
  g_autoptr(GdkTexture) texture = pixbuf != NULL ? gdk_texture_new_for_pixbuf (pixbuf) : NULL;

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (self->picture), texture != NULL);
  /* A transparent thumbnail must not show the placeholder through it. */
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), texture == NULL);
  gtk_widget_set_visible (self->animated_badge, haul_download_get_animated (self->item));

  if (state == HAUL_DOWNLOAD_FAILED)
    gtk_image_set_from_icon_name (self->placeholder, "image-missing-symbolic");
  else if (haul_download_get_is_page (self->item))
    gtk_image_set_from_icon_name (self->placeholder, "text-html-symbolic");
  else
    gtk_image_set_from_icon_name (self->placeholder, "image-x-generic-symbolic");
}

/* Stops playing, and shows the thumbnail again. */
static void
stop_animation (HaulDownloadRow *self)
{
  g_cancellable_cancel (self->animation_cancellable);
  g_clear_object (&self->animation_cancellable);
  g_clear_handle_id (&self->animation_source, g_source_remove);
  g_clear_pointer (&self->animation_frames, g_ptr_array_unref);
  g_clear_pointer (&self->animation_textures, g_ptr_array_unref);
  self->animation_index = 0;

  if (self->item != NULL)
    update_thumbnail (self);
}

static gboolean
next_frame_cb (gpointer user_data)
{
  HaulDownloadRow *self = user_data;
  HaulAnimationFrame *frame;

  self->animation_index = (self->animation_index + 1) % self->animation_textures->len;
  gtk_picture_set_paintable (self->picture, g_ptr_array_index (self->animation_textures, self->animation_index));

  frame = g_ptr_array_index (self->animation_frames, self->animation_index);
  self->animation_source = g_timeout_add (frame->delay_ms, next_frame_cb, self);
  return G_SOURCE_REMOVE;
}

static void
animation_loaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(HaulDownloadRow) self = user_data;
  g_autoptr(GPtrArray) frames = haul_animation_load_finish (result, NULL);
  HaulAnimationFrame *first;

  /* Gone, or the pointer left: nothing to play. */
  if (frames == NULL || frames->len < 2 || self->animation_cancellable == NULL
      || g_cancellable_is_cancelled (self->animation_cancellable))
    return;

  self->animation_textures = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < frames->len; i++)
    {
      HaulAnimationFrame *frame = g_ptr_array_index (frames, i);

      g_ptr_array_add (self->animation_textures, gdk_texture_new_for_pixbuf (frame->pixbuf));
    }
  self->animation_frames = g_steal_pointer (&frames);

  self->animation_index = 0;
  gtk_picture_set_paintable (self->picture, g_ptr_array_index (self->animation_textures, 0));
  first = g_ptr_array_index (self->animation_frames, 0);
  self->animation_source = g_timeout_add (first->delay_ms, next_frame_cb, self);
}

/* Only a finished animation whose frames fit the memory budget plays. */
static void
hover_enter_cb (HaulDownloadRow *self,
                double           x,
                double           y)
{
  HaulDownload *item = self->item;

  if (item == NULL || self->animation_cancellable != NULL
      || haul_download_get_state (item) != HAUL_DOWNLOAD_DONE
      || !haul_download_get_animated (item)
      || haul_download_get_file_path (item) == NULL
      || haul_download_get_content_type (item) == NULL
      || !haul_animation_fits_budget (haul_download_get_width (item), haul_download_get_height (item),
                                      haul_download_get_frames (item)))
    return;

  self->animation_cancellable = g_cancellable_new ();
  haul_animation_load_async (haul_download_get_file_path (item), haul_download_get_content_type (item),
                             haul_download_get_frames (item), HAUL_THUMBNAIL_SIZE,
                             self->animation_cancellable, animation_loaded_cb, g_object_ref (self));
}

static void
hover_leave_cb (HaulDownloadRow *self)
{
  stop_animation (self);
}

static void
update_title (HaulDownloadRow *self)
{
  const char *name = haul_download_get_file_name (self->item);

  /* A web page shows its title. */
  if (haul_download_get_is_page (self->item))
    name = haul_download_get_page_title (self->item);

  if (name == NULL || name[0] == '\0')
    name = haul_download_get_url (self->item);

  gtk_label_set_label (self->title_label, name);
}

static void
update_details (HaulDownloadRow *self)
{
  HaulDownloadState state = haul_download_get_state (self->item);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  char *host = dup_host (haul_download_get_url (self->item));
  guint64 received = haul_download_get_bytes_received (self->item);
  gint64 total = haul_download_get_total_bytes (self->item);
  int width = haul_download_get_width (self->item);
  int height = haul_download_get_height (self->item);
  guint frames = haul_download_get_frames (self->item);

  if (host != NULL)
    g_ptr_array_add (parts, host);

  if (state == HAUL_DOWNLOAD_DOWNLOADING && total > 0)
    {
      g_autofree char *got = g_format_size (received);
      g_autofree char *all = g_format_size (total);

      /* TRANSLATORS: bytes received so far, of the whole size: "1.2 MB of 3.4 MB" */
      g_ptr_array_add (parts, g_strdup_printf (_("%s of %s"), got, all));
    }
  else if (received > 0)
    g_ptr_array_add (parts, g_format_size (received));

  if (width > 0 && height > 0)
    /* TRANSLATORS: image dimensions in pixels, width × height */
    g_ptr_array_add (parts, g_strdup_printf (_("%d × %d"), width, height));

  if (frames > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("animated, %u frame",
                                                          "animated, %u frames", frames),
                                             frames));
  else if (haul_download_get_animated (self->item))
    g_ptr_array_add (parts, g_strdup (_("animated")));

  g_ptr_array_add (parts, NULL);
  text = g_strjoinv (" · ", (char **)parts->pdata);
  gtk_label_set_label (self->details_label, text);
}

static void
update_progress (HaulDownloadRow *self)
{
  HaulDownloadState state = haul_download_get_state (self->item);
  gboolean active = state == HAUL_DOWNLOAD_CONNECTING || state == HAUL_DOWNLOAD_DOWNLOADING;
  double fraction = haul_download_get_fraction (self->item);
  gboolean known = haul_download_get_total_bytes (self->item) > 0;

  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), active);
  if (!active)
    return;

  if (known)
    gtk_progress_bar_set_fraction (self->progress_bar, fraction);
  else
    gtk_progress_bar_pulse (self->progress_bar);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->progress_bar),
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MIN, 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_MAX, 100.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_NOW, known ? fraction * 100.0 : 0.0,
                                  GTK_ACCESSIBLE_PROPERTY_VALUE_TEXT,
                                  gtk_label_get_label (self->status_label),
                                  -1);
}

static gboolean
refused_by_site (HaulDownload *item)
{
  return haul_download_get_state (item) == HAUL_DOWNLOAD_FAILED &&
         haul_download_get_http_status (item) == 403;
}

static void
update_status (HaulDownloadRow *self)
{
  HaulDownloadState state = haul_download_get_state (self->item);
  g_autofree char *status = NULL;
  g_autofree char *time = NULL;
  const char *error;

  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");

  switch (state)
    {
    case HAUL_DOWNLOAD_QUEUED:
      status = g_strdup (_("Queued"));
      break;
    case HAUL_DOWNLOAD_CONNECTING:
      status = g_strdup (_("Connecting…"));
      break;
    case HAUL_DOWNLOAD_DOWNLOADING:
      if (haul_download_get_total_bytes (self->item) > 0)
        /* TRANSLATORS: progress of one download, in percent */
        status = g_strdup_printf (_("%d %%"), (int)(haul_download_get_fraction (self->item) * 100.0));
      else
        status = g_format_size (haul_download_get_bytes_received (self->item));
      break;
    case HAUL_DOWNLOAD_DONE:
      if (haul_download_get_is_page (self->item))
        /* TRANSLATORS: a web page that was read: "37 images" */
        status = g_strdup_printf (ngettext ("%u image", "%u images",
                                            haul_download_get_n_images (self->item)),
                                  haul_download_get_n_images (self->item));
      else
        status = g_strdup (_("Done"));
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "success");
      break;
    case HAUL_DOWNLOAD_FAILED:
      error = haul_download_get_error_message (self->item);
      if (refused_by_site (self->item))
        /* TRANSLATORS: a download that failed with HTTP 403 Forbidden */
        status = g_strdup_printf (_("Refused by the site: %s"), error ? error : "HTTP 403");
      else
        /* TRANSLATORS: a download that failed, and why */
        status = g_strdup_printf (_("Failed: %s"), error ? error : _("unknown error"));
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
      break;
    case HAUL_DOWNLOAD_CANCELLED:
      status = g_strdup (_("Cancelled"));
      break;
    case HAUL_DOWNLOAD_SKIPPED:
      status = g_strdup (_("Skipped"));
      break;
    default:
      status = g_strdup ("");
    }

  gtk_label_set_label (self->status_label, status);

  if (haul_download_is_finished (self->item) && state != HAUL_DOWNLOAD_SKIPPED &&
      haul_download_get_seconds (self->item) >= 0)
    /* TRANSLATORS: how long one download took, in seconds */
    time = g_strdup_printf (_("%.2f s"), haul_download_get_seconds (self->item));

  gtk_label_set_label (self->time_label, time ? time : "");
}

static void
update_actions (HaulDownloadRow *self)
{
  haul_item_actions_update (GTK_WIDGET (self), self->item);
  /* A site that refused once (after the other Referer too) may let a later
   * try through, say after logging in: Retry is offered on the row itself. */
  gtk_widget_set_visible (self->retry_button, refused_by_site (self->item));
}

static void
update_all (HaulDownloadRow *self)
{
  update_title (self);
  update_status (self);
  update_actions (self);
  update_details (self);
  update_progress (self);
  update_thumbnail (self);
}

/* Tooltips are computed when asked for: setting one eagerly costs a round
 * trip to the display server, for each of thousands of updates. */
static gboolean
title_query_tooltip_cb (HaulDownloadRow *self,
                        int              x,
                        int              y,
                        gboolean         keyboard,
                        GtkTooltip      *tooltip,
                        GtkWidget       *label)
{
  if (self->item == NULL)
    return FALSE;

  gtk_tooltip_set_text (tooltip, haul_download_get_url (self->item));
  return TRUE;
}

static gboolean
status_query_tooltip_cb (HaulDownloadRow *self,
                         int              x,
                         int              y,
                         gboolean         keyboard,
                         GtkTooltip      *tooltip,
                         GtkWidget       *label)
{
  if (self->item == NULL || haul_download_get_state (self->item) != HAUL_DOWNLOAD_FAILED)
    return FALSE;

  gtk_tooltip_set_text (tooltip, gtk_label_get_label (self->status_label));
  return TRUE;
}

static gboolean
menu_query_tooltip_cb (HaulDownloadRow *self,
                       int              x,
                       int              y,
                       gboolean         keyboard,
                       GtkTooltip      *tooltip,
                       GtkWidget       *button)
{
  gtk_tooltip_set_text (tooltip, _("Image Actions"));
  return TRUE;
}

static void
item_notify_cb (HaulDownloadRow *self,
                GParamSpec      *pspec,
                HaulDownload    *item)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "file-name") || g_str_equal (name, "page-title"))
    update_title (self);
  else if (g_str_equal (name, "n-images") || g_str_equal (name, "is-page"))
    {
      update_title (self);
      update_status (self);
      update_thumbnail (self);
    }
  else if (g_str_equal (name, "thumbnail"))
    update_thumbnail (self);
  else if (g_str_equal (name, "state"))
    {
      if (haul_download_get_state (item) != HAUL_DOWNLOAD_DONE)
        stop_animation (self);
      update_status (self);
      update_actions (self);
      update_details (self);
      update_progress (self);
      update_thumbnail (self);
    }
  else if (g_str_equal (name, "bytes-received") ||
           g_str_equal (name, "total-bytes") ||
           g_str_equal (name, "fraction"))
    {
      /* Several of these arrive together; the labels are cheap to set and
       * GTK redraws once per frame anyway. */
      update_status (self);
      update_details (self);
      update_progress (self);
    }
  else if (g_str_equal (name, "width") ||
           g_str_equal (name, "height") ||
           g_str_equal (name, "frames"))
    update_details (self);
  else if (g_str_equal (name, "animated"))
    {
      update_details (self);
      update_thumbnail (self);
    }
  else if (g_str_equal (name, "seconds") ||
           g_str_equal (name, "error-message"))
    update_status (self);
}

static void
haul_download_row_dispose (GObject *object)
{
  HaulDownloadRow *self = HAUL_DOWNLOAD_ROW (object);

  GtkWidget *child;

  haul_download_row_set_item (self, NULL);
  stop_animation (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), HAUL_TYPE_DOWNLOAD_ROW);

  /* The boxes that hold the bound children are ours to drop too. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (haul_download_row_parent_class)->dispose (object);
}

static void
haul_download_row_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  HaulDownloadRow *self = HAUL_DOWNLOAD_ROW (object);

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
haul_download_row_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  HaulDownloadRow *self = HAUL_DOWNLOAD_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      haul_download_row_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_download_row_class_init (HaulDownloadRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = haul_download_row_dispose;
  object_class->get_property = haul_download_row_get_property;
  object_class->set_property = haul_download_row_set_property;

  properties[PROP_ITEM] =
    g_param_spec_object ("item", NULL, NULL,
                         HAUL_TYPE_DOWNLOAD,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/haul-download-row.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, thumbnail_frame);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, placeholder);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, picture);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, animated_badge);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, details_label);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, HaulDownloadRow, menu_button);
  gtk_widget_class_bind_template_callback (widget_class, title_query_tooltip_cb);
  gtk_widget_class_bind_template_callback (widget_class, status_query_tooltip_cb);
  gtk_widget_class_bind_template_callback (widget_class, menu_query_tooltip_cb);

  haul_item_actions_install (widget_class);

  gtk_widget_class_set_css_name (widget_class, "haul-download-row");
}

static void
haul_download_row_init (HaulDownloadRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  haul_item_actions_set_up_menu (GTK_WIDGET (self), GTK_MENU_BUTTON (self->menu_button));

  self->hover = gtk_event_controller_motion_new ();
  g_signal_connect_object (self->hover, "enter", G_CALLBACK (hover_enter_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->hover, "leave", G_CALLBACK (hover_leave_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (self->thumbnail_frame, self->hover);
}

GtkWidget *
haul_download_row_new (void)
{
  return g_object_new (HAUL_TYPE_DOWNLOAD_ROW, NULL);
}

HaulDownload *
haul_download_row_get_item (HaulDownloadRow *self)
{
  g_return_val_if_fail (HAUL_IS_DOWNLOAD_ROW (self), NULL);

  return self->item;
}

void
haul_download_row_set_item (HaulDownloadRow *self,
                            HaulDownload    *item)
{
  g_return_if_fail (HAUL_IS_DOWNLOAD_ROW (self));
  g_return_if_fail (item == NULL || HAUL_IS_DOWNLOAD (item));

  if (self->item == item)
    return;

  if (self->item != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->item);
      haul_download_release_thumbnail (self->item);
    }

  /* A recycled row stops playing the animation of its last item. */
  g_clear_object (&self->item);
  stop_animation (self);
  g_set_object (&self->item, item);

  if (item != NULL)
    {
      /* A row brought back from the last run, or scrolled back to, makes its
       * preview again from the saved file. */
      haul_download_hold_thumbnail (item, HAUL_THUMBNAIL_SIZE);
      self->notify_id = g_signal_connect_object (item, "notify",
                                                 G_CALLBACK (item_notify_cb), self,
                                                 G_CONNECT_SWAPPED);
      update_all (self);
    }
  else
    gtk_picture_set_paintable (self->picture, NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
