// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What "grows like a leak" means. A leak is memory that keeps growing and is
 * not given back, so the detector judges the floor of a process's footprint
 * (resident + swap), not its level at one moment, and asks whether that floor
 * rose through the whole window rather than in one burst inside it.
 *
 * The floor from time t on is the lower envelope L(t): the least footprint
 * the process held from t to now. L never falls as t advances. The window,
 * [now - window, now], is cut into quarters at q0 (its start), q1, q2, q3,
 * and the floor's rise in each quarter is L(q1) - L(q0), ..., L(now) - L(q3).
 * A process grows like a leak when
 *  1. growth: its footprint now is at least `growth` above the window's floor
 *     L(q0);
 *  2. persistence: the floor rose by a real share (a sixth of the policy's
 *     growth) in at least `steadiness` of the quarters: 3 of 4 by default;
 * or, for a floor that rises in steps further apart than a quarter, when it
 * kept rising over the last two windows at the policy's rate, growth /
 * window (floor_keeps_rising() below).
 * What this tells apart:
 *  - a steady, slow or stepped leak raises the floor in every quarter (steps
 *    at most a third of the window apart), or again and again over two
 *    windows (steps, bursts or retained jumps up to 4/5 of a window apart);
 *  - a leak under a working set that swings, or inside a collector's sawtooth,
 *    raises its troughs, and the troughs are the floor;
 *  - a warm-up, however fast, raises the floor in one or two quarters and
 *    then not at all: one shorter than about a third of the window is never
 *    a leak;
 *  - a sawtooth with a flat floor, a batch job that frees what it took, a
 *    working set that swings: their floor stays where it was;
 *  - a process faulting its swapped-out pages back in, or being swapped out:
 *    its footprint does not change;
 *  - a short-lived process never has a window of history.
 * A batch job whose single ramp lasts most of the window looks exactly like a
 * leak while it ramps: choose a window longer than such ramps.
 */
#include "detect.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define QUARTERS DETECT_QUARTERS
#define SHARE 6            /* a quarter counts when the floor rose by growth / SHARE there */
#define RISE_NOISE (64 * 1024)

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

unsigned int detect_quarters_needed(const struct policy *p)
{
	unsigned int q = (unsigned int)(p->steadiness * DETECT_QUARTERS + 1e-9);

	return MIN(MAX(q, 2u), DETECT_QUARTERS);
}

/*
 * In how many quarters the floor rose by a real share of the policy's growth.
 * The policy's, not the growth measured: one retained jump of 200 MiB would
 * otherwise raise the bar for every other quarter and hide the steady leak
 * beside it.
 */
static uint32_t quarters_rising(const struct policy *p, const uint64_t *env)
{
	uint32_t rising = 0;

	for (uint32_t i = 0; i < QUARTERS; i++) {
		uint64_t rise = env[i + 1] > env[i] ? env[i + 1] - env[i] : 0;

		if (rise > RISE_NOISE && rise * SHARE >= p->growth)
			rising++;
	}
	return rising;
}

/*
 * The floor's steps, over two windows. A leak whose floor rises in steps
 * further apart than a quarter (retained jumps, bursts, a collector's
 * troughs every few seconds) raises the floor in too few quarters of one
 * window, however fast it leaks. Over the last two windows such a floor still
 * rises again and again: it is a leak when
 *  - it rose by a step (a SHARE-th of the policy's growth) at least
 *    STEPS_MIN times, the first and the last at least half a window apart,
 *  - it never stood still for longer than STEP_GAP of a window (and an
 *    interval, for the sampling's jitter), from the start of the two windows
 *    to now,
 *  - and from its first step to its last it rose at the policy's rate,
 *    growth / window, or faster.
 * After a process's last trough its floor is the trough's, as in the quarters.
 * Returns true for a leak; *rise and *span: the floor's rise and its time.
 */
#define STEPS_MIN 3
#define STEP_GAP_NUM 4 /* 4/5 of a window */
#define STEP_GAP_DEN 5

static bool floor_keeps_rising(const struct policy *p, const struct hpoint *pt, uint32_t n, uint32_t cut,
			       uint64_t slack_ms, uint64_t *rise, uint64_t *span)
{
	uint64_t tn = pt[n - 1].t_ms, reach = 2 * p->window_ms;
	/* a step is seen at the first sample after it: allow an interval (twice the slack) of jitter */
	uint64_t gap_max = p->window_ms * STEP_GAP_NUM / STEP_GAP_DEN + 2 * slack_ms;
	uint64_t ts, step = p->growth / SHARE, env[HISTORY_POINTS_MAX], low, level, t_prev, first_t = 0, first_level = 0;
	uint32_t i0 = UINT32_MAX, steps = 0;

	/* steadiness 100 %: the floor must rise in every quarter, steps or not */
	if (p->steadiness >= 1.0)
		return false;
	if (!step || tn < reach || pt[0].t_ms > tn - reach + slack_ms)
		return false; /* not two windows of history yet */
	ts = tn - reach;
	/* env[i]: the least footprint from point i to now, the last trough's after it */
	low = pt[n - 1].fp;
	for (uint32_t i = n; i-- > 0;) {
		low = MIN(low, pt[i].fp);
		env[i] = low;
	}
	for (uint32_t i = cut + 1; i < n; i++)
		env[i] = env[cut];
	/* the newest point at or before the start: the floor then */
	for (uint32_t i = 0; i < n && pt[i].t_ms <= ts + slack_ms; i++)
		i0 = i;
	if (i0 == UINT32_MAX)
		return false;
	level = env[i0];
	t_prev = ts;
	for (uint32_t i = i0 + 1; i <= cut; i++) {
		if (env[i] < level + step)
			continue;
		if (pt[i].t_ms - t_prev > gap_max)
			return false;
		if (!steps) {
			first_t = pt[i].t_ms;
			first_level = env[i];
		}
		steps++;
		level = env[i];
		t_prev = pt[i].t_ms;
	}
	/* steps that all came within half a window are one burst: a warm-up */
	if (steps < STEPS_MIN || tn - t_prev > gap_max || t_prev - first_t < p->window_ms / 2)
		return false;
	*rise = level - env[i0];
	*span = tn - ts;
	/* the rate from the first step to the last: a collector's troughs are a period apart, not a span */
	return (level - first_level) * p->window_ms >= p->growth * (t_prev - first_t);
}

enum verdict detect(const struct policy *p, const struct history *h, const struct system_state *sys,
		    uint64_t slack_ms, struct evidence *ev)
{
	bool anon = p->rss == RSS_ANON;
	struct hpoint pt[HISTORY_POINTS_MAX];
	uint64_t env[QUARTERS + 1]; /* the floor L at q0..q3, and now */
	uint64_t t0, tq, te, tn, low, end, peak, bottom, step_rise = 0, step_span = 0;
	bool gives_back, quarters_hold, steps_hold;
	uint32_t n, base = UINT32_MAX, rising = 0, q, cut;

	*ev = (struct evidence){ 0 };
	if (sys) {
		ev->swapout_ps = sys->swapout_ps;
		ev->psi_some = sys->psi.some_avg10 / 100.0;
		ev->psi_full = sys->psi.full_avg10 / 100.0;
		ev->mem_available = sys->mem.mem_available;
	}
	n = history_points(h, anon, pt);
	if (!n)
		return VERDICT_SHORT;
	tn = pt[n - 1].t_ms;
	ev->footprint = pt[n - 1].fp;

	/* the newest point at least a window (less the slack) older than now */
	for (uint32_t i = n; i-- > 0;) {
		if (pt[i].t_ms + p->window_ms <= tn + slack_ms) {
			base = i;
			break;
		}
	}
	if (base == UINT32_MAX || base == n - 1)
		return VERDICT_SHORT;
	t0 = pt[base].t_ms;
	/*
	 * The quarters cut the window itself. The base can be older than the
	 * window's start (a flat stretch is kept as one): the footprint it
	 * shows held until the next point.
	 */
	tq = MAX(t0, tn > p->window_ms ? tn - p->window_ms : 0);

	/*
	 * A process that gives back (its footprint fell by half the growth or
	 * more: a sawtooth, a batch job, a working set that swings) is judged by
	 * its troughs: from its last trough on, the rise is a ramp that may well
	 * be given back again, so it does not count. The history reaches back
	 * two windows, so a batch job's last cycle is seen while it ramps again;
	 * a rise that began before the window did not stop for a whole window,
	 * and counts.
	 */
	gives_back = false;
	peak = bottom = pt[0].fp;
	cut = 0;
	for (uint32_t i = 1; i < n; i++) {
		uint64_t f = pt[i].fp;

		if (gives_back && i == cut + 1 && f <= bottom + p->growth / 8) {
			/* still going down, or resting near the bottom */
			cut = i;
			bottom = MIN(bottom, f);
			peak = f;
		} else if (f > peak) {
			peak = f;
		} else if ((peak - f) * 2 >= p->growth) {
			gives_back = true;
			cut = i;
			peak = bottom = f;
		}
	}
	if (!gives_back || cut <= base)
		cut = n - 1;
	/* for a process that gives back, the quarters cut the window up to its last trough */
	te = pt[cut].t_ms;

	/*
	 * One pass from now back: `low` is the least footprint from the point
	 * at hand to now. A quarter that starts after a point has its floor set
	 * before that point joins. Before the window the minimum goes on: the
	 * floor of the whole history, what the process held before the leak.
	 */
	low = ev->footprint;
	end = ev->footprint;
	q = QUARTERS - 1;
	for (uint32_t i = n; i-- > 0;) {
		while (i >= base && q > 0 && tq + (te - tq) * q / QUARTERS > pt[i].t_ms)
			env[q--] = low;
		low = MIN(low, pt[i].fp);
		if (i == cut)
			end = low;
		if (i == base)
			env[0] = low;
	}
	/* after the last trough the floor is taken as the trough's */
	env[QUARTERS] = end;
	for (uint32_t j = 1; j < QUARTERS; j++)
		env[j] = MIN(env[j], end);
	ev->floor = low;
	ev->steps = n - 1 - base;
	ev->span_ms = tn - t0;
	ev->growth = (int64_t)end - (int64_t)env[0];
	ev->rate = ev->span_ms ? (double)ev->growth * 1000.0 / (double)ev->span_ms : 0.0;
	rising = quarters_rising(p, env);
	ev->steadiness = (double)rising / QUARTERS;

	quarters_hold = ev->growth >= 0 && (uint64_t)ev->growth >= p->growth && rising >= detect_quarters_needed(p);
	steps_hold = !quarters_hold && floor_keeps_rising(p, pt, n, cut, slack_ms, &step_rise, &step_span);
	if (!quarters_hold && !steps_hold)
		return VERDICT_NONE;
	if (steps_hold) {
		/* the evidence is the two windows' */
		ev->growth = (int64_t)step_rise;
		ev->span_ms = step_span;
		ev->rate = (double)step_rise * 1000.0 / (double)step_span;
	}
	if (ev->footprint < p->min_rss)
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
	char fp[FMT_SIZE_MAX], rss[FMT_SIZE_MAX], swap[FMT_SIZE_MAX], growth[FMT_SIZE_MAX];
	char rate[FMT_SIZE_MAX], floor[FMT_SIZE_MAX];

	snprintf(buf, size,
		 "footprint %s (rss %s + swap %s) grew %s in %.0f s (%s/s, floor rose in %.0f/4 quarters); held %s before; swap-out %.0f pages/s; psi some %.1f %% full %.1f %%; available %llu MiB",
		 fmt_size(fp, sizeof(fp), ev->footprint), fmt_size(rss, sizeof(rss), ev->rss),
		 fmt_size(swap, sizeof(swap), ev->swap),
		 fmt_size(growth, sizeof(growth), ev->growth > 0 ? (uint64_t)ev->growth : 0),
		 (double)ev->span_ms / 1000.0,
		 fmt_size(rate, sizeof(rate), ev->rate > 0 ? (uint64_t)ev->rate : 0),
		 ev->steadiness * 4.0, fmt_size(floor, sizeof(floor), ev->floor), ev->swapout_ps,
		 ev->psi_some * 100.0, ev->psi_full * 100.0, (unsigned long long)(ev->mem_available / MIB));
	/* the forecast, when judge() made one (forecast.h) */
	if (ev->fc.what && strlen(buf) + 2 < size) {
		size_t n = strlen(buf);

		snprintf(buf + n, size - n, "; ");
		forecast_format(&ev->fc, buf + n + 2, size - n - 2);
	}
}
