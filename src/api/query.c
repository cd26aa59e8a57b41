#include "lbconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "util.h"

/* Free every member; the filter becomes empty (all NULL, limit 0). */
void room_filter_clear(struct room_filter *f)
{
	if (!f)
		return;
	free(f->query);
	free(f->prefix);
	kvv_free(&f->metadata);
	free(f->user_id);
	strv_free(&f->group_ids);
	free(f->organization_id);
	memset(f, 0, sizeof(*f));
}

/* Deep copy src into dst (which is overwritten, not freed); false on
 * allocation failure, with dst left empty. */
bool room_filter_copy(struct room_filter *dst, const struct room_filter *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->limit = src->limit;
	if ((src->query && !(dst->query = strdup(src->query))) ||
	    (src->prefix && !(dst->prefix = strdup(src->prefix))) ||
	    (src->user_id && !(dst->user_id = strdup(src->user_id))) ||
	    (src->organization_id && !(dst->organization_id = strdup(src->organization_id))) ||
	    !strv_copy(&dst->group_ids, &src->group_ids) ||
	    !kvv_copy(&dst->metadata, &src->metadata))
		goto fail;
	return true;
fail:
	room_filter_clear(dst);
	return false;
}

static bool quote_into(struct buf *b, const char *s)
{
	bool ok = buf_add(b, "\"", 1);

	for (; ok && *s; s++) {
		switch (*s) {
		case '"':
			ok = buf_adds(b, "\\\"");
			break;
		case '\\':
			ok = buf_adds(b, "\\\\");
			break;
		case '\n':
			ok = buf_adds(b, "\\n");
			break;
		case '\r':
			ok = buf_adds(b, "\\r");
			break;
		case '\t':
			ok = buf_adds(b, "\\t");
			break;
		default:
			ok = buf_add(b, s, 1);
		}
	}
	return ok && buf_add(b, "\"", 1);
}

/* Quote a string as a query-language string literal. Caller frees. */
char *query_quote(const char *s)
{
	struct buf b;

	buf_init(&b);
	if (!quote_into(&b, s ? s : "")) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static bool nonempty(const char *s)
{
	return s && *s;
}

/* Separate clauses with " AND ". */
static bool and_sep(struct buf *b)
{
	return b->len == 0 || buf_adds(b, " AND ");
}

/* The query-language text for the filter, or NULL. Caller frees. */
char *room_filter_query(const struct room_filter *f)
{
	struct buf b;
	bool ok = true;

	if (!f)
		return NULL;
	buf_init(&b);
	if (nonempty(f->query)) {
		/* Trim the user's surrounding blanks so joins stay tidy. */
		const char *s = f->query, *e;

		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > s)
			ok = buf_add(&b, s, (size_t)(e - s));
	}
	if (ok && nonempty(f->prefix))
		ok = and_sep(&b) && buf_adds(&b, "roomId^") && quote_into(&b, f->prefix);
	for (size_t i = 0; ok && i < f->metadata.n; i++) {
		const struct kv *kv = &f->metadata.v[i];

		if (!kv->key || kv->list.n == 0 || !kv->list.v[0])
			continue;
		ok = and_sep(&b) && buf_adds(&b, "metadata[") && quote_into(&b, kv->key) &&
		     buf_adds(&b, "]:") && quote_into(&b, kv->list.v[0]);
	}
	if (!ok || b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Percent-encode s (RFC 3986 unreserved kept). Caller frees. */
char *url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = s ? strlen(s) : 0, o = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	out = malloc(len * 3 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}

/* Append "&name=encoded(value)" (no '&' for the first parameter). */
static bool add_param(struct buf *b, const char *name, const char *value)
{
	char *enc = url_encode(value);
	bool ok;

	if (!enc)
		return false;
	ok = (b->len == 0 || buf_add(b, "&", 1)) && buf_adds(b, name) && buf_add(b, "=", 1) &&
	     buf_adds(b, enc);
	free(enc);
	return ok;
}

/* The filtering parameters (no limit, no cursor), without a leading '?'. */
static bool filter_params(struct buf *b, const struct room_filter *f)
{
	char *q = room_filter_query(f);
	bool ok = true;

	if (q) {
		ok = add_param(b, "query", q);
		free(q);
	}
	if (ok && nonempty(f->user_id))
		ok = add_param(b, "userId", f->user_id);
	if (ok) {
		bool first = true;

		for (size_t i = 0; ok && i < f->group_ids.n; i++) {
			char *enc;

			if (!nonempty(f->group_ids.v[i]))
				continue;
			enc = url_encode(f->group_ids.v[i]);
			if (!enc)
				return false;
			if (first)
				ok =
				    (b->len == 0 || buf_add(b, "&", 1)) && buf_adds(b, "groupIds=");
			else
				ok = buf_add(b, ",", 1);
			ok = ok && buf_adds(b, enc);
			first = false;
			free(enc);
		}
	}
	if (ok && nonempty(f->organization_id))
		ok = add_param(b, "organizationId", f->organization_id);
	return ok;
}

/* The URL query string for GET /v2/rooms ("?..." or ""). Caller frees. */
char *room_filter_params(const struct room_filter *f, const char *cursor)
{
	struct buf b, out;
	bool ok = true;

	buf_init(&b);
	if (f && f->limit > 0)
		ok = buf_printf(&b, "limit=%d", f->limit);
	if (ok && nonempty(cursor))
		ok = add_param(&b, "startingAfter", cursor);
	if (ok && f)
		ok = filter_params(&b, f);
	buf_init(&out);
	if (ok && b.len)
		ok = buf_add(&out, "?", 1) && buf_add(&out, b.data, b.len);
	buf_free(&b);
	if (!ok) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* A stable cache key for the filter ("" when unfiltered). The page size is
 * not part of it: it does not change which rooms the list holds. */
char *room_filter_key(const struct room_filter *f)
{
	struct buf b;

	buf_init(&b);
	if (f && !filter_params(&b, f)) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Append to out at *off, truncating silently. */
static void describe_add(char *out, size_t n, size_t *off, const char *s)
{
	size_t len = strlen(s);

	if (*off + 1 >= n)
		return;
	if (len > n - *off - 1)
		len = n - *off - 1;
	memcpy(out + *off, s, len);
	*off += len;
	out[*off] = '\0';
}

/* A short human description: `roomId^"a" user:bob groups:x,y`. */
void room_filter_describe(const struct room_filter *f, char *out, size_t n)
{
	size_t off = 0;
	char *q;

	if (!out || n == 0)
		return;
	out[0] = '\0';
	if (!f)
		return;
	q = room_filter_query(f);
	if (q) {
		describe_add(out, n, &off, q);
		free(q);
	}
	if (nonempty(f->user_id)) {
		describe_add(out, n, &off, off ? " user:" : "user:");
		describe_add(out, n, &off, f->user_id);
	}
	for (size_t i = 0, k = 0; i < f->group_ids.n; i++) {
		if (!nonempty(f->group_ids.v[i]))
			continue;
		if (k++ == 0)
			describe_add(out, n, &off, off ? " groups:" : "groups:");
		else
			describe_add(out, n, &off, ",");
		describe_add(out, n, &off, f->group_ids.v[i]);
	}
	if (nonempty(f->organization_id)) {
		describe_add(out, n, &off, off ? " org:" : "org:");
		describe_add(out, n, &off, f->organization_id);
	}
}
