#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "api_send.h"
#include "cmd_impl.h"
#include "endpoints.h"
#include "family.h"
#include "groups.h"
#include "http.h"
#include "output.h"
#include "token_info.h"
#include "tokens.h"
#include "util.h"

/* Tokens for the user of an app: an access token with its permissions
 * (authorize-user), an ID token with its groups (identify-user), and the
 * deprecated single-room tokens. A token is printed, never kept: the
 * request log keeps request bodies only, and none of them holds one. */

/* ---- permissions -------------------------------------------------------- */

static const char *const permissions[] = {
    "room:write", "room:read", "room:presence:write", "comments:write", "comments:read", NULL,
};

bool token_permission_ok(const char *perm)
{
	for (size_t i = 0; permissions[i]; i++)
		if (strcmp(perm, permissions[i]) == 0)
			return true;
	return false;
}

bool token_pattern_ok(const char *pattern)
{
	size_t n = strlen(pattern);
	const char *star = strchr(pattern, '*');

	if (strcmp(pattern, "*") == 0)
		return true;
	if (n == 0 || (star && star != pattern + n - 1))
		return false;
	return (star ? n - 1 : n) >= 1 && (star ? n - 1 : n) <= 128;
}

bool token_perms_add(cJSON *perms, const char *spec, struct lb_error *err)
{
	const char *eq = strrchr(spec, '=');
	struct strv list = {0};
	cJSON *arr = NULL;
	char *pattern;
	bool ok = false;

	if (!eq || eq == spec || !eq[1]) {
		lb_error_set(err, LB_USAGE,
		             "--room wants PATTERN=PERMS (room-1=room:write), not '%s'", spec);
		return false;
	}
	if (!(pattern = strndup(spec, (size_t)(eq - spec))) || !cmd_split_list(eq + 1, &list)) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		goto out;
	}
	if (!token_pattern_ok(pattern)) {
		lb_error_set(err, LB_USAGE,
		             "'%s' is not a room pattern: a room ID or a prefix ending in '*' "
		             "(1 to 128 characters before it)",
		             pattern);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(perms, pattern)) {
		lb_error_set(err, LB_USAGE, "the room pattern '%s' is given twice", pattern);
		goto out;
	}
	if (cJSON_GetArraySize(perms) >= TOKEN_MAX_PATTERNS) {
		lb_error_set(err, LB_USAGE, "a token takes at most %d room patterns",
		             TOKEN_MAX_PATTERNS);
		goto out;
	}
	if (!list.n) {
		lb_error_set(err, LB_USAGE, "no permissions for '%s'", pattern);
		goto out;
	}
	if (!(arr = cJSON_CreateArray()))
		goto oom;
	for (size_t i = 0; i < list.n; i++) {
		cJSON *s;
		if (!token_permission_ok(list.v[i])) {
			lb_error_set(err, LB_USAGE,
			             "unknown permission '%s' (room:write, room:read, "
			             "room:presence:write, comments:write, comments:read)",
			             list.v[i]);
			goto out;
		}
		if (!(s = cJSON_CreateString(list.v[i])) || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			goto oom;
		}
	}
	if (!cJSON_AddItemToObject(perms, pattern, arr))
		goto oom;
	arr = NULL;
	ok = true;
	goto out;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
out:
	cJSON_Delete(arr);
	strv_free(&list);
	free(pattern);
	return ok;
}

/* ---- JWT ---------------------------------------------------------------- */

static int b64url_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '-')
		return 62;
	if (ch == '_')
		return 63;
	return -1;
}

bool base64url_decode(const char *in, size_t n, char **out, size_t *out_len)
{
	unsigned long acc = 0;
	int bits = 0;
	size_t k = 0;
	char *buf;

	while (n && in[n - 1] == '=')
		n--;
	if (n % 4 == 1 || !(buf = malloc(n * 3 / 4 + 1)))
		return false;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)in[i]);
		if (v < 0) {
			free(buf);
			return false;
		}
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[k++] = (char)((acc >> bits) & 0xff);
		}
	}
	buf[k] = '\0';
	*out = buf;
	*out_len = k;
	return true;
}

void jwt_clear(struct jwt *j)
{
	cJSON_Delete(j->header);
	cJSON_Delete(j->claims);
	j->header = j->claims = NULL;
}

/* One dot-separated part as a JSON object. */
static cJSON *jwt_part(const char *s, size_t n)
{
	char *text;
	size_t len;
	cJSON *o;

	if (!base64url_decode(s, n, &text, &len))
		return NULL;
	o = cJSON_ParseWithLength(text, len);
	free(text);
	if (o && !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = NULL;
	}
	return o;
}

bool jwt_decode(const char *token, struct jwt *out, struct lb_error *err)
{
	const char *dot1 = strchr(token, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;

	out->header = out->claims = NULL;
	if (!dot2) {
		lb_error_set(err, LB_DECODE, "the token is not a JWT (three parts)");
		return false;
	}
	out->header = jwt_part(token, (size_t)(dot1 - token));
	out->claims = jwt_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	if (!out->header || !out->claims) {
		lb_error_set(err, LB_DECODE, "the token's %s is not base64url JSON",
		             out->header ? "claims" : "header");
		jwt_clear(out);
		return false;
	}
	return true;
}

/* How long d seconds is, in the largest unit that keeps it at 2 or
 * more (or 1 minute): "45 seconds", "59 minutes", "3 days". */
static void span_text(long long d, char *out, size_t n)
{
	const char *unit = "second";
	long long v = d;

	if (d >= 2 * 86400) {
		v = d / 86400;
		unit = "day";
	} else if (d >= 2 * 3600) {
		v = d / 3600;
		unit = "hour";
	} else if (d >= 60) {
		v = d / 60;
		unit = "minute";
	}
	snprintf(out, n, "%lld %s%s", v, unit, v == 1 ? "" : "s");
}

void expiry_text(long long exp, long long now, char *out, size_t n)
{
	char span[48];

	span_text(exp >= now ? exp - now : now - exp, span, sizeof(span));
	snprintf(out, n, exp >= now ? "in %s" : "expired %s ago", span);
}

void token_when(long long t, long long now, char *out, size_t n)
{
	char span[48];

	span_text(t >= now ? t - now : now - t, span, sizeof(span));
	snprintf(out, n, t > now ? "in %s" : "%s ago", span);
}

/* ---- a token for the screen ------------------------------------------- */

void token_info_clear(struct token_info *t)
{
	free(t->alg);
	free(t->typ);
	free(t->kid);
	free(t->kind);
	free(t->user);
	free(t->user_info);
	free(t->groups);
	free(t->org);
	free(t->room);
	free(t->scopes);
	for (size_t i = 0; i < t->n_perms; i++) {
		free(t->perms[i].pattern);
		free(t->perms[i].perms);
	}
	free(t->perms);
	*t = (struct token_info){0};
}

/* The first of two members of o that is there: a or else b. */
static const cJSON *member(const cJSON *o, const char *a, const char *b)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, a);
	return v || !b ? v : cJSON_GetObjectItemCaseSensitive(o, b);
}

/* A copy of a string member into *out (NULL when absent or no string);
 * false when out of memory. */
static bool take_str(const cJSON *v, char **out)
{
	const char *s = cJSON_GetStringValue(v);
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

/* A value as text into *out: an array of strings as "a, b", anything
 * else as JSON on one line; NULL when absent. False when out of memory. */
static bool take_text(const cJSON *v, char **out)
{
	struct buf b;
	const cJSON *e;

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return true;
	if (!cJSON_IsArray(v)) {
		char *json = cJSON_PrintUnformatted(v);
		*out = json ? strdup(json) : NULL;
		cJSON_free(json);
		return *out != NULL;
	}
	buf_init(&b);
	buf_adds(&b, "");
	cJSON_ArrayForEach(e, v)
	{
		char *json = cJSON_IsString(e) ? NULL : cJSON_PrintUnformatted(e);
		const char *text = json ? json : cJSON_GetStringValue(e);
		buf_printf(&b, "%s%s", e == v->child ? "" : ", ", text ? text : "");
		cJSON_free(json);
	}
	*out = buf_steal(&b);
	return *out != NULL;
}

static bool take_perms(const cJSON *perms, struct token_info *t)
{
	const cJSON *p;
	size_t n = (size_t)cJSON_GetArraySize(perms);

	if (!cJSON_IsObject(perms) || n == 0)
		return true;
	if (!(t->perms = calloc(n, sizeof(*t->perms))))
		return false;
	cJSON_ArrayForEach(p, perms)
	{
		struct token_perm *row = &t->perms[t->n_perms++];
		if (!(row->pattern = strdup(p->string ? p->string : "")) ||
		    !take_text(p, &row->perms))
			return false;
	}
	return true;
}

static bool take_time(const cJSON *v, long long *out)
{
	if (!cJSON_IsNumber(v))
		return false;
	*out = (long long)v->valuedouble;
	return true;
}

bool token_info_decode(const char *token, struct token_info *out, struct lb_error *err)
{
	struct jwt j;
	const cJSON *h, *c;
	bool ok;

	*out = (struct token_info){0};
	if (!jwt_decode(token, &j, err))
		return false;
	h = j.header;
	c = j.claims;
	ok = take_str(member(h, "alg", NULL), &out->alg) &&
	     take_str(member(h, "typ", NULL), &out->typ) &&
	     take_str(member(h, "kid", NULL), &out->kid) &&
	     take_str(member(c, "k", NULL), &out->kind) &&
	     take_str(member(c, "uid", "id"), &out->user) &&
	     take_text(member(c, "ui", "userInfo"), &out->user_info) &&
	     take_text(member(c, "gids", "groupIds"), &out->groups) &&
	     take_str(member(c, "tid", "organizationId"), &out->org) &&
	     take_str(member(c, "roomId", NULL), &out->room) &&
	     take_text(member(c, "scopes", NULL), &out->scopes) &&
	     take_perms(member(c, "perms", NULL), out);
	out->has_iat = take_time(member(c, "iat", NULL), &out->iat);
	out->has_exp = take_time(member(c, "exp", NULL), &out->exp);
	jwt_clear(&j);
	if (!ok) {
		token_info_clear(out);
		lb_error_set(err, LB_NOMEM, "out of memory");
	}
	return ok;
}

/* ---- commands ----------------------------------------------------------- */

static void run_authorize(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_identify(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_token(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec authorize_opts[] = {
    {"room", OPT_VALUE, "PATTERN=PERMS", "permissions on a room or prefix* (repeatable)"},
    {"info", OPT_RAW, "JSON", "the user's info (an object)"},
    {"org", OPT_VALUE, "ID", "the organization"},
    {"group", OPT_VALUE, "G", "a group of the user (repeatable)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec identify_opts[] = {
    {"group", OPT_VALUE, "G", "a group of the user (repeatable)"},
    {"info", OPT_RAW, "JSON", "the user's info (an object)"},
    {"org", OPT_VALUE, "ID", "the organization"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec room_token_opts[] = {
    {"public", OPT_FLAG, NULL, "with the public key (--public-key or LIVEBLOCKS_PUBLIC_KEY)"},
    {"public-key", OPT_VALUE, "PK", "the public key for --public"},
    {"group", OPT_VALUE, "G", "a group of the user (repeatable)"},
    {"info", OPT_RAW, "JSON", "the user's info (an object)"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"token authorize", "USER", 1, 1, false, run_authorize,
     "An access token for USER with permissions on rooms", authorize_opts, SCOPE_USER},
    {"token identify", "USER", 1, 1, false, run_identify, "An ID token for USER with groups",
     identify_opts, SCOPE_USER},
    {"token room", "ROOM [USER]", 1, 2, false, run_room_token,
     "A single-room token (deprecated endpoints)", room_token_opts, SCOPE_ROOM},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

struct token_job {
	struct cmd_ctx *c;
	enum endpoint_id ep;
	bool deprecated;
	char what[160]; /* "access token for ada" */
};

/* A claim that is a string, or NULL. */
static const char *claim_str(const cJSON *claims, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(claims, name));
}

/* A JSON value on one line; "-" when absent. */
static void add_json(struct buf *b, const char *label, const cJSON *v)
{
	char *text = v ? cJSON_PrintUnformatted(v) : NULL;

	buf_printf(b, "%-12s%s\n", label, text ? text : "-");
	cJSON_free(text);
}

/* What the claims say: kind, user, permissions or groups, the room, when
 * the token was issued and when it expires. */
static void add_claims(struct buf *b, const cJSON *claims)
{
	const cJSON *perms = cJSON_GetObjectItemCaseSensitive(claims, "perms");
	const cJSON *iat = cJSON_GetObjectItemCaseSensitive(claims, "iat");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
	const char *user = claim_str(claims, "uid");
	const char *kind = claim_str(claims, "k");
	const cJSON *p;

	if (!user)
		user = claim_str(claims, "id");
	buf_printf(b, "%-12s%s\n", "kind", kind ? kind : "-");
	buf_printf(b, "%-12s%s\n", "user", user ? user : "-");
	if (cJSON_IsObject(perms)) {
		buf_adds(b, "permissions\n");
		cJSON_ArrayForEach(p, perms)
		{
			char *list = cJSON_PrintUnformatted(p);
			buf_printf(b, "  %-24s %s\n", p->string, list ? list : "");
			cJSON_free(list);
		}
	}
	if (cJSON_GetObjectItemCaseSensitive(claims, "gids"))
		add_json(b, "groups", cJSON_GetObjectItemCaseSensitive(claims, "gids"));
	if (cJSON_GetObjectItemCaseSensitive(claims, "roomId"))
		add_json(b, "room", cJSON_GetObjectItemCaseSensitive(claims, "roomId"));
	if (cJSON_IsNumber(iat)) {
		char when[32];
		output_time((long long)iat->valuedouble, when, sizeof(when));
		buf_printf(b, "%-12s%s\n", "issued", when);
	}
	if (cJSON_IsNumber(exp)) {
		char when[32], rel[64];
		output_time((long long)exp->valuedouble, when, sizeof(when));
		expiry_text((long long)exp->valuedouble, (long long)time(NULL), rel, sizeof(rel));
		buf_printf(b, "%-12s%s (%s)\n", "expires", when, rel);
	}
	add_json(b, "claims", claims);
}

/* The token, then its header and claims, as one text (the screen shows
 * it on a page of its own), made terminal-safe. */
static void print_token(struct cmd_ctx *c, const char *token)
{
	struct jwt j;
	struct lb_error err;
	struct buf b;
	char *safe;

	buf_init(&b);
	buf_printf(&b, "%-12s%s\n", "token", token);
	if (jwt_decode(token, &j, &err)) {
		add_json(&b, "header", j.header);
		add_claims(&b, j.claims);
		jwt_clear(&j);
	} else {
		buf_printf(&b, "%s\n", err.message);
	}
	if (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	safe = b.data ? cmd_safe_lines(b.data) : NULL;
	if (safe)
		cmd_say(c, safe);
	else
		cmd_note(c, "out of memory");
	free(safe);
	buf_free(&b);
}

/* The screen: the token view, which shows the token shortened and its
 * claims, so that the token is never put in a message or on a page kept
 * in the messages. True when it was opened (the command is finished). */
static bool show_token(struct token_job *j, const char *token)
{
	const struct endpoint *e = endpoint_get(j->ep);
	char path[160];
	struct token_view_opts o = {.token = token, .what = j->what};

	if (j->deprecated && e) {
		snprintf(path, sizeof(path), "%s %s", http_method_name(e->method), e->path);
		o.deprecated = path;
	}
	return cmd_open_view(j->c, "token", NULL, &o, false, NULL);
}

static void token_done(const struct storage_result *res, void *ud)
{
	struct token_job *j = ud;
	struct cmd_ctx *c = j->c;
	struct lb_error err = res->err;

	if (err.status == LB_OK) {
		cJSON *root = cJSON_ParseWithLength(res->body, res->body_len);
		const char *token =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "token"));
		if (token && c->host.interactive && show_token(j, token)) {
			cJSON_Delete(root);
			free(j);
			return;
		}
		if (c->host.json)
			cmd_print_json(c, res->body, res->body_len);
		else if (token)
			print_token(c, token);
		else
			lb_error_set(&err, LB_DECODE, "the server sent no \"token\"");
		cJSON_Delete(root);
	}
	if (j->deprecated && !c->host.json)
		cmd_note(c, "(a deprecated endpoint: use token authorize or token identify)");
	free(j);
	cmd_finish(c, &err);
}

/* The options every token command shares, added to body: --info,
 * --org, --group (as groupIds). */
static bool token_common(const struct args *a, cJSON *body, struct lb_error *err)
{
	const char *info = cmd_opt_value(a, "info");
	const char *org = cmd_opt_value(a, "org");
	cJSON *groups = NULL;

	if (info) {
		cJSON *v = cJSON_Parse(info);
		if (!cJSON_IsObject(v)) {
			cJSON_Delete(v);
			lb_error_set(err, LB_USAGE,
			             "--info wants a JSON object, as {\"name\":\"Ada\"}");
			return false;
		}
		cJSON_AddItemToObject(body, "userInfo", v);
	}
	if (org && !cJSON_AddStringToObject(body, "organizationId", org))
		goto oom;
	for (int i = 0; i < a->nopt; i++) {
		if (strcmp(a->opt[i].spec->name, "group") != 0)
			continue;
		if (!groups && !(groups = cJSON_AddArrayToObject(body, "groupIds")))
			goto oom;
		cJSON_AddItemToArray(groups, cJSON_CreateString(a->opt[i].value));
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* Send body (freed here) to ep about p0. */
static void token_send(struct cmd_ctx *c, enum endpoint_id ep, const char *p0, cJSON *body,
                       bool deprecated, const char *what)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	struct token_job *j = text ? calloc(1, sizeof(*j)) : NULL;

	cJSON_Delete(body);
	if (!j) {
		cJSON_free(text);
		cmd_finish_nomem(c);
		return;
	}
	j->c = c;
	j->ep = ep;
	j->deprecated = deprecated;
	snprintf(j->what, sizeof(j->what), "%s", what);
	model_send_outside(c->model, ep, p0, NULL, NULL, text, token_done, j);
	cJSON_free(text);
}

static void run_authorize(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	char what[160];
	cJSON *body = cJSON_CreateObject();
	cJSON *perms = body ? cJSON_AddObjectToObject(body, "permissions") : NULL;
	struct lb_error err;

	(void)cmd;
	lb_error_clear(&err);
	if (!perms || !cJSON_AddStringToObject(body, "userId", a->pos[0])) {
		cJSON_Delete(body);
		cmd_finish_nomem(c);
		return;
	}
	for (int i = 0; i < a->nopt && err.status == LB_OK; i++)
		if (strcmp(a->opt[i].spec->name, "room") == 0)
			token_perms_add(perms, a->opt[i].value, &err);
	if (err.status == LB_OK && cJSON_GetArraySize(perms) == 0)
		lb_error_set(&err, LB_USAGE,
		             "an access token needs permissions: --room PATTERN=PERMS "
		             "(room-1=room:write, team-*=room:read)");
	if (err.status != LB_OK || !token_common(a, body, &err)) {
		cJSON_Delete(body);
		cmd_finish(c, &err);
		return;
	}
	snprintf(what, sizeof(what), "access token for %s", a->pos[0]);
	token_send(c, EP_AUTHORIZE_USER, NULL, body, false, what);
}

static void run_identify(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	char what[160];
	cJSON *body = cJSON_CreateObject();
	struct lb_error err;

	(void)cmd;
	if (!body || !cJSON_AddStringToObject(body, "userId", a->pos[0])) {
		cJSON_Delete(body);
		cmd_finish_nomem(c);
		return;
	}
	if (!token_common(a, body, &err)) {
		cJSON_Delete(body);
		cmd_finish(c, &err);
		return;
	}
	snprintf(what, sizeof(what), "ID token for %s", a->pos[0]);
	token_send(c, EP_IDENTIFY_USER, NULL, body, false, what);
}

static void run_room_token(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	char what[160];
	bool public = cmd_has_flag(a, "public");
	cJSON *body = cJSON_CreateObject();
	struct lb_error err;

	(void)cmd;
	if (!body) {
		cmd_finish_nomem(c);
		return;
	}
	if (public) {
		const char *pk = cmd_opt_value(a, "public-key");
		if (!pk)
			pk = getenv("LIVEBLOCKS_PUBLIC_KEY");
		if (!pk || !*pk) {
			cJSON_Delete(body);
			cmd_finish_usage(c, "%s",
			                 "--public needs the public key: --public-key pk_... or "
			                 "LIVEBLOCKS_PUBLIC_KEY");
			return;
		}
		if (a->npos > 1 || cmd_opt_value(a, "info") || cmd_opt_value(a, "group")) {
			cJSON_Delete(body);
			cmd_finish_usage(c, "%s",
			                 "a public token is anonymous: no USER, --info or --group");
			return;
		}
		cJSON_AddStringToObject(body, "publicApiKey", pk);
	} else {
		if (a->npos > 1)
			cJSON_AddStringToObject(body, "userId", a->pos[1]);
		if (!token_common(a, body, &err)) {
			cJSON_Delete(body);
			cmd_finish(c, &err);
			return;
		}
	}
	snprintf(what, sizeof(what), "%s token for room %s%s%s", public ? "public" : "room",
	         a->pos[0], a->npos > 1 ? " as " : "", a->npos > 1 ? a->pos[1] : "");
	token_send(c, public ? EP_ROOM_PUBLIC_AUTHORIZE : EP_ROOM_AUTHORIZE, a->pos[0], body, true,
	           what);
}

static const enum endpoint_id endpoints[] = {
    EP_AUTHORIZE_USER, EP_IDENTIFY_USER, EP_ROOM_AUTHORIZE, EP_ROOM_PUBLIC_AUTHORIZE, EP_COUNT,
};

const struct family family_tokens = {
    .name = "tokens",
    .summary = "Tokens for a user: access (permissions), ID (groups), single-room (deprecated)",
    .commands = commands,
    .endpoints = endpoints,
};
