/* The terminal-safe layer: every string that came from the server or a file
 * passes here before it reaches the terminal.
 *
 * Control characters (C0, DEL, C1), escape sequences, invalid UTF-8 and
 * bidirectional overrides are replaced by visible placeholders, so server
 * data can never drive the terminal; secret keys are masked, so a server
 * that echoes one never gets it shown. Widths are in terminal columns, so wide
 * characters (CJK, emoji) keep columns aligned. */
#ifndef LB_TERM_SAFE_H
#define LB_TERM_SAFE_H

#include <stdbool.h>
#include <stddef.h>

/* ---- secrets ----------------------------------------------------------------
 *
 * A server may echo a secret key back (in an error message, a room's
 * metadata, a Storage value). Everything made safe here has secrets
 * masked first, in the form of config_mask_secret ("sk_prod_…a1b2"):
 *   - every key registered with ts_add_secret, wherever it appears;
 *   - any token that looks like a secret key: "sk_" at the start of a word
 *     (after a character other than a letter, a digit, '_' or '-', or
 *     after a JSON escape such as \n or \u0001) followed by at least TS_TOKEN_MIN_BODY
 *     letters, digits, '_' or '-' (or any of them at the very end of the
 *     text, which may have been cut in a key). "task_list", "sk_id" and a
 *     bare "sk_" stay.
 * A token longer than TS_TOKEN_TAIL_MAX bytes loses its last four
 * characters too ("sk_…"). */
#define TS_TOKEN_MIN_BODY 8
#define TS_TOKEN_TAIL_MAX 256
/* The longest mask: "sk_" + 8 letters + "_", "…", four characters. */
#define TS_MASK_MAX 24

/* Mask every later occurrence of key (an "sk_" key; others are ignored).
 * The key is copied; ts_forget_secrets wipes the copies. */
void ts_add_secret(const char *key);
void ts_forget_secrets(void);

/* The masked form of a key of len bytes into out (NUL-terminated): the
 * kind prefix ("sk_prod_" for sk_prod_…, "sk_" for other sk_ keys,
 * nothing for anything else), "…", and the last four characters when at
 * least eight others stay hidden and tail is true. Returns its length. */
size_t ts_mask_key(const char *key, size_t len, bool tail, char out[TS_MASK_MAX]);

/* A copy of s[0..len) with every secret masked, its length in *out_len;
 * NULL when there is nothing to mask, or out of memory (*out_len is then
 * (size_t)-1). */
char *ts_mask(const char *s, size_t len, size_t *out_len);

/* Masking a text that arrives in pieces (a document printed as it is
 * downloaded): the same result as ts_mask on the whole, whatever the cut.
 * What may begin a secret is held back (at most TS_TOKEN_TAIL_MAX bytes or
 * a key's length) until the next piece tells. Zero-initialise. */
struct ts_mask_stream {
	char *held; /* bytes not settled yet */
	size_t held_len, held_cap;
	unsigned char before[6]; /* the six bytes before held (0 at the start) */
	bool swallowing;         /* inside a token too long to hold, already masked */
};
/* emit gets the settled bytes, in order; false from it stops the stream
 * (the functions then return false; errno is emit's). */
typedef bool (*ts_emit_fn)(void *ud, const char *p, size_t len);
bool ts_mask_stream_feed(struct ts_mask_stream *m, const char *p, size_t len, ts_emit_fn emit,
                         void *ud);
/* The end of the text: emit what was held. */
bool ts_mask_stream_end(struct ts_mask_stream *m, ts_emit_fn emit, void *ud);
void ts_mask_stream_free(struct ts_mask_stream *m);

/* ---- terminal-safe text --------------------------------------------------- */

/* Return a newly allocated, NUL-terminated, printable UTF-8 copy of
 * s[0..len) (len may be (size_t)-1 for a C string), secrets masked (see
 * above). Placeholders:
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

/* JSON text made safe for a terminal without breaking it: secrets masked,
 * C0 controls but newline and tab, DEL, C1 controls and bidirectional
 * overrides become \u escapes, invalid UTF-8 becomes \ufffd. Returns a
 * malloc'd copy and its length in *out_len, or NULL when nothing needs
 * changing (or out of memory: *out_len is then (size_t)-1). For JSON
 * printed to a terminal. */
char *ts_json(const char *s, size_t len, size_t *out_len);

/* Like ts_json, and newline and tab become \u000a and \u0009 too: not
 * one control character is left (for the clipboard, where a line break
 * would run as a command when pasted into a shell). The text needs no
 * JSON syntax: a JSON Pointer comes out with its controls escaped. */
char *ts_json_line(const char *s, size_t len, size_t *out_len);

#endif
