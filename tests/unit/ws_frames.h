/* The server side of WebSocket frames, for tests that play a server on a
 * thread (test_ws.c, test_live_room.c): written byte by byte as the RFC
 * has them, so the client's handshake and framing meet something that is
 * not themselves. */
#ifndef LB_WS_FRAMES_H
#define LB_WS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool ws_test_write_all(int fd, const void *p, size_t n);
bool ws_test_read_all(int fd, void *p, size_t n);
/* An unmasked server frame's header into out (14 bytes at most): its length. */
size_t ws_test_frame_head(uint8_t *out, bool fin, int opcode, size_t len);
bool ws_test_send_frame(int fd, bool fin, int opcode, const void *p, size_t len);
/* A client frame (masked, as the RFC requires): opcode and payload. */
bool ws_test_read_frame(int fd, int *opcode, char *out, size_t max, size_t *len);
/* The client's request up to its blank line, NUL-terminated (cut at n). */
void ws_test_read_request(int fd, char *req, size_t n);
/* Sec-WebSocket-Accept for the key in an upgrade request. */
void ws_test_accept_for(const char *request, char out[29]);

#endif
