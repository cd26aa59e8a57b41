/* "Why was USER (not) notified about THREAD?" (src/res/why.c): what the
 * API shows about a user and a thread, read step by step (the thread, its
 * subscriptions, the user's room subscription settings, channel settings,
 * groups and inbox), and the conclusion drawn from it. The conclusion is a
 * pure function of the decoded answers. */
#ifndef LB_WHY_H
#define LB_WHY_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "inbox.h"
#include "notify_settings.h"
#include "strv.h"
#include "threads.h"

enum why_step {
	WHY_THREAD,        /* GET /rooms/{r}/threads/{t} */
	WHY_SUBSCRIPTIONS, /* GET /rooms/{r}/threads/{t}/subscriptions */
	WHY_ROOM_SETTINGS, /* GET /rooms/{r}/users/{u}/subscription-settings */
	WHY_CHANNELS,      /* GET /users/{u}/notification-settings */
	WHY_GROUPS,        /* GET /users/{u}/groups */
	WHY_INBOX,         /* GET /users/{u}/inbox-notifications */
	WHY_STEPS
};

/* What the API answered, decoded. err[s] is LB_OK when step s was
 * answered and decoded; otherwise what it holds for s is empty. */
struct why_trace {
	const char *user, *room, *thread; /* borrowed */
	struct lb_error err[WHY_STEPS];
	struct thread thread_v;
	struct thread_subscription *subs;
	size_t n_subs;
	struct room_subscription room_sub;
	struct notify_settings channels;
	struct strv groups; /* the user's group IDs */
	/* The user's notifications about the thread (why_note_about), out of
	 * inbox_seen read in all. */
	struct inbox_note *notes;
	size_t n_notes, inbox_seen;
	bool more_groups, more_inbox; /* pages left unread */
};
void why_trace_clear(struct why_trace *t);

/* What the thread says about the user. */
struct why_role {
	size_t comments;      /* comments not deleted */
	size_t authored;      /* of them, the user's */
	struct strv direct;   /* IDs of comments by others that mention the user */
	struct strv by_group; /* "GROUP in COMMENT" for a group mention that reaches the user */
	struct strv missed;   /* groups mentioned that do not reach the user */
	bool subscribed;      /* in the thread's subscriptions */
	const char *subscribed_at;
	/* Comments by others after the subscription (all of them when there
	 * is none), the ones that make a thread notification. */
	size_t others_after;
};
/* The role from t's thread, subscriptions and groups (a step that failed
 * counts as nothing found). False when out of memory. */
bool why_role_of(const struct why_trace *t, struct why_role *out);
void why_role_clear(struct why_role *r);

/* Whether notification n is about thread th (its threadId, or for a
 * mention the ID of one of th's comments). */
bool why_note_about(const struct inbox_note *n, const struct thread *th, const char *thread_id);

/* The conclusion, a few plain lines a support engineer can paste (not
 * terminal-safe yet). *notified: an inbox notification about the thread
 * was found. False when out of memory. */
bool why_conclude(const struct why_trace *t, struct strv *lines, bool *notified);

/* The `why USER ROOM THREAD` command (a row of the settings family):
 * the trace in the pager of the TUI, as text in batch mode, one JSON
 * object with --json. */
struct cmd_ctx;
struct command;
struct args;
void run_why(struct cmd_ctx *c, const struct command *cmd, struct args *a);

#endif
