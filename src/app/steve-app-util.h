/* steve-app-util.h — small helpers shared by the window and its pages
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Main thread only, like every widget.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum
{
  STEVE_FILE_OPEN,
  STEVE_FILE_SAVE,
} SteveFileMode;

/* One file type a chooser offers: a name shown to the user and globs,
 * separated by “;” (“*.h5;*.hdf5”). */
typedef struct
{
  const char *name;
  const char *pattern;
} SteveFileType;

void   steve_widget_show_toast   (GtkWidget           *widget,
                                  const char          *message);
void   steve_choose_file_async   (GtkWidget           *widget,
                                  SteveFileMode        mode,
                                  const char          *title,
                                  const char          *accept_label,
                                  const char          *suggested_name,
                                  const SteveFileType *types,
                                  guint                n_types,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
GFile *steve_choose_file_finish  (GAsyncResult        *result,
                                  int                 *type_index,
                                  GError             **error);
double    steve_plot_window_offered      (double               seconds);
gboolean  steve_plot_window_from_setting (GValue              *value,
                                         GVariant            *variant,
                                         gpointer             user_data);
GVariant *steve_plot_window_to_setting   (const GValue        *value,
                                          const GVariantType  *type,
                                          gpointer             user_data);
char  *steve_journal_dir         (void);
char  *steve_new_journal_path    (const char          *kind,
                                  GError             **error);
char  *steve_format_bytes        (guint64              bytes);
char  *steve_format_duration     (double               seconds);

G_END_DECLS
