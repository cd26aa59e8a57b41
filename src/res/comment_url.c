/* The SDK's sanitizeUrl (@liveblocks/core), which decides what becomes a
 * link in a comment body: the URL goes through the WHATWG URL parser (as
 * node's URL does it) and comes back as origin (for an absolute URL),
 * path, query and fragment, or not at all when it is not http or https.
 * Only what sanitizeUrl can return is built: http and https URLs, and
 * relative ones against its placeholder base https://localhost:9999. */
#include "lbconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment_impl.h"
#include "utf8.h"
#include "util.h"

struct url {
	bool https;
	struct buf host; /* serialised */
	long port;       /* -1: none (or the scheme's default) */
	char **path;     /* segments, percent-encoded */
	size_t npath, cappath;
	struct buf query, fragment;
	bool has_query, has_fragment;
	bool ok; /* false: out of memory */
};

static bool is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* ---- percent-encoding ---------------------------------------------------- */

enum pe_set { PE_PATH, PE_QUERY, PE_FRAGMENT };

static bool in_set(unsigned char c, enum pe_set set)
{
	if (c < 0x20 || c > 0x7E)
		return true;
	switch (set) {
	case PE_FRAGMENT:
		return strchr(" \"<>`", c) != NULL;
	case PE_QUERY: /* the special-query set */
		return strchr(" \"#<>'", c) != NULL;
	case PE_PATH:
		return strchr(" \"#<>?`{}", c) != NULL;
	}
	return false;
}

static void add_encoded(struct url *u, struct buf *b, unsigned char c, enum pe_set set)
{
	char esc[4];

	if (in_set(c, set)) {
		snprintf(esc, sizeof(esc), "%%%02X", c);
		u->ok = u->ok && buf_add(b, esc, 3);
	} else {
		u->ok = u->ok && buf_add(b, &c, 1);
	}
}

/* ---- hosts --------------------------------------------------------------- */

static void add_port(struct buf *b, bool *ok, unsigned v)
{
	*ok = *ok && buf_printf(b, ":%u", v);
}

/* An IPv4 number: decimal, 0x hex, 0 octal. False when it is not one. */
static bool ipv4_number(const char *s, size_t n, uint64_t *out)
{
	int radix = 10;
	uint64_t v = 0;

	if (n == 0)
		return false;
	if (n >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		radix = 16;
		s += 2;
		n -= 2;
	} else if (n >= 2 && s[0] == '0') {
		radix = 8;
		s++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		int d = hex_value((unsigned char)s[i]);

		if (d < 0 || d >= radix)
			return false;
		if (v <= UINT32_MAX * (uint64_t)16)
			v = v * (uint64_t)radix + (uint64_t)d;
	}
	*out = v;
	return true;
}

/* Splits host at dots into parts[]; a final empty part (a trailing dot)
 * is dropped when there are others. Returns the count, or SIZE_MAX when
 * there are more than max. */
static size_t split_dots(const char *h, size_t n, size_t starts[], size_t lens[], size_t max)
{
	size_t count = 0, from = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && h[i] != '.')
			continue;
		if (count == max)
			return SIZE_MAX;
		starts[count] = from;
		lens[count++] = i - from;
		from = i + 1;
	}
	if (count > 1 && lens[count - 1] == 0)
		count--;
	return count;
}

static bool ends_in_number(const char *h, size_t n)
{
	size_t i = n, end = n;
	uint64_t v;

	if (n > 0 && h[n - 1] == '.') {
		if (memchr(h, '.', n - 1) == NULL)
			return false; /* just "x." */
		end = i = n - 1;
	}
	while (i > 0 && h[i - 1] != '.')
		i--;
	if (i == end)
		return false;
	for (size_t k = i; k < end; k++)
		if (!is_digit((unsigned char)h[k]))
			return ipv4_number(h + i, end - i, &v);
	return true;
}

static bool ipv4_parse(const char *h, size_t n, struct buf *out, bool *ok)
{
	size_t starts[5], lens[5], count = split_dots(h, n, starts, lens, 5);
	uint64_t num[4], v;

	if (count == SIZE_MAX || count > 4)
		return false;
	for (size_t i = 0; i < count; i++)
		if (!ipv4_number(h + starts[i], lens[i], &num[i]))
			return false;
	for (size_t i = 0; i + 1 < count; i++)
		if (num[i] > 255)
			return false;
	if (num[count - 1] >= (uint64_t)1 << (8 * (5 - count)))
		return false;
	v = num[count - 1];
	for (size_t i = 0; i + 1 < count; i++)
		v += num[i] << (8 * (3 - i));
	*ok = *ok &&
	      buf_printf(out, "%u.%u.%u.%u", (unsigned)(v >> 24) & 255, (unsigned)(v >> 16) & 255,
	                 (unsigned)(v >> 8) & 255, (unsigned)v & 255);
	return true;
}

/* The WHATWG IPv6 parser; false on failure. */
static bool ipv6_parse(const char *s, size_t n, uint16_t a[8])
{
	size_t p = 0;
	int piece = 0, compress = -1;

	memset(a, 0, 8 * sizeof(a[0]));
	if (p < n && s[p] == ':') {
		if (p + 1 >= n || s[p + 1] != ':')
			return false;
		p += 2;
		compress = ++piece;
	}
	while (p < n) {
		unsigned value = 0, length = 0;

		if (piece == 8)
			return false;
		if (s[p] == ':') {
			if (compress >= 0)
				return false;
			p++;
			compress = ++piece;
			continue;
		}
		while (length < 4 && p < n && hex_value((unsigned char)s[p]) >= 0) {
			value = value * 16 + (unsigned)hex_value((unsigned char)s[p]);
			p++;
			length++;
		}
		if (p < n && s[p] == '.') {
			int seen = 0;

			if (length == 0)
				return false;
			p -= length;
			if (piece > 6)
				return false;
			while (p < n) {
				int v = -1;

				if (seen > 0) {
					if (s[p] == '.' && seen < 4)
						p++;
					else
						return false;
				}
				if (p >= n || !is_digit((unsigned char)s[p]))
					return false;
				while (p < n && is_digit((unsigned char)s[p])) {
					int d = s[p] - '0';

					if (v == -1)
						v = d;
					else if (v == 0)
						return false;
					else
						v = v * 10 + d;
					if (v > 255)
						return false;
					p++;
				}
				a[piece] = (uint16_t)(a[piece] * 0x100 + v);
				seen++;
				if (seen == 2 || seen == 4)
					piece++;
			}
			if (seen != 4)
				return false;
			break;
		} else if (p < n && s[p] == ':') {
			p++;
			if (p >= n)
				return false;
		} else if (p < n) {
			return false;
		}
		a[piece++] = (uint16_t)value;
	}
	if (compress >= 0) {
		int swaps = piece - compress;

		piece = 7;
		while (piece != 0 && swaps > 0) {
			uint16_t t = a[piece];

			a[piece] = a[compress + swaps - 1];
			a[compress + swaps - 1] = t;
			piece--;
			swaps--;
		}
	} else if (piece != 8) {
		return false;
	}
	return true;
}

static void ipv6_serialize(const uint16_t a[8], struct buf *out, bool *ok)
{
	int best = -1, best_len = 1;

	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && a[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	*ok = *ok && buf_adds(out, "[");
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*ok = *ok && buf_adds(out, i == 0 ? "::" : ":");
			i += best_len - 1;
			continue;
		}
		*ok = *ok && buf_printf(out, "%x%s", a[i], i < 7 ? ":" : "");
	}
	*ok = *ok && buf_adds(out, "]");
}

/* RFC 3492 Punycode of code points cp[0..n). */
static bool punycode(const uint32_t *cp, size_t n, struct buf *out, bool *ok)
{
	uint32_t nn = 128, delta = 0, bias = 72, h, b = 0;

	for (size_t i = 0; i < n; i++)
		if (cp[i] < 0x80) {
			char c = (char)cp[i];
			*ok = *ok && buf_add(out, &c, 1);
			b++;
		}
	h = b;
	if (b > 0)
		*ok = *ok && buf_add(out, "-", 1);
	while (h < n) {
		uint32_t m = UINT32_MAX;

		for (size_t i = 0; i < n; i++)
			if (cp[i] >= nn && cp[i] < m)
				m = cp[i];
		if ((uint64_t)(m - nn) * (h + 1) + delta > UINT32_MAX)
			return false;
		delta += (m - nn) * (h + 1);
		nn = m;
		for (size_t i = 0; i < n; i++) {
			if (cp[i] < nn && ++delta == 0)
				return false;
			if (cp[i] != nn)
				continue;
			uint32_t q = delta;
			for (uint32_t k = 36;; k += 36) {
				uint32_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
				char c;

				if (q < t)
					break;
				uint32_t d = t + (q - t) % (36 - t);
				c = (char)(d < 26 ? 'a' + d : '0' + d - 26);
				*ok = *ok && buf_add(out, &c, 1);
				q = (q - t) / (36 - t);
			}
			char c = (char)(q < 26 ? 'a' + q : '0' + q - 26);
			*ok = *ok && buf_add(out, &c, 1);
			/* adapt */
			uint32_t d = h == b ? delta / 700 : delta / 2, k = 0;
			d += d / (h + 1);
			while (d > ((36 - 1) * 26) / 2) {
				d /= 36 - 1;
				k += 36;
			}
			bias = k + (36 * d) / (d + 38);
			delta = 0;
			h++;
		}
		delta++;
		nn++;
	}
	return true;
}

static int puny_digit(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	return -1;
}

/* Whether the Punycode after "xn--" in s[0..n) decodes, and to something
 * that is not all ASCII (the URL parser refuses the rest). */
static bool punycode_label_ok(const char *s, size_t n)
{
	uint32_t out_n = 0, cp = 128, bias = 72, i = 0;
	size_t basic = 0, in;
	bool non_ascii = false;

	for (size_t k = 0; k < n; k++)
		if (s[k] == '-')
			basic = k;
	in = basic > 0 ? basic + 1 : 0;
	out_n = (uint32_t)(basic > 0 ? basic : 0);
	while (in < n) {
		uint32_t old_i = i, w = 1, delta, k2 = 0;

		for (uint32_t k = 36;; k += 36) {
			int d;
			uint32_t t;

			if (in >= n || (d = puny_digit(s[in++])) < 0)
				return false;
			if ((uint32_t)d > (UINT32_MAX - i) / w)
				return false;
			i += (uint32_t)d * w;
			t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
			if ((uint32_t)d < t)
				break;
			if (w > UINT32_MAX / (36 - t))
				return false;
			w *= 36 - t;
		}
		out_n++;
		delta = old_i == 0 ? (i - old_i) / 700 : (i - old_i) / 2;
		delta += delta / out_n;
		while (delta > ((36 - 1) * 26) / 2) {
			delta /= 36 - 1;
			k2 += 36;
		}
		bias = k2 + (36 * delta) / (delta + 38);
		if (i / out_n > UINT32_MAX - cp)
			return false;
		cp += i / out_n;
		i %= out_n;
		if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		if (cp >= 0x80)
			non_ascii = true;
		i++;
	}
	return non_ascii;
}

/* domain-to-ASCII, as far as lbtui follows it: ASCII lower-cased, an
 * "xn--" label's Punycode checked, labels with other characters written
 * as Punycode (their case and IDNA mappings are not applied, nor IDNA's
 * validity rules). False on failure. */
static bool domain_to_ascii(const char *d, size_t n, struct buf *out, bool *ok)
{
	size_t from = 0;

	for (size_t i = 0; i <= n; i++) {
		bool ascii = true;
		uint32_t *cp;
		size_t ncp = 0;

		if (i < n && d[i] != '.')
			continue;
		if (from > 0)
			*ok = *ok && buf_add(out, ".", 1);
		for (size_t k = from; k < i; k++)
			if ((unsigned char)d[k] >= 0x80)
				ascii = false;
		if (ascii) {
			size_t label = out->len;

			for (size_t k = from; k < i; k++) {
				char c = d[k];

				if (c >= 'A' && c <= 'Z')
					c = (char)(c + 32);
				*ok = *ok && buf_add(out, &c, 1);
			}
			if (*ok && out->len - label >= 4 && !memcmp(out->data + label, "xn--", 4) &&
			    !punycode_label_ok(out->data + label + 4, out->len - label - 4))
				return false;
			from = i + 1;
			continue;
		}
		cp = malloc((i - from) * sizeof(*cp));
		if (!cp) {
			*ok = false;
			return true;
		}
		for (size_t k = from; k < i;) {
			long c;

			k += utf8_decode((const unsigned char *)d + k, i - k, &c);
			if (c < 0) {
				free(cp);
				return false; /* U+FFFD is not allowed in a domain */
			}
			cp[ncp++] = (uint32_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		*ok = *ok && buf_add(out, "xn--", 4);
		if (!punycode(cp, ncp, out, ok)) {
			free(cp);
			return false;
		}
		free(cp);
		from = i + 1;
	}
	return true;
}

static bool forbidden_domain_char(unsigned char c)
{
	return c <= 0x20 || c == 0x7F || strchr("#%/:<>?@[\\]^|", c) != NULL;
}

/* The host parser (special URLs): the serialised host into u->host. */
static bool parse_host(struct url *u, const char *s, size_t n)
{
	struct buf decoded, ascii;
	bool good;

	if (n > 0 && s[0] == '[') {
		uint16_t a[8];

		if (s[n - 1] != ']' || !ipv6_parse(s + 1, n - 2, a))
			return false;
		ipv6_serialize(a, &u->host, &u->ok);
		return true;
	}
	buf_init(&decoded);
	buf_init(&ascii);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n + 0 && hex_value((unsigned char)s[i + 1]) >= 0 &&
		    hex_value((unsigned char)s[i + 2]) >= 0) {
			char c = (char)(hex_value((unsigned char)s[i + 1]) * 16 +
			                hex_value((unsigned char)s[i + 2]));

			u->ok = u->ok && buf_add(&decoded, &c, 1);
			i += 2;
		} else {
			u->ok = u->ok && buf_add(&decoded, s + i, 1);
		}
	}
	good = domain_to_ascii(decoded.data, decoded.len, &ascii, &u->ok) && ascii.len > 0;
	for (size_t i = 0; good && i < ascii.len; i++)
		if (forbidden_domain_char((unsigned char)ascii.data[i]))
			good = false;
	if (good && ends_in_number(ascii.data, ascii.len))
		good = ipv4_parse(ascii.data, ascii.len, &u->host, &u->ok);
	else if (good)
		u->ok = u->ok && buf_add(&u->host, ascii.data, ascii.len);
	buf_free(&decoded);
	buf_free(&ascii);
	return good;
}

/* ---- the parser's states ------------------------------------------------- */

static bool is_slash(char c)
{
	return c == '/' || c == '\\';
}

static void path_push(struct url *u, const char *s, size_t n)
{
	char *seg;

	if (!u->ok)
		return;
	if (u->npath == u->cappath) {
		size_t cap = u->cappath ? u->cappath * 2 : 8;
		char **p = realloc(u->path, cap * sizeof(*p));

		if (!p) {
			u->ok = false;
			return;
		}
		u->path = p;
		u->cappath = cap;
	}
	seg = cm_strndup(s, n);
	if (!seg)
		u->ok = false;
	else
		u->path[u->npath++] = seg;
}

static void path_pop(struct url *u)
{
	if (u->npath > 0)
		free(u->path[--u->npath]);
}

static bool ieq(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	if (n != k)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] | (s[i] >= 'A' && s[i] <= 'Z' ? 0x20 : 0)) != lit[i])
			return false;
	return true;
}

static bool single_dot(const char *s, size_t n)
{
	return ieq(s, n, ".") || ieq(s, n, "%2e");
}

static bool double_dot(const char *s, size_t n)
{
	return ieq(s, n, "..") || ieq(s, n, ".%2e") || ieq(s, n, "%2e.") || ieq(s, n, "%2e%2e");
}

/* Query and fragment from s[i], which is at "?", "#" or the end. */
static void parse_rest(struct url *u, const char *s, size_t n, size_t i)
{
	if (i < n && s[i] == '?') {
		u->has_query = true;
		for (i++; i < n && s[i] != '#'; i++)
			add_encoded(u, &u->query, (unsigned char)s[i], PE_QUERY);
	}
	if (i < n && s[i] == '#') {
		u->has_fragment = true;
		for (i++; i < n; i++)
			add_encoded(u, &u->fragment, (unsigned char)s[i], PE_FRAGMENT);
	}
}

/* The path state from s[i] (a relative path's first segment, or what
 * follows the slash after the host). */
static void parse_path(struct url *u, const char *s, size_t n, size_t i)
{
	struct buf seg;

	buf_init(&seg);
	for (;;) {
		bool end = i >= n || s[i] == '?' || s[i] == '#';

		if (end || is_slash(s[i])) {
			bool slash = !end;

			if (double_dot(seg.data, seg.len)) {
				path_pop(u);
				if (!slash)
					path_push(u, "", 0);
			} else if (single_dot(seg.data, seg.len)) {
				if (!slash)
					path_push(u, "", 0);
			} else {
				path_push(u, seg.data, seg.len);
			}
			seg.len = 0;
			if (end)
				break;
		} else {
			add_encoded(u, &seg, (unsigned char)s[i], PE_PATH);
		}
		i++;
	}
	buf_free(&seg);
	parse_rest(u, s, n, i);
}

/* The authority from s[i] (past the slashes), then the path. False on
 * failure. */
static bool parse_authority(struct url *u, const char *s, size_t n, size_t i)
{
	size_t end = i, at = SIZE_MAX, host_end;
	bool brackets = false;

	while (end < n && !is_slash(s[end]) && s[end] != '?' && s[end] != '#')
		end++;
	for (size_t k = i; k < end; k++)
		if (s[k] == '@')
			at = k;
	if (at != SIZE_MAX)
		i = at + 1; /* the credentials are no part of what is kept */
	host_end = i;
	while (host_end < end && (s[host_end] != ':' || brackets)) {
		if (s[host_end] == '[')
			brackets = true;
		else if (s[host_end] == ']')
			brackets = false;
		host_end++;
	}
	if (host_end == i || !parse_host(u, s + i, host_end - i))
		return false;
	u->port = -1;
	if (host_end < end) {
		long v = 0;
		bool digits = false;

		for (size_t k = host_end + 1; k < end; k++) {
			if (!is_digit((unsigned char)s[k]))
				return false;
			if (v <= 65535)
				v = v * 10 + (s[k] - '0');
			digits = true;
		}
		if (v > 65535)
			return false;
		if (digits && v != (u->https ? 443 : 80))
			u->port = v;
	}
	if (end < n && is_slash(s[end]))
		end++;
	parse_path(u, s, n, end);
	return true;
}

/* Parse s[0..n) (already stripped) against the placeholder base when
 * has_base. False on failure or a scheme other than http and https. */
static bool parse(struct url *u, const char *s, size_t n, bool has_base)
{
	size_t i = 0;

	if (n > 0 && is_alpha((unsigned char)s[0])) {
		size_t k = 1;

		while (k < n && (is_alpha((unsigned char)s[k]) || is_digit((unsigned char)s[k]) ||
		                 s[k] == '+' || s[k] == '-' || s[k] == '.'))
			k++;
		if (k < n && s[k] == ':') {
			if (ieq(s, k, "https"))
				u->https = true;
			else if (!ieq(s, k, "http"))
				return false;
			i = k + 1;
			if (has_base && u->https && !(i + 1 < n && s[i] == '/' && s[i + 1] == '/'))
				goto relative; /* https:foo against an https base */
			while (i < n && is_slash(s[i]))
				i++;
			return parse_authority(u, s, n, i);
		}
	}
	if (!has_base)
		return false;
	u->https = true;
relative:
	/* The base is https://localhost:9999/ (its path [""]). */
	u->port = 9999;
	u->ok = u->ok && buf_adds(&u->host, "localhost");
	if (i < n && is_slash(s[i])) {
		if (i + 1 < n && is_slash(s[i + 1])) {
			i += 2;
			while (i < n && is_slash(s[i]))
				i++;
			buf_free(&u->host);
			return parse_authority(u, s, n, i);
		}
		parse_path(u, s, n, i + 1);
		return true;
	}
	if (i >= n || s[i] == '?' || s[i] == '#') {
		path_push(u, "", 0);
		parse_rest(u, s, n, i);
		return true;
	}
	parse_path(u, s, n, i);
	return true;
}

static void url_free(struct url *u)
{
	buf_free(&u->host);
	buf_free(&u->query);
	buf_free(&u->fragment);
	while (u->npath > 0)
		path_pop(u);
	free(u->path);
}

/* JavaScript's /^[a-zA-Z][a-zA-Z\d+\-.]*?:/ */
static bool looks_absolute(const char *s, size_t n)
{
	size_t i = 1;

	if (n == 0 || !is_alpha((unsigned char)s[0]))
		return false;
	while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
	                 s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	return i < n && s[i] == ':';
}

/* JavaScript's /\/(?:(?:\?|#).*)?$/: a slash at the end, or one followed
 * by "?" or "#" and then no line terminator. */
static bool trailing_slash(const char *s, size_t n)
{
	size_t line_from = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\r' ||
		    (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
		     ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)))
			line_from = i + 1;
	}
	for (size_t i = line_from; i < n; i++)
		if (s[i] == '/' && (i + 1 == n || s[i + 1] == '?' || s[i + 1] == '#'))
			return true;
	return n > 0 && s[n - 1] == '/';
}

char *cm_sanitize_url(const char *url, size_t len, bool *rejected)
{
	struct buf in, out;
	struct url u;
	bool absolute, good;
	size_t from = 0, to;
	char *result = NULL;

	*rejected = false;
	buf_init(&in);
	buf_init(&out);
	memset(&u, 0, sizeof(u));
	u.ok = true;
	buf_init(&u.host);
	buf_init(&u.query);
	buf_init(&u.fragment);
	if (len >= 4 && !memcmp(url, "www.", 4))
		u.ok = buf_adds(&in, "https://");
	u.ok = u.ok && buf_add(&in, url, len);
	if (u.ok && in.len == 1 && in.data[0] == '#') {
		buf_free(&u.host);
		return buf_steal(&in);
	}
	absolute = looks_absolute(in.data, in.len);
	/* The parser strips C0 controls and spaces around, tabs and line
	 * breaks within. */
	to = in.len;
	while (from < to && (unsigned char)in.data[from] <= 0x20)
		from++;
	while (to > from && (unsigned char)in.data[to - 1] <= 0x20)
		to--;
	for (size_t i = from; u.ok && i < to; i++)
		if (in.data[i] != '\t' && in.data[i] != '\n' && in.data[i] != '\r')
			u.ok = buf_add(&out, in.data + i, 1);
	good = u.ok && parse(&u, out.data, out.len, !absolute);
	if (good && u.ok) {
		bool slash = trailing_slash(in.data, in.len);
		struct buf r;

		buf_init(&r);
		if (absolute) {
			u.ok = buf_adds(&r, u.https ? "https://" : "http://") &&
			       buf_add(&r, u.host.data, u.host.len);
			if (u.port >= 0)
				add_port(&r, &u.ok, (unsigned)u.port);
		}
		if (u.npath == 1 && u.path[0][0] == '\0') {
			if (slash)
				u.ok = u.ok && buf_adds(&r, "/");
		} else {
			for (size_t i = 0; i < u.npath; i++)
				u.ok = u.ok && buf_adds(&r, "/") && buf_adds(&r, u.path[i]);
			if (slash && u.npath > 0 && u.path[u.npath - 1][0] != '\0')
				u.ok = u.ok && buf_adds(&r, "/");
		}
		if (u.has_query && u.query.len > 0)
			u.ok = u.ok && buf_adds(&r, "?") && buf_add(&r, u.query.data, u.query.len);
		if (u.has_fragment && u.fragment.len > 0)
			u.ok = u.ok && buf_adds(&r, "#") &&
			       buf_add(&r, u.fragment.data, u.fragment.len);
		if (u.ok && r.len > 0)
			result = buf_steal(&r);
		else if (u.ok)
			*rejected = true;
		buf_free(&r);
	} else if (u.ok) {
		*rejected = true;
	}
	url_free(&u);
	buf_free(&in);
	buf_free(&out);
	return result;
}
