#include "lbconfig.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "term_safe.h"

/* Sanitize a byte string of explicit length and compare with the expected
 * UTF-8 text. */
static void check_n(const char *in, size_t len, const char *want)
{
	char *got = ts_sanitize(in, len);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void check(const char *in, const char *want)
{
	check_n(in, (size_t)-1, want);
}

static void test_plain_ascii_unchanged(void **state)
{
	check("hello, world", "hello, world");
	check("", "");
	check_n("abc", 0, "");
	check_n("abcdef", 3, "abc");
}

static void test_null_input(void **state)
{
	check_n(NULL, 5, "");
	assert_int_equal(ts_width(NULL), 0);
}

static void test_escape_sequences_visible(void **state)
{
	check("\x1b[31mred\x1b[0m", "\u241b[31mred\u241b[0m");
	/* OSC set-title, terminated by BEL and by ST */
	check("\x1b]0;pwned\x07", "\u241b]0;pwned\u2407");
	check("\x1b]0;pwned\x1b\\", "\u241b]0;pwned\u241b\\");
	/* No ESC byte may survive anywhere. */
	char *s = ts_sanitize("a\x1b\x1b\x1b"
	                      "b",
	                      (size_t)-1);
	assert_non_null(s);
	assert_null(strchr(s, 0x1b));
	assert_string_equal(s, "a\u241b\u241b\u241b"
	                       "b");
	free(s);
}

static void test_c0_controls(void **state)
{
	check("\x01", "\u2401");
	check("\x07", "\u2407");
	check("\x08", "\u2408");
	check("a\rb", "a\u240db");
	check("a\nb", "a\u2424b");
	check("a\tb", "a\u2409b");
	check("\x1f", "\u241f");
	check_n("a\0b", 3, "a\u2400b");
}

static void test_all_c0_replaced(void **state)
{
	for (int c = 0; c < 0x20; c++) {
		char in[1] = {(char)c};
		char *s = ts_sanitize(in, 1);

		assert_non_null(s);
		for (const char *p = s; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
		assert_int_equal(ts_width(s), 1);
		free(s);
	}
}

static void test_del(void **state)
{
	check("a\x7f"
	      "b",
	      "a\u2421b");
}

static void test_c1_encoded(void **state)
{
	/* U+009B (CSI) and U+0085 (NEL) encoded as proper UTF-8 */
	check("\xc2\x9b"
	      "31m",
	      "\ufffd"
	      "31m");
	check("x\xc2\x85y", "x\ufffdy");
	check("\xc2\x80\xc2\x9f", "\ufffd\ufffd");
	/* U+00A0 is the first code point after C1 and stays. */
	check("\xc2\xa0", "\xc2\xa0");
}

static void test_c1_raw_byte(void **state)
{
	/* A raw 0x9b byte is an 8-bit CSI to some terminals and invalid UTF-8 */
	check("\x9b"
	      "31m",
	      "\ufffd"
	      "31m");
	check("\x90\x9c", "\ufffd\ufffd");
}

static void test_bidi_controls(void **state)
{
	check("abc\xe2\x80\xae"
	      "def",
	      "abc\ufffddef"); /* U+202E RLO */
	check("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
	      "\ufffd\ufffd\ufffd\ufffd");                   /* U+202A..D */
	check("\xe2\x81\xa6x\xe2\x81\xa9", "\ufffdx\ufffd"); /* U+2066, U+2069 */
	check("\xe2\x81\xa7\xe2\x81\xa8", "\ufffd\ufffd");   /* U+2067, U+2068 */
	check("\xe2\x80\x8e\xe2\x80\x8f", "\ufffd\ufffd");   /* LRM, RLM */
	check("\xd8\x9c", "\ufffd");                         /* U+061C ALM */
}

static void test_invalid_utf8(void **state)
{
	check("\xff", "\ufffd");
	check("a\xfe"
	      "b",
	      "a\ufffdb");
	/* lone continuation bytes: one replacement each */
	check("\x80\x80", "\ufffd\ufffd");
	/* truncated sequences: one replacement for the whole maximal subpart */
	check("\xe4\xb8", "\ufffd");
	check("\xe4\xb8x", "\ufffdx");
	check("\xf0\x9f\x98", "\ufffd");
	check_n("\xe4\xb8\xad", 2, "\ufffd");
	/* overlongs */
	check("\xc0\xaf", "\ufffd\ufffd");
	check("\xc1\xbf", "\ufffd\ufffd");
	check("\xe0\x80\xaf", "\ufffd\ufffd\ufffd");
	check("\xf0\x80\x80\xaf", "\ufffd\ufffd\ufffd\ufffd");
	/* an overlong ESC must not become an escape */
	check("\xc0\x9b", "\ufffd\ufffd");
	/* surrogates U+D800 and U+DFFF */
	check("\xed\xa0\x80", "\ufffd\ufffd\ufffd");
	check("\xed\xbf\xbf", "\ufffd\ufffd\ufffd");
	/* above U+10FFFF */
	check("\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd");
	check("\xf5\x80\x80\x80", "\ufffd\ufffd\ufffd\ufffd");
	/* valid neighbours survive */
	check("\xed\x9e\xa3", "\xed\x9e\xa3");         /* U+D7A3, below surrogates */
	check("\xee\x80\x80", "\xee\x80\x80");         /* U+E000, above them */
	check("\xef\xbf\xbd", "\xef\xbf\xbd");         /* U+FFFD itself */
	check("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"); /* U+1F600 */
}

static void test_nonprintable_code_points(void **state)
{
	check("a\xe2\x80\xa8"
	      "b",
	      "a\ufffdb");               /* U+2028 LINE SEPARATOR */
	check("\xef\xbf\xbe", "\ufffd"); /* U+FFFE noncharacter */
}

static void test_valid_unicode_kept(void **state)
{
	check("caf\xc3\xa9", "caf\xc3\xa9");
	check("e\xcc\x81", "e\xcc\x81"); /* combining acute */
	check("\xe4\xb8\xad\xe6\x96\x87", "\xe4\xb8\xad\xe6\x96\x87");
	check("\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!");
}

static void test_widths(void **state)
{
	assert_int_equal(ts_width(""), 0);
	assert_int_equal(ts_width("abc"), 3);
	assert_int_equal(ts_width("\xe4\xb8\xad\xe6\x96\x87"), 4); /* 中文 */
	assert_int_equal(ts_width("\xf0\x9f\x98\x80"), 2);         /* 😀 */
	assert_int_equal(ts_width("\xf0\x9f\xa7\x91"), 2);         /* 🧑 */
	assert_int_equal(ts_width("e\xcc\x81"), 1);                /* é */
	assert_int_equal(ts_width("\xe2\x80\xa6"), 1);             /* … */
	assert_int_equal(ts_width("\xef\xbf\xbd"), 1);             /* � */
	assert_int_equal(ts_width("\xe2\x90\x9b[31m"), 5);         /* ␛[31m */
	/* CJK fullwidth: "ｱ" is halfwidth katakana (1), "Ａ" fullwidth (2) */
	assert_int_equal(ts_width("\xef\xbd\xb1"), 1);
	assert_int_equal(ts_width("\xef\xbc\xa1"), 2);
}

static void test_width_of_sanitized(void **state)
{
	char *s = ts_sanitize("\x1b[1m\xe4\xb8\xad\x9b\n", (size_t)-1);

	assert_non_null(s);
	/* ␛ [ 1 m 中 � ␤ */
	assert_int_equal(ts_width(s), 1 + 3 + 2 + 1 + 1);
	free(s);
}

static void test_fit_no_cut(void **state)
{
	char out[64];

	assert_int_equal(ts_fit("abc", 5, out, sizeof(out)), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(ts_fit("abcde", 5, out, sizeof(out)), 5);
	assert_string_equal(out, "abcde");
	assert_int_equal(ts_fit("\xe4\xb8\xad\xe6\x96\x87", 4, out, sizeof(out)), 4);
	assert_string_equal(out, "\xe4\xb8\xad\xe6\x96\x87");
}

static void test_fit_cut_ascii(void **state)
{
	char out[64];

	assert_int_equal(ts_fit("abcdef", 5, out, sizeof(out)), 5);
	assert_string_equal(out, "abcd\xe2\x80\xa6");
	assert_int_equal(ts_fit("abcdef", 1, out, sizeof(out)), 1);
	assert_string_equal(out, "\xe2\x80\xa6");
}

static void test_fit_zero_and_negative_cols(void **state)
{
	char out[16];

	memset(out, 'x', sizeof(out));
	assert_int_equal(ts_fit("abc", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(ts_fit("abc", -3, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(ts_fit_pad("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_fit_empty_string(void **state)
{
	char out[16];

	assert_int_equal(ts_fit("", 5, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(ts_fit_pad("", 3, out, sizeof(out)), 3);
	assert_string_equal(out, "   ");
	assert_int_equal(ts_prefix_bytes("", 4), 0);
}

static void test_fit_wide_boundary(void **state)
{
	/* 中文字 is 6 columns */
	const char *s = "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97";
	char out[64];

	/* 5 columns: 中文 (4) + … (1) */
	assert_int_equal(ts_fit(s, 5, out, sizeof(out)), 5);
	assert_string_equal(out, "\xe4\xb8\xad\xe6\x96\x87\xe2\x80\xa6");
	/* 4 columns: 中 (2) + … (1); 文 would not fit beside the ellipsis */
	assert_int_equal(ts_fit(s, 4, out, sizeof(out)), 3);
	assert_string_equal(out, "\xe4\xb8\xad\xe2\x80\xa6");
	/* 2 columns: nothing wide fits beside the ellipsis */
	assert_int_equal(ts_fit(s, 2, out, sizeof(out)), 1);
	assert_string_equal(out, "\xe2\x80\xa6");
	/* padded versions are exactly the width asked for */
	assert_int_equal(ts_fit_pad(s, 4, out, sizeof(out)), 4);
	assert_string_equal(out, "\xe4\xb8\xad\xe2\x80\xa6 ");
	assert_int_equal(ts_width(out), 4);
	assert_int_equal(ts_fit_pad(s, 2, out, sizeof(out)), 2);
	assert_string_equal(out, "\xe2\x80\xa6 ");
	assert_int_equal(ts_fit_pad(s, 6, out, sizeof(out)), 6);
	assert_string_equal(out, s);
	assert_int_equal(ts_fit_pad(s, 8, out, sizeof(out)), 8);
	assert_int_equal(ts_width(out), 8);
}

static void test_fit_emoji(void **state)
{
	const char *s = "ab\xf0\x9f\x98\x80"
	                "cd"; /* a b 😀 c d = 6 cols */
	char out[64];

	assert_int_equal(ts_fit(s, 6, out, sizeof(out)), 6);
	assert_string_equal(out, s);
	assert_int_equal(ts_fit(s, 5, out, sizeof(out)), 5);
	assert_string_equal(out, "ab\xf0\x9f\x98\x80\xe2\x80\xa6");
	assert_int_equal(ts_fit(s, 4, out, sizeof(out)), 3);
	assert_string_equal(out, "ab\xe2\x80\xa6");
	assert_int_equal(ts_fit_pad(s, 4, out, sizeof(out)), 4);
	assert_string_equal(out, "ab\xe2\x80\xa6 ");
}

static void test_fit_keeps_combining_mark(void **state)
{
	const char *s = "e\xcc\x81"
	                "e\xcc\x81"
	                "e\xcc\x81"; /* ééé */
	char out[64];

	assert_int_equal(ts_fit(s, 3, out, sizeof(out)), 3);
	assert_string_equal(out, s);
	assert_int_equal(ts_fit(s, 2, out, sizeof(out)), 2);
	assert_string_equal(out, "e\xcc\x81\xe2\x80\xa6");
	assert_int_equal(ts_prefix_bytes(s, 1), 3);
}

static void test_fit_middle(void **state)
{
	char out[64];

	/* What fits is copied whole. */
	assert_int_equal(ts_fit_middle("globex:support-ticket-1004", 26, out, sizeof(out)), 26);
	assert_string_equal(out, "globex:support-ticket-1004");
	/* Cut: two fifths of the rest for the start, the end keeps the rest. */
	assert_int_equal(ts_fit_middle("globex:support-ticket-1004", 19, out, sizeof(out)), 19);
	assert_string_equal(out, "globex:\xe2\x80\xa6ticket-1004");
	assert_int_equal(ts_fit_middle("abcdefghij", 2, out, sizeof(out)), 2);
	assert_string_equal(out, "\xe2\x80\xa6j");
	assert_int_equal(ts_fit_middle("abcdefghij", 1, out, sizeof(out)), 1);
	assert_string_equal(out, "\xe2\x80\xa6");
	assert_int_equal(ts_fit_middle("abc", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Two IDs that differ only at the end stay apart. */
	char other[64];
	ts_fit_middle("globex:support-ticket-1001", 12, out, sizeof(out));
	ts_fit_middle("globex:support-ticket-1002", 12, other, sizeof(other));
	assert_string_not_equal(out, other);
	assert_int_equal(ts_width(out), 12);
}

static void test_fit_middle_wide(void **state)
{
	/* 日本語チーム-東京: wide characters (2 columns each) never split. */
	const char *s = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x81\xe3\x83\xbc\xe3\x83\xa0-"
	                "\xe6\x9d\xb1\xe4\xba\xac"; /* 17 columns */
	char out[64];

	assert_int_equal(ts_width(s), 17);
	/* 10 columns: 9 beside the ellipsis, 3 for the start (one wide
	 * character: 2), 7 for the end (-東京 is 5; チ would make 9). */
	int used = ts_fit_middle(s, 10, out, sizeof(out));
	assert_true(used <= 10);
	assert_int_equal(used, ts_width(out));
	assert_string_equal(out, "\xe6\x97\xa5\xe2\x80\xa6\xe3\x83\xa0-\xe6\x9d\xb1\xe4\xba\xac");
	/* A combining mark never starts the end. */
	assert_int_equal(ts_fit_middle("abcdefe\xcc\x81gh", 6, out, sizeof(out)), 6);
	assert_string_equal(out, "ab\xe2\x80\xa6"
	                         "e\xcc\x81gh");
	assert_int_equal(ts_fit_middle("abcdefe\xcc\x81gh", 4, out, sizeof(out)), 4);
	assert_string_equal(out, "a\xe2\x80\xa6gh");
	/* The buffer limits too, never splitting a character. */
	char small[12];
	used = ts_fit_middle("abcdefghijklmnopqrstuvwxyz", 20, small, sizeof(small));
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(used, ts_width(small));
	assert_non_null(strstr(small, "\xe2\x80\xa6"));
	assert_int_equal(small[strlen(small) - 1], 'z');
}

static void test_fit_small_buffer(void **state)
{
	char out[8];

	/* The buffer limits too: never overflow, never split a character. */
	assert_int_equal(ts_fit("abcdefghijkl", 20, out, sizeof(out)), 5);
	assert_string_equal(out, "abcd\xe2\x80\xa6");
	assert_int_equal(ts_fit("\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97", 20, out, sizeof(out)), 3);
	assert_string_equal(out, "\xe4\xb8\xad\xe2\x80\xa6");
	char tiny[3];
	assert_int_equal(ts_fit("abcdef", 10, tiny, sizeof(tiny)), 2);
	assert_string_equal(tiny, "ab");
	char one[1];
	assert_int_equal(ts_fit("abc", 10, one, sizeof(one)), 0);
	assert_string_equal(one, "");
}

static void test_very_long_word(void **state)
{
	size_t n = 100000;
	char *in = malloc(n + 1);
	char out[128];

	assert_non_null(in);
	memset(in, 'w', n);
	in[n] = '\0';
	char *s = ts_sanitize(in, (size_t)-1);
	assert_non_null(s);
	assert_int_equal(ts_width(s), (int)n);
	assert_int_equal(ts_fit(s, 40, out, sizeof(out)), 40);
	assert_int_equal(strlen(out), 39 + 3);
	assert_memory_equal(out + 39, "\xe2\x80\xa6", 3);
	assert_int_equal(ts_fit_pad(s, 40, out, sizeof(out)), 40);
	assert_int_equal(ts_width(out), 40);
	assert_int_equal(ts_prefix_bytes(s, 77), 77);
	free(s);
	/* long runs of escapes grow, but stay bounded */
	memset(in, 0x1b, n);
	s = ts_sanitize(in, n);
	assert_non_null(s);
	assert_int_equal(strlen(s), n * 3);
	assert_int_equal(ts_width(s), (int)n);
	free(s);
	free(in);
}

static void test_prefix_bytes(void **state)
{
	const char *s = "a\xe4\xb8\xad"
	                "b"; /* a 中 b */

	assert_int_equal(ts_prefix_bytes(s, 0), 0);
	assert_int_equal(ts_prefix_bytes(s, 1), 1);
	assert_int_equal(ts_prefix_bytes(s, 2), 1); /* 中 does not fit in one */
	assert_int_equal(ts_prefix_bytes(s, 3), 4);
	assert_int_equal(ts_prefix_bytes(s, 4), 5);
	assert_int_equal(ts_prefix_bytes(s, 100), 5);
}

static void test_independent_of_program_locale(void **state)
{
	/* The program may run under LC_CTYPE=C; widths must not change. */
	char *saved = strdup(setlocale(LC_CTYPE, NULL));

	assert_non_null(saved);
	assert_non_null(setlocale(LC_CTYPE, "C"));
	assert_int_equal(ts_width("\xe4\xb8\xad"), 2);
	check("\xe4\xb8\xad", "\xe4\xb8\xad");
	setlocale(LC_CTYPE, saved);
	free(saved);
}

static void test_json(void **state)
{
	size_t n;
	char *s;

	static const char clean[] = "{\"a\":\"plain é 日本\"}\n";
	assert_null(ts_json(clean, strlen(clean), &n));
	static const char esc[] = "\"a\x1b[31mb\"";
	s = ts_json(esc, strlen(esc), &n);
	assert_non_null(s);
	assert_string_equal(s, "\"a\\u001b[31mb\"");
	assert_int_equal(n, strlen(s));
	free(s);
	/* C1 (U+009B, a CSI), a bidi override, invalid UTF-8. */
	static const char c1[] = "\"\xc2\x9b|\xe2\x80\xae|\xff\"";
	s = ts_json(c1, strlen(c1), &n);
	assert_non_null(s);
	assert_string_equal(s, "\"\\u009b|\\u202e|\\ufffd\"");
	free(s);
}

/* ts_mask of a C string, or a copy of it when nothing was masked. */
static char *masked(const char *in)
{
	size_t n;
	char *m = ts_mask(in, strlen(in), &n);

	assert_int_not_equal(n, (size_t)-1);
	if (!m)
		return strdup(in);
	assert_int_equal(n, strlen(m));
	return m;
}

static void check_mask(const char *in, const char *want)
{
	char *got = masked(in);

	assert_string_equal(got, want);
	free(got);
}

/* Tokens that look like a secret key are masked where a word starts;
 * ordinary words are left alone. */
static void test_mask_tokens(void **state)
{
	check_mask("key sk_demo_abcdefgh1234 refused", "key sk_demo_\u2026" "1234 refused");
	check_mask("\"sk_live_0123456789abcdefXYZW\"", "\"sk_live_\u2026XYZW\"");
	/* "sk_localdev": eight after sk_, too short to show its end. */
	check_mask("Bearer sk_localdev.", "Bearer sk_\u2026.");
	check_mask("sk_AbCdEfGh-_12", "sk_\u2026-_12");
	/* Not secrets: a bare prefix, a short word, inside another word. */
	check_mask("sk_ and sk_short and task_list_items_here", "sk_ and sk_short and task_list_items_here");
	check_mask("desk_abcdefghijkl x-sk_abcdefghijkl", "desk_abcdefghijkl x-sk_abcdefghijkl");
	/* After a JSON escape a word starts. */
	check_mask("\"a\\nsk_live_abcdefgh1234\"", "\"a\\nsk_live_\u2026" "1234\"");
	/* Too long to keep the end. */
	char longtok[400] = "x sk_";
	memset(longtok + 5, 'a', 300);
	strcpy(longtok + 305, " y");
	check_mask(longtok, "x sk_\u2026 y");
	/* A text that ends in a short one may have been cut in a key. */
	check_mask("value: sk_live_AB", "value: sk_live_\u2026");
	check_mask("sk_id sk_", "sk_id sk_");
	/* Nothing to mask: NULL. */
	size_t n;
	assert_null(ts_mask("plain text", 10, &n));
	assert_null(ts_mask("sk_", 3, &n));
}

/* A key registered is masked anywhere, even inside a word or short. */
static void test_mask_registered_key(void **state)
{
	ts_add_secret("sk_abc");
	ts_add_secret("not-a-key");
	check_mask("xsk_abcy", "xsk_\u2026y");
	check_mask("not-a-key", "not-a-key");
	ts_forget_secrets();
	check_mask("xsk_abcy", "xsk_abcy");
}

/* The key's form is config_mask_secret's. */
static void test_mask_key_form(void **state)
{
	char out[TS_MASK_MAX];

	size_t n = ts_mask_key("sk_live_abcdefghijkl1234", 24, true, out);
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "sk_live_\u2026" "1234");
	ts_mask_key("sk_live_abcdefghijkl1234", 24, false, out);
	assert_string_equal(out, "sk_live_\u2026");
	ts_mask_key("sk_abcdefghijklmnopqrstuvwxyz", 29, true, out);
	assert_string_equal(out, "sk_\u2026wxyz");
	ts_mask_key("whatever", 8, true, out);
	assert_string_equal(out, "\u2026");
}

static bool to_buf(void *ud, const char *p, size_t len)
{
	char **b = ud;
	size_t have = strlen(*b);
	char *nb = realloc(*b, have + len + 1);

	assert_non_null(nb);
	memcpy(nb + have, p, len);
	nb[have + len] = '\0';
	*b = nb;
	return true;
}

/* Fed in pieces, the text comes out as ts_mask makes it whole, wherever
 * the cuts fall. */
static void test_mask_stream_any_cut(void **state)
{
	static const char *const texts[] = {
	    "{\"k\":\"sk_demo_abcdefgh1234\",\"task_sk_x\":\"ssk_sk\"}",
	    "sk_live_0123456789abcdefXYZW",
	    "s",
	    "sk",
	    "xsk_abcdefghij sk_abc sk_abcdefgh",
	    "a\\nsk_live_abcdefgh1234 \\ sk_",
	};
	ts_add_secret("sk_abcd");
	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		const char *in = texts[t];
		size_t len = strlen(in);
		char *want = masked(in);
		for (size_t a = 0; a <= len; a++) {
			for (size_t b = a; b <= len; b++) {
				struct ts_mask_stream m = {0};
				char *got = calloc(1, 1);
				assert_true(ts_mask_stream_feed(&m, in, a, to_buf, &got));
				assert_true(ts_mask_stream_feed(&m, in + a, b - a, to_buf, &got));
				assert_true(ts_mask_stream_feed(&m, in + b, len - b, to_buf, &got));
				assert_true(ts_mask_stream_end(&m, to_buf, &got));
				assert_string_equal(got, want);
				ts_mask_stream_free(&m);
				free(got);
			}
		}
		free(want);
	}
	/* A token longer than what is held, one byte at a time. */
	char big[700] = "[sk_";
	memset(big + 4, 'b', 600);
	strcpy(big + 604, "]");
	struct ts_mask_stream m = {0};
	char *got = calloc(1, 1);
	for (size_t i = 0; big[i]; i++)
		assert_true(ts_mask_stream_feed(&m, big + i, 1, to_buf, &got));
	assert_true(ts_mask_stream_end(&m, to_buf, &got));
	assert_string_equal(got, "[sk_\u2026]");
	ts_mask_stream_free(&m);
	free(got);
	ts_forget_secrets();
}

/* A JSON text may escape the character before a key as \uXXXX (JSON.stringify
 * does for most control characters): decoded, that key is a word of its
 * own and masked, so it is masked in the JSON text too, wherever a
 * stream cuts it. */
static void test_mask_after_unicode_escape(void **state)
{
	check_mask("{\"v\":\"\\u0001sk_demo_abcdefgh1234\"}",
	           "{\"v\":\"\\u0001sk_demo_\u2026" "1234\"}");
	check_mask("\\u65E5sk_live_0123456789abcdefXYZW", "\\u65E5sk_live_\u2026XYZW");
	/* decoded, the same is masked */
	check_mask("\001sk_demo_abcdefgh1234", "\001sk_demo_\u2026" "1234");
	/* not an escape: a word goes on */
	check_mask("u0001sk_demo_abcdefgh1234 \\u00zzsk_demo_abcdefgh1234",
	           "u0001sk_demo_abcdefgh1234 \\u00zzsk_demo_abcdefgh1234");
	static const char in[] = "[\"\\u001fsk_demo_abcdefgh1234\"]";
	size_t len = strlen(in);
	for (size_t a = 0; a <= len; a++) {
		for (size_t b = a; b <= len; b++) {
			struct ts_mask_stream m = {0};
			char *got = calloc(1, 1);
			assert_true(ts_mask_stream_feed(&m, in, a, to_buf, &got));
			assert_true(ts_mask_stream_feed(&m, in + a, b - a, to_buf, &got));
			assert_true(ts_mask_stream_feed(&m, in + b, len - b, to_buf, &got));
			assert_true(ts_mask_stream_end(&m, to_buf, &got));
			assert_string_equal(got, "[\"\\u001fsk_demo_\u2026" "1234\"]");
			ts_mask_stream_free(&m);
			free(got);
		}
	}
}

/* What the terminal shows and the JSON it prints are masked too; the
 * clipboard's JSON has no control character left at all. */
static void test_mask_in_sanitize_and_json(void **state)
{
	size_t n;

	check("403: bad key sk_demo_abcdefgh1234\x1b[2J", "403: bad key sk_demo_\u2026" "1234\u241b[2J");
	static const char doc[] = "{\"k\":\"sk_demo_abcdefgh1234\"}";
	char *s = ts_json(doc, strlen(doc), &n);
	assert_non_null(s);
	assert_string_equal(s, "{\"k\":\"sk_demo_\u2026" "1234\"}");
	free(s);
	static const char ptr[] = "/a\x1b[201~\necho PWNED\n\t\xc2\x9b";
	s = ts_json_line(ptr, strlen(ptr), &n);
	assert_non_null(s);
	assert_string_equal(s, "/a\\u001b[201~\\u000aecho PWNED\\u000a\\u0009\\u009b");
	free(s);
	assert_null(ts_json_line("{\"a\":1}", 7, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_ascii_unchanged),
	    cmocka_unit_test(test_null_input),
	    cmocka_unit_test(test_escape_sequences_visible),
	    cmocka_unit_test(test_c0_controls),
	    cmocka_unit_test(test_all_c0_replaced),
	    cmocka_unit_test(test_del),
	    cmocka_unit_test(test_c1_encoded),
	    cmocka_unit_test(test_c1_raw_byte),
	    cmocka_unit_test(test_bidi_controls),
	    cmocka_unit_test(test_invalid_utf8),
	    cmocka_unit_test(test_nonprintable_code_points),
	    cmocka_unit_test(test_valid_unicode_kept),
	    cmocka_unit_test(test_widths),
	    cmocka_unit_test(test_width_of_sanitized),
	    cmocka_unit_test(test_fit_no_cut),
	    cmocka_unit_test(test_fit_cut_ascii),
	    cmocka_unit_test(test_fit_zero_and_negative_cols),
	    cmocka_unit_test(test_fit_empty_string),
	    cmocka_unit_test(test_fit_wide_boundary),
	    cmocka_unit_test(test_fit_emoji),
	    cmocka_unit_test(test_fit_keeps_combining_mark),
	    cmocka_unit_test(test_fit_middle),
	    cmocka_unit_test(test_fit_middle_wide),
	    cmocka_unit_test(test_fit_small_buffer),
	    cmocka_unit_test(test_very_long_word),
	    cmocka_unit_test(test_prefix_bytes),
	    cmocka_unit_test(test_independent_of_program_locale),
	    cmocka_unit_test(test_json),
	    cmocka_unit_test(test_mask_tokens),
	    cmocka_unit_test(test_mask_registered_key),
	    cmocka_unit_test(test_mask_key_form),
	    cmocka_unit_test(test_mask_stream_any_cut),
	    cmocka_unit_test(test_mask_in_sanitize_and_json),
	    cmocka_unit_test(test_mask_after_unicode_escape),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
