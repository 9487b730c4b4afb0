/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HAUL_ERROR (haul_error_quark ())

/* Every code maps to a translatable message that tells the user what happened. */
typedef enum
{
  HAUL_ERROR_FAILED,
  HAUL_ERROR_INVALID_URL,          /* not http(s), no host, malformed */
  HAUL_ERROR_HTTP,                 /* a non-2xx status: "HTTP 404 Not Found" */
  HAUL_ERROR_TOO_MANY_REDIRECTS,
  HAUL_ERROR_REDIRECT_SCHEME,      /* a redirect to anything but http(s) */
  HAUL_ERROR_NOT_AN_IMAGE,         /* "not an image (text/html)" */
  HAUL_ERROR_EMPTY,
  HAUL_ERROR_TOO_LARGE,
  HAUL_ERROR_TRUNCATED,
  HAUL_ERROR_TIMED_OUT,
  HAUL_ERROR_DNS,
  HAUL_ERROR_CONNECT,
  HAUL_ERROR_TLS,
  HAUL_ERROR_DISK_FULL,
  HAUL_ERROR_PERMISSION,
  HAUL_ERROR_DUPLICATE,
  HAUL_ERROR_INPUT,                /* an intake file that cannot be used */
  HAUL_ERROR_NO_IMAGES,            /* a web page without a single image */
  HAUL_ERROR_TOO_SMALL,            /* an image below the minimum dimensions */
  HAUL_ERROR_NOT_SHARED,           /* a folder or file the Flatpak sandbox keeps from the host */
} HaulError;

GQuark haul_error_quark (void);

G_END_DECLS
