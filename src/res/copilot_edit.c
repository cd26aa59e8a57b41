#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "ai_cmd.h"
#include "cmd_impl.h"
#include "copilots.h"
#include "decode.h"
#include "kept.h"
#include "util.h"

/* `copilot create --edit` and `copilot update ID --edit`: the copilot's
 * fields as JSON in $EDITOR (every field of the reference but the
 * provider's key, which is write-only), checked, previewed as a diff of
 * the fields, and sent once asked: one request with exactly the fields
 * shown. What was written is kept in a file until it is applied; a
 * refusal (here or the server's 422) offers to edit it again. */

enum field_type { F_STRING, F_BOOL, F_OBJECT };

/* The fields written, in the order shown. nullable: the API takes null
 * (to clear it); required: a copilot has it, a non-empty string. */
static const struct {
	const char *name;
	enum field_type type;
	bool nullable, required;
} fields[] = {
    {"name", F_STRING, false, true},
    {"description", F_STRING, true, false},
    {"provider", F_STRING, false, true},
    {"providerModel", F_STRING, false, true},
    {"compatibleProviderName", F_STRING, false, false},
    {"providerBaseUrl", F_STRING, false, false},
    {"systemPrompt", F_STRING, false, true},
    {"knowledgePrompt", F_STRING, true, false},
    {"alwaysUseKnowledge", F_BOOL, false, false},
    {"settings", F_OBJECT, true, false},
    {"providerOptions", F_OBJECT, true, false},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *const providers[] = {"openai", "anthropic", "google", "openai-compatible"};
static const char *const option_providers[] = {"openai", "anthropic", "google"};

struct cedit {
	struct cmd_ctx *c;
	char *id;       /* update: the copilot; NULL: a new one */
	cJSON *old;     /* the fields as they were (a new one: the template) */
	char *text;     /* what was written last; the next edit starts from it */
	char *kept;     /* the file keeping text until it is applied */
	char *key;      /* --api-key-from: the provider's key (a secret) */
	char *key_from; /* where it was read from, for the preview */
	char *body;     /* the request's body as previewed (key added when sent) */
	bool yes;
};

static void cedit_free(void *state)
{
	struct cedit *e = state;

	if (!e)
		return;
	free(e->id);
	cJSON_Delete(e->old);
	free(e->text);
	free(e->kept);
	if (e->key) {
		memset(e->key, 0, strlen(e->key));
		free(e->key);
	}
	free(e->key_from);
	free(e->body);
	free(e);
}

/* Finish with err; what was written and not applied stays in its file,
 * and err says where first. */
static void cedit_finish(struct cedit *e, const struct lb_error *err)
{
	struct cmd_ctx *c = e->c;
	struct lb_error out = *err;

	if (e->kept && out.status == LB_OK)
		unlink(e->kept);
	else if (e->kept)
		cmd_edited_saved_in(e->kept, &out);
	cedit_free(e);
	cmd_finish(c, &out);
}

static void cedit_nomem(struct cedit *e)
{
	struct lb_error err;

	lb_error_set(&err, LB_NOMEM, "out of memory");
	cedit_finish(e, &err);
}

static int field_index(const char *name)
{
	for (size_t i = 0; i < N_FIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return (int)i;
	return -1;
}

static bool one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

static bool http_url(const char *s)
{
	return (!strncmp(s, "http://", 7) && s[7]) || (!strncmp(s, "https://", 8) && s[8]);
}

/* The fields of a copilot object as sent (NULL: a new copilot's
 * template), every one present, null where it has none. */
static cJSON *fields_of(const cJSON *copilot)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; o && i < N_FIELDS; i++) {
		const cJSON *v =
		    copilot ? cJSON_GetObjectItemCaseSensitive(copilot, fields[i].name) : NULL;
		cJSON *copy;

		if (v)
			copy = cJSON_Duplicate(v, true);
		else if (copilot || !fields[i].required)
			copy = fields[i].type == F_BOOL && !copilot ? cJSON_CreateFalse()
			                                            : cJSON_CreateNull();
		else
			copy =
			    cJSON_CreateString(!strcmp(fields[i].name, "provider") ? "openai" : "");
		if (!copy || !cJSON_AddItemToObject(o, fields[i].name, copy)) {
			cJSON_Delete(copy);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/* Where text stops being JSON, as "line L, column C". */
static void json_where(const char *text, const char *stop, char *out, size_t n)
{
	int line = 1, col = 1;

	for (const char *p = text; stop && p < stop && *p; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)*p & 0xC0) != 0x80) {
			col++;
		}
	}
	snprintf(out, n, "line %d, column %d", line, col);
}

/* settings' members this knows (the options of `copilot create`): each
 * a number but stopSequences, a list of strings. Others go as written. */
static bool check_settings(const cJSON *settings, struct lb_error *err)
{
	static const char *const numbers[] = {"maxTokens", "temperature",      "topP",
	                                      "topK",      "frequencyPenalty", "presencePenalty",
	                                      "seed",      "maxRetries"};

	for (const cJSON *m = settings->child; m; m = m->next) {
		if (one_of(m->string, numbers, sizeof(numbers) / sizeof(numbers[0])) &&
		    !cJSON_IsNumber(m)) {
			lb_error_set(err, LB_USAGE, "settings.%s is a number", m->string);
			return false;
		}
		if (!strcmp(m->string, "stopSequences")) {
			bool ok = cJSON_IsArray(m);
			for (const cJSON *x = ok ? m->child : NULL; x; x = x->next)
				ok = ok && cJSON_IsString(x);
			if (!ok) {
				lb_error_set(err, LB_USAGE,
				             "settings.stopSequences is a list of strings");
				return false;
			}
		}
	}
	return true;
}

/* A budget of tokens: a number, 0 or more. */
static bool budget_ok(const cJSON *o, const char *name)
{
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsNumber(b) && b->valuedouble >= 0;
}

/* providerOptions as the reference has them: openai's reasoningEffort
 * (low, medium, high), anthropic's thinking ({type: enabled,
 * budgetTokens} or {type: disabled}), google's thinkingConfig
 * ({thinkingBudget}); each an object. */
static bool check_provider_options(const cJSON *po, struct lb_error *err)
{
	static const char *const efforts[] = {"low", "medium", "high"};

	for (const cJSON *p = po->child; p; p = p->next) {
		if (!one_of(p->string, option_providers,
		            sizeof(option_providers) / sizeof(option_providers[0]))) {
			lb_error_set(
			    err, LB_USAGE,
			    "providerOptions has options for openai, anthropic and google, "
			    "not \"%s\"",
			    p->string);
			return false;
		}
		if (!cJSON_IsObject(p)) {
			lb_error_set(err, LB_USAGE, "providerOptions.%s is an object", p->string);
			return false;
		}
		const cJSON *effort = cJSON_GetObjectItemCaseSensitive(p, "reasoningEffort");
		const cJSON *thinking = cJSON_GetObjectItemCaseSensitive(p, "thinking");
		const cJSON *config = cJSON_GetObjectItemCaseSensitive(p, "thinkingConfig");
		const char *type =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(thinking, "type"));
		if (effort &&
		    !(cJSON_IsString(effort) &&
		      one_of(effort->valuestring, efforts, sizeof(efforts) / sizeof(efforts[0])))) {
			lb_error_set(err, LB_USAGE,
			             "providerOptions.%s.reasoningEffort is low, medium or high",
			             p->string);
			return false;
		}
		if (thinking &&
		    !(type && ((!strcmp(type, "enabled") && budget_ok(thinking, "budgetTokens")) ||
		               !strcmp(type, "disabled")))) {
			lb_error_set(err, LB_USAGE,
			             "providerOptions.%s.thinking is {\"type\": \"enabled\", "
			             "\"budgetTokens\": N} or {\"type\": \"disabled\"}",
			             p->string);
			return false;
		}
		if (config && !budget_ok(config, "thinkingBudget")) {
			lb_error_set(
			    err, LB_USAGE,
			    "providerOptions.%s.thinkingConfig is {\"thinkingBudget\": N}, N 0 "
			    "or more",
			    p->string);
			return false;
		}
	}
	return true;
}

/* One field's value: its type, null only where the API takes it (or
 * where it was null and stays so), a known provider. */
static bool check_field(size_t i, const cJSON *v, const cJSON *was, bool create,
                        struct lb_error *err)
{
	const char *name = fields[i].name;

	if (cJSON_IsNull(v)) {
		if (fields[i].nullable || (cJSON_IsNull(was) && !(create && fields[i].required)))
			return true;
		lb_error_set(err, LB_USAGE, "%s cannot be null: give it a value", name);
		return false;
	}
	switch (fields[i].type) {
	case F_STRING:
		if (!cJSON_IsString(v)) {
			lb_error_set(err, LB_USAGE, "%s is a string", name);
			return false;
		}
		if (fields[i].required && !*v->valuestring) {
			lb_error_set(err, LB_USAGE, "%s cannot be empty", name);
			return false;
		}
		break;
	case F_BOOL:
		if (!cJSON_IsBool(v)) {
			lb_error_set(err, LB_USAGE, "%s is true or false", name);
			return false;
		}
		break;
	case F_OBJECT:
		if (!cJSON_IsObject(v)) {
			lb_error_set(err, LB_USAGE, "%s is an object (or null)", name);
			return false;
		}
		break;
	}
	if (!strcmp(name, "provider") &&
	    !one_of(v->valuestring, providers, sizeof(providers) / sizeof(providers[0]))) {
		lb_error_set(err, LB_USAGE,
		             "provider \"%s\" is not one of openai, anthropic, google, "
		             "openai-compatible",
		             v->valuestring);
		return false;
	}
	if (!strcmp(name, "providerBaseUrl") && !http_url(v->valuestring)) {
		lb_error_set(err, LB_USAGE, "providerBaseUrl is an http:// or https:// URL");
		return false;
	}
	if (!strcmp(name, "settings"))
		return check_settings(v, err);
	if (!strcmp(name, "providerOptions"))
		return check_provider_options(v, err);
	return true;
}

/* The value a field has after the edit: the one written, else the old. */
static const cJSON *after(const cJSON *edited, const cJSON *old, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(edited, name);
	return v ? v : cJSON_GetObjectItemCaseSensitive(old, name);
}

/* Check what was written against the fields as they were and make the
 * body: the fields that changed (a new copilot: every one given). A
 * field left out stays as it is. NULL with err naming the field;
 * *holds_key when the key was written among them. */
static cJSON *changes_of(const struct cedit *e, bool *holds_key, struct lb_error *err)
{
	const char *end = NULL;
	cJSON *edited = cJSON_ParseWithOpts(e->text, &end, false), *body;
	char where[64];

	if (!edited) {
		json_where(e->text, end ? end : cJSON_GetErrorPtr(), where, sizeof(where));
		lb_error_set(err, LB_USAGE, "what you wrote is not valid JSON: error at %s", where);
		return NULL;
	}
	if (end && end[strspn(end, " \t\r\n")]) {
		json_where(e->text, end, where, sizeof(where));
		cJSON_Delete(edited);
		lb_error_set(err, LB_USAGE, "what you wrote has text after the object, at %s",
		             where);
		return NULL;
	}
	if (!cJSON_IsObject(edited)) {
		cJSON_Delete(edited);
		lb_error_set(err, LB_USAGE, "the copilot's fields are one JSON object");
		return NULL;
	}
	for (const cJSON *f = edited->child; f; f = f->next) {
		int i = field_index(f->string);
		if (i >= 0 &&
		    check_field((size_t)i, f, cJSON_GetObjectItemCaseSensitive(e->old, f->string),
		                !e->id, err))
			continue;
		if (i >= 0) {
			cJSON_Delete(edited);
			return NULL;
		}
		if ((*holds_key = !strcmp(f->string, "providerApiKey")))
			lb_error_set(
			    err, LB_USAGE,
			    "providerApiKey is write-only and never written here: set it "
			    "from a file (K in the copilots view, or --api-key-from FILE)");
		else
			lb_error_set(
			    err, LB_USAGE,
			    "\"%s\" is not a field of a copilot (name, description, provider, "
			    "providerModel, compatibleProviderName, providerBaseUrl, "
			    "systemPrompt, knowledgePrompt, alwaysUseKnowledge, settings, "
			    "providerOptions)",
			    f->string);
		cJSON_Delete(edited);
		return NULL;
	}
	const cJSON *prov = after(edited, e->old, "provider");
	if (cJSON_IsString(prov) && !strcmp(prov->valuestring, "openai-compatible"))
		for (const char *const *n =
		         (const char *const[]){"compatibleProviderName", "providerBaseUrl", NULL};
		     *n; n++) {
			const cJSON *v = after(edited, e->old, *n);
			if (!cJSON_IsString(v) || !*v->valuestring) {
				lb_error_set(err, LB_USAGE,
				             "%s: an openai-compatible provider needs it", *n);
				cJSON_Delete(edited);
				return NULL;
			}
		}
	if (!(body = cJSON_CreateObject())) {
		cJSON_Delete(edited);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < N_FIELDS; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(edited, fields[i].name);
		const cJSON *was = cJSON_GetObjectItemCaseSensitive(e->old, fields[i].name);
		bool send = e->id ? v && !cJSON_Compare(v, was, true) : v && !cJSON_IsNull(v);
		cJSON *copy = send ? cJSON_Duplicate(v, true) : NULL;
		if (send && (!copy || !cJSON_AddItemToObject(body, fields[i].name, copy))) {
			cJSON_Delete(copy);
			cJSON_Delete(body);
			cJSON_Delete(edited);
			lb_error_set(err, LB_NOMEM, "out of memory");
			return NULL;
		}
	}
	cJSON_Delete(edited);
	return body;
}

/* "- name: value" as compact JSON on one line. */
static bool diff_line(struct buf *b, char sign, const char *name, const cJSON *v)
{
	char *s = v ? cJSON_PrintUnformatted(v) : NULL;
	bool ok = s && buf_printf(b, "%c %-22s %s\n", sign, name, s);

	free(s);
	return ok;
}

/* The preview: each field that changes, as it was and as it will be. */
static char *preview_of(const struct cedit *e, const cJSON *body)
{
	struct buf b;
	bool ok = true;

	buf_init(&b);
	for (const cJSON *f = body->child; ok && f; f = f->next) {
		const cJSON *was = cJSON_GetObjectItemCaseSensitive(e->old, f->string);
		if (e->id)
			ok = diff_line(&b, '-', f->string, was);
		ok = ok && diff_line(&b, '+', f->string, f);
	}
	if (ok && e->key)
		ok = buf_printf(&b, "+ %-22s (write-only, never shown; read from %s)\n",
		                "providerApiKey", e->key_from);
	if (ok)
		ok = buf_printf(&b,
		                "\n%s one request, %s, with exactly these fields.\n"
		                "What you wrote is kept in %s until it is applied.\n",
		                e->c->host.interactive ? "Applied as"
		                                       : "Nothing was sent. With --yes,",
		                e->id ? "POST /v2/ai/copilots/ID" : "POST /v2/ai/copilots",
		                e->kept ? e->kept : "no file (it could not be saved)");
	if (!ok) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static void cedit_edit(struct cedit *e);

static void cedit_again(void *state)
{
	cedit_edit(state);
}

/* Refused (what was written, or the server's answer): on the screen,
 * offer to edit it again, from what was written; else finish with why. */
static void cedit_refused(struct cedit *e, const struct lb_error *why, const char *who)
{
	struct cmd_ctx *c = e->c;
	struct lb_error no = *why;
	char msg[1600];
	struct buf b;

	if (!c->host.interactive || !c->host.confirm || !c->host.edit_text) {
		cedit_finish(e, why);
		return;
	}
	if (e->kept)
		cmd_edited_saved_in(e->kept, &no);
	lb_error_format(why, msg, sizeof(msg));
	buf_init(&b);
	buf_printf(&b, "%s refused the change: %s\n\nNothing was changed. ", who, msg);
	if (e->kept)
		buf_printf(&b, "What you wrote is kept in %s.\n", e->kept);
	else
		buf_printf(&b, "What you wrote is in no file.\n");
	buf_printf(&b, "Edit it again (from what you wrote)?\n");
	if (!b.data) {
		cedit_nomem(e);
		return;
	}
	cmd_confirm_else(c, e->id ? "copilot not changed" : "copilot not created", b.data,
	                 "Edit it again?", false, &no, cedit_again, cedit_free, e);
	buf_free(&b);
}

static void cedit_saved(const struct storage_result *res, void *ud)
{
	struct cedit *e = ud;
	struct cmd_ctx *c = e->c;
	struct copilot cp;
	struct lb_error err = res->err;

	if (err.status == LB_OK) {
		if (copilot_decode(res->body, res->body_len, &cp, &err)) {
			cmd_sayf(c, "%s copilot %s (%s)", e->id ? "updated" : "created", cp.id,
			         cp.name ? cp.name : "");
			copilot_clear(&cp);
		} else {
			cmd_sayf(c, "%s a copilot", e->id ? "updated" : "created");
		}
		lb_error_clear(&err);
		cedit_finish(e, &err);
		return;
	}
	/* The server said which field: edit again. A change that may have
	 * been applied is not offered again. */
	if (err.http_status == 422 || err.http_status == 400) {
		cedit_refused(e, &err, "the server");
		return;
	}
	cedit_finish(e, &err);
}

/* Yes: the previewed fields (and the key read from the file) in one
 * request. */
static void cedit_apply(void *state)
{
	struct cedit *e = state;
	cJSON *body = cJSON_Parse(e->body);
	char *json;

	if (!body || (e->key && !cJSON_AddStringToObject(body, "providerApiKey", e->key)) ||
	    !(json = cJSON_PrintUnformatted(body))) {
		cJSON_Delete(body);
		cedit_nomem(e);
		return;
	}
	cJSON_Delete(body);
	ai_request(e->c->model, e->id ? EP_COPILOT_UPDATE : EP_COPILOT_CREATE, e->id, NULL, NULL,
	           json, strlen(json), API_CT_JSON, cedit_saved, e);
	memset(json, 0, strlen(json));
	free(json);
}

/* What was written: checked, then previewed and asked. */
static void cedit_check(struct cedit *e)
{
	struct cmd_ctx *c = e->c;
	struct lb_error err;
	bool holds_key = false;
	cJSON *body = changes_of(e, &holds_key, &err);
	char *preview, title[256];

	if (!body) {
		/* A key written among the fields is not kept in a file: the
		 * editor gets it again, where it can be taken out. */
		if (holds_key && e->kept) {
			unlink(e->kept);
			free(e->kept);
			e->kept = NULL;
		}
		if (err.status == LB_NOMEM)
			cedit_nomem(e);
		else
			cedit_refused(e, &err, "lbtui");
		return;
	}
	if (e->id && !body->child && !e->key) {
		cJSON_Delete(body);
		cmd_sayf(c, "nothing to change: copilot %s already has these fields", e->id);
		lb_error_clear(&err);
		cedit_finish(e, &err);
		return;
	}
	free(e->body);
	e->body = cJSON_PrintUnformatted(body);
	preview = e->body ? preview_of(e, body) : NULL;
	cJSON_Delete(body);
	if (!preview) {
		cedit_nomem(e);
		return;
	}
	if (e->id)
		snprintf(title, sizeof(title), "copilot %s: the fields that change", e->id);
	else
		snprintf(title, sizeof(title), "a new copilot");
	lb_error_set(&err, LB_CANCELLED, "not applied");
	if (e->kept)
		cmd_edited_saved_in(e->kept, &err);
	cmd_confirm_else(c, title, preview, e->id ? "Apply this change?" : "Create this copilot?",
	                 e->yes, &err, cedit_apply, cedit_free, e);
	free(preview);
}

/* $EDITOR on what was written last (at first, the fields as they are);
 * what comes back is kept in a file before anything else. */
static void cedit_edit(struct cedit *e)
{
	struct cmd_ctx *c = e->c;
	struct lb_error err;
	char *initial = e->text ? NULL : cJSON_Print(e->old), *out = NULL;
	struct buf with_nl;

	buf_init(&with_nl);
	if (!e->text && (!initial || !buf_printf(&with_nl, "%s\n", initial))) {
		free(initial);
		cedit_nomem(e);
		return;
	}
	free(initial);
	bool ok = c->host.edit_text(c->host.ud, e->text ? e->text : with_nl.data, &out, &err);
	buf_free(&with_nl);
	if (!ok) {
		cedit_finish(e, &err);
		return;
	}
	if (!out[strspn(out, " \t\r\n")]) {
		free(out);
		lb_error_set(&err, LB_CANCELLED, "you wrote nothing; nothing changed");
		cedit_finish(e, &err);
		return;
	}
	free(e->text);
	e->text = out;
	if (e->kept)
		unlink(e->kept);
	free(e->kept);
	struct lb_error ignored;
	e->kept = kept_save("copilot", e->id ? e->id : "new", e->text, strlen(e->text), &ignored);
	cedit_check(e);
}

static void cedit_loaded(const struct storage_result *res, void *ud)
{
	struct cedit *e = ud;
	struct lb_error err = res->err;
	cJSON *copilot;

	if (err.status != LB_OK) {
		cedit_finish(e, &err);
		return;
	}
	if (!(copilot = api_parse_json(res->body, res->body_len, &err)) ||
	    !cJSON_IsObject(copilot)) {
		cJSON_Delete(copilot);
		if (err.status == LB_OK)
			lb_error_set(&err, LB_DECODE,
			             "the server sent a copilot that is no object");
		cedit_finish(e, &err);
		return;
	}
	e->old = fields_of(copilot);
	cJSON_Delete(copilot);
	if (!e->old) {
		cedit_nomem(e);
		return;
	}
	cedit_edit(e);
}

void copilot_edit_run(struct cmd_ctx *c, const struct args *a, const char *id)
{
	static const char *const alone[] = {"edit", "api-key-from", "yes"};
	const char *from = cmd_opt_value(a, "api-key-from");
	struct lb_error err;
	struct cedit *e;

	for (int i = 0; i < a->nopt; i++)
		if (!one_of(a->opt[i].spec->name, alone, sizeof(alone) / sizeof(alone[0]))) {
			cmd_finish_usage(
			    c, "--edit writes every field in $EDITOR: give it without --%s",
			    a->opt[i].spec->name);
			return;
		}
	if (!c->host.edit_text) {
		cmd_finish_usage(c, "%s", "--edit needs a terminal: give the fields as options");
		return;
	}
	if (!id && !from) {
		cmd_finish_usage(
		    c, "%s", "a new copilot needs its provider's key: give --api-key-from FILE");
		return;
	}
	if (!(e = calloc(1, sizeof(*e))) || (id && !(e->id = strdup(id))) ||
	    (from && !(e->key_from = strdup(from)))) {
		cedit_free(e);
		cmd_finish_nomem(c);
		return;
	}
	e->c = c;
	e->yes = cmd_has_flag(a, "yes");
	if (from && !ai_read_api_key(c, from, &e->key, &err)) {
		cedit_free(e);
		cmd_finish(c, &err);
		return;
	}
	if (id) {
		ai_request(c->model, EP_COPILOT_GET, id, NULL, NULL, NULL, 0, API_CT_NONE,
		           cedit_loaded, e);
		return;
	}
	if (!(e->old = fields_of(NULL))) {
		cedit_nomem(e);
		return;
	}
	cedit_edit(e);
}
