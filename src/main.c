/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "haul-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HaulApplication) app = NULL;
  /* Lets tests and uninstalled runs use the translations in the build tree. */
  const char *localedir = g_getenv ("HAUL_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Haul"));

  app = haul_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
