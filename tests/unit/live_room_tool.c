#include "lbconfig.h"

/* The live room on its own, for tests/e2e/live_room.test.mjs: watch ROOM
 * on the server at BASE (the token in $LIVE_TOKEN) and print one JSON
 * line per event on stdout. Lines on stdin: "tree" prints the tree as
 * the REST API gives it, "stats" the counters, "quit" ends. */

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "http.h"
#include "live_room.h"
#include "util.h"

static const char *const state_names[] = {"connecting", "loading", "live",
                                          "retrying",   "token",   "failed"};

static void line(cJSON *o)
{
	char *p = cJSON_PrintUnformatted(o);

	printf("%s\n", p ? p : "{}");
	fflush(stdout);
	cJSON_free(p);
	cJSON_Delete(o);
}

static void on_state(void *ud, enum live_state s, const char *why)
{
	cJSON *o = cJSON_CreateObject();

	(void)ud;
	cJSON_AddStringToObject(o, "state", state_names[s]);
	if (why)
		cJSON_AddStringToObject(o, "why", why);
	line(o);
}

static void on_loaded(void *ud, const struct live_tree *t)
{
	cJSON *o = cJSON_CreateObject();

	(void)ud;
	cJSON_AddNumberToObject(o, "loaded", (double)live_tree_size(t));
	line(o);
}

static void on_change(void *ud, const struct live_change *c, bool first, long long at_ms)
{
	cJSON *o = cJSON_CreateObject();

	(void)ud;
	(void)at_ms;
	cJSON_AddNumberToObject(o, "op", c->op);
	cJSON_AddStringToObject(o, "path", c->path);
	if (c->from)
		cJSON_AddStringToObject(o, "from", c->from);
	if (c->before)
		cJSON_AddStringToObject(o, "before", c->before);
	if (c->after)
		cJSON_AddStringToObject(o, "after", c->after);
	cJSON_AddBoolToObject(o, "first", first);
	cJSON_AddNumberToObject(o, "actor", c->actor);
	line(o);
}

static void on_joined(void *ud, int actor, const char *user, const char *info, bool already,
                      bool can_write)
{
	cJSON *o = cJSON_CreateObject();

	(void)ud;
	cJSON_AddNumberToObject(o, "joined", actor);
	cJSON_AddBoolToObject(o, "already", already);
	cJSON_AddBoolToObject(o, "can_write", can_write);
	cJSON_AddStringToObject(o, "user", user ? user : "");
	cJSON_AddRawToObject(o, "info", info);
	line(o);
}

static void on_left(void *ud, int actor)
{
	cJSON *o = cJSON_CreateObject();

	(void)ud;
	cJSON_AddNumberToObject(o, "left", actor);
	line(o);
}

static void on_presence(void *ud, int actor, const char *json, bool full)
{
	cJSON *o = cJSON_CreateObject();

	(void)ud;
	cJSON_AddNumberToObject(o, "presence", actor);
	cJSON_AddRawToObject(o, "data", json);
	cJSON_AddBoolToObject(o, "full", full);
	line(o);
}

static void on_event(void *ud, int actor, const char *json)
{
	cJSON *o = cJSON_CreateObject();

	(void)ud;
	cJSON_AddNumberToObject(o, "event", actor);
	cJSON_AddRawToObject(o, "data", json);
	line(o);
}

static bool command(struct live_room *r, const char *cmd)
{
	cJSON *o = cJSON_CreateObject();

	if (!strcmp(cmd, "quit")) {
		cJSON_Delete(o);
		return false;
	}
	if (!strcmp(cmd, "tree")) {
		const struct live_tree *t = live_room_tree(r);
		cJSON *v = t ? live_tree_to_json(t, false) : NULL;

		cJSON_AddItemToObject(o, "tree", v ? v : cJSON_CreateNull());
	} else if (!strcmp(cmd, "stats")) {
		struct live_room_stats st;

		live_room_get_stats(r, &st);
		cJSON_AddNumberToObject(o, "messages", (double)st.messages);
		cJSON_AddNumberToObject(o, "ops", (double)st.ops);
		cJSON_AddNumberToObject(o, "ignored", (double)st.ignored);
		cJSON_AddNumberToObject(o, "unknown", (double)st.unknown);
		cJSON_AddNumberToObject(o, "reconnects", (double)st.reconnects);
	}
	line(o);
	return true;
}

int main(int argc, char **argv)
{
	static const struct live_room_events ev = {on_state,  on_loaded,   on_change, on_joined,
	                                           on_left,   on_presence, on_event};
	const char *token = getenv("LIVE_TOKEN");
	struct http_options ho;
	struct lb_error err;
	struct http *h;
	struct live_room *r;
	char in[4096];
	size_t in_len = 0;
	bool go = true;

	if (argc != 3 || !token) {
		fprintf(stderr, "usage: LIVE_TOKEN=... live_room_tool BASE_URL ROOM\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	http_options_default(&ho);
	if (!(h = http_new(&ho, &err)) ||
	    !(r = live_room_open(h, argv[1], argv[2], token, &ev, NULL, &err))) {
		fprintf(stderr, "live_room_tool: %s\n", err.message);
		return 1;
	}
	while (go) {
		struct pollfd fds[64];
		int n = 1 + http_pollfds(h, fds + 1, 63);
		int t = http_timeout_ms(h);

		fds[0] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
		if (t < 0 || t > 1000)
			t = 1000;
		poll(fds, (nfds_t)n, t);
		if (fds[0].revents) {
			ssize_t k = read(STDIN_FILENO, in + in_len, sizeof(in) - 1 - in_len);
			char *nl;

			if (k <= 0)
				break;
			in_len += (size_t)k;
			in[in_len] = '\0';
			while (go && (nl = strchr(in, '\n'))) {
				*nl = '\0';
				go = command(r, in);
				in_len -= (size_t)(nl + 1 - in);
				memmove(in, nl + 1, in_len + 1);
			}
		}
		http_process(h, fds + 1, n - 1);
	}
	live_room_free(&r);
	http_free(&h);
	curl_global_cleanup();
	return 0;
}
