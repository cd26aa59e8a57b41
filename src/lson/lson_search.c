#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "lson.h"
#include "lson_impl.h"

/* Searching a document: keys and scalar values, case-insensitive. */

/* ---- search ----------------------------------------------------------------- */

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Case-insensitive (ASCII) substring; needle already lower-case. */
static bool ci_contains(const char *hay, const char *needle, size_t nlen)
{
	unsigned char first = (unsigned char)needle[0];

	for (; *hay; hay++) {
		size_t k;

		if (lower((unsigned char)*hay) != first)
			continue;
		for (k = 1; k < nlen; k++)
			if (!hay[k] || lower((unsigned char)hay[k]) != (unsigned char)needle[k])
				break;
		if (k == nlen)
			return true;
		if (!hay[k])
			return false;
	}
	return false;
}

static bool node_matches(const struct lson_node *nd, const char *lneedle, size_t nlen)
{
	return (nd->key && ci_contains(nd->key, lneedle, nlen)) ||
	       (nd->value && ci_contains(nd->value, lneedle, nlen));
}

static char *lower_dup(const char *s)
{
	char *o = strdup(s);

	for (char *p = o; p && *p; p++)
		*p = (char)lower((unsigned char)*p);
	return o;
}

bool lson_matches(const struct lson_doc *d, int i, const char *needle)
{
	char *ln;
	bool m;

	if (!lson_valid_node(d, i) || !needle || !*needle)
		return false;
	ln = lower_dup(needle);
	if (!ln)
		return false;
	m = node_matches(&d->nodes[i], ln, strlen(ln));
	free(ln);
	return m;
}

int lson_search(const struct lson_doc *d, const char *needle, int from, int dir)
{
	long n, j, steps;
	size_t nlen;
	char *ln;
	int found = -1;

	if (!d || d->n == 0 || !needle || !*needle)
		return -1;
	n = (long)d->n;
	dir = dir < 0 ? -1 : 1;
	if (from < 0 || from >= n) {
		j = dir > 0 ? -1 : n; /* look at every node */
		steps = n;
	} else {
		j = from;
		steps = n - 1;
	}
	ln = lower_dup(needle);
	if (!ln)
		return -1;
	nlen = strlen(ln);
	for (long s = 0; s < steps; s++) {
		j += dir;
		if (j >= n)
			j = 0;
		else if (j < 0)
			j = n - 1;
		if (node_matches(&d->nodes[j], ln, nlen)) {
			found = (int)j;
			break;
		}
	}
	free(ln);
	return found;
}

size_t lson_search_all(const struct lson_doc *d, const char *needle, int **out)
{
	size_t n = 0, cap = 0;
	int *v = NULL;
	char *ln;

	*out = NULL;
	if (!d || d->n == 0 || !needle || !*needle)
		return 0;
	ln = lower_dup(needle);
	if (!ln)
		return (size_t)-1;
	size_t nlen = strlen(ln);
	for (size_t i = 0; i < d->n; i++) {
		if (!node_matches(&d->nodes[i], ln, nlen))
			continue;
		if (n == cap) {
			size_t c = cap ? cap * 2 : 64;
			int *nv = realloc(v, c * sizeof(*nv));
			if (!nv) {
				free(v);
				free(ln);
				return (size_t)-1;
			}
			v = nv;
			cap = c;
		}
		v[n++] = (int)i;
	}
	free(ln);
	*out = v;
	return n;
}
