#include "lbconfig.h"

#include "http.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "reqlog.h"
#include "term_safe.h"
#include "util.h"

/* A sink's transfer reads this much at a time. While it is paused curl
 * decodes the rest of what it last read and holds it: gzip or deflate
 * inflates at most about 1032 to 1, so that is at most about 4 MiB. */
#define SINK_READ_BYTES 4096L

/* A request that is not idempotent takes a kept-alive connection only if
 * it has been idle no longer than this (curl counts whole seconds: < 2 s). */
#define MUTATION_MAX_IDLE_S 1L

/* Where a request is. Each live request is on exactly one list of its
 * client, the one named by its state. */
enum rq_state { RQ_QUEUED, RQ_RUNNING, RQ_WAITING, RQ_DONE };

struct rq {
	struct rq *prev, *next;
	struct http *h;
	http_id id;
	enum rq_state state;

	/* The copied request. */
	enum http_method method;
	char *url;
	struct curl_slist *headers;
	char *body;
	size_t body_len;
	bool idempotent;
	bool secret_body;
	http_done_fn done;
	void *ud;
	struct http_sink sink;
	const char *endpoint;   /* for the log */
	char *req_content_type; /* for the log: the body's type, NULL for none */

	/* The current or last attempt. */
	CURL *easy;
	int attempts;
	int sends;           /* times curl was about to send it on a connection */
	bool answered;       /* a status line came back */
	bool resend_refused; /* curl wanted to send it again: it was not */
	long long due_ms;   /* RQ_WAITING: when the next attempt may start */
	long long start_ms; /* when the current attempt started */
	long long start_s;  /* the same on the wall clock, for the log */
	curl_off_t received; /* body bytes of the attempt, for the log */
	struct buf resp;
	bool too_large;
	bool nomem;
	enum { SINK_UNDECIDED, SINK_ON, SINK_OFF } sink_mode; /* this attempt's body */
	bool sink_stopped;  /* the sink said stop */
	bool paused;        /* the sink said pause: waiting for its wait_fd */
	int codings;        /* compression layers the answer declares */
	char bad_coding[128]; /* a layer refused for a sink, when one was */
	size_t streamed;    /* bytes given to the sink, over all attempts */
	char content_type[128];
	char retry_after[64];
	/* What the log shows of the answer's headers. */
	char warn[512];
	char rate_limit[64], rate_remaining[64], rate_reset[64];
	char errbuf[CURL_ERROR_SIZE];

	/* The outcome, once RQ_DONE. */
	long status;
	struct lb_error err;
};

struct rq_list {
	struct rq *head, *tail;
	int n;
};

struct sock {
	curl_socket_t fd;
	short events;
};

struct http {
	struct http_options o;
	char *user_agent;
	CURLM *multi;
	long long timer_due; /* curl's timer, -1 when none */
	struct sock *socks;
	int nsocks, socks_cap;
	struct rq_list lists[4]; /* indexed by enum rq_state */
	CURL **idle;             /* reset easy handles kept for reuse */
	int nidle;
	http_id next_id;
	int in_flight;
	uint32_t rnd;
	bool closing; /* in http_free: refuse new requests */
	struct reqlog *log;
	struct http_source *sources;
	int nsources;
	/* Bumped when a source is removed: a walk over them starts again. */
	unsigned sources_gen;
};

static const char *const method_names[] = {
    [HTTP_GET] = "GET",     [HTTP_POST] = "POST",     [HTTP_PUT] = "PUT",
    [HTTP_PATCH] = "PATCH", [HTTP_DELETE] = "DELETE",
};

/* "GET", "POST", ... */
const char *http_method_name(enum http_method m)
{
	if ((unsigned)m < sizeof(method_names) / sizeof(method_names[0]))
		return method_names[m];
	return "GET";
}

/* Defaults: 5 s connect, 30 s total, 64 MiB cap, 8 parallel,
 * 3 retries from 250 ms up to 8 s. */
void http_options_default(struct http_options *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 5000;
	o->total_timeout_ms = 30000;
	o->max_response_bytes = (size_t)64 << 20;
	o->max_parallel = 8;
	o->retry.max_retries = 3;
	o->retry.base_ms = 250;
	o->retry.max_ms = 8000;
	o->user_agent = "lbtui/" PACKAGE_VERSION;
	o->verbose = false;
}

/* ---- the retry decision ---- */

static bool status_retryable(long status)
{
	switch (status) {
	case 0: /* network error */
	case 429:
	case 500:
	case 502:
	case 503:
	case 504:
		return true;
	default:
		return false;
	}
}

/* Retry-After as a delay in ms: delta-seconds or an HTTP date. -1 if it
 * cannot be read. */
static long retry_after_ms(const char *s, long cap)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s >= '0' && *s <= '9') {
		const char *p = s;
		long long secs = 0;
		while (*p >= '0' && *p <= '9') {
			if (secs < 1000000000LL)
				secs = secs * 10 + (*p - '0');
			p++;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return secs * 1000 > cap ? cap : (long)(secs * 1000);
	}
	time_t when = curl_getdate(s, NULL);
	if (when == (time_t)-1)
		return -1;
	long long d = ((long long)when - (long long)time(NULL)) * 1000;
	if (d < 0)
		return 0;
	return d > cap ? cap : (long)d;
}

/* A Retry-After value as a delay in ms; see http.h. */
long http_retry_after_ms(const char *value)
{
	return value ? retry_after_ms(value, 24L * 3600 * 1000) : -1;
}

/* Exponential backoff with equal jitter: a delay in [b/2, b] where b is
 * base * 2^(attempt-1), capped at max. */
static long backoff_ms(const struct retry_policy *p, int attempt, unsigned rnd)
{
	long cap = p->max_ms > 0 ? p->max_ms : 0;
	long b = p->base_ms > 0 ? p->base_ms : 0;
	if (b > cap)
		b = cap;
	for (int i = 1; i < attempt && b < cap; i++)
		b = b > cap / 2 ? cap : b * 2;
	long half = b / 2;
	return half + (long)(rnd % (unsigned long)(b - half + 1));
}

/* The retry decision; see http.h. */
long http_retry_delay(const struct retry_policy *p, bool idempotent, int attempt, long status,
                      const char *retry_after, unsigned rnd)
{
	if (!idempotent || attempt < 1 || attempt > p->max_retries)
		return -1;
	if (!status_retryable(status))
		return -1;
	if ((status == 429 || status == 503) && retry_after) {
		long d = retry_after_ms(retry_after, p->max_ms > 0 ? p->max_ms : 0);
		if (d >= 0)
			return d;
	}
	return backoff_ms(p, attempt, rnd);
}

/* ---- lists ---- */

static struct rq_list *list_of(struct http *h, struct rq *r)
{
	return &h->lists[r->state];
}

static void list_push(struct http *h, struct rq *r, enum rq_state st)
{
	struct rq_list *l = &h->lists[st];
	r->state = st;
	r->next = NULL;
	r->prev = l->tail;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->n++;
}

static void list_push_front(struct http *h, struct rq *r, enum rq_state st)
{
	struct rq_list *l = &h->lists[st];
	r->state = st;
	r->prev = NULL;
	r->next = l->head;
	if (l->head)
		l->head->prev = r;
	else
		l->tail = r;
	l->head = r;
	l->n++;
}

static void list_del(struct http *h, struct rq *r)
{
	struct rq_list *l = list_of(h, r);
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->prev = r->next = NULL;
	l->n--;
}

static struct rq *rq_find(struct http *h, http_id id)
{
	for (int s = 0; s < 4; s++)
		for (struct rq *r = h->lists[s].head; r; r = r->next)
			if (r->id == id)
				return r;
	return NULL;
}

static void rq_free(struct rq *r)
{
	buf_free(&r->resp);
	free(r->req_content_type);
	curl_slist_free_all(r->headers);
	free(r->url);
	free(r->body);
	free(r);
}

/* ---- curl callbacks ---- */

static struct sock *sock_find(struct http *h, curl_socket_t fd)
{
	for (int i = 0; i < h->nsocks; i++)
		if (h->socks[i].fd == fd)
			return &h->socks[i];
	return NULL;
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct sock *s = sock_find(h, fd);

	if (what == CURL_POLL_REMOVE) {
		if (s)
			*s = h->socks[--h->nsocks];
		return 0;
	}
	if (!s) {
		if (h->nsocks == h->socks_cap) {
			int cap = h->socks_cap ? h->socks_cap * 2 : 8;
			struct sock *n = realloc(h->socks, (size_t)cap * sizeof(*n));
			if (!n)
				return -1;
			h->socks = n;
			h->socks_cap = cap;
		}
		s = &h->socks[h->nsocks++];
		s->fd = fd;
	}
	s->events =
	    (short)(((what & CURL_POLL_IN) ? POLLIN : 0) | ((what & CURL_POLL_OUT) ? POLLOUT : 0));
	return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
	struct http *h = userp;
	h->timer_due = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	return 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	struct rq *r = ud;
	size_t len = size * n;
	size_t cap = r->h->o.max_response_bytes;

	if (r->sink.take && r->sink_mode == SINK_UNDECIDED) {
		long status = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		r->sink_mode = status >= 200 && status <= 299 ? SINK_ON : SINK_OFF;
	}
	if (r->sink_mode == SINK_ON) {
		switch (r->sink.take(p, len, r->sink.ud)) {
		case HTTP_SINK_TAKEN:
			r->streamed += len;
			return len;
		case HTTP_SINK_PAUSE:
			/* curl keeps the piece and gives it again after the pause. */
			r->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		case HTTP_SINK_STOP:
			break;
		}
		r->sink_stopped = true;
		return 0;
	}

	if (cap && len > cap - r->resp.len) {
		r->too_large = true;
		return 0;
	}
	if (!buf_add(&r->resp, p, len)) {
		r->nomem = true;
		return 0;
	}
	return len;
}

/* Called each time curl is about to send the request on a connection,
 * also when it would send it again on a new one because a reused
 * connection closed before any answer. That second send is refused for a
 * request that is not idempotent: the server may have acted on the first. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
	struct rq *r = ud;

	if (++r->sends > 1 && !r->idempotent) {
		r->resend_refused = true;
		return CURL_PREREQFUNC_ABORT;
	}
	return CURL_PREREQFUNC_OK;
}

/* If the header line is "name: value", copy the trimmed value to out. */
static bool header_value(const char *line, size_t len, const char *name, char *out, size_t n)
{
	size_t nl = strlen(name);
	if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return false;
	const char *v = line + nl + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vl = (size_t)(end - v);
	if (vl >= n)
		vl = n - 1;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return true;
}

/* Count the compression layers of a Content-Encoding or Transfer-Encoding
 * value (curl decodes both). For a sink only one layer of gzip or deflate
 * is accepted: while a sink is paused curl inflates what it read into
 * memory, and another layer, or brotli or zstd, would multiply that. */
static bool codings_bounded(struct rq *r, const char *value)
{
	for (const char *v = value; *v;) {
		v += strspn(v, " \t,");
		size_t n = strcspn(v, ",");
		size_t len = n;
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		bool known = (len == 4 && !strncasecmp(v, "gzip", 4)) ||
		             (len == 6 && !strncasecmp(v, "x-gzip", 6)) ||
		             (len == 7 && !strncasecmp(v, "deflate", 7));
		bool plain = (len == 7 && !strncasecmp(v, "chunked", 7)) ||
		             (len == 8 && !strncasecmp(v, "identity", 8));
		if (len && !plain && (!known || ++r->codings > 1)) {
			snprintf(r->bad_coding, sizeof(r->bad_coding), "%s", value);
			return false;
		}
		v += n;
	}
	return true;
}

/* The headers the request log shows, when the line is one of them. */
static bool log_header(struct rq *r, const char *p, size_t len)
{
	/* Several warnings keep the first. */
	if (!r->warn[0] && header_value(p, len, "X-LB-Warn", r->warn, sizeof(r->warn)))
		return true;
	return header_value(p, len, "X-RateLimit-Limit", r->rate_limit, sizeof(r->rate_limit)) ||
	       header_value(p, len, "X-RateLimit-Remaining", r->rate_remaining,
	                    sizeof(r->rate_remaining)) ||
	       header_value(p, len, "X-RateLimit-Reset", r->rate_reset, sizeof(r->rate_reset));
}

static void headers_forget(struct rq *r)
{
	r->content_type[0] = '\0';
	r->retry_after[0] = '\0';
	r->warn[0] = '\0';
	r->rate_limit[0] = '\0';
	r->rate_remaining[0] = '\0';
	r->rate_reset[0] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct rq *r = ud;
	size_t len = size * n;
	char coding[sizeof(r->bad_coding)];

	/* A new status line (after 1xx or a redirect) starts a new header set. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->answered = true;
		headers_forget(r);
		r->codings = 0;
	} else if (r->sink.take &&
	           (header_value(p, len, "Content-Encoding", coding, sizeof(coding)) ||
	            header_value(p, len, "Transfer-Encoding", coding, sizeof(coding)))) {
		if (!codings_bounded(r, coding))
			return 0; /* the transfer ends before any of the body is decoded */
	} else if (!header_value(p, len, "Content-Type", r->content_type,
	                         sizeof(r->content_type)) &&
	           !header_value(p, len, "Retry-After", r->retry_after, sizeof(r->retry_after))) {
		log_header(r, p, len);
	}
	return len;
}

/* ---- client ---- */

/* New client; NULL with err set on failure. Free with http_free. */
void http_library_version(struct buf *b)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	buf_printf(b, "libcurl %s (%s)\n", v->version, v->ssl_version ? v->ssl_version : "no TLS");
}

struct http *http_new(const struct http_options *o, struct lb_error *err)
{
	struct http_options def;
	if (!o) {
		http_options_default(&def);
		o = &def;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		lb_error_set(err, LB_NETWORK, "could not initialise libcurl");
		return NULL;
	}
	struct http *h = calloc(1, sizeof(*h));
	if (!h) {
		curl_global_cleanup();
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	h->o = *o;
	if (h->o.max_parallel < 1)
		h->o.max_parallel = 1;
	h->user_agent = xstrdup(o->user_agent);
	h->o.user_agent = h->user_agent;
	h->idle = calloc((size_t)h->o.max_parallel, sizeof(*h->idle));
	h->multi = curl_multi_init();
	if (!h->idle || !h->multi || (o->user_agent && !h->user_agent)) {
		http_free(&h);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	h->log = reqlog_new(REQLOG_MAX);
	if (!h->log) {
		http_free(&h);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	h->timer_due = -1;
	h->rnd = (uint32_t)now_ms() ^ (uint32_t)getpid() * 2654435761u ^ (uint32_t)(uintptr_t)h;
	if (h->rnd == 0)
		h->rnd = 0x9e3779b9u;

	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)h->o.max_parallel);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->o.max_parallel);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, (long)h->o.max_parallel);
	lb_error_clear(err);
	return h;
}

static uint32_t next_rnd(struct http *h)
{
	/* xorshift32: jitter only needs to spread clients apart. */
	uint32_t x = h->rnd;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	h->rnd = x;
	return x;
}

static void easy_release(struct http *h, CURL *e)
{
	if (h->nidle < h->o.max_parallel) {
		curl_easy_reset(e);
		h->idle[h->nidle++] = e;
	} else {
		curl_easy_cleanup(e);
	}
}

/* Stop the running attempt of r, if any. */
static void rq_detach(struct http *h, struct rq *r)
{
	r->paused = false;
	if (!r->easy)
		return;
	curl_multi_remove_handle(h->multi, r->easy);
	easy_release(h, r->easy);
	r->easy = NULL;
}

/* Call the callback and free the request; r is on no list. */
static void rq_deliver(struct http *h, struct rq *r)
{
	struct http_response resp = {
	    .status = r->status,
	    .body = r->resp.data ? r->resp.data : "",
	    .body_len = r->resp.len,
	    .content_type = r->content_type[0] ? r->content_type : NULL,
	    .retry_after = r->retry_after[0] ? r->retry_after : NULL,
	    .attempts = r->attempts,
	    .streamed = r->streamed,
	    .err = r->err,
	};
	h->in_flight--;
	if (r->done)
		r->done(&resp, r->ud);
	rq_free(r);
}

static void rq_reset_response(struct rq *r)
{
	buf_free(&r->resp);
	buf_init(&r->resp);
	r->sink_mode = SINK_UNDECIDED;
	r->paused = false;
	r->codings = 0;
	r->bad_coding[0] = '\0';
	r->too_large = false;
	r->nomem = false;
	headers_forget(r);
	r->errbuf[0] = '\0';
	r->status = 0;
}

/* Move r to the done list with this outcome. */
static void rq_fail(struct http *h, struct rq *r, enum lb_status st, const char *msg)
{
	rq_reset_response(r);
	lb_error_set(&r->err, st, "%s", msg);
	list_push(h, r, RQ_DONE);
}

static void set_method(CURL *e, struct rq *r)
{
	switch (r->method) {
	case HTTP_GET:
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
		return;
	case HTTP_DELETE:
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
		if (!r->body)
			return;
		break;
	case HTTP_PUT:
	case HTTP_PATCH:
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, http_method_name(r->method));
		break;
	case HTTP_POST:
		break;
	}
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
}

/* Start an attempt of r: false if it could not be handed to curl. */
static bool rq_start(struct http *h, struct rq *r)
{
	CURL *e = h->nidle ? h->idle[--h->nidle] : curl_easy_init();
	if (!e)
		return false;
	rq_reset_response(r);
	r->sends = 0;
	r->answered = false;
	r->resend_refused = false;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
	curl_easy_setopt(e, CURLOPT_PREREQDATA, (void *)r);
	/* A change goes out at most once, so a connection that dies under it
	 * fails it. Servers close idle connections (Node and Apache after
	 * 5 s): a change takes only a connection used in the last second or
	 * two, so that is rare, and back-to-back changes still share one. */
	if (!r->idempotent)
		curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, MUTATION_MAX_IDLE_S);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, r->sink.take ? "gzip" : "");
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Over TLS, wait for a connection that may multiplex (HTTP/2) rather
	 * than open another; plain http:// is HTTP/1.1 and must not wait. */
	if (strncasecmp(r->url, "https:", 6) == 0)
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
	else
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, r->sink.take ? SINK_READ_BYTES : 64L * 1024);
	if (h->o.user_agent)
		curl_easy_setopt(e, CURLOPT_USERAGENT, h->o.user_agent);
	if (h->o.connect_timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
	if (h->o.total_timeout_ms > 0 && !r->sink.take) {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->o.total_timeout_ms);
	} else if (h->o.total_timeout_ms > 0) {
		/* A sink may take any time over a body of any size, and may pause
		 * while its reader is busy (curl does not count a pause): it fails
		 * only when nothing comes for the whole limit. */
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (h->o.total_timeout_ms + 999) / 1000);
	}
	/* A body that goes to a sink takes no memory: no cap. */
	if (!r->sink.take && h->o.max_response_bytes > 0 &&
	    h->o.max_response_bytes < (size_t)INT64_MAX)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->o.max_response_bytes);
	set_method(e, r);

	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		easy_release(h, e);
		return false;
	}
	r->easy = e;
	r->attempts++;
	r->start_ms = now_ms();
	r->start_s = wall_s();
	r->received = 0;
	list_push(h, r, RQ_RUNNING);
	return true;
}

/* Start queued requests while there is room. */
static void pump(struct http *h)
{
	struct rq *r;
	if (h->closing)
		return;
	while (h->lists[RQ_RUNNING].n < h->o.max_parallel && (r = h->lists[RQ_QUEUED].head)) {
		list_del(h, r);
		if (!rq_start(h, r))
			rq_fail(h, r, LB_NOMEM, "out of memory starting a request");
	}
}

/* Copy the request and queue it; 0 if it could not be copied. */
http_id http_submit(struct http *h, const struct http_request *req)
{
	if (!h || !req || !req->url || h->closing)
		return 0;
	struct rq *r = calloc(1, sizeof(*r));
	if (!r)
		return 0;
	r->h = h;
	r->method = req->method;
	r->idempotent = req->idempotent;
	r->secret_body = req->secret_body;
	r->done = req->done;
	r->ud = req->ud;
	r->sink = req->sink;
	r->endpoint = req->endpoint;
	buf_init(&r->resp);
	r->url = strdup(req->url);
	bool ok = r->url != NULL;
	if (ok && req->body) {
		r->body = malloc(req->body_len + 1);
		ok = r->body != NULL;
		if (ok) {
			memcpy(r->body, req->body, req->body_len);
			r->body[req->body_len] = '\0';
			r->body_len = req->body_len;
		}
	}
	for (const char *const *p = req->headers; ok && p && *p; p++) {
		struct curl_slist *n = curl_slist_append(r->headers, *p);
		ok = n != NULL;
		if (ok)
			r->headers = n;
		if (ok && !strncasecmp(*p, "Content-Type:", 13))
			ok = (r->req_content_type = strdup(*p + 13 + strspn(*p + 13, " \t"))) != NULL;
	}
	if (ok) {
		/* No 100-continue round trip before a body. */
		struct curl_slist *n = curl_slist_append(r->headers, "Expect:");
		ok = n != NULL;
		if (ok)
			r->headers = n;
	}
	if (!ok) {
		rq_free(r);
		return 0;
	}
	r->id = ++h->next_id;
	h->in_flight++;
	list_push(h, r, RQ_QUEUED);
	pump(h);
	return r->id;
}

static void log_attempt(struct http *h, struct rq *r, long status, const char *what,
                        long retry_in);

/* Cancel a request wherever it is; its callback runs before this returns. */
bool http_cancel(struct http *h, http_id id)
{
	struct rq *r = h ? rq_find(h, id) : NULL;
	if (!r)
		return false;
	/* An attempt on its way is in the log; one still queued never went. */
	if (r->state == RQ_RUNNING) {
		if (r->easy)
			curl_easy_getinfo(r->easy, CURLINFO_SIZE_DOWNLOAD_T, &r->received);
		log_attempt(h, r, 0, "cancelled", -1);
	}
	rq_detach(h, r);
	list_del(h, r);
	rq_reset_response(r);
	lb_error_set(&r->err, LB_CANCELLED, "request cancelled");
	rq_deliver(h, r);
	pump(h);
	return true;
}

/* Release the client; requests still pending get LB_CANCELLED. Not from a
 * callback. */
void http_free(struct http **hp)
{
	struct http *h = hp ? *hp : NULL;
	if (!h)
		return;
	h->closing = true;
	for (int s = 0; s < 4; s++) {
		struct rq *r;
		while ((r = h->lists[s].head)) {
			rq_detach(h, r);
			list_del(h, r);
			rq_reset_response(r);
			lb_error_set(&r->err, LB_CANCELLED, "request cancelled");
			rq_deliver(h, r);
		}
	}
	for (int i = 0; i < h->nidle; i++)
		curl_easy_cleanup(h->idle[i]);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h->idle);
	free(h->socks);
	free(h->user_agent);
	reqlog_free(&h->log);
	free(h);
	curl_global_cleanup();
	*hp = NULL;
}

static http_id transport_submit(void *ctx, const struct http_request *req)
{
	return http_submit(ctx, req);
}

static bool transport_cancel(void *ctx, http_id id)
{
	return http_cancel(ctx, id);
}

/* A transport whose ctx is this client. */
struct transport http_transport(struct http *h)
{
	struct transport t = {.ctx = h, .submit = transport_submit, .cancel = transport_cancel};
	return t;
}

/* The client's request log. */
struct reqlog *http_log(struct http *h)
{
	return h ? h->log : NULL;
}

/* Requests submitted and not finished. */
int http_in_flight(const struct http *h)
{
	return h ? h->in_flight : 0;
}

/* ---- finishing an attempt ---- */

static void fmt_secs(long ms, char *out, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(out, n, "%ld s", ms / 1000);
	else
		snprintf(out, n, "%.1f s", (double)ms / 1000.0);
}

static void fmt_size(size_t bytes, char *out, size_t n)
{
	if (bytes >= ((size_t)1 << 20) && bytes % ((size_t)1 << 20) == 0)
		snprintf(out, n, "%zu MiB", bytes >> 20);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(out, n, "%zu KiB", bytes >> 10);
	else
		snprintf(out, n, "%zu bytes", bytes);
}

/* "host:port" of a URL, for messages. */
static void url_hostport(const char *url, char *out, size_t n)
{
	char *host = NULL, *port = NULL;
	CURLU *u = curl_url();
	snprintf(out, n, "the server");
	if (!u)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
			snprintf(out, n, "%s:%s", host, port);
		else
			snprintf(out, n, "%s", host);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* Whether a transfer error may go away by trying again. */
static bool curl_code_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

/* Which limit a transfer that timed out hit, from how far it got, and how
 * long it ran. */
static void timeout_message(struct http *h, struct rq *r, const char *where, char *out, size_t n)
{
	char lim[32], ran[32];
	long connect = h->o.connect_timeout_ms, total = h->o.total_timeout_ms;

	snprintf(ran, sizeof(ran), "%.1f s", (double)(now_ms() - r->start_ms) / 1000.0);
	/* Never on a connection: curl gives up at the smaller limit. */
	if (r->sends == 0) {
		if (connect > 0 && (total <= 0 || connect < total)) {
			fmt_secs(connect, lim, sizeof(lim));
			snprintf(out, n, "could not connect to %s within the %s connect limit",
			         where, lim);
		} else {
			fmt_secs(total, lim, sizeof(lim));
			snprintf(out, n,
			         "could not connect to %s within the %s limit for a request", where,
			         lim);
		}
		return;
	}
	fmt_secs(total, lim, sizeof(lim));
	if (r->sink.take && r->answered)
		snprintf(out, n, "%s sent less than a byte a second for %s (ran %s)", where, lim,
		         ran);
	else if (!r->answered)
		snprintf(out, n, "no response from %s within the %s limit for a request (ran %s)",
		         where, lim, ran);
	else
		snprintf(out, n,
		         "the response from %s did not finish within the %s limit for a request "
		         "(ran %s)",
		         where, lim, ran);
}

/* A sentence about a failed transfer. */
static void network_message(struct http *h, struct rq *r, CURLcode rc, long os_errno, char *out,
                            size_t n)
{
	char where[200];
	const char *why = os_errno ? strerror((int)os_errno) : NULL;
	const char *detail = r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);

	url_hostport(r->url, where, sizeof(where));
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST: {
		char host[256];
		snprintf(host, sizeof(host), "%s", where);
		char *colon = strrchr(host, ':');
		if (colon && !strchr(colon, ']'))
			*colon = '\0';
		snprintf(out, n, "could not resolve host %s", host);
		break;
	}
	case CURLE_COULDNT_CONNECT:
		if (why)
			snprintf(out, n, "could not connect to %s (%s)", where, why);
		else
			snprintf(out, n, "could not connect to %s", where);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		timeout_message(h, r, where, out, n);
		break;
	case CURLE_PARTIAL_FILE:
		snprintf(out, n, "%s closed the connection before the whole response arrived",
		         where);
		break;
	case CURLE_GOT_NOTHING:
		snprintf(out, n, "%s closed the connection without a response", where);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(out, n, "TLS handshake with %s failed (%s)", where, detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(out, n, "could not verify the TLS certificate of %s (%s)", where, detail);
		break;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		snprintf(out, n, "connection to %s failed (%s)", where, why ? why : detail);
		break;
	default:
		snprintf(out, n, "request to %s failed (%s)", where, detail);
		break;
	}
}

/* A request that is not idempotent went out and no answer came back, or
 * one that was cut off (status: the one that came, 0 for none). */
static void unsure_outcome(struct http *h, struct rq *r, CURLcode rc, long status)
{
	char where[200], why[300], net[256];

	url_hostport(r->url, where, sizeof(where));
	if (status > 0) {
		network_message(h, r, rc, 0, net, sizeof(net));
		snprintf(why, sizeof(why), "%s (after HTTP %ld)", net, status);
	} else if (rc == CURLE_OPERATION_TIMEDOUT && !r->resend_refused)
		network_message(h, r, rc, 0, why, sizeof(why));
	else
		snprintf(why, sizeof(why),
		         "no answer from %s: the connection closed after the request was sent",
		         where);
	rq_reset_response(r);
	lb_error_set(&r->err, LB_UNSURE,
	             "%s, so it may or may not have been applied; check before trying again", why);
	list_push(h, r, RQ_DONE);
}

/* A server's header value for the log: terminal-safe, NULL when absent. */
static char *log_value(const char *raw)
{
	return raw[0] ? ts_sanitize(raw, strlen(raw)) : NULL;
}

/* Where the path begins in a URL: after "scheme://host[:port]". */
static const char *url_path(const char *url)
{
	const char *p = strstr(url, "://");

	p = p ? p + 3 : url;
	p += strcspn(p, "/?#");
	return p;
}

/* The first bytes of r's body for the log, unless they hold a secret. */
static void log_body(struct rq *r, struct reqlog_entry *e)
{
	size_t keep = r->body_len < REQLOG_BODY_MAX ? r->body_len : REQLOG_BODY_MAX;
	size_t masked_len;
	char *masked;

	e->body_total = r->body_len;
	if (!r->body || r->body_len == 0)
		return;
	if (r->secret_body) {
		e->body_secret = true;
		return;
	}
	masked = ts_mask(r->body, keep, &masked_len);
	if (masked || masked_len == (size_t)-1) {
		free(masked);
		e->body_secret = masked != NULL;
		return;
	}
	if ((e->body = malloc(keep + 1))) {
		memcpy(e->body, r->body, keep);
		e->body[keep] = '\0';
		e->body_len = keep;
	}
}

/* Log one attempt (the request log, and stderr with -v): never a request
 * header. what says why there is no status; retry_in is the delay before
 * the next attempt, -1 for none. */
static void log_attempt(struct http *h, struct rq *r, long status, const char *what, long retry_in)
{
	struct reqlog_entry e;
	size_t masked_len;

	memset(&e, 0, sizeof(e));
	e.at_s = r->start_s;
	e.method = r->method;
	/* A cursor in the URL comes from the server, which may echo a key. */
	e.url = ts_mask(r->url, strlen(r->url), &masked_len);
	if (!e.url && masked_len != (size_t)-1)
		e.url = strdup(r->url);
	if (!e.url)
		return;
	e.path = url_path(e.url);
	e.endpoint = r->endpoint;
	e.status = status;
	if (what || !status)
		e.failure = strdup(what ? what : "no answer");
	e.ms = now_ms() - r->start_ms;
	e.bytes = (long long)r->received;
	e.retry = r->attempts > 0 ? r->attempts - 1 : 0;
	e.retry_in_ms = retry_in;
	e.warn = log_value(r->warn);
	e.rate_limit = log_value(r->rate_limit);
	e.rate_remaining = log_value(r->rate_remaining);
	e.rate_reset = log_value(r->rate_reset);
	e.retry_after = log_value(r->retry_after);
	e.content_type = xstrdup(r->req_content_type);
	log_body(r, &e);
	if (h->o.verbose) {
		char *line = reqlog_line(&e);
		if (line)
			fprintf(stderr, "%s\n", line);
		free(line);
	}
	reqlog_add(h->log, &e);
}

/* A transfer of r ended with rc: retry it, or record the outcome. */
static void attempt_finished(struct http *h, struct rq *r, CURLcode rc)
{
	long status = 0, os_errno = 0;
	CURL *e = r->easy;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
	curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &r->received);
	list_del(h, r);
	rq_detach(h, r);

	if (r->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		char lim[32], where[200];
		fmt_size(h->o.max_response_bytes, lim, sizeof(lim));
		url_hostport(r->url, where, sizeof(where));
		log_attempt(h, r, status, "too large", -1);
		rq_reset_response(r);
		r->status = status;
		lb_error_set(&r->err, LB_TOO_LARGE,
		             "the response from %s is larger than the %s limit", where, lim);
		r->err.http_status = status;
		list_push(h, r, RQ_DONE);
		return;
	}
	if (r->bad_coding[0]) {
		char where[200], coding[sizeof(r->bad_coding)];
		url_hostport(r->url, where, sizeof(where));
		memcpy(coding, r->bad_coding, sizeof(coding));
		log_attempt(h, r, status, "refused encoding", -1);
		rq_reset_response(r);
		lb_error_set(&r->err, LB_DECODE,
		             "%s sent the response with the encoding '%s': lbtui reads at most one "
		             "layer of gzip or deflate here",
		             where, coding);
		list_push(h, r, RQ_DONE);
		return;
	}
	if (r->nomem) {
		log_attempt(h, r, status, "out of memory", -1);
		rq_fail(h, r, LB_NOMEM, "out of memory reading the response");
		return;
	}
	if (r->sink_stopped) {
		log_attempt(h, r, status, "stopped by the receiver", -1);
		rq_fail(h, r, LB_CANCELLED, "the rest of the response was not wanted");
		return;
	}

	if (rc == CURLE_OK) {
		long d = http_retry_delay(&h->o.retry, r->idempotent, r->attempts, status,
		                          r->retry_after[0] ? r->retry_after : NULL, next_rnd(h));
		log_attempt(h, r, status, NULL, d);
		if (d >= 0) {
			r->due_ms = now_ms() + d;
			list_push(h, r, RQ_WAITING);
			return;
		}
		r->status = status;
		lb_error_clear(&r->err);
		r->err.http_status = status;
		list_push(h, r, RQ_DONE);
		return;
	}

	/* Sent, and no answer: done or not, nobody can tell. Never sent again.
	 * An answer cut off says as little, unless it was a refusal (4xx): a
	 * 2xx was done, a 5xx may come from a proxy after the server acted. */
	if (!r->idempotent && r->sends > 0 && (status < 400 || status >= 500)) {
		log_attempt(
		    h, r, 0,
		    r->resend_refused ? "no answer; not sent again" : curl_easy_strerror(rc), -1);
		unsure_outcome(h, r, rc, status);
		return;
	}

	long d = -1;
	/* What went to the sink cannot be taken back: no second attempt. */
	if (curl_code_transient(rc) && r->streamed == 0)
		d = http_retry_delay(&h->o.retry, r->idempotent, r->attempts, 0, NULL, next_rnd(h));
	log_attempt(h, r, 0, curl_easy_strerror(rc), d);
	if (d >= 0) {
		r->due_ms = now_ms() + d;
		list_push(h, r, RQ_WAITING);
		return;
	}
	char msg[512];
	network_message(h, r, rc, os_errno, msg, sizeof(msg));
	rq_reset_response(r);
	if (r->streamed)
		lb_error_set(&r->err, LB_NETWORK, "%s after %zu bytes of the response", msg,
		             r->streamed);
	else if (r->attempts > 1)
		lb_error_set(&r->err, LB_NETWORK, "%s; gave up after %d attempts", msg,
		             r->attempts);
	else
		lb_error_set(&r->err, LB_NETWORK, "%s", msg);
	list_push(h, r, RQ_DONE);
}

/* ---- the event loop ---- */

/* How many pollfds http_pollfds may fill. */
int http_pollfds_max(const struct http *h)
{
	int n = h->nsocks + h->lists[RQ_RUNNING].n;

	for (const struct http_source *s = h->sources; s; s = s->next)
		n += s->max_fds;
	return n;
}

void http_add_source(struct http *h, struct http_source *s)
{
	s->next = h->sources;
	h->sources = s;
	h->nsources++;
}

void http_remove_source(struct http *h, struct http_source *s)
{
	for (struct http_source **p = &h->sources; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			s->next = NULL;
			h->nsources--;
			h->sources_gen++;
			return;
		}
}

int http_no_fds(void *ud, struct pollfd *fds, int max)
{
	(void)ud;
	(void)fds;
	(void)max;
	return 0;
}

static int timer_timeout(void *ud)
{
	const struct http_timer *t = ud;
	long long now = now_ms();

	if (t->due_ms < 0)
		return -1;
	return t->due_ms <= now ? 0 : (int)(t->due_ms - now);
}

static void timer_process(void *ud, const struct pollfd *fds, int nfds)
{
	struct http_timer *t = ud;

	(void)fds;
	(void)nfds;
	if (t->fire && t->due_ms >= 0 && now_ms() >= t->due_ms)
		t->fire(t->ud);
}

void http_timer_add(struct http *h, struct http_timer *t)
{
	if (t->h)
		return;
	t->source = (struct http_source){.pollfds = http_no_fds,
	                                 .timeout_ms = timer_timeout,
	                                 .process = timer_process,
	                                 .ud = t};
	t->h = h;
	http_add_source(h, &t->source);
}

void http_timer_remove(struct http_timer *t)
{
	if (!t->h)
		return;
	http_remove_source(t->h, &t->source);
	t->h = NULL;
}

int http_sources(const struct http *h)
{
	return h ? h->nsources : 0;
}

/* Each source once, its descriptors among fds; one may remove itself (or
 * another) while processing: the walk then starts again, skipping those
 * already done this pass. */
static void sources_process(struct http *h, const struct pollfd *fds, int nfds)
{
	struct http_source *done[64];
	int ndone = 0;

again:
	for (struct http_source *s = h->sources; s; s = s->next) {
		unsigned gen = h->sources_gen;
		bool seen = false;

		for (int i = 0; i < ndone; i++)
			seen |= done[i] == s;
		if (seen || ndone == 64)
			continue;
		done[ndone++] = s;
		s->process(s->ud, fds, nfds);
		if (gen != h->sources_gen)
			goto again;
	}
}

/* Fill up to max pollfds with curl's sockets and paused sinks' fds;
 * returns how many. */
int http_pollfds(struct http *h, struct pollfd *fds, int max)
{
	int n = 0;
	for (int i = 0; i < h->nsocks && n < max; i++) {
		fds[n].fd = h->socks[i].fd;
		fds[n].events = h->socks[i].events;
		fds[n].revents = 0;
		n++;
	}
	for (struct rq *r = h->lists[RQ_RUNNING].head; r && n < max; r = r->next) {
		if (!r->paused)
			continue;
		fds[n].fd = r->sink.wait_fd;
		fds[n].events = POLLOUT;
		fds[n].revents = 0;
		n++;
	}
	for (struct http_source *s = h->sources; s && n < max; s = s->next)
		n += s->pollfds(s->ud, fds + n, max - n);
	return n;
}

/* A paused sink's fd is ready: ask it whether to go on, and if so let
 * curl give it the piece it held back. */
static void sink_ready(struct http *h, struct rq *r)
{
	enum http_sink_rc rc = r->sink.drain ? r->sink.drain(r->sink.ud) : HTTP_SINK_TAKEN;
	if (rc == HTTP_SINK_PAUSE)
		return;
	r->paused = false;
	if (rc == HTTP_SINK_STOP) {
		r->sink_stopped = true;
		attempt_finished(h, r, CURLE_WRITE_ERROR);
		return;
	}
	CURLcode res = curl_easy_pause(r->easy, CURLPAUSE_CONT);
	if (res != CURLE_OK)
		attempt_finished(h, r, res);
}

static void sinks_ready(struct http *h, const struct pollfd *fds, int nfds)
{
	for (int i = 0; i < nfds; i++) {
		if (!fds[i].revents || sock_find(h, fds[i].fd))
			continue;
		struct rq *next;
		for (struct rq *r = h->lists[RQ_RUNNING].head; r; r = next) {
			next = r->next;
			if (r->paused && r->sink.wait_fd == fds[i].fd)
				sink_ready(h, r);
		}
	}
}

/* Milliseconds until something is due, -1 if nothing is. */
int http_timeout_ms(struct http *h)
{
	if (h->lists[RQ_DONE].n > 0 ||
	    (h->lists[RQ_QUEUED].n > 0 && h->lists[RQ_RUNNING].n < h->o.max_parallel))
		return 0;
	long long due = h->timer_due, now = now_ms();
	for (struct rq *r = h->lists[RQ_WAITING].head; r; r = r->next)
		if (due < 0 || r->due_ms < due)
			due = r->due_ms;
	for (struct http_source *s = h->sources; s; s = s->next) {
		int t = s->timeout_ms(s->ud);

		if (t >= 0 && (due < 0 || now + t < due))
			due = now + t;
	}
	if (due < 0)
		return -1;
	long long d = due - now;
	if (d < 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

/* Move retries whose time has come to the front of the queue, oldest first. */
static void retries_due(struct http *h)
{
	long long now = now_ms();
	struct rq *r = h->lists[RQ_WAITING].tail;
	while (r) {
		struct rq *prev = r->prev;
		if (r->due_ms <= now) {
			list_del(h, r);
			list_push_front(h, r, RQ_QUEUED);
		}
		r = prev;
	}
}

/* Handle ready sockets and timers, start and finish requests, call back. */
void http_process(struct http *h, const struct pollfd *fds, int nfds)
{
	int running;

	for (int i = 0; i < nfds; i++) {
		short re = fds[i].revents;
		if (!re || !sock_find(h, fds[i].fd))
			continue;
		int ev = 0;
		if (re & (POLLIN | POLLHUP))
			ev |= CURL_CSELECT_IN;
		if (re & POLLOUT)
			ev |= CURL_CSELECT_OUT;
		if (re & (POLLERR | POLLNVAL))
			ev |= CURL_CSELECT_ERR;
		curl_multi_socket_action(h->multi, fds[i].fd, ev, &running);
	}
	sinks_ready(h, fds, nfds);
	if (h->timer_due >= 0 && now_ms() >= h->timer_due) {
		h->timer_due = -1;
		curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}

	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode rc = m->data.result;
		char *priv = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
		if (priv)
			attempt_finished(h, (struct rq *)(void *)priv, rc);
	}

	retries_due(h);
	pump(h);
	sources_process(h, fds, nfds);

	/* Callbacks last: they may submit and cancel; each is popped first. */
	struct rq *r;
	while ((r = h->lists[RQ_DONE].head)) {
		list_del(h, r);
		rq_deliver(h, r);
	}
}

/* Block in poll() on the client's own sockets for at most max_ms (no limit
 * when negative) and process what is ready; returns at once when nothing is
 * in flight. */
void http_wait(struct http *h, int max_ms)
{
	if (!h || (h->in_flight == 0 && h->nsources == 0))
		return;
	int n = http_pollfds_max(h);
	struct pollfd one[16];
	struct pollfd *fds = n <= 16 ? one : malloc((size_t)n * sizeof(*fds));
	if (!fds) {
		fds = one;
		n = 16;
	}
	n = http_pollfds(h, fds, n);
	int t = http_timeout_ms(h);
	if (max_ms >= 0 && (t < 0 || t > max_ms))
		t = max_ms;
	if (poll(fds, (nfds_t)n, t) < 0 && errno != EINTR)
		n = 0;
	http_process(h, fds, n);
	if (fds != one)
		free(fds);
}
