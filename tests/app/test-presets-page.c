/* test-presets-page.c — the Presets page against the simulated device, headless
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test runs a simulated device on loopback ports (with a state file,
 * so presets persist like the device's flash), a real SteveClient and
 * SteveTuner, and the page in a 1280×800 window. The page is driven through
 * its widgets and actions the way a user would; what reaches the device is
 * read from the simulator itself and from its request log.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "steve-error.h"
#include "steve-field.h"
#include "steve-presets-page.h"

#include "steve-gui-test-utils.h"
#include "steve-test-utils.h"

#define WAIT_TIMEOUT_MS 15000

typedef struct
{
  SteveTestTmp     *tmp;
  SteveSim         *sim;
  SteveClient      *client;
  SteveTuner       *tuner;
  GtkWidget        *window;
  StevePresetsPage *page;
  guint             frames;             /* drawn with the slot list mapped */
  guint             empty_fade_frames;  /* of them, fading at 0 pixels */
} Fixture;

/* ------------------------------------------------------------------ waiting */

static gboolean
iterate_or_fail (gint64      deadline,
                 const char *what,
                 const char *file,
                 int         line)
{
  if (g_get_monotonic_time () > deadline)
    {
      g_autofree char *message = g_strdup_printf ("timed out after %d ms waiting for: %s", WAIT_TIMEOUT_MS, what);

      g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, message);
      return FALSE;
    }

  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_usleep (1000);
  return TRUE;
}

#define WAIT_UNTIL(cond) \
  G_STMT_START { \
    gint64 wu_deadline = g_get_monotonic_time () + (gint64) WAIT_TIMEOUT_MS * 1000; \
    while (!(cond)) \
      if (!iterate_or_fail (wu_deadline, #cond, __FILE__, __LINE__)) \
        break; \
  } G_STMT_END

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* ------------------------------------------------------------------ widgets */

static GtkWidget *
page_widget (Fixture    *fx,
             const char *format,
             ...) G_GNUC_PRINTF (2, 3);

static GtkWidget *
page_widget (Fixture    *fx,
             const char *format,
             ...)
{
  va_list args;
  g_autofree char *name = NULL;
  GtkWidget *widget;

  va_start (args, format);
  name = g_strdup_vprintf (format, args);
  va_end (args);

  widget = steve_gui_find_named (GTK_WIDGET (fx->page), name);
  if (widget == NULL)
    g_error ("no widget named %s on the page", name);
  return widget;
}

static GtkSpinButton *
slot_spin (Fixture    *fx,
           guint       index,
           SteveField  field)
{
  return GTK_SPIN_BUTTON (page_widget (fx, "slot-%u-%s", index, steve_field_info (field)->key_firmware));
}

static const char *
compare_text (Fixture    *fx,
              const char *column,
              SteveField  field)
{
  return gtk_label_get_text (GTK_LABEL (page_widget (fx, "compare-%s-%s", column, steve_field_info (field)->key_firmware)));
}

static gboolean
compare_highlighted (Fixture    *fx,
                     const char *column,
                     SteveField  field)
{
  return gtk_widget_has_css_class (page_widget (fx, "compare-%s-%s", column, steve_field_info (field)->key_firmware), "accent");
}

static const char *
visible_page (GtkWidget *page)
{
  GtkWidget *stack = gtk_widget_get_first_child (page);

  g_assert_true (GTK_IS_STACK (stack));
  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

/* The open confirmation, if any. */
static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* Waits for the confirmation, answers it as a click would, returns its body. */
static char *
answer_dialog (const char *response)
{
  AdwMessageDialog *dialog = NULL;
  char *body;

  WAIT_UNTIL ((dialog = find_dialog ()) != NULL);
  g_assert_nonnull (dialog);
  body = g_strdup_printf ("%s\n%s", adw_message_dialog_get_heading (dialog), adw_message_dialog_get_body (dialog));
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  steve_test_sleep_ms (50);
  return body;
}

/* ------------------------------------------------------------------ device */

static guint
count_preset_posts (SteveSim *sim)
{
  g_autoptr(GPtrArray) log = steve_sim_dup_request_log (sim);
  guint n = 0;

  for (guint i = 0; i < log->len; i++)
    {
      SteveSimRequestRecord *r = g_ptr_array_index (log, i);

      if (g_str_equal (r->method, "POST") && g_str_equal (r->path, "/api/v1/presets"))
        n++;
    }
  return n;
}

static gboolean
same_value (SteveField field,
            double     a,
            double     b)
{
  return steve_field_round (field, a) == steve_field_round (field, b);
}

static const SteveField preset_fields[] = {
  STEVE_FIELD_VISCOUS, STEVE_FIELD_COULOMB, STEVE_FIELD_WALL_STIFFNESS, STEVE_FIELD_WALL_DAMPING,
  STEVE_FIELD_SMOOTHING, STEVE_FIELD_TORQUE_LIMIT, STEVE_FIELD_TRAVEL,
};

static void
assert_same_preset (const StevePreset *a,
                    const StevePreset *b)
{
  g_assert_cmpuint (a->index, ==, b->index);
  g_assert_cmpstr (a->name, ==, b->name);
  for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
    {
      SteveField field = preset_fields[f];

      if (!same_value (field, steve_config_get (&a->config, field), steve_config_get (&b->config, field)))
        g_error ("slot %u, %s: %g != %g", a->index, steve_field_info (field)->key_firmware,
                 steve_config_get (&a->config, field), steve_config_get (&b->config, field));
    }
}

static gboolean
sim_preset_name_is (SteveSim   *sim,
                    guint       index,
                    const char *name)
{
  g_autoptr(StevePreset) preset = steve_sim_dup_preset (sim, index);

  return g_strcmp0 (preset->name, name) == 0;
}

static const StevePreset *
page_preset (Fixture *fx,
             guint    index)
{
  GPtrArray *presets = steve_presets_page_get_presets (fx->page);

  return presets != NULL && index < presets->len ? g_ptr_array_index (presets, index) : NULL;
}

static gboolean
page_preset_name_is (Fixture    *fx,
                     guint       index,
                     const char *name)
{
  const StevePreset *preset = page_preset (fx, index);

  return preset != NULL && g_strcmp0 (preset->name, name) == 0;
}

/* ------------------------------------------------------------------ fixture */

static SteveClient *
connect_client (SteveSim *sim)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SteveClient *client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), NULL);

  steve_client_connect_async (client, NULL, result_cb, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_true (steve_client_connect_finish (client, result, &error));
  g_assert_no_error (error);
  return client;
}

static void
start_device (Fixture *fx)
{
  fx->sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_IDLE, fx->tmp->state_file);
  steve_sim_set_log_requests (fx->sim, TRUE);
  fx->client = connect_client (fx->sim);
  fx->tuner = steve_tuner_new (fx->client);
  WAIT_UNTIL (steve_tuner_has_device_value (fx->tuner, STEVE_FIELD_VISCOUS));
}

static void
stop_device (Fixture *fx)
{
  g_clear_object (&fx->tuner);
  if (fx->client)
    steve_client_disconnect (fx->client);
  g_clear_object (&fx->client);
  steve_test_sleep_ms (50);
  if (fx->sim)
    steve_sim_stop (fx->sim);
  g_clear_object (&fx->sim);
}

/* Every frame: is the slot list's stack fading while it has no height
 * (see show_slots_page() in the page)? */
static gboolean
slots_stack_tick (GtkWidget     *stack,
                  GdkFrameClock *clock,
                  gpointer       user_data)
{
  Fixture *fx = user_data;

  fx->frames++;
  if (gtk_stack_get_transition_running (GTK_STACK (stack)) &&
      (gtk_widget_get_width (stack) == 0 || gtk_widget_get_height (stack) == 0))
    fx->empty_fade_frames++;
  return G_SOURCE_CONTINUE;
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  GtkWidget *overlay;
  gboolean with_session = GPOINTER_TO_INT (data) == 0;

  fx->tmp = steve_test_tmp_new ();
  steve_gui_set_dark (FALSE);

  fx->window = adw_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fx->window), 1280, 800);
  overlay = adw_toast_overlay_new ();
  fx->page = STEVE_PRESETS_PAGE (steve_presets_page_new ());
  g_object_add_weak_pointer (G_OBJECT (fx->page), (gpointer *) &fx->page);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), GTK_WIDGET (fx->page));
  adw_window_set_content (ADW_WINDOW (fx->window), overlay);
  gtk_widget_add_tick_callback (page_widget (fx, "slots-stack"), slots_stack_tick, fx, NULL);
  gtk_window_present (GTK_WINDOW (fx->window));

  if (!with_session)
    return;

  start_device (fx);
  steve_presets_page_set_session (fx->page, fx->client, fx->tuner);
  WAIT_UNTIL (steve_presets_page_get_presets (fx->page) != NULL);
  g_assert_cmpstr (visible_page (GTK_WIDGET (fx->page)), ==, "content");
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_assert_null (find_dialog ());

  /* the slot list never faded while 0 pixels tall (a fade from a page that
   * was never laid out: see show_slots_page() in the page) */
  if (fx->client != NULL)
    g_assert_cmpuint (fx->frames, >, 0);
  g_assert_cmpuint (fx->empty_fade_frames, ==, 0);

  /* the page goes with its window, whatever it was doing */
  gtk_window_destroy (GTK_WINDOW (fx->window));
  WAIT_UNTIL (fx->page == NULL);
  g_assert_null (fx->page);

  stop_device (fx);
  g_clear_pointer (&fx->tmp, steve_test_tmp_free);
}

/* ------------------------------------------------------------------ tests */

static void
test_lists_presets (Fixture       *fx,
                    gconstpointer  data)
{
  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      g_autoptr(StevePreset) expected = steve_sim_dup_preset (fx->sim, i);
      const StevePreset *listed = page_preset (fx, i);
      GtkWidget *row = page_widget (fx, "slot-%u", i);

      assert_same_preset (listed, expected);

      /* what the user sees: the row's title and the editor */
      g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==, expected->name);
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (page_widget (fx, "slot-%u-name", i))), ==, expected->name);
      for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
        g_assert_true (same_value (preset_fields[f],
                                   gtk_spin_button_get_value (slot_spin (fx, i, preset_fields[f])),
                                   steve_config_get (&expected->config, preset_fields[f])));
    }

  /* the factory's heavy preset stores 360° of travel */
  g_assert_cmpfloat (steve_config_get (&page_preset (fx, 2)->config, STEVE_FIELD_TRAVEL), ==, 360.0);
  g_assert_nonnull (steve_gui_find_label (page_widget (fx, "slot-2"), "travel 360.0°"));
}

static gboolean
sim_config_matches (Fixture           *fx,
                    const StevePreset *preset)
{
  SteveConfig config;

  steve_sim_get_config (fx->sim, &config);
  for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
    if (preset_fields[f] != STEVE_FIELD_TRAVEL &&
        !same_value (preset_fields[f], config.values[preset_fields[f]], steve_config_get (&preset->config, preset_fields[f])))
      return FALSE;
  return config.values[STEVE_FIELD_CLOSED_POS] == 0.0 && config.values[STEVE_FIELD_OPEN_POS] == 90.0;
}

static void
test_apply (Fixture       *fx,
            gconstpointer  data)
{
  g_autoptr(StevePreset) heavy = steve_sim_dup_preset (fx->sim, 2);

  g_assert_cmpfloat (steve_config_get (&heavy->config, STEVE_FIELD_TRAVEL), ==, 360.0);
  g_assert_false (sim_config_matches (fx, heavy));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.apply", "u", 2));

  /* the device loads it with 90° of travel, whatever the slot stores */
  WAIT_UNTIL (sim_config_matches (fx, heavy));

  /* the tuner follows the device */
  WAIT_UNTIL (same_value (STEVE_FIELD_VISCOUS, steve_tuner_get_device_value (fx->tuner, STEVE_FIELD_VISCOUS),
                          steve_config_get (&heavy->config, STEVE_FIELD_VISCOUS)));
  for (guint f = 0; f < G_N_ELEMENTS (preset_fields); f++)
    if (preset_fields[f] != STEVE_FIELD_TRAVEL)
      {
        g_assert_true (same_value (preset_fields[f], steve_tuner_get_device_value (fx->tuner, preset_fields[f]),
                                   steve_config_get (&heavy->config, preset_fields[f])));
        g_assert_true (same_value (preset_fields[f], steve_tuner_get_value (fx->tuner, preset_fields[f]),
                                   steve_config_get (&heavy->config, preset_fields[f])));
      }
  g_assert_cmpfloat (steve_tuner_get_device_value (fx->tuner, STEVE_FIELD_OPEN_POS), ==, 90.0);
  g_assert_cmpfloat (steve_tuner_get_device_value (fx->tuner, STEVE_FIELD_CLOSED_POS), ==, 0.0);

  /* the user is told about the travel */
  WAIT_UNTIL (steve_gui_find_label (fx->window, "never uses the 360.0° stored in the slot") != NULL);

  /* and so does the comparison */
  g_assert_cmpstr (compare_text (fx, "device", STEVE_FIELD_VISCOUS), ==, "0.0800");
  g_assert_cmpstr (compare_text (fx, "device", STEVE_FIELD_TRAVEL), ==, "90.0");
  g_assert_false (compare_highlighted (fx, "edited", STEVE_FIELD_VISCOUS));

  /* with edits waiting in the tuner, a load asks first; declined, nothing happens */
  steve_tuner_set_mode (fx->tuner, STEVE_TUNER_MODE_APPLY);
  g_assert_true (steve_tuner_set_value (fx->tuner, STEVE_FIELD_COULOMB, 0.2, NULL));
  steve_sim_clear_request_log (fx->sim);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.apply", "u", 0));
  g_free (answer_dialog ("cancel"));
  steve_test_sleep_ms (200);
  g_assert_true (steve_tuner_get_dirty (fx->tuner));
  g_assert_true (sim_config_matches (fx, heavy));

  /* accepted, the light preset loads */
  {
    g_autoptr(StevePreset) light = steve_sim_dup_preset (fx->sim, 0);

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.apply", "u", 0));
    g_free (answer_dialog ("accept"));
    WAIT_UNTIL (sim_config_matches (fx, light));
    WAIT_UNTIL (!steve_tuner_get_dirty (fx->tuner));
  }
}

static void
test_save_edited (Fixture       *fx,
                  gconstpointer  data)
{
  GtkWidget *name_row = page_widget (fx, "slot-1-name-row");
  g_autoptr(StevePreset) before = steve_sim_dup_preset (fx->sim, 1);
  g_autoptr(StevePreset) stored = NULL;
  g_autofree char *question = NULL;
  g_autofree char *declined = NULL;

  gtk_editable_set_text (GTK_EDITABLE (page_widget (fx, "slot-1-name")), "MyValve");
  gtk_spin_button_set_value (slot_spin (fx, 1, STEVE_FIELD_VISCOUS), 0.05);
  gtk_spin_button_set_value (slot_spin (fx, 1, STEVE_FIELD_COULOMB), 0.15);
  gtk_spin_button_set_value (slot_spin (fx, 1, STEVE_FIELD_TRAVEL), 180.0);
  gtk_spin_button_set_value (slot_spin (fx, 1, STEVE_FIELD_TORQUE_LIMIT), 7.5);

  /* the page shows how the device will store the name before saving */
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (name_row)), "“myvalve”"));

  /* declining the confirmation sends nothing */
  steve_sim_clear_request_log (fx->sim);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.save", "u", 1));
  declined = answer_dialog ("cancel");
  steve_test_sleep_ms (200);
  g_assert_cmpuint (count_preset_posts (fx->sim), ==, 0);
  assert_same_preset (stored = steve_sim_dup_preset (fx->sim, 1), before);
  g_clear_pointer (&stored, steve_preset_free);

  /* the values are kept in the editor: save again and agree */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.save", "u", 1));
  question = answer_dialog ("accept");
  g_assert_nonnull (strstr (question, "Medium"));
  g_assert_nonnull (strstr (question, "myvalve"));
  g_assert_nonnull (strstr (question, "0.0400 → 0.0500"));

  WAIT_UNTIL (sim_preset_name_is (fx->sim, 1, "myvalve"));
  stored = steve_sim_dup_preset (fx->sim, 1);
  g_assert_cmpstr (stored->name, ==, "myvalve");
  g_assert_cmpfloat (steve_config_get (&stored->config, STEVE_FIELD_VISCOUS), ==, 0.05);
  g_assert_cmpfloat (steve_config_get (&stored->config, STEVE_FIELD_COULOMB), ==, 0.15);
  g_assert_cmpfloat (steve_config_get (&stored->config, STEVE_FIELD_TRAVEL), ==, 180.0);
  g_assert_cmpfloat (steve_config_get (&stored->config, STEVE_FIELD_TORQUE_LIMIT), ==, 7.5);
  g_assert_cmpfloat (steve_config_get (&stored->config, STEVE_FIELD_WALL_STIFFNESS), ==,
                     steve_config_get (&before->config, STEVE_FIELD_WALL_STIFFNESS));
  g_assert_cmpuint (count_preset_posts (fx->sim), ==, 1);

  /* the list is read again and shows what the device stored */
  WAIT_UNTIL (page_preset_name_is (fx, 1, "myvalve"));
  assert_same_preset (page_preset (fx, 1), stored);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (page_widget (fx, "slot-1-name"))), ==, "myvalve");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (page_widget (fx, "slot-1"))), ==, "myvalve");
}

static gboolean
sim_preset_value_is (SteveSim   *sim,
                     guint       index,
                     SteveField  field,
                     double      value)
{
  g_autoptr(StevePreset) preset = steve_sim_dup_preset (sim, index);

  return same_value (field, steve_config_get (&preset->config, field), value);
}

static void
test_save_current (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(StevePreset) before = steve_sim_dup_preset (fx->sim, 3);
  g_autoptr(StevePreset) stored = NULL;
  g_autofree char *question = NULL;
  SteveConfig config;

  /* the device runs something no slot holds */
  g_assert_true (steve_tuner_set_value (fx->tuner, STEVE_FIELD_VISCOUS, 0.09, &error));
  g_assert_true (steve_tuner_set_value (fx->tuner, STEVE_FIELD_OPEN_POS, 120.0, &error));
  g_assert_no_error (error);
  steve_sim_get_config (fx->sim, &config);
  WAIT_UNTIL ((steve_sim_get_config (fx->sim, &config), config.values[STEVE_FIELD_OPEN_POS] == 120.0 &&
               config.values[STEVE_FIELD_VISCOUS] == 0.09));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.save-current", "u", 3));
  question = answer_dialog ("accept");
  g_assert_nonnull (strstr (question, "Industrial"));

  WAIT_UNTIL (sim_preset_value_is (fx->sim, 3, STEVE_FIELD_VISCOUS, 0.09));
  stored = steve_sim_dup_preset (fx->sim, 3);
  g_assert_cmpstr (stored->name, ==, before->name);   /* the device keeps the name */
  g_assert_cmpfloat (steve_config_get (&stored->config, STEVE_FIELD_TRAVEL), ==, 120.0);
  g_assert_cmpfloat (steve_config_get (&stored->config, STEVE_FIELD_COULOMB), ==, config.values[STEVE_FIELD_COULOMB]);

  WAIT_UNTIL (page_preset (fx, 3) != NULL &&
              same_value (STEVE_FIELD_VISCOUS, steve_config_get (&page_preset (fx, 3)->config, STEVE_FIELD_VISCOUS), 0.09));
  assert_same_preset (page_preset (fx, 3), stored);
  g_assert_true (same_value (STEVE_FIELD_TRAVEL, gtk_spin_button_get_value (slot_spin (fx, 3, STEVE_FIELD_TRAVEL)), 120.0));
}

static void
assert_save_refused (Fixture    *fx,
                     guint       index,
                     const char *expected_message)
{
  g_autoptr(StevePreset) before = steve_sim_dup_preset (fx->sim, index);
  g_autoptr(StevePreset) after = NULL;

  steve_sim_clear_request_log (fx->sim);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.save", "u", index));
  steve_test_sleep_ms (300);

  /* refused before any question or request */
  g_assert_null (find_dialog ());
  g_assert_cmpuint (count_preset_posts (fx->sim), ==, 0);
  after = steve_sim_dup_preset (fx->sim, index);
  assert_same_preset (after, before);

  /* the message is on the page, at the field */
  g_assert_nonnull (steve_gui_find_label (page_widget (fx, "slot-%u", index), expected_message));
}

static void
test_refuse_invalid (Fixture       *fx,
                     gconstpointer  data)
{
  GtkEditable *name = GTK_EDITABLE (page_widget (fx, "slot-0-name"));
  GtkSpinButton *torque = slot_spin (fx, 0, STEVE_FIELD_TORQUE_LIMIT);
  GtkSpinButton *smoothing = slot_spin (fx, 0, STEVE_FIELD_SMOOTHING);
  GtkSpinButton *viscous = slot_spin (fx, 0, STEVE_FIELD_VISCOUS);

  gtk_editable_set_text (name, "bad\"name");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (name), "error"));
  assert_save_refused (fx, 0, "cannot contain quotes");

  gtk_editable_set_text (name, "back\\slash");
  assert_save_refused (fx, 0, "cannot contain quotes");

  /* 8 characters, 16 bytes */
  gtk_editable_set_text (name, "ääääääää");
  assert_save_refused (fx, 0, "16 bytes long");

  gtk_editable_set_text (name, "");
  assert_save_refused (fx, 0, "cannot be empty");

  /* a good name, but a torque limit of 0 (the device would not check it) */
  gtk_editable_set_text (name, "fine");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (name), "error"));
  gtk_spin_button_set_value (torque, 0.0);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (torque), "error"));
  assert_save_refused (fx, 0, "Torque limit = 0: must be above");

  gtk_spin_button_set_value (torque, 5.0);
  gtk_spin_button_set_value (smoothing, 0.0);
  assert_save_refused (fx, 0, "Smoothing = 0: must be above");

  /* past the hard limits cannot even be entered */
  gtk_spin_button_set_value (smoothing, 0.001);
  gtk_spin_button_set_value (torque, 31.0);
  g_assert_cmpfloat (gtk_spin_button_get_value (torque), ==, 30.0);
  gtk_spin_button_set_value (viscous, -1.0);
  g_assert_cmpfloat (gtk_spin_button_get_value (viscous), ==, 0.0);

  /* past the recommended range: a warning, not a refusal */
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (torque), "warning"));
  g_assert_nonnull (steve_gui_find_label (page_widget (fx, "slot-0-torque_limit-row"), "Outside the recommended range"));

  /* reverting the editor brings the device's slot back */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.reset-editor", "u", 0));
  g_assert_cmpstr (gtk_editable_get_text (name), ==, page_preset (fx, 0)->name);
  g_assert_cmpfloat (gtk_spin_button_get_value (torque), ==, steve_config_get (&page_preset (fx, 0)->config, STEVE_FIELD_TORQUE_LIMIT));
}

static GPtrArray *
dup_sim_presets (SteveSim *sim)
{
  GPtrArray *presets = g_ptr_array_new_with_free_func ((GDestroyNotify) steve_preset_free);

  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    g_ptr_array_add (presets, steve_sim_dup_preset (sim, i));
  return presets;
}

static gboolean
import_file (Fixture     *fx,
             GFile       *file,
             const char  *response,
             char       **question,
             GError     **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  steve_presets_page_import_from_file_async (fx->page, file, NULL, result_cb, &result);
  if (response != NULL)
    {
      char *body = answer_dialog (response);

      if (question)
        *question = body;
      else
        g_free (body);
    }
  WAIT_UNTIL (result != NULL);
  return steve_presets_page_import_from_file_finish (fx->page, result, error);
}

static void
save_directly (Fixture    *fx,
               guint       index,
               const char *name,
               double      viscous)
{
  g_autoptr(StevePreset) preset = steve_sim_dup_preset (fx->sim, index);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_free (preset->name);
  preset->name = g_strdup (name);
  steve_config_set (&preset->config, STEVE_FIELD_VISCOUS, viscous);
  steve_client_save_preset_async (fx->client, preset, NULL, result_cb, &result);
  WAIT_UNTIL (result != NULL);
  g_assert_true (steve_client_save_preset_finish (fx->client, result, &error));
  g_assert_no_error (error);
}

static void
test_export_import (Fixture       *fx,
                    gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fx->tmp->dir, "presets.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) original = dup_sim_presets (fx->sim);
  g_autoptr(GPtrArray) from_file = NULL;
  g_autoptr(GPtrArray) now = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *question = NULL;
  gsize length;

  g_assert_true (steve_presets_page_export_to_file (fx->page, file, &error));
  g_assert_no_error (error);

  /* the file holds the device's four presets */
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  from_file = steve_presets_from_json (contents, (gssize) length, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (from_file->len, ==, STEVE_N_PRESETS);
  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    assert_same_preset (g_ptr_array_index (from_file, i), g_ptr_array_index (original, i));

  /* the device changes... */
  save_directly (fx, 0, "changed", 0.3);
  save_directly (fx, 2, "other", 0.01);
  g_assert_true (sim_preset_name_is (fx->sim, 0, "changed"));
  steve_presets_page_refresh (fx->page);
  WAIT_UNTIL (page_preset_name_is (fx, 0, "changed") && page_preset_name_is (fx, 2, "other"));

  /* ...declining the import changes nothing */
  steve_sim_clear_request_log (fx->sim);
  g_assert_false (import_file (fx, file, "cancel", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  steve_test_sleep_ms (200);
  g_assert_cmpuint (count_preset_posts (fx->sim), ==, 0);
  g_assert_true (sim_preset_name_is (fx->sim, 0, "changed"));

  /* ...and the import brings every slot back */
  g_assert_true (import_file (fx, file, "accept", &question, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (question, "Slot 0: changed → light"));
  g_assert_cmpuint (count_preset_posts (fx->sim), ==, STEVE_N_PRESETS);

  now = dup_sim_presets (fx->sim);
  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    {
      StevePreset *expected = steve_preset_copy (g_ptr_array_index (original, i));
      g_autoptr(StevePreset) lowered = expected;

      /* the device stores names in lower case */
      g_free (expected->name);
      expected->name = steve_preset_name_normalize (((StevePreset *) g_ptr_array_index (original, i))->name);
      assert_same_preset (g_ptr_array_index (now, i), lowered);
    }

  /* the page reads them back */
  WAIT_UNTIL (page_preset_name_is (fx, 0, "light") && page_preset_name_is (fx, 2, "heavy"));
  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    assert_same_preset (page_preset (fx, i), g_ptr_array_index (now, i));
}

static void
assert_import_refused (Fixture    *fx,
                       const char *contents,
                       const char *expected_message)
{
  g_autofree char *path = g_build_filename (fx->tmp->dir, "bad.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) before = dup_sim_presets (fx->sim);
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  steve_sim_clear_request_log (fx->sim);

  g_assert_false (import_file (fx, file, NULL, NULL, &error));
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "bad.json"));
  g_assert_nonnull (strstr (error->message, expected_message));

  /* no question, no request, no change */
  steve_test_sleep_ms (100);
  g_assert_null (find_dialog ());
  g_assert_cmpuint (count_preset_posts (fx->sim), ==, 0);
  after = dup_sim_presets (fx->sim);
  for (guint i = 0; i < STEVE_N_PRESETS; i++)
    assert_same_preset (g_ptr_array_index (after, i), g_ptr_array_index (before, i));
}

#define GOOD_PRESET(i, name) \
  "{\"index\":" #i ",\"name\":\"" name "\",\"viscous\":0.05,\"coulomb\":0.1,\"wall_stiffness\":10," \
  "\"wall_damping\":0.1,\"travel\":90,\"torque_limit\":5,\"smoothing\":0.001}"

static void
test_import_malformed (Fixture       *fx,
                       gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fx->tmp->dir, "missing.json", NULL);
  g_autoptr(GFile) missing_file = g_file_new_for_path (missing);
  g_autoptr(GError) error = NULL;

  assert_import_refused (fx, "{ this is not json", "not valid JSON");
  assert_import_refused (fx, "{\"presets\":[]}", "not a Steve Tuner preset file");
  assert_import_refused (fx, "{\"format\":\"steve-tuner-presets\",\"version\":1,\"presets\":["
                         GOOD_PRESET (0, "fine") ","
                         "{\"index\":1,\"name\":\"neg\",\"viscous\":-1,\"coulomb\":0.1,\"wall_stiffness\":10,"
                         "\"wall_damping\":0.1,\"travel\":90,\"torque_limit\":5,\"smoothing\":0.001}]}",
                         "Viscous damping = -1");
  assert_import_refused (fx, "{\"format\":\"steve-tuner-presets\",\"version\":1,\"presets\":["
                         GOOD_PRESET (0, "fine") "," GOOD_PRESET (0, "twice") "]}",
                         "own slot");
  assert_import_refused (fx, "{\"format\":\"steve-tuner-presets\",\"version\":1,\"presets\":["
                         GOOD_PRESET (1, "a name far too long") "]}",
                         "at most 15");
  assert_import_refused (fx, "{\"format\":\"steve-tuner-presets\",\"version\":1,\"presets\":["
                         "{\"index\":3,\"name\":\"x\",\"viscous\":0.05,\"coulomb\":0.1,\"wall_stiffness\":10,"
                         "\"wall_damping\":0.1,\"travel\":90,\"torque_limit\":31,\"smoothing\":0.001}]}",
                         "Torque limit = 31");

  /* a file that cannot be read */
  g_assert_false (import_file (fx, missing_file, NULL, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "missing.json"));
}

static void
test_persistence (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree char *question = NULL;

  gtk_editable_set_text (GTK_EDITABLE (page_widget (fx, "slot-2-name")), "Persist");
  gtk_spin_button_set_value (slot_spin (fx, 2, STEVE_FIELD_WALL_STIFFNESS), 42.0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.save", "u", 2));
  question = answer_dialog ("accept");
  WAIT_UNTIL (sim_preset_name_is (fx->sim, 2, "persist"));
  WAIT_UNTIL (page_preset_name_is (fx, 2, "persist"));

  /* the session ends: the page shows the disconnected state */
  steve_presets_page_set_session (fx->page, NULL, NULL);
  g_assert_cmpstr (visible_page (GTK_WIDGET (fx->page)), ==, "empty");
  g_assert_null (steve_presets_page_get_presets (fx->page));

  /* the device powers off and on again, on the same flash */
  stop_device (fx);
  start_device (fx);
  g_assert_true (sim_preset_name_is (fx->sim, 2, "persist"));

  steve_presets_page_set_session (fx->page, fx->client, fx->tuner);
  g_assert_cmpstr (visible_page (GTK_WIDGET (fx->page)), ==, "content");
  WAIT_UNTIL (page_preset_name_is (fx, 2, "persist"));
  g_assert_cmpfloat (steve_config_get (&page_preset (fx, 2)->config, STEVE_FIELD_WALL_STIFFNESS), ==, 42.0);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (page_widget (fx, "slot-2"))), ==, "persist");
  g_assert_cmpfloat (gtk_spin_button_get_value (slot_spin (fx, 2, STEVE_FIELD_WALL_STIFFNESS)), ==, 42.0);
}

static void
test_compare (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkDropDown *dropdown = GTK_DROP_DOWN (page_widget (fx, "compare-preset-dropdown"));
  SteveConfig config;

  steve_tuner_set_mode (fx->tuner, STEVE_TUNER_MODE_APPLY);

  /* nothing edited: the tuner's column equals the device's */
  g_assert_cmpstr (compare_text (fx, "device", STEVE_FIELD_VISCOUS), ==, "0.0200");
  g_assert_cmpstr (compare_text (fx, "edited", STEVE_FIELD_VISCOUS), ==, "0.0200");
  g_assert_false (compare_highlighted (fx, "edited", STEVE_FIELD_VISCOUS));
  g_assert_false (gtk_widget_is_sensitive (page_widget (fx, "compare-use-device")));

  /* an edit in the tuner shows as a difference */
  g_assert_true (steve_tuner_set_value (fx->tuner, STEVE_FIELD_VISCOUS, 0.07, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (compare_text (fx, "edited", STEVE_FIELD_VISCOUS), ==, "0.0700");
  g_assert_true (compare_highlighted (fx, "edited", STEVE_FIELD_VISCOUS));
  g_assert_false (compare_highlighted (fx, "device", STEVE_FIELD_VISCOUS));
  g_assert_false (compare_highlighted (fx, "edited", STEVE_FIELD_COULOMB));
  g_assert_true (gtk_widget_is_sensitive (page_widget (fx, "compare-use-device")));

  /* "use device values" reverts it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.use-device", NULL));
  g_assert_false (steve_tuner_get_dirty (fx->tuner));
  g_assert_cmpfloat (steve_tuner_get_value (fx->tuner, STEVE_FIELD_VISCOUS), ==, 0.02);
  g_assert_cmpstr (compare_text (fx, "edited", STEVE_FIELD_VISCOUS), ==, "0.0200");
  g_assert_false (compare_highlighted (fx, "edited", STEVE_FIELD_VISCOUS));

  /* a preset's column: industrial differs from the device's light feel */
  gtk_drop_down_set_selected (dropdown, 3);
  g_assert_cmpstr (compare_text (fx, "preset", STEVE_FIELD_VISCOUS), ==, "0.1200");
  g_assert_true (compare_highlighted (fx, "preset", STEVE_FIELD_VISCOUS));
  g_assert_cmpstr (compare_text (fx, "preset", STEVE_FIELD_TRAVEL), ==, "360.0");
  g_assert_true (compare_highlighted (fx, "preset", STEVE_FIELD_TRAVEL));
  g_assert_false (compare_highlighted (fx, "preset", STEVE_FIELD_SMOOTHING));

  /* "use preset values": the tuner holds them, waiting for Apply */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx->page), "presets.use-preset", NULL));
  g_assert_cmpfloat (steve_tuner_get_value (fx->tuner, STEVE_FIELD_VISCOUS), ==, 0.12);
  g_assert_cmpfloat (steve_tuner_get_value (fx->tuner, STEVE_FIELD_COULOMB), ==, 0.40);
  g_assert_cmpfloat (steve_tuner_get_value (fx->tuner, STEVE_FIELD_OPEN_POS), ==, 360.0);
  g_assert_cmpstr (compare_text (fx, "edited", STEVE_FIELD_TRAVEL), ==, "360.0");
  g_assert_true (compare_highlighted (fx, "edited", STEVE_FIELD_COULOMB));
  steve_test_sleep_ms (200);
  steve_sim_get_config (fx->sim, &config);
  g_assert_cmpfloat (config.values[STEVE_FIELD_VISCOUS], ==, 0.02);

  /* applied, the device follows and the differences go */
  steve_tuner_apply (fx->tuner);
  WAIT_UNTIL ((steve_sim_get_config (fx->sim, &config), config.values[STEVE_FIELD_VISCOUS] == 0.12));
  WAIT_UNTIL (!steve_tuner_get_dirty (fx->tuner));
  g_assert_cmpstr (compare_text (fx, "device", STEVE_FIELD_VISCOUS), ==, "0.1200");
  g_assert_false (compare_highlighted (fx, "edited", STEVE_FIELD_VISCOUS));
  g_assert_false (compare_highlighted (fx, "preset", STEVE_FIELD_VISCOUS));
  g_assert_false (compare_highlighted (fx, "preset", STEVE_FIELD_TRAVEL));
}

static void
render (Fixture    *fx,
        const char *name)
{
  g_autoptr(GdkTexture) texture = NULL;

  steve_test_sleep_ms (200);
  texture = steve_gui_render (fx->window);
  /* 1280×800 less the window's frame */
  g_assert_cmpint (gdk_texture_get_width (texture), >, 1200);
  g_assert_cmpint (gdk_texture_get_height (texture), >, 750);
  steve_gui_save_png (texture, name);
}

static void
test_render (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *scrolled = gtk_widget_get_ancestor (page_widget (fx, "slot-0"), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *vadj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

  /* something to see in the comparison */
  steve_tuner_set_mode (fx->tuner, STEVE_TUNER_MODE_APPLY);
  g_assert_true (steve_tuner_set_value (fx->tuner, STEVE_FIELD_COULOMB, 0.08, &error));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (page_widget (fx, "compare-preset-dropdown")), 2);

  WAIT_UNTIL (gtk_widget_get_width (GTK_WIDGET (fx->page)) > 1200);
  render (fx, "presets-light.png");
  steve_gui_set_dark (TRUE);
  render (fx, "presets-dark.png");

  /* an open editor with a warning and the compare below */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (page_widget (fx, "slot-1")), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (page_widget (fx, "slot-1-name")), "MyValve");
  render (fx, "presets-editor-dark.png");
  steve_gui_set_dark (FALSE);
  render (fx, "presets-editor-light.png");
  gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj));
  render (fx, "presets-compare-light.png");

  /* the read failed: the error and the way to retry */
  steve_sim_set_http_error_rate (fx->sim, 1.0);
  steve_presets_page_refresh (fx->page);
  WAIT_UNTIL (steve_presets_page_get_presets (fx->page) == NULL &&
              g_strcmp0 (gtk_stack_get_visible_child_name (GTK_STACK (page_widget (fx, "slots-stack"))), "error") == 0);
  gtk_adjustment_set_value (vadj, 0);
  render (fx, "presets-error-light.png");
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (fx->page), "The presets could not be read"));
  g_assert_true (gtk_widget_is_sensitive (page_widget (fx, "slots-retry")));
  g_assert_false (gtk_widget_is_sensitive (page_widget (fx, "compare-use-preset")));

  /* the device answers again: retry lists the slots */
  steve_sim_set_http_error_rate (fx->sim, 0.0);
  g_signal_emit_by_name (page_widget (fx, "slots-retry"), "clicked");
  WAIT_UNTIL (steve_presets_page_get_presets (fx->page) != NULL);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (page_widget (fx, "slots-stack"))), ==, "list");
}

static void
test_no_session (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (fx->tmp->dir, "out.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  g_assert_cmpstr (visible_page (GTK_WIDGET (fx->page)), ==, "empty");
  g_assert_nonnull (steve_gui_find_label (GTK_WIDGET (fx->page), "No Device Connected"));
  g_assert_false (gtk_widget_is_sensitive (page_widget (fx, "compare-use-preset")));

  /* nothing to export: a clear error and no file */
  g_assert_false (steve_presets_page_export_to_file (fx->page, file, &error));
  g_assert_nonnull (error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  render (fx, "presets-empty-light.png");
}

int
main (int   argc,
      char *argv[])
{
  steve_gui_test_init (&argc, &argv);

#define ADD(path, func, session) \
  steve_test_add ("/presets-page/" path, Fixture, GINT_TO_POINTER (session), fixture_setup, func, fixture_teardown)

  ADD ("lists-presets", test_lists_presets, 0);
  ADD ("apply", test_apply, 0);
  ADD ("save-edited", test_save_edited, 0);
  ADD ("save-current", test_save_current, 0);
  ADD ("refuse-invalid", test_refuse_invalid, 0);
  ADD ("export-import", test_export_import, 0);
  ADD ("import-malformed", test_import_malformed, 0);
  ADD ("persistence", test_persistence, 0);
  ADD ("compare", test_compare, 0);
  ADD ("render", test_render, 0);
  ADD ("no-session", test_no_session, 1);

#undef ADD

  return g_test_run ();
}
