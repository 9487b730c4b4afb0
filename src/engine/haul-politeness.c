/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "haul-error.h"
#include "haul-politeness.h"

/* Parked jobs are checked this often for having been cancelled. */
#define CANCEL_POLL         (G_USEC_PER_SEC / 4)
/* The rate limit lets this much time's worth of bytes through at once. */
#define RATE_BURST          (G_USEC_PER_SEC / 10)
/* A pause shorter than this would only invite the next 429 at once. */
#define MIN_PAUSE           G_USEC_PER_SEC
/* A host that has not asked for a pause this long starts its backoff over. */
#define BACKOFF_RESET       (2 * HAUL_POLITENESS_MAX_PAUSE)

typedef struct
{
  gpointer      job;
  GCancellable *cancellable;
} Parked;

typedef struct
{
  guint   in_flight;
  guint   readied;        /* parked jobs handed back that have not tried again */
  gint64  next_start;     /* the earliest start of its next request */
  gint64  paused_until;
  gint64  last_pause;
  guint   pauses;         /* in a row, for the backoff */
  gpointer turn_owner;    /* the job that took the last start, and */
  gint64  turn_before;    /* @next_start before it did */
  GQueue  parked;         /* Parked *, in the order they came */
} Host;

struct _HaulPoliteness
{
  GMainContext             *context;
  GSource                  *timer;
  HaulPolitenessReadyFunc   ready;
  HaulPolitenessPausedFunc  paused;
  gpointer                  user_data;

  /* Guards everything below. */
  GMutex                    lock;
  GHashTable               *hosts;       /* char * -> Host * */
  GHashTable               *readied;     /* job -> Host *: handed back */
  GPtrArray                *handed;      /* jobs ready in a worker, for @context */
  guint                     n_parked;
  guint                     per_host;
  gint64                    delay;
  guint64                   rate;
  gint64                    rate_paid;   /* when the bytes so far are paid for */
  gint64                    max_time;
};

static void
parked_free (Parked *parked)
{
  g_clear_object (&parked->cancellable);
  g_free (parked);
}

static void
host_free (Host *host)
{
  g_queue_clear_full (&host->parked, (GDestroyNotify)parked_free);
  g_free (host);
}

static Host *
get_host (HaulPoliteness *self,
          const char     *key)
{
  Host *host = g_hash_table_lookup (self->hosts, key);

  if (host == NULL)
    {
      host = g_new0 (Host, 1);
      g_queue_init (&host->parked);
      g_hash_table_insert (self->hosts, g_strdup (key), host);
    }

  return host;
}

/* Must hold the lock. When @host may start its next transfer: G_MAXINT64
 * while its slots are full. */
static gint64
host_ready_time (HaulPoliteness *self,
                 Host           *host)
{
  if (self->per_host > 0 && host->in_flight >= self->per_host)
    return G_MAXINT64;

  return MAX (host->next_start, host->paused_until);
}

/* Must hold the lock. */
static void
arm_timer (HaulPoliteness *self,
           gint64          when)
{
  gint64 current = g_source_get_ready_time (self->timer);

  if (current < 0 || when < current)
    g_source_set_ready_time (self->timer, MAX (when, 0));
}

/* Must hold the lock: moves the jobs that may go on to @out and arms the
 * timer for the next one. */
static void
collect_ready (HaulPoliteness *self,
               GPtrArray      *out)
{
  gint64 now = g_get_monotonic_time ();
  gint64 next = G_MAXINT64;
  GHashTableIter iter;
  Host *host;

  g_hash_table_iter_init (&iter, self->hosts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&host))
    {
      GList *l = host->parked.head;

      /* Cancelled ones leave at once, wherever they wait. */
      while (l != NULL)
        {
          GList *next_link = l->next;
          Parked *parked = l->data;

          if (g_cancellable_is_cancelled (parked->cancellable))
            {
              g_queue_delete_link (&host->parked, l);
              g_hash_table_insert (self->readied, parked->job, host);
              host->readied++;
              self->n_parked--;
              g_ptr_array_add (out, parked->job);
              parked_free (parked);
            }
          l = next_link;
        }

      /* One at a time per host: the next is decided once it has started. */
      if (host->parked.length > 0 && host->readied == 0)
        {
          gint64 ready = host_ready_time (self, host);

          if (ready <= now)
            {
              Parked *parked = g_queue_pop_head (&host->parked);

              g_hash_table_insert (self->readied, parked->job, host);
              host->readied++;
              self->n_parked--;
              g_ptr_array_add (out, parked->job);
              parked_free (parked);
            }
          else
            next = MIN (next, ready);
        }
    }

  if (self->n_parked > 0)
    next = MIN (next, now + CANCEL_POLL);
  /* Jobs handed back from a worker are waiting for the timer already. */
  if (self->handed->len > 0)
    next = 0;
  if (next != G_MAXINT64)
    g_source_set_ready_time (self->timer, next);
  else
    g_source_set_ready_time (self->timer, -1);
}

static void
call_ready (HaulPoliteness *self,
            GPtrArray      *jobs)
{
  for (guint i = 0; i < jobs->len; i++)
    self->ready (g_ptr_array_index (jobs, i), self->user_data);
}

/* Jobs are handed back on @context: a worker runs below the main thread's
 * priority, and a thread that the pool would start from it could not
 * take its normal priority back without privileges. */
static void
hand_back (HaulPoliteness *self,
           GPtrArray      *jobs)
{
  if (jobs->len == 0)
    return;

  if (g_main_context_is_owner (self->context))
    {
      call_ready (self, jobs);
      return;
    }

  g_mutex_lock (&self->lock);
  g_ptr_array_extend (self->handed, jobs, NULL, NULL);
  arm_timer (self, 0);
  g_mutex_unlock (&self->lock);
}

static void
wake (HaulPoliteness *self)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new ();

  g_mutex_lock (&self->lock);
  g_ptr_array_extend_and_steal (jobs, g_steal_pointer (&self->handed));
  self->handed = g_ptr_array_new ();
  collect_ready (self, jobs);
  g_mutex_unlock (&self->lock);

  hand_back (self, jobs);
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  wake (user_data);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs timer_funcs = {
  .dispatch = timer_dispatch,
};

HaulPoliteness *
haul_politeness_new (GMainContext             *context,
                     HaulPolitenessReadyFunc   ready,
                     HaulPolitenessPausedFunc  paused,
                     gpointer                  user_data)
{
  HaulPoliteness *self = g_new0 (HaulPoliteness, 1);

  g_mutex_init (&self->lock);
  self->context = g_main_context_ref (context);
  self->ready = ready;
  self->paused = paused;
  self->user_data = user_data;
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)host_free);
  self->readied = g_hash_table_new (NULL, NULL);
  self->handed = g_ptr_array_new ();

  self->timer = g_source_new (&timer_funcs, sizeof (GSource));
  g_source_set_static_name (self->timer, "[haul] politeness");
  g_source_set_callback (self->timer, NULL, self, NULL);
  g_source_set_ready_time (self->timer, -1);
  g_source_attach (self->timer, context);

  return self;
}

void
haul_politeness_free (HaulPoliteness *self)
{
  g_source_destroy (self->timer);
  g_source_unref (self->timer);
  g_hash_table_unref (self->hosts);
  g_hash_table_unref (self->readied);
  g_ptr_array_unref (self->handed);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_free (self);
}

void
haul_politeness_set_per_host (HaulPoliteness *self,
                              guint           per_host)
{
  g_mutex_lock (&self->lock);
  self->per_host = MIN (per_host, HAUL_POLITENESS_MAX_PER_HOST);
  arm_timer (self, 0);
  g_mutex_unlock (&self->lock);
}

void
haul_politeness_set_delay (HaulPoliteness *self,
                           gint64          usec)
{
  g_mutex_lock (&self->lock);
  self->delay = MAX (usec, 0);
  arm_timer (self, 0);
  g_mutex_unlock (&self->lock);
}

void
haul_politeness_set_rate (HaulPoliteness *self,
                          guint64         bytes_per_second)
{
  g_mutex_lock (&self->lock);
  self->rate = bytes_per_second;
  self->rate_paid = 0;
  g_mutex_unlock (&self->lock);
}

void
haul_politeness_set_max_time (HaulPoliteness *self,
                              gint64          usec)
{
  g_mutex_lock (&self->lock);
  self->max_time = MAX (usec, 0);
  g_mutex_unlock (&self->lock);
}

char *
haul_politeness_host_key (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autofree char *host = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;

  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  /* SOUP_HTTP_URI_FLAGS fill in the scheme's port. */
  return g_strdup_printf ("%s:%d", host, g_uri_get_port (uri));
}

gboolean
haul_politeness_try_start (HaulPoliteness *self,
                           const char     *host_key,
                           GCancellable   *cancellable,
                           gpointer        job)
{
  gboolean was_readied;
  gint64 now;
  Host *host;

  if (host_key == NULL)
    return TRUE;

  /* The time is read under the lock: read before it, it could be older
   * than the start another worker has just noted, and this job would
   * wait for no reason. */
  g_mutex_lock (&self->lock);
  now = g_get_monotonic_time ();
  host = get_host (self, host_key);

  was_readied = g_hash_table_remove (self->readied, job);
  if (was_readied)
    host->readied--;

  /* A cancelled job goes at once, to end; parked ones go first. */
  if ((cancellable != NULL && g_cancellable_is_cancelled (cancellable)) ||
      ((was_readied || host->parked.length == 0) && host_ready_time (self, host) <= now))
    {
      host->in_flight++;
      host->turn_owner = job;
      host->turn_before = host->next_start;
      host->next_start = now + self->delay;
      /* Parked jobs leave one at a time, each once the one before has
       * started: that is now. */
      if (was_readied && host->parked.length > 0)
        arm_timer (self, 0);
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  else
    {
      Parked *parked = g_new0 (Parked, 1);

      parked->job = job;
      parked->cancellable = cancellable ? g_object_ref (cancellable) : g_cancellable_new ();
      if (was_readied)
        g_queue_push_head (&host->parked, parked);
      else
        g_queue_push_tail (&host->parked, parked);
      self->n_parked++;
      arm_timer (self, host->readied == 0 ? MIN (host_ready_time (self, host), now + CANCEL_POLL)
                                          : now + CANCEL_POLL);
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
}

void
haul_politeness_finish (HaulPoliteness *self,
                        const char     *host_key)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new ();
  Host *host;

  if (host_key == NULL)
    return;

  g_mutex_lock (&self->lock);
  host = g_hash_table_lookup (self->hosts, host_key);
  g_assert (host != NULL && host->in_flight > 0);
  host->in_flight--;

  /* Hosts come and go with the queue; one still to be waited for stays. */
  if (host->in_flight == 0 && host->parked.length == 0 && host->readied == 0 &&
      g_get_monotonic_time () - MAX (host->last_pause, host->next_start) > BACKOFF_RESET)
    g_hash_table_remove (self->hosts, host_key);

  collect_ready (self, jobs);
  g_mutex_unlock (&self->lock);

  hand_back (self, jobs);
}

void
haul_politeness_give_back_turn (HaulPoliteness *self,
                                const char     *host_key,
                                gpointer        job)
{
  Host *host;

  if (host_key == NULL)
    return;

  g_mutex_lock (&self->lock);
  host = g_hash_table_lookup (self->hosts, host_key);
  if (host != NULL && host->turn_owner == job)
    {
      host->next_start = host->turn_before;
      host->turn_owner = NULL;
      arm_timer (self, 0);
    }
  g_mutex_unlock (&self->lock);
}

void
haul_politeness_release_all (HaulPoliteness *self)
{
  g_autoptr(GPtrArray) jobs = g_ptr_array_new ();
  GHashTableIter iter;
  Host *host;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->hosts);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&host))
    {
      Parked *parked;

      while ((parked = g_queue_pop_head (&host->parked)))
        {
          g_hash_table_insert (self->readied, parked->job, host);
          host->readied++;
          self->n_parked--;
          g_ptr_array_add (jobs, parked->job);
          parked_free (parked);
        }
    }
  g_ptr_array_extend_and_steal (jobs, g_steal_pointer (&self->handed));
  self->handed = g_ptr_array_new ();
  g_mutex_unlock (&self->lock);

  /* On the caller's thread: the last call, as the queue goes. */
  call_ready (self, jobs);
}

gboolean
haul_politeness_sleep_until (gint64        until,
                             GCancellable *cancellable)
{
  GPollFD pollfd;
  gboolean has_fd = cancellable && g_cancellable_make_pollfd (cancellable, &pollfd);

  while (!g_cancellable_is_cancelled (cancellable))
    {
      gint64 remaining = until - g_get_monotonic_time ();

      if (remaining <= 0)
        break;

      if (has_fd)
        g_poll (&pollfd, 1, (int)MIN ((remaining + 999) / 1000, 1000));
      else
        g_usleep (MIN (remaining, G_USEC_PER_SEC / 20));
    }

  if (has_fd)
    g_cancellable_release_fd (cancellable);

  return !g_cancellable_is_cancelled (cancellable);
}

gboolean
haul_politeness_wait_turn (HaulPoliteness *self,
                           const char     *host_key,
                           GCancellable   *cancellable)
{
  if (host_key == NULL)
    return TRUE;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 turn;
      Host *host;

      g_mutex_lock (&self->lock);
      host = get_host (self, host_key);
      turn = MAX (host->next_start, host->paused_until);
      if (turn <= now)
        {
          host->turn_owner = NULL;
          host->next_start = now + self->delay;
          g_mutex_unlock (&self->lock);
          return TRUE;
        }
      g_mutex_unlock (&self->lock);

      if (!haul_politeness_sleep_until (turn, cancellable))
        return FALSE;
    }
}

gboolean
haul_politeness_is_pause_status (guint  status,
                                 gint64 retry_after)
{
  return status == 429 ||
         (status == SOUP_STATUS_SERVICE_UNAVAILABLE && retry_after >= 0);
}

gint64
haul_politeness_pause (HaulPoliteness *self,
                       const char     *host_key,
                       gint64          retry_after)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait;
  Host *host;

  if (host_key == NULL)
    return 0;

  g_mutex_lock (&self->lock);
  host = get_host (self, host_key);

  if (now - host->last_pause > BACKOFF_RESET)
    host->pauses = 0;

  /* A date years ahead, or a number too large, is capped. */
  if (retry_after >= 0)
    wait = MIN (retry_after, HAUL_POLITENESS_MAX_PAUSE);
  else
    wait = MIN ((gint64)MIN_PAUSE << MIN (host->pauses, 16), HAUL_POLITENESS_MAX_PAUSE);
  wait = MAX (wait, MIN_PAUSE);

  host->pauses++;
  host->last_pause = now;
  host->paused_until = MAX (host->paused_until, now + wait);
  wait = host->paused_until - now;
  g_mutex_unlock (&self->lock);

  if (self->paused != NULL)
    self->paused (host_key, wait, self->user_data);

  return wait;
}

gsize
haul_politeness_read_size (HaulPoliteness *self,
                           gsize           wanted)
{
  guint64 rate;

  g_mutex_lock (&self->lock);
  rate = self->rate;
  g_mutex_unlock (&self->lock);

  if (rate == 0)
    return wanted;

  /* A tenth of a second's worth, so that no worker takes a big gulp. */
  return (gsize)CLAMP (rate / 10, 1024, (guint64)wanted);
}

gboolean
haul_politeness_throttle (HaulPoliteness *self,
                          gsize           bytes,
                          GCancellable   *cancellable)
{
  gint64 now = g_get_monotonic_time ();
  gint64 until;

  g_mutex_lock (&self->lock);
  if (self->rate == 0 || bytes == 0)
    {
      g_mutex_unlock (&self->lock);
      return TRUE;
    }

  /* One account for every worker: each read is paid for in time, and a
   * worker sleeps while the account is ahead of the clock. */
  self->rate_paid = MAX (self->rate_paid, now - RATE_BURST);
  self->rate_paid += (gint64)((double)bytes * G_USEC_PER_SEC / (double)self->rate);
  until = self->rate_paid;
  g_mutex_unlock (&self->lock);

  return until <= now || haul_politeness_sleep_until (until, cancellable);
}

struct _HaulAttemptGuard
{
  GCancellable *cancellable;
  GCancellable *item;
  gulong        item_id;
  GSource      *timer;
  gint64        started;
  gint64        max_time;
};

static void
cancel_attempt (GCancellable *item,
                GCancellable *attempt)
{
  g_cancellable_cancel (attempt);
}

static gboolean
deadline_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

HaulAttemptGuard *
haul_attempt_guard_new (HaulPoliteness *self,
                        GCancellable   *item_cancellable)
{
  HaulAttemptGuard *guard = g_new0 (HaulAttemptGuard, 1);

  guard->cancellable = g_cancellable_new ();
  guard->item = g_object_ref (item_cancellable);
  guard->started = g_get_monotonic_time ();
  guard->item_id = g_cancellable_connect (item_cancellable, G_CALLBACK (cancel_attempt),
                                          g_object_ref (guard->cancellable), g_object_unref);

  if (self != NULL)
    {
      g_mutex_lock (&self->lock);
      guard->max_time = self->max_time;
      g_mutex_unlock (&self->lock);
    }

  /* The main context keeps the time: a blocking read wakes when cancelled. */
  if (guard->max_time > 0)
    {
      guard->timer = g_timeout_source_new ((guint)MIN ((guard->max_time + 999) / 1000, G_MAXUINT));
      g_source_set_static_name (guard->timer, "[haul] max-time");
      g_source_set_callback (guard->timer, deadline_cb, g_object_ref (guard->cancellable),
                             g_object_unref);
      g_source_attach (guard->timer, self->context);
    }

  return guard;
}

GCancellable *
haul_attempt_guard_get_cancellable (HaulAttemptGuard *guard)
{
  return guard->cancellable;
}

gboolean
haul_attempt_guard_timed_out (HaulAttemptGuard  *guard,
                              GError           **error)
{
  gboolean timed_out = guard->max_time > 0 &&
                       !g_cancellable_is_cancelled (guard->item) &&
                       (g_cancellable_is_cancelled (guard->cancellable) ||
                        g_get_monotonic_time () - guard->started >= guard->max_time);

  if (timed_out)
    {
      g_autofree char *seconds = g_strdup_printf ("%g", (double)guard->max_time / G_USEC_PER_SEC);

      g_clear_error (error);
      /* Translators: %s is a number of seconds, such as 30 or 2.5 */
      g_set_error (error, HAUL_ERROR, HAUL_ERROR_TIMED_OUT,
                   _("took too long (over %s s)"), seconds);
    }

  return timed_out;
}

void
haul_attempt_guard_free (HaulAttemptGuard *guard)
{
  g_cancellable_disconnect (guard->item, guard->item_id);
  if (guard->timer != NULL)
    {
      g_source_destroy (guard->timer);
      g_source_unref (guard->timer);
    }
  g_clear_object (&guard->item);
  g_clear_object (&guard->cancellable);
  g_free (guard);
}
