/* steve-bar-raster.c — vertical one-pixel bars drawn straight into pixels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The chart reduces every series to one vertical bar per device-pixel
 * column. Handed to cairo as a path of a few thousand rectangles, those
 * bars cost far more in path handling than in pixels; written here, they
 * cost only their pixels (ARGB32, premultiplied).
 *
 * The pixels reach the chart's cairo node as a raster-source pattern: the
 * node records the pattern, and cairo asks for the pixels only when the
 * node is rendered. An image surface would be no good: the recording
 * would snapshot it, and cairo copies a snapshotted image the moment it
 * is modified or freed.
 *
 * Memory: a frame's node lives until GTK drops the frame, so a raster
 * keeps a few buffers and takes a buffer back when no recorded pattern
 * uses it any more. Buffers are reused rather than allocated per frame
 * (fresh multi-megabyte blocks come from mmap() and cost a page fault per
 * 4 KiB on first touch).
 *
 * A reused buffer keeps its pixels and, beside them, the list of bars
 * they show, column by column. A frame first only collects its bars;
 * painting it compares them with the buffer's, column by column, and
 * rewrites only the columns that differ (the old bars cleared, the new
 * ones written). A chart following an hour of data changes a column or
 * two per frame, not the thousand it shows. Invariant: every column of a
 * buffer's pixels is its bars drawn in order on transparent, and nothing
 * else.
 *
 * A picture can be a window onto a longer strip of columns (a chart view
 * dragged along its grid, or following the stream): the caller says
 * which strip column the picture starts at. A buffer is wider than the
 * picture by a margin and holds a run of strip columns; a picture moved
 * along the strip by a few columns finds the columns it still shows in
 * the buffer, only further left or right, and only the columns that came
 * in are written (those that went out are cleared). When the picture
 * would leave the buffer, the buffer takes a new run of columns, with the
 * picture in the middle of the margin, and every column is written.
 *
 * Threading: main thread only, like GTK's renderer that replays the nodes.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "steve-bar-raster.h"

/* More would only be needed if GTK kept more than two frames alive. */
#define MAX_SPARE_BUFFERS 3

/* One bar: rows [top, bottom) of its column in one colour. */
typedef struct
{
  gint32  top;
  gint32  bottom;
  guint32 pixel;
} Bar;

/* A bar as collected (in picture columns until the frame is painted,
 * then in buffer columns), before the frame's bars are grouped by
 * column. */
typedef struct
{
  gint32 x;
  Bar    bar;
} PendingBar;

/* Bars grouped by column, in the order they were drawn: column x's are
 * bars[start[x]] up to bars[start[x + 1]]. */
typedef struct
{
  Bar   *bars;
  guint  capacity;
  guint *start;   /* width + 1 */
} Columns;

typedef struct
{
  guint           ref_count;  /* the patterns that show it */
  SteveBarRaster *raster;     /* owned while patterns show the buffer: it
                               * may outlive the chart */
  int             width;      /* of the pictures it shows */
  int             height;
  int             span;       /* its columns: width and a margin */
  gsize           stride;
  guchar         *pixels;
  Columns         shown;      /* what the pixels show, span columns */
  gint64          base;       /* the strip column buffer column 0 holds */
} Buffer;

struct _SteveBarRaster
{
  guint       ref_count;
  GPtrArray  *spare;      /* Buffer, of the current size (one of an old
                           * size may wait here until begin() frees it) */
  Buffer     *current;    /* between begin() and paint() */
  guint32     pixel;      /* the colour, opaque */
  PendingBar *pending;    /* the current frame's bars, in call order */
  guint       n_pending;
  guint       pending_capacity;
  Columns     scratch;    /* the current frame's bars by column; swapped
                           * with the buffer's when painted */
  int         scratch_width;
  gboolean    redraw_all; /* the next paint writes every column */
  gint64      first_column; /* the strip column of the picture's column 0 */
  guint      *changed;    /* the columns a paint found changed, when few */
  guint       changed_capacity;
  guint       n_rewritten;
};

static void
columns_clear (Columns *c)
{
  g_clear_pointer (&c->bars, g_free);
  g_clear_pointer (&c->start, g_free);
  c->capacity = 0;
}

static void
buffer_free (Buffer *buffer)
{
  g_free (buffer->pixels);
  columns_clear (&buffer->shown);
  g_clear_pointer (&buffer->raster, steve_bar_raster_unref);
  g_free (buffer);
}

static Buffer *
buffer_new (SteveBarRaster *raster,
            int             width,
            int             height)
{
  Buffer *buffer = g_new0 (Buffer, 1);

  buffer->raster = steve_bar_raster_ref (raster);
  buffer->width = width;
  buffer->height = height;
  /* A picture moved along its strip rewrites it all once every margin /
   * (columns a frame) frames: a chart following the stream in a 10 s
   * window moves 1–2 columns a frame. */
  buffer->span = width + MAX (64, width / 4);
  buffer->stride = (gsize) buffer->span * 4;
  buffer->pixels = g_malloc0 (buffer->stride * height);
  /* transparent: no column shows a bar */
  buffer->shown.start = g_new0 (guint, buffer->span + 1);
  return buffer;
}

/* No pattern shows the pixels any more: they are free again, and keep
 * what they show for the next frame to compare with. */
static void
buffer_released (Buffer *buffer)
{
  SteveBarRaster *raster = buffer->raster;
  Buffer *other;

  if (raster->spare->len >= MAX_SPARE_BUFFERS)
    {
      buffer_free (buffer);
      return;
    }

  /* only buffers of the size being drawn are worth keeping */
  other = raster->spare->len > 0 ? g_ptr_array_index (raster->spare, 0) : raster->current;
  if (other != NULL && (other->width != buffer->width || other->height != buffer->height))
    {
      buffer_free (buffer);
      return;
    }

  /* the spare list holds the buffer, the buffer no longer holds the raster
   * (no cycle): a raster freed with spares frees them */
  g_ptr_array_add (raster->spare, buffer);
  g_clear_pointer (&buffer->raster, steve_bar_raster_unref);
}

SteveBarRaster *
steve_bar_raster_new (void)
{
  SteveBarRaster *self = g_new0 (SteveBarRaster, 1);

  self->ref_count = 1;
  self->spare = g_ptr_array_new_with_free_func ((GDestroyNotify) buffer_free);
  return self;
}

SteveBarRaster *
steve_bar_raster_ref (SteveBarRaster *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  self->ref_count++;
  return self;
}

void
steve_bar_raster_unref (SteveBarRaster *self)
{
  g_return_if_fail (self != NULL);

  if (--self->ref_count > 0)
    return;

  g_assert (self->current == NULL);
  g_ptr_array_unref (self->spare);
  g_free (self->pending);
  g_free (self->changed);
  columns_clear (&self->scratch);
  g_free (self);
}

/**
 * steve_bar_raster_begin:
 *
 * Starts a transparent @width × @height picture (device pixels).
 */
void
steve_bar_raster_begin (SteveBarRaster *self,
                        int             width,
                        int             height)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (self->current == NULL);
  g_return_if_fail (width > 0 && height > 0);

  self->n_pending = 0;
  self->first_column = 0;

  /* the most recently released buffer: the nearest to this frame */
  if (self->spare->len > 0)
    {
      Buffer *buffer = g_ptr_array_steal_index_fast (self->spare, self->spare->len - 1);

      if (buffer->width == width && buffer->height == height)
        {
          buffer->raster = steve_bar_raster_ref (self);
          self->current = buffer;
          return;
        }

      /* the size changed: no spare is of use any more */
      buffer_free (buffer);
      g_ptr_array_set_size (self->spare, 0);
    }

  self->current = buffer_new (self, width, height);
}

/**
 * steve_bar_raster_set_first_column:
 * @column: the strip column the picture's column 0 shows
 *
 * For a picture that is a window onto a longer strip: see the top of
 * this file. Call it between steve_bar_raster_begin() and
 * steve_bar_raster_paint(); a picture that does not starts at column 0.
 */
void
steve_bar_raster_set_first_column (SteveBarRaster *self,
                                   gint64          column)
{
  g_return_if_fail (self != NULL && self->current != NULL);

  self->first_column = column;
}

/* The colour of the columns that follow: opaque, as the series' palette
 * is (a bar replaces the pixels under it). */
void
steve_bar_raster_set_color (SteveBarRaster *self,
                            const GdkRGBA  *color)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (color->alpha >= 1.0f);

  self->pixel = 0xffu << 24 |
                (guint32) lround (CLAMP (color->red, 0.0, 1.0) * 255) << 16 |
                (guint32) lround (CLAMP (color->green, 0.0, 1.0) * 255) << 8 |
                (guint32) lround (CLAMP (color->blue, 0.0, 1.0) * 255);
}

/**
 * steve_bar_raster_column:
 * @x: the column
 * @top: first row of the bar
 * @bottom: the row after the bar's last
 *
 * Paints a one-pixel-wide bar over what is there. Rows and columns
 * outside the picture are cut off. The pixels are written when the
 * picture is painted.
 */
void
steve_bar_raster_column (SteveBarRaster *self,
                         int             x,
                         int             top,
                         int             bottom)
{
  Buffer *b = self->current;
  PendingBar *p;

  g_return_if_fail (b != NULL);

  top = MAX (top, 0);
  bottom = MIN (bottom, b->height);
  if (x < 0 || x >= b->width || top >= bottom)
    return;

  if (self->n_pending == self->pending_capacity)
    {
      g_assert (self->pending_capacity < G_MAXUINT / 2);
      self->pending_capacity = MAX (1024, self->pending_capacity * 2);
      self->pending = g_renew (PendingBar, self->pending, self->pending_capacity);
    }
  p = &self->pending[self->n_pending++];
  p->x = x;
  p->bar.top = top;
  p->bar.bottom = bottom;
  p->bar.pixel = self->pixel;
}

/* The frame's bars grouped by column into self->scratch, each column's in
 * the order they came (a counting sort on the column). */
static void
group_pending (SteveBarRaster *self,
               int             width)
{
  Columns *c = &self->scratch;

  if (self->scratch_width != width || c->start == NULL)
    {
      g_free (c->start);
      c->start = g_new (guint, width + 1);
      self->scratch_width = width;
    }
  if (c->capacity < self->n_pending)
    {
      c->capacity = MAX (MAX (self->n_pending, 1024), c->capacity * 2);
      g_free (c->bars);
      c->bars = g_new (Bar, c->capacity);
    }

  /* start[x + 1] counts column x's bars, then becomes where they end */
  memset (c->start, 0, sizeof (guint) * (width + 1));
  for (guint i = 0; i < self->n_pending; i++)
    c->start[self->pending[i].x + 1]++;
  for (int x = 0; x < width; x++)
    c->start[x + 1] += c->start[x];
  /* place each bar at its column's next free slot, start[x] counting up
   * to column x's end, which is where column x + 1 begins... */
  for (guint i = 0; i < self->n_pending; i++)
    c->bars[c->start[self->pending[i].x]++] = self->pending[i].bar;
  /* ...so every start moved up by one column: move them back */
  memmove (c->start + 1, c->start, sizeof (guint) * width);
  c->start[0] = 0;
}

static inline gboolean
column_same (const Columns *a,
             const Columns *b,
             int            x)
{
  guint n = a->start[x + 1] - a->start[x];

  return n == b->start[x + 1] - b->start[x] &&
         (n == 0 || memcmp (a->bars + a->start[x], b->bars + b->start[x], n * sizeof (Bar)) == 0);
}

/* Rows [top, bottom) of column @x in @pixel (0: cleared). */
static inline void
fill_rows (Buffer  *b,
           int      x,
           int      top,
           int      bottom,
           guint32  pixel)
{
  guchar *p = b->pixels + top * b->stride + (gsize) x * 4;

  for (int y = top; y < bottom; y++, p += b->stride)
    *(guint32 *) (gpointer) p = pixel;
}

static inline void
write_bars (Buffer    *b,
            int        x,
            const Bar *bars,
            guint      n)
{
  for (guint i = 0; i < n; i++)
    fill_rows (b, x, bars[i].top, bars[i].bottom, bars[i].pixel);
}

/* The rows @bars span: the smallest top to the largest bottom (n > 0). */
static void
bars_rows (const Bar *bars,
           guint      n,
           int       *top,
           int       *bottom)
{
  *top = bars[0].top;
  *bottom = bars[0].bottom;
  for (guint i = 1; i < n; i++)
    {
      *top = MIN (*top, bars[i].top);
      *bottom = MAX (*bottom, bars[i].bottom);
    }
}

/* Makes the buffer's pixels show the frame's bars (self->scratch). When
 * few columns changed, only those are cleared (where their old bars were:
 * nothing else in a column is drawn) and written again. When many did, or
 * steve_bar_raster_redraw_all() asked for it, the box of the old bars is
 * cleared row by row, which streams through memory where a column at a
 * time touches a cache line per pixel, and every bar is written. */
static void
update_pixels (SteveBarRaster *self,
               Buffer         *b)
{
  const Columns *old = &b->shown;
  const Columns *new = &self->scratch;
  /* a change in more than one column in eight redraws them all */
  guint max_changed = (guint) b->width / 8;
  guint n_changed = 0;

  if (self->changed_capacity < max_changed + 1)
    {
      self->changed_capacity = max_changed + 1;
      self->changed = g_renew (guint, self->changed, self->changed_capacity);
    }

  if (!self->redraw_all)
    for (int x = 0; x < b->span && n_changed <= max_changed; x++)
      if (!column_same (old, new, x))
        self->changed[n_changed++] = x;

  if (self->redraw_all || n_changed > max_changed)
    {
      guint n_old = old->start[b->span];

      if (n_old > 0)
        {
          int x0 = 0, x1 = b->span, top, bottom;

          while (old->start[x0 + 1] == 0)
            x0++;
          while (old->start[x1 - 1] == n_old)
            x1--;
          bars_rows (old->bars, n_old, &top, &bottom);
          for (int y = top; y < bottom; y++)
            memset (b->pixels + y * b->stride + x0 * 4, 0, (gsize) (x1 - x0) * 4);
        }

      /* in the order they came, series by series: a series' bars keep to
       * its lane, whose rows stay in cache from one column to the next */
      for (guint i = 0; i < self->n_pending; i++)
        write_bars (b, self->pending[i].x, &self->pending[i].bar, 1);
      self->redraw_all = FALSE;
      self->n_rewritten = b->width;
    }
  else
    {
      for (guint i = 0; i < n_changed; i++)
        {
          int x = self->changed[i];
          guint on = old->start[x + 1] - old->start[x];

          if (on > 0)
            {
              int top, bottom;

              bars_rows (old->bars + old->start[x], on, &top, &bottom);
              fill_rows (b, x, top, bottom, 0);
            }
          write_bars (b, x, new->bars + new->start[x], new->start[x + 1] - new->start[x]);
        }
      self->n_rewritten = n_changed;
    }

  /* the buffer now shows the frame's bars; its old list is the next
   * frame's scratch */
  {
    Columns tmp = b->shown;

    b->shown = self->scratch;
    self->scratch = tmp;
  }
}

/**
 * steve_bar_raster_get_n_rewritten:
 *
 * Returns: how many columns the last paint wrote again (the width when
 *   it wrote every one): for tests
 */
guint
steve_bar_raster_get_n_rewritten (SteveBarRaster *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_rewritten;
}

/**
 * steve_bar_raster_redraw_all:
 *
 * Makes the next painted picture clear the old bars of the buffer it
 * reuses and write every bar, as a change of colours does. For measuring
 * that cost; the pictures are the same either way.
 */
void
steve_bar_raster_redraw_all (SteveBarRaster *self)
{
  g_return_if_fail (self != NULL);

  self->redraw_all = TRUE;
}

static cairo_surface_t *
pattern_acquire (cairo_pattern_t             *pattern,
                 void                        *data,
                 cairo_surface_t             *target,
                 const cairo_rectangle_int_t *extents)
{
  Buffer *b = data;

  return cairo_image_surface_create_for_data (b->pixels, CAIRO_FORMAT_ARGB32, b->span, b->height, (int) b->stride);
}

static void
pattern_release (cairo_pattern_t *pattern,
                 void            *data,
                 cairo_surface_t *surface)
{
  cairo_surface_destroy (surface);
}

static cairo_status_t
pattern_copy (cairo_pattern_t       *pattern,
              void                  *data,
              const cairo_pattern_t *other)
{
  Buffer *b = data;

  b->ref_count++;
  return CAIRO_STATUS_SUCCESS;
}

static void
pattern_finish (cairo_pattern_t *pattern,
                void            *data)
{
  Buffer *b = data;

  if (--b->ref_count == 0)
    buffer_released (b);
}

/**
 * steve_bar_raster_paint:
 * @cr: where the picture goes
 * @x: (in user units) where its top-left pixel goes
 * @y: the same, vertically
 * @scale: device pixels per user unit: one picture pixel per device pixel
 *
 * Paints the picture begun with steve_bar_raster_begin(). A recording @cr
 * (a GTK cairo node) keeps it until the node is gone; no pixel is copied.
 *
 * The picture replaces what is under it, transparent pixels included
 * (CAIRO_OPERATOR_SOURCE): paint it first into a context of its own, as
 * the chart does into its data node. Replayed onto a cleared image, as
 * cairo replays a node's recording, SOURCE is a copy.
 */
void
steve_bar_raster_paint (SteveBarRaster *self,
                        cairo_t        *cr,
                        double          x,
                        double          y,
                        int             scale)
{
  Buffer *b;
  int margin, offset;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;

  g_return_if_fail (self != NULL && self->current != NULL);
  g_return_if_fail (scale > 0);

  b = g_steal_pointer (&self->current);

  /* where the picture lies in the buffer: where its strip columns are,
   * or, if they are not all there, in the middle of the margin (a new,
   * transparent buffer holds strip columns from 0: any will do) */
  margin = b->span - b->width;
  if (self->first_column - b->base < 0 || self->first_column - b->base > margin)
    b->base = self->first_column - margin / 2;
  offset = (int) (self->first_column - b->base);
  for (guint i = 0; i < self->n_pending; i++)
    self->pending[i].x += offset;

  group_pending (self, b->span);
  update_pixels (self, b);
  self->n_pending = 0;

  /* the pattern holds the buffer's reference */
  b->ref_count = 1;
  pattern = cairo_pattern_create_raster_source (b, CAIRO_CONTENT_COLOR_ALPHA, b->span, b->height);
  cairo_raster_source_pattern_set_acquire (pattern, pattern_acquire, pattern_release);
  cairo_raster_source_pattern_set_copy (pattern, pattern_copy);
  cairo_raster_source_pattern_set_finish (pattern, pattern_finish);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_NONE);
  /* user (x, y) is buffer pixel (offset, 0) */
  cairo_matrix_init (&matrix, scale, 0, 0, scale, offset - x * scale, -y * scale);
  cairo_pattern_set_matrix (pattern, &matrix);

  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_rectangle (cr, x, y, b->width / (double) scale, b->height / (double) scale);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_pattern_destroy (pattern);
}
