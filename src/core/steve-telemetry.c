/* steve-telemetry.c — the NDJSON telemetry line parser and formatter
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parser is a single forward pass over the bytes: keys are matched by
 * length and memcmp, numbers are converted from their digits without
 * strtod in the common case, strings are copied into fixed buffers. It
 * never allocates, so it is safe on the streamer's worker thread at any
 * rate and can be fuzzed through its one entry point.
 */
#define G_LOG_DOMAIN "steve-telemetry"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "steve-telemetry.h"

static SteveSample *
steve_sample_copy_impl (const SteveSample *sample)
{
  return g_memdup2 (sample, sizeof *sample);
}

SteveSample *
steve_sample_copy (const SteveSample *sample)
{
  g_return_val_if_fail (sample != NULL, NULL);
  return steve_sample_copy_impl (sample);
}

void
steve_sample_free (SteveSample *sample)
{
  g_free (sample);
}

G_DEFINE_BOXED_TYPE (SteveSample, steve_sample, steve_sample_copy, steve_sample_free)

typedef enum
{
  KEY_UNKNOWN = -1,
  KEY_TIMESTAMP_MS = 0,
  KEY_T_US,
  KEY_LOOP_TIME_US,
  KEY_SEQ,
  KEY_POSITION_TURNS,
  KEY_POSITION_DEG,
  KEY_TORQUE_NM,
  KEY_FILT_TORQUE_NM,
  KEY_STATUS,
  KEY_OMEGA_RAD_S,
  KEY_PASSIVITY_MJ,
  KEY_QUIET,
  KEY_ERR,
  KEY_HB_AGE,
  KEY_DATA_VALID,
  /* not sample keys */
  KEY_STREAM,
  KEY_MESSAGE,
  KEY_INTERVAL_MS,
  KEY_VERSION,
  KEY_SYNC,
  KEY_TOKEN,
  N_KEYS
} Key;

static const char * const key_names[N_KEYS] = {
  "timestamp_ms", "t_us", "loop_time_us", "seq", "position_turns", "position_deg",
  "torque_nm", "filt_torque_nm", "status", "omega_rad_s", "passivity_mj", "quiet",
  "err", "hb_age", "data_valid", "stream", "message", "interval_ms", "version",
  "sync", "token",
};

#define KEY_IS(k, lit) (memcmp ((k), (lit), sizeof (lit) - 1) == 0)

static inline Key
match_key (const char *k,
           gsize       n)
{
  switch (n)
    {
    case 3:
      if (KEY_IS (k, "seq")) return KEY_SEQ;
      if (KEY_IS (k, "err")) return KEY_ERR;
      break;
    case 4:
      if (KEY_IS (k, "t_us")) return KEY_T_US;
      if (KEY_IS (k, "sync")) return KEY_SYNC;
      break;
    case 5:
      if (KEY_IS (k, "quiet")) return KEY_QUIET;
      if (KEY_IS (k, "token")) return KEY_TOKEN;
      break;
    case 6:
      if (KEY_IS (k, "status")) return KEY_STATUS;
      if (KEY_IS (k, "hb_age")) return KEY_HB_AGE;
      if (KEY_IS (k, "stream")) return KEY_STREAM;
      break;
    case 7:
      if (KEY_IS (k, "message")) return KEY_MESSAGE;
      if (KEY_IS (k, "version")) return KEY_VERSION;
      break;
    case 9:
      if (KEY_IS (k, "torque_nm")) return KEY_TORQUE_NM;
      break;
    case 10:
      if (KEY_IS (k, "data_valid")) return KEY_DATA_VALID;
      break;
    case 11:
      if (KEY_IS (k, "omega_rad_s")) return KEY_OMEGA_RAD_S;
      if (KEY_IS (k, "interval_ms")) return KEY_INTERVAL_MS;
      break;
    case 12:
      if (KEY_IS (k, "timestamp_ms")) return KEY_TIMESTAMP_MS;
      if (KEY_IS (k, "loop_time_us")) return KEY_LOOP_TIME_US;
      if (KEY_IS (k, "position_deg")) return KEY_POSITION_DEG;
      if (KEY_IS (k, "passivity_mj")) return KEY_PASSIVITY_MJ;
      break;
    case 14:
      if (KEY_IS (k, "position_turns")) return KEY_POSITION_TURNS;
      if (KEY_IS (k, "filt_torque_nm")) return KEY_FILT_TORQUE_NM;
      break;
    default:
      break;
    }

  return KEY_UNKNOWN;
}

/* The firmware always sends the keys of a sample in this order; the parser
 * tries the next expected `"key":` first and only scans when it differs. */
static const struct { const char *text; guint8 len; gint8 key; } firmware_order[] = {
#define K(name, id) { "\"" name "\":", sizeof (name) + 2, id }
  K ("timestamp_ms", KEY_TIMESTAMP_MS), K ("t_us", KEY_T_US), K ("loop_time_us", KEY_LOOP_TIME_US),
  K ("seq", KEY_SEQ), K ("position_turns", KEY_POSITION_TURNS), K ("position_deg", KEY_POSITION_DEG),
  K ("torque_nm", KEY_TORQUE_NM), K ("filt_torque_nm", KEY_FILT_TORQUE_NM), K ("status", KEY_STATUS),
  K ("omega_rad_s", KEY_OMEGA_RAD_S), K ("passivity_mj", KEY_PASSIVITY_MJ), K ("quiet", KEY_QUIET),
  K ("err", KEY_ERR), K ("hb_age", KEY_HB_AGE), K ("data_valid", KEY_DATA_VALID),
#undef K
};

/* The same keys as two masked 64-bit words each, so the fast path compares
 * a `"key":` in two loads instead of a call to memcmp. */
#define ORDER_BYTES 24   /* the longest `"key":` is 17 bytes */

typedef struct
{
  guint64 w[3];
  guint64 m[3];
} OrderWords;

static OrderWords order_words[G_N_ELEMENTS (firmware_order)];

static void
init_order_words (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      for (guint i = 0; i < G_N_ELEMENTS (firmware_order); i++)
        {
          guint8 text[ORDER_BYTES] = { 0 }, mask[ORDER_BYTES] = { 0 };

          g_assert (firmware_order[i].len <= ORDER_BYTES);
          memcpy (text, firmware_order[i].text, firmware_order[i].len);
          memset (mask, 0xff, firmware_order[i].len);
          memcpy (order_words[i].w, text, ORDER_BYTES);
          memcpy (order_words[i].m, mask, ORDER_BYTES);
        }
      g_once_init_leave (&initialized, 1);
    }
}

static inline gboolean
matches_order_key (const char *p,
                   const char *end,
                   guint       i)
{
  guint64 a, b, c;

  /* near the end of the line: the plain comparison (a value must follow) */
  if (G_UNLIKELY (end - p <= ORDER_BYTES))
    return (gsize) (end - p) > firmware_order[i].len &&
           memcmp (p, firmware_order[i].text, firmware_order[i].len) == 0;

  memcpy (&a, p, 8);
  memcpy (&b, p + 8, 8);
  memcpy (&c, p + 16, 8);
  return (a & order_words[i].m[0]) == order_words[i].w[0] &&
         (b & order_words[i].m[1]) == order_words[i].w[1] &&
         (c & order_words[i].m[2]) == order_words[i].w[2];
}

typedef struct
{
  const char *p;
  const char *end;
  const char *start;
  SteveLineError *error;
} Cursor;

static inline gboolean
fail (Cursor             *c,
      SteveLineErrorCode  code,
      Key                 key)
{
  if (c->error)
    {
      c->error->code = code;
      c->error->key = key >= 0 ? key_names[key] : NULL;
      c->error->offset = (gsize) (c->p - c->start);
    }
  return FALSE;
}

static inline void
skip_ws (Cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
    c->p++;
}

typedef enum
{
  VAL_NUMBER,
  VAL_STRING,
  VAL_TRUE,
  VAL_FALSE,
  VAL_NULL,
} ValueType;

typedef struct
{
  ValueType   type;
  /* number */
  guint64     mantissa;
  int         exp10;
  guint       n_digits;
  gboolean    negative;
  gboolean    integer;      /* no fraction, no exponent */
  const char *num_start;
  const char *num_end;
  /* string: raw bytes between the quotes, escapes not yet resolved */
  const char *str;
  gsize       str_len;
  gboolean    str_escaped;
} Value;

/* Bytes that end the fast scan of a string: the closing quote, an escape,
 * or a control character (not allowed raw in JSON). */
static const guint8 string_stop[256] = {
  [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
  [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1, [0x0e] = 1, [0x0f] = 1,
  [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
  [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
  ['"'] = 1, ['\\'] = 1,
};

/* Parses a JSON string whose opening quote is at c->p. */
static G_ALWAYS_INLINE inline gboolean
scan_string (Cursor      *c,
             const char **out,
             gsize       *out_len,
             gboolean    *escaped,
             Key          key)
{
  const char *p = c->p + 1;  /* after the opening quote */
  const char *s = p;
  const char *end = c->end;

  *escaped = FALSE;

  for (;;)
    {
      guchar ch;

      while (p < end && !string_stop[(guchar) *p])
        p++;

      if (p >= end)
        break;

      ch = (guchar) *p;
      if (ch == '"')
        {
          *out = s;
          *out_len = (gsize) (p - s);
          c->p = p + 1;
          return TRUE;
        }

      if (ch != '\\')
        {
          c->p = p;
          return fail (c, STEVE_LINE_ERROR_BAD_STRING, key);
        }

      *escaped = TRUE;
      p++;
      if (p >= end)
        break;
      if (*p == 'u')
        {
          if (end - p < 5 ||
              !g_ascii_isxdigit (p[1]) || !g_ascii_isxdigit (p[2]) ||
              !g_ascii_isxdigit (p[3]) || !g_ascii_isxdigit (p[4]))
            {
              c->p = p;
              return fail (c, STEVE_LINE_ERROR_BAD_STRING, key);
            }
          p += 5;
          continue;
        }
      if (*p == '\0' || !strchr ("\"\\/bfnrt", *p))
        {
          c->p = p;
          return fail (c, STEVE_LINE_ERROR_BAD_STRING, key);
        }
      p++;
    }

  c->p = p;
  return fail (c, STEVE_LINE_ERROR_BAD_STRING, key);
}

static inline gboolean
scan_number (Cursor *c,
             Value  *v,
             Key     key)
{
  const char *p = c->p;
  const char *end = c->end;
  guint64 m = 0;
  guint n = 0;
  int exp10 = 0;
  gboolean neg = FALSE;

  v->num_start = p;

  if (*p == '-')
    {
      neg = TRUE;
      p++;
    }

  if (p >= end || !g_ascii_isdigit (*p))
    return c->p = p, fail (c, STEVE_LINE_ERROR_BAD_NUMBER, key);

  if (*p == '0')
    {
      p++;
      if (p < end && g_ascii_isdigit (*p))
        return c->p = p, fail (c, STEVE_LINE_ERROR_BAD_NUMBER, key);
    }
  else
    {
      while (p < end && g_ascii_isdigit (*p))
        {
          guint64 d = (guint64) (*p - '0');

          /* Every digit that fits in 64 bits, so that a u64 such as
           * t_us = 18446744073709551615 reads exactly. */
          if (exp10 == 0 && m <= (G_MAXUINT64 - d) / 10)
            m = m * 10 + d;
          else
            exp10++;
          n++;
          p++;
        }
    }

  v->integer = TRUE;

  if (p < end && *p == '.')
    {
      p++;
      v->integer = FALSE;
      if (p >= end || !g_ascii_isdigit (*p))
        return c->p = p, fail (c, STEVE_LINE_ERROR_BAD_NUMBER, key);
      while (p < end && g_ascii_isdigit (*p))
        {
          if (n < 19)
            {
              m = m * 10 + (guint64) (*p - '0');
              exp10--;
            }
          if (m != 0 || n > 0)
            n++;
          p++;
        }
    }

  if (p < end && (*p == 'e' || *p == 'E'))
    {
      int e = 0;
      gboolean eneg = FALSE;

      p++;
      v->integer = FALSE;
      if (p < end && (*p == '+' || *p == '-'))
        eneg = (*p++ == '-');
      if (p >= end || !g_ascii_isdigit (*p))
        return c->p = p, fail (c, STEVE_LINE_ERROR_BAD_NUMBER, key);
      while (p < end && g_ascii_isdigit (*p))
        {
          if (e < 100000)
            e = e * 10 + (*p - '0');
          p++;
        }
      exp10 += eneg ? -e : e;
    }

  v->type = VAL_NUMBER;
  v->mantissa = m;
  v->n_digits = n;
  v->exp10 = exp10;
  v->negative = neg;
  v->num_end = p;
  c->p = p;
  return TRUE;
}

static const double pow10_table[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static inline gboolean
value_to_double (Cursor      *c,
                 const Value *v,
                 Key          key,
                 double      *out)
{
  double d;

  if (v->type != VAL_NUMBER)
    return fail (c, STEVE_LINE_ERROR_WRONG_TYPE, key);

  if (v->mantissa == 0)
    d = 0.0;
  else if (v->n_digits <= 15 && v->exp10 >= -22 && v->exp10 <= 22)
    {
      /* Exact for mantissas below 2^53: one correctly rounded operation. */
      d = (double) v->mantissa;
      d = v->exp10 < 0 ? d / pow10_table[-v->exp10] : d * pow10_table[v->exp10];
    }
  else
    {
      char tmp[64];
      gsize n = (gsize) (v->num_end - v->num_start);

      if (n >= sizeof tmp)
        return fail (c, STEVE_LINE_ERROR_BAD_NUMBER, key);
      memcpy (tmp, v->num_start, n);
      tmp[n] = '\0';
      d = g_ascii_strtod (tmp, NULL);
      if (!isfinite (d))
        return fail (c, STEVE_LINE_ERROR_NOT_FINITE, key);
      *out = d;
      return TRUE;
    }

  if (!isfinite (d))
    return fail (c, STEVE_LINE_ERROR_NOT_FINITE, key);

  *out = v->negative ? -d : d;
  return TRUE;
}

static inline gboolean
value_to_uint (Cursor      *c,
               const Value *v,
               Key          key,
               guint64      max,
               guint64     *out)
{
  if (v->type != VAL_NUMBER || !v->integer)
    return fail (c, STEVE_LINE_ERROR_WRONG_TYPE, key);

  if (v->negative && v->mantissa != 0)
    return fail (c, STEVE_LINE_ERROR_OUT_OF_RANGE, key);

  if (v->n_digits > 20 || v->exp10 != 0 || v->mantissa > max)
    return fail (c, STEVE_LINE_ERROR_OUT_OF_RANGE, key);

  *out = v->mantissa;
  return TRUE;
}

static inline gboolean
value_to_int32 (Cursor      *c,
                const Value *v,
                Key          key,
                gint32      *out)
{
  if (v->type != VAL_NUMBER || !v->integer)
    return fail (c, STEVE_LINE_ERROR_WRONG_TYPE, key);

  if (v->n_digits > 10 || v->exp10 != 0 ||
      v->mantissa > (v->negative ? (guint64) G_MAXINT32 + 1 : (guint64) G_MAXINT32))
    return fail (c, STEVE_LINE_ERROR_OUT_OF_RANGE, key);

  *out = v->negative ? (gint32) -(gint64) v->mantissa : (gint32) v->mantissa;
  return TRUE;
}

static inline gboolean
value_to_bool (Cursor      *c,
               const Value *v,
               Key          key,
               guint8      *out)
{
  if (v->type == VAL_TRUE)
    *out = TRUE;
  else if (v->type == VAL_FALSE)
    *out = FALSE;
  else
    return fail (c, STEVE_LINE_ERROR_WRONG_TYPE, key);

  return TRUE;
}

/* Copies a string value into a fixed buffer, resolving escapes (\uXXXX is
 * encoded as UTF-8; surrogates become U+FFFD). */
static gboolean
value_to_buffer (Cursor      *c,
                 const Value *v,
                 Key          key,
                 char        *buf,
                 gsize        size)
{
  gsize o = 0;

  if (v->type != VAL_STRING)
    return fail (c, STEVE_LINE_ERROR_WRONG_TYPE, key);

  for (gsize i = 0; i < v->str_len; i++)
    {
      char tmp[6];
      gsize n = 1;
      char ch = v->str[i];

      if (ch == '\\')
        {
          ch = v->str[++i];
          switch (ch)
            {
            case 'b': tmp[0] = '\b'; break;
            case 'f': tmp[0] = '\f'; break;
            case 'n': tmp[0] = '\n'; break;
            case 'r': tmp[0] = '\r'; break;
            case 't': tmp[0] = '\t'; break;
            case 'u':
              {
                gunichar u = 0;

                for (guint k = 1; k <= 4; k++)
                  u = u * 16 + (gunichar) g_ascii_xdigit_value (v->str[i + k]);
                i += 4;
                if (u >= 0xD800 && u <= 0xDFFF)
                  u = 0xFFFD;
                n = (gsize) g_unichar_to_utf8 (u, tmp);
                break;
              }
            default: tmp[0] = ch; break;
            }
        }
      else
        tmp[0] = ch;

      if (o + n >= size)
        return fail (c, STEVE_LINE_ERROR_STRING_TOO_LONG, key);
      memcpy (buf + o, tmp, n);
      o += n;
    }

  buf[o] = '\0';
  return TRUE;
}

static inline gboolean
string_equals (const Value *v,
               const char  *lit,
               gsize        lit_len)
{
  return v->type == VAL_STRING && !v->str_escaped &&
         v->str_len == lit_len && memcmp (v->str, lit, lit_len) == 0;
}

#define STRING_IS(v, lit) string_equals ((v), (lit), sizeof (lit) - 1)

/**
 * steve_telemetry_parse_line:
 * @buf: the bytes of one line, without or with its trailing newline
 * @len: number of bytes in @buf
 * @out: (out caller-allocates): the parsed line
 * @error: (out caller-allocates) (optional): why a line was rejected
 *
 * Parses one telemetry line: a sample, the hello (either dialect) or a
 * sync reply. Allocates nothing.
 *
 * Returns: %TRUE if @out holds a line
 */
gboolean
steve_telemetry_parse_line (const char      *buf,
                            gsize            len,
                            SteveStreamLine *out,
                            SteveLineError  *error)
{
  Cursor c = { buf, buf + len, buf, error };
  SteveSample s;
  SteveStreamHello hello;
  SteveSyncReply sync;
  guint32 seen = 0;           /* bit per Key */
  guint expected = 0;         /* index into firmware_order */
  guint64 u;

  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  if (error)
    {
      error->code = STEVE_LINE_OK;
      error->key = NULL;
      error->offset = 0;
    }

  if (len > STEVE_TELEMETRY_LINE_MAX)
    return fail (&c, STEVE_LINE_ERROR_TOO_LONG, KEY_UNKNOWN);

  init_order_words ();

  skip_ws (&c);
  if (c.p >= c.end)
    return fail (&c, STEVE_LINE_ERROR_EMPTY, KEY_UNKNOWN);

  if (*c.p != '{')
    return fail (&c, STEVE_LINE_ERROR_NOT_OBJECT, KEY_UNKNOWN);
  c.p++;

  memset (&s, 0, sizeof s);
  s.status = STEVE_VALVE_STATE_UNKNOWN;
  hello.dialect = STEVE_DIALECT_UNKNOWN;
  hello.interval_ms = 0;
  hello.has_interval = FALSE;
  hello.stream[0] = hello.message[0] = hello.version[0] = '\0';
  sync.ok = FALSE;
  sync.has_token = FALSE;
  sync.token[0] = '\0';

  skip_ws (&c);
  if (c.p < c.end && *c.p == '}')
    {
      c.p++;
      goto done;
    }

  for (;;)
    {
      const char *kstr;
      gsize klen;
      gboolean kesc;
      Key key;
      Value v;

      skip_ws (&c);

      if (expected < G_N_ELEMENTS (firmware_order) &&
          matches_order_key (c.p, c.end, expected))
        {
          key = (Key) firmware_order[expected].key;
          c.p += firmware_order[expected].len;
          expected++;
        }
      else
        {
          if (c.p >= c.end || *c.p != '"')
            return fail (&c, STEVE_LINE_ERROR_SYNTAX, KEY_UNKNOWN);
          if (!scan_string (&c, &kstr, &klen, &kesc, KEY_UNKNOWN))
            return FALSE;
          key = kesc ? KEY_UNKNOWN : match_key (kstr, klen);
          expected = G_N_ELEMENTS (firmware_order);

          skip_ws (&c);
          if (c.p >= c.end || *c.p != ':')
            return fail (&c, STEVE_LINE_ERROR_SYNTAX, key);
          c.p++;
        }
      skip_ws (&c);
      if (c.p >= c.end)
        return fail (&c, STEVE_LINE_ERROR_SYNTAX, key);

      switch (*c.p)
        {
        case '"':
          v.type = VAL_STRING;
          if (!scan_string (&c, &v.str, &v.str_len, &v.str_escaped, key))
            return FALSE;
          break;
        case 't':
          if (c.end - c.p < 4 || memcmp (c.p, "true", 4) != 0)
            return fail (&c, STEVE_LINE_ERROR_SYNTAX, key);
          v.type = VAL_TRUE;
          c.p += 4;
          break;
        case 'f':
          if (c.end - c.p < 5 || memcmp (c.p, "false", 5) != 0)
            return fail (&c, STEVE_LINE_ERROR_SYNTAX, key);
          v.type = VAL_FALSE;
          c.p += 5;
          break;
        case 'n':
          if (c.end - c.p < 4 || memcmp (c.p, "null", 4) != 0)
            return fail (&c, STEVE_LINE_ERROR_SYNTAX, key);
          v.type = VAL_NULL;
          c.p += 4;
          break;
        case '{':
        case '[':
          return fail (&c, STEVE_LINE_ERROR_NESTED_VALUE, key);
        default:
          if (*c.p == '-' && c.end - c.p > 1 &&
              (c.p[1] == 'N' || c.p[1] == 'I' || c.p[1] == 'i'))
            return fail (&c, STEVE_LINE_ERROR_NOT_FINITE, key);   /* -Infinity, -NaN */
          else if (*c.p == '-' || g_ascii_isdigit (*c.p))
            {
              if (!scan_number (&c, &v, key))
                return FALSE;
            }
          else if (*c.p == 'N' || *c.p == 'I' || *c.p == 'i')
            return fail (&c, STEVE_LINE_ERROR_NOT_FINITE, key);
          else
            return fail (&c, STEVE_LINE_ERROR_SYNTAX, key);
        }

      /* A null value leaves its key unknown. */
      if (v.type == VAL_NULL)
        key = KEY_UNKNOWN;

      switch (key)
        {
        case KEY_TIMESTAMP_MS:
          if (!value_to_uint (&c, &v, key, G_MAXUINT32, &u)) return FALSE;
          s.timestamp_ms = (guint32) u;
          break;
        case KEY_T_US:
          if (!value_to_uint (&c, &v, key, G_MAXUINT64, &u)) return FALSE;
          s.t_us = u;
          break;
        case KEY_LOOP_TIME_US:
          if (!value_to_uint (&c, &v, key, G_MAXUINT32, &u)) return FALSE;
          s.loop_time_us = (guint32) u;
          break;
        case KEY_SEQ:
          if (!value_to_uint (&c, &v, key, G_MAXUINT32, &u)) return FALSE;
          s.seq = (guint32) u;
          break;
        case KEY_POSITION_TURNS:
          if (!value_to_double (&c, &v, key, &s.position_turns)) return FALSE;
          break;
        case KEY_POSITION_DEG:
          if (!value_to_double (&c, &v, key, &s.position_deg)) return FALSE;
          break;
        case KEY_TORQUE_NM:
          if (!value_to_double (&c, &v, key, &s.torque_nm)) return FALSE;
          break;
        case KEY_FILT_TORQUE_NM:
          if (!value_to_double (&c, &v, key, &s.filt_torque_nm)) return FALSE;
          break;
        case KEY_OMEGA_RAD_S:
          if (!value_to_double (&c, &v, key, &s.omega_rad_s)) return FALSE;
          break;
        case KEY_STATUS:
          if (v.type != VAL_STRING)
            return fail (&c, STEVE_LINE_ERROR_WRONG_TYPE, key);
          if (STRING_IS (&v, "RUNNING"))
            s.status = STEVE_VALVE_STATE_RUNNING;
          else if (STRING_IS (&v, "IDLE"))
            s.status = STEVE_VALVE_STATE_IDLE;
          else if (STRING_IS (&v, "ERROR"))
            s.status = STEVE_VALVE_STATE_ERROR;
          else if (STRING_IS (&v, "NO_DATA"))
            s.status = STEVE_VALVE_STATE_NO_DATA;
          else
            return fail (&c, STEVE_LINE_ERROR_UNKNOWN_STATUS, key);
          break;
        case KEY_PASSIVITY_MJ:
          if (!value_to_int32 (&c, &v, key, &s.passivity_mj)) return FALSE;
          break;
        case KEY_QUIET:
          if (!value_to_bool (&c, &v, key, &s.quiet)) return FALSE;
          break;
        case KEY_ERR:
          if (!value_to_uint (&c, &v, key, G_MAXUINT32, &u)) return FALSE;
          s.err = (guint32) u;
          break;
        case KEY_HB_AGE:
          if (!value_to_uint (&c, &v, key, G_MAXUINT32, &u)) return FALSE;
          s.hb_age = (guint32) u;
          break;
        case KEY_DATA_VALID:
          if (!value_to_bool (&c, &v, key, &s.data_valid)) return FALSE;
          break;
        case KEY_STREAM:
          if (!value_to_buffer (&c, &v, key, hello.stream, sizeof hello.stream)) return FALSE;
          break;
        case KEY_MESSAGE:
          if (!value_to_buffer (&c, &v, key, hello.message, sizeof hello.message)) return FALSE;
          break;
        case KEY_VERSION:
          if (!value_to_buffer (&c, &v, key, hello.version, sizeof hello.version)) return FALSE;
          break;
        case KEY_INTERVAL_MS:
          if (!value_to_uint (&c, &v, key, G_MAXUINT32, &u)) return FALSE;
          hello.interval_ms = (guint32) u;
          hello.has_interval = TRUE;
          break;
        case KEY_SYNC:
          if (v.type != VAL_STRING)
            return fail (&c, STEVE_LINE_ERROR_WRONG_TYPE, key);
          sync.ok = STRING_IS (&v, "ok");
          break;
        case KEY_TOKEN:
          if (!value_to_buffer (&c, &v, key, sync.token, sizeof sync.token)) return FALSE;
          sync.has_token = TRUE;
          break;
        case KEY_UNKNOWN:
        case N_KEYS:
        default:
          break;
        }

      if (key != KEY_UNKNOWN)
        seen |= 1u << key;

      skip_ws (&c);
      if (c.p >= c.end)
        return fail (&c, STEVE_LINE_ERROR_SYNTAX, KEY_UNKNOWN);
      if (*c.p == ',')
        {
          c.p++;
          continue;
        }
      if (*c.p == '}')
        {
          c.p++;
          break;
        }
      return fail (&c, STEVE_LINE_ERROR_SYNTAX, KEY_UNKNOWN);
    }

done:
  skip_ws (&c);
  if (c.p != c.end)
    return fail (&c, STEVE_LINE_ERROR_TRAILING_DATA, KEY_UNKNOWN);

  if (seen & (1u << KEY_SYNC))
    {
      if (!(seen & (1u << KEY_TIMESTAMP_MS)))
        return fail (&c, STEVE_LINE_ERROR_MISSING_KEY, KEY_TIMESTAMP_MS);
      if (!(seen & (1u << KEY_SEQ)))
        return fail (&c, STEVE_LINE_ERROR_MISSING_KEY, KEY_SEQ);
      out->kind = STEVE_LINE_SYNC;
      sync.t_us = s.t_us;
      sync.seq = s.seq;
      sync.timestamp_ms = s.timestamp_ms;
      out->sync = sync;
      return TRUE;
    }

  if (seen & (1u << KEY_STREAM))
    {
      out->kind = STEVE_LINE_HELLO;
      if (strcmp (hello.stream, "valve") == 0)
        hello.dialect = STEVE_DIALECT_FIRMWARE;
      else if (strcmp (hello.stream, "ready") == 0)
        hello.dialect = STEVE_DIALECT_DOCUMENTED;
      out->hello = hello;
      return TRUE;
    }

  s.present = (guint16) (seen & STEVE_SAMPLE_ALL_FIELDS);
  if (s.present == 0)
    return fail (&c, STEVE_LINE_ERROR_UNKNOWN_KIND, KEY_UNKNOWN);

  if ((s.present & STEVE_SAMPLE_REQUIRED_FIELDS) != STEVE_SAMPLE_REQUIRED_FIELDS)
    {
      for (int k = 0; k <= KEY_DATA_VALID; k++)
        if ((STEVE_SAMPLE_REQUIRED_FIELDS & (1u << k)) && !(s.present & (1u << k)))
          return fail (&c, STEVE_LINE_ERROR_MISSING_KEY, (Key) k);
    }

  out->kind = STEVE_LINE_SAMPLE;
  out->sample = s;
  return TRUE;
}

const char *
steve_line_error_to_string (SteveLineErrorCode code)
{
  switch (code)
    {
    case STEVE_LINE_OK: return _("no error");
    case STEVE_LINE_ERROR_EMPTY: return _("empty line");
    case STEVE_LINE_ERROR_TOO_LONG: return _("line too long");
    case STEVE_LINE_ERROR_NOT_OBJECT: return _("not a JSON object");
    case STEVE_LINE_ERROR_SYNTAX: return _("JSON syntax error");
    case STEVE_LINE_ERROR_BAD_STRING: return _("malformed string");
    case STEVE_LINE_ERROR_STRING_TOO_LONG: return _("string value too long");
    case STEVE_LINE_ERROR_BAD_NUMBER: return _("malformed number");
    case STEVE_LINE_ERROR_NOT_FINITE: return _("number is not finite");
    case STEVE_LINE_ERROR_OUT_OF_RANGE: return _("number out of range");
    case STEVE_LINE_ERROR_WRONG_TYPE: return _("value of the wrong type");
    case STEVE_LINE_ERROR_NESTED_VALUE: return _("unexpected nested value");
    case STEVE_LINE_ERROR_TRAILING_DATA: return _("data after the object");
    case STEVE_LINE_ERROR_MISSING_KEY: return _("required key missing");
    case STEVE_LINE_ERROR_UNKNOWN_STATUS: return _("unknown valve status");
    case STEVE_LINE_ERROR_UNKNOWN_KIND: return _("neither a sample, a hello nor a sync reply");
    default: return _("unknown error");
    }
}

/**
 * steve_line_error_describe:
 *
 * Returns: (transfer full): e.g. "number out of range (“seq”, byte 57)"
 */
char *
steve_line_error_describe (const SteveLineError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->key)
    return g_strdup_printf (_("%s (“%s”, byte %zu)"),
                            steve_line_error_to_string (error->code), error->key, (size_t) error->offset);

  return g_strdup_printf (_("%s (byte %zu)"),
                          steve_line_error_to_string (error->code), (size_t) error->offset);
}

const char *
steve_valve_state_to_stream_string (SteveValveState state)
{
  switch (state)
    {
    case STEVE_VALVE_STATE_RUNNING: return "RUNNING";
    case STEVE_VALVE_STATE_IDLE: return "IDLE";
    case STEVE_VALVE_STATE_INITIALIZING: return "IDLE";
    case STEVE_VALVE_STATE_ERROR: return "ERROR";
    case STEVE_VALVE_STATE_NO_DATA:
    case STEVE_VALVE_STATE_UNKNOWN:
    default: return "NO_DATA";
    }
}

const char *
steve_valve_state_to_string (SteveValveState state)
{
  switch (state)
    {
    case STEVE_VALVE_STATE_IDLE: return _("Idle");
    case STEVE_VALVE_STATE_INITIALIZING: return _("Starting");
    case STEVE_VALVE_STATE_RUNNING: return _("Running");
    case STEVE_VALVE_STATE_ERROR: return _("Error");
    case STEVE_VALVE_STATE_NO_DATA: return _("No data");
    case STEVE_VALVE_STATE_UNKNOWN:
    default: return _("Unknown");
    }
}

static const gint64 pow10_int[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };

/**
 * steve_telemetry_format_fixed:
 * @firmware_quirk: print like the firmware: by integer division, so a value
 *   strictly between −1 and 0 loses its minus sign
 *
 * Formats @value with @decimals fixed decimals (at most 6).
 *
 * Returns: number of bytes written (without the NUL)
 */
gsize
steve_telemetry_format_fixed (double    value,
                              guint     decimals,
                              gboolean  firmware_quirk,
                              char     *buf,
                              gsize     size)
{
  gint64 scale, scaled, whole, frac;
  int n;

  g_return_val_if_fail (decimals <= 6, 0);

  if (!isfinite (value))
    value = 0.0;

  scale = pow10_int[decimals];
  /* Keep the scaled value in range of the firmware's 32-bit integers. */
  value = CLAMP (value, -2.0e9 / (double) scale, 2.0e9 / (double) scale);

  if (firmware_quirk)
    {
      /* The firmware truncates value × scale to an integer and prints
       * whole = scaled / scale, frac = |scaled % scale|. */
      scaled = (gint64) (value * (double) scale);
      whole = scaled / scale;
      frac = scaled % scale;
      if (frac < 0)
        frac = -frac;
      if (decimals == 0)
        n = g_snprintf (buf, size, "%" G_GINT64_FORMAT, whole);
      else
        n = g_snprintf (buf, size, "%" G_GINT64_FORMAT ".%0*" G_GINT64_FORMAT, whole, (int) decimals, frac);
    }
  else
    {
      gboolean neg;

      scaled = (gint64) llround (value * (double) scale);
      neg = scaled < 0;
      if (neg)
        scaled = -scaled;
      whole = scaled / scale;
      frac = scaled % scale;
      if (decimals == 0)
        n = g_snprintf (buf, size, "%s%" G_GINT64_FORMAT, neg ? "-" : "", whole);
      else
        n = g_snprintf (buf, size, "%s%" G_GINT64_FORMAT ".%0*" G_GINT64_FORMAT,
                        neg ? "-" : "", whole, (int) decimals, frac);
    }

  return n < 0 ? 0 : MIN ((gsize) n, size - 1);
}

/**
 * steve_telemetry_format_sample:
 * @dialect: %STEVE_DIALECT_FIRMWARE prints like the firmware (key order,
 *   decimals, the minus-sign quirk); the documented dialect prints signs
 *   correctly
 *
 * Writes @sample as one telemetry line ending in `\n`.
 *
 * Returns: the number of bytes written, or 0 if @size is too small
 */
gsize
steve_telemetry_format_sample (const SteveSample *sample,
                               SteveDialect       dialect,
                               char              *buf,
                               gsize              size)
{
  gboolean quirk = dialect != STEVE_DIALECT_DOCUMENTED;
  char pt[32], pd[32], tq[32], ft[32], om[32];
  int n;

  g_return_val_if_fail (sample != NULL, 0);
  g_return_val_if_fail (buf != NULL, 0);

  steve_telemetry_format_fixed (sample->position_turns, 3, quirk, pt, sizeof pt);
  steve_telemetry_format_fixed (sample->position_deg, 1, quirk, pd, sizeof pd);
  steve_telemetry_format_fixed (sample->torque_nm, 3, quirk, tq, sizeof tq);
  steve_telemetry_format_fixed (sample->filt_torque_nm, 3, quirk, ft, sizeof ft);
  steve_telemetry_format_fixed (sample->omega_rad_s, 3, quirk, om, sizeof om);

  n = g_snprintf (buf, size,
                  "{\"timestamp_ms\":%u,\"t_us\":%" G_GUINT64_FORMAT ",\"loop_time_us\":%u,\"seq\":%u,"
                  "\"position_turns\":%s,\"position_deg\":%s,\"torque_nm\":%s,\"filt_torque_nm\":%s,"
                  "\"status\":\"%s\",\"omega_rad_s\":%s,\"passivity_mj\":%d,\"quiet\":%s,\"err\":%u,"
                  "\"hb_age\":%u,\"data_valid\":%s}\n",
                  sample->timestamp_ms, sample->t_us, sample->loop_time_us, sample->seq,
                  pt, pd, tq, ft,
                  steve_valve_state_to_stream_string (sample->status), om,
                  sample->passivity_mj, sample->quiet ? "true" : "false", sample->err,
                  sample->hb_age, sample->data_valid ? "true" : "false");

  if (n < 0 || (gsize) n >= size)
    return 0;

  return (gsize) n;
}
