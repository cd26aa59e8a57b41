#include "lbconfig.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "out.h"
#include "term_safe.h"
#include "util.h"

void out_json_text(FILE *f, const char *s, size_t len)
{
	size_t safe_len = 0;
	char *safe = isatty(fileno(f)) ? ts_json(s, len, &safe_len) : ts_mask(s, len, &safe_len);

	if (!safe && safe_len == (size_t)-1)
		return; /* out of memory: nothing unmasked goes out */
	if (safe) {
		s = safe;
		len = safe_len;
	}
	fwrite(s, 1, len, f);
	if (len == 0 || s[len - 1] != '\n')
		fputc('\n', f);
	fflush(f);
	free(safe);
}

struct out_stream {
	FILE *f;
	int fd;
	bool careful;       /* a pipe or a socket */
	struct buf pending; /* careful: bytes its reader has not taken yet ... */
	size_t sent;        /* ... of which the first `sent` are written */
	int err;            /* the first write error, 0 when none */
};

struct out_stream *out_stream_open(FILE *f)
{
	struct out_stream *o = calloc(1, sizeof(*o));
	struct stat st;

	if (!o)
		return NULL;
	o->f = f;
	o->fd = fileno(f);
	o->careful = fstat(o->fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	buf_init(&o->pending);
	fflush(f);
	return o;
}

/* Write from *p what fd takes without waiting (a pipe that poll() calls
 * writable takes PIPE_BUF bytes). False with errno on a write error. */
static bool write_ready(int fd, const char **p, size_t *len)
{
	while (*len > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int rc = poll(&pfd, 1, 0);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return true;
		ssize_t w = write(fd, *p, *len < PIPE_BUF ? *len : PIPE_BUF);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return false;
		*p += w;
		*len -= (size_t)w;
	}
	return true;
}

static size_t held(const struct out_stream *o)
{
	return o->pending.len - o->sent;
}

bool out_stream_flush(struct out_stream *o)
{
	const char *q = o->pending.data + o->sent;
	size_t left = held(o);

	if (o->err)
		return false;
	if (left && !write_ready(o->fd, &q, &left)) {
		o->err = errno;
		return false;
	}
	o->sent = o->pending.len - left;
	if (!left)
		o->pending.len = o->sent = 0;
	return true;
}

/* Keep len bytes for the reader, reusing the room of what it took before
 * touching memory past what OUT_STREAM_HOLD needs (pages once touched
 * stay). */
static bool hold(struct out_stream *o, const char *p, size_t len)
{
	if (o->sent && o->pending.len + len > OUT_STREAM_HOLD + ((size_t)64 << 10)) {
		memmove(o->pending.data, o->pending.data + o->sent, held(o));
		o->pending.len -= o->sent;
		o->sent = 0;
	}
	if (!buf_add(&o->pending, p, len)) {
		o->err = ENOMEM;
		return false;
	}
	return true;
}

bool out_stream_write(struct out_stream *o, const char *p, size_t len)
{
	if (o->err)
		return false;
	if (!len)
		return true;
	if (!o->careful) {
		if (fwrite(p, 1, len, o->f) != len) {
			o->err = errno ? errno : EIO;
			return false;
		}
		return true;
	}
	if (!held(o) && !write_ready(o->fd, &p, &len)) {
		o->err = errno;
		return false;
	}
	return !len || hold(o, p, len);
}

bool out_stream_full(const struct out_stream *o)
{
	return held(o) >= OUT_STREAM_HOLD;
}

bool out_stream_caught_up(const struct out_stream *o)
{
	return held(o) <= OUT_STREAM_RESUME;
}

int out_stream_fd(const struct out_stream *o)
{
	return o->fd;
}

int out_stream_error(const struct out_stream *o)
{
	return o->err;
}

int out_stream_close(struct out_stream **po, bool finish, const volatile sig_atomic_t *stop)
{
	struct out_stream *o = *po;
	int err;

	if (!o)
		return 0;
	*po = NULL;
	while (finish && !o->err && held(o)) {
		if (!fd_ready(stop, o->fd, POLLOUT))
			o->err = EINTR;
		else
			out_stream_flush(o);
	}
	if (fflush(o->f) == EOF && !o->err)
		o->err = errno ? errno : EIO;
	err = o->err;
	buf_free(&o->pending);
	free(o);
	return err;
}
