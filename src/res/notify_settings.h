/* A user's notification settings and room subscription settings
 * (src/res/notify_settings.c): the decoders and the request bodies,
 * pure, and a user's room subscription settings a page at a time. */
#ifndef LB_NOTIFY_SETTINGS_H
#define LB_NOTIFY_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "model.h"
#include "model_storage.h"
#include "strv.h"
#include "util.h"

#define NOTIFY_CHANNELS 4
/* "email", "slack", "teams", "webPush", in the grid's order. */
extern const char *const notify_channels[NOTIFY_CHANNELS];

/* The grid channel × kind. A channel the project has not enabled comes
 * as null (or not at all): enabled false, every kind off. */
struct notify_settings {
	bool enabled[NOTIFY_CHANNELS];
	struct strv kinds; /* "thread", "textMention", then custom kinds as seen */
	bool *on;          /* [channel * kinds.n + kind] */
};

/* {email:{thread:true,...}|null, slack:..., ...}. False with err. */
bool notify_settings_decode(const char *json, size_t len, struct notify_settings *out,
                            struct lb_error *err);
void notify_settings_clear(struct notify_settings *s);
/* Whether kind is on in channel ch (false for a kind not listed). */
bool notify_settings_on(const struct notify_settings *s, int ch, const char *kind);

/* The body of POST notification-settings from "CHANNEL.KIND=on|off"
 * specs: {"email":{"thread":false}}. Each checked (a known channel; thread,
 * textMention or a "$kind"; on or off) before anything is sent. False with
 * err (LB_USAGE, LB_NOMEM). */
bool notify_settings_body(const struct strv *specs, struct buf *out, struct lb_error *err);

struct room_subscription {
	char *room_id;  /* in a user's list; NULL for one room's answer */
	char *threads;  /* all, replies_and_mentions, none */
	char *mentions; /* textMentions: mine, none */
};
/* {threads, textMentions}. */
bool room_subscription_decode(const char *json, size_t len, struct room_subscription *out,
                              struct lb_error *err);
/* {nextCursor, data:[{roomId, threads, textMentions}]}. */
bool room_subscription_page_decode(const char *json, size_t len, struct room_subscription **out,
                                   size_t *n, char **next_cursor, struct lb_error *err);
void room_subscription_clear(struct room_subscription *s);
/* The body of POST subscription-settings: threads and mentions checked
 * (either may be NULL, not both). */
bool room_subscription_body(const char *threads, const char *mentions, struct buf *out,
                            struct lb_error *err);

/* A user's notification settings (GET /users/{u}/notification-settings),
 * one object; a change through settings or the grid makes it reload. */
struct resource *model_notification_settings(struct model *m, const char *user);
/* Its grid; NULL before it came or for another resource. */
const struct notify_settings *model_notification_settings_of(const struct resource *r);
/* Turn kind on or off in channel ch (the partial update POST
 * notification-settings with only that channel.kind); done hears the
 * server's answer (the whole settings) or why not. The kind is checked
 * first (thread, textMention or a $kind). */
http_id model_notification_setting_set(struct model *m, const char *user, int ch, const char *kind,
                                       bool on, storage_done_fn done, void *ud);

/* GET /users/{u}/room-subscription-settings, a page at a time. */
struct resource *model_room_subscriptions(struct model *m, const char *user);
const struct room_subscription *model_room_subscription_at(const struct resource *r, size_t i);

#endif
