/* steve-test-utils.h — helpers shared by the tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "steve-sim.h"

G_BEGIN_DECLS

typedef struct
{
  guint  status;
  char  *status_line;
  char  *headers;     /* header block without the status line */
  char  *body;
  gsize  body_len;
  char  *raw;
  gsize  raw_len;
} SteveTestHttp;

typedef struct
{
  char  *dir;
  char  *state_file;
} SteveTestTmp;

void           steve_test_init              (int             *argc,
                                             char          ***argv);
void           steve_test_add_func          (const char      *path,
                                             GTestFunc        func);
void           steve_test_add_data_func     (const char      *path,
                                             gconstpointer    data,
                                             GTestDataFunc    func);
void           steve_test_add_vtable        (const char      *path,
                                             gsize            fixture_size,
                                             gconstpointer    data,
                                             GTestFixtureFunc setup,
                                             GTestFixtureFunc test,
                                             GTestFixtureFunc teardown);
/* g_test_add() for tests initialised with steve_test_init() */
#define steve_test_add(path, Fixture, tdata, fsetup, ftest, fteardown)                          \
  G_STMT_START {                                                                                \
    void (*add_setup) (Fixture *, gconstpointer) = fsetup;                                      \
    void (*add_test) (Fixture *, gconstpointer) = ftest;                                        \
    void (*add_teardown) (Fixture *, gconstpointer) = fteardown;                                \
    steve_test_add_vtable (path, sizeof (Fixture), tdata, (GTestFixtureFunc) (void (*) (void)) add_setup,  \
                           (GTestFixtureFunc) (void (*) (void)) add_test,                       \
                           (GTestFixtureFunc) (void (*) (void)) add_teardown);                  \
  } G_STMT_END
SteveSim      *steve_test_sim_new           (SteveDialect     dialect,
                                             SteveSimProfile  profile,
                                             const char      *state_file);
SteveTestHttp *steve_test_http_raw          (guint            port,
                                             const char      *request,
                                             gsize            len,
                                             GError         **error);
SteveTestHttp *steve_test_http_parse        (char            *raw,
                                             gsize            len);
SteveTestHttp *steve_test_http              (guint            port,
                                             const char      *method,
                                             const char      *path,
                                             const char      *body);
void           steve_test_http_free         (SteveTestHttp   *resp);
char          *steve_test_http_dup_header   (SteveTestHttp   *resp,
                                             const char      *name);

typedef gboolean (*SteveTestCondition) (gpointer data);
guint          steve_test_timeout_scale     (void);
void           steve_test_result_cb         (GObject         *source,
                                             GAsyncResult    *result,
                                             gpointer         user_data);
GAsyncResult  *steve_test_wait_result       (GAsyncResult   **slot,
                                             guint            timeout_s);
gboolean       steve_test_wait_for          (SteveTestCondition cond,
                                             gpointer         data,
                                             guint            timeout_ms);
void           steve_test_sleep_ms          (guint            ms);

GSocketConnection *steve_test_connect       (guint            port,
                                             GError         **error);
char          *steve_test_read_line         (GSocketConnection *conn,
                                             guint            timeout_ms);
void           steve_test_write             (GSocketConnection *conn,
                                             const char      *text);

char          *steve_test_capture_path      (const char      *relative);
gboolean       steve_test_load_capture      (const char      *name,
                                             char           **request,
                                             gsize           *request_len,
                                             char           **response,
                                             gsize           *response_len);
char          *steve_test_json_shape        (const char      *json);

SteveTestTmp  *steve_test_tmp_new           (void);
void           steve_test_tmp_free          (SteveTestTmp    *tmp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveTestHttp, steve_test_http_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SteveTestTmp, steve_test_tmp_free)

G_END_DECLS
