/* What a list of comment threads shows of each (struct thread items): the
 * cells of its columns, the state's element, and the thread beside the
 * list. A room's threads and the moderation queue both use them. */
#ifndef LB_THREAD_CELLS_H
#define LB_THREAD_CELLS_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "theme.h"
#include "threads.h"

/* The item's ID (list_table.id). */
const char *thread_cell_key(const void *item, char *buf, size_t n);

/* list_column.text functions (raw text: made safe where drawn). */
const char *thread_cell_id(const void *item, int width, char *buf, size_t n);
const char *thread_cell_room(const void *item, int width, char *buf, size_t n);
const char *thread_cell_author(const void *item, int width, char *buf, size_t n);
const char *thread_cell_first_line(const void *item, int width, char *buf, size_t n);
const char *thread_cell_comments(const void *item, int width, char *buf, size_t n);
const char *thread_cell_reactions(const void *item, int width, char *buf, size_t n);
const char *thread_cell_state(const void *item, int width, char *buf, size_t n);
const char *thread_cell_metadata(const void *item, int width, char *buf, size_t n);
const char *thread_cell_created(const void *item, int width, char *buf, size_t n);
const char *thread_cell_updated(const void *item, int width, char *buf, size_t n);

/* list_column.number functions: comments not deleted, reactions of every
 * comment, and the dates. */
long long thread_comments_number(const void *item);
long long thread_reactions_number(const void *item);
long long thread_created_number(const void *item);
long long thread_updated_number(const void *item);

/* A resolved thread reads as done: its state muted. */
enum theme_element thread_state_element(const void *item);

/* The thread beside a list, from row top: its facts (its room too when
 * with_room), the start of each comment, then hint (muted; NULL: none). */
void thread_draw_summary(WINDOW *win, int top, const struct thread *t, bool with_room,
                         const char *hint);

#endif
