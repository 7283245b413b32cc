/* steve-preferences-window.c — preferences, stored in GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "steve-preferences"

#include "config.h"

#include "steve-app-resources.h"

#include <glib/gi18n.h>

#include "steve-app-util.h"

#include "steve-preferences-window.h"

struct _StevePreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  GtkWidget            *interval_spin;
  GtkWidget            *window_row;
  GtkWidget            *unit_row;
  GtkWidget            *live_switch;
  GtkWidget            *scheme_row;
  GtkWidget            *profile_row;
};

G_DEFINE_FINAL_TYPE (StevePreferencesWindow, steve_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
nick_get (GValue   *value,
          GVariant *variant,
          gpointer  user_data)
{
  const char * const *nicks = user_data;
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; nicks[i]; i++)
    if (g_str_equal (nicks[i], nick))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
nick_set (const GValue       *value,
          const GVariantType *type,
          gpointer            user_data)
{
  const char * const *nicks = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **) nicks))
    i = 0;
  return g_variant_new_string (nicks[i]);
}

static gboolean
live_get (GValue   *value,
          GVariant *variant,
          gpointer  user_data)
{
  g_value_set_boolean (value, g_str_equal (g_variant_get_string (variant, NULL), "live"));
  return TRUE;
}

static GVariant *
live_set (const GValue       *value,
          const GVariantType *type,
          gpointer            user_data)
{
  return g_variant_new_string (g_value_get_boolean (value) ? "live" : "apply");
}

static const char * const unit_nicks[] = { "degrees", "turns", NULL };
static const char * const scheme_nicks[] = { "system", "light", "dark", NULL };
static const char * const profile_nicks[] = { "idle", "sine", "random", "walls", NULL };

static void
set_choices (GtkWidget          *row,
             const char * const *labels)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);

  for (guint i = 0; labels[i]; i++)
    gtk_string_list_append (list, _(labels[i]));
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (list));
}

GtkWidget *
steve_preferences_window_new (GtkWindow *parent)
{
  return g_object_new (STEVE_TYPE_PREFERENCES_WINDOW, "transient-for", parent, "modal", TRUE, NULL);
}

static void
steve_preferences_window_dispose (GObject *object)
{
  StevePreferencesWindow *self = STEVE_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (steve_preferences_window_parent_class)->dispose (object);
}

static void
steve_preferences_window_class_init (StevePreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  steve_app_ensure_resources ();

  G_OBJECT_CLASS (klass)->dispose = steve_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, StevePreferencesWindow, interval_spin);
  gtk_widget_class_bind_template_child (widget_class, StevePreferencesWindow, window_row);
  gtk_widget_class_bind_template_child (widget_class, StevePreferencesWindow, unit_row);
  gtk_widget_class_bind_template_child (widget_class, StevePreferencesWindow, live_switch);
  gtk_widget_class_bind_template_child (widget_class, StevePreferencesWindow, scheme_row);
  gtk_widget_class_bind_template_child (widget_class, StevePreferencesWindow, profile_row);
}

static void
steve_preferences_window_init (StevePreferencesWindow *self)
{
  static const char * const window_labels[] = {
    N_("2 seconds"), N_("5 seconds"), N_("10 seconds"), N_("30 seconds"), N_("1 minute"),
    N_("2 minutes"), N_("5 minutes"), N_("10 minutes"), N_("Everything"), NULL,
  };
  static const char * const unit_labels[] = { N_("Degrees"), N_("Turns"), NULL };
  static const char * const scheme_labels[] = { N_("Follow System"), N_("Light"), N_("Dark"), NULL };
  static const char * const profile_labels[] = { N_("Hands off"), N_("Slow back and forth"), N_("Random"), N_("Into the walls"), NULL };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = g_settings_new (APP_ID);

  set_choices (self->window_row, window_labels);
  set_choices (self->unit_row, unit_labels);
  set_choices (self->scheme_row, scheme_labels);
  set_choices (self->profile_row, profile_labels);

  g_settings_bind (self->settings, "stream-interval",
                   gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->interval_spin)), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "plot-window", self->window_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, steve_plot_window_from_setting, steve_plot_window_to_setting, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "position-unit", self->unit_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_get, nick_set, (gpointer) unit_nicks, NULL);
  g_settings_bind_with_mapping (self->settings, "color-scheme", self->scheme_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_get, nick_set, (gpointer) scheme_nicks, NULL);
  g_settings_bind_with_mapping (self->settings, "simulator-profile", self->profile_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, nick_get, nick_set, (gpointer) profile_nicks, NULL);
  g_settings_bind_with_mapping (self->settings, "tuner-mode", self->live_switch, "active",
                                G_SETTINGS_BIND_DEFAULT, live_get, live_set, NULL, NULL);
}
