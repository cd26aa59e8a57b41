#include "lbconfig.h"

#include "reqlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term_safe.h"
#include "utf8.h"
#include "util.h"

struct listener {
	reqlog_fn fn;
	void *ud;
};

struct reqlog {
	struct reqlog_entry *ring; /* max slots, the oldest at start */
	size_t max, start, n;
	unsigned long next_seq;
	struct listener *ls;
	size_t n_ls;
};

/* Free an entry's strings (not the entry). */
void reqlog_entry_clear(struct reqlog_entry *e)
{
	if (!e)
		return;
	free(e->url);
	free(e->failure);
	free(e->warn);
	free(e->rate_limit);
	free(e->rate_remaining);
	free(e->rate_reset);
	free(e->retry_after);
	free(e->content_type);
	free(e->body);
	memset(e, 0, sizeof(*e));
	e->retry_in_ms = -1;
}

/* A ring of at most max entries. */
struct reqlog *reqlog_new(size_t max)
{
	struct reqlog *l = calloc(1, sizeof(*l));

	if (!l || max == 0 || !(l->ring = calloc(max, sizeof(*l->ring)))) {
		free(l);
		return NULL;
	}
	l->max = max;
	l->next_seq = 1;
	return l;
}

void reqlog_free(struct reqlog **lp)
{
	struct reqlog *l = lp ? *lp : NULL;

	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		reqlog_entry_clear(&l->ring[(l->start + i) % l->max]);
	free(l->ring);
	free(l->ls);
	free(l);
	*lp = NULL;
}

/* Add an entry (its strings taken), then tell the listeners. */
void reqlog_add(struct reqlog *l, struct reqlog_entry *e)
{
	struct reqlog_entry *slot;

	if (!l) {
		reqlog_entry_clear(e);
		return;
	}
	if (l->n == l->max) {
		reqlog_entry_clear(&l->ring[l->start]);
		l->start = (l->start + 1) % l->max;
		l->n--;
	}
	slot = &l->ring[(l->start + l->n) % l->max];
	*slot = *e;
	slot->seq = l->next_seq++;
	l->n++;
	memset(e, 0, sizeof(*e));
	e->retry_in_ms = -1;
	/* By index: a listener may stop listening. */
	for (size_t i = 0; i < l->n_ls; i++)
		l->ls[i].fn(slot, l->ls[i].ud);
}

size_t reqlog_count(const struct reqlog *l)
{
	return l ? l->n : 0;
}

/* Entry i, 0 the newest. */
const struct reqlog_entry *reqlog_get(const struct reqlog *l, size_t i)
{
	if (!l || i >= l->n)
		return NULL;
	return &l->ring[(l->start + l->n - 1 - i) % l->max];
}

/* The index of the entry with this seq, or -1. Seqs are consecutive. */
long reqlog_find(const struct reqlog *l, unsigned long seq)
{
	const struct reqlog_entry *newest = reqlog_get(l, 0);

	if (!newest || seq > newest->seq || newest->seq - seq >= l->n)
		return -1;
	return (long)(newest->seq - seq);
}

bool reqlog_listen(struct reqlog *l, reqlog_fn fn, void *ud)
{
	struct listener *v;

	if (!l)
		return false;
	v = realloc(l->ls, (l->n_ls + 1) * sizeof(*v));
	if (!v)
		return false;
	l->ls = v;
	l->ls[l->n_ls++] = (struct listener){fn, ud};
	return true;
}

void reqlog_unlisten(struct reqlog *l, reqlog_fn fn, void *ud)
{
	for (size_t i = 0; l && i < l->n_ls; i++)
		if (l->ls[i].fn == fn && l->ls[i].ud == ud) {
			memmove(&l->ls[i], &l->ls[i + 1], (l->n_ls - i - 1) * sizeof(*l->ls));
			l->n_ls--;
			return;
		}
}

/* ---- the -v line ---- */

/* The entry as one line; see reqlog.h. */
char *reqlog_line(const struct reqlog_entry *e)
{
	struct buf b;
	bool ok;

	buf_init(&b);
	ok = buf_printf(&b, "http: %s %s ", http_method_name(e->method), e->path ? e->path : "");
	if (ok && e->status)
		ok = buf_printf(&b, "%ld", e->status) &&
		     (!e->failure || buf_printf(&b, " (%s)", e->failure));
	else if (ok)
		ok = buf_printf(&b, "failed (%s)", e->failure ? e->failure : "no answer");
	ok = ok && buf_printf(&b, " %lld ms %lld bytes %s", e->ms, e->bytes,
	                      e->endpoint ? e->endpoint : "-");
	if (ok && e->retry > 0)
		ok = buf_printf(&b, "; retry %d", e->retry);
	if (ok && e->retry_in_ms >= 0)
		ok = buf_printf(&b, "; retry in %ld ms", e->retry_in_ms);
	if (ok && (e->rate_limit || e->rate_remaining || e->rate_reset))
		ok = buf_printf(&b, "; rate limit %s, remaining %s, reset %s",
		                e->rate_limit ? e->rate_limit : "?",
		                e->rate_remaining ? e->rate_remaining : "?",
		                e->rate_reset ? e->rate_reset : "?");
	if (ok && e->retry_after)
		ok = buf_printf(&b, "; retry-after %s", e->retry_after);
	if (ok && e->warn)
		ok = buf_printf(&b, "; warn: %s", e->warn);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* ---- the request as a curl command ---- */

/* s[0..len) quoted for a POSIX shell: '…', each ' inside as '\''. */
static bool shell_quote(struct buf *b, const char *s, size_t len)
{
	bool ok = buf_add(b, "'", 1);

	for (size_t i = 0; ok && i < len; i++)
		ok = s[i] == '\'' ? buf_adds(b, "'\\''") : buf_add(b, &s[i], 1);
	return ok && buf_add(b, "'", 1);
}

/* Whether a body can be written into a command: text (UTF-8 without
 * control characters but line breaks and tabs) that is not declared as
 * bytes. */
static bool body_is_text(const struct reqlog_entry *e)
{
	const unsigned char *p = (const unsigned char *)e->body;
	size_t i = 0;

	if (e->content_type && strstr(e->content_type, "octet-stream"))
		return false;
	while (i < e->body_len) {
		long c;
		size_t n = utf8_decode(p + i, e->body_len - i, &c);

		if (c < 0 || (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
			return false;
		i += n;
	}
	return true;
}

/* The request as a curl command; see reqlog.h. */
char *reqlog_curl(const struct reqlog_entry *e)
{
	struct buf b;
	bool ok = true;
	bool with_body = e->body_total > 0;

	buf_init(&b);
	if (with_body && e->body_secret) {
		ok = buf_printf(&b,
		                "# The body (%zu bytes) holds what looks like a secret key and is "
		                "left out: add --data-binary @FILE.\n",
		                e->body_total);
		with_body = false;
	} else if (with_body && (!e->body || e->body_total > e->body_len)) {
		ok = buf_printf(&b,
		                "# The body (%zu bytes) is longer than %d KiB and is left out: "
		                "add --data-binary @FILE.\n",
		                e->body_total, REQLOG_BODY_MAX / 1024);
		with_body = false;
	} else if (with_body && !body_is_text(e)) {
		ok = buf_printf(&b,
		                "# The body (%zu bytes) is binary and is left out: "
		                "add --data-binary @FILE.\n",
		                e->body_total);
		with_body = false;
	}
	ok = ok && buf_printf(&b, "curl -X %s ", http_method_name(e->method)) &&
	     shell_quote(&b, e->url ? e->url : "", e->url ? strlen(e->url) : 0) &&
	     buf_adds(&b, " \\\n  -H \"Authorization: Bearer $LIVEBLOCKS_SECRET_KEY\"");
	if (ok && e->content_type) {
		struct buf h;

		buf_init(&h);
		ok = buf_printf(&h, "Content-Type: %s", e->content_type) &&
		     buf_adds(&b, " \\\n  -H ") && shell_quote(&b, h.data, h.len);
		buf_free(&h);
	}
	if (ok && with_body)
		ok = buf_adds(&b, " \\\n  --data-binary ") && shell_quote(&b, e->body, e->body_len);
	ok = ok && buf_adds(&b, "\n");
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
