#include "lbconfig.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* What data points to while nothing is allocated (cap == 0): a readable "". */
static char buf_empty[1];

/* Start empty: data is "" (not allocated) until the first append. */
void buf_init(struct buf *b)
{
	buf_empty[0] = '\0';
	b->data = buf_empty;
	b->len = 0;
	b->cap = 0;
}

/* Free the storage and return to the empty state. */
void buf_free(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b);
}

/* Make room for `extra` more bytes plus the terminating NUL. */
static bool buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		return false;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->cap ? b->data : NULL, cap);
	if (!p)
		return false;
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
	return true;
}

/* Append n bytes; false on allocation failure (buffer unchanged). */
bool buf_add(struct buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return false;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

/* Append a C string. */
bool buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Append printf-style. */
bool buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (w < 0 || !buf_reserve(b, (size_t)w))
		return false;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)w + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)w;
	return true;
}

/* Hand the data to the caller (never NULL unless out of memory). */
char *buf_steal(struct buf *b)
{
	char *p;

	if (!b->cap && !buf_reserve(b, 0))
		return NULL;
	p = b->data;
	buf_init(b);
	return p;
}

/* s as a JSON string, quotes included. */
bool buf_json_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	bool ok = buf_add(b, "\"", 1);

	for (const unsigned char *p = (const unsigned char *)s; ok && *p; p++) {
		const char *esc = NULL;
		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default: break;
		}
		if (esc) {
			ok = buf_adds(b, esc);
		} else if (*p < 0x20 || *p == 0x7f) {
			char u[7] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], '\0'};
			ok = buf_adds(b, u);
		} else {
			ok = buf_add(b, p, 1);
		}
	}
	return ok && buf_add(b, "\"", 1);
}

/* Monotonic clock in milliseconds. */
long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void format_clock_ms(long long wall, char *out, size_t n)
{
	time_t s = (time_t)(wall / 1000);
	struct tm tm;

	if (!localtime_r(&s, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(out, n, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)(wall % 1000));
}

void format_iso_ms(long long wall, char *out, size_t n)
{
	time_t s = (time_t)(wall / 1000);
	struct tm tm;
	char date[32] = "";

	if (gmtime_r(&s, &tm))
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%.24s.%03dZ", date, (int)(wall % 1000));
}

/* Wall clock in seconds since the epoch. */
long long wall_s(void)
{
	return (long long)time(NULL);
}

/* strdup that returns NULL for NULL. */
char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Read exactly `digits` decimal digits. */
static bool read_num(const char **sp, int digits, int *out)
{
	int v = 0;

	for (int i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)(*sp)[i]))
			return false;
		v = v * 10 + ((*sp)[i] - '0');
	}
	*sp += digits;
	*out = v;
	return true;
}

/* Parse "YYYY-MM-DDTHH:MM:SS[.fff]Z" (UTC) to epoch seconds; -1 if bad. */
long long iso8601_parse(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;
	time_t t;

	if (!s)
		return -1;
	if (!read_num(&s, 4, &y) || *s++ != '-' || !read_num(&s, 2, &mo) || *s++ != '-' ||
	    !read_num(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
		return -1;
	s++;
	if (!read_num(&s, 2, &h) || *s++ != ':' || !read_num(&s, 2, &mi) || *s++ != ':' ||
	    !read_num(&s, 2, &sec))
		return -1;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if ((*s != 'Z' && *s != 'z') || s[1] != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return (long long)t;
}

/* "3s", "5m", "2h", "4d" for an age in seconds. */
void format_age(long long seconds, char *out, size_t n)
{
	if (!out || n == 0)
		return;
	if (seconds < 0)
		seconds = 0;
	if (seconds < 60)
		snprintf(out, n, "%llds", seconds);
	else if (seconds < 3600)
		snprintf(out, n, "%lldm", seconds / 60);
	else if (seconds < 86400)
		snprintf(out, n, "%lldh", seconds / 3600);
	else
		snprintf(out, n, "%lldd", seconds / 86400);
}

void format_size(size_t bytes, char *out, size_t n)
{
	if (bytes < 1024)
		snprintf(out, n, "%zu byte%s", bytes, bytes == 1 ? "" : "s");
	else if (bytes < 1024 * 1024)
		snprintf(out, n, "%.1f KiB", (double)bytes / 1024.0);
	else
		snprintf(out, n, "%.1f MiB", (double)bytes / (1024.0 * 1024.0));
}
