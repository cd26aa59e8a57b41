#include "lbconfig.h"

#include "clipboard.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "term_safe.h"

/* The terminal's clipboard through OSC 52: what the tree view copies (a
 * path, a value's JSON) and the token view (a token). */

/* Write all of p; 0, or why it failed (an errno value). */
static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* A terminal that does not take it within a second
				 * is not reading. */
				struct pollfd pfd = {.fd = fd, .events = POLLOUT};
				int rc = poll(&pfd, 1, 1000);
				if (rc > 0 || (rc < 0 && errno == EINTR))
					continue;
				return rc == 0 ? EAGAIN : errno;
			}
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int clipboard_copy(const char *text, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (len > CLIPBOARD_MAX)
		return E2BIG;
	/* Made safe as the screen's text is, and without a line break: pasted
	 * into a shell, a raw control (a bracketed-paste end, a newline) would
	 * run what follows it. */
	size_t safe_len;
	char *safe = ts_json_line(text, len, &safe_len);
	if (!safe && safe_len == (size_t)-1)
		return ENOMEM;
	if (safe) {
		text = safe;
		len = safe_len;
	}
	if (len > CLIPBOARD_MAX) {
		free(safe);
		return E2BIG;
	}
	size_t n = 7 + (len + 2) / 3 * 4 + 2;
	char *out = malloc(n);
	if (!out) {
		free(safe);
		return ENOMEM;
	}
	size_t o = 0;
	memcpy(out, "\033]52;c;", 7);
	o = 7;
	const unsigned char *s = (const unsigned char *)text;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64[v & 63] : '=';
	}
	out[o++] = '\a';
	int rc = write_all(STDOUT_FILENO, out, o);
	free(out);
	free(safe);
	return rc;
}
