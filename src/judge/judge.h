/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A verdict with its forecast: detect() (the floor rule over the policy's
 * window), then the policy's `forecast` condition, and the fast path for a
 * leak that would exhaust memory before the window closes. Pure: the
 * cgroup's headroom comes through a callback, asked only for a process that
 * grows fast enough to matter.
 */
#ifndef LJ_JUDGE_H
#define LJ_JUDGE_H

#include "detect.h"
#include "forecast.h"

/* The cgroup's headroom, asked only when needed; returns false when unknown. */
typedef bool (*forecast_headroom_fn)(void *ctx, struct cg_headroom *out);

struct judge_env {
	const struct system_state *sys;
	uint64_t interval_ms;        /* the sampling interval: the fast path needs JUDGE_FAST_STEPS of them */
	uint64_t slack_ms;           /* as for detect() */
	forecast_headroom_fn headroom;
	void *ctx;
};

/* The fast path judges on at least this many steps between samples, each a rise of the floor. */
#define JUDGE_FAST_STEPS 2
/* ... and on a ramp that has lasted at least 1/JUDGE_FAST_SHARE of the time it leaves. */
#define JUDGE_FAST_SHARE 3.0

/*
 * detect(), then the forecast, the policy's `forecast` condition and the
 * fast path:
 * - the forecast's rate is the floor's over the window (detect's), or over
 *   the history there is while it does not span a window yet;
 * - `forecast = DURATION`: a condition like pressure_*: a leak is acted on
 *   when memory would run out within that time (or when another condition
 *   that is set holds);
 * - the fast path: memory would run out sooner than a window, so the last
 *   part of the window that fits (half the time left, at least
 *   JUDGE_FAST_STEPS intervals) is judged instead: the floor rose at every
 *   step and by the policy's growth scaled to that part, for at least a
 *   third of the time left (a warm-up that ends within a second or two is
 *   not a leak because the room is short). Such a leak is
 *   acted on at once, whatever the pressure conditions (ev->pressure
 *   "forecast"). A process that gave back half the growth or more within
 *   its history (a sawtooth, a batch job) is left to detect(), which judges
 *   its troughs.
 * ev->fc receives the forecast (rate 0 when the process is not growing).
 */
enum verdict judge(const struct policy *p, const struct history *h, const struct judge_env *env,
		   struct evidence *ev);

#endif
