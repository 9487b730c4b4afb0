/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A host asks for a longer wait than this, or never sends Retry-After;
 * either way no host is waited for longer. */
#define HAUL_POLITENESS_MAX_PAUSE        (60 * G_USEC_PER_SEC)
/* An item that a host asks to wait this often fails after all. */
#define HAUL_POLITENESS_MAX_HOST_WAITS   10
#define HAUL_POLITENESS_MAX_PER_HOST     64

/* The manners of the whole queue, per host and in total: how many
 * transfers run to one host, how far apart their requests start, a pause
 * when a host asks for one, and a shared limit on the download rate.
 * Thread-safe; its timer runs on @context.
 *
 * A host is a "host:port" pair: two servers on one address but different
 * ports are two hosts. */
typedef struct _HaulPoliteness HaulPoliteness;

/* A parked job may start now (or was cancelled): called from any thread. */
typedef void (*HaulPolitenessReadyFunc)  (gpointer    job,
                                          gpointer    user_data);
/* A host asked to slow down: called from any thread. */
typedef void (*HaulPolitenessPausedFunc) (const char *host,
                                          gint64      usec,
                                          gpointer    user_data);

HaulPoliteness *haul_politeness_new          (GMainContext             *context,
                                              HaulPolitenessReadyFunc   ready,
                                              HaulPolitenessPausedFunc  paused,
                                              gpointer                  user_data);
void            haul_politeness_free         (HaulPoliteness           *self);

void            haul_politeness_set_per_host (HaulPoliteness           *self,
                                              guint                     per_host);
void            haul_politeness_set_delay    (HaulPoliteness           *self,
                                              gint64                    usec);
void            haul_politeness_set_rate     (HaulPoliteness           *self,
                                              guint64                   bytes_per_second);
void            haul_politeness_set_max_time (HaulPoliteness           *self,
                                              gint64                    usec);

/* "host:port" of @url, lower case, or NULL. */
char           *haul_politeness_host_key     (const char               *url);

/* Takes a transfer slot on @host and the start of its next request when
 * both are free; otherwise parks @job and returns FALSE, and @ready is
 * called for it once it may try again, or once @cancellable is cancelled.
 * Does not block. */
gboolean        haul_politeness_try_start    (HaulPoliteness           *self,
                                              const char               *host,
                                              GCancellable             *cancellable,
                                              gpointer                  job);
void            haul_politeness_finish       (HaulPoliteness           *self,
                                              const char               *host);
/* @job started but sent no request: the next one to @host need not wait
 * for the delay, unless another has started since. */
void            haul_politeness_give_back_turn (HaulPoliteness         *self,
                                                const char             *host,
                                                gpointer                job);
/* Hands every parked job to @ready, as for a cancelled one, at once and
 * on this thread. Other jobs are handed back on @context. */
void            haul_politeness_release_all  (HaulPoliteness           *self);

/* Before a further request of a started transfer (a redirect, a retry):
 * waits for @host's turn. FALSE when cancelled. */
gboolean        haul_politeness_wait_turn    (HaulPoliteness           *self,
                                              const char               *host,
                                              GCancellable             *cancellable);

/* Whether @status (with @retry_after, -1 if none) asks the host to pause. */
gboolean        haul_politeness_is_pause_status (guint                  status,
                                                 gint64                 retry_after);
/* Pauses new requests to @host for @retry_after (capped), or for a
 * backoff that doubles while the host keeps asking. Returns the wait. */
gint64          haul_politeness_pause        (HaulPoliteness           *self,
                                              const char               *host,
                                              gint64                    retry_after);

/* How much to read at once, so that the rate limit stays smooth. */
gsize           haul_politeness_read_size    (HaulPoliteness           *self,
                                              gsize                     wanted);
/* Accounts @bytes just received against the rate limit, sleeping as long
 * as it takes. FALSE when cancelled. */
gboolean        haul_politeness_throttle     (HaulPoliteness           *self,
                                              gsize                     bytes,
                                              GCancellable             *cancellable);

/* Sleeps until @until (monotonic) unless @cancellable fires first; FALSE
 * if it did. */
gboolean        haul_politeness_sleep_until  (gint64                    until,
                                              GCancellable             *cancellable);

/* One attempt's own cancellable: cancelled with @item_cancellable, or
 * once the attempt has taken longer than the maximum time. */
typedef struct _HaulAttemptGuard HaulAttemptGuard;

HaulAttemptGuard *haul_attempt_guard_new        (HaulPoliteness   *self,
                                                 GCancellable     *item_cancellable);
GCancellable     *haul_attempt_guard_get_cancellable (HaulAttemptGuard *guard);
/* Whether the attempt ran out of time; then @error says so. */
gboolean          haul_attempt_guard_timed_out  (HaulAttemptGuard *guard,
                                                 GError          **error);
void              haul_attempt_guard_free       (HaulAttemptGuard *guard);

G_END_DECLS
