// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What "grew like a leak" means, in three tests over the samples of the last
 * `window`:
 *  1. growth: the newest sample is at least `growth` above the one a window ago;
 *  2. steadiness: at least that fraction of the steps between them did not
 *     shrink (a step counts as shrinking when it loses more than 1 % of
 *     `growth`: page cache trimming a few pages off a leaker is noise);
 *  3. retention: the drops gave back less than half of what the rises gained.
 *     A garbage collector's sawtooth rises for many steps and drops in one, so
 *     its steps look steady; what it gives back shows it is no leak.
 * A cache that warms up and then plateaus stops matching once the window
 * holds only the plateau. A leak in steps (flat, jump, flat) never shrinks.
 */
#include "detect.h"

#include <stdio.h>

#include "util.h"

static uint64_t value(const struct policy *p, const struct sample *s)
{
	return p->rss == RSS_ANON ? s->anon : s->rss;
}

static const char *pressure_holds(const struct policy *p, const struct system_state *sys)
{
	bool any = false;

	if (p->pressure_swapout >= 0.0) {
		any = true;
		if (sys->have_rates && sys->swapout_ps >= p->pressure_swapout)
			return "swap-out";
	}
	if (p->pressure_some > 0.0) {
		any = true;
		if (sys->have_psi && sys->psi.some_avg10 / 100.0 >= p->pressure_some)
			return "psi-some";
	}
	if (p->pressure_full > 0.0) {
		any = true;
		if (sys->have_psi && sys->psi.full_avg10 / 100.0 >= p->pressure_full)
			return "psi-full";
	}
	if (p->pressure_available) {
		any = true;
		if (sys->mem.mem_available < p->pressure_available)
			return "mem-available";
	}
	return any ? NULL : "always";
}

enum verdict detect(const struct policy *p, const struct history *h, const struct system_state *sys,
		    uint64_t slack_ms, struct evidence *ev)
{
	struct sample now;
	uint64_t shrink_noise = p->growth / 100;
	uint64_t rises = 0, drops = 0;
	uint32_t base = UINT32_MAX, steady = 0;

	*ev = (struct evidence){ 0 };
	if (sys) {
		ev->swapout_ps = sys->swapout_ps;
		ev->psi_some = sys->psi.some_avg10 / 100.0;
		ev->psi_full = sys->psi.full_avg10 / 100.0;
		ev->mem_available = sys->mem.mem_available;
	}
	if (!h->len)
		return VERDICT_SHORT;
	now = history_at(h, h->len - 1);
	ev->rss = value(p, &now);

	/* the newest sample at least a window (less the slack) older than now */
	for (uint32_t i = h->len; i-- > 0;) {
		if (history_at(h, i).t_ms + p->window_ms <= now.t_ms + slack_ms) {
			base = i;
			break;
		}
	}
	if (base == UINT32_MAX || base == h->len - 1)
		return VERDICT_SHORT;

	for (uint32_t i = base; i + 1 < h->len; i++) {
		struct sample sa = history_at(h, i), sb = history_at(h, i + 1);
		uint64_t a = value(p, &sa), b = value(p, &sb);

		if (b >= a) {
			rises += b - a;
			steady++;
		} else {
			drops += a - b;
			if (a - b <= shrink_noise)
				steady++;
		}
	}
	ev->steps = h->len - 1 - base;
	{
		struct sample sbase = history_at(h, base);

		ev->span_ms = now.t_ms - sbase.t_ms;
		ev->growth = (int64_t)ev->rss - (int64_t)value(p, &sbase);
	}
	ev->rate = ev->span_ms ? (double)ev->growth * 1000.0 / (double)ev->span_ms : 0.0;
	ev->steadiness = (double)steady / (double)ev->steps;
	ev->retained = rises ? (double)(rises - MIN(rises, drops)) / (double)rises : 0.0;

	if (ev->growth < 0 || (uint64_t)ev->growth < p->growth || ev->steadiness < p->steadiness ||
	    ev->retained < 0.5)
		return VERDICT_NONE;
	if (ev->rss < p->min_rss)
		return VERDICT_SMALL;
	ev->pressure = sys ? pressure_holds(p, sys) : "always";
	return ev->pressure ? VERDICT_LEAK : VERDICT_CALM;
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_NONE:
		return "none";
	case VERDICT_SHORT:
		return "short-history";
	case VERDICT_SMALL:
		return "small";
	case VERDICT_CALM:
		return "no-pressure";
	case VERDICT_LEAK:
		return "leak";
	}
	return "?";
}

void evidence_format(const struct evidence *ev, char *buf, size_t size)
{
	char rss[FMT_SIZE_MAX], growth[FMT_SIZE_MAX], rate[FMT_SIZE_MAX];

	snprintf(buf, size,
		 "rss %s grew %s in %.0f s (%s/s, steady %.0f %%); swap-out %.0f pages/s; psi some %.1f %% full %.1f %%; available %llu MiB",
		 fmt_size(rss, sizeof(rss), ev->rss),
		 fmt_size(growth, sizeof(growth), ev->growth > 0 ? (uint64_t)ev->growth : 0),
		 (double)ev->span_ms / 1000.0,
		 fmt_size(rate, sizeof(rate), ev->rate > 0 ? (uint64_t)ev->rate : 0),
		 ev->steadiness * 100.0, ev->swapout_ps, ev->psi_some * 100.0, ev->psi_full * 100.0,
		 (unsigned long long)(ev->mem_available / MIB));
}
