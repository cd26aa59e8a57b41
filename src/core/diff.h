/* Line diff of two texts, for previews of an edit (before / after). */
#ifndef LB_DIFF_H
#define LB_DIFF_H

#include <stddef.h>

/* The difference from text a to text b, line by line (Myers' algorithm in
 * linear space; fine for a few thousand lines). Each output line ends with
 * '\n' and starts with a two-character tag the UI colours by its first
 * character:
 *   "  " a line both texts have (context)
 *   "- " a line only a has
 *   "+ " a line only b has
 *   "@@" a hunk header, "@@ -3,7 +3,8 @@" (1-based start line, line count
 *        of a then of b, as in diff -u)
 * Within a change, removed lines come before added ones. context >= 0:
 * hunks with that many lines of context around each change (hunks closer
 * than 2*context lines merge); context < 0: every line of both texts,
 * without hunk headers. A missing newline at the end of a text does not
 * count as a change; NULL texts are empty. Returns "" when the texts have
 * the same lines, NULL on OOM. Caller frees. */
char *diff_unified(const char *a, const char *b, int context);

/* Counts of the lines a diff_unified() output adds and removes. */
void diff_count(const char *diff, size_t *added, size_t *removed);

#endif
