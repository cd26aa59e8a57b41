/* libFuzzer target for comment bodies (src/res/comment_body.h): the same
 * bytes read as the API's JSON, as lbtui's text form, as markdown and as a
 * URL. A broken invariant aborts. Build and run with
 * tests/fuzz/run.sh SECONDS comment_body.
 *
 * Invariants checked:
 *  - cbody_decode either fails with LB_DECODE (and a message) and no body,
 *    or gives a body that encodes to JSON decoding to the same body.
 *  - Every body (decoded, read from text, made from markdown) writes a
 *    text form that reads back as the same body, node for node, and
 *    writes JSON that decodes back as itself.
 *  - cbody_from_text never fails on any bytes (but for memory);
 *    cbody_from_markdown fails only for nesting (LB_USAGE).
 *  - cbody_render at a width taken from the input gives runs that are
 *    never empty, hold no control character, add up to the line's
 *    columns, and fit the width (a wide character alone excepted);
 *    cbody_plain gives a string.
 *  - cm_sanitize_url gives a result or says it refused. */
#include "lbconfig.h"

#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comment_body.h"
#include "comment_impl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__,         \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setlocale(LC_ALL, "C.UTF-8");
	return 0;
}

static void check_render(const struct cbody *b, int width)
{
	struct cbody_lines l;
	char *plain = cbody_plain(b, NULL, NULL);

	CHECK(plain != NULL);
	free(plain);
	CHECK(cbody_render(b, width, NULL, NULL, &l));
	for (size_t i = 0; i < l.n; i++) {
		int cols = 0;

		for (size_t k = 0; k < l.lines[i].n; k++) {
			const struct cbody_run *r = &l.lines[i].runs[k];

			CHECK(r->text[0] != '\0');
			for (const unsigned char *p = (const unsigned char *)r->text; *p; p++)
				CHECK(*p >= 0x20 && *p != 0x7f);
			cols += r->cols;
		}
		CHECK(cols == l.lines[i].cols);
		CHECK(cols <= (width < 1 ? 1 : width) || (l.lines[i].n == 1 && cols == 2));
	}
	cbody_lines_free(&l);
}

/* JSON and text form both come back as the same body. */
static void check_body(const struct cbody *b, int width)
{
	struct lb_error err;
	struct cbody *again = NULL;
	char *json = cbody_encode(b), *text = cbody_to_text(b);

	CHECK(json && text);
	CHECK(cbody_decode(json, strlen(json), &again, &err));
	CHECK(cbody_equal(b, again));
	cbody_free(&again);
	again = cbody_from_text(text, strlen(text), &err);
	CHECK(again != NULL);
	CHECK(cbody_equal(b, again));
	cbody_free(&again);
	free(json);
	free(text);
	check_render(b, width);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int width = size > 0 ? (int)(data[0] % 40) - 2 : 10;
	struct lb_error err;
	struct cbody *b = (struct cbody *)1;
	bool rejected;
	char *url;

	if (!cbody_decode(s, size, &b, &err)) {
		CHECK(b == NULL);
		CHECK(err.status == LB_DECODE && err.message[0] != '\0');
	} else {
		check_body(b, width);
		cbody_free(&b);
	}
	b = cbody_from_text(s, size, &err);
	CHECK(b != NULL);
	check_body(b, width);
	cbody_free(&b);
	b = cbody_from_markdown(s, size, &err);
	if (!b)
		CHECK(err.status == LB_USAGE);
	else
		check_body(b, width);
	cbody_free(&b);
	url = cm_sanitize_url(s, size, &rejected);
	CHECK(url != NULL || rejected);
	CHECK(url == NULL || !rejected);
	free(url);
	return 0;
}
