#include "lbconfig.h"

#include <stdio.h>
#include <string.h>

#include "watch.h"

static const int watch_steps[] = {250, 500, 1000, 2000, 5000, 10000, 30000};
#define N_STEPS ((int)(sizeof(watch_steps) / sizeof(watch_steps[0])))

void watch_init(struct watch *w, bool on, long long now)
{
	memset(w, 0, sizeof(*w));
	w->on = on;
	w->interval_ms = WATCH_DEFAULT_MS;
	w->current_ms = WATCH_DEFAULT_MS;
	w->due_ms = now + w->current_ms;
}

void watch_toggle(struct watch *w, long long now)
{
	w->on = !w->on;
	w->current_ms = w->interval_ms;
	w->slow = w->failing = false;
	w->started_ms = 0;
	w->due_ms = now; /* a first look at once */
}

void watch_adjust(struct watch *w, int dir, long long now)
{
	int k = 0;
	while (k < N_STEPS - 1 && watch_steps[k] < w->interval_ms)
		k++;
	k += dir > 0 ? -1 : 1;
	if (k < 0)
		k = 0;
	if (k >= N_STEPS)
		k = N_STEPS - 1;
	w->interval_ms = watch_steps[k];
	if (!w->slow && !w->failing)
		w->current_ms = w->interval_ms;
	if (w->current_ms < w->interval_ms)
		w->current_ms = w->interval_ms;
	if (!w->started_ms)
		w->due_ms = now + w->current_ms;
}

int watch_tick(struct watch *w, struct model *m, struct resource *r, long long now)
{
	if (!w->on)
		return -1;
	if (w->started_ms) {
		if (r->busy)
			return 100;
		watch_settled(w, r, now);
	}
	if (now >= w->due_ms) {
		w->started_ms = now;
		if (!r->busy)
			model_refresh(m, r);
		if (!r->busy) {
			/* Nothing was sent: try again an interval later. */
			w->started_ms = 0;
			w->due_ms = now + w->current_ms;
			return w->current_ms;
		}
		return 100;
	}
	long long left = w->due_ms - now;
	return left > WATCH_MAX_MS ? WATCH_MAX_MS : (int)left;
}

bool watch_settled(struct watch *w, const struct resource *r, long long now)
{
	if (!w->started_ms || r->busy)
		return false;
	long long took = now - w->started_ms;
	bool ok = r->fetched_ms >= w->started_ms && r->state != RES_ERROR;
	w->failing = !ok;
	w->slow = ok && took > w->interval_ms;
	if (w->failing || w->slow) {
		int next = w->current_ms * 2;
		w->current_ms = next > WATCH_MAX_MS ? WATCH_MAX_MS : next;
	} else {
		w->current_ms = w->interval_ms;
	}
	w->started_ms = 0;
	w->due_ms = now + w->current_ms;
	return true;
}

static void format_ms(int ms, char *out, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(out, n, "%ds", ms / 1000);
	else
		snprintf(out, n, "%.2gs", ms / 1000.0);
}

void watch_describe(const struct watch *w, char *out, size_t n)
{
	char iv[16];
	if (!w->on) {
		snprintf(out, n, "%s", "");
		return;
	}
	format_ms(w->current_ms, iv, sizeof(iv));
	snprintf(out, n, "watch %s%s", iv,
		 w->failing ? " (failing)" : w->slow ? " (slow)" : "");
}
