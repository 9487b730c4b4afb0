/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-preferences-window.h"

G_BEGIN_DECLS

struct _HaulPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  HaulSettings         *settings;

  AdwActionRow         *folder_row;
  GtkButton            *folder_reset_button;
  GtkSpinButton        *concurrency_spin;
  GtkSwitch            *start_switch;
  GtkSpinButton        *retries_spin;
  GtkSpinButton        *timeout_spin;
  GtkSpinButton        *max_size_spin;
  GtkSwitch            *any_type_switch;
  GtkSpinButton        *per_host_spin;
  GtkSpinButton        *delay_spin;
  GtkSpinButton        *speed_spin;
  AdwActionRow         *cookies_row;
  GtkButton            *cookies_clear_button;
};

G_END_DECLS
