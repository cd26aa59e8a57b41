/* Where lbtui's installed files are. The paths configure chose are built
 * in; a binary run from elsewhere than its bindir (installed with DESTDIR,
 * or its prefix moved as a whole) finds them at the same place relative
 * to itself; one run from its build directory uses the source tree's. */
#ifndef LB_INSTALL_H
#define LB_INSTALL_H

#include <stdbool.h>
#include <stddef.h>

/* dir moved as the binary moved: bindir and dir share a directory C
 * (/usr/local for /usr/local/bin and /usr/local/share/lbtui/themes); when
 * exe_dir ends with bindir's part below C, out is exe_dir without that
 * part, then dir's part below C. False (out untouched) when exe_dir does
 * not end that way or out is too small. */
bool install_relocate(const char *exe_dir, const char *bindir, const char *dir, char *out,
		      size_t n);

/* The directories the shipped themes may be in, in lookup order (each
 * malloc'd, at most max): beside the running binary (when it is not where
 * configure put it), the configured themes directory, and the source
 * tree's themes/ when the binary runs from its build directory. */
size_t install_theme_dirs(char **out, size_t max);

#endif
