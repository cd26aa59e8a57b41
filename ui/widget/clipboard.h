/* The terminal's clipboard, safely: OSC 52 with the text made safe first,
 * so that nothing pasted from it can drive a shell. */
#ifndef LB_CLIPBOARD_H
#define LB_CLIPBOARD_H

#include <stddef.h>

/* The most clipboard_copy sends (terminals drop longer OSC 52
 * payloads anyway). */
#define CLIPBOARD_MAX (1024 * 1024)

/* Copy text to the terminal's clipboard with OSC 52 (on standard output),
 * made safe first as ts_json_line makes it: secrets masked, every control
 * character (newlines too), C1 and bidi control a \u escape. 0 when sent,
 * else why not: E2BIG when longer than CLIPBOARD_MAX, ENOMEM, or the
 * errno of writing to the terminal. */
int clipboard_copy(const char *text, size_t len);

#endif
