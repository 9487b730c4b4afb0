/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-sandbox.h"
#include "haul-window-private.h"

/* Inside the Flatpak a download folder may be one the host never sees (no
 * Pictures folder, a folder chosen before the sandbox, an override taken
 * back). Rather than report "Done" for files nobody can find, the window
 * asks for a folder through the file chooser portal, which shares the one
 * chosen, remembers it, and then starts what was waiting. */

#define FOLDER_REQUEST_KEY "haul-folder-request"

typedef struct
{
  GtkFileChooserNative *native;
  /* HaulDownload waiting for a folder, in order, and as a set */
  GPtrArray            *items;
  GHashTable           *waiting;
  /* Everything waiting in the queue was asked for too */
  gboolean              all;
} FolderRequest;

static void
folder_request_free (FolderRequest *request)
{
  if (request->native != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (request->native));
  g_clear_object (&request->native);
  g_clear_pointer (&request->items, g_ptr_array_unref);
  g_clear_pointer (&request->waiting, g_hash_table_unref);
  g_free (request);
}

/* The answer to the question: @folder, or %NULL when none was chosen. */
void
_haul_window_folder_chosen (HaulWindow *self,
                            GFile      *folder)
{
  FolderRequest *request = g_object_steal_data (G_OBJECT (self), FOLDER_REQUEST_KEY);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gboolean all;

  g_return_if_fail (request != NULL);

  items = g_steal_pointer (&request->items);
  all = request->all;
  folder_request_free (request);

  if (folder == NULL)
    {
      haul_window_show_toast (self, _("Nothing was downloaded: Haul needs a folder to save into"));
      return;
    }

  path = g_file_get_path (folder);
  if (path == NULL)
    {
      haul_window_show_toast (self, _("Nothing was downloaded: choose a folder on this computer"));
      return;
    }

  /* Without the portal, the chooser shows the sandbox's own folders too. */
  if (!haul_sandbox_check_folder (haul_sandbox_get_default (), folder, &error))
    {
      haul_window_show_toast (self, error->message);
      return;
    }

  haul_settings_set_download_folder (self->settings, path);
  haul_window_start (self, all ? NULL : items);
}

static void
folder_response_cb (HaulWindow           *self,
                    int                   response,
                    GtkFileChooserNative *native)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));

  _haul_window_folder_chosen (self, folder);
}

/* Returns TRUE when @items (HaulDownload, or NULL for all that wait) can
 * be saved now. Otherwise a folder is asked for, and @items start once one
 * is chosen. */
gboolean
_haul_window_check_folder (HaulWindow *self,
                           GPtrArray  *items)
{
  g_autoptr(GFile) folder = haul_settings_dup_download_folder_file (self->settings);
  g_autoptr(GError) error = NULL;
  FolderRequest *request;

  if (haul_sandbox_check_folder (haul_sandbox_get_default (), folder, &error))
    return TRUE;

  request = g_object_get_data (G_OBJECT (self), FOLDER_REQUEST_KEY);
  if (request == NULL)
    {
      request = g_new0 (FolderRequest, 1);
      request->items = g_ptr_array_new_with_free_func (g_object_unref);
      request->waiting = g_hash_table_new (NULL, NULL);
      request->native = gtk_file_chooser_native_new (_("Choose Where to Save Images"),
                                                     GTK_WINDOW (self),
                                                     GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                     _("_Select"),
                                                     _("_Cancel"));
      gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (request->native), TRUE);
      g_signal_connect_object (request->native, "response",
                               G_CALLBACK (folder_response_cb), self, G_CONNECT_SWAPPED);
      g_object_set_data_full (G_OBJECT (self), FOLDER_REQUEST_KEY, request,
                              (GDestroyNotify)folder_request_free);

      haul_window_show_toast (self, error->message);
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (request->native));
    }

  /* Download pressed again, or links added meanwhile: one question for all. */
  if (items == NULL)
    request->all = TRUE;
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      HaulDownload *d = g_ptr_array_index (items, i);

      if (g_hash_table_add (request->waiting, d))
        g_ptr_array_add (request->items, g_object_ref (d));
    }

  return FALSE;
}

/* The folder chooser open for that question, if any; for the tests. */
GtkNativeDialog *
_haul_window_get_folder_chooser (HaulWindow *self)
{
  FolderRequest *request = g_object_get_data (G_OBJECT (self), FOLDER_REQUEST_KEY);

  return request != NULL ? GTK_NATIVE_DIALOG (request->native) : NULL;
}
