#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"
#include "files.h"
#include "model_storage.h"
#include "util.h"

/* Files for commands: what a command reads (@FILE, - for stdin in batch
 * mode) and what it downloads into a file. */

/* A file named on the command line; "-" (stdin) only in batch mode, as the
 * TUI owns the terminal. */
bool cmd_read_input(struct cmd_ctx *c, const char *path, char **data, size_t *len,
                    struct lb_error *err)
{
	if (c->host.interactive && !strcmp(path, "-")) {
		*data = NULL;
		*len = 0;
		lb_error_set(err, LB_USAGE, "- (stdin) works only with -e; give a file name");
		return false;
	}
	return file_read(path, c->stop, data, len, err);
}

/* A download to a file: ydoc export, versions export. */
struct cmd_download {
	struct cmd_ctx *c;
	char *file;
	char *what;
	bool force;
};

static void download_free(struct cmd_download *d)
{
	free(d->file);
	free(d->what);
	free(d);
}

struct cmd_download *cmd_download_new(struct cmd_ctx *c, const char *file, bool force,
                                      const char *fmt, ...)
{
	struct cmd_download *d = calloc(1, sizeof(*d));
	char what[1024];
	va_list ap;

	if (!d)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	d->c = c;
	d->force = force;
	d->file = strdup(file);
	d->what = strdup(what);
	if (!d->file || !d->what) {
		download_free(d);
		return NULL;
	}
	return d;
}

void cmd_download_done(const struct storage_result *res, void *ud)
{
	struct cmd_download *d = ud;
	struct cmd_ctx *c = d->c;
	struct lb_error err = res->err;

	if (err.status == LB_OK && file_write(d->file, res->body ? res->body : "",
	                                      res->body ? res->body_len : 0, d->force, &err)) {
		char size[32];
		format_size(res->body_len, size, sizeof(size));
		cmd_sayf(c, "exported %s to %s (%s)", d->what, d->file, size);
	}
	download_free(d);
	cmd_finish(c, &err);
}
