/* steve-tuner.c — the model behind the RealtimeTuner panel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per config field: the device's value (as the client last learned it),
 * the edited value, and whether they differ at the device's precision.
 * Edits are checked against the hard limits before anything else happens;
 * in live mode they go out at once through the client, which merges a
 * burst into one request. A failed request leaves the edited value as it
 * is (dirty), so nothing the user typed is lost.
 *
 * Undo and redo walk the changes applied on the device, grouping a burst
 * of changes to the same fields (a slider drag) into one step.
 *
 * Owner thread only (the client's).
 */
#define G_LOG_DOMAIN "steve-tuner"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "steve-enums.h"
#include "steve-error.h"
#include "steve-field.h"
#include "steve-tuner.h"

#define GROUP_WINDOW_US (1500 * 1000)
#define MAX_HISTORY     200

typedef struct
{
  SteveConfig before;
  SteveConfig after;
  guint32     fields;
  gint64      time_us;
} Change;

typedef struct
{
  char        *name;
  SteveConfig  config;
} Snapshot;

struct _SteveTuner
{
  GObject         parent_instance;

  SteveClient    *client;
  SteveTunerMode  mode;
  SteveConfig     device;
  SteveConfig     edited;
  GArray         *undo;        /* Change */
  GArray         *redo;        /* Change */
  GArray         *snapshots;   /* Snapshot */
  guint32         user_fields; /* edited values set by the user, not yet seen on the device */
  guint           on_its_way[STEVE_N_FIELDS];  /* requests sending each field, not finished */
  GPtrArray      *history_sent;  /* Sent, not owned: the undo and redo
                                  * requests not finished yet */
  gulong          config_id;
  gulong          applied_id;
  GCancellable   *cancellable;
};

G_DEFINE_FINAL_TYPE (SteveTuner, steve_tuner, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODE,
  PROP_DIRTY,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  N_PROPS
};

enum {
  VALUE_CHANGED,
  APPLIED,
  ERROR,
  N_SIGNALS
};

/* A request on its way, and what it sends. */
typedef struct
{
  SteveTuner *tuner;
  SteveConfig update;
  gboolean    history;   /* an undo or redo (in tuner->history_sent) */
} Sent;

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static gboolean
is_editable (SteveField field)
{
  return field != STEVE_FIELD_TRAVEL;
}

static gboolean
differs (SteveTuner *self,
         SteveField  field)
{
  if (!steve_config_has (&self->edited, field))
    return FALSE;
  if (!steve_config_has (&self->device, field))
    return TRUE;
  return steve_field_round (field, self->edited.values[field]) !=
         steve_field_round (field, self->device.values[field]);
}

static void
emit_changed (SteveTuner *self,
              SteveField  field)
{
  g_signal_emit (self, signals[VALUE_CHANGED], 0, field);
}

static void
notify_state (SteveTuner *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

/* Edits the device now holds are no longer the user's to keep. */
static void
forget_confirmed_edits (SteveTuner *self)
{
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (steve_config_has (&self->device, i) && !differs (self, i))
      self->user_fields &= ~STEVE_FIELD_BIT (i);
}

/* The client learned a new device config: follow it where the user has
 * not edited, keep the edits elsewhere. An edit counts as the user's until
 * the device holds that very value, even when it equals what the device
 * had before (a slider moved away and back while the first value was on
 * its way). */
static void
on_device_config (SteveClient *client,
                  GParamSpec  *pspec,
                  SteveTuner  *self)
{
  const SteveConfig *config = steve_client_get_device_config (client);
  SteveConfig old_device = self->device;

  self->device = *config;
  steve_config_unset (&self->device, STEVE_FIELD_TRAVEL);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    {
      gboolean was_clean = !(self->user_fields & STEVE_FIELD_BIT (i)) ||
                           !steve_config_has (&self->edited, i);

      if (!is_editable (i))
        continue;

      if (was_clean)
        {
          if (steve_config_has (&self->device, i))
            steve_config_set (&self->edited, i, self->device.values[i]);
          else
            steve_config_unset (&self->edited, i);
        }

      if (!steve_config_field_equal (&old_device, &self->device, i) || was_clean)
        emit_changed (self, i);
    }

  forget_confirmed_edits (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

static void
on_config_applied (SteveClient       *client,
                   const SteveConfig *before,
                   const SteveConfig *after,
                   SteveTuner        *self)
{
  gint64 now = g_get_monotonic_time ();
  guint32 fields = 0;
  Change change;

  /* a value sent again unchanged does not notify device-config */
  forget_confirmed_edits (self);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (steve_config_has (after, i) && !steve_config_field_equal (before, after, i))
      fields |= STEVE_FIELD_BIT (i);

  g_signal_emit (self, signals[APPLIED], 0, before, after);

  if (fields == 0)
    return;

  /* what undo or redo put back is not a new change. The client merges
   * queued updates into one request, and the user's requests keep going
   * out while an undo waits: a field counts as the history's only when
   * an unfinished undo or redo sends it with the value applied. */
  for (guint r = 0; r < self->history_sent->len && fields != 0; r++)
    {
      const Sent *sent = g_ptr_array_index (self->history_sent, r);

      for (guint i = 0; i < STEVE_N_FIELDS; i++)
        if ((fields & STEVE_FIELD_BIT (i)) && steve_config_field_equal (&sent->update, after, i))
          fields &= ~STEVE_FIELD_BIT (i);
    }
  if (fields == 0)
    return;

  /* a drag of the same slider is one step */
  if (self->undo->len > 0)
    {
      Change *last = &g_array_index (self->undo, Change, self->undo->len - 1);

      if (last->fields == fields && now - last->time_us < GROUP_WINDOW_US)
        {
          last->after = *after;
          last->time_us = now;
          g_array_set_size (self->redo, 0);
          notify_state (self);
          return;
        }
    }

  change.before = *before;
  change.after = *after;
  change.fields = fields;
  change.time_us = now;
  g_array_append_val (self->undo, change);
  if (self->undo->len > MAX_HISTORY)
    g_array_remove_index (self->undo, 0);
  g_array_set_size (self->redo, 0);
  notify_state (self);
}

static void
sent_free (Sent *sent)
{
  g_object_unref (sent->tuner);
  g_free (sent);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Sent, sent_free)

static void
set_config_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Sent) sent = user_data;
  SteveTuner *self = sent->tuner;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) config = steve_client_set_config_finish (STEVE_CLIENT (source), result, &error);

  /* an undo or redo finished (its config-applied, if any, came before):
   * the values it sent are the user's again */
  if (sent->history && !g_ptr_array_remove_fast (self->history_sent, sent))
    g_assert_not_reached ();

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (sent->update.present & STEVE_FIELD_BIT (i))
      self->on_its_way[i]--;

  if (config != NULL)
    return;

  /* the edits stay, and Apply can send them again (see get_unsent()) */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);

  /* cancelled by a newer value or by the e-stop: not an error to show */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[ERROR], 0, error);
}

static void
send_update (SteveTuner        *self,
             const SteveConfig *update,
             gboolean           history)
{
  Sent *sent;

  if (update->present == 0)
    return;

  sent = g_new0 (Sent, 1);
  sent->tuner = g_object_ref (self);
  sent->update = *update;
  sent->history = history;
  if (history)
    g_ptr_array_add (self->history_sent, sent);
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (update->present & STEVE_FIELD_BIT (i))
      self->on_its_way[i]++;
  steve_client_set_config_async (self->client, update, self->cancellable, set_config_done, sent);
}

/* ------------------------------------------------------------------ public */

SteveTuner *
steve_tuner_new (SteveClient *client)
{
  SteveTuner *self;

  g_return_val_if_fail (STEVE_IS_CLIENT (client), NULL);

  self = g_object_new (STEVE_TYPE_TUNER, NULL);
  self->client = g_object_ref (client);
  self->config_id = g_signal_connect (client, "notify::device-config", G_CALLBACK (on_device_config), self);
  self->applied_id = g_signal_connect (client, "config-applied", G_CALLBACK (on_config_applied), self);
  on_device_config (client, NULL, self);
  return self;
}

SteveClient *
steve_tuner_get_client (SteveTuner *self)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), NULL);
  return self->client;
}

SteveTunerMode
steve_tuner_get_mode (SteveTuner *self)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), STEVE_TUNER_MODE_LIVE);
  return self->mode;
}

void
steve_tuner_set_mode (SteveTuner     *self,
                      SteveTunerMode  mode)
{
  g_return_if_fail (STEVE_IS_TUNER (self));

  if (self->mode == mode)
    return;
  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);

  /* what Apply has to send depends on the mode: told with dirty */
  if (steve_tuner_get_dirty (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

gboolean
steve_tuner_has_device_value (SteveTuner *self,
                              SteveField  field)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);
  return steve_config_has (&self->device, field);
}

double
steve_tuner_get_device_value (SteveTuner *self,
                              SteveField  field)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), NAN);
  return steve_config_get (&self->device, field);
}

/**
 * steve_tuner_get_value:
 *
 * Returns: the edited value of @field (the device's when not edited), or
 *   NAN while unknown
 */
double
steve_tuner_get_value (SteveTuner *self,
                       SteveField  field)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), NAN);
  return steve_config_get (&self->edited, field);
}

gboolean
steve_tuner_is_dirty (SteveTuner *self,
                      SteveField  field)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);
  return differs (self, field);
}

gboolean
steve_tuner_get_dirty (SteveTuner *self)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (differs (self, i))
      return TRUE;
  return FALSE;
}

/**
 * steve_tuner_get_unsent:
 *
 * Whether steve_tuner_apply() has something to send: in apply mode, any
 * edit; in live mode, an edit no request is sending any more (the device
 * refused it, an e-stop dropped it, or it was made in apply mode).
 * Notified with #SteveTuner:dirty.
 */
gboolean
steve_tuner_get_unsent (SteveTuner *self)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (differs (self, i) && (self->mode == STEVE_TUNER_MODE_APPLY || self->on_its_way[i] == 0))
      return TRUE;
  return FALSE;
}

void
steve_tuner_get_edited_config (SteveTuner  *self,
                               SteveConfig *config)
{
  g_return_if_fail (STEVE_IS_TUNER (self));
  *config = self->edited;
}

/**
 * steve_tuner_set_values:
 * @values: the fields to edit
 *
 * Edits several fields at once (e.g. both end stops). Values outside the
 * hard limits, or positions that would cross, are refused with
 * %STEVE_ERROR_VALIDATION and change nothing. In live mode the change
 * goes to the device at once.
 */
gboolean
steve_tuner_set_values (SteveTuner         *self,
                        const SteveConfig  *values,
                        GError            **error)
{
  SteveConfig check;
  SteveConfig rounded;
  SteveConfig update = { { 0 }, 0 };

  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);
  g_return_val_if_fail (values != NULL, FALSE);

  if (values->present & STEVE_FIELD_BIT (STEVE_FIELD_TRAVEL))
    {
      g_set_error_literal (error, STEVE_ERROR, STEVE_ERROR_VALIDATION,
                           _("Set the open position rather than the travel."));
      return FALSE;
    }

  if (!steve_config_apply_update (&self->edited, values, &check, error))
    return FALSE;

  /* The device gets the values rounded to its decimals: the end stops
   * must not meet once rounded (closed 89.996° is open's 90.00°). */
  rounded = *values;
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (values->present & STEVE_FIELD_BIT (i))
      rounded.values[i] = steve_field_round (i, values->values[i]);
  if (!steve_config_apply_update (&self->edited, &rounded, &check, error))
    return FALSE;

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (values->present & STEVE_FIELD_BIT (i))
      {
        double v = rounded.values[i];

        steve_config_set (&self->edited, i, v);
        steve_config_set (&update, i, v);
        self->user_fields |= STEVE_FIELD_BIT (i);
        emit_changed (self, i);
      }

  if (self->mode == STEVE_TUNER_MODE_LIVE)
    send_update (self, &update, FALSE);
  else
    forget_confirmed_edits (self);  /* nothing on its way: back to the device's value is no edit */

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);

  return TRUE;
}

gboolean
steve_tuner_set_value (SteveTuner  *self,
                       SteveField   field,
                       double       value,
                       GError     **error)
{
  SteveConfig values = { { 0 }, 0 };

  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);

  steve_config_set (&values, field, value);
  return steve_tuner_set_values (self, &values, error);
}

/**
 * steve_tuner_apply:
 *
 * Sends every field whose edited value differs from the device's.
 */
void
steve_tuner_apply (SteveTuner *self)
{
  SteveConfig update = { { 0 }, 0 };

  g_return_if_fail (STEVE_IS_TUNER (self));

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (differs (self, i))
      steve_config_set (&update, i, self->edited.values[i]);

  send_update (self, &update, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

void
steve_tuner_revert (SteveTuner *self,
                    SteveField  field)
{
  g_return_if_fail (STEVE_IS_TUNER (self));

  if (steve_config_has (&self->device, field))
    steve_config_set (&self->edited, field, self->device.values[field]);
  else
    steve_config_unset (&self->edited, field);
  self->user_fields &= ~STEVE_FIELD_BIT (field);

  emit_changed (self, field);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

void
steve_tuner_revert_all (SteveTuner *self)
{
  g_return_if_fail (STEVE_IS_TUNER (self));

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if (is_editable (i) && differs (self, i))
      steve_tuner_revert (self, i);
  self->user_fields = 0;
}

static void
refresh_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SteveTuner) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveConfig) config = steve_client_get_config_finish (STEVE_CLIENT (source), result, &error);

  /* the values arrive through the client's device-config */
  if (config == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[ERROR], 0, error);
}

/**
 * steve_tuner_refresh:
 *
 * Reads the device's config again.
 */
void
steve_tuner_refresh (SteveTuner *self)
{
  g_return_if_fail (STEVE_IS_TUNER (self));

  steve_client_get_config_async (self->client, self->cancellable, refresh_done, g_object_ref (self));
}

static void
preset_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SteveTuner) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!steve_client_control_finish (STEVE_CLIENT (source), result, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[ERROR], 0, error);
}

/**
 * steve_tuner_apply_preset:
 *
 * Loads a preset slot on the device (which forces the travel to 90°); the
 * new values arrive when the client has read them back. Edits are dropped.
 */
void
steve_tuner_apply_preset (SteveTuner *self,
                          guint       index)
{
  g_return_if_fail (STEVE_IS_TUNER (self));

  /* the preset replaces everything: follow the device afterwards */
  self->edited = self->device;
  self->user_fields = 0;
  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    emit_changed (self, i);

  steve_client_control_async (self->client, STEVE_CONTROL_NONE, (int) index, self->cancellable,
                              preset_done, g_object_ref (self));
}

guint
steve_tuner_save_snapshot (SteveTuner *self,
                           const char *name)
{
  Snapshot snap;

  g_return_val_if_fail (STEVE_IS_TUNER (self), 0);

  snap.name = g_strdup (name ? name : "");
  snap.config = self->edited;
  steve_config_unset (&snap.config, STEVE_FIELD_TRAVEL);
  g_array_append_val (self->snapshots, snap);
  return self->snapshots->len - 1;
}

guint
steve_tuner_get_n_snapshots (SteveTuner *self)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), 0);
  return self->snapshots->len;
}

const char *
steve_tuner_get_snapshot_name (SteveTuner *self,
                               guint       index)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), NULL);
  g_return_val_if_fail (index < self->snapshots->len, NULL);
  return g_array_index (self->snapshots, Snapshot, index).name;
}

gboolean
steve_tuner_restore_snapshot (SteveTuner  *self,
                              guint        index,
                              GError     **error)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);
  g_return_val_if_fail (index < self->snapshots->len, FALSE);

  return steve_tuner_set_values (self, &g_array_index (self->snapshots, Snapshot, index).config, error);
}

gboolean
steve_tuner_can_undo (SteveTuner *self)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);
  return self->undo->len > 0;
}

gboolean
steve_tuner_can_redo (SteveTuner *self)
{
  g_return_val_if_fail (STEVE_IS_TUNER (self), FALSE);
  return self->redo->len > 0;
}

static void
apply_fields (SteveTuner        *self,
              const SteveConfig *values,
              guint32            fields)
{
  SteveConfig update = { { 0 }, 0 };

  for (guint i = 0; i < STEVE_N_FIELDS; i++)
    if ((fields & STEVE_FIELD_BIT (i)) && steve_config_has (values, i))
      {
        steve_config_set (&update, i, values->values[i]);
        steve_config_set (&self->edited, i, values->values[i]);
        self->user_fields |= STEVE_FIELD_BIT (i);
        emit_changed (self, i);
      }

  send_update (self, &update, TRUE);
}

/**
 * steve_tuner_undo:
 *
 * Puts the device back to the values before the last applied change.
 */
void
steve_tuner_undo (SteveTuner *self)
{
  Change change;

  g_return_if_fail (STEVE_IS_TUNER (self));

  if (self->undo->len == 0)
    return;

  change = g_array_index (self->undo, Change, self->undo->len - 1);
  g_array_set_size (self->undo, self->undo->len - 1);
  g_array_append_val (self->redo, change);
  apply_fields (self, &change.before, change.fields);
  notify_state (self);
}

void
steve_tuner_redo (SteveTuner *self)
{
  Change change;

  g_return_if_fail (STEVE_IS_TUNER (self));

  if (self->redo->len == 0)
    return;

  change = g_array_index (self->redo, Change, self->redo->len - 1);
  g_array_set_size (self->redo, self->redo->len - 1);
  change.time_us = 0;  /* never merged with what follows */
  g_array_append_val (self->undo, change);
  apply_fields (self, &change.after, change.fields);
  notify_state (self);
}

/* ------------------------------------------------------------------ GObject */

static void
snapshot_clear (gpointer data)
{
  g_free (((Snapshot *) data)->name);
}

static void
steve_tuner_dispose (GObject *object)
{
  SteveTuner *self = STEVE_TUNER (object);

  g_cancellable_cancel (self->cancellable);
  if (self->client)
    {
      g_clear_signal_handler (&self->config_id, self->client);
      g_clear_signal_handler (&self->applied_id, self->client);
    }
  g_clear_object (&self->client);

  G_OBJECT_CLASS (steve_tuner_parent_class)->dispose (object);
}

static void
steve_tuner_finalize (GObject *object)
{
  SteveTuner *self = STEVE_TUNER (object);

  g_array_unref (self->undo);
  g_ptr_array_unref (self->history_sent);
  g_array_unref (self->redo);
  g_array_unref (self->snapshots);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (steve_tuner_parent_class)->finalize (object);
}

static void
steve_tuner_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SteveTuner *self = STEVE_TUNER (object);

  switch (prop_id)
    {
    case PROP_MODE: g_value_set_enum (value, self->mode); break;
    case PROP_DIRTY: g_value_set_boolean (value, steve_tuner_get_dirty (self)); break;
    case PROP_CAN_UNDO: g_value_set_boolean (value, steve_tuner_can_undo (self)); break;
    case PROP_CAN_REDO: g_value_set_boolean (value, steve_tuner_can_redo (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_tuner_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SteveTuner *self = STEVE_TUNER (object);

  switch (prop_id)
    {
    case PROP_MODE: steve_tuner_set_mode (self, g_value_get_enum (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
steve_tuner_class_init (SteveTunerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = steve_tuner_dispose;
  object_class->finalize = steve_tuner_finalize;
  object_class->get_property = steve_tuner_get_property;
  object_class->set_property = steve_tuner_set_property;

  properties[PROP_MODE] =
    g_param_spec_enum ("mode", NULL, NULL, STEVE_TYPE_TUNER_MODE, STEVE_TUNER_MODE_LIVE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * SteveTuner::value-changed:
   * @field: the #SteveField whose device or edited value (or dirtiness) changed
   */
  signals[VALUE_CHANGED] =
    g_signal_new ("value-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

  /**
   * SteveTuner::applied:
   * @before: the device's config before
   * @after: after
   *
   * A change reached the device (for change markers and the recorder).
   */
  signals[APPLIED] =
    g_signal_new ("applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  STEVE_TYPE_CONFIG | G_SIGNAL_TYPE_STATIC_SCOPE,
                  STEVE_TYPE_CONFIG | G_SIGNAL_TYPE_STATIC_SCOPE);

  /**
   * SteveTuner::error:
   * @error: what the device or the client said
   *
   * A change could not be applied; the edited value is kept.
   */
  signals[ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
steve_tuner_init (SteveTuner *self)
{
  self->undo = g_array_new (FALSE, FALSE, sizeof (Change));
  self->history_sent = g_ptr_array_new ();
  self->redo = g_array_new (FALSE, FALSE, sizeof (Change));
  self->snapshots = g_array_new (FALSE, FALSE, sizeof (Snapshot));
  g_array_set_clear_func (self->snapshots, snapshot_clear);
  self->cancellable = g_cancellable_new ();
}
