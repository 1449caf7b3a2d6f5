// SPDX-License-Identifier: GPL-2.0-or-later
#include "stall.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

const char *stall_reason_name(enum stall_reason r)
{
	switch (r) {
	case STALL_PRESSURE_HIGH:
		return "its tasks stall on memory";
	case STALL_NO_SWAP:
		return "at its limit with no swap to go to";
	case STALL_UNDER_OOM:
		return "under an OOM that kills nothing";
	case STALL_NONE:
		break;
	}
	return "not stalled";
}

/* Swap left to the jail: its allowance's rest, bounded by what the system has free. */
static bool no_swap_left(const struct stall_sample *s, char *buf, size_t size)
{
	char a[FMT_SIZE_MAX], b[FMT_SIZE_MAX];

	if (s->swap_total == 0) {
		snprintf(buf, size, "no swap");
		return true;
	}
	if (s->swap_free * 100 < s->swap_total * STALL_SWAP_FREE_PCT) {
		snprintf(buf, size, "swap full: %s free of %s", fmt_size(a, sizeof(a), s->swap_free),
			 fmt_size(b, sizeof(b), s->swap_total));
		return true;
	}
	if (s->swap_allowance != UINT64_MAX) {
		uint64_t left = s->swap_allowance > s->swap_used ? s->swap_allowance - s->swap_used : 0;

		if (left * 4 < s->swap_allowance) {
			snprintf(buf, size, "its swap allowance used up: %s left of %s",
				 fmt_size(a, sizeof(a), left), fmt_size(b, sizeof(b), s->swap_allowance));
			return true;
		}
	}
	return false;
}

enum stall_reason stall_check(struct stall_state *st, const struct stall_sample *s, char *evidence,
			      size_t size)
{
	char swap[160], use[FMT_SIZE_MAX], lim[FMT_SIZE_MAX];
	bool hit = st->have_last && s->limit_hits > st->last_hits;
	bool pressure = s->have_psi && s->full_avg10 >= STALL_PRESSURE;
	bool no_swap = hit && no_swap_left(s, swap, sizeof(swap));
	uint64_t hits = st->have_last && s->limit_hits >= st->last_hits ? s->limit_hits - st->last_hits : 0;
	enum stall_reason r = STALL_NONE;

	st->have_last = true;
	st->last_hits = s->limit_hits;
	evidence[0] = '\0';
	if (s->under_oom) {
		r = STALL_UNDER_OOM;
	} else if (!pressure && !no_swap) {
		st->since_ms = 0;
		st->reported = false;
		return STALL_NONE;
	} else {
		if (!st->since_ms)
			st->since_ms = MAX(s->t_ms, 1);
		if (s->t_ms - st->since_ms < STALL_HOLD_MS)
			return STALL_NONE;
		r = pressure ? STALL_PRESSURE_HIGH : STALL_NO_SWAP;
	}
	fmt_size(use, sizeof(use), s->usage);
	fmt_size(lim, sizeof(lim), s->limit);
	if (r == STALL_UNDER_OOM)
		snprintf(evidence, size, "memory.oom_control under_oom 1; usage %s of %s", use, lim);
	else if (r == STALL_PRESSURE_HIGH)
		snprintf(evidence, size, "memory.pressure full %.0f %% some %.0f %% for %llu s; usage %s of %s",
			 s->full_avg10, s->some_avg10, (unsigned long long)((s->t_ms - st->since_ms) / 1000), use,
			 lim);
	else
		snprintf(evidence, size, "at its limit for %llu s (%llu limit hits in the last pass); usage %s of %s; %s",
			 (unsigned long long)((s->t_ms - st->since_ms) / 1000), (unsigned long long)hits, use, lim,
			 swap);
	return r;
}

void stall_acted(struct stall_state *st)
{
	st->since_ms = 0;
}

bool swap_running_out(uint64_t swap_total, uint64_t swap_free, bool *warned)
{
	if (swap_total == 0)
		return false;
	if (swap_free * 100 >= swap_total * 15) {
		*warned = false;
		return false;
	}
	if (*warned || swap_free * 100 >= swap_total * SWAP_WARN_PCT)
		return false;
	*warned = true;
	return true;
}
