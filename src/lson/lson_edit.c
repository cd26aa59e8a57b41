#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "lson.h"
#include "lson_impl.h"
#include "util.h"

/* A change to one place of a document (storage set, insert, delete, move)
 * turned into a JSON patch, and what it would do: applied to the document
 * here first, the subtree it touches before and after. */

char *lson_pointer_parent(const char *p)
{
	const char *slash = strrchr(p, '/');
	return strndup(p, slash ? (size_t)(slash - p) : 0);
}

char *lson_pointer_common(const char *a, const char *b)
{
	size_t i = 0, last = 0;

	/* A boundary only where both paths have one: "/a" is not a parent
	 * of "/ab". */
	while (a[i] && a[i] == b[i]) {
		i++;
		if ((a[i] == '/' || a[i] == '\0') && (b[i] == '/' || b[i] == '\0'))
			last = i;
	}
	return strndup(a, last);
}

/* The op of the change, and the words that say it ("replace /a"), after
 * checking that what it names is there. */
static bool edit_op(const struct lson_doc *doc, const struct lson_edit *e, struct patch *patch,
                    struct buf *what, struct lb_error *err)
{
	int i;

	switch (e->kind) {
	case LSON_EDIT_SET:
		i = lson_find(doc, e->path);
		if (i < 0) {
			char *parent = lson_pointer_parent(e->path);
			int pi = parent ? lson_find(doc, parent) : -1;
			free(parent);
			if (pi < 0) {
				lb_error_set(
				    err, LB_USAGE,
				    "cannot set %s: its parent does not exist in %s (set the "
				    "parent first)",
				    e->path, e->where);
				return false;
			}
		}
		if (!patch_add(patch, i >= 0 ? PATCH_REPLACE : PATCH_ADD, e->path, NULL, e->value))
			goto nomem;
		buf_printf(what, "%s %s", i >= 0 ? "replace" : "add", e->path);
		return true;
	case LSON_EDIT_INSERT: {
		i = lson_find(doc, e->path);
		if (i < 0) {
			lb_error_set(err, LB_USAGE, "there is no %s in %s",
			             e->path[0] ? e->path : "root", e->where);
			return false;
		}
		const struct lson_node *list = &doc->nodes[i];
		if (list->type != LSON_LIVE_LIST) {
			lb_error_set(err, LB_USAGE,
			             "%s is a %s, not a LiveList: use 'storage set' to add a key",
			             e->path[0] ? e->path : "the root", lson_type_name(list->type));
			return false;
		}
		if (strcmp(e->at, "-") && atol(e->at) > list->n_children) {
			lb_error_set(
			    err, LB_USAGE,
			    "--at %s is past the end of %s (%d items): use 0 to %d, or - for "
			    "the end",
			    e->at, e->path, list->n_children, list->n_children);
			return false;
		}
		struct buf full;
		buf_init(&full);
		bool ok = buf_printf(&full, "%s/%s", e->path, e->at) &&
		          patch_add(patch, PATCH_ADD, full.data, NULL, e->value);
		buf_free(&full);
		if (!ok)
			goto nomem;
		if (strcmp(e->at, "-"))
			buf_printf(what, "insert into %s at %s", e->path, e->at);
		else
			buf_printf(what, "append to %s", e->path);
		return true;
	}
	case LSON_EDIT_REMOVE:
		if (lson_find(doc, e->path) < 0) {
			lb_error_set(err, LB_USAGE, "there is no %s in %s", e->path, e->where);
			return false;
		}
		if (!patch_add(patch, PATCH_REMOVE, e->path, NULL, NULL))
			goto nomem;
		buf_printf(what, "delete %s", e->path);
		return true;
	case LSON_EDIT_MOVE:
		if (lson_find(doc, e->from) < 0) {
			lb_error_set(err, LB_USAGE, "there is no %s in %s", e->from, e->where);
			return false;
		}
		if (!patch_add(patch, PATCH_MOVE, e->path, e->from, NULL))
			goto nomem;
		buf_printf(what, "move %s to %s", e->from, e->path);
		return true;
	}
	lb_error_set(err, LB_USAGE, "unknown change");
	return false;
nomem:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* The closest container holding everything the change touches. */
static char *edit_ancestor(const struct lson_edit *e)
{
	if (e->kind == LSON_EDIT_INSERT)
		return strdup(e->path);
	if (e->kind != LSON_EDIT_MOVE)
		return lson_pointer_parent(e->path);
	char *pf = lson_pointer_parent(e->from), *pt = lson_pointer_parent(e->path);
	char *anc = pf && pt ? lson_pointer_common(pf, pt) : NULL;
	free(pf);
	free(pt);
	return anc;
}

/* The pretty text of the subtree at pointer p ("" when absent). */
static char *subtree_text(const struct lson_doc *d, const char *p)
{
	int i = lson_find(d, p);
	return i >= 0 ? lson_subtree_json(d, i, true, true) : strdup("");
}

bool lson_edit_preview(const struct lson_doc *doc, const char *text, size_t len,
                       const struct lson_edit *e, struct lson_edit_preview *out,
                       struct lb_error *err)
{
	char *after = NULL, *anc = NULL, *before_text = NULL, *after_text = NULL;
	struct lson_doc *adoc = NULL;
	struct buf what;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	buf_init(&what);
	if (!edit_op(doc, e, &out->patch, &what, err))
		goto out;
	after =
	    lson_patch_apply_opts(text, len, &out->patch, e->literal ? LSON_PATCH_LITERAL : 0, err);
	if (!after) {
		/* The server's document is not the user's mistake. */
		if (err->status != LB_NOMEM && err->status != LB_DECODE)
			err->status = LB_USAGE;
		goto out;
	}
	anc = edit_ancestor(e);
	if (!anc)
		goto nomem;
	adoc = lson_parse(after, strlen(after), true, err);
	if (!adoc)
		goto out;
	before_text = subtree_text(doc, anc);
	after_text = subtree_text(adoc, anc);
	if (!before_text || !after_text)
		goto nomem;
	out->unchanged = !strcmp(before_text, after_text);
	if (!out->unchanged && !(out->diff = diff_unified(before_text, after_text, 3)))
		goto nomem;
	out->what = what.data ? buf_steal(&what) : strdup("");
	if (!out->what)
		goto nomem;
	ok = true;
	goto out;
nomem:
	lb_error_set(err, LB_NOMEM, "out of memory");
out:
	if (!ok)
		lson_edit_preview_clear(out);
	buf_free(&what);
	free(after);
	free(anc);
	free(before_text);
	free(after_text);
	lson_unref(&adoc);
	return ok;
}

void lson_edit_preview_clear(struct lson_edit_preview *p)
{
	patch_clear(&p->patch);
	free(p->what);
	free(p->diff);
	p->what = p->diff = NULL;
	p->unchanged = false;
}
