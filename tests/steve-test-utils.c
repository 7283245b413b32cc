/* steve-test-utils.c — helpers shared by the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "steve-test-utils.h"

#if defined(__SANITIZE_ADDRESS__)
# define STEVE_TEST_LSAN 1
# include <sanitizer/lsan_interface.h>
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define STEVE_TEST_LSAN 1
#  include <sanitizer/lsan_interface.h>
# endif
#endif
#ifndef STEVE_TEST_LSAN
# define STEVE_TEST_LSAN 0
#endif

#if STEVE_TEST_LSAN
/* Allocations made by the shared libraries' constructors, before main(),
 * are not leak-checked: they are third-party by definition (this project
 * has no constructors besides these two) and GLib's include its first quark
 * table, which it drops on purpose once an application has more than 2048
 * quarks (every GTK test does). The executable's .preinit_array runs before
 * any library constructor, its .init_array after all of them. */
static void
leak_check_off_before_libraries (int    argc,
                                 char **argv,
                                 char **envp)
{
  __lsan_disable ();
}

__attribute__ ((section (".preinit_array"), used))
static void (*const leak_check_off) (int, char **, char **) = leak_check_off_before_libraries;

__attribute__ ((constructor))
static void
leak_check_on_after_libraries (void)
{
  __lsan_enable ();
}
#endif

/* GLib's test harness (G_TEST_OPTION_ISOLATE_DIRS) points HOME and the XDG
 * directories at fresh ones before every test case, and on purpose drops
 * the strings it handed out for the previous ones (a caller may still hold
 * them). A GLib built with AddressSanitizer tells LeakSanitizer so; Debian's
 * is not built that way. This tells it for the values in place now, which
 * the next test case replaces, so that no suppression has to name GLib's
 * frames (they need the slow unwinder, which makes the GUI tests crawl). */
static void
forget_isolated_dirs (void)
{
#if STEVE_TEST_LSAN
  const char *const *lists[] = { g_get_system_data_dirs (), g_get_system_config_dirs () };
  const char *dirs[] = {
    g_get_home_dir (), g_get_user_cache_dir (), g_get_user_config_dir (),
    g_get_user_data_dir (), g_get_user_state_dir (), g_get_user_runtime_dir (),
  };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    __lsan_ignore_object (dirs[i]);
  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      __lsan_ignore_object (lists[i]);
      for (guint j = 0; lists[i][j] != NULL; j++)
        __lsan_ignore_object (lists[i][j]);
    }
#endif
}

void
steve_test_init (int    *argc,
                 char ***argv)
{
  setlocale (LC_ALL, "");
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* the values read before the first test case */
  forget_isolated_dirs ();
}

/* One registered test case: a plain function or a fixture's three. */
typedef struct
{
  GTestFunc        func;
  GTestDataFunc    data_func;
  GTestFixtureFunc setup;
  GTestFixtureFunc test;
  GTestFixtureFunc teardown;
  gconstpointer    data;
} TestCase;

/* Every TestCase lives as long as the process. */
static GPtrArray *test_cases;

static void
case_setup (gpointer      fixture,
            gconstpointer data)
{
  const TestCase *c = data;

  if (c->setup != NULL)
    c->setup (fixture, c->data);
}

static void
case_run (gpointer      fixture,
          gconstpointer data)
{
  const TestCase *c = data;

  if (c->func != NULL)
    c->func ();
  else if (c->data_func != NULL)
    c->data_func (c->data);
  else
    c->test (fixture, c->data);
}

static void
case_teardown (gpointer      fixture,
               gconstpointer data)
{
  const TestCase *c = data;

  if (c->teardown != NULL)
    c->teardown (fixture, c->data);
  forget_isolated_dirs ();
}

static void
add_case (const char *path,
          gsize       fixture_size,
          TestCase   *c)
{
  if (test_cases == NULL)
    test_cases = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (test_cases, c);
  g_test_add_vtable (path, fixture_size, c, case_setup, case_run, case_teardown);
}

/* g_test_add_func() for the tests that run with isolated directories
 * (steve_test_init()). */
void
steve_test_add_func (const char *path,
                     GTestFunc   func)
{
  TestCase *c = g_new0 (TestCase, 1);

  c->func = func;
  add_case (path, 0, c);
}

/* g_test_add_data_func() for the same */
void
steve_test_add_data_func (const char    *path,
                          gconstpointer  data,
                          GTestDataFunc  func)
{
  TestCase *c = g_new0 (TestCase, 1);

  c->data_func = func;
  c->data = data;
  add_case (path, 0, c);
}

/* g_test_add_vtable() for the same; steve_test_add() is g_test_add() */
void
steve_test_add_vtable (const char       *path,
                       gsize             fixture_size,
                       gconstpointer     data,
                       GTestFixtureFunc  setup,
                       GTestFixtureFunc  test,
                       GTestFixtureFunc  teardown)
{
  TestCase *c = g_new0 (TestCase, 1);

  c->setup = setup;
  c->test = test;
  c->teardown = teardown;
  c->data = data;
  add_case (path, fixture_size, c);
}

/**
 * steve_test_sim_new:
 * @state_file: (nullable): presets file; %NULL keeps presets in memory
 *
 * Starts a simulator on free loopback ports.
 */
SteveSim *
steve_test_sim_new (SteveDialect     dialect,
                    SteveSimProfile  profile,
                    const char      *state_file)
{
  g_autoptr(GError) error = NULL;
  SteveSim *sim = g_object_new (STEVE_TYPE_SIM,
                                "dialect", dialect,
                                "profile", profile,
                                "state-file", state_file,
                                NULL);

  steve_sim_start (sim, &error);
  g_assert_no_error (error);
  return sim;
}

/**
 * steve_test_http_parse:
 * @raw: (transfer full): a whole HTTP response, NUL-terminated
 */
SteveTestHttp *
steve_test_http_parse (char  *raw,
                       gsize  len)
{
  SteveTestHttp *resp = g_new0 (SteveTestHttp, 1);
  const char *head_end = g_strstr_len (raw, (gssize) len, "\r\n\r\n");
  const char *line_end;

  resp->raw = raw;
  resp->raw_len = len;

  if (head_end == NULL)
    return resp;

  line_end = strstr (raw, "\r\n");
  resp->status_line = g_strndup (raw, (gsize) (line_end - raw));
  if (g_str_has_prefix (resp->status_line, "HTTP/1.1 "))
    resp->status = (guint) g_ascii_strtoull (resp->status_line + 9, NULL, 10);
  resp->headers = g_strndup (line_end + 2, (gsize) (head_end + 2 - line_end - 2));
  resp->body_len = len - (gsize) (head_end + 4 - raw);
  resp->body = g_strndup (head_end + 4, resp->body_len);
  return resp;
}

/**
 * steve_test_http_raw:
 *
 * Sends @request as is on a new connection and reads until the peer
 * closes. Fails with G_IO_ERROR_CONNECTION_REFUSED / _CLOSED / a reset.
 */
SteveTestHttp *
steve_test_http_raw (guint        port,
                     const char  *request,
                     gsize        len,
                     GError     **error)
{
  g_autoptr(GSocketConnection) conn = steve_test_connect (port, error);
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  GInputStream *in;
  gsize written;

  if (conn == NULL)
    return NULL;

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                  request, len, &written, NULL, error))
    return NULL;

  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  for (;;)
    {
      guint8 chunk[4096];
      gssize n = g_input_stream_read (in, chunk, sizeof chunk, NULL, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      g_byte_array_append (buf, chunk, (guint) n);
    }

  g_byte_array_append (buf, (const guint8 *) "", 1);
  {
    gsize n = buf->len - 1;
    return steve_test_http_parse ((char *) g_byte_array_free (g_steal_pointer (&buf), FALSE), n);
  }
}

/**
 * steve_test_http:
 *
 * A well-formed request with the default API key.
 */
SteveTestHttp *
steve_test_http (guint       port,
                 const char *method,
                 const char *path,
                 const char *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *req = NULL;
  SteveTestHttp *resp;

  if (body != NULL)
    req = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: %s\r\n"
                           "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                           method, path, STEVE_DEFAULT_API_KEY, strlen (body), body);
  else
    req = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: %s\r\n\r\n",
                           method, path, STEVE_DEFAULT_API_KEY);

  resp = steve_test_http_raw (port, req, strlen (req), &error);
  g_assert_no_error (error);
  g_assert_nonnull (resp);
  return resp;
}

void
steve_test_http_free (SteveTestHttp *resp)
{
  if (resp == NULL)
    return;
  g_free (resp->status_line);
  g_free (resp->headers);
  g_free (resp->body);
  g_free (resp->raw);
  g_free (resp);
}

/**
 * steve_test_http_dup_header:
 *
 * Returns: (nullable) (transfer full): the value of header @name
 *   (case-insensitive)
 */
char *
steve_test_http_dup_header (SteveTestHttp *resp,
                            const char    *name)
{
  g_auto(GStrv) lines = NULL;

  if (resp->headers == NULL)
    return NULL;

  lines = g_strsplit (resp->headers, "\r\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon && (gsize) (colon - lines[i]) == strlen (name) &&
          g_ascii_strncasecmp (lines[i], name, strlen (name)) == 0)
        return g_strstrip (g_strdup (colon + 1));
    }
  return NULL;
}

/* STEVE_TEST_TIMEOUT_SCALE (set by build-aux/valgrind-tests) stretches
 * every wait: under memcheck the code under test and the in-process
 * simulator run 20-50x slower, and the valgrind stage checks memory, not
 * timing. */
guint
steve_test_timeout_scale (void)
{
  static gsize scale = 0;

  if (g_once_init_enter (&scale))
    {
      const char *env = g_getenv ("STEVE_TEST_TIMEOUT_SCALE");
      guint64 v = env ? g_ascii_strtoull (env, NULL, 10) : 1;

      g_once_init_leave (&scale, (gsize) CLAMP (v, 1, 100));
    }
  return (guint) scale;
}

/* A GAsyncReadyCallback that keeps the result in the GAsyncResult * slot
 * @user_data points at, which must be empty. */
void
steve_test_result_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GAsyncResult **out = user_data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

/* Runs the main context until steve_test_result_cb() has filled @slot;
 * fails the test after @timeout_s (times the timeout scale). */
GAsyncResult *
steve_test_wait_result (GAsyncResult **slot,
                        guint          timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * steve_test_timeout_scale () * G_USEC_PER_SEC;

  while (*slot == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  return *slot;
}

gboolean
steve_test_wait_for (SteveTestCondition cond,
                     gpointer           data,
                     guint              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * steve_test_timeout_scale () * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (2000);
    }
  return TRUE;
}

void
steve_test_sleep_ms (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

GSocketConnection *
steve_test_connect (guint    port,
                    GError **error)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  g_socket_client_set_timeout (client, 10);
  return g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) port, NULL, error);
}

/**
 * steve_test_read_line:
 *
 * Reads one line (without its newline) byte by byte, so nothing after it
 * is consumed.
 *
 * Returns: (nullable): the line, or %NULL on EOF/error/timeout
 */
char *
steve_test_read_line (GSocketConnection *conn,
                      guint              timeout_ms)
{
  GSocket *socket = g_socket_connection_get_socket (conn);
  g_autoptr(GString) line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      char c;
      gssize n;
      gint64 left = deadline - g_get_monotonic_time ();

      if (left <= 0)
        return NULL;

      g_socket_set_timeout (socket, (guint) MAX (1, left / 1000000 + 1));
      if (!g_socket_condition_timed_wait (socket, G_IO_IN, left, NULL, NULL))
        return NULL;

      n = g_socket_receive (socket, &c, 1, NULL, NULL);
      if (n <= 0)
        return NULL;
      if (c == '\n')
        return g_string_free (g_steal_pointer (&line), FALSE);
      g_string_append_c (line, c);
    }
}

void
steve_test_write (GSocketConnection *conn,
                  const char        *text)
{
  g_autoptr(GError) error = NULL;
  gsize written;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                             text, strlen (text), &written, NULL, &error);
  g_assert_no_error (error);
}

char *
steve_test_capture_path (const char *relative)
{
  return g_build_filename (STEVE_TEST_CAPTURES, relative, NULL);
}

/**
 * steve_test_load_capture:
 *
 * Splits a capture file into the exact request and response bytes.
 */
gboolean
steve_test_load_capture (const char  *name,
                         char       **request,
                         gsize       *request_len,
                         char       **response,
                         gsize       *response_len)
{
  g_autofree char *path = g_build_filename (STEVE_TEST_CAPTURES, "http", name, NULL);
  g_autofree char *text = NULL;
  gsize len;
  const char *req, *mid, *resp;

  if (!g_file_get_contents (path, &text, &len, NULL))
    return FALSE;

  req = strstr (text, "# request\n");
  mid = strstr (text, "\n# response\n");
  if (req == NULL || mid == NULL)
    return FALSE;
  req += strlen ("# request\n");
  resp = mid + strlen ("\n# response\n");

  *request_len = (gsize) (mid - req);
  *request = g_strndup (req, *request_len);

  *response_len = len - (gsize) (resp - text);
  if (*response_len > 0 && resp[*response_len - 1] == '\n')
    (*response_len)--;
  *response = g_strndup (resp, *response_len);
  return TRUE;
}

/**
 * steve_test_json_shape:
 *
 * Replaces every number outside strings by `#N` (N = its decimals), so two
 * bodies with the same keys, order and decimals have the same shape.
 */
char *
steve_test_json_shape (const char *json)
{
  GString *s = g_string_new (NULL);
  gboolean in_string = FALSE;

  for (const char *p = json; *p; p++)
    {
      if (in_string)
        {
          g_string_append_c (s, *p);
          if (*p == '\\' && p[1])
            g_string_append_c (s, *++p);
          else if (*p == '"')
            in_string = FALSE;
          continue;
        }

      if (*p == '"')
        {
          in_string = TRUE;
          g_string_append_c (s, *p);
          continue;
        }

      if (*p == '-' || g_ascii_isdigit (*p))
        {
          guint decimals = 0;
          gboolean frac = FALSE;

          while (*p == '-' || *p == '.' || g_ascii_isdigit (*p))
            {
              if (*p == '.')
                frac = TRUE;
              else if (frac && g_ascii_isdigit (*p))
                decimals++;
              p++;
            }
          p--;
          g_string_append_printf (s, "#%u", decimals);
          continue;
        }

      g_string_append_c (s, *p);
    }

  return g_string_free (s, FALSE);
}

SteveTestTmp *
steve_test_tmp_new (void)
{
  g_autoptr(GError) error = NULL;
  SteveTestTmp *tmp = g_new0 (SteveTestTmp, 1);

  tmp->dir = g_dir_make_tmp ("steve-test-XXXXXX", &error);
  g_assert_no_error (error);
  tmp->state_file = g_build_filename (tmp->dir, "state.ini", NULL);
  return tmp;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

void
steve_test_tmp_free (SteveTestTmp *tmp)
{
  if (tmp == NULL)
    return;
  remove_tree (tmp->dir);
  g_free (tmp->dir);
  g_free (tmp->state_file);
  g_free (tmp);
}
