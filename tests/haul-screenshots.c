/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Renders the real window, driven against a local server, to PNG files:
 * in the middle of a batch and at its end, as a list and as a grid, and
 * the preview of one picture. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "haul-test-server.h"
#include "haul-window-private.h"

static const char *names[] = {
  "alpine-lake", "desert-dunes", "forest-path", "harbour-at-dusk", "lavender-field",
  "misty-valley", "northern-lights", "old-town-square", "red-canyon", "rice-terraces",
  "salt-flats", "sea-stacks", "snowy-pass", "spring-orchard", "sunflower-hill",
  "tidal-pools", "tulip-rows", "volcano-rim", "waterfall-gorge", "wheat-harvest",
  "winter-birches", "coral-reef", "glacier-tongue",
};

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

static void
save_window (GtkWidget  *window,
             const char *path)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  int width, height;

  /* Only right after a frame is every widget allocated. */
  gtk_test_widget_wait_for_draw (window);

  /* A paintable of a toplevel draws nothing, so the window's own snapshot
   * function draws it, CSS background and children included. */
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  GTK_WIDGET_GET_CLASS (window)->snapshot (window, snapshot);
  node = gtk_snapshot_to_node (snapshot);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));

  if (!gdk_texture_save_to_png (texture, path))
    g_error ("Could not save %s", path);

  g_print ("%s: %d×%d\n", path, width, height);
}

static guint
count_state (HaulWindow        *window,
             HaulDownloadState  state)
{
  GListModel *model = G_LIST_MODEL (window->queue);
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HaulDownload) d = g_list_model_get_item (model, i);

      n += haul_download_get_state (d) == state;
    }

  return n;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HaulTestServer) server = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *folder = NULL;
  g_autofree char *downloading = NULL;
  g_autofree char *finished = NULL;
  g_autofree char *grid_downloading = NULL;
  g_autofree char *grid_finished = NULL;
  g_autofree char *preview = NULL;
  const char *out_dir = argc > 1 ? argv[1] : ".";
  HaulWindow *window;
  gint64 deadline;

  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  gtk_init ();
  adw_init ();

  /* What AdwApplication would load for the app. */
  gtk_css_provider_load_from_resource (css, RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set (gtk_settings_get_default (),
                "gtk-font-name", "Cantarell 11",
                "gtk-enable-animations", FALSE,
                NULL);

  server = haul_test_server_new ();
  folder = g_dir_make_tmp ("haul-screenshots-XXXXXX", NULL);

  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "download-folder", folder);
  g_settings_set_int (settings, "concurrent-downloads", 8);
  g_settings_set_int (settings, "window-width", 1000);
  g_settings_set_int (settings, "window-height", 700);
  g_settings_set_string (settings, "view", "list");

  window = haul_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  iterate_for (300);

  /* Pictures arrive at different speeds, and one link is broken. */
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_strdup_printf ("/drip/%s.png", names[i]);
      g_autofree char *url = haul_test_server_url (server, path);

      g_string_append_printf (text, "%s\n", url);
      if (i == 4)
        {
          g_autofree char *broken = haul_test_server_url (server, "/flaky/city-skyline.png");

          g_string_append_printf (text, "%s\n", broken);
        }
    }
  haul_test_server_set_failing (server, TRUE);

  haul_window_add_text (window, text->str, -1, "text/plain");
  while (g_list_model_get_n_items (G_LIST_MODEL (window->queue)) == 0)
    g_main_context_iteration (NULL, TRUE);
  iterate_for (4500);

  gtk_widget_activate_action (GTK_WIDGET (window), "win.download", NULL);

  /* Mid-download: a few done, several on their way, the rest waiting. */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while ((count_state (window, HAUL_DOWNLOAD_DONE) < 3 ||
          count_state (window, HAUL_DOWNLOAD_DOWNLOADING) < 4) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  iterate_for (100);

  downloading = g_build_filename (out_dir, "main-downloading.png", NULL);
  save_window (GTK_WIDGET (window), downloading);
  g_settings_set_string (settings, "view", "grid");
  iterate_for (150);
  grid_downloading = g_build_filename (out_dir, "grid-downloading.png", NULL);
  save_window (GTK_WIDGET (window), grid_downloading);
  g_settings_set_string (settings, "view", "list");

  while (haul_window_is_running (window) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (haul_window_is_running (window))
    g_error ("The batch did not finish");
  iterate_for (600);

  finished = g_build_filename (out_dir, "main-finished.png", NULL);
  save_window (GTK_WIDGET (window), finished);
  g_print ("%s\n", haul_window_get_footer_text (window));

  g_settings_set_string (settings, "view", "grid");
  iterate_for (600);
  grid_finished = g_build_filename (out_dir, "grid-finished.png", NULL);
  save_window (GTK_WIDGET (window), grid_finished);

  _haul_window_preview (window, 6);
  iterate_for (800);
  preview = g_build_filename (out_dir, "preview.png", NULL);
  save_window (GTK_WIDGET (window), preview);
  g_settings_set_string (settings, "view", "list");

  gtk_window_destroy (GTK_WINDOW (window));

  /* The downloaded samples are not needed any more. */
  {
    g_autoptr(GDir) dir = g_dir_open (folder, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *file = g_build_filename (folder, name, NULL);

        g_remove (file);
      }
    g_rmdir (folder);
  }

  return 0;
}
