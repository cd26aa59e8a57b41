/* The inline rules of marked 15 with GFM, in marked's order: links,
 * emphasis, code spans, autolinks and text (comment_md.h). */
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

/* ---- inline rules -------------------------------------------------------- */

static bool is_escapable(u16 c)
{
	return in_set(c, "!\"#$%&'()*+,-./:;<=>?@[]\\^_`{|}~");
}

/* The inline tag rule: its length, or 0. */
static size_t m_tag(struct str s)
{
	size_t j;

	if (at(s, 0) != '<' || s.n < 2)
		return 0;
	if (starts_lit(s, 0, "<!--")) {
		if (starts_lit(s, 4, ">"))
			return 5;
		if (starts_lit(s, 4, "->"))
			return 6;
		j = md_find(s, 4, "-->", false);
		return j < s.n ? j + 3 : 0;
	}
	if (s.p[1] == '/' && is_alpha(at(s, 2))) {
		j = 3;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == ':' || s.p[j] == '-'))
			j++;
		while (j < s.n && is_space(s.p[j]))
			j++;
		return at(s, j) == '>' && j < s.n ? j + 1 : 0;
	}
	if (is_alpha(s.p[1])) {
		j = 2;
		while (j < s.n && (is_word(s.p[j]) || s.p[j] == '-'))
			j++;
		return md_html_attrs_then_close(s, j, true, 64);
	}
	if (s.p[1] == '?') {
		j = md_find(s, 2, "?>", false);
		return j < s.n ? j + 2 : 0;
	}
	if (s.p[1] == '!' && is_alpha(at(s, 2))) {
		j = 2;
		while (j < s.n && is_alpha(s.p[j]))
			j++;
		if (j >= s.n || !is_space(s.p[j]))
			return 0;
		j = md_find(s, j + 1, ">", false);
		return j < s.n ? j + 1 : 0;
	}
	if (starts_lit(s, 0, "<![CDATA[")) {
		j = md_find(s, 9, "]]>", false);
		return j < s.n ? j + 3 : 0;
	}
	return 0;
}

/* (?:\\.|[^\[\]\\])* from j, then "]": the index of that "]", or SIZE_MAX
 * at a "[", an escape of nothing, or the end. */
static size_t label_close(struct str s, size_t j)
{
	while (j < s.n && s.p[j] != ']') {
		if (s.p[j] == '[')
			return SIZE_MAX;
		if (s.p[j] == '\\') {
			if (j + 1 >= s.n || is_terminator(s.p[j + 1]))
				return SIZE_MAX;
			j += 2;
			continue;
		}
		j++;
	}
	return j < s.n ? j : SIZE_MAX;
}

/* _inlineLabel followed by "]": where the label ends (at "]"), or SIZE_MAX. */
static size_t inline_label_end(struct str s, size_t i)
{
	while (i < s.n) {
		u16 c = s.p[i];

		if (c == ']')
			return i;
		if (c == '[') {
			size_t j = label_close(s, i + 1);

			if (j == SIZE_MAX)
				return SIZE_MAX;
			i = j + 1;
		} else if (c == '\\') {
			if (i + 1 >= s.n || is_terminator(s.p[i + 1]))
				return SIZE_MAX;
			i += 2;
		} else if (c == '`') {
			size_t j = i + 1;

			while (j < s.n && s.p[j] != '`')
				j++;
			if (j >= s.n)
				return SIZE_MAX;
			i = j + 1;
		} else {
			i++;
		}
	}
	return SIZE_MAX;
}

/* After a link's title or destination: /\s*\)/ at i; its end or 0. */
static size_t close_paren(struct str s, size_t i)
{
	while (i < s.n && is_space(s.p[i]))
		i++;
	return at(s, i) == ')' && i < s.n ? i + 1 : 0;
}

/* The link rule's destination and title from i (after "(\s*"): the end of
 * the match, the destination's range. */
static size_t link_rest(struct str s, size_t i, size_t *hend)
{
	size_t cands[2], nc = 0, e;

	/* <(?:\\.|[^\n<>\\])+> */
	if (at(s, i) == '<' && i < s.n) {
		size_t j = i + 1;

		while (j < s.n && s.p[j] != '>') {
			if (s.p[j] == '\\') {
				if (j + 1 >= s.n || is_terminator(s.p[j + 1]))
					break;
				j += 2;
				continue;
			}
			if (s.p[j] == '\n' || s.p[j] == '<')
				break;
			j++;
		}
		if (at(s, j) == '>' && j < s.n && j > i + 1)
			cands[nc++] = j + 1;
	}
	for (size_t c = 0; c <= nc; c++) {
		size_t first, last;

		if (c < nc) {
			first = last = cands[c];
		} else {
			/* [^ \t\n\x00-\x1f]*, greedy then shorter */
			size_t j = i;

			while (j < s.n && s.p[j] > 0x1f && s.p[j] != ' ')
				j++;
			first = j;
			last = i;
		}
		for (size_t h = first + 1; h-- > last;) {
			/* (?:[ \t]*(?:\n[ \t]*)?(title))? then \s*\) */
			size_t t = h, te[66], nt;

			while (t < s.n && (s.p[t] == ' ' || s.p[t] == '\t'))
				t++;
			if (at(s, t) == '\n' && t < s.n) {
				t++;
				while (t < s.n && (s.p[t] == ' ' || s.p[t] == '\t'))
					t++;
			}
			nt = md_title_ends(s, t, false, te, 66);
			for (size_t m = 0; m < nt; m++)
				if ((e = close_paren(s, te[m])) != 0) {
					*hend = h;
					return e;
				}
			if ((e = close_paren(s, h)) != 0) {
				*hend = h;
				return e;
			}
		}
	}
	return 0;
}

/* marked's findClosingBracket(str, "()"). */
static long closing_bracket(struct str s)
{
	long level = 0;
	bool any = false;

	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == ')')
			any = true;
	if (!any)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '\\') {
			i++;
		} else if (s.p[i] == '(') {
			level++;
		} else if (s.p[i] == ')') {
			level--;
			if (level < 0)
				return (long)i;
		}
	}
	return level > 0 ? -2 : -1;
}

static struct tok *output_link(struct lexer *lx, struct str raw, struct str label, struct str href)
{
	struct tok *t = new_tok(lx, raw.n && raw.p[0] == '!' ? T_IMAGE : T_LINK);
	struct sbuf b = {0};

	for (size_t i = 0; i < label.n; i++) {
		if (label.p[i] == '\\' && i + 1 < label.n &&
		    (label.p[i + 1] == '[' || label.p[i + 1] == ']'))
			continue;
		sb_ch(lx, &b, label.p[i]);
	}
	t->raw = raw;
	t->href = href;
	t->text = sb_view(&b);
	lx->in_link = true;
	md_inline_tokens(lx, t->text, &t->tokens);
	lx->in_link = false;
	return t;
}

static struct tok *tk_link(struct lexer *lx, struct str s)
{
	size_t i = 0, lab, lend, j, hend = 0, end;
	struct str cap0, cap1, cap2, href, trimmed;

	if (at(s, 0) == '!')
		i++;
	if (at(s, i) != '[' || i >= s.n)
		return NULL;
	lab = i + 1;
	lend = inline_label_end(s, lab);
	if (lend == SIZE_MAX || at(s, lend + 1) != '(' || lend + 1 >= s.n)
		return NULL;
	j = lend + 2;
	/* \s* (greedy; shorter tried after) */
	{
		size_t ws = j;

		while (ws < s.n && is_space(s.p[ws]))
			ws++;
		end = 0;
		for (size_t w = ws + 1; w-- > j;) {
			if ((end = link_rest(s, w, &hend)) != 0) {
				j = w;
				break;
			}
		}
		if (!end)
			return NULL;
	}
	cap0 = sub(s, 0, end);
	cap1 = sub(s, lab, lend);
	cap2 = sub(s, j, hend);
	trimmed = trim(cap2);
	if (trimmed.n && trimmed.p[0] == '<') {
		size_t slash = 0;

		if (trimmed.p[trimmed.n - 1] != '>')
			return NULL;
		while (slash + 1 < trimmed.n && trimmed.p[trimmed.n - 2 - slash] == '\\')
			slash++;
		if ((slash + 1) % 2 == 0)
			return NULL;
	} else {
		long last_paren = closing_bracket(cap2);

		if (last_paren == -2)
			return NULL;
		if (last_paren > -1) {
			size_t start = cap0.n && cap0.p[0] == '!' ? 5 : 4;
			size_t link_len = start + cap1.n + (size_t)last_paren;

			cap2 = sub(cap2, 0, (size_t)last_paren);
			cap0 = trim(sub(cap0, 0, link_len));
		}
	}
	href = trim(cap2);
	if (href.n && href.p[0] == '<')
		href = sub(href, 1, href.n >= 1 ? href.n - 1 : 0);
	if (href.n)
		href = md_unescape_punct(lx, href);
	return output_link(lx, cap0, cap1, href);
}

/* _blockLabel at i: /(?!\s*\])(?:\\.|[^\[\]\\])+/ then "]": the label's end
 * (at "]"), or SIZE_MAX. */
static size_t block_label_end(struct str s, size_t i)
{
	size_t j = i;

	while (j < s.n && is_space(s.p[j]))
		j++;
	if (at(s, j) == ']' && j < s.n)
		return SIZE_MAX;
	j = label_close(s, i);
	return j != SIZE_MAX && j > i ? j : SIZE_MAX;
}

/* reflink at i: /!?\[(label)\]\[(ref)\]/; its end, or 0. */
static size_t m_reflink(struct str s, size_t i, struct str *label, struct str *ref)
{
	size_t j = i, lend, rend;

	if (at(s, j) == '!' && j < s.n)
		j++;
	if (at(s, j) != '[' || j >= s.n)
		return 0;
	lend = inline_label_end(s, j + 1);
	if (lend == SIZE_MAX || at(s, lend + 1) != '[' || lend + 1 >= s.n)
		return 0;
	rend = block_label_end(s, lend + 2);
	if (rend == SIZE_MAX)
		return 0;
	*label = sub(s, j + 1, lend);
	*ref = sub(s, lend + 2, rend);
	return rend + 1;
}

/* nolink at i: /!?\[(ref)\](?:\[\])?/; its end, or 0. */
static size_t m_nolink(struct str s, size_t i, struct str *ref)
{
	size_t j = i, rend;

	if (at(s, j) == '!' && j < s.n)
		j++;
	if (at(s, j) != '[' || j >= s.n)
		return 0;
	rend = block_label_end(s, j + 1);
	if (rend == SIZE_MAX)
		return 0;
	*ref = sub(s, j + 1, rend);
	if (starts_lit(s, rend + 1, "[]"))
		return rend + 3;
	return rend + 1;
}

static const struct def *find_def(struct lexer *lx, struct str key)
{
	for (size_t i = 0; i < lx->ndefs; i++)
		if (str_eq(lx->defs[i].tag, key))
			return &lx->defs[i];
	return NULL;
}

static struct tok *tk_reflink(struct lexer *lx, struct str s)
{
	struct str label, ref, key;
	size_t end = m_reflink(s, 0, &label, &ref);
	const struct def *d;

	if (!end) {
		end = m_nolink(s, 0, &ref);
		if (!end)
			return NULL;
		label = ref;
	}
	key = md_def_key(lx, ref);
	d = find_def(lx, key);
	if (!d) {
		struct tok *t = new_tok(lx, T_TEXT);

		t->raw = t->text = sub(s, 0, 1);
		return t;
	}
	return output_link(lx, sub(s, 0, end), label, d->href);
}

/* ---- emphasis ------------------------------------------------------------ */

static bool is_alnum_unit(u16 c)
{
	return !(c >= 0xD800 && c <= 0xDFFF) && cm_in_ranges(cm_alnum, cm_alnum_n, c);
}

/* The GFM flavours of the classes (a "~" counts as a letter there). */
static bool c_punct(long cp, bool gfm)
{
	return is_punct(cp) && !(gfm && cp == '~');
}

static bool c_punct_space(long cp, bool gfm)
{
	return is_uspace(cp) || c_punct(cp, gfm);
}

static bool c_not_punct_space(long cp, bool gfm)
{
	return !is_uspace(cp) && (!is_punct(cp) || (gfm && cp == '~'));
}

/* One match of emStrongRDelimAst / emStrongRDelimUnd from *pos in m:
 * which group matched (1-6, 0 for a match without one), the match's
 * index, its delimiter run. False when there is none. */
static bool rdelim_next(struct str m, size_t *pos, u16 d, bool gfm, int *group, size_t *index,
                        size_t *run)
{
	u16 other = d == '*' ? '_' : '*';

	for (size_t p = *pos; p < m.n;) {
		size_t len;
		long cp = cp_at(m, p, &len);

		/* ^[^_*]*?XX[^_*]*?Y[^_*]*?(?=XX) at the very start (XX: "__" for
		 * "*", "**" for "_"; Y the delimiter) */
		if (p == 0) {
			size_t j = 0;

			while (j < m.n && m.p[j] != '_' && m.p[j] != '*')
				j++;
			if (at(m, j) == other && at(m, j + 1) == other && j + 1 < m.n) {
				j += 2;
				while (j < m.n && m.p[j] != '_' && m.p[j] != '*')
					j++;
				if (at(m, j) == d && j < m.n) {
					j++;
					while (j < m.n && m.p[j] != '_' && m.p[j] != '*')
						j++;
					if (at(m, j) == other && at(m, j + 1) == other &&
					    j + 1 < m.n) {
						*group = 0;
						*index = 0;
						*pos = j;
						return true;
					}
				}
			}
		}
		/* [^d]+(?=[^d]) */
		if (cp != d) {
			size_t q = p + len, last = p;

			while (q < m.n) {
				size_t l2;
				long c2 = cp_at(m, q, &l2);

				if (c2 == d)
					break;
				last = q;
				q += l2;
			}
			if (last > p) {
				*group = 0;
				*index = p;
				*pos = last;
				return true;
			}
		}
		if (cp != d) {
			size_t r = p + len, e;
			long next = -1;

			while (at(m, r) == d && r < m.n)
				r++;
			e = r;
			if (r > p + len) {
				size_t l3;

				if (r < m.n)
					next = cp_at(m, r, &l3);
				int g = 0;
				bool at_end = r >= m.n;
				if (c_punct(cp, gfm) && (at_end || is_uspace(next)))
					g = 1;
				else if (c_not_punct_space(cp, gfm) &&
				         (at_end || c_punct_space(next, gfm)))
					g = 2;
				else if (c_punct_space(cp, gfm) && !at_end &&
				         c_not_punct_space(next, gfm))
					g = 3;
				else if (is_uspace(cp) && !at_end && c_punct(next, gfm))
					g = 4;
				else if (c_punct(cp, gfm) && !at_end && c_punct(next, gfm))
					g = 5;
				else if (d == '*' && c_not_punct_space(cp, gfm) && !at_end &&
				         c_not_punct_space(next, gfm))
					g = 6;
				if (g) {
					*group = g;
					*index = p;
					*run = r - p - len;
					*pos = e;
					return true;
				}
			}
		}
		p += len;
	}
	return false;
}

/* The masked copy of the inline source, as marked makes it (links found by
 * reference, escapes, code spans, links and tags hidden), for emphasis. */
static struct str mask_source(struct lexer *lx, struct str src)
{
	struct sbuf b = {0};
	struct str m;
	u16 *w;

	sb_str(lx, &b, src);
	w = b.p;
	m = sb_view(&b);
	if (lx->ndefs > 0) {
		/* reflink|nolink(?!\() searched over the string */
		for (size_t i = 0; i < m.n;) {
			struct str label, ref;
			size_t e = m_reflink(m, i, &label, &ref);

			if (!e) {
				e = m_nolink(m, i, &ref);
				/* (?!\(): an optional "[]" gives itself back first */
				if (e && at(m, e) == '(' && e < m.n)
					e = e >= 2 && m.p[e - 1] == ']' && m.p[e - 2] == '[' &&
					            at(m, e - 2) != '('
					        ? e - 2
					        : 0;
			}
			if (!e) {
				i++;
				continue;
			}
			/* the text between the last "[" and the final character */
			size_t lb = e - 1;
			while (lb > i && m.p[lb] != '[')
				lb--;
			struct str inner = sub(m, lb + 1, e - 1);
			bool known = false;
			for (size_t k = 0; k < lx->ndefs; k++)
				if (str_eq(lx->defs[k].tag, inner))
					known = true;
			if (known) {
				w[i] = '[';
				for (size_t k = i + 1; k + 1 < e; k++)
					w[k] = 'a';
				w[e - 1] = ']';
			}
			i = e;
		}
	}
	/* \\(punct) -> "++", as marked's loop does it: the search goes on
	 * from where the match ended in the string before the replacement, so
	 * after "\\" and an astral symbol (three units become two) one unit is
	 * skipped. */
	{
		struct sbuf c = {0};
		size_t last = 0;

		sb_str(lx, &c, m);
		for (;;) {
			size_t i = last, len = 0;
			struct str cur = sb_view(&c);

			while (i + 1 < cur.n &&
			       !(cur.p[i] == '\\' && is_punct(cp_at(cur, i + 1, &len))))
				i++;
			if (i + 1 >= cur.n)
				break;
			c.p[i] = '+';
			c.p[i + 1] = '+';
			if (len == 2) {
				memmove(c.p + i + 2, c.p + i + 3, (c.n - i - 3) * sizeof(u16));
				c.n--;
			}
			last = i + 1 + len;
		}
		m = sb_view(&c);
		w = c.p;
	}
	/* blockSkip: [..](..), `..`, <..> become "[aaa]" */
	for (size_t i = 0; i < m.n;) {
		size_t e = 0;

		if (m.p[i] == '[') {
			size_t j = i + 1;

			while (j < m.n && m.p[j] != '[' && m.p[j] != ']')
				j++;
			if (at(m, j) == ']' && j < m.n && at(m, j + 1) == '(' && j + 1 < m.n) {
				j += 2;
				for (;;) {
					if (j >= m.n)
						break;
					if (m.p[j] == '\\') {
						if (j + 1 < m.n && !is_terminator(m.p[j + 1])) {
							j += 2;
							continue;
						}
						break;
					}
					if (m.p[j] == ')') {
						e = j + 1;
						break;
					}
					if (m.p[j] == '(') {
						size_t k = j + 1;
						bool closed = false;

						while (k < m.n) {
							if (m.p[k] == '\\' && k + 1 < m.n &&
							    !is_terminator(m.p[k + 1])) {
								k += 2;
								continue;
							}
							if (m.p[k] == '\\' || m.p[k] == '(')
								break;
							if (m.p[k] == ')') {
								closed = true;
								break;
							}
							k++;
						}
						if (!closed)
							break;
						j = k + 1;
						continue;
					}
					j++;
				}
			}
		} else if (m.p[i] == '`') {
			size_t j = i + 1;

			while (j < m.n && m.p[j] != '`')
				j++;
			if (j < m.n)
				e = j + 1;
		} else if (m.p[i] == '<') {
			size_t j = i + 1;

			while (j < m.n && m.p[j] != '<' && m.p[j] != '>')
				j++;
			if (at(m, j) == '>' && j < m.n)
				e = j + 1;
		}
		if (!e) {
			i++;
			continue;
		}
		w[i] = '[';
		for (size_t k = i + 1; k + 1 < e; k++)
			w[k] = 'a';
		w[e - 1] = ']';
		i = e;
	}
	return m;
}

/* emStrong at the start of s; masked is the whole masked source, whose
 * end lines up with the end of s. */
static struct tok *tk_em_strong(struct lexer *lx, struct str s, struct str masked, long prev)
{
	u16 d = at(s, 0);
	size_t run = 0, l_len, len, start;
	long next_cp, next_char = -1;
	bool gfm_punct_next;
	struct str m;
	size_t pos = 0;
	long delim_total, mid_total = 0;

	if ((d != '*' && d != '_') || s.n < 2)
		return NULL;
	while (run < s.n && s.p[run] == d)
		run++;
	if (run >= s.n)
		return NULL;
	next_cp = cp_at(s, run, &len);
	if (d == '*') {
		if (c_punct(next_cp, true) && next_cp != '*')
			next_char = next_cp; /* group 1 */
		else if (is_uspace(next_cp))
			return NULL;
	} else {
		bool punct = is_punct(next_cp) && next_cp != '~';

		if (punct)
			next_char = next_cp; /* group 2 */
		else if (is_uspace(next_cp))
			return NULL;
		else if (prev >= 0 && prev < 0x10000 && is_alnum_unit((u16)prev))
			return NULL; /* group 3 after a letter or digit */
	}
	gfm_punct_next = next_char >= 0;
	if (gfm_punct_next && prev >= 0) {
		/* /^((?![*_])[\s\p{P}\p{S}])/ on the previous character */
		bool p = prev != '*' && prev != '_' &&
		         ((prev < 0x10000 && is_space((u16)prev)) ||
		          (!(prev >= 0xD800 && prev <= 0xDFFF) && is_punct(prev)));

		if (!p)
			return NULL;
	}
	l_len = run;
	/* maskedSrc.slice(-1 * src.length + lLength) */
	if (s.n - l_len > masked.n)
		start = 0;
	else
		start = masked.n - (s.n - l_len);
	m = from(masked, start);
	delim_total = (long)l_len;
	for (;;) {
		int group;
		size_t index, r_len;
		long rl;

		if (!rdelim_next(m, &pos, d, d == '*', &group, &index, &r_len))
			return NULL;
		if (group == 0)
			continue;
		rl = (long)r_len;
		if (group == 3 || group == 4) {
			delim_total += rl;
			continue;
		} else if (group == 5 || group == 6) {
			if (l_len % 3 && !((l_len + r_len) % 3)) {
				mid_total += rl;
				continue;
			}
		}
		delim_total -= rl;
		if (delim_total > 0)
			continue;
		rl = rl < rl + delim_total + mid_total ? rl : rl + delim_total + mid_total;
		{
			size_t first_len, end;
			struct str raw;
			struct tok *t;

			cp_at(m, index, &first_len);
			end = l_len + index + first_len + (size_t)rl;
			raw = sub(s, 0, end);
			if ((l_len < (size_t)rl ? l_len : (size_t)rl) % 2) {
				t = new_tok(lx, T_EM);
				t->raw = raw;
				t->text = sub(raw, 1, raw.n >= 1 ? raw.n - 1 : 0);
			} else {
				t = new_tok(lx, T_STRONG);
				t->raw = raw;
				t->text = sub(raw, 2, raw.n >= 2 ? raw.n - 2 : 0);
			}
			md_inline_tokens(lx, t->text, &t->tokens);
			return t;
		}
	}
}

/* ---- the other inline rules ---------------------------------------------- */

static struct tok *tk_codespan(struct lexer *lx, struct str s)
{
	size_t n = 0, q;
	struct tok *t;

	while (at(s, n) == '`' && n < s.n)
		n++;
	if (n == 0 || n >= s.n)
		return NULL;
	for (q = n + 1; q <= s.n; q++) {
		size_t r = 0;

		if (s.p[q - 1] == '`')
			continue;
		while (q + r < s.n && s.p[q + r] == '`')
			r++;
		if (r == n) {
			struct sbuf b = {0};
			struct str text;
			bool non_space = false;

			for (size_t i = n; i < q; i++)
				sb_ch(lx, &b, s.p[i] == '\n' ? ' ' : s.p[i]);
			text = sb_view(&b);
			for (size_t i = 0; i < text.n; i++)
				if (text.p[i] != ' ')
					non_space = true;
			if (non_space && text.n >= 2 && text.p[0] == ' ' &&
			    text.p[text.n - 1] == ' ')
				text = sub(text, 1, text.n - 1);
			t = new_tok(lx, T_CODESPAN);
			t->raw = sub(s, 0, q + n);
			t->text = text;
			return t;
		}
	}
	return NULL;
}

static size_t m_br(struct str s)
{
	size_t i = 0;

	if (at(s, 0) == '\\' && s.n > 0) {
		i = 1;
	} else {
		while (at(s, i) == ' ' && i < s.n)
			i++;
		if (i < 2)
			return 0;
	}
	if (at(s, i) != '\n' || i >= s.n)
		return 0;
	/* (?!\s*$) */
	for (size_t j = i + 1; j < s.n; j++)
		if (!is_space(s.p[j]))
			return i + 1;
	return 0;
}

static struct tok *tk_del(struct lexer *lx, struct str s)
{
	size_t n = 0, i;

	while (at(s, n) == '~' && n < s.n)
		n++;
	if (n == 0)
		return NULL;
	for (size_t tries = n >= 2 ? 2 : 1; tries >= 1; tries--) {
		size_t k = tries;

		if (k >= s.n || is_space(s.p[k]) || s.p[k] == '~')
			continue;
		/* lazy items, then the closing run of k tildes not followed by ~ */
		for (i = k; i < s.n;) {
			size_t item_end;
			bool may_end;

			if (s.p[i] == '\\') {
				if (i + 1 >= s.n || is_terminator(s.p[i + 1]))
					break;
				item_end = i + 2;
				may_end = true;
			} else {
				item_end = i + 1;
				may_end = !is_space(s.p[i]) && s.p[i] != '~';
			}
			if (may_end) {
				size_t r = 0;

				while (r < k && item_end + r < s.n && s.p[item_end + r] == '~')
					r++;
				if (r == k && at(s, item_end + k) != '~') {
					struct tok *t = new_tok(lx, T_DEL);

					t->raw = sub(s, 0, item_end + k);
					t->text = sub(s, k, item_end);
					md_inline_tokens(lx, t->text, &t->tokens);
					return t;
				}
			}
			i = item_end;
		}
		if (tries == 1)
			break;
	}
	return NULL;
}

/* The local part of an e-mail address in the autolink rule, and in the
 * text rule (which has no "^"). */
static bool is_email_local(u16 c)
{
	return is_alnum(c) || in_set(c, ".!#$%&'*+/=?^_`{|}~-");
}

static bool is_text_email(u16 c)
{
	return is_alnum(c) || in_set(c, ".!#$%&'*+/=?_`{|}~-");
}

/* [a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])? labels joined by ".", at
 * least two, filling s[i..e) exactly. */
static bool email_domain(struct str s, size_t i, size_t e)
{
	size_t labels = 0;

	while (i < e) {
		size_t j = i;

		while (j < e && (is_alnum(s.p[j]) || s.p[j] == '-'))
			j++;
		if (j == i || j - i > 63 || s.p[i] == '-' || s.p[j - 1] == '-')
			return false;
		labels++;
		if (j == e)
			break;
		if (s.p[j] != '.')
			return false;
		i = j + 1;
		if (i == e)
			return false;
	}
	return labels >= 2;
}

static struct tok *tk_autolink(struct lexer *lx, struct str s)
{
	size_t j = 1, e;
	struct tok *t, *text;
	struct str body;
	bool email = false;

	if (at(s, 0) != '<' || s.n < 3)
		return NULL;
	e = 1;
	if (is_alpha(s.p[1])) {
		j = 2;
		while (j < s.n && j - 1 < 32 &&
		       (is_alnum(s.p[j]) || s.p[j] == '+' || s.p[j] == '.' || s.p[j] == '-'))
			j++;
		if (at(s, j) == ':' && j < s.n && j - 1 >= 2) {
			e = j + 1;
			while (e < s.n && !is_space(s.p[e]) && s.p[e] > 0x1f && s.p[e] != '<' &&
			       s.p[e] != '>')
				e++;
			if (at(s, e) != '>' || e >= s.n)
				e = 0;
		} else {
			e = 0;
		}
	} else {
		e = 0;
	}
	if (!e) {
		size_t at_sign = 1;

		while (at_sign < s.n && is_email_local(s.p[at_sign]))
			at_sign++;
		if (at_sign == 1 || at(s, at_sign) != '@' || at_sign >= s.n)
			return NULL;
		e = at_sign + 1;
		while (e < s.n && s.p[e] != '>')
			e++;
		if (e >= s.n || !email_domain(s, at_sign + 1, e))
			return NULL;
		email = true;
	}
	body = sub(s, 1, e);
	t = new_tok(lx, T_LINK);
	t->raw = sub(s, 0, e + 1);
	t->text = body;
	t->href = email ? cat(lx, lit(lx, "mailto:"), body) : body;
	text = new_tok(lx, T_TEXT);
	text->raw = text->text = body;
	push_tok(lx, &t->tokens, text);
	return t;
}

/* marked's _backpedal, once: the leftmost match's length. */
static size_t backpedal_once(struct str s)
{
	size_t i = 0;

	for (;;) {
		size_t j = i;

		if (i >= s.n)
			break;
		u16 c = s.p[i];
		if (!in_set(c, "?!.,:;*_'\"~()&")) {
			while (j < s.n && !in_set(s.p[j], "?!.,:;*_'\"~()&"))
				j++;
			i = j;
			continue;
		}
		if (c == '(') {
			j = i + 1;
			while (j < s.n && s.p[j] != ')')
				j++;
			if (j < s.n) {
				i = j + 1;
				continue;
			}
		}
		if (c == '&') {
			/* &(?![a-zA-Z0-9]+;$) */
			j = i + 1;
			while (j < s.n && is_alnum(s.p[j]))
				j++;
			if (!(j > i + 1 && at(s, j) == ';' && j + 1 == s.n)) {
				i++;
				continue;
			}
			break;
		}
		if (in_set(c, "?!.,:;*_'\"~)")) {
			j = i;
			while (j < s.n && in_set(s.p[j], "?!.,:;*_'\"~)"))
				j++;
			if (j == s.n) {
				if (j - i >= 2) {
					i = j - 1;
					continue;
				}
				break;
			}
			i = j;
			continue;
		}
		break;
	}
	return i;
}

static struct tok *tk_url(struct lexer *lx, struct str s)
{
	size_t p, e;
	struct str cap0;
	bool www = false;
	struct tok *t, *text;

	if (starts_ci(s, 0, "https://"))
		p = 8;
	else if (starts_ci(s, 0, "http://") || starts_ci(s, 0, "ftp://"))
		p = s.p[0] == 'f' || s.p[0] == 'F' ? 6 : 7;
	else if (starts_ci(s, 0, "www.")) {
		p = 4;
		www = starts_lit(s, 0, "www.");
	} else
		return NULL;
	if (p >= s.n || !(is_alnum(s.p[p]) || s.p[p] == '-'))
		return NULL;
	e = p;
	while (e < s.n && !is_space(s.p[e]) && s.p[e] != '<')
		e++;
	cap0 = sub(s, 0, e);
	for (;;) {
		size_t n = backpedal_once(cap0);

		if (n == cap0.n)
			break;
		cap0 = sub(cap0, 0, n);
	}
	t = new_tok(lx, T_LINK);
	t->raw = cap0;
	t->text = cap0;
	t->href = www ? cat(lx, lit(lx, "http://"), cap0) : cap0;
	text = new_tok(lx, T_TEXT);
	text->raw = text->text = cap0;
	push_tok(lx, &t->tokens, text);
	return t;
}

/* The GFM inline text rule: its length. */
static size_t m_inline_text(struct str s)
{
	size_t i;

	if (s.n == 0)
		return 0;
	if (s.p[0] == '`' || s.p[0] == '~') {
		i = 0;
		while (i < s.n && (s.p[i] == '`' || s.p[i] == '~'))
			i++;
	} else {
		i = 1;
	}
	/* (?= {2,}\n) */
	{
		size_t k = i;

		while (k < s.n && s.p[k] == ' ')
			k++;
		if (k - i >= 2 && at(s, k) == '\n' && k < s.n)
			return i;
	}
	/* (?=[email chars]+@) */
	{
		size_t k = i;

		while (k < s.n && is_text_email(s.p[k]))
			k++;
		if (k > i && at(s, k) == '@' && k < s.n)
			return i;
	}
	for (size_t j = i;; j++) {
		u16 c;

		if (j >= s.n)
			return j;
		c = s.p[j];
		if (in_set(c, "\\<![`*~_") || starts_lit(s, j, "http://") ||
		    starts_lit(s, j, "https://") || starts_lit(s, j, "ftp://") ||
		    starts_lit(s, j, "www."))
			return j;
		if (c != ' ') {
			size_t k = j + 1;

			while (k < s.n && s.p[k] == ' ')
				k++;
			if (k - (j + 1) >= 2 && at(s, k) == '\n' && k < s.n)
				return j + 1;
		}
		if (!is_text_email(c)) {
			size_t k = j + 1;

			while (k < s.n && is_text_email(s.p[k]))
				k++;
			if (k > j + 1 && at(s, k) == '@' && k < s.n)
				return j + 1;
		}
	}
}

void md_inline_tokens(struct lexer *lx, struct str src, struct toks *tokens)
{
	struct str masked = mask_source(lx, src);
	bool keep_prev = false;
	long prev = -1; /* -1: "" */

	enter(lx);
	while (src.n) {
		struct tok *t, *last;
		size_t n;

		if (!keep_prev)
			prev = -1;
		keep_prev = false;
		if (at(src, 0) == '\\' && src.n >= 2 && is_escapable(src.p[1])) {
			t = new_tok(lx, T_ESCAPE);
			t->raw = sub(src, 0, 2);
			t->text = sub(src, 1, 2);
			src = from(src, 2);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_tag(src)) != 0) {
			struct str raw = sub(src, 0, n);

			if (!lx->in_link && starts_ci(raw, 0, "<a ")) /* /^<a /i */
				lx->in_link = true;
			else if (lx->in_link && starts_ci(raw, 0, "</a>"))
				lx->in_link = false;
			/* (marked's inRawBlock only marks text as escaped: unused) */
			t = new_tok(lx, T_HTML);
			t->raw = t->text = raw;
			src = from(src, n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_link(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_reflink(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			last = last_tok(tokens);
			if (t->type == T_TEXT && last && last->type == T_TEXT) {
				last->raw = cat(lx, last->raw, t->raw);
				last->text = cat(lx, last->text, t->text);
			} else {
				push_tok(lx, tokens, t);
			}
			continue;
		}
		if ((t = tk_em_strong(lx, src, masked, prev)) != NULL ||
		    (t = tk_codespan(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_br(src)) != 0) {
			t = new_tok(lx, T_BR);
			t->raw = sub(src, 0, n);
			src = from(src, n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_del(lx, src)) != NULL || (t = tk_autolink(lx, src)) != NULL ||
		    (!lx->in_link && (t = tk_url(lx, src)) != NULL)) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		n = m_inline_text(src);
		t = new_tok(lx, T_TEXT);
		t->raw = t->text = sub(src, 0, n);
		src = from(src, n);
		if (t->raw.p[t->raw.n - 1] != '_')
			prev = t->raw.p[t->raw.n - 1];
		keep_prev = true;
		last = last_tok(tokens);
		if (last && last->type == T_TEXT) {
			last->raw = cat(lx, last->raw, t->raw);
			last->text = cat(lx, last->text, t->text);
		} else {
			push_tok(lx, tokens, t);
		}
	}
	leave(lx);
}
