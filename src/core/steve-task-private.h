/* steve-task-private.h: a GTask on a thread of its own
 *
 * g_task_run_in_thread() takes a thread from GLib's task pool, which the
 * whole process shares. Other work (GTK loads icons there, GIO does file
 * I/O there) can hold all of its threads for seconds, and then a task
 * waits. The e-stop and the saving of a recording must not wait for
 * unrelated work, and the streamer's worker would hold a pool thread for
 * as long as the stream runs, so each gets a thread started for it alone.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GTask           *task;
  GTaskThreadFunc  func;
} SteveOwnThread;

static inline gpointer
steve_own_thread_main (gpointer data)
{
  SteveOwnThread *t = data;
  GTask *task = t->task;

  t->func (task, g_task_get_source_object (task), g_task_get_task_data (task), g_task_get_cancellable (task));
  g_free (t);
  g_object_unref (task);
  return NULL;
}

/* Runs @func for @task on a new thread named @name, as
 * g_task_run_in_thread() would on a pool thread: @func returns the
 * task's result, which reaches the callback in the task's context. Only
 * if no thread can be started does it fall back to the pool, with a
 * warning. */
static inline void
steve_task_run_in_own_thread (GTask           *task,
                              const char      *name,
                              GTaskThreadFunc  func)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GThread) thread = NULL;
  SteveOwnThread *t = g_new0 (SteveOwnThread, 1);

  t->task = g_object_ref (task);
  t->func = func;
  thread = g_thread_try_new (name, steve_own_thread_main, t, &error);
  if (thread == NULL)
    {
      g_warning ("No thread for “%s”, it goes to the shared task pool: %s", name, error->message);
      g_object_unref (t->task);
      g_free (t);
      g_task_run_in_thread (task, func);
    }
}

G_END_DECLS
