#include "lbconfig.h"

#include "output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
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

/* A terminal-safe copy of raw cut or padded to cols columns. */
static bool put_cell(struct buf *b, const char *raw, int cols, bool pad)
{
	char *safe = ts_sanitize(raw ? raw : "", (size_t)-1);
	char cell[1024];
	if (!safe)
		return buf_adds(b, "?");
	if (pad)
		ts_fit_pad(safe, cols, cell, sizeof(cell));
	else
		ts_fit(safe, cols, cell, sizeof(cell));
	free(safe);
	return buf_adds(b, cell);
}

void output_id_width(int *w, const char *id)
{
	char *s = ts_sanitize(id, (size_t)-1);
	int n = s ? ts_width(s) : 0;
	if (n > *w)
		*w = n > 48 ? 48 : n;
	free(s);
}

bool output_row(struct buf *b, const char *id, int idw, const char *mid, int midw, const char *last)
{
	char cell[256], fit[1024];
	char *sid = ts_sanitize(id, (size_t)-1);
	char *slast = ts_sanitize(last, (size_t)-1);

	ts_fit_pad(sid ? sid : "", idw, cell, sizeof(cell));
	ts_fit(slast ? slast : "", 200, fit, sizeof(fit));
	free(sid);
	free(slast);
	return buf_printf(b, "%s  %-*s  %s\n", cell, midw, mid, fit);
}

bool output_rooms_table(struct buf *b, const struct room *rooms, size_t n)
{
	int idw = 2;
	char when[32], last[32], access[256], meta[1024];
	bool ok;

	for (size_t i = 0; i < n; i++)
		output_id_width(&idw, rooms[i].id);
	ok = put_cell(b, "ID", idw, true) && buf_printf(b, "  %-16s  %-16s  %-9s  %s\n", "CREATED",
	                                                "LAST CONNECTION", "ACCESS", "METADATA");
	for (size_t i = 0; ok && i < n; i++) {
		const struct room *r = &rooms[i];
		output_time(r->created_s, when, sizeof(when));
		output_time(r->last_connection_s, last, sizeof(last));
		room_access_summary(r, access, sizeof(access));
		room_metadata_summary(r, meta, sizeof(meta));
		ok = put_cell(b, r->id, idw, true) &&
		     buf_printf(b, "  %-16s  %-16s  ", when, last) &&
		     put_cell(b, access, 9, true) && buf_adds(b, "  ") &&
		     put_cell(b, meta, 200, false) && buf_adds(b, "\n");
	}
	return ok;
}

bool output_room_detail(struct buf *b, const struct room *r)
{
	char **lines;
	size_t n = output_room_lines(r, &lines);
	bool ok = true;

	for (size_t i = 0; ok && i < n; i++)
		ok = buf_printf(b, "%s\n", lines[i]);
	output_lines_free(&lines, n);
	return ok;
}

/* An error as one JSON object, for programs reading --json output. */
void output_error_json(struct buf *b, const struct lb_error *err)
{
	char line[1024];
	char *message = ts_sanitize(lb_error_format(err, line, sizeof(line)), (size_t)-1);
	char *code =
	    ts_sanitize(err->code[0] ? err->code : lb_status_name(err->status), (size_t)-1);
	struct buf o;
	struct json_writer w;

	buf_init(&o);
	json_writer_init(&w, &o, false);
	json_begin_object(&w);
	json_key(&w, "error");
	json_string(&w, code ? code : "");
	json_key(&w, "message");
	json_string(&w, message ? message : "");
	json_key(&w, "status");
	if (err->http_status > 0)
		json_int(&w, err->http_status);
	else
		json_null(&w);
	json_end_object(&w);
	buf_adds(b, w.ok && code && message
	                ? o.data
	                : "{\"error\":\"NOMEM\",\"message\":\"out of memory\",\"status\":null}");
	buf_adds(b, "\n");
	buf_free(&o);
	free(code);
	free(message);
}

bool output_list_json(struct buf *b, const void *list, size_t n, output_item_fn item, bool paged,
                      const char *next_cursor)
{
	struct json_writer w;

	json_writer_init(&w, b, false);
	json_begin_object(&w);
	json_key(&w, "data");
	json_begin_array(&w);
	for (size_t i = 0; i < n; i++)
		item(&w, list, i);
	json_end_array(&w);
	if (paged) {
		json_key(&w, "nextCursor");
		json_string_or_null(&w, next_cursor);
	}
	json_end_object(&w);
	return w.ok;
}

/* A room as the API sent it. */
static void room_json(struct json_writer *w, const void *list, size_t i)
{
	const struct room *r = (const struct room *)list + i;

	json_raw(w, r->raw_json ? r->raw_json : "null");
}

bool output_rooms_json(struct buf *b, const struct room *rooms, size_t n, const char *next_cursor)
{
	return output_list_json(b, rooms, n, room_json, true, next_cursor) && buf_adds(b, "\n");
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
