/* Text for people and JSON for programs: the results commands hand to
 * their host. Every server string goes through the terminal-safe layer
 * here. */
#ifndef LB_OUTPUT_H
#define LB_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "json.h"
#include "room.h"
#include "util.h"

/* Each appends to b and returns false when out of memory. */

/* A table: ID, CREATED, LAST CONNECTION, ACCESS, METADATA. */
bool output_rooms_table(struct buf *b, const struct room *rooms, size_t n);
/* Every field of a room, one per line. */
bool output_room_detail(struct buf *b, const struct room *r);
/* {"data":[...rooms as the API sent them...],"nextCursor":null}, a newline. */
bool output_rooms_json(struct buf *b, const struct room *rooms, size_t n, const char *next_cursor);
/* One row of a three-column table: the ID padded to idw cells, the middle
 * column padded to midw, the last column made terminal-safe and cut to
 * 200 cells. */
bool output_row(struct buf *b, const char *id, int idw, const char *mid, int midw,
                const char *last);
/* Widen an ID column to fit id as it is shown (at most 48 cells). */
void output_id_width(int *w, const char *id);

/* Write item i of list as a JSON object. */
typedef void (*output_item_fn)(struct json_writer *w, const void *list, size_t i);
/* {"data":[n items]}, with "nextCursor" (next_cursor or null) for a
 * paged list, compact. */
bool output_list_json(struct buf *b, const void *list, size_t n, output_item_fn item, bool paged,
                      const char *next_cursor);

/* With --json, an error as one JSON object and a newline:
 * {"error":CODE,"message":TEXT,"status":HTTP}: CODE is the API's code
 * when it sent one, else the status's name (lb_status_name); TEXT is
 * lb_error_format's line made terminal-safe (secrets masked); HTTP is the
 * HTTP status, or null when there was no response. */
void output_error_json(struct buf *b, const struct lb_error *err);

/* Lines of a room's detail, for the TUI's detail pane. Each line is
 * terminal-safe; *lines is a malloc'd vector of malloc'd strings. */
size_t output_room_lines(const struct room *r, char ***lines);
void output_lines_free(char ***lines, size_t n);

/* "2024-01-05 13:02" from epoch seconds; "-" when < 0. */
void output_time(long long s, char *out, size_t n);

#endif
