/* The fixture of the command tests (test_cmd.c, test_cmd_storage.c): a
 * command context over a fake transport, a second project (another
 * profile's) over another, host callbacks that record what a command did,
 * and a temporary directory for files. Include after cmocka. */
#ifndef LB_TEST_CMD_FIXTURE_H
#define LB_TEST_CMD_FIXTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "cmd.h"
#include "fake_transport.h"
#include "model.h"
#include "model_storage.h"
#include "out.h"
#include "util.h"

struct fixture {
	struct fake_transport ft, ft2; /* this project, the other profile's */
	struct api api, api2;
	struct model *model, *model2;
	struct cmd_ctx ctx;
	int done_calls;
	struct lb_error last;
	char printed[2048]; /* the last host.print */
	struct buf said;    /* every host.print, one per line */
	/* ask */
	int asked;
	char prompt[512];
	void (*answer)(void *ctx, const char *text);
	void *answer_ctx;
	/* confirm */
	int confirms;
	char title[512];
	char *preview;
	void (*yes_no)(void *ctx, bool yes);
	void *yes_no_ctx;
	/* show_view, show_room, show_rooms */
	int views;
	char view[32];
	char view_room[256];
	bool view_watch;
	bool view_ydoc;           /* show_view had Yjs options: these */
	bool view_formatting;
	char view_key[256], view_type[64]; /* "" for NULL */
	char shown_room[256];
	int shown_rooms;
	/* scope: what the user is on (the TUI: room "here") */
	struct scope here;
	/* edit_text */
	int edits;
	char *edit_initial;
	const char *edit_result;
	/* stdout capture */
	int saved_stdout;
	char out_path[128];
	char *out;
	char dir[64]; /* a temporary directory for files */
};

static void h_print(void *ud, const char *text)
{
	struct fixture *f = ud;
	snprintf(f->printed, sizeof(f->printed), "%s", text);
	buf_adds(&f->said, text);
	buf_adds(&f->said, "\n");
}

/* As batch mode: JSON and streamed documents to stdout (capture_start in
 * test_cmd_storage.c redirects it). */
static void h_print_json(void *ud, const char *json, size_t len)
{
	out_json_text(stdout, json, len);
}

static struct out_stream *h_stream(void *ud)
{
	return isatty(STDOUT_FILENO) ? NULL : out_stream_open(stdout);
}

static void h_done(void *ud, const struct lb_error *err)
{
	struct fixture *f = ud;
	f->done_calls++;
	f->last = *err;
}

static void h_ask(void *ud, const char *prompt, void (*answer)(void *, const char *), void *ctx)
{
	struct fixture *f = ud;
	f->asked++;
	snprintf(f->prompt, sizeof(f->prompt), "%s", prompt);
	f->answer = answer;
	f->answer_ctx = ctx;
}

static void h_confirm(void *ud, const char *title, const char *preview, const char *question,
                      void (*answer)(void *, bool), void *ctx)
{
	struct fixture *f = ud;
	f->confirms++;
	snprintf(f->title, sizeof(f->title), "%s", title);
	free(f->preview);
	f->preview = strdup(preview);
	f->yes_no = answer;
	f->yes_no_ctx = ctx;
}

static void h_show_view(void *ud, const char *view, const struct scope *where, const void *opts,
			bool watch)
{
	struct fixture *f = ud;
	const struct ydoc_options *ydoc = strcmp(view, "ydoc") ? NULL : opts;
	f->views++;
	snprintf(f->view, sizeof(f->view), "%s", view);
	snprintf(f->view_room, sizeof(f->view_room), "%s", where->room ? where->room : "");
	f->view_watch = watch;
	f->view_ydoc = ydoc != NULL;
	f->view_formatting = ydoc && ydoc->formatting;
	snprintf(f->view_key, sizeof(f->view_key), "%s", ydoc && ydoc->key ? ydoc->key : "");
	snprintf(f->view_type, sizeof(f->view_type), "%s", ydoc && ydoc->type ? ydoc->type : "");
}

static void h_show_room(void *ud, const char *id)
{
	struct fixture *f = ud;
	snprintf(f->shown_room, sizeof(f->shown_room), "%s", id);
}

static void h_show_rooms(void *ud, const struct room_filter *flt)
{
	((struct fixture *)ud)->shown_rooms++;
}

static void h_scope(void *ud, struct scope *out)
{
	*out = ((struct fixture *)ud)->here;
}

static struct model *h_profile_model(void *ud, const char *name, struct lb_error *err)
{
	struct fixture *f = ud;
	if (!strcmp(name, "local"))
		return f->model2;
	lb_error_set(err, LB_CONFIG, "no profile '%s' in the config file", name);
	return NULL;
}

static bool h_edit_text(void *ud, const char *initial, char **out, struct lb_error *err)
{
	struct fixture *f = ud;
	f->edits++;
	free(f->edit_initial);
	f->edit_initial = strdup(initial);
	if (!f->edit_result) {
		lb_error_set(err, LB_CANCELLED, "the editor failed; nothing changed");
		return false;
	}
	*out = strdup(f->edit_result);
	return true;
}

/* read_only: this project; target_read_only: the other profile's. The TUI
 * (interactive) has every host callback, batch mode only print,
 * print_json, stream, done and profile_model. */
static struct fixture *setup_with(bool read_only, bool interactive, bool target_read_only)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct lb_error err;
	struct model_options mo;

	fake_transport_init(&f->ft);
	fake_transport_init(&f->ft2);
	assert_true(
	    api_init(&f->api, fake_transport_get(&f->ft), "http://lb.test", "sk_localdev", &err));
	assert_true(api_init(&f->api2, fake_transport_get(&f->ft2), "http://local.test",
	                     "sk_localdev", &err));
	model_options_default(&mo);
	mo.read_only = read_only;
	f->model = model_new(&f->api, &mo);
	mo.read_only = target_read_only;
	f->model2 = model_new(&f->api2, &mo);
	buf_init(&f->said);
	f->ctx.model = f->model;
	f->ctx.read_only = read_only;
	f->ctx.host.ud = f;
	f->ctx.host.interactive = interactive;
	f->here.room = "here";
	f->ctx.host.print = h_print;
	f->ctx.host.print_json = h_print_json;
	f->ctx.host.stream = h_stream;
	f->ctx.host.done = h_done;
	f->ctx.host.profile_model = h_profile_model;
	if (interactive) {
		f->ctx.host.ask = h_ask;
		f->ctx.host.confirm = h_confirm;
		f->ctx.host.show_view = h_show_view;
		f->ctx.host.show_room = h_show_room;
		f->ctx.host.show_rooms = h_show_rooms;
		f->ctx.host.scope = h_scope;
		f->ctx.host.edit_text = h_edit_text;
	}
	snprintf(f->dir, sizeof(f->dir), "/tmp/lbtui-test-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* Files lbtui keeps (saved documents) go here, not in the real home. */
	char state[96];
	snprintf(state, sizeof(state), "%s/state", f->dir);
	setenv("XDG_STATE_HOME", state, 1);
	f->saved_stdout = -1;
	return f;
}

static int setup_batch(void **state)
{
	*state = setup_with(false, false, false);
	return 0;
}

static int setup_tui(void **state)
{
	*state = setup_with(false, true, false);
	return 0;
}

static int setup_ro(void **state)
{
	*state = setup_with(true, false, false);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	cmd_clear(&f->ctx);
	model_free(&f->model);
	model_free(&f->model2);
	api_clear(&f->api);
	api_clear(&f->api2);
	fake_transport_free(&f->ft);
	fake_transport_free(&f->ft2);
	buf_free(&f->said);
	free(f->preview);
	free(f->edit_initial);
	free(f->out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* ---- helpers of the tests ------------------------------------------------ */

/* Send what the command prints on stdout to a file until capture_end. */
static inline void capture_start(struct fixture *f)
{
	fflush(stdout);
	snprintf(f->out_path, sizeof(f->out_path), "%s/stdout", f->dir);
	int fd = open(f->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	f->saved_stdout = dup(STDOUT_FILENO);
	assert_true(f->saved_stdout >= 0);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	close(fd);
}

static inline char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	assert_non_null(fp);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	if (len)
		*len = b.len;
	return buf_steal(&b);
}

static inline const char *capture_end(struct fixture *f)
{
	fflush(stdout);
	assert_true(dup2(f->saved_stdout, STDOUT_FILENO) >= 0);
	close(f->saved_stdout);
	f->saved_stdout = -1;
	free(f->out);
	f->out = slurp(f->out_path, NULL);
	return f->out;
}

/* Answer request k of a transport and let the commands go on. */
static inline void reply(struct fixture *f, struct fake_transport *ft, size_t k, long status,
                  const char *body)
{
	assert_true(fake_complete(ft, k, status, body));
	cmd_step(&f->ctx);
}

static inline void expect(const struct fake_transport *ft, size_t k, enum http_method method,
                   const char *url)
{
	const struct fake_request *r = fake_req(ft, k);
	assert_non_null(r);
	assert_int_equal(r->method, method);
	assert_string_equal(r->url, url);
}

static inline char *path_in(struct fixture *f, const char *name)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	return path;
}

static inline void write_text(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	fclose(fp);
}

static inline void reset_said(struct fixture *f)
{
	buf_free(&f->said);
	buf_init(&f->said);
}

static inline const char *said(struct fixture *f)
{
	return f->said.len ? f->said.data : "";
}


#endif
