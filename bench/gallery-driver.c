/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drives the window from inside, for bench/gui_stress.py: preloaded beside
 * stall-probe.so, it waits for the file $HAUL_DRIVE_GO (written once every
 * download arrived), then
 *   - scrolls the visible list or grid from the top at 60 rows a second, on
 *     the frame clock, to the bottom or for 40 s, and
 *   - types words into the search bar, timing each keystroke to the
 *     filtered model, and the filtering itself,
 * appending "scroll <start µs> <end µs> <rows>" and "filter <key µs>
 * <filter start µs> <end µs> <n shown> <text>" lines (g_get_monotonic_time) to
 * $HAUL_DRIVE_LOG, and "done" at the end. It only uses GTK's own types, found
 * by walking the window's widgets. */
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define ROWS_PER_SECOND 60.0
/* 20,000 rows of a list would take five minutes: 2,400 rows show as much. */
#define MAX_SCROLL_SECONDS 40.0

static const char *words[] = { "img-01", "img-0123", "png", "zzz", "jpg" };

static char *go_path;
static FILE *drive_log;
static GtkWidget *view;
static GtkAdjustment *adjustment;
static GtkWidget *entry;
static GListModel *shown;
static gint64 scroll_start;
static double row_height;
static guint word;

static GtkWidget *
find_widget (GtkWidget  *widget,
             const char *type_name,
             gboolean    mapped_only)
{
  GType type = g_type_from_name (type_name);

  if (type != 0 && G_TYPE_CHECK_INSTANCE_TYPE (widget, type) &&
      (!mapped_only || gtk_widget_get_mapped (widget)))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type_name, mapped_only);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static void
finish (void)
{
  fprintf (drive_log, "done\n");
  fflush (drive_log);
}

/* Typing: one character every 150 ms, so that each keystroke is
 * answered on its own. An emission hook runs
 * before the window's handler of "search-changed", a handler connected
 * here after it: the filtering is what lies between. */
static const char *typed;
static guint n_typed;
static gint64 key_at;
static gint64 filter_start;

static gboolean
search_started_hook (GSignalInvocationHint *hint,
                     guint                  n_values,
                     const GValue          *values,
                     gpointer               data)
{
  filter_start = g_get_monotonic_time ();
  return TRUE;
}

static void
search_changed_cb (GtkSearchEntry *search_entry,
                   gpointer        data)
{
  gint64 now = g_get_monotonic_time ();

  if (key_at == 0)
    return;

  fprintf (drive_log, "filter %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %u %s\n",
           key_at, filter_start, now, g_list_model_get_n_items (shown),
           gtk_editable_get_text (GTK_EDITABLE (search_entry)));
  fflush (drive_log);
  key_at = 0;
}

static gboolean
type_cb (gpointer data)
{
  if (typed == NULL || typed[n_typed] == '\0')
    {
      word++;
      if (word >= G_N_ELEMENTS (words))
        {
          finish ();
          return G_SOURCE_REMOVE;
        }
      /* A new word: clear the entry (GTK filters at once for an empty one). */
      typed = words[word];
      n_typed = 0;
      gtk_editable_set_text (GTK_EDITABLE (entry), "");
      return G_SOURCE_CONTINUE;
    }

  {
    char c[2] = { typed[n_typed++], '\0' };
    int position;

    key_at = g_get_monotonic_time ();
    position = g_utf8_strlen (gtk_editable_get_text (GTK_EDITABLE (entry)), -1);
    gtk_editable_insert_text (GTK_EDITABLE (entry), c, 1, &position);
  }

  return G_SOURCE_CONTINUE;
}

static void
start_filtering (GtkWidget *window)
{
  entry = find_widget (window, "GtkSearchEntry", FALSE);
  if (entry == NULL || shown == NULL)
    {
      finish ();
      return;
    }

  gtk_widget_activate_action (window, "win.find", NULL);
  g_signal_add_emission_hook (g_signal_lookup ("search-changed", GTK_TYPE_SEARCH_ENTRY), 0,
                              search_started_hook, NULL, NULL);
  g_signal_connect (entry, "search-changed", G_CALLBACK (search_changed_cb), NULL);
  word = 0;
  typed = words[0];
  g_timeout_add (150, type_cb, NULL);
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  double seconds = (g_get_monotonic_time () - scroll_start) / (double)G_USEC_PER_SEC;
  double end = gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
  double value = MIN (seconds * ROWS_PER_SECOND * row_height, end);

  gtk_adjustment_set_value (adjustment, value);
  if (value < end && seconds < MAX_SCROLL_SECONDS)
    return G_SOURCE_CONTINUE;

  fprintf (drive_log, "scroll %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %.0f\n", scroll_start,
           g_get_monotonic_time (), value / row_height);
  fflush (drive_log);
  start_filtering (GTK_WIDGET (gtk_widget_get_root (widget)));

  return G_SOURCE_REMOVE;
}

static gboolean
poll_go_cb (gpointer data)
{
  GList *toplevels;
  GtkWidget *window = NULL;
  GtkWidget *scrolled;
  GtkWidget *item;

  if (!g_file_test (go_path, G_FILE_TEST_EXISTS))
    return G_SOURCE_CONTINUE;

  toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL && window == NULL; l = l->next)
    if (gtk_widget_get_mapped (l->data))
      window = l->data;
  g_list_free (toplevels);

  view = window ? find_widget (window, "GtkGridView", TRUE) : NULL;
  if (view == NULL && window != NULL)
    view = find_widget (window, "GtkListView", TRUE);
  if (view == NULL)
    {
      finish ();
      return G_SOURCE_REMOVE;
    }

  shown = G_LIST_MODEL (GTK_IS_GRID_VIEW (view) ? gtk_grid_view_get_model (GTK_GRID_VIEW (view))
                                                : gtk_list_view_get_model (GTK_LIST_VIEW (view)));
  scrolled = gtk_widget_get_parent (view);
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  /* The height of a row: an item widget's, with its margins. */
  item = gtk_widget_get_first_child (view);
  row_height = item ? MAX (gtk_widget_get_height (item), 1) + 8 : 100;

  fprintf (drive_log, "view %s %.0f\n", G_OBJECT_TYPE_NAME (view), row_height);
  fflush (drive_log);
  (void)scrolled;

  scroll_start = g_get_monotonic_time ();
  gtk_widget_add_tick_callback (view, scroll_tick_cb, NULL, NULL);

  return G_SOURCE_REMOVE;
}

__attribute__((constructor)) static void
driver_init (void)
{
  const char *log_path = getenv ("HAUL_DRIVE_LOG");
  const char *go = getenv ("HAUL_DRIVE_GO");

  if (log_path == NULL || go == NULL || (drive_log = fopen (log_path, "a")) == NULL)
    return;

  go_path = g_strdup (go);
  unsetenv ("HAUL_DRIVE_LOG");
  unsetenv ("HAUL_DRIVE_GO");
  g_timeout_add (200, poll_go_cb, NULL);
}
