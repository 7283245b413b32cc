/* steve-application.h — the application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define STEVE_TYPE_APPLICATION (steve_application_get_type ())
G_DECLARE_FINAL_TYPE (SteveApplication, steve_application, STEVE, APPLICATION, AdwApplication)

SteveApplication *steve_application_new (void);

G_END_DECLS
