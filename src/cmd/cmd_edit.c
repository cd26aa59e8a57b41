#include "lbconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "cmd_impl.h"
#include "files.h"
#include "kept.h"
#include "term_safe.h"
#include "utf8.h"
#include "util.h"

/* Values from the command line, a file (@FILE, @-) or $EDITOR (--edit):
 * checked to be JSON before anything is sent, and what was written in
 * the editor kept in a file until it is applied. */

/* Say first in err that what was written in $EDITOR is in the file at
 * path, and how to give it again. */
void cmd_edited_saved_in(const char *path, struct lb_error *err)
{
	char *arg = malloc(strlen(path) + 2);
	char *q = NULL;

	if (arg) {
		arg[0] = '@';
		strcpy(arg + 1, path);
		q = cmd_quote(arg);
	}
	lb_error_prefix(err, "what you wrote was saved (give it again as %s)", q ? q : path);
	free(q);
	free(arg);
}

/* What was written in $EDITOR did not make it to the server: keep it, and
 * say first in err where, and how to use it again. */
void cmd_keep_edited(const char *text, const char *room, struct lb_error *err)
{
	struct lb_error why;
	char *path;

	if (!text || !*text)
		return;
	path = kept_save("edit", room, text, strlen(text), &why);
	if (path) {
		cmd_edited_saved_in(path, err);
		free(path);
	} else {
		lb_error_prefix(err, "what you wrote could not be saved (%s)", why.message);
	}
}

/* Check that text is one JSON value; the message names where it breaks. */
static bool check_json(const char *text, size_t len, const char *what, struct lb_error *err)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	const char *stop = end ? end : text;

	if (j) {
		cJSON_Delete(j);
		while (stop < text + len && strchr(" \t\r\n", *stop))
			stop++;
		if (stop >= text + len)
			return true;
	}
	if (stop > text + len)
		stop = text + len;
	int line = 1, col = 1;
	for (const char *p = text; p < stop; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else if (!utf8_is_continuation((unsigned char)*p)) {
			col++;
		}
	}
	if (len == 0 || stop == text + len)
		lb_error_set(err, LB_USAGE,
		             "%s is not valid JSON: it ends too early (line %d, column %d)", what,
		             line, col);
	else if (j)
		lb_error_set(err, LB_USAGE,
		             "%s is not valid JSON: unexpected text after the value at "
		             "line %d, column %d",
		             what, line, col);
	else
		lb_error_set(err, LB_USAGE, "%s is not valid JSON: error at line %d, column %d",
		             what, line, col);
	return false;
}

bool cmd_edit_external(const char *initial, char **out, struct lb_error *err)
{
	const char *tmpdir = getenv("TMPDIR");
	char path[4096];
	struct sigaction ign, old_int, old_quit;
	int status = 0;

	*out = NULL;
	if (!tmpdir || !*tmpdir)
		tmpdir = "/tmp";
	snprintf(path, sizeof(path), "%s/lbtui-edit-XXXXXX.json", tmpdir);
	int fd = mkstemps(path, 5);
	if (fd < 0) {
		lb_error_set(err, LB_CONFIG, "cannot create a file for the editor in %s: %s",
		             tmpdir, strerror(errno));
		return false;
	}
	if (!fd_write_all(fd, initial, strlen(initial))) {
		lb_error_set(err, LB_CONFIG, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return false;
	}
	close(fd);

	const char *editor = getenv("VISUAL");
	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	char *qpath = cmd_quote(path);
	struct buf line;
	buf_init(&line);
	if (!qpath || !buf_printf(&line, "%s %s", editor, qpath)) {
		free(qpath);
		buf_free(&line);
		unlink(path);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	free(qpath);

	/* As system(3): the editor gets ^C, lbtui waits. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execl("/bin/sh", "sh", "-c", line.data, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *safe = ts_sanitize(editor, (size_t)-1);
		if (pid < 0)
			lb_error_set(err, LB_CONFIG, "cannot start the editor: %s",
			             strerror(errno));
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			lb_error_set(err, LB_CONFIG, "cannot run the editor '%s' (set $EDITOR)",
			             safe ? safe : "");
		else
			lb_error_set(err, LB_CANCELLED, "the editor '%s' failed; nothing changed",
			             safe ? safe : "");
		free(safe);
		buf_free(&line);
		unlink(path);
		return false;
	}
	buf_free(&line);
	size_t len;
	bool ok = file_read(path, NULL, out, &len, err);
	unlink(path);
	return ok;
}

/* Where a JSON value comes from: the argument (JSON, @FILE, @-), or the
 * editor (--edit) starting from initial. *out is malloc'd. */
bool cmd_value_text(struct cmd_ctx *c, const char *arg, bool edit, const char *initial,
                    const char *what, const char *room, char **out, struct lb_error *err)
{
	size_t len;

	*out = NULL;
	if (edit) {
		bool ok;
		if (c->host.edit_text)
			ok = c->host.edit_text(c->host.ud, initial, out, err);
		else {
			lb_error_set(err, LB_USAGE,
			             "--edit needs a terminal: give %s on the command "
			             "line or as @FILE",
			             what);
			return false;
		}
		if (!ok)
			return false;
		len = strlen(*out);
	} else if (arg[0] == '@') {
		if (!cmd_read_input(c, arg + 1, out, &len, err))
			return false;
	} else {
		*out = strdup(arg);
		if (!*out) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		len = strlen(*out);
	}
	const char *p = *out;
	while (*p && strchr(" \t\r\n", *p))
		p++;
	if (!*p) {
		free(*out);
		*out = NULL;
		lb_error_set(err, edit ? LB_CANCELLED : LB_USAGE, "%s is empty%s", what,
		             edit ? "; nothing changed" : "");
		return false;
	}
	if (!check_json(*out, len, what, err)) {
		/* The command line splits like a shell: {"x":1} loses its quotes. */
		if (!edit && arg[0] != '@') {
			size_t n = strlen(err->message);
			snprintf(err->message + n, sizeof(err->message) - n, "%s",
			         " (put JSON in single quotes: '{\"x\":1}', '\"text\"')");
		}
		if (edit)
			cmd_keep_edited(*out, room, err);
		free(*out);
		*out = NULL;
		return false;
	}
	return true;
}
