#include "lbconfig.h"

#include "cmd.h"

#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "term_safe.h"
#include "util.h"

/* Options a command accepts: a flag, or an option taking a value. */
enum opt_kind { OPT_FLAG, OPT_VALUE };

struct opt_spec {
	const char *name; /* without the leading "--" */
	enum opt_kind kind;
	const char *arg;  /* value name for help */
	const char *doc;
};

struct parsed_opt {
	const struct opt_spec *spec;
	const char *value; /* NULL for flags */
};

struct args {
	int npos;
	const char *pos[8];
	int nopt;
	struct parsed_opt opt[64];
};

struct command;
typedef void (*cmd_fn)(struct cmd_ctx *c, const struct command *cmd, struct args *a);

struct command {
	const char *name;   /* "rooms", "room show" */
	const char *args;   /* synopsis of the positional arguments */
	int min_pos, max_pos;
	bool mutation;
	cmd_fn run;
	const char *doc;
	const struct opt_spec *opts;
};

static void run_rooms(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_show(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_create(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_update(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_room_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_help(struct cmd_ctx *c, const struct command *cmd, struct args *a);
static void run_quit(struct cmd_ctx *c, const struct command *cmd, struct args *a);

static const struct opt_spec rooms_opts[] = {
	{"query", OPT_VALUE, "QUERY", "filter with the query language, e.g. roomId^\"acme-\""},
	{"prefix", OPT_VALUE, "PREFIX", "rooms whose ID starts with PREFIX"},
	{"metadata", OPT_VALUE, "KEY=VALUE", "rooms whose metadata KEY is VALUE (repeatable)"},
	{"user", OPT_VALUE, "USER", "rooms USER has access to"},
	{"group", OPT_VALUE, "GROUP", "rooms GROUP has access to (repeatable)"},
	{"org", OPT_VALUE, "ORG", "rooms of an organization"},
	{"tenant", OPT_VALUE, "ORG", "same as --org"},
	{"limit", OPT_VALUE, "N", "rooms per page, 1 to 100"},
	{"all", OPT_FLAG, NULL, "load every page"},
	{NULL, 0, NULL, NULL},
};

static const struct opt_spec create_opts[] = {
	{"public", OPT_FLAG, NULL, "anyone with a token may write (room:write)"},
	{"private", OPT_FLAG, NULL, "no default access"},
	{"access", OPT_VALUE, "PERMS", "default accesses, comma-separated"},
	{"metadata", OPT_VALUE, "KEY=VALUE", "a metadata string (repeatable)"},
	{"metadata-list", OPT_VALUE, "KEY=A,B", "a metadata string list (repeatable)"},
	{"user-access", OPT_VALUE, "USER=PERMS", "give a user accesses (repeatable)"},
	{"group-access", OPT_VALUE, "GROUP=PERMS", "give a group accesses (repeatable)"},
	{"org", OPT_VALUE, "ORG", "the room's organization"},
	{"get-or-create", OPT_FLAG, NULL, "return the existing room instead of failing"},
	{NULL, 0, NULL, NULL},
};

static const struct opt_spec update_opts[] = {
	{"set", OPT_VALUE, "KEY=VALUE", "set a metadata string (repeatable)"},
	{"set-list", OPT_VALUE, "KEY=A,B", "set a metadata string list (repeatable)"},
	{"unset", OPT_VALUE, "KEY", "remove a metadata key (repeatable)"},
	{"grant-user", OPT_VALUE, "USER=PERMS", "set a user's accesses (repeatable)"},
	{"revoke-user", OPT_VALUE, "USER", "remove a user's accesses (repeatable)"},
	{"grant-group", OPT_VALUE, "GROUP=PERMS", "set a group's accesses (repeatable)"},
	{"revoke-group", OPT_VALUE, "GROUP", "remove a group's accesses (repeatable)"},
	{"public", OPT_FLAG, NULL, "default access room:write"},
	{"private", OPT_FLAG, NULL, "no default access"},
	{"access", OPT_VALUE, "PERMS", "default accesses, comma-separated"},
	{NULL, 0, NULL, NULL},
};

static const struct opt_spec delete_opts[] = {
	{"yes", OPT_FLAG, NULL, "do not ask for confirmation"},
	{NULL, 0, NULL, NULL},
};

static const struct opt_spec no_opts[] = {
	{NULL, 0, NULL, NULL},
};

static const struct command commands[] = {
	{"rooms", "", 0, 0, false, run_rooms, "List rooms, with filters", rooms_opts},
	{"room show", "[ID]", 0, 1, false, run_room_show, "Show every field of a room", no_opts},
	{"room create", "ID", 1, 1, true, run_room_create, "Create a room", create_opts},
	{"room update", "[ID]", 0, 1, true, run_room_update,
	 "Change a room's metadata and accesses", update_opts},
	{"room delete", "[ID]", 0, 1, true, run_room_delete,
	 "Delete a room (asks you to type its ID)", delete_opts},
	{"help", "[COMMAND]", 0, 2, false, run_help, "Show the commands, or one in detail", no_opts},
	{"quit", "", 0, 0, false, run_quit, "Leave lbtui", no_opts},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Permissions the API accepts for accesses. */
static const char *const known_perms[] = {
	"room:write", "room:read", "room:presence:write", "*:read", "*:write",
	"storage:read", "storage:write", "storage:none",
	"comments:read", "comments:write", "comments:none",
	"comments:public:read", "comments:public:write", "comments:public:none",
	"comments:private:read", "comments:private:write", "comments:private:none",
	"feeds:read", "feeds:write", "feeds:none",
};

/* ---- finishing ---------------------------------------------------------- */

static void finish(struct cmd_ctx *c, const struct lb_error *err)
{
	c->running--;
	if (c->host.done)
		c->host.done(c->host.ud, err);
}

static void finish_ok(struct cmd_ctx *c)
{
	struct lb_error ok;

	lb_error_clear(&ok);
	finish(c, &ok);
}

static void finish_usage(struct cmd_ctx *c, const char *fmt, const char *arg)
{
	struct lb_error err;

	lb_error_set(&err, LB_USAGE, fmt, arg ? arg : "");
	finish(c, &err);
}

static void say(struct cmd_ctx *c, const char *text)
{
	if (c->host.print)
		c->host.print(c->host.ud, text);
}

/* ---- splitting and option parsing --------------------------------------- */

bool cmd_split(const char *line, int *argc, char ***argv, struct lb_error *err)
{
	Tokenizer *tok = tok_init(NULL);
	const char **targv = NULL;
	int targc = 0;
	int rc;

	*argc = 0;
	*argv = NULL;
	if (!tok) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	/* The tokenizer wants a complete line. */
	size_t len = strlen(line);
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
	if (!out) {
		tok_end(tok);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	for (int i = 0; i < targc; i++) {
		out[i] = strdup(targv[i]);
		if (!out[i]) {
			cmd_argv_free(&out);
			tok_end(tok);
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
	}
	tok_end(tok);
	*argc = targc;
	*argv = out;
	return true;
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
		for (size_t i = 0; i < N_COMMANDS; i++)
			if (!strcmp(commands[i].name, two)) {
				*used = 2;
				return &commands[i];
			}
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, argv[0])) {
			*used = 1;
			return &commands[i];
		}
	return NULL;
}

static bool is_group_word(const char *w)
{
	for (size_t i = 0; i < N_COMMANDS; i++) {
		size_t n = strlen(w);
		if (!strncmp(commands[i].name, w, n) && commands[i].name[n] == ' ')
			return true;
	}
	return false;
}

static const struct opt_spec *find_opt(const struct opt_spec *opts, const char *name, size_t n)
{
	for (const struct opt_spec *o = opts; o->name; o++)
		if (strlen(o->name) == n && !strncmp(o->name, name, n))
			return o;
	return NULL;
}

static bool parse_args(const struct command *cmd, int argc, char **argv, struct args *a,
		       struct lb_error *err)
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
			if (o->kind == OPT_VALUE) {
				if (eq)
					value = eq + 1;
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

static bool has_flag(const struct args *a, const char *name)
{
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].spec->name, name))
			return true;
	return false;
}

/* The last value given for an option, or NULL. */
static const char *opt_value(const struct args *a, const char *name)
{
	const char *v = NULL;
	for (int i = 0; i < a->nopt; i++)
		if (!strcmp(a->opt[i].spec->name, name))
			v = a->opt[i].value;
	return v;
}

/* Split "a,b,c" into list (empty items skipped). */
static bool split_list(const char *s, struct strv *list)
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

static bool check_perms(const struct strv *perms, struct lb_error *err)
{
	for (size_t i = 0; i < perms->n; i++) {
		bool ok = false;
		for (size_t k = 0; k < sizeof(known_perms) / sizeof(known_perms[0]); k++)
			if (!strcmp(perms->v[i], known_perms[k]))
				ok = true;
		if (!ok) {
			lb_error_set(err, LB_USAGE,
				     "unknown permission '%s' (use room:write, room:read, "
				     "room:presence:write, comments:write, ...)",
				     perms->v[i]);
			return false;
		}
	}
	return true;
}

/* "KEY=VALUE" into key (malloc'd) and value (points into s). */
static bool split_kv(const char *s, const char *opt, char **key, const char **value,
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

/* Add KEY=VALUE (or KEY=A,B as a list) to a kvv map. */
static bool kvv_add(struct kvv *m, const char *spec, const char *opt, bool as_list,
		    bool perms, struct lb_error *err)
{
	char *key;
	const char *value;

	if (!split_kv(spec, opt, &key, &value, err))
		return false;
	struct kv *v = realloc(m->v, (m->n + 1) * sizeof(*v));
	if (!v) {
		free(key);
		lb_error_set(err, LB_NOMEM, "out of memory");
		return false;
	}
	m->v = v;
	struct kv *kv = &m->v[m->n];
	memset(kv, 0, sizeof(*kv));
	kv->key = key;
	kv->is_list = as_list;
	m->n++;
	if (as_list) {
		if (!split_list(value, &kv->list))
			goto nomem;
	} else if (!strv_push(&kv->list, value)) {
		goto nomem;
	}
	if (perms && !check_perms(&kv->list, err))
		return false;
	return true;
nomem:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static bool default_access_from(const struct args *a, struct strv *out, bool *set,
				struct lb_error *err)
{
	int n = has_flag(a, "public") + has_flag(a, "private") + (opt_value(a, "access") != NULL);
	if (n > 1) {
		lb_error_set(err, LB_USAGE, "use only one of --public, --private and --access");
		return false;
	}
	*set = n == 1;
	if (has_flag(a, "public"))
		return strv_push(out, "room:write");
	if (opt_value(a, "access")) {
		if (!split_list(opt_value(a, "access"), out)) {
			lb_error_set(err, LB_NOMEM, "out of memory");
			return false;
		}
		return check_perms(out, err);
	}
	return true;
}

/* ---- read-only guard ------------------------------------------------------ */

static bool refuse_read_only(struct cmd_ctx *c, const struct command *cmd)
{
	if (!cmd->mutation || !(c->read_only || model_read_only(c->model)))
		return false;
	struct lb_error err;
	lb_error_set(&err, LB_READONLY,
		     "'%s' would change the project (started with --read-only or a read_only "
		     "profile)",
		     cmd->name);
	finish(c, &err);
	return true;
}

/* ---- jobs that wait for the model --------------------------------------- */

enum job_kind { JOB_ROOMS, JOB_ROOM };

struct cmd_job {
	struct cmd_ctx *c;
	enum job_kind kind;
	struct resource *res;
	bool all;
	struct cmd_job *next;
};

static bool job_step(struct cmd_job *j)
{
	struct cmd_ctx *c = j->c;
	struct resource *r = j->res;

	if (r->busy)
		return false;
	if (r->state == RES_ERROR || (r->kind == RES_ROOM && r->gone) ||
	    (r->err.status != LB_OK && !r->has_data) ||
	    (r->err.status != LB_OK && j->all && !r->complete)) {
		struct lb_error err = r->err;
		if (err.status == LB_OK)
			lb_error_set(&err, LB_HTTP, "room not found");
		finish(c, &err);
		return true;
	}
	if (!r->has_data)
		return false;
	if (j->kind == JOB_ROOMS && j->all && !r->complete) {
		model_more(c->model, r);
		return false;
	}
	if (j->kind == JOB_ROOMS) {
		if (c->host.json)
			output_rooms_json(stdout, r->rooms, r->n_rooms, r->next_cursor);
		else
			output_rooms_table(stdout, r->rooms, r->n_rooms);
		if (!c->host.json && !r->complete)
			fprintf(stdout, "(more rooms: add --all to load every page)\n");
	} else {
		if (c->host.json)
			output_room_json(stdout, &r->room);
		else
			output_room_detail(stdout, &r->room);
	}
	fflush(stdout);
	finish_ok(c);
	return true;
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
		free(j);
		c->running--;
	}
}

static void start_job(struct cmd_ctx *c, enum job_kind kind, struct resource *r, bool all)
{
	struct cmd_job *j = calloc(1, sizeof(*j));
	if (!j) {
		struct lb_error err;
		model_release(c->model, &r);
		lb_error_set(&err, LB_NOMEM, "out of memory");
		finish(c, &err);
		return;
	}
	j->c = c;
	j->kind = kind;
	j->res = r;
	j->all = all;
	/* A batch command always wants the server's current answer. */
	if (r->state != RES_LOADING && !r->busy)
		model_refresh(c->model, r);
	j->next = c->jobs;
	c->jobs = j;
	cmd_step(c);
}

/* ---- commands ------------------------------------------------------------- */

static bool build_filter(const struct args *a, struct room_filter *f, struct lb_error *err)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < a->nopt; i++) {
		const char *name = a->opt[i].spec->name;
		const char *v = a->opt[i].value;
		if (!strcmp(name, "query")) {
			free(f->query);
			f->query = strdup(v);
		} else if (!strcmp(name, "prefix")) {
			free(f->prefix);
			f->prefix = strdup(v);
		} else if (!strcmp(name, "metadata")) {
			if (!kvv_add(&f->metadata, v, "metadata", false, false, err))
				return false;
		} else if (!strcmp(name, "user")) {
			free(f->user_id);
			f->user_id = strdup(v);
		} else if (!strcmp(name, "group")) {
			if (!split_list(v, &f->group_ids))
				goto nomem;
		} else if (!strcmp(name, "org") || !strcmp(name, "tenant")) {
			free(f->organization_id);
			f->organization_id = strdup(v);
		} else if (!strcmp(name, "limit")) {
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 100) {
				lb_error_set(err, LB_USAGE, "--limit must be a number from 1 to 100");
				return false;
			}
			f->limit = (int)n;
		}
	}
	return true;
nomem:
	lb_error_set(err, LB_NOMEM, "out of memory");
	return false;
}

static void run_rooms(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_filter f;
	struct lb_error err;

	if (!build_filter(a, &f, &err)) {
		room_filter_clear(&f);
		finish(c, &err);
		return;
	}
	if (c->host.interactive && c->host.show_rooms) {
		c->host.show_rooms(c->host.ud, &f);
		room_filter_clear(&f);
		finish_ok(c);
		return;
	}
	struct resource *r = model_rooms(c->model, &f);
	room_filter_clear(&f);
	if (!r) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		finish(c, &err);
		return;
	}
	start_job(c, JOB_ROOMS, r, has_flag(a, "all"));
}

/* The room a command is about: the argument, or the room the user is on. */
static const char *target_room(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (a->npos > 0)
		return a->pos[0];
	if (c->host.current_room) {
		const char *id = c->host.current_room(c->host.ud);
		if (id)
			return id;
	}
	finish_usage(c, "which room? (usage: %s ID)", cmd->name);
	return NULL;
}

static void run_room_show(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	const char *id = target_room(c, cmd, a);
	if (!id)
		return;
	if (c->host.interactive && c->host.show_room) {
		c->host.show_room(c->host.ud, id);
		finish_ok(c);
		return;
	}
	struct resource *r = model_room(c->model, id);
	if (!r) {
		struct lb_error err;
		lb_error_set(&err, LB_NOMEM, "out of memory");
		finish(c, &err);
		return;
	}
	start_job(c, JOB_ROOM, r, false);
}

struct mutation {
	struct cmd_ctx *c;
	char *verb;
	char *id;
	bool show; /* open the room when done (TUI) */
};

static void mutation_done(const struct lb_error *err, const struct room *room, void *ud)
{
	struct mutation *m = ud;
	struct cmd_ctx *c = m->c;

	if (err->status == LB_OK) {
		if (c->host.json && room) {
			output_room_json(stdout, room);
			fflush(stdout);
		} else {
			char msg[512];
			snprintf(msg, sizeof(msg), "%s room %s", m->verb, room ? room->id : m->id);
			char *safe = ts_sanitize(msg, (size_t)-1);
			say(c, safe ? safe : m->verb);
			free(safe);
		}
		if (m->show && c->host.interactive && c->host.show_room && room)
			c->host.show_room(c->host.ud, room->id);
	}
	finish(c, err);
	free(m->verb);
	free(m->id);
	free(m);
}

static struct mutation *mutation_new(struct cmd_ctx *c, const char *verb, const char *id)
{
	struct mutation *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->c = c;
	m->verb = strdup(verb);
	m->id = strdup(id);
	if (!m->verb || !m->id) {
		free(m->verb);
		free(m->id);
		free(m);
		return NULL;
	}
	return m;
}

static void run_room_create(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_create rc;
	struct lb_error err;

	if (refuse_read_only(c, cmd))
		return;
	memset(&rc, 0, sizeof(rc));
	rc.id = strdup(a->pos[0]);
	if (!default_access_from(a, &rc.default_accesses, &rc.default_accesses_set, &err))
		goto fail;
	if (!rc.default_accesses_set) {
		/* Public, as the dashboard and the SDK examples create rooms. */
		strv_push(&rc.default_accesses, "room:write");
		rc.default_accesses_set = true;
	}
	for (int i = 0; i < a->nopt; i++) {
		const char *name = a->opt[i].spec->name;
		const char *v = a->opt[i].value;
		bool ok = true;
		if (!strcmp(name, "metadata"))
			ok = kvv_add(&rc.metadata, v, name, false, false, &err);
		else if (!strcmp(name, "metadata-list"))
			ok = kvv_add(&rc.metadata, v, name, true, false, &err);
		else if (!strcmp(name, "user-access"))
			ok = kvv_add(&rc.users_accesses, v, name, true, true, &err);
		else if (!strcmp(name, "group-access"))
			ok = kvv_add(&rc.groups_accesses, v, name, true, true, &err);
		else if (!strcmp(name, "org")) {
			free(rc.organization_id);
			rc.organization_id = strdup(v);
		}
		if (!ok)
			goto fail;
	}
	struct mutation *m = mutation_new(c, "created", rc.id);
	if (!m) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	model_room_create(c->model, &rc, has_flag(a, "get-or-create"), mutation_done, m);
	room_create_clear(&rc);
	return;
fail:
	room_create_clear(&rc);
	finish(c, &err);
}

static bool patch_set(struct room_patch_map *map, const char *spec, const char *opt,
		      bool as_list, bool perms, struct lb_error *err)
{
	char *key;
	const char *value;
	struct strv list = {0};

	if (!split_kv(spec, opt, &key, &value, err))
		return false;
	bool ok = as_list ? split_list(value, &list) : strv_push(&list, value);
	if (!ok) {
		lb_error_set(err, LB_NOMEM, "out of memory");
	} else if (perms && !check_perms(&list, err)) {
		ok = false;
	} else if (!room_patch_map_set(map, key, &list, as_list, false)) {
		lb_error_set(err, LB_NOMEM, "out of memory");
		ok = false;
	}
	strv_free(&list);
	free(key);
	return ok;
}

static void run_room_update(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	struct room_update u;
	struct lb_error err;

	if (refuse_read_only(c, cmd))
		return;
	const char *id = target_room(c, cmd, a);
	if (!id)
		return;
	lb_error_clear(&err);
	memset(&u, 0, sizeof(u));
	if (!default_access_from(a, &u.default_accesses, &u.default_accesses_set, &err))
		goto fail;
	for (int i = 0; i < a->nopt; i++) {
		const char *name = a->opt[i].spec->name;
		const char *v = a->opt[i].value;
		bool ok = true;
		if (!strcmp(name, "set"))
			ok = patch_set(&u.metadata, v, name, false, false, &err);
		else if (!strcmp(name, "set-list"))
			ok = patch_set(&u.metadata, v, name, true, false, &err);
		else if (!strcmp(name, "grant-user"))
			ok = patch_set(&u.users_accesses, v, name, true, true, &err);
		else if (!strcmp(name, "grant-group"))
			ok = patch_set(&u.groups_accesses, v, name, true, true, &err);
		else if (!strcmp(name, "unset"))
			ok = room_patch_map_set(&u.metadata, v, NULL, false, true);
		else if (!strcmp(name, "revoke-user"))
			ok = room_patch_map_set(&u.users_accesses, v, NULL, false, true);
		else if (!strcmp(name, "revoke-group"))
			ok = room_patch_map_set(&u.groups_accesses, v, NULL, false, true);
		if (!ok) {
			if (err.status == LB_OK)
				lb_error_set(&err, LB_NOMEM, "out of memory");
			goto fail;
		}
	}
	if (!u.default_accesses_set && !u.metadata.n && !u.users_accesses.n &&
	    !u.groups_accesses.n) {
		lb_error_set(&err, LB_USAGE,
			     "nothing to change: give --set, --unset, --grant-user, --revoke-user, "
			     "--grant-group, --revoke-group, --public, --private or --access");
		goto fail;
	}
	struct mutation *m = mutation_new(c, "updated", id);
	if (!m) {
		lb_error_set(&err, LB_NOMEM, "out of memory");
		goto fail;
	}
	model_room_update(c->model, id, &u, mutation_done, m);
	room_update_clear(&u);
	return;
fail:
	room_update_clear(&u);
	finish(c, &err);
}

struct confirm {
	struct cmd_ctx *c;
	char *id;
};

static void delete_now(struct cmd_ctx *c, const char *id)
{
	struct mutation *m = mutation_new(c, "deleted", id);
	if (!m) {
		struct lb_error err;
		lb_error_set(&err, LB_NOMEM, "out of memory");
		finish(c, &err);
		return;
	}
	model_room_delete(c->model, id, mutation_done, m);
}

static void delete_answer(void *ctx, const char *text)
{
	struct confirm *k = ctx;
	struct cmd_ctx *c = k->c;

	if (text && !strcmp(text, k->id)) {
		delete_now(c, k->id);
	} else {
		struct lb_error err;
		lb_error_set(&err, LB_CANCELLED, "%s",
			     text ? "not deleted: the ID typed did not match" : "not deleted");
		finish(c, &err);
	}
	free(k->id);
	free(k);
}

static void run_room_delete(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (refuse_read_only(c, cmd))
		return;
	const char *id = target_room(c, cmd, a);
	if (!id)
		return;
	if (has_flag(a, "yes")) {
		delete_now(c, id);
		return;
	}
	if (!c->host.interactive || !c->host.ask) {
		finish_usage(c, "%s", "refusing to delete without confirmation: add --yes");
		return;
	}
	struct confirm *k = calloc(1, sizeof(*k));
	if (k)
		k->id = strdup(id);
	if (!k || !k->id) {
		if (k)
			free(k);
		struct lb_error err;
		lb_error_set(&err, LB_NOMEM, "out of memory");
		finish(c, &err);
		return;
	}
	k->c = c;
	char *safe = ts_sanitize(id, (size_t)-1);
	char prompt[512];
	snprintf(prompt, sizeof(prompt), "Delete room %s? Type its ID to confirm: ",
		 safe ? safe : "");
	free(safe);
	c->host.ask(c->host.ud, prompt, delete_answer, k);
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
		finish_usage(c, "no command '%s' (type help for the list)", name);
		return;
	}
	say(c, text);
	free(text);
	finish_ok(c);
}

static void run_quit(struct cmd_ctx *c, const struct command *cmd, struct args *a)
{
	if (c->host.quit)
		c->host.quit(c->host.ud);
	finish_ok(c);
}

/* ---- entry points --------------------------------------------------------- */

void cmd_run(struct cmd_ctx *c, const char *line)
{
	struct lb_error err;
	int argc, used = 0;
	char **argv;

	c->running++;
	if (!cmd_split(line, &argc, &argv, &err)) {
		finish(c, &err);
		return;
	}
	if (argc == 0) {
		cmd_argv_free(&argv);
		finish_ok(c);
		return;
	}
	const struct command *cmd = find_command(argc, argv, &used);
	if (!cmd) {
		if (is_group_word(argv[0]))
			lb_error_set(&err, LB_USAGE,
				     "'%s' needs a subcommand: %s%s (see: help)", argv[0],
				     argc > 1 ? "unknown subcommand; try " : "", "show, create, update, delete");
		else
			lb_error_set(&err, LB_USAGE, "unknown command '%s' (type help for the list)",
				     argv[0]);
		cmd_argv_free(&argv);
		finish(c, &err);
		return;
	}
	struct args a;
	if (!parse_args(cmd, argc - used, argv + used, &a, &err)) {
		cmd_argv_free(&argv);
		finish(c, &err);
		return;
	}
	cmd->run(c, cmd, &a);
	cmd_argv_free(&argv);
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
		mut = cmd && cmd->mutation;
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
		for (size_t i = 0; i < N_COMMANDS; i++) {
			struct buf s;
			buf_init(&s);
			append_synopsis(&s, &commands[i]);
			buf_printf(&b, "%-28s %s\n", s.data ? s.data : "", commands[i].doc);
			buf_free(&s);
		}
		return buf_steal(&b);
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		const struct command *cmd = &commands[i];
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
	for (size_t i = 0; i < N_COMMANDS && n < max; i++)
		out[n++] = commands[i].name;
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

size_t cmd_complete(struct cmd_ctx *c, const char *line, size_t cursor, size_t *word_start,
		    char **out, size_t max)
{
	size_t start = cursor;
	size_t n = 0;

	while (start > 0 && line[start - 1] != ' ')
		start--;
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

	if (argc == 0 || (argc == 1 && is_group_word(argv[0]) && !find_command(argc, argv, &used))) {
		/* A command name, or the subcommand after "room". */
		for (size_t i = 0; i < N_COMMANDS; i++) {
			const char *name = commands[i].name;
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
		cmd_argv_free(&argv);
		return n;
	}
	const struct command *cmd = find_command(argc, argv, &used);
	if (!cmd) {
		cmd_argv_free(&argv);
		return 0;
	}
	if (wlen >= 1 && word[0] == '-') {
		for (const struct opt_spec *o = cmd->opts; o->name; o++) {
			char opt[64];
			snprintf(opt, sizeof(opt), "--%s", o->name);
			if (!strncmp(opt, word, wlen))
				n = add_candidate(out, n, max, opt, strlen(opt));
		}
	} else if (strncmp(cmd->name, "room ", 5) == 0 && argc == used) {
		/* The room ID argument: IDs from the cache. */
		char *prefix = strndup(word, wlen);
		const char *ids[256];
		size_t k = prefix ? model_room_ids(c->model, prefix, ids, 256) : 0;
		for (size_t i = 0; i < k; i++)
			n = add_candidate(out, n, max, ids[i], strlen(ids[i]));
		free(prefix);
	}
	cmd_argv_free(&argv);
	return n;
}
