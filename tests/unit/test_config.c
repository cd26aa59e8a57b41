#include "lbconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "util.h"

/* A scratch directory per test, used as HOME and for XDG_* paths. */
struct env {
	char dir[64];
	char cfgdir[128]; /* dir/xdg/lbtui */
	char path[160];   /* dir/xdg/lbtui/config */
};

static int setup(void **state)
{
	static const char prefix[] = "/tmp/lbtui-test-config-";
	struct env *e = calloc(1, sizeof(*e));

	if (!e)
		return -1;
	/* mkdtemp() template: the prefix, then six 'X's */
	memcpy(e->dir, prefix, sizeof(prefix) - 1);
	memset(e->dir + sizeof(prefix) - 1, 'X', 6);
	e->dir[sizeof(prefix) - 1 + 6] = '\0';
	if (!mkdtemp(e->dir))
		return -1;
	snprintf(e->cfgdir, sizeof(e->cfgdir), "%s/xdg", e->dir);
	mkdir(e->cfgdir, 0700);
	snprintf(e->cfgdir, sizeof(e->cfgdir), "%s/xdg/lbtui", e->dir);
	mkdir(e->cfgdir, 0700);
	snprintf(e->path, sizeof(e->path), "%s/config", e->cfgdir);
	{
		char xdg[100];

		snprintf(xdg, sizeof(xdg), "%s/xdg", e->dir);
		setenv("XDG_CONFIG_HOME", xdg, 1);
		snprintf(xdg, sizeof(xdg), "%s/state", e->dir);
		setenv("XDG_STATE_HOME", xdg, 1);
	}
	setenv("HOME", e->dir, 1);
	unsetenv("LIVEBLOCKS_SECRET_KEY");
	unsetenv("LIVEBLOCKS_BASE_URL");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
	if (system(cmd) != 0)
		return -1;
	free(e);
	return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static const char sample[] = "# lbtui configuration\n"
                             "profile = local            # used without --profile\n"
                             "theme = default\n"
                             "\n"
                             "[profile prod]\n"
                             "secret_command = echo sk_fromcmd   # prints the key\n"
                             "base_url = https://api.liveblocks.io/\n"
                             "read_only = yes\n"
                             "theme = light\n"
                             "\n"
                             "[profile local]\n"
                             "secret = sk_localdev\n"
                             "base_url = http://127.0.0.1:1153\n"
                             "\n"
                             "[keys]\n"
                             "bind rooms D room-delete     # bind VIEW KEY ACTION\n"
                             "bind generic # help\n"
                             "\tbind  room  <F5>   refresh\n";

/* ---- parsing ---- */

static void test_parse_default_profile(void **state)
{
	struct config cfg = {0};
	struct lb_error err;

	assert_true(config_parse(&cfg, sample, "/x/config", NULL, &err));
	assert_string_equal(cfg.profile, "local");
	assert_string_equal(cfg.secret, "sk_localdev");
	assert_null(cfg.secret_command);
	assert_string_equal(cfg.base_url, "http://127.0.0.1:1153");
	assert_false(cfg.read_only);
	assert_string_equal(cfg.theme, "default");
	assert_string_equal(cfg.config_path, "/x/config");
	assert_int_equal(cfg.n_bindings, 3);
	assert_string_equal(cfg.bindings[0].view, "rooms");
	assert_string_equal(cfg.bindings[0].key, "D");
	assert_string_equal(cfg.bindings[0].action, "room-delete");
	assert_string_equal(cfg.bindings[1].view, "generic");
	assert_string_equal(cfg.bindings[1].key, "#");
	assert_string_equal(cfg.bindings[1].action, "help");
	assert_string_equal(cfg.bindings[2].view, "room");
	assert_string_equal(cfg.bindings[2].key, "<F5>");
	assert_string_equal(cfg.bindings[2].action, "refresh");
	config_clear(&cfg);
	assert_null(cfg.secret);
	assert_int_equal(cfg.n_bindings, 0);
}

static void test_parse_named_profile(void **state)
{
	struct config cfg = {0};
	struct lb_error err;

	assert_true(config_parse(&cfg, sample, "/x/config", "prod", &err));
	assert_string_equal(cfg.profile, "prod");
	assert_null(cfg.secret);
	/* the command is stored, not run, by the parser */
	assert_string_equal(cfg.secret_command, "echo sk_fromcmd");
	assert_string_equal(cfg.base_url, "https://api.liveblocks.io");
	assert_true(cfg.read_only);
	assert_string_equal(cfg.theme, "light");
	config_clear(&cfg);
}

static void test_parse_no_profile(void **state)
{
	struct config cfg = {0};
	struct lb_error err;

	assert_true(config_parse(&cfg, "[profile a]\r\nsecret = sk_localdev\r\n", "c", NULL, &err));
	assert_null(cfg.profile);
	assert_null(cfg.secret);
	assert_null(cfg.base_url);
	config_clear(&cfg);
	assert_true(config_parse(&cfg, "", "c", NULL, &err));
	assert_null(cfg.profile);
	config_clear(&cfg);
	/* CRLF line ends and a value with '#' not after a blank */
	assert_true(config_parse(&cfg, "[profile a]\r\nsecret_command = pass show a#b\r\n", "c",
	                         "a", &err));
	assert_string_equal(cfg.secret_command, "pass show a#b");
	config_clear(&cfg);
}

static void check_parse_error(const char *text, const char *want, const char *needle)
{
	struct config cfg = {0};
	struct lb_error err;

	lb_error_clear(&err);
	assert_false(config_parse(&cfg, text, "/etc/x", want, &err));
	assert_int_equal(err.status, LB_CONFIG);
	if (!strstr(err.message, needle))
		fail_msg("\"%s\" not in \"%s\"", needle, err.message);
	/* cleared on failure */
	assert_null(cfg.profile);
	assert_null(cfg.secret);
	assert_null(cfg.bindings);
}

static void test_parse_errors_name_line(void **state)
{
	check_parse_error("theme = x\ncolour = red\n", NULL,
	                  "/etc/x:2: unknown setting \"colour\"");
	check_parse_error("\n\njust words\n", NULL, "/etc/x:3: expected: name = value");
	check_parse_error("[profile a]\nsecret =\n", NULL, "/etc/x:2: secret has no value");
	check_parse_error("[profiles a]\n", NULL, "/etc/x:1: unknown section");
	check_parse_error("[profile a\n", NULL, "/etc/x:1: malformed section header");
	check_parse_error("[profile a]\n[profile a]\n", NULL,
	                  "/etc/x:2: profile \"a\" is defined twice");
	check_parse_error("[profile a/b]\n", NULL, "/etc/x:1: a profile name");
	check_parse_error("[profile a]\nread_only = maybe\n", NULL,
	                  "/etc/x:2: read_only must be yes or no");
	check_parse_error("[profile a]\nbase_url = http://example.com\n", NULL,
	                  "/etc/x:2: base_url: plain http://");
	check_parse_error("[profile a]\nsecret = sk_localdev\nsecret_command = x\n", NULL,
	                  "/etc/x:3: a profile has either secret or secret_command");
	check_parse_error("[profile a]\ntheme = a\ntheme = b\n", NULL,
	                  "/etc/x:3: theme is set twice");
	check_parse_error("secret = sk_localdev\n", NULL, "/etc/x:1: secret belongs in a [profile");
	check_parse_error("[keys]\nbind rooms D\n", NULL,
	                  "/etc/x:2: expected: bind VIEW KEY ACTION");
	check_parse_error("[keys]\nbind rooms D a b\n", NULL, "/etc/x:2: expected: bind");
	check_parse_error("[keys]\nmap rooms D a\n", NULL, "/etc/x:2: expected: bind");
	check_parse_error("[keys]\nbind rooms D #\n", NULL, "/etc/x:2: expected: bind");
	/* errors in a profile that is not selected still count */
	check_parse_error("[profile a]\nsecret = sk_localdev\n[profile b]\nbogus = 1\n", "a",
	                  "/etc/x:4: unknown setting \"bogus\"");
}

static void test_mouse_setting(void **state)
{
	struct config cfg = {0};
	struct lb_error err;

	/* On unless the file says no. */
	assert_true(config_parse(&cfg, sample, "/etc/x", NULL, &err));
	assert_false(cfg.mouse_off);
	config_clear(&cfg);
	assert_true(config_parse(&cfg, "mouse = no\n[profile a]\nsecret = sk_localdev\n", "/etc/x",
	                         "a", &err));
	assert_true(cfg.mouse_off);
	config_clear(&cfg);
	assert_true(config_parse(&cfg, "mouse = yes\n", "/etc/x", NULL, &err));
	assert_false(cfg.mouse_off);
	config_clear(&cfg);
	check_parse_error("mouse = sometimes\n", NULL, "/etc/x:1: mouse must be yes or no");
	check_parse_error("mouse = no\nmouse = yes\n", NULL, "/etc/x:2: mouse is set twice");
	check_parse_error("[profile a]\nmouse = no\n", "a",
	                  "/etc/x:2: mouse is set for every profile: put it before the first section");
}

/* user = in a profile: who comments are written as; only the selected
 * profile's counts, and it belongs in a profile. */
static void test_user_setting(void **state)
{
	struct config cfg = {0};
	struct lb_error err;
	const char *text = "[profile a]\nsecret = sk_localdev\nuser = mod-1\n"
	                   "[profile b]\nsecret = sk_localdev\nuser = other\n[profile c]\n"
	                   "secret = sk_localdev\n";

	assert_true(config_parse(&cfg, text, "/etc/x", "a", &err));
	assert_string_equal(cfg.user, "mod-1");
	config_clear(&cfg);
	assert_true(config_parse(&cfg, text, "/etc/x", "b", &err));
	assert_string_equal(cfg.user, "other");
	config_clear(&cfg);
	assert_true(config_parse(&cfg, text, "/etc/x", "c", &err));
	assert_null(cfg.user);
	config_clear(&cfg);
	check_parse_error("user = mod-1\n", NULL, "/etc/x:1: user belongs in a [profile");
	check_parse_error("[profile a]\nuser = x\nuser = y\n", "a", "/etc/x:3: user is set twice");
}

/* watch = push|poll, globally or in a profile (the profile's wins), and
 * a profile's watch_user (the live watch's token user). */
static void test_watch_settings(void **state)
{
	struct config cfg = {0};
	struct lb_error err;
	const char *text = "watch = poll\n[profile a]\nsecret = sk_localdev\nwatch_user = ops-bot\n"
	                   "[profile b]\nsecret = sk_localdev\nwatch = push\n";

	(void)state;
	assert_true(config_parse(&cfg, text, "/etc/x", "a", &err));
	assert_true(cfg.watch_poll);
	assert_string_equal(cfg.watch_user, "ops-bot");
	config_clear(&cfg);
	assert_true(config_parse(&cfg, text, "/etc/x", "b", &err));
	assert_false(cfg.watch_poll);
	assert_null(cfg.watch_user);
	config_clear(&cfg);
	assert_true(config_parse(&cfg, "theme = x\n", "/etc/x", NULL, &err));
	assert_false(cfg.watch_poll);
	config_clear(&cfg);
	check_parse_error("watch = sometimes\n", NULL, "/etc/x:1: watch must be push or poll");
	check_parse_error("watch = poll\nwatch = push\n", NULL, "/etc/x:2: watch is set twice");
	check_parse_error("watch_user = x\n", NULL, "/etc/x:1: watch_user belongs in a [profile");
	check_parse_error("[profile a]\nwatch_user =\n", "a", "/etc/x:2: watch_user");
}

static void test_unknown_profile_lists_available(void **state)
{
	check_parse_error(sample, "staging",
	                  "no profile \"staging\" in /etc/x (profiles: prod, local)");
	check_parse_error("theme = x\n", "staging", "(profiles: none are defined)");
	check_parse_error("\nprofile = gone\n[profile a]\n", NULL,
	                  "/etc/x:2: the default profile \"gone\" is not defined (profiles: a)");
}

/* ---- secrets never leak into messages ---- */

static void test_parse_errors_do_not_echo_secrets(void **state)
{
	const char *texts[] = {
	    "[profile a]\nsk_localdev\n",
	    "[profile a]\nsk_localdev = 1\n",
	    "[profile a]\nSK_LOCALDEV_XYZ = 1\n",
	    "[profile a]\nsecret = sk_localdev\nsecret = sk_localdev\n",
	    "[profile a]\nsk_localdev =\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct config cfg = {0};
		struct lb_error err;
		char line[700];

		assert_false(config_parse(&cfg, texts[i], "/etc/x", "a", &err));
		lb_error_format(&err, line, sizeof(line));
		if (strstr(line, "sk_localdev") || strstr(line, "SK_LOCALDEV"))
			fail_msg("secret echoed: %s", line);
		assert_non_null(strstr(line, "/etc/x:"));
	}
}

static void test_invalid_key_not_echoed(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {.need_secret = true};
	struct lb_error err;

	setenv("LIVEBLOCKS_SECRET_KEY", "pk_publickey123", 1);
	assert_false(config_load(&cfg, &args, &err));
	assert_int_equal(err.status, LB_CONFIG);
	assert_non_null(strstr(err.message, "LIVEBLOCKS_SECRET_KEY"));
	assert_non_null(strstr(err.message, "sk_"));
	assert_null(strstr(err.message, "pk_publickey123"));
	assert_null(cfg.secret);

	setenv("LIVEBLOCKS_SECRET_KEY", "sk_local dev", 1);
	assert_false(config_load(&cfg, &args, &err));
	assert_null(strstr(err.message, "local dev"));
	unsetenv("LIVEBLOCKS_SECRET_KEY");

	write_file(e->path, "[profile a]\nsecret = xx_localdev\n", 0600);
	args.profile = "a";
	assert_false(config_load(&cfg, &args, &err));
	assert_non_null(strstr(err.message, "profile a"));
	assert_null(strstr(err.message, "xx_localdev"));
}

/* ---- permissions ---- */

static void test_permissions(void **state)
{
	struct env *e = *state;
	struct lb_error err;
	char want[300];

	write_file(e->path, "theme = x\n", 0644);
	lb_error_clear(&err);
	assert_false(config_check_permissions(e->path, &err));
	assert_int_equal(err.status, LB_CONFIG);
	/* HOME is e->dir, so the path is shown with "~" and the fix in full */
	snprintf(want, sizeof(want), "~/xdg/lbtui/config is readable by others; run: chmod 600 %s",
	         e->path);
	assert_string_equal(err.message, want);

	assert_int_equal(chmod(e->path, 0600), 0);
	assert_true(config_check_permissions(e->path, &err));
	assert_int_equal(chmod(e->path, 0400), 0);
	assert_true(config_check_permissions(e->path, &err));
	assert_int_equal(chmod(e->path, 0640), 0);
	assert_false(config_check_permissions(e->path, &err));
	assert_int_equal(chmod(e->path, 0604), 0);
	assert_false(config_check_permissions(e->path, &err));
	assert_int_equal(chmod(e->path, 0620), 0);
	assert_false(config_check_permissions(e->path, &err));
	assert_non_null(strstr(err.message, "writable by others"));
	assert_int_equal(chmod(e->path, 0602), 0);
	assert_false(config_check_permissions(e->path, &err));

	assert_false(config_check_permissions(e->cfgdir, &err));
	assert_non_null(strstr(err.message, "not a regular file"));

	/* The directory: writable by its group or others, refused with the fix. */
	assert_int_equal(chmod(e->path, 0600), 0);
	assert_int_equal(chmod(e->cfgdir, 0777), 0);
	assert_false(config_check_permissions(e->path, &err));
	snprintf(want, sizeof(want),
	         "~/xdg/lbtui is writable by others, who could replace the config in it; run: "
	         "chmod go-w %s",
	         e->cfgdir);
	assert_string_equal(err.message, want);
	assert_int_equal(chmod(e->cfgdir, 0770), 0);
	assert_false(config_check_permissions(e->path, &err));
	assert_non_null(strstr(err.message, "writable by its group"));
	/* Readable by others is fine, as for ssh. */
	assert_int_equal(chmod(e->cfgdir, 0755), 0);
	assert_true(config_check_permissions(e->path, &err));
	assert_int_equal(chmod(e->cfgdir, 0700), 0);
	assert_false(config_check_permissions("/nonexistent/lbtui/config", &err));
	assert_non_null(strstr(err.message, "cannot read"));
}

static void test_load_refuses_open_file(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {0};
	struct lb_error err;

	write_file(e->path, sample, 0644);
	assert_false(config_load(&cfg, &args, &err));
	assert_int_equal(err.status, LB_CONFIG);
	assert_non_null(strstr(err.message, "chmod 600"));
	assert_null(cfg.secret);
	assert_int_equal(lb_status_exit_code(err.status), 2);
	assert_int_equal(chmod(e->path, 0600), 0);
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.secret, "sk_localdev");
	config_clear(&cfg);
}

/* ---- base URL ---- */

static void test_base_url_table(void **state)
{
	static const struct {
		const char *in;
		const char *out; /* NULL = rejected */
	} cases[] = {
	    {"https://api.liveblocks.io", "https://api.liveblocks.io"},
	    {"https://api.liveblocks.io/", "https://api.liveblocks.io"},
	    {"https://api.liveblocks.io///", "https://api.liveblocks.io"},
	    {"HTTPS://API.example.com:8443/prefix/", "HTTPS://API.example.com:8443/prefix"},
	    {"https://[2001:db8::1]:443", "https://[2001:db8::1]:443"},
	    {"http://localhost", "http://localhost"},
	    {"http://LocalHost:1153/", "http://LocalHost:1153"},
	    {"http://127.0.0.1:1153", "http://127.0.0.1:1153"},
	    {"http://127.1.2.3", "http://127.1.2.3"},
	    {"http://127.255.255.255:80/", "http://127.255.255.255:80"},
	    {"http://[::1]:1153", "http://[::1]:1153"},
	    {"http://[0:0:0:0:0:0:0:1]/", "http://[0:0:0:0:0:0:0:1]"},
	    {"http://example.com", NULL},
	    {"http://localhost.evil.com", NULL},
	    {"http://localhost.evil.com:1153/", NULL},
	    {"http://evil-localhost", NULL},
	    {"http://127.0.0.1@evil.com", NULL},
	    {"http://127.0.0.1:80@evil.com/", NULL},
	    {"https://user:pw@api.liveblocks.io", NULL},
	    {"http://127.0.0.1.evil.com", NULL},
	    {"http://128.0.0.1", NULL},
	    /* curl reads 010 as octal, and 08 as a host name to look up */
	    {"http://127.0.0.08", NULL},
	    {"http://127.0.0.010", NULL},
	    {"http://127.0.0.0", "http://127.0.0.0"},
	    {"http://127.0.0", NULL},
	    {"http://127.0.0.1.1", NULL},
	    {"http://127.0.0.256", NULL},
	    {"http://0x7f.0.0.1", NULL},
	    {"http://10.0.0.1", NULL},
	    {"http://[::2]", NULL},
	    {"http://[::ffff:8.8.8.8]", NULL},
	    {"http://[::1", NULL},
	    {"http://127.0.0.1:", NULL},
	    {"http://127.0.0.1:99999", NULL},
	    {"http://127.0.0.1:0", NULL},
	    {"http://127.0.0.1:12a", NULL},
	    {"http://", NULL},
	    {"https://", NULL},
	    {"https:///path", NULL},
	    {"https://api.liveblocks.io/?x=1", NULL},
	    {"https://api.liveblocks.io#frag", NULL},
	    {"https://api.liveblocks.io /", NULL},
	    {"https://api.live\nblocks.io", NULL},
	    {"ftp://api.liveblocks.io", NULL},
	    {"file:///etc/passwd", NULL},
	    {"api.liveblocks.io", NULL},
	    {"//api.liveblocks.io", NULL},
	    {"", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lb_error err;
		char *out = (char *)"unset";
		bool ok;

		lb_error_clear(&err);
		ok = config_check_base_url(cases[i].in, &out, &err);
		if (cases[i].out) {
			if (!ok)
				fail_msg("rejected %s: %s", cases[i].in, err.message);
			assert_string_equal(out, cases[i].out);
			free(out);
		} else {
			if (ok)
				fail_msg("accepted %s", cases[i].in);
			assert_null(out);
			assert_int_equal(err.status, LB_CONFIG);
			assert_true(err.message[0] != '\0');
		}
	}
}

/* ---- masking ---- */

static void test_mask_secret(void **state)
{
	/* Keys are put together at run time from a kind and the rest, so no
	 * file holds anything shaped like a real key. kind NULL: rest is the
	 * whole key. */
	static const struct {
		const char *kind;
		const char *rest;
		const char *out;
	} cases[] = {
	    {"prod", "abcdefghijklmnopa1b2", "sk_prod_\u2026a1b2"},
	    {"dev", "abcdefghijklmnopqrsXYZ9", "sk_dev_\u2026XYZ9"},
	    {NULL, "sk_localdev", "sk_\u2026"},
	    {"prod", "abc", "sk_prod_\u2026"},
	    {NULL, "sk_abcdefghijklmnopqrst", "sk_\u2026qrst"},
	    {"prod", "abcdefghijk", "sk_prod_\u2026"}, /* fewer than 8 would stay hidden */
	    {"prod", "abcdefghijkl", "sk_prod_\u2026ijkl"},
	    {NULL, "abcdefghijklmnopqrstuvwxyz", "\u2026wxyz"},
	    {NULL, "short", "\u2026"},
	    {NULL, "", "(none)"},
	};
	char key[64], out[64], tiny[5];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].kind)
			snprintf(key, sizeof(key), "sk_%s_%s", cases[i].kind, cases[i].rest);
		else
			snprintf(key, sizeof(key), "%s", cases[i].rest);
		config_mask_secret(key, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
	config_mask_secret(NULL, out, sizeof(out));
	assert_string_equal(out, "(none)");
	/* a small buffer is never overrun */
	snprintf(key, sizeof(key), "sk_%s_%s", "prod", "abcdefghijklmnopa1b2");
	config_mask_secret(key, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), 4);
}

/* ---- secret_command ---- */

static void test_secret_command_ok(void **state)
{
	struct lb_error err;
	char *s;

	lb_error_clear(&err);
	s = config_run_secret_command("printf '  sk_localdev \\t\\nsecond line\\n'", 0, &err);
	assert_non_null(s);
	assert_string_equal(s, "sk_localdev");
	free(s);
	s = config_run_secret_command("printf sk_localdev", 0, &err);
	assert_non_null(s);
	assert_string_equal(s, "sk_localdev");
	free(s);
	/* a lot of output after the first line is drained, not fatal */
	s = config_run_secret_command("echo sk_localdev; seq 1 20000", 0, &err);
	assert_non_null(s);
	assert_string_equal(s, "sk_localdev");
	free(s);
}

static void test_secret_command_failures(void **state)
{
	struct lb_error err;
	char line[700];

	lb_error_clear(&err);
	assert_null(config_run_secret_command("echo sk_localdev; exit 3", 0, &err));
	assert_int_equal(err.status, LB_CONFIG);
	assert_non_null(strstr(err.message, "exit status 3"));
	lb_error_format(&err, line, sizeof(line));
	assert_null(strstr(line, "sk_localdev"));

	assert_null(config_run_secret_command("true", 0, &err));
	assert_non_null(strstr(err.message, "no key"));
	assert_null(config_run_secret_command("printf '\\n sk_localdev\\n'", 0, &err));
	assert_non_null(strstr(err.message, "no key"));
	assert_null(strstr(err.message, "sk_localdev"));
	assert_null(config_run_secret_command("", 0, &err));
	assert_null(config_run_secret_command("kill -9 $$", 0, &err));
	assert_non_null(strstr(err.message, "signal 9"));
	assert_null(config_run_secret_command("/nonexistent/command/xyz 2>/dev/null", 0, &err));
	assert_non_null(strstr(err.message, "exit status 127"));
}

/* A command that hangs is stopped after its timeout, with whatever it
 * started, and says how to wait longer. */
static void test_secret_command_timeout(void **state)
{
	struct env *e = *state;
	struct lb_error err;
	char cmd[512], pidfile[300];
	long long t0 = now_ms();

	(void)state;
	lb_error_clear(&err);
	snprintf(pidfile, sizeof(pidfile), "%s/sleeper.pid", e->dir);
	snprintf(cmd, sizeof(cmd), "sleep 100 & echo $! > %s; wait", pidfile);
	assert_null(config_run_secret_command(cmd, 1, &err));
	long long took = now_ms() - t0;
	assert_true(took >= 1000 && took < 5000);
	assert_int_equal(err.status, LB_CONFIG);
	assert_non_null(strstr(err.message, "did not finish within 1 s"));
	assert_non_null(strstr(err.message, "secret_timeout"));
	/* The sleep it started in the background was killed too. */
	FILE *f = fopen(pidfile, "r");
	assert_non_null(f);
	int pid = 0;
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	bool gone = false;
	for (int i = 0; i < 200 && !gone; i++) {
		gone = kill(pid, 0) != 0;
		if (!gone)
			usleep(10000);
	}
	assert_true(gone);

	/* Closing its output is not finishing. */
	t0 = now_ms();
	assert_null(config_run_secret_command("echo sk_localdev; exec >&-; sleep 100", 1, &err));
	assert_true(now_ms() - t0 < 5000);
	assert_non_null(strstr(err.message, "within 1 s"));
}

static void test_secret_timeout_setting(void **state)
{
	struct config cfg = {0};
	struct lb_error err;

	(void)state;
	assert_true(config_parse(&cfg, "[profile a]\nsecret_command = x\nsecret_timeout = 90\n", "c",
	                         "a", &err));
	assert_int_equal(cfg.secret_timeout_s, 90);
	config_clear(&cfg);
	check_parse_error("[profile a]\nsecret_timeout = 0\n", "a", "x:2: secret_timeout must be");
	check_parse_error("[profile a]\nsecret_timeout = 5s\n", "a", "x:2: secret_timeout must be");
	check_parse_error("secret_timeout = 5\n", NULL, "belongs in a [profile NAME] section");
}

/* ---- loading and precedence ---- */

static void test_load_defaults_without_file(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {0};
	struct lb_error err;
	char want[200];

	assert_true(config_load(&cfg, &args, &err));
	assert_null(cfg.secret);
	assert_null(cfg.profile);
	assert_null(cfg.config_path);
	assert_string_equal(cfg.base_url, LB_DEFAULT_BASE_URL);
	assert_false(cfg.read_only);
	snprintf(want, sizeof(want), "%s/state/lbtui", e->dir);
	assert_string_equal(cfg.state_dir, want);
	snprintf(want, sizeof(want), "%s/state/lbtui/history", e->dir);
	assert_string_equal(cfg.history_path, want);
	config_clear(&cfg);

	setenv("LIVEBLOCKS_SECRET_KEY", "sk_localdev", 1);
	setenv("LIVEBLOCKS_BASE_URL", "http://127.0.0.1:1153/", 1);
	args.read_only = true;
	args.theme = "light";
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.secret, "sk_localdev");
	assert_string_equal(cfg.secret_source, "LIVEBLOCKS_SECRET_KEY");
	assert_string_equal(cfg.base_url, "http://127.0.0.1:1153");
	assert_true(cfg.read_only);
	assert_string_equal(cfg.theme, "light");
	config_clear(&cfg);
}

static void test_load_no_secret_message(void **state)
{
	struct config cfg;
	struct config_args args = {.need_secret = true};
	struct lb_error err;

	assert_false(config_load(&cfg, &args, &err));
	assert_int_equal(err.status, LB_CONFIG);
	assert_string_equal(err.message, "no secret key: set LIVEBLOCKS_SECRET_KEY or add a "
	                                 "profile to ~/xdg/lbtui/config (see lbtui(1))");
	/* a blank variable counts as unset */
	setenv("LIVEBLOCKS_SECRET_KEY", "  ", 1);
	assert_false(config_load(&cfg, &args, &err));
	assert_non_null(strstr(err.message, "no secret key"));
}

static void test_load_bad_env_base_url(void **state)
{
	struct config cfg;
	struct config_args args = {0};
	struct lb_error err;

	setenv("LIVEBLOCKS_BASE_URL", "http://localhost.evil.com", 1);
	assert_false(config_load(&cfg, &args, &err));
	assert_non_null(strstr(err.message, "LIVEBLOCKS_BASE_URL: plain http://"));
	args.base_url = "ftp://x";
	assert_false(config_load(&cfg, &args, &err));
	assert_non_null(strstr(err.message, "--base-url: "));
	/* the flag wins, so a bad variable is not looked at */
	args.base_url = "https://example.com/";
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.base_url, "https://example.com");
	config_clear(&cfg);
}

static void test_precedence_default_profile(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {0};
	struct lb_error err;

	write_file(e->path, sample, 0600);
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.profile, "local");
	assert_string_equal(cfg.secret, "sk_localdev");
	assert_string_equal(cfg.secret_source, "profile local");
	assert_string_equal(cfg.base_url, "http://127.0.0.1:1153");
	assert_string_equal(cfg.config_path, e->path);
	assert_false(cfg.read_only);
	assert_string_equal(cfg.theme, "default");
	assert_int_equal(cfg.n_bindings, 3);
	config_clear(&cfg);

	/* without --profile the environment beats the default profile */
	setenv("LIVEBLOCKS_SECRET_KEY", "sk_fromenv", 1);
	setenv("LIVEBLOCKS_BASE_URL", "https://env.example.com", 1);
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.secret, "sk_fromenv");
	assert_string_equal(cfg.secret_source, "LIVEBLOCKS_SECRET_KEY");
	assert_string_equal(cfg.base_url, "https://env.example.com");
	config_clear(&cfg);

	/* and flags beat the environment */
	args.base_url = "http://[::1]:1153";
	args.read_only = true;
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.base_url, "http://[::1]:1153");
	assert_true(cfg.read_only);
	config_clear(&cfg);
}

static void test_precedence_named_profile(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {.profile = "prod", .need_secret = true};
	struct lb_error err;
	char masked[64];

	write_file(e->path, sample, 0600);
	setenv("LIVEBLOCKS_SECRET_KEY", "sk_fromenv", 1);
	setenv("LIVEBLOCKS_BASE_URL", "https://env.example.com", 1);
	/* --profile beats the environment for the key and the base URL */
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.profile, "prod");
	assert_string_equal(cfg.secret, "sk_fromcmd");
	assert_string_equal(cfg.secret_source, "profile prod (secret_command)");
	assert_string_equal(cfg.base_url, "https://api.liveblocks.io");
	assert_true(cfg.read_only);
	assert_string_equal(cfg.theme, "light");
	config_mask_secret(cfg.secret, masked, sizeof(masked));
	assert_string_equal(masked, "sk_\u2026");
	config_clear(&cfg);

	/* but not --base-url or --theme */
	args.base_url = "http://localhost:1153/";
	args.theme = "mine";
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.base_url, "http://localhost:1153");
	assert_string_equal(cfg.theme, "mine");
	assert_true(cfg.read_only); /* the profile's read_only cannot be undone by flags */
	config_clear(&cfg);
}

static void test_profile_without_key_uses_env(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {.profile = "dev", .need_secret = true};
	struct lb_error err;

	write_file(e->path, "[profile dev]\nbase_url = http://127.0.0.1:1153\n", 0600);
	assert_false(config_load(&cfg, &args, &err));
	assert_non_null(strstr(err.message, "no secret key"));
	setenv("LIVEBLOCKS_SECRET_KEY", "sk_localdev", 1);
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.secret_source, "LIVEBLOCKS_SECRET_KEY");
	assert_string_equal(cfg.base_url, "http://127.0.0.1:1153");
	config_clear(&cfg);
}

static void test_load_unknown_profile(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {.profile = "staging"};
	struct lb_error err;

	/* no file at all */
	assert_false(config_load(&cfg, &args, &err));
	assert_non_null(strstr(err.message, "no profile \"staging\""));
	assert_non_null(strstr(err.message, "~/xdg/lbtui/config"));
	write_file(e->path, sample, 0600);
	assert_false(config_load(&cfg, &args, &err));
	assert_int_equal(err.status, LB_CONFIG);
	assert_non_null(strstr(err.message, "no profile \"staging\""));
	assert_non_null(strstr(err.message, "profiles: prod, local"));
}

static void test_load_secret_command_failure(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {0};
	struct lb_error err;
	char line[700];

	write_file(e->path, "profile = p\n[profile p]\nsecret_command = echo sk_localdev; exit 1\n",
	           0600);
	assert_false(config_load(&cfg, &args, &err));
	lb_error_format(&err, line, sizeof(line));
	assert_non_null(strstr(line, "profile \"p\": secret_command failed with exit status 1"));
	assert_null(strstr(line, "sk_localdev; exit"));
	assert_null(strstr(line + strlen("configuration error: "), "sk_localdev"));
	assert_null(cfg.secret);
	/* the command is not run when the environment supplies the key */
	setenv("LIVEBLOCKS_SECRET_KEY", "sk_localdev", 1);
	assert_true(config_load(&cfg, &args, &err));
	assert_string_equal(cfg.secret_source, "LIVEBLOCKS_SECRET_KEY");
	config_clear(&cfg);
}

/* ---- XDG paths ---- */

static void test_xdg_paths(void **state)
{
	struct env *e = *state;
	char want[200];
	char *d;

	d = config_dir();
	snprintf(want, sizeof(want), "%s/xdg/lbtui", e->dir);
	assert_string_equal(d, want);
	free(d);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	d = config_dir();
	snprintf(want, sizeof(want), "%s/.config/lbtui", e->dir);
	assert_string_equal(d, want);
	free(d);
	d = config_state_dir();
	snprintf(want, sizeof(want), "%s/.local/state/lbtui", e->dir);
	assert_string_equal(d, want);
	free(d);
	/* relative XDG values are ignored, as the spec says */
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	d = config_dir();
	snprintf(want, sizeof(want), "%s/.config/lbtui", e->dir);
	assert_string_equal(d, want);
	free(d);
}

static void test_ensure_state_dir(void **state)
{
	struct env *e = *state;
	struct config cfg;
	struct config_args args = {0};
	struct lb_error err;
	struct stat st;
	char parent[200];

	assert_true(config_load(&cfg, &args, &err));
	assert_int_equal(stat(cfg.state_dir, &st), -1);
	assert_true(config_ensure_state_dir(&cfg, &err));
	assert_int_equal(stat(cfg.state_dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(parent, sizeof(parent), "%s/state", e->dir);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* again: already there is fine */
	assert_true(config_ensure_state_dir(&cfg, &err));
	config_clear(&cfg);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_parse_default_profile),
	    T(test_parse_named_profile),
	    T(test_parse_no_profile),
	    T(test_parse_errors_name_line),
	    T(test_unknown_profile_lists_available),
	    T(test_mouse_setting),
	    T(test_user_setting),
	    T(test_watch_settings),
	    T(test_parse_errors_do_not_echo_secrets),
	    T(test_invalid_key_not_echoed),
	    T(test_permissions),
	    T(test_load_refuses_open_file),
	    T(test_base_url_table),
	    T(test_mask_secret),
	    T(test_secret_command_ok),
	    T(test_secret_command_failures),
	    T(test_secret_command_timeout),
	    T(test_secret_timeout_setting),
	    T(test_load_defaults_without_file),
	    T(test_load_no_secret_message),
	    T(test_load_bad_env_base_url),
	    T(test_precedence_default_profile),
	    T(test_precedence_named_profile),
	    T(test_profile_without_key_uses_env),
	    T(test_load_unknown_profile),
	    T(test_load_secret_command_failure),
	    T(test_xdg_paths),
	    T(test_ensure_state_dir),
	};
#undef T

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
