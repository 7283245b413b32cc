/* test-recorder.c — SteveRecorder and SteveRecording against the simulator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every test records a real stream: a simulator on loopback ports, a
 * SteveStreamer reading it in its worker thread, a SteveRecorder fed by
 * the streamer's raw sink. /recorder/sigkill runs the recorder in a child
 * process (this binary, started with --recorder-child) and kills it.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "steve-client.h"
#include "steve-recorder.h"
#include "steve-recording.h"
#include "steve-streamer.h"
#include "steve-test-utils.h"

#define INTERVAL_MS        10
#define CHILD_ARG          "--recorder-child"
#define CHILD_MAX_LIFE_S   60
/* quotes, a newline, a comma and non-ASCII: must survive every format */
#define MARK_LABEL         "sweep step 1, \"slow\" → fast\n(1/3)"

/* this executable, for /recorder/sigkill */
static char *self_exe;

/* ------------------------------------------------------------------ helpers */

static SteveClient *
connect_client (SteveSim *sim)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SteveClient *client = steve_client_new ("127.0.0.1", steve_sim_get_http_port (sim), NULL);

  steve_client_connect_async (client, NULL, steve_test_result_cb, &result);
  g_assert_true (steve_client_connect_finish (client, steve_test_wait_result (&result, 20), &error));
  g_assert_no_error (error);
  return client;
}

static void
start_valve (SteveClient *client)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SteveControlReply reply = { 0 };

  steve_client_control_async (client, STEVE_CONTROL_START, -1, NULL, steve_test_result_cb, &result);
  g_assert_true (steve_client_control_finish (client, steve_test_wait_result (&result, 20), &reply, &error));
  g_assert_no_error (error);
  g_assert_cmpint (reply.mode, ==, STEVE_VALVE_STATE_RUNNING);
}

static void
set_config (SteveClient       *client,
            const SteveConfig *update)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) after = NULL;

  steve_client_set_config_async (client, update, NULL, steve_test_result_cb, &result);
  after = steve_client_set_config_finish (client, steve_test_wait_result (&result, 20), &error);
  g_assert_no_error (error);
  g_assert_nonnull (after);
}

/* Samples counted (the worker's count) and the state they set (handed to
 * this thread afterwards, so it can come a moment later). */
static gboolean
streamer_streams (gpointer data)
{
  SteveStreamerStats stats;

  steve_streamer_get_stats (data, &stats);
  return stats.samples >= 5 && steve_streamer_get_state (data) == STEVE_STREAMER_STREAMING;
}

static gboolean
sim_has_stream_client (gpointer data)
{
  return steve_sim_get_stream_clients (data) >= 1;
}

/* A simulator, a connected client and a streamer that receives samples. */
typedef struct
{
  SteveSim      *sim;
  SteveClient   *client;
  SteveStreamer *streamer;
} Rig;

static void
rig_start (Rig      *rig,
           gboolean  log_samples,
           gboolean  run_valve)
{
  rig->sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  if (log_samples)
    steve_sim_set_log_samples (rig->sim, TRUE);
  steve_test_sleep_ms (60);
  rig->client = connect_client (rig->sim);
  if (run_valve)
    start_valve (rig->client);

  rig->streamer = steve_streamer_new (rig->client, "127.0.0.1", steve_sim_get_stream_port (rig->sim), INTERVAL_MS);
  steve_streamer_start (rig->streamer);
  if (!steve_test_wait_for (streamer_streams, rig->streamer, 10000))
    g_assert_cmpint (steve_streamer_get_state (rig->streamer), ==, STEVE_STREAMER_STREAMING);
  g_assert_true (streamer_streams (rig->streamer));
}

static void
rig_stop (Rig *rig)
{
  steve_streamer_stop (rig->streamer);
  steve_client_disconnect (rig->client);
  /* let the last batch, state notifications and cancelled requests finish */
  steve_test_sleep_ms (100);
  g_assert_finalize_object (g_steal_pointer (&rig->streamer));
  g_assert_finalize_object (g_steal_pointer (&rig->client));
  steve_sim_stop (rig->sim);
  g_clear_object (&rig->sim);
}

static void
rig_info (Rig                *rig,
          SteveRecordingInfo *info)
{
  memset (info, 0, sizeof *info);
  info->device_host = (char *) "127.0.0.1";
  info->device_port = steve_sim_get_http_port (rig->sim);
  info->dialect = steve_client_get_dialect (rig->client);
  info->interval_ms = INTERVAL_MS;
  info->config_at_start = *steve_client_get_device_config (rig->client);
}

/* Records @ms milliseconds of the rig's stream; the journal stays in @dir. */
static SteveRecording *
record_for (Rig        *rig,
            const char *journal,
            guint       ms)
{
  g_autoptr(SteveRecorder) recorder = steve_recorder_new ();
  g_autoptr(GError) error = NULL;
  SteveRecordingInfo info;
  SteveRecording *recording;

  rig_info (rig, &info);
  g_assert_true (steve_recorder_start (recorder, rig->streamer, &info, journal, &error));
  g_assert_no_error (error);
  steve_test_sleep_ms (ms);
  recording = steve_recorder_stop (recorder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (recording);
  return recording;
}

static gboolean
close_enough (double a,
              double b,
              double rel,
              double abs_tol)
{
  return fabs (a - b) <= abs_tol + rel * MAX (fabs (a), fabs (b));
}

/* Returns a description of the first difference, or NULL. Doubles are
 * compared within @rel (relative) + @abs_tol; everything else exactly. */
static char *
sample_diff (const SteveSample *a,
             const SteveSample *b,
             double             rel,
             double             abs_tol)
{
#define INT_FIELD(f, fmt) \
  if (a->f != b->f) return g_strdup_printf (#f " %" fmt " ≠ %" fmt, a->f, b->f)
#define DBL_FIELD(f) \
  if (!close_enough (a->f, b->f, rel, abs_tol)) return g_strdup_printf (#f " %.12g ≠ %.12g", a->f, b->f)

  INT_FIELD (host_time_us, G_GINT64_FORMAT);
  INT_FIELD (timestamp_ms, "u");
  INT_FIELD (seq, "u");
  INT_FIELD (t_us, G_GUINT64_FORMAT);
  INT_FIELD (loop_time_us, "u");
  INT_FIELD (passivity_mj, "d");
  INT_FIELD (err, "u");
  INT_FIELD (hb_age, "u");
  INT_FIELD (present, "u");
  INT_FIELD (status, "u");
  INT_FIELD (quiet, "u");
  INT_FIELD (data_valid, "u");
  DBL_FIELD (position_turns);
  DBL_FIELD (position_deg);
  DBL_FIELD (torque_nm);
  DBL_FIELD (filt_torque_nm);
  DBL_FIELD (omega_rad_s);
  return NULL;

#undef INT_FIELD
#undef DBL_FIELD
}

static void
assert_config_equal (const SteveConfig *a,
                     const SteveConfig *b)
{
  g_assert_cmphex (a->present, ==, b->present);
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (steve_config_has (a, i))
      g_assert_cmpfloat (a->values[i], ==, b->values[i]);
}

static void
assert_time_equal (GDateTime *a,
                   GDateTime *b)
{
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpint (g_date_time_to_unix (a), ==, g_date_time_to_unix (b));
}

static void
assert_info_equal (const SteveRecordingInfo *a,
                   const SteveRecordingInfo *b,
                   gboolean                  with_end)
{
  g_assert_cmpstr (a->device_host, ==, b->device_host);
  g_assert_cmpuint (a->device_port, ==, b->device_port);
  g_assert_cmpint (a->dialect, ==, b->dialect);
  g_assert_cmpuint (a->interval_ms, ==, b->interval_ms);
  assert_time_equal (a->start_time, b->start_time);
  if (with_end)
    assert_time_equal (a->end_time, b->end_time);
  assert_config_equal (&a->config_at_start, &b->config_at_start);
}

static void
assert_events_equal (SteveRecording *a,
                     SteveRecording *b)
{
  guint na, nb;
  const SteveRecordingEvent *ea = steve_recording_get_events (a, &na);
  const SteveRecordingEvent *eb = steve_recording_get_events (b, &nb);

  g_assert_cmpuint (na, ==, nb);
  for (guint i = 0; i < na; i++)
    {
      g_assert_cmpint (ea[i].kind, ==, eb[i].kind);
      g_assert_cmpuint (ea[i].timestamp_ms, ==, eb[i].timestamp_ms);
      g_assert_cmpint (ea[i].host_time_us, ==, eb[i].host_time_us);
      g_assert_cmpuint (ea[i].from_timestamp_ms, ==, eb[i].from_timestamp_ms);
      g_assert_cmpfloat (ea[i].duration_ms, ==, eb[i].duration_ms);
      g_assert_cmpuint (ea[i].missing, ==, eb[i].missing);
      g_assert_cmpint (ea[i].device_restarted, ==, eb[i].device_restarted);
      assert_config_equal (&ea[i].before, &eb[i].before);
      assert_config_equal (&ea[i].after, &eb[i].after);
      g_assert_cmpstr (ea[i].label, ==, eb[i].label);
    }
}

static void
assert_samples_equal (SteveRecording *a,
                      SteveRecording *b,
                      double          rel,
                      double          abs_tol)
{
  guint na, nb;
  const SteveSample *sa = steve_recording_get_samples (a, &na);
  const SteveSample *sb = steve_recording_get_samples (b, &nb);

  g_assert_cmpuint (na, ==, nb);
  for (guint i = 0; i < na; i++)
    {
      g_autofree char *diff = sample_diff (&sa[i], &sb[i], rel, abs_tol);

      if (diff != NULL)
        g_test_message ("sample %u of %u differs: %s", i, na, diff);
      g_assert_null (diff);
    }
}

static void
assert_recordings_equal (SteveRecording *a,
                         SteveRecording *b,
                         double          rel,
                         double          abs_tol)
{
  assert_info_equal (steve_recording_get_info (a), steve_recording_get_info (b), TRUE);
  assert_samples_equal (a, b, rel, abs_tol);
  assert_events_equal (a, b);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in @dir, sorted, joined by spaces. */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
assert_no_temp_files (const char *dir)
{
  g_autofree char *names = list_dir (dir);

  g_test_message ("%s holds: %s", dir, names);
  g_assert_false (names[0] == '.' || strstr (names, " .") != NULL);
}

static void
write_file (const char *path,
            const char *contents,
            gssize      len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
}

static char *
read_file (const char *path,
           gsize      *len)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, len, &error);
  g_assert_no_error (error);
  return contents;
}

/* ------------------------------------------------------------------ export-roundtrip */

typedef struct
{
  SteveRecorder *recorder;
  GArray        *before;   /* SteveConfig */
  GArray        *after;
} ConfigLog;

static void
config_applied_cb (SteveClient       *client,
                   const SteveConfig *before,
                   const SteveConfig *after,
                   gpointer           user_data)
{
  ConfigLog *log = user_data;

  steve_recorder_add_config_change (log->recorder, before, after);
  g_array_append_vals (log->before, before, 1);
  g_array_append_vals (log->after, after, 1);
}

static void
test_export_roundtrip (void)
{
  static const SteveRecordingFormat formats[] = {
    STEVE_RECORDING_FORMAT_CSV, STEVE_RECORDING_FORMAT_JSON, STEVE_RECORDING_FORMAT_HDF5,
  };
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autoptr(SteveRecorder) recorder = steve_recorder_new ();
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(SteveRecording) from_journal = NULL;
  g_autoptr(GArray) before = g_array_new (FALSE, FALSE, sizeof (SteveConfig));
  g_autoptr(GArray) after = g_array_new (FALSE, FALSE, sizeof (SteveConfig));
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = g_build_filename (tmp->dir, "run.journal", NULL);
  g_autofree char *meta = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GDateTime) start_time = NULL;
  JsonObject *meta_obj;
  ConfigLog log = { recorder, before, after };
  SteveConfig update1 = { { 0 }, 0 }, update2 = { { 0 }, 0 };
  SteveRecordingInfo info;
  SteveStreamerStats sstats;
  const SteveSample *samples;
  const SteveRecordingEvent *events;
  gint64 t_start, t_stop, t_mark0, t_mark1;
  guint n_samples, n_events;
  gulong handler;
  Rig rig;

  rig_start (&rig, FALSE, TRUE);
  rig_info (&rig, &info);
  start_time = g_date_time_new_now_utc ();
  info.start_time = start_time;

  g_assert_false (steve_recorder_is_recording (recorder));
  g_assert_true (steve_recorder_start (recorder, rig.streamer, &info, journal, &error));
  g_assert_no_error (error);
  t_start = g_get_monotonic_time ();
  g_assert_true (steve_recorder_is_recording (recorder));
  g_assert_cmpstr (steve_recorder_get_journal_path (recorder), ==, journal);
  handler = g_signal_connect (rig.client, "config-applied", G_CALLBACK (config_applied_cb), &log);

  steve_test_sleep_ms (700);
  steve_config_set (&update1, STEVE_FIELD_VISCOUS, 0.05);
  set_config (rig.client, &update1);

  steve_test_sleep_ms (500);
  t_mark0 = g_get_monotonic_time ();
  steve_recorder_add_mark (recorder, MARK_LABEL);
  t_mark1 = g_get_monotonic_time ();

  steve_test_sleep_ms (500);
  steve_config_set (&update2, STEVE_FIELD_COULOMB, 0.1);
  steve_config_set (&update2, STEVE_FIELD_WALL_STIFFNESS, 12.5);
  set_config (rig.client, &update2);

  steve_test_sleep_ms (800);
  recording = steve_recorder_stop (recorder, &error);
  t_stop = g_get_monotonic_time ();
  g_assert_no_error (error);
  g_assert_nonnull (recording);
  g_assert_false (steve_recorder_is_recording (recorder));
  g_signal_handler_disconnect (rig.client, handler);

  /* the stream itself: nothing lost, every sample one interval apart */
  steve_streamer_get_stats (rig.streamer, &sstats);
  g_assert_cmpuint (sstats.gaps, ==, 0);
  g_assert_cmpuint (sstats.reconnect_gaps, ==, 0);
  g_assert_cmpuint (sstats.rejected_lines, ==, 0);

  samples = steve_recording_get_samples (recording, &n_samples);
  g_test_message ("%u samples in %.3f s", n_samples, (t_stop - t_start) / 1e6);
  g_assert_cmpuint (n_samples, >=, (guint) (0.9 * (t_stop - t_start) / 1000.0 / INTERVAL_MS));
  /* Samples the device sent just before the start can still be in the
   * socket or the worker's buffer when recording begins, and are recorded:
   * a few at full speed, more when everything runs slower (valgrind). */
  g_assert_cmpuint (n_samples, <=, (guint) ((t_stop - t_start) / 1000 / INTERVAL_MS) + 5 * steve_test_timeout_scale ());
  for (guint i = 1; i < n_samples; i++)
    {
      g_assert_cmpuint (samples[i].timestamp_ms - samples[i - 1].timestamp_ms, ==, INTERVAL_MS);
      g_assert_cmpint (samples[i].host_time_us, >=, samples[i - 1].host_time_us);
    }
  for (guint i = 0; i < n_samples; i++)
    {
      g_assert_cmphex (samples[i].present, ==, STEVE_SAMPLE_ALL_FIELDS);
      g_assert_cmpint (samples[i].status, ==, STEVE_VALVE_STATE_RUNNING);
    }
  /* the valve runs: seq advances once per control cycle */
  g_assert_cmpuint (samples[n_samples - 1].seq, >, samples[0].seq);

  /* the recording's own metadata */
  g_assert_cmpuint (steve_recording_get_gap_count (recording), ==, 0);
  g_assert_cmpfloat (steve_recording_get_gap_ms (recording), ==, 0.0);
  assert_info_equal (&info, steve_recording_get_info (recording), FALSE);
  g_assert_nonnull (steve_recording_get_info (recording)->end_time);
  g_assert_cmpfloat (steve_recording_get_duration_s (recording), >=, (t_stop - t_start) / 1e6 - 0.2);
  g_assert_cmpfloat (steve_recording_get_duration_s (recording), <=, (t_stop - t_start) / 1e6 + 0.2);

  /* events: config change, mark, config change, in that order */
  g_assert_cmpuint (before->len, ==, 2);
  events = steve_recording_get_events (recording, &n_events);
  g_assert_cmpuint (n_events, ==, 3);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_CONFIG_CHANGE), ==, 2);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_MARK), ==, 1);
  g_assert_cmpint (events[0].kind, ==, STEVE_RECORDING_EVENT_CONFIG_CHANGE);
  g_assert_cmpint (events[1].kind, ==, STEVE_RECORDING_EVENT_MARK);
  g_assert_cmpint (events[2].kind, ==, STEVE_RECORDING_EVENT_CONFIG_CHANGE);

  for (guint k = 0; k < 2; k++)
    {
      const SteveRecordingEvent *e = &events[k * 2];
      g_autofree char *summary = steve_config_describe_change (&g_array_index (before, SteveConfig, k),
                                                               &g_array_index (after, SteveConfig, k));

      assert_config_equal (&e->before, &g_array_index (before, SteveConfig, k));
      assert_config_equal (&e->after, &g_array_index (after, SteveConfig, k));
      g_assert_cmpstr (e->label, ==, summary);
    }
  g_assert_cmpfloat (events[0].before.values[STEVE_FIELD_VISCOUS], ==, info.config_at_start.values[STEVE_FIELD_VISCOUS]);
  g_assert_cmpfloat (events[0].after.values[STEVE_FIELD_VISCOUS], ==, 0.05);
  g_assert_cmpfloat (events[2].before.values[STEVE_FIELD_VISCOUS], ==, 0.05);
  g_assert_cmpfloat (events[2].after.values[STEVE_FIELD_COULOMB], ==, 0.1);
  g_assert_cmpfloat (events[2].after.values[STEVE_FIELD_WALL_STIFFNESS], ==, 12.5);

  g_assert_cmpstr (events[1].label, ==, MARK_LABEL);
  g_assert_cmpint (events[1].host_time_us, >=, t_mark0);
  g_assert_cmpint (events[1].host_time_us, <=, t_mark1);
  for (guint k = 0; k < n_events; k++)
    {
      /* device time of the event: within the recorded span */
      g_assert_cmpuint (events[k].timestamp_ms, >=, samples[0].timestamp_ms);
      g_assert_cmpuint (events[k].timestamp_ms, <=, samples[n_samples - 1].timestamp_ms + 2 * INTERVAL_MS);
      g_assert_cmpint (events[k].host_time_us, >, t_start);
      g_assert_cmpint (events[k].host_time_us, <, t_stop);
    }
  g_assert_cmpuint (events[0].timestamp_ms, <, events[1].timestamp_ms);
  g_assert_cmpuint (events[1].timestamp_ms, <, events[2].timestamp_ms);

  meta = steve_recording_metadata_to_json (recording);
  g_assert_true (json_parser_load_from_data (parser, meta, -1, &error));
  g_assert_no_error (error);
  meta_obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (meta_obj, "sample_count"), ==, n_samples);
  g_assert_cmpint (json_object_get_int_member (meta_obj, "config_change_count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (meta_obj, "gap_count"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (meta_obj, "dialect"), ==, "firmware");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (meta_obj, "events")), ==, 3);

  /* every format, saved and loaded back */
  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *name = g_strconcat ("run", steve_recording_format_extension (formats[f]), NULL);
      g_autofree char *path = g_build_filename (tmp->dir, name, NULL);
      g_autoptr(SteveRecording) loaded = NULL;
      SteveRecordingFormat detected;
      guint n_loaded;

      g_test_message ("format %s", name);
      g_assert_true (steve_recording_format_from_path (path, &detected));
      g_assert_cmpint (detected, ==, formats[f]);

      g_assert_true (steve_recording_save (recording, formats[f], path, &error));
      g_assert_no_error (error);
      loaded = steve_recording_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);

      steve_recording_get_samples (loaded, &n_loaded);
      g_assert_cmpuint (n_loaded, ==, n_samples);
      /* text formats print doubles with 9 significant digits; HDF5 is exact */
      if (formats[f] == STEVE_RECORDING_FORMAT_HDF5)
        assert_recordings_equal (recording, loaded, 0, 0);
      else
        assert_recordings_equal (recording, loaded, 1e-8, 0);
      g_assert_cmpuint (steve_recording_get_gap_count (loaded), ==, 0);
    }
  assert_no_temp_files (tmp->dir);

  /* saving in a worker thread gives the same bytes */
  {
    g_autofree char *sync_path = g_build_filename (tmp->dir, "run.csv", NULL);
    g_autofree char *async_path = g_build_filename (tmp->dir, "run-async.csv", NULL);
    g_autofree char *sync_text = NULL;
    g_autofree char *async_text = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    gsize sync_len, async_len;

    steve_recording_save_async (recording, STEVE_RECORDING_FORMAT_CSV, async_path, NULL, steve_test_result_cb, &result);
    g_assert_true (steve_recording_save_finish (recording, steve_test_wait_result (&result, 20), &error));
    g_assert_no_error (error);
    sync_text = read_file (sync_path, &sync_len);
    async_text = read_file (async_path, &async_len);
    g_assert_cmpmem (sync_text, sync_len, async_text, async_len);
  }

  /* the journal holds the same recording (6 decimals per value) */
  from_journal = steve_recording_load (journal, &error);
  g_assert_no_error (error);
  g_assert_nonnull (from_journal);
  assert_recordings_equal (recording, from_journal, 0, 5e-7);

  rig_stop (&rig);
}

/* ------------------------------------------------------------------ restart-gap */

static gboolean
recorder_has_gap (gpointer data)
{
  SteveRecorderStats stats;

  steve_recorder_get_stats (data, &stats);
  return stats.gaps >= 1;
}

static gboolean
has_timestamp (GHashTable *set,
               guint32     timestamp_ms)
{
  return g_hash_table_contains (set, GUINT_TO_POINTER (timestamp_ms + 1));
}

static void
test_restart_gap (void)
{
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autoptr(SteveRecorder) recorder = steve_recorder_new ();
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) log = NULL;
  g_autoptr(GHashTable) rec_a = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) rec_b = g_hash_table_new (NULL, NULL);
  g_autofree char *journal = g_build_filename (tmp->dir, "restart.journal", NULL);
  const SteveSimSentSample *first_b = NULL, *last_a = NULL;
  const SteveRecordingEvent *events, *gap = NULL;
  const SteveSample *samples;
  SteveRecordingInfo info;
  SteveStreamerStats sstats;
  guint n_samples, n_events, split, n_a_logged = 0, n_b_logged = 0;
  guint32 boot_a, conn_a = 0, conn_b = 0;
  gint64 t_start;
  double outage_ms;
  Rig rig;

  rig_start (&rig, TRUE, FALSE);
  rig_info (&rig, &info);
  g_assert_true (steve_recorder_start (recorder, rig.streamer, &info, journal, &error));
  g_assert_no_error (error);
  t_start = g_get_monotonic_time ();

  steve_test_sleep_ms (1000);
  steve_sim_restart (rig.sim, 800);

  /* the streamer reconnects and restarts streaming by itself */
  g_assert_true (steve_test_wait_for (recorder_has_gap, recorder, 20000));
  steve_test_sleep_ms (1000);
  recording = steve_recorder_stop (recorder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (recording);

  g_assert_cmpuint (steve_sim_get_boot_count (rig.sim), ==, 2);
  steve_streamer_get_stats (rig.streamer, &sstats);
  g_assert_cmpuint (sstats.reconnect_gaps, ==, 1);
  g_assert_cmpuint (sstats.gaps, ==, 0);

  /* exactly one reconnect gap, nothing else */
  events = steve_recording_get_events (recording, &n_events);
  g_assert_cmpuint (n_events, ==, 1);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_RECONNECT_GAP), ==, 1);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_GAP), ==, 0);
  gap = &events[0];
  g_assert_true (gap->device_restarted);

  /* samples on both sides of it */
  samples = steve_recording_get_samples (recording, &n_samples);
  for (split = 0; split < n_samples && samples[split].host_time_us < gap->host_time_us; split++)
    ;
  g_test_message ("%u samples before the gap, %u after", split, n_samples - split);
  g_assert_cmpuint (split, >, 50);
  g_assert_cmpuint (n_samples - split, >, 50);
  g_assert_cmpuint (samples[split - 1].timestamp_ms, ==, gap->from_timestamp_ms);
  g_assert_cmpuint (samples[split].timestamp_ms, ==, gap->timestamp_ms);
  g_assert_cmpint (samples[split].host_time_us, ==, gap->host_time_us);
  for (guint i = 1; i < n_samples; i++)
    if (i != split)
      g_assert_cmpuint (samples[i].timestamp_ms - samples[i - 1].timestamp_ms, ==, INTERVAL_MS);

  for (guint i = 0; i < n_samples; i++)
    g_hash_table_add (i < split ? rec_a : rec_b, GUINT_TO_POINTER (samples[i].timestamp_ms + 1));
  g_assert_cmpuint (g_hash_table_size (rec_a), ==, split);
  g_assert_cmpuint (g_hash_table_size (rec_b), ==, n_samples - split);

  /* what the simulator sent: two boots, one connection each */
  log = steve_sim_dup_sample_log (rig.sim);
  g_assert_cmpuint (log->len, >, 0);
  boot_a = g_array_index (log, SteveSimSentSample, 0).boot_id;
  for (guint i = 0; i < log->len; i++)
    {
      const SteveSimSentSample *s = &g_array_index (log, SteveSimSentSample, i);

      if (s->boot_id == boot_a)
        {
          g_assert_true (conn_a == 0 || conn_a == s->conn_id);
          conn_a = s->conn_id;
          last_a = s;
        }
      else
        {
          g_assert_cmpuint (s->boot_id, ==, boot_a + 1);
          g_assert_true (conn_b == 0 || conn_b == s->conn_id);
          conn_b = s->conn_id;
          if (first_b == NULL)
            first_b = s;
        }
    }
  g_assert_nonnull (last_a);
  g_assert_nonnull (first_b);
  g_assert_cmpuint (conn_a, !=, conn_b);

  /* every sample sent while recording is in the recording, and only those */
  for (guint i = 0; i < log->len; i++)
    {
      const SteveSimSentSample *s = &g_array_index (log, SteveSimSentSample, i);

      if (s->boot_id == boot_a && s->time_us >= t_start)
        {
          if (!has_timestamp (rec_a, s->timestamp_ms))
            g_test_message ("boot %u sample at %u ms is not in the recording", s->boot_id, s->timestamp_ms);
          g_assert_true (has_timestamp (rec_a, s->timestamp_ms));
          n_a_logged++;
        }
      else if (s->boot_id != boot_a && s->timestamp_ms <= samples[n_samples - 1].timestamp_ms)
        {
          if (!has_timestamp (rec_b, s->timestamp_ms))
            g_test_message ("boot %u sample at %u ms is not in the recording", s->boot_id, s->timestamp_ms);
          g_assert_true (has_timestamp (rec_b, s->timestamp_ms));
          n_b_logged++;
        }
    }
  g_assert_cmpuint (n_b_logged, ==, n_samples - split);
  g_assert_cmpuint (n_a_logged, <=, split);
  g_assert_cmpuint (n_a_logged + 5, >=, split);   /* a few queued just before the start */
  g_assert_cmpuint (samples[split - 1].timestamp_ms, ==, last_a->timestamp_ms);
  g_assert_cmpuint (samples[split].timestamp_ms, ==, first_b->timestamp_ms);

  /* the gap lasts as long as the simulator sent nothing to us */
  outage_ms = (first_b->time_us - last_a->time_us) / 1000.0;
  g_test_message ("outage %.1f ms, gap event %.1f ms (%" G_GUINT64_FORMAT " missing), device clock %u → %u",
                  outage_ms, gap->duration_ms, gap->missing, gap->from_timestamp_ms, gap->timestamp_ms);
  g_assert_cmpfloat (outage_ms, >=, 800.0);
  g_assert_cmpfloat (gap->duration_ms + INTERVAL_MS, >=, 790.0);
  g_assert_cmpfloat (fabs (gap->duration_ms + INTERVAL_MS - outage_ms), <=, 100.0);
  g_assert_cmpfloat (fabs ((double) gap->missing - outage_ms / INTERVAL_MS), <=, 12.0);

  rig_stop (&rig);
}

/* ------------------------------------------------------------------ sigkill */

static gboolean
quit_child_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* The child of /recorder/sigkill: records the stream at 127.0.0.1:@port_text
 * (no client: the parent started streaming) until it is killed. */
static int
recorder_child_main (const char *port_text,
                     const char *journal)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SteveStreamer) streamer = NULL;
  g_autoptr(SteveRecorder) recorder = NULL;
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GError) error = NULL;
  SteveRecordingInfo info = { 0 };
  guint64 port;

#ifdef __linux__
  /* never outlive the test */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif

  if (!g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, &error))
    {
      g_printerr ("recorder child: %s\n", error->message);
      return 2;
    }

  streamer = steve_streamer_new (NULL, "127.0.0.1", (guint) port, INTERVAL_MS);
  recorder = steve_recorder_new ();
  info.device_host = (char *) "127.0.0.1";
  info.device_port = (guint) port;
  info.dialect = STEVE_DIALECT_FIRMWARE;
  info.interval_ms = INTERVAL_MS;

  /* the sink is in place before the first sample can arrive */
  if (!steve_recorder_start (recorder, streamer, &info, journal, &error))
    {
      g_printerr ("recorder child: %s\n", error->message);
      return 1;
    }
  steve_streamer_start (streamer);

  /* the parent kills us long before this */
  g_timeout_add_seconds (CHILD_MAX_LIFE_S, quit_child_cb, loop);
  g_main_loop_run (loop);

  recording = steve_recorder_stop (recorder, NULL);
  steve_streamer_stop (streamer);
  return 3;
}

static void
test_sigkill (void)
{
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autoptr(SteveSim) sim = steve_test_sim_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, NULL);
  g_autoptr(SteveTestHttp) resp = NULL;
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GHashTable) logged = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) journaled = g_hash_table_new (NULL, NULL);
  g_autoptr(GArray) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = g_build_filename (tmp->dir, "killed.journal", NULL);
  g_autofree char *port_text = NULL;
  const SteveRecordingInfo *info;
  const SteveSample *samples;
  const char *child_argv[5];
  guint n_samples, n_due = 0, n_missing = 0;
  guint32 conn_id = 0;
  gint64 t_kill;
  gboolean connected;
  GPid pid = 0;
  int status = 0;
  pid_t reaped;

  steve_sim_set_log_samples (sim, TRUE);
  resp = steve_test_http (steve_sim_get_http_port (sim), "POST", "/api/v1/stream",
                          "{\"action\":\"start\",\"interval_ms\":10}");
  g_assert_cmpuint (resp->status, ==, 200);

  port_text = g_strdup_printf ("%u", steve_sim_get_stream_port (sim));
  child_argv[0] = self_exe;
  child_argv[1] = CHILD_ARG;
  child_argv[2] = port_text;
  child_argv[3] = journal;
  child_argv[4] = NULL;

  g_spawn_async (NULL, (char **) child_argv, NULL,
                 G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                 NULL, NULL, &pid, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pid, >, 0);

  /* no assertion until the child is dead */
  connected = steve_test_wait_for (sim_has_stream_client, sim, 15000);
  if (connected)
    steve_test_sleep_ms (3000);
  t_kill = g_get_monotonic_time ();
  kill (pid, SIGKILL);
  do
    reaped = waitpid (pid, &status, 0);
  while (reaped < 0 && errno == EINTR);
  g_spawn_close_pid (pid);

  g_assert_cmpint (reaped, ==, pid);
  g_assert_true (connected);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  /* the journal loads, cut short as it is */
  recording = steve_recording_load (journal, &error);
  g_assert_no_error (error);
  g_assert_nonnull (recording);
  samples = steve_recording_get_samples (recording, &n_samples);
  g_test_message ("%u samples in the journal of the killed recorder", n_samples);
  g_assert_cmpuint (n_samples, >=, 1);

  info = steve_recording_get_info (recording);
  g_assert_cmpstr (info->device_host, ==, "127.0.0.1");
  g_assert_cmpuint (info->device_port, ==, steve_sim_get_stream_port (sim));
  g_assert_cmpint (info->dialect, ==, STEVE_DIALECT_FIRMWARE);
  g_assert_cmpuint (info->interval_ms, ==, INTERVAL_MS);
  g_assert_nonnull (info->start_time);
  g_assert_nonnull (info->end_time);
  g_assert_cmpint (g_date_time_compare (info->end_time, info->start_time), >=, 0);
  g_assert_cmpuint (steve_recording_get_gap_count (recording), ==, 0);

  for (guint i = 0; i < n_samples; i++)
    {
      g_hash_table_add (journaled, GUINT_TO_POINTER (samples[i].timestamp_ms + 1));
      if (i > 0)
        g_assert_cmpuint (samples[i].timestamp_ms - samples[i - 1].timestamp_ms, ==, INTERVAL_MS);
    }

  /* every sample the simulator sent up to a second before the kill is there */
  log = steve_sim_dup_sample_log (sim);
  for (guint i = 0; i < log->len; i++)
    {
      const SteveSimSentSample *s = &g_array_index (log, SteveSimSentSample, i);

      g_assert_true (conn_id == 0 || conn_id == s->conn_id);
      conn_id = s->conn_id;
      g_hash_table_add (logged, GUINT_TO_POINTER (s->timestamp_ms + 1));

      if (s->time_us <= t_kill - G_USEC_PER_SEC)
        {
          if (!has_timestamp (journaled, s->timestamp_ms))
            g_test_message ("sample at %u ms, sent %.3f s before the kill, is not in the journal",
                            s->timestamp_ms, (t_kill - s->time_us) / 1e6);
          g_assert_true (has_timestamp (journaled, s->timestamp_ms));
          n_due++;
        }
      else if (s->time_us <= t_kill && !has_timestamp (journaled, s->timestamp_ms))
        n_missing++;
    }
  g_test_message ("%u samples sent up to 1 s before the kill, %u sent later are not in the journal",
                  n_due, n_missing);
  g_assert_cmpuint (n_due, >=, 150);
  g_assert_cmpuint (n_missing, <=, 1000 / INTERVAL_MS);
  /* the journal starts with the connection: nothing before is missing either */
  g_assert_cmpuint (samples[0].timestamp_ms, ==, g_array_index (log, SteveSimSentSample, 0).timestamp_ms);

  /* and holds nothing the simulator did not send */
  for (guint i = 0; i < n_samples; i++)
    g_assert_true (has_timestamp (logged, samples[i].timestamp_ms));

  steve_sim_stop (sim);
}

/* ------------------------------------------------------------------ atomic-and-errors */

static void
assert_load_fails (const char *path,
                   GQuark      domain,
                   int         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveRecording) loaded = steve_recording_load (path, &error);

  g_assert_null (loaded);
  g_assert_error (error, domain, code);
  g_test_message ("loading %s: %s", path, error->message);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_atomic_and_errors (void)
{
  static const SteveRecordingFormat formats[] = {
    STEVE_RECORDING_FORMAT_CSV, STEVE_RECORDING_FORMAT_JSON, STEVE_RECORDING_FORMAT_HDF5,
  };
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = g_build_filename (tmp->dir, "short.journal", NULL);
  g_autofree char *missing_dir = g_build_filename (tmp->dir, "missing", NULL);
  g_autofree char *names = NULL;
  const SteveSample *samples;
  guint n_samples, n_events;
  Rig rig;

  rig_start (&rig, FALSE, TRUE);
  recording = record_for (&rig, journal, 600);
  rig_stop (&rig);

  samples = steve_recording_get_samples (recording, &n_samples);
  steve_recording_get_events (recording, &n_events);
  g_assert_cmpuint (n_samples, >=, 20);
  g_assert_cmpuint (n_events, ==, 0);

  names = list_dir (tmp->dir);
  g_assert_cmpstr (names, ==, "short.journal");

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      const char *ext = steve_recording_format_extension (formats[f]);
      g_autofree char *name = g_strconcat ("run", ext, NULL);
      g_autofree char *in_missing = g_build_filename (missing_dir, name, NULL);
      g_autofree char *dir_path = g_build_filename (tmp->dir, name, NULL);
      g_autofree char *over_path = NULL;
      g_autofree char *fresh_path = NULL;
      g_autofree char *junk = NULL;
      g_autofree char *before_names = list_dir (tmp->dir);
      g_autofree char *after_names = NULL;
      g_autoptr(GDir) dir = NULL;
      g_autoptr(SteveRecording) loaded = NULL;

      g_test_message ("format %s", ext);

      /* into a directory that does not exist */
      g_assert_false (steve_recording_save (recording, formats[f], in_missing, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_assert_nonnull (strstr (error->message, in_missing));
      g_clear_error (&error);
      g_assert_false (g_file_test (missing_dir, G_FILE_TEST_EXISTS));

      /* onto a directory */
      g_assert_cmpint (g_mkdir (dir_path, 0755), ==, 0);
      g_assert_false (steve_recording_save (recording, formats[f], dir_path, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY);
      g_assert_nonnull (strstr (error->message, dir_path));
      g_clear_error (&error);
      g_assert_true (g_file_test (dir_path, G_FILE_TEST_IS_DIR));
      dir = g_dir_open (dir_path, 0, NULL);
      g_assert_nonnull (dir);
      g_assert_null (g_dir_read_name (dir));
      g_assert_cmpint (g_rmdir (dir_path), ==, 0);
      assert_no_temp_files (tmp->dir);

      after_names = list_dir (tmp->dir);
      g_assert_cmpstr (after_names, ==, before_names);

      /* over an existing, larger file: replaced completely */
      over_path = g_build_filename (tmp->dir, name, NULL);
      fresh_path = g_strconcat (tmp->dir, G_DIR_SEPARATOR_S, "fresh", ext, NULL);
      junk = g_malloc (2 << 20);
      memset (junk, 'x', 2 << 20);
      write_file (over_path, junk, 2 << 20);
      g_assert_true (steve_recording_save (recording, formats[f], over_path, &error));
      g_assert_no_error (error);
      g_assert_true (steve_recording_save (recording, formats[f], fresh_path, &error));
      g_assert_no_error (error);
      assert_no_temp_files (tmp->dir);

      loaded = steve_recording_load (over_path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);
      assert_recordings_equal (recording, loaded, formats[f] == STEVE_RECORDING_FORMAT_HDF5 ? 0 : 1e-8, 0);

      if (formats[f] != STEVE_RECORDING_FORMAT_HDF5)
        {
          /* text output is deterministic: byte for byte what a fresh save gives */
          g_autofree char *over_text = NULL;
          g_autofree char *fresh_text = NULL;
          gsize over_len, fresh_len;

          over_text = read_file (over_path, &over_len);
          fresh_text = read_file (fresh_path, &fresh_len);
          g_assert_cmpmem (over_text, over_len, fresh_text, fresh_len);
        }
      else
        {
          GStatBuf st;

          g_assert_cmpint (g_stat (over_path, &st), ==, 0);
          g_assert_cmpint (st.st_size, <, 2 << 20);
        }
    }

  /* a CSV whose 10th data line has a non-number in position_deg */
  {
    g_autofree char *good = g_build_filename (tmp->dir, "run.csv", NULL);
    g_autofree char *bad = g_build_filename (tmp->dir, "bad-line.csv", NULL);
    g_autofree char *text = NULL;
    g_autofree char *joined = NULL;
    g_autofree char *expect_line = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(SteveRecording) loaded = NULL;
    guint header_line = 0, target;

    text = read_file (good, NULL);
    lines = g_strsplit (text, "\n", -1);
    while (lines[header_line] && !g_str_has_prefix (lines[header_line], "time_s,"))
      header_line++;
    g_assert_nonnull (lines[header_line]);
    target = header_line + 10;   /* 0-based index of the 10th data line */
    g_assert_cmpuint (g_strv_length (lines), >, target);
    {
      g_auto(GStrv) fields = g_strsplit (lines[target], ",", -1);

      g_assert_cmpuint (g_strv_length (fields), ==, 17);
      g_free (fields[7]);   /* position_deg */
      fields[7] = g_strdup ("12.x5");
      g_free (lines[target]);
      lines[target] = g_strjoinv (",", fields);
    }
    joined = g_strjoinv ("\n", lines);
    write_file (bad, joined, -1);

    loaded = steve_recording_load (bad, &error);
    g_assert_null (loaded);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_test_message ("%s", error->message);
    expect_line = g_strdup_printf ("Line %u ", target + 1);
    g_assert_nonnull (strstr (error->message, expect_line));
    g_assert_nonnull (strstr (error->message, "position_deg"));
    g_assert_nonnull (strstr (error->message, "12.x5"));
    g_clear_error (&error);
  }

  /* random bytes under a recording's name, and empty files */
  {
    static const char * const noise_names[] = { "noise.csv", "noise.json", "noise.h5", "noise.journal" };
    static const char * const empty_names[] = { "empty.csv", "empty.json", "empty.h5", "empty.journal" };
    g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
    guint8 noise[8192];

    for (guint i = 0; i < sizeof noise; i++)
      noise[i] = (guint8) g_rand_int_range (rand, 0, 256);
    noise[0] = 0x8f;   /* not '#', '{', a digit or the HDF5 signature */

    for (guint i = 0; i < G_N_ELEMENTS (noise_names); i++)
      {
        g_autofree char *path = g_build_filename (tmp->dir, noise_names[i], NULL);
        g_autofree char *empty = g_build_filename (tmp->dir, empty_names[i], NULL);

        write_file (path, (const char *) noise, sizeof noise);
        assert_load_fails (path, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        write_file (empty, "", 0);
        assert_load_fails (empty, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      }
  }

  /* a JSON recording with another value before or after it (json-glib
   * would parse "-0.{…}" and leak the object it dropped) */
  {
    g_autofree char *clean = g_build_filename (tmp->dir, "clean.json", NULL);
    g_autofree char *stray = g_build_filename (tmp->dir, "stray.json", NULL);
    g_autofree char *text = NULL;
    g_autoptr(SteveRecording) loaded = NULL;
    const char * const wrap[][2] = { { "-0.", "" }, { "", "{}" }, { "1 ", "" }, { "\n ", " \n" } };

    g_assert_true (steve_recording_save (recording, STEVE_RECORDING_FORMAT_JSON, clean, &error));
    g_assert_no_error (error);
    text = read_file (clean, NULL);
    for (guint i = 0; i < G_N_ELEMENTS (wrap); i++)
      {
        g_autofree char *wrapped = g_strconcat (wrap[i][0], text, wrap[i][1], NULL);

        write_file (stray, wrapped, -1);
        if (i < 3)
          assert_load_fails (stray, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        else
          {
            /* whitespace around the one value is fine */
            loaded = steve_recording_load (stray, &error);
            g_assert_no_error (error);
            assert_recordings_equal (recording, loaded, 1e-8, 0);
          }
      }
  }

  /* a journal torn by a crash */
  {
    g_autofree char *text = NULL;
    g_autofree char *torn_end = g_build_filename (tmp->dir, "torn-end.journal", NULL);
    g_autofree char *torn_sample = g_build_filename (tmp->dir, "torn-sample.journal", NULL);
    g_autoptr(SteveRecording) a = NULL;
    g_autoptr(SteveRecording) b = NULL;
    const SteveSample *sb;
    const char *last_line, *last_sample;
    gsize len;
    guint nb;

    text = read_file (journal, &len);
    g_assert_cmpuint (len, >, 2);
    g_assert_cmpint (text[len - 1], ==, '\n');
    g_assert_true (g_str_has_prefix (text, "STEVE-JOURNAL 1\n"));

    /* cut in the middle of the last line (END): every sample stays */
    last_line = g_strrstr_len (text, (gssize) len - 1, "\n") + 1;
    g_assert_true (g_str_has_prefix (last_line, "END "));
    write_file (torn_end, text, (last_line - text) + (len - (gsize) (last_line - text)) / 2);
    a = steve_recording_load (torn_end, &error);
    g_assert_no_error (error);
    g_assert_nonnull (a);
    assert_info_equal (steve_recording_get_info (recording), steve_recording_get_info (a), FALSE);
    assert_samples_equal (recording, a, 0, 5e-7);
    assert_events_equal (recording, a);
    /* without its END line the last sample says when it stopped */
    g_assert_nonnull (steve_recording_get_info (a)->end_time);
    g_assert_cmpfloat_with_epsilon (steve_recording_get_duration_s (a),
                                    (samples[n_samples - 1].host_time_us - samples[0].host_time_us) / 1e6,
                                    1e-6);

    /* cut in the middle of the last sample: that one is dropped */
    last_sample = g_strrstr (text, "\nS ") + 1;
    write_file (torn_sample, text, (last_sample - text) + 20);
    b = steve_recording_load (torn_sample, &error);
    g_assert_no_error (error);
    g_assert_nonnull (b);
    sb = steve_recording_get_samples (b, &nb);
    g_assert_cmpuint (nb, ==, n_samples - 1);
    for (guint i = 0; i < nb; i++)
      {
        g_autofree char *diff = sample_diff (&samples[i], &sb[i], 0, 5e-7);
        g_assert_null (diff);
      }
  }

  /* an unknown extension is refused, even for a valid recording */
  {
    g_autofree char *csv = g_build_filename (tmp->dir, "run.csv", NULL);
    g_autofree char *txt = g_build_filename (tmp->dir, "run.txt", NULL);
    g_autofree char *bare = g_build_filename (tmp->dir, "run", NULL);
    g_autofree char *text = NULL;
    g_autofree char *upper = g_build_filename (tmp->dir, "RUN.CSV", NULL);
    g_autoptr(SteveRecording) loaded = NULL;
    SteveRecordingFormat format;
    gsize len;

    text = read_file (csv, &len);
    write_file (txt, text, (gssize) len);
    write_file (bare, text, (gssize) len);
    write_file (upper, text, (gssize) len);
    assert_load_fails (txt, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    assert_load_fails (bare, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_assert_false (steve_recording_format_from_path (txt, &format));
    g_assert_true (steve_recording_format_from_path ("x.hdf5", &format));
    g_assert_cmpint (format, ==, STEVE_RECORDING_FORMAT_HDF5);

    /* the extension is matched without regard to case */
    loaded = steve_recording_load (upper, &error);
    g_assert_no_error (error);
    g_assert_nonnull (loaded);

    /* a journal is written by the recorder only */
    g_assert_false (steve_recording_save (recording, STEVE_RECORDING_FORMAT_JOURNAL, txt, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_clear_error (&error);
  }

  /* a recording without a single sample (the stream never came) */
  {
    g_autoptr(SteveStreamer) idle = steve_streamer_new (NULL, "127.0.0.1", 9, INTERVAL_MS);
    g_autoptr(SteveRecorder) recorder = steve_recorder_new ();
    g_autoptr(SteveRecording) empty = NULL;
    g_autofree char *empty_journal = g_build_filename (tmp->dir, "nothing.journal", NULL);
    SteveRecordingInfo info = { 0 };

    info.device_host = (char *) "127.0.0.1";
    info.device_port = 9;
    info.dialect = STEVE_DIALECT_DOCUMENTED;
    info.interval_ms = 50;
    g_assert_true (steve_recorder_start (recorder, idle, &info, empty_journal, &error));
    g_assert_no_error (error);
    empty = steve_recorder_stop (recorder, &error);
    g_assert_no_error (error);
    g_assert_nonnull (empty);

    for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
      {
        g_autofree char *name = g_strconcat ("nothing", steve_recording_format_extension (formats[f]), NULL);
        g_autofree char *path = g_build_filename (tmp->dir, name, NULL);
        g_autoptr(SteveRecording) loaded = NULL;
        guint n;

        g_assert_true (steve_recording_save (empty, formats[f], path, &error));
        g_assert_no_error (error);
        loaded = steve_recording_load (path, &error);
        g_assert_no_error (error);
        g_assert_nonnull (loaded);
        steve_recording_get_samples (loaded, &n);
        g_assert_cmpuint (n, ==, 0);
        assert_recordings_equal (empty, loaded, 0, 0);
      }

    {
      g_autoptr(SteveRecording) loaded = steve_recording_load (empty_journal, &error);

      g_assert_no_error (error);
      g_assert_nonnull (loaded);
      assert_recordings_equal (empty, loaded, 0, 0);
    }
  }

  assert_no_temp_files (tmp->dir);
}

/* ------------------------------------------------------------------ many-events */

/* A long sweep: thousands of marks and config changes make the metadata
 * (which every format carries, events included) far larger than 64 KiB. */
static void
test_many_events (void)
{
  static const SteveRecordingFormat formats[] = {
    STEVE_RECORDING_FORMAT_CSV, STEVE_RECORDING_FORMAT_JSON, STEVE_RECORDING_FORMAT_HDF5,
  };
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autoptr(SteveRecorder) recorder = steve_recorder_new ();
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(SteveRecording) from_journal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = g_build_filename (tmp->dir, "sweep.journal", NULL);
  g_autofree char *meta = NULL;
  SteveRecordingInfo info;
  guint n_events;
  Rig rig;

  rig_start (&rig, FALSE, TRUE);
  rig_info (&rig, &info);
  g_assert_true (steve_recorder_start (recorder, rig.streamer, &info, journal, &error));
  g_assert_no_error (error);

  for (guint step = 0; step < 1000; step++)
    {
      g_autofree char *label = g_strdup_printf ("sweep step %u of 1000: viscous %.4f, \"hold\" → next\t(%u)",
                                                step + 1, 0.01 + step * 0.0001, step);
      SteveConfig before = info.config_at_start, after = info.config_at_start;

      steve_config_set (&before, STEVE_FIELD_VISCOUS, 0.01 + step * 0.0001);
      steve_config_set (&after, STEVE_FIELD_VISCOUS, 0.01 + (step + 1) * 0.0001);
      steve_recorder_add_mark (recorder, label);
      steve_recorder_add_config_change (recorder, &before, &after);
      if (step % 100 == 0)
        steve_test_sleep_ms (20);
    }
  steve_test_sleep_ms (200);

  recording = steve_recorder_stop (recorder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (recording);
  rig_stop (&rig);

  steve_recording_get_events (recording, &n_events);
  g_assert_cmpuint (n_events, ==, 2000);
  meta = steve_recording_metadata_to_json (recording);
  g_test_message ("metadata: %zu bytes", strlen (meta));
  g_assert_cmpuint (strlen (meta), >, 256 * 1024);

  for (guint f = 0; f < G_N_ELEMENTS (formats); f++)
    {
      g_autofree char *name = g_strconcat ("sweep", steve_recording_format_extension (formats[f]), NULL);
      g_autofree char *path = g_build_filename (tmp->dir, name, NULL);
      g_autoptr(SteveRecording) loaded = NULL;

      g_test_message ("format %s", name);
      g_assert_true (steve_recording_save (recording, formats[f], path, &error));
      g_assert_no_error (error);
      loaded = steve_recording_load (path, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);
      assert_recordings_equal (recording, loaded, formats[f] == STEVE_RECORDING_FORMAT_HDF5 ? 0 : 1e-8, 0);
    }
  assert_no_temp_files (tmp->dir);

  from_journal = steve_recording_load (journal, &error);
  g_assert_no_error (error);
  assert_recordings_equal (recording, from_journal, 0, 5e-7);
}

/* ------------------------------------------------------------------ stats */

static guint64
file_size (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return (guint64) st.st_size;
}

static void
test_stats (void)
{
  g_autoptr(SteveTestTmp) tmp = steve_test_tmp_new ();
  g_autoptr(SteveRecorder) recorder = steve_recorder_new ();
  g_autoptr(SteveRecording) recording = NULL;
  g_autoptr(SteveRecording) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = g_build_filename (tmp->dir, "stats.journal", NULL);
  g_autofree char *journal2 = g_build_filename (tmp->dir, "stats2.journal", NULL);
  SteveRecordingInfo info;
  SteveRecorderStats stats, prev = { 0 };
  SteveConfig before = { { 0 }, 0 }, after = { { 0 }, 0 };
  guint64 prev_disk = 0;
  guint n_samples;
  Rig rig;

  rig_start (&rig, FALSE, FALSE);
  rig_info (&rig, &info);

  /* not recording: nothing to stop, nothing counted */
  g_assert_null (steve_recorder_stop (recorder, &error));
  g_assert_no_error (error);
  steve_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.samples, ==, 0);
  g_assert_cmpuint (stats.journal_bytes, ==, 0);
  g_assert_false (stats.journal_failed);

  g_assert_true (steve_recorder_start (recorder, rig.streamer, &info, journal, &error));
  g_assert_no_error (error);

  for (guint round = 0; round < 5; round++)
    {
      guint64 disk;

      steve_test_sleep_ms (400);
      steve_recorder_get_stats (recorder, &stats);
      disk = file_size (journal);
      g_test_message ("round %u: %" G_GUINT64_FORMAT " samples, %" G_GUINT64_FORMAT " journal bytes (%"
                      G_GUINT64_FORMAT " on disk), %.3f s", round, stats.samples, stats.journal_bytes, disk,
                      stats.duration_s);

      g_assert_cmpuint (stats.samples, >, prev.samples);
      g_assert_cmpuint (stats.journal_bytes, >, prev.journal_bytes);
      g_assert_cmpfloat (stats.duration_s, >, prev.duration_s);
      g_assert_cmpuint (stats.gaps, ==, 0);
      g_assert_cmpfloat (stats.gap_ms, ==, 0.0);
      g_assert_false (stats.journal_failed);
      /* ~40 samples per round at 10 ms */
      g_assert_cmpuint (stats.samples - prev.samples, >=, 20);
      /* the journal reaches the disk as it goes (at least every 250 ms) */
      g_assert_cmpuint (disk, >, prev_disk);
      g_assert_cmpuint (disk, <=, stats.journal_bytes);
      g_assert_cmpuint (stats.config_changes, ==, round >= 3 ? 1 : 0);

      if (round == 2)
        {
          steve_config_set (&before, STEVE_FIELD_VISCOUS, 0.02);
          steve_config_set (&after, STEVE_FIELD_VISCOUS, 0.03);
          steve_recorder_add_config_change (recorder, &before, &after);
          /* no change at all: not an event */
          steve_recorder_add_config_change (recorder, &after, &after);
        }

      prev = stats;
      prev_disk = disk;
    }

  g_assert_true (steve_recorder_is_recording (recorder));

  recording = steve_recorder_stop (recorder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (recording);
  steve_recording_get_samples (recording, &n_samples);
  g_assert_cmpuint (n_samples, >=, prev.samples);
  g_assert_cmpuint (steve_recording_count_events (recording, STEVE_RECORDING_EVENT_CONFIG_CHANGE), ==, 1);

  /* stopped: NULL again, and the journal is all on disk */
  g_assert_null (steve_recorder_stop (recorder, &error));
  g_assert_no_error (error);
  g_assert_false (steve_recorder_is_recording (recorder));
  steve_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.samples, ==, 0);
  g_assert_cmpuint (stats.journal_bytes, ==, file_size (journal));

  /* the journal must not exist yet: an old one is never overwritten */
  g_assert_false (steve_recorder_start (recorder, rig.streamer, &info, journal, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (steve_recorder_is_recording (recorder));

  /* the recorder can record again */
  g_assert_true (steve_recorder_start (recorder, rig.streamer, &info, journal2, &error));
  g_assert_no_error (error);
  steve_test_sleep_ms (300);
  steve_recorder_get_stats (recorder, &stats);
  g_assert_cmpuint (stats.samples, >, 0);
  g_assert_cmpuint (stats.config_changes, ==, 0);
  again = steve_recorder_stop (recorder, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpuint (steve_recording_count_events (again, STEVE_RECORDING_EVENT_CONFIG_CHANGE), ==, 0);

  rig_stop (&rig);
}

int
main (int   argc,
      char *argv[])
{
  /* the child of /recorder/sigkill */
  if (argc == 4 && g_str_equal (argv[1], CHILD_ARG))
    return recorder_child_main (argv[2], argv[3]);

  if (strchr (argv[0], G_DIR_SEPARATOR) != NULL)
    self_exe = g_canonicalize_filename (argv[0], NULL);
  else
    self_exe = g_find_program_in_path (argv[0]);

  steve_test_init (&argc, &argv);

  steve_test_add_func ("/recorder/export-roundtrip", test_export_roundtrip);
  steve_test_add_func ("/recorder/restart-gap", test_restart_gap);
  steve_test_add_func ("/recorder/sigkill", test_sigkill);
  steve_test_add_func ("/recorder/atomic-and-errors", test_atomic_and_errors);
  steve_test_add_func ("/recorder/stats", test_stats);
  steve_test_add_func ("/recorder/many-events", test_many_events);

  {
    int ret = g_test_run ();

    g_free (self_exe);
    return ret;
  }
}
