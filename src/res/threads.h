/* A room's comment threads (src/res/threads.c, src/res/comments.c): what
 * the API sends, decoded; the room's threads and one thread in the model;
 * the changes to threads and comments. Same rules as model_storage.h:
 * resources answer from the cache and load in the background; a change
 * calls done once, refused at once in read-only mode, and the room's
 * threads and threads held are read again after it. */
#ifndef LB_THREADS_H
#define LB_THREADS_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "model_storage.h"
#include "strv.h"
#include "util.h"

/* Metadata limits of threads and comments, checked before sending. */
#define THREAD_METADATA_MAX_KEYS  50
#define THREAD_METADATA_KEY_MAX   40   /* characters (UTF-16 units, as the API counts) */
#define THREAD_METADATA_VALUE_MAX 4000 /* characters of a string value */

struct reaction {
	char *emoji;
	char *created_at;
	struct strv users; /* who reacted, in the server's order */
};

struct attachment {
	char *id;
	char *name;
	char *mime_type;
	long long size; /* bytes; -1 when not sent */
};

struct comment {
	char *id;
	char *thread_id;
	char *room_id;
	char *user_id;
	char *created_at, *edited_at, *deleted_at; /* NULL when absent */
	long long created_s, edited_s, deleted_s;  /* -1 when absent */
	/* The body as the API sent it (compact JSON); NULL for a deleted
	 * comment (a tombstone has deletedAt and no body). */
	char *body_json;
	/* The body's first line of plain text, for tables; "" when none. */
	char *preview;
	struct reaction *reactions;
	size_t n_reactions;
	struct attachment *attachments;
	size_t n_attachments;
	char *metadata_json; /* compact; "{}" when none */
	struct strv mentions; /* the users the body mentions (and a group mention's userIds) */
};

struct thread {
	char *id;
	char *room_id;
	char *created_at, *updated_at;
	long long created_s, updated_s; /* -1 when absent */
	bool resolved;
	char *visibility;    /* NULL when not sent */
	char *metadata_json; /* compact; "{}" when none */
	struct comment *comments;
	size_t n_comments;
	char *raw_json; /* the thread as the API sent it (compact) */
};

struct thread_subscription {
	char *user_id;
	char *created_at;
	long long created_s;
};

/* ---- decoders: pure; false with err set (LB_DECODE) on bad input ------ */

/* {data:[Thread...]} (GET /threads: one page, never a cursor). */
bool thread_list_decode(const char *json, size_t len, struct thread **out, size_t *n,
                        struct lb_error *err);
/* One Thread (GET /threads/{id}, a creation, a resolve). */
bool thread_decode(const char *json, size_t len, struct thread *out, struct lb_error *err);
/* One Comment (GET /comments/{id}, a creation, an edit). */
bool comment_decode(const char *json, size_t len, struct comment *out, struct lb_error *err);
/* {data:[{kind, subjectId, createdAt, userId}]}. */
bool thread_subscriptions_decode(const char *json, size_t len, struct thread_subscription **out,
                                 size_t *n, struct lb_error *err);
/* {participantIds:[...]} into out (empty first). */
bool thread_participants_decode(const char *json, size_t len, struct strv *out,
                                struct lb_error *err);
/* A reaction as the add-reaction answer has it ({emoji, userId,
 * createdAt}), or as a comment holds it ({emoji, createdAt, users}). */
bool reaction_decode(const char *json, size_t len, struct reaction *out, struct lb_error *err);

void thread_clear(struct thread *t);
void threads_free(struct thread *t, size_t n);
void comment_clear(struct comment *c);
void reaction_clear(struct reaction *r);
void thread_subscriptions_free(struct thread_subscription *s, size_t n);
/* Approximate heap bytes a thread holds, itself included. */
size_t thread_bytes(const struct thread *t);
/* Reactions on a comment, every user counted. */
size_t comment_reaction_count(const struct comment *c);

/* "status=open, priority=2" from a metadata object (compact JSON), cut
 * to fit n; "" for {} or what is not an object. */
void thread_metadata_summary(const char *metadata_json, char *out, size_t n);

/* ---- what commands send ---------------------------------------------------- */

/* The thread query of `threads`: resolved:true or resolved:false
 * (resolved 1 or 0; -1: neither), then the query as typed, space-separated
 * as the SDK's objectToQuery joins its terms. NULL when there is nothing
 * to filter by, or out of memory (*nomem then). Caller frees. */
char *thread_query_build(const char *typed, int resolved, bool *nomem);

/* A metadata object from KEY=VALUE settings and KEYs to remove (null):
 * VALUE is a number when it reads as a JSON number, true or false, a
 * string given as a JSON string ("\"42\"") that string, else the text as
 * it is. The limits (50 keys, keys up to 40 characters, string values up
 * to 4,000) and a key given twice are refused before anything is sent.
 * Appends the object to out; false with err (LB_USAGE, or LB_NOMEM). */
bool thread_metadata_build(const struct strv *set, const struct strv *unset, struct buf *out,
                           struct lb_error *err);

/* ---- the model ------------------------------------------------------------- */

/* A room's threads, newest first as the server sends them, filtered by a
 * thread query (NULL: all). One page: the API does not paginate threads.
 * New reference. */
struct resource *model_threads(struct model *m, const char *room_id, const char *query);
/* Thread i of a room's threads; NULL for another resource. */
const struct thread *model_thread_at(const struct resource *r, size_t i);
/* One thread with its comments. A 404 marks it gone and takes it out of
 * the room's threads. New reference. */
struct resource *model_thread(struct model *m, const char *room_id, const char *thread_id);
/* The thread of model_thread; NULL before it came, or for another
 * resource. */
const struct thread *model_thread_of(const struct resource *r);

/* ---- changes: done hears the answer's body (res->body), LB_OK or why not;
 * each request that changes something goes out at most once -------------- */

/* POST /threads {comment:{userId, body}, metadata?}: body is the comment
 * body (JSON), metadata an object or NULL. res->id is the new thread's. */
http_id model_thread_create(struct model *m, const char *room_id, const char *user_id,
                            const char *body_json, const char *metadata_json, storage_done_fn done,
                            void *ud);
/* DELETE a thread, once what it holds is saved: GET it again, refuse
 * (LB_HTTP, code THREAD_CHANGED) when it is not what seen_json (the thread
 * the user was shown, NULL: no check) says, keep it in a file of the state
 * directory (kept_save; nothing is deleted when that fails), then DELETE.
 * res->saved names the file whenever the DELETE went out. */
http_id model_thread_delete(struct model *m, const char *room_id, const char *thread_id,
                            const char *seen_json, storage_done_fn done, void *ud);
/* POST /mark-as-resolved or /mark-as-unresolved {userId}. */
http_id model_thread_resolve(struct model *m, const char *room_id, const char *thread_id,
                             const char *user_id, bool resolved, storage_done_fn done, void *ud);
/* POST /metadata {metadata, userId}: null values remove keys. */
http_id model_thread_metadata(struct model *m, const char *room_id, const char *thread_id,
                              const char *user_id, const char *metadata_json, storage_done_fn done,
                              void *ud);
/* POST /subscribe or /unsubscribe {userId}. */
http_id model_thread_subscribe(struct model *m, const char *room_id, const char *thread_id,
                               const char *user_id, bool subscribe, storage_done_fn done, void *ud);
/* GET /subscriptions, GET /participants (deprecated): reads. */
http_id model_thread_subscriptions(struct model *m, const char *room_id, const char *thread_id,
                                   storage_done_fn done, void *ud);
http_id model_thread_participants(struct model *m, const char *room_id, const char *thread_id,
                                  storage_done_fn done, void *ud);

/* GET a comment (a read). */
http_id model_comment_get(struct model *m, const char *room_id, const char *thread_id,
                          const char *comment_id, storage_done_fn done, void *ud);
/* POST /comments {userId, body}. res->id is the new comment's. */
http_id model_comment_create(struct model *m, const char *room_id, const char *thread_id,
                             const char *user_id, const char *body_json, storage_done_fn done,
                             void *ud);
/* POST /comments/{id} {body}, once the comment is read again and found
 * with the body seen_json (the comment the user was shown; NULL: no
 * check) has: another body, or a deleted comment, is refused (LB_HTTP,
 * code COMMENT_CHANGED) and nothing is sent. */
http_id model_comment_edit(struct model *m, const char *room_id, const char *thread_id,
                           const char *comment_id, const char *body_json, const char *seen_json,
                           storage_done_fn done, void *ud);
/* DELETE a comment as model_thread_delete deletes a thread (code
 * COMMENT_CHANGED; seen_json: the comment the user was shown). */
http_id model_comment_delete(struct model *m, const char *room_id, const char *thread_id,
                             const char *comment_id, const char *seen_json, storage_done_fn done,
                             void *ud);
/* POST /add-reaction or /remove-reaction {emoji, userId}. */
http_id model_comment_react(struct model *m, const char *room_id, const char *thread_id,
                            const char *comment_id, const char *user_id, const char *emoji,
                            bool add, storage_done_fn done, void *ud);

#endif
