#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "decode.h"
#include "family.h"
#include "inbox.h"
#include "json.h"
#include "kind.h"
#include "notify_impl.h"
#include "notify_settings.h"
#include "ops.h"
#include "output.h"
#include "term_safe.h"
#include "util.h"
#include "why.h"

/* How a user is notified: the channel settings (a grid of channel ×
 * kind), the room subscription settings (per room and user, and a user's
 * list of them across rooms), and the deprecated notification-settings
 * paths of a room. The requests are the programs of notify_impl.h. */

#define SUBSCRIPTIONS_PAGE 50

const char *const notify_channels[NOTIFY_CHANNELS] = {"email", "slack", "teams", "webPush"};

static const cJSON *item(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* ------------------------------------------------------------------ */
/* Decoders and bodies */

void notify_settings_clear(struct notify_settings *s)
{
	strv_free(&s->kinds);
	free(s->on);
	memset(s, 0, sizeof(*s));
}

static int kind_index(const struct strv *kinds, const char *kind)
{
	for (size_t i = 0; i < kinds->n; i++)
		if (!strcmp(kinds->v[i], kind))
			return (int)i;
	return -1;
}

bool notify_settings_on(const struct notify_settings *s, int ch, const char *kind)
{
	int k = kind_index(&s->kinds, kind);

	return ch >= 0 && ch < NOTIFY_CHANNELS && k >= 0 && s->enabled[ch] &&
	       s->on[(size_t)ch * s->kinds.n + (size_t)k];
}

bool notify_settings_decode(const char *json, size_t len, struct notify_settings *out,
                            struct lb_error *err)
{
	cJSON *root = api_parse_json(json, len, err);
	const cJSON *v;

	memset(out, 0, sizeof(*out));
	if (!root)
		return false;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		lb_error_set(err, LB_DECODE,
		             "the server sent notification settings that are no object");
		return false;
	}
	if (!strv_push(&out->kinds, "thread") || !strv_push(&out->kinds, "textMention"))
		goto oom;
	/* The kinds: the two built in, then the custom ones of any channel. */
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
		const cJSON *kinds = item(root, notify_channels[ch]);

		if (kinds && !cJSON_IsNull(kinds) && !cJSON_IsObject(kinds)) {
			cJSON_Delete(root);
			notify_settings_clear(out);
			lb_error_set(
			    err, LB_DECODE,
			    "the server sent notification settings where \"%s\" is neither an "
			    "object nor null",
			    notify_channels[ch]);
			return false;
		}
		const cJSON *obj = cJSON_IsObject(kinds) ? kinds : NULL;

		cJSON_ArrayForEach(v, obj)
		{
			if (kind_index(&out->kinds, v->string) < 0 &&
			    !strv_push(&out->kinds, v->string))
				goto oom;
		}
	}
	if (!(out->on = calloc(NOTIFY_CHANNELS * out->kinds.n, sizeof(bool))))
		goto oom;
	for (int ch = 0; ch < NOTIFY_CHANNELS; ch++) {
		const cJSON *kinds = item(root, notify_channels[ch]);

		const cJSON *obj = cJSON_IsObject(kinds) ? kinds : NULL;

		out->enabled[ch] = obj != NULL;
		cJSON_ArrayForEach(v, obj)
		{
			out->on[(size_t)ch * out->kinds.n +
			        (size_t)kind_index(&out->kinds, v->string)] = cJSON_IsTrue(v);
		}
	}
	cJSON_Delete(root);
	lb_error_clear(err);
	return true;
oom:
	cJSON_Delete(root);
	notify_settings_clear(out);
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

/* "email.thread=on": its channel, kind and value, checked. */
static bool setting_spec(const char *spec, cJSON *body, struct lb_error *err)
{
	const char *dot = strchr(spec, '.');
	const char *eq = dot ? strchr(dot, '=') : NULL;
	char channel[32], kind[160];
	cJSON *obj;
	int ch = -1;
	bool on;

	if (!dot || !eq || (size_t)(dot - spec) >= sizeof(channel) ||
	    (size_t)(eq - dot - 1) >= sizeof(kind)) {
		lb_error_set(err, LB_USAGE,
		             "--set takes CHANNEL.KIND=on|off (as email.thread=off), not \"%.64s\"",
		             spec);
		return false;
	}
	snprintf(channel, sizeof(channel), "%.*s", (int)(dot - spec), spec);
	snprintf(kind, sizeof(kind), "%.*s", (int)(eq - dot - 1), dot + 1);
	for (int i = 0; i < NOTIFY_CHANNELS; i++)
		if (!strcmp(channel, notify_channels[i]))
			ch = i;
	if (ch < 0) {
		lb_error_set(err, LB_USAGE,
		             "--set: no channel \"%.32s\" (email, slack, teams, webPush)", channel);
		return false;
	}
	if (strcmp(kind, "thread") && strcmp(kind, "textMention") && !inbox_kind_check(kind, err)) {
		lb_error_prefix(err, "--set: the kind is thread, textMention or a custom $kind");
		return false;
	}
	if (!strcmp(eq + 1, "on"))
		on = true;
	else if (!strcmp(eq + 1, "off"))
		on = false;
	else {
		lb_error_set(err, LB_USAGE, "--set %.160s: the value is on or off", spec);
		return false;
	}
	obj = cJSON_GetObjectItemCaseSensitive(body, channel);
	if (!obj && !(obj = cJSON_AddObjectToObject(body, channel)))
		goto oom;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, kind);
	if (!cJSON_AddBoolToObject(obj, kind, on))
		goto oom;
	return true;
oom:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

bool notify_settings_body(const struct strv *specs, struct buf *out, struct lb_error *err)
{
	cJSON *body = cJSON_CreateObject();
	char *text;

	if (!body) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	for (size_t i = 0; i < specs->n; i++) {
		if (!setting_spec(specs->v[i], body, err)) {
			cJSON_Delete(body);
			return false;
		}
	}
	text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (!text || !buf_adds(out, text)) {
		free(text);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	free(text);
	return true;
}

void room_subscription_clear(struct room_subscription *s)
{
	free(s->room_id);
	free(s->threads);
	free(s->mentions);
	memset(s, 0, sizeof(*s));
}

static bool subscription_from(const cJSON *it, struct room_subscription *s, bool with_room,
                              struct lb_error *err)
{
	const char *threads = cJSON_GetStringValue(item(it, "threads"));
	const char *mentions = cJSON_GetStringValue(item(it, "textMentions"));
	const char *room = cJSON_GetStringValue(item(it, "roomId"));

	if (!threads || !mentions || (with_room && !room)) {
		lb_error_set(err, LB_DECODE,
		             "the server sent room subscription settings without \"threads\", "
		             "\"textMentions\"%s",
		             with_room ? " or \"roomId\"" : "");
		return false;
	}
	if (!(s->threads = strdup(threads)) || !(s->mentions = strdup(mentions)) ||
	    (room && !(s->room_id = strdup(room)))) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

static bool subscription_item_from(const cJSON *o, void *out, size_t index,
                                   struct lb_error *err)
{
	(void)index;
	return subscription_from(o, out, true, err);
}

static void subscription_item_clear(void *item)
{
	room_subscription_clear(item);
}

bool room_subscription_page_decode(const char *json, size_t len, struct room_subscription **out,
                                   size_t *n, char **next_cursor, struct lb_error *err)
{
	return api_decode_page(json, len, "room subscription settings", sizeof(**out),
	                       subscription_item_from, subscription_item_clear, (void **)out, n,
	                       next_cursor, err);
}

/* One room's settings: the answer names no room. */
static bool subscription_one_from(const cJSON *o, void *out, size_t index, struct lb_error *err)
{
	(void)index;
	return subscription_from(o, out, false, err);
}

bool room_subscription_decode(const char *json, size_t len, struct room_subscription *out,
                              struct lb_error *err)
{
	return api_decode_one(json, len, sizeof(*out), subscription_one_from,
	                      subscription_item_clear, out, err);
}

static bool one_of(const char *v, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (!strcmp(v, *allowed))
			return true;
	return false;
}

bool room_subscription_body(const char *threads, const char *mentions, struct buf *out,
                            struct lb_error *err)
{
	static const char *const thread_values[] = {"all", "replies_and_mentions", "none", NULL};
	static const char *const mention_values[] = {"mine", "none", NULL};
	struct json_writer w;

	if (!threads && !mentions) {
		lb_error_set(err, LB_USAGE, "nothing to change: give --threads or --mentions");
		return false;
	}
	if (threads && !one_of(threads, thread_values)) {
		lb_error_set(err, LB_USAGE,
		             "--threads is all, replies_and_mentions or none, not \"%.64s\"",
		             threads);
		return false;
	}
	if (mentions && !one_of(mentions, mention_values)) {
		lb_error_set(err, LB_USAGE, "--mentions is mine or none, not \"%.64s\"", mentions);
		return false;
	}
	json_writer_init(&w, out, false);
	json_begin_object(&w);
	if (threads) {
		json_key(&w, "threads");
		json_string(&w, threads);
	}
	if (mentions) {
		json_key(&w, "textMentions");
		json_string(&w, mentions);
	}
	json_end_object(&w);
	if (!out->data) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* The model: a user's room subscription settings, a page at a time (the
 * resource's room_id holds the user, the first path parameter). */

static bool subs_decode(const char *body, size_t len, const void *args, struct item_page *out,
                        struct lb_error *err)
{
	struct room_subscription *v;

	(void)args;
	if (!room_subscription_page_decode(body, len, &v, &out->n, &out->next, err))
		return false;
	out->items = v;
	return true;
}

static size_t sub_item_bytes(const void *it)
{
	const struct room_subscription *s = it;

	return sizeof(*s) + str_bytes(s->room_id) + str_bytes(s->threads) + str_bytes(s->mentions);
}

static const char *sub_item_id(const void *it)
{
	return ((const struct room_subscription *)it)->room_id;
}

static const struct item_type sub_item = {
    .name = "room subscription settings",
    .size = sizeof(struct room_subscription),
    .decode_page = subs_decode,
    .clear = subscription_item_clear,
    .bytes = sub_item_bytes,
    .id = sub_item_id,
};

static const struct kind subs_kind = {
    .name = "room subscriptions",
    .shape = KIND_LIST,
    .ep = EP_USER_ROOM_SUBSCRIPTION_SETTINGS,
    .item = &sub_item,
    .paging = {.cursor_param = "startingAfter", .page_size = SUBSCRIPTIONS_PAGE},
    .about_user = true,
};

static bool settings_decode_one(const char *body, size_t len, const void *args, void *item,
                                struct lb_error *err)
{
	(void)args;
	return notify_settings_decode(body, len, item, err);
}

static void settings_item_clear(void *it)
{
	notify_settings_clear(it);
}

static size_t settings_item_bytes(const void *it)
{
	const struct notify_settings *s = it;

	return sizeof(*s) + strv_bytes(&s->kinds) + NOTIFY_CHANNELS * s->kinds.n * sizeof(bool);
}

static const struct item_type settings_item = {
    .name = "notification settings",
    .size = sizeof(struct notify_settings),
    .decode_one = settings_decode_one,
    .clear = settings_item_clear,
    .bytes = settings_item_bytes,
};

static const struct kind settings_kind = {
    .name = "notification settings",
    .shape = KIND_OBJECT,
    .ep = EP_NOTIFICATION_SETTINGS_GET,
    .item = &settings_item,
    .about_user = true,
};

struct resource *model_notification_settings(struct model *m, const char *user)
{
	char *enc;
	struct buf key;

	if (!m || !user || !*user || !(enc = url_encode(user)))
		return NULL;
	buf_init(&key);
	buf_printf(&key, "/v2/users/%s/notification-settings", enc);
	free(enc);
	if (!key.data)
		return NULL;
	return mi_get(m, &settings_kind, buf_steal(&key), user, NULL);
}

const struct notify_settings *model_notification_settings_of(const struct resource *r)
{
	if (!r || !r->priv || r->priv->kind != &settings_kind)
		return NULL;
	return r->obj;
}

struct resource *model_room_subscriptions(struct model *m, const char *user)
{
	char *enc;
	struct buf key;

	if (!m || !user || !*user || !(enc = url_encode(user)))
		return NULL;
	buf_init(&key);
	buf_printf(&key, "/v2/users/%s/room-subscription-settings", enc);
	free(enc);
	if (!key.data)
		return NULL;
	return mi_get(m, &subs_kind, buf_steal(&key), user, NULL);
}

const struct room_subscription *model_room_subscription_at(const struct resource *r, size_t i)
{
	return mi_list_at(r, &sub_item, i);
}

/* ------------------------------------------------------------------ */
/* Commands */

static void run_settings(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_subscription(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_subscriptions(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec settings_opts[] = {
    {"set", OPT_VALUE, "CHANNEL.KIND=on|off", "turn a kind on or off in a channel (repeatable)"},
    {"reset", OPT_FLAG, NULL, "back to the project's defaults (a copy is kept)"},
    {"yes", OPT_FLAG, NULL, "reset without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec subscription_opts[] = {
    {"threads", OPT_VALUE, "all|replies_and_mentions|none", "which threads notify"},
    {"mentions", OPT_VALUE, "mine|none", "whether mentions notify"},
    {"delete", OPT_FLAG, NULL, "back to the defaults (a copy is kept)"},
    {"yes", OPT_FLAG, NULL, "delete without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

static const struct opt_spec subscriptions_opts[] = {
    {"all", OPT_FLAG, NULL, "load every page"},
    {NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
    {"settings", "[USER]", 0, 1, false, run_settings,
     "A user's notification settings: channel × kind, on or off", settings_opts, SCOPE_USER},
    {"subscription", "ROOM USER", 2, 2, false, run_subscription,
     "A user's room subscription settings: which threads and mentions notify", subscription_opts,
     SCOPE_ROOM},
    {"notification-settings", "ROOM USER", 2, 2, false, run_subscription,
     "subscription on the deprecated notification-settings paths", subscription_opts, SCOPE_ROOM},
    {"subscriptions", "[USER]", 0, 1, false, run_subscriptions,
     "A user's room subscription settings across rooms", subscriptions_opts, SCOPE_USER},
    {"why", "USER ROOM THREAD", 3, 3, false, run_why,
     "Why a user was (not) notified about a thread: what the API shows, and a conclusion",
     cmd_no_opts, SCOPE_USER},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* ---- settings ---- */

static bool settings_grid(struct buf *b, const struct notify_settings *s)
{
	bool ok = notify_cell(b, "CHANNEL", 8, true);

	for (size_t k = 0; ok && k < s->kinds.n; k++)
		ok = notify_cell(b, s->kinds.v[k], 11, true);
	ok = ok && buf_adds(b, "\n");
	for (int ch = 0; ok && ch < NOTIFY_CHANNELS; ch++) {
		ok = notify_cell(b, notify_channels[ch], 8, true);
		for (size_t k = 0; ok && k < s->kinds.n; k++)
			ok = notify_cell(b, notify_settings_on(s, ch, s->kinds.v[k]) ? "on" : "off",
			                 11, true);
		ok = ok && buf_adds(b, s->enabled[ch] ? "\n" : "(not enabled in the project)\n");
	}
	return ok;
}

/* The settings of an answer: --json the body, else the grid. */
static void settings_answered(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	struct cmd_ctx *c = n->c;
	struct lb_error err = res->err;
	struct notify_settings s;

	if (err.status == LB_OK && c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
	} else if (err.status == LB_OK &&
	           notify_settings_decode(res->body, res->body_len, &s, &err)) {
		struct buf b;

		buf_init(&b);
		if (settings_grid(&b, &s))
			cmd_say(c, b.data);
		else
			lb_error_set(&err, LB_NOMEM, "out of memory");
		buf_free(&b);
		notify_settings_clear(&s);
	}
	notify_cmd_finish(n, &err);
}

static void settings_reset(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	char line[512];

	snprintf(line, sizeof(line), "reset the notification settings of %s", n->user);
	notify_cmd_answered(n, res, line);
}

static const struct op_step settings_get_step = {
    .ep = EP_NOTIFICATION_SETTINGS_GET, .build = notify_op_build, .answer = notify_op_answer};
static const struct op_step settings_update_step = {
    .ep = EP_NOTIFICATION_SETTINGS_UPDATE, .build = notify_op_build, .answer = notify_op_answer};
static const struct op_step settings_keep_step = {
    .ep = EP_NOTIFICATION_SETTINGS_GET, .build = notify_op_build, .answer = notify_op_keep};
static const struct op_step settings_delete_step = {
    .ep = EP_NOTIFICATION_SETTINGS_DELETE, .build = notify_op_build, .answer = notify_op_answer};

http_id model_notification_setting_set(struct model *m, const char *user, int ch, const char *kind,
                                       bool on, storage_done_fn done, void *ud)
{
	const struct op_done to = {.storage = done, .ud = ud};
	struct strv specs = {0};
	struct lb_error err;
	char spec[256];
	struct buf body;

	if (!user || !*user || ch < 0 || ch >= NOTIFY_CHANNELS || !kind)
		return op_refuse(&to, LB_USAGE, "no user, channel or kind");
	snprintf(spec, sizeof(spec), "%s.%s=%s", notify_channels[ch], kind, on ? "on" : "off");
	buf_init(&body);
	if (!strv_push(&specs, spec)) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
	} else if (notify_settings_body(&specs, &body, &err)) {
		struct notify_run run = {.prog = &notify_change_program,
		                         .first = &settings_update_step,
		                         .guard = EP_NOTIFICATION_SETTINGS_UPDATE,
		                         .user = user,
		                         .params = {user},
		                         .stale = {&settings_kind},
		                         .body = buf_steal(&body)};

		strv_free(&specs);
		return notify_op_run(m, &run, done, ud);
	}
	strv_free(&specs);
	buf_free(&body);
	return op_refuse(&to, err.status, err.message);
}

static void settings_reset_go(void *state)
{
	struct notify_cmd *n = state;
	struct notify_run run = {.prog = &notify_change_program,
	                         .first = &settings_keep_step,
	                         .guard = EP_NOTIFICATION_SETTINGS_DELETE,
	                         .user = n->user,
	                         .params = {n->user},
	                         .stale = {&settings_kind},
	                         .keep_kind = "notification-settings",
	                         .next = &settings_delete_step};

	notify_op_run(n->c->model, &run, settings_reset, n);
}

static void run_settings(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *user = cmd_target(c, cmd, a, SCOPE_USER);
	bool reset = cmd_has_flag(a, "reset");
	struct strv specs = {0};
	struct notify_cmd *n;
	struct lb_error err, no;
	struct buf body;

	if (!user)
		return;
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].spec->name, "set") && !strv_push(&specs, a->opt[i].value)) {
			strv_free(&specs);
			cmd_finish_nomem(c);
			return;
		}
	if (reset && specs.n) {
		strv_free(&specs);
		cmd_finish_usage(c, "%s", "--reset and --set do not go together");
		return;
	}
	if (!reset && !specs.n &&
	    cmd_open_view(c, "settings", &(struct scope){.user = user}, NULL, false, "")) {
		strv_free(&specs);
		return;
	}
	if ((reset || specs.n) &&
	    cmd_refuse_read_only(c, &(struct command){.name = cmd->name, .mutation = true})) {
		strv_free(&specs);
		return;
	}
	buf_init(&body);
	if (specs.n && !notify_settings_body(&specs, &body, &err)) {
		strv_free(&specs);
		buf_free(&body);
		cmd_finish(c, &err);
		return;
	}
	strv_free(&specs);
	if (!(n = notify_cmd_new(c, user, NULL, NULL))) {
		buf_free(&body);
		return;
	}
	if (reset) {
		char preview[512];

		snprintf(preview, sizeof(preview),
		         "Reset the notification settings of user %s to the project's defaults.\n"
		         "lbtui saves a copy of the current ones in its state directory first.\n",
		         user);
		lb_error_set(&no, LB_CANCELLED, "not reset");
		cmd_confirm_else(c, "reset notification settings", preview, "Reset them?",
		                 cmd_has_flag(a, "yes"), &no, settings_reset_go, notify_cmd_free,
		                 n);
		return;
	}
	struct notify_run run = {.prog = body.len ? &notify_change_program : &notify_read_program,
	                         .first = body.len ? &settings_update_step : &settings_get_step,
	                         .guard = body.len ? EP_NOTIFICATION_SETTINGS_UPDATE
	                                           : EP_NOTIFICATION_SETTINGS_GET,
	                         .user = user,
	                         .params = {user},
	                         .stale = {&settings_kind},
	                         .body = body.len ? buf_steal(&body) : NULL};
	buf_free(&body);
	notify_op_run(c->model, &run, settings_answered, n);
}

/* ---- subscription, and the deprecated notification-settings ---- */

/* The three steps of each set of paths. */
struct sub_paths {
	struct op_step get, update, keep, remove;
};

static const struct sub_paths sub_now = {
    .get = {.ep = EP_ROOM_SUBSCRIPTION_SETTINGS_GET,
            .build = notify_op_build,
            .answer = notify_op_answer},
    .update = {.ep = EP_ROOM_SUBSCRIPTION_SETTINGS_UPDATE,
               .build = notify_op_build,
               .answer = notify_op_answer},
    .keep = {.ep = EP_ROOM_SUBSCRIPTION_SETTINGS_GET,
             .build = notify_op_build,
             .answer = notify_op_keep},
    .remove = {.ep = EP_ROOM_SUBSCRIPTION_SETTINGS_DELETE,
               .build = notify_op_build,
               .answer = notify_op_answer},
};

static const struct sub_paths sub_deprecated = {
    .get = {.ep = EP_ROOM_NOTIFICATION_SETTINGS_GET,
            .build = notify_op_build,
            .answer = notify_op_answer},
    .update = {.ep = EP_ROOM_NOTIFICATION_SETTINGS_UPDATE,
               .build = notify_op_build,
               .answer = notify_op_answer},
    .keep = {.ep = EP_ROOM_NOTIFICATION_SETTINGS_GET,
             .build = notify_op_build,
             .answer = notify_op_keep},
    .remove = {.ep = EP_ROOM_NOTIFICATION_SETTINGS_DELETE,
               .build = notify_op_build,
               .answer = notify_op_answer},
};

static void say_deprecated(struct notify_cmd *n)
{
	if (n->deprecated)
		cmd_note(n->c, "deprecated: the notification-settings paths of a room are now "
		               "subscription-settings (use `subscription ROOM USER`)");
}

static void subscription_answered(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	struct cmd_ctx *c = n->c;
	struct lb_error err = res->err;
	struct room_subscription s;

	say_deprecated(n);
	if (err.status == LB_OK && c->host.json) {
		cmd_print_json(c, res->body, res->body_len);
	} else if (err.status == LB_OK &&
	           room_subscription_decode(res->body, res->body_len, &s, &err)) {
		struct buf b;
		char *safe;

		buf_init(&b);
		buf_printf(&b, "room:     %s\nuser:     %s\nthreads:  %s\nmentions: %s", n->room,
		           n->user, s.threads, s.mentions);
		safe = b.data ? cmd_safe_lines(b.data) : NULL;
		if (safe)
			cmd_say(c, safe);
		else
			lb_error_set(&err, LB_NOMEM, "out of memory");
		free(safe);
		buf_free(&b);
		room_subscription_clear(&s);
	}
	notify_cmd_finish(n, &err);
}

static void subscription_deleted(const struct storage_result *res, void *ud)
{
	struct notify_cmd *n = ud;
	char line[1024];

	say_deprecated(n);
	snprintf(line, sizeof(line),
	         "deleted the subscription settings of %s in room %s (the defaults apply)", n->user,
	         n->room);
	notify_cmd_answered(n, res, line);
}

static const struct sub_paths *paths_of(const struct notify_cmd *n)
{
	return n->deprecated ? &sub_deprecated : &sub_now;
}

static void subscription_delete_go(void *state)
{
	struct notify_cmd *n = state;
	const struct sub_paths *p = paths_of(n);
	struct notify_run run = {.prog = &notify_change_program,
	                         .first = &p->keep,
	                         .guard = p->remove.ep,
	                         .user = n->user,
	                         .params = {n->room, n->user},
	                         .stale = {&subs_kind},
	                         .keep_kind = "subscription",
	                         .next = &p->remove};

	notify_op_run(n->c->model, &run, subscription_deleted, n);
}

static void run_subscription(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *threads = cmd_opt_value(a, "threads"), *mentions = cmd_opt_value(a, "mentions");
	bool del = cmd_has_flag(a, "delete");
	struct notify_cmd *n;
	struct lb_error err, no;
	struct buf body;

	if ((del || threads || mentions) &&
	    cmd_refuse_read_only(c, &(struct command){.name = cmd->name, .mutation = true}))
		return;
	if (del && (threads || mentions)) {
		cmd_finish_usage(c, "%s",
		                 "--delete and --threads or --mentions do not go together");
		return;
	}
	buf_init(&body);
	if ((threads || mentions) && !room_subscription_body(threads, mentions, &body, &err)) {
		buf_free(&body);
		cmd_finish(c, &err);
		return;
	}
	if (!(n = notify_cmd_new(c, a->pos[1], a->pos[0], NULL))) {
		buf_free(&body);
		return;
	}
	n->deprecated = !strcmp(cmd->name, "notification-settings");
	if (del) {
		char preview[1024];

		buf_free(&body);
		snprintf(
		    preview, sizeof(preview),
		    "Delete the subscription settings of user %s in room %s: the project's "
		    "defaults apply again.\nlbtui saves a copy in its state directory first.\n",
		    n->user, n->room);
		lb_error_set(&no, LB_CANCELLED, "not deleted");
		cmd_confirm_else(c, "delete subscription settings", preview, "Delete them?",
		                 cmd_has_flag(a, "yes"), &no, subscription_delete_go,
		                 notify_cmd_free, n);
		return;
	}
	const struct sub_paths *p = paths_of(n);
	struct notify_run run = {.prog = body.len ? &notify_change_program : &notify_read_program,
	                         .first = body.len ? &p->update : &p->get,
	                         .guard = body.len ? p->update.ep : p->get.ep,
	                         .user = n->user,
	                         .params = {n->room, n->user},
	                         .stale = {&subs_kind},
	                         .body = body.len ? buf_steal(&body) : NULL};
	buf_free(&body);
	notify_op_run(c->model, &run, subscription_answered, n);
}

/* ---- subscriptions ---- */

static void sub_json(struct json_writer *w, const void *list, size_t i)
{
	const struct room_subscription *s = model_room_subscription_at(list, i);

	json_begin_object(w);
	json_key(w, "roomId");
	json_string(w, s->room_id);
	json_key(w, "threads");
	json_string(w, s->threads);
	json_key(w, "textMentions");
	json_string(w, s->mentions);
	json_end_object(w);
}

static bool subscriptions_step(struct cmd_ctx *c, struct resource *r, void *ud)
{
	bool all = *(bool *)ud;
	struct buf b;
	int idw = 4;
	bool ok;

	if (r->err.status != LB_OK || !r->has_data) {
		cmd_finish(c, &r->err);
		return true;
	}
	if (all && !model_complete(r)) {
		model_more(c->model, r);
		return false;
	}
	if (c->host.json) {
		if (!cmd_print_list_json(c, r, model_count(r), sub_json, true,
		                         model_next_cursor(r)))
			cmd_finish_nomem(c);
		else
			cmd_finish_ok(c);
		return true;
	}
	for (size_t i = 0; i < model_count(r); i++)
		output_id_width(&idw, model_room_subscription_at(r, i)->room_id);
	buf_init(&b);
	ok = notify_cell(&b, "ROOM", idw, true) && notify_cell(&b, "THREADS", 20, true) &&
	     buf_adds(&b, "MENTIONS\n");
	for (size_t i = 0; ok && i < model_count(r); i++) {
		const struct room_subscription *s = model_room_subscription_at(r, i);

		ok = notify_cell(&b, s->room_id, idw, true) &&
		     notify_cell(&b, s->threads, 20, true) &&
		     notify_cell(&b, s->mentions, 8, false) && buf_adds(&b, "\n");
	}
	if (!ok) {
		buf_free(&b);
		cmd_finish_nomem(c);
		return true;
	}
	cmd_say(c, b.data);
	buf_free(&b);
	cmd_note_list_end(c, model_count(r), !model_complete(r),
	                  "(no room subscription settings: the defaults apply everywhere)", "rooms");
	cmd_finish_ok(c);
	return true;
}

static void run_subscriptions(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *user = cmd_target(c, cmd, a, SCOPE_USER);
	bool *all;
	struct resource *r;

	if (!user ||
	    cmd_open_view(c, "subscriptions", &(struct scope){.user = user}, NULL, false, ""))
		return;
	all = malloc(sizeof(*all));
	r = all ? model_room_subscriptions(c->model, user) : NULL;
	if (!r) {
		free(all);
		cmd_finish_nomem(c);
		return;
	}
	*all = cmd_has_flag(a, "all");
	cmd_wait(c, r, true, subscriptions_step, all);
}

static const enum endpoint_id endpoints[] = {
    EP_NOTIFICATION_SETTINGS_GET,
    EP_NOTIFICATION_SETTINGS_UPDATE,
    EP_NOTIFICATION_SETTINGS_DELETE,
    EP_ROOM_SUBSCRIPTION_SETTINGS_GET,
    EP_ROOM_SUBSCRIPTION_SETTINGS_UPDATE,
    EP_ROOM_SUBSCRIPTION_SETTINGS_DELETE,
    EP_USER_ROOM_SUBSCRIPTION_SETTINGS,
    EP_ROOM_NOTIFICATION_SETTINGS_GET,
    EP_ROOM_NOTIFICATION_SETTINGS_UPDATE,
    EP_ROOM_NOTIFICATION_SETTINGS_DELETE,
    EP_COUNT,
};

const struct family family_notify_settings = {
    .name = "settings",
    .summary = "How a user is notified: channel settings, room subscription settings",
    .commands = commands,
    .endpoints = endpoints,
};
