/* Lists of strings and maps from strings to string lists: permissions,
 * metadata, accesses, IDs. */
#ifndef LB_STRV_H
#define LB_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* A string list, e.g. permissions or a string[] metadata value. */
struct strv {
	char **v;
	size_t n;
};

/* One entry of a map to strings or string lists. For metadata, is_list says
 * whether the value was a string[] (then list holds it) or a string
 * (then list.n == 1). For accesses, list is the permission list. */
struct kv {
	char *key;
	struct strv list;
	bool is_list;
};

struct kvv {
	struct kv *v;
	size_t n;
};

void strv_free(struct strv *s);
bool strv_push(struct strv *s, const char *str);
/* "a, b, c" into out. */
void strv_join(const struct strv *s, const char *sep, char *out, size_t n);
void kvv_free(struct kvv *m);
/* Deep copies into dst (overwritten, not freed first); false on
 * allocation failure, dst then empty. */
bool strv_copy(struct strv *dst, const struct strv *src);
bool kvv_copy(struct kvv *dst, const struct kvv *src);

/* Append src to out (n bytes) at *pos, cut at n - 1 bytes, NUL-ended. */
void str_append(char *out, size_t n, size_t *pos, const char *src);

size_t str_bytes(const char *s);
size_t strv_bytes(const struct strv *s);
size_t kvv_bytes(const struct kvv *m);

#endif
