#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "family.h"
#include "groups.h"
#include "inbox.h"
#include "notify_impl.h"
#include "notify_settings.h"
#include "output.h"
#include "term_safe.h"
#include "util.h"

/* One user in one place: `user USER` opens the user view on the screen
 * (ui/views/view_user.c); in batch mode it reads the four answers about
 * the user at once (the inbox, the groups, the notification settings and
 * the room subscription settings across rooms) and prints them as four
 * sections, each with its own error, or with --json one object holding
 * the four answers. */

/* The newest notifications a section lists. */
#define USER_NEWEST 5

enum user_part { PART_INBOX, PART_GROUPS, PART_SETTINGS, PART_SUBSCRIPTIONS, PARTS };

static const struct {
	const char *title; /* of the text section */
	const char *key;   /* of the --json object */
	struct op_step step;
	const char *query;
} parts[PARTS] = {
    [PART_INBOX] = {"Inbox",
                    "inbox",
                    {.ep = EP_INBOX_NOTIFICATIONS_LIST,
                     .build = notify_op_build,
                     .answer = notify_op_answer},
                    "limit=50"},
    [PART_GROUPS] = {"Groups",
                     "groups",
                     {.ep = EP_USER_GROUPS, .build = notify_op_build, .answer = notify_op_answer},
                     "limit=100"},
    [PART_SETTINGS] = {"Notification settings",
                       "notificationSettings",
                       {.ep = EP_NOTIFICATION_SETTINGS_GET,
                        .build = notify_op_build,
                        .answer = notify_op_answer},
                       NULL},
    [PART_SUBSCRIPTIONS] = {"Room subscription settings",
                            "roomSubscriptionSettings",
                            {.ep = EP_USER_ROOM_SUBSCRIPTION_SETTINGS,
                             .build = notify_op_build,
                             .answer = notify_op_answer},
                            "limit=50"},
};

/* What one of the four requests answered. */
struct user_answer {
	bool done;
	struct lb_error err;
	char *body;
	size_t len;
};

struct user_job {
	struct cmd_ctx *c;
	char *user;
	int waiting;
	struct user_answer a[PARTS];
};

/* Where an answer goes: its job and which part it is. */
struct user_ticket {
	struct user_job *j;
	enum user_part part;
};

static void user_job_free(struct user_job *j)
{
	for (int i = 0; i < PARTS; i++)
		free(j->a[i].body);
	free(j->user);
	free(j);
}

/* ---- text ---- */

static void section_error(struct buf *b, const struct lb_error *err)
{
	char msg[700];

	lb_error_format(err, msg, sizeof(msg));
	buf_adds(b, "  error: ");
	notify_cell(b, msg, 200, false);
	buf_adds(b, "\n");
}

static bool inbox_text(struct buf *b, const struct user_answer *a, struct lb_error *err)
{
	struct inbox_note *notes;
	char *next;
	size_t n, unread = 0;
	bool ok = true;

	if (!inbox_page_decode(a->body, a->len, &notes, &n, &next, err))
		return false;
	for (size_t i = 0; i < n; i++)
		unread += notes[i].unread;
	buf_printf(b, "  %zu%s unread of %zu%s notifications\n", unread, next ? "+" : "", n,
	           next ? "+" : "");
	for (size_t i = 0; ok && i < n && i < USER_NEWEST; i++) {
		char when[32];

		output_time(notes[i].notified_s, when, sizeof(when));
		ok = buf_adds(b, "  ") &&
		     notify_cell(b, notes[i].unread ? "unread" : "read", 6, true) &&
		     notify_cell(b, notes[i].kind, 11, true) &&
		     notify_cell(b, notes[i].room_id ? notes[i].room_id : "-", 20, true) &&
		     notify_cell(b, inbox_note_subject(&notes[i]), 24, true) &&
		     notify_cell(b, when, 16, false) && buf_adds(b, "\n");
	}
	if (n > USER_NEWEST)
		buf_printf(b, "  (the newest %d; all of them: inbox USER)\n", USER_NEWEST);
	inbox_notes_free(notes, n);
	free(next);
	return ok;
}

static bool groups_text(struct buf *b, const struct user_answer *a, struct lb_error *err)
{
	struct group_info *g;
	char *next;
	size_t n;
	bool ok = true;

	if (!group_page_decode(a->body, a->len, &g, &n, &next, err))
		return false;
	buf_printf(b, "  in %zu%s group%s\n", n, next ? "+" : "", n == 1 && !next ? "" : "s");
	for (size_t i = 0; ok && i < n; i++) {
		char members[32];

		snprintf(members, sizeof(members), "%zu member%s", g[i].members.n,
		         g[i].members.n == 1 ? "" : "s");
		ok = buf_adds(b, "  ") && notify_cell(b, g[i].id, 24, true) &&
		     notify_cell(b, members, 12, false) && buf_adds(b, "\n");
	}
	groups_free(g, n);
	free(next);
	return ok;
}

static bool settings_text(struct buf *b, const struct user_answer *a, struct lb_error *err)
{
	struct notify_settings s;
	bool ok;

	if (!notify_settings_decode(a->body, a->len, &s, err))
		return false;
	ok = buf_adds(b, "  ") && notify_cell(b, "KIND", 16, true);
	for (int ch = 0; ok && ch < NOTIFY_CHANNELS; ch++)
		ok = notify_cell(b, notify_channels[ch], 7, ch < NOTIFY_CHANNELS - 1);
	ok = ok && buf_adds(b, "\n");
	for (size_t k = 0; ok && k < s.kinds.n; k++) {
		ok = buf_adds(b, "  ") && notify_cell(b, s.kinds.v[k], 16, true);
		for (int ch = 0; ok && ch < NOTIFY_CHANNELS; ch++)
			ok = notify_cell(b, notify_settings_on(&s, ch, s.kinds.v[k]) ? "on" : "off",
			                 7, ch < NOTIFY_CHANNELS - 1);
		ok = ok && buf_adds(b, "\n");
	}
	for (int ch = 0; ok && ch < NOTIFY_CHANNELS; ch++)
		if (!s.enabled[ch])
			buf_printf(b, "  (%s: not enabled for this project)\n",
			           notify_channels[ch]);
	notify_settings_clear(&s);
	return ok;
}

static bool subscriptions_text(struct buf *b, const struct user_answer *a, struct lb_error *err)
{
	struct room_subscription *s;
	char *next;
	size_t n;
	bool ok = true;

	if (!room_subscription_page_decode(a->body, a->len, &s, &n, &next, err))
		return false;
	if (!n)
		buf_adds(b, "  (none: the defaults apply in every room)\n");
	else
		buf_printf(b, "  %zu%s room%s\n", n, next ? "+" : "", n == 1 && !next ? "" : "s");
	for (size_t i = 0; ok && i < n; i++)
		ok = buf_adds(b, "  ") && notify_cell(b, s[i].room_id, 24, true) &&
		     notify_cell(b, "threads", 7, true) && notify_cell(b, s[i].threads, 20, true) &&
		     notify_cell(b, "mentions", 8, true) &&
		     notify_cell(b, s[i].mentions, 8, false) && buf_adds(b, "\n");
	for (size_t i = 0; i < n; i++)
		room_subscription_clear(&s[i]);
	free(s);
	free(next);
	return ok;
}

static bool (*const part_text[PARTS])(struct buf *, const struct user_answer *,
                                      struct lb_error *) = {
    [PART_INBOX] = inbox_text,
    [PART_GROUPS] = groups_text,
    [PART_SETTINGS] = settings_text,
    [PART_SUBSCRIPTIONS] = subscriptions_text,
};

static void print_text(struct user_job *j)
{
	struct buf b;
	char *safe = ts_sanitize(j->user, (size_t)-1);

	buf_init(&b);
	buf_printf(&b, "user %s\n", safe ? safe : "");
	free(safe);
	for (int i = 0; i < PARTS; i++) {
		struct lb_error err = j->a[i].err;

		buf_printf(&b, "\n%s\n", parts[i].title);
		if (err.status != LB_OK || !part_text[i](&b, &j->a[i], &err)) {
			j->a[i].err = err;
			section_error(&b, &err);
		}
	}
	if (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	if (b.data)
		cmd_say(j->c, b.data);
	buf_free(&b);
}

/* ---- --json ---- */

static bool print_json(struct user_job *j)
{
	cJSON *out = cJSON_CreateObject();
	char *text = NULL;
	bool ok = out && cJSON_AddStringToObject(out, "userId", j->user);

	for (int i = 0; ok && i < PARTS; i++) {
		const struct user_answer *a = &j->a[i];
		cJSON *v = a->err.status == LB_OK ? cJSON_ParseWithLength(a->body, a->len) : NULL;

		if (!v) {
			char msg[700];
			cJSON *e = cJSON_CreateObject();

			lb_error_format(&a->err, msg, sizeof(msg));
			v = cJSON_CreateObject();
			ok = v && e && cJSON_AddStringToObject(e, "message", msg) &&
			     (a->err.http_status
			          ? cJSON_AddNumberToObject(e, "status", (double)a->err.http_status)
			          : cJSON_AddNullToObject(e, "status")) &&
			     cJSON_AddItemToObject(v, "error", e);
			if (!ok) {
				cJSON_Delete(e);
				cJSON_Delete(v);
				break;
			}
		}
		ok = cJSON_AddItemToObject(out, parts[i].key, v);
		if (!ok)
			cJSON_Delete(v);
	}
	if (ok)
		text = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	if (!text)
		return false;
	cmd_print_json(j->c, text, strlen(text));
	cJSON_free(text);
	return true;
}

/* Every answer is in: print, and fail (partly: what could be read is
 * printed, --json holds each error in its place) when a section could
 * not be read, naming the sections. */
static void user_finish(struct user_job *j)
{
	struct cmd_ctx *c = j->c;
	char why[700], failed[256] = "";
	const struct lb_error *first = NULL;
	int n = 0;

	if (c->host.json) {
		if (!print_json(j)) {
			user_job_free(j);
			cmd_finish_nomem(c);
			return;
		}
	} else {
		print_text(j);
	}
	for (int i = 0; i < PARTS; i++) {
		if (j->a[i].err.status == LB_OK)
			continue;
		first = first ? first : &j->a[i].err;
		snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), "%s%s",
		         n++ ? ", " : "", parts[i].title);
	}
	if (!n) {
		user_job_free(j);
		cmd_finish_ok(c);
		return;
	}
	lb_error_format(first, why, sizeof(why));
	user_job_free(j);
	cmd_finish_with(c, LB_PARTIAL, "%d of %d sections could not be read (%s): %s", n, PARTS,
	                failed, why);
}

static void user_answered(const struct storage_result *res, void *ud)
{
	struct user_ticket *t = ud;
	struct user_job *j = t->j;
	struct user_answer *a = &j->a[t->part];

	a->done = true;
	a->err = res->err;
	if (res->err.status == LB_OK) {
		a->body = malloc(res->body_len + 1);
		if (!a->body) {
			lb_error_set(&a->err, LB_NOMEM, "out of memory");
		} else {
			memcpy(a->body, res->body, res->body_len);
			a->body[res->body_len] = '\0';
			a->len = res->body_len;
		}
	}
	free(t);
	if (--j->waiting == 0)
		user_finish(j);
}

static void run_user(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *user = cmd_target(c, cmd, a, SCOPE_USER);
	struct user_ticket *t[PARTS] = {0};
	struct user_job *j;

	if (!user || cmd_open_view(c, "user", &(struct scope){.user = user}, NULL, false, ""))
		return;
	j = calloc(1, sizeof(*j));
	for (int i = 0; j && i < PARTS; i++)
		if (!(t[i] = calloc(1, sizeof(*t[i])))) {
			for (int k = 0; k < i; k++)
				free(t[k]);
			free(j);
			j = NULL;
		}
	if (!j || !(j->user = strdup(user))) {
		if (j) {
			for (int i = 0; i < PARTS; i++)
				free(t[i]);
			free(j);
		}
		cmd_finish_nomem(c);
		return;
	}
	j->c = c;
	/* The four go out together; a refusal to start answers at once. */
	j->waiting = PARTS;
	for (int i = 0; i < PARTS; i++) {
		struct notify_run run = {.prog = &notify_read_program,
		                         .first = &parts[i].step,
		                         .guard = parts[i].step.ep,
		                         .user = j->user,
		                         .params = {j->user},
		                         .query = parts[i].query};

		t[i]->j = j;
		t[i]->part = (enum user_part)i;
		notify_op_run(c->model, &run, user_answered, t[i]);
	}
}

static const struct command commands[] = {
    {"user", "[USER]", 0, 1, false, run_user,
     "One user: their inbox, groups, notification settings and room subscription settings",
     cmd_no_opts, SCOPE_USER},
    {NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

static const enum endpoint_id endpoints[] = {
    EP_INBOX_NOTIFICATIONS_LIST,        EP_USER_GROUPS, EP_NOTIFICATION_SETTINGS_GET,
    EP_USER_ROOM_SUBSCRIPTION_SETTINGS, EP_COUNT,
};

const struct family family_user = {
    .name = "user",
    .summary = "One user in one place: inbox, groups, notification and subscription settings",
    .commands = commands,
    .endpoints = endpoints,
};
