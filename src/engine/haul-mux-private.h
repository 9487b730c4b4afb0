/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "haul-mux.h"

G_BEGIN_DECLS

/* One blocking call into the mux thread: @start runs there and begins an
 * asynchronous operation whose callback ends with haul_mux_call_done(). */
typedef struct _HaulMuxCall HaulMuxCall;

typedef void (*HaulMuxCallFunc) (HaulMuxCall *call);

struct _HaulMuxCall
{
  HaulMuxCallFunc start;
  /* Nullable; on the mux thread, for the results of a call its caller
   * gave up on. */
  HaulMuxCallFunc discard;

  /* The mux it runs on, set by haul_mux_call(); not a reference, as the
   * mux outlives its thread's callbacks. */
  HaulMux        *mux;

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
  gboolean        abandoned;

  /* Mux thread only: see haul_mux_guard(). */
  GCancellable   *guard;
  gulong          guard_handler;
  GSource        *guard_timer;
  guint64         connection;
  int             guard_reason;
};

HaulMuxCall *haul_mux_call_new   (HaulMuxCallFunc  start,
                                  HaulMuxCallFunc  discard);
HaulMuxCall *haul_mux_call_ref   (HaulMuxCall     *call);
void         haul_mux_call_unref (HaulMuxCall     *call);

gboolean     haul_mux_call       (HaulMux         *self,
                                  HaulMuxCall     *call,
                                  gboolean         give_up_on_cancel);
void         haul_mux_call_done  (HaulMuxCall     *call);

void          haul_mux_check_error (HaulMux      *self,
                                    SoupMessage  *msg,
                                    GError       *error);

GCancellable *haul_mux_guard       (HaulMux      *self,
                                    HaulMuxCall  *call,
                                    SoupMessage  *msg,
                                    guint         timeout);
void          haul_mux_unguard     (HaulMux      *self,
                                    HaulMuxCall  *call,
                                    GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HaulMuxCall, haul_mux_call_unref)

G_END_DECLS
