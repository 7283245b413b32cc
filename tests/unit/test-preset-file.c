/* test-preset-file.c — preset files: export, import, refusal of bad ones
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "steve-error.h"
#include "steve-protocol.h"

static StevePreset *
make (guint       index,
      const char *name,
      double      viscous)
{
  StevePreset *p = steve_preset_new (index, name);

  steve_config_set (&p->config, STEVE_FIELD_VISCOUS, viscous);
  steve_config_set (&p->config, STEVE_FIELD_COULOMB, 0.1);
  steve_config_set (&p->config, STEVE_FIELD_WALL_STIFFNESS, 12);
  steve_config_set (&p->config, STEVE_FIELD_WALL_DAMPING, 0.2);
  steve_config_set (&p->config, STEVE_FIELD_TRAVEL, 120);
  steve_config_set (&p->config, STEVE_FIELD_TORQUE_LIMIT, 5);
  steve_config_set (&p->config, STEVE_FIELD_SMOOTHING, 0.002);
  return p;
}

static void
test_roundtrip (void)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) steve_preset_free);
  g_autoptr(GPtrArray) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  g_ptr_array_add (out, make (0, "soft", 0.0123));
  g_ptr_array_add (out, make (3, "gate valve", 0.4));
  json = steve_presets_to_json (out);
  g_assert_nonnull (strstr (json, "\"steve-tuner-presets\""));

  in = steve_presets_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (in->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      StevePreset *a = g_ptr_array_index (out, i), *b = g_ptr_array_index (in, i);

      g_assert_cmpuint (a->index, ==, b->index);
      g_assert_cmpstr (a->name, ==, b->name);
      for (guint f = 0; f < STEVE_N_FIELDS; f++)
        {
          g_assert_cmpint (steve_config_has (&a->config, f), ==, steve_config_has (&b->config, f));
          if (steve_config_has (&a->config, f))
            g_assert_true (steve_config_field_equal (&a->config, &b->config, f));
        }
    }
}

static void
test_refused (void)
{
  static const struct { const char *json; const char *needle; } bad[] = {
    { "not json", "not valid JSON" },
    { "{\"presets\":[]}", "not a Steve Tuner preset file" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[]}", "no presets" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":7,\"name\":\"x\"}]}", "slot" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":0,\"name\":\"a\\\"b\"}]}", "quotes" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":0,\"name\":\"much too long a name\"}]}", "15" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":0,\"name\":\"x\",\"viscous\":0.1}]}", "Coulomb" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":0,\"name\":\"x\",\"viscous\":-1,\"coulomb\":0.1,"
      "\"wall_stiffness\":1,\"wall_damping\":1,\"travel\":90,\"torque_limit\":5,\"smoothing\":0.001}]}", "at least" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":0,\"name\":\"x\",\"viscous\":0.1,\"coulomb\":0.1,"
      "\"wall_stiffness\":1,\"wall_damping\":1,\"travel\":90,\"torque_limit\":45,\"smoothing\":0.001}]}", "at most" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":1,\"name\":\"x\",\"viscous\":0.1,\"coulomb\":0.1,"
      "\"wall_stiffness\":1,\"wall_damping\":1,\"travel\":90,\"torque_limit\":5,\"smoothing\":0.001},"
      "{\"index\":1,\"name\":\"y\"}]}", "slot" },
    /* Wrong member types are refused, not read as NULL or 0 (found by fuzz-rest). */
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":0,\"name\":90,\"torque_limit\":2}]}", "empty" },
    { "{\"format\":\"steve-tuner-presets\",\"presets\":[{\"index\":\"0\",\"name\":\"x\"}]}", "slot" },
    { "{\"format\":7,\"presets\":[{\"index\":0,\"name\":\"x\"}]}", "not a Steve Tuner preset file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) presets = steve_presets_from_json (bad[i].json, -1, &error);

      g_assert_null (presets);
      g_assert_error (error, STEVE_ERROR, STEVE_ERROR_VALIDATION);
      if (strstr (error->message, bad[i].needle) == NULL)
        g_error ("case %u: “%s” does not mention “%s”", i, error->message, bad[i].needle);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/preset-file/roundtrip", test_roundtrip);
  g_test_add_func ("/preset-file/refused", test_refused);

  return g_test_run ();
}
