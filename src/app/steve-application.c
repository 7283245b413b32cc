/* steve-application.c — the application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command line: `steve-tuner --simulate` starts on the simulated device,
 * `steve-tuner --host H [--port P]` connects to a device, plain
 * `steve-tuner` opens the start page. A second launch hands its options to
 * the running instance.
 */
#define G_LOG_DOMAIN "steve-application"

#include "config.h"

#include "steve-app-resources.h"

#include <glib/gi18n.h>

#include "steve-application.h"
#include "steve-preferences-window.h"
#include "steve-window.h"

struct _SteveApplication
{
  AdwApplication  parent_instance;
  GSettings      *settings;
  gboolean        recovery_offered;
};

G_DEFINE_FINAL_TYPE (SteveApplication, steve_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "simulate", 's', 0, G_OPTION_ARG_NONE, NULL, N_("Start on the simulated device"), NULL },
  { "host", 'H', 0, G_OPTION_ARG_STRING, NULL, N_("Connect to the device at HOST"), N_("HOST") },
  { "port", 'p', 0, G_OPTION_ARG_INT, NULL, N_("The device’s REST port (default 8080)"), N_("PORT") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

static SteveWindow *
get_window (SteveApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (STEVE_IS_WINDOW (window))
    return STEVE_WINDOW (window);

  /* the active one may be Preferences, About or a recording's review */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (STEVE_IS_WINDOW (l->data))
      return STEVE_WINDOW (l->data);

  return steve_window_new (GTK_APPLICATION (self));
}

/* Once per run, over the first window: a recording interrupted by a crash
 * is offered for saving. */
static void
present_window (SteveApplication *self,
                SteveWindow      *window)
{
  gtk_window_present (GTK_WINDOW (window));
  if (!self->recovery_offered)
    {
      self->recovery_offered = TRUE;
      steve_window_offer_recovery (window);
    }
}

static void
steve_application_activate (GApplication *app)
{
  present_window (STEVE_APPLICATION (app), get_window (STEVE_APPLICATION (app)));
}

static int
steve_application_handle_local_options (GApplication *app,
                                        GVariantDict *options)
{
  int port;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("steve-tuner %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "port", "i", &port) && (port < 1 || port > 65535))
    {
      g_printerr ("steve-tuner: %s\n", _("--port must be between 1 and 65535"));
      return 1;
    }

  if (g_variant_dict_contains (options, "simulate") && g_variant_dict_contains (options, "host"))
    {
      g_printerr ("steve-tuner: %s\n", _("use either --simulate or --host, not both"));
      return 1;
    }

  return -1;
}

static int
steve_application_command_line (GApplication            *app,
                                GApplicationCommandLine *command_line)
{
  SteveApplication *self = STEVE_APPLICATION (app);
  GVariantDict *options = g_application_command_line_get_options_dict (command_line);
  SteveWindow *window = get_window (self);
  const char *host = NULL;
  int port = STEVE_DEFAULT_HTTP_PORT;

  present_window (self, window);

  /* a second launch does not end a session under way (a valve may be
   * running): the user disconnects first */
  if ((g_variant_dict_contains (options, "simulate") || g_variant_dict_contains (options, "host")) &&
      steve_window_has_session (window))
    {
      steve_window_show_toast (window, _("Already connected to a device. Disconnect first to connect to another one."));
      return 0;
    }

  if (g_variant_dict_contains (options, "simulate"))
    steve_window_connect_simulated (window);
  else if (g_variant_dict_lookup (options, "host", "&s", &host))
    {
      g_variant_dict_lookup (options, "port", "i", &port);
      /* with the key the keyring holds for that device */
      steve_window_connect_stored (window, host, (guint) port);
    }

  return 0;
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  GtkApplication *app = user_data;

  /* closing asks first when a valve is running */
  for (GList *l = gtk_application_get_windows (app); l; l = l->next)
    if (STEVE_IS_WINDOW (l->data))
      {
        gtk_window_close (l->data);
        return;
      }
  g_application_quit (G_APPLICATION (app));
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { _("The Steve Tuner developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "application-name", _("Steve Tuner"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Steve Tuner developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Live tuning of STEVE haptic valve emulators: viscous drag, Coulomb friction and end-stop walls, with live plots, presets, recordings and parameter sweeps."),
                        "website", "https://github.com/stevetuner/SteveTuner",
                        "issue-url", "https://github.com/stevetuner/SteveTuner/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        "copyright", "© 2026 The Steve Tuner developers",
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  GtkApplication *app = user_data;
  GtkWidget *prefs = steve_preferences_window_new (gtk_application_get_active_window (app));

  gtk_window_present (GTK_WINDOW (prefs));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "preferences", preferences_action },
};

static void
apply_color_scheme (GSettings  *settings,
                    const char *key,
                    gpointer    user_data)
{
  g_autofree char *scheme = g_settings_get_string (settings, "color-scheme");
  AdwStyleManager *manager = adw_style_manager_get_default ();

  if (g_str_equal (scheme, "light"))
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_LIGHT);
  else if (g_str_equal (scheme, "dark"))
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_FORCE_DARK);
  else
    adw_style_manager_set_color_scheme (manager, ADW_COLOR_SCHEME_DEFAULT);
}

static void
steve_application_startup (GApplication *app)
{
  SteveApplication *self = STEVE_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *prefs_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (steve_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences", prefs_accels);

  self->settings = g_settings_new (APP_ID);
  g_signal_connect (self->settings, "changed::color-scheme", G_CALLBACK (apply_color_scheme), NULL);
  apply_color_scheme (self->settings, NULL, NULL);
}

static void
steve_application_dispose (GObject *object)
{
  SteveApplication *self = STEVE_APPLICATION (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (steve_application_parent_class)->dispose (object);
}

static void
steve_application_class_init (SteveApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = steve_application_dispose;
  app_class->activate = steve_application_activate;
  app_class->startup = steve_application_startup;
  app_class->command_line = steve_application_command_line;
  app_class->handle_local_options = steve_application_handle_local_options;
}

static void
steve_application_init (SteveApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Live tuning of STEVE haptic valve emulators."));
}

SteveApplication *
steve_application_new (void)
{
  steve_app_ensure_resources ();
  return g_object_new (STEVE_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_COMMAND_LINE,
                       "resource-base-path", "/io/github/stevetuner/SteveTuner",
                       NULL);
}
