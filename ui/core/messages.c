#include "lbconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "messages.h"
#include "term_safe.h"
#include "util.h"

/* Keep text in the log; the same text right after the last one only
 * counts it again. */
static void log_message(struct messages *m, bool error, const char *text)
{
	if (m->log_n > 0) {
		struct logged_message *last = &m->log[(m->log_start + m->log_n - 1) % MAX_LOGGED];
		if (last->error == error && !strcmp(last->text, text)) {
			last->count++;
			last->at_s = wall_s();
			m->gen++;
			return;
		}
	}
	char *copy = strdup(text);
	if (!copy)
		return;
	struct logged_message *l;
	if (m->log_n == MAX_LOGGED) {
		l = &m->log[m->log_start];
		free(l->text);
		m->log_start = (m->log_start + 1) % MAX_LOGGED;
	} else {
		l = &m->log[(m->log_start + m->log_n++) % MAX_LOGGED];
	}
	*l = (struct logged_message){.at_s = wall_s(), .error = error, .count = 1, .text = copy};
	m->gen++;
}

void messages_forget_error(struct messages *m)
{
	if (m->line_error)
		m->line[0] = '\0';
	m->last_error[0] = '\0';
	m->error_subject = SUBJECT_OTHER;
	m->error_res = NULL;
}

void messages_say(struct messages *m, bool error, enum subject subject, const void *res,
		  const char *raw)
{
	log_message(m, error, raw);
	const char *nl = strchr(raw, '\n');
	char *safe = ts_sanitize(raw, nl ? (size_t)(nl - raw) : (size_t)-1);
	snprintf(m->line, sizeof(m->line), "%s", safe ? safe : "");
	free(safe);
	m->line_error = error;
	if (error) {
		snprintf(m->last_error, sizeof(m->last_error), "%s", m->line);
		m->error_subject = subject;
		m->error_res = res;
	}
}

void messages_vsay(struct messages *m, bool error, enum subject subject, const void *res,
		   const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (text)
		vsnprintf(text, (size_t)n + 1, fmt, ap);
	messages_say(m, error, subject, res, text ? text : "out of memory");
	free(text);
}

void messages_note(struct messages *m, const char *raw)
{
	char *safe = ts_sanitize(raw, (size_t)-1);
	snprintf(m->line, sizeof(m->line), "%s", safe ? safe : "");
	free(safe);
	m->line_error = false;
}

char *messages_text(const struct messages *m)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "");
	if (m->log_n == 0)
		buf_adds(&b, "No messages yet.\n");
	/* Newest first: what the user came for is at the top. */
	for (int k = m->log_n - 1; k >= 0; k--) {
		const struct logged_message *l = &m->log[(m->log_start + k) % MAX_LOGGED];
		char when[16] = "";
		time_t t = (time_t)l->at_s;
		struct tm tm;
		if (localtime_r(&t, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		char times[32] = "";
		if (l->count > 1)
			snprintf(times, sizeof(times), " (×%d)", l->count);
		buf_printf(&b, "%s %-5s ", when, l->error ? "error" : "info");
		/* Later lines of a message start under its first. */
		for (const char *p = l->text; *p; p++) {
			if (*p == '\n' && p[1])
				buf_adds(&b, "\n               ");
			else if (*p != '\n')
				buf_add(&b, p, 1);
		}
		buf_printf(&b, "%s\n", times);
	}
	return buf_steal(&b);
}

void messages_clear(struct messages *m)
{
	for (int k = 0; k < m->log_n; k++)
		free(m->log[(m->log_start + k) % MAX_LOGGED].text);
	m->log_n = 0;
	m->log_start = 0;
}
