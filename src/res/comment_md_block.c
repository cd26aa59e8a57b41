/* The block rules of marked 15 with GFM, in marked's order, and the block
 * lexer (comment_md.h). */
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

/* ---- block rules --------------------------------------------------------- */

/* /^(?:[ \t]*(?:\n|$))+/: the length, 0 when it does not match. */
static size_t m_newline(struct str s, size_t i0)
{
	size_t i = i0;
	bool any = false;

	for (;;) {
		size_t j = i;

		while (j < s.n && (s.p[j] == ' ' || s.p[j] == '\t'))
			j++;
		if (j < s.n && s.p[j] == '\n') {
			i = j + 1;
			any = true;
			continue;
		}
		if (j == s.n && (j > i || !any)) {
			i = j;
			any = true;
		}
		break;
	}
	return any ? i - i0 : 0;
}

/* Blank lines from i (the rule's "(?:[ \t]*(?:\n|$))*"): where they end. */
static size_t blank_lines(struct str s, size_t i)
{
	return i + m_newline(s, i);
}

/* /^((?: {4}| {0,3}\t)[^\n]+(?:\n(?:[ \t]*(?:\n|$))*)?)+/ */
static size_t m_code(struct str s)
{
	size_t i = 0;

	for (;;) {
		size_t j = i, k = spaces(s, i, 4);

		if (k == 4)
			j += 4;
		else if (k < 4 && at(s, i + k) == '\t')
			j += k + 1;
		else
			break;
		if (j >= s.n || s.p[j] == '\n')
			break;
		j = line_end(s, j);
		if (j < s.n)
			j = blank_lines(s, j + 1);
		i = j;
	}
	return i;
}

/* Is position i at the start of a line (after any line terminator)? */
static bool line_start(struct str s, size_t i)
{
	return i == 0 || is_terminator(s.p[i - 1]);
}

/* /^(?: {1,4}| {0,3}\t)/gm removed. */
static struct str remove_code_indent(struct lexer *lx, struct str s)
{
	struct sbuf b = {0};

	for (size_t i = 0; i < s.n;) {
		if (line_start(s, i)) {
			size_t k = spaces(s, i, 4);

			if (k >= 1) {
				i += k;
				continue;
			}
			if (at(s, i) == '\t') {
				i++;
				continue;
			}
		}
		sb_ch(lx, &b, s.p[i++]);
	}
	return sb_view(&b);
}

/* A closing fence at i: ` {0,3}` + fence + [~`]* + ` *` before \n or the
 * end. Its end, or 0. */
static size_t closing_fence(struct str s, size_t i, struct str fence)
{
	size_t j = i + spaces(s, i, 3);

	if (s.n - j < fence.n || memcmp(s.p + j, fence.p, fence.n * sizeof(u16)))
		return 0;
	j += fence.n;
	while (j < s.n && (s.p[j] == '~' || s.p[j] == '`'))
		j++;
	while (j < s.n && s.p[j] == ' ')
		j++;
	return j == s.n || s.p[j] == '\n' ? j : 0;
}

/* marked's indentCodeCompensation. */
static struct str indent_code_compensation(struct lexer *lx, struct str raw, struct str text)
{
	size_t indent = 0;
	struct sbuf b = {0};

	while (indent < raw.n && is_space(raw.p[indent]))
		indent++;
	if (indent == 0 || !starts_lit(raw, indent, "```"))
		return text;
	for (size_t i = 0; i <= text.n;) {
		size_t e = line_end(text, i), ws = 0;
		struct str node = sub(text, i, e);

		while (ws < node.n && is_space(node.p[ws]))
			ws++;
		if (i > 0)
			sb_ch(lx, &b, '\n');
		sb_str(lx, &b, ws > 0 && ws >= indent ? from(node, indent) : node);
		i = e + 1;
	}
	return sb_view(&b);
}

/* fences: the code token, or NULL. */
static struct tok *tk_fences(struct lexer *lx, struct str s)
{
	size_t k = spaces(s, 0, 3), r = 0, e, pos, q, close = 0;
	u16 c = at(s, k);
	struct str fence, content = {0};
	bool have_content = false;
	struct tok *t;

	if (c != '`' && c != '~')
		return NULL;
	while (at(s, k + r) == c)
		r++;
	if (r < 3)
		return NULL;
	e = line_end(s, k + r);
	if (c == '`')
		for (size_t i = k + r; i < e; i++)
			if (s.p[i] == '`')
				return NULL;
	fence = sub(s, k, k + r);
	pos = e < s.n ? e + 1 : s.n;
	if (pos == s.n || (close = closing_fence(s, pos, fence)) != 0) {
		if (pos == s.n)
			close = s.n;
	} else {
		for (q = pos; q <= s.n; q++) {
			size_t after;

			if (q < s.n && s.p[q] == '\n')
				after = q + 1;
			else if (q == s.n)
				after = s.n;
			else
				continue;
			if (after == s.n) {
				close = s.n;
			} else if ((close = closing_fence(s, after, fence)) == 0) {
				continue;
			}
			content = sub(s, pos, q);
			have_content = true;
			break;
		}
	}
	t = new_tok(lx, T_CODE);
	t->raw = sub(s, 0, close);
	t->text = indent_code_compensation(lx, t->raw, have_content ? content : (struct str){0});
	return t;
}

/* /^ {0,3}(#{1,6})(?=\s|$)(.*)(?:\n+|$)/: the end, 0 when not a heading;
 * the depth and the text's range. */
static size_t m_heading(struct str s, int *depth, size_t *tfrom, size_t *tto)
{
	size_t k = spaces(s, 0, 3), h = 0, e;

	while (at(s, k + h) == '#')
		h++;
	if (h == 0 || h > 6 || (k + h < s.n && !is_space(s.p[k + h])))
		return 0;
	e = k + h;
	while (e < s.n && !is_terminator(s.p[e]))
		e++;
	*depth = (int)h;
	*tfrom = k + h;
	*tto = e;
	if (e == s.n)
		return e;
	if (s.p[e] != '\n')
		return 0;
	while (e < s.n && s.p[e] == '\n')
		e++;
	return e;
}

static struct tok *tk_heading(struct lexer *lx, struct str s)
{
	int depth;
	size_t a, b, end = m_heading(s, &depth, &a, &b);
	struct str text;
	struct tok *t;

	if (!end)
		return NULL;
	text = trim(sub(s, a, b));
	if (text.n > 0 && text.p[text.n - 1] == '#') {
		struct str trimmed = rtrim_ch(text, '#');

		if (trimmed.n == 0 || trimmed.p[trimmed.n - 1] == ' ')
			text = trim(trimmed);
	}
	t = new_tok(lx, T_HEADING);
	t->raw = sub(s, 0, end);
	t->depth = depth;
	t->text = text;
	return t;
}

/* /^ {0,3}((?:-[\t ]*){3,}|(?:_[ \t]*){3,}|(?:\*[ \t]*){3,})(?:\n+|$)/ at
 * i: the end, 0 when not a rule. */
static size_t m_hr(struct str s, size_t i)
{
	size_t j = i + spaces(s, i, 3), count = 0;
	u16 c = at(s, j);

	if (c != '-' && c != '_' && c != '*')
		return 0;
	while (at(s, j) == c) {
		count++;
		j++;
		while (at(s, j) == ' ' || at(s, j) == '\t')
			j++;
	}
	if (count < 3 || (j < s.n && s.p[j] != '\n'))
		return 0;
	while (j < s.n && s.p[j] == '\n')
		j++;
	return j;
}

/* The tag names of marked's block HTML ("h[1-6]" included). */
static const char *const block_tags[] = {
    "address", "article", "aside",    "base",     "basefont", "blockquote", "body",
    "caption", "center",  "col",      "colgroup", "dd",       "details",    "dialog",
    "dir",     "div",     "dl",       "dt",       "fieldset", "figcaption", "figure",
    "footer",  "form",    "frame",    "frameset", "h1",       "h2",         "h3",
    "h4",      "h5",      "h6",       "head",     "header",   "hr",         "html",
    "iframe",  "legend",  "li",       "link",     "main",     "menu",       "menuitem",
    "meta",    "nav",     "noframes", "ol",       "optgroup", "option",     "p",
    "param",   "search",  "section",  "summary",  "table",    "tbody",      "td",
    "tfoot",   "th",      "thead",    "title",    "tr",       "track",      "ul",
};

/* Is s[i..i+n) one of the block tags (case-insensitive when ci)? */
static bool is_block_tag(struct str s, size_t i, size_t n, bool ci)
{
	for (size_t k = 0; k < sizeof(block_tags) / sizeof(block_tags[0]); k++) {
		const char *t = block_tags[k];

		if (strlen(t) != n)
			continue;
		size_t m = 0;
		while (m < n && (ci ? lower(s.p[i + m]) : s.p[i + m]) == (u16)(unsigned char)t[m])
			m++;
		if (m == n)
			return true;
	}
	return false;
}

/* `</?(?:tag)(?: +|\n|/?>)` at i (ci: with the "i" flag): its end, or 0. */
size_t md_block_tag_open(struct str s, size_t i, bool ci)
{
	size_t j = i, name;
	u16 c;

	if (at(s, j) != '<' || j >= s.n)
		return 0;
	j++;
	if (at(s, j) == '/')
		j++;
	name = j;
	while (j < s.n && is_alnum(s.p[j]))
		j++;
	if (j == name || !is_block_tag(s, name, j - name, ci) || j >= s.n)
		return 0;
	c = s.p[j];
	if (c == ' ') {
		while (at(s, j) == ' ' && j < s.n)
			j++;
		return j;
	}
	if (c == '\n' || c == '>')
		return j + 1;
	if (c == '/' && at(s, j + 1) == '>')
		return j + 2;
	return 0;
}

/* The starts of a block that the paragraph and the table rows share in
 * their negative lookaheads, at i with k leading spaces. */
static bool heading_starts(struct str s, size_t i, size_t k)
{
	size_t h = 0;

	while (at(s, i + k + h) == '#')
		h++;
	return h >= 1 && h <= 6 && (i + k + h == s.n || is_space(s.p[i + k + h]));
}

/* A fence of three or more ` or ~ at j, on a line that ends (a ` fence
 * with no ` after it). */
static bool fence_starts(struct str s, size_t j)
{
	u16 c = at(s, j);
	size_t r = 0, e;

	if (c != '`' && c != '~')
		return false;
	while (at(s, j + r) == c)
		r++;
	if (r < 3)
		return false;
	e = line_end(s, j + r);
	if (e >= s.n)
		return false;
	if (c == '`')
		for (size_t x = j + r; x < e; x++)
			if (s.p[x] == '`')
				return false;
	return true;
}

/* A bullet, or an ordered item numbered 1, at j followed by a space. */
static bool first_item_starts(struct str s, size_t j)
{
	u16 c = at(s, j);

	if ((c == '*' || c == '+' || c == '-') && at(s, j + 1) == ' ' && j + 1 < s.n)
		return true;
	return c == '1' && (at(s, j + 1) == '.' || at(s, j + 1) == ')') && at(s, j + 2) == ' ' &&
	       j + 2 < s.n;
}

/* Block HTML that may interrupt: a block tag, or a raw one, or a comment. */
static bool html_interrupts(struct str s, size_t i)
{
	return md_block_tag_open(s, i, false) || starts_lit(s, i, "<script") ||
	       starts_lit(s, i, "<pre") || starts_lit(s, i, "<style") ||
	       starts_lit(s, i, "<textarea") || starts_lit(s, i, "<!--");
}

/* The interruptions of a paragraph at the start of a line (i), as the
 * negative lookahead of marked's paragraph rule has them; with_table for
 * the GFM rule. */
static bool m_table_head(struct str s, size_t i);
static bool interrupts_paragraph(struct str s, size_t i, bool with_table)
{
	size_t k = spaces(s, i, 3), sp = i;

	if (m_hr(s, i) || heading_starts(s, i, k) || (with_table && m_table_head(s, i)) ||
	    at(s, i + k) == '>' || fence_starts(s, i + k) || first_item_starts(s, i + k) ||
	    html_interrupts(s, i))
		return true;
	while (sp < s.n && s.p[sp] == ' ')
		sp++;
	return sp > i && at(s, sp) == '\n' && sp < s.n;
}

/* A paragraph from i: its first line and the lines that continue it.
 * Where it ends (at the "\n" after it, or n). */
static size_t m_paragraph_at(struct str s, size_t i, bool with_table)
{
	size_t e;

	if (i >= s.n || s.p[i] == '\n')
		return i;
	e = line_end(s, i);
	while (e < s.n && e + 1 < s.n && s.p[e + 1] != '\n' &&
	       !interrupts_paragraph(s, e + 1, with_table))
		e = line_end(s, e + 1);
	return e;
}

/* /^( {0,3}> ?(paragraph|[^\n]*)(?:\n|$))+/ */
static size_t m_blockquote(struct str s)
{
	size_t i = 0;

	for (;;) {
		size_t j = i + spaces(s, i, 3);

		if (at(s, j) != '>' || j >= s.n)
			break;
		j++;
		if (at(s, j) == ' ' && j < s.n)
			j++;
		j = m_paragraph_at(s, j, false);
		if (j < s.n)
			j++; /* the "\n" */
		i = j;
		if (i >= s.n)
			break;
	}
	return i;
}

/* ---- the table rule ------------------------------------------------------ */

/* The delimiter row at i: /(?:\| *)?:?-+:? *(?:\| *:?-+:? *)*(?:\| *)?/
 * followed by \n or the end; where it ends, 0 when it is not one. */
static size_t m_delimiter_row(struct str s, size_t i)
{
	size_t j = i;

	if (at(s, j) == '|' && j < s.n) {
		j++;
		while (at(s, j) == ' ')
			j++;
	}
	for (;;) {
		size_t c = j;

		if (at(s, c) == ':')
			c++;
		if (at(s, c) != '-')
			return 0;
		while (at(s, c) == '-')
			c++;
		if (at(s, c) == ':')
			c++;
		while (at(s, c) == ' ')
			c++;
		j = c;
		if (at(s, j) != '|' || j >= s.n)
			break;
		j++;
		while (at(s, j) == ' ')
			j++;
		if (j >= s.n || s.p[j] == '\n')
			break; /* a final pipe */
	}
	return j == s.n || s.p[j] == '\n' ? (j > i ? j : 0) : 0;
}

/* The head of a table at i: / *([^\n ].*)\n {0,3}DELIMITER(?:\n|$)/ (the
 * rest of the rule always matches). */
static bool m_table_head(struct str s, size_t i)
{
	size_t j = i, e;

	while (at(s, j) == ' ')
		j++;
	if (j >= s.n || s.p[j] == '\n' || s.p[j] == ' ')
		return false;
	e = j;
	while (e < s.n && !is_terminator(s.p[e]))
		e++;
	if (e >= s.n || s.p[e] != '\n')
		return false;
	e++;
	e += spaces(s, e, 3);
	return m_delimiter_row(s, e) != 0;
}

/* Does a table row stop at i (the negative lookahead of the rows)? */
static bool stops_rows(struct str s, size_t i)
{
	size_t sp = i, k = spaces(s, i, 3);

	while (at(s, sp) == ' ')
		sp++;
	if (sp < s.n && s.p[sp] == '\n')
		return true; /*  *\n */
	if (m_hr(s, i) || heading_starts(s, i, k) || (at(s, i + k) == '>' && i + k < s.n))
		return true;
	if (spaces(s, i, 4) == 4 && i + 4 < s.n && s.p[i + 4] != '\n')
		return true;
	if (k < 4 && at(s, i + k) == '\t' && i + k + 1 < s.n && s.p[i + k + 1] != '\n')
		return true;
	return fence_starts(s, i + k) || first_item_starts(s, i + k) || html_interrupts(s, i);
}

/* marked's splitCells. */
static struct str *split_cells(struct lexer *lx, struct str row, size_t count, size_t *out_n)
{
	struct sbuf b = {0};
	struct str *cells;
	size_t n = 0, cap = 8, start, end;

	/* "|" becomes " |" unless escaped (odd backslashes before it). */
	for (size_t i = 0; i < row.n; i++) {
		if (row.p[i] == '|') {
			bool escaped = false;
			size_t k = i;

			while (k > 0 && row.p[k - 1] == '\\') {
				escaped = !escaped;
				k--;
			}
			if (!escaped)
				sb_ch(lx, &b, ' ');
		}
		sb_ch(lx, &b, row.p[i]);
	}
	cells = alloc(lx, cap * sizeof(*cells));
	start = 0;
	for (size_t i = 0; i <= b.n; i++) {
		if (i < b.n && !(b.p[i] == ' ' && i + 1 < b.n && b.p[i + 1] == '|'))
			continue;
		if (n == cap) {
			struct str *c = alloc(lx, cap * 2 * sizeof(*c));
			memcpy(c, cells, n * sizeof(*c));
			cells = c;
			cap *= 2;
		}
		cells[n++] = sub(sb_view(&b), start, i);
		start = i + 2;
		i++;
	}
	start = 0;
	end = n;
	if (n > 0 && trim(cells[0]).n == 0)
		start = 1;
	if (end > start && trim(cells[end - 1]).n == 0)
		end--;
	n = end - start;
	cells += start;
	if (count) {
		if (n > count) {
			n = count;
		} else if (n < count) {
			struct str *c = alloc(lx, count * sizeof(*c));
			if (n)
				memcpy(c, cells, n * sizeof(*c));
			cells = c;
			n = count;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct str t = trim(cells[i]);
		struct sbuf u = {0};

		for (size_t k = 0; k < t.n; k++) {
			if (t.p[k] == '\\' && k + 1 < t.n && t.p[k + 1] == '|')
				continue;
			sb_ch(lx, &u, t.p[k]);
		}
		cells[i] = sb_view(&u);
	}
	*out_n = n;
	return cells;
}

static void queue_inline(struct lexer *lx, struct str src, struct toks *tokens);

static int align_of(struct str a)
{
	size_t i = 0, j;
	bool left = false, right = false;

	while (at(a, i) == ' ')
		i++;
	if (at(a, i) == ':') {
		left = true;
		i++;
	}
	j = i;
	while (at(a, j) == '-')
		j++;
	if (j == i)
		return 0;
	if (at(a, j) == ':') {
		right = true;
		j++;
	}
	while (at(a, j) == ' ')
		j++;
	if (j != a.n)
		return 0;
	return left && right ? 2 : left ? 1 : right ? 3 : 0;
}

static struct tok *tk_table(struct lexer *lx, struct str s)
{
	size_t j = 0, e, d, dend, rows_from, rows_to, end, nheaders, naligns = 0;
	struct str head, delim, rows_text, *headers, aligns_src, *aligns;
	struct tok *t;
	bool has_pipe_or_colon = false;

	while (at(s, j) == ' ')
		j++;
	if (j >= s.n || s.p[j] == '\n' || s.p[j] == ' ')
		return NULL;
	e = j;
	while (e < s.n && !is_terminator(s.p[e]))
		e++;
	if (e >= s.n || s.p[e] != '\n')
		return NULL;
	head = sub(s, j, e);
	d = e + 1 + spaces(s, e + 1, 3);
	dend = m_delimiter_row(s, d);
	if (!dend)
		return NULL;
	delim = sub(s, d, dend);
	if (dend == s.n) {
		rows_from = rows_to = end = s.n;
	} else {
		size_t r = dend + 1;

		rows_from = r;
		while (r < s.n && !stops_rows(s, r)) {
			size_t le = r;

			while (le < s.n && !is_terminator(s.p[le]))
				le++;
			if (le < s.n && s.p[le] != '\n')
				break;
			r = le < s.n ? le + 1 : le;
		}
		rows_to = r;
		end = r;
		while (end < s.n && s.p[end] == '\n')
			end++;
	}
	for (size_t i = 0; i < delim.n; i++)
		if (delim.p[i] == ':' || delim.p[i] == '|')
			has_pipe_or_colon = true;
	if (!has_pipe_or_colon)
		return NULL;
	headers = split_cells(lx, head, 0, &nheaders);
	/* aligns: /^\||\| *$/g removed, then split at "|" */
	aligns_src = delim;
	if (aligns_src.n > 0 && aligns_src.p[0] == '|')
		aligns_src = from(aligns_src, 1);
	{
		size_t k = aligns_src.n;

		while (k > 0 && aligns_src.p[k - 1] == ' ')
			k--;
		if (k > 0 && aligns_src.p[k - 1] == '|')
			aligns_src = sub(aligns_src, 0, k - 1);
	}
	for (size_t i = 0; i <= aligns_src.n; i++)
		if (i == aligns_src.n || aligns_src.p[i] == '|')
			naligns++;
	if (nheaders != naligns)
		return NULL;
	aligns = alloc(lx, naligns * sizeof(*aligns));
	for (size_t i = 0, k = 0, st = 0; i <= aligns_src.n; i++)
		if (i == aligns_src.n || aligns_src.p[i] == '|') {
			aligns[k++] = sub(aligns_src, st, i);
			st = i + 1;
		}
	t = new_tok(lx, T_TABLE);
	t->raw = sub(s, 0, end);
	t->ncols = nheaders;
	t->align = alloc(lx, (nheaders + 1) * sizeof(int));
	t->header = alloc(lx, (nheaders + 1) * sizeof(struct cell));
	for (size_t i = 0; i < nheaders; i++) {
		t->align[i] = align_of(aligns[i]);
		t->header[i].text = headers[i];
		queue_inline(lx, headers[i], &t->header[i].tokens);
	}
	rows_text = sub(s, rows_from, rows_to);
	if (trim(rows_text).n > 0) {
		/* /\n[ \t]*$/ removed, then split at "\n" */
		size_t k = rows_text.n;

		while (k > 0 && (rows_text.p[k - 1] == ' ' || rows_text.p[k - 1] == '\t'))
			k--;
		if (k > 0 && rows_text.p[k - 1] == '\n')
			rows_text = sub(rows_text, 0, k - 1);
		for (size_t i = 0; i <= rows_text.n; i++)
			if (i == rows_text.n || rows_text.p[i] == '\n')
				t->nrows++;
		t->rows = alloc(lx, t->nrows * sizeof(*t->rows));
		for (size_t i = 0, r = 0, st = 0; i <= rows_text.n; i++) {
			size_t nc;
			struct str *cells;

			if (i < rows_text.n && rows_text.p[i] != '\n')
				continue;
			cells = split_cells(lx, sub(rows_text, st, i), nheaders, &nc);
			t->rows[r] = alloc(lx, (nheaders + 1) * sizeof(struct cell));
			for (size_t c = 0; c < nc; c++) {
				t->rows[r][c].text = cells[c];
				queue_inline(lx, cells[c], &t->rows[r][c].tokens);
			}
			r++;
			st = i + 1;
		}
	}
	return t;
}

/* ---- the setext heading rule (GFM) --------------------------------------- */

/* What may not begin the text of a setext heading, or a line of it after
 * the first: bull |blockCode|fences|blockquote|heading|html|table. */
static bool m_lheading_stop(struct str s, size_t i)
{
	size_t k = spaces(s, i, 3), j;
	u16 c = at(s, i);

	if (i >= s.n)
		return false;
	/* bullet and a space (no indent) */
	if ((c == '*' || c == '+' || c == '-') && at(s, i + 1) == ' ' && i + 1 < s.n)
		return true;
	j = i;
	while (j < s.n && j - i < 9 && is_digit(s.p[j]))
		j++;
	if (j > i && (at(s, j) == '.' || at(s, j) == ')') && at(s, j + 1) == ' ' && j + 1 < s.n)
		return true;
	/* indented code */
	if (spaces(s, i, 4) == 4 || at(s, i + k) == '\t')
		return true;
	c = at(s, i + k);
	if (i + k < s.n && (c == '`' || c == '~') && at(s, i + k + 1) == c && at(s, i + k + 2) == c)
		return true;
	if (c == '>' && i + k < s.n)
		return true;
	if (c == '#' && i + k < s.n)
		return true;
	if (c == '<' && i + k < s.n) {
		j = i + k + 1;
		if (j < s.n && s.p[j] != '\n' && s.p[j] != '>') {
			while (j < s.n && s.p[j] != '\n' && s.p[j] != '>')
				j++;
			if (at(s, j) == '>' && j < s.n && at(s, j + 1) == '\n' && j + 1 < s.n)
				return true;
		}
	}
	/* table: / {0,3}\|?(?:[:\- ]*\|)+[\:\- ]*\n/, a line of ":- |" with a
	 * pipe in it */
	{
		bool pipe = false;

		for (j = i; j < s.n && s.p[j] != '\n'; j++) {
			if (s.p[j] == '|')
				pipe = true;
			else if (!in_set(s.p[j], ":- "))
				break;
		}
		if (pipe && j < s.n && s.p[j] == '\n')
			return true;
	}
	return false;
}

/* A setext underline at i: / {0,3}(=+|-+) *(?:\n+|$)/; its end, 0 if not. */
static size_t m_underline(struct str s, size_t i, int *depth)
{
	size_t j = i + spaces(s, i, 3);
	u16 c = at(s, j);

	if ((c != '=' && c != '-') || j >= s.n)
		return 0;
	while (at(s, j) == c)
		j++;
	while (at(s, j) == ' ')
		j++;
	if (j < s.n && s.p[j] != '\n')
		return 0;
	while (j < s.n && s.p[j] == '\n')
		j++;
	*depth = c == '=' ? 1 : 2;
	return j;
}

static struct tok *tk_lheading(struct lexer *lx, struct str s)
{
	size_t i = 0;

	if (m_lheading_stop(s, 0))
		return NULL;
	/* The text: lines of characters that "." matches, joined where the
	 * next line is not blank and does not stop it; it ends before the
	 * first underline. */
	for (;;) {
		size_t e = i;
		int depth;

		while (e < s.n && !is_terminator(s.p[e]))
			e++;
		if (e >= s.n || s.p[e] != '\n')
			return NULL;
		if (e > 0) {
			size_t u = m_underline(s, e + 1, &depth);

			if (u) {
				struct tok *t = new_tok(lx, T_HEADING);

				t->raw = sub(s, 0, u);
				t->depth = depth;
				t->text = sub(s, 0, e);
				return t;
			}
		}
		/* \n(?!\s*?\n|...): not before a blank line */
		{
			size_t w = e + 1;

			while (w < s.n && is_space(s.p[w]) && s.p[w] != '\n')
				w++;
			if (w < s.n && s.p[w] == '\n')
				return NULL;
		}
		if (m_lheading_stop(s, e + 1))
			return NULL;
		i = e + 1;
	}
}

/* ---- the block lexer ----------------------------------------------------- */

static void queue_inline(struct lexer *lx, struct str src, struct toks *tokens)
{
	if (lx->nqueue == lx->capqueue) {
		size_t cap = lx->capqueue ? lx->capqueue * 2 : 16;
		struct queued *q = alloc(lx, cap * sizeof(*q));

		if (lx->nqueue)
			memcpy(q, lx->queue, lx->nqueue * sizeof(*q));
		lx->queue = q;
		lx->capqueue = cap;
	}
	lx->queue[lx->nqueue].src = src;
	lx->queue[lx->nqueue++].tokens = tokens;
}

static struct tok *tk_blockquote(struct lexer *lx, struct str s);
static struct tok *tk_list(struct lexer *lx, struct str s);

/* Lines of s (split at "\n"). */
static struct str *split_lines(struct lexer *lx, struct str s, size_t *n)
{
	size_t count = 1, k = 0, st = 0;
	struct str *v;

	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] == '\n')
			count++;
	v = alloc(lx, count * sizeof(*v));
	for (size_t i = 0; i <= s.n; i++)
		if (i == s.n || s.p[i] == '\n') {
			v[k++] = sub(s, st, i);
			st = i + 1;
		}
	*n = count;
	return v;
}

static struct str join_lines(struct lexer *lx, struct str *v, size_t n)
{
	struct str s = {0};

	for (size_t i = 0; i < n; i++)
		s = i ? cat_nl(lx, s, v[i]) : v[i];
	return s;
}

static bool blockquote_start(struct str line)
{
	size_t k = spaces(line, 0, 3);

	return at(line, k) == '>' && k < line.n;
}

/* A blockquote's lines made its text, appended to b: lazy "===" / "---"
 * lines indented (so they stay text), then the ">" markers removed. */
static struct str blockquote_text(struct lexer *lx, struct str raw, struct sbuf *bp)
{
	struct sbuf a = {0}, *b = bp;
	size_t start = b->n;
	struct str t;

	/* /\n {0,3}((?:=+|-+) *)(?=\n|$)/g -> "\n    $1" */
	for (size_t i = 0; i < raw.n;) {
		if (raw.p[i] == '\n') {
			size_t k = spaces(raw, i + 1, 3), j = i + 1 + k;
			u16 c = at(raw, j);

			if ((c == '=' || c == '-') && j < raw.n) {
				size_t e = j;

				while (at(raw, e) == c && e < raw.n)
					e++;
				while (at(raw, e) == ' ' && e < raw.n)
					e++;
				if (e == raw.n || raw.p[e] == '\n') {
					sb_lit(lx, &a, "\n    ");
					sb_str(lx, &a, sub(raw, j, e));
					i = e;
					continue;
				}
			}
		}
		sb_ch(lx, &a, raw.p[i++]);
	}
	t = sb_view(&a);
	/* /^ {0,3}>[ \t]?/gm -> "" */
	for (size_t i = 0; i < t.n;) {
		if (line_start(t, i)) {
			size_t k = spaces(t, i, 3);

			if (at(t, i + k) == '>' && i + k < t.n) {
				i += k + 1;
				if (i < t.n && (t.p[i] == ' ' || t.p[i] == '\t'))
					i++;
				if (i >= t.n)
					break;
				/* what follows is no line start (it follows ">" or a blank) */
				sb_ch(lx, b, t.p[i++]);
				continue;
			}
		}
		sb_ch(lx, b, t.p[i++]);
	}
	return (struct str){b->p + start, b->n - start};
}

static struct tok *tk_blockquote(struct lexer *lx, struct str s)
{
	size_t end = m_blockquote(s), nlines;
	struct str *lines, raw = {0}, text = {0};
	struct sbuf tb = {0};
	struct tok *t;
	bool have = false;

	if (!end)
		return NULL;
	/* The texts of the blockquote's pieces go one after the other into
	 * one buffer big enough for all of them (a "---" line may grow by
	 * four spaces), so that the text, and a paragraph that goes on from
	 * one piece to the next, are views and not copies. */
	tb.cap = 6 * end + 16;
	tb.p = alloc(lx, tb.cap * sizeof(u16));
	t = new_tok(lx, T_BLOCKQUOTE);
	lines = split_lines(lx, rtrim_ch(sub(s, 0, end), '\n'), &nlines);
	while (nlines > 0) {
		bool in_quote = false, top;
		size_t i;
		struct str current_raw, current_text;
		struct tok *last;

		for (i = 0; i < nlines; i++) {
			if (blockquote_start(lines[i]))
				in_quote = true;
			else if (in_quote)
				break;
		}
		current_raw = join_lines(lx, lines, i);
		lines += i;
		nlines -= i;
		if (have)
			sb_ch(lx, &tb, '\n');
		current_text = blockquote_text(lx, current_raw, &tb);
		raw = have ? cat_nl(lx, raw, current_raw) : current_raw;
		text = have ? cat_nl(lx, text, current_text) : current_text;
		have = true;
		top = lx->top;
		lx->top = true;
		md_block_tokens(lx, current_text, &t->tokens, true);
		lx->top = top;
		if (nlines == 0)
			break;
		last = last_tok(&t->tokens);
		if (last && last->type == T_CODE) {
			break;
		} else if (last && last->type == T_BLOCKQUOTE) {
			struct str new_text = cat_nl(lx, last->raw, join_lines(lx, lines, nlines));
			struct tok *nt = tk_blockquote(lx, new_text);

			t->tokens.v[t->tokens.n - 1] = nt;
			raw = cat(lx,
			          sub(raw, 0, raw.n - (last->raw.n < raw.n ? last->raw.n : raw.n)),
			          nt->raw);
			text = cat(
			    lx,
			    sub(text, 0, text.n - (last->text.n < text.n ? last->text.n : text.n)),
			    nt->text);
			break;
		} else if (last && last->type == T_LIST) {
			struct str new_text = cat_nl(lx, last->raw, join_lines(lx, lines, nlines));
			struct tok *nt = tk_list(lx, new_text);

			if (!nt)
				break;
			t->tokens.v[t->tokens.n - 1] = nt;
			raw = cat(lx,
			          sub(raw, 0, raw.n - (last->raw.n < raw.n ? last->raw.n : raw.n)),
			          nt->raw);
			text = cat(
			    lx,
			    sub(text, 0, text.n - (last->raw.n < text.n ? last->raw.n : text.n)),
			    nt->raw);
			lines = split_lines(lx, from(new_text, nt->raw.n), &nlines);
			continue;
		}
	}
	t->raw = raw;
	t->text = text;
	return t;
}

/* A list marker ([*+-] or \d{1,9}[.)]) at i: the index just after it, or
 * 0 when there is none. */
static size_t bullet_end(struct str s, size_t i)
{
	u16 c = at(s, i);
	size_t j = i;

	if (i >= s.n)
		return 0;
	if (c == '*' || c == '+' || c == '-')
		return i + 1;
	while (j < s.n && j - i < 9 && is_digit(s.p[j]))
		j++;
	if (j == i || (at(s, j) != '.' && at(s, j) != ')') || j >= s.n)
		return 0;
	return j + 1;
}

/* /^ {0,k}(?:[*+-]|\\d{1,9}[.)])((?:[ \t][^\n]*)?(?:\n|$))/ on one line */
static bool next_bullet(struct str line, size_t k)
{
	size_t j = bullet_end(line, spaces(line, 0, k));

	if (!j)
		return false;
	return j == line.n || line.p[j] == ' ' || line.p[j] == '\t';
}

/* /^ {0,k}((?:- *){3,}|(?:_ *){3,}|(?:\* *){3,})(?:\n+|$)/ on one line */
static bool hr_line(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k), count = 0;
	u16 c = at(line, i);

	if ((c != '-' && c != '_' && c != '*') || i >= line.n)
		return false;
	while (i < line.n && line.p[i] == c) {
		count++;
		i++;
		while (i < line.n && line.p[i] == ' ')
			i++;
	}
	return count >= 3 && i == line.n;
}

static bool fences_begin(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k);

	return starts_lit(line, i, "```") || starts_lit(line, i, "~~~");
}

static bool heading_begin(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k);

	return at(line, i) == '#' && i < line.n;
}

/* /^ {0,k}<(?:[a-z].*>|!--)/i */
static bool html_begin(struct str line, size_t k)
{
	size_t i = spaces(line, 0, k);

	if (at(line, i) != '<' || i >= line.n)
		return false;
	if (starts_lit(line, i + 1, "!--"))
		return true;
	if (!is_alpha(at(line, i + 1)) || i + 1 >= line.n)
		return false;
	for (size_t j = i + 2; j < line.n && !is_terminator(line.p[j]); j++)
		if (line.p[j] == '>')
			return true;
	return false;
}

static struct str tabs_to_spaces(struct lexer *lx, struct str s, size_t width, bool leading_only)
{
	struct sbuf b = {0};
	size_t i = 0;

	for (; i < s.n; i++) {
		if (s.p[i] == '\t') {
			for (size_t k = 0; k < width; k++)
				sb_ch(lx, &b, ' ');
			continue;
		}
		if (leading_only)
			break;
		sb_ch(lx, &b, s.p[i]);
	}
	if (leading_only)
		sb_str(lx, &b, from(s, i));
	return sb_view(&b);
}

static struct tok *tk_list(struct lexer *lx, struct str s)
{
	size_t k = spaces(s, 0, 3), b_end, e;
	u16 c = at(s, k), delim = 0;
	bool ordered;
	struct tok *list;
	struct str bull;

	/* /^( {0,3}bull)([ \t][^\n]+?)?(?:\n|$)/ */
	b_end = bullet_end(s, k);
	if (!b_end)
		return NULL;
	if (!(c == '*' || c == '+' || c == '-'))
		delim = s.p[b_end - 1];
	e = b_end;
	if (!(e == s.n || s.p[e] == '\n')) {
		if (!((s.p[e] == ' ' || s.p[e] == '\t') && e + 1 < s.n && s.p[e + 1] != '\n'))
			return NULL;
	}
	bull = trim(sub(s, 0, b_end));
	ordered = bull.n > 1;
	list = new_tok(lx, T_LIST);
	list->ordered = ordered;
	if (ordered) {
		long v = 0;

		for (size_t i = 0; i + 1 < bull.n; i++)
			v = v * 10 + (bull.p[i] - '0');
		list->start = v;
	}
	struct sbuf list_raw = {0};
	struct str src = s;
	while (src.n) {
		size_t ik = spaces(src, 0, 3), ib, ie, indent;
		struct str raw, cap1, cap2, line, next_line, item_contents = {0};
		bool blank_line, end_early = false;
		struct sbuf contents = {0}, raw_b = {0};

		/* itemRegex */
		if (ik >= src.n)
			break;
		if (!ordered) {
			if (src.p[ik] != bull.p[0])
				break;
			ib = ik + 1;
		} else {
			ib = ik;
			while (ib < src.n && ib - ik < 9 && is_digit(src.p[ib]))
				ib++;
			if (ib == ik || at(src, ib) != delim || ib >= src.n)
				break;
			ib++;
		}
		ie = ib;
		if (ie < src.n && (src.p[ie] == ' ' || src.p[ie] == '\t'))
			ie = line_end(src, ie);
		if (ie < src.n && src.p[ie] != '\n')
			break;
		if (ie < src.n)
			ie++;
		if (m_hr(src, 0))
			break;
		raw = sub(src, 0, ie);
		cap1 = sub(src, 0, ib);
		cap2 = sub(src, ib, ie);
		src = from(src, raw.n);
		sb_str(lx, &raw_b, raw);
		line = tabs_to_spaces(lx, first_line(cap2), 3, true);
		next_line = first_line(src);
		blank_line = trim(line).n == 0;
		if (blank_line) {
			indent = cap1.n + 1;
		} else {
			long fi = first_non_space(cap2);

			indent = fi > 4 ? 1 : (size_t)fi;
			item_contents = from(line, indent);
			indent += cap1.n;
		}
		sb_str(lx, &contents, item_contents);
		if (blank_line && md_blank_rest(next_line, 0)) {
			sb_str(lx, &raw_b, next_line);
			sb_ch(lx, &raw_b, '\n');
			src = from(src, next_line.n + 1);
			end_early = true;
		}
		if (!end_early) {
			size_t kk = indent - 1 < 3 ? indent - 1 : 3;

			while (src.n) {
				struct str raw_line = first_line(src), nl, nl_no_tabs;

				nl = raw_line;
				nl_no_tabs = tabs_to_spaces(lx, nl, 4, false);
				if (fences_begin(nl, kk) || heading_begin(nl, kk) ||
				    html_begin(nl, kk) || next_bullet(nl, kk) || hr_line(nl, kk))
					break;
				long fns = first_non_space(nl_no_tabs);
				if (fns >= (long)indent || trim(nl).n == 0) {
					sb_ch(lx, &contents, '\n');
					sb_str(lx, &contents, from(nl_no_tabs, indent));
				} else {
					struct str line_no_tabs =
					    tabs_to_spaces(lx, line, 4, false);

					if (blank_line)
						break;
					if (first_non_space(line_no_tabs) >= 4)
						break;
					if (fences_begin(line, kk) || heading_begin(line, kk) ||
					    hr_line(line, kk))
						break;
					sb_ch(lx, &contents, '\n');
					sb_str(lx, &contents, nl);
				}
				if (!blank_line && trim(nl).n == 0)
					blank_line = true;
				sb_str(lx, &raw_b, raw_line);
				sb_ch(lx, &raw_b, '\n');
				src = from(src, raw_line.n + 1);
				line = from(nl_no_tabs, indent);
			}
		}
		struct tok *item = new_tok(lx, T_LIST_ITEM);
		struct str text = sb_view(&contents);
		/* /^\[[ xX]\] / */
		if (text.n >= 4 && text.p[0] == '[' &&
		    (text.p[1] == ' ' || text.p[1] == 'x' || text.p[1] == 'X') &&
		    text.p[2] == ']' && text.p[3] == ' ') {
			size_t j = 3;

			item->task = true;
			item->checked = text.p[1] != ' ';
			while (j < text.n && text.p[j] == ' ')
				j++;
			text = from(text, j);
		}
		item->raw = sb_view(&raw_b);
		item->text = text;
		push_tok(lx, &list->items, item);
		sb_str(lx, &list_raw, item->raw);
	}
	if (list->items.n == 0)
		return NULL;
	{
		struct tok *lastitem = last_tok(&list->items);

		lastitem->raw = trim_end(lastitem->raw);
		lastitem->text = trim_end(lastitem->text);
	}
	list->raw = trim_end(sb_view(&list_raw));
	for (size_t i = 0; i < list->items.n; i++) {
		lx->top = false;
		md_block_tokens(lx, list->items.v[i]->text, &list->items.v[i]->tokens, false);
	}
	return list;
}

struct toks *md_block_tokens(struct lexer *lx, struct str src, struct toks *tokens,
			     bool last_paragraph_clipped)
{
	enter(lx);
	while (src.n) {
		struct tok *t, *last;
		size_t n;
		struct str label, href;

		if ((n = m_newline(src, 0)) != 0) {
			t = new_tok(lx, T_SPACE);
			t->raw = sub(src, 0, n);
			src = from(src, n);
			last = last_tok(tokens);
			if (n == 1 && last) {
				/* marked adds "\n" to the last token's raw; only a list's
				 * and a quote's raw is ever read again (when a quote
				 * reads them anew), so only theirs is kept. */
				if (last->type == T_LIST || last->type == T_BLOCKQUOTE)
					last->raw = cat(lx, last->raw, lit(lx, "\n"));
			} else {
				push_tok(lx, tokens, t);
			}
			continue;
		}
		if ((n = m_code(src)) != 0) {
			t = new_tok(lx, T_CODE);
			t->raw = sub(src, 0, n);
			t->text = rtrim_ch(remove_code_indent(lx, t->raw), '\n');
			src = from(src, n);
			last = last_tok(tokens);
			if (last && (last->type == T_PARAGRAPH || last->type == T_TEXT)) {
				last->text = cat_nl(lx, last->text, t->text);
				lx->queue[lx->nqueue - 1].src = last->text;
			} else {
				push_tok(lx, tokens, t);
			}
			continue;
		}
		if ((t = tk_fences(lx, src)) != NULL || (t = tk_heading(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			if (t->type == T_HEADING)
				queue_inline(lx, t->text, &t->tokens);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = m_hr(src, 0)) != 0) {
			t = new_tok(lx, T_HR);
			t->raw = rtrim_ch(sub(src, 0, n), '\n');
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((t = tk_blockquote(lx, src)) != NULL || (t = tk_list(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = md_html_block(src)) != 0) {
			t = new_tok(lx, T_HTML);
			t->raw = t->text = sub(src, 0, n);
			src = from(src, n);
			push_tok(lx, tokens, t);
			continue;
		}
		if ((n = md_def(src, &label, &href)) != 0) {
			struct str raw = sub(src, 0, n);

			src = from(src, n);
			last = last_tok(tokens);
			if (last && (last->type == T_PARAGRAPH || last->type == T_TEXT)) {
				last->text = cat_nl(lx, last->text, raw);
				lx->queue[lx->nqueue - 1].src = last->text;
			} else {
				struct str tag = md_def_key(lx, label);
				bool known = false;

				for (size_t i = 0; i < lx->ndefs; i++)
					if (str_eq(lx->defs[i].tag, tag))
						known = true;
				if (!known) {
					if (lx->ndefs == lx->capdefs) {
						size_t cap = lx->capdefs ? lx->capdefs * 2 : 8;
						struct def *d = alloc(lx, cap * sizeof(*d));

						if (lx->ndefs)
							memcpy(d, lx->defs, lx->ndefs * sizeof(*d));
						lx->defs = d;
						lx->capdefs = cap;
					}
					if (href.n >= 2 && href.p[0] == '<' &&
					    href.p[href.n - 1] == '>')
						href = sub(href, 1, href.n - 1);
					lx->defs[lx->ndefs].tag = tag;
					lx->defs[lx->ndefs++].href = md_unescape_punct(lx, href);
				}
			}
			continue;
		}
		if ((t = tk_table(lx, src)) != NULL || (t = tk_lheading(lx, src)) != NULL) {
			src = from(src, t->raw.n);
			if (t->type == T_HEADING)
				queue_inline(lx, t->text, &t->tokens);
			push_tok(lx, tokens, t);
			continue;
		}
		if (lx->top && (n = m_paragraph_at(src, 0, true)) != 0) {
			t = new_tok(lx, T_PARAGRAPH);
			t->raw = sub(src, 0, n);
			t->text = t->raw;
			last = last_tok(tokens);
			if (last_paragraph_clipped && last && last->type == T_PARAGRAPH) {
				last->text = cat_nl(lx, last->text, t->text);
				lx->queue[lx->nqueue - 1].src = last->text;
			} else {
				queue_inline(lx, t->text, &t->tokens);
				push_tok(lx, tokens, t);
			}
			last_paragraph_clipped = false;
			src = from(src, n);
			continue;
		}
		n = line_end(src, 0);
		t = new_tok(lx, T_TEXT);
		t->raw = t->text = sub(src, 0, n);
		src = from(src, n);
		last = last_tok(tokens);
		if (last && last->type == T_TEXT) {
			last->text = cat_nl(lx, last->text, t->text);
			lx->queue[lx->nqueue - 1].src = last->text;
		} else {
			queue_inline(lx, t->text, &t->tokens);
			push_tok(lx, tokens, t);
		}
	}
	lx->top = true;
	leave(lx);
	return tokens;
}
