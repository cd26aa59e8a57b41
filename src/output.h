/* Text for people and JSON for programs: how batch mode prints results.
 * Every server string goes through the terminal-safe layer here. */
#ifndef LB_OUTPUT_H
#define LB_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "room.h"

/* A table: ID, CREATED, LAST CONNECTION, ACCESS, METADATA. */
void output_rooms_table(FILE *f, const struct room *rooms, size_t n);
/* Every field of a room, one per line. */
void output_room_detail(FILE *f, const struct room *r);
/* {"data":[...rooms as the API sent them...],"nextCursor":null} */
void output_rooms_json(FILE *f, const struct room *rooms, size_t n, const char *next_cursor);
void output_room_json(FILE *f, const struct room *r);

/* Lines of a room's detail, for the TUI's detail pane. Each line is
 * terminal-safe; *lines is a malloc'd vector of malloc'd strings. */
size_t output_room_lines(const struct room *r, char ***lines);
void output_lines_free(char ***lines, size_t n);

/* "2024-01-05 13:02" from epoch seconds; "-" when < 0. */
void output_time(long long s, char *out, size_t n);

#endif
