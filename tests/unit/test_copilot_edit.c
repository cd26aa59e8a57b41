/* `copilot update ID --edit` and `copilot create --edit`
 * (src/res/copilot_edit.c) over the fake transport: what the editor is
 * given, the checks before anything is sent, the preview, and the one
 * request with exactly the fields previewed. */
#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>

#include "cmd_fixture.h"

static const char *copilot =
    "{\"type\":\"copilot\",\"id\":\"co_1\",\"name\":\"Docs\",\"provider\":\"openai\","
    "\"providerModel\":\"gpt-4o\",\"systemPrompt\":\"Be brief\",\"knowledgePrompt\":\"kp\","
    "\"alwaysUseKnowledge\":false,\"settings\":{\"temperature\":0.2},"
    "\"createdAt\":\"2025-01-01T00:00:00Z\",\"updatedAt\":\"2025-01-01T00:00:00Z\"}";

/* The files kept in the state directory whose name starts with prefix. */
static int count_kept(struct fixture *f, const char *prefix)
{
	char path[256];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/state/lbtui", f->dir);
	if (!(d = opendir(path)))
		return 0;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static void test_update_sends_the_changed_fields_only(void **state)
{
	struct fixture *f = *state;

	f->edit_result =
	    "{\"name\":\"Docs 2\",\"provider\":\"openai\",\"providerModel\":\"gpt-4o\","
	    "\"systemPrompt\":\"Be brief\",\"knowledgePrompt\":null,"
	    "\"settings\":{\"temperature\":0.2}}";
	cmd_run(&f->ctx, "copilot update co_1 --edit");
	expect(&f->ft, 0, HTTP_GET, "http://lb.test/v2/ai/copilots/co_1");
	reply(f, &f->ft, 0, 200, copilot);
	/* Every field is offered, the key never. */
	assert_int_equal(f->edits, 1);
	assert_non_null(strstr(f->edit_initial, "\"compatibleProviderName\":\tnull"));
	assert_non_null(strstr(f->edit_initial, "\"providerOptions\":\tnull"));
	assert_null(strstr(f->edit_initial, "providerApiKey"));
	/* The preview: the two fields that change, before and after. */
	assert_int_equal(f->confirms, 1);
	assert_non_null(strstr(f->preview, "- name                   \"Docs\"\n"));
	assert_non_null(strstr(f->preview, "+ name                   \"Docs 2\"\n"));
	assert_non_null(strstr(f->preview, "- knowledgePrompt        \"kp\"\n"));
	assert_non_null(strstr(f->preview, "+ knowledgePrompt        null\n"));
	assert_null(strstr(f->preview, "settings"));
	assert_int_equal(fake_count(&f->ft), 1);
	assert_int_equal(count_kept(f, "copilot-co_1-"), 1);
	f->yes_no(f->yes_no_ctx, true);
	assert_int_equal(fake_count(&f->ft), 2);
	expect(&f->ft, 1, HTTP_POST, "http://lb.test/v2/ai/copilots/co_1");
	assert_string_equal(fake_req(&f->ft, 1)->body,
	                    "{\"name\":\"Docs 2\",\"knowledgePrompt\":null}");
	assert_false(fake_req(&f->ft, 1)->idempotent);
	reply(f, &f->ft, 1, 200, copilot);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "updated copilot co_1"));
	assert_int_equal(count_kept(f, "copilot-co_1-"), 0);
	assert_int_equal(fake_count(&f->ft), 2);
}

static void test_refusals_before_sending(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *written, *says;
	} cases[] = {
	    {"{\"name\": }", "not valid JSON"},
	    {"[1]", "one JSON object"},
	    {"{\"provider\":\"acme\"}", "provider \"acme\""},
	    {"{\"name\":null}", "name cannot be null"},
	    {"{\"name\":\"\"}", "name cannot be empty"},
	    {"{\"alwaysUseKnowledge\":\"yes\"}", "alwaysUseKnowledge is true or false"},
	    {"{\"settings\":[]}", "settings is an object"},
	    {"{\"providerOptions\":{\"mistral\":{}}}", "not \"mistral\""},
	    {"{\"providerApiKey\":\"sk-typed\"}", "write-only"},
	    {"{\"colour\":\"red\"}", "\"colour\" is not a field"},
	    {"{\"provider\":\"openai-compatible\"}", "compatibleProviderName"},
	    {"{\"providerBaseUrl\":\"ftp://x\"}", "providerBaseUrl is an http"},
	    {"{\"settings\":{\"temperature\":\"warm\"}}", "settings.temperature is a number"},
	    {"{\"settings\":{\"stopSequences\":[1]}}", "settings.stopSequences is a list"},
	    {"{\"providerOptions\":{\"openai\":{\"reasoningEffort\":\"max\"}}}",
	     "providerOptions.openai.reasoningEffort is low, medium or high"},
	    {"{\"providerOptions\":{\"anthropic\":{\"thinking\":{\"type\":\"enabled\"}}}}",
	     "providerOptions.anthropic.thinking is"},
	    {"{\"providerOptions\":{\"google\":{\"thinkingConfig\":{\"thinkingBudget\":-1}}}}",
	     "providerOptions.google.thinkingConfig is"},
	};
	size_t k = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f->edit_result = cases[i].written;
		cmd_run(&f->ctx, "copilot update co_1 --edit");
		reply(f, &f->ft, k++, 200, copilot);
		/* The screen offers to edit again; no: finished, nothing sent. */
		assert_int_equal(f->confirms, (int)i + 1);
		if (!strstr(f->preview, cases[i].says))
			print_message("case %zu: %s\n", i, f->preview);
		assert_non_null(strstr(f->preview, cases[i].says));
		assert_non_null(strstr(f->preview, "Edit it again"));
		f->yes_no(f->yes_no_ctx, false);
		assert_int_equal(f->last.status, LB_USAGE);
		/* What was written is kept, unless it holds a key. */
		bool key = strstr(cases[i].written, "providerApiKey") != NULL;
		assert_true(!strstr(f->last.message, "what you wrote was saved") == key);
		assert_true(!strstr(f->preview, "What you wrote is in no file") == !key);
		assert_int_equal(fake_count(&f->ft), k);
	}
	/* Nothing changed: said, nothing sent, nothing kept. */
	f->edit_result = "{\"name\":\"Docs\"}";
	cmd_run(&f->ctx, "copilot update co_1 --edit");
	reply(f, &f->ft, k++, 200, copilot);
	assert_int_equal(f->last.status, LB_OK);
	assert_non_null(strstr(said(f), "nothing to change"));
	assert_int_equal(fake_count(&f->ft), k);
	assert_int_equal(count_kept(f, "copilot-co_1-"),
	                 (int)(sizeof(cases) / sizeof(cases[0])) - 1);
}

static void test_422_edits_again_from_what_was_written(void **state)
{
	struct fixture *f = *state;

	f->edit_result = "{\"providerModel\":\"claude-x\"}";
	cmd_run(&f->ctx, "copilot update co_1 --edit");
	reply(f, &f->ft, 0, 200, copilot);
	f->yes_no(f->yes_no_ctx, true);
	reply(f, &f->ft, 1, 422,
	      "{\"error\":\"UNPROCESSABLE_ENTITY\",\"message\":\"Invalid value for "
	      "'providerModel'\"}");
	assert_int_equal(f->confirms, 2);
	assert_non_null(strstr(f->preview, "providerModel"));
	assert_non_null(strstr(f->preview, "Edit it again"));
	f->edit_result = "{\"providerModel\":\"gpt-4.1\"}";
	f->yes_no(f->yes_no_ctx, true);
	/* The editor got what was written, not the server's copy. */
	assert_int_equal(f->edits, 2);
	assert_string_equal(f->edit_initial, "{\"providerModel\":\"claude-x\"}");
	assert_int_equal(f->confirms, 3);
	assert_non_null(strstr(f->preview, "+ providerModel          \"gpt-4.1\""));
	assert_int_equal(fake_count(&f->ft), 2);
	f->yes_no(f->yes_no_ctx, true);
	assert_string_equal(fake_req(&f->ft, 2)->body, "{\"providerModel\":\"gpt-4.1\"}");
	reply(f, &f->ft, 2, 200, copilot);
	assert_int_equal(f->last.status, LB_OK);
	assert_int_equal(f->done_calls, 1);
}

/* No answer to the POST: the outcome is unknown; it is not sent again
 * nor offered, and what was written stays in its file. */
static void test_no_answer_is_not_sent_again(void **state)
{
	struct fixture *f = *state;

	f->edit_result = "{\"name\":\"Lost\"}";
	cmd_run(&f->ctx, "copilot update co_1 --edit");
	reply(f, &f->ft, 0, 200, copilot);
	f->yes_no(f->yes_no_ctx, true);
	assert_true(fake_fail(&f->ft, 1, LB_NETWORK, "connection reset"));
	cmd_step(&f->ctx);
	assert_int_equal(f->confirms, 1);
	assert_int_equal(fake_count(&f->ft), 2);
	assert_int_not_equal(f->last.status, LB_OK);
	assert_non_null(strstr(f->last.message, "what you wrote was saved"));
	assert_int_equal(count_kept(f, "copilot-co_1-"), 1);
}

static void test_create_with_the_key_from_a_file(void **state)
{
	struct fixture *f = *state;
	const char *key = "prov-key-unit-0123456789";
	char line[512];

	write_text(path_in(f, "key"), key, strlen(key));
	f->edit_result = "{\"name\":\"New\",\"provider\":\"anthropic\","
	                 "\"providerModel\":\"claude-sonnet-4-5\",\"systemPrompt\":\"Hi\","
	                 "\"description\":null}";
	snprintf(line, sizeof(line), "copilot create --edit --api-key-from %s", path_in(f, "key"));
	cmd_run(&f->ctx, line);
	/* A template: the required fields empty, the provider a known one. */
	assert_non_null(strstr(f->edit_initial, "\"name\":\t\"\""));
	assert_non_null(strstr(f->edit_initial, "\"provider\":\t\"openai\""));
	assert_int_equal(f->confirms, 1);
	assert_non_null(strstr(f->preview, "+ providerApiKey"));
	assert_null(strstr(f->preview, key));
	assert_null(strstr(f->preview, "description"));
	f->yes_no(f->yes_no_ctx, true);
	expect(&f->ft, 0, HTTP_POST, "http://lb.test/v2/ai/copilots");
	assert_string_equal(fake_req(&f->ft, 0)->body,
	                    "{\"name\":\"New\",\"provider\":\"anthropic\",\"providerModel\":"
	                    "\"claude-sonnet-4-5\",\"systemPrompt\":\"Hi\",\"providerApiKey\":"
	                    "\"prov-key-unit-0123456789\"}");
	reply(f, &f->ft, 0, 201, "{\"id\":\"co_9\",\"name\":\"New\"}");
	assert_int_equal(f->last.status, LB_OK);
	assert_null(strstr(said(f), key));

	/* Without the key's file, a create is refused before the editor. */
	cmd_run(&f->ctx, "copilot create --edit");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(f->edits, 1);
	/* --edit with a field option: one or the other. */
	cmd_run(&f->ctx, "copilot update co_1 --edit --name X");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_int_equal(fake_count(&f->ft), 1);
}

static void test_batch_without_a_terminal(void **state)
{
	struct fixture *f = *state;

	cmd_run(&f->ctx, "copilot update co_1 --edit");
	assert_int_equal(f->last.status, LB_USAGE);
	assert_non_null(strstr(f->last.message, "needs a terminal"));
	assert_int_equal(fake_count(&f->ft), 0);
}

static void test_read_only_refuses_before_the_editor(void **state)
{
	struct fixture *f = *state;

	f->ctx.host.edit_text = h_edit_text;
	f->edit_result = "{\"name\":\"X\"}";
	cmd_run(&f->ctx, "copilot update co_1 --edit");
	assert_int_equal(f->last.status, LB_READONLY);
	assert_int_equal(f->edits, 0);
	assert_int_equal(fake_count(&f->ft), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_update_sends_the_changed_fields_only, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_refusals_before_sending, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_422_edits_again_from_what_was_written, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_no_answer_is_not_sent_again, setup_tui, teardown),
	    cmocka_unit_test_setup_teardown(test_create_with_the_key_from_a_file, setup_tui,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_batch_without_a_terminal, setup_batch, teardown),
	    cmocka_unit_test_setup_teardown(test_read_only_refuses_before_the_editor, setup_ro,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
