/* steve-gui-test-utils.c — helpers shared by the headless GUI tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gtk/gtk.h>
#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#include "steve-gui-test-utils.h"

/* steve_test_init() (isolated dirs), then GTK and libadwaita. The isolated
 * dirs hide the system's icon themes and MIME database (needed to load SVG
 * icons from resources), so those are kept while the user's own dirs stay
 * isolated. */
void
steve_gui_test_init (int    *argc,
                     char ***argv)
{
  g_auto(GStrv) system_data_dirs = g_strdupv ((char **) g_get_system_data_dirs ());
  g_autofree char *joined = g_strjoinv (":", system_data_dirs);

  steve_test_init (argc, argv);
  g_setenv ("XDG_DATA_DIRS", joined, TRUE);
  gtk_init ();
  adw_init ();

  for (guint i = 0; system_data_dirs[i]; i++)
    {
      g_autofree char *icons = g_build_filename (system_data_dirs[i], "icons", NULL);
      gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()), icons);
    }
}

/* The main window at 1280×800, shown, connecting to the in-process
 * simulator ("Try the Simulated Device"). */
SteveWindow *
steve_gui_simulated_window_new (void)
{
  SteveWindow *window = steve_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  steve_window_connect_simulated (window);
  return window;
}

/* Closes @window and asserts that nothing keeps it alive. */
void
steve_gui_close_window (SteveWindow *window)
{
  g_object_ref (window);
  gtk_window_destroy (GTK_WINDOW (window));
  steve_test_sleep_ms (300);
  g_assert_finalize_object (window);
}

void
steve_gui_set_dark (gboolean dark)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK : ADW_COLOR_SCHEME_FORCE_LIGHT);
  /* let the style change reach every widget before anyone snapshots */
  steve_test_sleep_ms (300);
}

/* What @widget shows now, rendered by its window's renderer. */
GdkTexture *
steve_gui_render (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));

  g_assert_cmpint (width, >, 0);
  /* while a layout is pending the paintable can come back empty: the
   * frame clock does not tick under Xvfb, so ask again after a moment */
  for (guint i = 0; i < 100 && node == NULL; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node == NULL)
        steve_test_sleep_ms (20);
    }
  g_assert_nonnull (node);
  return gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
}

/* Saves into G_TEST_BUILDDIR, where the test artifacts are kept. */
void
steve_gui_save_png (GdkTexture *texture,
                    const char *name)
{
  const char *dir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *path = g_build_filename (dir ? dir : ".", name, NULL);

  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
}

/* Pixels within a small distance of @color. */
guint
steve_gui_count_color (GdkTexture    *texture,
                       const GdkRGBA *color)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guchar *data = g_malloc ((gsize) width * height * 4);
  int r = (int) (color->red * 255), g = (int) (color->green * 255), b = (int) (color->blue * 255);
  guint n = 0;

  gdk_texture_download (texture, data, (gsize) width * 4);
  for (int i = 0; i < width * height; i++)
    {
      /* cairo ARGB32 in memory: B G R A */
      int pb = data[i * 4], pg = data[i * 4 + 1], pr = data[i * 4 + 2];

      if (ABS (pr - r) <= 30 && ABS (pg - g) <= 30 && ABS (pb - b) <= 30)
        n++;
    }
  return n;
}

/* The first widget under @root (depth first, @root included) that @match
 * accepts. */
GtkWidget *
steve_gui_find_widget (GtkWidget           *root,
                       SteveGuiWidgetMatch  match,
                       gconstpointer        data)
{
  if (match (root, data))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = steve_gui_find_widget (child, match, data);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
label_contains (GtkWidget     *widget,
                gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

/* The first GtkLabel under @root (depth first) whose text contains @text. */
GtkWidget *
steve_gui_find_label (GtkWidget  *root,
                      const char *text)
{
  return steve_gui_find_widget (root, label_contains, text);
}

static gboolean
is_named (GtkWidget     *widget,
          gconstpointer  name)
{
  return g_strcmp0 (gtk_widget_get_name (widget), name) == 0;
}

/* The first widget under @root (depth first, @root included) whose
 * widget name is @name. */
GtkWidget *
steve_gui_find_named (GtkWidget  *root,
                      const char *name)
{
  return steve_gui_find_widget (root, is_named, name);
}

#ifdef GDK_WINDOWING_X11
static gboolean
window_is_active (gpointer window)
{
  return gtk_window_is_active (GTK_WINDOW (window));
}

typedef struct
{
  guint           keyval;
  GdkModifierType state;    /* the last press's modifiers */
  gint64          first_us; /* when the first press arrived (monotonic); 0: none yet */
} KeyWatch;

static gboolean
key_seen (GtkEventControllerKey *controller,
          guint                  keyval,
          guint                  keycode,
          GdkModifierType        state,
          KeyWatch              *seen)
{
  if (keyval == seen->keyval)
    {
      if (seen->first_us == 0)
        seen->first_us = g_get_monotonic_time ();
      seen->state = state;
    }
  return GDK_EVENT_PROPAGATE;
}

static gboolean
key_arrived (gpointer data)
{
  return ((KeyWatch *) data)->first_us != 0;
}

/* Runs @command, its output to @out if not %NULL; FALSE, with a test
 * message, when it could not or failed. */
static gboolean
run_key_command (const char  *command,
                 char       **out)
{
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (g_spawn_command_line_sync (command, out, NULL, &status, &error) &&
      g_spawn_check_wait_status (status, &error))
    return TRUE;

  g_test_message ("no key press: %s", error->message);
  return FALSE;
}
#endif

/**
 * steve_gui_press_key:
 * @window: a mapped window of this process
 * @key: an X keysym name ("Escape")
 * @arrived_us: (out) (optional): when the press reached @window
 *   (g_get_monotonic_time()), before any of its own handlers ran
 *
 * Presses @key as a user does, through the X server: gives @window the
 * keyboard focus (by its own X window, so no other window that shares its
 * title can take the key), waits until GTK and the X server both see it
 * focused, sends the key with xdotool, and waits until the press reaches
 * @window. A window another test shows on the same display can take the
 * focus or the key in between: then it tries again (3 attempts). Returns
 * %FALSE, with a test message saying why, when that cannot be done here
 * (no xdotool, not X11) or no press arrived.
 */
gboolean
steve_gui_press_key (GtkWindow  *window,
                     const char *key,
                     gint64     *arrived_us)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *xdotool = g_find_program_in_path ("xdotool");
  g_autofree char *focus = NULL;
  g_autofree char *ask = NULL;
  g_autofree char *press = NULL;
  GtkEventController *watch;
  KeyWatch seen = { gdk_keyval_from_name (key), 0, 0 };
  gboolean arrived = FALSE;
  Window xid;

  if (xdotool == NULL || surface == NULL || !GDK_IS_X11_SURFACE (surface))
    {
      g_test_message ("no key press: %s", xdotool == NULL ? "xdotool is not installed" : "not an X11 window");
      return FALSE;
    }

  /* Always focus, and check the X server's focus as well as GTK's view:
   * GTK here may not yet have heard that another window took it. No
   * --sync, which waits inside xdotool with no bound of ours: the waits
   * are here, bounded. */
  xid = gdk_x11_surface_get_xid (surface);
  focus = g_strdup_printf ("%s windowfocus %lu", xdotool, (gulong) xid);
  ask = g_strdup_printf ("%s getwindowfocus", xdotool);
  press = g_strdup_printf ("%s key --clearmodifiers %s", xdotool, key);

  /* the presses that reach the window, before any of its own handlers */
  watch = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (watch, GTK_PHASE_CAPTURE);
  g_signal_connect (watch, "key-pressed", G_CALLBACK (key_seen), &seen);
  gtk_widget_add_controller (GTK_WIDGET (window), watch);

  for (guint attempt = 1; attempt <= 3 && !arrived; attempt++)
    {
      g_autofree char *focused = NULL;

      g_test_message ("focusing X window 0x%lx (attempt %u)", (gulong) xid, attempt);
      if (!run_key_command (focus, NULL))
        break;
      if (!steve_test_wait_for (window_is_active, window, 5000) ||
          !run_key_command (ask, &focused) ||
          g_ascii_strtoull (focused, NULL, 10) != (guint64) xid)
        continue;
      if (!run_key_command (press, NULL))
        break;
      arrived = steve_test_wait_for (key_arrived, &seen, 2000);
    }

  gtk_widget_remove_controller (GTK_WIDGET (window), watch);
  if (arrived && arrived_us != NULL)
    *arrived_us = seen.first_us;
  if (arrived)
    g_test_message ("%s reached the window, modifiers 0x%x", key, (guint) seen.state);
  else
    g_test_message ("no key press: %s never reached the window", key);
  return arrived;
#else
  g_test_message ("no key press: not built for X11");
  return FALSE;
#endif
}
