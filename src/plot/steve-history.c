/* steve-history.c — the session's telemetry, stored for plotting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Layout: samples live in chunks of 4096 (host time as gint64 µs, five
 * float channels, 28 bytes a sample). Every chunk but the last is full, so
 * sample i is in chunk i / 4096. Each block of 16 samples and each chunk
 * carry min/max/sum/count per channel; a range query reads raw values only
 * for the partial blocks at its two ends. The block summaries are kept as
 * one array per field, so the decimation, which needs only min and max,
 * reads 8 bytes per block and two contiguous runs per column. The memory
 * cap drops whole chunks from the front, never copying the rest.
 *
 * Gaps: a step is a gap when it is longer than STEVE_HISTORY_GAP_FACTOR ×
 * the median of the previous 16 steps and more than twice the previous step
 * (so a change of the stream interval breaks the line once, not for the 16
 * steps the median needs to follow it). When both samples carry the device
 * timestamp, the device step must confirm the gap: TCP batching makes host
 * times bunch up, the device clock does not.
 */
#define G_LOG_DOMAIN "steve-history"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "steve-history.h"

#define BLOCK            STEVE_HISTORY_BLOCK_SIZE
#define CHUNK            STEVE_HISTORY_CHUNK_SIZE
#define CHUNK_SHIFT      12
#define BLOCKS_PER_CHUNK (CHUNK / BLOCK)
#define GAP_WORD         64
#define GAP_WORDS        (CHUNK / GAP_WORD)
#define N_RECENT_STEPS   16

G_STATIC_ASSERT ((1 << CHUNK_SHIFT) == CHUNK);
G_STATIC_ASSERT (CHUNK % BLOCK == 0 && CHUNK % GAP_WORD == 0);

typedef struct
{
  float   min;
  float   max;
  double  sum;
  guint32 count;     /* known (non-NaN) values */
} Summary;

typedef struct
{
  guint   n;
  guint   n_gaps;
  Summary total[STEVE_N_CHANNELS];
  /* Per block; an empty block (no known value) has min +∞, max −∞. */
  float   block_min[STEVE_N_CHANNELS][BLOCKS_PER_CHUNK];
  float   block_max[STEVE_N_CHANNELS][BLOCKS_PER_CHUNK];
  double  block_sum[STEVE_N_CHANNELS][BLOCKS_PER_CHUNK];
  guint8  block_count[STEVE_N_CHANNELS][BLOCKS_PER_CHUNK];
  guint64 gap_bits[GAP_WORDS];
  gint64  time_us[CHUNK];
  float   values[STEVE_N_CHANNELS][CHUNK];
} Chunk;

typedef struct
{
  gint64  host_us;
  char   *label;
  char   *details;
} Marker;

struct _SteveHistory
{
  GObject    parent_instance;

  GPtrArray *chunks;            /* Chunk*, oldest first */
  guint      n_samples;
  guint      max_samples;
  guint64    generation;

  gint64     origin_us;
  gboolean   origin_valid;
  gboolean   origin_explicit;

  /* Gap detector */
  gboolean   have_last;
  gint64     last_us;
  gboolean   last_has_ts;
  guint32    last_ts_ms;
  gint64     prev_step_us;
  gint64     host_steps[N_RECENT_STEPS];
  guint      n_host_steps;
  guint      host_pos;
  gint64     dev_steps[N_RECENT_STEPS];
  guint      n_dev_steps;
  guint      dev_pos;

  GArray    *markers;           /* Marker, sorted by time */

  /* Column bounds of the last decimation, shared by the channels of a frame */
  struct {
    double   t0;
    double   t1;
    guint    n_columns;
    guint    first;
    guint    n_out;
    guint64  generation;
    guint   *bounds;
    guint    alloc;
  } memo;
};

enum {
  PROP_0,
  PROP_MAX_SAMPLES,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SteveHistory, steve_history, G_TYPE_OBJECT)

/* ------------------------------------------------------------ helpers */

static inline Chunk *
chunk_at (SteveHistory *self,
          guint         index)
{
  return g_ptr_array_index (self->chunks, index >> CHUNK_SHIFT);
}

static inline double
time_at (SteveHistory *self,
         guint         index)
{
  return (double) (chunk_at (self, index)->time_us[index & (CHUNK - 1)] - self->origin_us) / 1e6;
}

static inline float
value_at_index (SteveHistory *self,
                guint         index,
                guint         channel)
{
  return chunk_at (self, index)->values[channel][index & (CHUNK - 1)];
}

static inline gboolean
gap_bit (SteveHistory *self,
         guint         index)
{
  guint off = index & (CHUNK - 1);

  return (chunk_at (self, index)->gap_bits[off / GAP_WORD] >> (off % GAP_WORD)) & 1;
}

static inline void
summary_reset (Summary *s)
{
  s->min = INFINITY;
  s->max = -INFINITY;
  s->sum = 0.0;
  s->count = 0;
}

static inline void
summary_add (Summary *s,
             float    v)
{
  if (isnan (v))
    return;
  if (v < s->min)
    s->min = v;
  if (v > s->max)
    s->max = v;
  s->sum += v;
  s->count++;
}

static inline void
summary_merge (Summary       *into,
               const Summary *s)
{
  if (s->count == 0)
    return;
  if (s->min < into->min)
    into->min = s->min;
  if (s->max > into->max)
    into->max = s->max;
  into->sum += s->sum;
  into->count += s->count;
}

static gint64
median_of (const gint64 *values,
           guint         n)
{
  gint64 v[N_RECENT_STEPS];

  g_assert (n > 0 && n <= N_RECENT_STEPS);

  memcpy (v, values, n * sizeof *v);
  for (guint i = 1; i < n; i++)
    {
      gint64 x = v[i];
      guint j = i;

      while (j > 0 && v[j - 1] > x)
        {
          v[j] = v[j - 1];
          j--;
        }
      v[j] = x;
    }

  return v[n / 2];
}

static void
marker_clear (gpointer data)
{
  Marker *m = data;

  g_clear_pointer (&m->label, g_free);
  g_clear_pointer (&m->details, g_free);
}

static void
reset_gap_detector (SteveHistory *self)
{
  self->have_last = FALSE;
  self->last_us = 0;
  self->last_has_ts = FALSE;
  self->last_ts_ms = 0;
  self->prev_step_us = 0;
  self->n_host_steps = self->host_pos = 0;
  self->n_dev_steps = self->dev_pos = 0;
}

static void
emit_changed (SteveHistory *self)
{
  self->generation++;
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ------------------------------------------------------------ GObject */

static void
steve_history_finalize (GObject *object)
{
  SteveHistory *self = (SteveHistory *) object;

  g_clear_pointer (&self->chunks, g_ptr_array_unref);
  g_clear_pointer (&self->markers, g_array_unref);
  g_clear_pointer (&self->memo.bounds, g_free);

  G_OBJECT_CLASS (steve_history_parent_class)->finalize (object);
}

static void
steve_history_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SteveHistory *self = STEVE_HISTORY (object);

  switch (prop_id)
    {
    case PROP_MAX_SAMPLES:
      g_value_set_uint (value, self->max_samples);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_history_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SteveHistory *self = STEVE_HISTORY (object);

  switch (prop_id)
    {
    case PROP_MAX_SAMPLES:
      steve_history_set_max_samples (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_history_class_init (SteveHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = steve_history_finalize;
  object_class->get_property = steve_history_get_property;
  object_class->set_property = steve_history_set_property;

  /**
   * SteveHistory:max-samples:
   *
   * Memory cap. Beyond it the oldest chunk (4096 samples) is dropped, so
   * between max-samples and max-samples + 4095 samples are kept.
   */
  properties[PROP_MAX_SAMPLES] =
    g_param_spec_uint ("max-samples", NULL, NULL,
                       1, G_MAXUINT32 / 2, STEVE_HISTORY_DEFAULT_MAX_SAMPLES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SteveHistory::changed:
   *
   * Emitted once per steve_history_append() batch, and when the history is
   * cleared, its origin changes or a marker is added.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
steve_history_init (SteveHistory *self)
{
  self->chunks = g_ptr_array_new_with_free_func (g_free);
  self->max_samples = STEVE_HISTORY_DEFAULT_MAX_SAMPLES;
  self->markers = g_array_new (FALSE, FALSE, sizeof (Marker));
  g_array_set_clear_func (self->markers, marker_clear);
}

/* ------------------------------------------------------------ public */

SteveHistory *
steve_history_new (void)
{
  return g_object_new (STEVE_TYPE_HISTORY, NULL);
}

static gboolean
detect_gap (SteveHistory      *self,
            gint64             us,
            const SteveSample *s)
{
  gboolean has_ts = s->present == 0 || (s->present & STEVE_SAMPLE_TIMESTAMP_MS) != 0;
  gboolean gap = FALSE;
  gint64 step, dev_step = 0;
  gboolean have_dev_step;

  if (!self->have_last)
    {
      self->have_last = TRUE;
      self->last_us = us;
      self->last_has_ts = has_ts;
      self->last_ts_ms = s->timestamp_ms;
      return FALSE;
    }

  step = us - self->last_us;
  have_dev_step = has_ts && self->last_has_ts;
  if (have_dev_step)
    dev_step = (gint32) (s->timestamp_ms - self->last_ts_ms);

  if (self->n_host_steps > 0)
    {
      gint64 med = median_of (self->host_steps, self->n_host_steps);

      gap = step > STEVE_HISTORY_GAP_FACTOR * med && step > 2 * self->prev_step_us;

      if (gap && have_dev_step && self->n_dev_steps > 0)
        {
          gint64 dev_med = median_of (self->dev_steps, self->n_dev_steps);

          gap = dev_step < 0 || dev_step > STEVE_HISTORY_GAP_FACTOR * dev_med;
        }
    }

  self->host_steps[self->host_pos] = step;
  self->host_pos = (self->host_pos + 1) % N_RECENT_STEPS;
  self->n_host_steps = MIN (self->n_host_steps + 1, N_RECENT_STEPS);
  if (have_dev_step && dev_step >= 0)
    {
      self->dev_steps[self->dev_pos] = dev_step;
      self->dev_pos = (self->dev_pos + 1) % N_RECENT_STEPS;
      self->n_dev_steps = MIN (self->n_dev_steps + 1, N_RECENT_STEPS);
    }

  self->prev_step_us = step;
  self->last_us = us;
  self->last_has_ts = has_ts;
  self->last_ts_ms = s->timestamp_ms;

  return gap;
}

static inline float
pick (const SteveSample *s,
      guint              bit,
      double             v)
{
  /* An empty mask is a hand-built sample: take every value as known. */
  return (s->present == 0 || (s->present & bit) != 0) ? (float) v : NAN;
}

static void
enforce_cap (SteveHistory *self)
{
  gboolean dropped = FALSE;

  while (self->chunks->len > 1 &&
         self->n_samples - CHUNK >= self->max_samples)
    {
      g_ptr_array_remove_index (self->chunks, 0);
      self->n_samples -= CHUNK;
      dropped = TRUE;
    }

  if (dropped)
    {
      Chunk *first = g_ptr_array_index (self->chunks, 0);

      /* The first kept sample has nothing before it to be apart from. */
      if (first->gap_bits[0] & 1)
        {
          first->gap_bits[0] &= ~G_GUINT64_CONSTANT (1);
          first->n_gaps--;
        }
    }
}

/**
 * steve_history_append:
 * @samples: (array length=n_samples): samples in time order
 *
 * Appends a batch (what the streamer's main-context "samples" signal
 * delivers) and emits #SteveHistory::changed once. A host time earlier
 * than the previous one is taken as equal to it.
 */
void
steve_history_append (SteveHistory      *self,
                      const SteveSample *samples,
                      guint              n_samples)
{
  g_return_if_fail (STEVE_IS_HISTORY (self));
  g_return_if_fail (samples != NULL || n_samples == 0);

  if (n_samples == 0)
    return;

  for (guint i = 0; i < n_samples; i++)
    {
      const SteveSample *s = &samples[i];
      Chunk *c;
      gint64 us = s->host_time_us;
      float v[STEVE_N_CHANNELS];
      guint off, block;

      if (!self->origin_valid)
        {
          self->origin_us = us;
          self->origin_valid = TRUE;
        }
      if (self->have_last && us < self->last_us)
        us = self->last_us;

      if (self->chunks->len == 0 ||
          (c = g_ptr_array_index (self->chunks, self->chunks->len - 1))->n == CHUNK)
        {
          c = g_new0 (Chunk, 1);
          for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
            summary_reset (&c->total[ch]);
          g_ptr_array_add (self->chunks, c);
        }

      off = c->n;
      block = off / BLOCK;

      if (detect_gap (self, us, s))
        {
          c->gap_bits[off / GAP_WORD] |= G_GUINT64_CONSTANT (1) << (off % GAP_WORD);
          c->n_gaps++;
        }

      v[STEVE_CHANNEL_POSITION] = pick (s, STEVE_SAMPLE_POSITION_DEG, s->position_deg);
      v[STEVE_CHANNEL_VELOCITY] = pick (s, STEVE_SAMPLE_OMEGA_RAD_S, s->omega_rad_s);
      v[STEVE_CHANNEL_TORQUE] = pick (s, STEVE_SAMPLE_TORQUE_NM, s->torque_nm);
      v[STEVE_CHANNEL_FILT_TORQUE] = pick (s, STEVE_SAMPLE_FILT_TORQUE_NM, s->filt_torque_nm);
      v[STEVE_CHANNEL_PASSIVITY] = pick (s, STEVE_SAMPLE_PASSIVITY_MJ, s->passivity_mj / 1000.0);

      c->time_us[off] = us;
      for (guint ch = 0; ch < STEVE_N_CHANNELS; ch++)
        {
          if (off % BLOCK == 0)
            {
              c->block_min[ch][block] = INFINITY;
              c->block_max[ch][block] = -INFINITY;
              c->block_sum[ch][block] = 0.0;
              c->block_count[ch][block] = 0;
            }
          c->values[ch][off] = v[ch];
          summary_add (&c->total[ch], v[ch]);
          if (isnan (v[ch]))
            continue;
          c->block_min[ch][block] = MIN (c->block_min[ch][block], v[ch]);
          c->block_max[ch][block] = MAX (c->block_max[ch][block], v[ch]);
          c->block_sum[ch][block] += v[ch];
          c->block_count[ch][block]++;
        }

      c->n++;
      self->n_samples++;
    }

  enforce_cap (self);
  emit_changed (self);
}

/**
 * steve_history_clear:
 *
 * Forgets every sample and marker. An origin set with
 * steve_history_set_origin_us() is kept; an automatic one is reset.
 */
void
steve_history_clear (SteveHistory *self)
{
  g_return_if_fail (STEVE_IS_HISTORY (self));

  g_ptr_array_set_size (self->chunks, 0);
  g_array_set_size (self->markers, 0);
  self->n_samples = 0;
  if (!self->origin_explicit)
    {
      self->origin_valid = FALSE;
      self->origin_us = 0;
    }
  reset_gap_detector (self);
  emit_changed (self);
}

guint
steve_history_get_n_samples (SteveHistory *self)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0);

  return self->n_samples;
}

guint
steve_history_get_max_samples (SteveHistory *self)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0);

  return self->max_samples;
}

void
steve_history_set_max_samples (SteveHistory *self,
                               guint         max_samples)
{
  g_return_if_fail (STEVE_IS_HISTORY (self));
  g_return_if_fail (max_samples > 0);

  if (self->max_samples == max_samples)
    return;

  self->max_samples = max_samples;
  if (self->n_samples > 0 && self->chunks->len > 1 &&
      self->n_samples - CHUNK >= max_samples)
    {
      enforce_cap (self);
      emit_changed (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_SAMPLES]);
}

/**
 * steve_history_get_generation:
 *
 * Returns: a counter that changes whenever the content changes (every
 *   #SteveHistory::changed); caches compare it.
 */
guint64
steve_history_get_generation (SteveHistory *self)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0);

  return self->generation;
}

/**
 * steve_history_get_memory_size:
 *
 * Returns: bytes held for samples, summaries and markers
 */
gsize
steve_history_get_memory_size (SteveHistory *self)
{
  gsize size;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0);

  size = sizeof *self + self->chunks->len * (sizeof (Chunk) + sizeof (gpointer));
  for (guint i = 0; i < self->markers->len; i++)
    {
      const Marker *m = &g_array_index (self->markers, Marker, i);

      size += sizeof *m + strlen (m->label) + 1 + strlen (m->details) + 1;
    }

  return size;
}

gint64
steve_history_get_origin_us (SteveHistory *self)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0);

  return self->origin_us;
}

/**
 * steve_history_set_origin_us:
 * @origin_us: host monotonic time (µs) of t = 0
 *
 * Fixes the time origin; without it, t = 0 is the first sample.
 */
void
steve_history_set_origin_us (SteveHistory *self,
                             gint64        origin_us)
{
  g_return_if_fail (STEVE_IS_HISTORY (self));

  self->origin_explicit = TRUE;
  if (self->origin_valid && self->origin_us == origin_us)
    return;

  self->origin_valid = TRUE;
  self->origin_us = origin_us;
  emit_changed (self);
}

double
steve_history_host_us_to_time (SteveHistory *self,
                               gint64        host_us)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0.0);

  return (double) (host_us - self->origin_us) / 1e6;
}

/**
 * steve_history_get_time_range:
 * @t0: (out) (optional): time of the oldest kept sample, s
 * @t1: (out) (optional): time of the newest sample, s
 *
 * Returns: %FALSE when the history is empty
 */
gboolean
steve_history_get_time_range (SteveHistory *self,
                              double       *t0,
                              double       *t1)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);

  if (self->n_samples == 0)
    {
      if (t0)
        *t0 = 0.0;
      if (t1)
        *t1 = 0.0;
      return FALSE;
    }

  if (t0)
    *t0 = time_at (self, 0);
  if (t1)
    *t1 = time_at (self, self->n_samples - 1);

  return TRUE;
}

/* First index whose time is ≥ t (n_samples if none). */
static guint
lower_bound (SteveHistory *self,
             double        t)
{
  guint lo = 0, hi = self->n_samples;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (time_at (self, mid) < t)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/* First index whose time is > t (n_samples if none). */
static guint
upper_bound (SteveHistory *self,
             double        t)
{
  guint lo = 0, hi = self->n_samples;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (time_at (self, mid) <= t)
        lo = mid + 1;
      else
        hi = mid;
    }

  return lo;
}

/**
 * steve_history_value_at:
 * @t: time, s
 * @value: (out): the value of the sample nearest to @t
 *
 * Returns: %FALSE outside the recorded time range, inside a gap (between
 *   the two samples of a gap step) or when the nearest value is unknown
 */
gboolean
steve_history_value_at (SteveHistory *self,
                        double        t,
                        SteveChannel  channel,
                        double       *value)
{
  guint ub, i, j;
  double ti;
  float v;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  *value = NAN;

  if (self->n_samples == 0 || isnan (t))
    return FALSE;

  ub = upper_bound (self, t);
  if (ub == 0)
    return FALSE;

  i = ub - 1;
  ti = time_at (self, i);
  if (ti == t)
    j = i;
  else
    {
      double t2;

      if (i + 1 >= self->n_samples)
        return FALSE;
      if (gap_bit (self, i + 1))
        return FALSE;

      t2 = time_at (self, i + 1);
      j = (t - ti <= t2 - t) ? i : i + 1;
    }

  v = value_at_index (self, j, channel);
  if (isnan (v))
    return FALSE;

  *value = v;
  return TRUE;
}

static void
chunk_summary (const Chunk *c,
               guint        channel,
               guint        s,
               guint        e,
               Summary     *acc)
{
  const float *v = c->values[channel];
  guint bs, be;

  if (s == 0 && e == c->n)
    {
      summary_merge (acc, &c->total[channel]);
      return;
    }

  bs = (s + BLOCK - 1) / BLOCK;
  be = e / BLOCK;

  if (bs >= be)
    {
      for (guint i = s; i < e; i++)
        summary_add (acc, v[i]);
      return;
    }

  for (guint i = s; i < bs * BLOCK; i++)
    summary_add (acc, v[i]);
  for (guint b = bs; b < be; b++)
    {
      Summary block = {
        .min = c->block_min[channel][b],
        .max = c->block_max[channel][b],
        .sum = c->block_sum[channel][b],
        .count = c->block_count[channel][b],
      };

      summary_merge (acc, &block);
    }
  for (guint i = be * BLOCK; i < e; i++)
    summary_add (acc, v[i]);
}

static void
range_summary (SteveHistory *self,
               guint         channel,
               guint         a,
               guint         b,
               Summary      *acc)
{
  while (a < b)
    {
      guint ci = a >> CHUNK_SHIFT;
      guint base = ci << CHUNK_SHIFT;
      const Chunk *c = g_ptr_array_index (self->chunks, ci);
      guint e = MIN (b - base, c->n);

      chunk_summary (c, channel, a - base, e, acc);
      a = base + e;
    }
}

/* Min and max only: the decimation's inner loop. Four independent
 * accumulators (minss/maxss chains), NaN never wins a comparison.
 * @lo_v and @hi_v are the arrays to take the minimum and the maximum of:
 * the raw values (both the same array) or the blocks' min and max. */
static inline void
minmax_of (const float *lo_v,
           const float *hi_v,
           guint        s,
           guint        e,
           float       *lo,
           float       *hi)
{
  float mn0 = *lo, mn1 = *lo, mn2 = *lo, mn3 = *lo;
  float mx0 = *hi, mx1 = *hi, mx2 = *hi, mx3 = *hi;
  guint i = s;

  for (; i + 4 <= e; i += 4)
    {
      float a = lo_v[i], b = lo_v[i + 1], c = lo_v[i + 2], d = lo_v[i + 3];
      float p = hi_v[i], q = hi_v[i + 1], r = hi_v[i + 2], t = hi_v[i + 3];

      mn0 = a < mn0 ? a : mn0;
      mn1 = b < mn1 ? b : mn1;
      mn2 = c < mn2 ? c : mn2;
      mn3 = d < mn3 ? d : mn3;
      mx0 = p > mx0 ? p : mx0;
      mx1 = q > mx1 ? q : mx1;
      mx2 = r > mx2 ? r : mx2;
      mx3 = t > mx3 ? t : mx3;
    }
  for (; i < e; i++)
    {
      float a = lo_v[i], p = hi_v[i];

      mn0 = a < mn0 ? a : mn0;
      mx0 = p > mx0 ? p : mx0;
    }

  mn0 = mn1 < mn0 ? mn1 : mn0;
  mn2 = mn3 < mn2 ? mn3 : mn2;
  mx0 = mx1 > mx0 ? mx1 : mx0;
  mx2 = mx3 > mx2 ? mx3 : mx2;
  *lo = mn2 < mn0 ? mn2 : mn0;
  *hi = mx2 > mx0 ? mx2 : mx0;
}

static void
range_minmax (SteveHistory *self,
              guint         channel,
              guint         a,
              guint         b,
              float        *lo,
              float        *hi)
{
  while (a < b)
    {
      guint ci = a >> CHUNK_SHIFT;
      guint base = ci << CHUNK_SHIFT;
      const Chunk *c = g_ptr_array_index (self->chunks, ci);
      guint s = a - base;
      guint e = MIN (b - base, c->n);

      if (s == 0 && e == c->n)
        {
          const Summary *t = &c->total[channel];

          if (t->count > 0)
            {
              *lo = MIN (*lo, t->min);
              *hi = MAX (*hi, t->max);
            }
        }
      else
        {
          guint bs = (s + BLOCK - 1) / BLOCK;
          guint be = e / BLOCK;
          const float *v = c->values[channel];

          if (bs >= be)
            minmax_of (v, v, s, e, lo, hi);
          else
            {
              minmax_of (v, v, s, bs * BLOCK, lo, hi);
              minmax_of (c->block_min[channel], c->block_max[channel], bs, be, lo, hi);
              minmax_of (v, v, be * BLOCK, e, lo, hi);
            }
        }

      a = base + e;
    }
}

/* Whether any sample in [a, b) has its gap-before bit set. */
static gboolean
range_has_gap (SteveHistory *self,
               guint         a,
               guint         b)
{
  while (a < b)
    {
      guint ci = a >> CHUNK_SHIFT;
      guint base = ci << CHUNK_SHIFT;
      const Chunk *c = g_ptr_array_index (self->chunks, ci);
      guint s = a - base;
      guint e = MIN (b - base, c->n);

      if (c->n_gaps > 0)
        {
          if (s == 0 && e == c->n)
            return TRUE;

          for (guint w = s / GAP_WORD; w <= (e - 1) / GAP_WORD; w++)
            {
              guint64 bits = c->gap_bits[w];
              guint lo = w * GAP_WORD, hi = lo + GAP_WORD;

              if (bits == 0)
                continue;
              if (s > lo)
                bits &= ~G_GUINT64_CONSTANT (0) << (s - lo);
              if (e < hi)
                bits &= (G_GUINT64_CONSTANT (1) << (e - lo)) - 1;
              if (bits)
                return TRUE;
            }
        }

      a = base + e;
    }

  return FALSE;
}

/**
 * steve_history_stats:
 * @t0: start of the range, s (inclusive)
 * @t1: end of the range, s (inclusive)
 * @min: (out) (optional):
 * @max: (out) (optional):
 * @mean: (out) (optional):
 * @n: (out) (optional): number of known values in the range
 *
 * Statistics of @channel over the samples with t0 ≤ t ≤ t1, from the
 * block summaries (the mean sums in double precision).
 *
 * Returns: %FALSE when the range holds no known value
 */
gboolean
steve_history_stats (SteveHistory *self,
                     double        t0,
                     double        t1,
                     SteveChannel  channel,
                     double       *min,
                     double       *max,
                     double       *mean,
                     guint        *n)
{
  Summary acc;
  guint a, b;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, FALSE);

  summary_reset (&acc);
  if (self->n_samples > 0 && t1 >= t0)
    {
      a = lower_bound (self, t0);
      b = upper_bound (self, t1);
      range_summary (self, channel, a, b, &acc);
    }

  if (min)
    *min = acc.count ? acc.min : NAN;
  if (max)
    *max = acc.count ? acc.max : NAN;
  if (mean)
    *mean = acc.count ? acc.sum / acc.count : NAN;
  if (n)
    *n = acc.count;

  return acc.count > 0;
}

static inline gint64
column_of (double t,
           double t0,
           double t1,
           double k,
           guint  n_columns)
{
  gint64 c;

  if (t < t0)
    return -1;
  if (t > t1)
    return n_columns;

  c = (gint64) floor ((t - t0) * k);
  return MIN (c, (gint64) n_columns - 1);
}

/* The first index in [lo, hi) whose sample is in column @c or after it
 * (hi when none is): a search from @guess, where it probably is, in steps
 * that double, then a binary search of the last step. Sample times never
 * decrease, so "before column c" holds for a prefix of the indices. */
static guint
first_in_column (SteveHistory *self,
                 guint         lo,
                 guint         hi,
                 guint         guess,
                 gint64        c,
                 double        t0,
                 double        t1,
                 double        k,
                 guint         n_columns)
{
  guint step = 1;

#define BEFORE(i) (column_of (time_at (self, (i)), t0, t1, k, n_columns) < c)

  guess = CLAMP (guess, lo, hi);
  if (guess < hi && BEFORE (guess))
    {
      lo = guess + 1;
      while (lo < hi)
        {
          guint p = hi - lo > step ? lo + step - 1 : hi - 1;

          if (!BEFORE (p))
            {
              hi = p;
              break;
            }
          lo = p + 1;
          step *= 2;
        }
    }
  else
    {
      hi = guess;
      while (lo < hi)
        {
          guint p = hi - lo > step ? hi - step : lo;

          if (BEFORE (p))
            {
              lo = p + 1;
              break;
            }
          hi = p;
          step *= 2;
        }
    }

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (BEFORE (mid))
        lo = mid + 1;
      else
        hi = mid;
    }

#undef BEFORE

  return lo;
}

/* bounds[i] = first sample index of column first + i, for i in
 * 0 … n_out; bounds[n_out] is the end of column first + n_out − 1. */
static const guint *
column_bounds (SteveHistory *self,
               double        t0,
               double        t1,
               guint         n_columns,
               guint         first,
               guint         n_out)
{
  double k = n_columns / (t1 - t0);
  guint *bounds;
  guint hi, end;
  double avg;

  if (self->memo.bounds != NULL &&
      self->memo.generation == self->generation &&
      self->memo.t0 == t0 && self->memo.t1 == t1 &&
      self->memo.n_columns == n_columns &&
      self->memo.first == first && self->memo.n_out == n_out)
    return self->memo.bounds;

  if (self->memo.alloc < n_out + 1)
    {
      g_free (self->memo.bounds);
      self->memo.bounds = g_new (guint, n_out + 1);
      self->memo.alloc = n_out + 1;
    }
  bounds = self->memo.bounds;

  hi = upper_bound (self, t1);

  /* First column: a search over the whole history */
  bounds[0] = first_in_column (self, 0, hi, hi / 2, first, t0, t1, k, n_columns);
  bounds[n_out] = (first + n_out == n_columns) ? hi : 0;
  /* the samples per column over the columns asked for, which may be a
   * few of a long grid */
  end = (first + n_out == n_columns) ? hi : upper_bound (self, t0 + (first + n_out) / k);
  avg = (double) (MAX (end, bounds[0]) - bounds[0]) / MAX (n_out, 1);

  /* Most columns end close to where an even share would end them. */
  for (guint i = 1; i <= n_out && first + i < n_columns; i++)
    bounds[i] = first_in_column (self, bounds[i - 1], hi,
                                 bounds[i - 1] + (guint) lround (avg),
                                 first + i, t0, t1, k, n_columns);

  self->memo.t0 = t0;
  self->memo.t1 = t1;
  self->memo.n_columns = n_columns;
  self->memo.first = first;
  self->memo.n_out = n_out;
  self->memo.generation = self->generation;

  return bounds;
}

/**
 * steve_history_decimate_columns_range:
 * @n_columns: number of columns of the whole decimation
 * @first_column: the first column wanted
 * @n_out: how many columns are wanted
 * @columns: (array length=n_out) (out caller-allocates): columns
 *   @first_column … @first_column + @n_out − 1
 *
 * Part of the decimation steve_history_decimate_columns() computes, with
 * exactly the same column boundaries: a view whose range has not changed
 * recomputes only its last columns when samples arrive.
 *
 * Returns: %TRUE when at least one of these columns has data
 */
gboolean
steve_history_decimate_columns_range (SteveHistory *self,
                                      SteveChannel  channel,
                                      double        t0,
                                      double        t1,
                                      guint         n_columns,
                                      guint         first_column,
                                      guint         n_out,
                                      SteveColumn  *columns)
{
  const guint *bounds;
  gboolean any = FALSE;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, FALSE);
  g_return_val_if_fail (columns != NULL || n_out == 0, FALSE);
  g_return_val_if_fail (first_column + n_out <= n_columns, FALSE);

  for (guint c = 0; c < n_out; c++)
    columns[c].flags = 0;

  if (n_out == 0 || self->n_samples == 0 || !(t1 > t0) || !isfinite (t1 - t0))
    return FALSE;

  bounds = column_bounds (self, t0, t1, n_columns, first_column, n_out);

  for (guint c = 0; c < n_out; c++)
    {
      SteveColumn *col = &columns[c];
      guint a = bounds[c], b = bounds[c + 1];
      float lo = INFINITY, hi = -INFINITY;

      if (a >= b)
        continue;

      if (a > 0 && gap_bit (self, a))
        col->flags |= STEVE_COLUMN_GAP_BEFORE;
      if (b - a > 1 && range_has_gap (self, a + 1, b))
        col->flags |= STEVE_COLUMN_GAP_INSIDE;

      if (b - a == 1)
        lo = hi = value_at_index (self, a, channel);
      else
        range_minmax (self, channel, a, b, &lo, &hi);

      if (lo <= hi)
        {
          guint i;
          float v;

          col->flags |= STEVE_COLUMN_HAS_DATA;
          col->min = lo;
          col->max = hi;

          for (i = a; isnan (v = value_at_index (self, i, channel)); i++)
            ;
          col->first = v;
          for (i = b - 1; isnan (v = value_at_index (self, i, channel)); i--)
            ;
          col->last = v;
          any = TRUE;
        }
    }

  return any;
}

/**
 * steve_history_decimate_columns:
 * @t0: start of the range, s
 * @t1: end of the range, s (> @t0)
 * @n_columns: number of pixel columns
 * @columns: (array length=n_columns) (out caller-allocates): the result
 *
 * Min/max/first/last of @channel in each column. The samples with
 * t0 ≤ t ≤ t1 are shared out with
 * `column = MIN (floor ((t − t0) × (n_columns / (t1 − t0))), n_columns − 1)`;
 * the result is exactly what a scan of those samples gives.
 *
 * Returns: %TRUE when at least one column has data
 */
gboolean
steve_history_decimate_columns (SteveHistory *self,
                                SteveChannel  channel,
                                double        t0,
                                double        t1,
                                guint         n_columns,
                                SteveColumn  *columns)
{
  return steve_history_decimate_columns_range (self, channel, t0, t1, n_columns, 0, n_columns, columns);
}

/**
 * steve_history_column_of:
 *
 * Returns: the column of the decimation (@t0, @t1, @n_columns) that a
 *   sample at time @t falls in: −1 before @t0, @n_columns after @t1
 */
gint64
steve_history_column_of (double t,
                         double t0,
                         double t1,
                         guint  n_columns)
{
  return column_of (t, t0, t1, n_columns / (t1 - t0), n_columns);
}

/**
 * steve_history_first_in_column:
 *
 * Returns: the index of the first sample in column @c of the decimation
 *   (@t0, @t1, @n_columns) or after it (the number of samples when none
 *   is); @c may be −1 … @n_columns
 */
guint
steve_history_first_in_column (SteveHistory *self,
                               gint64        c,
                               double        t0,
                               double        t1,
                               guint         n_columns)
{
  double k;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0);
  g_return_val_if_fail (t1 > t0 && n_columns > 0, 0);

  /* from where the column's start time puts it */
  k = n_columns / (t1 - t0);
  return first_in_column (self, 0, self->n_samples, lower_bound (self, t0 + (double) c / k),
                          c, t0, t1, k, n_columns);
}

/**
 * steve_history_decimate:
 * @mins: (array length=n_columns) (out caller-allocates):
 * @maxs: (array length=n_columns) (out caller-allocates):
 * @flags: (array length=n_columns) (out caller-allocates): #SteveColumnFlags
 *   per column; %STEVE_COLUMN_HAS_DATA is set where the column has data
 *
 * Like steve_history_decimate_columns(), min and max only.
 *
 * Returns: %TRUE when at least one column has data
 */
gboolean
steve_history_decimate (SteveHistory *self,
                        SteveChannel  channel,
                        double        t0,
                        double        t1,
                        guint         n_columns,
                        float        *mins,
                        float        *maxs,
                        guint8       *flags)
{
  g_autofree SteveColumn *cols = NULL;
  gboolean any;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (n_columns == 0 || (mins && maxs && flags), FALSE);

  cols = g_new (SteveColumn, MAX (n_columns, 1));
  any = steve_history_decimate_columns (self, channel, t0, t1, n_columns, cols);

  for (guint c = 0; c < n_columns; c++)
    {
      flags[c] = cols[c].flags;
      if (cols[c].flags & STEVE_COLUMN_HAS_DATA)
        {
          mins[c] = cols[c].min;
          maxs[c] = cols[c].max;
        }
      else
        mins[c] = maxs[c] = NAN;
    }

  return any;
}

/**
 * steve_history_get_index_range:
 * @first: (out): index of the first sample with t ≥ @t0
 * @end: (out): one past the last sample with t ≤ @t1
 *
 * Returns: %TRUE when the range holds at least one sample
 */
gboolean
steve_history_get_index_range (SteveHistory *self,
                               double        t0,
                               double        t1,
                               guint        *first,
                               guint        *end)
{
  guint a = 0, b = 0;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);

  if (self->n_samples > 0 && t1 >= t0)
    {
      a = lower_bound (self, t0);
      b = upper_bound (self, t1);
    }
  if (b < a)
    b = a;

  if (first)
    *first = a;
  if (end)
    *end = b;

  return b > a;
}

double
steve_history_get_time (SteveHistory *self,
                        guint         index)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), NAN);
  g_return_val_if_fail (index < self->n_samples, NAN);

  return time_at (self, index);
}

/**
 * steve_history_get_value:
 *
 * Returns: the value, NaN when the sample did not carry it
 */
float
steve_history_get_value (SteveHistory *self,
                         guint         index,
                         SteveChannel  channel)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), NAN);
  g_return_val_if_fail (index < self->n_samples, NAN);
  g_return_val_if_fail (channel < STEVE_N_CHANNELS, NAN);

  return value_at_index (self, index, channel);
}

/**
 * steve_history_is_gap_before:
 *
 * Returns: whether the step from sample @index − 1 to @index is a gap
 */
gboolean
steve_history_is_gap_before (SteveHistory *self,
                             guint         index)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);
  g_return_val_if_fail (index < self->n_samples, FALSE);

  return gap_bit (self, index);
}

/**
 * steve_history_add_marker:
 * @host_time_us: host monotonic time of the event
 * @label: a short label (a few words) drawn on the time axis
 * @details: (nullable): the full text, shown as the tooltip
 */
void
steve_history_add_marker (SteveHistory *self,
                          gint64        host_time_us,
                          const char   *label,
                          const char   *details)
{
  Marker m;
  guint i;

  g_return_if_fail (STEVE_IS_HISTORY (self));
  g_return_if_fail (label != NULL);

  m.host_us = host_time_us;
  m.label = g_strdup (label);
  m.details = g_strdup (details ? details : label);

  for (i = self->markers->len; i > 0; i--)
    if (g_array_index (self->markers, Marker, i - 1).host_us <= host_time_us)
      break;
  g_array_insert_val (self->markers, i, m);

  emit_changed (self);
}

/**
 * steve_history_add_marker_at:
 * @t: time on this history's axis, s (converted with the current origin)
 */
void
steve_history_add_marker_at (SteveHistory *self,
                             double        t,
                             const char   *label,
                             const char   *details)
{
  g_return_if_fail (STEVE_IS_HISTORY (self));
  g_return_if_fail (isfinite (t));

  steve_history_add_marker (self, self->origin_us + (gint64) llround (t * 1e6), label, details);
}

guint
steve_history_get_n_markers (SteveHistory *self)
{
  g_return_val_if_fail (STEVE_IS_HISTORY (self), 0);

  return self->markers->len;
}

/**
 * steve_history_get_marker:
 * @index: 0 … n_markers − 1, in time order
 * @t: (out) (optional): time, s
 * @label: (out) (optional) (transfer none):
 * @details: (out) (optional) (transfer none):
 */
gboolean
steve_history_get_marker (SteveHistory  *self,
                          guint          index,
                          double        *t,
                          const char   **label,
                          const char   **details)
{
  const Marker *m;

  g_return_val_if_fail (STEVE_IS_HISTORY (self), FALSE);

  if (index >= self->markers->len)
    return FALSE;

  m = &g_array_index (self->markers, Marker, index);
  if (t)
    *t = (double) (m->host_us - self->origin_us) / 1e6;
  if (label)
    *label = m->label;
  if (details)
    *details = m->details;

  return TRUE;
}

const char *
steve_channel_get_name (SteveChannel channel)
{
  static const char * const names[STEVE_N_CHANNELS] = {
    N_("Position"),
    N_("Velocity"),
    N_("Torque"),
    N_("Filtered torque"),
    N_("Passivity energy"),
  };

  g_return_val_if_fail (channel < STEVE_N_CHANNELS, NULL);

  return _(names[channel]);
}

/* The SI unit of the stored values (position: degrees). */
const char *
steve_channel_get_unit (SteveChannel channel)
{
  static const char * const units[STEVE_N_CHANNELS] = {
    "°", "rad/s", "N·m", "N·m", "J",
  };

  g_return_val_if_fail (channel < STEVE_N_CHANNELS, NULL);

  return units[channel];
}
