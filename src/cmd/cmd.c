#include "lbconfig.h"

#include "cmd.h"
#include "cmd_impl.h"
#include "family.h"

#include <histedit.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_storage.h"
#include "output.h"
#include "term_safe.h"
#include "util.h"

static void run_help(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_quit(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_messages(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_export(struct cmd_ctx *c, const struct command *cmd, struct args *a);

const struct opt_spec cmd_no_opts[] = {
	{NULL, 0, NULL, NULL},
};

static const struct opt_spec export_opts[] = {
	{"force", OPT_FLAG, NULL, "overwrite FILE if it exists"},
	{NULL, 0, NULL, NULL},
};

static const struct command core_commands[] = {
	{"help", "[COMMAND]", 0, 2, false, run_help, "Show the commands, or one in detail",
	 cmd_no_opts, SCOPE_NONE},
	{"quit", "", 0, 0, false, run_quit, "Leave lbtui", cmd_no_opts, SCOPE_NONE},
	{"messages", "", 0, 0, false, run_messages, "Show the recent messages in full", cmd_no_opts,
	 SCOPE_NONE},
	{"export", "FILE", 1, 1, false, run_export,
	 "Write the rows of the list on screen, filtered and sorted, to FILE (.csv or .json)",
	 export_opts, SCOPE_NONE},
	{NULL, NULL, 0, 0, false, NULL, NULL, NULL, SCOPE_NONE},
};

/* Every command: each family's (families.def), then the core's. */
#define FOR_EACH_COMMAND(cmd)                                                                  \
	for (size_t fam_ = 0; fam_ == 0 || lb_families[fam_ - 1]; fam_++)                      \
		for (const struct command *cmd = lb_families[fam_] ? lb_families[fam_]->commands   \
		                                                   : core_commands;                \
		     cmd->name; cmd++)

/* ---- finishing ---------------------------------------------------------- */

void cmd_finish(struct cmd_ctx *c, const struct lb_error *err)
{
	c->running--;
	if (c->host.done)
		c->host.done(c->host.ud, err);
}

void cmd_finish_ok(struct cmd_ctx *c)
{
	struct lb_error ok;

	lb_error_clear(&ok);
	cmd_finish(c, &ok);
}

void cmd_finish_usage(struct cmd_ctx *c, const char *fmt, const char *arg)
{
	struct lb_error err;

	lb_error_set(&err, LB_USAGE, fmt, arg ? arg : "");
	cmd_finish(c, &err);
}

void cmd_finish_nomem(struct cmd_ctx *c)
{
	struct lb_error err;

	lb_error_set(&err, LB_NOMEM, "out of memory");
	cmd_finish(c, &err);
}

void cmd_finish_with(struct cmd_ctx *c, enum lb_status st, const char *fmt, ...)
{
	struct lb_error err;
	va_list ap;

	va_start(ap, fmt);
	lb_error_vset(&err, st, fmt, ap);
	va_end(ap);
	cmd_finish(c, &err);
}

void cmd_say(struct cmd_ctx *c, const char *text)
{
	if (c->host.print)
		c->host.print(c->host.ud, text);
}

void cmd_note(struct cmd_ctx *c, const char *text)
{
	if (c->host.note)
		c->host.note(c->host.ud, text);
	else
		cmd_say(c, text);
}

void cmd_note_list_end(struct cmd_ctx *c, size_t n, bool more, const char *none,
                       const char *noun)
{
	char text[160];

	if (n == 0)
		cmd_note(c, none);
	if (more) {
		snprintf(text, sizeof(text), "(more %s: add --all to load every page)", noun);
		cmd_note(c, text);
	}
}

void cmd_print_json(struct cmd_ctx *c, const char *json, size_t len)
{
	if (c->host.print_json) {
		c->host.print_json(c->host.ud, json, len);
		return;
	}
	char *text = strndup(json, len);
	char *safe = text ? cmd_safe_lines(text) : NULL;
	cmd_say(c, safe ? safe : "");
	free(safe);
	free(text);
}

/* Formatted text, made terminal-safe, to out (cmd_say or cmd_note). */
static void say_safe(struct cmd_ctx *c, void (*out)(struct cmd_ctx *, const char *),
                     const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
static void say_safe(struct cmd_ctx *c, void (*out)(struct cmd_ctx *, const char *),
                     const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	char *safe = ts_sanitize(msg, (size_t)-1);
	out(c, safe ? safe : msg);
	free(safe);
}

void cmd_sayf(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_safe(c, cmd_say, fmt, ap);
	va_end(ap);
}

void cmd_notef(struct cmd_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say_safe(c, cmd_note, fmt, ap);
	va_end(ap);
}

char *cmd_safe_lines(const char *text)
{
	struct buf b, line;
	const char *p = text;

	buf_init(&b);
	buf_init(&line);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		line.len = 0;
		bool ok = true;
		for (size_t i = 0; i < n && ok; i++)
			ok = p[i] == '\t' ? buf_adds(&line, "  ") : buf_add(&line, p + i, 1);
		char *s = ok ? ts_sanitize(line.len ? line.data : "", line.len) : NULL;
		if (!s || !buf_adds(&b, s) || (nl && !buf_adds(&b, "\n"))) {
			free(s);
			buf_free(&line);
			buf_free(&b);
			return NULL;
		}
		free(s);
		if (!nl)
			break;
		p = nl + 1;
	}
	buf_free(&line);
	return buf_steal(&b);
}

/* ---- confirmation ---------------------------------------------------------- */

struct yes_no {
	struct cmd_ctx *c;
	cmd_go_fn go;
	cmd_go_fn drop;
	void *state;
	char *id; /* for typed confirmations */
	const char *refused;
	struct lb_error no; /* cmd_confirm_else: what "no" finishes with */
	bool has_no;
};

static struct yes_no *yes_no_new(struct cmd_ctx *c, const char *id, const char *refused,
                                 cmd_go_fn go, cmd_go_fn drop, void *state)
{
	struct yes_no *y = calloc(1, sizeof(*y));

	if (y && id && !(y->id = strdup(id))) {
		free(y);
		y = NULL;
	}
	if (!y)
		return NULL;
	y->c = c;
	y->go = go;
	y->drop = drop;
	y->state = state;
	y->refused = refused;
	return y;
}

static void yes_no_free(struct yes_no *y)
{
	free(y->id);
	free(y);
}

static void confirm_answer(void *ctx, bool yes)
{
	struct yes_no *y = ctx;

	if (yes) {
		y->go(y->state);
	} else {
		struct cmd_ctx *c = y->c;
		y->drop(y->state);
		if (y->has_no)
			cmd_finish(c, &y->no);
		else
			cmd_finish_with(c, LB_CANCELLED, "%s", y->refused);
	}
	yes_no_free(y);
}

void cmd_confirm(struct cmd_ctx *c, const char *title, const char *preview, const char *question,
                 bool yes, cmd_go_fn go, cmd_go_fn drop, void *state)
{
	cmd_confirm_else(c, title, preview, question, yes, NULL, go, drop, state);
}

void cmd_confirm_else(struct cmd_ctx *c, const char *title, const char *preview,
                      const char *question, bool yes, const struct lb_error *refused, cmd_go_fn go,
                      cmd_go_fn drop, void *state)
{
	char *safe = cmd_safe_lines(preview);

	if (!safe) {
		drop(state);
		cmd_finish_nomem(c);
		return;
	}
	if (yes) {
		/* With --json the preview goes beside the result: the output
		 * holds JSON alone. */
		if (!c->host.interactive && c->host.json)
			cmd_note(c, safe);
		else if (!c->host.interactive)
			cmd_say(c, safe);
		free(safe);
		go(state);
		return;
	}
	if (c->host.interactive && c->host.confirm) {
		struct yes_no *y = yes_no_new(c, NULL, "not applied", go, drop, state);
		if (!y) {
			free(safe);
			drop(state);
			cmd_finish_nomem(c);
			return;
		}
		if (refused) {
			y->no = *refused;
			y->has_no = true;
		}
		char *t = ts_sanitize(title, (size_t)-1);
		c->host.confirm(c->host.ud, t ? t : "", safe, question, confirm_answer, y);
		free(t);
		free(safe);
		return;
	}
	if (c->host.json)
		cmd_note(c, safe);
	else
		cmd_say(c, safe);
	free(safe);
	drop(state);
	cmd_finish_with(c, LB_USAGE, "add --yes to apply");
}

static void typed_answer(void *ctx, const char *text)
{
	struct yes_no *y = ctx;
	struct cmd_ctx *c = y->c;

	if (text && !strcmp(text, y->id)) {
		y->go(y->state);
	} else {
		y->drop(y->state);
		cmd_finish_with(c, LB_CANCELLED, "%s%s", y->refused,
		                text ? ": the ID typed did not match" : "");
	}
	yes_no_free(y);
}

void cmd_confirm_typed(struct cmd_ctx *c, const char *what, const char *id, const char *prompt,
                       bool yes, const char *refused, cmd_go_fn go, cmd_go_fn drop, void *state)
{
	if (yes) {
		go(state);
		return;
	}
	if (!c->host.interactive || !c->host.ask) {
		drop(state);
		cmd_finish_with(c, LB_USAGE, "refusing to %s without confirmation: add --yes",
		                what);
		return;
	}
	struct yes_no *y = yes_no_new(c, id, refused, go, drop, state);
	if (!y) {
		drop(state);
		cmd_finish_nomem(c);
		return;
	}
	c->host.ask(c->host.ud, prompt, typed_answer, y);
}

/* ---- splitting and option parsing --------------------------------------- */

/* The words of line[0..n) as the tokenizer reads them (quotes,
 * backslashes), as spans of the line: up to max of them into spans (may be
 * NULL), their count returned. *last_start (may be NULL) is where the last
 * word starts, or n after a blank; *bare_break (may be NULL) tells whether a
 * line break stands outside quotes, where the tokenizer would stop. */
struct span {
	size_t start, end;
};

static size_t scan_words(const char *line, size_t n, struct span *spans, size_t max,
			 size_t *last_start, bool *bare_break)
{
	size_t start = 0, count = 0;
	bool in_word = false;
	char quote = 0;

	if (bare_break)
		*bare_break = false;
	for (size_t i = 0; i < n; i++) {
		char ch = line[i];
		bool blank = !quote && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
		if (blank) {
			if ((ch == '\n' || ch == '\r') && bare_break)
				*bare_break = true;
			if (in_word && spans && count <= max && count > 0)
				spans[count - 1].end = i;
			in_word = false;
			start = i + 1;
			continue;
		}
		if (!in_word) {
			in_word = true;
			if (spans && count < max)
				spans[count].start = spans[count].end = i;
			count++;
		}
		if (quote) {
			if (ch == quote)
				quote = 0;
			else if (ch == '\\' && quote == '"' && i + 1 < n)
				i++;
		} else if (ch == '\'' || ch == '"') {
			quote = ch;
		} else if (ch == '\\' && i + 1 < n) {
			i++;
		}
	}
	if (in_word && spans && count <= max)
		spans[count - 1].end = n;
	if (last_start)
		*last_start = start;
	return count;
}

/* A raw word as the user typed it: when the whole word is one quoted
 * string ('...' or "..."), its inside (backslashes in double quotes read as
 * the tokenizer reads them); otherwise the word itself, quotes kept. So
 * `roomId^"acme-"` stays what the query language wants, and a query with
 * spaces can be written '...' around it. Changes w in place. */
static char *raw_unquote(char *w)
{
	size_t n = strlen(w);
	char q = w[0];

	if (n < 2 || (q != '\'' && q != '"'))
		return w;
	size_t i = 1;
	for (; i < n && w[i] != q; i++)
		if (q == '"' && w[i] == '\\' && i + 1 < n)
			i++;
	if (i != n - 1)
		return w;
	char *out = w;
	for (size_t k = 1; k < n - 1; k++) {
		if (q == '"' && w[k] == '\\' && k + 1 < n - 1)
			k++;
		*out++ = w[k];
	}
	*out = '\0';
	return w;
}

/* As cmd_split; *raw (when raw is not NULL) gets the words as typed,
 * quotes kept, one per word of argv (NULL when the tokenizer and the
 * scanner disagree on the words, so that callers fall back on argv). */
static bool split_line(const char *line, int *argc, char ***argv, char ***raw,
		       struct lb_error *err)
{
	Tokenizer *tok = tok_init(NULL);
	const char **targv = NULL;
	int targc = 0;
	int rc;

	*argc = 0;
	*argv = NULL;
	if (raw)
		*raw = NULL;
	if (!tok) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	/* The tokenizer stops at the end of the first line outside quotes:
	 * what follows would be dropped without a word. */
	bool bare_break;
	size_t len = strlen(line);
	scan_words(line, len, NULL, 0, NULL, &bare_break);
	if (bare_break) {
		tok_end(tok);
		lb_error_set(err, LB_USAGE,
			     "a command is one line: give each command its own -e");
		return false;
	}
	/* The tokenizer wants a complete line. */
	char *copy = malloc(len + 2);
	if (!copy) {
		tok_end(tok);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	memcpy(copy, line, len);
	copy[len] = '\n';
	copy[len + 1] = '\0';
	rc = tok_str(tok, copy, &targc, &targv);
	free(copy);
	if (rc != 0) {
		tok_end(tok);
		lb_error_set(err, LB_USAGE, "%s",
			     rc == 1   ? "unmatched ' quote"
			     : rc == 2 ? "unmatched \" quote"
			     : rc == 3 ? "a backslash ends the line"
				       : "cannot split the command line");
		return false;
	}
	char **out = calloc((size_t)targc + 1, sizeof(*out));
	struct span *spans = raw ? calloc((size_t)targc + 1, sizeof(*spans)) : NULL;
	char **words = raw ? calloc((size_t)targc + 1, sizeof(*words)) : NULL;
	bool ok = out && (!raw || (spans && words));
	for (int i = 0; ok && i < targc; i++)
		ok = (out[i] = strdup(targv[i])) != NULL;
	tok_end(tok);
	if (ok && raw && scan_words(line, len, spans, (size_t)targc + 1, NULL, NULL) ==
			     (size_t)targc) {
		for (int i = 0; ok && i < targc; i++)
			ok = (words[i] = strndup(line + spans[i].start,
						 spans[i].end - spans[i].start)) != NULL;
		if (ok)
			*raw = words;
	} else if (words) {
		free(words);
		words = NULL;
	}
	free(spans);
	if (!ok) {
		cmd_argv_free(&out);
		cmd_argv_free(&words);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	*argc = targc;
	*argv = out;
	return true;
}

bool cmd_split(const char *line, int *argc, char ***argv, struct lb_error *err)
{
	return split_line(line, argc, argv, NULL, err);
}

void cmd_argv_free(char ***argv)
{
	if (!*argv)
		return;
	for (char **p = *argv; *p; p++)
		free(*p);
	free(*argv);
	*argv = NULL;
}

/* The command named by argv (longest match: "room show" before "room"). */
static const struct command *find_command(int argc, char **argv, int *used)
{
	if (argc >= 2) {
		char two[128];
		snprintf(two, sizeof(two), "%s %s", argv[0], argv[1]);
		FOR_EACH_COMMAND(cmd)
			if (!strcmp(cmd->name, two)) {
				*used = 2;
				return cmd;
			}
	}
	FOR_EACH_COMMAND(cmd)
		if (!strcmp(cmd->name, argv[0])) {
			*used = 1;
			return cmd;
		}
	return NULL;
}

static bool is_group_word(const char *w)
{
	size_t n = strlen(w);
	FOR_EACH_COMMAND(cmd)
		if (!strncmp(cmd->name, w, n) && cmd->name[n] == ' ')
			return true;
	return false;
}

static const struct opt_spec *find_opt(const struct opt_spec *opts, const char *name, size_t n)
{
	for (const struct opt_spec *o = opts; o->name; o++)
		if (strlen(o->name) == n && !strncmp(o->name, name, n))
			return o;
	return NULL;
}

/* raw (may be NULL): the words as typed, for OPT_RAW values. */
static bool parse_args(const struct command *cmd, int argc, char **argv, char **raw,
		       struct args *a, struct lb_error *err)
{
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < argc; i++) {
		const char *w = argv[i];
		if (!strcmp(w, "--")) {
			for (i++; i < argc; i++) {
				if (a->npos >= (int)(sizeof(a->pos) / sizeof(a->pos[0])))
					goto too_many;
				a->pos[a->npos++] = argv[i];
			}
			break;
		}
		if (w[0] == '-' && w[1] == '-' && w[2]) {
			const char *name = w + 2;
			const char *eq = strchr(name, '=');
			size_t n = eq ? (size_t)(eq - name) : strlen(name);
			const struct opt_spec *o = find_opt(cmd->opts, name, n);
			if (!o) {
				lb_error_set(err, LB_USAGE, "unknown option --%.*s for '%s' (see: help %s)",
					     (int)n, name, cmd->name, cmd->name);
				return false;
			}
			if (a->nopt >= (int)(sizeof(a->opt) / sizeof(a->opt[0]))) {
				lb_error_set(err, LB_USAGE, "too many options");
				return false;
			}
			const char *value = NULL;
			if (o->kind != OPT_FLAG) {
				bool as_typed = o->kind == OPT_RAW && raw;
				char *typed = as_typed && eq ? raw_unquote(raw[i]) : NULL;
				if (typed && strchr(typed, '='))
					/* "--query=a b" is quoted whole: its value is a b. */
					value = raw_unquote(strchr(typed, '=') + 1);
				else if (eq)
					value = eq + 1;
				else if (i + 1 < argc && as_typed)
					value = raw_unquote(raw[++i]);
				else if (i + 1 < argc)
					value = argv[++i];
				else {
					lb_error_set(err, LB_USAGE, "option --%s needs a value (%s)",
						     o->name, o->arg);
					return false;
				}
			} else if (eq) {
				lb_error_set(err, LB_USAGE, "option --%s takes no value", o->name);
				return false;
			}
			a->opt[a->nopt].spec = o;
			a->opt[a->nopt].value = value;
			a->nopt++;
			continue;
		}
		if (w[0] == '-' && w[1] && w[1] != '-') {
			lb_error_set(err, LB_USAGE, "unknown option %s for '%s' (options start with --)",
				     w, cmd->name);
			return false;
		}
		if (a->npos >= (int)(sizeof(a->pos) / sizeof(a->pos[0])))
			goto too_many;
		a->pos[a->npos++] = w;
	}
	if (a->npos < cmd->min_pos || a->npos > cmd->max_pos) {
		if (a->npos < cmd->min_pos)
			lb_error_set(err, LB_USAGE, "'%s' needs %s (usage: %s %s)", cmd->name, cmd->args,
				     cmd->name, cmd->args);
		else
			lb_error_set(err, LB_USAGE, "'%s' got too many arguments (usage: %s %s)",
				     cmd->name, cmd->name, cmd->args);
		return false;
	}
	return true;
too_many:
	lb_error_set(err, LB_USAGE, "too many arguments for '%s'", cmd->name);
	return false;
}

/* ---- IDs ------------------------------------------------------------------ */

/* Arguments and option values that name something for the API, by the name
 * the synopsis or the option gives their value. They are checked before a
 * command runs, so that no request goes out with an ID the API cannot take
 * (an empty room ID made `DELETE /v2/rooms/`). */
static const struct id_arg id_args[] = {
    {"ID", ROOM_ID_MAX, false, false, false},
    {"ROOM", ROOM_ID_MAX, false, false, false},
    {"NEW_ID", ROOM_ID_MAX, true, false, false},
    {"USER", 0, false, false, false},
    {"GROUP", 0, false, true, false},
    {"ORG", 0, false, false, false},
    {"GUID", 0, false, false, false},
    {"USER=PERMS", 0, false, false, true},
    {"GROUP=PERMS", 0, false, false, true},
    {NULL, 0, false, false, false},
};

static const struct id_arg *id_arg_in(const struct id_arg *t, const char *name, size_t n)
{
	for (; t && t->name; t++)
		if (strlen(t->name) == n && !strncmp(t->name, name, n))
			return t;
	return NULL;
}

/* The core's names, then each family's. */
static const struct id_arg *find_id_arg(const char *name, size_t n)
{
	const struct id_arg *k = id_arg_in(id_args, name, n);

	for (size_t i = 0; !k && lb_families[i]; i++)
		k = id_arg_in(lb_families[i]->ids, name, n);
	return k;
}

/* One value of an ID argument; what names it in messages. What exists
 * already is taken as the server has it, control characters and length
 * (the dev server keeps IDs longer than the API takes): the rules are for
 * what the command creates. */
static bool check_id_value(const struct id_arg *k, const char *v, const char *what, bool creates,
                           struct lb_error *err)
{
	bool no_controls = k->is_new || (creates && !strcmp(k->name, "ID"));
	size_t max_units = no_controls ? k->max_units : 0;

	if (k->keyed) {
		const char *eq = strchr(v, '=');
		if (!eq || eq == v)
			return true;
		char *key = strndup(v, (size_t)(eq - v));
		if (!key) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		bool ok = room_check_id(key, what, max_units, no_controls, err);
		free(key);
		return ok;
	}
	if (!k->list || !*v)
		return room_check_id(v, what, max_units, no_controls, err);
	for (const char *p = v;;) {
		size_t n = strcspn(p, ",");
		char *item = strndup(p, n);
		if (!item) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		bool ok = room_check_id(item, what, max_units, no_controls, err);
		free(item);
		if (!ok)
			return false;
		if (!p[n])
			return true;
		p += n + 1;
	}
}

/* How many words the synopsis to skip because they were left out: the
 * optional ones it starts with ("[ROOM] THREAD" given one argument: that
 * one is THREAD). */
static int left_out(const char *synopsis, int npos)
{
	int words = 0, optional = 0;
	bool leading = true;

	for (const char *w = synopsis; *(w += strspn(w, " ")); w += strcspn(w, " ")) {
		words++;
		leading = leading && *w == '[';
		optional += leading;
	}
	return npos < words ? (words - npos < optional ? words - npos : optional) : 0;
}

/* Every ID among the arguments and options of cmd, before it runs. */
static bool check_ids(const struct command *cmd, const struct args *a, struct lb_error *err)
{
	bool creates = !strcmp(cmd->name, "room create") || !strcmp(cmd->name, "room upsert");
	const char *w = cmd->args;
	char what[128];

	for (int skip = left_out(w, a->npos); skip > 0; skip--) {
		w += strspn(w, " ");
		w += strcspn(w, " ");
	}
	for (int i = 0; i < a->npos && *w; i++) {
		/* The synopsis names positional i: "ROOM PATH [VALUE]". */
		w += strspn(w, " [");
		size_t n = strcspn(w, " ]");
		const struct id_arg *k = find_id_arg(w, n);
		w += n;
		w += strspn(w, "]");
		if (!k)
			continue;
		if (!check_id_value(k, a->pos[i], k->name, creates, err)) {
			size_t len = strlen(err->message);
			snprintf(err->message + len, sizeof(err->message) - len, " (usage: %s %s)",
			         cmd->name, cmd->args);
			return false;
		}
	}
	for (int i = 0; i < a->nopt; i++) {
		const struct opt_spec *o = a->opt[i].spec;
		const struct id_arg *k = o->arg ? find_id_arg(o->arg, strlen(o->arg)) : NULL;
		if (!k || !a->opt[i].value)
			continue;
		snprintf(what, sizeof(what), "--%s", o->name);
		if (!check_id_value(k, a->opt[i].value, what, creates, err))
			return false;
	}
	return true;
}

bool cmd_has_flag(const struct args *a, const char *name)
{
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].spec->name, name))
			return true;
	return false;
}

const char *cmd_opt_value(const struct args *a, const char *name)
{
	const char *v = NULL;
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].spec->name, name))
			v = a->opt[i].value;
	return v;
}

bool cmd_split_list(const char *s, struct strv *list)
{
	const char *p = s;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n > 0) {
			char *item = strndup(p, n);
			if (!item || !strv_push(list, item)) {
				free(item);
				return false;
			}
			free(item);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return true;
}

bool cmd_split_kv(const char *s, const char *opt, char **key, const char **value,
		     struct lb_error *err)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s) {
		lb_error_set(err, LB_USAGE, "--%s wants KEY=VALUE, got '%s'", opt, s);
		return false;
	}
	*key = strndup(s, (size_t)(eq - s));
	*value = eq + 1;
	if (!*key) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	return true;
}

const char *cmd_target(struct cmd_ctx *c, const struct command *cmd, const struct args *a,
                       enum scope_part part)
{
	if (cmd->scope_arg == part && a->npos > 0)
		return a->pos[0];
	if (c->host.scope) {
		struct scope here = {0};
		c->host.scope(c->host.ud, &here);
		const char *id = scope_get(&here, part);
		if (id)
			return id;
	}
	cmd_finish_with(c, LB_USAGE, "which %s? (usage: %s ID)", scope_part_name(part), cmd->name);
	return NULL;
}

/* ---- read-only guard ------------------------------------------------------ */

bool cmd_refuse_read_only(struct cmd_ctx *c, const struct command *cmd)
{
	if (!cmd->mutation || !(c->read_only || model_read_only(c->model)))
		return false;
	struct lb_error err;
	lb_error_set(&err, LB_READONLY,
		     "'%s' would change the project (started with --read-only or a read_only "
		     "profile)",
		     cmd->name);
	cmd_finish(c, &err);
	return true;
}

/* ---- jobs that wait for the model --------------------------------------- */

struct cmd_job {
	struct cmd_ctx *c;
	struct resource *res;
	cmd_step_fn step;
	cmd_progress_fn progress; /* NULL: none */
	void *ud;
	void (*ud_free)(void *ud);
	struct cmd_job *next;
};

static bool job_step(struct cmd_job *j)
{
	if (j->res && j->res->busy) {
		if (j->progress)
			j->progress(j->c, j->res, j->ud);
		return false;
	}
	return j->step(j->c, j->res, j->ud);
}

/* Advance waiting jobs; batch mode calls this after every network event. */
void cmd_step(struct cmd_ctx *c)
{
	struct cmd_job **pp = &c->jobs;
	while (*pp) {
		struct cmd_job *j = *pp;
		if (job_step(j)) {
			*pp = j->next;
			model_release(c->model, &j->res);
			j->ud_free(j->ud);
			free(j);
			continue;
		}
		pp = &j->next;
	}
}

void cmd_clear(struct cmd_ctx *c)
{
	while (c->jobs) {
		struct cmd_job *j = c->jobs;
		c->jobs = j->next;
		model_release(c->model, &j->res);
		j->ud_free(j->ud);
		free(j);
		c->running--;
	}
}

void cmd_wait(struct cmd_ctx *c, struct resource *r, bool refresh, cmd_step_fn step, void *ud)
{
	cmd_wait_progress(c, r, refresh, step, NULL, ud);
}

static void wait_job(struct cmd_ctx *c, struct resource *r, bool refresh, cmd_step_fn step,
                     cmd_progress_fn progress, void *ud, void (*ud_free)(void *))
{
	struct cmd_job *j = calloc(1, sizeof(*j));
	if (!j) {
		model_release(c->model, &r);
		ud_free(ud);
		cmd_finish_nomem(c);
		return;
	}
	j->c = c;
	j->res = r;
	j->step = step;
	j->progress = progress;
	j->ud = ud;
	j->ud_free = ud_free;
	if (refresh && r && r->state != RES_LOADING && !r->busy)
		model_refresh(c->model, r);
	j->next = c->jobs;
	c->jobs = j;
	cmd_step(c);
}

void cmd_wait_progress(struct cmd_ctx *c, struct resource *r, bool refresh, cmd_step_fn step,
                       cmd_progress_fn progress, void *ud)
{
	wait_job(c, r, refresh, step, progress, ud, free);
}

void cmd_wait_free(struct cmd_ctx *c, struct resource *r, cmd_step_fn step, void *ud,
                   void (*ud_free)(void *ud))
{
	wait_job(c, r, false, step, NULL, ud, ud_free);
}

static void run_help(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	char name[128] = "";
	if (a->npos == 1)
		snprintf(name, sizeof(name), "%s", a->pos[0]);
	else if (a->npos == 2)
		snprintf(name, sizeof(name), "%s %s", a->pos[0], a->pos[1]);
	char *text = cmd_help(a->npos ? name : NULL);
	if (!text) {
		cmd_finish_usage(c, "no command '%s' (type help for the list)", name);
		return;
	}
	cmd_say(c, text);
	free(text);
	cmd_finish_ok(c);
}

static void run_quit(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (c->host.quit)
		c->host.quit(c->host.ud);
	cmd_finish_ok(c);
}

static void run_messages(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (!c->host.show_messages) {
		cmd_finish_with(c, LB_USAGE,
				"'messages' lists the screen's messages; batch mode prints each "
				"one as it comes");
		return;
	}
	c->host.show_messages(c->host.ud);
	cmd_finish_ok(c);
}

static void run_export(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct lb_error err;
	char done[1024];

	if (!c->host.export_list) {
		cmd_finish_with(c, LB_USAGE, "export works on the screen; in batch mode use --json");
		return;
	}
	lb_error_clear(&err);
	if (!c->host.export_list(c->host.ud, a->pos[0], cmd_has_flag(a, "force"), done, sizeof(done),
	                         &err)) {
		cmd_finish(c, &err);
		return;
	}
	cmd_sayf(c, "%s", done);
	cmd_finish_ok(c);
}

/* "show, create, …": the subcommands of a group word, as help lists them. */
static void group_words(const char *group, struct buf *b)
{
	size_t n = strlen(group);
	FOR_EACH_COMMAND(cmd)
		if (!strncmp(cmd->name, group, n) && cmd->name[n] == ' ')
			buf_printf(b, "%s%s", b->len ? ", " : "", cmd->name + n + 1);
}

/* ---- entry points --------------------------------------------------------- */

/* --json is lbtui's option, and every command takes it too (`-e 'queue
 * --json'`): in batch mode it prints JSON from that command on; on the
 * screen, where views show the data, it changes nothing. The words after
 * a bare -- are the command's own. */
static void take_json_option(struct cmd_ctx *c, int *argc, char **argv, char **raw)
{
	int out = 0;
	bool rest = false;

	for (int i = 0; i < *argc; i++) {
		bool is_json = !rest && i > 0 && !strcmp(argv[i], "--json");
		rest = rest || !strcmp(argv[i], "--");
		if (is_json) {
			if (!c->host.interactive)
				c->host.json = true;
			free(argv[i]);
			if (raw)
				free(raw[i]);
			continue;
		}
		argv[out] = argv[i];
		if (raw)
			raw[out] = raw[i];
		out++;
	}
	for (int i = out; i < *argc; i++) {
		argv[i] = NULL;
		if (raw)
			raw[i] = NULL;
	}
	*argc = out;
}

void cmd_run(struct cmd_ctx *c, const char *line)
{
	struct lb_error err;
	int argc, used = 0;
	char **argv, **raw;
	const struct command *cmd = NULL;
	struct args a;

	c->running++;
	if (!split_line(line, &argc, &argv, &raw, &err)) {
		cmd_finish(c, &err);
		return;
	}
	lb_error_clear(&err);
	take_json_option(c, &argc, argv, raw);
	if (argc > 0 && !(cmd = find_command(argc, argv, &used))) {
		if (is_group_word(argv[0])) {
			struct buf subs;
			buf_init(&subs);
			group_words(argv[0], &subs);
			lb_error_set(&err, LB_USAGE, "'%s' needs a subcommand: %s%s (see: help %s)",
				     argv[0], argc > 1 ? "unknown subcommand; try " : "",
				     subs.data ? subs.data : "", argv[0]);
			buf_free(&subs);
		} else
			lb_error_set(&err, LB_USAGE, "unknown command '%s' (type help for the list)",
				     argv[0]);
	}
	if (!cmd)
		cmd_finish(c, &err);
	else if (!parse_args(cmd, argc - used, argv + used, raw ? raw + used : NULL, &a, &err) ||
		 !check_ids(cmd, &a, &err))
		cmd_finish(c, &err);
	else
		cmd->run(c, cmd, &a);
	cmd_argv_free(&argv);
	cmd_argv_free(&raw);
}

char *cmd_quote(const char *word)
{
	struct buf b;
	bool plain = word[0] != '\0';

	for (const char *p = word; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("-_.:/@+,=", *p)))
			plain = false;
	if (plain)
		return strdup(word);
	buf_init(&b);
	buf_adds(&b, "'");
	for (const char *p = word; *p; p++) {
		if (*p == '\'')
			buf_adds(&b, "'\\''");
		else
			buf_add(&b, p, 1);
	}
	buf_adds(&b, "'");
	return buf_steal(&b);
}

char *cmd_quote_raw(const char *value, bool quoted)
{
	/* The first way of writing it that reads back as value. */
	for (int form = quoted ? 1 : 0; form < 3; form++) {
		struct buf b;
		buf_init(&b);
		if (form == 0) {
			buf_adds(&b, value);
		} else if (form == 1) {
			buf_printf(&b, "'%s'", value);
		} else {
			buf_adds(&b, "\"");
			for (const char *p = value; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_adds(&b, "\\");
				buf_add(&b, p, 1);
			}
			buf_adds(&b, "\"");
		}
		char *typed = buf_steal(&b);
		struct lb_error err;
		int argc;
		char **argv, **raw;
		bool same = typed && split_line(typed, &argc, &argv, &raw, &err);
		if (same) {
			same = argc == 1 && raw && !strcmp(raw_unquote(raw[0]), value);
			cmd_argv_free(&argv);
			cmd_argv_free(&raw);
		}
		if (same || !typed)
			return typed;
		free(typed);
	}
	return NULL;
}

bool cmd_is_mutation(const char *line)
{
	struct lb_error err;
	int argc, used;
	char **argv;
	bool mut = false;

	if (!cmd_split(line, &argc, &argv, &err))
		return false;
	if (argc > 0) {
		const struct command *cmd = find_command(argc, argv, &used);
		/* A copy writes too, though read-only mode judges it by its
		 * target rather than by this project. */
		mut = cmd && (cmd->mutation || !strcmp(cmd->name, "room copy"));
	}
	cmd_argv_free(&argv);
	return mut;
}

static void append_synopsis(struct buf *b, const struct command *cmd)
{
	buf_printf(b, "%s", cmd->name);
	if (cmd->args[0])
		buf_printf(b, " %s", cmd->args);
	if (cmd->opts[0].name)
		buf_adds(b, " [options]");
}

char *cmd_help(const char *name)
{
	struct buf b;

	buf_init(&b);
	if (!name) {
		FOR_EACH_COMMAND(cmd) {
			struct buf s;
			buf_init(&s);
			append_synopsis(&s, cmd);
			buf_printf(&b, "%-28s %s\n", s.data ? s.data : "", cmd->doc);
			buf_free(&s);
		}
		return buf_steal(&b);
	}
	/* A family's name ("versions", "room admin") says what it is about
	 * first. */
	for (size_t i = 0; lb_families[i]; i++)
		if (!strcmp(lb_families[i]->name, name))
			buf_printf(&b, "%s: %s\n", name, lb_families[i]->summary);
	FOR_EACH_COMMAND(cmd) {
		size_t n = strlen(name);
		/* "room" shows the whole group. */
		if (strcmp(cmd->name, name) &&
		    !(strncmp(cmd->name, name, n) == 0 && cmd->name[n] == ' '))
			continue;
		buf_adds(&b, "usage: ");
		append_synopsis(&b, cmd);
		buf_printf(&b, "\n  %s\n", cmd->doc);
		for (const struct opt_spec *o = cmd->opts; o->name; o++) {
			char left[64];
			snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
			buf_printf(&b, "  %-26s %s\n", left, o->doc);
		}
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

size_t cmd_names(const char **out, size_t max)
{
	size_t n = 0;
	FOR_EACH_COMMAND(cmd)
		if (n < max)
			out[n++] = cmd->name;
	return n;
}

/* ---- completion ----------------------------------------------------------- */

static size_t add_candidate(char **out, size_t n, size_t max, const char *s, size_t len)
{
	if (n >= max)
		return n;
	for (size_t i = 0; i < n; i++)
		if (strlen(out[i]) == len && !strncmp(out[i], s, len))
			return n;
	out[n] = strndup(s, len);
	return out[n] ? n + 1 : n;
}

/* The IDs the cache knows that start with prefix (at most max, the
 * model's strings). */
typedef size_t (*known_ids_fn)(struct model *m, const char *prefix, const char **out, size_t max);

/* Where the IDs of each part of the scope come from, for completing a
 * command's first argument (struct command's scope_arg). */
static const struct {
	enum scope_part part;
	known_ids_fn ids;
} id_sources[] = {
    {SCOPE_ROOM, model_room_ids},
    {SCOPE_USER, model_user_ids},
};

/* The source of the IDs of part, NULL when none. */
static known_ids_fn known_ids(enum scope_part part)
{
	for (size_t i = 0; i < sizeof(id_sources) / sizeof(id_sources[0]); i++)
		if (id_sources[i].part == part)
			return id_sources[i].ids;
	return NULL;
}

/* Is the next argument of cmd (argc words typed, the command's name
 * taking used of them) a Storage path: after the room of storage set,
 * insert, delete, and both ends of storage move? */
static bool takes_storage_path(const struct command *cmd, int argc, int used)
{
	static const char *const cmds[] = {"storage set", "storage insert", "storage delete",
					   "storage move"};
	bool move = !strcmp(cmd->name, "storage move");
	bool named = false;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		named |= !strcmp(cmd->name, cmds[i]);
	return named && (argc == used + 1 || (move && argc == used + 2));
}

size_t cmd_complete(struct cmd_ctx *c, const char *line, size_t cursor, size_t *word_start,
		    char **out, size_t max)
{
	/* Quotes read as the tokenizer reads them: 'my r' is one word. */
	size_t start;
	scan_words(line, cursor, NULL, 0, &start, NULL);
	size_t n = 0;

	*word_start = start;
	const char *word = line + start;
	size_t wlen = cursor - start;

	/* The words before the one being completed. */
	char *before = strndup(line, start);
	if (!before)
		return 0;
	struct lb_error err;
	int argc = 0, used = 0;
	char **argv = NULL;
	bool split = cmd_split(before, &argc, &argv, &err);
	free(before);
	if (!split)
		return 0;

	bool group = argc == 1 && is_group_word(argv[0]);
	if (argc == 0 || group) {
		/* A command name, or the subcommand after "room" (and after
		 * "storage", which is also a command of its own: its room IDs
		 * follow). */
		FOR_EACH_COMMAND(c_) {
			const char *name = c_->name;
			if (argc == 1) {
				size_t g = strlen(argv[0]);
				if (strncmp(name, argv[0], g) || name[g] != ' ')
					continue;
				name += g + 1;
			}
			const char *sp = strchr(name, ' ');
			size_t len = sp ? (size_t)(sp - name) : strlen(name);
			if (len >= wlen && !strncmp(name, word, wlen))
				n = add_candidate(out, n, max, name, len);
		}
		if (argc == 0 || !find_command(argc, argv, &used)) {
			cmd_argv_free(&argv);
			return n;
		}
	}
	const struct command *cmd = find_command(argc, argv, &used);
	if (!cmd) {
		cmd_argv_free(&argv);
		return 0;
	}
	known_ids_fn known;
	if (wlen >= 1 && word[0] == '-') {
		for (const struct opt_spec *o = cmd->opts; o->name; o++) {
			char opt[64];
			snprintf(opt, sizeof(opt), "--%s", o->name);
			if (!strncmp(opt, word, wlen))
				n = add_candidate(out, n, max, opt, strlen(opt));
		}
	} else if ((known = known_ids(cmd->scope_arg)) && argc == used) {
		/* The ID argument: IDs from the cache, quoted as the command
		 * line needs them, so that an ID with spaces stays one word and
		 * one like "x --yes" cannot add an option. The typed prefix may
		 * have begun a quote. */
		bool quoted = wlen > 0 && (word[0] == '\'' || word[0] == '"');
		char *prefix = quoted ? strndup(word + 1, wlen - 1) : strndup(word, wlen);
		const char *ids[256];
		size_t k = prefix ? known(c->model, prefix, ids, 256) : 0;
		for (size_t i = 0; i < k; i++) {
			if (ids[i][0] == '-')
				continue; /* would read as an option */
			char *q = cmd_quote(ids[i]);
			if (q)
				n = add_candidate(out, n, max, q, strlen(q));
			free(q);
		}
		free(prefix);
	} else if (takes_storage_path(cmd, argc, used)) {
		/* A JSON Pointer in that room's Storage, if it is in the cache. */
		bool quoted = wlen > 0 && (word[0] == '\'' || word[0] == '"');
		char *prefix = quoted ? strndup(word + 1, wlen - 1) : strndup(word, wlen);
		char *paths[256];
		size_t k = prefix ? model_storage_paths(c->model, argv[used], prefix, paths, 256) : 0;
		for (size_t i = 0; i < k; i++) {
			char *q = cmd_quote(paths[i]);
			if (q)
				n = add_candidate(out, n, max, q, strlen(q));
			free(q);
			free(paths[i]);
		}
		free(prefix);
	}
	cmd_argv_free(&argv);
	return n;
}
