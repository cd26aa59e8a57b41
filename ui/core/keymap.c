#include "lbconfig.h"

#include "keymap.h"
#include "view.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct binding {
	char view[16];
	int key;
	enum action action;
};

struct keymap {
	struct binding *v;
	size_t n, cap;
};

static const char *const action_names[] = {
	"none",
#define ACTION_NAME(e, name, help) name,
	ACTION_INFO(ACTION_NAME)
#undef ACTION_NAME
};

static const char *const action_helps[] = {
	"",
#define ACTION_HELP(e, name, help) help,
	ACTION_INFO(ACTION_HELP)
#undef ACTION_HELP
};

/* Actions above ACTION_COUNT are the views' own (view.h). */
const char *action_name(enum action a)
{
	const struct view_command *c;
	const struct view_info *vi;

	if (a < ACTION_COUNT)
		return action_names[a];
	vi = view_action_owner(a, &c);
	return c ? c->name : vi ? vi->open_action : "none";
}

const char *action_help(enum action a)
{
	const struct view_command *c;
	const struct view_info *vi;

	if (a < ACTION_COUNT)
		return action_helps[a];
	vi = view_action_owner(a, &c);
	return c ? c->help : vi ? vi->open_help : "";
}

enum action action_by_name(const char *name)
{
	for (int a = 1; a < ACTION_COUNT; a++)
		if (!strcmp(action_names[a], name))
			return (enum action)a;
	return view_action_id(name);
}

int action_count(void)
{
	return ACTION_COUNT + view_action_count();
}

/* Named keys as written in the config file and shown in the help. */
static const struct {
	const char *name;
	int key;
} key_names[] = {
	{"<Enter>", '\n'},      {"<Enter>", KEY_ENTER},   {"<Enter>", '\r'},
	{"<Esc>", 27},          {"<Tab>", '\t'},          {"<Space>", ' '},
	{"<Up>", KEY_UP},       {"<Down>", KEY_DOWN},     {"<Left>", KEY_LEFT},
	{"<Right>", KEY_RIGHT}, {"<PgUp>", KEY_PPAGE},    {"<PgDn>", KEY_NPAGE},
	{"<Home>", KEY_HOME},   {"<End>", KEY_END},       {"<Backspace>", KEY_BACKSPACE},
	{"<Del>", KEY_DC},      {"<Ins>", KEY_IC},        {"<BackTab>", KEY_BTAB},
};

void keymap_key_name(int key, char *out, size_t n)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (key_names[i].key == key) {
			snprintf(out, n, "%s", key_names[i].name);
			return;
		}
	if (key >= KEY_F(1) && key <= KEY_F(12))
		snprintf(out, n, "<F%d>", key - KEY_F(0));
	else if (key > 0 && key < 32)
		snprintf(out, n, "^%c", key + '@');
	else if (key > 32 && key < 127)
		snprintf(out, n, "%c", key);
	else
		snprintf(out, n, "<%d>", key);
}

int keymap_key_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
		if (!strcasecmp(key_names[i].name, name))
			return key_names[i].key;
	size_t len = strlen(name);
	if (len == 1 && name[0] > 32 && name[0] < 127)
		return name[0];
	if (len == 2 && name[0] == '^') {
		int c = name[1] >= 'a' && name[1] <= 'z' ? name[1] - 32 : name[1];
		if (c >= '@' && c <= '_')
			return c - '@';
	}
	int f;
	if (sscanf(name, "<F%d>", &f) == 1 && f >= 1 && f <= 12)
		return KEY_F(f);
	return -1;
}

static bool add(struct keymap *km, const char *view, int key, enum action a)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->v[i].key == key && !strcmp(km->v[i].view, view)) {
			km->v[i].action = a;
			return true;
		}
	if (km->n == km->cap) {
		size_t cap = km->cap ? km->cap * 2 : 128;
		struct binding *v = realloc(km->v, cap * sizeof(*v));
		if (!v)
			return false;
		km->v = v;
		km->cap = cap;
	}
	struct binding *b = &km->v[km->n++];
	snprintf(b->view, sizeof(b->view), "%s", view);
	b->key = key;
	b->action = a;
	return true;
}

struct keymap *keymap_new(void)
{
	static const struct {
		const char *view;
		int key;
		enum action action;
	} defaults[] = {
		{"generic", 'k', ACTION_MOVE_UP},
		{"generic", KEY_UP, ACTION_MOVE_UP},
		{"generic", 'j', ACTION_MOVE_DOWN},
		{"generic", KEY_DOWN, ACTION_MOVE_DOWN},
		{"generic", KEY_PPAGE, ACTION_PAGE_UP},
		{"generic", 'b' - 96, ACTION_PAGE_UP},
		{"generic", KEY_NPAGE, ACTION_PAGE_DOWN},
		{"generic", 'f' - 96, ACTION_PAGE_DOWN},
		{"generic", ' ', ACTION_PAGE_DOWN},
		{"generic", 'g', ACTION_MOVE_FIRST},
		{"generic", KEY_HOME, ACTION_MOVE_FIRST},
		{"generic", 'G', ACTION_MOVE_LAST},
		{"generic", KEY_END, ACTION_MOVE_LAST},
		{"generic", '\n', ACTION_ENTER},
		{"generic", '\r', ACTION_ENTER},
		{"generic", KEY_ENTER, ACTION_ENTER},
		{"generic", 'l', ACTION_ENTER},
		{"generic", KEY_RIGHT, ACTION_ENTER},
		{"generic", 27, ACTION_BACK},
		{"generic", 'q', ACTION_BACK},
		{"generic", 'h', ACTION_LEFT},
		{"generic", KEY_LEFT, ACTION_LEFT},
		{"generic", 'Q', ACTION_QUIT},
		{"generic", '\t', ACTION_NEXT_PANE},
		{"generic", '/', ACTION_SEARCH},
		{"generic", 'n', ACTION_FIND_NEXT},
		{"generic", 'N', ACTION_FIND_PREV},
		{"generic", ':', ACTION_PROMPT},
		{"generic", '?', ACTION_HELP},
		{"generic", KEY_F(1), ACTION_HELP},
		{"generic", 'r', ACTION_REFRESH},
		{"generic", KEY_F(5), ACTION_REFRESH},
		{"generic", 'L' - 64, ACTION_REDRAW},
		{"generic", '@', ACTION_REQUESTS},
	};
	/* The tree views (Storage, Yjs) share their keys. */
	static const struct {
		int key;
		enum action action;
	} tree_keys[] = {
		{'l', ACTION_TREE_EXPAND},
		{KEY_RIGHT, ACTION_TREE_EXPAND},
		{'h', ACTION_TREE_COLLAPSE},
		{KEY_LEFT, ACTION_TREE_COLLAPSE},
		{'*', ACTION_TREE_EXPAND_ALL},
		{'E', ACTION_TREE_EXPAND_ALL},
		{'C', ACTION_TREE_COLLAPSE_ALL},
		{'1', ACTION_TREE_DEPTH_1},
		{'2', ACTION_TREE_DEPTH_2},
		{'3', ACTION_TREE_DEPTH_3},
		{'4', ACTION_TREE_DEPTH_4},
		{'5', ACTION_TREE_DEPTH_5},
		{'6', ACTION_TREE_DEPTH_6},
		{'7', ACTION_TREE_DEPTH_7},
		{'8', ACTION_TREE_DEPTH_8},
		{'9', ACTION_TREE_DEPTH_9},
		{'p', ACTION_TREE_PARENT},
		{'^', ACTION_TREE_PARENT},
		{'J', ACTION_TREE_JSON},
		{'y', ACTION_COPY_PATH},
		{'Y', ACTION_COPY_JSON},
		{'w', ACTION_WATCH},
		{'+', ACTION_WATCH_FASTER},
		{'=', ACTION_WATCH_FASTER},
		{'-', ACTION_WATCH_SLOWER},
		{'L', ACTION_CHANGE_LOG},
		{'M', ACTION_CLEAR_MARKS},
	};
	/* The lists (listview.c) share theirs. */
	static const struct {
		int key;
		enum action action;
	} list_keys[] = {
		{'>', ACTION_SORT_NEXT},
		{'<', ACTION_SORT_PREV},
		{'I', ACTION_SORT_INVERT},
		{'\\', ACTION_FILTER},
	};
	struct keymap *km = calloc(1, sizeof(*km));
	bool ok = km != NULL;
	for (size_t i = 0; ok && i < sizeof(defaults) / sizeof(defaults[0]); i++)
		ok = add(km, defaults[i].view, defaults[i].key, defaults[i].action);
	/* Each view's, as it registers them (view.h). */
	for (size_t v = 0; ok && lb_views[v]; v++) {
		const struct view_info *vi = lb_views[v];

		if (vi->keysets & VIEW_KEYS_TREE)
			for (size_t i = 0; ok && i < sizeof(tree_keys) / sizeof(tree_keys[0]); i++)
				ok = add(km, vi->name, tree_keys[i].key, tree_keys[i].action);
		if (vi->keysets & VIEW_KEYS_LIST)
			for (size_t i = 0; ok && i < sizeof(list_keys) / sizeof(list_keys[0]); i++)
				ok = add(km, vi->name, list_keys[i].key, list_keys[i].action);
		for (const struct view_key *k = vi->keys; ok && k && k->action; k++) {
			enum action own = view_key_action(vi, k->action);
			ok = add(km, vi->name, k->key,
			         own != ACTION_NONE ? own : action_by_name(k->action));
		}
		/* Its open action, in the view of the part it belongs to. */
		if (ok && vi->open_action && vi->open_key) {
			const struct view_info *from = view_of_part(vi->nav_part);
			if (from)
				ok = add(km, from->name, vi->open_key, action_by_name(vi->open_action));
		}
	}
	if (!ok)
		keymap_free(&km);
	return km;
}

void keymap_free(struct keymap **km)
{
	if (!*km)
		return;
	free((*km)->v);
	free(*km);
	*km = NULL;
}

bool keymap_bind(struct keymap *km, const char *view, const char *key, const char *action,
		 struct lb_error *err)
{
	if (strcmp(view, "generic") && !view_info_find(view)) {
		char names[512] = "generic";
		size_t used = strlen(names);
		for (size_t i = 0; lb_views[i] && used < sizeof(names); i++)
			used += (size_t)snprintf(names + used, sizeof(names) - used, ", %s",
			                         lb_views[i]->name);
		lb_error_set(err, LB_CONFIG, "bind: unknown view '%s' (%s)", view, names);
		return false;
	}
	int k = keymap_key_parse(key);
	if (k < 0) {
		lb_error_set(err, LB_CONFIG, "bind: unknown key '%s' (e.g. x, ^X, <Enter>, <F5>)",
			     key);
		return false;
	}
	enum action a = action_by_name(action);
	if (a == ACTION_NONE && strcmp(action, "none")) {
		lb_error_set(err, LB_CONFIG, "bind: unknown action '%s' (see the help screen, ?)",
			     action);
		return false;
	}
	if (!add(km, view, k, a)) {
		lb_error_set(err, LB_NOMEM, "bind: out of memory");
		return false;
	}
	return true;
}

enum action keymap_lookup(const struct keymap *km, const char *view, int key)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->v[i].key == key && !strcmp(km->v[i].view, view))
			return km->v[i].action;
	for (size_t i = 0; i < km->n; i++)
		if (km->v[i].key == key && !strcmp(km->v[i].view, "generic"))
			return km->v[i].action;
	return ACTION_NONE;
}

void keymap_keys_for(const struct keymap *km, const char *view, enum action a, char *out,
		     size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < km->n; i++) {
		const struct binding *b = &km->v[i];
		if (b->action != a)
			continue;
		if (strcmp(b->view, view) && strcmp(b->view, "generic"))
			continue;
		/* A generic key overridden in this view does not do a here. */
		if (!strcmp(b->view, "generic") && keymap_lookup(km, view, b->key) != a)
			continue;
		char name[32];
		keymap_key_name(b->key, name, sizeof(name));
		if (strstr(out, name) && (b->key == '\r' || b->key == KEY_ENTER))
			continue;
		int w = snprintf(out + used, n - used, "%s%s", used ? ", " : "", name);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
	}
}
