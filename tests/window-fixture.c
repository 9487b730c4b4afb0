/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the window tests share: a fresh window, folder and record per test,
 * and ways to wait for it. */
#include "config.h"

#include <glib/gstdio.h>

#include "window-fixture.h"

HaulTestServer *server;

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;

  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @condition holds; fails after @seconds. */
void
wait_until (Fixture   *fixture,
            Condition  condition,
            guint      seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, timeout_cb, &timed_out);
  /* What another process does wakes nothing here: look again now and then. */
  guint tick_id = g_timeout_add (50, tick_cb, NULL);

  while (!condition (fixture) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (timed_out)
    g_error ("Timed out after %u s", seconds);

  g_source_remove (id);
  g_source_remove (tick_id);
}

void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        remove_tree (child);
      }

  g_remove (path);
}

guint
count_files (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;

  while (g_dir_read_name (dir) != NULL)
    n++;

  return n;
}

void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  /* Never the user's Pictures: a fresh folder for each test, and a record
   * of its own. */
  fixture->folder = g_dir_make_tmp ("haul-test-XXXXXX", NULL);
  g_assert_nonnull (fixture->folder);
  fixture->state = g_dir_make_tmp ("haul-state-XXXXXX", NULL);
  g_assert_nonnull (fixture->state);
  g_setenv ("XDG_STATE_HOME", fixture->state, TRUE);
  g_settings_set_string (settings, "download-folder", fixture->folder);
  g_settings_set_boolean (settings, "start-immediately", FALSE);
  g_settings_set_int (settings, "concurrent-downloads", 8);

  fixture->window = haul_window_new (NULL);
  g_object_ref_sink (fixture->window);
  gtk_window_present (GTK_WINDOW (fixture->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

gboolean
is_idle (Fixture *fixture)
{
  return !haul_window_is_running (fixture->window);
}

gboolean
record_gone (Fixture *fixture)
{
  return fixture->record == NULL;
}

void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  HaulWindow *window = fixture->window;

  haul_window_cancel (window);
  wait_until (fixture, is_idle, 30);

  /* The record outlives the window until its last write is done. */
  g_object_add_weak_pointer (G_OBJECT (window->record), (gpointer *)&fixture->record);
  fixture->record = window->record;

  gtk_window_destroy (GTK_WINDOW (window));
  fixture->window = NULL;
  g_assert_finalize_object (window);
  wait_until (fixture, record_gone, 30);

  remove_tree (fixture->folder);
  g_free (fixture->folder);
  remove_tree (fixture->state);
  g_free (fixture->state);
}

guint
n_rows (Fixture *fixture)
{
  return g_list_model_get_n_items (G_LIST_MODEL (fixture->window->queue));
}

HaulDownload *
row_item (Fixture *fixture,
          guint    position)
{
  g_autoptr(HaulDownload) download = g_list_model_get_item (G_LIST_MODEL (fixture->window->queue),
                                                            position);

  /* The store keeps it alive. */
  return download;
}

void
add_urls (Fixture    *fixture,
          const char *prefix,
          guint       n,
          const char *query)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint before = n_rows (fixture);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/picture-%02u.png%s", prefix, i, query ? query : "");
      g_autofree char *url = haul_test_server_url (server, path);

      g_string_append_printf (text, "%s\n", url);
    }

  haul_window_add_text (fixture->window, text->str, -1, "text/plain");

  while (n_rows (fixture) < before + n)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_rows (fixture), ==, before + n);
}

void
collect_widgets (GtkWidget *widget,
                 GType      type,
                 GPtrArray *widgets)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    {
      g_ptr_array_add (widgets, widget);
      return;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_widgets (child, type, widgets);
}

void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}
