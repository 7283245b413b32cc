/* steve-soak-check.h — what the device-restart soaks measure and check
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by tests/test-soak.c (the library stack) and
 * tests/app/test-soak-gui.c (the window). Header only: static inline
 * functions, so each test program carries its own copy.
 *
 * The truth is the simulator: its sample log says which sample went out
 * on which connection in which boot, and a watcher thread notes the
 * moments the device went down and came back. The recording is compared
 * with both:
 *
 *  - every sample the simulator queued on a stream connection between
 *    the first and the last recorded sample is in the recording, once, in
 *    order (matched by timestamp_ms and seq; the device clock restarts on
 *    reboot, so a sample is identified by its place in the log);
 *  - every change of connection in the log (a cut, or a reboot) has a
 *    reconnect-gap event in the recording, between exactly the last sample
 *    before and the first after, flagged as a restart when the boot
 *    changed; there are no other gap events;
 *  - the first sample after a reboot arrives at most a bound after the
 *    device came back up.
 */
#pragma once

#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "steve-protocol.h"
#include "steve-recording.h"
#include "steve-sim.h"

G_BEGIN_DECLS

#define SOAK_DEFAULT_MAX_REPORTS 10

/* ------------------------------------------------------------------ duration */

/* STEVE_SOAK_SECONDS overrides @default_s (whole seconds, 10 … 86400). */
static inline guint
soak_duration_s (guint default_s)
{
  const char *text = g_getenv ("STEVE_SOAK_SECONDS");
  guint64 v;

  if (text != NULL && g_ascii_string_to_unsigned (text, 10, 10, 86400, &v, NULL))
    return (guint) v;
  return default_s;
}

/* ------------------------------------------------------------------ process figures */

static inline gboolean
soak_under_asan (void)
{
#if defined(__SANITIZE_ADDRESS__)
  return TRUE;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return TRUE;
#else
  return g_getenv ("ASAN") != NULL;
#endif
#else
  return g_getenv ("ASAN") != NULL;
#endif
}

/* The stream must be back this soon after the device (or after a cut).
 * Under ASan the app's main loop runs about three times slower (the gate
 * gives those tests three times the time, too): the bound doubles. */
static inline double
soak_reconnect_bound_ms (void)
{
  return soak_under_asan () ? 2000.0 : 1000.0;
}

/* Resident set size in bytes (/proc/self/statm), 0 if unknown. */
static inline guint64
soak_rss_bytes (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    return 0;
  fields = g_strsplit (text, " ", -1);
  if (g_strv_length (fields) < 2)
    return 0;
  return g_ascii_strtoull (fields[1], NULL, 10) * (guint64) sysconf (_SC_PAGESIZE);
}

static inline guint
soak_count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static inline guint
soak_count_threads (void)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return 0;
  line = strstr (text, "\nThreads:");
  return line ? (guint) g_ascii_strtoull (line + 9, NULL, 10) : 0;
}

/* Live sources attached to @context: every id handed out so far is looked up. */
static inline guint
soak_count_sources (GMainContext *context)
{
  GSource *probe = g_idle_source_new ();
  guint last, n = 0;

  last = g_source_attach (probe, context);
  g_source_destroy (probe);
  g_source_unref (probe);

  for (guint id = 1; id < last; id++)
    if (g_main_context_find_source_by_id (context, id) != NULL)
      n++;
  return n;
}

/* ------------------------------------------------------------------ outage changes */

/* Settings changed while the device was away: each must reach the device
 * afterwards, or fail with an error the tuner reports. A change still
 * queued when a newer one is made is rightly merged into it by the client
 * (latest wins), so a soak makes its next change only once these have
 * settled (soak_outage_changes_settled()). */
typedef struct
{
  GHashTable *values;    /* viscous × 10⁴ → applied yet */
  guint       changes;
  guint       applied;
  guint       errors;    /* every error the tuner reported */
} SoakOutageChanges;

static inline void
soak_outage_changes_init (SoakOutageChanges *c)
{
  *c = (SoakOutageChanges) { .values = g_hash_table_new (NULL, NULL) };
}

static inline void
soak_outage_changes_clear (SoakOutageChanges *c)
{
  g_clear_pointer (&c->values, g_hash_table_unref);
}

/* The viscous value for the next change during an outage: distinct from
 * the regular changes' values and exact at the device's 4 decimals. */
static inline double
soak_outage_changes_next (SoakOutageChanges *c)
{
  double v = 0.1500 + 0.0010 * (c->changes++ % 100);

  g_hash_table_insert (c->values, GINT_TO_POINTER ((int) lround (v * 10000)), GINT_TO_POINTER (FALSE));
  return v;
}

/* From the tuner's "applied" signal. */
static inline void
soak_outage_changes_note_applied (SoakOutageChanges *c,
                                  const SteveConfig *after)
{
  gpointer key;

  if (!steve_config_has (after, STEVE_FIELD_VISCOUS))
    return;
  key = GINT_TO_POINTER ((int) lround (after->values[STEVE_FIELD_VISCOUS] * 10000));
  if (g_hash_table_contains (c->values, key) && !GPOINTER_TO_INT (g_hash_table_lookup (c->values, key)))
    {
      g_hash_table_insert (c->values, key, GINT_TO_POINTER (TRUE));
      c->applied++;
    }
}

static inline gboolean
soak_outage_changes_settled (gpointer data)
{
  const SoakOutageChanges *c = data;

  return c->applied + c->errors >= c->changes;
}

/* ------------------------------------------------------------------ the watcher */

typedef struct
{
  gint64   time_us;
  guint    boot_count;
  gboolean up;
} SoakSimState;

typedef struct
{
  SteveSim *sim;
  GThread  *thread;
  gint      quit;
  GMutex    lock;
  GArray   *states;     /* SoakSimState, every change seen */
} SoakWatch;

static inline gpointer
soak_watch_thread (gpointer data)
{
  SoakWatch *w = data;
  SoakSimState last = { 0, G_MAXUINT, FALSE };

  while (!g_atomic_int_get (&w->quit))
    {
      SoakSimState now;

      now.up = steve_sim_is_up (w->sim);
      now.boot_count = steve_sim_get_boot_count (w->sim);
      now.time_us = g_get_monotonic_time ();
      if (now.up != last.up || now.boot_count != last.boot_count)
        {
          g_mutex_lock (&w->lock);
          g_array_append_val (w->states, now);
          g_mutex_unlock (&w->lock);
          last = now;
        }
      g_usleep (500);
    }
  return NULL;
}

/* Notes, every half millisecond, whether @sim is up and its boot count. */
static inline SoakWatch *
soak_watch_new (SteveSim *sim)
{
  SoakWatch *w = g_new0 (SoakWatch, 1);

  w->sim = g_object_ref (sim);
  g_mutex_init (&w->lock);
  w->states = g_array_new (FALSE, FALSE, sizeof (SoakSimState));
  w->thread = g_thread_new ("soak-watch", soak_watch_thread, w);
  return w;
}

static inline gboolean
soak_watch_is_up (SoakWatch *w)
{
  gboolean up = FALSE;

  g_mutex_lock (&w->lock);
  if (w->states->len > 0)
    up = g_array_index (w->states, SoakSimState, w->states->len - 1).up;
  g_mutex_unlock (&w->lock);
  return up;
}

/* Stops the thread; returns (transfer full) the changes seen. */
static inline GArray *
soak_watch_free (SoakWatch *w)
{
  GArray *states;

  g_atomic_int_set (&w->quit, 1);
  g_thread_join (w->thread);
  states = w->states;
  g_mutex_clear (&w->lock);
  g_object_unref (w->sim);
  g_free (w);
  return states;
}

/* ------------------------------------------------------------------ the check */

typedef struct
{
  guint64  sent;              /* logged between the first and the last recorded sample */
  guint64  recorded;
  guint64  lost;              /* logged in that window, not recorded */
  guint64  extra;             /* recorded, not logged (after the last match) */
  gboolean aligned;           /* the first recorded sample was found in the log */
  guint    restarts;          /* reboots the watcher saw within the window */
  guint    restart_gaps;      /* connection changes across a boot, in the log */
  guint    cuts;              /* connection changes within a boot, in the log */
  guint    skipped_boots;     /* boots without a connection of ours */
  guint    gap_events;        /* reconnect-gap events recorded */
  guint    stall_events;      /* gap events (within a connection) recorded */
  guint    gaps_matched;      /* outages with exactly their event */
  guint    gaps_bad;          /* outages whose event is missing or wrong */
  double   max_gap_error_ms;  /* |event duration − outage| */
  GArray  *restart_ms;        /* double: device up → first sample after */
  GArray  *cut_ms;            /* double: last sample sent before → first after */
  GArray  *downtime_ms;       /* double: down → up, as the watcher saw it */
} SoakResult;

static inline void
soak_result_clear (SoakResult *r)
{
  g_clear_pointer (&r->restart_ms, g_array_unref);
  g_clear_pointer (&r->cut_ms, g_array_unref);
  g_clear_pointer (&r->downtime_ms, g_array_unref);
}

static inline int
soak_cmp_double (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* max and median of @values (sorted in place); 0 when empty */
static inline void
soak_max_median (GArray *values,
                 double *max,
                 double *median)
{
  *max = *median = 0;
  if (values == NULL || values->len == 0)
    return;
  g_array_sort (values, soak_cmp_double);
  *max = g_array_index (values, double, values->len - 1);
  *median = g_array_index (values, double, values->len / 2);
}

static inline void
soak_check (GArray         *log,
            SteveRecording *recording,
            GArray         *states,
            guint           interval_ms,
            SoakResult     *r)
{
  const SteveSample *samples;
  const SteveRecordingEvent *events;
  g_autofree guint *row_of = NULL;      /* recorded sample → log index */
  guint n_samples, n_events, i0 = 0, i_end = 0, i, j, e, reports = 0;
  gboolean found = FALSE;

  memset (r, 0, sizeof *r);
  r->restart_ms = g_array_new (FALSE, FALSE, sizeof (double));
  r->cut_ms = g_array_new (FALSE, FALSE, sizeof (double));
  r->downtime_ms = g_array_new (FALSE, FALSE, sizeof (double));

  samples = steve_recording_get_samples (recording, &n_samples);
  events = steve_recording_get_events (recording, &n_events);
  r->recorded = n_samples;

  for (e = 0; e < n_events; e++)
    if (events[e].kind == STEVE_RECORDING_EVENT_RECONNECT_GAP)
      r->gap_events++;
    else if (events[e].kind == STEVE_RECORDING_EVENT_GAP)
      {
        r->stall_events++;
        g_test_message ("unexpected gap event within a connection: %u → %u ms (%.0f ms)",
                        events[e].from_timestamp_ms, events[e].timestamp_ms, events[e].duration_ms);
      }

  if (n_samples == 0 || log->len == 0)
    return;

  /* where the recording starts in the log: the last sending of that
   * sample before it arrived */
  for (i = 0; i < log->len; i++)
    {
      const SteveSimSentSample *s = &g_array_index (log, SteveSimSentSample, i);

      if (s->time_us > samples[0].host_time_us)
        break;
      if (s->timestamp_ms == samples[0].timestamp_ms && s->seq == samples[0].seq)
        {
          i0 = i;
          found = TRUE;
        }
    }
  r->aligned = found;
  if (!found)
    {
      g_test_message ("the first recorded sample (%u ms, seq %u) was never sent", samples[0].timestamp_ms, samples[0].seq);
      r->extra = n_samples;
      return;
    }

  /* both are in sending order: walk them side by side */
  row_of = g_new0 (guint, n_samples);
  for (i = i0, j = 0; i < log->len && j < n_samples; i++)
    {
      const SteveSimSentSample *s = &g_array_index (log, SteveSimSentSample, i);

      if (s->timestamp_ms == samples[j].timestamp_ms && s->seq == samples[j].seq)
        {
          row_of[j++] = i;
          i_end = i;
          continue;
        }
      r->lost++;
      if (reports++ < SOAK_DEFAULT_MAX_REPORTS)
        g_test_message ("lost: boot %u connection %u sample %u ms (seq %u), sent at +%.3f s",
                        s->boot_id, s->conn_id, s->timestamp_ms, s->seq,
                        (s->time_us - g_array_index (log, SteveSimSentSample, i0).time_us) / 1e6);
    }
  r->extra = n_samples - j;
  if (r->extra > 0)
    g_test_message ("%" G_GUINT64_FORMAT " recorded samples from sample %u (%u ms) on were not sent in that order",
                    r->extra, j, samples[j].timestamp_ms);
  /* the samples after a loss are not matched: stop the window at the last match */
  r->sent = i_end - i0 + 1;
  if (r->extra > 0)
    n_samples = j;

  /* reboots the watcher saw while we were recording, and how long the device was away */
  {
    const SteveSimSentSample *first = &g_array_index (log, SteveSimSentSample, i0);
    const SteveSimSentSample *last = &g_array_index (log, SteveSimSentSample, i_end);
    gint64 down_since = 0;

    for (guint k = 0; k < states->len; k++)
      {
        const SoakSimState *st = &g_array_index (states, SoakSimState, k);

        if (!st->up)
          down_since = st->time_us;
        else if (down_since != 0)
          {
            double ms = (st->time_us - down_since) / 1000.0;
            g_array_append_val (r->downtime_ms, ms);
            down_since = 0;
          }
        if (k > 0 && st->boot_count > g_array_index (states, SoakSimState, k - 1).boot_count &&
            st->time_us > first->time_us && st->time_us < last->time_us)
          r->restarts += st->boot_count - g_array_index (states, SoakSimState, k - 1).boot_count;
      }
  }

  /* every change of connection: its event, its duration, the reconnection time */
  e = 0;
  for (j = 1; j < n_samples; j++)
    {
      const SteveSimSentSample *a = &g_array_index (log, SteveSimSentSample, row_of[j - 1]);
      const SteveSimSentSample *b = &g_array_index (log, SteveSimSentSample, row_of[j]);
      gboolean restart = a->boot_id != b->boot_id;
      const SteveRecordingEvent *ev = NULL;
      double outage_ms, latency_ms;

      if (a->conn_id == b->conn_id)
        continue;

      if (restart)
        {
          r->restart_gaps++;
          r->skipped_boots += b->boot_id - a->boot_id - 1;
        }
      else
        r->cuts++;

      /* the next reconnect-gap event must be this one */
      while (e < n_events && events[e].kind != STEVE_RECORDING_EVENT_RECONNECT_GAP)
        e++;
      if (e < n_events)
        ev = &events[e++];

      outage_ms = (b->time_us - a->time_us) / 1000.0;
      if (ev == NULL || ev->from_timestamp_ms != a->timestamp_ms || ev->timestamp_ms != b->timestamp_ms ||
          ev->host_time_us != samples[j].host_time_us || ev->device_restarted != restart)
        {
          r->gaps_bad++;
          if (reports++ < SOAK_DEFAULT_MAX_REPORTS)
            g_test_message ("%s between %u ms (boot %u) and %u ms (boot %u): %s",
                            restart ? "restart" : "cut", a->timestamp_ms, a->boot_id, b->timestamp_ms, b->boot_id,
                            ev == NULL ? "no gap event" : "the gap event is elsewhere or wrong");
          if (ev != NULL && reports < SOAK_DEFAULT_MAX_REPORTS)
            g_test_message ("  event: %u → %u ms, restarted %d", ev->from_timestamp_ms, ev->timestamp_ms,
                            ev->device_restarted);
        }
      else
        {
          r->gaps_matched++;
          r->max_gap_error_ms = MAX (r->max_gap_error_ms, fabs (ev->duration_ms + interval_ms - outage_ms));
        }

      if (restart)
        {
          /* from the moment the device was up again */
          gint64 up_us = 0;

          for (guint k = 0; k < states->len; k++)
            {
              const SoakSimState *st = &g_array_index (states, SoakSimState, k);

              if (st->up && st->time_us > a->time_us && st->time_us <= b->time_us && up_us == 0)
                up_us = st->time_us;
            }
          latency_ms = up_us ? (samples[j].host_time_us - up_us) / 1000.0 : G_MAXDOUBLE;
          g_array_append_val (r->restart_ms, latency_ms);
        }
      else
        {
          latency_ms = (samples[j].host_time_us - a->time_us) / 1000.0;
          g_array_append_val (r->cut_ms, latency_ms);
        }
    }

  /* nothing else */
  for (; e < n_events; e++)
    if (events[e].kind == STEVE_RECORDING_EVENT_RECONNECT_GAP)
      {
        r->gaps_bad++;
        g_test_message ("a reconnect-gap event where the stream was healthy: %u → %u ms",
                        events[e].from_timestamp_ms, events[e].timestamp_ms);
      }
}

G_END_DECLS
