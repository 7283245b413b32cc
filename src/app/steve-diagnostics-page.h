/* steve-diagnostics-page.h — the Diagnostics page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "steve-client.h"
#include "steve-streamer.h"
#include "steve-tuner.h"

G_BEGIN_DECLS

/**
 * SteveDiagnosticsSection:
 * @STEVE_DIAGNOSTICS_ODRIVE: `GET /odrive`
 * @STEVE_DIAGNOSTICS_CAN: `GET /can`
 * @STEVE_DIAGNOSTICS_STREAM: `GET /stream`
 * @STEVE_DIAGNOSTICS_PERFORMANCE: `GET /performance`, or the statistics
 *   computed from the telemetry stream when the device does not offer it
 * @STEVE_DIAGNOSTICS_LINK: the link as measured by this computer (local)
 *
 * The groups of the page.
 */
typedef enum
{
  STEVE_DIAGNOSTICS_ODRIVE,
  STEVE_DIAGNOSTICS_CAN,
  STEVE_DIAGNOSTICS_STREAM,
  STEVE_DIAGNOSTICS_PERFORMANCE,
  STEVE_DIAGNOSTICS_LINK,
} SteveDiagnosticsSection;

#define STEVE_DIAGNOSTICS_N_SECTIONS (STEVE_DIAGNOSTICS_LINK + 1)

#define STEVE_TYPE_DIAGNOSTICS_PAGE (steve_diagnostics_page_get_type ())
G_DECLARE_FINAL_TYPE (SteveDiagnosticsPage, steve_diagnostics_page, STEVE, DIAGNOSTICS_PAGE, AdwBin)

GtkWidget  *steve_diagnostics_page_new         (void);
void        steve_diagnostics_page_set_session (SteveDiagnosticsPage    *self,
                                                SteveClient             *client,
                                                SteveStreamer           *streamer);
void        steve_diagnostics_page_refresh     (SteveDiagnosticsPage    *self);
gboolean    steve_diagnostics_page_is_refreshing (SteveDiagnosticsPage  *self);
void        steve_diagnostics_page_set_performance_window (SteveDiagnosticsPage *self,
                                                guint                    seconds);
guint       steve_diagnostics_page_get_performance_window (SteveDiagnosticsPage *self);

/* What the page shows, for tests and for the accessibility of its values. */
const char *steve_diagnostics_page_get_value_text (SteveDiagnosticsPage *self,
                                                const char              *id);
GtkWidget  *steve_diagnostics_page_get_value_row  (SteveDiagnosticsPage *self,
                                                const char              *id);
const char *steve_diagnostics_page_get_section_error (SteveDiagnosticsPage *self,
                                                SteveDiagnosticsSection  section);
gboolean    steve_diagnostics_page_is_section_stale  (SteveDiagnosticsPage *self,
                                                SteveDiagnosticsSection  section);
gboolean    steve_diagnostics_page_is_section_pending (SteveDiagnosticsPage *self,
                                                SteveDiagnosticsSection  section);
guint       steve_diagnostics_page_get_n_reads    (SteveDiagnosticsPage *self,
                                                SteveDiagnosticsSection  section);
gboolean    steve_diagnostics_page_get_performance (SteveDiagnosticsPage *self,
                                                StevePerformance        *out,
                                                gboolean                *computed);
gboolean    steve_diagnostics_page_get_performance_span (SteveDiagnosticsPage *self,
                                                guint32                 *first_timestamp_ms,
                                                guint32                 *last_timestamp_ms,
                                                guint                   *n_samples);

G_END_DECLS
