/* fuzz-sim-http.c — libFuzzer target: the simulator's HTTP request handler
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bytes of a connection go through the firmware's framing and, when
 * they make a request, through the device's REST logic (both dialects),
 * exactly as the simulator's server does.
 */
#include "config.h"

#include <string.h>

#include "steve-sim-device.h"
#include "steve-sim-http.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static SteveSimDevice *devices[2];

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  SteveSimHttpRequest req;
  SteveSimResponse resp;
  SteveSimHttpResult r;
  guint8 *copy;

  if (devices[0] == NULL)
    {
      devices[0] = steve_sim_device_new (STEVE_DIALECT_FIRMWARE, STEVE_SIM_PROFILE_SINE, 1);
      devices[1] = steve_sim_device_new (STEVE_DIALECT_DOCUMENTED, STEVE_SIM_PROFILE_SINE, 1);
    }

  copy = g_malloc (size ? size : 1);
  memcpy (copy, data, size);
  r = steve_sim_http_parse ((const char *) copy, size, &req);

  if (r == STEVE_SIM_HTTP_ERROR)
    g_assert (req.error_status >= 400 && req.error_code != NULL);
  else if (r == STEVE_SIM_HTTP_COMPLETE)
    for (guint d = 0; d < G_N_ELEMENTS (devices); d++)
      {
        gsize out_len;
        g_autofree char *out = NULL;

        steve_sim_device_handle (devices[d], req.method, req.uri,
                                 req.has_api_key ? req.api_key : NULL,
                                 req.body, req.body_len, &resp);
        if (resp.defer == STEVE_SIM_DEFER_START)
          {
            /* let the start complete or fail as time passes */
            for (guint i = 0; i < 600 && steve_sim_device_start_pending (devices[d]); i++)
              steve_sim_device_cycle (devices[d]);
            steve_sim_device_start_result (devices[d], &resp);
          }
        g_assert (resp.status >= 200 && resp.body != NULL);
        out = steve_sim_http_format_response (resp.status, resp.content_type, resp.body, &out_len);
        g_assert (out_len > 0);
        steve_sim_response_clear (&resp);

        /* keep the devices' clocks moving */
        for (guint i = 0; i < 3; i++)
          steve_sim_device_cycle (devices[d]);
      }

  g_free (copy);
  return 0;
}
