/* steve-recorder.c — records the stream without losing a sample
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Threading: the recorder is fed by a raw sink of the streamer, so its
 * samples arrive in the streamer's worker thread, never through the UI's
 * idle (which may drop under load). Everything the sink and the owner
 * thread share is under `lock`: the in-memory recording, the journal's
 * pending bytes and its file descriptor. Public functions are for the owner
 * thread (the one that created the recorder); the stats may be read from
 * any thread.
 *
 * The journal is append-only text, written (write(2)) at least every
 * 250 ms, so a crash or SIGKILL of the app loses at most the last quarter
 * second and leaves a file steve_recording_load() reads back.
 */
#define G_LOG_DOMAIN "steve-recorder"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "steve-recorder.h"

#define FLUSH_PERIOD_US  (250 * 1000)
#define FLUSH_BYTES      (256 * 1024)

struct _SteveRecorder
{
  GObject          parent_instance;

  GMutex           lock;
  SteveRecording  *recording;      /* under lock */
  GString         *pending;        /* journal bytes not yet written, under lock */
  int              fd;
  gint64           last_flush_us;
  guint64          journal_bytes;
  gboolean         journal_failed;
  int              journal_errno;
  gboolean         have_last;
  SteveSample      last;

  /* owner thread */
  char            *journal_path;
  SteveStreamer   *streamer;
  guint            sink_id;
  GSource         *flush_source;
};

G_DEFINE_FINAL_TYPE (SteveRecorder, steve_recorder, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RECORDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
flush_locked (SteveRecorder *self)
{
  gsize done = 0;

  if (self->fd < 0 || self->pending->len == 0)
    {
      g_string_truncate (self->pending, 0);
      return;
    }

  while (done < self->pending->len)
    {
      gssize n = write (self->fd, self->pending->str + done, self->pending->len - done);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* keep recording in memory; the journal is what failed */
          self->journal_failed = TRUE;
          self->journal_errno = errno;
          g_warning ("Could not write the journal %s: %s", self->journal_path, g_strerror (errno));
          close (self->fd);
          self->fd = -1;
          break;
        }
      done += (gsize) n;
      self->journal_bytes += (guint64) n;
    }

  g_string_truncate (self->pending, 0);
  self->last_flush_us = g_get_monotonic_time ();
}

/* raw sink: the streamer's worker thread */
static void
sink_samples (const SteveSample *samples,
              guint              n_samples,
              gpointer           user_data)
{
  SteveRecorder *self = user_data;

  g_mutex_lock (&self->lock);
  if (self->recording != NULL)
    {
      steve_recording_append_samples (self->recording, samples, n_samples);
      for (guint i = 0; i < n_samples; i++)
        steve_recording_journal_sample (&samples[i], self->pending);
      self->last = samples[n_samples - 1];
      self->have_last = TRUE;

      if (self->pending->len >= FLUSH_BYTES ||
          g_get_monotonic_time () - self->last_flush_us >= FLUSH_PERIOD_US)
        flush_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

static void
sink_event (const SteveStreamEvent *event,
            gpointer                user_data)
{
  SteveRecorder *self = user_data;
  SteveRecordingEvent e = { 0 };

  if (event->kind != STEVE_STREAM_EVENT_GAP && event->kind != STEVE_STREAM_EVENT_RECONNECT_GAP)
    return;

  e.kind = event->kind == STEVE_STREAM_EVENT_GAP ? STEVE_RECORDING_EVENT_GAP
                                                 : STEVE_RECORDING_EVENT_RECONNECT_GAP;
  e.timestamp_ms = event->to_timestamp_ms;
  e.from_timestamp_ms = event->from_timestamp_ms;
  e.host_time_us = event->to_host_us ? event->to_host_us : event->host_time_us;
  e.duration_ms = event->duration_ms;
  e.missing = event->missing;
  e.device_restarted = event->device_restarted;

  g_mutex_lock (&self->lock);
  if (self->recording != NULL)
    {
      steve_recording_append_event (self->recording, &e);
      steve_recording_journal_event (&e, self->pending);
    }
  g_mutex_unlock (&self->lock);
}

static const SteveRawSinkFuncs sink_funcs = {
  sink_samples,
  sink_event,
};

static gboolean
flush_cb (gpointer data)
{
  SteveRecorder *self = data;

  g_mutex_lock (&self->lock);
  flush_locked (self);
  g_mutex_unlock (&self->lock);
  return G_SOURCE_CONTINUE;
}

/**
 * steve_recorder_start:
 * @streamer: the stream to record
 * @info: device, dialect, interval and the config at start
 * @journal_path: where the crash-safe journal goes (created, must not exist)
 *
 * Starts recording every sample @streamer receives from now on.
 */
gboolean
steve_recorder_start (SteveRecorder             *self,
                      SteveStreamer             *streamer,
                      const SteveRecordingInfo  *info,
                      const char                *journal_path,
                      GError                   **error)
{
  g_autoptr(SteveRecording) recording = NULL;
  int fd;

  g_return_val_if_fail (STEVE_IS_RECORDER (self), FALSE);
  g_return_val_if_fail (STEVE_IS_STREAMER (streamer), FALSE);
  g_return_val_if_fail (journal_path != NULL, FALSE);
  g_return_val_if_fail (self->streamer == NULL, FALSE);

  fd = g_open (journal_path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create the recording journal “%s”: %s"), journal_path, g_strerror (saved));
      return FALSE;
    }

  recording = steve_recording_new (info);

  g_mutex_lock (&self->lock);
  self->fd = fd;
  self->recording = g_steal_pointer (&recording);
  self->journal_bytes = 0;
  self->journal_failed = FALSE;
  self->have_last = FALSE;
  g_string_truncate (self->pending, 0);
  steve_recording_journal_header (self->recording, self->pending);
  flush_locked (self);
  g_mutex_unlock (&self->lock);

  g_free (self->journal_path);
  self->journal_path = g_strdup (journal_path);
  self->streamer = g_object_ref (streamer);
  /* no reference: dispose removes the sink, and removing waits for a
   * running sink call to return */
  self->sink_id = steve_streamer_add_raw_sink (streamer, &sink_funcs, self, NULL);

  self->flush_source = g_timeout_source_new (FLUSH_PERIOD_US / 1000);
  g_source_set_static_name (self->flush_source, "[steve] journal flush");
  g_source_set_callback (self->flush_source, flush_cb, self, NULL);
  g_source_attach (self->flush_source, g_main_context_get_thread_default ());

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
  return TRUE;
}

gboolean
steve_recorder_is_recording (SteveRecorder *self)
{
  g_return_val_if_fail (STEVE_IS_RECORDER (self), FALSE);
  return self->streamer != NULL;
}

/* the device time now, from the last sample and the time since */
static guint32
device_now_locked (SteveRecorder *self,
                   gint64         now)
{
  if (!self->have_last)
    return 0;
  return self->last.timestamp_ms + (guint32) MAX (0, (now - self->last.host_time_us) / 1000);
}

/**
 * steve_recorder_add_config_change:
 *
 * Notes a config change as a timed event (device time and host time, the
 * config before and after).
 */
void
steve_recorder_add_config_change (SteveRecorder     *self,
                                  const SteveConfig *before,
                                  const SteveConfig *after)
{
  SteveRecordingEvent e = { 0 };
  g_autofree char *summary = NULL;
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (STEVE_IS_RECORDER (self));

  summary = steve_config_describe_change (before, after);
  if (summary == NULL)
    return;

  e.kind = STEVE_RECORDING_EVENT_CONFIG_CHANGE;
  e.host_time_us = now;
  e.before = *before;
  e.after = *after;
  e.label = summary;

  g_mutex_lock (&self->lock);
  if (self->recording)
    {
      e.timestamp_ms = device_now_locked (self, now);
      steve_recording_append_event (self->recording, &e);
      steve_recording_journal_event (&e, self->pending);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * steve_recorder_add_mark:
 *
 * Notes a labelled instant (a sweep step boundary, a user mark).
 */
void
steve_recorder_add_mark (SteveRecorder *self,
                         const char    *label)
{
  SteveRecordingEvent e = { 0 };
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (STEVE_IS_RECORDER (self));

  e.kind = STEVE_RECORDING_EVENT_MARK;
  e.host_time_us = now;
  e.label = (char *) label;

  g_mutex_lock (&self->lock);
  if (self->recording)
    {
      e.timestamp_ms = device_now_locked (self, now);
      steve_recording_append_event (self->recording, &e);
      steve_recording_journal_event (&e, self->pending);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * steve_recorder_get_stats:
 *
 * Any thread.
 */
void
steve_recorder_get_stats (SteveRecorder      *self,
                          SteveRecorderStats *stats)
{
  g_return_if_fail (STEVE_IS_RECORDER (self));
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);

  g_mutex_lock (&self->lock);
  if (self->recording)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
      guint n;

      steve_recording_get_samples (self->recording, &n);
      stats->samples = n;
      stats->gaps = steve_recording_get_gap_count (self->recording);
      stats->gap_ms = steve_recording_get_gap_ms (self->recording);
      stats->config_changes = steve_recording_count_events (self->recording, STEVE_RECORDING_EVENT_CONFIG_CHANGE);
      stats->duration_s = g_date_time_difference (now, steve_recording_get_info (self->recording)->start_time) / 1e6;
    }
  stats->journal_bytes = self->journal_bytes + self->pending->len;
  stats->journal_failed = self->journal_failed;
  g_mutex_unlock (&self->lock);
}

const char *
steve_recorder_get_journal_path (SteveRecorder *self)
{
  g_return_val_if_fail (STEVE_IS_RECORDER (self), NULL);
  return self->journal_path;
}

/**
 * steve_recorder_stop:
 * @error: set if the journal could not be written completely (the
 *   returned recording is complete all the same)
 *
 * Stops recording, closes the journal (it stays on disk until the caller
 * removes it, normally after exporting).
 *
 * Returns: (transfer full) (nullable): the recording, or %NULL if the
 *   recorder was not recording
 */
SteveRecording *
steve_recorder_stop (SteveRecorder  *self,
                     GError        **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  SteveRecording *recording;
  gboolean failed;
  int saved_errno;

  g_return_val_if_fail (STEVE_IS_RECORDER (self), NULL);

  if (self->streamer == NULL)
    return NULL;

  /* after this the sink is not running and will not run again */
  steve_streamer_remove_raw_sink (self->streamer, self->sink_id);
  self->sink_id = 0;
  g_clear_object (&self->streamer);
  if (self->flush_source)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }

  g_mutex_lock (&self->lock);
  recording = g_steal_pointer (&self->recording);
  steve_recording_set_end_time (recording, now);
  steve_recording_journal_end (recording, self->pending);
  flush_locked (self);
  if (self->fd >= 0)
    {
      if (fsync (self->fd) != 0 || close (self->fd) != 0)
        {
          self->journal_failed = TRUE;
          self->journal_errno = errno;
        }
      self->fd = -1;
    }
  failed = self->journal_failed;
  saved_errno = self->journal_errno;
  g_mutex_unlock (&self->lock);

  if (failed)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 _("The recording journal “%s” could not be written completely (%s); the recording itself is complete."),
                 self->journal_path, g_strerror (saved_errno));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECORDING]);
  return recording;
}

/* ------------------------------------------------------------------ GObject */

SteveRecorder *
steve_recorder_new (void)
{
  return g_object_new (STEVE_TYPE_RECORDER, NULL);
}

static void
steve_recorder_dispose (GObject *object)
{
  SteveRecorder *self = STEVE_RECORDER (object);

  if (self->streamer && self->sink_id)
    steve_streamer_remove_raw_sink (self->streamer, self->sink_id);
  self->sink_id = 0;
  g_clear_object (&self->recording);
  g_clear_object (&self->streamer);
  if (self->flush_source)
    {
      g_source_destroy (self->flush_source);
      g_clear_pointer (&self->flush_source, g_source_unref);
    }

  G_OBJECT_CLASS (steve_recorder_parent_class)->dispose (object);
}

static void
steve_recorder_finalize (GObject *object)
{
  SteveRecorder *self = STEVE_RECORDER (object);

  if (self->fd >= 0)
    close (self->fd);
  g_string_free (self->pending, TRUE);
  g_free (self->journal_path);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (steve_recorder_parent_class)->finalize (object);
}

static void
steve_recorder_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  SteveRecorder *self = STEVE_RECORDER (object);

  switch (prop_id)
    {
    case PROP_RECORDING: g_value_set_boolean (value, self->streamer != NULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_recorder_class_init (SteveRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = steve_recorder_dispose;
  object_class->finalize = steve_recorder_finalize;
  object_class->get_property = steve_recorder_get_property;

  properties[PROP_RECORDING] =
    g_param_spec_boolean ("recording", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
steve_recorder_init (SteveRecorder *self)
{
  g_mutex_init (&self->lock);
  self->pending = g_string_sized_new (FLUSH_BYTES + 4096);
  self->fd = -1;
}
