/* A way into src/res/comment_body.h from outside, for the test that holds
 * lbtui's comment bodies against the SDK's (tests/e2e/comment_body.test.mjs).
 * Built with the unit tests, not run as one.
 *
 *   comment_body_tool MODE < JSON-ARRAY > JSON-ARRAY
 *
 * MODE (one output item per input item):
 *   markdown  strings in, the bodies cbody_from_markdown makes
 *   url       strings in, what cm_sanitize_url makes of them (null: rejected)
 *   body      bodies in, {"json": decoded and encoded again, "text": the text
 *             form, "again": the body read back from the text form, "plain":
 *             cbody_plain}, or {"error": message}
 *   text      strings in, the bodies cbody_from_text makes
 *
 * An item that fails gives {"error": message}. */
#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "comment_body.h"
#include "comment_impl.h"
#include "util.h"

static char *read_all(FILE *f, size_t *len)
{
	struct buf b;
	char chunk[65536];
	size_t n;

	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (!buf_add(&b, chunk, n)) {
			buf_free(&b);
			return NULL;
		}
	*len = b.len;
	return buf_steal(&b);
}

static cJSON *error_item(const struct lb_error *err)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "error", err->message);
	return o;
}

/* The body as a cJSON value (through cbody_encode). */
static cJSON *body_item(const struct cbody *b)
{
	char *json = cbody_encode(b);
	cJSON *v = json ? cJSON_Parse(json) : NULL;

	free(json);
	return v ? v : cJSON_CreateNull();
}

static cJSON *one(const char *mode, const cJSON *in)
{
	struct lb_error err;
	struct cbody *b = NULL, *again;
	const char *s = cJSON_GetStringValue(in);
	cJSON *out;

	if (!strcmp(mode, "markdown") || !strcmp(mode, "text")) {
		if (!s)
			return cJSON_CreateNull();
		b = !strcmp(mode, "markdown") ? cbody_from_markdown(s, strlen(s), &err)
		                              : cbody_from_text(s, strlen(s), &err);
		if (!b)
			return error_item(&err);
		out = body_item(b);
		cbody_free(&b);
		return out;
	}
	if (!strcmp(mode, "url")) {
		bool rejected;
		char *url = s ? cm_sanitize_url(s, strlen(s), &rejected) : NULL;

		out = url ? cJSON_CreateString(url) : cJSON_CreateNull();
		free(url);
		return out;
	}
	/* body */
	if (!cbody_from_json(in, &b, &err))
		return error_item(&err);
	char *text = cbody_to_text(b), *plain = cbody_plain(b, NULL, NULL);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "json", body_item(b));
	cJSON_AddStringToObject(out, "text", text ? text : "");
	again = text ? cbody_from_text(text, strlen(text), &err) : NULL;
	cJSON_AddItemToObject(out, "again", again ? body_item(again) : error_item(&err));
	cJSON_AddItemToObject(out, "same", cJSON_CreateBool(cbody_equal(b, again)));
	cJSON_AddStringToObject(out, "plain", plain ? plain : "");
	free(text);
	free(plain);
	cbody_free(&again);
	cbody_free(&b);
	return out;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t len;
	char *input, *printed;
	cJSON *in, *out, *item;

	if (argc != 2 || (strcmp(mode, "markdown") && strcmp(mode, "url") && strcmp(mode, "body") &&
	                  strcmp(mode, "text"))) {
		fprintf(stderr, "usage: comment_body_tool markdown|url|body|text < JSON-ARRAY\n");
		return 2;
	}
	input = read_all(stdin, &len);
	in = input ? cJSON_ParseWithLength(input, len) : NULL;
	free(input);
	if (!cJSON_IsArray(in)) {
		fprintf(stderr, "comment_body_tool: standard input is not a JSON array\n");
		cJSON_Delete(in);
		return 1;
	}
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(item, in) cJSON_AddItemToArray(out, one(mode, item));
	printed = cJSON_PrintUnformatted(out);
	if (!printed) {
		fprintf(stderr, "comment_body_tool: out of memory\n");
		return 1;
	}
	fputs(printed, stdout);
	fputc('\n', stdout);
	free(printed);
	cJSON_Delete(out);
	cJSON_Delete(in);
	return 0;
}
