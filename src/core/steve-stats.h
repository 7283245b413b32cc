/* steve-stats.h — statistics computed by the client from the stream
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "steve-protocol.h"
#include "steve-telemetry.h"

G_BEGIN_DECLS

void steve_performance_compute (const SteveSample *samples,
                                guint              n_samples,
                                StevePerformance  *out);

G_END_DECLS
