/* Patterns over threads, as mutt's: what the moderation queue filters
 * by where the server's thread query cannot (an author, a word of a
 * comment, a room, an age), and the part of a pattern the server can run
 * (resolved, metadata) turned into its thread query. Pure: no network.
 *
 * The language (one term a letter, as mutt's ~f ~s ~d):
 *
 *   ~a USER     a comment of the thread is by USER
 *   ~A USER     the thread's first comment is by USER
 *   ~b TEXT     a comment's text holds TEXT, in any case
 *   WORD        a word alone is ~b WORD ("two words" in quotes: one text)
 *   ~r ROOM     the thread's room ID holds ROOM
 *   ~d <2d      the last activity (updatedAt, else createdAt) is less
 *   ~d >1w      (more) than 2 days (1 week) ago; s m h d w
 *   ~R          a comment has reactions
 *   ~D          a comment was deleted
 *   ~x          resolved (a ticked box)
 *   ~U          unresolved
 *   ~m KEY      the metadata has KEY
 *   ~m KEY=V    ... and its value is V: a number when V reads as one,
 *               true or false, else text ("42" in quotes stays text)
 *   ~m KEY^V    ... a text that starts with V
 *   ~m KEY>N    ... a number above N (also <, >=, <=)
 *
 * USER and ROOM are found anywhere in the ID, in any case; ^ before them
 * holds them to the start, $ after them to the end (~a ^ada$: ada only).
 * Terms side by side must all hold; A | B either; !A not; ( ) group.
 * An argument runs to the next space or parenthesis, or is quoted with
 * '...' or "..." (a backslash keeps the next character as it is). */
#ifndef LB_PATTERN_H
#define LB_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "threads.h"

/* Parentheses and ! nest at most this deep. */
#define PATTERN_MAX_DEPTH 64

struct thread_pattern;

/* Parse text. NULL with err on bad input (LB_USAGE, "pattern: column 5:
 * ~q is no pattern letter; ..."; the column counts characters from 1) or
 * LB_NOMEM. */
struct thread_pattern *thread_pattern_parse(const char *text, struct lb_error *err);
/* Whether thread t matches, now_s being the time now (epoch seconds). */
bool thread_pattern_match(const struct thread_pattern *p, const struct thread *t, long long now_s);
/* The part of the pattern the server's thread query can run, when the
 * pattern is a conjunction at its top (or one term): resolved:true or
 * resolved:false (~x, ~U, !~x, !~U), metadata["k"]:V (~m k=V),
 * metadata["k"]^"v" and metadata["k"]>N ..., space-separated as the SDK
 * joins them. NULL when none (or out of memory: *nomem). *local_rest: a
 * part is left that only thread_pattern_match can run (which runs the
 * whole pattern, the server's part too). Caller frees. */
char *thread_pattern_server_query(const struct thread_pattern *p, bool *local_rest, bool *nomem);
/* What runs where: "server: resolved:false · local: ~a ada", "server:
 * ...", or "local: ..." ("" when out of memory). */
void thread_pattern_describe(const struct thread_pattern *p, char *out, size_t n);
/* The pattern written out in full, one space between terms and every
 * argument quoted where it must be: it parses back to the same pattern.
 * NULL when out of memory. Caller frees. */
char *thread_pattern_text(const struct thread_pattern *p);
void thread_pattern_free(struct thread_pattern *p);

#endif
