/* A user's inbox notifications (src/res/inbox.c): what the API sends
 * (thread, textMention and custom "$kind" notifications), a user's inbox
 * a page at a time, and the body of a custom notification to trigger.
 * Same rules as model_storage.h. */
#ifndef LB_INBOX_H
#define LB_INBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "model.h"
#include "util.h"

enum inbox_kind {
	INBOX_THREAD,  /* "thread": a thread the user is subscribed to moved */
	INBOX_MENTION, /* "textMention": the user (or a group of theirs) was mentioned */
	INBOX_CUSTOM,  /* "$name": triggered through the API */
};

struct inbox_note {
	char *id;   /* "in_..." */
	char *kind; /* as sent: "thread", "textMention", "$deploy" */
	enum inbox_kind k;
	char *room_id;    /* NULL when none (a custom notification may have none) */
	char *thread_id;  /* thread and textMention */
	char *subject_id; /* custom */
	char *mention_id; /* textMention: the comment that mentions */
	char *created_by; /* textMention: who mentioned */
	char *org;        /* organizationId, NULL when not sent */
	char *notified_at;
	long long notified_s; /* -1 when unknown */
	bool unread;          /* readAt is null */
	size_t activities;    /* custom: how many */
	char *last_data;      /* custom: the last activity's data, compact JSON */
	char *raw_json;       /* the API's object, compact */
};

/* Decoders, pure; false with err set (LB_DECODE) on bad input.
 * {nextCursor, data:[notification]}: */
bool inbox_page_decode(const char *json, size_t len, struct inbox_note **out, size_t *n,
                       char **next_cursor, struct lb_error *err);
/* One notification. */
bool inbox_note_decode(const char *json, size_t len, struct inbox_note *out, struct lb_error *err);
void inbox_note_clear(struct inbox_note *n);
void inbox_notes_free(struct inbox_note *n, size_t count);
size_t inbox_note_bytes(const struct inbox_note *n);
/* What it is about: the thread, else the subject. "" when neither. */
const char *inbox_note_subject(const struct inbox_note *n);
/* "unread", "mention", "thread", "custom": the section it is shown in
 * (an unread one is in Unread whatever its kind). */
const char *inbox_note_section(const struct inbox_note *n);

/* A custom kind: "$" then 1 to 127 letters or underscores. False with
 * err (LB_USAGE) saying why. */
bool inbox_kind_check(const char *kind, struct lb_error *err);
/* The body of POST /inbox-notifications/trigger, checked before anything
 * is sent: the kind (above), data one JSON object whose values are
 * strings, numbers or booleans. room and org may be NULL. False with err
 * (LB_USAGE or LB_NOMEM). */
bool inbox_trigger_body(const char *user, const char *kind, const char *room, const char *subject,
                        const char *data, const char *org, struct buf *out, struct lb_error *err);

/* A user's inbox, newest first, 50 a page (model_more for the next):
 * unread only, of one organization (NULL: all). New reference. */
struct resource *model_inbox(struct model *m, const char *user, bool unread, const char *org);
/* The options `inbox` hands its view on the screen (borrowed). */
struct inbox_view_opts {
	bool unread;
	const char *org;
};
/* Notification i of an inbox; NULL for another resource. */
const struct inbox_note *model_inbox_at(const struct resource *r, size_t i);

#endif
