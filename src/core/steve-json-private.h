/* steve-json-private.h: strictly typed JSON member getters
 *
 * json-glib's *_with_default() getters return NULL (or 0) when a member
 * holds a value of another type, so {"name": 90} would read as a NULL name
 * and {"index": "2"} as slot 0.  Files and replies come from outside, so
 * every reader here goes through these helpers: a member that is missing,
 * null or of the wrong type yields the caller's default, never a
 * converted or NULL value.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <string.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

static inline JsonNode *
steve_json_value (JsonObject *object,
                  const char *key,
                  GType       type)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static inline const char *
steve_json_string (JsonObject *object,
                   const char *key,
                   const char *fallback)
{
  JsonNode *node = steve_json_value (object, key, G_TYPE_STRING);

  return node ? json_node_get_string (node) : fallback;
}

static inline gint64
steve_json_int (JsonObject *object,
                const char *key,
                gint64      fallback)
{
  JsonNode *node = steve_json_value (object, key, G_TYPE_INT64);

  return node ? json_node_get_int (node) : fallback;
}

/* Integers are numbers too: 2 and 2.0 both read as 2.0. */
static inline double
steve_json_double (JsonObject *object,
                   const char *key,
                   double      fallback)
{
  JsonNode *node = json_object_get_member (object, key);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (double) json_node_get_int (node);
  return fallback;
}

static inline gboolean
steve_json_boolean (JsonObject *object,
                    const char *key,
                    gboolean    fallback)
{
  JsonNode *node = steve_json_value (object, key, G_TYPE_BOOLEAN);

  return node ? json_node_get_boolean (node) : fallback;
}

/* json-glib 1.6 accepts several top-level values one after another
 * ("{…}[…]" parses, and the extra values leak); a reply or file is one
 * value. It also reads what JSON does not have: strings in single quotes
 * and C comments, and escapes of its own in strings, any of which could
 * hide brackets from this count: a quote or slash outside a string and an
 * escape JSON does not have are refused here.
 * Returns 0 when @data holds exactly one value, with only whitespace
 * around; the character refused ('\\' for an escape); or '\n' for more
 * than one value. Run it before json_parser_load_from_data(). */
static inline char
steve_json_check_single_value (const char *data,
                               gsize       len)
{
  gboolean in_string = FALSE, escaped = FALSE, in_scalar = FALSE, have_value = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (escaped)
            {
              /* JSON's escapes only: json-glib reads a \u with fewer than
               * four hex digits its own way, past the closing quote */
              escaped = FALSE;
              if (strchr ("\"\\/bfnrt", c) == NULL || c == '\0')
                {
                  if (c != 'u' || i + 4 >= len ||
                      !g_ascii_isxdigit (data[i + 1]) || !g_ascii_isxdigit (data[i + 2]) ||
                      !g_ascii_isxdigit (data[i + 3]) || !g_ascii_isxdigit (data[i + 4]))
                    return '\\';
                  i += 4;
                }
            }
          else if (c == '\\')
            escaped = TRUE;
          else if (c == '"')
            {
              in_string = FALSE;
              if (depth == 0)
                have_value = TRUE;
            }
          continue;
        }

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          if (in_scalar)
            in_scalar = FALSE, have_value = TRUE;
          continue;
        }

      if (c == '\'' || c == '/')
        return c;

      if (depth == 0 && !in_scalar && have_value)
        return '\n';

      switch (c)
        {
        case '"':
          if (in_scalar)
            return '\n';
          in_string = TRUE;
          break;
        case '{':
        case '[':
          if (in_scalar)
            return '\n';
          depth++;
          break;
        case '}':
        case ']':
          if (depth == 0)
            return '\n';
          if (--depth == 0)
            have_value = TRUE;
          in_scalar = FALSE;
          break;
        default:
          if (depth == 0)
            in_scalar = TRUE;
          break;
        }
    }

  return 0;
}

/* json_parser_load_from_data() for one value: anything after it is an
 * error (reported in json-glib's own domain, like its other parse errors). */
static inline gboolean
steve_json_parser_load (JsonParser  *parser,
                        const char  *data,
                        gssize       len,
                        GError     **error)
{
  gsize n = len < 0 ? strlen (data) : (gsize) len;
  char problem = steve_json_check_single_value (data, n);

  if (problem == '\n')
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           _("more than one JSON value"));
      return FALSE;
    }
  if (problem == '\\')
    {
      g_set_error_literal (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                           _("an escape in a string that JSON does not have"));
      return FALSE;
    }
  if (problem != 0)
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_BAREWORD,
                   /* Translators: %c is a character such as ' or / */
                   _("“%c” outside a string"), problem);
      return FALSE;
    }
  return json_parser_load_from_data (parser, data, (gssize) n, error);
}

G_END_DECLS
