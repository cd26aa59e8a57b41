/* Configuration: profiles, the secret key, the base URL, XDG paths, key
 * bindings. The secret never leaves this struct in the clear except in the
 * Authorization header.
 *
 * The file is $XDG_CONFIG_HOME/lbtui/config (default ~/.config/lbtui/config),
 * and must not be readable by group or others, nor its directory writable
 * by them (like ssh). Format:
 *
 *   # comment
 *   profile = local            # the profile used without --profile
 *   theme = default
 *   mouse = no                 # leave the mouse to the terminal (default yes)
 *
 *   [profile prod]
 *   secret_command = pass show liveblocks/prod   # prints the key
 *   secret_timeout = 30                          # seconds it may take
 *   base_url = https://api.liveblocks.io
 *   read_only = yes
 *   theme = light
 *   user = moderator-1     # who comments, reactions ... are written as
 *
 *   [profile local]
 *   secret = sk_localdev
 *   base_url = http://127.0.0.1:1153
 *
 *   [keys]
 *   bind rooms D room-delete     # bind VIEW KEY ACTION (VIEW may be "generic")
 *
 * A '#' at the start of a line, or after a blank, starts a comment. Unknown
 * settings and malformed lines are errors naming file:line. A profile gives
 * either secret or secret_command; secret_command runs only when that
 * profile's key is the one used.
 *
 * Precedence: the secret comes from the selected profile when --profile is
 * given, else LIVEBLOCKS_SECRET_KEY, else the default profile. The base URL
 * from --base-url, else the profile when --profile is given, else
 * LIVEBLOCKS_BASE_URL, else the default profile, else
 * https://api.liveblocks.io. read_only is on if the flag or the profile says
 * so. */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define LB_DEFAULT_BASE_URL "https://api.liveblocks.io"

struct key_binding {
	char *view;   /* "generic", "rooms", "room", ... */
	char *key;    /* as written: "D", "^X", "<Enter>", "<F5>" */
	char *action; /* action name, e.g. "refresh" */
};

struct config {
	char *profile;        /* profile name in use, NULL when none */
	char *secret;         /* the key; never print it, use config_mask_secret */
	char *secret_source;  /* "LIVEBLOCKS_SECRET_KEY", "profile prod", ... */
	char *base_url;       /* without trailing slash */
	bool read_only;
	char *theme;          /* theme name or path, NULL = default */
	char *config_path;    /* the file read, NULL if none */
	char *state_dir;      /* $XDG_STATE_HOME/lbtui (created on demand) */
	char *history_path;   /* state_dir/history */
	struct key_binding *bindings;
	size_t n_bindings;
	char *secret_command; /* the profile's secret_command, NULL if none */
	int secret_timeout_s; /* how long it may take; 0: CONFIG_SECRET_TIMEOUT_S */
	bool mouse_off;       /* mouse = no: clicks and the wheel are the terminal's */
	char *user;           /* the profile's user: who lbtui writes comments as; NULL if none */
	/* The user ID a live watch's token is made for (each may count as an
	 * active user on the bill); NULL: CONFIG_WATCH_USER. */
	char *watch_user;
	bool watch_poll;      /* watch = poll: watch by re-reading, not by the room's socket */
};

#define CONFIG_WATCH_USER "lbtui"

/* What the command line said. */
struct config_args {
	const char *profile;   /* --profile */
	const char *base_url;  /* --base-url */
	const char *theme;     /* --theme */
	bool read_only;        /* --read-only */
	bool need_secret;      /* fail when no key is found */
};

/* Load the config file (if any), the environment and args. On failure
 * returns false with err (LB_CONFIG) saying what to do; cfg is then
 * cleared. */
bool config_load(struct config *cfg, const struct config_args *args, struct lb_error *err);
void config_clear(struct config *cfg);

/* Parse config text (the file's contents) for profile `want` (NULL = the
 * default one) into cfg; exposed for tests. The profile's secret_command is
 * stored, not run. On failure cfg is cleared. */
bool config_parse(struct config *cfg, const char *text, const char *path, const char *want,
		  struct lb_error *err);

/* Refuse a config file readable or writable by group or others, or in a
 * directory group or others may write to (or another user owns), as ssh
 * does. */
bool config_check_permissions(const char *path, struct lb_error *err);

/* Accept https:// anywhere and http:// only to loopback (localhost,
 * 127.0.0.0/8, [::1]). Strips a trailing slash into out (malloc'd). */
bool config_check_base_url(const char *url, char **out, struct lb_error *err);

/* "sk_prod_…a1b2": the prefix up to the last '_' of the kind, an ellipsis
 * and the last four characters; short keys become "sk_…". The last four are
 * shown only for keys over 12 characters with at least 8 others hidden;
 * NULL or "" gives "(none)". */
void config_mask_secret(const char *secret, char *out, size_t n);

/* How long a secret_command may take by default (secret_timeout). */
#define CONFIG_SECRET_TIMEOUT_S 30

/* Run a secret_command through /bin/sh and read the key from its first line.
 * The command runs in a process group of its own (the terminal's foreground
 * one while it runs, so it may ask for a passphrase); after timeout_s
 * seconds (<= 0: CONFIG_SECRET_TIMEOUT_S) the group is killed and it is an
 * error. Caller frees. */
char *config_run_secret_command(const char *command, int timeout_s, struct lb_error *err);

/* $XDG_CONFIG_HOME/lbtui and $XDG_STATE_HOME/lbtui (with HOME fallbacks).
 * Caller frees. */
char *config_dir(void);
char *config_state_dir(void);

/* Create cfg->state_dir (and its parents) with mode 700 if missing; for
 * whoever writes history. */
bool config_ensure_state_dir(const struct config *cfg, struct lb_error *err);
/* Create dir and its parents (mode 700) where missing. */
bool config_make_dir(const char *dir, struct lb_error *err);

#endif
