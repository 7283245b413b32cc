/* steve-sim-http.h — the firmware's HTTP/1.1 request framing, as pure functions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define STEVE_SIM_HTTP_MAX_REQUEST 2048
#define STEVE_SIM_HTTP_MAX_METHOD  8
#define STEVE_SIM_HTTP_MAX_URI     64
#define STEVE_SIM_HTTP_MAX_KEY     127

typedef enum
{
  STEVE_SIM_HTTP_NEED_MORE,
  STEVE_SIM_HTTP_COMPLETE,
  STEVE_SIM_HTTP_ERROR,
} SteveSimHttpResult;

typedef struct
{
  char        method[STEVE_SIM_HTTP_MAX_METHOD];
  char        uri[STEVE_SIM_HTTP_MAX_URI];
  gboolean    has_api_key;
  char        api_key[STEVE_SIM_HTTP_MAX_KEY + 1];
  gboolean    has_content_length;
  gsize       content_length;
  gsize       header_len;
  const char *body;
  gsize       body_len;
  /* on STEVE_SIM_HTTP_ERROR */
  guint       error_status;
  const char *error_code;
} SteveSimHttpRequest;

SteveSimHttpResult steve_sim_http_parse            (const char          *buf,
                                                    gsize                len,
                                                    SteveSimHttpRequest *req);
char              *steve_sim_http_format_response  (guint                status,
                                                    const char          *content_type,
                                                    const char          *body,
                                                    gsize               *out_len);
const char        *steve_sim_http_reason           (guint                status);

G_END_DECLS
