/* UTF-8, decoded and encoded in one place. The functions are inline: the
 * terminal-safe layer decodes every character of everything it shows. */
#ifndef LB_UTF8_H
#define LB_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Decode one code point from s[0..len), len > 0. Returns the bytes consumed
 * and sets *cp, or sets *cp to -1 for an ill-formed sequence; then the bytes
 * consumed are its maximal subpart (Unicode's recommended practice), so one
 * bad sequence becomes one U+FFFD. Overlongs, surrogates and values above
 * U+10FFFF are ill-formed. */
static inline size_t utf8_decode(const unsigned char *s, size_t len, long *cp)
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

/* Encode a code point (at most U+10FFFF, not a surrogate) into out;
 * returns its length, 1 to 4. */
static inline size_t utf8_encode(unsigned long cp, char out[4])
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

/* A byte inside a sequence, not at its start. */
static inline bool utf8_is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Where to cut s[0..len) to keep at most max bytes without splitting a
 * sequence. */
static inline size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && utf8_is_continuation((unsigned char)s[max]))
		max--;
	return max;
}

#endif
