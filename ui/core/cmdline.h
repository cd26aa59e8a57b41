/* The command line: libedit does the editing (emacs keys, history,
 * completion) on a private pseudo-terminal; we feed it the keys the event
 * loop read and draw the line ourselves. */
#ifndef LB_CMDLINE_H
#define LB_CMDLINE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "error.h"
#include "util.h"

/* Completion source: candidates for the word ending at cursor (byte offset)
 * in line; *word_start is where that word starts. Fills out with malloc'd
 * strings (the command line frees them), returns how many. */
typedef size_t (*cmdline_complete_fn)(void *ud, const char *line, size_t cursor,
				      size_t *word_start, char **out, size_t max);

enum cmdline_state { CMDLINE_EDITING, CMDLINE_DONE, CMDLINE_CANCELLED };

struct cmdline;

/* history_path may be NULL (no history kept between runs). NULL with err
 * set on failure. */
struct cmdline *cmdline_new(const char *history_path, struct lb_error *err);
/* Saves the history, frees everything. */
void cmdline_free(struct cmdline **c);

void cmdline_set_completer(struct cmdline *c, cmdline_complete_fn fn, void *ud);

/* Start editing a new line after prompt (":" for commands, or a question).
 * with_history: whether a finished line is added to the history (commands
 * yes, confirmations no). initial may be NULL. */
void cmdline_open(struct cmdline *c, const char *prompt, bool with_history, const char *initial);
bool cmdline_is_open(const struct cmdline *c);
/* Stop editing without a line (CANCELLED, nothing kept in the history). */
void cmdline_close(struct cmdline *c);

/* Feed one key as returned by wget_wch(): ch is a character when
 * is_key is false, a KEY_* code when true. Enter finishes the line (DONE),
 * Esc or ^C on an empty line / ^G cancels (CANCELLED). ^R searches the
 * history backwards for the letters typed after it. */
enum cmdline_state cmdline_feed(struct cmdline *c, wint_t ch, bool is_key);

/* Feed Alt+ch (Esc followed at once by ch, e.g. M-b, M-f, M-d): the event
 * loop calls this instead of cmdline_feed(27) when another key is already
 * waiting right after an Esc. */
enum cmdline_state cmdline_feed_meta(struct cmdline *c, wint_t ch);

/* The finished line (UTF-8), valid until the next cmdline_open. */
const char *cmdline_text(const struct cmdline *c);

/* Draw prompt and line in one row of win at y, scrolled so the cursor is
 * visible, and leave the terminal cursor there. */
void cmdline_draw(struct cmdline *c, WINDOW *win, int y, int width, attr_t attr);

/* After Tab with several candidates: the list to show ("a  b  c"), or NULL. */
const char *cmdline_candidates(const struct cmdline *c);

/* Write the history file now (also done by cmdline_free). */
void cmdline_save(struct cmdline *c);

/* libedit's version (the one built against: it has no call that says
 * which is loaded): a line appended to b for --version. */
void cmdline_library_version(struct buf *b);

#endif
