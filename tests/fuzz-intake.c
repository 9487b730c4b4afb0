/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "haul-intake.h"

/* Feeds every input to the intake once per content type it knows, so each
 * parser sees everything, with and without a page URL for HTML. */

static const char * const content_types[] = {
  NULL,
  "text/plain",
  "text/uri-list",
  "text/html",
  "text/markdown",
  "application/x-mswinurl",
  "application/x-desktop",
  "application/x-webloc",
  "application/json",
  "text/csv",
};

int LLVMFuzzerTestOneInput (const guint8 *data,
                            size_t        size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *string = g_strndup ((const char *)data, size);

  for (guint i = 0; i < G_N_ELEMENTS (content_types); i++)
    {
      g_autoptr(HaulIntake) intake = haul_intake_new ();
      g_autoptr(GError) error = NULL;
      const char *base = i % 2 == 0 ? "https://example.com/dir/page.html" : NULL;

      if (haul_intake_add_text (intake, (const char *)data, size, content_types[i],
                                "fuzz", base, &error))
        {
          GPtrArray *urls = haul_intake_get_urls (intake);

          /* Whatever came out must be a normalised http(s) URL. */
          for (guint j = 0; j < urls->len; j++)
            {
              const char *url = g_ptr_array_index (urls, j);
              g_autofree char *again = haul_intake_normalize_url (url, NULL);

              if (again == NULL || strcmp (again, url) != 0)
                g_error ("%s is not stable under normalisation", url);
            }
        }
      else
        g_assert_nonnull (error);
    }

  {
    g_autoptr(HaulIntake) intake = haul_intake_new ();
    g_autofree char *reason = NULL;
    g_autofree char *normal = haul_intake_normalize_url (string, &reason);

    g_assert_true ((normal == NULL) != (reason == NULL));
    haul_intake_add_url (intake, string);
  }

  return 0;
}
