/* steve-diagnostics-page.c — the Diagnostics page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "steve-diagnostics-page.h"

struct _SteveDiagnosticsPage
{
  AdwBin parent_instance;

  SteveClient *client;
  SteveStreamer *streamer;
};

G_DEFINE_FINAL_TYPE (SteveDiagnosticsPage, steve_diagnostics_page, ADW_TYPE_BIN)

static void
steve_diagnostics_page_dispose (GObject *object)
{
  SteveDiagnosticsPage *self = STEVE_DIAGNOSTICS_PAGE (object);

  g_clear_object (&self->client);
  g_clear_object (&self->streamer);

  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_DIAGNOSTICS_PAGE);

  G_OBJECT_CLASS (steve_diagnostics_page_parent_class)->dispose (object);
}

static void
steve_diagnostics_page_class_init (SteveDiagnosticsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_diagnostics_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-diagnostics-page.ui");
}

static void
steve_diagnostics_page_init (SteveDiagnosticsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
steve_diagnostics_page_new (void)
{
  return g_object_new (STEVE_TYPE_DIAGNOSTICS_PAGE, NULL);
}

void
steve_diagnostics_page_set_session (SteveDiagnosticsPage *self,
                              SteveClient *client, SteveStreamer *streamer)
{
  g_return_if_fail (STEVE_IS_DIAGNOSTICS_PAGE (self));

  g_set_object (&self->client, client);
  g_set_object (&self->streamer, streamer);
}
