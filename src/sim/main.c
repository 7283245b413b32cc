/* main.c — steve-sim, a simulated STEVE device on the network
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "steve-sim.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static gboolean
parse_rate (const char  *name,
            double       rate,
            GError     **error)
{
  if (rate < 0.0 || rate > 1.0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("%s must be between 0 and 1"), name);
      return FALSE;
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveSim) sim = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *api_key = NULL;
  g_autofree char *dialect = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *state_file = NULL;
  int http_port = STEVE_DEFAULT_HTTP_PORT;
  int stream_port = STEVE_DEFAULT_STREAM_PORT;
  int seed = 1;
  int latency = 0;
  double error_rate = 0;
  double odrive_flaky = 0;
  int stall_every = 0;
  int stall_ms = 500;
  int close_every = 0;
  int garbage_every = 0;
  int restart_every = 0;
  int restart_downtime = 1000;
  gboolean uncalibrated = FALSE;
  gboolean odrive_missing = FALSE;
  gboolean uninitialized = FALSE;
  gboolean version = FALSE;
  SteveSimProfile sim_profile = STEVE_SIM_PROFILE_SINE;
  SteveDialect sim_dialect = STEVE_DIALECT_FIRMWARE;
  SteveSimFaults faults = STEVE_SIM_FAULT_NONE;
  const GOptionEntry entries[] = {
    { "http-port", 0, 0, G_OPTION_ARG_INT, &http_port, N_("REST port (0 picks a free one; default 8080)"), N_("PORT") },
    { "stream-port", 0, 0, G_OPTION_ARG_INT, &stream_port, N_("Telemetry port (0 picks a free one; default 8888)"), N_("PORT") },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, N_("Address to listen on (default 127.0.0.1)"), N_("ADDR") },
    { "api-key", 0, 0, G_OPTION_ARG_STRING, &api_key, N_("API key the device accepts (default steve-valve-2025)"), N_("KEY") },
    { "dialect", 0, 0, G_OPTION_ARG_STRING, &dialect, N_("REST dialect: firmware (default) or documented"), N_("DIALECT") },
    { "profile", 0, 0, G_OPTION_ARG_STRING, &profile, N_("How the virtual hand turns the shaft: idle, sine (default), random or walls"), N_("PROFILE") },
    { "state-file", 0, 0, G_OPTION_ARG_FILENAME, &state_file, N_("Where saved presets persist (default in the user data directory)"), N_("FILE") },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, N_("Seed for the simulator’s randomness"), N_("N") },
    { "fault-latency", 0, 0, G_OPTION_ARG_INT, &latency, N_("Delay every HTTP answer"), N_("MS") },
    { "fault-5xx-rate", 0, 0, G_OPTION_ARG_DOUBLE, &error_rate, N_("Answer this fraction of HTTP requests with 500"), N_("RATE") },
    { "fault-odrive-flaky", 0, 0, G_OPTION_ARG_DOUBLE, &odrive_flaky, N_("Fail this fraction of ODrive reads with odrive_status_failed"), N_("RATE") },
    { "fault-stall-every", 0, 0, G_OPTION_ARG_INT, &stall_every, N_("Stall the telemetry stream every MS milliseconds"), N_("MS") },
    { "fault-stall-ms", 0, 0, G_OPTION_ARG_INT, &stall_ms, N_("Length of each stream stall (default 500)"), N_("MS") },
    { "fault-close-every", 0, 0, G_OPTION_ARG_INT, &close_every, N_("Cut every stream connection every MS milliseconds"), N_("MS") },
    { "fault-garbage-every", 0, 0, G_OPTION_ARG_INT, &garbage_every, N_("Send a garbage line every N samples"), N_("N") },
    { "fault-restart-every", 0, 0, G_OPTION_ARG_INT, &restart_every, N_("Restart the whole device every MS milliseconds"), N_("MS") },
    { "fault-restart-downtime", 0, 0, G_OPTION_ARG_INT, &restart_downtime, N_("How long a restart keeps the ports away (default 1000)"), N_("MS") },
    { "fault-uncalibrated", 0, 0, G_OPTION_ARG_NONE, &uncalibrated, N_("Boot with an uncalibrated ODrive (start fails until calibrated)"), NULL },
    { "fault-odrive-missing", 0, 0, G_OPTION_ARG_NONE, &odrive_missing, N_("Simulate an ODrive that does not answer"), NULL },
    { "fault-uninitialized", 0, 0, G_OPTION_ARG_NONE, &uninitialized, N_("Simulate a valve that never initialises"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("A simulated STEVE haptic valve: the REST API and the telemetry stream of the real firmware, over TCP."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("steve-sim: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (version)
    {
      g_print ("steve-sim %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (http_port < 0 || http_port > 65535 || stream_port < 0 || stream_port > 65535)
    {
      g_printerr ("steve-sim: %s\n", _("ports must be between 0 and 65535"));
      return EXIT_FAILURE;
    }

  if (dialect != NULL)
    {
      if (g_str_equal (dialect, "firmware"))
        sim_dialect = STEVE_DIALECT_FIRMWARE;
      else if (g_str_equal (dialect, "documented"))
        sim_dialect = STEVE_DIALECT_DOCUMENTED;
      else
        {
          g_printerr ("steve-sim: %s\n", _("--dialect must be “firmware” or “documented”"));
          return EXIT_FAILURE;
        }
    }

  if (profile != NULL && !steve_sim_profile_from_string (profile, &sim_profile))
    {
      g_printerr ("steve-sim: %s\n", _("--profile must be idle, sine, random or walls"));
      return EXIT_FAILURE;
    }

  if (!parse_rate ("--fault-5xx-rate", error_rate, &error) ||
      !parse_rate ("--fault-odrive-flaky", odrive_flaky, &error))
    {
      g_printerr ("steve-sim: %s\n", error->message);
      return EXIT_FAILURE;
    }

  if (latency < 0 || stall_every < 0 || stall_ms < 0 || close_every < 0 ||
      garbage_every < 0 || restart_every < 0 || restart_downtime < 0)
    {
      g_printerr ("steve-sim: %s\n", _("fault periods and counts cannot be negative"));
      return EXIT_FAILURE;
    }

  if (state_file == NULL)
    state_file = g_build_filename (g_get_user_data_dir (), "steve-sim", "state.ini", NULL);

  if (uncalibrated)
    faults |= STEVE_SIM_FAULT_UNCALIBRATED;
  if (odrive_missing)
    faults |= STEVE_SIM_FAULT_ODRIVE_MISSING;
  if (uninitialized)
    faults |= STEVE_SIM_FAULT_UNINITIALIZED;

  sim = g_object_new (STEVE_TYPE_SIM,
                      "listen-address", listen ? listen : "127.0.0.1",
                      "http-port", (guint) http_port,
                      "stream-port", (guint) stream_port,
                      "api-key", api_key ? api_key : STEVE_DEFAULT_API_KEY,
                      "dialect", sim_dialect,
                      "profile", sim_profile,
                      "state-file", state_file,
                      "seed", (guint) seed,
                      NULL);
  steve_sim_set_faults (sim, faults);
  steve_sim_set_http_latency (sim, (guint) latency);
  steve_sim_set_http_error_rate (sim, error_rate);
  steve_sim_set_stall_every (sim, (guint) stall_every, (guint) stall_ms);
  steve_sim_set_stream_close_every (sim, (guint) close_every);
  steve_sim_set_garbage_every (sim, (guint) garbage_every);
  steve_sim_set_restart_every (sim, (guint) restart_every, (guint) restart_downtime);

  if (!steve_sim_start (sim, &error))
    {
      g_printerr ("steve-sim: %s\n", error->message);
      return EXIT_FAILURE;
    }
  steve_sim_set_odrive_flaky_rate (sim, odrive_flaky);

  g_print (_("Simulated STEVE device (%s dialect, %s profile)\n"),
           sim_dialect == STEVE_DIALECT_DOCUMENTED ? "documented" : "firmware",
           steve_sim_profile_to_string (sim_profile));
  g_print ("  REST:      http://%s:%u/api/v1/  (X-API-Key: %s)\n",
           steve_sim_get_listen_address (sim), steve_sim_get_http_port (sim), steve_sim_get_api_key (sim));
  g_print ("  Telemetry: tcp://%s:%u  (after POST /api/v1/stream {\"action\":\"start\"})\n",
           steve_sim_get_listen_address (sim), steve_sim_get_stream_port (sim));
  g_print (_("  Presets:   %s\n"), state_file);
  g_print (_("Press Ctrl+C to stop.\n"));

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);

  steve_sim_stop (sim);
  g_print (_("Stopped.\n"));
  return EXIT_SUCCESS;
}
