#include "lbconfig.h"

#include "scope.h"

#include <stdlib.h>
#include <string.h>

#include "term_safe.h"
#include "util.h"

static const char *const part_names[] = {
    [SCOPE_NONE] = "",       [SCOPE_ROOM] = "room",       [SCOPE_USER] = "user",
    [SCOPE_GROUP] = "group", [SCOPE_COPILOT] = "copilot",
};

/* Where s keeps part p (p one of the parts). */
static const char **slot(struct scope *s, enum scope_part p)
{
	switch (p) {
	case SCOPE_ROOM:
		return &s->room;
	case SCOPE_USER:
		return &s->user;
	case SCOPE_GROUP:
		return &s->group;
	case SCOPE_COPILOT:
		return &s->copilot;
	case SCOPE_NONE:
		break;
	}
	return NULL;
}

const char *scope_part_name(enum scope_part p)
{
	return (unsigned)p <= SCOPE_LAST ? part_names[p] : "";
}

const char *scope_get(const struct scope *s, enum scope_part p)
{
	const char **where = slot((struct scope *)s, p);
	return where ? *where : NULL;
}

char *scope_name(const struct scope *s)
{
	struct buf b;
	int held = 0;
	bool ok = true;

	for (enum scope_part p = SCOPE_ROOM; p <= SCOPE_LAST; p++)
		held += scope_get(s, p) != NULL;
	held += s->thread != NULL;
	buf_init(&b);
	for (enum scope_part p = SCOPE_ROOM; p <= SCOPE_LAST && ok; p++) {
		const char *id = scope_get(s, p);
		if (!id)
			continue;
		char *safe = ts_sanitize(id, (size_t)-1);
		if (held > 1)
			ok = safe &&
			     buf_printf(&b, "%s%s %s", b.len ? ", " : "", part_names[p], safe);
		else
			ok = safe && buf_adds(&b, safe);
		free(safe);
	}
	if (ok && s->thread) {
		char *safe = ts_sanitize(s->thread, (size_t)-1);
		ok = safe && (held > 1 ? buf_printf(&b, "%sthread %s", b.len ? ", " : "", safe)
		                       : buf_adds(&b, safe));
		free(safe);
	}
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

bool scope_copy(struct scope *dst, const struct scope *src)
{
	*dst = (struct scope){0};
	for (enum scope_part p = SCOPE_ROOM; p <= SCOPE_LAST; p++) {
		const char *id = scope_get(src, p);
		if (id && !(*slot(dst, p) = strdup(id))) {
			scope_free(dst);
			return false;
		}
	}
	if (src->thread && !(dst->thread = strdup(src->thread))) {
		scope_free(dst);
		return false;
	}
	return true;
}

void scope_free(struct scope *s)
{
	for (enum scope_part p = SCOPE_ROOM; p <= SCOPE_LAST; p++) {
		const char **where = slot(s, p);
		free((char *)*where);
		*where = NULL;
	}
	free((char *)s->thread);
	s->thread = NULL;
}
