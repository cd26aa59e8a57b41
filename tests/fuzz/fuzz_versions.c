/* libFuzzer target for the versions family's decoders (src/res/versions.h):
 * version_page_decode and version_id_decode. The input is the response
 * body, passed without a terminating NUL so that reading past it is
 * caught. A failure leaves the outputs empty and says why; a
 * page holds versions with IDs, dates parsed as the decoder says, authors
 * present, a cursor that is never empty. Build and run with
 * tests/fuzz/run.sh SECONDS versions. */
#include "lbconfig.h"

#include "fuzz.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "versions.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_page(const char *body, size_t len)
{
	struct version *v = (struct version *)1;
	size_t n = 12345;
	char *cursor = (char *)1;
	struct lb_error err;

	if (!version_page_decode(body, len, &v, &n, &cursor, &err)) {
		check_failure(&err);
		CHECK(v == NULL && n == 0 && cursor == NULL);
		return;
	}
	CHECK(err.status == LB_OK);
	CHECK(n == 0 || v != NULL);
	CHECK(cursor == NULL || cursor[0] != '\0');
	for (size_t i = 0; i < n; i++) {
		CHECK(v[i].id != NULL);
		CHECK(v[i].created_s == iso8601_parse(v[i].created_at));
		for (size_t k = 0; k < v[i].authors.n; k++)
			CHECK(v[i].authors.v[k] != NULL);
	}
	CHECK(versions_bytes(v, n) >= n * sizeof(*v));
	versions_free(v, n);
	free(cursor);
}

static void fuzz_id(const char *body, size_t len)
{
	char *id = (char *)1;
	struct lb_error err;

	if (!version_id_decode(body, len, &id, &err)) {
		check_failure(&err);
		CHECK(id == NULL);
		return;
	}
	CHECK(err.status == LB_OK && id != NULL);
	free(id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes: no NUL after the body */
	char *body = malloc(size ? size : 1);

	if (!body)
		return 0;
	memcpy(body, data, size);
	fuzz_page(body, size);
	fuzz_id(body, size);
	free(body);
	return 0;
}
