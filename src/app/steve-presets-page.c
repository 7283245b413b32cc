/* steve-presets-page.c — the Presets page of the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The device's four preset slots: read on session start, after every save
 * or import and on request; loaded through the tuner (the device then sets
 * the travel to 90°); edited with the protocol's rules (names of at most 15
 * bytes, stored in lower case, no quotes, backslashes or control characters;
 * values within the hard limits of the field table, a warning past the
 * recommended range) and saved after a confirmation. Presets go to and come
 * from a JSON file; an import is checked as a whole before anything is sent,
 * and a failure half-way says which slots were replaced.
 *
 * Below the slots, a comparison of the device's values, a chosen preset and
 * the values edited in the tuner, with one click to revert the tuner to the
 * device or to the preset.
 *
 * Main thread only. Every request runs on the session's cancellable and its
 * callback holds a reference; a result from an older session is dropped.
 */
#define G_LOG_DOMAIN "steve-presets-page"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "steve-app-resources.h"
#include "steve-app-util.h"
#include "steve-error.h"
#include "steve-field.h"
#include "steve-presets-page.h"

/* The fields of a preset, in the order the page shows them. */
static const SteveField preset_fields[] = {
  STEVE_FIELD_VISCOUS,
  STEVE_FIELD_COULOMB,
  STEVE_FIELD_WALL_STIFFNESS,
  STEVE_FIELD_WALL_DAMPING,
  STEVE_FIELD_SMOOTHING,
  STEVE_FIELD_TORQUE_LIMIT,
  STEVE_FIELD_TRAVEL,
};
#define N_PRESET_FIELDS G_N_ELEMENTS (preset_fields)

/* Travel a preset load always sets (protocol: POST /control with "preset"). */
#define LOADED_TRAVEL_DEG 90.0

typedef struct
{
  GtkWidget *row;                        /* AdwExpanderRow */
  GtkWidget *avatar;
  GtkWidget *name_row;
  GtkWidget *name_entry;
  GtkWidget *value_rows[N_PRESET_FIELDS];
  GtkWidget *spins[N_PRESET_FIELDS];
  GtkWidget *warnings[N_PRESET_FIELDS];
  GtkWidget *reset_button;
  gboolean   edited;                     /* the editor holds changes not saved */
} Slot;

typedef struct
{
  GtkWidget *device;
  GtkWidget *preset;
  GtkWidget *edited;
} CompareRow;

struct _StevePresetsPage
{
  AdwBin         parent_instance;

  SteveClient   *client;
  SteveTuner    *tuner;
  GCancellable  *cancellable;   /* the session's requests */

  GPtrArray     *presets;       /* StevePreset, slot i at i; NULL until read */
  GError        *load_error;
  gboolean       loading;
  gboolean       reload_queued;
  guint          busy;          /* saves and imports on their way */
  int            pending_apply; /* slot being loaded, or -1 */
  gboolean       updating;      /* filling the editors: not the user's edits */
  GtkWidget     *dialog;        /* the open confirmation (weak) */

  Slot           slots[STEVE_N_PRESETS];
  CompareRow     compare[N_PRESET_FIELDS];

  /* template */
  GtkStack      *stack;         /* the bin's child */
  GtkStack      *slots_stack;
  GtkSpinner    *spinner;
  AdwActionRow  *error_row;
  GtkListBox    *slots_list;
  GtkListBox    *compare_list;
  GtkDropDown   *preset_dropdown;
  GtkStringList *preset_names;
  GtkLabel      *tuner_mode_label;
};

G_DEFINE_FINAL_TYPE (StevePresetsPage, steve_presets_page, ADW_TYPE_BIN)

static void load_presets (StevePresetsPage *self);

/* ------------------------------------------------------------------ formatting */

static char *
format_number (SteveField field,
               double     value)
{
  return g_strdup_printf ("%.*f", (int) steve_field_info (field)->decimals, value);
}

static char *
format_with_unit (SteveField field,
                  double     value)
{
  const SteveFieldInfo *info = steve_field_info (field);
  g_autofree char *number = format_number (field, value);

  if (info->unit[0] == '\0')
    return g_steal_pointer (&number);
  if (g_str_equal (info->unit, "°"))
    return g_strdup_printf ("%s°", number);
  return g_strdup_printf ("%s %s", number, info->unit);
}

static char *
format_range (SteveField field)
{
  const SteveFieldInfo *info = steve_field_info (field);

  if (info->unit[0] == '\0')
    return g_strdup_printf ("%g – %g", info->recommended_min, info->recommended_max);
  return g_strdup_printf ("%g – %g %s", info->recommended_min, info->recommended_max, info->unit);
}

static const char *
preset_display_name (const StevePreset *preset)
{
  return preset->name != NULL && preset->name[0] != '\0' ? preset->name : _("Unnamed");
}

/* One line for a slot row: every value, shortest labels that stay clear. */
static char *
summarize_preset (const StevePreset *preset)
{
  const SteveConfig *c = &preset->config;
  g_autofree char *viscous = format_number (STEVE_FIELD_VISCOUS, steve_config_get (c, STEVE_FIELD_VISCOUS));
  g_autofree char *coulomb = format_number (STEVE_FIELD_COULOMB, steve_config_get (c, STEVE_FIELD_COULOMB));
  g_autofree char *stiffness = format_number (STEVE_FIELD_WALL_STIFFNESS, steve_config_get (c, STEVE_FIELD_WALL_STIFFNESS));
  g_autofree char *damping = format_number (STEVE_FIELD_WALL_DAMPING, steve_config_get (c, STEVE_FIELD_WALL_DAMPING));
  g_autofree char *smoothing = format_number (STEVE_FIELD_SMOOTHING, steve_config_get (c, STEVE_FIELD_SMOOTHING));
  g_autofree char *torque = format_with_unit (STEVE_FIELD_TORQUE_LIMIT, steve_config_get (c, STEVE_FIELD_TORQUE_LIMIT));
  g_autofree char *travel = format_with_unit (STEVE_FIELD_TRAVEL, steve_config_get (c, STEVE_FIELD_TRAVEL));

  /* Translators: a summary of a preset; keep the order of the values */
  return g_strdup_printf (_("Slot %u · viscous %s · Coulomb %s · walls %s / %s · smoothing %s · limit %s · travel %s"),
                          preset->index, viscous, coulomb, stiffness, damping, smoothing, torque, travel);
}

/* "Viscous damping: 0.0400 → 0.0500 N·m·s/rad", one line per field that differs. */
static char *
describe_differences (const StevePreset *before,
                      const StevePreset *after)
{
  g_autoptr(GString) str = g_string_new (NULL);

  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    {
      SteveField field = preset_fields[f];
      g_autofree char *old_text = NULL;
      g_autofree char *new_text = NULL;

      if (before != NULL && steve_config_has (&before->config, field) &&
          steve_field_round (field, before->config.values[field]) ==
          steve_field_round (field, after->config.values[field]))
        continue;

      old_text = before != NULL && steve_config_has (&before->config, field)
                 ? format_number (field, before->config.values[field]) : g_strdup ("—");
      new_text = format_with_unit (field, after->config.values[field]);
      if (str->len > 0)
        g_string_append_c (str, '\n');
      /* Translators: “Viscous damping: 0.0400 → 0.0500 N·m·s/rad” */
      g_string_append_printf (str, _("%s: %s → %s"), _(steve_field_info (field)->label), old_text, new_text);
    }

  if (str->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&str), FALSE);
}

/* "Torque limit 8.00 N·m, Coulomb friction 0.0600 N·m" or NULL */
static char *
describe_unrecommended (const StevePreset *preset)
{
  g_autoptr(GString) str = g_string_new (NULL);

  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    {
      SteveField field = preset_fields[f];
      g_autofree char *value = NULL;

      if (field == STEVE_FIELD_TRAVEL || steve_field_is_recommended (field, preset->config.values[field]))
        continue;

      value = format_with_unit (field, preset->config.values[field]);
      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append_printf (str, "%s %s", _(steve_field_info (field)->label), value);
    }

  if (str->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static gboolean
preset_is_empty (const StevePreset *preset)
{
  if (preset->name != NULL && preset->name[0] != '\0')
    return FALSE;

  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    if (steve_config_get (&preset->config, preset_fields[f]) != 0.0)
      return FALSE;
  return TRUE;
}

static void
set_css_class (GtkWidget  *widget,
               const char *css_class,
               gboolean    enabled)
{
  if (enabled)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

static const StevePreset *
get_preset (StevePresetsPage *self,
            guint             index)
{
  if (self->presets == NULL || index >= self->presets->len)
    return NULL;
  return g_ptr_array_index (self->presets, index);
}

/* ------------------------------------------------------------------ state */

static void
update_actions (StevePresetsPage *self)
{
  GtkWidget *w = GTK_WIDGET (self);
  gboolean connected = self->client != NULL;
  gboolean have = self->presets != NULL;
  gboolean idle = self->busy == 0;

  gtk_widget_action_set_enabled (w, "presets.refresh", connected && !self->loading);
  gtk_widget_action_set_enabled (w, "presets.export", have);
  gtk_widget_action_set_enabled (w, "presets.import", connected && idle);
  gtk_widget_action_set_enabled (w, "presets.apply", connected && have && idle && self->tuner != NULL);
  gtk_widget_action_set_enabled (w, "presets.save", connected && have && idle);
  gtk_widget_action_set_enabled (w, "presets.save-current", connected && have && idle);
  gtk_widget_action_set_enabled (w, "presets.use-device", self->tuner != NULL && steve_tuner_get_dirty (self->tuner));
  gtk_widget_action_set_enabled (w, "presets.use-preset", self->tuner != NULL && have);
}

/* The slot list's stack fades between its pages and grows or shrinks from
 * the old page's height to the new one's. When the old page was never laid
 * out (the presets arrived in the same main-loop turn the page appeared),
 * that height is 0: the stack would be drawn 0 pixels tall through the first
 * frames of the fade, and GTK's gtk_snapshot_collect_clip() drops without
 * freeing whatever is drawn inside an empty clip (a leak per frame, found
 * with memcheck in GTK 4.8.3 and still in newer GTK sources). Nothing of the
 * old page was on screen, so there is nothing to fade from: switch at once. */
static void
show_slots_page (StevePresetsPage *self,
                 const char       *name)
{
  GtkWidget *shown = gtk_stack_get_visible_child (self->slots_stack);
  GtkStackTransitionType transition = gtk_stack_get_transition_type (self->slots_stack);

  if (shown != NULL && (gtk_widget_get_width (shown) == 0 || gtk_widget_get_height (shown) == 0))
    transition = GTK_STACK_TRANSITION_TYPE_NONE;
  gtk_stack_set_visible_child_full (self->slots_stack, name, transition);
}

static void
update_view (StevePresetsPage *self)
{
  const char *slots_page;

  gtk_stack_set_visible_child_name (self->stack, self->client != NULL ? "content" : "empty");

  if (self->presets != NULL)
    slots_page = "list";
  else if (self->load_error != NULL && !self->loading)
    slots_page = "error";
  else
    slots_page = "loading";

  show_slots_page (self, slots_page);
  gtk_spinner_set_spinning (self->spinner, g_str_equal (slots_page, "loading") && self->client != NULL);

  if (self->load_error != NULL)
    adw_action_row_set_subtitle (self->error_row, self->load_error->message);
}

static void
update_mode_label (StevePresetsPage *self)
{
  if (self->tuner == NULL)
    gtk_label_set_label (self->tuner_mode_label, "");
  else if (steve_tuner_get_mode (self->tuner) == STEVE_TUNER_MODE_LIVE)
    gtk_label_set_label (self->tuner_mode_label, _("Live mode: the tuner sends the values at once"));
  else
    gtk_label_set_label (self->tuner_mode_label, _("Apply mode: the values wait for Apply in the tuner"));
}

/* ------------------------------------------------------------------ compare */

static const StevePreset *
selected_preset (StevePresetsPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->preset_dropdown);

  if (selected == GTK_INVALID_LIST_POSITION)
    return NULL;
  return get_preset (self, selected);
}

/* The device reports end stops, a preset its travel: derive the travel. */
static void
derive_travel (SteveConfig *config)
{
  if (steve_config_has (config, STEVE_FIELD_CLOSED_POS) && steve_config_has (config, STEVE_FIELD_OPEN_POS))
    steve_config_set (config, STEVE_FIELD_TRAVEL,
                      config->values[STEVE_FIELD_OPEN_POS] - config->values[STEVE_FIELD_CLOSED_POS]);
  else
    steve_config_unset (config, STEVE_FIELD_TRAVEL);
}

static void
set_compare_cell (GtkWidget         *label,
                  const SteveConfig *config,
                  SteveField         field,
                  const SteveConfig *reference)
{
  gboolean known = config != NULL && steve_config_has (config, field);
  gboolean differs = FALSE;
  g_autofree char *text = known ? format_number (field, config->values[field]) : g_strdup ("—");

  if (known && reference != NULL)
    differs = !steve_config_has (reference, field) ||
              steve_field_round (field, config->values[field]) !=
              steve_field_round (field, reference->values[field]);

  gtk_label_set_label (GTK_LABEL (label), text);
  set_css_class (label, "accent", differs);
  set_css_class (label, "heading", differs);

  if (differs)
    {
      g_autofree char *device = steve_config_has (reference, field)
                                ? format_with_unit (field, reference->values[field]) : g_strdup (_("unknown"));
      g_autofree char *tip = g_strdup_printf (_("Differs from the device, which holds %s"), device);

      gtk_widget_set_tooltip_text (label, tip);
    }
  else
    gtk_widget_set_tooltip_text (label, NULL);
}

static void
update_compare (StevePresetsPage *self)
{
  SteveConfig device = { { 0 }, 0 };
  SteveConfig edited = { { 0 }, 0 };
  const StevePreset *preset = selected_preset (self);

  if (self->client != NULL)
    device = *steve_client_get_device_config (self->client);
  if (self->tuner != NULL)
    steve_tuner_get_edited_config (self->tuner, &edited);
  derive_travel (&device);
  derive_travel (&edited);

  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    {
      CompareRow *row = &self->compare[f];
      SteveField field = preset_fields[f];

      set_compare_cell (row->device, self->client ? &device : NULL, field, NULL);
      set_compare_cell (row->preset, preset ? &preset->config : NULL, field, self->client ? &device : NULL);
      set_compare_cell (row->edited, self->tuner ? &edited : NULL, field, self->client ? &device : NULL);
    }
}

static void
update_preset_names (StevePresetsPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->preset_dropdown);
  const char *names[STEVE_N_PRESETS + 1] = { NULL };
  char *texts[STEVE_N_PRESETS] = { NULL };

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      const StevePreset *preset = get_preset (self, i);

      if (preset != NULL)
        /* Translators: a preset in the compare menu: “light (slot 0)” */
        texts[i] = g_strdup_printf (_("%s (slot %u)"), preset_display_name (preset), i);
      else
        texts[i] = g_strdup_printf (_("Slot %u"), i);
      names[i] = texts[i];
    }

  gtk_string_list_splice (self->preset_names, 0, g_list_model_get_n_items (G_LIST_MODEL (self->preset_names)), names);
  gtk_drop_down_set_selected (self->preset_dropdown, selected < STEVE_N_PRESETS ? selected : 0);

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    g_clear_pointer (&texts[i], g_free);
}

/* ------------------------------------------------------------------ editors */

static void
refresh_editor_state (StevePresetsPage *self,
                      guint             index)
{
  Slot *slot = &self->slots[index];
  const char *text = gtk_editable_get_text (GTK_EDITABLE (slot->name_entry));
  g_autoptr(GError) error = NULL;

  if (!steve_preset_name_is_valid (text, &error))
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (slot->name_row), error->message);
      gtk_widget_add_css_class (slot->name_entry, "error");
    }
  else
    {
      g_autofree char *stored = steve_preset_name_normalize (text);
      g_autofree char *hint = NULL;

      if (!g_str_equal (stored, text))
        hint = g_strdup_printf (_("Stored as “%s”: the device keeps names in lower case"), stored);
      else
        hint = g_strdup_printf (_("Up to %u bytes; the device keeps names in lower case"), STEVE_PRESET_NAME_MAX);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (slot->name_row), hint);
      gtk_widget_remove_css_class (slot->name_entry, "error");
    }

  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    {
      SteveField field = preset_fields[f];
      double value = gtk_spin_button_get_value (GTK_SPIN_BUTTON (slot->spins[f]));
      g_autoptr(GError) value_error = NULL;
      g_autofree char *range = format_range (field);
      g_autofree char *subtitle = NULL;
      gboolean valid = steve_field_check_value (field, value, &value_error);
      gboolean outside = valid && field != STEVE_FIELD_TRAVEL && !steve_field_is_recommended (field, value);

      if (!valid)
        subtitle = g_strdup (value_error->message);
      else if (field == STEVE_FIELD_TRAVEL)
        subtitle = g_strdup (_("Kept in the slot; loading the preset sets 90°"));
      else if (outside)
        subtitle = g_strdup_printf (_("Outside the recommended range %s"), range);
      else
        subtitle = g_strdup_printf (_("Recommended: %s"), range);

      adw_action_row_set_subtitle (ADW_ACTION_ROW (slot->value_rows[f]), subtitle);
      set_css_class (slot->spins[f], "error", !valid);
      set_css_class (slot->spins[f], "warning", outside);
      gtk_widget_set_visible (slot->warnings[f], outside || !valid);
      set_css_class (slot->warnings[f], "error", !valid);
      set_css_class (slot->warnings[f], "warning", valid);
    }

  gtk_widget_set_visible (slot->reset_button, slot->edited);
}

/* Shows slot @index as the device holds it; the editor follows unless the
 * user has edits in it that are not saved. */
static void
fill_slot (StevePresetsPage *self,
           guint             index)
{
  Slot *slot = &self->slots[index];
  const StevePreset *preset = get_preset (self, index);

  if (preset == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Slot %u"), index);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (slot->row), title);
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (slot->row), "");
      adw_avatar_set_text (ADW_AVATAR (slot->avatar), NULL);
    }
  else
    {
      g_autofree char *summary = summarize_preset (preset);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (slot->row), preset_display_name (preset));
      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (slot->row), summary);
      adw_avatar_set_text (ADW_AVATAR (slot->avatar), preset->name);
    }

  if (!slot->edited)
    {
      self->updating = TRUE;
      gtk_editable_set_text (GTK_EDITABLE (slot->name_entry), preset ? preset->name : "");
      for (guint f = 0; f < N_PRESET_FIELDS; f++)
        {
          SteveField field = preset_fields[f];
          double value = preset ? steve_config_get (&preset->config, field) : steve_field_info (field)->default_value;

          gtk_spin_button_set_value (GTK_SPIN_BUTTON (slot->spins[f]), isnan (value) ? 0.0 : value);
        }
      self->updating = FALSE;
    }

  refresh_editor_state (self, index);
}

static void
on_editor_changed (GtkWidget        *widget,
                   StevePresetsPage *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (widget), "slot"));

  if (self->updating)
    return;

  self->slots[index].edited = TRUE;
  refresh_editor_state (self, index);
}

/* The editor's preset, checked as the device would check it. Nothing is
 * rounded away silently: the spin buttons hold the wire's decimals. */
static StevePreset *
read_editor (StevePresetsPage  *self,
             guint              index,
             GError           **error)
{
  Slot *slot = &self->slots[index];
  const char *name = gtk_editable_get_text (GTK_EDITABLE (slot->name_entry));
  g_autoptr(StevePreset) preset = NULL;

  if (!steve_preset_name_is_valid (name, error))
    return NULL;

  preset = steve_preset_new (index, name);
  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    {
      GtkSpinButton *spin = GTK_SPIN_BUTTON (slot->spins[f]);
      double value;

      gtk_spin_button_update (spin);
      value = gtk_spin_button_get_value (spin);
      if (!steve_field_check_value (preset_fields[f], value, error))
        return NULL;
      steve_config_set (&preset->config, preset_fields[f], steve_field_round (preset_fields[f], value));
    }

  return g_steal_pointer (&preset);
}

/* ------------------------------------------------------------------ confirmation */

typedef void (*ConfirmFunc) (StevePresetsPage *self,
                             gboolean          accepted,
                             gpointer          data);

typedef struct
{
  StevePresetsPage *self;
  ConfirmFunc       func;
  gpointer          data;
  GDestroyNotify    destroy;
  gboolean          answered;
} Confirm;

/* Also when the dialog goes away unanswered (its window was destroyed): the
 * question then counts as declined, so no operation waits forever. */
static void
confirm_free (gpointer  data,
              GClosure *closure)
{
  Confirm *confirm = data;

  if (!confirm->answered)
    confirm->func (confirm->self, FALSE, confirm->data);
  if (confirm->destroy)
    confirm->destroy (confirm->data);
  g_object_unref (confirm->self);
  g_free (confirm);
}

static void
confirm_response (AdwMessageDialog *dialog,
                  const char       *response,
                  Confirm          *confirm)
{
  if (confirm->answered)
    return;

  confirm->answered = TRUE;
  confirm->func (confirm->self, g_strcmp0 (response, "accept") == 0, confirm->data);
}

static void
ask (StevePresetsPage *self,
     const char       *heading,
     const char       *body,
     const char       *accept_label,
     ConfirmFunc       func,
     gpointer          data,
     GDestroyNotify    destroy)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  Confirm *confirm = g_new0 (Confirm, 1);
  GtkWidget *dialog;

  /* one question at a time */
  if (self->dialog != NULL)
    gtk_window_close (GTK_WINDOW (self->dialog));

  confirm->self = g_object_ref (self);
  confirm->func = func;
  confirm->data = data;
  confirm->destroy = destroy;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "accept", accept_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "accept", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_data (dialog, "response", G_CALLBACK (confirm_response), confirm, confirm_free, 0);

  self->dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------------ reading */

static void
presets_loaded (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(StevePresetsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) presets = steve_client_get_presets_finish (STEVE_CLIENT (source), result, &error);

  /* a result of an older session */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || STEVE_CLIENT (source) != self->client)
    return;

  self->loading = FALSE;
  g_clear_error (&self->load_error);
  g_clear_pointer (&self->presets, g_ptr_array_unref);

  if (presets == NULL)
    {
      g_debug ("presets not read: %s", error->message);
      self->load_error = g_steal_pointer (&error);
    }
  else
    {
      self->presets = g_steal_pointer (&presets);
    }

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    fill_slot (self, i);
  update_preset_names (self);
  update_compare (self);
  update_view (self);
  update_actions (self);

  if (self->reload_queued)
    {
      self->reload_queued = FALSE;
      load_presets (self);
    }
}

static void
load_presets (StevePresetsPage *self)
{
  if (self->client == NULL)
    return;

  /* a save finished while reading: read once more afterwards */
  if (self->loading)
    {
      self->reload_queued = TRUE;
      return;
    }

  self->loading = TRUE;
  steve_client_get_presets_async (self->client, self->cancellable, presets_loaded, g_object_ref (self));
  update_view (self);
  update_actions (self);
}

/* ------------------------------------------------------------------ loading a preset */

static void
on_tuner_applied (SteveTuner        *tuner,
                  const SteveConfig *before,
                  const SteveConfig *after,
                  StevePresetsPage  *self)
{
  const StevePreset *preset;

  update_compare (self);

  if (self->pending_apply < 0 || (preset = get_preset (self, (guint) self->pending_apply)) == NULL)
    return;

  /* the config read back after the load: the preset's feel at 90° travel */
  if (!steve_config_has (after, STEVE_FIELD_VISCOUS) ||
      steve_field_round (STEVE_FIELD_VISCOUS, after->values[STEVE_FIELD_VISCOUS]) !=
      steve_field_round (STEVE_FIELD_VISCOUS, steve_config_get (&preset->config, STEVE_FIELD_VISCOUS)))
    return;

  self->pending_apply = -1;

  if (fabs (steve_config_get (&preset->config, STEVE_FIELD_TRAVEL) - LOADED_TRAVEL_DEG) > 0.05)
    {
      g_autofree char *travel = format_with_unit (STEVE_FIELD_TRAVEL, steve_config_get (&preset->config, STEVE_FIELD_TRAVEL));
      g_autofree char *text = g_strdup_printf (_("Loaded “%s”. The device set the travel to 90° (open at 90°): a load never uses the %s stored in the slot."),
                                               preset_display_name (preset), travel);

      steve_widget_show_toast (GTK_WIDGET (self), text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Loaded “%s”. Loading a preset always sets the travel to 90° (open at 90°)."),
                                               preset_display_name (preset));

      steve_widget_show_toast (GTK_WIDGET (self), text);
    }
}

static void
on_tuner_error (SteveTuner       *tuner,
                const GError     *error,
                StevePresetsPage *self)
{
  /* the window shows the tuner's errors; a failed load is no longer awaited */
  self->pending_apply = -1;
}

static void
load_preset (StevePresetsPage *self,
             guint             index)
{
  if (self->tuner == NULL || get_preset (self, index) == NULL)
    return;

  self->pending_apply = (int) index;
  steve_tuner_apply_preset (self->tuner, index);
}

static void
load_confirmed (StevePresetsPage *self,
                gboolean          accepted,
                gpointer          data)
{
  if (accepted)
    load_preset (self, GPOINTER_TO_UINT (data));
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (widget);
  guint index = g_variant_get_uint32 (parameter);
  const StevePreset *preset = get_preset (self, index);
  g_autofree char *heading = NULL;

  if (self->tuner == NULL || preset == NULL)
    return;

  if (!steve_tuner_get_dirty (self->tuner))
    {
      load_preset (self, index);
      return;
    }

  /* the load replaces every value: edits waiting in the tuner would go */
  heading = g_strdup_printf (_("Load “%s” and Drop the Tuner’s Edits?"), preset_display_name (preset));
  ask (self, heading,
       _("The tuner holds edits that are not applied. Loading the preset replaces every value on the device, sets the travel to 90° and drops those edits."),
       _("_Load"), load_confirmed, GUINT_TO_POINTER (index), NULL);
}

/* ------------------------------------------------------------------ saving */

typedef struct
{
  StevePresetsPage *self;
  guint             index;
  StevePreset      *preset;   /* NULL: save the device's current settings */
} SaveOp;

static void
save_op_free (SaveOp *op)
{
  g_clear_object (&op->self);
  g_clear_pointer (&op->preset, steve_preset_free);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SaveOp, save_op_free)

static void
save_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SaveOp) op = user_data;
  StevePresetsPage *self = op->self;
  g_autoptr(GError) error = NULL;
  gboolean ok = steve_client_save_preset_finish (STEVE_CLIENT (source), result, &error);

  g_assert (self->busy > 0);
  self->busy--;
  update_actions (self);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || STEVE_CLIENT (source) != self->client)
    return;

  if (!ok)
    {
      g_autofree char *text = g_strdup_printf (_("Slot %u could not be saved: %s"), op->index, error->message);

      steve_widget_show_toast (GTK_WIDGET (self), text);
    }
  else if (op->preset != NULL)
    {
      g_autofree char *stored = steve_preset_name_normalize (op->preset->name);
      g_autofree char *text = g_strdup_printf (_("Saved “%s” in slot %u."), stored, op->index);

      self->slots[op->index].edited = FALSE;
      steve_widget_show_toast (GTK_WIDGET (self), text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Saved the device’s current settings in slot %u."), op->index);

      steve_widget_show_toast (GTK_WIDGET (self), text);
    }

  /* read back what the device really stored (names in lower case) */
  load_presets (self);
}

static void
start_save (StevePresetsPage *self,
            guint             index,
            StevePreset      *preset)
{
  SaveOp *op;

  if (self->client == NULL)
    {
      g_clear_pointer (&preset, steve_preset_free);
      return;
    }

  op = g_new0 (SaveOp, 1);
  op->self = g_object_ref (self);
  op->index = index;
  op->preset = preset;

  self->busy++;
  update_actions (self);

  if (preset != NULL)
    steve_client_save_preset_async (self->client, preset, self->cancellable, save_done, op);
  else
    steve_client_save_current_preset_async (self->client, index, self->cancellable, save_done, op);
}

static void
save_confirmed (StevePresetsPage *self,
                gboolean          accepted,
                gpointer          data)
{
  SaveOp *pending = data;

  if (accepted)
    start_save (self, pending->index, g_steal_pointer (&pending->preset));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (widget);
  guint index = g_variant_get_uint32 (parameter);
  const StevePreset *old = get_preset (self, index);
  g_autoptr(StevePreset) preset = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *changes = NULL;
  g_autofree char *unrecommended = NULL;
  g_autoptr(GString) body = NULL;
  SaveOp *pending;

  if (index >= STEVE_N_PRESETS || old == NULL)
    return;

  refresh_editor_state (self, index);
  preset = read_editor (self, index, &error);
  if (preset == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Slot %u was not saved: %s"), index, error->message);

      steve_widget_show_toast (GTK_WIDGET (self), text);
      return;
    }

  if (preset_is_empty (old))
    {
      start_save (self, index, g_steal_pointer (&preset));
      return;
    }

  stored = steve_preset_name_normalize (preset->name);
  changes = describe_differences (old, preset);
  unrecommended = describe_unrecommended (preset);

  heading = g_strdup_printf (_("Replace Preset “%s”?"), preset_display_name (old));
  body = g_string_new (NULL);
  g_string_append_printf (body, _("Slot %u will hold “%s”."), index, stored);
  g_string_append (body, "\n\n");
  g_string_append (body, changes ? changes : _("The values stay the same."));
  if (unrecommended != NULL)
    {
      g_string_append (body, "\n\n");
      g_string_append_printf (body, _("Outside the recommended range: %s."), unrecommended);
    }

  pending = g_new0 (SaveOp, 1);
  pending->index = index;
  pending->preset = g_steal_pointer (&preset);
  ask (self, heading, body->str, _("_Replace"), save_confirmed, pending, (GDestroyNotify) save_op_free);
}

static void
save_current_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (widget);
  guint index = g_variant_get_uint32 (parameter);
  const StevePreset *old = get_preset (self, index);
  g_autofree char *heading = NULL;
  g_autoptr(GString) body = NULL;
  SaveOp *pending;

  if (index >= STEVE_N_PRESETS || old == NULL)
    return;

  if (preset_is_empty (old))
    {
      start_save (self, index, NULL);
      return;
    }

  heading = g_strdup_printf (_("Save Current Settings over “%s”?"), preset_display_name (old));
  body = g_string_new (NULL);
  g_string_append_printf (body, _("The device copies the settings it runs now into slot %u, including its travel, and keeps the name “%s”. The values stored there are replaced."),
                          index, preset_display_name (old));
  if (self->tuner != NULL && steve_tuner_get_dirty (self->tuner))
    {
      g_string_append (body, "\n\n");
      g_string_append (body, _("The tuner holds edits that are not applied: they are not included. Apply them first to keep them."));
    }

  pending = g_new0 (SaveOp, 1);
  pending->index = index;
  ask (self, heading, body->str, _("_Save Here"), save_confirmed, pending, (GDestroyNotify) save_op_free);
}

static void
reset_editor_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (widget);
  guint index = g_variant_get_uint32 (parameter);

  if (index >= STEVE_N_PRESETS)
    return;

  self->slots[index].edited = FALSE;
  fill_slot (self, index);
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  steve_presets_page_refresh (STEVE_PRESETS_PAGE (widget));
}

/* ------------------------------------------------------------------ compare actions */

static void
use_device_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (widget);

  if (self->tuner == NULL)
    return;

  steve_tuner_revert_all (self->tuner);
  steve_widget_show_toast (widget, _("The tuner holds the device’s values again."));
}

static void
use_preset_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (widget);
  const StevePreset *preset = selected_preset (self);
  SteveConfig values = { { 0 }, 0 };
  SteveConfig edited;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  double closed = 0.0;

  if (self->tuner == NULL || preset == NULL)
    return;

  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    if (preset_fields[f] != STEVE_FIELD_TRAVEL && steve_config_has (&preset->config, preset_fields[f]))
      steve_config_set (&values, preset_fields[f], preset->config.values[preset_fields[f]]);

  /* the tuner edits end stops, a preset stores a travel: keep the closed
   * end stop where it is and put the open one at the preset's travel */
  steve_tuner_get_edited_config (self->tuner, &edited);
  if (steve_config_has (&edited, STEVE_FIELD_CLOSED_POS))
    closed = edited.values[STEVE_FIELD_CLOSED_POS];
  else
    steve_config_set (&values, STEVE_FIELD_CLOSED_POS, closed);
  if (steve_config_has (&preset->config, STEVE_FIELD_TRAVEL))
    steve_config_set (&values, STEVE_FIELD_OPEN_POS, closed + preset->config.values[STEVE_FIELD_TRAVEL]);

  if (!steve_tuner_set_values (self->tuner, &values, &error))
    {
      text = g_strdup_printf (_("The values of “%s” could not be put into the tuner: %s"),
                              preset_display_name (preset), error->message);
      steve_widget_show_toast (widget, text);
      return;
    }

  if (steve_tuner_get_mode (self->tuner) == STEVE_TUNER_MODE_LIVE)
    text = g_strdup_printf (_("The tuner now holds the values of “%s” and sends them to the device."),
                            preset_display_name (preset));
  else
    text = g_strdup_printf (_("The tuner now holds the values of “%s”. Apply them to send them to the device."),
                            preset_display_name (preset));
  steve_widget_show_toast (widget, text);
}

/* ------------------------------------------------------------------ export */

static const SteveFileType preset_file_types[] = {
  { N_("Steve Tuner presets"), "*.json" },
};

/**
 * steve_presets_page_export_to_file:
 * @file: where to write
 *
 * Writes the device's presets, as last read, to @file as a preset file.
 * The file is replaced as a whole or not at all.
 *
 * Returns: %FALSE with @error when the presets are unknown or the file
 *   could not be written
 */
gboolean
steve_presets_page_export_to_file (StevePresetsPage  *self,
                                   GFile             *file,
                                   GError           **error)
{
  g_autofree char *json = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (STEVE_IS_PRESETS_PAGE (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->presets == NULL)
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_FAILED,
                           _("The presets have not been read from the device yet."));
      return FALSE;
    }

  json = steve_presets_to_json (self->presets);
  if (!g_file_replace_contents (file, json, strlen (json), NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, &local_error))
    {
      name = g_file_get_parse_name (file);
      g_set_error (error, local_error->domain, local_error->code,
                   _("The presets could not be written to “%s”: %s"), name, local_error->message);
      return FALSE;
    }

  return TRUE;
}

static void
export_chosen (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StevePresetsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = steve_choose_file_finish (result, NULL, &error);
  g_autofree char *text = NULL;

  if (file == NULL)
    return;  /* cancelled */

  if (!steve_presets_page_export_to_file (self, file, &error))
    {
      steve_widget_show_toast (GTK_WIDGET (self), error->message);
      return;
    }

  {
    g_autofree char *name = g_file_get_basename (file);

    text = g_strdup_printf (_("Exported the four presets to “%s”."), name);
    steve_widget_show_toast (GTK_WIDGET (self), text);
  }
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SteveFileType types[G_N_ELEMENTS (preset_file_types)];

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      types[i].name = _(preset_file_types[i].name);
      types[i].pattern = preset_file_types[i].pattern;
    }

  steve_choose_file_async (widget, STEVE_FILE_SAVE, _("Export Presets"), _("_Export"),
                           "steve-presets.json", types, G_N_ELEMENTS (types),
                           export_chosen, g_object_ref (widget));
}

/* ------------------------------------------------------------------ import */

typedef struct
{
  GFile       *file;
  SteveClient *client;    /* the device the import was started on */
  GPtrArray   *presets;   /* StevePreset, checked */
  guint        next;      /* index into presets of the next save */
  gboolean     started;   /* the user agreed: slots are being replaced */
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_clear_object (&data->file);
  g_clear_object (&data->client);
  g_clear_pointer (&data->presets, g_ptr_array_unref);
  g_free (data);
}

/* Ends an import, with @error or without. Always reads the presets again
 * once something may have been written. */
static void
import_complete (GTask  *task,
                 GError *error)
{
  StevePresetsPage *self = g_task_get_source_object (task);
  ImportData *data = g_task_get_task_data (task);

  g_assert (self->busy > 0);
  self->busy--;
  update_actions (self);

  if (data->started)
    load_presets (self);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static char *
slot_list (GPtrArray *presets,
           guint      from,
           guint      to)
{
  g_autoptr(GString) str = g_string_new (NULL);

  for (guint i = from; i < to; i++)
    {
      const StevePreset *p = g_ptr_array_index (presets, i);

      if (str->len > 0)
        g_string_append (str, ", ");
      g_string_append_printf (str, "%u", p->index);
    }
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static void import_save_next (GTask *task);

static int
compare_slots (gconstpointer a,
               gconstpointer b)
{
  const StevePreset *pa = *(const StevePreset * const *) a;
  const StevePreset *pb = *(const StevePreset * const *) b;

  return (int) pa->index - (int) pb->index;
}

static void
import_saved (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  ImportData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!steve_client_save_preset_finish (STEVE_CLIENT (source), result, &error))
    {
      const StevePreset *failed = g_ptr_array_index (data->presets, data->next);
      g_autofree char *done = slot_list (data->presets, 0, data->next);
      g_autofree char *rest = slot_list (data->presets, data->next + 1, data->presets->len);
      g_autoptr(GString) message = g_string_new (NULL);

      g_string_append_printf (message, _("Slot %u could not be saved: %s."), failed->index, error->message);
      if (data->next > 0)
        {
          g_string_append_c (message, ' ');
          g_string_append_printf (message, _("Slots already replaced from the file: %s."), done);
        }
      else
        {
          g_string_append_c (message, ' ');
          g_string_append (message, _("No slot was replaced."));
        }
      if (rest[0] != '\0')
        {
          g_string_append_c (message, ' ');
          g_string_append_printf (message, _("Slots not imported: %s."), rest);
        }

      import_complete (task, g_error_new_literal (error->domain, error->code, message->str));
      return;
    }

  data->next++;
  import_save_next (task);
}

static void
import_save_next (GTask *task)
{
  StevePresetsPage *self = g_task_get_source_object (task);
  ImportData *data = g_task_get_task_data (task);

  if (data->next >= data->presets->len)
    {
      import_complete (task, NULL);
      return;
    }

  /* never carry on with another device than the one the user confirmed */
  if (self->client == NULL || self->client != data->client)
    {
      g_autofree char *done = slot_list (data->presets, 0, data->next);

      import_complete (task, g_error_new (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                                          _("The device was disconnected during the import; slots replaced: %s."),
                                          done[0] ? done : _("none")));
      return;
    }

  steve_client_save_preset_async (self->client, g_ptr_array_index (data->presets, data->next),
                                  self->cancellable, import_saved, task);
}

static void
import_confirmed (StevePresetsPage *self,
                  gboolean          accepted,
                  gpointer          user_data)
{
  GTask *task = user_data;
  ImportData *data = g_task_get_task_data (task);

  if (!accepted)
    {
      import_complete (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                  _("The import was cancelled; no preset was changed.")));
      return;
    }

  data->started = TRUE;
  g_set_object (&data->client, self->client);
  import_save_next (task);
}

static void
import_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  StevePresetsPage *self = g_task_get_source_object (task);
  ImportData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *name = g_file_get_basename (data->file);
  g_autofree char *heading = NULL;
  g_autoptr(GString) body = NULL;
  gsize length = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      import_complete (task, g_error_new (error->domain, error->code,
                                          _("“%s” could not be read: %s"), name, error->message));
      return;
    }

  data->presets = steve_presets_from_json (contents, (gssize) length, &error);
  if (data->presets == NULL)
    {
      import_complete (task, g_error_new (error->domain, error->code,
                                          _("“%s” was not imported: %s"), name, error->message));
      return;
    }

  if (self->client == NULL)
    {
      import_complete (task, g_error_new_literal (STEVE_ERROR, STEVE_ERROR_CONNECTION,
                                                  _("Connect to a device before importing presets.")));
      return;
    }

  /* slot order, so the progress and any failure read naturally */
  g_ptr_array_sort (data->presets, compare_slots);

  heading = g_strdup_printf (ngettext ("Replace %u Device Preset?", "Replace %u Device Presets?", data->presets->len),
                             data->presets->len);
  body = g_string_new (NULL);
  g_string_append_printf (body, _("“%s” replaces these slots on the device:"), name);
  g_string_append_c (body, '\n');
  for (guint i = 0; i < data->presets->len; i++)
    {
      const StevePreset *p = g_ptr_array_index (data->presets, i);
      const StevePreset *old = get_preset (self, p->index);
      g_autofree char *stored = steve_preset_name_normalize (p->name);

      g_string_append_c (body, '\n');
      if (old != NULL)
        /* Translators: “Slot 0: light → soft” */
        g_string_append_printf (body, _("Slot %u: %s → %s"), p->index, preset_display_name (old), stored);
      else
        g_string_append_printf (body, _("Slot %u: %s"), p->index, stored);
    }
  g_string_append (body, "\n\n");
  g_string_append (body, _("Names are stored in lower case. The presets are saved one by one; if one fails, the page tells you which slots were replaced."));

  ask (self, heading, body->str, _("_Replace"), import_confirmed, task, NULL);
}

/**
 * steve_presets_page_import_from_file_async:
 * @file: a preset file
 *
 * Reads @file and checks every preset in it (slot, name, each value
 * within the hard limits) before anything is sent; then asks the user to
 * confirm and saves the presets slot by slot. A failure names the slots
 * already replaced. Declining finishes with %G_IO_ERROR_CANCELLED.
 */
void
steve_presets_page_import_from_file_async (StevePresetsPage    *self,
                                           GFile               *file,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data)
{
  GTask *task;
  ImportData *data;

  g_return_if_fail (STEVE_IS_PRESETS_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, steve_presets_page_import_from_file_async);

  if (self->client == NULL)
    {
      g_task_return_new_error (task, STEVE_ERROR, STEVE_ERROR_CONNECTION,
                               _("Connect to a device before importing presets."));
      g_object_unref (task);
      return;
    }

  if (self->busy > 0)
    {
      g_task_return_new_error (task, STEVE_ERROR, STEVE_ERROR_BUSY,
                               _("Presets are being saved; import the file when they have reached the device."));
      g_object_unref (task);
      return;
    }

  data = g_new0 (ImportData, 1);
  data->file = g_object_ref (file);
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);

  self->busy++;
  update_actions (self);
  g_file_load_contents_async (file, cancellable, import_loaded, task);
}

gboolean
steve_presets_page_import_from_file_finish (StevePresetsPage  *self,
                                            GAsyncResult      *result,
                                            GError           **error)
{
  g_return_val_if_fail (STEVE_IS_PRESETS_PAGE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == steve_presets_page_import_from_file_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
import_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (source);
  g_autoptr(GError) error = NULL;

  if (!steve_presets_page_import_from_file_finish (self, result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        steve_widget_show_toast (GTK_WIDGET (self), error->message);
      return;
    }

  steve_widget_show_toast (GTK_WIDGET (self), _("Imported the presets; the device holds them now."));
}

static void
import_chosen (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(StevePresetsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = steve_choose_file_finish (result, NULL, &error);

  if (file == NULL)
    return;  /* cancelled */

  steve_presets_page_import_from_file_async (self, file, NULL, import_done, NULL);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SteveFileType types[G_N_ELEMENTS (preset_file_types)];

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      types[i].name = _(preset_file_types[i].name);
      types[i].pattern = preset_file_types[i].pattern;
    }

  steve_choose_file_async (widget, STEVE_FILE_OPEN, _("Import Presets"), _("_Open"),
                           NULL, types, G_N_ELEMENTS (types),
                           import_chosen, g_object_ref (widget));
}

/* ------------------------------------------------------------------ building */

static void
build_slot (StevePresetsPage *self,
            guint             index)
{
  Slot *slot = &self->slots[index];
  g_autofree char *widget_name = g_strdup_printf ("slot-%u", index);
  g_autofree char *entry_name = g_strdup_printf ("slot-%u-name", index);
  g_autofree char *name_row_name = g_strdup_printf ("slot-%u-name-row", index);
  g_autofree char *name_label = g_strdup_printf (_("Name of the preset in slot %u"), index);
  g_autofree char *load_label = g_strdup_printf (_("Load the preset in slot %u"), index);
  GtkWidget *load;
  GtkWidget *actions_row;
  GtkWidget *box;
  GtkWidget *button;

  slot->row = adw_expander_row_new ();
  gtk_widget_set_name (slot->row, widget_name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (slot->row), FALSE);

  slot->avatar = adw_avatar_new (32, NULL, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (slot->avatar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "", -1);
  gtk_widget_set_valign (slot->avatar, GTK_ALIGN_CENTER);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (slot->row), slot->avatar);

  load = gtk_button_new_with_mnemonic (_("_Load"));
  gtk_widget_set_valign (load, GTK_ALIGN_CENTER);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (load), "presets.apply");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (load), "u", index);
  gtk_widget_set_tooltip_text (load, _("Load this preset on the device now; the device sets the travel to 90°"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (load), GTK_ACCESSIBLE_PROPERTY_LABEL, load_label, -1);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (slot->row), load);

  /* name */
  slot->name_row = adw_action_row_new ();
  gtk_widget_set_name (slot->name_row, name_row_name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (slot->name_row), _("Name"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (slot->name_row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (slot->name_row), 3);

  slot->name_entry = gtk_entry_new ();
  gtk_widget_set_name (slot->name_entry, entry_name);
  gtk_widget_set_valign (slot->name_entry, GTK_ALIGN_CENTER);
  gtk_editable_set_width_chars (GTK_EDITABLE (slot->name_entry), 16);
  gtk_entry_set_max_length (GTK_ENTRY (slot->name_entry), STEVE_PRESET_NAME_MAX);
  gtk_widget_set_tooltip_text (slot->name_entry, _("Up to 15 bytes without quotes, backslashes or control characters; the device stores it in lower case"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (slot->name_entry), GTK_ACCESSIBLE_PROPERTY_LABEL, name_label, -1);
  g_object_set_data (G_OBJECT (slot->name_entry), "slot", GUINT_TO_POINTER (index));
  g_signal_connect (slot->name_entry, "changed", G_CALLBACK (on_editor_changed), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (slot->name_row), slot->name_entry);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (slot->name_row), slot->name_entry);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (slot->row), slot->name_row);

  /* values */
  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    {
      SteveField field = preset_fields[f];
      const SteveFieldInfo *info = steve_field_info (field);
      g_autofree char *spin_name = g_strdup_printf ("slot-%u-%s", index, info->key_firmware);
      g_autofree char *row_name = g_strdup_printf ("slot-%u-%s-row", index, info->key_firmware);
      g_autofree char *spin_label = g_strdup_printf (_("%s of the preset in slot %u"), _(info->label), index);
      double step = pow (10.0, -(double) (info->decimals > 0 ? info->decimals - 1 : 0));
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spin;
      GtkWidget *warning;

      gtk_widget_set_name (row, row_name);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(info->label));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);

      warning = gtk_image_new_from_icon_name ("dialog-warning-symbolic");
      gtk_widget_set_visible (warning, FALSE);
      gtk_widget_set_tooltip_text (warning, _("Outside the recommended range"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (warning), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Outside the recommended range"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), warning);

      /* the spin button cannot leave the hard limits; an excluded minimum
       * (smoothing, torque limit > 0) is refused when saving */
      spin = gtk_spin_button_new_with_range (info->hard_min, info->hard_max, step);
      gtk_widget_set_name (spin, spin_name);
      gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), info->decimals);
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
      gtk_editable_set_width_chars (GTK_EDITABLE (spin), 9);
      gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (spin, _(info->description));
      gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, spin_label, -1);
      g_object_set_data (G_OBJECT (spin), "slot", GUINT_TO_POINTER (index));
      g_signal_connect (spin, "value-changed", G_CALLBACK (on_editor_changed), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);

      if (info->unit[0] != '\0')
        {
          GtkWidget *unit = gtk_label_new (info->unit);

          gtk_label_set_width_chars (GTK_LABEL (unit), 9);
          gtk_label_set_xalign (GTK_LABEL (unit), 0.0f);
          gtk_widget_add_css_class (unit, "dim-label");
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), unit);
        }
      else
        {
          GtkWidget *spacer = gtk_label_new ("");

          gtk_label_set_width_chars (GTK_LABEL (spacer), 9);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), spacer);
        }

      slot->value_rows[f] = row;
      slot->spins[f] = spin;
      slot->warnings[f] = warning;
      adw_expander_row_add_row (ADW_EXPANDER_ROW (slot->row), row);
    }

  /* what to do with the slot */
  actions_row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (actions_row), FALSE);
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_halign (box, GTK_ALIGN_END);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (actions_row), box);

  button = gtk_button_new_with_mnemonic (_("Re_vert"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "presets.reset-editor");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", index);
  gtk_widget_set_tooltip_text (button, _("Drop the changes in this editor and show the slot as the device holds it"));
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_visible (button, FALSE);
  gtk_box_append (GTK_BOX (box), button);
  slot->reset_button = button;

  button = gtk_button_new_with_mnemonic (_("Save _Current Settings Here"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "presets.save-current");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", index);
  gtk_widget_set_tooltip_text (button, _("Store the settings the device runs now in this slot, keeping its name"));
  gtk_box_append (GTK_BOX (box), button);

  button = gtk_button_new_with_mnemonic (_("_Save to Slot"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "presets.save");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "u", index);
  gtk_widget_set_tooltip_text (button, _("Store the name and values above in this slot"));
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_box_append (GTK_BOX (box), button);

  adw_expander_row_add_row (ADW_EXPANDER_ROW (slot->row), actions_row);

  gtk_list_box_append (self->slots_list, slot->row);
}

static GtkWidget *
compare_value_label (const char *column,
                     SteveField  field)
{
  g_autofree char *name = g_strdup_printf ("compare-%s-%s", column, steve_field_info (field)->key_firmware);
  GtkWidget *label = gtk_label_new ("—");

  gtk_widget_set_name (label, name);
  gtk_label_set_xalign (GTK_LABEL (label), 1.0f);
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "numeric");
  return label;
}

static void
build_compare (StevePresetsPage *self)
{
  for (guint f = 0; f < N_PRESET_FIELDS; f++)
    {
      SteveField field = preset_fields[f];
      const SteveFieldInfo *info = steve_field_info (field);
      CompareRow *cells = &self->compare[f];
      GtkWidget *row = gtk_list_box_row_new ();
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *title_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *title = gtk_label_new (_(info->label));

      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
      gtk_widget_set_margin_start (box, 12);
      gtk_widget_set_margin_end (box, 12);
      gtk_widget_set_margin_top (box, 10);
      gtk_widget_set_margin_bottom (box, 10);

      gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
      gtk_widget_set_valign (title, GTK_ALIGN_BASELINE);
      gtk_widget_set_tooltip_text (title, _(info->description));
      gtk_box_append (GTK_BOX (title_box), title);
      /* an empty unit still takes its line height: rows stay even */
      {
        GtkWidget *unit = gtk_label_new (info->unit);

        gtk_label_set_xalign (GTK_LABEL (unit), 0.0f);
        gtk_label_set_ellipsize (GTK_LABEL (unit), PANGO_ELLIPSIZE_END);
        gtk_widget_set_valign (unit, GTK_ALIGN_BASELINE);
        gtk_widget_add_css_class (unit, "dim-label");
        gtk_widget_add_css_class (unit, "caption");
        gtk_box_append (GTK_BOX (title_box), unit);
      }
      gtk_widget_set_valign (title_box, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (box), title_box);

      cells->device = compare_value_label ("device", field);
      cells->preset = compare_value_label ("preset", field);
      cells->edited = compare_value_label ("edited", field);
      gtk_box_append (GTK_BOX (box), cells->device);
      gtk_box_append (GTK_BOX (box), cells->preset);
      gtk_box_append (GTK_BOX (box), cells->edited);

      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_list_box_insert (self->compare_list, row, (int) f + 1);
    }
}

/* ------------------------------------------------------------------ session */

static void
on_tuner_value_changed (SteveTuner       *tuner,
                        int               field,
                        StevePresetsPage *self)
{
  update_compare (self);
}

static void
on_tuner_state (StevePresetsPage *self)
{
  update_mode_label (self);
  update_actions (self);
}

static void
on_device_config (StevePresetsPage *self)
{
  update_compare (self);
}

static void
on_connection_restored (StevePresetsPage *self)
{
  /* the device may have restarted with other presets */
  load_presets (self);
}

static void
on_dropdown_selected (StevePresetsPage *self)
{
  update_compare (self);
}

static void
end_session (StevePresetsPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->dialog != NULL)
    gtk_window_close (GTK_WINDOW (self->dialog));

  if (self->tuner != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->tuner, self);
      g_clear_object (&self->tuner);
    }
  if (self->client != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->client, self);
      g_clear_object (&self->client);
    }

  g_clear_pointer (&self->presets, g_ptr_array_unref);
  g_clear_error (&self->load_error);
  self->loading = FALSE;
  self->reload_queued = FALSE;
  self->pending_apply = -1;
  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    self->slots[i].edited = FALSE;
}

/**
 * steve_presets_page_set_session:
 * @client: (nullable): the session's client, %NULL when it ends
 * @tuner: (nullable): the session's tuner
 *
 * Follows a new session (reading its presets at once), or shows the
 * disconnected state.
 */
void
steve_presets_page_set_session (StevePresetsPage *self,
                                SteveClient      *client,
                                SteveTuner       *tuner)
{
  g_return_if_fail (STEVE_IS_PRESETS_PAGE (self));
  g_return_if_fail (client == NULL || STEVE_IS_CLIENT (client));
  g_return_if_fail (tuner == NULL || STEVE_IS_TUNER (tuner));

  if (self->client == client && self->tuner == tuner)
    return;

  end_session (self);

  if (client != NULL)
    {
      self->client = g_object_ref (client);
      self->cancellable = g_cancellable_new ();
      g_signal_connect_object (client, "notify::device-config", G_CALLBACK (on_device_config), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "connection-restored", G_CALLBACK (on_connection_restored), self, G_CONNECT_SWAPPED);

      if (tuner != NULL)
        {
          self->tuner = g_object_ref (tuner);
          g_signal_connect_object (tuner, "value-changed", G_CALLBACK (on_tuner_value_changed), self, 0);
          g_signal_connect_object (tuner, "applied", G_CALLBACK (on_tuner_applied), self, 0);
          g_signal_connect_object (tuner, "error", G_CALLBACK (on_tuner_error), self, 0);
          g_signal_connect_object (tuner, "notify::dirty", G_CALLBACK (on_tuner_state), self, G_CONNECT_SWAPPED);
          g_signal_connect_object (tuner, "notify::mode", G_CALLBACK (on_tuner_state), self, G_CONNECT_SWAPPED);
        }
    }

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    fill_slot (self, i);
  update_preset_names (self);
  update_mode_label (self);
  update_compare (self);
  load_presets (self);
  update_view (self);
  update_actions (self);
}

/**
 * steve_presets_page_refresh:
 *
 * Reads the device's presets again.
 */
void
steve_presets_page_refresh (StevePresetsPage *self)
{
  g_return_if_fail (STEVE_IS_PRESETS_PAGE (self));

  load_presets (self);
}

/**
 * steve_presets_page_get_presets:
 *
 * Returns: (nullable) (transfer none) (element-type StevePreset): the
 *   device's presets as last read, slot i at index i; %NULL while unknown
 */
GPtrArray *
steve_presets_page_get_presets (StevePresetsPage *self)
{
  g_return_val_if_fail (STEVE_IS_PRESETS_PAGE (self), NULL);

  return self->presets;
}

/* ------------------------------------------------------------------ GObject */

static void
steve_presets_page_dispose (GObject *object)
{
  StevePresetsPage *self = STEVE_PRESETS_PAGE (object);

  end_session (self);
  if (self->dialog != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->dialog), (gpointer *) &self->dialog);
      self->dialog = NULL;
    }

  gtk_widget_dispose_template (GTK_WIDGET (self), STEVE_TYPE_PRESETS_PAGE);

  G_OBJECT_CLASS (steve_presets_page_parent_class)->dispose (object);
}

static void
steve_presets_page_class_init (StevePresetsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = steve_presets_page_dispose;

  steve_app_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/stevetuner/SteveTuner/steve-presets-page.ui");
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, slots_stack);
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, error_row);
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, slots_list);
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, compare_list);
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, preset_dropdown);
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, preset_names);
  gtk_widget_class_bind_template_child (widget_class, StevePresetsPage, tuner_mode_label);

  gtk_widget_class_install_action (widget_class, "presets.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "presets.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "presets.import", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "presets.apply", "u", apply_action);
  gtk_widget_class_install_action (widget_class, "presets.save", "u", save_action);
  gtk_widget_class_install_action (widget_class, "presets.save-current", "u", save_current_action);
  gtk_widget_class_install_action (widget_class, "presets.reset-editor", "u", reset_editor_action);
  gtk_widget_class_install_action (widget_class, "presets.use-device", NULL, use_device_action);
  gtk_widget_class_install_action (widget_class, "presets.use-preset", NULL, use_preset_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "presets.refresh", NULL);
}

static void
steve_presets_page_init (StevePresetsPage *self)
{
  self->pending_apply = -1;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* the template's root: AdwBin owns it, so it is not a bound child */
  self->stack = GTK_STACK (adw_bin_get_child (ADW_BIN (self)));

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    build_slot (self, i);
  build_compare (self);

  g_signal_connect_object (self->preset_dropdown, "notify::selected",
                           G_CALLBACK (on_dropdown_selected), self, G_CONNECT_SWAPPED);

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    fill_slot (self, i);
  update_preset_names (self);
  update_mode_label (self);
  update_compare (self);
  update_view (self);
  update_actions (self);
}

GtkWidget *
steve_presets_page_new (void)
{
  return g_object_new (STEVE_TYPE_PRESETS_PAGE, NULL);
}
