/* The fixture of the model tests with the fake transport
 * (test_model_storage.c, and a family's own tests such as
 * test_versions.c): a model on a fake transport, a private state
 * directory for kept documents, and what the callbacks heard. Include it
 * after cmocka.h. */
#ifndef LB_MODEL_FIXTURE_H
#define LB_MODEL_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_send.h"
#include "fake_transport.h"
#include "model.h"
#include "model_storage.h"
#include "util.h"

#define BASE "http://lb.test"
#define ROOM BASE "/v2/rooms/r1"

#define NOT_IMPLEMENTED                                                                            \
	"{\"error\":\"Not implemented\",\"message\":\"This endpoint "                              \
	"isn't implemented in the Liveblocks dev server.\"}"
#define NO_ROUTE "{\"error\":\"Not Found\"}"
#define ROOM_NOT_FOUND                                                                             \
	"{\"error\":\"ROOM_NOT_FOUND\",\"message\":\"Room with id \\\"r1\\\" "                     \
	"not found.\"}"

static long long fake_now;

static inline long long fake_clock(void)
{
	return fake_now;
}

struct fx {
	struct fake_transport ft;
	struct api api;
	struct model *m;
	struct model_options o;
	int heard;
	char dir[64]; /* XDG_STATE_HOME: where documents are kept */
};

static inline void on_change(struct resource *r, void *ud)
{
	struct fx *f = ud;

	(void)r;
	f->heard++;
}

static inline int setup_opts(void **state, bool read_only)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct lb_error err;

	assert_non_null(f);
	fake_now = 1000000;
	model_options_default(&f->o);
	f->o.clock_ms = fake_clock;
	f->o.read_only = read_only;
	fake_transport_init(&f->ft);
	assert_true(api_init(&f->api, fake_transport_get(&f->ft), BASE, "sk_localdev", &err));
	f->m = model_new(&f->api, &f->o);
	assert_non_null(f->m);
	model_listen(f->m, on_change, f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/lbtui-model-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	setenv("XDG_STATE_HOME", f->dir, 1);
	*state = f;
	return 0;
}

static inline int setup(void **state)
{
	return setup_opts(state, false);
}

static inline int setup_read_only(void **state)
{
	return setup_opts(state, true);
}

static inline int teardown(void **state)
{
	struct fx *f = *state;

	char cmd[128];

	model_free(&f->m);
	api_clear(&f->api);
	fake_transport_free(&f->ft);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("XDG_STATE_HOME");
	free(f);
	return 0;
}

/* The files kept in the state directory; the first one's path into path
 * (when not NULL). */
static inline int kept_files(struct fx *f, char *path, size_t n)
{
	char dir[128];
	DIR *d;
	struct dirent *e;
	int count = 0;

	snprintf(dir, sizeof(dir), "%s/lbtui", f->dir);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (count++ == 0 && path)
			assert_true(snprintf(path, n, "%s/%s", dir, e->d_name) < (int)n);
	}
	closedir(d);
	return count;
}

/* The one kept file holds want, mode 600. */
static inline void assert_kept_file(struct fx *f, const char *want)
{
	char path[512], buf[1024];
	struct stat st;
	FILE *fp;
	size_t n;

	assert_int_equal(kept_files(f, path, sizeof(path)), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

/* What a storage_done_fn heard. */
struct sres {
	int calls;
	struct lb_error err;
	enum storage_path path;
	char *body;
	size_t body_len;
	bool previous; /* the body is the room's previous document */
	char saved[512]; /* the file keeping it, "" for none */
	char id[64];
};

static inline void on_sdone(const struct storage_result *res, void *ud)
{
	struct sres *s = ud;

	s->calls++;
	s->err = res->err;
	s->path = res->path;
	free(s->body);
	s->body = NULL;
	s->body_len = res->body_len;
	if (res->body) {
		s->body = malloc(res->body_len + 1);
		assert_non_null(s->body);
		memcpy(s->body, res->body, res->body_len);
		s->body[res->body_len] = '\0';
	}
	s->previous = res->previous != NULL;
	snprintf(s->saved, sizeof(s->saved), "%s", res->saved ? res->saved : "");
	/* A previous document always comes with the file keeping it. */
	assert_int_equal(res->previous != NULL, res->saved != NULL);
	if (res->previous) {
		assert_ptr_equal(res->previous, res->body);
		assert_int_equal(res->previous_len, res->body_len);
	}
	snprintf(s->id, sizeof(s->id), "%s", res->id ? res->id : "");
}

static inline void sres_clear(struct sres *s)
{
	free(s->body);
	memset(s, 0, sizeof(*s));
}

/* What a model_done_fn heard. */
struct mres {
	int calls;
	struct lb_error err;
	char id[64];
};

static inline void on_mdone(const struct lb_error *err, const struct room *room, void *ud)
{
	struct mres *d = ud;

	d->calls++;
	d->err = *err;
	snprintf(d->id, sizeof(d->id), "%s", room && room->id ? room->id : "");
}

/* Request k went to method url. */
static inline void expect_req(struct fx *f, size_t k, enum http_method method, const char *url)
{
	const struct fake_request *r = fake_req(&f->ft, k);

	assert_non_null(r);
	assert_string_equal(http_method_name(r->method), http_method_name(method));
	assert_string_equal(r->url, url);
	/* Only reads are retried. */
	assert_int_equal(r->idempotent, method == HTTP_GET);
}

#endif
