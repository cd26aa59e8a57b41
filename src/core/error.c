#include "lbconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

struct status_info {
	int exit_code;
	const char *text;
	const char *name;
};

static const struct status_info status_table[] = {
#define LB_STATUS_ROW(name, exit, text) {exit, text, #name},
    LB_STATUS_INFO(LB_STATUS_ROW)
#undef LB_STATUS_ROW
};

#define STATUS_COUNT (sizeof(status_table) / sizeof(status_table[0]))

/* Reset to LB_OK with empty texts. */
void lb_error_clear(struct lb_error *e)
{
	if (!e)
		return;
	e->status = LB_OK;
	e->http_status = 0;
	e->code[0] = '\0';
	e->message[0] = '\0';
	e->suggestion[0] = '\0';
}

/* Set status and a printf-style message; code and suggestion are cleared. */
void lb_error_vset(struct lb_error *e, enum lb_status status, const char *fmt, va_list ap)
{
	if (!e)
		return;
	e->status = status;
	e->http_status = 0;
	e->code[0] = '\0';
	e->suggestion[0] = '\0';
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
}

void lb_error_set(struct lb_error *e, enum lb_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lb_error_vset(e, status, fmt, ap);
	va_end(ap);
}

void lb_error_prefix(struct lb_error *e, const char *fmt, ...)
{
	char head[1024], msg[sizeof(head) + sizeof(e->message) + 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", head, e->message);
	size_t n = strlen(msg);
	if (n >= sizeof(e->message))
		n = sizeof(e->message) - 1;
	memcpy(e->message, msg, n);
	e->message[n] = '\0';
}

/* Short description of a status ("network error"). */
const char *lb_status_text(enum lb_status status)
{
	if ((size_t)status >= STATUS_COUNT)
		return "unknown error";
	return status_table[status].text;
}

/* The status's stable name for programs ("USAGE", "NETWORK"). */
const char *lb_status_name(enum lb_status status)
{
	if ((size_t)status >= STATUS_COUNT)
		return "UNKNOWN";
	return status_table[status].name;
}

/* Exit code for batch mode: 0 ok, 1 API/network, 2 usage/config. */
int lb_status_exit_code(enum lb_status status)
{
	if ((size_t)status >= STATUS_COUNT)
		return 1;
	return status_table[status].exit_code;
}

/* Append printf-style at *off, truncating silently. */
static void append(char *buf, size_t n, size_t *off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t n, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*off + 1 >= n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *off, n - *off, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	*off += (size_t)w < n - *off ? (size_t)w : n - *off - 1;
}

/* One line for the status bar or stderr. */
const char *lb_error_format(const struct lb_error *e, char *buf, size_t n)
{
	size_t off = 0;

	if (!buf || n == 0)
		return buf;
	buf[0] = '\0';
	if (!e)
		return buf;
	if (e->http_status > 0) {
		append(buf, n, &off, "%ld", e->http_status);
		if (e->code[0])
			append(buf, n, &off, " %s", e->code);
		if (e->message[0])
			append(buf, n, &off, ": %s", e->message);
		else if (!e->code[0])
			append(buf, n, &off, " %s", lb_status_text(e->status));
	} else if (e->code[0]) {
		append(buf, n, &off, "%s", e->code);
		if (e->message[0])
			append(buf, n, &off, ": %s", e->message);
	} else if (e->message[0]) {
		append(buf, n, &off, "%s: %s", lb_status_text(e->status), e->message);
	} else {
		append(buf, n, &off, "%s", lb_status_text(e->status));
	}
	if (e->suggestion[0])
		append(buf, n, &off, " (%s)", e->suggestion);
	return buf;
}
