/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "haul-downloader.h"

#define EXIT_USAGE 2

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean version = FALSE;
  /* Lets tests and uninstalled runs use the translations in the build tree. */
  const char *localedir = g_getenv ("HAUL_LOCALEDIR");
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("[URL|FILE|-]…"));
  g_option_context_set_summary (context, _("Download many images at once."));
  g_option_context_set_description (context, "haul-cli " PACKAGE_VERSION);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("haul-cli: %s\n", error->message);
      g_printerr (_("Try “haul-cli --help” for more information.\n"));
      return EXIT_USAGE;
    }

  if (version)
    {
      g_print ("haul-cli %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  return EXIT_SUCCESS;
}
