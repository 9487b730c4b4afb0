/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-window-private.h"

/* The preferences that pace requests and shape them reach the downloader
 * under the same names. */
void
_haul_window_bind_manners (HaulWindow *self)
{
  static const char * const names[] = { "per-host", "delay", "limit-rate", "cookies-file" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    g_object_bind_property (self->settings, names[i], self->downloader, names[i],
                            G_BINDING_SYNC_CREATE);
}

static gboolean
notice_expired_cb (gpointer user_data)
{
  HaulWindow *self = user_data;

  self->notice_id = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->notice_label), FALSE);
  gtk_label_set_label (self->notice_label, "");

  return G_SOURCE_REMOVE;
}

static void
host_paused_cb (HaulWindow     *self,
                const char     *host,
                guint           seconds,
                HaulDownloader *downloader)
{
  g_autofree char *text = NULL;

  /* TRANSLATORS: in the footer: "example.com asked to wait 30 s" */
  text = g_strdup_printf (ngettext ("%s asked to wait %u s", "%s asked to wait %u s", seconds),
                          host, seconds);
  gtk_label_set_label (self->notice_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->notice_label), TRUE);

  /* Shown while the host waits; the latest host that asked is the one told. */
  g_clear_handle_id (&self->notice_id, g_source_remove);
  self->notice_id = g_timeout_add_seconds (MAX (seconds, 1u), notice_expired_cb, self);
}

void
_haul_window_manners_init (HaulWindow *self)
{
  g_signal_connect_object (self->downloader, "host-paused",
                           G_CALLBACK (host_paused_cb), self, G_CONNECT_SWAPPED);
}

void
_haul_window_manners_dispose (HaulWindow *self)
{
  g_clear_handle_id (&self->notice_id, g_source_remove);
}

/* For the tests: the footer's notice, or NULL when none shows. */
const char *
haul_window_get_notice_text (HaulWindow *self)
{
  g_return_val_if_fail (HAUL_IS_WINDOW (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->notice_label)))
    return NULL;

  return gtk_label_get_label (self->notice_label);
}
