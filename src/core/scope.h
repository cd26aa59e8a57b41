/* What a view or a command is about: a room (its Storage, Yjs, versions,
 * users), a user (their inbox), a group (its members), an AI copilot (its
 * knowledge). The screen and the command layer both speak of it: a view
 * reports its scope, the command host hands it to a command, and a
 * command takes the part it needs. */
#ifndef LB_SCOPE_H
#define LB_SCOPE_H

#include <stdbool.h>

/* The parts of a scope. SCOPE_NONE is no part: the first argument of a
 * command that is no ID of a scope. */
enum scope_part {
	SCOPE_NONE,
	SCOPE_ROOM,
	SCOPE_USER,
	SCOPE_GROUP,
	SCOPE_COPILOT,
};
/* The last part: SCOPE_ROOM to SCOPE_LAST are the parts. */
#define SCOPE_LAST SCOPE_COPILOT

/* Each part an ID, or NULL when the scope holds none. A scope handed
 * around borrows its strings; one filled by scope_copy owns them. thread
 * is no part (nothing is navigated by it): the thread of the room a view
 * shows, what %t of a view's command stands for. */
struct scope {
	const char *room, *user, *group, *copilot;
	const char *thread;
};

/* "room", "user", "group", "copilot" (for messages: "which room?"); ""
 * for SCOPE_NONE. */
const char *scope_part_name(enum scope_part p);
/* The ID s holds for part p, NULL when none (and for SCOPE_NONE). */
const char *scope_get(const struct scope *s, enum scope_part p);
/* The scope for a title or a message, terminal-safe: the ID alone when s
 * holds one part ("acme-1"), each ID after its part's name when it holds
 * more ("room acme-1, user ada"; a thread last: "room acme-1, thread
 * th_1"), "" when none. NULL when out of memory;
 * caller frees. */
char *scope_name(const struct scope *s);
/* dst owning copies of the IDs of src (NULL stays NULL); false when out
 * of memory, dst then empty. Free with scope_free. */
bool scope_copy(struct scope *dst, const struct scope *src);
/* Free the IDs of a scope filled by scope_copy; s is empty after. */
void scope_free(struct scope *s);

#endif
