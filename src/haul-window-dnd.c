/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-window-private.h"

static gboolean
is_web_address (GFile *file)
{
  return g_file_has_uri_scheme (file, "http") || g_file_has_uri_scheme (file, "https");
}

/* Judged by the name alone: the main thread does not read files. */
static gboolean
looks_like_image (GFile *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *type = NULL;
  gboolean uncertain = FALSE;

  if (name == NULL)
    return FALSE;

  type = g_content_type_guess (name, NULL, 0, &uncertain);

  return !uncertain && g_content_type_is_mime_type (type, "image/*");
}

static void
load_files_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(HaulWindow) self = user_data;
  g_autoptr(HaulIntake) intake = NULL;
  g_autoptr(GError) error = NULL;

  intake = haul_intake_load_files_finish (result, &error);
  if (intake == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        haul_window_show_toast (self, error->message);
      return;
    }

  haul_window_add_intake (self, intake);
}

static gboolean
add_file_list (HaulWindow *self,
               GSList     *list)
{
  g_autoptr(GString) uris = g_string_new (NULL);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *image_name = NULL;
  guint n_images = 0;

  for (const GSList *l = list; l != NULL; l = l->next)
    {
      GFile *file = l->data;

      if (is_web_address (file))
        {
          g_autofree char *uri = g_file_get_uri (file);

          g_string_append (uris, uri);
          g_string_append (uris, "\r\n");
        }
      else if (looks_like_image (file))
        {
          if (n_images++ == 0)
            image_name = g_file_get_basename (file);
        }
      else
        g_ptr_array_add (files, g_object_ref (file));
    }

  if (n_images == 1)
    {
      g_autofree char *display = g_filename_display_name (image_name);
      g_autofree char *message = NULL;

      /* TRANSLATORS: a toast when an image file, not a list of links, is dropped */
      message = g_strdup_printf (_("“%s” is an image, not a list of links"), display);
      haul_window_show_toast (self, message);
    }
  else if (n_images > 1)
    {
      g_autofree char *message = NULL;

      message = g_strdup_printf (ngettext ("%u image file skipped: drop lists of links or web pages",
                                           "%u image files skipped: drop lists of links or web pages",
                                           n_images),
                                 n_images);
      haul_window_show_toast (self, message);
    }

  if (uris->len > 0)
    haul_window_add_uris (self, uris->str);

  if (files->len > 0 && self->intake_cancellable != NULL)
    haul_intake_load_files_async ((GFile **)files->pdata, files->len,
                                  self->intake_cancellable,
                                  load_files_cb, g_object_ref (self));

  return uris->len > 0 || files->len > 0;
}

gboolean
_haul_window_drop_value (HaulWindow   *self,
                         const GValue *value)
{
  g_return_val_if_fail (HAUL_IS_WINDOW (self), FALSE);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return add_file_list (self, g_value_get_boxed (value));

  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      GSList single = { g_value_get_object (value), NULL };

      if (single.data == NULL)
        return FALSE;

      return add_file_list (self, &single);
    }

  if (G_VALUE_HOLDS (value, G_TYPE_STRING))
    {
      const char *text = g_value_get_string (value);

      if (text == NULL || text[0] == '\0')
        return FALSE;

      haul_window_add_text (self, text, -1, NULL);
      return TRUE;
    }

  return FALSE;
}

typedef struct
{
  HaulWindow *self;
  GdkDrop    *drop;
} DropRead;

static void
drop_read_free (DropRead *read)
{
  g_clear_object (&read->self);
  g_clear_object (&read->drop);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DropRead, drop_read_free)

static DropRead *
drop_read_new (HaulWindow *self,
               GdkDrop    *drop)
{
  DropRead *read = g_new0 (DropRead, 1);

  read->self = g_object_ref (self);
  read->drop = g_object_ref (drop);

  return read;
}

static void
drop_value_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(DropRead) read = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value;

  value = gdk_drop_read_value_finish (GDK_DROP (object), result, &error);
  if (value == NULL)
    {
      gdk_drop_finish (read->drop, 0);
      haul_window_show_toast (read->self, _("The dropped items could not be read"));
      return;
    }

  gdk_drop_finish (read->drop, _haul_window_drop_value (read->self, value) ? GDK_ACTION_COPY : 0);
}

static void
drop_stream_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(DropRead) read = user_data;
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  const char *mime_type = NULL;

  stream = gdk_drop_read_finish (GDK_DROP (object), result, &mime_type, &error);
  if (stream == NULL)
    {
      gdk_drop_finish (read->drop, 0);
      haul_window_show_toast (read->self, _("The dropped items could not be read"));
      return;
    }

  gdk_drop_finish (read->drop, GDK_ACTION_COPY);
  _haul_window_add_stream (read->self, stream, mime_type);
}

static gboolean
drop_cb (HaulWindow         *self,
         GdkDrop            *drop,
         double              x,
         double              y,
         GtkDropTargetAsync *target)
{
  static const char *html[] = { "text/html", NULL };
  static const char *moz_url[] = { "text/x-moz-url", NULL };
  static const char *text[] = { "text/plain;charset=utf-8", "text/plain", NULL };
  GdkContentFormats *offered = gdk_drop_get_formats (drop);
  g_autoptr(GdkContentFormats) formats = NULL;

  gtk_widget_remove_css_class (GTK_WIDGET (self->stack), "drop-highlight");

  /* A selection of a web page comes as HTML and as its plain text: the
   * HTML holds the image sources. A link or files come as a URI list. */
  /* A link dragged from Firefox may come as text/x-moz-url only. */
  if (gdk_content_formats_contain_mime_type (offered, "text/x-moz-url") &&
      !gdk_content_formats_contain_mime_type (offered, "text/uri-list"))
    {
      gdk_drop_read_async (drop, moz_url, G_PRIORITY_DEFAULT, self->intake_cancellable,
                           drop_stream_cb, drop_read_new (self, drop));
      return TRUE;
    }

  if (gdk_content_formats_contain_mime_type (offered, "text/html") &&
      !gdk_content_formats_contain_mime_type (offered, "text/uri-list"))
    {
      gdk_drop_read_async (drop, html, G_PRIORITY_DEFAULT, self->intake_cancellable,
                           drop_stream_cb, drop_read_new (self, drop));
      return TRUE;
    }

  formats = gdk_content_formats_union_deserialize_gtypes (gdk_content_formats_ref (offered));

  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_FILE_LIST))
    gdk_drop_read_value_async (drop, GDK_TYPE_FILE_LIST, G_PRIORITY_DEFAULT,
                               self->intake_cancellable, drop_value_cb, drop_read_new (self, drop));
  else if (gdk_content_formats_contain_gtype (formats, G_TYPE_FILE))
    gdk_drop_read_value_async (drop, G_TYPE_FILE, G_PRIORITY_DEFAULT,
                               self->intake_cancellable, drop_value_cb, drop_read_new (self, drop));
  else
    gdk_drop_read_async (drop, text, G_PRIORITY_DEFAULT, self->intake_cancellable,
                         drop_stream_cb, drop_read_new (self, drop));

  return TRUE;
}

static GdkDragAction
drag_enter_cb (HaulWindow         *self,
               GdkDrop            *drop,
               double              x,
               double              y,
               GtkDropTargetAsync *target)
{
  gtk_widget_add_css_class (GTK_WIDGET (self->stack), "drop-highlight");

  return GDK_ACTION_COPY;
}

static void
drag_leave_cb (HaulWindow         *self,
               GdkDrop            *drop,
               GtkDropTargetAsync *target)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->stack), "drop-highlight");
}

void
_haul_window_dnd_init (HaulWindow *self)
{
  GdkContentFormatsBuilder *builder = gdk_content_formats_builder_new ();
  GdkContentFormats *formats;
  GtkDropTargetAsync *target;

  gdk_content_formats_builder_add_gtype (builder, GDK_TYPE_FILE_LIST);
  gdk_content_formats_builder_add_gtype (builder, G_TYPE_FILE);
  gdk_content_formats_builder_add_mime_type (builder, "text/uri-list");
  gdk_content_formats_builder_add_mime_type (builder, "text/x-moz-url");
  gdk_content_formats_builder_add_mime_type (builder, "text/html");
  gdk_content_formats_builder_add_mime_type (builder, "text/plain;charset=utf-8");
  gdk_content_formats_builder_add_mime_type (builder, "text/plain");
  formats = gdk_content_formats_builder_free_to_formats (builder);

  target = gtk_drop_target_async_new (formats, GDK_ACTION_COPY);
  g_signal_connect_object (target, "drag-enter", G_CALLBACK (drag_enter_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "drag-leave", G_CALLBACK (drag_leave_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (target, "drop", G_CALLBACK (drop_cb), self, G_CONNECT_SWAPPED);

  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (target));
}
