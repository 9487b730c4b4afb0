/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "haul-sandbox.h"
#include "haul-settings.h"

struct _HaulSettings
{
  GObject    parent_instance;

  GSettings *settings;

  char      *download_folder;
  int        concurrent_downloads;
  int        retries;
  int        timeout;
  guint64    max_size;
  gboolean   accept_any_type;
  gboolean   start_immediately;
  int        per_host;
  double     delay;
  guint64    limit_rate;
  char      *cookies_file;
  gboolean   get_images_from_pages;
  int        min_image_width;
  int        min_image_height;
  char      *view;
};

G_DEFINE_FINAL_TYPE (HaulSettings, haul_settings, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DOWNLOAD_FOLDER,
  PROP_CONCURRENT_DOWNLOADS,
  PROP_RETRIES,
  PROP_TIMEOUT,
  PROP_MAX_SIZE,
  PROP_ACCEPT_ANY_TYPE,
  PROP_START_IMMEDIATELY,
  PROP_PER_HOST,
  PROP_DELAY,
  PROP_LIMIT_RATE,
  PROP_COOKIES_FILE,
  PROP_GET_IMAGES_FROM_PAGES,
  PROP_MIN_IMAGE_WIDTH,
  PROP_MIN_IMAGE_HEIGHT,
  PROP_VIEW,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_int (HaulSettings *self,
         int          *field,
         int           value,
         guint         prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_boolean (HaulSettings *self,
             gboolean     *field,
             gboolean      value,
             guint         prop_id)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
haul_settings_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HaulSettings *self = HAUL_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_DOWNLOAD_FOLDER:
      g_value_set_string (value, self->download_folder);
      break;
    case PROP_CONCURRENT_DOWNLOADS:
      g_value_set_int (value, self->concurrent_downloads);
      break;
    case PROP_RETRIES:
      g_value_set_int (value, self->retries);
      break;
    case PROP_TIMEOUT:
      g_value_set_int (value, self->timeout);
      break;
    case PROP_MAX_SIZE:
      g_value_set_uint64 (value, self->max_size);
      break;
    case PROP_ACCEPT_ANY_TYPE:
      g_value_set_boolean (value, self->accept_any_type);
      break;
    case PROP_START_IMMEDIATELY:
      g_value_set_boolean (value, self->start_immediately);
      break;
    case PROP_PER_HOST:
      g_value_set_int (value, self->per_host);
      break;
    case PROP_DELAY:
      g_value_set_double (value, self->delay);
      break;
    case PROP_LIMIT_RATE:
      g_value_set_uint64 (value, self->limit_rate);
      break;
    case PROP_COOKIES_FILE:
      g_value_set_string (value, self->cookies_file);
      break;
    case PROP_GET_IMAGES_FROM_PAGES:
      g_value_set_boolean (value, self->get_images_from_pages);
      break;
    case PROP_MIN_IMAGE_WIDTH:
      g_value_set_int (value, self->min_image_width);
      break;
    case PROP_MIN_IMAGE_HEIGHT:
      g_value_set_int (value, self->min_image_height);
      break;
    case PROP_VIEW:
      g_value_set_string (value, self->view);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_settings_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HaulSettings *self = HAUL_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_DOWNLOAD_FOLDER:
      haul_settings_set_download_folder (self, g_value_get_string (value));
      break;
    case PROP_CONCURRENT_DOWNLOADS:
      set_int (self, &self->concurrent_downloads, g_value_get_int (value), prop_id);
      break;
    case PROP_RETRIES:
      set_int (self, &self->retries, g_value_get_int (value), prop_id);
      break;
    case PROP_TIMEOUT:
      set_int (self, &self->timeout, g_value_get_int (value), prop_id);
      break;
    case PROP_MAX_SIZE:
      if (self->max_size != g_value_get_uint64 (value))
        {
          self->max_size = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_ACCEPT_ANY_TYPE:
      set_boolean (self, &self->accept_any_type, g_value_get_boolean (value), prop_id);
      break;
    case PROP_START_IMMEDIATELY:
      set_boolean (self, &self->start_immediately, g_value_get_boolean (value), prop_id);
      break;
    case PROP_PER_HOST:
      set_int (self, &self->per_host, g_value_get_int (value), prop_id);
      break;
    case PROP_DELAY:
      if (self->delay != g_value_get_double (value))
        {
          self->delay = g_value_get_double (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_LIMIT_RATE:
      if (self->limit_rate != g_value_get_uint64 (value))
        {
          self->limit_rate = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_COOKIES_FILE:
      haul_settings_set_cookies_file (self, g_value_get_string (value));
      break;
    case PROP_GET_IMAGES_FROM_PAGES:
      set_boolean (self, &self->get_images_from_pages, g_value_get_boolean (value), prop_id);
      break;
    case PROP_MIN_IMAGE_WIDTH:
      set_int (self, &self->min_image_width, g_value_get_int (value), prop_id);
      break;
    case PROP_MIN_IMAGE_HEIGHT:
      set_int (self, &self->min_image_height, g_value_get_int (value), prop_id);
      break;
    case PROP_VIEW:
      if (g_strcmp0 (self->view, g_value_get_string (value)) != 0)
        {
          g_free (self->view);
          self->view = g_value_dup_string (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
haul_settings_dispose (GObject *object)
{
  HaulSettings *self = HAUL_SETTINGS (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (haul_settings_parent_class)->dispose (object);
}

static void
haul_settings_finalize (GObject *object)
{
  HaulSettings *self = HAUL_SETTINGS (object);

  g_clear_pointer (&self->download_folder, g_free);
  g_clear_pointer (&self->cookies_file, g_free);
  g_clear_pointer (&self->view, g_free);

  G_OBJECT_CLASS (haul_settings_parent_class)->finalize (object);
}

static void
haul_settings_class_init (HaulSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->get_property = haul_settings_get_property;
  object_class->set_property = haul_settings_set_property;
  object_class->dispose = haul_settings_dispose;
  object_class->finalize = haul_settings_finalize;

  properties[PROP_DOWNLOAD_FOLDER] =
    g_param_spec_string ("download-folder", NULL, NULL, "", flags);
  properties[PROP_CONCURRENT_DOWNLOADS] =
    g_param_spec_int ("concurrent-downloads", NULL, NULL, 1, 64, 8, flags);
  properties[PROP_RETRIES] =
    g_param_spec_int ("retries", NULL, NULL, 0, 10, 3, flags);
  properties[PROP_TIMEOUT] =
    g_param_spec_int ("timeout", NULL, NULL, 1, 600, 30, flags);
  properties[PROP_MAX_SIZE] =
    g_param_spec_uint64 ("max-size", NULL, NULL, 1024, G_MAXUINT64, 1 << 30, flags);
  properties[PROP_ACCEPT_ANY_TYPE] =
    g_param_spec_boolean ("accept-any-type", NULL, NULL, FALSE, flags);
  properties[PROP_START_IMMEDIATELY] =
    g_param_spec_boolean ("start-immediately", NULL, NULL, FALSE, flags);
  properties[PROP_PER_HOST] =
    g_param_spec_int ("per-host", NULL, NULL, 0, 64, 0, flags);
  properties[PROP_DELAY] =
    g_param_spec_double ("delay", NULL, NULL, 0.0, 60.0, 0.0, flags);
  properties[PROP_LIMIT_RATE] =
    g_param_spec_uint64 ("limit-rate", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_COOKIES_FILE] =
    g_param_spec_string ("cookies-file", NULL, NULL, "", flags);
  properties[PROP_GET_IMAGES_FROM_PAGES] =
    g_param_spec_boolean ("get-images-from-pages", NULL, NULL, TRUE, flags);
  properties[PROP_MIN_IMAGE_WIDTH] =
    g_param_spec_int ("min-image-width", NULL, NULL, 0, 10000, 100, flags);
  properties[PROP_MIN_IMAGE_HEIGHT] =
    g_param_spec_int ("min-image-height", NULL, NULL, 0, 10000, 100, flags);
  properties[PROP_VIEW] =
    g_param_spec_string ("view", NULL, NULL, "list", flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
haul_settings_init (HaulSettings *self)
{
  static const char * const keys[] = {
    "download-folder", "concurrent-downloads", "retries", "timeout",
    "max-size", "accept-any-type", "start-immediately",
    "per-host", "delay", "limit-rate", "cookies-file",
    "get-images-from-pages", "min-image-width", "min-image-height", "view",
  };

  self->download_folder = g_strdup ("");
  self->cookies_file = g_strdup ("");
  self->concurrent_downloads = 8;
  self->retries = 3;
  self->timeout = 30;
  self->max_size = 1 << 30;
  self->get_images_from_pages = TRUE;
  self->min_image_width = 100;
  self->min_image_height = 100;
  self->view = g_strdup ("list");

  self->settings = g_settings_new (APP_ID);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_settings_bind (self->settings, keys[i], self, keys[i], G_SETTINGS_BIND_DEFAULT);
}

HaulSettings *
haul_settings_new (void)
{
  return g_object_new (HAUL_TYPE_SETTINGS, NULL);
}

GSettings *
haul_settings_get_settings (HaulSettings *self)
{
  g_return_val_if_fail (HAUL_IS_SETTINGS (self), NULL);

  return self->settings;
}

const char *
haul_settings_get_download_folder (HaulSettings *self)
{
  g_return_val_if_fail (HAUL_IS_SETTINGS (self), NULL);

  return self->download_folder;
}

void
haul_settings_set_download_folder (HaulSettings *self,
                                   const char   *folder)
{
  g_return_if_fail (HAUL_IS_SETTINGS (self));

  if (folder == NULL)
    folder = "";

  if (g_strcmp0 (self->download_folder, folder) == 0)
    return;

  g_free (self->download_folder);
  self->download_folder = g_strdup (folder);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_FOLDER]);
}

/**
 * haul_settings_dup_download_folder_file:
 *
 * Returns: (transfer full): the folder images are saved to; the "Haul"
 *   folder inside the user's Pictures folder unless one was chosen.
 */
GFile *
haul_settings_dup_download_folder_file (HaulSettings *self)
{
  g_return_val_if_fail (HAUL_IS_SETTINGS (self), NULL);

  if (self->download_folder[0] != '\0')
    return g_file_new_for_path (self->download_folder);

  return haul_sandbox_dup_default_folder (haul_sandbox_get_default ());
}

int
haul_settings_get_concurrent_downloads (HaulSettings *self)
{
  g_return_val_if_fail (HAUL_IS_SETTINGS (self), 8);

  return self->concurrent_downloads;
}

gboolean
haul_settings_get_start_immediately (HaulSettings *self)
{
  g_return_val_if_fail (HAUL_IS_SETTINGS (self), FALSE);

  return self->start_immediately;
}

const char *
haul_settings_get_cookies_file (HaulSettings *self)
{
  g_return_val_if_fail (HAUL_IS_SETTINGS (self), NULL);

  return self->cookies_file;
}

void
haul_settings_set_cookies_file (HaulSettings *self,
                                const char   *path)
{
  g_return_if_fail (HAUL_IS_SETTINGS (self));

  if (path == NULL)
    path = "";

  if (g_strcmp0 (self->cookies_file, path) == 0)
    return;

  g_free (self->cookies_file);
  self->cookies_file = g_strdup (path);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COOKIES_FILE]);
}
