/* steve-window-plots.c — the window's live plots
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The streamer's batches (main context) go into a SteveHistory that the
 * chart and the model view draw from at frame rate. Config changes become
 * markers on the time axis and move the model view's expected curve.
 */
#define G_LOG_DOMAIN "steve-window"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "steve-app-util.h"

#include "steve-chart.h"
#include "steve-history.h"
#include "steve-model-view.h"
#include "steve-window-private.h"

/* the labels of the plot windows (steve_plot_window_from_setting()) */
static const char * const plot_window_labels[] = {
  N_("2 s"), N_("5 s"), N_("10 s"), N_("30 s"), N_("1 min"), N_("2 min"), N_("5 min"), N_("10 min"), N_("All"), NULL,
};

#define HISTORY(self) ((SteveHistory *) (self)->history)

static void
on_plot_window (GSettings   *settings,
                const char  *key,
                SteveWindow *self)
{
  steve_chart_set_window (STEVE_CHART (self->chart),
                          steve_plot_window_offered (g_settings_get_double (settings, "plot-window")));
}

static void
on_position_unit (GSettings   *settings,
                  const char  *key,
                  SteveWindow *self)
{
  g_autofree char *unit = g_settings_get_string (settings, "position-unit");

  steve_chart_set_position_unit (STEVE_CHART (self->chart),
                                 g_str_equal (unit, "turns") ? STEVE_POSITION_UNIT_TURNS
                                                             : STEVE_POSITION_UNIT_DEGREES);
}

static void
on_view_toggled (GtkToggleButton *button,
                 SteveWindow     *self)
{
  gtk_stack_set_visible_child_name (self->plot_stack,
                                    gtk_toggle_button_get_active (self->model_view_button) ? "model" : "time");
}

static void
follow_action (GtkWidget  *widget,
               const char *action,
               GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);

  gtk_toggle_button_set_active (self->pause_button, FALSE);
  steve_chart_follow_live (STEVE_CHART (self->chart));
}

static void
pause_action (GtkWidget  *widget,
              const char *action,
              GVariant   *param)
{
  SteveWindow *self = STEVE_WINDOW (widget);

  gtk_toggle_button_set_active (self->pause_button, !gtk_toggle_button_get_active (self->pause_button));
}

void
steve_window_plots_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "plot.follow", NULL, follow_action);
  gtk_widget_class_install_action (widget_class, "plot.pause", NULL, pause_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK, "plot.pause", NULL);
}

void
steve_window_plots_init (SteveWindow *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);

  self->history = steve_history_new ();

  self->chart = steve_chart_new ();
  steve_chart_set_history (STEVE_CHART (self->chart), HISTORY (self));
  gtk_stack_add_named (self->plot_stack, self->chart, "time");

  self->model_view = steve_model_view_new ();
  steve_model_view_set_history (STEVE_MODEL_VIEW (self->model_view), HISTORY (self));
  gtk_stack_add_named (self->plot_stack, self->model_view, "model");

  for (guint i = 0; plot_window_labels[i]; i++)
    gtk_string_list_append (labels, _(plot_window_labels[i]));
  gtk_drop_down_set_model (self->window_dropdown, G_LIST_MODEL (labels));

  g_settings_bind_with_mapping (self->settings, "plot-window", self->window_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, steve_plot_window_from_setting, steve_plot_window_to_setting, NULL, NULL);
  g_signal_connect_object (self->settings, "changed::plot-window", G_CALLBACK (on_plot_window), self, 0);
  g_signal_connect_object (self->settings, "changed::position-unit", G_CALLBACK (on_position_unit), self, 0);
  on_plot_window (self->settings, NULL, self);
  on_position_unit (self->settings, NULL, self);

  g_object_bind_property (self->pause_button, "active", self->chart, "paused",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_signal_connect (self->time_view_button, "toggled", G_CALLBACK (on_view_toggled), self);
  g_signal_connect (self->model_view_button, "toggled", G_CALLBACK (on_view_toggled), self);
}

void
steve_window_plots_dispose (SteveWindow *self)
{
  g_clear_object (&self->history);
}

void
steve_window_plots_attach (SteveWindow *self)
{
  const SteveConfig *config = steve_client_get_device_config (self->client);

  steve_history_clear (HISTORY (self));
  steve_model_view_set_config (STEVE_MODEL_VIEW (self->model_view), config);
  steve_chart_set_degrees_per_turn (STEVE_CHART (self->chart), steve_config_get_degrees_per_turn (config));
  steve_chart_follow_live (STEVE_CHART (self->chart));
}

void
steve_window_plots_detach (SteveWindow *self)
{
}

void
steve_window_plots_append (SteveWindow *self,
                           GArray      *batch)
{
  steve_history_append (HISTORY (self), (const SteveSample *) (gpointer) batch->data, batch->len);
}

/* A short marker label: the first changed field; the tooltip has all. */
static char *
short_label (const SteveConfig *before,
             const SteveConfig *after,
             const char        *details)
{
  const char *comma = strchr (details, ',');

  if (comma == NULL)
    return g_strdup (details);
  /* Translators: a marker label for several changes, e.g. “viscous 0.04 → 0.06 (+2)” */
  {
    guint more = 0;

    for (const char *p = comma; p; p = strchr (p + 1, ','))
      more++;
    return g_strdup_printf (_("%.*s (+%u)"), (int) (comma - details), details, more);
  }
}

void
steve_window_plots_config_applied (SteveWindow       *self,
                                   const SteveConfig *before,
                                   const SteveConfig *after)
{
  g_autofree char *details = steve_config_describe_change (before, after);
  g_autofree char *label = NULL;

  steve_model_view_set_config (STEVE_MODEL_VIEW (self->model_view), after);
  if (steve_config_has (after, STEVE_FIELD_DEGREES_PER_TURN))
    steve_chart_set_degrees_per_turn (STEVE_CHART (self->chart), steve_config_get_degrees_per_turn (after));

  if (details == NULL)
    return;

  label = short_label (before, after, details);
  steve_history_add_marker (HISTORY (self), g_get_monotonic_time (), label, details);
}

/* ------------------------------------------------------------------ accessors */

void
steve_window_show_model_view (SteveWindow *self,
                              gboolean     model)
{
  g_return_if_fail (STEVE_IS_WINDOW (self));
  gtk_toggle_button_set_active (model ? self->model_view_button : self->time_view_button, TRUE);
}

/* "tune", "presets", "sweeps" or "diagnostics" */
void
steve_window_show_page (SteveWindow *self,
                        const char  *name)
{
  g_return_if_fail (STEVE_IS_WINDOW (self));
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

GtkWidget *
steve_window_get_title_widget (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return GTK_WIDGET (self->device_title);
}

GtkWidget *
steve_window_get_chart (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return self->chart;
}

GtkWidget *
steve_window_get_model_view (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return self->model_view;
}

gpointer
steve_window_get_history (SteveWindow *self)
{
  g_return_val_if_fail (STEVE_IS_WINDOW (self), NULL);
  return self->history;
}
