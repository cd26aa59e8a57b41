#include "lbconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <limits.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wctype.h>

#include "cmdline.h"
#include "utf8.h"

#define CTL(c)       ((c)&0x1f)
#define KEY_ESC      27
#define QUEUE_MAX    4
#define HISTORY_SIZE 1000
#define COMPLETE_MAX 256

struct cmdline {
	EditLine *el;
	HistoryW *hist;
	FILE *devnull; /* libedit's output and error stream */
	int pty_master;
	int pty_slave;
	char *history_path;

	cmdline_complete_fn complete;
	void *complete_ud;

	/* Keys waiting for libedit's read function (EL_GETCFN). */
	wchar_t queue[QUEUE_MAX];
	int queue_len;
	int queue_pos;

	bool open;
	bool with_history;
	enum cmdline_state state;
	char *prompt;
	char *text;       /* finished (or cancelled) line, UTF-8 */
	char *candidates; /* "a  b  c" after an ambiguous Tab */
	int hscroll;      /* first line column shown */

	/* ^R: the history searched backwards for the words typed after it,
	 * bash's reverse-i-search. libedit's own (em-inc-search-prev) reads
	 * the keys that follow itself, which a line fed one key at a time
	 * cannot give it. */
	bool searching;
	bool search_failed;
	wchar_t search_pat[256];
	size_t search_len;
	int search_at;       /* history entry shown (0 the newest), -1 none */
	wchar_t *search_saved; /* the line before ^R, for ^G and Esc */
	char *search_prompt;
};

static void finish(struct cmdline *c, enum cmdline_state state);
static void search_end(struct cmdline *c);

/* A wide character as UTF-8 into out (4 bytes room; one that is no code
 * point becomes U+FFFD); returns the length. */
static size_t utf8_put(char *out, wchar_t wc)
{
	unsigned long u = (unsigned long)wc;

	if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff))
		u = 0xfffd;
	return utf8_encode(u, out);
}

/* One character of s (n > 0 bytes) into *wc, an ill-formed one as U+FFFD;
 * returns the bytes used. */
static size_t utf8_get(const char *s, size_t n, wchar_t *wc)
{
	long cp;
	size_t used = utf8_decode((const unsigned char *)s, n, &cp);

	*wc = cp < 0 ? 0xfffd : (wchar_t)cp;
	return used;
}

static char *wide_to_utf8(const wchar_t *s, size_t n)
{
	char *out = malloc(n * 4 + 1);
	size_t i, len = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		len += utf8_put(out + len, s[i]);
	out[len] = '\0';
	return out;
}

/* UTF-8 string as a malloc'd wide string; NULL when out of memory. */
static wchar_t *utf8_to_wide(const char *s)
{
	size_t n = strlen(s), i = 0, len = 0;
	wchar_t *out = malloc((n + 1) * sizeof(*out));

	if (!out)
		return NULL;
	while (i < n)
		i += utf8_get(s + i, n - i, &out[len++]);
	out[len] = L'\0';
	return out;
}

/* Display width of one character as drawn here (unprintables show as '?'). */
/* Printable and not a bidirectional control: a line can hold text taken
 * from the server (a prefilled command), which must not reorder the
 * screen. The same list as the terminal-safe layer's. */
static bool drawable(wchar_t wc)
{
	if ((wc >= 0x202A && wc <= 0x202E) || (wc >= 0x2066 && wc <= 0x2069) || wc == 0x200E ||
	    wc == 0x200F || wc == 0x061C)
		return false;
	return iswprint((wint_t)wc);
}

static int char_width(wchar_t wc)
{
	int w = wcwidth(wc);

	return w < 0 || !drawable(wc) ? 1 : w;
}

static bool word_char(wchar_t c)
{
	return iswalnum((wint_t)c) || c == L'_';
}

/* A letter, digit, '_' or '-': what keys and tokens are made of. */
static bool key_char(wchar_t c)
{
	return word_char(c) || c == L'-';
}

/* Whether s[i..n) starts with the ASCII word w at the start of a word. */
static bool word_at(const wchar_t *s, size_t n, size_t i, const char *w)
{
	size_t k = 0;

	if (i > 0 && key_char(s[i - 1]))
		return false;
	for (; w[k]; k++)
		if (i + k >= n || s[i + k] != (wchar_t)(unsigned char)w[k])
			return false;
	return true;
}

/* How many key characters follow s[i]. */
static size_t key_run(const wchar_t *s, size_t n, size_t i)
{
	size_t k = 0;

	while (i + k < n && key_char(s[i + k]))
		k++;
	return k;
}

/* A JWT at s[i]: "eyJ…" "." "eyJ…" (its header and claims). */
static bool jwt_at(const wchar_t *s, size_t n, size_t i)
{
	size_t head;

	if (!word_at(s, n, i, "eyJ"))
		return false;
	head = key_run(s, n, i);
	return i + head < n && s[i + head] == L'.' && word_at(s, n, i + head + 1, "eyJ") &&
	       key_run(s, n, i + head + 1) >= 8;
}

/* What must never reach the history file: a secret key, a word that starts
 * with "sk_" (sk_prod_…, sk_dev_…, sk_localdev), not "sk_" inside a word such
 * as task_list; a token (a JWT); an AI provider's key in the shapes providers
 * give them ("sk-…", "sk-ant-…", "AIza…"); and whatever follows --api-key,
 * the option lbtui refuses because it would be a key on the command line. */
static bool has_secret(const wchar_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i + 3 < n && s[i] == L's' && s[i + 1] == L'k' && s[i + 2] == L'_' &&
		    (i == 0 || !word_char(s[i - 1])) && word_char(s[i + 3]))
			return true;
		if (word_at(s, n, i, "sk-") && key_run(s, n, i + 3) >= 16)
			return true;
		if (word_at(s, n, i, "AIza") && key_run(s, n, i + 4) >= 30)
			return true;
		if (jwt_at(s, n, i))
			return true;
		if (word_at(s, n, i, "--api-key") &&
		    (i + 9 == n || s[i + 9] == L' ' || s[i + 9] == L'='))
			return true;
	}
	return false;
}

static void drain_pty(struct cmdline *c)
{
	char buf[512];

	while (read(c->pty_master, buf, sizeof(buf)) > 0)
		;
}

/* EL_GETCFN: hand libedit the queued keys; "end of file" when none is left,
 * which makes a multi-key binding that is not complete give up. */
static int getc_fn(EditLine *el, wchar_t *wc)
{
	struct cmdline *c;

	if (el_get(el, EL_CLIENTDATA, &c) != 0 || !c || c->queue_pos >= c->queue_len) {
		*wc = L'\0';
		return 0;
	}
	*wc = c->queue[c->queue_pos++];
	return 1;
}

static void clear_candidates(struct cmdline *c)
{
	free(c->candidates);
	c->candidates = NULL;
}

/* Longest common prefix of the candidates, in whole UTF-8 characters. */
static size_t common_prefix(char **cand, size_t n)
{
	size_t len = strlen(cand[0]), i, j;

	for (i = 1; i < n; i++) {
		for (j = 0; j < len && cand[i][j] == cand[0][j]; j++)
			;
		len = j;
	}
	while (len > 0 && ((unsigned char)cand[0][len] & 0xc0) == 0x80)
		len--;
	return len;
}

/* Replace the n characters before the cursor with the UTF-8 text s. */
static void replace_before_cursor(EditLine *el, int n, const char *s)
{
	wchar_t *w = utf8_to_wide(s);

	if (!w)
		return;
	if (n > 0)
		el_wdeletestr(el, n);
	if (w[0])
		el_winsertstr(el, w);
	free(w);
}

static char *join_candidates(char **cand, size_t n)
{
	size_t i, len = 0, off = 0;
	char *out;

	for (i = 0; i < n; i++)
		len += strlen(cand[i]) + 2;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		size_t l = strlen(cand[i]);

		if (i > 0) {
			memcpy(out + off, "  ", 2);
			off += 2;
		}
		memcpy(out + off, cand[i], l);
		off += l;
	}
	out[off] = '\0';
	return out;
}

/* Bound to Tab: complete the word before the cursor. */
static unsigned char complete_fn(EditLine *el, int ch)
{
	struct cmdline *c;
	const LineInfoW *li;
	char *line, *cand[COMPLETE_MAX];
	size_t cursor, word_start = 0, n, i, pos;
	int nchars = 0;
	unsigned char ret = CC_NORM;

	(void)ch;
	if (el_get(el, EL_CLIENTDATA, &c) != 0 || !c || !c->complete)
		return CC_NORM;
	li = el_wline(el);
	line = wide_to_utf8(li->buffer, (size_t)(li->lastchar - li->buffer));
	if (!line)
		return CC_NORM;
	/* Byte offset of the cursor. */
	{
		char *before = wide_to_utf8(li->buffer, (size_t)(li->cursor - li->buffer));

		if (!before) {
			free(line);
			return CC_NORM;
		}
		cursor = strlen(before);
		free(before);
	}
	word_start = cursor;
	n = c->complete(c->complete_ud, line, cursor, &word_start, cand, COMPLETE_MAX);
	if (n > COMPLETE_MAX)
		n = COMPLETE_MAX;
	/* Drop entries the completer could not allocate. */
	for (i = pos = 0; i < n; i++)
		if (cand[i])
			cand[pos++] = cand[i];
	n = pos;
	if (word_start > cursor)
		word_start = cursor;
	/* Characters between word_start and the cursor. */
	for (pos = word_start; pos < cursor; nchars++) {
		wchar_t wc;

		pos += utf8_get(line + pos, cursor - pos, &wc);
	}

	if (n == 1) {
		size_t l = strlen(cand[0]);
		bool space = l > 0 && cand[0][l - 1] != '/' &&
		             !(li->cursor < li->lastchar && iswspace((wint_t)*li->cursor));
		char *s = malloc(l + 2);

		if (s) {
			memcpy(s, cand[0], l);
			if (space)
				s[l++] = ' ';
			s[l] = '\0';
			replace_before_cursor(el, nchars, s);
			free(s);
			ret = CC_REFRESH;
		}
	} else if (n > 1) {
		size_t lcp = common_prefix(cand, n);

		if (lcp > cursor - word_start) {
			char saved = cand[0][lcp];

			cand[0][lcp] = '\0';
			replace_before_cursor(el, nchars, cand[0]);
			cand[0][lcp] = saved;
			ret = CC_REFRESH;
		}
		free(c->candidates);
		c->candidates = join_candidates(cand, n);
	}
	for (i = 0; i < n; i++)
		free(cand[i]);
	free(line);
	return ret;
}

/* Create the missing directories above path, each with mode 0700. */
static void make_parent_dirs(const char *path)
{
	char *dir = strdup(path);
	char *p;

	if (!dir)
		return;
	p = strrchr(dir, '/');
	if (p && p != dir) {
		*p = '\0';
		for (p = dir + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			(void)mkdir(dir, 0700);
			*p = '/';
		}
		(void)mkdir(dir, 0700);
	}
	free(dir);
}

/* Write the history file now (also done by cmdline_free). */
void cmdline_save(struct cmdline *c)
{
	HistEventW ev;
	char *tmp;
	size_t len;
	int fd;
	FILE *fp;
	bool ok;

	if (!c || !c->history_path)
		return;
	make_parent_dirs(c->history_path);
	len = strlen(c->history_path) + 8;
	tmp = malloc(len);
	if (!tmp)
		return;
	snprintf(tmp, len, "%s.tmp", c->history_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(tmp);
		return;
	}
	(void)fchmod(fd, 0600);
	fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return;
	}
	ok = history_w(c->hist, &ev, H_SAVE_FP, fp) >= 0;
	ok = fclose(fp) == 0 && ok;
	if (!ok || rename(tmp, c->history_path) != 0)
		unlink(tmp);
	free(tmp);
}

static bool setup_editor(struct cmdline *c)
{
	HistEventW ev;

	c->el = el_init_fd("lbtui", c->devnull, c->devnull, c->devnull, c->pty_slave, c->pty_slave,
	                   c->pty_slave);
	if (!c->el)
		return false;
	c->hist = history_winit();
	if (!c->hist)
		return false;
	history_w(c->hist, &ev, H_SETSIZE, HISTORY_SIZE);
	history_w(c->hist, &ev, H_SETUNIQUE, 1);
	if (c->history_path)
		history_w(c->hist, &ev, H_LOAD, c->history_path);

	el_wset(c->el, EL_CLIENTDATA, c);
	el_wset(c->el, EL_EDITOR, L"emacs");
	el_wset(c->el, EL_SIGNAL, 0);
	el_wset(c->el, EL_HIST, history_w, c->hist);
	el_wset(c->el, EL_GETCFN, getc_fn);
	el_wset(c->el, EL_ADDFN, L"lb-complete", L"complete the word before the cursor",
	        complete_fn);
	el_wset(c->el, EL_BIND, L"^I", L"lb-complete", NULL);
	/* As in readline: ^W deletes the word before the cursor. */
	el_wset(c->el, EL_BIND, L"^W", L"ed-delete-prev-word", NULL);
	/* and ^U deletes from the start of the line to the cursor. */
	el_wset(c->el, EL_BIND, L"^U", L"vi-kill-line-prev", NULL);
	/* Commands that read more keys than one feed brings would end the line
	 * with an "end of file"; leave them unbound. */
	el_wset(c->el, EL_BIND, L"^V", L"ed-unassigned", NULL);
	el_wset(c->el, EL_BIND, L"^Q", L"ed-unassigned", NULL);
	el_wset(c->el, EL_BIND, L"^R", L"ed-unassigned", NULL); /* see search_key */
	el_wset(c->el, EL_BIND, L"^S", L"ed-unassigned", NULL);
	el_wset(c->el, EL_BIND, L"\\ex", L"ed-unassigned", NULL);
	el_wset(c->el, EL_BIND, L"\\eX", L"ed-unassigned", NULL);
	el_wset(c->el, EL_UNBUFFERED, 1);
	return true;
}

/* history_path may be NULL (no history kept between runs). */
struct cmdline *cmdline_new(const char *history_path, struct lb_error *err)
{
	struct cmdline *c = calloc(1, sizeof(*c));
	struct winsize ws = {.ws_row = 24, .ws_col = 200};
	int fl;

	if (!c) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	c->pty_master = c->pty_slave = -1;
	c->state = CMDLINE_CANCELLED;
	if (history_path && history_path[0]) {
		c->history_path = strdup(history_path);
		if (!c->history_path) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			goto fail;
		}
	}
	if (openpty(&c->pty_master, &c->pty_slave, NULL, NULL, &ws) != 0) {
		lb_error_set(err, LB_CONFIG, "command line: cannot open a pseudo-terminal: %s",
		             strerror(errno));
		goto fail;
	}
	(void)fcntl(c->pty_master, F_SETFD, FD_CLOEXEC);
	(void)fcntl(c->pty_slave, F_SETFD, FD_CLOEXEC);
	fl = fcntl(c->pty_master, F_GETFL);
	if (fl >= 0)
		(void)fcntl(c->pty_master, F_SETFL, fl | O_NONBLOCK);
	c->devnull = fopen("/dev/null", "r+");
	if (!c->devnull) {
		lb_error_set(err, LB_CONFIG, "command line: cannot open /dev/null: %s",
		             strerror(errno));
		goto fail;
	}
	(void)fcntl(fileno(c->devnull), F_SETFD, FD_CLOEXEC);
	if (!setup_editor(c)) {
		lb_error_set(err, LB_NOMEM, "command line: cannot start the line editor");
		goto fail;
	}
	return c;
fail:
	cmdline_free(&c);
	return NULL;
}

/* Saves the history, frees everything. */
void cmdline_free(struct cmdline **cp)
{
	struct cmdline *c;

	if (!cp || !*cp)
		return;
	c = *cp;
	if (c->hist && c->history_path)
		cmdline_save(c);
	if (c->el)
		el_end(c->el);
	if (c->hist)
		history_wend(c->hist);
	if (c->devnull)
		fclose(c->devnull);
	if (c->pty_slave >= 0)
		close(c->pty_slave);
	if (c->pty_master >= 0)
		close(c->pty_master);
	free(c->history_path);
	free(c->prompt);
	free(c->text);
	free(c->candidates);
	free(c->search_saved);
	free(c->search_prompt);
	free(c);
	*cp = NULL;
}

/* Set the Tab completion source (fn NULL: Tab does nothing). */
void cmdline_set_completer(struct cmdline *c, cmdline_complete_fn fn, void *ud)
{
	c->complete = fn;
	c->complete_ud = ud;
}

/* Empty libedit's line and history position for the next line. */
static void reset_line(struct cmdline *c)
{
	/* Leaving and re-entering unbuffered mode runs libedit's per-line
	 * preparation, which empties the buffer (el_wgets never does that
	 * itself in unbuffered mode). */
	el_wset(c->el, EL_UNBUFFERED, 0);
	el_wset(c->el, EL_UNBUFFERED, 1);
	drain_pty(c);
}

/* Start editing a new line after prompt. */
void cmdline_open(struct cmdline *c, const char *prompt, bool with_history, const char *initial)
{
	free(c->prompt);
	c->prompt = strdup(prompt ? prompt : "");
	free(c->text);
	c->text = NULL;
	clear_candidates(c);
	c->with_history = with_history;
	c->hscroll = 0;
	search_end(c);
	c->queue_len = c->queue_pos = 0;
	reset_line(c);
	if (initial && initial[0]) {
		wchar_t *w = utf8_to_wide(initial);
		size_t i;

		if (w) {
			/* A newline would end the line as soon as it is edited. */
			for (i = 0; w[i]; i++)
				if (w[i] == L'\n' || w[i] == L'\r')
					w[i] = L' ';
			el_winsertstr(c->el, w);
			free(w);
		}
	}
	c->open = true;
	c->state = CMDLINE_EDITING;
}

/* Stop editing without a line (the question it showed was answered). */
void cmdline_close(struct cmdline *c)
{
	if (c && c->open)
		finish(c, CMDLINE_CANCELLED);
}

/* Whether a line is being edited. */
bool cmdline_is_open(const struct cmdline *c)
{
	return c && c->open;
}

/* Line length without the newline that ends it. */
static size_t line_len(const LineInfoW *li)
{
	size_t n = (size_t)(li->lastchar - li->buffer);

	if (n > 0 && li->buffer[n - 1] == L'\n')
		n--;
	return n;
}

static void finish(struct cmdline *c, enum cmdline_state state)
{
	const LineInfoW *li = el_wline(c->el);
	size_t n = line_len(li);
	HistEventW ev;

	free(c->text);
	c->text = wide_to_utf8(li->buffer, n);
	if (state == CMDLINE_DONE && c->with_history && n > 0 && !has_secret(li->buffer, n)) {
		wchar_t *entry = malloc((n + 1) * sizeof(*entry));
		size_t i;
		bool blank = true;

		for (i = 0; i < n; i++)
			if (!iswspace((wint_t)li->buffer[i]))
				blank = false;
		if (entry && !blank) {
			wmemcpy(entry, li->buffer, n);
			entry[n] = L'\0';
			history_w(c->hist, &ev, H_ENTER, entry);
			cmdline_save(c);
		}
		free(entry);
	}
	c->open = false;
	c->state = state;
	reset_line(c);
}

/* Run one libedit command on the queued keys. */
static void run_editor(struct cmdline *c)
{
	int count;

	(void)el_wgets(c->el, &count);
	c->queue_len = c->queue_pos = 0;
	drain_pty(c);
}

/* The emacs control character for a curses key, 0 when it has none. */
static wchar_t map_key(wint_t key)
{
	switch (key) {
	case KEY_LEFT:
		return CTL('B');
	case KEY_RIGHT:
		return CTL('F');
	case KEY_UP:
		return CTL('P');
	case KEY_DOWN:
		return CTL('N');
	case KEY_HOME:
		return CTL('A');
	case KEY_END:
		return CTL('E');
	case KEY_BACKSPACE:
		return CTL('H');
	case KEY_DC:
		return CTL('D');
	case KEY_ENTER:
		return L'\n';
	default:
		return 0;
	}
}

static enum cmdline_state feed_keys(struct cmdline *c, const wchar_t *keys, int n)
{
	const LineInfoW *li;

	memcpy(c->queue, keys, (size_t)n * sizeof(*keys));
	c->queue_len = n;
	c->queue_pos = 0;
	run_editor(c);
	li = el_wline(c->el);
	if (li->lastchar > li->buffer && li->lastchar[-1] == L'\n')
		finish(c, CMDLINE_DONE);
	return c->state;
}

/* The line becomes s (a history entry, or the line from before ^R). */
static void set_line(struct cmdline *c, const wchar_t *s)
{
	size_t n = s ? wcslen(s) : 0;
	wchar_t *copy;

	reset_line(c);
	while (n > 0 && (s[n - 1] == L'\n' || s[n - 1] == L'\r'))
		n--;
	if (n == 0 || !(copy = malloc((n + 1) * sizeof(*copy))))
		return;
	wmemcpy(copy, s, n);
	copy[n] = L'\0';
	el_winsertstr(c->el, copy);
	free(copy);
}

static void search_end(struct cmdline *c)
{
	c->searching = false;
	free(c->search_saved);
	c->search_saved = NULL;
}

/* "(reverse-i-search)`pattern': " in place of the prompt. */
static void search_prompt(struct cmdline *c)
{
	char *pat = wide_to_utf8(c->search_pat, c->search_len);
	size_t n = (pat ? strlen(pat) : 0) + 40;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "(%sreverse-i-search)`%s': ", c->search_failed ? "failed " : "",
		         pat ? pat : "");
	free(c->search_prompt);
	c->search_prompt = p;
	free(pat);
}

/* Show the first history entry from the from-th newest back that holds
 * the pattern; none: the line stays and the search says it failed. */
static void search_from(struct cmdline *c, int from)
{
	HistEventW ev;
	int i = 0;

	c->search_pat[c->search_len] = L'\0';
	c->search_failed = false;
	if (c->search_len == 0) {
		c->search_at = -1;
		set_line(c, c->search_saved);
		return;
	}
	for (int rc = history_w(c->hist, &ev, H_FIRST); rc >= 0;
	     rc = history_w(c->hist, &ev, H_NEXT), i++) {
		if (i >= from && wcsstr(ev.str, c->search_pat)) {
			c->search_at = i;
			set_line(c, ev.str);
			return;
		}
	}
	c->search_failed = true;
}

/* ^R and the keys after it: true when the search took the key. Letters
 * narrow it, ^R goes on to an older line, Backspace widens it, ^G and Esc
 * put the line back; any other key ends it on the line found and then
 * does its own work (Enter runs the line). */
static bool search_key(struct cmdline *c, wchar_t k)
{
	if (!c->searching) {
		/* Only a command has a history to search (not an answer). */
		if (k != CTL('R') || !c->with_history)
			return false;
		const LineInfoW *li = el_wline(c->el);
		size_t n = line_len(li);
		c->search_saved = malloc((n + 1) * sizeof(wchar_t));
		if (!c->search_saved)
			return true;
		wmemcpy(c->search_saved, li->buffer, n);
		c->search_saved[n] = L'\0';
		c->searching = true;
		c->search_len = 0;
		c->search_at = -1;
		c->search_failed = false;
	} else if (k == CTL('R')) {
		if (c->search_len > 0)
			search_from(c, c->search_at + 1);
	} else if (k == CTL('G') || k == KEY_ESC) {
		set_line(c, c->search_saved);
		search_end(c);
		return true;
	} else if (k == CTL('H') || k == 0x7f) {
		if (c->search_len > 0)
			c->search_len--;
		search_from(c, 0);
	} else if (k >= L' ' && iswprint((wint_t)k)) {
		if (c->search_len + 1 < sizeof(c->search_pat) / sizeof(c->search_pat[0]))
			c->search_pat[c->search_len++] = k;
		search_from(c, c->search_at > 0 ? c->search_at : 0);
	} else {
		search_end(c);
		return false;
	}
	search_prompt(c);
	return true;
}

/* Feed one key as returned by wget_wch(). */
enum cmdline_state cmdline_feed(struct cmdline *c, wint_t ch, bool is_key)
{
	const LineInfoW *li;
	wchar_t k;

	if (!c || !c->open)
		return c ? c->state : CMDLINE_CANCELLED;
	clear_candidates(c);
	if (is_key) {
		k = map_key(ch);
		if (!k)
			return c->state;
	} else {
		k = (wchar_t)ch;
	}
	if (search_key(c, k))
		return c->state;
	if (k == KEY_ESC || k == CTL('G') || k == CTL('C')) {
		finish(c, CMDLINE_CANCELLED);
		return c->state;
	}
	if (k == L'\0')
		return c->state;
	if (k == L'\r')
		k = L'\n';
	li = el_wline(c->el);
	/* On an empty line libedit takes ^D for end of file and, unbuffered,
	 * would put a literal ^D in the line. */
	if (k == CTL('D') && li->lastchar == li->buffer)
		return c->state;
	return feed_keys(c, &k, 1);
}

/* Feed Alt+ch (Esc followed at once by ch): M-b, M-f, M-d ... */
enum cmdline_state cmdline_feed_meta(struct cmdline *c, wint_t ch)
{
	wchar_t keys[2] = {KEY_ESC, (wchar_t)ch};

	if (!c || !c->open)
		return c ? c->state : CMDLINE_CANCELLED;
	clear_candidates(c);
	search_end(c);
	return feed_keys(c, keys, 2);
}

/* The finished line (UTF-8), valid until the next cmdline_open. */
const char *cmdline_text(const struct cmdline *c)
{
	return c && c->text ? c->text : "";
}

/* After Tab with several candidates: the list to show, or NULL. */
const char *cmdline_candidates(const struct cmdline *c)
{
	return c ? c->candidates : NULL;
}

/* Draw prompt and line in one row of win at y, scrolled so the cursor is
 * visible, and leave the window's cursor there. */
void cmdline_draw(struct cmdline *c, WINDOW *win, int y, int width, attr_t attr)
{
	const LineInfoW *li = el_wline(c->el);
	size_t n = line_len(li), cur = (size_t)(li->cursor - li->buffer), i;
	const char *shown = c->searching && c->search_prompt ? c->search_prompt : c->prompt;
	wchar_t *prompt = utf8_to_wide(shown ? shown : "");
	int pw = 0, avail, col, cursor_col = 0, cursor_w = 1, x;

	if (width <= 0)
		width = getmaxx(win);
	if (cur > n)
		cur = n;
	wattrset(win, attr);
	wmove(win, y, 0);
	/* The prompt, so that at least a few columns stay for the line. One
	 * too wide loses its beginning, not its end: the end says what to
	 * type ("… Type its ID to confirm: "). */
	if (prompt) {
		int max_pw = width > 8 ? width - 8 : 0, total = 0;
		size_t from = 0;

		for (i = 0; prompt[i]; i++)
			total += char_width(prompt[i]);
		if (total > max_pw && max_pw > 1) {
			while (prompt[from] && total > max_pw - 1)
				total -= char_width(prompt[from++]);
			waddnwstr(win, L"…", 1);
			pw = 1;
		}
		for (i = from; prompt[i]; i++) {
			int w = char_width(prompt[i]);

			if (pw + w > max_pw)
				break;
			if (drawable(prompt[i]))
				waddnwstr(win, &prompt[i], 1);
			else
				waddch(win, '?');
			pw += w;
		}
		free(prompt);
	}
	avail = width - pw;
	if (avail < 1)
		avail = 1;

	for (i = 0; i < cur; i++)
		cursor_col += char_width(li->buffer[i]);
	if (cur < n)
		cursor_w = char_width(li->buffer[cur]);
	if (cursor_w < 1)
		cursor_w = 1;
	/* All of it fits (the terminal grew): nothing stays out of sight. */
	int line_w = 0;
	for (i = 0; i < n; i++)
		line_w += char_width(li->buffer[i]);
	if (line_w + 1 <= avail)
		c->hscroll = 0;
	if (cursor_col < c->hscroll)
		c->hscroll = cursor_col > avail / 4 ? cursor_col - avail / 4 : 0;
	if (cursor_col + cursor_w > c->hscroll + avail)
		c->hscroll = cursor_col + cursor_w - avail;
	if (c->hscroll < 0)
		c->hscroll = 0;

	col = 0;
	x = pw;
	for (i = 0; i < n; i++) {
		wchar_t wc = li->buffer[i];
		int w = char_width(wc);

		if (col < c->hscroll) {
			/* A wide character cut by the left edge shows as blanks. */
			for (int j = 0; j < w; j++) {
				if (col + j >= c->hscroll) {
					waddch(win, ' ');
					x++;
				}
			}
			col += w;
			continue;
		}
		if (col - c->hscroll + w > avail)
			break;
		if (w == 0 && x == pw)
			continue;
		if (drawable(wc))
			waddnwstr(win, &wc, 1);
		else
			waddch(win, '?');
		col += w;
		x += w;
	}
	while (x < width) {
		waddch(win, ' ');
		x++;
	}
	wmove(win, y, pw + cursor_col - c->hscroll);
}

void cmdline_library_version(struct buf *b)
{
	buf_printf(b, "libedit %s (histedit %d.%d)\n", LBTUI_LIBEDIT_VERSION, LIBEDIT_MAJOR,
	           LIBEDIT_MINOR);
}
