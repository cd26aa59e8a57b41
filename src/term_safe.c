#include "lbconfig.h"

#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "term_safe.h"

#define REPLACEMENT 0xFFFDu
#define ELLIPSIS    "\xe2\x80\xa6" /* U+2026, one column */

/* Decode one code point from s[0..len), len > 0. Returns the bytes consumed
 * and sets *cp, or sets *cp to -1 for an ill-formed sequence; then the bytes
 * consumed are its maximal subpart (Unicode's recommended practice), so one
 * bad sequence becomes one U+FFFD. Overlongs, surrogates and values above
 * U+10FFFF are ill-formed. */
static size_t utf8_decode(const unsigned char *s, size_t len, long *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need;
	long v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0; /* overlong */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90; /* overlong */
		else if (c == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	} else {
		*cp = -1; /* continuation byte, C0/C1 overlong lead, F5..FF */
		return 1;
	}
	for (size_t i = 1; i <= need; i++) {
		unsigned char b;

		if (i >= len) {
			*cp = -1;
			return i;
		}
		b = s[i];
		if (b < lo || b > hi) {
			*cp = -1;
			return i;
		}
		lo = 0x80;
		hi = 0xBF;
		v = (v << 6) | (b & 0x3F);
	}
	*cp = v;
	return need + 1;
}

static size_t utf8_encode(unsigned long cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* wcwidth() needs a UTF-8 LC_CTYPE. When the program's locale is not UTF-8,
 * widths are taken from C.UTF-8 for the duration of one call, so results do
 * not depend on the environment. */
struct width_ctx {
	locale_t saved;
	bool switched;
};

static locale_t utf8_locale(void)
{
	static locale_t loc;
	static bool tried;

	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

static void width_begin(struct width_ctx *w)
{
	locale_t loc;

	w->switched = false;
	if (MB_CUR_MAX > 1 && wcwidth(0x4E00) == 2)
		return; /* the current locale already knows Unicode widths */
	loc = utf8_locale();
	if (loc) {
		w->saved = uselocale(loc);
		w->switched = true;
	}
}

static void width_end(struct width_ctx *w)
{
	if (w->switched)
		uselocale(w->saved);
}

/* Characters that reorder text or otherwise must not reach the terminal even
 * though wcwidth() may call them printable. */
static bool is_bidi_control(long cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

/* The code point to show for cp (the placeholder when it is unsafe). */
static unsigned long safe_cp(long cp)
{
	if (cp < 0)
		return REPLACEMENT;
	if (cp == 0x1B)
		return 0x241B;
	if (cp == '\n')
		return 0x2424;
	if (cp < 0x20)
		return 0x2400 + (unsigned long)cp;
	if (cp == 0x7F)
		return 0x2421;
	if (cp < 0x7F)
		return (unsigned long)cp;
	if (cp <= 0x9F || is_bidi_control(cp))
		return REPLACEMENT;
	if (wcwidth((wchar_t)cp) < 0)
		return REPLACEMENT;
	return (unsigned long)cp;
}

/* Printable UTF-8 copy of s[0..len) with placeholders. Caller frees. */
char *ts_sanitize(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct width_ctx w;
	size_t i = 0, o = 0, cap;
	char *out;

	if (!s) {
		s = "";
		p = (const unsigned char *)s;
		len = 0;
	}
	if (len == (size_t)-1)
		len = strlen(s);
	/* Each input byte yields at most 3 output bytes (a placeholder for a
	 * single byte is 3 bytes; a 4-byte character is copied as is). */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	cap = len * 3 + 1;
	out = malloc(cap);
	if (!out)
		return NULL;
	width_begin(&w);
	while (i < len) {
		long cp;
		size_t used = utf8_decode(p + i, len - i, &cp);
		unsigned long sc = safe_cp(cp);

		if (cp >= 0 && sc == (unsigned long)cp) {
			memcpy(out + o, p + i, used);
			o += used;
		} else {
			o += utf8_encode(sc, out + o);
		}
		i += used;
	}
	width_end(&w);
	out[o] = '\0';
	return out;
}

/* Width of one decoded character; unknown or invalid ones count as 1, as
 * ts_sanitize would have replaced them with U+FFFD. */
static int cp_width(long cp)
{
	int wd;

	if (cp < 0)
		return 1;
	wd = wcwidth((wchar_t)cp);
	return wd < 0 ? 1 : wd;
}

/* Terminal columns taken by a string that ts_sanitize() produced. */
int ts_width(const char *safe)
{
	const unsigned char *p = (const unsigned char *)safe;
	size_t len, i = 0;
	struct width_ctx w;
	int cols = 0;

	if (!safe)
		return 0;
	len = strlen(safe);
	width_begin(&w);
	while (i < len) {
		long cp;

		i += utf8_decode(p + i, len - i, &cp);
		cols += cp_width(cp);
	}
	width_end(&w);
	return cols;
}

/* Longest prefix of safe[0..len) with at most `cols` columns and at most
 * `max_bytes` bytes; returns its bytes and sets *used_cols. Zero-width
 * characters that follow the last character kept are kept with it. */
static size_t prefix(const char *safe, size_t len, int cols, size_t max_bytes, int *used_cols)
{
	const unsigned char *p = (const unsigned char *)safe;
	size_t i = 0;
	int c = 0;

	while (i < len) {
		long cp;
		size_t used = utf8_decode(p + i, len - i, &cp);
		int wd = cp_width(cp);

		if (c + wd > cols || i + used > max_bytes)
			break;
		c += wd;
		i += used;
	}
	*used_cols = c;
	return i;
}

/* Copy the longest prefix of `safe` fitting `cols` columns into out, with
 * "…" when cut. Returns the columns used. */
int ts_fit(const char *safe, int cols, char *out, size_t n)
{
	struct width_ctx w;
	size_t len, bytes;
	int used;

	if (!out || n == 0)
		return 0;
	out[0] = '\0';
	if (!safe || cols <= 0)
		return 0;
	len = strlen(safe);
	width_begin(&w);
	bytes = prefix(safe, len, cols, n - 1, &used);
	if (bytes < len) {
		/* Cut: leave one column and three bytes for the ellipsis. */
		if (n > sizeof(ELLIPSIS)) {
			bytes = prefix(safe, len, cols - 1, n - sizeof(ELLIPSIS), &used);
			memcpy(out, safe, bytes);
			memcpy(out + bytes, ELLIPSIS, sizeof(ELLIPSIS));
			used++;
		} else {
			memcpy(out, safe, bytes);
			out[bytes] = '\0';
		}
	} else {
		memcpy(out, safe, bytes);
		out[bytes] = '\0';
	}
	width_end(&w);
	return used;
}

/* Like ts_fit, then pad with spaces to exactly `cols` columns. */
int ts_fit_pad(const char *safe, int cols, char *out, size_t n)
{
	int used = ts_fit(safe, cols, out, n);
	size_t len;

	if (!out || n == 0)
		return used;
	len = strlen(out);
	while (used < cols && len + 1 < n) {
		out[len++] = ' ';
		used++;
	}
	out[len] = '\0';
	return used;
}

/* The start and the end of safe around "…" in cols columns. */
int ts_fit_middle(const char *safe, int cols, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)safe;
	struct width_ctx w;
	size_t len, i, head;
	int total, head_cols, tail_cols, cum;

	if (!out || n == 0)
		return 0;
	out[0] = '\0';
	if (!safe || cols <= 0)
		return 0;
	len = strlen(safe);
	width_begin(&w);
	total = 0;
	for (i = 0; i < len;) {
		long cp;
		i += utf8_decode(p + i, len - i, &cp);
		total += cp_width(cp);
	}
	if (total <= cols && len < n) {
		memcpy(out, safe, len + 1);
		width_end(&w);
		return total;
	}
	if (n < sizeof(ELLIPSIS)) {
		width_end(&w);
		return 0;
	}
	/* Two fifths of what is left beside the ellipsis for the start. */
	head = prefix(safe, len, (cols - 1) * 2 / 5, n - sizeof(ELLIPSIS), &head_cols);
	tail_cols = cols - 1 - head_cols;
	/* The end: from the first character after the start whose rest fits
	 * in tail_cols columns and in the bytes left. */
	cum = head_cols;
	for (i = head; i < len;) {
		long cp;
		size_t used = utf8_decode(p + i, len - i, &cp);
		int wd = cp_width(cp);
		if (wd > 0 && total - cum <= tail_cols && head + sizeof(ELLIPSIS) + (len - i) <= n)
			break;
		cum += wd;
		i += used;
	}
	memcpy(out, safe, head);
	memcpy(out + head, ELLIPSIS, sizeof(ELLIPSIS) - 1);
	memcpy(out + head + sizeof(ELLIPSIS) - 1, safe + i, len - i);
	out[head + sizeof(ELLIPSIS) - 1 + len - i] = '\0';
	width_end(&w);
	return head_cols + 1 + total - cum;
}

/* Byte length of the prefix of `safe` that fits in `cols` columns. */
size_t ts_prefix_bytes(const char *safe, int cols)
{
	struct width_ctx w;
	size_t bytes;
	int used;

	if (!safe || cols <= 0)
		return 0;
	width_begin(&w);
	bytes = prefix(safe, strlen(safe), cols, SIZE_MAX, &used);
	width_end(&w);
	return bytes;
}

/* JSON text with what a terminal would obey escaped. */
char *ts_json(const char *s, size_t len, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t done = 0, i = 0, cap = 0, n = 0;
	char *out = NULL;

	*out_len = 0;
	while (i < len) {
		long cp;
		size_t k;

		if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' || p[i] == '\t') {
			i++;
			continue;
		}
		k = utf8_decode(p + i, len - i, &cp);
		if (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f) && !is_bidi_control(cp)) {
			i += k;
			continue;
		}
		/* What came before it, then the escape (6 bytes). */
		size_t need = n + (i - done) + 6 + (len - i) + 1;
		if (need > cap) {
			size_t c = cap ? cap : len + 64;
			while (c < need)
				c *= 2;
			char *o = realloc(out, c);
			if (!o) {
				free(out);
				*out_len = (size_t)-1;
				return NULL;
			}
			out = o;
			cap = c;
		}
		memcpy(out + n, s + done, i - done);
		n += i - done;
		static const char hex[] = "0123456789abcdef";
		unsigned long v = cp < 0 ? 0xFFFD : (unsigned long)cp;
		char esc[6] = {'\\', 'u', hex[v >> 12 & 15], hex[v >> 8 & 15], hex[v >> 4 & 15], hex[v & 15]};
		memcpy(out + n, esc, 6);
		n += 6;
		i += k;
		done = i;
	}
	if (!out)
		return NULL;
	memcpy(out + n, s + done, len - done);
	n += len - done;
	out[n] = '\0';
	*out_len = n;
	return out;
}
