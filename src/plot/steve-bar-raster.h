/* steve-bar-raster.h — vertical one-pixel bars drawn straight into pixels
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not installed, not part of the API. Main thread only (GTK renders and
 * frees textures there).
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _SteveBarRaster SteveBarRaster;

SteveBarRaster *steve_bar_raster_new    (void);
SteveBarRaster *steve_bar_raster_ref    (SteveBarRaster *self);
void            steve_bar_raster_unref  (SteveBarRaster *self);

void            steve_bar_raster_begin  (SteveBarRaster *self,
                                         int             width,
                                         int             height);
void            steve_bar_raster_set_first_column (SteveBarRaster *self,
                                                   gint64          column);
void            steve_bar_raster_set_color (SteveBarRaster *self,
                                            const GdkRGBA  *color);
void            steve_bar_raster_column (SteveBarRaster *self,
                                         int             x,
                                         int             top,
                                         int             bottom);
void            steve_bar_raster_redraw_all (SteveBarRaster *self);
guint           steve_bar_raster_get_n_rewritten (SteveBarRaster *self);
void            steve_bar_raster_paint  (SteveBarRaster *self,
                                         cairo_t        *cr,
                                         double          x,
                                         double          y,
                                         int             scale);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveBarRaster, steve_bar_raster_unref)

G_END_DECLS
