/* What the files of the comment body module share (comment_body.h is its
 * interface): building a body node by node. */
#ifndef LB_COMMENT_IMPL_H
#define LB_COMMENT_IMPL_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
