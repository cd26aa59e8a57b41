#include "lbconfig.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "reqlog.h"
#include "util.h"

/* ---- the retry decision table ---- */

static const struct retry_policy policy = {.max_retries = 3, .base_ms = 100, .max_ms = 1000};

static void test_not_idempotent_never_retries(void **state)
{
	static const long statuses[] = {0, 429, 500, 502, 503, 504, 200, 404};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		assert_int_equal(http_retry_delay(&policy, false, 1, statuses[i], NULL, 0), -1);
		assert_int_equal(http_retry_delay(&policy, false, 1, statuses[i], "1", 0), -1);
	}
}

static void test_status_classes(void **state)
{
	static const long retry[] = {0, 429, 500, 502, 503, 504};
	static const long final[] = {200, 201, 204, 301, 304, 400, 401, 403,
	                             404, 405, 409, 422, 501, 505, 599};
	for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++) {
		long d = http_retry_delay(&policy, true, 1, retry[i], NULL, 0);
		assert_in_range(d, 50, 100);
	}
	for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		assert_int_equal(http_retry_delay(&policy, true, 1, final[i], NULL, 0), -1);
}

static void test_attempt_limit(void **state)
{
	for (int a = 1; a <= 3; a++)
		assert_true(http_retry_delay(&policy, true, a, 503, NULL, 7) >= 0);
	assert_int_equal(http_retry_delay(&policy, true, 4, 503, NULL, 7), -1);
	assert_int_equal(http_retry_delay(&policy, true, 4, 0, NULL, 7), -1);
	assert_int_equal(http_retry_delay(&policy, true, 0, 503, NULL, 7), -1);

	struct retry_policy none = policy;
	none.max_retries = 0;
	assert_int_equal(http_retry_delay(&none, true, 1, 503, NULL, 7), -1);
	assert_int_equal(http_retry_delay(&none, true, 1, 429, "1", 7), -1);
}

static void test_backoff_growth_and_cap(void **state)
{
	struct retry_policy p = {.max_retries = 100, .base_ms = 100, .max_ms = 1000};
	/* rnd 0 gives the bottom of the range, half of the backoff. */
	static const long low[] = {50, 100, 200, 400, 500, 500, 500};
	for (int a = 1; a <= 7; a++)
		assert_int_equal(http_retry_delay(&p, true, a, 500, NULL, 0), low[a - 1]);
	/* The top of the range is the backoff itself: 100, 200, 400, 800, 1000. */
	assert_int_equal(http_retry_delay(&p, true, 1, 500, NULL, 50), 100);
	assert_int_equal(http_retry_delay(&p, true, 2, 500, NULL, 100), 200);
	assert_int_equal(http_retry_delay(&p, true, 4, 500, NULL, 400), 800);
	assert_int_equal(http_retry_delay(&p, true, 5, 500, NULL, 500), 1000);
	/* Many attempts neither overflow nor exceed the cap. */
	for (unsigned r = 0; r < 2000; r += 7) {
		long d = http_retry_delay(&p, true, 90, 0, NULL, r * 2654435761u);
		assert_in_range(d, 500, 1000);
	}
	/* A base above the cap is capped too. */
	struct retry_policy big = {.max_retries = 3, .base_ms = 5000, .max_ms = 300};
	assert_in_range(http_retry_delay(&big, true, 1, 503, NULL, 12345), 150, 300);
}

static void test_jitter_range(void **state)
{
	long lo = LONG_MAX, hi = -1;
	int distinct = 0;
	bool seen[401] = {false};
	uint32_t x = 12345;
	for (int i = 0; i < 2000; i++) {
		x = x * 1103515245u + 12345u;
		long d = http_retry_delay(&policy, true, 3, 503, NULL, x);
		assert_in_range(d, 200, 400);
		if (!seen[d]) {
			seen[d] = true;
			distinct++;
		}
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo < 215);
	assert_true(hi > 385);
	assert_true(distinct > 100);
}

static void test_retry_after_seconds(void **state)
{
	struct retry_policy p = {.max_retries = 3, .base_ms = 100, .max_ms = 8000};
	assert_int_equal(http_retry_delay(&p, true, 1, 429, "1", 0), 1000);
	assert_int_equal(http_retry_delay(&p, true, 1, 429, "0", 0), 0);
	assert_int_equal(http_retry_delay(&p, true, 1, 429, " 2 ", 0), 2000);
	assert_int_equal(http_retry_delay(&p, true, 2, 503, "3", 0), 3000);
	/* Capped at the policy's maximum. */
	assert_int_equal(http_retry_delay(&p, true, 1, 429, "120", 0), 8000);
	assert_int_equal(http_retry_delay(&p, true, 1, 429, "99999999999999999999", 0), 8000);
	/* Unreadable: ordinary backoff. */
	assert_in_range(http_retry_delay(&p, true, 1, 429, "soon", 0), 50, 100);
	assert_in_range(http_retry_delay(&p, true, 1, 429, "", 0), 50, 100);
	/* Absent: backoff. */
	assert_in_range(http_retry_delay(&p, true, 2, 429, NULL, 0), 100, 200);
	/* Only 429 and 503 carry a meaningful Retry-After. */
	assert_in_range(http_retry_delay(&p, true, 1, 500, "5", 0), 50, 100);
	/* The attempt limit still applies. */
	assert_int_equal(http_retry_delay(&p, true, 4, 429, "1", 0), -1);
}

static void http_date(time_t t, char *out, size_t n)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void test_retry_after_date(void **state)
{
	struct retry_policy p = {.max_retries = 3, .base_ms = 100, .max_ms = 8000};
	char date[64];

	http_date(time(NULL) + 5, date, sizeof(date));
	assert_in_range(http_retry_delay(&p, true, 1, 429, date, 0), 3000, 5000);
	http_date(time(NULL) - 60, date, sizeof(date));
	assert_int_equal(http_retry_delay(&p, true, 1, 429, date, 0), 0);
	assert_int_equal(http_retry_delay(&p, true, 1, 429, "Fri, 31 Dec 2100 23:59:59 GMT", 0),
	                 8000);
	/* RFC 850 form, long past. */
	assert_int_equal(http_retry_delay(&p, true, 1, 503, "Sunday, 06-Nov-94 08:49:37 GMT", 0),
	                 0);
	struct retry_policy small = p;
	small.max_ms = 1500;
	http_date(time(NULL) + 30, date, sizeof(date));
	assert_int_equal(http_retry_delay(&small, true, 1, 429, date, 0), 1500);
	assert_int_equal(http_retry_delay(&small, false, 1, 429, date, 0), -1);
}

static void test_names_and_defaults(void **state)
{
	assert_string_equal(http_method_name(HTTP_GET), "GET");
	assert_string_equal(http_method_name(HTTP_POST), "POST");
	assert_string_equal(http_method_name(HTTP_PUT), "PUT");
	assert_string_equal(http_method_name(HTTP_PATCH), "PATCH");
	assert_string_equal(http_method_name(HTTP_DELETE), "DELETE");

	struct http_options o;
	memset(&o, 0xff, sizeof(o));
	http_options_default(&o);
	assert_int_equal(o.connect_timeout_ms, 5000);
	assert_int_equal(o.total_timeout_ms, 30000);
	assert_int_equal(o.max_response_bytes, 64u << 20);
	assert_int_equal(o.max_parallel, 8);
	assert_int_equal(o.retry.max_retries, 3);
	assert_int_equal(o.retry.base_ms, 250);
	assert_int_equal(o.retry.max_ms, 8000);
	assert_false(o.verbose);
	assert_non_null(o.user_agent);
	assert_true(strncmp(o.user_agent, "lbtui", 5) == 0);
}

/* ---- a scripted HTTP/1.1 server on 127.0.0.1 ---- */

enum reply_mode {
	R_NORMAL,   /* Content-Length, keep-alive */
	R_TRUNCATE, /* promise more than is sent, then close */
	R_CHUNKED,  /* chunked transfer encoding */
	R_DROP,     /* read the request, close without a word */
	R_STALL,    /* promise more than is sent, hold the connection delay_ms, close */
};

struct reply {
	int status;
	const char *headers; /* extra "Name: value\r\n" lines */
	const char *body;
	size_t body_len; /* 0: strlen(body) */
	int delay_ms;    /* before the reply; R_STALL: after its first part */
	enum reply_mode mode;
};

struct seen {
	char method[8];
	char path[128];
	char body[256];
	char x_test[64];
	char accept_encoding[64];
	bool expect;
};

#define MAX_CONNS 64
#define MAX_SEEN  64

static struct server {
	int lfd, port;
	pthread_t acceptor;
	pthread_mutex_t mu;
	const struct reply *script;
	int nscript, next;
	struct reply fallback;
	int requests, connections, open_conns, max_open, active, max_active;
	struct seen seen[MAX_SEEN];
	pthread_t threads[MAX_CONNS];
	int fds[MAX_CONNS];
	int nthreads;
	atomic_bool stop;
} srv;

static int srv_get(const int *field)
{
	pthread_mutex_lock(&srv.mu);
	int v = *field;
	pthread_mutex_unlock(&srv.mu);
	return v;
}

static void srv_script(const struct reply *r, int n)
{
	pthread_mutex_lock(&srv.mu);
	srv.script = r;
	srv.nscript = n;
	srv.next = 0;
	pthread_mutex_unlock(&srv.mu);
}

static void srv_fallback(struct reply r)
{
	pthread_mutex_lock(&srv.mu);
	srv.fallback = r;
	pthread_mutex_unlock(&srv.mu);
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Status";
	}
}

static bool send_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

static void send_reply(int fd, const struct reply *r)
{
	char head[1024];
	size_t blen = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s", r->status, reason(r->status),
	                 r->headers ? r->headers : "");
	switch (r->mode) {
	case R_NORMAL:
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n\r\n",
		              blen);
		if (send_all(fd, head, (size_t)n))
			send_all(fd, r->body, blen);
		break;
	case R_TRUNCATE:
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n\r\n",
		              blen * 2 + 10);
		if (send_all(fd, head, (size_t)n))
			send_all(fd, r->body, blen);
		shutdown(fd, SHUT_RDWR);
		break;
	case R_DROP:
		shutdown(fd, SHUT_RDWR);
		break;
	case R_STALL:
		n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n\r\n",
		              blen * 2 + 10);
		if (send_all(fd, head, (size_t)n))
			send_all(fd, r->body, blen);
		for (int waited = 0; waited < r->delay_ms && !atomic_load(&srv.stop); waited += 5)
			usleep(5000);
		shutdown(fd, SHUT_RDWR);
		break;
	case R_CHUNKED:
		n += snprintf(head + n, sizeof(head) - (size_t)n,
		              "Transfer-Encoding: chunked\r\n\r\n");
		if (!send_all(fd, head, (size_t)n))
			break;
		for (size_t off = 0; off < blen; off += 500) {
			size_t c = blen - off < 500 ? blen - off : 500;
			char sz[32];
			int m = snprintf(sz, sizeof(sz), "%zx\r\n", c);
			if (!send_all(fd, sz, (size_t)m) || !send_all(fd, r->body + off, c) ||
			    !send_all(fd, "\r\n", 2))
				return;
		}
		send_all(fd, "0\r\n\r\n", 5);
		break;
	}
}

/* Copy the value of header `name` from a request head. */
static void head_value(const char *head, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	out[0] = '\0';
	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		const char *line = p + 2;
		if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (*v == ' ')
				v++;
			size_t vl = strcspn(v, "\r");
			if (vl >= n)
				vl = n - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return;
		}
	}
}

static void *conn_main(void *arg)
{
	int fd = srv.fds[(intptr_t)arg];
	static __thread char buf[65536];
	size_t have = 0;

	for (;;) {
		char *end;
		while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
			if (have == sizeof(buf) - 1)
				goto out;
			ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
			if (n <= 0)
				goto out;
			have += (size_t)n;
		}
		size_t head_len = (size_t)(end - buf) + 4;
		char tmp[64];
		buf[head_len - 2] = '\0';
		head_value(buf, "Content-Length", tmp, sizeof(tmp));
		size_t clen = (size_t)strtoul(tmp, NULL, 10);
		while (have < head_len + clen && have < sizeof(buf) - 1) {
			ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
			if (n <= 0)
				goto out;
			have += (size_t)n;
		}

		struct reply r;
		pthread_mutex_lock(&srv.mu);
		if (srv.requests < MAX_SEEN) {
			struct seen *s = &srv.seen[srv.requests];
			sscanf(buf, "%7s %127s", s->method, s->path);
			size_t bl = clen < sizeof(s->body) - 1 ? clen : sizeof(s->body) - 1;
			memcpy(s->body, buf + head_len, bl);
			s->body[bl] = '\0';
			head_value(buf, "X-Test", s->x_test, sizeof(s->x_test));
			head_value(buf, "Accept-Encoding", s->accept_encoding,
			           sizeof(s->accept_encoding));
			head_value(buf, "Expect", tmp, sizeof(tmp));
			s->expect = tmp[0] != '\0';
		}
		srv.requests++;
		r = srv.next < srv.nscript ? srv.script[srv.next++] : srv.fallback;
		srv.active++;
		if (srv.active > srv.max_active)
			srv.max_active = srv.active;
		pthread_mutex_unlock(&srv.mu);

		for (int waited = 0;
		     r.mode != R_STALL && waited < r.delay_ms && !atomic_load(&srv.stop);
		     waited += 5)
			usleep(5000);
		if (!atomic_load(&srv.stop))
			send_reply(fd, &r);

		pthread_mutex_lock(&srv.mu);
		srv.active--;
		pthread_mutex_unlock(&srv.mu);
		if (r.mode == R_TRUNCATE || r.mode == R_DROP || r.mode == R_STALL ||
		    atomic_load(&srv.stop))
			break;
		memmove(buf, buf + head_len + clen, have - head_len - clen);
		have -= head_len + clen;
	}
out:
	pthread_mutex_lock(&srv.mu);
	srv.open_conns--;
	pthread_mutex_unlock(&srv.mu);
	return NULL;
}

static void *accept_main(void *arg)
{
	for (;;) {
		int fd = accept(srv.lfd, NULL, NULL);
		if (atomic_load(&srv.stop)) {
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;
		}
		pthread_mutex_lock(&srv.mu);
		if (srv.nthreads == MAX_CONNS) {
			pthread_mutex_unlock(&srv.mu);
			close(fd);
			continue;
		}
		int i = srv.nthreads;
		srv.fds[i] = fd;
		srv.connections++;
		srv.open_conns++;
		if (srv.open_conns > srv.max_open)
			srv.max_open = srv.open_conns;
		if (pthread_create(&srv.threads[i], NULL, conn_main, (void *)(intptr_t)i) == 0)
			srv.nthreads++;
		else
			close(fd);
		pthread_mutex_unlock(&srv.mu);
	}
}

static int srv_start(void **state)
{
	memset(&srv, 0, sizeof(srv));
	pthread_mutex_init(&srv.mu, NULL);
	srv.fallback = (struct reply){.status = 200, .body = "{}"};
	srv.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv.lfd < 0)
		return -1;
	int one = 1;
	setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	if (bind(srv.lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(srv.lfd, 64) < 0 ||
	    getsockname(srv.lfd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	srv.port = ntohs(a.sin_port);
	if (pthread_create(&srv.acceptor, NULL, accept_main, NULL) != 0)
		return -1;
	return 0;
}

static int srv_stop(void **state)
{
	atomic_store(&srv.stop, true);
	shutdown(srv.lfd, SHUT_RDWR);
	pthread_join(srv.acceptor, NULL);
	pthread_mutex_lock(&srv.mu);
	int n = srv.nthreads;
	for (int i = 0; i < n; i++)
		shutdown(srv.fds[i], SHUT_RDWR);
	pthread_mutex_unlock(&srv.mu);
	for (int i = 0; i < n; i++) {
		pthread_join(srv.threads[i], NULL);
		close(srv.fds[i]);
	}
	close(srv.lfd);
	pthread_mutex_destroy(&srv.mu);
	return 0;
}

/* ---- the client side ---- */

struct result {
	int calls;
	long status;
	enum lb_status err;
	char message[1024];
	char body[2048];
	size_t body_len;
	char content_type[128];
	bool has_content_type;
	int attempts;
	size_t streamed;
	long long at_ms;
};

static void on_done(const struct http_response *resp, void *ud)
{
	struct result *r = ud;
	r->calls++;
	r->status = resp->status;
	r->err = resp->err.status;
	snprintf(r->message, sizeof(r->message), "%s", resp->err.message);
	assert_non_null(resp->body);
	assert_int_equal(resp->body[resp->body_len], '\0');
	r->body_len = resp->body_len;
	size_t n = resp->body_len < sizeof(r->body) - 1 ? resp->body_len : sizeof(r->body) - 1;
	memcpy(r->body, resp->body, n);
	r->body[n] = '\0';
	r->has_content_type = resp->content_type != NULL;
	snprintf(r->content_type, sizeof(r->content_type), "%s",
	         resp->content_type ? resp->content_type : "");
	r->attempts = resp->attempts;
	r->streamed = resp->streamed;
	r->at_ms = now_ms();
}

static struct http *client(int max_parallel, int max_retries, long base_ms, long max_ms)
{
	struct http_options o;
	struct lb_error err;
	http_options_default(&o);
	o.max_parallel = max_parallel;
	o.retry.max_retries = max_retries;
	o.retry.base_ms = base_ms;
	o.retry.max_ms = max_ms;
	o.connect_timeout_ms = 2000;
	o.total_timeout_ms = 5000;
	struct http *h = http_new(&o, &err);
	assert_non_null(h);
	assert_int_equal(err.status, LB_OK);
	return h;
}

static struct http *client_opts(const struct http_options *o)
{
	struct lb_error err;
	struct http *h = http_new(o, &err);
	assert_non_null(h);
	return h;
}

static void url_for(char *out, size_t n, const char *path)
{
	snprintf(out, n, "http://127.0.0.1:%d%s", srv.port, path);
}

static http_id submit(struct http *h, enum http_method m, const char *path, bool idem,
                      struct result *res)
{
	char url[256];
	url_for(url, sizeof(url), path);
	struct http_request req = {
	    .method = m, .url = url, .idempotent = idem, .done = on_done, .ud = res};
	http_id id = http_submit(h, &req);
	assert_true(id > 0);
	return id;
}

typedef bool (*cond_fn)(void *arg);

/* Run the poll loop the way the program does until cond holds. */
static void drive(struct http *h, cond_fn cond, void *arg, int max_ms)
{
	long long end = now_ms() + max_ms;
	while (!cond(arg)) {
		assert_true(now_ms() < end);
		struct pollfd fds[64];
		int n = http_pollfds(h, fds, 64);
		int t = http_timeout_ms(h);
		/* The condition may depend on the server thread: look again soon. */
		if (t < 0 || t > 20)
			t = 20;
		poll(fds, (nfds_t)n, t);
		http_process(h, fds, n);
	}
}

struct results {
	struct result *r;
	int n;
};

static bool all_done(void *arg)
{
	struct results *rs = arg;
	for (int i = 0; i < rs->n; i++)
		if (rs->r[i].calls == 0)
			return false;
	return true;
}

static void drive_done(struct http *h, struct result *r, int n, int max_ms)
{
	struct results rs = {r, n};
	drive(h, all_done, &rs, max_ms);
}

static bool srv_has_requests(void *arg)
{
	return srv_get(&srv.requests) >= *(int *)arg;
}

/* Run the loop for ms whatever happens. */
static void idle_for(struct http *h, int ms)
{
	long long end = now_ms() + ms;
	while (now_ms() < end) {
		struct pollfd fds[64];
		int n = http_pollfds(h, fds, 64);
		int t = http_timeout_ms(h);
		if (t < 0 || t > 10)
			t = 10;
		poll(fds, (nfds_t)n, t);
		http_process(h, fds, n);
	}
}

/* ---- real transfers ---- */

static void test_idle_client(void **state)
{
	struct http *h = client(4, 3, 10, 50);
	struct pollfd fds[4];
	assert_int_equal(http_timeout_ms(h), -1);
	assert_int_equal(http_pollfds(h, fds, 4), 0);
	assert_int_equal(http_in_flight(h), 0);
	assert_false(http_cancel(h, 1));
	assert_false(http_cancel(h, 0));
	struct http_request bad = {.method = HTTP_GET, .url = NULL};
	assert_int_equal(http_submit(h, &bad), 0);
	http_free(&h);
	assert_null(h);
	http_free(&h);
}

static void test_get_ok(void **state)
{
	static const struct reply script[] = {
	    {.status = 200,
	     .headers = "Content-Type: application/json; charset=utf-8\r\n",
	     .body = "{\"ok\":true}"},
	};
	srv_script(script, 1);
	struct http *h = client(4, 3, 10, 50);
	struct result res = {0};
	char url[256];
	char hdr1[] = "Authorization: Bearer sk_localdev";
	char hdr2[] = "X-Test: one";
	const char *headers[] = {hdr1, hdr2, NULL};
	url_for(url, sizeof(url), "/v2/rooms?limit=2");
	struct http_request req = {.method = HTTP_GET,
	                           .url = url,
	                           .headers = headers,
	                           .idempotent = true,
	                           .done = on_done,
	                           .ud = &res};
	http_id id = http_submit(h, &req);
	assert_true(id > 0);
	/* Everything is copied at submit. */
	memset(url, 'x', sizeof(url) - 1);
	memset(hdr2, 'y', sizeof(hdr2) - 1);
	assert_int_equal(http_in_flight(h), 1);
	assert_int_equal(http_timeout_ms(h), 0);

	drive_done(h, &res, 1, 3000);
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.err, LB_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "{\"ok\":true}");
	assert_int_equal(res.body_len, 11);
	assert_true(res.has_content_type);
	assert_string_equal(res.content_type, "application/json; charset=utf-8");
	assert_int_equal(res.attempts, 1);
	assert_int_equal(http_in_flight(h), 0);

	assert_int_equal(srv_get(&srv.requests), 1);
	assert_string_equal(srv.seen[0].method, "GET");
	assert_string_equal(srv.seen[0].path, "/v2/rooms?limit=2");
	assert_string_equal(srv.seen[0].x_test, "one");
	assert_non_null(strstr(srv.seen[0].accept_encoding, "gzip"));
	assert_false(srv.seen[0].expect);

	/* A second request gets a new id. */
	struct result res2 = {0};
	http_id id2 = submit(h, HTTP_GET, "/v2/empty", true, &res2);
	assert_true(id2 > id);
	drive_done(h, &res2, 1, 3000);
	assert_int_equal(res2.status, 200);
	assert_string_equal(res2.body, "{}");
	assert_false(res2.has_content_type);
	http_free(&h);
}

static void test_methods_and_bodies(void **state)
{
	struct http *h = client(1, 3, 10, 50);
	struct result res[4] = {{0}};
	char url[256];
	url_for(url, sizeof(url), "/m");
	const char *json[] = {"Content-Type: application/json", NULL};
	/* A body longer than 1 KiB would make curl wait for 100-continue. */
	static char big[1500];
	memset(big, 'b', sizeof(big) - 1);
	struct http_request reqs[4] = {
	    {.method = HTTP_POST,
	     .url = url,
	     .headers = json,
	     .body = "{\"id\":\"r1\"}",
	     .body_len = 11,
	     .done = on_done,
	     .ud = &res[0]},
	    {.method = HTTP_PUT,
	     .url = url,
	     .body = big,
	     .body_len = sizeof(big) - 1,
	     .done = on_done,
	     .ud = &res[1]},
	    {.method = HTTP_PATCH,
	     .url = url,
	     .body = "[1]xyz",
	     .body_len = 3,
	     .done = on_done,
	     .ud = &res[2]},
	    {.method = HTTP_DELETE, .url = url, .done = on_done, .ud = &res[3]},
	};
	for (int i = 0; i < 4; i++)
		assert_true(http_submit(h, &reqs[i]) > 0);
	long long t0 = now_ms();
	drive_done(h, res, 4, 3000);
	assert_true(now_ms() - t0 < 900);
	assert_int_equal(srv_get(&srv.requests), 4);
	assert_string_equal(srv.seen[0].method, "POST");
	assert_string_equal(srv.seen[0].body, "{\"id\":\"r1\"}");
	assert_string_equal(srv.seen[1].method, "PUT");
	assert_int_equal(strlen(srv.seen[1].body), sizeof(srv.seen[1].body) - 1);
	assert_false(srv.seen[1].expect);
	assert_string_equal(srv.seen[2].method, "PATCH");
	assert_string_equal(srv.seen[2].body, "[1]");
	assert_string_equal(srv.seen[3].method, "DELETE");
	assert_string_equal(srv.seen[3].body, "");
	for (int i = 0; i < 4; i++) {
		assert_int_equal(res[i].calls, 1);
		assert_int_equal(res[i].status, 200);
	}
	http_free(&h);
}

static void test_get_retried_after_503(void **state)
{
	static const struct reply script[] = {
	    {.status = 503, .body = "busy"},
	    {.status = 200, .body = "fine"},
	};
	srv_script(script, 2);
	struct http *h = client(4, 3, 10, 50);
	struct result res = {0};
	submit(h, HTTP_GET, "/r", true, &res);
	drive_done(h, &res, 1, 3000);
	assert_int_equal(res.calls, 1);
	assert_int_equal(res.err, LB_OK);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.body, "fine");
	assert_int_equal(res.attempts, 2);
	assert_int_equal(srv_get(&srv.requests), 2);
	http_free(&h);
}

static void test_post_not_retried(void **state)
{
	static const struct reply script[] = {
	    {.status = 503, .body = "busy"},
	    {.status = 200, .body = "fine"},
	};
	srv_script(script, 2);
	struct http *h = client(4, 3, 10, 50);
	struct result res = {0};
	submit(h, HTTP_POST, "/r", false, &res);
	drive_done(h, &res, 1, 3000);
	assert_int_equal(res.err, LB_OK);
	assert_int_equal(res.status, 503);
	assert_string_equal(res.body, "busy");
	assert_int_equal(res.attempts, 1);
	idle_for(h, 100);
	assert_int_equal(srv_get(&srv.requests), 1);
	assert_int_equal(res.calls, 1);

	/* The flag decides, not the method: an idempotent PUT is retried. */
	srv_script(script, 2);
	struct result put = {0};
	submit(h, HTTP_PUT, "/r", true, &put);
	drive_done(h, &put, 1, 3000);
	assert_int_equal(put.status, 200);
	assert_int_equal(put.attempts, 2);
	assert_int_equal(srv_get(&srv.requests), 3);
	http_free(&h);
}

static void test_retries_exhausted(void **state)
{
	srv_fallback((struct reply){.status = 500, .body = "{\"error\":\"boom\"}"});
	struct http *h = client(4, 3, 5, 20);
	struct result res = {0};
	submit(h, HTTP_GET, "/r", true, &res);
	drive_done(h, &res, 1, 3000);
	/* The last response is delivered as it is. */
	assert_int_equal(res.err, LB_OK);
	assert_int_equal(res.status, 500);
	assert_string_equal(res.body, "{\"error\":\"boom\"}");
	assert_int_equal(res.attempts, 4);
	assert_int_equal(srv_get(&srv.requests), 4);
	http_free(&h);
}

static void test_truncated_body(void **state)
{
	static const struct reply script[] = {
	    {.status = 200, .body = "partial", .mode = R_TRUNCATE},
	    {.status = 200, .body = "whole"},
	    {.status = 200, .body = "partial", .mode = R_TRUNCATE},
	    {.status = 409, .body = "partial", .mode = R_TRUNCATE},
	};
	srv_script(script, 4);
	struct http *h = client(4, 3, 5, 20);
	struct result get = {0}, post = {0};
	submit(h, HTTP_GET, "/t", true, &get);
	drive_done(h, &get, 1, 3000);
	assert_int_equal(get.err, LB_OK);
	assert_int_equal(get.status, 200);
	assert_string_equal(get.body, "whole");
	assert_int_equal(get.attempts, 2);

	/* A change cut off: it was done (200), but its answer is not whole;
	 * never a plain network error, which would invite sending it again. */
	submit(h, HTTP_POST, "/t", false, &post);
	drive_done(h, &post, 1, 3000);
	assert_int_equal(post.err, LB_UNSURE);
	assert_int_equal(post.attempts, 1);
	assert_string_equal(post.body, "");
	char want[256];
	snprintf(want, sizeof(want),
	         "127.0.0.1:%d closed the connection before the whole response arrived (after "
	         "HTTP 200), so it may or may not have been applied; check before trying again",
	         srv.port);
	assert_string_equal(post.message, want);
	/* A refusal cut off did nothing. */
	struct result refused = {0};
	submit(h, HTTP_POST, "/t", false, &refused);
	drive_done(h, &refused, 1, 3000);
	assert_int_equal(refused.err, LB_NETWORK);
	assert_int_equal(srv_get(&srv.requests), 4);
	http_free(&h);
}

static void test_429_retry_after(void **state)
{
	static const struct reply script[] = {
	    {.status = 429, .headers = "Retry-After: 1\r\n", .body = "slow down"},
	    {.status = 200, .body = "ok"},
	};
	srv_script(script, 2);
	struct http *h = client(4, 3, 10, 5000);
	struct result res = {0};
	long long t0 = now_ms();
	submit(h, HTTP_GET, "/r", true, &res);

	/* Once the 429 is in, the wait is a timer in the loop. */
	int one = 1;
	drive(h, srv_has_requests, &one, 2000);
	long long t1 = now_ms();
	while (http_in_flight(h) && http_timeout_ms(h) < 100 && now_ms() - t1 < 500)
		idle_for(h, 5);
	int t = http_timeout_ms(h);
	assert_in_range(t, 100, 1000);
	assert_int_equal(res.calls, 0);
	assert_int_equal(http_in_flight(h), 1);

	drive_done(h, &res, 1, 3000);
	long long took = res.at_ms - t0;
	assert_int_equal(res.status, 200);
	assert_int_equal(res.attempts, 2);
	assert_true(took >= 950);
	assert_true(took < 2500);
	assert_int_equal(srv_get(&srv.requests), 2);
	http_free(&h);
}

static char large_body[5000];

static void test_size_cap(void **state)
{
	memset(large_body, 'a', sizeof(large_body) - 1);
	static const struct reply script[] = {
	    {.status = 200, .body = large_body},
	    {.status = 200, .body = large_body, .mode = R_CHUNKED},
	    {.status = 200, .body = large_body, .body_len = 1024, .mode = R_CHUNKED},
	};
	srv_script(script, 3);
	struct http_options o;
	http_options_default(&o);
	o.max_response_bytes = 1024;
	o.retry.base_ms = 5;
	o.retry.max_ms = 10;
	struct http *h = client_opts(&o);
	struct result res[3] = {{0}};
	char want[128];
	snprintf(want, sizeof(want),
	         "the response from 127.0.0.1:%d is larger than the 1 KiB limit", srv.port);

	/* Known from Content-Length. */
	submit(h, HTTP_GET, "/big", true, &res[0]);
	drive_done(h, &res[0], 1, 3000);
	assert_int_equal(res[0].err, LB_TOO_LARGE);
	assert_string_equal(res[0].message, want);
	assert_int_equal(res[0].attempts, 1);
	assert_string_equal(res[0].body, "");

	/* Found while reading a chunked body. */
	submit(h, HTTP_GET, "/big", true, &res[1]);
	drive_done(h, &res[1], 1, 3000);
	assert_int_equal(res[1].err, LB_TOO_LARGE);
	assert_string_equal(res[1].message, want);
	assert_int_equal(res[1].attempts, 1);

	/* Exactly at the cap is fine. */
	submit(h, HTTP_GET, "/big", true, &res[2]);
	drive_done(h, &res[2], 1, 3000);
	assert_int_equal(res[2].err, LB_OK);
	assert_int_equal(res[2].body_len, 1024);
	assert_int_equal(srv_get(&srv.requests), 3);
	for (int i = 0; i < 3; i++)
		assert_int_equal(res[i].calls, 1);
	http_free(&h);
}

/* "(ran 0.3 s)" in message: the seconds, or -1. */
static double ran_secs(const char *message)
{
	const char *p = strstr(message, "(ran ");
	return p ? strtod(p + 5, NULL) : -1;
}

static const unsigned char gz[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56,
    0xca, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xb2, 0x52, 0x4a, 0xaf, 0xca, 0x2c,
    0x50, 0xaa, 0x05, 0x00, 0xf6, 0x4f, 0x05, 0x6f, 0x10, 0x00, 0x00, 0x00,
};

/* A sink that keeps what it is given, says stop past `stop_after` bytes
 * (0: never), and pauses past `pause_after` bytes (0: never) until its
 * drain has been called `drains_to_go` times (the last says `drained`). */
struct sink {
	char data[8192];
	char *big; /* when set, takes up to big_cap bytes there instead */
	size_t big_cap;
	size_t len;
	int calls;
	size_t stop_after;
	size_t pause_after;
	int pauses, drains, drains_to_go;
	enum http_sink_rc drained;
	int wait_fd;
};

static enum http_sink_rc to_sink(const char *p, size_t len, void *ud)
{
	struct sink *k = ud;
	k->calls++;
	if (k->stop_after && k->len + len > k->stop_after)
		return HTTP_SINK_STOP;
	if (k->pause_after && k->len >= k->pause_after && k->drains_to_go > 0) {
		k->pauses++;
		return HTTP_SINK_PAUSE;
	}
	char *to = k->big ? k->big : k->data;
	assert_true(k->len + len <= (k->big ? k->big_cap : sizeof(k->data)));
	memcpy(to + k->len, p, len);
	k->len += len;
	return HTTP_SINK_TAKEN;
}

static enum http_sink_rc drain_sink(void *ud)
{
	struct sink *k = ud;
	k->drains++;
	return --k->drains_to_go > 0 ? HTTP_SINK_PAUSE : k->drained;
}

static void submit_to_sink(struct http *h, const char *path, struct result *res, struct sink *k)
{
	char url[256];
	url_for(url, sizeof(url), path);
	struct http_request req = {
	    .method = HTTP_GET,
	    .url = url,
	    .idempotent = true,
	    .done = on_done,
	    .ud = res,
	    .sink = {.take = to_sink, .drain = drain_sink, .ud = k, .wait_fd = k->wait_fd}};
	assert_true(http_submit(h, &req) > 0);
}

static void test_sink(void **state)
{
	memset(large_body, 'a', sizeof(large_body) - 1);
	static const struct reply script[] = {
	    {.status = 200, .body = large_body, .mode = R_CHUNKED},
	    {.status = 404, .body = "{\"error\":\"ROOM_NOT_FOUND\"}"},
	    {.status = 200, .body = "partial", .mode = R_TRUNCATE},
	    {.status = 503, .body = "busy"},
	    {.status = 200, .body = "fine"},
	    {.status = 200, .body = large_body},
	};
	srv_script(script, 6);
	struct http_options o;
	http_options_default(&o);
	o.max_response_bytes = 1024;
	o.retry.base_ms = 5;
	o.retry.max_ms = 10;
	struct http *h = client_opts(&o);
	struct result res[5] = {{0}};
	struct sink k[5];
	memset(k, 0, sizeof(k));

	/* A 2xx body goes to the sink, whole, past the memory cap. */
	submit_to_sink(h, "/s", &res[0], &k[0]);
	drive_done(h, &res[0], 1, 3000);
	if (res[0].err != LB_OK)
		fail_msg("%s", res[0].message);
	assert_int_equal(res[0].status, 200);
	assert_int_equal(res[0].body_len, 0);
	assert_int_equal(res[0].streamed, sizeof(large_body) - 1);
	assert_int_equal(k[0].len, sizeof(large_body) - 1);
	assert_memory_equal(k[0].data, large_body, k[0].len);

	/* Any other status is kept for the error message. */
	submit_to_sink(h, "/s", &res[1], &k[1]);
	drive_done(h, &res[1], 1, 3000);
	assert_int_equal(res[1].status, 404);
	assert_string_equal(res[1].body, "{\"error\":\"ROOM_NOT_FOUND\"}");
	assert_int_equal(res[1].streamed, 0);
	assert_int_equal(k[1].calls, 0);

	/* Cut off after bytes went to the sink: no second attempt. */
	submit_to_sink(h, "/s", &res[2], &k[2]);
	drive_done(h, &res[2], 1, 3000);
	assert_int_equal(res[2].err, LB_NETWORK);
	assert_int_equal(res[2].attempts, 1);
	assert_int_equal(k[2].len, 7);
	assert_non_null(strstr(res[2].message, "after 7 bytes of the response"));
	assert_int_equal(srv_get(&srv.requests), 3);

	/* A 503 went nowhere: retried, and the 200 that follows is streamed. */
	submit_to_sink(h, "/s", &res[3], &k[3]);
	drive_done(h, &res[3], 1, 3000);
	assert_int_equal(res[3].status, 200);
	assert_int_equal(res[3].attempts, 2);
	assert_int_equal(k[3].len, 4);
	assert_memory_equal(k[3].data, "fine", 4);

	/* The sink says stop. */
	k[4].stop_after = 100;
	submit_to_sink(h, "/s", &res[4], &k[4]);
	drive_done(h, &res[4], 1, 3000);
	assert_int_equal(res[4].err, LB_CANCELLED);
	assert_int_equal(res[4].attempts, 1);
	assert_true(k[4].len <= 100);
	assert_int_equal(srv_get(&srv.requests), 6);
	for (int i = 0; i < 5; i++)
		assert_int_equal(res[i].calls, 1);
	http_free(&h);
}

static bool sink_paused(void *arg)
{
	return ((struct sink *)arg)->pauses > 0;
}

/* A pipe whose write end is full (not writable until its read end is read). */
static void full_pipe(int fds[2])
{
	static char junk[4096];
	assert_int_equal(pipe(fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	while (write(fds[1], junk, sizeof(junk)) > 0)
		;
}

static void empty_pipe(int fd)
{
	static char junk[65536];
	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

static char huge_body[2 << 20];

/* A sink that cannot keep up pauses the transfer: nothing more comes until
 * its fd is writable and its drain says go on; the time paused does not
 * count against the limit. */
static void test_sink_pause(void **state)
{
	for (size_t i = 0; i < sizeof(huge_body); i++)
		huge_body[i] = (char)('a' + i % 26);
	static const struct reply script[] = {
	    {.status = 200, .body = huge_body, .body_len = sizeof(huge_body)},
	};
	srv_script(script, 1);
	struct http_options o;
	http_options_default(&o);
	o.total_timeout_ms = 1000;
	o.retry.max_retries = 0;
	struct http *h = client_opts(&o);
	struct result res = {0};
	struct sink k;
	int pfd[2];
	memset(&k, 0, sizeof(k));
	full_pipe(pfd);
	k.big = malloc(sizeof(huge_body));
	k.big_cap = sizeof(huge_body);
	k.pause_after = 64 * 1024;
	k.drains_to_go = 2;
	k.drained = HTTP_SINK_TAKEN;
	k.wait_fd = pfd[1];

	submit_to_sink(h, "/p", &res, &k);
	drive(h, sink_paused, &k, 3000);
	size_t at = k.len;
	assert_true(at >= k.pause_after && at < sizeof(huge_body));
	idle_for(h, 2500);
	assert_int_equal(k.drains, 0);
	assert_int_equal(k.len, at);
	assert_int_equal(res.calls, 0);
	assert_int_equal(http_in_flight(h), 1);
	struct pollfd fds[64];
	int n = http_pollfds(h, fds, 64);
	assert_true(n <= http_pollfds_max(h));
	bool polled = false;
	for (int i = 0; i < n; i++)
		polled = polled || (fds[i].fd == pfd[1] && fds[i].events == POLLOUT);
	assert_true(polled);

	/* Its reader takes everything: the sink is asked, says wait once, then
	 * go on, and the rest comes. */
	empty_pipe(pfd[0]);
	drive_done(h, &res, 1, 5000);
	if (res.err != LB_OK)
		fail_msg("%s", res.message);
	assert_int_equal(res.status, 200);
	assert_int_equal(k.drains, 2);
	assert_int_equal(k.len, sizeof(huge_body));
	assert_int_equal(res.streamed, sizeof(huge_body));
	assert_memory_equal(k.big, huge_body, sizeof(huge_body));
	assert_int_equal(srv_get(&srv.requests), 1);

	/* Paused, and the drain says stop. */
	srv_script(script, 1);
	struct result stopped = {0};
	k.len = 0;
	k.pauses = k.drains = 0;
	k.drains_to_go = 1;
	k.drained = HTTP_SINK_STOP;
	submit_to_sink(h, "/p", &stopped, &k);
	drive_done(h, &stopped, 1, 5000);
	assert_int_equal(stopped.err, LB_CANCELLED);
	assert_string_equal(stopped.message, "the rest of the response was not wanted");
	assert_int_equal(k.drains, 1);
	assert_int_equal(http_in_flight(h), 0);
	http_free(&h);
	free(k.big);
	close(pfd[0]);
	close(pfd[1]);
}

/* A sink's limit is on the time without data (curl's low-speed limit: less
 * than a byte a second, measured over the last few seconds), and says so. */
static void test_sink_stall(void **state)
{
	static const struct reply script[] = {
	    {.status = 200, .body = "", .delay_ms = 4000, .mode = R_STALL},
	};
	srv_script(script, 1);
	struct http_options o;
	http_options_default(&o);
	o.total_timeout_ms = 1000;
	o.retry.max_retries = 0;
	struct http *h = client_opts(&o);
	struct result res = {0};
	struct sink k;
	char want[200];
	memset(&k, 0, sizeof(k));
	submit_to_sink(h, "/s", &res, &k);
	drive_done(h, &res, 1, 5000);
	assert_int_equal(res.err, LB_NETWORK);
	assert_int_equal(k.len, 0);
	snprintf(want, sizeof(want), "127.0.0.1:%d sent less than a byte a second for 1 s (ran ",
	         srv.port);
	if (strncmp(res.message, want, strlen(want)) != 0)
		fail_msg("%s", res.message);
	assert_true(ran_secs(res.message) >= 1.0 && ran_secs(res.message) < 3.5);
	http_free(&h);
}

/* A sink takes one layer of gzip (it asks for nothing else); more layers,
 * or another compression, would make what curl decodes while the sink is
 * paused unbounded. */
static void test_sink_codings(void **state)
{
	static const struct reply script[] = {
	    {.status = 200,
	     .headers = "Content-Encoding: gzip\r\n",
	     .body = (const char *)gz,
	     .body_len = sizeof(gz)},
	    {.status = 200,
	     .headers = "Content-Encoding: gzip, gzip\r\n",
	     .body = (const char *)gz,
	     .body_len = sizeof(gz)},
	    {.status = 200,
	     .headers = "Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n",
	     .body = (const char *)gz,
	     .body_len = sizeof(gz)},
	    {.status = 200, .headers = "Content-Encoding: br\r\n", .body = "xx"},
	    {.status = 200, .headers = "Content-Encoding: identity\r\n", .body = "plain"},
	};
	static const char *const refused[] = {NULL, "gzip, gzip", "gzip", "br", NULL};
	srv_script(script, 5);
	struct http *h = client(4, 3, 10, 50);
	for (int i = 0; i < 5; i++) {
		struct result res = {0};
		struct sink k;
		memset(&k, 0, sizeof(k));
		submit_to_sink(h, "/z", &res, &k);
		drive_done(h, &res, 1, 3000);
		assert_int_equal(res.attempts, 1);
		if (!refused[i]) {
			assert_int_equal(res.err, LB_OK);
			assert_string_equal(k.data, i == 0 ? "{\"hello\":\"gzip\"}" : "plain");
			continue;
		}
		char want[300];
		snprintf(
		    want, sizeof(want),
		    "127.0.0.1:%d sent the response with the encoding '%s': lbtui reads at most "
		    "one layer of gzip or deflate here",
		    srv.port, refused[i]);
		assert_int_equal(res.err, LB_DECODE);
		assert_string_equal(res.message, want);
		assert_int_equal(k.calls, 0);
	}
	assert_string_equal(srv.seen[0].accept_encoding, "gzip");
	assert_int_equal(srv_get(&srv.requests), 5);
	http_free(&h);
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_connection_refused(void **state)
{
	int port = free_port();
	char url[128], want[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/rooms", port);
	snprintf(want, sizeof(want), "could not connect to 127.0.0.1:%d (Connection refused)",
	         port);
	struct http *h = client(4, 2, 5, 20);
	struct result get = {0}, post = {0};
	struct http_request req = {
	    .method = HTTP_GET, .url = url, .idempotent = true, .done = on_done, .ud = &get};
	assert_true(http_submit(h, &req) > 0);
	req.method = HTTP_POST;
	req.idempotent = false;
	req.ud = &post;
	assert_true(http_submit(h, &req) > 0);
	drive_done(h, &get, 1, 3000);
	drive_done(h, &post, 1, 3000);

	assert_int_equal(get.err, LB_NETWORK);
	assert_int_equal(get.status, 0);
	assert_int_equal(get.attempts, 3);
	assert_true(strncmp(get.message, want, strlen(want)) == 0);
	assert_non_null(strstr(get.message, "gave up after 3 attempts"));

	assert_int_equal(post.err, LB_NETWORK);
	assert_int_equal(post.attempts, 1);
	assert_string_equal(post.message, want);
	http_free(&h);
}

/* A timeout says which limit it hit and how long the request ran. */
static void test_total_timeout(void **state)
{
	static const struct reply script[] = {
	    {.status = 200, .body = "quick"},
	    {.status = 200, .body = "late", .delay_ms = 3000},
	    {.status = 200, .body = "half", .delay_ms = 3000, .mode = R_STALL},
	    {.status = 200, .body = "late", .delay_ms = 3000},
	};
	srv_script(script, 4);
	struct http_options o;
	http_options_default(&o);
	o.total_timeout_ms = 300;
	o.retry.max_retries = 0;
	struct http *h = client_opts(&o);
	struct result quick = {0}, res = {0}, half = {0}, post = {0};
	char want[200];

	/* Connected (on a kept-alive connection), and nothing came back. */
	submit(h, HTTP_GET, "/quick", true, &quick);
	drive_done(h, &quick, 1, 3000);
	assert_int_equal(quick.status, 200);
	long long t0 = now_ms();
	submit(h, HTTP_GET, "/slow", true, &res);
	drive_done(h, &res, 1, 3000);
	assert_true(now_ms() - t0 < 1500);
	assert_int_equal(res.err, LB_NETWORK);
	snprintf(want, sizeof(want),
	         "no response from 127.0.0.1:%d within the 0.3 s limit for a request (ran ",
	         srv.port);
	assert_true(strncmp(res.message, want, strlen(want)) == 0);
	assert_true(ran_secs(res.message) >= 0.3 && ran_secs(res.message) < 1.5);
	assert_int_equal(res.attempts, 1);
	assert_int_equal(srv_get(&srv.connections), 1);

	/* The answer started and did not finish. */
	submit(h, HTTP_GET, "/half", true, &half);
	drive_done(h, &half, 1, 3000);
	assert_int_equal(half.err, LB_NETWORK);
	snprintf(want, sizeof(want),
	         "the response from 127.0.0.1:%d did not finish within the 0.3 s limit for a "
	         "request (ran ",
	         srv.port);
	assert_true(strncmp(half.message, want, strlen(want)) == 0);
	assert_true(ran_secs(half.message) >= 0.3 && ran_secs(half.message) < 1.5);

	/* A change that timed out may have been applied. */
	submit(h, HTTP_POST, "/slow", false, &post);
	drive_done(h, &post, 1, 3000);
	assert_int_equal(post.err, LB_UNSURE);
	snprintf(want, sizeof(want),
	         "no response from 127.0.0.1:%d within the 0.3 s limit for a request (ran ",
	         srv.port);
	assert_true(strncmp(post.message, want, strlen(want)) == 0);
	assert_non_null(strstr(post.message, " s), so it may or may not have been applied; check "
	                                     "before trying again"));
	http_free(&h);
}

/* A server whose accept queue is full: connecting hangs. */
static void test_connect_timeout(void **state)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	int filler = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	assert_true(lfd >= 0 && filler >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(connect(filler, (struct sockaddr *)&a, sizeof(a)), 0);

	struct http_options o;
	http_options_default(&o);
	o.connect_timeout_ms = 300;
	o.retry.max_retries = 0;
	struct http *h = client_opts(&o);
	struct result res = {0};
	char url[128], want[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v2/rooms", ntohs(a.sin_port));
	struct http_request req = {
	    .method = HTTP_GET, .url = url, .idempotent = true, .done = on_done, .ud = &res};
	long long t0 = now_ms();
	assert_true(http_submit(h, &req) > 0);
	drive_done(h, &res, 1, 3000);
	assert_true(now_ms() - t0 < 1500);
	assert_int_equal(res.err, LB_NETWORK);
	snprintf(want, sizeof(want),
	         "could not connect to 127.0.0.1:%d within the 0.3 s connect limit",
	         ntohs(a.sin_port));
	assert_string_equal(res.message, want);
	http_free(&h);
	close(filler);
	close(lfd);
}

static void test_cancel(void **state)
{
	srv_fallback((struct reply){.status = 200, .body = "slow", .delay_ms = 3000});
	struct http *h = client(1, 3, 10, 5000);
	struct result running = {0}, queued = {0};

	http_id a = submit(h, HTTP_GET, "/a", true, &running);
	http_id b = submit(h, HTTP_GET, "/b", true, &queued);
	assert_int_equal(http_in_flight(h), 2);
	int one = 1;
	drive(h, srv_has_requests, &one, 2000);

	/* Queued: never reaches the server. */
	assert_true(http_cancel(h, b));
	assert_int_equal(queued.calls, 1);
	assert_int_equal(queued.err, LB_CANCELLED);
	assert_int_equal(queued.attempts, 0);
	assert_false(http_cancel(h, b));

	/* Running: the transfer is dropped. */
	assert_true(http_cancel(h, a));
	assert_int_equal(running.calls, 1);
	assert_int_equal(running.err, LB_CANCELLED);
	assert_int_equal(running.status, 0);
	assert_int_equal(running.attempts, 1);
	assert_false(http_cancel(h, a));
	assert_int_equal(http_in_flight(h), 0);
	idle_for(h, 100);
	assert_int_equal(running.calls, 1);
	assert_int_equal(queued.calls, 1);
	assert_int_equal(srv_get(&srv.requests), 1);

	/* Waiting to retry: the timer goes away. */
	static const struct reply script[] = {
	    {.status = 503, .headers = "Retry-After: 4\r\n", .body = "later"},
	};
	srv_script(script, 1);
	struct result waiting = {0};
	http_id c = submit(h, HTTP_GET, "/c", true, &waiting);
	int two = 2;
	drive(h, srv_has_requests, &two, 2000);
	long long t1 = now_ms();
	while (http_timeout_ms(h) < 1000 && now_ms() - t1 < 1000)
		idle_for(h, 5);
	assert_true(http_timeout_ms(h) > 1000);
	assert_true(http_cancel(h, c));
	assert_int_equal(waiting.calls, 1);
	assert_int_equal(waiting.err, LB_CANCELLED);
	assert_int_equal(waiting.attempts, 1);
	assert_int_equal(http_timeout_ms(h), -1);
	assert_int_equal(http_in_flight(h), 0);
	idle_for(h, 50);
	assert_int_equal(waiting.calls, 1);
	assert_int_equal(srv_get(&srv.requests), 2);
	http_free(&h);
}

static void test_parallel_cap(void **state)
{
	srv_fallback((struct reply){.status = 200, .body = "p", .delay_ms = 40});
	struct http *h = client(4, 3, 10, 50);
	struct result res[20] = {{0}};
	for (int i = 0; i < 20; i++)
		submit(h, HTTP_GET, "/p", true, &res[i]);
	assert_int_equal(http_in_flight(h), 20);
	drive_done(h, res, 20, 5000);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(res[i].calls, 1);
		assert_int_equal(res[i].status, 200);
	}
	assert_int_equal(srv_get(&srv.requests), 20);
	assert_int_equal(srv_get(&srv.max_active), 4);
	assert_true(srv_get(&srv.max_open) <= 4);
	assert_true(srv_get(&srv.connections) <= 4);
	assert_int_equal(http_in_flight(h), 0);
	http_free(&h);
}

static void test_keep_alive(void **state)
{
	struct http *h = client(4, 3, 10, 50);
	for (int i = 0; i < 5; i++) {
		struct result res = {0};
		submit(h, HTTP_GET, "/k", true, &res);
		drive_done(h, &res, 1, 3000);
		assert_int_equal(res.status, 200);
	}
	assert_int_equal(srv_get(&srv.requests), 5);
	assert_int_equal(srv_get(&srv.connections), 1);
	http_free(&h);
}

/* A change goes out once, whatever happens to the connection under it. */
static void test_mutation_sent_at_most_once(void **state)
{
	static const struct reply drop[] = {{.mode = R_DROP}};
	struct http *h = client(4, 3, 10, 50);
	struct result get = {0}, post = {0}, again = {0}, fresh = {0};
	char want[300];

	/* A kept-alive connection, which the server then closes under a POST
	 * it has read: curl would send the POST again on a new connection. */
	submit(h, HTTP_GET, "/k", true, &get);
	drive_done(h, &get, 1, 3000);
	assert_int_equal(get.status, 200);
	srv_script(drop, 1);
	submit(h, HTTP_POST, "/m", false, &post);
	drive_done(h, &post, 1, 3000);
	idle_for(h, 200);
	assert_int_equal(srv_get(&srv.requests), 2);
	assert_int_equal(post.err, LB_UNSURE);
	assert_int_equal(post.status, 0);
	assert_int_equal(post.attempts, 1);
	snprintf(want, sizeof(want),
	         "no answer from 127.0.0.1:%d: the connection closed after the request was sent, "
	         "so it may or may not have been applied; check before trying again",
	         srv.port);
	assert_string_equal(post.message, want);

	/* A read is sent again, as curl does. */
	srv_script(drop, 1);
	submit(h, HTTP_GET, "/k", true, &again);
	drive_done(h, &again, 1, 3000);
	assert_int_equal(again.err, LB_OK);
	assert_int_equal(again.status, 200);
	assert_int_equal(srv_get(&srv.requests), 4);

	/* On a new connection it is the same: sent, no answer, not sure. */
	struct http *h2 = client(4, 3, 10, 50);
	srv_script(drop, 1);
	submit(h2, HTTP_DELETE, "/d", false, &fresh);
	drive_done(h2, &fresh, 1, 3000);
	idle_for(h2, 100);
	assert_int_equal(fresh.err, LB_UNSURE);
	assert_int_equal(srv_get(&srv.requests), 5);
	http_free(&h2);
	http_free(&h);
}

/* Changes in a row share one connection; after a pause a change opens a
 * new one rather than trust a connection the server may be closing. */
static void test_mutation_connection_age(void **state)
{
	struct http *h = client(4, 3, 10, 50);
	struct result res[12];
	memset(res, 0, sizeof(res));

	submit(h, HTTP_GET, "/k", true, &res[0]);
	drive_done(h, &res[0], 1, 3000);
	for (int i = 1; i <= 8; i++) {
		submit(h, HTTP_POST, "/m", false, &res[i]);
		drive_done(h, &res[i], 1, 3000);
		assert_int_equal(res[i].status, 200);
	}
	assert_int_equal(srv_get(&srv.connections), 1);

	idle_for(h, 2200);
	submit(h, HTTP_GET, "/k", true, &res[9]);
	drive_done(h, &res[9], 1, 3000);
	assert_int_equal(srv_get(&srv.connections), 1);
	idle_for(h, 2200);
	submit(h, HTTP_POST, "/m", false, &res[10]);
	drive_done(h, &res[10], 1, 3000);
	assert_int_equal(res[10].status, 200);
	assert_int_equal(srv_get(&srv.connections), 2);
	assert_int_equal(srv_get(&srv.requests), 11);
	http_free(&h);
}

struct chain {
	struct http *h;
	http_id self, victim;
	struct result a, b, c;
	bool cancel_victim, cancel_self;
	int a_calls;
};

static void chain_done(const struct http_response *resp, void *ud)
{
	struct chain *ch = ud;
	ch->a_calls++;
	on_done(resp, &ch->a);
	ch->cancel_self = http_cancel(ch->h, ch->self);
	ch->cancel_victim = http_cancel(ch->h, ch->victim);
	/* The victim's callback ran inside the cancel. */
	assert_int_equal(ch->c.calls, 1);
	submit(ch->h, HTTP_GET, "/chained", true, &ch->b);
}

static void test_callbacks_reenter(void **state)
{
	struct chain ch = {0};
	ch.h = client(1, 3, 10, 50);
	char url[256];
	url_for(url, sizeof(url), "/first");
	struct http_request req = {
	    .method = HTTP_GET, .url = url, .idempotent = true, .done = chain_done, .ud = &ch};
	ch.self = http_submit(ch.h, &req);
	ch.victim = submit(ch.h, HTTP_GET, "/victim", true, &ch.c);
	drive_done(ch.h, &ch.b, 1, 3000);
	assert_int_equal(ch.a_calls, 1);
	assert_int_equal(ch.a.status, 200);
	assert_false(ch.cancel_self);
	assert_true(ch.cancel_victim);
	assert_int_equal(ch.c.calls, 1);
	assert_int_equal(ch.c.err, LB_CANCELLED);
	assert_int_equal(ch.b.calls, 1);
	assert_int_equal(ch.b.status, 200);
	assert_int_equal(srv_get(&srv.requests), 2);
	assert_string_equal(srv.seen[0].path, "/first");
	assert_string_equal(srv.seen[1].path, "/chained");
	http_free(&ch.h);
}

static void test_gzip(void **state)
{
	static const struct reply script[] = {
	    {.status = 200,
	     .headers = "Content-Encoding: gzip\r\nContent-Type: application/json\r\n",
	     .body = (const char *)gz,
	     .body_len = sizeof(gz)},
	};
	srv_script(script, 1);
	struct http *h = client(4, 3, 10, 50);
	struct result res = {0};
	submit(h, HTTP_GET, "/gz", true, &res);
	drive_done(h, &res, 1, 3000);
	assert_int_equal(res.err, LB_OK);
	assert_string_equal(res.body, "{\"hello\":\"gzip\"}");
	assert_string_equal(res.content_type, "application/json");
	http_free(&h);
}

static void test_verbose_never_logs_headers(void **state)
{
	struct http_options o;
	http_options_default(&o);
	o.verbose = true;
	struct http *h = client_opts(&o);
	struct result res = {0};
	char url[256];
	url_for(url, sizeof(url), "/v2/rooms");
	const char *headers[] = {"Authorization: Bearer sk_localdev", NULL};
	struct http_request req = {.method = HTTP_GET,
	                           .url = url,
	                           .headers = headers,
	                           .idempotent = true,
	                           .done = on_done,
	                           .ud = &res};

	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(2);
	dup2(fileno(tmp), 2);
	http_submit(h, &req);
	drive_done(h, &res, 1, 3000);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	char log[4096];
	rewind(tmp);
	size_t n = fread(log, 1, sizeof(log) - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	/* The request log's line: the path without the host. */
	assert_non_null(strstr(log, "http: GET /v2/rooms 200 "));
	assert_null(strstr(log, "127.0.0.1"));
	assert_null(strstr(log, "sk_localdev"));
	assert_null(strstr(log, "Authorization"));
	assert_null(strstr(log, "Bearer"));
	http_free(&h);
}

/* Every attempt is in the request log with what the server's headers said;
 * never the Authorization header. */
static void test_request_log(void **state)
{
	static const struct reply script[] = {
	    {.status = 429,
	     .headers = "Retry-After: 0\r\nX-RateLimit-Limit: 10\r\nX-RateLimit-Remaining: 0\r\n"
	                "X-RateLimit-Reset: 1700000000\r\n",
	     .body = "{\"error\":\"RATE_LIMITED\"}"},
	    {.status = 200,
	     .headers = "X-LB-Warn: deprecated \x1b[31mkey sk_live_abcdefghijkl\r\n",
	     .body = "{\"id\":\"r\"}"},
	    {.status = 200, .body = "{}"},
	};
	srv_script(script, 3);
	struct http *h = client(4, 3, 10, 50);
	struct reqlog *log = http_log(h);
	struct result a = {0}, b = {0};
	char url[256];
	const char *headers[] = {"Authorization: Bearer sk_localdev",
	                         "Content-Type: application/json", NULL};

	assert_non_null(log);
	url_for(url, sizeof(url), "/v2/rooms/r?x=1");
	struct http_request req = {.method = HTTP_GET,
	                           .url = url,
	                           .headers = headers,
	                           .idempotent = true,
	                           .done = on_done,
	                           .ud = &a,
	                           .endpoint = "ROOM_GET"};
	http_submit(h, &req);
	drive_done(h, &a, 1, 3000);
	assert_int_equal(a.status, 200);
	assert_int_equal(reqlog_count(log), 2);

	/* Newest first: the retry, then the 429 that asked for it. */
	const struct reqlog_entry *e = reqlog_get(log, 1);
	assert_int_equal(e->status, 429);
	assert_int_equal(e->retry, 0);
	assert_int_equal(e->retry_in_ms, 0);
	assert_string_equal(e->path, "/v2/rooms/r?x=1");
	assert_string_equal(e->url, url);
	assert_string_equal(e->endpoint, "ROOM_GET");
	assert_string_equal(e->rate_limit, "10");
	assert_string_equal(e->rate_remaining, "0");
	assert_string_equal(e->rate_reset, "1700000000");
	assert_string_equal(e->retry_after, "0");
	assert_null(e->warn);
	assert_int_equal(e->bytes, (long long)strlen(script[0].body));
	e = reqlog_get(log, 0);
	assert_int_equal(e->status, 200);
	assert_int_equal(e->retry, 1);
	assert_int_equal(e->retry_in_ms, -1);
	assert_null(e->rate_limit);
	assert_null(e->retry_after);
	/* The warning, made safe to show: no escape, no key. */
	assert_non_null(e->warn);
	assert_null(strchr(e->warn, '\x1b'));
	assert_non_null(strstr(e->warn, "deprecated "));
	assert_null(strstr(e->warn, "abcdefgh"));

	/* A change: its body and type kept for the curl command, the key not. */
	url_for(url, sizeof(url), "/v2/rooms/r/storage");
	req = (struct http_request){.method = HTTP_POST,
	                            .url = url,
	                            .headers = headers,
	                            .body = "{\"a\":1}",
	                            .body_len = 7,
	                            .done = on_done,
	                            .ud = &b,
	                            .endpoint = "STORAGE_INIT"};
	http_submit(h, &req);
	drive_done(h, &b, 1, 3000);
	assert_int_equal(reqlog_count(log), 3);
	e = reqlog_get(log, 0);
	assert_int_equal(e->method, HTTP_POST);
	assert_string_equal(e->content_type, "application/json");
	assert_string_equal(e->body, "{\"a\":1}");
	assert_int_equal(e->body_total, 7);
	for (size_t i = 0; i < reqlog_count(log); i++) {
		char *line = reqlog_line(reqlog_get(log, i));
		char *cmd = reqlog_curl(reqlog_get(log, i));
		assert_null(strstr(line, "sk_localdev"));
		assert_null(strstr(cmd, "sk_localdev"));
		assert_null(strstr(cmd, "sk_live"));
		free(line);
		free(cmd);
	}
	http_free(&h);
}

static void test_transport(void **state)
{
	srv_fallback((struct reply){.status = 200, .body = "t", .delay_ms = 50});
	struct http *h = client(4, 3, 10, 50);
	struct transport t = http_transport(h);
	assert_ptr_equal(t.ctx, h);
	struct result a = {0}, b = {0};
	char url[256];
	url_for(url, sizeof(url), "/t");
	struct http_request req = {
	    .method = HTTP_GET, .url = url, .idempotent = true, .done = on_done, .ud = &a};
	http_id ia = t.submit(t.ctx, &req);
	req.ud = &b;
	http_id ib = t.submit(t.ctx, &req);
	assert_true(ia > 0 && ib > 0 && ia != ib);
	assert_true(t.cancel(t.ctx, ia));
	assert_false(t.cancel(t.ctx, ia));
	assert_int_equal(a.err, LB_CANCELLED);
	drive_done(h, &b, 1, 3000);
	assert_int_equal(b.status, 200);
	assert_string_equal(b.body, "t");
	assert_int_equal(a.calls, 1);
	http_free(&h);
}

static void test_free_cancels_pending(void **state)
{
	srv_fallback((struct reply){.status = 200, .body = "slow", .delay_ms = 3000});
	struct http *h = client(1, 3, 10, 50);
	struct result res[3] = {{0}};
	for (int i = 0; i < 3; i++)
		submit(h, HTTP_GET, "/f", true, &res[i]);
	int one = 1;
	drive(h, srv_has_requests, &one, 2000);
	http_free(&h);
	assert_null(h);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(res[i].calls, 1);
		assert_int_equal(res[i].err, LB_CANCELLED);
	}
}

static void test_wait_batch(void **state)
{
	static const struct reply script[] = {
	    {.status = 503, .body = "busy"},
	    {.status = 200, .body = "batch"},
	};
	srv_script(script, 2);
	struct http *h = client(4, 3, 10, 50);
	struct result res = {0};
	submit(h, HTTP_GET, "/w", true, &res);
	int rounds = 0;
	while (res.calls == 0 && rounds++ < 200)
		http_wait(h, 1000);
	assert_int_equal(res.calls, 1);
	assert_string_equal(res.body, "batch");
	assert_int_equal(res.attempts, 2);
	/* Nothing in flight: returns at once. */
	long long t0 = now_ms();
	http_wait(h, -1);
	http_wait(h, 500);
	assert_true(now_ms() - t0 < 400);
	http_free(&h);
}

#define LIVE(fn) cmocka_unit_test_setup_teardown(fn, srv_start, srv_stop)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_idempotent_never_retries),
	    cmocka_unit_test(test_status_classes),
	    cmocka_unit_test(test_attempt_limit),
	    cmocka_unit_test(test_backoff_growth_and_cap),
	    cmocka_unit_test(test_jitter_range),
	    cmocka_unit_test(test_retry_after_seconds),
	    cmocka_unit_test(test_retry_after_date),
	    cmocka_unit_test(test_names_and_defaults),
	    cmocka_unit_test(test_idle_client),
	    LIVE(test_get_ok),
	    LIVE(test_methods_and_bodies),
	    LIVE(test_get_retried_after_503),
	    LIVE(test_post_not_retried),
	    LIVE(test_retries_exhausted),
	    LIVE(test_truncated_body),
	    LIVE(test_429_retry_after),
	    LIVE(test_size_cap),
	    LIVE(test_sink),
	    LIVE(test_sink_pause),
	    LIVE(test_sink_stall),
	    LIVE(test_sink_codings),
	    cmocka_unit_test(test_connection_refused),
	    LIVE(test_total_timeout),
	    cmocka_unit_test(test_connect_timeout),
	    LIVE(test_cancel),
	    LIVE(test_parallel_cap),
	    LIVE(test_keep_alive),
	    LIVE(test_mutation_sent_at_most_once),
	    LIVE(test_mutation_connection_age),
	    LIVE(test_callbacks_reenter),
	    LIVE(test_gzip),
	    LIVE(test_verbose_never_logs_headers),
	    LIVE(test_request_log),
	    LIVE(test_transport),
	    LIVE(test_free_cancels_pending),
	    LIVE(test_wait_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
