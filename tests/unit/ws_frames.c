#include "lbconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#include "ws_frames.h"

bool ws_test_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t k = write(fd, c, n);
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

bool ws_test_read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n) {
		ssize_t k = read(fd, c, n);
		if (k <= 0)
			return false;
		c += k;
		n -= (size_t)k;
	}
	return true;
}

/* An unmasked server frame: its header into out, the length of it. */
size_t ws_test_frame_head(uint8_t *out, bool fin, int opcode, size_t len)
{
	size_t n = 0;

	out[n++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	if (len < 126) {
		out[n++] = (uint8_t)len;
	} else if (len < 65536) {
		out[n++] = 126;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = 127;
		for (int i = 7; i >= 0; i--)
			out[n++] = (uint8_t)((uint64_t)len >> (8 * i));
	}
	return n;
}

bool ws_test_send_frame(int fd, bool fin, int opcode, const void *p, size_t len)
{
	uint8_t h[14];
	size_t n = ws_test_frame_head(h, fin, opcode, len);

	return ws_test_write_all(fd, h, n) && ws_test_write_all(fd, p, len);
}

/* A client frame (masked, as the RFC requires): opcode and payload. */
bool ws_test_read_frame(int fd, int *opcode, char *out, size_t max, size_t *len)
{
	uint8_t h[2], mask[4], ext[8];
	uint64_t n;

	if (!ws_test_read_all(fd, h, 2) || !(h[1] & 0x80))
		return false;
	*opcode = h[0] & 0x0f;
	n = h[1] & 0x7f;
	if (n == 126) {
		if (!ws_test_read_all(fd, ext, 2))
			return false;
		n = (uint64_t)ext[0] << 8 | ext[1];
	} else if (n == 127) {
		if (!ws_test_read_all(fd, ext, 8))
			return false;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | ext[i];
	}
	if (n > max || !ws_test_read_all(fd, mask, 4) || !ws_test_read_all(fd, out, (size_t)n))
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] ^= (char)mask[i % 4];
	*len = (size_t)n;
	return true;
}

void ws_test_accept_for(const char *request, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	const char *k = strstr(request, "Sec-WebSocket-Key: ");
	char key[64] = "";
	struct sha1_ctx sha;
	uint8_t digest[SHA1_DIGEST_SIZE];

	if (k)
		sscanf(k + 19, "%63[^\r]", key);
	sha1_init(&sha);
	sha1_update(&sha, strlen(key), (const uint8_t *)key);
	sha1_update(&sha, sizeof(guid) - 1, (const uint8_t *)guid);
	sha1_digest(&sha, sizeof(digest), digest);
	base64_encode_raw(out, sizeof(digest), digest);
	out[28] = '\0';
}

void ws_test_read_request(int fd, char *req, size_t n)
{
	size_t got = 0;

	req[0] = '\0';
	while (got < n - 1 && !strstr(req, "\r\n\r\n")) {
		ssize_t k = read(fd, req + got, n - 1 - got);

		if (k <= 0)
			break;
		got += (size_t)k;
		req[got] = '\0';
	}
}
