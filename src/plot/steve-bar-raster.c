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
 * 4 KiB on first touch), and a reused buffer is cleared only where bars
 * were drawn.
 *
 * Threading: main thread only, like GTK's renderer that replays the nodes.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "steve-bar-raster.h"

/* More would only be needed if GTK kept more than two frames alive. */
#define MAX_SPARE_BUFFERS 3

typedef struct
{
  guint           ref_count;  /* the patterns that show it */
  SteveBarRaster *raster;     /* owned while patterns show the buffer: it
                               * may outlive the chart */
  int             width;
  int             height;
  gsize           stride;
  guchar         *pixels;
  int             dirty_x0;   /* the box drawn in: [x0, x1) × [y0, y1) */
  int             dirty_x1;
  int             dirty_y0;
  int             dirty_y1;
} Buffer;

struct _SteveBarRaster
{
  guint      ref_count;
  GPtrArray *spare;       /* Buffer, cleared, of the current size */
  Buffer    *current;     /* between begin() and paint() */
  guint32    pixel;       /* the colour, opaque */
};

static void
buffer_free (Buffer *buffer)
{
  g_free (buffer->pixels);
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
  buffer->stride = (gsize) width * 4;
  buffer->pixels = g_malloc0 (buffer->stride * height);
  return buffer;
}

/* Clears what the last frame drew, so the buffer is transparent again:
 * row by row over the box drawn in (memset() streams through memory; a
 * column at a time would touch a cache line per pixel). */
static void
buffer_clear (Buffer *buffer)
{
  for (int y = buffer->dirty_y0; y < buffer->dirty_y1; y++)
    memset (buffer->pixels + y * buffer->stride + buffer->dirty_x0 * 4, 0,
            (gsize) (buffer->dirty_x1 - buffer->dirty_x0) * 4);
  buffer->dirty_x0 = buffer->dirty_x1 = buffer->dirty_y0 = buffer->dirty_y1 = 0;
}

/* No pattern shows the pixels any more: they are free again. */
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

  buffer_clear (buffer);
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
 * outside the picture are cut off.
 */
void
steve_bar_raster_column (SteveBarRaster *self,
                         int             x,
                         int             top,
                         int             bottom)
{
  Buffer *b = self->current;
  guint32 pixel = self->pixel;
  guchar *p;

  g_return_if_fail (b != NULL);

  top = MAX (top, 0);
  bottom = MIN (bottom, b->height);
  if (x < 0 || x >= b->width || top >= bottom)
    return;

  p = b->pixels + top * b->stride + x * 4;
  for (int y = top; y < bottom; y++, p += b->stride)
    *(guint32 *) (gpointer) p = pixel;

  if (b->dirty_x0 >= b->dirty_x1)
    {
      b->dirty_x0 = x;
      b->dirty_x1 = x + 1;
      b->dirty_y0 = top;
      b->dirty_y1 = bottom;
    }
  else
    {
      b->dirty_x0 = MIN (b->dirty_x0, x);
      b->dirty_x1 = MAX (b->dirty_x1, x + 1);
      b->dirty_y0 = MIN (b->dirty_y0, top);
      b->dirty_y1 = MAX (b->dirty_y1, bottom);
    }
}

static cairo_surface_t *
pattern_acquire (cairo_pattern_t             *pattern,
                 void                        *data,
                 cairo_surface_t             *target,
                 const cairo_rectangle_int_t *extents)
{
  Buffer *b = data;

  return cairo_image_surface_create_for_data (b->pixels, CAIRO_FORMAT_ARGB32, b->width, b->height, (int) b->stride);
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
 */
void
steve_bar_raster_paint (SteveBarRaster *self,
                        cairo_t        *cr,
                        double          x,
                        double          y,
                        int             scale)
{
  Buffer *b;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;

  g_return_if_fail (self != NULL && self->current != NULL);
  g_return_if_fail (scale > 0);

  b = g_steal_pointer (&self->current);
  b->ref_count = 1;
  pattern = cairo_pattern_create_raster_source (b, CAIRO_CONTENT_COLOR_ALPHA, b->width, b->height);
  cairo_raster_source_pattern_set_acquire (pattern, pattern_acquire, pattern_release);
  cairo_raster_source_pattern_set_copy (pattern, pattern_copy);
  cairo_raster_source_pattern_set_finish (pattern, pattern_finish);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_NONE);
  cairo_matrix_init_scale (&matrix, scale, scale);
  cairo_matrix_translate (&matrix, -x, -y);
  cairo_pattern_set_matrix (pattern, &matrix);

  cairo_save (cr);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, x, y, b->width / (double) scale, b->height / (double) scale);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_pattern_destroy (pattern);
}
