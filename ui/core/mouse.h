/* The mouse, when the config allows it: button 1 and the wheel, read from
 * curses (xterm's SGR reports) and turned into clicks, double clicks and
 * wheel steps. */
#ifndef LB_MOUSE_H
#define LB_MOUSE_H

#include <stdbool.h>

#include "view.h"

/* Two presses on one row within this many ms are a double click. */
#define MOUSE_DOUBLE_MS 400

/* The last press, to tell a double click. Zero-initialise. */
struct mouse_state {
	long long press_ms;
	int press_y;
	bool pressed;
};

/* Ask the terminal for mouse reports (after initscr). */
void mouse_start(void);
/* After KEY_MOUSE: what the mouse did since the last call, oldest first,
 * in screen coordinates, into ev (at most max); returns how many. Releases
 * and other buttons are left out. */
int mouse_read(struct mouse_state *s, struct mouse_event *ev, int max);

#endif
