/* Text for people and JSON for programs: how batch mode prints results.
 * Every server string goes through the terminal-safe layer here. */
#ifndef LB_OUTPUT_H
#define LB_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "room.h"

/* A table: ID, CREATED, LAST CONNECTION, ACCESS, METADATA. */
void output_rooms_table(FILE *f, const struct room *rooms, size_t n);
/* Every field of a room, one per line. */
void output_room_detail(FILE *f, const struct room *r);
/* {"data":[...rooms as the API sent them...],"nextCursor":null} */
void output_rooms_json(FILE *f, const struct room *rooms, size_t n, const char *next_cursor);
void output_room_json(FILE *f, const struct room *r);
/* With --json, an error as one JSON object and a newline:
 * {"error":CODE,"message":TEXT,"status":HTTP}: CODE is the API's code
 * when it sent one, else the status's name (lb_status_name); TEXT is
 * lb_error_format's line made terminal-safe (secrets masked); HTTP is the
 * HTTP status, or null when there was no response. */
void output_error_json(FILE *f, const struct lb_error *err);

/* JSON text from the server to f with secrets masked, escaped for a
 * terminal when f is one (ts_json), ending in a newline. */
void output_json_text(FILE *f, const char *s, size_t len);

/* Lines of a room's detail, for the TUI's detail pane. Each line is
 * terminal-safe; *lines is a malloc'd vector of malloc'd strings. */
size_t output_room_lines(const struct room *r, char ***lines);
void output_lines_free(char ***lines, size_t n);

/* "2024-01-05 13:02" from epoch seconds; "-" when < 0. */
void output_time(long long s, char *out, size_t n);

#endif
