/* HTML and link reference definitions, as marked 15 reads them: the block
 * rules for both, and what the inline rules (links, raw tags) read of
 * them too (comment_md.h). */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment_impl.h"
#include "comment_md.h"
#include "utf8.h"
#include "util.h"

/* ---- block HTML ---------------------------------------------------------- */

/* /(?:(?:\n[ \t]*)+\n|$)/ searched lazily from i: the end of the first
 * match. */
static size_t html_block_end(struct str s, size_t i)
{
	for (; i < s.n; i++) {
		size_t j = i, last_nl = 0, count = 0;

		while (j < s.n && s.p[j] == '\n') {
			last_nl = j;
			count++;
			j++;
			while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
				j++;
		}
		if (count >= 2)
			return last_nl + 1;
	}
	return s.n;
}

/* The end of "[ \t]*" then "\n" or the end at i (a lookahead), or 0. */
bool md_blank_rest(struct str s, size_t i)
{
	while (i < s.n && (s.p[i] == ' ' || s.p[i] == '\t'))
		i++;
	return i == s.n || s.p[i] == '\n';
}

/* An attribute of block HTML: / +[a-zA-Z:_][\w.:-]*(?: *= *"[^"\n]*"|
 * *= *'[^'\n]*'| *= *[^\s"'=<>`]+)?/ — every end it can have, longest
 * first, into ends[]. */
static size_t html_attr_ends(struct str s, size_t i, bool inline_rule, size_t ends[4])
{
	size_t j = i, n = 0, name_end, v;

	if (inline_rule) {
		while (j < s.n && is_space(s.p[j]))
			j++;
	} else {
		while (at(s, j) == ' ')
			j++;
	}
	if (j == i || j >= s.n)
		return 0;
	if (!(is_alpha(s.p[j]) || s.p[j] == ':' || s.p[j] == '_'))
		return 0;
	j++;
	while (j < s.n && (is_word(s.p[j]) || s.p[j] == '.' || s.p[j] == ':' || s.p[j] == '-'))
		j++;
	name_end = j;
	/* the value */
	v = name_end;
	if (inline_rule) {
		while (v < s.n && is_space(s.p[v]))
			v++;
	} else {
		while (at(s, v) == ' ')
			v++;
	}
	if (at(s, v) == '=' && v < s.n) {
		v++;
		if (inline_rule) {
			while (v < s.n && is_space(s.p[v]))
				v++;
		} else {
			while (at(s, v) == ' ')
				v++;
		}
		u16 q = at(s, v);
		if ((q == '"' || q == '\'') && v < s.n) {
			size_t k = v + 1;

			while (k < s.n && s.p[k] != q && (inline_rule || s.p[k] != '\n'))
				k++;
			if (k < s.n && s.p[k] == q)
				ends[n++] = k + 1;
		} else {
			size_t k = v;

			while (k < s.n && !is_space(s.p[k]) && !in_set(s.p[k], "\"'=<>`"))
				k++;
			/* greedy, then shorter */
			for (size_t m = k; m > v && n < 3; m--)
				ends[n++] = m;
		}
	}
	ends[n++] = name_end;
	return n;
}

/* After a tag's attributes: / *\/?>/ (block) or /\s*\/?>/ (inline) at i,
 * then (block) only blanks to the end of the line. Its end or 0. */
static size_t html_tag_close(struct str s, size_t i, bool inline_rule)
{
	size_t j = i;

	while (j < s.n && (inline_rule ? is_space(s.p[j]) : s.p[j] == ' '))
		j++;
	if (at(s, j) == '/' && j < s.n)
		j++;
	if (at(s, j) != '>' || j >= s.n)
		return 0;
	j++;
	if (!inline_rule && !md_blank_rest(s, j))
		return 0;
	return j;
}

/* Attributes, lazily, then the close: the end of the tag, or 0. */
size_t md_html_attrs_then_close(struct str s, size_t i, bool inline_rule, int budget)
{
	size_t ends[4], n, c;

	if ((c = html_tag_close(s, i, inline_rule)) != 0)
		return c;
	if (budget <= 0)
		return 0;
	n = html_attr_ends(s, i, inline_rule, ends);
	for (size_t k = 0; k < n; k++)
		if ((c = md_html_attrs_then_close(s, ends[k], inline_rule, budget - 1)) != 0)
			return c;
	return 0;
}

static bool starts_raw_tag(struct str s, size_t i)
{
	return starts_ci(s, i, "script") || starts_ci(s, i, "pre") || starts_ci(s, i, "style") ||
	       starts_ci(s, i, "textarea");
}

/* Search s from i for `lit_` (case-insensitive when ci): its index or n. */
size_t md_find(struct str s, size_t i, const char *lit_, bool ci)
{
	for (; i < s.n; i++)
		if (ci ? starts_ci(s, i, lit_) : starts_lit(s, i, lit_))
			return i;
	return s.n;
}

/* The block html rule at the start of s (comment_md.h). */
size_t md_html_block(struct str s)
{
	size_t k = spaces(s, 0, 3), i = k, j;

	if (at(s, i) != '<' || i >= s.n)
		return 0;
	/* 1: <script|pre|style|textarea ... </name> */
	{
		static const char *const names[] = {"script", "pre", "style", "textarea"};

		for (size_t t = 0; t < 4; t++) {
			size_t len = strlen(names[t]);

			if (!starts_ci(s, i + 1, names[t]))
				continue;
			u16 c = at(s, i + 1 + len);
			if (i + 1 + len >= s.n || !(is_space(c) || c == '>'))
				continue;
			char close[16] = "</";
			strcat(close, names[t]);
			strcat(close, ">");
			for (j = i + 1 + len + 1; j < s.n; j++) {
				size_t e;

				j = md_find(s, j, close, true);
				if (j >= s.n)
					break;
				e = line_end(s, j + strlen(close));
				if (e < s.n) {
					while (e < s.n && s.p[e] == '\n')
						e++;
					return e;
				}
			}
			return s.n;
		}
	}
	/* 2: comment */
	if (starts_lit(s, i, "<!--")) {
		size_t e;

		j = i + 4;
		if (starts_lit(s, j, ">"))
			e = j + 1;
		else if (starts_lit(s, j, "->"))
			e = j + 2;
		else {
			e = md_find(s, j, "-->", false);
			e = e < s.n ? e + 3 : s.n;
		}
		e = line_end(s, e);
		while (e < s.n && s.p[e] == '\n')
			e++;
		return e;
	}
	/* 3: <? ... ?> */
	if (starts_lit(s, i, "<?")) {
		j = md_find(s, i + 2, "?>", false);
		if (j >= s.n)
			return s.n;
		j += 2;
		while (j < s.n && s.p[j] == '\n')
			j++;
		return j;
	}
	/* 4: <!LETTER ... > */
	if (at(s, i + 1) == '!' && is_alpha(at(s, i + 2))) {
		j = md_find(s, i + 3, ">", false);
		if (j >= s.n)
			return s.n;
		j++;
		while (j < s.n && s.p[j] == '\n')
			j++;
		return j;
	}
	/* 5: CDATA */
	if (starts_ci(s, i, "<![cdata[")) {
		j = md_find(s, i + 9, "]]>", false);
		if (j >= s.n)
			return s.n;
		j += 3;
		while (j < s.n && s.p[j] == '\n')
			j++;
		return j;
	}
	/* 6: a block tag */
	if ((j = md_block_tag_open(s, i, true)) != 0)
		return html_block_end(s, j);
	/* 7: any other open or closing tag alone on its line */
	if (is_alpha(at(s, i + 1)) && !starts_raw_tag(s, i + 1)) {
		j = i + 2;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == '-'))
			j++;
		if (md_html_attrs_then_close(s, j, false, 64))
			return html_block_end(s, j);
		return 0;
	}
	if (at(s, i + 1) == '/' && is_alpha(at(s, i + 2)) && !starts_raw_tag(s, i + 2)) {
		j = i + 3;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == '-'))
			j++;
		while (j < s.n && is_space(s.p[j]))
			j++;
		if (at(s, j) == '>' && j < s.n && md_blank_rest(s, j + 1))
			return html_block_end(s, j + 1);
	}
	return 0;
}

/* ---- reference definitions ----------------------------------------------- */

/* A title quoted by q, from j just after the opening quote, as
 * q(?:\\q?|[^q\\])*q reads it: it ends at the first unescaped q, or at
 * an escaped one read as a backslash alone. Every end, longest first,
 * into ends; the count. */
static size_t quoted_ends(struct str s, size_t j, u16 q, size_t *ends, size_t max)
{
	size_t n = 0, hard = 0, soft[64], nsoft = 0;

	while (j < s.n) {
		if (s.p[j] == '\\') {
			if (at(s, j + 1) == q && j + 1 < s.n && nsoft < 64)
				soft[nsoft++] = j + 2;
			j += at(s, j + 1) == q && j + 1 < s.n ? 2 : 1;
			continue;
		}
		if (s.p[j] == q) {
			hard = j + 1;
			break;
		}
		j++;
	}
	if (hard && n < max)
		ends[n++] = hard;
	while (nsoft > 0 && n < max)
		ends[n++] = soft[--nsoft];
	return n;
}

/* A title at i ("...", '...' or (...)): every end it can have, longest
 * first; the count. */
size_t md_title_ends(struct str s, size_t i, bool def, size_t *ends, size_t max)
{
	u16 q = at(s, i);
	size_t n = 0;

	if (i >= s.n)
		return 0;
	if (q == '"') {
		/* "(?:\\"?|[^"\\])*" */
		return quoted_ends(s, i + 1, '"', ends, max);
	}
	if (q == '\'') {
		size_t j = i + 1;

		if (def) {
			/* '[^'\n]*(?:\n[^'\n]+)*\n?' */
			for (;;) {
				while (j < s.n && s.p[j] != '\'' && s.p[j] != '\n')
					j++;
				if (at(s, j) == '\'' && j < s.n)
					break;
				if (j >= s.n)
					return 0;
				/* at \n: a non-empty line follows, or \n then ' */
				if (at(s, j + 1) == '\'' && j + 1 < s.n) {
					j++;
					break;
				}
				if (j + 1 >= s.n || s.p[j + 1] == '\n')
					return 0;
				j++;
			}
			ends[n++] = j + 1;
			return n;
		}
		/* '(?:\\'?|[^'\\])*' */
		return quoted_ends(s, j, '\'', ends, max);
	}
	if (q == '(') {
		size_t j = i + 1;

		if (def) {
			while (j < s.n && s.p[j] != '(' && s.p[j] != ')')
				j++;
			if (at(s, j) == ')' && j < s.n)
				ends[n++] = j + 1;
			return n;
		}
		/* \((?:\\\)?|[^)\\])*\) */
		size_t hard = 0, soft[64], nsoft = 0;
		while (j < s.n) {
			if (s.p[j] == '\\') {
				if (at(s, j + 1) == ')' && j + 1 < s.n && nsoft < 64)
					soft[nsoft++] = j + 2;
				j += at(s, j + 1) == ')' && j + 1 < s.n ? 2 : 1;
				continue;
			}
			if (s.p[j] == ')') {
				hard = j + 1;
				break;
			}
			j++;
		}
		if (hard && n < max)
			ends[n++] = hard;
		while (nsoft > 0 && n < max)
			ends[n++] = soft[--nsoft];
		return n;
	}
	return 0;
}

/* / *(?:\n+|$)/ at i: its end, or 0. */
static size_t def_tail(struct str s, size_t i)
{
	while (at(s, i) == ' ' && i < s.n)
		i++;
	if (i == s.n)
		return i;
	if (s.p[i] != '\n')
		return 0;
	while (i < s.n && s.p[i] == '\n')
		i++;
	return i;
}

/* JavaScript's /\\(punct)/gu replaced by the punct. */
struct str md_unescape_punct(struct lexer *lx, struct str s)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < s.n;) {
		size_t len;

		if (s.p[i] == '\\' && i + 1 < s.n && is_punct(cp_at(s, i + 1, &len))) {
			sb_add(lx, &b, s.p + i + 1, len);
			i += 1 + len;
			continue;
		}
		sb_ch(lx, &b, s.p[i++]);
	}
	return sb_view(&b);
}

/* Lower-case and white space runs as one space (ASCII case only). */
struct str md_def_key(struct lexer *lx, struct str s)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < s.n;) {
		if (is_space(s.p[i])) {
			while (i < s.n && is_space(s.p[i]))
				i++;
			sb_ch(lx, &b, ' ');
			continue;
		}
		sb_ch(lx, &b, lower(s.p[i++]));
	}
	return sb_view(&b);
}

/* /^ {0,3}\[(label)\]: *(?:\n[ \t]*)?([^<\s][^\s]*|<.*?>)(?:(?: +(?:\n[ \t]*)?|
 * *\n[ \t]*)(title))? *(?:\n+|$)/ */
size_t md_def(struct str s, struct str *label, struct str *href)
{
	size_t i = spaces(s, 0, 3), j, lab;

	if (at(s, i) != '[' || i >= s.n)
		return 0;
	lab = i + 1;
	/* (?!\s*\]) */
	j = lab;
	while (j < s.n && is_space(s.p[j]))
		j++;
	if (at(s, j) == ']' && j < s.n)
		return 0;
	j = lab;
	while (j < s.n && s.p[j] != ']') {
		if (s.p[j] == '[')
			return 0;
		if (s.p[j] == '\\') {
			if (j + 1 >= s.n || is_terminator(s.p[j + 1]))
				return 0;
			j += 2;
			continue;
		}
		j++;
	}
	if (j == lab || j >= s.n || at(s, j + 1) != ':' || j + 1 >= s.n)
		return 0;
	*label = sub(s, lab, j);
	j += 2;
	while (at(s, j) == ' ' && j < s.n)
		j++;
	if (at(s, j) == '\n' && j < s.n) {
		j++;
		while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
			j++;
	}
	/* the destination: candidates */
	size_t hstart = j, hends[64], nh = 0;
	if (at(s, j) == '<' && j < s.n) {
		for (size_t k = j + 1; k < s.n && !is_terminator(s.p[k]) && nh < 64; k++)
			if (s.p[k] == '>')
				hends[nh++] = k + 1;
	} else if (j < s.n && !is_space(s.p[j])) {
		size_t k = j + 1;

		while (k < s.n && !is_space(s.p[k]))
			k++;
		hends[nh++] = k;
	}
	for (size_t h = 0; h < nh; h++) {
		size_t he = hends[h], end;

		/* with a title */
		{
			size_t t = he, seps[2], ns = 0;

			/* ' +(?:\n[ \t]*)?' */
			if (at(s, t) == ' ' && t < s.n) {
				size_t u = t;

				while (at(s, u) == ' ' && u < s.n)
					u++;
				if (at(s, u) == '\n' && u < s.n) {
					size_t w = u + 1;

					while (w < s.n && (s.p[w] == ' ' || s.p[w] == '\t'))
						w++;
					seps[ns++] = w;
				}
				seps[ns++] = u;
			} else {
				/* ' *\n[ \t]*' */
				size_t u = t;

				while (at(s, u) == ' ' && u < s.n)
					u++;
				if (at(s, u) == '\n' && u < s.n) {
					size_t w = u + 1;

					while (w < s.n && (s.p[w] == ' ' || s.p[w] == '\t'))
						w++;
					seps[ns++] = w;
				}
			}
			for (size_t k = 0; k < ns; k++) {
				size_t te[66], nt = md_title_ends(s, seps[k], true, te, 66);

				for (size_t m = 0; m < nt; m++)
					if ((end = def_tail(s, te[m])) != 0)
						goto found;
			}
		}
		if ((end = def_tail(s, he)) != 0)
			goto found;
		continue;
	found:
		*href = sub(s, hstart, he);
		return end;
	}
	return 0;
}
