#include "lbconfig.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

bool json_quote(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	bool ok = buf_add(b, "\"", 1);

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		ok = ok && buf_add(b, run, (size_t)(s - run));
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		ok = ok && buf_add(b, esc, n);
		run = s + 1;
	}
	ok = ok && buf_add(b, run, (size_t)(s - run));
	return ok && buf_add(b, "\"", 1);
}

void json_writer_init(struct json_writer *w, struct buf *b, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->ok = true;
	w->pretty = pretty;
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	w->ok = w->ok && buf_add(w->b, s, n);
}

/* A line break and the indent of the current level. */
static void newline(struct json_writer *w)
{
	static const char spaces[] =
	    "                                                                ";

	put(w, "\n", 1);
	for (int n = w->level * 2; n > 0; n -= 64)
		put(w, spaces, n > 64 ? 64 : (size_t)n);
}

/* Before a value or a key: the comma and the line break it needs. */
static void item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->has_items)
		put(w, ",", 1);
	if (w->pretty && w->level > 0)
		newline(w);
	w->has_items = true;
}

static void begin(struct json_writer *w, const char *open)
{
	item(w);
	put(w, open, 1);
	w->level++;
	w->has_items = false;
}

static void end(struct json_writer *w, const char *close)
{
	w->level--;
	if (w->pretty && w->has_items)
		newline(w);
	put(w, close, 1);
	w->has_items = true;
}

void json_begin_object(struct json_writer *w)
{
	begin(w, "{");
}

void json_end_object(struct json_writer *w)
{
	end(w, "}");
}

void json_begin_array(struct json_writer *w)
{
	begin(w, "[");
}

void json_end_array(struct json_writer *w)
{
	end(w, "]");
}

void json_key(struct json_writer *w, const char *key)
{
	item(w);
	w->ok = w->ok && json_quote(w->b, key);
	put(w, ": ", w->pretty ? 2 : 1);
	w->after_key = true;
}

void json_string(struct json_writer *w, const char *s)
{
	item(w);
	w->ok = w->ok && json_quote(w->b, s);
}

void json_string_or_null(struct json_writer *w, const char *s)
{
	if (s)
		json_string(w, s);
	else
		json_null(w);
}

void json_int(struct json_writer *w, long long v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%lld", v);

	item(w);
	put(w, num, (size_t)n);
}

void json_null(struct json_writer *w)
{
	json_literal(w, "null");
}

void json_literal(struct json_writer *w, const char *text)
{
	item(w);
	put(w, text, strlen(text));
}

void json_raw(struct json_writer *w, const char *s)
{
	const char *run = s;
	bool in_str = false;

	item(w);
	if (!w->pretty) {
		put(w, s, strlen(s));
		return;
	}
	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '"')
				in_str = false;
		} else if (*s == '"') {
			in_str = true;
		} else if (*s == ':' || *s == ',') {
			put(w, run, (size_t)(s - run) + 1);
			put(w, " ", 1);
			run = s + 1;
		}
	}
	put(w, run, strlen(run));
}

bool json_is_number(const char *s, bool *plain)
{
	const char *p = s;
	size_t d;

	if (plain)
		*plain = false;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		p += strspn(p, "0123456789");
	else
		return false;
	if (*p == '.') {
		if (!(d = strspn(++p, "0123456789")))
			return false;
		p += d;
	}
	if (plain)
		*plain = *p == '\0';
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(d = strspn(p, "0123456789")))
			return false;
		p += d;
	}
	return *p == '\0' && isfinite(strtod(s, NULL));
}
