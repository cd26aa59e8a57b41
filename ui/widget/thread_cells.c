#include "lbconfig.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "output.h"
#include "thread_cells.h"

/* The comment that started it, or NULL. */
static const struct comment *first(const struct thread *t)
{
	return t->n_comments ? &t->comments[0] : NULL;
}

const char *thread_cell_key(const void *item, char *buf, size_t n)
{
	(void)buf;
	(void)n;
	const struct thread *t = item;
	return t->id ? t->id : "";
}

const char *thread_cell_id(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	return thread_cell_key(item, buf, n);
}

const char *thread_cell_room(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct thread *t = item;
	return t->room_id ? t->room_id : "";
}

const char *thread_cell_author(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct comment *c = first(item);
	return c && c->user_id ? c->user_id : "";
}

const char *thread_cell_first_line(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	const struct comment *c = first(item);
	if (!c)
		return "";
	if (c->deleted_at)
		return "(deleted)";
	return c->preview ? c->preview : "";
}

long long thread_comments_number(const void *item)
{
	const struct thread *t = item;
	long long k = 0;
	for (size_t i = 0; i < t->n_comments; i++)
		k += !t->comments[i].deleted_at;
	return k;
}

const char *thread_cell_comments(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	snprintf(buf, n, "%lld", thread_comments_number(item));
	return buf;
}

long long thread_reactions_number(const void *item)
{
	const struct thread *t = item;
	size_t k = 0;
	for (size_t i = 0; i < t->n_comments; i++)
		k += comment_reaction_count(&t->comments[i]);
	return (long long)k;
}

const char *thread_cell_reactions(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	long long k = thread_reactions_number(item);
	if (k == 0)
		return "";
	snprintf(buf, n, "%lld", k);
	return buf;
}

const char *thread_cell_state(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	(void)buf;
	(void)n;
	return ((const struct thread *)item)->resolved ? "resolved" : "open";
}

const char *thread_cell_metadata(const void *item, int width, char *buf, size_t n)
{
	(void)width;
	thread_metadata_summary(((const struct thread *)item)->metadata_json, buf, n);
	return buf;
}

/* To the minute, or the date alone when space is short. */
static const char *when(long long s, int width, char *buf, size_t n)
{
	output_time(s, buf, n);
	if (width > 0 && width < 16 && strlen(buf) > 10)
		buf[10] = '\0';
	return buf;
}

const char *thread_cell_created(const void *item, int width, char *buf, size_t n)
{
	return when(((const struct thread *)item)->created_s, width, buf, n);
}

const char *thread_cell_updated(const void *item, int width, char *buf, size_t n)
{
	return when(((const struct thread *)item)->updated_s, width, buf, n);
}

long long thread_created_number(const void *item)
{
	return ((const struct thread *)item)->created_s;
}

long long thread_updated_number(const void *item)
{
	return ((const struct thread *)item)->updated_s;
}

enum theme_element thread_state_element(const void *item)
{
	return ((const struct thread *)item)->resolved ? THEME_MUTED : THEME_KEY;
}

void thread_draw_summary(WINDOW *win, int top, const struct thread *t, bool with_room,
                         const char *hint)
{
	int h = getmaxy(win), w = getmaxx(win), row = -top;
	char created[32], updated[32], meta[1024], count[32];

	output_time(t->created_s, created, sizeof(created));
	output_time(t->updated_s, updated, sizeof(updated));
	thread_metadata_summary(t->metadata_json, meta, sizeof(meta));
	snprintf(count, sizeof(count), "%lld", thread_comments_number(t));
	const char *keys[] = {"Room",    "Thread",   "State",   "Created",
	                      "Updated", "Comments", "Metadata"};
	const char *vals[] = {t->room_id ? t->room_id : "",
	                      t->id ? t->id : "",
	                      t->resolved ? "resolved" : "open",
	                      created,
	                      updated,
	                      count,
	                      meta[0] ? meta : "(none)"};
	for (size_t i = with_room ? 0 : 1; i < sizeof(keys) / sizeof(keys[0]); i++, row++) {
		if (row < 0 || row >= h)
			continue;
		draw_safe(win, row, 1, 9, keys[i], theme_attr(THEME_KEY));
		draw_text(win, row, 11, w - 11, vals[i], theme_attr(THEME_VALUE));
	}
	row++;
	for (size_t i = 0; i < t->n_comments && row < h; i++, row++) {
		const struct comment *c = &t->comments[i];
		if (row < 0)
			continue;
		draw_safe(win, row, 1, 12, c->user_id ? c->user_id : "-", theme_attr(THEME_ID));
		draw_text(win, row, 14, w - 14, c->deleted_at ? "(deleted)" : c->preview,
		          theme_attr(c->deleted_at ? THEME_MUTED : THEME_VALUE));
	}
	if (hint && row >= 0 && row + 1 < h)
		draw_text(win, row + 1, 1, w - 1, hint, theme_attr(THEME_MUTED));
}
