/* A token as the screen shows it: its JWT header and claims decoded into
 * plain strings (src/res/tokens.c), so that the token view needs no JSON.
 * The strings are as the token holds them, not yet terminal-safe. */
#ifndef LB_TOKEN_INFO_H
#define LB_TOKEN_INFO_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One row of an access token's permissions: a room or prefix* and what
 * it may do there ("room:read, comments:write"). */
struct token_perm {
	char *pattern;
	char *perms;
};

struct token_info {
	char *alg, *typ, *kid; /* the header; NULL when absent */
	char *kind;            /* k: "acc" (access), "id" (ID) ... */
	char *user;            /* uid, or id (single-room tokens) */
	char *user_info;       /* ui or userInfo, JSON on one line */
	char *groups;          /* gids or groupIds: "eng, ops" */
	char *org;             /* tid or organizationId */
	char *room;            /* roomId (single-room tokens) */
	char *scopes;          /* scopes (single-room tokens): "room:write" */
	struct token_perm *perms;
	size_t n_perms;
	bool has_iat, has_exp;
	long long iat, exp; /* seconds since the epoch */
};

/* Decode token into out (cleared first); false with err (LB_DECODE: not
 * a JWT, a part not base64url JSON; LB_NOMEM) and out empty. */
bool token_info_decode(const char *token, struct token_info *out, struct lb_error *err);
void token_info_clear(struct token_info *t);

/* "in 59 minutes", "in 2 hours", "expired 3 minutes ago" for an expiry
 * at exp seen at now (seconds since the epoch). */
void expiry_text(long long exp, long long now, char *out, size_t n);
/* When t is seen at now, in words: "in 59 minutes", "3 minutes ago"
 * (expiry_text says "expired 3 minutes ago" of an expiry). */
void token_when(long long t, long long now, char *out, size_t n);

/* What the token view is opened with (cmd_host.show_view "token"): the
 * token, what asked for it, and whether that is one of the deprecated
 * single-room endpoints (its path then). The view copies them. */
struct token_view_opts {
	const char *token;
	const char *what;       /* "access token for ada" */
	const char *deprecated; /* "POST /v2/rooms/{roomId}/authorize", or NULL */
};

#endif
