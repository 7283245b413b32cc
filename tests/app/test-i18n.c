/* test-i18n.c — the window in German
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs with LANGUAGE=de against the translations compiled in the build
 * tree (<build>/po): the start page and the window title must show the German strings
 * of po/de.po, not the English ones.
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>

#include "steve-window.h"

#include "steve-gui-test-utils.h"

static void
assert_german (GtkWidget  *root,
               const char *english)
{
  const char *german = g_dgettext (GETTEXT_PACKAGE, english);
  g_autofree char *plain = NULL;
  GString *s;

  /* the translation exists and differs */
  g_assert_cmpstr (german, !=, english);

  /* labels show mnemonics without the underscore */
  s = g_string_new (german);
  g_string_replace (s, "_", "", 0);
  plain = g_string_free (s, FALSE);
  if (steve_gui_find_label (root, plain) == NULL)
    g_error ("no label shows “%s” (for “%s”)", plain, english);
}

static void
test_start_page_in_german (void)
{
  SteveWindow *window = steve_window_new (NULL);
  g_autoptr(GdkTexture) texture = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  steve_test_sleep_ms (800);

  assert_german (GTK_WIDGET (window), "_Try the Simulated Device");
  assert_german (GTK_WIDGET (window), "Connect to a Device");
  assert_german (GTK_WIDGET (window), "Tune the feel of a STEVE haptic valve while your hand is on the shaft");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, g_dgettext (GETTEXT_PACKAGE, "Steve Tuner"));

  texture = steve_gui_render (GTK_WIDGET (window));
  steve_gui_save_png (texture, "start-de.png");

  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  steve_test_sleep_ms (200);
  g_assert_finalize_object (window);
}

static gboolean
is_shown_label (GtkWidget     *widget,
                gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
         g_str_equal (gtk_label_get_text (GTK_LABEL (widget)), text);
}

static void
test_device_page_in_german (void)
{
  SteveWindow *window = steve_window_new (NULL);
  g_autoptr(GdkTexture) texture = NULL;
  gint64 deadline;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  steve_window_connect_simulated (window);
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (!steve_window_is_connected (window) && g_get_monotonic_time () < deadline)
    steve_test_sleep_ms (50);
  g_assert_true (steve_window_is_connected (window));
  steve_test_sleep_ms (2000);

  assert_german (GTK_WIDGET (window), "_E-Stop");
  assert_german (GTK_WIDGET (window), "Viscous damping");
  assert_german (GTK_WIDGET (window), "_Presets");

  steve_window_dismiss_toasts (window);
  steve_test_sleep_ms (300);
  texture = steve_gui_render (GTK_WIDGET (window));
  steve_gui_save_png (texture, "main-de.png");

  /* the device's name, longer in German, is shown whole in the header */
  {
    GtkWidget *title = steve_gui_find_widget (GTK_WIDGET (window), is_shown_label, "Simuliertes Gerät");

    g_assert_nonnull (title);
    g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (title))));
  }

  steve_window_disconnect (window);
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  steve_test_sleep_ms (300);
  g_assert_finalize_object (window);
}

int
main (int   argc,
      char *argv[])
{
  /* the .mo files meson compiles into <build>/po/<lang>/LC_MESSAGES */
  const char *testdir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *localedir = g_build_filename (testdir ? testdir : ".", "..", "po", NULL);

  g_setenv ("LANGUAGE", "de", TRUE);
  steve_gui_test_init (&argc, &argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  steve_test_add_func ("/i18n/start-page", test_start_page_in_german);
  steve_test_add_func ("/i18n/device-page", test_device_page_in_german);

  return g_test_run ();
}
