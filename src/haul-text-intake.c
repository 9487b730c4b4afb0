/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-text-intake.h"

typedef struct
{
  char  *text;
  gsize  length;
  char  *content_type;
} TextData;

static void
text_data_free (TextData *data)
{
  g_free (data->text);
  g_free (data->content_type);
  g_free (data);
}

static void
parse_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TextData *data = task_data;
  g_autoptr(HaulIntake) intake = haul_intake_new ();
  GError *error = NULL;

  if (!haul_intake_add_text (intake, data->text, data->length, data->content_type,
                             NULL, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_pointer (task, g_steal_pointer (&intake), g_object_unref);
}

void
haul_text_intake_async (const char          *text,
                        gssize               length,
                        const char          *content_type,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TextData *data;

  g_return_if_fail (text != NULL);

  if (length < 0)
    length = strlen (text);

  data = g_new0 (TextData, 1);
  /* Copied whole, NUL bytes included: the intake refuses binary input. */
  data->text = g_malloc (length + 1);
  memcpy (data->text, text, length);
  data->text[length] = '\0';
  data->length = length;
  data->content_type = g_strdup (content_type);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, haul_text_intake_async);
  g_task_set_task_data (task, data, (GDestroyNotify)text_data_free);
  g_task_run_in_thread (task, parse_thread);
}

HaulIntake *
haul_text_intake_finish (GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
