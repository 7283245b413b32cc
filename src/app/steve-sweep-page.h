/* steve-sweep-page.h — the Sweep page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-client.h"
#include "steve-streamer.h"
#include "steve-sweep.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

#define STEVE_TYPE_SWEEP_PAGE (steve_sweep_page_get_type ())
G_DECLARE_FINAL_TYPE (SteveSweepPage, steve_sweep_page, STEVE, SWEEP_PAGE, AdwBin)

GtkWidget  *steve_sweep_page_new                (void);
void        steve_sweep_page_set_session        (SteveSweepPage       *self,
                                                 SteveClient          *client,
                                                 SteveStreamer        *streamer,
                                                 SteveTuner           *tuner);

gboolean    steve_sweep_page_start              (SteveSweepPage       *self,
                                                 const SteveSweepPlan *plan,
                                                 GFile                *destination,
                                                 GError              **error);
void        steve_sweep_page_abort              (SteveSweepPage       *self);
gboolean    steve_sweep_page_is_busy            (SteveSweepPage       *self);

void        steve_sweep_page_get_plan           (SteveSweepPage       *self,
                                                 SteveSweepPlan       *plan);
void        steve_sweep_page_set_plan           (SteveSweepPage       *self,
                                                 const SteveSweepPlan *plan);

SteveSweep *steve_sweep_page_get_sweep          (SteveSweepPage       *self);
GtkWidget  *steve_sweep_page_get_results_view   (SteveSweepPage       *self);
GtkWidget  *steve_sweep_page_get_plot           (SteveSweepPage       *self);
void        steve_sweep_page_set_plot_metric    (SteveSweepPage       *self,
                                                 SteveSweepMetric      metric);
char       *steve_sweep_page_format_number      (double                value);
gboolean    steve_sweep_page_export_csv_to_file (SteveSweepPage       *self,
                                                 GFile                *file,
                                                 GError              **error);

G_END_DECLS
