#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "http.h"
#include "live_print.h"
#include "live_watch.h"
#include "lson.h"
#include "model_storage.h"
#include "storage_watch.h"
#include "util.h"

/* `storage ROOM --watch` on the command line: the op log as it comes,
 * until a signal stops it. Pushed ops say who made them; when push is not
 * available (or --poll) the document is re-read every second and what
 * changed between two reads is printed instead. */

struct printer {
	struct cmd_ctx *c;
	struct live_watch *live;
	unsigned long printed;    /* the serial of the last op printed */
	unsigned long message;    /* of the last op printed */
	const char *room;         /* room_copy */
	char *room_copy;
	bool simplified;
	struct live_poll poll;    /* when push is not to be had */
	struct lson_doc *shown;   /* polling: the last read */
};

/* One line of a change: "  set    /x: 10 → 42". */
static void say_change(struct cmd_ctx *c, const char *kind, const char *from, const char *path,
                       const char *before, const char *after)
{
	cmd_sayf(c, "  %-7s %s%s%s: %s → %s", kind, from ? from : "", from ? " → " : "",
	         path[0] ? path : "/", before ? before : "∅", after ? after : "∅");
}

static void print_op(struct printer *p, const struct live_op_entry *e)
{
	char at[40];

	if (p->c->host.json) {
		cJSON *o = cJSON_CreateObject();

		format_iso_ms(e->wall_ms, at, sizeof(at));
		cJSON_AddStringToObject(o, "time", at);
		cJSON_AddNumberToObject(o, "serial", (double)e->serial);
		cJSON_AddNumberToObject(o, "message", (double)e->message);
		if (e->actor >= 0)
			cJSON_AddNumberToObject(o, "actor", e->actor);
		else
			cJSON_AddNullToObject(o, "actor");
		if (e->user_id)
			cJSON_AddStringToObject(o, "user", e->user_id);
		else
			cJSON_AddNullToObject(o, "user");
		if (e->guessed)
			cJSON_AddTrueToObject(o, "guessed");
		cJSON_AddStringToObject(o, "op", e->kind);
		cJSON_AddStringToObject(o, "path", e->path);
		if (e->from)
			cJSON_AddStringToObject(o, "from", e->from);
		cJSON_AddItemToObject(o, "before", live_print_value(e->before));
		cJSON_AddItemToObject(o, "after", live_print_value(e->after));
		live_print_line(p->c, o);
		return;
	}
	if (e->message != p->message) {
		char who[300];

		format_clock_ms(e->wall_ms, at, sizeof(at));
		live_op_who(e, who, sizeof(who));
		cmd_sayf(p->c, "%s  %s", at, who);
	}
	say_change(p->c, e->kind, e->from, e->path, e->before, e->after);
}

/* The ops logged since the last print (those the log no longer holds
 * are gone: said). */
static void print_new_ops(struct printer *p)
{
	size_t n = live_watch_op_count(p->live), i = n;

	while (i > 0 && live_watch_op(p->live, i - 1)->serial > p->printed)
		i--;
	if (i == 0 && n && live_watch_op(p->live, 0)->serial > p->printed + 1)
		cmd_notef(p->c, "(%lu ops came faster than they could be printed)",
		          live_watch_op(p->live, 0)->serial - p->printed - 1);
	for (; i < n; i++) {
		const struct live_op_entry *e = live_watch_op(p->live, i);

		print_op(p, e);
		p->printed = e->serial;
		p->message = e->message;
	}
}

static void on_live(void *ud, unsigned what)
{
	struct printer *p = ud;

	if (what & LIVE_WATCH_STATE)
		live_print_reason(p->c, p->live, p);
	if (live_watch_mode(p->live) == LIVE_WATCH_POLLING)
		live_poll_start(&p->poll, p->c->model);
	if (what & LIVE_WATCH_OPS)
		print_new_ops(p);
}

/* Polling: what changed between the last two reads. */
static void print_deltas(struct printer *p, struct lson_doc *doc)
{
	struct lson_delta *d = NULL;
	size_t n = p->shown ? lson_diff(p->shown, doc, &d) : 0;
	static const char *const kinds[] = {[LSON_ADDED] = "added",
	                                    [LSON_CHANGED] = "changed",
	                                    [LSON_REMOVED] = "removed"};
	long long wall = wall_ms();
	char at[40];

	if (n && !p->c->host.json) {
		format_clock_ms(wall, at, sizeof(at));
		cmd_sayf(p->c, "%s  (re-read)", at);
	}
	format_iso_ms(wall, at, sizeof(at));
	for (size_t i = 0; i < n; i++) {
		if (p->c->host.json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "time", at);
			cJSON_AddNullToObject(o, "actor");
			cJSON_AddNullToObject(o, "user");
			cJSON_AddStringToObject(o, "op", kinds[d[i].kind]);
			cJSON_AddStringToObject(o, "path", d[i].path);
			cJSON_AddItemToObject(o, "before", live_print_value(d[i].before));
			cJSON_AddItemToObject(o, "after", live_print_value(d[i].after));
			live_print_line(p->c, o);
		} else {
			say_change(p->c, kinds[d[i].kind], NULL, d[i].path, d[i].before, d[i].after);
		}
	}
	lson_deltas_free(&d, n);
}

static struct resource *take_storage(void *ud)
{
	struct printer *p = ud;

	return model_storage(p->c->model, p->room, p->simplified);
}

static bool step(struct cmd_ctx *c, struct resource *unused, void *ud)
{
	struct printer *p = ud;
	bool fresh;
	struct resource *r = live_poll_step(&p->poll, c->model, take_storage, p, &fresh);
	struct lson_doc *doc;
	char msg[600];

	(void)unused;
	if (!r || !fresh)
		return false;
	if (r->state == RES_ERROR) {
		if (r->gone || r->err.http_status == 404) {
			/* Nothing left to watch. */
			cmd_finish(c, &r->err);
			return true;
		}
		lb_error_format(&r->err, msg, sizeof(msg));
		cmd_notef(c, "could not re-read Storage: %s", msg);
	} else if ((doc = model_document(r))) {
		print_deltas(p, doc);
		lson_unref(&p->shown);
		p->shown = lson_ref(doc);
	}
	return false;
}

static void printer_free(void *ud)
{
	struct printer *p = ud;

	live_poll_clear(&p->poll, p->c->model);
	if (p->live) {
		live_watch_unlisten(p->live, on_live, p);
		live_watch_close(&p->live);
	}
	lson_unref(&p->shown);
	free(p->room_copy);
	free(p);
}

void storage_watch_print(struct cmd_ctx *c, const char *room, bool simplified, bool poll)
{
	struct printer *p = calloc(1, sizeof(*p));
	struct lb_error err;

	if (!p || !(p->room_copy = strdup(room))) {
		free(p);
		cmd_finish_nomem(c);
		return;
	}
	p->c = c;
	p->room = p->room_copy;
	p->simplified = simplified;
	if (!(p->live = live_watch_open(c->model, room, simplified, false, poll, &err)) ||
	    !live_watch_listen(p->live, on_live, p)) {
		if (p->live)
			live_watch_close(&p->live);
		free(p->room_copy);
		free(p);
		cmd_finish_nomem(c);
		return;
	}
	cmd_notef(c, "watching the Storage of %s %s (Ctrl-C stops)", room,
	          live_watch_mode(p->live) == LIVE_WATCH_POLLING ? "by polling every 1 s"
	                                                         : "through the room's socket");
	on_live(p, LIVE_WATCH_STATE);
	cmd_wait_free(c, NULL, step, p, printer_free);
}
