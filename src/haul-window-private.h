/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-download.h"
#include "haul-downloader.h"
#include "haul-intake.h"
#include "haul-launcher-entry.h"
#include "haul-preview.h"
#include "haul-queue.h"
#include "haul-settings.h"
#include "haul-window.h"

G_BEGIN_DECLS

struct _HaulWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template children */
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwStatusPage        *empty_page;
  GtkListView          *list_view;
  GtkGridView          *grid_view;
  GtkStack             *views_stack;
  GtkSearchBar         *search_bar;
  GtkSearchEntry       *search_entry;
  GtkWidget            *filter_bar;
  GtkButton            *filter_all_button;
  GtkButton            *filter_waiting_button;
  GtkButton            *filter_done_button;
  GtkButton            *filter_failed_button;
  GtkLabel             *selection_label;
  HaulPreview          *preview;
  GtkButton            *download_button;
  GtkWidget            *footer;
  GtkLabel             *footer_label;
  GtkLabel             *notice_label;
  GtkLabel             *speed_label;
  GtkLabel             *time_left_label;
  GtkProgressBar       *footer_progress;

  HaulSettings         *settings;
  HaulDownloader       *downloader;
  /* The list, with its counts, session and record: the window draws it. */
  HaulQueue            *queue;
  /* What the views show: the queue, sorted, filtered, selected. */
  GtkSortListModel     *sort_model;
  GtkFilterListModel   *filter_model;
  GtkCustomFilter      *filter;
  GtkMultiSelection    *selection;
  GSimpleActionGroup   *view_actions;
  /* The state filter: a HaulDownloadGroup, or -1 for all. */
  int                   filter_group;
  /* The searched word, ASCII-lowercased; NULL when not searching. */
  char                 *search_text;
  gint64                last_refilter;
  HaulLauncherEntry    *launcher_entry;
  HaulRecord           *record;
  /* Items brought back unfinished from the last run, until Continue. */
  guint                 n_restored_unfinished;

  /* Loading files and parsing text; cancelled when the window goes. */
  GCancellable         *intake_cancellable;

  guint                 footer_tick_id;
  guint                 footer_idle_id;
  guint                 notice_id;      /* hides the notice of a paused host */

  /* HaulIntakeReject of the last links added, for the Details button. */
  GPtrArray            *last_rejects;

  /* The last message shown in a toast, kept for the tests. */
  char                 *last_message;
  guint                 last_n_added;
  guint                 last_n_rejected;
};

/* haul-window.c */
void     haul_window_add_intake           (HaulWindow    *self,
                                           HaulIntake    *intake);
void     haul_window_add_text             (HaulWindow    *self,
                                           const char    *text,
                                           gssize         length,
                                           const char    *content_type);
void     haul_window_add_uris             (HaulWindow    *self,
                                           const char    *text);
void     haul_window_show_toast           (HaulWindow    *self,
                                           const char    *message);
void     haul_window_start                (HaulWindow    *self,
                                           GPtrArray     *downloads);
void     haul_window_cancel               (HaulWindow    *self);
void     haul_window_remove               (HaulWindow    *self,
                                           HaulDownload  *download);
HaulDownload *haul_window_lookup          (HaulWindow    *self,
                                           const char    *url);
void     haul_window_queue_update         (HaulWindow    *self);
void     haul_window_update_now           (HaulWindow    *self);
gboolean haul_window_is_running           (HaulWindow    *self);
const char *haul_window_get_footer_text   (HaulWindow    *self);
const char *haul_window_get_notice_text   (HaulWindow    *self);
char    *haul_window_format_rejects       (HaulWindow    *self,
                                           guint          max);

/* haul-window-actions.c */
void     _haul_window_class_actions_init  (HaulWindowClass *klass);
void     _haul_window_paste               (HaulWindow    *self);
void     _haul_window_export_report       (HaulWindow    *self,
                                           GFile         *file);
void     _haul_window_add_stream          (HaulWindow    *self,
                                           GInputStream  *stream,
                                           const char    *mime_type);

/* haul-window-view.c: the views, their filter, sorting and selection */
void     _haul_window_class_view_init     (HaulWindowClass *klass);
void     _haul_window_view_init           (HaulWindow    *self);
void     _haul_window_view_dispose        (HaulWindow    *self);
/* Draws the figures of the queue: filter counts, progress, speed. */
void     _haul_window_view_update         (HaulWindow             *self,
                                           const HaulQueueCounts  *counts,
                                           const HaulQueueSummary *summary);
void     _haul_window_view_session_finished (HaulWindow  *self);
/* The selected items (HaulDownload *, referenced), in view order. */
GPtrArray *_haul_window_dup_selected      (HaulWindow    *self);
void     _haul_window_preview             (HaulWindow    *self,
                                           guint          position);

/* haul-window-dnd.c */
void     _haul_window_bind_manners        (HaulWindow    *self);
void     _haul_window_manners_init        (HaulWindow    *self);
void     _haul_window_manners_dispose     (HaulWindow    *self);
void     _haul_window_dnd_init            (HaulWindow    *self);
/* Takes what a drop delivered: a GdkFileList, a GFile or a string. */
gboolean _haul_window_drop_value          (HaulWindow    *self,
                                           const GValue  *value);

/* haul-window-folder.c */
gboolean _haul_window_check_folder        (HaulWindow    *self,
                                           GPtrArray     *items);
void     _haul_window_folder_chosen       (HaulWindow    *self,
                                           GFile         *folder);
GtkNativeDialog *_haul_window_get_folder_chooser (HaulWindow *self);

G_END_DECLS
