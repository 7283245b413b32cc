/* steve-presets-page.c — the Presets page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "steve-presets-page.h"

struct _StevePresetsPage
{
  AdwBin parent_instance;

  SteveClient *client;
  SteveTuner *tuner;
};

G_DEFINE_FINAL_TYPE (StevePresetsPage, steve_presets_page, ADW_TYPE_BIN)

static void
steve_presets_page_dispose (GObject *object)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (object);

  g_clear_object (&self->client);
  g_clear_object (&self->tuner);

  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_PRESETS_PAGE);

  G_OBJECT_CLASS (steve_presets_page_parent_class)->dispose (object);
}

static void
steve_presets_page_class_init (StevePresetsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_presets_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-presets-page.ui");
}

static void
steve_presets_page_init (StevePresetsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
steve_presets_page_new (void)
{
  return g_object_new (STEVE_TYPE_PRESETS_PAGE, NULL);
}

void
steve_presets_page_set_session (StevePresetsPage *self,
                              SteveClient *client, SteveTuner *tuner)
{
  g_return_if_fail (STEVE_IS_PRESETS_PAGE (self));

  g_set_object (&self->client, client);
  g_set_object (&self->tuner, tuner);
}
