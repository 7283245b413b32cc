/* fuzz-recording.c — libFuzzer target: the recording readers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first byte picks the format (CSV, JSON, HDF5, journal); the rest is
 * the file's content. A file either loads or gives an error; nothing else.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "steve-recording.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static char *dir;

static void
remove_dir (void)
{
  g_rmdir (dir);
  g_clear_pointer (&dir, g_free);
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const char * const names[] = { "f.csv", "f.json", "f.h5", "f.journal" };
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SteveRecording) rec = NULL;

  if (size < 1)
    return 0;

  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("steve-fuzz-XXXXXX", NULL);
      g_assert (dir != NULL);
      atexit (remove_dir);
    }

  path = g_build_filename (dir, names[data[0] % G_N_ELEMENTS (names)], NULL);
  if (!g_file_set_contents (path, (const char *) data + 1, (gssize) size - 1, NULL))
    return 0;

  rec = steve_recording_load (path, &error);
  g_assert ((rec == NULL) != (error == NULL));
  if (rec != NULL)
    {
      guint n;
      g_autofree char *meta = steve_recording_metadata_to_json (rec);

      steve_recording_get_samples (rec, &n);
      g_assert (meta != NULL);
    }

  g_unlink (path);
  return 0;
}
