/* A family of the API (rooms, Storage, versions, ...) registers here what
 * the command layer needs of it: one `struct family` in its own file in
 * src/res, and one row FAMILY(name) in src/res/families.def. Its screen
 * side registers the same way in ui/views (view.h, views.def). Nothing
 * else lists families: help, completion, the checks of IDs and the
 * coverage of the endpoint table read them from here. */
#ifndef LB_FAMILY_H
#define LB_FAMILY_H

#include <stdbool.h>
#include <stddef.h>

#include "endpoints.h"

struct command; /* cmd_impl.h */

/* A name that stands for an ID in synopses and option values ("ROOM",
 * "VERSION_ID"), checked before a command runs, so that no request goes
 * out with an ID the API cannot take. */
struct id_arg {
	const char *name; /* NULL ends a table */
	size_t max_units; /* for what the command creates; 0: no limit */
	bool is_new;      /* names what the command creates: no control characters */
	bool list;        /* comma-separated: each item is one */
	bool keyed;       /* NAME=VALUE: NAME is the ID (cmd_split_kv reports the rest) */
};

struct family {
	const char *name;    /* "versions" */
	const char *summary; /* one line: what it is about */
	/* Its commands, ending with a NULL name. */
	const struct command *commands;
	/* The names its commands give their IDs, NULL: none of its own. */
	const struct id_arg *ids;
	/* The rows of the endpoint table it reaches, ending with EP_COUNT. */
	const enum endpoint_id *endpoints;
};

/* Every family, in the order help lists them (families.def), then NULL. */
extern const struct family *const lb_families[];

#endif
