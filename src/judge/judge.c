// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A verdict with its forecast (judge.h). detect() is left as it is: the
 * forecast condition and the fast path are layered on its verdict here.
 *
 * Why a fast path: the atop case at 150 MiB/s on a 1200 MiB host, four
 * innocents holding 800 MiB: the leak takes the 400 MiB of headroom in
 * 2.7 s, a 5 s window is judged after 5 s, and by then the innocents have
 * lost half their memory to swap. When the forecast says memory runs out
 * before a window could close, the part of the window that fits is judged.
 */
#include "judge.h"

#include <math.h>
#include <string.h>

#include "util.h"

#define RISE_NOISE (64 * 1024) /* as detect.c: a rise of the floor smaller than this is no rise */

/*
 * Does the floor rise at every step over the samples from `from` to the
 * newest? Returns the rise over them (the footprint now over the least
 * held since `from`), or 0 when a step did not rise.
 */
static uint64_t rises_every_step(const struct hpoint *pt, uint32_t n, uint32_t from)
{
	uint64_t low = pt[n - 1].fp, now = low;

	for (uint32_t i = n - 1; i-- > from;) {
		uint64_t f = pt[i].fp;

		/* the floor at i is min(f, low); it must be below the floor at i + 1 by more than noise */
		if (f + RISE_NOISE >= low)
			return 0;
		low = f;
	}
	return now - low;
}

/*
 * Did the process give back, somewhere in its history, half the policy's
 * growth or more (a collector's sawtooth, a batch job)? Then a ramp is
 * likely given back again: such a process is judged by its troughs, over the
 * window (detect.c), never on a ramp alone.
 */
static bool gave_back(const struct hpoint *pt, uint32_t n, uint64_t growth)
{
	uint64_t peak = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t f = pt[i].fp;

		peak = MAX(peak, f);
		if ((peak - f) * 2 >= growth)
			return true;
	}
	return false;
}

static uint64_t least(const struct hpoint *pt, uint32_t n)
{
	uint64_t low = UINT64_MAX;

	for (uint32_t i = 0; i < n; i++)
		low = MIN(low, pt[i].fp);
	return low;
}

struct room {
	const struct judge_env *env;
	struct cg_headroom cg;
	bool asked, known;
};

static const struct cg_headroom *room_cg(struct room *r)
{
	if (!r->asked) {
		r->asked = true;
		r->known = r->env->headroom && r->env->headroom(r->env->ctx, &r->cg);
	}
	return r->known ? &r->cg : NULL;
}

static void forecast_at(struct evidence *ev, struct room *r, double rate, bool with_cg)
{
	const struct system_state *sys = r->env->sys;

	forecast_compute(&ev->fc, rate, sys ? sys->mem.mem_available : UINT64_MAX,
			 sys ? sys->mem.swap_free : 0, with_cg && rate > 0.0 ? room_cg(r) : NULL);
}

/* The fast path (judge.h). Returns true and fills ev when it finds a leak. */
static bool fast_path(const struct policy *p, const struct history *h, struct room *r, struct evidence *ev)
{
	struct hpoint pt[HISTORY_POINTS_MAX];
	uint32_t n = history_points(h, p->rss == RSS_ANON, pt);
	uint64_t tn, rise, span, want, part_ms;
	double rate, left_s;
	uint32_t from;

	if (!r->env->interval_ms || n < JUDGE_FAST_STEPS + 1 || !p->window_ms)
		return false;
	tn = pt[n - 1].t_ms;
	from = n - 1 - JUDGE_FAST_STEPS;
	span = tn - pt[from].t_ms;
	rise = rises_every_step(pt, n, from);
	if (!rise || !span)
		return false;
	rate = (double)rise * 1000.0 / (double)span;
	/* a rise slower than the policy's growth over its window: no leak the policy would see */
	if (rate * (double)p->window_ms / 1000.0 < (double)p->growth || gave_back(pt, n, p->growth))
		return false;
	forecast_at(ev, r, rate, true);
	left_s = ev->fc.runs_out_s;
	if (!(left_s * 1000.0 < (double)p->window_ms))
		return false;
	/* the part of the window that fits: half the time left, at least the steps just judged */
	part_ms = (uint64_t)(left_s * 500.0);
	/* every step after `from` rose, so the floor at `from` is its own footprint: one comparison a step */
	while (from > 0 && pt[from - 1].t_ms + part_ms >= tn && pt[from - 1].fp + RISE_NOISE < pt[from].fp)
		from--;
	rise = pt[n - 1].fp - pt[from].fp;
	span = tn - pt[from].t_ms;
	want = (uint64_t)((double)p->growth * (double)MIN(span, p->window_ms) / (double)p->window_ms);
	if (rise < want || pt[n - 1].fp < p->min_rss)
		return false;
	rate = (double)rise * 1000.0 / (double)span;
	ev->fc.fast = true;
	forecast_at(ev, r, rate, true);
	/*
	 * A ramp seen for two samples may be a warm-up that is just ending (a
	 * heap sized in one second): it must have lasted a third of the time it
	 * leaves, that is, have eaten a quarter of the room there was when it
	 * began. At 150 MiB/s into 400 MiB that is at 0.7 s, while three
	 * quarters of the room are still there.
	 */
	if ((double)span * JUDGE_FAST_SHARE < ev->fc.runs_out_s * 1000.0)
		return false;
	ev->growth = (int64_t)rise;
	ev->span_ms = span;
	ev->rate = rate;
	ev->steps = n - 1 - from;
	ev->steadiness = 1.0;
	ev->floor = least(pt, n);
	ev->pressure = "forecast";
	return true;
}

enum verdict judge(const struct policy *p, const struct history *h, const struct judge_env *env,
		   struct evidence *ev)
{
	const struct system_state *sys = env->sys;
	enum verdict v = detect(p, h, sys, env->slack_ms, ev);
	struct room r = { .env = env };
	bool anon = p->rss == RSS_ANON;
	double rate;

	ev->swapin_ps = sys ? sys->swapin_ps : 0.0;
	if (!h->len)
		return v;
	if (v != VERDICT_LEAK && fast_path(p, h, &r, ev))
		return VERDICT_LEAK;
	ev->fc.fast = false;
	/* the floor's rate over the window, or over what history there is */
	rate = ev->span_ms ? ev->rate : forecast_floor_rate(h, anon, p->window_ms);
	/* the cgroup is read for the verdicts that make a record, not for every process */
	forecast_at(ev, &r, rate, v == VERDICT_LEAK || v == VERDICT_CALM);
	if (p->forecast_ms && (v == VERDICT_LEAK || v == VERDICT_CALM)) {
		bool soon = ev->fc.runs_out_s * 1000.0 <= (double)p->forecast_ms;

		if (v == VERDICT_LEAK && strcmp(ev->pressure, "always") == 0) {
			/* the forecast is the only condition set */
			ev->pressure = soon ? "forecast" : NULL;
			v = soon ? VERDICT_LEAK : VERDICT_CALM;
		} else if (v == VERDICT_CALM && soon) {
			ev->pressure = "forecast";
			v = VERDICT_LEAK;
		}
	}
	return v;
}
