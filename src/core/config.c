#include "lbconfig.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "config.h"
#include "strv.h"
#include "term_safe.h"
#include "util.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define SECRET_MAX_BYTES 4096

/* Overwrite memory that held a secret; the volatile store keeps the
 * compiler from dropping it. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

static void free_secret(char **s)
{
	if (*s) {
		wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* Replace *dst with a copy of src (NULL allowed); false when out of memory. */
static bool set_str(char **dst, const char *src)
{
	char *c = NULL;

	if (src && !(c = strdup(src)))
		return false;
	free(*dst);
	*dst = c;
	return true;
}

static void bindings_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_bindings; i++) {
		free(cfg->bindings[i].view);
		free(cfg->bindings[i].key);
		free(cfg->bindings[i].action);
	}
	free(cfg->bindings);
	cfg->bindings = NULL;
	cfg->n_bindings = 0;
}

/* Free every member (wiping the secret); cfg becomes empty. */
void config_clear(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->profile);
	free_secret(&cfg->secret);
	free(cfg->secret_source);
	free(cfg->base_url);
	free(cfg->theme);
	free(cfg->config_path);
	free(cfg->state_dir);
	free(cfg->history_path);
	bindings_free(cfg);
	free(cfg->secret_command);
	free(cfg->user);
	free(cfg->watch_user);
	memset(cfg, 0, sizeof(*cfg));
}

/* The user's home directory, from HOME or the password database. */
static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && *h == '/')
		return h;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : NULL;
}

/* $VAR/lbtui when VAR is an absolute path (the XDG rule), else
 * $HOME/fallback/lbtui. */
static char *xdg_dir(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	const char *home;
	struct buf b;

	buf_init(&b);
	if (v && *v == '/') {
		if (!buf_printf(&b, "%s/lbtui", v))
			goto fail;
	} else {
		home = home_dir();
		if (!home || !buf_printf(&b, "%s/%s/lbtui", home, fallback))
			goto fail;
	}
	return buf_steal(&b);
fail:
	buf_free(&b);
	return NULL;
}

/* $XDG_CONFIG_HOME/lbtui (default ~/.config/lbtui). Caller frees. */
char *config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config");
}

/* $XDG_STATE_HOME/lbtui (default ~/.local/state/lbtui). Caller frees. */
char *config_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

/* Create cfg->state_dir and its parents (mode 700) if missing. */
bool config_ensure_state_dir(const struct config *cfg, struct lb_error *err)
{
	if (!cfg->state_dir) {
		lb_error_set(err, LB_CONFIG, "no state directory: set HOME or XDG_STATE_HOME");
		return false;
	}
	return config_make_dir(cfg->state_dir, err);
}

/* mkdir -p with mode 700. */
bool config_make_dir(const char *dir, struct lb_error *err)
{
	char *path;
	struct stat st;

	path = strdup(dir);
	if (!path) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	for (char *p = path + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			lb_error_set(err, LB_CONFIG, "cannot create %s: %s", path, strerror(errno));
			free(path);
			return false;
		}
		if (last)
			break;
		*p = '/';
	}
	free(path);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		lb_error_set(err, LB_CONFIG, "%s is not a directory", dir);
		return false;
	}
	return true;
}

/* path with $HOME shown as "~", for messages. */
static void display_path(const char *path, char *out, size_t n)
{
	const char *home = home_dir();
	size_t hl = home ? strlen(home) : 0;

	if (hl > 1 && strncmp(path, home, hl) == 0 && path[hl] == '/')
		snprintf(out, n, "~%s", path + hl);
	else
		snprintf(out, n, "%s", path);
}

/* The permission rule on an already obtained stat. */
static bool check_mode(const char *path, const struct stat *st, struct lb_error *err)
{
	char shown[512];

	display_path(path, shown, sizeof(shown));
	if (!S_ISREG(st->st_mode)) {
		lb_error_set(err, LB_CONFIG, "%s is not a regular file", shown);
		return false;
	}
	if (st->st_mode & 077) {
		lb_error_set(err, LB_CONFIG, "%s is %s by others; run: chmod 600 %s", shown,
		             (st->st_mode & 044) ? "readable" : "writable", path);
		return false;
	}
	return true;
}

/* The directory holding the config file, refused as ssh refuses one
 * (StrictModes) when group or others may write to it: they could put a
 * config of their own in its place, with a secret_command of their own. */
static bool check_dir_mode(const char *path, struct lb_error *err)
{
	char *dir = strdup(path);
	char shown[512];
	struct stat st;
	bool ok = true;

	if (!dir) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		strcpy(dir, ".");
	display_path(dir, shown, sizeof(shown));
	if (stat(dir, &st) != 0) {
		lb_error_set(err, LB_CONFIG, "cannot read %s: %s", shown, strerror(errno));
		ok = false;
	} else if (st.st_mode & 022) {
		lb_error_set(err, LB_CONFIG,
		             "%s is writable by %s, who could replace the config in it; run: "
		             "chmod go-w %s",
		             shown, (st.st_mode & 002) ? "others" : "its group", dir);
		ok = false;
	} else if (st.st_uid != geteuid() && st.st_uid != 0) {
		lb_error_set(err, LB_CONFIG,
		             "%s belongs to another user; the config must be in a "
		             "directory of yours",
		             shown);
		ok = false;
	}
	free(dir);
	return ok;
}

/* Refuse a config file readable or writable by group or others. */
bool config_check_permissions(const char *path, struct lb_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		lb_error_set(err, LB_CONFIG, "cannot read %s: %s", path, strerror(errno));
		return false;
	}
	return check_mode(path, &st, err) && check_dir_mode(path, err);
}

/* ---- base URL ---- */

/* A dotted quad of decimal numbers 0..255 in 127.0.0.0/8, with no leading
 * zeros: curl reads "010" as octal, and takes "08" for a host name to look
 * up. */
static bool is_loopback_v4(const char *h, size_t len)
{
	int parts = 0;
	size_t i = 0;
	int first = -1;

	while (i < len) {
		int v = 0, digits = 0;

		if (h[i] == '0' && i + 1 < len && isdigit((unsigned char)h[i + 1]))
			return false;
		while (i < len && isdigit((unsigned char)h[i])) {
			v = v * 10 + (h[i] - '0');
			if (++digits > 3)
				return false;
			i++;
		}
		if (digits == 0 || v > 255)
			return false;
		if (parts == 0)
			first = v;
		parts++;
		if (i < len) {
			if (h[i] != '.' || parts == 4)
				return false;
			i++;
			if (i == len)
				return false;
		}
	}
	return parts == 4 && first == 127;
}

/* An IPv6 literal (between brackets) equal to ::1. */
static bool is_loopback_v6(const char *h, size_t len)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;

	if (len == 0 || len >= sizeof(tmp))
		return false;
	memcpy(tmp, h, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1)
		return false;
	return memcmp(&a, &in6addr_loopback, sizeof(a)) == 0;
}

static bool host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

/* Accept https:// anywhere and http:// only to loopback. out gets a copy
 * without trailing slashes (malloc'd). */
bool config_check_base_url(const char *url, char **out, struct lb_error *err)
{
	const char *p, *auth, *auth_end, *host, *host_end, *port;
	bool https;
	size_t len;

	if (out)
		*out = NULL;
	if (!url || !*url) {
		lb_error_set(err, LB_CONFIG, "the base URL is empty");
		return false;
	}
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			lb_error_set(
			    err, LB_CONFIG,
			    "the base URL contains a blank, control or non-ASCII character");
			return false;
		}
	}
	if (strncasecmp(url, "https://", 8) == 0) {
		https = true;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = false;
		auth = url + 7;
	} else {
		lb_error_set(err, LB_CONFIG,
		             "the base URL must start with https:// (or http:// for localhost)");
		return false;
	}
	auth_end = auth + strcspn(auth, "/?#");
	if (*auth_end == '?' || *auth_end == '#' || strpbrk(auth_end, "?#")) {
		lb_error_set(err, LB_CONFIG, "the base URL must not have a query or fragment");
		return false;
	}
	if (memchr(auth, '@', (size_t)(auth_end - auth))) {
		lb_error_set(err, LB_CONFIG,
		             "the base URL must not contain a user name or password");
		return false;
	}
	host = auth;
	if (*host == '[') {
		host++;
		host_end = memchr(host, ']', (size_t)(auth_end - host));
		if (!host_end) {
			lb_error_set(err, LB_CONFIG,
			             "the base URL has an unterminated [IPv6] host");
			return false;
		}
		port = host_end + 1;
		for (const char *c = host; c < host_end; c++) {
			if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.') {
				lb_error_set(err, LB_CONFIG,
				             "the base URL has an invalid [IPv6] host");
				return false;
			}
		}
	} else {
		host_end = memchr(host, ':', (size_t)(auth_end - host));
		if (!host_end)
			host_end = auth_end;
		port = host_end;
		for (const char *c = host; c < host_end; c++) {
			if (!host_char_ok(*c)) {
				lb_error_set(err, LB_CONFIG,
				             "the base URL has an invalid host name");
				return false;
			}
		}
	}
	if (host_end == host) {
		lb_error_set(err, LB_CONFIG, "the base URL has no host");
		return false;
	}
	if (port < auth_end) {
		long v = 0;

		if (*port != ':' || port + 1 == auth_end) {
			lb_error_set(err, LB_CONFIG, "the base URL has an invalid port");
			return false;
		}
		for (const char *c = port + 1; c < auth_end; c++) {
			if (!isdigit((unsigned char)*c) || (v = v * 10 + (*c - '0')) > 65535) {
				lb_error_set(err, LB_CONFIG, "the base URL has an invalid port");
				return false;
			}
		}
		if (v == 0) {
			lb_error_set(err, LB_CONFIG, "the base URL has an invalid port");
			return false;
		}
	}
	if (!https) {
		size_t hl = (size_t)(host_end - host);
		bool loop;

		if (auth[0] == '[')
			loop = is_loopback_v6(host, hl);
		else
			loop = (hl == 9 && strncasecmp(host, "localhost", 9) == 0) ||
			       is_loopback_v4(host, hl);
		if (!loop) {
			lb_error_set(err, LB_CONFIG,
			             "plain http:// is only allowed to localhost, 127.0.0.0/8 or "
			             "[::1]; use https://");
			return false;
		}
	}
	len = strlen(url);
	while (len > (size_t)(auth_end - url) && url[len - 1] == '/')
		len--;
	if (out) {
		*out = strndup(url, len);
		if (!*out) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
	}
	return true;
}

/* ---- secrets ---- */

/* "sk_prod_…a1b2": the kind prefix, an ellipsis and the last four
 * characters, shown only when at least eight more stay hidden (the form
 * the terminal-safe layer masks secrets with). */
void config_mask_secret(const char *secret, char *out, size_t n)
{
	char form[TS_MASK_MAX];

	if (!out || n == 0)
		return;
	if (!secret || !*secret) {
		snprintf(out, n, "(none)");
		return;
	}
	ts_mask_key(secret, strlen(secret), true, form);
	snprintf(out, n, "%s", form);
}

/* The terminal's foreground process group while a secret_command runs:
 * the command may ask for a passphrase, and in a process group of its own
 * it could not read the terminal unless it is the foreground one. */
struct terminal_handover {
	bool given;
	pid_t ours;
};

static void terminal_give(struct terminal_handover *t, pid_t pgid)
{
	sigset_t block, old;

	t->given = false;
	t->ours = getpgrp();
	if (!isatty(STDIN_FILENO) || tcgetpgrp(STDIN_FILENO) != t->ours)
		return;
	/* A process group that is not the terminal's foreground one gets
	 * SIGTTOU for tcsetpgrp unless it is blocked. */
	sigemptyset(&block);
	sigaddset(&block, SIGTTOU);
	sigprocmask(SIG_BLOCK, &block, &old);
	t->given = tcsetpgrp(STDIN_FILENO, pgid) == 0;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void terminal_take_back(struct terminal_handover *t)
{
	sigset_t block, old;

	if (!t->given)
		return;
	sigemptyset(&block);
	sigaddset(&block, SIGTTOU);
	sigprocmask(SIG_BLOCK, &block, &old);
	tcsetpgrp(STDIN_FILENO, t->ours);
	sigprocmask(SIG_SETMASK, &old, NULL);
	t->given = false;
}

/* In the child: /bin/sh -c command, its output into fd, in a process group
 * of its own (so that a timeout stops whatever it started), with the
 * signals lbtui ignores back to their defaults. */
static void exec_secret_command(const char *command, int fd)
{
	static const int sigs[] = {SIGPIPE, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};

	setpgid(0, 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	if (fd != STDOUT_FILENO) {
		dup2(fd, STDOUT_FILENO);
		close(fd);
	}
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	_exit(127);
}

/* Read the command's output (at most SECRET_MAX_BYTES kept, the rest read
 * and dropped so that it never dies of a broken pipe) until it closes it or
 * the deadline passes. */
static bool read_secret_output(int fd, char *out, size_t *len, bool *too_long, long long deadline)
{
	char chunk[512];

	for (;;) {
		long long left = deadline - now_ms();
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if (left <= 0)
			return false;
		int rc = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return rc == 0 ? false : true;
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		size_t take = (size_t)n;
		if (*len + take > SECRET_MAX_BYTES) {
			take = SECRET_MAX_BYTES - *len;
			*too_long = true;
		}
		memcpy(out + *len, chunk, take);
		*len += take;
	}
	wipe(chunk, sizeof(chunk));
	return true;
}

/* Wait for pid until the deadline; false when it is still running. */
static bool wait_until(pid_t pid, int *status, long long deadline)
{
	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR) {
			*status = -1;
			return true;
		}
		if (now_ms() >= deadline)
			return false;
		poll(NULL, 0, 10);
	}
}

/* Run a secret_command through /bin/sh; the key is its first line, trimmed.
 * The output never appears in an error. Caller frees. */
char *config_run_secret_command(const char *command, int timeout_s, struct lb_error *err)
{
	struct terminal_handover term;
	char *out = NULL, *line, *end;
	size_t len = 0, n;
	bool too_long = false, finished;
	int status = 0, pfd[2];

	if (!command || !*command) {
		lb_error_set(err, LB_CONFIG, "secret_command is empty");
		return NULL;
	}
	if (timeout_s <= 0)
		timeout_s = CONFIG_SECRET_TIMEOUT_S;
	out = calloc(1, SECRET_MAX_BYTES + 1);
	if (!out) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		lb_error_set(err, LB_CONFIG, "cannot run secret_command: %s", strerror(errno));
		free(out);
		return NULL;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		lb_error_set(err, LB_CONFIG, "cannot run secret_command: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		free(out);
		return NULL;
	}
	if (pid == 0)
		exec_secret_command(command, pfd[1]);
	close(pfd[1]);
	setpgid(pid, pid); /* as the child does: whichever runs first */
	terminal_give(&term, pid);
	long long deadline = now_ms() + (long long)timeout_s * 1000;
	finished = read_secret_output(pfd[0], out, &len, &too_long, deadline) &&
	           wait_until(pid, &status, deadline);
	close(pfd[0]);
	if (!finished) {
		/* Whatever it started goes too: it is all in its process group. */
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	terminal_take_back(&term);
	if (!finished) {
		lb_error_set(err, LB_CONFIG,
		             "secret_command did not finish within %d s and was stopped (to wait "
		             "longer, set secret_timeout = SECONDS in the profile)",
		             timeout_s);
		wipe(out, len);
		free(out);
		return NULL;
	}
	out[len] = '\0';
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (status != -1 && WIFEXITED(status))
			lb_error_set(err, LB_CONFIG,
			             "secret_command failed with exit status %d (its output is not "
			             "shown)",
			             WEXITSTATUS(status));
		else if (status != -1 && WIFSIGNALED(status))
			lb_error_set(err, LB_CONFIG, "secret_command was killed by signal %d",
			             WTERMSIG(status));
		else
			lb_error_set(err, LB_CONFIG, "secret_command failed");
		wipe(out, len);
		free(out);
		return NULL;
	}
	line = out;
	line[strcspn(line, "\r\n")] = '\0';
	if (too_long && strlen(line) >= SECRET_MAX_BYTES) {
		lb_error_set(err, LB_CONFIG,
		             "secret_command printed a first line that is too long");
		wipe(out, len);
		free(out);
		return NULL;
	}
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	if (!*line) {
		lb_error_set(err, LB_CONFIG, "secret_command printed no key on its first line");
		wipe(out, len);
		free(out);
		return NULL;
	}
	if (line != out)
		memmove(out, line, strlen(line) + 1);
	/* Drop whatever followed the first line. */
	n = strlen(out);
	wipe(out + n, len > n ? len - n : 0);
	return out;
}

/* ---- parsing ---- */

enum section { SEC_GLOBAL, SEC_PROFILE, SEC_KEYS };

enum setting {
	SET_PROFILE = 1 << 0,
	SET_THEME = 1 << 1,
	SET_SECRET = 1 << 2,
	SET_SECRET_COMMAND = 1 << 3,
	SET_BASE_URL = 1 << 4,
	SET_READ_ONLY = 1 << 5,
	SET_SECRET_TIMEOUT = 1 << 6,
	SET_MOUSE = 1 << 7,
	SET_USER = 1 << 8,
	SET_WATCH = 1 << 9,
	SET_WATCH_USER = 1 << 10,
};

struct parser {
	struct config *cfg;
	const char *path;
	const char *want; /* the profile asked for, NULL until known */
	bool want_from_flag;
	int default_line; /* line of "profile = ..." */
	struct lb_error *err;
	int line;
	enum section sec;
	bool selected; /* inside the wanted profile's section */
	bool found;
	unsigned seen; /* settings seen in the current section */
	struct strv profiles;
	char *default_profile;
	char *global_theme;
	char *profile_theme;
	bool profile_read_only;
	int global_watch, profile_watch; /* watch =: 0 unset, 1 push, 2 poll */
};

static bool perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Set a "path:line: ..." error; returns false. */
static bool perr(struct parser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lb_error_set(p->err, LB_CONFIG, "%s:%d: %s", p->path ? p->path : "config", p->line, msg);
	return false;
}

static bool nomem(struct parser *p)
{
	lb_error_set(p->err, LB_NOMEM, "out of memory");
	return false;
}

static bool is_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

static bool valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_name_char(*s))
			return false;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*e = '\0';
	return s;
}

/* Cut a comment: '#' at the start or after a blank. */
static void cut_comment(char *s)
{
	for (char *c = s; *c; c++) {
		if (*c == '#' && (c == s || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			return;
		}
	}
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Make the wanted profile known once the global part is over. */
static void settle_want(struct parser *p)
{
	if (!p->want)
		p->want = p->default_profile;
}

static bool section_header(struct parser *p, char *s)
{
	char *end = strchr(s, ']'), *inner;

	if (!end || *trim(end + 1) != '\0')
		return perr(p, "malformed section header; expected [profile NAME] or [keys]");
	*end = '\0';
	inner = trim(s + 1);
	settle_want(p);
	p->seen = 0;
	p->selected = false;
	if (strcmp(inner, "keys") == 0) {
		p->sec = SEC_KEYS;
		return true;
	}
	if (strncmp(inner, "profile", 7) == 0 && (inner[7] == ' ' || inner[7] == '\t')) {
		char *name = trim(inner + 8);

		if (!valid_name(name))
			return perr(p, "a profile name may use letters, digits, '-', '_' and '.'");
		for (size_t i = 0; i < p->profiles.n; i++)
			if (strcmp(p->profiles.v[i], name) == 0)
				return perr(p, "profile \"%s\" is defined twice", name);
		if (!strv_push(&p->profiles, name))
			return nomem(p);
		p->sec = SEC_PROFILE;
		if (p->want && strcmp(p->want, name) == 0) {
			p->selected = true;
			p->found = true;
		}
		return true;
	}
	return perr(p, "unknown section; expected [profile NAME] or [keys]");
}

/* Name a setting in a message only when it cannot be a pasted key. */
static bool perr_unknown(struct parser *p, const char *key, const char *where)
{
	bool showable = strlen(key) <= 32 && strncmp(key, "sk_", 3) != 0;

	for (const char *c = key; showable && *c; c++)
		if (!islower((unsigned char)*c) && *c != '_' && *c != '-')
			showable = false;
	if (showable)
		return perr(p, "unknown setting \"%s\" %s", key, where);
	return perr(p, "unknown setting %s", where);
}

static bool once(struct parser *p, unsigned bit, const char *key)
{
	if (p->seen & bit)
		return perr(p, "%s is set twice in this section", key);
	p->seen |= bit;
	return true;
}

/* "watch = push | poll" into *out (1, 2). */
static bool watch_setting(struct parser *p, const char *val, int *out)
{
	if (!once(p, SET_WATCH, "watch"))
		return false;
	if (strcmp(val, "push") == 0)
		*out = 1;
	else if (strcmp(val, "poll") == 0)
		*out = 2;
	else
		return perr(p, "watch must be push or poll");
	return true;
}

static bool global_setting(struct parser *p, const char *key, const char *val)
{
	if (strcmp(key, "profile") == 0) {
		if (!once(p, SET_PROFILE, key))
			return false;
		if (!valid_name(val))
			return perr(p, "profile: not a valid profile name");
		p->default_line = p->line;
		return set_str(&p->default_profile, val) || nomem(p);
	}
	if (strcmp(key, "theme") == 0)
		return once(p, SET_THEME, key) && (set_str(&p->global_theme, val) || nomem(p));
	if (strcmp(key, "mouse") == 0) {
		bool on;

		if (!once(p, SET_MOUSE, key))
			return false;
		if (!parse_bool(val, &on))
			return perr(p, "mouse must be yes or no");
		p->cfg->mouse_off = !on;
		return true;
	}
	if (strcmp(key, "watch") == 0)
		return watch_setting(p, val, &p->global_watch);
	if (strcmp(key, "secret") == 0 || strcmp(key, "secret_command") == 0 ||
	    strcmp(key, "secret_timeout") == 0 || strcmp(key, "base_url") == 0 ||
	    strcmp(key, "read_only") == 0 || strcmp(key, "user") == 0 ||
	    strcmp(key, "watch_user") == 0)
		return perr(p, "%s belongs in a [profile NAME] section", key);
	return perr_unknown(p, key, "(expected profile, theme, mouse or watch)");
}

static bool profile_setting(struct parser *p, const char *key, const char *val)
{
	struct config *cfg = p->cfg;

	if (strcmp(key, "secret") == 0 || strcmp(key, "secret_command") == 0) {
		bool is_cmd = key[6] == '_';

		if (!once(p, is_cmd ? SET_SECRET_COMMAND : SET_SECRET, key))
			return false;
		if (p->seen & SET_SECRET && p->seen & SET_SECRET_COMMAND)
			return perr(p, "a profile has either secret or secret_command, not both");
		if (!p->selected)
			return true;
		if (is_cmd)
			return set_str(&cfg->secret_command, val) || nomem(p);
		free_secret(&cfg->secret);
		return (cfg->secret = strdup(val)) != NULL || nomem(p);
	}
	if (strcmp(key, "base_url") == 0) {
		struct lb_error e;
		char *url = NULL;

		if (!once(p, SET_BASE_URL, key))
			return false;
		lb_error_clear(&e);
		if (!config_check_base_url(val, &url, &e))
			return perr(p, "base_url: %s", e.message);
		if (p->selected) {
			free(cfg->base_url);
			cfg->base_url = url;
		} else {
			free(url);
		}
		return true;
	}
	if (strcmp(key, "secret_timeout") == 0) {
		char *end;
		long v;

		if (!once(p, SET_SECRET_TIMEOUT, key))
			return false;
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || end == val || *end || v < 1 || v > 3600)
			return perr(p, "secret_timeout must be a number of seconds from 1 to 3600");
		if (p->selected)
			cfg->secret_timeout_s = (int)v;
		return true;
	}
	if (strcmp(key, "read_only") == 0) {
		bool v;

		if (!once(p, SET_READ_ONLY, key))
			return false;
		if (!parse_bool(val, &v))
			return perr(p, "read_only must be yes or no");
		if (p->selected)
			p->profile_read_only = v;
		return true;
	}
	if (strcmp(key, "theme") == 0) {
		if (!once(p, SET_THEME, key))
			return false;
		return !p->selected || set_str(&p->profile_theme, val) || nomem(p);
	}
	if (strcmp(key, "user") == 0) {
		if (!once(p, SET_USER, key))
			return false;
		return !p->selected || set_str(&cfg->user, val) || nomem(p);
	}
	if (strcmp(key, "watch_user") == 0) {
		if (!once(p, SET_WATCH_USER, key))
			return false;
		if (!val[0])
			return perr(p, "watch_user must not be empty");
		return !p->selected || set_str(&cfg->watch_user, val) || nomem(p);
	}
	if (strcmp(key, "watch") == 0) {
		int w;

		if (!watch_setting(p, val, &w))
			return false;
		if (p->selected)
			p->profile_watch = w;
		return true;
	}
	if (strcmp(key, "mouse") == 0)
		return perr(p, "mouse is set for every profile: put it before the first section");
	return perr_unknown(p, key,
	                    "(expected secret, secret_command, secret_timeout, base_url, read_only, "
	                    "theme, user, watch or watch_user)");
}

/* "bind VIEW KEY ACTION [# comment]"; '#' may itself be the KEY. */
static bool keys_line(struct parser *p, char *s)
{
	char *tok[5] = {0};
	int n = 0;
	struct key_binding *b;
	struct config *cfg = p->cfg;

	for (char *save = NULL, *t = strtok_r(s, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == 4) {
			if (t[0] != '#')
				return perr(p, "expected: bind VIEW KEY ACTION");
			break;
		}
		tok[n++] = t;
	}
	if (n == 0)
		return true;
	if (tok[0][0] == '#')
		return true;
	if (n != 4 || strcmp(tok[0], "bind") != 0)
		return perr(p, "expected: bind VIEW KEY ACTION");
	if (tok[3][0] == '#')
		return perr(p, "expected: bind VIEW KEY ACTION");
	if (!valid_name(tok[1]) || !valid_name(tok[3]))
		return perr(p, "bind: VIEW and ACTION are names like rooms and refresh");
	b = realloc(cfg->bindings, (cfg->n_bindings + 1) * sizeof(*b));
	if (!b)
		return nomem(p);
	cfg->bindings = b;
	b = &cfg->bindings[cfg->n_bindings];
	b->view = strdup(tok[1]);
	b->key = strdup(tok[2]);
	b->action = strdup(tok[3]);
	cfg->n_bindings++;
	if (!b->view || !b->key || !b->action)
		return nomem(p);
	return true;
}

static bool parse_line(struct parser *p, char *line)
{
	char *s = trim(line), *eq, *key, *val;

	if (*s == '\0' || *s == '#')
		return true;
	if (*s == '[') {
		cut_comment(s);
		return section_header(p, trim(s));
	}
	if (p->sec == SEC_KEYS)
		return keys_line(p, s);
	cut_comment(s);
	s = trim(s);
	eq = strchr(s, '=');
	if (!eq)
		return perr(p, "expected: name = value");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (!*key)
		return perr(p, "expected: name = value");
	if (!*val)
		return perr(p, "%s has no value",
		            strlen(key) <= 32 && strncmp(key, "sk_", 3) != 0 ? key : "setting");
	if (p->sec == SEC_GLOBAL)
		return global_setting(p, key, val);
	return profile_setting(p, key, val);
}

static void parser_free(struct parser *p)
{
	strv_free(&p->profiles);
	free(p->default_profile);
	free(p->global_theme);
	free(p->profile_theme);
}

/* "a, b, c" or "(none)". */
static void profile_list(const struct strv *v, char *out, size_t n)
{
	if (v->n == 0)
		snprintf(out, n, "none are defined");
	else
		strv_join(v, ", ", out, n);
}

/* Parse config text for profile `want` (NULL = the default one). */
bool config_parse(struct config *cfg, const char *text, const char *path, const char *want,
                  struct lb_error *err)
{
	struct parser p;
	char *copy, *line, *next;
	bool ok = true;

	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.path = path;
	p.want = want;
	p.want_from_flag = want != NULL;
	p.err = err;
	copy = strdup(text ? text : "");
	if (!copy) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	for (line = copy; ok && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		p.line++;
		ok = parse_line(&p, line);
	}
	wipe(copy, strlen(text ? text : ""));
	free(copy);
	settle_want(&p);
	if (ok && p.want && !p.found) {
		char names[256];

		profile_list(&p.profiles, names, sizeof(names));
		if (p.want_from_flag) {
			lb_error_set(err, LB_CONFIG, "no profile \"%s\" in %s (profiles: %s)",
			             p.want, path ? path : "the config file", names);
		} else {
			p.line = p.default_line;
			perr(&p, "the default profile \"%s\" is not defined (profiles: %s)", p.want,
			     names);
		}
		ok = false;
	}
	if (ok && p.want && !set_str(&cfg->profile, p.want))
		ok = nomem(&p);
	if (ok && (p.profile_theme || p.global_theme) &&
	    !set_str(&cfg->theme, p.profile_theme ? p.profile_theme : p.global_theme))
		ok = nomem(&p);
	if (ok)
		cfg->read_only = cfg->read_only || p.profile_read_only;
	if (ok)
		cfg->watch_poll = (p.profile_watch ? p.profile_watch : p.global_watch) == 2;
	if (ok && path && !set_str(&cfg->config_path, path))
		ok = nomem(&p);
	parser_free(&p);
	if (!ok)
		config_clear(cfg);
	return ok;
}

/* ---- loading ---- */

/* Open, check and read the config file. Returns NULL with *missing set when
 * there is none; NULL with err set on failure. Caller wipes and frees. */
static char *read_config_file(const char *path, bool *missing, struct lb_error *err)
{
	struct stat st;
	char *text;
	ssize_t r;
	size_t len = 0;
	int fd;

	*missing = false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*missing = true;
			return NULL;
		}
		lb_error_set(err, LB_CONFIG, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		lb_error_set(err, LB_CONFIG, "cannot read %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (!check_mode(path, &st, err) || !check_dir_mode(path, err)) {
		close(fd);
		return NULL;
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		lb_error_set(err, LB_CONFIG, "%s is larger than 1 MiB", path);
		close(fd);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		close(fd);
		return NULL;
	}
	while (len < (size_t)st.st_size) {
		r = read(fd, text + len, (size_t)st.st_size - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			lb_error_set(err, LB_CONFIG, "cannot read %s: %s", path, strerror(errno));
			wipe(text, len);
			free(text);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	text[len] = '\0';
	return text;
}

/* Put "prefix" before err's message, truncating its end if needed. */
static void error_prefix(struct lb_error *err, const char *prefix)
{
	size_t cap = sizeof(err->message) - 1;
	size_t pl = strlen(prefix), ml = strlen(err->message);

	if (pl > cap)
		pl = cap;
	if (pl + ml > cap)
		ml = cap - pl;
	memmove(err->message + pl, err->message, ml);
	memcpy(err->message, prefix, pl);
	err->message[pl + ml] = '\0';
}

/* The SDK's rule: "sk_" then letters, digits, '_' and '-'. */
static bool secret_looks_valid(const char *s)
{
	if (strncmp(s, "sk_", 3) != 0 || !s[3])
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

/* A copy of an environment variable without surrounding blanks, or NULL
 * when unset or blank. */
static char *env_trimmed(const char *name, bool *oom)
{
	const char *v = getenv(name);
	char *c, *t;

	*oom = false;
	if (!v)
		return NULL;
	c = strdup(v);
	if (!c) {
		*oom = true;
		return NULL;
	}
	t = trim(c);
	if (!*t) {
		free(c);
		return NULL;
	}
	memmove(c, t, strlen(t) + 1);
	return c;
}

/* Load the config file, the environment and args, by the precedence the
 * header describes. */
bool config_load(struct config *cfg, const struct config_args *args, struct lb_error *err)
{
	struct config_args none = {0};
	char *dir = NULL, *path = NULL, *text = NULL, *env_key = NULL, *env_url = NULL;
	char *url = NULL;
	const char *url_src = NULL;
	bool missing = false, oom = false, profile_has_key;
	char shown[512];

	if (!args)
		args = &none;
	memset(cfg, 0, sizeof(*cfg));
	lb_error_clear(err);

	dir = config_dir();
	cfg->state_dir = config_state_dir();
	if (cfg->state_dir && asprintf(&cfg->history_path, "%s/history", cfg->state_dir) < 0)
		cfg->history_path = NULL;
	if (dir && asprintf(&path, "%s/config", dir) < 0)
		path = NULL;
	free(dir);
	if (path) {
		text = read_config_file(path, &missing, err);
		if (!text && !missing)
			goto fail;
	} else {
		missing = true;
	}
	if (text) {
		bool ok = config_parse(cfg, text, path, args->profile, err);

		wipe(text, strlen(text));
		free(text);
		text = NULL;
		if (!ok)
			goto fail;
	} else if (args->profile) {
		display_path(path ? path : "~/.config/lbtui/config", shown, sizeof(shown));
		lb_error_set(err, LB_CONFIG,
		             "no profile \"%s\": there is no config file %s (see lbtui(1))",
		             args->profile, shown);
		goto fail;
	}

	/* The secret. */
	env_key = env_trimmed("LIVEBLOCKS_SECRET_KEY", &oom);
	if (oom)
		goto nomem;
	profile_has_key = cfg->secret || cfg->secret_command;
	if (profile_has_key && (args->profile || !env_key)) {
		if (cfg->secret_command) {
			free_secret(&cfg->secret);
			cfg->secret = config_run_secret_command(cfg->secret_command,
			                                        cfg->secret_timeout_s, err);
			if (!cfg->secret) {
				char pre[128];

				snprintf(pre, sizeof(pre), "profile \"%s\": ", cfg->profile);
				error_prefix(err, pre);
				goto fail;
			}
			if (asprintf(&cfg->secret_source, "profile %s (secret_command)",
			             cfg->profile) < 0)
				cfg->secret_source = NULL;
		} else if (asprintf(&cfg->secret_source, "profile %s", cfg->profile) < 0) {
			cfg->secret_source = NULL;
		}
		if (!cfg->secret_source)
			goto nomem;
		free_secret(&env_key);
	} else if (env_key) {
		free_secret(&cfg->secret);
		cfg->secret = env_key;
		env_key = NULL;
		if (!set_str(&cfg->secret_source, "LIVEBLOCKS_SECRET_KEY"))
			goto nomem;
	}
	if (cfg->secret && !secret_looks_valid(cfg->secret)) {
		lb_error_set(err, LB_CONFIG,
		             "the secret key from %s is not a Liveblocks secret key: it should "
		             "start with \"sk_\" and hold only letters, digits, '_' and '-'",
		             cfg->secret_source);
		goto fail;
	}
	if (!cfg->secret && args->need_secret) {
		display_path(path ? path : "~/.config/lbtui/config", shown, sizeof(shown));
		lb_error_set(err, LB_CONFIG,
		             "no secret key: set LIVEBLOCKS_SECRET_KEY or add a profile to %s (see "
		             "lbtui(1))",
		             shown);
		goto fail;
	}

	/* The base URL. */
	env_url = env_trimmed("LIVEBLOCKS_BASE_URL", &oom);
	if (oom)
		goto nomem;
	if (args->base_url) {
		url_src = "--base-url: ";
		if (!config_check_base_url(args->base_url, &url, err))
			goto bad_url;
	} else if (args->profile && cfg->base_url) {
		url = cfg->base_url;
		cfg->base_url = NULL;
	} else if (env_url) {
		url_src = "LIVEBLOCKS_BASE_URL: ";
		if (!config_check_base_url(env_url, &url, err))
			goto bad_url;
	} else if (cfg->base_url) {
		url = cfg->base_url;
		cfg->base_url = NULL;
	} else if (!(url = strdup(LB_DEFAULT_BASE_URL))) {
		goto nomem;
	}
	free(cfg->base_url);
	cfg->base_url = url;
	free(env_url);

	cfg->read_only = cfg->read_only || args->read_only;
	if (args->theme && !set_str(&cfg->theme, args->theme))
		goto nomem;
	free(path);
	return true;

bad_url:
	error_prefix(err, url_src);
	goto fail;
nomem:
	lb_error_set(err, LB_NOMEM, "out of memory");
fail:
	free_secret(&env_key);
	free(env_url);
	free(path);
	config_clear(cfg);
	return false;
}
