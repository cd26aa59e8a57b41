/* JSON text written into a struct buf: one string escaper and one writer
 * for everything lbtui builds (Storage subtrees, JSON Patch bodies, --json
 * lists, errors). Reading JSON is cJSON's or src/lson's. */
#ifndef LB_JSON_H
#define LB_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Append s as a JSON string literal: '"' and '\' escaped, \n \t \r \b \f
 * as such, other controls as \u00XX; UTF-8 as it is. */
bool json_quote(struct buf *b, const char *s);

/* A writer puts the commas, and with pretty the line breaks and a
 * 2-space indent ("key": value, empty containers as {} and []). Every
 * call appends to b; ok turns false for good at the first allocation
 * that fails. */
struct json_writer {
	struct buf *b;
	bool ok;
	bool pretty;
	int level;      /* containers open */
	bool has_items; /* the innermost container has an item already */
	bool after_key; /* a key was written: its value comes next */
};

void json_writer_init(struct json_writer *w, struct buf *b, bool pretty);
void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
/* A member's key; its value is the next call. */
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
/* The string, or null for NULL. */
void json_string_or_null(struct json_writer *w, const char *s);
void json_int(struct json_writer *w, long long v);
void json_null(struct json_writer *w);
/* A value that is JSON text already, compact (from the server, or a
 * number as it was written). pretty puts a space after its ':' and ','
 * outside strings. */
void json_raw(struct json_writer *w, const char *json);
/* A scalar's JSON text (a number, true, false, null) as it is. */
void json_literal(struct json_writer *w, const char *text);

/* Whether s is a JSON number that strtod reads as a finite one ("1",
 * "-2.5", "1e3"; not "007", "0x1", "inf" or "1."); *plain (when not NULL):
 * one without an exponent, as the thread query language writes them. */
bool json_is_number(const char *s, bool *plain);

#endif
