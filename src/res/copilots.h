/* AI copilots and their knowledge sources: what the API sends (the
 * decoders), the body of a create or an update, and the one way their
 * commands reach the API (ai_request). Nothing here belongs to a room.
 * The commands are in copilots.c and knowledge.c. */
#ifndef LB_COPILOTS_H
#define LB_COPILOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "api_send.h"
#include "error.h"
#include "model_storage.h"
#include "strv.h"

struct copilot {
	char *id, *name, *description, *provider, *model;
	char *system_prompt, *knowledge_prompt;
	char *compatible_name, *base_url; /* openai-compatible providers */
	char *created_at, *updated_at, *last_used_at;
	int always_use_knowledge; /* -1 when not sent */
	/* Compact JSON as sent, NULL when absent. */
	char *settings_json, *provider_options_json;
};

void copilot_clear(struct copilot *c);
void copilots_free(struct copilot *c, size_t n);
/* One copilot object. False with err (no "id", not JSON). */
bool copilot_decode(const char *json, size_t len, struct copilot *out, struct lb_error *err);
/* {nextCursor, data:[copilot]}. */
bool copilot_page_decode(const char *json, size_t len, struct copilot **out, size_t *n,
                         char **next_cursor, struct lb_error *err);

/* The project's copilots, paginated (model.h's list accessors). New
 * reference. */
struct resource *model_copilots(struct model *m);
const struct copilot *model_copilot_at(const struct resource *r, size_t i);

struct knowledge_source {
	char *id;
	bool web;                    /* else a file */
	char *url, *link_type;       /* web: the link and individual_link|crawl|sitemap */
	char *file_name, *mime_type; /* file */
	char *status, *error_message;
	char *created_at, *updated_at, *last_indexed_at;
};

void knowledge_source_clear(struct knowledge_source *k);
void knowledge_sources_free(struct knowledge_source *k, size_t n);
bool knowledge_source_decode(const char *json, size_t len, struct knowledge_source *out,
                             struct lb_error *err);
bool knowledge_page_decode(const char *json, size_t len, struct knowledge_source **out, size_t *n,
                           char **next_cursor, struct lb_error *err);

/* A copilot's knowledge sources, paginated (model.h's list accessors).
 * New reference; NULL without a copilot or when out of memory. */
struct resource *model_knowledge(struct model *m, const char *copilot);
const struct knowledge_source *model_knowledge_at(const struct resource *r, size_t i);

struct knowledge_link {
	char *id, *url, *status, *last_indexed_at;
};

void knowledge_links_free(struct knowledge_link *l, size_t n);
bool knowledge_links_decode(const char *json, size_t len, struct knowledge_link **out, size_t *n,
                            char **next_cursor, struct lb_error *err);
/* {id, content}: a file source's Markdown (malloc'd). */
bool knowledge_markdown_decode(const char *json, size_t len, char **content, struct lb_error *err);
/* {id} of what a create made (malloc'd). */
bool ai_id_decode(const char *json, size_t len, char **id, struct lb_error *err);

/* What `copilot create` and `copilot update` were given: NULL (or empty
 * lists, always_use_knowledge -1) for what they were not. Numbers are
 * the text typed, checked by the builder. */
struct copilot_edit {
	const char *name, *description, *system_prompt, *knowledge_prompt;
	const char *provider, *model, *compatible_name, *base_url;
	const char *api_key; /* write-only: read from a file or stdin */
	int always_use_knowledge;
	/* Whole objects (JSON), which the named options below add to. */
	const char *settings_json, *provider_options_json;
	/* settings */
	const char *max_tokens, *temperature, *top_p, *top_k, *frequency_penalty;
	const char *presence_penalty, *seed, *max_retries;
	struct strv stop_sequences;
	/* providerOptions: openai's reasoning effort; anthropic's thinking
	 * (a budget or off) and google's thinking budget; web search domains
	 * (openai, anthropic). */
	const char *reasoning_effort, *thinking_budget;
	bool thinking_off;
	struct strv web_search_domains;
	/* Option names of fields to set to null (update): description,
	 * knowledge-prompt, settings, provider-options. */
	struct strv clear;
};

/* The JSON body of a create (create: what the API requires must be
 * there) or an update (something must change). False with err (LB_USAGE)
 * naming the option at fault. The key goes first in the body. */
bool copilot_body_build(const struct copilot_edit *e, bool create, char **out,
                        struct lb_error *err);

/* One request of the AI family to ep (a row of endpoints.def under "AI
 * copilots"), with up to two path parameters, a query (encoded, or
 * NULL) and a body; done hears the answer as it came (res->body). */
http_id ai_request(struct model *m, enum endpoint_id ep, const char *p0, const char *p1,
                   const char *query, const void *body, size_t len, enum api_content ct,
                   storage_done_fn done, void *ud);

#endif
