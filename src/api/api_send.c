#include "lbconfig.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "api_impl.h"
#include "api_send.h"

struct send_call {
	struct api_call base; /* first: the api frees it */
	api_storage_done_fn done;
	void *ud;
};

static void send_finish(struct api_call *base, const struct http_response *resp)
{
	struct send_call *c = (struct send_call *)base;
	struct api_storage_result res;

	memset(&res, 0, sizeof(res));
	res.status = resp->status;
	res.body = resp->body;
	res.body_len = resp->body_len;
	res.streamed = resp->streamed;
	res.retry_after = resp->retry_after;
	api_response_ok(resp, &res.err);
	c->done(&res, c->ud);
}

http_id api_send(struct api *a, enum endpoint_id ep, const struct api_send_args *args,
                 api_storage_done_fn done, void *ud)
{
	const struct endpoint *e = endpoint_get(ep);
	size_t n = e ? endpoint_params(e) : 0;
	struct send_call *c = calloc(1, sizeof(*c));
	const char *params[API_SEND_MAX_PARAMS];

	if (!c || n > API_SEND_MAX_PARAMS) {
		struct api_storage_result res;

		free(c);
		memset(&res, 0, sizeof(res));
		if (c)
			lb_error_set(&res.err, LB_USAGE, "%s has more path parameters than %d",
			             e->name, API_SEND_MAX_PARAMS);
		else
			lb_error_set(&res.err, LB_NOMEM, "out of memory");
		done(&res, ud);
		return 0;
	}
	for (size_t i = 0; i < API_SEND_MAX_PARAMS; i++)
		params[i] = args->params[i] ? args->params[i] : "";
	c->base.finish = send_finish;
	if (args->sink)
		c->base.sink = *args->sink;
	c->done = done;
	c->ud = ud;
	return api_submit(a, ep, params, n, args->query, args->body, args->body_len, args->ct,
	                  &c->base);
}

bool api_json_check(const char *json, const char *what, struct lb_error *err)
{
	const char *end = NULL;
	cJSON *root = json ? cJSON_ParseWithOpts(json, &end, 1) : NULL;

	if (!root) {
		lb_error_set(err, LB_USAGE, "%s is not valid JSON (at byte %zu)", what,
		             json && end && end >= json ? (size_t)(end - json) : 0);
		return false;
	}
	cJSON_Delete(root);
	return true;
}
