/* steve-field-row.c — one config field in the tuner: slider, spin button, state
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything about the field comes from the protocol core's field table:
 * label, unit, decimals, recommended range (marked on the slider), hard
 * limits (the spin button cannot go past them), log scale where the range
 * spans decades. The row shows the edited value, marks it when it differs
 * from the device's, and offers to revert it. Raising the torque limit past
 * the recommended range asks first.
 */
#define G_LOG_DOMAIN "steve-field-row"

#include "config.h"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "steve-error.h"
#include "steve-field.h"
#include "steve-field-row.h"
#include "steve-plot-private.h"

#define SLIDER_STEPS 1000.0

struct _SteveFieldRow
{
  GtkListBoxRow   parent_instance;

  SteveTuner     *tuner;
  SteveField      field;
  const SteveFieldInfo *info;
  double          slider_lo;
  double          slider_hi;
  gboolean        log_scale;
  gboolean        updating;
  double          confirmed_torque;  /* highest torque limit the user agreed to */
  gboolean        confirming;

  GtkWidget      *title;
  GtkWidget      *dirty;
  GtkWidget      *warning;
  char           *recommended_text;  /* the warning's usual tooltip */
  GtkWidget      *spin;
  GtkWidget      *unit;
  GtkWidget      *revert;
  GtkWidget      *scale;
  gulong          changed_id;
};

G_DEFINE_FINAL_TYPE (SteveFieldRow, steve_field_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  SHOW_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

double
steve_field_row_slider_to_value (SteveFieldRow *self,
                                 double         position)
{
  double f = CLAMP (position / SLIDER_STEPS, 0.0, 1.0);

  if (self->log_scale)
    return exp (log (self->slider_lo) + (log (self->slider_hi) - log (self->slider_lo)) * f);

  return self->slider_lo + (self->slider_hi - self->slider_lo) * f;
}

double
steve_field_row_value_to_slider (SteveFieldRow *self,
                                 double         value)
{
  double f;

  if (self->log_scale)
    f = value <= 0 ? 0.0 : (log (value) - log (self->slider_lo)) / (log (self->slider_hi) - log (self->slider_lo));
  else
    f = (value - self->slider_lo) / (self->slider_hi - self->slider_lo);

  return CLAMP (f, 0.0, 1.0) * SLIDER_STEPS;
}

static char *
format_value (SteveFieldRow *self,
              double         value)
{
  g_autofree char *number = g_strdup_printf ("%.*f", (int) self->info->decimals, value);

  if (self->info->unit[0] == '\0')
    return g_steal_pointer (&number);
  return g_strdup_printf ("%s %s", number, self->info->unit);
}

static char *
format_scale_value (GtkScale *scale,
                    double    position,
                    gpointer  user_data)
{
  SteveFieldRow *self = user_data;

  return g_strdup_printf ("%.*f", (int) self->info->decimals, steve_field_row_slider_to_value (self, position));
}

/* Shows the tuner's state: the edited value, dirty, recommended or not. */
void
steve_field_row_sync (SteveFieldRow *self)
{
  double value = steve_tuner_get_value (self->tuner, self->field);
  gboolean known = !isnan (value);
  gboolean dirty = known && steve_tuner_is_dirty (self->tuner, self->field);
  gboolean outside = known && !steve_field_is_recommended (self->field, value);
  g_autoptr(GError) invalid = NULL;
  /* only the device's value can be past the hard limits (another client
   * sent it: the firmware does not check every field); the spin button
   * cannot show it, so the warning says what it is */
  gboolean impossible = known && !dirty && !steve_field_check_value (self->field, value, &invalid);

  g_return_if_fail (STEVE_IS_FIELD_ROW (self));

  self->updating = TRUE;
  if (known)
    {
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->spin), value);
      gtk_range_set_value (GTK_RANGE (self->scale), steve_field_row_value_to_slider (self, value));
    }
  self->updating = FALSE;

  gtk_widget_set_sensitive (self->spin, known);
  gtk_widget_set_sensitive (self->scale, known);
  gtk_widget_set_visible (self->dirty, dirty);
  gtk_widget_set_sensitive (self->revert, dirty);
  gtk_widget_set_visible (self->warning, outside || impossible);

  if (outside)
    gtk_widget_add_css_class (self->spin, "warning");
  else
    gtk_widget_remove_css_class (self->spin, "warning");

  if (impossible)
    {
      g_autofree char *shown = format_value (self, value);
      g_autofree char *warn = g_strdup_printf (_("The device holds %s, a value this app does not send: %s"),
                                               shown, invalid->message);

      gtk_widget_add_css_class (self->warning, "error");
      gtk_widget_set_tooltip_text (self->warning, warn);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->warning), GTK_ACCESSIBLE_PROPERTY_LABEL, warn, -1);
    }
  else if (gtk_widget_has_css_class (self->warning, "error"))
    {
      /* back to the usual warning (only then: a slider drag syncs often) */
      gtk_widget_remove_css_class (self->warning, "error");
      gtk_widget_set_tooltip_text (self->warning, self->recommended_text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->warning), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      self->recommended_text, -1);
    }

  if (dirty)
    {
      double device = steve_tuner_get_device_value (self->tuner, self->field);
      g_autofree char *device_text = isnan (device) ? g_strdup (_("unknown")) : format_value (self, device);
      g_autofree char *tip = g_strdup_printf (_("Edited: the device holds %s"), device_text);

      gtk_widget_set_tooltip_text (self->dirty, tip);
    }
}

static void
torque_confirm_response (AdwMessageDialog *dialog,
                         const char       *response,
                         gpointer          user_data)
{
  g_autoptr(SteveFieldRow) self = user_data;
  double value = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "value")) / 1000.0;
  g_autoptr(GError) error = NULL;

  self->confirming = FALSE;

  if (g_strcmp0 (response, "raise") == 0)
    {
      self->confirmed_torque = value;
      if (!steve_tuner_set_value (self->tuner, self->field, value, &error))
        g_signal_emit (self, signals[SHOW_ERROR], 0, error->message);
    }

  steve_field_row_sync (self);
}

static gboolean
needs_confirmation (SteveFieldRow *self,
                    double         value)
{
  double device;

  if (self->field != STEVE_FIELD_TORQUE_LIMIT || value <= self->info->recommended_max)
    return FALSE;

  /* only when raising: past the device's value and past what was agreed */
  device = steve_tuner_get_device_value (self->tuner, self->field);
  if (!isnan (device) && value <= steve_field_round (self->field, device))
    return FALSE;
  return value > self->confirmed_torque;
}

static void
ask_torque (SteveFieldRow *self,
            double         value)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *value_text = format_value (self, value);
  g_autofree char *max_text = format_value (self, self->info->recommended_max);
  GtkWidget *dialog;

  self->confirming = TRUE;
  heading = g_strdup_printf (_("Raise the Torque Limit to %s?"), value_text);
  body = g_strdup_printf (_("The recommended range ends at %s. A higher limit lets the motor push harder against the hand on the shaft."),
                          max_text);

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "raise", _("_Raise Limit"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "raise", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "value", GSIZE_TO_POINTER ((gsize) llround (value * 1000)));
  g_signal_connect (dialog, "response", G_CALLBACK (torque_confirm_response), g_object_ref (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
edit (SteveFieldRow *self,
      double         value)
{
  g_autoptr(GError) error = NULL;

  if (self->updating || self->confirming)
    return;

  value = steve_field_round (self->field, value);
  if (value == steve_field_round (self->field, steve_tuner_get_value (self->tuner, self->field)))
    return;

  if (needs_confirmation (self, value))
    {
      steve_field_row_sync (self);  /* hold the old value until answered */
      ask_torque (self, value);
      return;
    }

  if (!steve_tuner_set_value (self->tuner, self->field, value, &error))
    {
      g_signal_emit (self, signals[SHOW_ERROR], 0, error->message);
      steve_field_row_sync (self);
    }
}

static void
on_scale_changed (GtkRange      *range,
                  SteveFieldRow *self)
{
  edit (self, steve_field_row_slider_to_value (self, gtk_range_get_value (range)));
}

static void
on_spin_changed (GtkSpinButton *spin,
                 SteveFieldRow *self)
{
  edit (self, gtk_spin_button_get_value (spin));
}

/* Typed text the spin button would drop without a word (not a number,
 * past the hard limits): say why, and keep the value it had. */
static int
on_spin_input (GtkSpinButton *spin,
               double        *new_value,
               SteveFieldRow *self)
{
  GtkAdjustment *adj = gtk_spin_button_get_adjustment (spin);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  g_autoptr(GError) error = NULL;
  char *end = NULL;
  double value;

  value = g_strtod (text, &end);
  if (text[0] == '\0' || end == text || *end != '\0')
    {
      g_autofree char *message = NULL;

      if (text[0] == '\0')
        /* Translators: “Viscous damping: enter a number.” */
        message = g_strdup_printf (_("%s: enter a number."), _(self->info->label));
      else
        {
          /* a pasted page of text does not belong in a toast */
          g_autofree char *shown = steve_plot_ellipsize (text, 24);

          /* Translators: “Viscous damping: “abc” is not a number.” */
          message = g_strdup_printf (_("%s: “%s” is not a number."), _(self->info->label), shown);
        }
      g_signal_emit (self, signals[SHOW_ERROR], 0, message);
      return GTK_INPUT_ERROR;
    }

  /* NaN, infinities and values past the hard limits get the core's message */
  if (steve_field_check_value (self->field, value, &error) &&
      (value < gtk_adjustment_get_lower (adj) || value > gtk_adjustment_get_upper (adj)))
    {
      g_autofree char *lo = format_value (self, gtk_adjustment_get_lower (adj));
      g_autofree char *hi = format_value (self, gtk_adjustment_get_upper (adj));

      /* Translators: “Smoothing must be between 0.000001 and 1.000000.” */
      g_set_error (&error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                   _("%s must be between %s and %s."), _(self->info->label), lo, hi);
    }

  if (error != NULL)
    {
      g_signal_emit (self, signals[SHOW_ERROR], 0, error->message);
      return GTK_INPUT_ERROR;
    }

  *new_value = value;
  return TRUE;
}

static void
on_revert (GtkButton     *button,
           SteveFieldRow *self)
{
  steve_tuner_revert (self->tuner, self->field);
}

static void
on_tuner_value_changed (SteveTuner    *tuner,
                        int            field,
                        SteveFieldRow *self)
{
  if (field == (int) self->field)
    steve_field_row_sync (self);
}

/* ------------------------------------------------------------------ GObject */

static void
build (SteveFieldRow *self)
{
  const SteveFieldInfo *info = self->info;
  GtkWidget *box, *top, *labels;
  GtkAdjustment *spin_adj;
  double lower, step;
  g_autofree char *tooltip = NULL;
  g_autofree char *rec_lo = NULL, *rec_hi = NULL, *hard = NULL;

  /* slider range: the recommended range and the factory presets' */
  self->slider_lo = MIN (info->recommended_min, info->preset_min);
  self->slider_hi = MAX (info->recommended_max, info->preset_max);
  self->log_scale = (info->flags & STEVE_FIELD_FLAG_LOG_SCALE) && self->slider_lo > 0;
  if (self->log_scale)
    {
      self->slider_lo /= 1.5;
      self->slider_hi = MIN (self->slider_hi * 1.5, info->hard_max);
    }
  else if (self->slider_hi <= self->slider_lo)
    self->slider_hi = self->slider_lo + 1;

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), box);

  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (box), top);

  labels = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_box_append (GTK_BOX (top), labels);

  self->title = gtk_label_new (_(info->label));
  gtk_label_set_xalign (GTK_LABEL (self->title), 0);
  gtk_box_append (GTK_BOX (labels), self->title);

  self->dirty = gtk_label_new ("●");
  gtk_widget_add_css_class (self->dirty, "accent");
  gtk_widget_add_css_class (self->dirty, "dirty-marker");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->dirty), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Edited"), -1);
  gtk_box_append (GTK_BOX (labels), self->dirty);

  self->warning = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
  gtk_widget_add_css_class (self->warning, "warning");
  rec_lo = format_value (self, info->recommended_min);
  rec_hi = format_value (self, info->recommended_max);
  self->recommended_text = g_strdup_printf (_("Outside the recommended range %s – %s"), rec_lo, rec_hi);
  gtk_widget_set_tooltip_text (self->warning, self->recommended_text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->warning), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  self->recommended_text, -1);
  gtk_box_append (GTK_BOX (labels), self->warning);

  /* spin button: exactly the values the device may be sent */
  step = pow (10.0, -(double) info->decimals);
  lower = (info->flags & STEVE_FIELD_FLAG_MIN_EXCLUSIVE) ? info->hard_min + step : info->hard_min;
  spin_adj = gtk_adjustment_new (lower, lower, info->hard_max, step, step * 10, 0);
  self->spin = gtk_spin_button_new (spin_adj, step, info->decimals);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (self->spin), TRUE);
  gtk_spin_button_set_update_policy (GTK_SPIN_BUTTON (self->spin), GTK_UPDATE_IF_VALID);
  gtk_editable_set_width_chars (GTK_EDITABLE (self->spin), 9);
  gtk_widget_set_valign (self->spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spin), GTK_ACCESSIBLE_PROPERTY_LABEL, _(info->label), -1);
  gtk_box_append (GTK_BOX (top), self->spin);

  self->unit = gtk_label_new (info->unit);
  gtk_widget_add_css_class (self->unit, "dim-label");
  gtk_label_set_width_chars (GTK_LABEL (self->unit), 10);
  gtk_label_set_xalign (GTK_LABEL (self->unit), 0);
  gtk_box_append (GTK_BOX (top), self->unit);

  self->revert = gtk_button_new_from_icon_name ("edit-undo-symbolic");
  gtk_widget_add_css_class (self->revert, "flat");
  gtk_widget_set_valign (self->revert, GTK_ALIGN_CENTER);
  {
    g_autofree char *tip = g_strdup_printf (_("Revert %s to the device’s value"), _(info->label));
    gtk_widget_set_tooltip_text (self->revert, tip);
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->revert), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
  }
  gtk_box_append (GTK_BOX (top), self->revert);

  self->scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 0, SLIDER_STEPS, 1);
  gtk_scale_set_draw_value (GTK_SCALE (self->scale), FALSE);
  gtk_scale_set_format_value_func (GTK_SCALE (self->scale), format_scale_value, self, NULL);
  gtk_scale_add_mark (GTK_SCALE (self->scale), steve_field_row_value_to_slider (self, info->recommended_min),
                      GTK_POS_BOTTOM, rec_lo);
  gtk_scale_add_mark (GTK_SCALE (self->scale), steve_field_row_value_to_slider (self, info->recommended_max),
                      GTK_POS_BOTTOM, rec_hi);
  {
    g_autofree char *slider_name = g_strdup_printf (_("%s slider"), _(info->label));
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->scale), GTK_ACCESSIBLE_PROPERTY_LABEL, slider_name, -1);
  }
  gtk_box_append (GTK_BOX (box), self->scale);

  hard = g_strdup_printf ("%s", (info->flags & STEVE_FIELD_FLAG_MAX_IS_CAP) ? _("safety cap") : _("device limit"));
  tooltip = g_strdup_printf (_("%s\nRecommended: %s – %s%s\nThe marks on the slider show the recommended range."),
                             _(info->description), rec_lo, rec_hi,
                             self->log_scale ? _(" (logarithmic slider)") : "");
  gtk_widget_set_tooltip_text (self->title, tooltip);
  gtk_widget_set_tooltip_text (self->scale, tooltip);
  gtk_widget_set_tooltip_text (self->spin, tooltip);

  g_signal_connect (self->scale, "value-changed", G_CALLBACK (on_scale_changed), self);
  g_signal_connect (self->spin, "input", G_CALLBACK (on_spin_input), self);
  g_signal_connect (self->spin, "value-changed", G_CALLBACK (on_spin_changed), self);
  g_signal_connect (self->revert, "clicked", G_CALLBACK (on_revert), self);

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, _(info->label), -1);
}

GtkWidget *
steve_field_row_new (SteveTuner *tuner,
                     SteveField  field)
{
  SteveFieldRow *self;

  g_return_val_if_fail (STEVE_IS_TUNER (tuner), NULL);

  self = g_object_new (STEVE_TYPE_FIELD_ROW, NULL);
  self->tuner = g_object_ref (tuner);
  self->field = field;
  self->info = steve_field_info (field);
  self->confirmed_torque = self->info->recommended_max;
  build (self);
  self->changed_id = g_signal_connect (tuner, "value-changed", G_CALLBACK (on_tuner_value_changed), self);
  steve_field_row_sync (self);
  return GTK_WIDGET (self);
}

SteveField
steve_field_row_get_field (SteveFieldRow *self)
{
  g_return_val_if_fail (STEVE_IS_FIELD_ROW (self), 0);
  return self->field;
}

GtkWidget *
steve_field_row_get_scale (SteveFieldRow *self)
{
  g_return_val_if_fail (STEVE_IS_FIELD_ROW (self), NULL);
  return self->scale;
}

GtkWidget *
steve_field_row_get_spin (SteveFieldRow *self)
{
  g_return_val_if_fail (STEVE_IS_FIELD_ROW (self), NULL);
  return self->spin;
}

/* The warning sign beside the title (for tests). */
GtkWidget *
steve_field_row_get_warning (SteveFieldRow *self)
{
  g_return_val_if_fail (STEVE_IS_FIELD_ROW (self), NULL);
  return self->warning;
}

static void
steve_field_row_dispose (GObject *object)
{
  SteveFieldRow *self = STEVE_FIELD_ROW (object);

  if (self->tuner)
    g_clear_signal_handler (&self->changed_id, self->tuner);
  g_clear_object (&self->tuner);

  G_OBJECT_CLASS (steve_field_row_parent_class)->dispose (object);
}

static void
steve_field_row_finalize (GObject *object)
{
  SteveFieldRow *self = STEVE_FIELD_ROW (object);

  g_free (self->recommended_text);

  G_OBJECT_CLASS (steve_field_row_parent_class)->finalize (object);
}

static void
steve_field_row_class_init (SteveFieldRowClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = steve_field_row_dispose;
  G_OBJECT_CLASS (klass)->finalize = steve_field_row_finalize;

  /**
   * SteveFieldRow::show-error:
   * @message: what to tell the user (a toast)
   */
  signals[SHOW_ERROR] =
    g_signal_new ("show-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
steve_field_row_init (SteveFieldRow *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "field-row");
}
