/* What the files of the comment body module share (comment_body.h is its
 * interface): building a body node by node, the Unicode classes of the
 * markdown reader, and the SDK's sanitizeUrl. */
#ifndef LB_COMMENT_IMPL_H
#define LB_COMMENT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comment_body.h"

/* ---- building a body (comment_body.c); NULL / false when out of memory */

struct cbody *cm_body_new(void);
/* A new empty paragraph at the end of b. */
struct cbody_paragraph *cm_add_paragraph(struct cbody *b);
/* A new zeroed inline node at the end of p (its type CBODY_TEXT). */
struct cbody_inline *cm_add_inline(struct cbody_paragraph *p);
/* A text node of s[0..len) with flags on (all of them set). */
bool cm_add_text(struct cbody_paragraph *p, const char *s, size_t len, unsigned on);
/* A copy of s[0..len), NUL-terminated. */
char *cm_strndup(const char *s, size_t len);
/* Free what a node holds (not the node). */
void cm_inline_clear(struct cbody_inline *in);

/* ---- Unicode classes as JavaScript's regular expressions have them ------- */

struct cm_range {
	uint32_t lo, hi;
};
/* Generated: comment_unicode.c. */
extern const struct cm_range cm_punct[]; /* [\p{P}\p{S}] */
extern const size_t cm_punct_n;
extern const struct cm_range cm_alnum[]; /* [\p{L}\p{N}], BMP */
extern const size_t cm_alnum_n;

bool cm_in_ranges(const struct cm_range *r, size_t n, long cp);
/* JavaScript's \s (and what String.prototype.trim removes). */
bool cm_is_js_space(long cp);

/* ---- URLs (comment_url.c) ------------------------------------------------ */

/* The SDK's sanitizeUrl (@liveblocks/core 3.24.2) on url[0..len): the URL
 * as the SDK would link it (http and https, relative, "#..."; "www." gets
 * https://), parsed and serialised as the WHATWG URL parser does; NULL
 * with *rejected true when the SDK returns null, NULL with *rejected false
 * when out of memory. Caller frees. */
char *cm_sanitize_url(const char *url, size_t len, bool *rejected);

#endif
