#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "room.h"
#include "utf8.h"

/* Free the room's members (not the struct itself); times become -1. */
void room_clear(struct room *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->organization_id);
	free(r->created_at);
	free(r->last_connection_at);
	strv_free(&r->default_accesses);
	kvv_free(&r->users_accesses);
	kvv_free(&r->groups_accesses);
	kvv_free(&r->metadata);
	free(r->raw_json);
	memset(r, 0, sizeof(*r));
	r->created_s = -1;
	r->last_connection_s = -1;
}

/* Copy an optional string; false only when allocation failed. */
static bool dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return true;
	*dst = strdup(src);
	return *dst != NULL;
}

/* Deep copy into dst; false on allocation failure (dst is then cleared). */
bool room_copy(struct room *dst, const struct room *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->created_s = src->created_s;
	dst->last_connection_s = src->last_connection_s;
	if (!dup_opt(&dst->id, src->id) || !dup_opt(&dst->organization_id, src->organization_id) ||
	    !dup_opt(&dst->created_at, src->created_at) ||
	    !dup_opt(&dst->last_connection_at, src->last_connection_at) ||
	    !dup_opt(&dst->raw_json, src->raw_json) ||
	    !strv_copy(&dst->default_accesses, &src->default_accesses) ||
	    !kvv_copy(&dst->users_accesses, &src->users_accesses) ||
	    !kvv_copy(&dst->groups_accesses, &src->groups_accesses) ||
	    !kvv_copy(&dst->metadata, &src->metadata)) {
		room_clear(dst);
		return false;
	}
	return true;
}

/* Approximate heap bytes held, for the cache's memory budget. */
size_t room_bytes(const struct room *r)
{
	if (!r)
		return 0;
	return sizeof(*r) + str_bytes(r->id) + str_bytes(r->organization_id) +
	       str_bytes(r->created_at) + str_bytes(r->last_connection_at) +
	       str_bytes(r->raw_json) + strv_bytes(&r->default_accesses) +
	       kvv_bytes(&r->users_accesses) + kvv_bytes(&r->groups_accesses) +
	       kvv_bytes(&r->metadata);
}

static bool strv_is(const struct strv *s, const char *const *want, size_t n)
{
	if (s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!s->v[i] || strcmp(s->v[i], want[i]) != 0)
			return false;
	return true;
}

/* "private" ([]), "public" (["room:write"]), "read-only"
 * (["room:read", "room:presence:write"]), else the permissions joined. */
void room_access_summary(const struct room *r, char *out, size_t n)
{
	static const char *const pub[] = {"room:write"};
	static const char *const ro[] = {"room:read", "room:presence:write"};
	const struct strv *a;

	if (!out || n == 0)
		return;
	out[0] = '\0';
	if (!r)
		return;
	a = &r->default_accesses;
	if (a->n == 0)
		snprintf(out, n, "private");
	else if (strv_is(a, pub, 1))
		snprintf(out, n, "public");
	else if (strv_is(a, ro, 2))
		snprintf(out, n, "read-only");
	else
		strv_join(a, ", ", out, n);
}

/* "k=v, k2=[a,b]" summary of metadata (raw, not terminal-safe). */
void room_metadata_summary(const struct room *r, char *out, size_t n)
{
	size_t pos = 0;

	if (!out || n == 0)
		return;
	out[0] = '\0';
	if (!r)
		return;
	for (size_t i = 0; i < r->metadata.n; i++) {
		const struct kv *e = &r->metadata.v[i];

		if (i)
			str_append(out, n, &pos, ", ");
		str_append(out, n, &pos, e->key ? e->key : "");
		str_append(out, n, &pos, "=");
		if (e->is_list) {
			str_append(out, n, &pos, "[");
			for (size_t j = 0; j < e->list.n; j++) {
				if (j)
					str_append(out, n, &pos, ",");
				str_append(out, n, &pos, e->list.v[j] ? e->list.v[j] : "");
			}
			str_append(out, n, &pos, "]");
		} else if (e->list.n > 0) {
			str_append(out, n, &pos, e->list.v[0] ? e->list.v[0] : "");
		}
	}
}

/* Free the rooms and the cursor; the page becomes empty. */
void room_page_clear(struct room_page *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		room_clear(&p->rooms[i]);
	free(p->rooms);
	free(p->next_cursor);
	p->rooms = NULL;
	p->n = 0;
	p->next_cursor = NULL;
}

/* ---- IDs ---- */

/* Check an ID given for the API before anything is sent. */
bool room_check_id(const char *id, const char *what, size_t max_units, bool no_controls,
                   struct lb_error *err)
{
	const unsigned char *p = (const unsigned char *)id;
	size_t n = strlen(id), units = 0;

	if (n == 0) {
		lb_error_set(err, LB_USAGE, "%s must not be empty", what);
		return false;
	}
	for (size_t i = 0; i < n;) {
		long cp;
		size_t k = utf8_decode(p + i, n - i, &cp);
		if (cp < 0) {
			lb_error_set(err, LB_USAGE, "%s is not valid UTF-8", what);
			return false;
		}
		if (no_controls && (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))) {
			lb_error_set(err, LB_USAGE, "%s must not contain control characters", what);
			return false;
		}
		units += cp > 0xffff ? 2 : 1;
		i += k;
	}
	if (max_units && units > max_units) {
		lb_error_set(err, LB_USAGE, "%s is %zu characters long; the API takes at most %zu",
		             what, units, max_units);
		return false;
	}
	return true;
}
