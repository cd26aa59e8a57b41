/* What the AI families' commands (copilots.c, knowledge.c) share: one
 * request and its answer, and a list read a page at a time. */
#ifndef LB_AI_CMD_H
#define LB_AI_CMD_H

#include "cmd_impl.h"
#include "copilots.h"

/* A 2xx answer: print what it says. The command is finished after. */
typedef void (*ai_ok_fn)(struct cmd_ctx *c, const struct storage_result *res, const char *arg);

/* Send ep (ai_request) and finish the command: ok on success (arg is a
 * copy, for its message), the API's error otherwise. */
void ai_call(struct cmd_ctx *c, enum endpoint_id ep, const char *p0, const char *p1,
             const char *query, const void *body, size_t len, enum api_content ct, ai_ok_fn ok,
             const char *arg);

/* Print a list from its JSON ({"data":[...], "nextCursor"}), false when
 * out of memory; more: there are pages not loaded. */
typedef bool (*ai_print_fn)(struct cmd_ctx *c, const char *json, size_t len, bool more);

/* GET the list ep (params p0, p1) a page at a time, every page with
 * all, then print it (--json: the items as sent, with nextCursor). */
void ai_list(struct cmd_ctx *c, enum endpoint_id ep, const char *p0, const char *p1, bool all,
             ai_print_fn print);

/* The provider's key from FILE or stdin ("-"): one line, its end
 * trimmed; registered as a secret so that nothing shows it. *key is
 * malloc'd; false with err. */
bool ai_read_api_key(struct cmd_ctx *c, const char *from, char **key, struct lb_error *err);

/* `copilot create --edit` (id NULL) and `copilot update ID --edit`
 * (copilot_edit.c): the fields in $EDITOR, checked, previewed, asked,
 * sent once; the command is finished after. */
void copilot_edit_run(struct cmd_ctx *c, const struct args *a, const char *id);

/* A string made terminal-safe (malloc'd; NULL when out of memory). */
char *ai_safe(const char *s);

#endif
