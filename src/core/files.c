#include "lbconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "util.h"

/* What a file named with @ may be: a regular file no larger than the
 * limit (its size is known before a byte is read), a pipe, a socket or a
 * terminal (read until the limit is passed, not further). A device such
 * as /dev/zero never ends: refused before reading. */
static bool readable_kind(int fd, const char *path, const struct stat *st, struct lb_error *err)
{
	char size[32];

	if (S_ISDIR(st->st_mode)) {
		lb_error_set(err, LB_USAGE, "%s is a directory: give a file name", path);
		return false;
	}
	if (S_ISREG(st->st_mode) && (unsigned long long)st->st_size > FILE_MAX_BYTES) {
		format_size((size_t)st->st_size, size, sizeof(size));
		lb_error_set(err, LB_USAGE, "%s is too large (%s; at most 512 MiB)", path, size);
		return false;
	}
	if ((S_ISCHR(st->st_mode) && !isatty(fd)) || S_ISBLK(st->st_mode)) {
		lb_error_set(err, LB_USAGE, "%s is a device, not a file: give a file, a pipe or -",
		             path);
		return false;
	}
	return true;
}

bool fd_ready(const volatile sig_atomic_t *stop, int fd, short events)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};

		if (stop && *stop) {
			errno = EINTR;
			return false;
		}
		int rc = poll(&pfd, 1, 250);
		if (rc > 0 || (rc < 0 && errno != EINTR))
			return true;
	}
}

bool file_read(const char *path, const volatile sig_atomic_t *stop, char **data, size_t *len,
               struct lb_error *err)
{
	bool is_stdin = !strcmp(path, "-");
	int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	struct buf b;
	char chunk[65536];

	*data = NULL;
	*len = 0;
	if (fd < 0 || fstat(fd, &st) != 0) {
		lb_error_set(err, LB_USAGE, "cannot read %s: %s", path, strerror(errno));
		if (fd >= 0 && !is_stdin)
			close(fd);
		return false;
	}
	buf_init(&b);
	if (!readable_kind(fd, path, &st, err))
		goto fail;
	for (;;) {
		if (!fd_ready(stop, fd, POLLIN)) {
			lb_error_set(err, LB_CANCELLED,
			             "interrupted while reading %s: nothing was sent", path);
			goto fail;
		}
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lb_error_set(err, LB_USAGE, "cannot read %s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		if (b.len + (size_t)n > FILE_MAX_BYTES) {
			lb_error_set(err, LB_USAGE, "%s is too large (more than 512 MiB)", path);
			goto fail;
		}
		if (!buf_add(&b, chunk, (size_t)n)) {
			lb_error_set(err, LB_NOMEM, "out of memory reading %s", path);
			goto fail;
		}
	}
	if (!is_stdin)
		close(fd);
	*len = b.len;
	*data = buf_steal(&b);
	if (!*data) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
fail:
	if (!is_stdin)
		close(fd);
	buf_free(&b);
	return false;
}

bool file_check_writable(const char *path, bool force, struct lb_error *err)
{
	struct stat st;

	if (!*path) {
		lb_error_set(err, LB_USAGE, "FILE must not be empty");
		return false;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			lb_error_set(err, LB_USAGE, "%s is a directory: give a file name", path);
			return false;
		}
		if (!force) {
			lb_error_set(err, LB_USAGE, "%s exists: add --force to overwrite it", path);
			return false;
		}
	}
	return true;
}

bool fd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return false;
		}
		p += w;
		len -= (size_t)w;
	}
	return true;
}

bool file_write(const char *path, const void *data, size_t len, bool force, struct lb_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0666);

	if (fd < 0) {
		if (errno == EEXIST)
			lb_error_set(err, LB_USAGE, "%s exists: add --force to overwrite it", path);
		else
			lb_error_set(err, LB_USAGE, "cannot write %s: %s", path, strerror(errno));
		return false;
	}
	if (!fd_write_all(fd, data, len)) {
		lb_error_set(err, LB_USAGE, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	if (close(fd) != 0) {
		lb_error_set(err, LB_USAGE, "cannot write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}
