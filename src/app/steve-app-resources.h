/* steve-app-resources.h — the app's GResource, registered once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-tuner-resources.h"

G_BEGIN_DECLS

/* Templated widgets call this in class_init, so they work without the
 * application too (the tests build windows directly). */
static inline void
steve_app_ensure_resources (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      steve_tuner_register_resource ();
      g_once_init_leave (&registered, 1);
    }
}

G_END_DECLS
