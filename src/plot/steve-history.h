/* steve-history.h — the session's telemetry, stored for plotting
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SteveHistory keeps five channels of every sample (float each) and its
 * host time, in fixed-size chunks, with min/max/sum summaries per block of
 * 16 samples and per chunk, so that any time range decimates to pixel
 * columns in O(columns × log n). Main thread only.
 */
#pragma once

#include <glib-object.h>

#include "steve-plot-types.h"
#include "steve-telemetry.h"

G_BEGIN_DECLS

/* One hour at 100 Hz is 360 000 samples; the default cap keeps two. */
#define STEVE_HISTORY_DEFAULT_MAX_SAMPLES 720000
#define STEVE_HISTORY_BLOCK_SIZE          16
#define STEVE_HISTORY_CHUNK_SIZE          4096
/* A step longer than this many times the median step breaks the line. */
#define STEVE_HISTORY_GAP_FACTOR          3.0

/**
 * SteveColumn:
 * @min: smallest known value in the column
 * @max: largest known value in the column
 * @first: first known value in the column (in time order)
 * @last: last known value in the column
 * @flags: #SteveColumnFlags
 *
 * One pixel column of a decimation. The values are meaningful only when
 * @flags has %STEVE_COLUMN_HAS_DATA.
 */
typedef struct
{
  float  min;
  float  max;
  float  first;
  float  last;
  guint8 flags;
} SteveColumn;

#define STEVE_TYPE_HISTORY (steve_history_get_type ())
G_DECLARE_FINAL_TYPE (SteveHistory, steve_history, STEVE, HISTORY, GObject)

SteveHistory *steve_history_new              (void);

void          steve_history_append           (SteveHistory      *self,
                                              const SteveSample *samples,
                                              guint              n_samples);
void          steve_history_clear            (SteveHistory      *self);

guint         steve_history_get_n_samples    (SteveHistory      *self);
guint         steve_history_get_max_samples  (SteveHistory      *self);
void          steve_history_set_max_samples  (SteveHistory      *self,
                                              guint              max_samples);
guint64       steve_history_get_generation   (SteveHistory      *self);
gsize         steve_history_get_memory_size  (SteveHistory      *self);

gint64        steve_history_get_origin_us    (SteveHistory      *self);
void          steve_history_set_origin_us    (SteveHistory      *self,
                                              gint64             origin_us);
double        steve_history_host_us_to_time  (SteveHistory      *self,
                                              gint64             host_us);

gboolean      steve_history_get_time_range   (SteveHistory      *self,
                                              double            *t0,
                                              double            *t1);
gboolean      steve_history_value_at         (SteveHistory      *self,
                                              double             t,
                                              SteveChannel       channel,
                                              double            *value);
gboolean      steve_history_stats            (SteveHistory      *self,
                                              double             t0,
                                              double             t1,
                                              SteveChannel       channel,
                                              double            *min,
                                              double            *max,
                                              double            *mean,
                                              guint             *n);
gboolean      steve_history_decimate         (SteveHistory      *self,
                                              SteveChannel       channel,
                                              double             t0,
                                              double             t1,
                                              guint              n_columns,
                                              float             *mins,
                                              float             *maxs,
                                              guint8            *flags);
gboolean      steve_history_decimate_columns (SteveHistory      *self,
                                              SteveChannel       channel,
                                              double             t0,
                                              double             t1,
                                              guint              n_columns,
                                              SteveColumn       *columns);
gboolean      steve_history_decimate_columns_range (SteveHistory *self,
                                              SteveChannel       channel,
                                              double             t0,
                                              double             t1,
                                              guint              n_columns,
                                              guint              first_column,
                                              guint              n_out,
                                              SteveColumn       *columns);
gint64        steve_history_column_of        (double             t,
                                              double             t0,
                                              double             t1,
                                              guint              n_columns);
guint         steve_history_first_in_column  (SteveHistory      *self,
                                              gint64             c,
                                              double             t0,
                                              double             t1,
                                              guint              n_columns);

/* Raw access by index (0 = oldest retained sample). */
gboolean      steve_history_get_index_range  (SteveHistory      *self,
                                              double             t0,
                                              double             t1,
                                              guint             *first,
                                              guint             *end);
double        steve_history_get_time         (SteveHistory      *self,
                                              guint              index);
float         steve_history_get_value        (SteveHistory      *self,
                                              guint              index,
                                              SteveChannel       channel);
gboolean      steve_history_is_gap_before    (SteveHistory      *self,
                                              guint              index);

/* Markers: config changes and other events, drawn as vertical lines. */
void          steve_history_add_marker       (SteveHistory      *self,
                                              gint64             host_time_us,
                                              const char        *label,
                                              const char        *details);
void          steve_history_add_marker_at    (SteveHistory      *self,
                                              double             t,
                                              const char        *label,
                                              const char        *details);
guint         steve_history_get_n_markers    (SteveHistory      *self);
gboolean      steve_history_get_marker       (SteveHistory      *self,
                                              guint              index,
                                              double            *t,
                                              const char       **label,
                                              const char       **details);

const char   *steve_channel_get_name         (SteveChannel       channel);
const char   *steve_channel_get_unit         (SteveChannel       channel);

G_END_DECLS
