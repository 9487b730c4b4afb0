/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-add-dialog-private.h"
#include "haul-intake.h"

G_DEFINE_FINAL_TYPE (HaulAddDialog, haul_add_dialog, ADW_TYPE_WINDOW)

enum {
  ADD_TEXT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
dup_text (HaulAddDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
update_count (HaulAddDialog *self)
{
  g_autofree char *urls = NULL;
  g_autofree char *text = NULL;

  /* TRANSLATORS: the live count under the text: "12 URLs" */
  urls = g_strdup_printf (ngettext ("%u URL", "%u URLs", self->n_urls), self->n_urls);

  if (self->n_rejects > 0)
    {
      g_autofree char *rejects = NULL;

      /* TRANSLATORS: the live count under the text: "2 lines not understood" */
      rejects = g_strdup_printf (ngettext ("%u line not understood", "%u lines not understood",
                                           self->n_rejects),
                                 self->n_rejects);
      text = g_strconcat (urls, " · ", rejects, NULL);
    }
  else
    text = g_steal_pointer (&urls);

  gtk_label_set_label (self->count_label, text);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), self->n_urls > 0);
}

static void
parse_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(HaulAddDialog) self = user_data;
  g_autoptr(HaulIntake) intake = NULL;
  g_autoptr(GError) error = NULL;

  intake = haul_intake_load_text_finish (result, &error);
  if (intake == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;

      self->n_urls = 0;
      self->n_rejects = 0;
      gtk_label_set_label (self->count_label, error->message);
      gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), FALSE);
      return;
    }

  self->n_urls = haul_intake_get_urls (intake)->len;
  self->n_rejects = haul_intake_get_n_rejects (intake);
  update_count (self);
}

static gboolean
parse_timeout_cb (gpointer user_data)
{
  HaulAddDialog *self = user_data;
  g_autofree char *text = dup_text (self);

  self->parse_id = 0;

  /* Only the newest text counts. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  haul_intake_load_text_async (text, -1, NULL, self->cancellable, parse_cb, g_object_ref (self));

  return G_SOURCE_REMOVE;
}

static void
buffer_changed_cb (HaulAddDialog *self,
                   GtkTextBuffer *buffer)
{
  /* Typing stays smooth: the text is parsed once it rests for a moment. */
  g_clear_handle_id (&self->parse_id, g_source_remove);
  self->parse_id = g_timeout_add (150, parse_timeout_cb, self);
}

static void
add_clicked_cb (HaulAddDialog *self,
                GtkButton     *button)
{
  g_autofree char *text = dup_text (self);

  g_signal_emit (self, signals[ADD_TEXT], 0, text);
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
add_shortcut_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  HaulAddDialog *self = HAUL_ADD_DIALOG (widget);
  g_autofree char *text = dup_text (self);

  /* The count may lag behind fast hands: the window reports what it finds. */
  if (text[0] == '\0')
    return FALSE;

  add_clicked_cb (self, self->add_button);
  return TRUE;
}

static void
haul_add_dialog_dispose (GObject *object)
{
  HaulAddDialog *self = HAUL_ADD_DIALOG (object);

  g_clear_handle_id (&self->parse_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  gtk_widget_dispose_template (GTK_WIDGET (self), HAUL_TYPE_ADD_DIALOG);

  G_OBJECT_CLASS (haul_add_dialog_parent_class)->dispose (object);
}

static void
haul_add_dialog_class_init (HaulAddDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = haul_add_dialog_dispose;

  signals[ADD_TEXT] =
    g_signal_new ("add-text",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PATH "/haul-add-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, HaulAddDialog, text_view);
  gtk_widget_class_bind_template_child (widget_class, HaulAddDialog, count_label);
  gtk_widget_class_bind_template_child (widget_class, HaulAddDialog, add_button);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
haul_add_dialog_init (HaulAddDialog *self)
{
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Before the text view, which would take Ctrl+Return as a new line. */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts),
                                        gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Return,
                                                                                  GDK_CONTROL_MASK),
                                                          gtk_callback_action_new (add_shortcut_cb,
                                                                                   NULL, NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (buffer_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_window_set_default_widget (GTK_WINDOW (self), GTK_WIDGET (self->add_button));
}

HaulAddDialog *
haul_add_dialog_new (GtkWindow *parent)
{
  return g_object_new (HAUL_TYPE_ADD_DIALOG,
                       "transient-for", parent,
                       NULL);
}
