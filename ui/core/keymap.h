/* Keys to actions, per view with a generic fallback (tig's keymaps). The
 * defaults live in keymap.c; the config file's `bind VIEW KEY ACTION` lines
 * change them. */
#ifndef LB_KEYMAP_H
#define LB_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"
#include "error.h"

/* Keys are ints: a character (< KEY_MIN) or a curses KEY_* code. */

struct keymap;

/* A keymap with the default bindings; NULL when out of memory. */
struct keymap *keymap_new(void);
void keymap_free(struct keymap **km);
/* Bind (or rebind) a key, e.g. keymap_bind(km, "rooms", "D", "room-delete").
 * view is "generic" or a view name. */
bool keymap_bind(struct keymap *km, const char *view, const char *key, const char *action,
		 struct lb_error *err);
/* The action for key in view (falling back to "generic"), or ACTION_NONE. */
enum action keymap_lookup(const struct keymap *km, const char *view, int key);

/* "j", "^L", "<Enter>", "<PgDn>" ... from a key code, and back. */
void keymap_key_name(int key, char *out, size_t n);
int keymap_key_parse(const char *name);

const char *action_name(enum action a);
const char *action_help(enum action a);
enum action action_by_name(const char *name);
/* Every action ID is below this: the built-in ones, then the views' own. */
int action_count(void);

/* Keys bound to an action in a view (generic ones included), as text like
 * "j, <Down>". Empty when none. */
void keymap_keys_for(const struct keymap *km, const char *view, enum action a, char *out,
		     size_t n);

#endif
