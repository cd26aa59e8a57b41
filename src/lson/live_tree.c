#include "lbconfig.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live_tree.h"
#include "lson_impl.h"
#include "util.h"

/* The node types of compact nodes (@liveblocks/core's CrdtType). */
enum node_type { NT_OBJECT, NT_LIST, NT_MAP, NT_REGISTER, NT_TEXT, NT_FILE, NT_COUNT };

struct node {
	char *id;
	enum node_type type;
	struct node *parent;
	char *key;   /* the parent key: an object's or map's key, a list position */
	char *parent_id; /* while loading: the parent may come later */
	bool reached;    /* while linking: reached from the root */
	cJSON *data; /* an object's plain fields; a register's value; text, file: as sent */
	/* Children, sorted by key (positions sort as strings, as the SDK's
	 * `<` sorts them). */
	struct node **kids;
	size_t n_kids, cap_kids;
	struct node *next_in_bucket;
};

struct live_tree {
	struct node **buckets;
	size_t n_buckets, n_nodes;
	struct node *root;
	bool linked;
};

/* ---- positions (@liveblocks/core's lib/position.ts) --------------------- */

#define POS_MIN 32
#define POS_MAX 126
#define POS_DIGITS (POS_MAX - POS_MIN + 1)

static char *pos_before(const char *pos)
{
	size_t last = strlen(pos) - 1;

	for (size_t i = 0; i <= last; i++) {
		unsigned char c = (unsigned char)pos[i];
		char *out;

		if (c <= POS_MIN)
			continue;
		if (i < last)
			return strndup(pos, i + 1);
		if (!(out = malloc(i + 3)))
			return NULL;
		memcpy(out, pos, i);
		if (c == POS_MIN + 1) {
			out[i] = (char)POS_MIN;
			out[i + 1] = (char)POS_MAX;
			out[i + 2] = '\0';
		} else {
			out[i] = (char)(c - 1);
			out[i + 1] = '\0';
		}
		return out;
	}
	return strdup("!");
}

/* pos + 1 in its first viewport digits, NULL when it carries out. */
static char *pos_increment(const char *pos, size_t viewport)
{
	size_t len = strlen(pos);
	char *out = malloc(viewport + 1);
	int carry = 1;

	if (!out)
		return NULL;
	for (size_t i = 0; i < viewport; i++)
		out[i] = (char)(i < len ? pos[i] - POS_MIN : 0);
	for (size_t i = viewport; i-- > 0 && carry;) {
		int sum = out[i] + carry;

		carry = sum >= POS_DIGITS;
		out[i] = (char)(carry ? 0 : sum);
	}
	if (carry) {
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < viewport; i++)
		out[i] = (char)(out[i] + POS_MIN);
	out[viewport] = '\0';
	while (viewport > 1 && out[viewport - 1] == POS_MIN)
		out[--viewport] = '\0';
	return out;
}

static char *pos_append_one(const char *pos)
{
	size_t len = strlen(pos);
	char *out = malloc(len + 2);

	if (out) {
		memcpy(out, pos, len);
		out[len] = '!';
		out[len + 1] = '\0';
	}
	return out;
}

static char *pos_after(const char *pos)
{
	size_t len = strlen(pos), viewport = 2;
	char *trimmed, *out;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)pos[i] < POS_MIN || (unsigned char)pos[i] > POS_MAX)
			return pos_append_one(pos);
	while (len > 1 && pos[len - 1] == POS_MIN)
		len--;
	if (len == 0 || (len == 1 && pos[0] == POS_MIN))
		return strdup("!");
	if (!(trimmed = strndup(pos, len)))
		return NULL;
	if (len > 2)
		viewport = 2 + (len - 2 + 2) / 3 * 3;
	if (!(out = pos_increment(trimmed, viewport)))
		out = pos_increment(trimmed, viewport + 3);
	if (!out)
		out = pos_append_one(trimmed);
	free(trimmed);
	return out;
}

/* Between lo and hi, lo < hi (hi "" reads as all nines). */
static char *pos_between_ordered(const char *lo, const char *hi)
{
	size_t lo_len = strlen(lo), hi_len = strlen(hi);

	for (size_t i = 0;; i++) {
		int lc = i < lo_len ? (unsigned char)lo[i] : POS_MIN;
		int hc = i < hi_len ? (unsigned char)hi[i] : POS_MAX;
		char *out;

		if (lc == hc)
			continue;
		if (hc - lc == 1) {
			/* lo's first i + 1 digits, then between the rest and nines. */
			char *rest = pos_between_ordered(i + 1 < lo_len ? lo + i + 1 : "", "");
			size_t rest_len;

			if (!rest)
				return NULL;
			rest_len = strlen(rest);
			if (!(out = malloc(i + 1 + rest_len + 1))) {
				free(rest);
				return NULL;
			}
			for (size_t k = 0; k <= i; k++)
				out[k] = k < lo_len ? lo[k] : (char)POS_MIN;
			memcpy(out + i + 1, rest, rest_len + 1);
			free(rest);
			return out;
		}
		if (!(out = malloc(i + 2)))
			return NULL;
		for (size_t k = 0; k < i; k++)
			out[k] = k < lo_len ? lo[k] : (char)POS_MIN;
		out[i] = (char)((hc + lc) >> 1);
		out[i + 1] = '\0';
		return out;
	}
}

char *live_position(const char *lo, const char *hi)
{
	int cmp;

	if (lo && hi) {
		cmp = strcmp(lo, hi);
		if (cmp == 0)
			return pos_after(lo);
		return cmp < 0 ? pos_between_ordered(lo, hi) : pos_between_ordered(hi, lo);
	}
	if (lo)
		return pos_after(lo);
	if (hi)
		return pos_before(hi);
	return strdup("!");
}

/* ---- the node map ------------------------------------------------------------ */

static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (size_t)h;
}

static struct node *find(const struct live_tree *t, const char *id)
{
	if (!id || !t->n_buckets)
		return NULL;
	for (struct node *n = t->buckets[hash(id) & (t->n_buckets - 1)]; n; n = n->next_in_bucket)
		if (!strcmp(n->id, id))
			return n;
	return NULL;
}

static bool grow(struct live_tree *t)
{
	size_t nb = t->n_buckets ? t->n_buckets * 2 : 1024;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return false;
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct node *n = t->buckets[i], *next; n; n = next) {
			size_t k = hash(n->id) & (nb - 1);

			next = n->next_in_bucket;
			n->next_in_bucket = b[k];
			b[k] = n;
		}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = nb;
	return true;
}

static bool insert_hash(struct live_tree *t, struct node *n)
{
	size_t k;

	if (t->n_nodes + 1 > t->n_buckets / 4 * 3 && !grow(t))
		return false;
	k = hash(n->id) & (t->n_buckets - 1);
	n->next_in_bucket = t->buckets[k];
	t->buckets[k] = n;
	t->n_nodes++;
	return true;
}

static void remove_hash(struct live_tree *t, struct node *n)
{
	struct node **p = &t->buckets[hash(n->id) & (t->n_buckets - 1)];

	for (; *p; p = &(*p)->next_in_bucket)
		if (*p == n) {
			*p = n->next_in_bucket;
			t->n_nodes--;
			return;
		}
}

static void node_free(struct node *n)
{
	free(n->id);
	free(n->key);
	free(n->parent_id);
	cJSON_Delete(n->data);
	free(n->kids);
	free(n);
}

/* Unhash and free n and everything below it. */
static void free_subtree(struct live_tree *t, struct node *n)
{
	for (size_t i = 0; i < n->n_kids; i++)
		free_subtree(t, n->kids[i]);
	remove_hash(t, n);
	if (t->root == n)
		t->root = NULL;
	node_free(n);
}

/* ---- children ----------------------------------------------------------------- */

/* The first child whose key is not below key. */
static size_t lower_bound(const struct node *p, const char *key)
{
	size_t lo = 0, hi = p->n_kids;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(p->kids[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct node *kid_at(const struct node *p, const char *key)
{
	size_t i = lower_bound(p, key);

	return i < p->n_kids && !strcmp(p->kids[i]->key, key) ? p->kids[i] : NULL;
}

static size_t kid_index(const struct node *p, const struct node *n)
{
	for (size_t i = lower_bound(p, n->key); i < p->n_kids; i++)
		if (p->kids[i] == n)
			return i;
	for (size_t i = 0; i < p->n_kids; i++)
		if (p->kids[i] == n)
			return i;
	return p->n_kids;
}

/* Put n among p's children by its key (after those with an equal one). */
static bool attach(struct node *p, struct node *n)
{
	size_t i = lower_bound(p, n->key);

	while (i < p->n_kids && !strcmp(p->kids[i]->key, n->key))
		i++;
	if (p->n_kids == p->cap_kids) {
		size_t cap = p->cap_kids ? p->cap_kids * 2 : 4;
		struct node **k = realloc(p->kids, cap * sizeof(*k));

		if (!k)
			return false;
		p->kids = k;
		p->cap_kids = cap;
	}
	memmove(p->kids + i + 1, p->kids + i, (p->n_kids - i) * sizeof(*p->kids));
	p->kids[i] = n;
	p->n_kids++;
	n->parent = p;
	return true;
}

static void detach(struct node *n)
{
	struct node *p = n->parent;
	size_t i;

	if (!p)
		return;
	i = kid_index(p, n);
	if (i < p->n_kids) {
		memmove(p->kids + i, p->kids + i + 1, (p->n_kids - i - 1) * sizeof(*p->kids));
		p->n_kids--;
	}
	n->parent = NULL;
}

/* ---- printing -------------------------------------------------------------------- */

static cJSON *to_json(const struct node *n, bool plain);

/* Add each child of n to out (an object by key, or an array). */
static bool add_kids(const struct node *n, cJSON *out, bool plain)
{
	for (size_t i = 0; i < n->n_kids; i++) {
		cJSON *v = to_json(n->kids[i], plain);

		if (!v)
			return false;
		if (cJSON_IsArray(out))
			cJSON_AddItemToArray(out, v);
		else
			cJSON_AddItemToObject(out, n->kids[i]->key, v);
	}
	return true;
}

static cJSON *wrap(const char *type, cJSON *data)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !data || !cJSON_AddStringToObject(o, "liveblocksType", type)) {
		cJSON_Delete(o);
		cJSON_Delete(data);
		return NULL;
	}
	cJSON_AddItemToObject(o, "data", data);
	return o;
}

static cJSON *to_json(const struct node *n, bool plain)
{
	cJSON *v = NULL;

	switch (n->type) {
	case NT_OBJECT:
		v = n->data ? cJSON_Duplicate(n->data, true) : cJSON_CreateObject();
		if (v && !add_kids(n, v, plain)) {
			cJSON_Delete(v);
			return NULL;
		}
		return plain ? v : wrap("LiveObject", v);
	case NT_MAP:
		v = cJSON_CreateObject();
		if (v && !add_kids(n, v, plain)) {
			cJSON_Delete(v);
			return NULL;
		}
		return plain ? v : wrap("LiveMap", v);
	case NT_LIST:
		v = cJSON_CreateArray();
		if (v && !add_kids(n, v, plain)) {
			cJSON_Delete(v);
			return NULL;
		}
		return plain ? v : wrap("LiveList", v);
	case NT_REGISTER:
		return n->data ? cJSON_Duplicate(n->data, true) : cJSON_CreateNull();
	case NT_TEXT:
	case NT_FILE:
		v = n->data ? cJSON_Duplicate(n->data, true) : cJSON_CreateNull();
		return plain ? v : wrap(n->type == NT_TEXT ? "LiveText" : "LiveFile", v);
	case NT_COUNT:
		break;
	}
	return NULL;
}

cJSON *live_tree_to_json(const struct live_tree *t, bool plain_json)
{
	return t->root ? to_json(t->root, plain_json) : NULL;
}

/* ---- the document, without JSON text ----------------------------------------- */

/* The builder is fed what to_json makes, value for value in the order
 * cJSON_PrintUnformatted prints it, so the document is the one lson_parse
 * makes of that text. */

struct doc_build {
	struct lson_builder *b;
	bool plain;
	const char *failed; /* what went wrong outside the builder, or NULL */
};

/* The text cJSON prints for d when d is the double nearest to a decimal
 * of at most 15 significant digits written without an exponent (0.0001
 * to 999999999999999, 0): "7400.01", "-3", "0.0005". Into out (at least
 * 32 bytes); its length, or 0 when d is not such a number. cJSON prints
 * "%1.15g", which rounds d's exact value to 15 significant digits: that
 * decimal, since d lies within half an ulp of it, far less than half a
 * 15th digit; and it reads back as d, so cJSON keeps it. Worth it:
 * printf's exact floating-point path and cJSON's check by sscanf cost
 * more than all the rest of a document. */
static size_t short_decimal(double d, char *out)
{
	static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
	                               1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
	const int n_pow = (int)(sizeof(pow10) / sizeof(pow10[0]));
	double a = fabs(d);
	unsigned long long m = 0, ip, fp, scale;
	char digits[24], *p = out;
	int k, nd = 0;

	if (d == 0 && !signbit(d)) {
		memcpy(out, "0", 2);
		return 1;
	}
	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	/* the fewest decimals that give d back */
	for (k = 0; k < n_pow; k++) {
		double x = a * pow10[k];
		unsigned long long r;

		if (x >= 1e15)
			return 0;
		/* x rounded (exact below 2^53, with no libm) */
		r = (unsigned long long)x;
		if (x - (double)r >= 0.5)
			r++;
		if ((double)r / pow10[k] == a) {
			m = r;
			break;
		}
	}
	if (k == n_pow || m == 0)
		return 0;
	scale = (unsigned long long)pow10[k];
	ip = m / scale;
	fp = m % scale;
	/* "%g" writes an exponent below 0.0001 */
	if (ip == 0 && fp < scale / 10000)
		return 0;
	if (d < 0)
		*p++ = '-';
	do
		digits[nd++] = (char)('0' + ip % 10);
	while (ip /= 10);
	while (nd > 0)
		*p++ = digits[--nd];
	if (fp) {
		*p++ = '.';
		for (int i = k - 1; i >= 0; i--, fp /= 10)
			digits[i] = (char)('0' + fp % 10);
		while (k > 0 && digits[k - 1] == '0')
			k--;
		memcpy(p, digits, (size_t)k);
		p += k;
	}
	*p = '\0';
	return (size_t)(p - out);
}

/* v as cJSON_PrintUnformatted prints it: an array's items without their
 * keys, nothing of a scalar's children. */
static bool build_json(struct doc_build *db, const cJSON *v, const char *key)
{
	struct lson_builder *b = db->b;
	const cJSON *it;

	switch (v->type & 0xFF) {
	case cJSON_Object:
	case cJSON_Array: {
		bool object = cJSON_IsObject(v);

		if (!lson_builder_open(b, object ? LSON_OBJECT : LSON_ARRAY, key))
			return false;
		cJSON_ArrayForEach(it, v)
		{
			if (!build_json(db, it, object ? (it->string ? it->string : "") : NULL))
				return false;
		}
		return lson_builder_close(b);
	}
	case cJSON_String:
		return lson_builder_leaf(b, LSON_STRING, key, v->valuestring,
		                         v->valuestring ? strlen(v->valuestring) : 0);
	case cJSON_Number: {
		/* Else cJSON's own text of the number (1e400 is "null"), printed
		 * into a buffer (it needs 26 bytes at most): no allocation. */
		cJSON num = {
		    .type = cJSON_Number, .valueint = v->valueint, .valuedouble = v->valuedouble};
		char text[64];
		size_t len = short_decimal(v->valuedouble, text);

		if (len)
			return lson_builder_leaf(b, LSON_NUMBER, key, text, len);
		if (!cJSON_PrintPreallocated(&num, text, sizeof(text), false)) {
			db->failed = "a number cJSON cannot print";
			return false;
		}
		if (!strcmp(text, "null"))
			return lson_builder_leaf(b, LSON_NULL, key, NULL, 0);
		return lson_builder_leaf(b, LSON_NUMBER, key, text, strlen(text));
	}
	case cJSON_True:
		return lson_builder_leaf(b, LSON_BOOL, key, "true", 4);
	case cJSON_False:
		return lson_builder_leaf(b, LSON_BOOL, key, "false", 5);
	case cJSON_NULL:
		return lson_builder_leaf(b, LSON_NULL, key, NULL, 0);
	default:
		/* cJSON's parser makes no other kind */
		db->failed = "a value that is not JSON";
		return false;
	}
}

/* A value made by to_json (the odd shapes), walked as JSON. */
static bool build_via_json(struct doc_build *db, const struct node *n, const char *key)
{
	cJSON *v = to_json(n, db->plain);
	bool ok;

	if (!v) {
		db->failed = "out of memory";
		return false;
	}
	ok = build_json(db, v, key);
	cJSON_Delete(v);
	return ok;
}

static bool build_node(struct doc_build *db, const struct node *n, const char *key)
{
	static const enum lson_type live[] = {
	    [NT_OBJECT] = LSON_LIVE_OBJECT, [NT_LIST] = LSON_LIVE_LIST, [NT_MAP] = LSON_LIVE_MAP};
	static const enum lson_type plain[] = {
	    [NT_OBJECT] = LSON_OBJECT, [NT_LIST] = LSON_ARRAY, [NT_MAP] = LSON_OBJECT};
	const cJSON *it;

	switch (n->type) {
	case NT_OBJECT:
		/* to_json prints data that is not an object without the children */
		if (n->data && !cJSON_IsObject(n->data))
			return build_via_json(db, n, key);
		/* fall through */
	case NT_LIST:
	case NT_MAP:
		if (!lson_builder_open(db->b, db->plain ? plain[n->type] : live[n->type], key))
			return false;
		if (n->type == NT_OBJECT && n->data) {
			cJSON_ArrayForEach(it, n->data)
			{
				if (!build_json(db, it, it->string ? it->string : ""))
					return false;
			}
		}
		for (size_t i = 0; i < n->n_kids; i++)
			if (!build_node(db, n->kids[i],
			                n->type == NT_LIST ? NULL : n->kids[i]->key))
				return false;
		return lson_builder_close(db->b);
	case NT_REGISTER:
		return n->data ? build_json(db, n->data, key)
		               : lson_builder_leaf(db->b, LSON_NULL, key, NULL, 0);
	case NT_TEXT:
	case NT_FILE:
		if (db->plain)
			return n->data ? build_json(db, n->data, key)
			               : lson_builder_leaf(db->b, LSON_NULL, key, NULL, 0);
		/* the wrapper, which the builder decodes as lson_parse does */
		return build_via_json(db, n, key);
	case NT_COUNT:
		break;
	}
	db->failed = "a node of an unknown type";
	return false;
}

/* About how many nodes the document of n has (the values of objects'
 * data counted, not what they hold), so that the builder makes room once. */
static size_t doc_size(const struct node *n)
{
	size_t size = 1 + (n->type == NT_OBJECT ? (size_t)cJSON_GetArraySize(n->data) : 0);

	for (size_t i = 0; i < n->n_kids; i++)
		size += doc_size(n->kids[i]);
	return size;
}

struct lson_doc *live_tree_to_doc(const struct live_tree *t, bool plain_json, struct lb_error *err)
{
	struct doc_build db = {lson_builder_new(!plain_json, t->root ? doc_size(t->root) : 0),
	                       plain_json, NULL};

	if (!t->root) {
		lson_builder_free(&db.b);
		lb_error_set(err, LB_DECODE, "%s", "the room's Storage has not come yet");
		return NULL;
	}
	if (db.b && !build_node(&db, t->root, NULL) && db.failed) {
		lson_builder_free(&db.b);
		lb_error_set(err, strcmp(db.failed, "out of memory") ? LB_DECODE : LB_NOMEM,
		             "the room's Storage as a document: %s", db.failed);
		return NULL;
	}
	return lson_builder_finish(&db.b, err);
}

/* Compact plain JSON of v (NULL for none). */
static char *print(const cJSON *v)
{
	char *p, *out;

	if (!v)
		return NULL;
	p = cJSON_PrintUnformatted(v);
	out = p ? strdup(p) : NULL;
	cJSON_free(p);
	return out;
}

static char *print_node(const struct node *n)
{
	cJSON *v = to_json(n, true);
	char *out = print(v);

	cJSON_Delete(v);
	return out;
}

/* The JSON Pointer of n, with key below it when not NULL. */
static char *pointer(const struct node *n, const char *key)
{
	struct buf b;
	const struct node *chain[512];
	size_t depth = 0;
	bool ok = true;

	buf_init(&b);
	for (const struct node *c = n; c && c->parent && depth < 512; c = c->parent)
		chain[depth++] = c;
	while (ok && depth-- > 0) {
		const struct node *c = chain[depth];

		if (c->parent->type == NT_LIST)
			ok = buf_printf(&b, "/%zu", kid_index(c->parent, c));
		else
			ok = lson_pointer_append(&b, c->key);
	}
	if (ok && key)
		ok = lson_pointer_append(&b, key);
	/* The root is the empty pointer. */
	if (ok && !b.data)
		ok = buf_add(&b, "", 0) && b.data;
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

void live_change_clear(struct live_change *c)
{
	free(c->path);
	free(c->from);
	free(c->before);
	free(c->after);
	memset(c, 0, sizeof(*c));
}

/* ---- loading ---------------------------------------------------------------------- */

struct live_tree *live_tree_new(void)
{
	return calloc(1, sizeof(struct live_tree));
}

void live_tree_free(struct live_tree **tp)
{
	struct live_tree *t = *tp;

	if (!t)
		return;
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct node *n = t->buckets[i], *next; n; n = next) {
			next = n->next_in_bucket;
			node_free(n);
		}
	free(t->buckets);
	free(t);
	*tp = NULL;
}

size_t live_tree_size(const struct live_tree *t)
{
	return t->n_nodes;
}

/* A node with its data: a copy of data, or data itself when own (it is
 * the node's then, detached from where it was). */
static struct node *node_new(const char *id, enum node_type type, const char *key, cJSON *data,
                             bool own)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->type = type;
	if (!(n->id = strdup(id)) || (key && !(n->key = strdup(key))) ||
	    (data && !own && !(n->data = cJSON_Duplicate(data, true)))) {
		node_free(n);
		return NULL;
	}
	if (data && own)
		n->data = data;
	return n;
}

/* Add the node it (a compact node of nodes); take: its data moves to the
 * node and it leaves nodes. -1 when out of memory, 0 when it is not a
 * node (err says why), 1 when added or already there. */
static int add_node(struct live_tree *t, cJSON *nodes, cJSON *it, bool take,
                    struct lb_error *err)
{
	const char *id = cJSON_GetStringValue(cJSON_GetArrayItem(it, 0));
	cJSON *second = cJSON_GetArrayItem(it, 1), *data = NULL, *parent = NULL, *key = NULL;
	enum node_type type = NT_OBJECT;
	struct node *n;

	if (!cJSON_IsArray(it) || !id) {
		lb_error_set(err, LB_DECODE, "%s", "a Storage node that is not [id, ...]");
		return 0;
	}
	if (find(t, id))
		return 1;
	if (cJSON_IsObject(second)) {
		/* The root: ["root", {data}] */
		data = second;
	} else {
		parent = cJSON_GetArrayItem(it, 2);
		key = cJSON_GetArrayItem(it, 3);
		if (!cJSON_IsNumber(second) || second->valueint < 0 || second->valueint >= NT_COUNT ||
		    !cJSON_IsString(parent) || !cJSON_IsString(key)) {
			lb_error_set(err, LB_DECODE, "the Storage node \"%.64s\" is not one", id);
			return 0;
		}
		type = (enum node_type)second->valueint;
		data = cJSON_GetArrayItem(it, 4);
	}
	if (take && data)
		cJSON_DetachItemViaPointer(it, data);
	n = node_new(id, type, key ? key->valuestring : NULL, data, take);
	if (!n && take)
		cJSON_Delete(data);
	if (n && parent && !(n->parent_id = strdup(parent->valuestring))) {
		node_free(n);
		n = NULL;
	}
	if (!n || !insert_hash(t, n)) {
		if (n)
			node_free(n);
		lb_error_set(err, LB_NOMEM, "%s", "out of memory");
		return -1;
	}
	if (!n->parent_id)
		t->root = n;
	if (take)
		cJSON_Delete(cJSON_DetachItemViaPointer(nodes, it));
	return 1;
}

static bool add_nodes(struct live_tree *t, cJSON *nodes, bool take, struct lb_error *err)
{
	cJSON *it, *next;

	if (!cJSON_IsArray(nodes)) {
		lb_error_set(err, LB_DECODE, "%s", "a Storage message without a list of nodes");
		return false;
	}
	for (it = nodes->child; it; it = next) {
		next = it->next;
		if (add_node(t, nodes, it, take, err) <= 0)
			return false;
	}
	return true;
}

bool live_tree_add_nodes(struct live_tree *t, const cJSON *nodes, struct lb_error *err)
{
	/* Not taken: nothing of nodes changes. */
	return add_nodes(t, (cJSON *)nodes, false, err);
}

bool live_tree_take_nodes(struct live_tree *t, cJSON *nodes, struct lb_error *err)
{
	return add_nodes(t, nodes, true, err);
}

/* Mark what the root reaches (a stack, not recursion: a deep document
 * must not exhaust the C stack). */
static bool mark_reached(struct live_tree *t)
{
	struct node **stack = malloc(t->n_nodes * sizeof(*stack));
	size_t top = 0;

	if (!stack)
		return false;
	t->root->reached = true;
	stack[top++] = t->root;
	while (top) {
		struct node *n = stack[--top];

		for (size_t i = 0; i < n->n_kids; i++)
			if (!n->kids[i]->reached && top < t->n_nodes) {
				n->kids[i]->reached = true;
				stack[top++] = n->kids[i];
			}
	}
	free(stack);
	return true;
}

bool live_tree_link(struct live_tree *t, struct lb_error *err)
{
	bool ok = true;

	if (!t->root) {
		lb_error_set(err, LB_DECODE, "%s", "the room's Storage came without its root");
		return false;
	}
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct node *n = t->buckets[i]; n; n = n->next_in_bucket) {
			struct node *p;

			if (!n->parent_id)
				continue;
			p = find(t, n->parent_id);
			free(n->parent_id);
			n->parent_id = NULL;
			if (p && p != n && p->type != NT_REGISTER && p->type != NT_TEXT &&
			    p->type != NT_FILE)
				ok = ok && attach(p, n);
		}
	/* What the root does not reach is no part of the tree (a node whose
	 * parent never came, one under a register, a cycle): the SDK drops
	 * it too. Each goes alone: what hangs on it is unreached as well. */
	if (ok && !(ok = mark_reached(t)))
		goto out;
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct node **pn = &t->buckets[i]; *pn;) {
			struct node *n = *pn;

			if (n->reached) {
				n->reached = false;
				pn = &n->next_in_bucket;
				continue;
			}
			*pn = n->next_in_bucket;
			t->n_nodes--;
			node_free(n);
		}
out:
	t->linked = true;
	if (!ok)
		lb_error_set(err, LB_NOMEM, "%s", "out of memory");
	return ok;
}

/* ---- ops ------------------------------------------------------------------------- */

static const char *str_member(const cJSON *o, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* Move n (in a list) from its position to key, as the SDK shifts an item
 * whose position another takes: between key and the item after it. */
static bool shift(struct node *n)
{
	struct node *p = n->parent;
	size_t i = kid_index(p, n);
	const char *next = NULL;
	char *pos;

	for (size_t k = i + 1; k < p->n_kids && !next; k++)
		if (strcmp(p->kids[k]->key, n->key))
			next = p->kids[k]->key;
	if (!(pos = live_position(n->key, next)))
		return false;
	detach(n);
	free(n->key);
	n->key = pos;
	return attach(p, n);
}

/* A change's texts; false when out of memory. */
static bool change_set(struct live_change *out, int op, char *path, char *before, char *after,
                       bool had_before, bool has_after)
{
	out->op = op;
	out->path = path;
	out->before = before;
	out->after = after;
	return path && (before || !had_before) && (after || !has_after);
}

static const enum node_type create_types[] = {
    [LIVE_OP_CREATE_OBJECT] = NT_OBJECT,
    [LIVE_OP_CREATE_LIST] = NT_LIST,
    [LIVE_OP_CREATE_MAP] = NT_MAP,
    [LIVE_OP_CREATE_REGISTER] = NT_REGISTER,
};

static int apply_create(struct live_tree *t, int code, const cJSON *op, struct live_change *out)
{
	const char *id = str_member(op, "id"), *parent_id = str_member(op, "parentId");
	const char *key = str_member(op, "parentKey"), *intent = str_member(op, "intent");
	const char *deleted_id = str_member(op, "deletedId");
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(op, "data");
	struct node *p = find(t, parent_id), *old = NULL, *n;
	char *before = NULL;

	if (!id || !key || !p || find(t, id) || p->type == NT_REGISTER || p->type == NT_TEXT ||
	    p->type == NT_FILE)
		return 0;
	if (code == LIVE_OP_CREATE_OBJECT && data && !cJSON_IsObject(data))
		return 0;
	/* Copied (own false): the op is the caller's. */
	if (!(n = node_new(id, create_types[code], key,
	                   code == LIVE_OP_CREATE_LIST || code == LIVE_OP_CREATE_MAP ? NULL
	                                                                           : (cJSON *)data,
	                   false)))
		return -1;
	if (code == LIVE_OP_CREATE_REGISTER && !n->data && !(n->data = cJSON_CreateNull()))
		goto nomem;
	if (p->type == NT_LIST) {
		struct node *gone = deleted_id ? find(t, deleted_id) : NULL;
		struct node *taken = kid_at(p, key);

		if (intent && !strcmp(intent, "set") && gone && gone->parent == p) {
			/* A list set: the item it replaces goes. */
			if (!(before = print_node(gone)))
				goto nomem;
			old = gone;
			if (taken == gone)
				taken = NULL;
		}
		if (taken && !shift(taken))
			goto nomem;
	} else {
		old = kid_at(p, key);
		if (old && !(before = print_node(old)))
			goto nomem;
		if (!old && p->type == NT_OBJECT && p->data) {
			cJSON *plain = cJSON_DetachItemFromObjectCaseSensitive(p->data, key);

			if (plain && !(before = print(plain))) {
				cJSON_Delete(plain);
				goto nomem;
			}
			cJSON_Delete(plain);
		}
	}
	if (old) {
		detach(old);
		free_subtree(t, old);
	}
	if (!insert_hash(t, n))
		goto nomem;
	if (!attach(p, n)) {
		remove_hash(t, n);
		goto nomem;
	}
	return change_set(out, code, pointer(n, NULL), before, print_node(n), before != NULL, true)
	           ? 1
	           : -1;
nomem:
	free(before);
	node_free(n);
	return -1;
}

static int apply_update_object(struct live_tree *t, const cJSON *op, struct live_change *out)
{
	struct node *n = find(t, str_member(op, "id"));
	const cJSON *data = cJSON_GetObjectItemCaseSensitive(op, "data"), *it;
	cJSON *before, *after;
	bool one = cJSON_GetArraySize(data) == 1;
	int rc = 1;

	if (!n || n->type != NT_OBJECT || !cJSON_IsObject(data) || !data->child)
		return 0;
	if (!n->data && !(n->data = cJSON_CreateObject()))
		return -1;
	before = cJSON_CreateObject();
	after = cJSON_CreateObject();
	if (!before || !after)
		rc = -1;
	cJSON_ArrayForEach(it, data)
	{
		struct node *kid = kid_at(n, it->string);
		cJSON *old = cJSON_GetObjectItemCaseSensitive(n->data, it->string);
		cJSON *copy = cJSON_Duplicate(it, true);

		if (rc < 0 || !copy) {
			cJSON_Delete(copy);
			rc = -1;
			break;
		}
		if (kid) {
			cJSON *was = to_json(kid, true);

			if (was)
				cJSON_AddItemToObject(before, it->string, was);
			detach(kid);
			free_subtree(t, kid);
		} else if (old) {
			cJSON_AddItemToObject(before, it->string, cJSON_Duplicate(old, true));
		}
		cJSON_AddItemToObject(after, it->string, cJSON_Duplicate(it, true));
		if (old)
			cJSON_ReplaceItemViaPointer(n->data, old, copy);
		else
			cJSON_AddItemToObject(n->data, it->string, copy);
	}
	if (rc > 0) {
		const char *k = data->child->string;
		const cJSON *b = one ? cJSON_GetObjectItemCaseSensitive(before, k) : before;

		if (!change_set(out, LIVE_OP_UPDATE_OBJECT, pointer(n, one ? k : NULL),
		                b ? print(b) : NULL,
		                print(one ? cJSON_GetObjectItemCaseSensitive(after, k) : after),
		                b != NULL, true))
			rc = -1;
	}
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

static int apply_delete_key(struct live_tree *t, const cJSON *op, struct live_change *out)
{
	struct node *n = find(t, str_member(op, "id")), *kid;
	const char *key = str_member(op, "key");
	cJSON *plain;
	char *path, *before;

	if (!n || n->type != NT_OBJECT || !key)
		return 0;
	if ((kid = kid_at(n, key))) {
		if (!(path = pointer(kid, NULL)) || !(before = print_node(kid))) {
			free(path);
			return -1;
		}
		detach(kid);
		free_subtree(t, kid);
	} else if (n->data && (plain = cJSON_GetObjectItemCaseSensitive(n->data, key))) {
		if (!(path = pointer(n, key)) || !(before = print(plain))) {
			free(path);
			return -1;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(n->data, key);
	} else {
		return 0;
	}
	change_set(out, LIVE_OP_DELETE_OBJECT_KEY, path, before, NULL, true, false);
	return 1;
}

static int apply_delete(struct live_tree *t, const cJSON *op, struct live_change *out)
{
	struct node *n = find(t, str_member(op, "id"));
	char *path, *before;

	if (!n || !n->parent)
		return 0;
	if (!(path = pointer(n, NULL)) || !(before = print_node(n))) {
		free(path);
		return -1;
	}
	detach(n);
	free_subtree(t, n);
	change_set(out, LIVE_OP_DELETE_CRDT, path, before, NULL, true, false);
	return 1;
}

static int apply_set_parent_key(struct live_tree *t, const cJSON *op, struct live_change *out)
{
	struct node *n = find(t, str_member(op, "id")), *p, *taken;
	const char *key = str_member(op, "parentKey");
	char *from, *k;

	if (!n || !key || !(p = n->parent) || p->type != NT_LIST || !strcmp(n->key, key))
		return 0;
	if (!(from = pointer(n, NULL)))
		return -1;
	if ((taken = kid_at(p, key)) && !shift(taken)) {
		free(from);
		return -1;
	}
	if (!(k = strdup(key))) {
		free(from);
		return -1;
	}
	detach(n);
	free(n->key);
	n->key = k;
	if (!attach(p, n)) {
		free(from);
		return -1;
	}
	out->from = from;
	return change_set(out, LIVE_OP_SET_PARENT_KEY, pointer(n, NULL), NULL, print_node(n), false,
	                  true)
	           ? 1
	           : -1;
}

bool live_tree_apply(struct live_tree *t, const cJSON *op, struct live_change *out, bool *ignored,
                     struct lb_error *err)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(op, "type");
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->actor = -1;
	*ignored = false;
	lb_error_clear(err);
	if (!t->root || !cJSON_IsNumber(type)) {
		*ignored = true;
		return false;
	}
	switch (type->valueint) {
	case LIVE_OP_CREATE_OBJECT:
	case LIVE_OP_CREATE_LIST:
	case LIVE_OP_CREATE_MAP:
	case LIVE_OP_CREATE_REGISTER:
		rc = apply_create(t, type->valueint, op, out);
		break;
	case LIVE_OP_UPDATE_OBJECT:
		rc = apply_update_object(t, op, out);
		break;
	case LIVE_OP_DELETE_OBJECT_KEY:
		rc = apply_delete_key(t, op, out);
		break;
	case LIVE_OP_DELETE_CRDT:
		rc = apply_delete(t, op, out);
		break;
	case LIVE_OP_SET_PARENT_KEY:
		rc = apply_set_parent_key(t, op, out);
		break;
	default:
		/* INIT is the client's own; text and file ops are not applied
		 * here (a re-read shows them). */
		*ignored = true;
		return false;
	}
	if (rc < 0) {
		live_change_clear(out);
		lb_error_set(err, LB_NOMEM, "%s", "out of memory");
		return false;
	}
	if (rc == 0)
		*ignored = true;
	return rc > 0;
}
