/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-downloader.h"

/* Skeleton: the worker pool lands with the download engine. */

struct _HaulDownloader
{
  GObject parent_instance;
};

G_DEFINE_FINAL_TYPE (HaulDownloader, haul_downloader, G_TYPE_OBJECT)

static void
haul_downloader_class_init (HaulDownloaderClass *klass)
{
}

static void
haul_downloader_init (HaulDownloader *self)
{
}

HaulDownloader *
haul_downloader_new (const char *ca_file)
{
  return g_object_new (HAUL_TYPE_DOWNLOADER, NULL);
}
