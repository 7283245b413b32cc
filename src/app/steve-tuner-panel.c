/* steve-tuner-panel.c — the RealtimeTuner side panel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A view only: its buttons activate the window's actions (valve.*, motor.*,
 * tuner.*), its rows edit the SteveTuner, and the window tells it the valve
 * and motor states it learns from the device.
 */
#define G_LOG_DOMAIN "steve-tuner-panel"

#include "config.h"

#include "steve-app-resources.h"

#include <string.h>

#include <glib/gi18n.h>

#include "steve-field-row.h"
#include "steve-telemetry.h"
#include "steve-tuner-panel.h"

struct _SteveTunerPanel
{
  GtkBox       parent_instance;

  GtkWidget   *valve_row;
  GtkWidget   *motor_row;
  GtkWidget   *start_button;
  GtkWidget   *stop_button;
  GtkWidget   *feel_list;
  GtkWidget   *stops_list;
  GtkWidget   *apply_button;
  GtkWidget   *live_toggle;

  GtkWidget   *rows[STEVE_N_FIELDS];
};

G_DEFINE_FINAL_TYPE (SteveTunerPanel, steve_tuner_panel, GTK_TYPE_BOX)

enum {
  SHOW_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const SteveField feel_fields[] = {
  STEVE_FIELD_VISCOUS, STEVE_FIELD_COULOMB, STEVE_FIELD_WALL_STIFFNESS,
  STEVE_FIELD_WALL_DAMPING, STEVE_FIELD_SMOOTHING, STEVE_FIELD_TORQUE_LIMIT,
};

static void
forward_error (SteveFieldRow   *row,
               const char      *message,
               SteveTunerPanel *self)
{
  g_signal_emit (self, signals[SHOW_ERROR], 0, message);
}

static void
clear_list (GtkWidget *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (list), child);
}

static void
add_row (SteveTunerPanel *self,
         GtkWidget       *list,
         SteveTuner      *tuner,
         SteveField       field)
{
  GtkWidget *row = steve_field_row_new (tuner, field);

  g_signal_connect_object (row, "show-error", G_CALLBACK (forward_error), self, 0);
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  self->rows[field] = row;
}

/**
 * steve_tuner_panel_set_tuner:
 * @tuner: (nullable): the tuner to show, %NULL to empty the panel
 * @dialect: the device's dialect (degrees per turn only exists in the
 *   documented one)
 */
void
steve_tuner_panel_set_tuner (SteveTunerPanel *self,
                             SteveTuner      *tuner,
                             SteveDialect     dialect)
{
  g_return_if_fail (STEVE_IS_TUNER_PANEL (self));

  clear_list (self->feel_list);
  clear_list (self->stops_list);
  memset (self->rows, 0, sizeof self->rows);

  if (tuner == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (feel_fields); i++)
    add_row (self, self->feel_list, tuner, feel_fields[i]);

  add_row (self, self->stops_list, tuner, STEVE_FIELD_CLOSED_POS);
  add_row (self, self->stops_list, tuner, STEVE_FIELD_OPEN_POS);
  if (dialect == STEVE_DIALECT_DOCUMENTED)
    add_row (self, self->stops_list, tuner, STEVE_FIELD_DEGREES_PER_TURN);
}

GtkWidget *
steve_tuner_panel_get_row (SteveTunerPanel *self,
                           SteveField       field)
{
  g_return_val_if_fail (STEVE_IS_TUNER_PANEL (self), NULL);
  g_return_val_if_fail ((guint) field < STEVE_N_FIELDS, NULL);
  return self->rows[field];
}

void
steve_tuner_panel_set_valve_state (SteveTunerPanel *self,
                                   SteveValveState  state)
{
  g_return_if_fail (STEVE_IS_TUNER_PANEL (self));

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->valve_row), steve_valve_state_to_string (state));

  gtk_widget_remove_css_class (self->valve_row, "error-state");
  gtk_widget_remove_css_class (self->valve_row, "running-state");
  if (state == STEVE_VALVE_STATE_ERROR)
    gtk_widget_add_css_class (self->valve_row, "error-state");
  else if (state == STEVE_VALVE_STATE_RUNNING)
    gtk_widget_add_css_class (self->valve_row, "running-state");
}

void
steve_tuner_panel_set_odrive (SteveTunerPanel         *self,
                              const SteveOdriveStatus *odrive)
{
  g_autofree char *text = NULL;

  g_return_if_fail (STEVE_IS_TUNER_PANEL (self));

  if (odrive == NULL || !(odrive->present & STEVE_ODRIVE_AXIS_STATE))
    text = g_strdup (_("Unknown"));
  else if ((odrive->present & STEVE_ODRIVE_AXIS_ERROR) && odrive->axis_error != 0)
    {
      g_autofree char *errors = steve_axis_error_describe (odrive->axis_error);
      /* Translators: “Idle — error: emergency stop requested” */
      text = g_strdup_printf (_("%s — error: %s"), steve_axis_state_to_string (odrive->axis_state), errors);
    }
  else
    text = g_strdup (steve_axis_state_to_string (odrive->axis_state));

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->motor_row), text);
}

GtkWidget *
steve_tuner_panel_new (void)
{
  return g_object_new (STEVE_TYPE_TUNER_PANEL, NULL);
}

static void
steve_tuner_panel_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), STEVE_TYPE_TUNER_PANEL);
  G_OBJECT_CLASS (steve_tuner_panel_parent_class)->dispose (object);
}

static void
steve_tuner_panel_class_init (SteveTunerPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  steve_app_ensure_resources ();

  object_class->dispose = steve_tuner_panel_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-tuner-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, valve_row);
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, motor_row);
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, start_button);
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, stop_button);
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, feel_list);
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, stops_list);
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, apply_button);
  gtk_widget_class_bind_template_child (widget_class, SteveTunerPanel, live_toggle);

  signals[SHOW_ERROR] =
    g_signal_new ("show-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
steve_tuner_panel_init (SteveTunerPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
