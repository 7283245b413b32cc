/* steve-tuner.h — the model behind the RealtimeTuner panel
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-client.h"

G_BEGIN_DECLS

typedef enum
{
  STEVE_TUNER_MODE_LIVE,    /* every change goes out at once (coalesced) */
  STEVE_TUNER_MODE_APPLY,   /* changes wait for steve_tuner_apply() */
} SteveTunerMode;

#define STEVE_TYPE_TUNER (steve_tuner_get_type ())
G_DECLARE_FINAL_TYPE (SteveTuner, steve_tuner, STEVE, TUNER, GObject)

SteveTuner     *steve_tuner_new               (SteveClient  *client);
SteveClient    *steve_tuner_get_client        (SteveTuner   *self);
SteveTunerMode  steve_tuner_get_mode          (SteveTuner   *self);
void            steve_tuner_set_mode          (SteveTuner   *self,
                                               SteveTunerMode mode);

gboolean        steve_tuner_has_device_value  (SteveTuner   *self,
                                               SteveField    field);
double          steve_tuner_get_device_value  (SteveTuner   *self,
                                               SteveField    field);
double          steve_tuner_get_value         (SteveTuner   *self,
                                               SteveField    field);
gboolean        steve_tuner_is_dirty          (SteveTuner   *self,
                                               SteveField    field);
gboolean        steve_tuner_get_dirty         (SteveTuner   *self);
gboolean        steve_tuner_get_unsent        (SteveTuner   *self);
void            steve_tuner_get_edited_config (SteveTuner   *self,
                                               SteveConfig  *config);

gboolean        steve_tuner_set_value         (SteveTuner   *self,
                                               SteveField    field,
                                               double        value,
                                               GError      **error);
gboolean        steve_tuner_set_values        (SteveTuner   *self,
                                               const SteveConfig *values,
                                               GError      **error);
void            steve_tuner_apply             (SteveTuner   *self);
void            steve_tuner_revert            (SteveTuner   *self,
                                               SteveField    field);
void            steve_tuner_revert_all        (SteveTuner   *self);
void            steve_tuner_refresh           (SteveTuner   *self);
void            steve_tuner_apply_preset      (SteveTuner   *self,
                                               guint         index);

guint           steve_tuner_save_snapshot     (SteveTuner   *self,
                                               const char   *name);
guint           steve_tuner_get_n_snapshots   (SteveTuner   *self);
const char     *steve_tuner_get_snapshot_name (SteveTuner   *self,
                                               guint         index);
gboolean        steve_tuner_restore_snapshot  (SteveTuner   *self,
                                               guint         index,
                                               GError      **error);

gboolean        steve_tuner_can_undo          (SteveTuner   *self);
gboolean        steve_tuner_can_redo          (SteveTuner   *self);
void            steve_tuner_undo              (SteveTuner   *self);
void            steve_tuner_redo              (SteveTuner   *self);

G_END_DECLS
