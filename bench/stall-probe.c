/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Measures main-loop stalls of any GLib program from outside: loaded with
 * LD_PRELOAD, it attaches a high-priority 10 ms timer to the default main
 * context before main() runs. A timer dispatched later than its period
 * means the main thread was busy; every such delay over 2 ms is appended
 * to $HAUL_STALL_LOG as "<g_get_monotonic_time () µs> <delay µs>", so the
 * reader can keep only the stalls of the interval it measures. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PERIOD_MS 10
#define REPORT_US 2000

static FILE *stall_log;
static gint64 last_tick;

static gboolean
tick (gpointer data)
{
  gint64 now = g_get_monotonic_time ();
  gint64 late = now - last_tick - PERIOD_MS * 1000;

  if (late > REPORT_US)
    {
      fprintf (stall_log, "%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", now, late);
      fflush (stall_log);
    }
  last_tick = now;
  return G_SOURCE_CONTINUE;
}

__attribute__((constructor)) static void
probe_init (void)
{
  const char *path = getenv ("HAUL_STALL_LOG");
  GSource *source;

  /* Children (thumbnailers, D-Bus helpers) are not what we measure. */
  unsetenv ("LD_PRELOAD");
  if (path == NULL || (stall_log = fopen (path, "a")) == NULL)
    return;
  unsetenv ("HAUL_STALL_LOG");

  fprintf (stall_log, "# start %" G_GINT64_FORMAT " pid %d\n",
           g_get_monotonic_time (), (int) getpid ());
  fflush (stall_log);
  last_tick = g_get_monotonic_time ();
  source = g_timeout_source_new (PERIOD_MS);
  g_source_set_priority (source, G_PRIORITY_HIGH);
  g_source_set_callback (source, tick, NULL, NULL);
  g_source_attach (source, NULL);
  g_source_unref (source);
}
