/* steve-chart-private.h — internals of SteveChart shared with the benchmark and the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "steve-chart.h"

G_BEGIN_DECLS

/* Drops every cached node and decimation, and has the bar raster write
 * every column again, so that the next snapshot does all the work (used
 * by the frame benchmark's worst case). */
void steve_chart_invalidate_caches (SteveChart *self);

/* How many columns of each shown channel the snapshots since the last
 * call decimated (the others they kept from the frame before): for
 * tests. */
guint steve_chart_take_n_decimated_columns (SteveChart *self);

/* The columns of @channel the last snapshot drew, if it drew them. */
const SteveColumn *steve_chart_get_columns (SteveChart   *self,
                                            SteveChannel  channel,
                                            guint        *n_columns);

G_END_DECLS
