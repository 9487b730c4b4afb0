/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-intake.h"

/* Skeleton: the parsers land with URL intake. */

struct _HaulIntake
{
  GObject    parent_instance;
  GPtrArray *urls;
  GPtrArray *rejects;
};

G_DEFINE_FINAL_TYPE (HaulIntake, haul_intake, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (HaulIntakeReject, haul_intake_reject, haul_intake_reject_copy, haul_intake_reject_free)

HaulIntakeReject *
haul_intake_reject_copy (const HaulIntakeReject *reject)
{
  HaulIntakeReject *copy = g_new0 (HaulIntakeReject, 1);

  copy->source = g_strdup (reject->source);
  copy->line = reject->line;
  copy->text = g_strdup (reject->text);
  copy->reason = g_strdup (reject->reason);

  return copy;
}

void
haul_intake_reject_free (HaulIntakeReject *reject)
{
  g_free (reject->source);
  g_free (reject->text);
  g_free (reject->reason);
  g_free (reject);
}

static void
haul_intake_finalize (GObject *object)
{
  HaulIntake *self = (HaulIntake *)object;

  g_clear_pointer (&self->urls, g_ptr_array_unref);
  g_clear_pointer (&self->rejects, g_ptr_array_unref);

  G_OBJECT_CLASS (haul_intake_parent_class)->finalize (object);
}

static void
haul_intake_class_init (HaulIntakeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = haul_intake_finalize;
}

static void
haul_intake_init (HaulIntake *self)
{
  self->urls = g_ptr_array_new_with_free_func (g_free);
  self->rejects = g_ptr_array_new_with_free_func ((GDestroyNotify)haul_intake_reject_free);
}

HaulIntake *
haul_intake_new (void)
{
  return g_object_new (HAUL_TYPE_INTAKE, NULL);
}

GPtrArray *
haul_intake_get_urls (HaulIntake *self)
{
  return self->urls;
}

GPtrArray *
haul_intake_get_rejects (HaulIntake *self)
{
  return self->rejects;
}
