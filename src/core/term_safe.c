#include "lbconfig.h"

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "term_safe.h"
#include "utf8.h"
#include "util.h"

#define REPLACEMENT 0xFFFDu
#define ELLIPSIS    "\xe2\x80\xa6" /* U+2026, one column */

/* ---- secrets ------------------------------------------------------------------ */

#define MAX_SECRETS 16

static struct secret {
	char *key;
	size_t len;
} secrets[MAX_SECRETS];
static size_t n_secrets;

/* Mask every later occurrence of key. */
void ts_add_secret(const char *key)
{
	size_t len = key ? strlen(key) : 0;

	if (len < 3 || strncmp(key, "sk_", 3) != 0 || n_secrets == MAX_SECRETS)
		return;
	for (size_t i = 0; i < n_secrets; i++)
		if (secrets[i].len == len && !memcmp(secrets[i].key, key, len))
			return;
	secrets[n_secrets].key = strdup(key);
	if (secrets[n_secrets].key)
		secrets[n_secrets++].len = len;
}

void ts_forget_secrets(void)
{
	for (size_t i = 0; i < n_secrets; i++) {
		/* volatile: the wipe must not be optimised away */
		volatile char *v = secrets[i].key;
		for (size_t k = 0; k < secrets[i].len; k++)
			v[k] = 0;
		free(secrets[i].key);
		secrets[i].key = NULL;
	}
	n_secrets = 0;
}

/* Letters, digits, '_' and '-': what a key is made of. */
static bool token_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Length of the kind prefix to show: "sk_prod_" for sk_prod_..., "sk_" for
 * other sk_ keys, nothing for anything else. */
static size_t mask_prefix_len(const char *s, size_t len)
{
	size_t i = 3;

	if (len < 3 || strncmp(s, "sk_", 3) != 0)
		return 0;
	while (i < len && s[i] >= 'a' && s[i] <= 'z' && i < 3 + 8)
		i++;
	if (i > 3 && i < len && s[i] == '_')
		return i + 1;
	return 3;
}

/* The masked form of a key: prefix, "…", last four when eight stay hidden. */
size_t ts_mask_key(const char *key, size_t len, bool tail, char out[TS_MASK_MAX])
{
	size_t pre = mask_prefix_len(key, len), n = pre;

	memcpy(out, key, pre);
	memcpy(out + n, ELLIPSIS, 3);
	n += 3;
	if (tail && len > 12 && len >= pre + 8 + 4) {
		memcpy(out + n, key + len - 4, 4);
		n += 4;
	}
	out[n] = '\0';
	return n;
}

/* Emit s[0..n) unless empty. */
static bool emit_some(ts_emit_fn emit, void *ud, const char *s, size_t n)
{
	return n == 0 || emit(ud, s, n);
}

static bool emit_mask(ts_emit_fn emit, void *ud, const char *key, size_t len, bool tail)
{
	char form[TS_MASK_MAX];
	size_t n = ts_mask_key(key, len, tail, form);

	return emit(ud, form, n);
}

#if defined(__GNUC__)
/* Sixteen bytes at once (GCC's and clang's vector extensions: SSE2 on
 * x86-64, plain code where there is no SIMD). */
typedef unsigned char bytes16 __attribute__((vector_size(16)));
#endif

/* The next "sk_" in s[from..len), or NULL. Every byte of a document printed
 * passes here, so sixteen positions are tried at once: about 5 ms for
 * 100 MiB, whatever the text (memmem took 25, memchr of one of the three
 * letters up to 60 where that letter is common). */
static const char *find_sk(const char *s, size_t from, size_t len)
{
	size_t i = from;

	if (len < 3 || from > len - 3)
		return NULL;
#if defined(__GNUC__)
	const bytes16 ks = (bytes16){0} + 's', kk = (bytes16){0} + 'k', ku = (bytes16){0} + '_';
	for (; i + 18 <= len; i += 16) {
		bytes16 a, b, c, m;
		uint64_t half[2];

		memcpy(&a, s + i, 16);
		memcpy(&b, s + i + 1, 16);
		memcpy(&c, s + i + 2, 16);
		m = (bytes16)((a == ks) & (b == kk) & (c == ku));
		memcpy(half, &m, 16);
		if (half[0] | half[1])
			break; /* it is among these sixteen */
	}
#endif
	for (; i + 3 <= len; i++)
		if (s[i] == 's' && s[i + 1] == 'k' && s[i + 2] == '_')
			return s + i;
	return NULL;
}

/* Where a registered key starts at s[0..avail): its length when it is all
 * there; 0 when none is, with *partial set when one may continue beyond
 * avail. */
static size_t key_at(const char *s, size_t avail, bool *partial)
{
	*partial = false;
	for (size_t k = 0; k < n_secrets; k++)
		if (secrets[k].len <= avail && !memcmp(s, secrets[k].key, secrets[k].len))
			return secrets[k].len;
	for (size_t k = 0; k < n_secrets; k++)
		if (secrets[k].len > avail && !memcmp(s, secrets[k].key, avail))
			*partial = true;
	return 0;
}

#define BEFORE_N sizeof(((struct ts_mask_stream *)0)->before)

/* The byte k (1 to BEFORE_N) places before s[h], from m->before when it
 * precedes s. */
static unsigned char byte_before(const struct ts_mask_stream *m, const char *s, size_t h, size_t k)
{
	return h >= k ? (unsigned char)s[h - k] : m->before[BEFORE_N - (k - h)];
}

/* Whether s[h] follows a JSON escape \uXXXX (a control character, or any
 * character a server escapes). */
static bool u_escape_before(const struct ts_mask_stream *m, const char *s, size_t h)
{
	for (size_t k = 1; k <= 4; k++) {
		unsigned char c = byte_before(m, s, h, k);
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return false;
	}
	return byte_before(m, s, h, 5) == 'u' && byte_before(m, s, h, 6) == '\\';
}

/* Mask s[0..len), emitting what is settled. *used: how much of s was
 * settled; the rest (which may begin a secret) waits for more unless
 * at_end. m->before are the bytes before s. */
static bool mask_scan(struct ts_mask_stream *m, const char *s, size_t len, bool at_end,
                      ts_emit_fn emit, void *ud, size_t *used)
{
	size_t i = 0, done = 0, stop = len;

	if (m->swallowing) {
		while (i < len && token_char((unsigned char)s[i]))
			i++;
		if (i == len && !at_end) {
			*used = len;
			return true;
		}
		m->swallowing = false;
		done = i;
	}
	while (i < len) {
		const char *hit = find_sk(s, i, len);
		if (!hit) {
			/* A final "s" or "sk" may begin one. */
			size_t keep = 0;
			if (!at_end && len >= 2 && s[len - 2] == 's' && s[len - 1] == 'k')
				keep = 2;
			else if (!at_end && s[len - 1] == 's')
				keep = 1;
			stop = len - keep > done ? len - keep : done;
			break;
		}
		size_t h = (size_t)(hit - s);
		/* After "\n" or "\u0001" in JSON text a word starts too. */
		bool word_start = !token_char(byte_before(m, s, h, 1)) ||
		                  byte_before(m, s, h, 2) == '\\' || u_escape_before(m, s, h);
		size_t e = h + 3;
		while (e < len && token_char((unsigned char)s[e]))
			e++;
		bool open = e == len && !at_end; /* the run may go on */
		if (word_start && open && e - h <= TS_TOKEN_TAIL_MAX) {
			stop = h; /* wait for its end */
			break;
		}
		/* Shorter at the very end: the text may have been cut in it. */
		bool cut = at_end && e == len && e - h > 3;
		if (word_start && (e - h - 3 >= TS_TOKEN_MIN_BODY || cut)) {
			if (!emit_some(emit, ud, s + done, h - done) ||
			    !emit_mask(emit, ud, s + h, e - h, e - h <= TS_TOKEN_TAIL_MAX))
				return false;
			m->swallowing = open;
			done = i = e;
			continue;
		}
		bool partial;
		size_t klen = key_at(s + h, len - h, &partial);
		if (klen) {
			if (!emit_some(emit, ud, s + done, h - done) ||
			    !emit_mask(emit, ud, s + h, klen, true))
				return false;
			done = i = h + klen;
			continue;
		}
		if (partial && !at_end) {
			stop = h;
			break;
		}
		i = h + 1;
	}
	if (!emit_some(emit, ud, s + done, stop - done))
		return false;
	*used = stop;
	return true;
}

/* The bytes before s[used], given those before s. */
static void remember_before(struct ts_mask_stream *m, const char *s, size_t used)
{
	if (used >= BEFORE_N) {
		memcpy(m->before, s + used - BEFORE_N, BEFORE_N);
	} else if (used > 0) {
		memmove(m->before, m->before + used, BEFORE_N - used);
		memcpy(m->before + BEFORE_N - used, s, used);
	}
}

static bool hold(struct ts_mask_stream *m, const char *p, size_t len)
{
	if (len == 0)
		return true;
	if (m->held_len + len > m->held_cap) {
		size_t cap = m->held_cap ? m->held_cap : 512;
		while (cap < m->held_len + len)
			cap *= 2;
		char *h = realloc(m->held, cap);
		if (!h) {
			errno = ENOMEM;
			return false;
		}
		m->held = h;
		m->held_cap = cap;
	}
	memcpy(m->held + m->held_len, p, len);
	m->held_len += len;
	return true;
}

bool ts_mask_stream_feed(struct ts_mask_stream *m, const char *p, size_t len, ts_emit_fn emit,
                         void *ud)
{
	size_t used;

	if (len == 0)
		return true;
	if (m->held_len == 0) {
		if (!mask_scan(m, p, len, false, emit, ud, &used))
			return false;
		remember_before(m, p, used);
		return hold(m, p + used, len - used);
	}
	/* What was held, then this piece: a secret may cross the cut. */
	if (!hold(m, p, len) || !mask_scan(m, m->held, m->held_len, false, emit, ud, &used))
		return false;
	remember_before(m, m->held, used);
	memmove(m->held, m->held + used, m->held_len - used);
	m->held_len -= used;
	return true;
}

bool ts_mask_stream_end(struct ts_mask_stream *m, ts_emit_fn emit, void *ud)
{
	size_t used;
	bool ok = mask_scan(m, m->held ? m->held : "", m->held_len, true, emit, ud, &used);

	m->held_len = 0;
	m->swallowing = false;
	return ok;
}

void ts_mask_stream_free(struct ts_mask_stream *m)
{
	free(m->held);
	memset(m, 0, sizeof(*m));
}

static bool emit_to_buf(void *ud, const char *p, size_t len)
{
	return buf_add(ud, p, len);
}

/* A copy of s[0..len) with every secret masked; NULL when none is there. */
char *ts_mask(const char *s, size_t len, size_t *out_len)
{
	struct ts_mask_stream m = {0};
	struct buf b;
	size_t used;

	*out_len = 0;
	/* Every secret begins with "sk_" (a key registered is one). */
	if (!s || !find_sk(s, 0, len))
		return NULL;
	buf_init(&b);
	if (!mask_scan(&m, s, len, true, emit_to_buf, &b, &used)) {
		buf_free(&b);
		*out_len = (size_t)-1;
		return NULL;
	}
	if (b.len == len && !memcmp(b.data, s, len)) {
		buf_free(&b); /* nothing was masked */
		return NULL;
	}
	*out_len = b.len;
	return buf_steal(&b);
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
	size_t masked_len;
	char *masked = ts_mask(s, len, &masked_len);
	if (!masked && masked_len == (size_t)-1)
		return NULL;
	if (masked) {
		s = masked;
		p = (const unsigned char *)s;
		len = masked_len;
	}
	/* Each input byte yields at most 3 output bytes (a placeholder for a
	 * single byte is 3 bytes; a 4-byte character is copied as is). */
	if (len > (SIZE_MAX - 1) / 3) {
		free(masked);
		return NULL;
	}
	cap = len * 3 + 1;
	out = malloc(cap);
	if (!out) {
		free(masked);
		return NULL;
	}
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
	free(masked);
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

/* JSON text with what a terminal would obey escaped (newlines and tabs
 * too unless keep_lines); NULL when nothing needs it. */
static char *json_escape(const char *s, size_t len, bool keep_lines, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t done = 0, i = 0, cap = 0, n = 0;
	char *out = NULL;

	*out_len = 0;
	while (i < len) {
		long cp;
		size_t k;

		if ((p[i] >= 0x20 && p[i] < 0x7f) ||
		    (keep_lines && (p[i] == '\n' || p[i] == '\t'))) {
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

/* Secrets masked, then escaped; NULL when neither changed anything. */
static char *json_safe(const char *s, size_t len, bool keep_lines, size_t *out_len)
{
	size_t masked_len, escaped_len;
	char *masked = ts_mask(s, len, &masked_len);

	if (!masked && masked_len == (size_t)-1) {
		*out_len = (size_t)-1;
		return NULL;
	}
	char *escaped = masked ? json_escape(masked, masked_len, keep_lines, &escaped_len)
	                       : json_escape(s, len, keep_lines, &escaped_len);
	if (escaped || escaped_len == (size_t)-1) {
		free(masked);
		*out_len = escaped_len;
		return escaped;
	}
	*out_len = masked ? masked_len : 0;
	return masked;
}

/* JSON text with secrets masked and what a terminal would obey escaped. */
char *ts_json(const char *s, size_t len, size_t *out_len)
{
	return json_safe(s, len, true, out_len);
}

/* The same with newlines and tabs escaped too. */
char *ts_json_line(const char *s, size_t len, size_t *out_len)
{
	return json_safe(s, len, false, out_len);
}
