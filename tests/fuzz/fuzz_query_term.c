/* libFuzzer target for what turns outside text into something safe to show
 * or to send: the terminal-safe layer (ts_sanitize, ts_width, ts_fit,
 * ts_fit_pad, ts_prefix_bytes) on arbitrary bytes, the command line's
 * cmd_split/cmd_quote round trip, the JSON escaper (ts_json), and the quoting of query-language strings
 * and URL values (query_quote, url_encode). A broken invariant aborts.
 * Build and run with tests/fuzz/run.sh.
 *
 * Invariants checked:
 *  - ts_sanitize gives strict UTF-8 with no C0, DEL, C1 or bidi control and
 *    nothing wcwidth() calls unprintable; each character of valid input
 *    (once ts_mask masked its secrets) maps to itself or to its documented
 *    placeholder; sanitizing again changes nothing; the result does not
 *    depend on the locale. Masking twice changes nothing, and masking a
 *    text in two pieces cut anywhere gives what masking it whole does.
 *  - ts_fit and ts_fit_pad stay within the buffer and the columns asked
 *    for, keep a prefix of the input (plus "…" when cut), never split a
 *    character, report the columns they used, and cut no earlier than
 *    needed; ts_fit_pad fills the columns when the buffer allows.
 *  - cmd_split(cmd_quote(x)) is the one word x for any NUL-free x, and a
 *    line of quoted words splits back into those words.
 *  - query_quote and url_encode decode back to their input. */
#include "lbconfig.h"

#include "fuzz.h"

#include <locale.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cmd.h"
#include "error.h"
#include "query.h"
#include "term_safe.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ELLIPSIS  "\xe2\x80\xa6"
#define MAX_WORDS 16

static locale_t utf8;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* the process stays in the C locale; checks that need Unicode widths
	 * switch to this one for their thread */
	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (!utf8) {
		fprintf(stderr, "fuzz_query_term: the C.UTF-8 locale is missing\n");
		abort();
	}
	return 0;
}

/* One strict UTF-8 character at s[0..len): its bytes, or 0 when ill-formed
 * (overlong, surrogate, above U+10FFFF, cut short). */
static size_t decode(const unsigned char *s, size_t len, long *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
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
		lo = c == 0xE0 ? 0xA0 : 0x80;
		hi = c == 0xED ? 0x9F : 0xBF;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
		lo = c == 0xF0 ? 0x90 : 0x80;
		hi = c == 0xF4 ? 0x8F : 0xBF;
	} else {
		return 0;
	}
	if (len <= need)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		if (s[k] < lo || s[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
		v = (v << 6) | (s[k] & 0x3F);
	}
	*cp = v;
	return need + 1;
}

static bool valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	long cp;

	while (i < len) {
		if (!(k = decode(p + i, len - i, &cp)))
			return false;
		i += k;
	}
	return true;
}

static bool is_bidi(long cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

/* What term_safe.h documents for one character of valid input (wcwidth
 * taken in the UTF-8 locale). */
static long expected_cp(long cp)
{
	if (cp == 0x1B)
		return 0x241B;
	if (cp == '\n')
		return 0x2424;
	if (cp < 0x20)
		return 0x2400 + cp;
	if (cp == 0x7F)
		return 0x2421;
	if (cp < 0x7F)
		return cp;
	if (cp <= 0x9F || is_bidi(cp) || wcwidth((wchar_t)cp) < 0)
		return 0xFFFD;
	return cp;
}

/* Columns of a safe string, counted here; -1 if it is not safe. */
static int safe_width(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	int cols = 0;
	long cp;

	while (i < len) {
		int w;

		if (!(k = decode(p + i, len - i, &cp)))
			return -1;
		if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || is_bidi(cp))
			return -1;
		if ((w = wcwidth((wchar_t)cp)) < 0)
			return -1;
		cols += w;
		i += k;
	}
	return cols;
}

/* The sanitized copy, checked against in (with secrets masked: `in` is
 * what ts_mask made of the input); caller frees. Runs in the UTF-8
 * locale. */
static char *check_sanitize_masked(const char *raw, size_t raw_len, const char *in, size_t len)
{
	char *safe = ts_sanitize(raw, raw_len), *again;
	size_t slen, i = 0, o = 0;

	CHECK(safe != NULL);
	slen = strlen(safe);
	CHECK(slen <= len * 3);
	CHECK(safe_width(safe, slen) >= 0);
	/* ts_width on its own output agrees with wcwidth */
	CHECK(ts_width(safe) == safe_width(safe, slen));
	/* idempotent */
	again = ts_sanitize(safe, slen);
	CHECK(again && strcmp(again, safe) == 0);
	free(again);
	if (!valid_utf8(in, len)) {
		/* at least one character per four input bytes, at most one per byte */
		size_t chars = 0;

		for (const char *s = safe; *s; s++)
			chars += ((unsigned char)*s & 0xC0) != 0x80;
		CHECK(chars <= len && chars * 4 >= len);
		return safe;
	}
	/* valid input: one output character per input character */
	while (i < len) {
		long a, b;
		size_t ka = decode((const unsigned char *)in + i, len - i, &a);
		size_t kb = decode((const unsigned char *)safe + o, slen - o, &b);

		CHECK(ka > 0 && kb > 0);
		CHECK(b == expected_cp(a));
		i += ka;
		o += kb;
	}
	CHECK(o == slen);
	return safe;
}

/* Masking then checking: ts_sanitize masks secrets first, and masking
 * twice changes nothing. */
static char *check_sanitize(const char *in, size_t len)
{
	size_t mlen, again_len;
	char *masked = ts_mask(in, len, &mlen), *safe;

	CHECK(masked || mlen == 0);
	if (!masked)
		return check_sanitize_masked(in, len, in, len);
	CHECK(!ts_mask(masked, mlen, &again_len) && again_len == 0);
	safe = check_sanitize_masked(in, len, masked, mlen);
	free(masked);
	return safe;
}

static bool append_out(void *ud, const char *p, size_t len)
{
	char **b = ud;
	size_t have = strlen(*b);
	char *nb = realloc(*b, have + len + 1);

	CHECK(nb != NULL);
	memcpy(nb + have, p, len);
	nb[have + len] = '\0';
	*b = nb;
	return true;
}

/* Masking in two pieces cut anywhere gives what masking the whole does. */
static void fuzz_mask_stream(const char *in, size_t len, unsigned sel)
{
	size_t cut = len ? sel % (len + 1) : 0, mlen;
	struct ts_mask_stream m = {0};
	char *whole = ts_mask(in, len, &mlen), *got = calloc(1, 1);

	CHECK(got != NULL);
	CHECK(ts_mask_stream_feed(&m, in, cut, append_out, &got));
	CHECK(ts_mask_stream_feed(&m, in + cut, len - cut, append_out, &got));
	CHECK(ts_mask_stream_end(&m, append_out, &got));
	ts_mask_stream_free(&m);
	/* NUL bytes end the comparison: got is built as a C string */
	if (!memchr(in, '\0', len)) {
		const char *want = whole ? whole : in;
		size_t want_len = whole ? mlen : len;
		CHECK(strlen(got) == want_len && memcmp(got, want, want_len) == 0);
	}
	free(whole);
	free(got);
}

/* Bytes and columns of the character at s (a safe string), 0 at the end. */
static size_t next_char(const char *s, int *cols)
{
	long cp;
	size_t k;

	*cols = 0;
	if (!*s)
		return 0;
	k = decode((const unsigned char *)s, strlen(s), &cp);
	CHECK(k > 0);
	*cols = wcwidth((wchar_t)cp);
	CHECK(*cols >= 0);
	return k;
}

/* ts_fit and ts_fit_pad of `s` into a buffer of exactly n bytes. `safe`
 * says s came from ts_sanitize, so the finer checks apply. */
static void check_fit(const char *s, int cols, size_t n, bool safe)
{
	size_t slen = strlen(s), flen, plen, cut;
	int max = cols > 0 ? cols : 0, used, padded, w;
	char *fit = malloc(n ? n : 1), *pad = malloc(n ? n : 1);

	CHECK(fit && pad);
	memset(fit, 'Z', n ? n : 1);
	memset(pad, 'Z', n ? n : 1);
	used = ts_fit(s, cols, fit, n);
	padded = ts_fit_pad(s, cols, pad, n);
	if (n == 0) {
		/* nothing written */
		CHECK(used == 0 && padded == 0 && fit[0] == 'Z' && pad[0] == 'Z');
		free(fit);
		free(pad);
		return;
	}
	CHECK(memchr(fit, '\0', n) != NULL && memchr(pad, '\0', n) != NULL);
	flen = strlen(fit);
	plen = strlen(pad);
	CHECK(used >= 0 && used <= max);
	CHECK(padded >= used && padded <= max);
	CHECK(ts_width(fit) == used && ts_width(pad) == padded);

	/* all of s, a prefix and the ellipsis, or (no room for the ellipsis)
	 * a prefix */
	if (strcmp(fit, s) == 0) {
		cut = slen;
	} else if (n > 4 && cols > 0) {
		CHECK(flen >= 3 && memcmp(fit + flen - 3, ELLIPSIS, 3) == 0);
		cut = flen - 3;
		CHECK(cut < slen && memcmp(fit, s, cut) == 0);
	} else {
		cut = flen;
		CHECK(cut < slen && memcmp(fit, s, cut) == 0);
	}
	/* the pad is the fit and spaces */
	CHECK(plen >= flen && memcmp(pad, fit, flen) == 0);
	for (size_t i = flen; i < plen; i++)
		CHECK(pad[i] == ' ');
	CHECK(padded - used == (int)(plen - flen));
	if (flen + (size_t)(max - used) < n)
		CHECK(padded == max);

	/* whatever fits is kept whole */
	if (cols > 0 && slen < n && ts_width(s) <= cols)
		CHECK(strcmp(fit, s) == 0 && used == ts_width(s));
	if (!safe)
		return (void)(free(fit), free(pad));

	CHECK(valid_utf8(fit, flen) && valid_utf8(pad, plen));
	CHECK(safe_width(fit, flen) == used);
	if (cut < slen && cols > 0) {
		/* cut no earlier than needed: the next character did not fit
		 * (in one column and the ellipsis' bytes less, when it is
		 * there) */
		size_t k = next_char(s + cut, &w);
		bool ell = cut + 3 == flen;

		CHECK(k > 0);
		if (ell)
			CHECK((used - 1) + w > cols - 1 || cut + k > n - 4);
		else
			CHECK(used + w > cols || cut + k > n - 1);
	}
	free(fit);
	free(pad);
}

static void check_prefix_bytes(const char *safe, int cols)
{
	size_t b = ts_prefix_bytes(safe, cols), k;
	int w, used;

	CHECK(b <= strlen(safe));
	CHECK(valid_utf8(safe, b));
	used = safe_width(safe, b);
	CHECK(used >= 0 && used <= (cols > 0 ? cols : 0));
	if (cols > 0 && (k = next_char(safe + b, &w)) > 0)
		CHECK(used + w > cols);
}

static void fuzz_term(const char *in, size_t len, const char *cstr, unsigned sel)
{
	static const int col_set[] = {-1, 0, 1, 2, 3, 7, 80};
	static const size_t n_set[] = {0, 1, 2, 3, 4, 5, 6, 9, 64};
	locale_t prev;
	char *safe, *plain, *viac;

	/* in the program's locale (C): the same result as with UTF-8 */
	plain = ts_sanitize(in, len);
	CHECK(plain != NULL);
	viac = ts_sanitize(cstr, (size_t)-1);
	CHECK(viac != NULL);

	prev = uselocale(utf8);
	safe = check_sanitize(in, len);
	CHECK(strcmp(plain, safe) == 0);
	{
		/* a C string: the same as its bytes up to the NUL */
		char *same = ts_sanitize(cstr, strlen(cstr));

		CHECK(same && strcmp(same, viac) == 0);
		free(same);
	}
	for (size_t c = 0; c < sizeof(col_set) / sizeof(col_set[0]); c++) {
		/* a small buffer chosen by the input, room for all of it, and
		 * for all of it but one byte */
		check_fit(safe, col_set[c], n_set[(sel + c) % (sizeof(n_set) / sizeof(n_set[0]))],
		          true);
		check_fit(safe, col_set[c], strlen(safe) + 1, true);
		check_fit(safe, col_set[c], strlen(safe), true);
		check_prefix_bytes(safe, col_set[c]);
	}
	check_fit(safe, (int)(sel % 40) - 1, (sel >> 3) % 48, true);
	/* raw bytes: still within the buffer and the columns */
	check_fit(cstr, (int)(sel % 13), 1 + sel % 17, false);
	check_fit(cstr, 80, len + 1, false);
	ts_width(cstr);
	ts_prefix_bytes(cstr, (int)(sel % 9));
	uselocale(prev);

	/* the same widths when the program's locale is not UTF-8 */
	{
		char a[32], b[32];
		int wa = ts_fit_pad(safe, 12, a, sizeof(a)), wb;

		prev = uselocale(utf8);
		wb = ts_fit_pad(safe, 12, b, sizeof(b));
		uselocale(prev);
		CHECK(wa == wb && strcmp(a, b) == 0);
	}
	free(safe);
	free(plain);
	free(viac);
}

static void fuzz_cmd(char **words, size_t n, const char *line)
{
	struct lb_error err;
	char **argv, **quoted = calloc(n ? n : 1, sizeof(char *));
	size_t total = 1;
	char *joined;
	int argc;

	CHECK(quoted != NULL);
	for (size_t i = 0; i < n; i++) {
		quoted[i] = cmd_quote(words[i]);
		CHECK(quoted[i] != NULL);
		total += strlen(quoted[i]) + 2;
		/* one word back, unchanged */
		CHECK(cmd_split(quoted[i], &argc, &argv, &err));
		CHECK(argc == 1 && argv[0] && strcmp(argv[0], words[i]) == 0 && !argv[1]);
		cmd_argv_free(&argv);
		CHECK(argv == NULL);
	}
	/* a line of quoted words, separated by blanks */
	joined = malloc(total);
	CHECK(joined != NULL);
	joined[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			strcat(joined, (i % 2) ? " " : "\t ");
		strcat(joined, quoted[i]);
	}
	CHECK(cmd_split(joined, &argc, &argv, &err));
	CHECK((size_t)argc == n && argv[n] == NULL);
	for (size_t i = 0; i < n; i++)
		CHECK(strcmp(argv[i], words[i]) == 0);
	cmd_argv_free(&argv);
	free(joined);
	for (size_t i = 0; i < n; i++)
		free(quoted[i]);
	free(quoted);

	/* any line: split or a usage error */
	if (cmd_split(line, &argc, &argv, &err)) {
		CHECK(argc >= 0 && argv && argv[argc] == NULL);
		for (int i = 0; i < argc; i++)
			CHECK(argv[i] != NULL);
		cmd_argv_free(&argv);
	} else {
		CHECK(err.status == LB_USAGE || err.status == LB_NOMEM);
		CHECK(argc == 0 && argv == NULL);
	}
	cmd_is_mutation(line);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void fuzz_quote(const char *w)
{
	size_t len = strlen(w), o = 0;
	char *q = query_quote(w), *u = url_encode(w), *back = malloc(len + 1);
	const char *p;

	CHECK(q && u && back);
	/* "..." with \" \\ \n \r \t: unescaping gives w back */
	CHECK(q[0] == '"');
	for (p = q + 1; *p && *p != '"'; p++) {
		if (*p == '\\') {
			p++;
			CHECK(*p == '"' || *p == '\\' || *p == 'n' || *p == 'r' || *p == 't');
			back[o++] = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 't' ? '\t' : *p;
		} else {
			CHECK(*p != '\n' && *p != '\r' && *p != '\t');
			back[o++] = *p;
		}
		CHECK(o <= len);
	}
	CHECK(*p == '"' && p[1] == '\0');
	back[o] = '\0';
	CHECK(o == len && strcmp(back, w) == 0);

	/* unreserved characters and %XX only; decoding gives w back */
	o = 0;
	for (p = u; *p; p++) {
		char c = *p;

		if (c == '%') {
			int hi = hexval(p[1]), lo = hi >= 0 ? hexval(p[2]) : -1;

			CHECK(hi >= 0 && lo >= 0);
			c = (char)(hi << 4 | lo);
			CHECK(!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			        (c >= '0' && c <= '9') || strchr("-._~", c)));
			p += 2;
		} else {
			CHECK((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || strchr("-._~", c));
		}
		CHECK(o < len);
		back[o++] = c;
	}
	back[o] = '\0';
	CHECK(o == len && strcmp(back, w) == 0);
	free(q);
	free(u);
	free(back);
}

/* ts_json: strict UTF-8 out, nothing a terminal obeys but newline and
 * tab, and input that needs nothing comes back as NULL. */
static void fuzz_json(const char *in, size_t len)
{
	size_t n = 0;
	char *out = ts_json(in, len, &n);

	if (!out) {
		CHECK(n == 0); /* or it was out of memory */
		CHECK(valid_utf8(in, len));
		out = malloc(len + 1);
		CHECK(out != NULL);
		memcpy(out, in, len);
		n = len;
	} else {
		CHECK(n == strlen(out));
	}
	CHECK(valid_utf8(out, n));
	const unsigned char *p = (const unsigned char *)out;
	for (size_t i = 0; i < n; i++) {
		CHECK(p[i] >= 0x20 || p[i] == '\n' || p[i] == '\t');
		CHECK(p[i] != 0x7f);
		/* C1 (U+0080..U+009F) is C2 80..C2 9F */
		CHECK(!(p[i] == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f));
		/* U+202A..U+202E, U+2066..U+2069 */
		CHECK(!(p[i] == 0xe2 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] >= 0xaa &&
		        p[i + 2] <= 0xae));
		CHECK(!(p[i] == 0xe2 && i + 2 < n && p[i + 1] == 0x81 && p[i + 2] >= 0xa6 &&
		        p[i + 2] <= 0xa9));
	}
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the bytes exactly (no NUL after them), and a C string copy */
	char *in = malloc(size ? size : 1), *cstr = malloc(size + 1);
	char *words[MAX_WORDS];
	size_t n = 0, start = 0;

	if (!in || !cstr) {
		free(in);
		free(cstr);
		return 0;
	}
	memcpy(in, data, size);
	memcpy(cstr, data, size);
	cstr[size] = '\0';
	fuzz_term(in, size, cstr, size ? data[0] * 31u + data[size - 1] : 0);
	fuzz_json(in, size);
	fuzz_mask_stream(in, size, size ? data[size / 2] * 131u + data[0] : 0);

	/* NUL-separated words (the last may be empty) */
	for (size_t i = 0; i <= size && n < MAX_WORDS; i++) {
		if (i == size || cstr[i] == '\0') {
			words[n++] = cstr + start;
			start = i + 1;
		}
	}
	fuzz_cmd(words, n, cstr);
	for (size_t i = 0; i < n; i++)
		fuzz_quote(words[i]);
	free(in);
	free(cstr);
	return 0;
}
