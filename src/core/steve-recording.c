/* steve-recording.c — a recorded session: samples, metadata, events; files
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A SteveRecording is plain data with no locking: while recording, the
 * SteveRecorder guards it; afterwards it belongs to one thread at a time
 * (steve_recording_save_async() hands it to a worker for the duration).
 *
 * Every file is written to a temporary name in the destination directory,
 * flushed to disk and renamed over the destination, so a file either is
 * complete or is not there: never half-written.
 */
#define G_LOG_DOMAIN "steve-recording"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <hdf5.h>

#include "steve-field.h"
#include "steve-json-private.h"
#include "steve-recording.h"
#include "steve-task-private.h"

#define JOURNAL_MAGIC "STEVE-JOURNAL 1"
#define FORMAT_NAME   "steve-tuner-recording"

struct _SteveRecording
{
  GObject             parent_instance;
  SteveRecordingInfo  info;
  GArray             *samples;
  GArray             *events;
};

G_DEFINE_FINAL_TYPE (SteveRecording, steve_recording, G_TYPE_OBJECT)

/* HDF5 keeps global state: one caller at a time. */
static GMutex hdf5_lock;

/* ------------------------------------------------------------------ basics */

void
steve_recording_event_clear (SteveRecordingEvent *event)
{
  g_clear_pointer (&event->label, g_free);
}

static void
info_clear (SteveRecordingInfo *info)
{
  g_clear_pointer (&info->device_host, g_free);
  g_clear_pointer (&info->start_time, g_date_time_unref);
  g_clear_pointer (&info->end_time, g_date_time_unref);
}

SteveRecording *
steve_recording_new (const SteveRecordingInfo *info)
{
  SteveRecording *self = g_object_new (STEVE_TYPE_RECORDING, NULL);

  if (info)
    {
      self->info.device_host = g_strdup (info->device_host);
      self->info.device_port = info->device_port;
      self->info.dialect = info->dialect;
      self->info.interval_ms = info->interval_ms;
      self->info.start_time = info->start_time ? g_date_time_ref (info->start_time) : NULL;
      self->info.end_time = info->end_time ? g_date_time_ref (info->end_time) : NULL;
      self->info.config_at_start = info->config_at_start;
    }

  if (self->info.start_time == NULL)
    self->info.start_time = g_date_time_new_now_utc ();

  return self;
}

const SteveRecordingInfo *
steve_recording_get_info (SteveRecording *self)
{
  g_return_val_if_fail (STEVE_IS_RECORDING (self), NULL);
  return &self->info;
}

void
steve_recording_set_end_time (SteveRecording *self,
                              GDateTime      *end_time)
{
  g_return_if_fail (STEVE_IS_RECORDING (self));

  g_clear_pointer (&self->info.end_time, g_date_time_unref);
  self->info.end_time = end_time ? g_date_time_ref (end_time) : NULL;
}

void
steve_recording_append_samples (SteveRecording    *self,
                                const SteveSample *samples,
                                guint              n_samples)
{
  g_return_if_fail (STEVE_IS_RECORDING (self));
  g_array_append_vals (self->samples, samples, n_samples);
}

/**
 * steve_recording_append_event:
 *
 * Copies @event (and its label) into the recording.
 */
void
steve_recording_append_event (SteveRecording            *self,
                              const SteveRecordingEvent *event)
{
  SteveRecordingEvent copy;

  g_return_if_fail (STEVE_IS_RECORDING (self));

  copy = *event;
  copy.label = g_strdup (event->label);
  g_array_append_val (self->events, copy);
}

const SteveSample *
steve_recording_get_samples (SteveRecording *self,
                             guint          *n_samples)
{
  g_return_val_if_fail (STEVE_IS_RECORDING (self), NULL);

  if (n_samples)
    *n_samples = self->samples->len;
  return (const SteveSample *) (gpointer) self->samples->data;
}

const SteveRecordingEvent *
steve_recording_get_events (SteveRecording *self,
                            guint          *n_events)
{
  g_return_val_if_fail (STEVE_IS_RECORDING (self), NULL);

  if (n_events)
    *n_events = self->events->len;
  return (const SteveRecordingEvent *) (gpointer) self->events->data;
}

guint
steve_recording_count_events (SteveRecording          *self,
                              SteveRecordingEventKind  kind)
{
  guint n = 0;

  g_return_val_if_fail (STEVE_IS_RECORDING (self), 0);

  for (guint i = 0; i < self->events->len; i++)
    if (g_array_index (self->events, SteveRecordingEvent, i).kind == kind)
      n++;
  return n;
}

guint
steve_recording_get_gap_count (SteveRecording *self)
{
  return steve_recording_count_events (self, STEVE_RECORDING_EVENT_GAP) +
         steve_recording_count_events (self, STEVE_RECORDING_EVENT_RECONNECT_GAP);
}

double
steve_recording_get_gap_ms (SteveRecording *self)
{
  double ms = 0;

  g_return_val_if_fail (STEVE_IS_RECORDING (self), 0);

  for (guint i = 0; i < self->events->len; i++)
    {
      const SteveRecordingEvent *e = &g_array_index (self->events, SteveRecordingEvent, i);

      if (e->kind == STEVE_RECORDING_EVENT_GAP || e->kind == STEVE_RECORDING_EVENT_RECONNECT_GAP)
        ms += e->duration_ms;
    }
  return ms;
}

double
steve_recording_get_duration_s (SteveRecording *self)
{
  g_return_val_if_fail (STEVE_IS_RECORDING (self), 0);

  if (self->info.start_time && self->info.end_time)
    return g_date_time_difference (self->info.end_time, self->info.start_time) / 1e6;

  if (self->samples->len >= 2)
    return (g_array_index (self->samples, SteveSample, self->samples->len - 1).host_time_us -
            g_array_index (self->samples, SteveSample, 0).host_time_us) / 1e6;

  return 0;
}

gboolean
steve_recording_format_from_path (const char           *path,
                                  SteveRecordingFormat *format)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  if (g_str_has_suffix (lower, ".csv"))
    *format = STEVE_RECORDING_FORMAT_CSV;
  else if (g_str_has_suffix (lower, ".json"))
    *format = STEVE_RECORDING_FORMAT_JSON;
  else if (g_str_has_suffix (lower, ".h5") || g_str_has_suffix (lower, ".hdf5"))
    *format = STEVE_RECORDING_FORMAT_HDF5;
  else if (g_str_has_suffix (lower, ".journal"))
    *format = STEVE_RECORDING_FORMAT_JOURNAL;
  else
    return FALSE;

  return TRUE;
}

const char *
steve_recording_format_extension (SteveRecordingFormat format)
{
  switch (format)
    {
    case STEVE_RECORDING_FORMAT_CSV: return ".csv";
    case STEVE_RECORDING_FORMAT_JSON: return ".json";
    case STEVE_RECORDING_FORMAT_HDF5: return ".h5";
    case STEVE_RECORDING_FORMAT_JOURNAL: return ".journal";
    default: return "";
    }
}

/* ------------------------------------------------------------------ metadata */

static void
add_config (JsonBuilder       *b,
            const SteveConfig *config)
{
  json_builder_begin_object (b);
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (steve_config_has (config, i))
      {
        const SteveFieldInfo *info = steve_field_info (i);

        json_builder_set_member_name (b, info->key_firmware ? info->key_firmware : info->key_documented);
        json_builder_add_double_value (b, config->values[i]);
      }
  json_builder_end_object (b);
}

static gboolean
read_config (JsonNode    *node,
             SteveConfig *config)
{
  JsonObject *obj;

  memset (config, 0, sizeof *config);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;

  obj = json_node_get_object (node);
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      const SteveFieldInfo *info = steve_field_info (i);
      const char *key = info->key_firmware ? info->key_firmware : info->key_documented;
      JsonNode *v = json_object_get_member (obj, key);

      if (v && JSON_NODE_HOLDS_VALUE (v) &&
          (json_node_get_value_type (v) == G_TYPE_DOUBLE || json_node_get_value_type (v) == G_TYPE_INT64))
        steve_config_set (config, i, json_node_get_double (v));
    }
  return TRUE;
}

static const char *
event_kind_name (SteveRecordingEventKind kind)
{
  switch (kind)
    {
    case STEVE_RECORDING_EVENT_CONFIG_CHANGE: return "config_change";
    case STEVE_RECORDING_EVENT_GAP: return "gap";
    case STEVE_RECORDING_EVENT_RECONNECT_GAP: return "reconnect_gap";
    case STEVE_RECORDING_EVENT_MARK: return "mark";
    default: return "unknown";
    }
}

static void
add_event (JsonBuilder               *b,
           const SteveRecordingEvent *e)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, event_kind_name (e->kind));
  json_builder_set_member_name (b, "timestamp_ms");
  json_builder_add_int_value (b, e->timestamp_ms);
  json_builder_set_member_name (b, "host_time_us");
  json_builder_add_int_value (b, e->host_time_us);

  switch (e->kind)
    {
    case STEVE_RECORDING_EVENT_CONFIG_CHANGE:
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, e->label ? e->label : "");
      json_builder_set_member_name (b, "before");
      add_config (b, &e->before);
      json_builder_set_member_name (b, "after");
      add_config (b, &e->after);
      break;

    case STEVE_RECORDING_EVENT_GAP:
    case STEVE_RECORDING_EVENT_RECONNECT_GAP:
      json_builder_set_member_name (b, "from_timestamp_ms");
      json_builder_add_int_value (b, e->from_timestamp_ms);
      json_builder_set_member_name (b, "duration_ms");
      json_builder_add_double_value (b, e->duration_ms);
      json_builder_set_member_name (b, "missing");
      json_builder_add_int_value (b, (gint64) e->missing);
      json_builder_set_member_name (b, "device_restarted");
      json_builder_add_boolean_value (b, e->device_restarted);
      break;

    case STEVE_RECORDING_EVENT_MARK:
      json_builder_set_member_name (b, "label");
      json_builder_add_string_value (b, e->label ? e->label : "");
      break;

    default:
      break;
    }

  json_builder_end_object (b);
}

static gboolean
read_event (JsonNode            *node,
            SteveRecordingEvent *e,
            GError             **error)
{
  JsonObject *obj;
  const char *type;

  memset (e, 0, sizeof *e);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    goto bad;
  obj = json_node_get_object (node);
  type = steve_json_string (obj, "type", "");

  if (g_str_equal (type, "config_change"))
    e->kind = STEVE_RECORDING_EVENT_CONFIG_CHANGE;
  else if (g_str_equal (type, "gap"))
    e->kind = STEVE_RECORDING_EVENT_GAP;
  else if (g_str_equal (type, "reconnect_gap"))
    e->kind = STEVE_RECORDING_EVENT_RECONNECT_GAP;
  else if (g_str_equal (type, "mark"))
    e->kind = STEVE_RECORDING_EVENT_MARK;
  else
    goto bad;

  e->timestamp_ms = (guint32) steve_json_int (obj, "timestamp_ms", 0);
  e->host_time_us = steve_json_int (obj, "host_time_us", 0);
  e->from_timestamp_ms = (guint32) steve_json_int (obj, "from_timestamp_ms", 0);
  e->duration_ms = steve_json_double (obj, "duration_ms", 0);
  e->missing = (guint64) steve_json_int (obj, "missing", 0);
  e->device_restarted = steve_json_boolean (obj, "device_restarted", FALSE);
  read_config (json_object_get_member (obj, "before"), &e->before);
  read_config (json_object_get_member (obj, "after"), &e->after);
  if (json_object_has_member (obj, "label"))
    e->label = g_strdup (steve_json_string (obj, "label", ""));
  else if (json_object_has_member (obj, "summary"))
    e->label = g_strdup (steve_json_string (obj, "summary", ""));
  return TRUE;

bad:
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The recording’s metadata holds an event this version cannot read."));
  return FALSE;
}

static const char *
dialect_name (SteveDialect dialect)
{
  switch (dialect)
    {
    case STEVE_DIALECT_FIRMWARE: return "firmware";
    case STEVE_DIALECT_DOCUMENTED: return "documented";
    default: return "unknown";
    }
}

static JsonNode *
build_metadata (SteveRecording *self,
                gboolean        with_end)
{
  g_autoptr(JsonBuilder) b = json_builder_new_immutable ();
  g_autofree char *start = self->info.start_time ? g_date_time_format_iso8601 (self->info.start_time) : NULL;
  g_autofree char *end = self->info.end_time ? g_date_time_format_iso8601 (self->info.end_time) : NULL;
  guint64 gap_samples = 0;

  for (guint i = 0; i < self->events->len; i++)
    {
      const SteveRecordingEvent *e = &g_array_index (self->events, SteveRecordingEvent, i);
      if (e->kind == STEVE_RECORDING_EVENT_GAP || e->kind == STEVE_RECORDING_EVENT_RECONNECT_GAP)
        gap_samples += e->missing;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, FORMAT_NAME);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "device_host");
  json_builder_add_string_value (b, self->info.device_host ? self->info.device_host : "");
  json_builder_set_member_name (b, "device_port");
  json_builder_add_int_value (b, self->info.device_port);
  json_builder_set_member_name (b, "dialect");
  json_builder_add_string_value (b, dialect_name (self->info.dialect));
  json_builder_set_member_name (b, "interval_ms");
  json_builder_add_int_value (b, self->info.interval_ms);
  json_builder_set_member_name (b, "start_time");
  json_builder_add_string_value (b, start ? start : "");
  json_builder_set_member_name (b, "config_at_start");
  add_config (b, &self->info.config_at_start);

  if (with_end)
    {
      json_builder_set_member_name (b, "end_time");
      json_builder_add_string_value (b, end ? end : "");
      json_builder_set_member_name (b, "duration_s");
      json_builder_add_double_value (b, steve_recording_get_duration_s (self));
      json_builder_set_member_name (b, "sample_count");
      json_builder_add_int_value (b, self->samples->len);
      json_builder_set_member_name (b, "gap_count");
      json_builder_add_int_value (b, steve_recording_get_gap_count (self));
      json_builder_set_member_name (b, "gap_time_ms");
      json_builder_add_double_value (b, steve_recording_get_gap_ms (self));
      json_builder_set_member_name (b, "gap_samples");
      json_builder_add_int_value (b, (gint64) gap_samples);
      json_builder_set_member_name (b, "config_change_count");
      json_builder_add_int_value (b, steve_recording_count_events (self, STEVE_RECORDING_EVENT_CONFIG_CHANGE));
      json_builder_set_member_name (b, "events");
      json_builder_begin_array (b);
      for (guint i = 0; i < self->events->len; i++)
        add_event (b, &g_array_index (self->events, SteveRecordingEvent, i));
      json_builder_end_array (b);
    }

  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();

  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

/**
 * steve_recording_metadata_to_json:
 *
 * Returns: (transfer full): the metadata object as JSON text: device,
 *   dialect, start/end time, duration, sample and gap counts, gap time,
 *   the config at start and every event
 */
char *
steve_recording_metadata_to_json (SteveRecording *self)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (STEVE_IS_RECORDING (self), NULL);

  node = build_metadata (self, TRUE);
  return node_to_string (node);
}

static gboolean
apply_metadata (SteveRecording  *self,
                JsonNode        *node,
                gboolean         with_events,
                GError         **error)
{
  JsonObject *obj;
  const char *text;
  JsonNode *events;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The recording’s metadata is not a JSON object."));
      return FALSE;
    }
  obj = json_node_get_object (node);

  if (g_strcmp0 (steve_json_string (obj, "format", ""), FORMAT_NAME) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("This file was not written by Steve Tuner (its metadata has no “format” of a Steve Tuner recording)."));
      return FALSE;
    }

  g_free (self->info.device_host);
  self->info.device_host = g_strdup (steve_json_string (obj, "device_host", ""));
  self->info.device_port = (guint) steve_json_int (obj, "device_port", 0);
  text = steve_json_string (obj, "dialect", "");
  self->info.dialect = g_str_equal (text, "firmware") ? STEVE_DIALECT_FIRMWARE
                     : g_str_equal (text, "documented") ? STEVE_DIALECT_DOCUMENTED : STEVE_DIALECT_UNKNOWN;
  self->info.interval_ms = (guint) steve_json_int (obj, "interval_ms", 0);

  text = steve_json_string (obj, "start_time", "");
  g_clear_pointer (&self->info.start_time, g_date_time_unref);
  self->info.start_time = g_date_time_new_from_iso8601 (text, NULL);
  text = steve_json_string (obj, "end_time", "");
  g_clear_pointer (&self->info.end_time, g_date_time_unref);
  self->info.end_time = text[0] ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  read_config (json_object_get_member (obj, "config_at_start"), &self->info.config_at_start);

  events = json_object_get_member (obj, "events");
  if (with_events && events && JSON_NODE_HOLDS_ARRAY (events))
    {
      JsonArray *array = json_node_get_array (events);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          SteveRecordingEvent e;

          if (!read_event (json_array_get_element (array, i), &e, error))
            return FALSE;
          g_array_append_val (self->events, e);
        }
    }

  return TRUE;
}

/* ------------------------------------------------------------------ atomic files */

typedef gboolean (*StreamWriter) (SteveRecording *self, FILE *file, GError **error);

static gboolean
io_error (GError     **error,
          const char  *path,
          int          saved_errno)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               /* Translators: “Could not write “/x/run.csv”: No space left on device” */
               _("Could not write “%s”: %s"), path, g_strerror (saved_errno));
  return FALSE;
}

static char *
temp_name_for (const char  *path,
               int         *fd,
               GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  char *tmpl = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);

  *fd = g_mkstemp_full (tmpl, O_RDWR | O_CLOEXEC, 0644);
  if (*fd < 0)
    {
      int saved = errno;
      g_free (tmpl);
      io_error (error, path, saved);
      return NULL;
    }
  return tmpl;
}

static gboolean
commit_temp (const char  *tmp,
             const char  *path,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      return io_error (error, path, saved);
    }

  /* make the new name itself durable */
  fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  return TRUE;
}

static gboolean
write_atomically (SteveRecording  *self,
                  const char      *path,
                  StreamWriter     writer,
                  GError         **error)
{
  g_autofree char *tmp = NULL;
  FILE *file;
  int fd;
  gboolean ok;

  tmp = temp_name_for (path, &fd, error);
  if (tmp == NULL)
    return FALSE;

  file = fdopen (fd, "w");
  if (file == NULL)
    {
      int saved = errno;
      close (fd);
      g_unlink (tmp);
      return io_error (error, path, saved);
    }
  setvbuf (file, NULL, _IOFBF, 1 << 20);

  ok = writer (self, file, error);

  if (ok && (fflush (file) != 0 || fsync (fileno (file)) != 0 || ferror (file)))
    ok = io_error (error, path, errno ? errno : EIO);
  if (fclose (file) != 0 && ok)
    ok = io_error (error, path, errno);

  if (!ok)
    {
      g_unlink (tmp);
      return FALSE;
    }

  return commit_temp (tmp, path, error);
}

/* ------------------------------------------------------------------ CSV */

static const char csv_header[] =
  "time_s,host_time_us,timestamp_ms,t_us,loop_time_us,seq,position_turns,position_deg,"
  "torque_nm,filt_torque_nm,status,omega_rad_s,passivity_mj,quiet,err,hb_age,data_valid";
#define CSV_COLUMNS 17

static void
append_double (GString *s,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

static void
append_sample_csv (GString           *s,
                   const SteveSample *x,
                   gint64             t0)
{
  append_double (s, (x->host_time_us - t0) / 1e6);
  g_string_append_printf (s, ",%" G_GINT64_FORMAT ",%u,%" G_GUINT64_FORMAT ",%u,%u,",
                          x->host_time_us, x->timestamp_ms, x->t_us, x->loop_time_us, x->seq);
  append_double (s, x->position_turns);
  g_string_append_c (s, ',');
  append_double (s, x->position_deg);
  g_string_append_c (s, ',');
  append_double (s, x->torque_nm);
  g_string_append_c (s, ',');
  append_double (s, x->filt_torque_nm);
  g_string_append_printf (s, ",%s,", steve_valve_state_to_stream_string (x->status));
  append_double (s, x->omega_rad_s);
  g_string_append_printf (s, ",%d,%s,%u,%u,%s\n", x->passivity_mj, x->quiet ? "true" : "false",
                          x->err, x->hb_age, x->data_valid ? "true" : "false");
}

static gboolean
write_csv (SteveRecording  *self,
           FILE            *file,
           GError         **error)
{
  g_autofree char *meta = steve_recording_metadata_to_json (self);
  g_autoptr(GString) s = g_string_sized_new (1 << 16);
  gint64 t0 = self->samples->len ? g_array_index (self->samples, SteveSample, 0).host_time_us : 0;

  g_string_append_printf (s, "# Steve Tuner recording\n# metadata: %s\n%s\n", meta, csv_header);

  for (guint i = 0; i < self->samples->len; i++)
    {
      append_sample_csv (s, &g_array_index (self->samples, SteveSample, i), t0);
      if (s->len > (1 << 16) - 512)
        {
          if (fwrite (s->str, 1, s->len, file) != s->len)
            return FALSE;
          g_string_truncate (s, 0);
        }
    }

  return fwrite (s->str, 1, s->len, file) == s->len;
}

static gboolean
parse_status (const char *text,
              guint8     *out)
{
  if (g_str_equal (text, "RUNNING")) *out = STEVE_VALVE_STATE_RUNNING;
  else if (g_str_equal (text, "IDLE")) *out = STEVE_VALVE_STATE_IDLE;
  else if (g_str_equal (text, "ERROR")) *out = STEVE_VALVE_STATE_ERROR;
  else if (g_str_equal (text, "NO_DATA")) *out = STEVE_VALVE_STATE_NO_DATA;
  else return FALSE;
  return TRUE;
}

static gboolean
parse_bool (const char *text,
            guint8     *out)
{
  if (g_str_equal (text, "true") || g_str_equal (text, "1")) *out = TRUE;
  else if (g_str_equal (text, "false") || g_str_equal (text, "0")) *out = FALSE;
  else return FALSE;
  return TRUE;
}

static gboolean
parse_double_text (const char *text,
                   double     *out)
{
  char *end = NULL;

  if (text[0] == '\0')
    return FALSE;
  *out = g_ascii_strtod (text, &end);
  return *end == '\0' && isfinite (*out);
}

static gboolean
parse_int_text (const char *text,
                gint64      min,
                guint64     max,
                gint64     *out_signed,
                guint64    *out_unsigned)
{
  char *end = NULL;

  if (text[0] == '\0')
    return FALSE;

  if (text[0] == '-')
    {
      gint64 v;

      errno = 0;
      v = g_ascii_strtoll (text, &end, 10);
      if (*end != '\0' || v < min || errno == ERANGE)
        return FALSE;
      if (out_signed)
        *out_signed = v;
      if (out_unsigned)
        return FALSE;
      return TRUE;
    }

  {
    guint64 v;

    errno = 0;
    v = g_ascii_strtoull (text, &end, 10);
    if (*end != '\0' || v > max || errno == ERANGE)
      return FALSE;
    if (out_signed)
      *out_signed = (gint64) v;
    if (out_unsigned)
      *out_unsigned = v;
  }
  return TRUE;
}

/* Fills @s from the CSV fields. Returns the 0-based bad column, or -1. */
static int
sample_from_fields (char        **f,
                    SteveSample  *s)
{
  gint64 i64;
  guint64 u64;

  memset (s, 0, sizeof *s);
  if (!parse_int_text (f[1], G_MININT64, G_MAXINT64, &i64, NULL)) return 1;
  s->host_time_us = i64;
  if (!parse_int_text (f[2], 0, G_MAXUINT32, NULL, &u64)) return 2;
  s->timestamp_ms = (guint32) u64;
  if (!parse_int_text (f[3], 0, G_MAXUINT64, NULL, &u64)) return 3;
  s->t_us = u64;
  if (!parse_int_text (f[4], 0, G_MAXUINT32, NULL, &u64)) return 4;
  s->loop_time_us = (guint32) u64;
  if (!parse_int_text (f[5], 0, G_MAXUINT32, NULL, &u64)) return 5;
  s->seq = (guint32) u64;
  if (!parse_double_text (f[6], &s->position_turns)) return 6;
  if (!parse_double_text (f[7], &s->position_deg)) return 7;
  if (!parse_double_text (f[8], &s->torque_nm)) return 8;
  if (!parse_double_text (f[9], &s->filt_torque_nm)) return 9;
  if (!parse_status (f[10], &s->status)) return 10;
  if (!parse_double_text (f[11], &s->omega_rad_s)) return 11;
  if (!parse_int_text (f[12], G_MININT32, G_MAXINT32, &i64, NULL)) return 12;
  s->passivity_mj = (gint32) i64;
  if (!parse_bool (f[13], &s->quiet)) return 13;
  if (!parse_int_text (f[14], 0, G_MAXUINT32, NULL, &u64)) return 14;
  s->err = (guint32) u64;
  if (!parse_int_text (f[15], 0, G_MAXUINT32, NULL, &u64)) return 15;
  s->hb_age = (guint32) u64;
  if (!parse_bool (f[16], &s->data_valid)) return 16;
  s->present = STEVE_SAMPLE_ALL_FIELDS;
  return -1;
}

static gboolean
load_csv (SteveRecording  *self,
          const char      *path,
          GError         **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) header = NULL;
  char *p, *line;
  guint lineno = 0;
  gboolean have_meta = FALSE, have_header = FALSE;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;

  p = contents;
  while ((line = p) != NULL && *line)
    {
      char *nl = strchr (line, '\n');
      g_auto(GStrv) fields = NULL;
      SteveSample s;
      int bad;

      p = nl ? nl + 1 : NULL;
      if (nl)
        *nl = '\0';
      if (nl > line && nl[-1] == '\r')
        nl[-1] = '\0';
      lineno++;

      if (line[0] == '\0')
        continue;

      if (line[0] == '#')
        {
          if (g_str_has_prefix (line, "# metadata: "))
            {
              g_autoptr(JsonParser) parser = json_parser_new_immutable ();

              if (!steve_json_parser_load (parser, line + 12, -1, &local_error) ||
                  !apply_metadata (self, json_parser_get_root (parser), TRUE, &local_error))
                {
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("Line %u of “%s” holds unreadable metadata: %s"), lineno, path, local_error->message);
                  return FALSE;
                }
              have_meta = TRUE;
            }
          continue;
        }

      if (!have_header)
        {
          if (!g_str_equal (line, csv_header))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("“%s” is not a Steve Tuner CSV recording: line %u is not its column header."), path, lineno);
              return FALSE;
            }
          have_header = TRUE;
          header = g_strsplit (csv_header, ",", -1);
          continue;
        }

      fields = g_strsplit (line, ",", -1);
      if (g_strv_length (fields) != CSV_COLUMNS)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Line %u of “%s” has %u columns instead of %u."), lineno, path,
                       g_strv_length (fields), CSV_COLUMNS);
          return FALSE;
        }

      bad = sample_from_fields (fields, &s);
      if (bad >= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Line %u of “%s”: “%s” is not a valid %s."), lineno, path, fields[bad], header[bad]);
          return FALSE;
        }
      g_array_append_val (self->samples, s);
    }

  if (!have_meta || !have_header)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not a Steve Tuner CSV recording (no metadata or column header)."), path);
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------ JSON */

static void
append_sample_json (GString           *s,
                    const SteveSample *x)
{
  g_string_append_printf (s, "{\"timestamp_ms\":%u,\"t_us\":%" G_GUINT64_FORMAT ",\"loop_time_us\":%u,\"seq\":%u,\"position_turns\":",
                          x->timestamp_ms, x->t_us, x->loop_time_us, x->seq);
  append_double (s, x->position_turns);
  g_string_append (s, ",\"position_deg\":");
  append_double (s, x->position_deg);
  g_string_append (s, ",\"torque_nm\":");
  append_double (s, x->torque_nm);
  g_string_append (s, ",\"filt_torque_nm\":");
  append_double (s, x->filt_torque_nm);
  g_string_append_printf (s, ",\"status\":\"%s\",\"omega_rad_s\":", steve_valve_state_to_stream_string (x->status));
  append_double (s, x->omega_rad_s);
  g_string_append_printf (s, ",\"passivity_mj\":%d,\"quiet\":%s,\"err\":%u,\"hb_age\":%u,\"data_valid\":%s,\"host_time_us\":%" G_GINT64_FORMAT "}",
                          x->passivity_mj, x->quiet ? "true" : "false", x->err, x->hb_age,
                          x->data_valid ? "true" : "false", x->host_time_us);
}

static gboolean
write_json (SteveRecording  *self,
            FILE            *file,
            GError         **error)
{
  g_autofree char *meta = steve_recording_metadata_to_json (self);
  g_autoptr(GString) s = g_string_sized_new (1 << 16);

  /* the upstream client's layout: {"samples": […], "metadata": {…}} */
  g_string_append (s, "{\"samples\":[");
  for (guint i = 0; i < self->samples->len; i++)
    {
      if (i)
        g_string_append_c (s, ',');
      g_string_append (s, "\n ");
      append_sample_json (s, &g_array_index (self->samples, SteveSample, i));
      if (s->len > (1 << 16) - 1024)
        {
          if (fwrite (s->str, 1, s->len, file) != s->len)
            return FALSE;
          g_string_truncate (s, 0);
        }
    }
  g_string_append_printf (s, "\n],\n\"metadata\":%s}\n", meta);
  return fwrite (s->str, 1, s->len, file) == s->len;
}

static gboolean
sample_from_json (JsonObject  *o,
                  SteveSample *s)
{
  static const char * const keys[] = {
    "timestamp_ms", "t_us", "loop_time_us", "seq", "position_turns", "position_deg", "torque_nm",
    "filt_torque_nm", "status", "omega_rad_s", "passivity_mj", "quiet", "err", "hb_age", "data_valid",
  };
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(GString) line = g_string_new ("{");
  SteveStreamLine parsed;

  /* re-use the telemetry parser: one definition of a sample's keys and types */
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      JsonNode *n = json_object_get_member (o, keys[i]);
      g_autofree char *text = NULL;

      if (n == NULL)
        return FALSE;
      json_generator_set_root (gen, n);
      text = json_generator_to_data (gen, NULL);
      g_string_append_printf (line, "%s\"%s\":%s", i ? "," : "", keys[i], text);
    }
  g_string_append_c (line, '}');

  if (!steve_telemetry_parse_line (line->str, line->len, &parsed, NULL) || parsed.kind != STEVE_LINE_SAMPLE)
    return FALSE;

  *s = parsed.sample;
  s->host_time_us = steve_json_int (o, "host_time_us", 0);
  return TRUE;
}

static gboolean
load_json (SteveRecording  *self,
           const char      *path,
           GError         **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;
  JsonObject *obj;
  JsonNode *samples;
  JsonArray *array;

  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_file_error (local_error->code),
                   _("Could not read “%s”: %s"), path, local_error->message);
      return FALSE;
    }

  /* one JSON value, checked before json-glib sees it (see steve-json-private.h) */
  if (!steve_json_parser_load (parser,
                               /* an empty file maps to NULL */
                               g_mapped_file_get_length (mapped) > 0 ? g_mapped_file_get_contents (mapped) : "",
                               (gssize) g_mapped_file_get_length (mapped), &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not valid JSON: %s"), path, local_error->message);
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not a Steve Tuner JSON recording (no top-level object)."), path);
      return FALSE;
    }
  obj = json_node_get_object (root);

  if (!apply_metadata (self, json_object_get_member (obj, "metadata"), TRUE, error))
    return FALSE;

  samples = json_object_get_member (obj, "samples");
  if (samples == NULL || !JSON_NODE_HOLDS_ARRAY (samples))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” has no “samples” array."), path);
      return FALSE;
    }

  array = json_node_get_array (samples);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *n = json_array_get_element (array, i);
      SteveSample s;

      if (!JSON_NODE_HOLDS_OBJECT (n) || !sample_from_json (json_node_get_object (n), &s))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Sample %u of “%s” is missing a field or has one of the wrong type."), i, path);
          return FALSE;
        }
      g_array_append_val (self->samples, s);
    }

  return TRUE;
}

/* ------------------------------------------------------------------ HDF5 */

typedef enum { COL_F64, COL_I64, COL_U64, COL_U32, COL_I32, COL_U8 } ColType;

static const struct
{
  const char *name;
  ColType     type;
  gsize       offset;
} hdf5_columns[] = {
  { "host_time_us", COL_I64, G_STRUCT_OFFSET (SteveSample, host_time_us) },
  { "timestamp_ms", COL_U32, G_STRUCT_OFFSET (SteveSample, timestamp_ms) },
  { "t_us", COL_U64, G_STRUCT_OFFSET (SteveSample, t_us) },
  { "loop_time_us", COL_U32, G_STRUCT_OFFSET (SteveSample, loop_time_us) },
  { "seq", COL_U32, G_STRUCT_OFFSET (SteveSample, seq) },
  { "position_turns", COL_F64, G_STRUCT_OFFSET (SteveSample, position_turns) },
  { "position_deg", COL_F64, G_STRUCT_OFFSET (SteveSample, position_deg) },
  { "torque_nm", COL_F64, G_STRUCT_OFFSET (SteveSample, torque_nm) },
  { "filt_torque_nm", COL_F64, G_STRUCT_OFFSET (SteveSample, filt_torque_nm) },
  { "status", COL_U8, G_STRUCT_OFFSET (SteveSample, status) },
  { "omega_rad_s", COL_F64, G_STRUCT_OFFSET (SteveSample, omega_rad_s) },
  { "passivity_mj", COL_I32, G_STRUCT_OFFSET (SteveSample, passivity_mj) },
  { "quiet", COL_U8, G_STRUCT_OFFSET (SteveSample, quiet) },
  { "err", COL_U32, G_STRUCT_OFFSET (SteveSample, err) },
  { "hb_age", COL_U32, G_STRUCT_OFFSET (SteveSample, hb_age) },
  { "data_valid", COL_U8, G_STRUCT_OFFSET (SteveSample, data_valid) },
};

static hid_t
col_h5type (ColType t)
{
  switch (t)
    {
    case COL_F64: return H5T_NATIVE_DOUBLE;
    case COL_I64: return H5T_NATIVE_INT64;
    case COL_U64: return H5T_NATIVE_UINT64;
    case COL_U32: return H5T_NATIVE_UINT32;
    case COL_I32: return H5T_NATIVE_INT32;
    case COL_U8: return H5T_NATIVE_UINT8;
    default: g_assert_not_reached ();
    }
}

static gsize
col_size (ColType t)
{
  switch (t)
    {
    case COL_F64: case COL_I64: case COL_U64: return 8;
    case COL_U32: case COL_I32: return 4;
    case COL_U8: return 1;
    default: g_assert_not_reached ();
    }
}

static gboolean
hdf5_failed (GError     **error,
             const char  *path,
             const char  *what)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               /* Translators: “The HDF5 library could not write the samples of “x.h5”.” */
               _("The HDF5 library could not %s “%s”."), what, path);
  return FALSE;
}

static gboolean
write_hdf5_locked (SteveRecording  *self,
                   const char      *tmp,
                   const char      *path,
                   GError         **error)
{
  g_autofree char *meta = steve_recording_metadata_to_json (self);
  hsize_t n = self->samples->len;
  hid_t fapl, file, group, space, str_type, attr_space, attr;
  gboolean ok = TRUE;

  /* The metadata attribute outgrows 64 KiB when there are many events:
   * only the 1.8 file format (dense attribute storage) can hold that. */
  fapl = H5Pcreate (H5P_FILE_ACCESS);
  H5Pset_libver_bounds (fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
  file = H5Fcreate (tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose (fapl);
  if (file < 0)
    return hdf5_failed (error, path, _("create"));

  group = H5Gcreate2 (file, "samples", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  space = H5Screate_simple (1, &n, NULL);

  for (guint c = 0; ok && c < G_N_ELEMENTS (hdf5_columns); c++)
    {
      gsize size = col_size (hdf5_columns[c].type);
      g_autofree guint8 *column = g_malloc (MAX (1, n * size));
      hid_t dset;

      for (hsize_t i = 0; i < n; i++)
        memcpy (column + i * size,
                (const guint8 *) &g_array_index (self->samples, SteveSample, i) + hdf5_columns[c].offset,
                size);

      dset = H5Dcreate2 (group, hdf5_columns[c].name, col_h5type (hdf5_columns[c].type), space,
                         H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      if (dset < 0 ||
          (n > 0 && H5Dwrite (dset, col_h5type (hdf5_columns[c].type), H5S_ALL, H5S_ALL, H5P_DEFAULT, column) < 0))
        ok = hdf5_failed (error, path, _("write the samples of"));
      if (dset >= 0)
        H5Dclose (dset);
    }

  /* the metadata, events included, as one JSON string attribute */
  str_type = H5Tcopy (H5T_C_S1);
  H5Tset_size (str_type, strlen (meta) + 1);
  H5Tset_strpad (str_type, H5T_STR_NULLTERM);
  attr_space = H5Screate (H5S_SCALAR);
  attr = H5Acreate2 (file, "metadata", str_type, attr_space, H5P_DEFAULT, H5P_DEFAULT);
  if (ok && (attr < 0 || H5Awrite (attr, str_type, meta) < 0))
    ok = hdf5_failed (error, path, _("write the metadata of"));
  if (attr >= 0)
    H5Aclose (attr);
  H5Sclose (attr_space);
  H5Tclose (str_type);

  H5Sclose (space);
  H5Gclose (group);
  if (H5Fclose (file) < 0 && ok)
    ok = hdf5_failed (error, path, _("finish"));

  return ok;
}

static gboolean
write_hdf5 (SteveRecording  *self,
            const char      *path,
            GError         **error)
{
  g_autofree char *tmp = NULL;
  int fd;
  gboolean ok;

  tmp = temp_name_for (path, &fd, error);
  if (tmp == NULL)
    return FALSE;
  close (fd);

  g_mutex_lock (&hdf5_lock);
  H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
  ok = write_hdf5_locked (self, tmp, path, error);
  g_mutex_unlock (&hdf5_lock);

  if (!ok)
    {
      g_unlink (tmp);
      return FALSE;
    }

  /* make the data durable before the name appears */
  fd = g_open (tmp, O_RDONLY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }

  return commit_temp (tmp, path, error);
}

static gboolean
load_hdf5_locked (SteveRecording  *self,
                  const char      *path,
                  GError         **error)
{
  hid_t file, group = -1, attr = -1, atype = -1, space = -1;
  hsize_t n = 0;
  g_autofree char *meta = NULL;
  gboolean ok = FALSE;
  size_t meta_len;

  if (H5Fis_hdf5 (path) <= 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” is not an HDF5 file."), path);
      return FALSE;
    }

  file = H5Fopen (path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    return hdf5_failed (error, path, _("open"));

  attr = H5Aopen (file, "metadata", H5P_DEFAULT);
  if (attr < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not a Steve Tuner HDF5 recording (no metadata attribute)."), path);
      goto out;
    }
  atype = H5Aget_type (attr);
  meta_len = H5Tget_size (atype);
  if (H5Tget_class (atype) != H5T_STRING || meta_len == 0 || meta_len > (64u << 20) || H5Tis_variable_str (atype) > 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The metadata of “%s” is not a fixed-length string."), path);
      goto out;
    }
  meta = g_malloc0 (meta_len + 1);
  if (H5Aread (attr, atype, meta) < 0)
    {
      hdf5_failed (error, path, _("read the metadata of"));
      goto out;
    }

  {
    g_autoptr(JsonParser) parser = json_parser_new_immutable ();
    g_autoptr(GError) local_error = NULL;

    if (!steve_json_parser_load (parser, meta, -1, &local_error) ||
        !apply_metadata (self, json_parser_get_root (parser), TRUE, &local_error))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     _("The metadata of “%s” is unreadable: %s"), path, local_error->message);
        goto out;
      }
  }

  group = H5Gopen2 (file, "samples", H5P_DEFAULT);
  if (group < 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("“%s” has no “samples” group."), path);
      goto out;
    }

  for (guint c = 0; c < G_N_ELEMENTS (hdf5_columns); c++)
    {
      gsize size = col_size (hdf5_columns[c].type);
      hid_t dset = H5Dopen2 (group, hdf5_columns[c].name, H5P_DEFAULT);
      g_autofree guint8 *column = NULL;
      hsize_t dims = 0;

      if (dset < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("“%s” has no “samples/%s” dataset."), path, hdf5_columns[c].name);
          goto out;
        }

      space = H5Dget_space (dset);
      if (H5Sget_simple_extent_ndims (space) != 1 || H5Sget_simple_extent_dims (space, &dims, NULL) < 0 ||
          (c > 0 && dims != n) || dims > (1ull << 31))
        {
          H5Sclose (space);
          space = -1;
          H5Dclose (dset);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The dataset “samples/%s” of “%s” does not have one value per sample."), hdf5_columns[c].name, path);
          goto out;
        }
      H5Sclose (space);
      space = -1;

      if (c == 0)
        {
          n = dims;
          g_array_set_size (self->samples, (guint) n);
          for (hsize_t i = 0; i < n; i++)
            g_array_index (self->samples, SteveSample, i).present = STEVE_SAMPLE_ALL_FIELDS;
        }

      column = g_malloc (MAX (1, n * size));
      if (n > 0 && H5Dread (dset, col_h5type (hdf5_columns[c].type), H5S_ALL, H5S_ALL, H5P_DEFAULT, column) < 0)
        {
          H5Dclose (dset);
          hdf5_failed (error, path, _("read the samples of"));
          goto out;
        }
      H5Dclose (dset);

      for (hsize_t i = 0; i < n; i++)
        memcpy ((guint8 *) &g_array_index (self->samples, SteveSample, i) + hdf5_columns[c].offset,
                column + i * size, size);
    }

  ok = TRUE;

out:
  if (group >= 0)
    H5Gclose (group);
  if (atype >= 0)
    H5Tclose (atype);
  if (attr >= 0)
    H5Aclose (attr);
  H5Fclose (file);
  return ok;
}

/* ------------------------------------------------------------------ journal */

/**
 * steve_recording_journal_header:
 *
 * The first lines of a journal: the magic and the metadata known at start.
 */
void
steve_recording_journal_header (SteveRecording *self,
                                GString        *out)
{
  g_autoptr(JsonNode) node = build_metadata (self, FALSE);
  g_autofree char *meta = node_to_string (node);

  g_string_append_printf (out, "%s\nM %s\n", JOURNAL_MAGIC, meta);
}

/**
 * steve_recording_journal_sample:
 *
 * One journal line for @sample (space-separated, every field, exact).
 */
void
steve_recording_journal_sample (const SteveSample *x,
                                GString           *out)
{
  char a[40], b[40], c[40], d[40], e[40];

  steve_telemetry_format_fixed (x->position_turns, 6, FALSE, a, sizeof a);
  steve_telemetry_format_fixed (x->position_deg, 6, FALSE, b, sizeof b);
  steve_telemetry_format_fixed (x->torque_nm, 6, FALSE, c, sizeof c);
  steve_telemetry_format_fixed (x->filt_torque_nm, 6, FALSE, d, sizeof d);
  steve_telemetry_format_fixed (x->omega_rad_s, 6, FALSE, e, sizeof e);

  g_string_append_printf (out, "S %" G_GINT64_FORMAT " %u %" G_GUINT64_FORMAT " %u %u %s %s %s %s %u %s %d %u %u %u %u %u\n",
                          x->host_time_us, x->timestamp_ms, x->t_us, x->loop_time_us, x->seq,
                          a, b, c, d, x->status, e, x->passivity_mj, x->quiet, x->err, x->hb_age,
                          x->data_valid, x->present);
}

void
steve_recording_journal_event (const SteveRecordingEvent *event,
                               GString                   *out)
{
  g_autoptr(JsonBuilder) b = json_builder_new_immutable ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  add_event (b, event);
  node = json_builder_get_root (b);
  text = node_to_string (node);
  g_string_append_printf (out, "E %s\n", text);
}

void
steve_recording_journal_end (SteveRecording *self,
                             GString        *out)
{
  g_autoptr(JsonNode) node = build_metadata (self, FALSE);
  g_autofree char *end = self->info.end_time ? g_date_time_format_iso8601 (self->info.end_time) : g_strdup ("");
  g_autofree char *meta = NULL;

  json_object_set_string_member (json_node_get_object (node), "end_time", end);
  meta = node_to_string (node);
  g_string_append_printf (out, "END %s\n", meta);
}

static gboolean
journal_sample (const char  *line,
                SteveSample *x)
{
  gint64 host;
  guint64 t_us;
  guint ts, loop, seq, status, quiet, err, hb, valid, present;
  int passivity;
  char a[40], b[40], c[40], d[40], e[40];
  char tail;

  if (sscanf (line, "S %" G_GINT64_FORMAT " %u %" G_GUINT64_FORMAT " %u %u %39s %39s %39s %39s %u %39s %d %u %u %u %u %u%c",
              &host, &ts, &t_us, &loop, &seq, a, b, c, d, &status, e, &passivity, &quiet, &err, &hb,
              &valid, &present, &tail) != 17)
    return FALSE;

  memset (x, 0, sizeof *x);
  x->host_time_us = host;
  x->timestamp_ms = ts;
  x->t_us = t_us;
  x->loop_time_us = loop;
  x->seq = seq;
  x->status = (guint8) status;
  x->passivity_mj = passivity;
  x->quiet = quiet != 0;
  x->err = err;
  x->hb_age = hb;
  x->data_valid = valid != 0;
  x->present = (guint16) present;

  return parse_double_text (a, &x->position_turns) && parse_double_text (b, &x->position_deg) &&
         parse_double_text (c, &x->torque_nm) && parse_double_text (d, &x->filt_torque_nm) &&
         parse_double_text (e, &x->omega_rad_s) && status <= STEVE_VALVE_STATE_UNKNOWN;
}

/* Reads a journal, complete or cut short by a crash: a torn last line is
 * dropped, everything before it is kept. */
static gboolean
load_journal (SteveRecording  *self,
              const char      *path,
              GError         **error)
{
  g_autofree char *contents = NULL;
  char *p;
  guint lineno = 0;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, error))
    return FALSE;

  if (!g_str_has_prefix (contents, JOURNAL_MAGIC "\n"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("“%s” is not a Steve Tuner journal."), path);
      return FALSE;
    }

  p = contents;
  while (p && *p)
    {
      char *nl = strchr (p, '\n');
      char *line = p;

      if (nl == NULL)
        break;            /* torn last line from a crash */
      *nl = '\0';
      p = nl + 1;
      lineno++;

      if (lineno == 1)
        continue;

      if (line[0] == 'S' && line[1] == ' ')
        {
          SteveSample s;

          if (!journal_sample (line, &s))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Line %u of the journal “%s” is not a valid sample."), lineno, path);
              return FALSE;
            }
          g_array_append_val (self->samples, s);
        }
      else if (line[0] == 'E' && line[1] == ' ')
        {
          g_autoptr(JsonParser) parser = json_parser_new_immutable ();
          SteveRecordingEvent e;

          if (!steve_json_parser_load (parser, line + 2, -1, NULL) ||
              !read_event (json_parser_get_root (parser), &e, NULL))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Line %u of the journal “%s” is not a valid event."), lineno, path);
              return FALSE;
            }
          g_array_append_val (self->events, e);
        }
      else if ((line[0] == 'M' && line[1] == ' ') || g_str_has_prefix (line, "END "))
        {
          g_autoptr(JsonParser) parser = json_parser_new_immutable ();
          g_autoptr(GError) local_error = NULL;
          const char *json = line[0] == 'M' ? line + 2 : line + 4;

          if (!steve_json_parser_load (parser, json, -1, &local_error) ||
              !apply_metadata (self, json_parser_get_root (parser), FALSE, &local_error))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Line %u of the journal “%s” holds unreadable metadata: %s"), lineno, path,
                           local_error->message);
              return FALSE;
            }
        }
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("Line %u of the journal “%s” is of an unknown kind."), lineno, path);
          return FALSE;
        }
    }

  /* a journal cut short has no end time: the last sample says when it stopped */
  if (self->info.end_time == NULL && self->info.start_time && self->samples->len >= 2)
    {
      gint64 span = g_array_index (self->samples, SteveSample, self->samples->len - 1).host_time_us -
                    g_array_index (self->samples, SteveSample, 0).host_time_us;
      self->info.end_time = g_date_time_add (self->info.start_time, span);
    }

  return TRUE;
}

/* ------------------------------------------------------------------ save / load */

/**
 * steve_recording_save:
 *
 * Writes the recording in @format to @path, atomically.
 */
gboolean
steve_recording_save (SteveRecording        *self,
                      SteveRecordingFormat   format,
                      const char            *path,
                      GError               **error)
{
  g_return_val_if_fail (STEVE_IS_RECORDING (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  switch (format)
    {
    case STEVE_RECORDING_FORMAT_CSV:
      return write_atomically (self, path, write_csv, error);
    case STEVE_RECORDING_FORMAT_JSON:
      return write_atomically (self, path, write_json, error);
    case STEVE_RECORDING_FORMAT_HDF5:
      return write_hdf5 (self, path, error);
    case STEVE_RECORDING_FORMAT_JOURNAL:
    default:
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Recordings are saved as CSV, JSON or HDF5."));
      return FALSE;
    }
}

typedef struct
{
  SteveRecordingFormat format;
  char                *path;
} SaveData;

static void
save_data_free (SaveData *d)
{
  g_free (d->path);
  g_free (d);
}

static void
save_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SaveData *d = task_data;
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean saved;

  saved = steve_recording_save (source, d->format, d->path, &error);
  g_debug ("saving %s: %s after %.0f ms", d->path, saved ? "done" : error->message,
           (g_get_monotonic_time () - start) / 1000.0);
  if (saved)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * steve_recording_save_async:
 *
 * Saves on a thread started for it (not one from GLib's shared task
 * pool, so it never waits for unrelated work there). Do not change the
 * recording until it finishes.
 */
void
steve_recording_save_async (SteveRecording        *self,
                            SteveRecordingFormat   format,
                            const char            *path,
                            GCancellable          *cancellable,
                            GAsyncReadyCallback    callback,
                            gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  SaveData *d;

  g_return_if_fail (STEVE_IS_RECORDING (self));

  d = g_new0 (SaveData, 1);
  d->format = format;
  d->path = g_strdup (path);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, steve_recording_save_async);
  g_task_set_task_data (task, d, (GDestroyNotify) save_data_free);
  steve_task_run_in_own_thread (task, "steve-save", save_thread);
}

gboolean
steve_recording_save_finish (SteveRecording  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * steve_recording_load:
 *
 * Reads a recording written by Steve Tuner (CSV, JSON, HDF5 or a journal,
 * chosen by the file name's extension). A file that is not one, or is
 * damaged, gives an error that says what is wrong and where.
 *
 * Returns: (transfer full): the recording, or %NULL
 */
SteveRecording *
steve_recording_load (const char  *path,
                      GError     **error)
{
  g_autoptr(SteveRecording) self = NULL;
  SteveRecordingFormat format;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("“%s” does not exist."), path);
      return NULL;
    }

  if (!steve_recording_format_from_path (path, &format))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("“%s” is not a recording: open a .csv, .json, .h5 or .journal file."), path);
      return NULL;
    }

  self = g_object_new (STEVE_TYPE_RECORDING, NULL);

  switch (format)
    {
    case STEVE_RECORDING_FORMAT_CSV:
      ok = load_csv (self, path, error);
      break;
    case STEVE_RECORDING_FORMAT_JSON:
      ok = load_json (self, path, error);
      break;
    case STEVE_RECORDING_FORMAT_HDF5:
      g_mutex_lock (&hdf5_lock);
      H5Eset_auto2 (H5E_DEFAULT, NULL, NULL);
      ok = load_hdf5_locked (self, path, error);
      g_mutex_unlock (&hdf5_lock);
      break;
    case STEVE_RECORDING_FORMAT_JOURNAL:
    default:
      ok = load_journal (self, path, error);
      break;
    }

  return ok ? g_steal_pointer (&self) : NULL;
}

/* ------------------------------------------------------------------ GObject */

static void
steve_recording_finalize (GObject *object)
{
  SteveRecording *self = STEVE_RECORDING (object);

  info_clear (&self->info);
  g_array_unref (self->samples);
  g_array_unref (self->events);

  G_OBJECT_CLASS (steve_recording_parent_class)->finalize (object);
}

static void
steve_recording_class_init (SteveRecordingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = steve_recording_finalize;
}

static void
steve_recording_init (SteveRecording *self)
{
  self->samples = g_array_new (FALSE, FALSE, sizeof (SteveSample));
  self->events = g_array_new (FALSE, FALSE, sizeof (SteveRecordingEvent));
  g_array_set_clear_func (self->events, (GDestroyNotify) steve_recording_event_clear);
}
