/* Tokens (the tokens family, src/res/tokens.c): the permissions of an
 * access token, checked before anything is sent, and a token's JWT
 * decoded for the user to read. Pure. */
#ifndef LB_TOKENS_H
#define LB_TOKENS_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "error.h"
#include "token_info.h"

/* The most room patterns one access token takes. */
#define TOKEN_MAX_PATTERNS 10

/* Whether perm is one of the API's permissions (room:write, room:read,
 * room:presence:write, comments:write, comments:read). */
bool token_permission_ok(const char *perm);
/* Whether pattern is a room ID or a prefix ending in one '*' (or "*"
 * alone), at most 128 characters before the '*'. */
bool token_pattern_ok(const char *pattern);
/* Add "PATTERN=PERM,PERM" to perms (an object of pattern: [perms]):
 * false with err (LB_USAGE, saying what is wrong) when the pattern, a
 * permission or the count of patterns is not what the API takes. */
bool token_perms_add(cJSON *perms, const char *spec, struct lb_error *err);

/* base64url (padding optional) into a malloc'd, NUL-terminated buffer;
 * false on a character outside the alphabet or out of memory. */
bool base64url_decode(const char *in, size_t n, char **out, size_t *out_len);

/* A JWT's header and claims, decoded (the signature is not checked). */
struct jwt {
	cJSON *header;
	cJSON *claims;
};
bool jwt_decode(const char *token, struct jwt *out, struct lb_error *err);
void jwt_clear(struct jwt *j);

#endif
