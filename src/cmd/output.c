#include "lbconfig.h"

#include "output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "term_safe.h"
#include "util.h"

void output_time(long long s, char *out, size_t n)
{
	if (s < 0) {
		snprintf(out, n, "-");
		return;
	}
	time_t t = (time_t)s;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M", &tm);
}

/* A terminal-safe copy cut or padded to cols columns, written to f. */
static void put_cell(FILE *f, const char *raw, int cols, bool pad)
{
	char *safe = ts_sanitize(raw ? raw : "", (size_t)-1);
	char cell[1024];
	if (!safe) {
		fputs("?", f);
		return;
	}
	if (pad)
		ts_fit_pad(safe, cols, cell, sizeof(cell));
	else
		ts_fit(safe, cols, cell, sizeof(cell));
	fputs(cell, f);
	free(safe);
}

static int id_width(const struct room *rooms, size_t n)
{
	int w = 2;
	for (size_t i = 0; i < n; i++) {
		char *safe = ts_sanitize(rooms[i].id, (size_t)-1);
		if (safe) {
			int cw = ts_width(safe);
			if (cw > w)
				w = cw;
			free(safe);
		}
	}
	return w > 48 ? 48 : w;
}

void output_rooms_table(FILE *f, const struct room *rooms, size_t n)
{
	int idw = id_width(rooms, n);
	char when[32], last[32], access[256], meta[1024];

	put_cell(f, "ID", idw, true);
	fprintf(f, "  %-16s  %-16s  %-9s  %s\n", "CREATED", "LAST CONNECTION", "ACCESS", "METADATA");
	for (size_t i = 0; i < n; i++) {
		const struct room *r = &rooms[i];
		output_time(r->created_s, when, sizeof(when));
		output_time(r->last_connection_s, last, sizeof(last));
		room_access_summary(r, access, sizeof(access));
		room_metadata_summary(r, meta, sizeof(meta));
		put_cell(f, r->id, idw, true);
		fprintf(f, "  %-16s  %-16s  ", when, last);
		put_cell(f, access, 9, true);
		fputs("  ", f);
		put_cell(f, meta, 200, false);
		fputc('\n', f);
	}
}

void output_room_detail(FILE *f, const struct room *r)
{
	char **lines;
	size_t n = output_room_lines(r, &lines);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", lines[i]);
	output_lines_free(&lines, n);
}

/* JSON as the server sent it, secrets masked; on a terminal also escaped
 * where a terminal would obey it (C1 controls, bidi overrides). */
void output_json_text(FILE *f, const char *s, size_t len)
{
	size_t safe_len = 0;
	char *safe = isatty(fileno(f)) ? ts_json(s, len, &safe_len) : ts_mask(s, len, &safe_len);

	if (!safe && safe_len == (size_t)-1)
		return; /* out of memory: nothing unmasked goes out */
	if (safe) {
		s = safe;
		len = safe_len;
	}
	fwrite(s, 1, len, f);
	/* A newline, so that several -e outputs stay one per line. */
	if (len == 0 || s[len - 1] != '\n')
		fputc('\n', f);
	fflush(f);
	free(safe);
}

/* An error as one JSON object, for programs reading --json output. */
void output_error_json(FILE *f, const struct lb_error *err)
{
	char line[1024];
	char *message = ts_sanitize(lb_error_format(err, line, sizeof(line)), (size_t)-1);
	char *code =
	    ts_sanitize(err->code[0] ? err->code : lb_status_name(err->status), (size_t)-1);
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	bool ok = o && message && code && cJSON_AddStringToObject(o, "error", code) &&
	          cJSON_AddStringToObject(o, "message", message);

	if (ok && err->http_status > 0)
		ok = cJSON_AddNumberToObject(o, "status", (double)err->http_status) != NULL;
	else if (ok)
		ok = cJSON_AddNullToObject(o, "status") != NULL;
	if (ok)
		text = cJSON_PrintUnformatted(o);
	fputs(text ? text : "{\"error\":\"NOMEM\",\"message\":\"out of memory\",\"status\":null}",
	      f);
	fputc('\n', f);
	fflush(f);
	free(text);
	cJSON_Delete(o);
	free(code);
	free(message);
}

static void put_json(FILE *f, struct buf *b)
{
	output_json_text(f, b->data, b->len);
	buf_free(b);
}

void output_rooms_json(FILE *f, const struct room *rooms, size_t n, const char *next_cursor)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "{\"data\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(&b, ",");
		buf_adds(&b, rooms[i].raw_json ? rooms[i].raw_json : "null");
	}
	buf_adds(&b, "],\"nextCursor\":");
	if (next_cursor) {
		/* Cursors are opaque tokens; escape what JSON needs anyway. */
		buf_adds(&b, "\"");
		for (const char *p = next_cursor; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_printf(&b, "\\%c", *p);
			else if ((unsigned char)*p < 0x20)
				buf_printf(&b, "\\u%04x", *p);
			else
				buf_add(&b, p, 1);
		}
		buf_adds(&b, "\"");
	} else {
		buf_adds(&b, "null");
	}
	buf_adds(&b, "}\n");
	put_json(f, &b);
}

void output_room_json(FILE *f, const struct room *r)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, r->raw_json ? r->raw_json : "null");
	buf_adds(&b, "\n");
	put_json(f, &b);
}

static bool add_line(char ***lines, size_t *n, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Append one formatted line, made terminal-safe. */
static bool add_line(char ***lines, size_t *n, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	char tmp[2048];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		char **nl = realloc(*lines, nc * sizeof(*nl));
		if (!nl)
			return false;
		*lines = nl;
		*cap = nc;
	}
	char *safe = ts_sanitize(tmp, (size_t)-1);
	if (!safe)
		return false;
	(*lines)[(*n)++] = safe;
	return true;
}

static void add_map(char ***lines, size_t *n, size_t *cap, const char *title,
		    const struct kvv *m, bool show_list_brackets)
{
	if (m->n == 0) {
		add_line(lines, n, cap, "%-18s (none)", title);
		return;
	}
	add_line(lines, n, cap, "%s", title);
	for (size_t i = 0; i < m->n; i++) {
		char joined[1200];
		strv_join(&m->v[i].list, ", ", joined, sizeof(joined));
		if (show_list_brackets && m->v[i].is_list)
			add_line(lines, n, cap, "  %-16s [%s]", m->v[i].key, joined);
		else
			add_line(lines, n, cap, "  %-16s %s", m->v[i].key, joined);
	}
}

size_t output_room_lines(const struct room *r, char ***lines)
{
	size_t n = 0, cap = 0;
	char when[32], last[32], access[512], defaults[512];

	*lines = NULL;
	output_time(r->created_s, when, sizeof(when));
	output_time(r->last_connection_s, last, sizeof(last));
	room_access_summary(r, access, sizeof(access));
	strv_join(&r->default_accesses, ", ", defaults, sizeof(defaults));
	add_line(lines, &n, &cap, "%-18s %s", "id", r->id ? r->id : "");
	add_line(lines, &n, &cap, "%-18s %s", "organization",
		 r->organization_id ? r->organization_id : "-");
	add_line(lines, &n, &cap, "%-18s %s UTC", "created", when);
	add_line(lines, &n, &cap, "%-18s %s%s", "last connection", last,
		 r->last_connection_s >= 0 ? " UTC" : "");
	add_line(lines, &n, &cap, "%-18s %s (%s)", "default access", access,
		 r->default_accesses.n ? defaults : "none");
	add_map(lines, &n, &cap, "users access", &r->users_accesses, false);
	add_map(lines, &n, &cap, "groups access", &r->groups_accesses, false);
	add_map(lines, &n, &cap, "metadata", &r->metadata, true);
	return n;
}

void output_lines_free(char ***lines, size_t n)
{
	if (!*lines)
		return;
	for (size_t i = 0; i < n; i++)
		free((*lines)[i]);
	free(*lines);
	*lines = NULL;
}
