/* steve-chart-private.h — internals of SteveChart shared with the benchmark
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

G_END_DECLS
