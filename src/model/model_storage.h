/* The model for what lives inside a room: Storage, the Yjs document,
 * active users; and the changes made to them. Same rules
 * as model.h: resources answer from the cache at once, load or revalidate
 * in the background, one request per resource, listeners hear every
 * change, mutations refuse at once in read-only mode. */
#ifndef LB_MODEL_STORAGE_H
#define LB_MODEL_STORAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "lson.h"
#include "model.h"

/* A room's Storage: plain LSON, or the simplified JSON (?format=json).
 * Key "/v2/rooms/<id>/storage[?format=json]". New reference. */
struct resource *model_storage(struct model *m, const char *room_id, bool simplified);

/* The same document as bytes only, never decoded (doc stays NULL): for
 * printing it as the API sent it. A resource of its own. New reference. */
struct resource *model_storage_body(struct model *m, const char *room_id, bool simplified);

/* Completion of a JSON Pointer in a room's Storage, from the cache only
 * (nothing is loaded): the children of the node named by prefix up to its
 * last '/', whose paths start with prefix; containers end with '/'. Up to
 * max paths into out (each malloc'd, caller frees), sorted as in the
 * document. 0 when the Storage is not cached or prefix does not start
 * with '/' (or is empty: then the root's children). */
size_t model_storage_paths(struct model *m, const char *room_id, const char *prefix, char **out,
			   size_t max);

/* The Yjs document as JSON (GET /ydoc): formatting, a single key, a type
 * override (ymap, ytext, yxmltext, yxmlfragment, yarray); NULL/false to
 * leave out. New reference. */
struct ydoc_options {
	bool formatting;
	const char *key;
	const char *type;
};
struct resource *model_ydoc(struct model *m, const char *room_id, const struct ydoc_options *o);

/* GET /active-users. New reference. */
struct resource *model_active_users(struct model *m, const char *room_id);

/* Connection i of the active users (see model_count). */
const struct active_user *model_user_at(const struct resource *r, size_t i);
/* A Storage or Yjs resource's document, decoded (NULL before it came, and
 * always for model_storage_body); the model's reference: take your own
 * with lson_ref to keep a version across updates. */
struct lson_doc *model_document(const struct resource *r);
/* The same document as the API sent it, NUL-terminated, its length in
 * *len; NULL (and 0) before it came. */
const char *model_body(const struct resource *r, size_t *len);

/* ---- changes ------------------------------------------------------------- */

/* How a Storage change was sent. */
enum storage_path {
	STORAGE_JSON_PATCH,      /* one atomic PATCH /storage/json-patch */
	STORAGE_READ_MODIFY_WRITE/* re-read, DELETE + POST /storage */
};

/* The result of a change: err (LB_OK on success); for Storage, which way
 * it went. */
struct storage_result {
	struct lb_error err;
	enum storage_path path;
	const char *body;     /* response body when there is one (binary for
			       * downloads), valid during the callback; when a
			       * read-modify-write could not put the previous
			       * document back, that document (save it!) */
	size_t body_len;
	size_t streamed;      /* model_storage_stream: bytes given to the sink */
	/* A failed change that had deleted the room's Storage and could not
	 * write it back (or was cancelled after the DELETE went out): the
	 * document the room had, which nothing else holds now. Same bytes as
	 * body. NULL otherwise. */
	const char *previous;
	size_t previous_len;
	/* With previous: the file that has kept it since before the DELETE
	 * (kept_save), which the caller names; NULL when there is none. */
	const char *saved;
	const char *id;       /* a change that makes something: its ID */
};
typedef void (*storage_done_fn)(const struct storage_result *res, void *ud);

/* Read a room's Storage once, straight to sink as it arrives, past the
 * cache (nothing is kept, so a document of any size costs no memory):
 * for printing or saving it. done hears the outcome; res->streamed says
 * how many bytes went to the sink. See api_send_args.sink. */
http_id model_storage_stream(struct model *m, const char *room_id, bool simplified,
			     const struct http_sink *sink, storage_done_fn done, void *ud);

/* Whether the server has the JSON-patch endpoint: 1 yes, 0 no, -1 not
 * known yet (model_storage_probe finds out with an empty patch). */
int model_storage_has_json_patch(const struct model *m);
http_id model_storage_probe(struct model *m, const char *room_id, storage_done_fn done,
			    void *ud);

/* Apply a JSON patch to a room's Storage so that it changes exactly what
 * the user was shown, or nothing. seen_body is that document (plain LSON,
 * the body of model_storage(m, id, false); NULL: no check): the patch is
 * guarded with the test ops lson_patch_guard makes from it, so that it
 * applies only where what it depends on is still as shown. Sent as one
 * atomic JSON-patch request where the server has the endpoint; a 422 to
 * a guarded patch is looked into (GET /storage): when tests fail there,
 * the change is refused with LB_HTTP, code STORAGE_CHANGED, and a message
 * naming the paths that changed. Where the endpoint answers 404 (no such
 * route) or 501, read–modify–write: re-read the document right before the
 * write, evaluate the same tests on it (STORAGE_CHANGED the same way;
 * changes elsewhere do not refuse), apply the patch locally
 * (lson_patch_apply), keep the re-read document in a file (kept_save)
 * before DELETE /storage, then POST the result. A patch that leaves the
 * document as it is writes nothing. An answer to the DELETE or the POST
 * that says nothing for sure (none, cut off, cancelled) or a failed POST
 * is followed by a re-read that decides: the new document is there
 * (success), the previous one is (nothing lost), or the Storage is empty
 * (the previous document is POSTed back once). When the previous document
 * is not in place at the end, or may not stay (a DELETE without an answer
 * may yet land), res->previous holds it and res->saved names the file;
 * otherwise the file is removed. Storage resources of the room
 * are revalidated after. Functions with several requests return the first
 * one's id. */
http_id model_storage_patch(struct model *m, const char *room_id, const struct patch *p,
			    const char *seen_body, size_t seen_len, storage_done_fn done, void *ud);
/* Rewrite a room's Storage with a patch whose add/replace values are plain
 * LSON taken as they are (lson_patch_apply_opts, LSON_PATCH_LITERAL): an
 * object or array without wrappers stays plain JSON, which no JSON-patch
 * request can say. Always read-modify-write, even where the server has the
 * JSON-patch endpoint, with the same safety as model_storage_patch's
 * fallback (the same tests made from seen_body). res->path is
 * STORAGE_READ_MODIFY_WRITE. */
http_id model_storage_rewrite(struct model *m, const char *room_id, const struct patch *p,
			      const char *seen_body, size_t seen_len, storage_done_fn done,
			      void *ud);
/* Replace a room's Storage with a plain LSON document (validated first),
 * as safely as model_storage_rewrite: re-read right before, refuse
 * (STORAGE_CHANGED) if it differs at all from seen_body (NULL: no check;
 * the whole document is what a replacement depends on: equal bytes, or
 * trees with no difference, so a server that reorders keys does not
 * refuse), keep it in a file, DELETE, POST the document, and settle an
 * uncertain or failed answer as model_storage_patch does. */
http_id model_storage_replace(struct model *m, const char *room_id, const char *plain_lson,
			      size_t len, const char *seen_body, size_t seen_len,
			      storage_done_fn done, void *ud);
/* Stop the Storage changes in progress as safely as they allow (a
 * signal): one that has written nothing yet is cancelled; a rewrite that
 * has deleted, or may have deleted, the room's Storage stops waiting on
 * its POST (its DELETE's answer is waited for: one that landed after a
 * read would leave nothing), reads the Storage back, and puts the
 * previous document back unless the new one turns out to be written. A JSON-patch
 * request, atomic, is left to end. Changes asked for afterwards are
 * refused. Returns model_storage_rewrites(m). */
int model_storage_interrupt(struct model *m);
/* Rewrites between their DELETE and their end (while the room's Storage
 * may be missing). */
int model_storage_rewrites(const struct model *m);
/* fn for each of them: the room, and the file keeping its previous
 * document. */
void model_storage_each_rewrite(const struct model *m,
				void (*fn)(void *ud, const char *room, const char *saved),
				void *ud);
/* Rewrites that ended with the previous document only in its file. */
int model_storage_lost(const struct model *m);

/* POST /storage with a plain LSON document (validated first). An answer
 * that is not a refusal (4xx) is checked by reading the Storage back: the
 * document there means success, whatever the answer said. */
http_id model_storage_init(struct model *m, const char *room_id, const char *plain_lson,
			   size_t len, storage_done_fn done, void *ud);
/* DELETE /storage, checked the same way (an empty Storage is success). */
http_id model_storage_delete(struct model *m, const char *room_id, storage_done_fn done,
			     void *ud);

/* Yjs: GET /ydoc-binary (guid optional) into res->body; PUT /ydoc with an
 * update (application/octet-stream, guid optional). */
http_id model_ydoc_binary(struct model *m, const char *room_id, const char *guid,
			  storage_done_fn done, void *ud);
http_id model_ydoc_update(struct model *m, const char *room_id, const char *guid,
			  const void *update, size_t len, storage_done_fn done, void *ud);

/* Room administration. */
http_id model_room_upsert(struct model *m, const char *room_id, const struct room_update *update,
			  const struct room_create *create, model_done_fn done, void *ud);
/* POST /update-room-id; the room and its lists follow the new ID. */
http_id model_room_rename(struct model *m, const char *room_id, const char *new_id,
			  model_done_fn done, void *ud);
http_id model_room_prewarm(struct model *m, const char *room_id, storage_done_fn done, void *ud);
/* POST /broadcast-event with any JSON. */
http_id model_room_broadcast(struct model *m, const char *room_id, const char *json,
			     storage_done_fn done, void *ud);

#endif
