#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"
#include "output.h"
#include "term_safe.h"

/* What the command families share: loading a room's resource, opening a
 * view, asking for a room ID, and a change to a whole room run after a
 * confirmation. */

const struct opt_spec cmd_yes_opts[] = {
    {"yes", OPT_FLAG, NULL, "apply without asking (batch mode needs it)"},
    {NULL, 0, NULL, NULL},
};

/* True when the resource settled without a fresh answer (finished then). */
bool cmd_load_failed(struct cmd_ctx *c, struct resource *r, const char *room)
{
	if (r->err.status == LB_OK && !r->gone && r->has_data)
		return false;
	struct lb_error err = r->err;
	if (err.status == LB_OK) {
		char *safe = ts_sanitize(room, (size_t)-1);
		lb_error_set(&err, LB_HTTP, "room %s not found", safe ? safe : "");
		free(safe);
	}
	cmd_finish(c, &err);
	return true;
}

/* Destructive: the TUI asks to type the room ID; batch mode needs --yes. */
void cmd_confirm_room_id(struct cmd_ctx *c, const char *what, const char *id, bool yes,
                         const char *refused, cmd_go_fn go, cmd_go_fn drop, void *state)
{
	char *safe = ts_sanitize(id, (size_t)-1);
	char prompt[768];
	char upper[256];

	snprintf(upper, sizeof(upper), "%s", what);
	upper[0] = (char)(upper[0] >= 'a' && upper[0] <= 'z' ? upper[0] - 'a' + 'A' : upper[0]);
	snprintf(prompt, sizeof(prompt), "%s? Type the room ID (%s) to confirm: ", upper,
	         safe ? safe : "");
	free(safe);
	cmd_confirm_typed(c, what, id, prompt, yes, refused, go, drop, state);
}

/* The TUI without a view for it: refuse rather than print over the
 * screen. True when finished. */
bool cmd_need_view(struct cmd_ctx *c)
{
	if (!c->host.interactive || c->host.show_view)
		return false;
	cmd_finish_usage(c, "%s", "this view is not available here; run it with lbtui -e");
	return true;
}

/* The TUI opens the view of that name about where, with its options
 * (NULL for none) (true: finished). Batch mode refuses --watch with
 * no_watch (true: finished), or goes on to print (false). */
bool cmd_open_view(struct cmd_ctx *c, const char *view, const struct scope *where,
                   const void *opts, bool watch, const char *no_watch)
{
	if (c->host.interactive && c->host.show_view) {
		c->host.show_view(c->host.ud, view, where, opts, watch);
		cmd_finish_ok(c);
		return true;
	}
	if (watch) {
		cmd_finish_usage(c, "%s", no_watch);
		return true;
	}
	return false;
}

/* Wait for r (NULL: out of memory), then step with a copy of the room ID
 * as ud. */
void cmd_wait_room(struct cmd_ctx *c, struct resource *r, const char *room, cmd_step_fn step)
{
	char *id = r ? strdup(room) : NULL;

	if (!id) {
		if (r)
			model_release(c->model, &r);
		cmd_finish_nomem(c);
		return;
	}
	cmd_wait(c, r, true, step, id);
}

/* cmd_wait frees its ud: a holder lets a job point at state it does not
 * own. */
struct holder {
	void *state;
};

void *cmd_held(void *ud)
{
	return ((struct holder *)ud)->state;
}

/* Wait for r (NULL: out of memory, then false) and call step with a
 * holder of state. */
bool cmd_wait_holding(struct cmd_ctx *c, struct resource *r, cmd_step_fn step, void *state)
{
	struct holder *h = r ? malloc(sizeof(*h)) : NULL;

	if (!h) {
		if (r)
			model_release(c->model, &r);
		return false;
	}
	h->state = state;
	cmd_wait(c, r, true, step, h);
	return true;
}

void cmd_room_op_free(void *state)
{
	struct cmd_room_op *o = state;

	if (!o)
		return;
	free(o->room);
	free(o->arg);
	free(o->data);
	free(o->seen);
	free(o);
}

struct cmd_room_op *cmd_room_op_new(struct cmd_ctx *c, const char *room, const char *arg)
{
	struct cmd_room_op *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->c = c;
	o->room = strdup(room);
	o->arg = arg ? strdup(arg) : NULL;
	if (!o->room || (arg && !o->arg)) {
		cmd_room_op_free(o);
		return NULL;
	}
	return o;
}

/* The room_op of a command about room (NULL after finishing: read-only,
 * or out of memory). */
struct cmd_room_op *cmd_room_op_for(struct cmd_ctx *c, const struct command *cmd, const char *room,
                                    const char *arg)
{
	struct cmd_room_op *o;

	if (cmd_refuse_read_only(c, cmd))
		return NULL;
	o = cmd_room_op_new(c, room, arg);
	if (!o)
		cmd_finish_nomem(c);
	return o;
}

void cmd_room_op_finish(struct cmd_room_op *o, const struct lb_error *err)
{
	struct cmd_ctx *c = o->c;
	cmd_room_op_free(o);
	cmd_finish(c, err);
}

bool cmd_print_list_json(struct cmd_ctx *c, const void *list, size_t n, output_item_fn item,
                         bool paged, const char *next_cursor)
{
	struct buf b;
	bool ok;

	buf_init(&b);
	ok = output_list_json(&b, list, n, item, paged, next_cursor);
	if (ok)
		cmd_print_json(c, b.data, b.len);
	buf_free(&b);
	return ok;
}
