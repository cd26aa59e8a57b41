/* Errors as values: a status, the HTTP status and the API's own words. */
#ifndef LB_ERROR_H
#define LB_ERROR_H

#include <stdarg.h>
#include <stddef.h>

/* X-macro: status, exit code in batch mode, short description. */
#define LB_STATUS_INFO(_) \
	_(OK,        0, "ok") \
	_(USAGE,     2, "usage error") \
	_(CONFIG,    2, "configuration error") \
	_(READONLY,  2, "refused in read-only mode") \
	_(NETWORK,   1, "network error") \
	_(UNSURE,    1, "outcome unknown") \
	_(HTTP,      1, "API error") \
	_(DECODE,    1, "unexpected response") \
	_(TOO_LARGE, 1, "response too large") \
	_(CANCELLED, 1, "cancelled") \
	_(NOMEM,     1, "out of memory") \
	_(PARTIAL,   1, "partly failed")

enum lb_status {
#define LB_STATUS_ENUM(name, exit, text) LB_##name,
	LB_STATUS_INFO(LB_STATUS_ENUM)
#undef LB_STATUS_ENUM
};

struct lb_error {
	enum lb_status status;
	long http_status;     /* 0 when no HTTP response was received */
	char code[64];        /* the API's "error", e.g. ROOM_NOT_FOUND */
	char message[1024];   /* a sentence a person can act on */
	char suggestion[256]; /* the API's "suggestion", may be empty */
};

/* Reset to LB_OK with empty texts. */
void lb_error_clear(struct lb_error *e);

/* Set status and a printf-style message; code and suggestion are cleared. */
void lb_error_set(struct lb_error *e, enum lb_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* lb_error_set with a va_list. */
void lb_error_vset(struct lb_error *e, enum lb_status status, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Put a sentence before the message, keeping the rest of e:
 * "copy stopped at the Storage: <message>". */
void lb_error_prefix(struct lb_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Short description of a status ("network error"). */
const char *lb_status_text(enum lb_status status);

/* The status's stable name for programs ("USAGE", "NETWORK"). */
const char *lb_status_name(enum lb_status status);

/* Exit code for batch mode: 0 ok, 1 API/network, 2 usage/config. */
int lb_status_exit_code(enum lb_status status);

/* One line for the status bar or stderr, e.g.
 * "404 ROOM_NOT_FOUND: Room with id "x" not found." Writes into buf. */
const char *lb_error_format(const struct lb_error *e, char *buf, size_t n);

#endif
