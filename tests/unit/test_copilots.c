/* AI copilots and knowledge sources (src/res/copilots.c): the decoders
 * of what the API sends, and the body of a create or an update built
 * from the options. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "copilots.h"

static bool body_of(const struct copilot_edit *e, bool create, char **out, struct lb_error *err)
{
	return copilot_body_build(e, create, out, err);
}

static struct copilot_edit edit_new(void)
{
	struct copilot_edit e;

	memset(&e, 0, sizeof(e));
	e.always_use_knowledge = -1;
	return e;
}

static void edit_free(struct copilot_edit *e)
{
	strv_free(&e->stop_sequences);
	strv_free(&e->web_search_domains);
	strv_free(&e->clear);
}

static void test_copilot_decode(void **state)
{
	const char *json =
	    "{\"type\":\"copilot\",\"id\":\"co_1\",\"name\":\"Docs\",\"provider\":\"openai\","
	    "\"providerModel\":\"gpt-4o\",\"systemPrompt\":\"Be "
	    "brief\",\"alwaysUseKnowledge\":true,"
	    "\"settings\":{\"temperature\":0.5},\"providerOptions\":null,"
	    "\"createdAt\":\"2025-01-01T00:00:00.000Z\"}";
	struct copilot c;
	struct lb_error err;

	(void)state;
	assert_true(copilot_decode(json, strlen(json), &c, &err));
	assert_string_equal(c.id, "co_1");
	assert_string_equal(c.model, "gpt-4o");
	assert_string_equal(c.system_prompt, "Be brief");
	assert_int_equal(c.always_use_knowledge, 1);
	assert_string_equal(c.settings_json, "{\"temperature\":0.5}");
	assert_null(c.provider_options_json);
	assert_null(c.description);
	copilot_clear(&c);

	assert_false(copilot_decode("{\"name\":\"x\"}", 12, &c, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_false(copilot_decode("[1", 2, &c, &err));
}

static void test_copilot_page(void **state)
{
	const char *json = "{\"nextCursor\":\"abc\",\"data\":[{\"id\":\"co_2\",\"name\":\"B\"},"
	                   "{\"id\":\"co_1\",\"name\":\"A\",\"alwaysUseKnowledge\":false}]}";
	struct copilot *v;
	size_t n;
	char *next;
	struct lb_error err;

	(void)state;
	assert_true(copilot_page_decode(json, strlen(json), &v, &n, &next, &err));
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, "co_2");
	assert_int_equal(v[0].always_use_knowledge, -1);
	assert_int_equal(v[1].always_use_knowledge, 0);
	assert_string_equal(next, "abc");
	copilots_free(v, n);
	free(next);

	const char *bad = "{\"data\":[{\"id\":\"co_2\"},{\"name\":\"no id\"}]}";
	assert_false(copilot_page_decode(bad, strlen(bad), &v, &n, &next, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_null(v);
	assert_false(copilot_page_decode("{}", 2, &v, &n, &next, &err));
}

static void test_knowledge_decode(void **state)
{
	const char *json =
	    "{\"nextCursor\":null,\"data\":[{\"type\":\"ai-knowledge-web-source\",\"id\":\"ks_1\","
	    "\"link\":{\"url\":\"https://a.example\",\"type\":\"crawl\"},\"status\":\"ready\"},"
	    "{\"type\":\"ai-knowledge-file-source\",\"id\":\"ks_2\",\"file\":{\"name\":\"n.md\","
	    "\"mimeType\":\"text/markdown\"},\"status\":\"error\",\"errorMessage\":\"bad\"}]}";
	struct knowledge_source *k;
	struct knowledge_link *l;
	size_t n;
	char *next, *s;
	struct lb_error err;

	(void)state;
	assert_true(knowledge_page_decode(json, strlen(json), &k, &n, &next, &err));
	assert_int_equal(n, 2);
	assert_null(next);
	assert_true(k[0].web);
	assert_string_equal(k[0].url, "https://a.example");
	assert_string_equal(k[0].link_type, "crawl");
	assert_false(k[1].web);
	assert_string_equal(k[1].file_name, "n.md");
	assert_string_equal(k[1].mime_type, "text/markdown");
	assert_string_equal(k[1].error_message, "bad");
	knowledge_sources_free(k, n);

	const char *links = "{\"nextCursor\":\"c\",\"data\":[{\"id\":\"kl_1\",\"url\":\"https://"
	                    "a.example/faq\",\"status\":\"ready\"}]}";
	assert_true(knowledge_links_decode(links, strlen(links), &l, &n, &next, &err));
	assert_int_equal(n, 1);
	assert_string_equal(l[0].url, "https://a.example/faq");
	assert_string_equal(next, "c");
	knowledge_links_free(l, n);
	free(next);
	assert_false(
	    knowledge_links_decode("{\"data\":[{\"id\":\"x\"}]}", 21, &l, &n, &next, &err));

	assert_true(
	    knowledge_markdown_decode("{\"id\":\"ks_2\",\"content\":\"# Hi\\n\"}", 32, &s, &err));
	assert_string_equal(s, "# Hi\n");
	free(s);
	assert_false(knowledge_markdown_decode("{\"id\":\"ks_2\"}", 13, &s, &err));
	assert_int_equal(err.status, LB_DECODE);
	assert_true(ai_id_decode("{\"id\":\"ks_3\"}", 13, &s, &err));
	assert_string_equal(s, "ks_3");
	free(s);
}

static void test_body_create(void **state)
{
	struct copilot_edit e = edit_new();
	struct lb_error err;
	char *body;

	(void)state;
	e.name = "Docs";
	e.provider = "anthropic";
	e.model = "claude-sonnet-4-5";
	e.system_prompt = "Answer";
	/* Without the key: refused before anything is sent. */
	assert_false(body_of(&e, true, &body, &err));
	assert_int_equal(err.status, LB_USAGE);
	assert_non_null(strstr(err.message, "--api-key-from"));
	e.api_key = "pk-secret";
	e.knowledge_prompt = "Use the docs";
	e.always_use_knowledge = 1;
	e.temperature = "0.25";
	e.max_tokens = "512";
	assert_true(strv_push(&e.stop_sequences, "END"));
	e.thinking_budget = "1024";
	assert_true(strv_push(&e.web_search_domains, "example.com"));
	assert_true(body_of(&e, true, &body, &err));
	/* The key first: a log cut after a few bytes could not hold half of it
	 * past a harmless prefix. */
	assert_true(!strncmp(body, "{\"providerApiKey\":\"pk-secret\"", 29));
	assert_non_null(strstr(body, "\"knowledgePrompt\":\"Use the docs\""));
	assert_non_null(strstr(body, "\"alwaysUseKnowledge\":true"));
	assert_non_null(strstr(body, "\"settings\":{\"maxTokens\":512,\"temperature\":0.25,"
	                             "\"stopSequences\":[\"END\"]}"));
	assert_non_null(strstr(body, "\"providerOptions\":{\"anthropic\":{\"thinking\":{\"type\":"
	                             "\"enabled\",\"budgetTokens\":1024},\"webSearch\":{"
	                             "\"allowedDomains\":[\"example.com\"]}}}"));
	free(body);

	e.temperature = "warm";
	assert_false(body_of(&e, true, &body, &err));
	assert_non_null(strstr(err.message, "--temperature"));
	e.temperature = NULL;
	e.max_tokens = "1.5";
	assert_false(body_of(&e, true, &body, &err));
	assert_non_null(strstr(err.message, "--max-tokens"));
	edit_free(&e);
}

static void test_body_provider_options(void **state)
{
	struct copilot_edit e = edit_new();
	struct lb_error err;
	char *body;

	(void)state;
	e.reasoning_effort = "high";
	/* An option of one provider needs that provider named. */
	assert_false(body_of(&e, false, &body, &err));
	assert_non_null(strstr(err.message, "openai"));
	e.provider = "openai";
	assert_true(body_of(&e, false, &body, &err));
	assert_string_equal(body, "{\"provider\":\"openai\",\"providerOptions\":{\"openai\":{"
	                          "\"reasoningEffort\":\"high\"}}}");
	free(body);
	e.reasoning_effort = "max";
	assert_false(body_of(&e, false, &body, &err));
	e.reasoning_effort = NULL;

	e.provider = "google";
	e.thinking_budget = "0";
	assert_true(body_of(&e, false, &body, &err));
	assert_string_equal(body, "{\"provider\":\"google\",\"providerOptions\":{\"google\":{"
	                          "\"thinkingConfig\":{\"thinkingBudget\":0}}}}");
	free(body);
	e.thinking_budget = NULL;

	e.provider = "anthropic";
	e.thinking_off = true;
	e.provider_options_json = "{\"anthropic\":{\"webSearch\":{}}}";
	assert_true(body_of(&e, false, &body, &err));
	assert_string_equal(body, "{\"provider\":\"anthropic\",\"providerOptions\":{\"anthropic\":{"
	                          "\"webSearch\":{},\"thinking\":{\"type\":\"disabled\"}}}}");
	free(body);
	e.provider_options_json = "[1]";
	assert_false(body_of(&e, false, &body, &err));
	assert_non_null(strstr(err.message, "--provider-options"));
	edit_free(&e);
}

static void test_body_update(void **state)
{
	struct copilot_edit e = edit_new();
	struct lb_error err;
	char *body;

	(void)state;
	assert_false(body_of(&e, false, &body, &err));
	assert_non_null(strstr(err.message, "nothing to update"));
	e.provider = "openai-compatible";
	e.compatible_name = "local";
	e.base_url = "http://127.0.0.1:8080/v1";
	assert_true(strv_push(&e.clear, "description"));
	assert_true(strv_push(&e.clear, "settings"));
	assert_true(body_of(&e, false, &body, &err));
	assert_string_equal(body, "{\"provider\":\"openai-compatible\",\"compatibleProviderName\":"
	                          "\"local\",\"providerBaseUrl\":\"http://127.0.0.1:8080/v1\","
	                          "\"description\":null,\"settings\":null}");
	free(body);
	e.description = "new";
	assert_false(body_of(&e, false, &body, &err));
	assert_non_null(strstr(err.message, "--clear description"));
	e.description = NULL;
	assert_true(strv_push(&e.clear, "name"));
	assert_false(body_of(&e, false, &body, &err));
	assert_int_equal(err.status, LB_USAGE);
	edit_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_copilot_decode),        cmocka_unit_test(test_copilot_page),
	    cmocka_unit_test(test_knowledge_decode),      cmocka_unit_test(test_body_create),
	    cmocka_unit_test(test_body_provider_options), cmocka_unit_test(test_body_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
