#include "lbconfig.h"

#include "endpoints.h"

#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "util.h"

/* The flag words of endpoints.def. */
#define IDEMPOTENT  EPF_IDEMPOTENT
#define MUTATION    EPF_MUTATION
#define SECRET_BODY EPF_SECRET_BODY
#define DESTRUCTIVE EPF_DESTRUCTIVE

static const struct endpoint table[EP_COUNT] = {
#define EP(id, method, path, flags, what) [EP_##id] = {#id, HTTP_##method, path, flags, what},
#include "endpoints.def"
#undef EP
};

/* The row of an endpoint; NULL outside the table. */
const struct endpoint *endpoint_get(enum endpoint_id id)
{
	return (unsigned)id < EP_COUNT ? &table[id] : NULL;
}

/* The row whose ID is name. */
const struct endpoint *endpoint_by_name(const char *name)
{
	for (int i = 0; name && i < EP_COUNT; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* Whether the endpoint's row has flag. */
bool endpoint_has(enum endpoint_id id, enum endpoint_flag flag)
{
	const struct endpoint *e = endpoint_get(id);

	return e && (e->flags & flag);
}

/* How many {param}s the path has. */
size_t endpoint_params(const struct endpoint *e)
{
	size_t n = 0;

	for (const char *p = e->path; (p = strchr(p, '{')); p++)
		n++;
	return n;
}

/* A path parameter percent-encoded. "." and ".." would be taken as a move
 * up the path by curl and by servers: a segment of dots only has every
 * dot encoded too. */
static char *encode_param(const char *s)
{
	char *enc;

	if (strspn(s, ".") != strlen(s))
		return url_encode(s);
	enc = malloc(strlen(s) * 3 + 1);
	if (!enc)
		return NULL;
	enc[0] = '\0';
	for (size_t i = 0; s[i]; i++)
		memcpy(enc + 3 * i, "%2E", 4);
	return enc;
}

/* base + the path with its params + ?query; see endpoints.h. */
char *endpoint_url(const struct endpoint *e, const char *base, const char *const *params, size_t n,
                   const char *query)
{
	struct buf b;
	size_t used = 0;
	const char *p;
	bool ok;

	if (!e || n != endpoint_params(e))
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!params[i] || !params[i][0])
			return NULL;
	buf_init(&b);
	ok = buf_adds(&b, base ? base : "");
	for (p = e->path; ok && *p;) {
		const char *open = strchr(p, '{');
		char *enc;

		if (!open) {
			ok = buf_adds(&b, p);
			break;
		}
		ok = buf_add(&b, p, (size_t)(open - p));
		enc = ok ? encode_param(params[used++]) : NULL;
		ok = enc && buf_adds(&b, enc);
		free(enc);
		p = strchr(open, '}');
		p = p ? p + 1 : open + strlen(open);
	}
	if (ok && query && *query)
		ok = buf_add(&b, "?", 1) && buf_adds(&b, query);
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}
