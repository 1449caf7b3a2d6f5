/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The leak detector: one policy against one process's history and the
 * system's state gives a verdict and the evidence behind it. Pure: no I/O,
 * so it is tested on recorded series.
 */
#ifndef LJ_DETECT_H
#define LJ_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "forecast.h"
#include "history.h"
#include "sysstate.h"

enum verdict {
	VERDICT_NONE,          /* not growing as the policy describes */
	VERDICT_SHORT,         /* not enough history to span the window yet */
	VERDICT_SMALL,         /* below the policy's min_rss */
	VERDICT_CALM,          /* growing like a leak, but the system is not under the pressure asked for */
	VERDICT_LEAK,          /* a leak, and the policy's conditions hold: act */
};

struct evidence {
	uint64_t footprint;    /* now: resident (all, or anonymous) + swap, as the policy watches */
	uint64_t rss, swap;    /* now, for the record (the caller fills them in from the last sample) */
	int64_t growth;        /* footprint now over the window's floor */
	uint64_t span_ms;
	double rate;           /* bytes/s */
	double steadiness;     /* share of the window's quarters in which the floor rose */
	uint64_t floor;        /* the lowest footprint in the history: what it held before the leak */
	uint32_t steps;
	/* the pressure figures at the time */
	double swapout_ps;
	double psi_some, psi_full; /* avg10, fraction */
	uint64_t mem_available;
	const char *pressure;  /* which condition held, or NULL */
	double swapin_ps;
	/* when memory runs out at the floor's rate: filled in by judge() (judge.h), not by detect() */
	struct forecast fc;
};

/*
 * `slack_ms` is how much earlier than a full window the oldest sample may be
 * taken (timers jitter; half an interval is right).
 */
enum verdict detect(const struct policy *p, const struct history *h, const struct system_state *sys,
		    uint64_t slack_ms, struct evidence *ev);

const char *verdict_name(enum verdict v);

/*
 * A leak's episode ends once no policy found it growing like a leak for a
 * whole window of p: a verdict that flickers (a leak under a collector whose
 * troughs fall either side of a quarter's edge) is one leak, logged and
 * counted once. `last_leak_ms`: when a leak was last found, 0 never.
 */
static inline bool detect_episode_over(const struct policy *p, uint64_t last_leak_ms, uint64_t now_ms)
{
	return !last_leak_ms || now_ms >= last_leak_ms + p->window_ms;
}

/* In how many of the window's DETECT_QUARTERS quarters the floor must rise: steadiness, in whole quarters, at least 2. */
#define DETECT_QUARTERS 4
unsigned int detect_quarters_needed(const struct policy *p);

/* "footprint 612 MiB (rss 400 MiB + swap 212 MiB) grew 240 MiB in 30 s (8.0 MiB/s, floor rose in 4/4 quarters); before 372 MiB; swap-out ..." */
void evidence_format(const struct evidence *ev, char *buf, size_t size);

#endif
