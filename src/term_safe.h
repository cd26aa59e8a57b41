/* The terminal-safe layer: every string that came from the server or a file
 * passes here before it reaches the terminal.
 *
 * Control characters (C0, DEL, C1), escape sequences, invalid UTF-8 and
 * bidirectional overrides are replaced by visible placeholders, so server
 * data can never drive the terminal. Widths are in terminal columns, so wide
 * characters (CJK, emoji) keep columns aligned. */
#ifndef LB_TERM_SAFE_H
#define LB_TERM_SAFE_H

#include <stddef.h>

/* Return a newly allocated, NUL-terminated, printable UTF-8 copy of
 * s[0..len) (len may be (size_t)-1 for a C string). Placeholders:
 *   ESC -> "␛" (U+241B), other C0 -> U+2400+c ("␀".."␟"), DEL -> "␡",
 *   C1 (U+0080..U+009F) -> "�", invalid UTF-8 -> "�" (U+FFFD),
 *   bidi controls (U+202A..U+202E, U+2066..U+2069, U+200E/F, U+061C) -> "�",
 *   newline and tab -> "␤" and "␉" (callers wanting multi-line text split
 *   first with ts_lines()). Caller frees. Never returns NULL except when
 *   out of memory. */
char *ts_sanitize(const char *s, size_t len);

/* Terminal columns taken by a string that ts_sanitize() produced. */
int ts_width(const char *safe);

/* Copy the longest prefix of `safe` that fits in `cols` columns into out
 * (size n, always NUL-terminated), ending with "…" when it was cut.
 * Returns the columns used. Wide characters are never split. */
int ts_fit(const char *safe, int cols, char *out, size_t n);

/* Like ts_fit, then pad with spaces to exactly `cols` columns. */
int ts_fit_pad(const char *safe, int cols, char *out, size_t n);

/* Like ts_fit, but a cut goes in the middle: the start and the end of
 * `safe` stay, joined by "…" (the end gets the larger share: it is what
 * tells IDs such as "acme:ticket-1001" and "acme:ticket-1002" apart).
 * Wide characters are never split; a zero-width character never starts
 * the end part. Returns the columns used (at most cols). */
int ts_fit_middle(const char *safe, int cols, char *out, size_t n);

/* Byte length of the prefix of `safe` that fits in `cols` columns. */
size_t ts_prefix_bytes(const char *safe, int cols);

/* JSON text made safe for a terminal without breaking it: C0 controls but
 * newline and tab, DEL, C1 controls and bidirectional overrides become
 * \u escapes, invalid UTF-8 becomes \ufffd. Returns a malloc'd copy and
 * its length in *out_len, or NULL when nothing needs escaping (or out of
 * memory: *out_len is then (size_t)-1). For JSON printed to a terminal. */
char *ts_json(const char *s, size_t len, size_t *out_len);

#endif
