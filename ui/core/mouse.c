#include "lbconfig.h"

#include "mouse.h"

#include <curses.h>

#include "util.h"

/* The most reports read at once (curses queues fewer). */
#define MOUSE_BURST 16

void mouse_start(void)
{
	mousemask(BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	/* Presses as they come: curses would otherwise hold each one back
	 * to see whether it becomes a click. */
	mouseinterval(0);
}

/* One report into ev; false when it is nothing to act on. */
static bool decode(struct mouse_state *s, const MEVENT *me, long long now, struct mouse_event *ev)
{
	ev->y = me->y;
	ev->x = me->x;
	if (me->bstate & BUTTON4_PRESSED) {
		ev->kind = MOUSE_WHEEL_UP;
		return true;
	}
	if (me->bstate & BUTTON5_PRESSED) {
		ev->kind = MOUSE_WHEEL_DOWN;
		return true;
	}
	if (!(me->bstate & BUTTON1_PRESSED))
		return false;
	bool twice = s->pressed && s->press_y == me->y && now - s->press_ms <= MOUSE_DOUBLE_MS;
	ev->kind = twice ? MOUSE_DOUBLE_CLICK : MOUSE_CLICK;
	/* A third press starts again. */
	s->pressed = !twice;
	s->press_ms = now;
	s->press_y = me->y;
	return true;
}

int mouse_read(struct mouse_state *s, struct mouse_event *ev, int max)
{
	MEVENT got[MOUSE_BURST];
	int n = 0, k = 0;
	long long now = now_ms();

	/* Reports that came together wait in curses' queue behind one
	 * KEY_MOUSE; getmouse gives the newest first. */
	while (n < MOUSE_BURST && getmouse(&got[n]) == OK)
		n++;
	for (int i = n - 1; i >= 0 && k < max; i--)
		if (decode(s, &got[i], now, &ev[k]))
			k++;
	return k;
}
