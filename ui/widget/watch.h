/* The watch timer the live views share when they poll: a refresh of a
 * resource every interval (250 ms to 30 s, the user's choice), backing off
 * while the server is slow or failing and coming back when it recovers.
 * No curses: the views draw what watch_describe says. */
#ifndef LB_WATCH_H
#define LB_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

#define WATCH_DEFAULT_MS 1000
#define WATCH_MAX_MS 30000

struct watch {
	bool on;
	int interval_ms;       /* chosen by the user */
	int current_ms;        /* after back-off */
	long long due_ms;      /* the next refresh */
	long long started_ms;  /* a refresh in flight since; 0 when none */
	bool slow, failing;
};

/* Off or on, at the default interval. */
void watch_init(struct watch *w, bool on, long long now);
void watch_toggle(struct watch *w, long long now);
/* dir > 0: more often, < 0: less often (250 ms to 30 s). */
void watch_adjust(struct watch *w, int dir, long long now);
/* Refresh r when due. Returns the ms until it wants to run again, -1 when
 * watch is off. */
int watch_tick(struct watch *w, struct model *m, struct resource *r, long long now);
/* r changed: when a watch refresh has settled, back off (slow or failed)
 * or recover. Returns true when it had been waiting for r. */
bool watch_settled(struct watch *w, const struct resource *r, long long now);
/* "watch 1s", "watch 4s (slow)", "watch 8s (failing)", "" when off. */
void watch_describe(const struct watch *w, char *out, size_t n);

#endif
