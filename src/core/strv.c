#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "strv.h"

/* Free every string and the vector; the list becomes empty. */
void strv_free(struct strv *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* Append a copy of str; false on allocation failure (list unchanged). */
bool strv_push(struct strv *s, const char *str)
{
	char **v;
	char *copy;

	if (!s || !str)
		return false;
	copy = strdup(str);
	if (!copy)
		return false;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v) {
		free(copy);
		return false;
	}
	v[s->n++] = copy;
	s->v = v;
	return true;
}

/* Append src to out at *pos, truncating at n - 1 bytes. */
void str_append(char *out, size_t n, size_t *pos, const char *src)
{
	size_t len = strlen(src);

	if (*pos + 1 >= n)
		return;
	if (len > n - 1 - *pos)
		len = n - 1 - *pos;
	memcpy(out + *pos, src, len);
	*pos += len;
	out[*pos] = '\0';
}

/* "a, b, c" into out (always NUL-terminated when n > 0). */
void strv_join(const struct strv *s, const char *sep, char *out, size_t n)
{
	size_t pos = 0;

	if (!out || n == 0)
		return;
	out[0] = '\0';
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			str_append(out, n, &pos, sep ? sep : "");
		str_append(out, n, &pos, s->v[i] ? s->v[i] : "");
	}
}

/* Free every entry and the vector; the map becomes empty. */
void kvv_free(struct kvv *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		strv_free(&m->v[i].list);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* Copy src into dst (which is overwritten); false on allocation failure
 * (dst is then empty). */
bool strv_copy(struct strv *dst, const struct strv *src)
{
	dst->v = NULL;
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++) {
		if (!strv_push(dst, src->v[i] ? src->v[i] : "")) {
			strv_free(dst);
			return false;
		}
	}
	return true;
}

/* Copy src into dst (which is overwritten); false on allocation failure
 * (dst is then empty). */
bool kvv_copy(struct kvv *dst, const struct kvv *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return true;
	dst->v = calloc(src->n, sizeof(*dst->v));
	if (!dst->v)
		return false;
	for (size_t i = 0; i < src->n; i++) {
		struct kv *d = &dst->v[i];

		dst->n = i + 1;
		d->is_list = src->v[i].is_list;
		d->key = strdup(src->v[i].key ? src->v[i].key : "");
		if (!d->key || !strv_copy(&d->list, &src->v[i].list)) {
			kvv_free(dst);
			return false;
		}
	}
	return true;
}

/* Heap bytes of a string, a list, a map (for the cache's budget). */
size_t str_bytes(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

size_t strv_bytes(const struct strv *s)
{
	size_t b = s->n * sizeof(char *);

	for (size_t i = 0; i < s->n; i++)
		b += str_bytes(s->v[i]);
	return b;
}

size_t kvv_bytes(const struct kvv *m)
{
	size_t b = m->n * sizeof(struct kv);

	for (size_t i = 0; i < m->n; i++)
		b += str_bytes(m->v[i].key) + strv_bytes(&m->v[i].list);
	return b;
}
