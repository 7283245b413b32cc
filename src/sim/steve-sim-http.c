/* steve-sim-http.c — the firmware's HTTP/1.1 request framing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The limits are the firmware's (protocol §1): header + body < 2048 bytes
 * (else 413), method < 8 and URI < 64 characters, exact URI match (done by
 * the router), Content-Length mandatory on POST (411), GET and POST only.
 */
#define G_LOG_DOMAIN "steve-sim"

#include "config.h"

#include <string.h>

#include "steve-sim-http.h"

static SteveSimHttpResult
error (SteveSimHttpRequest *req,
       guint                status,
       const char          *code)
{
  req->error_status = status;
  req->error_code = code;
  return STEVE_SIM_HTTP_ERROR;
}

static const char *
find_crlfcrlf (const char *buf,
               gsize       len)
{
  for (gsize i = 0; i + 3 < len; i++)
    if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
      return buf + i;
  return NULL;
}

/**
 * steve_sim_http_parse:
 * @buf: the bytes received so far on the connection
 * @req: (out caller-allocates): the request or the error to answer
 *
 * Returns: whether @buf holds a complete request, needs more bytes, or
 *   must be answered with @req->error_status / @req->error_code
 */
SteveSimHttpResult
steve_sim_http_parse (const char          *buf,
                      gsize                len,
                      SteveSimHttpRequest *req)
{
  const char *head_end;
  const char *line_end;
  const char *p, *sp1, *sp2;
  gsize mlen, ulen;

  memset (req, 0, sizeof *req);

  head_end = find_crlfcrlf (buf, MIN (len, STEVE_SIM_HTTP_MAX_REQUEST));
  if (head_end == NULL)
    {
      if (len >= STEVE_SIM_HTTP_MAX_REQUEST)
        return error (req, 413, "request_too_large");
      return STEVE_SIM_HTTP_NEED_MORE;
    }

  req->header_len = (gsize) (head_end - buf) + 4;

  /* request line: METHOD SP URI SP HTTP/x.y */
  line_end = memchr (buf, '\r', (gsize) (head_end - buf) + 1);
  g_assert (line_end != NULL);

  sp1 = memchr (buf, ' ', (gsize) (line_end - buf));
  if (sp1 == NULL)
    return error (req, 400, "bad_request");
  sp2 = memchr (sp1 + 1, ' ', (gsize) (line_end - sp1 - 1));
  if (sp2 == NULL)
    return error (req, 400, "bad_request");

  mlen = (gsize) (sp1 - buf);
  ulen = (gsize) (sp2 - sp1 - 1);

  if (mlen == 0 || mlen >= STEVE_SIM_HTTP_MAX_METHOD || ulen == 0 || ulen >= STEVE_SIM_HTTP_MAX_URI)
    return error (req, 400, "bad_request");
  if (line_end - sp2 - 1 < 8 || memcmp (sp2 + 1, "HTTP/", 5) != 0)
    return error (req, 400, "bad_request");

  for (gsize i = 0; i < mlen; i++)
    if (!g_ascii_isupper (buf[i]))
      return error (req, 400, "bad_request");
  for (gsize i = 0; i < ulen; i++)
    if ((guchar) sp1[1 + i] <= 0x20 || (guchar) sp1[1 + i] >= 0x7f)
      return error (req, 400, "bad_request");

  memcpy (req->method, buf, mlen);
  req->method[mlen] = '\0';
  memcpy (req->uri, sp1 + 1, ulen);
  req->uri[ulen] = '\0';

  if (strcmp (req->method, "GET") != 0 && strcmp (req->method, "POST") != 0)
    return error (req, 400, "unsupported_method");

  /* headers */
  p = line_end + 2;
  while (p < head_end + 2)
    {
      const char *eol = memchr (p, '\r', (gsize) (head_end + 2 - p));
      const char *colon;
      const char *value;
      gsize name_len, value_len;

      if (eol == NULL)
        break;

      colon = memchr (p, ':', (gsize) (eol - p));
      if (colon != NULL)
        {
          name_len = (gsize) (colon - p);
          value = colon + 1;
          while (value < eol && (*value == ' ' || *value == '\t'))
            value++;
          value_len = (gsize) (eol - value);
          while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
            value_len--;

          if (name_len == 9 && g_ascii_strncasecmp (p, "X-API-Key", 9) == 0)
            {
              if (value_len <= STEVE_SIM_HTTP_MAX_KEY)
                {
                  memcpy (req->api_key, value, value_len);
                  req->api_key[value_len] = '\0';
                  req->has_api_key = TRUE;
                }
              else
                {
                  /* longer than any key the device stores: never matches */
                  req->has_api_key = FALSE;
                }
            }
          else if (name_len == 14 && g_ascii_strncasecmp (p, "Content-Length", 14) == 0)
            {
              gsize v = 0;
              gboolean ok = value_len > 0 && value_len <= 9;

              for (gsize i = 0; ok && i < value_len; i++)
                {
                  if (!g_ascii_isdigit (value[i]))
                    ok = FALSE;
                  else
                    v = v * 10 + (gsize) (value[i] - '0');
                }

              if (!ok)
                return error (req, 400, "bad_request");

              req->has_content_length = TRUE;
              req->content_length = v;
            }
        }

      p = eol + 2;
    }

  if (strcmp (req->method, "POST") == 0)
    {
      if (!req->has_content_length)
        return error (req, 411, "content_length_required");

      if (req->header_len + req->content_length >= STEVE_SIM_HTTP_MAX_REQUEST)
        return error (req, 413, "request_too_large");

      if (len < req->header_len + req->content_length)
        return STEVE_SIM_HTTP_NEED_MORE;

      req->body = buf + req->header_len;
      req->body_len = req->content_length;
    }

  return STEVE_SIM_HTTP_COMPLETE;
}

/**
 * steve_sim_http_reason:
 *
 * The firmware's reason phrases: every code but 200, 400, 401 and 404 is
 * sent as "Internal Server Error".
 */
const char *
steve_sim_http_reason (guint status)
{
  switch (status)
    {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    default: return "Internal Server Error";
    }
}

/**
 * steve_sim_http_format_response:
 *
 * Formats a response exactly like the firmware (header order as in the
 * captures; a 401 carries WWW-Authenticate and no CORS header).
 *
 * Returns: (transfer full): the bytes to send
 */
char *
steve_sim_http_format_response (guint       status,
                                const char *content_type,
                                const char *body,
                                gsize      *out_len)
{
  GString *s = g_string_sized_new (256);
  gsize body_len = body ? strlen (body) : 0;

  g_string_append_printf (s, "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n",
                          status, steve_sim_http_reason (status),
                          content_type ? content_type : "application/json", body_len);

  if (status == 401)
    g_string_append (s, "WWW-Authenticate: X-API-Key\r\nConnection: close\r\n\r\n");
  else
    g_string_append (s, "Connection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n");

  if (body_len)
    g_string_append_len (s, body, (gssize) body_len);

  *out_len = s->len;
  return g_string_free (s, FALSE);
}
