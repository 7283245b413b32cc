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

G_END_DECLS
