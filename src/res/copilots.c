#include "lbconfig.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ai_cmd.h"
#include "cmd_impl.h"
#include "copilots.h"
#include "decode.h"
#include "family.h"
#include "kind.h"
#include "model_impl.h"
#include "ops.h"
#include "query.h"
#include "term_safe.h"
#include "util.h"

/* AI copilots: the decoders of copilots and knowledge sources, the body
 * of a create or an update, the requests of the whole AI family (one op
 * program outside rooms), and the copilot commands. Knowledge sources'
 * commands are in knowledge.c. */

/* ------------------------------------------------------------------ */
/* Decoders */

static const cJSON *item(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* A copy of obj's string field name into *dst (NULL when absent); false
 * when out of memory. */
static bool take(char **dst, const cJSON *obj, const char *name)
{
	const char *s = cJSON_GetStringValue(item(obj, name));

	*dst = NULL;
	return !s || (*dst = strdup(s));
}

/* obj's field name as compact JSON (NULL when absent or null); false
 * when out of memory. */
static bool take_json(char **dst, const cJSON *obj, const char *name)
{
	const cJSON *v = item(obj, name);

	*dst = NULL;
	return !v || cJSON_IsNull(v) || (*dst = cJSON_PrintUnformatted(v));
}

void copilot_clear(struct copilot *c)
{
	char **s[] = {&c->id,
	              &c->name,
	              &c->description,
	              &c->provider,
	              &c->model,
	              &c->system_prompt,
	              &c->knowledge_prompt,
	              &c->compatible_name,
	              &c->base_url,
	              &c->created_at,
	              &c->updated_at,
	              &c->last_used_at,
	              &c->settings_json,
	              &c->provider_options_json};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
	memset(c, 0, sizeof(*c));
	c->always_use_knowledge = -1;
}

void copilots_free(struct copilot *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++)
		copilot_clear(&c[i]);
	free(c);
}

/* One copilot from its object; false with err. */
static bool copilot_from(const cJSON *o, struct copilot *c, struct lb_error *err)
{
	const cJSON *always = item(o, "alwaysUseKnowledge");

	memset(c, 0, sizeof(*c));
	c->always_use_knowledge = cJSON_IsBool(always) ? cJSON_IsTrue(always) : -1;
	if (!cJSON_GetStringValue(item(o, "id"))) {
		lb_error_set(err, LB_DECODE, "the server sent a copilot without an \"id\"");
		return false;
	}
	if (take(&c->id, o, "id") && take(&c->name, o, "name") &&
	    take(&c->description, o, "description") && take(&c->provider, o, "provider") &&
	    take(&c->model, o, "providerModel") && take(&c->system_prompt, o, "systemPrompt") &&
	    take(&c->knowledge_prompt, o, "knowledgePrompt") &&
	    take(&c->compatible_name, o, "compatibleProviderName") &&
	    take(&c->base_url, o, "providerBaseUrl") && take(&c->created_at, o, "createdAt") &&
	    take(&c->updated_at, o, "updatedAt") && take(&c->last_used_at, o, "lastUsedAt") &&
	    take_json(&c->settings_json, o, "settings") &&
	    take_json(&c->provider_options_json, o, "providerOptions"))
		return true;
	copilot_clear(c);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static bool copilot_item_from(const cJSON *o, void *c, size_t index, struct lb_error *err)
{
	(void)index;
	return copilot_from(o, c, err);
}

static void copilot_item_clear(void *c)
{
	copilot_clear(c);
}

bool copilot_page_decode(const char *json, size_t len, struct copilot **out, size_t *n,
                         char **next_cursor, struct lb_error *err)
{
	return api_decode_page(json, len, "copilots", sizeof(**out), copilot_item_from,
	                       copilot_item_clear, (void **)out, n, next_cursor, err);
}

bool copilot_decode(const char *json, size_t len, struct copilot *out, struct lb_error *err)
{
	return api_decode_one(json, len, sizeof(*out), copilot_item_from, copilot_item_clear, out,
	                      err);
}

void knowledge_source_clear(struct knowledge_source *k)
{
	char **s[] = {
	    &k->id,     &k->url,           &k->link_type,  &k->file_name,  &k->mime_type,
	    &k->status, &k->error_message, &k->created_at, &k->updated_at, &k->last_indexed_at};

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		free(*s[i]);
	memset(k, 0, sizeof(*k));
}

void knowledge_sources_free(struct knowledge_source *k, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		knowledge_source_clear(&k[i]);
	free(k);
}

static bool source_from(const cJSON *o, void *out, struct lb_error *err)
{
	struct knowledge_source *k = out;
	const char *type = cJSON_GetStringValue(item(o, "type"));
	const cJSON *link = item(o, "link"), *file = item(o, "file");

	memset(k, 0, sizeof(*k));
	if (!cJSON_GetStringValue(item(o, "id"))) {
		lb_error_set(err, LB_DECODE,
		             "the server sent a knowledge source without an \"id\"");
		return false;
	}
	k->web = (type && !strcmp(type, "ai-knowledge-web-source")) || (!type && link);
	if (take(&k->id, o, "id") && take(&k->url, link, "url") &&
	    take(&k->link_type, link, "type") && take(&k->file_name, file, "name") &&
	    take(&k->mime_type, file, "mimeType") && take(&k->status, o, "status") &&
	    take(&k->error_message, o, "errorMessage") && take(&k->created_at, o, "createdAt") &&
	    take(&k->updated_at, o, "updatedAt") && take(&k->last_indexed_at, o, "lastIndexedAt"))
		return true;
	knowledge_source_clear(k);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static bool source_item_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	(void)index;
	return source_from(o, out, err);
}

static void source_item_clear(void *k)
{
	knowledge_source_clear(k);
}

bool knowledge_page_decode(const char *json, size_t len, struct knowledge_source **out, size_t *n,
                           char **next_cursor, struct lb_error *err)
{
	return api_decode_page(json, len, "knowledge sources", sizeof(**out), source_item_from,
	                       source_item_clear, (void **)out, n, next_cursor, err);
}

bool knowledge_source_decode(const char *json, size_t len, struct knowledge_source *out,
                             struct lb_error *err)
{
	return api_decode_one(json, len, sizeof(*out), source_item_from, source_item_clear, out,
	                      err);
}

static void link_clear(void *item)
{
	struct knowledge_link *l = item;

	free(l->id);
	free(l->url);
	free(l->status);
	free(l->last_indexed_at);
	memset(l, 0, sizeof(*l));
}

void knowledge_links_free(struct knowledge_link *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		link_clear(&l[i]);
	free(l);
}

static bool link_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	struct knowledge_link *l = out;

	(void)index;
	memset(l, 0, sizeof(*l));
	if (!cJSON_GetStringValue(item(o, "url"))) {
		lb_error_set(err, LB_DECODE, "the server sent a link without a \"url\"");
		return false;
	}
	if (take(&l->id, o, "id") && take(&l->url, o, "url") && take(&l->status, o, "status") &&
	    take(&l->last_indexed_at, o, "lastIndexedAt"))
		return true;
	link_clear(l);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

bool knowledge_links_decode(const char *json, size_t len, struct knowledge_link **out, size_t *n,
                            char **next_cursor, struct lb_error *err)
{
	return api_decode_page(json, len, "links", sizeof(**out), link_from, link_clear,
	                       (void **)out, n, next_cursor, err);
}

/* A string field of the answer's object (malloc'd); false with err. */
static bool string_field_decode(const char *json, size_t len, const char *name, const char *what,
                                char **out, struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const char *s;

	*out = NULL;
	if (!root)
		return false;
	s = cJSON_GetStringValue(item(root, name));
	if (!s) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE, "the server did not send %s (\"%s\")", what, name);
		return false;
	}
	*out = strdup(s);
	cJSON_Delete(root);
	if (!*out) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	lb_error_clear(err);
	return true;
}

bool knowledge_markdown_decode(const char *json, size_t len, char **content, struct lb_error *err)
{
	return string_field_decode(json, len, "content", "the file's Markdown", content, err);
}

bool ai_id_decode(const char *json, size_t len, char **id, struct lb_error *err)
{
	return string_field_decode(json, len, "id", "the new ID", id, err);
}

/* ------------------------------------------------------------------ */
/* The body of a create or an update */

/* text as a number into obj[key]; integer: a whole number; false with
 * err naming --opt. */
static bool add_number(cJSON *obj, const char *key, const char *text, const char *opt, bool integer,
                       struct lb_error *err)
{
	char *end;
	double v;

	if (!text)
		return true;
	errno = 0;
	v = strtod(text, &end);
	if (!*text || *end || errno || !isfinite(v) || (integer && v != floor(v))) {
		lb_error_set(err, LB_USAGE, "--%s wants %s, not \"%s\"", opt,
		             integer ? "a whole number" : "a number", text);
		return false;
	}
	if (!cJSON_AddNumberToObject(obj, key, v)) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

/* obj[key], an object (made when absent); NULL when out of memory or
 * when obj[key] is not an object (err says so). */
static cJSON *object_at(cJSON *obj, const char *key, struct lb_error *err)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (v && !cJSON_IsObject(v)) {
		lb_error_set(err, LB_USAGE, "\"%s\" is not an object", key);
		return NULL;
	}
	if (!v && !(v = cJSON_AddObjectToObject(obj, key)))
		lb_error_set(err, LB_NOMEM, "out of memory");
	return v;
}

/* A JSON object given with --opt (or a new one when text is NULL). */
static cJSON *object_from(const char *text, const char *opt, struct lb_error *err)
{
	cJSON *v;

	if (!text)
		v = cJSON_CreateObject();
	else if (!(v = cJSON_Parse(text)) || !cJSON_IsObject(v)) {
		cJSON_Delete(v);
		lb_error_set(err, LB_USAGE, "--%s wants a JSON object", opt);
		return NULL;
	}
	if (!v)
		lb_error_set(err, LB_NOMEM, "out of memory");
	return v;
}

static bool add_strings(cJSON *obj, const char *key, const struct strv *s, struct lb_error *err)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	for (size_t i = 0; arr && i < s->n; i++) {
		cJSON *str = cJSON_CreateString(s->v[i]);
		if (!str || !cJSON_AddItemToArray(arr, str)) {
			cJSON_Delete(str);
			arr = NULL;
		}
	}
	if (!arr)
		lb_error_set(err, LB_NOMEM, "out of memory");
	return arr != NULL;
}

static bool settings_build(const struct copilot_edit *e, cJSON *body, struct lb_error *err)
{
	bool named = e->max_tokens || e->temperature || e->top_p || e->top_k ||
	             e->frequency_penalty || e->presence_penalty || e->seed || e->max_retries ||
	             e->stop_sequences.n;
	cJSON *s;

	if (!named && !e->settings_json)
		return true;
	if (!(s = object_from(e->settings_json, "settings", err)))
		return false;
	if (!cJSON_AddItemToObject(body, "settings", s)) {
		cJSON_Delete(s);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return add_number(s, "maxTokens", e->max_tokens, "max-tokens", true, err) &&
	       add_number(s, "temperature", e->temperature, "temperature", false, err) &&
	       add_number(s, "topP", e->top_p, "top-p", false, err) &&
	       add_number(s, "topK", e->top_k, "top-k", true, err) &&
	       add_number(s, "frequencyPenalty", e->frequency_penalty, "frequency-penalty", false,
	                  err) &&
	       add_number(s, "presencePenalty", e->presence_penalty, "presence-penalty", false,
	                  err) &&
	       add_number(s, "seed", e->seed, "seed", true, err) &&
	       add_number(s, "maxRetries", e->max_retries, "max-retries", true, err) &&
	       (!e->stop_sequences.n || add_strings(s, "stopSequences", &e->stop_sequences, err));
}

/* Whether provider is p; else err says --opt needs it. */
static bool needs_provider(const struct copilot_edit *e, const char *opt, const char *p1,
                           const char *p2, struct lb_error *err)
{
	if (e->provider && (!strcmp(e->provider, p1) || (p2 && !strcmp(e->provider, p2))))
		return true;
	lb_error_set(err, LB_USAGE, "--%s is an option of provider %s%s%s: give --provider", opt,
	             p1, p2 ? " or " : "", p2 ? p2 : "");
	return false;
}

static bool provider_options_build(const struct copilot_edit *e, cJSON *body, struct lb_error *err)
{
	bool named =
	    e->reasoning_effort || e->thinking_budget || e->thinking_off || e->web_search_domains.n;
	cJSON *po, *p;

	if (!named && !e->provider_options_json)
		return true;
	if (!(po = object_from(e->provider_options_json, "provider-options", err)))
		return false;
	if (!cJSON_AddItemToObject(body, "providerOptions", po)) {
		cJSON_Delete(po);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	if (e->reasoning_effort) {
		const char *r = e->reasoning_effort;
		if (strcmp(r, "low") && strcmp(r, "medium") && strcmp(r, "high")) {
			lb_error_set(err, LB_USAGE, "--reasoning-effort is low, medium or high");
			return false;
		}
		if (!needs_provider(e, "reasoning-effort", "openai", NULL, err) ||
		    !(p = object_at(po, "openai", err)))
			return false;
		if (!cJSON_AddStringToObject(p, "reasoningEffort", r))
			goto oom;
	}
	if (e->thinking_budget && e->thinking_off) {
		lb_error_set(err, LB_USAGE, "give --thinking-budget or --no-thinking, not both");
		return false;
	}
	if (e->thinking_off) {
		if (!needs_provider(e, "no-thinking", "anthropic", NULL, err) ||
		    !(p = object_at(po, "anthropic", err)))
			return false;
		cJSON *t = cJSON_AddObjectToObject(p, "thinking");
		if (!t || !cJSON_AddStringToObject(t, "type", "disabled"))
			goto oom;
	}
	if (e->thinking_budget) {
		if (!needs_provider(e, "thinking-budget", "anthropic", "google", err))
			return false;
		bool google = !strcmp(e->provider, "google");
		if (!(p = object_at(po, google ? "google" : "anthropic", err)))
			return false;
		cJSON *t = cJSON_AddObjectToObject(p, google ? "thinkingConfig" : "thinking");
		if (!t || (!google && !cJSON_AddStringToObject(t, "type", "enabled")))
			goto oom;
		if (!add_number(t, google ? "thinkingBudget" : "budgetTokens", e->thinking_budget,
		                "thinking-budget", true, err))
			return false;
	}
	if (e->web_search_domains.n) {
		if (!needs_provider(e, "web-search-domain", "openai", "anthropic", err) ||
		    !(p = object_at(po, e->provider, err)))
			return false;
		cJSON *w = cJSON_AddObjectToObject(p, "webSearch");
		if (!w || !add_strings(w, "allowedDomains", &e->web_search_domains, err))
			goto oom;
	}
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* The option names --clear takes, and their fields. */
static const char *const clearable[][2] = {
    {"description", "description"},
    {"knowledge-prompt", "knowledgePrompt"},
    {"settings", "settings"},
    {"provider-options", "providerOptions"},
};

static bool clear_build(const struct copilot_edit *e, cJSON *body, struct lb_error *err)
{
	for (size_t i = 0; i < e->clear.n; i++) {
		const char *field = NULL;
		for (size_t k = 0; k < sizeof(clearable) / sizeof(clearable[0]); k++)
			if (!strcmp(e->clear.v[i], clearable[k][0]))
				field = clearable[k][1];
		if (!field) {
			lb_error_set(err, LB_USAGE,
			             "--clear takes description, knowledge-prompt, settings or "
			             "provider-options, not \"%s\"",
			             e->clear.v[i]);
			return false;
		}
		if (cJSON_GetObjectItemCaseSensitive(body, field)) {
			lb_error_set(err, LB_USAGE, "--clear %s and a value for it: give one",
			             e->clear.v[i]);
			return false;
		}
		if (!cJSON_AddNullToObject(body, field)) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
	}
	return true;
}

static bool add_string(cJSON *body, const char *key, const char *value)
{
	return !value || cJSON_AddStringToObject(body, key, value);
}

bool copilot_body_build(const struct copilot_edit *e, bool create, char **out, struct lb_error *err)
{
	static const char *const required[][2] = {{"name", "name"},
	                                          {"provider", "provider"},
	                                          {"model", "model"},
	                                          {"system-prompt", "system prompt"},
	                                          {"api-key-from", "provider API key"}};
	const char *given[] = {e->name, e->provider, e->model, e->system_prompt, e->api_key};
	cJSON *body;
	bool ok;

	*out = NULL;
	for (size_t i = 0; create && i < sizeof(given) / sizeof(given[0]); i++)
		if (!given[i] || !*given[i]) {
			lb_error_set(err, LB_USAGE, "a copilot needs its %s: give --%s",
			             required[i][1], required[i][0]);
			return false;
		}
	if (!(body = cJSON_CreateObject())) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	ok = add_string(body, "providerApiKey", e->api_key) && add_string(body, "name", e->name) &&
	     add_string(body, "description", e->description) &&
	     add_string(body, "provider", e->provider) &&
	     add_string(body, "providerModel", e->model) &&
	     add_string(body, "compatibleProviderName", e->compatible_name) &&
	     add_string(body, "providerBaseUrl", e->base_url) &&
	     add_string(body, "systemPrompt", e->system_prompt) &&
	     add_string(body, "knowledgePrompt", e->knowledge_prompt) &&
	     (e->always_use_knowledge < 0 ||
	      cJSON_AddBoolToObject(body, "alwaysUseKnowledge", e->always_use_knowledge));
	if (!ok)
		lb_error_set(err, LB_NOMEM, "out of memory");
	ok = ok && settings_build(e, body, err) && provider_options_build(e, body, err) &&
	     clear_build(e, body, err);
	if (ok && !create && !body->child) {
		lb_error_set(err, LB_USAGE, "nothing to update: give a field to change (see help)");
		ok = false;
	}
	if (ok && !(*out = cJSON_PrintUnformatted(body))) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		ok = false;
	}
	cJSON_Delete(body);
	return ok;
}

/* ------------------------------------------------------------------ */
/* The model: the project's copilots, read a page at a time */

static bool copilots_decode(const char *body, size_t len, const void *args, struct item_page *out,
                            struct lb_error *err)
{
	struct copilot *v;

	(void)args;
	if (!copilot_page_decode(body, len, &v, &out->n, &out->next, err))
		return false;
	out->items = v;
	return true;
}

static size_t copilot_item_bytes(const void *it)
{
	const struct copilot *c = it;
	const char *s[] = {c->id,
	                   c->name,
	                   c->description,
	                   c->provider,
	                   c->model,
	                   c->system_prompt,
	                   c->knowledge_prompt,
	                   c->compatible_name,
	                   c->base_url,
	                   c->created_at,
	                   c->updated_at,
	                   c->last_used_at,
	                   c->settings_json,
	                   c->provider_options_json};
	size_t b = sizeof(*c);

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		b += s[i] ? strlen(s[i]) + 1 : 0;
	return b;
}

static const char *copilot_item_id(const void *it)
{
	return ((const struct copilot *)it)->id;
}

static const struct item_type copilot_item = {
    .name = "copilot",
    .size = sizeof(struct copilot),
    .decode_page = copilots_decode,
    .clear = copilot_item_clear,
    .bytes = copilot_item_bytes,
    .id = copilot_item_id,
};

static const struct kind copilots_kind = {
    .name = "copilots",
    .shape = KIND_LIST,
    .ep = EP_COPILOTS_LIST,
    .item = &copilot_item,
    .paging = {.cursor_param = "startingAfter", .page_size = 50},
};

struct resource *model_copilots(struct model *m)
{
	char *key = strdup("/v2/ai/copilots");

	return key ? mi_get(m, &copilots_kind, key, NULL, NULL) : NULL;
}

const struct copilot *model_copilot_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &copilot_item, i);
}

/* A copilot's knowledge sources, a page at a time. The resource's
 * room_id holds the copilot's ID: the model's loads send it as the first
 * path parameter. */

static bool sources_decode(const char *body, size_t len, const void *args, struct item_page *out,
                           struct lb_error *err)
{
	struct knowledge_source *v;

	(void)args;
	if (!knowledge_page_decode(body, len, &v, &out->n, &out->next, err))
		return false;
	out->items = v;
	return true;
}

static size_t source_item_bytes(const void *it)
{
	const struct knowledge_source *k = it;
	const char *s[] = {
	    k->id,     k->url,           k->link_type,  k->file_name,  k->mime_type,
	    k->status, k->error_message, k->created_at, k->updated_at, k->last_indexed_at};
	size_t b = sizeof(*k);

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		b += s[i] ? strlen(s[i]) + 1 : 0;
	return b;
}

static const char *source_item_id(const void *it)
{
	return ((const struct knowledge_source *)it)->id;
}

static const struct item_type source_item = {
    .name = "knowledge source",
    .size = sizeof(struct knowledge_source),
    .decode_page = sources_decode,
    .clear = source_item_clear,
    .bytes = source_item_bytes,
    .id = source_item_id,
};

static const struct kind knowledge_kind = {
    .name = "knowledge",
    .shape = KIND_LIST,
    .ep = EP_KNOWLEDGE_LIST,
    .item = &source_item,
    .paging = {.cursor_param = "startingAfter", .page_size = 50},
};

struct resource *model_knowledge(struct model *m, const char *copilot)
{
	char *enc;
	struct buf key;

	if (!m || !copilot || !*copilot || !(enc = url_encode(copilot)))
		return NULL;
	buf_init(&key);
	buf_printf(&key, "/v2/ai/copilots/%s/knowledge", enc);
	free(enc);
	return key.data ? mi_get(m, &knowledge_kind, buf_steal(&key), copilot, NULL) : NULL;
}

const struct knowledge_source *model_knowledge_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &source_item, i);
}

/* ------------------------------------------------------------------ */
/* Requests: one program outside rooms, a step per endpoint */

struct ai_op {
	enum endpoint_id ep;
	char *params[2];
	char *query;
	char *body;
	size_t body_len;
	enum api_content ct;
};

static void ai_op_clear(void *state)
{
	struct ai_op *st = state;

	free(st->params[0]);
	free(st->params[1]);
	free(st->query);
	if (st->body) /* it may hold the provider's key */
		memset(st->body, 0, st->body_len);
	free(st->body);
}

static bool ai_build(struct op *o, struct api_send_args *args, char *made[2], struct lb_error *err)
{
	struct ai_op *st = op_state(o);

	(void)made;
	(void)err;
	args->params[0] = st->params[0];
	args->params[1] = st->params[1];
	args->query = st->query;
	args->body = st->body;
	args->body_len = st->body_len;
	args->ct = st->ct;
	return true;
}

static const struct op_step *ai_answer(struct model *m, struct op *o,
                                       struct api_storage_result *res, struct op_end *end)
{
	const struct ai_op *st = op_state(o);

	end->err = res->err;
	end->body = res->body;
	end->body_len = res->body_len;
	/* What a change may have touched is read again where it is shown
	 * (a refusal too: it costs a read, and says what is there). */
	switch (st->ep) {
	case EP_COPILOT_CREATE:
	case EP_COPILOT_UPDATE:
	case EP_COPILOT_DELETE:
		mi_lists_invalidate(m, &copilot_item);
		break;
	case EP_KNOWLEDGE_WEB_CREATE:
	case EP_KNOWLEDGE_FILE_CREATE:
	case EP_KNOWLEDGE_FILE_DELETE:
	case EP_KNOWLEDGE_WEB_DELETE:
		mi_lists_invalidate(m, &source_item);
		break;
	default:
		break;
	}
	return NULL;
}

#define AI_STEP(e)                                                                                 \
	{                                                                                          \
		.ep = EP_##e, .build = ai_build, .answer = ai_answer                               \
	}
static const struct op_step ai_steps[] = {
    AI_STEP(COPILOTS_LIST),       AI_STEP(COPILOT_CREATE),        AI_STEP(COPILOT_GET),
    AI_STEP(COPILOT_UPDATE),      AI_STEP(COPILOT_DELETE),        AI_STEP(KNOWLEDGE_LIST),
    AI_STEP(KNOWLEDGE_GET),       AI_STEP(KNOWLEDGE_WEB_CREATE),  AI_STEP(KNOWLEDGE_FILE_CREATE),
    AI_STEP(KNOWLEDGE_FILE_GET),  AI_STEP(KNOWLEDGE_FILE_DELETE), AI_STEP(KNOWLEDGE_WEB_DELETE),
    AI_STEP(KNOWLEDGE_WEB_LINKS),
};
#undef AI_STEP

static const struct op_program ai_read_program = {
    .name = "AI read",
    .state_size = sizeof(struct ai_op),
    .clear = ai_op_clear,
    .changes = false,
    .outside_room = true,
};

static const struct op_program ai_change_program = {
    .name = "AI change",
    .state_size = sizeof(struct ai_op),
    .clear = ai_op_clear,
    .changes = true,
    .outside_room = true,
};

static bool dup_or_null(char **dst, const char *s)
{
	*dst = NULL;
	return !s || (*dst = strdup(s));
}

http_id ai_request(struct model *m, enum endpoint_id ep, const char *p0, const char *p1,
                   const char *query, const void *body, size_t len, enum api_content ct,
                   storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	const struct endpoint *e = endpoint_get(ep);
	const struct op_step *step = NULL;
	struct ai_op *st;
	struct op *o;

	for (size_t i = 0; i < sizeof(ai_steps) / sizeof(ai_steps[0]); i++)
		if (ai_steps[i].ep == ep)
			step = &ai_steps[i];
	if (!step || !e)
		return op_refuse(&to, LB_USAGE, "not an endpoint of AI copilots");
	o = op_new(m, (e->flags & EPF_MUTATION) ? &ai_change_program : &ai_read_program, NULL, ep,
	           &to);
	if (!o)
		return 0;
	st = op_state(o);
	st->ep = ep;
	st->ct = ct;
	if (!dup_or_null(&st->params[0], p0) || !dup_or_null(&st->params[1], p1) ||
	    !dup_or_null(&st->query, query))
		return op_drop(o, LB_NOMEM, "out of memory");
	if (body) {
		if (!(st->body = malloc(len ? len : 1)))
			return op_drop(o, LB_NOMEM, "out of memory");
		memcpy(st->body, body, len);
		st->body_len = len;
	}
	return op_run(m, o, step);
}

/* ------------------------------------------------------------------ */
/* What the commands share (ai_cmd.h) */

char *ai_safe(const char *s)
{
	return ts_sanitize(s ? s : "", (size_t)-1);
}

struct ai_call_state {
	struct cmd_ctx *c;
	ai_ok_fn ok;
	char *arg;
};

static void ai_call_done(const struct storage_result *res, void *ud)
{
	struct ai_call_state *s = ud;
	struct cmd_ctx *c = s->c;

	if (res->err.status == LB_OK)
		s->ok(c, res, s->arg ? s->arg : "");
	free(s->arg);
	free(s);
	cmd_finish(c, &res->err);
}

void ai_call(struct cmd_ctx *c, enum endpoint_id ep, const char *p0, const char *p1,
             const char *query, const void *body, size_t len, enum api_content ct, ai_ok_fn ok,
             const char *arg)
{
	struct ai_call_state *s = calloc(1, sizeof(*s));

	if (!s || !dup_or_null(&s->arg, arg)) {
		free(s);
		cmd_finish_nomem(c);
		return;
	}
	s->c = c;
	s->ok = ok;
	ai_request(c->model, ep, p0, p1, query, body, len, ct, ai_call_done, s);
}

/* Items asked for per page (the API's most with --all). */
#define AI_PAGE     50
#define AI_PAGE_ALL 100

struct ai_pager {
	struct cmd_ctx *c;
	enum endpoint_id ep;
	char *p0, *p1;
	bool all;
	cJSON *items; /* every page's, as sent */
	char *next;
	ai_print_fn print;
};

static void pager_free(struct ai_pager *p)
{
	free(p->p0);
	free(p->p1);
	free(p->next);
	cJSON_Delete(p->items);
	free(p);
}

static void pager_request(struct ai_pager *p);

/* Every page in: print {"data": items, "nextCursor"} one way or the other. */
static void pager_print(struct ai_pager *p)
{
	struct cmd_ctx *c = p->c;
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;
	bool ok = root && cJSON_AddItemToObject(root, "data", p->items);

	if (ok)
		p->items = NULL;
	ok = ok && (p->next ? cJSON_AddStringToObject(root, "nextCursor", p->next) != NULL
	                    : cJSON_AddNullToObject(root, "nextCursor") != NULL);
	ok = ok && (text = cJSON_PrintUnformatted(root));
	cJSON_Delete(root);
	if (ok && c->host.json)
		cmd_print_json(c, text, strlen(text));
	else if (ok)
		ok = p->print(c, text, strlen(text), p->next != NULL);
	free(text);
	pager_free(p);
	if (ok)
		cmd_finish_ok(c);
	else
		cmd_finish_nomem(c);
}

static void pager_done(const struct storage_result *res, void *ud)
{
	struct ai_pager *p = ud;
	struct cmd_ctx *c = p->c;
	struct lb_error err = res->err;
	cJSON *root, *data, *it;
	const char *cursor;

	if (err.status != LB_OK) {
		pager_free(p);
		cmd_finish(c, &err);
		return;
	}
	if (!(root = api_parse_json(res->body, res->body_len, &err))) {
		pager_free(p);
		cmd_finish(c, &err);
		return;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsArray(data)) {
		cJSON_Delete(root);
		pager_free(p);
		cmd_finish_with(c, LB_DECODE, "%s",
		                "the server sent a list without a \"data\" array");
		return;
	}
	while ((it = cJSON_DetachItemFromArray(data, 0)))
		cJSON_AddItemToArray(p->items, it);
	cursor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "nextCursor"));
	bool more = cursor && *cursor;
	free(p->next);
	p->next = more ? strdup(cursor) : NULL;
	cJSON_Delete(root);
	if (more && !p->next) {
		pager_free(p);
		cmd_finish_nomem(c);
	} else if (p->all && p->next)
		pager_request(p);
	else
		pager_print(p);
}

static void pager_request(struct ai_pager *p)
{
	struct buf q;
	char *cur = p->next ? url_encode(p->next) : NULL;

	buf_init(&q);
	buf_printf(&q, "limit=%d", p->all ? AI_PAGE_ALL : AI_PAGE);
	if (cur)
		buf_printf(&q, "&startingAfter=%s", cur);
	free(cur);
	if (!q.data || (p->next && !cur)) {
		buf_free(&q);
		struct cmd_ctx *c = p->c;
		pager_free(p);
		cmd_finish_nomem(c);
		return;
	}
	ai_request(p->c->model, p->ep, p->p0, p->p1, q.data, NULL, 0, API_CT_NONE, pager_done, p);
	buf_free(&q);
}

void ai_list(struct cmd_ctx *c, enum endpoint_id ep, const char *p0, const char *p1, bool all,
             ai_print_fn print)
{
	struct ai_pager *p = calloc(1, sizeof(*p));

	if (!p || !(p->items = cJSON_CreateArray()) || !dup_or_null(&p->p0, p0) ||
	    !dup_or_null(&p->p1, p1)) {
		if (p)
			pager_free(p);
		cmd_finish_nomem(c);
		return;
	}
	p->c = c;
	p->ep = ep;
	p->all = all;
	p->print = print;
	pager_request(p);
}

/* ------------------------------------------------------------------ */
/* Commands */

static void run_copilots(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_copilot_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_copilot_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_copilot_create(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_copilot_update(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec list_opts[] = {
    {"all", OPT_FLAG, NULL, "load every page"},
    {NULL, 0, NULL, NULL},
};

/* clang-format off */
static const struct opt_spec edit_opts[] = {
    {"name", OPT_VALUE, "NAME", "the copilot's name"},
    {"description", OPT_VALUE, "TEXT", "what it is for"},
    {"provider", OPT_VALUE, "P", "openai, anthropic, google or openai-compatible"},
    {"model", OPT_VALUE, "MODEL", "the provider's model (providerModel)"},
    {"system-prompt", OPT_VALUE, "TEXT", "the system prompt"},
    {"knowledge-prompt", OPT_VALUE, "TEXT", "how to use the knowledge sources"},
    {"always-use-knowledge", OPT_VALUE, "on|off", "search the knowledge on every message"},
    {"api-key-from", OPT_VALUE, "FILE|-", "read the provider's API key from FILE or stdin"},
    {"compatible-name", OPT_VALUE, "NAME", "openai-compatible: the provider's name"},
    {"base-url", OPT_VALUE, "URL", "openai-compatible: the provider's base URL"},
    {"settings", OPT_VALUE, "JSON", "settings as a JSON object (the options below add to it)"},
    {"max-tokens", OPT_VALUE, "N", "settings: maxTokens"},
    {"temperature", OPT_VALUE, "X", "settings: temperature"},
    {"top-p", OPT_VALUE, "X", "settings: topP"},
    {"top-k", OPT_VALUE, "N", "settings: topK"},
    {"frequency-penalty", OPT_VALUE, "X", "settings: frequencyPenalty"},
    {"presence-penalty", OPT_VALUE, "X", "settings: presencePenalty"},
    {"stop", OPT_VALUE, "TEXT", "settings: a stop sequence (repeatable)"},
    {"seed", OPT_VALUE, "N", "settings: seed"},
    {"max-retries", OPT_VALUE, "N", "settings: maxRetries"},
    {"provider-options", OPT_VALUE, "JSON", "providerOptions as a JSON object"},
    {"reasoning-effort", OPT_VALUE, "low|medium|high", "openai: reasoning effort"},
    {"thinking-budget", OPT_VALUE, "N", "anthropic, google: thinking budget in tokens"},
    {"no-thinking", OPT_FLAG, NULL, "anthropic: thinking disabled"},
    {"web-search-domain", OPT_VALUE, "DOMAIN", "openai, anthropic: web search allowed domain (repeatable)"},
    {"clear", OPT_VALUE, "FIELD", "update: set description, knowledge-prompt, settings or provider-options to null (repeatable)"},
    {"edit", OPT_FLAG, NULL, "write every field (but the key) as JSON in $EDITOR; a diff is shown and asked"},
    {"yes", OPT_FLAG, NULL, "--edit: apply what was written without asking"},
    {NULL, 0, NULL, NULL},
};
/* clang-format on */

static const struct command commands[] = {
    {"copilots", "", 0, 0, false, run_copilots, "List the project's AI copilots", list_opts,
     SCOPE_NONE},
    {"copilot show", "ID", 1, 1, false, run_copilot_show, "Show an AI copilot", cmd_no_opts,
     SCOPE_NONE},
    {"copilot delete", "ID", 1, 1, true, run_copilot_delete,
     "Delete an AI copilot and its knowledge (asks you to type its ID)", cmd_yes_opts, SCOPE_NONE},
    {"copilot create", "", 0, 0, true, run_copilot_create,
     "Create an AI copilot (the provider's key from --api-key-from FILE or -)", edit_opts,
     SCOPE_NONE},
    {"copilot update", "ID", 1, 1, true, run_copilot_update,
     "Change an AI copilot's fields (--clear FIELD sets one to null)", edit_opts, SCOPE_NONE},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

static bool print_copilots(struct cmd_ctx *c, const char *json, size_t len, bool more)
{
	struct copilot *v;
	size_t n;
	char *next;
	struct lb_error err;
	struct buf b;
	int idw = 2;
	bool ok;

	if (!copilot_page_decode(json, len, &v, &n, &next, &err))
		return err.status != LB_NOMEM && (cmd_note(c, err.message), true);
	free(next);
	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		output_id_width(&idw, v[i].id);
	ok = output_row(&b, "ID", idw, "PROVIDER/MODEL", 32, "NAME");
	for (size_t i = 0; ok && i < n; i++) {
		char mid[256];
		snprintf(mid, sizeof(mid), "%s/%s", v[i].provider ? v[i].provider : "-",
		         v[i].model ? v[i].model : "-");
		char *sid = ai_safe(v[i].id), *smid = ai_safe(mid);
		ok = sid && smid && output_row(&b, sid, idw, smid, 32, v[i].name ? v[i].name : "");
		free(sid);
		free(smid);
	}
	if (ok)
		cmd_say(c, b.data);
	buf_free(&b);
	copilots_free(v, n);
	if (ok)
		cmd_note_list_end(c, n, more, "(no copilots)", "copilots");
	return ok;
}

static void run_copilots(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	(void)cmd;
	if (cmd_open_view(c, "copilots", &(struct scope){0}, NULL, false, ""))
		return;
	ai_list(c, EP_COPILOTS_LIST, NULL, NULL, cmd_has_flag(a, "all"), print_copilots);
}

static bool field_line(struct buf *b, const char *label, const char *value)
{
	return !value || buf_printf(b, "%-22s %s\n", label, value);
}

/* The copilot's fields, one a line ("name: ..."), made safe. */
static void copilot_show_ok(struct cmd_ctx *c, const struct storage_result *res, const char *arg)
{
	struct copilot cp;
	struct lb_error err;
	struct buf b;
	bool ok;

	(void)arg;
	if (c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
		return;
	}
	if (!copilot_decode(res->body, res->body_len, &cp, &err)) {
		cmd_note(c, err.message);
		return;
	}
	buf_init(&b);
	ok = field_line(&b, "id:", cp.id) && field_line(&b, "name:", cp.name) &&
	     field_line(&b, "description:", cp.description) &&
	     field_line(&b, "provider:", cp.provider) && field_line(&b, "model:", cp.model) &&
	     field_line(&b, "compatible name:", cp.compatible_name) &&
	     field_line(&b, "base URL:", cp.base_url) &&
	     field_line(&b, "provider API key:", "(write-only: never sent back)") &&
	     field_line(&b, "always use knowledge:",
	                cp.always_use_knowledge < 0 ? NULL
	                                            : (cp.always_use_knowledge ? "yes" : "no")) &&
	     field_line(&b, "settings:", cp.settings_json) &&
	     field_line(&b, "provider options:", cp.provider_options_json) &&
	     field_line(&b, "created:", cp.created_at) &&
	     field_line(&b, "updated:", cp.updated_at) &&
	     field_line(&b, "last used:", cp.last_used_at) &&
	     field_line(&b, "system prompt:", cp.system_prompt ? "" : NULL) &&
	     (!cp.system_prompt || buf_printf(&b, "%s\n", cp.system_prompt)) &&
	     field_line(&b, "knowledge prompt:", cp.knowledge_prompt ? "" : NULL) &&
	     (!cp.knowledge_prompt || buf_printf(&b, "%s\n", cp.knowledge_prompt));
	char *safe = ok ? cmd_safe_lines(b.data) : NULL;
	if (safe)
		cmd_say(c, safe);
	else
		cmd_note(c, "out of memory");
	free(safe);
	buf_free(&b);
	copilot_clear(&cp);
}

static void run_copilot_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	(void)cmd;
	if (cmd_need_view(c))
		return;
	ai_call(c, EP_COPILOT_GET, a->pos[0], NULL, NULL, NULL, 0, API_CT_NONE, copilot_show_ok,
	        NULL);
}

static void copilot_deleted(struct cmd_ctx *c, const struct storage_result *res, const char *arg)
{
	(void)res;
	cmd_sayf(c, "deleted copilot %s", arg);
}

struct copilot_delete {
	struct cmd_ctx *c;
	char *id;
};

static void copilot_delete_free(void *state)
{
	struct copilot_delete *d = state;

	free(d->id);
	free(d);
}

static void copilot_delete_go(void *state)
{
	struct copilot_delete *d = state;

	ai_call(d->c, EP_COPILOT_DELETE, d->id, NULL, NULL, NULL, 0, API_CT_NONE, copilot_deleted,
	        d->id);
	copilot_delete_free(d);
}

static void run_copilot_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct copilot_delete *d;
	char prompt[512];

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (!(d = calloc(1, sizeof(*d))) || !(d->id = strdup(a->pos[0]))) {
		free(d);
		cmd_finish_nomem(c);
		return;
	}
	d->c = c;
	char *safe = ai_safe(d->id);
	snprintf(prompt, sizeof(prompt),
	         "Delete copilot %s and its knowledge sources? Type its ID to confirm: ",
	         safe ? safe : "");
	free(safe);
	cmd_confirm_typed(c, "delete the copilot", d->id, prompt, cmd_has_flag(a, "yes"),
	                  "not deleted", copilot_delete_go, copilot_delete_free, d);
}

/* Every value given for --name, in order. */
static bool opt_values(const struct args *a, const char *name, struct strv *out)
{
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].spec->name, name) && a->opt[i].value &&
		    !strv_push(out, a->opt[i].value))
			return false;
	return true;
}

bool ai_read_api_key(struct cmd_ctx *c, const char *from, char **key, struct lb_error *err)
{
	size_t len;

	*key = NULL;
	if (!cmd_read_input(c, from, key, &len, err))
		return false;
	while (len && strchr("\r\n \t", (*key)[len - 1]))
		(*key)[--len] = '\0';
	if (!len || memchr(*key, '\0', len) || strchr(*key, '\n')) {
		lb_error_set(err, LB_USAGE, "--api-key-from %s: want the key alone on one line",
		             strcmp(from, "-") ? from : "(stdin)");
		if (*key)
			memset(*key, 0, len);
		free(*key);
		*key = NULL;
		return false;
	}
	ts_add_secret(*key);
	return true;
}

static void edit_clear(struct copilot_edit *e, char *key)
{
	strv_free(&e->stop_sequences);
	strv_free(&e->web_search_domains);
	strv_free(&e->clear);
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
}

/* The options into e, the key read into *key; false with err. */
static bool edit_from_args(struct cmd_ctx *c, const struct args *a, struct copilot_edit *e,
                           char **key, struct lb_error *err)
{
	const char *always = cmd_opt_value(a, "always-use-knowledge");
	const char *from = cmd_opt_value(a, "api-key-from");

	memset(e, 0, sizeof(*e));
	*key = NULL;
	e->name = cmd_opt_value(a, "name");
	e->description = cmd_opt_value(a, "description");
	e->provider = cmd_opt_value(a, "provider");
	e->model = cmd_opt_value(a, "model");
	e->system_prompt = cmd_opt_value(a, "system-prompt");
	e->knowledge_prompt = cmd_opt_value(a, "knowledge-prompt");
	e->compatible_name = cmd_opt_value(a, "compatible-name");
	e->base_url = cmd_opt_value(a, "base-url");
	e->settings_json = cmd_opt_value(a, "settings");
	e->provider_options_json = cmd_opt_value(a, "provider-options");
	e->max_tokens = cmd_opt_value(a, "max-tokens");
	e->temperature = cmd_opt_value(a, "temperature");
	e->top_p = cmd_opt_value(a, "top-p");
	e->top_k = cmd_opt_value(a, "top-k");
	e->frequency_penalty = cmd_opt_value(a, "frequency-penalty");
	e->presence_penalty = cmd_opt_value(a, "presence-penalty");
	e->seed = cmd_opt_value(a, "seed");
	e->max_retries = cmd_opt_value(a, "max-retries");
	e->reasoning_effort = cmd_opt_value(a, "reasoning-effort");
	e->thinking_budget = cmd_opt_value(a, "thinking-budget");
	e->thinking_off = cmd_has_flag(a, "no-thinking");
	e->always_use_knowledge = -1;
	if (always) {
		if (strcmp(always, "on") && strcmp(always, "off")) {
			lb_error_set(err, LB_USAGE, "--always-use-knowledge is on or off");
			return false;
		}
		e->always_use_knowledge = !strcmp(always, "on");
	}
	if (!opt_values(a, "stop", &e->stop_sequences) ||
	    !opt_values(a, "web-search-domain", &e->web_search_domains) ||
	    !opt_values(a, "clear", &e->clear)) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	if (from && !ai_read_api_key(c, from, key, err))
		return false;
	e->api_key = *key;
	return true;
}

static void copilot_saved(struct cmd_ctx *c, const struct storage_result *res, const char *verb)
{
	struct copilot cp;
	struct lb_error err;

	if (c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
		return;
	}
	if (copilot_decode(res->body, res->body_len, &cp, &err)) {
		cmd_sayf(c, "%s copilot %s (%s)", verb, cp.id, cp.name ? cp.name : "");
		copilot_clear(&cp);
	} else
		cmd_sayf(c, "%s a copilot", verb);
}

static void run_copilot_edit(struct cmd_ctx *c, const struct command *cmd, struct args *a,
                             const char *id)
{
	struct copilot_edit e;
	struct lb_error err;
	char *key = NULL, *body = NULL;

	if (cmd_refuse_read_only(c, cmd))
		return;
	if (cmd_has_flag(a, "edit")) {
		copilot_edit_run(c, a, id);
		return;
	}
	if (cmd_has_flag(a, "yes")) {
		cmd_finish_usage(c, "%s",
		                 "--yes goes with --edit (the options are applied as given)");
		return;
	}
	if (!edit_from_args(c, a, &e, &key, &err) || !copilot_body_build(&e, !id, &body, &err)) {
		edit_clear(&e, key);
		cmd_finish(c, &err);
		return;
	}
	ai_call(c, id ? EP_COPILOT_UPDATE : EP_COPILOT_CREATE, id, NULL, NULL, body, strlen(body),
	        API_CT_JSON, copilot_saved, id ? "updated" : "created");
	memset(body, 0, strlen(body));
	free(body);
	edit_clear(&e, key);
}

static void run_copilot_create(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	run_copilot_edit(c, cmd, a, NULL);
}

static void run_copilot_update(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	run_copilot_edit(c, cmd, a, a->pos[0]);
}

static const enum endpoint_id endpoints[] = {
    EP_COPILOTS_LIST,  EP_COPILOT_CREATE, EP_COPILOT_GET,
    EP_COPILOT_UPDATE, EP_COPILOT_DELETE, EP_COUNT,
};

const struct family family_copilots = {
    .name = "copilots",
    .summary = "AI copilots: list, show, create, update, delete",
    .commands = commands,
    .endpoints = endpoints,
};
