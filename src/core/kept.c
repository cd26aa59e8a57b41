#include "lbconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "files.h"
#include "kept.h"
#include "util.h"

/* Write all of data to the new file fd and flush it to disk. */
static bool write_synced(int fd, const char *data, size_t len)
{
	return fd_write_all(fd, data, len) && fsync(fd) == 0;
}

/* A new file in dir named BASE.EXT, or BASE-2.EXT ... when taken.
 * Returns the path (caller frees), or NULL with err. */
static char *save_new_file(const char *dir, const char *base, const char *ext, const void *data,
                           size_t len, struct lb_error *err)
{
	for (int n = 1; n < 100; n++) {
		struct buf path;

		buf_init(&path);
		if (n == 1)
			buf_printf(&path, "%s/%s.%s", dir, base, ext);
		else
			buf_printf(&path, "%s/%s-%d.%s", dir, base, n, ext);
		if (!path.data) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return NULL;
		}
		int fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST) {
			buf_free(&path);
			continue;
		}
		if (fd < 0) {
			lb_error_set(err, LB_CONFIG, "cannot create %s: %s", path.data,
			             strerror(errno));
			buf_free(&path);
			return NULL;
		}
		bool ok = write_synced(fd, data, len);
		int e = errno;
		if (close(fd) != 0 && ok) {
			ok = false;
			e = errno;
		}
		if (!ok) {
			lb_error_set(err, LB_CONFIG, "cannot write %s: %s", path.data, strerror(e));
			unlink(path.data);
			buf_free(&path);
			return NULL;
		}
		return buf_steal(&path);
	}
	lb_error_set(err, LB_CONFIG, "%s/%s.%s and 98 more names are taken", dir, base, ext);
	return NULL;
}

char *kept_save(const char *kind, const char *room, const void *data, size_t len,
                struct lb_error *err)
{
	return kept_save_as(kind, room, "json", data, len, err);
}

char *kept_save_as(const char *kind, const char *room, const char *ext, const void *data,
                   size_t len, struct lb_error *err)
{
	char name[128], stamp[32], base[256];
	size_t k = 0;
	time_t now = time(NULL);
	struct tm tm;

	for (const char *p = room; *p && k < 64; p++)
		name[k++] = (strchr("._-", *p) || (*p >= '0' && *p <= '9') ||
		             (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		                ? *p
		                : '_';
	name[k] = '\0';
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime_r(&now, &tm));
	snprintf(base, sizeof(base), "%s-%s-%s", kind, name, stamp);

	char *dir = config_state_dir();
	char *path = NULL;
	if (!dir)
		lb_error_set(err, LB_CONFIG, "no state directory: set HOME or XDG_STATE_HOME");
	else if (config_make_dir(dir, err))
		path = save_new_file(dir, base, ext, data, len, err);
	free(dir);
	if (!path) {
		const char *tmp = getenv("TMPDIR");
		struct lb_error ignored;
		path = save_new_file(tmp && *tmp ? tmp : "/tmp", base, ext, data, len, &ignored);
	}
	return path;
}
