/* Small helpers shared by the core: growable buffers, time, strings. */
#ifndef LB_UTIL_H
#define LB_UTIL_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated when len > 0 or after buf_init */
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Append n bytes; returns false on allocation failure (buffer unchanged). */
bool buf_add(struct buf *b, const void *p, size_t n);
bool buf_adds(struct buf *b, const char *s);
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the data to the caller (who frees it); the buffer becomes empty. */
char *buf_steal(struct buf *b);
/* Append s as a JSON string, quotes included: '"', '\\' and control
 * characters escaped, every other byte as it is. */
bool buf_json_string(struct buf *b, const char *s);

/* Monotonic clock in milliseconds. */
long long now_ms(void);
/* Wall clock in milliseconds since the epoch. */
long long wall_ms(void);
/* A wall time in milliseconds as "05:31:02.123" (local time) and as
 * "2026-12-04T05:31:02.123Z". */
void format_clock_ms(long long wall, char *out, size_t n);
void format_iso_ms(long long wall, char *out, size_t n);
/* Wall clock in seconds since the epoch. */
long long wall_s(void);

/* strdup that returns NULL for NULL. */
char *xstrdup(const char *s);
/* Parse an ISO 8601 UTC timestamp ("2024-01-01T00:00:00.000Z") to epoch
 * seconds; returns -1 if it cannot be read. */
long long iso8601_parse(const char *s);
/* "3s", "5m", "2h", "4d" for an age in seconds. */
void format_age(long long seconds, char *out, size_t n);
/* "512 bytes", "5.0 KiB", "1.2 MiB" for a size in bytes. */
void format_size(size_t bytes, char *out, size_t n);

#endif
