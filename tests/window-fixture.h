/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "haul-test-server.h"
#include "haul-window-private.h"

G_BEGIN_DECLS

/* Started by each test program's main (). */
extern HaulTestServer *server;

typedef struct
{
  HaulWindow *window;
  char       *folder;
  char       *state;
  HaulRecord *record;     /* weak, while it goes */
} Fixture;

typedef gboolean (*Condition) (Fixture *fixture);

/* Runs the main loop until @condition holds; fails after @seconds. */
void          wait_until        (Fixture       *fixture,
                                 Condition      condition,
                                 guint          seconds);
/* Lets the main loop run for @ms milliseconds. */
void          spin              (guint          ms);
void          remove_tree       (const char    *path);
guint         count_files       (const char    *path);
void          fixture_set_up    (Fixture       *fixture,
                                 gconstpointer  data);
void          fixture_tear_down (Fixture       *fixture,
                                 gconstpointer  data);
gboolean      is_idle           (Fixture       *fixture);
gboolean      record_gone       (Fixture       *fixture);
guint         n_rows            (Fixture       *fixture);
HaulDownload *row_item          (Fixture       *fixture,
                                 guint          position);
/* Adds @n links "@prefix/picture-NN.png@query" and waits until they are in
 * the list. */
void          add_urls          (Fixture       *fixture,
                                 const char    *prefix,
                                 guint          n,
                                 const char    *query);
/* The descendants of @widget of @type, not looking inside those. */
void          collect_widgets   (GtkWidget     *widget,
                                 GType          type,
                                 GPtrArray     *widgets);

G_END_DECLS
