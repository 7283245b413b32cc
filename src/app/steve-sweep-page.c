/* steve-sweep-page.c — the Sweep page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "steve-sweep-page.h"

struct _SteveSweepPage
{
  AdwBin parent_instance;

  SteveClient *client;
  SteveStreamer *streamer;
  SteveTuner *tuner;
};

G_DEFINE_FINAL_TYPE (SteveSweepPage, steve_sweep_page, ADW_TYPE_BIN)

static void
steve_sweep_page_dispose (GObject *object)
{
  SteveSweepPage *self = STEVE_SWEEP_PAGE (object);

  g_clear_object (&self->client);
  g_clear_object (&self->streamer);
  g_clear_object (&self->tuner);

  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_SWEEP_PAGE);

  G_OBJECT_CLASS (steve_sweep_page_parent_class)->dispose (object);
}

static void
steve_sweep_page_class_init (SteveSweepPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_sweep_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-sweep-page.ui");
}

static void
steve_sweep_page_init (SteveSweepPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
steve_sweep_page_new (void)
{
  return g_object_new (STEVE_TYPE_SWEEP_PAGE, NULL);
}

void
steve_sweep_page_set_session (SteveSweepPage *self,
                              SteveClient *client, SteveStreamer *streamer, SteveTuner *tuner)
{
  g_return_if_fail (STEVE_IS_SWEEP_PAGE (self));

  g_set_object (&self->client, client);
  g_set_object (&self->streamer, streamer);
  g_set_object (&self->tuner, tuner);
}
