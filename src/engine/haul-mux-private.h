/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-mux.h"

G_BEGIN_DECLS

/* One blocking call into the mux thread: @start runs there and begins an
 * asynchronous operation whose callback ends with haul_mux_call_done(). */
typedef struct _HaulMuxCall HaulMuxCall;

struct _HaulMuxCall
{
  void          (*start) (HaulMuxCall *call);

  /* What the operation works on, set by the caller. */
  gpointer        object;
  gpointer        other;
  gpointer        buffer;
  gsize           size;
  GCancellable   *cancellable;

  /* What it gave, set on the mux thread before haul_mux_call_done(). */
  gpointer        result;
  gssize          count;
  GError         *error;

  GMutex          lock;
  GCond           cond;
  gboolean        done;
};

void haul_mux_call      (HaulMux     *self,
                         HaulMuxCall *call);
void haul_mux_call_done (HaulMuxCall *call);

G_END_DECLS
