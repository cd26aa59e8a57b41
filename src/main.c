#include "lbconfig.h"

#include <errno.h>
#include <poll.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api.h"
#include "app.h"
#include "cmd.h"
#include "cmdline.h"
#include "config.h"
#include "http.h"
#include "model.h"
#include "model_storage.h"
#include "out.h"
#include "output.h"
#include "queue.h"
#include "term_safe.h"
#include "util.h"
#include "ws.h"
#include "lbversion.h"

static void usage(FILE *f)
{
	fputs("usage: lbtui [--profile NAME] [--base-url URL] [--read-only] [--theme NAME]\n"
	      "       lbtui [options] -e COMMAND [-e COMMAND ...] [--json]\n"
	      "\n"
	      "A terminal browser for a Liveblocks project.\n"
	      "\n"
	      "  -p, --profile NAME   use a profile of the config file\n"
	      "  -u, --base-url URL   API base URL (default " LB_DEFAULT_BASE_URL ")\n"
	      "  -r, --read-only      refuse every command that changes something\n"
	      "  -t, --theme NAME     colour theme (default, light, or a file)\n"
	      "  -e, --exec COMMAND   run a command without the screen, then exit\n"
	      "  -j, --json           with -e: print the API's JSON (errors too, as JSON)\n"
	      "  -v, --verbose        with -e: log requests (never the key) to stderr\n"
	      "  -V, --version        print the versions of lbtui and its libraries\n"
	      "  -h, --help           this help\n"
	      "\n"
	      "The secret key comes from LIVEBLOCKS_SECRET_KEY or a profile of\n"
	      "$XDG_CONFIG_HOME/lbtui/config, never from the command line.\n"
	      "Commands (type them after ':' in lbtui, or give them with -e):\n",
	      f);
	char *help = cmd_help(NULL);
	if (help) {
		fputs(help, f);
		free(help);
	}
}

/* A limit in seconds from the environment (LBTUI_TIMEOUT, ...) into *ms;
 * unset or empty leaves *ms as it is. */
static bool env_seconds(const char *name, long *ms, struct lb_error *err)
{
	const char *v = getenv(name);
	char *end;

	if (!v || !*v)
		return true;
	errno = 0;
	double secs = strtod(v, &end);
	if (errno || end == v || *end || !(secs >= 0.001 && secs <= 86400)) {
		lb_error_set(
		    err, LB_CONFIG,
		    "%s must be a number of seconds, above 0 and at most 86400 (it is '%s')", name,
		    v);
		return false;
	}
	*ms = (long)(secs * 1000.0 + 0.5);
	return true;
}

/* Other profiles' projects opened during the run, on the same network
 * client (`room copy --to-profile`). */
struct profile_set {
	struct http *http;
	bool read_only; /* --read-only covers every project the run opens */
	struct opened {
		char *name;
		struct config cfg;
		struct api api;
		struct model *model;
	} items[8];
	size_t n;
};

static struct model *open_profile(void *ud, const char *name, struct lb_error *err)
{
	struct profile_set *ps = ud;

	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->items[i].name, name))
			return ps->items[i].model;
	if (ps->n == sizeof(ps->items) / sizeof(ps->items[0])) {
		lb_error_set(err, LB_USAGE, "too many profiles open");
		return NULL;
	}
	struct opened *o = &ps->items[ps->n];
	struct config_args args;
	memset(o, 0, sizeof(*o));
	memset(&args, 0, sizeof(args));
	args.profile = name;
	args.read_only = ps->read_only;
	args.need_secret = true;
	if (!config_load(&o->cfg, &args, err))
		return NULL;
	ts_add_secret(o->cfg.secret);
	if (!api_init(&o->api, http_transport(ps->http), o->cfg.base_url, o->cfg.secret, err)) {
		config_clear(&o->cfg);
		return NULL;
	}
	struct model_options mo;
	model_options_default(&mo);
	mo.read_only = o->cfg.read_only;
	mo.http = ps->http;
	mo.watch_user = o->cfg.watch_user;
	mo.watch_poll = o->cfg.watch_poll;
	o->model = model_new(&o->api, &mo);
	o->name = strdup(name);
	if (!o->model || !o->name) {
		model_free(&o->model);
		free(o->name);
		api_clear(&o->api);
		config_clear(&o->cfg);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return NULL;
	}
	ps->n++;
	return o->model;
}

static void profiles_clear(struct profile_set *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		model_free(&ps->items[i].model);
		api_clear(&ps->items[i].api);
		config_clear(&ps->items[i].cfg);
		free(ps->items[i].name);
	}
	ps->n = 0;
}

/* With --json, an error as one JSON object on stdout. */
static void print_error_json(const struct lb_error *err)
{
	struct buf b;

	buf_init(&b);
	output_error_json(&b, err);
	if (b.data)
		fputs(b.data, stdout);
	fflush(stdout);
	buf_free(&b);
}

/* Errors quote the server (codes, messages, IDs): make them safe for the
 * terminal like everything else. With --json the error is also one JSON
 * object on stdout, for the program reading it. */
static void progress_clear(void);

static void print_error(const struct lb_error *err, bool json)
{
	char msg[1024];
	char *safe = ts_sanitize(lb_error_format(err, msg, sizeof(msg)), (size_t)-1);

	progress_clear();
	fprintf(stderr, "lbtui: %s\n", safe ? safe : lb_status_text(err->status));
	free(safe);
	/* A command that partly failed printed its document, which says so. */
	if (json && err->status != LB_PARTIAL)
		print_error_json(err);
}

/* A usage error of the command line itself, before anything ran. */
static int usage_error(bool json, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(bool json, const char *fmt, ...)
{
	struct lb_error err;
	va_list ap;

	va_start(ap, fmt);
	lb_error_vset(&err, LB_USAGE, fmt, ap);
	va_end(ap);
	fprintf(stderr, "lbtui: %s\n", err.message);
	if (json)
		print_error_json(&err);
	return 2;
}

/* Whether --json (or -j) is among the arguments, for errors met before
 * getopt reached it. */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-e") || !strcmp(argv[i], "--exec") ||
		    !strcmp(argv[i], "-p") || !strcmp(argv[i], "--profile") ||
		    !strcmp(argv[i], "-u") || !strcmp(argv[i], "--base-url") ||
		    !strcmp(argv[i], "-t") || !strcmp(argv[i], "--theme")) {
			i++; /* its value */
			continue;
		}
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			return true;
	}
	return false;
}

struct batch {
	bool done;
	struct lb_error err;
	struct profile_set *profiles;
};

static void batch_print(void *ud, const char *text)
{
	fputs(text, stdout);
	if (text[0] && text[strlen(text) - 1] != '\n')
		fputc('\n', stdout);
	fflush(stdout);
}

/* JSON from the server, secrets masked (and escaped on a terminal). */
static void batch_print_json(void *ud, const char *json, size_t len)
{
	out_json_text(stdout, json, len);
}

/* A document as it arrives goes straight to a file or a pipe; a terminal
 * gets it whole, made safe to show (print_json). */
static struct out_stream *batch_stream(void *ud)
{
	return isatty(STDOUT_FILENO) ? NULL : out_stream_open(stdout);
}

static bool batch_edit_text(void *ud, const char *initial, char **out, struct lb_error *err)
{
	return cmd_edit_external(initial, out, err);
}

/* Whether a progress line is on stderr (a terminal), to be cleared
 * before anything else is written there. */
static bool progress_shown;

static void progress_clear(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
}

/* How a long command goes, on one line of stderr that the next replaces
 * (set only when stderr is a terminal). */
static void batch_progress(void *ud, const char *line)
{
	progress_clear();
	if (line && *line) {
		fputs(line, stderr);
		progress_shown = true;
	}
	fflush(stderr);
}

/* Remarks beside the result go to stderr: a pipe gets the result alone. */
static void batch_note(void *ud, const char *text)
{
	fflush(stdout);
	progress_clear();
	fputs(text, stderr);
	if (text[0] && text[strlen(text) - 1] != '\n')
		fputc('\n', stderr);
}

static void batch_done(void *ud, const struct lb_error *err)
{
	struct batch *b = ud;
	b->done = true;
	b->err = *err;
}

static struct model *batch_profile_model(void *ud, const char *name, struct lb_error *err)
{
	struct batch *b = ud;
	return open_profile(b->profiles, name, err);
}

/* SIGINT, SIGTERM or SIGHUP in batch mode: the first one's number, and
 * how many came. The handler only counts; the loop does the rest. */
static volatile sig_atomic_t batch_signal, batch_signals;

static void on_batch_signal(int sig)
{
	if (!batch_signal)
		batch_signal = sig;
	if (batch_signals < SIG_ATOMIC_MAX)
		batch_signals++;
}

static void catch_batch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_batch_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: poll() returns at once with EINTR. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* How long a signal waits for rewrites to finish or be undone. */
#define SIGNAL_WAIT_MS 10000

/* The project's model and the other profiles' ones, for fn. */
static int each_model(struct model *model, struct profile_set *profiles,
		      int (*fn)(struct model *m))
{
	int n = fn(model);

	for (size_t i = 0; i < profiles->n; i++)
		n += fn(profiles->items[i].model);
	return n;
}

static int count_rewrites(struct model *m)
{
	return model_storage_rewrites(m);
}

static int count_lost(struct model *m)
{
	return model_storage_lost(m);
}

static int count_changes(struct model *m)
{
	return model_changes_in_flight(m);
}

/* A rewrite left unfinished: where its room's previous Storage is, and
 * the command that puts it back. */
struct unfinished {
	const char *profile; /* NULL: this project */
};

static void print_unfinished(void *ud, const char *room, const char *saved)
{
	struct unfinished *u = ud;
	char *q_room = cmd_quote(room), *q_path = saved ? cmd_quote(saved) : NULL;
	struct buf b;

	buf_init(&b);
	if (saved)
		buf_printf(&b,
			   "lbtui: stopped while rewriting the Storage of room %s, which may be "
			   "empty: its previous document is saved in %s (put it back with: storage "
			   "init %s %s --yes%s%s)\n",
			   room, saved, q_room ? q_room : room, q_path ? q_path : saved,
			   u->profile ? ", in profile " : "", u->profile ? u->profile : "");
	else
		buf_printf(&b, "lbtui: stopped while rewriting the Storage of room %s\n", room);
	char *safe = b.data ? ts_sanitize(b.data, (size_t)-1) : NULL;
	fputs(safe ? safe : "lbtui: stopped during a rewrite of a room's Storage\n", stderr);
	free(safe);
	buf_free(&b);
	free(q_room);
	free(q_path);
}

static int status_of_signal(int sig)
{
	return 128 + sig; /* 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP */
}

/* A signal came: stop what runs, finish or undo the rewrites of Storage in
 * progress and let the other changes in flight say whether they were done
 * (they may be, whatever becomes of lbtui), for up to SIGNAL_WAIT_MS (a
 * second signal stops waiting), and say what is left. Returns the exit
 * status: 128 + the signal, or 1 when a room's previous Storage could not
 * be put back (its file and the command that restores it are printed). */
static int stop_on_signal(struct http *http, struct model *model, struct profile_set *profiles,
			  struct cmd_ctx *ctx, struct batch *b)
{
	int sig = batch_signal;
	long long deadline = now_ms() + SIGNAL_WAIT_MS;

	each_model(model, profiles, model_storage_interrupt);
	while (each_model(model, profiles, count_changes) > 0 && batch_signals < 2) {
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		http_wait(http, left > 200 ? 200 : (int)left);
		cmd_step(ctx);
	}
	if (b->done && b->err.status != LB_OK)
		print_error(&b->err, ctx->host.json);
	if (each_model(model, profiles, count_rewrites) > 0) {
		struct unfinished u = {NULL};
		model_storage_each_rewrite(model, print_unfinished, &u);
		for (size_t i = 0; i < profiles->n; i++) {
			u.profile = profiles->items[i].name;
			model_storage_each_rewrite(profiles->items[i].model, print_unfinished, &u);
		}
		return 1;
	}
	if (each_model(model, profiles, count_lost) > 0)
		return 1;
	if (each_model(model, profiles, count_changes) > 0)
		fputs("lbtui: stopped while a change was being sent: it may or may not have been "
		      "applied; check before trying again\n",
		      stderr);
	if (!b->done || b->err.status == LB_OK)
		fprintf(stderr, "lbtui: interrupted by %s\n",
			sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
	return status_of_signal(sig);
}

/* Run the -e commands in order; stop at the first that fails. ctx and b
 * outlive the call: a change still running when it returns (after a
 * signal) reports to them when the model is freed. */
static int run_batch(struct http *http, struct model *model, struct profile_set *profiles,
		     char **cmds, int ncmds, bool json, const struct config *cfg, struct cmd_ctx *ctx,
		     struct batch *b)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(b, 0, sizeof(*b));
	ctx->model = model;
	ctx->read_only = cfg->read_only;
	ctx->user = cfg->user;
	ctx->host.ud = b;
	b->profiles = profiles;
	ctx->host.json = json;
	ctx->host.print = batch_print;
	ctx->host.print_json = batch_print_json;
	ctx->host.stream = batch_stream;
	ctx->host.note = batch_note;
	if (isatty(STDERR_FILENO))
		ctx->host.progress = batch_progress;
	/* $EDITOR (--edit) needs a terminal to run on. */
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		ctx->host.edit_text = batch_edit_text;
	ctx->host.done = batch_done;
	ctx->host.profile_model = batch_profile_model;
	ctx->stop = &batch_signal;
	catch_batch_signals();
	for (int i = 0; i < ncmds && !batch_signal; i++) {
		b->done = false;
		lb_error_clear(&b->err);
		cmd_run(ctx, cmds[i]);
		while (!b->done && !batch_signal) {
			int t = http_timeout_ms(http);
			int wake = model_timeout_ms(model); /* a job waiting out a 429 */

			if (wake >= 0 && (t < 0 || wake < t))
				t = wake;
			/* A live watch says when it needs the loop (its sources'
			 * timers): idle, it sleeps until the next heartbeat. */
			int most = http_sources(http) > 0 ? 60000 : 1000;
			if (t < 0 || t > most)
				t = most;
			/* A live socket (a source of the client) waits there too. */
			if (http_in_flight(http) > 0 || http_sources(http) > 0)
				http_wait(http, t);
			else if (wake >= 0)
				poll(NULL, 0, t);
			if (wake >= 0)
				model_tick(model);
			cmd_step(ctx);
		}
		if (batch_signal)
			break;
		if (b->err.status != LB_OK) {
			print_error(&b->err, ctx->host.json);
			cmd_clear(ctx);
			return lb_status_exit_code(b->err.status);
		}
	}
	int rc = batch_signal ? stop_on_signal(http, model, profiles, ctx, b) : 0;
	cmd_clear(ctx);
	/* What still runs ends when the models are freed: quietly. */
	ctx->host.print = NULL;
	ctx->host.print_json = NULL;
	return rc;
}

/* lbtui's version, then each library's as loaded, as curl -V does: what a
 * bug report needs. */
static int print_version(void)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b, "lbtui %s\n", LBTUI_VERSION);
	http_library_version(&b);
	app_curses_version(&b);
	api_json_library_version(&b);
	cmdline_library_version(&b);
	ws_library_version(&b);
	if (!b.data)
		return 1;
	fputs(b.data, stdout);
	buf_free(&b);
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"profile", required_argument, NULL, 'p'},
		{"base-url", required_argument, NULL, 'u'},
		{"read-only", no_argument, NULL, 'r'},
		{"theme", required_argument, NULL, 't'},
		{"exec", required_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct config_args args;
	char **cmds = NULL;
	int ncmds = 0, opt;
	bool json = false, verbose = false;

	setlocale(LC_ALL, "");
	/* A core file would hold the secret key. */
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	memset(&args, 0, sizeof(args));
	cmds = calloc((size_t)argc + 1, sizeof(*cmds));
	if (!cmds)
		return 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":p:u:rt:e:jvVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': args.profile = optarg; break;
		case 'u': args.base_url = optarg; break;
		case 'r': args.read_only = true; break;
		case 't': args.theme = optarg; break;
		case 'e': cmds[ncmds++] = optarg; break;
		case 'j': json = true; break;
		case 'v': verbose = true; break;
		case 'V': free(cmds); return print_version();
		case 'h': usage(stdout); free(cmds); return 0;
		case ':':
			free(cmds);
			return usage_error(wants_json(argc, argv),
			                   "option %s needs a value (see lbtui --help)",
			                   argv[optind - 1]);
		default:
			if (optopt == 0 && optind > 0 && strstr(argv[optind - 1], "key"))
				fprintf(stderr, "lbtui: the secret key is never taken from the command "
						"line; set LIVEBLOCKS_SECRET_KEY or use a profile\n");
			free(cmds);
			if (optind > 0 && optind <= argc && argv[optind - 1] &&
			    !strncmp(argv[optind - 1], "--", 2))
				/* The name only: what follows '=' may be a key. */
				return usage_error(wants_json(argc, argv),
				                   "unknown option %.*s (see lbtui --help)",
				                   (int)strcspn(argv[optind - 1], "="),
				                   argv[optind - 1]);
			return usage_error(wants_json(argc, argv),
			                   "unknown option -%c (see lbtui --help)",
			                   optopt ? optopt : '?');
		}
	}
	if (optind < argc) {
		/* It may be a key pasted in the wrong place: never echo one. */
		char shown[64];
		if (!strncmp(argv[optind], "sk_", 3))
			config_mask_secret(argv[optind], shown, sizeof(shown));
		else
			snprintf(shown, sizeof(shown), "%s", argv[optind]);
		free(cmds);
		return usage_error(json, "unexpected argument '%s' (commands go after -e)", shown);
	}
	if (json && ncmds == 0) {
		free(cmds);
		return usage_error(json, "--json goes with -e COMMAND");
	}

	struct config cfg;
	struct lb_error err;
	args.need_secret = true;
	if (!config_load(&cfg, &args, &err)) {
		print_error(&err, json);
		free(cmds);
		return 2;
	}
	ts_add_secret(cfg.secret);

	signal(SIGPIPE, SIG_IGN);
	struct http_options ho;
	http_options_default(&ho);
	/* As many transfers at once as the widest job (the queue's reads). */
	ho.max_parallel = QUEUE_MAX_IN_FLIGHT;
	/* The screen has the request log on @; stderr would draw over it. */
	ho.verbose = verbose && ncmds > 0;
	if (!env_seconds("LBTUI_CONNECT_TIMEOUT", &ho.connect_timeout_ms, &err) ||
	    !env_seconds("LBTUI_TIMEOUT", &ho.total_timeout_ms, &err)) {
		print_error(&err, json);
		config_clear(&cfg);
		free(cmds);
		return 2;
	}
	struct http *http = http_new(&ho, &err);
	struct api api;
	memset(&api, 0, sizeof(api));
	if (!http || !api_init(&api, http_transport(http), cfg.base_url, cfg.secret, &err)) {
		print_error(&err, json);
		http_free(&http);
		config_clear(&cfg);
		free(cmds);
		return 2;
	}
	struct model_options mo;
	model_options_default(&mo);
	mo.read_only = cfg.read_only;
	mo.http = http;
	mo.watch_user = cfg.watch_user;
	mo.watch_poll = cfg.watch_poll;
	struct model *model = model_new(&api, &mo);

	struct profile_set profiles;
	memset(&profiles, 0, sizeof(profiles));
	profiles.http = http;
	profiles.read_only = args.read_only;
	int rc;
	struct cmd_ctx batch_ctx;
	struct batch batch;
	struct app_late late; /* until the model is freed */
	memset(&late, 0, sizeof(late));
	if (ncmds > 0) {
		rc = run_batch(http, model, &profiles, cmds, ncmds, json, &cfg, &batch_ctx, &batch);
	} else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fputs("lbtui: the screen needs a terminal; to run a command without one, use "
		      "-e COMMAND\n",
		      stderr);
		rc = 2;
	} else {
		struct app_env env;
		memset(&env, 0, sizeof(env));
		env.model = model;
		env.cfg = &cfg;
		env.http = http;
		env.profile_model = open_profile;
		env.profile_ud = &profiles;
		env.late = &late;
		rc = app_run(&env);
	}

	profiles_clear(&profiles);
	model_free(&model);
	/* A change the user quit during ended only now. */
	if (rc == 0 && late.failure)
		rc = 1;
	api_clear(&api);
	http_free(&http);
	config_clear(&cfg);
	ts_forget_secrets();
	free(cmds);
	return rc;
}
